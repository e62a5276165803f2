/*
 * test_api.c — the contracts of chu.h: status codes and messages, NULL handling, options,
 * a caller's allocator (used, and failing at every allocation in turn), byte offsets, folding,
 * threads with a ctx each.
 */
#include "harness.h"
#include "chu.h"

#include <pthread.h>
#include <stdint.h>

/* An allocator that counts calls and fails the Nth (fail_at < 0: never). */
typedef struct counting {
	long calls;
	long fail_at;
	long live;
} counting;

static void *c_malloc(void *ud, size_t n)
{
	counting *c = ud;
	if (c->fail_at >= 0 && c->calls++ == c->fail_at)
		return NULL;
	if (c->fail_at < 0)
		c->calls++;
	void *p = malloc(n);
	c->live += p != NULL;
	return p;
}
static void *c_realloc(void *ud, void *p, size_t n)
{
	counting *c = ud;
	if (c->fail_at >= 0 && c->calls++ == c->fail_at)
		return NULL;
	if (c->fail_at < 0)
		c->calls++;
	void *q = realloc(p, n);
	c->live += p == NULL && q != NULL;
	return q;
}
static void c_free(void *ud, void *p)
{
	counting *c = ud;
	c->live -= p != NULL;
	free(p);
}

static const char *sample = "Sáng 16/7.Cùng dự hội nghị có 62.000 tỷ đồng, ASEM và Covid-19. Hoà bình!\nDòng hai.";

static int run_everything(chu_ctx *ctx)
{
	const char *out;
	size_t n;
	int rc;
	if ((rc = chu_norm(ctx, sample, strlen(sample), &out, &n)) < 0)
		return rc;
	const chu_token *t;
	if ((rc = chu_tokenize(ctx, sample, strlen(sample), &t, &n)) < 0)
		return rc;
	const chu_span *s;
	if ((rc = chu_sentences(ctx, sample, strlen(sample), &s, &n)) < 0)
		return rc;
	const chu_clean_change *ch;
	size_t nch;
	if ((rc = chu_clean(ctx, sample, strlen(sample), &out, &n, &ch, &nch)) < 0)
		return rc;
	if ((rc = chu_fold(ctx, sample, strlen(sample), &out, &n)) < 0)
		return rc;
	return chu_norm_span(ctx, sample, 0, 10, &out, &n);
}

static void test_allocator(void)
{
	counting c = {0, -1, 0};
	chu_allocator a = {c_malloc, c_realloc, c_free, &c};
	chu_options o;
	chu_options_init(&o);
	o.allocator = &a;
	chu_ctx *ctx;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_OK, "ctx with an allocator");
	CHECK(run_everything(ctx) == CHU_OK, "run with an allocator");
	chu_ctx_free(ctx);
	CHECK(c.calls > 5, "the allocator was not used (%ld calls)", c.calls);
	CHECK(c.live == 0, "%ld blocks not freed", c.live);
	long needed = c.calls;
	int clean_failures = 0, wrong = 0;
	for (long k = 0; k < needed; k++) {
		counting f = {0, k, 0};
		chu_allocator fa = {c_malloc, c_realloc, c_free, &f};
		o.allocator = &fa;
		chu_ctx *x = NULL;
		int rc = chu_ctx_new(&o, &x);
		if (rc == CHU_OK)
			rc = run_everything(x);
		chu_ctx_free(x);
		if (rc == CHU_ENOMEM)
			clean_failures++;
		else if (rc != CHU_OK)
			wrong++;
		CHECK(f.live == 0, "failing allocation %ld: %ld blocks leaked", k, f.live);
	}
	CHECK(clean_failures > 0 && wrong == 0, "%d ENOMEM, %d other errors", clean_failures, wrong);
}

static void test_contracts(void)
{
	const int codes[] = {CHU_OK, CHU_ENOMEM, CHU_EINVAL, CHU_EUTF8, CHU_EIO, CHU_EFORMAT, CHU_EVERSION, CHU_ESTATE, CHU_ECALLBACK};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		CHECK(chu_strerror(codes[i]) && *chu_strerror(codes[i]), "message for %d", codes[i]);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(chu_strerror(codes[i]), chu_strerror(codes[j])) != 0, "same message %d %d", codes[i], codes[j]);
	}
	CHECK(chu_strerror(-999) != NULL, "unknown code");
	CHECK_STR(chu_version(), CHU_VERSION_STRING);
	chu_ctx_free(NULL);
	chu_model_close(NULL);
	chu_dict_free(NULL);
	chu_stream_free(NULL);
	chu_free(NULL, NULL);
	chu_ctx *ctx = NULL;
	chu_options o;
	chu_options_init(&o);
	o.tone = (chu_tone_style)7;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_EINVAL && ctx == NULL, "bad tone style");
	CHECK(chu_ctx_new(NULL, NULL) == CHU_EINVAL, "NULL out");
	CHECK(chu_ctx_new(NULL, &ctx) == CHU_OK, "defaults");
	const char *out;
	size_t n;
	CHECK(chu_norm(NULL, "a", 1, &out, &n) == CHU_EINVAL, "NULL ctx");
	CHECK(chu_norm(ctx, NULL, 0, &out, &n) == CHU_OK && n == 0 && out[0] == '\0', "empty input");
	CHECK(chu_fold(ctx, "Đà Nẵng ĐỒNG", strlen("Đà Nẵng ĐỒNG"), &out, &n) == CHU_OK, "fold");
	CHECK_STR(out, "da nang dong");
	CHECK(chu_norm_span(ctx, "ab", 2, 1, &out, &n) == CHU_EINVAL, "start > end");
	CHECK_STR(chu_token_kind_name(CHU_TOKEN_MONEY), "money");
	CHECK_STR(chu_token_kind_name(999), "?");
	/* offsets are into the original, even with decomposed letters before */
	const char *text = "ho\xCC\x80" "a 62.000 USD";
	const chu_token *t;
	CHECK(chu_tokenize(ctx, text, strlen(text), &t, &n) == CHU_OK && n == 2, "tokens: %zu", n);
	if (n == 2) {
		CHECK(t[0].start == 0 && t[0].end == 5, "first token %zu-%zu", t[0].start, t[0].end);
		CHECK(t[1].start == 6 && t[1].end == strlen(text) && t[1].kind == CHU_TOKEN_MONEY, "money token");
		CHECK(chu_norm_span(ctx, text, t[0].start, t[0].end, &out, &n) == CHU_OK, "span");
		CHECK_STR(out, "hoà");
	}
	/* a stream refuses to be fed after finishing */
	chu_stream *s;
	CHECK(chu_stream_new(NULL, NULL, NULL, &s) == CHU_EINVAL, "stream without callback");
	chu_ctx_free(ctx);
}

static void *thread_main(void *arg)
{
	char *res = arg;
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	for (int r = 0; r < 200; r++) {
		const char *out;
		size_t n;
		chu_norm(ctx, sample, strlen(sample), &out, &n);
		snprintf(res, 512, "%s", out);
		const chu_token *t;
		chu_tokenize(ctx, sample, strlen(sample), &t, &n);
		size_t k = strlen(res);
		snprintf(res + k, 512 - k, "|%zu", n);
	}
	chu_ctx_free(ctx);
	return NULL;
}

static void test_threads(void)
{
	static char res[8][512];
	pthread_t th[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, thread_main, res[i]);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	for (int i = 1; i < 8; i++)
		CHECK(strcmp(res[0], res[i]) == 0, "thread %d differs", i);
}

int main(void)
{
	test_contracts();
	test_allocator();
	test_threads();
	return harness_done();
}
