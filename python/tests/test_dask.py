# SPDX-License-Identifier: Apache-2.0
"""chu.dask on a LocalCluster of two worker processes, against the chu command on the same texts."""
import glob
import gzip
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

try:
    import distributed
    from distributed import Client, LocalCluster
except ImportError:  # the suite runs without Dask; python.sh picks a python3 that has it
    distributed = None

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import chu  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
CHU = os.path.abspath(os.environ.get("CHU", os.path.join(ROOT, "build", "chu")))  # run from other directories
DATA = os.environ.get("CHU_DATA", os.path.join(ROOT, "..", "shared", "data"))
FILES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.txt")) + glob.glob(os.path.join(DATA, "seeds", "*.txt")))
HAVE_MODELS = all(os.path.exists(os.path.join(ROOT, "models", m)) for m in ("seg.chm", "pos.chm", "ner.chm"))


def texts():
    out = []
    for p in FILES:
        with open(p, encoding="utf-8") as f:
            out.append(f.read())
    return out


def slow_down(delay):
    """Run on each worker: every record takes delay seconds longer (so that a kill lands mid-job)."""
    import chu as c
    f = c.annotate_json
    if not getattr(f, "slowed", False):
        def slowed(*a, **k):
            time.sleep(delay)
            return f(*a, **k)
        slowed.slowed = True
        c.annotate_json = slowed


def suspicious(dask_scheduler=None):
    """Run on the scheduler: how many times a part's task was running on a worker that died."""
    p = dask_scheduler.task_prefixes.get("chu-part")
    return p.suspicious if p else 0


def parts_of(out_dir):
    return sorted(os.listdir(out_dir))


def read_parts(out_dir):
    data = b""
    for name in parts_of(out_dir):
        with open(os.path.join(out_dir, name), "rb") as f:
            data += f.read()
    return data


@unittest.skipIf(distributed is None, "dask.distributed is not installed for this python3 (Debian: python3-distributed)")
@unittest.skipUnless(HAVE_MODELS and os.access(CHU, os.X_OK) and FILES, "models, the chu command or the texts absent")
class TestDask(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import chu.dask  # noqa: F401 (fails here, not in a worker, when it cannot be imported)
        cls.cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                   silence_logs=logging.CRITICAL)
        cls.client = Client(cls.cluster)
        cls.tmp = tempfile.mkdtemp(prefix="chu-dask-")

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def command(self, docs):
        """What chu annotate --format jsonl prints for each (name, text), a file named name holding
        text (relative names under self.tmp/docs)."""
        d = os.path.join(self.tmp, "docs")
        os.makedirs(d, exist_ok=True)
        for name, text in docs:
            p = name if os.path.isabs(name) else os.path.join(d, name)
            with open(p, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        return subprocess.run([CHU, "annotate", "--format", "jsonl"] + [n for n, _ in docs], cwd=d,
                              capture_output=True, check=True).stdout

    def test_1_same_as_chu_annotate(self):
        from chu.dask import annotate_jsonl
        ts = texts()
        plain = os.path.join(self.tmp, "corpus.jsonl")
        packed = os.path.join(self.tmp, "more.jsonl.gz")
        docs = []
        with open(plain, "w", encoding="utf-8") as f:
            for k, t in enumerate(ts):
                docs.append(("text-%02d" % k, t))
                f.write(json.dumps({"id": "text-%02d" % k, "title": "t", "text": t}, ensure_ascii=k % 2 == 0) + "\n")
            f.write("\n")                                   # line %d: blank
            f.write("not json\n")                           # skipped
            f.write(json.dumps({"id": "no-text"}) + "\n")   # skipped
            f.write('{"id": 7.50, "text": %s}\n' % json.dumps(ts[0][:300]))
            docs.append(("7.50", ts[0][:300]))
            line = len(ts) + 5
            f.write(json.dumps({"text": ts[1]}) + "\n")     # no id: PATH#LINE
            docs.append(("%s#%d" % (plain, line), ts[1]))
        with gzip.open(packed, "wt", encoding="utf-8") as f:
            for k, t in enumerate(reversed(ts)):
                docs.append(("gz-%02d" % k, t))
                f.write(json.dumps({"id": "gz-%02d" % k, "text": t}) + "\n")
        out = os.path.join(self.tmp, "out")
        os.makedirs(out)
        for stale in ("part-00999.jsonl", ".part-00000.jsonl.dead.tmp"):  # an earlier run's, a killed task's
            with open(os.path.join(out, stale), "w") as f:
                f.write("stale\n")
        # parts of about an eighth of the corpus: several, with or without ../shared's seed articles
        size = os.path.getsize(plain) + sum(len(t.encode("utf-8")) for t in ts)
        parts = annotate_jsonl([plain, packed], out, client=self.client, blocksize=min(8000, max(512, size // 8)))
        self.assertGreater(len(parts), 4)
        self.assertEqual(parts_of(out), ["part-%05d.jsonl" % k for k in range(len(parts))])
        self.assertEqual(sum(p["records"] for p in parts), len(docs))
        self.assertEqual(sum(p["skipped"] for p in parts), 2)
        got = read_parts(out)
        want = self.command(docs)
        self.assertEqual(got.count(b"\n"), want.count(b"\n"))
        for g, w in zip(got.splitlines(), want.splitlines()):
            self.assertEqual(g, w)
        self.assertEqual(got, want)
        # again with parts of the default size, fewer: the earlier run's further parts go
        again = annotate_jsonl([plain, packed], out, client=self.client)
        self.assertLess(len(again), len(parts))
        self.assertEqual(parts_of(out), ["part-%05d.jsonl" % k for k in range(len(again))])
        self.assertEqual(read_parts(out), want)

    def test_2_worker_killed(self):
        from chu.dask import annotate_jsonl
        ts = texts()
        path = os.path.join(self.tmp, "many.jsonl")
        ids = []
        with open(path, "w", encoding="utf-8") as f:
            for r in range(25):
                for k, t in enumerate(ts):
                    ids.append("r%02d-%02d" % (r, k))
                    f.write(json.dumps({"id": ids[-1], "text": t}) + "\n")
        want = b"".join(chu.annotate_json(t, "r%02d-%02d" % (r, k)) for r in range(25) for k, t in enumerate(ts))
        # the kill must land while a part is being written; on a loaded machine the chosen worker may
        # finish its parts first, so the run is tried up to three times (each run's output is
        # checked whole, whether or not the kill caught a part)
        exercised = False
        for attempt in range(3):
            self.client.run(slow_down, 0.03)  # 6 s of work for the two workers, 0.15 s a part
            out = os.path.join(self.tmp, "out-killed-%d" % attempt)
            lost_before = self.client.run_on_scheduler(suspicious)
            result = []
            job = threading.Thread(target=lambda: result.append(annotate_jsonl(path, out, client=self.client,
                                                                               blocksize=20000)))
            job.start()
            killed = None
            deadline = time.time() + 30
            while killed is None and time.time() < deadline and job.is_alive():
                done = [p for p in (os.listdir(out) if os.path.isdir(out) else []) if p.startswith("part-")]
                # a worker with two parts to do: one may end before the kill, not both
                busy = sorted((sum("chu-part" in str(k) for k in ks), w) for w, ks in self.client.processing().items())
                if done and busy and busy[-1][0] >= 2:
                    pids = self.client.run(os.getpid)
                    w = busy[-1][1]
                    os.kill(pids[w], signal.SIGKILL)
                    killed = w
                time.sleep(0.05)
            # the scheduler counts a part lost with its worker; read it while the job's tasks are known
            lost = False
            end = time.time() + 50
            while job.is_alive() and time.time() < end:
                lost = lost or self.client.run_on_scheduler(suspicious) > lost_before
                time.sleep(0.05)
            job.join(1)
            lost = lost or self.client.run_on_scheduler(suspicious) > lost_before
            self.assertFalse(job.is_alive(), "the job did not end")
            self.assertTrue(result, "the job failed")
            parts = result[0]
            self.assertEqual(parts_of(out), ["part-%05d.jsonl" % k for k in range(len(parts))])
            got = read_parts(out)
            docs = [json.loads(line)["doc"] for line in got.splitlines()]
            seen = []
            for d in docs:
                if not seen or seen[-1] != d:
                    seen.append(d)
            self.assertEqual(seen, ids)  # every record once, in order
            self.assertEqual(got, want)
            self.client.wait_for_workers(2, timeout=30)
            if killed is not None and lost:
                exercised = True
                break
        self.assertTrue(exercised, "in three runs no worker was killed while it wrote a part")
