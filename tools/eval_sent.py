#!/usr/bin/env python3
"""Sentence-boundary precision, recall and F1 of `chu sent` against the paragraph and sentence
layout of VLSP 2013's train-docs.txt (one sentence a line, blank line between paragraphs).

Each paragraph is detokenized (syllables joined by spaces, no space before , . : ; ! ? ) ] and
closing quotes, none after ( [ and opening quotes) and written as one line; `chu sent` splits it;
a boundary is the character offset where a sentence ends inside its paragraph. Paragraph ends
are given to chu by the line break and are not counted: only boundaries inside paragraphs are.

usage: tools/eval_sent.py [--chu build/chu] [--docs ../shared/data/vlsp2013-ws/train-docs.txt] [--limit N]
"""
import argparse
import subprocess
import sys

CLOSE = set(",.:;!?)]}%…") | {"”", "’", "»"}
OPEN = set("([{") | {"“", "‘", "«"}


INVISIBLE = dict.fromkeys([0xAD, 0xFEFF] + list(range(0x200B, 0x2010)) + list(range(0x202A, 0x202F))
                           + list(range(0x2060, 0x2065)) + list(range(0, 32)))


def detok(tokens):
    tokens = [t.translate(INVISIBLE) for t in tokens]
    tokens = [t for t in tokens if t]
    out = ""
    quote_open = False
    prev = None
    for t in tokens:
        t = t.replace("_", " ")
        space = bool(out)
        if t == '"':
            if quote_open:
                space = False
            quote_open = not quote_open
        elif t in CLOSE or (t and all(c in ".!?…" for c in t)):
            space = False
        if prev is not None and (prev in OPEN or (prev == '"' and quote_open)):
            space = False
        out += (" " if space else "") + t
        prev = t
    return out


def paragraphs(path, limit):
    para = []
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("=== DOC") or not line.strip():
                if para:
                    yield para
                    n += 1
                    if limit and n >= limit:
                        return
                para = []
                continue
            para.append(line.split())
    if para:
        yield para


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chu", default="build/chu")
    ap.add_argument("--docs", default="../shared/data/vlsp2013-ws/train-docs.txt")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--show", type=int, default=0, help="print N mismatching paragraphs")
    a = ap.parse_args()
    lines, gold = [], []
    for para in paragraphs(a.docs, a.limit):
        sents = [detok(s) for s in para]
        text = " ".join(sents)
        ends, pos = set(), 0
        for s in sents[:-1]:
            pos += len(s)
            ends.add(pos)
            pos += 1
        lines.append(text)
        gold.append(ends)
    inp = "\n".join(lines) + "\n"
    res = subprocess.run([a.chu, "sent"], input=inp.encode(), capture_output=True, check=True)
    out = res.stdout.decode().split("\n")
    # map chu's sentences back onto paragraphs by consuming characters (chu folds white space)
    tp = fp = fn = 0
    k = 0
    shown = 0
    for text, ends in zip(lines, gold):
        pred, pos, consumed = set(), 0, 0
        target = len(text.replace(" ", ""))
        while consumed < target and k < len(out):
            s = out[k].replace(" ", "")
            k += 1
            consumed += len(s)
            if consumed < target:
                pred.add(consumed)
        # gold offsets in the same space-free coordinates
        g = set()
        for e in ends:
            g.add(len(text[:e].replace(" ", "")))
        tp += len(pred & g)
        fp += len(pred - g)
        fn += len(g - pred)
        if (pred != g) and shown < a.show:
            shown += 1
            print("GOLD", sorted(g), "PRED", sorted(pred), "|", text[:300], file=sys.stderr)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f"paragraphs {len(lines)}  inner boundaries {tp + fn}  precision {100*p:.2f}  recall {100*r:.2f}  F1 {100*f:.2f}")


if __name__ == "__main__":
    main()
