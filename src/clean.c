/*
 * clean.c — scraped articles: boilerplate lines out, a leading URL line taken as metadata, photo
 * credits removed, the space restored in glued sentences.
 *
 * Line decisions compare the accent-folded line (chu_fold) with short phrase lists, so "Đăng
 * nhập", "ĐĂNG NHẬP" and "Dang nhap" are one phrase. In-line decisions reuse the tokenizer: a
 * sentence end that the tokenizer finds glued to the next token ("16/7.Cùng") gets its space
 * back, and the tokenizer already knows "62.000", "TP.HCM", "v.v." and URLs are not sentence ends.
 */
#include "internal.h"

#include <stdlib.h>

struct chu__clean_state {
	chu__buf out;     /* the cleaned text */
	chu__buf changes; /* chu_clean_change[] */
	chu__buf tokens;  /* chu_token[] of the line being cleaned */
};

void chu__clean_state_free(chu_ctx *ctx)
{
	struct chu__clean_state *st = ctx->clean;
	if (!st)
		return;
	chu__buf_free(&st->out);
	chu__buf_free(&st->changes);
	chu__buf_free(&st->tokens);
	chu__free(&ctx->alloc, st);
	ctx->clean = NULL;
}

/* Folded phrases a navigation line consists of (compared whole, after folding). */
static const char *const nav_phrases[] = {
	"skip to main content", "skip to content", "skip ribbon commands", "skip navigation", "menu", "home",
	"trang chu", "tim kiem", "search", "chia se", "share", "in bai", "print", "quay lai", "back",
	"ve dau trang", "len dau trang", "back to top", "facebook", "twitter", "zalo", "youtube", "email", "rss",
	"binh luan", "tin lien quan", "bai viet lien quan", "tin khac", "cac tin khac", "tin tuc", "lien he",
	"gioi thieu", "english", "tieng viet", "sitemap", "so do trang", "tweet", "like", "gui bai",
	"phan hoi", "theo doi", NULL};
static const char *const login_phrases[] = {"sign in", "sign up", "log in", "login", "log out", "logout",
                                            "dang nhap", "dang ky", "dang xuat", "register", NULL};
static const char *const link_words[] = {"xem", "xem them", "xem tiep", "chi tiet", "xem chi tiet",
                                         "doc tiep", "doc them", "more", "read more", "tai ve", "download", NULL};
static const char *const image_exts[] = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".svg", ".tif", ".tiff", NULL};

static bool in_list(const char *s, size_t n, const char *const *list)
{
	for (const char *const *p = list; *p; p++)
		if (strlen(*p) == n && memcmp(*p, s, n) == 0)
			return true;
	return false;
}

static bool is_sep_byte(char c) { return c == '|' || c == '/' || c == '>' || c == '-' || c == '*' || c == ':'; }

/* Is every part of the folded line, split at separators (| / > - * and • » ·), in list? */
static bool all_parts_in(const char *s, size_t n, const char *const *list)
{
	size_t i = 0;
	int parts = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || is_sep_byte(s[i])))
			i++;
		/* the bullets and guillemets are multi-byte: skip them as separators too */
		if (i + 1 < n && ((unsigned char)s[i] == 0xC2 && ((unsigned char)s[i + 1] == 0xBB || (unsigned char)s[i + 1] == 0xB7))) {
			i += 2;
			continue;
		}
		if (i + 2 < n && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0xA2) {
			i += 3;
			continue;
		}
		size_t a = i;
		while (i < n && !is_sep_byte(s[i]) && !((unsigned char)s[i] == 0xC2 || (unsigned char)s[i] == 0xE2))
			i++;
		size_t b = i;
		while (b > a && s[b - 1] == ' ')
			b--;
		if (b > a) {
			if (!in_list(s + a, b - a, list))
				return false;
			parts++;
		}
		if (i < n && ((unsigned char)s[i] == 0xC2 || (unsigned char)s[i] == 0xE2) && i == a)
			i++; /* a lone lead byte that is not a separator: step over it */
	}
	return parts > 0;
}

/* Past the separators, spaces and bullets at s[i]. */
static size_t skip_seps(const char *s, size_t n, size_t i)
{
	for (;;) {
		if (i < n && (s[i] == ' ' || is_sep_byte(s[i])))
			i++;
		else if (i + 1 < n && (unsigned char)s[i] == 0xC2 && ((unsigned char)s[i + 1] == 0xBB || (unsigned char)s[i + 1] == 0xB7))
			i += 2; /* » · */
		else if (i + 2 < n && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
		         ((unsigned char)s[i + 2] == 0xA2 || (unsigned char)s[i + 2] == 0xBA))
			i += 3; /* • › */
		else
			return i;
	}
}

/* Is the folded line made of phrases of list (the longest that fits at each place, ending at a
 * space or separator), with or without separators between them ("chia se facebook twitter")? */
static bool covered_by(const char *s, size_t n, const char *const *list)
{
	int parts = 0;
	for (size_t i = skip_seps(s, n, 0); i < n; i = skip_seps(s, n, i)) {
		size_t best = 0;
		for (const char *const *p = list; *p; p++) {
			size_t k = strlen(*p);
			if (k > best && k <= n - i && memcmp(s + i, *p, k) == 0 &&
			    (i + k == n || s[i + k] == ' ' || is_sep_byte(s[i + k])))
				best = k;
		}
		if (!best)
			return false;
		i += best;
		parts++;
	}
	return parts > 0;
}

/* The starts of folded lines that list related articles or tags, the colon included. */
static const char *const link_list_starts[] = {"xem them", "doc them", "tin lien quan", "bai lien quan",
                                               "tin cung chuyen muc", NULL};
static const char *const tag_starts[] = {"tags", "tag", "tu khoa", "keywords", NULL};

/* Does the folded line begin with one of list and a colon (a space before it allowed)? */
static bool starts_with_label(const char *f, size_t fn, const char *const *list)
{
	for (const char *const *p = list; *p; p++) {
		size_t k = strlen(*p);
		if (fn > k && memcmp(f, *p, k) == 0) {
			size_t j = k;
			if (j < fn && f[j] == ' ')
				j++;
			if (j < fn && f[j] == ':')
				return true;
		}
	}
	return false;
}

/* Is the original line a breadcrumb or a menu: parts between " | ", " > ", " » " or " › " (not " / ",
 * which lists run in text),
 * three or more (two when the first is the home page, f folded starting "trang chu"), each of at
 * most four words and 40 bytes, beginning with a capital letter, without digits or punctuation? */
static bool breadcrumb(const char *s, size_t n, const char *f, size_t fn)
{
	int parts = 0;
	size_t a = 0;
	while (a <= n) {
		/* the next separator with a space either side */
		size_t b = a, sep = 0;
		for (; b < n; b++) {
			if (s[b] != ' ')
				continue;
			size_t k = b + 1;
			if (k < n && (s[k] == '|' || s[k] == '>'))
				sep = 1;
			else if (k + 1 < n && (unsigned char)s[k] == 0xC2 && (unsigned char)s[k + 1] == 0xBB)
				sep = 2;
			else if (k + 2 < n && (unsigned char)s[k] == 0xE2 && (unsigned char)s[k + 1] == 0x80 &&
			         (unsigned char)s[k + 2] == 0xBA)
				sep = 3;
			else
				continue;
			if (k + sep < n && s[k + sep] == ' ')
				break;
			sep = 0;
		}
		size_t x = a, y = b;
		while (x < y && s[x] == ' ')
			x++;
		while (y > x && s[y - 1] == ' ')
			y--;
		if (y == x || y - x > 40)
			return false;
		int32_t cp;
		chu__utf8_decode((const unsigned char *)s + x, y - x, &cp);
		if (cp < 0 || !chu__is_upper(cp))
			return false;
		int words = 1;
		for (size_t i = x; i < y; i++) {
			if (s[i] == ' ')
				words++;
			if ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == ',' || s[i] == ':' || s[i] == '!' ||
			    s[i] == '?' || s[i] == '"' || s[i] == '=' || s[i] == '(')
				return false;
		}
		if (words > 4)
			return false;
		parts++;
		if (b >= n)
			break;
		a = b + 1 + sep + 1;
	}
	bool home = fn >= 9 && memcmp(f, "trang chu", 9) == 0;
	return parts >= 3 || (parts == 2 && home);
}

static bool has_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)s + i, n - i, &cp);
		int c = chu__char_class(cp);
		if (c == CHU__C_LETTER || c == CHU__C_DIGIT)
			return true;
		i += (size_t)k;
	}
	return false;
}

/* Why a whole line is boilerplate, or NULL. f is the folded, trimmed line. */
static const char *line_reason(const char *line, size_t n, const char *f, size_t fn)
{
	if (fn == 0)
		return NULL;
	if (!has_alnum(line, n))
		return "separator line";
	if (fn <= 80 && all_parts_in(f, fn, login_phrases))
		return "login link";
	if (fn <= 120 && all_parts_in(f, fn, nav_phrases))
		return "site navigation";
	if (fn <= 80 && covered_by(f, fn, nav_phrases))
		return "share bar";
	/* a comment or share count after the phrase: "Bình luận (0)" */
	if (fn <= 80 && f[fn - 1] == ')') {
		size_t k = fn - 1;
		while (k > 0 && f[k - 1] >= '0' && f[k - 1] <= '9')
			k--;
		if (k > 1 && k < fn - 1 && f[k - 1] == '(') {
			size_t m = k - 1;
			while (m > 0 && f[m - 1] == ' ')
				m--;
			if (m && covered_by(f, m, nav_phrases))
				return "site navigation";
		}
	}
	if (n <= 300 && starts_with_label(f, fn, link_list_starts))
		return "related links";
	if (n <= 300 && starts_with_label(f, fn, tag_starts))
		return "tag line";
	if (n <= 200 && breadcrumb(line, n, f, fn))
		return "breadcrumb";
	if (fn <= 60 && (in_list(f, fn, link_words) || all_parts_in(f, fn, link_words)))
		return "lone link word";
	/* one word (no space) ending in an image extension */
	if (!memchr(f, ' ', fn)) {
		for (const char *const *e = image_exts; *e; e++) {
			size_t k = strlen(*e);
			if (fn > k && memcmp(f + fn - k, *e, k) == 0)
				return "image file name";
		}
	}
	return NULL;
}

static bool is_url_line(const char *s, size_t n)
{
	if (memchr(s, ' ', n))
		return false;
	return (n > 8 && strncmp(s, "https://", 8) == 0) || (n > 7 && strncmp(s, "http://", 7) == 0);
}

static void add_change(int *rc, struct chu__clean_state *st, size_t a, size_t b, chu_clean_action act, const char *why)
{
	chu_clean_change c = {a, b, act, why};
	chu__buf_put(rc, &st->changes, &c, sizeof c);
}

static bool tok_is(const char *text, const chu_token *t, const char *word)
{
	size_t k = strlen(word);
	return t->end - t->start == k && memcmp(text + t->start, word, k) == 0;
}

static bool tok_char(const char *text, const chu_token *t, char c)
{
	return t->end - t->start == 1 && text[t->start] == c;
}

/* Cleans one kept line [a, b) (without its line break) into st->out. */
static void clean_line(int *rc, struct chu__clean_state *st, const char *text, size_t a, size_t b)
{
	/* a caption's trailing " |": cut here, its change listed last to keep the changes in input order */
	size_t e = b, line_end = b;
	while (e > a && (text[e - 1] == ' ' || text[e - 1] == '\t'))
		e--;
	if (e > a + 1 && text[e - 1] == '|' && (text[e - 2] == ' ' || text[e - 2] == '.')) {
		size_t cut = e - 1;
		while (cut > a && text[cut - 1] == ' ')
			cut--;
		b = cut;
	}
	st->tokens.len = 0;
	if (*rc >= 0)
		*rc = chu__tokenize(text + a, b - a, &st->tokens);
	if (*rc < 0)
		return;
	const char *line = text + a;
	chu_token *t = (chu_token *)(void *)st->tokens.data;
	size_t n = st->tokens.len / sizeof(chu_token);
	size_t copied = 0; /* bytes of the line already copied to out */
	for (size_t i = 0; i < n; i++) {
		/* a photo credit: "Ảnh: BNG." / "(Ảnh: TTXVN)" after a sentence end or at the line start */
		bool at_start = i == 0 || (t[i - 1].flags & CHU_TOKEN_SENTENCE_END) || tok_char(line, &t[i - 1], '(');
		if (at_start && (tok_is(line, &t[i], "Ảnh") || tok_is(line, &t[i], "ẢNH")) && i + 1 < n &&
		    tok_char(line, &t[i + 1], ':')) {
			bool paren = i > 0 && tok_char(line, &t[i - 1], '(');
			size_t j = i + 2, words = 0;
			while (j < n && words <= 6) {
				if (paren && tok_char(line, &t[j], ')'))
					break;
				if (t[j].flags & CHU_TOKEN_SENTENCE_END)
					break;
				if (t[j].kind != CHU_TOKEN_PUNCT)
					words++;
				j++;
			}
			if (j < n && words >= 1 && words <= 6) {
				size_t from = paren ? t[i - 1].start : t[i].start;
				size_t to = t[j].end;
				/* take the space before it too, unless the credit starts the line */
				while (from > 0 && (line[from - 1] == ' ' || line[from - 1] == '\t'))
					from--;
				if (from < copied)
					from = copied;
				chu__buf_put(rc, &st->out, line + copied, from - copied);
				add_change(rc, st, a + from, a + to, CHU_CLEAN_DROP_SPAN, "photo credit");
				copied = to;
				/* a sentence glued after the credit ("BNG.Các") gets its space back; punctuation
				 * glued after it ("(Ảnh: TTXVN).") goes to the word before, with no space */
				bool punct_next = j + 1 < n && t[j + 1].start == to && t[j + 1].kind == CHU_TOKEN_PUNCT;
				bool line_start = st->out.len == 0 || st->out.data[st->out.len - 1] == '\n';
				if (j + 1 < n && t[j + 1].start == to && !line_start && !punct_next)
					chu__buf_putc(rc, &st->out, ' ');
				else
					while (copied < b - a && line[copied] == ' ')
						copied++, (void)0;
				if (st->out.len > 0 && copied < b - a && st->out.data[st->out.len - 1] != ' ' &&
				    st->out.data[st->out.len - 1] != '\n' && line[copied] != ' ' && !punct_next)
					chu__buf_putc(rc, &st->out, ' ');
				i = j;
				continue;
			}
		}
		/* a sentence end glued to the next sentence */
		if ((t[i].flags & CHU_TOKEN_SENTENCE_END) && i + 1 < n && t[i + 1].start == t[i].end &&
		    (t[i].kind == CHU_TOKEN_PUNCT || t[i].kind == CHU_TOKEN_ABBREV)) {
			chu__buf_put(rc, &st->out, line + copied, t[i].end - copied);
			chu__buf_putc(rc, &st->out, ' ');
			add_change(rc, st, a + t[i].end, a + t[i].end, CHU_CLEAN_SPACE, "glued sentence");
			copied = t[i].end;
		}
	}
	chu__buf_put(rc, &st->out, line + copied, (b - a) - copied);
	if (b < line_end)
		add_change(rc, st, b, line_end, CHU_CLEAN_DROP_SPAN, "caption separator");
}

int chu_clean(chu_ctx *ctx, const char *text, size_t len, const char **out, size_t *out_len,
              const chu_clean_change **changes, size_t *n_changes)
{
	if (!ctx || (!text && len) || !out)
		return CHU_EINVAL;
	if (!text)
		text = "";
	if (!ctx->clean) {
		struct chu__clean_state *st = chu__malloc(&ctx->alloc, sizeof *st);
		if (!st)
			return CHU_ENOMEM;
		chu__buf_init(&st->out, &ctx->alloc);
		chu__buf_init(&st->changes, &ctx->alloc);
		chu__buf_init(&st->tokens, &ctx->alloc);
		ctx->clean = st;
	}
	struct chu__clean_state *st = ctx->clean;
	st->out.len = 0;
	st->changes.len = 0;
	int rc = CHU_OK;
	chu__buf_reserve(&rc, &st->out, len);
	bool seen_text = false;   /* a non-empty line has been seen (the URL rule looks at the first) */
	bool dropped_prev = false; /* the previous line was dropped */
	for (size_t a = 0; a < len && rc >= 0;) {
		const char *nl = memchr(text + a, '\n', len - a);
		size_t b = nl ? (size_t)(nl - text) : len; /* line [a, b) */
		size_t next = nl ? b + 1 : len;
		/* trimmed bounds */
		size_t ta = a, tb = b;
		while (ta < tb && (text[ta] == ' ' || text[ta] == '\t' || text[ta] == '\r'))
			ta++;
		while (tb > ta && (text[tb - 1] == ' ' || text[tb - 1] == '\t' || text[tb - 1] == '\r'))
			tb--;
		if (ta == tb) {
			/* a blank line: kept unless the text so far ends with one, or nothing is kept yet */
			bool blank_before = st->out.len == 0 || (st->out.len >= 2 && st->out.data[st->out.len - 1] == '\n' &&
			                                           st->out.data[st->out.len - 2] == '\n');
			if (!blank_before && !(dropped_prev && st->out.len == 0))
				chu__buf_put(&rc, &st->out, text + a, next - a);
			a = next;
			continue;
		}
		const char *reason = NULL;
		chu_clean_action act = CHU_CLEAN_DROP_LINE;
		if (!seen_text && is_url_line(text + ta, tb - ta)) {
			reason = "source URL";
			act = CHU_CLEAN_METADATA;
		} else if (tb - ta <= 200) {
			const char *f;
			size_t fn;
			rc = chu_fold(ctx, text + ta, tb - ta, &f, &fn);
			if (rc < 0)
				break;
			while (fn && (f[fn - 1] == ' ' || f[fn - 1] == '.' || f[fn - 1] == ':'))
				fn--;
			reason = line_reason(text + ta, tb - ta, f, fn);
		}
		seen_text = true;
		if (reason) {
			add_change(&rc, st, a, next, act, reason);
			dropped_prev = true;
			a = next;
			continue;
		}
		dropped_prev = false;
		clean_line(&rc, st, text, a, b);
		if (nl)
			chu__buf_putc(&rc, &st->out, '\n');
		a = next;
	}
	/* no blank line left at the very end when the input had none there */
	while (rc >= 0 && st->out.len >= 2 && st->out.data[st->out.len - 1] == '\n' && st->out.data[st->out.len - 2] == '\n' &&
	       !(len >= 2 && text[len - 1] == '\n' && text[len - 2] == '\n'))
		st->out.len--;
	chu__buf_reserve(&rc, &st->out, 0);
	if (rc < 0)
		return rc;
	st->out.data[st->out.len] = '\0';
	*out = st->out.data;
	if (out_len)
		*out_len = st->out.len;
	if (changes)
		*changes = (const chu_clean_change *)(void *)st->changes.data;
	if (n_changes)
		*n_changes = st->changes.len / sizeof(chu_clean_change);
	return CHU_OK;
}
