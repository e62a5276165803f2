/*
 * train.c — training the segmenter: an averaged structured perceptron over the features of
 * src/seg.c, deterministic for a given seed.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the training corpus ---- */

typedef struct corpus {
	uint64_t *syl;    /* unit hashes, all sentences one after another */
	uint8_t *shape;   /* shapes as written */
	uint8_t *lshape;  /* shapes if the sentence were lowercase */
	uint8_t *ushape;  /* shapes if it were in capitals */
	uint8_t *gold;    /* 0 B, 1 I */
	size_t *start;    /* start[s] .. start[s+1]: sentence s */
	size_t n_units, n_sents, cap_units, cap_sents;
} corpus;

static int corpus_push_unit(corpus *c, uint64_t h, uint8_t sh, uint8_t lsh, uint8_t ush, uint8_t g)
{
	if (c->n_units == c->cap_units) {
		size_t cap = c->cap_units ? c->cap_units * 2 : 1 << 20;
		uint64_t *a = realloc(c->syl, cap * 8);
		if (!a)
			return CHU_ENOMEM;
		c->syl = a;
		uint8_t **bs[] = {&c->shape, &c->lshape, &c->ushape, &c->gold};
		for (int i = 0; i < 4; i++) {
			uint8_t *b = realloc(*bs[i], cap);
			if (!b)
				return CHU_ENOMEM;
			*bs[i] = b;
		}
		c->cap_units = cap;
	}
	c->syl[c->n_units] = h;
	c->shape[c->n_units] = sh;
	c->lshape[c->n_units] = lsh;
	c->ushape[c->n_units] = ush;
	c->gold[c->n_units] = g;
	c->n_units++;
	return CHU_OK;
}

static int corpus_end_sentence(corpus *c)
{
	if (c->n_sents + 2 > c->cap_sents) {
		size_t cap = c->cap_sents ? c->cap_sents * 2 : 1 << 16;
		size_t *a = realloc(c->start, cap * sizeof *a);
		if (!a)
			return CHU_ENOMEM;
		c->start = a;
		c->cap_sents = cap;
	}
	if (c->n_sents == 0)
		c->start[0] = 0;
	c->start[++c->n_sents] = c->n_units;
	return CHU_OK;
}

static void corpus_free(corpus *c)
{
	free(c->syl);
	free(c->shape);
	free(c->lshape);
	free(c->ushape);
	free(c->gold);
	free(c->start);
	memset(c, 0, sizeof *c);
}

static int count_letters(const char *s, size_t n)
{
	int k = 0;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		int l = chu__utf8_decode((const unsigned char *)s + i, n - i, &cp);
		k += chu__char_class(cp) == CHU__C_LETTER;
		i += (size_t)l;
	}
	return k;
}

/* Reads a .seg file; sentences whose index (counting across calls) satisfies keep() go to c. */
/* The feature-form options a training's settings give its model (chu__seg_meta.forms). */
static unsigned seg_forms(const chu__train_seg_opts *o) { return o->y_as_i ? CHU__SEG_Y_AS_I : 0; }

static int read_seg(const char *path, corpus *train, corpus *held, int holdout, size_t *counter, unsigned forms,
                    chu__buf *scratch)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return CHU_EIO;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = CHU_OK;
	while (rc >= 0 && (len = getline(&line, &cap, f)) >= 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		corpus *c = (holdout && held && (*counter)++ % (size_t)holdout == 0) ? held : train;
		size_t before = c->n_units;
		for (ssize_t i = 0; i < len && rc >= 0;) {
			while (i < len && line[i] == ' ')
				i++;
			ssize_t a = i;
			while (i < len && line[i] != ' ')
				i++;
			/* token [a, i): syllables joined by '_' */
			bool first = true;
			for (ssize_t p = a; p < i && rc >= 0;) {
				ssize_t q = p;
				while (q < i && line[q] != '_')
					q++;
				if (q > p) {
					uint64_t h;
					uint8_t sh;
					rc = chu__seg_unit_as(line + p, (size_t)(q - p), forms, &h, &sh, scratch);
					int letters = count_letters(line + p, (size_t)(q - p));
					uint8_t lsh = (sh == 1 || sh == 2) ? 0 : sh;
					uint8_t ush = (sh == 0 || sh == 1 || sh == 2) ? (letters > 1 ? 2 : 1) : sh;
					if (rc >= 0)
						rc = corpus_push_unit(c, h, sh, lsh, ush, first ? 0 : 1);
					first = false;
				}
				p = q + 1;
			}
		}
		if (rc >= 0 && c->n_units > before)
			rc = corpus_end_sentence(c);
	}
	free(line);
	fclose(f);
	return rc;
}

/* ---- the weights ---- */

typedef struct weights {
	uint64_t *key; /* feature hash | 1, 0 empty */
	float *w;      /* current weight */
	double *u;     /* sum of (update time × delta), for averaging */
	uint64_t mask;
	size_t used;
	double trans[4], trans_u[4];
	double c; /* update clock */
} weights;

static int weights_init(weights *W, unsigned bits)
{
	memset(W, 0, sizeof *W);
	size_t n = (size_t)1 << bits;
	W->key = calloc(n, 8);
	W->w = calloc(n, sizeof(float));
	W->u = calloc(n, sizeof(double));
	if (!W->key || !W->w || !W->u)
		return CHU_ENOMEM;
	W->mask = n - 1;
	W->c = 1;
	return CHU_OK;
}

static void weights_free(weights *W)
{
	free(W->key);
	free(W->w);
	free(W->u);
}

/* Slot of feature f; inserted when insert is set (SIZE_MAX when absent or full). */
static size_t slot(weights *W, uint64_t f, bool insert)
{
	uint64_t k = f | 1;
	for (uint64_t i = f & W->mask;; i = (i + 1) & W->mask) {
		if (W->key[i] == k)
			return i;
		if (W->key[i] == 0) {
			if (!insert || W->used * 10 > (W->mask + 1) * 7)
				return SIZE_MAX;
			W->key[i] = k;
			W->used++;
			return i;
		}
	}
}

static double avg(const weights *W, size_t s) { return W->w[s] - W->u[s] / W->c; }

/* ---- one sentence ---- */

typedef struct work {
	uint8_t *cover, *endl, *startl, *label, *back, *force, *assoc;
	float *score;
	uint64_t *feats;
	size_t cap;
	bool no_triples; /* templates 10-12 (syllable triples) are neither scored nor learned */
} work;

/* Does template j (0-based) take part? */
static inline bool template_used(const work *k, int j) { return !(k->no_triples && j >= 9 && j <= 11); }

static int work_reserve(work *k, size_t n)
{
	if (n <= k->cap)
		return CHU_OK;
	size_t cap = n * 2;
	uint8_t **bs[] = {&k->cover, &k->endl, &k->startl, &k->label, &k->back, &k->force, &k->assoc};
	for (int i = 0; i < 7; i++) {
		free(*bs[i]);
		*bs[i] = malloc(cap);
		if (!*bs[i])
			return CHU_ENOMEM;
	}
	free(k->score);
	free(k->feats);
	k->score = malloc(cap * sizeof(float));
	k->feats = malloc(cap * CHU__SEG_FEATURES * 8);
	if (!k->score || !k->feats)
		return CHU_ENOMEM;
	k->cap = cap;
	return CHU_OK;
}

static void work_free(work *k)
{
	free(k->cover);
	free(k->endl);
	free(k->startl);
	free(k->label);
	free(k->back);
	free(k->force);
	free(k->assoc);
	free(k->score);
	free(k->feats);
}

typedef struct lexset {
	uint64_t *set;
	uint64_t mask;
	size_t n;
	uint64_t *assoc;     /* syllable-pair association table (model format), or NULL */
	uint32_t assoc_slots;
	uint8_t *prefix_len;  /* longest word two syllables begin (CHU__SEG_PREFIXES 4-bit values) */
} lexset;

/* Labels one sentence (units syl/shape [0, n)) with the current (avg = false) or averaged
 * weights into k->label; features are left in k->feats. */
static void decode(weights *W, const lexset *lx, const uint64_t *syl, const uint8_t *shape, size_t n, work *k, bool averaged,
                   bool insert)
{
	chu__seg_lexicon(lx->set, lx->mask, NULL, NULL, syl, shape, n, k->cover, k->endl, k->startl);
	chu__seg_assoc(lx->assoc, lx->assoc_slots ? lx->assoc_slots - 1 : 0, syl, shape, n, k->assoc);
	chu__seg_sentence S = {syl, shape, k->cover, k->endl, k->startl, k->assoc, n};
	float trans[4];
	for (int t = 0; t < 4; t++)
		trans[t] = (float)(averaged ? W->trans[t] - W->trans_u[t] / W->c : W->trans[t]);
	for (size_t i = 0; i < n; i++) {
		uint64_t *f = k->feats + i * CHU__SEG_FEATURES;
		if (i == 0 || shape[i] == 4 || shape[i - 1] == 4) {
			k->score[i] = -1e9f;
			continue;
		}
		chu__seg_features(&S, i, f);
		double s = 0;
		for (int j = 0; j < CHU__SEG_FEATURES; j++) {
			if (!template_used(k, j))
				continue;
			size_t sl = slot(W, f[j], insert);
			if (sl != SIZE_MAX)
				s += averaged ? avg(W, sl) : W->w[sl];
		}
		k->score[i] = (float)s;
	}
	chu__seg_viterbi(k->score, NULL, trans, n, k->label, k->back);
}

static void update(weights *W, const uint8_t *shape, const uint8_t *gold, size_t n, work *k)
{
	for (size_t i = 1; i < n; i++) {
		if (gold[i] != k->label[i] && !(shape[i] == 4 || shape[i - 1] == 4)) {
			float d = gold[i] ? 1.0f : -1.0f;
			const uint64_t *f = k->feats + i * CHU__SEG_FEATURES;
			for (int j = 0; j < CHU__SEG_FEATURES; j++) {
				if (!template_used(k, j))
					continue;
				size_t sl = slot(W, f[j], true);
				if (sl == SIZE_MAX)
					continue;
				W->w[sl] += d;
				W->u[sl] += W->c * d;
			}
		}
		int g = gold[i - 1] * 2 + gold[i], p = k->label[i - 1] * 2 + k->label[i];
		if (g != p) {
			W->trans[g] += 1;
			W->trans_u[g] += W->c;
			W->trans[p] -= 1;
			W->trans_u[p] -= W->c;
		}
	}
	W->c += 1;
}

/* Word precision/recall counts of predicted labels against gold. */
static void score_words(const uint8_t *gold, const uint8_t *pred, size_t n, size_t *correct, size_t *ng, size_t *np)
{
	size_t gs = 0, ps = 0;
	for (size_t i = 1; i <= n; i++) {
		bool gend = i == n || gold[i] == 0, pend = i == n || pred[i] == 0;
		if (gend && pend && gs == ps)
			(*correct)++;
		if (gend) {
			(*ng)++;
			gs = i;
		}
		if (pend) {
			(*np)++;
			ps = i;
		}
	}
}

static double evaluate(weights *W, const lexset *lx, const corpus *c, work *k, int shape_kind)
{
	size_t correct = 0, ng = 0, np = 0;
	for (size_t s = 0; s < c->n_sents; s++) {
		size_t a = c->start[s], n = c->start[s + 1] - a;
		if (work_reserve(k, n) < 0)
			return -1;
		const uint8_t *sh = shape_kind == 1 ? c->lshape : shape_kind == 2 ? c->ushape : c->shape;
		decode(W, lx, c->syl + a, sh + a, n, k, true, false);
		score_words(c->gold + a, k->label, n, &correct, &ng, &np);
	}
	double p = np ? (double)correct / (double)np : 0, r = ng ? (double)correct / (double)ng : 0;
	return p + r > 0 ? 200.0 * p * r / (p + r) : 0;
}

static void say(const chu__train_seg_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void say(const chu__train_seg_opts *o, const char *fmt, ...)
{
	if (!o->progress)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	o->progress(o->ud, buf);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

static int load_lexicons(const chu__train_seg_opts *o, lexset *lx, chu__buf *scratch)
{
	chu__buf hashes, prefixes;
	chu__buf_init(&hashes, &chu__default_allocator);
	chu__buf_init(&prefixes, &chu__default_allocator);
	int rc = CHU_OK;
	for (size_t i = 0; i < o->n_lexicons && rc >= 0; i++) {
		FILE *f = fopen(o->lexicons[i], "rb");
		if (!f) {
			rc = CHU_EIO;
			break;
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		while (rc >= 0 && (len = getline(&line, &cap, f)) >= 0) {
			while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				len--;
			rc = chu__dict_add_line(&hashes, &prefixes, line, (size_t)len, seg_forms(o), scratch);
		}
		free(line);
		fclose(f);
	}
	/* distinct words (the lexicons overlap): the set is sized for them, at most 5/8 full */
	uint64_t *h = (uint64_t *)(void *)hashes.data;
	size_t n = hashes.len / 8, u = 0;
	if (n)
		qsort(h, n, 8, cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || h[i] != h[u - 1])
			h[u++] = h[i];
	uint64_t cap = 16;
	while (cap * 5 < u * 8 + 16)
		cap *= 2;
	lx->set = rc >= 0 ? calloc(cap, 8) : NULL;
	if (rc >= 0 && !lx->set)
		rc = CHU_ENOMEM;
	if (rc >= 0) {
		lx->mask = cap - 1;
		for (size_t i = 0; i < u; i++) {
			uint64_t x = h[i] | 1, j = x & lx->mask;
			while (lx->set[j] && lx->set[j] != x)
				j = (j + 1) & lx->mask;
			lx->n += lx->set[j] == 0;
			lx->set[j] = x;
		}
	}
	/* the longest word each pair of first syllables begins: the segmenter stops looking early */
	lx->prefix_len = rc >= 0 ? calloc(CHU__SEG_PREFIXES / 2, 1) : NULL;
	if (rc >= 0 && !lx->prefix_len)
		rc = CHU_ENOMEM;
	const uint64_t *ph = (const uint64_t *)(void *)prefixes.data;
	for (size_t i = 0; rc >= 0 && i + 1 < prefixes.len / 8; i += 2) {
		uint32_t b = chu__seg_prefix_slot(ph[i]);
		unsigned len = (unsigned)ph[i + 1], shift = (b & 1) * 4;
		if (len > chu__seg_prefix_get(lx->prefix_len, b))
			lx->prefix_len[b >> 1] = (uint8_t)((lx->prefix_len[b >> 1] & ~(15u << shift)) | len << shift);
	}
	chu__buf_free(&hashes);
	chu__buf_free(&prefixes);
	return rc;
}

/* ---- syllable-pair association from unlabeled text ---- */

typedef struct counts {
	uint64_t *key;
	uint32_t *n;
	uint64_t mask;
	size_t used;
} counts;

static int counts_init(counts *c, unsigned bits)
{
	c->mask = ((uint64_t)1 << bits) - 1;
	c->key = calloc(c->mask + 1, 8);
	c->n = calloc(c->mask + 1, 4);
	c->used = 0;
	return c->key && c->n ? CHU_OK : CHU_ENOMEM;
}

static void counts_free(counts *c)
{
	free(c->key);
	free(c->n);
}

static void counts_add(counts *c, uint64_t k)
{
	k |= 1;
	for (uint64_t i = (k >> 1) & c->mask;; i = (i + 1) & c->mask) {
		if (c->key[i] == k) {
			c->n[i]++;
			return;
		}
		if (c->key[i] == 0) {
			if (c->used * 4 > (c->mask + 1) * 3)
				return; /* full: later new pairs are not counted */
			c->key[i] = k;
			c->n[i] = 1;
			c->used++;
			return;
		}
	}
}

static uint32_t counts_get(const counts *c, uint64_t k)
{
	k |= 1;
	for (uint64_t i = (k >> 1) & c->mask;; i = (i + 1) & c->mask) {
		if (c->key[i] == k)
			return c->n[i];
		if (c->key[i] == 0)
			return 0;
	}
}

/* Calls fn for every syllable of a plain-text corpus, with the syllable before it when the two
 * stand next to each other on a line with only spaces between them (else prev = 0). */
static int walk_syllables(const char *path, unsigned forms, chu__buf *scratch,
                          void (*fn)(void *ud, uint64_t prev, uint64_t h), void *ud)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return CHU_EIO;
	chu__buf toks;
	chu__buf_init(&toks, &chu__default_allocator);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = CHU_OK;
	while (rc >= 0 && (len = getline(&line, &cap, f)) >= 0) {
		toks.len = 0;
		rc = chu__tokenize(line, (size_t)len, &toks);
		const chu_token *t = (const chu_token *)(void *)toks.data;
		size_t nt = rc < 0 ? 0 : toks.len / sizeof(chu_token);
		uint64_t prev = 0;
		size_t prev_end = 0;
		for (size_t i = 0; i < nt && rc >= 0; i++) {
			if (t[i].kind != CHU_TOKEN_SYLLABLE) {
				prev = 0;
				continue;
			}
			uint64_t h;
			uint8_t sh;
			rc = chu__seg_unit_as(line + t[i].start, t[i].end - t[i].start, forms, &h, &sh, scratch);
			bool adjacent = prev && t[i].start > prev_end;
			for (size_t p = prev_end; adjacent && p < t[i].start; p++)
				adjacent = line[p] == ' ';
			fn(ud, adjacent ? prev : 0, h);
			prev = h;
			prev_end = t[i].end;
		}
	}
	free(line);
	fclose(f);
	chu__buf_free(&toks);
	return rc;
}

typedef struct assoc_build {
	counts uni, bi;
	size_t total;    /* syllables read */
	uint64_t *table; /* the model's association table being filled (second pass) */
	uint32_t slots;
	size_t stored;
} assoc_build;

static void count_pair(void *ud, uint64_t prev, uint64_t h)
{
	assoc_build *a = ud;
	counts_add(&a->uni, h);
	a->total++;
	if (prev)
		counts_add(&a->bi, chu__seg_pair(prev, h));
}

/* Stores the PMI bucket of a pair seen at least 5 times: 1 + clamp(floor(PMI), -3, 12) + 3. */
static void score_pair(void *ud, uint64_t prev, uint64_t h)
{
	assoc_build *a = ud;
	if (!prev)
		return;
	uint64_t pk = chu__seg_pair(prev, h);
	uint32_t c = counts_get(&a->bi, pk);
	if (c < 5)
		return;
	double pmi = log((double)c * (double)a->total / ((double)counts_get(&a->uni, prev) * (double)counts_get(&a->uni, h) + 1e-9));
	int b = (int)floor(pmi);
	b = b < -3 ? -3 : b > 12 ? 12 : b;
	uint32_t key = (uint32_t)(pk >> 32) | 1u, m = a->slots - 1, j = (uint32_t)(pk >> 1) & m;
	while ((uint32_t)a->table[j] && (uint32_t)a->table[j] != key)
		j = (j + 1) & m;
	a->stored += !(uint32_t)a->table[j];
	a->table[j] = key | (uint64_t)(uint32_t)(b + 4) << 32;
}

/* Syllable-pair association from unlabeled text: counts syllables and adjacent pairs, then reads
 * the corpus again to give each pair seen at least 5 times its PMI bucket (a pair hash cannot be
 * taken apart into its syllables, so the second pass is how PMI finds them). */
static int build_assoc(const chu__train_seg_opts *o, lexset *lx, chu__buf *scratch)
{
	assoc_build a = {0};
	int rc = counts_init(&a.uni, 21);
	if (rc >= 0)
		rc = counts_init(&a.bi, 24);
	if (rc >= 0)
		rc = walk_syllables(o->corpus, seg_forms(o), scratch, count_pair, &a);
	size_t kept = 0;
	for (uint64_t i = 0; rc >= 0 && i <= a.bi.mask; i++)
		kept += a.bi.key[i] && a.bi.n[i] >= 5;
	a.slots = 1024;
	while (a.slots < kept + kept / 2 + 16)
		a.slots *= 2;
	if (rc >= 0 && !(a.table = calloc(a.slots, 8)))
		rc = CHU_ENOMEM;
	if (rc >= 0)
		rc = walk_syllables(o->corpus, seg_forms(o), scratch, score_pair, &a);
	counts_free(&a.uni);
	counts_free(&a.bi);
	if (rc < 0) {
		free(a.table);
		return rc;
	}
	lx->assoc = a.table;
	lx->assoc_slots = a.slots;
	say(o, "association: %zu syllables read, %zu pairs kept (seen at least 5 times)", a.total, a.stored);
	return CHU_OK;
}

int chu__cmp_double_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* ---- saving: the weights as rows of n-grams (the layout src/seg.c reads) ---- */

typedef struct qweights {
	weights *W;
	float scale;
	double floor_w; /* weights weaker than this are left out (max_features) */
} qweights;

/* The int16 weight of feature template id with value v, 0 when absent or left out. */
static int16_t qw(const qweights *Q, int id, uint64_t v)
{
	uint64_t f = chu__combine((uint64_t)id << 56, v);
	size_t sl = slot(Q->W, f, false);
	if (sl == SIZE_MAX)
		return 0;
	double a = avg(Q->W, sl);
	if (fabs(a) < Q->floor_w)
		return 0;
	long q = lrint(a * Q->scale);
	return (int16_t)(q > 32767 ? 32767 : q < -32767 ? -32767 : q);
}

/* A set of n-grams (their hashes) seen in the training sentences. */
typedef struct ngram_set {
	uint64_t *key; /* table key | 1, 0 empty */
	uint64_t *a, *b, *c; /* the n-gram's syllables */
	uint64_t mask;
	size_t n;
} ngram_set;

static int ngram_add(ngram_set *S, uint64_t k, uint64_t a, uint64_t b, uint64_t c)
{
	if (S->n * 2 >= S->mask) {
		ngram_set T = {0};
		T.mask = S->mask ? S->mask * 2 + 1 : 65535;
		T.key = calloc(T.mask + 1, 8);
		T.a = malloc((T.mask + 1) * 8);
		T.b = malloc((T.mask + 1) * 8);
		T.c = malloc((T.mask + 1) * 8);
		if (!T.key || !T.a || !T.b || !T.c) {
			free(T.key), free(T.a), free(T.b), free(T.c);
			return CHU_ENOMEM;
		}
		for (uint64_t i = 0; S->key && i <= S->mask; i++)
			if (S->key[i])
				ngram_add(&T, S->key[i], S->a[i], S->b[i], S->c[i]);
		free(S->key), free(S->a), free(S->b), free(S->c);
		*S = T;
	}
	k |= 1;
	uint64_t i = (k >> 1) & S->mask;
	while (S->key[i] && S->key[i] != k)
		i = (i + 1) & S->mask;
	if (!S->key[i]) {
		S->key[i] = k;
		S->a[i] = a;
		S->b[i] = b;
		S->c[i] = c;
		S->n++;
	}
	return CHU_OK;
}

static void ngram_free(ngram_set *S) { free(S->key), free(S->a), free(S->b), free(S->c); }

/* Builds one n-gram table (n = 1, 2, 3) with its rows; rows of zeros are left out. */
static int ngram_table(const qweights *Q, const ngram_set *S, int n, uint64_t **table, uint32_t *n_slots,
                       int16_t **rows, uint32_t *n_rows)
{
	int width = n == 1 ? CHU__SEG_UNI_W : n == 2 ? CHU__SEG_BI_W : CHU__SEG_TRI_W;
	int16_t *r = malloc((S->n + 1) * (size_t)width * sizeof *r);
	uint64_t *keys = malloc((S->n + 1) * 8);
	if (!r || !keys) {
		free(r);
		free(keys);
		return CHU_ENOMEM;
	}
	size_t kept = 0;
	/* in the set's slot order: the same weights give the same file */
	for (uint64_t i = 0; S->key && i <= S->mask; i++) {
		if (!S->key[i])
			continue;
		int16_t *x = r + kept * (size_t)width;
		memset(x, 0, (size_t)width * sizeof *x);
		uint64_t a = S->a[i], b = S->b[i], c = S->c[i];
		if (n == 1) {
			x[0] = qw(Q, 1, a);
			x[1] = qw(Q, 2, a);
			x[2] = qw(Q, 3, a);
			x[3] = qw(Q, 4, a);
			x[4] = qw(Q, 5, a);
			for (int sh = 0; sh < 8; sh++) {
				x[5 + sh] = qw(Q, 19, chu__combine(a, (uint64_t)sh));
				x[13 + sh] = qw(Q, 20, chu__combine((uint64_t)sh, a));
			}
		} else if (n == 2) {
			uint64_t ab = chu__combine(a, b);
			x[0] = qw(Q, 6, ab);
			x[1] = qw(Q, 7, ab);
			x[2] = qw(Q, 8, ab);
			x[3] = qw(Q, 9, ab);
			for (int cv = 0; cv <= CHU__SEG_LEX_MAX; cv++)
				x[4 + cv] = qw(Q, 21, chu__combine(ab, (uint64_t)cv));
		} else {
			uint64_t abc = chu__combine(chu__combine(a, b), c);
			x[0] = qw(Q, 10, abc);
			x[1] = qw(Q, 11, abc);
			x[2] = qw(Q, 12, abc);
		}
		bool zero = true;
		for (int j = 0; j < width; j++)
			zero = zero && x[j] == 0;
		if (!zero)
			keys[kept++] = S->key[i];
	}
	uint32_t slots = 1024;
	/* at most a quarter full: most lookups of an unseen n-gram end at their first slot (`chu seg`
	 * 3% faster than with half-full tables, 7% faster than with 65%) */
	while (slots < kept * 4 + 16)
		slots *= 2;
	uint64_t *t = calloc(slots, 8);
	if (!t) {
		free(r);
		free(keys);
		return CHU_ENOMEM;
	}
	for (size_t j = 0; j < kept; j++) {
		uint64_t k = keys[j];
		uint32_t key = (uint32_t)(k >> 32) | 1u, m = slots - 1, i = (uint32_t)(k >> 1) & m;
		while ((uint32_t)t[i])
			i = (i + 1) & m;
		t[i] = key | (uint64_t)j << 32;
	}
	free(keys);
	*table = t;
	*n_slots = slots;
	*rows = r;
	*n_rows = (uint32_t)kept;
	return CHU_OK;
}

static int save(const chu__train_seg_opts *o, weights *W, const lexset *lx, const corpus *train)
{
	/* keep the features whose averaged weight is not negligible, in int16 */
	double maxw = 0;
	for (size_t s = 0; s <= W->mask; s++)
		if (W->key[s]) {
			double a = fabs(avg(W, s));
			if (a > maxw)
				maxw = a;
		}
	if (maxw <= 0)
		maxw = 1;
	qweights Q = {W, (float)(32000.0 / maxw), 0};
	/* with max_features, only the strongest weights are kept: a smaller model stays in cache */
	if (o->max_features) {
		size_t n = 0;
		for (size_t s = 0; s <= W->mask; s++)
			n += W->key[s] != 0;
		if (n > o->max_features) {
			double *mag = malloc(n * sizeof *mag);
			if (!mag)
				return CHU_ENOMEM;
			size_t k = 0;
			for (size_t s = 0; s <= W->mask; s++)
				if (W->key[s])
					mag[k++] = fabs(avg(W, s));
			qsort(mag, n, sizeof *mag, chu__cmp_double_desc);
			Q.floor_w = mag[o->max_features - 1];
			free(mag);
		}
	}
	/* every n-gram of the training sentences, padded as the features see them */
	ngram_set S[3] = {{0}};
	int rc = CHU_OK;
	for (size_t s = 0; s < train->n_sents && rc >= 0; s++) {
		size_t a = train->start[s], n = train->start[s + 1] - a;
		for (size_t j = 0; j < n + 4 && rc >= 0; j++) {
			uint64_t p[3];
			for (int d = 0; d < 3; d++) {
				long q = (long)j - 2 - 2 + d; /* sentence index of the n-gram's d-th syllable */
				p[d] = q < 0 ? CHU__SEG_BOS : q >= (long)n ? CHU__SEG_EOS : train->syl[a + (size_t)q];
			}
			rc = ngram_add(&S[0], chu__seg_key1(p[2]), p[2], 0, 0);
			if (rc >= 0)
				rc = ngram_add(&S[1], chu__seg_key2(p[1], p[2]), p[1], p[2], 0);
			if (rc >= 0)
				rc = ngram_add(&S[2], chu__seg_key3(p[0], p[1], p[2]), p[0], p[1], p[2]);
		}
	}
	uint64_t *tab[3] = {0};
	int16_t *rows[3] = {0};
	uint32_t slots[3] = {0}, nrows[3] = {0};
	for (int g = 0; g < 3 && rc >= 0; g++)
		rc = ngram_table(&Q, &S[g], g + 1, &tab[g], &slots[g], &rows[g], &nrows[g]);
	/* the templates over shapes, lexicon facts and association buckets: small dense tables */
	int16_t *dense = calloc(CHU__SEG_DENSE, sizeof *dense);
	if (rc >= 0 && !dense)
		rc = CHU_ENOMEM;
	for (int x = 0; x < 8 && rc >= 0; x++)
		for (int y = 0; y < 8; y++) {
			dense[CHU__SEG_D13 + x * 8 + y] = qw(&Q, 13, (uint64_t)x << 8 | (uint64_t)y);
			dense[CHU__SEG_D14 + x * 8 + y] = qw(&Q, 14, (uint64_t)x << 8 | (uint64_t)y);
			for (int z = 0; z < 8; z++)
				dense[CHU__SEG_D15 + (x * 8 + y) * 8 + z] = qw(&Q, 15, (uint64_t)x << 16 | (uint64_t)y << 8 | (uint64_t)z);
		}
	for (int c = 0; c < CHU__SEG_LV && rc >= 0; c++) {
		dense[CHU__SEG_D16 + c] = qw(&Q, 16, (uint64_t)c);
		for (int e = 0; e < CHU__SEG_LV; e++)
			for (int st = 0; st < CHU__SEG_LV; st++)
				dense[CHU__SEG_D17 + (c * CHU__SEG_LV + e) * CHU__SEG_LV + st] =
				    qw(&Q, 17, (uint64_t)c << 16 | (uint64_t)e << 8 | (uint64_t)st);
		for (int x = 0; x < 8; x++)
			for (int y = 0; y < 8; y++)
				dense[CHU__SEG_D18 + (c * 8 + x) * 8 + y] = qw(&Q, 18, (uint64_t)c << 16 | (uint64_t)x << 8 | (uint64_t)y);
	}
	for (int a0 = 0; a0 < CHU__SEG_AV && rc >= 0; a0++) {
		uint64_t v0 = chu__seg_assoc_value(a0);
		for (int x = 0; x < 8; x++)
			for (int y = 0; y < 8; y++)
				dense[CHU__SEG_D22 + (a0 * 8 + x) * 8 + y] = qw(&Q, 22, v0 << 16 | (uint64_t)x << 8 | (uint64_t)y);
		for (int am = 0; am < CHU__SEG_AV; am++)
			for (int a1 = 0; a1 < CHU__SEG_AV; a1++)
				dense[CHU__SEG_D23 + (am * CHU__SEG_AV + a0) * CHU__SEG_AV + a1] =
				    qw(&Q, 23, chu__seg_assoc_value(am) << 16 | v0 << 8 | chu__seg_assoc_value(a1));
		for (int c = 0; c < CHU__SEG_LV; c++)
			dense[CHU__SEG_D24 + a0 * CHU__SEG_LV + c] = qw(&Q, 24, v0 << 8 | (uint64_t)c);
	}
	chu__seg_meta meta = {{slots[0], slots[1], slots[2]},
	                      {nrows[0], nrows[1], nrows[2]},
	                      lx->set ? (uint32_t)(lx->mask + 1) : 0,
	                      lx->assoc_slots,
	                      CHU__SEG_FEATURES,
	                      CHU__SEG_LAYOUT,
	                      Q.scale,
	                      {0, 0, 0, 0},
	                      seg_forms(o),
	                      0};
	for (int t = 0; t < 4; t++)
		meta.trans[t] = (float)(W->trans[t] - W->trans_u[t] / W->c);
	const char *names[] = {"seg.meta", "seg.uni",   "seg.unirows", "seg.bi",    "seg.birows",   "seg.tri",
	                       "seg.trirows", "seg.dense", "seg.lexicon", "seg.assoc", "seg.lexprefix"};
	const void *data[] = {&meta, tab[0], rows[0], tab[1], rows[1], tab[2], rows[2], dense, lx->set, lx->assoc,
	                      lx->prefix_len};
	uint64_t sizes[] = {sizeof meta,
	                    (uint64_t)slots[0] * 8,
	                    (uint64_t)nrows[0] * CHU__SEG_UNI_W * 2,
	                    (uint64_t)slots[1] * 8,
	                    (uint64_t)nrows[1] * CHU__SEG_BI_W * 2,
	                    (uint64_t)slots[2] * 8,
	                    (uint64_t)nrows[2] * CHU__SEG_TRI_W * 2,
	                    (uint64_t)CHU__SEG_DENSE * 2,
	                    lx->set ? (lx->mask + 1) * 8 : 0,
	                    (uint64_t)lx->assoc_slots * 8,
	                    lx->prefix_len ? CHU__SEG_PREFIXES / 2 : 0};
	if (rc >= 0)
		rc = chu__model_write(o->out, names, data, sizes, 11);
	if (rc >= 0)
		say(o, "saved %s: rows of %u syllables, %u pairs, %u triples; lexicon %zu words", o->out, nrows[0], nrows[1],
		    nrows[2], lx->n);
	for (int g = 0; g < 3; g++) {
		free(tab[g]);
		free(rows[g]);
		ngram_free(&S[g]);
	}
	free(dense);
	return rc;
}

int chu__train_seg(const chu__train_seg_opts *o)
{
	corpus train = {0}, held = {0}, dev = {0};
	lexset lx = {0};
	weights W = {0};
	work k = {0};
	k.no_triples = o->no_triples;
	unsigned forms = seg_forms(o);
	chu__buf scratch;
	chu__buf_init(&scratch, &chu__default_allocator);
	int rc = CHU_OK;
	size_t counter = 0;
	for (size_t i = 0; i < o->n_train && rc >= 0; i++) {
		/* the held-out slice comes from the first file only (VLSP) */
		rc = read_seg(o->train[i], &train, i == 0 ? &held : NULL, i == 0 ? o->holdout : 0, &counter, forms, &scratch);
		if (rc < 0)
			say(o, "cannot read %s", o->train[i]);
	}
	if (rc >= 0 && o->dev)
		rc = read_seg(o->dev, &dev, NULL, 0, &counter, forms, &scratch);
	if (rc >= 0)
		rc = load_lexicons(o, &lx, &scratch);
	if (rc >= 0 && o->corpus) {
		rc = build_assoc(o, &lx, &scratch);
		if (rc < 0)
			say(o, "cannot read the corpus %s", o->corpus);
	}
	if (rc >= 0)
		rc = weights_init(&W, 25);
	size_t *order = rc >= 0 ? malloc(train.n_sents * 3 * sizeof *order) : NULL;
	if (rc >= 0 && !order)
		rc = CHU_ENOMEM;
	say(o, "train %zu sentences (%zu syllables), held out %zu, dev %zu, lexicon %zu words", train.n_sents, train.n_units,
	    held.n_sents, dev.n_sents, lx.n);
	uint64_t rs = o->seed;
	/* the sentences, plus lowercased and capitalized copies of a share of them */
	size_t n_order = 0;
	for (size_t s = 0; s < train.n_sents && rc >= 0; s++) {
		order[n_order++] = s * 3;
		if ((double)(chu__rng_next(&rs) >> 11) / 9007199254740992.0 < o->lowercase)
			order[n_order++] = s * 3 + 1;
		if ((double)(chu__rng_next(&rs) >> 11) / 9007199254740992.0 < o->uppercase)
			order[n_order++] = s * 3 + 2;
	}
	for (int e = 1; e <= o->epochs && rc >= 0; e++) {
		for (size_t i = n_order; i > 1; i--) {
			size_t j = (size_t)(chu__rng_next(&rs) % i);
			size_t t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		size_t errors = 0;
		for (size_t i = 0; i < n_order && rc >= 0; i++) {
			size_t s = order[i] / 3;
			int kind = (int)(order[i] % 3);
			size_t a = train.start[s], n = train.start[s + 1] - a;
			rc = work_reserve(&k, n);
			if (rc < 0)
				break;
			const uint8_t *sh = (kind == 1 ? train.lshape : kind == 2 ? train.ushape : train.shape) + a;
			decode(&W, &lx, train.syl + a, sh, n, &k, false, false);
			for (size_t p = 0; p < n; p++)
				errors += k.label[p] != train.gold[a + p];
			update(&W, sh, train.gold + a, n, &k);
		}
		double fh = held.n_sents ? evaluate(&W, &lx, &held, &k, 0) : 0;
		double fd = dev.n_sents ? evaluate(&W, &lx, &dev, &k, 0) : 0;
		double fl = dev.n_sents ? evaluate(&W, &lx, &dev, &k, 1) : 0;
		say(o, "epoch %d: %zu label errors, %zu features; F1 held-out %.2f, dev %.2f, dev lowercased %.2f", e, errors,
		    W.used, fh, fd, fl);
	}
	if (rc >= 0)
		rc = save(o, &W, &lx, &train);
	free(order);
	work_free(&k);
	weights_free(&W);
	free(lx.set);
	free(lx.assoc);
	free(lx.prefix_len);
	corpus_free(&train);
	corpus_free(&held);
	corpus_free(&dev);
	chu__buf_free(&scratch);
	return rc;
}
