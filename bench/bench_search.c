/*
 * bench_search.c — retrieval quality and speed of the FTS5 tokenizer "chu" beside SQLite's own
 * unicode61 (remove_diacritics 2), on the same documents and queries in the same run.
 *
 * Quality: XQuAD-vi (240 paragraphs, 1,182 questions), each question asked as written and with
 * every mark stripped (đ → d too). unicode61 gets an OR of the question's quoted words (FTS5's
 * default AND would find nothing for most whole questions); chu gets chu_search_query's OR (what
 * `chu search --any` runs), and, as a control, the same plain OR as unicode61. Then both again
 * with the questions lower-cased. MRR@10, Recall@1, Recall@10. Speed: indexing the first 20 MiB
 * of Wikipedia article text with each tokenizer (best of three rounds, taking turns), the size of
 * each index, and query latency over the XQuAD questions.
 * usage: bench_search DOCS.jsonl QUERIES.jsonl WIKI.txt [SEG_MODEL|""] [ACCENT_MODEL]
 */
#include "chu.h"
#include "internal.h" /* chu__query_ranked, chu__vocab_…: what chu_index_search uses */

#include <sqlite3.h>
#include <utf8proc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct item {
	char id[64];
	char *text;
	char rel[64];
} item;

/* Reads {"id","text"[,"relevant"]} lines with SQLite's JSON functions. */
static item *read_jsonl(sqlite3 *db, const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT json_extract(?1,'$.id'), json_extract(?1,'$.text'), json_extract(?1,'$.relevant[0]')", -1,
	                   &st, NULL);
	item *v = NULL;
	size_t cap = 0;
	*n = 0;
	char *line = NULL;
	size_t lc = 0;
	while (getline(&line, &lc, f) > 0) {
		sqlite3_bind_text(st, 1, line, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				v = realloc(v, cap * sizeof *v);
			}
			item *it = &v[(*n)++];
			snprintf(it->id, sizeof it->id, "%s", (const char *)sqlite3_column_text(st, 0));
			it->text = strdup((const char *)sqlite3_column_text(st, 1));
			const unsigned char *r = sqlite3_column_text(st, 2);
			snprintf(it->rel, sizeof it->rel, "%s", r ? (const char *)r : "");
		}
		sqlite3_reset(st);
	}
	free(line);
	sqlite3_finalize(st);
	fclose(f);
	return v;
}

/* An OR of the quoted words of q (letters and digits; punctuation dropped). */
static void or_query(const char *q, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)q; *p;) {
		while (*p && (*p == ' ' || (*p < 0x80 && !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') && !(*p >= '0' && *p <= '9'))))
			p++;
		const unsigned char *a = p;
		while (*p && *p != ' ' && !(*p < 0x80 && !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') && !(*p >= '0' && *p <= '9')))
			p++;
		if (p > a && o + (size_t)(p - a) + 8 < cap) {
			o += (size_t)snprintf(out + o, cap - o, "%s\"%.*s\"", o ? " OR " : "", (int)(p - a), (const char *)a);
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct result {
	double mrr, r1, r10, p50, p99;
} result;

/* acc: NULL — the OR of quoted words; otherwise chu_search_query with that accent model */
static bool LOWER; /* ask the questions lower-cased, as people type them */

/* How the questions are asked: a plain OR of their quoted words, chu_search_query's OR (chu search
 * --any), or chu's query language with its tiers (chu search with no flag). */
enum { ASK_OR, ASK_NATURAL, ASK_TIERS, ASK_OLD_TIERS };
static long refused; /* questions chu_query_compile refused (asked through chu_search_query) */


/* The top 10 of the tiers of q, as chu search runs them: its first tiers in one pass ranked by
 * chu_rank (ranked, NULL: none), then each tier ranked by bm25, leaving out what an earlier one
 * gave. Returns the rank of rel (0: not in the top 10). */
static int tiers_rank(sqlite3_stmt *st, sqlite3_stmt *ranked, chu_ctx *ctx, chu__vocab *vocab, const chu_query *q,
                      const char *rel)
{
	char seen[10][64];
	int n = 0, found = 0;
	size_t first = 0;
	const char *match, *groups;
	if (ranked && chu__query_ranked(ctx, chu__vocab_held, vocab, &match, &groups, &first) == CHU_OK && first) {
		sqlite3_reset(ranked);
		sqlite3_bind_text(ranked, 1, match, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ranked, 2, groups, -1, SQLITE_TRANSIENT);
		while (n < 10 && sqlite3_step(ranked) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(ranked, 0);
			snprintf(seen[n++], sizeof seen[0], "%s", id);
			if (!found && strcmp(id, rel) == 0)
				found = n;
		}
		sqlite3_reset(ranked);
	}
	for (size_t t = first; t < q->n_tiers && n < 10; t++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, q->tiers[t].match, -1, SQLITE_TRANSIENT);
		int before = n;
		while (n < 10 && sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			bool dup = false;
			for (int k = 0; k < before && !dup; k++)
				dup = strcmp(seen[k], id) == 0;
			if (dup)
				continue;
			snprintf(seen[n++], sizeof seen[0], "%s", id);
			if (!found && strcmp(id, rel) == 0)
				found = n;
		}
	}
	sqlite3_reset(st);
	return found;
}

static result evaluate(sqlite3 *db, item *q, size_t nq, bool fold, chu_ctx *ctx, const chu_model *acc, int ask)
{
	sqlite3_stmt *st;
	/* 20 rows a tier: an earlier tier's hits may come again and are left out */
	sqlite3_prepare_v2(db, "SELECT id FROM t WHERE t MATCH ?1 ORDER BY rank LIMIT 20", -1, &st, NULL);
	sqlite3_stmt *ranked = NULL;
	chu__vocab *vocab = NULL;
	if (ask == ASK_TIERS &&
	    (sqlite3_prepare_v2(db, "SELECT id, chu_rank(t, 1.0, 1.0, ?2) FROM t WHERE t MATCH ?1 ORDER BY 2 LIMIT 10", -1,
	                        &ranked, NULL) != SQLITE_OK ||
	     chu__vocab_open(db, "t", &vocab) != SQLITE_OK))
		fprintf(stderr, "bench_search: chu_rank: %s\n", sqlite3_errmsg(db));
	result r = {0};
	double *lat = malloc(nq * sizeof *lat);
	for (size_t i = 0; i < nq; i++) {
		/* the question as asked: lower-cased and/or without marks */
		char asked[8192], m[8192];
		snprintf(asked, sizeof asked, "%s", q[i].text);
		if (LOWER) {
			utf8proc_uint8_t *low = NULL;
			utf8proc_map((const utf8proc_uint8_t *)asked, 0, &low, UTF8PROC_NULLTERM | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
			if (low)
				snprintf(asked, sizeof asked, "%s", (const char *)low);
			free(low);
		}
		const char *f, *nq_out;
		size_t fl;
		if (fold && chu_fold(ctx, asked, strlen(asked), &f, &fl) == CHU_OK)
			snprintf(asked, sizeof asked, "%s", f);
		double t0 = now();
		int found = 0;
		chu_query cq;
		bool tiers = ask == ASK_TIERS || ask == ASK_OLD_TIERS;
		int crc = tiers ? chu_query_compile(ctx, acc, asked, strlen(asked), 0, &cq) : CHU_EINVAL;
		if (ask == ASK_TIERS && crc != CHU_OK)
			refused++;
		if (crc == CHU_OK) {
			chu__vocab_refresh(vocab);
			found = tiers_rank(st, ranked, ctx, vocab, &cq, q[i].rel);
		} else {
			if (ask != ASK_OR && chu_search_query(ctx, acc, asked, strlen(asked), &nq_out, NULL) == CHU_OK)
				snprintf(m, sizeof m, "%s", nq_out);
			else
				or_query(asked, m, sizeof m);
			sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
			int rank = 0;
			while (rank < 10 && sqlite3_step(st) == SQLITE_ROW) {
				rank++;
				if (!found && strcmp((const char *)sqlite3_column_text(st, 0), q[i].rel) == 0)
					found = rank;
			}
			sqlite3_reset(st);
		}
		lat[i] = now() - t0;
		if (found) {
			r.mrr += 1.0 / found;
			r.r10 += 1;
			r.r1 += found == 1;
		}
	}
	qsort(lat, nq, sizeof *lat, cmp_double);
	r.p50 = lat[nq / 2] * 1e3;
	r.p99 = lat[nq * 99 / 100] * 1e3;
	r.mrr /= (double)nq;
	r.r1 /= (double)nq;
	r.r10 /= (double)nq;
	free(lat);
	sqlite3_finalize(st);
	sqlite3_finalize(ranked);
	chu__vocab_close(vocab);
	return r;
}

static sqlite3 *make_db(const char *tokenize, const char *model)
{
	sqlite3 *db;
	sqlite3_open(":memory:", &db);
	chu_sqlite_register(db, model);
	char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, text, tokenize = %Q)", tokenize);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_free(sql);
	return db;
}

static double fill(sqlite3 *db, item *d, size_t nd)
{
	sqlite3_stmt *st;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO t(id, text) VALUES(?1, ?2)", -1, &st, NULL);
	double t0 = now();
	for (size_t i = 0; i < nd; i++) {
		sqlite3_bind_text(st, 1, d[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d[i].text, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	double t = now() - t0;
	sqlite3_finalize(st);
	return t;
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

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	const char *model = argc > 4 && *argv[4] ? argv[4] : NULL;
	chu_model *acc = NULL;
	if (argc > 5 && chu_model_open(argv[5], &acc) != CHU_OK)
		fprintf(stderr, "bench_search: cannot open %s: questions are not restored\n", argv[5]);
	sqlite3 *tmp;
	sqlite3_open(":memory:", &tmp);
	size_t nd, nq;
	item *d = read_jsonl(tmp, argv[1], &nd), *q = read_jsonl(tmp, argv[2], &nq);
	if (!d || !q) {
		fprintf(stderr, "cannot read the retrieval set\n");
		return 1;
	}
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	const char *names[2] = {"chu", "unicode61"};
	const char *tok[2] = {"chu", "unicode61 remove_diacritics 2"};
	printf("XQuAD-vi: %zu paragraphs, %zu questions\n\n", nd, nq);
	printf("%-10s %-10s %-12s %8s %8s %8s\n", "tokenizer", "query", "questions", "MRR@10", "R@1", "R@10");
	/* rows: chu search (no flag: its first tiers in one pass, then the others), chu search --any,
	 * unicode61, chu with the plain OR, and chu search as it was (every tier a MATCH of its own) */
	static const int row_tok[5] = {0, 0, 1, 0, 0}, row_ask[5] = {ASK_TIERS, ASK_NATURAL, ASK_OR, ASK_OR, ASK_OLD_TIERS};
	static const char *const row_name[5] = {"search", "--any", "plain OR", "plain OR", "tiers"};
	double mrr[5][2];
	for (int k = 0; k < 5; k++) {
		sqlite3 *db = make_db(tok[row_tok[k]], model);
		fill(db, d, nd);
		for (int f = 0; f < 2; f++) {
			result r = evaluate(db, q, nq, f, ctx, acc, row_ask[k]);
			mrr[k][f] = r.mrr;
			printf("%-10s %-10s %-12s %8.4f %8.4f %8.4f\n", names[row_tok[k]], row_name[k], f ? "no marks" : "as written", r.mrr,
			       r.r1, r.r10);
		}
		sqlite3_close(db);
	}
	printf("\n(%ld of %zu questions did not parse as chu's query language and were asked as with --any)\n", refused / 2, nq);
	printf("chu search (no flag) − unicode61 MRR: as written %+.4f, no marks %+.4f (goal > 0); no-marks / as-written: %.3f "
	       "(goal ≥ 0.95); as written %.4f (goal ≥ 0.95)\n",
	       mrr[0][0] - mrr[2][0], mrr[0][1] - mrr[2][1], mrr[0][1] / mrr[0][0], mrr[0][0]);
	printf("chu search --any − unicode61 MRR: as written %+.4f, no marks %+.4f; no-marks / as-written: %.3f\n",
	       mrr[1][0] - mrr[2][0], mrr[1][1] - mrr[2][1], mrr[1][1] / mrr[1][0]);
	printf("the tokenizer alone (the same plain OR for both): as written %+.4f, no marks %+.4f\n", mrr[3][0] - mrr[2][0],
	       mrr[3][1] - mrr[2][1]);
	printf("chu search (one pass) − chu tiers (a MATCH a tier) MRR: as written %+.4f, no marks %+.4f (goal ≥ -0.005)\n",
	       mrr[0][0] - mrr[4][0], mrr[0][1] - mrr[4][1]);
	LOWER = true;
	double low[2][2];
	for (int k = 0; k < 2; k++) {
		sqlite3 *db = make_db(tok[k], model);
		fill(db, d, nd);
		for (int f = 0; f < 2; f++)
			low[k][f] = evaluate(db, q, nq, f, ctx, acc, k == 0 ? ASK_TIERS : ASK_OR).mrr;
		sqlite3_close(db);
	}
	LOWER = false;
	printf("the questions lower-cased: chu %.4f / %.4f, unicode61 %.4f / %.4f MRR (as written / no marks): %+.4f, %+.4f\n",
	       low[0][0], low[0][1], low[1][0], low[1][1], low[0][0] - low[1][0], low[0][1] - low[1][1]);
	if (!acc)
		printf("(no accent model: chu_search_query did not restore marks)\n");

	/* speed on Wikipedia text: one document a line */
	size_t nw = 0, cap = 0, bytes = 0, limit = (size_t)20 << 20;
	item *w = NULL;
	FILE *f = fopen(argv[3], "rb");
	char *line = NULL;
	size_t lc = 0;
	ssize_t len;
	while (f && bytes < limit && (len = getline(&line, &lc, f)) > 0) {
		if (nw == cap) {
			cap = cap ? cap * 2 : 1024;
			w = realloc(w, cap * sizeof *w);
		}
		snprintf(w[nw].id, sizeof w[nw].id, "w%zu", nw);
		w[nw].text = strndup(line, (size_t)len);
		bytes += (size_t)len;
		nw++;
	}
	if (f)
		fclose(f);
	free(line);
	printf("\nindexing %zu Wikipedia articles (%.1f MB):\n%-10s %10s %8s %12s %14s %14s\n", nw, (double)bytes / 1e6, "tokenizer",
	       "docs/s", "MB/s", "index MB", "query p50 ms", "query p99 ms");
	/* three rounds, the tokenizers taking turns; each one's fastest round counts (this machine is
	 * shared and noisy, and the first round also pays for the process's memory growing) */
	double best[2] = {0, 0}, rate[2];
	for (int round = 0; round < 3; round++)
		for (int k = 0; k < 2; k++) {
			sqlite3 *db = make_db(tok[k], model);
			double t = fill(db, w, nw);
			if (round == 0 || t < best[k])
				best[k] = t;
			sqlite3_close(db);
		}
	for (int k = 0; k < 2; k++) {
		sqlite3 *db = make_db(tok[k], model);
		fill(db, w, nw);
		result r = evaluate(db, q, nq, false, ctx, acc, k == 0 ? ASK_TIERS : ASK_OR);
		double t = best[k];
		rate[k] = (double)bytes / 1e6 / t;
		printf("%-10s %10.0f %8.2f %12.1f %14.3f %14.3f\n", names[k], (double)nw / t, rate[k], (double)db_size(db) / 1e6, r.p50,
		       r.p99);
		sqlite3_close(db);
	}
	printf("\nchu indexes at %.2f× unicode61's rate (goal ≥ 0.8×)\n", rate[0] / rate[1]);
	chu_model_close(acc);
	chu_ctx_free(ctx);
	return 0;
}
