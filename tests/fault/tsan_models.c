/*
 * tsan_models.c — chu.h promises that an open chu_model is read-only and may be used by any
 * number of threads at once, each with a chu_ctx of its own. Built with -fsanitize=thread by
 * `make tsan`, this program has threads share one open seg.chm, pos.chm, ner.chm and accent.chm
 * and run every call that reads a model (chu_segment, chu_segment_tokens, chu_tag for parts of
 * speech and entities, chu_entities, chu_ner_consistent, chu_accent, chu_search_keys with word
 * keys, chu_search_query with restored spellings) on the same sentences, and checks that each
 * thread gets, byte for byte, what one thread alone got. Then, given the path of an index that
 * `chu index` built (argv[1]), threads open it each on a connection of their own with the "chu"
 * FTS5 tokenizer registered and run the same queries: every thread must get the hit lists of one
 * thread alone. ThreadSanitizer itself fails the run on any data race it sees (tests/fault/tsan.sh
 * sets halt_on_error and its exit code).
 */
#include "bytes.h"
#include "harness.h"
#include "chu.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

enum { THREADS = 4, ROUNDS = 2 };

static chu_model *seg_model, *pos_model, *ner_model, *acc_model;

/* The sentences every thread works on: raw text, one a line. */
static const char *const lines[] = {
	"Thứ trưởng Bộ Ngoại giao Tô Anh Dũng đã tiếp Đại sứ Nhật Bản tại Hà Nội sáng 16/7/2021.",
	"Ông Nguyễn Văn An, Chủ tịch UBND tỉnh Thanh Hoá, cho biết 62.000 tỷ đồng đã được giải ngân.",
	"Hội nghị cấp cao ASEM lần thứ 13 sẽ diễn ra tại Campuchia trong năm 2021.",
	"Phụ nữ Đà Nẵng khởi nghiệp với sự hỗ trợ của Hội Liên hiệp Phụ nữ thành phố Đà Nẵng.",
	"Giá xăng tăng 4,5% so với năm 2020; xem https://vnexpress.net/kinh-te lúc 14:30.",
	"Người dân chở những hòn đá nặng ra bờ biển để xây kè chắn sóng trước mùa bão.",
	"Tô Anh Dũng nói rằng Nhật Bản là đối tác quan trọng của Việt Nam.",
	"Học sinh đọc sách ở thư viện mỗi buổi chiều, còn thầy giáo chấm bài.",
};
enum { N_LINES = sizeof lines / sizeof lines[0] };

/* Typed without marks, for the accent restorer and chu_search_query. */
static const char *const plain[] = {
	"Thu truong Bo Ngoai giao Viet Nam da tiep Dai su Nhat Ban tai Ha Noi",
	"phu nu duoc bau vao quoc hoi bao nhieu lan",
	"nguoi dan cho nhung hon da nang ra bo bien de xay ke chan song",
	"hoc sinh doc sach o thu vien moi buoi chieu",
};
enum { N_PLAIN = sizeof plain / sizeof plain[0] };

/* Appends a status and n bytes to the result: any difference, even in an error, shows. */
static void put_result(bytes *r, int rc, const void *data, size_t n)
{
	bput(r, &rc, sizeof rc);
	bput(r, &n, sizeof n);
	if (rc == CHU_OK && n)
		bput(r, data, n);
}

static int put_key(void *ud, const char *key, size_t len, size_t start, size_t end, int colocated)
{
	size_t head[3] = {start, end, (size_t)colocated};
	bput(ud, head, sizeof head);
	bput(ud, key, len);
	return 0;
}

/* Every model call on the sentences, each result appended to r. Returns false when ctx could not
 * be used at all. */
static bool run_models(chu_ctx *ctx, bytes *r)
{
	chu_span words[N_LINES][64];
	uint8_t ner[N_LINES][64];
	size_t n_words[N_LINES];
	chu_ner_sentence s[N_LINES];
	for (size_t l = 0; l < N_LINES; l++) {
		const char *t = lines[l];
		size_t len = strlen(t);
		/* words, and the same words again from their tokens */
		const chu_word *w;
		size_t n = 0;
		int rc = chu_segment(ctx, seg_model, t, len, &w, &n);
		if (rc != CHU_OK)
			n = 0;
		if (n > 64)
			n = 64;
		put_result(r, rc, w, n * sizeof *w);
		n_words[l] = n;
		for (size_t i = 0; i < n; i++)
			words[l][i] = (chu_span){w[i].start, w[i].end};
		const chu_token *tok;
		size_t nt = 0;
		rc = chu_tokenize(ctx, t, len, &tok, &nt);
		chu_span spans[128];
		unsigned char join[128];
		if (rc != CHU_OK || nt > 128)
			nt = 0;
		for (size_t i = 0; i < nt; i++)
			spans[i] = (chu_span){tok[i].start, tok[i].end};
		rc = nt ? chu_segment_tokens(ctx, seg_model, t, spans, nt, join) : CHU_OK;
		put_result(r, rc, join, nt);
		/* parts of speech, then entities with them as features */
		uint8_t pos[64];
		const char *names[64];
		rc = chu_tag(ctx, pos_model, CHU_TAGGER_POS, t, words[l], n, NULL, pos);
		put_result(r, rc, pos, n);
		for (size_t i = 0; i < n; i++)
			names[i] = rc == CHU_OK ? chu_tag_name(pos_model, CHU_TAGGER_POS, pos[i]) : "N";
		rc = chu_tag(ctx, ner_model, CHU_TAGGER_NER, t, words[l], n, names, ner[l]);
		if (rc != CHU_OK)
			memset(ner[l], 0, sizeof ner[l]);
		put_result(r, rc, ner[l], n);
		const chu_entity *e;
		size_t ne = 0;
		rc = chu_entities(ctx, t, words[l], n, ner_model, ner[l], &e, &ne);
		for (size_t i = 0; rc == CHU_OK && i < ne; i++) {
			bput(r, &e[i].start, sizeof e[i].start);
			bput(r, &e[i].end, sizeof e[i].end);
			bputs(r, e[i].type);
		}
		put_result(r, rc, NULL, 0);
		s[l] = (chu_ner_sentence){t, words[l], n, ner[l]};
	}
	/* the document's entities made consistent, sentence by sentence */
	for (size_t l = 0; l < N_LINES; l++) {
		uint8_t out[64];
		int rc = chu_ner_consistent(ctx, ner_model, s, N_LINES, l, out);
		put_result(r, rc, out, n_words[l]);
	}
	/* marks restored; search keys with word keys; queries with restored spellings */
	for (size_t l = 0; l < N_PLAIN; l++) {
		const char *out;
		size_t m = 0;
		int rc = chu_accent(ctx, acc_model, plain[l], strlen(plain[l]), &out, &m);
		put_result(r, rc, out, m);
		rc = chu_search_query(ctx, acc_model, plain[l], strlen(plain[l]), &out, &m);
		put_result(r, rc, out, m);
		rc = chu_search_keys(ctx, seg_model, lines[l], strlen(lines[l]), 0, put_key, r);
		put_result(r, rc, NULL, 0);
		rc = chu_search_keys(ctx, NULL, plain[l], strlen(plain[l]), CHU_SEARCH_QUERY | CHU_SEARCH_PREFIX, put_key, r);
		put_result(r, rc, NULL, 0);
	}
	return true;
}

static bytes model_reference;

typedef struct worker {
	int id;
	bool same;   /* every round gave the reference */
	int rc;      /* chu_ctx_new's status */
	size_t got;  /* the size of the last result */
} worker;

static void *model_thread(void *arg)
{
	worker *w = arg;
	chu_ctx *ctx;
	w->rc = chu_ctx_new(NULL, &ctx);
	w->same = w->rc == CHU_OK;
	for (int k = 0; k < ROUNDS && w->rc == CHU_OK; k++) {
		bytes r = {0};
		run_models(ctx, &r);
		w->got = r.n;
		if (r.n != model_reference.n || memcmp(r.p, model_reference.p, r.n) != 0)
			w->same = false;
		bfree(&r);
	}
	chu_ctx_free(ctx);
	return NULL;
}

static void test_models(void)
{
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) != CHU_OK) {
		CHECK(0, "chu_ctx_new");
		return;
	}
	run_models(ctx, &model_reference);
	chu_ctx_free(ctx);
	/* the reference itself is sane: the first sentence has words, tags and an entity */
	CHECK(model_reference.n > 4096, "one thread's results are only %zu bytes", model_reference.n);
	worker w[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker){i, false, 0, 0};
		CHECK(pthread_create(&th[i], NULL, model_thread, &w[i]) == 0, "pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		CHECK(w[i].rc == CHU_OK && w[i].same, "thread %d sharing the models: status %d, %zu bytes of results, "
		      "not the %zu of one thread alone", i, w[i].rc, w[i].got, model_reference.n);
	}
	bfree(&model_reference);
}

/* ---- threads searching one index ---- */

static const char *const queries[] = {
	"phụ nữ", "phu nu", "\"Đà Nẵng\"", "da nang", "hoà bình", "ASEM", "kè OR lúa", "thu hoa*", "người dân", "hội nghị",
};
enum { N_QUERIES = sizeof queries / sizeof queries[0] };

static const char *db_path;

/* The rowids of each query's hits in rank order, each list ended by -1, appended to r; false when
 * the index could not be opened or queried. */
static bool run_queries(bytes *r)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK || chu_sqlite_register(db, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return false;
	}
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_prepare_v2(db, "SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?1 ORDER BY rank", -1, &st, NULL) ==
	          SQLITE_OK;
	for (size_t q = 0; ok && q < N_QUERIES; q++) {
		sqlite3_bind_text(st, 1, queries[q], -1, SQLITE_STATIC);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			bput(r, &id, sizeof id);
		}
		ok = rc == SQLITE_DONE;
		int64_t end = -1;
		bput(r, &end, sizeof end);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

static bytes search_reference;

static void *search_thread(void *arg)
{
	worker *w = arg;
	w->same = true;
	for (int k = 0; k < ROUNDS; k++) {
		bytes r = {0};
		if (!run_queries(&r) || r.n != search_reference.n || memcmp(r.p, search_reference.p, r.n) != 0)
			w->same = false;
		w->got = r.n;
		bfree(&r);
	}
	return NULL;
}

static void test_search(void)
{
	bool ok = run_queries(&search_reference);
	CHECK(ok, "%s: the index could not be opened or queried", db_path);
	if (!ok)
		return;
	/* some queries find something: the hit lists are not all empty */
	CHECK(search_reference.n > N_QUERIES * sizeof(int64_t), "no query found anything in %s", db_path);
	worker w[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker){i, false, 0, 0};
		CHECK(pthread_create(&th[i], NULL, search_thread, &w[i]) == 0, "pthread_create");
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		CHECK(w[i].same, "thread %d searching the index: %zu bytes of hits, not the %zu of one thread alone", i, w[i].got,
		      search_reference.n);
	}
	bfree(&search_reference);
}

int main(int argc, char **argv)
{
	if (chu_model_open("models/seg.chm", &seg_model) < 0 || chu_model_open("models/pos.chm", &pos_model) < 0 ||
	    chu_model_open("models/ner.chm", &ner_model) < 0 || chu_model_open("models/accent.chm", &acc_model) < 0)
		harness_skip("models/seg.chm, pos.chm, ner.chm or accent.chm is absent: the threads sharing models are not run");
	else
		test_models();
	if (argc > 1) {
		db_path = argv[1];
		test_search();
	} else {
		harness_skip("no index given (argv[1]): the threads searching it are not run");
	}
	chu_model_close(seg_model);
	chu_model_close(pos_model);
	chu_model_close(ner_model);
	chu_model_close(acc_model);
	return harness_done();
}
