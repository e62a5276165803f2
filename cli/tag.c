/*
 * tag.c — `chu pos`, `chu ner`, `chu train pos|ner` and `chu eval pos|ner`: argument parsing,
 * files and output formats. The taggers live in libchu (src/tag.c).
 */
#include "cli.h"
#include "internal.h" /* the trainer's options (chu__train_tag), chu__buf */

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct tag_job {
	chu_ctx *ctx;
	chu_model *seg, *pos, *ner;
	int task;           /* CHU_TAGGER_POS or CHU_TAGGER_NER: what is printed */
	bool pretokenized;  /* tokens separated by spaces */
	bool segmented;     /* and words already joined by '_' */
	bool upos;          /* pos: print UPOS instead of VLSP tags */
	int rules;          /* ner: print rule-based DATE, TIME, MONEY, PERCENT, QUANTITY too (-1: default) */
	size_t window;      /* ner: sentences either side read for consistency (chu_ner_consistent), 0 none */
	chu__buf words, join, ptags, ntags, pnames;
	/* ner with a window: sentences tagged but not printed yet, and the window before them (their
	 * words and tags are the job's copies) */
	chu_ner_sentence *q;
	size_t qn, qdone, qcap;
	chu__buf final;
} tag_job;

/* Prints word i of a sentence as the output format wants it: its bytes, spaces written as '_'. */
static void put_word(const char *text, const chu_span *w)
{
	for (size_t i = w->start; i < w->end; i++)
		putchar(text[i] == ' ' || text[i] == '\t' ? '_' : text[i]);
}

/* Is an entity type one of the model's (VLSP 2016: PER, LOC, ORG, MISC), not a rule's? */
static bool model_type(const char *t)
{
	return strcmp(t, "PER") == 0 || strcmp(t, "LOC") == 0 || strcmp(t, "ORG") == 0 || strcmp(t, "MISC") == 0;
}

/* Prints one sentence's entities (the model's labels nt, then the rules'). */
static int print_entities(tag_job *job, const char *text, const chu_span *w, size_t n, const uint8_t *nt)
{
	const chu_entity *ent = NULL;
	size_t ne = 0, e = 0;
	int rc = chu_entities(job->ctx, text, w, n, job->ner, nt, &ent, &ne);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		put_word(text, &w[i]);
		/* the entity spans as BIO labels; rule-based kinds only when asked for */
		while (e < ne && (ent[e].first + ent[e].n_words <= i || (!job->rules && !model_type(ent[e].type))))
			e++;
		if (e < ne && ent[e].first <= i)
			printf("\t%c-%s\n", ent[e].first == i ? 'B' : 'I', ent[e].type);
		else
			printf("\tO\n");
	}
	putchar('\n');
	return CHU_OK;
}

/* Prints queued sentence k with labels made consistent with the window around it. */
static int finish_queued(tag_job *job, size_t k)
{
	size_t lo = k > job->window ? k - job->window : 0;
	size_t hi = k + job->window + 1 < job->qn ? k + job->window + 1 : job->qn;
	int rc = CHU_OK;
	job->final.len = 0;
	chu__buf_reserve(&rc, &job->final, job->q[k].n);
	if (rc < 0)
		return rc;
	uint8_t *out = (uint8_t *)job->final.data;
	rc = chu_ner_consistent(job->ctx, job->ner, job->q + lo, hi - lo, k - lo, out);
	if (rc >= 0)
		rc = print_entities(job, job->q[k].text, job->q[k].words, job->q[k].n, out);
	return rc;
}

/* Prints the queued sentences that have their window (all of them at the end of a file: every
 * file is a document) and forgets those no window needs. */
static int flush_queue(tag_job *job, bool all)
{
	int rc = CHU_OK;
	while (rc >= 0 && job->qdone < job->qn && (all || job->qn - job->qdone > job->window))
		rc = finish_queued(job, job->qdone++);
	size_t drop = all ? job->qn : job->qdone > job->window ? job->qdone - job->window : 0;
	for (size_t i = 0; i < drop; i++) {
		free((void *)job->q[i].words);
		free((void *)job->q[i].tags);
	}
	if (drop)
		memmove(job->q, job->q + drop, (job->qn - drop) * sizeof *job->q);
	job->qn -= drop;
	job->qdone -= drop;
	return rc;
}

/* Keeps a tagged sentence until its window is read. */
static int queue_sentence(tag_job *job, const char *text, const chu_span *w, size_t n, const uint8_t *nt)
{
	if (job->qn == job->qcap) {
		size_t cap = job->qcap ? job->qcap * 2 : 64;
		chu_ner_sentence *q = realloc(job->q, cap * sizeof *q);
		if (!q)
			return CHU_ENOMEM;
		job->q = q;
		job->qcap = cap;
	}
	chu_span *words = malloc(n * sizeof *w);
	uint8_t *tags = malloc(n);
	if (!words || !tags) {
		free(words);
		free(tags);
		return CHU_ENOMEM;
	}
	memcpy(words, w, n * sizeof *w);
	memcpy(tags, nt, n);
	job->q[job->qn++] = (chu_ner_sentence){text, words, n, tags};
	return flush_queue(job, false);
}

/* Tags one sentence of words (spans into text) and prints it (entities: once its window is read). */
static int tag_sentence(tag_job *job, const char *text, const chu_span *w, size_t n)
{
	if (n == 0)
		return CHU_OK;
	int rc = CHU_OK;
	job->ptags.len = job->ntags.len = job->pnames.len = 0;
	chu__buf_reserve(&rc, &job->ptags, n);
	chu__buf_reserve(&rc, &job->ntags, n);
	chu__buf_reserve(&rc, &job->pnames, n * sizeof(char *));
	if (rc < 0)
		return rc;
	uint8_t *pt = (uint8_t *)job->ptags.data, *nt = (uint8_t *)job->ntags.data;
	const char **names = (const char **)(void *)job->pnames.data;
	rc = chu_tag(job->ctx, job->pos, CHU_TAGGER_POS, text, w, n, NULL, pt);
	for (size_t i = 0; i < n && rc >= 0; i++)
		names[i] = chu_tag_name(job->pos, CHU_TAGGER_POS, pt[i]);
	if (rc >= 0 && job->task == CHU_TAGGER_NER)
		rc = chu_tag(job->ctx, job->ner, CHU_TAGGER_NER, text, w, n, names, nt);
	if (rc < 0)
		return rc;
	if (job->task == CHU_TAGGER_NER)
		return job->window > 0 ? queue_sentence(job, text, w, n, nt) : print_entities(job, text, w, n, nt);
	for (size_t i = 0; i < n; i++) {
		put_word(text, &w[i]);
		printf("/%s", job->upos ? chu_pos_upos(names[i]) : names[i]);
		putchar(i + 1 < n ? ' ' : '\n');
	}
	return CHU_OK;
}

/* A pre-tokenized line: tokens separated by spaces; segmented already, or segmented here. */
static int tag_line(tag_job *job, const char *line, size_t len)
{
	int rc = CHU_OK;
	job->words.len = 0;
	for (size_t i = 0; i < len;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		size_t a = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		if (i > a) {
			chu_span s = {a, i};
			chu__buf_put(&rc, &job->words, &s, sizeof s);
		}
	}
	if (rc < 0)
		return rc;
	chu_span *w = (chu_span *)(void *)job->words.data;
	size_t n = job->words.len / sizeof(chu_span);
	if (!job->segmented && n) {
		job->join.len = 0;
		chu__buf_reserve(&rc, &job->join, n);
		if (rc < 0)
			return rc;
		unsigned char *join = (unsigned char *)job->join.data;
		rc = chu_segment_tokens(job->ctx, job->seg, line, w, n, join);
		if (rc < 0)
			return rc;
		/* words: runs of joined tokens, as one span (the space between them becomes '_') */
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (m && join[i - 1])
				w[m - 1].end = w[i].end;
			else
				w[m++] = w[i];
		}
		n = m;
	}
	if (n == 0) {
		if (job->task == CHU_TAGGER_POS)
			putchar('\n'); /* the evaluation interface keeps one output line per input line */
		return CHU_OK;
	}
	return tag_sentence(job, line, w, n);
}

/* Raw text: segmented with the model, a sentence at a time. */
static int tag_raw(tag_job *job, const char *text, size_t len)
{
	const chu_word *words;
	size_t nw;
	int rc = chu_segment(job->ctx, job->seg, text, len, &words, &nw);
	if (rc < 0)
		return rc;
	chu__buf spans;
	chu__buf_init(&spans, &chu__default_allocator);
	for (size_t i = 0, s = 0; i < nw && rc >= 0; i++) {
		if (!(words[i].flags & CHU_TOKEN_SENTENCE_END) && i + 1 < nw)
			continue;
		spans.len = 0;
		for (size_t j = s; j <= i; j++) {
			chu_span sp = {words[j].start, words[j].end};
			chu__buf_put(&rc, &spans, &sp, sizeof sp);
		}
		/* chu_segment's buffers are reused by chu_tag only through other fields: words stay valid */
		if (rc >= 0)
			rc = tag_sentence(job, text, (const chu_span *)(void *)spans.data, i + 1 - s);
		s = i + 1;
	}
	chu__buf_free(&spans);
	return rc;
}

static int tag_file(void *ud, const char *name, const char *text, size_t len)
{
	tag_job *job = ud;
	(void)name;
	int rc = CHU_OK;
	if (!job->pretokenized) {
		rc = tag_raw(job, text, len);
	} else {
		for (size_t a = 0; a < len && rc >= 0;) {
			const char *nl = memchr(text + a, '\n', len - a);
			size_t e = nl ? (size_t)(nl - text) : len;
			rc = tag_line(job, text + a, e - a);
			a = e + 1;
		}
	}
	/* a file is a document: its last sentences are printed before the next file is read */
	int rc2 = flush_queue(job, true);
	return rc < 0 ? rc : rc2;
}

int cli_tag(int argc, char **argv)
{
	static const struct option longopts[] = {{"model", required_argument, NULL, 'm'},
	                                         {"pos-model", required_argument, NULL, 'p'},
	                                         {"ner-model", required_argument, NULL, 'n'},
	                                         {"pretokenized", no_argument, NULL, 't'},
	                                         {"segmented", no_argument, NULL, 's'},
	                                         {"upos", no_argument, NULL, 'u'},
	                                         {"rules", no_argument, NULL, 'r'},
	                                         {"no-rules", no_argument, NULL, 'R'},
	                                         {"window", required_argument, NULL, 'w'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	tag_job job = {0};
	job.task = strcmp(argv[0], "ner") == 0 ? CHU_TAGGER_NER : CHU_TAGGER_POS;
	job.rules = -1;
	job.window = 30;
	const char *seg_path = NULL, *pos_path = NULL, *ner_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': seg_path = optarg; break;
		case 'p': pos_path = optarg; break;
		case 'n': ner_path = optarg; break;
		case 't': job.pretokenized = true; break;
		case 's': job.segmented = true; break;
		case 'u': job.upos = true; break;
		case 'r': job.rules = 1; break;
		case 'R': job.rules = 0; break;
		case 'w':
			if (!cli_parse_window(optarg, &job.window))
				return CLI_USAGE;
			break;
		case 'h':
			printf("usage: chu %s [--pretokenized [--segmented]] [--model SEG] [--pos-model POS]%s [FILE…]\n",
			       argv[0], job.task == CHU_TAGGER_NER ? " [--ner-model NER] [--rules|--no-rules] [--window N]" : " [--upos]");
			fputs(job.task == CHU_TAGGER_POS
			          ? "Tags parts of speech (the VLSP 2013 tag set; --upos prints Universal Dependencies UPOS).\n"
			            "Raw text is split into sentences and segmented; --pretokenized reads one sentence a line,\n"
			            "tokens separated by spaces; --segmented: words are already joined by '_'. Writes one\n"
			            "sentence a line of word/TAG tokens (the tag follows the last '/').\n"
			          : "Finds named entities: PER, LOC, ORG, MISC (the model, as in VLSP 2016) and DATE, TIME,\n"
			            "MONEY, PERCENT, QUANTITY (rules; --no-rules leaves them out, and --segmented does unless\n"
			            "--rules is given). Input as for chu pos. Writes word<TAB>BIO-tag lines, a blank line\n"
			            "after each sentence. Each file is a document: a sentence's entities are made consistent\n"
			            "with the --window N sentences either side (default 30; 0 tags each sentence alone):\n"
			            "a name the model typed differently elsewhere takes its most frequent type, and a name\n"
			            "it found twice nearby is found where it missed it.\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (job.rules < 0)
		job.rules = !job.segmented; /* the evaluation interface prints the VLSP 2016 types only */
	if (job.segmented && !job.pretokenized) {
		cli_error(NULL, 0, "--segmented needs --pretokenized");
		return CLI_USAGE;
	}
	int status = CLI_BAD_INPUT;
	if (!job.segmented && !(job.seg = cli_open_model(seg_path, "seg.chm", "--model")))
		goto out;
	if (!(job.pos = cli_open_model(pos_path, "pos.chm", "--pos-model")))
		goto out;
	if (job.task == CHU_TAGGER_NER && !(job.ner = cli_open_model(ner_path, "ner.chm", "--ner-model")))
		goto out;
	if (!chu_tag_count(job.pos, CHU_TAGGER_POS) ||
	    (job.task == CHU_TAGGER_NER && !chu_tag_count(job.ner, CHU_TAGGER_NER))) {
		cli_error(NULL, 0, "the model given has no %s tagger", job.task == CHU_TAGGER_NER ? "entity" : "part-of-speech");
		goto out;
	}
	if (chu_ctx_new(NULL, &job.ctx) < 0)
		goto out;
	chu__buf *bufs[] = {&job.words, &job.join, &job.ptags, &job.ntags, &job.pnames, &job.final};
	for (int i = 0; i < 6; i++)
		chu__buf_init(bufs[i], &chu__default_allocator);
	status = cli_whole_files(argc - optind, argv + optind, tag_file, &job);
	flush_queue(&job, true); /* after an error: nothing more is printed, the queue is freed */
	free(job.q);
	for (int i = 0; i < 6; i++)
		chu__buf_free(bufs[i]);
out:
	if (fflush(stdout) != 0)
		status = CLI_BAD_INPUT;
	chu_ctx_free(job.ctx);
	chu_model_close(job.seg);
	chu_model_close(job.pos);
	chu_model_close(job.ner);
	return status;
}

/* ---- chu train pos|ner ---- */

int cli_train_tag(int argc, char **argv)
{
	static const struct option longopts[] = {{"train", required_argument, NULL, 't'},
	                                         {"dev", required_argument, NULL, 'd'},
	                                         {"epochs", required_argument, NULL, 'e'},
	                                         {"seed", required_argument, NULL, 's'},
	                                         {"holdout", required_argument, NULL, 'H'},
	                                         {"max-features", required_argument, NULL, 'M'},
	                                         {"pos-model", required_argument, NULL, 'p'},
	                                         {"corpus", required_argument, NULL, 'c'},
	                                         {"clusters", required_argument, NULL, 'C'},
	                                         {"model", required_argument, NULL, 'm'},
	                                         {"classes", required_argument, NULL, 'K'},
	                                         {"passes", required_argument, NULL, 'P'},
	                                         {"runs", required_argument, NULL, 'R'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	chu__train_tag_opts o = {0};
	bool clusters = strcmp(argv[0], "clusters") == 0;
	const char *clusters_path = NULL, *seg_path = NULL;
	int classes = 256, passes = 8;
	o.task = strcmp(argv[0], "ner") == 0 ? CHU_TAGGER_NER : strcmp(argv[0], "accent") == 0 ? CHU__TAGGER_ACCENT
	                                                                                      : CHU_TAGGER_POS;
	const char *train[16];
	o.train = train;
	o.epochs = 8;
	o.seed = 1;
	o.holdout = o.task == CHU_TAGGER_POS ? 20 : o.task == CHU__TAGGER_ACCENT ? 50 : 0;
	if (o.task == CHU__TAGGER_ACCENT)
		o.epochs = 3;
	o.progress = cli_train_progress;
	const char *pos_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			for (char *p = strtok(optarg, ","); p && o.n_train < 16; p = strtok(NULL, ","))
				train[o.n_train++] = p;
			break;
		case 'd': o.dev = optarg; break;
		case 'e': o.epochs = atoi(optarg); break;
		case 's': o.seed = strtoull(optarg, NULL, 10); break;
		case 'H': o.holdout = atoi(optarg); break;
		case 'M': o.max_features = strtoull(optarg, NULL, 10); break;
		case 'p': pos_path = optarg; break;
		case 'c': o.corpus = optarg; break;
		case 'C': clusters_path = optarg; break;
		case 'm': seg_path = optarg; break;
		case 'K': classes = atoi(optarg); break;
		case 'P': passes = atoi(optarg); break;
		case 'R': o.runs = atoi(optarg); break;
		case 'o': o.out = optarg; break;
		case 'h':
			if (clusters) {
				fputs("usage: chu train clusters --corpus TEXT -o FILE [--model SEG] [--classes K] [--passes N]\n"
				      "Groups the words of plain text (a paragraph a line, segmented with the model) into K classes\n"
				      "(default 256) by the exchange algorithm for a class bigram model, N passes (default 8).\n"
				      "Words seen fewer than 5 times get no class. chu train pos|ner --clusters FILE uses them as\n"
				      "features and stores them in the model.\n",
				      stdout);
				return CLI_OK;
			}
			if (o.task == CHU__TAGGER_ACCENT) {
				fputs("usage: chu train accent --corpus TEXT -o MODEL [--epochs N] [--holdout N] [--max-features N]\n"
				      "Trains the diacritic restorer from plain Vietnamese text (a paragraph a line): every\n"
				      "syllable's marks are taken off and learned back from the syllables around it. Every Nth\n"
				      "line is held out and scored after each epoch (--holdout, default 50). The same text gives\n"
				      "the same model, byte for byte.\n",
				      stdout);
				return CLI_OK;
			}
			printf("usage: chu train %s --train FILE[,FILE…] -o MODEL [--dev FILE] [--epochs N] [--seed N]\n"
			       "                    [--holdout N] [--max-features N]%s\n",
			       argv[0], o.task == CHU_TAGGER_NER ? " --pos-model POS" : "");
			fputs("Trains a tagger from TSV files (word<TAB>tag, a blank line after each sentence; words joined\n"
			      "by '_'). Every Nth sentence of the first file is held out and scored after each epoch\n"
			      "(--holdout; parts of speech default 20), as is --dev (accuracy for parts of speech, exact\n"
			      "entity-span F1 for named entities). The entity tagger reads the parts of speech of a\n"
			      "--pos-model as features. The same files and seed give the same model, byte for byte.\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (clusters) {
		if (!o.corpus || !o.out || classes < 2 || classes > 65535 || passes < 0) {
			cli_error(NULL, 0, "chu train clusters needs --corpus TEXT and -o FILE (and 2 ≤ --classes ≤ 65535)");
			return CLI_USAGE;
		}
		chu_model *seg = cli_open_model(seg_path, "seg.chm", "--model");
		if (!seg)
			return CLI_BAD_INPUT;
		int rc = chu__train_clusters(&o, seg, classes, passes);
		chu_model_close(seg);
		if (rc < 0) {
			cli_error(NULL, 0, "training failed: %s", chu_strerror(rc));
			return CLI_BAD_INPUT;
		}
		return CLI_OK;
	}
	if (o.task == CHU__TAGGER_ACCENT) {
		if (!o.corpus || !o.out || o.epochs < 1) {
			cli_error(NULL, 0, "chu train accent needs --corpus TEXT and -o MODEL (and --epochs ≥ 1)");
			return CLI_USAGE;
		}
		int rc = chu__train_accent(&o);
		if (rc < 0) {
			cli_error(NULL, 0, "training failed: %s", chu_strerror(rc));
			return CLI_BAD_INPUT;
		}
		return CLI_OK;
	}
	if (!o.n_train || !o.out || o.epochs < 1) {
		cli_error(NULL, 0, "chu train %s needs --train FILE and -o MODEL (and --epochs ≥ 1)", argv[0]);
		return CLI_USAGE;
	}
	chu_model *pm = NULL, *cm = NULL;
	if (clusters_path) {
		int r = chu_model_open(clusters_path, &cm);
		const void *x;
		uint64_t xn;
		if (r < 0 || chu__model_section(cm, "clusters", &x, &xn) < 0) {
			cli_error(clusters_path, 0, "%s", r < 0 ? chu_strerror(r) : "no word classes in this file");
			chu_model_close(cm);
			return CLI_BAD_INPUT;
		}
		o.clusters = cm;
	}
	if (o.task == CHU_TAGGER_NER) {
		if (!(pm = cli_open_model(pos_path, "pos.chm", "--pos-model"))) {
			chu_model_close(cm);
			return CLI_BAD_INPUT;
		}
		o.pos_model = pm;
	}
	int rc = chu__train_tag(&o);
	chu_model_close(pm);
	chu_model_close(cm);
	if (rc < 0) {
		cli_error(NULL, 0, "training failed: %s", chu_strerror(rc));
		return CLI_BAD_INPUT;
	}
	return CLI_OK;
}

/* ---- chu eval pos|ner ---- */

/* Splits a POS line into word/TAG tokens: words and tags appended (NUL-ended) to out. */
static size_t pos_tokens(const char *line, size_t len, chu__buf *words, chu__buf *tags)
{
	int rc = CHU_OK;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		size_t a = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		if (i == a)
			continue;
		const char *slash = memrchr(line + a, '/', i - a);
		size_t we = slash && slash > line + a ? (size_t)(slash - line) : i;
		chu__buf_put(&rc, words, line + a, we - a);
		chu__buf_putc(&rc, words, 0);
		if (we < i)
			chu__buf_put(&rc, tags, line + we + 1, i - we - 1);
		chu__buf_putc(&rc, tags, 0);
		n++;
	}
	return n;
}

/* The next NER sentence of a word<TAB>tag file from *pos: tags appended NUL-ended; words too. */
static size_t ner_sentence(const char *t, size_t len, size_t *pos, chu__buf *words, chu__buf *tags)
{
	int rc = CHU_OK;
	size_t n = 0;
	while (*pos < len) {
		const char *nl = memchr(t + *pos, '\n', len - *pos);
		size_t e = nl ? (size_t)(nl - t) : len, a = *pos;
		*pos = e + 1;
		if (e > a && t[e - 1] == '\r')
			e--;
		if (e == a) {
			if (n)
				break;
			continue;
		}
		const char *tab = memrchr(t + a, '\t', e - a);
		size_t we = tab ? (size_t)(tab - t) : e;
		chu__buf_put(&rc, words, t + a, we - a);
		chu__buf_putc(&rc, words, 0);
		if (tab)
			chu__buf_put(&rc, tags, tab + 1, e - we - 1);
		chu__buf_putc(&rc, tags, 0);
		n++;
	}
	return n;
}

/* Entity spans of a sentence's BIO tags as "start end TYPE" strings appended to out. */
static void spans_of(const char *tags, size_t n, chu__buf *out)
{
	int rc = CHU_OK;
	const char *t = tags;
	const char **v = malloc((n + 1) * sizeof *v);
	if (!v)
		return;
	for (size_t i = 0; i < n; i++, t += strlen(t) + 1)
		v[i] = t;
	for (size_t i = 0; i < n; i++) {
		if (!(v[i][0] == 'B' && v[i][1] == '-'))
			continue;
		size_t e = i + 1;
		while (e < n && v[e][0] == 'I' && v[e][1] == '-' && strcmp(v[e] + 2, v[i] + 2) == 0)
			e++;
		char buf[64];
		int k = snprintf(buf, sizeof buf, "%zu %zu %.40s", i, e, v[i] + 2);
		chu__buf_put(&rc, out, buf, (size_t)k + 1);
		i = e - 1;
	}
	free(v);
}

static size_t count_strings(const chu__buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == 0;
	return n;
}

int cli_eval_tag(int argc, char **argv)
{
	bool ner = strcmp(argv[1], "ner") == 0;
	if (argc != 4) {
		cli_error(NULL, 0, "usage: chu eval %s GOLD PRED", argv[1]);
		return CLI_USAGE;
	}
	size_t lg, lp;
	char *g = cli_read_file(argv[2], &lg);
	char *p = g ? cli_read_file(argv[3], &lp) : NULL;
	if (!g || !p) {
		free(g);
		return CLI_BAD_INPUT;
	}
	chu__buf gw, gt, pw, pt, gs, ps;
	chu__buf *bufs[] = {&gw, &gt, &pw, &pt, &gs, &ps};
	for (int i = 0; i < 6; i++)
		chu__buf_init(bufs[i], &chu__default_allocator);
	size_t total = 0, correct = 0, ng = 0, np = 0, nc = 0;
	unsigned long sent = 0;
	int status = CLI_OK;
	size_t a = 0, b = 0;
	while (a < lg || b < lp) {
		for (int i = 0; i < 6; i++)
			bufs[i]->len = 0;
		size_t n1, n2;
		sent++;
		if (ner) {
			n1 = ner_sentence(g, lg, &a, &gw, &gt);
			n2 = ner_sentence(p, lp, &b, &pw, &pt);
		} else {
			const char *x = a < lg ? memchr(g + a, '\n', lg - a) : NULL;
			const char *y = b < lp ? memchr(p + b, '\n', lp - b) : NULL;
			size_t ae = x ? (size_t)(x - g) : lg, be = y ? (size_t)(y - p) : lp;
			n1 = a < lg ? pos_tokens(g + a, ae - a, &gw, &gt) : 0;
			n2 = b < lp ? pos_tokens(p + b, be - b, &pw, &pt) : 0;
			a = x ? ae + 1 : lg;
			b = y ? be + 1 : lp;
		}
		if (n1 != n2 || gw.len != pw.len || memcmp(gw.data, pw.data, gw.len) != 0) {
			cli_error(argv[3], 0, "%s %lu: its words differ from %s", ner ? "sentence" : "line", sent, argv[2]);
			status = CLI_BAD_INPUT;
			break;
		}
		if (ner) {
			spans_of(gt.data, n1, &gs);
			spans_of(pt.data, n2, &ps);
			ng += count_strings(&gs);
			np += count_strings(&ps);
			for (const char *x = ps.data; x && x < ps.data + ps.len; x += strlen(x) + 1)
				for (const char *y = gs.data; y && y < gs.data + gs.len; y += strlen(y) + 1)
					if (strcmp(x, y) == 0) {
						nc++;
						break;
					}
		} else {
			const char *x = gt.data, *y = pt.data;
			for (size_t i = 0; i < n1; i++, x += strlen(x) + 1, y += strlen(y) + 1)
				correct += strcmp(x, y) == 0;
			total += n1;
		}
	}
	if (status == CLI_OK) {
		if (ner) {
			cli_print_prf("entities", ng, np, nc);
		} else {
			printf("words %zu correct %zu\naccuracy %.2f\n", total, correct,
			       total ? 100.0 * (double)correct / (double)total : 0);
		}
	}
	for (int i = 0; i < 6; i++)
		chu__buf_free(bufs[i]);
	free(g);
	free(p);
	return status;
}

/* ---- chu accent ---- */

typedef struct accent_job {
	chu_ctx *ctx;
	chu_model *model;
} accent_job;

static int accent_file(void *ud, const char *name, const char *text, size_t len)
{
	(void)name;
	accent_job *job = ud;
	const char *out;
	size_t n;
	int rc = chu_accent(job->ctx, job->model, text, len, &out, &n);
	if (rc >= 0)
		fwrite(out, 1, n, stdout);
	return rc;
}

int cli_accent(int argc, char **argv)
{
	static const struct option longopts[] = {{"model", required_argument, NULL, 'm'},
	                                         {"tone", required_argument, NULL, 't'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	const char *path = NULL;
	chu_options opts;
	chu_options_init(&opts);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': path = optarg; break;
		case 't':
			if (strcmp(optarg, "new") == 0)
				opts.tone = CHU_TONE_NEW;
			else if (strcmp(optarg, "old") == 0)
				opts.tone = CHU_TONE_OLD;
			else {
				cli_error(NULL, 0, "--tone takes new or old, not '%s'", optarg);
				return CLI_USAGE;
			}
			break;
		case 'h':
			fputs("usage: chu accent [--model FILE] [--tone=new|old] [FILE…]\n"
			      "Restores the marks of Vietnamese typed without them: \"Thu truong Bo Ngoai giao\" becomes\n"
			      "\"Thứ trưởng Bộ Ngoại giao\". Only the letters of syllables written without any mark change\n"
			      "(each keeps its case); everything else is copied byte for byte. The model is accent.chm.\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	accent_job job = {0};
	if (!(job.model = cli_open_model(path, "accent.chm", "--model")))
		return CLI_BAD_INPUT;
	int status = CLI_BAD_INPUT;
	if (!chu__model_accent(job.model))
		cli_error(NULL, 0, "the model given has no accent restorer");
	else if (chu_ctx_new(&opts, &job.ctx) >= 0)
		status = cli_whole_files(argc - optind, argv + optind, accent_file, &job);
	if (fflush(stdout) != 0)
		status = CLI_BAD_INPUT;
	chu_ctx_free(job.ctx);
	chu_model_close(job.model);
	return status;
}
