/*
 * fuzz_seg.c — word segmentation with models/seg.chm, of raw text and of pre-tokenized spans.
 *
 * Input: a mode byte, then the text. Mode bit 0 picks chu_segment (raw) or chu_segment_tokens;
 * bit 1 the tone style; bit 2 the spans given to chu_segment_tokens: the tokens chu_tokenize
 * finds, or the runs between spaces (any bytes, invalid UTF-8 too). Checks:
 *  - raw: the words cover exactly the tokens of the text, in order (fuzz_seg.h);
 *  - pre-tokenized: success, join[] holds only 0 and 1 and its last is 0, the spans are left as
 *    they were; segmenting the same spans again gives the same joins.
 */
#include "fuzz_seg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static chu_model *model;
	static chu_ctx *ctx[2], *tok;
	if (!model) {
		model = fuzz_model("seg.chm");
		ctx[0] = fuzz_ctx(0), ctx[1] = fuzz_ctx(1), tok = fuzz_ctx(0);
	}
	fuzz_input in = {data, size};
	unsigned mode = fuzz_byte(&in);
	const char *text = (const char *)in.p;
	size_t len = in.n;
	chu_ctx *c = ctx[(mode >> 1) & 1];

	if (!(mode & 1)) {
		const chu_word *w = NULL;
		size_t nw = 0;
		int rc = chu_segment(c, model, text, len, &w, &nw);
		if (rc == CHU_ENOMEM)
			return 0;
		FUZZ_CHECK(rc == CHU_OK, "chu_segment: %s", chu_strerror(rc));
		fuzz_check_words(tok, text, len, w, nw);
		return 0;
	}

	chu_span *sp = malloc((len + 1) * sizeof *sp);
	unsigned char *join = malloc(len + 1), *join2 = malloc(len + 1);
	if (!sp || !join || !join2)
		abort();
	size_t n = 0;
	if (mode & 4) {
		for (size_t i = 0; i < len;) {
			while (i < len && text[i] == ' ')
				i++;
			size_t a = i;
			while (i < len && text[i] != ' ')
				i++;
			if (i > a)
				sp[n++] = (chu_span){a, i};
		}
	} else {
		const chu_token *t = NULL;
		size_t nt = 0;
		if (chu_tokenize(tok, text, len, &t, &nt) == CHU_OK)
			for (size_t i = 0; i < nt; i++)
				sp[n++] = (chu_span){t[i].start, t[i].end};
	}
	chu_span *before = malloc((n + 1) * sizeof *before);
	if (!before)
		abort();
	memcpy(before, sp, n * sizeof *sp);
	memset(join, 0xAA, len + 1);
	int rc = chu_segment_tokens(c, model, text, sp, n, join);
	if (rc != CHU_ENOMEM) {
		FUZZ_CHECK(rc == CHU_OK, "chu_segment_tokens: %s", chu_strerror(rc));
		FUZZ_CHECK(memcmp(before, sp, n * sizeof *sp) == 0, "the spans changed");
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(join[i] <= 1, "join[%zu] = %u", i, join[i]);
		FUZZ_CHECK(n == 0 || join[n - 1] == 0, "join[%zu], the last, is %u", n - 1, join[n - 1]);
		if (chu_segment_tokens(c, model, text, sp, n, join2) == CHU_OK)
			FUZZ_CHECK(memcmp(join, join2, n) == 0, "segmenting the same spans twice differs");
	}
	free(before);
	free(sp);
	free(join);
	free(join2);
	return 0;
}
