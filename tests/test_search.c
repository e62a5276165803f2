/*
 * test_search.c — the FTS5 tokenizer "chu" on a real SQLite: accented, accent-less and
 * tone-variant queries find the right article first, highlights cover exactly the matched bytes,
 * look-alikes do not match an accented query, word keys come from the model, and the keys of
 * chu_search_keys() are what the contract says. The seed articles are indexed too (skipped when
 * ../shared is absent).
 */
#include "harness.h"
#include "chu.h"

#include <dirent.h>
#include <unistd.h>
#include <stdbool.h>
#include <sqlite3.h>

int chu_sqlite_register(sqlite3 *db, const char *model_path);

static sqlite3 *db;

static void exec(const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	CHECK(rc == SQLITE_OK, "%s: %s", sql, err ? err : "");
	sqlite3_free(err);
}

static void insert(const char *title, const char *body)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "INSERT INTO t(title, body) VALUES(?, ?)", -1, &st, NULL);
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	CHECK(sqlite3_step(st) == SQLITE_DONE, "insert %s: %s", title, sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

/* The titles matching q, best first, joined by '|'. */
static const char *search(const char *q)
{
	static char out[4096];
	out[0] = '\0';
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT title FROM t WHERE t MATCH ? ORDER BY rank", -1, &st, NULL) != SQLITE_OK)
		return "(prepare failed)";
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (out[0])
			strncat(out, "|", sizeof out - strlen(out) - 1);
		strncat(out, (const char *)sqlite3_column_text(st, 0), sizeof out - strlen(out) - 1);
	}
	sqlite3_finalize(st);
	return out;
}

static const char *highlight(const char *q)
{
	static char out[4096];
	out[0] = '\0';
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT highlight(t, 1, '[', ']') FROM t WHERE t MATCH ? ORDER BY rank LIMIT 1", -1, &st, NULL);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static bool starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static void test_articles(void)
{
	insert("phu-nu", "Hội nghị về phụ nữ, hoà bình và an ninh khai mạc tại Đà Nẵng ngày 9/7/2020.");
	insert("da-nang-da", "Người dân ven biển chở những hòn đá nặng để xây kè chắn sóng.");
	insert("hoa-binh", "Tỉnh Hòa Bình tổ chức lễ hội văn hoá dân tộc Mường.");
	insert("kinh-te", "Gói hỗ trợ 62.000 tỷ đồng dành cho người lao động mất việc.");
	CHECK_STR(search("phụ nữ"), "phu-nu");
	CHECK_STR(search("phu nu"), "phu-nu");
	CHECK_STR(search("PHỤ NỮ"), "phu-nu");
	CHECK(starts_with(search("hòa bình"), "phu-nu") || starts_with(search("hòa bình"), "hoa-binh"), "hòa bình: %s", search("hòa bình"));
	CHECK(strstr(search("hoà bình"), "phu-nu") && strstr(search("hoà bình"), "hoa-binh"), "tone variants: %s", search("hoà bình"));
	CHECK_STR(search("\"Đà Nẵng\""), "phu-nu");
	const char *r = search("\"da nang\"");
	CHECK(strstr(r, "phu-nu") && strstr(r, "da-nang-da"), "accent-less finds both spellings: %s", r);
	/* a final y or i after a consonant onset: either spelling finds the other */
	insert("ky-su", "Các kỹ sư trẻ của công ti nêu rõ lí do.");
	CHECK_STR(search("\"kĩ sư\""), "ky-su");
	CHECK_STR(search("\"lý do\" AND \"công ty\""), "ky-su");
	CHECK_STR(search("ki su"), "ky-su");
	CHECK_STR(search("\"62.000 tỷ đồng\""), "kinh-te");
	CHECK_STR(search("ty dong"), "kinh-te");
	CHECK_STR(search("\"9/7/2020\""), "phu-nu");
	CHECK_STR(highlight("\"da nang\" AND hoi"), "[Hội] nghị về phụ nữ, hoà bình và an ninh khai mạc tại [Đà Nẵng] ngày 9/7/2020.");
	CHECK_STR(highlight("\"van hoa\""), "Tỉnh Hòa Bình tổ chức lễ hội [văn hoá] dân tộc Mường.");
	CHECK_STR(highlight("\"lao dong\""), "Gói hỗ trợ 62.000 tỷ đồng dành cho người [lao động] mất việc.");
	CHECK_STR(highlight("\"tỷ đồng\""), "Gói hỗ trợ 62.000 [tỷ đồng] dành cho người lao động mất việc.");
}

typedef struct keys {
	char buf[2048];
} keys;

static int collect(void *ud, const char *key, size_t len, size_t start, size_t end, int colocated)
{
	keys *k = ud;
	size_t n = strlen(k->buf);
	snprintf(k->buf + n, sizeof k->buf - n, "%s%.*s@%zu-%zu", colocated ? "+" : " ", (int)len, key, start, end);
	return 0;
}

static void test_keys(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	keys k = {""};
	const char *text = "Phụ nữ, ASEM!";
	CHECK(chu_search_keys(ctx, NULL, text, strlen(text), 0, collect, &k) == CHU_OK, "keys");
	CHECK_STR(k.buf, " phụ@0-5 nữ@6-10 asem@12-16");
	k.buf[0] = '\0';
	text = "62.000 tỷ, TP.HCM 9/7/2020 Hòa\xC2\xAD" "bình"; /* a soft hyphen is dropped, not a break */
	chu_search_keys(ctx, NULL, text, strlen(text), 0, collect, &k);
	CHECK_STR(k.buf, " 62@0-2 000@3-6 tỷ@7-11 tp@13-15 hcm@16-19 9@20-21 7@22-23 2020@24-28 hòabình@29-40");
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "Hòa", strlen("Hòa"), CHU_SEARCH_QUERY, collect, &k);
	CHECK_STR(k.buf, " hoà@0-4");
	/* typed without marks: the spellings that fold to the term, colocated */
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "hoa", 3, CHU_SEARCH_QUERY, collect, &k);
	CHECK(strncmp(k.buf, " hoa@0-3+", 9) == 0 && strstr(k.buf, "+hoà@0-3") && strstr(k.buf, "+hoá@0-3") && !strstr(k.buf, "+hòa@"),
	      "hoa: %s", k.buf);
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "Duong", 5, CHU_SEARCH_QUERY, collect, &k);
	CHECK(strstr(k.buf, "+đường@0-5") && strstr(k.buf, "+dương@0-5") && strstr(k.buf, "+đương@0-5") && !strstr(k.buf, "+dưong"),
	      "duong: %s", k.buf);
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "viet", 4, CHU_SEARCH_QUERY, collect, &k);
	CHECK_STR(k.buf, " viet@0-4+viêt@0-4+viết@0-4+việt@0-4"); /* a stop coda: sắc and nặng only */
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "qua covid 2020", 14, CHU_SEARCH_QUERY, collect, &k);
	CHECK(strstr(k.buf, "+quả@0-3") && !strstr(k.buf, "qư") && strstr(k.buf, " covid@4-9 2020@10-14"), "qua covid: %s", k.buf);
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "kĩ Quý đỵ", strlen("kĩ Quý đỵ"), CHU_SEARCH_QUERY, collect, &k);
	CHECK_STR(k.buf, " kĩ@0-3+kỹ@0-3 quý@4-8+quí@4-8 đỵ@9-14+đị@9-14");
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "huy gì tay y", strlen("huy gì tay y"), CHU_SEARCH_QUERY, collect, &k);
	CHECK(strstr(k.buf, " huy@0-3+") && !strstr(k.buf, "hui") && !strstr(k.buf, "gỳ") && !strstr(k.buf, "tai") &&
	          !strstr(k.buf, "+i@") && !strstr(k.buf, "+í@"),
	      "no twin: %s", k.buf);
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "ki", 2, CHU_SEARCH_QUERY, collect, &k);
	CHECK(strstr(k.buf, "+ky@0-2") && strstr(k.buf, "+kỹ@0-2") && strstr(k.buf, "+kĩ@0-2") && strstr(k.buf, "+kỳ@0-2"), "ki: %s", k.buf);
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "ki", 2, CHU_SEARCH_QUERY | CHU_SEARCH_PREFIX, collect, &k);
	CHECK(!strstr(k.buf, "ky") && !strstr(k.buf, "kỹ"), "prefix ki: %s", k.buf);
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "nguye", 5, CHU_SEARCH_QUERY | CHU_SEARCH_PREFIX, collect, &k);
	CHECK(strstr(k.buf, "+nguyễ@0-5") && strstr(k.buf, "+nguyê@0-5") && !strstr(k.buf, "+nguyên@"), "prefix nguye: %s", k.buf);
	/* CHU_SEARCH_AS_WRITTEN: every unit as after '=' (its key and y/i twin only) */
	k.buf[0] = '\0';
	chu_search_keys(ctx, NULL, "Quang nam ki", 12, CHU_SEARCH_QUERY | CHU_SEARCH_AS_WRITTEN, collect, &k);
	CHECK_STR(k.buf, " quang@0-5 nam@6-9 ki@10-12+ky@10-12");
	CHECK(chu_query_marked("Quảng nam", strlen("Quảng nam")) && !chu_query_marked("Quang -nam \"OR\"", 16) &&
	          !chu_query_marked(NULL, 0) && !chu_query_marked("", 0),
	      "chu_query_marked");
	chu_model *m = NULL;
	if (chu_model_open("models/seg.chm", &m) == CHU_OK) {
		k.buf[0] = '\0';
		const char *s = "Bình đẳng giới";
		chu_search_keys(ctx, m, s, strlen(s), 0, collect, &k);
		CHECK(strstr(k.buf, " bình@0-5+bình_đẳng@0-5 đẳng@6-13 giới") != NULL, "word keys: %s", k.buf);
		chu_model_close(m);
	} else {
		harness_skip("models/seg.chm is absent: word keys not checked");
	}
	chu_ctx_free(ctx);
}

static void test_query(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
	const char *o = NULL;
	size_t n = 0;
#define Q(model, text, want)                                                                                           \
	do {                                                                                                               \
		CHECK(chu_search_query(ctx, model, text, strlen(text), &o, &n) == CHU_OK && n == strlen(o), "query %s", text); \
		CHECK_STR(o, want);                                                                                            \
	} while (0)
	Q(NULL, "Phụ nữ được bầu bao nhiêu lần?", "\"=phụ\" OR \"=nữ\" OR \"=được\" OR \"=bầu\" OR \"=lần\"");
	Q(NULL, "Hội nghị tổ chức ở đâu", "\"=hội\" OR \"=nghị\" OR \"=tổ\" OR \"=chức\"");
	Q(NULL, "Hà Nội có đẹp không?", "\"=hà\" OR \"=nội\" OR \"=có\" OR \"=đẹp\"");         /* a final yes-or-no */
	Q(NULL, "hàng không Việt Nam", "\"=hàng\" OR \"=không\" OR \"=việt\" OR \"=nam\""); /* not final: a word */
	Q(NULL, "Ai Cập ở đâu?", "\"=ai\" OR \"=cập\"");
	Q(NULL, "Ai là người đầu tiên?", "\"=là\" OR \"=người\" OR \"=đầu\" OR \"=tiên\"");
	Q(NULL, "bao nhiêu?", "\"=bao\" OR \"=nhiêu\""); /* nothing else: kept */
	Q(NULL, "tai sao hoa binh", "\"hoa\" OR \"binh\"");     /* unmarked, two syllables: still a question word */
	Q(NULL, "o dau", "\"o\" OR \"dau\"");                   /* unmarked, one syllable: could be a word */
	Q(NULL, "?! ...", "");
	Q(NULL, "Hòa \"x\" 62.000", "\"=hoà\" OR \"=x\" OR \"=62\" OR \"=000\""); /* quotes never pass */
	CHECK(chu_search_query(NULL, NULL, "a", 1, &o, NULL) == CHU_EINVAL, "query: NULL ctx");
	CHECK(chu_search_query(ctx, NULL, "a", 1, NULL, NULL) == CHU_EINVAL, "query: NULL out");
	chu_model *acc = NULL;
	if (chu_model_open("models/accent.chm", &acc) == CHU_OK) {
		/* no marks at all: the restored spellings beside the words; restored question words out */
		Q(acc, "phu nu o dau", "\"phu\" OR \"phụ\" OR \"nu\" OR \"nữ\"");
		Q(acc, "Phụ nu", "\"=phụ\" OR \"=nu\""); /* one mark: the query is taken as typed */
		chu_model_close(acc);
	} else {
		harness_skip("models/accent.chm is absent: restored queries not checked");
	}
#undef Q
	chu_ctx_free(ctx);
}

static void test_seeds(void)
{
	const char *data = getenv("CHU_DATA") ? getenv("CHU_DATA") : "../shared/data";
	char dir[512];
	snprintf(dir, sizeof dir, "%s/seeds", data);
	DIR *d = opendir(dir);
	if (!d) {
		harness_skip("seed articles absent: ../shared/data/seeds");
		return;
	}
	exec("DELETE FROM t");
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)) != NULL) {
		if (!strstr(e->d_name, ".txt") || strcmp(e->d_name, "SOURCE.md") == 0)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		static char body[65536];
		size_t k = f ? fread(body, 1, sizeof body - 1, f) : 0;
		if (f)
			fclose(f);
		body[k] = '\0';
		char title[8];
		snprintf(title, sizeof title, "%.3s", e->d_name);
		insert(title, body);
		n++;
	}
	closedir(d);
	CHECK(n == 5, "%d seed articles", n);
	CHECK(starts_with(search("\"Sok Siphana\""), "000"), "Sok Siphana: %s", search("\"Sok Siphana\""));
	CHECK(starts_with(search("\"sok siphana\""), "000"), "lowercase name");
	CHECK(starts_with(search("\"62.000 tỷ đồng\""), "001"), "money: %s", search("\"62.000 tỷ đồng\""));
	CHECK(starts_with(search("\"lien hiep quoc\""), "002") || starts_with(search("\"lien hiep quoc\""), "003"), "accent-less");
	CHECK(strstr(search("\"hòa bình\" \"an ninh\""), "002") != NULL, "tone variant: %s", search("\"hòa bình\" \"an ninh\""));
	CHECK(strstr(search("\"hoà bình\" \"an ninh\""), "002") != NULL, "tone variant (new style)");
	CHECK(starts_with(search("\"16/7\" ASEAN"), "004"), "date: %s", search("\"16/7\" ASEAN"));
}

/* The tiers of a query, "name: match" one a line, then the filters. */
static const char *tiers_of(chu_ctx *ctx, const chu_model *model, const char *text, int flags)
{
	static char buf[4096];
	chu_query q;
	int rc = chu_query_compile(ctx, model, text, strlen(text), flags, &q);
	if (rc == CHU_ESYNTAX) {
		snprintf(buf, sizeof buf, "error: %s", q.error);
		return buf;
	}
	if (rc != CHU_OK)
		return chu_strerror(rc);
	buf[0] = '\0';
	for (size_t i = 0; i < q.n_tiers; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s: %s\n", q.tiers[i].exact ? "" : "~", q.tiers[i].name,
		         q.tiers[i].match);
	for (size_t i = 0; i < q.n_filters; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s=%s\n", q.filters[i].neg ? "-" : "", q.filters[i].field,
		         q.filters[i].text);
	return buf;
}

/* The query language: tiers, marks, operators, errors (chu_query_compile). */
static void test_compile(void)
{
	chu_ctx *ctx;
	chu_ctx_new(NULL, &ctx);
#define T(text, flags, want) CHECK_STR(tiers_of(ctx, NULL, text, flags), want)
	/* a marked query: every word as written ("nam" is not "năm"), then its look-alikes */
	T("Quảng Nam", 0,
	  "phrase: \"=Quảng =Nam\"\nnear: NEAR(\"=Quảng\" \"=Nam\", 10)\nall: \"=Quảng\" AND \"=Nam\"\n"
	  "~look-alike: \"quang\" AND \"nam\"\nmost: (\"=quảng\" OR \"=nam\")\n");
	/* without marks: every spelling, no look-alike tier */
	T("phu nu", 0,
	  "phrase: \"phu nu\"\nnear: NEAR(\"phu\" \"nu\", 10)\nall: \"phu\" AND \"nu\"\nmost: (\"phu\" OR \"nu\")\n");
	T("phu nu", CHU_QUERY_ALL, "phrase: \"phu nu\"\nnear: NEAR(\"phu\" \"nu\", 10)\nall: \"phu\" AND \"nu\"\n");
	T("hoa", 0, "all: \"hoa\"\n");
	T("=nam", 0, "all: \"=nam\"\n");
	/* operators: as written, no looser tiers */
	T("kè OR lúa", 0, "all: (\"=kè\" OR \"=lúa\")\n~look-alike: (\"ke\" OR \"lua\")\n");
	T("ke AND lua", 0, "all: \"ke\" AND \"lua\"\n");
	T("ke NOT lua", 0, "all: \"ke\" NOT \"lua\"\n");
	T("ke -\"lua moi\" title:x", 0, "all: \"ke\" AND title : \"x\" NOT \"lua moi\"\n");
	T("nguye* van", 0,
	  "all: \"nguye\"* AND \"van\"\n");
	/* plain words rank as a phrase; other terms stay required in every tier */
	T("lua som title:mua", 0,
	  "phrase: \"lua som\" AND title : \"mua\"\nnear: NEAR(\"lua\" \"som\", 10) AND title : \"mua\"\n"
	  "all: \"lua\" AND \"som\" AND title : \"mua\"\nmost: (\"lua\" OR \"som\") AND title : \"mua\"\n");
	/* entity filters: their text is looked for too */
	T("org:ASEM -per:\"Lê Văn\"", 0, "all: \"ASEM\"\norg=ASEM\n-per=Lê Văn\n");
	/* what does not parse */
	/* date: the days a year, month, day or range takes in; not a word to look for */
	T("lua date:2020", 0, "all: \"lua\"\ndate=2020-01-01..2020-12-31\n");
	T("lua date:2/2024", 0, "all: \"lua\"\ndate=2024-02-01..2024-02-29\n");
	T("lua date:2/2023", 0, "all: \"lua\"\ndate=2023-02-01..2023-02-28\n");
	T("lua date:16/7/2020", 0, "all: \"lua\"\ndate=2020-07-16..2020-07-16\n");
	T("lua date:2020-07", 0, "all: \"lua\"\ndate=2020-07-01..2020-07-31\n");
	T("lua -date:2019..3/2020", 0, "all: \"lua\"\n-date=2019-01-01..2020-03-31\n");
	T("lua date:2020..", 0, "all: \"lua\"\ndate=2020-01-01..9999-12-31\n");
	T("lua date:..2019-06-30", 0, "all: \"lua\"\ndate=0000-01-01..2019-06-30\n");
	T("lua date:30/2/2020", 0, "error: date:30/2/2020 is not a date: write a year, a month or a day (2020, 7/2020, "
	  "16/7/2020, 2020-07-16) or a range (2019..3/2020)");
	T("lua date:2021..2019", 0, "error: date:2021..2019 is not a date: write a year, a month or a day (2020, 7/2020, "
	  "16/7/2020, 2020-07-16) or a range (2019..3/2020)");
	T("lua date:..", 0, "error: date:.. is not a date: write a year, a month or a day (2020, 7/2020, "
	  "16/7/2020, 2020-07-16) or a range (2019..3/2020)");
	T("lua date:7/20", 0, "error: date:7/20 is not a date: write a year, a month or a day (2020, 7/2020, "
	  "16/7/2020, 2020-07-16) or a range (2019..3/2020)");
	T("date:2020", 0, "error: it has nothing to look for (only exclusions or filters)");
	T("vd:abc", 0, "error: unknown field vd: (the fields are title:, per:, org:, loc: and date:)");
	T("https://x.vn/a", 0, "all: \"https://x.vn/a\"\n");
	T("10:30", 0, "all: \"10:30\"\n");
	T("\"open", 0, "error: unbalanced quote");
	T("a OR", 0, "error: OR needs a term on each side");
	T("AND b", 0, "error: AND needs a term on each side");
	T("a NOT", 0, "error: NOT needs a term after it");
	T("-a", 0, "error: it has nothing to look for (only exclusions or filters)");
	T("", 0, "error: it has nothing to look for (only exclusions or filters)");
	T("a \"b\"\"c\"", 0, "all: \"a\" AND \"b\" AND \"c\"\n");
	chu_query q;
	CHECK(chu_query_compile(NULL, NULL, "a", 1, 0, &q) == CHU_EINVAL, "compile: NULL ctx");
	CHECK(chu_query_compile(ctx, NULL, "a", 1, 0, NULL) == CHU_EINVAL, "compile: NULL out");
	/* every tier runs in FTS5 on the table of the tests */
	const char *qs[] = {"Quảng Nam", "phu nu", "kè OR lúa", "ke -\"lua moi\" title:x", "org:ASEM -per:\"Lê Văn\""};
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		CHECK(chu_query_compile(ctx, NULL, qs[i], strlen(qs[i]), 0, &q) == CHU_OK, "compile %s", qs[i]);
		for (size_t t = 0; t < q.n_tiers; t++) {
			sqlite3_stmt *st = NULL;
			int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &st, NULL);
			sqlite3_bind_text(st, 1, q.tiers[t].match, -1, SQLITE_STATIC);
			rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
			CHECK(rc == SQLITE_ROW, "FTS5 runs %s: %s", q.tiers[t].match, sqlite3_errmsg(db));
			sqlite3_finalize(st);
		}
	}
#undef T
	chu_ctx_free(ctx);
}

/* The hits of q on index ix: "id:match" for each, joined by '|'. */
static const char *index_hits(chu_index *ix, chu_ctx *ctx, const char *q)
{
	static char out[1024];
	out[0] = '\0';
	chu_index_request req;
	chu_index_request_init(&req);
	req.query = q;
	req.query_len = strlen(q);
	chu_index_results res;
	int rc = chu_index_search(ix, ctx, &req, &res);
	if (rc < 0) {
		snprintf(out, sizeof out, "(error %d: %s)", rc, chu_index_error(ix));
		return out;
	}
	for (size_t i = 0; i < res.n_hits; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s:%s", i ? "|" : "", res.hits[i].id, res.hits[i].match);
	return out;
}

/* chu_index_search runs the phrase, near and all tiers in one pass (chu_rank), with the spellings
 * the index's vocabulary holds; a document added later with a new spelling is found by the same
 * open index (the vocabulary is asked again when the database changed). */
static void test_one_pass(void)
{
	char path[] = "/tmp/chu_test_one_pass_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	if (fd < 0)
		return;
	close(fd);
	sqlite3 *w;
	CHECK(sqlite3_open(path, &w) == SQLITE_OK && chu_sqlite_register(w, NULL) == SQLITE_OK, "open %s", path);
	const char *schema = "CREATE TABLE docs(id INTEGER PRIMARY KEY, key TEXT, name TEXT, title TEXT, url TEXT, date TEXT, sum INTEGER);"
	                     "CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, tokenize = 'chu');"
	                     "INSERT INTO docs(id, key) VALUES (1, 'far'), (2, 'near'), (3, 'phrase'), (4, 'other');"
	                     "INSERT INTO docs_fts(rowid, title, body) VALUES"
	                     " (1, 'một', 'Quảng cáo một hai ba bốn năm sáu bảy tám chín mười mười một, rồi Nam.'),"
	                     " (2, 'hai', 'Nam ở Quảng Ninh.'), (3, 'ba', 'Đi Quảng Nam.'), (4, 'bốn', 'Nam Định.');";
	CHECK(sqlite3_exec(w, schema, NULL, NULL, NULL) == SQLITE_OK, "schema: %s", sqlite3_errmsg(w));
	chu_ctx *ctx;
	chu_index *ix;
	CHECK(chu_ctx_new(NULL, &ctx) == CHU_OK, "ctx");
	CHECK(chu_index_open(path, NULL, &ix) == CHU_OK, "index open: %s", chu_index_error(ix));
	const char *r = index_hits(ix, ctx, "quang nam");
	CHECK(strcmp(r, "phrase:phrase|near:near|far:near|other:most") == 0, "quang nam (năm is within 10 words): %s", r);
	r = index_hits(ix, ctx, "Quảng Nam");
	CHECK(strcmp(r, "phrase:phrase|near:near|far:all|other:most") == 0 || strcmp(r, "phrase:phrase|near:near|far:all") == 0,
	      "Quảng Nam: %s", r);
	r = index_hits(ix, ctx, "nam quang -ninh");
	CHECK(strcmp(r, "far:near|phrase:near|other:most") == 0 || strcmp(r, "phrase:near|far:near|other:most") == 0, "nam quang -ninh: %s", r);
	r = index_hits(ix, ctx, "quang OR dinh");
	CHECK(strstr(r, "other:all") && strstr(r, "phrase:all") && strstr(r, "near:all") && strstr(r, "far:all"), "quang OR dinh: %s", r);
	CHECK(strcmp(index_hits(ix, ctx, "quang"), "far:all|near:all|phrase:all") == 0 ||
	          strstr(index_hits(ix, ctx, "quang"), "other") == NULL,
	      "quang: %s", index_hits(ix, ctx, "quang"));
	/* a spelling the index did not hold when it was first asked for */
	CHECK(strstr(index_hits(ix, ctx, "quang khan"), "new") == NULL, "before the new document");
	CHECK(sqlite3_exec(w,
	                   "INSERT INTO docs(id, key) VALUES (5, 'new');"
	                   "INSERT INTO docs_fts(rowid, title, body) VALUES (5, 'năm', 'Quàng khăn đỏ.');",
	                   NULL, NULL, NULL) == SQLITE_OK,
	      "insert: %s", sqlite3_errmsg(w));
	r = index_hits(ix, ctx, "quang khan");
	CHECK(starts_with(r, "new:phrase|"), "quang khan after the new document: %s", r);
	chu_index_close(ix);
	chu_ctx_free(ctx);
	sqlite3_close(w);
	remove(path);
}

int main(void)
{
	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK, "open");
	CHECK(chu_sqlite_register(db, NULL) == SQLITE_OK, "register");
	exec("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'chu')");
	test_articles();
	test_keys();
	test_query();
	test_compile();
	test_seeds();
	test_one_pass();
	sqlite3_close(db);
	return harness_done();
}
