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
 * chu_tag gives the labels of that plain computation, faster: the facts of a word are remembered
 * by its bytes (word_memo); the features of three words are in flight at once, so that the
 * table's memory is fetched ahead (decode_words; each word's weights are still added in the order
 * of its features, the same floats, and a feature's long list of weights is added four labels at a
 * time from a dense row, dense_lists); and Viterbi runs four labels at a time, leaving out the
 * previous labels that provably cannot be best (chu__tag_viterbi_model).
 *
 * Model sections, for a tagger named P ("pos", "ner"):
 *   P.meta     struct tag_meta
 *   P.labels   n_labels names of 16 bytes, NUL-padded
 *   P.trans    (n_labels + 1) × n_labels floats: row 0 from the start, row 1 + a from label a
 *   P.table    n_slots u64: feature key (high 32 bits of its hash, bit 0 set; 0 empty) | first
 *              entry index << 32
 *   P.entries  n_entries u32: label (bits 0-7) | weight as int16 (bits 8-23) | last (bit 24)
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

#define TAG_WORD_FEATURES 72 /* the most features a word has (named entities) */

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
	/* the public taggers' long entry lists (DENSE_MIN entries or more, the features of many words:
	 * the bias, shapes, classes) as rows of KP floats, each label's weight or 0, so decode_words
	 * adds them four labels at a time: each weight as add_entries computes it, and x + 0 = x for
	 * every score (never -0: the sum of weights that cancel is +0), so the same sums */
	float *dense;             /* rows of KP floats, or NULL (the accent restorer, few labels) */
	uint16_t *dense_of;       /* n_entries: at the first entry of a list in dense, 1 + its row; else 0;
	                           * or NULL */
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

#define DENSE_MIN 8      /* the fewest entries of a list in dense (fewer: added one by one is faster) */
#define DENSE_LABELS 16  /* the fewest labels of a tagger with dense rows (named entities' 9: no gain) */
#define DENSE_MAX 0xFFFF /* the most rows of dense (past them, lists are added one by one) */

/* Makes tm's dense rows of its entry lists (the entries checked). */
static int dense_lists(struct chu__tag_model *tm)
{
	const uint32_t n = tm->meta.n_entries;
	const size_t KP = (tm->meta.n_labels + 3) & ~3u;
	const float inv = 1.0f / tm->meta.scale;
	size_t rows = 0;
	for (uint32_t i = 0, start = 0; i < n; i++)
		if (tm->entries[i] >> 24 & 1) {
			rows += i + 1 - start >= DENSE_MIN;
			start = i + 1;
		}
	rows = rows < DENSE_MAX ? rows : DENSE_MAX;
	tm->dense_of = calloc(n, sizeof *tm->dense_of);
	tm->dense = calloc(rows ? rows * KP : 1, sizeof *tm->dense);
	if (!tm->dense_of || !tm->dense)
		return CHU_ENOMEM;
	size_t r = 0;
	for (uint32_t i = 0, start = 0; i < n; i++) {
		if (!(tm->entries[i] >> 24 & 1))
			continue;
		if (i + 1 - start >= DENSE_MIN && r < rows) {
			float *row = tm->dense + r * KP;
			for (uint32_t j = start; j <= i; j++)
				row[tm->entries[j] & 0xFF] = (float)(int16_t)(uint16_t)(tm->entries[j] >> 8) * inv;
			tm->dense_of[start] = (uint16_t)++r;
		}
		start = i + 1;
	}
	return CHU_OK;
}

int chu__tag_model_load(const chu_model *m, int task, struct chu__tag_model **out)
{
	*out = NULL;
	const char *p = task == CHU_TAGGER_NER ? "ner" : task == CHU_TAGGER_POS ? "pos" : "acc";
	char name[5][24];
	const char *suffix[5] = {"meta", "labels", "trans", "table", "entries"};
	const void *sec[5];
	uint64_t size[5];
	for (int i = 0; i < 5; i++) {
		snprintf(name[i], sizeof name[i], "%s.%s", p, suffix[i]);
		if (chu__model_section(m, name[i], &sec[i], &size[i]) < 0)
			return i == 0 ? CHU_OK : CHU_EFORMAT; /* no such tagger in this file, or a part missing */
	}
	if (size[0] != sizeof(struct tag_meta))
		return CHU_EFORMAT;
	struct chu__tag_model *tm = calloc(1, sizeof *tm);
	if (!tm)
		return CHU_ENOMEM;
	memcpy(&tm->meta, sec[0], sizeof tm->meta);
	const struct tag_meta *me = &tm->meta;
	uint64_t K = me->n_labels;
	bool ok = K >= 1 && K <= CHU__TAG_MAX_LABELS && me->task == (uint32_t)task &&
	          me->n_features == (uint32_t)chu__tag_n_features(task) && pow2(me->n_slots) && me->n_entries >= 1 &&
	          size[1] == K * 16 && size[2] == (K + 1) * K * sizeof(float) && size[3] == (uint64_t)me->n_slots * 8 &&
	          size[4] == (uint64_t)me->n_entries * 4 && me->scale > 0 && me->scale < 1e9f;
	if (ok) {
		tm->labels = sec[1];
		tm->trans = sec[2];
		tm->table = sec[3];
		tm->entries = sec[4];
		for (uint64_t i = 0; i < K && ok; i++)
			ok = tm->labels[i][0] != 0 && tm->labels[i][15] == 0;
		for (uint64_t i = 0; i < (K + 1) * K && ok; i++)
			ok = tm->trans[i] > -1e9f && tm->trans[i] < 1e9f;
		/* every entry names a label; the last one ends a list, so no list runs past the end */
		for (uint32_t i = 0; i < me->n_entries && ok; i++)
			ok = (tm->entries[i] & 0xFF) < K && (tm->entries[i] >> 25) == 0;
		ok = ok && (tm->entries[me->n_entries - 1] >> 24 & 1);
		bool empty = false;
		for (uint32_t i = 0; i < me->n_slots && ok; i++) {
			uint64_t e = tm->table[i];
			if ((uint32_t)e == 0)
				empty = true;
			else
				ok = (e >> 32) < me->n_entries;
		}
		ok = ok && empty; /* an empty slot ends every lookup */
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
	if (task != CHU__TAGGER_ACCENT && K >= DENSE_LABELS && dense_lists(tm) < 0) {
		chu__tag_model_free(tm);
		return CHU_ENOMEM;
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
	free(tm->dense);
	free(tm->dense_of);
	free(tm);
}

/* The first entry of feature f's list, or NO_ENTRY when the model has no such feature. */
#define NO_ENTRY UINT32_MAX
static inline uint32_t find_feature(const struct chu__tag_model *tm, uint64_t f)
{
	uint32_t mask = tm->meta.n_slots - 1;
	uint32_t key = (uint32_t)(f >> 32) | 1u;
	for (uint32_t i = (uint32_t)(f >> 1) & mask;; i = (i + 1) & mask) {
		uint64_t e = tm->table[i];
		if ((uint32_t)e == 0)
			return NO_ENTRY;
		if ((uint32_t)e == key)
			return (uint32_t)(e >> 32);
	}
}

/* Adds the weights of the entry list that begins at entry j to score[0..K). */
static inline void add_entries(const struct chu__tag_model *tm, uint32_t j, float *score)
{
	float inv = 1.0f / tm->meta.scale;
	for (;; j++) {
		uint32_t x = tm->entries[j];
		score[x & 0xFF] += (float)(int16_t)(uint16_t)(x >> 8) * inv;
		if (x >> 24 & 1)
			return;
	}
}

/* Adds the weights of feature f to score[0..K). */
static inline void add_feature(const struct chu__tag_model *tm, uint64_t f, float *score)
{
	uint32_t j = find_feature(tm, f);
	if (j != NO_ENTRY)
		add_entries(tm, j, score);
}

void chu__tag_score(const struct chu__tag_model *tm, uint64_t f, float *score) { add_feature(tm, f, score); }

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
typedef struct word_keys {
	uint64_t key[WORD_KEYS];
	uint32_t at[WORD_KEYS];
	int nk, ne, total;
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

struct chu__tag_state {
	chu__buf form, first, last, shape, nsyl, foreign, cluster, group, amb, pos, cue, limit, score, edge, d, back, label,
	    spans, scratch;
	const uint8_t *limit_of; /* named entities: each word's limit (LIMIT_*), or NULL */
	word_keys ring[3];       /* decode_words: the features of three words in flight */
	word_memo *memo;         /* MEMO_SLOTS slots, made on first use */
};
#define TAG_BUFS 19
#define TAG_BUF_LIST(st)                                                                           \
	{&(st)->form,  &(st)->first, &(st)->last,  &(st)->shape, &(st)->nsyl, &(st)->foreign, &(st)->cluster, &(st)->group, &(st)->amb, &(st)->pos, &(st)->cue, \
	 &(st)->limit, &(st)->score, &(st)->edge, &(st)->d,     &(st)->back,  &(st)->label, &(st)->spans, &(st)->scratch}

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
	if (rc < 0)
		return rc;
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

/* Hashes the features of word i into wk and starts fetching their table slots. */
static void word_keys_of(const struct chu__tag_model *tm, int tagger, const chu__tag_words *W, size_t n, size_t i,
                         bool edges, word_keys *wk)
{
	int k = chu__tag_features(tagger, W, n, i, wk->key);
	wk->nk = k;
	wk->ne = 0;
	if (edges && i > 0) {
		uint64_t f[CHU__TAG_EDGE_FEATURES];
		int ne = chu__tag_edge_features(tagger, W, n, i, f);
		for (int a = 0; a < (int)tm->meta.n_labels; a++)
			for (int j = 0; j < ne; j++)
				wk->key[k++] = chu__tag_edge_key(f[j], a);
		wk->ne = ne;
	}
	wk->total = k;
	uint32_t mask = tm->meta.n_slots - 1;
	for (int q = 0; q < k; q++)
		__builtin_prefetch(&tm->table[(uint32_t)(wk->key[q] >> 1) & mask]);
}

/* Looks up the features of wk (their slots fetched) and starts fetching their entries. */
static void word_keys_find(const struct chu__tag_model *tm, word_keys *wk)
{
	for (int q = 0; q < wk->total; q++) {
		uint32_t j = find_feature(tm, wk->key[q]);
		wk->at[q] = j;
		if (j != NO_ENTRY) {
			__builtin_prefetch(&tm->entries[j]);
			__builtin_prefetch(&tm->entries[j] + 15);
			if (tm->dense_of)
				__builtin_prefetch(&tm->dense_of[j]);
		}
	}
}

/* Scores n prepared words and decodes their labels into tags. */
static int decode_words(struct chu__tag_state *st, const struct chu__tag_model *tm, int tagger, const chu__tag_words *W,
                        size_t n, uint8_t *tags)
{
	const int K = (int)tm->meta.n_labels, KV = (K + 3) / 4;
	const size_t KP = (size_t)KV * 4;
	bool edges = chu__tag_n_edges(tagger) > 0;
	int rc = CHU_OK;
	CHU__RESERVE(&rc, st->score, n * (size_t)K, float);
	CHU__RESERVE(&rc, st->edge, edges ? n * (size_t)K * (size_t)K + 4 : 1, float);
	CHU__RESERVE(&rc, st->d, 2 * (size_t)K + 8, float);
	CHU__RESERVE(&rc, st->back, n * (size_t)K, uint8_t);
	if (rc < 0)
		return rc;
	float *score = (float *)(void *)st->score.data;
	float *edge = edges ? (float *)(void *)st->edge.data : NULL;
	if (edges)
		memset(edge, 0, n * (size_t)K * (size_t)K * sizeof(float));
	/* three words in flight: the features of word i are hashed and their table slots fetched while
	 * word i - 1's are looked up and their entries fetched, and word i - 2's are added up (in the
	 * order of one word at a time, so every sum is the same float) */
	word_keys *ring = st->ring;
	for (size_t t = 0; t < n + 2; t++) {
		if (t < n)
			word_keys_of(tm, tagger, W, n, t, edges, &ring[t % 3]);
		if (t >= 1 && t - 1 < n)
			word_keys_find(tm, &ring[(t - 1) % 3]);
		if (t >= 2) {
			size_t i = t - 2;
			const word_keys *wk = &ring[i % 3];
			v4f sum[CHU__TAG_MAX_LABELS / 4];
			for (int v = 0; v < KV; v++)
				sum[v] = (v4f){0, 0, 0, 0};
			for (int q = 0; q < wk->nk; q++) {
				uint32_t j = wk->at[q];
				if (j == NO_ENTRY)
					continue;
				if (tm->dense_of && tm->dense_of[j]) {
					const v4f *row = (const v4f *)(const void *)(tm->dense + (tm->dense_of[j] - 1u) * KP);
					for (int v = 0; v < KV; v++)
						sum[v] += row[v];
				} else {
					add_entries(tm, j, (float *)(void *)sum);
				}
			}
			memcpy(score + i * (size_t)K, sum, (size_t)K * sizeof(float));
			for (int a = 0, q = wk->nk; a < K && wk->ne; a++)
				for (int j = 0; j < wk->ne; j++, q++)
					if (wk->at[q] != NO_ENTRY)
						add_entries(tm, wk->at[q], edge + (i * (size_t)K + (size_t)a) * (size_t)K);
		}
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

int chu_tag(chu_ctx *ctx, const chu_model *model, int tagger, const char *text, const chu_span *words, size_t n,
            const char *const *pos, uint8_t *tags)
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
	chu__tag_words W;
	int rc = prepare_words(&ctx->alloc, st, tm, tagger, text, words, n, pos, &W);
	if (rc < 0)
		return rc;
	/* named entities: full names written as one word are tagged syllable by syllable */
	size_t extra = 0;
	for (size_t i = 0; tagger == CHU_TAGGER_NER && i < n; i++)
		extra += split_name(&W, W.cue, text, words, i) ? W.nsyl[i] - 1u : 0;
	if (extra == 0)
		return decode_words(st, tm, tagger, &W, n, tags);
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
	    (rc = decode_words(st, tm, tagger, &W, k, lab)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		tags[i] = lab[firstp[i]];
	return CHU_OK;
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
