#!/bin/sh
# Cross-validation of the part-of-speech tagger over whole stretches of documents: the VLSP 2013
# POS training set is cut into K contiguous blocks of sentences (its sentences run article by
# article, so a block shares no document with the others but at its two edges); each block is
# scored by a model trained on the other K - 1 with make model's options. Prints each fold's
# accuracy, then the mean and standard deviation, and writes one line per fold to $CV_OUT (if set)
# so that two runs can be compared fold by fold (tools/cv-compare.py).
# usage: sh tools/cv-pos.sh CLUSTERS [extra `chu train pos` options…]
# Environment: CHU_DATA (default ../shared/data), CHU (default build/chu), CV_K (default 5),
# CV_OUT.
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CHU=${CHU:-build/chu}
K=${CV_K:-5}
[ $# -ge 1 ] || { echo "usage: sh tools/cv-pos.sh CLUSTERS [chu train pos options…]" >&2; exit 2; }
CL=$1
shift
TSV="$D/vlsp2013-pos/train.tsv"
[ -r "$TSV" ] || { echo "cv-pos: $TSV is missing" >&2; exit 1; }
[ -r "$CL" ] || { echo "cv-pos: $CL is missing" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
n=$(awk -v RS= 'END { print NR }' "$TSV")
[ -z "${CV_OUT:-}" ] || : >"$CV_OUT"
for f in $(seq 0 $((K - 1))); do
	# sentence s (0-based) is in block s * K / n
	awk -v RS= -v ORS='\n\n' -v n="$n" -v k="$K" -v f="$f" -v held="$t/held.tsv" '
		{ if (int((NR - 1) * k / n) == f) print > held; else print }' "$TSV" >"$t/train.tsv"
	awk -v gold="$t/gold" -f tools/pos-words.awk "$t/held.tsv" >"$t/words"
	"$CHU" train pos --train "$t/train.tsv" --clusters "$CL" --holdout 0 --epochs 6 --runs 4 --seed 1 \
		--max-features 250000 "$@" -o "$t/pos.chm" 2>"$t/log" || { cat "$t/log" >&2; exit 1; }
	"$CHU" pos --pretokenized --segmented --pos-model "$t/pos.chm" <"$t/words" >"$t/pred"
	acc=$("$CHU" eval pos "$t/gold" "$t/pred" | awk '/^accuracy/ { print $2 }')
	echo "fold $f: accuracy $acc ($(grep -c . "$t/words") sentences)"
	[ -z "${CV_OUT:-}" ] || echo "$f $acc" >>"$CV_OUT"
	echo "$acc" >>"$t/all"
done
awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; printf "mean %.2f ± %.2f (sd over %d folds)\n", m, sqrt((q - n * m * m) / (n - 1)), n }' "$t/all"
