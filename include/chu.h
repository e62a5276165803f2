/*
 * chu.h — the whole public API of libchu, a Vietnamese text engine.
 *
 * Conventions that hold for every function below:
 *  - Every public name starts with chu_ / CHU_.
 *  - Functions return a status: CHU_OK (0) or a negative CHU_E… code; chu_strerror() names it.
 *    The library never prints and never aborts.
 *  - Text is UTF-8. Positions are byte offsets into the caller's ORIGINAL input, {start, end}
 *    half-open, even where chu normalizes what it reads (tone placement, NFC, widths).
 *  - There is no global mutable state. A chu_ctx is working memory for one thread at a time;
 *    a chu_model is read-only after it is opened and may be shared by any number of threads.
 *  - Results marked "borrowed" live in memory owned by the handle and stay valid until the next
 *    call of the same function on the same handle, or until the handle is freed.
 *  - Every _free(NULL) is a no-op.
 *
 * Copyright 2026 the chu developers. Licensed under the Apache License, Version 2.0.
 */
#ifndef CHU_H
#define CHU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CHU_API __attribute__((visibility("default")))
#else
#define CHU_API
#endif

#define CHU_VERSION_STRING "0.1.0"

/* ---- status codes ------------------------------------------------------------------------- */

enum chu_status {
	CHU_OK = 0,
	CHU_ENOMEM = -1,   /* an allocation failed */
	CHU_EINVAL = -2,   /* a bad argument (NULL handle, unknown option value) */
	CHU_EUTF8 = -3,    /* invalid UTF-8 in strict mode */
	CHU_EIO = -4,      /* a file could not be read or written (errno holds the reason) */
	CHU_EFORMAT = -5,  /* a model file is corrupt, truncated or not a chu model */
	CHU_EVERSION = -6, /* a model file of another format version */
	CHU_ESTATE = -7,   /* a call out of order (e.g. feeding a finished stream) */
	CHU_ECALLBACK = -8, /* a caller's callback returned non-zero; the work stopped */
	CHU_ESYNTAX = -9,   /* a search query that does not parse (chu_query_compile) */
	CHU_ETIMEOUT = -10  /* a search ran past its time limit (chu_index_set_time_limit) */
};

/* A static English message for a status code; never NULL. */
CHU_API const char *chu_strerror(int status);

/* The library's version, "MAJOR.MINOR.PATCH". */
CHU_API const char *chu_version(void);

/* ---- allocation ---------------------------------------------------------------------------- */

/* A caller-supplied allocator. All three functions are required; ud is passed back unchanged.
 * realloc(ud, NULL, n) must behave as malloc; free(ud, NULL) must be a no-op. */
typedef struct chu_allocator {
	void *(*malloc)(void *ud, size_t size);
	void *(*realloc)(void *ud, void *ptr, size_t size);
	void (*free)(void *ud, void *ptr);
	void *ud;
} chu_allocator;

/* ---- options ------------------------------------------------------------------------------- */

/* Where the tone mark of an open two-vowel rhyme goes: oa, oe, uy without a final consonant.
 * NEW (the default, used everywhere inside chu; the 1980s school orthography and the style of the
 * VLSP corpora): on the main vowel, "hoà", "khoẻ", "thuỷ".
 * OLD (common on news sites): on the first vowel, "hòa", "khỏe", "thủy".
 * Both styles agree everywhere else ("hoàng", "quả", "người", "mùa"). */
typedef enum chu_tone_style { CHU_TONE_NEW = 0, CHU_TONE_OLD = 1 } chu_tone_style;

/* The encoding of the input to chu_norm(). UTF8 is the default; AUTO detects the legacy ones. */
typedef enum chu_encoding {
	CHU_ENC_UTF8 = 0,
	CHU_ENC_TCVN3 = 1, /* TCVN 5712 "ABC" 8-bit font encoding (.VnTime) */
	CHU_ENC_VNI = 2,   /* VNI font encoding: base letter byte + mark byte(s) */
	CHU_ENC_VIQR = 3,  /* ASCII mnemonics: "Vie^.t Nam" */
	CHU_ENC_AUTO = 4   /* detect; plain UTF-8 when nothing legacy is seen */
} chu_encoding;

typedef struct chu_options {
	chu_tone_style tone;            /* tone placement style; default CHU_TONE_NEW */
	chu_encoding from;              /* input encoding for chu_norm(); default CHU_ENC_UTF8 */
	int strict;                     /* non-zero: invalid UTF-8 is CHU_EUTF8, not U+FFFD */
	const chu_allocator *allocator; /* NULL: the C library's malloc; copied, must outlive ctx */
} chu_options;

/* Fills *opts with the defaults. */
CHU_API void chu_options_init(chu_options *opts);

/* ---- the per-thread handle ----------------------------------------------------------------- */

typedef struct chu_ctx chu_ctx;

/* Creates a handle with the given options (NULL: defaults). On success *out owns it; free it with
 * chu_ctx_free(). On failure *out is NULL. */
CHU_API int chu_ctx_new(const chu_options *opts, chu_ctx **out);
CHU_API void chu_ctx_free(chu_ctx *ctx);

/* Where chu_norm() stopped in strict mode: the byte offset of the first invalid byte in the
 * input of the last failing call (0 when none). */
CHU_API size_t chu_error_offset(const chu_ctx *ctx);

/* ---- 1. normalization ---------------------------------------------------------------------- */

/* Normalizes text: legacy encodings converted (options.from), invalid UTF-8 replaced by U+FFFD
 * (or CHU_EUTF8 in strict mode), NFC, zero-width and control characters removed, CR LF and CR
 * made LF, other white space made one space, runs of spaces folded, spaces at line ends
 * removed, runs of blank lines folded to one, tone marks placed in the ctx's style.
 * *out (borrowed) receives the result and *out_len its length; it is NUL-terminated. */
CHU_API int chu_norm(chu_ctx *ctx, const char *text, size_t len, const char **out, size_t *out_len);

/* ---- 2. cleaning scraped articles ---------------------------------------------------------- */

/* One change chu_clean() made, for --explain. */
typedef enum chu_clean_action {
	CHU_CLEAN_DROP_LINE = 1, /* a boilerplate line was removed */
	CHU_CLEAN_METADATA = 2,  /* a leading URL line was taken as metadata, not text */
	CHU_CLEAN_DROP_SPAN = 3, /* part of a line was removed (a photo credit) */
	CHU_CLEAN_SPACE = 4      /* a missing space was restored after a sentence end */
} chu_clean_action;

typedef struct chu_clean_change {
	size_t start, end;       /* the bytes concerned in the input (equal for an insertion) */
	chu_clean_action action;
	const char *reason;      /* static English text, e.g. "site navigation" */
} chu_clean_change;

/* Cleans a scraped article (UTF-8, normalize it first for best results): drops boilerplate lines,
 * takes a leading URL line as metadata (*url, borrowed, or NULL), removes photo credits inside the
 * text and restores the space in glued sentences ("16/7.Cùng" -> "16/7. Cùng"). Never removes a
 * sentence of real content. *out (borrowed, NUL-terminated) receives the text; *changes
 * (borrowed, may be NULL when not wanted) lists what was changed, in input order. */
CHU_API int chu_clean(chu_ctx *ctx, const char *text, size_t len, const char **out, size_t *out_len,
                      const chu_clean_change **changes, size_t *n_changes);

/* ---- 3. tokens and sentences --------------------------------------------------------------- */

typedef enum chu_token_kind {
	CHU_TOKEN_SYLLABLE = 1, /* a run of letters: "Việt", "ASEM" is ACRONYM, "Australia" too */
	CHU_TOKEN_NUMBER,       /* "62.000", "4,5", "2020", "4.0" */
	CHU_TOKEN_DATE,         /* "9/7/2020", "16/7", "12/2019", "24/08/2020" */
	CHU_TOKEN_RANGE,        /* "2021-2025", "18 – 19/11" (may contain spaces) */
	CHU_TOKEN_TIME,         /* "14:30", "9h30", "8h" */
	CHU_TOKEN_PERCENT,      /* "15%", "4,5 %" */
	CHU_TOKEN_MONEY,        /* "100.000 USD", "62.000 tỷ đồng", "$5", "20.000đ" (may contain spaces) */
	CHU_TOKEN_URL,          /* "https://zingnews.vn/…", "www.mofa.gov.vn" */
	CHU_TOKEN_EMAIL,        /* "ban@mofa.gov.vn" */
	CHU_TOKEN_HASHTAG,      /* "#COVID19", "@user" */
	CHU_TOKEN_ACRONYM,      /* "ASEM", "MSMEs", "TP.HCM", "PGS.TS." */
	CHU_TOKEN_NAME,         /* hyphenated or letter-digit names: "COVID-19", "Covid-19", "PPWE-1" */
	CHU_TOKEN_ABBREV,       /* abbreviations with their dot: "TP.", "v.v.", "Th.S", "ThS." */
	CHU_TOKEN_PUNCT,        /* punctuation, one mark or a run of the same ("...", "./.") */
	CHU_TOKEN_SYMBOL,       /* anything else that is not a letter, digit or space */
	CHU_TOKEN_KIND_MAX
} chu_token_kind;

/* The lowercase English name of a kind ("syllable", "money"…), "?" for an unknown value. */
CHU_API const char *chu_token_kind_name(int kind);

enum chu_token_flags {
	CHU_TOKEN_SENTENCE_END = 1u << 0, /* the last token of a sentence */
	CHU_TOKEN_HAS_SPACE = 1u << 1     /* the token's bytes contain white space (MONEY, RANGE) */
};

typedef struct chu_token {
	size_t start, end; /* bytes [start, end) of the original input */
	uint16_t kind;     /* a chu_token_kind */
	uint16_t flags;    /* chu_token_flags */
	uint32_t reserved; /* zero */
} chu_token;

/* Splits UTF-8 text into tokens, in order, and marks the last token of each sentence with
 * CHU_TOKEN_SENTENCE_END. Invalid bytes are read as U+FFFD and become SYMBOL tokens; zero-width
 * and control characters separate tokens and belong to none. *tokens is borrowed. */
CHU_API int chu_tokenize(chu_ctx *ctx, const char *text, size_t len, const chu_token **tokens,
                         size_t *n_tokens);

typedef struct chu_span {
	size_t start, end; /* bytes [start, end) of the original input */
} chu_span;

/* Splits text into sentences: each span runs from its first token's start to its last token's
 * end. A line break always ends a sentence. *sentences is borrowed. */
CHU_API int chu_sentences(chu_ctx *ctx, const char *text, size_t len, const chu_span **sentences,
                          size_t *n_sentences);

/* The normalized form of bytes [start, end) of text: NFC, tone placement, invalid bytes as
 * U+FFFD, inner white space as one space. *out is borrowed (NUL-terminated). */
CHU_API int chu_norm_span(chu_ctx *ctx, const char *text, size_t start, size_t end, const char **out,
                          size_t *out_len);

/* The accent-folded, lowercased key of a normalized string: "Đà Nẵng" -> "da nang". *out is
 * borrowed (NUL-terminated). */
CHU_API int chu_fold(chu_ctx *ctx, const char *text, size_t len, const char **out, size_t *out_len);

/* ---- streaming ----------------------------------------------------------------------------- */

/* A stream cuts an input of any size, fed in chunks of any size, into pieces that can be worked
 * on one at a time in bounded memory. Cut points depend on the bytes alone, never on how they
 * were fed, so feeding one byte at a time gives the same pieces as feeding the whole:
 *  - a piece ends after each LF (the LF belongs to the piece);
 *  - a line longer than 64 KiB is cut after the first run of white space past 64 KiB, and a line
 *    with no white space for 1 MiB after a character boundary that is not followed by a
 *    combining mark, and for 1 MiB + 32 KiB at any character boundary (a run of marks or of
 *    stray UTF-8 continuation bytes is cut there too, so no piece exceeds 1 MiB + 32 KiB + 3
 *    bytes); such a piece is "continued" (its line goes on in the next piece).
 * The callback receives the piece, its offset in the whole input and whether it is continued;
 * the piece's bytes are borrowed for the duration of the call. A non-zero return stops the stream
 * (feed and finish then return CHU_ECALLBACK). */
typedef int (*chu_piece_fn)(void *ud, const char *piece, size_t len, uint64_t offset, int continued);

typedef struct chu_stream chu_stream;

CHU_API int chu_stream_new(const chu_allocator *allocator, chu_piece_fn fn, void *ud, chu_stream **out);
CHU_API int chu_stream_feed(chu_stream *s, const void *data, size_t len);
/* Delivers the last piece (if any). The stream can't be fed after this. */
CHU_API int chu_stream_finish(chu_stream *s);
CHU_API void chu_stream_free(chu_stream *s);

/* ---- 4. word segmentation ----------------------------------------------------------------- */

/* A trained model (segmentation, and later tagging) loaded read-only with mmap. Opening checks the
 * magic bytes, format version, sanity values and every section offset against the file size, so a
 * truncated or corrupted file gives CHU_EFORMAT or CHU_EVERSION, never a crash. One open model may
 * be used by any number of threads at once. Free with chu_model_close(). */
typedef struct chu_model chu_model;

CHU_API int chu_model_open(const char *path, chu_model **out);
CHU_API void chu_model_close(chu_model *model);

/* What an open model holds, as a mask of CHU_MODEL_* bits: a caller given a file checks it is
 * the kind it needs (a segmenter for chu_segment, a tagger for chu_tag, …) and can say which kind
 * it is instead. 0 for NULL. */
enum {
	CHU_MODEL_SEG = 1,    /* word segmentation (chu_segment) */
	CHU_MODEL_POS = 2,    /* a part-of-speech tagger (chu_tag, CHU_TAGGER_POS) */
	CHU_MODEL_NER = 4,    /* an entity tagger (chu_tag, CHU_TAGGER_NER) */
	CHU_MODEL_ACCENT = 8  /* a diacritics restorer (chu_accent) */
};
CHU_API unsigned chu_model_parts(const chu_model *model);
/* The checksum the model file carries over its sections: the same bytes give the same value, so
 * it names a model's version (chu serve's /api/health shows it). 0 for NULL. */
CHU_API uint64_t chu_model_checksum(const chu_model *model);

/* A user dictionary: one word a line, syllables separated by spaces ("bình đẳng giới"). Its words
 * are forced when segmenting with a ctx that has it set. Read-only once loaded; shareable. */
typedef struct chu_dict chu_dict;

CHU_API int chu_dict_load(const char *path, chu_dict **out);
CHU_API void chu_dict_free(chu_dict *dict);
/* Uses dict (borrowed; NULL for none) in later chu_segment* calls on ctx. */
CHU_API int chu_ctx_set_dict(chu_ctx *ctx, const chu_dict *dict);

typedef struct chu_word {
	size_t start, end;   /* bytes [start, end) of the original input: first to last syllable */
	uint32_t token;      /* index of its first token in the chu_tokenize() result */
	uint16_t n_tokens;   /* how many tokens it spans (1 for a single syllable) */
	uint16_t flags;      /* CHU_TOKEN_SENTENCE_END when it ends a sentence; CHU_TOKEN_HAS_SPACE when
	                      * it spans several tokens or a MONEY/RANGE token: its bytes may then hold
	                      * white space (and only then) */
} chu_word;

/* Segments raw text into words: tokenizes (chu_tokenize), then joins syllables into words with
 * the model. *words is borrowed. */
CHU_API int chu_segment(chu_ctx *ctx, const chu_model *model, const char *text, size_t len,
                        const chu_word **words, size_t *n_words);

/* Segments one pre-tokenized sentence: tokens[i] are byte ranges into text. join[i] (caller's
 * array of n_tokens bytes) receives 1 when token i+1 belongs to the same word as token i, else 0
 * (join[n_tokens-1] is 0). */
CHU_API int chu_segment_tokens(chu_ctx *ctx, const chu_model *model, const char *text,
                               const chu_span *tokens, size_t n_tokens, unsigned char *join);

/* ---- 5. tagging: parts of speech and named entities ------------------------------------------- */

enum chu_tagger {
	CHU_TAGGER_POS = 0, /* parts of speech, the VLSP 2013 tag set (N, Np, V, A, CH, …) */
	CHU_TAGGER_NER = 1  /* named entities, BIO labels over PER, LOC, ORG, MISC (VLSP 2016) */
};

/* Tags one sentence's words with a model's tagger. words[i] are byte ranges into text (from
 * chu_segment, or a segmented sentence); a word's syllables are separated by spaces or '_'.
 * tags (the caller's array of n bytes) receives label indices; chu_tag_name() names them. For
 * CHU_TAGGER_NER, pos (may be NULL) gives each word's part-of-speech name ("Np"), which the entity
 * model uses as features; a word that is a URL, an e-mail address or a #hashtag is never in an
 * entity, and no entity begins with a disease's name ("COVID-19", "HIV"), whatever the model
 * scores. CHU_EINVAL when model has no such tagger. */
CHU_API int chu_tag(chu_ctx *ctx, const chu_model *model, int tagger, const char *text, const chu_span *words,
                    size_t n, const char *const *pos, uint8_t *tags);
/* How many labels the model's tagger has (0 when it has none), and the name of label tag (NULL
 * when out of range). Names live as long as the model. */
CHU_API int chu_tag_count(const chu_model *model, int tagger);
CHU_API const char *chu_tag_name(const chu_model *model, int tagger, int tag);
typedef struct chu_entity {
	size_t start, end;   /* bytes [start, end) of the text */
	uint32_t first;      /* index of its first word */
	uint32_t n_words;    /* how many words it spans */
	const char *type;    /* "PER", "LOC", "ORG", "MISC" (from the model), "DATE", "TIME", "MONEY",
	                        "PERCENT", "QUANTITY" (from rules); a static string or the model's */
} chu_entity;

/* The entities of one sentence's words (byte ranges into text, as for chu_tag): spans of the
 * model's BIO labels (ner_tags from chu_tag with model's CHU_TAGGER_NER, or NULL for none), and,
 * on words the model left outside any entity, rule-based DATE ("16/7", "ngày 16/7/2020", "năm
 * 2020", "tháng 7", "ngày 1.3.2025", ranges of days: "ngày 18 – 19/12/2024", "từ 18 đến
 * 19/12/2024" as "18 đến 19/12/2024"), TIME ("14:30", "9h30"), MONEY ("62.000 tỷ đồng"), PERCENT ("4,5%") and
 * QUANTITY (a number and a unit: "120 km", "3 tấn"). A rule entity that covers every word of a
 * model entity replaces it (a time is never a person: "Lúc 9h30, …"). *out is borrowed (valid
 * until the next call on ctx), in text order. */
CHU_API int chu_entities(chu_ctx *ctx, const char *text, const chu_span *words, size_t n, const chu_model *model,
                         const uint8_t *ner_tags, const chu_entity **out, size_t *n_out);

/* One sentence for chu_ner_consistent: its words (byte ranges into text) and the labels the
 * entity tagger gave them (chu_tag with a model's CHU_TAGGER_NER). */
typedef struct chu_ner_sentence {
	const char *text;
	const chu_span *words;
	size_t n;
	const uint8_t *tags;
} chu_ner_sentence;

/* Makes one sentence's entity labels agree with the rest of its document. s[0, n) are the
 * sentences around s[target] (chu's commands pass 30 either side; pass a window, not a whole
 * book: each call reads every entity of s and sorts them); out gets s[target].n labels:
 *  - a word sequence the tagger labelled as entities of different types takes, in s[target],
 *    the type it has most often in s (ties keep the tagger's);
 *  - an occurrence of a sequence labelled at least twice in s, with the same words (bytes), left
 *    outside any entity in s[target] and starting with a capital letter, is labelled with it.
 * out may be s[target].tags. On VLSP 2016 dev this adds about 0.9 F1 (README). */
CHU_API int chu_ner_consistent(chu_ctx *ctx, const chu_model *model, const chu_ner_sentence *s, size_t n, size_t target,
                               uint8_t *out);

/* The Universal Dependencies UPOS tag for a VLSP part-of-speech tag ("Np" → "PROPN"); "X" for an
 * unknown tag, NULL for NULL. */
CHU_API const char *chu_pos_upos(const char *tag);

/* ---- 6. diacritic restoration ------------------------------------------------------------ */

/* Restores the tone marks and letter modifiers of syllables written without any ("Thu truong Bo
 * Ngoai giao" → "Thứ trưởng Bộ Ngoại giao") with a model's accent restorer (models/accent.chm).
 * Only the letters of unmarked syllables change, each keeping its case; syllables with any mark,
 * syllables the model never saw, and everything that is not a syllable are copied as written, so
 * the output has the same tokens as text. Tone marks go where the ctx's tone style puts them.
 * *out is borrowed (valid until the next call on ctx). CHU_EINVAL when model has no restorer. */
CHU_API int chu_accent(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, const char **out,
                       size_t *out_len);

/* Sentences typed without marks. With a restorer set on ctx, chu_segment, chu_segment_tokens,
 * chu_tag and chu_annotate read a sentence of at least two syllables none of which carries a mark
 * (no tone, no ă â ê ô ơ ư đ) through the spelling chu_accent gives it: "Pham Minh Chinh noi"
 * is segmented and tagged as "Phạm Minh Chính nói" would be. Words, offsets and the text stay as
 * written; only the decisions change. A sentence with any mark is read as written. model
 * (borrowed) NULL turns it off (the default). CHU_EINVAL when model has no restorer. */
CHU_API int chu_ctx_set_accent(chu_ctx *ctx, const chu_model *model);
/* The same with the restorer fetched when it is first needed, so a program that never meets a
 * sentence without marks never loads it: get(ud, &model) is called once, on ctx's thread, when
 * the first such sentence comes; a negative status from it is returned by that call and every
 * later one that needs the restorer; a NULL model reads every sentence as written. get NULL
 * turns it off. */
typedef int (*chu_model_source)(void *ud, const chu_model **model);
CHU_API int chu_ctx_set_accent_source(chu_ctx *ctx, chu_model_source get, void *ud);

/* ---- 7. search keys ------------------------------------------------------------------------ */

enum chu_search_flags {
	CHU_SEARCH_QUERY = 1u << 0, /* text is a query: spellings of unmarked terms; see chu_search_keys() */
	CHU_SEARCH_PREFIX = 1u << 1, /* with CHU_SEARCH_QUERY: the term is a prefix ("nguye*") */
	CHU_SEARCH_AS_WRITTEN = 1u << 2 /* with CHU_SEARCH_QUERY: every unit as written, as after '=' */
};

/* Receives one key: key[0..key_len) (borrowed for the call) at bytes [start, end) of the original
 * text. colocated is non-zero when the key stands at the same position as the key before it (another
 * spelling of a query term, a whole word at its first syllable). A non-zero return stops. */
typedef int (*chu_search_fn)(void *ud, const char *key, size_t key_len, size_t start, size_t end, int colocated);

/* The keys a search index stores for text, in order: one key per unit — a run of letters, digits
 * and combining marks (anything else separates units: "62.000" and "TP.HCM" are two units each,
 * "9/7/2020" three) — its normalized form: NFC, tone marks in the ctx's style, lowercase, zero-width
 * characters dropped, invalid bytes as U+FFFD. With a segmentation model (may be NULL) and without
 * CHU_SEARCH_QUERY, each word of two or more syllables also gives its keys joined by '_'
 * ("phụ_nữ"), colocated with its first syllable.
 * With CHU_SEARCH_QUERY, text is a query: each term gives its key, and a term typed without marks
 * that can be a Vietnamese syllable also gives, colocated, every spelling that folds to it
 * (vowel groups Vietnamese writes, each tone; đ for d; with a stop coda only sắc and nặng), so
 * "phu nu" finds "phụ nữ" and "da nang" finds "Đà Nẵng". A term typed with marks gives only its
 * key, so it matches that spelling in either tone style ("hòa" finds "hoà") and not look-alikes
 * ("Đà Nẵng" does not find "đá nặng"). With CHU_SEARCH_PREFIX too, the spellings are those of a
 * prefix (any modifier, a tone on any one vowel; at most 96). Terms of more than seven letters and
 * words that cannot be one syllable ("covid") have no other spelling. A unit right after '='
 * ("=nam") is taken as written: its key only, even without marks (chu_query_compile writes every
 * word of a query typed with marks so); with CHU_SEARCH_AS_WRITTEN every unit is (for a caller
 * that reads the query's own syntax and hands its terms over one at a time: see
 * chu_query_marked()).
 * Returns CHU_ECALLBACK when fn stopped the walk. */
CHU_API int chu_search_keys(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, int flags,
                            chu_search_fn fn, void *ud);

/* Turns a question or a few words as people type them ("phu nu duoc bau vao quoc hoi bao nhieu
 * lan?") into an FTS5 MATCH expression that finds documents holding any of its terms, ranked by
 * how many and how rare: the normalized key of every unit, quoted, joined by OR. Question words
 * that say what is asked and not what about ("bao nhiêu", "gì", "ai", "ở đâu", "tại sao", a final
 * "không"/"chưa") are left out unless nothing else is left. When the query has no marks at all and
 * model (may be NULL) has an accent restorer (models/accent.chm), each unit's restored spelling is
 * added beside it ("phu" OR "phụ"): every spelling still matches, the likely one counts twice.
 * When the query has a mark, every key is written "=key": the query is taken as written.
 * *out is borrowed (valid until the next call on ctx); an empty string when the query has no
 * units. */
CHU_API int chu_search_query(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, const char **out,
                             size_t *out_len);

/* ---- 8. the query language ----------------------------------------------------------------- */

/* A query as people type it into a search box, compiled into FTS5 MATCH expressions for a table
 * whose tokenizer is chu's (ext/sqlite: tokenize = 'chu'). The language:
 *   words           ranked: the words as a phrase first, then near each other (within 10 words),
 *                   then all of them anywhere, then (unless CHU_QUERY_ALL) documents with most of
 *                   them, as for chu_search_query (question words left out): a question needs no
 *                   flag
 *   "a phrase"      the words in this order, side by side
 *   a OR b, a AND b, NOT a, -a, -"a phrase"   operators as FTS5 writes them (capitals); a query
 *                   with OR or AND is taken exactly as written (no looser tiers)
 *   prefix*         words that begin so
 *   title:x         x in the title (x a word or a "phrase")
 *   per:x org:x loc:x   entity filters, returned in chu_query.filters for the caller's index
 *   date:x          the document's date: a year, a month or a day (2020, 7/2020, 16/7/2020,
 *                   2020-07-16) or a range of them (2019..3/2020, 2020.. , ..2019), returned as a
 *                   filter whose text is the days it takes in, "2019-01-01..2020-03-31"
 *   =x              x as written, even without marks ("=nam" is not "năm")
 * Marks: when any word of the query carries a Vietnamese mark (a tone, ă â đ ê ô ơ ư), every word
 * is taken as written ("Quảng Nam": "nam" is not "năm"), and one more tier after the exact ones
 * finds look-alikes (the query folded: "đá nặng" for "Đà Nẵng"), with exact 0. A query without any
 * mark matches every spelling of its words. model (may be NULL) with a diacritics restorer adds
 * the likely spellings of an unmarked question's words to its loosest tier, and reads a query of
 * two or more plain words without marks (no operator, quote, field, prefix or '=') first as the
 * spelling the restorer gives it, as if typed with those marks — its phrase, near, all,
 * look-alike (every spelling) and most tiers —, then the most tier of every spelling: "da nang"
 * ranks "Đà Nẵng" above "đá nặng", and finds both; every tier's exact is 1, marked is 0. */
enum chu_query_flags {
	CHU_QUERY_ALL = 1u << 0 /* strict: only documents with every word (no "most of the words" tier) */
};
typedef struct chu_query_tier {
	const char *match; /* an FTS5 MATCH expression */
	const char *name;  /* "phrase", "near", "all", "look-alike" or "most" */
	int exact;         /* 1: its hits match the query's spelling; 0: look-alikes */
} chu_query_tier;
typedef struct chu_query_filter {
	const char *field; /* "per", "org", "loc" or "date" */
	const char *text;  /* the entity as typed; for date, "YYYY-MM-DD..YYYY-MM-DD" */
	int neg;           /* -per:x: documents without it */
} chu_query_filter;
typedef struct chu_query {
	const chu_query_tier *tiers;     /* best first: run each, leave out hits an earlier tier gave */
	size_t n_tiers;
	const chu_query_filter *filters; /* every hit must pass all of them */
	size_t n_filters;
	const char *error;               /* with CHU_ESYNTAX: what is wrong, for the user */
	int marked;                      /* a word of the query carries a Vietnamese mark: as written */
} chu_query;

/* Non-zero when the query text carries a Vietnamese mark in any unit (a letter outside ASCII): the
 * rule by which chu_query_compile takes every word of a query as written. A caller that parses a
 * query language of its own (ext/postgres reads PostgreSQL's websearch syntax) asks this of the
 * whole query, then passes CHU_SEARCH_AS_WRITTEN to chu_search_keys() for each of its terms. */
CHU_API int chu_query_marked(const char *text, size_t len);

/* Compiles text into *out (borrowed: valid until the next call on ctx). CHU_ESYNTAX, with
 * out->error set, for a query that does not parse (an unbalanced quote, an unknown field:, OR
 * without a term on a side, nothing to look for). */
CHU_API int chu_query_compile(chu_ctx *ctx, const chu_model *model, const char *text, size_t len, int flags,
                              chu_query *out);

/* ---- 9. the whole pipeline ------------------------------------------------------------------ */

/* What chu_annotate runs. Every model may be NULL: without seg each token is a word, without pos
 * words have no part of speech, without ner the entities are the rule-based ones only. */
typedef struct chu_annotate_options {
	const chu_model *seg;  /* word segmenter (models/seg.chm) */
	const chu_model *pos;  /* part-of-speech tagger (models/pos.chm) */
	const chu_model *ner;  /* entity tagger (models/ner.chm); its labels are made consistent with
	                        * the window sentences either side (chu_ner_consistent) */
	size_t window;         /* chu_annotate_options_init: 30, as the commands */
	int keep_boilerplate;  /* non-zero: no chu_clean, every token is kept */
} chu_annotate_options;

CHU_API void chu_annotate_options_init(chu_annotate_options *opts);

typedef struct chu_annotated_word {
	size_t start, end;     /* bytes of the text */
	const char *pos;       /* its part-of-speech name ("Np"), NULL without a pos model */
	const char *upos;      /* chu_pos_upos(pos) */
} chu_annotated_word;

typedef struct chu_annotated_sentence {
	size_t start, end;             /* bytes of the text: its first token's start, last token's end */
	size_t first_token, n_tokens;  /* into chu_annotation.tokens */
	size_t first_word, n_words;    /* into chu_annotation.words */
	size_t first_entity, n_entities; /* into chu_annotation.entities */
} chu_annotated_sentence;

typedef struct chu_annotation {
	const chu_annotated_sentence *sentences;
	size_t n_sentences;
	const chu_token *tokens;       /* the kept tokens (boilerplate left out), offsets into the text */
	size_t n_tokens;
	const chu_annotated_word *words;
	size_t n_words;
	const chu_entity *entities;    /* in text order; first is an index into words (of the document) */
	size_t n_entities;
	const char *url;               /* the article's source URL line (chu_clean's metadata): url_len
	                                * bytes of the text, no line end; NULL when it has none */
	size_t url_len;
} chu_annotation;

/* One document through the pipeline of `chu annotate`: boilerplate lines and spans dropped
 * (chu_clean), tokens, sentences, words, parts of speech and entities (the model's, made
 * consistent over the document, and the rule-based dates, times, amounts). Offsets are into text
 * as given (not cleaned or normalized). *out's arrays are borrowed: valid until the next
 * chu_annotate on ctx (other calls on ctx leave them alone). */
CHU_API int chu_annotate(chu_ctx *ctx, const chu_annotate_options *opts, const char *text, size_t len,
                         chu_annotation *out);

/* *a (chu_annotate's on text) as JSON lines, byte for byte what `chu annotate --format jsonl`
 * prints for a file named doc (doc_len bytes) holding text: one line a sentence,
 * {"doc","url" (when a has one),"sentence","start","end","text","tokens","words","entities"},
 * offsets in bytes of text, texts normalized (chu_norm_span), every line ending in "\n".
 * *out (NUL-terminated, *out_len bytes; "" for no sentences) is borrowed: valid until the next
 * chu_annotation_jsonl on ctx (a's arrays are left alone). */
CHU_API int chu_annotation_jsonl(chu_ctx *ctx, const char *doc, size_t doc_len, const char *text,
                                 const chu_annotation *a, const char **out, size_t *out_len);

/* ---- 10. searching an index ------------------------------------------------------------------ */

/* An index made by `chu index` (an SQLite file: docs, docs_fts with chu's tokenizer, entities),
 * opened read-only. A handle is for one thread at a time; threads open their own (they share the
 * file, and each sees what chu index commits meanwhile). */
typedef struct chu_index chu_index;

/* Opens the index at path. accent (may be NULL) is a model with a diacritics restorer: queries
 * without marks then also look for their likely spelling (see chu_search_query), and results say
 * what it is. *out is set whenever it could be allocated, also on failure, so that
 * chu_index_error() can say what is wrong: close it in either case. CHU_EIO when the file cannot
 * be read; CHU_EFORMAT when it is not a chu index or is damaged (cut short). An index in WAL mode
 * beside which this user may not write is read as the file is (no later changes seen). */
CHU_API int chu_index_open(const char *path, const chu_model *accent, chu_index **out);
CHU_API void chu_index_close(chu_index *ix);
/* What went wrong in the last call on ix that failed, for the user; "" after success. */
CHU_API const char *chu_index_error(const chu_index *ix);
/* A search or get on ix that runs longer than ms milliseconds stops with CHU_ETIMEOUT (0, the
 * default: no limit). */
CHU_API void chu_index_set_time_limit(chu_index *ix, unsigned ms);

enum chu_index_mode {
	CHU_INDEX_RANKED = 0, /* chu_query_compile's tiers: phrase, near, all words, look-alikes, most words */
	CHU_INDEX_ALL = 1,    /* only documents with every word (CHU_QUERY_ALL) */
	CHU_INDEX_ANY = 2     /* the text as loose words: any of them, ranked (chu_search_query) */
};

typedef struct chu_index_request {
	const char *query;                /* the query language of chu_query_compile; may be empty when */
	size_t query_len;                 /* filters are given: then documents by date, newest first */
	int mode;                         /* enum chu_index_mode */
	size_t limit, offset;             /* hits to return, after skipping offset (init: 10, 0) */
	const chu_query_filter *filters;  /* beside the query's own: field "per", "org", "loc" (text an */
	size_t n_filters;                 /* entity), or "date" (text as after date:, "2023-05..2023-06") */
	int facets;                       /* non-zero: facets and months over the first facet_hits hits */
	size_t facet_hits;                /* init: 1000 */
	const char *const *facet_kinds;   /* the kinds facets count, NULL-terminated ("per", "org", */
} chu_index_request;                  /* "loc", NULL); NULL: every kind */

CHU_API void chu_index_request_init(chu_index_request *req);

typedef struct chu_index_hit {
	int64_t rowid;              /* the document's row (docs.id) */
	const char *id;             /* the document's id as chu index was given it */
	const char *source;         /* the file it came from, as found; NULL when not known */
	const char *title, *url, *date; /* url, date: NULL when the document has none */
	double score;               /* bm25, higher is better */
	int exact;                  /* 0: a look-alike (another spelling than the query's) */
	const char *match;          /* the tier it came from: "phrase", …, "most"; "filter" without words */
	const char *snippet;        /* a piece of the body around the matches, plain text */
	size_t snippet_len;
	const size_t *marks;        /* n_marks [start, end) byte pairs into snippet: the matched words */
	size_t n_marks;
} chu_index_hit;

typedef struct chu_index_facet {
	const char *kind;           /* the entity kind as stored: "per", "org", "loc", "misc", "date", … */
	const char *text;           /* as written: of its spellings, one not in capitals, the least */
	size_t count;               /* hits that mention it */
} chu_index_facet;

typedef struct chu_index_month {
	char month[8];              /* "2023-05" */
	size_t count;
} chu_index_month;

typedef struct chu_index_results {
	size_t total;               /* documents that match (every tier, after the filters) */
	const chu_index_hit *hits;  /* best first: hits offset.. of them, at most limit */
	size_t n_hits;
	const chu_index_facet *facets; /* by kind (alphabetical), then count: the 10 commonest a kind */
	size_t n_facets;
	const chu_index_month *months; /* the facet hits by month of their date, ascending */
	size_t n_months;
	size_t facets_over;         /* how many hits facets and months count */
	int marked;                 /* the query carries a Vietnamese mark: taken as written */
	const char *likely;         /* a query without marks: its likely spelling, when the accent
	                             * model knows one that differs; else NULL */
	const chu_query_filter *filters; /* every filter applied: the query's, then the request's */
	size_t n_filters;
} chu_index_results;

/* Runs req on ix. *out's arrays and strings are borrowed until the next chu_index_search or
 * chu_index_close on ix. CHU_ESYNTAX for a query that does not parse, CHU_EINVAL for a bad
 * request (an unknown filter field, a date that does not read), CHU_EFORMAT when a returned hit's
 * row is missing or its text does not match the checksum chu index stored (the index is damaged),
 * CHU_EIO when SQLite fails; chu_index_error() says what. ctx does the query work. */
CHU_API int chu_index_search(chu_index *ix, chu_ctx *ctx, const chu_index_request *req, chu_index_results *out);

typedef struct chu_index_doc {
	int64_t rowid;
	const char *id, *source, *title, *url, *date; /* source, url, date may be NULL */
	const char *body;
	size_t title_len, body_len;
} chu_index_doc;

/* The document whose id is id[0, len) (the first, when two files gave the same id): 1 and *out
 * (borrowed until the next call on ix), or 0 when there is none; < 0 on error, CHU_EFORMAT when
 * its text does not match its checksum. */
CHU_API int chu_index_get(chu_index *ix, const char *id, size_t len, chu_index_doc *out);
/* How many documents ix holds, into *n. */
CHU_API int chu_index_count(chu_index *ix, int64_t *n);
/* 1 when another connection (chu index) committed changes since the last call on ix (the first
 * call: 0), 0 when not, < 0 on error. For caches of results. */
CHU_API int chu_index_changed(chu_index *ix);

/* ---- memory -------------------------------------------------------------------------------- */

/* Frees memory that a chu_ function documents as "caller frees with chu_free()". */
CHU_API void chu_free(const chu_ctx *ctx, void *ptr);

#ifdef __cplusplus
}
#endif
#endif /* CHU_H */
