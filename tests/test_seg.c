/*
 * test_seg.c — the segmenter: the trainer learns a tiny corpus written for this test; model files
 * truncated or with a flipped bit give a clean error; --pretokenized keeps every token; many
 * threads share one model; a user dictionary forces its words; a model trained without the
 * triple templates and reading a final y as i learns and reads both spellings alike; the committed
 * model segments known sentences (skipped when models/seg.chm is absent).
 */
#include "harness.h"
#include "internal.h"

#include <pthread.h>
#include <unistd.h>

static const char *const tiny[] = {
	"Học_sinh đi học ở trường làng .",
	"Giáo_viên dạy học_sinh đọc sách .",
	"Trường làng có thư_viện mới .",
	"Học_sinh đọc sách ở thư_viện .",
	"Giáo_viên và học_sinh trồng cây .",
	"Thư_viện mở cửa buổi sáng .",
	"Buổi sáng giáo_viên đến trường sớm .",
	"Cây ở trường làng rất xanh .",
};

static char tmpdir[] = "/tmp/chu-test-seg-XXXXXX";

static char *path_in_tmp(const char *name)
{
	static char buf[8][256];
	static int k;
	char *p = buf[k++ % 8];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static void write_all(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

/* Segments one pre-tokenized line into "a_b c" form. */
static void seg_line(chu_ctx *ctx, const chu_model *m, const char *line, char *out, size_t cap)
{
	chu_span sp[256] = {{0, 0}};
	unsigned char join[256];
	size_t n = 0, len = strlen(line);
	for (size_t i = 0; i < len && n < 256;) {
		while (i < len && line[i] == ' ')
			i++;
		size_t a = i;
		while (i < len && line[i] != ' ')
			i++;
		if (i > a)
			sp[n].start = a, sp[n].end = i, n++;
	}
	int rc = chu_segment_tokens(ctx, m, line, sp, n, join);
	size_t o = 0;
	out[0] = '\0';
	if (rc < 0)
		return;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		o += (size_t)snprintf(out + o, cap - o, "%.*s%s", (int)(sp[i].end - sp[i].start), line + sp[i].start,
		                      i + 1 < n ? (join[i] ? "_" : " ") : "");
	}
}

/* Writes lines to the file name in the test's directory and returns training options for it
 * alone (10 epochs, seed 7); *train must outlive the options. */
static chu__train_seg_opts tiny_opts(const char *name, const char *const *lines, size_t n, const char **train)
{
	FILE *f = fopen(path_in_tmp(name), "w");
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	if (f)
		fclose(f);
	*train = path_in_tmp(name);
	chu__train_seg_opts o = {0};
	o.train = train;
	o.n_train = 1;
	o.epochs = 10;
	o.seed = 7;
	return o;
}

static void test_tiny_training(void)
{
	const char *train;
	chu__train_seg_opts o = tiny_opts("tiny.seg", tiny, sizeof tiny / sizeof tiny[0], &train);
	o.out = path_in_tmp("tiny.chm");
	int rc = chu__train_seg(&o);
	CHECK(rc == CHU_OK, "training the tiny corpus: %s", chu_strerror(rc));
	/* deterministic: the same seed gives the same bytes */
	o.out = path_in_tmp("tiny2.chm");
	chu__train_seg(&o);
	size_t n1, n2;
	unsigned char *a = harness_read_file(path_in_tmp("tiny.chm"), &n1), *b = harness_read_file(path_in_tmp("tiny2.chm"), &n2);
	CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0, "two trainings with one seed differ");
	free(a);
	free(b);
	chu_model *m = NULL;
	rc = chu_model_open(path_in_tmp("tiny.chm"), &m);
	CHECK(rc == CHU_OK, "open tiny model: %s", chu_strerror(rc));
	if (!m)
		return;
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++) {
		char raw[512], got[512];
		snprintf(raw, sizeof raw, "%s", tiny[i]);
		for (char *p = raw; *p; p++)
			if (*p == '_')
				*p = ' ';
		seg_line(ctx, m, raw, got, sizeof got);
		CHECK_STR(got, tiny[i]);
	}
	chu_ctx_free(ctx);
	chu_model_close(m);
}

static void test_corrupt_models(void)
{
	size_t n;
	unsigned char *good = harness_read_file(path_in_tmp("tiny.chm"), &n);
	CHECK(good != NULL, "tiny model missing");
	if (!good)
		return;
	int bad_ok = 0;
	for (size_t len = 0; len < n; len++) {
		write_all(path_in_tmp("cut.chm"), good, len);
		chu_model *m = NULL;
		int rc = chu_model_open(path_in_tmp("cut.chm"), &m);
		if (rc == CHU_OK)
			bad_ok++;
		chu_model_close(m);
	}
	CHECK(bad_ok == 0, "%d truncated models opened", bad_ok);
	/* every bit of the first 512 bytes (header, table, start of the data), then random bits */
	uint64_t seed = 42;
	int opened = 0, flips = 0;
	size_t limit = n < 512 ? n : 512;
	for (size_t bit = 0; bit < limit * 8 + 3000; bit++) {
		size_t pos;
		if (bit < limit * 8)
			pos = bit;
		else {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			pos = (size_t)((seed >> 17) % (n * 8));
		}
		good[pos / 8] ^= (unsigned char)(1u << (pos % 8));
		write_all(path_in_tmp("flip.chm"), good, n);
		good[pos / 8] ^= (unsigned char)(1u << (pos % 8));
		chu_model *m = NULL;
		int rc = chu_model_open(path_in_tmp("flip.chm"), &m);
		flips++;
		if (rc == CHU_OK)
			opened++;
		else
			CHECK(rc == CHU_EFORMAT || rc == CHU_EVERSION, "bit %zu: status %d", pos, rc);
		chu_model_close(m);
	}
	CHECK(opened == 0, "%d of %d bit-flipped models opened", opened, flips);
	chu_model *m = NULL;
	CHECK(chu_model_open(path_in_tmp("no-such-file.chm"), &m) == CHU_EIO, "missing file");
	CHECK(chu_model_open(tmpdir, &m) != CHU_OK, "a directory is not a model");
	free(good);
}

static const chu_model *shared_model;
static const char *thread_text =
	"Thứ trưởng Bộ Ngoại giao phát biểu tại hội nghị. Các đại biểu thảo luận về bình đẳng giới và phụ nữ.\n"
	"Hội nghị cấp cao ASEM lần thứ 13 diễn ra tại Campuchia trong năm 2021.\n";

static void *thread_main(void *arg)
{
	char *out = arg;
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) < 0)
		return NULL;
	for (int round = 0; round < 50; round++) {
		const chu_word *w;
		size_t n;
		if (chu_segment(ctx, shared_model, thread_text, strlen(thread_text), &w, &n) < 0)
			break;
		size_t o = 0;
		for (size_t i = 0; i < n && o < 1900; i++)
			o += (size_t)snprintf(out + o, 2048 - o, "%zu-%zu ", w[i].start, w[i].end);
	}
	chu_ctx_free(ctx);
	return NULL;
}

static void test_threads(const chu_model *m)
{
	shared_model = m;
	static char outs[8][2048];
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, thread_main, outs[i]);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	CHECK(outs[0][0] != '\0', "threads produced nothing");
	for (int i = 1; i < 8; i++)
		CHECK(strcmp(outs[0], outs[i]) == 0, "thread %d differs", i);
}

static void test_pretokenized_random(const chu_model *m)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	uint64_t s = 99;
	int bad = 0;
	for (int round = 0; round < 300; round++) {
		char text[600];
		chu_span sp[64];
		unsigned char join[64];
		size_t len = 0, n = 0;
		int ntok = 1 + round % 40;
		for (int t = 0; t < ntok; t++) {
			size_t a = len;
			int tl = 1 + (int)(s % 7);
			for (int k = 0; k < tl; k++) {
				s = s * 6364136223846793005ULL + 1442695040888963407ULL;
				unsigned char c = (unsigned char)(s >> 56);
				if (c == ' ' || c == '\n' || c == 0)
					c = 'x';
				text[len++] = (char)c;
			}
			sp[n].start = a, sp[n].end = len, n++;
			text[len++] = ' ';
		}
		text[len] = '\0';
		memset(join, 7, sizeof join);
		int rc = chu_segment_tokens(ctx, m, text, sp, n, join);
		if (rc != CHU_OK)
			bad++;
		for (size_t i = 0; i < n; i++)
			if (join[i] > 1 || (i + 1 == n && join[i] != 0))
				bad++;
	}
	CHECK(bad == 0, "%d bad results on random tokens", bad);
	chu_ctx_free(ctx);
}

static void test_user_dict(const chu_model *m)
{
	FILE *f = fopen(path_in_tmp("user.txt"), "w");
	fprintf(f, "hội nghị cấp cao\nbình đẳng giới\n");
	fclose(f);
	chu_dict *d = NULL;
	CHECK(chu_dict_load(path_in_tmp("user.txt"), &d) == CHU_OK, "load user dictionary");
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	chu_ctx_set_dict(ctx, d);
	char got[512];
	seg_line(ctx, m, "Hội nghị cấp cao bàn về bình đẳng giới .", got, sizeof got);
	CHECK(strstr(got, "Hội_nghị_cấp_cao") && strstr(got, "bình_đẳng_giới"), "user words not forced: %s", got);
	chu_ctx_free(ctx);
	chu_dict_free(d);
	CHECK(chu_dict_load(path_in_tmp("missing.txt"), &d) == CHU_EIO, "missing dictionary");
}

/* Two spellings of one letter: a final "y" after a consonant onset is "i" to a model trained with
 * y_as_i, and to nothing else. */
static uint64_t form_of(const char *syl, unsigned forms)
{
	uint64_t h = 0;
	uint8_t sh;
	chu__buf scratch;
	chu__buf_init(&scratch, &chu__default_allocator);
	int rc = chu__seg_unit_as(syl, strlen(syl), forms, &h, &sh, &scratch);
	chu__buf_free(&scratch);
	CHECK(rc == CHU_OK, "form of %s", syl);
	return h;
}

/* Swaps a final y and i after a consonant onset in every syllable of an ASCII-or-UTF-8 line (the
 * few spellings the test uses). */
static void swap_yi(const char *in, char *out, size_t cap)
{
	static const char *const pairs[][2] = {{"kỹ", "kĩ"}, {"sỹ", "sĩ"}, {"lý", "lí"}, {"ty", "ti"}, {"quý", "quí"}};
	size_t o = 0;
	for (const char *p = in; *p && o + 8 < cap;) {
		bool done = false;
		for (size_t k = 0; k < sizeof pairs / sizeof pairs[0] && !done; k++)
			for (int d = 0; d < 2 && !done; d++) {
				const char *a = pairs[k][d], *b = pairs[k][1 - d];
				size_t la = strlen(a);
				bool start = p == in || p[-1] == ' ' || p[-1] == '_';
				/* p[la] is read only once the la bytes before it matched (none of them NUL) */
				if (start && strncmp(p, a, la) == 0 && (p[la] == '\0' || p[la] == ' ' || p[la] == '_')) {
					memcpy(out + o, b, strlen(b));
					o += strlen(b);
					p += la;
					done = true;
				}
			}
		if (!done)
			out[o++] = *p++;
	}
	out[o] = '\0';
}

static const char *const tiny_yi[] = {
	"Tiến_sỹ Lâm dạy kỹ_thuật ở trường .",
	"Công_ty của ông Lâm tuyển kỹ_sư .",
	"Kỹ_sư giỏi đến công_ty sớm .",
	"Lý_do là công_ty cần kỹ_sư .",
	"Tiến_sỹ Lâm nói lý_do với kỹ_sư .",
	"Trường mời tiến_sỹ dạy kỹ_thuật .",
	"Ông Lâm quý kỹ_sư của công_ty .",
	"Cây ở trường rất xanh .",
};

static void test_y_as_i_and_triples(void)
{
	/* the rule itself */
	CHECK(form_of("kỹ", CHU__SEG_Y_AS_I) == form_of("kĩ", CHU__SEG_Y_AS_I), "kỹ and kĩ differ with y read as i");
	CHECK(form_of("Mỹ", CHU__SEG_Y_AS_I) == form_of("mĩ", CHU__SEG_Y_AS_I), "Mỹ and mĩ differ with y read as i");
	CHECK(form_of("TY", CHU__SEG_Y_AS_I) == form_of("ti", CHU__SEG_Y_AS_I), "TY and ti differ with y read as i");
	CHECK(form_of("quý", CHU__SEG_Y_AS_I) == form_of("quí", CHU__SEG_Y_AS_I), "quý and quí differ with y read as i");
	CHECK(form_of("đỵ", CHU__SEG_Y_AS_I) == form_of("đị", CHU__SEG_Y_AS_I), "đỵ and đị differ with y read as i");
	CHECK(form_of("kỹ", 0) != form_of("kĩ", 0), "kỹ and kĩ are one form without the option");
	static const char *const kept[][2] = {{"huy", "hui"}, {"tay", "tai"}, {"gý", "gí"}, {"ý", "í"},
	                                      {"thủy", "thủi"}, {"kỹs", "kĩs"}, {"ngỹ", "ngĩ"}};
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		CHECK(form_of(kept[i][0], CHU__SEG_Y_AS_I) != form_of(kept[i][1], CHU__SEG_Y_AS_I), "%s read as %s",
		      kept[i][0], kept[i][1]);
	/* a tiny corpus written with "y" only, trained with y read as i and without the triple templates */
	const char *train;
	chu__train_seg_opts o = tiny_opts("yi.seg", tiny_yi, sizeof tiny_yi / sizeof tiny_yi[0], &train);
	o.out = path_in_tmp("yi-tri.chm");
	CHECK(chu__train_seg(&o) == CHU_OK, "training with triples");
	o.no_triples = true;
	o.y_as_i = true;
	o.out = path_in_tmp("yi-i.chm");
	CHECK(chu__train_seg(&o) == CHU_OK, "training with y read as i, without triples");
	size_t n_tri = 0, n_yi = 0;
	free(harness_read_file(path_in_tmp("yi-tri.chm"), &n_tri));
	free(harness_read_file(path_in_tmp("yi-i.chm"), &n_yi));
	CHECK(n_yi > 0 && n_yi < n_tri, "the model without triples is not smaller (%zu, %zu bytes)", n_yi, n_tri);
	chu_model *m = NULL;
	CHECK(chu_model_open(path_in_tmp("yi-i.chm"), &m) == CHU_OK, "open the model that reads y as i");
	if (!m)
		return;
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	for (size_t i = 0; i < sizeof tiny_yi / sizeof tiny_yi[0]; i++) {
		char raw[512], got[512], swapped[512], want[512];
		snprintf(raw, sizeof raw, "%s", tiny_yi[i]);
		for (char *p = raw; *p; p++)
			if (*p == '_')
				*p = ' ';
		seg_line(ctx, m, raw, got, sizeof got);
		CHECK_STR(got, tiny_yi[i]); /* learnt without the triples */
		/* the other spelling, never seen in training, segments alike and is kept as written */
		swap_yi(raw, swapped, sizeof swapped);
		swap_yi(tiny_yi[i], want, sizeof want);
		CHECK(strcmp(swapped, raw) != 0 || i == 7, "the test sentence %zu has nothing to swap", i);
		seg_line(ctx, m, swapped, got, sizeof got);
		CHECK_STR(got, want);
	}
	/* a user word in one spelling is found in the other */
	FILE *f = fopen(path_in_tmp("yi-user.txt"), "w");
	fprintf(f, "trường kỹ thuật\n");
	fclose(f);
	chu_dict *d = NULL;
	CHECK(chu_dict_load(path_in_tmp("yi-user.txt"), &d) == CHU_OK, "load the user dictionary");
	chu_ctx_set_dict(ctx, d);
	char got[512];
	seg_line(ctx, m, "Ông Lâm dạy ở trường kĩ thuật .", got, sizeof got);
	CHECK_STR(got, "Ông Lâm dạy ở trường_kĩ_thuật .");
	chu_ctx_set_dict(ctx, NULL);
	chu_dict_free(d);
	chu_ctx_free(ctx);
	chu_model_close(m);
}

/* The words of text[0..len) as "a_b c|" ('|' ends a sentence) in *out (grown with realloc), from chu_segment on ctx. */
static int words_of(chu_ctx *ctx, const chu_model *m, const char *text, size_t len, char **out, size_t *cap)
{
	const chu_word *w;
	size_t n, o = 0;
	if (chu_segment(ctx, m, text, len, &w, &n) != CHU_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t wl = w[i].end - w[i].start;
		if (o + wl + 2 >= *cap) {
			*cap = (o + wl + 2) * 2;
			*out = realloc(*out, *cap);
			if (!*out)
				return -1;
		}
		for (size_t k = 0; k < wl; k++) /* a word's inner white space as '_' */
			(*out)[o++] = text[w[i].start + k] == ' ' ? '_' : text[w[i].start + k];
		(*out)[o++] = (w[i].flags & CHU_TOKEN_SENTENCE_END) ? '|' : ' ';
	}
	if (!*out && !(*out = malloc(*cap = 16)))
		return -1;
	(*out)[o] = '\0';
	return 0;
}

/* A line's words never depend on what the ctx segmented before (the per-thread memo of unit
 * forms once matched on hash and length alone: "chươn7" and "chương", 8 bytes each, collided,
 * and "chương trình" after "chươn7" stayed two words). Lines of news text are segmented in one
 * ctx in order, in another in reverse order, and every 61st in a fresh ctx: all must agree.
 * The news lines need ../shared/data (skipped when absent). */
static void test_memo_exact(const chu_model *m)
{
	static const char *const after[][2] = {
		{"ch\xc6\xb0\xc6\xa1n7", "Nhà trường tổ chức chương trình"},
		{"colonia,", "colonial"},
		{"trứng,", "trứng."},
	};
	char *want = NULL, *got = NULL;
	size_t wcap = 0, gcap = 0;
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
		chu_ctx *fresh, *used;
		chu_ctx_new(NULL, &fresh);
		chu_ctx_new(NULL, &used);
		const char *first = after[i][0], *line = after[i][1];
		words_of(fresh, m, line, strlen(line), &want, &wcap);
		words_of(used, m, first, strlen(first), &got, &gcap);
		words_of(used, m, line, strlen(line), &got, &gcap);
		CHECK(want && got && strcmp(want, got) == 0, "'%s' after '%s': got '%s', alone '%s'", line, first,
		      got ? got : "", want ? want : "");
		chu_ctx_free(fresh);
		chu_ctx_free(used);
	}
	const char *cmd = "gzip -dc ../shared/data/news/vietnews.jsonl.gz 2>/dev/null | head -n 1200 | python3 -c "
	                  "'import sys,json\nfor l in sys.stdin: print(json.loads(l)[\"text\"])'";
	if (access("../shared/data/news/vietnews.jsonl.gz", R_OK) != 0) {
		harness_skip("../shared/data/news is absent: the news lines were not segmented alone and in a stream");
		free(want);
		free(got);
		return;
	}
	FILE *p = popen(cmd, "r");
	size_t cap = 1 << 20, len = 0, k;
	char *text = malloc(cap);
	while (p && text && (k = fread(text + len, 1, cap - len, p)) > 0)
		if ((len += k) == cap)
			text = realloc(text, cap *= 2);
	if (p)
		pclose(p);
	CHECK(text && len > 1000000, "news text for the memo test: %zu bytes", len);
	size_t nl = 0, *at = NULL;
	for (size_t i = 0; text && i < len; i++)
		if (text[i] == '\n')
			nl++;
	at = malloc((nl + 2) * sizeof *at);
	size_t lines = 0;
	at[lines++] = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			at[lines++] = i + 1;
	if (at[lines - 1] < len)
		at[lines++] = len;
	lines--; /* line j is text[at[j], at[j+1]) */
	char **forward = calloc(lines, sizeof *forward);
	chu_ctx *a, *b;
	chu_ctx_new(NULL, &a);
	chu_ctx_new(NULL, &b);
	for (size_t j = 0; j < lines; j++) {
		words_of(a, m, text + at[j], at[j + 1] - at[j], &got, &gcap);
		forward[j] = strdup(got ? got : "");
	}
	size_t differ = 0, fresh_differ = 0;
	for (size_t j = lines; j-- > 0;) {
		words_of(b, m, text + at[j], at[j + 1] - at[j], &got, &gcap);
		if (strcmp(got, forward[j]) != 0 && differ++ < 3)
			fprintf(stderr, "line %zu: in order '%.200s', in reverse '%.200s'\n", j, forward[j], got);
		if (j % 61 == 0) {
			chu_ctx *f;
			chu_ctx_new(NULL, &f);
			words_of(f, m, text + at[j], at[j + 1] - at[j], &want, &wcap);
			chu_ctx_free(f);
			if (strcmp(want, forward[j]) != 0 && fresh_differ++ < 3)
				fprintf(stderr, "line %zu: in order '%.200s', alone '%.200s'\n", j, forward[j], want);
		}
	}
	CHECK(differ == 0, "%zu of %zu news lines segmented differently in reverse order", differ, lines);
	CHECK(fresh_differ == 0, "%zu news lines segmented differently in a fresh ctx", fresh_differ);
	for (size_t j = 0; j < lines; j++)
		free(forward[j]);
	free(forward);
	free(at);
	free(text);
	free(want);
	free(got);
	chu_ctx_free(a);
	chu_ctx_free(b);
}

static void test_committed_model(void)
{
	chu_model *m = NULL;
	if (chu_model_open("models/seg.chm", &m) != CHU_OK) {
		harness_skip("models/seg.chm is absent: the committed-model checks did not run");
		return;
	}
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	static const char *const cases[][2] = {
		{"Thứ trưởng Bộ Ngoại giao phát biểu tại hội nghị .", "Thứ_trưởng Bộ Ngoại_giao phát_biểu tại hội_nghị ."},
		{"Các đại biểu thảo luận về bình đẳng giới .", "Các đại_biểu thảo_luận về bình_đẳng giới ."},
		{"Ông ấy nhắc đi nhắc lại điều đó .", "Ông ấy nhắc_đi_nhắc_lại điều đó ."},
		{"Việt Nam hỗ trợ 62.000 tỷ đồng cho người lao động .", "Việt_Nam hỗ_trợ 62.000 tỷ đồng cho người lao_động ."},
		{"Hội nghị diễn ra ngày 9/7/2020 tại Hà Nội .", "Hội_nghị diễn ra ngày 9/7/2020 tại Hà_Nội ."},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char got[512];
		seg_line(ctx, m, cases[i][0], got, sizeof got);
		CHECK_STR(got, cases[i][1]);
	}
	/* raw text: words as byte ranges of the original, sentences marked */
	const char *raw = "Bộ trưởng Ngoại giao đến Hà Nội.Cùng dự có ASEM.";
	const chu_word *w;
	size_t n;
	CHECK(chu_segment(ctx, m, raw, strlen(raw), &w, &n) == CHU_OK, "chu_segment");
	int ends = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(w[i].start < w[i].end && w[i].end <= strlen(raw), "word %zu out of range", i);
		ends += (w[i].flags & CHU_TOKEN_SENTENCE_END) != 0;
	}
	CHECK(ends == 2, "%d sentence ends", ends);
	CHECK(n > 2 && w[0].end - w[0].start == strlen("Bộ trưởng"), "first word is not 'Bộ trưởng'");
	/* CHU_TOKEN_HAS_SPACE marks exactly the words whose bytes may hold white space */
	const char *money = "Giá 10 triệu đồng cho phụ nữ.";
	CHECK(chu_segment(ctx, m, money, strlen(money), &w, &n) == CHU_OK, "chu_segment");
	char flagged[128] = "";
	for (size_t i = 0; i < n; i++)
		if (w[i].flags & CHU_TOKEN_HAS_SPACE) {
			strncat(flagged, money + w[i].start, w[i].end - w[i].start);
			strcat(flagged, "|");
		}
	CHECK_STR(flagged, "10 triệu đồng|phụ nữ|");
	/* one context with several models in turn, a model closed and another opened (perhaps at the
	 * same address): each result is what a fresh context gives */
	const char *line = "Bộ trưởng Ngoại giao phát biểu tại hội nghị ở thư viện .";
	char want_big[512], want_tiny[512], got_ctx[512];
	chu_ctx *fresh;
	chu_ctx_new(NULL, &fresh);
	seg_line(fresh, m, line, want_big, sizeof want_big);
	chu_ctx_free(fresh);
	chu_model *tiny_m = NULL;
	if (chu_model_open(path_in_tmp("tiny.chm"), &tiny_m) == CHU_OK) {
		chu_ctx_new(NULL, &fresh);
		seg_line(fresh, tiny_m, line, want_tiny, sizeof want_tiny);
		chu_ctx_free(fresh);
		CHECK(strcmp(want_big, want_tiny) != 0, "the two models agree: the check below cannot tell them apart");
		for (int round = 0; round < 3; round++) {
			seg_line(ctx, m, line, got_ctx, sizeof got_ctx);
			CHECK_STR(got_ctx, want_big);
			seg_line(ctx, tiny_m, line, got_ctx, sizeof got_ctx);
			CHECK_STR(got_ctx, want_tiny);
			chu_model_close(tiny_m);
			tiny_m = NULL;
			CHECK(chu_model_open(path_in_tmp("tiny.chm"), &tiny_m) == CHU_OK, "reopen the tiny model");
			if (!tiny_m)
				break;
		}
		chu_model_close(tiny_m);
	} else {
		CHECK(0, "the tiny model does not open");
	}
	test_pretokenized_random(m);
	/* raw random bytes through chu_segment: words in range, in order, never splitting a token */
	uint64_t r = 5;
	int bad = 0;
	for (int round = 0; round < 500; round++) {
		char buf[300];
		size_t len = (size_t)(round % 300);
		for (size_t i = 0; i < len; i++) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned char c = (unsigned char)(r >> 56);
			buf[i] = (char)(c < 0x40 && c != '\n' ? ' ' : c);
		}
		if (chu_segment(ctx, m, buf, len, &w, &n) != CHU_OK) {
			bad++;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			if (w[i].start >= w[i].end || w[i].end > len || (i && w[i].start < w[i - 1].end)) {
				bad++;
				continue;
			}
			bool space = memchr(buf + w[i].start, ' ', w[i].end - w[i].start) != NULL;
			if (space && !(w[i].flags & CHU_TOKEN_HAS_SPACE))
				bad++; /* white space in a word not flagged */
		}
	}
	CHECK(bad == 0, "%d bad results segmenting random bytes", bad);
	test_threads(m);
	test_user_dict(m);
	test_memo_exact(m);
	chu_ctx_free(ctx);
	chu_model_close(m);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		CHECK(0, "mkdtemp");
		return harness_done();
	}
	test_tiny_training();
	test_corrupt_models();
	test_y_as_i_and_triples();
	test_committed_model();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return harness_done();
}
