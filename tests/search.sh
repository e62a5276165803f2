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
# chu_rank(): the phrase, near and all tiers of chu search in one pass — the words as a phrase
# first, then within 10 tokens (NEAR's reading), then anywhere; without a chain it is bm25()
r() {
	sqlite3 :memory: ".load $BUILD/chu_sqlite" \
		"CREATE VIRTUAL TABLE r USING fts5(title, body, tokenize = 'chu');" \
		"INSERT INTO r VALUES ('far', 'Quảng cáo một hai ba bốn năm sáu bảy tám chín mười mười một, rồi Nam.');" \
		"INSERT INTO r VALUES ('near', 'Nam ở Quảng Ninh.');" \
		"INSERT INTO r VALUES ('phrase', 'Đi Quảng Nam.');" \
		"$1" 2>&1
}
[ "$(r "SELECT group_concat(title, ' ') FROM (SELECT title FROM r WHERE r MATCH '\"=quảng\" AND \"=nam\"' ORDER BY chu_rank(r, 1.0, 1.0, '0 1 | 0 1'));")" = "phrase near far" ] && ok || bad "chu_rank tiers: $(r "SELECT title FROM r WHERE r MATCH '\"=quảng\" AND \"=nam\"' ORDER BY chu_rank(r, 1.0, 1.0, '0 1 | 0 1');")"
[ "$(r "SELECT group_concat(CAST(round(v / 1048576.0) AS INT), ' ') FROM (SELECT chu_rank(r, 1.0, 1.0, '0 1 | 0 1') AS v FROM r WHERE r MATCH '\"=quảng\" AND \"=nam\"' ORDER BY title);")" = "2 1 0" ] && ok || bad "chu_rank tier values"
[ "$(r "SELECT count(*) FROM r WHERE r MATCH '\"=quảng\" AND \"=nam\"' AND abs(chu_rank(r, 1.0, 1.0, '0 1 |') - bm25(r)) < 1e-9;")" = "3" ] && ok || bad "chu_rank without a chain is bm25"
# a term written as an OR of its spellings counts once, as the tokenizer's synonyms do
[ "$(r "SELECT count(*) FROM r WHERE r MATCH '(\"=quảng\" OR \"=quang\") AND \"nam\"' AND abs(chu_rank(r, 1.0, 1.0, '0 0 1 |') - bm25(r)) < 1e-9;")" = "3" ] && ok || bad "chu_rank groups spellings"
for g in "" "0" "0 1 2 |" "x y" "0 1 | 5" "0 1 | 0 0" "99999999999 1 |" "- - | 0"; do
	r "SELECT chu_rank(r, 1.0, 1.0, '$g') FROM r WHERE r MATCH '\"=quảng\" AND \"=nam\"';" | grep -q "chu_rank: the terms do not match the query" && ok || bad "chu_rank accepted groups '$g'"
done
r "SELECT chu_rank(r) FROM r WHERE r MATCH 'nam';" | grep -q "chu_rank: the terms are missing" && ok || bad "chu_rank without groups"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
