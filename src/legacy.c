/*
 * legacy.c — Vietnamese text in the encodings that came before Unicode: TCVN3 ("ABC", the
 * .VnTime fonts), VNI (VNI-Windows fonts: a base letter followed by a mark byte) and VIQR
 * (ASCII mnemonics, RFC 1456). Each is converted to precomposed UTF-8; chu_norm() then places
 * the tone marks in chu's style.
 */
#include "internal.h"

/* ---- TCVN3 ---- */

/* TCVN3 bytes 0xA1..0xFE → Unicode (0: not assigned). The ABC font set writes capitals with
 * the same codes in a capital font, so toned capitals read back as lowercase letters; the
 * seven capitals with their own code (Ă Â Đ Ê Ô Ơ Ư) keep their case. */
static const uint16_t tcvn3_high[0x5E] = {
	/* A1 */ 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110, 0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0,
	/* B0 */ 0, 0, 0, 0, 0, 0x00E0, 0x1EA3, 0x00E3, 0x00E1, 0x1EA1, 0, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0,
	/* C0 */ 0, 0, 0, 0, 0, 0, 0x1EB7, 0x1EA7, 0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0, 0x1EBB, 0x1EBD,
	/* D0 */ 0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC, 0x1EC9, 0, 0, 0, 0x0129, 0x00ED, 0x1ECB, 0x00F2,
	/* E0 */ 0, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7, 0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
	/* F0 */ 0, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF, 0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5};

static int32_t tcvn3_cp(unsigned char b)
{
	if (b < 0x80)
		return b;
	if (b >= 0xA1 && b <= 0xFE && tcvn3_high[b - 0xA1])
		return tcvn3_high[b - 0xA1];
	return 0xFFFD;
}

/* ---- VNI ---- */

/* What a VNI mark (a Latin-1 code, case folded) does to the vowel before it. */
typedef struct vni_mark {
	uint8_t code; /* lowercase Latin-1 code of the mark */
	char mod;     /* '^' circumflex, '(' breve, 0 none */
	uint8_t tone; /* enum chu__tone */
} vni_mark;

static const vni_mark vni_marks[] = {
	{0xF9, 0, CHU__TONE_ACUTE}, {0xF8, 0, CHU__TONE_GRAVE}, {0xFB, 0, CHU__TONE_HOOK}, {0xF5, 0, CHU__TONE_TILDE},
	{0xEF, 0, CHU__TONE_DOT},   {0xE2, '^', 0},             {0xE1, '^', CHU__TONE_ACUTE}, {0xE0, '^', CHU__TONE_GRAVE},
	{0xE5, '^', CHU__TONE_HOOK}, {0xE3, '^', CHU__TONE_TILDE}, {0xE4, '^', CHU__TONE_DOT}, {0xEA, '(', 0},
	{0xE9, '(', CHU__TONE_ACUTE}, {0xE8, '(', CHU__TONE_GRAVE}, {0xFA, '(', CHU__TONE_HOOK}, {0xFC, '(', CHU__TONE_TILDE},
	{0xEB, '(', CHU__TONE_DOT}};

/* Single-code VNI letters (lowercase code; the uppercase code is 0x20 less). */
static const struct { uint8_t code; int32_t base; uint8_t tone; } vni_letters[] = {
	{0xF4, 0x1A1, 0}, {0xF6, 0x1B0, 0}, {0xF1, 0x111, 0}, {0xED, 'i', CHU__TONE_ACUTE}, {0xEC, 'i', CHU__TONE_GRAVE},
	{0xE6, 'i', CHU__TONE_HOOK}, {0xF3, 'i', CHU__TONE_TILDE}, {0xF2, 'i', CHU__TONE_DOT}, {0xEE, 'y', CHU__TONE_DOT}};

static const vni_mark *vni_mark_of(int32_t c)
{
	if (c >= 0xC0 && c <= 0xDE)
		c += 0x20;
	for (size_t i = 0; i < sizeof vni_marks / sizeof vni_marks[0]; i++)
		if (vni_marks[i].code == c)
			return &vni_marks[i];
	return NULL;
}

/* Reads one "Latin-1 character" of VNI text: a raw byte, or (when the text is UTF-8 that was
 * converted from the VNI bytes) the code point of a two-byte UTF-8 sequence below U+0100. */
static int vni_next(const unsigned char *s, size_t n, size_t i, int32_t *c)
{
	if (s[i] >= 0xC2 && s[i] <= 0xC3 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
		*c = ((s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
		return 2;
	}
	*c = s[i];
	return 1;
}

/* Converts the VNI character at s[i] (a letter and the mark byte after it, or one byte) and
 * returns where the next one starts. */
static size_t vni_step(const unsigned char *s, size_t n, size_t i, chu__buf *out, int *rc)
{
	int32_t c;
	size_t k = (size_t)vni_next(s, n, i, &c);
	int32_t base = 0;
	int tone = 0, upper = 0;
	int32_t lo = c >= 'A' && c <= 'Z' ? c + 0x20 : c;
	if (lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y') {
		base = lo;
		upper = c != lo;
	} else {
		int32_t lc = c >= 0xC0 && c <= 0xDE ? c + 0x20 : c;
		for (size_t j = 0; j < sizeof vni_letters / sizeof vni_letters[0]; j++)
			if (vni_letters[j].code == lc) {
				base = vni_letters[j].base;
				tone = vni_letters[j].tone;
				upper = lc != c;
			}
	}
	if (!base) {
		chu__buf_put_cp(rc, out, c < 0x80 ? c : (k == 1 ? 0xFFFD : c));
		return i + k;
	}
	i += k;
	/* one mark may follow: a tone, a modifier, or both in one code */
	if (i < n && base != 0x111 && !tone) {
		int32_t m;
		size_t mk = (size_t)vni_next(s, n, i, &m);
		const vni_mark *vm = vni_mark_of(m);
		if (vm) {
			int32_t b2 = base;
			if (vm->mod == '^')
				b2 = base == 'a' ? 0xE2 : base == 'e' ? 0xEA : base == 'o' ? 0xF4 : 0;
			else if (vm->mod == '(')
				b2 = base == 'a' ? 0x103 : 0;
			if (b2) {
				base = b2;
				tone = vm->tone;
				i += mk;
			}
		}
	}
	chu__buf_put_cp(rc, out, chu__vletter_join(base, tone, upper));
	return i;
}

/* ---- VIQR ---- */

static int viqr_tone(unsigned char c)
{
	switch (c) {
	case '\'': return CHU__TONE_ACUTE;
	case '`': return CHU__TONE_GRAVE;
	case '?': return CHU__TONE_HOOK;
	case '~': return CHU__TONE_TILDE;
	case '.': return CHU__TONE_DOT;
	default: return 0;
	}
}

static bool ascii_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* The rhymes a Vietnamese syllable can end with when nothing follows its vowels (lowercase,
 * without a tone): the ones a VIQR tone mark at the end of a word can close. */
static const char *const open_rhymes[] = {
	"a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia",
	"iu", "oa", "oe", "oi", "ôi", "ơi", "ua", "uê", "ui", "uy", "ưa", "ưi", "ưu", "uơ", "iêu", "yêu", "oai",
	"oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu", NULL};
static const char *const onsets[] = {"ngh", "ng", "gh", "gi", "ch", "kh", "nh", "ph", "qu", "th", "tr", "b", "c",
                                     "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "", NULL};

static bool viqr_is_mark(unsigned char c) { return c == '^' || c == '(' || c == '+' || c == '*' || viqr_tone(c); }

/* Is syl (lowercase UTF-8 letters, no tone) one open Vietnamese syllable: an onset, then one of
 * open_rhymes? ("tro+" → "trơ", "dde^" → "đê", "ngoai"; not "hello", "tokyo", "ba(") */
static bool open_syllable(const char *syl)
{
	for (const char *const *o = onsets; *o; o++) {
		size_t k = strlen(*o);
		if (strncmp(syl, *o, k) != 0)
			continue;
		const char *r = syl + k;
		if (strcmp(*o, "qu") == 0 && (r[0] == 'o' || r[0] == 'u'))
			continue; /* "quo", "quu" are not syllables */
		if (strcmp(*o, "gi") == 0 && !*r)
			return true; /* "gi" ("gì", "gỉ"): the borrowed i is the vowel */
		for (const char *const *m = open_rhymes; *m; m++)
			if (strcmp(r, *m) == 0)
				return true;
	}
	return false;
}

/* A '.' or '?' at s[j] ends the VIQR word whose vowel is at s[v] (with its modifier, if any,
 * just before j). Is it the word's tone mark (dot below, hook above) rather than punctuation?
 *
 * RFC 1456 writes a mark right after its vowel and a literal '.' or '?' there as "\." and "\?",
 * but in running text the backslash is mostly left out, so chu reads the context. It is a tone
 * mark when both hold:
 *  1. the letters of the word before it spell a Vietnamese syllable with no tone yet ("tro+",
 *     "Bo^", "dde^"; not "ho`a", "No^.i", "Hello"). Such a syllable ends in its vowels, so it is
 *     open and takes any tone: the rule that a syllable ending in c, ch, p or t takes only the
 *     acute or the dot below never applies here — after "ho.c" a '.' follows a consonant and is
 *     always punctuation ("To^i ddi ho.c." → "Tôi đi học.");
 *  2. what follows does not start a sentence:
 *     - spaces, then a lowercase letter, or a ',' ';' ':' (no sentence ends before those):
 *       a mark ("dde^? ho^~" → "để hỗ");
 *     - spaces, then an uppercase letter: a '?' is a mark (news text puts hook-toned words
 *       before names far more often than it asks questions: "cu?a Vie^.t Nam", "o+? Ha` No^.i"
 *       → "của Việt Nam", "ở Hà Nội"); a '.' is a mark when the word itself is capitalized, a
 *       name going on ("Bo^. Ngoa.i giao" → "Bộ Ngoại giao"), and punctuation after a lowercase
 *       word, which ends its sentence ("ddi ra. Sau ddo'" → "đi ra. Sau đó");
 *     - the end of the line or of the text: a '.' is a mark ("ho^~ tro+." → "hỗ trợ"), a '?'
 *       punctuation (questions end in open toneless words: "chu+a?" → "chưa?");
 *     - anything else (another '.' or '?', a quote, a bracket, a digit): punctuation. */
static bool viqr_final_tone(const unsigned char *s, size_t n, size_t v, size_t j)
{
	/* the start of the word: letters, and the marks that follow them */
	size_t w = v;
	while (w > 0 && (ascii_letter(s[w - 1]) || (viqr_is_mark(s[w - 1]) && w >= 2 &&
	                                            (ascii_letter(s[w - 2]) || viqr_is_mark(s[w - 2])))))
		w--;
	while (w < v && !ascii_letter(s[w]))
		w++; /* marks with no letter before them ("?^o") are not the word's */
	/* the word's letters, as lowercase UTF-8 without tones, up to s[j] */
	char syl[32];
	size_t len = 0;
	for (size_t p = w; p < j;) {
		unsigned char c = s[p], lo = c | 0x20;
		int32_t cp = lo;
		if (!ascii_letter(c))
			return false;
		if (p == w && lo == 'd' && p + 1 < j && (s[p + 1] | 0x20) == 'd') {
			cp = 0x111;
			p += 2;
		} else {
			p++;
			if (p < j && s[p] == '^')
				cp = lo == 'a' ? 0xE2 : lo == 'e' ? 0xEA : lo == 'o' ? 0xF4 : 0;
			else if (p < j && s[p] == '(')
				cp = lo == 'a' ? 0x103 : 0;
			else if (p < j && (s[p] == '+' || s[p] == '*'))
				cp = lo == 'o' ? 0x1A1 : lo == 'u' ? 0x1B0 : 0;
			if (cp != lo)
				p++;
			if (!cp || (p < j && viqr_tone(s[p])))
				return false; /* a modifier that fits no vowel, or a tone already */
		}
		if (len + 4 >= sizeof syl)
			return false;
		len += (size_t)chu__utf8_encode(cp, syl + len);
	}
	syl[len] = 0;
	if (!open_syllable(syl))
		return false;
	size_t k = j + 1;
	if (k < n && (s[k] == ',' || s[k] == ';' || s[k] == ':'))
		return true;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	if (k >= n || s[k] == '\n' || s[k] == '\r')
		return s[j] == '.';
	if (k == j + 1)
		return false; /* "tro+..", "tro+.)": another character at once */
	int32_t cp;
	chu__utf8_decode(s + k, n - k, &cp);
	if (chu__char_class(cp) != CHU__C_LETTER)
		return false;
	if (!chu__is_upper(cp))
		return true;
	return s[j] == '?' || (s[w] | 0x20) != s[w]; /* after a '.', only a name going on */
}

/* VIQR: a vowel may be followed by a modifier (^ for â ê ô, ( for ă, + or * for ơ ư) and then a
 * tone (' ` ? ~ .); "dd" is đ. A backslash keeps the next character literal. A '.' or '?' that
 * ends a word is a tone or punctuation as viqr_final_tone decides. */
static size_t viqr_step(const unsigned char *s, size_t n, size_t i, chu__buf *out, int *rc)
{
	unsigned char c = s[i];
	if (c == '\\' && i + 1 < n && s[i + 1] < 0x80) {
		chu__buf_putc(rc, out, (char)s[i + 1]);
		return i + 2;
	}
	if ((c == 'd' || c == 'D') && i + 1 < n && (s[i + 1] | 0x20) == 'd' && (i == 0 || !ascii_letter(s[i - 1]))) {
		chu__buf_put_cp(rc, out, c == 'D' ? 0x110 : 0x111);
		return i + 2;
	}
	unsigned char lo = c | 0x20;
	bool vowel = ascii_letter(c) && (lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y');
	if (!vowel) {
		chu__buf_putc(rc, out, (char)c); /* other bytes, UTF-8 ones too, as they are */
		return i + 1;
	}
	int32_t base = lo;
	int upper = c != lo, tone = 0;
	size_t j = i + 1;
	if (j < n) {
		unsigned char m = s[j];
		int32_t b2 = 0;
		if (m == '^')
			b2 = lo == 'a' ? 0xE2 : lo == 'e' ? 0xEA : lo == 'o' ? 0xF4 : 0;
		else if (m == '(')
			b2 = lo == 'a' ? 0x103 : 0;
		else if (m == '+' || m == '*')
			b2 = lo == 'o' ? 0x1A1 : lo == 'u' ? 0x1B0 : 0;
		if (b2) {
			base = b2;
			j++;
		}
	}
	if (j < n && viqr_tone(s[j])) {
		bool word_end = j + 1 >= n || !ascii_letter(s[j + 1]);
		if (!((s[j] == '.' || s[j] == '?') && word_end && !viqr_final_tone(s, n, i, j))) {
			tone = viqr_tone(s[j]);
			j++;
		}
	}
	chu__buf_put_cp(rc, out, chu__vletter_join(base, tone, upper));
	return j;
}

/* ---- UTF-16 with a byte order mark ---- */

/* One UTF-16 code unit pair at s[i] (little-endian when le) as UTF-8; an unpaired surrogate or
 * an odd last byte becomes U+FFFD. */
static size_t utf16_step(const unsigned char *s, size_t n, size_t i, bool le, chu__buf *out, int *rc)
{
	if (i + 1 >= n) {
		chu__buf_put_cp(rc, out, 0xFFFD);
		return n;
	}
	uint32_t u = le ? (uint32_t)(s[i] | s[i + 1] << 8) : (uint32_t)(s[i] << 8 | s[i + 1]);
	if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
		uint32_t v = le ? (uint32_t)(s[i + 2] | s[i + 3] << 8) : (uint32_t)(s[i + 2] << 8 | s[i + 3]);
		if (v >= 0xDC00 && v <= 0xDFFF) {
			chu__buf_put_cp(rc, out, (int32_t)(0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00)));
			return i + 4;
		}
	}
	chu__buf_put_cp(rc, out, u >= 0xD800 && u <= 0xDFFF ? 0xFFFD : (int32_t)u);
	return i + 2;
}

/* ---- conversion ---- */

/* Converts text from enc, one character of the source at a time, appending to out. When
 * stop_at is not SIZE_MAX, stops at the source character whose conversion writes output byte
 * stop_at (counted from where out began) and stores its source offset in *source_at. */
static int convert(int enc, const char *text, size_t len, chu__buf *out, size_t stop_at, size_t *source_at)
{
	const unsigned char *s = (const unsigned char *)text;
	int rc = CHU_OK;
	size_t base = out->len, i = 0;
	if (enc == CHU__ENC_UTF16LE || enc == CHU__ENC_UTF16BE)
		i = 2; /* the byte order mark */
	while (i < len && rc >= 0) {
		size_t before = out->len - base, next;
		switch (enc) {
		case CHU_ENC_TCVN3:
			chu__buf_put_cp(&rc, out, tcvn3_cp(s[i]));
			next = i + 1;
			break;
		case CHU_ENC_VNI: next = vni_step(s, len, i, out, &rc); break;
		case CHU_ENC_VIQR: next = viqr_step(s, len, i, out, &rc); break;
		case CHU__ENC_UTF16LE: next = utf16_step(s, len, i, true, out, &rc); break;
		case CHU__ENC_UTF16BE: next = utf16_step(s, len, i, false, out, &rc); break;
		default:
			chu__buf_put(&rc, out, text, len);
			next = len;
			break;
		}
		if (stop_at != SIZE_MAX && before <= stop_at && out->len - base > stop_at) {
			*source_at = i;
			return rc;
		}
		i = next;
	}
	if (stop_at != SIZE_MAX)
		*source_at = len;
	return rc;
}

int chu__legacy_to_utf8(int enc, const char *text, size_t len, chu__buf *out)
{
	if (enc < CHU_ENC_UTF8 || (enc > CHU_ENC_VIQR && enc != CHU__ENC_UTF16LE && enc != CHU__ENC_UTF16BE))
		return CHU_EINVAL;
	int rc = CHU_OK;
	chu__buf_reserve(&rc, out, len + len / 2);
	if (rc < 0)
		return rc;
	return convert(enc, text, len, out, SIZE_MAX, NULL);
}

size_t chu__legacy_source_offset(int enc, const char *text, size_t len, size_t at, chu__buf *scratch)
{
	size_t source_at = len;
	scratch->len = 0;
	if (convert(enc, text, len, scratch, at, &source_at) < 0)
		return len; /* out of memory: the end is the best bound left */
	return source_at;
}

/* ---- detection ---- */

static bool valid_utf8(const unsigned char *s, size_t n, size_t *multibyte)
{
	*multibyte = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		int32_t cp;
		int k = chu__utf8_decode(s + i, n - i, &cp);
		if (cp < 0)
			return false;
		(*multibyte)++;
		i += (size_t)k;
	}
	return true;
}

/* Does VNI mark m (a Latin-1 code) apply to vowel v (a Latin-1 code, any case)? Tones apply to
 * every vowel, the circumflex marks to a, e and o, the breve marks to a. */
static bool vni_applies(int32_t v, int32_t m)
{
	const vni_mark *vm = vni_mark_of(m);
	if (!vm)
		return false;
	int32_t lo = v >= 'A' && v <= 'Z' ? v + 0x20 : v >= 0xC0 && v <= 0xDE ? v + 0x20 : v;
	if (vm->mod == '^')
		return lo == 'a' || lo == 'e' || lo == 'o';
	if (vm->mod == '(')
		return lo == 'a';
	return lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y' || lo == 0xF4 || lo == 0xF6;
}

/* The encoding of a whole document, from evidence that plain UTF-8 never gives:
 *  - a UTF-16 byte order mark at the start;
 *  - in valid UTF-8, VNI only when the text is VNI's bytes read as Latin-1 ("Vieät"): no
 *    Vietnamese letter above U+00FF at all (Latin-1 has none of ă đ ơ ư ạ ả ấ…, and real
 *    Vietnamese text is full of them), at least three vowels followed by a mark that applies to
 *    them, VNI's đ or ư (ñ, ö) somewhere, and marks after anything else rare. "hoàn toàn" alone
 *    reads both ways and stays as it is;
 *  - in bytes that are not UTF-8: VNI when vowels are followed by mark bytes, TCVN3 when nine
 *    in ten high bytes are its letters;
 *  - in ASCII: VIQR when its marks follow vowels often enough. */
int chu__legacy_detect(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
		return CHU__ENC_UTF16LE;
	if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
		return CHU__ENC_UTF16BE;
	size_t multibyte;
	bool utf8 = valid_utf8(s, len, &multibyte);
	size_t vni = 0, stray = 0, vni_letters_seen = 0, viet = 0, tcvn = 0, high = 0, viqr = 0, words = 0;
	int32_t prev = 0; /* the character before, as vni_next reads it */
	for (size_t i = 0; i < len;) {
		int32_t c;
		size_t k = (size_t)vni_next(s, len, i, &c);
		if (utf8 && k == 1 && s[i] >= 0x80) {
			/* a longer UTF-8 sequence: a letter of its own, never a VNI code */
			int32_t cp;
			int n = chu__utf8_decode(s + i, len - i, &cp);
			chu__vletter L;
			if (cp >= 0x100 && chu__vletter_split(cp, &L))
				viet++;
			prev = cp;
			i += (size_t)n;
			continue;
		}
		if (c >= 0x80 && vni_mark_of(c)) {
			if (vni_applies(prev, c))
				vni++;
			else
				stray++;
		}
		if (c == 0xF1 || c == 0xD1 || c == 0xF6 || c == 0xD6)
			vni_letters_seen++;
		unsigned char lo = (unsigned char)(s[i] | 0x20);
		bool vowel = s[i] < 0x80 && (lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y');
		if (vowel && i + 1 < len) {
			unsigned char n1 = s[i + 1];
			bool next_letter = i + 2 < len && ascii_letter(s[i + 2]);
			if (n1 == '^' || n1 == '(' || n1 == '+' || n1 == '\'' || n1 == '`' || n1 == '~' ||
			    ((n1 == '.' || n1 == '?') && next_letter))
				viqr++;
		}
		if (s[i] == ' ')
			words++;
		prev = c;
		i += k;
	}
	if (utf8) {
		if (viet == 0 && vni >= 3 && vni_letters_seen && stray * 4 < vni && vni * 20 >= words)
			return CHU_ENC_VNI;
		if (multibyte == 0 && viqr >= 2 && viqr * 5 >= words)
			return CHU_ENC_VIQR;
		return CHU_ENC_UTF8;
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 0x80) {
			high++;
			tcvn += tcvn3_cp(s[i]) != 0xFFFD;
		}
	if (vni >= 2 && vni * 20 >= words)
		return CHU_ENC_VNI;
	if (high && tcvn * 10 >= high * 9)
		return CHU_ENC_TCVN3;
	return CHU_ENC_UTF8;
}
