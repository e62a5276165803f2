#!/bin/sh
# chu index / chu search: the seed articles found by accented, accent-less and tone-variant
# queries with the right one first; JSON output; incremental re-indexing and --prune; a run killed
# with SIGKILL and run again keeps exactly one copy of each document; malformed queries.
: "${CHU:=build/chu}"
: "${CHU_DATA:=../shared/data}"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL index.sh: $*"; }
first() { "$CHU" search --json --limit 1 "$@" 2>&1 | sed -n 's/^{"id":"\([^"]*\)".*/\1/p'; }
count() { "$CHU" search --json --limit 1000 "$@" 2>/dev/null | grep -c '^{'; }

mkdir -p "$tmp/docs"
cat >"$tmp/docs/a.txt" <<'T'
Phụ nữ Đà Nẵng khởi nghiệp
Hội phụ nữ thành phố Đà Nẵng tổ chức diễn đàn về bình đẳng giới và hoà bình cho các nữ doanh nhân trẻ.
T
cat >"$tmp/docs/b.txt" <<'T'
Xây kè chắn sóng
Người dân chở những hòn đá nặng ra bờ biển để xây kè chắn sóng trước mùa bão.
T
printf '{"id":"x1","title":"Hợp tác ASEM","text":"Các thành viên ASEM thảo luận về kinh tế xanh.","url":"https://a.example.vn/x1","date":"2020-07-16","lang":"vi"}\n{"id":"x2","title":"Hòa Bình mùa lúa","text":"Nông dân tỉnh Hòa Bình thu hoạch lúa sớm."}\nnot json\n' >"$tmp/docs/c.jsonl"
"$CHU" index "$tmp/db" "$tmp/docs" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "index with a bad JSON line must exit 1: $(cat "$tmp/err")"
grep -q "1 records or files rejected" "$tmp/err" && ok || bad "the summary counts the bad line: $(cat "$tmp/err")"
grep -q "c.jsonl:3: not a JSON object" "$tmp/err" && ok || bad "bad JSON line not reported: $(cat "$tmp/err")"
[ "$(first "$tmp/db" "phụ nữ")" = "$tmp/docs/a.txt" ] && ok || bad "phụ nữ"
[ "$(first "$tmp/db" "phu nu")" = "$tmp/docs/a.txt" ] && ok || bad "phu nu"
[ "$(first "$tmp/db" "PHỤ NỮ")" = "$tmp/docs/a.txt" ] && ok || bad "PHỤ NỮ"
[ "$(first "$tmp/db" '"hòa bình" doanh')" = "$tmp/docs/a.txt" ] && ok || bad "tone variant"
# an accented query: the exact spelling first, the look-alike after it
r=$("$CHU" search --json "$tmp/db" '"Đà Nẵng"' | sed -n 's/^{"id":"\([^"]*\)".*"exact":\([a-z]*\).*/\1 \2/p' | tr '\n' ' ')
[ "$r" = "$tmp/docs/a.txt true $tmp/docs/b.txt false " ] && ok || bad "exact before look-alike: $r"
[ "$(first "$tmp/db" 'org:ASEM')" = "$tmp/docs/c.jsonl#x1" ] && ok || bad "org filter"
[ "$(count "$tmp/db" 'org:ASEM kinh')" = 1 ] && ok || bad "org filter with a word"
[ "$(count "$tmp/db" 'loc:"Hòa Bình"')" = 1 ] && ok || bad "loc filter"
[ "$(count "$tmp/db" 'kè OR lúa')" = 2 ] && ok || bad "OR"
[ "$(count "$tmp/db" 'phụ -"đà nẵng"')" = 0 ] && ok || bad "exclusion"
[ "$(count "$tmp/db" 'title:kè')" = 1 ] && ok || bad "title:"
[ "$(count "$tmp/db" 'thu hoa*')" = 1 ] && ok || bad "prefix"
# a question as people type it: --all (every word) finds nothing, the default and --any find it
[ "$(count --all "$tmp/db" 'ai đã chở đá nặng ra bờ biển vậy')" = 0 ] && ok || bad "--all of a question"
[ "$(first "$tmp/db" 'ai đã chở đá nặng ra bờ biển vậy')" = "$tmp/docs/b.txt" ] && ok || bad "a question, no flag"
[ "$(first --any "$tmp/db" 'ai đã chở đá nặng ra bờ biển vậy')" = "$tmp/docs/b.txt" ] && ok || bad "--any question"
[ "$(first --any "$tmp/db" 'nong dan tinh nao thu hoach lua som')" = "$tmp/docs/c.jsonl#x2" ] && ok || bad "--any without marks"
"$CHU" search --any "$tmp/db" '?? !!' >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && grep -q "no words" "$tmp/err" && ok || bad "--any with no words"
"$CHU" search --any --accent-model "$tmp/none.chm" "$tmp/db" 'lua' >/dev/null 2>&1; [ $? -eq 1 ] && ok || bad "--any with a missing accent model"
"$CHU" search --json "$tmp/db" "ASEM" | grep -q '"url":"https://a.example.vn/x1","date":"2020-07-16"' && ok || bad "json url/date"
"$CHU" search --json "$tmp/db" "\"phu nu\"" | grep -q '"snippet":"[^"]*\[phụ nữ\]' && ok || bad "snippet highlight"
for bq in '"open' 'OR' 'a OR' '-' '-x' 'OR b'; do
	"$CHU" search -- "$tmp/db" "$bq" >/dev/null 2>"$tmp/err"; st=$?
	[ $st -eq 2 ] && grep -q "^chu: bad query" "$tmp/err" && ! grep -qi "sql\|fts5" "$tmp/err" && ok || bad "malformed '$bq': $st $(cat "$tmp/err")"
done
"$CHU" search "$tmp/nonexistent.db" "x" 2>/dev/null; [ $? -eq 1 ] && ok || bad "missing index"

# bytes that are not text (NUL, invalid UTF-8) in an article: indexed, never a crash
mkdir -p "$tmp/odd"
printf 'Tiêu đề lạ\nnội\000dung \377 có byte lạ và chữ hiếm\n' >"$tmp/odd/n.txt"
"$CHU" index "$tmp/odd.db" "$tmp/odd" 2>"$tmp/err" && ok || bad "NUL bytes: $(cat "$tmp/err")"
[ "$(count "$tmp/odd.db" "chu hiem")" = 1 ] && ok || bad "text after a NUL byte not found"

# incremental: unchanged skipped, changed replaced, removed pruned
"$CHU" index "$tmp/db" "$tmp/docs" 2>"$tmp/err"
grep -q "0 documents added, 3 files unchanged" "$tmp/err" && ok || bad "re-run: $(cat "$tmp/err")"
sleep 1
printf 'Xây đê mới\nNgười dân đắp đê bằng bao cát.\n' >"$tmp/docs/b.txt"
"$CHU" index "$tmp/db" "$tmp/docs" 2>"$tmp/err"
grep -q "1 documents added, 2 files unchanged" "$tmp/err" && ok || bad "changed file: $(cat "$tmp/err")"
[ "$(count "$tmp/db" "đê")" = 1 ] && [ "$(count "$tmp/db" "sóng")" = 0 ] && ok || bad "changed file not replaced"
rm "$tmp/docs/b.txt"
"$CHU" index --prune "$tmp/db" "$tmp/docs" 2>"$tmp/err"
grep -q "1 documents pruned" "$tmp/err" && [ "$(count "$tmp/db" "đê")" = 0 ] && ok || bad "prune: $(cat "$tmp/err")"

# killed with SIGKILL in the middle, then run again: one copy of each document
python3 -c '
import json
with open("'"$tmp"'/big.jsonl", "w") as f:
    for i in range(20000):
        f.write(json.dumps({"id": "d%d" % i, "title": "Bài số %d" % i, "text": "Hội nghị lần thứ %d bàn về kinh tế, phụ nữ và hoà bình trong khu vực. " % i * 8}, ensure_ascii=False) + "\n")
for k in range(40):
    open("'"$tmp"'/many%02d.txt" % k, "w").write("Tin %d\nNội dung tin số %d về hợp tác.\n" % (k, k))
'
mkdir -p "$tmp/k" && mv "$tmp"/many*.txt "$tmp/big.jsonl" "$tmp/k/"
"$CHU" index "$tmp/kdb" "$tmp/k" 2>/dev/null &
pid=$!
sleep 0.4
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
part=$(sqlite3 "$tmp/kdb" "SELECT count(*) FROM docs;" 2>/dev/null)
echo "killed after 0.4 s with ${part:-0} of 20040 documents committed"
"$CHU" index "$tmp/kdb" "$tmp/k" 2>"$tmp/err" && ok || bad "re-run after kill: $(cat "$tmp/err")"
n=$(sqlite3 "$tmp/kdb" "SELECT count(*), count(DISTINCT key) FROM docs;" 2>/dev/null)
[ "$n" = "20040|20040" ] && ok || bad "after kill -9 and re-run: $n"
m=$(sqlite3 "$tmp/kdb" "SELECT count(*) FROM docs_fts_docsize;" 2>/dev/null)
[ "$m" = "20040" ] && ok || bad "fts rows after kill: $m"

# hardening: nothing a record holds is lost, one bad record does not stop the run
mkdir -p "$tmp/h"
printf '{"id":"a","title":"Bí mật","text":"phần đầu\\u0000phần sau bí mật"}\n' >"$tmp/h/nul.jsonl"
"$CHU" index "$tmp/hdb" "$tmp/h/nul.jsonl" 2>"$tmp/err" && ok || bad "index a record with \\u0000: $(cat "$tmp/err")"
[ "$(count "$tmp/hdb" "mật")" = 1 ] && ok || bad "the text after \\u0000 was not indexed"
"$CHU" search --json "$tmp/hdb" "sau" | grep -q 'phần đầu�phần' && ok || bad "NUL not stored as U+FFFD: $("$CHU" search --json "$tmp/hdb" sau)"
# a repeated id: reported with both lines, the later record kept, the rest of the run goes on
long=$(awk 'BEGIN { for (i = 0; i < 1100; i++) printf "x" }')
{
	printf '{"id":"d1","title":"Một","text":"bản đầu tiên"}\n'
	printf '{"id":"d2","title":"Hai","text":"văn bản thứ hai"}\n'
	printf '{"id":"d1","title":"Một lại","text":"bản thay thế"}\n'
	printf '{"id":"%sA","title":"Dài A","text":"khóa dài thứ nhất"}\n' "$long"
	printf '{"id":"%sB","title":"Dài B","text":"khóa dài thứ hai"}\n' "$long"
} >"$tmp/h/dup.jsonl"
printf 'Sau cùng\nTệp văn bản được đọc sau tệp lỗi.\n' >"$tmp/h/zz.txt"
"$CHU" index "$tmp/ddb" "$tmp/h/dup.jsonl" "$tmp/h/zz.txt" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "a repeated id must exit 1"
grep -q "dup.jsonl:3: warning: id .*d1 again (first at line 1)" "$tmp/err" && ok || bad "repeated id not reported with both lines: $(cat "$tmp/err")"
[ "$(count "$tmp/ddb" "thay thế")" = 1 ] && [ "$(count "$tmp/ddb" "đầu tiên")" = 0 ] && ok || bad "the later record does not replace the earlier"
[ "$(count "$tmp/ddb" "khóa dài")" = 2 ] && ok || bad "two ids sharing their first 1,024 bytes are not two documents"
[ "$(count "$tmp/ddb" "tệp lỗi")" = 1 ] && ok || bad "the file after the bad one was not indexed"
printf '{"id":7,"text":"bản ghi có id bảy"}\n\n\n\n\n\n{"text":"bản ghi dòng bảy"}\n' >"$tmp/h/seven.jsonl"
"$CHU" index "$tmp/sdb7" "$tmp/h/seven.jsonl" 2>/dev/null
[ "$(count "$tmp/sdb7" "bản ghi")" = 2 ] && ok || bad "id 7 and the record without id on line 7 are one document (found by tests/fuzz/fuzz_jsonl)"
"$CHU" index "$tmp/ddb" "$tmp/h/dup.jsonl" 2>/dev/null
[ "$(sqlite3 "$tmp/ddb" 'SELECT count(*) FROM docs')" = 5 ] && ok || bad "a re-run changed the document count"
# one file reached by three paths is one source; an edit keeping size and mtime is seen
mkdir -p "$tmp/p/d"
printf 'Bài một\nNội dung ban đầu của bài.\n' >"$tmp/p/d/a.txt"
chu_abs=$(command -v "$CHU" 2>/dev/null || echo "$CHU"); case "$chu_abs" in /*) ;; *) chu_abs="$PWD/$chu_abs" ;; esac
(cd "$tmp/p" && "$chu_abs" index db d 2>/dev/null && "$chu_abs" index db ./d 2>/dev/null && "$chu_abs" index db "$tmp/p/d" 2>/dev/null)
[ "$(sqlite3 "$tmp/p/db" 'SELECT count(*) FROM docs')" = 1 ] && ok || bad "d, ./d and \$PWD/d stored $(sqlite3 "$tmp/p/db" 'SELECT count(*) FROM docs') copies"
touch -r "$tmp/p/d/a.txt" "$tmp/ref"
printf 'Bài một\nNội dung mới thay của bài.\n' >"$tmp/p/d/a.txt" # same size
touch -r "$tmp/ref" "$tmp/p/d/a.txt"
"$CHU" index "$tmp/p/db" "$tmp/p/d" 2>/dev/null
[ "$(count "$tmp/p/db" "mới thay")" = 1 ] && [ "$(count "$tmp/p/db" "ban đầu")" = 0 ] && ok || bad "an edit keeping size and mtime was taken as unchanged"
# numeric options: a usage error, never a crash
for o in "--limit 1000000000000" "--limit 0" "--limit 10001" "--offset 9223372036854775807" "--offset -1" "--limit x"; do
	"$CHU" search $o "$tmp/p/db" "bài" >/dev/null 2>"$tmp/err"
	st=$?
	[ $st -eq 2 ] && grep -q "takes a whole number" "$tmp/err" && ok || bad "search $o: exit $st, $(cat "$tmp/err")"
done
"$CHU" search --limit 10000 --offset 1000000 "$tmp/p/db" "bài" >/dev/null && ok || bad "the largest --limit and --offset"
# an index that this user may read but not write (as nobody when run as root)
cp "$tmp/p/db" "$tmp/ro.db"
as_reader() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		as_reader() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	else
		as_reader() { skip=$((skip + 1)); echo "skip: no setpriv to search as another user"; return 0; }
	fi
fi
mkdir -p "$tmp/rodir" && cp "$tmp/p/db" "$tmp/rodir/db" && chmod 444 "$tmp/rodir/db" && chmod 555 "$tmp/rodir"
chmod 755 "$tmp" "$tmp/p"
as_reader "$CHU" search "$tmp/rodir/db" "bài" >"$tmp/out" 2>"$tmp/err" && grep -q "Bài một" "$tmp/out" && ok ||
	bad "search of a read-only index: $(cat "$tmp/err")"
chmod 755 "$tmp/rodir" && sqlite3 "$tmp/rodir/db" "PRAGMA journal_mode=WAL" >/dev/null 2>&1; chmod 555 "$tmp/rodir"
as_reader "$CHU" search "$tmp/rodir/db" "bài" >"$tmp/out" 2>"$tmp/err" && grep -q "Bài một" "$tmp/out" && ok ||
	bad "search of a read-only index left in WAL mode: $(cat "$tmp/err")"
chmod 755 "$tmp/rodir"

# checksums: every document's text is checked against the sum chu index stored with it, so a
# damaged page that SQLite reads as whole is an error, not a wrong hit; an index made before the
# sums gets them the next time chu index opens it
if command -v sqlite3 >/dev/null; then
	mkdir -p "$tmp/sumdocs"
	printf 'Xây kè chắn sóng\nNgười dân chở những hòn đá nặng ra bờ biển để xây kè.\n' >"$tmp/sumdocs/b.txt"
	printf 'Mùa lúa\nNông dân tỉnh Hòa Bình thu hoạch lúa sớm.\n' >"$tmp/sumdocs/c.txt"
	"$CHU" index "$tmp/sumref.db" "$tmp/sumdocs" 2>/dev/null
	cp "$tmp/sumref.db" "$tmp/sum.db"
	[ "$(sqlite3 "$tmp/sum.db" 'PRAGMA user_version; SELECT count(*) FROM docs WHERE sum IS NULL')" = "1
0" ] && ok || bad "a new index has a checksum for every document"
	sqlite3 "$tmp/sum.db" "UPDATE docs_fts_content SET c1 = 'Người dân chở những hòn đá nhẹ' WHERE id = (SELECT id FROM docs WHERE key LIKE '%/b.txt')"
	"$CHU" search "$tmp/sum.db" "kè" >"$tmp/out" 2>"$tmp/err"
	[ $? -eq 1 ] && grep -q "^chu: $tmp/sum.db: the index is damaged: document [0-9]* has a text that does not match its checksum" "$tmp/err" &&
		ok || bad "a changed text is found out: $(cat "$tmp/err")"
	cp "$tmp/sumref.db" "$tmp/sum.db"
	sqlite3 "$tmp/sum.db" "DELETE FROM docs WHERE key LIKE '%/b.txt'"
	"$CHU" search "$tmp/sum.db" "kè" >"$tmp/out" 2>"$tmp/err"
	[ $? -eq 1 ] && grep -q "document [0-9]* is in the full-text table but not in docs" "$tmp/err" && ok ||
		bad "a hit without its row is found out: $(cat "$tmp/out" "$tmp/err")"
	cp "$tmp/sumref.db" "$tmp/sum.db"
	sqlite3 "$tmp/sum.db" "UPDATE docs SET sum = NULL; PRAGMA user_version = 0"
	[ "$(count "$tmp/sum.db" 'kè OR lúa')" = 2 ] && ok || bad "an index without checksums is searched"
	"$CHU" index "$tmp/sum.db" "$tmp/sumdocs/c.txt" 2>/dev/null
	[ "$(sqlite3 "$tmp/sum.db" 'PRAGMA user_version; SELECT count(*) FROM docs WHERE sum IS NULL')" = "1
0" ] && [ "$(count "$tmp/sum.db" 'kè OR lúa')" = 2 ] && ok || bad "an older index gets its checksums"
	head -c $(($(wc -c <"$tmp/sumref.db") - 1)) "$tmp/sumref.db" >"$tmp/sum.db"
	"$CHU" search "$tmp/sum.db" "kè" >"$tmp/out" 2>"$tmp/err"
	[ $? -eq 1 ] && grep -q "^chu: $tmp/sum.db: the index is damaged: .* bytes, where its header counts" "$tmp/err" && ok ||
		bad "an index cut short: $(cat "$tmp/err")"
else
	echo "skip: no sqlite3 shell"; skip=$((skip + 1))
fi

# the seed articles
S="$CHU_DATA/seeds"
if [ -d "$S" ]; then
	"$CHU" index "$tmp/sdb" "$S" 2>/dev/null
	[ "$(first "$tmp/sdb" '"Sok Siphana"')" = "$S/000_e14039d0eb851080.txt" ] && ok || bad "seeds: Sok Siphana"
	[ "$(first "$tmp/sdb" '"62.000 tỷ đồng"')" = "$S/001_6c9f21b8d05fd83c.txt" ] && ok || bad "seeds: money"
	[ "$(first "$tmp/sdb" 'quan chuc cao cap ASEAN SOM')" = "$S/004_d80b52ecf5bdbf23.txt" ] && ok || bad "seeds: accent-less"
	[ "$(first "$tmp/sdb" '"Chương trình hành động quốc gia" "hòa bình"')" = "$S/002_a316bfa61b80f24d.txt" ] && ok || bad "seeds: tone variant"
	"$CHU" search --json "$tmp/sdb" "Skip Ribbon" | grep -q . && bad "seeds: boilerplate indexed" || ok
else
	echo "skip: seeds absent"; skip=$((skip + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
