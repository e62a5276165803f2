#!/bin/sh
# Word-segmentation F1 on whole VLSP 2013 documents the model never saw: every 20th document of
# vlsp2013-ws/train-docs.txt is held out, a model is trained on the rest (with the options of
# `make model`, about 20 s) and scored on the held-out documents, as written and lowercased.
# The committed model holds out every 20th sentence instead, so a held-out sentence may share its
# document (names, topic) with training sentences; this slice shares none.
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CHU=${CHU:-build/chu}
for f in "$D/vlsp2013-ws/train-docs.txt" "$D/ud-vtb/train.seg" "$D/ud-vtb/dev.seg" "$D/lexicon/vnvocab.txt" \
	"$D/lexicon/pyvi-words.txt"; do
	[ -r "$f" ] || { echo "eval-seg-docs: $f is missing" >&2; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# documents open with "=== DOC name"; blank lines separate paragraphs
awk -v train="$t/train.seg" -v held="$t/held.seg" '
	/^=== DOC / { doc++; next }
	NF { print > (doc % 20 == 0 ? held : train) }' "$D/vlsp2013-ws/train-docs.txt"
printf 'documents held out: %s sentences (%s trained on)\n' "$(wc -l <"$t/held.seg")" "$(wc -l <"$t/train.seg")"
"$CHU" train seg --train "$t/train.seg,$D/ud-vtb/train.seg" --dev "$D/ud-vtb/dev.seg" \
	--lexicon "$D/lexicon/vnvocab.txt,$D/lexicon/pyvi-words.txt" \
	--holdout 0 --epochs 5 --seed 1 --lowercase 0.3 --uppercase 0.1 --max-features 120000 --no-triples --final-y-as-i \
	-o "$t/docs.chm" 2>"$t/train.log" || { cat "$t/train.log" >&2; exit 1; }
python3 -c 'import sys; [sys.stdout.write(l.lower()) for l in open(sys.argv[1], encoding="utf-8")]' "$t/held.seg" >"$t/held-lower.seg"
for set in held held-lower; do
	sed 's/_/ /g' "$t/$set.seg" >"$t/$set.raw"
	"$CHU" seg --model "$t/docs.chm" --pretokenized "$t/$set.raw" >"$t/$set.pred"
	printf '%-14s %s\n' "vlsp-$set-docs" "$("$CHU" eval seg "$t/$set.seg" "$t/$set.pred" | tr '\n' ' ')"
done
