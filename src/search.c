/*
 * search.c — index keys for full-text search: normalized and accent-folded forms of each token
 * and, with a model, of each multi-syllable word. The SQLite FTS5 tokenizer (ext/sqlite/) is a
 * thin adapter around chu_search_keys().
 */
#include "internal.h"

#include <utf8proc.h>

struct key_state {
	chu_ctx *ctx;
	chu_search_fn fn;
	void *ud;
	int flags;
	chu__buf exact, folded; /* the current key's forms */
};

/* The common case in one pass: a short unit of precomposed letters, digits and ASCII. Returns
 * false when the unit needs the general path (combining marks, invalid bytes, white space). */
static bool forms_fast(chu_ctx *ctx, const char *text, size_t a, size_t b, chu__buf *exact, chu__buf *folded, int *rc)
{
	int32_t cps[32];
	size_t n = 0;
	bool letters_only = true;
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = a; i < b;) {
		int32_t cp;
		int k = chu__utf8_decode(s + i, b - i, &cp);
		int cls = chu__char_class(cp);
		if (n == 32 || cp < 0 || cls == CHU__C_MARK || cls == CHU__C_SPACE || cls == CHU__C_NEWLINE || cls == CHU__C_IGNORE ||
		    cp == 0xD0 || cp == 0xF0)
			return false;
		letters_only = letters_only && cls == CHU__C_LETTER;
		cps[n++] = cp;
		i += (size_t)k;
	}
	if (letters_only && n <= 8)
		chu__tone_place(cps, n, ctx->opts.tone);
	exact->len = folded->len = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t cp = cps[i];
		chu__vletter L;
		if (cp < 0x80)
			cp = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
		else if (chu__vletter_split(cp, &L))
			cp = chu__vletter_join(L.base, L.tone, 0);
		else
			cp = (int32_t)utf8proc_tolower(cp);
		chu__buf_put_cp(rc, exact, cp);
		chu__buf_put_cp(rc, folded, chu__fold_cp(cp));
	}
	chu__buf_reserve(rc, exact, 0);
	chu__buf_reserve(rc, folded, 0);
	return true;
}

/* The forms of recently seen short units: most syllables recur, so each is worked out once. */
#define KEY_MEMO_SLOTS 4096
#define KEY_MEMO_BYTES 30

typedef struct key_memo_slot {
	uint64_t raw;                    /* hash of the unit's bytes | 1, 0: empty */
	uint8_t len, elen, flen;         /* unit, exact and folded lengths */
	char unit[KEY_MEMO_BYTES];       /* the unit's bytes (compared: no false hits) */
	char exact[KEY_MEMO_BYTES];
	char folded[KEY_MEMO_BYTES];
} key_memo_slot;

struct chu__key_memo {
	key_memo_slot slot[KEY_MEMO_SLOTS]; /* about 400 KiB a ctx, made on first use */
};

void chu__search_state_free(chu_ctx *ctx)
{
	chu__free(&ctx->alloc, ctx->keys);
	ctx->keys = NULL;
}

/* Lowercase normalized form of [a, b) into k->exact, folded form into k->folded. */
static int forms(chu_ctx *ctx, const char *text, size_t a, size_t b, chu__buf *exact, chu__buf *folded)
{
	int frc = CHU_OK;
	size_t len = b - a;
	uint64_t raw = 0;
	struct chu__key_memo *memo = ctx->keys;
	if (len < KEY_MEMO_BYTES) {
		if (!memo && (memo = ctx->keys = chu__malloc(&ctx->alloc, sizeof *memo)) != NULL)
			memset(memo, 0, sizeof *memo);
		raw = 0xCBF29CE484222325ULL;
		for (size_t i = a; i < b; i++)
			raw = (raw ^ (unsigned char)text[i]) * 0x100000001B3ULL;
		raw |= 1;
		if (memo) {
			key_memo_slot *m = &memo->slot[(raw ^ (raw >> 31)) & (KEY_MEMO_SLOTS - 1)];
			if (m->raw == raw && m->len == len && memcmp(m->unit, text + a, len) == 0) {
				exact->len = folded->len = 0;
				chu__buf_put(&frc, exact, m->exact, m->elen);
				chu__buf_put(&frc, folded, m->folded, m->flen);
				return frc;
			}
		}
	}
	if (forms_fast(ctx, text, a, b, exact, folded, &frc)) {
		if (frc >= 0 && memo && raw && exact->len < KEY_MEMO_BYTES && folded->len < KEY_MEMO_BYTES) {
			key_memo_slot *m = &memo->slot[(raw ^ (raw >> 31)) & (KEY_MEMO_SLOTS - 1)];
			m->raw = raw;
			m->len = (uint8_t)len;
			m->elen = (uint8_t)exact->len;
			m->flen = (uint8_t)folded->len;
			memcpy(m->unit, text + a, len);
			memcpy(m->exact, exact->data, exact->len);
			memcpy(m->folded, folded->data, folded->len);
		}
		return frc;
	}
	const char *n;
	size_t nl;
	int rc = chu_norm_span(ctx, text, a, b, &n, &nl);
	if (rc < 0)
		return rc;
	exact->len = 0;
	for (size_t i = 0; i < nl && rc >= 0;) {
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)n + i, nl - i, &cp);
		chu__vletter L;
		if (cp < 0x80)
			chu__buf_putc(&rc, exact, (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
		else if (chu__vletter_split(cp, &L))
			chu__buf_put_cp(&rc, exact, chu__vletter_join(L.base, L.tone, 0));
		else
			chu__buf_put_cp(&rc, exact, (int32_t)utf8proc_tolower(cp));
		i += (size_t)k;
	}
	chu__buf_reserve(&rc, exact, 0);
	if (rc < 0)
		return rc;
	const char *f;
	size_t fl;
	rc = chu_fold(ctx, exact->data, exact->len, &f, &fl);
	folded->len = 0;
	chu__buf_put(&rc, folded, f, fl);
	return rc;
}

static int emit(struct key_state *k, const char *text, size_t a, size_t b, int colocated)
{
	int rc = forms(k->ctx, text, a, b, &k->exact, &k->folded);
	if (rc < 0)
		return rc;
	bool same = k->exact.len == k->folded.len && memcmp(k->exact.data, k->folded.data, k->exact.len) == 0;
	if ((k->flags & CHU_SEARCH_QUERY) && same) {
		return k->fn(k->ud, k->folded.data, k->folded.len, a, b, colocated) ? CHU_ECALLBACK : CHU_OK;
	}
	if (k->fn(k->ud, k->exact.data, k->exact.len, a, b, colocated))
		return CHU_ECALLBACK;
	if (!same && !(k->flags & CHU_SEARCH_QUERY) && k->fn(k->ud, k->folded.data, k->folded.len, a, b, 1))
		return CHU_ECALLBACK;
	return CHU_OK;
}

int chu_search_keys(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, int flags, chu_search_fn fn,
                    void *ud)
{
	if (!ctx || !fn || (!text && len))
		return CHU_EINVAL;
	if (!text)
		text = "";
	struct key_state k = {ctx, fn, ud, flags, {0}, {0}};
	chu__buf_init(&k.exact, &ctx->alloc);
	chu__buf_init(&k.folded, &ctx->alloc);
	chu__buf toks, units;
	chu__buf_init(&toks, &ctx->alloc);
	chu__buf_init(&units, &ctx->alloc);
	int rc = chu__tokenize(text, len, &toks);
	const chu_token *t = (const chu_token *)(void *)toks.data;
	size_t nt = rc < 0 ? 0 : toks.len / sizeof(chu_token);
	bool words = model && chu__model_seg(model) && !(flags & CHU_SEARCH_QUERY);
	size_t s0 = 0;
	for (size_t i = 0; i < nt && rc >= 0; i++) {
		if (!(t[i].flags & CHU_TOKEN_SENTENCE_END) && i + 1 < nt)
			continue;
		/* the sentence's units: tokens that are not punctuation, money and ranges split at spaces */
		units.len = 0;
		for (size_t j = s0; j <= i && rc >= 0; j++) {
			if (t[j].kind == CHU_TOKEN_PUNCT || t[j].kind == CHU_TOKEN_SYMBOL)
				continue;
			size_t a = t[j].start;
			for (size_t p = t[j].start; p <= t[j].end; p++) {
				bool sp = p == t[j].end || text[p] == ' ' || text[p] == '\t';
				if (sp && p > a) {
					chu_span u = {a, p};
					chu__buf_put(&rc, &units, &u, sizeof u);
				}
				if (sp)
					a = p + 1;
			}
		}
		const chu_span *u = (const chu_span *)(void *)units.data;
		size_t nu = units.len / sizeof(chu_span);
		unsigned char *join = NULL;
		if (words && nu > 1) {
			join = chu__malloc(&ctx->alloc, nu);
			if (!join)
				rc = CHU_ENOMEM;
			else if (chu_segment_tokens(ctx, model, text, u, nu, join) < 0)
				memset(join, 0, nu);
		}
		for (size_t a = 0; a < nu && rc >= 0; a++) {
			rc = emit(&k, text, u[a].start, u[a].end, 0);
			if (rc < 0 || !join || !join[a])
				continue;
			/* a word of several syllables starts here: its forms joined by '_' */
			size_t b = a;
			while (b + 1 < nu && join[b])
				b++;
			chu__buf ex, fo;
			chu__buf_init(&ex, &ctx->alloc);
			chu__buf_init(&fo, &ctx->alloc);
			for (size_t m = a; m <= b && rc >= 0; m++) {
				rc = forms(ctx, text, u[m].start, u[m].end, &k.exact, &k.folded);
				if (m > a) {
					chu__buf_putc(&rc, &ex, '_');
					chu__buf_putc(&rc, &fo, '_');
				}
				chu__buf_put(&rc, &ex, k.exact.data, k.exact.len);
				chu__buf_put(&rc, &fo, k.folded.data, k.folded.len);
			}
			if (rc >= 0 && fn(ud, ex.data, ex.len, u[a].start, u[a].end, 1))
				rc = CHU_ECALLBACK;
			if (rc >= 0 && (ex.len != fo.len || memcmp(ex.data, fo.data, ex.len) != 0) &&
			    fn(ud, fo.data, fo.len, u[a].start, u[a].end, 1))
				rc = CHU_ECALLBACK;
			chu__buf_free(&ex);
			chu__buf_free(&fo);
		}
		chu__free(&ctx->alloc, join);
		s0 = i + 1;
	}
	chu__buf_free(&k.exact);
	chu__buf_free(&k.folded);
	chu__buf_free(&toks);
	chu__buf_free(&units);
	return rc;
}
