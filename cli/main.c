/*
 * main.c — the `chu` command: subcommand dispatch, the text subcommands (norm, clean, sent, tok)
 * and the I/O helpers the other subcommands share. No language rule lives here.
 */
#include "cli.h"
#include "internal.h" /* character classes, to join pieces as one text */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CHU_DATADIR
#define CHU_DATADIR "/usr/local/share/chu"
#endif

/* ---- shared helpers ---- */

void cli_error(const char *file, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	fputs("chu: ", stderr);
	if (file && line)
		fprintf(stderr, "%s:%lu: ", file, line);
	else if (file)
		fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *cli_read_file_max(const char *path, size_t max, size_t *len, bool *too_big)
{
	*too_big = false;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		cli_error(path, 0, "%s", strerror(errno));
		return NULL;
	}
	size_t cap = max < (1u << 16) ? max + 1 : 1u << 16, n = 0;
	char *buf = malloc(cap + 1);
	while (buf && n <= max) {
		if (n == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2; /* room for max + 1 bytes, no more */
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	bool err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (!buf || err) {
		cli_error(path, 0, "%s", buf ? strerror(errno) : "out of memory");
		free(buf);
		return NULL;
	}
	if (n > max) {
		*too_big = true;
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *cli_read_file(const char *path, size_t *len)
{
	bool too_big;
	return cli_read_file_max(path, SIZE_MAX - 1, len, &too_big);
}

bool cli_is_utf16(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	return len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF));
}

void cli_utf16_error(const char *file)
{
	cli_error(file, 0, "UTF-16 text (it begins with a byte order mark); chu reads UTF-8: convert it with "
	                   "chu norm --from=auto");
}

bool cli_parse_window(const char *arg, size_t *window)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || v < 0 || v > 1000) {
		cli_error(NULL, 0, "--window needs a number of sentences from 0 to 1000, not \"%s\"", arg);
		return false;
	}
	*window = (size_t)v;
	return true;
}

static bool readable(const char *path) { return access(path, R_OK) == 0; }

char *cli_find_model(const char *name)
{
	char path[PATH_MAX + 64];
	const char *env = getenv("CHU_MODEL_DIR");
	if (env && *env) {
		snprintf(path, sizeof path, "%s/%s", env, name);
		if (readable(path))
			return strdup(path);
	}
	char exe[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k > 0) {
		exe[k] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			const char *rel[] = {"models", "../models", "../share/chu"};
			for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
				snprintf(path, sizeof path, "%s/%s/%s", exe, rel[i], name);
				if (readable(path))
					return strdup(path);
			}
		}
	}
	snprintf(path, sizeof path, "%s/%s", CHU_DATADIR, name);
	if (readable(path))
		return strdup(path);
	return NULL;
}

/* "a part-of-speech tagger and an entity tagger": what parts holds, for messages */
static const char *part_names(unsigned parts, char *buf, size_t size)
{
	static const char *const names[] = {"a word segmenter", "a part-of-speech tagger", "an entity tagger",
	                                    "a diacritics restorer"};
	size_t n = 0, k = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 4; i++)
		k += (parts >> i) & 1;
	for (unsigned i = 0; i < 4; i++) {
		if (!((parts >> i) & 1))
			continue;
		n++;
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", n == 1 ? "" : n == k ? " and " : ", ", names[i]);
	}
	return k ? buf : "nothing chu uses";
}

bool cli_open_model_if_any(const char *path, const char *name, const char *option, unsigned part, chu_model **out)
{
	char *found = path ? NULL : cli_find_model(name);
	const char *p = path ? path : found;
	*out = NULL;
	bool ok = true;
	if (p) {
		int rc = chu_model_open(p, out);
		unsigned has = rc < 0 ? 0 : chu_model_parts(*out);
		if (rc < 0) {
			cli_error(p, 0, "%s", rc == CHU_EIO ? strerror(errno) : chu_strerror(rc));
			ok = false;
		} else if (part && !(has & part)) {
			static const char *const kinds[] = {"a word segmentation", "a part-of-speech", "an entity", "a diacritics"};
			int i = 0;
			while (i < 3 && !((part >> i) & 1))
				i++;
			char what[160];
			cli_error(p, 0, "not %s model: it holds %s (%s takes one, like %s)", kinds[i], part_names(has, what, sizeof what),
			          option, name);
			chu_model_close(*out);
			ok = false;
		}
		if (!ok)
			*out = NULL;
	}
	free(found);
	return ok;
}

bool cli_restorer_init(cli_restorer *a, const char *path, bool off)
{
	*a = (cli_restorer){.off = off};
	pthread_mutex_init(&a->lock, NULL);
	if (path && !off) {
		a->tried = true;
		if (!(a->model = cli_open_model(path, "accent.chm", "--accent-model", CHU_MODEL_ACCENT)))
			return false;
	}
	return true;
}

static int accent_source(void *ud, const chu_model **out)
{
	cli_restorer *a = ud;
	pthread_mutex_lock(&a->lock);
	if (!a->tried) {
		a->tried = true;
		char *path = cli_find_model("accent.chm");
		if (path && !cli_open_model_if_any(path, "accent.chm", "--accent-model", CHU_MODEL_ACCENT, &a->model))
			a->rc = CHU_EFORMAT;
		free(path);
	}
	*out = a->model;
	int rc = a->rc;
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void cli_restorer_use(cli_restorer *a, chu_ctx *ctx)
{
	if (!a->off)
		chu_ctx_set_accent_source(ctx, accent_source, a);
}

void cli_restorer_free(cli_restorer *a)
{
	chu_model_close(a->model);
	pthread_mutex_destroy(&a->lock);
}

chu_model *cli_open_model(const char *path, const char *name, const char *option, unsigned part)
{
	chu_model *m = NULL;
	if (!cli_open_model_if_any(path, name, option, part, &m))
		return NULL;
	if (!m)
		cli_error(NULL, 0, "no %s found (looked in $CHU_MODEL_DIR, models/ next to chu and the installed data directory); "
		          "give one with %s FILE", name, option);
	return m;
}

bool cli_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg, bool *warned)
{
	int e = pthread_create(tid, NULL, fn, arg);
	if (e && !*warned) {
		cli_error(NULL, 0, "warning: cannot start a thread (%s): going on with fewer", strerror(e));
		*warned = true;
	}
	return e == 0;
}

void cli_print_prf(const char *what, size_t gold, size_t predicted, size_t correct)
{
	double P = predicted ? 100.0 * (double)correct / (double)predicted : 0;
	double R = gold ? 100.0 * (double)correct / (double)gold : 0;
	printf("%s gold %zu predicted %zu correct %zu\nprecision %.2f\nrecall %.2f\nF1 %.2f\n", what, gold, predicted, correct, P,
	       R, P + R > 0 ? 2 * P * R / (P + R) : 0);
}

void cli_train_progress(void *ud, const char *message)
{
	(void)ud;
	fprintf(stderr, "chu train: %s\n", message);
}

int cli_stream_inputs(int nfiles, char **files, chu_piece_fn fn, int (*end)(void *ud), void *ud, const char **current)
{
	static char *const stdin_only[] = {"-"};
	if (nfiles == 0) {
		nfiles = 1;
		files = (char **)stdin_only;
	}
	char *buf = malloc(1 << 16);
	if (!buf) {
		cli_error(NULL, 0, "out of memory");
		return CLI_BAD_INPUT;
	}
	int status = CLI_OK;
	for (int i = 0; i < nfiles && status == CLI_OK; i++) {
		const char *path = files[i];
		bool is_stdin = strcmp(path, "-") == 0;
		FILE *f = is_stdin ? stdin : fopen(path, "rb");
		if (!f) {
			cli_error(path, 0, "%s", strerror(errno));
			status = CLI_BAD_INPUT;
			break;
		}
		*current = is_stdin ? "<stdin>" : path;
		chu_stream *s = NULL;
		int rc = chu_stream_new(NULL, fn, ud, &s);
		size_t k;
		while (rc == CHU_OK && (k = fread(buf, 1, 1 << 16, f)) > 0)
			rc = chu_stream_feed(s, buf, k);
		if (rc == CHU_OK && ferror(f)) {
			cli_error(*current, 0, "%s", strerror(errno));
			status = CLI_BAD_INPUT;
		}
		if (rc == CHU_OK && status == CLI_OK)
			rc = chu_stream_finish(s);
		if (rc == CHU_ECALLBACK)
			status = CLI_BAD_INPUT; /* the callback has reported it */
		else if (rc < 0) {
			cli_error(*current, 0, "%s", chu_strerror(rc));
			status = CLI_BAD_INPUT;
		}
		if (status == CLI_OK && end && end(ud) != 0)
			status = CLI_BAD_INPUT;
		chu_stream_free(s);
		if (!is_stdin)
			fclose(f);
	}
	free(buf);
	return status;
}

bool cli_parse_size(const char *arg, size_t *size)
{
	char *e;
	unsigned long long v = strtoull(arg, &e, 10);
	int shift = 0;
	if (e != arg && (*e == 'K' || *e == 'k'))
		shift = 10, e++;
	else if (e != arg && (*e == 'M' || *e == 'm'))
		shift = 20, e++;
	else if (e != arg && (*e == 'G' || *e == 'g'))
		shift = 30, e++;
	if (e == arg || *e || *arg == '-' || v == 0 || v > (SIZE_MAX >> 1 >> shift)) {
		cli_error(NULL, 0, "--max-doc-size needs a number of bytes (a K, M or G suffix for KiB, MiB, GiB), not \"%s\"",
		          arg);
		return false;
	}
	*size = (size_t)v << shift;
	return true;
}

int cli_whole_files(int nfiles, char **files, size_t max_len,
                    int (*fn)(void *ud, const char *name, const char *text, size_t len), void *ud)
{
	static char *const stdin_only[] = {"-"};
	if (nfiles == 0) {
		nfiles = 1;
		files = (char **)stdin_only;
	}
	int status = CLI_OK;
	for (int i = 0; i < nfiles; i++) {
		size_t len;
		bool too_big;
		const char *name = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];
		char *text = cli_read_file_max(files[i], max_len, &len, &too_big);
		if (too_big) {
			/* a document is never cut: this one is left out, the others are still read */
			if (max_len % (1u << 20) == 0)
				cli_error(name, 0, "larger than %zu MiB, the most read whole (raise it with --max-doc-size)",
				          max_len >> 20);
			else
				cli_error(name, 0, "larger than %zu bytes, the most read whole (raise it with --max-doc-size)", max_len);
			status = CLI_BAD_INPUT;
			continue;
		}
		if (!text)
			return CLI_BAD_INPUT;
		int rc = fn(ud, name, text, len);
		free(text);
		if (rc < 0) {
			cli_error(name, 0, "%s", chu_strerror(rc));
			return CLI_BAD_INPUT;
		}
	}
	return status;
}

bool cli_parse_long(const char *arg, const char *name, long lo, long hi, long *v)
{
	char *end;
	errno = 0;
	long x = strtol(arg, &end, 10);
	if (end == arg || *end || errno || x < lo || x > hi) {
		cli_error(NULL, 0, "%s takes a whole number from %ld to %ld, not \"%s\"", name, lo, hi, arg);
		return false;
	}
	*v = x;
	return true;
}

void cli_json_fstr(FILE *f, const char *s, size_t n)
{
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

void cli_json_str(const char *s, size_t n) { cli_json_fstr(stdout, s, n); }

/* ---- the text subcommands ---- */

typedef struct text_job {
	chu_ctx *ctx;
	const char *file;     /* name of the input being read */
	unsigned long line;   /* line number of the piece's first byte (1-based) */
	int mode;             /* 'n' norm, 's' sent, 't' tok */
	bool offsets;         /* tok --offsets */
	/* norm: the white space between what was written and the next visible text, gathered across
	 * pieces as chu_norm gathers it within a text (so a cut changes nothing) */
	bool wrote;           /* anything written yet */
	int owed_newlines;    /* line breaks (a CR LF counts once) */
	bool owed_space;      /* spaces */
	bool prev_cr;         /* the last white space character was a CR */
	/* sent/tok: the text after the last certain sentence end of a continued piece, tokenized
	 * again with the next piece (so a sentence end or a token at a cut is judged as in one text) */
	char *carry;
	size_t carry_len, carry_cap;
	uint64_t carry_offset;
	char *joined;         /* carry + piece */
	size_t joined_cap;
} text_job;

/* The most text carried into the next piece; past it a sentence or token at a cut is cut. */
#define MAX_CARRY (1u << 20)

static unsigned long count_lines(const char *p, size_t n)
{
	unsigned long k = 0;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++)
		k++;
	return k;
}

static void put_token_text(text_job *job, const char *piece, const chu_token *t)
{
	const char *out = piece + t->start;
	size_t n = t->end - t->start, i = 0;
	/* printable ASCII without white space is its own normal form: most tokens skip chu_norm_span */
	while (i < n && (unsigned char)out[i] > ' ' && (unsigned char)out[i] < 0x7F)
		i++;
	if (i < n && chu_norm_span(job->ctx, piece, t->start, t->end, &out, &n) < 0)
		return;
	if (!memchr(out, ' ', n)) {
		fwrite(out, 1, n, stdout);
		return;
	}
	for (i = 0; i < n; i++)
		putchar(out[i] == ' ' ? '_' : out[i]);
}

/* The character class of p[i..n) (k receives its length); invalid bytes are one byte long. */
static int class_at(const char *p, size_t n, size_t i, int *k)
{
	int32_t cp;
	*k = chu__utf8_decode((const unsigned char *)p + i, n - i, &cp);
	return chu__char_class(cp);
}

static bool blank_class(int c) { return c == CHU__C_SPACE || c == CHU__C_NEWLINE || c == CHU__C_IGNORE; }

/* Adds the white space of p[a..b) to what is owed, as chu_norm counts it. */
static void owe_blanks(text_job *job, const char *p, size_t a, size_t b)
{
	for (size_t i = a; i < b;) {
		int k, c = class_at(p, b, i, &k);
		if (c == CHU__C_SPACE) {
			job->owed_space = true;
		} else if (c == CHU__C_NEWLINE) {
			if (!(p[i] == '\n' && job->prev_cr))
				job->owed_newlines++;
		}
		job->prev_cr = p[i] == '\r';
		i += (size_t)k;
	}
}

/* Start of the white space (and zero-width characters) that ends p[0..n). */
static size_t blank_tail(const char *p, size_t n)
{
	size_t e = n;
	while (e > 0) {
		size_t j = e - 1;
		while (j > 0 && e - j < 4 && ((unsigned char)p[j] & 0xC0) == 0x80)
			j--;
		int k, c = class_at(p, e, j, &k);
		if (j + (size_t)k != e) /* p[e - 1] is an invalid byte of its own */
			break;
		if (!blank_class(c))
			break;
		e = j;
	}
	return e;
}

static int norm_piece(text_job *job, const char *piece, size_t len, uint64_t offset, int continued)
{
	size_t h = 0;
	while (h < len) {
		int k, c = class_at(piece, len, h, &k);
		if (!blank_class(c))
			break;
		h += (size_t)k;
	}
	owe_blanks(job, piece, 0, h);
	if (h < len) {
		size_t t = blank_tail(piece, len);
		const char *out;
		size_t n;
		int rc = chu_norm(job->ctx, piece + h, t - h, &out, &n);
		if (rc == CHU_EUTF8) {
			size_t bad = h + chu_error_offset(job->ctx);
			cli_error(job->file, job->line + count_lines(piece, bad), "invalid UTF-8 byte 0x%02X at byte offset %llu",
			          (unsigned char)piece[bad], (unsigned long long)(offset + bad));
			return 1;
		}
		if (rc < 0) {
			cli_error(job->file, job->line, "%s", chu_strerror(rc));
			return 1;
		}
		if (n) {
			if (job->wrote && job->owed_newlines)
				fwrite("\n\n", 1, job->owed_newlines > 1 ? 2 : 1, stdout);
			else if (job->wrote && job->owed_space)
				putchar(' ');
			fwrite(out, 1, n, stdout);
			job->wrote = true;
			job->owed_newlines = 0;
			job->owed_space = false;
		}
		job->prev_cr = false;
		owe_blanks(job, piece, t, len);
	}
	if (!continued && len && !(piece[len - 1] == '\n' || (piece[len - 1] == '\r' && job->prev_cr)))
		job->owed_newlines++; /* the end of a file ends its last line */
	job->line += count_lines(piece, len);
	return 0;
}

static int tok_piece(text_job *job, const char *piece, size_t len, uint64_t offset, int continued)
{
	const char *text = piece;
	uint64_t base = offset;
	size_t tn = len;
	if (job->carry_len) {
		size_t need = job->carry_len + len;
		if (need > job->joined_cap) {
			char *j = realloc(job->joined, need);
			if (!j) {
				cli_error(job->file, job->line, "out of memory");
				return 1;
			}
			job->joined = j;
			job->joined_cap = need;
		}
		memcpy(job->joined, job->carry, job->carry_len);
		memcpy(job->joined + job->carry_len, piece, len);
		text = job->joined;
		base = job->carry_offset;
		tn = need;
	}
	const chu_token *t;
	size_t n;
	int rc = chu_tokenize(job->ctx, text, tn, &t, &n);
	if (rc < 0)
		goto fail;
	/* of a continued piece, write up to the last sentence end before its last token */
	size_t upto = n, keep_from = tn;
	if (continued && n) {
		size_t e = n - 1;
		while (e > 0 && !(t[e - 1].flags & CHU_TOKEN_SENTENCE_END))
			e--;
		size_t from = e > 0 ? t[e - 1].end : 0;
		if (tn - from <= MAX_CARRY) {
			upto = e;
			keep_from = from;
		} else if (tn - t[n - 1].start <= MAX_CARRY) {
			upto = n - 1; /* a sentence too long to hold: cut it, but not its last token */
			keep_from = t[n - 1].start;
		}
	}
	for (size_t i = 0; i < upto; i++) {
		bool end = (t[i].flags & CHU_TOKEN_SENTENCE_END) || i + 1 == upto;
		if (job->offsets) {
			printf("%llu\t%llu\t%s\t", (unsigned long long)(base + t[i].start), (unsigned long long)(base + t[i].end),
			       chu_token_kind_name(t[i].kind));
			put_token_text(job, text, &t[i]);
			putchar('\n');
			if (t[i].flags & CHU_TOKEN_SENTENCE_END)
				putchar('\n');
			continue;
		}
		if (job->mode == 's') {
			/* the sentence's own text, white space folded */
			size_t j = i;
			while (j + 1 < upto && !(t[j].flags & CHU_TOKEN_SENTENCE_END))
				j++;
			const char *out;
			size_t m;
			rc = chu_norm_span(job->ctx, text, t[i].start, t[j].end, &out, &m);
			if (rc < 0)
				goto fail;
			fwrite(out, 1, m, stdout);
			putchar('\n');
			i = j;
			continue;
		}
		put_token_text(job, text, &t[i]);
		putchar(end ? '\n' : ' ');
	}
	/* keep the rest for the next piece */
	size_t rest = tn - keep_from;
	if (rest > job->carry_cap) {
		char *c = realloc(job->carry, rest);
		if (!c) {
			cli_error(job->file, job->line, "out of memory");
			return 1;
		}
		job->carry = c;
		job->carry_cap = rest;
	}
	if (rest)
		memmove(job->carry, text + keep_from, rest);
	job->carry_len = rest;
	job->carry_offset = base + keep_from;
	job->line += count_lines(piece, len);
	return 0;
fail:
	cli_error(job->file, job->line, "%s", chu_strerror(rc));
	return 1;
}

static int text_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	text_job *job = ud;
	int r = job->mode == 'n' ? norm_piece(job, piece, len, offset, continued)
	                         : tok_piece(job, piece, len, offset, continued);
	return r ? r : ferror(stdout) ? 1 : 0; /* output that fails stops the reading */
}

static int norm_whole(void *ud, const char *name, const char *text, size_t len)
{
	(void)name;
	const char *out;
	size_t n;
	int rc = chu_norm(ud, text, len, &out, &n);
	if (rc >= 0)
		fwrite(out, 1, n, stdout);
	if (rc >= 0 && n && out[n - 1] != '\n')
		putchar('\n'); /* as the streaming form ends its last line */
	return rc;
}

static void usage_text(const char *sub, FILE *f)
{
	if (strcmp(sub, "norm") == 0)
		fputs("usage: chu norm [--tone=new|old] [--from=utf8|tcvn3|vni|viqr|auto] [--strict] [--max-doc-size N]\n"
		      "                [FILE…]\n"
		      "Normalizes Vietnamese text: invalid UTF-8 to U+FFFD (--strict: an error naming the byte\n"
		      "offset), NFC, zero-width and control characters removed, white space folded, one tone-mark\n"
		      "placement (default --tone=new: hoà, khoẻ, thuỷ; --tone=old: hòa, khỏe, thủy), legacy\n"
		      "encodings converted (--from). UTF-8 input is read as a stream, in bounded memory; a legacy\n"
		      "encoding is converted a whole file at a time, and a file of more than --max-doc-size bytes\n"
		      "(default 64M; K, M, G suffixes) is an error, the other files are still converted.\n",
		      f);
	else if (strcmp(sub, "clean") == 0)
		fputs("usage: chu clean [--explain] [--max-doc-size N] [FILE…]\n"
		      "Cleans scraped articles: drops navigation, login, image-name and lone-link lines, takes a\n"
		      "leading URL line as metadata, removes photo credits and restores the space in glued\n"
		      "sentences. --explain prints what was changed and why instead of the text. Each file is an\n"
		      "article, read whole: one of more than --max-doc-size bytes (default 64M; K, M, G suffixes)\n"
		      "is an error and is left out, never cut; the other files are still cleaned.\n",
		      f);
	else if (strcmp(sub, "sent") == 0)
		fputs("usage: chu sent [FILE…]\nPrints one sentence per line.\n", f);
	else if (strcmp(sub, "tok") == 0)
		fputs("usage: chu tok [--offsets] [FILE…]\n"
		      "Prints tokens separated by one space, one sentence per line (white space inside a money or\n"
		      "range token is written '_'). --offsets prints one token a line: START END KIND TEXT, byte\n"
		      "offsets into the input, and a blank line after each sentence.\n",
		      f);
}

static void usage_main(FILE *f)
{
	fputs("usage: chu [--version] [--help] COMMAND [ARGS]\n\n"
	      "Commands (each reads the named files, or standard input, and writes standard output):\n"
	      "  norm      normalize text (NFC, tone marks, legacy encodings, white space)\n"
	      "  clean     clean scraped articles (boilerplate lines, photo credits, glued sentences)\n"
	      "  sent      one sentence per line\n"
	      "  tok       tokens, with kinds and byte offsets\n"
	      "  seg       word segmentation (syllables of a word joined by '_')\n"
	      "  pos       parts of speech (word/TAG)\n"
	      "  ner       named entities (word<TAB>BIO-tag)\n"
	      "  accent    restore diacritics of text typed without them\n"
	      "  annotate  clean, split and segment articles: text or JSON lines with byte offsets\n"
	      "  index     add articles to a search index (SQLite FTS5)\n"
	      "  search    search an index: ranked hits with highlighted snippets\n"
	      "  serve     the search page and a JSON API over an index (HTTP)\n"
	      "  train     train a model (chu train seg|pos|ner|accent --help)\n"
	      "  eval      evaluate (chu eval seg|pos|ner GOLD PRED)\n\n"
	      "Run 'chu COMMAND --help' for a command's options. Exit status: 0 ok, 1 bad input, 2 usage.\n",
	      f);
}

static int parse_tone(const char *v, chu_options *o)
{
	if (strcmp(v, "new") == 0)
		o->tone = CHU_TONE_NEW;
	else if (strcmp(v, "old") == 0)
		o->tone = CHU_TONE_OLD;
	else
		return -1;
	return 0;
}

static int parse_from(const char *v, chu_options *o)
{
	static const char *const names[] = {"utf8", "tcvn3", "vni", "viqr", "auto"};
	for (int i = 0; i < 5; i++)
		if (strcmp(v, names[i]) == 0) {
			o->from = (chu_encoding)i;
			return 0;
		}
	if (strcmp(v, "utf-8") == 0) {
		o->from = CHU_ENC_UTF8;
		return 0;
	}
	return -1;
}

static int cmd_text(int argc, char **argv, int mode)
{
	static const struct option longopts[] = {{"tone", required_argument, NULL, 't'},
	                                          {"from", required_argument, NULL, 'f'},
	                                          {"strict", no_argument, NULL, 's'},
	                                          {"offsets", no_argument, NULL, 'o'},
	                                          {"max-doc-size", required_argument, NULL, 'M'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	chu_options o;
	chu_options_init(&o);
	text_job job = {0};
	job.mode = mode;
	size_t max_doc = CLI_MAX_DOC_SIZE;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_tone(optarg, &o) < 0) {
				cli_error(NULL, 0, "--tone takes new or old, not '%s'", optarg);
				return CLI_USAGE;
			}
			break;
		case 'f':
			if (mode != 'n' || parse_from(optarg, &o) < 0) {
				cli_error(NULL, 0, "--from takes utf8, tcvn3, vni, viqr or auto (chu norm only)");
				return CLI_USAGE;
			}
			break;
		case 's':
			o.strict = 1;
			break;
		case 'o':
			if (mode != 't') {
				cli_error(NULL, 0, "--offsets is an option of chu tok");
				return CLI_USAGE;
			}
			job.offsets = true;
			break;
		case 'M':
			if (mode != 'n') {
				cli_error(NULL, 0, "--max-doc-size is an option of chu norm");
				return CLI_USAGE;
			}
			if (!cli_parse_size(optarg, &max_doc))
				return CLI_USAGE;
			break;
		case 'h':
			usage_text(argv[0], stdout);
			return CLI_OK;
		default:
			usage_text(argv[0], stderr);
			return CLI_USAGE;
		}
	}
	int rc = chu_ctx_new(&o, &job.ctx);
	if (rc < 0) {
		cli_error(NULL, 0, "%s", chu_strerror(rc));
		return CLI_BAD_INPUT;
	}
	job.line = 1;
	int status;
	if (o.from != CHU_ENC_UTF8) {
		/* legacy encodings are converted whole: a line may not be UTF-8 and can't be cut safely */
		status = cli_whole_files(argc - optind, argv + optind, max_doc, norm_whole, job.ctx);
	} else {
		status = cli_stream_inputs(argc - optind, argv + optind, text_piece, NULL, &job, &job.file);
		if (mode == 'n' && job.wrote && job.owed_newlines)
			putchar('\n');
	}
	free(job.carry);
	free(job.joined);
	chu_ctx_free(job.ctx);
	if (fflush(stdout) != 0) {
		cli_error(NULL, 0, "writing output: %s", strerror(errno));
		return CLI_BAD_INPUT;
	}
	return status;
}

static const char *action_name(chu_clean_action a)
{
	switch (a) {
	case CHU_CLEAN_DROP_LINE: return "drop-line";
	case CHU_CLEAN_METADATA: return "metadata";
	case CHU_CLEAN_DROP_SPAN: return "drop-span";
	case CHU_CLEAN_SPACE: return "insert-space";
	default: return "?";
	}
}

typedef struct clean_job {
	chu_ctx *ctx;
	bool explain;
} clean_job;

/* Prints s[0, n) with the characters one cannot see written as \u{XXXX}: a line of no-break
 * spaces or zero-width characters is shown as what it is, not as "" or " ". An invalid byte is
 * \xNN. */
static void print_visible(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)s + i, n - i, &cp);
		int cls = chu__char_class(cp);
		if (cp < 0)
			printf("\\x%02X", (unsigned char)s[i]);
		else if (cp != ' ' && cp != '\t' && (cls == CHU__C_SPACE || cls == CHU__C_NEWLINE || cls == CHU__C_IGNORE))
			printf("\\u{%04X}", (unsigned)cp);
		else
			fwrite(s + i, 1, (size_t)k, stdout);
		i += (size_t)(k > 0 ? k : 1);
	}
}

/* The text of a change, quoted. */
static void put_shown(const char *s, size_t n)
{
	putchar('"');
	print_visible(s, n);
	putchar('"');
}

static int clean_one(void *ud, const char *name, const char *text, size_t len)
{
	clean_job *cj = ud;
	const char *out;
	size_t n, nch;
	const chu_clean_change *ch;
	int rc = chu_clean(cj->ctx, text, len, &out, &n, &ch, &nch);
	if (rc < 0)
		return rc;
	if (!cj->explain) {
		fwrite(out, 1, n, stdout);
		return CHU_OK;
	}
	for (size_t k = 0; k < nch; k++) {
		unsigned long line = 1 + count_lines(text, ch[k].start);
		size_t bol = ch[k].start;
		while (bol > 0 && text[bol - 1] != '\n')
			bol--;
		printf("%s:%lu:%zu: %s: %s: ", name, line, ch[k].start - bol + 1, action_name(ch[k].action), ch[k].reason);
		if (ch[k].action == CHU_CLEAN_SPACE) {
			/* an insertion changes no bytes: show the words either side, then and now (not the
			 * bytes an earlier change removed: "(Ảnh: TTXVN).Hôm" shows ".Hôm") */
			size_t lo = bol, a = ch[k].start, b = ch[k].start;
			if (k > 0 && ch[k - 1].end <= ch[k].start && ch[k - 1].end > lo)
				lo = ch[k - 1].end;
			while (a > lo && text[a - 1] != ' ' && text[a - 1] != '\t' && ch[k].start - a < 40)
				a--;
			while (b < len && text[b] != ' ' && text[b] != '\n' && text[b] != '\r' && b - ch[k].start < 40)
				b++;
			while (a < ch[k].start && ((unsigned char)text[a] & 0xC0) == 0x80) /* not inside a character */
				a++;
			while (b > ch[k].start && b < len && ((unsigned char)text[b] & 0xC0) == 0x80)
				b--;
			put_shown(text + a, b - a);
			fputs(" -> ", stdout);
			putchar('"');
			print_visible(text + a, ch[k].start - a);
			putchar(' ');
			print_visible(text + ch[k].start, b - ch[k].start);
			fputs("\"\n", stdout);
			continue;
		}
		size_t e = ch[k].end;
		while (e > ch[k].start && (text[e - 1] == '\n' || text[e - 1] == '\r'))
			e--;
		put_shown(text + ch[k].start, e - ch[k].start);
		putchar('\n');
	}
	return CHU_OK;
}

static int cmd_clean(int argc, char **argv)
{
	static const struct option longopts[] = {{"explain", no_argument, NULL, 'e'},
	                                          {"max-doc-size", required_argument, NULL, 'M'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	bool explain = false;
	size_t max_doc = CLI_MAX_DOC_SIZE;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'e')
			explain = true;
		else if (c == 'M') {
			if (!cli_parse_size(optarg, &max_doc))
				return CLI_USAGE;
		} else if (c == 'h') {
			usage_text("clean", stdout);
			return CLI_OK;
		} else {
			usage_text("clean", stderr);
			return CLI_USAGE;
		}
	}
	chu_ctx *ctx;
	int rc = chu_ctx_new(NULL, &ctx);
	if (rc < 0) {
		cli_error(NULL, 0, "%s", chu_strerror(rc));
		return CLI_BAD_INPUT;
	}
	clean_job cj = {ctx, explain};
	int status = cli_whole_files(argc - optind, argv + optind, max_doc, clean_one, &cj);
	chu_ctx_free(ctx);
	fflush(stdout);
	return status;
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	if (argc < 2) {
		usage_main(stderr);
		return CLI_USAGE;
	}
	const char *sub = argv[1];
	int sargc = argc - 1;
	char **sargv = argv + 1;
	bool tagger = sargc >= 2 && (strcmp(sargv[1], "pos") == 0 || strcmp(sargv[1], "ner") == 0 ||
	                             strcmp(sargv[1], "accent") == 0 || strcmp(sargv[1], "clusters") == 0);
	int status;
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		usage_main(stdout);
		status = CLI_OK;
	} else if (strcmp(sub, "--version") == 0 || strcmp(sub, "-V") == 0) {
		printf("chu %s\n", chu_version());
		status = CLI_OK;
	} else if (strcmp(sub, "norm") == 0)
		status = cmd_text(sargc, sargv, 'n');
	else if (strcmp(sub, "sent") == 0)
		status = cmd_text(sargc, sargv, 's');
	else if (strcmp(sub, "tok") == 0)
		status = cmd_text(sargc, sargv, 't');
	else if (strcmp(sub, "clean") == 0)
		status = cmd_clean(sargc, sargv);
	else if (strcmp(sub, "annotate") == 0)
		status = cli_annotate(sargc, sargv);
	else if (strcmp(sub, "index") == 0)
		status = cli_index(sargc, sargv);
	else if (strcmp(sub, "search") == 0)
		status = cli_search(sargc, sargv);
	else if (strcmp(sub, "serve") == 0)
		status = cli_serve(sargc, sargv);
	else if (strcmp(sub, "train") == 0 && tagger)
		status = cli_train_tag(sargc - 1, sargv + 1);
	else {
		int (*fn)(int, char **) = NULL;
		if (strcmp(sub, "seg") == 0)
			fn = cli_seg;
		else if (strcmp(sub, "pos") == 0 || strcmp(sub, "ner") == 0)
			fn = cli_tag;
		else if (strcmp(sub, "accent") == 0)
			fn = cli_accent;
		else if (strcmp(sub, "train") == 0)
			fn = cli_train;
		else if (strcmp(sub, "eval") == 0 && tagger && strcmp(sargv[1], "accent") != 0 &&
		         strcmp(sargv[1], "clusters") != 0)
			fn = cli_eval_tag;
		else if (strcmp(sub, "eval") == 0)
			fn = cli_eval;
		if (!fn) {
			cli_error(NULL, 0, "unknown command '%s' (see chu --help)", sub);
			return CLI_USAGE;
		}
		status = fn(sargc, sargv);
	}
	/* Output that did not reach its destination (a full disk, a pipe whose reader left while
	 * SIGPIPE is ignored, a closed descriptor) is an error whatever the subcommand returned: the
	 * exit status is never 0 then. glibc drops the buffer after a failed write, so a later fflush
	 * succeeds; errno is then the only trace of the cause, named when it is a write's error. */
	int err = errno;
	if (fflush(stdout) != 0)
		err = errno;
	else if (!ferror(stdout))
		return status;
	bool write_errno = err == ENOSPC || err == EPIPE || err == EIO || err == EBADF || err == EFBIG || err == EDQUOT ||
	                   err == ENXIO || err == EROFS;
	cli_error(NULL, 0, "write error: %s", write_errno ? strerror(err) : "standard output is incomplete");
	return status != CLI_OK ? status : CLI_BAD_INPUT;
}
