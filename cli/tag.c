/*
 * tag.c — `chu pos`, `chu ner`, `chu train pos|ner`, `chu eval pos|ner` and `chu accent`:
 * argument parsing, files, threads and output formats. The taggers live in libchu (src/tag.c).
 */
#include "cli.h"
#include "internal.h" /* the trainer's options (chu__train_tag), chu__buf */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- threads ---- */

/* Runs fn on jobs[0, n) (each size bytes), jobs 1.. on threads of their own and job 0 on this one;
 * a job whose thread cannot start runs here after the others (fewer threads, the same results).
 * *warned: the warning about it was printed. */
static void run_jobs(void *(*fn)(void *), void *jobs, size_t size, int n, bool *warned)
{
	pthread_t tid[256];
	bool started[256] = {false};
	for (int t = 1; t < n && t < 256; t++)
		started[t] = cli_thread_start(&tid[t], fn, (char *)jobs + (size_t)t * size, warned);
	if (n > 0)
		fn(jobs);
	for (int t = 1; t < n && t < 256; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			fn((char *)jobs + (size_t)t * size);
	}
}

/* Reads --threads' value (1..256) into *threads; false after printing a usage error. */
static bool parse_threads(const char *arg, int *threads)
{
	char *e;
	long v = strtol(arg, &e, 10);
	if (e == arg || *e || v < 1 || v > 256) {
		cli_error(NULL, 0, "--threads takes a number from 1 to 256");
		return false;
	}
	*threads = (int)v;
	return true;
}

/* ---- chu pos, chu ner ---- */

typedef struct tag_job {
	chu_ctx *ctx;
	chu_model *seg, *pos, *ner;
	int task;           /* CHU_TAGGER_POS or CHU_TAGGER_NER: what is printed */
	bool pretokenized;  /* tokens separated by spaces */
	bool segmented;     /* and words already joined by '_' */
	bool upos;          /* pos: print UPOS instead of VLSP tags */
	int rules;          /* ner: print rule-based DATE, TIME, MONEY, PERCENT, QUANTITY too (-1: default) */
	size_t window;      /* ner: sentences either side read for consistency (chu_ner_consistent), 0 none */
	chu__buf out;       /* what is printed, written to stdout after each piece */
	chu__buf words, join, ptags, ntags, pnames, spans;
	/* ner with a window: sentences tagged but not printed yet, and the window before them (each
	 * one malloc'd block holding its words, tags and bytes: see queue_sentence) */
	chu_ner_sentence *q;
	size_t qn, qdone, qcap;
	chu__buf final;
	/* the stream: the input is read a piece (a line, or 64 KiB of a longer one) at a time */
	const char *file;   /* name of the input being read */
	chu__buf carry;     /* raw text: the unfinished sentence of a continued piece, read again with
	                     * the next piece; --pretokenized: the line so far */
	chu__buf joined;    /* raw text: carry + piece */
	/* --threads N: whole lines are gathered in batches; N workers (each a tag_job of its own,
	 * that writes its output, or of ner its tagged sentences, to out) tag one batch while this
	 * thread reads the next and prints the one before, in order (two batches, each with its
	 * workers) */
	int threads;
	struct tag_job *workers[2];
	chu__buf batch[2];  /* the lines of each, whole */
	pthread_t tid[2][256];
	bool started[2][256]; /* the thread of each worker runs */
	int parts[2];       /* the workers a batch was given to */
	int filling;        /* the batch being filled */
	int tagging;        /* the batch being tagged, or -1 */
	bool warned;        /* a thread could not be started */
	int rc;             /* a worker: how its part of the batch went */
	const char *part;   /* a worker: its lines */
	size_t part_len;
	bool records;       /* a worker of ner: tagged sentences go to out as records (see put_record) */
} tag_job;

/* Raw text: the most of a sentence carried into the next piece (a longer one is cut, as chu tok
 * cuts it). --pretokenized: the longest line (a sentence) read. */
#define MAX_CARRY (1u << 20)
#define MAX_LINE (4u << 20)
/* --threads: the bytes of lines a worker tags at a time */
#define WORKER_BYTES ((size_t)64 << 10)

static inline void put_str(int *rc, chu__buf *b, const char *s) { chu__buf_put(rc, b, s, strlen(s)); }

/* Appends word w of a sentence as the output format wants it: its bytes, spaces written as '_'. */
static void put_word(int *rc, chu__buf *b, const char *text, const chu_span *w)
{
	size_t n = w->end - w->start;
	chu__buf_reserve(rc, b, n);
	if (*rc < 0)
		return;
	char *d = b->data + b->len;
	for (size_t i = w->start; i < w->end; i++)
		*d++ = text[i] == ' ' || text[i] == '\t' ? '_' : text[i];
	b->len += n;
	b->data[b->len] = '\0';
}

/* Writes what the job has printed and empties it; false when stdout fails. */
static bool flush_out(tag_job *job)
{
	if (job->out.len)
		fwrite(job->out.data, 1, job->out.len, stdout);
	job->out.len = 0;
	return !ferror(stdout);
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
		put_word(&rc, &job->out, text, &w[i]);
		/* the entity spans as BIO labels; rule-based kinds only when asked for */
		while (e < ne && (ent[e].first + ent[e].n_words <= i || (!job->rules && !model_type(ent[e].type))))
			e++;
		if (e < ne && ent[e].first <= i) {
			char bio[4] = {'\t', ent[e].first == i ? 'B' : 'I', '-', 0};
			put_str(&rc, &job->out, bio);
			put_str(&rc, &job->out, ent[e].type);
			chu__buf_putc(&rc, &job->out, '\n');
		} else {
			put_str(&rc, &job->out, "\tO\n");
		}
	}
	chu__buf_putc(&rc, &job->out, '\n');
	return rc;
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
	for (size_t i = 0; i < drop; i++)
		free((void *)job->q[i].words); /* the sentence's block */
	if (drop)
		memmove(job->q, job->q + drop, (job->qn - drop) * sizeof *job->q);
	job->qn -= drop;
	job->qdone -= drop;
	return rc;
}

/* Keeps a tagged sentence until its window is read: its words, tags and bytes (text is the
 * caller's piece, gone after it) are copied into one block, the words made offsets into the copy.
 * The queue holds at most 2 × window + 1 sentences. */
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
	size_t from = w[0].start, bytes = w[n - 1].end - from;
	chu_span *words = malloc(n * sizeof *w + n + bytes);
	if (!words)
		return CHU_ENOMEM;
	uint8_t *tags = (uint8_t *)(words + n);
	char *copy = (char *)tags + n;
	for (size_t i = 0; i < n; i++)
		words[i] = (chu_span){w[i].start - from, w[i].end - from};
	memcpy(tags, nt, n);
	memcpy(copy, text + from, bytes);
	job->q[job->qn++] = (chu_ner_sentence){copy, words, n, tags};
	return flush_queue(job, false);
}

/* A tagged sentence as a worker of ner hands it over: a header, the words (offsets into the
 * bytes), their labels and the bytes, each part padded to 8 bytes. */
typedef struct record {
	size_t n, bytes;
} record;

static size_t pad8(size_t x) { return (x + 7) & ~(size_t)7; }

static int put_record(tag_job *job, const char *text, const chu_span *w, size_t n, const uint8_t *nt)
{
	size_t from = w[0].start, bytes = w[n - 1].end - from;
	size_t size = sizeof(record) + n * sizeof(chu_span) + pad8(n) + pad8(bytes);
	int rc = CHU_OK;
	chu__buf_reserve(&rc, &job->out, size);
	if (rc < 0)
		return rc;
	char *p = job->out.data + job->out.len;
	*(record *)(void *)p = (record){n, bytes};
	chu_span *words = (chu_span *)(void *)(p + sizeof(record));
	for (size_t i = 0; i < n; i++)
		words[i] = (chu_span){w[i].start - from, w[i].end - from};
	memcpy(words + n, nt, n);
	memcpy((char *)(words + n) + pad8(n), text + from, bytes);
	job->out.len += size;
	return CHU_OK;
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
	if (job->task == CHU_TAGGER_NER) {
		if (job->records)
			return put_record(job, text, w, n, nt);
		return job->window > 0 ? queue_sentence(job, text, w, n, nt) : print_entities(job, text, w, n, nt);
	}
	for (size_t i = 0; i < n; i++) {
		put_word(&rc, &job->out, text, &w[i]);
		chu__buf_putc(&rc, &job->out, '/');
		put_str(&rc, &job->out, job->upos ? chu_pos_upos(names[i]) : names[i]);
		chu__buf_putc(&rc, &job->out, i + 1 < n ? ' ' : '\n');
	}
	return rc;
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
			chu__buf_putc(&rc, &job->out, '\n'); /* the evaluation interface keeps one output line per input line */
		return rc;
	}
	return tag_sentence(job, line, w, n);
}

/* Raw text: segmented with the model, a sentence at a time. Of a continued piece (a line that
 * goes on in the next piece), the sentence after its last certain end is not tagged but kept in
 * job->carry to be read again with the next piece, so a sentence is tagged as in one text. */
static int tag_raw(tag_job *job, const char *text, size_t len, bool continued)
{
	const chu_word *words;
	size_t nw;
	int rc = chu_segment(job->ctx, job->seg, text, len, &words, &nw);
	if (rc < 0)
		return rc;
	/* the words tagged: up to the last sentence end before the last word of a continued piece */
	size_t upto = nw, keep_from = len;
	if (continued && nw) {
		size_t e = nw - 1;
		while (e > 0 && !(words[e - 1].flags & CHU_TOKEN_SENTENCE_END))
			e--;
		size_t from = e > 0 ? words[e - 1].end : 0;
		if (len - from <= MAX_CARRY) {
			upto = e;
			keep_from = from;
		} else if (len - words[nw - 1].start <= MAX_CARRY) {
			upto = nw - 1; /* a sentence too long to hold: cut it, but not its last word */
			keep_from = words[nw - 1].start;
		}
	}
	chu__buf *spans = &job->spans;
	for (size_t i = 0, s = 0; i < upto && rc >= 0; i++) {
		if (!(words[i].flags & CHU_TOKEN_SENTENCE_END) && i + 1 < upto)
			continue;
		spans->len = 0;
		for (size_t j = s; j <= i; j++) {
			chu_span sp = {words[j].start, words[j].end};
			chu__buf_put(&rc, spans, &sp, sizeof sp);
		}
		/* chu_segment's buffers are reused by chu_tag only through other fields: words stay valid */
		if (rc >= 0)
			rc = tag_sentence(job, text, (const chu_span *)(void *)spans->data, i + 1 - s);
		s = i + 1;
	}
	/* keep the rest for the next piece (text may be job->joined, which holds the old carry) */
	size_t rest = len - keep_from;
	chu__buf_reserve(&rc, &job->carry, rest);
	if (rc < 0)
		return rc;
	memcpy(job->carry.data, text + keep_from, rest);
	job->carry.len = rest;
	return CHU_OK;
}

/* Tags one piece that begins a line, or goes on with job->carry. */
static int tag_one_piece(tag_job *job, const char *piece, size_t len, bool continued)
{
	int rc = CHU_OK;
	if (job->pretokenized) {
		/* a line is a sentence: held whole (a continued piece waits for the rest of its line) */
		const char *line = piece;
		if (continued || job->carry.len) {
			if (job->carry.len + len > MAX_LINE) {
				cli_error(job->file, 0, "a line of more than %u MiB: --pretokenized reads a sentence a line",
				          MAX_LINE >> 20);
				return 1;
			}
			chu__buf_put(&rc, &job->carry, piece, len);
			if (rc >= 0 && continued)
				return 0;
			line = job->carry.data;
			len = job->carry.len;
		}
		if (rc >= 0)
			rc = tag_line(job, line, len && line[len - 1] == '\n' ? len - 1 : len);
		job->carry.len = 0;
	} else {
		const char *text = piece;
		if (job->carry.len) {
			job->joined.len = 0;
			chu__buf_put(&rc, &job->joined, job->carry.data, job->carry.len);
			chu__buf_put(&rc, &job->joined, piece, len);
			text = job->joined.data;
			len = job->joined.len;
		}
		if (rc >= 0)
			rc = tag_raw(job, text, len, continued);
	}
	if (rc < 0) {
		cli_error(job->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return 0;
}

/* A worker: tags its lines (whole ones, each a piece that is not continued: the pieces the
 * stream cut them into), its output or records in out. */
static void *tag_worker(void *arg)
{
	tag_job *w = arg;
	w->out.len = 0;
	w->rc = CHU_OK;
	for (size_t a = 0; a < w->part_len && w->rc >= 0;) {
		const char *nl = memchr(w->part + a, '\n', w->part_len - a);
		size_t b = nl ? (size_t)(nl - w->part) + 1 : w->part_len;
		const char *line = w->part + a;
		size_t len = b - a;
		if (w->pretokenized)
			w->rc = tag_line(w, line, len && line[len - 1] == '\n' ? len - 1 : len);
		else
			w->rc = tag_raw(w, line, len, false);
		a = b;
	}
	return NULL;
}

/* Has batch k's lines tagged by its workers, each an equal share of whole lines, on threads of
 * their own (here, when a thread cannot start). */
static void start_batch(tag_job *job, int k)
{
	const char *text = job->batch[k].data;
	size_t len = job->batch[k].len, a = 0;
	int n = 0;
	for (int t = 0; t < job->threads && a < len; t++) {
		size_t b = t == job->threads - 1 ? len : a + (len - a) / (size_t)(job->threads - t);
		while (b < len && text[b - 1] != '\n')
			b++;
		tag_job *w = &job->workers[k][n];
		w->part = text + a;
		w->part_len = b - a;
		w->file = job->file;
		if (!(job->started[k][n] = cli_thread_start(&job->tid[k][n], tag_worker, w, &job->warned)))
			tag_worker(w);
		n++;
		a = b;
	}
	job->parts[k] = n;
}

/* Waits for batch k's workers. */
static void join_batch(tag_job *job, int k)
{
	for (int t = 0; t < job->parts[k]; t++)
		if (job->started[k][t])
			pthread_join(job->tid[k][t], NULL);
	memset(job->started[k], 0, sizeof job->started[k]);
}

/* Prints what batch k's workers give, in order (ner: their sentences go through the queue as one
 * job's would), and empties it; 1 after printing an error. */
static int print_batch(tag_job *job, int k)
{
	int rc = CHU_OK;
	for (int t = 0; t < job->parts[k] && rc >= 0; t++) {
		tag_job *w = &job->workers[k][t];
		if (job->task == CHU_TAGGER_NER) {
			for (size_t p = 0; p < w->out.len && rc >= 0;) {
				const record *r = (const record *)(void *)(w->out.data + p);
				const chu_span *words = (const chu_span *)(const void *)(r + 1);
				const uint8_t *tags = (const uint8_t *)(words + r->n);
				const char *bytes = (const char *)tags + pad8(r->n);
				rc = job->window > 0 ? queue_sentence(job, bytes, words, r->n, tags)
				                     : print_entities(job, bytes, words, r->n, tags);
				p += sizeof *r + r->n * sizeof(chu_span) + pad8(r->n) + pad8(r->bytes);
			}
		} else {
			chu__buf_put(&rc, &job->out, w->out.data, w->out.len);
		}
		if (rc >= 0)
			rc = w->rc;
		if (!flush_out(job))
			return 1;
	}
	job->parts[k] = 0;
	job->batch[k].len = 0;
	if (rc < 0) {
		cli_error(job->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return 0;
}

/* The batch being filled is full: the one being tagged is finished, this one started, and the
 * finished one printed while it is tagged. */
static int batch_full(tag_job *job)
{
	int k = job->filling, old = job->tagging;
	if (old >= 0)
		join_batch(job, old);
	start_batch(job, k);
	job->tagging = k;
	if (old < 0) {
		job->filling = 1 - k;
		return 0;
	}
	job->filling = old;
	return print_batch(job, old);
}

/* Tags and prints every line batched so far, in order (before what comes next is printed). */
static int run_batches(tag_job *job)
{
	int r = 0;
	if (job->tagging >= 0) {
		join_batch(job, job->tagging);
		r = print_batch(job, job->tagging);
		job->tagging = -1;
	}
	int k = job->filling;
	if (!r && job->batch[k].len) {
		start_batch(job, k);
		join_batch(job, k);
		r = print_batch(job, k);
	}
	job->batch[k].len = 0;
	return r;
}

/* One piece of the input (chu_stream): whole lines are tagged as they come (--threads: gathered
 * for the workers); sentences wait for their window (chu ner) in the queue. */
static int tag_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	tag_job *job = ud;
	(void)offset;
	int r;
	/* --threads: a whole line (a piece not continued that ends in LF) waits for the workers; a
	 * long line's pieces and a file's last line without LF are tagged here, in their place */
	if (job->threads > 1 && !continued && !job->carry.len && len && piece[len - 1] == '\n') {
		int rc = CHU_OK;
		chu__buf *batch = &job->batch[job->filling];
		chu__buf_put(&rc, batch, piece, len);
		if (rc < 0) {
			cli_error(job->file, 0, "%s", chu_strerror(rc));
			return 1;
		}
		return batch->len >= WORKER_BYTES * (size_t)job->threads ? batch_full(job) : 0;
	}
	if (job->threads > 1 && (r = run_batches(job)) != 0)
		return r;
	r = tag_one_piece(job, piece, len, continued);
	if (!flush_out(job))
		return 1; /* output that fails stops the reading (main() reports it) */
	return r;
}

/* The end of a file: a file is a document, its last sentences are printed before the next file
 * is read (what a continued last piece left is none: the stream's last piece is never continued). */
static int tag_end(void *ud)
{
	tag_job *job = ud;
	int r = job->threads > 1 ? run_batches(job) : 0;
	if (r)
		return r;
	job->carry.len = 0;
	int rc = flush_queue(job, true);
	if (!flush_out(job))
		return 1;
	if (rc < 0) {
		cli_error(job->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return 0;
}

#define TAG_BUF_LIST(j)                                                                            \
	{&(j)->out, &(j)->words, &(j)->join, &(j)->ptags, &(j)->ntags, &(j)->pnames, &(j)->spans, &(j)->final, &(j)->carry, \
	 &(j)->joined, &(j)->batch[0], &(j)->batch[1]}
#define TAG_NBUFS 12

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
	                                         {"threads", required_argument, NULL, 'T'},
	                                         {"accent-model", required_argument, NULL, 'A'},
	                                         {"as-written", no_argument, NULL, 'W'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	tag_job job = {0};
	const char *accent_path = NULL;
	bool as_written = false;
	job.task = strcmp(argv[0], "ner") == 0 ? CHU_TAGGER_NER : CHU_TAGGER_POS;
	job.rules = -1;
	job.window = 30;
	job.threads = 1;
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
		case 'A': accent_path = optarg; break;
		case 'W': as_written = true; break;
		case 'r': job.rules = 1; break;
		case 'R': job.rules = 0; break;
		case 'w':
			if (!cli_parse_window(optarg, &job.window))
				return CLI_USAGE;
			break;
		case 'T':
			if (!parse_threads(optarg, &job.threads))
				return CLI_USAGE;
			break;
		case 'h':
			printf("usage: chu %s [--pretokenized [--segmented]] [--model SEG] [--pos-model POS]%s\n"
			       "       [--accent-model ACCENT | --as-written] [--threads N] [FILE…]\n",
			       argv[0], job.task == CHU_TAGGER_NER ? " [--ner-model NER] [--rules|--no-rules] [--window N]" : " [--upos]");
			fputs(job.task == CHU_TAGGER_POS
			          ? "Tags parts of speech (the VLSP 2013 tag set; --upos prints Universal Dependencies UPOS).\n"
			            "Raw text is split into sentences and segmented; --pretokenized reads one sentence a line,\n"
			            "tokens separated by spaces (a line of more than 4 MiB is an error); --segmented: words are\n"
			            "already joined by '_'. Writes one sentence a line of word/TAG tokens (the tag follows the\n"
			            "last '/'). Input is read as a stream, in bounded memory. --threads: tag on N threads\n"
			            "(output in order, the same as with one).\n"
			            CLI_AS_WRITTEN_HELP
			          : "Finds named entities: PER, LOC, ORG, MISC (the model, as in VLSP 2016) and DATE, TIME,\n"
			            "MONEY, PERCENT, QUANTITY (rules; --no-rules leaves them out, and --segmented does unless\n"
			            "--rules is given). Input as for chu pos. Writes word<TAB>BIO-tag lines, a blank line\n"
			            "after each sentence. Each file is a document: a sentence's entities are made consistent\n"
			            "with the --window N sentences either side (default 30; 0 tags each sentence alone):\n"
			            "a name the model typed differently elsewhere takes its most frequent type, and a name\n"
			            "it found twice nearby is found where it missed it. Input is read as a stream, in bounded\n"
			            "memory: a sentence waits only for the window after it. --threads: tag on N threads\n"
			            "(output in order, the same as with one).\n" CLI_AS_WRITTEN_HELP,
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
	cli_restorer acc;
	if (!cli_restorer_init(&acc, accent_path, as_written))
		goto out;
	if (!job.segmented && !(job.seg = cli_open_model(seg_path, "seg.chm", "--model", CHU_MODEL_SEG)))
		goto out;
	if (!(job.pos = cli_open_model(pos_path, "pos.chm", "--pos-model", CHU_MODEL_POS)))
		goto out;
	if (job.task == CHU_TAGGER_NER && !(job.ner = cli_open_model(ner_path, "ner.chm", "--ner-model", CHU_MODEL_NER)))
		goto out;
	if (chu_ctx_new(NULL, &job.ctx) < 0)
		goto out;
	cli_restorer_use(&acc, job.ctx);
	chu__buf *bufs[TAG_NBUFS] = TAG_BUF_LIST(&job);
	for (size_t i = 0; i < TAG_NBUFS; i++)
		chu__buf_init(bufs[i], &chu__default_allocator);
	job.tagging = -1;
	for (int k = 0; k < 2 && job.threads > 1; k++) {
		if (!(job.workers[k] = calloc((size_t)job.threads, sizeof *job.workers[k]))) {
			cli_error(NULL, 0, "out of memory");
			goto out;
		}
		for (int t = 0; t < job.threads; t++) {
			tag_job *w = &job.workers[k][t];
			*w = (tag_job){.seg = job.seg, .pos = job.pos, .ner = job.ner, .task = job.task,
			               .pretokenized = job.pretokenized, .segmented = job.segmented, .upos = job.upos,
			               .rules = job.rules, .window = job.window, .records = job.task == CHU_TAGGER_NER};
			chu__buf *wb[TAG_NBUFS] = TAG_BUF_LIST(w);
			for (size_t i = 0; i < TAG_NBUFS; i++)
				chu__buf_init(wb[i], &chu__default_allocator);
			if (chu_ctx_new(NULL, &w->ctx) < 0) {
				cli_error(NULL, 0, "out of memory");
				goto out;
			}
			cli_restorer_use(&acc, w->ctx);
		}
	}
	status = cli_stream_inputs(argc - optind, argv + optind, tag_piece, tag_end, &job, &job.file);
	if (job.tagging >= 0)
		join_batch(&job, job.tagging); /* after an error: the workers still running */
	job.window = 0; /* after an error: nothing more is printed, the queue is freed */
	job.qdone = job.qn;
	flush_queue(&job, true);
	free(job.q);
	for (size_t i = 0; i < TAG_NBUFS; i++)
		chu__buf_free(bufs[i]);
out:
	for (int k = 0; k < 2; k++) {
		for (int t = 0; job.workers[k] && t < job.threads; t++) {
			tag_job *w = &job.workers[k][t];
			chu__buf *wb[TAG_NBUFS] = TAG_BUF_LIST(w);
			for (size_t i = 0; i < TAG_NBUFS; i++)
				chu__buf_free(wb[i]);
			chu_ctx_free(w->ctx);
		}
		free(job.workers[k]);
	}
	if (fflush(stdout) != 0)
		status = CLI_BAD_INPUT;
	chu_ctx_free(job.ctx);
	chu_model_close(job.seg);
	chu_model_close(job.pos);
	chu_model_close(job.ner);
	cli_restorer_free(&acc);
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
		chu_model *seg = cli_open_model(seg_path, "seg.chm", "--model", CHU_MODEL_SEG);
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
		if (!(pm = cli_open_model(pos_path, "pos.chm", "--pos-model", CHU_MODEL_POS))) {
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

/* chu accent reads a stream and restores it a chunk at a time. The restorer reads the two
 * tokens either side of each syllable, across sentences and lines, so each chunk (the "core", at
 * least ACCENT_CHUNK bytes of whole pieces) is restored together with pieces before and after it
 * that hold ACCENT_CONTEXT tokens or more (its context: two, and two more for a token that a cut
 * inside a line splits), and only the core's part of the output is written: every syllable is
 * restored as in the whole file. The core's bounds are found in the output by
 * counting: chu_accent changes only the letters of syllables, so every ASCII byte that is not a
 * letter or digit is copied, and the output's nth such byte is the input's nth. A core therefore
 * ends after such a byte (a "safe" end: every piece ending a line, or cut at white space). */
#define ACCENT_CHUNK ((size_t)256 << 10)
#define ACCENT_MAX ((size_t)2 << 20) /* pending bytes with no core to cut: restored without context */
#define ACCENT_UNIT 1024 /* pieces shorter than this are joined into one unit (a cut point) */
#define ACCENT_CONTEXT 4

typedef struct accent_unit {
	size_t end;  /* where the piece ends in job->buf */
	int tokens;  /* its tokens when tokenized alone, at most ACCENT_CONTEXT; -1 until counted */
} accent_unit;

/* --threads: a core restored on a thread of its own, its output written in its turn. */
typedef struct accent_task {
	chu_ctx *ctx;            /* the thread's (the options of the command's) */
	const chu_model *model;
	chu__buf in;             /* a copy of the bytes restored */
	size_t from, to;         /* the output written: of the input from..to (to = its length: all) */
	bool all;
	const char *out;         /* the output, borrowed from ctx: out[a, b) is written */
	size_t a, b;
	int rc;
} accent_task;

typedef struct accent_job {
	chu_ctx *ctx;
	chu_model *model;
	int threads;        /* --threads */
	accent_task *tasks; /* threads of them, np waiting to run */
	int np;
	bool warned;        /* a thread could not be started */
	const char *file;   /* name of the input being read */
	chu__buf buf;       /* the pieces not yet written, after the left context */
	accent_unit *u;     /* the pieces in buf, in order */
	size_t nu, ucap;
	size_t left;        /* units [0, left) are the left context, written already */
	size_t retry_at;    /* pending bytes before a core is looked for again after none was found */
} accent_job;

static bool accent_safe_byte(unsigned char c)
{
	return c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

static size_t unit_start(const accent_job *job, size_t k) { return k ? job->u[k - 1].end : 0; }

/* How many tokens unit k has, up to ACCENT_CONTEXT. */
static int unit_tokens(accent_job *job, size_t k, int *rc)
{
	if (job->u[k].tokens < 0) {
		const chu_token *t;
		size_t n = 0, a = unit_start(job, k);
		*rc = chu_tokenize(job->ctx, job->buf.data + a, job->u[k].end - a, &t, &n);
		job->u[k].tokens = n > ACCENT_CONTEXT ? ACCENT_CONTEXT : (int)n;
	}
	return job->u[k].tokens;
}

/* Is the boundary after unit k one whose place in the output can be found? */
static bool unit_safe_end(const accent_job *job, size_t k)
{
	size_t e = job->u[k].end;
	return e > unit_start(job, k) && accent_safe_byte((unsigned char)job->buf.data[e - 1]);
}

/* Where input position p of buf (after a safe byte; 0 is the start) is in the output out. */
static size_t output_position(const char *in, size_t p, const char *out, size_t n)
{
	if (p == 0)
		return 0;
	char c = in[p - 1];
	size_t k = 0;
	for (const char *q = in; (q = memchr(q, c, (size_t)(in + p - q))) != NULL; q++)
		k++;
	const char *q = out;
	for (; k > 0 && (q = memchr(q, c, (size_t)(out + n - q))) != NULL; k--)
		q++;
	return q ? (size_t)(q - out) : n; /* q is past the kth copy of c */
}

/* Restores units [0, upto) and writes the part of the output from the end of the left context
 * to the end of unit core - 1 (or all when core == upto); then keeps the units from keep on. */
static void *accent_worker(void *arg)
{
	accent_task *t = arg;
	size_t n = 0;
	t->rc = chu_accent(t->ctx, t->model, t->in.data, t->in.len, &t->out, &n);
	if (t->rc >= 0) {
		t->a = output_position(t->in.data, t->from, t->out, n);
		t->b = t->all ? n : output_position(t->in.data, t->to, t->out, n);
	}
	return NULL;
}

/* Restores the waiting cores on the threads and writes their output in order. */
static int accent_tasks_run(accent_job *job)
{
	run_jobs(accent_worker, job->tasks, sizeof *job->tasks, job->np, &job->warned);
	int rc = CHU_OK;
	for (int t = 0; t < job->np && rc >= 0; t++) {
		rc = job->tasks[t].rc;
		if (rc >= 0)
			fwrite(job->tasks[t].out + job->tasks[t].a, 1, job->tasks[t].b - job->tasks[t].a, stdout);
	}
	job->np = 0;
	return rc;
}

static int accent_run(accent_job *job, size_t core, size_t upto, size_t keep)
{
	const char *in = job->buf.data;
	size_t len = unit_start(job, upto), from = unit_start(job, job->left), to = unit_start(job, core);
	if (job->threads > 1) {
		accent_task *t = &job->tasks[job->np];
		int rc = CHU_OK;
		t->in.len = 0;
		chu__buf_put(&rc, &t->in, in, len);
		if (rc < 0)
			return rc;
		t->from = from;
		t->to = to;
		t->all = core == upto;
		if (++job->np == job->threads && (rc = accent_tasks_run(job)) < 0)
			return rc;
	} else {
		const char *out;
		size_t n;
		int rc = chu_accent(job->ctx, job->model, in, len, &out, &n);
		if (rc < 0)
			return rc;
		size_t a = output_position(in, from, out, n);
		size_t b = core == upto ? n : output_position(in, to, out, n);
		fwrite(out + a, 1, b - a, stdout);
	}
	/* forget what no later core needs */
	size_t drop = unit_start(job, keep);
	memmove(job->buf.data, job->buf.data + drop, job->buf.len - drop);
	job->buf.len -= drop;
	for (size_t k = keep; k < job->nu; k++) {
		job->u[k - keep] = job->u[k];
		job->u[k - keep].end -= drop;
	}
	job->nu -= keep;
	job->left = core - keep;
	job->retry_at = 0;
	return CHU_OK;
}

/* Restores and writes a core if enough is pending: the units after the left context but the last
 * ones, those holding ACCENT_CONTEXT tokens (the right context), up to a safe end. */
static int accent_step(accent_job *job, bool all)
{
	int rc = CHU_OK;
	if (all)
		return job->nu ? accent_run(job, job->nu, job->nu, job->nu) : CHU_OK;
	size_t pending = job->buf.len - unit_start(job, job->left);
	if (pending < ACCENT_CHUNK || pending < job->retry_at)
		return CHU_OK;
	/* the right context: units from the end back until they hold enough tokens */
	size_t c = job->nu;
	int seen = 0;
	while (c > job->left && seen < ACCENT_CONTEXT && rc >= 0)
		seen += unit_tokens(job, --c, &rc);
	while (c > job->left && !unit_safe_end(job, c - 1))
		c--;
	if (rc < 0)
		return rc;
	if (seen < ACCENT_CONTEXT || c == job->left) {
		if (pending < ACCENT_MAX) {
			job->retry_at = pending + ACCENT_CHUNK / 4; /* wait for more */
			return CHU_OK;
		}
		/* nothing to cut by for 2 MiB (no tokens, or no white space): restored as it stands */
		return accent_run(job, job->nu, job->nu, job->nu);
	}
	/* the next left context: the core's last units holding enough tokens */
	size_t keep = c;
	seen = 0;
	while (keep > 0 && seen < ACCENT_CONTEXT && rc >= 0)
		seen += unit_tokens(job, --keep, &rc);
	if (rc < 0)
		return rc;
	return accent_run(job, c, job->nu, keep);
}

static int accent_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	accent_job *job = ud;
	(void)offset, (void)continued;
	int rc = CHU_OK;
	if (job->nu == job->ucap) {
		size_t cap = job->ucap ? job->ucap * 2 : 256;
		accent_unit *u = realloc(job->u, cap * sizeof *u);
		if (!u)
			rc = CHU_ENOMEM;
		else {
			job->u = u;
			job->ucap = cap;
		}
	}
	chu__buf_put(&rc, &job->buf, piece, len);
	if (rc >= 0) {
		/* a short piece joins the short unit before it (not one of the left context's) */
		if (job->nu > job->left && job->u[job->nu - 1].end - unit_start(job, job->nu - 1) < ACCENT_UNIT)
			job->u[job->nu - 1] = (accent_unit){job->buf.len, -1};
		else
			job->u[job->nu++] = (accent_unit){job->buf.len, -1};
		rc = accent_step(job, false);
	}
	if (rc < 0) {
		cli_error(job->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return ferror(stdout) ? 1 : 0; /* output that fails stops the reading (main() reports it) */
}

/* The end of a file: its context ends there (each file is restored as a whole). */
static int accent_end(void *ud)
{
	accent_job *job = ud;
	int rc = accent_step(job, true);
	if (rc >= 0 && job->np)
		rc = accent_tasks_run(job);
	job->nu = job->left = job->buf.len = job->retry_at = 0;
	if (rc < 0) {
		cli_error(job->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return ferror(stdout) ? 1 : 0;
}

int cli_accent(int argc, char **argv)
{
	static const struct option longopts[] = {{"model", required_argument, NULL, 'm'},
	                                         {"tone", required_argument, NULL, 't'},
	                                         {"threads", required_argument, NULL, 'T'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	const char *path = NULL;
	chu_options opts;
	chu_options_init(&opts);
	int threads = 1;
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
		case 'T':
			if (!parse_threads(optarg, &threads))
				return CLI_USAGE;
			break;
		case 'h':
			fputs("usage: chu accent [--model FILE] [--tone=new|old] [--threads N] [FILE…]\n"
			      "Restores the marks of Vietnamese typed without them: \"Thu truong Bo Ngoai giao\" becomes\n"
			      "\"Thứ trưởng Bộ Ngoại giao\". Only the letters of syllables written without any mark change\n"
			      "(each keeps its case); everything else is copied byte for byte. The model is accent.chm.\n"
			      "Input is read as a stream, in bounded memory, a chunk at a time with the words either side;\n"
			      "--threads: N chunks at a time on N threads (output in order, the same as with one).\n",
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	accent_job job = {0};
	if (!(job.model = cli_open_model(path, "accent.chm", "--model", CHU_MODEL_ACCENT)))
		return CLI_BAD_INPUT;
	int status = CLI_BAD_INPUT;
	bool ok = chu_ctx_new(&opts, &job.ctx) >= 0;
	if (ok && threads > 1) {
		ok = (job.tasks = calloc((size_t)threads, sizeof *job.tasks)) != NULL;
		job.threads = ok ? threads : 1;
		for (int t = 0; ok && t < threads; t++) {
			job.tasks[t].model = job.model;
			chu__buf_init(&job.tasks[t].in, &chu__default_allocator);
			ok = chu_ctx_new(&opts, &job.tasks[t].ctx) >= 0;
		}
		if (!ok)
			cli_error(NULL, 0, "out of memory");
	}
	if (ok) {
		chu__buf_init(&job.buf, &chu__default_allocator);
		status = cli_stream_inputs(argc - optind, argv + optind, accent_piece, accent_end, &job, &job.file);
		chu__buf_free(&job.buf);
		free(job.u);
	}
	for (int t = 0; job.tasks && t < threads; t++) {
		chu__buf_free(&job.tasks[t].in);
		chu_ctx_free(job.tasks[t].ctx);
	}
	free(job.tasks);
	if (fflush(stdout) != 0)
		status = CLI_BAD_INPUT;
	chu_ctx_free(job.ctx);
	chu_model_close(job.model);
	return status;
}
