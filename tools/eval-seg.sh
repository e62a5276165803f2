#!/bin/sh
# Word-segmentation F1 of a model (default models/seg.chm) on UD Vietnamese-VTB dev, on the VLSP
# 2013 slice the trainer holds out (every 20th sentence of train.seg, which the default model
# never trained on), on lowercased and capitalized copies of UD dev, and on copies of UD dev and
# the slice with every final y/i after a consonant onset written the other way ("kỹ sư" as
# "kĩ sư", "công ti" as "công ty").
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
# the other spelling of a final y/i after a consonant onset, in every syllable
cat >"$t/swap.py" <<'PY'
import sys
ONSETS = sorted("b d đ h k l m n p r s t v x ch kh ph qu th tr".split(), key=len, reverse=True)
Y, I = "yýỳỷỹỵ", "iíìỉĩị"
def swap(s):
    low = s.lower()
    for o in ONSETS:
        if low.startswith(o) and len(s) == len(o) + 1:
            c = s[-1].lower()
            r = I[Y.index(c)] if c in Y else Y[I.index(c)] if c in I else None
            return s if r is None else s[:-1] + (r.upper() if s[-1].isupper() else r)
    return s
for line in open(sys.argv[1], encoding="utf-8"):
    words = line.rstrip("\n").split(" ")
    print(" ".join("_".join(swap(x) for x in w.split("_")) for w in words))
PY
python3 "$t/swap.py" "$t/ud-dev.seg" >"$t/ud-dev-yi.seg"
python3 "$t/swap.py" "$t/vlsp-held.seg" >"$t/vlsp-held-yi.seg"
for set in ud-dev vlsp-held ud-dev-lower ud-dev-upper ud-dev-yi vlsp-held-yi; do
	sed 's/_/ /g' "$t/$set.seg" >"$t/$set.raw"
	"$CHU" seg --model "$M" --pretokenized "$t/$set.raw" >"$t/$set.pred"
	printf '%-14s %s\n' "$set" "$("$CHU" eval seg "$t/$set.seg" "$t/$set.pred" | tr '\n' ' ')"
done
