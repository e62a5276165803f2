/*
 * norm.c — normalization: UTF-8 validation, NFC (utf8proc), removal of zero-width and control
 * characters, white-space folding and one tone-mark placement.
 */
#include "internal.h"

#include <utf8proc.h>

/* Longest run of combining marks composed at once. Longer runs are cut into pieces of this
 * many marks, as in Unicode's stream-safe text format (UAX #15), so that a pathological run
 * (100,000 marks) costs linear time. */
#define MAX_MARKS 30

/* Emits one run of letters and marks: NFC, then tone placement. The run is valid UTF-8; it may
 * hold zero-width and control characters (ignorables), which are left out, so that a letter and
 * its marks on either side of one still compose. */
static void emit_run(int *rc, const char *run, size_t n, bool simple, bool ignorables, bool placeable,
                     chu_tone_style style, chu__buf *out, chu__buf *scratch)
{
	if (*rc < 0)
		return;
	if (simple && !placeable) {
		chu__buf_put(rc, out, run, n); /* NFC already, and no tone mark that could move */
		return;
	}
	scratch->len = 0;
	size_t ncp = 0;
	int32_t *cps;
	if (simple) {
		/* already NFC: ASCII letters and precomposed Vietnamese letters only */
		chu__buf_reserve(rc, scratch, n * sizeof(int32_t));
		if (*rc < 0)
			return;
		cps = (int32_t *)(void *)scratch->data;
		for (size_t i = 0; i < n;) {
			int32_t cp;
			i += (size_t)chu__utf8_decode((const unsigned char *)run + i, n - i, &cp);
			cps[ncp++] = cp;
		}
	} else {
		size_t cap = n * 4 + 16; /* code points; a decomposition may grow a code point to 4 */
		chu__buf_reserve(rc, scratch, cap * sizeof(int32_t) + (ignorables ? n : 0));
		if (*rc < 0)
			return;
		cps = (int32_t *)(void *)scratch->data;
		if (ignorables) { /* the run without its zero-width and control characters, after the code points */
			char *kept = scratch->data + cap * sizeof(int32_t);
			size_t m = 0;
			for (size_t i = 0; i < n;) {
				int32_t cp;
				int k = chu__utf8_decode((const unsigned char *)run + i, n - i, &cp);
				if (chu__char_class(cp) != CHU__C_IGNORE) {
					memcpy(kept + m, run + i, (size_t)k);
					m += (size_t)k;
				}
				i += (size_t)k;
			}
			run = kept;
			n = m;
		}
		utf8proc_ssize_t got = utf8proc_decompose_custom((const utf8proc_uint8_t *)run, (utf8proc_ssize_t)n, cps,
		                                                 (utf8proc_ssize_t)cap, UTF8PROC_DECOMPOSE | UTF8PROC_STABLE,
		                                                 NULL, NULL);
		if (got < 0 || (size_t)got > cap) {
			chu__buf_put(rc, out, run, n); /* cannot happen for valid UTF-8; keep the bytes */
			return;
		}
		got = utf8proc_normalize_utf32(cps, got, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
		if (got < 0) {
			chu__buf_put(rc, out, run, n);
			return;
		}
		ncp = (size_t)got;
	}
	for (size_t i = 0; i < ncp; i++)
		if (cps[i] == 0xD0 || cps[i] == 0xF0)
			cps[i] = cps[i] == 0xD0 ? 0x110 : 0x111; /* an eth typed for Đ/đ */
	if (chu__tone_place(cps, ncp, style) || !simple) {
		char tmp[4];
		for (size_t i = 0; i < ncp; i++) {
			int k = chu__utf8_encode(cps[i], tmp);
			chu__buf_put(rc, out, tmp, (size_t)k);
		}
	} else {
		chu__buf_put(rc, out, run, n);
	}
}

int chu__norm_utf8(const char *text, size_t len, chu_tone_style style, int strict, int span, size_t *bad,
                   chu__buf *out, chu__buf *scratch)
{
	int rc = CHU_OK;
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	size_t run_start = 0, run_marks = 0;
	bool in_run = false, run_simple = true, run_ignorables = false;
	int run_toned = 0, run_vowels = 0; /* toned letters and vowels in a simple run */
	bool pending_space = false;  /* a space is owed before the next visible character */
	int newlines = 0;            /* line breaks owed (span == 0) */
	bool prev_cr = false;
	size_t out_start = out->len;

#define FLUSH_RUN(end)                                                                             \
	do {                                                                                           \
		if (in_run) {                                                                              \
			emit_run(&rc, text + run_start, (end)-run_start, run_simple, run_ignorables,          \
			         run_toned > 0 && run_vowels > 1, style, out, scratch);                        \
			in_run = false;                                                                        \
		}                                                                                          \
	} while (0)
#define BEFORE_VISIBLE()                                                                           \
	do {                                                                                           \
		if (newlines) {                                                                            \
			if (out->len > out_start)                                                              \
				chu__buf_put(&rc, out, "\n\n", newlines > 1 ? 2 : 1);                              \
			newlines = 0;                                                                          \
			pending_space = false;                                                                 \
		} else if (pending_space && out->len > out_start) {                                        \
			chu__buf_putc(&rc, out, ' ');                                                          \
		}                                                                                          \
		pending_space = false;                                                                     \
	} while (0)

	while (i < len && rc >= 0) {
		int32_t cp;
		int k;
		if (s[i] < 0x80) {
			cp = s[i];
			k = 1;
		} else {
			k = chu__utf8_decode(s + i, len - i, &cp);
		}
		int cls = chu__char_class(cp);
		if (cls == CHU__C_LETTER || (cls == CHU__C_MARK && in_run)) {
			if (!in_run) {
				BEFORE_VISIBLE();
				in_run = true;
				run_start = i;
				run_simple = true;
				run_ignorables = false;
				run_marks = 0;
				run_toned = run_vowels = 0;
			}
			if (cls == CHU__C_MARK) {
				run_simple = false;
				if (cp == 0x34F) { /* a combining grapheme joiner: marks after it start a new count */
					run_marks = 0;
				} else if (++run_marks > MAX_MARKS) {
					/* cut, with a combining grapheme joiner between the pieces (UAX #15), so the
					 * output is NFC and normalizing it again changes nothing */
					FLUSH_RUN(i);
					chu__buf_put(&rc, out, "\xCD\x8F", 2);
					in_run = true;
					run_start = i;
					run_simple = false;
					run_ignorables = false;
					run_marks = 1;
				}
			} else {
				run_marks = 0;
				if (cp < 0x80) {
					int lo = cp | 0x20;
					run_vowels += lo == 'a' || lo == 'e' || lo == 'i' || lo == 'o' || lo == 'u' || lo == 'y';
				} else if (run_simple) {
					chu__vletter L;
					if (cp == 0xD0 || cp == 0xF0 || !chu__vletter_split(cp, &L)) {
						run_simple = false;
					} else {
						run_vowels += L.vowel;
						run_toned += L.tone != 0;
					}
				}
			}
			i += (size_t)k;
			prev_cr = false;
			continue;
		}
		if (cls == CHU__C_IGNORE && in_run) { /* left out of the run, which goes on */
			run_simple = false;
			run_ignorables = true;
			i += (size_t)k;
			continue;
		}
		FLUSH_RUN(i);
		switch (cls) {
		case CHU__C_INVALID:
			if (strict) {
				*bad = i;
				rc = CHU_EUTF8;
				break;
			}
			BEFORE_VISIBLE();
			chu__buf_put(&rc, out, "\xEF\xBF\xBD", 3);
			break;
		case CHU__C_IGNORE:
			break;
		case CHU__C_SPACE:
			pending_space = true;
			break;
		case CHU__C_NEWLINE:
			if (span) {
				pending_space = true;
			} else if (!(cp == '\n' && prev_cr)) {
				if (out->len > out_start)
					newlines++;
				pending_space = false;
			}
			break;
		case CHU__C_MARK:
			/* a combining mark after a non-letter: a run of its own */
			BEFORE_VISIBLE();
			in_run = true;
			run_start = i;
			run_simple = false;
			run_ignorables = false;
			run_marks = cp == 0x34F ? 0 : 1;
			break;
		default:
			BEFORE_VISIBLE();
			chu__buf_put(&rc, out, text + i, (size_t)k);
			break;
		}
		prev_cr = cp == '\r';
		i += (size_t)k;
	}
	FLUSH_RUN(len);
	if (rc >= 0 && !span && newlines && out->len > out_start)
		chu__buf_putc(&rc, out, '\n'); /* a text that ended with a line break keeps one */
#undef FLUSH_RUN
#undef BEFORE_VISIBLE
	chu__buf_reserve(&rc, out, 0);
	if (rc >= 0)
		out->data[out->len] = '\0'; /* also when nothing was appended */
	return rc;
}
