#!/bin/sh
# `make bench`: MB/s of chu's stages on the text of the Wikipedia corpus, beside `wc -w` on the
# same bytes in the same run (the machines are shared and noisy: read the ratios).
set -eu
cd "$(dirname "$0")/.."
D=${CHU_DATA:-../shared/data}
CORPUS="$D/corpus/viwiki.jsonl.gz"
if [ ! -r "$CORPUS" ]; then echo "bench: $CORPUS is absent; nothing measured"; exit 0; fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
gzip -dc "$CORPUS" | python3 -c '
import json, sys
for line in sys.stdin:
    sys.stdout.write(json.loads(line)["text"] + "\n")' >"$t/text.txt"
MB=$(wc -c <"$t/text.txt")
cc -O2 -Iinclude -o "$t/bench_tok" bench/bench_tok.c build/libchu.a -lutf8proc -lsqlite3 -lpthread -lm
best() { # best of three wall-clock seconds of a command
	b=999999
	for i in 1 2 3; do
		s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
		b=$(echo "$s $e $b" | awk '{d=$2-$1; print (d<$3)?d:$3}')
	done
	echo "$b"
}
wc_s=$(best wc -w "$t/text.txt")
wc_mbs=$(echo "$MB $wc_s" | awk '{printf "%.1f", $1/1e6/$2}')
model=models/seg.chm
[ -r "$model" ] || model=""
"$t/bench_tok" "$t/text.txt" $model >"$t/lib.txt"
seg_cli=""
if [ -n "$model" ]; then
	s=$(best build/chu seg "$t/text.txt")
	seg_cli=$(echo "$MB $s" | awk '{printf "%.1f", $1/1e6/$2}')
	rss=$( { /usr/bin/time -f %M build/chu seg "$t/text.txt" >/dev/null; } 2>&1 | tail -n 1)
fi
printf '\ncorpus: %s (%.1f MB of article text), one core\n\n' "$CORPUS" "$(echo "$MB" | awk '{print $1/1e6}')"
printf '%-34s %10s %12s %s\n' stage MB/s "× wc -w" target
printf '%-34s %10s %12s\n' "wc -w (baseline)" "$wc_mbs" "1.00"
while read -r name v; do
	case $name in
	model-load-ms) load=$v; continue ;;
	tok) target="≥ 200 MB/s (about 2× wc -w)" ;;
	seg) target="≥ 50 MB/s" ;;
	*) target="" ;;
	esac
	printf '%-34s %10s %12s %s\n' "library: $name" "$v" "$(echo "$v $wc_mbs" | awk '{printf "%.2f", $1/$2}')" "$target"
done <"$t/lib.txt"
if [ -n "$seg_cli" ]; then
	printf '%-34s %10s %12s %s\n' "chu seg (command, end to end)" "$seg_cli" "$(echo "$seg_cli $wc_mbs" | awk '{printf "%.2f", $1/$2}')" "≥ 50 MB/s"
	printf '\nmodel load: %s ms (target ≤ 20 ms); chu seg peak resident memory: %s KB (target ≤ 64 MB)\n' "${load:-?}" "${rss:-?}"
fi
