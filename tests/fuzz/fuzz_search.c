/*
 * fuzz_search.c — search keys, chu_search_query, and the query language of `chu search`.
 *
 * Input: a mode byte, then the text. Mode bits 0-1 pick chu_search_keys' flags (none, QUERY,
 * QUERY|PREFIX, none), bit 2 gives it models/seg.chm (word keys), bit 3 gives chu_search_query
 * models/accent.chm, bit 4 the tone style, bit 5 also indexes the text in the FTS5 table.
 * Checks:
 *  - chu_search_keys: keys are non-empty, well-formed UTF-8, without ASCII capitals, space or
 *    punctuation other than '_' (one key per unit, lowercase); their bytes lie inside the text,
 *    start ≤ end; keys come in order of start; a colocated key has a key before it, at its start;
 *  - chu_search_query: well-formed UTF-8, and a MATCH expression FTS5 accepts;
 *  - the query language (chu_query_compile, with and without CHU_QUERY_ALL): a query it accepts
 *    gives tiers whose MATCH expressions FTS5 accepts on the table `chu index` makes, with the
 *    chu tokenizer (ext/sqlite/chu_fts5.c) reading the query; a query it refuses is
 *    CHU_ESYNTAX with a message.
 */
#include "fuzz.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

static chu_model *seg, *accent;
static chu_ctx *ctxs[2];
static sqlite3 *db;
static sqlite3_stmt *match_st, *insert_st, *delete_st;

typedef struct key_check {
	const char *text;
	size_t len, n, prev_start;
} key_check;

static int on_key(void *ud, const char *key, size_t key_len, size_t start, size_t end, int colocated)
{
	key_check *k = ud;
	FUZZ_CHECK(key_len > 0, "key %zu is empty", k->n);
	FUZZ_CHECK(fuzz_utf8_valid(key, key_len), "key %zu is not UTF-8", k->n);
	for (size_t i = 0; i < key_len; i++) {
		unsigned char c = (unsigned char)key[i];
		FUZZ_CHECK(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_',
		           "key %zu '%.*s' holds byte %#x", k->n, (int)key_len, key, c);
	}
	FUZZ_CHECK(start <= end && end <= k->len, "key %zu at [%zu, %zu) of %zu", k->n, start, end, k->len);
	FUZZ_CHECK(k->n == 0 || start >= k->prev_start, "key %zu at %zu before the one before, at %zu", k->n, start,
	           k->prev_start);
	FUZZ_CHECK(!colocated || (k->n > 0 && start == k->prev_start), "key %zu colocated at %zu, the one before at %zu",
	           k->n, start, k->prev_start);
	k->prev_start = start;
	k->n++;
	return 0;
}

/* Runs a MATCH expression on the table; FTS5 must accept its syntax. */
static void check_match(const char *expr, const char *what)
{
	sqlite3_reset(match_st);
	sqlite3_bind_text(match_st, 1, expr, -1, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sqlite3_step(match_st)) == SQLITE_ROW)
		;
	FUZZ_CHECK(rc == SQLITE_DONE || rc == SQLITE_NOMEM, "%s: FTS5 rejects MATCH '%.300s' (%zu bytes): %s", what, expr, strlen(expr),
	           sqlite3_errmsg(db));
}

static void setup(void)
{
	seg = fuzz_model("seg.chm"), accent = fuzz_model("accent.chm");
	ctxs[0] = fuzz_ctx(0), ctxs[1] = fuzz_ctx(1);
	const char *repo = getenv("CHU_REPO");
	char path[4096];
	snprintf(path, sizeof path, "%s/models/seg.chm", repo && *repo ? repo : CHU_REPO);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || chu_sqlite_register(db, path) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, tokenize = 'chu');", NULL, NULL,
	                 NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?1", -1, &match_st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO docs_fts(rowid, title, body) VALUES (1, ?1, ?1)", -1, &insert_st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM docs_fts", -1, &delete_st, NULL) != SQLITE_OK) {
		fprintf(stderr, "fuzz: SQLite setup: %s\n", db ? sqlite3_errmsg(db) : "no database");
		exit(2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		setup();
	fuzz_input in = {data, size};
	unsigned mode = fuzz_byte(&in);
	const char *text = (const char *)in.p;
	size_t len = in.n;
	chu_ctx *ctx = ctxs[(mode >> 4) & 1];
	static const int flag_sets[4] = {0, CHU_SEARCH_QUERY, CHU_SEARCH_QUERY | CHU_SEARCH_PREFIX, 0};

	key_check k = {text, len, 0, 0};
	int rc = chu_search_keys(ctx, (mode & 4) ? seg : NULL, text, len, flag_sets[mode & 3], on_key, &k);
	FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM, "chu_search_keys: %s", chu_strerror(rc));

	if (mode & 32) {
		sqlite3_reset(insert_st);
		sqlite3_bind_text(insert_st, 1, text, (int)len, SQLITE_TRANSIENT);
		rc = sqlite3_step(insert_st);
		FUZZ_CHECK(rc == SQLITE_DONE || rc == SQLITE_NOMEM, "indexing the text: %s", sqlite3_errmsg(db));
	}

	const char *q = NULL;
	size_t q_len = 0;
	rc = chu_search_query(ctx, (mode & 8) ? accent : NULL, text, len, &q, &q_len);
	FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM, "chu_search_query: %s", chu_strerror(rc));
	if (rc == CHU_OK) {
		FUZZ_CHECK(q && q[q_len] == '\0' && fuzz_utf8_valid(q, q_len), "chu_search_query: not UTF-8");
		if (q_len > 0 && strlen(q) == q_len)
			check_match(q, "chu_search_query");
	}

	/* the query language, on the text up to its first NUL (as argv gives it) */
	size_t ql = strnlen(text, len);
	chu_query cq;
	rc = chu_query_compile(ctx, (mode & 8) ? accent : NULL, text, ql, (mode & 64) ? CHU_QUERY_ALL : 0, &cq);
	FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM || (rc == CHU_ESYNTAX && cq.error && *cq.error), "chu_query_compile: %s",
	           chu_strerror(rc));
	if (rc == CHU_OK) {
		FUZZ_CHECK(cq.n_tiers >= 1 && cq.n_tiers <= 6, "chu_query_compile: %zu tiers", cq.n_tiers);
		for (size_t i = 0; i < cq.n_tiers; i++) {
			FUZZ_CHECK(fuzz_utf8_valid(cq.tiers[i].match, strlen(cq.tiers[i].match)), "tier %zu: not UTF-8", i);
			check_match(cq.tiers[i].match, cq.tiers[i].name);
		}
		for (size_t i = 0; i < cq.n_filters; i++)
			FUZZ_CHECK(cq.filters[i].text && cq.filters[i].field, "filter %zu", i);
	}

	if (mode & 32) {
		sqlite3_reset(delete_st);
		sqlite3_step(delete_st);
	}
	return 0;
}
