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

/* One sentence: tokens tok[0..n) (copies, kept); spans and join have room for n. */
static int sentence(annot *an, const char *name, const char *url, unsigned idx, const char *text,
                    const chu_token *tok, size_t n, chu_span *spans, unsigned char *join)
{
	int rc = CHU_OK;
	for (size_t i = 0; i < n; i++) {
		spans[i].start = tok[i].start;
		spans[i].end = tok[i].end;
		join[i] = 0;
	}
	if (an->model) {
		rc = chu_segment_tokens(an->ctx, an->model, text, spans, n, join);
		if (rc < 0)
			return rc;
	}
	/* words: runs of joined tokens; wtok[w] is the first token of word w */
	chu_span *words = malloc((n + 1) * sizeof *words);
	size_t *wtok = malloc((n + 1) * sizeof *wtok);
	uint8_t *pt = malloc(n + 1), *nt = malloc(n + 1);
	const char **pn = malloc((n + 1) * sizeof *pn);
	if (!words || !wtok || !pt || !nt || !pn) {
		rc = CHU_ENOMEM;
		goto done;
	}
	size_t nw = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && join[j])
			j++;
		words[nw] = (chu_span){tok[i].start, tok[j].end};
		wtok[nw++] = i;
		i = j + 1;
	}
	wtok[nw] = n;
	for (size_t w = 0; w < nw; w++)
		pn[w] = NULL;
	if (an->pos && (rc = chu_tag(an->ctx, an->pos, CHU_TAGGER_POS, text, words, nw, NULL, pt)) < 0)
		goto done;
	for (size_t w = 0; an->pos && w < nw; w++)
		pn[w] = chu_tag_name(an->pos, CHU_TAGGER_POS, pt[w]);
	if (an->ner && (rc = chu_tag(an->ctx, an->ner, CHU_TAGGER_NER, text, words, nw, pn, nt)) < 0)
		goto done;
	const chu_entity *ent;
	size_t ne;
	if ((rc = chu_entities(an->ctx, text, words, nw, an->ner, an->ner ? nt : NULL, &ent, &ne)) < 0)
		goto done;
	/* each word's entity label (BIO), from the spans */
	const char **etype = malloc((nw + 1) * sizeof *etype);
	char *ebio = malloc(nw + 1);
	if (!etype || !ebio) {
		free(etype);
		free(ebio);
		rc = CHU_ENOMEM;
		goto done;
	}
	for (size_t w = 0; w < nw; w++) {
		etype[w] = NULL;
		ebio[w] = 'O';
	}
	for (size_t e = 0; e < ne; e++)
		for (uint32_t k = 0; k < ent[e].n_words; k++) {
			etype[ent[e].first + k] = ent[e].type;
			ebio[ent[e].first + k] = k ? 'I' : 'B';
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
		printf(",\"sentence\":%u,\"start\":%zu,\"end\":%zu,\"text\":", idx, tok[0].start, tok[n - 1].end);
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
done:
	free(words);
	free(wtok);
	free(pt);
	free(nt);
	free(pn);
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
	chu_span *spans = keep ? malloc((n + 1) * sizeof *spans) : NULL;
	unsigned char *join = spans ? malloc(n + 1) : NULL;
	if (rc >= 0 && !join)
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
	unsigned idx = 0;
	for (size_t i = 0; i < nk && rc >= 0;) {
		size_t j = i;
		while (j + 1 < nk && !(keep[j].flags & CHU_TOKEN_SENTENCE_END))
			j++;
		rc = sentence(an, name, url, idx++, text, keep + i, j - i + 1, spans, join);
		i = j + 1;
	}
	if (an->format == 't' && rc >= 0)
		putchar('\n'); /* a blank line after each article */
	free(drop);
	free(url);
	free(keep);
	free(spans);
	free(join);
	return rc;
}

static int article_cb(void *ud, const char *name, const char *text, size_t len) { return article(ud, name, text, len); }

int cli_annotate(int argc, char **argv)
{
	static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
	                                          {"model", required_argument, NULL, 'm'},
	                                          {"pos-model", required_argument, NULL, 'p'},
	                                          {"ner-model", required_argument, NULL, 'n'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	annot an = {0};
	an.format = 't';
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
		case 'h':
			fputs("usage: chu annotate [--format=text|conllu|jsonl] [--model SEG] [--pos-model POS] [--ner-model NER]\n"
			      "                    [FILE…]\n"
			      "Each file is one article: cleaned (boilerplate left out), split into sentences, tokenized,\n"
			      "segmented into words, tagged with parts of speech and entities (models found as for chu seg:\n"
			      "seg.chm, pos.chm, ner.chm; a missing tagging model leaves its columns out). text: one\n"
			      "sentence a line of word/TAG, a blank line after each article. conllu: Universal Dependencies\n"
			      "CoNLL-U (LEMMA the lowercased word, UPOS and XPOS, NER=B-PER and Offset=START:END in MISC).\n"
			      "jsonl: one object a sentence with byte offsets into the original file for the sentence,\n"
			      "its tokens (with kinds), its words (with tags) and its entities.\n",
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
