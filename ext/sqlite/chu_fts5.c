/*
 * chu_fts5.c — the FTS5 tokenizer "chu": a thin adapter around chu_search_keys().
 *
 * Built twice: into the chu command (chu_sqlite_register), and with CHU_SQLITE_EXTENSION as the
 * loadable extension build/chu_sqlite.so, whose entry point SQLite finds from the file name:
 *     sqlite3> .load build/chu_sqlite
 *     sqlite3> CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'chu');
 * Tokenizer arguments: tokenize = 'chu model /path/to/seg.chm' adds word keys from that model.
 * Also the auxiliary function chu_rank() (below), with which chu search ranks its phrase, near
 * and all tiers in one pass.
 */
#ifdef CHU_SQLITE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#else
#include <sqlite3.h>
#endif

#include "chu.h"

#include <math.h>
#include <stdint.h>
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


/* ---- chu_rank(): the phrase, near and all tiers in one pass ---- */

/* chu_rank(TABLE, W0, W1, …, GROUPS): for a MATCH of the "all" tier, a value to ORDER BY that
 * puts the rows where the chain's words stand as a phrase first, then those where they stand
 * within CHU_RANK_NEAR tokens of each other (as FTS5's NEAR(…, 10) reads it), then the others,
 * and within each by bm25 — computed as FTS5's bm25(TABLE, W0, W1, …) computes it (k1 1.2, b 0.75,
 * Wc the weight of column c), but over the query's terms rather than its phrases: a term written
 * as an OR of its spellings counts as one, its documents those that hold any of them.
 * GROUPS (text) names, for each phrase of the MATCH in order, its term: a number, or '-' for a
 * phrase that does not count (an exclusion); then '|' and the terms of the chain, the query's
 * plain words in order ("0 0 1 2 - | 0 1 2"). Fewer than two chain terms: every row is in the
 * first tier. The value is tier * CHU_RANK_TIER + bm25 (bm25 ≤ 0, and above -CHU_RANK_TIER):
 * chu__rank_tier() and chu__rank_bm25() read it back. */
#define CHU_RANK_NEAR 10
#define CHU_RANK_TIER 1048576.0
#define CHU_RANK_TERMS 64 /* terms a query has at most (query.c allows 64) */

typedef struct rank_inst {
	int64_t pos;  /* column << 32 | offset of its first token */
	int len;      /* its tokens */
	int word;     /* its place in the chain */
} rank_inst;

typedef struct rank_data {
	int n_phrases;
	int *term;              /* [n_phrases]: the term of each phrase, -1: none */
	int *len;               /* [n_phrases]: tokens in each phrase */
	int n_terms;            /* 1 + the largest term named */
	int chain[CHU_RANK_TERMS], n_chain;
	int word_of[CHU_RANK_TERMS]; /* the place of a term in the chain, -1: none */
	double idf[CHU_RANK_TERMS];
	double avgdl;
	double freq[CHU_RANK_TERMS];
	rank_inst *inst; /* scratch for one row's chain instances */
	int inst_cap;
	int64_t last[CHU_RANK_TERMS]; /* scratch: the last start of each chain word, and its length */
	int last_len[CHU_RANK_TERMS];
} rank_data;

static void rank_data_free(void *p)
{
	rank_data *d = p;
	if (!d)
		return;
	sqlite3_free(d->term);
	sqlite3_free(d->len);
	sqlite3_free(d->inst);
	sqlite3_free(d);
}

/* Reads a term number at *s (moving past it) into *t: false when there is none or it is past
 * CHU_RANK_TERMS. */
static int rank_number(const char **s, int *t)
{
	const char *p = *s;
	int v = 0;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v >= CHU_RANK_TERMS)
			return 0;
	}
	*s = p;
	*t = v;
	return 1;
}

/* Reads GROUPS into d; false when it does not read or does not fit the query's phrases. */
static int rank_parse(rank_data *d, const char *s)
{
	int i = 0, t;
	d->n_terms = d->n_chain = 0;
	for (int k = 0; k < CHU_RANK_TERMS; k++)
		d->word_of[k] = -1;
	while (*s && *s != '|') {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (*s == '-') {
			t = -1;
			s++;
		} else if (!rank_number(&s, &t)) {
			return 0;
		}
		if (i >= d->n_phrases)
			return 0;
		d->term[i++] = t;
		if (t + 1 > d->n_terms)
			d->n_terms = t + 1;
	}
	if (i != d->n_phrases)
		return 0;
	if (*s == '|')
		s++;
	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (!rank_number(&s, &t) || t >= d->n_terms || d->word_of[t] >= 0)
			return 0;
		d->word_of[t] = d->n_chain;
		d->chain[d->n_chain++] = t;
	}
	return 1;
}

/* Counts the rows of one phrase's xQueryPhrase into a bitmap of rowids (a term's documents are
 * those of any of its phrases); a rowid out of the bitmap's reach is counted apart. */
typedef struct rank_count {
	uint64_t *bits;
	int64_t cap_bits;
	int64_t n, apart;
	int rc;
} rank_count;

static int rank_count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
	rank_count *c = ud;
	sqlite3_int64 id = api->xRowid(fts);
	if (id < 0 || id >= ((sqlite3_int64)1 << 30)) {
		c->apart++;
		return SQLITE_OK;
	}
	if (id >= c->cap_bits) {
		int64_t cap = c->cap_bits ? c->cap_bits : 65536;
		while (cap <= id)
			cap *= 2;
		uint64_t *b = sqlite3_realloc64(c->bits, (sqlite3_uint64)(cap / 8));
		if (!b)
			return c->rc = SQLITE_NOMEM;
		memset(b + c->cap_bits / 64, 0, (size_t)((cap - c->cap_bits) / 8));
		c->bits = b;
		c->cap_bits = cap;
	}
	uint64_t m = (uint64_t)1 << (id & 63);
	if (!(c->bits[id >> 6] & m)) {
		c->bits[id >> 6] |= m;
		c->n++;
	}
	return SQLITE_OK;
}

/* The query's data, worked out on the first row: the terms, their idf and the mean row length. */
static int rank_data_get(const Fts5ExtensionApi *api, Fts5Context *fts, const char *groups, rank_data **out)
{
	rank_data *d = api->xGetAuxdata(fts, 0);
	if (d) {
		*out = d;
		return SQLITE_OK;
	}
	d = sqlite3_malloc(sizeof *d);
	if (!d)
		return SQLITE_NOMEM;
	memset(d, 0, sizeof *d);
	d->n_phrases = api->xPhraseCount(fts);
	int n = d->n_phrases ? d->n_phrases : 1;
	d->term = sqlite3_malloc64(sizeof(int) * (size_t)n);
	d->len = sqlite3_malloc64(sizeof(int) * (size_t)n);
	if (!d->term || !d->len) {
		rank_data_free(d);
		return SQLITE_NOMEM;
	}
	if (!rank_parse(d, groups)) {
		rank_data_free(d);
		return SQLITE_ERROR;
	}
	for (int i = 0; i < d->n_phrases; i++)
		d->len[i] = api->xPhraseSize(fts, i);
	sqlite3_int64 rows = 0, tokens = 0;
	int rc = api->xRowCount(fts, &rows);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &tokens);
	d->avgdl = rows ? (double)tokens / (double)rows : 0.0;
	rank_count c = {0};
	for (int t = 0; t < d->n_terms && rc == SQLITE_OK; t++) {
		c.n = c.apart = 0;
		if (c.bits)
			memset(c.bits, 0, (size_t)(c.cap_bits / 8));
		for (int i = 0; i < d->n_phrases && rc == SQLITE_OK; i++)
			if (d->term[i] == t)
				rc = api->xQueryPhrase(fts, i, &c, rank_count_row);
		if (c.rc != SQLITE_OK)
			rc = c.rc;
		double hits = (double)(c.n + c.apart);
		double idf = log(((double)rows - hits + 0.5) / (hits + 0.5));
		d->idf[t] = idf <= 0.0 ? 1e-6 : idf;
	}
	sqlite3_free(c.bits);
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, d, rank_data_free);
	else
		rank_data_free(d);
	if (rc == SQLITE_OK)
		*out = d;
	return rc;
}

static int inst_cmp(const void *a, const void *b)
{
	const rank_inst *x = a, *y = b;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Do the chain's words stand one after another somewhere in the row: each word's instance ending
 * where the next one's begins, in one column? (in[0, n) sorted by position) */
static int rank_phrase(const rank_data *d, const rank_inst *in, int n)
{
	for (int i = 0; i < n; i++) {
		if (in[i].word != 0)
			continue;
		int64_t want = in[i].pos + in[i].len;
		int w = 1, j = i + 1;
		while (w < d->n_chain) {
			while (j < n && (in[j].pos < want || (in[j].pos == want && in[j].word != w)))
				j++;
			if (j == n || in[j].pos != want)
				break;
			want += in[j].len;
			w++;
		}
		if (w == d->n_chain)
			return 1;
	}
	return 0;
}

/* Are the chain's words near each other, as FTS5's NEAR reads it: an instance of each whose
 * start is at most CHU_RANK_NEAR tokens past its end, measured to the last start of the group,
 * in one column? */
static int rank_near(rank_data *d, const rank_inst *in, int n)
{
	for (int w = 0; w < d->n_chain; w++)
		d->last[w] = INT64_MIN;
	for (int i = 0; i < n;) {
		int64_t at = in[i].pos;
		for (; i < n && in[i].pos == at; i++) {
			d->last[in[i].word] = at;
			d->last_len[in[i].word] = in[i].len;
		}
		int ok = 1;
		for (int w = 0; w < d->n_chain && ok; w++)
			ok = d->last[w] != INT64_MIN && d->last[w] + d->last_len[w] + CHU_RANK_NEAR >= at;
		if (ok)
			return 1;
	}
	return 0;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *c, int nv, sqlite3_value **v)
{
	if (nv < 1) {
		sqlite3_result_error(c, "chu_rank: the terms are missing", -1);
		return;
	}
	const char *groups = (const char *)sqlite3_value_text(v[nv - 1]);
	rank_data *d = NULL;
	int rc = rank_data_get(api, fts, groups ? groups : "", &d);
	if (rc == SQLITE_ERROR) {
		sqlite3_result_error(c, "chu_rank: the terms do not match the query", -1);
		return;
	}
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(c, rc);
		return;
	}
	int ninst = 0;
	rc = api->xInstCount(fts, &ninst);
	if (rc == SQLITE_OK && d->n_chain >= 2 && ninst > d->inst_cap) {
		rank_inst *in = sqlite3_realloc64(d->inst, sizeof *in * (size_t)ninst);
		if (!in)
			rc = SQLITE_NOMEM;
		else
			d->inst = in, d->inst_cap = ninst;
	}
	memset(d->freq, 0, sizeof d->freq);
	int nin = 0, sorted = 1;
	for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
		int ip, ic, io;
		rc = api->xInst(fts, i, &ip, &ic, &io);
		if (rc != SQLITE_OK || ip < 0 || ip >= d->n_phrases || d->term[ip] < 0)
			continue;
		int t = d->term[ip];
		d->freq[t] += nv - 1 > ic ? sqlite3_value_double(v[ic]) : 1.0;
		if (d->n_chain >= 2 && d->word_of[t] >= 0) {
			rank_inst x = {(int64_t)ic << 32 | (int64_t)(uint32_t)io, d->len[ip], d->word_of[t]};
			sorted = sorted && (nin == 0 || d->inst[nin - 1].pos <= x.pos);
			d->inst[nin++] = x;
		}
	}
	int tokens = 0;
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, -1, &tokens);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(c, rc);
		return;
	}
	const double k1 = 1.2, b = 0.75;
	double score = 0.0, D = (double)tokens;
	for (int t = 0; t < d->n_terms; t++)
		score += d->idf[t] * ((d->freq[t] * (k1 + 1.0)) / (d->freq[t] + k1 * (1 - b + b * D / d->avgdl)));
	int tier = 0;
	if (d->n_chain >= 2) {
		if (!sorted)
			qsort(d->inst, (size_t)nin, sizeof *d->inst, inst_cmp);
		tier = rank_phrase(d, d->inst, nin) ? 0 : rank_near(d, d->inst, nin) ? 1 : 2;
	}
	double bm25 = -score;
	if (bm25 <= -CHU_RANK_TIER)
		bm25 = -CHU_RANK_TIER + 1.0;
	sqlite3_result_double(c, tier * CHU_RANK_TIER + bm25);
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
	rc = api->xCreateFunction(api, "chu_rank", NULL, rank_fn, NULL);
	if (rc != SQLITE_OK)
		return rc;
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
