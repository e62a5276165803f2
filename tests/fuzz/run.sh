#!/bin/sh
# run.sh — runs the libFuzzer harnesses built in build-fuzz/ (tests/fuzz/fuzz.mk calls it).
#
#   sh tests/fuzz/run.sh fuzz SECONDS TARGET...   fuzz each target for SECONDS
#   sh tests/fuzz/run.sh regress 0 TARGET...      run each target once over its committed corpus
#
# Fuzzing starts from a scratch copy of tests/fuzz/corpus/TARGET (build-fuzz/work/TARGET), so the
# committed corpus never grows by itself. A crash, leak, timeout or broken invariant is saved under
# build-fuzz/crashes/ as TARGET-crash-… (or -leak-, -timeout-, -oom-). Prints one line per target
# (executions from libFuzzer's final stats, and whether it held), then "N passed, N failed", and
# exits non-zero when a target failed.
mode=$1 seconds=$2
shift 2
out=build-fuzz
mkdir -p "$out/crashes" "$out/logs" "$out/work"
pass=0 fail=0
for t in "$@"; do
	bin=$out/fuzz_$t log=$out/logs/$t.log
	seeds=tests/fuzz/corpus/$t
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: $bin is not built"
		fail=$((fail + 1))
		continue
	fi
	[ -d "$seeds" ] || mkdir -p "$seeds"
	# libFuzzer's options: stop after the time, print the stats, save crashes under crashes/; a
	# single input that runs 30 s is a hang; -rss_limit_mb keeps a leak from taking the machine
	common="-print_final_stats=1 -artifact_prefix=$out/crashes/$t- -timeout=30 -rss_limit_mb=2048"
	if [ "$mode" = regress ]; then
		"$bin" $common -runs=0 "$seeds" >"$log" 2>&1
	else
		work=$out/work/$t
		rm -rf "$work" && mkdir -p "$work"
		if ls "$seeds" | grep -q .; then cp "$seeds"/* "$work"/; fi
		"$bin" $common -max_total_time="$seconds" "$work" >"$log" 2>&1
	fi
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=?
	if [ "$st" -eq 0 ]; then
		pass=$((pass + 1))
		printf 'fuzz %-8s %10s executions  held\n' "$t" "$execs"
	else
		fail=$((fail + 1))
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		printf 'fuzz %-8s %10s executions  FAILED (exit %s) %s; log %s\n' "$t" "$execs" "$st" "${art:-no input saved}" "$log"
		grep -m 3 -E 'fuzz: invariant broken|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' "$log" | sed 's/^/    /'
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
