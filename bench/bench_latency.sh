#!/bin/sh
# Query latency (issue 18 §5), the second part of `make bench-search`: bench/bench_latency.c on
# the first CHU_BENCH_NEWS_DOCS (default 40000) VietNews articles with CHU_BENCH_QUERIES (default
# 2000) queries sampled from them, chu's FTS5 tokenizer beside unicode61 in the same run.
# Environment: CHU_DATA (default ../shared/data), BUILD (default build), CHU_BENCH_NEWS_DOCS,
# CHU_BENCH_QUERIES.
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
D=${CHU_DATA:-../shared/data}
N="$D/news/vietnews.jsonl.gz"
if [ ! -r "$N" ]; then echo "bench-search: $N is absent; query latency not measured"; exit 0; fi
for f in "$B/libchu.a" "$B/ext/sqlite/chu_fts5.o"; do
	[ -e "$f" ] || { echo "bench-search: $f is missing; run make first" >&2; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
trap 'exit 130' INT TERM
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wconversion -Iinclude -Isrc -o "$t/bench_latency" bench/bench_latency.c \
	"$B/ext/sqlite/chu_fts5.o" "$B/libchu.a" -lsqlite3 -lutf8proc -lpthread -lm
# the databases go to $t too: file-backed, so their sizes are real
gzip -dc "$N" | "$t/bench_latency" "$t"
