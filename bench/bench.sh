#!/bin/sh
# `make bench`: MB/s of chu's stages on one core, on the article text of the Wikipedia corpus,
# beside `wc -w` on the same bytes in the same run (machines are shared and noisy: read the
# ratios). Library stages are timed in-process by bench/bench_tok.c (best of 3); the `chu` command
# end to end, output to /dev/null (best of 3 wall-clock runs). Then each command's peak resident
# memory (VmHWM, by /usr/bin/time) and MB/s on text piped into it, built by repeating the article
# text to CHU_BENCH_MB megabytes (default 200), beside the 64 MB target of a streaming command;
# the slowest commands (pos, ner, annotate: about 1 MB/s or less) read CHU_BENCH_SLOW_MB (default
# 20; set it to 200 for the full check, about half an hour).
# Environment: CHU_DATA (default ../shared/data), BUILD (default build), CHU_BENCH_MB,
# CHU_BENCH_SLOW_MB.
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
cli_seg=""
if [ -n "$model" ]; then
	cli_seg=$(mbs "$(best "$B/chu" seg --model "$model" "$t/text.txt")")
fi

# ---- peak memory: each command reading a pipe ----
MEM_MB=${CHU_BENCH_MB:-200}
SLOW_MB=${CHU_BENCH_SLOW_MB:-20}
DOC_MB=${CHU_BENCH_DOC_MB:-60} # chu clean reads an article whole: under its --max-doc-size (64 MiB)
mem_rows=""
if [ -x /usr/bin/time ]; then
	big_mb=$MEM_MB
	[ "$SLOW_MB" -gt "$big_mb" ] && big_mb=$SLOW_MB
	[ "$DOC_MB" -gt "$big_mb" ] && big_mb=$DOC_MB
	echo "bench: $big_mb MB of text (the article text repeated) for the memory runs"
	: >"$t/big.txt"
	while [ "$(wc -c <"$t/big.txt")" -lt $((big_mb * 1000000)) ]; do cat "$t/text.txt" >>"$t/big.txt"; done
	# mem NAME MB ARGS…: one run of chu ARGS reading MB megabytes from a pipe: "NAME MB MB/s KB status"
	mem() {
		name=$1 mb=$2
		shift 2
		echo "bench: chu $* on $mb MB through a pipe" >&2
		st=0
		head -c $((mb * 1000000)) "$t/big.txt" | $PIN /usr/bin/time -f '%M %e' -o "$t/time" "$B/chu" "$@" >/dev/null \
			2>"$t/mem.err" || st=$?
		last=$(tail -n 1 "$t/time") # after "Command exited with non-zero status N" when it failed
		kb=${last% *} sec=${last#* }
		echo "$name $mb $(echo "$mb $sec" | awk '{printf "%.1f", ($2 > 0 ? $1 / $2 : 0)}') $kb $st"
	}
	{
		mem norm "$MEM_MB" norm
		mem sent "$MEM_MB" sent
		mem tok "$MEM_MB" tok
		if [ -n "$model" ]; then
			mem seg "$MEM_MB" seg --model "$model"
			[ -r models/pos.chm ] && mem pos "$SLOW_MB" pos
			[ -r models/pos.chm ] && [ -r models/ner.chm ] && mem ner "$SLOW_MB" ner
			mem annotate "$SLOW_MB" annotate --format=jsonl
		fi
		[ -r models/accent.chm ] && mem accent "$MEM_MB" accent
		mem clean "$DOC_MB" clean
	} >"$t/mem.txt"
	# past --max-doc-size, chu clean refuses the article with an error, never cutting it
	clean_limit=""
	if [ "$big_mb" -gt 68 ]; then
		st=0
		head -c 70000000 "$t/big.txt" | "$B/chu" clean >/dev/null 2>"$t/limit.err" || st=$?
		clean_limit="exit $st: $(head -n 1 "$t/limit.err")"
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
	printf '\nmodel load: %s ms (target ≤ 20 ms)\n' "${load:-?}"
elif [ -r models/seg.chm ]; then
	printf '\nchu seg: models/seg.chm does not load or %s/chu seg fails; not measured\n' "$B"
else
	printf '\nchu seg: no models/seg.chm; not measured\n'
fi
# every model's load, and a command on one short sentence end to end (a script calling chu once a
# line pays this at each call): the median of 21 runs from Python's subprocess, after 4 unmeasured
set -- models/*.chm
if [ -r "$1" ]; then
	printf '\nmodel load, in process, best of 7 (target ≤ 20 ms each):\n\n'
	$PIN "$t/bench_tok" --load "$@" | while read -r _ f ms; do
		printf '  %-20s %7s ms   %s\n' "$f" "$ms" "$(echo "$ms" | awk '{print ($1 <= 20) ? "met" : "over"}')"
	done
	printf '\none short sentence end to end, median of 21 runs:\n\n'
	for cmd in annotate pos accent; do
		$PIN python3 - "$B/chu" "$cmd" <<'PY'
import statistics, subprocess, sys, time
chu, cmd = sys.argv[1], sys.argv[2]
line = "Thủ tướng Phạm Minh Chính làm việc với UBND tỉnh Quảng Nam sáng 3/12.\n".encode()
ts = []
for i in range(25):
    t = time.perf_counter()
    r = subprocess.run([chu, cmd], input=line, capture_output=True)
    ts.append((time.perf_counter() - t) * 1e3)
    if r.returncode != 0:
        sys.exit("chu %s failed: %s" % (cmd, r.stderr.decode(errors="replace")))
med = statistics.median(ts[4:])
note = ("target ≤ 30 ms: " + ("met" if med <= 30 else "over")) if cmd == "annotate" else ""
print("  chu %-10s %7.1f ms   %s" % (cmd, med, note))
PY
	done
fi
if [ -s "$t/mem.txt" ]; then
	printf '\npeak resident memory (VmHWM, models included), one run each reading a pipe%s:\n\n' "${PIN:+ ($PIN)}"
	printf '%-10s %8s %8s %10s   %s\n' command "input MB" MB/s "peak MiB" target
	while read -r name mb rate kb st; do
		peak=$(echo "$kb" | awk '{printf "%.1f", $1 / 1024}')
		if [ "$name" = clean ]; then
			target="an article read whole: ≤ --max-doc-size (64 MiB) of input"
		else
			target=$(echo "$kb" | awk '{print ($1 <= 64 * 1024) ? "≤ 64 MiB (met)" : "≤ 64 MiB (over)"}')
		fi
		[ "$st" = 0 ] || target="$target; exit status $st"
		printf '%-10s %8s %8s %10s   %s\n' "$name" "$mb" "$rate" "$peak" "$target"
	done <"$t/mem.txt"
	[ -n "$clean_limit" ] && printf '\nchu clean on 70 MB: %s\n' "$clean_limit"
fi
printf '\nin-process counts:\n'
sed 's/^/  /' "$t/lib.err"
