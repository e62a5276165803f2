# SPDX-License-Identifier: Apache-2.0
"""chu.Index over an index made by the chu command, against chu search on the same index."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chu  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
CHU = os.environ.get("CHU", os.path.join(ROOT, "build", "chu"))


@unittest.skipUnless(os.access(CHU, os.X_OK), "the chu command is absent")
class TestIndex(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.db = os.path.join(cls.dir.name, "ex.db")
        subprocess.run([CHU, "index", cls.db, os.path.join(ROOT, "examples")], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def cli(self, *args):
        out = subprocess.run([CHU, "search", "--json", *args], capture_output=True, check=True).stdout.decode()
        return [json.loads(line) for line in out.splitlines() if line.startswith('{"id"')]

    def test_hits_equal_chu_search(self):
        with chu.Index(self.db) as ix:
            for q in ("Quảng Nam", "quang nam", "phu nu", "hợp tác", "lúa OR gạo", "\"y tế\""):
                got = ix.search(q, limit=20)
                want = self.cli("--limit", "20", self.db, q)
                self.assertEqual([h.id for h in got.hits], [w["id"] for w in want], q)
                self.assertEqual([h.exact for h in got.hits], [w["exact"] for w in want], q)
                for h, w in zip(got.hits, want):
                    # the CLI writes the matched words in brackets
                    rebuilt, at = "", 0
                    for a, b in h.highlights:
                        rebuilt += h.snippet[at:a] + "[" + h.snippet[a:b] + "]"
                        at = b
                    self.assertEqual(rebuilt + h.snippet[at:], w["snippet"], q)
                self.assertGreaterEqual(got.total, len(got.hits))

    def test_understood_filters_facets(self):
        with chu.Index(self.db) as ix:
            r = ix.search("phu nu", limit=3)
            self.assertFalse(r.marked)
            r = ix.search("Quảng Nam", facets=True, facet_kinds=["per", "org", "loc"], limit=50)
            self.assertTrue(r.marked)
            self.assertTrue(r.facets and {f.kind for f in r.facets} <= {"per", "org", "loc"})
            self.assertTrue(r.months and all(len(m) == 7 for m, _ in r.months))
            place = next(f for f in r.facets if f.kind == "loc")
            only = ix.search("Quảng Nam", loc=place.text, limit=100)
            self.assertLessEqual(only.total, r.total)
            self.assertEqual([f.field for f in only.filters], ["loc"])
            rest = ix.search("Quảng Nam", loc="-" + place.text, limit=100)
            self.assertEqual(only.total + rest.total, r.total)
            dated = ix.search("", date="2023-05")
            self.assertTrue(all(h.date.startswith("2023-05") for h in dated.hits))

    def test_get_and_len(self):
        with chu.Index(self.db) as ix:
            self.assertGreater(len(ix), 40)
            h = ix.search("Quảng Nam").hits[0]
            d = ix.get(h.id)
            self.assertEqual(d.id, h.id)
            self.assertEqual(d.title, h.title)
            self.assertIsNone(ix.get("no such id"))

    def test_errors(self):
        with self.assertRaises(chu.Error) as e:
            chu.Index(os.path.join(self.dir.name, "missing.db"))
        self.assertIn("missing.db", str(e.exception))
        bad = os.path.join(self.dir.name, "bad.db")
        with open(bad, "wb") as f:
            f.write(b"not an index" * 100)
        with self.assertRaises(chu.Error):
            chu.Index(bad)
        with chu.Index(self.db) as ix:
            with self.assertRaises(chu.Error) as e:
                ix.search('"unbalanced')
            self.assertTrue(str(e.exception))
            with self.assertRaises(chu.Error):
                ix.search("a", mode="fuzzy")
            with self.assertRaises(chu.Error):
                ix.search("a", per="")
            with self.assertRaises(TypeError):
                ix.search(b"bytes")
            with self.assertRaises(chu.Error):
                ix.search("a", date="2023-13")

    def test_one_index_a_thread(self):
        ix = chu.Index(self.db)
        errors, results = [], []

        def other():
            try:
                ix.search("Quảng Nam")
            except chu.Error as e:
                errors.append(e)
            with chu.Index(self.db) as own:
                results.append([h.id for h in own.search("Quảng Nam").hits])

        threads = [threading.Thread(target=other) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        self.assertEqual(len(errors), 4)
        self.assertEqual(results, [[h.id for h in ix.search("Quảng Nam").hits]] * 4)
        ix.close()

    def test_search_function(self):
        self.assertEqual([h.id for h in chu.search(self.db, "Quảng Nam").hits],
                         [w["id"] for w in self.cli(self.db, "Quảng Nam")])


if __name__ == "__main__":
    unittest.main()
