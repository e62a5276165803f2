/*
 * train_tag.c — training chu's taggers (parts of speech, named entities): an averaged structured
 * perceptron over K labels with the feature code of src/tag.c. Deterministic for a given seed.
 */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the corpus ---- */

typedef struct corpus {
	chu__buf text;    /* the files' bytes, kept: words point into them */
	chu__buf words;   /* chu_span per word */
	chu__buf gold;    /* label per word (uint8) */
	chu__buf starts;  /* size_t per sentence: its first word; one more at the end */
	size_t n_sents, n_words;
	uint64_t *feats;  /* n_words × nf feature hashes */
	uint64_t *efeats; /* n_words × CHU__TAG_EDGE_FEATURES edge feature hashes */
} corpus;

typedef struct labels {
	char names[CHU__TAG_MAX_LABELS][16];
	int n;
} labels;

static void corpus_init(corpus *c)
{
	memset(c, 0, sizeof *c);
	chu__buf_init(&c->text, &chu__default_allocator);
	chu__buf_init(&c->words, &chu__default_allocator);
	chu__buf_init(&c->gold, &chu__default_allocator);
	chu__buf_init(&c->starts, &chu__default_allocator);
}

static void corpus_free(corpus *c)
{
	chu__buf_free(&c->text);
	chu__buf_free(&c->words);
	chu__buf_free(&c->gold);
	chu__buf_free(&c->starts);
	free(c->feats);
	free(c->efeats);
}

/* The label index of name, added when add is set; -1 when unknown or too many. */
static int label_of(labels *L, const char *name, size_t len, bool add)
{
	if (len == 0 || len > 15)
		return -1;
	for (int i = 0; i < L->n; i++)
		if (strlen(L->names[i]) == len && memcmp(L->names[i], name, len) == 0)
			return i;
	if (!add || L->n == CHU__TAG_MAX_LABELS)
		return -1;
	memcpy(L->names[L->n], name, len);
	L->names[L->n][len] = 0;
	return L->n++;
}

/* Reads a TSV file (word<TAB>tag, a blank line after each sentence) into the corpus that keep
 * chooses for each sentence (counter numbers sentences across calls); tags go through L. Pass 0
 * collects label names (add), later passes map them. */
static int read_tsv(const char *path, corpus *a, corpus *b, int every, size_t *counter, labels *L, bool add)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return CHU_EIO;
	chu__buf raw;
	chu__buf_init(&raw, &chu__default_allocator);
	int rc = CHU_OK;
	char tmp[65536];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		chu__buf_put(&rc, &raw, tmp, k);
	bool err = ferror(f);
	fclose(f);
	if (rc < 0 || err) {
		chu__buf_free(&raw);
		return rc < 0 ? rc : CHU_EIO;
	}
	chu__buf_putc(&rc, &raw, '\n');
	size_t i = 0, n = raw.len;
	corpus *cur = NULL;
	size_t sent_words = 0;
	while (i < n && rc >= 0) {
		const char *line = raw.data + i;
		const char *nl = memchr(line, '\n', n - i);
		size_t len = (size_t)(nl - line);
		i += len + 1;
		if (len && line[len - 1] == '\r')
			len--;
		if (len == 0) {
			if (sent_words && cur) {
				size_t w = cur->n_words;
				chu__buf_put(&rc, &cur->starts, &w, sizeof w);
				cur->n_sents++;
			}
			sent_words = 0;
			cur = NULL;
			continue;
		}
		const char *tab = memrchr(line, '\t', len);
		if (!tab || tab == line)
			continue; /* not a token line */
		if (sent_words == 0) {
			size_t s = (*counter)++;
			cur = every > 0 && b && s % (size_t)every == (size_t)every - 1 ? b : a;
			if (cur->starts.len == 0) {
				size_t z = 0;
				chu__buf_put(&rc, &cur->starts, &z, sizeof z);
			}
		}
		int lab = label_of(L, tab + 1, (size_t)(line + len - tab - 1), add);
		if (lab < 0)
			lab = 0; /* a tag the model does not know (dev only): scored as wrong */
		chu_span sp = {cur->text.len, cur->text.len + (size_t)(tab - line)};
		chu__buf_put(&rc, &cur->text, line, (size_t)(tab - line));
		chu__buf_putc(&rc, &cur->text, ' ');
		chu__buf_put(&rc, &cur->words, &sp, sizeof sp);
		uint8_t g = (uint8_t)lab;
		chu__buf_put(&rc, &cur->gold, &g, 1);
		cur->n_words++;
		sent_words++;
	}
	if (sent_words && cur && rc >= 0) {
		size_t w = cur->n_words;
		chu__buf_put(&rc, &cur->starts, &w, sizeof w);
		cur->n_sents++;
	}
	chu__buf_free(&raw);
	return rc;
}

static size_t sent_start(const corpus *c, size_t s) { return ((const size_t *)(const void *)c->starts.data)[s]; }

/* The tag counts behind the ambiguity table: per word form (key: form hash | 1), K counts and
 * the total, K + 1 uint32 a slot. */
typedef struct tag_counts {
	uint64_t *key;
	uint32_t *count;
	uint32_t slots; /* a power of two */
	int K;
} tag_counts;

/* The tag set of a training word with its own sentence's occurrences taken out of the counts
 * (leave one sentence out): a word seen in one sentence only gets none, as an unseen word does
 * when the tagger runs, so the tagger does not learn to trust tag sets that name the answer. */
static uint64_t ambiguity_without(const tag_counts *tc, const uint64_t *form, const uint8_t *gold, size_t n, size_t i)
{
	uint64_t k = form[i] | 1;
	uint32_t j = (uint32_t)(k >> 1) & (tc->slots - 1);
	while (tc->key[j] && tc->key[j] != k)
		j = (j + 1) & (tc->slots - 1);
	if (!tc->key[j])
		return 0;
	uint32_t own[CHU__TAG_MAX_LABELS + 1] = {0};
	for (size_t q = 0; q < n; q++)
		if (form[q] == form[i]) {
			own[gold[q]]++;
			own[tc->K]++;
		}
	return chu__tag_set(tc->count + (size_t)j * (size_t)(tc->K + 1), own, tc->K);
}

uint64_t chu__tag_set(const uint32_t *count, const uint32_t *own, int K)
{
	double total = (double)(count[K] - (own ? own[K] : 0));
	uint64_t mask = 0;
	for (int y = 0; y < K; y++) {
		uint32_t c = count[y] - (own ? own[y] : 0);
		if (c && (double)c >= 0.05 * total)
			mask |= 1ULL << y;
	}
	return mask;
}

/* Computes every word's features once (they do not depend on the weights). With own (the
 * training corpus), each word's tag set leaves its own sentence out. */
static int corpus_features(corpus *c, const chu__train_tag_opts *o, chu_ctx *ctx, const uint64_t *ambig,
                           uint32_t ambig_slots, const tag_counts *own)
{
	int nf = chu__tag_n_features(o->task);
	c->feats = malloc((c->n_words + 1) * (size_t)nf * sizeof(uint64_t));
	c->efeats = calloc((c->n_words + 1) * CHU__TAG_EDGE_FEATURES, sizeof(uint64_t));
	size_t cap = 1;
	for (size_t s = 0; s < c->n_sents; s++)
		if (sent_start(c, s + 1) - sent_start(c, s) > cap)
			cap = sent_start(c, s + 1) - sent_start(c, s);
	uint64_t *form = malloc(cap * 8), *first = malloc(cap * 8), *last = malloc(cap * 8), *pos = malloc(cap * 8),
	         *cue = malloc(cap * 8);
	uint8_t *shape = malloc(cap), *nsyl = malloc(cap), *ptags = malloc(cap), *foreign = malloc(cap);
	int16_t *cl = malloc(cap * sizeof *cl);
	uint16_t *gr = malloc(cap * sizeof *gr);
	uint64_t *amb = malloc(cap * sizeof *amb);
	const void *csec = NULL;
	uint64_t csize = 0;
	if (o->clusters)
		chu__model_section(o->clusters, "clusters", &csec, &csize);
	const uint64_t *ctab = csec;
	uint32_t ctab_slots = (uint32_t)(csize / 8);
	chu__buf scratch;
	chu__buf_init(&scratch, &chu__default_allocator);
	int rc = c->feats && c->efeats && form && first && last && pos && cue && shape && nsyl && ptags && foreign && cl && gr && amb ? CHU_OK : CHU_ENOMEM;
	const chu_span *words = (const chu_span *)(void *)c->words.data;
	for (size_t s = 0; s < c->n_sents && rc >= 0; s++) {
		size_t a = sent_start(c, s), n = sent_start(c, s + 1) - a;
		chu__tag_words W = {form, first, last, shape, nsyl, NULL, NULL, foreign, cl, NULL, gr};
		rc = chu__tag_prepare(c->text.data, words + a, n, &W, &scratch);
		if (rc < 0)
			break;
		for (size_t i = 0; i < n; i++)
			cl[i] = (int16_t)chu__cluster_of(ctab, ctab_slots, form[i], &gr[i]);
		if (ambig) {
			const uint8_t *gold = (const uint8_t *)c->gold.data + a;
			for (size_t i = 0; i < n; i++)
				amb[i] = own ? ambiguity_without(own, form, gold, n, i) : chu__tag_ambiguity(ambig, ambig_slots, form[i]);
			W.amb = amb;
		}
		if (o->task == CHU_TAGGER_NER) {
			for (size_t i = 0; i < n; i++)
				pos[i] = 0;
			if (o->pos_model) {
				/* the part-of-speech model's own tags, without the amount rule chu_tag adds: the
				 * committed ner.chm was trained so (retrained on the rule's tags, one run of make
				 * model: VLSP 2016 dev 91.65, against 92.23 for the committed model run with them) */
				rc = chu__tag_model_only(ctx, o->pos_model, CHU_TAGGER_POS, c->text.data, words + a, n, NULL, ptags);
				for (size_t i = 0; i < n && rc >= 0; i++)
					pos[i] = chu__tag_name_hash(chu_tag_name(o->pos_model, CHU_TAGGER_POS, ptags[i]));
			}
			chu__tag_cues(form, first, n, cue);
			W.pos = pos;
			W.cue = cue;
		}
		for (size_t i = 0; i < n; i++) {
			chu__tag_features(o->task, &W, n, i, c->feats + (a + i) * (size_t)nf);
			if (i)
				chu__tag_edge_features(o->task, &W, n, i, c->efeats + (a + i) * CHU__TAG_EDGE_FEATURES);
		}
	}
	free(form);
	free(first);
	free(last);
	free(pos);
	free(cue);
	free(shape);
	free(nsyl);
	free(ptags);
	free(foreign);
	free(cl);
	free(gr);
	free(amb);
	chu__buf_free(&scratch);
	return rc;
}

/* ---- the weights ---- */

/* A feature's row: its labels' weights, at an offset of a pool. Tagger rows have K labels; an
 * accent row has as many as its syllable has candidates (the features are conjoined with it). */
typedef struct weights {
	int K;
	uint64_t *key;   /* feature hash | 1, 0 empty */
	uint64_t *off;   /* its row's offset in w and u */
	uint8_t *width;  /* its row's labels */
	uint64_t mask;
	size_t rows, pool, pool_cap;
	float *w;        /* current weights */
	double *u;       /* sums of (clock × delta), for averaging */
	double *tw, *tu; /* (K + 1) × K transitions */
	double c;        /* the update clock */
	int ne;          /* edge features a word (chu__tag_edge_features) */
} weights;

static int weights_init(weights *W, int K, unsigned bits)
{
	memset(W, 0, sizeof *W);
	W->K = K;
	size_t n = (size_t)1 << bits;
	W->key = calloc(n, 8);
	W->off = calloc(n, 8);
	W->width = calloc(n, 1);
	W->tw = calloc((size_t)(K + 1) * (size_t)K, sizeof(double));
	W->tu = calloc((size_t)(K + 1) * (size_t)K, sizeof(double));
	W->mask = n - 1;
	W->c = 1;
	return W->key && W->off && W->width && W->tw && W->tu ? CHU_OK : CHU_ENOMEM;
}

static void weights_free(weights *W)
{
	free(W->key);
	free(W->off);
	free(W->width);
	free(W->w);
	free(W->u);
	free(W->tw);
	free(W->tu);
}

/* The row offset of feature f: added (width labels) when insert is set; SIZE_MAX when absent (or
 * the table is full). */
static size_t row_of(weights *W, uint64_t f, bool insert, int width)
{
	uint64_t k = f | 1;
	for (uint64_t i = (f >> 1) & W->mask;; i = (i + 1) & W->mask) {
		if (W->key[i] == k)
			return W->off[i];
		if (W->key[i])
			continue;
		if (!insert || W->rows * 10 > (W->mask + 1) * 7)
			return SIZE_MAX;
		if (W->pool + (size_t)width > W->pool_cap) {
			size_t cap = W->pool_cap ? W->pool_cap * 2 : (size_t)1 << 20;
			while (cap < W->pool + (size_t)width)
				cap *= 2;
			float *nw = realloc(W->w, cap * sizeof(float));
			if (nw)
				W->w = nw;
			double *nu = nw ? realloc(W->u, cap * sizeof(double)) : NULL;
			if (!nw || !nu)
				return SIZE_MAX;
			W->u = nu;
			W->pool_cap = cap;
		}
		memset(W->w + W->pool, 0, (size_t)width * sizeof(float));
		memset(W->u + W->pool, 0, (size_t)width * sizeof(double));
		W->key[i] = k;
		W->off[i] = W->pool;
		W->width[i] = (uint8_t)width;
		W->pool += (size_t)width;
		W->rows++;
		return W->off[i];
	}
}

/* ---- decoding and updating one sentence ---- */

typedef struct work {
	float *score, *edge, *trans, *d;
	uint8_t *back, *label;
	size_t cap;
} work;

static int work_reserve(work *k, size_t n, int K)
{
	if (n <= k->cap)
		return CHU_OK;
	size_t cap = n * 2;
	free(k->score);
	free(k->edge);
	free(k->back);
	free(k->label);
	k->score = malloc(cap * (size_t)K * sizeof(float));
	k->edge = malloc(cap * (size_t)K * (size_t)K * sizeof(float));
	k->back = malloc(cap * (size_t)K);
	k->label = malloc(cap);
	k->cap = cap;
	return k->score && k->edge && k->back && k->label ? CHU_OK : CHU_ENOMEM;
}

/* Adds feature f's row (current or averaged weights) to s[0..K). */
static void add_row(weights *W, uint64_t f, bool averaged, float *s)
{
	int K = W->K;
	size_t r = row_of(W, f, false, K);
	if (r == SIZE_MAX)
		return;
	const float *w = W->w + r;
	if (averaged) {
		const double *u = W->u + r;
		for (int y = 0; y < K; y++)
			s[y] += (float)(w[y] - u[y] / W->c);
	} else {
		for (int y = 0; y < K; y++)
			s[y] += w[y];
	}
}

static void decode(weights *W, const uint64_t *feats, const uint64_t *efeats, int nf, size_t n, const uint8_t *allowed,
                   bool averaged, work *k)
{
	int K = W->K;
	memset(k->score, 0, n * (size_t)K * sizeof(float));
	if (W->ne)
		memset(k->edge, 0, n * (size_t)K * (size_t)K * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < nf; j++)
			add_row(W, feats[i * (size_t)nf + (size_t)j], averaged, k->score + i * (size_t)K);
		if (i == 0 || !W->ne)
			continue;
		for (int a = 0; a < K; a++)
			for (int j = 0; j < W->ne; j++)
				add_row(W, chu__tag_edge_key(efeats[i * CHU__TAG_EDGE_FEATURES + (size_t)j], a), averaged,
				        k->edge + (i * (size_t)K + (size_t)a) * (size_t)K);
	}
	for (int t = 0; t < (K + 1) * K; t++)
		k->trans[t] = (float)(averaged ? W->tw[t] - W->tu[t] / W->c : W->tw[t]);
	chu__tag_viterbi(k->score, W->ne ? k->edge : NULL, k->trans, allowed, n, K, k->d, k->back, k->label);
}

static void bump(weights *W, size_t r, int y, float d)
{
	W->w[r + (size_t)y] += d;
	W->u[r + (size_t)y] += W->c * d;
}

static void update(weights *W, const uint64_t *feats, const uint64_t *efeats, int nf, const uint8_t *gold, size_t n,
                   work *k)
{
	int K = W->K;
	for (size_t i = 0; i < n; i++) {
		if (gold[i] != k->label[i]) {
			for (int j = 0; j < nf; j++) {
				size_t r = row_of(W, feats[i * (size_t)nf + (size_t)j], true, K);
				if (r == SIZE_MAX)
					continue;
				bump(W, r, gold[i], 1.0f);
				bump(W, r, k->label[i], -1.0f);
			}
		}
		int gp = i ? gold[i - 1] + 1 : 0, pp = i ? k->label[i - 1] + 1 : 0;
		int gt = gp * K + gold[i], pt = pp * K + k->label[i];
		if (gt != pt && i > 0) {
			for (int j = 0; j < W->ne; j++) {
				uint64_t ef = efeats[i * CHU__TAG_EDGE_FEATURES + (size_t)j];
				size_t r = row_of(W, chu__tag_edge_key(ef, gp - 1), true, K);
				if (r != SIZE_MAX)
					bump(W, r, gold[i], 1.0f);
				r = row_of(W, chu__tag_edge_key(ef, pp - 1), true, K);
				if (r != SIZE_MAX)
					bump(W, r, k->label[i], -1.0f);
			}
		}
		if (gt != pt) {
			W->tw[gt] += 1;
			W->tu[gt] += W->c;
			W->tw[pt] -= 1;
			W->tu[pt] -= W->c;
		}
	}
	W->c += 1;
}

/* ---- scores ---- */

/* Entity spans of BIO labels as (start, end, type label) triples counted against gold. */
static void count_spans(const labels *L, const uint8_t *g, const uint8_t *p, size_t n, size_t *correct, size_t *ng,
                        size_t *np)
{
	for (int which = 0; which < 2; which++) {
		const uint8_t *x = which ? p : g;
		for (size_t i = 0; i < n; i++) {
			const char *name = L->names[x[i]];
			if (name[0] != 'B' || name[1] != '-')
				continue;
			size_t e = i + 1;
			while (e < n && L->names[x[e]][0] == 'I' && strcmp(L->names[x[e]] + 2, name + 2) == 0)
				e++;
			if (which) {
				(*np)++;
				/* correct when gold has the same span: B at i, same type, ends at e */
				bool same = g[i] == x[i];
				for (size_t j = i + 1; j < e && same; j++)
					same = g[j] == x[j];
				same = same && !(e < n && L->names[g[e]][0] == 'I' && strcmp(L->names[g[e]] + 2, name + 2) == 0);
				*correct += same;
			} else {
				(*ng)++;
			}
			i = e - 1;
		}
	}
}

/* Token accuracy (parts of speech) or entity-span F1 (named entities), in percent. */
static double evaluate(weights *W, const corpus *c, int nf, const labels *L, const uint8_t *allowed, bool spans, work *k)
{
	size_t correct = 0, total = 0, ng = 0, np = 0;
	const uint8_t *gold = (const uint8_t *)c->gold.data;
	for (size_t s = 0; s < c->n_sents; s++) {
		size_t a = sent_start(c, s), n = sent_start(c, s + 1) - a;
		if (work_reserve(k, n, W->K) < 0)
			return -1;
		decode(W, c->feats + a * (size_t)nf, c->efeats + a * CHU__TAG_EDGE_FEATURES, nf, n, allowed, true, k);
		if (spans) {
			count_spans(L, gold + a, k->label, n, &correct, &ng, &np);
		} else {
			for (size_t i = 0; i < n; i++)
				correct += k->label[i] == gold[a + i];
			total += n;
		}
	}
	if (!spans)
		return total ? 100.0 * (double)correct / (double)total : 0;
	double p = np ? (double)correct / (double)np : 0, r = ng ? (double)correct / (double)ng : 0;
	return p + r > 0 ? 200.0 * p * r / (p + r) : 0;
}

/* ---- saving ---- */

static double avg_at(const weights *W, size_t j) { return W->w[j] - W->u[j] / W->c; }

/* Writes the model: the averaged weights in int16 (the max_features strongest rows when set),
 * the transitions, the label names, and n_extra more sections. */
static int save(const chu__train_tag_opts *o, weights *W, const labels *L, size_t *n_kept, const char *const *xnames,
                const void *const *xdata, const uint64_t *xsizes, size_t n_extra)
{
	int K = W->K;
	double maxw = 1e-9;
	for (size_t j = 0; j < W->pool; j++) {
		double a = fabs(avg_at(W, j));
		if (a > maxw)
			maxw = a;
	}
	float scale = (float)(32000.0 / maxw);
	/* a row's strength: the sum of its averaged weights' magnitudes */
	size_t nslot = (size_t)W->mask + 1;
	double *strength = calloc(nslot, sizeof *strength);
	double *sorted = malloc((W->rows + 1) * sizeof *sorted);
	uint32_t *entries = malloc((W->pool + 1) * 4);
	uint64_t *keys = malloc((W->rows + 1) * 8);
	uint32_t *first = malloc((W->rows + 1) * 4);
	float *trans = malloc((size_t)(K + 1) * (size_t)K * sizeof(float));
	uint64_t *table = NULL;
	int rc = strength && sorted && entries && keys && first && trans ? CHU_OK : CHU_ENOMEM;
	size_t ns = 0;
	for (size_t i = 0; i < nslot && rc >= 0; i++) {
		if (!W->key[i])
			continue;
		double t = 0;
		for (int y = 0; y < W->width[i]; y++)
			t += fabs(avg_at(W, W->off[i] + (size_t)y));
		strength[i] = t;
		sorted[ns++] = t;
	}
	double floor_s = 0;
	if (rc >= 0 && o->max_features && ns > o->max_features) {
		qsort(sorted, ns, sizeof *sorted, chu__cmp_double_desc);
		floor_s = sorted[o->max_features - 1];
	}
	/* the entries of each kept row, in table-slot order (deterministic) */
	size_t ne = 0, kept = 0;
	for (size_t i = 0; i < nslot && rc >= 0; i++) {
		if (!W->key[i] || strength[i] < floor_s || strength[i] * scale < 1)
			continue;
		size_t start = ne;
		for (int y = 0; y < W->width[i]; y++) {
			long q = lrint(avg_at(W, W->off[i] + (size_t)y) * scale);
			if (q == 0)
				continue;
			q = q > 32767 ? 32767 : q < -32767 ? -32767 : q;
			entries[ne++] = (uint32_t)y | (uint32_t)(uint16_t)(int16_t)q << 8;
		}
		if (ne == start)
			continue;
		entries[ne - 1] |= 1u << 24;
		keys[kept] = W->key[i];
		first[kept] = (uint32_t)start;
		kept++;
	}
	uint32_t n_slots = 1024;
	while (n_slots < kept * 2 + 16)
		n_slots *= 2;
	if (rc >= 0 && !(table = calloc(n_slots, 8)))
		rc = CHU_ENOMEM;
	for (size_t j = 0; j < kept && rc >= 0; j++) {
		uint64_t f = keys[j];
		uint32_t key = (uint32_t)(f >> 32) | 1u, m = n_slots - 1;
		uint32_t i = (uint32_t)(f >> 1) & m;
		while ((uint32_t)table[i])
			i = (i + 1) & m;
		table[i] = key | (uint64_t)first[j] << 32;
	}
	if (rc >= 0 && ne == 0) { /* an untrained model still needs one entry to be well formed */
		entries[0] = 1u << 24;
		ne = 1;
	}
	for (int t = 0; trans && t < (K + 1) * K; t++)
		trans[t] = (float)(W->tw[t] - W->tu[t] / W->c);
	struct {
		uint32_t n_labels, n_slots, n_entries, n_features, task;
		float scale;
		uint32_t reserved[2];
	} meta = {(uint32_t)K, n_slots, (uint32_t)ne, (uint32_t)chu__tag_n_features(o->task), (uint32_t)o->task, scale, {0, 0}};
	const char *p = o->task == CHU_TAGGER_NER ? "ner" : o->task == CHU_TAGGER_POS ? "pos" : "acc";
	/* the accent restorer reads the table; a tagger reads the slots, rows and filter made of it */
	chu__tag_runtime rt = {0};
	bool tagger = o->task != CHU__TAGGER_ACCENT;
	if (rc >= 0 && tagger)
		rc = chu__tag_runtime_build(table, n_slots, entries, (uint32_t)ne, K, &rt);
	enum { BASE = 7, EXTRA = 8 };
	char names[BASE][24];
	const char *suffix[BASE] = {"meta", "labels", "trans", "entries", "slots", "dense", "bloom"};
	const size_t KP8 = ((size_t)K + 7) & ~(size_t)7;
	const char *np[BASE + EXTRA];
	const void *data[BASE + EXTRA] = {&meta, L->names, trans, entries, rt.slots, rt.dense, rt.bloom};
	uint64_t sizes[BASE + EXTRA] = {sizeof meta, (uint64_t)K * 16, (uint64_t)(K + 1) * (uint64_t)K * 4, (uint64_t)ne * 4,
	                                (uint64_t)n_slots * 8, (uint64_t)(rt.n_rows * KP8 * 2), (uint64_t)rt.bloom_words * 8};
	size_t nb = tagger ? BASE : 5;
	if (!tagger)
		suffix[4] = "table", data[4] = table;
	for (size_t i = 0; i < nb; i++) {
		snprintf(names[i], sizeof names[i], "%s.%s", p, suffix[i]);
		np[i] = names[i];
	}
	size_t nx = n_extra < EXTRA ? n_extra : EXTRA;
	for (size_t i = 0; i < nx; i++) {
		np[nb + i] = xnames[i];
		data[nb + i] = xdata[i];
		sizes[nb + i] = xsizes[i];
	}
	if (rc >= 0)
		rc = chu__model_write(o->out, np, data, sizes, nb + nx);
	chu__tag_runtime_free(&rt);
	*n_kept = kept;
	free(strength);
	free(sorted);
	free(trans);
	free(table);
	free(entries);
	free(keys);
	free(first);
	return rc;
}

/* ---- training ---- */

static void say(const chu__train_tag_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const chu__train_tag_opts *o, const char *fmt, ...)
{
	if (!o->progress)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->progress(o->ud, msg);
}

static int cmp_label(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* The tag set of every training word: a table of (form hash | 1, mask of the tags given to at
 * least 5% of its occurrences), for chu__tag_ambiguity. */
static int build_ambiguity(const corpus *c, int K, uint64_t **out, uint32_t *out_slots, tag_counts *counts)
{
	uint32_t slots = 1024;
	while (slots < c->n_words + 16) /* at most half full: distinct words are fewer than words */
		slots *= 2;
	uint64_t *key = calloc(slots, 8);
	uint32_t *count = calloc((size_t)slots * (size_t)(K + 1), 4); /* per slot: K counts and the total */
	size_t cap = 1;
	for (size_t s = 0; s < c->n_sents; s++)
		if (sent_start(c, s + 1) - sent_start(c, s) > cap)
			cap = sent_start(c, s + 1) - sent_start(c, s);
	uint64_t *form = malloc(cap * 8), *first = malloc(cap * 8), *last = malloc(cap * 8);
	uint8_t *shape = malloc(cap), *nsyl = malloc(cap);
	chu__buf scratch;
	chu__buf_init(&scratch, &chu__default_allocator);
	int rc = key && count && form && first && last && shape && nsyl ? CHU_OK : CHU_ENOMEM;
	const chu_span *words = (const chu_span *)(void *)c->words.data;
	const uint8_t *gold = (const uint8_t *)c->gold.data;
	for (size_t s = 0; s < c->n_sents && rc >= 0; s++) {
		size_t a = sent_start(c, s), n = sent_start(c, s + 1) - a;
		chu__tag_words W = {form, first, last, shape, nsyl, NULL, NULL, NULL, NULL, NULL, NULL};
		if ((rc = chu__tag_prepare(c->text.data, words + a, n, &W, &scratch)) < 0)
			break;
		for (size_t i = 0; i < n; i++) {
			uint64_t k = form[i] | 1;
			uint32_t j = (uint32_t)(k >> 1) & (slots - 1);
			while (key[j] && key[j] != k)
				j = (j + 1) & (slots - 1);
			key[j] = k;
			count[(size_t)j * (size_t)(K + 1) + gold[a + i]]++;
			count[(size_t)j * (size_t)(K + 1) + (size_t)K]++;
		}
	}
	/* the model's table: half full, in the counting table's slot order (deterministic) */
	size_t distinct = 0;
	for (uint32_t j = 0; j < slots; j++)
		distinct += key[j] != 0;
	uint32_t tslots = 1024;
	while (tslots < distinct * 2 + 16)
		tslots *= 2;
	uint64_t *table = rc >= 0 ? calloc((size_t)tslots * 2, 8) : NULL;
	if (rc >= 0 && !table)
		rc = CHU_ENOMEM;
	for (uint32_t j = 0; rc >= 0 && j < slots; j++) {
		if (!key[j])
			continue;
		uint64_t mask = chu__tag_set(count + (size_t)j * (size_t)(K + 1), NULL, K);
		uint32_t t = (uint32_t)(key[j] >> 1) & (tslots - 1);
		while (table[2 * t])
			t = (t + 1) & (tslots - 1);
		table[2 * t] = key[j];
		table[2 * t + 1] = mask;
	}
	if (rc >= 0 && counts) {
		*counts = (tag_counts){key, count, slots, K}; /* the caller frees them */
		key = NULL;
		count = NULL;
	}
	slots = tslots;
	free(key);
	free(count);
	free(form);
	free(first);
	free(last);
	free(shape);
	free(nsyl);
	chu__buf_free(&scratch);
	*out = table;
	*out_slots = slots;
	return rc;
}

int chu__train_tag(const chu__train_tag_opts *o)
{
	if (!o || !o->out || o->n_train == 0 || (o->task != CHU_TAGGER_POS && o->task != CHU_TAGGER_NER))
		return CHU_EINVAL;
	corpus train, held, dev;
	corpus_init(&train);
	corpus_init(&held);
	corpus_init(&dev);
	labels L = {0};
	weights W = {0};
	work k = {0};
	chu_ctx *ctx = NULL;
	size_t *order = NULL;
	int rc = chu_ctx_new(NULL, &ctx);
	/* the label set, sorted by name so that label numbers do not depend on the data's order */
	for (size_t i = 0; i < o->n_train && rc >= 0; i++) {
		corpus tmp;
		corpus_init(&tmp);
		size_t counter = 0;
		rc = read_tsv(o->train[i], &tmp, NULL, 0, &counter, &L, true);
		corpus_free(&tmp);
		if (rc < 0)
			say(o, "cannot read %s", o->train[i]);
	}
	if (rc >= 0 && L.n == 0) {
		say(o, "no word<TAB>tag lines in the training files");
		rc = CHU_EINVAL;
	}
	qsort(L.names, (size_t)L.n, sizeof L.names[0], cmp_label);
	size_t counter = 0;
	for (size_t i = 0; i < o->n_train && rc >= 0; i++)
		rc = read_tsv(o->train[i], &train, i == 0 ? &held : NULL, i == 0 ? o->holdout : 0, &counter, &L, false);
	if (rc >= 0 && o->dev) {
		size_t dc = 0;
		rc = read_tsv(o->dev, &dev, NULL, 0, &dc, &L, false);
		if (rc < 0)
			say(o, "cannot read %s", o->dev);
	}
	/* parts of speech: each training word's tag set (the tags of at least 5% of its occurrences) */
	uint64_t *ambig = NULL;
	uint32_t ambig_slots = 0;
	tag_counts counts = {0};
	if (rc >= 0 && o->task == CHU_TAGGER_POS)
		rc = build_ambiguity(&train, L.n, &ambig, &ambig_slots, &counts);
	for (corpus *c = &train; rc >= 0 && c; c = c == &train ? &held : c == &held ? &dev : NULL)
		rc = corpus_features(c, o, ctx, ambig, ambig_slots, c == &train && counts.key ? &counts : NULL);
	free(counts.key);
	free(counts.count);
	int K = L.n, nf = chu__tag_n_features(o->task);
	bool spans = o->task == CHU_TAGGER_NER;
	uint8_t allowed[(CHU__TAG_MAX_LABELS + 1) * CHU__TAG_MAX_LABELS];
	chu__tag_allowed((const char(*)[16])L.names, K, allowed);
	if (rc >= 0)
		rc = weights_init(&W, K, 23);
	W.ne = chu__tag_n_edges(o->task);
	if (rc >= 0) {
		k.trans = malloc((size_t)(K + 1) * (size_t)K * sizeof(float));
		k.d = malloc(2 * (size_t)K * sizeof(float));
		order = malloc((train.n_sents + 1) * sizeof *order);
		if (!k.trans || !k.d || !order)
			rc = CHU_ENOMEM;
	}
	if (rc >= 0)
		say(o, "train %zu sentences (%zu words), held out %zu, dev %zu; %d labels, %d features a word", train.n_sents,
		    train.n_words, held.n_sents, dev.n_sents, K, nf);
	uint64_t rs = o->seed;
	for (size_t s = 0; order && s < train.n_sents; s++)
		order[s] = s;
	const uint8_t *gold = (const uint8_t *)train.gold.data;
	/* runs: the whole training repeated with other sentence orders, the averaged weights of the
	 * runs averaged again (a perceptron's result depends on the order it saw the data in) */
	int runs = o->runs > 0 ? o->runs : 1;
	double *sum = NULL, tsum[(CHU__TAG_MAX_LABELS + 1) * CHU__TAG_MAX_LABELS] = {0};
	size_t sum_len = 0;
	for (int run = 1; run <= runs && rc >= 0; run++) {
	if (run > 1) {
		memset(W.w, 0, W.pool * sizeof *W.w);
		memset(W.u, 0, W.pool * sizeof *W.u);
		memset(W.tw, 0, (size_t)(K + 1) * (size_t)K * sizeof *W.tw);
		memset(W.tu, 0, (size_t)(K + 1) * (size_t)K * sizeof *W.tu);
		W.c = 1;
		for (size_t s = 0; s < train.n_sents; s++)
			order[s] = s;
	}
	for (int e = 1; e <= o->epochs && rc >= 0; e++) {
		for (size_t i = train.n_sents; i > 1; i--) {
			size_t j = (size_t)(chu__rng_next(&rs) % i), t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		size_t errors = 0;
		for (size_t i = 0; i < train.n_sents && rc >= 0; i++) {
			size_t s = order[i], a = sent_start(&train, s), n = sent_start(&train, s + 1) - a;
			rc = work_reserve(&k, n, K);
			if (rc < 0)
				break;
			const uint64_t *f = train.feats + a * (size_t)nf, *ef = train.efeats + a * CHU__TAG_EDGE_FEATURES;
			decode(&W, f, ef, nf, n, spans ? allowed : NULL, false, &k);
			size_t wrong = 0;
			for (size_t p = 0; p < n; p++)
				wrong += k.label[p] != gold[a + p];
			errors += wrong;
			if (wrong)
				update(&W, f, ef, nf, gold + a, n, &k);
			else
				W.c += 1;
		}
		double fh = held.n_sents ? evaluate(&W, &held, nf, &L, spans ? allowed : NULL, spans, &k) : 0;
		double fd = dev.n_sents ? evaluate(&W, &dev, nf, &L, spans ? allowed : NULL, spans, &k) : 0;
		say(o, "%sepoch %d: %zu word errors, %zu features; %s held-out %.2f, dev %.2f", runs > 1 ? "run " : "", e, errors,
		    W.rows, spans ? "entity F1" : "accuracy", fh, fd);
	}
	if (runs > 1 && rc >= 0) {
		double *ns = realloc(sum, (W.pool + 1) * sizeof *sum);
		if (!ns) {
			rc = CHU_ENOMEM;
			break;
		}
		sum = ns;
		memset(sum + sum_len, 0, (W.pool - sum_len) * sizeof *sum);
		sum_len = W.pool;
		for (size_t j = 0; j < W.pool; j++)
			sum[j] += avg_at(&W, j);
		for (int t = 0; t < (K + 1) * K; t++)
			tsum[t] += W.tw[t] - W.tu[t] / W.c;
	}
	}
	if (runs > 1 && rc >= 0) { /* the mean of the runs, as weights with nothing left to average */
		for (size_t j = 0; j < W.pool; j++) {
			W.w[j] = (float)(sum[j] / runs);
			W.u[j] = 0;
		}
		for (int t = 0; t < (K + 1) * K; t++) {
			W.tw[t] = tsum[t] / runs;
			W.tu[t] = 0;
		}
		W.c = 1;
		double fh = held.n_sents ? evaluate(&W, &held, nf, &L, spans ? allowed : NULL, spans, &k) : 0;
		double fd = dev.n_sents ? evaluate(&W, &dev, nf, &L, spans ? allowed : NULL, spans, &k) : 0;
		say(o, "the mean of %d runs: %s held-out %.2f, dev %.2f", runs, spans ? "entity F1" : "accuracy", fh, fd);
	}
	free(sum);
	size_t kept = 0;
	if (rc >= 0) {
		/* the word classes go into the model with the weights that use them */
		const void *csec = NULL;
		uint64_t csize = 0;
		char cname[24];
		snprintf(cname, sizeof cname, "%s.clusters", o->task == CHU_TAGGER_NER ? "ner" : "pos");
		char aname[24];
		snprintf(aname, sizeof aname, "%s.ambig", o->task == CHU_TAGGER_NER ? "ner" : "pos");
		if (o->clusters && chu__model_section(o->clusters, "clusters", &csec, &csize) < 0)
			rc = CHU_EFORMAT;
		const char *xn[2];
		const void *xd[2];
		uint64_t xs[2];
		size_t nx = 0;
		if (csec) {
			xn[nx] = cname, xd[nx] = csec, xs[nx] = csize;
			nx++;
		}
		if (ambig) {
			xn[nx] = aname, xd[nx] = ambig, xs[nx] = (uint64_t)ambig_slots * 16;
			nx++;
		}
		if (rc >= 0)
			rc = save(o, &W, &L, &kept, xn, xd, xs, nx);
	}
	if (rc >= 0)
		say(o, "saved %s: %zu features, %d labels", o->out, kept, K);
	free(order);
	free(ambig);
	free(k.score);
	free(k.edge);
	free(k.back);
	free(k.label);
	free(k.trans);
	free(k.d);
	weights_free(&W);
	corpus_free(&train);
	corpus_free(&held);
	corpus_free(&dev);
	chu_ctx_free(ctx);
	return rc;
}

/* ---- the accent restorer ---- */

/* A written syllable form and what it folds to. */
typedef struct form_entry {
	uint64_t hash;   /* hash of the form's bytes | 1 (0: empty slot) */
	uint64_t folded;
	uint32_t count;
	uint32_t text;   /* offset of the form in the pool */
	int32_t label;   /* its index among its folded syllable's candidates, -1 when not kept */
} form_entry;

typedef struct form_table {
	form_entry *e;
	size_t mask, used;
	chu__buf pool;
} form_table;

static uint64_t bytes_hash(const char *s, size_t n)
{
	uint64_t h = 0xCBF29CE484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001B3ULL;
	return (h ^ (h >> 29)) | 1;
}

static form_entry *form_find(form_table *T, const char *s, size_t n, bool add, uint64_t folded)
{
	uint64_t h = bytes_hash(s, n);
	for (size_t i = (size_t)(h >> 3) & T->mask;; i = (i + 1) & T->mask) {
		form_entry *e = &T->e[i];
		if (e->hash == h)
			return e;
		if (e->hash)
			continue;
		if (!add || T->used * 2 > T->mask)
			return NULL;
		int rc = CHU_OK;
		*e = (form_entry){h, folded, 0, (uint32_t)T->pool.len, -1};
		chu__buf_put(&rc, &T->pool, s, n);
		chu__buf_putc(&rc, &T->pool, 0);
		T->used++;
		return rc < 0 ? NULL : e;
	}
}

/* The context hashes of a line's tokens; forms[i] the token's form entry when it is a syllable. */
typedef struct acc_line {
	chu__buf tokens, g, forms;
	size_t n;
} acc_line;

static int acc_read_line(acc_line *L, form_table *T, const char *s, size_t len, bool add)
{
	L->tokens.len = L->g.len = L->forms.len = 0;
	int rc = chu__tokenize(s, len, &L->tokens);
	if (rc < 0)
		return rc;
	const chu_token *t = (const chu_token *)(void *)L->tokens.data;
	size_t n = L->tokens.len / sizeof(chu_token);
	chu__buf_reserve(&rc, &L->g, (n + 1) * 8);
	chu__buf_reserve(&rc, &L->forms, (n + 1) * sizeof(form_entry *));
	if (rc < 0)
		return rc;
	uint64_t *g = (uint64_t *)(void *)L->g.data;
	form_entry **fe = (form_entry **)(void *)L->forms.data;
	for (size_t i = 0; i < n; i++) {
		fe[i] = NULL;
		chu__acc_syl u;
		if (t[i].kind == CHU_TOKEN_SYLLABLE || t[i].kind == CHU_TOKEN_ACRONYM) {
			chu__acc_unit(s + t[i].start, t[i].end - t[i].start, &u);
			if (u.ok) {
				g[i] = u.folded;
				char form[64];
				int k = chu__acc_form(&u, form, sizeof form);
				static form_entry unknown_marked = {0, 0, 0, 0, -1}, unknown_plain = {0, 0, 0, 0, 1 << 16};
				if (k > 0)
					fe[i] = form_find(T, form, (size_t)k, add, u.folded);
				if (!fe[i] && !add) /* never seen in training: wrong unless written without marks */
					fe[i] = u.marked ? &unknown_marked : &unknown_plain;
				if (fe[i] && add)
					fe[i]->count++;
				continue;
			}
		}
		g[i] = chu__acc_other(s, &t[i]);
	}
	L->n = n;
	return CHU_OK;
}

static int cmp_forms(const void *a, const void *b, void *pool)
{
	const form_entry *x = *(const form_entry *const *)a, *y = *(const form_entry *const *)b;
	if (x->folded != y->folded)
		return x->folded < y->folded ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp((const char *)pool + x->text, (const char *)pool + y->text);
}

/* Scores (and, when train, learns from) one line; counts correct syllables of all restorable. */
static void acc_line_run(weights *W, acc_line *L, bool train,
                         size_t *correct, size_t *total)
{
	const uint64_t *g = (const uint64_t *)(void *)L->g.data;
	form_entry **fe = (form_entry **)(void *)L->forms.data;
	uint64_t f[CHU__TAG_MAX_FEATURES];
	float s[CHU__ACC_MAX_CANDS];
	for (size_t i = 0; i < L->n; i++) {
		if (!fe[i])
			continue;
		int nc = (int)(fe[i]->label >> 16), gold = fe[i]->label & 0xFFFF;
		(*total)++;
		if (fe[i]->label < 0) {
			continue; /* a form the dictionary does not keep: never restored right */
		}
		if (nc <= 1) {
			(*correct)++;
			continue;
		}
		int k = chu__acc_features(g, L->n, i, f);
		memset(s, 0, sizeof s);
		for (int j = 0; j < k; j++) {
			size_t r = row_of(W, f[j], false, nc);
			if (r == SIZE_MAX)
				continue;
			for (int y = 0; y < nc; y++)
				s[y] += train ? W->w[r + (size_t)y] : (float)avg_at(W, r + (size_t)y);
		}
		int best = 0;
		for (int y = 1; y < nc; y++)
			if (s[y] > s[best])
				best = y;
		*correct += best == gold;
		if (train) {
			if (best != gold)
				for (int j = 0; j < k; j++) {
					size_t r = row_of(W, f[j], true, nc);
					if (r == SIZE_MAX)
						continue;
					bump(W, r, gold, 1.0f);
					bump(W, r, best, -1.0f);
				}
			W->c += 1;
		}
	}
}

int chu__train_accent(const chu__train_tag_opts *o)
{
	if (!o || !o->out || !o->corpus)
		return CHU_EINVAL;
	size_t len = 0;
	char *text = NULL;
	{
		FILE *fp = fopen(o->corpus, "rb");
		if (!fp)
			return CHU_EIO;
		chu__buf b;
		chu__buf_init(&b, &chu__default_allocator);
		char tmp[1 << 16];
		size_t k;
		int rc = CHU_OK;
		while ((k = fread(tmp, 1, sizeof tmp, fp)) > 0 && rc >= 0)
			chu__buf_put(&rc, &b, tmp, k);
		bool err = ferror(fp);
		fclose(fp);
		chu__buf_reserve(&rc, &b, 0);
		if (rc < 0 || err) {
			chu__buf_free(&b);
			return rc < 0 ? rc : CHU_EIO;
		}
		text = b.data;
		len = b.len;
	}
	form_table T = {0};
	T.mask = ((size_t)1 << 22) - 1;
	T.e = calloc(T.mask + 1, sizeof *T.e);
	chu__buf_init(&T.pool, &chu__default_allocator);
	acc_line L;
	chu__buf_init(&L.tokens, &chu__default_allocator);
	chu__buf_init(&L.g, &chu__default_allocator);
	chu__buf_init(&L.forms, &chu__default_allocator);
	weights W = {0};
	labels names = {0};
	form_entry **sorted = NULL;
	uint64_t *dict = NULL;
	uint32_t *cands = NULL;
	chu__buf forms;
	chu__buf_init(&forms, &chu__default_allocator);
	int rc = T.e ? CHU_OK : CHU_ENOMEM;
	int every = o->holdout;
	/* pass 1: the written forms of the training lines */
	size_t lines = 0, held = 0;
	for (size_t a = 0; a < len && rc >= 0; lines++) {
		const char *nl = memchr(text + a, '\n', len - a);
		size_t e = nl ? (size_t)(nl - text) : len;
		if (every > 0 && lines % (size_t)every == (size_t)every - 1)
			held++;
		else
			rc = acc_read_line(&L, &T, text + a, e - a, true);
		a = e + 1;
	}
	/* the dictionary: each folded syllable's forms seen at least twice, most frequent first */
	size_t nf = 0;
	sorted = rc >= 0 ? malloc((T.used + 1) * sizeof *sorted) : NULL;
	if (rc >= 0 && !sorted)
		rc = CHU_ENOMEM;
	for (size_t i = 0; rc >= 0 && i <= T.mask; i++)
		if (T.e[i].hash && T.e[i].count >= 2)
			sorted[nf++] = &T.e[i];
	if (rc >= 0)
		qsort_r(sorted, nf, sizeof *sorted, cmp_forms, T.pool.data);
	size_t groups = 0;
	for (size_t i = 0; i < nf; i++)
		groups += i == 0 || sorted[i]->folded != sorted[i - 1]->folded;
	uint32_t n_slots = 1024;
	while (n_slots < groups * 2 + 16)
		n_slots *= 2;
	dict = rc >= 0 ? calloc(n_slots, 8) : NULL;
	cands = rc >= 0 ? malloc((nf + 1) * 4) : NULL;
	if (rc >= 0 && (!dict || !cands))
		rc = CHU_ENOMEM;
	size_t nc_total = 0;
	for (size_t i = 0; i < nf && rc >= 0;) {
		size_t j = i;
		while (j < nf && sorted[j]->folded == sorted[i]->folded)
			j++;
		size_t count = j - i < CHU__ACC_MAX_CANDS ? j - i : CHU__ACC_MAX_CANDS;
		uint64_t h = sorted[i]->folded;
		uint32_t key = (uint32_t)(h >> 32) | 1u, slot = (uint32_t)(h >> 1) & (n_slots - 1);
		while ((uint32_t)dict[slot])
			slot = (slot + 1) & (n_slots - 1);
		dict[slot] = key | (uint64_t)nc_total << 32 | (uint64_t)count << 56;
		for (size_t k = 0; k < count; k++) {
			const char *s = T.pool.data + sorted[i + k]->text;
			cands[nc_total++] = (uint32_t)forms.len;
			chu__buf_put(&rc, &forms, s, strlen(s) + 1);
			sorted[i + k]->label = (int32_t)((uint32_t)count << 16 | (uint32_t)k);
		}
		i = j;
	}
	say(o, "corpus %zu lines (%zu held out): %zu written forms, %zu kept for %zu folded syllables", lines, held, T.used,
	    nc_total, groups);
	for (int i = 0; i < CHU__ACC_MAX_CANDS; i++)
		snprintf(names.names[i], sizeof names.names[i], "%d", i);
	names.n = CHU__ACC_MAX_CANDS;
	if (rc >= 0)
		rc = weights_init(&W, CHU__ACC_MAX_CANDS, 25);
	for (int ep = 1; ep <= o->epochs && rc >= 0; ep++) {
		size_t c_train = 0, t_train = 0, c_held = 0, t_held = 0;
		size_t line = 0;
		for (size_t a = 0; a < len && rc >= 0; line++) {
			const char *nl = memchr(text + a, '\n', len - a);
			size_t e = nl ? (size_t)(nl - text) : len;
			if (!(every > 0 && line % (size_t)every == (size_t)every - 1)) {
				rc = acc_read_line(&L, &T, text + a, e - a, false);
				if (rc >= 0)
					acc_line_run(&W, &L, true, &c_train, &t_train);
			}
			a = e + 1;
		}
		line = 0;
		for (size_t a = 0; a < len && rc >= 0; line++) {
			const char *nl = memchr(text + a, '\n', len - a);
			size_t e = nl ? (size_t)(nl - text) : len;
			if (every > 0 && line % (size_t)every == (size_t)every - 1) {
				rc = acc_read_line(&L, &T, text + a, e - a, false);
				if (rc >= 0)
					acc_line_run(&W, &L, false, &c_held, &t_held);
			}
			a = e + 1;
		}
		say(o, "epoch %d: %zu features; syllable accuracy training %.2f, held-out %.2f", ep, W.rows,
		    t_train ? 100.0 * (double)c_train / (double)t_train : 0, t_held ? 100.0 * (double)c_held / (double)t_held : 0);
	}
	size_t kept = 0;
	if (rc >= 0) {
		const char *xn[3] = {"acc.dict", "acc.cands", "acc.forms"};
		const void *xd[3] = {dict, cands, forms.data};
		uint64_t xs[3] = {(uint64_t)n_slots * 8, (uint64_t)nc_total * 4, forms.len};
		rc = save(o, &W, &names, &kept, xn, xd, xs, 3);
	}
	if (rc >= 0)
		say(o, "saved %s: %zu features, %zu candidates", o->out, kept, nc_total);
	weights_free(&W);
	free(sorted);
	free(dict);
	free(cands);
	chu__buf_free(&forms);
	chu__buf_free(&L.tokens);
	chu__buf_free(&L.g);
	chu__buf_free(&L.forms);
	chu__buf_free(&T.pool);
	free(T.e);
	free(text);
	return rc;
}
