/*
 * entity.c — entity spans of a sentence: the tagger's BIO labels read as spans, and rule-based
 * dates, times, money, percentages and quantities from the tokenizer's kinds and a list of units.
 */
#include "internal.h"

#include <stdlib.h>

static const char *const units[] = {
    "km", "m", "cm", "mm", "kg", "g", "mg", "tấn", "tạ", "yến", "ha", "lít", "ml", "mét", "cây số", "dặm",
    "km2", "m2", "m3", "kw", "mw", "gw", "kwh", "mwh", "gb", "mb", "tb", "độ", "°c", "hécta", "héc-ta",
    "ki-lô-mét", "ki-lô-gam", "thùng", "container", "tỷ m3", "triệu tấn", "nghìn tấn", "ngàn tấn", "triệu lít",
    NULL};

/* Is text[a, b) (lowercase compared, spaces or '_' between syllables) one of list? */
static bool word_in(const char *text, size_t a, size_t b, const char *const *list)
{
	char buf[32];
	size_t n = b - a;
	if (n >= sizeof buf)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[a + i];
		buf[i] = c == '_' ? ' ' : c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : (char)c;
	}
	buf[n] = 0;
	for (; *list; list++)
		if (strcmp(buf, *list) == 0)
			return true;
	return false;
}

/* The kind of a word when it is one token (of a kind rules look at), else 0. */
/* The token kind of a word that is one token (0 otherwise); a failed allocation sets *rc. */
static int word_kind(int *rc, chu_ctx *ctx, const char *text, const chu_span *w)
{
	/* a segmented word joins its syllables with '_': read them as spaces ("62.000_tỷ_đồng") */
	char buf[64];
	size_t n = w->end - w->start;
	const char *p = text + w->start;
	if (n <= sizeof buf && memchr(p, '_', n)) {
		for (size_t i = 0; i < n; i++)
			buf[i] = p[i] == '_' ? ' ' : p[i];
		p = buf;
	}
	ctx->ent_tokens.len = 0;
	int r = chu__tokenize(p, n, &ctx->ent_tokens);
	if (r < 0) {
		*rc = r;
		return 0;
	}
	size_t nt = ctx->ent_tokens.len / sizeof(chu_token);
	if (nt != 1)
		return 0;
	return ((const chu_token *)(void *)ctx->ent_tokens.data)[0].kind;
}

static bool is_word(const char *text, const chu_span *w, const char *s)
{
	const char *list[] = {s, NULL};
	return word_in(text, w->start, w->end, list);
}

static void push(int *rc, chu_ctx *ctx, const chu_span *words, size_t first, size_t last, const char *type)
{
	chu_entity e = {words[first].start, words[last].end, (uint32_t)first, (uint32_t)(last - first + 1), type};
	chu__buf_put(rc, &ctx->entities, &e, sizeof e);
}

int chu_entities(chu_ctx *ctx, const char *text, const chu_span *words, size_t n, const chu_model *model,
                 const uint8_t *ner_tags, const chu_entity **out, size_t *n_out)
{
	if (!ctx || !out || !n_out || (n && (!text || !words)) || (ner_tags && !chu_tag_count(model, CHU_TAGGER_NER)))
		return CHU_EINVAL;
	int rc = CHU_OK;
	ctx->entities.len = 0;
	int K = ner_tags ? chu_tag_count(model, CHU_TAGGER_NER) : 0;
	for (size_t i = 0; i < n && rc >= 0;) {
		if (words[i].start > words[i].end)
			return CHU_EINVAL;
		const char *name = ner_tags && ner_tags[i] < K ? chu_tag_name(model, CHU_TAGGER_NER, ner_tags[i]) : "O";
		if ((name[0] == 'B' || name[0] == 'I') && name[1] == '-') {
			/* the model's span: B-X (or a stray I-X) and the I-X after it */
			size_t e = i + 1;
			while (e < n && ner_tags[e] < K) {
				const char *x = chu_tag_name(model, CHU_TAGGER_NER, ner_tags[e]);
				if (!(x[0] == 'I' && x[1] == '-' && strcmp(x + 2, name + 2) == 0))
					break;
				e++;
			}
			push(&rc, ctx, words, i, e - 1, name + 2);
			i = e;
			continue;
		}
		int kind = word_kind(&rc, ctx, text, &words[i]);
		bool free_next = i + 1 < n && (!ner_tags || ner_tags[i + 1] >= K ||
		                               chu_tag_name(model, CHU_TAGGER_NER, ner_tags[i + 1])[0] == 'O');
		int next = free_next ? word_kind(&rc, ctx, text, &words[i + 1]) : 0;
		if (kind == CHU_TOKEN_DATE) {
			push(&rc, ctx, words, i, i, "DATE");
		} else if (kind == CHU_TOKEN_TIME) {
			push(&rc, ctx, words, i, i, "TIME");
		} else if (kind == CHU_TOKEN_MONEY) {
			push(&rc, ctx, words, i, i, "MONEY");
		} else if (kind == CHU_TOKEN_PERCENT) {
			push(&rc, ctx, words, i, i, "PERCENT");
		} else if ((is_word(text, &words[i], "ngày") || is_word(text, &words[i], "tháng") ||
		            is_word(text, &words[i], "năm")) &&
		           (next == CHU_TOKEN_DATE || next == CHU_TOKEN_NUMBER)) {
			/* "ngày 16/7", "tháng 7", "năm 2020": the number must be a day, month or year */
			size_t len = words[i + 1].end - words[i + 1].start;
			const char *p = text + words[i + 1].start;
			long v = 0;
			for (size_t k = 0; k < len && p[k] >= '0' && p[k] <= '9' && v < 100000; k++)
				v = v * 10 + (p[k] - '0');
			bool ok = next == CHU_TOKEN_DATE || (is_word(text, &words[i], "năm") ? len == 4 && v >= 1000 && v <= 2999
			                                     : is_word(text, &words[i], "tháng") ? v >= 1 && v <= 12 && len <= 2
			                                                                          : v >= 1 && v <= 31 && len <= 2);
			if (ok) {
				push(&rc, ctx, words, i, i + 1, "DATE");
				i += 2;
				continue;
			}
		} else if (kind == CHU_TOKEN_NUMBER && free_next && word_in(text, words[i + 1].start, words[i + 1].end, units)) {
			push(&rc, ctx, words, i, i + 1, "QUANTITY");
			i += 2;
			continue;
		}
		i++;
	}
	if (rc < 0)
		return rc;
	*out = (const chu_entity *)(void *)ctx->entities.data;
	*n_out = ctx->entities.len / sizeof(chu_entity);
	return CHU_OK;
}

/* ---- document-level consistency ---- */

/* The model's labels read as B/I/O and a type: bio[k] 'B', 'I' or 'O'; type[k] the index of the
 * first label with the same type; b_of[t] and i_of[t] the labels B-t and I-t of type t. */
typedef struct label_map {
	int K;
	char bio[256];
	uint8_t type[256], b_of[256], i_of[256];
} label_map;

static void map_labels(const chu_model *model, label_map *L)
{
	L->K = chu_tag_count(model, CHU_TAGGER_NER);
	for (int k = 0; k < L->K; k++) {
		const char *x = chu_tag_name(model, CHU_TAGGER_NER, k);
		L->bio[k] = (x[0] == 'B' || x[0] == 'I') && x[1] == '-' ? x[0] : 'O';
		L->type[k] = (uint8_t)k;
		for (int j = 0; j < k; j++) {
			const char *y = chu_tag_name(model, CHU_TAGGER_NER, j);
			if (L->bio[k] != 'O' && L->bio[j] != 'O' && strcmp(x + 2, y + 2) == 0) {
				L->type[k] = L->type[j];
				break;
			}
		}
	}
	memset(L->b_of, 0xFF, sizeof L->b_of);
	memset(L->i_of, 0xFF, sizeof L->i_of);
	for (int k = 0; k < L->K; k++) {
		if (L->bio[k] == 'B')
			L->b_of[L->type[k]] = (uint8_t)k;
		else if (L->bio[k] == 'I')
			L->i_of[L->type[k]] = (uint8_t)k;
	}
}

static uint64_t word_key(uint64_t h, const char *text, const chu_span *w)
{
	uint64_t x = 0xCBF29CE484222325ULL;
	for (size_t i = w->start; i < w->end; i++)
		x = (x ^ (unsigned char)text[i]) * 0x100000001B3ULL;
	return chu__combine(h, x);
}

/* The key of words [i, i + len) of a sentence: their bytes, in order. */
static uint64_t span_key(const char *text, const chu_span *words, size_t i, size_t len)
{
	uint64_t h = 0;
	for (size_t j = i; j < i + len; j++)
		h = word_key(h, text, &words[j]);
	return h;
}

/* Labels words [i, i + len) as one entity of type ty, when the model has the labels for it. */
static void label_span(const label_map *L, uint8_t *out, size_t i, size_t len, int ty)
{
	if (L->b_of[ty] == 0xFF || (len > 1 && L->i_of[ty] == 0xFF))
		return;
	out[i] = L->b_of[ty];
	for (size_t j = i + 1; j < i + len; j++)
		out[j] = L->i_of[ty];
}

/* The first entity span of labels tags[i, n): its first word (n when none), its length in *len. */
static size_t next_span(const label_map *L, const uint8_t *tags, size_t n, size_t i, size_t *len)
{
	while (i < n && (tags[i] >= L->K || L->bio[tags[i]] == 'O'))
		i++;
	if (i == n)
		return n;
	size_t e = i + 1;
	while (e < n && tags[e] < L->K && L->bio[tags[e]] == 'I' && L->type[tags[e]] == L->type[tags[i]])
		e++;
	*len = e - i;
	return i;
}

/* One entity of the window: its sequence (the hash of its words' bytes, and how many words), its
 * type (an index into the model's types) and its place in the window. Sorted by sequence and
 * then by place, each sequence's entities are a run in window order; end is set on a run's first
 * entry. */
typedef struct sorted_ent {
	uint64_t key;
	uint32_t n, type, pos, end;
} sorted_ent;

static int cmp_sorted(const void *a, const void *b)
{
	const sorted_ent *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The first entry of the run of sequence (key, nw) in S[0, ne), or ne. */
static size_t run_of(const sorted_ent *S, size_t ne, uint64_t key, uint32_t nw)
{
	size_t lo = 0, hi = ne;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (S[mid].key < key || (S[mid].key == key && S[mid].n < nw))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ne && S[lo].key == key && S[lo].n == nw ? lo : ne;
}

/* The type a run of entities has most often: counts per type, then the first in window order
 * (starting from type cur with count bc, if any) that has more. */
static int run_best(const sorted_ent *S, size_t a, size_t b, int cur, size_t *bc)
{
	size_t count[CHU__TAG_MAX_LABELS] = {0};
	for (size_t m = a; m < b; m++)
		count[S[m].type]++;
	int best = cur;
	*bc = cur >= 0 ? count[cur] : 0;
	for (size_t m = a; m < b; m++)
		if ((int)S[m].type != best && count[S[m].type] > *bc) {
			*bc = count[S[m].type];
			best = (int)S[m].type;
		}
	return best;
}

static bool starts_upper(const char *text, const chu_span *w)
{
	int32_t cp;
	if (w->end <= w->start)
		return false;
	chu__utf8_decode((const unsigned char *)text + w->start, w->end - w->start, &cp);
	return chu__is_upper(cp);
}

int chu_ner_consistent(chu_ctx *ctx, const chu_model *model, const chu_ner_sentence *s, size_t n, size_t target,
                       uint8_t *out)
{
	if (!ctx || !s || target >= n || !out || !chu_tag_count(model, CHU_TAGGER_NER))
		return CHU_EINVAL;
	for (size_t k = 0; k < n; k++)
		if (s[k].n && (!s[k].text || !s[k].words || !s[k].tags))
			return CHU_EINVAL;
	label_map L;
	map_labels(model, &L);
	/* every entity of the window */
	int rc = CHU_OK;
	ctx->doc_ents.len = 0;
	for (size_t k = 0; k < n && rc >= 0; k++) {
		size_t len = 0;
		for (size_t i = next_span(&L, s[k].tags, s[k].n, 0, &len); i < s[k].n;
		     i = next_span(&L, s[k].tags, s[k].n, i + len, &len)) {
			sorted_ent e = {span_key(s[k].text, s[k].words, i, len), (uint32_t)len, L.type[s[k].tags[i]],
			                (uint32_t)(ctx->doc_ents.len / sizeof e), 0};
			chu__buf_put(&rc, &ctx->doc_ents, &e, sizeof e);
		}
	}
	if (rc < 0)
		return rc;
	size_t ne = ctx->doc_ents.len / sizeof(sorted_ent);
	/* after the entities, each sequence's first place (pos << 32 | run) */
	chu__buf_reserve(&rc, &ctx->doc_ents, ne * sizeof(uint64_t));
	if (rc < 0)
		return rc;
	sorted_ent *S = (sorted_ent *)(void *)ctx->doc_ents.data;
	uint64_t *heads = (uint64_t *)(void *)(S + ne);
	if (ne > 1)
		qsort(S, ne, sizeof *S, cmp_sorted);
	size_t nh = 0;
	for (size_t q = 0, r; q < ne; q = r) {
		for (r = q + 1; r < ne && S[r].key == S[q].key && S[r].n == S[q].n; r++)
			;
		S[q].end = (uint32_t)r;
		heads[nh++] = (uint64_t)S[q].pos << 32 | q;
	}
	if (nh > 1)
		qsort(heads, nh, sizeof *heads, cmp_u64);
	const chu_ner_sentence *t = &s[target];
	if (out != t->tags)
		memcpy(out, t->tags, t->n);
	/* 1. a span takes its sequence's most frequent type */
	size_t len = 0;
	for (size_t i = next_span(&L, t->tags, t->n, 0, &len); i < t->n; i = next_span(&L, t->tags, t->n, i + len, &len)) {
		uint64_t h = span_key(t->text, t->words, i, len);
		int cur = L.type[t->tags[i]];
		size_t g = run_of(S, ne, h, (uint32_t)len), bc;
		int best = g < ne ? run_best(S, g, S[g].end, cur, &bc) : cur;
		if (best != cur)
			label_span(&L, out, i, len, best);
	}
	/* 2. occurrences left outside any entity take the type of a sequence labelled twice, each
	 * sequence in the order of its first entity in the window */
	for (size_t k = 0; k < nh; k++) {
		const sorted_ent *q = &S[(uint32_t)heads[k]];
		if (q->n > t->n)
			continue;
		size_t bc;
		int best = run_best(S, (uint32_t)heads[k], q->end, -1, &bc);
		if (bc < 2)
			continue;
		for (size_t i = 0; i + q->n <= t->n; i++) {
			bool free = starts_upper(t->text, &t->words[i]);
			for (size_t j = i; j < i + q->n && free; j++)
				free = out[j] < L.K && L.bio[out[j]] == 'O';
			if (!free)
				continue;
			if (span_key(t->text, t->words, i, q->n) != q->key)
				continue;
			label_span(&L, out, i, q->n, best);
			i += q->n - 1;
		}
	}
	return CHU_OK;
}
