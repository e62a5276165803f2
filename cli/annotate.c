/*
 * annotate.c — `chu annotate`: whole articles through clean → sentences → tokens → words.
 *
 * Offsets are into the original file: chu_clean decides which lines and spans are boilerplate,
 * and the tokens of those are left out; the text itself is tokenized as it was (the tokenizer
 * already splits glued sentences, so clean's inserted spaces are not needed here).
 */
#include "cli.h"

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

/* An article's sentences, all tagged before any is printed: a sentence's entity labels are made
 * consistent with the sentences either side of it, and the article is the document. The arrays
 * over words hold every word of the article, sentence after sentence (at most one a token). */
typedef struct tagged {
	size_t n, nw;           /* sentences and words tagged so far */
	chu_ner_sentence *sent; /* sentence k: its words and the tagger's entity labels (into words, nt) */
	size_t *tok;            /* sentence k: kept tokens [tok[k], tok[k + 1]) */
	chu_span *words;        /* each word: a byte range of the text */
	const char **pn;        /* each word's part-of-speech name, NULL without a model */
	uint8_t *pt, *nt;       /* each word's part-of-speech label, entity label (with the models) */
	uint8_t *final;         /* each word's entity label made consistent with its window */
	chu_span *spans;        /* scratch for segmenting one sentence: its tokens */
	unsigned char *join;    /* and whether each joins the next */
} tagged;

static void tagged_free(tagged *d)
{
	free(d->sent);
	free(d->tok);
	free(d->words);
	free(d->pn);
	free(d->pt);
	free(d->nt);
	free(d->final);
	free(d->spans);
	free(d->join);
}

/* Sentences: runs of kept tokens, each up to one that ends a sentence (or the last). */
static size_t sentence_end(const chu_token *keep, size_t nk, size_t i)
{
	while (i + 1 < nk && !(keep[i].flags & CHU_TOKEN_SENTENCE_END))
		i++;
	return i + 1;
}

/* Room for the article of kept tokens keep[0, nk); CHU_ENOMEM with nothing held. */
static int tagged_init(tagged *d, const chu_token *keep, size_t nk)
{
	size_t ns = 0, longest = 0;
	for (size_t i = 0, j; i < nk; i = j, ns++) {
		j = sentence_end(keep, nk, i);
		longest = j - i > longest ? j - i : longest;
	}
	*d = (tagged){0};
	d->sent = malloc((ns + 1) * sizeof *d->sent);
	d->tok = malloc((ns + 1) * sizeof *d->tok);
	d->words = malloc((nk + 1) * sizeof *d->words);
	d->pn = malloc((nk + 1) * sizeof *d->pn);
	d->pt = malloc(nk + 1);
	d->nt = malloc(nk + 1);
	d->final = malloc(nk + 1);
	d->spans = malloc((longest + 1) * sizeof *d->spans);
	d->join = malloc(longest + 1);
	if (!d->sent || !d->tok || !d->words || !d->pn || !d->pt || !d->nt || !d->final || !d->spans || !d->join) {
		tagged_free(d);
		*d = (tagged){0};
		return CHU_ENOMEM;
	}
	d->tok[0] = 0;
	return CHU_OK;
}

/* Segments and tags the next sentence of d: kept tokens keep[a, b), a where the sentence before
 * ended. Its words, their part-of-speech names and labels and the tagger's entity labels are
 * appended to d's. */
static int tag_sentence(annot *an, const char *text, const chu_token *keep, size_t a, size_t b, tagged *d)
{
	const chu_token *tok = keep + a;
	size_t n = b - a;
	int rc = CHU_OK;
	for (size_t i = 0; i < n; i++) {
		d->spans[i].start = tok[i].start;
		d->spans[i].end = tok[i].end;
		d->join[i] = 0;
	}
	if (an->model) {
		rc = chu_segment_tokens(an->ctx, an->model, text, d->spans, n, d->join);
		if (rc < 0)
			return rc;
	}
	/* words: runs of joined tokens */
	chu_span *words = d->words + d->nw;
	const char **pn = d->pn + d->nw;
	uint8_t *pt = d->pt + d->nw, *nt = d->nt + d->nw;
	size_t nw = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && d->join[j])
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
	d->sent[d->n] = (chu_ner_sentence){text, words, nw, nt};
	d->tok[++d->n] = b;
	d->nw += nw;
	return CHU_OK;
}

/* Sentence k of d with entity labels nt (NULL without an entity model) in the selected format. */
static int print_sentence(annot *an, const char *name, const char *url, const char *text, const chu_token *keep,
                          const tagged *d, size_t k, const uint8_t *nt)
{
	const chu_token *tok = keep + d->tok[k];
	size_t n = d->tok[k + 1] - d->tok[k];
	const chu_span *words = d->sent[k].words;
	size_t nw = d->sent[k].n;
	const char **pn = d->pn + (words - d->words);
	int rc;
	const chu_entity *ent;
	size_t ne;
	if ((rc = chu_entities(an->ctx, text, words, nw, an->ner, nt, &ent, &ne)) < 0)
		return rc;
	/* each word's entity label (BIO), from the spans */
	const char **etype = malloc((nw + 1) * sizeof *etype);
	char *ebio = malloc(nw + 1);
	if (!etype || !ebio) {
		rc = CHU_ENOMEM;
		goto out;
	}
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
			goto out;
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
			printf("Offset=%zu:%zu%s\n", words[w].start, words[w].end, space_after ? "" : "|SpaceAfter=No");
		}
		putchar('\n');
	} else {
		printf("{\"doc\":");
		cli_json_str(name, strlen(name));
		if (url) {
			printf(",\"url\":");
			cli_json_str(url, strlen(url));
		}
		printf(",\"sentence\":%zu,\"start\":%zu,\"end\":%zu,\"text\":", k, tok[0].start, tok[n - 1].end);
		if ((rc = put_norm(an, text, tok[0].start, tok[n - 1].end, true)) < 0)
			goto out;
		printf(",\"tokens\":[");
		for (size_t i = 0; i < n && rc >= 0; i++) {
			printf("%s{\"start\":%zu,\"end\":%zu,\"kind\":\"%s\",\"text\":", i ? "," : "", tok[i].start, tok[i].end,
			       chu_token_kind_name(tok[i].kind));
			rc = put_norm(an, text, tok[i].start, tok[i].end, true);
			putchar('}');
		}
		printf("],\"words\":[");
		for (size_t w = 0; w < nw && rc >= 0; w++) {
			printf("%s{\"start\":%zu,\"end\":%zu,\"text\":", w ? "," : "", words[w].start, words[w].end);
			rc = put_norm(an, text, words[w].start, words[w].end, true);
			if (pn[w])
				printf(",\"pos\":\"%s\",\"upos\":\"%s\"", pn[w], chu_pos_upos(pn[w]));
			putchar('}');
		}
		printf("],\"entities\":[");
		for (size_t e = 0; e < ne && rc >= 0; e++) {
			printf("%s{\"start\":%zu,\"end\":%zu,\"type\":\"%s\",\"text\":", e ? "," : "", ent[e].start, ent[e].end,
			       ent[e].type);
			rc = put_norm(an, text, ent[e].start, ent[e].end, true);
			putchar('}');
		}
		printf("]}\n");
	}
out:
	free(etype);
	free(ebio);
	return rc;
}

static int article(annot *an, const char *name, const char *text, size_t len)
{
	const char *cleaned;
	size_t clen, nch;
	const chu_clean_change *ch;
	int rc = chu_clean(an->ctx, text, len, &cleaned, &clen, &ch, &nch);
	if (rc < 0)
		return rc;
	/* copy what we need of the changes: the next chu_* call on ctx may reuse their memory */
	chu_span *drop = malloc((nch + 1) * sizeof *drop);
	char *url = NULL;
	size_t ndrop = 0;
	if (!drop)
		return CHU_ENOMEM;
	for (size_t i = 0; i < nch; i++) {
		if (ch[i].action == CHU_CLEAN_SPACE)
			continue;
		drop[ndrop].start = ch[i].start;
		drop[ndrop].end = ch[i].end;
		ndrop++;
		if (ch[i].action == CHU_CLEAN_METADATA && !url) {
			size_t a = ch[i].start, b = ch[i].end;
			while (b > a && (text[b - 1] == '\n' || text[b - 1] == '\r' || text[b - 1] == ' '))
				b--;
			url = strndup(text + a, b - a);
		}
	}
	const chu_token *t;
	size_t n;
	rc = chu_tokenize(an->ctx, text, len, &t, &n);
	chu_token *keep = rc < 0 ? NULL : malloc((n + 1) * sizeof *keep);
	if (rc >= 0 && !keep)
		rc = CHU_ENOMEM;
	size_t nk = 0, d = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
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
	/* tagged whole first: a sentence's window reaches the sentences after it */
	tagged doc = {0};
	if (rc >= 0)
		rc = tagged_init(&doc, keep, nk);
	for (size_t i = 0, j; i < nk && rc >= 0; i = j) {
		j = sentence_end(keep, nk, i);
		rc = tag_sentence(an, text, keep, i, j, &doc);
	}
	for (size_t k = 0; k < doc.n && rc >= 0; k++) {
		const uint8_t *nt = an->ner ? doc.sent[k].tags : NULL;
		if (an->ner && an->window) {
			/* the window as chu ner's: window sentences either side, within the article */
			size_t lo = k > an->window ? k - an->window : 0;
			size_t hi = k + an->window + 1 < doc.n ? k + an->window + 1 : doc.n;
			uint8_t *out = doc.final + (doc.sent[k].words - doc.words);
			rc = chu_ner_consistent(an->ctx, an->ner, doc.sent + lo, hi - lo, k - lo, out);
			nt = out;
		}
		if (rc >= 0)
			rc = print_sentence(an, name, url, text, keep, &doc, k, nt);
	}
	tagged_free(&doc);
	if (an->format == 't' && rc >= 0)
		putchar('\n'); /* a blank line after each article */
	free(drop);
	free(url);
	free(keep);
	return rc;
}

static int article_cb(void *ud, const char *name, const char *text, size_t len) { return article(ud, name, text, len); }

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
			      "either side (default 30; 0 tags each sentence alone).\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	char *found = model_path ? NULL : cli_find_model("seg.chm");
	const char *mp = model_path ? model_path : found;
	if (mp) {
		int rc = chu_model_open(mp, &an.model);
		if (rc < 0) {
			cli_error(mp, 0, "%s", chu_strerror(rc));
			free(found);
			return CLI_BAD_INPUT;
		}
	}
	free(found);
	/* the taggers: the named file, else the installed or neighbouring one, else none */
	const char *tp[2] = {pos_path, ner_path}, *tn[2] = {"pos.chm", "ner.chm"};
	chu_model **tm[2] = {&an.pos, &an.ner};
	for (int k = 0; k < 2 && an.model; k++) {
		char *f = tp[k] ? NULL : cli_find_model(tn[k]);
		const char *p = tp[k] ? tp[k] : f;
		int r = p ? chu_model_open(p, tm[k]) : CHU_OK;
		if (r < 0) {
			cli_error(p, 0, "%s", chu_strerror(r));
			free(f);
			chu_model_close(an.model);
			chu_model_close(an.pos);
			return CLI_BAD_INPUT;
		}
		free(f);
	}
	if (an.ner && !an.pos) {
		chu_model_close(an.ner); /* the entity model reads the parts of speech */
		an.ner = NULL;
	}
	int rc = chu_ctx_new(NULL, &an.ctx);
	int status = rc < 0 ? CLI_BAD_INPUT : CLI_OK;
	if (status == CLI_OK)
		status = cli_whole_files(argc - optind, argv + optind, article_cb, &an);
	chu_ctx_free(an.ctx);
	chu_model_close(an.model);
	chu_model_close(an.pos);
	chu_model_close(an.ner);
	fflush(stdout);
	return status;
}
