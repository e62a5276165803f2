/*
 * annotate.c — `chu annotate`: whole articles through clean → sentences → tokens → words.
 *
 * Offsets are into the original file: chu_clean decides which lines and spans are boilerplate,
 * and the tokens of those are left out; the text itself is tokenized as it was (the tokenizer
 * already splits glued sentences, so clean's inserted spaces are not needed here).
 */
#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct annot {
	chu_ctx *ctx;
	chu_model *model; /* NULL: no segmentation, tokens only */
	bool jsonl;
} annot;

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

/* One sentence: tokens tok[0..n) (copies, kept). */
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
	if (!an->jsonl) {
		for (size_t i = 0; i < n && rc >= 0; i++) {
			rc = put_norm(an, text, tok[i].start, tok[i].end, false);
			if (i + 1 < n)
				putchar(join[i] ? '_' : ' ');
		}
		putchar('\n');
		return rc;
	}
	printf("{\"doc\":");
	cli_json_str(name, strlen(name));
	if (url) {
		printf(",\"url\":");
		cli_json_str(url, strlen(url));
	}
	printf(",\"sentence\":%u,\"start\":%zu,\"end\":%zu,\"text\":", idx, tok[0].start, tok[n - 1].end);
	if ((rc = put_norm(an, text, tok[0].start, tok[n - 1].end, true)) < 0)
		return rc;
	printf(",\"tokens\":[");
	for (size_t i = 0; i < n && rc >= 0; i++) {
		printf("%s{\"start\":%zu,\"end\":%zu,\"kind\":\"%s\",\"text\":", i ? "," : "", tok[i].start, tok[i].end,
		       chu_token_kind_name(tok[i].kind));
		rc = put_norm(an, text, tok[i].start, tok[i].end, true);
		putchar('}');
	}
	printf("],\"words\":[");
	for (size_t i = 0, w = 0; i < n && rc >= 0; w++) {
		size_t j = i;
		while (j + 1 < n && join[j])
			j++;
		printf("%s{\"start\":%zu,\"end\":%zu,\"text\":", w ? "," : "", tok[i].start, tok[j].end);
		rc = put_norm(an, text, tok[i].start, tok[j].end, true);
		putchar('}');
		i = j + 1;
	}
	printf("]}\n");
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
	if (!an->jsonl && rc >= 0)
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
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	annot an = {0};
	const char *model_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "jsonl") == 0)
				an.jsonl = true;
			else if (strcmp(optarg, "text") != 0) {
				cli_error(NULL, 0, "--format takes text or jsonl, not '%s'", optarg);
				return CLI_USAGE;
			}
			break;
		case 'm':
			model_path = optarg;
			break;
		case 'h':
			fputs("usage: chu annotate [--format=text|jsonl] [--model FILE] [FILE…]\n"
			      "Each file is one article: cleaned (boilerplate left out), split into sentences, tokenized\n"
			      "and segmented into words. text: one sentence a line, syllables of a word joined by '_', a\n"
			      "blank line after each article. jsonl: one object a sentence with byte offsets into the\n"
			      "original file for the sentence, its tokens (with kinds) and its words.\n",
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
	int rc = chu_ctx_new(NULL, &an.ctx);
	int status = rc < 0 ? CLI_BAD_INPUT : CLI_OK;
	if (status == CLI_OK)
		status = cli_whole_files(argc - optind, argv + optind, article_cb, &an);
	chu_ctx_free(an.ctx);
	chu_model_close(an.model);
	fflush(stdout);
	return status;
}
