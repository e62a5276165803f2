/*
 * accent.c — diacritic restoration: "Thu truong Bo Ngoai giao" → "Thứ trưởng Bộ Ngoại giao".
 *
 * Every syllable written without marks is folded ("truong"); the model's dictionary lists the
 * marked syllables that fold to it, most frequent first ("trường", "trương", "trưởng", …), and the
 * tagger's learner (src/tag.c, src/train_tag.c) picks one from the folded syllables around it:
 * each feature is a folded context conjoined with the folded syllable itself, so a feature's
 * labels are that syllable's candidates. Syllables that carry any mark, and everything that is
 * not a syllable, are copied as written; a chosen syllable keeps the case of each letter.
 *
 * Model sections besides the tagger's ("acc.meta" … "acc.entries"):
 *   acc.dict   u64 slots: folded key (high 32 bits of its hash, bit 0 set; 0 empty) | first
 *              candidate index << 32 (24 bits) | candidates << 56 (8 bits)
 *   acc.cands  u32 per candidate: its offset in acc.forms
 *   acc.forms  the candidates, lowercase NFC UTF-8, tone placed in the new style, each NUL-ended
 */
#include "internal.h"

#include <stdlib.h>
#include <utf8proc.h>

/* ---- syllables ---- */

int chu__acc_unit(const char *text, size_t len, chu__acc_syl *u)
{
	u->n = 0;
	u->marked = false;
	u->ok = false;
	uint64_t h = 0xCBF29CE484222325ULL;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x80) { /* an ASCII letter: itself, no mark, folded to lowercase (the path below's result) */
			if (u->n == CHU__ACC_MAX_LETTERS || (c | 0x20) < 'a' || (c | 0x20) > 'z')
				return CHU_OK;
			u->cp[u->n++] = c;
			h = (h ^ (uint64_t)(c | 0x20)) * 0x100000001B3ULL;
			i++;
			continue;
		}
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)text + i, len - i, &cp);
		i += (size_t)k;
		chu__vletter L;
		if (u->n == CHU__ACC_MAX_LETTERS || cp < 0 || !chu__vletter_split(cp, &L))
			return CHU_OK; /* not a syllable of Latin letters (a mark, a digit, another script) */
		if (L.base >= 0x80 && L.base != 0x103 && L.base != 0xE2 && L.base != 0xEA && L.base != 0xF4 &&
		    L.base != 0x1A1 && L.base != 0x1B0 && L.base != 0x111)
			return CHU_OK; /* a letter Vietnamese does not write */
		u->cp[u->n++] = cp;
		u->marked = u->marked || L.tone != 0 || L.base >= 0x80;
		int32_t f = chu__fold_cp(cp);
		h = (h ^ (uint64_t)f) * 0x100000001B3ULL;
	}
	u->ok = u->n > 0;
	u->folded = chu__mix64(h ^ (uint64_t)u->n);
	return CHU_OK;
}

/* The candidate form of a marked syllable: lowercase, tone placed in the new style. */
int chu__acc_form(const chu__acc_syl *u, char *out, size_t cap)
{
	int32_t cps[CHU__ACC_MAX_LETTERS];
	for (int i = 0; i < u->n; i++) {
		chu__vletter L;
		chu__vletter_split(u->cp[i], &L);
		cps[i] = chu__vletter_join(L.base, L.tone, 0);
	}
	chu__tone_place(cps, (size_t)u->n, CHU_TONE_NEW);
	size_t k = 0;
	for (int i = 0; i < u->n; i++) {
		char tmp[4];
		int m = chu__utf8_encode(cps[i], tmp);
		if (k + (size_t)m + 1 > cap)
			return -1;
		memcpy(out + k, tmp, (size_t)m);
		k += (size_t)m;
	}
	out[k] = 0;
	return (int)k;
}

/* The context hash of a token that is not a restorable syllable: its kind, and its first bytes for
 * punctuation (a full stop is not a comma). */
uint64_t chu__acc_other(const char *text, const chu_token *t)
{
	uint64_t h = 0x0123456789ABCDEFULL + t->kind;
	if (t->kind == CHU_TOKEN_PUNCT || t->kind == CHU_TOKEN_SYMBOL)
		for (size_t i = t->start; i < t->end && i < t->start + 4; i++)
			h = (h ^ (unsigned char)text[i]) * 0x100000001B3ULL;
	return chu__mix64(h);
}

int chu__acc_features(const uint64_t *g, size_t n, size_t i, uint64_t *f)
{
	static const uint64_t BOS = 0x1234567890ABCDEFULL, EOS = 0xFEDCBA0987654321ULL;
	uint64_t w[5];
	for (int d = -2; d <= 2; d++) {
		long j = (long)i + d;
		w[d + 2] = j < 0 ? BOS : j >= (long)n ? EOS : g[j];
	}
	uint64_t c = w[2];
	int k = 0;
#define T(id, v) f[k++] = chu__combine(chu__combine((uint64_t)(id) << 56, c), (v))
	T(1, 0);
	T(2, w[1]);
	T(3, w[3]);
	T(4, chu__combine(w[1], w[3]));
	T(5, chu__combine(w[0], w[1]));
	T(6, chu__combine(w[3], w[4]));
	T(7, w[0]);
	T(8, w[4]);
#undef T
	return k;
}

/* ---- the dictionary ---- */

struct chu__acc_model {
	const uint64_t *dict;
	uint32_t mask;
	const uint32_t *cands;
	uint32_t n_cands;
	const char *forms;
};

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

int chu__acc_model_load(const chu_model *m, struct chu__acc_model **out)
{
	*out = NULL;
	const void *d, *c, *f;
	uint64_t nd, nc, nf;
	if (chu__model_section(m, "acc.dict", &d, &nd) < 0)
		return CHU_OK; /* no accent restorer in this file */
	if (chu__model_section(m, "acc.cands", &c, &nc) < 0 || chu__model_section(m, "acc.forms", &f, &nf) < 0 ||
	    !chu__model_tagger(m, CHU__TAGGER_ACCENT))
		return CHU_EFORMAT;
	const uint64_t *dict = d;
	const uint32_t *cands = c;
	const char *forms = f;
	bool ok = nd % 8 == 0 && pow2(nd / 8) && nd / 8 <= UINT32_MAX && nc % 4 == 0 && nc / 4 < (1u << 24) && nf > 0 &&
	          forms[nf - 1] == 0;
	bool empty = false;
	for (uint64_t i = 0; ok && i < nd / 8; i++) {
		uint64_t e = dict[i];
		if ((uint32_t)e == 0) {
			empty = true;
			continue;
		}
		uint64_t first = (e >> 32) & 0xFFFFFF, count = e >> 56;
		ok = count >= 1 && count <= CHU__ACC_MAX_CANDS && first + count <= nc / 4;
	}
	for (uint64_t i = 0; ok && i < nc / 4; i++)
		ok = cands[i] < nf;
	if (!ok || !empty)
		return CHU_EFORMAT;
	struct chu__acc_model *am = calloc(1, sizeof *am);
	if (!am)
		return CHU_ENOMEM;
	*am = (struct chu__acc_model){dict, (uint32_t)(nd / 8 - 1), cands, (uint32_t)(nc / 4), forms};
	*out = am;
	return CHU_OK;
}

void chu__acc_model_free(struct chu__acc_model *am) { free(am); }

/* The candidates of a folded syllable: *first is the index of the first, the count is returned. */
static int candidates(const struct chu__acc_model *am, uint64_t folded, uint32_t *first)
{
	uint32_t key = (uint32_t)(folded >> 32) | 1u;
	for (uint32_t i = (uint32_t)(folded >> 1) & am->mask;; i = (i + 1) & am->mask) {
		uint64_t e = am->dict[i];
		if ((uint32_t)e == 0)
			return 0;
		if ((uint32_t)e == key) {
			*first = (uint32_t)(e >> 32) & 0xFFFFFF;
			return (int)(e >> 56);
		}
	}
}

/* ---- restoring ---- */

/* Appends candidate form (lowercase) with the case of u's letters, its tone placed in style. */
static void put_recased(int *rc, chu__buf *out, const char *form, const chu__acc_syl *u, chu_tone_style style)
{
	int32_t cps[CHU__ACC_MAX_LETTERS];
	size_t n = 0;
	for (size_t i = 0; form[i] && n < CHU__ACC_MAX_LETTERS;) {
		int32_t cp;
		i += (size_t)chu__utf8_decode((const unsigned char *)form + i, strlen(form + i), &cp);
		if (cp < 0) { /* a model that passed its checks but holds a broken form */
			*rc = CHU_EFORMAT;
			return;
		}
		cps[n++] = cp;
	}
	if ((int)n != u->n) { /* cannot happen: folding keeps the letters */
		*rc = CHU_EFORMAT;
		return;
	}
	chu__tone_place(cps, n, style);
	for (size_t i = 0; i < n; i++) {
		chu__vletter L, C;
		if (chu__vletter_split(cps[i], &L) && chu__vletter_split(u->cp[i], &C))
			cps[i] = chu__vletter_join(L.base, L.tone, C.upper);
		chu__buf_put_cp(rc, out, cps[i]);
	}
}

/* Is token i "dong" right after an amount — a number or a number word ("500 dong", "3 trieu dong")?
 * There it is the currency, đồng, whatever the context model scores ("500 dòng/lít"). */
static bool currency_after_amount(const char *text, const chu_token *t, size_t i, uint64_t folded)
{
	static const char *const number_words[] = {"nghin", "ngan", "trieu", "ty", "tram", "chuc", NULL};
	chu__acc_syl u;
	chu__acc_unit("dong", 4, &u);
	if (i == 0 || folded != u.folded)
		return false;
	if (t[i - 1].kind == CHU_TOKEN_NUMBER)
		return true;
	if (t[i - 1].kind != CHU_TOKEN_SYLLABLE)
		return false;
	chu__acc_syl p;
	chu__acc_unit(text + t[i - 1].start, t[i - 1].end - t[i - 1].start, &p);
	for (const char *const *w = number_words; p.ok && *w; w++) {
		chu__acc_unit(*w, strlen(*w), &u);
		if (u.folded == p.folded)
			return true;
	}
	return false;
}

/* Where a restored syllable ends in the input and in the output (restore_of maps offsets). */
typedef struct {
	size_t in_end, out_end;
} acc_edit;

/* text[0, len) restored into o (emptied first; NUL-ended); edits (may be NULL) gets an acc_edit
 * for each syllable restored, in order. */
static int restore_text(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, chu__buf *o,
                        chu__buf *edits)
{
	const struct chu__acc_model *am = chu__model_accent(model);
	const struct chu__tag_model *tm = chu__model_tagger(model, CHU__TAGGER_ACCENT);
	int rc = CHU_OK;
	ctx->ent_tokens.len = 0;
	if ((rc = chu__tokenize(text, len, &ctx->ent_tokens)) < 0)
		return rc;
	chu_token *t = (chu_token *)(void *)ctx->ent_tokens.data;
	size_t n = ctx->ent_tokens.len / sizeof(chu_token);
	/* segmented text ("bao_chi"): the '_' glued between two syllables is no context of theirs
	 * (the model learned from text with spaces); it is copied as it is */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		bool glue = i > 0 && i + 1 < n && t[i].end == t[i].start + 1 && text[t[i].start] == '_' &&
		            t[i - 1].end == t[i].start && t[i + 1].start == t[i].end;
		if (!glue)
			t[kept++] = t[i];
	}
	n = kept;
	/* the context of every token, and which tokens are restored */
	chu__buf *gb = &ctx->scratch;
	gb->len = 0;
	/* per token: its context (u64), whether restored, the candidates' first and count, the best */
	size_t per = sizeof(uint64_t) + 2 * sizeof(uint32_t) + 2;
	chu__buf_reserve(&rc, gb, (n + 1) * per + 16);
	if (rc < 0)
		return rc;
	uint64_t *g = (uint64_t *)(void *)gb->data;
	uint32_t *first = (uint32_t *)(void *)(g + n + 1), *scored = first + n + 1;
	uint8_t *restore = (uint8_t *)(scored + n + 1), *ncand = restore + n + 1;
	for (size_t i = 0; i < n; i++) {
		chu__acc_syl u;
		restore[i] = 0;
		if (t[i].kind == CHU_TOKEN_SYLLABLE || t[i].kind == CHU_TOKEN_ACRONYM) {
			chu__acc_unit(text + t[i].start, t[i].end - t[i].start, &u);
			if (u.ok) {
				g[i] = u.folded;
				restore[i] = !u.marked;
				continue;
			}
		}
		g[i] = chu__acc_other(text, &t[i]);
	}
	/* the syllables with a choice to make, in order (scored[0..ns)), and each restored one's
	 * candidates: the first, and their count, replaced by the best once scored */
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		ncand[i] = 0;
		if (!restore[i])
			continue;
		int nc = candidates(am, g[i], &first[i]);
		ncand[i] = (uint8_t)(nc > 1 ? nc : 0); /* one candidate: the best is it */
		restore[i] = nc > 0; /* a syllable the corpus never wrote: left as it is */
		if (nc > 1)
			scored[ns++] = (uint32_t)i;
	}
	/* their scores, AHEAD syllables in flight: the features of syllable s + AHEAD are made and
	 * their table slots fetched, those of s + AHEAD / 2 looked up and their weights fetched, and
	 * s's added up in the order of its features (the same float sums as one by one); the best candidate's index
	 * goes in place of the count */
	enum { AHEAD = 8, RING = AHEAD + 1 };
	uint64_t f[RING][CHU__TAG_MAX_FEATURES];
	uint32_t at[RING][CHU__TAG_MAX_FEATURES];
	int nf[RING];
	float score[CHU__TAG_MAX_LABELS];
	for (size_t s = 0; s < ns + AHEAD; s++) {
		if (s < ns) {
			int r = (int)(s % RING);
			nf[r] = chu__acc_features(g, n, scored[s], f[r]);
			for (int j = 0; j < nf[r]; j++)
				chu__tag_fetch_slot(tm, f[r][j]);
		}
		if (s >= AHEAD / 2 && s - AHEAD / 2 < ns) {
			int r = (int)((s - AHEAD / 2) % RING);
			for (int j = 0; j < nf[r]; j++)
				at[r][j] = chu__tag_find(tm, f[r][j]);
		}
		if (s < AHEAD)
			continue;
		size_t m = s - AHEAD;
		int r = (int)(m % RING);
		size_t i = scored[m];
		memset(score, 0, sizeof score);
		for (int j = 0; j < nf[r]; j++)
			chu__tag_add(tm, at[r][j], score);
		int nc = ncand[i], best = 0;
		for (int y = 1; y < nc; y++)
			if (score[y] > score[best])
				best = y;
		if (currency_after_amount(text, t, i, g[i]))
			for (int y = 0; y < nc; y++)
				if (strcmp(am->forms + am->cands[first[i] + (uint32_t)y], "đồng") == 0)
					best = y;
		ncand[i] = (uint8_t)best;
	}
	o->len = 0;
	chu__buf_reserve(&rc, o, len + len / 4 + 16);
	size_t copied = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		if (!restore[i])
			continue;
		chu__acc_syl u;
		chu__acc_unit(text + t[i].start, t[i].end - t[i].start, &u);
		chu__buf_put(&rc, o, text + copied, t[i].start - copied);
		put_recased(&rc, o, am->forms + am->cands[first[i] + (uint32_t)ncand[i]], &u, ctx->opts.tone);
		copied = t[i].end;
		if (edits) {
			acc_edit e = {t[i].end, o->len};
			chu__buf_put(&rc, edits, &e, sizeof e);
		}
	}
	chu__buf_put(&rc, o, text + copied, len - copied);
	chu__buf_reserve(&rc, o, 0);
	if (rc < 0)
		return rc;
	o->data[o->len] = 0;
	return CHU_OK;
}

int chu_accent(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, const char **out, size_t *out_len)
{
	if (!ctx || !chu__model_accent(model) || !chu__model_tagger(model, CHU__TAGGER_ACCENT) || (!text && len) || !out)
		return CHU_EINVAL;
	int rc = restore_text(ctx, model, text ? text : "", len, &ctx->norm_out, NULL);
	if (rc < 0)
		return rc;
	*out = ctx->norm_out.data;
	if (out_len)
		*out_len = ctx->norm_out.len;
	return CHU_OK;
}

/* ---- sentences typed without marks ---- */

/* The sentences restored last, so that tagging finds what segmenting restored (chu_segment reads
 * a whole piece, a paragraph's sentences, before the tagger reads the first of them) */
#define RESTORE_MEMO 32

struct restore_memo {
	uint64_t hash;     /* of s (0: empty) */
	chu__buf s, r, edits; /* the sentence as read, restored, and where its syllables grew */
};

struct chu__restore_state {
	chu__buf s;      /* the sentence as the restorer reads it: the spans, a space between them */
	chu__buf spans, at, tokens;
	struct restore_memo memo[RESTORE_MEMO];
	unsigned next;   /* the entry a new sentence takes */
};

#define RESTORE_BUFS(st) {&(st)->s, &(st)->spans, &(st)->at, &(st)->tokens}

void chu__restore_state_free(chu_ctx *ctx)
{
	struct chu__restore_state *st = ctx->restore;
	if (!st)
		return;
	chu__buf *b[] = RESTORE_BUFS(st);
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		chu__buf_free(b[i]);
	for (size_t i = 0; i < RESTORE_MEMO; i++) {
		chu__buf_free(&st->memo[i].s);
		chu__buf_free(&st->memo[i].r);
		chu__buf_free(&st->memo[i].edits);
	}
	ctx->alloc.free(ctx->alloc.ud, st);
	ctx->restore = NULL;
}

/* Another restorer: what the memo holds is another model's. */
static void forget(chu_ctx *ctx)
{
	for (size_t i = 0; ctx->restore && i < RESTORE_MEMO; i++)
		ctx->restore->memo[i].hash = 0;
}

int chu_ctx_set_accent(chu_ctx *ctx, const chu_model *model)
{
	if (!ctx || (model && (!chu__model_accent(model) || !chu__model_tagger(model, CHU__TAGGER_ACCENT))))
		return CHU_EINVAL;
	ctx->accent = model;
	ctx->accent_get = NULL;
	ctx->accent_asked = 0;
	forget(ctx);
	return CHU_OK;
}

int chu_ctx_set_accent_source(chu_ctx *ctx, chu_model_source get, void *ud)
{
	if (!ctx)
		return CHU_EINVAL;
	ctx->accent = NULL;
	ctx->accent_get = get;
	ctx->accent_ud = ud;
	ctx->accent_asked = 0;
	forget(ctx);
	return CHU_OK;
}

/* Does a letter of text[a, b) carry a mark (a tone, or ă â ê ô ơ ư đ)? */
static bool any_mark(const char *text, size_t a, size_t b)
{
	for (size_t i = a; i < b;) {
		if ((unsigned char)text[i] < 0x80) {
			i++;
			continue;
		}
		int32_t cp;
		i += (size_t)chu__utf8_decode((const unsigned char *)text + i, b - i, &cp);
		chu__vletter L;
		if (cp >= 0 && chu__vletter_split(cp, &L) && (L.tone != 0 || L.base >= 0x80))
			return true;
	}
	return false;
}

static bool is_gap(unsigned char c) { return c == ' ' || c == '_' || c == '\t' || c == '\n' || c == '\r'; }

/* The restorer, asked for once when a source is set; NULL for none. */
static int restorer(chu_ctx *ctx, const chu_model **m)
{
	if (ctx->accent_get && !ctx->accent_asked) {
		const chu_model *got = NULL;
		int rc = ctx->accent_get(ctx->accent_ud, &got);
		if (rc >= 0 && got && (!chu__model_accent(got) || !chu__model_tagger(got, CHU__TAGGER_ACCENT)))
			rc = CHU_EINVAL;
		ctx->accent_asked = rc < 0 ? rc : 1;
		ctx->accent = rc < 0 ? NULL : got;
	}
	*m = ctx->accent;
	return ctx->accent_asked < 0 ? ctx->accent_asked : CHU_OK;
}

int chu__restore(chu_ctx *ctx, const char *text, const chu_span *spans, size_t n, const char **rtext,
                 const chu_span **rspans)
{
	if (!ctx->accent && !ctx->accent_get)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (any_mark(text, spans[i].start, spans[i].end))
			return 0;
	if (!ctx->restore) {
		struct chu__restore_state *nst = ctx->alloc.malloc(ctx->alloc.ud, sizeof *nst);
		if (!nst)
			return CHU_ENOMEM;
		chu__buf *b[] = RESTORE_BUFS(nst);
		for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
			chu__buf_init(b[i], &ctx->alloc);
		for (size_t i = 0; i < RESTORE_MEMO; i++) {
			nst->memo[i].hash = 0;
			chu__buf_init(&nst->memo[i].s, &ctx->alloc);
			chu__buf_init(&nst->memo[i].r, &ctx->alloc);
			chu__buf_init(&nst->memo[i].edits, &ctx->alloc);
		}
		nst->next = 0;
		ctx->restore = nst;
	}
	struct chu__restore_state *st = ctx->restore;
	/* the sentence with one space between spans and between a word's syllables; at[] holds where
	 * each span starts and ends in it */
	int rc = CHU_OK;
	st->s.len = st->at.len = 0;
	CHU__RESERVE(&rc, st->at, 2 * n, size_t);
	if (rc < 0)
		return rc;
	size_t *at = (size_t *)(void *)st->at.data;
	for (size_t i = 0; i < n; i++) {
		if (i)
			chu__buf_putc(&rc, &st->s, ' ');
		at[2 * i] = st->s.len;
		for (size_t p = spans[i].start; p < spans[i].end; p++) {
			if (!is_gap((unsigned char)text[p]))
				chu__buf_putc(&rc, &st->s, text[p]);
			else if (st->s.len > at[2 * i] && st->s.data[st->s.len - 1] != ' ')
				chu__buf_putc(&rc, &st->s, ' ');
		}
		at[2 * i + 1] = st->s.len;
	}
	if (rc < 0)
		return rc;
	/* a sentence restored a moment ago (segmented, then tagged) is known */
	uint64_t h = 0xCBF29CE484222325ULL;
	for (size_t i = 0; i < st->s.len; i++)
		h = (h ^ (unsigned char)st->s.data[i]) * 0x100000001B3ULL;
	h |= 1;
	struct restore_memo *me = NULL;
	for (size_t i = 0; i < RESTORE_MEMO && !me; i++)
		if (st->memo[i].hash == h && st->memo[i].s.len == st->s.len && memcmp(st->memo[i].s.data, st->s.data, st->s.len) == 0)
			me = &st->memo[i];
	if (!me) {
		/* at least two syllables (a lone word is too little to go on) */
		st->tokens.len = 0;
		if ((rc = chu__tokenize(st->s.data ? st->s.data : "", st->s.len, &st->tokens)) < 0)
			return rc;
		const chu_token *t = (const chu_token *)(void *)st->tokens.data;
		size_t nt = st->tokens.len / sizeof(chu_token), syllables = 0;
		for (size_t i = 0; i < nt && syllables < 2; i++) {
			chu__acc_syl u;
			if (t[i].kind == CHU_TOKEN_SYLLABLE &&
			    (chu__acc_unit(st->s.data + t[i].start, t[i].end - t[i].start, &u), u.ok))
				syllables++;
		}
		if (syllables < 2)
			return 0;
		const chu_model *m;
		if ((rc = restorer(ctx, &m)) < 0)
			return rc;
		if (!m)
			return 0;
		me = &st->memo[st->next++ % RESTORE_MEMO];
		me->hash = 0;
		me->edits.len = me->s.len = 0;
		if ((rc = restore_text(ctx, m, st->s.data, st->s.len, &me->r, &me->edits)) < 0)
			return rc;
		chu__buf_put(&rc, &me->s, st->s.data, st->s.len);
		if (rc < 0)
			return rc;
		me->hash = h;
	}
	/* the spans' places in the restored sentence: every offset moves by what the syllables
	 * restored before it grew (none straddles a span's edge, which is a space or the end) */
	const acc_edit *e = (const acc_edit *)(void *)me->edits.data;
	size_t ne = me->edits.len / sizeof(acc_edit), k = 0;
	st->spans.len = 0;
	CHU__RESERVE(&rc, st->spans, n, chu_span);
	if (rc < 0)
		return rc;
	chu_span *rs = (chu_span *)(void *)st->spans.data;
	for (size_t i = 0; i < 2 * n; i++) {
		while (k < ne && e[k].in_end <= at[i])
			k++;
		size_t moved = k ? at[i] - e[k - 1].in_end + e[k - 1].out_end : at[i];
		if (i % 2 == 0)
			rs[i / 2].start = moved;
		else
			rs[i / 2].end = moved;
	}
	*rtext = me->r.data;
	*rspans = rs;
	return 1;
}
