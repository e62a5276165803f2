#!/bin/sh
# Text typed without marks: every mark of the evaluation sets stripped (tones, ă â ê ô ơ ư, đ as
# d), then segmentation F1 (UD Vietnamese-VTB dev and the VLSP 2013 slice that seg.chm never
# trained on), parts of speech (the held-out slice of make model) and entities (VLSP 2016 dev),
# each read as written (--as-written) and as restored (the default: accent.chm), beside the
# figure with marks. The gold words and tags are stripped the same way.
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CHU=${CHU:-build/chu}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat >"$t/strip.py" <<'PY'
import sys, unicodedata
for line in sys.stdin:
    s = unicodedata.normalize("NFD", line.replace("đ", "d").replace("Đ", "D"))
    sys.stdout.write(unicodedata.normalize("NFC", "".join(c for c in s if unicodedata.category(c) != "Mn")))
PY
strip() { python3 "$t/strip.py"; }
score() { "$CHU" eval "$@" | tail -n 1 | sed 's/.* //'; }
# segmentation: gold .seg files, their tokens read one sentence a line
awk 'NF' "$D/vlsp2013-ws/train.seg" | awk 'NR % 20 == 1' >"$t/vlsp-held.seg"
cp "$D/ud-vtb/dev.seg" "$t/ud-dev.seg"
for set in ud-dev vlsp-held; do
	strip <"$t/$set.seg" >"$t/$set-bare.seg"
	sed 's/_/ /g' "$t/$set.seg" >"$t/$set.raw"
	sed 's/_/ /g' "$t/$set-bare.seg" >"$t/$set-bare.raw"
	"$CHU" seg --pretokenized "$t/$set.raw" >"$t/p0"
	"$CHU" seg --pretokenized --as-written "$t/$set-bare.raw" >"$t/p1"
	"$CHU" seg --pretokenized "$t/$set-bare.raw" >"$t/p2"
	printf 'segmentation %-10s with marks %s  without, as written %s  as restored %s\n' "$set" \
		"$(score seg "$t/$set.seg" "$t/p0")" "$(score seg "$t/$set-bare.seg" "$t/p1")" "$(score seg "$t/$set-bare.seg" "$t/p2")"
done
# parts of speech: make model's held-out slice (every 20th sentence of VLSP 2013 POS train)
awk -v every=20 -v gold="$t/pos.gold" -f tools/pos-words.awk "$D/vlsp2013-pos/train.tsv" >"$t/pos.txt"
strip <"$t/pos.txt" >"$t/pos-bare.txt"
strip <"$t/pos.gold" >"$t/pos-bare.gold"
"$CHU" pos --pretokenized --segmented "$t/pos.txt" >"$t/p0"
"$CHU" pos --pretokenized --segmented --as-written "$t/pos-bare.txt" >"$t/p1"
"$CHU" pos --pretokenized --segmented "$t/pos-bare.txt" >"$t/p2"
printf 'parts of speech (slice)  with marks %s  without, as written %s  as restored %s\n' \
	"$(score pos "$t/pos.gold" "$t/p0")" "$(score pos "$t/pos-bare.gold" "$t/p1")" "$(score pos "$t/pos-bare.gold" "$t/p2")"
# entities: VLSP 2016 dev, its words as given
awk -F '\t' 'NF { printf "%s%s", s, $1; s = " "; next } { print ""; s = "" }' "$D/ner/vlsp2016-dev.tsv" >"$t/ner.txt"
strip <"$t/ner.txt" >"$t/ner-bare.txt"
strip <"$D/ner/vlsp2016-dev.tsv" >"$t/ner-bare.tsv"
"$CHU" ner --pretokenized --segmented "$t/ner.txt" >"$t/p0"
"$CHU" ner --pretokenized --segmented --as-written "$t/ner-bare.txt" >"$t/p1"
"$CHU" ner --pretokenized --segmented "$t/ner-bare.txt" >"$t/p2"
printf 'entities (dev)           with marks %s  without, as written %s  as restored %s\n' \
	"$(score ner "$D/ner/vlsp2016-dev.tsv" "$t/p0")" "$(score ner "$t/ner-bare.tsv" "$t/p1")" "$(score ner "$t/ner-bare.tsv" "$t/p2")"
