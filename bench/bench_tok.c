/*
 * bench_tok.c — throughput of libchu's stages on one file, in this process: each stage runs
 * over the file line by line three times and the best time is kept. Prints "stage MB/s".
 * usage: bench_tok FILE [MODEL]
 */
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

typedef int (*stage_fn)(chu_ctx *, const chu_model *, const char *, size_t);

static int s_norm(chu_ctx *c, const chu_model *m, const char *p, size_t n)
{
	(void)m;
	const char *o;
	size_t k;
	return chu_norm(c, p, n, &o, &k);
}
static int s_sent(chu_ctx *c, const chu_model *m, const char *p, size_t n)
{
	(void)m;
	const chu_span *s;
	size_t k;
	return chu_sentences(c, p, n, &s, &k);
}
static int s_tok(chu_ctx *c, const chu_model *m, const char *p, size_t n)
{
	(void)m;
	const chu_token *t;
	size_t k;
	return chu_tokenize(c, p, n, &t, &k);
}
static int s_seg(chu_ctx *c, const chu_model *m, const char *p, size_t n)
{
	const chu_word *w;
	size_t k;
	return chu_segment(c, m, p, n, &w, &k);
}

static double run(const char *name, stage_fn fn, const chu_model *m)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	double best = 1e9;
	for (int r = 0; r < 3; r++) {
		double t0 = now();
		for (char *p = text, *e = text + len; p < e;) {
			char *q = memchr(p, '\n', (size_t)(e - p));
			q = q ? q + 1 : e;
			if (fn(ctx, m, p, (size_t)(q - p)) < 0) {
				fprintf(stderr, "%s failed\n", name);
				exit(1);
			}
			p = q;
		}
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	chu_ctx_free(ctx);
	double mbs = (double)len / 1e6 / best;
	printf("%s %.1f\n", name, mbs);
	return mbs;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 1;
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc(len + 1);
	if (!text || fread(text, 1, len, f) != len)
		return 1;
	fclose(f);
	run("norm", s_norm, NULL);
	run("sent", s_sent, NULL);
	run("tok", s_tok, NULL);
	if (argc > 2) {
		chu_model *m;
		double t0 = now();
		if (chu_model_open(argv[2], &m) == CHU_OK) {
			printf("model-load-ms %.2f\n", (now() - t0) * 1e3);
			run("seg", s_seg, m);
			chu_model_close(m);
		}
	}
	free(text);
	return 0;
}
