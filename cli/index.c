/*
 * index.c — `chu index DB PATH…` and `chu search DB QUERY`: chu's embedded search store in
 * SQLite. Text goes through libchu (chu_clean, chu_tokenize) and into an FTS5 table that uses
 * the "chu" tokenizer (ext/sqlite/chu_fts5.c).
 *
 * Schema (created when missing):
 *   sources(path PRIMARY KEY, size, mtime, hash)      one row per ingested file
 *   docs(id INTEGER PRIMARY KEY, source, key UNIQUE, title, url, date, extra)
 *   docs_fts(title, body) — FTS5, tokenize='chu', rowid = docs.id
 *   entities(doc, kind, text, folded)                  acronyms, names, dates, money for filters
 * Batches commit every 500 documents or 8 MB; a source's row is written in the same
 * transaction as its last document, so a run killed at any moment leaves every committed batch
 * and a re-run finishes the rest: a source without its row is deleted and ingested again.
 */
#include "cli.h"
#include "internal.h" /* chu__checksum */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

static const char *schema =
	"CREATE TABLE IF NOT EXISTS sources(path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, hash TEXT, seen INTEGER);"
	"CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY, source TEXT, key TEXT UNIQUE, title TEXT, url TEXT,"
	" date TEXT, extra TEXT);"
	"CREATE INDEX IF NOT EXISTS docs_source ON docs(source);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, body, tokenize = 'chu');"
	"CREATE TABLE IF NOT EXISTS entities(doc INTEGER, kind TEXT, text TEXT, folded TEXT);"
	"CREATE INDEX IF NOT EXISTS entities_kind ON entities(kind, folded);"
	"CREATE INDEX IF NOT EXISTS entities_doc ON entities(doc);";

static int open_db(const char *path, sqlite3 **db, bool create)
{
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		cli_error(path, 0, "%s", *db ? sqlite3_errmsg(*db) : "cannot open");
		sqlite3_close(*db);
		*db = NULL;
		return CLI_BAD_INPUT;
	}
	sqlite3_busy_timeout(*db, 5000);
	/* no default model: word keys cost three times the indexing time and gained nothing
	 * measurable in make bench-search (see the README) */
	int rc = chu_sqlite_register(*db, NULL);
	char *err = NULL;
	if (rc == SQLITE_OK && create)
		rc = sqlite3_exec(*db, "PRAGMA journal_mode=WAL;", NULL, NULL, &err);
	if (rc == SQLITE_OK && create)
		rc = sqlite3_exec(*db, schema, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		cli_error(path, 0, "%s", err ? err : sqlite3_errmsg(*db));
		sqlite3_free(err);
		sqlite3_close(*db);
		*db = NULL;
		return CLI_BAD_INPUT;
	}
	return CLI_OK;
}

/* ---- chu index ---- */

typedef struct indexer {
	sqlite3 *db;
	chu_ctx *ctx;
	sqlite3_stmt *ins_doc, *ins_fts, *ins_ent, *del_src, *get_src, *put_src, *json;
	long docs, skipped, removed, batch_docs, committed;
	size_t bytes, batch_bytes;
	size_t total;     /* bytes of all input files (for the ETA), read before indexing */
	size_t read;      /* bytes of input files handled so far */
	double t0;
	bool progress;
	const char *db_path;
} indexer;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int exec(indexer *ix, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(ix->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		cli_error(ix->db_path, 0, "%s", err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static void show_progress(indexer *ix, bool final)
{
	if (!ix->progress)
		return;
	double el = now_s() - ix->t0;
	double rate = el > 0 ? (double)ix->read / el : 0.0; /* input bytes a second */
	double eta = rate > 0 && ix->total > ix->read ? (double)(ix->total - ix->read) / rate : 0.0;
	int pct = ix->total ? (int)(100.0 * (double)ix->read / (double)ix->total) : 100;
	fprintf(stderr, "\r\033[K[%3d%%] %ld documents, %.1f MB, %.1f MB/s, %ld unchanged, ETA %02d:%02d%s", pct, ix->docs,
	        (double)ix->bytes / 1e6, rate / 1e6, ix->skipped, (int)eta / 60, (int)eta % 60, final ? "\n" : "");
}

static int commit_batch(indexer *ix)
{
	if (exec(ix, "COMMIT") < 0 || exec(ix, "BEGIN") < 0)
		return -1;
	ix->committed += ix->batch_docs;
	ix->batch_docs = 0;
	ix->batch_bytes = 0;
	show_progress(ix, false);
	return 0;
}

/* Entities for filters, from the tokens of text: acronyms (org), runs of two or more capitalized
 * syllables (name), dates, money. */
static int add_entities(indexer *ix, sqlite3_int64 doc, const char *text, size_t len)
{
	const chu_token *t;
	size_t n;
	if (chu_tokenize(ix->ctx, text, len, &t, &n) < 0)
		return -1;
	chu_token *copy = malloc((n + 1) * sizeof *copy);
	if (!copy)
		return -1;
	memcpy(copy, t, n * sizeof *copy);
	for (size_t i = 0; i < n; i++) {
		const char *kind = NULL;
		size_t a = copy[i].start, b = copy[i].end, j = i;
		if (copy[i].kind == CHU_TOKEN_ACRONYM)
			kind = "org";
		else if (copy[i].kind == CHU_TOKEN_DATE)
			kind = "date";
		else if (copy[i].kind == CHU_TOKEN_MONEY)
			kind = "money";
		else if (copy[i].kind == CHU_TOKEN_SYLLABLE && (unsigned char)text[a] >= 'A' &&
		         ((unsigned char)text[a] <= 'Z' || (unsigned char)text[a] >= 0xC3)) {
			/* a run of capitalized syllables on one line */
			while (j + 1 < n && copy[j + 1].kind == CHU_TOKEN_SYLLABLE && !(copy[j].flags & CHU_TOKEN_SENTENCE_END) &&
			       copy[j + 1].start == copy[j].end + 1 && text[copy[j].end] == ' ') {
				const char *out;
				size_t m;
				if (chu_norm_span(ix->ctx, text, copy[j + 1].start, copy[j + 1].end, &out, &m) < 0 || m == 0)
					break;
				int32_t cp;
				chu__utf8_decode((const unsigned char *)out, m, &cp);
				if (!chu__is_upper(cp))
					break;
				j++;
			}
			if (j > i) {
				kind = "name";
				b = copy[j].end;
			}
		}
		if (!kind)
			continue;
		const char *norm, *fold;
		size_t nl, fl;
		if (chu_norm_span(ix->ctx, text, a, b, &norm, &nl) < 0)
			break;
		char *ncopy = strndup(norm, nl);
		if (!ncopy || chu_fold(ix->ctx, ncopy, nl, &fold, &fl) < 0) {
			free(ncopy);
			break;
		}
		sqlite3_bind_int64(ix->ins_ent, 1, doc);
		sqlite3_bind_text(ix->ins_ent, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(ix->ins_ent, 3, ncopy, (int)nl, SQLITE_TRANSIENT);
		sqlite3_bind_text(ix->ins_ent, 4, fold, (int)fl, SQLITE_TRANSIENT);
		sqlite3_step(ix->ins_ent);
		sqlite3_reset(ix->ins_ent);
		free(ncopy);
		i = j;
	}
	free(copy);
	return 0;
}

static int add_doc(indexer *ix, const char *source, const char *key, const char *title, size_t tl, const char *body,
                   size_t bl, const char *url, const char *date, const char *extra)
{
	sqlite3_stmt *s = ix->ins_doc;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, title, (int)tl, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, extra, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		cli_error(source, 0, "document %s: %s", key, sqlite3_errmsg(ix->db));
		return -1;
	}
	sqlite3_int64 id = sqlite3_last_insert_rowid(ix->db);
	s = ix->ins_fts;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, title, (int)tl, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, body, (int)bl, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		cli_error(source, 0, "document %s: %s", key, sqlite3_errmsg(ix->db));
		return -1;
	}
	add_entities(ix, id, title, tl);
	add_entities(ix, id, body, bl);
	ix->docs++;
	ix->batch_docs++;
	ix->bytes += bl + tl;
	ix->batch_bytes += bl + tl;
	if (ix->batch_docs >= 500 || ix->batch_bytes >= (8u << 20))
		return commit_batch(ix);
	return 0;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int ingest_txt(indexer *ix, const char *path, const char *text, size_t len)
{
	const char *out;
	size_t n;
	const chu_clean_change *ch;
	size_t nch;
	if (chu_clean(ix->ctx, text, len, &out, &n, &ch, &nch) < 0)
		return -1;
	char *url = NULL;
	for (size_t i = 0; i < nch; i++)
		if (ch[i].action == CHU_CLEAN_METADATA) {
			size_t a = ch[i].start, b = ch[i].end;
			while (b > a && (text[b - 1] == '\n' || text[b - 1] == '\r' || text[b - 1] == ' '))
				b--;
			url = strndup(text + a, b - a);
			break;
		}
	char *clean = malloc(n + 1); /* the text may hold NUL bytes: copy by length */
	if (clean) {
		memcpy(clean, out, n);
		clean[n] = '\0';
	}
	if (!clean) {
		free(url);
		return -1;
	}
	/* the first non-empty line is the title */
	size_t a = 0;
	while (a < n && (clean[a] == '\n' || clean[a] == ' '))
		a++;
	const char *nl = memchr(clean + a, '\n', n - a);
	size_t te = nl ? (size_t)(nl - clean) : n, bs = nl ? te + 1 : n;
	while (bs < n && clean[bs] == '\n')
		bs++;
	int rc = add_doc(ix, path, path, clean + a, te - a, clean + bs, n - bs, url, NULL, NULL);
	free(clean);
	free(url);
	return rc;
}

static int ingest_jsonl(indexer *ix, const char *path, const char *text, size_t len)
{
	unsigned long line = 0;
	for (size_t a = 0; a < len;) {
		const char *nl = memchr(text + a, '\n', len - a);
		size_t b = nl ? (size_t)(nl - text) : len;
		line++;
		ix->read += b - a + 1;
		if (b > a) {
			sqlite3_stmt *s = ix->json;
			sqlite3_bind_text(s, 1, text + a, (int)(b - a), SQLITE_STATIC);
			if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0)) {
				const char *id = (const char *)sqlite3_column_text(s, 1);
				const char *title = (const char *)sqlite3_column_text(s, 2);
				const char *body = (const char *)sqlite3_column_text(s, 3);
				char key[1024];
				if (id)
					snprintf(key, sizeof key, "%s#%s", path, id);
				else
					snprintf(key, sizeof key, "%s#%lu", path, line);
				if (add_doc(ix, path, key, title ? title : "", title ? strlen(title) : 0, body ? body : "",
				            body ? strlen(body) : 0, (const char *)sqlite3_column_text(s, 4),
				            (const char *)sqlite3_column_text(s, 5), (const char *)sqlite3_column_text(s, 6)) < 0) {
					sqlite3_reset(s);
					return -1;
				}
			} else {
				cli_error(path, line, "not a JSON object; line skipped");
			}
			sqlite3_reset(s);
		}
		a = b + 1;
	}
	return 0;
}

static int ingest_file(indexer *ix, const char *path, const struct stat *st)
{
	bool txt = ends_with(path, ".txt"), jsonl = ends_with(path, ".jsonl");
	if (!txt && !jsonl)
		return 0;
	sqlite3_stmt *g = ix->get_src;
	sqlite3_bind_text(g, 1, path, -1, SQLITE_STATIC);
	bool known = false, same_stat = false;
	char old_hash[32] = "";
	if (sqlite3_step(g) == SQLITE_ROW) {
		known = true;
		same_stat = sqlite3_column_int64(g, 0) == (sqlite3_int64)st->st_size &&
		            sqlite3_column_int64(g, 1) == (sqlite3_int64)st->st_mtime;
		snprintf(old_hash, sizeof old_hash, "%s", (const char *)sqlite3_column_text(g, 2));
	}
	sqlite3_reset(g);
	char seen[64];
	snprintf(seen, sizeof seen, "%ld", (long)time(NULL));
	if (known && same_stat) {
		ix->read += (size_t)st->st_size;
		char *sql = sqlite3_mprintf("UPDATE sources SET seen = 1 WHERE path = %Q", path);
		exec(ix, sql);
		sqlite3_free(sql);
		ix->skipped++;
		return 0;
	}
	size_t len;
	char *text = cli_read_file(path, &len);
	if (!text)
		return -1;
	char hash[32];
	snprintf(hash, sizeof hash, "%016llx", (unsigned long long)chu__checksum(text, len));
	int rc = 0;
	if (known && strcmp(hash, old_hash) == 0) {
		ix->skipped++;
	} else {
		/* replace: whatever this source had, even from a run that was killed half-way */
		sqlite3_bind_text(ix->del_src, 1, path, -1, SQLITE_STATIC);
		char *sql = sqlite3_mprintf("DELETE FROM docs_fts WHERE rowid IN (SELECT id FROM docs WHERE source = %Q);"
		                            "DELETE FROM entities WHERE doc IN (SELECT id FROM docs WHERE source = %Q);"
		                            "DELETE FROM docs WHERE source = %Q;",
		                            path, path, path);
		rc = exec(ix, sql);
		sqlite3_free(sql);
		sqlite3_reset(ix->del_src);
		if (rc == 0)
			rc = txt ? ingest_txt(ix, path, text, len) : ingest_jsonl(ix, path, text, len);
	}
	if (txt || (known && strcmp(hash, old_hash) == 0))
		ix->read += len; /* a .jsonl file counts its lines as it goes */
	free(text);
	if (rc == 0) {
		sqlite3_stmt *p = ix->put_src;
		sqlite3_bind_text(p, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(p, 2, (sqlite3_int64)st->st_size);
		sqlite3_bind_int64(p, 3, (sqlite3_int64)st->st_mtime);
		sqlite3_bind_text(p, 4, hash, -1, SQLITE_STATIC);
		rc = sqlite3_step(p) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(p);
	}
	return rc;
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Bytes of the .txt and .jsonl files under path (for the progress bar's ETA). */
static size_t total_bytes(const char *path, int depth)
{
	struct stat st;
	if (depth > 64 || stat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return ends_with(path, ".txt") || ends_with(path, ".jsonl") ? (size_t)st.st_size : 0;
	DIR *d = opendir(path);
	size_t sum = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = sqlite3_mprintf("%s/%s", path, e->d_name);
		sum += total_bytes(p, depth + 1);
		sqlite3_free(p);
	}
	if (d)
		closedir(d);
	return sum;
}

static int ingest_path(indexer *ix, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		cli_error(path, 0, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return ingest_file(ix, path, &st);
	DIR *d = opendir(path);
	if (!d) {
		cli_error(path, 0, "%s", strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				break;
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *p = sqlite3_mprintf("%s/%s", path, names[i]);
		if (rc == 0 && ingest_path(ix, p) < 0)
			rc = -1;
		sqlite3_free(p);
		free(names[i]);
	}
	free(names);
	return rc;
}

int cli_index(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"prune", no_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool prune = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'p')
			prune = true;
		else if (c == 'h') {
			fputs("usage: chu index [--prune] DB PATH…\n"
			      "Adds .txt files (first line the title) and .jsonl files ({\"id\",\"title\",\"text\"}, optional\n"
			      "\"url\", \"date\", other fields kept) and directories of them to the SQLite database DB.\n"
			      "Unchanged files are skipped, changed ones replaced; --prune removes documents of files\n"
			      "that were not among the PATHs of this run. Commits every 500 documents or 8 MB: a killed\n"
			      "run keeps what it committed and a re-run finishes the rest.\n",
			      stdout);
			return CLI_OK;
		} else
			return CLI_USAGE;
	}
	if (argc - optind < 2) {
		cli_error(NULL, 0, "usage: chu index [--prune] DB PATH…");
		return CLI_USAGE;
	}
	indexer ix = {0};
	ix.db_path = argv[optind];
	if (open_db(ix.db_path, &ix.db, true) != CLI_OK)
		return CLI_BAD_INPUT;
	chu_ctx_new(NULL, &ix.ctx);
	ix.progress = isatty(2);
	ix.t0 = now_s();
	for (int i = optind + 1; ix.progress && i < argc; i++)
		ix.total += total_bytes(argv[i], 0);
	const char *sql[] = {
		"INSERT INTO docs(source, key, title, url, date, extra) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
		"INSERT INTO docs_fts(rowid, title, body) VALUES(?1, ?2, ?3)",
		"INSERT INTO entities(doc, kind, text, folded) VALUES(?1, ?2, ?3, ?4)",
		"SELECT 1 WHERE ?1 IS NOT NULL",
		"SELECT size, mtime, hash FROM sources WHERE path = ?1",
		"INSERT OR REPLACE INTO sources(path, size, mtime, hash, seen) VALUES(?1, ?2, ?3, ?4, 1)",
		"SELECT json_valid(?1) AND json_type(?1) = 'object', json_extract(?1, '$.id'), json_extract(?1, '$.title'),"
		" json_extract(?1, '$.text'), json_extract(?1, '$.url'), json_extract(?1, '$.date'),"
		" json_remove(?1, '$.id', '$.title', '$.text', '$.url', '$.date')"};
	sqlite3_stmt **stmts[] = {&ix.ins_doc, &ix.ins_fts, &ix.ins_ent, &ix.del_src, &ix.get_src, &ix.put_src, &ix.json};
	int status = CLI_OK;
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		if (sqlite3_prepare_v2(ix.db, sql[i], -1, stmts[i], NULL) != SQLITE_OK) {
			cli_error(ix.db_path, 0, "%s", sqlite3_errmsg(ix.db));
			status = CLI_BAD_INPUT;
		}
	if (status == CLI_OK && (exec(&ix, "UPDATE sources SET seen = 0") < 0 || exec(&ix, "BEGIN") < 0))
		status = CLI_BAD_INPUT;
	for (int i = optind + 1; i < argc && status == CLI_OK; i++)
		if (ingest_path(&ix, argv[i]) < 0)
			status = CLI_BAD_INPUT;
	if (status == CLI_OK && prune) {
		sqlite3_stmt *cnt;
		sqlite3_prepare_v2(ix.db, "SELECT count(*) FROM docs WHERE source IN (SELECT path FROM sources WHERE seen = 0)", -1,
		                   &cnt, NULL);
		if (sqlite3_step(cnt) == SQLITE_ROW)
			ix.removed = sqlite3_column_int64(cnt, 0);
		sqlite3_finalize(cnt);
		if (exec(&ix, "DELETE FROM docs_fts WHERE rowid IN (SELECT id FROM docs WHERE source IN"
		              " (SELECT path FROM sources WHERE seen = 0));"
		              "DELETE FROM entities WHERE doc IN (SELECT id FROM docs WHERE source IN"
		              " (SELECT path FROM sources WHERE seen = 0));"
		              "DELETE FROM docs WHERE source IN (SELECT path FROM sources WHERE seen = 0);"
		              "DELETE FROM sources WHERE seen = 0;") < 0)
			status = CLI_BAD_INPUT;
	}
	if (status == CLI_OK && exec(&ix, "COMMIT") < 0)
		status = CLI_BAD_INPUT;
	show_progress(&ix, true);
	if (status == CLI_OK)
		fprintf(stderr, "chu index: %ld documents added, %ld files unchanged, %ld documents pruned\n", ix.docs, ix.skipped,
		        ix.removed);
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		sqlite3_finalize(*stmts[i]);
	chu_ctx_free(ix.ctx);
	sqlite3_close(ix.db);
	return status;
}
