/*
 * chu_fts5.c — the FTS5 tokenizer "chu": a thin adapter around chu_search_keys().
 *
 * Built twice: into the chu command (chu_sqlite_register), and with CHU_SQLITE_EXTENSION as the
 * loadable extension build/chu_sqlite.so, whose entry point SQLite finds from the file name:
 *     sqlite3> .load build/chu_sqlite
 *     sqlite3> CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'chu');
 * Tokenizer arguments: tokenize = 'chu model /path/to/seg.chm' adds word keys from that model.
 */
#ifdef CHU_SQLITE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#else
#include <sqlite3.h>
#endif

#include "chu.h"

#include <stdlib.h>
#include <string.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

typedef struct chu_tokenizer {
	chu_ctx *ctx;
	chu_model *model; /* owned; NULL: no word keys */
} chu_tokenizer;

typedef struct emit_ctx {
	void *fts_ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
	int rc; /* what xToken last returned */
} emit_ctx;

static void tok_delete(Fts5Tokenizer *p)
{
	chu_tokenizer *t = (chu_tokenizer *)p;
	if (!t)
		return;
	chu_ctx_free(t->ctx);
	chu_model_close(t->model);
	sqlite3_free(t);
}

static int tok_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	const char *default_model = ud;
	chu_tokenizer *t = sqlite3_malloc(sizeof *t);
	*out = NULL;
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof *t);
	const char *model = default_model;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "model") == 0 && i + 1 < argc)
			model = argv[++i];
		else if (strcmp(argv[i], "nomodel") == 0)
			model = NULL;
		else {
			tok_delete((Fts5Tokenizer *)t);
			return SQLITE_ERROR;
		}
	}
	int rc = chu_ctx_new(NULL, &t->ctx);
	if (rc == CHU_OK && model && *model)
		rc = chu_model_open(model, &t->model);
	if (rc != CHU_OK) {
		tok_delete((Fts5Tokenizer *)t);
		return rc == CHU_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static int emit_key(void *ud, const char *key, size_t len, size_t start, size_t end, int colocated)
{
	emit_ctx *e = ud;
	e->rc = e->xToken(e->fts_ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, key, (int)len, (int)start, (int)end);
	return e->rc;
}

static int tok_tokenize(Fts5Tokenizer *p, void *fts_ctx, int flags, const char *text, int len,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
	chu_tokenizer *t = (chu_tokenizer *)p;
	emit_ctx e = {fts_ctx, xToken, SQLITE_OK};
	int cflags = (flags & FTS5_TOKENIZE_QUERY) ? CHU_SEARCH_QUERY : 0;
	if ((flags & FTS5_TOKENIZE_QUERY) && (flags & FTS5_TOKENIZE_PREFIX))
		cflags |= CHU_SEARCH_PREFIX;
	int rc = chu_search_keys(t->ctx, t->model, text, len > 0 ? (size_t)len : 0, cflags, emit_key, &e);
	if (rc == CHU_OK)
		return SQLITE_OK;
	if (rc == CHU_ECALLBACK)
		return e.rc; /* FTS5 stopped the walk: its own code (SQLITE_NOMEM, …) is the answer */
	return rc == CHU_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

/* db's FTS5 API, or NULL with *rc the reason (SQLITE_NOMEM when memory ran out). */
static fts5_api *fts5_of(sqlite3 *db, int *rc)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	*rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (*rc == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
		*rc = sqlite3_finalize(st);
	}
	if (!api && *rc == SQLITE_OK)
		*rc = SQLITE_ERROR;
	return api;
}

/* chu_match(QUERY) and chu_match(QUERY, N): the MATCH expression of chu's query language
 * (chu_query_compile) for QUERY — its "all" tier (every word; a marked query as written), or
 * its Nth tier counting from 0 (phrase, near, all, look-alike, most: those that apply), NULL
 * past the last. An error for a query that does not parse, with the reason. */
static void match_fn(sqlite3_context *c, int argc, sqlite3_value **v)
{
	chu_ctx *ctx = sqlite3_user_data(c);
	const char *text = (const char *)sqlite3_value_text(v[0]);
	if (!text) {
		sqlite3_result_null(c);
		return;
	}
	chu_query q;
	int rc = chu_query_compile(ctx, NULL, text, (size_t)sqlite3_value_bytes(v[0]), 0, &q);
	if (rc == CHU_ESYNTAX) {
		char *msg = sqlite3_mprintf("chu_match: bad query: %s", q.error);
		sqlite3_result_error(c, msg ? msg : "chu_match: bad query", -1);
		sqlite3_free(msg);
		return;
	}
	if (rc < 0) {
		if (rc == CHU_ENOMEM)
			sqlite3_result_error_nomem(c);
		else
			sqlite3_result_error(c, chu_strerror(rc), -1);
		return;
	}
	size_t pick = q.n_tiers;
	if (argc == 2) {
		sqlite3_int64 n = sqlite3_value_int64(v[1]);
		pick = n >= 0 && (sqlite3_uint64)n < q.n_tiers ? (size_t)n : q.n_tiers;
	} else {
		for (size_t i = 0; i < q.n_tiers && pick == q.n_tiers; i++)
			if (strcmp(q.tiers[i].name, "all") == 0)
				pick = i;
	}
	if (pick == q.n_tiers)
		sqlite3_result_null(c);
	else
		sqlite3_result_text(c, q.tiers[pick].match, -1, SQLITE_TRANSIENT);
}

static void ctx_destroy(void *p) { chu_ctx_free(p); }

/* Registers the tokenizer "chu" on db; model_path (copied, may be NULL) is the default model.
 * Also the SQL function chu_match() (above). */
int chu_sqlite_register(sqlite3 *db, const char *model_path)
{
	int rc;
	fts5_api *api = fts5_of(db, &rc);
	if (!api)
		return (rc & 0xFF) == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
	char *copy = model_path ? sqlite3_mprintf("%s", model_path) : NULL;
	fts5_tokenizer tk = {tok_create, tok_delete, tok_tokenize};
	rc = api->xCreateTokenizer(api, "chu", copy, &tk, copy ? sqlite3_free : NULL);
	if (rc != SQLITE_OK) {
		sqlite3_free(copy); /* FTS5 keeps (and later frees) the copy only when it registered it */
		return rc;
	}
	chu_ctx *qctx = NULL;
	if (chu_ctx_new(NULL, &qctx) != CHU_OK)
		return SQLITE_NOMEM;
	for (int nargs = 1; nargs <= 2 && rc == SQLITE_OK; nargs++) {
		/* the ctx is freed with the last of the two functions: the 2-argument one owns it */
		rc = sqlite3_create_function_v2(db, "chu_match", nargs, SQLITE_UTF8 | SQLITE_DETERMINISTIC, qctx, match_fn, NULL,
		                                NULL, nargs == 2 ? ctx_destroy : NULL);
		if (rc != SQLITE_OK && nargs == 1)
			chu_ctx_free(qctx); /* neither function holds it */
		if (rc != SQLITE_OK && nargs == 2) /* SQLite freed the ctx: the other may not keep it */
			sqlite3_create_function(db, "chu_match", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
	}
	return rc;
}

#ifdef CHU_SQLITE_EXTENSION
__attribute__((visibility("default"))) int sqlite3_chusqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);
__attribute__((visibility("default"))) int sqlite3_chusqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	int rc = chu_sqlite_register(db, getenv("CHU_SQLITE_MODEL"));
	if (rc != SQLITE_OK && err)
		*err = sqlite3_mprintf("chu: FTS5 is not available in this SQLite");
	return rc;
}
#endif
