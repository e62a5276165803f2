/*
 * viet.c — Vietnamese letters and syllables: taking a letter apart into base, tone and case,
 * putting it back, placing the tone mark of a syllable, folding for search keys.
 */
#include "internal.h"

#include <utf8proc.h>

#include "viet_table.h"

bool chu__vletter_split(int32_t cp, chu__vletter *out)
{
	if (cp < 0x80) {
		int32_t lo = cp | 0x20;
		if (lo < 'a' || lo > 'z')
			return false;
		out->base = lo;
		out->tone = 0;
		out->upper = cp != lo;
		out->vowel = lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y';
		out->mod = 0;
		return true;
	}
	if (cp < VIET_DIRECT_LO || cp >= VIET_DIRECT_HI)
		return false;
	unsigned v = viet_direct[cp - VIET_DIRECT_LO];
	if (!(v & 0x8000))
		return false;
	int32_t b = viet_bases[(v >> 8) & 0xF];
	out->base = b;
	out->tone = (uint8_t)((v >> 4) & 7);
	out->upper = v & 1;
	out->mod = b == 0x103 || b == 0xE2 || b == 0xEA || b == 0xF4 || b == 0x1A1 || b == 0x1B0;
	out->vowel = out->mod || b == 'a' || b == 'e' || b == 'i' || b == 'o' || b == 'u' || b == 'y';
	return true;
}

static int vowel_index(int32_t base)
{
	for (int v = 0; v < 12; v++)
		if (viet_vowels[v] == base)
			return v;
	return -1;
}

int32_t chu__vletter_join(int32_t base, int tone, int upper)
{
	int v = vowel_index(base);
	if (v >= 0 && tone >= 0 && tone < 6)
		return viet_compose[v][tone][upper ? 1 : 0];
	if (base == 0x111)
		return upper ? 0x110 : 0x111;
	return upper ? (int32_t)utf8proc_toupper(base) : base;
}

bool chu__final_yi(const int32_t *cps, size_t n, chu__vletter *last)
{
	/* the consonants after which a final y and i are one letter (not "gi", "ng", "ngh", "nh":
	 * their syllables never end so); đ is checked apart, as the one non-ASCII onset */
	static const char *const onsets[] = {"b", "d", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
	                                     "ch", "kh", "ph", "qu", "th", "tr", NULL};
	if (n < 2 || n > 3 || !chu__vletter_split(cps[n - 1], last) || (last->base != 'i' && last->base != 'y'))
		return false;
	if (n == 2 && cps[0] == 0x111)
		return true;
	for (const char *const *o = onsets; *o; o++)
		if (strlen(*o) == n - 1 && cps[0] == (*o)[0] && (n == 2 || cps[1] == (*o)[1]))
			return true;
	return false;
}

/* The initial consonants of Vietnamese, longest first where one is a prefix of another. "gi" and
 * "qu" are handled by the caller (they borrow a vowel letter). */
static const char *const initials[] = {"ngh", "ng", "gh", "ch", "kh", "nh", "ph", "th", "tr", "b", "c", "d",
                                       "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", NULL};
static const char *const finals[] = {"ng", "nh", "ch", "c", "m", "n", "p", "t", NULL};

/* Matches an ASCII consonant cluster at b[i..n) (bases are lowercase code points; đ counts as a
 * single-letter initial). Returns the length matched or 0. */
static size_t match_cluster(const int32_t *b, size_t i, size_t n, const char *const *set)
{
	for (const char *const *p = set; *p; p++) {
		if (b[i] != (unsigned char)(*p)[0])
			continue;
		size_t k = (*p)[1] ? (*p)[2] ? 3 : 2 : 1;
		if (i + k > n)
			continue;
		size_t j = 0;
		while (j < k && b[i + j] == (unsigned char)(*p)[j])
			j++;
		if (j == k)
			return k;
	}
	return 0;
}

bool chu__tone_place(int32_t *cps, size_t n, chu_tone_style style)
{
	if (n < 1 || n > 8)
		return false;
	chu__vletter L[8];
	int32_t b[8];
	int tone = 0, ntoned = 0;
	for (size_t i = 0; i < n; i++) {
		if (!chu__vletter_split(cps[i], &L[i]))
			return false;
		b[i] = L[i].base;
		if (L[i].tone) {
			tone = L[i].tone;
			ntoned++;
		}
	}
	if (ntoned != 1)
		return false; /* nothing to place, or not one Vietnamese syllable */
	/* initial consonant */
	size_t i = 0;
	if (b[0] == 0x111)
		i = 1;
	else if (n >= 2 && b[0] == 'q' && b[1] == 'u')
		i = 2;
	else if (n >= 3 && b[0] == 'g' && b[1] == 'i' && L[2].vowel)
		i = 2;
	else
		i = match_cluster(b, 0, n, initials);
	size_t v0 = i;
	while (i < n && L[i].vowel)
		i++;
	size_t v1 = i; /* vowels are [v0, v1) */
	if (v1 == v0) {
		/* "gì", "quỳ": the borrowed vowel is the nucleus */
		if (v0 == 2 && (b[0] == 'g' || b[0] == 'q')) {
			v0 = 1;
		} else {
			return false;
		}
	}
	size_t fin = n - v1;
	if (fin > 0 && match_cluster(b, v1, n, finals) != fin)
		return false;
	size_t nv = v1 - v0;
	if (nv > 3)
		return false;
	size_t at;
	size_t lastmod = SIZE_MAX;
	for (size_t k = v0; k < v1; k++)
		if (L[k].mod)
			lastmod = k;
	if (lastmod != SIZE_MAX)
		at = lastmod; /* ê ơ ô â ă ư carry the mark; in "ươ" the second */
	else if (nv == 3)
		at = v0 + 1;
	else if (nv == 2 && fin == 0) {
		int32_t x = b[v0], y = b[v0 + 1];
		bool glide = (x == 'o' && (y == 'a' || y == 'e')) || (x == 'u' && y == 'y');
		at = glide && style == CHU_TONE_NEW ? v0 + 1 : v0;
	} else if (nv == 2)
		at = v0 + 1;
	else
		at = v0;
	bool changed = false;
	for (size_t k = 0; k < n; k++) {
		int want = k == at ? tone : 0;
		if (L[k].tone != want) {
			int32_t cp = chu__vletter_join(L[k].base, want, L[k].upper);
			if (cp < 0)
				return false;
			cps[k] = cp;
			changed = true;
		}
	}
	return changed;
}

int32_t chu__fold_cp(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	chu__vletter L;
	if (chu__vletter_split(cp, &L)) {
		switch (L.base) {
		case 0x103: case 0xE2: return 'a';
		case 0xEA: return 'e';
		case 0xF4: case 0x1A1: return 'o';
		case 0x1B0: return 'u';
		case 0x111: return 'd';
		default: return L.base;
		}
	}
	return (int32_t)utf8proc_tolower(cp);
}
