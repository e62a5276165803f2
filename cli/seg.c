/*
 * seg.c — `chu seg`, `chu train seg` and `chu eval seg`: argument parsing, files, threads.
 */
#include "cli.h"
#include "internal.h" /* the trainer's options (chu__train_seg) */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- chu seg ---- */

typedef unsigned char u8x16 __attribute__((vector_size(16))); /* GCC and Clang vectors */

typedef struct seg_job {
	const chu_model *model;
	const chu_dict *dict;
	cli_restorer *restorer;
	bool pretokenized;
	const char *text; /* a run of whole lines */
	size_t len;
	chu__buf out;     /* what this job prints */
	int rc;
	/* kept from block to block (a thread's context remembers the syllables it has seen) */
	chu_ctx *ctx;
	chu__buf spans, join;
} seg_job;

static int seg_pretokenized_line(chu_ctx *ctx, seg_job *job, const char *line, size_t len, chu__buf *spans,
                                 chu__buf *join)
{
	int rc = CHU_OK;
	spans->len = 0;
	for (size_t i = 0; i < len;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		size_t a = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (i > a) {
			chu_span s = {a, i};
			chu__buf_put(&rc, spans, &s, sizeof s);
		}
	}
	size_t n = spans->len / sizeof(chu_span);
	join->len = 0;
	chu__buf_reserve(&rc, join, n + 1);
	if (rc < 0)
		return rc;
	const chu_span *sp = (const chu_span *)(void *)spans->data;
	if (n)
		rc = chu_segment_tokens(ctx, job->model, line, sp, n, (unsigned char *)join->data);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		chu__buf_put(&rc, &job->out, line + sp[i].start, sp[i].end - sp[i].start);
		if (i + 1 < n)
			chu__buf_putc(&rc, &job->out, join->data[i] ? '_' : ' ');
	}
	chu__buf_putc(&rc, &job->out, '\n');
	return rc;
}

static void *seg_run(void *arg)
{
	seg_job *job = arg;
	if (!job->ctx) {
		job->rc = chu_ctx_new(NULL, &job->ctx);
		if (job->rc < 0)
			return NULL;
		chu_ctx_set_dict(job->ctx, job->dict);
		cli_restorer_use(job->restorer, job->ctx);
		chu__buf_init(&job->spans, &chu__default_allocator);
		chu__buf_init(&job->join, &chu__default_allocator);
		chu__buf_init(&job->out, &chu__default_allocator);
	}
	chu_ctx *ctx = job->ctx;
	job->out.len = 0;
	int rc = CHU_OK;
	if (job->pretokenized) {
		for (size_t a = 0; a < job->len && rc >= 0;) {
			const char *nl = memchr(job->text + a, '\n', job->len - a);
			size_t b = nl ? (size_t)(nl - job->text) : job->len;
			size_t e = b;
			if (e > a && job->text[e - 1] == '\r')
				e--;
			rc = seg_pretokenized_line(ctx, job, job->text + a, e - a, &job->spans, &job->join);
			a = b + 1;
		}
	} else {
		/* a line at a time: the library's buffers stay small and in cache (a sentence never
		 * crosses a line end) */
		for (size_t a = 0; a < job->len && rc >= 0;) {
			const char *nl = memchr(job->text + a, '\n', job->len - a);
			size_t b = nl ? (size_t)(nl - job->text) + 1 : job->len;
			const chu_word *w;
			size_t n;
			rc = chu_segment(ctx, job->model, job->text + a, b - a, &w, &n);
			/* words do not overlap: the line's output is at most its bytes and a separator a word
			 * (and 16 bytes of slack for the copies) */
			chu__buf_reserve(&rc, &job->out, (b - a) + n + 1 + 16);
			if (rc < 0)
				break;
			const char *t = job->text + a;
			char *d = job->out.data + job->out.len;
			for (size_t i = 0; i < n; i++) {
				size_t k = w[i].end - w[i].start;
				if (k <= 16) {
					/* 16 bytes at once, white space made '_' (reads and writes past the word: both
					 * have slack; what lands past it is overwritten or past the end) */
					u8x16 v, sp = {0}, tab = {0}, us = {0};
					sp += ' ', tab += '\t', us += '_';
					memcpy(&v, t + w[i].start, 16);
					u8x16 m = (u8x16)((v == sp) | (v == tab));
					v = (v & ~m) | (us & m);
					memcpy(d, &v, 16);
				} else {
					memcpy(d, t + w[i].start, k);
					if (w[i].flags & CHU_TOKEN_HAS_SPACE)
						for (size_t j = 0; j < k; j++)
							if (d[j] == ' ' || d[j] == '\t')
								d[j] = '_'; /* white space inside a word */
				}
				d += k;
				*d++ = w[i].flags & CHU_TOKEN_SENTENCE_END ? '\n' : ' ';
			}
			job->out.len = (size_t)(d - job->out.data);
			a = b;
		}
	}
	job->rc = rc;
	return NULL;
}

/* Where to cut buf[0, have), a line with no LF that fills the whole buffer: after the last white
 * space of its last 64 KiB, else at the last character boundary (never inside a UTF-8 sequence,
 * and not before a combining mark when another boundary is within 32 bytes). The cut line goes on
 * in the next block, so its words are printed on two lines. */
static size_t line_cut(const char *buf, size_t have)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t floor = have > ((size_t)1 << 16) ? have - ((size_t)1 << 16) : 1;
	for (size_t i = have; i > floor; i--)
		if (b[i - 1] == ' ' || b[i - 1] == '\t')
			return i;
	/* a cut at i keeps bytes [0, i): b[i] must begin a character (the byte at have is unread) */
	size_t first = 0;
	for (size_t i = have - 1; i > 0 && have - i < 64; i--) {
		if ((b[i] & 0xC0) == 0x80)
			continue; /* inside a UTF-8 sequence */
		if (!first)
			first = i;
		/* U+0300..U+036F (CC 80..CD AF) are the combining marks Vietnamese text carries */
		bool mark = b[i] == 0xCC || (b[i] == 0xCD && i + 1 < have && b[i + 1] <= 0xAF);
		if (!mark || have - i >= 32)
			return i;
	}
	return first ? first : have; /* 64 continuation bytes in a row: not UTF-8, any cut will do */
}

static chu_model *open_model(const char *path)
{
	chu_model *m = cli_open_model(path, "seg.chm", "--model", CHU_MODEL_SEG);
	if (m && !chu__model_seg(m)) {
		cli_error(path ? path : "seg.chm", 0, "not a segmentation model");
		chu_model_close(m);
		m = NULL;
	}
	return m;
}

int cli_seg(int argc, char **argv)
{
	static const struct option longopts[] = {{"model", required_argument, NULL, 'm'},
	                                          {"user-dict", required_argument, NULL, 'u'},
	                                          {"threads", required_argument, NULL, 't'},
	                                          {"pretokenized", no_argument, NULL, 'p'},
	                                          {"accent-model", required_argument, NULL, 'A'},
	                                          {"as-written", no_argument, NULL, 'W'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	const char *model_path = NULL, *dict_path = NULL, *accent_path = NULL;
	bool as_written = false;
	int threads = 1;
	bool pre = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model_path = optarg; break;
		case 'u': dict_path = optarg; break;
		case 't':
			threads = atoi(optarg);
			if (threads < 1 || threads > 256) {
				cli_error(NULL, 0, "--threads takes a number from 1 to 256");
				return CLI_USAGE;
			}
			break;
		case 'p': pre = true; break;
		case 'A': accent_path = optarg; break;
		case 'W': as_written = true; break;
		case 'h':
			fputs("usage: chu seg [--model FILE] [--user-dict FILE] [--threads N] [--pretokenized]\n"
			      "               [--accent-model FILE | --as-written] [FILE…]\n"
			      "Segments text into words: one sentence a line, words separated by a space, the syllables\n"
			      "of a word joined by '_'. --pretokenized: each line is one sentence of space-separated\n"
			      "tokens, kept byte for byte. --user-dict: one word a line (syllables separated by spaces),\n"
			      "always kept whole. --threads: split the input across N threads (output in order).\n"
			      CLI_AS_WRITTEN_HELP,
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	cli_restorer acc;
	if (!cli_restorer_init(&acc, accent_path, as_written)) {
		cli_restorer_free(&acc);
		return CLI_BAD_INPUT;
	}
	chu_model *model = open_model(model_path);
	if (!model) {
		cli_restorer_free(&acc);
		return CLI_BAD_INPUT;
	}
	chu_dict *dict = NULL;
	if (dict_path) {
		int rc = chu_dict_load(dict_path, &dict);
		if (rc < 0) {
			cli_error(dict_path, 0, "%s", rc == CHU_EIO ? strerror(errno) : chu_strerror(rc));
			chu_model_close(model);
			cli_restorer_free(&acc);
			return CLI_BAD_INPUT;
		}
	}
	int status = CLI_OK, nf = argc - optind;
	char *stdin_only[] = {"-"};
	char **files = nf ? argv + optind : stdin_only;
	seg_job *jobs = calloc((size_t)threads, sizeof *jobs);
	pthread_t *tids = calloc((size_t)threads, sizeof *tids);
	bool *started = calloc((size_t)threads, sizeof *started);
	bool warned = false;
	if (!jobs || !tids || !started) {
		cli_error(NULL, 0, "out of memory");
		status = CLI_BAD_INPUT;
	}
	for (int i = 0; i < (nf ? nf : 1) && status == CLI_OK; i++) {
		FILE *f = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "rb");
		if (!f) {
			cli_error(files[i], 0, "%s", strerror(errno));
			status = CLI_BAD_INPUT;
			break;
		}
		/* read in blocks of whole lines (1 MiB a thread), segment them in parallel, print in order */
		size_t block = (size_t)1 << 20, cap = block * (size_t)threads + 1, have = 0;
		char *buf = malloc(cap + 1 + 16); /* 16 bytes of slack: words are copied 16 bytes at a time */
		if (!buf) {
			cli_error(files[i], 0, "out of memory");
			status = CLI_BAD_INPUT;
		}
		bool eof = false, first = true;
		while (buf && status == CLI_OK && (!eof || have)) {
			if (!eof) {
				size_t k = fread(buf + have, 1, cap - have, f);
				have += k;
				if (first && cli_is_utf16(buf, have)) {
					cli_utf16_error(files[i]);
					status = CLI_BAD_INPUT;
					break;
				}
				first = false;
				eof = k == 0 || have < cap ? feof(f) || ferror(f) : false;
				if (ferror(f)) {
					cli_error(files[i], 0, "%s", strerror(errno));
					status = CLI_BAD_INPUT;
					break;
				}
			}
			size_t usable = have;
			if (!eof) {
				while (usable > 0 && buf[usable - 1] != '\n')
					usable--;
				if (usable == 0)
					usable = line_cut(buf, have); /* a line longer than the buffer */
			}
			/* split [0, usable) into `threads` runs of whole lines */
			size_t a = 0;
			int nj = 0;
			for (int t = 0; t < threads && a < usable; t++) {
				size_t b = t == threads - 1 ? usable : a + (usable - a) / (size_t)(threads - t);
				while (b < usable && buf[b - 1] != '\n')
					b++;
				seg_job *j = &jobs[nj];
				j->model = model;
				j->dict = dict;
				j->restorer = &acc;
				j->pretokenized = pre;
				j->text = buf + a;
				j->len = b - a;
				j->rc = 0;
				nj++;
				a = b;
			}
			/* a thread that cannot start leaves its job to this one: fewer threads, the same output */
			for (int t = 1; t < nj; t++)
				started[t] = cli_thread_start(&tids[t], seg_run, &jobs[t], &warned);
			if (nj)
				seg_run(&jobs[0]);
			for (int t = 1; t < nj; t++) {
				if (started[t])
					pthread_join(tids[t], NULL);
				else
					seg_run(&jobs[t]);
			}
			for (int t = 0; t < nj; t++) {
				if (jobs[t].rc < 0 && status == CLI_OK) {
					cli_error(files[i], 0, "%s", chu_strerror(jobs[t].rc));
					status = CLI_BAD_INPUT;
				}
				fwrite(jobs[t].out.data, 1, jobs[t].out.len, stdout);
			}
			if (ferror(stdout)) { /* stop soon: the rest would be lost too */
				cli_error(NULL, 0, "write error: %s", strerror(errno));
				status = CLI_BAD_INPUT;
			}
			memmove(buf, buf + usable, have - usable);
			have -= usable;
			if (eof && have == 0)
				break;
		}
		free(buf);
		if (f != stdin)
			fclose(f);
	}
	for (int t = 0; jobs && t < threads; t++) {
		if (!jobs[t].ctx)
			continue;
		chu__buf_free(&jobs[t].out);
		chu__buf_free(&jobs[t].spans);
		chu__buf_free(&jobs[t].join);
		chu_ctx_free(jobs[t].ctx);
	}
	free(jobs);
	free(tids);
	free(started);
	chu_dict_free(dict);
	chu_model_close(model);
	cli_restorer_free(&acc);
	if (fflush(stdout) != 0) {
		cli_error(NULL, 0, "writing output: %s", strerror(errno));
		return CLI_BAD_INPUT;
	}
	return status;
}

/* ---- chu train seg ---- */

/* Splits a comma-separated list in place. */
static size_t split_list(char *s, const char **out, size_t max)
{
	size_t n = 0;
	for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ","))
		out[n++] = tok;
	return n;
}

int cli_train(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "seg") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs("usage: chu train seg --train FILE[,FILE…] -o MODEL [options]   (chu train seg --help)\n", stdout);
			return CLI_OK;
		}
		cli_error(NULL, 0, "usage: chu train seg --train FILE[,FILE…] -o MODEL [options]");
		return CLI_USAGE;
	}
	static const struct option longopts[] = {{"train", required_argument, NULL, 't'},
	                                          {"dev", required_argument, NULL, 'd'},
	                                          {"lexicon", required_argument, NULL, 'l'},
	                                          {"epochs", required_argument, NULL, 'e'},
	                                          {"seed", required_argument, NULL, 's'},
	                                          {"holdout", required_argument, NULL, 'H'},
	                                          {"lowercase", required_argument, NULL, 'L'},
	                                          {"uppercase", required_argument, NULL, 'U'},
	                                          {"output", required_argument, NULL, 'o'},
	                                          {"corpus", required_argument, NULL, 'c'},
	                                          {"max-features", required_argument, NULL, 'M'},
	                                          {"no-triples", no_argument, NULL, 'T'},
	                                          {"final-y-as-i", no_argument, NULL, 'Y'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	const char *train[16], *lex[16];
	chu__train_seg_opts o = {0};
	o.train = train;
	o.lexicons = lex;
	o.epochs = 8;
	o.seed = 1;
	o.holdout = 20;
	o.lowercase = 0.3;
	o.uppercase = 0.1;
	o.progress = cli_train_progress;
	int c;
	optind = 1;
	argc--, argv++;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o.n_train = split_list(optarg, train, 16); break;
		case 'd': o.dev = optarg; break;
		case 'l': o.n_lexicons = split_list(optarg, lex, 16); break;
		case 'e': o.epochs = atoi(optarg); break;
		case 's': o.seed = strtoull(optarg, NULL, 10); break;
		case 'H': o.holdout = atoi(optarg); break;
		case 'L': o.lowercase = atof(optarg); break;
		case 'U': o.uppercase = atof(optarg); break;
		case 'o': o.out = optarg; break;
		case 'c': o.corpus = optarg; break;
		case 'M': o.max_features = strtoull(optarg, NULL, 10); break;
		case 'T': o.no_triples = true; break;
		case 'Y': o.y_as_i = true; break;
		case 'h':
			fputs("usage: chu train seg --train FILE[,FILE…] -o MODEL [--dev FILE] [--lexicon FILE[,FILE…]]\n"
			      "                     [--corpus TEXT] [--epochs N] [--seed N] [--holdout N] [--lowercase P] [--uppercase P]\n"
			      "                     [--max-features N] [--no-triples] [--final-y-as-i]\n"
			      "Trains a segmentation model from .seg files (words separated by spaces, syllables joined\n"
			      "by '_'). Every Nth sentence of the first training file is held out and scored after each\n"
			      "epoch (--holdout, default 20; 0 keeps none), as is --dev. --lowercase/--uppercase: the share\n"
			      "of sentences also trained lowercased/in capitals (case robustness; defaults 0.3 and 0.1).\n"
			      "--max-features N keeps the N strongest features (a smaller, faster model). --no-triples leaves\n"
			      "out the three templates over syllable triples (a smaller model that segments faster).\n"
			      "--final-y-as-i: a final y after a consonant onset reads as i (kỹ/kĩ, lý/lí, công ty/ti and\n"
			      "quý/quí segment alike); the text is kept as written.\n"
			      "--corpus: plain unlabeled text; pairs of syllables seen together in it at least 5 times get\n"
			      "an association (PMI) feature. The same files and seed give the same model, byte for byte.\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	if (!o.n_train || !o.out || o.epochs < 1) {
		cli_error(NULL, 0, "chu train seg needs --train FILE and -o MODEL (and --epochs ≥ 1)");
		return CLI_USAGE;
	}
	int rc = chu__train_seg(&o);
	if (rc < 0) {
		cli_error(NULL, 0, "training failed: %s", chu_strerror(rc));
		return CLI_BAD_INPUT;
	}
	return CLI_OK;
}

/* ---- chu eval seg ---- */

/* The syllables of a segmented line and where words end: fills sylls (joined with ' ') and ends. */
static void parse_seg_line(const char *line, size_t len, chu__buf *sylls, chu__buf *ends)
{
	int rc = CHU_OK;
	sylls->len = ends->len = 0;
	uint32_t count = 0;
	for (size_t i = 0; i < len;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		size_t a = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		for (size_t p = a; p < i;) {
			size_t q = p;
			while (q < i && line[q] != '_')
				q++;
			if (q > p) {
				chu__buf_put(&rc, sylls, line + p, q - p);
				chu__buf_putc(&rc, sylls, ' ');
				count++;
			}
			p = q + 1;
		}
		if (i > a)
			chu__buf_put(&rc, ends, &count, sizeof count);
	}
}

int cli_eval(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("usage: chu eval seg GOLD PRED\nPrints word precision, recall and F1: a word is correct when its\n"
		      "syllable span matches. The files must hold the same syllables line by line.\n",
		      stdout);
		return CLI_OK;
	}
	if (argc != 4 || strcmp(argv[1], "seg") != 0) {
		cli_error(NULL, 0, "usage: chu eval seg GOLD PRED");
		return CLI_USAGE;
	}
	size_t lg, lp;
	char *g = cli_read_file(argv[2], &lg);
	char *p = g ? cli_read_file(argv[3], &lp) : NULL;
	if (!g || !p) {
		free(g);
		return CLI_BAD_INPUT;
	}
	chu__buf gs, ge, ps, pe;
	chu__buf *bufs[] = {&gs, &ge, &ps, &pe};
	for (int i = 0; i < 4; i++)
		chu__buf_init(bufs[i], &chu__default_allocator);
	size_t ng = 0, np = 0, correct = 0;
	unsigned long line = 0;
	int status = CLI_OK;
	size_t a = 0, b = 0;
	while (a < lg || b < lp) {
		line++;
		const char *x = a < lg ? memchr(g + a, '\n', lg - a) : NULL;
		const char *y = b < lp ? memchr(p + b, '\n', lp - b) : NULL;
		size_t ae = x ? (size_t)(x - g) : lg, be = y ? (size_t)(y - p) : lp;
		parse_seg_line(g + a, a < lg ? ae - a : 0, &gs, &ge);
		parse_seg_line(p + b, b < lp ? be - b : 0, &ps, &pe);
		if (gs.len != ps.len || (gs.len && memcmp(gs.data, ps.data, gs.len) != 0)) {
			cli_error(argv[3], line, "its syllables differ from %s line %lu", argv[2], line);
			status = CLI_BAD_INPUT;
			break;
		}
		const uint32_t *E1 = (const uint32_t *)(void *)ge.data, *E2 = (const uint32_t *)(void *)pe.data;
		size_t n1 = ge.len / 4, n2 = pe.len / 4, i = 0, j = 0;
		uint32_t s1 = 0, s2 = 0;
		while (i < n1 && j < n2) {
			if (E1[i] == E2[j]) {
				correct += s1 == s2;
				s1 = E1[i++];
				s2 = E2[j++];
			} else if (E1[i] < E2[j]) {
				s1 = E1[i++];
			} else {
				s2 = E2[j++];
			}
		}
		ng += n1;
		np += n2;
		a = x ? ae + 1 : lg;
		b = y ? be + 1 : lp;
	}
	if (status == CLI_OK)
		cli_print_prf("words", ng, np, correct);
	for (int i = 0; i < 4; i++)
		chu__buf_free(bufs[i]);
	free(g);
	free(p);
	return status;
}
