# SPDX-License-Identifier: Apache-2.0
"""chu.annotate and the functions over it, against the chu command on the same files."""
import glob
import json
import os
import subprocess
import threading
import unittest

import chu

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
CHU = os.environ.get("CHU", os.path.join(ROOT, "build", "chu"))
DATA = os.environ.get("CHU_DATA", os.path.join(ROOT, "..", "shared", "data"))
FILES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.txt")) + glob.glob(os.path.join(DATA, "seeds", "*.txt")))
HAVE_MODELS = all(os.path.exists(os.path.join(ROOT, "models", m)) for m in ("seg.chm", "pos.chm", "ner.chm"))


def byte_at(text, i):
    return len(text[:i].encode("utf-8"))


@unittest.skipUnless(HAVE_MODELS and os.access(CHU, os.X_OK), "models or the chu command absent")
class TestAgainstCommand(unittest.TestCase):
    def test_annotate_equals_chu_annotate(self):
        self.assertTrue(FILES)
        for path in FILES:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            out = subprocess.run([CHU, "annotate", "--format", "jsonl", path], capture_output=True, check=True).stdout
            want = [json.loads(line) for line in out.decode().splitlines()]
            got = chu.annotate(text)
            self.assertEqual(len(got), len(want), path)
            for g, w in zip(got, want):
                self.assertEqual((byte_at(text, g.start), byte_at(text, g.end)), (w["start"], w["end"]), path)
                self.assertEqual([(byte_at(text, x.start), byte_at(text, x.end), x.pos) for x in g.words],
                                 [(x["start"], x["end"], x.get("pos")) for x in w["words"]], path)
                self.assertEqual([(x.type, byte_at(text, x.start), byte_at(text, x.end)) for x in g.entities],
                                 [(x["type"], x["start"], x["end"]) for x in w["entities"]], path)
                self.assertEqual([x.kind for x in g.tokens], [x["kind"] for x in w["tokens"]], path)
                for x in g.words:
                    self.assertEqual(x.text, text[x.start:x.end])

    def test_accent_equals_chu_accent(self):
        plain = "Thu truong Bo Ngoai giao Nguyen Van An den Ha Noi ngay 16/7, gia 500 dong/lit."
        out = subprocess.run([CHU, "accent"], input=plain.encode(), capture_output=True, check=True).stdout.decode()
        self.assertEqual(chu.accent(plain), out.rstrip("\n"))

    def test_unmarked_read_as_restored(self):
        # a sentence typed without marks: segmented and tagged as restored, offsets as written
        plain = "Thu tuong Pham Minh Chinh noi voi bao chi tai Ha Noi."
        ents = [(e.type, e.text) for s in chu.annotate(plain) for e in s.entities]
        self.assertEqual(ents, [("PER", "Pham Minh Chinh"), ("LOC", "Ha Noi")])
        out = subprocess.run([CHU, "pos"], input=plain.encode(), capture_output=True, check=True).stdout.decode()
        self.assertEqual(" ".join(w.text.replace(" ", "_") + "/" + w.pos for w in chu.pos(plain)), out.strip())

    def test_tokenize_equals_chu_tok(self):
        text = "Ngày 9/7/2020, gói hỗ trợ 62.000 tỷ đồng (4,5%) được thông qua tại TP.HCM."
        out = subprocess.run([CHU, "tok", "--offsets"], input=text.encode(), capture_output=True, check=True).stdout
        want = [tuple(l.split("\t")[:3]) for l in out.decode().splitlines() if l]
        got = [(str(byte_at(text, t.start)), str(byte_at(text, t.end)), t.kind) for t in chu.tokenize(text)]
        self.assertEqual(got, want)


@unittest.skipUnless(HAVE_MODELS, "models absent")
class TestFunctions(unittest.TestCase):
    def test_offsets_are_str_indices(self):
        text = "Ông Nguyễn Văn An đến Hà Nội ngày 16/7."
        ents = chu.ner(text)
        self.assertIn(("PER", "Nguyễn Văn An"), [(e.type, e.text) for e in ents])
        for e in ents:
            self.assertEqual(text[e.start:e.end], e.text)
        self.assertEqual(chu.segment("Thứ trưởng Bộ Ngoại giao"), ["Thứ trưởng", "Bộ", "Ngoại giao"])
        self.assertEqual([(w.text, w.pos, w.upos) for w in chu.pos("Bộ Ngoại giao")], [("Bộ", "N", "NOUN"), ("Ngoại giao", "N", "NOUN")])
        self.assertEqual(chu.sentences("Giá tăng.Nông dân vui. Hết"), ["Giá tăng.", "Nông dân vui.", "Hết"])

    def test_threads_share_the_models(self):
        text = open(FILES[0], encoding="utf-8").read() if FILES else "Ông An đến Hà Nội."
        want = chu.annotate(text)
        got, errors = [None] * 4, []

        def run(k):
            try:
                for _ in range(3):
                    got[k] = chu.annotate(text)
            except Exception as e:  # reported below
                errors.append(e)

        ts = [threading.Thread(target=run, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])
        self.assertTrue(all(g == want for g in got))

    def test_bad_input(self):
        for bad in (b"bytes", None, 3):
            with self.assertRaises(TypeError):
                chu.annotate(bad)
        with self.assertRaises(chu.Error) as cm:
            chu.segment("ab\ud800c")
        self.assertEqual(cm.exception.offset, 2)
        self.assertEqual(chu.annotate(""), [])
        self.assertEqual(chu.annotate("\x00\x01 \ufffd"), chu.annotate("\x00\x01 \ufffd"))

    def test_missing_model_names_where_it_looked(self):
        with self.assertRaises(chu.Error) as cm:
            chu._model("no-such-model.chm")
        msg = str(cm.exception)
        self.assertIn("no-such-model.chm not found", msg)
        self.assertIn("/usr/share/chu", msg)


if __name__ == "__main__":
    unittest.main()
