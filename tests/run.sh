#!/bin/sh
# Runs every test program given as an argument and the CLI checks, sums their
# "N passed, N failed[, N skipped]" lines and ends with the total on a line of its own.
# Environment: CHU (the command under test), BUILD (the build directory).
: "${CHU:=build/chu}"
export CHU
passed=0 failed=0 skipped=0
log=$(mktemp)
for t in "$@" tests/cli.sh tests/seeds.sh tests/tag.sh tests/search.sh tests/index.sh tests/install.sh \
	tests/query.sh tests/seg.sh tests/encodings.sh tests/faults.sh tests/crash.sh tests/damaged.sh tests/python.sh \
	tests/serve.sh tests/postgres.sh tests/browser.sh; do
	[ -f "$t" ] || continue
	case "$t" in *.sh) cmd="sh $t" ;; *) cmd="$t" ;; esac
	name=$(basename "$t")
	if $cmd >"$log" 2>&1; then status=ok; else status=FAILED; fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no result line (exit status: $status)"; cat "$log"
		failed=$((failed + 1)); continue
	fi
	p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
	f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
	s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
	if [ "$status" = FAILED ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
	grep -E '^(FAIL|skip|not ok)' "$log" | head -n 50
	echo "$name: $line"
done
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
