# SPDX-License-Identifier: Apache-2.0
"""unittest for the chu package: normalize and bad input (work in progress)."""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chu  # noqa: E402


class Normalize(unittest.TestCase):
    def test_folds_space_and_zero_width(self):
        self.assertEqual(chu.normalize("hoà  bình\u200b"), "hoà bình")

    def test_nfc(self):
        # composed, and the tone moved to the new placement (CHU_TONE_NEW)
        self.assertEqual(chu.normalize("ho\u0300a"), "hoà")

    def test_lone_surrogate(self):
        with self.assertRaises(chu.Error) as cm:
            chu.normalize("ab\udc80")
        self.assertEqual(cm.exception.offset, 2)

    def test_not_str(self):
        for bad in (None, b"hoa"):
            with self.assertRaises(TypeError):
                chu.normalize(bad)

    def test_threads(self):
        out, text = [], "Phụ  nữ " * 1000
        want = chu.normalize(text)
        ts = [threading.Thread(target=lambda: out.append(chu.normalize(text))) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(out, [want] * 4)


if __name__ == "__main__":
    unittest.main()
