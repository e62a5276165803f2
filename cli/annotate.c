/*
 * annotate.c — `chu annotate`: articles through clean → sentences → tokens → words → tags, read
 * as a stream (see "the stream" below).
 *
 * Offsets are into the original file: chu_clean decides which lines and spans are boilerplate,
 * and the tokens of those are left out; the text itself is tokenized as it was (the tokenizer
 * already splits glued sentences, so clean's inserted spaces are not needed here).
 */
#include "cli.h"
#include "internal.h" /* chu__buf */

#include <getopt.h>
#include <utf8proc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct annot {
	chu_ctx *ctx;
	chu_model *model; /* NULL: no segmentation, tokens only */
	chu_model *pos, *ner; /* NULL: no parts of speech, no entities from the model */
	int format;       /* 't' text, 'j' jsonl, 'c' conllu */
	size_t window;    /* sentences either side an entity label is made consistent with
	                   * (chu_ner_consistent), within the article; 0: each sentence alone */
	unsigned long sent_id; /* conllu: sentences so far */
	struct stream *st;     /* the article being read */
} annot;

/* Writes s[0..n) (valid UTF-8) lowercased. */
static void put_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0) {
			putchar(s[i++]);
			continue;
		}
		utf8proc_uint8_t buf[4];
		utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_tolower(cp), buf);
		fwrite(buf, 1, (size_t)m, stdout);
		i += (size_t)k;
	}
}

/* The normalized text of [a, b) as a JSON string, or with '_' for spaces in text mode. */
static int put_norm(annot *an, const char *text, size_t a, size_t b, bool json)
{
	const char *out;
	size_t n;
	int rc = chu_norm_span(an->ctx, text, a, b, &out, &n);
	if (rc < 0)
		return rc;
	if (json) {
		cli_json_str(out, n);
	} else {
		for (size_t i = 0; i < n; i++)
			putchar(out[i] == ' ' ? '_' : out[i]);
	}
	return CHU_OK;
}

/* ---- the stream ----
 *
 * An article is read a piece (a line, or 64 KiB of a longer one) at a time, and each piece goes
 * through what chu_clean decides for its lines, the tokenizer, the segmenter and the taggers as in
 * the whole file: chu_clean judges a line by itself and by whether text came before it in the
 * article (a leading URL line is metadata), the tokenizer ends a sentence at every line break,
 * and a tagged sentence waits only for the --window sentences after it. A continued piece's text
 * after its last certain sentence end is read again with the next piece (as chu tok does). */

/* One tagged sentence waiting for its window: one malloc'd block holding the arrays and bytes. */
typedef struct sentence {
	uint64_t offset;   /* where text[0] is in the file */
	size_t index;      /* its number in the article, from 0 */
	const char *text;  /* its bytes, from its first token's start to its last token's end */
	chu_token *tok;    /* its kept tokens, offsets into text */
	size_t n;
	chu_span *words;   /* its words, offsets into text */
	size_t nw;
	const char **pn;   /* each word's part-of-speech name, NULL without a model */
	uint8_t *nt;       /* each word's entity label from the tagger (with the models) */
} sentence;

typedef struct stream {
	const char *file;       /* the input being read */
	bool seen_text;         /* a line with text has been read in this article */
	char *url;              /* the article's source URL line (chu_clean's metadata), or NULL */
	size_t sentences;       /* sentences of the article so far */
	chu__buf carry;         /* the text after the last certain sentence end of a continued piece */
	uint64_t carry_offset;  /* where it is in the file */
	chu__buf joined;        /* carry + piece */
	chu__buf cleaned;       /* what chu_clean reads: a line of text first when text came before */
	chu__buf toks;          /* the piece's tokens (chu_token), a copy of chu_tokenize's */
	chu__buf drop, keep;    /* the piece's dropped spans (chu_span), its kept tokens (chu_token) */
	chu__buf spans, join;   /* one sentence's tokens as spans, and whether each joins the next */
	chu__buf words, pn, pt, nt, final, etype, ebio; /* one sentence's words and their labels */
	/* the sentences tagged but not printed (qdone onwards) and the window before them */
	sentence *q;
	chu_ner_sentence *qs;   /* the same sentences as chu_ner_consistent reads them */
	size_t qn, qdone, qcap;
} stream;

/* The most text carried into the next piece; past it a sentence at a cut is cut. */
#define MAX_CARRY (1u << 20)

/* Sentence s with entity labels nt (NULL without an entity model) in the selected format. */
static int print_sentence(annot *an, stream *st, const sentence *s, const uint8_t *nt)
{
	const char *name = st->file, *url = st->url, *text = s->text;
	const chu_token *tok = s->tok;
	size_t n = s->n;
	const chu_span *words = s->words;
	size_t nw = s->nw;
	const char **pn = s->pn;
	unsigned long long base = s->offset;
	int rc = CHU_OK;
	const chu_entity *ent;
	size_t ne;
	if ((rc = chu_entities(an->ctx, text, words, nw, an->ner, nt, &ent, &ne)) < 0)
		return rc;
	/* each word's entity label (BIO), from the spans */
	st->etype.len = st->ebio.len = 0;
	chu__buf_reserve(&rc, &st->etype, (nw + 1) * sizeof(char *));
	chu__buf_reserve(&rc, &st->ebio, nw + 1);
	if (rc < 0)
		return rc;
	const char **etype = (const char **)(void *)st->etype.data;
	char *ebio = st->ebio.data;
	for (size_t w = 0; w < nw; w++) {
		etype[w] = NULL;
		ebio[w] = 'O';
	}
	for (size_t e = 0; e < ne; e++)
		for (uint32_t i = 0; i < ent[e].n_words; i++) {
			etype[ent[e].first + i] = ent[e].type;
			ebio[ent[e].first + i] = i ? 'I' : 'B';
		}
	if (an->format == 't') {
		for (size_t w = 0; w < nw && rc >= 0; w++) {
			rc = put_norm(an, text, words[w].start, words[w].end, false);
			if (pn[w])
				printf("/%s", pn[w]);
			if (w + 1 < nw)
				putchar(' ');
		}
		putchar('\n');
	} else if (an->format == 'c') {
		printf("# sent_id = %lu\n# doc = %s\n", ++an->sent_id, name);
		const char *out;
		size_t m;
		if ((rc = chu_norm_span(an->ctx, text, tok[0].start, tok[n - 1].end, &out, &m)) < 0)
			return rc;
		printf("# text = %.*s\n", (int)m, out);
		for (size_t w = 0; w < nw && rc >= 0; w++) {
			/* FORM with spaces between syllables, as UD Vietnamese writes words */
			if ((rc = chu_norm_span(an->ctx, text, words[w].start, words[w].end, &out, &m)) < 0)
				break;
			printf("%zu\t%.*s\t", w + 1, (int)m, out);
			/* LEMMA: the word lowercased (Vietnamese words do not inflect) */
			put_lower(out, m);
			printf("\t%s\t%s\t_\t_\t_\t_\t", pn[w] ? chu_pos_upos(pn[w]) : "_", pn[w] ? pn[w] : "_");
			/* MISC: entity label, byte offsets into the original file, no space after */
			bool space_after = w + 1 == nw || words[w + 1].start > words[w].end;
			if (etype[w])
				printf("NER=%c-%s|", ebio[w], etype[w]);
			printf("Offset=%llu:%llu%s\n", base + words[w].start, base + words[w].end, space_after ? "" : "|SpaceAfter=No");
		}
		putchar('\n');
	} else {
		printf("{\"doc\":");
		cli_json_str(name, strlen(name));
		if (url) {
			printf(",\"url\":");
			cli_json_str(url, strlen(url));
		}
		printf(",\"sentence\":%zu,\"start\":%llu,\"end\":%llu,\"text\":", s->index, base + tok[0].start,
		       base + tok[n - 1].end);
		if ((rc = put_norm(an, text, tok[0].start, tok[n - 1].end, true)) < 0)
			return rc;
		printf(",\"tokens\":[");
		for (size_t i = 0; i < n && rc >= 0; i++) {
			printf("%s{\"start\":%llu,\"end\":%llu,\"kind\":\"%s\",\"text\":", i ? "," : "", base + tok[i].start,
			       base + tok[i].end, chu_token_kind_name(tok[i].kind));
			rc = put_norm(an, text, tok[i].start, tok[i].end, true);
			putchar('}');
		}
		printf("],\"words\":[");
		for (size_t w = 0; w < nw && rc >= 0; w++) {
			printf("%s{\"start\":%llu,\"end\":%llu,\"text\":", w ? "," : "", base + words[w].start, base + words[w].end);
			rc = put_norm(an, text, words[w].start, words[w].end, true);
			if (pn[w])
				printf(",\"pos\":\"%s\",\"upos\":\"%s\"", pn[w], chu_pos_upos(pn[w]));
			putchar('}');
		}
		printf("],\"entities\":[");
		for (size_t e = 0; e < ne && rc >= 0; e++) {
			printf("%s{\"start\":%llu,\"end\":%llu,\"type\":\"%s\",\"text\":", e ? "," : "", base + ent[e].start,
			       base + ent[e].end, ent[e].type);
			rc = put_norm(an, text, ent[e].start, ent[e].end, true);
			putchar('}');
		}
		printf("]}\n");
	}
	return rc;
}

/* Prints queued sentence k, its entity labels made consistent with the window around it. */
static int finish_queued(annot *an, stream *st, size_t k)
{
	const sentence *s = &st->q[k];
	const uint8_t *nt = an->ner ? s->nt : NULL;
	int rc = CHU_OK;
	if (an->ner && an->window) {
		/* the window as chu ner's: window sentences either side, within the article */
		size_t lo = k > an->window ? k - an->window : 0;
		size_t hi = k + an->window + 1 < st->qn ? k + an->window + 1 : st->qn;
		st->final.len = 0;
		chu__buf_reserve(&rc, &st->final, s->nw);
		if (rc < 0)
			return rc;
		uint8_t *out = (uint8_t *)st->final.data;
		if ((rc = chu_ner_consistent(an->ctx, an->ner, st->qs + lo, hi - lo, k - lo, out)) < 0)
			return rc;
		nt = out;
	}
	return print_sentence(an, st, s, nt);
}

/* Prints the queued sentences that have their window (all of them at the end of an article) and
 * forgets those no window needs. */
static int flush_queue(annot *an, stream *st, bool all)
{
	size_t window = an->ner ? an->window : 0;
	int rc = CHU_OK;
	while (rc >= 0 && st->qdone < st->qn && (all || st->qn - st->qdone > window))
		rc = finish_queued(an, st, st->qdone++);
	size_t drop = all ? st->qn : st->qdone > window ? st->qdone - window : 0;
	for (size_t i = 0; i < drop; i++)
		free(st->q[i].tok); /* the sentence's block */
	if (drop) {
		memmove(st->q, st->q + drop, (st->qn - drop) * sizeof *st->q);
		memmove(st->qs, st->qs + drop, (st->qn - drop) * sizeof *st->qs);
	}
	st->qn -= drop;
	st->qdone -= drop;
	return rc;
}

/* Keeps a tagged sentence (kept tokens tok[0, n), words w[0, nw) with their labels, spans of
 * text, which is at offset in the file) until its window is read: everything is copied into one
 * block, offsets made relative to the sentence's first byte. */
static int queue_sentence(annot *an, stream *st, const char *text, uint64_t offset, const chu_token *tok, size_t n,
                          const chu_span *w, const char **pn, const uint8_t *nt, size_t nw)
{
	if (st->qn == st->qcap) {
		size_t cap = st->qcap ? st->qcap * 2 : 64;
		sentence *q = realloc(st->q, cap * sizeof *q);
		if (q)
			st->q = q;
		chu_ner_sentence *qs = q ? realloc(st->qs, cap * sizeof *qs) : NULL;
		if (!q || !qs)
			return CHU_ENOMEM;
		st->qs = qs;
		st->qcap = cap;
	}
	size_t from = tok[0].start, bytes = tok[n - 1].end - from;
	char *block = malloc(n * sizeof *tok + nw * (sizeof *w + sizeof *pn + 1) + bytes);
	if (!block)
		return CHU_ENOMEM;
	sentence s = {offset + from, st->sentences++, NULL, (chu_token *)(void *)block, n, NULL, nw, NULL, NULL};
	s.words = (chu_span *)(void *)(s.tok + n);
	s.pn = (const char **)(void *)(s.words + nw);
	s.nt = (uint8_t *)(void *)(s.pn + nw);
	char *copy = (char *)s.nt + nw;
	for (size_t i = 0; i < n; i++) {
		s.tok[i] = tok[i];
		s.tok[i].start -= from;
		s.tok[i].end -= from;
	}
	for (size_t i = 0; i < nw; i++) {
		s.words[i] = (chu_span){w[i].start - from, w[i].end - from};
		s.pn[i] = pn[i];
		s.nt[i] = an->ner ? nt[i] : 0;
	}
	memcpy(copy, text + from, bytes);
	s.text = copy;
	st->q[st->qn] = s;
	st->qs[st->qn++] = (chu_ner_sentence){s.text, s.words, nw, s.nt};
	return flush_queue(an, st, false);
}

/* Segments and tags one sentence, kept tokens tok[0, n) of text (at offset in the file), and
 * queues it. */
static int tag_sentence(annot *an, stream *st, const char *text, uint64_t offset, const chu_token *tok, size_t n)
{
	int rc = CHU_OK;
	st->spans.len = st->join.len = st->words.len = st->pn.len = st->pt.len = st->nt.len = 0;
	chu__buf_reserve(&rc, &st->spans, n * sizeof(chu_span));
	chu__buf_reserve(&rc, &st->join, n);
	chu__buf_reserve(&rc, &st->words, n * sizeof(chu_span));
	chu__buf_reserve(&rc, &st->pn, n * sizeof(char *));
	chu__buf_reserve(&rc, &st->pt, n);
	chu__buf_reserve(&rc, &st->nt, n);
	if (rc < 0)
		return rc;
	chu_span *spans = (chu_span *)(void *)st->spans.data;
	unsigned char *join = (unsigned char *)st->join.data;
	for (size_t i = 0; i < n; i++) {
		spans[i].start = tok[i].start;
		spans[i].end = tok[i].end;
		join[i] = 0;
	}
	if (an->model && (rc = chu_segment_tokens(an->ctx, an->model, text, spans, n, join)) < 0)
		return rc;
	/* words: runs of joined tokens */
	chu_span *words = (chu_span *)(void *)st->words.data;
	const char **pn = (const char **)(void *)st->pn.data;
	uint8_t *pt = (uint8_t *)st->pt.data, *nt = (uint8_t *)st->nt.data;
	size_t nw = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && join[j])
			j++;
		words[nw++] = (chu_span){tok[i].start, tok[j].end};
		i = j + 1;
	}
	for (size_t w = 0; w < nw; w++)
		pn[w] = NULL;
	if (an->pos && (rc = chu_tag(an->ctx, an->pos, CHU_TAGGER_POS, text, words, nw, NULL, pt)) < 0)
		return rc;
	for (size_t w = 0; an->pos && w < nw; w++)
		pn[w] = chu_tag_name(an->pos, CHU_TAGGER_POS, pt[w]);
	if (an->ner && (rc = chu_tag(an->ctx, an->ner, CHU_TAGGER_NER, text, words, nw, pn, nt)) < 0)
		return rc;
	return queue_sentence(an, st, text, offset, tok, n, words, pn, nt, nw);
}

/* Does text[0, n) hold a line with something other than spaces, tabs and CRs (what chu_clean calls
 * text)? */
static bool has_text(const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
			return true;
	return false;
}

/* The text of a piece [0, len) (at offset in the file) that ends at a line end or at a certain
 * sentence end: cleaned, tokenized, and its sentences tagged and queued. t[0, nt) are its tokens. */
static int article_text(annot *an, stream *st, const char *text, size_t len, uint64_t offset, const chu_token *t,
                        size_t nt)
{
	/* chu_clean reads the lines as part of an article: after text, a URL line is no metadata, so
	 * a line of text goes first then (its changes are left out) */
	static const char lead[] = "x\n";
	size_t lead_len = st->seen_text ? sizeof lead - 1 : 0;
	int rc = CHU_OK;
	st->cleaned.len = 0;
	chu__buf_put(&rc, &st->cleaned, lead, lead_len);
	chu__buf_put(&rc, &st->cleaned, text, len);
	if (rc < 0)
		return rc;
	const char *cleaned;
	size_t clen, nch;
	const chu_clean_change *ch;
	if ((rc = chu_clean(an->ctx, st->cleaned.data, st->cleaned.len, &cleaned, &clen, &ch, &nch)) < 0)
		return rc;
	/* copy what we need of the changes: the next chu_* call on ctx may reuse their memory */
	st->drop.len = 0;
	for (size_t i = 0; i < nch && rc >= 0; i++) {
		if (ch[i].action == CHU_CLEAN_SPACE || ch[i].start < lead_len)
			continue;
		chu_span d = {ch[i].start - lead_len, ch[i].end - lead_len};
		chu__buf_put(&rc, &st->drop, &d, sizeof d);
		if (ch[i].action == CHU_CLEAN_METADATA && !st->url) {
			size_t a = d.start, b = d.end;
			while (b > a && (text[b - 1] == '\n' || text[b - 1] == '\r' || text[b - 1] == ' '))
				b--;
			if (!(st->url = strndup(text + a, b - a)))
				rc = CHU_ENOMEM;
		}
	}
	st->seen_text = st->seen_text || has_text(text, len);
	/* the kept tokens; a dropped sentence end ends the sentence at the kept token before it */
	st->keep.len = 0;
	chu__buf_reserve(&rc, &st->keep, (nt + 1) * sizeof(chu_token));
	if (rc < 0)
		return rc;
	const chu_span *drop = (const chu_span *)(void *)st->drop.data;
	size_t ndrop = st->drop.len / sizeof(chu_span);
	chu_token *keep = (chu_token *)(void *)st->keep.data;
	size_t nk = 0, d = 0;
	for (size_t i = 0; i < nt; i++) {
		while (d < ndrop && drop[d].end <= t[i].start)
			d++;
		bool dropped = d < ndrop && drop[d].start <= t[i].start && t[i].end <= drop[d].end;
		if (dropped) {
			if ((t[i].flags & CHU_TOKEN_SENTENCE_END) && nk)
				keep[nk - 1].flags |= CHU_TOKEN_SENTENCE_END;
			continue;
		}
		keep[nk++] = t[i];
	}
	/* sentences: runs of kept tokens, each up to one that ends a sentence (or the last) */
	for (size_t i = 0, j; i < nk && rc >= 0; i = j) {
		j = i;
		while (j + 1 < nk && !(keep[j].flags & CHU_TOKEN_SENTENCE_END))
			j++;
		j++;
		rc = tag_sentence(an, st, text, offset, keep + i, j - i);
	}
	return rc;
}

/* A piece of the article (chu_stream). Of a continued piece, the text after its last sentence end
 * before its last token is carried into the next piece, provided that both sides hold more than
 * 200 bytes of tokens (chu_clean judges a line of at most 200 bytes as a whole: a part that short
 * would be judged as a line). */
static int article_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	annot *an = ud;
	stream *st = an->st;
	const char *text = piece;
	int rc = CHU_OK;
	if (st->carry.len) {
		st->joined.len = 0;
		chu__buf_put(&rc, &st->joined, st->carry.data, st->carry.len);
		chu__buf_put(&rc, &st->joined, piece, len);
		text = st->joined.data;
		len = st->joined.len;
		offset = st->carry_offset;
	}
	const chu_token *t = NULL;
	size_t n = 0;
	if (rc >= 0)
		rc = chu_tokenize(an->ctx, text, len, &t, &n);
	size_t upto = n, keep_from = len;
	if (rc >= 0 && continued && n) {
		size_t e = n - 1;
		while (e > 0 && !((t[e - 1].flags & CHU_TOKEN_SENTENCE_END) && t[e - 1].end - t[0].start > 200 &&
		                  t[n - 1].end - t[e].start > 200 && text[t[e - 1].end - 1] != '|'))
			e--;
		size_t from = e > 0 ? t[e - 1].end : 0;
		if (len - from <= MAX_CARRY) {
			upto = e;
			keep_from = from;
		} /* else a sentence too long to hold: cut here */
	}
	st->toks.len = 0;
	if (rc >= 0 && upto)
		chu__buf_put(&rc, &st->toks, t, upto * sizeof *t); /* a copy: the taggers reuse the ctx */
	if (rc >= 0 && keep_from)
		rc = article_text(an, st, text, keep_from, offset, (const chu_token *)(void *)st->toks.data, upto);
	/* keep the rest for the next piece (text may be st->joined, which holds the old carry) */
	size_t rest = len - keep_from;
	if (rc >= 0) {
		chu__buf_reserve(&rc, &st->carry, rest);
		if (rc >= 0) {
			memmove(st->carry.data, text + keep_from, rest);
			st->carry.len = rest;
			st->carry_offset = offset + keep_from;
		}
	}
	if (rc < 0) {
		cli_error(st->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return ferror(stdout) ? 1 : 0; /* output that fails stops the reading (main() reports it) */
}

/* The end of a file: the article ends, its last sentences are printed. */
static int article_end(void *ud)
{
	annot *an = ud;
	stream *st = an->st;
	int rc = flush_queue(an, st, true);
	if (an->format == 't' && rc >= 0)
		putchar('\n'); /* a blank line after each article */
	free(st->url);
	st->url = NULL;
	st->seen_text = false;
	st->sentences = 0;
	st->carry.len = 0;
	if (rc < 0) {
		cli_error(st->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return ferror(stdout) ? 1 : 0;
}

int cli_annotate(int argc, char **argv)
{
	static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
	                                          {"model", required_argument, NULL, 'm'},
	                                          {"pos-model", required_argument, NULL, 'p'},
	                                          {"ner-model", required_argument, NULL, 'n'},
	                                          {"window", required_argument, NULL, 'w'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	annot an = {0};
	an.format = 't';
	an.window = 30;
	const char *model_path = NULL, *pos_path = NULL, *ner_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "text") == 0 || strcmp(optarg, "conllu") == 0)
				an.format = optarg[0];
			else {
				cli_error(NULL, 0, "--format takes text, conllu or jsonl, not '%s'", optarg);
				return CLI_USAGE;
			}
			break;
		case 'p':
			pos_path = optarg;
			break;
		case 'n':
			ner_path = optarg;
			break;
		case 'm':
			model_path = optarg;
			break;
		case 'w':
			if (!cli_parse_window(optarg, &an.window))
				return CLI_USAGE;
			break;
		case 'h':
			fputs("usage: chu annotate [--format=text|conllu|jsonl] [--model SEG] [--pos-model POS] [--ner-model NER]\n"
			      "                    [--window N] [FILE…]\n"
			      "Each file is one article: cleaned (boilerplate left out), split into sentences, tokenized,\n"
			      "segmented into words, tagged with parts of speech and entities (models found as for chu seg:\n"
			      "seg.chm, pos.chm, ner.chm; a missing tagging model leaves its columns out). text: one\n"
			      "sentence a line of word/TAG, a blank line after each article. conllu: Universal Dependencies\n"
			      "CoNLL-U (LEMMA the lowercased word, UPOS and XPOS, NER=B-PER and Offset=START:END in MISC).\n"
			      "jsonl: one object a sentence with byte offsets into the original file for the sentence,\n"
			      "its tokens (with kinds), its words (with tags) and its entities. An article is a document,\n"
			      "as for chu ner: a sentence's entities are made consistent with the --window N sentences\n"
			      "either side (default 30; 0 tags each sentence alone). Articles are read as a stream, in\n"
			      "bounded memory whatever their size.\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (!cli_open_model_if_any(model_path, "seg.chm", "--model", CHU_MODEL_SEG, &an.model))
		return CLI_BAD_INPUT;
	/* the taggers: the named file, else the installed or neighbouring one, else none */
	if (an.model && (!cli_open_model_if_any(pos_path, "pos.chm", "--pos-model", CHU_MODEL_POS, &an.pos) ||
	                 !cli_open_model_if_any(ner_path, "ner.chm", "--ner-model", CHU_MODEL_NER, &an.ner))) {
		chu_model_close(an.model);
		chu_model_close(an.pos);
		return CLI_BAD_INPUT;
	}
	if (an.ner && !an.pos) {
		chu_model_close(an.ner); /* the entity model reads the parts of speech */
		an.ner = NULL;
	}
	int rc = chu_ctx_new(NULL, &an.ctx);
	int status = rc < 0 ? CLI_BAD_INPUT : CLI_OK;
	stream st = {0};
	chu__buf *bufs[] = {&st.carry, &st.joined, &st.cleaned, &st.toks, &st.drop, &st.keep, &st.spans, &st.join, &st.words,
	                    &st.pn, &st.pt, &st.nt, &st.final, &st.etype, &st.ebio};
	size_t nbufs = sizeof bufs / sizeof bufs[0];
	for (size_t i = 0; i < nbufs; i++)
		chu__buf_init(bufs[i], &chu__default_allocator);
	an.st = &st;
	if (status == CLI_OK)
		status = cli_stream_inputs(argc - optind, argv + optind, article_piece, article_end, &an, &st.file);
	for (size_t i = 0; i < st.qn; i++)
		free(st.q[i].tok); /* after an error: what was not printed */
	free(st.q);
	free(st.qs);
	free(st.url);
	for (size_t i = 0; i < nbufs; i++)
		chu__buf_free(bufs[i]);
	chu_ctx_free(an.ctx);
	chu_model_close(an.model);
	chu_model_close(an.pos);
	chu_model_close(an.ner);
	fflush(stdout);
	return status;
}
