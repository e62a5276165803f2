#!/bin/sh
# The loadable extension in the stock sqlite3 shell: .load, an FTS5 table with tokenize='chu',
# accent-less and tone-variant queries, exact highlights.
: "${BUILD:=build}"
if [ -n "${CHU_ASAN:-}" ]; then
	echo "skip: the sanitizer build of the extension cannot load into the stock sqlite3"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
if ! command -v sqlite3 >/dev/null; then
	echo "skip: no sqlite3 shell"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL search.sh: $*"; }
q() {
	sqlite3 :memory: ".load $BUILD/chu_sqlite" \
		"CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'chu');" \
		"INSERT INTO t VALUES ('a', 'Đoàn đại biểu phụ nữ thăm Đà Nẵng và bàn về hoà bình.');" \
		"INSERT INTO t VALUES ('b', 'Thợ đá chở đá nặng lên đồi.');" \
		"$1" 2>&1
}
[ "$(q "SELECT title FROM t WHERE t MATCH 'phu nu';")" = "a" ] && ok || bad "accent-less query: $(q "SELECT title FROM t WHERE t MATCH 'phu nu';")"
[ "$(q "SELECT title FROM t WHERE t MATCH '\"hòa bình\"';")" = "a" ] && ok || bad "tone variant"
[ "$(q "SELECT title FROM t WHERE t MATCH '\"Đà Nẵng\"';")" = "a" ] && ok || bad "accented query found a look-alike"
[ "$(q "SELECT count(*) FROM t WHERE t MATCH '\"da nang\"';")" = "2" ] && ok || bad "accent-less query misses a spelling"
[ "$(q "SELECT highlight(t, 1, '<', '>') FROM t WHERE t MATCH '\"da nang\"' AND title = 'a';")" = "Đoàn đại biểu phụ nữ thăm <Đà Nẵng> và bàn về hoà bình." ] && ok || bad "highlight"
# prefixes typed without marks reach marked syllables; with marks, only that spelling
[ "$(q "SELECT title FROM t WHERE t MATCH 'doa*';")" = "a" ] && ok || bad "accent-less prefix doa*"
[ "$(q "SELECT count(*) FROM t WHERE t MATCH 'da*';")" = "2" ] && ok || bad "accent-less prefix da*"
[ "$(q "SELECT title FROM t WHERE t MATCH 'nặ*';")" = "b" ] && ok || bad "marked prefix nặ*"
[ "$(q "SELECT title FROM t WHERE t MATCH 'NEAR(dai bieu, 1)';")" = "a" ] && ok || bad "NEAR with accent-less terms"
# chu_match(): the query language in SQL; a marked query as written ("nang" is not "nặng")
[ "$(q "SELECT title FROM t WHERE t MATCH chu_match('đá nang');")" = "" ] && ok || bad "chu_match as written"
[ "$(q "SELECT title FROM t WHERE t MATCH chu_match('đá nặng');")" = "b" ] && ok || bad "chu_match"
[ "$(q "SELECT title FROM t WHERE t MATCH chu_match('Đà Nẵng', 3) ORDER BY title;")" = "a
b" ] && ok || bad "chu_match tier 3 (look-alikes)"
[ "$(q "SELECT chu_match('Đà Nẵng', 9) IS NULL;")" = "1" ] && ok || bad "chu_match past the last tier"
q "SELECT chu_match('vd:x');" | grep -q "chu_match: bad query: unknown field vd:" && ok || bad "chu_match error: $(q "SELECT chu_match('vd:x');")"
[ "$(q "SELECT title FROM t WHERE t MATCH '\"cho da\"';")" = "b" ] && ok || bad "accent-less phrase"
q "CREATE VIRTUAL TABLE u USING fts5(x, tokenize = 'chu nonsense');" | grep -q "error" && ok || bad "bad tokenizer argument accepted"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
