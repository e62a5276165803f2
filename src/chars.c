/*
 * chars.c — the character classes chu's scanners work with, from utf8proc's Unicode categories.
 * The code points below U+2100 (Latin, Vietnamese, combining marks, general punctuation) are
 * looked up in a table that tools/gen_viet.c generates from the slow path below, so the hot
 * loops do one load per character.
 */
#include "internal.h"

#include <utf8proc.h>

int chu__char_class_slow(int32_t cp)
{
	if (cp < 0)
		return CHU__C_INVALID;
	if (cp < 0x80) {
		if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
			return CHU__C_LETTER;
		if (cp >= '0' && cp <= '9')
			return CHU__C_DIGIT;
		if (cp == ' ' || cp == '\t')
			return CHU__C_SPACE;
		if (cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C)
			return CHU__C_NEWLINE;
		if (cp < 0x20 || cp == 0x7F)
			return CHU__C_IGNORE;
		return CHU__C_PUNCT;
	}
	if (cp == 0x2028 || cp == 0x2029 || cp == 0x85)
		return CHU__C_NEWLINE;
	/* zero-width space/joiners, word joiner, BOM, soft hyphen, bidi marks */
	if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF)
		return CHU__C_IGNORE;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
		return CHU__C_LETTER;
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		return CHU__C_MARK;
	case UTF8PROC_CATEGORY_ZS:
		return CHU__C_SPACE;
	case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
		return CHU__C_NEWLINE;
	case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
	case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CN:
		return cp == 0xFFFD ? CHU__C_OTHER : CHU__C_IGNORE;
	case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
		return CHU__C_PUNCT;
	default:
		return CHU__C_OTHER; /* symbols, and non-ASCII digits: not numbers to chu's rules */
	}
}

#ifndef CHU_CHARS_SLOW_ONLY
#include "char_table.h"

const uint8_t *const chu__char_table = char_table;

int chu__char_info_slow(int32_t cp)
{
	return chu__char_class_slow(cp) | (cp >= 0 && utf8proc_isupper(cp) ? CHU__UPPER : 0);
}
#endif
