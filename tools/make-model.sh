#!/bin/sh
# `make model`: rebuilds models/seg.chm, pos.chm, ner.chm and accent.chm from the project data, byte for byte
# (same data, same seed, same model). Data: $CHU_DATA, default ../shared/data.
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CHU=${CHU:-build/chu}
for f in "$D/corpus/viwiki.jsonl.gz" "$D/news/vietnews.jsonl.gz" "$D/vlsp2013-pos/train.tsv" "$D/ner/vlsp2016-train.tsv" "$D/ner/vlsp2016-dev.tsv" "$D/vlsp2013-ws/train.seg" "$D/ud-vtb/train.seg" "$D/ud-vtb/dev.seg" "$D/lexicon/vnvocab.txt" "$D/lexicon/pyvi-words.txt"; do
	[ -r "$f" ] || { echo "make-model: $f is missing" >&2; exit 1; }
done
mkdir -p models
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# The segmenter's options. The shipped one leaves out the syllable-triple templates (the same F1,
# a smaller model that segments faster) and reads a final y after a consonant onset as i, so
# that "Tiến sỹ" and "Tiến sĩ", "Công ty" and "Công ti" segment alike.
SEG_OPTS="--holdout 20 --epochs 5 --seed 1 --lowercase 0.3 --uppercase 0.1 --max-features 120000"
# shellcheck disable=SC2086
"$CHU" train seg \
	--train "$D/vlsp2013-ws/train.seg,$D/ud-vtb/train.seg" \
	--dev "$D/ud-vtb/dev.seg" \
	--lexicon "$D/lexicon/vnvocab.txt,$D/lexicon/pyvi-words.txt" \
	$SEG_OPTS --no-triples --final-y-as-i -o models/seg.chm.tmp
mv models/seg.chm.tmp models/seg.chm
ls -l models/seg.chm
# The word classes are learned from Wikipedia segmented by a pinned segmenter, the one of the
# same data with all 24 templates (not shipped), so that a change to the shipped segmenter does
# not re-draw the classes and with them both taggers' figures.
# shellcheck disable=SC2086
"$CHU" train seg \
	--train "$D/vlsp2013-ws/train.seg,$D/ud-vtb/train.seg" \
	--dev "$D/ud-vtb/dev.seg" \
	--lexicon "$D/lexicon/vnvocab.txt,$D/lexicon/pyvi-words.txt" \
	$SEG_OPTS -o "$t/seg-classes.chm"
# the Wikipedia corpus as plain text, a paragraph a line (word classes and diacritics learn from it)
gzip -dc "$D/corpus/viwiki.jsonl.gz" | python3 -c '
import json, sys
for line in sys.stdin:
    for p in json.loads(line)["text"].split("\n"):
        p = p.strip()
        if p:
            sys.stdout.write(p + "\n")' >"$t/wiki.txt"
# word classes for the taggers: the corpus segmented by the pinned segmenter, 256 classes
"$CHU" train clusters --corpus "$t/wiki.txt" --model "$t/seg-classes.chm" --classes 256 --passes 8 -o "$t/clusters.chm"
# a word<TAB>tag file's sentences, a line each, words separated by spaces
sentences() { awk -F '\t' 'NF { printf "%s%s", s, $1; s = " "; next } { print ""; s = "" }' "$1"; }
# parts of speech: VLSP 2013 POS, every 20th sentence (sentences 20, 40, ...) held out and scored
"$CHU" train pos --train "$D/vlsp2013-pos/train.tsv" --clusters "$t/clusters.chm" --holdout 20 --epochs 6 --runs 4 --seed 1 \
	--max-features 250000 -o models/pos.chm.tmp
mv models/pos.chm.tmp models/pos.chm
# the held-out sentences as words alone and as word/TAG lines (chu eval pos's gold)
awk -v every=20 -v gold="$t/pos-held.gold" -f tools/pos-words.awk "$D/vlsp2013-pos/train.tsv" >"$t/pos-held.txt"
"$CHU" pos --pretokenized --segmented --pos-model models/pos.chm <"$t/pos-held.txt" >"$t/pos-held.pred"
echo "make-model: parts of speech, the held-out slice:"
"$CHU" eval pos "$t/pos-held.gold" "$t/pos-held.pred"
# named entities: VLSP 2016 train, scored on dev; the part-of-speech model's tags are features.
"$CHU" train ner --train "$D/ner/vlsp2016-train.tsv" --dev "$D/ner/vlsp2016-dev.tsv" --pos-model models/pos.chm \
	--clusters "$t/clusters.chm" --epochs 6 --runs 8 --seed 1 --max-features 220000 -o models/ner.chm.tmp
mv models/ner.chm.tmp models/ner.chm
sentences "$D/ner/vlsp2016-dev.tsv" >"$t/ner-dev.txt"
"$CHU" ner --pretokenized --segmented --pos-model models/pos.chm --ner-model models/ner.chm <"$t/ner-dev.txt" >"$t/ner-dev.pred"
echo "make-model: named entities, VLSP 2016 dev:"
"$CHU" eval ner "$D/ner/vlsp2016-dev.tsv" "$t/ner-dev.pred"
ls -l models/pos.chm models/ner.chm
# diacritic restoration: the Wikipedia paragraphs, then the news sentences of VLSP 2013 (word
# segmentation and POS) and VLSP 2016 NER train, three times over (news writes "tôi", "mình" and
# "chị" where Wikipedia does not); every 50th line held out. VLSP 2016 dev is kept out: it is the
# news-like text the model is scored on.
news() { sentences "$1" | tr _ ' '; }
{
	tr _ ' ' <"$D/vlsp2013-ws/train.seg"
	news "$D/vlsp2013-pos/train.tsv"
	news "$D/ner/vlsp2016-train.tsv"
} >"$t/news.txt"
# and the news corpus of 2018-2019 (what people type without marks is news): every article but
# every 20th (articles 0, 20, 40, ... of the file are held out and scored), a paragraph a line
gzip -dc "$D/news/vietnews.jsonl.gz" | python3 -c '
import json, sys
train, held = open(sys.argv[1], "w"), open(sys.argv[2], "w")
for i, line in enumerate(sys.stdin):
    r = json.loads(line)
    out = held if i % 20 == 0 else train
    for p in (r.get("title", "") + "\n" + r["text"]).split("\n"):
        p = p.strip()
        if p:
            out.write(p + "\n")' "$t/vn-train.txt" "$t/vn-held.txt"
cat "$t/wiki.txt" "$t/news.txt" "$t/news.txt" "$t/news.txt" "$t/vn-train.txt" >"$t/accent.txt"
"$CHU" train accent --corpus "$t/accent.txt" --holdout 50 --epochs 3 --max-features 1200000 -o models/accent.chm.tmp
mv models/accent.chm.tmp models/accent.chm
ls -l models/accent.chm
awk 'NR % 50 == 0' "$t/wiki.txt" >"$t/wiki-held.txt"
news "$D/ner/vlsp2016-dev.tsv" >"$t/news-held.txt"
echo "make-model: diacritics, held-out Wikipedia paragraphs, VLSP 2016 dev and held-out news articles:"
python3 tools/eval_accent.py "$CHU" models/accent.chm "$t/wiki-held.txt"
python3 tools/eval_accent.py "$CHU" models/accent.chm "$t/news-held.txt"
python3 tools/eval_accent.py "$CHU" models/accent.chm "$t/vn-held.txt"
