/*
 * fuzz.h — what the libFuzzer harnesses of tests/fuzz share: a failed invariant that crashes
 * with a message, a reader that takes option bytes off the front of an input, a strict UTF-8
 * check, and the committed models found from the repository (loaded once, kept for the run).
 *
 * Each harness is one file, fuzz_<target>.c, defining LLVMFuzzerTestOneInput. A harness never
 * trusts the library: every contract it checks is written in include/chu.h, and a broken one is
 * a crash (abort) that libFuzzer saves as a reproducer.
 */
#ifndef CHU_FUZZ_H
#define CHU_FUZZ_H

#include "chu.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CHU_REPO
#define CHU_REPO "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz: invariant broken: …" on stderr and aborts, so libFuzzer keeps the input. */
static void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn, unused));
static void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* Checks an invariant; the message says which and with what values. */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                           \
		if (!(cond))                                                                               \
			fuzz_fail(__VA_ARGS__);                                                                \
	} while (0)

/* The bytes of one input, read from the front: option bytes first, the text the rest. */
typedef struct fuzz_input {
	const uint8_t *p;
	size_t n;
} fuzz_input;

/* The next byte (0 once the input is used up). */
static inline unsigned fuzz_byte(fuzz_input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* Is s[0..n) well-formed UTF-8 (shortest forms, no surrogates, at most U+10FFFF)? */
static inline bool fuzz_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len;
		uint32_t v;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			len = 2, v = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3, v = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4, v = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			v = v << 6 | (p[i + k] & 0x3F);
		}
		if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/* A committed model, models/<name>, opened on first use and kept until the process ends. The
 * repository is $CHU_REPO when set, else the one the harness was built in. A missing model is a
 * setup error: the harness says so and exits, it does not pretend to have fuzzed. */
static chu_model *fuzz_model(const char *name) __attribute__((unused));
static chu_model *fuzz_model(const char *name)
{
	const char *repo = getenv("CHU_REPO");
	char path[4096];
	snprintf(path, sizeof path, "%s/models/%s", repo && *repo ? repo : CHU_REPO, name);
	chu_model *m = NULL;
	int rc = chu_model_open(path, &m);
	if (rc != CHU_OK) {
		fprintf(stderr, "fuzz: cannot open %s: %s\n", path, chu_strerror(rc));
		exit(2);
	}
	return m;
}

/* A ctx with the given tone style; a harness makes one per style and keeps it. */
static chu_ctx *fuzz_ctx(int tone) __attribute__((unused));
static chu_ctx *fuzz_ctx(int tone)
{
	chu_options o;
	chu_options_init(&o);
	o.tone = tone ? CHU_TONE_OLD : CHU_TONE_NEW;
	chu_ctx *ctx = NULL;
	if (chu_ctx_new(&o, &ctx) != CHU_OK) {
		fprintf(stderr, "fuzz: chu_ctx_new failed\n");
		exit(2);
	}
	return ctx;
}

/* Checks a list of chu_token against its text: each within [0, len), non-empty, in order and not
 * overlapping the one before; a known kind; the reserved field zero. */
static void fuzz_check_tokens(const chu_token *t, size_t n, size_t len) __attribute__((unused));
static void fuzz_check_tokens(const chu_token *t, size_t n, size_t len)
{
	size_t prev_end = 0;
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(t[i].start < t[i].end && t[i].end <= len, "token %zu [%zu, %zu) of input %zu", i, t[i].start,
		           t[i].end, len);
		FUZZ_CHECK(t[i].start >= prev_end, "token %zu starts at %zu before the previous end %zu", i, t[i].start,
		           prev_end);
		FUZZ_CHECK(t[i].kind >= CHU_TOKEN_SYLLABLE && t[i].kind < CHU_TOKEN_KIND_MAX, "token %zu kind %u", i,
		           (unsigned)t[i].kind);
		FUZZ_CHECK(t[i].reserved == 0, "token %zu reserved %u", i, (unsigned)t[i].reserved);
		prev_end = t[i].end;
	}
}

#endif /* CHU_FUZZ_H */
