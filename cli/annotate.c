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
#include <pthread.h>
#include <utf8proc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* What segments and tags a sentence: a handle and its buffers (one for each thread). */
typedef struct tagger {
	chu_ctx *ctx;
	const chu_annotate_options *opts; /* the models (annot's) */
	chu__tagged t;          /* one sentence's words and labels (chu__annotate_tag) */
	/* a worker of --threads: its sentences (whole records of the batch) and what it made of them */
	const char *part;
	size_t part_len;
	chu__buf out;           /* for each sentence: its words, part-of-speech names and entity labels */
	int rc;
} tagger;

typedef struct annot {
	chu_ctx *ctx;
	chu_model *model; /* NULL: no segmentation, tokens only */
	chu_model *pos, *ner; /* NULL: no parts of speech, no entities from the model */
	chu_annotate_options opts; /* the three models, for chu__annotate_tag */
	int format;       /* 't' text, 'j' jsonl, 'c' conllu */
	size_t window;    /* sentences either side an entity label is made consistent with
	                   * (chu_ner_consistent), within the article; 0: each sentence alone */
	unsigned long sent_id; /* conllu: sentences so far */
	struct stream *st;     /* the article being read */
	chu__buf out;          /* what is printed, written to stdout after each piece */
	int out_rc;            /* the sticky status of writing to out */
	/* --threads N: sentences are gathered in batches; N workers tag one batch while this thread
	 * reads the next and queues and prints the one before (two batches, each with its workers) */
	int threads;
	tagger *workers[2];    /* each batch's N workers */
	chu__buf batch[2];     /* the sentences of each (see batch_sentence) */
	pthread_t tid[2][256];
	bool started[2][256];  /* the thread of each worker runs */
	int parts[2];          /* the workers a batch was given to */
	int filling;           /* the batch being filled */
	int tagging;           /* the batch being tagged, or -1 */
	bool warned;           /* a thread could not be started */
} annot;

static void tagger_init(tagger *tg)
{
	chu__tagged_init(&tg->t, &chu__default_allocator);
	chu__buf_init(&tg->out, &chu__default_allocator);
}

static void tagger_free(tagger *tg)
{
	chu__tagged_free(&tg->t);
	chu__buf_free(&tg->out);
}

/* ---- output: written to an->out, and to stdout after each piece ---- */

static void put_bytes(annot *an, const char *s, size_t n) { chu__buf_put(&an->out_rc, &an->out, s, n); }
static void put_str(annot *an, const char *s) { put_bytes(an, s, strlen(s)); }
static void put_char(annot *an, char c) { chu__buf_putc(&an->out_rc, &an->out, c); }
/* s[0, n) up to its first NUL, as printf's "%.*s" */
static void put_upto_nul(annot *an, const char *s, size_t n)
{
	const char *z = memchr(s, 0, n);
	put_bytes(an, s, z ? (size_t)(z - s) : n);
}
static void put_u64(annot *an, unsigned long long v)
{
	char d[24];
	size_t k = sizeof d;
	do
		d[--k] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put_bytes(an, d + k, sizeof d - k);
}

/* Writes what was printed to stdout; false when that fails. */
static bool flush_out(annot *an)
{
	if (an->out.len)
		fwrite(an->out.data, 1, an->out.len, stdout);
	an->out.len = 0;
	return !ferror(stdout);
}

/* Writes s[0..n) (valid UTF-8) lowercased. */
static void put_lower(annot *an, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0) {
			put_char(an, s[i++]);
			continue;
		}
		utf8proc_uint8_t buf[4];
		utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_tolower(cp), buf);
		put_bytes(an, (const char *)buf, (size_t)m);
		i += (size_t)k;
	}
}

/* The normalized text of [a, b) with '_' for spaces (text mode). */
static int put_norm(annot *an, const char *text, size_t a, size_t b)
{
	const char *out;
	size_t n;
	int rc = chu_norm_span(an->ctx, text, a, b, &out, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		put_char(an, out[i] == ' ' ? '_' : out[i]);
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
	tagger tg;              /* segments and tags a sentence (one thread) */
	chu__buf final, etype, ebio; /* one sentence's labels as printed */
	chu__buf aw;            /* one sentence's words as chu_annotated_word (the JSON writer's) */
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
			rc = put_norm(an, text, words[w].start, words[w].end);
			if (pn[w]) {
				put_char(an, '/');
				put_str(an, pn[w]);
			}
			if (w + 1 < nw)
				put_char(an, ' ');
		}
		put_char(an, '\n');
	} else if (an->format == 'c') {
		put_str(an, "# sent_id = ");
		put_u64(an, ++an->sent_id);
		put_str(an, "\n# doc = ");
		put_str(an, name);
		put_char(an, '\n');
		const char *out;
		size_t m;
		if ((rc = chu_norm_span(an->ctx, text, tok[0].start, tok[n - 1].end, &out, &m)) < 0)
			return rc;
		put_str(an, "# text = ");
		put_upto_nul(an, out, m);
		put_char(an, '\n');
		for (size_t w = 0; w < nw && rc >= 0; w++) {
			/* FORM with spaces between syllables, as UD Vietnamese writes words */
			if ((rc = chu_norm_span(an->ctx, text, words[w].start, words[w].end, &out, &m)) < 0)
				break;
			put_u64(an, w + 1);
			put_char(an, '\t');
			put_upto_nul(an, out, m);
			put_char(an, '\t');
			/* LEMMA: the word lowercased (Vietnamese words do not inflect) */
			put_lower(an, out, m);
			put_char(an, '\t');
			put_str(an, pn[w] ? chu_pos_upos(pn[w]) : "_");
			put_char(an, '\t');
			put_str(an, pn[w] ? pn[w] : "_");
			put_str(an, "\t_\t_\t_\t_\t");
			/* MISC: entity label, byte offsets into the original file, no space after */
			bool space_after = w + 1 == nw || words[w + 1].start > words[w].end;
			if (etype[w]) {
				put_str(an, "NER=");
				put_char(an, ebio[w]);
				put_char(an, '-');
				put_str(an, etype[w]);
				put_char(an, '|');
			}
			put_str(an, "Offset=");
			put_u64(an, base + words[w].start);
			put_char(an, ':');
			put_u64(an, base + words[w].end);
			put_str(an, space_after ? "\n" : "|SpaceAfter=No\n");
		}
		put_char(an, '\n');
	} else {
		/* the words with their names, as chu_annotate gives them */
		st->aw.len = 0;
		chu__buf_reserve(&rc, &st->aw, nw * sizeof(chu_annotated_word));
		if (rc < 0)
			return rc;
		chu_annotated_word *aw = (chu_annotated_word *)(void *)st->aw.data;
		for (size_t w = 0; w < nw; w++)
			aw[w] = (chu_annotated_word){words[w].start, words[w].end, pn[w], chu_pos_upos(pn[w])};
		rc = chu__annotate_put_jsonl(an->ctx, &an->out_rc, &an->out, name, strlen(name), url, url ? strlen(url) : 0,
		                             s->index, base, text, tok, n, aw, nw, ent, ne);
	}
	return rc < 0 ? rc : an->out_rc;
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

/* Segments and tags one sentence, kept tokens tok[0, n) of text: its nw words in tg->t.words, their
 * part-of-speech names in tg->t.pn and entity labels in tg->t.nt. */
static int tag_words(tagger *tg, const char *text, const chu_token *tok, size_t n, size_t *nw_out)
{
	return chu__annotate_tag(tg->ctx, tg->opts, text, tok, n, &tg->t, nw_out);
}

/* ---- --threads ----
 *
 * Tagging a sentence reads its tokens' bytes alone, so sentences are tagged apart from the stream
 * and queued after in their order, as one thread queues them: the batch holds each sentence's
 * offset, tokens (offsets into its bytes) and bytes, and each worker tags a run of them. */

typedef struct batched {
	uint64_t offset; /* where the sentence's first byte is in the file */
	size_t n, bytes; /* its tokens, its bytes (from its first token's start to its last's end) */
} batched;

static size_t pad8(size_t x) { return (x + 7) & ~(size_t)7; }
static size_t batched_size(const batched *b) { return sizeof *b + b->n * sizeof(chu_token) + pad8(b->bytes); }

#define BATCH_BYTES ((size_t)64 << 10) /* of sentences a worker tags at a time */

static void *tag_worker(void *arg)
{
	tagger *tg = arg;
	tg->out.len = 0;
	tg->rc = CHU_OK;
	for (size_t p = 0; p < tg->part_len && tg->rc >= 0;) {
		const batched *b = (const batched *)(const void *)(tg->part + p);
		const chu_token *tok = (const chu_token *)(const void *)(b + 1);
		const char *text = (const char *)(tok + b->n);
		size_t nw = 0;
		if ((tg->rc = tag_words(tg, text, tok, b->n, &nw)) < 0)
			break;
		/* nw, then the words, their names and labels */
		chu__buf_put(&tg->rc, &tg->out, &nw, sizeof nw);
		chu__buf_put(&tg->rc, &tg->out, tg->t.words.data, nw * sizeof(chu_span));
		chu__buf_put(&tg->rc, &tg->out, tg->t.pn.data, nw * sizeof(char *));
		chu__buf_put(&tg->rc, &tg->out, tg->t.nt.data, nw);
		chu__buf_reserve(&tg->rc, &tg->out, 8);
		if (tg->rc >= 0)
			tg->out.len = pad8(tg->out.len);
		p += batched_size(b);
	}
	return NULL;
}

/* Has batch k's sentences tagged by its workers, each a run of whole sentences about an equal
 * share of the bytes, on threads of their own (here, when a thread cannot start). */
static void start_batch(annot *an, int k)
{
	const char *data = an->batch[k].data;
	size_t len = an->batch[k].len, a = 0;
	int n = 0;
	for (int t = 0; t < an->threads && a < len; t++) {
		size_t want = t == an->threads - 1 ? len : a + (len - a) / (size_t)(an->threads - t), b = a;
		do
			b += batched_size((const batched *)(const void *)(data + b));
		while (b < want);
		tagger *tg = &an->workers[k][n];
		tg->part = data + a;
		tg->part_len = b - a;
		if (!(an->started[k][n] = cli_thread_start(&an->tid[k][n], tag_worker, tg, &an->warned)))
			tag_worker(tg);
		n++;
		a = b;
	}
	an->parts[k] = n;
}

/* Waits for batch k's workers. */
static void join_batch(annot *an, int k)
{
	for (int t = 0; t < an->parts[k]; t++)
		if (an->started[k][t])
			pthread_join(an->tid[k][t], NULL);
	memset(an->started[k], 0, sizeof an->started[k]);
}

/* Queues the tagged sentences of batch k in order, and empties it. */
static int queue_batch(annot *an, stream *st, int k)
{
	int rc = CHU_OK;
	for (int t = 0; t < an->parts[k] && rc >= 0; t++) {
		tagger *tg = &an->workers[k][t];
		size_t r = 0;
		for (size_t p = 0; p < tg->part_len && rc >= 0 && r < tg->out.len;) {
			const batched *b = (const batched *)(const void *)(tg->part + p);
			const chu_token *tok = (const chu_token *)(const void *)(b + 1);
			const char *text = (const char *)(tok + b->n);
			size_t nw;
			memcpy(&nw, tg->out.data + r, sizeof nw);
			const chu_span *w = (const chu_span *)(const void *)(tg->out.data + r + sizeof nw);
			const char **pn = (const char **)(void *)(tg->out.data + r + sizeof nw + nw * sizeof(chu_span));
			const uint8_t *nt = (const uint8_t *)(pn + nw);
			rc = queue_sentence(an, st, text, b->offset, tok, b->n, w, pn, nt, nw);
			r = pad8(r + sizeof nw + nw * (sizeof(chu_span) + sizeof(char *) + 1));
			p += batched_size(b);
		}
		if (rc >= 0)
			rc = tg->rc;
	}
	an->parts[k] = 0;
	an->batch[k].len = 0;
	return rc;
}

/* The batch being filled is full: the one being tagged is finished, this one started, and the
 * finished one queued while it is tagged. */
static int batch_full(annot *an, stream *st)
{
	int k = an->filling, old = an->tagging;
	if (old >= 0)
		join_batch(an, old);
	start_batch(an, k);
	an->tagging = k;
	if (old < 0) {
		an->filling = 1 - k;
		return CHU_OK;
	}
	an->filling = old;
	return queue_batch(an, st, old);
}

/* Tags and queues every sentence batched so far, in order (before what comes next is printed). */
static int run_batches(annot *an, stream *st)
{
	int rc = CHU_OK;
	if (an->tagging >= 0) {
		join_batch(an, an->tagging);
		rc = queue_batch(an, st, an->tagging);
		an->tagging = -1;
	}
	int k = an->filling;
	if (rc >= 0 && an->batch[k].len) {
		start_batch(an, k);
		join_batch(an, k);
		rc = queue_batch(an, st, k);
	}
	an->batch[k].len = 0;
	return rc;
}

/* Keeps a sentence (kept tokens tok[0, n) of text, at offset in the file) for the workers. */
static int batch_sentence(annot *an, stream *st, const char *text, uint64_t offset, const chu_token *tok, size_t n)
{
	size_t from = tok[0].start;
	batched b = {offset + from, n, tok[n - 1].end - from};
	chu__buf *batch = &an->batch[an->filling];
	int rc = CHU_OK;
	chu__buf_reserve(&rc, batch, batched_size(&b));
	if (rc < 0)
		return rc;
	char *p = batch->data + batch->len;
	memcpy(p, &b, sizeof b);
	chu_token *t = (chu_token *)(void *)(p + sizeof b);
	for (size_t i = 0; i < n; i++) {
		t[i] = tok[i];
		t[i].start -= from;
		t[i].end -= from;
	}
	memcpy(t + n, text + from, b.bytes);
	batch->len += batched_size(&b);
	return batch->len >= BATCH_BYTES * (size_t)an->threads ? batch_full(an, st) : CHU_OK;
}

/* Segments and tags one sentence, kept tokens tok[0, n) of text (at offset in the file), and
 * queues it (--threads: once its batch is tagged). */
static int tag_sentence(annot *an, stream *st, const char *text, uint64_t offset, const chu_token *tok, size_t n)
{
	if (an->threads > 1)
		return batch_sentence(an, st, text, offset, tok, n);
	size_t nw = 0;
	int rc = tag_words(&st->tg, text, tok, n, &nw);
	if (rc < 0)
		return rc;
	return queue_sentence(an, st, text, offset, tok, n, (const chu_span *)(void *)st->tg.t.words.data,
	                      (const char **)(void *)st->tg.t.pn.data, (const uint8_t *)st->tg.t.nt.data, nw);
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
	size_t nk = 0;
	chu_span url;
	if ((rc = chu__annotate_kept(an->ctx, st->cleaned.data, st->cleaned.len, lead_len, t, nt, &st->drop, &st->keep,
	                             &nk, &url)) < 0)
		return rc;
	if (url.end > url.start && !st->url) {
		if (an->threads > 1 && (rc = run_batches(an, st)) < 0) /* printed without the URL before it */
			return rc;
		if (!(st->url = strndup(text + url.start, url.end - url.start)))
			return CHU_ENOMEM;
	}
	st->seen_text = st->seen_text || has_text(text, len);
	const chu_token *keep = (const chu_token *)(void *)st->keep.data;
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
		flush_out(an);
		cli_error(st->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return flush_out(an) ? 0 : 1; /* output that fails stops the reading (main() reports it) */
}

/* The end of a file: the article ends, its last sentences are printed. */
static int article_end(void *ud)
{
	annot *an = ud;
	stream *st = an->st;
	int rc = an->threads > 1 ? run_batches(an, st) : CHU_OK;
	if (rc >= 0)
		rc = flush_queue(an, st, true);
	if (an->format == 't' && rc >= 0)
		put_char(an, '\n'); /* a blank line after each article */
	bool written = flush_out(an);
	free(st->url);
	st->url = NULL;
	st->seen_text = false;
	st->sentences = 0;
	st->carry.len = 0;
	if (rc < 0) {
		cli_error(st->file, 0, "%s", chu_strerror(rc));
		return 1;
	}
	return written ? 0 : 1;
}

int cli_annotate(int argc, char **argv)
{
	static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
	                                          {"model", required_argument, NULL, 'm'},
	                                          {"pos-model", required_argument, NULL, 'p'},
	                                          {"ner-model", required_argument, NULL, 'n'},
	                                          {"window", required_argument, NULL, 'w'},
	                                          {"threads", required_argument, NULL, 'T'},
	                                          {"accent-model", required_argument, NULL, 'A'},
	                                          {"as-written", no_argument, NULL, 'W'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	annot an = {0};
	const char *accent_path = NULL;
	bool as_written = false;
	an.format = 't';
	an.window = 30;
	an.threads = 1;
	chu__buf_init(&an.out, &chu__default_allocator);
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
		case 'A':
			accent_path = optarg;
			break;
		case 'W':
			as_written = true;
			break;
		case 'w':
			if (!cli_parse_window(optarg, &an.window))
				return CLI_USAGE;
			break;
		case 'T': {
			char *e;
			long v = strtol(optarg, &e, 10);
			if (e == optarg || *e || v < 1 || v > 256) {
				cli_error(NULL, 0, "--threads takes a number from 1 to 256");
				return CLI_USAGE;
			}
			an.threads = (int)v;
			break;
		}
		case 'h':
			fputs("usage: chu annotate [--format=text|conllu|jsonl] [--model SEG] [--pos-model POS] [--ner-model NER]\n"
			      "                    [--window N] [--threads N] [--accent-model FILE | --as-written] [FILE…]\n"
			      "Each file is one article: cleaned (boilerplate left out), split into sentences, tokenized,\n"
			      "segmented into words, tagged with parts of speech and entities (models found as for chu seg:\n"
			      "seg.chm, pos.chm, ner.chm; a missing tagging model leaves its columns out). text: one\n"
			      "sentence a line of word/TAG, a blank line after each article. conllu: Universal Dependencies\n"
			      "CoNLL-U (LEMMA the lowercased word, UPOS and XPOS, NER=B-PER and Offset=START:END in MISC).\n"
			      "jsonl: one object a sentence with byte offsets into the original file for the sentence,\n"
			      "its tokens (with kinds), its words (with tags) and its entities. An article is a document,\n"
			      "as for chu ner: a sentence's entities are made consistent with the --window N sentences\n"
			      "either side (default 30; 0 tags each sentence alone). Articles are read as a stream, in\n"
			      "bounded memory whatever their size. --threads: segment and tag on N threads (output in\n"
			      "order, the same as with one).\n" CLI_AS_WRITTEN_HELP,
			      stdout);
			return CLI_OK;
		default:
			return CLI_USAGE;
		}
	}
	cli_restorer acc;
	if (!cli_restorer_init(&acc, accent_path, as_written) ||
	    !cli_open_model_if_any(model_path, "seg.chm", "--model", CHU_MODEL_SEG, &an.model)) {
		cli_restorer_free(&acc);
		return CLI_BAD_INPUT;
	}
	/* the taggers: the named file, else the installed or neighbouring one, else none */
	if (an.model && (!cli_open_model_if_any(pos_path, "pos.chm", "--pos-model", CHU_MODEL_POS, &an.pos) ||
	                 !cli_open_model_if_any(ner_path, "ner.chm", "--ner-model", CHU_MODEL_NER, &an.ner))) {
		chu_model_close(an.model);
		chu_model_close(an.pos);
		cli_restorer_free(&acc);
		return CLI_BAD_INPUT;
	}
	if (an.ner && !an.pos) {
		chu_model_close(an.ner); /* the entity model reads the parts of speech */
		an.ner = NULL;
	}
	int rc = chu_ctx_new(NULL, &an.ctx);
	int status = rc < 0 ? CLI_BAD_INPUT : CLI_OK;
	if (rc >= 0)
		cli_restorer_use(&acc, an.ctx);
	stream st = {0};
	chu__buf *bufs[] = {&st.carry, &st.joined, &st.cleaned, &st.toks, &st.drop, &st.keep, &st.final, &st.etype,
	                    &st.ebio, &st.aw, &an.batch[0], &an.batch[1]};
	size_t nbufs = sizeof bufs / sizeof bufs[0];
	for (size_t i = 0; i < nbufs; i++)
		chu__buf_init(bufs[i], &chu__default_allocator);
	an.opts = (chu_annotate_options){an.model, an.pos, an.ner, an.window, 0};
	tagger proto = {.ctx = an.ctx, .opts = &an.opts};
	st.tg = proto;
	tagger_init(&st.tg);
	an.tagging = -1;
	for (int k = 0; k < 2 && an.threads > 1 && status == CLI_OK; k++) {
		if (!(an.workers[k] = calloc((size_t)an.threads, sizeof *an.workers[k])))
			status = CLI_BAD_INPUT;
		for (int t = 0; an.workers[k] && t < an.threads; t++) {
			an.workers[k][t] = proto;
			tagger_init(&an.workers[k][t]);
			if (chu_ctx_new(NULL, &an.workers[k][t].ctx) < 0)
				status = CLI_BAD_INPUT;
			else
				cli_restorer_use(&acc, an.workers[k][t].ctx);
		}
		if (status != CLI_OK)
			cli_error(NULL, 0, "out of memory");
	}
	an.st = &st;
	if (status == CLI_OK)
		status = cli_stream_inputs(argc - optind, argv + optind, article_piece, article_end, &an, &st.file);
	if (an.tagging >= 0)
		join_batch(&an, an.tagging); /* after an error: the workers still running */
	for (size_t i = 0; i < st.qn; i++)
		free(st.q[i].tok); /* after an error: what was not printed */
	free(st.q);
	free(st.qs);
	free(st.url);
	for (size_t i = 0; i < nbufs; i++)
		chu__buf_free(bufs[i]);
	tagger_free(&st.tg);
	for (int k = 0; k < 2; k++) {
		for (int t = 0; an.workers[k] && t < an.threads; t++) {
			tagger_free(&an.workers[k][t]);
			chu_ctx_free(an.workers[k][t].ctx);
		}
		free(an.workers[k]);
	}
	flush_out(&an); /* after an error: what was printed before it */
	chu__buf_free(&an.out);
	chu_ctx_free(an.ctx);
	chu_model_close(an.model);
	chu_model_close(an.pos);
	chu_model_close(an.ner);
	cli_restorer_free(&acc);
	fflush(stdout);
	return status;
}
