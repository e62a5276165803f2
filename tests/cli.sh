#!/bin/sh
# The `chu` command's conventions: exit codes, messages, --help/--version, stdin and files.
# Prints "N passed, N failed, N skipped" at the end.
: "${CHU:=build/chu}"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL cli.sh: $*"; }
# expect_status WANT CMD… — runs CMD with stdout/stderr captured in $tmp/out and $tmp/err.
expect_status() {
	want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "'$*' exited $got, want $want: $(head -c 300 "$tmp/err")"; fi
}
expect_out() { # expect_out WANT-TEXT (compares $tmp/out)
	if [ "$(cat "$tmp/out")" = "$1" ]; then ok; else bad "output: got '$(head -c 300 "$tmp/out")' want '$1'"; fi
}
expect_err() { # expect_err GREP-PATTERN (matches $tmp/err)
	if grep -Eq "$1" "$tmp/err"; then ok; else bad "stderr '$(head -c 300 "$tmp/err")' does not match /$1/"; fi
}

expect_status 0 "$CHU" --version; expect_out "chu 0.1.0"
expect_status 0 "$CHU" --help; grep -q "usage: chu" "$tmp/out" && ok || bad "--help prints usage"
expect_status 2 "$CHU"
expect_status 2 "$CHU" frobnicate; expect_err "^chu: unknown command 'frobnicate'"
for sub in norm clean sent tok; do
	expect_status 0 "$CHU" $sub --help; grep -q "usage: chu $sub" "$tmp/out" && ok || bad "$sub --help"
	expect_status 2 "$CHU" $sub --no-such-option
done
expect_status 2 "$CHU" norm --tone=sideways; expect_err "^chu: --tone takes new or old"
expect_status 2 "$CHU" tok --from=vni
expect_status 1 "$CHU" norm "$tmp/missing.txt"; expect_err "^chu: $tmp/missing.txt: No such file"

# strict UTF-8: the error names the file, the line and the byte offset
printf 'dòng một\ndòng \377 hai\n' >"$tmp/bad.txt"
expect_status 1 "$CHU" norm --strict "$tmp/bad.txt"
expect_err "^chu: $tmp/bad.txt:2: invalid UTF-8 byte 0xFF at byte offset 18$"
expect_status 0 "$CHU" norm "$tmp/bad.txt"; expect_out "$(printf 'dòng một\ndòng \357\277\275 hai')"

# stdin and several files in order
printf 'Hoà bình\n' >"$tmp/a.txt"; printf 'Thủy lợi\n' >"$tmp/b.txt"
printf 'khỏe\n' | "$CHU" norm >"$tmp/out" 2>&1 && expect_out "khoẻ" || bad "stdin"
expect_status 0 "$CHU" norm --tone=old "$tmp/a.txt" "$tmp/b.txt"; expect_out "$(printf 'Hòa bình\nThủy lợi')"
expect_status 0 "$CHU" norm "$tmp/a.txt" - ; expect_out "Hoà bình"

# an empty input gives empty output for every text command
: >"$tmp/empty.txt"
for sub in norm sent tok clean; do
	expect_status 0 "$CHU" $sub "$tmp/empty.txt"; expect_out ""
done

# a text without a final newline still ends its last line
printf 'Một câu. Hai câu' >"$tmp/nofinal.txt"
expect_status 0 "$CHU" sent "$tmp/nofinal.txt"; expect_out "$(printf 'Một câu.\nHai câu')"
[ "$(tail -c 1 "$tmp/out" | od -An -c | tr -d ' ')" = '\n' ] && ok || bad "sent output ends with a newline"

# a write error (full disk) is reported, not ignored
if [ -w /dev/full ]; then
	"$CHU" norm "$tmp/a.txt" >/dev/full 2>"$tmp/err"; st=$?
	[ $st -eq 1 ] && grep -q "^chu: writing output" "$tmp/err" && ok || bad "write error status $st: $(cat "$tmp/err")"
fi

# a document read whole (clean, norm --from) larger than --max-doc-size is an error naming the file
# and the limit, never cut; the other files are still read, and the exit status is 1
head -c 3000 /dev/zero | tr '\0' 'a' >"$tmp/big.txt"
expect_status 1 "$CHU" clean --max-doc-size 2K "$tmp/big.txt" "$tmp/a.txt"; expect_out "Hoà bình"
expect_err "^chu: $tmp/big.txt: larger than 2048 bytes, the most read whole \(raise it with --max-doc-size\)$"
expect_status 0 "$CHU" clean --max-doc-size 3000 "$tmp/big.txt"
expect_status 1 "$CHU" norm --from=viqr --max-doc-size 1K "$tmp/big.txt"; expect_out ""; expect_err "larger than 1024 bytes"
expect_status 2 "$CHU" clean --max-doc-size 12X "$tmp/a.txt"; expect_err "^chu: --max-doc-size needs a number of bytes"
expect_status 2 "$CHU" tok --max-doc-size 1M "$tmp/a.txt"

# segmentation: a missing or corrupt model is a clean error; eval scores and checks its input
expect_status 1 "$CHU" seg --model "$tmp/none.chm" "$tmp/a.txt"; expect_err "^chu: $tmp/none.chm: No such file"
printf 'CHUMODEL not really a model' >"$tmp/bad.chm"
expect_status 1 "$CHU" seg --model "$tmp/bad.chm" "$tmp/a.txt"; expect_err "not a valid chu model"
expect_status 2 "$CHU" seg --threads 0
printf 'a_b c\nd e_f\n' >"$tmp/gold.seg"; printf 'a_b c\nd_e f\n' >"$tmp/pred.seg"
expect_status 0 "$CHU" eval seg "$tmp/gold.seg" "$tmp/pred.seg"
grep -q '^precision 50.00$' "$tmp/out" && grep -q '^recall 50.00$' "$tmp/out" && grep -q '^F1 50.00$' "$tmp/out" && ok || bad "eval seg: $(cat "$tmp/out")"
printf 'a_b c\nd e_g\n' >"$tmp/other.seg"
expect_status 1 "$CHU" eval seg "$tmp/gold.seg" "$tmp/other.seg"; expect_err "^chu: $tmp/other.seg:2: its syllables differ"
expect_status 2 "$CHU" eval seg "$tmp/gold.seg"
if [ -r models/seg.chm ]; then
	printf 'Học sinh đọc sách ở thư viện .\n\nx\n' | "$CHU" seg --pretokenized >"$tmp/out" 2>&1
	expect_out "$(printf 'Học_sinh đọc sách ở thư_viện .\n\nx')"
	expect_status 0 "$CHU" annotate --format=jsonl examples/van-hoa-doc.txt
	python3 -c '
import json, sys
src = open("examples/van-hoa-doc.txt", "rb").read()
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert rows and rows[0]["url"].startswith("https://"), "url"
for r in rows:
    for t in r["tokens"]:
        assert src[t["start"]:t["end"]].decode() != "", t
    assert all(w["start"] < w["end"] for w in r["words"])
assert any(w["text"] == "thư viện" for r in rows for w in r["words"]), "no word thư viện"
assert not any("Ảnh" in r["text"] for r in rows), "photo credit kept"
' "$tmp/out" && ok || bad "annotate jsonl"
fi

# clean --explain: an inserted space shows the words it stood between, before and after
r=$(printf 'Giá lúa tăng vào ngày 16/7.Cùng ngày, nông dân vui.\nTrang chủ > Thời sự > Xã hội\n' | "$CHU" clean --explain)
[ "$r" = '<stdin>:1:33: insert-space: glued sentence: "16/7.Cùng" -> "16/7. Cùng"
<stdin>:2:1: drop-line: breadcrumb: "Trang chủ > Thời sự > Xã hội"' ] && ok || bad "clean --explain: $r"

# every kind of change shows its text: the boilerplate lines of a news page, a credit and the
# sentence glued after it (only the bytes that are still there), a line of no-break spaces
printf 'https://baomoi.example/lua-som.html\nTrang chủ | Thời sự | Xã hội\nChia sẻ Facebook Twitter\nNông dân gặt lúa (Ảnh: Hoàng Hà).Năm nay được mùa.\n\302\240\302\240\nXem thêm: Giá lúa tăng\nBình luận (0)\nTags: lúa, nông dân\n' >"$tmp/page.txt"
r=$("$CHU" clean --explain "$tmp/page.txt" | sed 's/^[^:]*://')
[ "$r" = '1:1: metadata: source URL: "https://baomoi.example/lua-som.html"
2:1: drop-line: breadcrumb: "Trang chủ | Thời sự | Xã hội"
3:1: drop-line: share bar: "Chia sẻ Facebook Twitter"
4:22: drop-span: photo credit: " (Ảnh: Hoàng Hà)"
4:43: insert-space: glued sentence: ".Năm" -> ". Năm"
5:1: drop-line: separator line: "\u{00A0}\u{00A0}"
6:1: drop-line: related links: "Xem thêm: Giá lúa tăng"
7:1: drop-line: site navigation: "Bình luận (0)"
8:1: drop-line: tag line: "Tags: lúa, nông dân"' ] && ok || bad "clean --explain of a page: $r"
[ "$("$CHU" clean "$tmp/page.txt")" = 'Nông dân gặt lúa. Năm nay được mùa.' ] && ok || bad "clean of a page: $("$CHU" clean "$tmp/page.txt")"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
