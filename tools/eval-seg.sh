#!/bin/sh
# Word-segmentation F1 of a model (default models/seg.chm) on UD Vietnamese-VTB dev, on the VLSP
# 2013 slice the trainer holds out (every 20th sentence of train.seg, which the default model
# never trained on), and on lowercased and capitalized copies of UD dev.
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CHU=${CHU:-build/chu}
M=${1:-models/seg.chm}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
awk 'NF' "$D/vlsp2013-ws/train.seg" | awk 'NR % 20 == 1' >"$t/vlsp-held.seg"
cp "$D/ud-vtb/dev.seg" "$t/ud-dev.seg"
python3 -c 'import sys; [sys.stdout.write(l.lower()) for l in open(sys.argv[1], encoding="utf-8")]' "$t/ud-dev.seg" >"$t/ud-dev-lower.seg"
python3 -c 'import sys; [sys.stdout.write(l.upper()) for l in open(sys.argv[1], encoding="utf-8")]' "$t/ud-dev.seg" >"$t/ud-dev-upper.seg"
for set in ud-dev vlsp-held ud-dev-lower ud-dev-upper; do
	sed 's/_/ /g' "$t/$set.seg" >"$t/$set.raw"
	"$CHU" seg --model "$M" --pretokenized "$t/$set.raw" >"$t/$set.pred"
	printf '%-14s %s\n' "$set" "$("$CHU" eval seg "$t/$set.seg" "$t/$set.pred" | tr '\n' ' ')"
done
