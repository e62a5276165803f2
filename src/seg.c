/*
 * seg.c — word segmentation: a first-order structured perceptron over syllables.
 *
 * Each syllable gets label B (it begins a word) or I (it continues the word before it). The
 * score of I at position i is the sum of the weights of the features that fire there; a 2×2
 * transition table scores label pairs; Viterbi finds the best labelling exactly. Features are
 * hashed: syllable n-grams over the lowercased, tone-normalized forms (digits read as 0),
 * shapes (case, digits, punctuation), and lexicon matches (the longest dictionary word that
 * spans, ends or starts at the boundary). The trainer (src/train.c) shares this file's feature
 * extraction, so training and segmenting can never drift apart.
 *
 * The trainer (src/train.c) learns one weight per hashed feature, then stores them by n-gram:
 * the templates that read one syllable, a pair or a triple become rows of those n-grams (each
 * n-gram of the training sentences with a weight that is not zero), the templates over shapes,
 * lexicon facts and association buckets small dense tables (chu__seg_meta in internal.h). The
 * sum over a position is the same as over the 24 features; it costs three lookups a syllable.
 * Model sections: "seg.meta"; "seg.uni", "seg.bi", "seg.tri" (u64 slots: key | row << 32, open
 * addressing, slot from bits 1.. of the key, 0 empty) and "seg.unirows", "seg.birows",
 * "seg.trirows" (int16 rows); "seg.dense"; "seg.lexicon" (a set of word hashes kept the same
 * way), "seg.lexprefix" (for each hash bucket of two syllables, the longest word they begin) and "seg.assoc".
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>

#define LEXBITS CHU__SEG_LEXBITS /* bits of the lexicon filter: 64 KiB, stays in cache; ~6% of absent words pass */

/* ---- hashing ---- */

/* Hash of a sequence of code points. */
static uint64_t hash_cps(const int32_t *cp, size_t n)
{
	uint64_t h = 0xCBF29CE484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint64_t)(uint32_t)cp[i]) * 0x100000001B3ULL;
	return chu__mix64(h ^ n);
}

/* A quick hash of a unit's bytes (the memo's key): units of up to 16 bytes, nearly all, are read
 * as two overlapping words, no byte at a time. */
static inline uint64_t bytes_hash(const unsigned char *p, size_t len)
{
	uint64_t a, b;
	if (len >= 8 && len <= 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + len - 8, 8);
	} else if (len >= 4 && len < 8) {
		uint32_t x, y;
		memcpy(&x, p, 4);
		memcpy(&y, p + len - 4, 4);
		a = x;
		b = y;
	} else if (len > 0 && len < 4) {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
		b = 0;
	} else {
		a = 0xCBF29CE484222325ULL;
		for (size_t j = 0; j < len; j++)
			a = (a ^ p[j]) * 0x100000001B3ULL;
		b = 0;
	}
	return chu__mix64(a * 0x9E3779B97F4A7C15ULL ^ (b + len) * 0xC2B2AE3D27D4EB4FULL);
}

/* ---- syllable forms ---- */

/* A syllable's lowercased code points: a final "y" after a consonant onset becomes "i" with the
 * same tone (chu__final_yi). */
static void final_y_as_i(int32_t *cps, size_t n)
{
	chu__vletter L;
	if (chu__final_yi(cps, n, &L) && L.base == 'y')
		cps[n - 1] = chu__vletter_join('i', L.tone, 0);
}

int chu__seg_unit(const char *text, size_t len, uint64_t *hash, uint8_t *shape, chu__buf *scratch)
{
	return chu__seg_unit_as(text, len, 0, hash, shape, scratch);
}

/* Reads a unit's text into its feature form: NFC letters with the tone placed in the new style,
 * lowercased, digits read as '0' (and, with CHU__SEG_Y_AS_I, a final y after a consonant onset
 * read as i); returns the hash and the shape. */
int chu__seg_unit_as(const char *text, size_t len, unsigned forms, uint64_t *hash, uint8_t *shape, chu__buf *scratch)
{
	int rc = CHU_OK;
	size_t cap = len + 4;
	scratch->len = 0;
	chu__buf_reserve(&rc, scratch, cap * sizeof(int32_t));
	if (rc < 0)
		return rc;
	int32_t *cps = (int32_t *)(void *)scratch->data;
	size_t n = 0;
	int letters = 0, uppers = 0, digits = 0, others = 0, marks = 0;
	bool first_upper = false;
	const unsigned char *s = (const unsigned char *)text;
	bool ascii = true;
	for (size_t i = 0; i < len;) {
		int32_t cp = s[i];
		if (cp < 0x80) {
			i++;
		} else {
			i += (size_t)chu__utf8_decode(s + i, len - i, &cp);
			ascii = false;
		}
		int info = chu__char_info(cp);
		int cls = info & 0x0F;
		if (cls == CHU__C_LETTER) {
			if (info & CHU__UPPER) {
				uppers++;
				if (letters == 0)
					first_upper = true;
			}
			letters++;
		} else if (cls == CHU__C_DIGIT) {
			digits++;
			cp = '0';
		} else if (cls == CHU__C_MARK) {
			marks++;
		} else {
			others++;
		}
		cps[n++] = cp < 0 ? 0xFFFD : cp;
	}
	if (ascii) {
		/* numbers, foreign words: no marks to compose or place, letters only lowercased */
		for (size_t i = 0; i < n; i++)
			if (cps[i] >= 'A' && cps[i] <= 'Z')
				cps[i] |= 0x20;
	} else {
		if (marks) {
			/* decomposed input: compose first (rare) */
			utf8proc_ssize_t m = utf8proc_normalize_utf32(cps, (utf8proc_ssize_t)n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
			if (m > 0)
				n = (size_t)m;
		}
		if (letters && !digits && !others && n <= 8)
			chu__tone_place(cps, n, CHU_TONE_NEW);
		for (size_t i = 0; i < n; i++) {
			chu__vletter L;
			if (chu__vletter_split(cps[i], &L))
				cps[i] = chu__vletter_join(L.base, L.tone, 0);
			else if (cps[i] >= 0x80)
				cps[i] = (int32_t)utf8proc_tolower(cps[i]);
		}
	}
	if ((forms & CHU__SEG_Y_AS_I) && letters && !digits && !others)
		final_y_as_i(cps, n);
	*hash = hash_cps(cps, n);
	uint8_t sh;
	if (letters && !digits && !others)
		sh = uppers == 0 ? 0 : (uppers == letters && letters > 1) ? 2 : (first_upper && uppers == 1) ? 1 : 5;
	else if (digits && !letters)
		sh = 3;
	else if (!letters && !digits)
		sh = 4;
	else
		sh = 5;
	*shape = sh;
	return CHU_OK;
}

/* ---- lexicon ---- */

#define LEX_MAX CHU__SEG_LEX_MAX

static bool set_has(const uint64_t *set, uint64_t mask, uint64_t h)
{
	if (!set)
		return false;
	h |= 1; /* 0 marks an empty slot */
	for (uint64_t i = h & mask;; i = (i + 1) & mask) {
		if (set[i] == h)
			return true;
		if (set[i] == 0)
			return false;
	}
}

uint64_t chu__seg_word_hash(const uint64_t *syl, size_t n)
{
	uint64_t h = 0x51ED270B27B5A3A1ULL;
	for (size_t i = 0; i < n; i++)
		h = chu__combine(h, syl[i]);
	return h;
}

/* Longest-word facts for every position: cover[i] = longest dictionary word containing both
 * i-1 and i; endl[i] = longest ending at i; startl[i] = longest starting at i. */
void chu__seg_lexicon(const uint64_t *set, uint64_t mask, const uint64_t *bits, const uint8_t *prefix_len,
                      const uint64_t *syl, const uint8_t *shape, size_t n, uint8_t *cover, uint8_t *endl, uint8_t *startl)
{
	memset(cover, 0, n);
	memset(endl, 0, n);
	memset(startl, 0, n);
	for (size_t s = 0; s + 1 < n; s++) {
		if (shape[s] == 4 || shape[s + 1] == 4)
			continue;
		uint64_t h = chu__combine(chu__combine(0x51ED270B27B5A3A1ULL, syl[s]), syl[s + 1]);
		size_t max = LEX_MAX;
		if (prefix_len) {
			max = chu__seg_prefix_get(prefix_len, chu__seg_prefix_slot(h));
			if (max == 0)
				continue; /* no dictionary word starts with these two syllables */
			if (max > LEX_MAX)
				max = LEX_MAX;
		}
		for (size_t len = 2; len <= max && s + len <= n; len++) {
			size_t e = s + len - 1;
			if (len > 2) {
				if (shape[e] == 4)
					break;
				h = chu__combine(h, syl[e]);
			}
			if (bits) {
				uint32_t b = (uint32_t)((h | 1) >> 40) & (LEXBITS - 1);
				if (!(bits[b / 64] >> (b % 64) & 1))
					continue; /* certainly not a word */
			}
			if (!set_has(set, mask, h))
				continue;
			if (startl[s] < len)
				startl[s] = (uint8_t)len;
			if (endl[e] < len)
				endl[e] = (uint8_t)len;
			for (size_t k = s + 1; k <= e; k++)
				if (cover[k] < len)
					cover[k] = (uint8_t)len;
		}
	}
}

/* ---- features ---- */

uint64_t chu__seg_pair(uint64_t a, uint64_t b) { return chu__combine(a ^ 0x5A5A5A5A5A5A5A5AULL, b); }

void chu__seg_assoc(const uint64_t *table, uint32_t mask, const uint64_t *syl, const uint8_t *shape, size_t n,
                    uint8_t *assoc)
{
	memset(assoc, 0, n);
	if (!table)
		return;
	for (size_t i = 1; i < n; i++) {
		if (shape[i] == 4 || shape[i - 1] == 4)
			continue;
		uint64_t f = chu__seg_pair(syl[i - 1], syl[i]);
		uint32_t key = (uint32_t)(f >> 32) | 1u;
		for (uint32_t j = (uint32_t)(f >> 1) & mask;; j = (j + 1) & mask) {
			uint64_t e = table[j];
			if ((uint32_t)e == key) {
				assoc[i] = (uint8_t)(e >> 32);
				break;
			}
			if ((uint32_t)e == 0)
				break;
		}
	}
}

/* Writes the CHU__SEG_FEATURES feature hashes of position i into f. */
void chu__seg_features(const chu__seg_sentence *S, size_t i, uint64_t *f)
{
	const uint64_t BOS = CHU__SEG_BOS, EOS = CHU__SEG_EOS;
	const uint64_t *syl = S->syl;
	const uint8_t *shape = S->shape, *cover = S->cover, *endl = S->endl, *startl = S->startl;
	size_t n = S->n;
	uint64_t w[5];
	uint8_t sh[5];
	for (int d = -2; d <= 2; d++) {
		long j = (long)i + d;
		w[d + 2] = j < 0 ? BOS : j >= (long)n ? EOS : syl[j];
		sh[d + 2] = j < 0 ? 6 : j >= (long)n ? 7 : shape[j];
	}
	uint64_t lexb = (uint64_t)cover[i] << 16 | (uint64_t)(i ? endl[i - 1] : 0) << 8 | startl[i];
	uint64_t a0 = S->assoc[i], a1 = i + 1 < n ? S->assoc[i + 1] : 255, am = i > 1 ? S->assoc[i - 1] : 255;
	int k = 0;
#define T(id, v) f[k++] = chu__combine((uint64_t)(id) << 56, (v))
	T(1, w[2]);
	T(2, w[1]);
	T(3, w[3]);
	T(4, w[0]);
	T(5, w[4]);
	T(6, chu__combine(w[1], w[2]));
	T(7, chu__combine(w[2], w[3]));
	T(8, chu__combine(w[0], w[1]));
	T(9, chu__combine(w[3], w[4]));
	T(10, chu__combine(chu__combine(w[0], w[1]), w[2]));
	T(11, chu__combine(chu__combine(w[1], w[2]), w[3]));
	T(12, chu__combine(chu__combine(w[2], w[3]), w[4]));
	T(13, (uint64_t)sh[1] << 8 | sh[2]);
	T(14, (uint64_t)sh[2] << 8 | sh[3]);
	T(15, (uint64_t)sh[1] << 16 | (uint64_t)sh[2] << 8 | sh[3]);
	T(16, cover[i]);
	T(17, lexb);
	T(18, (uint64_t)cover[i] << 16 | (uint64_t)sh[1] << 8 | sh[2]);
	T(19, chu__combine(w[1], sh[2]));
	T(20, chu__combine(sh[1], w[2]));
	T(21, chu__combine(chu__combine(w[1], w[2]), cover[i]));
	T(22, a0 << 16 | (uint64_t)sh[1] << 8 | sh[2]);
	T(23, am << 16 | a0 << 8 | a1);
	T(24, a0 << 8 | cover[i]);
#undef T
}

/* ---- the model ---- */

struct chu__seg_model {
	chu__seg_meta meta;
	const uint64_t *table[3];  /* syllable, pair, triple: key | row << 32 per slot */
	const int16_t *rows[3];    /* their rows (CHU__SEG_UNI_W, _BI_W, _TRI_W int16 each) */
	const int16_t *dense;      /* CHU__SEG_DENSE int16 */
	const uint64_t *lexicon;
	const uint64_t *assoc;     /* key | bucket << 32 per slot, or NULL */
	uint64_t *lexbits;         /* LEXBITS-bit filter of the lexicon's hashes, built at load, or NULL */
	const uint8_t *prefix_len;  /* longest word a pair of syllables begins (CHU__SEG_PREFIXES 4-bit values), or NULL */
	uint64_t id;               /* a number no other model loaded by this process has (memos are keyed by it) */
};

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

/* Does a table of n slots have an empty one (so every lookup ends), and name rows below n_rows? */
static bool table_ok(const uint64_t *t, uint32_t n, uint32_t n_rows)
{
	bool empty = false;
	for (uint32_t i = 0; i < n; i++) {
		if ((uint32_t)t[i] == 0)
			empty = true;
		else if ((t[i] >> 32) >= n_rows)
			return false;
	}
	return empty;
}

int chu__seg_model_load(const chu_model *m, struct chu__seg_model **out)
{
	*out = NULL;
	const void *sec[11];
	uint64_t size[11];
	static const char *const names[11] = {"seg.meta", "seg.uni",     "seg.unirows", "seg.bi",      "seg.birows",   "seg.tri",
	                                      "seg.trirows", "seg.dense", "seg.lexicon", "seg.assoc", "seg.lexprefix"};
	if (chu__model_section(m, "seg.meta", &sec[0], &size[0]) < 0)
		return CHU_OK; /* not a segmentation model: nothing to parse */
	for (int i = 1; i < 11; i++)
		if (chu__model_section(m, names[i], &sec[i], &size[i]) < 0)
			return CHU_EFORMAT;
	if (size[0] != sizeof(chu__seg_meta))
		return CHU_EFORMAT;
	struct chu__seg_model *sm = calloc(1, sizeof *sm);
	if (!sm)
		return CHU_ENOMEM;
	memcpy(&sm->meta, sec[0], sizeof sm->meta);
	const chu__seg_meta *me = &sm->meta;
	static const int width[3] = {CHU__SEG_UNI_W, CHU__SEG_BI_W, CHU__SEG_TRI_W};
	bool ok = me->layout == CHU__SEG_LAYOUT && me->n_features == CHU__SEG_FEATURES && me->scale > 0 &&
	          me->scale < 1e9f && (me->n_lexicon == 0 || pow2(me->n_lexicon)) &&
	          size[8] == (uint64_t)me->n_lexicon * 8 && (me->n_assoc == 0 || pow2(me->n_assoc)) &&
	          size[9] == (uint64_t)me->n_assoc * 8 && size[7] == (uint64_t)CHU__SEG_DENSE * 2 &&
	          (size[10] == 0 || size[10] == CHU__SEG_PREFIXES / 2);
	for (int g = 0; g < 3 && ok; g++)
		ok = pow2(me->n_slots[g]) && size[1 + 2 * g] == (uint64_t)me->n_slots[g] * 8 &&
		     size[2 + 2 * g] == (uint64_t)me->n_rows[g] * (uint64_t)width[g] * 2 &&
		     table_ok(sec[1 + 2 * g], me->n_slots[g], me->n_rows[g]);
	for (int i = 0; i < 4 && ok; i++)
		ok = me->trans[i] > -1e9f && me->trans[i] < 1e9f;
	ok = ok && (me->forms & ~(uint32_t)CHU__SEG_Y_AS_I) == 0 && me->reserved == 0;
	const uint64_t *lx = sec[8], *as = sec[9];
	bool lempty = me->n_lexicon == 0, aempty = me->n_assoc == 0;
	for (uint32_t i = 0; ok && i < me->n_lexicon && !lempty; i++)
		lempty = lx[i] == 0;
	for (uint32_t i = 0; ok && i < me->n_assoc && !aempty; i++)
		aempty = (uint32_t)as[i] == 0;
	if (!ok || !lempty || !aempty) {
		free(sm);
		return CHU_EFORMAT;
	}
	for (int g = 0; g < 3; g++) {
		sm->table[g] = sec[1 + 2 * g];
		sm->rows[g] = sec[2 + 2 * g];
	}
	sm->dense = sec[7];
	sm->lexicon = me->n_lexicon ? lx : NULL;
	if (sm->lexicon) {
		sm->lexbits = calloc(LEXBITS / 64, 8);
		if (!sm->lexbits) {
			free(sm);
			return CHU_ENOMEM;
		}
		for (uint32_t i = 0; i < me->n_lexicon; i++)
			if (lx[i]) {
				uint32_t b = (uint32_t)(lx[i] >> 40) & (LEXBITS - 1);
				sm->lexbits[b / 64] |= 1ULL << (b % 64);
			}
	}
	sm->assoc = me->n_assoc ? as : NULL;
	static atomic_uint_fast64_t next_id = 1;
	sm->id = atomic_fetch_add(&next_id, 1);
	sm->prefix_len = size[10] ? sec[10] : NULL;
	*out = sm;
	return CHU_OK;
}

void chu__seg_model_free(struct chu__seg_model *sm)
{
	if (sm)
		free(sm->lexbits);
	free(sm);
}

static const int16_t zero_row[CHU__SEG_UNI_W];

/* The row of n-gram key k in table g, or a row of zeros. Most lookups end at the first slot. */
static inline const int16_t *row_of(const struct chu__seg_model *sm, int g, uint64_t k, int width)
{
	uint32_t mask = sm->meta.n_slots[g] - 1, key = (uint32_t)(k >> 32) | 1u;
	for (uint32_t i = (uint32_t)(k >> 1) & mask;; i = (i + 1) & mask) {
		uint64_t e = sm->table[g][i];
		if ((uint32_t)e == key)
			return sm->rows[g] + (size_t)(e >> 32) * (size_t)width;
		if ((uint32_t)e == 0)
			return zero_row;
	}
}

static inline int assoc_index(uint8_t a) { return a == 255 ? CHU__SEG_AV - 1 : a < CHU__SEG_AV - 1 ? a : 0; }

void chu__seg_viterbi(const float *score, const uint8_t *force, const float trans[4], size_t n, uint8_t *label,
                      uint8_t *back)
{
	if (n == 0)
		return;
	float d[2];
	back[0] = chu__seg_vstart(d);
	for (size_t i = 1; i < n; i++)
		back[i] = chu__seg_vstep(d, trans, score[i], force ? force[i] : 0);
	chu__seg_vback(d, back, n, label);
}

/* ---- per-thread state ---- */

/* A remembered unit: most syllables recur, so their feature form is computed once per thread.
 * The memo is exact: a slot holds the unit's bytes and is used only when they are equal, so what
 * a sentence becomes never depends on what the ctx segmented before. Units longer than
 * MEMO_UNIT_MAX bytes (rare) are not remembered. */
#define MEMO_UNIT_MAX 16
typedef struct unit_memo {
	uint64_t raw;         /* hash of the unit's bytes (0: empty slot) */
	uint64_t hash;        /* its feature-form hash */
	const int16_t *urow;  /* its syllable row in memo_model */
	uint8_t len;          /* its length in bytes, 1..MEMO_UNIT_MAX */
	uint8_t shape;        /* its shape */
	unsigned char bytes[MEMO_UNIT_MAX]; /* its bytes, len of them */
} unit_memo;

#define MEMO_SLOTS 16384
#define SEG_BUFS 17 /* the chu__buf members of chu__seg_state, syl to scratch */

struct chu__seg_state {
	chu__buf syl, shape, cover, endl, startl, assoc, force, label, back, feats, keys, units, join, owners, words,
	    tokens, scratch;
	unit_memo *memo; /* MEMO_SLOTS entries, made on first use */
	uint64_t memo_model; /* the id of the model whose rows the memo holds (0: none) */
};

/* The state's buffers, listed once for making and freeing them together. */
#define SEG_BUF_LIST(st)                                                                           \
	{&(st)->syl,   &(st)->shape, &(st)->cover, &(st)->endl,  &(st)->startl,                          \
	 &(st)->assoc, &(st)->force, &(st)->label, &(st)->back,                                          \
	 &(st)->feats, &(st)->keys,  &(st)->units, &(st)->join,  &(st)->owners, &(st)->words, &(st)->tokens,            \
	 &(st)->scratch}

static struct chu__seg_state *state_of(chu_ctx *ctx)
{
	if (!ctx->seg) {
		struct chu__seg_state *st = chu__malloc(&ctx->alloc, sizeof *st);
		if (!st)
			return NULL;
		chu__buf *b[SEG_BUFS] = SEG_BUF_LIST(st);
		for (size_t i = 0; i < SEG_BUFS; i++)
			chu__buf_init(b[i], &ctx->alloc);
		st->memo = NULL;
		ctx->seg = st;
	}
	return ctx->seg;
}

void chu__seg_state_free(chu_ctx *ctx)
{
	struct chu__seg_state *st = ctx->seg;
	if (!st)
		return;
	chu__buf *b[SEG_BUFS] = SEG_BUF_LIST(st);
	for (size_t i = 0; i < SEG_BUFS; i++)
		chu__buf_free(b[i]);
	chu__free(&ctx->alloc, st->memo);
	chu__free(&ctx->alloc, st);
	ctx->seg = NULL;
}

/* ---- user dictionaries ---- */

struct chu_dict {
	uint64_t *set; /* word hashes, open addressing, 0 empty */
	uint64_t mask;
	size_t words;
};


int chu_dict_load(const char *path, chu_dict **out)
{
	if (!path || !out)
		return CHU_EINVAL;
	*out = NULL;
	size_t len;
	char *text = NULL;
	{
		FILE *f = fopen(path, "rb");
		if (!f)
			return CHU_EIO;
		chu__buf b;
		chu__buf_init(&b, &chu__default_allocator);
		char tmp[65536];
		size_t k;
		int rc = CHU_OK;
		while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
			chu__buf_put(&rc, &b, tmp, k);
		bool err = ferror(f);
		fclose(f);
		if (rc < 0 || err) {
			chu__buf_free(&b);
			return rc < 0 ? rc : CHU_EIO;
		}
		chu__buf_reserve(&rc, &b, 0);
		text = b.data;
		len = b.len;
	}
	int rc = CHU_OK;
	chu__buf hashes, scratch;
	chu__buf_init(&hashes, &chu__default_allocator);
	chu__buf_init(&scratch, &chu__default_allocator);
	for (size_t a = 0; a < len && rc >= 0;) {
		const char *nl = memchr(text + a, '\n', len - a);
		size_t b = nl ? (size_t)(nl - text) : len;
		/* each word in both spellings of a final y/i, so that it is found whatever the model's forms
		 * (a model that reads y as i finds the i spelling) */
		rc = chu__dict_add_line(&hashes, NULL, text + a, b - a, 0, &scratch);
		if (rc >= 0)
			rc = chu__dict_add_line(&hashes, NULL, text + a, b - a, CHU__SEG_Y_AS_I, &scratch);
		a = b + 1;
	}
	free(text);
	chu__buf_free(&scratch);
	chu_dict *d = rc < 0 ? NULL : calloc(1, sizeof *d);
	size_t nh = hashes.len / 8;
	uint64_t cap = 16;
	while (cap < nh * 2 + 16)
		cap *= 2;
	if (d)
		d->set = calloc(cap, 8);
	if (!d || !d->set) {
		free(d);
		chu__buf_free(&hashes);
		return rc < 0 ? rc : CHU_ENOMEM;
	}
	d->mask = cap - 1;
	const uint64_t *h = (const uint64_t *)(void *)hashes.data;
	for (size_t i = 0; i < nh; i++) {
		uint64_t x = h[i] | 1;
		uint64_t j = x & d->mask;
		while (d->set[j] && d->set[j] != x)
			j = (j + 1) & d->mask;
		if (!d->set[j])
			d->words++;
		d->set[j] = x;
	}
	chu__buf_free(&hashes);
	*out = d;
	return CHU_OK;
}

/* Adds the word on one dictionary line (syllables separated by white space or "_") to hashes. */
int chu__dict_add_line(chu__buf *hashes, chu__buf *prefixes, const char *line, size_t len, unsigned forms,
                       chu__buf *scratch)
{
	uint64_t syl[LEX_MAX];
	size_t n = 0;
	int rc = CHU_OK;
	for (size_t i = 0; i < len && rc >= 0;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '_' || line[i] == '\r'))
			i++;
		size_t a = i;
		while (i < len && !(line[i] == ' ' || line[i] == '\t' || line[i] == '_' || line[i] == '\r'))
			i++;
		if (i > a) {
			if (n == LEX_MAX)
				return CHU_OK; /* too long to be looked up: skip the line */
			uint8_t sh;
			rc = chu__seg_unit_as(line + a, i - a, forms, &syl[n++], &sh, scratch);
		}
	}
	if (rc >= 0 && n >= 2) {
		uint64_t h = chu__seg_word_hash(syl, n);
		chu__buf_put(&rc, hashes, &h, 8);
		if (prefixes) {
			uint64_t p[2] = {chu__seg_word_hash(syl, 2), n}; /* its first two syllables, its length */
			chu__buf_put(&rc, prefixes, p, sizeof p);
		}
	}
	return rc;
}

void chu_dict_free(chu_dict *d)
{
	if (!d)
		return;
	free(d->set);
	free(d);
}

int chu_ctx_set_dict(chu_ctx *ctx, const chu_dict *dict)
{
	if (!ctx)
		return CHU_EINVAL;
	ctx->dict = dict;
	return CHU_OK;
}

/* ---- segmenting ---- */

/* Segments units (byte ranges into text); join[i] = 1 when unit i+1 continues unit i's word. */
static int segment_units(chu_ctx *ctx, const struct chu__seg_model *sm, const char *text, const chu_span *u, size_t n,
                         unsigned char *join)
{
	if (n == 0)
		return CHU_OK;
	struct chu__seg_state *st = state_of(ctx);
	if (!st)
		return CHU_ENOMEM;
	int rc = CHU_OK;
	CHU__RESERVE(&rc, st->syl, n, uint64_t);
	CHU__RESERVE(&rc, st->shape, n, uint8_t);
	CHU__RESERVE(&rc, st->cover, n, uint8_t);
	CHU__RESERVE(&rc, st->endl, n, uint8_t);
	CHU__RESERVE(&rc, st->startl, n, uint8_t);
	CHU__RESERVE(&rc, st->assoc, n, uint8_t);
	CHU__RESERVE(&rc, st->force, n, uint8_t);
	CHU__RESERVE(&rc, st->label, n, uint8_t);
	CHU__RESERVE(&rc, st->back, n, uint8_t);
	if (rc < 0)
		return rc;
	uint64_t *syl = (uint64_t *)(void *)st->syl.data;
	uint8_t *shape = (uint8_t *)st->shape.data;
	if (!st->memo) {
		st->memo = chu__malloc(&ctx->alloc, MEMO_SLOTS * sizeof *st->memo);
		if (!st->memo)
			return CHU_ENOMEM;
		st->memo_model = 0;
	}
	if (st->memo_model != sm->id) {
		memset(st->memo, 0, MEMO_SLOTS * sizeof *st->memo);
		st->memo_model = sm->id;
	}
	/* the rows of every syllable, pair and triple of the padded sentence: p = i + 2 is syllable i,
	 * p = 0, 1 the two before it, n + 2, n + 3 the two after */
	CHU__RESERVE(&rc, st->feats, (n + 4) * 3, const int16_t *);
	if (rc < 0)
		return rc;
	const int16_t **U = (const int16_t **)(void *)st->feats.data, **B = U + n + 4, **T = B + n + 4;
	/* the units' byte hashes first, with their memo slots prefetched (syl holds them until the
	 * forms replace them): the memo's cache misses overlap */
	for (size_t i = 0; i < n; i++) {
		uint64_t raw = bytes_hash((const unsigned char *)text + u[i].start, u[i].end - u[i].start) | 1;
		syl[i] = raw;
		__builtin_prefetch(&st->memo[(raw ^ (raw >> 29)) & (MEMO_SLOTS - 1)]);
	}
	for (size_t i = 0; i < n && rc >= 0; i++) {
		size_t len = u[i].end - u[i].start;
		uint64_t raw = syl[i];
		unit_memo *m = &st->memo[(raw ^ (raw >> 29)) & (MEMO_SLOTS - 1)];
		const char *ub = text + u[i].start;
		if (m->raw == raw && m->len == len && memcmp(m->bytes, ub, len) == 0) {
			syl[i] = m->hash;
			shape[i] = m->shape;
			U[i + 2] = m->urow;
			continue;
		}
		rc = chu__seg_unit_as(ub, len, sm->meta.forms, &syl[i], &shape[i], &st->scratch);
		U[i + 2] = row_of(sm, 0, chu__seg_key1(syl[i]), CHU__SEG_UNI_W);
		if (rc >= 0 && len >= 1 && len <= MEMO_UNIT_MAX) { /* never what a failed call left */
			*m = (unit_memo){raw, syl[i], U[i + 2], (uint8_t)len, shape[i], {0}};
			memcpy(m->bytes, ub, len);
		}
	}
	if (rc < 0)
		return rc;
	uint8_t *cover = (uint8_t *)st->cover.data, *endl = (uint8_t *)st->endl.data, *startl = (uint8_t *)st->startl.data;
	chu__seg_lexicon(sm->lexicon, sm->meta.n_lexicon ? sm->meta.n_lexicon - 1 : 0, sm->lexbits, sm->prefix_len, syl, shape,
	                 n, cover, endl, startl);
	uint8_t *assoc = (uint8_t *)st->assoc.data;
	chu__seg_assoc(sm->assoc, sm->meta.n_assoc ? sm->meta.n_assoc - 1 : 0, syl, shape, n, assoc);
	/* the keys first, with their slots prefetched, then the rows: the lookups' cache misses
	 * overlap instead of coming one after another */
	CHU__RESERVE(&rc, st->keys, (n + 4) * 3, uint64_t);
	if (rc < 0)
		return rc;
	uint64_t *K = (uint64_t *)(void *)st->keys.data;
	/* a model trained without the triple templates (--no-triples) has no triple rows: their
	 * lookups are skipped and every position reads the row of zeros */
	bool triples = sm->meta.n_rows[2] != 0;
	uint64_t prev2 = chu__seg_key2(CHU__SEG_BOS, CHU__SEG_BOS); /* the pair before p */
	for (size_t p = 0; p < n + 4; p++) {
		uint64_t c = p < 2 ? CHU__SEG_BOS : p >= n + 2 ? CHU__SEG_EOS : syl[p - 2];
		uint64_t b = p < 3 ? CHU__SEG_BOS : p >= n + 3 ? CHU__SEG_EOS : syl[p - 3];
		uint64_t k2 = chu__seg_key2(b, c);
		K[3 * p] = chu__seg_key1(c);
		K[3 * p + 1] = k2;
		__builtin_prefetch(&sm->table[1][(uint32_t)(k2 >> 1) & (sm->meta.n_slots[1] - 1)]);
		if (triples) {
			K[3 * p + 2] = chu__seg_key3_from(prev2, c);
			__builtin_prefetch(&sm->table[2][(uint32_t)(K[3 * p + 2] >> 1) & (sm->meta.n_slots[2] - 1)]);
		}
		prev2 = k2;
	}
	for (size_t p = 0; p < n + 4; p++) {
		if (p < 2 || p >= n + 2) /* the syllables' rows came with their forms */
			U[p] = row_of(sm, 0, K[3 * p], CHU__SEG_UNI_W);
		B[p] = row_of(sm, 1, K[3 * p + 1], CHU__SEG_BI_W);
		T[p] = triples ? row_of(sm, 2, K[3 * p + 2], CHU__SEG_TRI_W) : zero_row;
		__builtin_prefetch(U[p]);
		__builtin_prefetch(B[p]);
		__builtin_prefetch(T[p]);
	}
	uint8_t *force = NULL;
	if (ctx->dict) {
		/* the user's words: longest match left to right, forced */
		force = (uint8_t *)st->force.data;
		memset(force, 0, n);
		const chu_dict *d = ctx->dict;
		for (size_t s = 0; s < n;) {
			size_t best = 0;
			uint64_t h = 0x51ED270B27B5A3A1ULL;
			for (size_t len = 1; len <= LEX_MAX && s + len <= n; len++) {
				h = chu__combine(h, syl[s + len - 1]);
				if (len >= 2 && set_has(d->set, d->mask, h))
					best = len;
			}
			if (best) {
				force[s] = 1;
				for (size_t k = s + 1; k < s + best; k++)
					force[k] = 2;
				if (s + best < n)
					force[s + best] = 1;
				s += best;
			} else {
				s++;
			}
		}
	}
	const int16_t *D = sm->dense;
	/* each position scored and the Viterbi step taken at once */
	uint8_t *back = (uint8_t *)st->back.data;
	float d[2];
	back[0] = chu__seg_vstart(d);
	for (size_t i = 1; i < n; i++) {
		if (shape[i] == 4 || shape[i - 1] == 4) {
			back[i] = chu__seg_vstep(d, sm->meta.trans, -1e9f, force ? force[i] : 0); /* punctuation never joins */
			continue;
		}
		size_t p = i + 2;
		int s1 = shape[i - 1], s2 = shape[i], s3 = i + 1 < n ? shape[i + 1] : 7;
		int cv = cover[i], a0 = assoc_index(assoc[i]), a1 = i + 1 < n ? assoc_index(assoc[i + 1]) : CHU__SEG_AV - 1,
		    am = i > 1 ? assoc_index(assoc[i - 1]) : CHU__SEG_AV - 1;
		int s = U[p][0] + U[p - 1][1] + U[p + 1][2] + U[p - 2][3] + U[p + 2][4] + U[p - 1][5 + s2] + U[p][13 + s1];
		s += B[p][0] + B[p + 1][1] + B[p - 1][2] + B[p + 2][3] + B[p][4 + cv];
		s += T[p][0] + T[p + 1][1] + T[p + 2][2];
		s += D[CHU__SEG_D13 + s1 * 8 + s2] + D[CHU__SEG_D14 + s2 * 8 + s3] + D[CHU__SEG_D15 + (s1 * 8 + s2) * 8 + s3] +
		     D[CHU__SEG_D16 + cv] + D[CHU__SEG_D17 + (cv * CHU__SEG_LV + endl[i - 1]) * CHU__SEG_LV + startl[i]] +
		     D[CHU__SEG_D18 + (cv * 8 + s1) * 8 + s2] + D[CHU__SEG_D22 + (a0 * 8 + s1) * 8 + s2] +
		     D[CHU__SEG_D23 + (am * CHU__SEG_AV + a0) * CHU__SEG_AV + a1] + D[CHU__SEG_D24 + a0 * CHU__SEG_LV + cv];
		back[i] = chu__seg_vstep(d, sm->meta.trans, (float)s / sm->meta.scale, force ? force[i] : 0);
	}
	uint8_t *label = (uint8_t *)st->label.data;
	chu__seg_vback(d, back, n, label);
	for (size_t i = 0; i + 1 < n; i++)
		join[i] = label[i + 1] == 1;
	join[n - 1] = 0;
	return CHU_OK;
}

int chu_segment_tokens(chu_ctx *ctx, const chu_model *model, const char *text, const chu_span *tokens, size_t n_tokens,
                       unsigned char *join)
{
	const struct chu__seg_model *sm = chu__model_seg(model);
	if (!ctx || !sm || (!text && n_tokens) || (!tokens && n_tokens) || (!join && n_tokens))
		return CHU_EINVAL;
	const char *rt = text; /* a sentence without marks: its restored spelling */
	const chu_span *ru = tokens;
	int r = chu__restore(ctx, text, tokens, n_tokens, &rt, &ru);
	return r < 0 ? r : segment_units(ctx, sm, rt, ru, n_tokens, join);
}

int chu_segment(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, const chu_word **words, size_t *n_words)
{
	const struct chu__seg_model *sm = chu__model_seg(model);
	if (!ctx || !sm || (!text && len) || !words || !n_words)
		return CHU_EINVAL;
	if (!text)
		text = "";
	struct chu__seg_state *st = state_of(ctx);
	if (!st)
		return CHU_ENOMEM;
	st->tokens.len = 0;
	int rc = chu__tokenize(text, len, &st->tokens);
	if (rc < 0)
		return rc;
	const chu_token *t = (const chu_token *)(void *)st->tokens.data;
	size_t nt = st->tokens.len / sizeof(chu_token);
	st->words.len = 0;
	/* units: tokens, with money and ranges split at their white space; owner[] maps back */
	chu__buf owner_buf = st->owners; /* kept in the state: no allocation a call */
	size_t s0 = 0;
	for (size_t i = 0; i < nt && rc >= 0; i++) {
		if (!(t[i].flags & CHU_TOKEN_SENTENCE_END) && i + 1 < nt)
			continue;
		/* sentence tokens [s0, i] */
		st->units.len = 0;
		owner_buf.len = 0;
		bool spaced = false;
		for (size_t j = s0; j <= i; j++)
			spaced |= (t[j].flags & CHU_TOKEN_HAS_SPACE) != 0;
		if (!spaced) {
			/* the common case: a unit a token */
			chu__buf_reserve(&rc, &st->units, (i - s0 + 1) * sizeof(chu_span));
			chu__buf_reserve(&rc, &owner_buf, (i - s0 + 1) * sizeof(uint32_t));
			if (rc < 0)
				break;
			chu_span *us = (chu_span *)(void *)st->units.data;
			uint32_t *os = (uint32_t *)(void *)owner_buf.data;
			for (size_t j = s0; j <= i; j++) {
				us[j - s0] = (chu_span){t[j].start, t[j].end};
				os[j - s0] = (uint32_t)j;
			}
			st->units.len = (i - s0 + 1) * sizeof(chu_span);
			owner_buf.len = (i - s0 + 1) * sizeof(uint32_t);
		}
		for (size_t j = s0; j <= i && rc >= 0 && spaced; j++) {
			if (t[j].flags & CHU_TOKEN_HAS_SPACE) {
				size_t a = t[j].start;
				for (size_t p = t[j].start; p <= t[j].end; p++) {
					bool sp = p == t[j].end || text[p] == ' ' || text[p] == '\t' || (unsigned char)text[p] == 0xC2;
					if (sp && p > a) {
						chu_span u = {a, p};
						chu__buf_put(&rc, &st->units, &u, sizeof u);
						uint32_t o = (uint32_t)j;
						chu__buf_put(&rc, &owner_buf, &o, sizeof o);
					}
					if (sp) {
						if (p < t[j].end && (unsigned char)text[p] == 0xC2)
							p++; /* a no-break space is two bytes */
						a = p + 1;
					}
				}
			} else {
				chu_span u = {t[j].start, t[j].end};
				chu__buf_put(&rc, &st->units, &u, sizeof u);
				uint32_t o = (uint32_t)j;
				chu__buf_put(&rc, &owner_buf, &o, sizeof o);
			}
		}
		size_t nu = st->units.len / sizeof(chu_span);
		st->join.len = 0;
		chu__buf_reserve(&rc, &st->join, nu);
		unsigned char *join = (unsigned char *)st->join.data;
		if (rc >= 0 && nu) {
			/* a sentence without marks is segmented as its restored spelling */
			const char *rt = text;
			const chu_span *ru = (const chu_span *)(void *)st->units.data;
			int r = chu__restore(ctx, text, ru, nu, &rt, &ru);
			rc = r < 0 ? r : segment_units(ctx, sm, rt, ru, nu, join);
		}
		const chu_span *u = (const chu_span *)(void *)st->units.data;
		const uint32_t *own = (const uint32_t *)(void *)owner_buf.data;
		/* at most a word a unit: room for them all, then plain stores */
		chu__buf_reserve(&rc, &st->words, nu * sizeof(chu_word));
		chu_word *wd = rc >= 0 ? (chu_word *)(void *)(st->words.data + st->words.len) : NULL;
		size_t nw = 0;
		for (size_t a = 0; a < nu && rc >= 0;) {
			size_t b = a;
			/* a word never splits a token: units of one token stay together */
			while (b + 1 < nu && (join[b] || own[b + 1] == own[b]))
				b++;
			chu_word w = {u[a].start, u[b].end, own[a], (uint16_t)(own[b] - own[a] + 1), 0};
			if (b + 1 == nu)
				w.flags = CHU_TOKEN_SENTENCE_END;
			if (own[b] != own[a] || (t[own[a]].flags & CHU_TOKEN_HAS_SPACE))
				w.flags |= CHU_TOKEN_HAS_SPACE;
			wd[nw++] = w;
			a = b + 1;
		}
		if (rc >= 0) {
			st->words.len += nw * sizeof(chu_word);
			st->words.data[st->words.len] = '\0'; /* as chu__buf_put leaves it */
		}
		s0 = i + 1;
	}
	st->owners = owner_buf;
	if (rc < 0)
		return rc;
	chu__buf_reserve(&rc, &st->words, 0);
	*words = (const chu_word *)(void *)st->words.data;
	*n_words = st->words.len / sizeof(chu_word);
	return rc;
}
