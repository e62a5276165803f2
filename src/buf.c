/*
 * buf.c — the growable byte buffer and the default allocator.
 */
#include "internal.h"

#include <stdlib.h>

static void *default_malloc(void *ud, size_t n) { CHU_UNUSED(ud); return malloc(n); }
static void *default_realloc(void *ud, void *p, size_t n) { CHU_UNUSED(ud); return realloc(p, n); }
static void default_free(void *ud, void *p) { CHU_UNUSED(ud); free(p); }

const chu_allocator chu__default_allocator = {default_malloc, default_realloc, default_free, NULL};

void chu__buf_init(chu__buf *b, const chu_allocator *a)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->alloc = a;
}

void chu__buf_free(chu__buf *b)
{
	chu__free(b->alloc, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void chu__buf_reserve(int *rc, chu__buf *b, size_t extra)
{
	if (*rc < 0)
		return;
	if (extra > SIZE_MAX / 2 - b->len - 1) {
		*rc = CHU_ENOMEM;
		return;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = chu__realloc(b->alloc, b->data, cap);
	if (!p) {
		*rc = CHU_ENOMEM;
		return;
	}
	b->data = p;
	b->cap = cap;
}

void chu__buf_put_slow(int *rc, chu__buf *b, const void *data, size_t n)
{
	chu__buf_reserve(rc, b, n);
	if (*rc < 0)
		return;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void chu__buf_put_cp(int *rc, chu__buf *b, int32_t cp)
{
	char tmp[4];
	int n = chu__utf8_encode(cp, tmp);
	chu__buf_put(rc, b, tmp, (size_t)n);
}
