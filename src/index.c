/*
 * index.c — searching an index that `chu index` made (cli/index.c writes it; the schema is
 * described there): chu_index_open, chu_index_search, chu_index_get, chu_index_count,
 * chu_index_changed.
 *
 * A search compiles the query (chu_query_compile, or chu_search_query for CHU_INDEX_ANY) and runs
 * its tiers best first, each ranked by bm25, leaving out the rows an earlier tier gave. The phrase,
 * near and all tiers run as one MATCH of the all tier (chu__query_ranked), ordered by chu_rank()
 * (ext/sqlite/chu_fts5.c), which puts each row in the first of them it matches and ranks it by
 * bm25 within: the posting lists are read once, not three times; and a word typed without marks
 * is written out as the spellings of it that docs_fts's vocabulary holds (asked once a connection,
 * again when the database changed), not the dozen the tokenizer would give FTS5. The entity filters are conditions on the entities table (an index made with
 * --entities=rules keeps "name" for people and places, which per: and loc: also take), the date
 * filters on docs.date's day. Only the ids and scores of hits are gathered tier by tier; the
 * returned hits then get their row, their snippet (FTS5 snippet() with byte markers turned into
 * mark ranges) and their checksum check, so one query's cost grows with the hits it returns, not
 * with those it counts. Facets and months count the first facet_hits hits.
 */
#include "internal.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

/* One hit while results are built: strings as offsets into the arena (it may move). */
struct hit_row {
	sqlite3_int64 rowid;
	double score;
	size_t tier;
	size_t id, source, title, url, date, snippet; /* SIZE_MAX: NULL */
	size_t snippet_len, first_mark, n_marks;
};

struct facet_row {
	size_t kind, text, count;
};

struct chu_index {
	sqlite3 *db;
	const chu_model *accent;
	int sums;         /* every document has its checksum */
	int has_file;     /* docs has the column file (chu since the file column) */
	int has_facets;   /* docs has the column facets */
	long long version; /* PRAGMA data_version at the last chu_index_changed */
	unsigned limit_ms; /* chu_index_set_time_limit */
	struct timespec deadline;
	int timed_out;
	char error[512];
	chu__buf arena;   /* the strings of the last results */
	chu__buf rows;    /* struct hit_row[] */
	chu__buf hits;    /* chu_index_hit[] */
	chu__buf marks;   /* size_t pairs */
	chu__buf ids;     /* sqlite3_int64[]: the hits gathered, in rank order */
	chu__buf sorted;  /* sqlite3_int64[]: the same, sorted, for the next tier to leave out */
	chu__buf tiers;   /* size_t[]: the tier of each gathered id */
	chu__buf scores;  /* double[]: the bm25 score of each gathered id */
	chu__buf frows;   /* struct facet_row[] */
	chu__buf facets;  /* chu_index_facet[] */
	chu__buf months;  /* chu_index_month[] */
	chu__buf filters; /* chu_query_filter[] */
	chu__buf ftext;   /* their texts */
	chu__buf sql;
	chu__vocab *vocab; /* docs_fts's vocabulary, made on the first search that needs it */
	int vocab_tried;   /* chu__vocab_open was called */
	size_t covered;    /* the last search's first tiers that ran as one (chu_rank), 0: none */
};

static int fail(chu_index *ix, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ix->error, sizeof ix->error, fmt, ap);
	va_end(ap);
	return rc;
}

static int sql_fail(chu_index *ix, const char *what)
{
	int code = sqlite3_errcode(ix->db) & 0xFF;
	if (code == SQLITE_INTERRUPT && ix->timed_out)
		return fail(ix, CHU_ETIMEOUT, "%s took longer than %u ms", what, ix->limit_ms);
	if (code == SQLITE_NOMEM)
		return fail(ix, CHU_ENOMEM, "%s: out of memory", what);
	return fail(ix, code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? CHU_EFORMAT : CHU_EIO, "%s: %s", what,
	            sqlite3_errmsg(ix->db));
}

long long chu__index_sum(const char *title, size_t tl, const char *body, size_t bl)
{
	uint64_t h = chu__checksum(title ? title : "", title ? tl : 0);
	h = (h * 0x100000001B3ULL) ^ chu__checksum(body ? body : "", body ? bl : 0) ^ (uint64_t)tl;
	return (long long)h;
}

static unsigned be(const unsigned char *p, int n)
{
	unsigned v = 0;
	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

bool chu__index_cut_short(const char *path, char *msg, size_t size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false; /* the caller's open reports it */
	unsigned char h[100];
	long long fsize = -1;
	bool got = fread(h, 1, sizeof h, f) == sizeof h && fseeko(f, 0, SEEK_END) == 0 && (fsize = ftello(f)) >= 0;
	fclose(f);
	if (!got || memcmp(h, "SQLite format 3", 16) != 0)
		return false; /* SQLite says what it is not */
	/* the header's page count is valid when the change counter (offset 24) equals the
	 * version-valid-for number (offset 92) */
	unsigned psize = be(h + 16, 2) == 1 ? 65536 : be(h + 16, 2), pages = be(h + 28, 4);
	if (psize < 512 || be(h + 24, 4) != be(h + 92, 4) || pages == 0)
		return false;
	long long want = (long long)pages * psize;
	if (fsize >= want && fsize % psize == 0)
		return false;
	snprintf(msg, size,
	         "the index is damaged: %lld bytes, where its header counts %u pages of %u bytes (%lld); "
	         "build it again with chu index",
	         fsize, pages, psize, want);
	return true;
}

/* Opens path read-only with chu's tokenizer (queries need no word keys); immutable reads the file
 * as it is, without the locks and -shm file of WAL (for a place this user cannot write). */
static int open_db(const char *path, int immutable, sqlite3 **db)
{
	int rc;
	if (!immutable) {
		rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
	} else {
		/* a URI: '%', '?' and '#' in the path escaped */
		char *uri = sqlite3_mprintf("file:");
		for (const char *p = path; uri && *p; p++) {
			char *more = *p == '%' || *p == '?' || *p == '#' ? sqlite3_mprintf("%s%%%02X", uri, (unsigned char)*p)
			                                                  : sqlite3_mprintf("%s%c", uri, *p);
			sqlite3_free(uri);
			uri = more;
		}
		char *full = uri ? sqlite3_mprintf("%s?immutable=1", uri) : NULL;
		sqlite3_free(uri);
		if (!full)
			return SQLITE_NOMEM;
		rc = sqlite3_open_v2(full, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		sqlite3_free(full);
	}
	if (rc == SQLITE_OK)
		rc = chu_sqlite_register(*db, NULL);
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(*db, 5000);
	return rc;
}

static int has_column(sqlite3 *db, const char *col)
{
	sqlite3_stmt *st = NULL;
	int has = sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('docs') WHERE name = ?1", -1, &st, NULL) == SQLITE_OK &&
	          sqlite3_bind_text(st, 1, col, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

static long long pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int chu_index_open(const char *path, const chu_model *accent, chu_index **out)
{
	if (!out)
		return CHU_EINVAL;
	*out = NULL;
	chu_index *ix = calloc(1, sizeof *ix);
	if (!ix)
		return CHU_ENOMEM;
	*out = ix;
	ix->accent = accent;
	chu__buf *bufs[] = {&ix->arena, &ix->rows,   &ix->hits,  &ix->marks,  &ix->ids,     &ix->sorted, &ix->tiers,
	                    &ix->scores, &ix->frows, &ix->facets, &ix->months, &ix->filters, &ix->ftext, &ix->sql};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		chu__buf_init(bufs[i], &chu__default_allocator);
	if (!path)
		return fail(ix, CHU_EINVAL, "no index path");
	if (chu__index_cut_short(path, ix->error, sizeof ix->error))
		return CHU_EFORMAT;
	if (access(path, R_OK) != 0)
		return fail(ix, CHU_EIO, "cannot open the index: %s", strerror(errno));
	sqlite3_stmt *st = NULL;
	int prc = SQLITE_ERROR;
	for (int pass = 0; pass < 2; pass++) {
		if (open_db(path, pass, &ix->db) != SQLITE_OK)
			break;
		prc = sqlite3_prepare_v2(ix->db, "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH 'a' AND rowid < 0", -1, &st,
		                         NULL);
		if (prc == SQLITE_OK)
			prc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(ix->db);
		sqlite3_finalize(st);
		st = NULL;
		if (prc == SQLITE_OK || ((prc & 0xFF) != SQLITE_READONLY && (prc & 0xFF) != SQLITE_CANTOPEN))
			break;
		/* an index left in WAL mode (its indexer killed, or still running) that this user may not
		 * write beside: read the file as it is */
		sqlite3_close(ix->db);
		ix->db = NULL;
	}
	if (prc != SQLITE_OK || !has_column(ix->db, "key")) {
		int nomem = ix->db && (sqlite3_errcode(ix->db) & 0xFF) == SQLITE_NOMEM;
		fail(ix, nomem ? CHU_ENOMEM : CHU_EFORMAT, "not a chu index (%s)",
		     ix->db ? sqlite3_errmsg(ix->db) : "cannot open");
		sqlite3_close(ix->db);
		ix->db = NULL;
		return nomem ? CHU_ENOMEM : CHU_EFORMAT;
	}
	ix->sums = pragma_int(ix->db, "PRAGMA user_version") >= CHU__INDEX_SUMS;
	ix->has_file = has_column(ix->db, "file");
	ix->has_facets = has_column(ix->db, "facets");
	ix->version = pragma_int(ix->db, "PRAGMA data_version");
	return CHU_OK;
}

void chu_index_close(chu_index *ix)
{
	if (!ix)
		return;
	chu__vocab_close(ix->vocab);
	sqlite3_close(ix->db);
	chu__buf *bufs[] = {&ix->arena, &ix->rows,   &ix->hits,  &ix->marks,  &ix->ids,     &ix->sorted, &ix->tiers,
	                    &ix->scores, &ix->frows, &ix->facets, &ix->months, &ix->filters, &ix->ftext, &ix->sql};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		chu__buf_free(bufs[i]);
	free(ix);
}

const char *chu_index_error(const chu_index *ix) { return ix ? ix->error : "no index"; }

/* SQLite's progress handler: non-zero (interrupt) past the deadline. */
static int past_deadline(void *ud)
{
	chu_index *ix = ud;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > ix->deadline.tv_sec || (now.tv_sec == ix->deadline.tv_sec && now.tv_nsec > ix->deadline.tv_nsec))
		ix->timed_out = 1;
	return ix->timed_out;
}

void chu_index_set_time_limit(chu_index *ix, unsigned ms)
{
	if (!ix)
		return;
	ix->limit_ms = ms;
	if (ix->db)
		sqlite3_progress_handler(ix->db, ms ? 2000 : 0, ms ? past_deadline : NULL, ix);
}

/* The clock of a call starts. */
static void start_clock(chu_index *ix)
{
	ix->timed_out = 0;
	if (!ix->limit_ms)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ix->deadline);
	ix->deadline.tv_sec += ix->limit_ms / 1000;
	ix->deadline.tv_nsec += (long)(ix->limit_ms % 1000) * 1000000L;
	if (ix->deadline.tv_nsec >= 1000000000L) {
		ix->deadline.tv_sec++;
		ix->deadline.tv_nsec -= 1000000000L;
	}
}

void chu_index_request_init(chu_index_request *req)
{
	if (!req)
		return;
	memset(req, 0, sizeof *req);
	req->limit = 10;
	req->facet_hits = 1000;
}


/* ---- the vocabulary ---- */

#define VOCAB_MAX ((size_t)1 << 18) /* the most slots of a vocabulary cache */

struct vocab_slot {
	size_t key;  /* into keys; 0: empty */
	size_t len;  /* the key's bytes */
	int held;    /* 1: the table holds it */
};

struct chu__vocab {
	sqlite3 *db;
	sqlite3_stmt *ask;     /* SELECT 1 FROM the fts5vocab table WHERE term = ?1 */
	sqlite3_stmt *version; /* PRAGMA data_version */
	long long seen;        /* data_version when the slots were filled */
	chu__buf keys;         /* the keys asked, one after another (offset 0 unused) */
	chu__buf slots;        /* struct vocab_slot[cap], open addressing */
	size_t cap, used;
};

int chu__vocab_open(sqlite3 *db, const char *table, chu__vocab **out)
{
	*out = NULL;
	chu__vocab *v = calloc(1, sizeof *v);
	if (!v)
		return SQLITE_NOMEM;
	v->db = db;
	chu__buf_init(&v->keys, &chu__default_allocator);
	chu__buf_init(&v->slots, &chu__default_allocator);
	char *make = sqlite3_mprintf("CREATE VIRTUAL TABLE IF NOT EXISTS temp.\"chu_vocab_%w\" USING fts5vocab(main, %Q, 'row')",
	                             table, table);
	char *ask = sqlite3_mprintf("SELECT 1 FROM temp.\"chu_vocab_%w\" WHERE term = ?1", table);
	int rc = make && ask ? sqlite3_exec(db, make, NULL, NULL, NULL) : SQLITE_NOMEM;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, ask, -1, &v->ask, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &v->version, NULL);
	sqlite3_free(make);
	sqlite3_free(ask);
	if (rc != SQLITE_OK) {
		chu__vocab_close(v);
		return rc;
	}
	v->seen = -1;
	*out = v;
	return SQLITE_OK;
}

void chu__vocab_close(chu__vocab *v)
{
	if (!v)
		return;
	sqlite3_finalize(v->ask);
	sqlite3_finalize(v->version);
	chu__buf_free(&v->keys);
	chu__buf_free(&v->slots);
	free(v);
}

void chu__vocab_refresh(chu__vocab *v)
{
	if (!v)
		return;
	long long now = -1;
	if (sqlite3_step(v->version) == SQLITE_ROW)
		now = sqlite3_column_int64(v->version, 0);
	sqlite3_reset(v->version);
	if (now == v->seen && now >= 0)
		return;
	v->seen = now;
	v->keys.len = 0;
	v->used = 0;
	if (v->slots.data)
		memset(v->slots.data, 0, v->cap * sizeof(struct vocab_slot));
}

/* Asks SQLite: 1, 0, or a CHU_E… status. */
static int vocab_ask(chu__vocab *v, const char *key, size_t len)
{
	sqlite3_bind_text(v->ask, 1, key, (int)len, SQLITE_STATIC);
	int src = sqlite3_step(v->ask);
	sqlite3_reset(v->ask);
	if (src == SQLITE_ROW)
		return 1;
	if (src == SQLITE_DONE)
		return 0;
	return (src & 0xFF) == SQLITE_NOMEM ? CHU_ENOMEM : CHU_EIO;
}

int chu__vocab_held(void *ud, const char *key, size_t len)
{
	chu__vocab *v = ud;
	if (!v)
		return 1;
	int rc = CHU_OK;
	if (v->used * 2 >= v->cap) {
		/* grow: twice the slots, up to VOCAB_MAX (a server asked ever new words keeps bounded
		 * memory); the keys asked so far forgotten (they are asked again) */
		size_t cap = !v->cap ? 4096 : v->cap < VOCAB_MAX ? v->cap * 2 : v->cap;
		v->slots.len = 0;
		chu__buf_reserve(&rc, &v->slots, cap * sizeof(struct vocab_slot));
		if (rc < 0)
			return rc;
		memset(v->slots.data, 0, cap * sizeof(struct vocab_slot));
		v->cap = cap;
		v->used = 0;
		v->keys.len = 0;
	}
	if (!v->keys.len)
		chu__buf_putc(&rc, &v->keys, '\0');
	struct vocab_slot *slot = (struct vocab_slot *)(void *)v->slots.data;
	size_t h = (size_t)chu__checksum(key, len) & (v->cap - 1);
	while (slot[h].key && (slot[h].len != len || memcmp(v->keys.data + slot[h].key, key, len) != 0))
		h = (h + 1) & (v->cap - 1);
	if (slot[h].key)
		return slot[h].held;
	int held = vocab_ask(v, key, len);
	if (held < 0)
		return held;
	size_t at = v->keys.len;
	chu__buf_put(&rc, &v->keys, key, len);
	if (rc < 0)
		return rc;
	slot[h] = (struct vocab_slot){at, len, held};
	v->used++;
	return held;
}

/* ---- building results ---- */

/* Copies s[0, n) into the arena; its offset, or SIZE_MAX for NULL. */
static size_t keep(int *rc, chu_index *ix, const char *s, size_t n)
{
	if (!s)
		return SIZE_MAX;
	size_t at = ix->arena.len;
	chu__buf_put(rc, &ix->arena, s, n);
	chu__buf_putc(rc, &ix->arena, '\0');
	return at;
}

static size_t keep_col(int *rc, chu_index *ix, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return SIZE_MAX;
	const char *s = (const char *)sqlite3_column_text(st, col);
	return keep(rc, ix, s ? s : "", (size_t)sqlite3_column_bytes(st, col));
}

static const char *at(const chu_index *ix, size_t off) { return off == SIZE_MAX ? NULL : ix->arena.data + off; }

/* The snippet as FTS5 gives it, the byte on before and off after each matched word: its text
 * without them into the arena, their places as mark pairs. on < 0: a text without marks, kept as
 * it is. */
static void keep_snippet(int *rc, chu_index *ix, const char *s, size_t n, int on, int off, struct hit_row *h)
{
	h->snippet = ix->arena.len;
	h->first_mark = ix->marks.len / (2 * sizeof(size_t));
	size_t len = 0, open = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (on >= 0 && (unsigned char)s[i] == on) {
			open = len;
		} else if (on >= 0 && (unsigned char)s[i] == off) {
			if (open != SIZE_MAX && len > open) {
				size_t pair[2] = {open, len};
				chu__buf_put(rc, &ix->marks, pair, sizeof pair);
			}
			open = SIZE_MAX;
		} else {
			chu__buf_putc(rc, &ix->arena, s[i]);
			len++;
		}
	}
	chu__buf_putc(rc, &ix->arena, '\0');
	h->snippet_len = len;
	h->n_marks = ix->marks.len / (2 * sizeof(size_t)) - h->first_mark;
}

/* Two control bytes that body[0, n) does not hold, to mark the matched words of its snippet with
 * (a stored text keeps whatever bytes it was given); false when it holds every candidate. */
static bool snippet_markers(const char *body, size_t n, int *on, int *off)
{
	bool seen[32] = {false};
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)body[i] < 32)
			seen[(unsigned char)body[i]] = true;
	*on = *off = -1;
	for (int c = 1; c < 32 && *off < 0; c++) {
		if (seen[c] || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (*on < 0)
			*on = c;
		else
			*off = c;
	}
	if (*off < 0)
		*on = -1;
	return *on >= 0;
}

/* The SQL conditions of the filters f[0, n), for the document whose rowid is the expression doc,
 * appended to ix->sql. */
static int put_filters(chu_index *ix, chu_ctx *ctx, const chu_query_filter *f, size_t n, const char *doc)
{
	int rc = CHU_OK;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		char *more;
		if (strcmp(f[i].field, "date") == 0) {
			/* the document's date as stored ("2020-07-16", "2020-07-16T08:00:00+07:00"): its day */
			char from[11] = "", to[11] = "";
			sscanf(f[i].text, "%10[0-9-]..%10[0-9-]", from, to);
			more = sqlite3_mprintf(" AND %s EXISTS (SELECT 1 FROM docs dd WHERE dd.id = %s"
			                       " AND substr(dd.date, 1, 10) BETWEEN %Q AND %Q)",
			                       f[i].neg ? "NOT" : "", doc, from, to);
		} else {
			const char *folded;
			size_t fl;
			rc = chu_fold(ctx, f[i].text, strlen(f[i].text), &folded, &fl);
			if (rc < 0)
				break;
			const char *also = strcmp(f[i].field, "org") == 0 ? "org" : "name";
			more = sqlite3_mprintf(" AND %s EXISTS (SELECT 1 FROM entities e WHERE e.doc = %s"
			                       " AND e.kind IN (%Q, %Q) AND e.folded = %Q)",
			                       f[i].neg ? "NOT" : "", doc, f[i].field, also, folded);
		}
		if (!more)
			return CHU_ENOMEM;
		chu__buf_put(&rc, &ix->sql, more, strlen(more));
		sqlite3_free(more);
	}
	return rc;
}

static int id_cmp(const void *a, const void *b)
{
	sqlite3_int64 x = *(const sqlite3_int64 *)a, y = *(const sqlite3_int64 *)b;
	return (x > y) - (x < y);
}

/* The query's filters, then the request's, checked: into ix->filters, their texts in ix->ftext
 * (which nothing else grows, so the pointers hold until the next search). */
static int gather_filters(chu_index *ix, const chu_query *q, const chu_index_request *req)
{
	static const char *const fields[] = {"per", "org", "loc", "date"};
	int rc = CHU_OK;
	size_t n = q->n_filters + req->n_filters, offs[64];
	if (n > sizeof offs / sizeof offs[0])
		return fail(ix, CHU_EINVAL, "too many filters (at most %zu)", sizeof offs / sizeof offs[0]);
	ix->filters.len = ix->ftext.len = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const chu_query_filter *f = i < q->n_filters ? &q->filters[i] : &req->filters[i - q->n_filters];
		const char *field = NULL;
		for (size_t k = 0; f->field && k < 4; k++)
			if (strcmp(f->field, fields[k]) == 0)
				field = fields[k];
		if (!field)
			return fail(ix, CHU_EINVAL, "unknown filter %.20s (the filters are per, org, loc and date)",
			            f->field ? f->field : "(none)");
		if (!f->text || !*f->text)
			return fail(ix, CHU_EINVAL, "the %s filter is empty", field);
		const char *text = f->text;
		size_t tl = strlen(text);
		char days[24];
		if (i >= q->n_filters && strcmp(field, "date") == 0) {
			if (!chu__query_date_range(text, tl, days))
				return fail(ix, CHU_EINVAL,
				            "date %.40s is not a date: write a year, a month or a day (2020, 2020-07, 2020-07-16) "
				            "or a range (2019..2020-03)",
				            text);
			text = days;
			tl = strlen(days);
		}
		offs[i] = ix->ftext.len;
		chu__buf_put(&rc, &ix->ftext, text, tl);
		chu__buf_putc(&rc, &ix->ftext, '\0');
		chu_query_filter g = {field, NULL, f->neg};
		chu__buf_put(&rc, &ix->filters, &g, sizeof g);
	}
	if (rc < 0)
		return fail(ix, rc, "out of memory");
	chu_query_filter *g = (chu_query_filter *)(void *)ix->filters.data;
	for (size_t i = 0; i < n; i++)
		g[i].text = ix->ftext.data + offs[i];
	return CHU_OK;
}

/* The statement of one search: "SELECT rowid, score FROM docs_fts WHERE MATCH ?1 …" with the
 * filters, ORDER BY order, LIMIT ?2; without a MATCH (by date) when the query has no tiers. */
static int prepare_search(chu_index *ix, chu_ctx *ctx, const chu_query *q, const chu_query_filter *f, size_t nf,
                          const char *score, const char *order, sqlite3_stmt **st)
{
	int rc = CHU_OK;
	ix->sql.len = 0;
	if (q->n_tiers) {
		char *head = sqlite3_mprintf("SELECT docs_fts.rowid, %s FROM docs_fts WHERE docs_fts MATCH ?1", score);
		if (!head)
			return fail(ix, CHU_ENOMEM, "out of memory");
		chu__buf_put(&rc, &ix->sql, head, strlen(head));
		sqlite3_free(head);
		if (rc >= 0)
			rc = put_filters(ix, ctx, f, nf, "docs_fts.rowid");
		char *tail = sqlite3_mprintf(" ORDER BY %s LIMIT ?2", order);
		if (!tail)
			return fail(ix, CHU_ENOMEM, "out of memory");
		chu__buf_put(&rc, &ix->sql, tail, strlen(tail));
		sqlite3_free(tail);
	} else {
		const char *head = "SELECT d.id, 0.0 FROM docs d WHERE 1";
		chu__buf_put(&rc, &ix->sql, head, strlen(head));
		if (rc >= 0)
			rc = put_filters(ix, ctx, f, nf, "d.id");
		const char *tail = " ORDER BY d.date DESC, d.id LIMIT ?2";
		chu__buf_put(&rc, &ix->sql, tail, strlen(tail));
	}
	if (rc < 0)
		return fail(ix, rc, "out of memory");
	if (sqlite3_prepare_v2(ix->db, ix->sql.data, (int)ix->sql.len, st, NULL) != SQLITE_OK)
		return sql_fail(ix, "search");
	return CHU_OK;
}

/* The phrase, near and all tiers of the query chu_query_compile compiled last on ctx, in one
 * pass ranked by chu_rank(): up to want hits into ix->ids/tiers/scores, *covered the tiers it
 * stood for (0: none, the tiers run one by one), *more when there may be others. */
static int gather_ranked(chu_index *ix, chu_ctx *ctx, const chu_query *q, const chu_query_filter *f, size_t nf,
                         size_t want, size_t *covered, int *more)
{
	if (!ix->vocab_tried) {
		ix->vocab_tried = 1;
		if (chu__vocab_open(ix->db, "docs_fts", &ix->vocab) == SQLITE_NOMEM)
			return fail(ix, CHU_ENOMEM, "out of memory");
	}
	chu__vocab_refresh(ix->vocab);
	const char *match, *groups;
	int rc = chu__query_ranked(ctx, chu__vocab_held, ix->vocab, &match, &groups, covered);
	if (rc < 0)
		return rc == CHU_ENOMEM ? fail(ix, rc, "out of memory") : sql_fail(ix, "search");
	ix->covered = *covered;
	if (!*covered)
		return CHU_OK;
	sqlite3_stmt *st = NULL;
	rc = prepare_search(ix, ctx, q, f, nf, "chu_rank(docs_fts, 1.0, 1.0, ?3)", "2", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(want + 1));
	sqlite3_bind_text(st, 3, groups, -1, SQLITE_STATIC);
	size_t n = 0;
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == want) {
			*more = 1;
			break;
		}
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		double r = sqlite3_column_double(st, 1);
		size_t t = 0;
		while (t + 1 < *covered && r > (double)(t + 1) * CHU__RANK_TIER - CHU__RANK_TIER / 2)
			t++;
		double score = -(r - (double)t * CHU__RANK_TIER);
		chu__buf_put(&rc, &ix->ids, &id, sizeof id);
		chu__buf_put(&rc, &ix->tiers, &t, sizeof t);
		chu__buf_put(&rc, &ix->scores, &score, sizeof score);
		n++;
	}
	if (rc >= 0 && src != SQLITE_ROW && src != SQLITE_DONE)
		rc = sql_fail(ix, "search");
	sqlite3_finalize(st);
	if (rc == CHU_ENOMEM)
		return fail(ix, rc, "out of memory");
	return rc;
}

/* Gathers up to want hits of the tiers, best first, into ix->ids/tiers/scores; *more when there
 * may be others. ranked: the query is chu_query_compile's, whose first tiers may run as one. */
static int gather(chu_index *ix, chu_ctx *ctx, const chu_query *q, int ranked, const chu_query_filter *f, size_t nf,
                  size_t want, int *more)
{
	ix->ids.len = ix->tiers.len = ix->scores.len = 0;
	*more = 0;
	ix->covered = 0;
	size_t first = 0;
	int rc = ranked && q->n_tiers ? gather_ranked(ix, ctx, q, f, nf, want, &first, more) : CHU_OK;
	if (rc < 0)
		return rc;
	sqlite3_stmt *st = NULL;
	size_t n = ix->ids.len / sizeof(sqlite3_int64), runs = q->n_tiers ? q->n_tiers : 1;
	if (first >= runs || n >= want)
		return CHU_OK;
	rc = prepare_search(ix, ctx, q, f, nf, q->n_tiers ? "bm25(docs_fts, 2.0, 1.0)" : "0.0", "rank", &st);
	if (rc < 0)
		return rc;
	for (size_t t = first; t < runs && n < want && rc >= 0; t++) {
		size_t before = n;
		ix->sorted.len = 0;
		chu__buf_put(&rc, &ix->sorted, ix->ids.data, ix->ids.len);
		if (rc < 0)
			break;
		sqlite3_int64 *sorted = (sqlite3_int64 *)(void *)ix->sorted.data;
		qsort(sorted, before, sizeof *sorted, id_cmp);
		sqlite3_reset(st);
		if (q->n_tiers)
			sqlite3_bind_text(st, 1, q->tiers[t].match, -1, SQLITE_STATIC);
		/* one more than wanted tells whether there are more */
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(want + before + 1));
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 id = sqlite3_column_int64(st, 0);
			if (before && bsearch(&id, sorted, before, sizeof *sorted, id_cmp))
				continue; /* an earlier tier's hit */
			if (n == want) {
				*more = 1;
				break;
			}
			double score = -sqlite3_column_double(st, 1);
			chu__buf_put(&rc, &ix->ids, &id, sizeof id);
			chu__buf_put(&rc, &ix->tiers, &t, sizeof t);
			chu__buf_put(&rc, &ix->scores, &score, sizeof score);
			n++;
		}
		if (rc >= 0 && src != SQLITE_ROW && src != SQLITE_DONE) {
			rc = sql_fail(ix, "search");
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc == CHU_ENOMEM)
		return fail(ix, rc, "out of memory");
	return rc;
}

/* Every document that matches, after the filters: one MATCH of the tiers joined by OR, so FTS5
 * merges their doclists (no ranking, no temporary table). The looser tiers hold the stricter
 * ones — "most" every document of "phrase", "near" and "all" — so when there is a "most" tier,
 * it and the look-alikes are enough. */
static int count_all(chu_index *ix, chu_ctx *ctx, const chu_query *q, const chu_query_filter *f, size_t nf,
                     size_t *total)
{
	int rc = CHU_OK;
	int has_most = 0;
	for (size_t t = 0; t < q->n_tiers; t++)
		has_most |= strcmp(q->tiers[t].name, "most") == 0;
	chu__buf match;
	chu__buf_init(&match, &chu__default_allocator);
	for (size_t t = 0, k = 0; t < q->n_tiers; t++) {
		if (has_most && strcmp(q->tiers[t].name, "most") != 0 && strcmp(q->tiers[t].name, "look-alike") != 0)
			continue;
		if (k++)
			chu__buf_put(&rc, &match, " OR ", 4);
		chu__buf_putc(&rc, &match, '(');
		chu__buf_put(&rc, &match, q->tiers[t].match, strlen(q->tiers[t].match));
		chu__buf_putc(&rc, &match, ')');
	}
	ix->sql.len = 0;
	const char *head = q->n_tiers ? "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?1"
	                              : "SELECT count(*) FROM docs d WHERE 1";
	chu__buf_put(&rc, &ix->sql, head, strlen(head));
	if (rc >= 0)
		rc = put_filters(ix, ctx, f, nf, q->n_tiers ? "docs_fts.rowid" : "d.id");
	sqlite3_stmt *st = NULL;
	if (rc < 0) {
		chu__buf_free(&match);
		return fail(ix, rc, "out of memory");
	}
	if (sqlite3_prepare_v2(ix->db, ix->sql.data, (int)ix->sql.len, &st, NULL) != SQLITE_OK) {
		chu__buf_free(&match);
		return sql_fail(ix, "count");
	}
	if (q->n_tiers)
		sqlite3_bind_text(st, 1, match.data, (int)match.len, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*total = (size_t)sqlite3_column_int64(st, 0);
	else
		rc = sql_fail(ix, "count");
	sqlite3_finalize(st);
	chu__buf_free(&match);
	return rc;
}

/* Prepares sql (from sqlite3_mprintf, NULL when it failed) into *st and frees it. */
static int prepare_owned(chu_index *ix, const char *what, char *sql, sqlite3_stmt **st)
{
	if (!sql)
		return fail(ix, CHU_ENOMEM, "out of memory");
	int prc = sqlite3_prepare_v2(ix->db, sql, -1, st, NULL);
	sqlite3_free(sql);
	return prc == SQLITE_OK ? CHU_OK : sql_fail(ix, what);
}

/* The row, snippet and checksum check of the hits gathered from offset on, at most limit. */
static int fetch(chu_index *ix, const chu_query *q, size_t offset, size_t limit)
{
	int rc = CHU_OK;
	const char *file = ix->has_file ? "d.file" : "NULL";
	char *sql = q->n_tiers
	                ? sqlite3_mprintf("SELECT coalesce(d.name, d.key), %s, d.title, d.url, d.date,"
	                                  " NULL, d.id, d.sum, docs_fts.title, docs_fts.body"
	                                  " FROM docs_fts LEFT JOIN docs d ON d.id = docs_fts.rowid"
	                                  " WHERE docs_fts MATCH ?1 AND docs_fts.rowid = ?2",
	                                  file)
	                : sqlite3_mprintf("SELECT coalesce(d.name, d.key), %s, d.title, d.url, d.date,"
	                                  " substr(f.body, 1, 160), d.id, d.sum, f.title, f.body"
	                                  " FROM docs d LEFT JOIN docs_fts f ON f.rowid = d.id WHERE d.id = ?2",
	                                  file);
	sqlite3_stmt *st = NULL, *sn = NULL;
	rc = prepare_owned(ix, "search", sql, &st);
	/* the snippet, its markers chosen for each body */
	if (rc >= 0 && q->n_tiers)
		rc = prepare_owned(ix, "search",
		                   sqlite3_mprintf("SELECT snippet(docs_fts, 1, ?3, ?4, '…', 16) FROM docs_fts"
		                                   " WHERE docs_fts MATCH ?1 AND rowid = ?2"),
		                   &sn);
	if (rc < 0) {
		sqlite3_finalize(st);
		return rc;
	}
	const sqlite3_int64 *ids = (const sqlite3_int64 *)(void *)ix->ids.data;
	const size_t *tiers = (const size_t *)(void *)ix->tiers.data;
	const double *scores = (const double *)(void *)ix->scores.data;
	size_t n = ix->ids.len / sizeof *ids;
	for (size_t i = offset; i < n && i < offset + limit && rc >= 0; i++) {
		sqlite3_reset(st);
		if (q->n_tiers)
			sqlite3_bind_text(st, 1, q->tiers[tiers[i]].match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, ids[i]);
		int src = sqlite3_step(st);
		/* a hit of the one pass whose tier chu_rank read otherwise than FTS5 does: its all tier */
		const char *match = q->n_tiers ? q->tiers[tiers[i]].match : NULL;
		if (src == SQLITE_DONE && tiers[i] + 1 < ix->covered) {
			match = q->tiers[ix->covered - 1].match;
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
			src = sqlite3_step(st);
		}
		if (src != SQLITE_ROW) {
			rc = src == SQLITE_DONE ? fail(ix, CHU_EFORMAT,
			                               "the index is damaged: document %lld went missing; build it again with chu index",
			                               (long long)ids[i])
			                        : sql_fail(ix, "search");
			break;
		}
		if (sqlite3_column_type(st, 6) == SQLITE_NULL) {
			rc = fail(ix, CHU_EFORMAT,
			          "the index is damaged: document %lld is in the full-text table but not in docs; build it again "
			          "with chu index",
			          (long long)ids[i]);
			break;
		}
		const char *ft = (const char *)sqlite3_column_text(st, 8), *fb = (const char *)sqlite3_column_text(st, 9);
		size_t ftl = (size_t)sqlite3_column_bytes(st, 8), fbl = (size_t)sqlite3_column_bytes(st, 9);
		if (ix->sums && (sqlite3_column_type(st, 7) != SQLITE_INTEGER ||
		                 sqlite3_column_int64(st, 7) != chu__index_sum(ft, ftl, fb, fbl))) {
			rc = fail(ix, CHU_EFORMAT,
			          "the index is damaged: document %lld has a text that does not match its checksum; build it "
			          "again with chu index",
			          (long long)ids[i]);
			break;
		}
		struct hit_row h = {ids[i], scores[i], tiers[i], 0, 0, 0, 0, 0, 0, 0, 0, 0};
		h.id = keep_col(&rc, ix, st, 0);
		h.source = keep_col(&rc, ix, st, 1);
		h.title = keep_col(&rc, ix, st, 2);
		if (h.title == SIZE_MAX)
			h.title = keep(&rc, ix, "", 0);
		h.url = keep_col(&rc, ix, st, 3);
		h.date = keep_col(&rc, ix, st, 4);
		const char *snip;
		size_t sl;
		int on = -1, off = -1;
		if (sn) {
			char m[2][2] = {"", ""};
			if (snippet_markers(fb, fbl, &on, &off))
				m[0][0] = (char)on, m[1][0] = (char)off;
			sqlite3_reset(sn);
			sqlite3_bind_text(sn, 1, match, -1, SQLITE_STATIC);
			sqlite3_bind_int64(sn, 2, ids[i]);
			sqlite3_bind_text(sn, 3, m[0], -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(sn, 4, m[1], -1, SQLITE_TRANSIENT);
			if (sqlite3_step(sn) != SQLITE_ROW) {
				rc = sql_fail(ix, "search");
				break;
			}
			snip = (const char *)sqlite3_column_text(sn, 0);
			sl = snip ? (size_t)sqlite3_column_bytes(sn, 0) : 0;
		} else {
			snip = (const char *)sqlite3_column_text(st, 5);
			sl = snip ? (size_t)sqlite3_column_bytes(st, 5) : 0;
		}
		int cut = !q->n_tiers && fbl > sl;
		if (cut) {
			/* no words to show around: the body's beginning, cut at a space */
			size_t k = sl;
			while (k > 0 && snip[k - 1] != ' ')
				k--;
			while (k > 0 && snip[k - 1] == ' ')
				k--;
			sl = k ? k : sl;
		}
		keep_snippet(&rc, ix, snip ? snip : "", sl, on, off, &h);
		if (cut) {
			ix->arena.len--; /* its NUL */
			chu__buf_put(&rc, &ix->arena, "…", strlen("…"));
			chu__buf_putc(&rc, &ix->arena, '\0');
			h.snippet_len += strlen("…");
		}
		chu__buf_put(&rc, &ix->rows, &h, sizeof h);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(sn);
	if (rc == CHU_ENOMEM)
		return fail(ix, rc, "out of memory");
	return rc;
}

/* The first n gathered ids as a JSON array, for json_each(). */
static char *ids_json(const chu_index *ix, size_t n)
{
	const sqlite3_int64 *ids = (const sqlite3_int64 *)(void *)ix->ids.data;
	size_t cap = n * 21 + 3, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, i ? ",%lld" : "%lld", (long long)ids[i]);
	s[len++] = ']';
	s[len] = '\0';
	return s;
}

/* One entity while facets are counted: kind and folded text, the least text written for it
 * (as SQLite's min() would choose), how many hits have it and the last one that did. */
struct facet_count {
	size_t key, key_len, text, text_len, kind_len; /* into the scratch arena: kind, NUL, folded */
	size_t count;
	sqlite3_int64 last_doc;
	const char *kp, *tp; /* key and text, once the arena no longer grows (for sorting) */
};


/* The facet order: kind, then count (most first), then text. */
static int facet_cmp(const void *a, const void *b)
{
	const struct facet_count *x = a, *y = b;
	int k = strcmp(x->kp, y->kp);
	if (k)
		return k;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->text_len < y->text_len ? x->text_len : y->text_len;
	int t = memcmp(x->tp, y->tp, n);
	return t ? t : (x->text_len > y->text_len) - (x->text_len < y->text_len);
}

/* Has s[0, n) a lowercase ASCII letter (it is not written in capitals)? */
static int has_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			return 1;
	return 0;
}

/* Is a a better way to show an entity than b: not in capitals ("Việt Nam" before "VIỆT NAM"),
 * then the least in byte order? */
static int better_text(const char *a, size_t al, const char *b, size_t bl)
{
	int la = has_lower(a, al), lb = has_lower(b, bl);
	if (la != lb)
		return la;
	size_t m = al < bl ? al : bl;
	int c = memcmp(a, b, m);
	return c < 0 || (c == 0 && al < bl);
}

int chu__index_facets(const char *rows, size_t len, chu__buf *out)
{
	int rc = CHU_OK;
	size_t start = out->len;
	for (size_t i = 0; i < len && rc >= 0;) {
		const char *kind = rows + i, *text = kind + strlen(kind) + 1, *fold = text + strlen(text) + 1;
		size_t kl = strlen(kind), tl = strlen(text), fl = strlen(fold);
		i = (size_t)(fold - rows) + fl + 1;
		/* an entry with this kind and folded text already? (a document has a few dozen) */
		int keep_old = 0;
		for (size_t j = start; j < out->len;) {
			const char *k = out->data + j, *f = k + strlen(k) + 1, *t = f + strlen(f) + 1;
			size_t next = (size_t)(t - out->data) + strlen(t) + 1;
			if (strcmp(k, kind) == 0 && strcmp(f, fold) == 0) {
				if (better_text(text, tl, t, strlen(t))) {
					/* this text instead: the old entry goes, the new one is appended */
					memmove(out->data + j, out->data + next, out->len - next);
					out->len -= next - j;
				} else {
					keep_old = 1;
				}
				break;
			}
			j = next;
		}
		if (keep_old)
			continue;
		chu__buf_put(&rc, out, kind, kl + 1);
		chu__buf_put(&rc, out, fold, fl + 1);
		chu__buf_put(&rc, out, text, tl + 1);
	}
	/* a person named by the last words of a longer name of the same document ("Khôi" after "Lê
	 * Minh Khôi") is that person: the short entry goes */
	for (size_t j = start; j < out->len && rc >= 0;) {
		const char *k = out->data + j, *f = k + strlen(k) + 1, *t = f + strlen(f) + 1;
		size_t next = (size_t)(t - out->data) + strlen(t) + 1, fl = strlen(f);
		int longer = 0;
		for (size_t m = start; m < out->len && !longer && strcmp(k, "per") == 0;) {
			const char *k2 = out->data + m, *f2 = k2 + strlen(k2) + 1, *t2 = f2 + strlen(f2) + 1;
			size_t f2l = strlen(f2);
			longer = m != j && strcmp(k2, "per") == 0 && f2l > fl + 1 && f2[f2l - fl - 1] == ' ' &&
			         memcmp(f2 + f2l - fl, f, fl) == 0;
			m = (size_t)(t2 - out->data) + strlen(t2) + 1;
		}
		if (longer) {
			memmove(out->data + j, out->data + next, out->len - next);
			out->len -= next - j;
		} else {
			j = next;
		}
	}
	return rc;
}

static int wanted_kind(const chu_index_request *req, const char *kind)
{
	if (!req->facet_kinds)
		return 1;
	for (const char *const *k = req->facet_kinds; *k; k++)
		if (strcmp(*k, kind) == 0)
			return 1;
	return 0;
}

/* The table facets are counted in: open addressing over struct facet_count, keys and texts in
 * scratch. */
struct facet_table {
	chu__buf scratch, table;
	size_t cap, used;
};

/* Counts one entity of document doc. */
static int facet_add(struct facet_table *ft, const char *kind, size_t kl, const char *folded, size_t fl, const char *text,
                     size_t tl, sqlite3_int64 doc)
{
	int rc = CHU_OK;
	if (ft->used * 2 >= ft->cap) {
		/* grow: the table twice as large, every entry placed again */
		size_t ncap = ft->cap * 2;
		chu__buf bigger;
		chu__buf_init(&bigger, &chu__default_allocator);
		chu__buf_reserve(&rc, &bigger, ncap * sizeof(struct facet_count));
		if (rc < 0)
			return rc;
		memset(bigger.data, 0, ncap * sizeof(struct facet_count));
		struct facet_count *old = (struct facet_count *)(void *)ft->table.data,
		                   *nt = (struct facet_count *)(void *)bigger.data;
		for (size_t k = 0; k < ft->cap; k++)
			if (old[k].key) {
				size_t h = (size_t)chu__checksum(ft->scratch.data + old[k].key, old[k].key_len) & (ncap - 1);
				while (nt[h].key)
					h = (h + 1) & (ncap - 1);
				nt[h] = old[k];
			}
		chu__buf_free(&ft->table);
		ft->table = bigger;
		ft->cap = ncap;
	}
	/* the key: kind, NUL, folded */
	chu__buf *sc = &ft->scratch;
	size_t at = sc->len;
	chu__buf_put(&rc, sc, kind, kl);
	chu__buf_putc(&rc, sc, '\0');
	chu__buf_put(&rc, sc, folded, fl);
	if (rc < 0)
		return rc;
	size_t keylen = kl + 1 + fl;
	struct facet_count *tab = (struct facet_count *)(void *)ft->table.data;
	size_t h = (size_t)chu__checksum(sc->data + at, keylen) & (ft->cap - 1);
	while (tab[h].key && (tab[h].key_len != keylen || memcmp(sc->data + tab[h].key, sc->data + at, keylen)))
		h = (h + 1) & (ft->cap - 1);
	struct facet_count *e = &tab[h];
	if (!e->key) {
		chu__buf_putc(&rc, sc, '\0');
		size_t to = sc->len;
		chu__buf_put(&rc, sc, text, tl);
		chu__buf_putc(&rc, sc, '\0');
		*e = (struct facet_count){at, keylen, to, tl, kl, 1, doc, NULL, NULL};
		ft->used++;
		return rc;
	}
	sc->len = at; /* the key is there already */
	if (e->last_doc != doc) {
		e->count++;
		e->last_doc = doc;
	}
	if (better_text(text, tl, sc->data + e->text, e->text_len)) {
		e->text = sc->len;
		e->text_len = tl;
		chu__buf_put(&rc, sc, text, tl);
		chu__buf_putc(&rc, sc, '\0');
	}
	return rc;
}

/* Counts the entities of document doc's facets blob (kind, folded, text, each NUL-terminated; a
 * damaged blob ends where it stops making sense). */
static int facet_blob(struct facet_table *ft, const chu_index_request *req, const char *b, size_t bl,
                      sqlite3_int64 doc)
{
	int rc = CHU_OK;
	for (size_t k = 0; b && k < bl && rc >= 0;) {
		const char *kind = b + k, *e1 = memchr(kind, '\0', bl - k);
		const char *f = e1 ? e1 + 1 : NULL, *e2 = f ? memchr(f, '\0', bl - (size_t)(f - b)) : NULL;
		const char *t = e2 ? e2 + 1 : NULL, *e3 = t ? memchr(t, '\0', bl - (size_t)(t - b)) : NULL;
		if (!e3)
			break;
		if (wanted_kind(req, kind))
			rc = facet_add(ft, kind, (size_t)(e1 - kind), f, (size_t)(e2 - f), t, (size_t)(e3 - t), doc);
		k = (size_t)(e3 - b) + 1;
	}
	return rc;
}

/* The 10 commonest entities of each kind among the first n hits, counted here in a hash table
 * from each hit's docs.facets (its entities once each; chu index writes it) or, for a document
 * indexed by an older chu, its entities rows; and the hits by month. */
static int count_facets(chu_index *ix, const chu_index_request *req, size_t n)
{
	const sqlite3_int64 *ids = (const sqlite3_int64 *)(void *)ix->ids.data;
	sqlite3_stmt *es = NULL, *ds = NULL, *ms = NULL;
	int rc = CHU_OK;
	struct facet_table ft = {.cap = 1024};
	chu__buf rows, blob; /* an older chu's document: its rows, their summary */
	chu__buf_init(&rows, &chu__default_allocator);
	chu__buf_init(&blob, &chu__default_allocator);
	chu__buf_init(&ft.scratch, &chu__default_allocator);
	chu__buf_init(&ft.table, &chu__default_allocator);
	chu__buf_reserve(&rc, &ft.table, ft.cap * sizeof(struct facet_count));
	char *json = NULL;
	if (rc < 0)
		goto out;
	memset(ft.table.data, 0, ft.cap * sizeof(struct facet_count));
	if (sqlite3_prepare_v2(ix->db, "SELECT kind, folded, text FROM entities WHERE doc = ?1", -1, &es, NULL) != SQLITE_OK ||
	    (ix->has_facets && sqlite3_prepare_v2(ix->db, "SELECT facets FROM docs WHERE id = ?1", -1, &ds, NULL) != SQLITE_OK)) {
		rc = sql_fail(ix, "facets");
		goto out;
	}
	chu__buf_putc(&rc, &ft.scratch, '\0'); /* offset 0: an empty slot */
	for (size_t i = 0; i < n && rc >= 0; i++) {
		int src;
		if (ds) {
			sqlite3_reset(ds);
			sqlite3_bind_int64(ds, 1, ids[i]);
			if ((src = sqlite3_step(ds)) != SQLITE_ROW && src != SQLITE_DONE) {
				rc = sql_fail(ix, "facets");
				break;
			}
			if (src == SQLITE_ROW && sqlite3_column_type(ds, 0) != SQLITE_NULL) {
				rc = facet_blob(&ft, req, sqlite3_column_blob(ds, 0), (size_t)sqlite3_column_bytes(ds, 0), ids[i]);
				continue;
			}
		}
		/* an older chu's document: its entities rows, summed up as chu index now does */
		sqlite3_reset(es);
		sqlite3_bind_int64(es, 1, ids[i]);
		rows.len = blob.len = 0;
		while (rc >= 0 && (src = sqlite3_step(es)) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(es, 0), *folded = (const char *)sqlite3_column_text(es, 1),
			           *text = (const char *)sqlite3_column_text(es, 2);
			if (!kind || !folded || !text)
				continue;
			chu__buf_put(&rc, &rows, kind, strlen(kind) + 1);
			chu__buf_put(&rc, &rows, text, strlen(text) + 1);
			chu__buf_put(&rc, &rows, folded, strlen(folded) + 1);
		}
		if (rc >= 0 && src != SQLITE_DONE)
			rc = sql_fail(ix, "facets");
		if (rc >= 0)
			rc = chu__index_facets(rows.data, rows.len, &blob);
		if (rc >= 0)
			rc = facet_blob(&ft, req, blob.data, blob.len, ids[i]);
	}
	if (rc < 0)
		goto out;
	chu__buf scratch = ft.scratch;
	size_t cap = ft.cap;
	struct facet_count *tab = (struct facet_count *)(void *)ft.table.data;
	size_t k = 0;
	for (size_t i = 0; i < cap; i++)
		if (tab[i].key) {
			tab[k] = tab[i];
			tab[k].kp = scratch.data + tab[k].key;
			tab[k].tp = scratch.data + tab[k].text;
			k++;
		}
	qsort(tab, k, sizeof *tab, facet_cmp);
	for (size_t i = 0, run = 0; i < k && rc >= 0; i++) {
		run = i && strcmp(scratch.data + tab[i].key, scratch.data + tab[i - 1].key) == 0 ? run + 1 : 0;
		if (run >= 10)
			continue;
		struct facet_row f = {keep(&rc, ix, scratch.data + tab[i].key, tab[i].kind_len),
		                      keep(&rc, ix, scratch.data + tab[i].text, tab[i].text_len), tab[i].count};
		chu__buf_put(&rc, &ix->frows, &f, sizeof f);
	}
	if (rc < 0)
		goto out;
	json = ids_json(ix, n);
	if (!json) {
		rc = CHU_ENOMEM;
		goto out;
	}
	if (sqlite3_prepare_v2(ix->db,
	                       "SELECT substr(date, 1, 7), count(*) FROM docs WHERE id IN (SELECT value FROM json_each(?1))"
	                       " AND date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]*' GROUP BY 1 ORDER BY 1",
	                       -1, &ms, NULL) != SQLITE_OK) {
		rc = sql_fail(ix, "facets");
		goto out;
	}
	sqlite3_bind_text(ms, 1, json, -1, SQLITE_STATIC);
	int src;
	while (rc >= 0 && (src = sqlite3_step(ms)) == SQLITE_ROW) {
		chu_index_month m = {"", (size_t)sqlite3_column_int64(ms, 1)};
		const char *mon = (const char *)sqlite3_column_text(ms, 0);
		snprintf(m.month, sizeof m.month, "%s", mon ? mon : "");
		chu__buf_put(&rc, &ix->months, &m, sizeof m);
	}
	if (rc >= 0 && src != SQLITE_DONE)
		rc = sql_fail(ix, "facets");
out:
	sqlite3_finalize(es);
	sqlite3_finalize(ds);
	sqlite3_finalize(ms);
	free(json);
	chu__buf_free(&ft.scratch);
	chu__buf_free(&ft.table);
	chu__buf_free(&rows);
	chu__buf_free(&blob);
	if (rc == CHU_ENOMEM)
		return fail(ix, rc, "out of memory");
	return rc;
}

static int only_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

int chu_index_search(chu_index *ix, chu_ctx *ctx, const chu_index_request *req, chu_index_results *out)
{
	if (!ix || !ctx || !req || !out || (!req->query && req->query_len))
		return ix ? fail(ix, CHU_EINVAL, "bad arguments") : CHU_EINVAL;
	memset(out, 0, sizeof *out);
	ix->error[0] = '\0';
	if (!ix->db)
		return fail(ix, CHU_EINVAL, "the index is not open");
	if (req->mode < CHU_INDEX_RANKED || req->mode > CHU_INDEX_ANY)
		return fail(ix, CHU_EINVAL, "unknown search mode %d", req->mode);
	start_clock(ix);
	ix->arena.len = ix->rows.len = ix->marks.len = ix->frows.len = ix->months.len = 0;
	const char *text = req->query ? req->query : "";
	size_t len = req->query_len;
	chu_query q = {0};
	chu_query_tier any_tier = {NULL, "most", 1};
	int rc = CHU_OK;
	if (only_space(text, len)) {
		if (!req->n_filters)
			return fail(ix, CHU_ESYNTAX, "the query is empty");
	} else if (req->mode == CHU_INDEX_ANY) {
		size_t ml;
		rc = chu_search_query(ctx, ix->accent, text, len, &any_tier.match, &ml);
		if (rc >= 0 && !ml)
			return fail(ix, CHU_ESYNTAX, "the query has no words");
		q.tiers = &any_tier;
		q.n_tiers = 1;
		q.marked = chu__query_marked(text, len);
	} else {
		rc = chu_query_compile(ctx, ix->accent, text, len, req->mode == CHU_INDEX_ALL ? CHU_QUERY_ALL : 0, &q);
		if (rc == CHU_ESYNTAX)
			return fail(ix, rc, "%s", q.error ? q.error : "the query does not parse");
	}
	if (rc < 0)
		return fail(ix, rc, "%s", chu_strerror(rc));
	rc = gather_filters(ix, &q, req);
	if (rc < 0)
		return rc;
	const chu_query_filter *f = (const chu_query_filter *)(void *)ix->filters.data;
	size_t nf = ix->filters.len / sizeof *f;
	size_t limit = req->limit, want = req->offset + req->limit;
	if (req->facets && want < req->facet_hits)
		want = req->facet_hits;
	int more = 0;
	rc = gather(ix, ctx, &q, req->mode != CHU_INDEX_ANY, f, nf, want, &more);
	size_t n = ix->ids.len / sizeof(sqlite3_int64);
	size_t total = n;
	if (rc >= 0 && more)
		rc = count_all(ix, ctx, &q, f, nf, &total);
	if (rc >= 0)
		rc = fetch(ix, &q, req->offset, limit);
	size_t nfacet = req->facets ? (n < req->facet_hits ? n : req->facet_hits) : 0;
	if (rc >= 0 && nfacet)
		rc = count_facets(ix, req, nfacet);
	/* the likely spelling of a query without marks */
	size_t likely = SIZE_MAX;
	if (rc >= 0 && !q.marked && ix->accent && len) {
		const char *acc;
		size_t al;
		if (chu_accent(ctx, ix->accent, text, len, &acc, &al) >= 0 && (al != len || memcmp(acc, text, len) != 0))
			likely = keep(&rc, ix, acc, al);
	}
	if (rc < 0)
		return rc == CHU_ENOMEM ? fail(ix, rc, "out of memory") : rc;
	/* pointers now that the arena is whole */
	const struct hit_row *rows = (const struct hit_row *)(void *)ix->rows.data;
	size_t nr = ix->rows.len / sizeof *rows;
	ix->hits.len = 0;
	chu__buf_reserve(&rc, &ix->hits, nr * sizeof(chu_index_hit));
	const struct facet_row *fr = (const struct facet_row *)(void *)ix->frows.data;
	size_t nfr = ix->frows.len / sizeof *fr;
	ix->facets.len = 0;
	chu__buf_reserve(&rc, &ix->facets, nfr * sizeof(chu_index_facet));
	if (rc < 0)
		return fail(ix, rc, "out of memory");
	const size_t *marks = (const size_t *)(void *)ix->marks.data;
	for (size_t i = 0; i < nr; i++) {
		const struct hit_row *h = &rows[i];
		chu_index_hit hit = {h->rowid, at(ix, h->id), at(ix, h->source), at(ix, h->title), at(ix, h->url),
		                     at(ix, h->date), h->score, q.n_tiers ? q.tiers[h->tier].exact : 1,
		                     q.n_tiers ? q.tiers[h->tier].name : "filter", at(ix, h->snippet), h->snippet_len,
		                     h->n_marks ? marks + 2 * h->first_mark : NULL, h->n_marks};
		chu__buf_put(&rc, &ix->hits, &hit, sizeof hit);
	}
	for (size_t i = 0; i < nfr; i++) {
		chu_index_facet fa = {at(ix, fr[i].kind), at(ix, fr[i].text), fr[i].count};
		chu__buf_put(&rc, &ix->facets, &fa, sizeof fa);
	}
	if (rc < 0)
		return fail(ix, rc, "out of memory");
	out->total = total;
	out->hits = nr ? (const chu_index_hit *)(void *)ix->hits.data : NULL;
	out->n_hits = nr;
	out->n_facets = nfr;
	out->facets = nfr ? (const chu_index_facet *)(void *)ix->facets.data : NULL;
	out->n_months = ix->months.len / sizeof(chu_index_month);
	out->months = out->n_months ? (const chu_index_month *)(void *)ix->months.data : NULL;
	out->facets_over = nfacet;
	out->marked = q.marked;
	out->likely = at(ix, likely);
	out->n_filters = nf;
	out->filters = nf ? f : NULL;
	return CHU_OK;
}

int chu_index_get(chu_index *ix, const char *id, size_t len, chu_index_doc *out)
{
	if (!ix || (!id && len) || !out)
		return ix ? fail(ix, CHU_EINVAL, "bad arguments") : CHU_EINVAL;
	memset(out, 0, sizeof *out);
	ix->error[0] = '\0';
	if (!ix->db)
		return fail(ix, CHU_EINVAL, "the index is not open");
	ix->arena.len = ix->rows.len = 0;
	start_clock(ix);
	char *sql = sqlite3_mprintf("SELECT d.id, coalesce(d.name, d.key), %s, d.title, d.url, d.date, f.title, f.body, d.sum"
	                            " FROM docs d LEFT JOIN docs_fts f ON f.rowid = d.id"
	                            " WHERE d.name = ?1 OR (d.name IS NULL AND d.key = ?1) ORDER BY d.id LIMIT 1",
	                            ix->has_file ? "d.file" : "NULL");
	sqlite3_stmt *st = NULL;
	int prc = prepare_owned(ix, "get", sql, &st);
	if (prc < 0)
		return prc;
	sqlite3_bind_text(st, 1, id ? id : "", (int)len, SQLITE_STATIC);
	int src = sqlite3_step(st), rc = CHU_OK;
	if (src == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (src != SQLITE_ROW) {
		rc = sql_fail(ix, "get");
		sqlite3_finalize(st);
		return rc;
	}
	const char *ft = (const char *)sqlite3_column_text(st, 6), *fb = (const char *)sqlite3_column_text(st, 7);
	size_t ftl = (size_t)sqlite3_column_bytes(st, 6), fbl = (size_t)sqlite3_column_bytes(st, 7);
	sqlite3_int64 rowid = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 7) == SQLITE_NULL ||
	    (ix->sums && (sqlite3_column_type(st, 8) != SQLITE_INTEGER ||
	                  sqlite3_column_int64(st, 8) != chu__index_sum(ft, ftl, fb, fbl)))) {
		sqlite3_finalize(st);
		return fail(ix, CHU_EFORMAT,
		            "the index is damaged: document %lld has a text that does not match its checksum; build it again "
		            "with chu index",
		            (long long)rowid);
	}
	size_t o_id = keep_col(&rc, ix, st, 1), o_src = keep_col(&rc, ix, st, 2), o_title = keep(&rc, ix, ft ? ft : "", ftl),
	       o_url = keep_col(&rc, ix, st, 4), o_date = keep_col(&rc, ix, st, 5), o_body = keep(&rc, ix, fb ? fb : "", fbl);
	sqlite3_finalize(st);
	if (rc < 0)
		return fail(ix, rc, "out of memory");
	*out = (chu_index_doc){rowid, at(ix, o_id), at(ix, o_src), at(ix, o_title), at(ix, o_url), at(ix, o_date),
	                       at(ix, o_body), ftl, fbl};
	return 1;
}

int chu_index_count(chu_index *ix, int64_t *n)
{
	if (!ix || !n)
		return ix ? fail(ix, CHU_EINVAL, "bad arguments") : CHU_EINVAL;
	ix->error[0] = '\0';
	if (!ix->db)
		return fail(ix, CHU_EINVAL, "the index is not open");
	sqlite3_stmt *st = NULL;
	int rc = CHU_OK;
	if (sqlite3_prepare_v2(ix->db, "SELECT count(*) FROM docs", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = sql_fail(ix, "count");
	sqlite3_finalize(st);
	return rc;
}

int chu_index_changed(chu_index *ix)
{
	if (!ix || !ix->db)
		return ix ? fail(ix, CHU_EINVAL, "the index is not open") : CHU_EINVAL;
	long long v = pragma_int(ix->db, "PRAGMA data_version");
	if (v < 0)
		return sql_fail(ix, "data_version");
	int changed = v != ix->version;
	ix->version = v;
	return changed;
}
