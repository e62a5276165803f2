#!/bin/sh
# The `chu` command when the system fails it. A failure the command cannot avoid must end in a
# clear "chu: …" message and a non-zero exit status, never in output that is silently wrong or
# cut short with exit status 0:
#  - no thread can be started (pthread_create fails with EAGAIN from the 2nd or 3rd call, through
#    the LD_PRELOAD shim tests/fault/shim.c): `chu seg --threads N` either stops with an error or
#    writes exactly what one thread writes;
#  - standard output fails: /dev/full, a write failing with ENOSPC or EPIPE after some KB (the
#    shim), a pipe whose reader has gone with SIGPIPE ignored, a closed descriptor. Every
#    streaming command (norm, sent, tok, seg, pos, ner, accent, annotate, clean) must exit non-zero
#    with a message, the bytes that did get out must be the start of the right output, and the
#    command must stop soon: after the first failed write it may try to write about two stdio
#    buffers more and read about one block more of its input (the shim counts both), not go on
#    to the end of a long input.
# Input is generated (tests/fault/text.sh) from sentences written for these tests, each line
# numbered so that a lost or repeated line changes the output.
# Environment: CHU (the command), BUILD (where fault_shim.so is), CHU_ASAN (smaller inputs).
# Prints "N passed, N failed, N skipped" at the end.
: "${CHU:=build/chu}"
: "${BUILD:=build}"
: "${FAULT_SHIM:=$BUILD/tests/fault_shim.so}"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL faults.sh: $*"; }
skipped() { skip=$((skip + 1)); echo "skip: $*"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit; }

case $FAULT_SHIM in /*) ;; *) FAULT_SHIM=$PWD/$FAULT_SHIM ;; esac
if [ ! -x "$CHU" ]; then
	skipped "the chu command is not built (set CHU)"
	finish
fi
have_shim=0
[ -r "$FAULT_SHIM" ] && have_shim=1
[ $have_shim -eq 1 ] || skipped "$FAULT_SHIM is not built: the pthread_create and write faults are not injected"
# the models are found next to the command (models/ or ../models); pos, ner, accent, annotate
# and seg need them
have_models=0
"$CHU" seg </dev/null >/dev/null 2>&1 && "$CHU" ner </dev/null >/dev/null 2>&1 &&
	"$CHU" accent </dev/null >/dev/null 2>&1 && have_models=1
[ $have_models -eq 1 ] || skipped "the models are not found next to $CHU: seg, pos, ner, accent and annotate are not tested"

# shimmed [VAR=VALUE…] CMD… — runs CMD with the shim loaded; it logs each kind of fault it
# injects to $tmp/log (emptied first). Under AddressSanitizer the shim comes before libasan.
shimmed() {
	: >"$tmp/log"
	env LD_PRELOAD="$FAULT_SHIM" CHU_FAULT_LOG="$tmp/log" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}
injected() { grep -q "$1" "$tmp/log"; } # injected PATTERN — did the shim refuse a call?
size() { wc -c <"$1" | tr -d ' '; }
# a clean error: exit status from 1 to 125 (not a signal, not a sanitizer's abort) and a message
clean_error() { [ "$1" -ge 1 ] && [ "$1" -le 125 ] && grep -q '^chu: ' "$2"; }

. "$(dirname "$0")/fault/text.sh" # gen BYTES FILE

scale=1
[ -n "$CHU_ASAN" ] && scale=4
gen $((4000000 / scale)) "$tmp/big.txt"   # the fast commands: norm, sent, tok, seg
gen $((400000 / scale)) "$tmp/mid.txt"    # pos, accent, clean
gen $((300000 / scale)) "$tmp/slow.txt"   # ner, annotate (the slowest per byte)
gen 20000 "$tmp/small.txt"

# ---- pthread_create fails: chu seg --threads ----
if [ $have_shim -eq 1 ] && [ $have_models -eq 1 ]; then
	# 4 MB whatever the build: chu seg reads 1 MiB a thread, so --threads 3 makes two rounds of
	# threads and pthread_create call 3 is the first of the second round
	if [ $scale -eq 1 ]; then cp "$tmp/big.txt" "$tmp/seg.txt"; else gen 4000000 "$tmp/seg.txt"; fi
	"$CHU" seg "$tmp/seg.txt" >"$tmp/seg1" 2>"$tmp/err" && ok || bad "chu seg (one thread): $(head -c 300 "$tmp/err")"
	for tc in "8 2" "8 3" "3 3" "2 1"; do
		set -- $tc
		shimmed CHU_FAULT_PTHREAD_CREATE=$2 "$CHU" seg --threads $1 "$tmp/seg.txt" >"$tmp/out" 2>"$tmp/err"
		st=$?
		if ! injected "pthread_create refused"; then
			bad "seg --threads $1: the shim did not refuse pthread_create call $2"
		elif [ $st -eq 0 ] && cmp -s "$tmp/out" "$tmp/seg1"; then
			ok
		elif [ $st -ne 0 ] && clean_error $st "$tmp/err"; then
			ok
		else
			bad "seg --threads $1 with pthread_create failing from call $2: exit $st, $(size "$tmp/out") bytes" \
				"(one thread: $(size "$tmp/seg1")), $(cmp "$tmp/out" "$tmp/seg1" 2>&1 | head -n 1);" \
				"stderr: $(head -c 200 "$tmp/err")"
		fi
	done
fi

# ---- standard output fails ----
if [ -w /dev/full ]; then
	for args in --version --help "norm --help"; do
		"$CHU" $args >/dev/full 2>"$tmp/err"
		st=$?
		clean_error $st "$tmp/err" && ok || bad "chu $args >/dev/full: exit $st, stderr '$(head -c 200 "$tmp/err")'"
	done
fi
cmds="norm sent tok clean"
[ $have_models -eq 1 ] && cmds="norm sent tok seg pos ner accent annotate clean"
input_of() {
	case $1 in
	norm | sent | tok | seg) echo "$tmp/big.txt" ;;
	ner | annotate) echo "$tmp/slow.txt" ;;
	*) echo "$tmp/mid.txt" ;;
	esac
}
for sub in $cmds; do
	in=$(input_of $sub)
	"$CHU" $sub "$in" >"$tmp/ref" 2>"$tmp/err" && ok || bad "chu $sub: $(head -c 300 "$tmp/err")"
	total=$(size "$tmp/ref")
	# a full disk
	if [ -w /dev/full ]; then
		"$CHU" $sub "$tmp/small.txt" >/dev/full 2>"$tmp/err"
		st=$?
		clean_error $st "$tmp/err" && ok || bad "chu $sub >/dev/full: exit $st, stderr '$(head -c 200 "$tmp/err")'"
	fi
	# standard output closed
	"$CHU" $sub "$tmp/small.txt" >&- 2>"$tmp/err"
	st=$?
	clean_error $st "$tmp/err" && ok || bad "chu $sub >&-: exit $st, stderr '$(head -c 200 "$tmp/err")'"
	# a pipe whose reader leaves after 100 bytes, SIGPIPE ignored: EPIPE
	(
		trap '' PIPE
		"$CHU" $sub "$in" 2>"$tmp/err"
		echo $? >"$tmp/status"
	) | head -c 100 >/dev/null
	st=$(cat "$tmp/status")
	clean_error $st "$tmp/err" && ok || bad "chu $sub into a closed pipe (SIGPIPE ignored): exit $st, stderr '$(head -c 200 "$tmp/err")'"
	[ $have_shim -eq 1 ] || continue
	for errno_name in ENOSPC EPIPE; do
		limit=16384
		# the input on standard input, a file: the shim can tell how much was read after the failure
		shimmed CHU_FAULT_WRITE_AFTER=$limit CHU_FAULT_WRITE_ERRNO=$errno_name "$CHU" $sub <"$in" >"$tmp/out" 2>"$tmp/err"
		st=$?
		if ! injected "write refused with $errno_name"; then
			bad "chu $sub: the shim did not refuse a write with $errno_name ($total bytes of output)"
			continue
		fi
		clean_error $st "$tmp/err" && ok || bad "chu $sub, writes failing with $errno_name after $limit bytes: exit $st," \
			"stderr '$(head -c 200 "$tmp/err")'"
		n=$(size "$tmp/out")
		[ "$n" -le $limit ] && head -c "$n" "$tmp/ref" | cmp -s - "$tmp/out" && ok ||
			bad "chu $sub, writes failing with $errno_name: the $n bytes written are not the start of the output"
		[ $errno_name = ENOSPC ] || continue
		# stopping soon: after the first failed write, it may still try to write about two stdio
		# buffers (64 KiB each) and read about one of its blocks of input (chu seg reads 1 MiB at
		# a time, the streams 64 KiB), not go on to the end
		tried=$(sed -n 's/^tried after refusal: \([0-9]*\) bytes$/\1/p' "$tmp/log")
		read=$(sed -n 's/^input read after refusal: \([0-9]*\) bytes$/\1/p' "$tmp/log")
		if [ -z "$tried" ] || [ -z "$read" ]; then
			bad "chu $sub: the shim logged no count of what was tried after the failure: $(cat "$tmp/log")"
		elif [ $((total - limit)) -lt 327680 ]; then
			skipped "chu $sub: output of $total bytes too short to tell whether it stops soon"
		elif [ "$tried" -le 163840 ] && [ "$read" -le 1310720 ]; then
			ok
		else
			bad "chu $sub does not stop soon after its output fails (ENOSPC after $limit bytes): it tried to" \
				"write $tried more bytes of $total and read $read more bytes of $(size "$in")"
		fi
	done
done

finish
