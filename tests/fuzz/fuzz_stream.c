/*
 * fuzz_stream.c — chu_stream fed in chunkings drawn from the input gives the pieces it gives
 * when fed whole.
 *
 * Input: a seed byte for the chunk sizes, a mode byte, then the text. The mode may repeat the
 * text past 64 KiB (mode & 0xE0 = 0x40: the soft cut after white space) or past 1 MiB + 32 KiB
 * (mode & 0xF8 = 0xF8: the hard cuts), so that the long-line rules are reached too; the low six
 * bits pick the piece at which a stopping callback stops. Checks, for the whole feed and two chunkings (chunks
 * of 1 byte to 64 KiB, and 1-byte chunks for short texts):
 *  - pieces are non-empty, their offsets follow one another, their bytes are the input's, and
 *    together they are the whole input;
 *  - a piece holds a LF only as its last byte; a piece that is not continued ends with a LF
 *    or is the last; no piece is longer than 1 MiB + 32 KiB + 3 bytes;
 *  - every chunking gives the same pieces (offsets, lengths, continued flags);
 *  - a callback that stops makes feed or finish return CHU_ECALLBACK, and the stream keeps
 *    returning it; feeding after finish is CHU_ESTATE.
 */
#include "fuzz.h"

#define MAX_PIECE ((size_t)1024 * 1024 + 32 * 1024 + 3)

typedef struct piece {
	uint64_t offset;
	size_t len;
	int continued;
} piece;

typedef struct run {
	const char *text; /* the whole input, to compare the pieces' bytes with */
	size_t len;
	piece *p;
	size_t n, cap;
	size_t stop_at; /* return non-zero on this piece (SIZE_MAX: never) */
} run;

static int on_piece(void *ud, const char *bytes, size_t len, uint64_t offset, int continued)
{
	run *r = ud;
	uint64_t expect = r->n ? r->p[r->n - 1].offset + r->p[r->n - 1].len : 0;
	FUZZ_CHECK(len > 0, "piece %zu is empty", r->n);
	FUZZ_CHECK(offset == expect, "piece %zu at offset %llu, expected %llu", r->n, (unsigned long long)offset,
	           (unsigned long long)expect);
	FUZZ_CHECK(offset + len <= r->len && memcmp(bytes, r->text + offset, len) == 0,
	           "piece %zu [%llu, +%zu) is not the input's bytes", r->n, (unsigned long long)offset, len);
	FUZZ_CHECK(len <= MAX_PIECE, "piece %zu has %zu bytes", r->n, len);
	const char *lf = memchr(bytes, '\n', len);
	FUZZ_CHECK(!lf || lf == bytes + len - 1, "piece %zu holds a LF at %zu of %zu", r->n, (size_t)(lf - bytes), len);
	FUZZ_CHECK(!continued || !lf, "piece %zu ends with a LF but is continued", r->n);
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		piece *p = realloc(r->p, cap * sizeof *p);
		if (!p)
			abort();
		r->p = p, r->cap = cap;
	}
	r->p[r->n++] = (piece){offset, len, continued != 0};
	return r->n - 1 == r->stop_at;
}

/* Feeds text in chunks (sizes from seed; 0: whole, 1: one byte each) and checks the pieces. */
static void feed(run *r, const char *text, size_t len, unsigned seed, int how)
{
	chu_stream *s = NULL;
	if (chu_stream_new(NULL, on_piece, r, &s) != CHU_OK)
		abort();
	uint32_t x = seed * 2654435761u + 1;
	int rc = CHU_OK;
	for (size_t i = 0; i < len && rc == CHU_OK;) {
		size_t k = len - i;
		if (how == 1) {
			k = 1;
		} else if (how == 2) {
			x = x * 1103515245u + 12345u;
			unsigned bits = (x >> 16) % 17; /* 1 byte .. 64 KiB, small sizes as likely as big */
			if (len > 4096 && bits < 8)
				bits += 8; /* a long text in chunks of 256 bytes and more, to keep runs fast */
			size_t want = ((size_t)1 << bits) + (x >> 8) % ((size_t)1 << bits);
			k = want < k ? want : k;
		}
		rc = chu_stream_feed(s, text + i, k);
		i += k;
	}
	if (rc == CHU_OK)
		rc = chu_stream_finish(s);
	if (r->stop_at != SIZE_MAX && r->n > r->stop_at) {
		FUZZ_CHECK(rc == CHU_ECALLBACK, "a stopping callback, then %s", chu_strerror(rc));
		FUZZ_CHECK(chu_stream_feed(s, "x", 1) == CHU_ECALLBACK && chu_stream_finish(s) == CHU_ECALLBACK,
		           "a stopped stream does not keep CHU_ECALLBACK");
	} else {
		FUZZ_CHECK(rc == CHU_OK, "feed/finish: %s", chu_strerror(rc));
		FUZZ_CHECK(chu_stream_feed(s, "x", 1) == CHU_ESTATE, "feeding a finished stream is not CHU_ESTATE");
		uint64_t total = r->n ? r->p[r->n - 1].offset + r->p[r->n - 1].len : 0;
		FUZZ_CHECK(total == len, "pieces make %llu bytes of %zu", (unsigned long long)total, len);
		for (size_t i = 0; i + 1 < r->n; i++)
			FUZZ_CHECK(r->p[i].continued || r->text[r->p[i].offset + r->p[i].len - 1] == '\n',
			           "piece %zu of %zu neither ends with a LF nor is continued", i, r->n);
	}
	chu_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_input in = {data, size};
	unsigned seed = fuzz_byte(&in), mode = fuzz_byte(&in);
	const char *text = (const char *)in.p;
	size_t len = in.n;
	char *big = NULL;
	if (len > 0 && ((mode & 0xE0) == 0x40 || (mode & 0xF8) == 0xF8)) {
		/* the text repeated past the soft limit (64 KiB), or, less often (it is slow), past the
		 * hard one (1 MiB + 32 KiB) */
		size_t want = (mode & 0xF8) == 0xF8 ? MAX_PIECE + 4096 : 70 * 1024;
		big = malloc(want + len);
		if (!big)
			return 0;
		size_t n = 0;
		while (n < want) {
			memcpy(big + n, text, len);
			n += len;
		}
		text = big, len = n;
	}
	run whole = {text, len, NULL, 0, 0, SIZE_MAX};
	feed(&whole, text, len, seed, 0);
	for (int how = 1; how <= 2; how++) {
		if (how == 1 && len > 4096)
			continue; /* a byte at a time: short texts only, to keep runs fast */
		run r = {text, len, NULL, 0, 0, SIZE_MAX};
		feed(&r, text, len, seed, how);
		FUZZ_CHECK(r.n == whole.n, "chunking %d (seed %u): %zu pieces, %zu when fed whole", how, seed, r.n, whole.n);
		for (size_t i = 0; i < r.n; i++)
			FUZZ_CHECK(r.p[i].offset == whole.p[i].offset && r.p[i].len == whole.p[i].len &&
			               r.p[i].continued == whole.p[i].continued,
			           "chunking %d (seed %u): piece %zu is {%llu, %zu, %d}, fed whole {%llu, %zu, %d}", how, seed, i,
			           (unsigned long long)r.p[i].offset, r.p[i].len, r.p[i].continued,
			           (unsigned long long)whole.p[i].offset, whole.p[i].len, whole.p[i].continued);
		free(r.p);
	}
	/* a callback that stops at one of the pieces (short texts: a long one costs a feed more) */
	if (whole.n > 0 && len <= 4096) {
		run r = {text, len, NULL, 0, 0, (size_t)(mode & 0x3F) % whole.n};
		feed(&r, text, len, seed, 2);
		free(r.p);
	}
	free(whole.p);
	free(big);
	return 0;
}
