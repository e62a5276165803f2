#!/usr/bin/env python3
"""How far the VLSP 2013 POS training set agrees with itself: the sentences it holds more than
once (the same words, at least 5 of them), and the share of their tokens whose tag is the same in
each copy, scored against the first copy. A tagger scored on a slice of this file meets its
annotators' own consistency at about this figure at best.
usage: python3 tools/pos_agreement.py [DATA]   (default ../shared/data)
"""
import collections
import os
import sys


def sentences(path):
    sent = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if sent:
                    yield sent
                sent = []
                continue
            word, tag = line.rsplit("\t", 1)
            sent.append((word, tag))
    if sent:
        yield sent


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    copies = collections.defaultdict(list)
    for s in sentences(os.path.join(data, "vlsp2013-pos", "train.tsv")):
        copies[tuple(w for w, _ in s)].append(tuple(t for _, t in s))
    groups = pairs = identical = tokens = same = 0
    confusions = collections.Counter()
    for words, tags in copies.items():
        if len(tags) < 2 or len(words) < 5:
            continue
        groups += 1
        for other in tags[1:]:
            pairs += 1
            identical += other == tags[0]
            for x, y in zip(tags[0], other):
                tokens += 1
                same += x == y
                if x != y:
                    confusions["/".join(sorted((x, y)))] += 1
    print(f"{groups} sentences held more than once, {pairs} later copies ({identical} tagged exactly as the first), "
          f"{tokens} tokens: the same tag in {100.0 * same / tokens:.2f}%")
    print("most frequent disagreements:", ", ".join(f"{k} {v}" for k, v in confusions.most_common(8)))


if __name__ == "__main__":
    main()
