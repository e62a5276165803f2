/*
 * bytes.h — a growable byte buffer of the tests' own, independent of the library's.
 */
#ifndef CHU_TEST_BYTES_H
#define CHU_TEST_BYTES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bytes {
	char *p;
	size_t n, cap;
} bytes;

/* Appends n bytes (kept NUL-terminated); out of memory ends the test program with status 2. */
static inline void bput(bytes *b, const void *data, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q) {
			fprintf(stderr, "test: out of memory\n");
			exit(2);
		}
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static inline void bputs(bytes *b, const char *s) { bput(b, s, strlen(s)); }

static inline void bfree(bytes *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

#endif
