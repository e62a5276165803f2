/*
 * fuzz_accent.c — diacritic restoration with models/accent.chm.
 *
 * Input: a mode byte (bit 0: the tone style), then the text. Checks: chu_accent succeeds, its
 * text is NUL-terminated, tokenizes into as many tokens as the input, of the same kinds, and is
 * well-formed UTF-8 when the input is; a token that changed was a syllable of unmarked ASCII
 * letters, and is now one of as many letters that folds back to it (chu_fold), each letter
 * keeping its case.
 */
#include "fuzz.h"
#include "internal.h" /* chu__utf8_decode, chu__is_upper: the letters of a restored syllable */

/* Checks a restored syllable b[0..nb) against the unmarked one a[0..na) it replaced. */
static void check_restored(chu_ctx *fold_ctx, size_t i, const char *a, size_t na, const char *b, size_t nb)
{
	for (size_t k = 0; k < na; k++)
		FUZZ_CHECK((a[k] >= 'a' && a[k] <= 'z') || (a[k] >= 'A' && a[k] <= 'Z'),
		           "token %zu '%.*s' changed but is not unmarked letters", i, (int)na, a);
	size_t k = 0, letters = 0;
	for (size_t j = 0; j < nb; letters++) {
		int32_t cp;
		j += (size_t)chu__utf8_decode((const unsigned char *)b + j, nb - j, &cp);
		FUZZ_CHECK(letters < na, "token %zu '%.*s' became '%.*s': more letters", i, (int)na, a, (int)nb, b);
		bool upper = a[k] >= 'A' && a[k] <= 'Z';
		FUZZ_CHECK(chu__is_upper(cp) == upper, "token %zu '%.*s' became '%.*s': letter %zu changed case", i, (int)na,
		           a, (int)nb, b, k);
		k++;
	}
	FUZZ_CHECK(letters == na, "token %zu '%.*s' became '%.*s': fewer letters", i, (int)na, a, (int)nb, b);
	const char *f = NULL;
	size_t nf = 0;
	if (chu_fold(fold_ctx, b, nb, &f, &nf) != CHU_OK)
		return;
	bool same = nf == na;
	for (size_t j = 0; same && j < na; j++)
		same = f[j] == (char)(a[j] | 0x20);
	FUZZ_CHECK(same, "token %zu '%.*s' became '%.*s', which folds to '%.*s'", i, (int)na, a, (int)nb, b, (int)nf, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static chu_model *model;
	static chu_ctx *ctx[2], *tok, *fold;
	if (!model) {
		model = fuzz_model("accent.chm");
		ctx[0] = fuzz_ctx(0), ctx[1] = fuzz_ctx(1), tok = fuzz_ctx(0), fold = fuzz_ctx(0);
	}
	fuzz_input in = {data, size};
	unsigned mode = fuzz_byte(&in);
	const char *text = (const char *)in.p;
	size_t len = in.n;
	chu_ctx *c = ctx[mode & 1];
	const char *out = NULL;
	size_t out_len = 0;
	int rc = chu_accent(c, model, text, len, &out, &out_len);
	if (rc == CHU_ENOMEM)
		return 0;
	FUZZ_CHECK(rc == CHU_OK, "chu_accent: %s", chu_strerror(rc));
	FUZZ_CHECK(out && out[out_len] == '\0', "the restored text is not NUL-terminated");
	if (fuzz_utf8_valid(text, len))
		FUZZ_CHECK(fuzz_utf8_valid(out, out_len), "UTF-8 in, not UTF-8 out");

	const chu_token *t = NULL;
	size_t nt = 0, nu = 0;
	if (chu_tokenize(tok, text, len, &t, &nt) != CHU_OK)
		return 0;
	chu_token *in_tok = malloc((nt + 1) * sizeof *in_tok);
	if (!in_tok)
		abort();
	if (nt)
		memcpy(in_tok, t, nt * sizeof *t);
	const chu_token *u = NULL;
	if (chu_tokenize(tok, out, out_len, &u, &nu) == CHU_OK) {
		FUZZ_CHECK(nu == nt, "%zu tokens in, %zu out", nt, nu);
		for (size_t i = 0; i < nt; i++) {
			FUZZ_CHECK(u[i].kind == in_tok[i].kind, "token %zu: kind %s in, %s out", i,
			           chu_token_kind_name(in_tok[i].kind), chu_token_kind_name(u[i].kind));
			const char *a = text + in_tok[i].start, *b = out + u[i].start;
			size_t na = in_tok[i].end - in_tok[i].start, nb = u[i].end - u[i].start;
			if (na != nb || memcmp(a, b, na) != 0)
				check_restored(fold, i, a, na, b, nb);
		}
	}
	free(in_tok);
	return 0;
}
