/*
 * tag.c — chu's sequence labeller: one learner for parts of speech and named entities.
 *
 * A first-order structured perceptron over words with K labels (the segmenter is the same idea
 * specialised to two labels over syllables). A word's features are hashed from its lowercased,
 * tone-normalized syllables (the segmenter's unit forms), its neighbours, its shape and, for named
 * entities, the parts of speech around it. Each feature has a short list of (label, weight)
 * entries; a label's score at a word is the sum over its features; Viterbi over the K × K
 * transition table finds the best sequence exactly (BIO label sets are decoded with I-X allowed
 * only after B-X or I-X). The trainer (src/train_tag.c) uses this file's feature code, so training
 * and tagging can never drift apart.
 *
 * chu_tag gives the labels of that plain computation, faster. A label's score is the sum of its
 * features' int16 weights in int32 (exact in any order) over the model's scale. The facts of a word
 * are remembered by its bytes (word_memo). The features that read one word alone (its own, or the
 * word d away; found at load by asking chu__tag_features, group_features) are summed once per word
 * and group and remembered (sum_memo), as are the word's edge weights; the others are looked up at
 * every word, four words in flight so that memory is fetched ahead (decode_words). A Bloom filter
 * that stays in cache rules out most features the model lacks before the table is read; long entry
 * lists are dense int16 rows added four labels at a time, short ones entry by entry with no branch
 * on the list's length. The trainer writes these tables into the model file, so that loading maps
 * them and does no work (and processes share their pages). Viterbi runs four labels at a time,
 * leaving out the previous labels that provably cannot be best (chu__tag_viterbi_model).
 *
 * Model sections, for a tagger named P ("pos", "ner"):
 *   P.meta     struct tag_meta
 *   P.labels   n_labels names of 16 bytes, NUL-padded
 *   P.trans    (n_labels + 1) × n_labels floats: row 0 from the start, row 1 + a from label a
 *   P.entries  n_entries u32: label (bits 0-7) | weight as int16 (bits 8-23) | last (bit 24)
 *   P.table    n_slots u64: feature key (high 32 bits of its hash, bit 0 set; 0 empty) | first
 *              entry index << 32 (the accent restorer's; a tagger file of format 1 has it instead
 *              of the next three, which are then made of it at load)
 *   P.slots    n_slots u64: the table as decode_words reads it (chu__tag_runtime_build)
 *   P.dense    rows of KP8 (n_labels rounded up to 8) int16 weights; row 0 zeros
 *   P.bloom    a power of two (at least 64) of u64: a Bloom filter of the table's keys
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- hashing (the same mixing as the segmenter's) ---- */

uint64_t chu__tag_name_hash(const char *name)
{
	uint64_t h = 0xCBF29CE484222325ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001B3ULL;
	return chu__mix64(h);
}

/* ---- the words of a sentence ---- */

/* Is text[0, n) a run of letters that cannot be one Vietnamese syllable ("Whitehurst", "Pavel")?
 * Folded, it must be an onset, vowels and a coda Vietnamese writes. */
static bool foreign_syllable(const char *text, size_t n)
{
	static const char *const onsets[] = {"ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c",
	                                     "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "", NULL};
	static const char *const codas[] = {"ch", "ng", "nh", "c", "m", "n", "p", "t", "", NULL};
	char f[24];
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		int32_t cp;
		i += (size_t)chu__utf8_decode((const unsigned char *)text + i, n - i, &cp);
		if (cp < 0)
			return false;
		int32_t c = chu__fold_cp(cp);
		if (c < 'a' || c > 'z' || k == sizeof f - 1)
			return false; /* not a Latin word: say nothing */
		f[k++] = (char)c;
	}
	f[k] = 0;
	size_t a = 0;
	for (const char *const *o = onsets; *o; o++)
		if (strncmp(f, *o, strlen(*o)) == 0) {
			a = strlen(*o);
			break;
		}
	size_t v = a;
	while (f[v] && strchr("aeiouy", f[v]))
		v++;
	if (v == a || v - a > 3)
		return true;
	for (const char *const *c = codas; *c; c++)
		if (strcmp(f + v, *c) == 0)
			return false;
	return true;
}

static bool syl_sep(unsigned char c) { return c == ' ' || c == '_' || c == '\t'; }

int chu__tag_prepare(const char *text, const chu_span *words, size_t n, chu__tag_words *W, chu__buf *scratch)
{
	int rc = CHU_OK;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		uint64_t syl[16];
		uint8_t sh[16];
		size_t k = 0, a = words[i].start, e = words[i].end;
		bool all_title = true, foreign = false;
		while (a < e && rc >= 0) {
			while (a < e && syl_sep((unsigned char)text[a]))
				a++;
			size_t b = a;
			while (b < e && !syl_sep((unsigned char)text[b]))
				b++;
			if (b > a) {
				uint64_t h;
				uint8_t s;
				rc = chu__seg_unit(text + a, b - a, &h, &s, scratch);
				if (k < 16) {
					syl[k] = h;
					sh[k] = s;
				} else { /* a very long word: its tail folds into the last syllable */
					syl[15] = chu__combine(syl[15], h);
				}
				all_title = all_title && (s == 1 || s == 2);
				foreign = foreign || ((s == 1 || s == 2 || s == 0) && foreign_syllable(text + a, b - a));
				k++;
			}
			a = b;
		}
		size_t m = k < 16 ? k : 16;
		if (m == 0) { /* a word of separators only ("_") */
			syl[0] = chu__tag_name_hash(words[i].end > words[i].start ? "_" : "");
			sh[0] = 4;
			m = k = 1;
			all_title = false;
		}
		W->form[i] = m == 1 ? syl[0] : chu__seg_word_hash(syl, m);
		W->first[i] = syl[0];
		W->last[i] = syl[m - 1];
		uint8_t s0 = sh[0], s1 = sh[m - 1];
		W->shape[i] = (uint8_t)(s0 | s1 << 3 | (k > 1) << 6 | (k > 1 && all_title) << 7);
		W->nsyl[i] = (uint8_t)(k < 255 ? k : 255);
		if (W->foreign)
			W->foreign[i] = foreign;
	}
	return rc;
}

/* ---- features ---- */

int chu__tag_features(int task, const chu__tag_words *W, size_t n, size_t i, uint64_t *f)
{
	static const uint64_t BOS = 0x1234567890ABCDEFULL, EOS = 0xFEDCBA0987654321ULL;
	uint64_t w[5], pos[5];
	uint8_t sh[5];
	for (int d = -2; d <= 2; d++) {
		long j = (long)i + d;
		bool in = j >= 0 && j < (long)n;
		w[d + 2] = in ? W->form[j] : j < 0 ? BOS : EOS;
		sh[d + 2] = in ? W->shape[j] : j < 0 ? 254 : 255;
		pos[d + 2] = in && W->pos ? W->pos[j] : j < 0 ? BOS : EOS;
	}
	uint64_t first = W->first[i], last = W->last[i];
	uint64_t lastp = i > 0 ? W->last[i - 1] : BOS, firstn = i + 1 < n ? W->first[i + 1] : EOS;
	int k = 0;
#define T(id, v) f[k++] = chu__combine((uint64_t)(id) << 56, (v))
	T(1, 0); /* bias: the labels' prior */
	T(2, w[2]);
	T(3, w[1]);
	T(4, w[3]);
	T(5, w[0]);
	T(6, w[4]);
	T(7, chu__combine(w[1], w[2]));
	T(8, chu__combine(w[2], w[3]));
	T(9, chu__combine(w[1], w[3]));
	T(10, chu__combine(w[0], w[1]));
	T(11, chu__combine(w[3], w[4]));
	T(12, first);
	T(13, last);
	T(14, chu__combine(first, W->nsyl[i]));
	T(15, sh[2]);
	T(16, (uint64_t)sh[1] << 16 | (uint64_t)sh[2] << 8 | sh[3]);
	T(17, chu__combine(w[2], sh[2] | (uint64_t)(i == 0) << 8));
	T(18, lastp);
	T(19, firstn);
	T(20, chu__combine(w[1], sh[2]));
	T(21, chu__combine(sh[2], w[3]));
	int16_t cl[5];
	for (int d = -2; d <= 2; d++) {
		long j = (long)i + d;
		cl[d + 2] = j >= 0 && j < (long)n && W->cluster ? W->cluster[j] : (int16_t)(j < 0 ? -2 : -3);
	}
	T(50, (uint64_t)(uint16_t)cl[2]);
	T(51, (uint64_t)(uint16_t)cl[1]);
	T(52, (uint64_t)(uint16_t)cl[3]);
	T(53, (uint64_t)(uint16_t)cl[1] << 16 | (uint16_t)cl[2]);
	T(54, (uint64_t)(uint16_t)cl[2] << 16 | (uint16_t)cl[3]);
	T(55, (uint64_t)(uint16_t)cl[2] << 16 | sh[2]);
	T(56, chu__combine(w[1], (uint16_t)cl[2]));
	T(57, chu__combine((uint16_t)cl[2], w[3]));
	if (task == CHU_TAGGER_POS) { /* the tag sets the words had in training (TnT's ambiguity classes) */
		uint64_t am[3];
		for (int d = -1; d <= 1; d++) {
			long j = (long)i + d;
			am[d + 1] = j >= 0 && j < (long)n && W->amb ? W->amb[j] : (uint64_t)(j < 0 ? 1 : 2) << 62;
		}
		T(60, am[1]);
		T(61, chu__combine(am[1], w[1]));
		T(62, chu__combine(am[1], w[3]));
		T(63, chu__combine(am[0], am[1]));
		T(64, chu__combine(am[1], am[2]));
		T(65, chu__combine(chu__combine(am[0], am[1]), am[2]));
	}
	T(34, chu__combine(chu__combine(w[1], w[2]), w[3]));
	T(35, chu__combine(chu__combine(w[0], w[1]), w[2]));
	T(36, chu__combine(chu__combine(w[2], w[3]), w[4]));
	T(37, chu__combine(lastp, first));
	T(38, chu__combine(last, firstn));
	T(39, chu__combine(first, last));
	if (task == CHU_TAGGER_NER) {
		T(22, pos[2]);
		T(23, chu__combine(pos[1], pos[2]));
		T(24, chu__combine(pos[2], pos[3]));
		T(25, chu__combine(pos[2], sh[2]));
		T(26, pos[1]);
		T(27, pos[3]);
		T(28, chu__combine(chu__combine(pos[1], pos[2]), pos[3]));
		T(29, chu__combine(w[1], pos[2]));
		T(30, (uint64_t)sh[0] << 8 | sh[1]);
		T(31, (uint64_t)sh[3] << 8 | sh[4]);
		T(32, chu__combine(W->cue ? W->cue[i] : 0, sh[2]));
		T(40, chu__combine(W->foreign ? W->foreign[i] : 0, sh[2]));
		T(41, (uint64_t)(i > 0 && W->foreign ? W->foreign[i - 1] : 2) << 16 | (uint64_t)(W->foreign ? W->foreign[i] : 0) << 8 |
		          (i + 1 < n && W->foreign ? W->foreign[i + 1] : 2));
		T(33, chu__combine(i > 0 && W->cue ? W->cue[i - 1] : 0, sh[2]));
		/* a wider view: the words three away, the neighbours' classes and tags two away, the
		 * shapes of all five words, and the neighbours' words and tags against the word's class
		 * and shape (together +0.4 F1 on dev, the mean over three seeds) */
		uint64_t wm3 = i >= 3 ? W->form[i - 3] : BOS, wp3 = i + 3 < n ? W->form[i + 3] : EOS;
		T(70, wm3);
		T(71, wp3);
		T(72, (uint64_t)(uint16_t)cl[0]);
		T(73, (uint64_t)(uint16_t)cl[4]);
		T(74, i >= 2 && W->pos ? W->pos[i - 2] : BOS);
		T(75, i + 2 < n && W->pos ? W->pos[i + 2] : EOS);
		T(76, chu__combine(pos[1], w[2]));
		T(77, chu__combine(w[2], pos[3]));
		T(78, (uint64_t)sh[0] << 32 | (uint64_t)sh[1] << 24 | (uint64_t)sh[2] << 16 | (uint64_t)sh[3] << 8 | sh[4]);
		T(79, (uint64_t)(uint16_t)cl[1] << 32 | (uint64_t)(uint16_t)cl[2] << 16 | (uint16_t)cl[3]);
		T(80, chu__combine(pos[1], (uint16_t)cl[2]));
		T(81, chu__combine((uint16_t)cl[2], pos[3]));
		T(82, chu__combine(wm3, sh[2]));
		T(83, chu__combine(w[0], sh[2]));
		T(84, chu__combine(w[4], sh[2]));
		T(85, chu__combine(wp3, sh[2]));
		/* the classes' coarser groups (64 and 16 of them), of the word and its neighbours */
		uint16_t gr[3];
		for (int d = -1; d <= 1; d++) {
			long j = (long)i + d;
			gr[d + 1] = j >= 0 && j < (long)n && W->group ? W->group[j] : (uint16_t)(j < 0 ? 0xFFFE : 0xFFFF);
		}
		T(86, gr[1] & 0xFF);
		T(87, gr[1] >> 8);
		T(88, gr[0] & 0xFF);
		T(89, gr[2] & 0xFF);
		T(90, (uint64_t)(gr[0] & 0xFF) << 16 | (gr[1] & 0xFF));
		T(91, (uint64_t)(gr[1] & 0xFF) << 16 | (gr[2] & 0xFF));
		T(92, (uint64_t)(gr[0] >> 8) << 16 | (uint64_t)(gr[1] >> 8) << 8 | (gr[2] >> 8));
	}
#undef T
	return k;
}

/* Edge features: scored with the label pair (previous, current), so the word decides which
 * transitions are likely ("được" after a noun and before a verb). The previous label is hashed
 * in by the caller (chu__tag_edge_key). */
int chu__tag_n_edges(int task) { return task == CHU_TAGGER_NER ? 2 : 0; }

int chu__tag_edge_features(int task, const chu__tag_words *W, size_t n, size_t i, uint64_t *f)
{
	if (!chu__tag_n_edges(task))
		return 0; /* parts of speech: no gain measured, three times the training time */
	int k = 0;
	f[k++] = chu__combine(0x45ULL << 56, W->form[i]);
	f[k++] = chu__combine(0x46ULL << 56, i + 1 < n ? W->form[i + 1] : 0xFEDCBA0987654321ULL);
	return k;
}

uint64_t chu__tag_edge_key(uint64_t f, int prev) { return chu__combine(f, (uint64_t)prev + 0x101); }

int chu__tag_n_features(int task)
{
	return task == CHU_TAGGER_NER ? 72 : task == CHU_TAGGER_POS ? 41 : CHU__ACC_FEATURES;
}

/* ---- decoding ---- */

/* May label b follow label a (a = -1: the start)? I-X only after B-X or I-X. */
static bool bio_ok(const char (*names)[16], int a, int b)
{
	const char *nb = names[b];
	if (!(nb[0] == 'I' && nb[1] == '-'))
		return true;
	if (a < 0)
		return false;
	const char *na = names[a];
	return (na[0] == 'B' || na[0] == 'I') && na[1] == '-' && strcmp(na + 2, nb + 2) == 0;
}

void chu__tag_allowed(const char (*names)[16], int K, uint8_t *allowed)
{
	for (int a = -1; a < K; a++)
		for (int b = 0; b < K; b++)
			allowed[(a + 1) * K + b] = bio_ok(names, a, b);
}

void chu__tag_viterbi(const float *score, const float *edge, const float *trans, const uint8_t *allowed, size_t n, int K,
                      float *d, uint8_t *back, uint8_t *label)
{
	if (n == 0)
		return;
	const float NEG = -1e30f;
	float *cur = d, *nxt = d + K;
	for (int b = 0; b < K; b++)
		cur[b] = allowed && !allowed[b] ? NEG : trans[b] + score[b];
	for (size_t i = 1; i < n; i++) {
		for (int b = 0; b < K; b++) {
			float best = NEG;
			int arg = 0;
			for (int a = 0; a < K; a++) {
				if (allowed && !allowed[(a + 1) * K + b])
					continue;
				float v = cur[a] + trans[(a + 1) * K + b];
				if (edge)
					v += edge[(i * (size_t)K + (size_t)a) * (size_t)K + (size_t)b];
				if (v > best) {
					best = v;
					arg = a;
				}
			}
			nxt[b] = best + score[i * (size_t)K + b];
			back[i * (size_t)K + b] = (uint8_t)arg;
		}
		float *t = cur;
		cur = nxt;
		nxt = t;
	}
	int best = 0;
	for (int b = 1; b < K; b++)
		if (cur[b] > cur[best])
			best = b;
	for (size_t i = n; i-- > 0;) {
		label[i] = (uint8_t)best;
		if (i)
			best = back[i * (size_t)K + best];
	}
}

/* ---- the model ---- */

#define TAG_WORD_FEATURES 72 /* the most features a word has (named entities) */
#define N_WORD_GROUPS 7       /* words -3..3 away */
#define EDGE_OWN 7            /* the edge features of the word, then of the next word */
#define EDGE_NEXT 8
#define N_GROUPS 9
#define SHORT 4                /* lists of at most SHORT entries are added entry by entry, the others
                                * as dense rows */
#define DENSE 0x80000000u

struct tag_meta {
	uint32_t n_labels;   /* K, at most CHU__TAG_MAX_LABELS */
	uint32_t n_slots;    /* slots of the feature table (a power of two) */
	uint32_t n_entries;  /* (label, weight) entries */
	uint32_t n_features; /* features per word (chu__tag_n_features of the task) */
	uint32_t task;       /* CHU_TAGGER_POS or CHU_TAGGER_NER */
	float scale;         /* weight = int16 / scale */
	uint32_t reserved[2];
};

struct chu__tag_model {
	struct tag_meta meta;
	const char (*labels)[16];
	const float *trans;
	const uint64_t *table;
	const uint32_t *entries;
	/* the public taggers' long entry lists (more than SHORT entries: the features of many words,
	 * the bias, shapes, classes) as rows of KP8 int16 weights, each label's or 0 */
	const int16_t *dense;     /* rows of KP8 int16 (row 0: zeros), or NULL (the accent restorer) */
	const uint64_t *slots;    /* n_slots: the table as decode_words reads it, key | where << 32: a
	                           * short list's first entry, or DENSE | its row (DENSE alone: none) */
	uint32_t zeros[SHORT];    /* a short list that adds nothing */
	const uint64_t *bloom;    /* a Bloom filter of the table's keys: two bits a key in one word */
	int bloom_shift;          /* 64 - log2 of its words */
	chu__tag_runtime own;     /* slots, dense and bloom when built at load (a file without them) */
	int numeral;              /* the label M (VLSP 2013's numerals), or -1 */
	/* the features that read one word only (its own, or the word d = -3..3 away: group d + 3),
	 * found by chu__tag_features' behaviour at load (group_features); decode_words remembers
	 * their sums per word and group. A feature of several words, of the tags around, or of where
	 * the word stands is group -1, looked up at every word. */
	int8_t group_of[TAG_WORD_FEATURES];
	int8_t edge_group_of[CHU__TAG_EDGE_FEATURES]; /* EDGE_OWN, EDGE_NEXT, or -1 */
	uint16_t groups;          /* the groups that have features (bits) */
	uint16_t vec_at[N_GROUPS]; /* where each group's sums are in a word's block of int32s */
	uint16_t block;           /* int32s of a word's block */
	int32_t *outside;         /* block: each group's sums for a word before the first (d < 0) or past
	                           * the last (d > 0, the next word's edges) */
	const uint64_t *clusters; /* P.clusters: word classes (src/cluster.c), or NULL */
	uint32_t n_clusters;      /* its slots */
	const uint64_t *ambig;    /* P.ambig: the tag sets of the training words, or NULL */
	uint32_t n_ambig;         /* its slots (pairs of u64) */
	uint8_t allowed[(CHU__TAG_MAX_LABELS + 1) * CHU__TAG_MAX_LABELS];
	bool bio;
	/* trans as viterbi reads it: rows of a multiple of 4 labels, -inf past n_labels and where
	 * allowed forbids a transition */
	uint64_t serial;          /* this model's number in the process, from 1 (what per-thread memories of
	                           * its facts are keyed by) */
	_Alignas(16) float vtrans[(CHU__TAG_MAX_LABELS + 1) * CHU__TAG_MAX_LABELS];
	float trans_max[CHU__TAG_MAX_LABELS]; /* the highest score of a transition from each label */
	float trans_min[CHU__TAG_MAX_LABELS]; /* and the lowest */
};

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

void chu__tag_runtime_free(chu__tag_runtime *rt)
{
	free(rt->slots);
	free(rt->dense);
	free(rt->bloom);
	memset(rt, 0, sizeof *rt);
}

/* The bits of the Bloom filter word that key (the low 32 bits of a slot) sets, and the word. */
static inline uint64_t bloom_hash(uint32_t key) { return (uint64_t)key * 0x9E3779B97F4A7C15ULL; }
static inline uint64_t bloom_bits(uint64_t h) { return 1ULL << (h >> 20 & 63) | 1ULL << (h >> 26 & 63); }

int chu__tag_runtime_build(const uint64_t *table, uint32_t n_slots, const uint32_t *entries, uint32_t n_entries, int K,
                           chu__tag_runtime *rt)
{
	memset(rt, 0, sizeof *rt);
	const uint32_t n = n_entries, ns = n_slots;
	const size_t KP8 = ((size_t)K + 7) & ~(size_t)7;
	/* each list's length, at its first entry, in one pass over the entries in order */
	uint8_t *len = malloc(n ? n : 1);
	if (!len)
		return CHU_ENOMEM;
	for (uint32_t i = 0, start = 0; i < n; i++) {
		len[i] = 0;
		if (entries[i] >> 24 & 1) {
			len[start] = (uint8_t)(i - start + 1 < 255 ? i - start + 1 : 255);
			start = i + 1;
		}
	}
	/* a model's lists are each in one slot, so there are at most this many long ones; a damaged
	 * file that shares them runs out of rows */
	size_t cap = n / (SHORT + 1) + 2;
	rt->slots = calloc(ns, sizeof *rt->slots);
	rt->dense = calloc(cap, KP8 * sizeof *rt->dense);
	/* most features a sentence has are not in the model: a filter of 16 bits a key (a table is at
	 * most half full), small enough to stay in cache, says so for most of them without reading
	 * the table */
	size_t words = 64;
	while (words * 8 < ns)
		words *= 2;
	rt->bloom = calloc(words, sizeof *rt->bloom);
	rt->bloom_words = words;
	int shift = 64 - __builtin_ctzll(words), rc = rt->slots && rt->dense && rt->bloom ? CHU_OK : CHU_ENOMEM;
	size_t r = 1;
	for (uint32_t i = 0; i < ns && rc == CHU_OK; i++) {
		uint64_t e = table[i];
		uint32_t j = (uint32_t)(e >> 32);
		if (!(uint32_t)e)
			continue; /* slots[i] = 0: zeroed */
		uint64_t h = bloom_hash((uint32_t)e);
		rt->bloom[h >> shift] |= bloom_bits(h);
		if (j >= n || len[j] == 0) {
			rc = CHU_EFORMAT; /* a slot that points past the entries or into a list */
		} else if (len[j] <= SHORT && j + SHORT <= n) {
			rt->slots[i] = e;
		} else if (r == cap) {
			rc = CHU_EFORMAT;
		} else {
			int16_t *row = rt->dense + r * KP8;
			for (uint32_t q = j;; q++) {
				row[entries[q] & 0xFF] = (int16_t)(uint16_t)(entries[q] >> 8);
				if (entries[q] >> 24 & 1)
					break;
			}
			rt->slots[i] = (uint32_t)e | (uint64_t)(DENSE | (uint32_t)r) << 32;
			r++;
		}
	}
	free(len);
	rt->n_rows = r;
	if (rc < 0)
		chu__tag_runtime_free(rt);
	return rc;
}

/* The load-time checks read tens of megabytes: no branch but the loop's, so that they run near the
 * speed of memory. (GCC's vector extensions wider than SSE2 were slower: they go through memory.) */

/* Checks the entries: each names a label, and the last ends a list. */
static bool entries_ok(const uint32_t *entries, uint32_t n, uint64_t K)
{
	uint32_t bad = 0;
	for (uint32_t i = 0; i < n; i++)
		bad |= (uint32_t)((entries[i] & 0xFF) >= K) | entries[i] >> 25;
	return bad == 0 && n >= 1 && (entries[n - 1] >> 24 & 1);
}

/* Checks slots as decode_words reads them: a short list's SHORT entries within the entries, a
 * row within the rows, an empty slot. */
static bool slots_ok(const uint64_t *slots, uint32_t ns, uint32_t n_entries, uint64_t n_rows)
{
	uint64_t bad = 0, empty = 0;
	for (uint32_t i = 0; i < ns; i++) {
		uint64_t e = slots[i], at = e >> 32, free_slot = (uint32_t)e == 0, dense = at >> 31;
		empty |= free_slot;
		bad |= ((dense & (uint64_t)((at & ~(uint64_t)DENSE) >= n_rows)) | (~dense & 1 & (uint64_t)(at + SHORT > n_entries))) &
		       ~free_slot;
	}
	return bad == 0 && empty;
}

/* The runtime tables of tm: from the file's P.slots, P.dense and P.bloom (written by the trainer,
 * so that loading maps them and does no work), or built from P.table for a file without them. */
static int runtime_tables(const chu_model *m, const char *p, struct chu__tag_model *tm, const uint64_t *table)
{
	const size_t KP8 = (tm->meta.n_labels + 7) & ~7u;
	char name[3][24];
	const void *sec[3];
	uint64_t size[3];
	const char *suffix[3] = {"slots", "dense", "bloom"};
	int found = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(name[i], sizeof name[i], "%s.%s", p, suffix[i]);
		found += chu__model_section(m, name[i], &sec[i], &size[i]) == CHU_OK;
	}
	if (found == 0) {
		if (!table)
			return CHU_EFORMAT;
		int rc = chu__tag_runtime_build(table, tm->meta.n_slots, tm->entries, tm->meta.n_entries,
		                                (int)tm->meta.n_labels, &tm->own);
		if (rc < 0)
			return rc;
		tm->slots = tm->own.slots;
		tm->dense = tm->own.dense;
		tm->bloom = tm->own.bloom;
		tm->bloom_shift = 64 - __builtin_ctzll(tm->own.bloom_words);
		chu__model_unused(m, table, (size_t)tm->meta.n_slots * 8); /* slots stand in for it */
		return CHU_OK;
	}
	uint64_t row_bytes = KP8 * sizeof(int16_t), n_rows = size[1] / row_bytes, words = size[2] / 8;
	if (found != 3 || size[0] != (uint64_t)tm->meta.n_slots * 8 || size[1] % row_bytes || n_rows == 0 ||
	    n_rows > DENSE || size[2] % 8 || !pow2(words) || words < 64 ||
	    !slots_ok(sec[0], tm->meta.n_slots, tm->meta.n_entries, n_rows))
		return CHU_EFORMAT;
	tm->slots = sec[0];
	tm->dense = sec[1];
	tm->bloom = sec[2];
	tm->bloom_shift = 64 - __builtin_ctzll(words);
	return CHU_OK;
}

static int group_features(struct chu__tag_model *tm, int task);

int chu__tag_model_load(const chu_model *m, int task, struct chu__tag_model **out)
{
	*out = NULL;
	const char *p = task == CHU_TAGGER_NER ? "ner" : task == CHU_TAGGER_POS ? "pos" : "acc";
	char name[5][24];
	const char *suffix[5] = {"meta", "labels", "trans", "entries", "table"};
	const void *sec[5] = {NULL};
	uint64_t size[5] = {0};
	for (int i = 0; i < 5; i++) {
		snprintf(name[i], sizeof name[i], "%s.%s", p, suffix[i]);
		if (chu__model_section(m, name[i], &sec[i], &size[i]) < 0 && i < 4)
			return i == 0 ? CHU_OK : CHU_EFORMAT; /* no such tagger in this file, or a part missing */
	}
	/* the table: the accent restorer reads it; the taggers read slots made of it (runtime_tables) */
	if (size[0] != sizeof(struct tag_meta) || (!sec[4] && task == CHU__TAGGER_ACCENT))
		return CHU_EFORMAT;
	struct chu__tag_model *tm = calloc(1, sizeof *tm);
	if (!tm)
		return CHU_ENOMEM;
	memcpy(&tm->meta, sec[0], sizeof tm->meta);
	const struct tag_meta *me = &tm->meta;
	uint64_t K = me->n_labels;
	bool ok = K >= 1 && K <= CHU__TAG_MAX_LABELS && me->task == (uint32_t)task &&
	          me->n_features == (uint32_t)chu__tag_n_features(task) && pow2(me->n_slots) && me->n_entries >= 1 &&
	          size[1] == K * 16 && size[2] == (K + 1) * K * sizeof(float) && size[3] == (uint64_t)me->n_entries * 4 &&
	          (!sec[4] || size[4] == (uint64_t)me->n_slots * 8) && me->scale > 0 && me->scale < 1e9f;
	if (ok) {
		tm->labels = sec[1];
		tm->trans = sec[2];
		tm->entries = sec[3];
		tm->table = sec[4];
		for (uint64_t i = 0; i < K && ok; i++)
			ok = tm->labels[i][0] != 0 && tm->labels[i][15] == 0;
		for (uint64_t i = 0; i < (K + 1) * K && ok; i++)
			ok = tm->trans[i] > -1e9f && tm->trans[i] < 1e9f;
		/* the taggers' entries are checked here; the accent restorer's 50 MB table and entries would
		 * take longer to check than to load, so its lookups keep in bounds instead (find_feature,
		 * add_entries) and only the last entry is checked, which ends every list */
		if (task == CHU__TAGGER_ACCENT)
			ok = ok && (tm->entries[me->n_entries - 1] >> 24 & 1);
		else
			ok = ok && entries_ok(tm->entries, me->n_entries, K);
	}
	if (!ok) {
		free(tm);
		return CHU_EFORMAT;
	}
	/* word classes, when the model was trained with them */
	char cname[24];
	const void *cl;
	uint64_t ncl;
	snprintf(cname, sizeof cname, "%s.clusters", p);
	if (chu__model_section(m, cname, &cl, &ncl) == CHU_OK) {
		const uint64_t *t = cl;
		bool cok = ncl % 8 == 0 && pow2(ncl / 8) && ncl / 8 <= UINT32_MAX, cempty = false;
		for (uint64_t i = 0; cok && i < ncl / 8 && !cempty; i++)
			cempty = (uint32_t)t[i] == 0;
		if (!cok || !cempty) {
			free(tm);
			return CHU_EFORMAT;
		}
		tm->clusters = t;
		tm->n_clusters = (uint32_t)(ncl / 8);
	}
	snprintf(cname, sizeof cname, "%s.ambig", p);
	if (chu__model_section(m, cname, &cl, &ncl) == CHU_OK) {
		const uint64_t *t = cl;
		bool aok = ncl % 16 == 0 && pow2(ncl / 16) && ncl / 16 <= UINT32_MAX, aempty = false;
		for (uint64_t i = 0; aok && i < ncl / 16 && !aempty; i++)
			aempty = t[2 * i] == 0;
		if (!aok || !aempty) {
			free(tm);
			return CHU_EFORMAT;
		}
		tm->ambig = t;
		tm->n_ambig = (uint32_t)(ncl / 16);
	}
	tm->numeral = -1;
	for (uint64_t i = 0; i < K; i++)
		if (strcmp(tm->labels[i], "M") == 0)
			tm->numeral = (int)i;
	bool bio = false;
	for (uint64_t i = 0; i < K; i++)
		bio = bio || (tm->labels[i][0] == 'I' && tm->labels[i][1] == '-');
	tm->bio = bio;
	if (bio)
		chu__tag_allowed(tm->labels, (int)K, tm->allowed);
	size_t KP = (K + 3) & ~(uint64_t)3;
	for (size_t a = 0; a <= K; a++)
		for (size_t b = 0; b < KP; b++)
			tm->vtrans[a * KP + b] = b < K && (!bio || tm->allowed[a * K + b]) ? tm->trans[a * K + b] : -INFINITY;
	for (size_t a = 0; a < K; a++) {
		const float *row = tm->trans + (a + 1) * K;
		tm->trans_max[a] = tm->trans_min[a] = row[0];
		for (size_t b = 1; b < K; b++) {
			tm->trans_max[a] = row[b] > tm->trans_max[a] ? row[b] : tm->trans_max[a];
			tm->trans_min[a] = row[b] < tm->trans_min[a] ? row[b] : tm->trans_min[a];
		}
	}
	for (int q = 0; q < SHORT; q++)
		tm->zeros[q] = 1u << 24;
	if (task != CHU__TAGGER_ACCENT) {
		int drc = runtime_tables(m, p, tm, tm->table);
		tm->table = NULL; /* the slots stand in for it */
		if (drc == CHU_OK)
			drc = group_features(tm, task);
		if (drc < 0) {
			chu__tag_model_free(tm);
			return drc;
		}
	}
	static _Atomic uint64_t serials;
	tm->serial = ++serials;
	*out = tm;
	return CHU_OK;
}

void chu__tag_model_free(struct chu__tag_model *tm)
{
	if (!tm)
		return;
	chu__tag_runtime_free(&tm->own);
	free(tm->outside);
	free(tm);
}

/* The first entry of feature f's list, or NO_ENTRY when the model has no such feature. The table
 * (the accent restorer's, not checked at load) may be damaged: at most every slot is read, and an
 * entry past the last is none. */
#define NO_ENTRY UINT32_MAX
_Static_assert((CHU__TAG_MAX_LABELS & (CHU__TAG_MAX_LABELS - 1)) == 0, "a mask of labels");
static inline uint32_t find_feature(const struct chu__tag_model *tm, uint64_t f)
{
	uint32_t mask = tm->meta.n_slots - 1;
	uint32_t key = (uint32_t)(f >> 32) | 1u;
	uint32_t i = (uint32_t)(f >> 1) & mask;
	for (uint32_t left = mask + 1; left; left--, i = (i + 1) & mask) {
		uint64_t e = tm->table[i];
		if ((uint32_t)e == 0)
			return NO_ENTRY;
		if ((uint32_t)e == key)
			return (uint32_t)(e >> 32) < tm->meta.n_entries ? (uint32_t)(e >> 32) : NO_ENTRY;
	}
	return NO_ENTRY;
}

/* Adds the weights of the entry list that begins at entry j to score[0..CHU__TAG_MAX_LABELS): a
 * label past the model's (a damaged file) adds to a score no one reads. The last entry ends a
 * list (checked at load), so no list runs past the end. */
static inline void add_entries(const struct chu__tag_model *tm, uint32_t j, float *score)
{
	float inv = 1.0f / tm->meta.scale;
	for (;; j++) {
		uint32_t x = tm->entries[j];
		score[x & (CHU__TAG_MAX_LABELS - 1)] += (float)(int16_t)(uint16_t)(x >> 8) * inv;
		if (x >> 24 & 1)
			return;
	}
}

void chu__tag_fetch_slot(const struct chu__tag_model *tm, uint64_t f)
{
	__builtin_prefetch(&tm->table[(uint32_t)(f >> 1) & (tm->meta.n_slots - 1)]);
}

uint32_t chu__tag_find(const struct chu__tag_model *tm, uint64_t f)
{
	uint32_t j = find_feature(tm, f);
	if (j != NO_ENTRY)
		__builtin_prefetch(&tm->entries[j]);
	return j;
}

void chu__tag_add(const struct chu__tag_model *tm, uint32_t j, float *score)
{
	if (j != NO_ENTRY)
		add_entries(tm, j, score);
}

/* ---- which features read one word (group_features) ---- */

/* The facts of PROBE_WORDS made-up words, for asking chu__tag_features what each feature reads. */
#define PROBE_WORDS 9
typedef struct probe {
	uint64_t form[PROBE_WORDS], first[PROBE_WORDS], last[PROBE_WORDS], pos[PROBE_WORDS], cue[PROBE_WORDS],
	    amb[PROBE_WORDS];
	uint8_t shape[PROBE_WORDS], nsyl[PROBE_WORDS], foreign[PROBE_WORDS];
	int16_t cluster[PROBE_WORDS];
	uint16_t group[PROBE_WORDS];
} probe;

/* Gives word j of p the facts of made-up word x (every fact differs from those of x + 1), and
 * part-of-speech y. */
static void probe_set(probe *p, int j, uint64_t x, uint64_t y)
{
	uint64_t h = chu__mix64(x * 0x9E3779B97F4A7C15ULL + 77);
	p->form[j] = h;
	p->first[j] = chu__mix64(h + 1);
	p->last[j] = chu__mix64(h + 2);
	p->cue[j] = chu__mix64(h + 3);
	p->amb[j] = chu__mix64(h + 4) >> 2; /* below the markers of the words outside (1 << 62, 2 << 62) */
	p->shape[j] = (uint8_t)(x % 250);   /* below the markers 254, 255 */
	p->nsyl[j] = (uint8_t)(1 + x % 5);
	p->foreign[j] = (uint8_t)(x & 1);
	p->cluster[j] = (int16_t)(x % 1000);
	p->group[j] = (uint16_t)(x % 60000);
	p->pos[j] = chu__mix64(y + 0x5151);
}

static chu__tag_words probe_words(probe *p)
{
	return (chu__tag_words){p->form,    p->first,   p->last,    p->shape, p->nsyl, p->pos,
	                        p->cue,     p->foreign, p->cluster, p->amb,   p->group};
}

/* The features (edges: the edge features) of word i of p's first n words. */
static int probe_keys(int task, bool edges, probe *p, size_t n, size_t i, uint64_t *f)
{
	chu__tag_words W = probe_words(p);
	return edges ? chu__tag_edge_features(task, &W, n, i, f) : chu__tag_features(task, &W, n, i, f);
}

/* The group of each feature (edges: of each edge feature), from what chu__tag_features reads, in
 * sentences of made-up words: feature k is of group d + 3 when, at every word i of every sentence
 * tried, changing the facts of word j changes k's hash exactly when j = i + d, and the tags around
 * never do; and when, in sentences of one made-up word repeated (1 to 9 long), k has one hash
 * wherever word i + d is in the sentence, one wherever it is before the first and one wherever it
 * is past the last. Any other feature (of several words, of the tags, of where the word stands)
 * is -1. Written into group[]. */
static void probe_groups(int task, bool edges, int8_t *group)
{
	uint64_t base[TAG_WORD_FEATURES], f[TAG_WORD_FEATURES];
	const size_t N = PROBE_WORDS, C = N / 2;
	const size_t i0 = edges ? 1 : 0; /* edge features are of the words after the first */
	probe p;
	for (int j = 0; j < PROBE_WORDS; j++)
		probe_set(&p, j, 10 * (uint64_t)j, (uint64_t)j);
	int nk = probe_keys(task, edges, &p, N, C, base);
	/* the word that each feature reads at the middle word */
	for (int k = 0; k < nk; k++)
		group[k] = 3;
	uint32_t reads[TAG_WORD_FEATURES] = {0};
	for (int j = 0; j < PROBE_WORDS; j++) {
		probe q = p;
		probe_set(&q, j, 10 * (uint64_t)j + 1, (uint64_t)j);
		probe_keys(task, edges, &q, N, C, f);
		for (int k = 0; k < nk; k++)
			reads[k] |= (uint32_t)(f[k] != base[k]) << j;
	}
	bool constant[TAG_WORD_FEATURES];
	for (int k = 0; k < nk; k++) {
		int words = __builtin_popcount(reads[k]);
		int d = words ? __builtin_ctz(reads[k]) - (int)C : 0;
		constant[k] = words == 0; /* the bias: of the word's own group */
		group[k] = words > 1 || d < -3 || d > 3 ? -1 : (int8_t)(d + 3);
	}
	/* every word of sentences 9 and 8 long, four sentences: exactly word i + d, never the tags */
	for (size_t n = N; n >= N - 1; n--)
		for (uint64_t trial = 0; trial < 4; trial++)
			for (size_t i = i0; i < n; i++) {
				for (int j = 0; j < PROBE_WORDS; j++)
					probe_set(&p, j, 1000 * trial + 10 * (uint64_t)j, (uint64_t)j + trial);
				probe_keys(task, edges, &p, n, i, base);
				for (size_t j = 0; j <= n; j++) {
					probe q = p;
					if (j < n)
						probe_set(&q, (int)j, 1000 * trial + 10 * (uint64_t)j + 1, (uint64_t)j + trial);
					else
						for (int t = 0; t < PROBE_WORDS; t++)
							q.pos[t] = chu__mix64(q.pos[t] + 9);
					probe_keys(task, edges, &q, n, i, f);
					for (int k = 0; k < nk; k++) {
						if (group[k] < 0)
							continue;
						bool own = j < n && (long)j == (long)i + group[k] - 3 && !constant[k];
						if ((f[k] != base[k]) != own)
							group[k] = -1;
					}
				}
			}
	/* one hash for a word wherever it stands, before the first or past the last */
	uint64_t seen[TAG_WORD_FEATURES][3];
	bool met[TAG_WORD_FEATURES][3];
	memset(met, 0, sizeof met);
	for (int j = 0; j < PROBE_WORDS; j++)
		probe_set(&p, j, 5, 3);
	for (size_t n = 1; n <= N; n++)
		for (size_t i = i0; i < n; i++) {
			probe_keys(task, edges, &p, n, i, f);
			for (int k = 0; k < nk; k++) {
				if (group[k] < 0)
					continue;
				long j = (long)i + group[k] - 3;
				int side = j < 0 ? 0 : j >= (long)n ? 2 : 1;
				if (!met[k][side]) {
					met[k][side] = true;
					seen[k][side] = f[k];
				} else if (seen[k][side] != f[k]) {
					group[k] = -1;
				}
			}
		}
}

static inline uint32_t find_where(const struct chu__tag_model *tm, uint64_t f);

/* Adds the weights at where (find_where's: a short list's first entry, or DENSE | a row) to
 * sum[0..K) (integers). */
static void add_at(const struct chu__tag_model *tm, uint32_t at, int32_t *sum)
{
	const int K = (int)tm->meta.n_labels;
	if (at & DENSE) {
		const int16_t *row = tm->dense + (size_t)(at & ~DENSE) * (((size_t)K + 7) & ~(size_t)7);
		for (int y = 0; y < K; y++)
			sum[y] += row[y];
		return;
	}
	for (uint32_t j = at;; j++) {
		uint32_t x = tm->entries[j];
		sum[x & 0xFF] += (int16_t)(uint16_t)(x >> 8);
		if (x >> 24 & 1)
			return;
	}
}

/* The sums of a group's features at word i of a sentence (W, n) into v (KP4 or, of an edge group,
 * K × K int32s, zeroed first). */
static void group_sums(const struct chu__tag_model *tm, int task, int g, const chu__tag_words *W, size_t n, size_t i,
                       int32_t *v)
{
	const int K = (int)tm->meta.n_labels;
	uint64_t f[TAG_WORD_FEATURES];
	memset(v, 0, (g < N_WORD_GROUPS ? (size_t)((K + 3) & ~3) : (size_t)K * (size_t)K) * sizeof *v);
	if (g < N_WORD_GROUPS) {
		int nk = chu__tag_features(task, W, n, i, f);
		for (int k = 0; k < nk; k++)
			if (tm->group_of[k] == g)
				add_at(tm, find_where(tm, f[k]), v);
		return;
	}
	int ne = chu__tag_edge_features(task, W, n, i, f);
	for (int e = 0; e < ne; e++)
		for (int a = 0; tm->edge_group_of[e] == g && a < K; a++)
			add_at(tm, find_where(tm, chu__tag_edge_key(f[e], a)), v + (size_t)a * (size_t)K);
}

/* Sorts tm's features into groups (probe_groups) and sums each group's weights for a word before
 * the first and past the last. */
static int group_features(struct chu__tag_model *tm, int task)
{
	const int K = (int)tm->meta.n_labels, nk = chu__tag_n_features(task), ne = chu__tag_n_edges(task);
	if (ne && K * K > CHU__TAG_MAX_LABELS * CHU__TAG_MAX_LABELS / 4)
		return CHU_EFORMAT; /* decode_words sums the edges of at most 32 labels */
	probe_groups(task, false, tm->group_of);
	int8_t eg[TAG_WORD_FEATURES];
	if (ne)
		probe_groups(task, true, eg);
	tm->groups = 0;
	for (int k = 0; k < nk; k++)
		if (tm->group_of[k] >= 0)
			tm->groups |= (uint16_t)(1u << tm->group_of[k]);
	for (int e = 0; e < ne; e++) {
		tm->edge_group_of[e] = (int8_t)(eg[e] == 3 ? EDGE_OWN : eg[e] == 4 ? EDGE_NEXT : -1);
		if (tm->edge_group_of[e] >= 0)
			tm->groups |= (uint16_t)(1u << tm->edge_group_of[e]);
	}
	size_t at = 0;
	for (int g = 0; g < N_GROUPS; g++)
		if (tm->groups >> g & 1) {
			tm->vec_at[g] = (uint16_t)at;
			at += g < N_WORD_GROUPS ? (size_t)((K + 3) & ~3) : (size_t)((K * K + 3) & ~3);
		}
	tm->block = (uint16_t)at;
	tm->outside = calloc(at ? at : 1, sizeof *tm->outside);
	if (!tm->outside)
		return CHU_ENOMEM;
	/* the words outside: of a one-word sentence (before it: d < 0, past it: d > 0) */
	probe p;
	probe_set(&p, 0, 5, 3);
	chu__tag_words W = probe_words(&p);
	for (int g = 0; g < N_GROUPS; g++) {
		bool out = g < N_WORD_GROUPS ? g != 3 : g == EDGE_NEXT;
		if (tm->groups >> g & 1 && out) {
			/* an edge group is read at a word after the first: a two-word sentence's second */
			size_t n = g < N_WORD_GROUPS ? 1 : 2;
			if (n == 2)
				probe_set(&p, 1, 5, 3);
			group_sums(tm, task, g, &W, n, n - 1, tm->outside + tm->vec_at[g]);
		}
	}
	return CHU_OK;
}

uint64_t chu__tag_ambiguity(const uint64_t *table, uint32_t n_slots, uint64_t form)
{
	if (!table)
		return 0;
	uint64_t key = form | 1;
	for (uint32_t i = (uint32_t)(key >> 1) & (n_slots - 1);; i = (i + 1) & (n_slots - 1)) {
		if (table[2 * i] == key)
			return table[2 * i + 1];
		if (table[2 * i] == 0)
			return 0;
	}
}

/* ---- per-thread state ---- */

/* The features of one word as decode_words scores them: nk that score its labels, then, of a word
 * after the first, ne edge features for each previous label in turn (chu__tag_edge_key); at[q] is
 * key[q]'s first entry once looked up. */
#define WORD_KEYS (TAG_WORD_FEATURES + CHU__TAG_EDGE_FEATURES * CHU__TAG_MAX_LABELS)
#define LAG_FILTER 1 /* decode_words filters a word's keys this many words after making them */
#define LAG_FIND 2   /* looks them up this many */
#define LAG_SUM 3    /* and adds their weights up this many */
#define RING (LAG_SUM + 1)
typedef struct word_keys {
	uint64_t key[WORD_KEYS];
	uint32_t at[WORD_KEYS]; /* where each looked-up key's weights are (a slot's where, DENSE: none) */
	uint16_t look[WORD_KEYS]; /* the keys to look up: those not of a group whose sums are known */
	int nk, ne, nlook;
	uint16_t known;          /* the groups whose sums were known when the keys were made */
} word_keys;

/* What the features read of one word, remembered by its bytes (a word of at most MEMO_BYTES): its
 * syllables' facts (chu__tag_prepare), and its gazetteer classes and label limit (named
 * entities), which depend on its bytes alone; and its class and tag set in the two models used
 * last. Filled the first time a word is met: every fact is what computing it again would give. */
#define MEMO_BYTES 40
#define MEMO_SLOTS 4096
typedef struct word_memo {
	uint64_t hash;               /* of the bytes, | 1; 0: an empty slot */
	uint64_t form, first, last;
	uint64_t cue;                /* chu__tag_cues, when entity is set */
	struct {
		uint64_t serial;     /* the model (0: none), amb its tag set of the word */
		uint64_t amb;
		int16_t cluster;
		uint16_t group;
	} model[2];
	uint8_t shape, nsyl, foreign;
	uint8_t limit;               /* LIMIT_*, when entity is set */
	uint8_t entity;              /* cue and limit are set */
	uint8_t len;                 /* bytes */
	char bytes[MEMO_BYTES];
} word_memo;

/* The sums of each group of features of the words met last (by the hash of their bytes), for one
 * model: a word's block of int32s (tm->vec_at, tm->block) and which of its groups are summed. */
#define SUM_SLOTS 4096
typedef struct sum_memo {
	uint64_t serial; /* the model (0: none yet) */
	uint64_t *word;  /* SUM_SLOTS: the hash of the word whose sums a slot holds (0: none) */
	uint16_t *have;  /* SUM_SLOTS: the groups summed (bits) */
	int32_t *sum;    /* SUM_SLOTS blocks */
} sum_memo;

struct chu__tag_state {
	chu__buf form, first, last, shape, nsyl, foreign, cluster, group, amb, pos, cue, limit, score, edge, d, back, label,
	    spans, scratch, whash;
	const uint8_t *limit_of; /* named entities: each word's limit (LIMIT_*), or NULL */
	word_keys ring[RING];    /* decode_words: the features of the words in flight */
	word_memo *memo;         /* MEMO_SLOTS slots, made on first use */
	sum_memo sums[2];        /* of the part-of-speech tagger and the entity tagger */
};
#define TAG_BUFS 20
#define TAG_BUF_LIST(st)                                                                           \
	{&(st)->form,  &(st)->first, &(st)->last,  &(st)->shape, &(st)->nsyl, &(st)->foreign, &(st)->cluster, &(st)->group, &(st)->amb, &(st)->pos, &(st)->cue, \
	 &(st)->limit, &(st)->score, &(st)->edge, &(st)->d,     &(st)->back,  &(st)->label, &(st)->spans, &(st)->scratch, &(st)->whash}

/* What an entity label may be at a word, whatever the model scores: anything, not the beginning of
 * an entity (a disease's name), or outside every entity (a URL or an e-mail address: VLSP 2016
 * labels all 28 of its own O). */
enum { LIMIT_NONE, LIMIT_NO_BEGIN, LIMIT_OUTSIDE };

static struct chu__tag_state *tag_state(chu_ctx *ctx)
{
	if (!ctx->tag) {
		struct chu__tag_state *st = chu__malloc(&ctx->alloc, sizeof *st);
		if (!st)
			return NULL;
		chu__buf *b[TAG_BUFS] = TAG_BUF_LIST(st);
		for (size_t i = 0; i < TAG_BUFS; i++)
			chu__buf_init(b[i], &ctx->alloc);
		st->limit_of = NULL;
		st->memo = NULL;
		memset(st->sums, 0, sizeof st->sums);
		ctx->tag = st;
	}
	return ctx->tag;
}

void chu__tag_state_free(chu_ctx *ctx)
{
	struct chu__tag_state *st = ctx->tag;
	if (!st)
		return;
	chu__buf *b[TAG_BUFS] = TAG_BUF_LIST(st);
	for (size_t i = 0; i < TAG_BUFS; i++)
		chu__buf_free(b[i]);
	chu__free(&ctx->alloc, st->memo);
	for (int t = 0; t < 2; t++)
		chu__free(&ctx->alloc, st->sums[t].word);
	chu__free(&ctx->alloc, st);
	ctx->tag = NULL;
}

/* Fills W with the facts of n words (spans valid) that the tagger's features read. */
static int prepare_words(const chu_allocator *alloc, struct chu__tag_state *st, const struct chu__tag_model *tm,
                         int tagger, const char *text, const chu_span *words, size_t n, const char *const *pos,
                         chu__tag_words *W)
{
	int rc = CHU_OK;
	CHU__RESERVE(&rc, st->form, n, uint64_t);
	CHU__RESERVE(&rc, st->first, n, uint64_t);
	CHU__RESERVE(&rc, st->last, n, uint64_t);
	CHU__RESERVE(&rc, st->pos, n, uint64_t);
	CHU__RESERVE(&rc, st->cue, n, uint64_t);
	CHU__RESERVE(&rc, st->shape, n, uint8_t);
	CHU__RESERVE(&rc, st->nsyl, n, uint8_t);
	CHU__RESERVE(&rc, st->foreign, n, uint8_t);
	CHU__RESERVE(&rc, st->cluster, n, int16_t);
	CHU__RESERVE(&rc, st->group, n, uint16_t);
	CHU__RESERVE(&rc, st->amb, n, uint64_t);
	CHU__RESERVE(&rc, st->whash, n, uint64_t);
	if (rc < 0)
		return rc;
	uint64_t *whash = (uint64_t *)(void *)st->whash.data;
	*W = (chu__tag_words){(uint64_t *)(void *)st->form.data, (uint64_t *)(void *)st->first.data,
	                      (uint64_t *)(void *)st->last.data, (uint8_t *)st->shape.data,
	                      (uint8_t *)st->nsyl.data,          NULL,
	                      NULL,                              (uint8_t *)st->foreign.data,
	                      NULL,                              NULL, NULL};
	if (!st->memo) {
		st->memo = chu__malloc(alloc, MEMO_SLOTS * sizeof *st->memo);
		if (!st->memo)
			return CHU_ENOMEM;
		memset(st->memo, 0, MEMO_SLOTS * sizeof *st->memo);
	}
	bool entity = tagger == CHU_TAGGER_NER;
	CHU__RESERVE(&rc, st->limit, n, uint8_t);
	if (rc < 0)
		return rc;
	int16_t *cl = (int16_t *)(void *)st->cluster.data;
	uint16_t *gr = (uint16_t *)(void *)st->group.data;
	uint64_t *am = (uint64_t *)(void *)st->amb.data, *cue = (uint64_t *)(void *)st->cue.data;
	uint8_t *limit = (uint8_t *)st->limit.data;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const char *b = text + words[i].start;
		size_t len = words[i].end - words[i].start;
		uint64_t h = 0xCBF29CE484222325ULL;
		for (size_t k = 0; k < len; k++)
			h = (h ^ (unsigned char)b[k]) * 0x100000001B3ULL;
		h = chu__mix64(h ^ len) | 1;
		whash[i] = h;
		word_memo *m = len <= MEMO_BYTES ? &st->memo[h & (MEMO_SLOTS - 1)] : NULL;
		bool known = m && m->hash == h && m->len == len && memcmp(m->bytes, b, len) == 0;
		if (!known) {
			/* the word's own facts, as for the whole sentence (each word's are its own) */
			chu__tag_words one = {W->form + i, W->first + i, W->last + i, W->shape + i, W->nsyl + i, NULL,
			                      NULL,        W->foreign + i, NULL,      NULL,         NULL};
			if ((rc = chu__tag_prepare(text, words + i, 1, &one, &st->scratch)) < 0)
				break;
			if (m) {
				*m = (word_memo){h, W->form[i], W->first[i], W->last[i], 0, {{0, 0, 0, 0}, {0, 0, 0, 0}},
				                 W->shape[i], W->nsyl[i], W->foreign[i], 0, 0, (uint8_t)len, {0}};
				memcpy(m->bytes, b, len);
			}
		} else {
			W->form[i] = m->form;
			W->first[i] = m->first;
			W->last[i] = m->last;
			W->shape[i] = m->shape;
			W->nsyl[i] = m->nsyl;
			W->foreign[i] = m->foreign;
		}
		/* the model's facts */
		int which = m && m->model[0].serial == tm->serial ? 0 : m && m->model[1].serial == tm->serial ? 1 : -1;
		if (which >= 0) {
			cl[i] = m->model[which].cluster;
			gr[i] = m->model[which].group;
			am[i] = m->model[which].amb;
		} else {
			cl[i] = (int16_t)chu__cluster_of(tm->clusters, tm->n_clusters, W->form[i], &gr[i]);
			am[i] = tm->ambig ? chu__tag_ambiguity(tm->ambig, tm->n_ambig, W->form[i]) : 0;
			if (m) { /* in place of the other model's, when that was the older */
				which = m->model[0].serial == 0 || m->model[0].serial < m->model[1].serial ? 0 : 1;
				m->model[which].serial = tm->serial;
				m->model[which].cluster = cl[i];
				m->model[which].group = gr[i];
				m->model[which].amb = am[i];
			}
		}
		if (!entity)
			continue;
		if (m && m->entity) {
			cue[i] = m->cue;
			limit[i] = m->limit;
			continue;
		}
		chu__tag_cues(W->form + i, W->first + i, 1, cue + i);
		limit[i] = chu__link_word(b, len) || (len > 1 && b[0] == '#') ? LIMIT_OUTSIDE /* a link, a #hashtag */
		           : chu__tag_disease(W->form[i]) ? LIMIT_NO_BEGIN
		                                          : LIMIT_NONE;
		if (m) {
			m->cue = cue[i];
			m->limit = limit[i];
			m->entity = 1;
		}
	}
	if (rc < 0)
		return rc;
	W->cluster = cl;
	W->group = gr;
	W->amb = tm->ambig ? am : NULL;
	if (entity) {
		uint64_t *ph = (uint64_t *)(void *)st->pos.data;
		for (size_t i = 0; i < n; i++)
			ph[i] = pos && pos[i] ? chu__tag_name_hash(pos[i]) : 0;
		W->pos = ph;
		W->cue = cue;
		st->limit_of = limit;
	} else {
		st->limit_of = NULL;
	}
	return CHU_OK;
}

typedef float v4f __attribute__((vector_size(16))); /* GCC and Clang vectors */
typedef int32_t v4i __attribute__((vector_size(16)));

/* chu__tag_viterbi with the model's transitions (trans, and allowed when its labels are BIO), four
 * labels at a time: the same sums in the same order, the same first best previous label, so the
 * same labels (tests/test_tag.c compares the two). */
void chu__tag_viterbi_model(const struct chu__tag_model *tm, const float *score, const float *edge, size_t n, float *d,
                            uint8_t *back, uint8_t *label)
{
	if (n == 0)
		return;
	const int K = (int)tm->meta.n_labels, KV = (K + 3) / 4;
	const size_t KP = (size_t)KV * 4;
	const float NEG = -1e30f;
	float *cur = d, *nxt = d + KP;
	for (int b = 0; b < K; b++)
		cur[b] = tm->bio && !tm->allowed[b] ? NEG : tm->trans[b] + score[b];
	v4f best[CHU__TAG_MAX_LABELS / 4];
	v4i arg[CHU__TAG_MAX_LABELS / 4];
	for (size_t i = 1; i < n; i++) {
		for (int v = 0; v < KV; v++) {
			best[v] = (v4f){NEG, NEG, NEG, NEG};
			arg[v] = (v4i){0, 0, 0, 0};
		}
		/* the previous labels that can be best for some label: without BIO limits or edges, a
		 * label a with fl(cur[a] + trans_max[a]) < fl(cur[top] + trans_min[top]) scores less
		 * than top after it whatever the label (rounding is monotonic), so it is never the first
		 * best and is left out; the others are read in order as before */
		int cand[CHU__TAG_MAX_LABELS], nc = 0;
		if (!tm->bio && !edge) {
			int top = 0;
			for (int a = 1; a < K; a++)
				top = cur[a] > cur[top] ? a : top;
			float floor = cur[top] + tm->trans_min[top];
			for (int a = 0; a < K; a++)
				if (cur[a] + tm->trans_max[a] >= floor)
					cand[nc++] = a;
		} else {
			for (int a = 0; a < K; a++)
				cand[nc++] = a;
		}
		for (int c = 0; c < nc; c++) {
			const int a = cand[c];
			const v4f ca = {cur[a], cur[a], cur[a], cur[a]};
			const v4i av = {a, a, a, a};
			const v4f *row = (const v4f *)(const void *)(tm->vtrans + (size_t)(a + 1) * KP);
			const float *er = edge ? edge + (i * (size_t)K + (size_t)a) * (size_t)K : NULL;
			for (int v = 0; v < KV; v++) {
				v4f x = ca + row[v];
				if (er) {
					v4f e;
					memcpy(&e, er + 4 * v, sizeof e);
					x += e;
				}
				v4i m = x > best[v]; /* -inf (not allowed, past K) is never more */
				best[v] = (v4f)(((v4i)x & m) | ((v4i)best[v] & ~m));
				arg[v] = (av & m) | (arg[v] & ~m);
			}
		}
		const float *bf = (const float *)(void *)best;
		const int32_t *ai = (const int32_t *)(void *)arg;
		for (int b = 0; b < K; b++) {
			nxt[b] = bf[b] + score[i * (size_t)K + (size_t)b];
			back[i * (size_t)K + (size_t)b] = (uint8_t)ai[b];
		}
		float *t = cur;
		cur = nxt;
		nxt = t;
	}
	int b_best = 0;
	for (int b = 1; b < K; b++)
		if (cur[b] > cur[b_best])
			b_best = b;
	for (size_t i = n; i-- > 0;) {
		label[i] = (uint8_t)b_best;
		if (i)
			b_best = back[i * (size_t)K + (size_t)b_best];
	}
}

typedef int16_t v4h __attribute__((vector_size(8)));

/* The sums of tagger t's model tm, made or remade for it. */
static sum_memo *sum_memo_of(const chu_allocator *alloc, struct chu__tag_state *st, const struct chu__tag_model *tm,
                             int t)
{
	sum_memo *sm = &st->sums[t];
	if (sm->serial == tm->serial)
		return sm;
	chu__free(alloc, sm->word);
	size_t head = (SUM_SLOTS * (sizeof(uint64_t) + sizeof(uint16_t)) + 15) & ~(size_t)15;
	unsigned char *m = chu__malloc(alloc, head + (size_t)SUM_SLOTS * tm->block * sizeof(int32_t));
	*sm = (sum_memo){0, NULL, NULL, NULL};
	if (!m)
		return NULL;
	memset(m, 0, head);
	sm->serial = tm->serial;
	sm->word = (uint64_t *)(void *)m;
	sm->have = (uint16_t *)(void *)(m + SUM_SLOTS * sizeof(uint64_t));
	sm->sum = (int32_t *)(void *)(m + head);
	return sm;
}

/* The word of group g at word i (its index, or -1 before the first, n past the last). */
static inline long group_word(int g, size_t i)
{
	return g < N_WORD_GROUPS ? (long)i + g - 3 : g == EDGE_OWN ? (long)i : (long)i + 1;
}

/* Group g's sums at word i, when remembered or outside the sentence; else NULL. */
static inline const int32_t *known_sums(const struct chu__tag_model *tm, const sum_memo *sm, const uint64_t *whash,
                                        size_t n, size_t i, int g)
{
	long j = group_word(g, i);
	if (j < 0 || j >= (long)n)
		return tm->outside + tm->vec_at[g];
	uint64_t h = whash[j];
	uint32_t s = (uint32_t)(h >> 1) & (SUM_SLOTS - 1);
	return sm->word[s] == h && (sm->have[s] >> g & 1) ? sm->sum + (size_t)s * tm->block + tm->vec_at[g] : NULL;
}

/* Where feature f's weights are in tm->slots' terms (DENSE alone: nowhere). The four slots from
 * f's are read at once; past them (a long run of taken slots), one by one. */
static inline uint32_t find_where(const struct chu__tag_model *tm, uint64_t f)
{
	const uint32_t mask = tm->meta.n_slots - 1, key = (uint32_t)(f >> 32) | 1u;
	uint32_t i = (uint32_t)(f >> 1) & mask;
	if (i + 4 <= mask + 1) {
		const uint64_t *s = tm->slots + i;
		uint32_t hit = 0, stop = 0;
		for (int q = 0; q < 4; q++) {
			hit |= (uint32_t)((uint32_t)s[q] == key) << q;
			stop |= (uint32_t)((uint32_t)s[q] == key || (uint32_t)s[q] == 0) << q;
		}
		if (stop) {
			int q = __builtin_ctz(stop);
			uint32_t at = (uint32_t)(s[q] >> 32);
			return hit >> q & 1 ? at : DENSE;
		}
		i = (i + 4) & mask;
	}
	for (;; i = (i + 1) & mask) {
		uint64_t e = tm->slots[i];
		if ((uint32_t)e == key)
			return (uint32_t)(e >> 32);
		if ((uint32_t)e == 0)
			return DENSE;
	}
}

/* The short list and the dense row of where (one of them adds nothing). */
static inline const uint32_t *short_of(const struct chu__tag_model *tm, uint32_t at)
{
	uintptr_t d = (uintptr_t)0 - (uintptr_t)(at >> 31);
	return (const uint32_t *)(((uintptr_t)tm->zeros & d) |
	                          (((uintptr_t)tm->entries + (uintptr_t)(at & ~DENSE) * sizeof(uint32_t)) & ~d));
}
static inline const int16_t *row_of(const struct chu__tag_model *tm, uint32_t at, size_t KP8)
{
	uint32_t d = 0u - (at >> 31);
	return tm->dense + (size_t)(at & ~DENSE & d) * KP8;
}

/* Adds the short list at where to sum, entry by entry: an entry past the list's last adds 0 (and a
 * dense row's where has the empty list, zeros). */
static inline void add_short(const struct chu__tag_model *tm, uint32_t at, int32_t *sum)
{
	const uint32_t *e = short_of(tm, at);
	int32_t keep = -1;
	for (int q = 0; q < SHORT; q++) {
		uint32_t x = e[q];
		sum[x & 0xFF] += (int32_t)(int16_t)(uint16_t)(x >> 8) & keep;
		keep &= (int32_t)(x >> 24 & 1) - 1;
	}
}

/* Adds the weights at where: a short list's to sum, a dense row's to vsum, four labels at a time.
 * No branch on which. */
static inline void add_where(const struct chu__tag_model *tm, uint32_t at, size_t KP8, int KV, v4i *vsum, int32_t *sum)
{
	const int16_t *row = row_of(tm, at, KP8);
	add_short(tm, at, sum);
	for (int v = 0; v < KV; v++) {
		v4h x;
		memcpy(&x, row + 4 * v, sizeof x);
		vsum[v] += __builtin_convertvector(x, v4i);
	}
}

/* Adds the weights at where to sum[0..K), label by label (an edge's row). */
static inline void add_where_scalar(const struct chu__tag_model *tm, uint32_t at, size_t KP8, int K, int32_t *sum)
{
	const int16_t *row = row_of(tm, at, KP8);
	add_short(tm, at, sum);
	for (int y = 0; y < K; y++)
		sum[y] += row[y];
}

/* Hashes the features of word i into wk, and starts fetching the slots of those to look up: not
 * of a group whose sums are known. */
static void word_keys_of(const struct chu__tag_model *tm, const sum_memo *sm, const uint64_t *whash, int tagger,
                         const chu__tag_words *W, size_t n, size_t i, bool edges, word_keys *wk)
{
	int k = chu__tag_features(tagger, W, n, i, wk->key);
	uint16_t known = 0;
	const size_t KK = (size_t)tm->meta.n_labels * tm->meta.n_labels;
	for (int g = 0; g < N_GROUPS; g++) {
		const int32_t *v = tm->groups >> g & 1 && (g < N_WORD_GROUPS || (edges && i > 0))
		                       ? known_sums(tm, sm, whash, n, i, g)
		                       : NULL;
		if (!v)
			continue;
		known |= (uint16_t)(1u << g);
		for (size_t b = 0; b < (g < N_WORD_GROUPS ? (size_t)tm->meta.n_labels : KK); b += 16)
			__builtin_prefetch(v + b);
	}
	wk->known = known;
	int nl = 0;
	for (int q = 0; q < k; q++) {
		int g = tm->group_of[q];
		wk->look[nl] = (uint16_t)q;
		nl += g < 0 || !(known >> g & 1);
	}
	wk->nk = k;
	wk->ne = 0;
	if (edges && i > 0) {
		uint64_t f[CHU__TAG_EDGE_FEATURES];
		int ne = chu__tag_edge_features(tagger, W, n, i, f);
		for (int a = 0; a < (int)tm->meta.n_labels; a++)
			for (int j = 0; j < ne; j++) {
				int g = tm->edge_group_of[j];
				wk->key[k] = chu__tag_edge_key(f[j], a);
				wk->look[nl] = (uint16_t)k++;
				nl += g < 0 || !(known >> g & 1);
			}
		wk->ne = ne;
	}
	wk->nlook = nl;
	for (int q = 0; q < nl; q++) {
		uint64_t h = bloom_hash((uint32_t)(wk->key[wk->look[q]] >> 32) | 1u);
		__builtin_prefetch(&tm->bloom[h >> tm->bloom_shift]);
	}
}

/* Keeps of wk's keys to look up those the filter (its words fetched) does not rule out, and starts
 * fetching their slots; the others are in no slot. */
static void word_keys_filter(const struct chu__tag_model *tm, word_keys *wk)
{
	uint32_t mask = tm->meta.n_slots - 1;
	int nm = 0;
	for (int q = 0; q < wk->nlook; q++) {
		int j = wk->look[q];
		uint64_t key = wk->key[j];
		uint64_t h = bloom_hash((uint32_t)(key >> 32) | 1u), bits = bloom_bits(h);
		bool maybe = (tm->bloom[h >> tm->bloom_shift] & bits) == bits;
		wk->at[j] = DENSE;
		wk->look[nm] = (uint16_t)j;
		nm += maybe;
		__builtin_prefetch(maybe ? &tm->slots[(uint32_t)(key >> 1) & mask] : tm->slots);
	}
	wk->nlook = nm;
}

/* Looks up wk's keys to look up (their slots fetched) and starts fetching their weights. */
static void word_keys_find(const struct chu__tag_model *tm, word_keys *wk)
{
	const size_t KP8 = (tm->meta.n_labels + 7) & ~7u;
	for (int q = 0; q < wk->nlook; q++) {
		int k = wk->look[q];
		uint32_t at = find_where(tm, wk->key[k]);
		wk->at[k] = at;
		__builtin_prefetch(short_of(tm, at));
		__builtin_prefetch(row_of(tm, at, KP8));
	}
}

/* Where wk's feature q's weights are: looked up, or now when its group's sums were known when the
 * keys were made and have been forgotten since. */
static inline uint32_t where_of(const struct chu__tag_model *tm, const word_keys *wk, int q, int g)
{
	return wk->known >> g & 1 ? find_where(tm, wk->key[q]) : wk->at[q];
}

/* Remembers v, group g's sums of word hash h (in sm's slot for it, emptied when another word's). */
static void remember_sums(const struct chu__tag_model *tm, sum_memo *sm, uint64_t h, int g, const int32_t *v, size_t len)
{
	uint32_t s = (uint32_t)(h >> 1) & (SUM_SLOTS - 1);
	if (sm->word[s] != h) {
		sm->word[s] = h;
		sm->have[s] = 0;
	}
	memcpy(sm->sum + (size_t)s * tm->block + tm->vec_at[g], v, len * sizeof *v);
	sm->have[s] |= (uint16_t)(1u << g);
}

static inline void add_vec(v4i *vsum, const int32_t *v, int KV)
{
	for (int u = 0; u < KV; u++) {
		v4i x;
		memcpy(&x, v + 4 * u, sizeof x);
		vsum[u] += x;
	}
}

/* Scores n prepared words and decodes their labels into tags. A label's score at a word is the sum
 * of its features' int16 weights (exact in any order) over the model's scale: the groups of
 * features that read one word are summed once per word and group and remembered (sum_memo), the
 * others are looked up at every word. */
static int decode_words(const chu_allocator *alloc, struct chu__tag_state *st, const struct chu__tag_model *tm,
                        int tagger, const chu__tag_words *W, size_t n, uint8_t *tags)
{
	const int K = (int)tm->meta.n_labels, KV = (K + 3) / 4;
	const size_t KP4 = (size_t)KV * 4, KP8 = (size_t)(K + 7) & ~(size_t)7, KK = (size_t)K * (size_t)K;
	const float inv = 1.0f / tm->meta.scale;
	bool edges = chu__tag_n_edges(tagger) > 0;
	int rc = CHU_OK;
	CHU__RESERVE(&rc, st->score, n * (size_t)K, float);
	CHU__RESERVE(&rc, st->edge, edges ? n * KK + 4 : 1, float);
	CHU__RESERVE(&rc, st->d, 2 * (size_t)K + 8, float);
	CHU__RESERVE(&rc, st->back, n * (size_t)K, uint8_t);
	if (rc < 0)
		return rc;
	sum_memo *sm = sum_memo_of(alloc, st, tm, tagger == CHU_TAGGER_NER);
	if (!sm)
		return CHU_ENOMEM;
	const uint64_t *whash = (const uint64_t *)(const void *)st->whash.data;
	float *score = (float *)(void *)st->score.data;
	float *edge = edges ? (float *)(void *)st->edge.data : NULL;
	if (edges)
		memset(edge, 0, KK * sizeof(float)); /* the first word's: none */
	/* four words in flight: the features of word i are hashed and their filter words fetched while
	 * word i - 1's are filtered and their slots fetched, word i - 2's looked up and their weights
	 * fetched, and word i - 3's added up */
	word_keys *ring = st->ring;
	for (size_t t = 0; t < n + LAG_SUM; t++) {
		if (t < n)
			word_keys_of(tm, sm, whash, tagger, W, n, t, edges, &ring[t % RING]);
		if (t >= LAG_FILTER && t - LAG_FILTER < n)
			word_keys_filter(tm, &ring[(t - LAG_FILTER) % RING]);
		if (t >= LAG_FIND && t - LAG_FIND < n)
			word_keys_find(tm, &ring[(t - LAG_FIND) % RING]);
		if (t < LAG_SUM)
			continue;
		size_t i = t - LAG_SUM;
		const word_keys *wk = &ring[i % RING];
		v4i vsum[CHU__TAG_MAX_LABELS / 4], gv[CHU__TAG_MAX_LABELS / 4];
		_Alignas(16) int32_t sum[CHU__TAG_MAX_LABELS], gsum[CHU__TAG_MAX_LABELS];
		for (int v = 0; v < KV; v++)
			vsum[v] = (v4i){0, 0, 0, 0};
		memset(sum, 0, KP4 * sizeof *sum);
		for (int q = 0; q < wk->nk; q++)
			if (tm->group_of[q] < 0 && wk->at[q] != DENSE)
				add_where(tm, wk->at[q], KP8, KV, vsum, sum);
		for (int g = 0; g < N_WORD_GROUPS; g++) {
			if (!(tm->groups >> g & 1))
				continue;
			const int32_t *v = known_sums(tm, sm, whash, n, i, g);
			if (!v) { /* summed here, and remembered */
				for (int u = 0; u < KV; u++)
					gv[u] = (v4i){0, 0, 0, 0};
				memset(gsum, 0, KP4 * sizeof *gsum);
				for (int q = 0; q < wk->nk; q++)
					if (tm->group_of[q] == g)
						add_where(tm, where_of(tm, wk, q, g), KP8, KV, gv, gsum);
				add_vec(gv, gsum, KV);
				memcpy(gsum, gv, KP4 * sizeof *gsum);
				remember_sums(tm, sm, whash[group_word(g, i)], g, gsum, KP4);
				v = gsum;
			}
			add_vec(vsum, v, KV);
		}
		add_vec(vsum, sum, KV);
		const int32_t *total = (const int32_t *)(const void *)vsum;
		for (int y = 0; y < K; y++)
			score[i * (size_t)K + (size_t)y] = (float)total[y] * inv;
		if (!wk->ne)
			continue;
		/* the edges: each (previous label, label) pair's sums */
		int32_t es[CHU__TAG_MAX_LABELS * CHU__TAG_MAX_LABELS / 4 + 8], gm[CHU__TAG_MAX_LABELS * CHU__TAG_MAX_LABELS / 4 + 8];
		memset(es, 0, KK * sizeof *es);
		for (int a = 0, q = wk->nk; a < K; a++)
			for (int e = 0; e < wk->ne; e++, q++)
				if (tm->edge_group_of[e] < 0)
					add_where_scalar(tm, wk->at[q], KP8, K, es + (size_t)a * (size_t)K);
		for (int g = EDGE_OWN; g <= EDGE_NEXT; g++) {
			if (!(tm->groups >> g & 1))
				continue;
			const int32_t *v = known_sums(tm, sm, whash, n, i, g);
			if (!v) {
				memset(gm, 0, KK * sizeof *gm);
				for (int a = 0, q = wk->nk; a < K; a++)
					for (int e = 0; e < wk->ne; e++, q++)
						if (tm->edge_group_of[e] == g)
							add_where_scalar(tm, where_of(tm, wk, q, g), KP8, K, gm + (size_t)a * (size_t)K);
				remember_sums(tm, sm, whash[group_word(g, i)], g, gm, KK);
				v = gm;
			}
			for (size_t x = 0; x < KK; x++)
				es[x] += v[x];
		}
		float *er = edge + i * KK;
		for (size_t x = 0; x < KK; x++)
			er[x] = (float)es[x] * inv;
	}
	for (size_t i = 0; st->limit_of && i < n; i++) {
		int lim = st->limit_of[i];
		for (int y = 0; lim != LIMIT_NONE && y < K; y++) {
			const char *name = tm->labels[y];
			bool entity = (name[0] == 'B' || name[0] == 'I') && name[1] == '-';
			if (entity && (lim == LIMIT_OUTSIDE || name[0] == 'B'))
				score[i * (size_t)K + (size_t)y] = -1e9f;
		}
	}
	chu__tag_viterbi_model(tm, score, edge, n, (float *)(void *)st->d.data, (uint8_t *)st->back.data, tags);
	return CHU_OK;
}

/* Does word i (its shape and cues known) look like a person's full name that chu's segmenter made
 * one word: several capitalized syllables separated by spaces, not a known place, the first a
 * common surname ("Tô Anh Dũng") or one of them not a Vietnamese syllable ("Caitlin Wiesen", "Sok
 * Siphana")? The entity model learned names syllable by syllable (VLSP 2016 writes Vietnamese and
 * foreign names so: "Thomas Good", "New Zealand"), so such words are tagged split. Words joined with
 * '_' are the caller's own segmentation and are kept whole. */
static bool split_name(const chu__tag_words *W, const uint64_t *cue, const char *text, const chu_span *w, size_t i)
{
	return W->nsyl[i] > 1 && (W->shape[i] & 0x80) && ((cue[i] & 16) || (W->foreign && W->foreign[i])) &&
	       !(cue[i] & 8) && !memchr(text + w[i].start, '_', w[i].end - w[i].start);
}

/* The model's tagger when tagger is a public one (the accent restorer's is not), or NULL. */
static const struct chu__tag_model *public_tagger(const chu_model *model, int tagger)
{
	return tagger == CHU_TAGGER_POS || tagger == CHU_TAGGER_NER ? chu__model_tagger(model, tagger) : NULL;
}

/* A word the tokenizer reads as one number, date, range, time, percentage or amount of money
 * ("9h30", "500.000 USD", "47,5 triệu USD", "19/12/2024") is a numeral, M, as VLSP 2013 tags
 * numbers (its corpus has no clock times, so the model guesses Np, Ny or X for "9h30"). */
static int tag_amounts(chu_ctx *ctx, const struct chu__tag_model *tm, const char *text, const chu_span *words,
                       size_t n, uint8_t *tags)
{
	int m = tm->numeral;
	if (m < 0)
		return CHU_OK;
	char buf[64];
	chu__buf toks;
	chu__buf_init(&toks, &ctx->alloc);
	int rc = CHU_OK;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		size_t len = words[i].end - words[i].start;
		unsigned char c = (unsigned char)text[words[i].start];
		if (len == 0 || len > sizeof buf || c < '0' || c > '9')
			continue; /* amounts start with a digit ("$5" is left to the model) */
		for (size_t k = 0; k < len; k++)
			buf[k] = text[words[i].start + k] == '_' ? ' ' : text[words[i].start + k];
		toks.len = 0;
		if ((rc = chu__tokenize(buf, len, &toks)) < 0)
			break;
		const chu_token *t = (const chu_token *)(void *)toks.data;
		if (toks.len / sizeof *t != 1)
			continue;
		int kind = t[0].kind;
		if (kind == CHU_TOKEN_NUMBER || kind == CHU_TOKEN_DATE || kind == CHU_TOKEN_RANGE || kind == CHU_TOKEN_TIME ||
		    kind == CHU_TOKEN_PERCENT || kind == CHU_TOKEN_MONEY)
			tags[i] = (uint8_t)m;
	}
	chu__buf_free(&toks);
	return rc;
}

/* chu_tag, with the amount rule of parts of speech (tag_amounts) or without it. */
static int tag_words(chu_ctx *ctx, const chu_model *model, int tagger, const char *text, const chu_span *words, size_t n,
                     const char *const *pos, uint8_t *tags, bool amounts)
{
	const struct chu__tag_model *tm = public_tagger(model, tagger);
	if (!ctx || !tm || (n && (!text || !words || !tags)))
		return CHU_EINVAL;
	if (n == 0)
		return CHU_OK;
	struct chu__tag_state *st = tag_state(ctx);
	if (!st)
		return CHU_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (words[i].start > words[i].end)
			return CHU_EINVAL;
	/* a sentence without marks is tagged as its restored spelling */
	int rc = chu__restore(ctx, text, words, n, &text, &words);
	if (rc < 0)
		return rc;
	chu__tag_words W;
	rc = prepare_words(&ctx->alloc, st, tm, tagger, text, words, n, pos, &W);
	if (rc < 0)
		return rc;
	/* named entities: full names written as one word are tagged syllable by syllable */
	size_t extra = 0;
	for (size_t i = 0; tagger == CHU_TAGGER_NER && i < n; i++)
		extra += split_name(&W, W.cue, text, words, i) ? W.nsyl[i] - 1u : 0;
	if (extra == 0) {
		rc = decode_words(&ctx->alloc, st, tm, tagger, &W, n, tags);
		return rc < 0 || tagger != CHU_TAGGER_POS || !amounts ? rc : tag_amounts(ctx, tm, text, words, n, tags);
	}
	size_t m = n + extra;
	/* the split sentence: spans, part-of-speech names and each word's first piece */
	st->spans.len = 0;
	chu__buf_reserve(&rc, &st->spans, m * (sizeof(chu_span) + sizeof(char *) + 1) + n * sizeof(size_t) + 16);
	if (rc < 0)
		return rc;
	chu_span *sp = (chu_span *)(void *)st->spans.data;
	const char **pp = (const char **)(void *)(sp + m);
	size_t *firstp = (size_t *)(void *)(pp + m);
	uint8_t *lab = (uint8_t *)(firstp + n);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		firstp[i] = k;
		if (!split_name(&W, W.cue, text, words, i)) {
			pp[k] = pos ? pos[i] : NULL;
			sp[k++] = words[i];
			continue;
		}
		for (size_t a = words[i].start, e = words[i].end; a < e;) {
			while (a < e && (text[a] == ' ' || text[a] == '_' || text[a] == '\t'))
				a++;
			size_t b = a;
			while (b < e && !(text[b] == ' ' || text[b] == '_' || text[b] == '\t'))
				b++;
			if (b > a && k < m) {
				pp[k] = pos ? pos[i] : NULL;
				sp[k++] = (chu_span){a, b};
			}
			a = b;
		}
	}
	/* the facts of the split sentence are written over the whole one's, read above */
	if ((rc = prepare_words(&ctx->alloc, st, tm, tagger, text, sp, k, pos ? pp : NULL, &W)) < 0 ||
	    (rc = decode_words(&ctx->alloc, st, tm, tagger, &W, k, lab)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		tags[i] = lab[firstp[i]];
	return CHU_OK;
}

int chu_tag(chu_ctx *ctx, const chu_model *model, int tagger, const char *text, const chu_span *words, size_t n,
            const char *const *pos, uint8_t *tags)
{
	return tag_words(ctx, model, tagger, text, words, n, pos, tags, true);
}

int chu__tag_model_only(chu_ctx *ctx, const chu_model *model, int tagger, const char *text, const chu_span *words,
                        size_t n, const char *const *pos, uint8_t *tags)
{
	return tag_words(ctx, model, tagger, text, words, n, pos, tags, false);
}

int chu_tag_count(const chu_model *model, int tagger)
{
	const struct chu__tag_model *tm = public_tagger(model, tagger);
	return tm ? (int)tm->meta.n_labels : 0;
}

const char *chu_tag_name(const chu_model *model, int tagger, int tag)
{
	const struct chu__tag_model *tm = public_tagger(model, tagger);
	if (!tm || tag < 0 || (uint32_t)tag >= tm->meta.n_labels)
		return NULL;
	return tm->labels[tag];
}

const char *chu_pos_upos(const char *tag)
{
	static const char *const map[][2] = {
	    {"N", "NOUN"},   {"Np", "PROPN"}, {"Nc", "NOUN"},  {"Nu", "NOUN"},  {"Ny", "NOUN"},  {"Nb", "NOUN"},
	    {"Ni", "NOUN"},  {"V", "VERB"},   {"Vb", "VERB"},  {"Vy", "VERB"},  {"A", "ADJ"},    {"Ab", "ADJ"},
	    {"P", "PRON"},   {"Pb", "PRON"},  {"R", "ADV"},    {"L", "DET"},    {"M", "NUM"},    {"Mb", "NUM"},
	    {"E", "ADP"},    {"Eb", "ADP"},   {"C", "SCONJ"},  {"Cc", "CCONJ"}, {"CC", "CCONJ"}, {"Cb", "CCONJ"},
	    {"I", "INTJ"},   {"T", "PART"},   {"X", "X"},      {"Xy", "X"},     {"Y", "X"},      {"Z", "X"},
	    {"B", "X"},      {"CH", "PUNCT"},
	};
	if (!tag)
		return NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i][0][0] == tag[0] && strcmp(map[i][0], tag) == 0)
			return map[i][1];
	return "X";
}
