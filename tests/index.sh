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
"$CHU" index --entities=rules "$tmp/db" "$tmp/docs" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "index with a bad JSON line must exit 1: $(cat "$tmp/err")"
grep -q "1 records rejected" "$tmp/err" && ok || bad "the summary counts the bad line: $(cat "$tmp/err")"
grep -q "c.jsonl:3: not a JSON object" "$tmp/err" && ok || bad "bad JSON line not reported: $(cat "$tmp/err")"
[ "$(first "$tmp/db" "phụ nữ")" = "a.txt" ] && ok || bad "phụ nữ"
[ "$(first "$tmp/db" "phu nu")" = "a.txt" ] && ok || bad "phu nu"
[ "$(first "$tmp/db" "PHỤ NỮ")" = "a.txt" ] && ok || bad "PHỤ NỮ"
[ "$(first "$tmp/db" '"hòa bình" doanh')" = "a.txt" ] && ok || bad "tone variant"
# an accented query: the exact spelling first, the look-alike after it
r=$("$CHU" search --json "$tmp/db" '"Đà Nẵng"' | sed -n 's/^{"id":"\([^"]*\)".*"exact":\([a-z]*\).*/\1 \2/p' | tr '\n' ' ')
[ "$r" = "a.txt true b.txt false " ] && ok || bad "exact before look-alike: $r"
[ "$(first "$tmp/db" 'org:ASEM')" = "x1" ] && ok || bad "org filter"
[ "$(count "$tmp/db" 'org:ASEM kinh')" = 1 ] && ok || bad "org filter with a word"
[ "$(count "$tmp/db" 'loc:"Hòa Bình"')" = 1 ] && ok || bad "loc filter"
[ "$(count "$tmp/db" 'kè OR lúa')" = 2 ] && ok || bad "OR"
[ "$(count "$tmp/db" 'phụ -"đà nẵng"')" = 0 ] && ok || bad "exclusion"
[ "$(count "$tmp/db" 'title:kè')" = 1 ] && ok || bad "title:"
[ "$(count "$tmp/db" 'thu hoa*')" = 1 ] && ok || bad "prefix"
# a question as people type it: --all (every word) finds nothing, the default and --any find it
[ "$(count --all "$tmp/db" 'ai đã chở đá nặng ra bờ biển vậy')" = 0 ] && ok || bad "--all of a question"
[ "$(first "$tmp/db" 'ai đã chở đá nặng ra bờ biển vậy')" = "b.txt" ] && ok || bad "a question, no flag"
[ "$(first --any "$tmp/db" 'ai đã chở đá nặng ra bờ biển vậy')" = "b.txt" ] && ok || bad "--any question"
[ "$(first --any "$tmp/db" 'nong dan tinh nao thu hoach lua som')" = "x2" ] && ok || bad "--any without marks"
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
cp "$tmp/err" "$tmp/ddberr"
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

# ids: a record's "id" as given (a number as written), FILE#LINE without one; a text's path under
# the directory argument, or the path as given; docs.file is the path as found
ids() { "$CHU" search --json --limit 1000 "$@" 2>/dev/null | sed -n 's/^{"id":"\([^"]*\)".*/\1/p' | LC_ALL=C sort | tr '\n' ' '; }
mkdir -p "$tmp/f/corpus/2019"
printf '{"id":"s-1","text":"mã chuỗi"}\n{"id":42,"text":"mã số nguyên"}\n{"id":7.5,"text":"mã số thực"}\n{"text":"mã không có"}\n' >"$tmp/f/corpus/2019/r.jsonl"
printf 'Bài năm 2019\nMã bài viết trong thư mục con.\n' >"$tmp/f/corpus/2019/a.txt"
(cd "$tmp/f" && "$chu_abs" index db corpus/ 2>/dev/null)
[ $? -eq 0 ] && ok || bad "a clean corpus must exit 0"
r=$(ids "$tmp/f/db" "mã"); [ "$r" = "2019/a.txt 42 7.5 corpus/2019/r.jsonl#4 s-1 " ] && ok || bad "ids: $r"
[ "$(sqlite3 "$tmp/f/db" "SELECT file FROM docs WHERE name = '2019/a.txt'")" = "corpus/2019/a.txt" ] && ok || bad "docs.file of a text"
"$CHU" search --json "$tmp/f/db" "chuỗi" | grep -q '^{"id":"s-1","source":"corpus/2019/r.jsonl"' && ok || bad "search shows the id and its source: $("$CHU" search --json "$tmp/f/db" "chuỗi")"
(cd "$tmp/f" && "$chu_abs" index db2 corpus/2019/a.txt 2>/dev/null)
[ "$(ids "$tmp/f/db2" "mã")" = "corpus/2019/a.txt " ] && ok || bad "a file named: its path as given: $(ids "$tmp/f/db2" "mã")"
# the same file through another spelling: still one document, its id from this run's argument
(cd "$tmp/f" && "$chu_abs" index db2 ./corpus 2>/dev/null)
[ "$(sqlite3 "$tmp/f/db2" "SELECT count(*), name, file FROM docs WHERE name LIKE '%a.txt'")" = "1|2019/a.txt|./corpus/2019/a.txt" ] && ok ||
	bad "two spellings of a path: $(sqlite3 "$tmp/f/db2" 'SELECT count(*), name, file FROM docs')"
[ "$(ids "$tmp/p/db" "bài")" = "a.txt " ] && ok || bad "d, ./d and \$PWD/d: one document with the relative id: $(ids "$tmp/p/db" "bài")"
# an index made before docs.file (names were paths) gets the column and the names
cp "$tmp/f/db" "$tmp/f/old.db"
sqlite3 "$tmp/f/old.db" "ALTER TABLE docs DROP COLUMN file; UPDATE docs SET name = '$tmp/f/corpus/' || name WHERE name NOT LIKE '%#%';
	UPDATE docs SET name = '$tmp/f/corpus/2019/r.jsonl#' || name WHERE key LIKE '%#id:%'"
(cd "$tmp/f" && "$chu_abs" index old.db corpus 2>/dev/null)
r=$(ids "$tmp/f/old.db" "mã"); [ "$r" = "2019/a.txt 42 7.5 corpus/2019/r.jsonl#4 s-1 " ] && ok || bad "an older index's names: $r"
[ "$(sqlite3 "$tmp/f/old.db" "SELECT count(*) FROM docs WHERE file = 'corpus/2019/a.txt' OR file = 'corpus/2019/r.jsonl'")" = 5 ] && ok ||
	bad "an older index gets docs.file"
# a repeated id: the warning names it as given, and the kept record has it
grep -q "dup.jsonl:3: warning: id d1 again (first at line 1): this record replaces that one" "$tmp/ddberr" && ok || bad "the warning names the id as given: $(cat "$tmp/ddberr")"
[ "$(ids "$tmp/ddb" "thay thế")" = "d1 " ] && ok || bad "the replacing record's id: $(ids "$tmp/ddb" "thay thế")"

# formats: .ndjson, .md, gzip-compressed JSONL and text, extensions in any case
mkdir -p "$tmp/fmt"
printf '{"id":"n1","title":"Dòng","text":"bản ghi ndjson về cây lúa"}\n' >"$tmp/fmt/a.ndjson"
printf '# Tiêu đề Markdown\n\nThân bài *markdown* về cây lúa.\n' >"$tmp/fmt/b.md"
printf '{"id":"z1","title":"Nén","text":"bản ghi nén về cây lúa"}\n{"id":"z2","text":"bản ghi nén thứ hai về cây lúa"}\n' | gzip >"$tmp/fmt/c.jsonl.gz"
printf 'Văn bản nén\nThân văn bản nén về cây lúa.\n' | gzip >"$tmp/fmt/d.txt.gz"
printf 'Chữ hoa\nTệp tên viết hoa về cây lúa.\n' >"$tmp/fmt/E.TXT"
printf '{"id":"u1","text":"bản ghi tệp hoa nén về cây lúa"}\n' | gzip >"$tmp/fmt/F.JSONL.GZ"
"$CHU" index "$tmp/fmt.db" "$tmp/fmt" 2>"$tmp/err" && ok || bad "formats: $(cat "$tmp/err")"
r=$(ids "$tmp/fmt.db" "lúa"); [ "$r" = "E.TXT b.md d.txt.gz n1 u1 z1 z2 " ] && ok || bad "formats: $r"
[ "$(sqlite3 "$tmp/fmt.db" "SELECT title FROM docs WHERE name = 'b.md'")" = "Tiêu đề Markdown" ] && ok || bad "a Markdown title keeps its #"
[ "$(sqlite3 "$tmp/fmt.db" "SELECT title FROM docs WHERE name = 'd.txt.gz'")" = "Văn bản nén" ] && ok || bad "the title of a .txt.gz"
"$CHU" index "$tmp/fmt.db" "$tmp/fmt" 2>"$tmp/err" && grep -q "0 documents added, 6 files unchanged" "$tmp/err" && ok || bad "formats, unchanged: $(cat "$tmp/err")"
# standard input: JSON lines, or one text with --format text
printf '{"id":"in1","text":"bản ghi từ đầu vào chuẩn"}\n{"text":"bản ghi không id từ đầu vào chuẩn"}\n' | "$CHU" index "$tmp/in.db" - 2>"$tmp/err" && ok || bad "stdin JSONL: $(cat "$tmp/err")"
[ "$(ids "$tmp/in.db" "đầu vào")" = "-#2 in1 " ] && ok || bad "stdin JSONL ids: $(ids "$tmp/in.db" "đầu vào")"
printf 'Tiêu đề từ đầu vào\nThân bài văn bản từ đầu vào chuẩn.\n' | "$CHU" index --format text "$tmp/in2.db" - 2>"$tmp/err" && ok || bad "stdin text: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/in2.db" "SELECT name, file, title FROM docs")" = "-|-|Tiêu đề từ đầu vào" ] && ok || bad "stdin text: $(sqlite3 "$tmp/in2.db" 'SELECT name, file, title FROM docs')"
"$CHU" index "$tmp/in2.db" - - </dev/null 2>/dev/null; [ $? -eq 2 ] && ok || bad "- twice must be a usage error"
"$CHU" index --format xml "$tmp/in2.db" - </dev/null 2>/dev/null; [ $? -eq 2 ] && ok || bad "--format xml must be a usage error"

# skipped: binary content, damaged gzip, another kind of file; each named with the reason,
# counted, exit 1; nothing of them indexed. Names without an extension are passed over.
mkdir -p "$tmp/sk"
printf 'Tiêu đề\nBài viết hợp lệ về cây lúa.\n' >"$tmp/sk/good.txt"
printf 'Nh\0\0\0\0 v\0\0\0\0 l\0\0\0\0 c\0\0 lúa\n' >"$tmp/sk/nul.txt"
head -c 4000 /dev/urandom | tr -d '\000' | sed 's/^/lúa /' >"$tmp/sk/random.txt"
printf '{"id":"g","text":"cây lúa trong tệp hỏng"}\n' | gzip | head -c 30 >"$tmp/sk/cut.jsonl.gz"
printf '{"id":"p","text":"cây lúa không nén"}\n' >"$tmp/sk/plain.jsonl.gz"
printf 'a,b\nlúa,1\n' >"$tmp/sk/notes.csv"
printf 'lúa\n' >"$tmp/sk/README"
"$CHU" index "$tmp/sk.db" "$tmp/sk" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "skipped files must exit 1"
grep -q "^chu: $tmp/sk/nul.txt: skipped: binary content (NUL bytes)$" "$tmp/err" && ok || bad "NUL bytes: $(cat "$tmp/err")"
grep -q "^chu: $tmp/sk/random.txt: skipped: binary content, or not UTF-8" "$tmp/err" && ok || bad "random bytes: $(cat "$tmp/err")"
grep -q "^chu: $tmp/sk/cut.jsonl.gz: skipped: gzip data cut short" "$tmp/err" && ok || bad "cut gzip: $(cat "$tmp/err")"
grep -q "^chu: $tmp/sk/plain.jsonl.gz: skipped: not gzip data" "$tmp/err" && ok || bad "not gzip: $(cat "$tmp/err")"
grep -q "^chu: $tmp/sk/notes.csv: skipped: not a .txt, .md, .jsonl or .ndjson file (or .gz of one)$" "$tmp/err" && ok || bad "unknown extension: $(cat "$tmp/err")"
! grep -q "README" "$tmp/err" && ok || bad "a name without an extension is passed over"
grep -q "1 documents added, 0 files unchanged, 0 documents pruned, 5 files skipped$" "$tmp/err" && ok || bad "the summary counts skipped files: $(cat "$tmp/err")"
[ "$(ids "$tmp/sk.db" "lúa")" = "good.txt " ] && [ "$(sqlite3 "$tmp/sk.db" 'SELECT count(*) FROM docs; SELECT count(*) FROM sources')" = "1
1" ] && ok || bad "skipped files indexed: $(ids "$tmp/sk.db" "lúa")"
"$CHU" index "$tmp/sk.db" "$tmp/sk" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "5 files skipped" "$tmp/err" && ok || bad "skipped files are reported again: $(cat "$tmp/err")"
"$CHU" index "$tmp/sk2.db" "$tmp/sk/notes.csv" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "notes.csv: skipped: not a .txt" "$tmp/err" && ok || bad "a named file of another kind: $(cat "$tmp/err")"
rm "$tmp/sk/nul.txt" "$tmp/sk/random.txt" "$tmp/sk/cut.jsonl.gz" "$tmp/sk/plain.jsonl.gz" "$tmp/sk/notes.csv"
"$CHU" index "$tmp/sk.db" "$tmp/sk" 2>"$tmp/err" && ok || bad "README and good files only must exit 0: $(cat "$tmp/err")"

# --no-entities: no entities table rows, and no org: hits
"$CHU" index --no-entities "$tmp/ne.db" "$tmp/docs" 2>/dev/null
[ "$(sqlite3 "$tmp/ne.db" 'SELECT count(*) FROM entities')" = 0 ] && [ "$(count "$tmp/ne.db" 'kinh')" = 1 ] && ok || bad "--no-entities"

# resumed: a run killed after its first commit, inside a large file, and run again goes on after
# the last committed line: it adds only the rest (no re-ingest of the committed batches)
for f in big.jsonl big.jsonl.gz; do
	mkdir -p "$tmp/r" && rm -f "$tmp/r/"* "$tmp/rdb"*
	if [ "$f" = big.jsonl ]; then cp "$tmp/k/big.jsonl" "$tmp/r/"; else gzip -c "$tmp/k/big.jsonl" >"$tmp/r/$f"; fi
	"$CHU" index "$tmp/rdb" "$tmp/r" 2>/dev/null &
	pid=$!
	polls=0
	while [ "$polls" -lt 20000 ] && kill -0 "$pid" 2>/dev/null; do
		n=$(sqlite3 -readonly -cmd ".timeout 2000" "$tmp/rdb" "SELECT count(*) FROM docs" 2>/dev/null)
		[ -n "$n" ] && [ "$n" -gt 0 ] && break
		polls=$((polls + 1))
	done
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	part=$(sqlite3 "$tmp/rdb" "SELECT count(*) FROM docs" 2>/dev/null)
	"$CHU" index "$tmp/rdb" "$tmp/r" 2>"$tmp/err" && ok || bad "$f: the run after the kill: $(cat "$tmp/err")"
	added=$(sed -n 's/^chu index: \([0-9]*\) documents added.*/\1/p' "$tmp/err")
	if [ "${part:-0}" -gt 0 ] && [ "$part" -lt 20000 ]; then
		[ "$added" -lt 20000 ] && [ $((added + part)) -eq 20000 ] && grep -q "$f: continuing after line $part," "$tmp/err" && ok ||
			bad "$f: killed with $part committed, the re-run added $added: $(cat "$tmp/err")"
	else
		echo "skip: $f: the run was not killed part-way (${part:-0} documents committed)"; skip=$((skip + 1))
	fi
	[ "$(sqlite3 "$tmp/rdb" "SELECT count(*), count(DISTINCT key) FROM docs; SELECT count(*) FROM docs_fts_docsize; SELECT complete, done_lines FROM sources")" = "20000|20000
20000
1|20000" ] && ok || bad "$f: after the resumed run: $(sqlite3 "$tmp/rdb" 'SELECT count(*) FROM docs; SELECT * FROM sources')"
done

# date: the document's date as stored (a day, with or without a time after it)
printf '{"id":"a","title":"Lúa","text":"Giá lúa tăng.","date":"2020-07-16"}\n{"id":"b","title":"Lúa","text":"Giá lúa giảm.","date":"2019-03-01T08:00:00+07:00"}\n{"id":"c","title":"Lúa","text":"Giá lúa đứng."}\n' >"$tmp/d.jsonl"
"$CHU" index --entities=none "$tmp/ddb" "$tmp/d.jsonl" 2>/dev/null
ids() { "$CHU" search --json "$1" "$2" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p' | LC_ALL=C sort | tr '\n' ' '; }
for qa in 'date:2020=a ' 'date:7/2020=a ' 'date:16/7/2020=a ' 'date:17/7/2020=' 'date:2019..2020=a b ' \
	'date:3/2019=b ' 'date:..2019=b ' '-date:2020=b c '; do
	q=${qa%%=*} want=${qa#*=}
	[ "$(ids "$tmp/ddb" "lúa $q")" = "$want" ] && ok || bad "lúa $q: $(ids "$tmp/ddb" "lúa $q")"
done
"$CHU" search "$tmp/ddb" 'lúa date:31/6/2020' 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'is not a date' "$tmp/err" && ok || bad "date:31/6/2020: $(cat "$tmp/err")"

# entities from the models (the default when they are found): chu annotate's, for per:/loc:/org:
if "$CHU" annotate --help >/dev/null 2>&1 && [ -f models/ner.chm ]; then
	ti="Quảng Nam mở rộng vùng lúa"
	tx="Ngày 16/7, ông Trần Văn Minh, Giám đốc Sở Nông nghiệp tỉnh Quảng Nam, cho biết tỉnh sẽ đầu tư 62.000 tỷ đồng. Ông Trần Văn Minh nói nông dân Quảng Nam đã thu hoạch sớm."
	printf '{"id":"m1","title":"%s","text":"%s"}\n{"id":"m2","title":"Giá vàng","text":"Giá vàng hôm nay tăng nhẹ."}\n' "$ti" "$tx" >"$tmp/m.jsonl"
	"$CHU" index "$tmp/mdb" "$tmp/m.jsonl" 2>"$tmp/err" && ok || bad "models: $(cat "$tmp/err")"
	got=$(sqlite3 "$tmp/mdb" "SELECT kind || ' ' || text FROM entities JOIN docs ON docs.id = doc WHERE name = 'm1' ORDER BY 1")
	want=$( (printf '%s' "$ti" | "$CHU" annotate --format jsonl; printf '%s' "$tx" | "$CHU" annotate --format jsonl) |
		grep -o '"type":"[A-Z]*","text":"[^"]*"' | sed 's/"type":"\([A-Z]*\)","text":"\([^"]*\)"/\L\1\E \2/' |
		LC_ALL=C sort)
	got=$(printf '%s\n' "$got" | LC_ALL=C sort)
	[ -n "$got" ] && [ "$got" = "$want" ] && ok || bad "models: entities differ from chu annotate's: got [$got] want [$want]"
	echo "$got" | grep -q '^per Trần Văn Minh$' && echo "$got" | grep -q '^loc Quảng Nam$' &&
		echo "$got" | grep -q '^money 62.000 tỷ đồng$' && ok || bad "models: person, place, amount: $got"
	[ "$(first "$tmp/mdb" 'per:"Trần Văn Minh"')" = m1 ] && ok || bad "models: per filter"
	[ "$(first "$tmp/mdb" 'loc:"quang nam" nông dân')" = m1 ] && ok || bad "models: loc filter, folded"
	[ "$(count "$tmp/mdb" 'per:"Quảng Nam"')" = 0 ] && ok || bad "models: a place is no person"
	[ "$(count "$tmp/mdb" 'vàng -loc:"Quảng Nam"')" = 1 ] && ok || bad "models: -loc:"
	"$CHU" index --entities=rules "$tmp/rdb2" "$tmp/m.jsonl" 2>/dev/null
	[ "$(sqlite3 "$tmp/rdb2" "SELECT count(*) FROM entities WHERE kind IN ('per', 'loc')")" = 0 ] &&
		[ "$(first "$tmp/rdb2" 'per:"Trần Văn Minh"')" = m1 ] && ok || bad "--entities=rules: names, which per: takes"
	"$CHU" index --entities=none "$tmp/ndb" "$tmp/m.jsonl" 2>/dev/null
	[ "$(sqlite3 "$tmp/ndb" "SELECT count(*) FROM entities")" = 0 ] && ok || bad "--entities=none"
	# an article typed without marks: the entities of its restored reading, on one thread and two
	# (read as written, the tagger made "Hoi" and "Thu" people and "Pham Minh Chinh" a place)
	printf '{"id":"u1","title":"Tin moi","text":"Hoi nghi ASEAN dien ra o Ha Noi, Thu tuong Pham Minh Chinh phat bieu."}\n' >"$tmp/u.jsonl"
	for th in 1 2; do
		"$CHU" index --threads $th "$tmp/udb$th" "$tmp/u.jsonl" 2>"$tmp/err" && ok || bad "unmarked, --threads $th: $(cat "$tmp/err")"
		got=$(sqlite3 "$tmp/udb$th" "SELECT kind || ' ' || text FROM entities ORDER BY 1" | tr '\n' ';')
		[ "$got" = "loc Ha Noi;per Pham Minh Chinh;" ] && ok || bad "an article without marks, --threads $th: $got"
	done
	# --threads: the same entities, in the same order, as one thread
	if [ -d "$CHU_DATA/seeds" ]; then
		"$CHU" index --threads 1 "$tmp/t1.db" "$CHU_DATA/seeds" "$tmp/m.jsonl" 2>/dev/null
		"$CHU" index --threads 3 "$tmp/t3.db" "$CHU_DATA/seeds" "$tmp/m.jsonl" 2>/dev/null
		a=$(sqlite3 "$tmp/t1.db" "SELECT doc, kind, text, folded FROM entities ORDER BY rowid" | cksum)
		b=$(sqlite3 "$tmp/t3.db" "SELECT doc, kind, text, folded FROM entities ORDER BY rowid" | cksum)
		[ "$(sqlite3 "$tmp/t1.db" "SELECT count(*) FROM entities")" -gt 100 ] && [ "$a" = "$b" ] && ok ||
			bad "--threads 3: other entities than one thread's"
		# what the facets count: each seed's entities are chu annotate's on the file
		want=$(for f in "$CHU_DATA"/seeds/*.txt; do
			"$CHU" annotate --format jsonl "$f" | grep -o '"type":"[A-Z]*","text":"[^"]*"' |
				sed "s|\"type\":\"\\([A-Z]*\\)\",\"text\":\"\\(.*\\)\"|$(basename "$f") \\L\\1\\E \\2|"
		done | LC_ALL=C sort -u)
		got=$(sqlite3 "$tmp/t1.db" "SELECT DISTINCT name || ' ' || kind || ' ' || text FROM entities JOIN docs ON docs.id = doc
			WHERE name LIKE '%.txt'" | LC_ALL=C sort -u)
		[ "$(printf '%s\n' "$want" | wc -l)" -gt 100 ] && [ "$got" = "$want" ] && ok ||
			bad "seeds: the index's entities are not chu annotate's: $(printf '%s\n' "$got" >"$tmp/g"; printf '%s\n' "$want" >"$tmp/w"; diff "$tmp/g" "$tmp/w" | head -n 6)"
		# facets counted from docs.facets are those counted from the entities rows (an index of an
		# older chu, without the column's values)
		cp "$tmp/t1.db" "$tmp/old.db"
		sqlite3 "$tmp/old.db" "UPDATE docs SET facets = NULL"
		same=0
		for q in "và" "Việt Nam" "quang nam" "hợp tác"; do
			a=$("$CHU" search --facets --json --limit 1 "$tmp/t1.db" "$q" | tail -n 1)
			b=$("$CHU" search --facets --json --limit 1 "$tmp/old.db" "$q" | tail -n 1)
			[ "$a" = "$b" ] && [ "${#a}" -gt 100 ] && same=$((same + 1))
		done
		[ "$same" = 4 ] && ok || bad "facets from docs.facets differ from those of the entities rows"
		# a person the tagger does not find is no filter match, though the words are capitalized
		[ "$(count "$tmp/t1.db" 'per:"Việt Nam"')" = 0 ] && [ "$(count "$tmp/t1.db" 'loc:"Việt Nam"')" -gt 0 ] &&
			ok || bad 'seeds: per:"Việt Nam" finds documents'
	fi
	for v in 0 65 x ''; do
		"$CHU" index --threads "$v" "$tmp/ndb" "$tmp/m.jsonl" 2>"$tmp/err"
		[ $? -eq 2 ] && grep -q 'threads takes a number' "$tmp/err" && ok || bad "--threads '$v': $(cat "$tmp/err")"
	done
	"$CHU" index --entities=some "$tmp/ndb" "$tmp/m.jsonl" 2>"$tmp/err"
	[ $? -eq 2 ] && grep -q 'models, rules or none' "$tmp/err" && ok || bad "--entities=some: $(cat "$tmp/err")"
else
	echo "skip: models absent: entities from the models"; skip=$((skip + 1))
fi

# the seed articles
S="$CHU_DATA/seeds"
if [ -d "$S" ]; then
	"$CHU" index "$tmp/sdb" "$S" 2>/dev/null
	[ "$(first "$tmp/sdb" '"Sok Siphana"')" = "000_e14039d0eb851080.txt" ] && ok || bad "seeds: Sok Siphana"
	[ "$(first "$tmp/sdb" '"62.000 tỷ đồng"')" = "001_6c9f21b8d05fd83c.txt" ] && ok || bad "seeds: money"
	[ "$(first "$tmp/sdb" 'quan chuc cao cap ASEAN SOM')" = "004_d80b52ecf5bdbf23.txt" ] && ok || bad "seeds: accent-less"
	[ "$(first "$tmp/sdb" '"Chương trình hành động quốc gia" "hòa bình"')" = "002_a316bfa61b80f24d.txt" ] && ok || bad "seeds: tone variant"
	"$CHU" search --json "$tmp/sdb" "Skip Ribbon" | grep -q . && bad "seeds: boilerplate indexed" || ok
else
	echo "skip: seeds absent"; skip=$((skip + 1))
fi
# control bytes a text was given stay in its snippet, and the matched words are still the ones
# marked (they were taken for the snippet's own markers)
printf '{"id":"c1","title":"Thử","text":"Mở đầu \\u0001 giữa \\u0002 Hà Nội cuối."}\n' >"$tmp/ctl.jsonl"
"$CHU" index "$tmp/ctl.db" "$tmp/ctl.jsonl" 2>/dev/null
got=$("$CHU" search --json "$tmp/ctl.db" "Hà Nội")
case "$got" in *'\u0001 giữa \u0002 [Hà Nội] cuối'*) ok ;; *) bad "control bytes in a snippet: $got" ;; esac
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
