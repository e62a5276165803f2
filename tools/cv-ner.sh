#!/bin/sh
# Cross-validation of the entity tagger: `tools/cv-ner.sh [OPTION...]`, the options added to
# make-model.sh's `chu train ner` options (a later option wins: `--runs 4` replaces `--runs 8`).
#
# VLSP 2016 train has no document markers, but its consecutive sentences come from one article,
# so it is cut into K (5) folds of contiguous sentences (fold f: the f-th K-th of the sentences),
# which keeps whole documents inside a fold except at its two edges. For each fold the tagger is
# trained on the other K - 1 and scored on the held-out fold and on VLSP 2016 dev; then the mean
# and standard deviation over folds. Per-type F1 (PER LOC ORG MISC) is exact-span F1 of that type.
#
# Environment: CHU (build/chu), CHU_DATA (../shared/data), CLUSTERS (the word classes make-model
# builds; required), POS_MODEL (the part-of-speech model whose tags are features; default
# models/pos.chm), K (5), FOLDS (the folds run, default all: "1 3"), CV_OUT (a directory to
# keep the fold files, models and predictions in; default a temporary one, removed), CV_LABEL
# (a name printed on each line, default "cv"), CV_BASE (the folds.txt of another run, kept in its
# CV_OUT: then the per-fold differences from it, their mean and standard deviation, are printed
# too — the paired comparison). Times are printed per model: run the whole script
# under `taskset -c 0` so that every training and scoring is on one core.
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CHU=${CHU:-build/chu}
K=${K:-5}
CLUSTERS=${CLUSTERS:?CLUSTERS: the word classes file (make-model.sh builds it from Wikipedia)}
POS=${POS_MODEL:-models/pos.chm}
LABEL=${CV_LABEL:-cv}
if [ -n "${CV_OUT:-}" ]; then
	t=$CV_OUT
	mkdir -p "$t"
else
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
fi
FOLDS=${FOLDS:-$(seq 1 "$K")}
sentences() { awk -F '\t' 'NF { printf "%s%s", s, $1; s = " "; next } { print ""; s = "" }' "$1"; }
# the folds: fold f's sentences in $t/fold-f.tsv, the others in $t/train-f.tsv
python3 - "$D/ner/vlsp2016-train.tsv" "$t" "$K" <<'EOF'
import sys
path, out, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
sents, cur = [], []
for line in open(path, encoding="utf-8"):
    if line.strip():
        cur.append(line if line.endswith("\n") else line + "\n")
    elif cur:
        sents.append("".join(cur)); cur = []
if cur:
    sents.append("".join(cur))
n = len(sents)
for f in range(k):
    a, b = n * f // k, n * (f + 1) // k
    with open(f"{out}/fold-{f + 1}.tsv", "w", encoding="utf-8") as h:
        h.write("".join(s + "\n" for s in sents[a:b]))
    with open(f"{out}/train-{f + 1}.tsv", "w", encoding="utf-8") as h:
        h.write("".join(s + "\n" for s in sents[:a] + sents[b:]))
EOF
sentences "$D/ner/vlsp2016-dev.tsv" >"$t/dev.txt"
# exact-span F1, all and per type, of PRED against GOLD (both word<TAB>tag, BIO)
score() {
	python3 - "$1" "$2" <<'EOF'
import sys
def spans(path):
    out, i, typ, start = set(), 0, None, 0
    def close(end):
        if typ is not None:
            out.add((start, end, typ))
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            close(i); typ = None; i += 1; continue   # a sentence break is a position of its own
        tag = line.rsplit("\t", 1)[-1]
        if tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != typ):
            close(i); typ, start = tag[2:], i
        elif not tag.startswith("I-"):
            close(i); typ = None
        i += 1
    close(i)
    return out
g, p = spans(sys.argv[1]), spans(sys.argv[2])
def f1(t):
    G = {s for s in g if t is None or s[2] == t}; P = {s for s in p if t is None or s[2] == t}
    c = len(G & P)
    return 200.0 * c / (len(G) + len(P)) if G or P else 0.0
print(" ".join("%.2f" % f1(t) for t in (None, "PER", "LOC", "ORG", "MISC")))
EOF
}
echo "# $LABEL: chu train ner options: --epochs 6 --runs 8 --seed 1 --max-features 220000 $*"
echo "# label fold F1 PER LOC ORG MISC | dev F1 PER LOC ORG MISC | train-seconds"
for f in $FOLDS; do
	s0=$(date +%s)
	# shellcheck disable=SC2068
	"$CHU" train ner --train "$t/train-$f.tsv" --pos-model "$POS" --clusters "$CLUSTERS" \
		--epochs 6 --runs 8 --seed 1 --max-features 220000 "$@" -o "$t/ner-$f.chm" >"$t/train-$f.log" 2>&1
	s1=$(date +%s)
	sentences "$t/fold-$f.tsv" >"$t/fold-$f.txt"
	"$CHU" ner --pretokenized --segmented --pos-model "$POS" --ner-model "$t/ner-$f.chm" <"$t/fold-$f.txt" >"$t/fold-$f.pred"
	"$CHU" ner --pretokenized --segmented --pos-model "$POS" --ner-model "$t/ner-$f.chm" <"$t/dev.txt" >"$t/dev-$f.pred"
	echo "$LABEL $f $(score "$t/fold-$f.tsv" "$t/fold-$f.pred") | $(score "$D/ner/vlsp2016-dev.tsv" "$t/dev-$f.pred") | $((s1 - s0))"
done | tee "$t/folds.txt"
# mean ± sd over the folds (sample sd, n - 1)
awk -v label="$LABEL" '{
	n++
	for (j = 3; j <= 7; j++) { x[j] += $j; xx[j] += $j * $j }
	for (j = 9; j <= 13; j++) { x[j] += $j; xx[j] += $j * $j }
}
END {
	printf "%s mean", label
	for (j = 3; j <= 13; j++) {
		if (j == 8) { printf " |"; continue }
		m = x[j] / n; v = n > 1 ? (xx[j] - n * m * m) / (n - 1) : 0
		printf " %.2f±%.2f", m, sqrt(v > 0 ? v : 0)
	}
	print ""
}' "$t/folds.txt"
# the paired differences from another run's folds (the same folds, the same order)
if [ -n "${CV_BASE:-}" ]; then
	awk -v label="$LABEL" 'NR == FNR { for (j = 3; j <= 13; j++) b[$2, j] = $j; next }
	($2, 3) in b {
		n++
		for (j = 3; j <= 13; j++) if (j != 8) { d = $j - b[$2, j]; x[j] += d; xx[j] += d * d }
	}
	END {
		printf "%s diff", label
		for (j = 3; j <= 13; j++) {
			if (j == 8) { printf " |"; continue }
			m = x[j] / n; v = n > 1 ? (xx[j] - n * m * m) / (n - 1) : 0
			printf " %+.2f±%.2f", m, sqrt(v > 0 ? v : 0)
		}
		print ""
	}' "$CV_BASE" "$t/folds.txt"
fi
