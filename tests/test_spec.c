/*
 * test_spec.c — runs the readable examples in tests/spec/ (*.txt) against the library and against
 * the `chu` command ($CHU). An example is
 *
 *     >>> SUBCOMMAND [OPTIONS]
 *     input lines
 *     <<<
 *     expected output lines
 *     ===
 *
 * Lines outside examples are prose. Inside an example, \xHH is a raw byte, \u{HHHH} a code
 * point, \t a tab and \\ a backslash. Input and expected output are their lines joined by LF
 * with a final LF.
 */
#include "harness.h"
#include "internal.h"

#include <dirent.h>
#include <stdbool.h>
#include <unistd.h>

typedef struct example {
	char file[1024];
	int line;       /* line of the >>> header */
	char args[256]; /* "norm --tone=old" */
	chu__buf input, expected;
} example;

static int hexval(int c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1; }

/* Appends a spec line with its escapes resolved, then a LF. */
static void put_unescaped(int *rc, chu__buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[i + 1];
			if (c == '\\') { chu__buf_putc(rc, b, '\\'); i++; continue; }
			if (c == 't') { chu__buf_putc(rc, b, '\t'); i++; continue; }
			if (c == 'r') { chu__buf_putc(rc, b, '\r'); i++; continue; }
			if (c == 'x' && i + 3 < n + 0 && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
				chu__buf_putc(rc, b, (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3])));
				i += 3;
				continue;
			}
			if (c == 'u' && i + 2 < n && s[i + 2] == '{') {
				size_t j = i + 3;
				int32_t cp = 0;
				while (j < n && hexval(s[j]) >= 0)
					cp = cp * 16 + hexval(s[j++]);
				if (j < n && s[j] == '}') {
					chu__buf_put_cp(rc, b, cp);
					i = j;
					continue;
				}
			}
		}
		chu__buf_putc(rc, b, s[i]);
	}
	chu__buf_putc(rc, b, '\n');
}

/* ---- the library side: what each subcommand prints, computed through chu.h ---- */

static int lib_run(const example *ex, chu__buf *out)
{
	char args[256];
	snprintf(args, sizeof args, "%s", ex->args);
	char *argv[16];
	int argc = 0;
	for (char *tok = strtok(args, " "); tok && argc < 15; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	if (argc == 0)
		return -1;
	chu_options o;
	chu_options_init(&o);
	bool offsets = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tone=old") == 0) o.tone = CHU_TONE_OLD;
		else if (strcmp(argv[i], "--tone=new") == 0) o.tone = CHU_TONE_NEW;
		else if (strcmp(argv[i], "--from=tcvn3") == 0) o.from = CHU_ENC_TCVN3;
		else if (strcmp(argv[i], "--from=vni") == 0) o.from = CHU_ENC_VNI;
		else if (strcmp(argv[i], "--from=viqr") == 0) o.from = CHU_ENC_VIQR;
		else if (strcmp(argv[i], "--from=auto") == 0) o.from = CHU_ENC_AUTO;
		else if (strcmp(argv[i], "--strict") == 0) o.strict = 1;
		else if (strcmp(argv[i], "--offsets") == 0) offsets = true;
		else return -1; /* not a library-level option: CLI only */
	}
	chu_ctx *ctx;
	if (chu_ctx_new(&o, &ctx) < 0)
		return -1;
	int rc = CHU_OK;
	const char *text = ex->input.data;
	size_t len = ex->input.len;
	const char *res;
	size_t n;
	if (strcmp(argv[0], "norm") == 0) {
		rc = chu_norm(ctx, text, len, &res, &n);
		if (rc >= 0)
			chu__buf_put(&rc, out, res, n);
	} else if (strcmp(argv[0], "clean") == 0) {
		const chu_clean_change *ch;
		size_t nch;
		rc = chu_clean(ctx, text, len, &res, &n, &ch, &nch);
		if (rc >= 0)
			chu__buf_put(&rc, out, res, n);
	} else if (strcmp(argv[0], "sent") == 0) {
		const chu_span *sp;
		size_t ns;
		rc = chu_sentences(ctx, text, len, &sp, &ns);
		for (size_t i = 0; i < ns && rc >= 0; i++) {
			/* sp is borrowed from the sentences buffer; chu_norm_span uses another */
			rc = chu_norm_span(ctx, text, sp[i].start, sp[i].end, &res, &n);
			chu__buf_put(&rc, out, res, n);
			chu__buf_putc(&rc, out, '\n');
		}
	} else if (strcmp(argv[0], "tok") == 0) {
		const chu_token *t;
		size_t nt;
		rc = chu_tokenize(ctx, text, len, &t, &nt);
		bool open = false;
		for (size_t i = 0; i < nt && rc >= 0; i++) {
			if (offsets) {
				char head[96];
				snprintf(head, sizeof head, "%zu\t%zu\t%s\t", t[i].start, t[i].end, chu_token_kind_name(t[i].kind));
				chu__buf_put(&rc, out, head, strlen(head));
			} else if (open) {
				chu__buf_putc(&rc, out, ' ');
			}
			rc = rc < 0 ? rc : chu_norm_span(ctx, text, t[i].start, t[i].end, &res, &n);
			for (size_t k = 0; k < n && rc >= 0; k++)
				chu__buf_putc(&rc, out, res[k] == ' ' ? '_' : res[k]);
			bool end = t[i].flags & CHU_TOKEN_SENTENCE_END;
			if (offsets)
				chu__buf_put(&rc, out, end ? "\n\n" : "\n", end ? 2 : 1);
			else if (end)
				chu__buf_putc(&rc, out, '\n');
			open = !end;
		}
	} else {
		rc = -1; /* seg and others: covered by the CLI run and their own tests */
	}
	chu_ctx_free(ctx);
	return rc;
}

/* ---- the command side ---- */

static int cli_run(const example *ex, chu__buf *out)
{
	const char *chu = getenv("CHU");
	if (!chu)
		chu = "build/chu";
	char in[] = "/tmp/chu-spec-in-XXXXXX";
	int fd = mkstemp(in);
	if (fd < 0)
		return -1;
	if (write(fd, ex->input.data, ex->input.len) != (ssize_t)ex->input.len) {
		close(fd);
		return -1;
	}
	close(fd);
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s %s %s 2>/dev/null", chu, ex->args, in);
	FILE *p = popen(cmd, "r");
	int rc = CHU_OK;
	if (p) {
		char buf[4096];
		size_t k;
		while ((k = fread(buf, 1, sizeof buf, p)) > 0)
			chu__buf_put(&rc, out, buf, k);
		pclose(p);
	}
	unlink(in);
	chu__buf_reserve(&rc, out, 0);
	return p ? rc : -1;
}

static void show_diff(const example *ex, const char *who, const chu__buf *got)
{
	fprintf(stderr, "FAIL %s:%d (%s, %s)\n--- want\n%s--- got\n%s---\n", ex->file, ex->line, ex->args, who,
	        ex->expected.data ? ex->expected.data : "", got->data ? got->data : "");
}

static void run_example(example *ex, int *n_lib)
{
	chu__buf got;
	chu__buf_init(&got, &chu__default_allocator);
	int rc = lib_run(ex, &got);
	if (rc != -1) {
		(*n_lib)++;
		bool ok = rc >= 0 && got.len == ex->expected.len && memcmp(got.data, ex->expected.data, got.len) == 0;
		if (ok)
			harness_passed++;
		else {
			harness_failed++;
			show_diff(ex, "library", &got);
		}
	}
	got.len = 0;
	rc = cli_run(ex, &got);
	bool ok = rc >= 0 && got.len == ex->expected.len && (got.len == 0 || memcmp(got.data, ex->expected.data, got.len) == 0);
	if (ok)
		harness_passed++;
	else {
		harness_failed++;
		show_diff(ex, "command", &got);
	}
	chu__buf_free(&got);
}

static void run_file(const char *path, int *n_examples, int *n_lib)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		CHECK(0, "cannot open %s", path);
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t k;
	int lineno = 0, state = 0; /* 0 prose, 1 input, 2 expected */
	int rc = CHU_OK;
	example ex;
	memset(&ex, 0, sizeof ex);
	chu__buf_init(&ex.input, &chu__default_allocator);
	chu__buf_init(&ex.expected, &chu__default_allocator);
	while ((k = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (k && line[k - 1] == '\n')
			line[--k] = '\0';
		if (state == 0 && strncmp(line, ">>> ", 4) == 0) {
			snprintf(ex.file, sizeof ex.file, "%s", path);
			snprintf(ex.args, sizeof ex.args, "%s", line + 4);
			ex.line = lineno;
			ex.input.len = ex.expected.len = 0;
			chu__buf_reserve(&rc, &ex.input, 0);
			chu__buf_reserve(&rc, &ex.expected, 0);
			state = 1;
		} else if (state == 1 && strcmp(line, "<<<") == 0) {
			state = 2;
		} else if (state == 2 && strcmp(line, "===") == 0) {
			run_example(&ex, n_lib);
			(*n_examples)++;
			state = 0;
		} else if (state == 1) {
			put_unescaped(&rc, &ex.input, line, (size_t)k);
		} else if (state == 2) {
			put_unescaped(&rc, &ex.expected, line, (size_t)k);
		}
	}
	CHECK(state == 0, "%s: unterminated example at the end", path);
	free(line);
	fclose(f);
	chu__buf_free(&ex.input);
	chu__buf_free(&ex.expected);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/spec";
	DIR *d = opendir(dir);
	if (!d) {
		CHECK(0, "cannot open %s", dir);
		return harness_done();
	}
	struct dirent *e;
	static char names[64][512];
	int nn = 0;
	while ((e = readdir(d)) != NULL && nn < 64) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".txt") == 0)
			snprintf(names[nn++], sizeof names[0], "%.200s/%.200s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)nn, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	int n_examples = 0, n_lib = 0;
	for (int i = 0; i < nn; i++)
		run_file(names[i], &n_examples, &n_lib);
	printf("%d spec examples in %d files (%d also through the library)\n", n_examples, nn, n_lib);
	return harness_done();
}
