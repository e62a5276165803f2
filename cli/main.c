/*
 * main.c — the `chu` command: subcommand dispatch, the text subcommands (norm, clean, sent, tok)
 * and the I/O helpers the other subcommands share. No language rule lives here.
 */
#include "cli.h"

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

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		cli_error(path, 0, "%s", strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
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
	buf[n] = '\0';
	*len = n;
	return buf;
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

int cli_stream_inputs(int nfiles, char **files, chu_piece_fn fn, void *ud, const char **current)
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
		chu_stream_free(s);
		if (!is_stdin)
			fclose(f);
	}
	free(buf);
	return status;
}

int cli_whole_files(int nfiles, char **files, int (*fn)(void *ud, const char *name, const char *text, size_t len), void *ud)
{
	static char *const stdin_only[] = {"-"};
	if (nfiles == 0) {
		nfiles = 1;
		files = (char **)stdin_only;
	}
	for (int i = 0; i < nfiles; i++) {
		size_t len;
		char *text = cli_read_file(files[i], &len);
		if (!text)
			return CLI_BAD_INPUT;
		const char *name = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];
		int rc = fn(ud, name, text, len);
		free(text);
		if (rc < 0) {
			cli_error(name, 0, "%s", chu_strerror(rc));
			return CLI_BAD_INPUT;
		}
	}
	return CLI_OK;
}

void cli_json_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* ---- the text subcommands ---- */

typedef struct text_job {
	chu_ctx *ctx;
	const char *file;     /* name of the input being read */
	unsigned long line;   /* line number of the piece's first byte (1-based) */
	int mode;             /* 'n' norm, 's' sent, 't' tok */
	bool offsets;         /* tok --offsets */
	bool wrote;           /* norm: anything written yet */
	int blank;            /* norm: blank lines seen since the last text */
	bool open_sentence;   /* sent/tok: a sentence is being printed */
} text_job;

static unsigned long count_lines(const char *p, size_t n)
{
	unsigned long k = 0;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++)
		k++;
	return k;
}

static void put_token_text(text_job *job, const char *piece, const chu_token *t)
{
	const char *out;
	size_t n;
	if (chu_norm_span(job->ctx, piece, t->start, t->end, &out, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		putchar(out[i] == ' ' ? '_' : out[i]);
}

static int text_piece(void *ud, const char *piece, size_t len, uint64_t offset, int continued)
{
	text_job *job = ud;
	int rc = CHU_OK;
	if (job->mode == 'n') {
		const char *out;
		size_t n;
		rc = chu_norm(job->ctx, piece, len, &out, &n);
		if (rc == CHU_EUTF8) {
			size_t bad = chu_error_offset(job->ctx);
			cli_error(job->file, job->line + count_lines(piece, bad),
			          "invalid UTF-8 byte 0x%02X at byte offset %llu", (unsigned char)piece[bad],
			          (unsigned long long)(offset + bad));
			return 1;
		}
		if (rc < 0)
			goto fail;
		while (n && out[n - 1] == '\n')
			n--;
		if (n == 0) {
			if (!continued)
				job->blank++;
		} else {
			if (job->blank && job->wrote)
				putchar('\n');
			job->blank = 0;
			fwrite(out, 1, n, stdout);
			bool space_end = piece[len - 1] == ' ' || piece[len - 1] == '\t';
			if (continued) {
				if (space_end)
					putchar(' ');
			} else {
				putchar('\n');
			}
			job->wrote = true;
		}
	} else {
		const chu_token *t;
		size_t n;
		rc = chu_tokenize(job->ctx, piece, len, &t, &n);
		if (rc < 0)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			bool end = (t[i].flags & CHU_TOKEN_SENTENCE_END) && !(continued && i == n - 1);
			if (job->offsets) {
				printf("%llu\t%llu\t%s\t", (unsigned long long)(offset + t[i].start),
				       (unsigned long long)(offset + t[i].end), chu_token_kind_name(t[i].kind));
				put_token_text(job, piece, &t[i]);
				putchar('\n');
				if (end)
					putchar('\n');
				continue;
			}
			if (job->open_sentence)
				putchar(' ');
			if (job->mode == 's') {
				/* the sentence's own text, white space folded */
				size_t j = i;
				while (j + 1 < n && !((t[j].flags & CHU_TOKEN_SENTENCE_END) && !(continued && j == n - 1)))
					j++;
				const char *out;
				size_t m;
				rc = chu_norm_span(job->ctx, piece, t[i].start, t[j].end, &out, &m);
				if (rc < 0)
					goto fail;
				fwrite(out, 1, m, stdout);
				end = (t[j].flags & CHU_TOKEN_SENTENCE_END) && !(continued && j == n - 1);
				i = j;
			} else {
				put_token_text(job, piece, &t[i]);
			}
			job->open_sentence = !end;
			if (end)
				putchar('\n');
		}
	}
	job->line += count_lines(piece, len);
	return 0;
fail:
	cli_error(job->file, job->line, "%s", chu_strerror(rc));
	return 1;
}

static int norm_whole(void *ud, const char *name, const char *text, size_t len)
{
	(void)name;
	const char *out;
	size_t n;
	int rc = chu_norm(ud, text, len, &out, &n);
	if (rc >= 0)
		fwrite(out, 1, n, stdout);
	return rc;
}

static void usage_text(const char *sub, FILE *f)
{
	if (strcmp(sub, "norm") == 0)
		fputs("usage: chu norm [--tone=new|old] [--from=utf8|tcvn3|vni|viqr|auto] [--strict] [FILE…]\n"
		      "Normalizes Vietnamese text: invalid UTF-8 to U+FFFD (--strict: an error naming the byte\n"
		      "offset), NFC, zero-width and control characters removed, white space folded, one tone-mark\n"
		      "placement (default --tone=new: hòa, khỏe, thủy; --tone=old: hoà, khoẻ, thuỷ), legacy\n"
		      "encodings converted (--from).\n",
		      f);
	else if (strcmp(sub, "clean") == 0)
		fputs("usage: chu clean [--explain] [FILE…]\n"
		      "Cleans scraped articles: drops navigation, login, image-name and lone-link lines, takes a\n"
		      "leading URL line as metadata, removes photo credits and restores the space in glued\n"
		      "sentences. --explain prints what was changed and why instead of the text.\n",
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
	      "  annotate  clean, split and segment articles: text or JSON lines with byte offsets\n"
	      "  index     add articles to a search index (SQLite FTS5)\n"
	      "  search    search an index: ranked hits with highlighted snippets\n"
	      "  train     train a model (chu train seg --help)\n"
	      "  eval      evaluate a segmentation (chu eval seg GOLD PRED)\n\n"
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
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	chu_options o;
	chu_options_init(&o);
	text_job job = {0};
	job.mode = mode;
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
		status = cli_whole_files(argc - optind, argv + optind, norm_whole, job.ctx);
	} else {
		status = cli_stream_inputs(argc - optind, argv + optind, text_piece, &job, &job.file);
		if (job.open_sentence)
			putchar('\n');
	}
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
		size_t e = ch[k].end;
		while (e > ch[k].start && (text[e - 1] == '\n' || text[e - 1] == '\r'))
			e--;
		printf("%s:%lu:%zu: %s: %s: \"%.*s\"\n", name, line, ch[k].start - bol + 1, action_name(ch[k].action), ch[k].reason,
		       (int)(e - ch[k].start), text + ch[k].start);
	}
	return CHU_OK;
}

static int cmd_clean(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"explain", no_argument, NULL, 'e'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool explain = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'e')
			explain = true;
		else if (c == 'h') {
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
	int status = cli_whole_files(argc - optind, argv + optind, clean_one, &cj);
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
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		usage_main(stdout);
		return CLI_OK;
	}
	if (strcmp(sub, "--version") == 0 || strcmp(sub, "-V") == 0) {
		printf("chu %s\n", chu_version());
		return CLI_OK;
	}
	int sargc = argc - 1;
	char **sargv = argv + 1;
	if (strcmp(sub, "norm") == 0)
		return cmd_text(sargc, sargv, 'n');
	if (strcmp(sub, "sent") == 0)
		return cmd_text(sargc, sargv, 's');
	if (strcmp(sub, "tok") == 0)
		return cmd_text(sargc, sargv, 't');
	if (strcmp(sub, "clean") == 0)
		return cmd_clean(sargc, sargv);
	if (strcmp(sub, "annotate") == 0)
		return cli_annotate(sargc, sargv);
	if (strcmp(sub, "index") == 0)
		return cli_index(sargc, sargv);
	if (strcmp(sub, "search") == 0)
		return cli_search(sargc, sargv);
	int (*fn)(int, char **) = NULL;
	if (strcmp(sub, "seg") == 0)
		fn = cli_seg;
	else if (strcmp(sub, "train") == 0)
		fn = cli_train;
	else if (strcmp(sub, "eval") == 0)
		fn = cli_eval;
	if (fn)
		return fn(sargc, sargv);
	cli_error(NULL, 0, "unknown command '%s' (see chu --help)", sub);
	return CLI_USAGE;
}
