#!/bin/sh
# chu index survives SIGKILL at any moment. A corpus written here (.txt articles and .jsonl
# records with JSON escapes, Vietnamese sentences varied by counters) is indexed once
# uninterrupted, which gives a full run's duration T; then, CHU_KILL_RUNS times (default 3;
# `make test-long` runs 24), an index run is killed with SIGKILL after a random delay spread
# over T (up to 1.1 T: some runs finish first) and run again to the end:
#   fresh   the first indexing of an empty database is killed;
#   twice   the same, then the run that recovers it is killed too;
#   edit    some files are edited (.txt titles and bodies; a .jsonl file's records changed and
#           records added), and the re-index that must replace their documents is killed;
#   revert  the same edit, but the re-index is killed right after its first commit (polled),
#           which falls inside the replacement of the edited .jsonl file; then the edit is
#           undone (the files written again as they were) before the run that completes it.
# Runs cycle fresh, edit, revert, twice, edit, revert: make test's three see each kind but
# "twice".
# After the completing run the database must be whole: PRAGMA integrity_check says ok, the FTS5
# index agrees with its content ('integrity-check', with the chu tokenizer loaded from
# chu_sqlite.so), there is exactly one document per source document and one FTS row per
# document, no entity names a missing document, and every document's stored title and body are
# byte for byte those of its source (for a .txt file: its first line, and the lines after it;
# for a .jsonl record: its decoded "title" and "text"), edits included. The reference run gets the
# same checks, so a failure there is a mismatch between this script and the indexer, not a crash.
# Why: the indexer promises that a killed run keeps what it committed and a re-run finishes the
# rest (cli/index.c); a torn WAL, a source row written before its documents, a replaced file
# whose old documents survive, or a file taken as unchanged (same content hash as its row) whose
# documents a killed run had half replaced would all show up here.
# CHU_CRASH_SEED fixes the random delays (each run prints the seed that reproduces it).
: "${CHU:=build/chu}"
: "${CHU_KILL_RUNS:=3}"
unset CHU_SQLITE_MODEL
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tmp=$(cd "$tmp" && pwd -P)
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL crash.sh: $*"; }

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "skip: no sqlite3 shell"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
ext=$(dirname "$CHU")/chu_sqlite.so
case "$ext" in /*) ;; *) ext=$(pwd -P)/$ext ;; esac
ext=${ext%.so}
[ -f "$ext.so" ] || echo "skip: no $ext.so: the FTS5 index is not checked against its content"

# ---- the corpus -----------------------------------------------------------------------------
# gen.awk writes generation G of the corpus into dir (every file when all=1, else only the files
# that generation G edits) and, into sql, the table expect(title, body) of every document.
# Edit generation e touches the .txt files k with k % 5 == e % 5 and .jsonl file e % 4; a file's
# content depends on the last generation that touched it, and grows with each edit: the
# indexer skips a file whose size and mtime (in seconds) are unchanged, so an edit of the same
# size in the same second would be lost — a defect of its own, not what this test is about.
# (A revert run writes an older generation back on purpose.)
cat >"$tmp/gen.awk" <<'AWK'
function last_edit(kind, k, g,    e) {
	for (e = g; e >= 1; e--)
		if ((kind == "t" && k % 5 == e % 5) || (kind == "j" && k == e % 4))
			return e
	return 0
}
function sentence(n) {
	return subj[n % 8] " " verb[int(n / 8) % 7] " " obj[int(n / 56) % 9] " " place[int(n / 504) % 10] \
		" vào ngày " (n % 28 + 1) " tháng " (n % 12 + 1) ", có " (n * 7 % 900 + 12) " người tham dự."
}
function sq(s) { gsub(/'/, "''", s); return "'" s "'" }
function js(s,    parts, n, i, out) {
	gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); gsub(/\n/, "\\n", s)
	if (!uesc)
		return s
	n = split(s, parts, "à")
	out = parts[1]
	for (i = 2; i <= n; i++)
		out = out "\\u00e0" parts[i]
	return out
}
function expect(title, body) { print "INSERT INTO expect VALUES(" sq(title) ", " sq(body) ");" >sql }
BEGIN {
	split("Hội phụ nữ xã|Nông dân trong vùng|Các em học sinh|Ban quản lý dự án|Người dân ven biển|Đoàn thanh niên|Bác sĩ trạm y tế|Hợp tác xã", a, "|")
	for (i = 0; i < 8; i++) subj[i] = a[i + 1]
	split("tổ chức|thảo luận về|chuẩn bị cho|tham gia|ủng hộ|báo cáo kết quả của|mở rộng", a, "|")
	for (i = 0; i < 7; i++) verb[i] = a[i + 1]
	split("mùa lúa mới|ngày hội đọc sách|chương trình tiêm chủng|công trình kè chắn sóng|lớp học tiếng Anh|phiên chợ nông sản|dự án nước sạch|cuộc thi \"Em yêu hoà bình\"|giải bóng đá thiếu niên", a, "|")
	for (i = 0; i < 9; i++) obj[i] = a[i + 1]
	split("ở Đà Nẵng|tại Hoà Bình|ở Cần Thơ|tại Quảng Ngãi|ở Hà Giang|tại Huế|ở Bến Tre|tại Lào Cai|ở Phú Yên|tại Cà Mau", a, "|")
	for (i = 0; i < 10; i++) place[i] = a[i + 1]
	print "CREATE TABLE expect(title TEXT, body TEXT);\nBEGIN;" >sql
	for (k = 0; k < 40; k++) {
		v = last_edit("t", k, g)
		title = "Bản tin số " k ": " subj[k % 8] " " place[k % 10]
		if (v)
			title = title " (cập nhật lần " v ")"
		body = ""
		for (s = 0; s < 3 + k % 4; s++)
			body = body sentence(k * 13 + s) (s % 2 ? "\n" : " ")
		body = body "Hết tin số " k ".\n"
		for (e = 1; e <= v; e++)
			if (k % 5 == e % 5)
				body = body "Bản sửa lần " e " của tin số " k " thêm chi tiết mới về " obj[e % 9] ".\n"
		expect(title, body)
		f = sprintf("%s/tin%02d.txt", dir, k)
		if (all || v == g) {
			printf "%s\n%s", title, body >f
			close(f)
		}
	}
	for (j = 0; j < 4; j++) {
		v = last_edit("j", j, g)
		f = sprintf("%s/kho%d.jsonl", dir, j)
		w = all || (v == g && g > 0)
		for (r = 0; r < 1000 + v; r++) {
			title = "Bản ghi " r " của kho " j
			text = sentence(j * 1000 + r) "\n" sentence(r * 3 + j) " " sentence(r * 5 + 1) " " sentence(r * 11 + 2) \
				"\n" sentence(r * 17 + j) " " sentence(r * 2 + 3)
			for (e = 1; e <= v; e++)
				if (r % 7 == e % 7 || r >= 1000)
					text = text " Đã sửa ở lần " e "."
			expect(title, text)
			uesc = r % 50 == 0
			if (w)
				print "{\"id\":\"b" j "-" r "\",\"title\":\"" js(title) "\",\"text\":\"" js(text) "\",\"date\":\"2020-0" (r % 9 + 1) "-1" (r % 10) "\"}" >f
		}
		if (w)
			close(f)
	}
	print "COMMIT;" >sql
}
AWK
nfiles=44 # the files gen.awk writes
# gen G ALL: writes generation G (all files when ALL is 1) and $tmp/expect.db for it.
gen() {
	rm -f "$tmp/expect.db" "$tmp/expect.sql"
	LC_ALL=C awk -v g="$1" -v all="$2" -v dir="$tmp/corpus" -v sql="$tmp/expect.sql" -f "$tmp/gen.awk" &&
		sqlite3 "$tmp/expect.db" <"$tmp/expect.sql"
}

# check DB WHAT: every property of a whole index; WHAT names the run in messages.
check() {
	db=$1 what=$2
	r=$(sqlite3 "$db" "PRAGMA integrity_check;" 2>&1)
	[ "$r" = ok ] && ok || bad "$what: integrity_check: $(echo "$r" | head -n 5)"
	# an ASan build's extension cannot be loaded into the stock sqlite3 shell (its runtime must
	# come first): the FTS5 check runs in make test, not in make asan
	if [ -f "$ext.so" ] && [ -z "${CHU_ASAN:-}" ]; then
		r=$(sqlite3 -cmd ".load $ext" "$db" "INSERT INTO docs_fts(docs_fts) VALUES('integrity-check');" 2>&1)
		[ $? -eq 0 ] && [ -z "$r" ] && ok || bad "$what: FTS5 integrity-check: $r"
	else
		skip=$((skip + 1))
	fi
	want=$(sqlite3 "$tmp/expect.db" "SELECT count(*) FROM expect;")
	r=$(sqlite3 "$db" "SELECT count(*), count(DISTINCT key) FROM docs;
		SELECT count(*) FROM docs_fts_docsize; SELECT count(*) FROM docs_fts_content;
		SELECT count(*) FROM sources;
		SELECT count(*) FROM entities WHERE doc NOT IN (SELECT id FROM docs);" 2>&1 | tr '\n' ' ')
	[ "$r" = "$want|$want $want $want $nfiles 0 " ] &&
		ok || bad "$what: want $want documents, FTS rows and FTS content, $nfiles sources, 0 orphan entities: got $r"
	# stored text against the source, in both directions (titles are unique)
	# (the FTS5 content table holds title and body as c0 and c1: no tokenizer needed to read them)
	r=$(sqlite3 "$db" "ATTACH '$tmp/expect.db' AS x;
		CREATE TEMP TABLE got AS SELECT c.c0 AS title, c.c1 AS body FROM docs d JOIN docs_fts_content c ON c.id = d.id;
		SELECT 'missing or different: ' || title FROM (SELECT title, body FROM x.expect EXCEPT SELECT title, body FROM got) LIMIT 3;
		SELECT 'not in the source: ' || title FROM (SELECT title, body FROM got EXCEPT SELECT title, body FROM x.expect) LIMIT 3;
		SELECT 'title column differs: ' || d.title FROM docs d JOIN docs_fts_content c ON c.id = d.id WHERE d.title IS NOT c.c0 LIMIT 3;" 2>&1)
	[ -z "$r" ] && ok || bad "$what: stored text: $(echo "$r" | tr '\n' ';')"
}

# elapsed CMD…: runs CMD (its output thrown away) and prints its wall-clock seconds.
elapsed() {
	command time -p "$@" 2>"$tmp/time" >/dev/null
	sed -n 's/^real //p' "$tmp/time" | tail -n 1
}

# ---- the reference run ----------------------------------------------------------------------
mkdir -p "$tmp/corpus"
gen 0 1 || { bad "cannot write the corpus"; echo "$pass passed, $fail failed, $skip skipped"; exit 1; }
t_full=$(elapsed "$CHU" index "$tmp/ref.db" "$tmp/corpus")
check "$tmp/ref.db" "uninterrupted run"
# how long a re-index after an edit takes (generation 1, on a copy of the reference)
cp "$tmp/ref.db" "$tmp/edit.db"
gen 1 0
t_edit=$(elapsed "$CHU" index "$tmp/edit.db" "$tmp/corpus")
check "$tmp/edit.db" "uninterrupted re-index after an edit"
"$CHU" search --json --limit 1000 "$tmp/edit.db" '"cập nhật lần 1"' 2>/dev/null | grep -c '^{' >"$tmp/n"
[ "$(cat "$tmp/n")" = 8 ] && ok || bad "uninterrupted re-index: the edited titles are found $(cat "$tmp/n") times, want 8"
echo "a full run takes ${t_full:-?} s, a re-index after an edit ${t_edit:-?} s"
rm -f "$tmp/edit.db"*

# ---- the kill runs ----------------------------------------------------------------------------
seed=${CHU_CRASH_SEED:-$(awk -v p="$$" 'BEGIN { srand(); print (srand() + p) % 1000000 }')}
# delay N T: the Nth random delay in [0, 1.1 T) seconds for this seed
delay() { awk -v s="$seed" -v n="$1" -v t="${2:-1}" 'BEGIN { srand(s % 1000000 * 1000 + n); printf "%.3f", rand() * t * 1.1 }'; }
# kill_index DB DELAY: starts chu index, SIGKILLs it after DELAY seconds; prints what happened
kill_index() {
	"$CHU" index "$1" "$tmp/corpus" 2>/dev/null &
	pid=$!
	sleep "$2"
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	if [ "$st" -eq 137 ]; then echo "killed after $2 s with $(committed "$1") documents committed"; else echo "ended (status $st) before the kill at $2 s"; fi
}
# committed DB: its documents, counted on a copy: the run after a kill must find the files
# exactly as the kill left them (a reader may recover the WAL)
committed() {
	rm -rf "$tmp/peek" && mkdir "$tmp/peek"
	for f in "$1" "$1-wal" "$1-journal"; do [ -f "$f" ] && cp "$f" "$tmp/peek/"; done
	n=$(sqlite3 "$tmp/peek/$(basename "$1")" "SELECT count(*) FROM docs;" 2>/dev/null)
	echo "${n:-0}"
}
# kill_after_commit DB: starts chu index, SIGKILLs it as soon as it has committed a change to
# the documents (polled with a reader, which WAL allows); prints what happened
kill_after_commit() {
	q="SELECT count(*) || ' ' || max(id) FROM docs;"
	was=$(sqlite3 -readonly -cmd ".timeout 2000" "$1" "$q" 2>/dev/null)
	"$CHU" index "$1" "$tmp/corpus" 2>/dev/null &
	pid=$!
	polls=0
	while [ "$polls" -lt 10000 ] && kill -0 "$pid" 2>/dev/null; do
		now=$(sqlite3 -readonly -cmd ".timeout 2000" "$1" "$q" 2>/dev/null) # empty while locked
		[ -n "$now" ] && [ "$now" != "$was" ] && break
		polls=$((polls + 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	if [ "$st" -eq 137 ]; then echo "killed after its first commit, with $(committed "$1") documents"; else echo "ended (status $st) before its first commit was seen"; fi
}
g=1 killed=0
i=1
while [ "$i" -le "$CHU_KILL_RUNS" ]; do
	case $((i % 6)) in 1) mode=fresh ;; 4) mode=twice ;; 2 | 5) mode=edit ;; *) mode=revert ;; esac
	what="run $i ($mode, seed $seed)"
	if [ "$mode" = edit ]; then
		# the database of the previous run, and the next generation of edits
		g=$((g + 1))
		gen "$g" 0
		r=$(kill_index "$tmp/db" "$(delay "$i" "$t_edit")" 2>/dev/null)
	elif [ "$mode" = revert ]; then
		gen $((g + 1)) 0
		r=$(kill_after_commit "$tmp/db" 2>/dev/null)
		gen "$g" 1
		r="$r; edit $((g + 1)) undone"
	else
		rm -f "$tmp/db" "$tmp/db-wal" "$tmp/db-shm" "$tmp/db-journal"
		r=$(kill_index "$tmp/db" "$(delay "$i" "$t_full")" 2>/dev/null)
		if [ "$mode" = twice ]; then
			r="$r; then $(kill_index "$tmp/db" "$(delay "$((i + 500))" "$t_full")" 2>/dev/null)"
		fi
	fi
	case $r in killed*) killed=$((killed + 1)) ;; esac
	echo "$what: $r"
	"$CHU" index "$tmp/db" "$tmp/corpus" 2>"$tmp/err" && ok || bad "$what: the run after the kill: $(head -c 300 "$tmp/err")"
	check "$tmp/db" "$what"
	if [ "$mode" = edit ] || [ "$mode" = revert ]; then
		n=$("$CHU" search --json --limit 1000 "$tmp/db" "\"cập nhật lần $g\"" 2>/dev/null | grep -c '^{')
		[ "$n" = 8 ] && ok || bad "$what: the titles of edit $g are found $n times, want 8"
	fi
	i=$((i + 1))
done
echo "$killed of $CHU_KILL_RUNS runs were killed mid-way (seed $seed)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
