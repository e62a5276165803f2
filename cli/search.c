/*
 * search.c — `chu search DB QUERY…`: the library's search (chu_index_search: the query language,
 * its tiers and marks, the entity and date filters, each returned hit checked against the checksum
 * chu index stored) over the index chu index made, printing ranked hits with highlighted snippets
 * and, with --facets, the commonest entities of the first 1000 hits. --any: the query is a
 * question or loose words taken whole (chu_search_query). --all: only documents with every word.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A possibly NULL string as JSON. */
static void jstr(const char *s) { cli_json_str(s ? s : "", s ? strlen(s) : 0); }


/* The snippet with its matched words between on and off. */
static void put_snippet(const chu_index_hit *h, const char *on, const char *off)
{
	size_t at = 0;
	for (size_t m = 0; m < h->n_marks; m++) {
		size_t a = h->marks[2 * m], b = h->marks[2 * m + 1];
		fwrite(h->snippet + at, 1, a - at, stdout);
		fputs(on, stdout);
		fwrite(h->snippet + a, 1, b - a, stdout);
		fputs(off, stdout);
		at = b;
	}
	fwrite(h->snippet + at, 1, h->snippet_len - at, stdout);
}

static void print_hit(const chu_index_hit *h, bool json, bool tty, size_t rank)
{
	const char *on = json ? "[" : tty ? "\033[1m" : "[", *off = json ? "]" : tty ? "\033[0m" : "]";
	if (!json) {
		printf("%zu. %s  (%s, %.4f%s)\n   ", rank, h->title, h->id, h->score, h->exact ? "" : ", another spelling");
		put_snippet(h, on, off);
		printf("\n");
		return;
	}
	printf("{\"id\":");
	jstr(h->id);
	if (h->source) {
		printf(",\"source\":");
		jstr(h->source);
	}
	printf(",\"title\":");
	jstr(h->title);
	printf(",\"score\":%.4f,\"exact\":%s,\"match\":\"%s\",\"snippet\":", h->score, h->exact ? "true" : "false", h->match);
	/* the snippet as one JSON string, its matches in brackets */
	size_t n = h->snippet_len + 2 * h->n_marks;
	char *s = malloc(n + 1), *p = s;
	if (s) {
		size_t at = 0;
		for (size_t m = 0; m < h->n_marks; m++) {
			size_t a = h->marks[2 * m], b = h->marks[2 * m + 1];
			memcpy(p, h->snippet + at, a - at), p += a - at;
			*p++ = '[';
			memcpy(p, h->snippet + a, b - a), p += b - a;
			*p++ = ']';
			at = b;
		}
		memcpy(p, h->snippet + at, h->snippet_len - at);
		cli_json_str(s, n);
		free(s);
	} else {
		jstr("");
	}
	if (h->url) {
		printf(",\"url\":");
		jstr(h->url);
	}
	if (h->date) {
		printf(",\"date\":");
		jstr(h->date);
	}
	printf("}\n");
}

/* How many of the best hits --facets counts entities in. */
#define FACET_HITS 1000

/* The most frequent entities of each kind among the first hits, as one JSON line or a few lines
 * of text. */
static void print_facets(const chu_index_results *r, bool json)
{
	const char *kind = "";
	if (json)
		printf("{\"facets\":{");
	else
		printf("\nentities in the first %zu hits:", r->facets_over);
	for (size_t i = 0; i < r->n_facets; i++) {
		const chu_index_facet *f = &r->facets[i];
		bool first = strcmp(kind, f->kind) != 0;
		if (json) {
			if (first)
				printf("%s\"%s\":[", kind[0] ? "]," : "", f->kind);
			printf("%s{\"text\":", first ? "" : ",");
			jstr(f->text);
			printf(",\"count\":%zu}", f->count);
		} else {
			printf(first ? "\n  %s: " : ", ", f->kind);
			printf("%s (%zu)", f->text, f->count);
		}
		kind = f->kind;
	}
	if (json)
		printf("%s},\"hits\":%zu}\n", kind[0] ? "]" : "", r->facets_over);
	else
		printf("\n");
}

static const char *usage =
	"usage: chu search [--json] [--all | --any] [--facets] [--limit N] [--offset N] [--accent-model FILE] DB QUERY…";

int cli_search(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
	                                          {"any", no_argument, NULL, 'a'},
	                                          {"all", no_argument, NULL, 'A'},
	                                          {"facets", no_argument, NULL, 'f'},
	                                          {"accent-model", required_argument, NULL, 'm'},
	                                          {"limit", required_argument, NULL, 'l'},
	                                          {"offset", required_argument, NULL, 'o'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	bool json = false, any = false, all = false, facets = false;
	const char *accent_path = NULL;
	long limit = 10, offset = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'a': any = true; break;
		case 'A': all = true; break;
		case 'f': facets = true; break;
		case 'm': accent_path = optarg; break;
		case 'l':
			if (!cli_parse_long(optarg, "--limit", 1, 10000, &limit))
				return CLI_USAGE;
			break;
		case 'o':
			if (!cli_parse_long(optarg, "--offset", 0, 1000000, &offset))
				return CLI_USAGE;
			break;
		case 'h':
			printf("%s\n", usage);
			fputs("Finds documents in DB (made by chu index). QUERY (its words may be separate arguments):\n"
			      "  words             best first: as a phrase, near each other, all of them, then most of them\n"
			      "                    (a question needs no flag; --all: only documents with every word)\n"
			      "  \"a phrase\"        side by side, in this order\n"
			      "  a OR b, a AND b, NOT a, -a   as written, without looser readings\n"
			      "  prefix*  title:x  per:x  org:x  loc:x  (x a word or a \"phrase\")\n"
			      "  date:x            the document's date: 2020, 7/2020, 16/7/2020, 2020-07-16, 2019..3/2020\n"
			      "  =x                x as written, even without marks\n"
			      "A query with any Vietnamese mark is taken as written (\"Quảng Nam\" is not \"quảng … năm\");\n"
			      "spellings that differ only in marks come after, as another spelling. A query without marks\n"
			      "matches every spelling. --any: QUERY is taken as loose words (any of them, question words\n"
			      "left out). Words typed without marks also look for their likely spellings, restored with\n"
			      "accent.chm where chu finds models, or --accent-model FILE. --json prints one object per hit:\n"
			      "id, source, title, score, exact, match (the tier), snippet, url, date. --facets: then the\n"
			      "most frequent entities of each kind in the first 1000 hits (with --json, one last object\n"
			      "{\"facets\":{KIND:[{\"text\",\"count\"}…]},\"hits\":N}). Options may come anywhere; -- ends\n"
			      "them (chu search -- db -word).\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - optind < 2 || (any && all)) {
		cli_error(NULL, 0, "%s", any && all ? "--any and --all exclude each other" : usage);
		return CLI_USAGE;
	}
	const char *dbpath = argv[optind];
	/* the query: the words of every argument after DB */
	size_t ql = 0;
	for (int i = optind + 1; i < argc; i++)
		ql += strlen(argv[i]) + 1;
	char *qs = malloc(ql + 1);
	if (!qs) {
		cli_error(NULL, 0, "out of memory");
		return CLI_BAD_INPUT;
	}
	qs[0] = '\0';
	for (int i = optind + 1; i < argc; i++) {
		if (i > optind + 1)
			strcat(qs, " ");
		strcat(qs, argv[i]);
	}
	chu_model *acc = NULL;
	chu_ctx *ctx = NULL;
	chu_index *ix = NULL;
	int status = CLI_BAD_INPUT;
	if (!all && !cli_open_model_if_any(accent_path, "accent.chm", "--accent-model", CHU_MODEL_ACCENT, &acc))
		goto out;
	if (chu_ctx_new(NULL, &ctx) < 0) {
		cli_error(NULL, 0, "out of memory");
		goto out;
	}
	/* a query that does not parse is a usage error whatever the index */
	chu_query q;
	int rc = any ? CHU_OK : chu_query_compile(ctx, acc, qs, strlen(qs), all ? CHU_QUERY_ALL : 0, &q);
	if (rc == CHU_ESYNTAX) {
		cli_error(NULL, 0, "bad query: %s", q.error);
		status = CLI_USAGE;
		goto out;
	}
	rc = chu_index_open(dbpath, acc, &ix);
	if (rc < 0) {
		cli_error(dbpath, 0, "%s", ix ? chu_index_error(ix) : "out of memory");
		goto out;
	}
	chu_index_request req;
	chu_index_request_init(&req);
	req.query = qs;
	req.query_len = strlen(qs);
	req.mode = any ? CHU_INDEX_ANY : all ? CHU_INDEX_ALL : CHU_INDEX_RANKED;
	req.limit = (size_t)limit;
	req.offset = (size_t)offset;
	req.facets = facets;
	req.facet_hits = FACET_HITS;
	chu_index_results r;
	rc = chu_index_search(ix, ctx, &req, &r);
	if (rc == CHU_ESYNTAX) {
		cli_error(NULL, 0, "bad query: %s", chu_index_error(ix));
		status = CLI_USAGE;
		goto out;
	}
	if (rc < 0) {
		cli_error(dbpath, 0, "%s", chu_index_error(ix));
		goto out;
	}
	bool tty = !json && isatty(1);
	for (size_t i = 0; i < r.n_hits; i++)
		print_hit(&r.hits[i], json, tty, (size_t)offset + i + 1);
	if (facets)
		print_facets(&r, json);
	status = CLI_OK;
	if (!r.n_hits && isatty(1) && !json)
		fprintf(stderr, "chu: no hits%s\n",
		        offset ? " past --offset" : "; a query without marks matches every spelling, and fewer words find more");
out:
	chu_index_close(ix);
	chu_ctx_free(ctx);
	chu_model_close(acc);
	free(qs);
	fflush(stdout);
	return status;
}
