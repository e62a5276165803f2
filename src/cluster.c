/*
 * cluster.c — word classes learned from unlabeled text, as features for the taggers.
 *
 * The corpus is segmented with a segmentation model; every word seen at least MIN_COUNT times
 * gets one of K classes chosen by the exchange algorithm for a class bigram model (Kneser & Ney
 * 1993; Martin, Liermann & Ney 1998): starting from frequency order, each word in turn moves to
 * the class that most raises the likelihood of the corpus under P(c2|c1)P(w|c), pass after pass.
 * Words used alike end up together ("Hà_Nội" with the other cities, "Thứ_trưởng" with titles),
 * which lets the taggers generalize to words they never saw labelled.
 *
 * Section "clusters": u64 slots, a word's form key (high 32 bits of its hash, bit 0 set; 0 empty)
 * | class << 32. The form hash is the taggers' (chu__tag_prepare).
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MIN_COUNT 5

/* ---- the vocabulary ---- */

typedef struct vocab {
	uint64_t *key;  /* form hash | 1, 0 empty */
	uint32_t *id;   /* index into count */
	uint64_t mask;
	uint32_t *count;
	size_t n, cap;
} vocab;

static int64_t vocab_id(vocab *V, uint64_t h, bool add)
{
	uint64_t k = h | 1;
	for (uint64_t i = (k >> 7) & V->mask;; i = (i + 1) & V->mask) {
		if (V->key[i] == k)
			return V->id[i];
		if (V->key[i])
			continue;
		if (!add || V->n * 2 > V->mask)
			return -1;
		if (V->n == V->cap) {
			size_t cap = V->cap ? V->cap * 2 : 65536;
			uint32_t *c = realloc(V->count, cap * 4);
			if (!c)
				return -1;
			V->count = c;
			V->cap = cap;
		}
		V->key[i] = k;
		V->id[i] = (uint32_t)V->n;
		V->count[V->n] = 0;
		return (int64_t)V->n++;
	}
}

/* ---- the exchange algorithm ---- */

static inline double xlogx(int64_t x) { return x > 0 ? (double)x * log((double)x) : 0.0; }

typedef struct pair {
	uint32_t a, b, n;
} pair;

static int cmp_pair(const void *x, const void *y)
{
	const pair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static int cmp_u64_desc(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? 1 : a > b ? -1 : 0;
}

/* How many groups m items make: a quarter of them, at least 1 and at most max. */
static int groups_for(int m, int max) { return m / 4 < 1 ? 1 : m / 4 > max ? max : m / 4; }

/* Adds (sign 1) or removes (sign -1) an item's counts to group c of G: R[h] and L[h] its bigrams
 * with group h's other items on its right and left, self its bigram with itself, rs and cs its
 * row and column sums. */
static void shift_item(int64_t *M, int64_t *NL, int64_t *NR, int G, int c, const int64_t *R, const int64_t *L,
                       int64_t self, int64_t rs, int64_t cs, int sign)
{
	for (int h = 0; h < G; h++) {
		M[(size_t)c * (size_t)G + (size_t)h] += sign * R[h];
		M[(size_t)h * (size_t)G + (size_t)c] += sign * L[h];
	}
	M[(size_t)c * (size_t)G + (size_t)c] += sign * self;
	NL[c] += sign * rs;
	NR[c] += sign * cs;
}

/* Groups m items (classes) whose bigram counts are N (m × m, row: the left item) into G groups
 * by the same exchange algorithm, exactly (an item beside itself included): grp[i] gets item i's
 * group. Returns the passes taken, or CHU_ENOMEM. */
static int group_items(const int64_t *N, int m, int G, uint16_t *grp)
{
	int64_t *M = calloc((size_t)G * (size_t)G, sizeof *M), *NL = calloc((size_t)G, sizeof *NL),
	        *NR = calloc((size_t)G, sizeof *NR), *R = calloc((size_t)G, sizeof *R), *L = calloc((size_t)G, sizeof *L);
	int rc = M && NL && NR && R && L ? 0 : CHU_ENOMEM;
	for (int i = 0; i < m; i++)
		grp[i] = (uint16_t)(i % G);
	for (int a = 0; rc >= 0 && a < m; a++)
		for (int b = 0; b < m; b++) {
			int64_t x = N[(size_t)a * (size_t)m + (size_t)b];
			M[(size_t)grp[a] * (size_t)G + grp[b]] += x;
			NL[grp[a]] += x;
			NR[grp[b]] += x;
		}
	for (int pass = 1; rc >= 0 && pass <= 50; pass++) {
		int moved = 0;
		for (int w = 0; w < m; w++) {
			int c0 = grp[w];
			int64_t self = N[(size_t)w * (size_t)m + (size_t)w], rs = 0, cs = 0;
			memset(R, 0, (size_t)G * sizeof *R);
			memset(L, 0, (size_t)G * sizeof *L);
			for (int b = 0; b < m; b++) {
				int64_t r = N[(size_t)w * (size_t)m + (size_t)b], l = N[(size_t)b * (size_t)m + (size_t)w];
				rs += r;
				cs += l;
				if (b != w) {
					R[grp[b]] += r;
					L[grp[b]] += l;
				}
			}
			shift_item(M, NL, NR, G, c0, R, L, self, rs, cs, -1); /* take w out of its group */
			/* the group that gains most */
			int best = c0;
			double best_gain = -1e300;
			for (int k = 0; k < G; k++) {
				double g = 0;
				for (int h = 0; h < G; h++) {
					if (h == k)
						continue;
					int64_t x = M[(size_t)k * (size_t)G + (size_t)h], y = M[(size_t)h * (size_t)G + (size_t)k];
					g += xlogx(x + R[h]) - xlogx(x) + xlogx(y + L[h]) - xlogx(y);
				}
				int64_t kk = M[(size_t)k * (size_t)G + (size_t)k];
				g += xlogx(kk + R[k] + L[k] + self) - xlogx(kk);
				g -= xlogx(NL[k] + rs) - xlogx(NL[k]) + xlogx(NR[k] + cs) - xlogx(NR[k]);
				if (g > best_gain + 1e-9) {
					best_gain = g;
					best = k;
				}
			}
			shift_item(M, NL, NR, G, best, R, L, self, rs, cs, 1);
			moved += best != c0;
			grp[w] = (uint16_t)best;
		}
		rc = pass;
		if (!moved)
			break;
	}
	free(M);
	free(NL);
	free(NR);
	free(R);
	free(L);
	return rc;
}

int chu__train_clusters(const chu__train_tag_opts *o, const chu_model *seg, int K, int passes)
{
	if (!o->corpus || !o->out || !seg || K < 2 || K > 65535)
		return CHU_EINVAL;
	FILE *fp = fopen(o->corpus, "rb");
	if (!fp)
		return CHU_EIO;
	chu_ctx *ctx = NULL;
	int rc = chu_ctx_new(NULL, &ctx);
	vocab V = {0};
	V.mask = ((uint64_t)1 << 23) - 1;
	V.key = calloc(V.mask + 1, 8);
	V.id = calloc(V.mask + 1, 4);
	if (rc >= 0 && (!V.key || !V.id))
		rc = CHU_ENOMEM;
	chu__buf ids, spans, scratch;
	chu__buf_init(&ids, &chu__default_allocator);
	chu__buf_init(&spans, &chu__default_allocator);
	chu__buf_init(&scratch, &chu__default_allocator);
	/* 1. segment the corpus; every word's form hash, counted */
	size_t words = 0;
	uint64_t fh[512];
	uint8_t shp[512], nsy[512];
	uint64_t fst[512], lst[512];
	char buf[1 << 16];
	while (rc >= 0 && fgets(buf, sizeof buf, fp)) {
		size_t len = strlen(buf);
		const chu_word *w;
		size_t nw;
		if ((rc = chu_segment(ctx, seg, buf, len, &w, &nw)) < 0)
			break;
		for (size_t a = 0; a < nw && rc >= 0;) {
			size_t b = a, m = 0;
			while (b < nw && m < 512) {
				chu_span sp = {w[b].start, w[b].end};
				chu__buf_put(&rc, &spans, &sp, sizeof sp);
				m++;
				if (w[b++].flags & CHU_TOKEN_SENTENCE_END)
					break;
			}
			chu__tag_words W = {fh, fst, lst, shp, nsy, NULL, NULL, NULL, NULL, NULL, NULL};
			if (rc >= 0)
				rc = chu__tag_prepare(buf, (const chu_span *)(void *)spans.data, m, &W, &scratch);
			spans.len = 0;
			for (size_t i = 0; i < m && rc >= 0; i++) {
				int64_t id = vocab_id(&V, fh[i], true);
				uint32_t x = id < 0 ? UINT32_MAX : (uint32_t)id;
				if (id >= 0)
					V.count[id]++;
				chu__buf_put(&rc, &ids, &x, 4);
			}
			uint32_t end = UINT32_MAX;
			chu__buf_put(&rc, &ids, &end, 4);
			words += m;
			a = b;
		}
	}
	fclose(fp);
	/* 2. the words seen MIN_COUNT times, most frequent first (ties by hash: deterministic) */
	uint64_t *order = NULL;
	uint32_t *rank = NULL;
	size_t nv = 0;
	if (rc >= 0) {
		order = malloc((V.n + 1) * 8);
		rank = malloc((V.n + 1) * 4);
		if (!order || !rank)
			rc = CHU_ENOMEM;
	}
	uint64_t *hash_of = rc >= 0 ? malloc((V.n + 1) * 8) : NULL;
	if (rc >= 0 && !hash_of)
		rc = CHU_ENOMEM;
	for (uint64_t i = 0; rc >= 0 && i <= V.mask; i++)
		if (V.key[i])
			hash_of[V.id[i]] = V.key[i];
	for (size_t i = 0; rc >= 0 && i < V.n; i++)
		if (V.count[i] >= MIN_COUNT)
			order[nv++] = (uint64_t)V.count[i] << 32 | (uint32_t)i; /* count, then id */
	if (rc >= 0)
		qsort(order, nv, 8, cmp_u64_desc);
	for (size_t i = 0; rc >= 0 && i < V.n; i++)
		rank[i] = UINT32_MAX;
	for (size_t r = 0; r < nv; r++)
		rank[(uint32_t)order[r]] = (uint32_t)r;
	/* 3. bigram counts between kept words (by rank), both directions */
	const uint32_t *seq = (const uint32_t *)(void *)ids.data;
	size_t ns = ids.len / 4, np = 0;
	pair *pairs = rc >= 0 ? malloc((ns + 1) * sizeof *pairs) : NULL;
	if (rc >= 0 && !pairs)
		rc = CHU_ENOMEM;
	for (size_t i = 1; rc >= 0 && i < ns; i++) {
		uint32_t a = seq[i - 1], b = seq[i];
		if (a == UINT32_MAX || b == UINT32_MAX)
			continue;
		a = rank[a];
		b = rank[b];
		if (a == UINT32_MAX || b == UINT32_MAX || a == b)
			continue; /* rare words, and a word beside itself, count for nothing */
		pairs[np++] = (pair){a, b, 1};
	}
	if (rc >= 0)
		qsort(pairs, np, sizeof *pairs, cmp_pair);
	size_t nu = 0;
	for (size_t i = 0; i < np; i++) {
		if (nu && pairs[nu - 1].a == pairs[i].a && pairs[nu - 1].b == pairs[i].b)
			pairs[nu - 1].n++;
		else
			pairs[nu++] = pairs[i];
	}
	/* right neighbours of each word: pairs sorted by a; left neighbours: a copy sorted by b */
	pair *left = rc >= 0 ? malloc((nu + 1) * sizeof *left) : NULL;
	size_t *rstart = rc >= 0 ? calloc(nv + 1, sizeof *rstart) : NULL;
	size_t *lstart = rc >= 0 ? calloc(nv + 1, sizeof *lstart) : NULL;
	if (rc >= 0 && (!left || !rstart || !lstart))
		rc = CHU_ENOMEM;
	for (size_t i = 0; rc >= 0 && i < nu; i++) {
		left[i] = (pair){pairs[i].b, pairs[i].a, pairs[i].n};
		rstart[pairs[i].a + 1]++;
		lstart[pairs[i].b + 1]++;
	}
	if (rc >= 0)
		qsort(left, nu, sizeof *left, cmp_pair);
	for (size_t i = 0; rc >= 0 && i < nv; i++) {
		rstart[i + 1] += rstart[i];
		lstart[i + 1] += lstart[i];
	}
	/* 4. classes: word r starts in class r mod K; class bigram and unigram counts */
	uint16_t *cls = rc >= 0 ? malloc((nv + 1) * sizeof *cls) : NULL;
	int64_t *N = rc >= 0 ? calloc((size_t)K * (size_t)K, sizeof *N) : NULL;
	int64_t *NL = rc >= 0 ? calloc((size_t)K, sizeof *NL) : NULL, *NR = rc >= 0 ? calloc((size_t)K, sizeof *NR) : NULL;
	int64_t *Rw = rc >= 0 ? calloc((size_t)K, sizeof *Rw) : NULL, *Lw = rc >= 0 ? calloc((size_t)K, sizeof *Lw) : NULL;
	int *Rd = rc >= 0 ? malloc((size_t)K * sizeof *Rd) : NULL, *Ld = rc >= 0 ? malloc((size_t)K * sizeof *Ld) : NULL;
	if (rc >= 0 && (!cls || !N || !NL || !NR || !Rw || !Lw || !Rd || !Ld))
		rc = CHU_ENOMEM;
	for (size_t r = 0; rc >= 0 && r < nv; r++)
		cls[r] = (uint16_t)(r % (size_t)K);
	for (size_t i = 0; rc >= 0 && i < nu; i++) {
		N[(size_t)cls[pairs[i].a] * (size_t)K + cls[pairs[i].b]] += pairs[i].n;
		NL[cls[pairs[i].a]] += pairs[i].n; /* as the left word of a pair */
		NR[cls[pairs[i].b]] += pairs[i].n; /* as the right word */
	}
	char msg[256];
	snprintf(msg, sizeof msg, "clusters: %zu words read, %zu kept (seen %d times or more), %zu word pairs; %d classes",
	         words, nv, MIN_COUNT, nu, K);
	if (o->progress && rc >= 0)
		o->progress(o->ud, msg);
	for (int pass = 1; pass <= passes && rc >= 0; pass++) {
		size_t moved = 0;
		for (size_t w = 0; w < nv; w++) {
			int c0 = cls[w];
			/* w's pairs by the class of the other word */
			int nr = 0, nl = 0;
			int64_t outw = 0, inw = 0;
			for (size_t i = rstart[w]; i < rstart[w + 1]; i++) {
				int d = cls[pairs[i].b];
				if (!Rw[d])
					Rd[nr++] = d;
				Rw[d] += pairs[i].n;
				outw += pairs[i].n;
			}
			for (size_t i = lstart[w]; i < lstart[w + 1]; i++) {
				int c = cls[left[i].b];
				if (!Lw[c])
					Ld[nl++] = c;
				Lw[c] += left[i].n;
				inw += left[i].n;
			}
			/* take w out of its class */
			for (int j = 0; j < nr; j++)
				N[(size_t)c0 * (size_t)K + (size_t)Rd[j]] -= Rw[Rd[j]];
			for (int j = 0; j < nl; j++)
				N[(size_t)Ld[j] * (size_t)K + (size_t)c0] -= Lw[Ld[j]];
			NL[c0] -= outw;
			NR[c0] -= inw;
			/* the class that gains most: Σ N log N over the changed cells − the margins' */
			int best = c0;
			double best_gain = -1e300;
			for (int k = 0; k < K; k++) {
				double g = 0;
				const int64_t *row = N + (size_t)k * (size_t)K;
				for (int j = 0; j < nr; j++)
					g += xlogx(row[Rd[j]] + Rw[Rd[j]]) - xlogx(row[Rd[j]]);
				for (int j = 0; j < nl; j++) {
					int64_t x = N[(size_t)Ld[j] * (size_t)K + (size_t)k];
					g += xlogx(x + Lw[Ld[j]]) - xlogx(x);
				}
				g -= xlogx(NL[k] + outw) - xlogx(NL[k]) + xlogx(NR[k] + inw) - xlogx(NR[k]);
				if (g > best_gain + 1e-9) {
					best_gain = g;
					best = k;
				}
			}
			/* put it there */
			for (int j = 0; j < nr; j++)
				N[(size_t)best * (size_t)K + (size_t)Rd[j]] += Rw[Rd[j]];
			for (int j = 0; j < nl; j++)
				N[(size_t)Ld[j] * (size_t)K + (size_t)best] += Lw[Ld[j]];
			NL[best] += outw;
			NR[best] += inw;
			moved += best != c0;
			cls[w] = (uint16_t)best;
			for (int j = 0; j < nr; j++)
				Rw[Rd[j]] = 0;
			for (int j = 0; j < nl; j++)
				Lw[Ld[j]] = 0;
		}
		double ll = 0;
		for (size_t i = 0; i < (size_t)K * (size_t)K; i++)
			ll += xlogx(N[i]);
		for (int k = 0; k < K; k++)
			ll -= xlogx(NL[k]) + xlogx(NR[k]);
		snprintf(msg, sizeof msg, "clusters: pass %d: %zu words moved; class bigram log-likelihood %.6g", pass, moved, ll);
		if (o->progress)
			o->progress(o->ud, msg);
	}
	/* 5. the classes' coarser groups: the classes grouped into G1, those groups into G2 */
	int G1 = groups_for(K, CHU__CLUSTER_G1), G2 = groups_for(G1, CHU__CLUSTER_G2);
	uint16_t *g1 = rc >= 0 ? malloc((size_t)K * sizeof *g1) : NULL, *g2 = rc >= 0 ? malloc((size_t)G1 * sizeof *g2) : NULL;
	int64_t *N1 = rc >= 0 ? calloc((size_t)G1 * (size_t)G1, sizeof *N1) : NULL;
	if (rc >= 0 && (!g1 || !g2 || !N1))
		rc = CHU_ENOMEM;
	int p1 = 0, p2 = 0;
	if (rc >= 0 && (p1 = group_items(N, K, G1, g1)) < 0)
		rc = p1;
	for (int a = 0; rc >= 0 && a < K; a++) /* the groups' bigram counts */
		for (int b = 0; b < K; b++)
			N1[(size_t)g1[a] * (size_t)G1 + g1[b]] += N[(size_t)a * (size_t)K + (size_t)b];
	if (rc >= 0 && (p2 = group_items(N1, G1, G2, g2)) < 0)
		rc = p2;
	snprintf(msg, sizeof msg, "clusters: classes grouped into %d (%d passes), those into %d (%d passes)", G1, p1, G2, p2);
	if (o->progress && rc >= 0)
		o->progress(o->ud, msg);
	/* 6. the table */
	uint32_t n_slots = 1024;
	while (n_slots < nv * 2 + 16)
		n_slots *= 2;
	uint64_t *table = rc >= 0 ? calloc(n_slots, 8) : NULL;
	if (rc >= 0 && !table)
		rc = CHU_ENOMEM;
	for (size_t r = 0; rc >= 0 && r < nv; r++) {
		uint64_t h = hash_of[(uint32_t)order[r]]; /* the form hash with bit 0 set: bits 1.. place it */
		uint32_t key = (uint32_t)(h >> 32) | 1u, m = n_slots - 1, i = (uint32_t)(h >> 1) & m;
		while ((uint32_t)table[i])
			i = (i + 1) & m;
		uint64_t grp = (uint64_t)(1 + g1[cls[r]]) | (uint64_t)(1 + g2[g1[cls[r]]]) << 8;
		table[i] = key | (uint64_t)cls[r] << 32 | grp << 48;
	}
	if (rc >= 0) {
		const char *names[] = {"clusters"};
		const void *data[] = {table};
		uint64_t sizes[] = {(uint64_t)n_slots * 8};
		rc = chu__model_write(o->out, names, data, sizes, 1);
	}
	free(table);
	free(g1);
	free(g2);
	free(N1);
	free(cls);
	free(N);
	free(NL);
	free(NR);
	free(Rw);
	free(Lw);
	free(Rd);
	free(Ld);
	free(left);
	free(rstart);
	free(lstart);
	free(pairs);
	free(order);
	free(rank);
	free(hash_of);
	free(V.key);
	free(V.id);
	free(V.count);
	chu__buf_free(&ids);
	chu__buf_free(&spans);
	chu__buf_free(&scratch);
	chu_ctx_free(ctx);
	return rc;
}

int chu__cluster_of(const uint64_t *table, uint32_t n_slots, uint64_t form, uint16_t *group)
{
	if (group)
		*group = 0;
	if (!table)
		return -1;
	uint32_t key = (uint32_t)(form >> 32) | 1u, m = n_slots - 1;
	for (uint32_t i = (uint32_t)(form >> 1) & m;; i = (i + 1) & m) {
		uint64_t e = table[i];
		if ((uint32_t)e == 0)
			return -1;
		if ((uint32_t)e == key) {
			if (group)
				*group = (uint16_t)(e >> 48);
			return (int)(uint16_t)(e >> 32);
		}
	}
}
