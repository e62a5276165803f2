#!/usr/bin/env python3
"""How far two gold annotations agree: the sentences of UD Vietnamese-VTB (train and dev) that
VLSP 2013's word-segmentation training set also holds (compared lowercased, '_' read as a space),
and the word F1 of VLSP's segmentation of them scored against UD's. A model that learns VLSP's
conventions meets UD dev at about this figure at best.
usage: python3 tools/seg_agreement.py [DATA]   (default ../shared/data)
"""
import os
import sys


def key(line):
    return " ".join(line.replace("_", " ").lower().split())


def words(line):
    """The syllable spans of a segmented line's words."""
    spans, i = set(), 0
    for w in line.split():
        n = w.count("_") + 1
        spans.add((i, i + n))
        i += n
    return spans


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    vlsp = {}
    with open(os.path.join(data, "vlsp2013-ws", "train.seg"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                vlsp.setdefault(key(line), line.strip())
    for name in ("dev", "train"):
        shared = gold = pred = correct = 0
        with open(os.path.join(data, "ud-vtb", name + ".seg"), encoding="utf-8") as f:
            for line in f:
                other = vlsp.get(key(line))
                if other is None:
                    continue
                a, b = words(line), words(other)
                shared += 1
                gold += len(a)
                pred += len(b)
                correct += len(a & b)
        f1 = 200.0 * correct / (gold + pred) if gold + pred else 0.0
        print(f"UD {name}: {shared} sentences also in VLSP 2013, {gold} UD words; "
              f"VLSP's segmentation scored against UD's: F1 {f1:.2f}")


if __name__ == "__main__":
    main()
