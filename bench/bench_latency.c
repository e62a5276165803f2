/*
 * bench_latency.c — query latency of chu's FTS5 tokenizer beside SQLite's unicode61
 * (remove_diacritics 2), in-process, on the same news articles and the same queries in the same run.
 *
 * Corpus: the first CHU_BENCH_NEWS_DOCS (default 40,000) VietNews articles, title and text, read as
 * JSON lines from standard input, indexed into two file-backed databases in DIR:
 * fts5(title, body, tokenize='chu') and fts5(title, body, tokenize='unicode61 remove_diacritics 2'),
 * each built in one transaction (synchronous=OFF: the build measures tokenizing and FTS5, not the
 * disk's flush).
 * Queries: CHU_BENCH_QUERIES (default 2,000) samples from the articles themselves, with a fixed
 * seed: even-numbered ones a phrase (2–4 syllables side by side in one sentence), odd-numbered ones
 * loose words (2–4 syllables from different sentences of one article); only syllable tokens, so no
 * digits or punctuation. Each is asked as written and with every mark stripped (chu_fold).
 * Engines, each timed (CLOCK_MONOTONIC) for the whole search of its top 10:
 *   chu search  what chu_index_search does: chu_query_compile with models/accent.chm (a query
 *               without marks read first as its likely spelling), then its phrase, near and all
 *               tiers in one pass (chu__query_ranked: the plain words written out as the
 *               spellings the index's vocabulary holds, ranked by chu_rank()), then the other
 *               tiers by rank
 *   chu every   the same without the restorer: every spelling of a query without marks alike
 *               (chu search of stop 28)
 *   chu tiers   chu_query_compile (no restorer), then each tier by rank, leaving out earlier
 *               tiers' rows (chu search before the one pass)
 *   chu plain   the quoted words side by side (FTS5's implicit AND), chu's tokenizer
 *   u61 plain   the same implicit AND, unicode61
 *   u61 OR      the quoted words joined by OR, unicode61
 * A warm-up first reads both databases whole and runs the first WARM_QUERIES queries on every
 * engine; in both passes the engines take turns, each query starting with another one, so that a
 * noisy machine hurts them alike. For chu tiers, the time of each tier (and of compiling) is
 * summed by the tier's name.
 * Then, untimed: for the no-marks queries, how many spellings chu_search_keys gives each term and
 * how many of them the chu index's vocabulary holds (fts5vocab); and, timed on the first
 * N_EXPANDED of them, their plain AND with every spelling written out as an OR and with only the
 * spellings the index holds, beside chu plain and u61 plain: would expanding only into spellings
 * the index holds pay?
 * usage: gzip -dc vietnews.jsonl.gz | bench_latency DIR
 */
#include "chu.h"
#include "internal.h" /* chu__query_ranked, chu__vocab_…: what chu_index_search uses */

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

#define TOP 10       /* hits a search gathers */
#define MAX_WORDS 4  /* syllables a query has at most */
#define SEED 0x9e3779b97f4a7c15ull
#define WARM_QUERIES 100 /* queries of the warm-up pass */
#define N_EXPANDED 500   /* no-marks queries of the spelling experiment */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Stops the program with a message: a benchmark that cannot set itself up measures nothing. */
__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...);
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench_latency: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static size_t env_size(const char *name, size_t dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end || n == 0)
		die("%s=%s: a positive whole number is wanted", name, v);
	return (size_t)n;
}

/* ---- the corpus ---------------------------------------------------------------------------- */

typedef struct article {
	char *title, *body; /* NUL-terminated UTF-8 as in the file */
	size_t title_len, body_len; /* bytes */
} article;

/* Reads up to max {"title","text"} JSON lines from f with SQLite's JSON functions. *bytes receives
 * the bytes of title and text together. */
static article *read_articles(FILE *f, size_t max, size_t *n, size_t *bytes)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT json_extract(?1,'$.title'), json_extract(?1,'$.text')", -1, &st, NULL) != SQLITE_OK)
		die("cannot read JSON: %s", sqlite3_errmsg(db));
	article *v = xmalloc(max * sizeof *v);
	*n = *bytes = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while (*n < max && (len = getline(&line, &cap, f)) > 0) {
		sqlite3_bind_text(st, 1, line, (int)len, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 0);
			size_t tl = t ? (size_t)sqlite3_column_bytes(st, 0) : 0;
			const char *b = (const char *)sqlite3_column_text(st, 1);
			size_t bl = b ? (size_t)sqlite3_column_bytes(st, 1) : 0;
			article *a = &v[(*n)++];
			a->title = xstrndup(t ? t : "", tl);
			a->title_len = tl;
			a->body = xstrndup(b ? b : "", bl);
			a->body_len = bl;
			*bytes += tl + bl;
		}
		sqlite3_reset(st);
	}
	free(line);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* ---- the queries --------------------------------------------------------------------------- */

enum { PHRASE, LOOSE, N_KINDS };       /* how a query was sampled */
enum { WRITTEN, FOLDED, N_FORMS };     /* as written, every mark stripped */
static const char *const kind_name[N_KINDS + 1] = {"phrases", "loose", "all"};
static const char *const form_name[N_FORMS] = {"as written", "no marks"};

typedef struct query {
	int kind;                        /* PHRASE or LOOSE */
	size_t n_words;                  /* 2 … MAX_WORDS */
	char *text[N_FORMS];             /* the words joined by one space */
	char *plain[N_FORMS], *any[N_FORMS]; /* "a" "b" and "a" OR "b" */
} query;

/* splitmix64: the same samples on every machine */
static uint64_t rng = SEED;
static uint64_t rng_next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static size_t rng_below(size_t n) { return (size_t)(rng_next() % n); }

/* A syllable that can stand in a query as a word: FTS5's and chu's operators are left out. */
static bool word_token(const char *text, const chu_token *t)
{
	if (t->kind != CHU_TOKEN_SYLLABLE)
		return false;
	size_t n = t->end - t->start;
	const char *s = text + t->start;
	static const char *const ops[] = {"OR", "AND", "NOT", "NEAR"};
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		if (strlen(ops[i]) == n && memcmp(ops[i], s, n) == 0)
			return false;
	return true;
}

/* Only spaces between bytes a and b: the tokens either side stand side by side in a sentence. */
static bool spaces_only(const char *text, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (text[i] != ' ')
			return false;
	return a < b;
}

/* Picks the tokens of one sample of kind from body (tokens tk[0, n)) into pick[0, nw): a phrase
 * of nw words side by side in one sentence, or nw words of nw different sentences, each a
 * different word, in text order. false when the article has no such sample. */
static bool pick_tokens(int kind, const char *body, const chu_token *tk, size_t n, size_t nw, size_t *pick)
{
	if (kind == PHRASE) {
		size_t count = 0, chosen = 0;
		/* two walks: count the places a phrase can start, then take the chosen one */
		for (int walk = 0; walk < 2; walk++) {
			size_t seen = 0;
			for (size_t i = 0; i + nw <= n; i++) {
				bool ok = true;
				for (size_t k = 0; k < nw && ok; k++) {
					ok = word_token(body, &tk[i + k]);
					if (ok && k + 1 < nw)
						ok = !(tk[i + k].flags & CHU_TOKEN_SENTENCE_END) &&
						     spaces_only(body, tk[i + k].end, tk[i + k + 1].start);
				}
				if (!ok)
					continue;
				if (walk == 1 && seen == chosen) {
					for (size_t k = 0; k < nw; k++)
						pick[k] = i + k;
					return true;
				}
				seen++;
			}
			count = seen;
			if (count == 0)
				return false;
			chosen = rng_below(count);
		}
		return false;
	}
	/* loose words: the sentences that hold a word, nw of them chosen, one word from each */
	size_t n_sent = 0;
	size_t *first = xmalloc((n + 1) * sizeof *first); /* first token of each sentence */
	first[0] = 0;
	for (size_t i = 0; i < n; i++)
		if ((tk[i].flags & CHU_TOKEN_SENTENCE_END) || i + 1 == n)
			first[++n_sent] = i + 1;
	bool ok = false;
	if (n_sent >= nw) {
		size_t sent[MAX_WORDS];
		for (int tries = 0; tries < 20 && !ok; tries++) {
			size_t got = 0;
			for (int draws = 0; draws < 40 && got < nw; draws++) {
				size_t s = rng_below(n_sent), a = first[s], b = first[s + 1];
				bool dup = false;
				for (size_t k = 0; k < got && !dup; k++)
					dup = sent[k] == s;
				if (dup || b == a)
					continue;
				size_t t = a + rng_below(b - a);
				if (!word_token(body, &tk[t]))
					continue;
				/* a different word from those already taken (compared as written) */
				size_t len = tk[t].end - tk[t].start;
				for (size_t k = 0; k < got && !dup; k++)
					dup = tk[pick[k]].end - tk[pick[k]].start == len && memcmp(body + tk[pick[k]].start, body + tk[t].start, len) == 0;
				if (dup)
					continue;
				sent[got] = s;
				pick[got++] = t;
			}
			ok = got == nw;
		}
		/* text order */
		for (size_t i = 1; ok && i < nw; i++)
			for (size_t k = i; k > 0 && pick[k - 1] > pick[k]; k--) {
				size_t x = pick[k];
				pick[k] = pick[k - 1];
				pick[k - 1] = x;
			}
	}
	free(first);
	return ok;
}

/* "w1" "w2" … (sep " ") or "w1" OR "w2" … (sep " OR ") from the words of text (one space apart). */
static char *quoted(const char *text, const char *sep)
{
	size_t cap = strlen(text) * 2 + 64, o = 0;
	char *out = xmalloc(cap);
	for (const char *p = text; *p;) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		o += (size_t)snprintf(out + o, cap - o, "%s\"%.*s\"", o ? sep : "", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	return out;
}

/* nq samples drawn from the articles: kinds alternate, 2 … MAX_WORDS words each. */
static query *sample_queries(chu_ctx *ctx, const article *art, size_t n_art, size_t nq)
{
	query *q = xmalloc(nq * sizeof *q);
	for (size_t i = 0; i < nq; i++) {
		query *x = &q[i];
		x->kind = (int)(i % 2);
		for (int tries = 0;; tries++) {
			if (tries == 10000)
				die("cannot sample a query from %zu articles", n_art);
			size_t nw = 2 + rng_below(MAX_WORDS - 1);
			const article *a = &art[rng_below(n_art)];
			const chu_token *tk;
			size_t n;
			if (chu_tokenize(ctx, a->body, a->body_len, &tk, &n) != CHU_OK)
				continue;
			size_t pick[MAX_WORDS];
			if (!pick_tokens(x->kind, a->body, tk, n, nw, pick))
				continue;
			char buf[512];
			size_t o = 0;
			for (size_t k = 0; k < nw; k++) {
				size_t len = tk[pick[k]].end - tk[pick[k]].start;
				if (o + len + 2 > sizeof buf)
					break;
				if (k)
					buf[o++] = ' ';
				memcpy(buf + o, a->body + tk[pick[k]].start, len);
				o += len;
			}
			buf[o] = '\0';
			const char *norm, *fold;
			size_t norm_len, fold_len;
			if (chu_norm(ctx, buf, o, &norm, &norm_len) != CHU_OK)
				continue;
			x->text[WRITTEN] = xstrndup(norm, norm_len);
			if (chu_fold(ctx, x->text[WRITTEN], norm_len, &fold, &fold_len) != CHU_OK)
				die("chu_fold failed on %s", x->text[WRITTEN]);
			x->text[FOLDED] = xstrndup(fold, fold_len);
			x->n_words = nw;
			break;
		}
		for (int f = 0; f < N_FORMS; f++) {
			x->plain[f] = quoted(x->text[f], " ");
			x->any[f] = quoted(x->text[f], " OR ");
		}
	}
	return q;
}

/* ---- the indexes --------------------------------------------------------------------------- */

enum { IX_CHU, IX_U61, N_IX };
static const char *const ix_name[N_IX] = {"chu", "unicode61"};
static const char *const ix_tokenize[N_IX] = {"chu", "unicode61 remove_diacritics 2"};

static sqlite3 *open_index(const char *dir, int ix)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.db", dir, ix_name[ix]);
	remove(path);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("cannot open %s: %s", path, sqlite3_errmsg(db));
	if (chu_sqlite_register(db, NULL) != SQLITE_OK)
		die("cannot register chu's tokenizer: %s", sqlite3_errmsg(db));
	char *sql = sqlite3_mprintf("PRAGMA synchronous=OFF; CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = %Q)",
	                            ix_tokenize[ix]);
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die("%s: %s", path, err);
	sqlite3_free(sql);
	return db;
}

/* Indexes every article in one transaction; returns the seconds it took. */
static double build(sqlite3 *db, const article *art, size_t n)
{
	sqlite3_stmt *st;
	double t0 = now();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, "INSERT INTO t(rowid, title, body) VALUES(?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		die("%s", sqlite3_errmsg(db));
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(st, 2, art[i].title, (int)art[i].title_len, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, art[i].body, (int)art[i].body_len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("commit: %s", sqlite3_errmsg(db));
	return now() - t0;
}

static long long db_size(sqlite3 *db)
{
	sqlite3_stmt *st;
	long long n = 0;
	sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- the searches -------------------------------------------------------------------------- */

enum { E_SEARCH, E_TIERS, E_CHU_PLAIN, E_U61_PLAIN, E_U61_OR, E_EVERY, N_ENGINES };
static const char *const engine_name[N_ENGINES] = {"chu search", "chu tiers", "chu plain", "u61 plain", "u61 OR",
                                                   "chu every"};

/* The tiers chu_query_compile names, and the compile step itself */
enum { T_COMPILE, T_PHRASE, T_NEAR, T_ALL, T_LOOKALIKE, T_MOST, T_OTHER, N_TIER_NAMES };
static const char *const tier_name[N_TIER_NAMES] = {"(compile)", "phrase", "near", "all", "look-alike", "most", "other"};

static int tier_index(const char *name)
{
	for (int i = T_PHRASE; i < T_OTHER; i++)
		if (strcmp(name, tier_name[i]) == 0)
			return i;
	return T_OTHER;
}

typedef struct tier_stats {
	double seconds[N_TIER_NAMES]; /* time in each tier (and compiling), summed over queries */
	long runs[N_TIER_NAMES];      /* how many times each ran */
	long tiers_run;               /* tiers run, summed over queries */
	long refused;                 /* queries chu_query_compile refused */
} tier_stats;

typedef struct bench {
	sqlite3 *db[N_IX];
	sqlite3_stmt *st[N_IX]; /* SELECT rowid … MATCH ?1 ORDER BY rank LIMIT ?2 */
	sqlite3_stmt *ranked;   /* SELECT rowid, chu_rank(…) … MATCH ?1 ORDER BY 2 LIMIT ?2, on chu's */
	chu__vocab *vocab;      /* chu's table's vocabulary */
	sqlite3_int64 last[N_ENGINES][TOP]; /* the hits of the last search of each engine */
	chu_ctx *ctx;           /* compiles the queries */
	chu_model *acc;         /* models/accent.chm, as chu search has it (NULL: chu search is chu every) */
	long errors[N_ENGINES]; /* searches SQLite failed (a MATCH expression it refused) */
} bench;

/* Steps st (bound to a MATCH expression and a limit) into rows seen[*n …], leaving out the rows
 * seen[0, before) already holds, until TOP rows. false when SQLite failed. */
static bool gather(sqlite3_stmt *st, sqlite3_int64 *seen, int *n)
{
	int before = *n, rc;
	while (*n < TOP && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		bool dup = false;
		for (int k = 0; k < before && !dup; k++)
			dup = seen[k] == id;
		if (!dup)
			seen[(*n)++] = id;
	}
	bool ok = *n >= TOP || rc == SQLITE_DONE;
	sqlite3_reset(st);
	return ok;
}

/* chu search: the tiers of q, each by rank, leaving out earlier tiers' rows, until TOP hits.
 * Returns the hits; ts (may be NULL) receives where the time went. */
static int search_tiers(bench *b, const char *q, tier_stats *ts)
{
	sqlite3_stmt *st = b->st[IX_CHU];
	sqlite3_int64 *seen = b->last[E_TIERS];
	int n = 0;
	double t0 = now();
	chu_query cq;
	int rc = chu_query_compile(b->ctx, NULL, q, strlen(q), 0, &cq);
	double t1 = now();
	if (ts) {
		ts->seconds[T_COMPILE] += t1 - t0;
		ts->runs[T_COMPILE]++;
	}
	if (rc != CHU_OK) {
		if (ts)
			ts->refused++;
		return 0;
	}
	for (size_t t = 0; t < cq.n_tiers && n < TOP; t++) {
		sqlite3_bind_text(st, 1, cq.tiers[t].match, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, TOP + n);
		if (!gather(st, seen, &n))
			b->errors[E_TIERS]++;
		double t2 = now();
		if (ts) {
			int k = tier_index(cq.tiers[t].name);
			ts->seconds[k] += t2 - t1;
			ts->runs[k]++;
			ts->tiers_run++;
		}
		t1 = t2;
	}
	return n;
}

/* chu search: the phrase, near and all tiers in one pass, then the others as chu tiers does; acc
 * the restorer chu_query_compile reads a query without marks with (as chu_index_search has it). */
static int search_ranked(bench *b, int engine, const chu_model *acc, const char *q)
{
	sqlite3_stmt *st = b->st[IX_CHU];
	sqlite3_int64 *seen = b->last[engine];
	int n = 0;
	chu_query cq;
	if (chu_query_compile(b->ctx, acc, q, strlen(q), 0, &cq) != CHU_OK)
		return 0;
	chu__vocab_refresh(b->vocab);
	const char *match, *groups;
	size_t covered = 0;
	if (chu__query_ranked(b->ctx, chu__vocab_held, b->vocab, &match, &groups, &covered) != CHU_OK)
		b->errors[engine]++;
	if (covered) {
		sqlite3_bind_text(b->ranked, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_int(b->ranked, 2, TOP);
		sqlite3_bind_text(b->ranked, 3, groups, -1, SQLITE_STATIC);
		if (!gather(b->ranked, seen, &n))
			b->errors[engine]++;
	}
	for (size_t t = covered; t < cq.n_tiers && n < TOP; t++) {
		sqlite3_bind_text(st, 1, cq.tiers[t].match, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, TOP + n);
		if (!gather(st, seen, &n))
			b->errors[engine]++;
	}
	return n;
}

/* One MATCH expression on index ix, its top TOP by rank. Returns the hits. */
static int search_plain(bench *b, int ix, int engine, const char *match)
{
	sqlite3_stmt *st = b->st[ix];
	sqlite3_int64 seen[TOP];
	int n = 0;
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, TOP);
	if (!gather(st, seen, &n))
		b->errors[engine]++;
	return n;
}

/* Runs query q (form f) on engine e: returns seconds, *hits the hits. */
static double run(bench *b, int e, const query *q, int f, int *hits, tier_stats *ts)
{
	double t0 = now();
	switch (e) {
	case E_SEARCH: *hits = search_ranked(b, E_SEARCH, b->acc, q->text[f]); break;
	case E_EVERY: *hits = search_ranked(b, E_EVERY, NULL, q->text[f]); break;
	case E_TIERS: *hits = search_tiers(b, q->text[f], ts); break;
	case E_CHU_PLAIN: *hits = search_plain(b, IX_CHU, e, q->plain[f]); break;
	case E_U61_PLAIN: *hits = search_plain(b, IX_U61, e, q->plain[f]); break;
	default: *hits = search_plain(b, IX_U61, e, q->any[f]); break;
	}
	return now() - t0;
}

/* ---- the figures --------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct figures {
	size_t n, with_hits;
	double p50, p90, p99, max; /* milliseconds */
} figures;

/* The nearest-rank percentile p (0 < p ≤ 1) of sorted v[0, n) */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);
	return v[k ? k - 1 : 0];
}

/* The figures of the queries of kind (N_KINDS: all) among lat[0, nq) and hits[0, nq). */
static figures summarize(const query *q, size_t nq, const double *lat, const int *hits, int kind)
{
	figures r = {0};
	double *v = xmalloc(nq * sizeof *v);
	for (size_t i = 0; i < nq; i++)
		if (kind == N_KINDS || q[i].kind == kind) {
			v[r.n++] = lat[i] * 1e3;
			r.with_hits += hits[i] > 0;
		}
	if (r.n) {
		qsort(v, r.n, sizeof *v, cmp_double);
		r.p50 = pct(v, r.n, 0.50);
		r.p90 = pct(v, r.n, 0.90);
		r.p99 = pct(v, r.n, 0.99);
		r.max = v[r.n - 1];
	}
	free(v);
	return r;
}

/* A growing string; after the first failed allocation, die() (a benchmark needs no recovery). */
typedef struct text {
	char *data;
	size_t len, cap;
} text;

__attribute__((format(printf, 2, 3))) static void text_add(text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if (t->data && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->data = realloc(t->data, t->cap);
		if (!t->data)
			die("out of memory");
		if (t->len == 0)
			t->data[0] = '\0';
	}
}

/* The spellings chu_search_keys gives one no-marks term, checked against both vocabularies. */
typedef struct spellings {
	sqlite3_stmt *chu_vocab; /* SELECT cnt FROM temp.v WHERE term = ?1, on the chu index */
	long generated, present; /* this term's keys, and those the chu index holds */
	long long occurrences;   /* of the keys the index holds, summed */
	text all, held;          /* ("=k1" OR "=k2" …) of every key, of the keys the index holds */
} spellings;

static int count_key(void *ud, const char *key, size_t key_len, size_t start, size_t end, int colocated)
{
	(void)start, (void)end, (void)colocated;
	spellings *c = ud;
	c->generated++;
	text_add(&c->all, "%s\"=%.*s\"", c->generated > 1 ? " OR " : "(", (int)key_len, key);
	sqlite3_bind_text(c->chu_vocab, 1, key, (int)key_len, SQLITE_STATIC);
	if (sqlite3_step(c->chu_vocab) == SQLITE_ROW) {
		c->present++;
		c->occurrences += sqlite3_column_int64(c->chu_vocab, 0);
		text_add(&c->held, "%s\"=%.*s\"", c->present > 1 ? " OR " : "(", (int)key_len, key);
	}
	sqlite3_reset(c->chu_vocab);
	return 0;
}

/* The spellings of the no-marks queries' terms, printed; all[i] and held[i] receive query i as an
 * AND of ORs of its terms' spellings (FTS5 joins parentheses only with an explicit AND): every one generated, only those the chu index holds. */
static void count_spellings(bench *b, const query *q, size_t nq, char **all, char **held)
{
	spellings c = {0};
	sqlite3_stmt *u61_vocab;
	if (sqlite3_exec(b->db[IX_CHU], "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, 'row')", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db[IX_CHU], "SELECT cnt FROM temp.v WHERE term = ?1", -1, &c.chu_vocab, NULL) != SQLITE_OK ||
	    sqlite3_exec(b->db[IX_U61], "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, 'row')", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db[IX_U61], "SELECT cnt FROM temp.v WHERE term = ?1", -1, &u61_vocab, NULL) != SQLITE_OK)
		die("fts5vocab: %s", sqlite3_errmsg(b->db[IX_CHU]));
	long terms = 0, generated = 0, present = 0, max_generated = 0, max_present = 0, expanded = 0, at_most_one = 0;
	long long chu_occ = 0, u61_occ = 0;
	for (size_t i = 0; i < nq; i++) {
		text qa = {0}, qh = {0};
		for (const char *p = q[i].text[FOLDED]; *p;) {
			size_t n = strcspn(p, " ");
			c.generated = c.present = 0;
			c.occurrences = 0;
			c.all.len = c.held.len = 0;
			if (chu_search_keys(b->ctx, NULL, p, n, CHU_SEARCH_QUERY, count_key, &c) != CHU_OK)
				die("chu_search_keys failed");
			if (c.generated)
				text_add(&qa, "%s%s)", qa.len ? " AND " : "", c.all.data);
			/* a term the index holds in no spelling: its folded key, which the index lacks too */
			if (c.present)
				text_add(&qh, "%s%s)", qh.len ? " AND " : "", c.held.data);
			else
				text_add(&qh, "%s(\"=%.*s\")", qh.len ? " AND " : "", (int)n, p);
			terms++;
			generated += c.generated;
			present += c.present;
			expanded += c.generated > 1;
			at_most_one += c.present <= 1;
			if (c.generated > max_generated)
				max_generated = c.generated;
			if (c.present > max_present)
				max_present = c.present;
			chu_occ += c.occurrences;
			sqlite3_bind_text(u61_vocab, 1, p, (int)n, SQLITE_STATIC);
			if (sqlite3_step(u61_vocab) == SQLITE_ROW)
				u61_occ += sqlite3_column_int64(u61_vocab, 0);
			sqlite3_reset(u61_vocab);
			p += n;
			while (*p == ' ')
				p++;
		}
		all[i] = qa.data ? qa.data : xstrndup("", 0);
		held[i] = qh.data ? qh.data : xstrndup("", 0);
	}
	sqlite3_finalize(c.chu_vocab);
	sqlite3_finalize(u61_vocab);
	free(c.all.data);
	free(c.held.data);
	printf("\nno-marks query terms: %ld (%.2f a query), %ld of them with more than one spelling\n", terms, (double)terms / (double)nq,
	       expanded);
	printf("  spellings chu_search_keys(CHU_SEARCH_QUERY) generates: %5.1f a term (at most %ld), %5.1f a query\n",
	       (double)generated / (double)terms, max_generated, (double)generated / (double)nq);
	printf("  of them in the chu index's vocabulary (fts5vocab):     %5.1f a term (at most %ld), %5.1f a query: %.1f%% of those "
	       "generated; %ld terms have at most one\n",
	       (double)present / (double)terms, max_present, (double)present / (double)nq, 100.0 * (double)present / (double)generated,
	       at_most_one);
	printf("  occurrences of the spellings the index holds, summed: %.2f× unicode61's occurrences of the folded terms\n",
	       (double)chu_occ / (double)u61_occ);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gzip -dc vietnews.jsonl.gz | bench_latency DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	size_t want_docs = env_size("CHU_BENCH_NEWS_DOCS", 40000), nq = env_size("CHU_BENCH_QUERIES", 2000);
	double start = now();
	size_t n_art, bytes;
	article *art = read_articles(stdin, want_docs, &n_art, &bytes);
	fclose(stdin); /* the rest of the corpus is not read: let gzip stop */
	if (n_art == 0)
		die("no articles on standard input");

	bench b = {0};
	if (chu_ctx_new(NULL, &b.ctx) != CHU_OK)
		die("chu_ctx_new failed");
	if (chu_model_open(getenv("CHU_BENCH_ACCENT") ? getenv("CHU_BENCH_ACCENT") : "models/accent.chm", &b.acc) != CHU_OK)
		b.acc = NULL;
	printf("query latency, in-process: %zu VietNews articles (%.1f MB of title and text), top %d a query\n\n", n_art,
	       (double)bytes / 1e6, TOP);

	/* the two indexes, one after the other, each in one transaction */
	printf("%-10s %10s %8s %14s\n", "tokenizer", "docs/s", "MB/s", "database MB");
	double secs[N_IX];
	long long size[N_IX];
	for (int ix = 0; ix < N_IX; ix++) {
		b.db[ix] = open_index(dir, ix);
		secs[ix] = build(b.db[ix], art, n_art);
		size[ix] = db_size(b.db[ix]);
		printf("%-10s %10.0f %8.2f %14.1f\n", ix_name[ix], (double)n_art / secs[ix], (double)bytes / 1e6 / secs[ix],
		       (double)size[ix] / 1e6);
		if (sqlite3_prepare_v2(b.db[ix], "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rank LIMIT ?2", -1, &b.st[ix], NULL) !=
		    SQLITE_OK)
			die("%s", sqlite3_errmsg(b.db[ix]));
	}
	if (sqlite3_prepare_v2(b.db[IX_CHU], "SELECT rowid, chu_rank(t, 1.0, 1.0, ?3) FROM t WHERE t MATCH ?1 ORDER BY 2 LIMIT ?2", -1,
	                       &b.ranked, NULL) != SQLITE_OK ||
	    chu__vocab_open(b.db[IX_CHU], "t", &b.vocab) != SQLITE_OK)
		die("chu_rank: %s", sqlite3_errmsg(b.db[IX_CHU]));
	printf("chu builds at %.2f× unicode61's rate; its database is %.2f× unicode61's\n\n", secs[IX_U61] / secs[IX_CHU],
	       (double)size[IX_CHU] / (double)size[IX_U61]);

	query *q = sample_queries(b.ctx, art, n_art, nq);
	size_t n_kind[N_KINDS] = {0}, n_unmarked = 0, n_dd = 0;
	for (size_t i = 0; i < nq; i++) {
		n_kind[q[i].kind]++;
		n_dd += strstr(q[i].text[WRITTEN], "đ") || strstr(q[i].text[WRITTEN], "Đ");
		/* as written but without any mark (foreign words, "Australia"): case aside, the two forms agree */
		n_unmarked += strcasecmp(q[i].text[WRITTEN], q[i].text[FOLDED]) == 0;
	}
	printf("%zu queries (seed %#llx): %zu phrases and %zu loose words of 2–%d syllables, each as written and with no "
	       "marks: %zu searches an engine (%zu of the as-written queries carry no mark; %zu hold a đ, which unicode61 does "
	       "not fold to d)\n",
	       nq, (unsigned long long)SEED, n_kind[PHRASE], n_kind[LOOSE], MAX_WORDS, nq * N_FORMS, n_unmarked, n_dd);

	/* a warm-up pass, then the timed one; the engines take turns, each query starting elsewhere */
	double *lat[N_ENGINES][N_FORMS];
	int *hits[N_ENGINES][N_FORMS];
	for (int e = 0; e < N_ENGINES; e++)
		for (int f = 0; f < N_FORMS; f++) {
			lat[e][f] = xmalloc(nq * sizeof(double));
			hits[e][f] = xmalloc(nq * sizeof(int));
		}
	tier_stats ts[N_FORMS] = {0};
	long agree_set[N_FORMS] = {0}, agree_order[N_FORMS] = {0};
	/* warm-up: every page of both databases read once (the operating system's cache then holds
	 * both files), then the first WARM_QUERIES queries on every engine, untimed */
	double w0 = now();
	for (int ix = 0; ix < N_IX; ix++)
		if (sqlite3_exec(b.db[ix], "SELECT sum(length(block)) FROM t_data; SELECT sum(length(sz)) FROM t_docsize", NULL, NULL,
		                 NULL) != SQLITE_OK)
			die("warm-up: %s", sqlite3_errmsg(b.db[ix]));
	size_t n_warm = nq < WARM_QUERIES ? nq : WARM_QUERIES;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < (pass ? nq : n_warm); i++)
			for (int f = 0; f < N_FORMS; f++)
			{
				for (int k = 0; k < N_ENGINES; k++) {
					int e = (int)((i + (size_t)k) % N_ENGINES);
					lat[e][f][i] = run(&b, e, &q[i], f, &hits[e][f][i], pass ? &ts[f] : NULL);
				}
				/* chu search beside the tiers it stands for: the same hits, the same order? */
				int nh = hits[E_SEARCH][f][i];
				if (pass && nh == hits[E_TIERS][f][i]) {
					int same_set = 1, same_order = 1;
					for (int x = 0; x < nh; x++) {
						int found = 0;
						for (int y = 0; y < nh && !found; y++)
							found = b.last[E_SEARCH][x] == b.last[E_TIERS][y];
						same_set &= found;
						same_order &= b.last[E_SEARCH][x] == b.last[E_TIERS][x];
					}
					agree_set[f] += same_set;
					agree_order[f] += same_order;
				}
			}
		if (pass == 0)
			printf("(warm-up: both databases read whole, then %zu queries on every engine: %.1f s)\n\n", n_warm, now() - w0);
	}

	printf("%-10s %-10s %-8s %6s %7s %8s %8s %8s %8s\n", "engine", "form", "queries", "n", "≥1 hit", "p50 ms", "p90 ms",
	       "p99 ms", "max ms");
	figures fig[N_ENGINES][N_FORMS][N_KINDS + 1];
	for (int e = 0; e < N_ENGINES; e++) {
		for (int f = 0; f < N_FORMS; f++)
			for (int k = 0; k <= N_KINDS; k++) {
				figures *r = &fig[e][f][k];
				*r = summarize(q, nq, lat[e][f], hits[e][f], k);
				printf("%-10s %-10s %-8s %6zu %7zu %8.3f %8.3f %8.3f %8.2f%s\n", engine_name[e], form_name[f], kind_name[k], r->n,
				       r->with_hits, r->p50, r->p90, r->p99, r->max,
				       e <= E_CHU_PLAIN && k == N_KINDS ? (r->p99 <= 5.0 ? "   p99 ≤ 5 ms: met" : "   p99 ≤ 5 ms: missed") : "");
			}
		if (b.errors[e])
			printf("  (%ld searches failed in SQLite)\n", b.errors[e]);
	}

	printf("\nratios to u61 plain (target: each ≤ 1, i.e. each ≤ unicode61's; goal p99 ≤ 5 ms)\n");
	printf("%-10s %-8s %11s %11s %11s %10s %10s %10s %10s\n", "form", "queries", "search p50", "search p90", "search p99",
	       "tiers p50", "tiers p99", "plain p50", "plain p99");
	for (int f = 0; f < N_FORMS; f++)
		for (int k = 0; k <= N_KINDS; k++) {
			const figures *u = &fig[E_U61_PLAIN][f][k], *t = &fig[E_TIERS][f][k], *p = &fig[E_CHU_PLAIN][f][k],
			              *c = &fig[E_SEARCH][f][k];
			printf("%-10s %-8s %10.2f× %10.2f× %10.2f× %9.2f× %9.2f× %9.2f× %9.2f×\n", form_name[f], kind_name[k],
			       c->p50 / u->p50, c->p90 / u->p90, c->p99 / u->p99, t->p50 / u->p50, t->p99 / u->p99, p->p50 / u->p50,
			       p->p99 / u->p99);
		}
	for (int f = 0; f < N_FORMS; f++)
		printf("chu search beside chu tiers, %s: the same top %d in %ld of %zu queries, in the same order in %ld\n",
		       form_name[f], TOP, agree_set[f], nq, agree_order[f]);

	printf("\nchu tiers, where the time goes (the timed pass)\n");
	for (int f = 0; f < N_FORMS; f++) {
		double total = 0;
		for (int k = 0; k < N_TIER_NAMES; k++)
			total += ts[f].seconds[k];
		printf("%s: %.2f tiers run a query on average; %.1f s in all", form_name[f], (double)ts[f].tiers_run / (double)nq, total);
		if (ts[f].refused)
			printf("; %ld queries refused by chu_query_compile", ts[f].refused);
		printf("\n  %-11s %8s %10s %14s\n", "tier", "runs", "share", "mean ms a run");
		for (int k = 0; k < N_TIER_NAMES; k++)
			if (ts[f].runs[k])
				printf("  %-11s %8ld %9.1f%% %14.3f\n", tier_name[k], ts[f].runs[k], 100 * ts[f].seconds[k] / total,
				       1e3 * ts[f].seconds[k] / (double)ts[f].runs[k]);
	}

	/* untimed: each hit of chu search's one pass in the tier chu_rank gave it, by FTS5's reading:
	 * it matches that tier's expression and none before it */
	{
		sqlite3_stmt *one;
		if (sqlite3_prepare_v2(b.db[IX_CHU], "SELECT 1 FROM t WHERE t MATCH ?1 AND rowid = ?2", -1, &one, NULL) != SQLITE_OK)
			die("%s", sqlite3_errmsg(b.db[IX_CHU]));
		long checked = 0, wrong = 0;
		for (size_t i = 0; i < nq; i++)
			for (int f = 0; f < N_FORMS; f++) {
				chu_query cq;
				const char *match, *groups;
				size_t covered = 0;
				if (chu_query_compile(b.ctx, NULL, q[i].text[f], strlen(q[i].text[f]), 0, &cq) != CHU_OK ||
				    chu__query_ranked(b.ctx, chu__vocab_held, b.vocab, &match, &groups, &covered) != CHU_OK || covered < 2)
					continue;
				sqlite3_bind_text(b.ranked, 1, match, -1, SQLITE_STATIC);
				sqlite3_bind_int(b.ranked, 2, 50);
				sqlite3_bind_text(b.ranked, 3, groups, -1, SQLITE_STATIC);
				while (sqlite3_step(b.ranked) == SQLITE_ROW) {
					sqlite3_int64 id = sqlite3_column_int64(b.ranked, 0);
					double r = sqlite3_column_double(b.ranked, 1);
					size_t tier = 0;
					while (tier + 1 < covered && r > (double)(tier + 1) * CHU__RANK_TIER - CHU__RANK_TIER / 2)
						tier++;
					size_t first = covered;
					for (size_t t = 0; t < covered && first == covered; t++) {
						sqlite3_bind_text(one, 1, cq.tiers[t].match, -1, SQLITE_STATIC);
						sqlite3_bind_int64(one, 2, id);
						if (sqlite3_step(one) == SQLITE_ROW)
							first = t;
						sqlite3_reset(one);
					}
					checked++;
					if (first != tier && wrong++ < 5)
						printf("  tier %zu, FTS5 %zu: %s (row %lld)\n", tier, first, q[i].text[f], (long long)id);
				}
				sqlite3_reset(b.ranked);
			}
		sqlite3_finalize(one);
		printf("\nchu_rank's tiers checked against FTS5's: %ld of %ld hits (the first 50 of each query) in another tier\n", wrong,
		       checked);
	}

	/* untimed: the spellings of the no-marks terms against the chu index's vocabulary; then, timed
	 * on the first N_EXPANDED no-marks queries, would expanding only into those pay? the plain AND
	 * four ways, taking turns: chu's tokenizer expanding each term (chu plain), the same spellings
	 * written out as ("=k1" OR "=k2" …), only those the index holds written so, and unicode61 */
	char **all = xmalloc(nq * sizeof *all), **held = xmalloc(nq * sizeof *held);
	count_spellings(&b, q, nq, all, held);
	size_t n_exp = nq < N_EXPANDED ? nq : N_EXPANDED;
	enum { X_TOKENIZER, X_ALL, X_HELD, X_U61, N_X };
	static const char *const x_name[N_X] = {"chu plain: the tokenizer expands", "every spelling, written out",
	                                        "only the spellings the index holds", "u61 plain"};
	double *xlat[N_X];
	int *xhits[N_X];
	for (int x = 0; x < N_X; x++) {
		xlat[x] = xmalloc(n_exp * sizeof(double));
		xhits[x] = xmalloc(n_exp * sizeof(int));
	}
	long before = b.errors[E_CHU_PLAIN], differ = 0;
	for (size_t i = 0; i < n_exp; i++) {
		for (int k = 0; k < N_X; k++) {
			int x = (int)((i + (size_t)k) % N_X);
			double t0 = now();
			const char *m = x == X_TOKENIZER || x == X_U61 ? q[i].plain[FOLDED] : x == X_ALL ? all[i] : held[i];
			xhits[x][i] = search_plain(&b, x == X_U61 ? IX_U61 : IX_CHU, E_CHU_PLAIN, m);
			xlat[x][i] = now() - t0;
		}
		differ += xhits[X_ALL][i] != xhits[X_TOKENIZER][i] || xhits[X_HELD][i] != xhits[X_TOKENIZER][i];
	}
	printf("\nthe plain AND of the first %zu no-marks queries, four ways (%ld queries where the first three found a different "
	       "number of hits; %ld searches failed)\n",
	       n_exp, differ, b.errors[E_CHU_PLAIN] - before);
	printf("  %-36s %7s %8s %8s %8s %8s\n", "", "≥1 hit", "p50 ms", "p90 ms", "p99 ms", "max ms");
	for (int x = 0; x < N_X; x++) {
		figures r = summarize(q, n_exp, xlat[x], xhits[x], N_KINDS);
		printf("  %-36s %7zu %8.3f %8.3f %8.3f %8.2f\n", x_name[x], r.with_hits, r.p50, r.p90, r.p99, r.max);
	}
	for (size_t i = 0; i < nq; i++) {
		free(all[i]);
		free(held[i]);
	}
	free(all);
	free(held);

	for (int ix = 0; ix < N_IX; ix++) {
		sqlite3_finalize(b.st[ix]);
		if (ix == IX_CHU) {
			sqlite3_finalize(b.ranked);
			chu__vocab_close(b.vocab);
		}
		sqlite3_close(b.db[ix]);
	}
	chu_ctx_free(b.ctx);
	printf("\n(run time %.0f s)\n", now() - start);
	return 0;
}
