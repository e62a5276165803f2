/*
 * test_annotate.c — chu_annotate (chu.h §9) against `chu annotate`: the library call on a whole
 * document must give the sentences, words, parts of speech and entities that the command's
 * streaming reader prints, read back from its CoNLL-U (one word a line, NER= and Offset= in MISC);
 * and chu_annotation_jsonl must write the bytes of its --format=jsonl.
 * Runs on the seed articles, the examples and texts written here; $CHU names the command.
 */
#include "chu.h"
#include "harness.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One word as either side sees it. */
typedef struct wordrec {
	size_t start, end;
	char pos[8];
	char ner[12]; /* "B-PER", or "" */
	int sentence;
} wordrec;

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *s = malloc(cap);
	for (size_t k; s && (k = fread(s + n, 1, cap - n - 1, f)) > 0;) {
		n += k;
		if (cap - n < 2) {
			char *t = realloc(s, cap *= 2);
			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
	}
	if (s)
		s[n] = '\0';
	*len = n;
	return s;
}

/* The words of `chu annotate --format=conllu path`, in order; *n of them. */
static wordrec *cli_words(const char *chu, const char *path, size_t *n)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s annotate --format=conllu '%s'", chu, path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t len;
	char *out = read_all(p, &len);
	int status = pclose(p);
	if (!out || status != 0) {
		free(out);
		return NULL;
	}
	size_t cap = 1024, k = 0;
	wordrec *w = malloc(cap * sizeof *w);
	int sentence = 0;
	for (char *line = out, *next; w && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line) {
			sentence++;
			continue;
		}
		if (*line == '#')
			continue;
		char *col[10];
		int c = 0;
		for (char *f = line; c < 10 && f; c++) {
			col[c] = f;
			f = strchr(f, '\t');
			if (f)
				*f++ = '\0';
		}
		if (c < 10)
			continue;
		if (k == cap) {
			wordrec *t = realloc(w, (cap *= 2) * sizeof *w);
			if (!t)
				break;
			w = t;
		}
		wordrec r = {0, 0, "", "", sentence};
		snprintf(r.pos, sizeof r.pos, "%s", col[4]);
		const char *ner = strstr(col[9], "NER=");
		if (ner) {
			size_t m = strcspn(ner + 4, "|");
			snprintf(r.ner, sizeof r.ner, "%.*s", (int)m, ner + 4);
		}
		const char *off = strstr(col[9], "Offset=");
		if (off)
			sscanf(off + 7, "%zu:%zu", &r.start, &r.end);
		w[k++] = r;
	}
	free(out);
	*n = k;
	return w;
}

/* The same words from chu_annotate. */
static wordrec *lib_words(chu_ctx *ctx, const chu_annotate_options *o, const char *text, size_t len, size_t *n)
{
	chu_annotation a;
	if (chu_annotate(ctx, o, text, len, &a) < 0)
		return NULL;
	wordrec *w = calloc(a.n_words + 1, sizeof *w);
	for (size_t s = 0; w && s < a.n_sentences; s++) {
		const chu_annotated_sentence *S = &a.sentences[s];
		for (size_t i = S->first_word; i < S->first_word + S->n_words; i++) {
			w[i].start = a.words[i].start;
			w[i].end = a.words[i].end;
			snprintf(w[i].pos, sizeof w[i].pos, "%s", a.words[i].pos ? a.words[i].pos : "_");
			w[i].sentence = (int)s;
		}
		for (size_t e = S->first_entity; e < S->first_entity + S->n_entities; e++)
			for (uint32_t i = 0; i < a.entities[e].n_words; i++)
				snprintf(w[a.entities[e].first + i].ner, sizeof w[0].ner, "%c-%s", i ? 'I' : 'B', a.entities[e].type);
	}
	*n = a.n_words;
	return w;
}

/* chu_annotation_jsonl against `chu annotate --format=jsonl path`, byte for byte. */
static void compare_jsonl(const char *chu, chu_ctx *ctx, const chu_annotate_options *o, const char *path,
                          const char *text, size_t len)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s annotate --format=jsonl '%s'", chu, path);
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	char *want = p ? read_all(p, &n) : NULL;
	int status = p ? pclose(p) : -1;
	chu_annotation a;
	const char *got = NULL;
	size_t m = 0;
	int rc = chu_annotate(ctx, o, text, len, &a);
	if (rc >= 0)
		rc = chu_annotation_jsonl(ctx, path, strlen(path), text, &a, &got, &m);
	CHECK(want && status == 0 && rc == 0, "%s: jsonl: both sides ran", path);
	if (want && rc == 0) {
		size_t i = 0;
		while (i < n && i < m && want[i] == got[i])
			i++;
		CHECK(n == m && i == n, "%s: chu_annotation_jsonl is the command's JSON lines (%zu and %zu bytes, first "
		      "difference at %zu)", path, n, m, i);
		CHECK(got[m] == '\0', "%s: chu_annotation_jsonl's lines end in a NUL", path);
	}
	free(want);
}

static void compare_file(const char *chu, chu_ctx *ctx, const chu_annotate_options *o, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		CHECK(0, "%s: cannot open", path);
		return;
	}
	size_t len, nc = 0, nl = 0;
	char *text = read_all(f, &len);
	fclose(f);
	wordrec *c = cli_words(chu, path, &nc), *l = text ? lib_words(ctx, o, text, len, &nl) : NULL;
	CHECK(c && l, "%s: both sides ran", path);
	if (c && l) {
		CHECK(nc == nl, "%s: %zu words from chu annotate, %zu from chu_annotate", path, nc, nl);
		size_t bad = 0;
		for (size_t i = 0; i < nc && i < nl; i++) {
			bool same = c[i].start == l[i].start && c[i].end == l[i].end && !strcmp(c[i].pos, l[i].pos) &&
			            !strcmp(c[i].ner, l[i].ner) && c[i].sentence == l[i].sentence;
			if (!same && bad++ < 3)
				CHECK(0, "%s: word %zu: command %zu-%zu %s %s s%d, library %zu-%zu %s %s s%d", path, i, c[i].start,
				      c[i].end, c[i].pos, c[i].ner, c[i].sentence, l[i].start, l[i].end, l[i].pos, l[i].ner,
				      l[i].sentence);
		}
		CHECK(bad == 0, "%s: every word the same (%zu differ)", path, bad);
	}
	if (text)
		compare_jsonl(chu, ctx, o, path, text, len);
	free(c);
	free(l);
	free(text);
}

/* chu_annotation_jsonl's arguments and a document without sentences. */
static void test_jsonl_edges(chu_ctx *ctx, const chu_annotate_options *o)
{
	chu_annotation a;
	const char *out = NULL;
	size_t n = 1;
	CHECK(chu_annotate(ctx, o, "", 0, &a) == 0, "an empty text");
	CHECK(chu_annotation_jsonl(ctx, "d", 1, "", &a, &out, &n) == 0 && out && n == 0 && !*out, "no sentences: \"\"");
	CHECK(chu_annotation_jsonl(NULL, "d", 1, "", &a, &out, &n) == CHU_EINVAL, "no ctx: CHU_EINVAL");
	CHECK(chu_annotation_jsonl(ctx, NULL, 1, "", &a, &out, &n) == CHU_EINVAL, "no doc: CHU_EINVAL");
	CHECK(chu_annotation_jsonl(ctx, "d", 1, "", NULL, &out, &n) == CHU_EINVAL, "no annotation: CHU_EINVAL");
	static const char text[] = "Ông An \"đến\"\tHà Nội.";
	CHECK(chu_annotate(ctx, o, text, sizeof text - 1, &a) == 0 && a.n_sentences == 1, "one sentence");
	const char doc[] = "a\"b\n\x01\\c";
	CHECK(chu_annotation_jsonl(ctx, doc, sizeof doc - 1, text, &a, &out, &n) == 0 &&
	          strncmp(out, "{\"doc\":\"a\\\"b\\n\\u0001\\\\c\",\"sentence\":0,\"start\":0,", 41) == 0 &&
	          n > 0 && out[n - 1] == '\n' && strchr(out, '\n') == out + n - 1,
	      "the doc escaped as the command escapes it, one line: %.60s", out ? out : "");
	CHECK(a.n_sentences == 1 && a.sentences[0].n_tokens > 0, "the annotation is left alone");
}

/* Invariants on a text written here: the URL line, boilerplate left out, offsets into the text. */
static void test_shape(chu_ctx *ctx, const chu_annotate_options *o)
{
	static const char text[] = "https://bao.example.vn/kinh-te/gia-lua-tang.html\n"
	                           "Đăng nhập | Đăng ký\n"
	                           "Ngày 16/7, ông Nguyễn Văn An, Giám đốc Sở Nông nghiệp tỉnh Quảng Nam, cho biết giá lúa "
	                           "tăng 4,5%.Nông dân thu về 62.000 tỷ đồng.\n";
	chu_annotation a;
	CHECK(chu_annotate(ctx, o, text, sizeof text - 1, &a) == CHU_OK, "chu_annotate runs");
	CHECK(a.url && a.url_len == 48 && !memcmp(a.url, "https://bao.example.vn/", 23), "the URL line is found");
	CHECK(a.n_sentences == 2, "two sentences, the glued one split (%zu)", a.n_sentences);
	bool inside = true, nav = false;
	for (size_t i = 0; i < a.n_words; i++) {
		inside = inside && a.words[i].start < a.words[i].end && a.words[i].end <= sizeof text - 1;
		nav = nav || (a.words[i].end - a.words[i].start >= 5 && !memcmp(text + a.words[i].start, "Đăng", 5));
	}
	CHECK(inside, "every word is a range of the text");
	CHECK(!nav, "the navigation line is left out");
	bool date = false, money = false, per = false;
	for (size_t e = 0; e < a.n_entities; e++) {
		const chu_entity *x = &a.entities[e];
		CHECK(x->first + x->n_words <= a.n_words && a.words[x->first].start == x->start, "entity %zu on its words", e);
		date = date || !strcmp(x->type, "DATE");
		money = money || (!strcmp(x->type, "MONEY") && x->end - x->start >= 6 && !memcmp(text + x->start, "62.000", 6));
		per = per || (!strcmp(x->type, "PER") && x->end - x->start == strlen("Nguyễn Văn An") &&
		              !memcmp(text + x->start, "Nguyễn Văn An", x->end - x->start));
	}
	CHECK(date && money, "the date and the amount are entities");
	if (o->ner)
		CHECK(per, "the person is an entity");
	chu_annotate_options keep = *o;
	keep.keep_boilerplate = 1;
	CHECK(chu_annotate(ctx, &keep, text, sizeof text - 1, &a) == CHU_OK && !a.url, "keep_boilerplate: no URL");
	CHECK(chu_annotate(ctx, o, "", 0, &a) == CHU_OK && a.n_sentences == 0 && a.n_words == 0, "empty text");
	CHECK(chu_annotate(ctx, o, "\xff\xfe x\x00y", 7, &a) == CHU_OK, "invalid bytes and NUL");
	CHECK(chu_annotate(NULL, o, "x", 1, &a) == CHU_EINVAL, "no ctx");
	chu_annotate_options wrong = *o;
	wrong.ner = o->seg;
	CHECK(!o->seg || chu_annotate(ctx, &wrong, "x", 1, &a) == CHU_EINVAL, "a segmenter given as the entity model");
}

int main(void)
{
	const char *chu = getenv("CHU");
	chu_model *seg = NULL, *pos = NULL, *ner = NULL;
	chu_ctx *ctx = NULL;
	if (chu_ctx_new(NULL, &ctx) < 0)
		return 1;
	chu_annotate_options o;
	chu_annotate_options_init(&o);
	CHECK(o.window == 30 && !o.seg && !o.keep_boilerplate, "options_init");
	test_shape(ctx, &o); /* no models: tokens are words, rule entities only */
	if (chu_model_open("models/seg.chm", &seg) < 0 || chu_model_open("models/pos.chm", &pos) < 0 ||
	    chu_model_open("models/ner.chm", &ner) < 0) {
		harness_skip("models/*.chm absent (make model): chu_annotate with models is not tested");
	} else {
		o.seg = seg, o.pos = pos, o.ner = ner;
		test_shape(ctx, &o);
		test_jsonl_edges(ctx, &o);
		if (!chu) {
			harness_skip("$CHU is not set: the command is not compared");
		} else {
			static const char *files[] = {"examples/hoi-thao-nong-nghiep.txt", "examples/hop-tac-asean.txt",
			                              "examples/van-hoa-doc.txt"};
			for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
				compare_file(chu, ctx, &o, files[i]);
			char path[256];
			FILE *ls = popen("ls ../shared/data/seeds/*.txt 2>/dev/null", "r");
			int seeds = 0;
			while (ls && fgets(path, sizeof path, ls)) {
				path[strcspn(path, "\n")] = '\0';
				compare_file(chu, ctx, &o, path);
				seeds++;
			}
			if (ls)
				pclose(ls);
			if (!seeds)
				harness_skip("../shared/data/seeds is absent: compared on the examples only");
		}
	}
	chu_ctx_free(ctx);
	chu_model_close(seg);
	chu_model_close(pos);
	chu_model_close(ner);
	return harness_done();
}
