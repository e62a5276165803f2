/*
 * index.c — `chu index DB PATH…`: chu's embedded search store in SQLite. Text goes through libchu
 * (chu_clean, chu_tokenize) and into an FTS5 table that uses the "chu" tokenizer
 * (ext/sqlite/chu_fts5.c).
 *
 * Schema (created when missing; columns added to an older index):
 *   sources(path PRIMARY KEY, size, mtime, hash, seen, ctime, ino, dev)  one row per ingested file
 *   docs(id INTEGER PRIMARY KEY, source, key UNIQUE, title, url, date, extra, line, name, sum)
 *     key: the identity (canonical path, "#id:ID" or "#line:N" for a JSONL record); name: what
 *     search shows (the path as it was found, "#ID" or "#N" for a record); sum: cli_index_sum()
 *     of the title and body as indexed, which search checks each hit against (PRAGMA
 *     user_version is CLI_INDEX_SUMS once every document has one: an older index gets them
 *     the next time chu index opens it)
 *   docs_fts(title, body) — FTS5, tokenize='chu', rowid = docs.id
 *   entities(doc, kind, text, folded)                  acronyms, names, dates, money for filters
 * A file is known by its canonical path (realpath), so "d", "./d" and "$PWD/d" are one source. It
 * is unchanged when its size, mtime, ctime, inode and device are all as stored (an edit that keeps
 * the size and mtime still moves the ctime), or else when the hash of its bytes is.
 * Batches commit every 500 documents or 8 MB; a source's row is written in the same
 * transaction as its last document, so a run killed at any moment leaves every committed batch
 * and a re-run finishes the rest: a source without its row is deleted and ingested again.
 * A bad record (not JSON, too long, a failed insert) is reported with its file and line and the
 * run goes on; a repeated id replaces the earlier record with a warning naming both lines. The
 * exit status is 1 when any record or file was rejected or replaced. At the end the index is left
 * in rollback-journal mode, so that users who may only read it can search it.
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
#include <limits.h>
#include <time.h>
#include <unistd.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

static const char *schema =
	"CREATE TABLE IF NOT EXISTS sources(path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, hash TEXT, seen INTEGER,"
	" ctime INTEGER, ino INTEGER, dev INTEGER);"
	"CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY, source TEXT, key TEXT UNIQUE, title TEXT, url TEXT,"
	" date TEXT, extra TEXT, line INTEGER, name TEXT, sum INTEGER);"
	"CREATE INDEX IF NOT EXISTS docs_source ON docs(source);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, body, tokenize = 'chu');"
	"CREATE TABLE IF NOT EXISTS entities(doc INTEGER, kind TEXT, text TEXT, folded TEXT);"
	"CREATE INDEX IF NOT EXISTS entities_kind ON entities(kind, folded);"
	"CREATE INDEX IF NOT EXISTS entities_doc ON entities(doc);";

long long cli_index_sum(const char *title, size_t tl, const char *body, size_t bl)
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

bool cli_index_cut_short(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false; /* the caller's open reports it */
	unsigned char h[100];
	struct stat sb;
	bool got = fread(h, 1, sizeof h, f) == sizeof h && fstat(fileno(f), &sb) == 0;
	fclose(f);
	if (!got || memcmp(h, "SQLite format 3", 16) != 0)
		return false; /* SQLite says what it is not */
	/* the header's page count is valid when the change counter (offset 24) equals the
	 * version-valid-for number (offset 92) */
	unsigned psize = be(h + 16, 2) == 1 ? 65536 : be(h + 16, 2), pages = be(h + 28, 4);
	if (psize < 512 || be(h + 24, 4) != be(h + 92, 4) || pages == 0)
		return false;
	long long want = (long long)pages * psize;
	if ((long long)sb.st_size >= want && sb.st_size % psize == 0)
		return false;
	cli_error(path, 0, "the index is damaged: %lld bytes, where its header counts %u pages of %u bytes (%lld); "
	          "build it again with chu index", (long long)sb.st_size, pages, psize, want);
	return true;
}

static void sum_fn(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	const char *t = (const char *)sqlite3_value_text(v[0]), *b = (const char *)sqlite3_value_text(v[1]);
	sqlite3_result_int64(c, cli_index_sum(t, (size_t)sqlite3_value_bytes(v[0]), b, (size_t)sqlite3_value_bytes(v[1])));
}

static int open_db(const char *path, sqlite3 **db, bool create)
{
	if (cli_index_cut_short(path))
		return CLI_BAD_INPUT;
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
	/* columns an index made by an older chu lacks */
	static const char *const added[][3] = {
		{"sources", "ctime", "INTEGER"}, {"sources", "ino", "INTEGER"}, {"sources", "dev", "INTEGER"},
		{"docs", "line", "INTEGER"}, {"docs", "name", "TEXT"}, {"docs", "sum", "INTEGER"}};
	for (size_t i = 0; rc == SQLITE_OK && create && i < sizeof added / sizeof added[0]; i++) {
		char *q = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name = %Q", added[i][0], added[i][1]);
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(*db, q, -1, &st, NULL);
		bool has = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		sqlite3_free(q);
		if (rc == SQLITE_OK && !has) {
			q = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN %s %s", added[i][0], added[i][1], added[i][2]);
			rc = sqlite3_exec(*db, q, NULL, NULL, &err);
			sqlite3_free(q);
		}
	}
	/* an index made before documents had checksums gets them from the text it holds */
	sqlite3_stmt *uv = NULL;
	bool sums = false;
	if (rc == SQLITE_OK && create && (rc = sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &uv, NULL)) == SQLITE_OK)
		sums = sqlite3_step(uv) == SQLITE_ROW && sqlite3_column_int(uv, 0) >= CLI_INDEX_SUMS;
	sqlite3_finalize(uv);
	if (rc == SQLITE_OK && create && !sums)
		rc = sqlite3_create_function(*db, "chu_index_sum", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sum_fn, NULL, NULL);
	if (rc == SQLITE_OK && create && !sums) {
		char *q = sqlite3_mprintf("UPDATE docs SET sum = (SELECT chu_index_sum(c0, c1) FROM docs_fts_content c"
		                          " WHERE c.id = docs.id) WHERE sum IS NULL; PRAGMA user_version = %d;", CLI_INDEX_SUMS);
		rc = q ? sqlite3_exec(*db, q, NULL, NULL, &err) : SQLITE_NOMEM;
		sqlite3_free(q);
	}
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
	long rejected; /* records and files reported and left out */
	long replaced; /* records whose id came again: the later one was kept */
	size_t max_doc; /* the largest record or .txt file indexed, in bytes */
	sqlite3_stmt *find_key, *del_doc;
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
	if (n)
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

/* Removes document id from the three tables. */
static int delete_doc(indexer *ix, sqlite3_int64 id)
{
	char *sql = sqlite3_mprintf("DELETE FROM docs_fts WHERE rowid = %lld; DELETE FROM entities WHERE doc = %lld;"
	                            "DELETE FROM docs WHERE id = %lld;",
	                            (long long)id, (long long)id, (long long)id);
	int rc = exec(ix, sql);
	sqlite3_free(sql);
	return rc;
}

/* Adds one document (NUL-free text: see nul_free) in a savepoint of its own, so a failure leaves
 * nothing of it. A key already in the index (a repeated id) is replaced, with a warning naming
 * where each came from. where/line name the record for messages. Returns 0, 1 when the record
 * was rejected (reported), -1 when the index itself failed. */
static int add_doc(indexer *ix, const char *source, const char *where, unsigned long line, const char *key,
                   const char *name, const char *title, size_t tl, const char *body, size_t bl, const char *url, const char *date,
                   const char *extra)
{
	if (exec(ix, "SAVEPOINT doc") < 0)
		return -1;
	sqlite3_stmt *f = ix->find_key;
	sqlite3_bind_text(f, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(f) == SQLITE_ROW) {
		sqlite3_int64 old = sqlite3_column_int64(f, 0);
		unsigned long old_line = (unsigned long)sqlite3_column_int64(f, 2);
		const char *old_src = (const char *)sqlite3_column_text(f, 1);
		bool same = old_src && strcmp(old_src, source) == 0;
		cli_error(where, line, "warning: id %s again (first at %s%s%lu): this record replaces that one", name,
		          same ? "line " : (old_src ? old_src : "?"), same ? "" : ":", old_line);
		sqlite3_reset(f);
		if (delete_doc(ix, old) < 0)
			return -1;
		ix->replaced++;
		ix->docs--;
	}
	sqlite3_reset(f);
	sqlite3_stmt *s = ix->ins_doc;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, title, (int)tl, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, extra, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)line);
	sqlite3_bind_text(s, 8, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 9, cli_index_sum(title, tl, body, bl));
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_int64 id = sqlite3_last_insert_rowid(ix->db);
	if (rc == SQLITE_DONE) {
		s = ix->ins_fts;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, title, (int)tl, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, body, (int)bl, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
	}
	if (rc != SQLITE_DONE) {
		cli_error(where, line, "document %s not indexed: %s", name, sqlite3_errmsg(ix->db));
		ix->rejected++;
		return exec(ix, "ROLLBACK TO doc") < 0 || exec(ix, "RELEASE doc") < 0 ? -1 : 1;
	}
	add_entities(ix, id, title, tl);
	add_entities(ix, id, body, bl);
	if (exec(ix, "RELEASE doc") < 0)
		return -1;
	ix->docs++;
	ix->batch_docs++;
	ix->bytes += bl + tl;
	ix->batch_bytes += bl + tl;
	if (ix->batch_docs >= 500 || ix->batch_bytes >= (8u << 20))
		return commit_batch(ix);
	return 0;
}

/* text[0, n) with each NUL byte replaced by U+FFFD, in a malloc'd NUL-terminated copy: SQLite's
 * text functions, snippets and C strings stop at a NUL, so the index never stores one (a record
 * "phần đầu\u0000phần sau" keeps both parts). NULL when out of memory. */
static char *nul_free(const char *text, size_t n, size_t *out_len)
{
	size_t nuls = 0;
	for (const char *p = text; n && (p = memchr(p, '\0', n - (size_t)(p - text))) != NULL; p++)
		nuls++;
	char *out = malloc(n + 2 * nuls + 1), *d = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (text[i])
			*d++ = text[i];
		else
			memcpy(d, "\xEF\xBF\xBD", 3), d += 3;
	}
	*d = '\0';
	*out_len = (size_t)(d - out);
	return out;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int ingest_txt(indexer *ix, const char *source, const char *where, const char *raw, size_t raw_len)
{
	size_t len;
	char *text = nul_free(raw, raw_len, &len);
	if (!text) {
		cli_error(where, 0, "out of memory");
		return -1;
	}
	const char *out;
	size_t n;
	const chu_clean_change *ch;
	size_t nch;
	if (chu_clean(ix->ctx, text, len, &out, &n, &ch, &nch) < 0) {
		free(text);
		cli_error(where, 0, "out of memory");
		return -1;
	}
	char *url = NULL;
	for (size_t i = 0; i < nch; i++)
		if (ch[i].action == CHU_CLEAN_METADATA) {
			size_t a = ch[i].start, b = ch[i].end;
			while (b > a && (text[b - 1] == '\n' || text[b - 1] == '\r' || text[b - 1] == ' '))
				b--;
			url = strndup(text + a, b - a);
			break;
		}
	char *clean = strndup(out, n);
	free(text);
	if (!clean) {
		free(url);
		cli_error(where, 0, "out of memory");
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
	int rc = add_doc(ix, source, where, 0, source, where, clean + a, te - a, clean + bs, n - bs, url, NULL, NULL);
	free(clean);
	free(url);
	return rc < 0 ? -1 : 0;
}

/* Rewrites each JSON escape \u0000 in line[0, n) as \uFFFD, in place: SQLite's JSON functions end
 * a string at a NUL, so "phần đầu\u0000phần sau" would lose "phần sau". An escaped backslash
 * before "u0000" is not an escape of NUL and is left. */
static void nul_escapes(char *line, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (line[i] != '\\')
			continue;
		if (line[i + 1] == 'u' && i + 5 < n && memcmp(line + i + 2, "0000", 4) == 0)
			memcpy(line + i + 2, "FFFD", 4);
		i++; /* the escaped character */
	}
}

/* A JSON field's text, NUL bytes as U+FFFD (see nul_free): column col of s, NULL when SQL NULL. */
static char *json_field(sqlite3_stmt *s, int col, size_t *len)
{
	*len = 0;
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return NULL;
	const char *t = (const char *)sqlite3_column_text(s, col);
	return t ? nul_free(t, (size_t)sqlite3_column_bytes(s, col), len) : NULL;
}

/* Reads a .jsonl file a line at a time (memory bounded by the longest line, and a line longer than
 * ix->max_doc is rejected without being held whole). */
static int ingest_jsonl(indexer *ix, const char *source, const char *where, FILE *f)
{
	unsigned long line = 0;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		cli_error(where, 0, "out of memory");
		return -1;
	}
	int rc = 0;
	bool too_long = false, eof = false;
	while (rc == 0 && !eof) {
		int ch = getc(f);
		if (ch != EOF && ch != '\n') {
			if (too_long)
				continue;
			if (n + 1 >= cap) {
				if (n >= ix->max_doc) {
					too_long = true;
					continue;
				}
				size_t ncap = cap * 2 > ix->max_doc + 2 ? ix->max_doc + 2 : cap * 2;
				char *nb = realloc(buf, ncap);
				if (!nb) {
					cli_error(where, line + 1, "out of memory");
					rc = -1;
					break;
				}
				buf = nb;
				cap = ncap;
			}
			buf[n++] = (char)ch;
			continue;
		}
		eof = ch == EOF;
		if (eof && ferror(f)) {
			cli_error(where, 0, "%s", strerror(errno));
			rc = -1;
			break;
		}
		if (eof && n == 0 && !too_long)
			break;
		line++;
		ix->read += n + 1;
		if (too_long) {
			cli_error(where, line, "record longer than --max-doc-size (%zu bytes); record skipped", ix->max_doc);
			ix->rejected++;
		} else if (line == 1 && cli_is_utf16(buf, n)) {
			cli_utf16_error(where);
			ix->rejected++;
			break;
		} else if (n > 0) {
			nul_escapes(buf, n);
			sqlite3_stmt *s = ix->json;
			sqlite3_bind_text(s, 1, buf, (int)n, SQLITE_STATIC);
			if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0)) {
				size_t il, tl, bl, ul, dl, el;
				char *id = json_field(s, 1, &il), *title = json_field(s, 2, &tl), *body = json_field(s, 3, &bl);
				char *url = json_field(s, 4, &ul), *date = json_field(s, 5, &dl), *extra = json_field(s, 6, &el);
				/* ids and line numbers apart: {"id":7} and a record without id on line 7 are two */
				char *key = id ? sqlite3_mprintf("%s#id:%s", source, id) : sqlite3_mprintf("%s#line:%lu", source, line);
				char *name = id ? sqlite3_mprintf("%s#%s", where, id) : sqlite3_mprintf("%s#%lu", where, line);
				int r = key && name ? add_doc(ix, source, where, line, key, name, title ? title : "", tl, body ? body : "",
				                              bl, url, date, extra)
				                    : -1;
				if (!key || !name)
					cli_error(where, line, "out of memory");
				rc = r < 0 ? -1 : 0;
				sqlite3_free(key);
				sqlite3_free(name);
				free(id), free(title), free(body), free(url), free(date), free(extra);
			} else {
				cli_error(where, line, "not a JSON object; line skipped");
				ix->rejected++;
			}
			sqlite3_reset(s);
		}
		n = 0;
		too_long = false;
	}
	free(buf);
	return rc;
}

/* The hash of a file's bytes, read in blocks (bounded memory): the checksum of each 64 KiB block
 * chained. false after printing an error. */
static bool hash_file(const char *where, const char *path, char hash[32])
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_error(where, 0, "%s", strerror(errno));
		return false;
	}
	static char block[1 << 16];
	uint64_t h = 0x9E3779B97F4A7C15ULL;
	size_t k;
	while ((k = fread(block, 1, sizeof block, f)) > 0)
		h = chu__checksum(block, k) ^ (h * 0x100000001B3ULL + k);
	bool err = ferror(f);
	fclose(f);
	if (err) {
		cli_error(where, 0, "%s", strerror(errno));
		return false;
	}
	snprintf(hash, 32, "%016llx", (unsigned long long)h);
	return true;
}

/* Nanoseconds since the epoch of a stat time. */
static sqlite3_int64 ns_of(struct timespec t) { return (sqlite3_int64)t.tv_sec * 1000000000 + t.tv_nsec; }

/* Indexes one file: where is the path as found (for messages), st its stat. 0, or -1 when the
 * index failed; a file that cannot be read is reported and counted, and the run goes on. */
static int ingest_file(indexer *ix, const char *where, const struct stat *st)
{
	bool txt = ends_with(where, ".txt"), jsonl = ends_with(where, ".jsonl");
	if (!txt && !jsonl)
		return 0;
	char *path = realpath(where, NULL); /* the file's identity */
	if (!path) {
		cli_error(where, 0, "%s", strerror(errno));
		ix->rejected++;
		return 0;
	}
	sqlite3_stmt *g = ix->get_src;
	sqlite3_bind_text(g, 1, path, -1, SQLITE_STATIC);
	bool known = false, same_stat = false;
	char old_hash[32] = "";
	if (sqlite3_step(g) == SQLITE_ROW) {
		known = true;
		same_stat = sqlite3_column_int64(g, 0) == (sqlite3_int64)st->st_size &&
		            sqlite3_column_int64(g, 1) == ns_of(st->st_mtim) && sqlite3_column_int64(g, 3) == ns_of(st->st_ctim) &&
		            sqlite3_column_int64(g, 4) == (sqlite3_int64)st->st_ino &&
		            sqlite3_column_int64(g, 5) == (sqlite3_int64)st->st_dev;
		snprintf(old_hash, sizeof old_hash, "%s", (const char *)sqlite3_column_text(g, 2));
	}
	sqlite3_reset(g);
	char hash[32];
	int rc = 0;
	bool unchanged = known && same_stat;
	if (!unchanged && !hash_file(where, path, hash)) {
		ix->rejected++;
		free(path);
		return 0;
	}
	if (unchanged) {
		snprintf(hash, sizeof hash, "%s", old_hash);
	} else if (known && strcmp(hash, old_hash) == 0) {
		unchanged = true; /* touched, copied or moved back, but the same bytes */
	} else {
		/* replace: whatever this source had, even from a run that was killed half-way; its row goes
		 * too, so a run killed after this commit re-ingests it (its bytes may equal the old row's
		 * hash while its documents are gone) */
		char *sql = sqlite3_mprintf("DELETE FROM docs_fts WHERE rowid IN (SELECT id FROM docs WHERE source = %Q);"
		                            "DELETE FROM entities WHERE doc IN (SELECT id FROM docs WHERE source = %Q);"
		                            "DELETE FROM docs WHERE source = %Q; DELETE FROM sources WHERE path = %Q;",
		                            path, path, path, path);
		rc = exec(ix, sql);
		sqlite3_free(sql);
		FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
		if (rc == 0 && !f) {
			cli_error(where, 0, "%s", strerror(errno));
			ix->rejected++;
			free(path);
			return 0;
		}
		if (rc == 0 && jsonl) {
			rc = ingest_jsonl(ix, path, where, f);
		} else if (rc == 0) {
			size_t len = 0, cap = 1 << 16;
			char *text = malloc(cap + 1);
			bool too_big = false;
			while (text) {
				if (len == cap) {
					if (cap > ix->max_doc) {
						too_big = true;
						break;
					}
					char *nt = realloc(text, cap * 2 + 1);
					if (!nt) {
						free(text);
						text = NULL;
						break;
					}
					text = nt;
					cap *= 2;
				}
				size_t k = fread(text + len, 1, cap - len, f);
				len += k;
				if (k == 0)
					break;
			}
			if (!text) {
				cli_error(where, 0, "out of memory");
				rc = -1;
			} else if (too_big || len > ix->max_doc) {
				cli_error(where, 0, "larger than --max-doc-size (%zu bytes); file skipped", ix->max_doc);
				ix->rejected++;
			} else if (ferror(f)) {
				cli_error(where, 0, "%s", strerror(errno));
				ix->rejected++;
			} else if (cli_is_utf16(text, len)) {
				cli_utf16_error(where);
				ix->rejected++;
			} else {
				rc = ingest_txt(ix, path, where, text, len);
			}
			ix->read += len;
			free(text);
		}
		if (f)
			fclose(f);
	}
	if (unchanged) {
		ix->read += (size_t)st->st_size;
		ix->skipped++;
	}
	if (rc == 0) {
		sqlite3_stmt *p = ix->put_src;
		sqlite3_bind_text(p, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(p, 2, (sqlite3_int64)st->st_size);
		sqlite3_bind_int64(p, 3, ns_of(st->st_mtim));
		sqlite3_bind_text(p, 4, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(p, 5, ns_of(st->st_ctim));
		sqlite3_bind_int64(p, 6, (sqlite3_int64)st->st_ino);
		sqlite3_bind_int64(p, 7, (sqlite3_int64)st->st_dev);
		rc = sqlite3_step(p) == SQLITE_DONE ? 0 : -1;
		if (rc < 0)
			cli_error(ix->db_path, 0, "%s", sqlite3_errmsg(ix->db));
		sqlite3_reset(p);
	}
	free(path);
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

/* Indexes a file or a directory tree; what cannot be read is reported, counted and passed over.
 * -1 only when the index itself failed. */
static int ingest_path(indexer *ix, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		cli_error(path, 0, "%s", strerror(errno));
		ix->rejected++;
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return ingest_file(ix, path, &st);
	DIR *d = opendir(path);
	if (!d) {
		cli_error(path, 0, "%s", strerror(errno));
		ix->rejected++;
		return 0;
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
		if ((names[n] = strdup(e->d_name)) == NULL)
			break;
		n++;
	}
	bool short_read = e != NULL;
	closedir(d);
	if (short_read) {
		cli_error(path, 0, "out of memory reading the directory");
		ix->rejected++;
	}
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
	static const struct option longopts[] = {{"prune", no_argument, NULL, 'p'},
	                                          {"max-doc-size", required_argument, NULL, 'M'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	bool prune = false;
	size_t max_doc = (size_t)64 << 20;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'p')
			prune = true;
		else if (c == 'M') {
			if (!cli_parse_size(optarg, &max_doc))
				return CLI_USAGE;
		} else if (c == 'h') {
			fputs("usage: chu index [--prune] [--max-doc-size N] DB PATH…\n"
			      "Adds .txt files (first line the title) and .jsonl files ({\"id\",\"title\",\"text\"}, optional\n"
			      "\"url\", \"date\", other fields kept) and directories of them to the SQLite database DB.\n"
			      "A file is known by its canonical path; unchanged files (same bytes) are skipped, changed\n"
			      "ones replaced; --prune removes documents of files that were not among the PATHs of this\n"
			      "run. A NUL byte in a text is stored as U+FFFD. A record that is not JSON, a .txt file or a\n"
			      "record larger than --max-doc-size (default 64M; K, M, G suffixes) is reported with its\n"
			      "line and left out; a repeated id replaces the earlier record with a warning; the run goes\n"
			      "on and exits 1. Commits every 500 documents or 8 MB: a killed run keeps what it committed\n"
			      "and a re-run finishes the rest.\n",
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
	ix.max_doc = max_doc;
	ix.db_path = argv[optind];
	if (open_db(ix.db_path, &ix.db, true) != CLI_OK)
		return CLI_BAD_INPUT;
	chu_ctx_new(NULL, &ix.ctx);
	ix.progress = isatty(2);
	ix.t0 = now_s();
	for (int i = optind + 1; ix.progress && i < argc; i++)
		ix.total += total_bytes(argv[i], 0);
	const char *sql[] = {
		"INSERT INTO docs(source, key, title, url, date, extra, line, name, sum) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		"INSERT INTO docs_fts(rowid, title, body) VALUES(?1, ?2, ?3)",
		"INSERT INTO entities(doc, kind, text, folded) VALUES(?1, ?2, ?3, ?4)",
		"SELECT 1 WHERE ?1 IS NOT NULL",
		"SELECT size, mtime, hash, ctime, ino, dev FROM sources WHERE path = ?1",
		"INSERT OR REPLACE INTO sources(path, size, mtime, hash, seen, ctime, ino, dev) VALUES(?1, ?2, ?3, ?4, 1, ?5, ?6, ?7)",
		"SELECT json_valid(?1) AND json_type(?1) = 'object', json_extract(?1, '$.id'), json_extract(?1, '$.title'),"
		" json_extract(?1, '$.text'), json_extract(?1, '$.url'), json_extract(?1, '$.date'),"
		" json_remove(?1, '$.id', '$.title', '$.text', '$.url', '$.date')",
		"SELECT id, source, line FROM docs WHERE key = ?1"};
	sqlite3_stmt **stmts[] = {&ix.ins_doc, &ix.ins_fts, &ix.ins_ent, &ix.del_src, &ix.get_src,
	                          &ix.put_src, &ix.json,    &ix.find_key};
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
	if (status == CLI_OK) {
		fprintf(stderr, "chu index: %ld documents added, %ld files unchanged, %ld documents pruned", ix.docs, ix.skipped,
		        ix.removed);
		if (ix.rejected || ix.replaced)
			fprintf(stderr, "; %ld records or files rejected, %ld repeated ids replaced", ix.rejected, ix.replaced);
		fputc('\n', stderr);
		if (ix.rejected || ix.replaced)
			status = CLI_BAD_INPUT;
	}
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		sqlite3_finalize(*stmts[i]);
	/* at rest in rollback-journal mode: a reader without write access needs no -shm file (another
	 * connection still open keeps WAL, which is fine) */
	sqlite3_exec(ix.db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	chu_ctx_free(ix.ctx);
	sqlite3_close(ix.db);
	return status;
}
