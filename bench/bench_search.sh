#!/bin/sh
# `make bench-search`: retrieval quality on XQuAD-vi and indexing speed on Wikipedia, chu's FTS5
# tokenizer beside SQLite's unicode61 (remove_diacritics 2) in the same run. Query latency on news
# articles is bench/bench_latency.sh, which make bench-search runs next.
# Environment: CHU_DATA (default ../shared/data), BUILD (default build).
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
D=${CHU_DATA:-../shared/data}
X="$D/retrieval/xquad-vi"
if [ ! -r "$X/docs.jsonl" ]; then echo "bench-search: $X is absent; nothing measured"; exit 0; fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
gzip -dc "$D/corpus/viwiki.jsonl.gz" | python3 -c '
import json, sys
for line in sys.stdin:
    sys.stdout.write(json.loads(line)["text"].replace("\n", " ") + "\n")' >"$t/wiki.txt"
cc -O2 -Iinclude -Isrc -o "$t/bench_search" bench/bench_search.c "$B/ext/sqlite/chu_fts5.o" "$B/libchu.a" -lsqlite3 -lutf8proc -lpthread -lm
# the tokenizer as chu index uses it (no word model; pass a segmentation model as $1 to measure
# word keys too); questions through chu_search_query with the accent model, as chu search uses it
"$t/bench_search" "$X/docs.jsonl" "$X/queries.jsonl" "$t/wiki.txt" "${1:-}" models/accent.chm
