/*
 * fuzz_seg.h — the checks of a chu_segment result, shared by fuzz_seg.c and fuzz_dict.c.
 *
 * Words cover exactly the tokens chu_tokenize gives for the same text, in order: word i starts at
 * the token after word i - 1's last, spans at least one token, and runs from its first token's
 * start to its last token's end; only a word's last token may end a sentence, and the word's
 * CHU_TOKEN_SENTENCE_END flag is that token's; a word of several tokens, or one holding white
 * space, has CHU_TOKEN_HAS_SPACE.
 */
#ifndef CHU_FUZZ_SEG_H
#define CHU_FUZZ_SEG_H

#include "fuzz.h"

static void fuzz_check_words(chu_ctx *tok_ctx, const char *text, size_t len, const chu_word *w, size_t nw)
{
	const chu_token *t = NULL;
	size_t nt = 0;
	if (chu_tokenize(tok_ctx, text, len, &t, &nt) != CHU_OK)
		return;
	size_t next = 0;
	for (size_t i = 0; i < nw; i++) {
		FUZZ_CHECK(w[i].token == next, "word %zu starts at token %u, expected %zu", i, (unsigned)w[i].token, next);
		FUZZ_CHECK(w[i].n_tokens >= 1 && next + w[i].n_tokens <= nt, "word %zu: %u tokens from %zu of %zu", i,
		           (unsigned)w[i].n_tokens, next, nt);
		const chu_token *a = &t[next], *b = &t[next + w[i].n_tokens - 1];
		FUZZ_CHECK(w[i].start == a->start && w[i].end == b->end, "word %zu [%zu, %zu), its tokens [%zu, %zu)", i,
		           w[i].start, w[i].end, a->start, b->end);
		for (const chu_token *k = a; k < b; k++)
			FUZZ_CHECK(!(k->flags & CHU_TOKEN_SENTENCE_END), "word %zu crosses a sentence end", i);
		FUZZ_CHECK((w[i].flags & CHU_TOKEN_SENTENCE_END) == (b->flags & CHU_TOKEN_SENTENCE_END),
		           "word %zu: sentence-end flag %u, its last token's %u", i, (unsigned)w[i].flags, (unsigned)b->flags);
		bool space = memchr(text + w[i].start, ' ', w[i].end - w[i].start) != NULL;
		FUZZ_CHECK((w[i].n_tokens == 1 && !space) || (w[i].flags & CHU_TOKEN_HAS_SPACE),
		           "word %zu of %u tokens without HAS_SPACE", i, (unsigned)w[i].n_tokens);
		next += w[i].n_tokens;
	}
	FUZZ_CHECK(next == nt, "words cover %zu of %zu tokens", next, nt);
}

#endif
