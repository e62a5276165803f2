#!/usr/bin/env python3
"""Diacritic restoration accuracy: strips the marks of a text, runs `chu accent`, and compares
syllable by syllable with the original. Usage: eval_accent.py CHU MODEL FILE... (plain text).
Counts every run of letters that is a Vietnamese-looking syllable; prints the syllable accuracy."""
import re, subprocess, sys, unicodedata

def strip(s):
    s = unicodedata.normalize('NFD', s)
    s = ''.join(c for c in s if not unicodedata.combining(c))
    return unicodedata.normalize('NFC', s.replace('đ', 'd').replace('Đ', 'D'))

chu, model, files = sys.argv[1], sys.argv[2], sys.argv[3:]
word = re.compile(r"[^\W\d_]+")
total = correct = skipped = 0
for f in files:
    orig = unicodedata.normalize('NFC', open(f, encoding='utf-8').read())
    plain = strip(orig)
    out = subprocess.run([chu, 'accent', '--model', model], input=plain.encode(), capture_output=True, check=True).stdout.decode()
    lo, lp, lr = orig.split('\n'), plain.split('\n'), out.split('\n')
    if not len(lo) == len(lp) == len(lr):
        sys.exit(f'{f}: {len(lo)} lines in, {len(lr)} out')
    for o, p, r in zip(lo, lp, lr):
        a, b, c = word.findall(o), word.findall(p), word.findall(r)
        if len(b) != len(c):
            sys.exit(f'{f}: chu accent changed the words of a line:\n{p}\n{r}')
        if len(a) != len(b):  # stripping marks changed the letter runs (a letter that is only a mark)
            skipped += 1
            continue
        for x, y in zip(a, c):
            if not all('LATIN' in unicodedata.name(ch, '') for ch in x):
                continue  # not Latin
            total += 1
            # the same syllable, tone placement aside (hoà = hòa)
            correct += strip(x) == strip(y) and sorted(unicodedata.normalize('NFD', x)) == sorted(unicodedata.normalize('NFD', y))
print(f'syllables {total} correct {correct} accuracy {100.0 * correct / max(total, 1):.2f} (lines skipped: {skipped})')
