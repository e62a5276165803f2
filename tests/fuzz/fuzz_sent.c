/*
 * fuzz_sent.c — chu_sentences on any bytes, against chu_tokenize of the same bytes.
 *
 * Checks: sentences are non-empty, inside the input, in order and not overlapping; each runs from
 * a token's start to a token's end, and together they are exactly the runs of tokens that
 * chu_tokenize closes with CHU_TOKEN_SENTENCE_END, so every token is in one sentence; no sentence
 * holds a line feed (a line break always ends a sentence).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static chu_ctx *ctx;
	if (!ctx)
		ctx = fuzz_ctx(0);
	const char *text = (const char *)data;
	const chu_span *s = NULL;
	size_t ns = 0;
	int rc = chu_sentences(ctx, text, size, &s, &ns);
	if (rc == CHU_ENOMEM)
		return 0;
	FUZZ_CHECK(rc == CHU_OK, "chu_sentences: %s", chu_strerror(rc));
	size_t prev_end = 0;
	for (size_t i = 0; i < ns; i++) {
		FUZZ_CHECK(s[i].start < s[i].end && s[i].end <= size, "sentence %zu [%zu, %zu) of input %zu", i, s[i].start,
		           s[i].end, size);
		FUZZ_CHECK(s[i].start >= prev_end, "sentence %zu starts at %zu before the previous end %zu", i, s[i].start,
		           prev_end);
		FUZZ_CHECK(memchr(text + s[i].start, '\n', s[i].end - s[i].start) == NULL, "sentence %zu [%zu, %zu) holds a LF",
		           i, s[i].start, s[i].end);
		prev_end = s[i].end;
	}

	/* sentences cover tokens: walk the tokens (the ctx keeps them apart from the sentences) */
	const chu_token *t = NULL;
	size_t nt = 0;
	if (chu_tokenize(ctx, text, size, &t, &nt) != CHU_OK)
		return 0;
	size_t k = 0, first = SIZE_MAX;
	for (size_t i = 0; i < nt; i++) {
		if (first == SIZE_MAX)
			first = i;
		if (t[i].flags & CHU_TOKEN_SENTENCE_END) {
			FUZZ_CHECK(k < ns, "tokens make more sentences than the %zu chu_sentences gives", ns);
			FUZZ_CHECK(s[k].start == t[first].start && s[k].end == t[i].end,
			           "sentence %zu is [%zu, %zu), its tokens [%zu, %zu)", k, s[k].start, s[k].end, t[first].start,
			           t[i].end);
			k++;
			first = SIZE_MAX;
		}
	}
	FUZZ_CHECK(first == SIZE_MAX, "tokens from %zu on are in no sentence", first);
	FUZZ_CHECK(k == ns, "%zu sentences from the tokens, %zu from chu_sentences", k, ns);
	return 0;
}
