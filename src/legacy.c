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

static int vni_convert(const unsigned char *s, size_t n, chu__buf *out)
{
	int rc = CHU_OK;
	for (size_t i = 0; i < n && rc >= 0;) {
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
			chu__buf_put_cp(&rc, out, c < 0x80 ? c : (k == 1 ? 0xFFFD : c));
			i += k;
			continue;
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
		chu__buf_put_cp(&rc, out, chu__vletter_join(base, tone, upper));
	}
	return rc;
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

/* VIQR: a vowel may be followed by a modifier (^ for â ê ô, ( for ă, + or * for ơ ư) and then a
 * tone (' ` ? ~ .); "dd" is đ. A backslash keeps the next character literal. A '.' or '?' that
 * ends a word (nothing but a non-letter after it) is read as punctuation, not a tone: in running
 * text that is by far the common case, and RFC 1456 leaves the choice to the reader. */
static int viqr_convert(const unsigned char *s, size_t n, chu__buf *out)
{
	int rc = CHU_OK;
	for (size_t i = 0; i < n && rc >= 0;) {
		unsigned char c = s[i];
		if (c == '\\' && i + 1 < n && s[i + 1] < 0x80) {
			chu__buf_putc(&rc, out, (char)s[i + 1]);
			i += 2;
			continue;
		}
		if ((c == 'd' || c == 'D') && i + 1 < n && (s[i + 1] | 0x20) == 'd' &&
		    (i == 0 || !ascii_letter(s[i - 1]))) {
			chu__buf_put_cp(&rc, out, c == 'D' ? 0x110 : 0x111);
			i += 2;
			continue;
		}
		unsigned char lo = c | 0x20;
		bool vowel = ascii_letter(c) && (lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y');
		if (!vowel) {
			chu__buf_putc(&rc, out, (char)c);
			i++;
			continue;
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
			if (!((s[j] == '.' || s[j] == '?') && word_end)) {
				tone = viqr_tone(s[j]);
				j++;
			}
		}
		chu__buf_put_cp(&rc, out, chu__vletter_join(base, tone, upper));
		i = j;
	}
	return rc;
}

int chu__legacy_to_utf8(chu_encoding enc, const char *text, size_t len, chu__buf *out)
{
	const unsigned char *s = (const unsigned char *)text;
	int rc = CHU_OK;
	chu__buf_reserve(&rc, out, len + len / 2);
	if (rc < 0)
		return rc;
	switch (enc) {
	case CHU_ENC_TCVN3:
		for (size_t i = 0; i < len && rc >= 0; i++)
			chu__buf_put_cp(&rc, out, tcvn3_cp(s[i]));
		return rc;
	case CHU_ENC_VNI:
		return vni_convert(s, len, out);
	case CHU_ENC_VIQR:
		return viqr_convert(s, len, out);
	case CHU_ENC_UTF8:
		chu__buf_put(&rc, out, text, len);
		return rc;
	default:
		return CHU_EINVAL;
	}
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

chu_encoding chu__legacy_detect(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t multibyte;
	bool utf8 = valid_utf8(s, len, &multibyte);
	/* VNI: a vowel followed by a mark code, as raw bytes or as UTF-8 Latin-1 letters */
	size_t vni = 0, viet = 0, tcvn = 0, high = 0, viqr = 0, words = 0;
	for (size_t i = 0; i < len;) {
		int32_t c;
		size_t k = (size_t)vni_next(s, len, i, &c);
		unsigned char lo = (unsigned char)(s[i] | 0x20);
		bool vowel = s[i] < 0x80 && (lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y');
		if (vowel && i + 1 < len) {
			int32_t m;
			vni_next(s, len, i + 1, &m);
			if (m >= 0xC0 && vni_mark_of(m))
				vni++;
			unsigned char n1 = s[i + 1];
			bool next_letter = i + 2 < len && ascii_letter(s[i + 2]);
			if (n1 == '^' || n1 == '(' || n1 == '+' || ((n1 == '\'' || n1 == '`' || n1 == '~') ) ||
			    ((n1 == '.' || n1 == '?') && next_letter))
				viqr++;
		}
		if (s[i] == ' ')
			words++;
		i += k;
	}
	if (utf8) {
		for (size_t i = 0; i < len;) {
			int32_t cp;
			int k = chu__utf8_decode(s + i, len - i, &cp);
			chu__vletter L;
			if (cp >= 0x100 && chu__vletter_split(cp, &L))
				viet++;
			i += (size_t)k;
		}
	} else {
		for (size_t i = 0; i < len; i++)
			if (s[i] >= 0x80) {
				high++;
				tcvn += tcvn3_cp(s[i]) != 0xFFFD;
			}
	}
	if (viet > vni)
		return CHU_ENC_UTF8; /* real Vietnamese letters in valid UTF-8 */
	if (vni >= 2 && vni * 20 >= words)
		return CHU_ENC_VNI;
	if (!utf8 && high && tcvn * 10 >= high * 9)
		return CHU_ENC_TCVN3;
	if (multibyte == 0 && viqr >= 2 && viqr * 5 >= words)
		return CHU_ENC_VIQR;
	return CHU_ENC_UTF8;
}
