/*
 * chu_pg.c — the PostgreSQL extension "chu": a text-search parser, a dictionary and a query
 * function, each a thin adapter around libchu (the way contrib's test_parser is four functions
 * around a parser). What is a unit, what its key is, which spellings an unmarked query term has:
 * all of that is chu_search_keys(), exactly as the SQLite tokenizer (ext/sqlite/chu_fts5.c) uses it,
 * so the two indexes hold the same keys.
 *
 *   parser chu        splits text into the units chu_search_keys() finds ("word", "numword") and
 *                     the bytes between them ("blank"), each token the ORIGINAL bytes of the text,
 *                     so ts_headline (the built-in prsd_headline) gives the text back exactly;
 *   dictionary chu_dict   gives a unit its key (NFC, one tone placement, lowercase) and, with the
 *                     chu.model setting, the word key colocated with a word's first syllable;
 *   config vietnamese     the parser with chu_dict for word and numword;
 *   chu_tsquery(text)     websearch syntax, each term typed without marks expanded to its spellings.
 *
 * The keys are worked out once, by the parser, over the whole text (word keys need the sentence
 * around a syllable, which a dictionary never sees). The dictionary finds them by the token's
 * address: PostgreSQL hands lexize the very pointer the parser returned. A token from anywhere
 * else (ts_lexize, another parser) gets its key from the library directly; it is the same key,
 * since a unit's key depends on its bytes alone.
 *
 * Copyright 2026 the chu developers. Licensed under the Apache License, Version 2.0.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "tsearch/ts_public.h"
#include "tsearch/ts_type.h"
#include "tsearch/ts_utils.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "chu.h"

#include <errno.h>

PG_MODULE_MAGIC;

/* Token types. The numbers are those the default parser gives the same kinds, because
 * prsd_headline reads token types by number: 12 is the space it may cut a fragment at, and the
 * numbers it replaces or skips (13, 5, 15-17) are not used. */
#define TOKEN_WORD 2    /* a unit of letters: a syllable, "ASEAN", "Australia" */
#define TOKEN_NUMWORD 3 /* a unit with a digit: "2020", "covid19" */
#define TOKEN_BLANK 12  /* the bytes between units: spaces, punctuation; never indexed */

/* Longest token PostgreSQL keeps: parsetext and hlparsetext drop a token of MAXSTRLEN bytes or
 * more, which would leave a hole in a headline. Blanks are cut into pieces below it, and a unit
 * this long (not a word: a run of base64, say) is given as blank, not indexed. */
#define TOKEN_MAX (MAXSTRLEN - 1)

/* ---- the backend's library state ---- */

static char *model_setting;  /* chu.model, as set (GUC-owned) */
static chu_ctx *backend_ctx; /* this backend's working memory; a backend is one thread */
static chu_model *model;     /* opened from model_path; NULL: no word keys */
static char *model_path;     /* malloc'd: the chu.model value model was opened for */

void _PG_init(void);

void _PG_init(void)
{
	DefineCustomStringVariable("chu.model", "A chu word segmentation model (seg.chm) for word keys.",
	                           "With it, the vietnamese configuration also indexes each word of two or more "
	                           "syllables (\"phụ_nữ\"), as chu's SQLite tokenizer does with a model. Empty: "
	                           "syllables only. The file is mapped once per backend.",
	                           &model_setting, "", PGC_SUSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("chu");
}

static void report(int rc, const char *what) pg_attribute_noreturn();

/* Raises the ERROR for a failed library call. */
static void report(int rc, const char *what)
{
	if (rc == CHU_ENOMEM)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"), errdetail("chu: %s", what)));
	ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("chu: %s: %s", what, chu_strerror(rc))));
}

static chu_ctx *get_ctx(void)
{
	if (!backend_ctx) {
		int rc = chu_ctx_new(NULL, &backend_ctx);
		if (rc != CHU_OK)
			report(rc, "cannot make a context");
	}
	return backend_ctx;
}

/* The model chu.model names, opened on first use and kept for the backend's life; opened anew
 * when the setting changes. NULL when the setting is empty. */
static const chu_model *get_model(void)
{
	const char *want = model_setting ? model_setting : "";
	if (model_path && strcmp(model_path, want) == 0)
		return model;
	chu_model_close(model);
	model = NULL;
	free(model_path);
	model_path = NULL;
	if (!*want)
		return NULL;
	chu_model *m = NULL;
	int rc = chu_model_open(want, &m);
	if (rc == CHU_EIO)
		ereport(ERROR, (errcode_for_file_access(), errmsg("chu: cannot open chu.model \"%s\": %m", want)));
	if (rc != CHU_OK)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("chu: chu.model \"%s\" is not a model chu can read: %s", want, chu_strerror(rc))));
	if (!(chu_model_parts(m) & CHU_MODEL_SEG)) {
		chu_model_close(m);
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("chu: chu.model \"%s\" has no word segmenter", want),
		                errhint("chu.model names seg.chm, the segmentation model.")));
	}
	model_path = strdup(want);
	if (!model_path) {
		chu_model_close(m);
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	model = m;
	return model;
}

/* Refuses text chu cannot read: a database whose encoding is not UTF-8 (SQL_ASCII holds bytes of
 * any encoding, so its text is checked), and bytes that are not UTF-8. */
static void check_utf8(const char *s, int len)
{
	int enc = GetDatabaseEncoding();
	if (enc != PG_UTF8 && enc != PG_SQL_ASCII)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		                errmsg("chu: the database encoding is %s; chu reads UTF8 text", GetDatabaseEncodingName())));
	int ok = pg_encoding_verifymbstr(PG_UTF8, s, len);
	if (ok < len)
		ereport(ERROR, (errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
		                errmsg("chu: invalid UTF-8 at byte %d of the text", ok)));
}

/* ---- a growing buffer whose failure is a return value ----
 * The library's callbacks must not raise an ERROR (a longjmp would leave chu_search_keys half
 * done), so what they collect grows with MCXT_ALLOC_NO_OOM and a failure stops the walk. */

typedef struct grow {
	MemoryContext mcxt;
	char *data;
	size_t len, cap; /* bytes used, bytes allocated */
} grow;

static bool grow_put(grow *g, const void *p, size_t n)
{
	if (g->cap - g->len < n) {
		size_t cap = Max(g->cap * 2, g->len + n + 256);
		char *d = MemoryContextAllocExtended(g->mcxt, cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (!d)
			return false;
		if (g->len)
			memcpy(d, g->data, g->len);
		if (g->data)
			pfree(g->data);
		g->data = d;
		g->cap = cap;
	}
	memcpy(g->data + g->len, p, n);
	g->len += n;
	return true;
}

/* One unit's keys: n NUL-terminated strings from keys.data + key, the unit's own key first, then
 * the keys colocated with it (a word key). */
typedef struct unit {
	int start, end; /* bytes [start, end) of the text */
	int key;        /* offset of its first key in the key buffer */
	int n;          /* how many keys */
} unit;

/* What the keys of a text are collected into. */
typedef struct key_list {
	grow units; /* unit[] */
	grow keys;  /* the keys, each NUL-terminated */
} key_list;

static int collect_key(void *ud, const char *key, size_t key_len, size_t start, size_t end, int colocated)
{
	key_list *k = ud;
	if (!colocated || k->units.len == 0) {
		unit u = {(int)start, (int)end, (int)k->keys.len, 0};
		if (!grow_put(&k->units, &u, sizeof u))
			return 1;
	}
	unit *u = (unit *)(void *)(k->units.data + k->units.len - sizeof(unit));
	if (!grow_put(&k->keys, key, key_len) || !grow_put(&k->keys, "", 1))
		return 1;
	u->n++;
	return 0;
}

/* The keys chu_search_keys gives s[0, len) with flags, into k (allocated in mcxt). */
static void collect_keys(key_list *k, MemoryContext mcxt, const chu_model *m, const char *s, int len, int flags)
{
	memset(k, 0, sizeof *k);
	k->units.mcxt = k->keys.mcxt = mcxt;
	int rc = chu_search_keys(get_ctx(), m, s, (size_t)len, flags, collect_key, k);
	if (rc == CHU_ECALLBACK)
		rc = CHU_ENOMEM; /* collect_key stops only when memory runs out */
	if (rc != CHU_OK)
		report(rc, "cannot find the keys of a text");
}

/* ---- the parser ---- */

/* One text being parsed, from chu_prs_start to chu_prs_end. Everything lives in its own memory
 * context, deleted at the end or with its parent when an error cuts the parse short. */
typedef struct parse {
	MemoryContext mcxt;
	const char *text;
	int len;
	key_list k;
	int n_units;
	int next;              /* the next unit to give */
	int pos;               /* bytes given so far */
	int last;              /* the unit given last, -1 before the first */
	struct parse *outer;   /* the parse under way when this one began */
	MemoryContextCallback done;
} parse;

/* The parses under way in this backend, the latest first (in practice one at a time). chu_dict
 * looks tokens up here. */
static parse *parsing;

static void parse_forget(void *arg)
{
	for (parse **p = &parsing; *p; p = &(*p)->outer)
		if (*p == arg) {
			*p = ((parse *)arg)->outer;
			break;
		}
}

static inline const unit *unit_at(const parse *p, int i) { return (const unit *)(void *)p->k.units.data + i; }

PG_FUNCTION_INFO_V1(chu_prs_start);
Datum chu_prs_start(PG_FUNCTION_ARGS)
{
	const char *s = (const char *)PG_GETARG_POINTER(0);
	int len = PG_GETARG_INT32(1);
	check_utf8(s, len);
	const chu_model *m = get_model();
	MemoryContext mcxt = AllocSetContextCreate(CurrentMemoryContext, "chu parse", ALLOCSET_SMALL_SIZES);
	parse *p = MemoryContextAllocZero(mcxt, sizeof *p);
	p->mcxt = mcxt;
	p->text = s;
	p->len = len;
	p->last = -1;
	collect_keys(&p->k, mcxt, m, s, len, 0);
	p->n_units = (int)(p->k.units.len / sizeof(unit));
	p->outer = parsing;
	parsing = p;
	p->done.func = parse_forget;
	p->done.arg = p;
	MemoryContextRegisterResetCallback(mcxt, &p->done);
	PG_RETURN_POINTER(p);
}

/* Gives the next token: a unit, or up to TOKEN_MAX bytes of what lies before the next one. */
PG_FUNCTION_INFO_V1(chu_prs_nexttoken);
Datum chu_prs_nexttoken(PG_FUNCTION_ARGS)
{
	parse *p = (parse *)PG_GETARG_POINTER(0);
	char **token = (char **)PG_GETARG_POINTER(1);
	int *token_len = (int *)PG_GETARG_POINTER(2);
	if (p->pos >= p->len)
		PG_RETURN_INT32(0);
	while (p->next < p->n_units && unit_at(p, p->next)->end - unit_at(p, p->next)->start > TOKEN_MAX)
		p->next++; /* too long to be a lexeme: its bytes go out as blank */
	int stop = p->next < p->n_units ? unit_at(p, p->next)->start : p->len;
	*token = (char *)p->text + p->pos;
	if (p->pos == stop) {
		const unit *u = unit_at(p, p->next);
		*token_len = u->end - u->start;
		p->last = p->next++;
		p->pos = u->end;
		for (int i = u->start; i < u->end; i++)
			if (p->text[i] >= '0' && p->text[i] <= '9')
				PG_RETURN_INT32(TOKEN_NUMWORD);
		PG_RETURN_INT32(TOKEN_WORD);
	}
	int end = stop - p->pos > TOKEN_MAX ? p->pos + TOKEN_MAX : stop;
	while (end < stop && ((unsigned char)p->text[end] & 0xC0) == 0x80)
		end--; /* a piece of a long blank ends at a character boundary */
	*token_len = end - p->pos;
	p->pos = end;
	PG_RETURN_INT32(TOKEN_BLANK);
}

PG_FUNCTION_INFO_V1(chu_prs_end);
Datum chu_prs_end(PG_FUNCTION_ARGS)
{
	parse *p = (parse *)PG_GETARG_POINTER(0);
	MemoryContextDelete(p->mcxt); /* its callback takes p off the list */
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(chu_prs_lextype);
Datum chu_prs_lextype(PG_FUNCTION_ARGS)
{
	static const struct {
		int id;
		const char *alias, *descr;
	} types[] = {
		{TOKEN_WORD, "word", "Word, letters: a syllable or a run of letters"},
		{TOKEN_NUMWORD, "numword", "Word with digits: a number, or letters and digits"},
		{TOKEN_BLANK, "blank", "Space and punctuation between words"},
	};
	int n = (int)lengthof(types);
	LexDescr *d = palloc((size_t)(n + 1) * sizeof *d);
	for (int i = 0; i < n; i++) {
		d[i].lexid = types[i].id;
		d[i].alias = pstrdup(types[i].alias);
		d[i].descr = pstrdup(types[i].descr);
	}
	d[n].lexid = 0;
	PG_RETURN_POINTER(d);
}

/* ---- the dictionary ---- */

/* The unit the parser gave as token (its bytes and length), or NULL when no parse under way gave
 * it; *keys gets that parse's key buffer. Compares addresses as integers: token may point
 * anywhere. */
static const unit *parsed_unit(const char *token, int len, const char **keys)
{
	uintptr_t t = (uintptr_t)token;
	for (const parse *p = parsing; p; p = p->outer) {
		uintptr_t base = (uintptr_t)p->text;
		if (t < base || t - base >= (uintptr_t)p->len)
			continue;
		int off = (int)(t - base), lo = 0, hi = p->n_units;
		if (p->last >= 0 && unit_at(p, p->last)->start == off)
			lo = p->last; /* the usual case: the token just given */
		else
			while (lo < hi) {
				int mid = lo + (hi - lo) / 2;
				if (unit_at(p, mid)->start < off)
					lo = mid + 1;
				else
					hi = mid;
			}
		if (lo < p->n_units && unit_at(p, lo)->start == off && unit_at(p, lo)->end - off == len) {
			*keys = p->k.keys.data;
			return unit_at(p, lo);
		}
		return NULL;
	}
	return NULL;
}

/* chu_lexize(dict data, token, length, state): the token's key, and its word key (colocated, a
 * variant of its own so that to_tsquery ORs it with the syllable), or for a token that holds more
 * than one unit, the key of each at the next position. NULL when the token has no unit. */
PG_FUNCTION_INFO_V1(chu_lexize);
Datum chu_lexize(PG_FUNCTION_ARGS)
{
	const char *token = (const char *)PG_GETARG_POINTER(1);
	int len = PG_GETARG_INT32(2);
	const char *keys = NULL;
	const unit *units = parsed_unit(token, len, &keys);
	int n_units = units ? 1 : 0;
	key_list k;
	if (!units) {
		check_utf8(token, len);
		collect_keys(&k, CurrentMemoryContext, NULL, token, len, 0);
		units = (const unit *)(void *)k.units.data;
		n_units = (int)(k.units.len / sizeof(unit));
		keys = k.keys.data;
	}
	if (n_units == 0)
		PG_RETURN_POINTER(NULL);
	int total = 0;
	for (int i = 0; i < n_units; i++)
		total += units[i].n;
	TSLexeme *out = palloc0((size_t)(total + 1) * sizeof *out);
	int o = 0;
	for (int i = 0; i < n_units; i++) {
		const char *key = keys + units[i].key;
		for (int j = 0; j < units[i].n; j++) {
			out[o].lexeme = pstrdup(key);
			out[o].nvariant = (uint16)(j + 1);
			out[o].flags = i > 0 && j == 0 ? TSL_ADDPOS : 0;
			key += strlen(key) + 1;
			o++;
		}
	}
	PG_RETURN_POINTER(out);
}

/* ---- queries ----
 *
 * Why a function and not a dictionary: the spellings of "phu" (phú, phụ, phủ, …) belong to the
 * query alone. A dictionary lexizes documents and queries alike and cannot tell them apart, so a
 * dictionary that expanded "phu" would index every spelling for a document that wrote "phu", and
 * a query for "phụ" would find it. And whether a term is taken as written depends on the whole
 * query (a mark anywhere means every word as written: "Quảng Nam" is not "quảng năm"), while a
 * dictionary sees one token. So documents keep one key per unit, as in the SQLite index, and
 * chu_tsquery() expands the query: PostgreSQL's own websearch syntax (parse_tsquery with
 * P_TSQ_WEB: "quoted phrases", OR, -not) with chu_search_keys(CHU_SEARCH_QUERY) for each term.
 */

/* Pushes one term of the query: each of its units as an OR of its spellings, the units of a term
 * side by side (<->, as "covid-19" is written), or a stop placeholder when it has none. A term
 * ending in '*' is a prefix, as in chu's query language. */
static void push_term(Datum opaque, TSQueryParserState state, char *token, int len, int16 weight, bool prefix)
{
	int flags = CHU_SEARCH_QUERY | DatumGetInt32(opaque);
	if (len > 0 && token[len - 1] == '*')
		prefix = true;
	if (prefix)
		flags |= CHU_SEARCH_PREFIX;
	key_list k;
	collect_keys(&k, CurrentMemoryContext, NULL, token, len, flags);
	const unit *units = (const unit *)(void *)k.units.data;
	int n_units = (int)(k.units.len / sizeof(unit));
	if (n_units == 0) {
		pushStop(state);
		return;
	}
	for (int i = 0; i < n_units; i++) {
		char *key = k.keys.data + units[i].key;
		for (int j = 0; j < units[i].n; j++) {
			int kl = (int)strlen(key);
			pushValue(state, key, kl, weight, prefix);
			if (j > 0)
				pushOperator(state, OP_OR, 0);
			key += kl + 1;
		}
		if (i > 0)
			pushOperator(state, OP_PHRASE, 1);
	}
}

/* chu_tsquery(text): the query in websearch syntax; see above. */
PG_FUNCTION_INFO_V1(chu_tsquery);
Datum chu_tsquery(PG_FUNCTION_ARGS)
{
	text *in = PG_GETARG_TEXT_PP(0);
	char *q = text_to_cstring(in);
	int len = (int)strlen(q);
	check_utf8(q, len);
	int flags = chu_query_marked(q, (size_t)len) ? CHU_SEARCH_AS_WRITTEN : 0;
	PG_RETURN_TSQUERY(parse_tsquery(q, push_term, Int32GetDatum(flags), P_TSQ_WEB));
}
