#!/bin/sh
# make bench-serve: chu serve under load (wrk) on an index of the first CHU_BENCH_NEWS_DOCS
# (default 40000) VietNews articles, entities from the models. Four runs of CHU_BENCH_SECONDS
# (default 10) each, wrk with 2 threads and 32 connections on loopback:
#   page     GET / — the embedded page: the server's own ceiling, the baseline the others are
#            divided by
#   popular  /api/search over 20 popular queries, each asked once before (cached-shape: the
#            answers a newsroom's repeated searches get from the server's response cache)
#   varied   /api/search over CHU_BENCH_QUERIES (default 3000) queries from other articles'
#            titles, half of them with their marks taken off, facets on (as the page asks)
#   nofacet  the same varied queries with facets=0
# The index is kept in $BUILD/bench-serve/ and rebuilt when missing.
# Environment: CHU_DATA (default ../shared/data), BUILD (default build).
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
D=${CHU_DATA:-../shared/data}
N="$D/news/vietnews.jsonl.gz"
DOCS=${CHU_BENCH_NEWS_DOCS:-40000}
NQ=${CHU_BENCH_QUERIES:-3000}
SECS=${CHU_BENCH_SECONDS:-10}
if [ ! -r "$N" ]; then echo "bench-serve: $N is absent; not measured"; exit 0; fi
command -v wrk >/dev/null || { echo "bench-serve: wrk is missing (sh scripts/deps.sh)" >&2; exit 1; }
[ -x "$B/chu" ] || { echo "bench-serve: $B/chu is missing; run make first" >&2; exit 1; }
W="$B/bench-serve"
mkdir -p "$W"
t=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$t"' EXIT
trap 'exit 130' INT TERM
db="$W/news$DOCS.db"
if [ ! -s "$db" ]; then
	echo "bench-serve: indexing the first $DOCS articles (once; kept in $db)"
	gzip -dc "$N" | head -n "$DOCS" > "$t/news.jsonl"
	/usr/bin/time -f "  %e s, %M KiB peak" "$B/chu" index --threads 2 "$db.part" "$t/news.jsonl"
	mv "$db.part" "$db"
	rm -f "$t/news.jsonl"
fi
# the queries: 2-3 words of the titles of articles after the indexed ones; every other one unmarked
gzip -dc "$N" | sed -n "$((DOCS + 1)),$((DOCS + NQ))p" | python3 -c '
import json, sys, unicodedata, urllib.parse
def fold(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if unicodedata.category(c) != "Mn")
out = open(sys.argv[1], "w"); pop = open(sys.argv[2], "w")
for i, line in enumerate(sys.stdin):
    words = [w for w in json.loads(line)["title"].split() if any(c.isalpha() for c in w)]
    q = " ".join(words[: 2 + i % 2]).lower()
    if not q:
        continue
    if i % 2:
        q = fold(q)
    out.write("/api/search?q=" + urllib.parse.quote(q) + "\n")
for q in ["việt nam", "hà nội", "bóng đá", "giá vàng", "covid", "tai nạn giao thông", "học sinh", "bệnh viện",
          "chứng khoán", "thời tiết", "ha noi", "viet nam", "gia vang", "bong da", "tphcm", "quốc hội", "xăng dầu",
          "đà nẵng", "da nang", "mỹ"]:
    pop.write("/api/search?q=" + urllib.parse.quote(q) + "\n")
' "$t/varied.txt" "$t/popular.txt"
sed 's/$/\&facets=0/' "$t/varied.txt" > "$t/nofacet.txt"
echo "/" > "$t/page.txt"
cat > "$t/paths.lua" <<'EOF'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
	i = i % #paths + 1
	return wrk.format("GET", paths[i])
end
EOF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$B/chu" serve "$db" --port "$port" --threads 2 --quiet 2> "$t/serve.log" &
pid=$!
for i in $(seq 100); do
	grep -q "serving" "$t/serve.log" && break
	sleep 0.1
done
url="http://127.0.0.1:$port"
docs=$(curl -s "$url/api/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')
echo "bench-serve: $docs articles, $(du -m "$db" | cut -f1) MB index, wrk -t2 -c32 -d${SECS}s on 2 cores shared with wrk"
# a warm-up pass so that the first varied run does not pay for a cold page cache, then each popular
# query once; then the requests still queued are let finish
PATHS="$t/varied.txt" wrk -t2 -c8 -d3s -s "$t/paths.lua" "$url" > /dev/null
while read -r p; do curl -s -o /dev/null "$url$p"; done < "$t/popular.txt"
sleep 3
printf "%-8s %10s %8s %8s %8s %8s %9s\n" run "req/s" p50 p90 p99 max "× page"
base=""
for run in page popular varied nofacet; do
	PATHS="$t/$run.txt" wrk -t2 -c32 -d"${SECS}s" --latency -s "$t/paths.lua" "$url" > "$t/$run.out"
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$t/$run.out")
	pct() { sed -n "s/^ *$1% *\([0-9.]*[a-z]*\).*/\1/p" "$t/$run.out"; }
	max=$(awk '/^ *Latency/ {print $4}' "$t/$run.out")
	errs=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$t/$run.out")
	[ -n "$base" ] || base=$rps
	printf "%-8s %10s %8s %8s %8s %8s %9s%s\n" "$run" "$rps" "$(pct 50)" "$(pct 90)" "$(pct 99)" "$max" \
		"$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.3f", a / b }')" "${errs:+  ($errs non-2xx)}"
done
echo "bench-serve: peak RSS of the server $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
kill -TERM "$pid"
wait "$pid" || true
pid=""
