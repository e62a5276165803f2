#!/bin/sh
# `make model`: rebuilds models/seg.chm from the project data, byte for byte (same data, same
# seed, same model). Data: $CHU_DATA, default ../shared/data.
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CHU=${CHU:-build/chu}
for f in "$D/vlsp2013-ws/train.seg" "$D/ud-vtb/train.seg" "$D/ud-vtb/dev.seg" "$D/lexicon/vnvocab.txt" "$D/lexicon/pyvi-words.txt"; do
	[ -r "$f" ] || { echo "make-model: $f is missing" >&2; exit 1; }
done
mkdir -p models
"$CHU" train seg \
	--train "$D/vlsp2013-ws/train.seg,$D/ud-vtb/train.seg" \
	--dev "$D/ud-vtb/dev.seg" \
	--lexicon "$D/lexicon/vnvocab.txt,$D/lexicon/pyvi-words.txt" \
	--holdout 20 --epochs 5 --seed 1 --lowercase 0.3 --uppercase 0.1 --max-features 120000 \
	-o models/seg.chm.tmp
mv models/seg.chm.tmp models/seg.chm
ls -l models/seg.chm
