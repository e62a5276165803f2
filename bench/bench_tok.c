/*
 * bench_tok.c — throughput of libchu's stages on one file, in this process and on one thread.
 * The file is read into memory once; each stage then runs over it line by line (each line with its
 * LF is one call, as `chu` gives the library one piece at a time), three times, and the best time
 * is kept. Prints one "stage MB/s" line per stage on standard output (bench.sh reads them), and
 * the counts on standard error. With --load, prints "load FILE ms" for each model file: the best of
 * seven chu_model_open calls (the file in the page cache, as after the first run of a command).
 * usage: bench_tok FILE [MODEL] | bench_tok --load MODEL…
 */
#define _POSIX_C_SOURCE 200809L
#include "chu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *text;
static size_t len;

/* One stage over one line; returns a status and adds what it made to *count. */
typedef int (*stage_fn)(chu_ctx *, const chu_model *, const char *, size_t, size_t *);

static int s_norm(chu_ctx *c, const chu_model *m, const char *p, size_t n, size_t *count)
{
	(void)m;
	const char *o;
	size_t k = 0;
	int rc = chu_norm(c, p, n, &o, &k);
	*count += k;
	return rc;
}
static int s_sent(chu_ctx *c, const chu_model *m, const char *p, size_t n, size_t *count)
{
	(void)m;
	const chu_span *s;
	size_t k = 0;
	int rc = chu_sentences(c, p, n, &s, &k);
	*count += k;
	return rc;
}
static int s_tok(chu_ctx *c, const chu_model *m, const char *p, size_t n, size_t *count)
{
	(void)m;
	const chu_token *t;
	size_t k = 0;
	int rc = chu_tokenize(c, p, n, &t, &k);
	*count += k;
	return rc;
}
static int s_seg(chu_ctx *c, const chu_model *m, const char *p, size_t n, size_t *count)
{
	const chu_word *w;
	size_t k = 0;
	int rc = chu_segment(c, m, p, n, &w, &k);
	*count += k;
	return rc;
}

static void run(const char *name, const char *unit, stage_fn fn, const chu_model *m)
{
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) != CHU_OK) {
		fprintf(stderr, "bench_tok: chu_ctx_new failed\n");
		exit(1);
	}
	double best = 1e30;
	size_t count = 0;
	for (int r = 0; r < 3; r++) {
		count = 0;
		double t0 = now();
		for (char *p = text, *e = text + len; p < e;) {
			char *q = memchr(p, '\n', (size_t)(e - p));
			q = q ? q + 1 : e;
			int rc = fn(ctx, m, p, (size_t)(q - p), &count);
			if (rc < 0) {
				fprintf(stderr, "bench_tok: %s failed: %s\n", name, chu_strerror(rc));
				exit(1);
			}
			p = q;
		}
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	chu_ctx_free(ctx);
	printf("%s %.1f\n", name, (double)len / 1e6 / best);
	fprintf(stderr, "%s: %zu %s, best of 3 %.3f s\n", name, count, unit, best);
	fflush(stdout);
}

static int load_times(int n, char **paths)
{
	for (int a = 0; a < n; a++) {
		double best = 1e30;
		for (int i = 0; i < 7; i++) {
			chu_model *m;
			double t0 = now();
			int rc = chu_model_open(paths[a], &m);
			double t = now() - t0;
			if (rc != CHU_OK) {
				fprintf(stderr, "bench_tok: %s: %s\n", paths[a], chu_strerror(rc));
				return 1;
			}
			chu_model_close(m);
			best = t < best ? t : best;
		}
		printf("load %s %.2f\n", paths[a], best * 1e3);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--load") == 0)
		return load_times(argc - 2, argv + 2);
	if (argc < 2) {
		fprintf(stderr, "usage: bench_tok FILE [MODEL]\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	size_t cap = 1 << 20;
	text = malloc(cap);
	for (size_t k; text && (k = fread(text + len, 1, cap - len, f)) > 0;) {
		len += k;
		if (len == cap) {
			char *t = realloc(text, cap *= 2);
			if (!t)
				free(text);
			text = t;
		}
	}
	fclose(f);
	if (!text) {
		fprintf(stderr, "bench_tok: out of memory\n");
		return 1;
	}
	run("norm", "output bytes", s_norm, NULL);
	run("sent", "sentences", s_sent, NULL);
	run("tok", "tokens", s_tok, NULL);
	if (argc > 2) {
		chu_model *m;
		double t0 = now();
		int rc = chu_model_open(argv[2], &m);
		if (rc == CHU_OK) {
			printf("model-load-ms %.2f\n", (now() - t0) * 1e3);
			run("seg", "words", s_seg, m);
			chu_model_close(m);
		} else {
			fprintf(stderr, "bench_tok: %s: %s\n", argv[2], chu_strerror(rc));
		}
	}
	free(text);
	return 0;
}
