/*
 * entity.c — entity spans of a sentence: the tagger's BIO labels read as spans, and rule-based
 * dates, times, money, percentages and quantities from the tokenizer's kinds and a list of units.
 */
#include "internal.h"

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
static int word_kind(chu_ctx *ctx, const char *text, const chu_span *w)
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
	if (chu__tokenize(p, n, &ctx->ent_tokens) < 0)
		return 0;
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
		int kind = word_kind(ctx, text, &words[i]);
		bool free_next = i + 1 < n && (!ner_tags || ner_tags[i + 1] >= K ||
		                               chu_tag_name(model, CHU_TAGGER_NER, ner_tags[i + 1])[0] == 'O');
		int next = free_next ? word_kind(ctx, text, &words[i + 1]) : 0;
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
