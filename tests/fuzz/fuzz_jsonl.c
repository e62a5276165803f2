/*
 * fuzz_jsonl.c — JSONL ingest: `chu index DB FILE.jsonl` (cli_index in cli/index.c, which this file
 * compiles in whole) on arbitrary bytes written to a .jsonl file, into a fresh index each run.
 *
 * Checks:
 *  - cli_index returns OK (0) or "bad input" (1), never anything else, and never crashes;
 *  - the index passes SQLite's integrity_check and FTS5's integrity-check;
 *  - nothing is lost: the index holds one document per distinct record key among the lines that
 *    are JSON objects (a key is the "id", or the line number without one), as SQLite's own JSON
 *    functions count them on the same lines;
 *  - no stored title or body holds a NUL byte (a \u0000 is kept as U+FFFD) and each is UTF-8 as
 *    SQLite stores it (the same length through length() and through the C API).
 */
#include "fuzz.h"

#include "../../cli/index.c"

#include <fcntl.h>

#include "fuzz_cli.h"

static char dir[] = "/dev/shm/chu-fuzz-jsonl-XXXXXX"; /* memory: SQLite syncs each commit */
static char in_path[64], db_path[64];

static sqlite3_int64 one(sqlite3 *db, const char *sql, const char *bind, size_t n)
{
	sqlite3_stmt *st;
	FUZZ_CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "prepare %s: %s", sql, sqlite3_errmsg(db));
	if (bind)
		sqlite3_bind_text(st, 1, bind, (int)n, SQLITE_STATIC);
	sqlite3_int64 v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[sizeof dir - 2] || dir[sizeof dir - 2] == 'X') {
		if (!mkdtemp(dir)) {
			memcpy(dir, "/tmp/chu-fuzz-jsonl-XXXXXX", sizeof "/tmp/chu-fuzz-jsonl-XXXXXX");
			FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
		}
		snprintf(in_path, sizeof in_path, "%s/in.jsonl", dir);
		snprintf(db_path, sizeof db_path, "%s/index.db", dir);
	}
	if (size > 1 << 16)
		return 0;
	FILE *f = fopen(in_path, "wb");
	FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "write the input");
	unlink(db_path);
	char wal[80], shm[80];
	snprintf(wal, sizeof wal, "%s-wal", db_path);
	snprintf(shm, sizeof shm, "%s-shm", db_path);
	unlink(wal), unlink(shm);
	char *argv[] = {"index", db_path, in_path, NULL};
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 2); /* cli_index's summary line, not libFuzzer's output */
	int status = cli_index(3, argv);
	dup2(saved, 2);
	close(saved), close(null);
	FUZZ_CHECK(status == CLI_OK || status == CLI_BAD_INPUT, "cli_index returned %d", status);

	sqlite3 *db;
	FUZZ_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK && chu_sqlite_register(db, NULL) == SQLITE_OK, "open the index");
	sqlite3_stmt *st;
	FUZZ_CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK, "integrity_check");
	FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0,
	           "integrity_check: %s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	FUZZ_CHECK(sqlite3_exec(db, "INSERT INTO docs_fts(docs_fts) VALUES('integrity-check')", NULL, NULL, NULL) == SQLITE_OK,
	           "FTS5 integrity-check: %s", sqlite3_errmsg(db));

	/* the records SQLite's JSON functions see in the same lines, keyed as the indexer keys them */
	sqlite3_exec(db, "CREATE TEMP TABLE want(k TEXT PRIMARY KEY)", NULL, NULL, NULL);
	size_t line = 0;
	for (size_t a = 0; a <= size;) {
		const uint8_t *nl = a < size ? memchr(data + a, '\n', size - a) : NULL;
		size_t b = nl ? (size_t)(nl - data) : size;
		if (b == size && a == size)
			break;
		line++;
		char *copy = malloc(b - a + 1);
		memcpy(copy, data + a, b - a);
		cli_json_nul_escapes(copy, b - a);
		if (b > a && one(db, "SELECT json_valid(?1) AND json_type(?1) = 'object'", copy, b - a) == 1) {
			char key[32];
			snprintf(key, sizeof key, "#%zu", line);
			sqlite3_prepare_v2(db,
			                   "INSERT OR IGNORE INTO want VALUES(CASE WHEN json_type(?1, '$.id') IS NULL THEN ?2"
			                   " ELSE 'id:' || json_extract(?1, '$.id') END)",
			                   -1, &st, NULL);
			sqlite3_bind_text(st, 1, copy, (int)(b - a), SQLITE_STATIC);
			sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		free(copy);
		a = b + 1;
	}
	sqlite3_int64 want = one(db, "SELECT count(*) FROM want", NULL, 0);
	sqlite3_int64 got = one(db, "SELECT count(*) FROM docs", NULL, 0);
	FUZZ_CHECK(want == got, "%lld records in the lines, %lld documents in the index", (long long)want, (long long)got);
	FUZZ_CHECK(one(db, "SELECT count(*) FROM docs_fts WHERE instr(body, char(0)) OR instr(title, char(0))", NULL, 0) == 0,
	           "a NUL byte stored");
	sqlite3_close(db);
	return 0;
}
