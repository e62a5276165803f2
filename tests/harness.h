/*
 * harness.h — the smallest test harness that does the job: CHECK counts a pass or prints the
 * failure with its place; harness_done() prints "N passed, N failed" and returns the exit code.
 * Each test program includes it once.
 */
#ifndef CHU_HARNESS_H
#define CHU_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_passed, harness_failed, harness_skipped;

/* The bytes of a file (one spare byte after them) and their count, or NULL. */
static inline unsigned char *harness_read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*n = len >= 0 ? (size_t)len : 0;
	return b;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                           \
		if (cond) {                                                                                \
			harness_passed++;                                                                      \
		} else {                                                                                   \
			harness_failed++;                                                                      \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
			fprintf(stderr, __VA_ARGS__);                                                          \
			fputc('\n', stderr);                                                                   \
		}                                                                                          \
	} while (0)

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                           \
		const char *harness_g = (got), *harness_w = (want);                                        \
		CHECK(harness_g && strcmp(harness_g, harness_w) == 0, "got \"%s\", want \"%s\"",            \
		      harness_g ? harness_g : "(null)", harness_w);                                        \
	} while (0)

/* Counts a skipped group and says why (a test that needs ../shared when it is absent). */
static inline void harness_skip(const char *why)
{
	harness_skipped++;
	printf("skip: %s\n", why);
}

static inline int harness_done(void)
{
	printf("%d passed, %d failed, %d skipped\n", harness_passed, harness_failed, harness_skipped);
	return harness_failed ? 1 : 0;
}

#endif
