/*
 * search.c — `chu search DB QUERY`: the query language translated into an FTS5 MATCH
 * expression (every term quoted, so user input never reaches FTS5's syntax raw) plus entity
 * filters, ranked by bm25 with highlighted snippets.
 *
 * Query language: words; "phrases"; -word or -"phrase" (exclusion); a OR b; prefix*;
 * title:word or title:"phrase"; org:X, per:X, loc:X (X a word or "quoted phrase"); words typed
 * without marks match every spelling. A query typed with marks ranks exact-accent matches
 * first: its look-alikes ("đá nặng" for "Đà Nẵng") come after, from the same query folded.
 * --any: the query is a question or a few words as people type them, not the query language:
 * chu_search_query makes it an OR of its words, ranked by bm25 (question words left out, marks
 * restored beside the words of a query typed without any, with models/accent.chm when found).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

typedef struct term {
	char *text;   /* the word or phrase, without quotes or operators */
	bool phrase;  /* was quoted */
	bool neg;     /* -term */
	bool prefix;  /* term* */
	bool or_next; /* OR binds this term to the next */
	char field[8]; /* "" or "title", or an entity kind: org, per, loc */
} term;

typedef struct query {
	term t[64];
	int n;
	const char *error;
} query;

static void query_free(query *q)
{
	for (int i = 0; i < q->n; i++)
		free(q->t[i].text);
}

static bool parse(const char *s, query *q)
{
	memset(q, 0, sizeof *q);
	size_t i = 0, n = strlen(s);
	bool pending_or = false;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (q->n == 64) {
			q->error = "too many terms (at most 64)";
			return false;
		}
		term *t = &q->t[q->n];
		memset(t, 0, sizeof *t);
		if (s[i] == '-') {
			t->neg = true;
			i++;
		}
		/* field: */
		static const char *const fields[] = {"title", "org", "per", "loc"};
		for (int f = 0; f < 4; f++) {
			size_t k = strlen(fields[f]);
			if (strncmp(s + i, fields[f], k) == 0 && s[i + k] == ':') {
				strcpy(t->field, fields[f]);
				i += k + 1;
				break;
			}
		}
		size_t a, b;
		if (i < n && s[i] == '"') {
			a = ++i;
			while (i < n && s[i] != '"')
				i++;
			if (i >= n) {
				q->error = "unbalanced quote";
				return false;
			}
			b = i++;
			t->phrase = true;
		} else {
			a = i;
			while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '"')
				i++;
			b = i;
			if (b > a && s[b - 1] == '*' && !t->field[0]) {
				t->prefix = true;
				b--;
			}
		}
		if (!t->phrase && !t->neg && !t->field[0] && b - a == 2 && strncmp(s + a, "OR", 2) == 0) {
			if (q->n == 0 || pending_or) {
				q->error = "OR needs a term on each side";
				return false;
			}
			q->t[q->n - 1].or_next = true;
			pending_or = true;
			continue;
		}
		if (b == a) {
			q->error = t->neg ? "a lone '-'" : "an empty term";
			return false;
		}
		t->text = strndup(s + a, b - a);
		if (pending_or && (t->neg || (t->field[0] && strcmp(t->field, "title") != 0))) {
			q->error = "OR joins words, phrases and title: terms";
			free(t->text);
			return false;
		}
		pending_or = false;
		q->n++;
	}
	if (pending_or) {
		q->error = "OR needs a term on each side";
		return false;
	}
	return true;
}

static bool is_entity(const term *t) { return t->field[0] && strcmp(t->field, "title") != 0; }

/* Appends FTS5 syntax for one term; with fold, the text typed without marks. */
/* Set by build_match when the expression did not fit its buffer (the query is then refused, never
 * cut: a cut term would leave "title : " or a dangling OR behind). */
static bool match_too_long;

/* Appends term t; false (out unchanged) when it does not fit. */
static bool put_term(chu_ctx *ctx, char *out, size_t cap, const term *t, bool fold)
{
	size_t o = strlen(out);
	const char *text = t->text;
	size_t len = strlen(text);
	if (fold)
		chu_fold(ctx, t->text, strlen(t->text), &text, &len);
	if (o + 2 * len + 8 + 8 >= cap)
		return false;
	if (strcmp(t->field, "title") == 0)
		o += (size_t)snprintf(out + o, cap - o, "title : ");
	out[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '"')
			out[o++] = '"';
		out[o++] = text[i];
	}
	out[o++] = '"';
	if (t->prefix)
		out[o++] = '*';
	out[o] = '\0';
	return true;
}

/* The MATCH expression of the positive and negative terms, or false when there is none to find. */
static bool build_match(chu_ctx *ctx, const query *q, bool fold, char *out, size_t cap)
{
	out[0] = '\0';
	match_too_long = false;
	bool any = false, fits = true;
	for (int i = 0; i < q->n && fits; i++) {
		const term *t = &q->t[i];
		if (t->neg)
			continue; /* an entity filter also looks for its text: per:"Tô Anh Dũng" */
		if (any)
			strncat(out, i > 0 && q->t[i - 1].or_next ? " OR " : " AND ", cap - strlen(out) - 1);
		fits = put_term(ctx, out, cap, t, fold);
		any = true;
	}
	if (!any)
		return false;
	if (fits && strstr(out, " OR ") && strlen(out) + 3 > cap)
		fits = false;
	if (fits && strstr(out, " OR ")) {
		/* FTS5 binds AND tighter than OR: group the whole positive part explicitly */
		char tmp[8192];
		snprintf(tmp, sizeof tmp, "(%s)", out);
		snprintf(out, cap, "%s", tmp);
	}
	for (int i = 0; i < q->n && fits; i++) {
		const term *t = &q->t[i];
		if (!t->neg || is_entity(t))
			continue;
		strncat(out, " NOT ", cap - strlen(out) - 1);
		fits = put_term(ctx, out, cap, t, false);
	}
	if (!fits) {
		match_too_long = true;
		out[0] = '\0';
		return false;
	}
	return true;
}

/* A possibly NULL string as JSON. */
static void jstr(const char *s) { cli_json_str(s ? s : "", s ? strlen(s) : 0); }

/* Was the query typed with marks (any letter outside ASCII)? */
static bool has_marks(const char *s)
{
	for (size_t i = 0; s[i]; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* Reads a whole number from lo to hi for option name into *v; false after a usage error. */
static bool parse_count(const char *arg, const char *name, long lo, long hi, long *v)
{
	char *end;
	errno = 0;
	long x = strtol(arg, &end, 10);
	if (end == arg || *end || errno || x < lo || x > hi) {
		cli_error(NULL, 0, "%s takes a whole number from %ld to %ld, not \"%s\"", name, lo, hi, arg);
		return false;
	}
	*v = x;
	return true;
}

static int id_cmp(const void *a, const void *b)
{
	sqlite3_int64 x = *(const sqlite3_int64 *)a, y = *(const sqlite3_int64 *)b;
	return (x > y) - (x < y);
}

/* Opens the index read-only with chu's tokenizer; immutable reads the file as it is, without the
 * locks and -shm file a WAL database needs (for a file, directory or mount this user cannot
 * write). */
static int open_index(const char *path, bool immutable, sqlite3 **db)
{
	int rc;
	if (!immutable) {
		rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
	} else {
		/* a URI: '%', '?' and '#' in the path are escaped */
		size_t n = strlen(path);
		char *uri = malloc(n * 3 + 32), *u = uri;
		if (!uri)
			return SQLITE_NOMEM;
		u += sprintf(u, "file:");
		for (const char *p = path; *p; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				u += sprintf(u, "%%%02X", (unsigned char)*p);
			else
				*u++ = *p;
		}
		strcpy(u, "?immutable=1");
		rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		free(uri);
	}
	if (rc == SQLITE_OK)
		rc = chu_sqlite_register(*db, NULL); /* queries use no word keys */
	return rc;
}

int cli_search(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
	                                          {"any", no_argument, NULL, 'a'},
	                                          {"accent-model", required_argument, NULL, 'm'},
	                                          {"limit", required_argument, NULL, 'l'},
	                                          {"offset", required_argument, NULL, 'o'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	bool json = false, any = false;
	const char *accent_path = NULL;
	long limit = 10, offset = 0;
	int c;
	optind = 1;
	/* "+": options come before DB, so that a query may start with '-' ("-x" is an exclusion) */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'a': any = true; break;
		case 'm': accent_path = optarg; break;
		case 'l':
			if (!parse_count(optarg, "--limit", 1, 10000, &limit))
				return CLI_USAGE;
			break;
		case 'o':
			if (!parse_count(optarg, "--offset", 0, 1000000, &offset))
				return CLI_USAGE;
			break;
		case 'h':
			fputs("usage: chu search [--json] [--limit N] [--offset N] [--any [--accent-model FILE]] DB QUERY\n"
			      "Query: words, \"phrases\", -exclusion, OR, prefix*, title:word, org:X, per:\"X Y\", loc:X;\n"
			      "words without marks match every spelling. --json prints one object per hit with id, title,\n"
			      "score, snippet, url and date. --any: QUERY is a question or loose words, not the query\n"
			      "language: documents with any of its words, best first (question words such as \"bao nhiêu\"\n"
			      "left out; a query typed without marks also looks for its words' likely spellings, restored\n"
			      "with the accent model: accent.chm where chu finds models, or --accent-model FILE).\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - optind != 2 || limit < 1 || offset < 0) {
		cli_error(NULL, 0, "usage: chu search [--json] [--limit N] [--offset N] [--any [--accent-model FILE]] DB QUERY");
		return CLI_USAGE;
	}
	const char *dbpath = argv[optind], *qs = argv[optind + 1];
	char natural[8192];
	if (any) {
		/* the natural query becomes one OR expression, quoted for the query language below */
		chu_model *acc = NULL;
		if (!cli_open_model_if_any(accent_path, "accent.chm", "--accent-model", CHU_MODEL_ACCENT, &acc))
			return CLI_BAD_INPUT;
		chu_ctx *qctx;
		const char *m = NULL;
		size_t ml = 0;
		if (chu_ctx_new(NULL, &qctx) != CHU_OK || chu_search_query(qctx, acc, qs, strlen(qs), &m, &ml) != CHU_OK ||
		    ml + 1 > sizeof natural) {
			cli_error(NULL, 0, "bad query: too long");
			chu_ctx_free(qctx);
			chu_model_close(acc);
			return CLI_USAGE;
		}
		memcpy(natural, m, ml + 1);
		chu_ctx_free(qctx);
		chu_model_close(acc);
		if (!ml) {
			cli_error(NULL, 0, "bad query: it has no words");
			return CLI_USAGE;
		}
		qs = natural;
	}
	query q;
	if (!parse(qs, &q)) {
		cli_error(NULL, 0, "bad query: %s", q.error);
		query_free(&q);
		return CLI_USAGE;
	}
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	char match[8192], folded[8192];
	if (!build_match(ctx, &q, false, match, sizeof match)) {
		cli_error(NULL, 0, match_too_long ? "bad query: too long" : "bad query: it has nothing to look for (only exclusions or filters)");
		query_free(&q);
		chu_ctx_free(ctx);
		return CLI_USAGE;
	}
	build_match(ctx, &q, true, folded, sizeof folded);
	bool fallback = has_marks(qs) && strcmp(match, folded) != 0;
	sqlite3 *db = NULL;
	if (cli_index_cut_short(dbpath)) {
		query_free(&q);
		chu_ctx_free(ctx);
		return CLI_BAD_INPUT;
	}
	if (access(dbpath, R_OK) != 0 || open_index(dbpath, false, &db) != SQLITE_OK) {
		cli_error(dbpath, 0, "cannot open the index: %s", db ? sqlite3_errmsg(db) : strerror(errno));
		sqlite3_close(db);
		query_free(&q);
		chu_ctx_free(ctx);
		return CLI_BAD_INPUT;
	}
	/* entity filters */
	char filt[4096] = "";
	for (int i = 0; i < q.n; i++) {
		if (!is_entity(&q.t[i]))
			continue;
		const char *f;
		size_t fl;
		chu_fold(ctx, q.t[i].text, strlen(q.t[i].text), &f, &fl);
		const char *kind = strcmp(q.t[i].field, "org") == 0 ? "org" : "name";
		char *clause = sqlite3_mprintf(" AND %s EXISTS (SELECT 1 FROM entities e WHERE e.doc = docs_fts.rowid AND e.kind = %Q AND e.folded = %Q)",
		                               q.t[i].neg ? "NOT" : "", kind, f);
		strncat(filt, clause, sizeof filt - strlen(filt) - 1);
		sqlite3_free(clause);
	}
	const char *hl_on = !json && isatty(1) ? "\033[1m" : "[", *hl_off = !json && isatty(1) ? "\033[0m" : "]";
	char *sql = sqlite3_mprintf(
		"SELECT docs_fts.rowid, coalesce(d.name, d.key), d.title, d.url, d.date, bm25(docs_fts, 2.0, 1.0),"
		" snippet(docs_fts, 1, %Q, %Q, '…', 16), d.id, d.sum, docs_fts.title, docs_fts.body"
		" FROM docs_fts LEFT JOIN docs d ON d.id = docs_fts.rowid WHERE docs_fts MATCH ?1 %s ORDER BY rank LIMIT ?2",
		hl_on, hl_off, filt);
	sqlite3_stmt *st = NULL;
	int status = CLI_OK;
	int prc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if ((prc & 0xFF) == SQLITE_READONLY || (prc & 0xFF) == SQLITE_CANTOPEN) {
		/* an index left in WAL mode (its indexer killed, or still running) that this user may
		 * not write beside: read the file as it is */
		sqlite3_close(db);
		db = NULL;
		if (open_index(dbpath, true, &db) == SQLITE_OK)
			prc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	}
	if (prc != SQLITE_OK) {
		cli_error(dbpath, 0, "not a chu index (%s)", db ? sqlite3_errmsg(db) : "cannot open");
		status = CLI_BAD_INPUT;
	}
	/* every document of the index has a checksum of its text (chu index) */
	bool sums = false;
	sqlite3_stmt *uv = NULL;
	if (status == CLI_OK && sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &uv, NULL) == SQLITE_OK)
		sums = sqlite3_step(uv) == SQLITE_ROW && sqlite3_column_int(uv, 0) >= CLI_INDEX_SUMS;
	sqlite3_finalize(uv);
	/* exact matches first; then, for a query typed with marks, its look-alikes from the folded
	 * query ("đá nặng" after "Đà Nẵng") */
	sqlite3_int64 *seen = status == CLI_OK ? calloc((size_t)(offset + limit), sizeof *seen) : NULL;
	if (status == CLI_OK && !seen) {
		cli_error(NULL, 0, "out of memory");
		status = CLI_BAD_INPUT;
	}
	long nseen = 0, rank = 0, first_pass = 0;
	for (int pass = 0; pass < (fallback ? 2 : 1) && status == CLI_OK && nseen < offset + limit; pass++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, pass ? folded : match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, offset + limit + nseen);
		if (pass == 1) { /* the first pass's hits, sorted, to leave out of the second */
			first_pass = nseen;
			qsort(seen, (size_t)nseen, sizeof *seen, id_cmp);
		}
		int rc = SQLITE_DONE;
		while (nseen < offset + limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 id = sqlite3_column_int64(st, 0);
			if (pass == 1 && bsearch(&id, seen, (size_t)first_pass, sizeof *seen, id_cmp))
				continue; /* a pass's own hits are distinct rows */
			/* a hit whose row is missing or whose text is not what was indexed: SQLite read a
			 * damaged page as if it were whole */
			const char *damage = NULL;
			if (sqlite3_column_type(st, 7) == SQLITE_NULL)
				damage = "is in the full-text table but not in docs";
			else if (sums && (sqlite3_column_type(st, 8) != SQLITE_INTEGER ||
			                  sqlite3_column_int64(st, 8) !=
			                      cli_index_sum((const char *)sqlite3_column_text(st, 9), (size_t)sqlite3_column_bytes(st, 9),
			                                    (const char *)sqlite3_column_text(st, 10), (size_t)sqlite3_column_bytes(st, 10))))
				damage = "has a text that does not match its checksum";
			if (damage) {
				cli_error(dbpath, 0, "the index is damaged: document %lld %s; build it again with chu index", (long long)id,
				          damage);
				status = CLI_BAD_INPUT;
				rc = SQLITE_DONE;
				break;
			}
			seen[nseen++] = id;
			if (nseen <= offset)
				continue;
			const char *key = (const char *)sqlite3_column_text(st, 1), *title = (const char *)sqlite3_column_text(st, 2);
			double score = -sqlite3_column_double(st, 5);
			const char *snip = (const char *)sqlite3_column_text(st, 6);
			if (json) {
				printf("{\"id\":");
				jstr(key);
				printf(",\"title\":");
				jstr(title);
				printf(",\"score\":%.4f,\"exact\":%s,\"snippet\":", score, pass ? "false" : "true");
				jstr(snip);
				if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
					printf(",\"url\":");
					jstr((const char *)sqlite3_column_text(st, 3));
				}
				if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
					printf(",\"date\":");
					jstr((const char *)sqlite3_column_text(st, 4));
				}
				printf("}\n");
			} else {
				printf("%ld. %s  (%s, %.4f)\n   %s\n", ++rank + offset, title ? title : "", key, score, snip ? snip : "");
			}
		}
		if (status == CLI_OK && nseen < offset + limit && rc != SQLITE_DONE) {
			cli_error(dbpath, 0, "search failed: %s", sqlite3_errmsg(db));
			status = CLI_BAD_INPUT;
		}
	}
	free(seen);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	sqlite3_close(db);
	query_free(&q);
	chu_ctx_free(ctx);
	fflush(stdout);
	return status;
}
