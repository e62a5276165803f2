/*
 * search.c — index keys for full-text search. The SQLite FTS5 tokenizer (ext/sqlite/) is a thin
 * adapter around chu_search_keys().
 *
 * An index stores one key per unit (a run of letters, digits and combining marks): its normalized
 * lowercase form ("phụ", "hoà", "2020"). Accent-insensitive search is done at query time instead:
 * a query term typed without marks ("phu") is expanded into the spellings that fold to it and that
 * Vietnamese writes ("phu", "phú", "phù", "phủ", "phũ", "phụ", "phư", …), given to FTS5 as
 * synonyms at one position. One key per unit keeps the index as small and as fast to build as
 * SQLite's own unicode61 (two keys per syllable cost FTS5 about a third more time and space).
 *
 * Units are found by one scan over the bytes; the key of a unit seen recently comes from a per-ctx
 * memo (most syllables recur), so the common case costs a hash and a compare.
 */
#include "internal.h"

#include <utf8proc.h>

/* ---- the key of one unit ---- */

#define FNV_BASIS 0xCBF29CE484222325ULL
#define FNV_PRIME 0x100000001B3ULL

/* Appends code point cp (NFC) lowercased: a Vietnamese letter keeps its tone and modifier. */
static void put_lower(int *rc, chu__buf *key, int32_t cp)
{
	chu__vletter L;
	if (cp < 0x80)
		chu__buf_putc(rc, key, (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
	else if (chu__vletter_split(cp, &L))
		chu__buf_put_cp(rc, key, chu__vletter_join(L.base, L.tone, 0));
	else
		chu__buf_put_cp(rc, key, (int32_t)utf8proc_tolower(cp));
}

/* The key of a short unit of precomposed letters, digits and ASCII in one pass. Returns false
 * when the unit needs the general path (combining marks, invalid bytes, ignorables, eth). */
static bool key_fast(chu_ctx *ctx, const char *text, size_t a, size_t b, chu__buf *key, int *rc)
{
	int32_t cps[32];
	size_t n = 0;
	bool letters_only = true;
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = a; i < b;) {
		int32_t cp;
		int k = chu__utf8_decode(s + i, b - i, &cp);
		int cls = chu__char_class(cp);
		if (n == 32 || cp < 0 || (cls != CHU__C_LETTER && cls != CHU__C_DIGIT) || cp == 0xD0 || cp == 0xF0)
			return false;
		letters_only = letters_only && cls == CHU__C_LETTER;
		cps[n++] = cp;
		i += (size_t)k;
	}
	if (letters_only && n <= 8)
		chu__tone_place(cps, n, ctx->opts.tone);
	key->len = 0;
	for (size_t i = 0; i < n; i++)
		put_lower(rc, key, cps[i]);
	chu__buf_reserve(rc, key, 0);
	return true;
}

/* The key of [a, b) through the normalizer (marks composed, ignorables dropped, U+FFFD). */
static int key_slow(chu_ctx *ctx, const char *text, size_t a, size_t b, chu__buf *key)
{
	const char *n;
	size_t nl;
	int rc = chu_norm_span(ctx, text, a, b, &n, &nl);
	if (rc < 0)
		return rc;
	key->len = 0;
	for (size_t i = 0; i < nl && rc >= 0;) {
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)n + i, nl - i, &cp);
		put_lower(&rc, key, cp);
		i += (size_t)k;
	}
	chu__buf_reserve(&rc, key, 0);
	return rc;
}

/* The keys of recently seen short units: most syllables recur, so each is worked out once. */
#define KEY_MEMO_SLOTS 8192
#define KEY_MEMO_BYTES 30

typedef struct key_memo_slot {
	uint64_t raw;              /* hash of the unit's bytes | 1, 0: empty */
	uint8_t len, klen;         /* unit and key lengths */
	char unit[KEY_MEMO_BYTES]; /* the unit's bytes (compared: no false hits) */
	char key[KEY_MEMO_BYTES];
} key_memo_slot;

struct chu__key_memo {
	key_memo_slot slot[KEY_MEMO_SLOTS]; /* about 570 KiB a ctx, made on first use */
};

void chu__search_state_free(chu_ctx *ctx)
{
	chu__free(&ctx->alloc, ctx->keys);
	ctx->keys = NULL;
}

/* The key of unit [a, b) whose bytes hash to raw, into *key (memo or buf). */
static int unit_key(chu_ctx *ctx, const char *text, size_t a, size_t b, uint64_t raw, chu__buf *buf, const char **key,
                    size_t *klen)
{
	size_t len = b - a;
	struct chu__key_memo *memo = ctx->keys;
	key_memo_slot *m = NULL;
	if (len < KEY_MEMO_BYTES) {
		if (!memo && (memo = ctx->keys = chu__malloc(&ctx->alloc, sizeof *memo)) != NULL)
			memset(memo, 0, sizeof *memo);
		if (memo) {
			m = &memo->slot[(raw ^ (raw >> 29)) & (KEY_MEMO_SLOTS - 1)];
			if (m->raw == raw && m->len == len && memcmp(m->unit, text + a, len) == 0) {
				*key = m->key;
				*klen = m->klen;
				return CHU_OK;
			}
		}
	}
	int rc = CHU_OK;
	if (!key_fast(ctx, text, a, b, buf, &rc) && rc >= 0)
		rc = key_slow(ctx, text, a, b, buf);
	if (rc < 0)
		return rc;
	if (m && buf->len < KEY_MEMO_BYTES) {
		m->raw = raw;
		m->len = (uint8_t)len;
		m->klen = (uint8_t)buf->len;
		memcpy(m->unit, text + a, len);
		memcpy(m->key, buf->data, buf->len);
	}
	*key = buf->data;
	*klen = buf->len;
	return CHU_OK;
}

/* ---- units ---- */

/* Bytes of ASCII that belong to a unit: letters and digits. */
static const uint8_t ascii_unit[128] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
	['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
	['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/* Does a character of class cls belong to a unit? Letters, digits, combining marks, invalid bytes
 * (their key holds U+FFFD) and ignorables (dropped from the key, not a break: "phụ\u00ADnữ"). */
static inline bool unit_class(int cls)
{
	return cls == CHU__C_LETTER || cls == CHU__C_DIGIT || cls == CHU__C_MARK || cls == CHU__C_INVALID ||
	       cls == CHU__C_IGNORE;
}

static uint64_t unit_hash(const char *text, size_t a, size_t b)
{
	uint64_t h = FNV_BASIS;
	for (size_t i = a; i < b; i++)
		h = (h ^ (unsigned char)text[i]) * FNV_PRIME;
	return h | 1;
}

/* Finds the next unit at or after *pos: [*a, *b) with the hash of its bytes in *raw. Returns false
 * at the end of the text. A unit made only of ignorables is skipped. */
static bool next_unit(const char *text, size_t len, size_t *pos, size_t *a, size_t *b, uint64_t *raw)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = *pos;
	for (;;) {
		/* skip what is not part of a unit */
		while (i < len) {
			if (s[i] < 0x80) {
				if (ascii_unit[s[i]])
					break;
				i++;
				continue;
			}
			int32_t cp;
			int k = chu__utf8_decode(s + i, len - i, &cp);
			int cls = chu__char_class(cp);
			if (unit_class(cls) && cls != CHU__C_IGNORE)
				break;
			i += (size_t)k;
		}
		if (i >= len) {
			*pos = i;
			return false;
		}
		size_t start = i;
		uint64_t h = FNV_BASIS;
		bool content = false;
		while (i < len) {
			unsigned c = s[i];
			if (c < 0x80) {
				if (!ascii_unit[c])
					break;
				h = (h ^ c) * FNV_PRIME;
				i++;
				content = true;
				continue;
			}
			int32_t cp;
			int k = chu__utf8_decode(s + i, len - i, &cp);
			int cls = chu__char_class(cp);
			if (!unit_class(cls))
				break;
			content = content || cls != CHU__C_IGNORE;
			for (int j = 0; j < k; j++)
				h = (h ^ s[i + (size_t)j]) * FNV_PRIME;
			i += (size_t)k;
		}
		if (!content)
			continue;
		*a = start;
		*b = i;
		*raw = h | 1;
		*pos = i;
		return true;
	}
}

/* ---- query terms typed without marks ---- */

#define ADD_MAX 96 /* spellings of one term at most */

typedef struct spellings {
	int32_t cp[ADD_MAX][8];
	uint8_t n[ADD_MAX];
	int count;
} spellings;

/* The vowel groups Vietnamese writes (toneless, with their modifiers). */
static const char *const nuclei[] = {
	"a",   "ă",   "â",   "e",   "ê",   "i",   "o",   "ô",   "ơ",   "u",   "ư",   "y",   "ai",  "ao",  "au",  "ay",
	"âu",  "ây",  "eo",  "êu",  "ia",  "iê",  "iu",  "oa",  "oă",  "oe",  "oi",  "ôi",  "ơi",  "oo",  "ua",  "uâ",
	"uê",  "ui",  "uô",  "uơ",  "uy",  "ưa",  "ưi",  "ưu",  "ươ",  "ya",  "yê",  "iêu", "oai", "oao", "oay", "oeo",
	"uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu", NULL,
};

static bool is_nucleus(const int32_t *v, size_t n)
{
	for (const char *const *p = nuclei; *p; p++) {
		const unsigned char *s = (const unsigned char *)*p;
		size_t k = 0, i = 0;
		while (s[i] && k < n) {
			int32_t cp;
			i += (size_t)chu__utf8_decode(s + i, strlen((const char *)s + i), &cp);
			if (cp != v[k])
				break;
			k++;
		}
		if (k == n && !s[i])
			return true;
	}
	return false;
}

static void spell_add(spellings *sp, const int32_t *cp, size_t n)
{
	for (int i = 0; i < sp->count; i++)
		if (sp->n[i] == n && memcmp(sp->cp[i], cp, n * sizeof *cp) == 0)
			return;
	if (sp->count < ADD_MAX) {
		memcpy(sp->cp[sp->count], cp, n * sizeof *cp);
		sp->n[sp->count++] = (uint8_t)n;
	}
}

/* The letters an unmarked letter may stand for. */
static int letter_options(char c, bool onset, int32_t out[3])
{
	out[0] = (unsigned char)c;
	switch (c) {
	case 'a': out[1] = 0x103; out[2] = 0xE2; return 3;
	case 'e': out[1] = 0xEA; return 2;
	case 'o': out[1] = 0xF4; out[2] = 0x1A1; return 3;
	case 'u': out[1] = 0x1B0; return 2;
	case 'd': if (onset) { out[1] = 0x111; return 2; } return 1;
	default: return 1;
	}
}

/* The spellings that fold to the term t[0, n) (lowercase ASCII letters only): for a whole syllable,
 * every Vietnamese-written vowel group and tone, marks placed in the ctx's style; for a prefix
 * ("nguye*"), every modifier and a tone on any one vowel. A term that is not a Vietnamese syllable
 * ("covid") or too long has no other spelling. */
static void spellings_of(chu_ctx *ctx, const char *t, size_t n, bool prefix, spellings *sp)
{
	sp->count = 0;
	if (n == 0 || n > 7)
		return;
	/* onset, vowels, coda */
	static const char *const onsets[] = {"ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d",
	                                     "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "", NULL};
	static const char *const codas[] = {"ch", "ng", "nh", "c", "m", "n", "p", "t", "", NULL};
	size_t v0 = 0;
	for (const char *const *o = onsets; *o; o++) {
		size_t k = strlen(*o);
		if (k <= n && strncmp(t, *o, k) == 0) {
			v0 = k;
			break;
		}
	}
	if (v0 == 2 && t[0] == 'g' && t[1] == 'i' && (n == 2 || !strchr("aeiouy", t[2])))
		v0 = 1; /* "gi", "gin": i is the vowel */
	size_t v1 = v0;
	while (v1 < n && strchr("aeiouy", t[v1]))
		v1++;
	bool stop = false;
	if (!prefix) {
		if (v1 == v0 || v1 - v0 > 3)
			return;
		const char *const *c = codas;
		while (*c && strcmp(t + v1, *c) != 0)
			c++;
		if (!*c)
			return;
		stop = n > v1 && (t[v1] == 'c' || t[v1] == 'p' || t[v1] == 't'); /* c, ch, p, t: only sắc and nặng */
	}
	/* every combination of letter options */
	int32_t opt[8][3];
	int nopt[8];
	long combos = 1;
	for (size_t i = 0; i < n; i++) {
		/* the onset's letters stand for themselves (the u of "qu", the i of "gi"), but d may be đ */
		nopt[i] = i >= v0 || (i == 0 && t[0] == 'd') ? letter_options(t[i], i == 0, opt[i]) : (opt[i][0] = t[i], 1);
		combos *= nopt[i];
	}
	if (combos > 64)
		return;
	static const int stop_tones[] = {0, CHU__TONE_ACUTE, CHU__TONE_DOT};
	int32_t cp[8];
	for (long c = 0; c < combos; c++) {
		long r = c;
		for (size_t i = 0; i < n; i++) {
			cp[i] = opt[i][r % nopt[i]];
			r /= nopt[i];
		}
		if (!prefix && !is_nucleus(cp + v0, v1 - v0))
			continue;
		if (!prefix) {
			int ntones = stop ? 3 : 6;
			for (int k = 0; k < ntones; k++) {
				int tone = stop ? stop_tones[k] : k;
				int32_t w[8];
				memcpy(w, cp, n * sizeof *cp);
				if (tone) {
					w[v0] = chu__vletter_join(cp[v0], tone, 0);
					chu__tone_place(w, n, ctx->opts.tone);
				}
				spell_add(sp, w, n);
			}
		} else {
			spell_add(sp, cp, n);
			for (size_t v = v0; v < n; v++) {
				if (!strchr("aeiouy", t[v]))
					continue;
				for (int tone = 1; tone <= 5; tone++) {
					int32_t w[8];
					memcpy(w, cp, n * sizeof *cp);
					w[v] = chu__vletter_join(cp[v], tone, 0);
					spell_add(sp, w, n);
				}
			}
		}
	}
}

/* ---- the walk ---- */

struct key_state {
	chu_ctx *ctx;
	chu_search_fn fn;
	void *ud;
	int flags;
	chu__buf key;
};

static bool plain_ascii(const char *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (k[i] < 'a' || k[i] > 'z')
			return false;
	return n > 0;
}

/* The other spelling of a syllable whose final "i" or "y" follows a consonant onset: "kĩ" and
 * "kỹ", "lí" and "lý", "ti" and "ty", "quí" and "quý" are one word written two ways, often in one
 * archive. Writes it to out (at least 16 bytes) and returns its length, or 0 when key has none. */
static size_t yi_twin(const char *key, size_t klen, char *out)
{
	int32_t cps[4];
	size_t n = 0;
	for (size_t i = 0; i < klen;) {
		int32_t cp;
		int k = chu__utf8_decode((const unsigned char *)key + i, klen - i, &cp);
		if (n == 4 || cp < 0)
			return 0;
		cps[n++] = cp;
		i += (size_t)k;
	}
	chu__vletter L;
	if (!chu__final_yi(cps, n, &L))
		return 0;
	cps[n - 1] = chu__vletter_join(L.base == 'i' ? 'y' : 'i', L.tone, 0);
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)chu__utf8_encode(cps[i], out + o);
	return o;
}

/* Hands a query key to the callback, then (a whole term, not a prefix) its y/i twin colocated.
 * Returns true when the callback asked to stop. */
static bool give_query_key(struct key_state *ks, const char *k, size_t n, size_t a, size_t b, int colocated)
{
	char twin[16];
	size_t tl;
	return ks->fn(ks->ud, k, n, a, b, colocated) ||
	       (!(ks->flags & CHU_SEARCH_PREFIX) && (tl = yi_twin(k, n, twin)) && ks->fn(ks->ud, twin, tl, a, b, 1));
}

/* A query term's key and its y/i twin, then (typed without marks, and not marked as written with
 * '=' before it) its other spellings and theirs, all at the same position. */
static int emit_query(struct key_state *ks, const char *key, size_t klen, size_t a, size_t b, bool as_written)
{
	if (give_query_key(ks, key, klen, a, b, 0))
		return CHU_ECALLBACK;
	if (as_written || !plain_ascii(key, klen))
		return CHU_OK;
	if (klen > 7)
		return CHU_OK;
	spellings sp;
	char t[8];
	memcpy(t, key, klen);
	t[klen] = 0;
	spellings_of(ks->ctx, t, klen, (ks->flags & CHU_SEARCH_PREFIX) != 0, &sp);
	for (int i = 0; i < sp.count; i++) {
		char out[40];
		size_t o = 0;
		for (int j = 0; j < sp.n[i]; j++)
			o += (size_t)chu__utf8_encode(sp.cp[i][j], out + o);
		if (o == klen && memcmp(out, key, o) == 0)
			continue;
		if (give_query_key(ks, out, o, a, b, 1))
			return CHU_ECALLBACK;
	}
	return CHU_OK;
}

/* Word keys: the units of a stretch without punctuation, segmented with the model; each word of
 * two or more syllables gives its keys joined by '_', colocated with its first syllable. */
static int emit_words(struct key_state *ks, const chu_model *model, const char *text, const chu_span *u, size_t nu,
                      chu__buf *join_buf)
{
	chu_ctx *ctx = ks->ctx;
	int rc = CHU_OK;
	join_buf->len = 0;
	chu__buf_reserve(&rc, join_buf, nu);
	if (rc < 0)
		return rc;
	unsigned char *join = (unsigned char *)join_buf->data;
	rc = chu_segment_tokens(ctx, model, text, u, nu, join);
	if (rc < 0)
		return rc; /* out of memory: never keys silently without their words */
	chu__buf word;
	chu__buf_init(&word, &ctx->alloc);
	for (size_t a = 0; a < nu && rc >= 0; a++) {
		const char *k;
		size_t kl;
		rc = unit_key(ctx, text, u[a].start, u[a].end, unit_hash(text, u[a].start, u[a].end), &ks->key, &k, &kl);
		if (rc < 0)
			break;
		if (kl && ks->fn(ks->ud, k, kl, u[a].start, u[a].end, 0)) {
			rc = CHU_ECALLBACK;
			break;
		}
		if (!join[a] || a + 1 == nu)
			continue;
		size_t b = a;
		while (b + 1 < nu && join[b])
			b++;
		word.len = 0;
		for (size_t m = a; m <= b && rc >= 0; m++) {
			rc = unit_key(ctx, text, u[m].start, u[m].end, unit_hash(text, u[m].start, u[m].end), &ks->key, &k, &kl);
			if (m > a)
				chu__buf_putc(&rc, &word, '_');
			chu__buf_put(&rc, &word, k, kl);
		}
		if (rc >= 0 && ks->fn(ks->ud, word.data, word.len, u[a].start, u[a].end, 1))
			rc = CHU_ECALLBACK;
	}
	chu__buf_free(&word);
	return rc;
}

/* Is there anything but white space between two units? */
static bool gap_breaks(const char *text, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (text[i] != ' ' && text[i] != '\t')
			return true;
	return false;
}

int chu_search_keys(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, int flags, chu_search_fn fn,
                    void *ud)
{
	if (!ctx || !fn || (!text && len))
		return CHU_EINVAL;
	if (!text)
		text = "";
	struct key_state ks = {ctx, fn, ud, flags, {0}};
	chu__buf_init(&ks.key, &ctx->alloc);
	int rc = CHU_OK;
	size_t pos = 0, a, b;
	uint64_t raw;
	if (flags & CHU_SEARCH_QUERY) {
		while (rc >= 0 && next_unit(text, len, &pos, &a, &b, &raw)) {
			const char *k;
			size_t kl;
			rc = unit_key(ctx, text, a, b, raw, &ks.key, &k, &kl);
			if (rc >= 0 && kl)
				rc = emit_query(&ks, k, kl, a, b, (flags & CHU_SEARCH_AS_WRITTEN) || (a > 0 && text[a - 1] == '='));
		}
	} else if (!model || !chu__model_seg(model)) {
		while (next_unit(text, len, &pos, &a, &b, &raw)) {
			const char *k;
			size_t kl;
			if ((rc = unit_key(ctx, text, a, b, raw, &ks.key, &k, &kl)) < 0)
				break;
			if (kl && fn(ud, k, kl, a, b, 0)) {
				rc = CHU_ECALLBACK;
				break;
			}
		}
	} else {
		chu__buf units, join;
		chu__buf_init(&units, &ctx->alloc);
		chu__buf_init(&join, &ctx->alloc);
		size_t last = 0;
		while (rc >= 0) {
			bool more = next_unit(text, len, &pos, &a, &b, &raw);
			size_t nu = units.len / sizeof(chu_span);
			if (nu && (!more || gap_breaks(text, last, a) || nu >= 256)) {
				rc = emit_words(&ks, model, text, (const chu_span *)(void *)units.data, nu, &join);
				units.len = 0;
			}
			if (!more || rc < 0)
				break;
			chu_span s = {a, b};
			chu__buf_put(&rc, &units, &s, sizeof s);
			last = b;
		}
		chu__buf_free(&units);
		chu__buf_free(&join);
	}
	chu__buf_free(&ks.key);
	return rc;
}

/* ---- natural queries ---- */

/* Words that ask rather than say what about: left out of a natural query. final: only as the
 * query's last word ("… có đúng không?"), where it asks yes or no; "ai" not before "cập". */
static const struct ask {
	const char *words;
	bool final;
} asks[] = {
	{"như thế nào", false}, {"bao nhiêu", false}, {"bao giờ", false}, {"bao lâu", false}, {"tại sao", false},
	{"vì sao", false},      {"thế nào", false},   {"ra sao", false},  {"là gì", false},   {"cái gì", false},
	{"những gì", false},    {"ở đâu", false},     {"gì", false},      {"nào", false},     {"ai", false},
	{"đâu", false},         {"mấy", false},       {"không", true},    {"chưa", true},     {"hả", true},
	{NULL, false},
};

typedef struct qunit {
	size_t key, klen;   /* the unit's key in the keys buffer */
	size_t rkey, rklen; /* its restored spelling's key (rklen 0: none) */
	bool drop;
} qunit;

/* Does the ask phrase w (syllables separated by one space) match the keys of units i, i+1, …?
 * folded: compare folded forms (the query has no marks and nothing restored them). Returns the
 * number of units matched, 0 for none. */
static size_t ask_match(const char *w, const qunit *u, size_t n, size_t i, const char *keys, bool restored, bool folded)
{
	size_t k = 0;
	for (const char *p = w; *p; k++) {
		const char *e = strchr(p, ' ');
		size_t wl = e ? (size_t)(e - p) : strlen(p);
		if (i + k >= n)
			return 0;
		const char *key = keys + (restored && u[i + k].rklen ? u[i + k].rkey : u[i + k].key);
		size_t kl = restored && u[i + k].rklen ? u[i + k].rklen : u[i + k].klen;
		if (folded) {
			/* w folded, compared with an unmarked key byte for byte */
			size_t a = 0, b = 0;
			while (a < wl && b < kl) {
				int32_t cp;
				int s = chu__utf8_decode((const unsigned char *)p + a, wl - a, &cp);
				if (chu__fold_cp(cp) != (unsigned char)key[b])
					return 0;
				a += (size_t)s;
				b++;
			}
			if (a != wl || b != kl)
				return 0;
		} else if (kl != wl || memcmp(key, p, wl) != 0) {
			return 0;
		}
		p += wl;
		if (*p == ' ')
			p++;
	}
	return k;
}

int chu_search_query(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, const char **out,
                     size_t *out_len)
{
	if (!ctx || (!text && len) || !out)
		return CHU_EINVAL;
	if (!text)
		text = "";
	int rc = CHU_OK;
	chu__buf units, keys, restored, key;
	chu__buf_init(&units, &ctx->alloc);
	chu__buf_init(&keys, &ctx->alloc);
	chu__buf_init(&restored, &ctx->alloc);
	chu__buf_init(&key, &ctx->alloc);
	size_t pos = 0, a, b;
	uint64_t raw;
	bool marked = false;
	while (rc >= 0 && next_unit(text, len, &pos, &a, &b, &raw)) {
		const char *k;
		size_t kl;
		if ((rc = unit_key(ctx, text, a, b, raw, &key, &k, &kl)) < 0 || !kl)
			continue;
		for (size_t i = a; i < b; i++)
			marked = marked || (unsigned char)text[i] >= 0x80;
		qunit q = {keys.len, kl, 0, 0, false};
		chu__buf_put(&rc, &keys, k, kl);
		chu__buf_put(&rc, &units, &q, sizeof q);
	}
	qunit *u = (qunit *)(void *)units.data;
	size_t n = units.len / sizeof(qunit);
	/* no marks at all: the restorer's spellings beside the units (the same units, in order) */
	bool have_restored = false;
	if (rc >= 0 && !marked && n && model && chu__model_accent(model)) {
		const char *r;
		size_t rl;
		int arc = chu_accent(ctx, model, text, len, &r, &rl);
		if (arc == CHU_ENOMEM)
			rc = arc; /* out of memory: not a query silently without its likely spellings */
		if (arc == CHU_OK) {
			chu__buf_put(&rc, &restored, r, rl);
			size_t m = 0;
			pos = 0;
			while (rc >= 0 && m < n && next_unit(restored.data, restored.len, &pos, &a, &b, &raw)) {
				const char *k;
				size_t kl;
				if ((rc = unit_key(ctx, restored.data, a, b, raw, &key, &k, &kl)) < 0 || !kl)
					continue;
				u = (qunit *)(void *)units.data;
				if (kl != u[m].klen || memcmp(k, keys.data + u[m].key, kl) != 0) {
					u[m].rkey = keys.len;
					u[m].rklen = kl;
					chu__buf_put(&rc, &keys, k, kl);
				}
				m++;
			}
			have_restored = rc >= 0;
		}
	}
	u = (qunit *)(void *)units.data;
	/* question words */
	size_t kept = n;
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		for (const struct ask *w = asks; w->words; w++) {
			bool multi = strchr(w->words, ' ') != NULL;
			bool folded = !marked && !have_restored;
			if (folded && !multi)
				continue; /* "gi", "nao", "dau" unmarked are other words too */
			size_t m = ask_match(w->words, u, n, i, keys.data, have_restored, folded);
			if (!m || (w->final && i + m != n))
				continue;
			if (strcmp(w->words, "ai") == 0 && i + 1 < n && ask_match("cập", u, n, i + 1, keys.data, have_restored, false))
				continue;
			for (size_t j = i; j < i + m; j++)
				if (!u[j].drop) {
					u[j].drop = true;
					kept--;
				}
			break;
		}
	}
	chu__buf *o = &ctx->query_out;
	o->len = 0;
	chu__buf_reserve(&rc, o, 1);
	if (rc >= 0)
		o->data[0] = '\0';
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		if (u[i].drop && kept)
			continue;
		if (o->len)
			chu__buf_put(&rc, o, " OR ", 4);
		chu__buf_putc(&rc, o, '"');
		if (marked)
			chu__buf_putc(&rc, o, '='); /* typed with marks: every unit as written ("nam" not "năm") */
		chu__buf_put(&rc, o, keys.data + u[i].key, u[i].klen);
		chu__buf_putc(&rc, o, '"');
		if (u[i].rklen) {
			chu__buf_put(&rc, o, " OR \"", 5);
			chu__buf_put(&rc, o, keys.data + u[i].rkey, u[i].rklen);
			chu__buf_putc(&rc, o, '"');
		}
	}
	chu__buf_free(&units);
	chu__buf_free(&keys);
	chu__buf_free(&restored);
	chu__buf_free(&key);
	if (rc < 0)
		return rc;
	*out = o->data;
	if (out_len)
		*out_len = o->len;
	return CHU_OK;
}

/* ---- what the query language needs ---- */

bool chu__query_marked(const char *text, size_t len)
{
	size_t pos = 0, a, b;
	uint64_t raw;
	while (next_unit(text, len, &pos, &a, &b, &raw))
		for (size_t i = a; i < b; i++)
			if ((unsigned char)text[i] >= 0x80)
				return true;
	return false;
}

int chu_query_marked(const char *text, size_t len) { return text && chu__query_marked(text, len); }

void chu__query_as_written(int *rc, chu__buf *out, const char *text, size_t len)
{
	size_t pos = 0, a, b, done = 0;
	uint64_t raw;
	while (next_unit(text, len, &pos, &a, &b, &raw)) {
		chu__buf_put(rc, out, text + done, a - done);
		if (a == 0 || text[a - 1] != '=')
			chu__buf_putc(rc, out, '=');
		chu__buf_put(rc, out, text + a, b - a);
		done = b;
	}
	chu__buf_put(rc, out, text + done, len - done);
}
