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

/* The value of the digits at text[a, b) when they are all digits (at most 4), else -1. */
static long digits_value(const char *text, size_t a, size_t b)
{
	long v = 0;
	if (b <= a || b - a > 4)
		return -1;
	for (size_t k = a; k < b; k++) {
		if (text[k] < '0' || text[k] > '9')
			return -1;
		v = v * 10 + (text[k] - '0');
	}
	return v;
}

/* Is a range word ("18 – 19/12/2024", "18-19/12") a range of days: its right side a date d/m[/y]? */
static bool range_of_days(int *rc, chu_ctx *ctx, const char *text, const chu_span *w)
{
	size_t b = w->end, a = b;
	while (a > w->start && text[a - 1] != ' ' && text[a - 1] != '_' && text[a - 1] != '-' && (text[a - 1] & 0x80) == 0)
		a--;
	if (a >= b || !memchr(text + a, '/', b - a))
		return false;
	chu_span right = {a, b};
	return word_kind(rc, ctx, text, &right) == CHU_TOKEN_DATE;
}

/* What the rules read of one sentence: its words, the model's labels (NULL for none) and the
 * token kind of the last word looked at (a word's kind is read once). */
typedef struct rule_reader {
	chu_ctx *ctx;
	const char *text;
	const chu_span *words;
	size_t n;
	const uint8_t *tags; /* the model's labels, or NULL */
	int K;               /* how many labels the model has */
	const chu_model *model;
	size_t own_lo, own_hi; /* words [own_lo, own_hi): a model entity a rule may take over, so free */
	size_t known;          /* the word whose kind is known_kind, or n */
	int known_kind;
	int rc; /* the first failure */
} rule_reader;

/* Is word k there and outside the model's entities (or in the one a rule may take over)? */
static bool free_word(const rule_reader *R, size_t k)
{
	if (k >= R->n)
		return false;
	if ((k >= R->own_lo && k < R->own_hi) || !R->tags || R->tags[k] >= R->K)
		return true;
	return chu_tag_name(R->model, CHU_TAGGER_NER, R->tags[k])[0] == 'O';
}

static int kind_of(rule_reader *R, size_t k)
{
	if (R->known != k) {
		R->known = k;
		R->known_kind = word_kind(&R->rc, R->ctx, R->text, &R->words[k]);
	}
	return R->known_kind;
}

/* A clock time at word i, a number followed by "giờ": "15 giờ 30 phút", "15 giờ 30", "8 giờ sáng";
 * returns the word after it, or i when the words are not a time of day ("8 giờ" alone may be a
 * length of time: "làm việc 8 giờ"). The words must lie outside the model's entities. */
static size_t clock_time(const rule_reader *R, size_t i)
{
	const char *text = R->text;
	const chu_span *words = R->words;
	size_t n = R->n;
	long h = digits_value(text, words[i].start, words[i].end);
	if (h < 0 || h > 24 || words[i].end - words[i].start > 2)
		return i;
	size_t j = i + 2;
	for (size_t k = i + 1; k < n && k <= i + 3; k++)
		if (!free_word(R, k))
			return i;
	static const char *const parts[] = {"sáng", "trưa", "chiều", "tối", "đêm", NULL};
	if (j < n && (long)(words[j].end - words[j].start) <= 2) {
		long m = digits_value(text, words[j].start, words[j].end);
		if (m >= 0 && m <= 59) {
			j++;
			if (j < n && is_word(text, &words[j], "phút"))
				j++;
			if (j < n && word_in(text, words[j].start, words[j].end, parts))
				j++;
			return j;
		}
	}
	if (j < n && word_in(text, words[j].start, words[j].end, parts))
		return j + 1;
	if (i > 0 && is_word(text, &words[i - 1], "lúc"))
		return j;
	return i;
}

/* Is word k a day of the month written alone ("18")? */
static bool day_number(const rule_reader *R, size_t k)
{
	long d = digits_value(R->text, R->words[k].start, R->words[k].end);
	return d >= 1 && d <= 31 && R->words[k].end - R->words[k].start <= 2;
}

/* A range of days written "18 đến 19/12/2024" (or with "tới", "-", "–") after "từ" or "từ ngày"
 * at word i (the day, or "ngày" before it): returns the word after the date, or i. */
static size_t day_range(rule_reader *R, size_t i)
{
	static const char *const to[] = {"đến", "tới", "-", "–", NULL};
	size_t d = i;
	if (is_word(R->text, &R->words[i], "ngày"))
		d = i + 1;
	if (d == 0 || !free_word(R, d) || !free_word(R, d + 1) || !free_word(R, d + 2) || !day_number(R, d))
		return i;
	if (!is_word(R->text, &R->words[d - 1], "từ") && !(d == i + 1 && i > 0 && is_word(R->text, &R->words[i - 1], "từ")))
		return i;
	if (!word_in(R->text, R->words[d + 1].start, R->words[d + 1].end, to))
		return i;
	size_t e = d + 2;
	if (is_word(R->text, &R->words[e], "ngày") && free_word(R, e + 1))
		e++; /* "từ ngày 18 đến ngày 19/12" */
	if (kind_of(R, e) != CHU_TOKEN_DATE || !memchr(R->text + R->words[e].start, '/', R->words[e].end - R->words[e].start))
		return i;
	return e + 1;
}

/* The rule entity that starts at word i: returns the word after it and sets *type, or returns i. */
static size_t rule_at(rule_reader *R, size_t i, const char **type)
{
	const char *text = R->text;
	const chu_span *words = R->words;
	int kind = kind_of(R, i);
	bool free_next = free_word(R, i + 1);
	size_t after; /* the word after a time or a range of days at i */
	if ((kind == CHU_TOKEN_NUMBER || is_word(text, &words[i], "ngày")) && (after = day_range(R, i)) > i) {
		*type = "DATE"; /* "từ 18 đến 19/12/2024" */
		return after;
	}
	int next = free_next ? kind_of(R, i + 1) : 0;
	if (kind == CHU_TOKEN_DATE || (kind == CHU_TOKEN_RANGE && range_of_days(&R->rc, R->ctx, text, &words[i]))) {
		*type = "DATE";
		return i + 1;
	}
	if (is_word(text, &words[i], "ngày") && next == CHU_TOKEN_RANGE && range_of_days(&R->rc, R->ctx, text, &words[i + 1])) {
		*type = "DATE"; /* "ngày 18 – 19/12/2024" */
		return i + 2;
	}
	if (kind == CHU_TOKEN_NUMBER && free_next && is_word(text, &words[i + 1], "giờ") && (after = clock_time(R, i)) > i + 1) {
		*type = "TIME"; /* "15 giờ 30 phút", "8 giờ sáng" */
		return after;
	}
	if (kind == CHU_TOKEN_TIME || kind == CHU_TOKEN_MONEY || kind == CHU_TOKEN_PERCENT) {
		*type = kind == CHU_TOKEN_TIME ? "TIME" : kind == CHU_TOKEN_MONEY ? "MONEY" : "PERCENT";
		return i + 1;
	}
	if ((is_word(text, &words[i], "ngày") || is_word(text, &words[i], "tháng") || is_word(text, &words[i], "năm")) &&
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
			*type = "DATE";
			return i + 2;
		}
		return i;
	}
	if (kind == CHU_TOKEN_NUMBER && free_next && word_in(text, words[i + 1].start, words[i + 1].end, units)) {
		*type = "QUANTITY";
		return i + 2;
	}
	return i;
}

static void push(int *rc, chu_ctx *ctx, const chu_span *words, size_t first, size_t last, const char *type)
{
	chu_entity e = {words[first].start, words[last].end, (uint32_t)first, (uint32_t)(last - first + 1), type};
	chu__buf_put(rc, &ctx->entities, &e, sizeof e);
}

/* The model's spans, and the rules' on the words outside them. A rule entity that covers all the
 * words of a model entity (and only words outside the others) replaces it: a time, a date or an
 * amount is never a person or a place ("Lúc 9h30, …" is a TIME however the model labels it). */
int chu_entities(chu_ctx *ctx, const char *text, const chu_span *words, size_t n, const chu_model *model,
                 const uint8_t *ner_tags, const chu_entity **out, size_t *n_out)
{
	if (!ctx || !out || !n_out || (n && (!text || !words)) || (ner_tags && !chu_tag_count(model, CHU_TAGGER_NER)))
		return CHU_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (words[i].start > words[i].end)
			return CHU_EINVAL;
	ctx->entities.len = 0;
	int K = ner_tags ? chu_tag_count(model, CHU_TAGGER_NER) : 0;
	rule_reader R = {ctx, text, words, n, ner_tags, K, model, n, n, n, 0, CHU_OK};
	for (size_t i = 0; i < n && R.rc >= 0;) {
		const char *name = ner_tags && ner_tags[i] < K ? chu_tag_name(model, CHU_TAGGER_NER, ner_tags[i]) : "O";
		const char *type = NULL;
		size_t r;
		if ((name[0] == 'B' || name[0] == 'I') && name[1] == '-') {
			/* the model's span: B-X (or a stray I-X) and the I-X after it */
			size_t e = i + 1;
			while (e < n && ner_tags[e] < K) {
				const char *x = chu_tag_name(model, CHU_TAGGER_NER, ner_tags[e]);
				if (!(x[0] == 'I' && x[1] == '-' && strcmp(x + 2, name + 2) == 0))
					break;
				e++;
			}
			R.own_lo = i;
			R.own_hi = e;
			r = rule_at(&R, i, &type);
			R.own_lo = R.own_hi = n;
			if (r >= e) {
				push(&R.rc, ctx, words, i, r - 1, type);
				i = r;
			} else {
				push(&R.rc, ctx, words, i, e - 1, name + 2);
				i = e;
			}
			continue;
		}
		if ((r = rule_at(&R, i, &type)) > i) {
			push(&R.rc, ctx, words, i, r - 1, type);
			i = r;
		} else {
			i++;
		}
	}
	if (R.rc < 0)
		return R.rc;
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
 * type (0.. in the order of the model's labels) and the sequence's number in the window. */
typedef struct window_ent {
	uint64_t key;
	uint32_t n, type, seq;
} window_ent;

/* One sequence of the window, numbered in the order of its first entity: its key and length, its
 * first entity, and in count[] and first[] (at types × its number) how many of its entities have
 * each type and where the first of them is. */
typedef struct window_seq {
	uint64_t key;
	uint32_t n, head;
} window_seq;

/* The type of sequence q that the window gives it, as counting its entities of each type in window
 * order and switching to the first type that has more than the best so far (starting from type
 * cur, or none for -1) would: cur when it has the most, else of the types with the most the one
 * whose first entity comes first. *bc: that count. */
static int sequence_best(const uint32_t *count, const uint32_t *first, size_t ntypes, int cur, uint32_t *bc)
{
	uint32_t most = 0;
	for (size_t t = 0; t < ntypes; t++)
		most = count[t] > most ? count[t] : most;
	*bc = most;
	if (cur >= 0 && count[cur] == most)
		return cur;
	int best = -1;
	for (size_t t = 0; t < ntypes; t++)
		if (count[t] == most && (best < 0 || first[t] < first[best]))
			best = (int)t;
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
	/* the types, numbered: tid[t] for the type of label t (L.type) */
	uint8_t tid[256], tlabel[256];
	size_t ntypes = 0;
	for (int k = 0; k < L.K; k++)
		if (L.bio[k] != 'O' && L.type[k] == k) {
			tlabel[ntypes] = (uint8_t)k;
			tid[k] = (uint8_t)ntypes++;
		}
	for (int k = 0; k < L.K; k++)
		tid[k] = L.bio[k] != 'O' ? tid[L.type[k]] : 0;
	/* every entity of the window, in window order */
	int rc = CHU_OK;
	ctx->doc_ents.len = 0;
	for (size_t k = 0; k < n && rc >= 0; k++) {
		size_t len = 0;
		for (size_t i = next_span(&L, s[k].tags, s[k].n, 0, &len); i < s[k].n;
		     i = next_span(&L, s[k].tags, s[k].n, i + len, &len)) {
			window_ent e = {span_key(s[k].text, s[k].words, i, len), (uint32_t)len, tid[s[k].tags[i]], 0};
			chu__buf_put(&rc, &ctx->doc_ents, &e, sizeof e);
		}
	}
	if (rc < 0)
		return rc;
	size_t ne = ctx->doc_ents.len / sizeof(window_ent), slots = 16;
	while (slots < 2 * ne)
		slots *= 2;
	/* after the entities: the sequences, a hash table of them (1 + number, 0 empty), and their
	 * counts and first entities by type */
	size_t tsz = ntypes ? ntypes : 1;
	chu__buf_reserve(&rc, &ctx->doc_ents,
	                 ne * sizeof(window_seq) + slots * sizeof(uint32_t) + 2 * ne * tsz * sizeof(uint32_t) + 16);
	if (rc < 0)
		return rc;
	window_ent *E = (window_ent *)(void *)ctx->doc_ents.data;
	window_seq *Q = (window_seq *)(void *)(E + ne);
	uint32_t *table = (uint32_t *)(void *)(Q + ne), *count = table + slots, *first = count + ne * tsz;
	memset(table, 0, slots * sizeof *table);
	size_t nq = 0;
	for (size_t m = 0; m < ne; m++) {
		size_t h = (size_t)(chu__mix64(E[m].key ^ E[m].n) & (slots - 1));
		while (table[h] && !(Q[table[h] - 1].key == E[m].key && Q[table[h] - 1].n == E[m].n))
			h = (h + 1) & (slots - 1);
		if (!table[h]) {
			Q[nq] = (window_seq){E[m].key, E[m].n, (uint32_t)m};
			memset(count + nq * tsz, 0, tsz * sizeof *count);
			table[h] = (uint32_t)++nq;
		}
		uint32_t q = table[h] - 1, *c = count + q * tsz, *f = first + q * tsz;
		E[m].seq = q;
		if (c[E[m].type]++ == 0)
			f[E[m].type] = (uint32_t)m;
	}
	const chu_ner_sentence *t = &s[target];
	if (out != t->tags)
		memcpy(out, t->tags, t->n);
	/* 1. a span takes its sequence's most frequent type */
	size_t len = 0;
	for (size_t i = next_span(&L, t->tags, t->n, 0, &len); i < t->n; i = next_span(&L, t->tags, t->n, i + len, &len)) {
		uint64_t key = span_key(t->text, t->words, i, len);
		size_t h = (size_t)(chu__mix64(key ^ len) & (slots - 1));
		while (table[h] && !(Q[table[h] - 1].key == key && Q[table[h] - 1].n == len))
			h = (h + 1) & (slots - 1);
		int cur = tid[t->tags[i]];
		uint32_t bc;
		int best = table[h] ? sequence_best(count + (table[h] - 1) * tsz, first + (table[h] - 1) * tsz, ntypes, cur, &bc)
		                    : cur;
		if (best != cur)
			label_span(&L, out, i, len, tlabel[best]);
	}
	/* 2. occurrences left outside any entity take the type of a sequence labelled twice, each
	 * sequence in the order of its first entity in the window */
	for (size_t q = 0; q < nq; q++) {
		if (Q[q].n > t->n)
			continue;
		uint32_t bc;
		int best = sequence_best(count + q * tsz, first + q * tsz, ntypes, -1, &bc);
		if (bc < 2)
			continue;
		for (size_t i = 0; i + Q[q].n <= t->n; i++) {
			bool free = starts_upper(t->text, &t->words[i]);
			for (size_t j = i; j < i + Q[q].n && free; j++)
				free = out[j] < L.K && L.bio[out[j]] == 'O';
			if (!free)
				continue;
			if (span_key(t->text, t->words, i, Q[q].n) != Q[q].key)
				continue;
			label_span(&L, out, i, Q[q].n, tlabel[best]);
			i += Q[q].n - 1;
		}
	}
	return CHU_OK;
}
