/*
 * fuzz_clean.c — chu_clean on any bytes.
 *
 * Checks: every change lies inside the input (start ≤ end ≤ length), has a known action and a
 * reason, an insertion (CHU_CLEAN_SPACE) is empty, and the changes come in input order without
 * overlapping; the text is NUL-terminated, and — since cleaning only drops bytes, restores
 * spaces and keeps line breaks — the text without its spaces is a subsequence of the input
 * without its spaces; well-formed UTF-8 stays well-formed.
 */
#include "fuzz.h"

/* Is a (spaces skipped) a subsequence of b (spaces skipped)? */
static bool subsequence(const char *a, size_t na, const char *b, size_t nb)
{
	size_t j = 0;
	for (size_t i = 0; i < na; i++) {
		if (a[i] == ' ')
			continue;
		while (j < nb && (b[j] == ' ' || b[j] != a[i]))
			j++;
		if (j == nb)
			return false;
		j++;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static chu_ctx *ctx;
	if (!ctx)
		ctx = fuzz_ctx(0);
	const char *text = (const char *)data;
	const char *out = NULL;
	size_t out_len = 0, n = 0;
	const chu_clean_change *c = NULL;
	int rc = chu_clean(ctx, text, size, &out, &out_len, &c, &n);
	if (rc == CHU_ENOMEM)
		return 0;
	FUZZ_CHECK(rc == CHU_OK, "chu_clean: %s", chu_strerror(rc));
	FUZZ_CHECK(out && out[out_len] == '\0', "the text is not NUL-terminated");
	size_t prev_end = 0;
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(c[i].start <= c[i].end && c[i].end <= size, "change %zu [%zu, %zu) of input %zu", i, c[i].start,
		           c[i].end, size);
		FUZZ_CHECK(c[i].action >= CHU_CLEAN_DROP_LINE && c[i].action <= CHU_CLEAN_SPACE && c[i].reason,
		           "change %zu: action %d, reason %p", i, (int)c[i].action, (const void *)c[i].reason);
		FUZZ_CHECK(c[i].action != CHU_CLEAN_SPACE || c[i].start == c[i].end, "change %zu: an insertion of %zu bytes",
		           i, c[i].end - c[i].start);
		FUZZ_CHECK(c[i].start >= prev_end, "change %zu (%s) [%zu, %zu) before the previous one's end %zu", i,
		           c[i].reason, c[i].start, c[i].end, prev_end);
		prev_end = c[i].end;
	}
	FUZZ_CHECK(subsequence(out, out_len, text, size), "the text has bytes the input does not");
	if (fuzz_utf8_valid(text, size))
		FUZZ_CHECK(fuzz_utf8_valid(out, out_len), "UTF-8 input, the text is not UTF-8");
	return 0;
}
