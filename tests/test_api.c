/*
 * test_api.c — the contracts of chu.h, through chu.h only: status codes and their messages, the
 * version, _free(NULL), bad options and NULL arguments, a caller's allocator (used, and failing at
 * every allocation in turn), strict UTF-8 and the error offset, byte offsets of tokens and
 * sentences, borrowed results, folding, streams, and threads with a ctx each.
 */
#include "bytes.h"
#include "harness.h"
#include "chu.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

static bool bsame(const bytes *a, const bytes *b) { return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0); }

/* ---- an allocator that counts, and refuses the Nth call (or every call from the Nth on) ---- */

typedef struct counting {
	long calls;     /* malloc and realloc calls so far */
	long fail_at;   /* the call (0-based) that is refused; -1: none */
	bool fail_rest; /* refuse every call from fail_at on, not only that one */
	long refused;   /* calls refused */
	long live;      /* blocks handed out and not freed */
	size_t biggest; /* the largest size asked for */
} counting;

static bool refuse(counting *c, size_t n)
{
	long k = c->calls++;
	if (n > c->biggest)
		c->biggest = n;
	if (c->fail_at >= 0 && (k == c->fail_at || (c->fail_rest && k > c->fail_at))) {
		c->refused++;
		return true;
	}
	return false;
}
static void *c_malloc(void *ud, size_t n)
{
	counting *c = ud;
	if (refuse(c, n))
		return NULL;
	void *p = malloc(n);
	c->live += p != NULL;
	return p;
}
static void *c_realloc(void *ud, void *p, size_t n)
{
	counting *c = ud;
	if (refuse(c, n))
		return NULL;
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

/* ---- texts ---- */

static const char *sample = "Sáng 16/7.Cùng dự hội nghị có 62.000 tỷ đồng, ASEM và Covid-19. Hoà bình!\nDòng hai.";

/* A few KB of varied text: precomposed and decomposed letters, money, dates, a URL, CRLF, a
 * zero-width space, an invalid byte, a long word. Big enough that every buffer grows a few times. */
static bytes rich;
static void make_rich(void)
{
	for (int i = 0; i < 12; i++) {
		bputs(&rich, "Hội nghị ASEM lần thứ 13 (ASEM13) diễn ra ngày 25-26/11/2021 tại TP.HCM, chi phí 62.000 tỷ đồng; "
		             "xem https://mofa.gov.vn/asem hoặc ban@mofa.gov.vn. Ông Nguyễn Văn A. nói: “Hoà bình!”\r\n");
		bputs(&rich, "ho\xCC\x80" "a kho\xCC\x89" "e thu\xCC\x89y \xE2\x80\x8B" "Covid-19 lúc 14:30, tăng 4,5 % so với 2020.\n\n");
		bputs(&rich, "Đà Nẵng\t\xC2\xA0 v.v. và 100.000 USD \xFF kết thúc.\n");
	}
	for (int i = 0; i < 300; i++)
		bputs(&rich, "đường");
	bputs(&rich, "\n");
}

/* ---- status codes, version, free(NULL), options, NULL arguments ---- */

static void test_status(void)
{
	const int codes[] = {CHU_OK,     CHU_ENOMEM,  CHU_EINVAL,   CHU_EUTF8,    CHU_EIO,
	                     CHU_EFORMAT, CHU_EVERSION, CHU_ESTATE, CHU_ECALLBACK, CHU_ESYNTAX, CHU_ETIMEOUT};
	const size_t n = sizeof codes / sizeof codes[0];
	for (size_t i = 0; i < n; i++) {
		const char *m = chu_strerror(codes[i]);
		CHECK(m != NULL && *m, "no message for status %d", codes[i]);
		for (size_t j = 0; j < i; j++)
			CHECK(m && strcmp(m, chu_strerror(codes[j])) != 0, "statuses %d and %d share the message \"%s\"", codes[i],
			      codes[j], m);
	}
	CHECK(chu_strerror(-999) != NULL && chu_strerror(12345) != NULL, "unknown codes have a message too");
	CHECK(chu_version() != NULL, "version");
	CHECK_STR(chu_version(), CHU_VERSION_STRING);
	for (int k = 1; k < CHU_TOKEN_KIND_MAX; k++) {
		CHECK(strcmp(chu_token_kind_name(k), "?") != 0, "kind %d has no name", k);
		for (int j = 1; j < k; j++)
			CHECK(strcmp(chu_token_kind_name(k), chu_token_kind_name(j)) != 0, "kinds %d and %d share a name", j, k);
	}
	CHECK_STR(chu_token_kind_name(CHU_TOKEN_MONEY), "money");
	CHECK_STR(chu_token_kind_name(0), "?");
	CHECK_STR(chu_token_kind_name(CHU_TOKEN_KIND_MAX), "?");
	CHECK_STR(chu_token_kind_name(-1), "?");
	/* every _free(NULL) is a no-op */
	chu_ctx_free(NULL);
	chu_stream_free(NULL);
	chu_model_close(NULL);
	chu_dict_free(NULL);
	chu_free(NULL, NULL);
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) == CHU_OK) {
		chu_free(ctx, NULL);
		chu_ctx_free(ctx);
	}
	chu_options_init(NULL);
	CHECK(1, "the _free(NULL) calls returned");
}

static void test_options(void)
{
	chu_options o;
	chu_options_init(&o);
	CHECK(o.tone == CHU_TONE_NEW && o.from == CHU_ENC_UTF8 && o.strict == 0 && o.allocator == NULL, "defaults");
	static int sentinel;
	chu_ctx *ctx = (chu_ctx *)(void *)&sentinel;
	o.tone = (chu_tone_style)7;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_EINVAL && ctx == NULL, "tone style 7 accepted (or *out not NULL)");
	o.tone = (chu_tone_style)-1;
	ctx = (chu_ctx *)(void *)&sentinel;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_EINVAL && ctx == NULL, "tone style -1 accepted");
	chu_options_init(&o);
	o.from = (chu_encoding)5;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_EINVAL && ctx == NULL, "encoding 5 accepted");
	o.from = (chu_encoding)-1;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_EINVAL && ctx == NULL, "encoding -1 accepted");
	chu_options_init(&o);
	counting c = {0, -1, false, 0, 0, 0};
	chu_allocator half = {c_malloc, NULL, c_free, &c};
	o.allocator = &half;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_EINVAL && ctx == NULL, "an allocator without realloc accepted");
	CHECK(c.live == 0, "a refused ctx leaked");
	CHECK(chu_ctx_new(NULL, NULL) == CHU_EINVAL, "NULL out");
	chu_options_init(&o);
	o.tone = CHU_TONE_OLD;
	o.from = CHU_ENC_AUTO;
	o.strict = 1;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_OK && ctx != NULL, "all valid non-default options");
	chu_ctx_free(ctx);
	CHECK(chu_ctx_new(NULL, &ctx) == CHU_OK && ctx != NULL, "NULL options: the defaults");
	chu_ctx_free(ctx);
}

static int stop_at_first(void *ud, const char *key, size_t len, size_t start, size_t end, int colocated)
{
	(void)key, (void)len, (void)start, (void)end, (void)colocated;
	(*(int *)ud)++;
	return 1;
}

static void test_null_arguments(void)
{
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) != CHU_OK) {
		CHECK(0, "ctx");
		return;
	}
	const char *out;
	size_t n;
	const chu_token *t;
	const chu_span *s;
	CHECK(chu_norm(NULL, "a", 1, &out, &n) == CHU_EINVAL, "norm: NULL ctx");
	CHECK(chu_norm(ctx, NULL, 3, &out, &n) == CHU_EINVAL, "norm: NULL text with a length");
	CHECK(chu_norm(ctx, "a", 1, NULL, &n) == CHU_EINVAL, "norm: NULL out");
	CHECK(chu_tokenize(NULL, "a", 1, &t, &n) == CHU_EINVAL, "tokenize: NULL ctx");
	CHECK(chu_tokenize(ctx, NULL, 3, &t, &n) == CHU_EINVAL, "tokenize: NULL text");
	CHECK(chu_tokenize(ctx, "a", 1, NULL, &n) == CHU_EINVAL, "tokenize: NULL tokens");
	CHECK(chu_tokenize(ctx, "a", 1, &t, NULL) == CHU_EINVAL, "tokenize: NULL count");
	CHECK(chu_sentences(NULL, "a", 1, &s, &n) == CHU_EINVAL, "sentences: NULL ctx");
	CHECK(chu_sentences(ctx, NULL, 2, &s, &n) == CHU_EINVAL, "sentences: NULL text");
	CHECK(chu_fold(NULL, "a", 1, &out, &n) == CHU_EINVAL, "fold: NULL ctx");
	CHECK(chu_fold(ctx, NULL, 1, &out, &n) == CHU_EINVAL, "fold: NULL text");
	CHECK(chu_norm_span(NULL, "ab", 0, 1, &out, &n) == CHU_EINVAL, "norm_span: NULL ctx");
	CHECK(chu_norm_span(ctx, NULL, 0, 0, &out, &n) == CHU_EINVAL, "norm_span: NULL text");
	CHECK(chu_norm_span(ctx, "ab", 2, 1, &out, &n) == CHU_EINVAL, "norm_span: start > end");
	CHECK(chu_search_keys(NULL, NULL, "a", 1, 0, stop_at_first, NULL) == CHU_EINVAL, "search keys: NULL ctx");
	CHECK(chu_search_keys(ctx, NULL, "a", 1, 0, NULL, NULL) == CHU_EINVAL, "search keys: NULL callback");
	CHECK(chu_ctx_set_dict(NULL, NULL) == CHU_EINVAL, "set_dict: NULL ctx");
	/* empty input is fine everywhere, with or without a pointer */
	n = 99;
	CHECK(chu_norm(ctx, NULL, 0, &out, &n) == CHU_OK && n == 0 && out && out[0] == '\0', "norm of nothing");
	n = 99;
	CHECK(chu_norm(ctx, "", 0, &out, &n) == CHU_OK && n == 0 && out && out[0] == '\0', "norm of \"\"");
	n = 99;
	CHECK(chu_tokenize(ctx, NULL, 0, &t, &n) == CHU_OK && n == 0, "tokenize nothing");
	n = 99;
	CHECK(chu_sentences(ctx, "", 0, &s, &n) == CHU_OK && n == 0, "sentences of nothing");
	n = 99;
	CHECK(chu_fold(ctx, "", 0, &out, &n) == CHU_OK && n == 0 && out && out[0] == '\0', "fold of nothing");
	n = 99;
	CHECK(chu_norm_span(ctx, "abc", 1, 1, &out, &n) == CHU_OK && n == 0 && out && out[0] == '\0', "an empty span");
	n = 99;
	CHECK(chu_norm(ctx, " \t\n\r\n \xE2\x80\x8B ", 10, &out, &n) == CHU_OK && n == 0 && out && out[0] == '\0',
	      "white space only normalizes to nothing (%zu bytes)", n);
	int calls = 0;
	CHECK(chu_search_keys(ctx, NULL, "Đà Nẵng", strlen("Đà Nẵng"), 0, stop_at_first, &calls) == CHU_ECALLBACK && calls == 1,
	      "a search-key callback that stops: CHU_ECALLBACK after one call (%d)", calls);
	chu_model *m = (chu_model *)(void *)&calls;
	CHECK(chu_model_open("/nonexistent/chu/model.chm", &m) == CHU_EIO && m == NULL, "a missing model: CHU_EIO");
	chu_dict *d = (chu_dict *)(void *)&calls;
	CHECK(chu_dict_load("/nonexistent/chu/dict.txt", &d) == CHU_EIO && d == NULL, "a missing dictionary: CHU_EIO");
	CHECK(chu_model_checksum(NULL) == 0, "model checksum: NULL");
	/* the index: every call takes NULL, a missing file says so and still gives a handle to ask */
	chu_index *ix = NULL;
	chu_index_request req;
	chu_index_results res;
	chu_index_doc doc;
	int64_t count;
	chu_index_request_init(NULL);
	chu_index_request_init(&req);
	CHECK(req.limit == 10 && req.offset == 0 && req.facet_hits == 1000 && !req.facet_kinds, "index request defaults");
	CHECK(chu_index_open(NULL, NULL, NULL) == CHU_EINVAL, "index open: NULL out");
	CHECK(chu_index_open("/nonexistent/chu/index.db", NULL, &ix) == CHU_EIO && ix && strstr(chu_index_error(ix), "cannot"),
	      "a missing index: CHU_EIO with a message (%s)", ix ? chu_index_error(ix) : "no handle");
	CHECK(chu_index_search(ix, ctx, &req, &res) == CHU_EINVAL && *chu_index_error(ix), "search on an index not open");
	chu_index_close(ix);
	CHECK(chu_index_search(NULL, ctx, &req, &res) == CHU_EINVAL, "search: NULL index");
	CHECK(chu_index_get(NULL, "a", 1, &doc) == CHU_EINVAL, "get: NULL index");
	CHECK(chu_index_count(NULL, &count) == CHU_EINVAL, "count: NULL index");
	CHECK(chu_index_changed(NULL) == CHU_EINVAL, "changed: NULL index");
	CHECK(strcmp(chu_index_error(NULL), "") != 0, "error: NULL index");
	chu_index_set_time_limit(NULL, 5);
	chu_index_close(NULL);
	chu_ctx_free(ctx);
}

/* ---- the operations the allocator tests run, each with its result as bytes ---- */

enum { OP_NORM, OP_TOK, OP_SENT, OP_FOLD, OP_SPAN, OP_CLEAN, OP_KEYS, OP_QKEYS, OP_QUERY, OP_COMPILE, N_OPS };
static const char *const op_names[N_OPS] = {"chu_norm",        "chu_tokenize",    "chu_sentences",
                                            "chu_fold",        "chu_norm_span",   "chu_clean",
                                            "chu_search_keys", "chu_search_keys (query)", "chu_search_query",
                                            "chu_query_compile"};

/* A search key as bytes: its positions, then the key. */
static int key_bytes(void *ud, const char *key, size_t len, size_t start, size_t end, int colocated)
{
	size_t head[3] = {start, end, (size_t)colocated};
	bput(ud, head, sizeof head);
	bput(ud, key, len);
	return 0;
}

static int run_op(chu_ctx *ctx, int op, const char *text, size_t len, bytes *res)
{
	res->n = 0;
	const char *out = NULL;
	size_t n = 0;
	int rc = CHU_EINVAL;
	switch (op) {
	case OP_NORM:
		rc = chu_norm(ctx, text, len, &out, &n);
		break;
	case OP_TOK: {
		const chu_token *t;
		rc = chu_tokenize(ctx, text, len, &t, &n);
		out = (const char *)t;
		n *= sizeof *t;
		break;
	}
	case OP_SENT: {
		const chu_span *s;
		rc = chu_sentences(ctx, text, len, &s, &n);
		out = (const char *)s;
		n *= sizeof *s;
		break;
	}
	case OP_FOLD:
		rc = chu_fold(ctx, text, len, &out, &n);
		break;
	case OP_SPAN:
		rc = chu_norm_span(ctx, text, 0, len, &out, &n);
		break;
	case OP_CLEAN: {
		const chu_clean_change *ch;
		size_t nch;
		rc = chu_clean(ctx, text, len, &out, &n, &ch, &nch);
		break;
	}
	case OP_KEYS:
		rc = chu_search_keys(ctx, NULL, text, len, 0, key_bytes, res);
		break;
	case OP_QKEYS:
		rc = chu_search_keys(ctx, NULL, text, len, CHU_SEARCH_QUERY, key_bytes, res);
		break;
	case OP_QUERY:
		rc = chu_search_query(ctx, NULL, text, len, &out, &n);
		break;
	case OP_COMPILE: {
		chu_query q;
		rc = chu_query_compile(ctx, NULL, text, len, 0, &q);
		for (size_t i = 0; rc == CHU_OK && i < q.n_tiers; i++)
			bput(res, q.tiers[i].match, strlen(q.tiers[i].match) + 1);
		for (size_t i = 0; rc == CHU_OK && i < q.n_filters; i++)
			bput(res, q.filters[i].text, strlen(q.filters[i].text) + 1);
		if (rc == CHU_ESYNTAX)
			rc = CHU_OK; /* a text that is no query: the same answer with or without memory */
		break;
	}
	}
	if (rc == CHU_OK && n)
		bput(res, out, n);
	return rc;
}

/* The stream's pieces, summed up without allocating. */
typedef struct piece_sum {
	uint64_t hash;
	size_t pieces, bytes;
} piece_sum;

static int sum_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	piece_sum *s = ud;
	uint64_t h = s->hash ^ (offset * 0x9E3779B97F4A7C15u) ^ ((uint64_t)len << 1) ^ (uint64_t)(continued != 0);
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)piece[i]) * 0x100000001B3u;
	s->hash = h;
	s->pieces++;
	s->bytes += len;
	return 0;
}

/* The stream test's input: short lines, then a line of 200 KB with spaces, then one without. */
static bytes stream_text;
static void make_stream_text(void)
{
	for (int i = 0; i < 20; i++)
		bputs(&stream_text, "Hội nghị về bình đẳng giới.\n");
	for (int i = 0; i < 20000; i++)
		bputs(&stream_text, "phụ nữ ");
	bputs(&stream_text, "\n");
	for (int i = 0; i < 30000; i++)
		bputs(&stream_text, "nghiêng");
	bputs(&stream_text, "\nkết thúc");
}

/* Feeds stream_text in chunks of 5000 bytes. Returns the first status that is not CHU_OK. */
static int run_stream(const chu_allocator *a, piece_sum *sum, int *stage)
{
	chu_stream *s = NULL;
	*stage = 0;
	int rc = chu_stream_new(a, sum_piece, sum, &s);
	if (rc != CHU_OK)
		return rc;
	*stage = 1;
	for (size_t i = 0; i < stream_text.n && rc == CHU_OK; i += 5000) {
		size_t k = stream_text.n - i < 5000 ? stream_text.n - i : 5000;
		rc = chu_stream_feed(s, stream_text.p + i, k);
	}
	if (rc == CHU_OK) {
		*stage = 2;
		rc = chu_stream_finish(s);
	} else {
		/* the error is sticky */
		int again = chu_stream_feed(s, "x", 1), fin = chu_stream_finish(s);
		CHECK(again == rc && fin == rc, "after %s the stream gave %d, then %d", chu_strerror(rc), again, fin);
	}
	chu_stream_free(s);
	return rc;
}

static void test_allocator_used(void)
{
	counting c = {0, -1, false, 0, 0, 0};
	chu_allocator a = {c_malloc, c_realloc, c_free, &c};
	chu_options o;
	chu_options_init(&o);
	o.allocator = &a;
	chu_ctx *ctx;
	CHECK(chu_ctx_new(&o, &ctx) == CHU_OK, "ctx with an allocator");
	CHECK(c.calls >= 1 && c.live >= 1, "chu_ctx_new did not use the caller's allocator (%ld calls)", c.calls);
	bytes big = {0};
	while (big.n < 200000)
		bput(&big, rich.p, rich.n);
	bytes res = {0};
	for (int op = 0; op < N_OPS; op++) {
		long before = c.calls;
		c.biggest = 0;
		CHECK(run_op(ctx, op, big.p, big.n, &res) == CHU_OK, "%s with an allocator", op_names[op]);
		/* the keys go out one at a time: their memo is the biggest block (made on first use) */
		size_t want = op == OP_QKEYS ? 1 : 100000;
		CHECK(c.calls > before && c.biggest >= want, "%s of %zu bytes: %ld calls, largest %zu bytes", op_names[op],
		      big.n, c.calls - before, c.biggest);
	}
	chu_ctx_free(ctx);
	CHECK(c.live == 0, "%ld blocks not freed after chu_ctx_free", c.live);
	/* a stream */
	piece_sum sum = {0, 0, 0};
	int stage;
	c.calls = 0;
	c.biggest = 0;
	CHECK(run_stream(&a, &sum, &stage) == CHU_OK, "stream with an allocator");
	CHECK(c.calls >= 2 && c.biggest >= 65536, "the stream used the allocator %ld times, largest %zu", c.calls, c.biggest);
	CHECK(c.live == 0, "%ld blocks not freed after chu_stream_free", c.live);
	CHECK(sum.bytes == stream_text.n, "the pieces hold %zu bytes of %zu", sum.bytes, stream_text.n);
	bfree(&big);
	bfree(&res);
}

/* Refuses the Nth allocation for N = 0, 1, 2… until a whole run needs no refusal (and, second
 * pass, refuses every allocation from the Nth on). Every run must end in CHU_ENOMEM from the call
 * that was refused, leak nothing, and leave the ctx usable: the same call then succeeds with the
 * right result once memory is back. (chu_search_keys may instead do without its optional memo and
 * succeed with the same keys.) */
static void test_failing_allocator(void)
{
	const char *text = rich.p;
	size_t len = rich.n;
	bytes ref[N_OPS] = {{0}}, res = {0};
	chu_ctx *plain;
	chu_ctx_new(NULL, &plain);
	for (int op = 0; op < N_OPS; op++)
		run_op(plain, op, text, len, &ref[op]);
	chu_ctx_free(plain);
	chu_options o;
	chu_options_init(&o);
	for (int rest = 0; rest < 2; rest++) {
		long k, wrong = 0, leaks = 0, bad_results = 0, not_recovered = 0, enomem = 0;
		for (k = 0; k < 100000; k++) {
			counting c = {0, k, rest != 0, 0, 0, 0};
			chu_allocator a = {c_malloc, c_realloc, c_free, &c};
			o.allocator = &a;
			chu_ctx *ctx = NULL;
			int rc = chu_ctx_new(&o, &ctx);
			if (rc != CHU_OK) {
				enomem += rc == CHU_ENOMEM;
				if (rc != CHU_ENOMEM || !c.refused || ctx != NULL) {
					wrong++;
					fprintf(stderr, "failing allocation %ld: chu_ctx_new gave %d\n", k, rc);
				}
			}
			for (int op = 0; ctx && op < N_OPS; op++) {
				long refused = c.refused;
				rc = run_op(ctx, op, text, len, &res);
				if (c.refused > refused) {
					enomem += rc == CHU_ENOMEM;
					/* chu_search_keys' memo of recent syllables is optional: without it the keys are the same */
					bool degraded = (op == OP_KEYS || op == OP_QKEYS) && rc == CHU_OK && bsame(&res, &ref[op]);
					if (rc != CHU_ENOMEM && !degraded) {
						wrong++;
						fprintf(stderr, "failing allocation %ld: %s gave %d, not CHU_ENOMEM\n", k, op_names[op], rc);
					}
					c.fail_at = -1; /* memory is back: the handle must still work */
					rc = run_op(ctx, op, text, len, &res);
					if (rc != CHU_OK || !bsame(&res, &ref[op])) {
						not_recovered++;
						fprintf(stderr, "failing allocation %ld: %s after CHU_ENOMEM gave %d (%s result)\n", k,
						        op_names[op], rc, rc == CHU_OK ? "another" : "no");
					}
				} else if (rc != CHU_OK || !bsame(&res, &ref[op])) {
					bad_results++;
					fprintf(stderr, "failing allocation %ld: %s gave %d with no refusal\n", k, op_names[op], rc);
				}
			}
			chu_ctx_free(ctx);
			if (c.live != 0) {
				leaks++;
				fprintf(stderr, "failing allocation %ld: %ld blocks leaked\n", k, c.live);
			}
			if (c.refused == 0)
				break; /* the whole run needed fewer allocations: every one was refused once */
		}
		CHECK(wrong == 0, "%ld runs ended in another status than CHU_ENOMEM", wrong);
		CHECK(leaks == 0, "%ld runs leaked", leaks);
		CHECK(bad_results == 0, "%ld runs gave wrong results", bad_results);
		CHECK(not_recovered == 0, "%ld runs left the ctx unusable after CHU_ENOMEM", not_recovered);
		CHECK(enomem >= 5 && k < 100000, "%ld allocations, %ld CHU_ENOMEM", k, enomem);
		printf("ctx: refusing allocation %s0..%ld in turn gave CHU_ENOMEM %ld times\n", rest ? "from " : "", k - 1, enomem);
	}
	/* streams */
	piece_sum want = {0, 0, 0};
	int stage;
	run_stream(NULL, &want, &stage);
	for (int rest = 0; rest < 2; rest++) {
		long k, wrong = 0, leaks = 0, enomem = 0;
		for (k = 0; k < 100000; k++) {
			counting c = {0, k, rest != 0, 0, 0, 0};
			chu_allocator a = {c_malloc, c_realloc, c_free, &c};
			piece_sum got = {0, 0, 0};
			int rc = run_stream(&a, &got, &stage);
			if (c.refused) {
				enomem += rc == CHU_ENOMEM;
				if (rc != CHU_ENOMEM) {
					wrong++;
					fprintf(stderr, "stream, failing allocation %ld: stage %d gave %d\n", k, stage, rc);
				}
			} else if (rc != CHU_OK || got.hash != want.hash || got.pieces != want.pieces) {
				wrong++;
				fprintf(stderr, "stream, allocation %ld: %d, %zu pieces (want %zu)\n", k, rc, got.pieces, want.pieces);
			}
			if (c.live != 0) {
				leaks++;
				fprintf(stderr, "stream, failing allocation %ld: %ld blocks leaked\n", k, c.live);
			}
			if (c.refused == 0)
				break;
		}
		CHECK(wrong == 0, "stream: %ld runs ended wrong", wrong);
		CHECK(leaks == 0, "stream: %ld runs leaked", leaks);
		CHECK(enomem >= 2 && k < 100000, "stream: %ld allocations, %ld CHU_ENOMEM", k, enomem);
		printf("stream: refusing allocation %s0..%ld in turn gave CHU_ENOMEM %ld times\n", rest ? "from " : "", k - 1, enomem);
	}
	for (int op = 0; op < N_OPS; op++)
		bfree(&ref[op]);
	bfree(&res);
}

/* ---- strict mode ---- */

static void test_strict(void)
{
	chu_options o;
	chu_options_init(&o);
	o.strict = 1;
	chu_ctx *strict, *lax;
	chu_ctx_new(&o, &strict);
	chu_ctx_new(NULL, &lax);
	const char *out;
	size_t n;
	CHECK(chu_error_offset(strict) == 0, "a new ctx has error offset %zu", chu_error_offset(strict));
	CHECK(chu_error_offset(NULL) == 0, "chu_error_offset(NULL)");
	CHECK(chu_norm(strict, "abc\xFF" "def", 7, &out, &n) == CHU_EUTF8, "strict: \"abc\\xFFdef\" is not CHU_EUTF8");
	CHECK(chu_error_offset(strict) == 3, "strict: error offset %zu, want 3", chu_error_offset(strict));
	/* after a legacy conversion the offset is still one of the caller's bytes: VIQR "a?a.o" is
	 * 7 bytes of UTF-8 before the stray 0xE1, which is byte 5 of the input */
	chu_options vo = o;
	vo.from = CHU_ENC_VIQR;
	chu_ctx *viqr;
	chu_ctx_new(&vo, &viqr);
	CHECK(chu_norm(viqr, "a?a.o\xE1", 6, &out, &n) == CHU_EUTF8, "strict VIQR with a stray byte");
	CHECK(chu_error_offset(viqr) == 5, "strict VIQR: error offset %zu, want 5", chu_error_offset(viqr));
	CHECK(chu_norm(viqr, "Vie^.t \xC3(", 9, &out, &n) == CHU_EUTF8, "strict VIQR, truncated UTF-8");
	CHECK(chu_error_offset(viqr) == 7, "strict VIQR: error offset %zu, want 7", chu_error_offset(viqr));
	chu_ctx_free(viqr);
	/* --from=auto: valid Vietnamese UTF-8 is never converted; UTF-16 with its mark is */
	vo.from = CHU_ENC_AUTO;
	vo.strict = 0;
	chu_ctx *autod;
	chu_ctx_new(&vo, &autod);
	static const char *const plain[] = {"Việt Việt", "Thuốc uống", "Hiệu quả của chương trình",
	                                    "iệ uố oà uề ỉa", "Tiếng Việt có dấu"};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		CHECK(chu_norm(autod, plain[i], strlen(plain[i]), &out, &n) == CHU_OK, "auto");
		CHECK_STR(out, plain[i]);
	}
	static const char le[] = "\xFF\xFEV\0i\0\xC7\x1Et\0 \0N\0a\0m\0\n\0";
	CHECK(chu_norm(autod, le, sizeof le - 1, &out, &n) == CHU_OK, "UTF-16LE");
	CHECK_STR(out, "Việt Nam\n");
	static const char odd[] = "\xFF\xFEV\0\x3D\xD8\x00\xDEx";
	CHECK(chu_norm(autod, odd, sizeof odd - 1, &out, &n) == CHU_OK, "UTF-16LE with a pair and an odd byte");
	CHECK_STR(out, "V\xF0\x9F\x98\x80\xEF\xBF\xBD");
	chu_ctx_free(autod);
	CHECK(chu_norm(lax, "abc\xFF" "def", 7, &out, &n) == CHU_OK, "lax");
	CHECK_STR(out, "abc\xEF\xBF\xBD" "def");
	static const struct {
		const char *text;
		size_t offset;
	} bad[] = {
		{"\xFF", 0},
		{"abc\xE1\xBA", 3},              /* truncated at the end */
		{"a\xE1\xBA" "b", 1},            /* truncated inside */
		{"Việt\xC0\x80", 6},             /* overlong NUL */
		{"ab\xE0\x80\xAF", 2},           /* overlong '/' */
		{"ab\xED\xA0\x80", 2},           /* a surrogate */
		{"x\xF4\x90\x80\x80", 1},        /* above U+10FFFF */
		{"ok\x80", 2},                   /* a stray continuation byte */
		{"Đà Nẵng \xF8\x88\x80\x80\x80", 12}, /* a five-byte form */
		{"a\r\nb\xFE", 4},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = chu_norm(strict, bad[i].text, strlen(bad[i].text), &out, &n);
		CHECK(rc == CHU_EUTF8 && chu_error_offset(strict) == bad[i].offset, "strict case %zu: %d, offset %zu, want %zu",
		      i, rc, chu_error_offset(strict), bad[i].offset);
		/* tokens never fail: the bad byte is a symbol of its own */
		const chu_token *t;
		size_t nt;
		rc = chu_tokenize(strict, bad[i].text, strlen(bad[i].text), &t, &nt);
		bool found = false;
		for (size_t j = 0; j < nt; j++)
			found = found || (t[j].start == bad[i].offset && t[j].end == bad[i].offset + 1 && t[j].kind == CHU_TOKEN_SYMBOL);
		CHECK(rc == CHU_OK && found, "strict case %zu: the invalid byte is not a SYMBOL token of one byte", i);
	}
	/* valid text: strict and lax agree */
	const char *good = "Hoà bình, Đà Nẵng.\r\nNgười Việt\xE2\x80\x8B Nam  ";
	bytes a = {0};
	CHECK(chu_norm(lax, good, strlen(good), &out, &n) == CHU_OK, "lax good");
	bput(&a, out, n);
	CHECK(chu_norm(strict, good, strlen(good), &out, &n) == CHU_OK && n == a.n && memcmp(out, a.p, n) == 0,
	      "strict and lax differ on valid text");
	bfree(&a);
	chu_ctx_free(strict);
	chu_ctx_free(lax);
}

/* ---- offsets ---- */

/* Tokens: inside the input, in order, not overlapping, known kinds and flags, reserved zero, the
 * last one ends a sentence; sentences: in order, from a token's start to a token's end, one per
 * SENTENCE_END. Returns the number of tokens. */
static size_t check_offsets(chu_ctx *ctx, const char *text, size_t len, const char *what)
{
	const chu_token *t;
	size_t n;
	int rc = chu_tokenize(ctx, text, len, &t, &n);
	CHECK(rc == CHU_OK, "%s: tokenize %d", what, rc);
	if (rc != CHU_OK)
		return 0;
	size_t bad = SIZE_MAX, ends = 0;
	for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {
		bool ok = t[i].start < t[i].end && t[i].end <= len && (i == 0 || t[i].start >= t[i - 1].end) && t[i].kind >= 1 &&
		          t[i].kind < CHU_TOKEN_KIND_MAX && (t[i].flags & ~3u) == 0 && t[i].reserved == 0;
		for (size_t j = t[i].start; ok && j < t[i].end; j++)
			ok = text[j] != '\n' && text[j] != '\r';
		if (!ok)
			bad = i;
		ends += (t[i].flags & CHU_TOKEN_SENTENCE_END) != 0;
	}
	CHECK(bad == SIZE_MAX, "%s: token %zu of %zu: [%zu, %zu) kind %d flags %d", what, bad, n, bad < n ? t[bad].start : 0,
	      bad < n ? t[bad].end : 0, bad < n ? t[bad].kind : 0, bad < n ? t[bad].flags : 0);
	CHECK(n == 0 || (t[n - 1].flags & CHU_TOKEN_SENTENCE_END), "%s: the last token does not end a sentence", what);
	/* copy the tokens: chu_sentences may reuse nothing of chu_tokenize's, but be safe */
	chu_token *copy = malloc((n ? n : 1) * sizeof *copy);
	if (n)
		memcpy(copy, t, n * sizeof *copy);
	const chu_span *s;
	size_t ns;
	rc = chu_sentences(ctx, text, len, &s, &ns);
	CHECK(rc == CHU_OK && ns == ends, "%s: %zu sentences, %zu sentence ends", what, ns, ends);
	size_t ti = 0;
	bool ok = rc == CHU_OK;
	for (size_t i = 0; i < ns && ok && ti < n; i++) {
		ok = s[i].start == copy[ti].start;
		while (ti < n && !(copy[ti].flags & CHU_TOKEN_SENTENCE_END))
			ti++;
		ok = ok && ti < n && s[i].end == copy[ti].end && s[i].start < s[i].end;
		ti++;
	}
	CHECK(ok, "%s: sentences do not run from a token's start to the sentence end's end", what);
	free(copy);
	return n;
}

static void test_offsets(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	check_offsets(ctx, rich.p, rich.n, "rich text");
	check_offsets(ctx, sample, strlen(sample), "sample");
	const char *out;
	size_t n;
	/* offsets are into the original, even with decomposed letters before */
	const char *text = "ho\xCC\x80" "a 62.000 USD";
	const chu_token *t;
	CHECK(chu_tokenize(ctx, text, strlen(text), &t, &n) == CHU_OK && n == 2, "decomposed: %zu tokens", n);
	if (n == 2) {
		CHECK(t[0].start == 0 && t[0].end == 5 && t[0].kind == CHU_TOKEN_SYLLABLE, "first token [%zu, %zu)", t[0].start,
		      t[0].end);
		CHECK(t[1].start == 6 && t[1].end == strlen(text) && t[1].kind == CHU_TOKEN_MONEY &&
		          (t[1].flags & CHU_TOKEN_HAS_SPACE),
		      "money token [%zu, %zu) kind %d", t[1].start, t[1].end, t[1].kind);
		CHECK(chu_norm_span(ctx, text, t[0].start, t[0].end, &out, &n) == CHU_OK, "span");
		CHECK_STR(out, "hoà");
	}
	/* CR LF, and a zero-width space that separates tokens and belongs to none */
	text = "Một.\r\nHai\xE2\x80\x8B" "ba";
	CHECK(chu_tokenize(ctx, text, strlen(text), &t, &n) == CHU_OK && n == 4, "CRLF text: %zu tokens", n);
	if (n == 4) {
		CHECK(t[0].start == 0 && t[0].end == 5, "Một [%zu, %zu)", t[0].start, t[0].end);
		CHECK(t[1].start == 5 && t[1].end == 6 && (t[1].flags & CHU_TOKEN_SENTENCE_END), ". [%zu, %zu)", t[1].start,
		      t[1].end);
		CHECK(t[2].start == 8 && t[2].end == 11, "Hai [%zu, %zu)", t[2].start, t[2].end);
		CHECK(t[3].start == 14 && t[3].end == 16, "ba [%zu, %zu)", t[3].start, t[3].end);
	}
	const chu_span *s;
	text = "Tôi đi học. Bạn đi chơi!\nMới";
	CHECK(chu_sentences(ctx, text, strlen(text), &s, &n) == CHU_OK && n == 3, "three sentences, got %zu", n);
	if (n == 3) {
		CHECK(s[0].start == 0 && s[0].end == strlen("Tôi đi học."), "sentence 1 [%zu, %zu)", s[0].start, s[0].end);
		CHECK(s[1].start == strlen("Tôi đi học. ") && s[1].end == strlen("Tôi đi học. Bạn đi chơi!"), "sentence 2");
		CHECK(s[2].start == strlen("Tôi đi học. Bạn đi chơi!\n") && s[2].end == strlen(text), "sentence 3");
	}
	chu_ctx_free(ctx);
}

/* ---- borrowed results live until the next call of the same function ---- */

enum { R_NORM = 1, R_TOK = 2, R_FOLD = 4, R_SPAN = 8, R_SENT = 16 };

typedef struct borrowed {
	const void *p[5];
	bytes copy[5];
} borrowed;

/* Which of the results in mask no longer hold their bytes (a mask of them). */
static int changed(const borrowed *b, int mask)
{
	int bad = 0;
	for (int i = 0; i < 5; i++)
		if ((mask & 1 << i) && b->copy[i].n && memcmp(b->p[i], b->copy[i].p, b->copy[i].n) != 0)
			bad |= 1 << i;
	return bad;
}

static void test_borrowed(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	borrowed b = {{0}, {{0}}};
	const char *out;
	size_t n;
	const chu_token *t;
	const chu_span *s;
	chu_norm(ctx, rich.p, rich.n, &out, &n);
	b.p[0] = out;
	bput(&b.copy[0], out, n + 1);
	chu_tokenize(ctx, rich.p, rich.n, &t, &n);
	b.p[1] = t;
	bput(&b.copy[1], t, n * sizeof *t);
	chu_fold(ctx, rich.p, rich.n, &out, &n);
	b.p[2] = out;
	bput(&b.copy[2], out, n + 1);
	chu_norm_span(ctx, rich.p, 0, 400, &out, &n);
	b.p[3] = out;
	bput(&b.copy[3], out, n + 1);
	chu_sentences(ctx, rich.p, rich.n, &s, &n);
	b.p[4] = s;
	bput(&b.copy[4], s, n * sizeof *s);
	/* each function again on other text; the results of the others must hold */
	const char *other = "Một câu khác. Và 100 USD!\nDòng hai có đường dài hơn, Covid-19 và 14:30.";
	size_t len = strlen(other);
	int bad;
	chu_norm_span(ctx, other, 0, len, &out, &n);
	bad = changed(&b, R_NORM | R_TOK | R_FOLD | R_SENT);
	CHECK(bad == 0, "chu_norm_span changed other results (mask %d)", bad);
	chu_fold(ctx, other, len, &out, &n);
	bad = changed(&b, R_NORM | R_TOK | R_SENT);
	CHECK(bad == 0, "chu_fold changed other results (mask %d)", bad);
	chu_sentences(ctx, other, len, &s, &n);
	bad = changed(&b, R_NORM | R_TOK);
	CHECK(bad == 0, "chu_sentences changed other results (mask %d)", bad);
	chu_tokenize(ctx, other, len, &t, &n);
	bad = changed(&b, R_NORM);
	CHECK(bad == 0, "chu_tokenize changed chu_norm's result");
	/* and the other way round */
	chu_tokenize(ctx, rich.p, rich.n, &t, &n);
	b.p[1] = t;
	CHECK(n * sizeof *t == b.copy[1].n && changed(&b, R_TOK) == 0, "tokenizing again gives other tokens");
	chu_norm(ctx, other, len, &out, &n);
	chu_fold(ctx, rich.p, rich.n, &out, &n);
	chu_norm_span(ctx, rich.p, 0, rich.n, &out, &n);
	chu_sentences(ctx, rich.p, rich.n, &s, &n);
	bad = changed(&b, R_TOK);
	CHECK(bad == 0, "chu_tokenize's result changed under the other functions");
	for (int i = 0; i < 5; i++)
		bfree(&b.copy[i]);
	chu_ctx_free(ctx);
}

/* ---- folding ---- */

static void test_fold(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	static const char *const cases[][2] = {
		{"Đà Nẵng", "da nang"},
		{"ĐÀ NẴNG", "da nang"},
		{"\xC4\x90" "a\xCC\x80 Na\xCC\x86\xCC\x83ng", "da nang"}, /* decomposed */
		{"Nguyễn Thị Minh Khai", "nguyen thi minh khai"},
		{"ăâêôơư ĂÂÊÔƠƯ đĐ", "aaeoou aaeoou dd"},
		{"Hoà 62.000 USD!", "hoa 62.000 usd!"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *out = NULL;
		size_t n = 99;
		CHECK(chu_fold(ctx, cases[i][0], strlen(cases[i][0]), &out, &n) == CHU_OK && n == strlen(cases[i][1]),
		      "fold \"%s\": length %zu", cases[i][0], n);
		CHECK_STR(out, cases[i][1]);
	}
	chu_ctx_free(ctx);
}

/* ---- streams ---- */

typedef struct stopper {
	int calls, stop_at;
	uint64_t next_offset;
	bool contiguous;
} stopper;

static int stop_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	(void)piece, (void)continued;
	stopper *st = ud;
	st->contiguous = st->contiguous && offset == st->next_offset;
	st->next_offset = offset + len;
	return ++st->calls == st->stop_at;
}

static void test_stream_contract(void)
{
	stopper st = {0, 0, 0, true};
	chu_stream *s = NULL;
	CHECK(chu_stream_new(NULL, NULL, NULL, &s) == CHU_EINVAL, "a stream without a callback");
	CHECK(chu_stream_new(NULL, stop_piece, &st, NULL) == CHU_EINVAL, "a stream without out");
	CHECK(chu_stream_feed(NULL, "a", 1) == CHU_EINVAL && chu_stream_finish(NULL) == CHU_EINVAL, "NULL stream");
	CHECK(chu_stream_new(NULL, stop_piece, &st, &s) == CHU_OK, "stream");
	CHECK(chu_stream_feed(s, NULL, 3) == CHU_EINVAL, "NULL data with a length");
	CHECK(chu_stream_feed(s, NULL, 0) == CHU_OK, "NULL data without a length");
	CHECK(chu_stream_finish(s) == CHU_OK && st.calls == 0, "an empty stream delivers nothing (%d)", st.calls);
	CHECK(chu_stream_feed(s, "a", 1) == CHU_ESTATE, "feeding a finished stream");
	CHECK(chu_stream_finish(s) == CHU_ESTATE, "finishing twice");
	chu_stream_free(s);
	/* a callback that stops on the second piece */
	st = (stopper){0, 2, 0, true};
	CHECK(chu_stream_new(NULL, stop_piece, &st, &s) == CHU_OK, "stream");
	CHECK(chu_stream_feed(s, "một\nhai\nba\n", strlen("một\nhai\nba\n")) == CHU_ECALLBACK && st.calls == 2,
	      "stopping callback: %d calls", st.calls);
	CHECK(chu_stream_feed(s, "bốn\n", strlen("bốn\n")) == CHU_ECALLBACK && chu_stream_finish(s) == CHU_ECALLBACK &&
	          st.calls == 2,
	      "a stopped stream stays stopped (%d calls)", st.calls);
	chu_stream_free(s);
	/* the pieces of a text are contiguous and add up to it; the last one is delivered by finish */
	st = (stopper){0, 0, 0, true};
	chu_stream_new(NULL, stop_piece, &st, &s);
	chu_stream_feed(s, rich.p, rich.n);
	chu_stream_feed(s, "không có dòng mới", strlen("không có dòng mới"));
	int before = st.calls;
	CHECK(chu_stream_finish(s) == CHU_OK && st.calls == before + 1, "finish delivers the unfinished line");
	CHECK(st.contiguous && st.next_offset == rich.n + strlen("không có dòng mới"), "pieces are not contiguous");
	chu_stream_free(s);
}

/* ---- threads: a ctx each, the same results ---- */

typedef struct thread_job {
	const bytes *norm, *tokens, *sents; /* the reference results */
	int errors, differences;
} thread_job;

static bytes thread_text;

static void *thread_main(void *arg)
{
	thread_job *j = arg;
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) != CHU_OK) {
		j->errors++;
		return NULL;
	}
	bytes res = {0};
	for (int r = 0; r < 20; r++) {
		static const int ops[] = {OP_NORM, OP_TOK, OP_SENT};
		const bytes *want[] = {j->norm, j->tokens, j->sents};
		for (int i = 0; i < 3; i++) {
			if (run_op(ctx, ops[i], thread_text.p, thread_text.n, &res) != CHU_OK)
				j->errors++;
			else if (!bsame(&res, want[i]))
				j->differences++;
		}
	}
	bfree(&res);
	chu_ctx_free(ctx);
	return NULL;
}

static void test_threads(void)
{
	while (thread_text.n < 100000)
		bput(&thread_text, rich.p, rich.n);
	bytes norm = {0}, tokens = {0}, sents = {0};
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	run_op(ctx, OP_NORM, thread_text.p, thread_text.n, &norm);
	run_op(ctx, OP_TOK, thread_text.p, thread_text.n, &tokens);
	run_op(ctx, OP_SENT, thread_text.p, thread_text.n, &sents);
	chu_ctx_free(ctx);
	thread_job jobs[8];
	pthread_t th[8];
	int started = 0;
	for (int i = 0; i < 8; i++) {
		jobs[i] = (thread_job){&norm, &tokens, &sents, 0, 0};
		if (pthread_create(&th[i], NULL, thread_main, &jobs[i]) == 0)
			started++;
		else
			break;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	CHECK(started == 8, "started %d threads", started);
	for (int i = 0; i < started; i++)
		CHECK(jobs[i].errors == 0 && jobs[i].differences == 0, "thread %d: %d errors, %d results differ", i, jobs[i].errors,
		      jobs[i].differences);
	CHECK(norm.n > 50000 && tokens.n > 0 && sents.n > 0, "reference results");
	bfree(&norm);
	bfree(&tokens);
	bfree(&sents);
	bfree(&thread_text);
}

int main(void)
{
	make_rich();
	make_stream_text();
	test_status();
	test_options();
	test_null_arguments();
	test_strict();
	test_offsets();
	test_borrowed();
	test_fold();
	test_stream_contract();
	test_allocator_used();
	test_failing_allocator();
	test_threads();
	bfree(&rich);
	bfree(&stream_text);
	return harness_done();
}
