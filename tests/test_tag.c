/*
 * test_tag.c — the taggers and the accent restorer through the C API: argument checks, entity
 * rules on written sentences, many threads sharing the committed models (run under the sanitizers
 * by `make asan`), and damaged model files that must be refused without a crash.
 */
#include "chu.h"
#include "harness.h"
#include "internal.h" /* the word-class trainer and its table */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static chu_model *pos_model, *ner_model, *acc_model;

/* Splits a segmented sentence ("Bà Lan tới Hà_Nội .") into word spans. */
static size_t words_of(const char *s, chu_span *w, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; s[i] && n < cap;) {
		while (s[i] == ' ')
			i++;
		size_t a = i;
		while (s[i] && s[i] != ' ')
			i++;
		if (i > a)
			w[n++] = (chu_span){a, i};
	}
	return n;
}

/* Each committed model holds its one part, and says so (the command names a wrong file's kind
 * from this). */
static void test_parts(void)
{
	chu_model *seg = NULL;
	CHECK(chu_model_parts(NULL) == 0, "NULL holds nothing");
	CHECK(chu_model_parts(pos_model) == CHU_MODEL_POS, "pos.chm: %#x", chu_model_parts(pos_model));
	CHECK(chu_model_parts(ner_model) == CHU_MODEL_NER, "ner.chm: %#x", chu_model_parts(ner_model));
	CHECK(chu_model_parts(acc_model) == CHU_MODEL_ACCENT, "accent.chm: %#x", chu_model_parts(acc_model));
	if (chu_model_open("models/seg.chm", &seg) == CHU_OK)
		CHECK(chu_model_parts(seg) == CHU_MODEL_SEG, "seg.chm: %#x", chu_model_parts(seg));
	chu_model_close(seg);
}

static void test_arguments(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	chu_span w[4] = {{0, 1}};
	uint8_t tags[4];
	const char *t = "a";
	CHECK(chu_tag(NULL, pos_model, CHU_TAGGER_POS, t, w, 1, NULL, tags) == CHU_EINVAL, "no ctx");
	CHECK(chu_tag(ctx, NULL, CHU_TAGGER_POS, t, w, 1, NULL, tags) == CHU_EINVAL, "no model");
	CHECK(chu_tag(ctx, pos_model, CHU_TAGGER_NER, t, w, 1, NULL, tags) == CHU_EINVAL, "a POS model has no NER");
	CHECK(chu_tag(ctx, pos_model, 2, t, w, 1, NULL, tags) == CHU_EINVAL, "tagger 2 is not public");
	CHECK(chu_tag(ctx, pos_model, -1, t, w, 1, NULL, tags) == CHU_EINVAL, "tagger -1");
	CHECK(chu_tag(ctx, pos_model, CHU_TAGGER_POS, t, w, 0, NULL, NULL) == CHU_OK, "no words is fine");
	chu_span bad = {2, 1};
	CHECK(chu_tag(ctx, pos_model, CHU_TAGGER_POS, t, &bad, 1, NULL, tags) == CHU_EINVAL, "start after end");
	CHECK(chu_tag_count(pos_model, CHU_TAGGER_POS) >= 20, "the POS model has its tags");
	CHECK(chu_tag_count(pos_model, CHU_TAGGER_NER) == 0, "and no entity labels");
	CHECK(chu_tag_name(pos_model, CHU_TAGGER_POS, 9999) == NULL, "a label out of range");
	CHECK_STR(chu_pos_upos("Np"), "PROPN");
	CHECK_STR(chu_pos_upos("CH"), "PUNCT");
	CHECK_STR(chu_pos_upos("??"), "X");
	CHECK(chu_pos_upos(NULL) == NULL, "upos of NULL");
	const char *out;
	size_t n;
	CHECK(chu_accent(ctx, pos_model, "a", 1, &out, &n) == CHU_EINVAL, "a POS model has no accent restorer");
	CHECK(chu_accent(ctx, acc_model, NULL, 0, &out, &n) == CHU_OK && n == 0, "empty text");
	const chu_entity *e;
	CHECK(chu_entities(ctx, t, w, 1, pos_model, tags, &e, &n) == CHU_EINVAL, "NER tags without an entity model");
	chu_ctx_free(ctx);
}

/* The rules, without a model: dates, times, money, percentages, quantities. */
static void test_rules(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	static const struct {
		const char *sentence, *want;
	} cases[] = {
	    {"Sáng 16/7 , giá tăng 4,5% .", "DATE:16/7 PERCENT:4,5%"},
	    {"Hội_nghị diễn ra ngày 21/8/2020 lúc 14:30 .", "DATE:ngày 21/8/2020 TIME:14:30"},
	    {"tháng 7 năm 2020 có 62.000_tỷ_đồng", "DATE:tháng 7 DATE:năm 2020 MONEY:62.000_tỷ_đồng"},
	    {"tàu chạy 120 km , chở 3 tấn hàng", "QUANTITY:120 km QUANTITY:3 tấn"},
	    {"năm 20 người và tháng 13 , ngày 32", ""}, /* not a year, a month or a day */
	    /* dates with dots, ranges of days, clock times in words; a length of time is none */
	    {"ký ngày 1.3.2025 , họp 7.9.2024", "DATE:ngày 1.3.2025 DATE:7.9.2024"},
	    {"từ ngày 18_–_19/12/2024 và 20-21/12", "DATE:ngày 18_–_19/12/2024 DATE:20-21/12"},
	    {"lúc 15 giờ 30 phút , về 6 giờ chiều , đến lúc 9 giờ", "TIME:15 giờ 30 phút TIME:6 giờ chiều TIME:9 giờ"},
	    {"làm 8 giờ mỗi ngày , tăng 10_–_15 lần , 2021-2025", ""},
	    /* a range of days after "từ", written with "đến" or "tới"; numbers of times are none */
	    {"mở từ 18 đến 19/12/2024 , từ ngày 2 tới ngày 5/1", "DATE:18 đến 19/12/2024 DATE:ngày 2 tới ngày 5/1"},
	    {"tăng từ 18 đến 19 lần , 18 đến 19/12", "DATE:19/12"},
	    {"lúc 9h30 , 9h và 15h30 hay 9 giờ 30", "TIME:9h30 TIME:9h TIME:15h30 TIME:9 giờ 30"},
	    /* an amount in dollars is money with or without a magnitude word */
	    {"đầu_tư 500.000_USD và vay 47,5_triệu_USD", "MONEY:500.000_USD MONEY:47,5_triệu_USD"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		chu_span w[64];
		size_t n = words_of(cases[i].sentence, w, 64), m;
		const chu_entity *e;
		char got[256] = "";
		int rc = chu_entities(ctx, cases[i].sentence, w, n, NULL, NULL, &e, &m);
		for (size_t k = 0, p = 0; rc == CHU_OK && k < m; k++)
			p += (size_t)snprintf(got + p, sizeof got - p, "%s%s:%.*s", k ? " " : "", e[k].type,
			                      (int)(e[k].end - e[k].start), cases[i].sentence + e[k].start);
		CHECK(rc == CHU_OK && strcmp(got, cases[i].want) == 0, "\"%s\": got \"%s\", want \"%s\"", cases[i].sentence, got,
		      cases[i].want);
	}
	chu_ctx_free(ctx);
}

/* A rule entity that covers a model entity's words wins over it: a time is never a person. */
static void test_rules_over_model(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	int K = chu_tag_count(ner_model, CHU_TAGGER_NER), per = -1, iper = -1, o = -1;
	for (int k = 0; k < K; k++) {
		const char *x = chu_tag_name(ner_model, CHU_TAGGER_NER, k);
		per = strcmp(x, "B-PER") == 0 ? k : per;
		iper = strcmp(x, "I-PER") == 0 ? k : iper;
		o = strcmp(x, "O") == 0 ? k : o;
	}
	CHECK(per >= 0 && iper >= 0 && o >= 0, "ner.chm has B-PER, I-PER and O");
	static const struct {
		const char *sentence, *labels, *want; /* labels: B, I or O for each word */
	} cases[] = {
	    {"Lúc 9h30 , Lan về .", "OBOBOO", "TIME:9h30 PER:Lan"},
	    {"lúc 15 giờ 30 phút , Hùng về", "OBIIIOBO", "TIME:15 giờ 30 phút PER:Hùng"},
	    {"ngày 1.3.2025 và 500.000_USD", "BIOB", "DATE:ngày 1.3.2025 MONEY:500.000_USD"},
	    /* a model entity longer than the rule's stays the model's */
	    {"ông 9h30 Lan về", "OBIO", "PER:9h30 Lan"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		chu_span w[64];
		uint8_t tags[64];
		size_t n = words_of(cases[i].sentence, w, 64), m;
		for (size_t k = 0; k < n; k++)
			tags[k] = (uint8_t)(cases[i].labels[k] == 'B' ? per : cases[i].labels[k] == 'I' ? iper : o);
		const chu_entity *e;
		char got[256] = "";
		int rc = chu_entities(ctx, cases[i].sentence, w, n, ner_model, tags, &e, &m);
		for (size_t k = 0, p = 0; rc == CHU_OK && k < m; k++)
			p += (size_t)snprintf(got + p, sizeof got - p, "%s%s:%.*s", k ? " " : "", e[k].type,
			                      (int)(e[k].end - e[k].start), cases[i].sentence + e[k].start);
		CHECK(rc == CHU_OK && strlen(cases[i].labels) == n && strcmp(got, cases[i].want) == 0,
		      "\"%s\": got \"%s\", want \"%s\"", cases[i].sentence, got, cases[i].want);
	}
	chu_ctx_free(ctx);
}

/* ---- threads ---- */

static const char *sentences[] = {
    "Thứ_trưởng Bộ Ngoại_giao Tô Anh Dũng đã tiếp Đại_sứ Nhật_Bản tại Hà_Nội .",
    "Ông Nguyễn_Văn_An , Chủ_tịch UBND tỉnh Thanh_Hoá , cho_biết 62.000_tỷ_đồng đã được giải_ngân .",
    "Hội_nghị cấp cao ASEM lần thứ 13 sẽ diễn ra tại Campuchia trong năm 2021 .",
};
static const char *plain = "Thu truong Bo Ngoai giao Viet Nam da tiep Dai su Nhat Ban tai Ha Noi sang 16/7.";

typedef struct result {
	uint8_t pos[3][32], ner[3][32];
	char accent[256];
	int ok;
} result;

static void run_once(chu_ctx *ctx, result *r)
{
	r->ok = 1;
	for (int s = 0; s < 3; s++) {
		chu_span w[32];
		size_t n = words_of(sentences[s], w, 32);
		const char *names[32];
		if (chu_tag(ctx, pos_model, CHU_TAGGER_POS, sentences[s], w, n, NULL, r->pos[s]) < 0)
			r->ok = 0;
		for (size_t i = 0; i < n; i++)
			names[i] = chu_tag_name(pos_model, CHU_TAGGER_POS, r->pos[s][i]);
		if (chu_tag(ctx, ner_model, CHU_TAGGER_NER, sentences[s], w, n, names, r->ner[s]) < 0)
			r->ok = 0;
	}
	const char *out;
	size_t m;
	if (chu_accent(ctx, acc_model, plain, strlen(plain), &out, &m) < 0 || m >= sizeof r->accent)
		r->ok = 0;
	else
		memcpy(r->accent, out, m + 1);
}

static result reference;

static void *thread_main(void *arg)
{
	int *bad = arg;
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) < 0) {
		*bad = 1;
		return NULL;
	}
	for (int k = 0; k < 30; k++) {
		result r;
		memset(&r, 0, sizeof r);
		run_once(ctx, &r);
		if (!r.ok || memcmp(r.pos, reference.pos, sizeof r.pos) || memcmp(r.ner, reference.ner, sizeof r.ner) ||
		    strcmp(r.accent, reference.accent))
			*bad = 1;
	}
	chu_ctx_free(ctx);
	return NULL;
}

static void test_threads(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	memset(&reference, 0, sizeof reference);
	run_once(ctx, &reference);
	chu_ctx_free(ctx);
	CHECK(reference.ok, "tagging the reference sentences");
	CHECK_STR(reference.accent, "Thứ trưởng Bộ Ngoại giao Việt Nam đã tiếp Đại sứ Nhật Bản tại Hà Nội sáng 16/7.");
	CHECK_STR(chu_tag_name(pos_model, CHU_TAGGER_POS, reference.pos[0][6]), "R"); /* đã */
	CHECK_STR(chu_tag_name(pos_model, CHU_TAGGER_POS, reference.pos[0][0]), "N"); /* Thứ_trưởng */
	CHECK_STR(chu_tag_name(pos_model, CHU_TAGGER_POS, reference.pos[0][3]), "Np"); /* Tô */
	CHECK_STR(chu_tag_name(ner_model, CHU_TAGGER_NER, reference.ner[0][3]), "B-PER");
	CHECK_STR(chu_tag_name(ner_model, CHU_TAGGER_NER, reference.ner[0][4]), "I-PER");
	CHECK_STR(chu_tag_name(ner_model, CHU_TAGGER_NER, reference.ner[0][5]), "I-PER");
	CHECK_STR(chu_tag_name(ner_model, CHU_TAGGER_NER, reference.ner[0][11]), "B-LOC"); /* Hà_Nội */
	CHECK_STR(chu_tag_name(ner_model, CHU_TAGGER_NER, reference.ner[2][11]), "B-LOC"); /* Campuchia */
	/* a full name that chu's segmenter made one word (syllables separated by spaces) is a person */
	{
		const char *t = "Ông Tô Anh Dũng tới Hà Nội .";
		chu_span w[5] = {{0, 4}, {5, 18}, {19, 24}, {25, 34}, {35, 36}};
		uint8_t pt[5], nt[5];
		const char *pn[5];
		chu_ctx *c2;
		chu_ctx_new(NULL, &c2);
		int rc = chu_tag(c2, pos_model, CHU_TAGGER_POS, t, w, 5, NULL, pt);
		for (int i = 0; i < 5; i++)
			pn[i] = chu_tag_name(pos_model, CHU_TAGGER_POS, pt[i]);
		rc = rc < 0 ? rc : chu_tag(c2, ner_model, CHU_TAGGER_NER, t, w, 5, pn, nt);
		CHECK(rc == CHU_OK, "tagging a raw-text name: %d", rc);
		CHECK_STR(chu_tag_name(ner_model, CHU_TAGGER_NER, nt[1]), "B-PER");
		CHECK_STR(chu_tag_name(ner_model, CHU_TAGGER_NER, nt[3]), "B-LOC");
		chu_ctx_free(c2);
	}
	enum { N = 8 };
	pthread_t th[N];
	int bad[N] = {0};
	for (int i = 0; i < N; i++)
		pthread_create(&th[i], NULL, thread_main, &bad[i]);
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		CHECK(!bad[i], "thread %d got other tags than one thread alone", i);
	}
}

/* ---- damaged files ---- */

static void test_damaged(const char *path, int each)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)size);
	size_t got = fread(b, 1, (size_t)size, f);
	fclose(f);
	char tmp[] = "/tmp/chu-tag-XXXXXX";
	int fd = mkstemp(tmp);
	int refused = 0, tried = 0;
	/* truncations at `each` places, and bit flips at `each` places: every one refused */
	for (int k = 0; k < 2 * each && got == (size_t)size; k++) {
		size_t n = (size_t)size, at = (size_t)((uint64_t)(k % each + 1) * 2654435761u % (uint64_t)size);
		unsigned char keep = b[at];
		if (k < each)
			n = at;
		else
			b[at] ^= (unsigned char)(1u << (k % 8));
		if (ftruncate(fd, 0) < 0 || pwrite(fd, b, n, 0) != (ssize_t)n)
			break;
		b[at] = keep;
		chu_model *m = NULL;
		int rc = chu_model_open(tmp, &m);
		tried++;
		refused += rc == CHU_EFORMAT || rc == CHU_EVERSION;
		chu_model_close(m);
	}
	CHECK(tried == 2 * each && refused == tried, "%s: %d of %d damaged copies refused", path, refused, tried);
	close(fd);
	unlink(tmp);
	free(b);
}

/* The label id of a name ("B-ORG") in the entity model. */
static uint8_t label(const char *name)
{
	for (int k = 0; k < chu_tag_count(ner_model, CHU_TAGGER_NER); k++)
		if (strcmp(chu_tag_name(ner_model, CHU_TAGGER_NER, k), name) == 0)
			return (uint8_t)k;
	return 255;
}

/* Labels written as "O B-ORG I-ORG …" into ids. */
static void labels_of(const char *s, uint8_t *out, size_t n)
{
	char buf[16];
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (*s == ' ')
			s++;
		while (*s && *s != ' ' && k < sizeof buf - 1)
			buf[k++] = *s++;
		buf[k] = 0;
		out[i] = label(buf);
	}
}

/* Labels as names, space-separated, for messages and comparisons. */
static const char *names_of(const uint8_t *t, size_t n)
{
	static char buf[512];
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, t[i] < chu_tag_count(ner_model, CHU_TAGGER_NER) ? chu_tag_name(ner_model, CHU_TAGGER_NER, t[i]) : "?");
	}
	return buf;
}

static void test_consistency(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	/* a window of sentences with the labels a tagger might have given (written here) */
	static const struct {
		const char *text, *tags;
	} doc[] = {
	    {"Công_ty Khai_Minh vừa mở văn_phòng ở Hà_Nội .", "O B-LOC O O O O B-LOC O"},
	    {"Các nhân_viên của Khai_Minh nói thế .", "O O O B-ORG O O O"},
	    {"Khai_Minh chưa đủ vốn .", "B-ORG O O O O"},
	    {"Bà Thu làm cho Khai_Minh và Tân_Long .", "O B-PER O O O O B-ORG O"},
	    {"khai_minh là tên cũ ; Tân_Long thì không .", "O O O O O O O O O"},
	    {"Ngân_hàng Nhà_nước Việt_Nam và Ngân_hàng Nhà_nước Việt_Nam .", "B-ORG I-ORG I-ORG O O O O O"},
	    {"Ngân_hàng Nhà_nước Việt_Nam công_bố .", "B-ORG I-ORG I-ORG O O"},
	    {"tập_đoàn Unilever và tập_đoàn Unilever", "B-ORG I-ORG O B-ORG I-ORG"},
	    {"Họ gặp tập_đoàn Unilever .", "O O O O O"},
	};
	enum { N = sizeof doc / sizeof doc[0] };
	chu_span words[N][16];
	uint8_t tags[N][16];
	chu_ner_sentence s[N];
	for (size_t k = 0; k < N; k++) {
		size_t n = words_of(doc[k].text, words[k], 16);
		labels_of(doc[k].tags, tags[k], n);
		s[k] = (chu_ner_sentence){doc[k].text, words[k], n, tags[k]};
	}
	CHECK(label("B-ORG") != 255 && label("I-ORG") != 255 && label("O") != 255, "the model has B-ORG, I-ORG, O");
	static const char *want[N] = {
	    "O B-ORG O O O O B-LOC O",         /* LOC once, ORG three times: ORG; Hà_Nội stays */
	    "O O O B-ORG O O O",               /* already the majority */
	    "B-ORG O O O O",
	    "O B-PER O O B-ORG O B-ORG O",     /* found where the tagger missed it (labelled 3 times) */
	    "O O O O O O O O O",               /* other bytes, another word; Tân_Long was labelled once */
	    "B-ORG I-ORG I-ORG O B-ORG I-ORG I-ORG O", /* a multi-word name, twice in the window */
	    "B-ORG I-ORG I-ORG O O",
	    "B-ORG I-ORG O B-ORG I-ORG",
	    "O O O O O",                       /* a name found twice, but it starts with a small letter */
	};
	for (size_t k = 0; k < N; k++) {
		uint8_t out[16];
		int rc = chu_ner_consistent(ctx, ner_model, s, N, k, out);
		CHECK(rc == CHU_OK, "sentence %zu: %d", k, rc);
		if (rc == CHU_OK)
			CHECK_STR(names_of(out, s[k].n), want[k]);
	}
	/* the window alone decides: without the sentences after it, sentence 0 keeps its LOC (1 to 1) */
	uint8_t out[16];
	CHECK(chu_ner_consistent(ctx, ner_model, s, 2, 0, out) == CHU_OK, "a window of two");
	CHECK_STR(names_of(out, s[0].n), "O B-LOC O O O O B-LOC O");
	/* in place */
	uint8_t copy[16];
	memcpy(copy, tags[0], sizeof copy);
	s[0].tags = copy;
	CHECK(chu_ner_consistent(ctx, ner_model, s, N, 0, copy) == CHU_OK, "in place");
	CHECK_STR(names_of(copy, s[0].n), want[0]);
	s[0].tags = tags[0];
	CHECK(chu_ner_consistent(ctx, ner_model, s, N, N, out) == CHU_EINVAL, "target past the window");
	CHECK(chu_ner_consistent(ctx, pos_model, s, N, 0, out) == CHU_EINVAL, "a model without entities");
	CHECK(chu_ner_consistent(NULL, ner_model, s, N, 0, out) == CHU_EINVAL, "no ctx");
	chu_ner_sentence bad = {NULL, words[0], 3, tags[0]};
	CHECK(chu_ner_consistent(ctx, ner_model, &bad, 1, 0, out) == CHU_EINVAL, "words without text");
	chu_ctx_free(ctx);
}

/* ---- word classes: a tiny corpus written for this test ---- */

/* The class and groups of one word ("Cần_Thơ") in a clusters table. */
static int class_of(const uint64_t *table, uint32_t slots, const char *word, uint16_t *group)
{
	uint64_t form, first, last;
	uint8_t shape, nsyl;
	chu__tag_words W = {&form, &first, &last, &shape, &nsyl, NULL, NULL, NULL, NULL, NULL, NULL};
	chu_span sp = {0, strlen(word)};
	chu__buf scratch;
	chu__buf_init(&scratch, &chu__default_allocator);
	int rc = chu__tag_prepare(word, &sp, 1, &W, &scratch);
	chu__buf_free(&scratch);
	return rc < 0 ? -2 : chu__cluster_of(table, slots, form, group);
}

static void test_clusters(void)
{
	chu_model *seg;
	if (chu_model_open("models/seg.chm", &seg) < 0) {
		harness_skip("models/seg.chm is absent: the word-class trainer is not tested");
		return;
	}
	/* towns and dishes, each in the same frames as the others of its kind */
	static const char *towns[] = {"Huế", "Vinh", "Sa Pa", "Cần Thơ"}, *dishes[] = {"phở", "bún", "cháo", "xôi"};
	static const char *town_frames[] = {"Năm nay tôi về %s ăn Tết .", "Chị Mai sống ở %s đã lâu ."},
	                  *dish_frames[] = {"Sáng nào mẹ cũng nấu %s cho cả nhà .", "Quán đầu ngõ bán %s rất ngon ."};
	char corpus[256], out[256];
	snprintf(corpus, sizeof corpus, "/tmp/chu-test-clusters-%d.txt", (int)getpid());
	snprintf(out, sizeof out, "/tmp/chu-test-clusters-%d.chm", (int)getpid());
	FILE *f = fopen(corpus, "w");
	for (int r = 0; f && r < 4; r++)
		for (int i = 0; i < 4; i++)
			for (int k = 0; k < 2; k++) {
				fprintf(f, town_frames[k], towns[(i + r) % 4]);
				fputc(' ', f);
				fprintf(f, dish_frames[k], dishes[(i + 3 * r) % 4]);
				fputc('\n', f);
			}
	if (f)
		fclose(f);
	chu__train_tag_opts o = {0};
	o.corpus = corpus;
	o.out = out;
	int rc = chu__train_clusters(&o, seg, 8, 8);
	CHECK(rc == CHU_OK, "train clusters: %s", chu_strerror(rc));
	chu_model *m = NULL;
	const void *sec = NULL;
	uint64_t size = 0;
	if (rc == CHU_OK && chu_model_open(out, &m) == CHU_OK)
		chu__model_section(m, "clusters", &sec, &size);
	CHECK(sec && size >= 8, "the clusters file has no clusters section");
	if (sec) {
		const uint64_t *t = sec;
		uint32_t slots = (uint32_t)(size / 8);
		uint16_t g[4], h[4];
		int ct[4], cd[4];
		for (int i = 0; i < 4; i++) {
			ct[i] = class_of(t, slots, towns[i], &g[i]);
			cd[i] = class_of(t, slots, dishes[i], &h[i]);
		}
		/* words used alike share a class, and a class's words share its groups */
		for (int i = 0; i < 4; i++) {
			CHECK(ct[i] >= 0 && ct[i] < 8 && ct[i] == ct[0], "town %s: class %d, %s's is %d", towns[i], ct[i], towns[0], ct[0]);
			CHECK(cd[i] >= 0 && cd[i] < 8 && cd[i] == cd[0], "dish %s: class %d, %s's is %d", dishes[i], cd[i], dishes[0], cd[0]);
			CHECK(g[i] == g[0] && h[i] == h[0], "words of one class have different groups");
		}
		CHECK(ct[0] != cd[0], "towns and dishes share class %d", ct[0]);
		/* 8 classes make 2 groups, and those one: each byte is 1 + a group */
		CHECK((g[0] & 0xFF) >= 1 && (g[0] & 0xFF) <= 2 && (h[0] & 0xFF) >= 1 && (h[0] & 0xFF) <= 2,
		      "groups %#x and %#x are out of range", g[0], h[0]);
		CHECK(g[0] >> 8 == 1 && h[0] >> 8 == 1, "second-level groups %#x and %#x are not the single group", g[0], h[0]);
		uint16_t none;
		CHECK(class_of(t, slots, "Paris", &none) == -1 && none == 0, "an unseen word has a class");
		/* deterministic: the same corpus gives the same bytes */
		char out2[300];
		snprintf(out2, sizeof out2, "%s.2", out);
		o.out = out2;
		chu__train_clusters(&o, seg, 8, 8);
		FILE *a = fopen(out, "rb"), *b = fopen(out2, "rb");
		int same = a && b;
		for (int x = 0, y = 0; same && (x != EOF || y != EOF);)
			same = (x = fgetc(a)) == (y = fgetc(b));
		CHECK(same, "two trainings of the same corpus differ");
		if (a)
			fclose(a);
		if (b)
			fclose(b);
		remove(out2);
	}
	chu_model_close(m);
	chu_model_close(seg);
	remove(corpus);
	remove(out);
}

/* A word's tag set, and the same with its own sentence's occurrences left out (how the
 * part-of-speech trainer gives each training word the set it would have had unseen). */
static void test_tag_sets(void)
{
	enum { N, V, A, K };
	uint32_t count[K + 1] = {30, 1, 0, 31}; /* N 30 times, V once: 1 of 31 is under 5% */
	CHECK(chu__tag_set(count, NULL, K) == 1u << N, "tag set %llx", (unsigned long long)chu__tag_set(count, NULL, K));
	uint32_t own_n[K + 1] = {30, 0, 0, 30}; /* every N in the sentence left out: only V remains */
	CHECK(chu__tag_set(count, own_n, K) == 1u << V, "tag set without N %llx",
	      (unsigned long long)chu__tag_set(count, own_n, K));
	uint32_t own_v[K + 1] = {2, 1, 0, 3}; /* 28 N and no V remain */
	CHECK(chu__tag_set(count, own_v, K) == 1u << N, "tag set without V");
	uint32_t all[K + 1] = {30, 1, 0, 31}; /* a word seen in one sentence only: nothing is left */
	CHECK(chu__tag_set(count, all, K) == 0, "a word of one sentence keeps a tag set");
	uint32_t mixed[K + 1] = {10, 8, 1, 19}; /* A 1 of 19 = 5.3%: kept */
	CHECK(chu__tag_set(mixed, NULL, K) == (1u << N | 1u << V | 1u << A), "three tags");
}

/* The decoder chu_tag runs (four labels at a time, previous labels that cannot be best left out)
 * gives the labels of the plain Viterbi the trainer runs, on random scores of each committed
 * tagger's size, with and without edge scores and BIO limits, and with many ties (scores of a few
 * values: the first best previous label must win, as in the plain loop). */
static void test_viterbi(const chu_model *m, int task)
{
	const struct chu__tag_model *tm = chu__model_tagger(m, task);
	const char *p = task == CHU_TAGGER_NER ? "ner" : "pos";
	char name[24];
	const void *trans, *labels;
	uint64_t tn, ln;
	snprintf(name, sizeof name, "%s.trans", p);
	int r1 = chu__model_section(m, name, &trans, &tn);
	snprintf(name, sizeof name, "%s.labels", p);
	int r2 = chu__model_section(m, name, &labels, &ln);
	CHECK(tm && r1 == CHU_OK && r2 == CHU_OK, "the %s tagger's sections", p);
	if (!tm || r1 || r2)
		return;
	int K = chu_tag_count(m, task);
	static uint8_t allowed[(CHU__TAG_MAX_LABELS + 1) * CHU__TAG_MAX_LABELS];
	chu__tag_allowed((const char (*)[16])labels, K, allowed);
	bool bio = false;
	for (int k = 0; k < K; k++)
		bio = bio || (chu_tag_name(m, task, k)[0] == 'I' && chu_tag_name(m, task, k)[1] == '-');
	enum { N = 40 };
	float *score = malloc(N * (size_t)K * sizeof *score), *edge = malloc((N * (size_t)K * (size_t)K + 4) * sizeof *edge);
	float *d = malloc((2 * (size_t)K + 8) * sizeof *d);
	uint8_t *back = malloc(N * (size_t)K), want[N], got[N];
	uint64_t rng = 7;
	int differ = 0;
	for (int round = 0; round < 1000 && score && edge && d && back; round++) {
		size_t n = 1 + (size_t)(chu__rng_next(&rng) % N);
		bool ties = round % 2, edges = round % 3 == 0;
		double range = round % 4 < 2 ? 10.0 : 0.5; /* small scores: the transitions decide, few labels left out */
		for (size_t i = 0; i < n * (size_t)K; i++) {
			uint64_t x = chu__rng_next(&rng);
			score[i] = ties ? (float)(x % 3) : (float)((double)(x % 20001) / 10000.0 * range * 2 - range);
			if (!ties && x % 50 == 0)
				score[i] = -1e9f; /* a label limit */
		}
		for (size_t i = 0; i < n * (size_t)K * (size_t)K + 4; i++)
			edge[i] = ties ? (float)(chu__rng_next(&rng) % 2) : (float)((double)(chu__rng_next(&rng) % 2001) / 1000.0 - 1.0);
		chu__tag_viterbi(score, edges ? edge : NULL, (const float *)trans, bio ? allowed : NULL, n, K, d, back, want);
		chu__tag_viterbi_model(tm, score, edges ? edge : NULL, n, d, back, got);
		differ += memcmp(want, got, n) != 0;
	}
	CHECK(differ == 0, "%s: the fast decoder differs from the plain one in %d of 1000 sentences", p, differ);
	free(score);
	free(edge);
	free(d);
	free(back);
}

/* The taggers remember per word the sums of the features that read that word alone: tags must not
 * depend on what was tagged before. 3,000 sentences of words drawn from a small vocabulary and
 * numbered names (more words than the taggers remember, so remembered sums are replaced), each
 * tagged in a new context and in one context used for all, both taggers taking turns. */
/* Sentence s of a made-up stream (x its state): 3-27 words of a small vocabulary and unseen names. */
static size_t random_sentence(uint64_t *x, int s, char *text, size_t cap, chu_span *w)
{
	static const char *const vocab[] = {"Ông", "bà", "Hà_Nội", "đã", "tới", "thăm", "Bộ", "Y_tế", "ngày", "12/3",
	                                    "và", "các", "nhà_máy", "của", "Công_ty", "Việt_Nam", "năm", "2024", ",",
	                                    ".", "cho", "biết", "sẽ", "tăng", "giá", "điện", "Thủ_tướng", "Nguyễn",
	                                    "Văn", "An", "họp", "với", "tỉnh", "Quảng_Nam", "người", "dân"};
	const size_t nv = sizeof vocab / sizeof *vocab;
	size_t len = 0, n = 0, words = 3 + (size_t)(s % 25);
	for (size_t k = 0; k < words; k++) {
		*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t a = len;
		if ((*x >> 60) < 5)
			len += (size_t)snprintf(text + len, cap - len, "Tên%u", (unsigned)(*x >> 40) % 9000);
		else
			len += (size_t)snprintf(text + len, cap - len, "%s", vocab[(*x >> 33) % nv]);
		w[n++] = (chu_span){a, len};
		text[len++] = ' ';
	}
	text[--len] = 0;
	return n;
}

static void test_remembered(void)
{
	chu_ctx *shared;
	CHECK(chu_ctx_new(NULL, &shared) == CHU_OK, "a context");
	uint64_t x = 7;
	int bad = 0;
	char text[1024];
	for (int s = 0; s < 3000 && !bad; s++) {
		chu_span w[40];
		size_t n = random_sentence(&x, s, text, sizeof text, w);
		uint8_t p1[40], p2[40], e1[40], e2[40];
		const char *pn[40];
		chu_ctx *fresh;
		chu_ctx_new(NULL, &fresh);
		int rc = chu_tag(fresh, pos_model, CHU_TAGGER_POS, text, w, n, NULL, p1);
		for (size_t k = 0; k < n; k++)
			pn[k] = chu_tag_name(pos_model, CHU_TAGGER_POS, p1[k]);
		rc |= chu_tag(fresh, ner_model, CHU_TAGGER_NER, text, w, n, pn, e1);
		chu_ctx_free(fresh);
		rc |= chu_tag(shared, pos_model, CHU_TAGGER_POS, text, w, n, NULL, p2);
		rc |= chu_tag(shared, ner_model, CHU_TAGGER_NER, text, w, n, pn, e2);
		if (rc != CHU_OK || memcmp(p1, p2, n) || memcmp(e1, e2, n)) {
			bad = 1;
			fprintf(stderr, "test_tag: sentence %d tagged otherwise after 3,000 others: %s\n", s, text);
		}
	}
	CHECK(!bad, "tags do not depend on the sentences tagged before");
	chu_ctx_free(shared);
}

/* ---- the file layouts of a tagger ---- */

/* A model file's bytes and its sections (the format of src/model.c). */
typedef struct {
	unsigned char *bytes;
	size_t size;
	uint32_t n;
	const char *name[64];
	void *data[64];
	uint64_t len[64];
} model_file;

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool read_model_file(const char *path, model_file *mf)
{
	memset(mf, 0, sizeof *mf);
	mf->bytes = harness_read_file(path, &mf->size);
	bool ok = mf->bytes && mf->size > 56;
	mf->n = ok ? (uint32_t)le64(mf->bytes + 48) & 0xFFFFFFFFu : 0;
	for (uint32_t i = 0; ok && i < mf->n && i < 64; i++) {
		const unsigned char *e = mf->bytes + 56 + 40 * (size_t)i;
		mf->name[i] = (const char *)e;
		mf->data[i] = mf->bytes + le64(e + 24);
		mf->len[i] = le64(e + 32);
	}
	return ok && mf->n <= 64;
}

static int section_of(const model_file *mf, const char *prefix, const char *suffix)
{
	char name[24];
	snprintf(name, sizeof name, "%s.%s", prefix, suffix);
	for (uint32_t i = 0; i < mf->n; i++)
		if (strcmp(mf->name[i], name) == 0)
			return (int)i;
	return -1;
}

/* Writes the tagger of mf (sections P.*) in the layout of format 1: a table of each key's entry
 * list instead of the slots, rows and filter (a dense row becomes a list again, appended to the
 * entries). Returns false when mf is not such a tagger. */
static bool write_table_layout(const model_file *mf, const char *p, const char *out)
{
	int meta = section_of(mf, p, "meta"), ent = section_of(mf, p, "entries"), sl = section_of(mf, p, "slots"),
	    de = section_of(mf, p, "dense");
	if (meta < 0 || ent < 0 || sl < 0 || de < 0)
		return false;
	uint32_t m[8];
	memcpy(m, mf->data[meta], sizeof m);
	uint32_t K = m[0], ns = m[1], ne = m[2], KP8 = (K + 7) & ~7u;
	const uint64_t *slots = mf->data[sl];
	const int16_t *dense = mf->data[de];
	size_t cap = ne + (size_t)ns * K;
	uint32_t *entries = malloc(cap * 4);
	uint64_t *table = calloc(ns, 8);
	memcpy(entries, mf->data[ent], (size_t)ne * 4);
	size_t n = ne;
	for (uint32_t i = 0; i < ns; i++) {
		uint64_t e = slots[i];
		uint32_t at = (uint32_t)(e >> 32);
		if (!(uint32_t)e || !(at & 0x80000000u)) {
			table[i] = e;
			continue;
		}
		const int16_t *row = dense + (size_t)(at & 0x7FFFFFFFu) * KP8;
		size_t start = n;
		for (uint32_t y = 0; y < K; y++)
			if (row[y])
				entries[n++] = y | (uint32_t)(uint16_t)row[y] << 8;
		if (n == start)
			entries[n++] = 0;
		entries[n - 1] |= 1u << 24;
		table[i] = (uint32_t)e | (uint64_t)start << 32;
	}
	m[2] = (uint32_t)n;
	const char *names[64];
	const void *data[64];
	uint64_t sizes[64];
	size_t k = 0;
	char tname[24];
	snprintf(tname, sizeof tname, "%s.table", p);
	for (uint32_t i = 0; i < mf->n; i++) {
		if (strstr(mf->name[i], ".slots") || strstr(mf->name[i], ".dense") || strstr(mf->name[i], ".bloom"))
			continue;
		names[k] = mf->name[i], data[k] = mf->data[i], sizes[k] = mf->len[i];
		if ((int)i == meta)
			data[k] = m;
		if ((int)i == ent)
			data[k] = entries, sizes[k] = (uint64_t)n * 4;
		k++;
		if ((int)i == ent)
			names[k] = tname, data[k] = table, sizes[k++] = (uint64_t)ns * 8;
	}
	int rc = chu__model_write(out, names, data, sizes, k);
	free(entries);
	free(table);
	return rc == CHU_OK;
}

/* A tagger file of format 1 (a table where the trainer now writes slots, rows and a filter) still
 * loads, and tags exactly as the committed file; slots that point past the rows are refused
 * although the checksum holds; a file of format 1 is checked by the old checksum and a later
 * format is refused by name. */
static void test_layouts(void)
{
	model_file pf, nf;
	char ppath[64], npath[64];
	snprintf(ppath, sizeof ppath, "/tmp/chu-test-pos-%d.chm", (int)getpid());
	snprintf(npath, sizeof npath, "/tmp/chu-test-ner-%d.chm", (int)getpid());
	bool ok = read_model_file("models/pos.chm", &pf) && read_model_file("models/ner.chm", &nf);
	CHECK(ok && write_table_layout(&pf, "pos", ppath) && write_table_layout(&nf, "ner", npath),
	      "the committed taggers have slots, rows and a filter");
	chu_model *op = NULL, *on = NULL;
	int rp = chu_model_open(ppath, &op), rn = chu_model_open(npath, &on);
	CHECK(rp == CHU_OK && rn == CHU_OK, "a tagger with a table: %s, %s", chu_strerror(rp), chu_strerror(rn));
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	uint64_t x = 11;
	int differ = 0;
	char text[1024];
	for (int s = 0; s < 2000 && op && on; s++) {
		chu_span w[40];
		size_t n = random_sentence(&x, s, text, sizeof text, w);
		uint8_t p1[40], p2[40], e1[40], e2[40];
		const char *pn[40];
		int rc = chu_tag(ctx, pos_model, CHU_TAGGER_POS, text, w, n, NULL, p1);
		rc |= chu_tag(ctx, op, CHU_TAGGER_POS, text, w, n, NULL, p2);
		for (size_t k = 0; k < n; k++)
			pn[k] = chu_tag_name(pos_model, CHU_TAGGER_POS, p1[k]);
		rc |= chu_tag(ctx, ner_model, CHU_TAGGER_NER, text, w, n, pn, e1);
		rc |= chu_tag(ctx, on, CHU_TAGGER_NER, text, w, n, pn, e2);
		differ += rc != CHU_OK || memcmp(p1, p2, n) || memcmp(e1, e2, n);
	}
	CHECK(op && on && differ == 0, "%d of 2,000 sentences tagged otherwise from a table", differ);
	chu_ctx_free(ctx);
	chu_model_close(op);
	chu_model_close(on);

	/* one slot of the committed pos.chm sent past its rows, the file sealed again */
	int sl = ok ? section_of(&pf, "pos", "slots") : -1, de = ok ? section_of(&pf, "pos", "dense") : -1;
	if (sl >= 0 && de >= 0) {
		uint64_t *slots = pf.data[sl];
		uint32_t i = 0;
		while (!(uint32_t)slots[i] || !(slots[i] >> 63))
			i++;
		uint64_t keep = slots[i], rows = pf.len[de] / 64;
		slots[i] = (uint32_t)keep | (uint64_t)(0x80000000u | (uint32_t)rows) << 32;
		CHECK(chu__model_write(ppath, pf.name, (const void *const *)pf.data, pf.len, pf.n) == CHU_OK, "write");
		chu_model *m = NULL;
		int rc = chu_model_open(ppath, &m);
		CHECK(rc == CHU_EFORMAT, "a slot past the rows: %s", chu_strerror(rc));
		chu_model_close(m);
		slots[i] = keep;
	}
	/* format 1 with its own checksum loads; format 3 is refused as a version */
	if (ok) {
		unsigned char *b = pf.bytes;
		uint64_t h = chu__checksum(b + 48, pf.size - 48);
		b[8] = 1;
		for (int q = 0; q < 8; q++)
			b[40 + q] = (unsigned char)(h >> (8 * q));
		FILE *f = fopen(ppath, "wb");
		CHECK(f && fwrite(b, 1, pf.size, f) == pf.size && fclose(f) == 0, "write");
		chu_model *m = NULL;
		int rc = chu_model_open(ppath, &m);
		CHECK(rc == CHU_OK, "format 1 with its checksum: %s", chu_strerror(rc));
		chu_model_close(m);
		b[8] = 3;
		f = fopen(ppath, "wb");
		CHECK(f && fwrite(b, 1, pf.size, f) == pf.size && fclose(f) == 0, "write");
		rc = chu_model_open(ppath, &m);
		CHECK(rc == CHU_EVERSION, "format 3: %s", chu_strerror(rc));
		chu_model_close(m);
	}
	free(pf.bytes);
	free(nf.bytes);
	remove(ppath);
	remove(npath);
}

/* Sentences typed without marks (chu_ctx_set_accent): segmented and tagged as their restored
 * spelling, the words' offsets those of the text as given. */
static int source_calls;
static int give_accent(void *ud, const chu_model **m)
{
	source_calls++;
	*m = ud;
	return CHU_OK;
}
static int broken_accent(void *ud, const chu_model **m)
{
	(void)ud;
	*m = NULL;
	return CHU_EFORMAT;
}

/* "SYLLABLES/POS/NER " for each word of text, segmented and tagged on ctx; the words' spans must
 * lie in text and cover its syllables in order. */
static int tag_string(chu_ctx *ctx, const chu_model *seg, const char *text, char *out, size_t cap)
{
	const chu_word *w;
	size_t n;
	int rc = chu_segment(ctx, seg, text, strlen(text), &w, &n);
	if (rc < 0 || n > 32)
		return rc < 0 ? rc : CHU_EINVAL;
	chu_span sp[32];
	uint8_t pt[32], nt[32];
	const char *pn[32];
	for (size_t i = 0; i < n; i++)
		sp[i] = (chu_span){w[i].start, w[i].end};
	if ((rc = chu_tag(ctx, pos_model, CHU_TAGGER_POS, text, sp, n, NULL, pt)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		pn[i] = chu_tag_name(pos_model, CHU_TAGGER_POS, pt[i]);
	if ((rc = chu_tag(ctx, ner_model, CHU_TAGGER_NER, text, sp, n, pn, nt)) < 0)
		return rc;
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && k < cap; i++) {
		if (i && sp[i].start < sp[i - 1].end)
			return CHU_EINVAL;
		k += (size_t)snprintf(out + k, cap - k, "%u/%s/%s ", (unsigned)w[i].n_tokens, pn[i],
		                      chu_tag_name(ner_model, CHU_TAGGER_NER, nt[i]));
	}
	return CHU_OK;
}

static void test_unmarked(void)
{
	chu_model *seg;
	if (chu_model_open("models/seg.chm", &seg) < 0) {
		harness_skip("models/seg.chm is absent: sentences without marks are not tested");
		return;
	}
	static const char bare[] = "Thu tuong Pham Minh Chinh noi voi bao chi tai Ha Noi.";
	static const char marked[] = "Thủ tướng Phạm Minh Chính nói với báo chí tại Hà Nội.";
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	char want[512], got[512], before[512], after[512];
	CHECK(tag_string(ctx, seg, marked, want, sizeof want) == CHU_OK, "the marked sentence");
	CHECK(strstr(want, "3/Np/B-PER ") != NULL, "the marked sentence has its person: %s", want);
	CHECK(tag_string(ctx, seg, bare, before, sizeof before) == CHU_OK, "as written");
	CHECK(strcmp(before, want) != 0, "as written, the sentence without marks is read otherwise: %s", before);
	CHECK(chu_ctx_set_accent(ctx, pos_model) == CHU_EINVAL, "a tagger is no restorer");
	CHECK(chu_ctx_set_accent(ctx, acc_model) == CHU_OK, "the restorer set");
	CHECK(tag_string(ctx, seg, bare, got, sizeof got) == CHU_OK, "restored");
	CHECK_STR(got, want);
	CHECK(tag_string(ctx, seg, marked, after, sizeof after) == CHU_OK && strcmp(after, want) == 0,
	      "a marked sentence is read as written: %s", after);
	/* the pretokenized forms: tokens to chu_segment_tokens, words joined by '_' to chu_tag */
	static const char toks[] = "Thu tuong Pham Minh Chinh noi voi bao chi tai Ha Noi .";
	chu_span tsp[16];
	size_t nt = 0;
	for (size_t i = 0; toks[i];) {
		size_t a = i;
		while (toks[i] && toks[i] != ' ')
			i++;
		tsp[nt++] = (chu_span){a, i};
		while (toks[i] == ' ')
			i++;
	}
	unsigned char join[16];
	CHECK(chu_segment_tokens(ctx, seg, toks, tsp, nt, join) == CHU_OK, "segment tokens");
	char js[32] = "";
	for (size_t i = 0; i + 1 < nt; i++)
		js[i] = (char)('0' + join[i]);
	CHECK_STR(js, "101100010010");
	static const char words[] = "Pham_Minh_Chinh noi voi bao_chi";
	chu_span wsp[] = {{0, 15}, {16, 19}, {20, 23}, {24, 31}};
	uint8_t wt[4];
	CHECK(chu_tag(ctx, pos_model, CHU_TAGGER_POS, words, wsp, 4, NULL, wt) == CHU_OK, "tag words joined by '_'");
	CHECK_STR(chu_tag_name(pos_model, CHU_TAGGER_POS, wt[3]), "N");
	/* the source: asked once, and only when a sentence needs it */
	CHECK(chu_ctx_set_accent_source(ctx, give_accent, acc_model) == CHU_OK, "a source");
	source_calls = 0;
	CHECK(tag_string(ctx, seg, marked, after, sizeof after) == CHU_OK && source_calls == 0,
	      "marked text does not ask for the restorer (%d)", source_calls);
	CHECK(tag_string(ctx, seg, bare, got, sizeof got) == CHU_OK && strcmp(got, want) == 0, "from the source: %s", got);
	CHECK(tag_string(ctx, seg, bare, got, sizeof got) == CHU_OK && source_calls == 1, "asked once (%d)", source_calls);
	CHECK(chu_ctx_set_accent_source(ctx, broken_accent, NULL) == CHU_OK, "a failing source");
	const chu_word *w;
	size_t n;
	CHECK(chu_segment(ctx, seg, bare, strlen(bare), &w, &n) == CHU_EFORMAT, "its error is the call's");
	CHECK(chu_segment(ctx, seg, marked, strlen(marked), &w, &n) == CHU_OK, "marked text does without");
	CHECK(chu_ctx_set_accent_source(ctx, NULL, NULL) == CHU_OK, "off");
	CHECK(tag_string(ctx, seg, bare, got, sizeof got) == CHU_OK && strcmp(got, before) == 0, "off again: %s", got);
	chu_ctx_free(ctx);
	chu_model_close(seg);
}

int main(void)
{
	test_tag_sets();
	test_rules();
	test_clusters();
	if (chu_model_open("models/pos.chm", &pos_model) < 0 || chu_model_open("models/ner.chm", &ner_model) < 0 ||
	    chu_model_open("models/accent.chm", &acc_model) < 0) {
		harness_skip("models/pos.chm, ner.chm or accent.chm is absent or unreadable (make model)");
		return harness_done();
	}
	test_parts();
	test_rules_over_model();
	test_viterbi(pos_model, CHU_TAGGER_POS);
	test_viterbi(ner_model, CHU_TAGGER_NER);
	test_arguments();
	test_threads();
	test_remembered();
	test_layouts();
	test_consistency();
	test_unmarked();
	test_damaged("models/pos.chm", 40);
	test_damaged("models/accent.chm", 10);
	chu_model_close(pos_model);
	chu_model_close(ner_model);
	chu_model_close(acc_model);
	return harness_done();
}
