/*
 * annotate.c — the whole pipeline as one call (chu.h §9): a document through clean, tokens,
 * sentences, words, parts of speech and entities, every offset into the text as given.
 *
 * The two steps in the middle are shared with `chu annotate`, which reads files of any size as a
 * stream of pieces and so cannot hand the library a whole document:
 *   chu__annotate_kept()    what chu_clean drops, left out of a piece's tokens;
 *   chu__annotate_tag()     one sentence's tokens segmented and tagged.
 * Both the command and chu_annotate() then make the entity labels consistent over a window of
 * sentences and read the entities out of them (chu_ner_consistent, chu_entities).
 */
#include "internal.h"

#include <string.h>

void chu_annotate_options_init(chu_annotate_options *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof *opts);
	opts->window = 30;
}

void chu__tagged_init(chu__tagged *t, const chu_allocator *a)
{
	chu__buf *b[] = {&t->spans, &t->join, &t->words, &t->pn, &t->pt, &t->nt};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		chu__buf_init(b[i], a);
}

void chu__tagged_free(chu__tagged *t)
{
	chu__buf *b[] = {&t->spans, &t->join, &t->words, &t->pn, &t->pt, &t->nt};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		chu__buf_free(b[i]);
}

int chu__annotate_tag(chu_ctx *ctx, const chu_annotate_options *o, const char *text, const chu_token *tok, size_t n,
                      chu__tagged *t, size_t *nw_out)
{
	int rc = CHU_OK;
	CHU__RESERVE(&rc, t->spans, n, chu_span);
	CHU__RESERVE(&rc, t->join, n, unsigned char);
	CHU__RESERVE(&rc, t->words, n, chu_span);
	CHU__RESERVE(&rc, t->pn, n, const char *);
	CHU__RESERVE(&rc, t->pt, n, uint8_t);
	CHU__RESERVE(&rc, t->nt, n, uint8_t);
	if (rc < 0)
		return rc;
	chu_span *spans = (chu_span *)(void *)t->spans.data;
	unsigned char *join = (unsigned char *)t->join.data;
	for (size_t i = 0; i < n; i++) {
		spans[i].start = tok[i].start;
		spans[i].end = tok[i].end;
		join[i] = 0;
	}
	if (o->seg && (rc = chu_segment_tokens(ctx, o->seg, text, spans, n, join)) < 0)
		return rc;
	/* words: runs of joined tokens */
	chu_span *words = (chu_span *)(void *)t->words.data;
	const char **pn = (const char **)(void *)t->pn.data;
	uint8_t *pt = (uint8_t *)t->pt.data, *nt = (uint8_t *)t->nt.data;
	size_t nw = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && join[j])
			j++;
		words[nw++] = (chu_span){tok[i].start, tok[j].end};
		i = j + 1;
	}
	for (size_t w = 0; w < nw; w++) {
		pn[w] = NULL;
		nt[w] = 0;
	}
	if (o->pos && (rc = chu_tag(ctx, o->pos, CHU_TAGGER_POS, text, words, nw, NULL, pt)) < 0)
		return rc;
	for (size_t w = 0; o->pos && w < nw; w++)
		pn[w] = chu_tag_name(o->pos, CHU_TAGGER_POS, pt[w]);
	if (o->ner && (rc = chu_tag(ctx, o->ner, CHU_TAGGER_NER, text, words, nw, pn, nt)) < 0)
		return rc;
	*nw_out = nw;
	return CHU_OK;
}

int chu__annotate_kept(chu_ctx *ctx, const char *text, size_t len, size_t lead, const chu_token *t, size_t nt,
                       chu__buf *drop, chu__buf *keep, size_t *nk_out, chu_span *url)
{
	int rc = CHU_OK;
	const char *cleaned;
	size_t clen, nch;
	const chu_clean_change *ch;
	*url = (chu_span){0, 0};
	if ((rc = chu_clean(ctx, text, len, &cleaned, &clen, &ch, &nch)) < 0)
		return rc;
	drop->len = 0;
	bool have_url = false;
	for (size_t i = 0; i < nch && rc >= 0; i++) {
		if (ch[i].action == CHU_CLEAN_SPACE || ch[i].start < lead)
			continue;
		chu_span d = {ch[i].start - lead, ch[i].end - lead};
		chu__buf_put(&rc, drop, &d, sizeof d);
		if (ch[i].action == CHU_CLEAN_METADATA && !have_url) {
			const char *s = text + lead;
			size_t a = d.start, b = d.end;
			while (b > a && (s[b - 1] == '\n' || s[b - 1] == '\r' || s[b - 1] == ' '))
				b--;
			*url = (chu_span){a, b};
			have_url = true;
		}
	}
	CHU__RESERVE(&rc, *keep, nt + 1, chu_token);
	if (rc < 0)
		return rc;
	/* the kept tokens; a dropped sentence end ends the sentence at the kept token before it */
	const chu_span *dr = (const chu_span *)(void *)drop->data;
	size_t ndrop = drop->len / sizeof(chu_span);
	chu_token *k = (chu_token *)(void *)keep->data;
	size_t nk = 0, d = 0;
	for (size_t i = 0; i < nt; i++) {
		while (d < ndrop && dr[d].end <= t[i].start)
			d++;
		if (d < ndrop && dr[d].start <= t[i].start && t[i].end <= dr[d].end) {
			if ((t[i].flags & CHU_TOKEN_SENTENCE_END) && nk)
				k[nk - 1].flags |= CHU_TOKEN_SENTENCE_END;
			continue;
		}
		k[nk++] = t[i];
	}
	keep->len = nk * sizeof(chu_token);
	*nk_out = nk;
	return CHU_OK;
}

/* ---- chu_annotate ---- */

struct chu__annotate_state {
	chu__buf toks;      /* chu_tokenize's tokens, copied: cleaning and tagging reuse the ctx */
	chu__buf drop, keep; /* dropped spans, kept tokens (the result's tokens) */
	chu__tagged tagged;  /* one sentence being tagged */
	chu__buf sents;     /* chu_annotated_sentence[] */
	chu__buf spans;     /* chu_span[]: every word of the document */
	chu__buf words;     /* chu_annotated_word[] */
	chu__buf labels;    /* uint8_t[]: every word's entity label from the tagger */
	chu__buf ner;       /* chu_ner_sentence[] */
	chu__buf final;     /* one sentence's consistent labels */
	chu__buf ents;      /* chu_entity[] */
	chu__buf json;      /* chu_annotation_jsonl's lines */
};

#define ANNOTATE_BUFS(st)                                                                          \
	{&(st)->toks, &(st)->drop, &(st)->keep, &(st)->sents, &(st)->spans, &(st)->words, &(st)->labels, &(st)->ner, \
	 &(st)->final, &(st)->ents, &(st)->json}

void chu__annotate_state_free(chu_ctx *ctx)
{
	struct chu__annotate_state *st = ctx->annotate;
	if (!st)
		return;
	chu__buf *b[] = ANNOTATE_BUFS(st);
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		chu__buf_free(b[i]);
	chu__tagged_free(&st->tagged);
	chu__free(&ctx->alloc, st);
	ctx->annotate = NULL;
}

static struct chu__annotate_state *annotate_state(chu_ctx *ctx)
{
	if (ctx->annotate)
		return ctx->annotate;
	struct chu__annotate_state *st = chu__malloc(&ctx->alloc, sizeof *st);
	if (!st)
		return NULL;
	memset(st, 0, sizeof *st);
	chu__buf *b[] = ANNOTATE_BUFS(st);
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		chu__buf_init(b[i], &ctx->alloc);
	chu__tagged_init(&st->tagged, &ctx->alloc);
	ctx->annotate = st;
	return st;
}

/* Every sentence of the kept tokens segmented and tagged into the state's document arrays. */
static int tag_sentences(chu_ctx *ctx, const chu_annotate_options *o, struct chu__annotate_state *st,
                         const char *text, const chu_token *keep, size_t nk)
{
	int rc = CHU_OK;
	for (size_t i = 0, j; i < nk && rc >= 0; i = j) {
		j = i;
		while (j + 1 < nk && !(keep[j].flags & CHU_TOKEN_SENTENCE_END))
			j++;
		j++;
		size_t nw = 0;
		if ((rc = chu__annotate_tag(ctx, o, text, keep + i, j - i, &st->tagged, &nw)) < 0)
			break;
		chu_annotated_sentence s = {keep[i].start, keep[j - 1].end, i, j - i, st->spans.len / sizeof(chu_span), nw,
		                            0, 0};
		const chu_span *w = (const chu_span *)(void *)st->tagged.words.data;
		const char **pn = (const char **)(void *)st->tagged.pn.data;
		chu__buf_put(&rc, &st->sents, &s, sizeof s);
		chu__buf_put(&rc, &st->spans, w, nw * sizeof *w);
		chu__buf_put(&rc, &st->labels, st->tagged.nt.data, nw);
		for (size_t k = 0; k < nw && rc >= 0; k++) {
			chu_annotated_word aw = {w[k].start, w[k].end, pn[k], chu_pos_upos(pn[k])};
			chu__buf_put(&rc, &st->words, &aw, sizeof aw);
		}
	}
	return rc;
}

/* The entities of sentence k, its labels made consistent with the window around it. */
static int sentence_entities(chu_ctx *ctx, const chu_annotate_options *o, struct chu__annotate_state *st,
                             const char *text, size_t k)
{
	chu_annotated_sentence *sents = (chu_annotated_sentence *)(void *)st->sents.data;
	size_t ns = st->sents.len / sizeof *sents;
	chu_annotated_sentence *s = &sents[k];
	const chu_span *spans = (const chu_span *)(void *)st->spans.data + s->first_word;
	const uint8_t *labels = o->ner ? (const uint8_t *)st->labels.data + s->first_word : NULL;
	int rc = CHU_OK;
	if (o->ner && o->window && s->n_words) {
		size_t lo = k > o->window ? k - o->window : 0;
		size_t hi = k + o->window + 1 < ns ? k + o->window + 1 : ns;
		CHU__RESERVE(&rc, st->final, s->n_words, uint8_t);
		if (rc < 0)
			return rc;
		uint8_t *out = (uint8_t *)st->final.data;
		const chu_ner_sentence *win = (const chu_ner_sentence *)(void *)st->ner.data + lo;
		if ((rc = chu_ner_consistent(ctx, o->ner, win, hi - lo, k - lo, out)) < 0)
			return rc;
		labels = out;
	}
	const chu_entity *e;
	size_t ne;
	if ((rc = chu_entities(ctx, text, spans, s->n_words, o->ner, labels, &e, &ne)) < 0)
		return rc;
	s->first_entity = st->ents.len / sizeof(chu_entity);
	s->n_entities = ne;
	for (size_t i = 0; i < ne && rc >= 0; i++) {
		chu_entity x = e[i];
		x.first += (uint32_t)s->first_word;
		chu__buf_put(&rc, &st->ents, &x, sizeof x);
	}
	return rc;
}

int chu_annotate(chu_ctx *ctx, const chu_annotate_options *opts, const char *text, size_t len, chu_annotation *out)
{
	if (!ctx || (!text && len) || !out)
		return CHU_EINVAL;
	memset(out, 0, sizeof *out);
	chu_annotate_options defaults;
	if (!opts) {
		chu_annotate_options_init(&defaults);
		opts = &defaults;
	}
	if ((opts->seg && !(chu_model_parts(opts->seg) & CHU_MODEL_SEG)) ||
	    (opts->pos && !(chu_model_parts(opts->pos) & CHU_MODEL_POS)) ||
	    (opts->ner && !(chu_model_parts(opts->ner) & CHU_MODEL_NER)))
		return CHU_EINVAL;
	if (!text)
		text = "";
	struct chu__annotate_state *st = annotate_state(ctx);
	if (!st)
		return CHU_ENOMEM;
	chu__buf *reset[] = {&st->toks, &st->sents, &st->spans, &st->words, &st->labels, &st->ner, &st->ents};
	for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++)
		reset[i]->len = 0;
	const chu_token *t;
	size_t nt;
	int rc = chu_tokenize(ctx, text, len, &t, &nt);
	if (rc < 0)
		return rc;
	chu__buf_put(&rc, &st->toks, t, nt * sizeof *t);
	if (rc < 0)
		return rc;
	t = (const chu_token *)(void *)st->toks.data;
	size_t nk = nt;
	chu_span url = {0, 0};
	if (opts->keep_boilerplate) {
		st->keep.len = 0;
		chu__buf_put(&rc, &st->keep, t, nt * sizeof *t);
	} else {
		rc = chu__annotate_kept(ctx, text, len, 0, t, nt, &st->drop, &st->keep, &nk, &url);
	}
	if (rc < 0)
		return rc;
	const chu_token *keep = (const chu_token *)(void *)st->keep.data;
	if ((rc = tag_sentences(ctx, opts, st, text, keep, nk)) < 0)
		return rc;
	/* the sentences as chu_ner_consistent reads them, now that the arrays stay where they are */
	const chu_annotated_sentence *sents = (const chu_annotated_sentence *)(void *)st->sents.data;
	size_t ns = st->sents.len / sizeof *sents;
	for (size_t k = 0; k < ns && rc >= 0; k++) {
		chu_ner_sentence s = {text, (const chu_span *)(void *)st->spans.data + sents[k].first_word, sents[k].n_words,
		                      (const uint8_t *)st->labels.data + sents[k].first_word};
		chu__buf_put(&rc, &st->ner, &s, sizeof s);
	}
	for (size_t k = 0; k < ns && rc >= 0; k++)
		rc = sentence_entities(ctx, opts, st, text, k);
	if (rc < 0)
		return rc;
	out->sentences = (const chu_annotated_sentence *)(void *)st->sents.data;
	out->n_sentences = ns;
	out->tokens = keep;
	out->n_tokens = nk;
	out->words = (const chu_annotated_word *)(void *)st->words.data;
	out->n_words = st->words.len / sizeof(chu_annotated_word);
	out->entities = (const chu_entity *)(void *)st->ents.data;
	out->n_entities = st->ents.len / sizeof(chu_entity);
	if (url.end > url.start) {
		out->url = text + url.start;
		out->url_len = url.end - url.start;
	}
	return CHU_OK;
}

/* ---- JSON lines: what chu annotate --format jsonl prints (the command calls the same writer) ---- */

static void put_str(int *rc, chu__buf *out, const char *s) { chu__buf_put(rc, out, s, strlen(s)); }

static void put_u64(int *rc, chu__buf *out, uint64_t v)
{
	char d[24];
	size_t k = sizeof d;
	do
		d[--k] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	chu__buf_put(rc, out, d + k, sizeof d - k);
}

void chu__json_str(int *rc, chu__buf *out, const char *s, size_t n)
{
	chu__buf_reserve(rc, out, 6 * n + 2);
	if (*rc < 0)
		return;
	char *d = out->data + out->len;
	*d++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*d++ = '\\';
			*d++ = (char)c;
		} else if (c == '\n') {
			*d++ = '\\';
			*d++ = 'n';
		} else if (c == '\t') {
			*d++ = '\\';
			*d++ = 't';
		} else if (c < 0x20) {
			static const char hex[] = "0123456789abcdef";
			memcpy(d, "\\u00", 4);
			d[4] = hex[c >> 4];
			d[5] = hex[c & 15];
			d += 6;
		} else {
			*d++ = (char)c;
		}
	}
	*d++ = '"';
	out->len = (size_t)(d - out->data);
	out->data[out->len] = '\0';
}

/* The normalized text of text[a, b) as a JSON string. */
static int put_norm(chu_ctx *ctx, int *rc, chu__buf *out, const char *text, size_t a, size_t b)
{
	const char *s;
	size_t n;
	int r = chu_norm_span(ctx, text, a, b, &s, &n);
	if (r < 0)
		return r;
	chu__json_str(rc, out, s, n);
	return CHU_OK;
}

/* Opens the i-th object of a JSON list with its byte range: ',{"start":A,"end":B'. */
static void put_range(int *rc, chu__buf *out, size_t i, uint64_t a, uint64_t b)
{
	put_str(rc, out, i ? ",{\"start\":" : "{\"start\":");
	put_u64(rc, out, a);
	put_str(rc, out, ",\"end\":");
	put_u64(rc, out, b);
}

int chu__annotate_put_jsonl(chu_ctx *ctx, int *orc, chu__buf *out, const char *doc, size_t doc_len, const char *url,
                            size_t url_len, size_t index, uint64_t base, const char *text, const chu_token *tok,
                            size_t n, const chu_annotated_word *w, size_t nw, const chu_entity *e, size_t ne)
{
	int rc = CHU_OK;
	put_str(orc, out, "{\"doc\":");
	chu__json_str(orc, out, doc, doc_len);
	if (url) {
		put_str(orc, out, ",\"url\":");
		chu__json_str(orc, out, url, url_len);
	}
	put_str(orc, out, ",\"sentence\":");
	put_u64(orc, out, index);
	put_str(orc, out, ",\"start\":");
	put_u64(orc, out, base + tok[0].start);
	put_str(orc, out, ",\"end\":");
	put_u64(orc, out, base + tok[n - 1].end);
	put_str(orc, out, ",\"text\":");
	if ((rc = put_norm(ctx, orc, out, text, tok[0].start, tok[n - 1].end)) < 0)
		return rc;
	put_str(orc, out, ",\"tokens\":[");
	for (size_t i = 0; i < n && rc >= 0; i++) {
		put_range(orc, out, i, base + tok[i].start, base + tok[i].end);
		put_str(orc, out, ",\"kind\":\"");
		put_str(orc, out, chu_token_kind_name(tok[i].kind));
		put_str(orc, out, "\",\"text\":");
		rc = put_norm(ctx, orc, out, text, tok[i].start, tok[i].end);
		chu__buf_putc(orc, out, '}');
	}
	put_str(orc, out, "],\"words\":[");
	for (size_t i = 0; i < nw && rc >= 0; i++) {
		put_range(orc, out, i, base + w[i].start, base + w[i].end);
		put_str(orc, out, ",\"text\":");
		rc = put_norm(ctx, orc, out, text, w[i].start, w[i].end);
		if (w[i].pos) {
			put_str(orc, out, ",\"pos\":\"");
			put_str(orc, out, w[i].pos);
			put_str(orc, out, "\",\"upos\":\"");
			put_str(orc, out, w[i].upos);
			chu__buf_putc(orc, out, '"');
		}
		chu__buf_putc(orc, out, '}');
	}
	put_str(orc, out, "],\"entities\":[");
	for (size_t i = 0; i < ne && rc >= 0; i++) {
		put_range(orc, out, i, base + e[i].start, base + e[i].end);
		put_str(orc, out, ",\"type\":\"");
		put_str(orc, out, e[i].type);
		put_str(orc, out, "\",\"text\":");
		rc = put_norm(ctx, orc, out, text, e[i].start, e[i].end);
		chu__buf_putc(orc, out, '}');
	}
	put_str(orc, out, "]}\n");
	return rc < 0 ? rc : *orc;
}

int chu_annotation_jsonl(chu_ctx *ctx, const char *doc, size_t doc_len, const char *text, const chu_annotation *a,
                         const char **out, size_t *out_len)
{
	if (!ctx || (!doc && doc_len) || !a || (!text && a->n_sentences) || !out || !out_len)
		return CHU_EINVAL;
	struct chu__annotate_state *st = annotate_state(ctx);
	if (!st)
		return CHU_ENOMEM;
	st->json.len = 0;
	int rc = CHU_OK, brc = CHU_OK;
	chu__buf_reserve(&brc, &st->json, 0); /* no sentences: "" */
	if ((rc = brc) >= 0)
		st->json.data[0] = '\0';
	for (size_t k = 0; k < a->n_sentences && rc >= 0; k++) {
		const chu_annotated_sentence *s = &a->sentences[k];
		if (!s->n_tokens || s->first_token + s->n_tokens > a->n_tokens || s->first_word + s->n_words > a->n_words ||
		    s->first_entity + s->n_entities > a->n_entities)
			return CHU_EINVAL;
		rc = chu__annotate_put_jsonl(ctx, &brc, &st->json, doc ? doc : "", doc_len, a->url, a->url_len, k, 0, text,
		                             a->tokens + s->first_token, s->n_tokens, a->words + s->first_word, s->n_words,
		                             a->entities + s->first_entity, s->n_entities);
	}
	if (rc < 0)
		return rc;
	*out = st->json.data;
	*out_len = st->json.len;
	return CHU_OK;
}
