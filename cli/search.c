/*
 * search.c — `chu search DB QUERY…`: the query compiled by the library (chu_query_compile: the
 * query language, its tiers and marks) and run against the index chu index made, tier after
 * tier, with the entity filters on the index's entities table, printing ranked hits with
 * highlighted snippets. Each hit's text is checked against the checksum chu index stored.
 * --any: the query is a question or loose words taken whole (chu_search_query): an OR of its
 * words ranked by bm25. --all: only documents with every word.
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

/* A possibly NULL string as JSON. */
static void jstr(const char *s) { cli_json_str(s ? s : "", s ? strlen(s) : 0); }

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

/* Does the docs table have column col (an index from an older chu may lack it)? */
static bool has_column(sqlite3 *db, const char *col)
{
	sqlite3_stmt *st = NULL;
	bool has = sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('docs') WHERE name = ?1", -1, &st, NULL) == SQLITE_OK &&
	           sqlite3_bind_text(st, 1, col, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

/* The SQL of the hits of one tier: its MATCH expression is bound to ?1, the row limit to ?2. */
static char *hits_sql(chu_ctx *ctx, const chu_query *q, bool tty, bool file_col)
{
	char *filt = sqlite3_mprintf("%s", "");
	for (size_t i = 0; filt && i < q->n_filters; i++) {
		const chu_query_filter *f = &q->filters[i];
		if (strcmp(f->field, "date") == 0) {
			/* the document's date as stored ("2020-07-16", "2020-07-16T08:00:00+07:00"): its day */
			char from[11] = "", to[11] = "";
			sscanf(f->text, "%10[0-9-]..%10[0-9-]", from, to);
			char *more = sqlite3_mprintf("%s AND %s EXISTS (SELECT 1 FROM docs d WHERE d.id = docs_fts.rowid"
			                             " AND substr(d.date, 1, 10) BETWEEN %Q AND %Q)",
			                             filt, f->neg ? "NOT" : "", from, to);
			sqlite3_free(filt);
			filt = more;
			continue;
		}
		const char *folded;
		size_t fl;
		if (chu_fold(ctx, f->text, strlen(f->text), &folded, &fl) < 0) {
			sqlite3_free(filt);
			return NULL;
		}
		/* an index made with the models keeps per, org and loc; one made with the rules org for
		 * acronyms and name for the other runs of capitals, which per: and loc: both take */
		const char *also = strcmp(f->field, "org") == 0 ? "org" : "name";
		char *more = sqlite3_mprintf("%s AND %s EXISTS (SELECT 1 FROM entities e WHERE e.doc = docs_fts.rowid"
		                             " AND e.kind IN (%Q, %Q) AND e.folded = %Q)",
		                             filt, f->neg ? "NOT" : "", f->field, also, folded);
		sqlite3_free(filt);
		filt = more;
	}
	const char *on = tty ? "\033[1m" : "[", *off = tty ? "\033[0m" : "]";
	char *sql = filt ? sqlite3_mprintf(
	                       "SELECT docs_fts.rowid, coalesce(d.name, d.key), d.title, d.url, d.date, bm25(docs_fts, 2.0, 1.0),"
	                       " snippet(docs_fts, 1, %Q, %Q, '…', 16), d.id, d.sum, docs_fts.title, docs_fts.body, %s"
	                       " FROM docs_fts LEFT JOIN docs d ON d.id = docs_fts.rowid WHERE docs_fts MATCH ?1 %s"
	                       " ORDER BY rank LIMIT ?2",
	                       on, off, file_col ? "d.file" : "NULL", filt)
	                 : NULL;
	sqlite3_free(filt);
	return sql;
}

/* A hit whose row is missing or whose text is not what was indexed: SQLite read a damaged page as
 * if it were whole. NULL when the hit is sound. */
static const char *damage(sqlite3_stmt *st, bool sums)
{
	if (sqlite3_column_type(st, 7) == SQLITE_NULL)
		return "is in the full-text table but not in docs";
	if (sums && (sqlite3_column_type(st, 8) != SQLITE_INTEGER ||
	             sqlite3_column_int64(st, 8) != cli_index_sum((const char *)sqlite3_column_text(st, 9),
	                                                          (size_t)sqlite3_column_bytes(st, 9),
	                                                          (const char *)sqlite3_column_text(st, 10),
	                                                          (size_t)sqlite3_column_bytes(st, 10))))
		return "has a text that does not match its checksum";
	return NULL;
}

static void print_hit(sqlite3_stmt *st, bool json, long rank, const chu_query_tier *tier)
{
	const char *key = (const char *)sqlite3_column_text(st, 1), *title = (const char *)sqlite3_column_text(st, 2);
	double score = -sqlite3_column_double(st, 5);
	const char *snip = (const char *)sqlite3_column_text(st, 6);
	if (!json) {
		printf("%ld. %s  (%s, %.4f%s)\n   %s\n", rank, title ? title : "", key, score,
		       tier->exact ? "" : ", another spelling", snip ? snip : "");
		return;
	}
	printf("{\"id\":");
	jstr(key);
	if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
		printf(",\"source\":");
		jstr((const char *)sqlite3_column_text(st, 11));
	}
	printf(",\"title\":");
	jstr(title);
	printf(",\"score\":%.4f,\"exact\":%s,\"match\":\"%s\",\"snippet\":", score, tier->exact ? "true" : "false", tier->name);
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
}

/* How many of the best hits --facets counts entities in. */
#define FACET_HITS 1000

/* Prints the most frequent entities of each kind among the hits ids[0, n) (at most 10 a kind),
 * as one JSON line or a few lines of text. false after an error message. */
static bool print_facets(sqlite3 *db, const char *dbpath, const sqlite3_int64 *ids, long n, bool json)
{
	sqlite3_stmt *ins = NULL, *sel = NULL;
	bool ok = sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS facet_hits(id INTEGER PRIMARY KEY)", NULL, NULL, NULL) ==
	              SQLITE_OK &&
	          sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO facet_hits VALUES(?1)", -1, &ins, NULL) == SQLITE_OK &&
	          sqlite3_prepare_v2(db,
	                             "SELECT kind, text, n FROM (SELECT kind, min(text) AS text, count(DISTINCT doc) AS n,"
	                             " row_number() OVER (PARTITION BY kind ORDER BY count(DISTINCT doc) DESC, min(text)) AS r"
	                             " FROM entities WHERE doc IN (SELECT id FROM temp.facet_hits) GROUP BY kind, folded)"
	                             " WHERE r <= 10 ORDER BY kind, n DESC, text",
	                             -1, &sel, NULL) == SQLITE_OK;
	for (long i = 0; ok && i < n; i++) {
		sqlite3_bind_int64(ins, 1, ids[i]);
		ok = sqlite3_step(ins) == SQLITE_DONE;
		sqlite3_reset(ins);
	}
	char kind[16] = "";
	int rc = SQLITE_DONE;
	if (ok && json)
		printf("{\"facets\":{");
	else if (ok)
		printf("\nentities in the first %ld hits:", n);
	while (ok && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(sel, 0), *text = (const char *)sqlite3_column_text(sel, 1);
		long count = (long)sqlite3_column_int64(sel, 2);
		bool first = strcmp(kind, k ? k : "") != 0;
		if (json) {
			if (first)
				printf("%s\"%s\":[", kind[0] ? "]," : "", k ? k : "");
			printf("%s{\"text\":", first ? "" : ",");
			jstr(text);
			printf(",\"count\":%ld}", count);
		} else {
			printf(first ? "\n  %s: " : ", ", k ? k : "");
			printf("%s (%ld)", text ? text : "", count);
		}
		if (first)
			snprintf(kind, sizeof kind, "%s", k ? k : "");
	}
	if (ok && json)
		printf("%s},\"hits\":%ld}\n", kind[0] ? "]" : "", n);
	else if (ok)
		printf("\n");
	ok = ok && rc == SQLITE_DONE;
	if (!ok)
		cli_error(dbpath, 0, "facets: %s", sqlite3_errmsg(db));
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	return ok;
}

static const char *usage =
	"usage: chu search [--json] [--all | --any] [--facets] [--limit N] [--offset N] [--accent-model FILE] DB QUERY…";

int cli_search(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
	                                          {"any", no_argument, NULL, 'a'},
	                                          {"all", no_argument, NULL, 'A'},
	                                          {"facets", no_argument, NULL, 'f'},
	                                          {"accent-model", required_argument, NULL, 'm'},
	                                          {"limit", required_argument, NULL, 'l'},
	                                          {"offset", required_argument, NULL, 'o'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	bool json = false, any = false, all = false, facets = false;
	const char *accent_path = NULL;
	long limit = 10, offset = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'a': any = true; break;
		case 'A': all = true; break;
		case 'f': facets = true; break;
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
			printf("%s\n", usage);
			fputs("Finds documents in DB (made by chu index). QUERY (its words may be separate arguments):\n"
			      "  words             best first: as a phrase, near each other, all of them, then most of them\n"
			      "                    (a question needs no flag; --all: only documents with every word)\n"
			      "  \"a phrase\"        side by side, in this order\n"
			      "  a OR b, a AND b, NOT a, -a   as written, without looser readings\n"
			      "  prefix*  title:x  per:x  org:x  loc:x  (x a word or a \"phrase\")\n"
			      "  date:x            the document's date: 2020, 7/2020, 16/7/2020, 2020-07-16, 2019..3/2020\n"
			      "  =x                x as written, even without marks\n"
			      "A query with any Vietnamese mark is taken as written (\"Quảng Nam\" is not \"quảng … năm\");\n"
			      "spellings that differ only in marks come after, as another spelling. A query without marks\n"
			      "matches every spelling. --any: QUERY is taken as loose words (any of them, question words\n"
			      "left out). Words typed without marks also look for their likely spellings, restored with\n"
			      "accent.chm where chu finds models, or --accent-model FILE. --json prints one object per hit:\n"
			      "id, source, title, score, exact, match (the tier), snippet, url, date. --facets: then the\n"
			      "most frequent entities of each kind in the first 1000 hits (with --json, one last object\n"
			      "{\"facets\":{KIND:[{\"text\",\"count\"}…]},\"hits\":N}). Options may come anywhere; -- ends\n"
			      "them (chu search -- db -word).\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - optind < 2 || (any && all)) {
		cli_error(NULL, 0, "%s", any && all ? "--any and --all exclude each other" : usage);
		return CLI_USAGE;
	}
	const char *dbpath = argv[optind];
	/* the query: the words of every argument after DB */
	size_t ql = 0;
	for (int i = optind + 1; i < argc; i++)
		ql += strlen(argv[i]) + 1;
	char *qs = malloc(ql + 1);
	if (!qs) {
		cli_error(NULL, 0, "out of memory");
		return CLI_BAD_INPUT;
	}
	qs[0] = '\0';
	for (int i = optind + 1; i < argc; i++) {
		if (i > optind + 1)
			strcat(qs, " ");
		strcat(qs, argv[i]);
	}
	chu_model *acc = NULL;
	chu_ctx *ctx = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_int64 *seen = NULL;
	char *sql = NULL;
	int status = CLI_BAD_INPUT;
	chu_query q = {0};
	chu_query_tier any_tier = {NULL, "most", 1};
	if (!all && !cli_open_model_if_any(accent_path, "accent.chm", "--accent-model", CHU_MODEL_ACCENT, &acc))
		goto out;
	if (chu_ctx_new(NULL, &ctx) < 0) {
		cli_error(NULL, 0, "out of memory");
		goto out;
	}
	int rc;
	if (any) {
		size_t ml;
		rc = chu_search_query(ctx, acc, qs, strlen(qs), &any_tier.match, &ml);
		if (rc == CHU_OK && !ml) {
			cli_error(NULL, 0, "bad query: it has no words");
			status = CLI_USAGE;
			goto out;
		}
		q.tiers = &any_tier;
		q.n_tiers = 1;
	} else {
		rc = chu_query_compile(ctx, acc, qs, strlen(qs), all ? CHU_QUERY_ALL : 0, &q);
	}
	if (rc == CHU_ESYNTAX) {
		cli_error(NULL, 0, "bad query: %s", q.error);
		status = CLI_USAGE;
		goto out;
	}
	if (rc < 0) {
		cli_error(NULL, 0, "%s", chu_strerror(rc));
		goto out;
	}
	if (cli_index_cut_short(dbpath))
		goto out;
	if (access(dbpath, R_OK) != 0 || open_index(dbpath, false, &db) != SQLITE_OK) {
		cli_error(dbpath, 0, "cannot open the index: %s", db ? sqlite3_errmsg(db) : strerror(errno));
		goto out;
	}
	bool tty = !json && isatty(1);
	int prc = SQLITE_ERROR;
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_free(sql);
		sql = hits_sql(ctx, &q, tty, has_column(db, "file"));
		prc = sql ? sqlite3_prepare_v2(db, sql, -1, &st, NULL) : SQLITE_NOMEM;
		if (pass == 1 || ((prc & 0xFF) != SQLITE_READONLY && (prc & 0xFF) != SQLITE_CANTOPEN))
			break;
		/* an index left in WAL mode (its indexer killed, or still running) that this user may not
		 * write beside: read the file as it is */
		sqlite3_close(db);
		db = NULL;
		if (open_index(dbpath, true, &db) != SQLITE_OK)
			break;
	}
	if (prc != SQLITE_OK) {
		cli_error(dbpath, 0, "not a chu index (%s)", db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	/* every document of the index has a checksum of its text (chu index) */
	bool sums = false;
	sqlite3_stmt *uv = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &uv, NULL) == SQLITE_OK)
		sums = sqlite3_step(uv) == SQLITE_ROW && sqlite3_column_int(uv, 0) >= CLI_INDEX_SUMS;
	sqlite3_finalize(uv);
	/* tier after tier, each ranked by bm25, leaving out the hits of the tiers before */
	long want = offset + limit; /* hits to gather: those printed, or more for --facets */
	if (facets && want < FACET_HITS)
		want = FACET_HITS;
	seen = calloc((size_t)want, sizeof *seen);
	if (!seen) {
		cli_error(NULL, 0, "out of memory");
		goto out;
	}
	status = CLI_OK;
	long nseen = 0;
	for (size_t t = 0; t < q.n_tiers && status == CLI_OK && nseen < want; t++) {
		long before = nseen;
		qsort(seen, (size_t)nseen, sizeof *seen, id_cmp);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, q.tiers[t].match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, want + nseen);
		int src = SQLITE_DONE;
		while (nseen < want && (src = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 id = sqlite3_column_int64(st, 0);
			if (bsearch(&id, seen, (size_t)before, sizeof *seen, id_cmp))
				continue; /* a tier's own hits are distinct rows */
			const char *bad = damage(st, sums);
			if (bad) {
				cli_error(dbpath, 0, "the index is damaged: document %lld %s; build it again with chu index", (long long)id,
				          bad);
				status = CLI_BAD_INPUT;
				break;
			}
			seen[nseen++] = id;
			if (nseen > offset && nseen <= offset + limit)
				print_hit(st, json, nseen, &q.tiers[t]);
		}
		if (status == CLI_OK && nseen < want && src != SQLITE_DONE) {
			cli_error(dbpath, 0, "search failed: %s", sqlite3_errmsg(db));
			status = CLI_BAD_INPUT;
		}
	}
	if (status == CLI_OK && facets && !print_facets(db, dbpath, seen, nseen, json))
		status = CLI_BAD_INPUT;
	if (status == CLI_OK && nseen <= offset && isatty(1) && !json)
		fprintf(stderr, "chu: no hits%s\n",
		        offset ? " past --offset" : "; a query without marks matches every spelling, and fewer words find more");
out:
	free(seen);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	sqlite3_close(db);
	chu_ctx_free(ctx);
	chu_model_close(acc);
	free(qs);
	fflush(stdout);
	return status;
}
