/*
 * internal.h — what the files of libchu share and the outside does not see.
 * Names here are chu__… and hidden from the shared library's exports.
 */
#ifndef CHU_INTERNAL_H
#define CHU_INTERNAL_H

#include "chu.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CHU_HIDDEN __attribute__((visibility("hidden")))
#define CHU_UNUSED(x) ((void)(x))

/* ---- allocation ---- */

CHU_HIDDEN extern const chu_allocator chu__default_allocator;

static inline void *chu__malloc(const chu_allocator *a, size_t n) { return a->malloc(a->ud, n ? n : 1); }
static inline void *chu__realloc(const chu_allocator *a, void *p, size_t n) { return a->realloc(a->ud, p, n ? n : 1); }
static inline void chu__free(const chu_allocator *a, void *p) { if (p) a->free(a->ud, p); }

/* A growable byte buffer. The helpers take a sticky status: after the first failure *rc is
 * negative and every later call is a no-op, so one check at the end suffices. data is kept
 * NUL-terminated whenever cap > 0. */
typedef struct chu__buf {
	char *data;                  /* owned bytes, NUL-terminated past len when cap > 0 */
	size_t len;                  /* bytes in use */
	size_t cap;                  /* bytes allocated */
	const chu_allocator *alloc;  /* borrowed from the owning handle */
} chu__buf;

CHU_HIDDEN void chu__buf_init(chu__buf *b, const chu_allocator *a);
CHU_HIDDEN void chu__buf_free(chu__buf *b);
/* Ensures room for `extra` more bytes plus a NUL. */
CHU_HIDDEN void chu__buf_reserve(int *rc, chu__buf *b, size_t extra);
/* Empties buf and makes room for count values of type (a per-sentence work array). */
#define CHU__RESERVE(rc, buf, count, type)                                                         \
	do {                                                                                           \
		(buf).len = 0;                                                                             \
		chu__buf_reserve((rc), &(buf), (count) * sizeof(type) + 8);                                \
	} while (0)
CHU_HIDDEN void chu__buf_put_slow(int *rc, chu__buf *b, const void *data, size_t n);
/* Appends n bytes (the buffer stays NUL-terminated). Inline: the common case, room to spare, is a
 * compare and a copy. */
static inline void chu__buf_put(int *rc, chu__buf *b, const void *data, size_t n)
{
	if (*rc >= 0 && n < b->cap - b->len) { /* cap 0: never here */
		if (n)
			memcpy(b->data + b->len, data, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	chu__buf_put_slow(rc, b, data, n);
}
static inline void chu__buf_putc(int *rc, chu__buf *b, char c)
{
	if (*rc >= 0 && b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	chu__buf_put_slow(rc, b, &c, 1);
}
/* Appends a code point as UTF-8 (invalid values become U+FFFD). */
CHU_HIDDEN void chu__buf_put_cp(int *rc, chu__buf *b, int32_t cp);

/* ---- UTF-8 ---- */

/* Decodes the code point at s[0..n) (n >= 1). Returns its byte length (1..4) and stores the code
 * point in *cp; an invalid or truncated sequence, an overlong form, a surrogate or a value above
 * U+10FFFF gives *cp = -1 and length 1 (one bad byte at a time becomes one U+FFFD). */
static inline int chu__utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = (int32_t)c;
		return 1;
	}
	int len;
	int32_t v;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = (int32_t)(c & 0x1F);
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = (int32_t)(c & 0x0F);
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = (int32_t)(c & 0x07);
	} else {
		*cp = -1;
		return 1;
	}
	if ((size_t)len > n) {
		*cp = -1;
		return 1;
	}
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (int32_t)(s[i] & 0x3F);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return len;
}

/* Encodes cp (0..0x10FFFF, not a surrogate) into out[4]; returns the length. */
CHU_HIDDEN int chu__utf8_encode(int32_t cp, char *out);

/* ---- characters (src/chars.c) ---- */

enum chu__char_class {
	CHU__C_OTHER = 0,   /* a symbol */
	CHU__C_SPACE,       /* white space other than LF */
	CHU__C_NEWLINE,     /* LF, CR, U+2028, U+2029, VT, FF */
	CHU__C_IGNORE,      /* zero-width and control characters: removed */
	CHU__C_LETTER,
	CHU__C_MARK,        /* a combining mark (belongs to the letter before it) */
	CHU__C_DIGIT,       /* ASCII 0-9 only */
	CHU__C_PUNCT,
	CHU__C_INVALID      /* an invalid byte (read as U+FFFD) */
};

/* The class computed from utf8proc (tools/gen_chars.c builds the fast table from it). */
CHU_HIDDEN int chu__char_class_slow(int32_t cp);

#define CHU__UPPER 0x10       /* in a char_info value: an uppercase letter */
#define CHU__CHAR_TABLE 0x2100 /* code points below this are in chu__char_table */
CHU_HIDDEN extern const uint8_t *const chu__char_table;
CHU_HIDDEN int chu__char_info_slow(int32_t cp);

/* Class (low 4 bits) and CHU__UPPER of a code point; cp = -1 for an invalid byte. */
static inline int chu__char_info(int32_t cp)
{
	if (cp >= 0 && cp < CHU__CHAR_TABLE)
		return chu__char_table[cp];
	return chu__char_info_slow(cp);
}
/* The class of a code point (cp = -1 for an invalid byte). */
static inline int chu__char_class(int32_t cp) { return chu__char_info(cp) & 0x0F; }
/* Is cp an uppercase letter? */
static inline bool chu__is_upper(int32_t cp) { return (chu__char_info(cp) & CHU__UPPER) != 0; }

/* ---- Vietnamese letters (src/viet.c) ---- */

/* Tones in the order of their combining marks' conventional listing. */
enum chu__tone { CHU__TONE_NONE = 0, CHU__TONE_GRAVE, CHU__TONE_ACUTE, CHU__TONE_HOOK, CHU__TONE_TILDE, CHU__TONE_DOT };

/* A Vietnamese letter taken apart: base is the lowercase letter with its vowel modifier but no
 * tone ('a', 0x103 'ă', 0xE2 'â', 'e', 0xEA 'ê', 'i', 'o', 0xF4 'ô', 0x1A1 'ơ', 'u', 0x1B0 'ư',
 * 'y', 0x111 'đ', or any other lowercase letter for consonants). */
typedef struct chu__vletter {
	int32_t base;   /* lowercase base letter without tone */
	uint8_t tone;   /* enum chu__tone */
	uint8_t upper;  /* 1 if the letter was uppercase */
	uint8_t vowel;  /* 1 for the 12 Vietnamese vowels */
	uint8_t mod;    /* 1 for ă â ê ô ơ ư (a vowel with a modifier) */
} chu__vletter;

/* Takes apart a precomposed (NFC) code point. Returns false for a code point that is not a Latin
 * letter chu knows (then *out is untouched). */
CHU_HIDDEN bool chu__vletter_split(int32_t cp, chu__vletter *out);
/* Puts a letter back together: base + tone + case -> the NFC code point. */
CHU_HIDDEN int32_t chu__vletter_join(int32_t base, int tone, int upper);
/* Is cps[0..n) (lowercase code points) a consonant onset followed by a lone final "i" or "y",
 * with any tone — a syllable written two ways ("kĩ"/"kỹ", "lí"/"lý", "ti"/"ty", "quí"/"quý")?
 * Then *last is its final letter taken apart. */
CHU_HIDDEN bool chu__final_yi(const int32_t *cps, size_t n, chu__vletter *last);

/* Re-places the tone mark of one syllable in place. cps[0..n) are NFC code points of a run of
 * letters. Leaves anything that is not a well-formed Vietnamese syllable unchanged. Returns true
 * when something changed. */
CHU_HIDDEN bool chu__tone_place(int32_t *cps, size_t n, chu_tone_style style);

/* Folds a code point for search keys: lowercase, tone and modifier removed, đ -> d. Non-letters
 * are returned lowercased (utf8proc) or unchanged. */
CHU_HIDDEN int32_t chu__fold_cp(int32_t cp);

/* ---- normalization (src/norm.c) ---- */

/* Normalizes UTF-8 text, appending to out. Used by chu_norm (span == 0: lines kept, blank-line
 * runs folded, spaces at line ends removed) and chu_norm_span (span != 0: every run of white
 * space, line breaks included, becomes one space; ends trimmed). If strict and an invalid byte is
 * met, returns CHU_EUTF8 and stores its offset in *bad. scratch is working memory. */
CHU_HIDDEN int chu__norm_utf8(const char *text, size_t len, chu_tone_style style, int strict, int span,
                              size_t *bad, chu__buf *out, chu__buf *scratch);

/* ---- legacy encodings (src/legacy.c) ---- */

/* UTF-16 text that begins with its byte order mark (FF FE, FE FF): what chu__legacy_detect
 * returns for it, and chu__legacy_to_utf8 converts (the mark dropped, an unpaired surrogate or an
 * odd last byte as U+FFFD). Not public encodings: chu reads UTF-16 only when it detects it. */
enum { CHU__ENC_UTF16LE = 16, CHU__ENC_UTF16BE = 17 };

/* Converts legacy-encoded text to UTF-8, appending to out. enc is a chu_encoding other than AUTO,
 * or CHU__ENC_UTF16LE/BE. The result may still need chu__norm_utf8 (it is composed but tone
 * placement is the source's). */
CHU_HIDDEN int chu__legacy_to_utf8(int enc, const char *text, size_t len, chu__buf *out);
/* The offset in the source text of the character whose conversion from enc wrote byte at of the
 * result (len when none did): an error found in the converted text is reported at the caller's
 * byte. scratch is working memory. */
CHU_HIDDEN size_t chu__legacy_source_offset(int enc, const char *text, size_t len, size_t at, chu__buf *scratch);
/* Guesses the encoding of a whole document: CHU__ENC_UTF16LE/BE when it begins with a UTF-16 byte
 * order mark, else CHU_ENC_TCVN3, CHU_ENC_VNI or CHU_ENC_VIQR when the evidence is strong, else
 * CHU_ENC_UTF8. Valid UTF-8 with Vietnamese letters is never taken for a legacy encoding. */
CHU_HIDDEN int chu__legacy_detect(const char *text, size_t len);

/* ---- hashing shared by the models (src/seg.c, src/tag.c, src/accent.c) ---- */

/* A 64-bit finalizer (splitmix64's): every input bit moves every output bit. */
static inline uint64_t chu__mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBULL;
	x ^= x >> 31;
	return x;
}

/* The hash of the pair (a, b); order matters. */
static inline uint64_t chu__combine(uint64_t a, uint64_t b)
{
	return chu__mix64(a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL);
}

/* The trainers' random numbers: splitmix64, a state advanced by a constant. */
static inline uint64_t chu__rng_next(uint64_t *s)
{
	*s += 0x9E3779B97F4A7C15ULL;
	return chu__mix64(*s);
}

/* ---- the handle ---- */

struct chu__clean_state;
struct chu__seg_state;
struct chu__tag_state;

struct chu_ctx {
	chu_allocator alloc;   /* copy of the caller's allocator or the default */
	chu_options opts;      /* options as given (allocator pointer points at alloc) */
	size_t error_offset;   /* offset of the first invalid byte of the last strict failure */
	chu__buf norm_out;     /* chu_norm result */
	chu__buf norm_tmp;     /* chu_norm: legacy conversion output */
	chu__buf scratch;      /* code points of one syllable and other short-lived data */
	chu__buf span_out;     /* chu_norm_span result */
	chu__buf fold_out;     /* chu_fold result */
	chu__buf tokens;       /* chu_tokenize result: chu_token[] */
	chu__buf sentences;    /* chu_sentences result: chu_span[] */
	chu__buf sent_tokens;  /* chu_sentences: its own token array */
	struct chu__clean_state *clean; /* chu_clean's buffers, made on first use (src/clean.c) */
	struct chu__seg_state *seg;     /* segmentation buffers, made on first use (src/seg.c) */
	struct chu__tag_state *tag;     /* tagging buffers, made on first use (src/tag.c) */
	chu__buf entities;              /* chu_entities result: chu_entity[] */
	chu__buf ent_tokens;            /* chu_entities: the tokens of one word */
	chu__buf doc_ents;              /* chu_ner_consistent: the entities of a window of sentences */
	struct chu__key_memo *keys;     /* search-key forms of recent syllables, made on first use (src/search.c) */
	chu__buf query_out;             /* chu_search_query result */
	struct chu__query_state *query; /* chu_query_compile's buffers, made on first use (src/query.c) */
	struct chu__annotate_state *annotate; /* chu_annotate's document, made on first use (src/annotate.c) */
	const chu_dict *dict;           /* borrowed user dictionary or NULL */
	/* the restorer of sentences without marks (chu_ctx_set_accent), or where it comes from */
	const chu_model *accent;
	chu_model_source accent_get;
	void *accent_ud;
	int accent_asked;               /* accent_get was called: 1, or the negative status it gave */
	struct chu__restore_state *restore; /* its buffers, made on first use (src/accent.c) */
};

/* Destructors for the lazily made per-module states (each file defines its own). */
CHU_HIDDEN void chu__clean_state_free(chu_ctx *ctx);
CHU_HIDDEN void chu__seg_state_free(chu_ctx *ctx);
CHU_HIDDEN void chu__tag_state_free(chu_ctx *ctx);
CHU_HIDDEN void chu__search_state_free(chu_ctx *ctx);
CHU_HIDDEN void chu__query_state_free(chu_ctx *ctx);
CHU_HIDDEN void chu__annotate_state_free(chu_ctx *ctx);
CHU_HIDDEN void chu__restore_state_free(chu_ctx *ctx);

/* ---- the pipeline (src/annotate.c), shared with chu annotate's streaming reader ---- */

/* One sentence's words and labels, as chu__annotate_tag leaves them. */
typedef struct chu__tagged {
	chu__buf spans, join; /* the tokens as spans, and whether each joins the next */
	chu__buf words;       /* chu_span[]: the words */
	chu__buf pn;          /* const char *[]: each word's part-of-speech name, or NULL */
	chu__buf pt, nt;      /* uint8_t[]: part-of-speech and entity labels */
} chu__tagged;
CHU_HIDDEN void chu__tagged_init(chu__tagged *t, const chu_allocator *a);
CHU_HIDDEN void chu__tagged_free(chu__tagged *t);
/* Segments and tags one sentence, tokens tok[0, n) of text, with o's models: *nw words in t.
 * Reads only the bytes of the tokens. */
CHU_HIDDEN int chu__annotate_tag(chu_ctx *ctx, const chu_annotate_options *o, const char *text, const chu_token *tok,
                                 size_t n, chu__tagged *t, size_t *nw);
/* Cleans text[0, len) (chu_clean) and copies the tokens t[0, nt) it keeps into keep (chu_token[],
 * *nk of them); a dropped sentence end moves to the kept token before it. The first lead bytes
 * are context only (a line of text before a piece; offsets, drop and *url are past them).
 * drop gets the dropped spans (chu_span[]), *url the first metadata line without its line end
 * ({0, 0} when none). */
CHU_HIDDEN int chu__annotate_kept(chu_ctx *ctx, const char *text, size_t len, size_t lead, const chu_token *t,
                                  size_t nt, chu__buf *drop, chu__buf *keep, size_t *nk, chu_span *url);
/* s[0, n) appended to out as a JSON string: '"' and '\\' escaped, \n, \t, other bytes below
 * 0x20 as \u00XX, everything else (UTF-8 included) as it is. */
CHU_HIDDEN void chu__json_str(int *rc, chu__buf *out, const char *s, size_t n);
/* One sentence as chu annotate --format jsonl prints it, appended to out (sticky status *rc):
 * its tokens tok[0, n), words w[0, nw) and entities e[0, ne), offsets into text, which is at base
 * in the file; url (url_len bytes) is left out when NULL. The status of the line. */
CHU_HIDDEN int chu__annotate_put_jsonl(chu_ctx *ctx, int *rc, chu__buf *out, const char *doc, size_t doc_len,
                                       const char *url, size_t url_len, size_t index, uint64_t base, const char *text,
                                       const chu_token *tok, size_t n, const chu_annotated_word *w, size_t nw,
                                       const chu_entity *e, size_t ne);

/* For the query language (src/query.c), from src/search.c: does a unit of text carry a letter
 * outside ASCII (a mark)? And text copied to out with '=' before each unit that lacks one, so that
 * the tokenizer takes every unit as written. */
CHU_HIDDEN bool chu__query_marked(const char *text, size_t len);
CHU_HIDDEN void chu__query_as_written(int *rc, chu__buf *out, const char *text, size_t len);
/* Is key[0, len) in the index's vocabulary? 1 yes, 0 no, negative a CHU_E… status. */
typedef int (*chu__held_fn)(void *ud, const char *key, size_t len);
/* The last query chu_query_compile compiled on ctx, its phrase, near and all tiers (for a query of
 * loose words; otherwise its all tier alone) as one MATCH expression (*match) for ranking with
 * chu_rank(TABLE, 2.0, 1.0, *groups) (ext/sqlite/chu_fts5.c): the all tier's expression, but each
 * plain word typed without marks written out as the spellings of it held (may be NULL: as the
 * tokenizer expands it) says the index has. *covered: how many of the query's first tiers it
 * stands for (3 or 1); 0, with *match NULL, when it stands for none (nothing compiled, or a word
 * without any key: the tiers then run one by one). Borrowed until the next call on ctx. */
/* chu_rank's value: tier * CHU__RANK_TIER + bm25 (ext/sqlite/chu_fts5.c) */
#define CHU__RANK_TIER 1048576.0
CHU_HIDDEN int chu__query_ranked(chu_ctx *ctx, chu__held_fn held, void *ud, const char **match, const char **groups,
                                 size_t *covered);
/* A date: filter's text — a date or a range A..B of them (either side may be left open) — as
 * "FIRST..LAST", the days it takes in, into out[24]. false when it does not read. */
CHU_HIDDEN bool chu__query_date_range(const char *s, size_t n, char out[24]);

typedef struct sqlite3 sqlite3;

/* ---- the search index (src/index.c, written by cli/index.c) ---- */

/* PRAGMA user_version of an index whose every document has its checksum */
#define CHU__INDEX_SUMS 1
/* The checksum chu index stores with each document's title and body, which searches check. */
CHU_HIDDEN long long chu__index_sum(const char *title, size_t tl, const char *body, size_t bl);
/* Is the SQLite file at path shorter than its header says (cut short by a copy or a full disk)?
 * Then the reason goes to msg[0, size). */
CHU_HIDDEN bool chu__index_cut_short(const char *path, char *msg, size_t size);
/* A document's entity rows (kind, text, folded, each NUL-terminated, as chu index stores them) as
 * its docs.facets: each (kind, folded) once, with the text facets show for it, "kind\0folded\0
 * text\0" after one another, appended to out; a person named by the last words of a longer name
 * of the same document ("Khôi" after "Lê Minh Khôi") is left out, as that person. */
CHU_HIDDEN int chu__index_facets(const char *rows, size_t len, chu__buf *out);

/* The vocabulary of an FTS5 table on one connection (fts5vocab), each key asked once and kept
 * until the database changes (PRAGMA data_version): what chu__query_ranked writes out. */
typedef struct chu__vocab chu__vocab;
/* Opens the vocabulary of FTS5 table `table` of db's main database into *out (NULL when SQLite
 * cannot make it: then every spelling counts as held). A SQLite status. */
CHU_HIDDEN int chu__vocab_open(sqlite3 *db, const char *table, chu__vocab **out);
CHU_HIDDEN void chu__vocab_close(chu__vocab *v);
/* Forgets what it knows when the database has changed since the last call. */
CHU_HIDDEN void chu__vocab_refresh(chu__vocab *v);
/* A chu__held_fn: ud is a chu__vocab. */
CHU_HIDDEN int chu__vocab_held(void *ud, const char *key, size_t len);

/* Tokenizes into an explicit array (used by chu_tokenize and chu_sentences). */
CHU_HIDDEN int chu__tokenize(const char *text, size_t len, chu__buf *tokens);
/* Is text[0, len) one whole URL or e-mail address, as the tokenizer reads them? */
CHU_HIDDEN bool chu__link_word(const char *text, size_t len);

/* ---- model files (src/model.c) ---- */

#define CHU__MODEL_VERSION 2u /* 1: the same layout, summed by chu__checksum */

/* A tagger's tables as its decoder reads them (src/tag.c): the table's slots, each key's short
 * entry list or dense row of int16 weights, and a Bloom filter of the keys. The trainer writes
 * them into the model (P.slots, P.dense, P.bloom) so that loading does no work. */
typedef struct chu__tag_runtime {
	uint64_t *slots;    /* as many as the table's */
	int16_t *dense;     /* n_rows rows of (K + 7) & ~7 */
	size_t n_rows;
	uint64_t *bloom;
	size_t bloom_words; /* a power of two */
} chu__tag_runtime;
/* Builds rt from a table and its entries (checked: CHU_EFORMAT when a key's list is not there). */
CHU_HIDDEN int chu__tag_runtime_build(const uint64_t *table, uint32_t n_slots, const uint32_t *entries, uint32_t n_entries,
                                      int K, chu__tag_runtime *rt);
CHU_HIDDEN void chu__tag_runtime_free(chu__tag_runtime *rt);

struct chu__seg_model;
/* A fast 64-bit checksum of data (content hashes; version 1 model files). */
CHU_HIDDEN uint64_t chu__checksum(const void *data, size_t n);
/* The same mixing in four lanes, several times faster: the checksum of version 2 model files. */
CHU_HIDDEN uint64_t chu__model_sum(const void *data, size_t n);
/* The bytes of the named section of an open model; CHU_EFORMAT when it has none. */
CHU_HIDDEN int chu__model_section(const chu_model *m, const char *name, const void **data, uint64_t *size);
/* Gives back the resident memory of whole pages of [p, p + n), part of m's mapped file, that will
 * not be read again (reading them after reads the file again). */
CHU_HIDDEN void chu__model_unused(const chu_model *m, const void *p, size_t n);
/* Writes a model file with n named sections (state "incomplete" first, finalized last). */
CHU_HIDDEN int chu__model_write(const char *path, const char *const *names, const void *const *data,
                                const uint64_t *sizes, size_t n);
/* The segmentation part of an open model, or NULL. */
CHU_HIDDEN const struct chu__seg_model *chu__model_seg(const chu_model *m);
/* Parses (and checks) the segmentation sections of m, if it has them (*out NULL if not). */
CHU_HIDDEN int chu__seg_model_load(const chu_model *m, struct chu__seg_model **out);
CHU_HIDDEN void chu__seg_model_free(struct chu__seg_model *sm);
struct chu__tag_model;
/* The tagger of an open model (CHU_TAGGER_POS or CHU_TAGGER_NER), or NULL. */
CHU_HIDDEN const struct chu__tag_model *chu__model_tagger(const chu_model *m, int tagger);
/* Parses (and checks) a tagger's sections, if m has them (*out NULL if not). */
CHU_HIDDEN int chu__tag_model_load(const chu_model *m, int task, struct chu__tag_model **out);
CHU_HIDDEN void chu__tag_model_free(struct chu__tag_model *tm);

/* ---- segmentation (src/seg.c, src/train.c) ---- */

#define CHU__SEG_FEATURES 24 /* features per position */

/* The feature form of one unit (syllable): its hash and shape (0 lower, 1 Title, 2 UPPER,
 * 3 number, 4 punctuation, 5 other). */
CHU_HIDDEN int chu__seg_unit(const char *text, size_t len, uint64_t *hash, uint8_t *shape, chu__buf *scratch);
/* Feature-form options of a segmentation model (chu__seg_meta.forms). */
enum {
	CHU__SEG_Y_AS_I = 1 /* a final "y" after a consonant onset reads as "i": kỹ = kĩ, lý = lí, ty = ti, quý = quí */
};
/* chu__seg_unit with the forms options of a model. */
CHU_HIDDEN int chu__seg_unit_as(const char *text, size_t len, unsigned forms, uint64_t *hash, uint8_t *shape,
                                chu__buf *scratch);
CHU_HIDDEN uint64_t chu__seg_word_hash(const uint64_t *syl, size_t n);
/* bits: an optional filter of the set's hashes (NULL: look every candidate up). */
/* prefix_len: an optional table of CHU__SEG_PREFIXES 4-bit values, the longest word (in
 * syllables) whose first two syllables hash to each (0: none); NULL looks every length up. */
CHU_HIDDEN void chu__seg_lexicon(const uint64_t *set, uint64_t mask, const uint64_t *bits, const uint8_t *prefix_len,
                                 const uint64_t *syl, const uint8_t *shape, size_t n, uint8_t *cover, uint8_t *endl,
                                 uint8_t *startl);
#define CHU__SEG_LEXBITS (1u << 19)  /* bits of the lexicon filter built at load: 64 KiB */
#define CHU__SEG_PREFIXES (1u << 18) /* entries of the prefix-length table: 128 KiB */
/* The entry of the prefix-length table for a word's first two syllables (their word hash). */
static inline uint32_t chu__seg_prefix_slot(uint64_t h2) { return (uint32_t)((h2 | 1) >> 40) & (CHU__SEG_PREFIXES - 1); }
static inline unsigned chu__seg_prefix_get(const uint8_t *t, uint32_t b) { return (t[b >> 1] >> ((b & 1) * 4)) & 15u; }
/* One sentence's per-syllable facts, as the feature templates read them. */
typedef struct chu__seg_sentence {
	const uint64_t *syl;   /* unit hashes */
	const uint8_t *shape;  /* unit shapes */
	const uint8_t *cover, *endl, *startl; /* lexicon facts (chu__seg_lexicon) */
	const uint8_t *assoc;  /* association bucket of (i-1, i) from unlabeled text, 0 unknown */
	size_t n;
} chu__seg_sentence;
CHU_HIDDEN void chu__seg_features(const chu__seg_sentence *s, size_t i, uint64_t *f);
/* The pair key of syllables a, b in the association table. */
CHU_HIDDEN uint64_t chu__seg_pair(uint64_t a, uint64_t b);
/* Fills assoc[i] for i in [1, n) from an association table (u64 slots: key32 | bucket << 32). */
CHU_HIDDEN void chu__seg_assoc(const uint64_t *table, uint32_t mask, const uint64_t *syl, const uint8_t *shape, size_t n,
                               uint8_t *assoc);
/* Viterbi over B/I. score[i] is the score of I at i (B scores 0); force[i] is 0 (free), 1 (must
 * be B) or 2 (must be I). Writes labels (0 B, 1 I). The steps are inline for the segmenter,
 * which runs them as it scores. */
CHU_HIDDEN void chu__seg_viterbi(const float *score, const uint8_t *force, const float trans[4], size_t n, uint8_t *label,
                                 uint8_t *back);
/* The first syllable begins a word (a forced I there is ignored): d = the best scores ending in B, I. */
static inline uint8_t chu__seg_vstart(float d[2])
{
	d[0] = 0.0f;
	d[1] = -1e30f;
	return 0;
}
/* One step: d becomes the best scores ending at the next syllable; returns the back pointers
 * (bit t: the label before t). */
static inline uint8_t chu__seg_vstep(float d[2], const float trans[4], float score, uint8_t force)
{
	const float NEG = -1e30f;
	float nd[2];
	uint8_t bp = 0;
	for (int t = 0; t < 2; t++) {
		float a = d[0] + trans[0 * 2 + t], b = d[1] + trans[1 * 2 + t];
		nd[t] = a >= b ? a : b;
		bp |= (uint8_t)((a >= b ? 0 : 1) << t);
	}
	nd[1] += score;
	if (force == 1)
		nd[1] = NEG;
	if (force == 2)
		nd[0] = NEG;
	d[0] = nd[0];
	d[1] = nd[1];
	return bp;
}
/* Follows the back pointers from the best final label. */
static inline void chu__seg_vback(const float d[2], const uint8_t *back, size_t n, uint8_t *label)
{
	int t = d[1] > d[0] ? 1 : 0;
	for (size_t i = n; i-- > 0;) {
		label[i] = (uint8_t)t;
		t = (back[i] >> t) & 1;
	}
	label[0] = 0;
}
/* Adds the word on one dictionary line (syllables separated by white space or '_') to hashes, and
 * the hash of its first two syllables to prefixes (may be NULL). */
CHU_HIDDEN int chu__dict_add_line(chu__buf *hashes, chu__buf *prefixes, const char *line, size_t len, unsigned forms,
                                  chu__buf *scratch);

/* The model's layout: the 24 templates' weights stored as rows of n-grams (src/seg.c), so that a
 * position costs three table lookups (one per n-gram entering the window) instead of 24; a model
 * trained without the triple templates has no triple rows, and costs two. */
#define CHU__SEG_LAYOUT 3
#define CHU__SEG_BOS 0x1234567890ABCDEFULL /* the syllable before a sentence */
#define CHU__SEG_EOS 0xFEDCBA0987654321ULL /* the syllable after it */
#define CHU__SEG_LEX_MAX 6                  /* longest dictionary word looked up, in syllables */
#define CHU__SEG_LV (CHU__SEG_LEX_MAX + 1)  /* values of a lexicon fact (0..6) */
#define CHU__SEG_AV 18                      /* association values: 0..16, and 17 for "none" (255) */
/* Row widths (int16): a syllable's T1-T5 as w2, w1, w3, w0, w4, T19 by the next shape, T20 by
 * the previous shape (+1 padding); a pair's T6-T9 as (w1,w2), (w2,w3), (w0,w1), (w3,w4) and T21 by
 * cover (+1); a triple's T10-T12 as (w0,w1,w2), (w1,w2,w3), (w2,w3,w4) (+1). */
#define CHU__SEG_UNI_W 22
#define CHU__SEG_BI_W 12
#define CHU__SEG_TRI_W 4
/* Offsets of the dense tables in seg.dense (int16): templates over shapes (8 values: 0-5, 6 before
 * the sentence, 7 after), lexicon facts and association values. */
enum {
	CHU__SEG_D13 = 0,                                                        /* [sh1][sh2] */
	CHU__SEG_D14 = CHU__SEG_D13 + 64,                                        /* [sh2][sh3] */
	CHU__SEG_D15 = CHU__SEG_D14 + 64,                                        /* [sh1][sh2][sh3] */
	CHU__SEG_D16 = CHU__SEG_D15 + 512,                                       /* [cover] */
	CHU__SEG_D17 = CHU__SEG_D16 + CHU__SEG_LV,                               /* [cover][endl][startl] */
	CHU__SEG_D18 = CHU__SEG_D17 + CHU__SEG_LV * CHU__SEG_LV * CHU__SEG_LV,   /* [cover][sh1][sh2] */
	CHU__SEG_D22 = CHU__SEG_D18 + CHU__SEG_LV * 64,                          /* [a0][sh1][sh2] */
	CHU__SEG_D23 = CHU__SEG_D22 + CHU__SEG_AV * 64,                          /* [am][a0][a1] */
	CHU__SEG_D24 = CHU__SEG_D23 + CHU__SEG_AV * CHU__SEG_AV * CHU__SEG_AV,   /* [a0][cover] */
	CHU__SEG_DENSE = CHU__SEG_D24 + CHU__SEG_AV * CHU__SEG_LV
};

typedef struct chu__seg_meta {
	uint32_t n_slots[3];  /* slots of the syllable, pair and triple tables (powers of two) */
	uint32_t n_rows[3];   /* their rows */
	uint32_t n_lexicon;   /* slots of the lexicon set (a power of two, or 0) */
	uint32_t n_assoc;     /* slots of the association table (a power of two, or 0) */
	uint32_t n_features;  /* CHU__SEG_FEATURES: the templates the rows hold */
	uint32_t layout;      /* CHU__SEG_LAYOUT */
	float scale;          /* weight = int16 / scale */
	float trans[4];       /* transition scores [prev][cur], B = 0, I = 1 */
	uint32_t forms;       /* feature-form options (CHU__SEG_Y_AS_I) */
	uint32_t reserved;    /* 0 */
} chu__seg_meta;

/* Table keys of a syllable (its hash is mixed already), a pair and a triple; a triple's key
 * extends its first pair's, so a sentence costs two mixings a syllable. */
static inline uint64_t chu__seg_key1(uint64_t a) { return a ^ 0x5E6A11D0C0FFEE11ULL; }
static inline uint64_t chu__seg_key2(uint64_t a, uint64_t b) { return chu__combine(a ^ 0x5E6A22ULL, b); }
static inline uint64_t chu__seg_key3_from(uint64_t key2_ab, uint64_t c) { return chu__combine(key2_ab ^ 0x5E6A33ULL, c); }
static inline uint64_t chu__seg_key3(uint64_t a, uint64_t b, uint64_t c) { return chu__seg_key3_from(chu__seg_key2(a, b), c); }
/* The association value of dense index k (17 stands for 255, "no pair"). */
static inline uint64_t chu__seg_assoc_value(int k) { return k == CHU__SEG_AV - 1 ? 255 : (uint64_t)k; }

/* Training (src/train.c). */
typedef struct chu__train_seg_opts {
	const char *const *train; /* .seg files (VnCoreNLP format) */
	size_t n_train;
	const char *dev;          /* a .seg file scored after each epoch, or NULL */
	const char *const *lexicons;
	size_t n_lexicons;
	const char *out;          /* model path */
	int epochs;
	uint64_t seed;
	int holdout;              /* keep every Nth training sentence out (0: none) and score it */
	double lowercase;         /* share of sentences also trained lowercased */
	double uppercase;         /* share also trained in capitals */
	const char *corpus;       /* plain unlabeled text for syllable-pair association, or NULL */
	size_t max_features;      /* keep at most this many features, the strongest (0: all) */
	bool no_triples;          /* leave out the syllable-triple templates (a smaller, faster model) */
	bool y_as_i;              /* read a final y after a consonant onset as i (CHU__SEG_Y_AS_I) */
	void (*progress)(void *ud, const char *message);
	void *ud;
} chu__train_seg_opts;
CHU_HIDDEN int chu__train_seg(const chu__train_seg_opts *o);
/* qsort's comparison of doubles, largest first (the trainers' feature pruning). */
CHU_HIDDEN int chu__cmp_double_desc(const void *a, const void *b);

/* ---- tagging (src/tag.c, src/gazetteer.c, src/train_tag.c) ---- */

#define CHU__TAG_MAX_LABELS 64
#define CHU__TAG_MAX_FEATURES 40

/* One sentence's per-word facts, as the feature templates read them (arrays of n). */
typedef struct chu__tag_words {
	uint64_t *form;        /* the word's lowercased, tone-normalized syllables, hashed */
	uint64_t *first, *last; /* its first and last syllable */
	uint8_t *shape;        /* first and last syllable shapes, several syllables, all capitalized */
	uint8_t *nsyl;         /* syllables */
	const uint64_t *pos;   /* hashes of the words' part-of-speech names (named entities), or NULL */
	const uint64_t *cue;   /* gazetteer and cue-word classes (named entities), or NULL */
	uint8_t *foreign;      /* 1 when a syllable cannot be Vietnamese ("Whitehurst"), or NULL */
	const int16_t *cluster; /* the word's class from unlabeled text (-1 none), or NULL */
	const uint64_t *amb;   /* parts of speech: the tags the word had in training (a bit each), or NULL */
	const uint16_t *group; /* its class's coarser groups (chu__cluster_of), or NULL */
} chu__tag_words;
/* The tag set of a word form hash in an ambiguity table (pairs of u64: key | 1, mask), or 0. */
CHU_HIDDEN uint64_t chu__tag_ambiguity(const uint64_t *table, uint32_t n_slots, uint64_t form);
/* A word's tag set from its tag counts (count[0..K) and the total count[K]): the tags of at least
 * 5% of its occurrences, after taking out own[0..K] (its occurrences in one sentence; NULL: none).
 * 0 when nothing is left. */
CHU_HIDDEN uint64_t chu__tag_set(const uint32_t *count, const uint32_t *own, int K);

/* Fills W's form, first, last, shape and nsyl for n words (byte ranges of text whose syllables
 * are separated by spaces or '_'). */
CHU_HIDDEN int chu__tag_prepare(const char *text, const chu_span *words, size_t n, chu__tag_words *W, chu__buf *scratch);
/* Writes the feature hashes of word i into f (chu__tag_n_features(task) of them); returns how many. */
CHU_HIDDEN int chu__tag_features(int task, const chu__tag_words *W, size_t n, size_t i, uint64_t *f);
CHU_HIDDEN int chu__tag_n_features(int task);
CHU_HIDDEN uint64_t chu__tag_name_hash(const char *name);
/* allowed[(a + 1) * K + b]: may label b follow a (a = -1: the start) under BIO rules. */
CHU_HIDDEN void chu__tag_allowed(const char (*names)[16], int K, uint8_t *allowed);
/* Viterbi over K labels: score n × K, edge n × K × K (or NULL; [i][a][b] scores b at i after a),
 * trans (K + 1) × K, allowed as above or NULL; d 2 × K and back n × K are work space. */
CHU_HIDDEN void chu__tag_viterbi(const float *score, const float *edge, const float *trans, const uint8_t *allowed,
                                 size_t n, int K, float *d, uint8_t *back, uint8_t *label);
/* chu__tag_viterbi with a loaded tagger's transitions (what chu_tag runs): the same labels, four
 * at a time and without the previous labels that cannot be best. d holds 2 × n_labels rounded up
 * to 4 floats; edge, when not NULL, is readable 3 floats past its end. */
CHU_HIDDEN void chu__tag_viterbi_model(const struct chu__tag_model *tm, const float *score, const float *edge,
                                       size_t n, float *d, uint8_t *back, uint8_t *label);
/* Edge features of word i (i ≥ 1): scored per (previous label, label) through chu__tag_edge_key. */
CHU_HIDDEN int chu__tag_edge_features(int task, const chu__tag_words *W, size_t n, size_t i, uint64_t *f);
CHU_HIDDEN uint64_t chu__tag_edge_key(uint64_t f, int prev);
/* How many edge features a word has in a task (at most CHU__TAG_EDGE_FEATURES). */
CHU_HIDDEN int chu__tag_n_edges(int task);
#define CHU__TAG_EDGE_FEATURES 2
/* Gazetteer and cue-word classes of n words (their form and first-syllable hashes). */
CHU_HIDDEN void chu__tag_cues(const uint64_t *form, const uint64_t *first, size_t n, uint64_t *cue);
/* Is a word form (hash) the name of a disease ("COVID-19", "HIV")? The corpus labels them O. */
CHU_HIDDEN bool chu__tag_disease(uint64_t form);

/* A feature's weights added to score[0..CHU__TAG_MAX_LABELS) (floats, in the order of the calls;
 * labels past K only if the file is damaged) in steps, so that
 * callers can fetch the memory of later features first (src/tag.c; the accent restorer): starts
 * fetching f's table slot; finds f (UINT32_MAX: not in the model) and starts fetching its weights;
 * adds the weights found. */
/* chu_tag without the rules over the model's labels (for parts of speech, the amount rule): the
 * tags the entity trainer reads, as when ner.chm was trained (src/train_tag.c). */
CHU_HIDDEN int chu__tag_model_only(chu_ctx *ctx, const chu_model *model, int tagger, const char *text,
                                   const chu_span *words, size_t n, const char *const *pos, uint8_t *tags);
CHU_HIDDEN void chu__tag_fetch_slot(const struct chu__tag_model *tm, uint64_t f);
CHU_HIDDEN uint32_t chu__tag_find(const struct chu__tag_model *tm, uint64_t f);
CHU_HIDDEN void chu__tag_add(const struct chu__tag_model *tm, uint32_t j, float *score);

/* ---- diacritic restoration (src/accent.c) ---- */

#define CHU__TAGGER_ACCENT 2     /* the accent restorer's tagger, inside the model (not public) */
#define CHU__ACC_MAX_LETTERS 10  /* longest syllable restored */
#define CHU__ACC_MAX_CANDS 32    /* most candidates of one folded syllable (labels of the tagger) */
#define CHU__ACC_FEATURES 8

typedef struct chu__acc_syl {
	int32_t cp[CHU__ACC_MAX_LETTERS]; /* its letters as written (NFC) */
	int n;                            /* how many */
	uint64_t folded;                  /* hash of the folded letters (lowercase, no marks, đ → d) */
	bool marked;                      /* a tone mark or a modified letter (ă â ê ô ơ ư đ) */
	bool ok;                          /* a syllable of Latin letters Vietnamese writes */
} chu__acc_syl;
CHU_HIDDEN int chu__acc_unit(const char *text, size_t len, chu__acc_syl *u);
/* u's lowercase form, tone placed in the new style, into out (NUL-ended); its length or -1. */
CHU_HIDDEN int chu__acc_form(const chu__acc_syl *u, char *out, size_t cap);
CHU_HIDDEN uint64_t chu__acc_other(const char *text, const chu_token *t);
/* Features of position i of the context hashes g[0..n) (CHU__ACC_FEATURES). */
CHU_HIDDEN int chu__acc_features(const uint64_t *g, size_t n, size_t i, uint64_t *f);
struct chu__acc_model;
CHU_HIDDEN int chu__acc_model_load(const chu_model *m, struct chu__acc_model **out);
CHU_HIDDEN void chu__acc_model_free(struct chu__acc_model *am);
CHU_HIDDEN const struct chu__acc_model *chu__model_accent(const chu_model *m);
/* One sentence's spans (tokens or words; '_' inside a word separates its syllables) of text:
 * when ctx has a restorer and the sentence is typed without marks (chu_ctx_set_accent), 1 with
 * *rtext the restored sentence and *rspans (n of them) the same spans in it; 0 when it is read
 * as written, *rtext and *rspans left as they are (so they may be text and spans). Both live
 * until the next call on ctx that restores. */
CHU_HIDDEN int chu__restore(chu_ctx *ctx, const char *text, const chu_span *spans, size_t n, const char **rtext,
                            const chu_span **rspans);

typedef struct chu__train_tag_opts {
	int task;                 /* CHU_TAGGER_POS or CHU_TAGGER_NER */
	const char *const *train; /* TSV files: word<TAB>tag, a blank line after each sentence */
	size_t n_train;
	const char *dev;          /* a TSV file scored after each epoch, or NULL */
	const char *out;          /* model path */
	const chu_model *pos_model; /* named entities: the part-of-speech model whose tags are features */
	const char *corpus;       /* accents, clusters: plain text (a paragraph a line) to learn from */
	const chu_model *clusters; /* a model file with a "clusters" section whose classes are features, or NULL */
	int epochs;
	uint64_t seed;
	int holdout;              /* keep every Nth training sentence out and score it (0: none) */
	int runs;                 /* train this many times on other orders and average (0 or 1: once) */
	size_t max_features;      /* keep at most this many features, the strongest (0: all) */
	void (*progress)(void *ud, const char *message);
	void *ud;
} chu__train_tag_opts;
CHU_HIDDEN int chu__train_tag(const chu__train_tag_opts *o);
CHU_HIDDEN int chu__train_accent(const chu__train_tag_opts *o);
/* Word classes from o->corpus segmented with seg: K classes, passes of the exchange algorithm;
 * writes a model file with one section, "clusters" (src/cluster.c). */
CHU_HIDDEN int chu__train_clusters(const chu__train_tag_opts *o, const chu_model *seg, int K, int passes);
/* The class of a word form hash in a "clusters" table of n_slots, or -1. *group (when not NULL)
 * gets the class's coarser groups: 1 + its group of CHU__CLUSTER_G1 in the low byte, 1 + that
 * group's of CHU__CLUSTER_G2 in the high byte (0: none, or a table made before groups). */
CHU_HIDDEN int chu__cluster_of(const uint64_t *table, uint32_t n_slots, uint64_t form, uint16_t *group);
#define CHU__CLUSTER_G1 64
#define CHU__CLUSTER_G2 16

#endif /* CHU_INTERNAL_H */
