#!/bin/sh
# chu seg as a stream: a line's words never depend on the lines before it (the memo of unit forms
# is exact), --threads 2 and 7 print what one thread prints, and a line longer than the read block
# is cut only between characters, keeping every byte. Prints "N passed, N failed, N skipped".
: "${CHU:=build/chu}"
: "${CHU_DATA:=../shared/data}"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL seg.sh: $*"; }
valid_utf8() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' 2>/dev/null; }
# the bytes of a file without white space and '_' (what segmentation may add or turn into '_')
letters() { tr -d ' _\n\t' <"$1" | cksum; }

# 8-byte units that once shared a memo slot: the second line must segment as it does alone
printf 'ch\306\260\306\241n7\nNh\303\240 tr\306\260\341\273\235ng t\341\273\225 ch\341\273\251c ch\306\260\306\241ng tr\303\254nh\n' >"$tmp/memo.txt"
sed -n 2p "$tmp/memo.txt" | "$CHU" seg >"$tmp/alone"
"$CHU" seg "$tmp/memo.txt" | sed -n 2p >"$tmp/after"
cmp -s "$tmp/alone" "$tmp/after" && ok || bad "after 'chươn7': '$(cat "$tmp/after")', alone '$(cat "$tmp/alone")'"
grep -q "chương_trình" "$tmp/after" && ok || bad "'chương trình' not joined: $(cat "$tmp/after")"

# a few MB of text: the news articles when ../shared is there, else sentences written here
if [ -r "$CHU_DATA/news/vietnews.jsonl.gz" ]; then
	gzip -dc "$CHU_DATA/news/vietnews.jsonl.gz" 2>/dev/null | head -n 1500 |
		python3 -c 'import sys,json
for l in sys.stdin: print(json.loads(l)["text"])' >"$tmp/text"
else
	echo "skip: $CHU_DATA/news is absent: the thread checks use generated sentences"
	awk 'BEGIN { for (i = 0; i < 40000; i++) printf "Ngày %d/7, Bộ Ngoại giao tổ chức hội nghị thứ %d về hợp tác kinh tế với các nước ASEAN tại Hà Nội.\n", i % 28 + 1, i }' >"$tmp/text"
fi
"$CHU" seg "$tmp/text" >"$tmp/one" && ok || bad "chu seg exited $?"
for t in 2 7; do
	"$CHU" seg --threads $t <"$tmp/text" >"$tmp/many" && ok || bad "chu seg --threads $t exited $?"
	cmp -s "$tmp/one" "$tmp/many" && ok || bad "--threads $t differs from one thread: $(cmp "$tmp/one" "$tmp/many" 2>&1)"
done
# 40 lines segmented alone (one process each) print what they print after the whole text
awk 'NR % 97 == 1' "$tmp/text" | head -n 40 >"$tmp/sample"
: >"$tmp/alone"
while IFS= read -r line; do printf '%s\n' "$line" | "$CHU" seg >>"$tmp/alone"; done <"$tmp/sample"
k=$(wc -l <"$tmp/alone")
for t in 1 2 7; do
	cat "$tmp/text" "$tmp/sample" | "$CHU" seg --threads $t | tail -n "$k" >"$tmp/after"
	[ "$k" -ge 40 ] && cmp -s "$tmp/alone" "$tmp/after" && ok ||
		bad "--threads $t: lines segment differently after the text than alone: $(diff "$tmp/alone" "$tmp/after" | head -n 4)"
done

# lines longer than the read block (1 MiB a thread), without a line break: cut between characters
python3 -c 'import sys; sys.stdout.write("\u1ec7" * 1500000)' >"$tmp/long-marks"
python3 -c 'import sys; sys.stdout.write("Vi\u1ec7t Nam " * 400000)' >"$tmp/long-words"
python3 -c 'import sys; sys.stdout.write("a\u0301" * 900000 + "\n")' >"$tmp/long-combining"
for f in long-marks long-words long-combining; do
	for t in 1 3; do
		"$CHU" seg --threads $t "$tmp/$f" >"$tmp/out"
		st=$?
		[ $st -eq 0 ] && ok || bad "$f --threads $t: exit $st"
		valid_utf8 <"$tmp/out" && ok || bad "$f --threads $t: invalid UTF-8 in the output"
		[ "$(letters "$tmp/$f")" = "$(letters "$tmp/out")" ] && ok || bad "$f --threads $t: bytes lost or changed"
	done
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
