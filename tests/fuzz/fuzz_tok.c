/*
 * fuzz_tok.c — chu_tokenize on any bytes.
 *
 * Checks: every token is non-empty and inside the input, tokens come in order and do not overlap;
 * kinds are known and named; only the two documented flags are used, and CHU_TOKEN_HAS_SPACE is
 * set on every token whose bytes hold a space or tab (the flag says white space may be inside);
 * the last token ends a sentence (so chu_sentences loses none); tokenizing the same bytes twice
 * gives the same tokens; a line break is a hard border: the tokens of "A\nB" are those of A, then
 * those of B moved by the length of A plus one.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static chu_ctx *ctx;
	if (!ctx)
		ctx = fuzz_ctx(0);
	const char *text = (const char *)data;
	const chu_token *t = NULL;
	size_t n = 0;
	int rc = chu_tokenize(ctx, text, size, &t, &n);
	if (rc == CHU_ENOMEM)
		return 0;
	FUZZ_CHECK(rc == CHU_OK, "chu_tokenize: %s", chu_strerror(rc));
	fuzz_check_tokens(t, n, size);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK((t[i].flags & ~(unsigned)(CHU_TOKEN_SENTENCE_END | CHU_TOKEN_HAS_SPACE)) == 0,
		           "token %zu: unknown flags %#x", i, (unsigned)t[i].flags);
		FUZZ_CHECK(strcmp(chu_token_kind_name(t[i].kind), "?") != 0, "token %zu: kind %u has no name", i,
		           (unsigned)t[i].kind);
		bool space = false;
		for (size_t k = t[i].start; k < t[i].end; k++)
			space |= text[k] == ' ' || text[k] == '\t';
		FUZZ_CHECK(!space || (t[i].flags & CHU_TOKEN_HAS_SPACE), "token %zu [%zu, %zu) holds a space, no HAS_SPACE", i,
		           t[i].start, t[i].end);
	}
	if (n > 0)
		FUZZ_CHECK(t[n - 1].flags & CHU_TOKEN_SENTENCE_END, "the last token (%zu of %zu) ends no sentence", n - 1, n);

	/* the same bytes again: the same tokens */
	chu_token *copy = malloc(n * sizeof *copy + 1);
	if (!copy)
		return 0;
	if (n)
		memcpy(copy, t, n * sizeof *copy);
	size_t n2 = 0;
	if (chu_tokenize(ctx, text, size, &t, &n2) == CHU_OK)
		FUZZ_CHECK(n2 == n && (n == 0 || memcmp(copy, t, n * sizeof *copy) == 0), "tokenizing twice differs");

	/* across the first LF: the tokens of the two sides alone */
	const char *lf = memchr(text, '\n', size);
	if (lf) {
		size_t a_len = (size_t)(lf - text), k = 0;
		size_t na = 0, nb = 0;
		if (chu_tokenize(ctx, text, a_len, &t, &na) == CHU_OK) {
			for (size_t i = 0; i < na; i++, k++)
				FUZZ_CHECK(k < n && memcmp(&t[i], &copy[k], sizeof *t) == 0,
				           "token %zu before the first LF differs from the whole text's", i);
		}
		if (chu_tokenize(ctx, lf + 1, size - a_len - 1, &t, &nb) == CHU_OK) {
			for (size_t i = 0; i < nb; i++, k++) {
				chu_token moved = t[i];
				moved.start += a_len + 1, moved.end += a_len + 1;
				FUZZ_CHECK(k < n && memcmp(&moved, &copy[k], sizeof moved) == 0,
				           "token %zu after the first LF (at %zu) differs from the whole text's", i, a_len);
			}
		}
		FUZZ_CHECK(k == n, "the two sides of the first LF have %zu + %zu tokens, the whole %zu", na, nb, n);
	}
	free(copy);
	return 0;
}
