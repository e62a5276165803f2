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
# readings LABEL TASK "OPTIONS" GOLD GOLD_BARE IN IN_BARE: the figure with marks, then without
# marks read as written and as restored (chu eval TASK's last figure each)
readings() {
	"$CHU" "$2" $3 "$6" >"$t/p0"
	"$CHU" "$2" $3 --as-written "$7" >"$t/p1"
	"$CHU" "$2" $3 "$7" >"$t/p2"
	printf '%-24s with marks %s  without, as written %s  as restored %s\n' "$1" \
		"$(score "$2" "$4" "$t/p0")" "$(score "$2" "$5" "$t/p1")" "$(score "$2" "$5" "$t/p2")"
}
# segmentation: gold .seg files, their tokens read one sentence a line
awk 'NF' "$D/vlsp2013-ws/train.seg" | awk 'NR % 20 == 1' >"$t/vlsp-held.seg"
cp "$D/ud-vtb/dev.seg" "$t/ud-dev.seg"
for set in ud-dev vlsp-held; do
	strip <"$t/$set.seg" >"$t/$set-bare.seg"
	sed 's/_/ /g' "$t/$set.seg" >"$t/$set.raw"
	sed 's/_/ /g' "$t/$set-bare.seg" >"$t/$set-bare.raw"
	readings "segmentation $set" seg --pretokenized "$t/$set.seg" "$t/$set-bare.seg" "$t/$set.raw" "$t/$set-bare.raw"
done
# parts of speech: make model's held-out slice (every 20th sentence of VLSP 2013 POS train)
awk -v every=20 -v gold="$t/pos.gold" -f tools/pos-words.awk "$D/vlsp2013-pos/train.tsv" >"$t/pos.txt"
strip <"$t/pos.txt" >"$t/pos-bare.txt"
strip <"$t/pos.gold" >"$t/pos-bare.gold"
readings "parts of speech (slice)" pos "--pretokenized --segmented" "$t/pos.gold" "$t/pos-bare.gold" "$t/pos.txt" \
	"$t/pos-bare.txt"
# entities: VLSP 2016 dev, its words as given
awk -F '\t' 'NF { printf "%s%s", s, $1; s = " "; next } { print ""; s = "" }' "$D/ner/vlsp2016-dev.tsv" >"$t/ner.txt"
strip <"$t/ner.txt" >"$t/ner-bare.txt"
strip <"$D/ner/vlsp2016-dev.tsv" >"$t/ner-bare.tsv"
readings "entities (dev)" ner "--pretokenized --segmented" "$D/ner/vlsp2016-dev.tsv" "$t/ner-bare.tsv" "$t/ner.txt" \
	"$t/ner-bare.txt"
