/*
 * stream.c — cutting an input of any size into pieces, the same pieces however it is fed.
 * See chu_stream_new() in chu.h for where the cuts fall.
 */
#include "internal.h"

#define SOFT_LIMIT (64u * 1024u)   /* past this, cut after the next run of white space */
#define HARD_LIMIT (1024u * 1024u) /* past this, cut before the next character that is not a mark */
#define HARD_SLACK (32u * 1024u)   /* and this much further, before any character or stray byte */

struct chu_stream {
	chu_allocator alloc;
	chu_piece_fn fn;
	void *ud;
	chu__buf pending;  /* bytes of the current piece not yet delivered */
	uint64_t offset;   /* offset of pending.data[0] in the whole input */
	size_t scanned;    /* bytes of pending already examined for a cut */
	int state;         /* 0 open, 1 finished, <0 a sticky error */
};

int chu_stream_new(const chu_allocator *allocator, chu_piece_fn fn, void *ud, chu_stream **out)
{
	if (!out || !fn)
		return CHU_EINVAL;
	*out = NULL;
	const chu_allocator *a = allocator ? allocator : &chu__default_allocator;
	chu_stream *s = a->malloc(a->ud, sizeof *s);
	if (!s)
		return CHU_ENOMEM;
	memset(s, 0, sizeof *s);
	s->alloc = *a;
	s->fn = fn;
	s->ud = ud;
	chu__buf_init(&s->pending, &s->alloc);
	*out = s;
	return CHU_OK;
}

void chu_stream_free(chu_stream *s)
{
	if (!s)
		return;
	chu__buf_free(&s->pending);
	chu_allocator a = s->alloc;
	a.free(a.ud, s);
}

static bool is_space_byte(unsigned char c) { return c == ' ' || c == '\t'; }

/* Does the continuation byte p[i] belong to the character of a lead byte in the 3 bytes before
 * it (from head on)? If not, it is a stray byte, a character (U+FFFD) of its own. */
static bool inside_char(const unsigned char *p, size_t head, size_t i)
{
	for (size_t j = i, back = 1; j > head && back <= 3; back++) {
		unsigned c = p[--j];
		if ((c & 0xC0) == 0x80)
			continue;
		size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		return len > back;
	}
	return false;
}

/* Is pending[i] the start of a character that is not a combining mark (any character when
 * marks_too)? 1 yes, 0 no, -1 when the character is not complete yet. */
static int boundary_at(const chu__buf *b, size_t head, size_t i, bool marks_too)
{
	const unsigned char *p = (const unsigned char *)b->data;
	if ((p[i] & 0xC0) == 0x80)
		return marks_too && !inside_char(p, head, i);
	if (marks_too)
		return 1;
	int32_t cp;
	size_t avail = b->len - i;
	if (p[i] >= 0x80) {
		/* need the whole character to classify it */
		size_t need = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
		if (avail < need)
			return -1;
	}
	chu__utf8_decode(p + i, avail, &cp);
	return chu__char_class(cp) != CHU__C_MARK;
}

/* Delivers pending[head, head + n) and moves head past it. */
static int deliver(chu_stream *s, size_t head, size_t n, int continued)
{
	int r = s->fn(s->ud, s->pending.data + head, n, s->offset, continued);
	s->offset += n;
	return r ? CHU_ECALLBACK : CHU_OK;
}

/* Delivers every complete piece in pending, then moves what is left to the front. */
static int cut(chu_stream *s)
{
	const unsigned char *p = (const unsigned char *)s->pending.data;
	size_t n = s->pending.len, head = 0, i = s->scanned;
	int rc = CHU_OK;
	while (i < n) {
		size_t at = 0, pos = i - head; /* pos: offset within the current piece */
		int continued = 0;
		if (p[i] == '\n') {
			at = i + 1;
		} else if (pos >= SOFT_LIMIT && pos > 0 && !is_space_byte(p[i]) && is_space_byte(p[i - 1])) {
			at = i;
			continued = 1;
		} else if (pos >= HARD_LIMIT) {
			int b = boundary_at(&s->pending, head, i, pos >= HARD_LIMIT + HARD_SLACK);
			if (b < 0)
				break; /* the character at i is not complete yet */
			if (b) {
				at = i;
				continued = 1;
			}
		}
		if (at) {
			rc = deliver(s, head, at - head, continued);
			head = at;
			if (rc < 0)
				break;
			if (continued)
				continue; /* i is the first byte of the next piece: examine it there */
		}
		i++;
	}
	memmove(s->pending.data, s->pending.data + head, n - head);
	s->pending.len = n - head;
	s->scanned = i - head;
	return rc;
}

int chu_stream_feed(chu_stream *s, const void *data, size_t len)
{
	if (!s || (!data && len))
		return CHU_EINVAL;
	if (s->state < 0)
		return s->state;
	if (s->state)
		return CHU_ESTATE;
	const char *d = data;
	while (len) {
		/* feed at most 64 KiB at a time so pending stays bounded */
		size_t k = len < SOFT_LIMIT ? len : SOFT_LIMIT;
		int rc = CHU_OK;
		chu__buf_put(&rc, &s->pending, d, k);
		if (rc >= 0)
			rc = cut(s);
		if (rc < 0)
			return s->state = rc;
		d += k;
		len -= k;
	}
	return CHU_OK;
}

int chu_stream_finish(chu_stream *s)
{
	if (!s)
		return CHU_EINVAL;
	if (s->state < 0)
		return s->state;
	if (s->state)
		return CHU_ESTATE;
	s->state = 1;
	if (s->pending.len) {
		int rc = deliver(s, 0, s->pending.len, 0);
		s->pending.len = 0;
		if (rc < 0)
			return s->state = rc;
	}
	return CHU_OK;
}
