#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Throughput of python3 -m chu.dask (python/chu/dask.py) beside single-process chu annotate.

The first CHU_BENCH_MB (default 5) MB of article text of ../shared/data/news/vietnews.jsonl.gz as
a JSONL file in a temporary directory, plain and gzip-compressed (and each record's text as a
file named by its id, for the command): `chu annotate --format jsonl` on those files (--threads 1
and 2), then chu.dask.annotate_jsonl on a LocalCluster of 1 and 2 single-threaded worker
processes, parts of CHU_BENCH_BLOCKSIZE bytes (default chu.dask's); the job alone, the cluster started
before it (its start is shown apart). Best of CHU_BENCH_RUNS (default 2) runs each; every output
is checked against the command's, byte for byte. Needs dask.distributed (Debian:
python3-distributed): /usr/bin/python3 bench/bench_dask.py. Environment: CHU_DATA, BUILD.
"""
import gzip
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
os.environ.setdefault("CHU_LIB", os.path.join(BUILD, "libchu.so"))
DATA = os.environ.get("CHU_DATA", os.path.join(ROOT, "..", "shared", "data"))
NEWS = os.path.join(DATA, "news", "vietnews.jsonl.gz")
MB = float(os.environ.get("CHU_BENCH_MB", "5"))
RUNS = int(os.environ.get("CHU_BENCH_RUNS", "2"))
BLOCK = int(os.environ["CHU_BENCH_BLOCKSIZE"]) if os.environ.get("CHU_BENCH_BLOCKSIZE") else None


def best(fn):
    ts = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts)


def main():
    if not os.path.exists(NEWS):
        print("bench: %s is absent (set CHU_DATA); nothing measured" % NEWS)
        return 0
    from distributed import Client, LocalCluster
    from chu.dask import annotate_jsonl
    t = tempfile.mkdtemp(prefix="chu-bench-dask-")
    try:
        corpus, docs = os.path.join(t, "news.jsonl"), os.path.join(t, "docs")
        os.makedirs(docs)
        ids, size = [], 0
        with gzip.open(NEWS, "rt", encoding="utf-8") as f, open(corpus, "w", encoding="utf-8") as o:
            for line in f:
                r = json.loads(line)
                o.write(line)
                ids.append(r["id"])
                with open(os.path.join(docs, r["id"]), "w", encoding="utf-8") as d:
                    d.write(r["text"])
                size += len(r["text"].encode())
                if size >= MB * 1e6:
                    break
        packed = corpus + ".gz"
        with open(corpus, "rb") as f, gzip.open(packed, "wb") as o:
            shutil.copyfileobj(f, o)
        chu = os.path.abspath(os.path.join(BUILD, "chu"))
        want = subprocess.run([chu, "annotate", "--format", "jsonl"] + ids, cwd=docs, capture_output=True,
                              check=True).stdout
        print("%d articles, %.2f MB of text; output %.1f MB, %d sentences" % (len(ids), size / 1e6, len(want) / 1e6,
                                                                              want.count(b"\n")))
        rows = []
        for threads in (1, 2):
            s = best(lambda: subprocess.run([chu, "annotate", "--format", "jsonl", "--threads", str(threads)] + ids,
                                            cwd=docs, stdout=subprocess.DEVNULL, check=True))
            rows.append(("chu annotate --threads %d" % threads, s, None))
        out = os.path.join(t, "out")
        for n in (1, 2):
            t0 = time.perf_counter()
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
            client = Client(cluster)
            start = time.perf_counter() - t0
            for src in (corpus, packed):
                s = best(lambda: annotate_jsonl(src, out, client, blocksize=BLOCK))
                got = b"".join(open(os.path.join(out, p), "rb").read() for p in sorted(os.listdir(out)))
                assert got == want, "chu.dask's output differs from chu annotate's"
                rows.append(("chu.dask, %d worker%s%s" % (n, "s" if n > 1 else "", ", .gz" if src == packed else ""),
                             s, start))
            client.close()
            cluster.close()
        for name, s, start in rows:
            print("%-26s %6.2f s  %5.2f MB/s%s" % (name, s, size / 1e6 / s,
                                                  "" if start is None else "  (cluster start %.1f s)" % start))
    finally:
        shutil.rmtree(t, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
