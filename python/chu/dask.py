# SPDX-License-Identifier: Apache-2.0
"""chu annotate over a JSONL corpus on a Dask distributed cluster.

    >>> from distributed import Client
    >>> from chu.dask import annotate_jsonl
    >>> parts = annotate_jsonl(["news.jsonl.gz"], "out/", client=Client("tcp://HOST:8786"))

or from the shell:

    python3 -m chu.dask --scheduler tcp://HOST:8786 news-*.jsonl.gz out/
    python3 -m chu.dask --local 4 news.jsonl out/

The input: JSON lines, plain or compressed (.gz, .bz2, .xz: by the name), one file or many,
local paths, globs or fsspec URLs (s3://…, gcs://…, http://… when fsspec's backend for them is
installed on the client and on every worker). Each record is a JSON object; its "text" (a str)
is one article. A line that is not a JSON object, or a record without a str text, is skipped and
counted (as chu index skips it).

The output: out_dir/part-00000.jsonl, part-00001.jsonl, …, each record's sentences as JSON
lines, byte for byte what `chu annotate --format jsonl FILE` prints for a FILE named like the
record's id holding its text (libchu's chu_annotation_jsonl writes them; `chu annotate` has no
JSONL reader of its own: it takes each file as one article, and "doc" is the file's name). So
"doc" is the record's "id" (a number as written in the line, 7.50 stays 7.50), or for a record
without one "PATH#LINE", its file as given and its line number from 1 (the names chu index gives
the same records). A record's own "url" field is not used: "url" is the URL line at the head of
the text, as chu annotate finds it. Offsets are bytes of the text's UTF-8.

Parts follow the input: the files in the order given (a glob's matches sorted), each file cut
at line ends into blocks of about blocksize bytes of its decompressed text (by default about 4
parts a worker thread: the cut depends on the cluster, the concatenated output does not); part k
is block k, its records in file order, so cat out_dir/part-*.jsonl is the corpus in order. A
compressed file is read from its start by each of its blocks' tasks (decompressing the bytes
before its block), so one big .gz still spreads over the workers: it is cut into
COMPRESSED_BLOCKS (32) blocks at most, larger ones when blocksize would give more, which keeps
the decompressing twice over to about 8% of the work. Before the parts, one scan task a file
finds the blocks and their first line numbers.

Fault tolerance: a part is written under a temporary name (.part-00000.jsonl.<random>.tmp in
out_dir) and renamed to its own name when whole, so a part is there complete or not at all; a
task the scheduler runs again after its worker died writes its part again from the start and
renames it over (the same bytes). When every part is done, temporary files left by killed tasks
and part files past the last (from an earlier run on more input) are removed: out_dir then holds
exactly the parts of this run.

Models: each worker process opens seg.chm, pos.chm and ner.chm once (a WorkerPlugin loads them
when the worker starts, chu keeps them for the process) from models= (a directory that must
exist on every worker host) or else from where chu looks (chu.annotate's docstring). Every
worker needs chu importable and libchu.so found ($CHU_LIB, or the repository's build/).

Not here: building shards for chu index in parallel and merging them. An FTS5 index cannot be
merged with another database's; a merge would read every shard's documents back and insert them
again through the chu tokenizer, and chu index's schema (documents, checksums, entity facets and
the per-source rows that make it incremental and resumable, kept by file and byte position) is
private to cli/index.c, so a faithful merge needs a `chu index --merge` in C. chu index
--threads N already tags the entities, its slow part, on N threads of one host.
"""
from __future__ import annotations

import argparse
import json
import os
import posixpath
import sys
import time
import uuid
from typing import Dict, List, NamedTuple, Optional, Sequence

import fsspec
import fsspec.utils
from distributed import Client, WorkerPlugin

import chu

__all__ = ["annotate_jsonl", "ChuModels", "main"]

PART = "part-%05d.jsonl"
# blocksize=None: about 4 parts a worker thread, from 64 KiB to 4 MiB of input each
AUTO_BLOCKS, MIN_BLOCKSIZE, MAX_BLOCKSIZE = 4, 64 << 10, 4 << 20
# The most blocks a compressed file is cut into. Each block's task decompresses the file from its
# start (about 250 MB/s, beside about 1.2 MB/s of annotation on a core): 32 blocks add about 8%.
COMPRESSED_BLOCKS = 32


class _Block(NamedTuple):
    path: str            # the file to read: a URL, or an absolute path
    name: str            # the file as given (a glob's match), for "PATH#LINE"
    compression: Optional[str]
    start: int           # bytes of the decompressed file: [start, end) are whole lines
    end: int
    first_line: int      # the number of the line at start, from 1


class ChuModels(WorkerPlugin):
    """Opens chu's models in each worker process as it starts (once: chu keeps them), so a missing
    or damaged model fails the job at once rather than in its first task."""

    name = "chu-models"

    def __init__(self, models: Optional[str] = None, pos: bool = True, ner: bool = True) -> None:
        self.models = models
        self.pos = pos
        self.ner = ner

    def setup(self, worker=None) -> None:
        _load_models(self.models, self.pos, self.ner)


def _load_models(models: Optional[str], pos: bool, ner: bool) -> None:
    chu._model("seg.chm", models)
    if pos or ner:
        chu._model("pos.chm", models)
    if ner:
        chu._model("ner.chm", models)


# ---- the input: files, then blocks ----

def _local(path: str) -> bool:
    return "://" not in path and not path.startswith("file:")


def _expand(paths: Sequence[str]) -> List[tuple]:
    """Every file of paths in order, a glob's matches sorted: (the file to read, its name).
    A local path is made absolute, as the workers may run in another directory."""
    out = []
    for p in paths:
        fs, _, found = fsspec.core.get_fs_token_paths(p)
        if not found or (not fsspec.core.has_magic(p) and not fs.isfile(found[0])):
            raise FileNotFoundError("%s: no such file" % p)
        names = [p] if not fsspec.core.has_magic(p) else \
            sorted(f if _local(p) else fs.unstrip_protocol(f) for f in found)
        out.extend((os.path.abspath(n) if _local(n) else n, n) for n in names)
    return out


def _compression(path: str, compression: Optional[str]) -> Optional[str]:
    return fsspec.utils.infer_compression(path) if compression == "infer" else compression


def _scan(path: str, name: str, compression: Optional[str], blocksize: int) -> List[_Block]:
    """The blocks of a file: about blocksize bytes each, cut after a line end (a task)."""
    cuts = [(0, 1)]  # (offset, number of the line there)
    pos = lines = 0
    target = blocksize
    with fsspec.open(path, "rb", compression=compression) as f:
        while True:
            buf = f.read(1 << 20)
            if not buf:
                break
            i = 0
            while target < pos + len(buf):
                j = buf.find(b"\n", max(target - 1 - pos, i))
                if j < 0:
                    break  # the line goes on into the next read
                cuts.append((pos + j + 1, lines + buf.count(b"\n", 0, j + 1) + 1))
                target = pos + j + 1 + blocksize
                i = j + 1
            lines += buf.count(b"\n")
            pos += len(buf)
    if cuts[-1][0] == pos:
        cuts.pop()  # nothing after the last line end
    if compression is not None and len(cuts) > COMPRESSED_BLOCKS:
        # fewer, larger blocks, of about equal size: each is decompressed from the file's start
        keep, k = [cuts[0]], 1
        for c in cuts[1:]:
            if c[0] >= k * pos / COMPRESSED_BLOCKS:
                keep.append(c)
                while k * pos / COMPRESSED_BLOCKS <= c[0]:
                    k += 1
        cuts = keep
    return [_Block(path, name, compression, a, cuts[k + 1][0] if k + 1 < len(cuts) else pos, line)
            for k, (a, line) in enumerate(cuts)]


# ---- a part ----

class _Written(str):
    """A number as it is written in the JSON line (a record's id keeps it: 7.50, 1e3)."""


def _doc(rec: dict, name: str, line: int) -> str:
    d = rec.get("id")
    if d is None:
        return "%s#%d" % (name, line)
    if isinstance(d, str):
        return str(d)
    if isinstance(d, bool):
        return "1" if d else "0"
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _read_block(b: _Block) -> bytes:
    with fsspec.open(b.path, "rb", compression=b.compression) as f:
        if b.start:
            if b.compression is None:
                f.seek(b.start)
            else:  # decompressed up to the block, in pieces
                left = b.start
                while left:
                    k = len(f.read(min(left, 1 << 22)))
                    if not k:
                        raise EOFError("%s: ends before byte %d" % (b.name, b.start))
                    left -= k
        data = f.read(b.end - b.start)
    if len(data) != b.end - b.start:
        raise EOFError("%s: ends before byte %d (did it change during the job?)" % (b.name, b.end))
    return data


def _annotate_part(b: _Block, index: int, out_dir: str, models: Optional[str], options: dict) -> Dict:
    """Annotates block b into out_dir/part-<index>.jsonl: written under a temporary name, renamed
    when whole (a task)."""
    t0 = time.perf_counter()
    data = _read_block(b)
    fs, root = fsspec.core.url_to_fs(out_dir)
    final = posixpath.join(root, PART % index)
    tmp = posixpath.join(root, ".%s.%s.tmp" % (PART % index, uuid.uuid4().hex))
    records = sentences = skipped = 0
    errors = []
    try:
        with fs.open(tmp, "wb") as out:
            for k, line in enumerate(data.split(b"\n")):
                if not line.strip():
                    continue
                lineno = b.first_line + k
                try:
                    rec = json.loads(line, parse_int=_Written, parse_float=_Written)
                except ValueError:
                    rec = None
                text = rec.get("text") if isinstance(rec, dict) else None
                if not isinstance(text, str):
                    skipped += 1
                    if len(errors) < 10:
                        errors.append("%s:%d: %s; line skipped" % (b.name, lineno, "no \"text\" string" if
                                      isinstance(rec, dict) else "not a JSON object"))
                    continue
                try:
                    lines = chu.annotate_json(text, _doc(rec, b.name, lineno), models=models, **options)
                except chu.Error as e:  # a lone surrogate (\ud800) in the text
                    skipped += 1
                    if len(errors) < 10:
                        errors.append("%s:%d: %s; record skipped" % (b.name, lineno, e))
                    continue
                out.write(lines)
                records += 1
                sentences += lines.count(b"\n")
        fs.mv(tmp, final)
    except BaseException:
        try:
            fs.rm(tmp)
        except Exception:
            pass
        raise
    return {"part": PART % index, "records": records, "sentences": sentences, "skipped": skipped,
            "errors": errors, "bytes": len(data), "seconds": time.perf_counter() - t0}


def _tidy(out_dir: str, n_parts: int) -> None:
    """Removes what is in out_dir besides parts 0 … n_parts - 1: temporary files of killed
    tasks, parts of an earlier run on more input."""
    fs, root = fsspec.core.url_to_fs(out_dir)
    keep = {PART % k for k in range(n_parts)}
    for p in fs.ls(root, detail=False):
        name = posixpath.basename(p.rstrip("/"))
        if (name.startswith(".part-") and name.endswith(".tmp")) or \
           (name.startswith("part-") and name.endswith(".jsonl") and name not in keep):
            fs.rm(p)


def _auto_blocksize(files: List[tuple], compressions: List[Optional[str]], threads: int) -> int:
    total = 0
    for (f, _), c in zip(files, compressions):
        fs, p = fsspec.core.url_to_fs(f)
        total += (fs.size(p) or 0) * (3 if c else 1)  # text compresses about 3 to 1
    return min(MAX_BLOCKSIZE, max(MIN_BLOCKSIZE, total // (AUTO_BLOCKS * max(threads, 1))))


def annotate_jsonl(paths, out_dir: str, client: Optional[Client] = None, models: Optional[str] = None, *,
                   blocksize: Optional[int] = None, compression: Optional[str] = "infer", pos: bool = True,
                   ner: bool = True, clean: bool = True, window: int = 30) -> List[Dict]:
    """Annotates the JSONL corpus paths (a path or URL, or a list of them) on the cluster of
    client into out_dir/part-NNNNN.jsonl (see the module's docstring), and returns for each part in
    order {"part", "records", "sentences", "skipped", "errors" (the first few skipped lines),
    "bytes" (of its input), "seconds"}.

    client: a distributed.Client; None: the current one (distributed.default_client()), or else a
    LocalCluster of os.cpu_count() single-threaded worker processes for this call.
    models: a directory holding seg.chm, pos.chm and ner.chm on every worker; None: where chu
    looks. pos, ner, clean, window: as chu.annotate (the defaults are chu annotate's).
    blocksize: input bytes a part; None: about 4 parts a worker thread (64 KiB to 4 MiB each): the
    cut then depends on the cluster's size, the concatenated output does not.
    compression: "infer" (by the file's name), None, or an fsspec compression name."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if blocksize is not None and blocksize < 1:
        raise ValueError("blocksize must be positive")
    own = None
    if client is None:
        try:
            from distributed import default_client
            client = default_client()
        except ValueError:
            from distributed import LocalCluster
            own = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
            client = Client(own)
    try:
        options = {"pos": pos, "ner": ner, "clean": clean, "window": window}
        client.register_worker_plugin(ChuModels(models, pos, ner), name=ChuModels.name)
        files = _expand(paths)
        if _local(os.fspath(out_dir)):
            out_dir = os.path.abspath(out_dir)
        fs, root = fsspec.core.url_to_fs(out_dir)
        fs.makedirs(root, exist_ok=True)
        comps = [_compression(f, compression) for f, _ in files]
        if blocksize is None:
            blocksize = _auto_blocksize(files, comps, sum(client.nthreads().values()))
        scans = [client.submit(_scan, f, n, c, blocksize, pure=False) for (f, n), c in zip(files, comps)]
        blocks = [b for s in client.gather(scans) for b in s]
        futures = [client.submit(_annotate_part, b, k, out_dir, models, options, pure=False,
                                 key="chu-part-%05d-%s" % (k, uuid.uuid4().hex))
                   for k, b in enumerate(blocks)]
        parts = client.gather(futures)
        _tidy(out_dir, len(parts))
        return parts
    finally:
        if own is not None:
            client.close()
            own.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m chu.dask",
                                 description="chu annotate --format jsonl over a JSONL corpus on a Dask cluster: "
                                             "OUT_DIR/part-00000.jsonl … in input order.")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", metavar="ADDR", help="a running scheduler: tcp://HOST:8786")
    where.add_argument("--local", metavar="N", type=int, help="a cluster of N worker processes on this host")
    ap.add_argument("--models", metavar="DIR", help="seg.chm, pos.chm, ner.chm (on every worker)")
    ap.add_argument("--blocksize", metavar="BYTES",
                    help="input bytes a part (K, M suffixes; default: about 4 parts a worker, 64K to 4M)")
    ap.add_argument("--window", type=int, default=30, help="as chu annotate --window (default 30)")
    ap.add_argument("inputs", nargs="+", metavar="IN", help="JSONL files, plain or .gz: paths, globs, URLs")
    ap.add_argument("out_dir", metavar="OUT_DIR")
    a = ap.parse_args(argv)
    blocksize = None
    if a.blocksize is not None:
        s = a.blocksize.strip().upper()
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:], 1)
        try:
            blocksize = int(s[:-1] if mult > 1 else s) * mult
        except ValueError:
            blocksize = 0
        if blocksize < 1:
            ap.error("--blocksize takes a number of bytes, not %r" % a.blocksize)
    if a.local is not None and a.local < 1:
        ap.error("--local takes a number of workers from 1")
    t0 = time.perf_counter()
    if a.scheduler:
        client = Client(a.scheduler)
        cluster = None
    else:
        from distributed import LocalCluster
        cluster = LocalCluster(n_workers=a.local, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        parts = annotate_jsonl(a.inputs, a.out_dir, client, a.models, blocksize=blocksize, window=a.window)
    except (chu.Error, OSError, ValueError) as e:
        print("chu.dask: %s" % e, file=sys.stderr)
        return 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    dt = time.perf_counter() - t0
    for p in parts:
        for e in p["errors"]:
            print("chu.dask: %s" % e, file=sys.stderr)
    n = sum(p["records"] for p in parts)
    skipped = sum(p["skipped"] for p in parts)
    mb = sum(p["bytes"] for p in parts) / 1e6
    print("chu.dask: %d records, %d sentences, %d skipped, %d parts in %s; %.1f MB in %.1f s (%.2f MB/s)"
          % (n, sum(p["sentences"] for p in parts), skipped, len(parts), a.out_dir, mb, dt, mb / dt if dt else 0),
          file=sys.stderr)
    return 1 if skipped else 0


if __name__ == "__main__":
    from chu.dask import main as _main  # the module's functions by their importable name, for the workers
    sys.exit(_main())
