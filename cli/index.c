/*
 * index.c — `chu index DB PATH…`: chu's embedded search store in SQLite. Text goes through libchu
 * (chu_clean, chu_tokenize) and into an FTS5 table that uses the "chu" tokenizer
 * (ext/sqlite/chu_fts5.c).
 *
 * Inputs: .txt and .md files (one document each: the first non-empty line is the title, a
 * Markdown title without its leading "#"s), .jsonl and .ndjson files (a JSON object a line), each
 * of them also gzip-compressed (name.txt.gz, name.jsonl.gz: zlib, read as a stream), extensions in
 * any case; "-" is standard input, JSON lines or (--format text|md) one text. A file of another
 * kind, binary content (see not_text), gzip data that does not decode, an unreadable or too large
 * file is named on stderr with the reason and counted as skipped. In a directory, hidden names and
 * names without an extension (README, LICENSE) are passed over silently; a name with an extension
 * chu does not read (notes.csv, a.json) is reported and counted like a file named on the command
 * line. The exit status is 1 when any file was skipped, any record rejected or any id repeated.
 *
 * Schema (created when missing; columns added to an older index):
 *   sources(path PRIMARY KEY, size, mtime, hash, seen, ctime, ino, dev, complete, done_lines,
 *           done_bytes)                                 one row per ingested file ("-" for stdin)
 *     complete: 1 once every line of the file is in (NULL, from an older chu, counts as 1), 0 in
 *     the row a batch commits while the file is part-way; done_lines/done_bytes: the lines and the
 *     (decompressed) bytes of the file whose records are committed with that row
 *   docs(id INTEGER PRIMARY KEY, source, key UNIQUE, title, url, date, extra, line, name, sum, file,
 *        facets)
 *     source: the file's canonical path (realpath), "-" for stdin; key: the identity, the
 *     canonical path for a text, "PATH#id:ID" or "PATH#line:N" for a JSONL record (ids and line
 *     numbers apart); name: the document's id as users know it and search prints it: a record's
 *     "id" as given (a JSON number as written: 42, 7.5), else "FILE#N"; a text's path under the
 *     directory argument it was found in ("2019/a.txt" for chu index db corpus/), or the path as
 *     given when the file was named; file: the file's path as found ("-" for stdin); line: a
 *     record's line (0 for a text); sum: chu__index_sum() of the title and body as indexed, which
 *     search checks each hit against (PRAGMA user_version is CHU__INDEX_SUMS once every document
 *     has one: an older index gets them the next time chu index opens it)
 *   docs_fts(title, body) — FTS5, tokenize='chu', rowid = docs.id
 *     facets: the document's entities once each (chu__index_facets), which search counts facets
 *     from (NULL for a document indexed by an older chu: its entities rows are read instead)
 *   entities(doc, kind, text, folded)     for filters and facets: with the models (seg, pos, ner
 *     found as chu annotate finds them), chu_annotate's entities, kind its type lowercased (per,
 *     loc, org, misc, date, time, money, percent, quantity); without them (--entities=rules),
 *     acronyms (org), runs of capitalized syllables (name), dates, money; --entities=none (or
 *     --no-entities): none for the documents of that run
 * A file is known by its canonical path, so "d", "./d" and "$PWD/d" are one source. It is
 * unchanged when its size, mtime, ctime, inode and device are all as stored (an edit that keeps
 * the size and mtime still moves the ctime), or else when the hash of its bytes is; an unchanged
 * file's documents get the names and file of this run's spelling of its path.
 * Batches commit every 500 documents or 8 MB, each with the row of the file in progress
 * (complete = 0, done_lines/done_bytes up to its last committed record); a file's complete row is
 * written in the transaction that holds its last document. So a run killed at any moment leaves
 * every committed batch, and a re-run continues an unchanged file from the byte after its last
 * committed line (a .gz file is decompressed up to there again), and replaces a changed one
 * whole; a source with documents but no row (an older chu killed) is deleted and ingested again.
 * Records of a resumed file's committed part are not read again, so a bad line there is not
 * reported again. Standard input is never taken as unchanged nor continued: each run that reads
 * it replaces what an earlier one read.
 * A bad record (not JSON, too long, a failed insert) is reported with its file and line and the
 * run goes on; a repeated id replaces the earlier record with a warning naming the id as given
 * and both lines. A file skipped as a whole gets no row (it is reported again next time). A .gz
 * file is decompressed to its end before any of it is indexed (its check values come last), so
 * damaged or cut-short gzip is skipped whole; one that fails while it is read (changed meanwhile,
 * a device error) keeps what came before, with a part-way row at that point. At the end
 * the index is left in rollback-journal mode, so that users who may only read it can search it.
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
#include <strings.h>
#include <sys/stat.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

static const char *schema =
	"CREATE TABLE IF NOT EXISTS sources(path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, hash TEXT, seen INTEGER,"
	" ctime INTEGER, ino INTEGER, dev INTEGER, complete INTEGER, done_lines INTEGER, done_bytes INTEGER);"
	"CREATE TABLE IF NOT EXISTS docs(id INTEGER PRIMARY KEY, source TEXT, key TEXT UNIQUE, title TEXT, url TEXT,"
	" date TEXT, extra TEXT, line INTEGER, name TEXT, sum INTEGER, file TEXT, facets BLOB);"
	"CREATE INDEX IF NOT EXISTS docs_source ON docs(source);"
	"CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, body, tokenize = 'chu');"
	"CREATE TABLE IF NOT EXISTS entities(doc INTEGER, kind TEXT, text TEXT, folded TEXT);"
	"CREATE INDEX IF NOT EXISTS entities_kind ON entities(kind, folded);"
	"CREATE INDEX IF NOT EXISTS entities_doc ON entities(doc);";

/* "chu: PATH: the index is damaged: …" when the file is shorter than its header says. */
static bool cut_short(const char *path)
{
	char msg[256];
	if (!chu__index_cut_short(path, msg, sizeof msg))
		return false;
	cli_error(path, 0, "%s", msg);
	return true;
}

static void sum_fn(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	const char *t = (const char *)sqlite3_value_text(v[0]), *b = (const char *)sqlite3_value_text(v[1]);
	sqlite3_result_int64(c, chu__index_sum(t, (size_t)sqlite3_value_bytes(v[0]), b, (size_t)sqlite3_value_bytes(v[1])));
}

static int open_db(const char *path, sqlite3 **db, bool create)
{
	if (cut_short(path))
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
		{"docs", "line", "INTEGER"}, {"docs", "name", "TEXT"}, {"docs", "sum", "INTEGER"}, {"docs", "file", "TEXT"},
		{"sources", "complete", "INTEGER"}, {"sources", "done_lines", "INTEGER"}, {"sources", "done_bytes", "INTEGER"},
		{"docs", "facets", "BLOB"}};
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
	/* chu serve and chu_index_get find documents by their id (after the column, for an old index) */
	if (rc == SQLITE_OK && create)
		rc = sqlite3_exec(*db, "CREATE INDEX IF NOT EXISTS docs_name ON docs(name);", NULL, NULL, &err);
	/* an index made before documents had checksums gets them from the text it holds */
	sqlite3_stmt *uv = NULL;
	bool sums = false;
	if (rc == SQLITE_OK && create && (rc = sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &uv, NULL)) == SQLITE_OK)
		sums = sqlite3_step(uv) == SQLITE_ROW && sqlite3_column_int(uv, 0) >= CHU__INDEX_SUMS;
	sqlite3_finalize(uv);
	if (rc == SQLITE_OK && create && !sums)
		rc = sqlite3_create_function(*db, "chu_index_sum", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sum_fn, NULL, NULL);
	if (rc == SQLITE_OK && create && !sums) {
		char *q = sqlite3_mprintf("UPDATE docs SET sum = (SELECT chu_index_sum(c0, c1) FROM docs_fts_content c"
		                          " WHERE c.id = docs.id) WHERE sum IS NULL; PRAGMA user_version = %d;", CHU__INDEX_SUMS);
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

/* What a file holds, from its name. */
typedef enum { FMT_NONE, FMT_TEXT, FMT_MARKDOWN, FMT_JSONL } format;

/* One input in progress: a file, or standard input. */
typedef struct source {
	const char *path;         /* the identity: the canonical path, "-" for standard input */
	const char *where;        /* the path as found (docs.file, and "FILE#N" names) */
	const char *shown;        /* where as messages name it ("<stdin>" for "-") */
	const char *name;         /* a text's id: its path under the directory argument, or as given */
	format fmt;
	bool gz;                  /* gzip-compressed */
	struct stat st;           /* as stat saw it before reading (zero for standard input) */
	char hash[32];            /* hash_file() of its bytes ("" for standard input) */
	unsigned long lines;      /* lines handled: indexed, or reported and left out */
	unsigned long long bytes; /* the (decompressed) bytes of those lines */
} source;

typedef struct indexer {
	sqlite3 *db;
	chu_ctx *ctx;
	sqlite3_stmt *ins_doc, *ins_fts, *ins_ent, *upd_names, *get_src, *put_src, *json, *upd_facets;
	long docs, skipped, removed, batch_docs, committed;
	long rejected;      /* records reported and left out */
	long replaced;      /* records whose id came again: the later one was kept */
	long files_skipped; /* files reported and left out (or cut short), whole or from some line on */
	size_t max_doc;     /* the largest record or text indexed, in bytes */
	sqlite3_stmt *find_key;
	size_t bytes, batch_bytes;
	size_t total;       /* bytes of all input files (for the ETA), counted before indexing */
	size_t read;        /* bytes of input files handled so far */
	size_t read_base;   /* read when the file in progress was begun */
	double t0;
	bool progress;
	bool entities;      /* fill the entities table (not with --no-entities) */
	chu_model *seg, *pos, *ner; /* the models of chu_annotate's entities; NULL: the rules' */
	chu_annotate_options annot;
	cli_restorer restorer;      /* sentences without marks read through accent.chm (chu annotate's) */
	struct ent_pool *pool;      /* --threads N > 1: the workers that make them */
	source *cur;        /* the file being read, whose row each batch commits; NULL between files */
	const char *db_path;
} indexer;

static int drain_entities(indexer *ix, bool all);

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
	if (pct > 100)
		pct = 100;
	fprintf(stderr, "\r\033[K[%3d%%] %ld documents, %.1f MB, %.1f MB/s, %ld unchanged, ETA %02d:%02d%s", pct, ix->docs,
	        (double)ix->bytes / 1e6, rate / 1e6, ix->skipped, (int)eta / 60, (int)eta % 60, final ? "\n" : "");
}

/* Nanoseconds since the epoch of a stat time. */
static sqlite3_int64 ns_of(struct timespec t) { return (sqlite3_int64)t.tv_sec * 1000000000 + t.tv_nsec; }

/* Writes src's row: complete, or part-way with src->lines and src->bytes committed. 0, or -1
 * after printing the error. */
static int put_source(indexer *ix, const source *src, bool complete)
{
	sqlite3_stmt *p = ix->put_src;
	bool in = strcmp(src->path, "-") == 0;
	sqlite3_bind_text(p, 1, src->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p, 2, in ? (sqlite3_int64)src->bytes : (sqlite3_int64)src->st.st_size);
	sqlite3_bind_int64(p, 3, in ? 0 : ns_of(src->st.st_mtim));
	sqlite3_bind_text(p, 4, src->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p, 5, in ? 0 : ns_of(src->st.st_ctim));
	sqlite3_bind_int64(p, 6, in ? 0 : (sqlite3_int64)src->st.st_ino);
	sqlite3_bind_int64(p, 7, in ? 0 : (sqlite3_int64)src->st.st_dev);
	sqlite3_bind_int(p, 8, complete);
	sqlite3_bind_int64(p, 9, (sqlite3_int64)src->lines);
	sqlite3_bind_int64(p, 10, (sqlite3_int64)src->bytes);
	int rc = sqlite3_step(p) == SQLITE_DONE ? 0 : -1;
	if (rc < 0)
		cli_error(ix->db_path, 0, "%s", sqlite3_errmsg(ix->db));
	sqlite3_reset(p);
	return rc;
}

/* Commits the batch when it is full (500 documents or 8 MB), with the row of the file in progress
 * saying how far it is in. Called between records only, so that the row and the documents agree. */
static int maybe_commit(indexer *ix)
{
	if (ix->batch_docs < 500 && ix->batch_bytes < (8u << 20))
		return 0;
	if (drain_entities(ix, true) < 0 || (ix->cur && put_source(ix, ix->cur, false) < 0))
		return -1;
	if (exec(ix, "COMMIT") < 0 || exec(ix, "BEGIN") < 0)
		return -1;
	ix->committed += ix->batch_docs;
	ix->batch_docs = 0;
	ix->batch_bytes = 0;
	show_progress(ix, false);
	return 0;
}

/* Appends one entity row to rows: kind, the normalized text[a, b) and its folded form, each
 * NUL-terminated (what insert_rows stores). */
static int entity_row(chu_ctx *ctx, chu__buf *rows, const char *kind, const char *text, size_t a, size_t b)
{
	const char *norm, *fold;
	size_t nl, fl;
	int rc = chu_norm_span(ctx, text, a, b, &norm, &nl);
	if (rc < 0)
		return rc;
	size_t at = rows->len, kl = strlen(kind);
	chu__buf_put(&rc, rows, kind, kl + 1);
	chu__buf_put(&rc, rows, norm, nl);
	chu__buf_putc(&rc, rows, '\0');
	if (rc >= 0 && (rc = chu_fold(ctx, rows->data + at + kl + 1, nl, &fold, &fl)) >= 0) {
		chu__buf_put(&rc, rows, fold, fl);
		chu__buf_putc(&rc, rows, '\0');
	}
	return rc;
}

/* Stores the entity rows of document doc, and their summary for facets in docs.facets. */
static void insert_rows(indexer *ix, sqlite3_int64 doc, const chu__buf *rows)
{
	chu__buf blob;
	chu__buf_init(&blob, &chu__default_allocator);
	if (chu__index_facets(rows->data, rows->len, &blob) >= 0) {
		sqlite3_bind_int64(ix->upd_facets, 1, doc);
		sqlite3_bind_blob(ix->upd_facets, 2, blob.data ? blob.data : "", (int)blob.len, SQLITE_STATIC);
		sqlite3_step(ix->upd_facets);
		sqlite3_reset(ix->upd_facets);
	}
	chu__buf_free(&blob);
	for (size_t i = 0; i < rows->len;) {
		const char *kind = rows->data + i, *text = kind + strlen(kind) + 1, *fold = text + strlen(text) + 1;
		sqlite3_bind_int64(ix->ins_ent, 1, doc);
		sqlite3_bind_text(ix->ins_ent, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(ix->ins_ent, 3, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(ix->ins_ent, 4, fold, -1, SQLITE_STATIC);
		sqlite3_step(ix->ins_ent);
		sqlite3_reset(ix->ins_ent);
		i = (size_t)(fold - rows->data) + strlen(fold) + 1;
	}
}

/* Does the syllable s[0, n) begin with a capital letter (Đ, Ô as well as A–Z)? */
static bool capitalized(const char *s, size_t n)
{
	int32_t cp;
	chu__utf8_decode((const unsigned char *)s, n, &cp);
	return cp >= 0 && chu__is_upper(cp);
}

/* Entities for filters without the models (--entities=rules), from the tokens of text: acronyms
 * (org), runs of two or more capitalized syllables (name), dates, money. */
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
	chu__buf rows;
	chu__buf_init(&rows, &chu__default_allocator);
	for (size_t i = 0; i < n; i++) {
		const char *kind = NULL;
		size_t a = copy[i].start, b = copy[i].end, j = i;
		if (copy[i].kind == CHU_TOKEN_ACRONYM)
			kind = "org";
		else if (copy[i].kind == CHU_TOKEN_DATE)
			kind = "date";
		else if (copy[i].kind == CHU_TOKEN_MONEY)
			kind = "money";
		else if (copy[i].kind == CHU_TOKEN_SYLLABLE && capitalized(text + a, b - a)) {
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
		if (entity_row(ix->ctx, &rows, kind, text, a, b) < 0)
			break;
		i = j;
	}
	insert_rows(ix, doc, &rows);
	chu__buf_free(&rows);
	free(copy);
	return 0;
}

/* ---- entities from the models, on --threads N workers ----
 *
 * chu_annotate is most of the indexing time, so with --threads N it runs on N workers: each
 * document's title and body are queued as a job after its row is inserted, a worker turns them
 * into entity rows (kind, text, folded text), and the main thread inserts the rows of finished jobs
 * in document order — before any commit, so that a committed batch holds its documents' entities
 * and the index is the same whatever N. */

typedef struct ent_job {
	sqlite3_int64 doc;
	char *text;            /* the title, a line end, the body */
	size_t tl, bl;
	chu__buf rows;         /* for each entity: kind, text and folded text, each NUL-terminated */
	int rc;
	bool taken, done;
	struct ent_job *next;
} ent_job;

typedef struct ent_pool {
	pthread_mutex_t mu;
	pthread_cond_t work, finished;
	ent_job *head, *tail;  /* every job not yet inserted, in document order */
	size_t queued;
	bool stop;
	const chu_annotate_options *opts;
	cli_restorer *restorer;
	int n;
	pthread_t tid[64];
	bool started[64];
} ent_pool;

/* The entity rows of text (chu_annotate with o) appended to rows. */
static int entity_rows(chu_ctx *ctx, const chu_annotate_options *o, const char *text, size_t len, chu__buf *rows)
{
	chu_annotation a;
	int rc = chu_annotate(ctx, o, text, len, &a);
	for (size_t e = 0; e < a.n_entities && rc >= 0; e++) {
		char kind[16];
		size_t k = 0;
		for (const char *t = a.entities[e].type; *t && k + 1 < sizeof kind; t++)
			kind[k++] = (char)(*t >= 'A' && *t <= 'Z' ? *t + 32 : *t);
		kind[k] = '\0';
		rc = entity_row(ctx, rows, kind, text, a.entities[e].start, a.entities[e].end);
	}
	return rc;
}

/* The title and the body are one document to chu_annotate, a line apart, as in a .txt file: the
 * entity window spans both. */
static int job_rows(chu_ctx *ctx, const chu_annotate_options *o, ent_job *j)
{
	return entity_rows(ctx, o, j->text, j->tl + 1 + j->bl, &j->rows);
}

static void *ent_worker(void *arg)
{
	ent_pool *p = arg;
	chu_ctx *ctx = NULL;
	int made = chu_ctx_new(NULL, &ctx);
	if (made >= 0)
		cli_restorer_use(p->restorer, ctx);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		ent_job *j = p->head;
		while (j && j->taken)
			j = j->next;
		if (!j) {
			if (p->stop)
				break;
			pthread_cond_wait(&p->work, &p->mu);
			continue;
		}
		j->taken = true;
		pthread_mutex_unlock(&p->mu);
		int rc = made < 0 ? made : job_rows(ctx, p->opts, j);
		pthread_mutex_lock(&p->mu);
		j->rc = rc;
		j->done = true;
		pthread_cond_broadcast(&p->finished);
	}
	pthread_mutex_unlock(&p->mu);
	chu_ctx_free(ctx);
	return NULL;
}

/* Inserts the rows of the finished jobs at the head of the queue; with all, waits for every job.
 * -1 after a message when a job failed. */
static int drain_entities(indexer *ix, bool all)
{
	ent_pool *p = ix->pool;
	if (!p)
		return 0;
	int rc = 0;
	pthread_mutex_lock(&p->mu);
	while (p->head && (p->head->done || all)) {
		ent_job *j = p->head;
		if (!j->done) {
			pthread_cond_wait(&p->finished, &p->mu);
			continue;
		}
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->mu);
		if (j->rc < 0) {
			cli_error(ix->db_path, 0, "entities: %s", chu_strerror(j->rc));
			rc = -1;
		} else {
			insert_rows(ix, j->doc, &j->rows);
		}
		chu__buf_free(&j->rows);
		free(j->text);
		free(j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* The entities of a document's title and body: at once with one thread, else queued. */
static int add_model_entities(indexer *ix, sqlite3_int64 doc, const char *title, size_t tl, const char *body,
                              size_t bl)
{
	ent_job *j = calloc(1, sizeof *j);
	char *text = j ? malloc(tl + bl + 2) : NULL;
	if (!text) {
		free(j);
		cli_error(ix->db_path, 0, "out of memory");
		return -1;
	}
	memcpy(text, title, tl);
	text[tl] = '\n';
	memcpy(text + tl + 1, body, bl);
	text[tl + 1 + bl] = '\0';
	*j = (ent_job){.doc = doc, .text = text, .tl = tl, .bl = bl};
	chu__buf_init(&j->rows, &chu__default_allocator);
	ent_pool *p = ix->pool;
	if (!p) {
		int rc = job_rows(ix->ctx, &ix->annot, j);
		if (rc >= 0)
			insert_rows(ix, doc, &j->rows);
		else
			cli_error(ix->db_path, 0, "entities: %s", chu_strerror(rc));
		chu__buf_free(&j->rows);
		free(j->text);
		free(j);
		return rc < 0 ? -1 : 0;
	}
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	size_t queued = ++p->queued;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	/* a bounded queue: past 4 jobs a worker, wait for the oldest */
	int rc = drain_entities(ix, false);
	while (rc == 0 && queued > 4 * (size_t)p->n) {
		pthread_mutex_lock(&p->mu);
		while (p->head && !p->head->done)
			pthread_cond_wait(&p->finished, &p->mu);
		pthread_mutex_unlock(&p->mu);
		rc = drain_entities(ix, false);
		pthread_mutex_lock(&p->mu);
		queued = p->queued;
		pthread_mutex_unlock(&p->mu);
	}
	return rc;
}

/* Starts n workers (false: none could start, and entities are made on this thread). */
static bool pool_start(indexer *ix, int n)
{
	ent_pool *p = calloc(1, sizeof *p);
	if (!p)
		return false;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->finished, NULL);
	p->opts = &ix->annot;
	p->restorer = &ix->restorer;
	bool warned = false;
	for (int i = 0; i < n && i < 64; i++)
		if ((p->started[i] = cli_thread_start(&p->tid[i], ent_worker, p, &warned)))
			p->n++;
	if (!p->n) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->work);
		pthread_cond_destroy(&p->finished);
		free(p);
		return false;
	}
	ix->pool = p;
	return true;
}

static void pool_stop(indexer *ix)
{
	ent_pool *p = ix->pool;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < 64; i++)
		if (p->started[i])
			pthread_join(p->tid[i], NULL);
	for (ent_job *j = p->head, *next; j; j = next) { /* left by a run that failed */
		next = j->next;
		chu__buf_free(&j->rows);
		free(j->text);
		free(j);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->finished);
	free(p);
	ix->pool = NULL;
}

/* Removes document id from the three tables. */
static int delete_doc(indexer *ix, sqlite3_int64 id)
{
	if (drain_entities(ix, true) < 0) /* a queued job may be this document's */
		return -1;
	char *sql = sqlite3_mprintf("DELETE FROM docs_fts WHERE rowid = %lld; DELETE FROM entities WHERE doc = %lld;"
	                            "DELETE FROM docs WHERE id = %lld;",
	                            (long long)id, (long long)id, (long long)id);
	int rc = exec(ix, sql);
	sqlite3_free(sql);
	return rc;
}

/* Removes every document of source path and its row. */
static int delete_source(indexer *ix, const char *path)
{
	if (drain_entities(ix, true) < 0)
		return -1;
	char *sql = sqlite3_mprintf("DELETE FROM docs_fts WHERE rowid IN (SELECT id FROM docs WHERE source = %Q);"
	                            "DELETE FROM entities WHERE doc IN (SELECT id FROM docs WHERE source = %Q);"
	                            "DELETE FROM docs WHERE source = %Q; DELETE FROM sources WHERE path = %Q;",
	                            path, path, path, path);
	int rc = sql ? exec(ix, sql) : -1;
	sqlite3_free(sql);
	return rc;
}

/* Adds one document of src (NUL-free text: see nul_free) in a savepoint of its own, so a failure
 * leaves nothing of it. A key already in the index (a repeated id) is replaced, with a warning
 * naming the id and where each came from. line is the record's line (0 for a text). Returns 0, 1
 * when the record was rejected (reported), -1 when the index itself failed. The batch is
 * committed by the caller, between records (maybe_commit). */
static int add_doc(indexer *ix, const source *src, unsigned long line, const char *key, const char *name,
                   const char *title, size_t tl, const char *body, size_t bl, const char *url, const char *date,
                   const char *extra)
{
	if (exec(ix, "SAVEPOINT doc") < 0)
		return -1;
	sqlite3_stmt *f = ix->find_key;
	sqlite3_bind_text(f, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(f) == SQLITE_ROW) {
		sqlite3_int64 old = sqlite3_column_int64(f, 0);
		unsigned long old_line = (unsigned long)sqlite3_column_int64(f, 2);
		const char *old_src = (const char *)sqlite3_column_text(f, 1), *old_file = (const char *)sqlite3_column_text(f, 3);
		bool same = old_src && strcmp(old_src, src->path) == 0;
		cli_error(src->shown, line, "warning: id %s again (first at %s%s%lu): this record replaces that one", name,
		          same ? "line " : (old_file ? old_file : old_src ? old_src : "?"), same ? "" : ":", old_line);
		sqlite3_reset(f);
		if (delete_doc(ix, old) < 0)
			return -1;
		ix->replaced++;
		ix->docs--;
	}
	sqlite3_reset(f);
	sqlite3_stmt *s = ix->ins_doc;
	sqlite3_bind_text(s, 1, src->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, title, (int)tl, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, extra, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)line);
	sqlite3_bind_text(s, 8, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 9, chu__index_sum(title, tl, body, bl));
	sqlite3_bind_text(s, 10, src->where, -1, SQLITE_STATIC);
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
		cli_error(src->shown, line, "document %s not indexed: %s", name, sqlite3_errmsg(ix->db));
		ix->rejected++;
		return exec(ix, "ROLLBACK TO doc") < 0 || exec(ix, "RELEASE doc") < 0 ? -1 : 1;
	}
	if (ix->entities && ix->ner) {
		if (add_model_entities(ix, id, title, tl, body, bl) < 0)
			return -1;
	} else if (ix->entities) {
		add_entities(ix, id, title, tl);
		add_entities(ix, id, body, bl);
	}
	if (exec(ix, "RELEASE doc") < 0)
		return -1;
	ix->docs++;
	ix->batch_docs++;
	ix->bytes += bl + tl;
	ix->batch_bytes += bl + tl;
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

/* The format a file's name gives, in any case: .txt, .md, .jsonl or .ndjson, each maybe followed
 * by .gz (then *gz is set). FMT_NONE for any other name. */
static format format_of(const char *name, bool *gz)
{
	static const struct {
		const char *ext;
		format fmt;
	} known[] = {{".txt", FMT_TEXT}, {".md", FMT_MARKDOWN}, {".jsonl", FMT_JSONL}, {".ndjson", FMT_JSONL}};
	size_t n = strlen(name);
	*gz = n >= 3 && strcasecmp(name + n - 3, ".gz") == 0;
	if (*gz)
		n -= 3;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t k = strlen(known[i].ext);
		if (n >= k && strncasecmp(name + n - k, known[i].ext, k) == 0)
			return known[i].fmt;
	}
	return FMT_NONE;
}

/* Why text[0, n), judged from its first 64 KiB, is not an article: NULL when it is text. More
 * than two NUL bytes and more than one in 256 is binary content (a stray NUL in a text is kept,
 * as U+FFFD); more than one byte in 16 that is not part of valid UTF-8 is binary content or a
 * legacy encoding (a few bad bytes in a text become U+FFFD). why holds the message. */
static const char *not_text(const char *text, size_t n, char *why, size_t size)
{
	if (n > 1 << 16)
		n = 1 << 16;
	const unsigned char *s = (const unsigned char *)text;
	size_t nuls = 0, bad = 0;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		int k = chu__utf8_decode(s + i, n - i, &cp);
		nuls += cp == 0;
		bad += cp < 0;
		i += (size_t)k;
	}
	if (nuls > 2 && nuls * 256 > n) {
		snprintf(why, size, "binary content (NUL bytes)");
		return why;
	}
	if (bad * 16 > n) {
		snprintf(why, size, "binary content, or not UTF-8 (%zu%% of its first %zu bytes are not UTF-8; chu norm --from "
		         "converts a legacy encoding)", (bad * 100 + n - 1) / n, n);
		return why;
	}
	return NULL;
}

/* Reports a file left out as "chu: WHERE: skipped: why" and counts it. */
static void skip_file(indexer *ix, const char *where, const char *why)
{
	cli_error(where, 0, "skipped: %s", why);
	ix->files_skipped++;
}

/* How a file's reading ended. */
enum { READ_DONE, READ_CUT, READ_SKIPPED };
/* READ_DONE: to its end; READ_CUT: its gzip data or the device failed part-way, what came
 * before is in (reported); READ_SKIPPED: nothing of it is in (reported). */

/* An input being read in blocks of 64 KiB, whatever its size: a plain file, standard input or a
 * gzip stream. */
typedef struct input {
	const char *path;       /* as opened (zlib's messages begin with it) */
	FILE *f;                /* a plain file or stdin; NULL for gzip */
	gzFile gz;              /* a gzip stream; NULL for a plain file */
	unsigned char *buf;     /* the block being read */
	size_t pos, len;        /* its next unread byte, and its end */
	unsigned long long off; /* the (decompressed) bytes of the input before buf + pos */
	bool eof;               /* nothing more to read: the end, or a failure (err) */
	char err[200];          /* why reading failed; empty at a clean end */
} input;

/* Opens src's file (standard input for "-") for reading from byte start of its decompressed
 * content. false after printing why, with the file counted as skipped. */
static bool in_open(indexer *ix, input *in, const source *src, unsigned long long start)
{
	memset(in, 0, sizeof *in);
	in->buf = malloc(1 << 16);
	if (!in->buf) {
		skip_file(ix, src->shown, "out of memory");
		return false;
	}
	const char *why = NULL;
	if (strcmp(src->path, "-") == 0) {
		in->f = stdin;
	} else if (!src->gz) {
		in->f = fopen(src->path, "rb");
		if (!in->f)
			why = strerror(errno);
		else if (start && fseeko(in->f, (off_t)start, SEEK_SET) != 0)
			why = strerror(errno);
	} else {
		/* zlib reads a file without a gzip header as it is: refuse that here */
		FILE *f = fopen(src->path, "rb");
		unsigned char magic[2] = {0, 0};
		bool got = f && fread(magic, 1, 2, f) == 2;
		if (!f)
			why = strerror(errno);
		else if (!got || magic[0] != 0x1F || magic[1] != 0x8B)
			why = "not gzip data (no gzip header)";
		if (f)
			fclose(f);
		errno = 0;
		if (!why && (in->gz = gzopen(src->path, "rb")) == NULL)
			why = errno ? strerror(errno) : "out of memory";
		if (in->gz) {
			gzbuffer(in->gz, 1 << 17);
			if (start && gzseek(in->gz, (z_off_t)start, SEEK_SET) < 0)
				why = "damaged gzip data before the line to continue from";
		}
	}
	if (why) {
		skip_file(ix, src->shown, why);
		if (in->f && in->f != stdin)
			fclose(in->f);
		if (in->gz)
			gzclose(in->gz);
		free(in->buf);
		return false;
	}
	in->off = start;
	in->path = src->path;
	return true;
}

/* zlib's message for gz without the "PATH: " it begins with. */
static const char *gz_message(gzFile gz, const char *path, int *errnum)
{
	const char *m = gzerror(gz, errnum);
	size_t n = strlen(path);
	if (m && strncmp(m, path, n) == 0 && m[n] == ':' && m[n + 1] == ' ')
		m += n + 2;
	return *errnum == Z_ERRNO ? strerror(errno) : m ? m : "?";
}

/* The end of a gzip stream's reading: why it failed (damaged, cut short) into why, or NULL. */
static const char *gz_failure(gzFile gz, const char *path, int got, char *why, size_t size)
{
	int e = Z_OK;
	const char *m = gz_message(gz, path, &e);
	if (got < 0 || (e != Z_OK && e != Z_BUF_ERROR))
		snprintf(why, size, "damaged gzip data (%s)", m);
	else if (got == 0 && e == Z_BUF_ERROR)
		snprintf(why, size, "gzip data cut short (%s)", m);
	else
		return NULL;
	return why;
}

/* Decompresses the gzip file at path to its end, so that a damaged one is left out before any of
 * it is indexed (its check values come at its end). NULL, or why it cannot be read. */
static const char *check_gzip(const char *path, char *why, size_t size)
{
	errno = 0;
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return errno ? strerror(errno) : "out of memory";
	gzbuffer(gz, 1 << 17);
	static char block[1 << 16];
	int got = gzread(gz, block, sizeof block);
	if (got >= 0 && gzdirect(gz)) {
		gzclose(gz);
		return "not gzip data (no gzip header)"; /* which zlib would read as it is */
	}
	while (got > 0)
		got = gzread(gz, block, sizeof block);
	const char *r = gz_failure(gz, path, got, why, size);
	gzclose(gz);
	return r;
}

static void in_close(input *in)
{
	if (in->f && in->f != stdin)
		fclose(in->f);
	if (in->gz)
		gzclose(in->gz);
	free(in->buf);
}

/* Reads the next block: false at the end or on a failure (then in->err says what). */
static bool in_fill(input *in)
{
	if (in->eof)
		return false;
	size_t k = 0;
	if (in->gz) {
		int got = gzread(in->gz, in->buf, 1 << 16);
		gz_failure(in->gz, in->path, got, in->err, sizeof in->err);
		k = got > 0 && !in->err[0] ? (size_t)got : 0;
	} else {
		k = fread(in->buf, 1, 1 << 16, in->f);
		if (k == 0 && ferror(in->f))
			snprintf(in->err, sizeof in->err, "%s", strerror(errno));
	}
	in->pos = 0;
	in->len = k;
	in->eof = k == 0;
	return k > 0;
}

/* How far into the file's own bytes (compressed, for gzip) the reading is, for the progress bar. */
static size_t in_raw_offset(const input *in)
{
	if (in->gz) {
		z_off_t o = gzoffset(in->gz);
		return o > 0 ? (size_t)o : 0;
	}
	return (size_t)in->off;
}

static int ingest_txt(indexer *ix, const source *src, const char *raw, size_t raw_len)
{
	size_t len;
	char *text = nul_free(raw, raw_len, &len);
	if (!text) {
		cli_error(src->shown, 0, "out of memory");
		return -1;
	}
	const char *out;
	size_t n;
	const chu_clean_change *ch;
	size_t nch;
	if (chu_clean(ix->ctx, text, len, &out, &n, &ch, &nch) < 0) {
		free(text);
		cli_error(src->shown, 0, "out of memory");
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
		cli_error(src->shown, 0, "out of memory");
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
	if (src->fmt == FMT_MARKDOWN) {
		/* an ATX heading: "# Title", "## Title ##" */
		size_t h = a;
		while (h < te && h - a < 6 && clean[h] == '#')
			h++;
		if (h > a && (h == te || clean[h] == ' ' || clean[h] == '\t')) {
			while (h < te && (clean[h] == ' ' || clean[h] == '\t'))
				h++;
			a = h;
			while (te > a && (clean[te - 1] == ' ' || clean[te - 1] == '\t'))
				te--;
			size_t k = te;
			while (k > a && clean[k - 1] == '#')
				k--;
			if (k < te && (k == a || clean[k - 1] == ' ' || clean[k - 1] == '\t'))
				for (te = k; te > a && (clean[te - 1] == ' ' || clean[te - 1] == '\t');)
					te--;
		}
	}
	int rc = add_doc(ix, src, 0, src->path, src->name, clean + a, te - a, clean + bs, n - bs, url, NULL, NULL);
	free(clean);
	free(url);
	return rc < 0 ? -1 : 0;
}

/* Reads a text (.txt, .md, or stdin with --format text) whole, up to --max-doc-size, and indexes
 * it as one document. READ_* or -1. */
static int ingest_text(indexer *ix, source *src, input *in)
{
	size_t len = 0, cap = 1 << 16;
	char *text = malloc(cap + 1);
	bool too_big = false;
	while (text && !too_big && in_fill(in)) {
		if (len + in->len > ix->max_doc) {
			too_big = true;
			break;
		}
		if (len + in->len > cap) {
			size_t ncap = cap * 2 < len + in->len ? len + in->len : cap * 2;
			char *nt = realloc(text, ncap + 1);
			if (!nt) {
				free(text);
				text = NULL;
				break;
			}
			text = nt;
			cap = ncap;
		}
		memcpy(text + len, in->buf, in->len);
		len += in->len;
		in->off += in->len;
	}
	int rc = READ_SKIPPED;
	char why[200];
	if (!text) {
		cli_error(src->shown, 0, "out of memory");
		rc = -1;
	} else if (too_big) {
		snprintf(why, sizeof why, "larger than --max-doc-size (%zu bytes)", ix->max_doc);
		skip_file(ix, src->shown, why);
	} else if (in->err[0]) {
		skip_file(ix, src->shown, in->err);
	} else if (cli_is_utf16(text, len)) {
		cli_utf16_error(src->shown);
		ix->files_skipped++;
	} else if (not_text(text, len, why, sizeof why)) {
		skip_file(ix, src->shown, why);
	} else if ((rc = ingest_txt(ix, src, text, len)) == 0) {
		src->lines = 1;
		src->bytes = len;
		rc = READ_DONE;
	}
	free(text);
	return rc;
}

size_t cli_json_nul_escapes(char *line, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (line[i] != '\\')
			continue;
		if (line[i + 1] == 'u' && i + 5 < n && memcmp(line + i + 2, "0000", 4) == 0) {
			memcpy(line + i + 2, "FFFD", 4);
			k++;
		}
		i++; /* the escaped character */
	}
	return k;
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

/* Indexes one JSON line, src->lines its number. 0, or -1 when the index failed. */
static int ingest_record(indexer *ix, source *src, char *buf, size_t n)
{
	unsigned long line = src->lines;
	cli_json_nul_escapes(buf, n);
	sqlite3_stmt *s = ix->json;
	sqlite3_bind_text(s, 1, buf, (int)n, SQLITE_STATIC);
	int rc = 0;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0)) {
		size_t il, tl, bl, ul, dl, el, wl;
		char *id = json_field(s, 1, &il), *title = json_field(s, 2, &tl), *body = json_field(s, 3, &bl);
		char *url = json_field(s, 4, &ul), *date = json_field(s, 5, &dl), *extra = json_field(s, 6, &el);
		char *written = json_field(s, 7, &wl); /* a number id as written: 7.50, 1e3 */
		/* ids and line numbers apart: {"id":7} and a record without id on line 7 are two */
		char *key = id ? sqlite3_mprintf("%s#id:%s", src->path, id) : sqlite3_mprintf("%s#line:%lu", src->path, line);
		char *name = written ? sqlite3_mprintf("%s", written)
		             : id    ? sqlite3_mprintf("%s", id)
		                     : sqlite3_mprintf("%s#%lu", src->where, line);
		int r = key && name ? add_doc(ix, src, line, key, name, title ? title : "", tl, body ? body : "", bl, url, date,
		                              extra)
		                    : -1;
		if (!key || !name)
			cli_error(src->shown, line, "out of memory");
		rc = r < 0 ? -1 : 0;
		sqlite3_free(key);
		sqlite3_free(name);
		free(id), free(title), free(body), free(url), free(date), free(extra), free(written);
	} else {
		cli_error(src->shown, line, "not a JSON object; line skipped");
		ix->rejected++;
	}
	sqlite3_reset(s);
	return rc;
}

/* Reads JSON lines from in, from line src->lines + 1 on, a block at a time: memory is bounded by
 * the longest line, and a line longer than ix->max_doc is rejected without being held whole. The
 * batch may commit after any line, with src's row. READ_* or -1. */
static int ingest_jsonl(indexer *ix, source *src, input *in)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		cli_error(src->shown, 0, "out of memory");
		return -1;
	}
	bool first = src->lines == 0, too_long = false;
	int rc = 0;
	while (rc == 0) {
		bool end = in->pos == in->len && !in_fill(in);
		if (end && in->err[0])
			break; /* the unfinished line is dropped */
		const unsigned char *s = in->buf + in->pos;
		const unsigned char *nl = end ? NULL : memchr(s, '\n', in->len - in->pos);
		size_t k = end ? 0 : nl ? (size_t)(nl - s) : in->len - in->pos;
		if (k && !too_long) {
			if (n + k > ix->max_doc) {
				too_long = true;
			} else {
				if (n + k + 1 > cap) {
					size_t ncap = cap * 2 < n + k + 1 ? n + k + 1 : cap * 2;
					char *nb = realloc(buf, ncap);
					if (!nb) {
						cli_error(src->shown, src->lines + 1, "out of memory");
						rc = -1;
						break;
					}
					buf = nb;
					cap = ncap;
				}
				memcpy(buf + n, s, k);
				n += k;
			}
		}
		in->pos += k + (nl != NULL);
		in->off += k + (nl != NULL);
		if (!nl && !end)
			continue;
		if (end && n == 0 && !too_long)
			break; /* no last line without its newline */
		src->lines++;
		if (too_long) {
			cli_error(src->shown, src->lines, "record longer than --max-doc-size (%zu bytes); record skipped", ix->max_doc);
			ix->rejected++;
		} else if (first && src->lines == 1 && cli_is_utf16(buf, n)) {
			cli_utf16_error(src->shown);
			ix->files_skipped++;
			free(buf);
			return READ_SKIPPED;
		} else if (n > 0) {
			rc = ingest_record(ix, src, buf, n);
		}
		src->bytes = in->off;
		n = 0;
		too_long = false;
		if (rc == 0) {
			ix->read = ix->read_base + in_raw_offset(in);
			rc = maybe_commit(ix);
		}
		if (end)
			break;
	}
	free(buf);
	if (rc < 0)
		return -1;
	if (in->err[0]) {
		char why[300];
		snprintf(why, sizeof why, "%s after line %lu; the rest of the file is not indexed", in->err, src->lines);
		skip_file(ix, src->shown, why);
		return READ_CUT;
	}
	return READ_DONE;
}

/* The hash of a file's bytes, read in blocks (bounded memory): the checksum of each 64 KiB block
 * chained. NULL, or the reason it could not be read. */
static const char *hash_file(const char *path, char hash[32])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strerror(errno);
	static char block[1 << 16];
	uint64_t h = 0x9E3779B97F4A7C15ULL;
	size_t k;
	while ((k = fread(block, 1, sizeof block, f)) > 0)
		h = chu__checksum(block, k) ^ (h * 0x100000001B3ULL + k);
	int err = ferror(f) ? errno : 0;
	fclose(f);
	if (err)
		return strerror(err);
	snprintf(hash, 32, "%016llx", (unsigned long long)h);
	return NULL;
}

/* Reads src through in (opened by the caller) and writes its row as the reading ended. 0, or -1
 * when the index failed. */
static int ingest_source(indexer *ix, source *src, input *in)
{
	ix->read_base = ix->read;
	ix->cur = src;
	int r = src->fmt == FMT_JSONL ? ingest_jsonl(ix, src, in) : ingest_text(ix, src, in);
	ix->cur = NULL;
	ix->read = ix->read_base + in_raw_offset(in);
	in_close(in);
	if (r == READ_DONE || r == READ_CUT)
		r = put_source(ix, src, r == READ_DONE);
	else if (r == READ_SKIPPED)
		r = 0;
	return r < 0 ? -1 : maybe_commit(ix);
}

/* Indexes one file: where is the path as found (for messages and docs.file), name a text's id,
 * st its stat. 0, or -1 when the index failed; a file that cannot be read is reported and
 * counted, and the run goes on. */
static int ingest_file(indexer *ix, const char *where, const char *name, const struct stat *st)
{
	bool gz;
	format fmt = format_of(where, &gz);
	if (fmt == FMT_NONE) {
		skip_file(ix, where, "not a .txt, .md, .jsonl or .ndjson file (or .gz of one)");
		return 0;
	}
	if (!S_ISREG(st->st_mode)) {
		skip_file(ix, where, "not a regular file");
		return 0;
	}
	char *path = realpath(where, NULL); /* the file's identity */
	if (!path) {
		skip_file(ix, where, strerror(errno));
		return 0;
	}
	source src = {.path = path, .where = where, .shown = where, .name = name, .fmt = fmt, .gz = gz, .st = *st};
	sqlite3_stmt *g = ix->get_src;
	sqlite3_bind_text(g, 1, path, -1, SQLITE_STATIC);
	bool known = false, same_stat = false, complete = true;
	char old_hash[32] = "";
	unsigned long done_lines = 0;
	unsigned long long done_bytes = 0;
	if (sqlite3_step(g) == SQLITE_ROW) {
		known = true;
		same_stat = sqlite3_column_int64(g, 0) == (sqlite3_int64)st->st_size &&
		            sqlite3_column_int64(g, 1) == ns_of(st->st_mtim) && sqlite3_column_int64(g, 3) == ns_of(st->st_ctim) &&
		            sqlite3_column_int64(g, 4) == (sqlite3_int64)st->st_ino &&
		            sqlite3_column_int64(g, 5) == (sqlite3_int64)st->st_dev;
		snprintf(old_hash, sizeof old_hash, "%s", (const char *)sqlite3_column_text(g, 2));
		complete = sqlite3_column_int(g, 6) != 0;
		done_lines = (unsigned long)sqlite3_column_int64(g, 7);
		done_bytes = (unsigned long long)sqlite3_column_int64(g, 8);
	}
	sqlite3_reset(g);
	const char *why = NULL;
	if (known && same_stat)
		snprintf(src.hash, sizeof src.hash, "%s", old_hash);
	else if ((why = hash_file(path, src.hash)) != NULL) {
		skip_file(ix, where, why);
		free(path);
		return 0;
	}
	/* the same bytes as the row's, by stat or else by hash (touched, copied or moved back) */
	bool same = known && (same_stat || strcmp(src.hash, old_hash) == 0);
	int rc = 0;
	if (same && complete) {
		/* unchanged: its documents take this run's spelling of the path */
		sqlite3_stmt *u = ix->upd_names;
		sqlite3_bind_text(u, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 2, where, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 3, name, -1, SQLITE_STATIC);
		if (sqlite3_step(u) != SQLITE_DONE) {
			cli_error(ix->db_path, 0, "%s", sqlite3_errmsg(ix->db));
			rc = -1;
		}
		sqlite3_reset(u);
		src.lines = done_lines;
		src.bytes = done_bytes;
		ix->read += (size_t)st->st_size;
		ix->skipped++;
		if (rc == 0)
			rc = put_source(ix, &src, true);
		free(path);
		return rc;
	}
	/* a file a killed run left part-way goes on after its last committed line; any other is
	 * replaced: whatever this source had goes, its row too, so that a run killed after this
	 * commits re-ingests it (its bytes may equal the old row's hash while its documents are gone) */
	bool resume = same && fmt == FMT_JSONL && done_lines > 0;
	if (!resume && delete_source(ix, path) < 0) {
		free(path);
		return -1;
	}
	char gz_why[200];
	if (gz && !resume && (why = check_gzip(path, gz_why, sizeof gz_why)) != NULL) {
		skip_file(ix, where, why);
		free(path);
		return 0;
	}
	input in;
	if (in_open(ix, &in, &src, resume ? done_bytes : 0)) {
		if (resume) {
			src.lines = done_lines;
			src.bytes = done_bytes;
			cli_error(where, 0, "continuing after line %lu, where an earlier run stopped", done_lines);
		}
		rc = ingest_source(ix, &src, &in);
	}
	free(path);
	return rc;
}

/* Indexes standard input: JSON lines, or one text when fmt says so. Its documents replace those
 * of an earlier run's standard input. */
static int ingest_stdin(indexer *ix, format fmt)
{
	source src = {.path = "-", .where = "-", .shown = "<stdin>", .name = "-", .fmt = fmt};
	if (delete_source(ix, "-") < 0)
		return -1;
	input in;
	return in_open(ix, &in, &src, 0) ? ingest_source(ix, &src, &in) : 0;
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* dir/name, without doubling a slash dir ends with; sqlite3_free() it. */
static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return sqlite3_mprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* Is name, found in a directory, one to pass over without a word: hidden, or without an
 * extension (README, LICENSE)? The others chu does not read are reported. */
static bool quietly_passed(const char *name)
{
	return name[0] == '.' || strchr(name, '.') == NULL;
}

/* Bytes of the files under path chu reads (for the progress bar's ETA). */
static size_t total_bytes(const char *path, int depth)
{
	struct stat st;
	bool gz;
	if (depth > 64 || stat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return format_of(path, &gz) != FMT_NONE ? (size_t)st.st_size : 0;
	DIR *d = opendir(path);
	size_t sum = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = join(path, e->d_name);
		if (p)
			sum += total_bytes(p, depth + 1);
		sqlite3_free(p);
	}
	if (d)
		closedir(d);
	return sum;
}

/* Indexes a directory tree: strip is the length of the directory argument's prefix of each path
 * ("corpus/"), which a text's id leaves out. What cannot be read is reported, counted and passed
 * over. -1 only when the index itself failed. */
static int ingest_dir(indexer *ix, const char *path, size_t strip, int depth)
{
	if (depth > 64) {
		skip_file(ix, path, "more than 64 directories deep (a loop of symbolic links?)");
		return 0;
	}
	DIR *d = opendir(path);
	if (!d) {
		skip_file(ix, path, strerror(errno));
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
	if (short_read)
		skip_file(ix, path, "out of memory reading the directory; some of its files are not indexed");
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *p = join(path, names[i]);
		struct stat st;
		bool gz;
		if (rc < 0) {
			/* the index failed: only freeing is left */
		} else if (!p) {
			cli_error(path, 0, "out of memory");
			rc = -1;
		} else if (stat(p, &st) < 0) {
			skip_file(ix, p, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = ingest_dir(ix, p, strip, depth + 1);
		} else if (format_of(names[i], &gz) != FMT_NONE || !quietly_passed(names[i])) {
			rc = ingest_file(ix, p, p + strip, &st);
		}
		sqlite3_free(p);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Indexes a PATH argument: "-" (standard input in format fmt), a file, or a directory tree.
 * -1 only when the index itself failed. */
static int ingest_path(indexer *ix, const char *path, format fmt)
{
	if (strcmp(path, "-") == 0)
		return ingest_stdin(ix, fmt);
	struct stat st;
	if (stat(path, &st) < 0) {
		skip_file(ix, path, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return ingest_file(ix, path, path, &st);
	size_t n = strlen(path);
	return ingest_dir(ix, path, n && path[n - 1] == '/' ? n : n + 1, 0);
}

int cli_index(int argc, char **argv)
{
	static const struct option longopts[] = {{"prune", no_argument, NULL, 'p'},
	                                          {"max-doc-size", required_argument, NULL, 'M'},
	                                          {"format", required_argument, NULL, 'f'},
	                                          {"no-entities", no_argument, NULL, 'E'},
	                                          {"entities", required_argument, NULL, 'e'},
	                                          {"threads", required_argument, NULL, 't'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	bool prune = false, entities = true, rules = false;
	int threads = 1;
	size_t max_doc = (size_t)64 << 20;
	format stdin_fmt = FMT_JSONL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'p')
			prune = true;
		else if (c == 'E')
			entities = false;
		else if (c == 't') {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || v < 1 || v > 64) {
				cli_error(NULL, 0, "--threads takes a number from 1 to 64, not \"%s\"", optarg);
				return CLI_USAGE;
			}
			threads = (int)v;
		} else if (c == 'e') {
			if (strcmp(optarg, "none") == 0)
				entities = false;
			else if (strcmp(optarg, "rules") == 0)
				entities = true, rules = true;
			else if (strcmp(optarg, "models") == 0)
				entities = true, rules = false;
			else {
				cli_error(NULL, 0, "--entities is models, rules or none, not \"%s\"", optarg);
				return CLI_USAGE;
			}
		}
		else if (c == 'M') {
			if (!cli_parse_size(optarg, &max_doc))
				return CLI_USAGE;
		} else if (c == 'f') {
			if (strcmp(optarg, "jsonl") == 0)
				stdin_fmt = FMT_JSONL;
			else if (strcmp(optarg, "text") == 0)
				stdin_fmt = FMT_TEXT;
			else if (strcmp(optarg, "md") == 0)
				stdin_fmt = FMT_MARKDOWN;
			else {
				cli_error(NULL, 0, "--format is jsonl, text or md, not \"%s\"", optarg);
				return CLI_USAGE;
			}
		} else if (c == 'h') {
			fputs("usage: chu index [--prune] [--entities=models|rules|none] [--threads N] [--max-doc-size N]\n"
			      "                 [--format jsonl|text|md] DB PATH…\n"
			      "Adds documents to the SQLite database DB from files and directories of them:\n"
			      "  .txt .md         one document each: the first line is the title (a Markdown title\n"
			      "                   without its leading #); its id is its path under the directory\n"
			      "                   argument it was found in (chu index db corpus/ gives 2019/a.txt),\n"
			      "                   or the PATH as given\n"
			      "  .jsonl .ndjson   a JSON object a line: \"id\", \"title\", \"text\", optional \"url\"\n"
			      "                   and \"date\", other fields kept; its id is its \"id\" as given (a\n"
			      "                   number as written), or FILE#LINE\n"
			      "  NAME.gz          any of them gzip-compressed (a.jsonl.gz, b.txt.gz)\n"
			      "  -                standard input: JSON lines, or one text with --format text (or md);\n"
			      "                   each run that reads it replaces what an earlier one read\n"
			      "Extensions are read in any case (.TXT, .JSONL.GZ).\n"
			      "A file is known by its canonical path: unchanged files are skipped, changed ones replaced,\n"
			      "and a file that a killed run left part-way goes on after its last committed line.\n"
			      "--prune removes documents of files that were not among the PATHs of this run.\n"
			      "--entities: what fills the entities that per:, org: and loc: filter on and --facets counts:\n"
			      "  models  (the default when seg.chm, pos.chm and ner.chm are found, as chu annotate finds\n"
			      "          them) the entities of chu annotate: people, places, organizations, dates, amounts\n"
			      "  rules   acronyms, runs of capitalized words, dates, money (about 20× faster)\n"
			      "  none    no entities (--no-entities), fastest\n"
			      "--threads N finds the entities on N threads (the index is the same as with one).\n"
			      "Named on stderr with the reason and left out: a file of another kind (inside a directory,\n"
			      "one whose name has an extension; hidden names and names without an extension such as\n"
			      "README are passed over silently), binary content (NUL bytes, or mostly not UTF-8),\n"
			      "gzip data that does not decode, a line that is not a JSON object, a text or record\n"
			      "larger than --max-doc-size (default 64M; K, M, G suffixes).\n"
			      "A NUL byte in a text is stored as U+FFFD; a repeated id in a file replaces the earlier\n"
			      "record, with a warning. The run goes on; the summary counts skipped files.\n"
			      "Exit status: 0 when every file was indexed or unchanged; 1 when any file was skipped,\n"
			      "any record rejected or any id repeated (or the index failed); 2 for a usage error.\n"
			      "Commits every 500 documents or 8 MB: a killed run keeps what it committed.\n",
			      stdout);
			return CLI_OK;
		} else
			return CLI_USAGE;
	}
	if (argc - optind < 2) {
		cli_error(NULL, 0, "usage: chu index [--prune] [--entities=E] [--max-doc-size N] [--format F] DB PATH…");
		return CLI_USAGE;
	}
	int stdins = 0;
	for (int i = optind + 1; i < argc; i++)
		stdins += strcmp(argv[i], "-") == 0;
	if (stdins > 1) {
		cli_error(NULL, 0, "standard input (\"-\") can be read only once");
		return CLI_USAGE;
	}
	indexer ix = {0};
	cli_restorer_init(&ix.restorer, NULL, false);
	ix.max_doc = max_doc;
	ix.entities = entities;
	/* entities from the models when all three are found (a named-but-broken one is an error) */
	if (entities && !rules) {
		if (!cli_open_model_if_any(NULL, "seg.chm", "--entities=rules", CHU_MODEL_SEG, &ix.seg) ||
		    (ix.seg && !cli_open_model_if_any(NULL, "pos.chm", "--entities=rules", CHU_MODEL_POS, &ix.pos)) ||
		    (ix.pos && !cli_open_model_if_any(NULL, "ner.chm", "--entities=rules", CHU_MODEL_NER, &ix.ner))) {
			chu_model_close(ix.seg);
			chu_model_close(ix.pos);
			return CLI_BAD_INPUT;
		}
		chu_annotate_options_init(&ix.annot);
		ix.annot.seg = ix.seg, ix.annot.pos = ix.pos, ix.annot.ner = ix.ner;
		ix.annot.keep_boilerplate = 1; /* the text as indexed */
		if (ix.ner && threads > 1)
			pool_start(&ix, threads);
	}
	ix.db_path = argv[optind];
	if (open_db(ix.db_path, &ix.db, true) != CLI_OK)
		return CLI_BAD_INPUT;
	chu_ctx_new(NULL, &ix.ctx);
	if (ix.ner && ix.ctx)
		cli_restorer_use(&ix.restorer, ix.ctx);
	ix.progress = isatty(2);
	ix.t0 = now_s();
	for (int i = optind + 1; ix.progress && i < argc; i++)
		ix.total += total_bytes(argv[i], 0);
	const char *sql[] = {
		"INSERT INTO docs(source, key, title, url, date, extra, line, name, sum, file)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		"INSERT INTO docs_fts(rowid, title, body) VALUES(?1, ?2, ?3)",
		"INSERT INTO entities(doc, kind, text, folded) VALUES(?1, ?2, ?3, ?4)",
		/* an unchanged file's documents, found through another spelling of its path (or indexed
		 * by an older chu, whose names were paths): a text's name is ?3, a record's without id
		 * FILE#LINE, a record's with id that id */
		"UPDATE docs SET file = ?2, name = CASE WHEN key = source THEN ?3"
		" WHEN substr(key, length(source) + 1, 6) = '#line:' THEN ?2 || '#' || substr(key, length(source) + 7)"
		" WHEN file IS NULL AND substr(key, length(source) + 1, 4) = '#id:' THEN substr(key, length(source) + 5)"
		" ELSE name END WHERE source = ?1 AND (file IS NOT ?2 OR (key = source AND name IS NOT ?3))",
		"SELECT size, mtime, hash, ctime, ino, dev, coalesce(complete, 1), coalesce(done_lines, 0),"
		" coalesce(done_bytes, 0) FROM sources WHERE path = ?1",
		"INSERT OR REPLACE INTO sources(path, size, mtime, hash, seen, ctime, ino, dev, complete, done_lines, done_bytes)"
		" VALUES(?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10)",
		"SELECT json_valid(?1) AND json_type(?1) = 'object', json_extract(?1, '$.id'), json_extract(?1, '$.title'),"
		" json_extract(?1, '$.text'), json_extract(?1, '$.url'), json_extract(?1, '$.date'),"
		" json_remove(?1, '$.id', '$.title', '$.text', '$.url', '$.date'),"
		" CASE WHEN json_type(?1, '$.id') IN ('integer', 'real') THEN ?1 -> '$.id' END",
		"SELECT id, source, line, file FROM docs WHERE key = ?1",
		"UPDATE docs SET facets = ?2 WHERE id = ?1"};
	sqlite3_stmt **stmts[] = {&ix.ins_doc, &ix.ins_fts, &ix.ins_ent, &ix.upd_names, &ix.get_src,
	                          &ix.put_src, &ix.json,    &ix.find_key, &ix.upd_facets};
	int status = CLI_OK;
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		if (sqlite3_prepare_v2(ix.db, sql[i], -1, stmts[i], NULL) != SQLITE_OK) {
			cli_error(ix.db_path, 0, "%s", sqlite3_errmsg(ix.db));
			status = CLI_BAD_INPUT;
		}
	if (status == CLI_OK && (exec(&ix, "UPDATE sources SET seen = 0") < 0 || exec(&ix, "BEGIN") < 0))
		status = CLI_BAD_INPUT;
	for (int i = optind + 1; i < argc && status == CLI_OK; i++)
		if (ingest_path(&ix, argv[i], stdin_fmt) < 0)
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
	if (drain_entities(&ix, true) < 0)
		status = CLI_BAD_INPUT;
	if (status == CLI_OK && exec(&ix, "COMMIT") < 0)
		status = CLI_BAD_INPUT;
	pool_stop(&ix);
	show_progress(&ix, true);
	if (status == CLI_OK) {
		fprintf(stderr, "chu index: %ld documents added, %ld files unchanged, %ld documents pruned, %ld files skipped",
		        ix.docs, ix.skipped, ix.removed, ix.files_skipped);
		if (ix.rejected || ix.replaced)
			fprintf(stderr, "; %ld records rejected, %ld repeated ids replaced", ix.rejected, ix.replaced);
		fputc('\n', stderr);
		if (ix.rejected || ix.replaced || ix.files_skipped)
			status = CLI_BAD_INPUT;
	}
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		sqlite3_finalize(*stmts[i]);
	/* at rest in rollback-journal mode: a reader without write access needs no -shm file (another
	 * connection still open keeps WAL, which is fine) */
	sqlite3_exec(ix.db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	chu_ctx_free(ix.ctx);
	chu_model_close(ix.seg);
	chu_model_close(ix.pos);
	chu_model_close(ix.ner);
	cli_restorer_free(&ix.restorer);
	sqlite3_close(ix.db);
	return status;
}
