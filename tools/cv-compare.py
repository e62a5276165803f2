#!/usr/bin/env python3
"""Compares two cross-validation runs fold by fold (the CV_OUT files of tools/cv-pos.sh: "fold
figure" lines): the mean difference B - A and the standard deviation of the per-fold differences.
A change is worth keeping when the mean difference is larger than that spread.
usage: python3 tools/cv-compare.py A B"""
import statistics
import sys


def read(path):
    return {int(f): float(v) for f, v in (line.split()[:2] for line in open(path) if line.strip())}


a, b = read(sys.argv[1]), read(sys.argv[2])
folds = sorted(set(a) & set(b))
if len(folds) < 2:
    sys.exit("cv-compare: fewer than two folds in common")
d = [b[f] - a[f] for f in folds]
for f, x in zip(folds, d):
    print("fold %d: %.2f -> %.2f (%+.2f)" % (f, a[f], b[f], x))
m, s = statistics.mean(d), statistics.stdev(d)
print("mean difference %+.3f, sd of the differences %.3f over %d folds: %s" % (
    m, s, len(folds), "beyond the spread" if abs(m) > s else "within the spread"))
