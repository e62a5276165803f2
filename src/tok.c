/*
 * tok.c — tokens and sentences.
 *
 * Three passes over one input:
 *  1. scan: atoms that never contain white space — syllables, numbers, dates, times, URLs,
 *     e-mails, hashtags, acronyms, abbreviations, names like "COVID-19", punctuation;
 *  2. merge: atoms separated by spaces (never by a line break) that form one unit — money
 *     ("62.000 tỷ đồng", "100.000 USD"), percent ("4,5 %"), ranges ("18 – 19/11");
 *  3. sentence ends, decided during pass 1: a line break always ends a sentence; a final mark
 *     (. ! ? ./.), with the closing quotes and brackets after it, ends one when what follows
 *     starts a new sentence.
 * All positions are byte offsets into the caller's text; nothing is copied.
 */
#include "internal.h"

#include <utf8proc.h>

/* ---- character helpers ---- */

static inline int32_t cp_at(const unsigned char *s, size_t n, size_t i, int *k)
{
	if (i >= n) {
		*k = 0;
		return -2; /* end of input */
	}
	if (s[i] < 0x80) {
		*k = 1;
		return s[i];
	}
	int32_t cp;
	*k = chu__utf8_decode(s + i, n - i, &cp);
	return cp;
}

static inline int cls_at(const unsigned char *s, size_t n, size_t i)
{
	int k;
	int32_t cp = cp_at(s, n, i, &k);
	return cp == -2 ? -1 : chu__char_class(cp);
}

static inline bool is_digit(const unsigned char *s, size_t n, size_t i) { return i < n && s[i] >= '0' && s[i] <= '9'; }

static inline bool is_alnum_at(const unsigned char *s, size_t n, size_t i)
{
	int c = cls_at(s, n, i);
	return c == CHU__C_LETTER || c == CHU__C_DIGIT;
}

static inline bool is_upper_cp(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z';
	return chu__is_upper(cp);
}

static bool is_dash_cp(int32_t cp) { return cp == '-' || cp == 0x2013 || cp == 0x2014 || cp == 0x2212; }

/* ---- scanning a run of letters ---- */

typedef struct letters {
	size_t end;     /* byte after the run */
	int n;          /* letters */
	int upper;      /* uppercase letters */
	bool first_up;  /* first letter uppercase */
	bool last_s;    /* last letter is a lowercase 's' */
} letters;

/* ASCII letters: 1 a lowercase letter, 3 an uppercase one, 0 anything else. */
static const uint8_t ascii_letter[128] = {
	['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3, ['H'] = 3, ['I'] = 3,
	['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3, ['O'] = 3, ['P'] = 3, ['Q'] = 3, ['R'] = 3,
	['S'] = 3, ['T'] = 3, ['U'] = 3, ['V'] = 3, ['W'] = 3, ['X'] = 3, ['Y'] = 3, ['Z'] = 3,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
	['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

static letters scan_letters(const unsigned char *s, size_t n, size_t i)
{
	letters L = {i, 0, 0, false, false};
	int upper = 0, count = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			unsigned f = ascii_letter[c];
			if (!f)
				break;
			upper += (int)(f >> 1);
			count++;
			i++;
			continue;
		}
		int k;
		int32_t cp;
		/* the two-byte and E1-led three-byte sequences of Vietnamese letters, decoded directly */
		if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
			cp = (int32_t)((c & 0x1F) << 6 | (s[i + 1] & 0x3F));
			k = 2;
		} else if (c == 0xE1 && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
			cp = (int32_t)(0x1000 | (s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F));
			k = 3;
		} else {
			cp = cp_at(s, n, i, &k);
		}
		int info = chu__char_info(cp);
		int cl = info & 0x0F;
		if (cl == CHU__C_MARK) {
			i += (size_t)k;
			continue;
		}
		if (cl != CHU__C_LETTER)
			break;
		if (count == 0)
			L.first_up = (info & CHU__UPPER) != 0;
		upper += (info & CHU__UPPER) != 0;
		count++;
		i += (size_t)k;
	}
	if (count && L.end < n && s[L.end] < 0x80)
		L.first_up = ascii_letter[s[L.end]] == 3;
	L.n = count;
	L.upper = upper;
	L.last_s = i > L.end && s[i - 1] == 's';
	L.end = i;
	return L;
}

/* ---- abbreviations ---- */

/* Abbreviations written with their final dot, which never end a sentence by themselves. */
static const char *const titles[] = {
	"TP.", "Tp.", "TT.", "TX.", "Q.", "P.", "H.", "ThS.", "Ths.", "TS.", "PGS.", "GS.", "BS.", "KS.", "CN.",
	"NXB.", "St.", "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "No.", "Co.", "Ltd.", "Inc.", "Jr.", "Sr.", "vs.",
	"Th.", "TTg.", "Nxb.", "Tr.", "tr.", "Đ.", "Ô.", "B.", NULL};

static bool is_title(const unsigned char *s, size_t a, size_t b)
{
	if (b - a > 6)
		return false; /* longer than the longest title */
	for (const char *const *t = titles; *t; t++) {
		if ((*t)[0] != (char)s[a])
			continue;
		size_t k = strlen(*t);
		if (k == b - a && memcmp(s + a, *t, k) == 0)
			return true;
	}
	return false;
}

/* ---- URLs and e-mails ---- */

static const char *const tlds[] = {"vn", "com", "org", "net", "gov", "edu", "int", "info", "io", "asia", "biz",
                                   "uk", "us", "jp", "cn", "kr", "fr", "de", "au", "ru", "eu", "co", NULL};

static size_t chunk_end(const unsigned char *s, size_t n, size_t i)
{
	while (i < n) {
		unsigned c = s[i];
		if (c <= ' ' || c == 0x7F) /* white space and control characters end a chunk */
			break;
		if (c >= 0x80) {
			int k;
			int32_t cp = cp_at(s, n, i, &k);
			int cl = chu__char_class(cp);
			if (cl == CHU__C_SPACE || cl == CHU__C_NEWLINE || cl == CHU__C_IGNORE)
				break;
			i += (size_t)k;
			continue;
		}
		i++;
	}
	return i;
}

/* Trailing punctuation that belongs to the sentence, not to a URL or e-mail. */
static size_t trim_trailing(const unsigned char *s, size_t a, size_t b)
{
	while (b > a) {
		unsigned c = s[b - 1];
		if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' || c == ']' ||
		    c == '"' || c == '\'') {
			b--;
			continue;
		}
		if (b - a >= 3 && c >= 0x80) { /* ” » ’ … */
			int32_t cp;
			size_t j = b - 1;
			while (j > a && (s[j] & 0xC0) == 0x80)
				j--;
			chu__utf8_decode(s + j, b - j, &cp);
			if (cp == 0x201D || cp == 0xBB || cp == 0x2019 || cp == 0x2026) {
				b = j;
				continue;
			}
		}
		break;
	}
	return b;
}

static bool ascii_prefix(const unsigned char *s, size_t a, size_t b, const char *p)
{
	size_t k = strlen(p);
	if (b - a < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if ((s[a + i] | 0x20) != (unsigned char)p[i])
			return false;
	return true;
}

/* Is [a, b) a host name that ends in a known top-level domain ("mofa.gov.vn")? */
static bool host_like(const unsigned char *s, size_t a, size_t b)
{
	size_t dot = SIZE_MAX;
	for (size_t i = a; i < b; i++) {
		unsigned c = s[i];
		if (c == '.')
			dot = i;
		else if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9') && c != '-')
			return false;
	}
	if (dot == SIZE_MAX || dot == a)
		return false;
	for (const char *const *t = tlds; *t; t++) {
		size_t k = strlen(*t);
		if (b - dot - 1 == k && ascii_prefix(s, dot + 1, b, *t))
			return true;
	}
	return false;
}

static bool host_char(unsigned c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Length of the URL or e-mail starting at a in a chunk that ends at b, its trailing punctuation
 * already trimmed, or 0; *kind receives its kind. Only the host-name characters from a are looked
 * at beyond a fixed prefix, so that trying every opening bracket of "(a.(a.(a.…" costs linear time. */
static size_t match_url(const unsigned char *s, size_t a, size_t b, int *kind)
{
	if (b <= a)
		return 0;
	if (ascii_prefix(s, a, b, "http://") || ascii_prefix(s, a, b, "https://") || ascii_prefix(s, a, b, "ftp://") ||
	    ascii_prefix(s, a, b, "www.")) {
		size_t min = ascii_prefix(s, a, b, "www.") ? 4 : 7;
		if (b - a <= min + 1)
			return 0;
		*kind = CHU_TOKEN_URL;
		return b - a;
	}
	/* e-mail: a local part of [a-z0-9._%+-], '@', a host name */
	size_t p = a;
	while (p < b && (host_char(s[p]) || s[p] == '_' || s[p] == '%' || s[p] == '+'))
		p++;
	if (p > a && p < b && s[p] == '@') {
		if (host_like(s, p + 1, b)) {
			*kind = CHU_TOKEN_EMAIL;
			return b - a;
		}
		return 0;
	}
	/* bare host with an optional path: "zingnews.vn/abc", "baochinhphu.vn" */
	size_t h = a;
	while (h < b && host_char(s[h]))
		h++;
	if ((h == b || s[h] == '/') && host_like(s, a, h)) {
		*kind = CHU_TOKEN_URL;
		return b - a;
	}
	return 0;
}

bool chu__link_word(const char *text, size_t len)
{
	int kind;
	return len > 0 && match_url((const unsigned char *)text, 0, len, &kind) == len;
}

/* ---- numbers ---- */

static size_t scan_digits(const unsigned char *s, size_t n, size_t i, unsigned long *value, int *ndig)
{
	unsigned long v = 0;
	int d = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (v < 100000000UL)
			v = v * 10 + (unsigned long)(s[i] - '0');
		d++;
		i++;
	}
	*value = v;
	*ndig = d;
	return i;
}

static bool day_ok(unsigned long d) { return d >= 1 && d <= 31; }
static bool month_ok(unsigned long m) { return m >= 1 && m <= 12; }
static bool year_ok(int nd) { return nd == 4 || nd == 2; }

/* Currency written right after a number ("20.000đ", "5USD", "5$"). */
static size_t currency_suffix(const unsigned char *s, size_t n, size_t i)
{
	if (i >= n || s[i] == ' ' || s[i] == ',' || s[i] == '.' || s[i] == '\n')
		return 0;
	static const char *const cur[] = {"USD", "VND", "VNĐ", "EUR", "đ", "$", "€", "£", "¥", NULL};
	for (const char *const *c = cur; *c; c++) {
		size_t k = strlen(*c);
		if (i + k <= n && memcmp(s + i, *c, k) == 0 && !is_alnum_at(s, n, i + k))
			return k;
	}
	return 0;
}

/* Scans a token starting with an ASCII digit at i. */
static size_t scan_number(const unsigned char *s, size_t n, size_t i, int *kind)
{
	unsigned long v1;
	int d1;
	i = scan_digits(s, n, i, &v1, &d1);
	/* time: 14:30, 14h30, 9h, 14g30 */
	if (i + 2 < n && s[i] == ':' && is_digit(s, n, i + 1) && is_digit(s, n, i + 2) && !is_digit(s, n, i + 3) &&
	    d1 <= 2 && v1 <= 24) {
		i += 3;
		if (i + 2 < n && s[i] == ':' && is_digit(s, n, i + 1) && is_digit(s, n, i + 2) && !is_digit(s, n, i + 3))
			i += 3;
		*kind = CHU_TOKEN_TIME;
		return i;
	}
	if (i < n && (s[i] == 'h' || s[i] == 'g') && d1 <= 2 && v1 <= 24) {
		size_t j = i + 1;
		if (is_digit(s, n, j) && is_digit(s, n, j + 1) && !is_alnum_at(s, n, j + 2)) {
			*kind = CHU_TOKEN_TIME;
			return j + 2;
		}
		if (s[i] == 'h' && !is_alnum_at(s, n, j)) {
			*kind = CHU_TOKEN_TIME;
			return j;
		}
	}
	/* dates d/m/y, d/m, m/y and d-m-y */
	if (i + 1 < n && (s[i] == '/' || s[i] == '-') && is_digit(s, n, i + 1)) {
		unsigned char sep = s[i];
		unsigned long v2, v3 = 0;
		int d2, d3 = 0;
		size_t j = scan_digits(s, n, i + 1, &v2, &d2);
		size_t k = j;
		if (j + 1 < n && s[j] == sep && is_digit(s, n, j + 1))
			k = scan_digits(s, n, j + 1, &v3, &d3);
		if (k > j && !is_digit(s, n, k) && d1 <= 2 && day_ok(v1) && d2 <= 2 && month_ok(v2) && year_ok(d3)) {
			*kind = CHU_TOKEN_DATE;
			return k;
		}
		bool grouped = j + 1 < n && (s[j] == '.' || s[j] == ',') && is_digit(s, n, j + 1); /* 1/5.000 */
		if (k == j && sep == '/' && grouped) {
			while (j + 1 < n && (s[j] == '.' || s[j] == ',') && is_digit(s, n, j + 1)) {
				unsigned long v;
				int d;
				j = scan_digits(s, n, j + 1, &v, &d);
			}
			*kind = CHU_TOKEN_NUMBER; /* a scale or ratio: 1/5.000 */
			return j;
		}
		if (k == j && sep == '/' && d1 <= 2 && d2 <= 2 && day_ok(v1) && month_ok(v2)) {
			*kind = CHU_TOKEN_DATE;
			return j;
		}
		if (k == j && sep == '/' && d1 <= 2 && month_ok(v1) && d2 == 4) {
			*kind = CHU_TOKEN_DATE;
			return j;
		}
		if (k == j && sep == '-' && !(j < n && (s[j] == '-' || s[j] == '/'))) {
			*kind = CHU_TOKEN_RANGE; /* 2021-2025, 3-4 */
			return j;
		}
		if (k == j && sep == '/' && !(j < n && s[j] == '/')) {
			*kind = CHU_TOKEN_NUMBER; /* a fraction or a document number part: 1/2 */
			return j;
		}
	}
	/* a date with dots, d.m.yyyy ("1.3.2025"): no grouping of thousands reads so (its groups would
	 * be three digits), and the year of four digits keeps version numbers (1.2.3) numbers */
	if (i + 1 < n && s[i] == '.' && d1 <= 2 && day_ok(v1) && is_digit(s, n, i + 1)) {
		unsigned long v2, v3;
		int d2, d3;
		size_t j = scan_digits(s, n, i + 1, &v2, &d2);
		if (d2 <= 2 && month_ok(v2) && j + 1 < n && s[j] == '.' && is_digit(s, n, j + 1)) {
			size_t k = scan_digits(s, n, j + 1, &v3, &d3);
			if (d3 == 4 && !(k + 1 < n && (s[k] == '.' || s[k] == ',') && is_digit(s, n, k + 1)) &&
			    !is_alnum_at(s, n, k)) {
				*kind = CHU_TOKEN_DATE;
				return k;
			}
		}
	}
	/* digit groups: 62.000, 4,5, 1.234.567,89, 4.0 */
	while (i + 1 < n && (s[i] == '.' || s[i] == ',') && is_digit(s, n, i + 1)) {
		unsigned long v;
		int d;
		i = scan_digits(s, n, i + 1, &v, &d);
	}
	if (i < n && s[i] == '%') {
		*kind = CHU_TOKEN_PERCENT;
		return i + 1;
	}
	size_t c = currency_suffix(s, n, i);
	if (c) {
		*kind = CHU_TOKEN_MONEY;
		return i + c;
	}
	/* letters or hyphens right after digits: "4G", "5km", "19A", "3-D" */
	if (is_alnum_at(s, n, i) && cls_at(s, n, i) == CHU__C_LETTER) {
		while (true) {
			if (is_alnum_at(s, n, i)) {
				int k;
				cp_at(s, n, i, &k);
				i += (size_t)k;
			} else if (i + 1 < n && s[i] == '-' && is_alnum_at(s, n, i + 1)) {
				i++;
			} else if (cls_at(s, n, i) == CHU__C_MARK) {
				int k;
				cp_at(s, n, i, &k);
				i += (size_t)k;
			} else {
				break;
			}
		}
		*kind = CHU_TOKEN_NAME;
		return i;
	}
	*kind = CHU_TOKEN_NUMBER;
	return i;
}

/* ---- scanning one atom ---- */

/* The most pieces of a dotted acronym (PGS.TS.BS has 3) or parts of a hyphenated name. */
#define MAX_PIECES 8

/* A run of letters on its own: an acronym when two or more are capitals and all are, but for a
 * final lowercase 's' ("NGOs"); else a syllable. */
static int letters_kind(const letters *L)
{
	return L->upper >= 2 && (L->upper == L->n || (L->last_s && L->upper == L->n - 1)) ? CHU_TOKEN_ACRONYM
	                                                                                 : CHU_TOKEN_SYLLABLE;
}

/* Scans letters starting at i and everything that joins them into one atom. */
static size_t scan_word(const unsigned char *s, size_t n, size_t i, int *kind)
{
	size_t a = i;
	letters L = scan_letters(s, n, i);
	i = L.end;
	/* v.v. */
	if (L.n == 1 && (s[a] == 'v' || s[a] == 'V') && i + 2 <= n && s[i] == '.' && (s[i + 1] | 0x20) == 'v') {
		*kind = CHU_TOKEN_ABBREV;
		return i + 2 < n && s[i + 2] == '.' ? i + 3 : i + 2;
	}
	/* dotted acronyms: TP.HCM, PGS.TS., Th.S, U.S. */
	if (i + 1 < n && s[i] == '.' && L.n <= 4 && L.first_up && cls_at(s, n, i + 1) == CHU__C_LETTER) {
		size_t j = i, last_piece = a;
		int pieces = 1;
		bool ok = true;
		while (j + 1 < n && s[j] == '.' && cls_at(s, n, j + 1) == CHU__C_LETTER) {
			if (pieces == MAX_PIECES) { /* bounded, so that "A.A.A.…" costs linear time */
				ok = false;
				break;
			}
			letters P = scan_letters(s, n, j + 1);
			bool caps = P.upper == P.n || P.n == 1;
			bool initial = pieces == 1 && L.n == 1 && P.first_up; /* T.NHUNG, H.Nam */
			if (!initial && (!caps || P.n > 4)) {
				ok = false;
				break;
			}
			last_piece = j + 1;
			j = P.end;
			pieces++;
		}
		if (ok && pieces >= 2) {
			if (j < n && s[j] == '.' && is_title(s, last_piece, j + 1))
				j++;
			else if (j < n && s[j] == '.' && j - last_piece == 1 && !is_alnum_at(s, n, j + 1))
				j++; /* U.S. */
			*kind = CHU_TOKEN_ACRONYM;
			return j;
		}
	}
	/* title abbreviations with their dot (TP., ThS., TS.) and initials ("T. (đoàn Thái Lan)") */
	if (i < n && s[i] == '.' && (is_title(s, a, i + 1) || (L.n == 1 && L.upper == 1))) {
		*kind = CHU_TOKEN_ABBREV;
		return i + 1;
	}
	/* names with digits or hyphens: COVID-19, Covid-19, G20, H5N1, PPWE-1 */
	if (i < n && (is_digit(s, n, i) || (s[i] == '-' && is_alnum_at(s, n, i + 1)))) {
		size_t j = i;
		bool digit = false, caps_part = L.n >= 2 && L.upper == L.n;
		int parts = 0;
		while (j < n) {
			if (++parts > 2 * MAX_PIECES) { /* bounded, so that "a-a-a-…" costs linear time */
				digit = caps_part = false;
				break;
			}
			if (is_digit(s, n, j)) {
				digit = true;
				while (is_digit(s, n, j))
					j++;
			} else if (s[j] == '-' && is_alnum_at(s, n, j + 1)) {
				j++;
				if (cls_at(s, n, j) == CHU__C_LETTER) {
					letters P = scan_letters(s, n, j);
					caps_part = caps_part || (P.n >= 2 && P.upper == P.n);
					j = P.end;
				}
			} else if (cls_at(s, n, j) == CHU__C_LETTER) {
				j = scan_letters(s, n, j).end;
			} else {
				break;
			}
		}
		if (digit || caps_part) {
			*kind = CHU_TOKEN_NAME;
			return j;
		}
	}
	*kind = letters_kind(&L);
	return i;
}

/* Scans a punctuation mark or symbol at i (code point cp, k bytes). */
static size_t scan_punct(const unsigned char *s, size_t n, size_t i, int32_t cp, int k, int *kind)
{
	*kind = CHU_TOKEN_PUNCT;
	if (cp == '.') {
		if (i + 2 < n && s[i + 1] == '/' && s[i + 2] == '.')
			return i + 3; /* ./. ends an official document */
		size_t j = i;
		while (j < n && s[j] == '.')
			j++;
		return j;
	}
	if (cp == '!' || cp == '?') {
		size_t j = i;
		while (j < n && (s[j] == '!' || s[j] == '?'))
			j++;
		return j;
	}
	if (cp == '-' || cp == '=' || cp == '*' || cp == '_') {
		size_t j = i;
		while (j < n && s[j] == (unsigned char)cp)
			j++;
		return j;
	}
	if ((cp == '#' || cp == '@') && is_alnum_at(s, n, i + 1)) {
		size_t j = i + 1;
		while (j < n && (is_alnum_at(s, n, j) || s[j] == '_' || cls_at(s, n, j) == CHU__C_MARK)) {
			int kk;
			cp_at(s, n, j, &kk);
			j += (size_t)kk;
		}
		*kind = CHU_TOKEN_HASHTAG;
		return j;
	}
	if ((cp == '$' || cp == 0x20AC || cp == 0xA3 || cp == 0xA5) && is_digit(s, n, i + (size_t)k)) {
		int nk;
		size_t j = scan_number(s, n, i + (size_t)k, &nk);
		*kind = CHU_TOKEN_MONEY;
		return j;
	}
	if (chu__char_class(cp) != CHU__C_PUNCT)
		*kind = CHU_TOKEN_SYMBOL;
	return i + (size_t)k;
}

static bool is_opener(int32_t cp) { return cp == '(' || cp == '[' || cp == 0x201C || cp == 0xAB || cp == 0x2018 || cp == '"' || cp == '\'';}

/* Bytes after a run of letters that may make it something other than a plain syllable or
 * acronym (0 for the others): what scan_word joins (. - digits) and what may start a URL or an
 * e-mail address (@ : / _). */
static const uint8_t plain_follow[256] = {['.'] = 1, ['-'] = 1, ['@'] = 1, [':'] = 1, ['/'] = 1, ['_'] = 1,
                                          ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
                                          ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1};

static inline void push(int *rc, chu__buf *out, size_t a, size_t b, int kind)
{
	if (out->len + sizeof(chu_token) >= out->cap) {
		chu__buf_reserve(rc, out, 256 * sizeof(chu_token));
		if (*rc < 0)
			return;
	}
	chu_token *t = (chu_token *)(void *)(out->data + out->len);
	t->start = a;
	t->end = b;
	t->kind = (uint16_t)kind;
	t->flags = 0;
	t->reserved = 0;
	out->len += sizeof(chu_token);
}

/* ---- sentence ends (decided while scanning: a candidate waits for the token after it) ---- */

static int32_t first_cp(const unsigned char *s, const chu_token *t)
{
	int k;
	return cp_at(s, t->end, t->start, &k);
}

static bool is_closer(int32_t cp) { return cp == ')' || cp == ']' || cp == 0x201D || cp == 0xBB || cp == 0x2019 || cp == '\''; }

/* A mark that can end a sentence. An ellipsis ("...", "…") does so only at a line end: in news
 * text it far more often trails off inside a sentence before a name ("đi theo... May mà Vi"). */
static bool final_mark(const unsigned char *s, const chu_token *t)
{
	if (t->kind != CHU_TOKEN_PUNCT)
		return false;
	int32_t c = first_cp(s, t);
	if (c == '.')
		return t->end - t->start == 1 || s[t->start + 1] == '/';
	return c == '!' || c == '?';
}

/* Does token u start a new sentence? */
static bool starts_sentence(const unsigned char *s, const chu_token *u)
{
	int32_t c = first_cp(s, u);
	if (is_upper_cp(c) || (c >= '0' && c <= '9'))
		return true;
	if (is_opener(c) || is_dash_cp(c) || c == 0x2022 || c == '*')
		return true;
	return false;
}

/* A candidate sentence end tt[pend] followed by token tt[last], which does not close its
 * sentence: the sentence ends there when tt[last] starts a new one. Returns the new candidate
 * (none). */
static size_t decide_pending(const unsigned char *s, chu_token *tt, size_t pend, size_t last)
{
	if (!(tt[pend].flags & CHU_TOKEN_SENTENCE_END) && starts_sentence(s, &tt[last]))
		tt[pend].flags |= CHU_TOKEN_SENTENCE_END;
	return SIZE_MAX;
}

/* Pass 1. Atoms of text[0..n) appended to out; a token followed by a line break (or the end)
 * gets CHU_TOKEN_SENTENCE_END already, since a line always ends a sentence. */
static int scan(const unsigned char *s, size_t n, chu__buf *out, size_t *first_number)
{
	int rc = CHU_OK;
	size_t i = 0;
	bool chunk_start = true, continue_marking = false;
	size_t first = out->len / sizeof(chu_token);
	size_t pend = SIZE_MAX; /* a token that ends a sentence if what follows starts one */
	size_t chunk_stop = 0, chunk_trim = 0; /* the current chunk's end, and its end without trailing punctuation */
	while (i < n && rc >= 0) {
		if (s[i] == ' ') { /* the common separator, without decoding */
			i++;
			chunk_start = true;
			continue;
		}
		if (s[i] < 0x80 ? ascii_letter[s[i]] != 0 : s[i] >= 0xC2 && cls_at(s, n, i) == CHU__C_LETTER) {
			/* the common token: letters, then anything that neither joins them into a longer
			 * atom (. - digits: scan_word) nor starts a URL or e-mail (@ : / _) — a syllable or
			 * an acronym, which is never a sentence's final mark nor an opener */
			letters L = scan_letters(s, n, i);
			size_t e = L.end;
			if (e == n || !plain_follow[s[e]]) {
				push(&rc, out, i, e, letters_kind(&L));
				if (rc < 0)
					break;
				if (pend != SIZE_MAX)
					pend = decide_pending(s, (chu_token *)(void *)out->data, pend, out->len / sizeof(chu_token) - 1);
				continue_marking = false;
				chunk_start = false;
				i = e;
				continue;
			}
		}
		int k;
		int32_t cp = cp_at(s, n, i, &k);
		int c = chu__char_class(cp);
		if (c == CHU__C_SPACE || c == CHU__C_IGNORE || c == CHU__C_NEWLINE) {
			if (c == CHU__C_NEWLINE && out->len / sizeof(chu_token) > first)
				((chu_token *)(void *)out->data)[out->len / sizeof(chu_token) - 1].flags |= CHU_TOKEN_SENTENCE_END;
			i += (size_t)k;
			chunk_start = true;
			continue;
		}
		int kind = CHU_TOKEN_SYMBOL;
		size_t end;
		if (c == CHU__C_LETTER)
			end = scan_word(s, n, i, &kind);
		else if (c == CHU__C_DIGIT) {
			end = scan_number(s, n, i, &kind);
			if (*first_number == SIZE_MAX)
				*first_number = out->len / sizeof(chu_token);
		} else if (c == CHU__C_MARK) {
			/* a stray combining mark: a symbol of its own with any marks after it */
			end = i + (size_t)k;
			while (cls_at(s, n, end) == CHU__C_MARK) {
				cp_at(s, n, end, &k);
				end += (size_t)k;
			}
		} else if (c == CHU__C_INVALID) {
			end = i + 1;
		} else {
			end = scan_punct(s, n, i, cp, k, &kind);
		}
		/* a chunk that goes on with . @ : or / and more may be a URL or an e-mail address */
		if (chunk_start && (c == CHU__C_LETTER || c == CHU__C_DIGIT) && end + 1 < n &&
		    (s[end] == '.' || s[end] == '@' || s[end] == ':' || s[end] == '/' || s[end] == '-' || s[end] == '_') &&
		    s[end + 1] > ' ') {
			int ukind;
			if (i >= chunk_stop) { /* once per white-space-delimited chunk */
				chunk_stop = chunk_end(s, n, i);
				chunk_trim = trim_trailing(s, i, chunk_stop);
			}
			size_t u = match_url(s, i, chunk_trim > i ? chunk_trim : i, &ukind);
			if (u > end - i) {
				end = i + u;
				kind = ukind;
			}
		}
		chunk_start = false;
		push(&rc, out, i, end, kind);
		if (rc < 0)
			break;
		/* sentence ends: does the token just pushed decide a waiting candidate? */
		chu_token *tt = (chu_token *)(void *)out->data;
		size_t last = out->len / sizeof(chu_token) - 1;
		if (pend != SIZE_MAX) {
			int32_t c0 = kind == CHU_TOKEN_PUNCT ? cp : 0;
			if (!(tt[pend].flags & CHU_TOKEN_SENTENCE_END) && kind == CHU_TOKEN_PUNCT &&
			    (is_closer(c0) || (c0 == '"' && tt[last].start == tt[pend].end))) {
				pend = last; /* closing quotes and brackets stay with the sentence they close */
				continue_marking = true;
			} else {
				pend = decide_pending(s, tt, pend, last);
			}
		}
		if (pend == SIZE_MAX && !continue_marking &&
		    (final_mark(s, &tt[last]) || (kind == CHU_TOKEN_ABBREV && (s[i] | 0x20) == 'v')))
			pend = last; /* "v.v." ends a sentence when a capital follows */
		continue_marking = false;
		/* a URL may follow an opening bracket or quote: "(www.mofa.gov.vn)" */
		chunk_start = kind == CHU_TOKEN_PUNCT && end - i <= 3 && is_opener(cp);
		i = end;
	}
	size_t count = out->len / sizeof(chu_token);
	if (rc >= 0 && count > first)
		((chu_token *)(void *)out->data)[count - 1].flags |= CHU_TOKEN_SENTENCE_END;
	return rc;
}

/* ---- pass 2: units across spaces ---- */

/* Is the gap [a, b) spaces only (no line break)? */
static bool spaces_only(const unsigned char *s, size_t a, size_t b)
{
	for (size_t i = a; i < b;) {
		int k;
		int32_t cp = cp_at(s, b, i, &k);
		if (chu__char_class(cp) != CHU__C_SPACE)
			return false;
		i += (size_t)k;
	}
	return true;
}

static bool word_is(const unsigned char *s, const chu_token *t, const char *const *list)
{
	size_t len = t->end - t->start;
	unsigned char c0 = s[t->start];
	for (const char *const *w = list; *w; w++) {
		if (c0 != (unsigned char)(*w)[0] && !(c0 < 0x80 && (c0 | 0x20) == (unsigned char)(*w)[0]))
			continue; /* the first byte differs: no need for the length */
		size_t k = strlen(*w);
		if (k != len)
			continue;
		size_t j = 0;
		while (j < k && (s[t->start + j] == (unsigned char)(*w)[j] ||
		                 (s[t->start + j] < 0x80 && (s[t->start + j] | 0x20) == (unsigned char)(*w)[j])))
			j++;
		if (j == k)
			return true;
	}
	return false;
}

static const char *const multipliers[] = {"nghìn", "ngàn", "triệu", "tỷ", "tỉ", "trăm", NULL};
static const char *const currencies[] = {"usd", "vnd", "vnđ", "đồng", "eur", "euro", "yên", "yen", "đô",
                                         "đôla", "bảng", "won", "baht", "rupiah", "ringgit", "rúp", "$", NULL};

static bool numeric(int kind) { return kind == CHU_TOKEN_NUMBER || kind == CHU_TOKEN_DATE; }

static void merge(const unsigned char *s, chu_token *t, size_t first, size_t *count)
{
	size_t n = *count, w = first;
	for (size_t r = first; r < n; r++) {
		chu_token cur = t[r];
		if (cur.kind == CHU_TOKEN_NUMBER && !(cur.flags & CHU_TOKEN_SENTENCE_END)) {
			size_t j = r + 1;
			/* NUMBER %  */
			if (j < n && t[j].end - t[j].start == 1 && s[t[j].start] == '%' &&
			    spaces_only(s, t[r].end, t[j].start)) {
				cur.end = t[j].end;
				cur.kind = CHU_TOKEN_PERCENT;
				cur.flags = (uint16_t)(t[j].flags | CHU_TOKEN_HAS_SPACE);
				t[w++] = cur;
				r = j;
				continue;
			}
			/* NUMBER [multiplier…] currency */
			size_t m = j;
			while (m < n && word_is(s, &t[m], multipliers) && spaces_only(s, t[m - 1].end, t[m].start) &&
			       !(t[m - 1].flags & CHU_TOKEN_SENTENCE_END))
				m++;
			if (m < n && !(t[m - 1].flags & CHU_TOKEN_SENTENCE_END) && spaces_only(s, t[m - 1].end, t[m].start) &&
			    (word_is(s, &t[m], currencies) || (t[m].kind == CHU_TOKEN_ACRONYM && word_is(s, &t[m], currencies)))) {
				size_t last = m;
				/* "đô la" */
				if (word_is(s, &t[m], (const char *const[]){"đô", NULL}) && m + 1 < n &&
				    word_is(s, &t[m + 1], (const char *const[]){"la", NULL}) &&
				    spaces_only(s, t[m].end, t[m + 1].start))
					last = m + 1;
				cur.end = t[last].end;
				cur.kind = CHU_TOKEN_MONEY;
				cur.flags = (uint16_t)(t[last].flags | CHU_TOKEN_HAS_SPACE);
				t[w++] = cur;
				r = last;
				continue;
			}
		}
		/* NUMBER|DATE – NUMBER|DATE with spaces around the dash: 18 – 19/11/2020 */
		if (numeric(cur.kind) && r + 2 < n && !(cur.flags & CHU_TOKEN_SENTENCE_END) &&
		    t[r + 1].kind == CHU_TOKEN_PUNCT && numeric(t[r + 2].kind) &&
		    !(t[r + 1].flags & CHU_TOKEN_SENTENCE_END)) {
			int k;
			int32_t cp = cp_at(s, t[r + 1].end, t[r + 1].start, &k);
			bool sp1 = t[r].end < t[r + 1].start, sp2 = t[r + 1].end < t[r + 2].start;
			if (is_dash_cp(cp) && (size_t)k == t[r + 1].end - t[r + 1].start && sp1 == sp2 &&
			    spaces_only(s, t[r].end, t[r + 1].start) && spaces_only(s, t[r + 1].end, t[r + 2].start)) {
				cur.end = t[r + 2].end;
				cur.kind = CHU_TOKEN_RANGE;
				cur.flags = (uint16_t)(t[r + 2].flags | (sp1 ? CHU_TOKEN_HAS_SPACE : 0));
				t[w++] = cur;
				r += 2;
				continue;
			}
		}
		if (w != r)
			t[w] = cur;
		w++;
	}
	*count = w;
}


int chu__tokenize(const char *text, size_t len, chu__buf *tokens)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t first = tokens->len / sizeof(chu_token);
	size_t first_number = SIZE_MAX; /* merging starts at a number: nothing before it changes */
	int rc = scan(s, len, tokens, &first_number);
	if (rc < 0)
		return rc;
	size_t count = tokens->len / sizeof(chu_token);
	chu_token *t = (chu_token *)(void *)tokens->data;
	if (count > first) {
		if (first_number != SIZE_MAX)
			merge(s, t, first_number, &count);
	}
	tokens->len = count * sizeof(chu_token);
	return CHU_OK;
}

int chu_tokenize(chu_ctx *ctx, const char *text, size_t len, const chu_token **tokens, size_t *n_tokens)
{
	if (!ctx || (!text && len) || !tokens || !n_tokens)
		return CHU_EINVAL;
	ctx->tokens.len = 0;
	int rc = chu__tokenize(text ? text : "", len, &ctx->tokens);
	if (rc < 0)
		return rc;
	*tokens = (const chu_token *)(void *)ctx->tokens.data;
	*n_tokens = ctx->tokens.len / sizeof(chu_token);
	return CHU_OK;
}

int chu_sentences(chu_ctx *ctx, const char *text, size_t len, const chu_span **sentences, size_t *n_sentences)
{
	if (!ctx || (!text && len) || !sentences || !n_sentences)
		return CHU_EINVAL;
	ctx->sent_tokens.len = 0;
	ctx->sentences.len = 0;
	int rc = chu__tokenize(text ? text : "", len, &ctx->sent_tokens);
	const chu_token *t = (const chu_token *)(void *)ctx->sent_tokens.data;
	size_t n = ctx->sent_tokens.len / sizeof(chu_token);
	size_t start = SIZE_MAX;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		if (start == SIZE_MAX)
			start = t[i].start;
		if (t[i].flags & CHU_TOKEN_SENTENCE_END) {
			chu_span sp = {start, t[i].end};
			chu__buf_put(&rc, &ctx->sentences, &sp, sizeof sp);
			start = SIZE_MAX;
		}
	}
	if (rc < 0)
		return rc;
	chu__buf_reserve(&rc, &ctx->sentences, 0);
	*sentences = (const chu_span *)(void *)ctx->sentences.data;
	*n_sentences = ctx->sentences.len / sizeof(chu_span);
	return rc;
}

const char *chu_token_kind_name(int kind)
{
	static const char *const names[] = {"?",       "syllable", "number", "date",    "range",  "time",
	                                    "percent", "money",    "url",    "email",   "hashtag", "acronym",
	                                    "name",    "abbrev",   "punct",  "symbol"};
	if (kind <= 0 || kind >= CHU_TOKEN_KIND_MAX)
		return "?";
	return names[kind];
}
