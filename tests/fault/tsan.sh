#!/bin/sh
# The threaded paths of chu under ThreadSanitizer (`make tsan` builds build-tsan/ with
# -fsanitize=thread and runs this): `chu seg --threads 2, 4 and 7` on a few MB of text must write
# byte for byte what one thread writes, and so must pos, ner, accent and annotate --threads 2 and
# 7 on 300 KB; tests/fault/tsan_models.c has threads share the four
# committed models and search one index that `chu index` built here from small generated
# documents. Any ThreadSanitizer report fails the run: TSan halts the process on the first one
# with exit status 66 and writes it to a log, which is printed and counted.
# Environment: CHU (default build-tsan/chu), BUILD (default build-tsan).
# Prints "N passed, N failed, N skipped" at the end.
: "${BUILD:=build-tsan}"
: "${CHU:=$BUILD/chu}"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL tsan.sh: $*"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit; }

TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=$tmp/report${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
export TSAN_OPTIONS
# reports RUN — prints and counts the reports TSan wrote since the last call, naming RUN
reports() {
	found=0
	for r in "$tmp"/report.*; do
		[ -f "$r" ] || continue
		found=1
		head -n 40 "$r"
		rm -f "$r"
	done
	[ $found -eq 0 ] && ok || bad "ThreadSanitizer reported on $1 (above)"
}

if [ ! -x "$CHU" ] || [ ! -x "$BUILD/tests/tsan_models" ]; then
	echo "skip: $CHU or $BUILD/tests/tsan_models is not built (make tsan)"
	skip=1
	finish
fi
. "$(dirname "$0")/text.sh"

# ---- chu seg --threads: the same output as one thread ----
if [ -r models/seg.chm ]; then
	gen 3000000 "$tmp/in.txt"
	"$CHU" seg "$tmp/in.txt" >"$tmp/one" 2>"$tmp/err" && ok || bad "chu seg (one thread): $(head -c 300 "$tmp/err")"
	reports "chu seg"
	for n in 2 4 7; do
		"$CHU" seg --threads $n "$tmp/in.txt" >"$tmp/out" 2>"$tmp/err"
		st=$?
		[ $st -eq 0 ] && cmp -s "$tmp/out" "$tmp/one" && ok ||
			bad "chu seg --threads $n: exit $st, $(cmp "$tmp/out" "$tmp/one" 2>&1 | head -n 1) $(head -c 300 "$tmp/err")"
		reports "chu seg --threads $n"
	done
else
	echo "skip: models/seg.chm is absent: chu seg --threads is not run"
	skip=$((skip + 1))
fi

# ---- pos, ner, accent and annotate --threads: the same output as one thread ----
# (under TSan these run some ten times slower: a few hundred KB is enough to cross batches)
if [ -r models/seg.chm ] && [ -r models/pos.chm ] && [ -r models/ner.chm ] && [ -r models/accent.chm ]; then
	gen 300000 "$tmp/small.txt"
	for cmd in pos ner accent "annotate --format=jsonl"; do
		# shellcheck disable=SC2086 # cmd is a command and its options
		"$CHU" $cmd "$tmp/small.txt" >"$tmp/one" 2>"$tmp/err" || bad "chu $cmd (one thread): $(head -c 300 "$tmp/err")"
		reports "chu $cmd"
		for n in 2 7; do
			# shellcheck disable=SC2086
			"$CHU" $cmd --threads $n "$tmp/small.txt" >"$tmp/out" 2>"$tmp/err"
			st=$?
			[ $st -eq 0 ] && cmp -s "$tmp/out" "$tmp/one" && ok ||
				bad "chu $cmd --threads $n: exit $st, $(cmp "$tmp/out" "$tmp/one" 2>&1 | head -n 1) $(head -c 300 "$tmp/err")"
			reports "chu $cmd --threads $n"
		done
	done
	# chu index --threads: entities on workers, the same index as one thread
	awk '{ gsub(/["\\]/, ""); printf "{\"id\":%d,\"title\":\"t%d\",\"text\":\"%s\"}\n", NR, NR, $0 }' \
		"$tmp/small.txt" | head -n 200 >"$tmp/docs.jsonl"
	for n in 1 2 7; do
		"$CHU" index --threads $n "$tmp/ix$n.db" "$tmp/docs.jsonl" 2>"$tmp/err" || bad "chu index --threads $n: $(head -c 300 "$tmp/err")"
		reports "chu index --threads $n"
		sqlite3 "$tmp/ix$n.db" "SELECT doc, kind, text FROM entities ORDER BY rowid" >"$tmp/ents$n"
	done
	[ -s "$tmp/ents1" ] && cmp -s "$tmp/ents1" "$tmp/ents2" && cmp -s "$tmp/ents1" "$tmp/ents7" && ok ||
		bad "chu index --threads 2 and 7: other entities than one thread's ($(wc -l <"$tmp/ents1") rows)"
else
	echo "skip: a model is absent: pos/ner/accent/annotate --threads are not run"
	skip=$((skip + 1))
fi

# ---- threads sharing the models, threads searching one index ----
mkdir -p "$tmp/docs"
i=0
for lines in 3 5 8 13 21 34; do
	gen $((lines * 160)) "$tmp/docs/doc$i.txt"
	i=$((i + 1))
done
printf 'Hoà bình\nNông dân tỉnh Hòa Bình thu hoạch lúa sớm.\n' >"$tmp/docs/lua.txt"
"$CHU" index "$tmp/db" "$tmp/docs" >/dev/null 2>"$tmp/err" && ok || bad "chu index: $(head -c 300 "$tmp/err")"
reports "chu index"
"$BUILD/tests/tsan_models" "$tmp/db" >"$tmp/log" 2>&1
st=$?
grep -E '^(FAIL|skip)' "$tmp/log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/log" | tail -n 1)
if [ -z "$line" ]; then
	bad "tsan_models: no result line (exit status $st)"
	head -n 20 "$tmp/log"
else
	pass=$((pass + $(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')))
	fail=$((fail + $(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')))
	skip=$((skip + $(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')))
	[ $st -eq 0 ] || [ $st -eq 1 ] || bad "tsan_models exited $st"
fi
reports "tsan_models"

# ---- chu serve: four request threads, one shared response cache, an index that changes ----
if command -v curl >/dev/null && command -v python3 >/dev/null; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$CHU" serve "$tmp/db" --port "$port" --threads 4 --quiet 2>"$tmp/serve.log" &
	spid=$!
	n=0
	until grep -q serving "$tmp/serve.log" 2>/dev/null || [ $n -gt 200 ]; do sleep 0.05; n=$((n + 1)); done
	u="http://127.0.0.1:$port"
	clients=""
	for c in 1 2 3 4 5 6; do
		(for r in 1 2 3 4 5 6 7 8; do
			curl -s -o /dev/null "$u/api/search?q=hoa%20binh&limit=$r"
			curl -s -o /dev/null "$u/api/search?q=l%C3%BAa&facets=1"
			curl -s -o /dev/null "$u/api/doc/lua.txt"
			curl -s -o /dev/null -X POST -H 'Content-Type: text/plain' --data-binary 'Ông An đến Hà Nội.' "$u/api/annotate"
			curl -s -o /dev/null "$u/api/health"
		done) &
		clients="$clients $!"
	done
	printf 'Tin mới\nHoà bình ở Pleiku.\n' >"$tmp/docs/moi.txt"
	"$CHU" index "$tmp/db" "$tmp/docs" >/dev/null 2>&1
	for c in $clients; do wait "$c"; done
	got=$(curl -s "$u/api/search?q=Pleiku")
	kill -TERM "$spid"
	wait "$spid"
	st=$?
	case "$got" in *moi.txt*) ok ;; *) bad "chu serve under TSan: the document added is not found: $got" ;; esac
	[ $st -eq 0 ] && ok || bad "chu serve under TSan exited $st: $(tail -n 5 "$tmp/serve.log")"
	reports "chu serve"
else
	echo "skip: no curl or python3: chu serve is not run"
	skip=$((skip + 1))
fi

finish
