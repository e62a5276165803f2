/*
 * test_robust.c — pathological input (cmark's pathological tests are the model): every byte
 * value, invalid UTF-8, random bytes, a 50 MB line, 100,000 combining marks, and the same input
 * fed whole, in one-byte chunks and in random chunks. Nothing may crash, memory stays bounded,
 * and the results are the same however the input was fed.
 */
#include "harness.h"
#include "internal.h"

#include <stdint.h>

static bool valid_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (cp < 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

static int count_key(void *ud, const char *key, size_t len, size_t start, size_t end, int colocated)
{
	(void)key, (void)colocated;
	size_t *n = ud;
	(*n)++;
	return len == 0 || start >= end; /* a key is never empty and always covers bytes */
}

/* Runs every text function on buf and checks the results' basic invariants. */
static void check_all(chu_ctx *ctx, const char *buf, size_t n, const char *what)
{
	const char *out;
	size_t m;
	int rc = chu_norm(ctx, buf, n, &out, &m);
	CHECK(rc == CHU_OK && valid_utf8(out, m) && strlen(out) == m, "%s: norm", what);
	rc = chu_fold(ctx, buf, n, &out, &m);
	CHECK(rc == CHU_OK && valid_utf8(out, m), "%s: fold", what);
	const chu_token *t;
	size_t nt;
	rc = chu_tokenize(ctx, buf, n, &t, &nt);
	bool ok = rc == CHU_OK;
	for (size_t i = 0; i < nt && ok; i++)
		ok = t[i].start < t[i].end && t[i].end <= n && (i == 0 || t[i].start >= t[i - 1].end) && t[i].kind > 0 &&
		     t[i].kind < CHU_TOKEN_KIND_MAX;
	CHECK(ok, "%s: tokens", what);
	const chu_span *s;
	size_t ns;
	rc = chu_sentences(ctx, buf, n, &s, &ns);
	ok = rc == CHU_OK;
	for (size_t i = 0; i < ns && ok; i++)
		ok = s[i].start < s[i].end && s[i].end <= n && (i == 0 || s[i].start >= s[i - 1].end);
	CHECK(ok, "%s: sentences", what);
	const chu_clean_change *ch;
	size_t nch;
	rc = chu_clean(ctx, buf, n, &out, &m, &ch, &nch);
	CHECK(rc == CHU_OK && m <= n + n / 2 + 1, "%s: clean", what);
	size_t keys = 0;
	rc = chu_search_keys(ctx, NULL, buf, n, 0, count_key, &keys);
	CHECK(rc == CHU_OK, "%s: search keys", what);
	rc = chu_search_keys(ctx, NULL, buf, n, CHU_SEARCH_QUERY, count_key, &keys);
	CHECK(rc == CHU_OK, "%s: query keys", what);
}

static uint64_t rng = 0x1234567;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void test_bytes(chu_ctx *ctx)
{
	char one[1], all[256];
	for (int b = 0; b < 256; b++) {
		one[0] = (char)b;
		all[b] = (char)b;
		check_all(ctx, one, 1, "one byte");
	}
	check_all(ctx, all, 256, "all bytes");
	/* invalid UTF-8 one U+FFFD per bad byte, strict mode names the first */
	const char *bad = "ab\xE1\xBA" "c\xF8\x88\x80\x80\x80" "d\xED\xA0\x80";
	const char *out;
	size_t m;
	chu_norm(ctx, bad, strlen(bad), &out, &m);
	int repl = 0;
	for (size_t i = 0; i + 2 < m; i++)
		repl += memcmp(out + i, "\xEF\xBF\xBD", 3) == 0;
	CHECK(repl == 2 + 5 + 3, "U+FFFD count %d", repl);
	chu_options o;
	chu_options_init(&o);
	o.strict = 1;
	chu_ctx *strict;
	chu_ctx_new(&o, &strict);
	CHECK(chu_norm(strict, bad, strlen(bad), &out, &m) == CHU_EUTF8 && chu_error_offset(strict) == 2, "strict offset %zu",
	      chu_error_offset(strict));
	chu_ctx_free(strict);
	for (int round = 0; round < 2000; round++) {
		char buf[512];
		size_t n = next() % sizeof buf;
		for (size_t i = 0; i < n; i++) {
			uint32_t r = next();
			/* a mix of ASCII, UTF-8 lead and continuation bytes and Vietnamese letters */
			buf[i] = (char)((r & 3) == 0 ? 0x80 | (r >> 8 & 0x3F) : (r & 3) == 1 ? 0xC0 | (r >> 8 & 0x3F) : r >> 8);
		}
		check_all(ctx, buf, n, "random bytes");
	}
}

static void test_marks(chu_ctx *ctx)
{
	/* 100,000 combining marks after one letter: same class, then alternating classes */
	for (int alt = 0; alt < 2; alt++) {
		size_t n = 1 + 100000 * 2;
		char *buf = malloc(n + 1);
		buf[0] = 'a';
		for (size_t i = 0; i < 100000; i++) {
			const char *mark = alt && (i & 1) ? "\xCC\xA3" : "\xCC\x81"; /* U+0323 / U+0301 */
			memcpy(buf + 1 + 2 * i, mark, 2);
		}
		check_all(ctx, buf, n, alt ? "alternating marks" : "100000 marks");
		free(buf);
	}
}

/* ---- streams: the same pieces however the input is fed ---- */

typedef struct collected {
	chu__buf log; /* "offset:len:continued;" for each piece, then its bytes */
	size_t max_piece;
} collected;

static int collect(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	collected *c = ud;
	int rc = CHU_OK;
	char head[64];
	int k = snprintf(head, sizeof head, "%llu:%zu:%d;", (unsigned long long)offset, len, continued);
	chu__buf_put(&rc, &c->log, head, (size_t)k);
	chu__buf_put(&rc, &c->log, piece, len);
	if (len > c->max_piece)
		c->max_piece = len;
	return rc < 0;
}

static void feed(const char *text, size_t n, int mode, collected *c)
{
	chu__buf_init(&c->log, &chu__default_allocator);
	c->max_piece = 0;
	chu_stream *s;
	chu_stream_new(NULL, collect, c, &s);
	size_t i = 0;
	while (i < n) {
		size_t k = mode == 0 ? n : mode == 1 ? 1 : 1 + next() % 70000;
		if (k > n - i)
			k = n - i;
		chu_stream_feed(s, text + i, k);
		i += k;
	}
	chu_stream_finish(s);
	chu_stream_free(s);
}

static void test_streams(void)
{
	/* short lines, a 200 KB line with spaces, a 1.5 MB line without, multi-byte letters everywhere */
	chu__buf t;
	chu__buf_init(&t, &chu__default_allocator);
	int rc = CHU_OK;
	for (int i = 0; i < 300; i++)
		chu__buf_put(&rc, &t, "Hội nghị về bình đẳng giới.\n", strlen("Hội nghị về bình đẳng giới.\n"));
	for (int i = 0; i < 20000; i++)
		chu__buf_put(&rc, &t, "phụ nữ ", strlen("phụ nữ "));
	chu__buf_putc(&rc, &t, '\n');
	for (int i = 0; i < 300000; i++)
		chu__buf_put(&rc, &t, "ệ\xCC\x81", 5); /* letters with marks, no white space */
	chu__buf_put(&rc, &t, "\nkết thúc", strlen("\nkết thúc"));
	collected whole, bytes, random;
	feed(t.data, t.len, 0, &whole);
	feed(t.data, t.len, 1, &bytes);
	feed(t.data, t.len, 2, &random);
	CHECK(whole.log.len == bytes.log.len && memcmp(whole.log.data, bytes.log.data, whole.log.len) == 0,
	      "one-byte feeding gives other pieces");
	CHECK(whole.log.len == random.log.len && memcmp(whole.log.data, random.log.data, whole.log.len) == 0,
	      "random-chunk feeding gives other pieces");
	CHECK(whole.max_piece <= (1u << 20) + 65536, "a piece of %zu bytes", whole.max_piece);
	/* no piece starts with a combining mark or inside a character */
	chu__buf_free(&whole.log);
	chu__buf_free(&bytes.log);
	chu__buf_free(&random.log);
	chu__buf_free(&t);
}

typedef struct big {
	chu_ctx *ctx;
	size_t pieces, max_piece, tokens;
	int bad;
} big;

static int big_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	big *b = ud;
	(void)offset;
	(void)continued;
	b->pieces++;
	if (len > b->max_piece)
		b->max_piece = len;
	const char *out;
	size_t m;
	const chu_token *t;
	size_t nt;
	if (chu_norm(b->ctx, piece, len, &out, &m) != CHU_OK || chu_tokenize(b->ctx, piece, len, &t, &nt) != CHU_OK)
		b->bad++;
	b->tokens += nt;
	return 0;
}

static size_t peak_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = (size_t)strtoul(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static void test_big_line(void)
{
	size_t total = getenv("CHU_ASAN") ? (8u << 20) : (50u << 20);
	char chunk[65536];
	const char *word = "Việt Nam ";
	size_t wl = strlen(word);
	for (size_t i = 0; i < sizeof chunk; i++)
		chunk[i] = word[i % wl];
	big b = {0};
	chu_ctx_new(NULL, &b.ctx);
	chu_stream *s;
	chu_stream_new(NULL, big_piece, &b, &s);
	size_t before = peak_kb();
	for (size_t fed = 0; fed < total; fed += sizeof chunk - sizeof chunk % wl)
		chu_stream_feed(s, chunk, sizeof chunk - sizeof chunk % wl);
	chu_stream_finish(s);
	chu_stream_free(s);
	size_t after = peak_kb();
	CHECK(b.bad == 0, "%d pieces failed", b.bad);
	CHECK(b.max_piece <= (1u << 20) + 65536, "piece of %zu bytes", b.max_piece);
	CHECK(b.tokens > total / 10, "only %zu tokens", b.tokens);
	if (!getenv("CHU_ASAN"))
		CHECK(after - before < 64 * 1024, "a %zu MB line raised peak memory by %zu KB", total >> 20, after - before);
	chu_ctx_free(b.ctx);
}

int main(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	test_bytes(ctx);
	test_marks(ctx);
	chu_ctx_free(ctx);
	test_streams();
	test_big_line();
	return harness_done();
}
