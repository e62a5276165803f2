/*
 * query.c — the query language of chu search (chu.h §8): a query as people type it, parsed and
 * compiled into FTS5 MATCH expressions for chu's tokenizer, one for each tier of a ranked list.
 *
 * Why tiers: bm25 ranks a document by how often and how rare its words are, not by whether they
 * stand together, so "Quảng Nam" alone ranks an article with "quảng cáo" and "nam" scattered as
 * high as one about the province. Each tier is a stricter reading run first — the words as a
 * phrase, then near each other, then all of them, then the look-alikes of a marked query, then
 * most of them — each ranked by bm25, the caller leaving out what an earlier tier gave.
 *
 * Every term is quoted in the expressions, so user input never reaches FTS5's syntax raw; a
 * unit preceded by '=' inside the quotes is taken as written by the tokenizer (src/search.c).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

enum { F_NONE, F_TITLE, F_PER, F_ORG, F_LOC, F_DATE };
static const char *const field_names[] = {"", "title", "per", "org", "loc", "date"};

typedef struct qterm {
	size_t a, b;  /* the word or phrase in the query text, without quotes or operators */
	bool phrase;  /* was quoted */
	bool neg;     /* -term, NOT term */
	bool prefix;  /* term* */
	bool or_next; /* OR binds this term to the next */
	int field;    /* F_* */
} qterm;

struct chu__query_state {
	chu__buf terms;   /* qterm[] */
	chu__buf text;    /* the tiers' expressions and the filters' texts, NUL-terminated */
	chu__buf offs;    /* size_t[]: where each of them starts in text */
	chu__buf piece;   /* one term being written */
	chu__buf filters; /* chu_query_filter[] */
	chu__buf src;     /* the query, invalid bytes as U+FFFD and NUL as a space */
	bool has_and;     /* the query has an AND */
	bool marked;      /* the last query compiled: had a mark (its words as written) */
	bool loose;       /* … had phrase and near tiers */
	bool has_or;      /* … had an OR */
	chu__buf ranked;  /* chu__query_ranked: its MATCH expression, then its groups */
	chu__buf keys;    /* chu__query_ranked: one word's keys, each NUL-terminated */
	chu__buf most;    /* a query typed without marks: its every-spelling "most" tier, kept while the
	                   * likely spelling compiles */
	char error[192];  /* a message made for this query */
	chu_query_tier tiers[6];
};

void chu__query_state_free(chu_ctx *ctx)
{
	struct chu__query_state *st = ctx->query;
	if (!st)
		return;
	chu__buf *bufs[] = {&st->terms, &st->text, &st->offs, &st->piece, &st->filters, &st->src, &st->ranked, &st->keys,
		                  &st->most};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		chu__buf_free(bufs[i]);
	chu__free(&ctx->alloc, st);
	ctx->query = NULL;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A bare word equal to op ("OR", "AND", "NOT") at s[i]? */
static bool is_op(const char *s, size_t i, size_t n, const char *op)
{
	size_t k = strlen(op);
	return i + k <= n && strncmp(s + i, op, k) == 0 && (i + k == n || is_space(s[i + k]));
}

/* Parses s[0, n) into st->terms; NULL, or what is wrong. */
/* ---- date: ---- */

static int days_in(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : days[m - 1];
}

/* Reads a number of 1 to max_digits digits at s[*i]; -1 when there is none. */
static int number(const char *s, size_t n, size_t *i, int max_digits)
{
	int v = 0, k = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9' && k < max_digits) {
		v = v * 10 + (s[(*i)++] - '0');
		k++;
	}
	return k ? v : -1;
}

/* One date of s[0, n) as a day, a month or a year — 2020, 2020-07, 2020-07-16, 7/2020,
 * 16/7/2020 (day/month/year, as Vietnamese writes them) — into its first and last day, "YYYY-MM-DD".
 * false when it is none of these or not a real day. */
static bool date_span(const char *s, size_t n, char first[11], char last[11])
{
	int v[3], k = 0;
	char sep = 0;
	size_t i = 0;
	while (k < 3) {
		if ((v[k] = number(s, n, &i, 4)) < 0)
			return false;
		k++;
		if (i == n)
			break;
		if ((s[i] != '-' && s[i] != '/') || (sep && s[i] != sep))
			return false;
		sep = s[i++];
	}
	if (i != n)
		return false;
	int y, m = 0, d = 0;
	if (sep == '/') { /* [d/]m/yyyy */
		y = v[k - 1];
		m = v[k - 2];
		d = k == 3 ? v[0] : 0;
	} else { /* yyyy[-mm[-dd]] */
		y = v[0];
		m = k > 1 ? v[1] : 0;
		d = k > 2 ? v[2] : 0;
	}
	if (y < 1000 || y > 9999 || (k == 1 && sep) || (sep == '/' && k == 1))
		return false;
	if (k > 1 && (m < 1 || m > 12))
		return false;
	if (k > 2 && (d < 1 || d > days_in(y, m)))
		return false;
	int m0 = k > 1 ? m : 1, m1 = k > 1 ? m : 12, d0 = k > 2 ? d : 1, d1 = k > 2 ? d : days_in(y, m1);
	/* (the remainders tell the compiler the widths: the values are already in range) */
	snprintf(first, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m0 % 100u, (unsigned)d0 % 100u);
	snprintf(last, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m1 % 100u, (unsigned)d1 % 100u);
	return true;
}

bool chu__query_date_range(const char *s, size_t n, char out[24])
{
	char a0[11] = "0000-01-01", a1[11], b0[11], b1[11] = "9999-12-31";
	const char *dots = NULL;
	for (size_t i = 0; i + 1 < n && !dots; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			dots = s + i;
	if (!dots) {
		if (!date_span(s, n, a0, b1))
			return false;
	} else {
		size_t an = (size_t)(dots - s), bn = n - an - 2;
		if ((!an && !bn) || (an && !date_span(s, an, a0, a1)) || (bn && !date_span(dots + 2, bn, b0, b1)))
			return false;
		if (strcmp(a0, b1) > 0)
			return false;
	}
	snprintf(out, 24, "%s..%s", a0, b1);
	return true;
}

static const char *parse(struct chu__query_state *st, const char *s, size_t n, int *rc)
{
	size_t i = 0;
	bool pending_or = false, pending_and = false, neg_next = false;
	st->terms.len = 0;
	st->has_and = false;
	while (i < n) {
		while (i < n && is_space(s[i]))
			i++;
		if (i >= n)
			break;
		qterm t = {0};
		if (is_op(s, i, n, "OR")) {
			size_t nt = st->terms.len / sizeof t;
			if (nt == 0 || pending_or || pending_and || neg_next)
				return "OR needs a term on each side";
			((qterm *)(void *)st->terms.data)[nt - 1].or_next = true;
			pending_or = true;
			i += 2;
			continue;
		}
		if (is_op(s, i, n, "AND")) {
			if (st->terms.len == 0 || pending_or || pending_and || neg_next)
				return "AND needs a term on each side";
			st->has_and = true;
			pending_and = true;
			i += 3;
			continue;
		}
		if (is_op(s, i, n, "NOT")) {
			if (neg_next)
				return "NOT twice";
			neg_next = true;
			i += 3;
			continue;
		}
		t.neg = neg_next;
		neg_next = false;
		if (s[i] == '-') {
			t.neg = true;
			i++;
		}
		/* field: letters, a colon and more (not "10:30", not "https://") */
		size_t k = i;
		while (k < n && is_alpha(s[k]))
			k++;
		if (k > i && k + 1 < n && s[k] == ':' && !is_space(s[k + 1]) && s[k + 1] != '/') {
			for (int f = F_TITLE; f <= F_DATE; f++)
				if (strlen(field_names[f]) == k - i && strncmp(s + i, field_names[f], k - i) == 0)
					t.field = f;
			if (!t.field) {
				snprintf(st->error, sizeof st->error, "unknown field %.*s: (the fields are title:, per:, org:, loc: and date:)",
				         (int)(k - i > 24 ? 24 : k - i), s + i);
				return st->error;
			}
			i = k + 1;
		}
		if (i < n && s[i] == '"') {
			t.a = ++i;
			while (i < n && s[i] != '"')
				i++;
			if (i >= n)
				return "unbalanced quote";
			t.b = i++;
			t.phrase = true;
		} else {
			t.a = i;
			while (i < n && !is_space(s[i]) && s[i] != '"')
				i++;
			t.b = i;
			if (t.b > t.a && s[t.b - 1] == '*' && !t.field) {
				t.prefix = true;
				t.b--;
			}
		}
		if (t.b == t.a)
			return t.neg ? "a lone '-' or NOT" : "an empty term";
		if (pending_or && (t.neg || t.field > F_TITLE))
			return "OR joins words, phrases and title: terms";
		pending_or = pending_and = false;
		chu__buf_put(rc, &st->terms, &t, sizeof t);
		if ((st->terms.len / sizeof t) > 64)
			return "too many terms (at most 64)";
	}
	if (pending_or)
		return "OR needs a term on each side";
	if (pending_and)
		return "AND needs a term on each side";
	if (neg_next)
		return "NOT needs a term after it";
	return NULL;
}

enum mode { AS_TYPED, AS_WRITTEN, FOLDED };

/* Appends the bare text of term t read in mode m (no quotes). */
static int put_text(chu_ctx *ctx, chu__buf *out, const char *s, const qterm *t, enum mode m, int *rc)
{
	if (m == AS_WRITTEN) {
		chu__query_as_written(rc, out, s + t->a, t->b - t->a);
	} else if (m == FOLDED) {
		const char *f;
		size_t fl;
		int r = chu_fold(ctx, s + t->a, t->b - t->a, &f, &fl);
		if (r < 0)
			return *rc = r;
		for (size_t i = 0; i < fl; i++)
			if (f[i] != '=') /* a look-alike is any spelling */
				chu__buf_putc(rc, out, f[i]);
	} else {
		chu__buf_put(rc, out, s + t->a, t->b - t->a);
	}
	return *rc;
}

/* Appends piece quoted for FTS5 ('"' doubled). */
static void put_quoted(int *rc, chu__buf *out, const chu__buf *piece)
{
	chu__buf_putc(rc, out, '"');
	for (size_t i = 0; i < piece->len; i++) {
		if (piece->data[i] == '"')
			chu__buf_putc(rc, out, '"');
		chu__buf_putc(rc, out, piece->data[i]);
	}
	chu__buf_putc(rc, out, '"');
}

/* Appends term t to out: title : "text"* */
static void put_term_in(chu_ctx *ctx, struct chu__query_state *st, chu__buf *out, const char *s, const qterm *t,
                        enum mode m, int *rc)
{
	st->piece.len = 0;
	if (put_text(ctx, &st->piece, s, t, m, rc) < 0)
		return;
	if (t->field == F_TITLE)
		chu__buf_put(rc, out, "title : ", 8);
	put_quoted(rc, out, &st->piece);
	if (t->prefix)
		chu__buf_putc(rc, out, '*');
}

static void put_term(chu_ctx *ctx, struct chu__query_state *st, const char *s, const qterm *t, enum mode m, int *rc)
{
	put_term_in(ctx, st, &st->text, s, t, m, rc);
}

static void put_str(int *rc, chu__buf *b, const char *z) { chu__buf_put(rc, b, z, strlen(z)); }

/* Is term t a plain word (the tiers' phrase, near and most readings are made of these)? */
static bool plain_word(const qterm *t) { return !t->neg && !t->field && !t->phrase && !t->prefix; }
/* A term the documents must hold: an entity filter also looks for its text (per:"Tô Anh Dũng"); a
 * date: filter is the document's date, not its words */
static bool positive(const qterm *t) { return !t->neg && t->field != F_DATE; }

/* Appends " AND " and each positive term that is not a plain word (what a tier made of the plain
 * words still requires), then " NOT " and each exclusion. */
static void put_rest(chu_ctx *ctx, struct chu__query_state *st, const char *s, const qterm *q, size_t nq, enum mode m,
                     bool others, int *rc)
{
	for (size_t i = 0; others && i < nq; i++)
		if (positive(&q[i]) && !plain_word(&q[i])) {
			put_str(rc, &st->text, " AND ");
			put_term(ctx, st, s, &q[i], m, rc);
		}
	for (size_t i = 0; i < nq; i++)
		if (q[i].neg && q[i].field <= F_TITLE) {
			put_str(rc, &st->text, " NOT ");
			put_term(ctx, st, s, &q[i], m == FOLDED ? AS_WRITTEN : m, rc);
		}
}

/* The positive terms with their AND and OR, grouped when there is an OR (FTS5 binds AND tighter). */
static void put_base(chu_ctx *ctx, struct chu__query_state *st, const char *s, const qterm *q, size_t nq, enum mode m,
                     bool has_or, int *rc)
{
	bool any = false;
	if (has_or)
		chu__buf_putc(rc, &st->text, '(');
	for (size_t i = 0; i < nq; i++) {
		if (!positive(&q[i]))
			continue;
		if (any)
			put_str(rc, &st->text, i > 0 && q[i - 1].or_next ? " OR " : " AND ");
		put_term(ctx, st, s, &q[i], m, rc);
		any = true;
	}
	if (has_or)
		chu__buf_putc(rc, &st->text, ')');
}

/* The plain words read in mode m, separated by spaces, into st->piece. */
static void put_plain_words(chu_ctx *ctx, struct chu__query_state *st, const char *s, const qterm *q, size_t nq,
                            enum mode m, int *rc)
{
	st->piece.len = 0;
	for (size_t i = 0, k = 0; i < nq; i++)
		if (plain_word(&q[i])) {
			if (k++)
				chu__buf_putc(rc, &st->piece, ' ');
			put_text(ctx, &st->piece, s, &q[i], m, rc);
		}
}

/* Starts a tier's expression in st->text; end_string() closes it. */
static void begin_string(struct chu__query_state *st, int *rc)
{
	size_t at = st->text.len;
	chu__buf_put(rc, &st->offs, &at, sizeof at);
}
static void end_string(struct chu__query_state *st, int *rc) { chu__buf_putc(rc, &st->text, '\0'); }

static int compile(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, int flags, chu_query *out)
{
	if (!text)
		text = "";
	memset(out, 0, sizeof *out);
	if (!ctx->query) {
		struct chu__query_state *st = chu__malloc(&ctx->alloc, sizeof *st);
		if (!st)
			return CHU_ENOMEM;
		memset(st, 0, sizeof *st);
		chu__buf *bufs[] = {&st->terms, &st->text, &st->offs, &st->piece, &st->filters, &st->src, &st->ranked, &st->keys,
		                  &st->most};
		for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
			chu__buf_init(bufs[i], &ctx->alloc);
		ctx->query = st;
	}
	struct chu__query_state *st = ctx->query;
	st->text.len = st->offs.len = st->filters.len = st->src.len = 0;
	st->terms.len = 0; /* chu__query_ranked has nothing until a query compiles */
	int rc = CHU_OK;
	/* the expressions are well-formed UTF-8 C strings whatever the bytes typed */
	for (size_t i = 0; i < len;) {
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)text + i, len - i, &cp);
		if (cp < 0)
			chu__buf_put(&rc, &st->src, "\xEF\xBF\xBD", 3);
		else if (cp == 0)
			chu__buf_putc(&rc, &st->src, ' ');
		else
			chu__buf_put(&rc, &st->src, text + i, (size_t)k);
		i += (size_t)k;
	}
	chu__buf_reserve(&rc, &st->src, 1);
	if (rc < 0)
		return rc;
	text = st->src.data;
	len = st->src.len;
	const char *err = parse(st, text, len, &rc);
	if (rc < 0)
		return rc;
	if (err) {
		out->error = err;
		return CHU_ESYNTAX;
	}
	const qterm *q = (const qterm *)(void *)st->terms.data;
	size_t nq = st->terms.len / sizeof *q, nplain = 0, npos = 0;
	bool has_or = false, has_and = st->has_and;
	for (size_t i = 0; i < nq; i++) {
		nplain += plain_word(&q[i]);
		npos += positive(&q[i]);
		has_or = has_or || q[i].or_next;
	}
	if (!npos) {
		out->error = "it has nothing to look for (only exclusions or filters)";
		return CHU_ESYNTAX;
	}
	/* marks anywhere: every term as written */
	bool marked = false;
	for (size_t i = 0; i < nq && !marked; i++)
		marked = q[i].field <= F_TITLE && chu__query_marked(text + q[i].a, q[i].b - q[i].a);
	out->marked = marked;
	enum mode m = marked ? AS_WRITTEN : AS_TYPED;
	bool loose = !has_or && !has_and && nplain >= 2;
	const char *names[6];
	int exact[6];
	size_t nt = 0;
	if (loose) {
		/* the plain words as one phrase, then near each other */
		begin_string(st, &rc);
		put_plain_words(ctx, st, text, q, nq, m, &rc);
		put_quoted(&rc, &st->text, &st->piece);
		put_rest(ctx, st, text, q, nq, m, true, &rc);
		end_string(st, &rc);
		names[nt] = "phrase", exact[nt++] = 1;
		begin_string(st, &rc);
		put_str(&rc, &st->text, "NEAR(");
		for (size_t i = 0, k = 0; i < nq; i++)
			if (plain_word(&q[i])) {
				if (k++)
					chu__buf_putc(&rc, &st->text, ' ');
				put_term(ctx, st, text, &q[i], m, &rc);
			}
		put_str(&rc, &st->text, ", 10)");
		put_rest(ctx, st, text, q, nq, m, true, &rc);
		end_string(st, &rc);
		names[nt] = "near", exact[nt++] = 1;
	}
	begin_string(st, &rc);
	put_base(ctx, st, text, q, nq, m, has_or, &rc);
	put_rest(ctx, st, text, q, nq, m, false, &rc);
	end_string(st, &rc);
	names[nt] = "all", exact[nt++] = 1;
	if (marked) {
		begin_string(st, &rc);
		put_base(ctx, st, text, q, nq, FOLDED, has_or, &rc);
		put_rest(ctx, st, text, q, nq, FOLDED, false, &rc);
		end_string(st, &rc);
		names[nt] = "look-alike", exact[nt++] = 0;
	}
	if (loose && !(flags & CHU_QUERY_ALL) && rc >= 0) {
		/* most of the words: the plain words as a natural query (question words left out) */
		put_plain_words(ctx, st, text, q, nq, m, &rc);
		const char *nat;
		size_t natl = 0;
		int r = rc < 0 ? rc : chu_search_query(ctx, model, st->piece.data, st->piece.len, &nat, &natl);
		if (r < 0)
			rc = r;
		if (rc >= 0 && natl) {
			begin_string(st, &rc);
			chu__buf_putc(&rc, &st->text, '(');
			chu__buf_put(&rc, &st->text, nat, natl);
			chu__buf_putc(&rc, &st->text, ')');
			put_rest(ctx, st, text, q, nq, m, true, &rc);
			end_string(st, &rc);
			names[nt] = "most", exact[nt++] = 1;
		}
	}
	/* the entity filters' texts; a date: filter's as the days it takes in */
	size_t nf = 0;
	for (size_t i = 0; i < nq; i++)
		if (q[i].field > F_TITLE) {
			char days[24];
			if (q[i].field == F_DATE && !chu__query_date_range(text + q[i].a, q[i].b - q[i].a, days)) {
				snprintf(st->error, sizeof st->error,
				         "date:%.*s is not a date: write a year, a month or a day (2020, 7/2020, 16/7/2020, "
				         "2020-07-16) or a range (2019..3/2020)",
				         (int)(q[i].b - q[i].a > 16 ? 16 : q[i].b - q[i].a), text + q[i].a);
				out->error = st->error;
				return CHU_ESYNTAX;
			}
			begin_string(st, &rc);
			if (q[i].field == F_DATE)
				chu__buf_put(&rc, &st->text, days, strlen(days));
			else
				chu__buf_put(&rc, &st->text, text + q[i].a, q[i].b - q[i].a);
			end_string(st, &rc);
			chu_query_filter f = {field_names[q[i].field], NULL, q[i].neg};
			chu__buf_put(&rc, &st->filters, &f, sizeof f);
			nf++;
		}
	if (rc < 0)
		return rc;
	const size_t *off = (const size_t *)(void *)st->offs.data;
	for (size_t i = 0; i < nt; i++)
		st->tiers[i] = (chu_query_tier){st->text.data + off[i], names[i], exact[i]};
	chu_query_filter *f = (chu_query_filter *)(void *)st->filters.data;
	for (size_t i = 0; i < nf; i++)
		f[i].text = st->text.data + off[nt + i];
	st->marked = marked;
	st->loose = loose;
	st->has_or = has_or;
	out->tiers = st->tiers;
	out->n_tiers = nt;
	out->filters = nf ? f : NULL;
	out->n_filters = nf;
	return CHU_OK;
}

/* A query of plain words only (two or more; no operator, field, quote, prefix or '='), typed
 * without marks: the kind read first as its likely spelling. */
static bool likely_kind(const struct chu__query_state *st, const chu_query *q, const char *text, size_t len)
{
	if (q->marked || q->n_filters || !st->loose || memchr(text, '=', len))
		return false;
	const qterm *t = (const qterm *)(void *)st->terms.data;
	for (size_t i = 0, n = st->terms.len / sizeof *t; i < n; i++)
		if (!plain_word(&t[i]))
			return false;
	return true;
}

int chu_query_compile(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, int flags, chu_query *out)
{
	if (!ctx || (!text && len) || !out)
		return CHU_EINVAL;
	if (!text)
		text = "";
	int rc = compile(ctx, model, text, len, flags, out);
	if (rc < 0 || !chu__model_accent(model) || !likely_kind(ctx->query, out, text, len))
		return rc;
	/* typed without marks: first the spelling the restorer gives it, read as if typed with those
	 * marks (its phrase, near, all, look-alike and most tiers), then the "most" tier of every
	 * spelling, so nothing the words match is lost */
	struct chu__query_state *st = ctx->query;
	st->most.len = 0;
	bool most = false;
	for (size_t i = 0; i < out->n_tiers; i++)
		if (strcmp(out->tiers[i].name, "most") == 0) {
			chu__buf_put(&rc, &st->most, out->tiers[i].match, strlen(out->tiers[i].match) + 1);
			most = true;
		}
	const char *r;
	size_t rl;
	if (rc < 0 || (rc = chu_accent(ctx, model, text, len, &r, &rl)) < 0)
		return rc;
	if (!chu__query_marked(r, rl))
		return CHU_OK; /* no likelier spelling: every spelling alike */
	chu_query lq;
	rc = compile(ctx, model, r, rl, flags, &lq);
	if (rc < 0 || !lq.marked || lq.n_tiers + most > sizeof st->tiers / sizeof st->tiers[0])
		return compile(ctx, model, text, len, flags, out); /* as typed after all */
	if (most)
		st->tiers[lq.n_tiers++] = (chu_query_tier){st->most.data, "most", 1};
	for (size_t i = 0; i < lq.n_tiers; i++)
		st->tiers[i].exact = 1; /* every spelling is what was typed */
	lq.marked = 0;
	*out = lq;
	return CHU_OK;
}

/* ---- one pass for the phrase, near and all tiers (chu_rank) ---- */

struct word_keys {
	chu__buf *keys;  /* each key NUL-terminated */
	size_t n, units; /* keys, and positions (units) among them */
	int rc;
};

static int collect_key(void *ud, const char *key, size_t len, size_t start, size_t end, int colocated)
{
	(void)start, (void)end;
	struct word_keys *w = ud;
	w->units += !colocated;
	w->n++;
	chu__buf_put(&w->rc, w->keys, key, len);
	chu__buf_putc(&w->rc, w->keys, '\0');
	return w->rc < 0;
}

/* Appends plain word t to out: typed without marks and one unit, as the spellings of it the index
 * holds (held), ("=k1" OR "=k2" …); otherwise read in mode m, as the all tier has it. Each phrase
 * written is one of term group, in groups. *none when the word has no key at all. */
static int put_held(chu_ctx *ctx, struct chu__query_state *st, chu__buf *out, const char *s, const qterm *t,
                    enum mode m, chu__held_fn held, void *ud, int group, chu__buf *groups, bool *none)
{
	int rc = CHU_OK;
	st->keys.len = 0;
	struct word_keys w = {&st->keys, 0, 0, CHU_OK};
	int r = chu_search_keys(ctx, NULL, s + t->a, t->b - t->a, CHU_SEARCH_QUERY, collect_key, &w);
	if (w.rc < 0)
		return w.rc;
	if (r < 0)
		return r;
	*none = w.n == 0;
	if (*none)
		return CHU_OK;
	char g[24];
	int gl = snprintf(g, sizeof g, "%d ", group);
	if (!held || m != AS_TYPED || w.units != 1) {
		/* a word of several units ("covid-19") stays one phrase the tokenizer expands */
		put_term_in(ctx, st, out, s, t, m, &rc);
		chu__buf_put(&rc, groups, g, (size_t)gl);
		return rc;
	}
	size_t n_held = 0;
	for (size_t at = 0, i = 0; i < w.n && rc >= 0; i++) {
		const char *k = st->keys.data + at;
		size_t kl = strlen(k);
		at += kl + 1;
		int h = held(ud, k, kl);
		if (h < 0)
			return h;
		if (!h)
			continue;
		chu__buf_put(&rc, out, n_held ? " OR \"=" : "(\"=", n_held ? 6 : 3);
		chu__buf_put(&rc, out, k, kl); /* a key holds no '"' (letters, digits, marks) */
		chu__buf_putc(&rc, out, '"');
		chu__buf_put(&rc, groups, g, (size_t)gl);
		n_held++;
	}
	if (n_held) {
		chu__buf_putc(&rc, out, ')');
	} else {
		/* no spelling in the index: the word's own key, which it lacks too */
		chu__buf_put(&rc, out, "\"=", 2);
		chu__buf_put(&rc, out, st->keys.data, strlen(st->keys.data));
		chu__buf_putc(&rc, out, '"');
		chu__buf_put(&rc, groups, g, (size_t)gl);
	}
	return rc;
}

int chu__query_ranked(chu_ctx *ctx, chu__held_fn held, void *ud, const char **match, const char **groups,
                      size_t *covered)
{
	*covered = 0;
	*match = *groups = NULL;
	struct chu__query_state *st = ctx->query;
	if (!st || !st->terms.len)
		return CHU_OK;
	const qterm *q = (const qterm *)(void *)st->terms.data;
	size_t nq = st->terms.len / sizeof *q;
	const char *s = st->src.data;
	enum mode m = st->marked ? AS_WRITTEN : AS_TYPED;
	/* the expression into st->ranked (st->text holds the tiers' expressions: it must not move),
	 * then the groups after it */
	chu__buf *out = &st->ranked;
	out->len = 0;
	int rc = CHU_OK;
	chu__buf g;
	chu__buf_init(&g, &ctx->alloc);
	if (st->has_or)
		chu__buf_putc(&rc, out, '(');
	int group = 0;
	bool none = false;
	for (size_t i = 0; i < nq && rc >= 0 && !none; i++) {
		if (!positive(&q[i]))
			continue;
		if (group)
			put_str(&rc, out, i > 0 && q[i - 1].or_next ? " OR " : " AND ");
		if (plain_word(&q[i])) {
			rc = put_held(ctx, st, out, s, &q[i], m, held, ud, group, &g, &none);
		} else {
			put_term_in(ctx, st, out, s, &q[i], m, &rc);
			char b[24];
			int bl = snprintf(b, sizeof b, "%d ", group);
			chu__buf_put(&rc, &g, b, (size_t)bl);
		}
		group++;
	}
	if (st->has_or)
		chu__buf_putc(&rc, out, ')');
	for (size_t i = 0; i < nq && rc >= 0; i++)
		if (q[i].neg && q[i].field <= F_TITLE) {
			put_str(&rc, out, " NOT ");
			put_term_in(ctx, st, out, s, &q[i], m, &rc);
			chu__buf_put(&rc, &g, "- ", 2);
		}
	chu__buf_putc(&rc, &g, '|');
	for (size_t i = 0, k = 0; st->loose && i < nq && rc >= 0; i++) {
		if (!positive(&q[i]))
			continue;
		if (plain_word(&q[i])) {
			char b[24];
			int bl = snprintf(b, sizeof b, " %zu", k);
			chu__buf_put(&rc, &g, b, (size_t)bl);
		}
		k++;
	}
	chu__buf_putc(&rc, out, '\0');
	size_t at = out->len;
	chu__buf_put(&rc, out, g.data, g.len);
	chu__buf_putc(&rc, out, '\0');
	chu__buf_free(&g);
	if (rc < 0)
		return rc;
	if (!none) {
		*match = out->data;
		*groups = out->data + at;
		*covered = st->loose ? 3 : 1;
	}
	return CHU_OK;
}
