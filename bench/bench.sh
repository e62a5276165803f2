#!/bin/sh
# `make bench`: MB/s of chu's stages on one core, on the article text of the Wikipedia corpus,
# beside `wc -w` on the same bytes in the same run (machines are shared and noisy: read the
# ratios). Library stages are timed in-process by bench/bench_tok.c (best of 3); the `chu` command
# end to end, output to /dev/null (best of 3 wall-clock runs).
# Environment: CHU_DATA (default ../shared/data), BUILD (default build).
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
D=${CHU_DATA:-../shared/data}
CORPUS="$D/corpus/viwiki.jsonl.gz"
if [ ! -r "$CORPUS" ]; then
	echo "bench: $CORPUS is absent (set CHU_DATA to the data directory); nothing measured"
	exit 0
fi
for f in "$B/libchu.a" "$B/chu"; do
	[ -e "$f" ] || { echo "bench: $f is missing; run make first" >&2; exit 1; }
done
command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is needed to read the corpus" >&2; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
trap 'exit 130' INT TERM

# One core: pin every run to one CPU when taskset can.
PIN=""
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then PIN="taskset -c 0"; fi
# wc -w counts words in the locale's encoding: the text is UTF-8, so the baseline is a UTF-8 locale.
UL=$(locale -a 2>/dev/null | grep -i -m 1 -x -E 'c\.utf-?8|en_us\.utf-?8' || true)
UL=${UL:-C}

echo "bench: extracting the article text of $CORPUS"
gzip -dc "$CORPUS" | python3 -c '
import json, sys
out = sys.stdout
for line in sys.stdin:
    if line.strip():
        out.write(json.loads(line)["text"] + "\n")' >"$t/text.txt"
BYTES=$(wc -c <"$t/text.txt")
cc -O2 -std=c11 -Wall -Wextra -Wshadow -Iinclude -o "$t/bench_tok" bench/bench_tok.c "$B/libchu.a" \
	-lutf8proc -lsqlite3 -lpthread -lm

# best CMD…: the best of three wall-clock times of CMD (output to /dev/null), in seconds.
best() {
	b=""
	for i in 1 2 3; do
		s=$(date +%s.%N)
		$PIN "$@" >/dev/null
		e=$(date +%s.%N)
		b=$(echo "$s $e ${b:-1e30}" | awk '{d = $2 - $1; print (d < $3) ? d : $3}')
	done
	echo "$b"
}
mbs() { echo "$BYTES $1" | awk '{printf "%.1f", $1 / 1e6 / $2}'; }

echo "bench: wc -w"
wc_mbs=$(mbs "$(best env LC_ALL="$UL" wc -w "$t/text.txt")")
wc_c_mbs=$(mbs "$(best env LC_ALL=C wc -w "$t/text.txt")")

model=""
if [ -r models/seg.chm ] && printf 'Hà Nội là thủ đô.\n' | "$B/chu" seg --model models/seg.chm >/dev/null 2>&1; then
	model=models/seg.chm
fi
echo "bench: the library in-process (bench_tok)"
$PIN "$t/bench_tok" "$t/text.txt" $model >"$t/lib.txt" 2>"$t/lib.err" || { cat "$t/lib.err" >&2; exit 1; }

echo "bench: the chu command"
cli_norm=$(mbs "$(best "$B/chu" norm "$t/text.txt")")
cli_sent=$(mbs "$(best "$B/chu" sent "$t/text.txt")")
cli_tok=$(mbs "$(best "$B/chu" tok "$t/text.txt")")
cli_seg="" rss=""
if [ -n "$model" ]; then
	cli_seg=$(mbs "$(best "$B/chu" seg --model "$model" "$t/text.txt")")
	if [ -x /usr/bin/time ]; then
		rss=$( { /usr/bin/time -f %M "$B/chu" seg --model "$model" "$t/text.txt" >/dev/null; } 2>&1 | tail -n 1)
	fi
fi

# row NAME MB/S [TARGET-MB/S TARGET-TEXT]
row() {
	ratio=$(echo "$2 $wc_mbs" | awk '{printf "%.2f", $1 / $2}')
	mark=""
	if [ -n "${3:-}" ]; then
		mark=$(echo "$2 $3" | awk '{print ($1 >= $2) ? "met" : "below"}')
		mark="$4 ($mark)"
	fi
	printf '%-34s %9s %10s   %s\n' "$1" "$2" "$ratio" "$mark"
}

printf '\ncorpus: %s, %.1f MB of article text; one core%s\n\n' "$CORPUS" "$(echo "$BYTES" | awk '{print $1 / 1e6}')" \
	"${PIN:+ ($PIN)}"
printf '%-34s %9s %10s   %s\n' stage MB/s "× wc -w" target
row "wc -w ($UL, the baseline)" "$wc_mbs"
row "wc -w (LC_ALL=C)" "$wc_c_mbs"
load=""
while read -r name v; do
	case $name in
	model-load-ms) load=$v ;;
	tok) row "library: tok (chu_tokenize)" "$v" 200 "≥ 200 MB/s, about 2× wc -w" ;;
	norm) row "library: norm (chu_norm)" "$v" ;;
	sent) row "library: sent (chu_sentences)" "$v" ;;
	seg) row "library: seg (chu_segment)" "$v" 50 "≥ 50 MB/s" ;;
	*) row "library: $name" "$v" ;;
	esac
done <"$t/lib.txt"
row "chu norm (command, end to end)" "$cli_norm"
row "chu sent (command, end to end)" "$cli_sent"
row "chu tok (command, end to end)" "$cli_tok"
if [ -n "$cli_seg" ]; then
	row "chu seg (command, end to end)" "$cli_seg" 50 "≥ 50 MB/s"
	printf '\nmodel load: %s ms (target ≤ 20 ms); chu seg peak resident memory: %s KB (target ≤ 64 MB)\n' \
		"${load:-?}" "${rss:-?}"
elif [ -r models/seg.chm ]; then
	printf '\nchu seg: models/seg.chm does not load or %s/chu seg fails; not measured\n' "$B"
else
	printf '\nchu seg: no models/seg.chm; not measured\n'
fi
printf '\nin-process counts:\n'
sed 's/^/  /' "$t/lib.err"
