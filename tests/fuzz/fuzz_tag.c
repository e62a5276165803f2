/*
 * fuzz_tag.c — parts of speech (models/pos.chm holds that tagger) and named entities
 * (models/ner.chm), the entities chu_entities finds, and chu_ner_consistent.
 *
 * Input: a mode byte, then the text. The words come from chu_segment with models/seg.chm, cut into
 * sentences at CHU_TOKEN_SENTENCE_END (mode bit 0 clear), or are the runs between spaces of the
 * whole text, as one sentence (bit 0 set: any bytes, '_' inside words). Bit 1 gives the entity
 * tagger no part-of-speech names; bit 2 gives it made-up ones; bit 3 reads a sentence without
 * marks through models/accent.chm (chu_ctx_set_accent). At most four sentences. Checks:
 *  - chu_tag succeeds and every label is below chu_tag_count, and named (chu_tag_name);
 *  - chu_entities (with the entity labels, and with rules alone): each entity spans words
 *    inside the sentence, runs from its first word's start to its last word's end, has one of
 *    the types chu.h lists, and entities come in text order without overlapping;
 *  - chu_ner_consistent over the sentences gives labels below chu_tag_count, the same when out
 *    is the sentence's own labels;
 *  - each file holds its tagger: pos.chm no entity tagger, ner.chm no part-of-speech tagger,
 *    and asking for a missing one is CHU_EINVAL.
 */
#include "fuzz.h"

#define MAX_SENTENCES 4

static chu_model *seg, *pos, *ner, *acc;
static chu_ctx *ctx, *seg_ctx;

static void check_entities(const chu_entity *e, size_t ne, const chu_span *w, size_t n, size_t len)
{
	size_t next = 0;
	for (size_t i = 0; i < ne; i++) {
		FUZZ_CHECK(e[i].n_words >= 1 && e[i].first < n && e[i].n_words <= n - e[i].first,
		           "entity %zu: words %u + %u of %zu", i, e[i].first, e[i].n_words, n);
		FUZZ_CHECK(e[i].first >= next, "entity %zu starts at word %u, inside the one before (to %zu)", i, e[i].first,
		           next);
		FUZZ_CHECK(e[i].start == w[e[i].first].start && e[i].end == w[e[i].first + e[i].n_words - 1].end &&
		               e[i].end <= len,
		           "entity %zu [%zu, %zu) is not its words' bytes", i, e[i].start, e[i].end);
		FUZZ_CHECK(e[i].type && e[i].type[0], "entity %zu has no type", i);
		static const char *const types[] = {"PER", "LOC", "ORG", "MISC", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY"};
		bool known = false;
		for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
			known |= strcmp(e[i].type, types[k]) == 0;
		FUZZ_CHECK(known, "entity %zu has the type '%s'", i, e[i].type);
		next = e[i].first + e[i].n_words;
	}
}

static void check_labels(const chu_model *m, int tagger, const uint8_t *tags, size_t n, const char *what)
{
	int K = chu_tag_count(m, tagger);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(tags[i] < K && chu_tag_name(m, tagger, tags[i]), "%s: word %zu has label %u of %d", what, i,
		           tags[i], K);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!seg) {
		seg = fuzz_model("seg.chm"), pos = fuzz_model("pos.chm"), ner = fuzz_model("ner.chm");
		acc = fuzz_model("accent.chm");
		ctx = fuzz_ctx(0), seg_ctx = fuzz_ctx(0);
		FUZZ_CHECK(chu_tag_count(pos, CHU_TAGGER_POS) > 0 && chu_tag_count(ner, CHU_TAGGER_NER) > 0,
		           "pos.chm or ner.chm lacks its tagger");
		FUZZ_CHECK(chu_tag_count(pos, CHU_TAGGER_NER) == 0 && chu_tag_count(ner, CHU_TAGGER_POS) == 0,
		           "a model file holds the other tagger too: the harness would fuzz the wrong one");
		uint8_t t;
		chu_span sp = {0, 1};
		FUZZ_CHECK(chu_tag(ctx, pos, CHU_TAGGER_NER, "x", &sp, 1, NULL, &t) == CHU_EINVAL,
		           "an entity tagger asked of pos.chm is not CHU_EINVAL");
		FUZZ_CHECK(chu_tag(ctx, seg, CHU_TAGGER_POS, "x", &sp, 1, NULL, &t) == CHU_EINVAL,
		           "a part-of-speech tagger asked of seg.chm is not CHU_EINVAL");
	}
	fuzz_input in = {data, size};
	unsigned mode = fuzz_byte(&in);
	FUZZ_CHECK(chu_ctx_set_accent(ctx, mode & 8 ? acc : NULL) == CHU_OK &&
	               chu_ctx_set_accent(seg_ctx, mode & 8 ? acc : NULL) == CHU_OK,
	           "chu_ctx_set_accent");
	const char *text = (const char *)in.p;
	size_t len = in.n;

	/* the words, and where each sentence starts among them */
	chu_span *w = malloc((len + 1) * sizeof *w);
	size_t sent[MAX_SENTENCES + 1], ns = 0, n = 0;
	if (!w)
		abort();
	sent[0] = 0;
	if (mode & 1) {
		for (size_t i = 0; i < len;) {
			while (i < len && text[i] == ' ')
				i++;
			size_t a = i;
			while (i < len && text[i] != ' ')
				i++;
			if (i > a)
				w[n++] = (chu_span){a, i};
		}
		if (n)
			sent[++ns] = n;
	} else {
		const chu_word *sw = NULL;
		size_t nw = 0;
		if (chu_segment(seg_ctx, seg, text, len, &sw, &nw) != CHU_OK)
			nw = 0;
		for (size_t i = 0; i < nw && ns < MAX_SENTENCES; i++) {
			w[n++] = (chu_span){sw[i].start, sw[i].end};
			if ((sw[i].flags & CHU_TOKEN_SENTENCE_END) || i + 1 == nw)
				sent[++ns] = n;
		}
	}

	uint8_t *ptag = malloc(n + 1), *ntag = malloc(n + 1), *out = malloc(n + 1);
	const char **names = malloc((n + 1) * sizeof *names);
	chu_ner_sentence *s = malloc((ns + 1) * sizeof *s);
	if (!ptag || !ntag || !out || !names || !s)
		abort();
	static const char *const made_up[] = {"Np", "", "N", "zzz", "V", "Nc", "CH", "Ny"};
	for (size_t k = 0; k < ns; k++) {
		const chu_span *sw = w + sent[k];
		size_t m = sent[k + 1] - sent[k];
		int rc = chu_tag(ctx, pos, CHU_TAGGER_POS, text, sw, m, NULL, ptag + sent[k]);
		FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM, "chu_tag POS: %s", chu_strerror(rc));
		if (rc < 0)
			goto done;
		check_labels(pos, CHU_TAGGER_POS, ptag + sent[k], m, "POS");
		for (size_t i = 0; i < m; i++) {
			names[sent[k] + i] = (mode & 4) ? made_up[(i + mode) % 8] : chu_tag_name(pos, CHU_TAGGER_POS, ptag[sent[k] + i]);
			FUZZ_CHECK(chu_pos_upos(names[sent[k] + i]) != NULL, "chu_pos_upos(%s) is NULL", names[sent[k] + i]);
		}
		rc = chu_tag(ctx, ner, CHU_TAGGER_NER, text, sw, m, (mode & 2) ? NULL : names + sent[k], ntag + sent[k]);
		FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM, "chu_tag NER: %s", chu_strerror(rc));
		if (rc < 0)
			goto done;
		check_labels(ner, CHU_TAGGER_NER, ntag + sent[k], m, "NER");

		const chu_entity *e = NULL;
		size_t ne = 0;
		rc = chu_entities(ctx, text, sw, m, ner, ntag + sent[k], &e, &ne);
		FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM, "chu_entities: %s", chu_strerror(rc));
		if (rc == CHU_OK)
			check_entities(e, ne, sw, m, len);
		rc = chu_entities(ctx, text, sw, m, NULL, NULL, &e, &ne);
		FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM, "chu_entities (rules): %s", chu_strerror(rc));
		if (rc == CHU_OK)
			check_entities(e, ne, sw, m, len);
		s[k] = (chu_ner_sentence){text, sw, m, ntag + sent[k]};
	}
	for (size_t k = 0; k < ns; k++) {
		int rc = chu_ner_consistent(ctx, ner, s, ns, k, out);
		FUZZ_CHECK(rc == CHU_OK || rc == CHU_ENOMEM, "chu_ner_consistent: %s", chu_strerror(rc));
		if (rc != CHU_OK)
			continue;
		check_labels(ner, CHU_TAGGER_NER, out, s[k].n, "chu_ner_consistent");
		/* out may be s[target].tags: in place, the same labels */
		uint8_t *mine = ntag + sent[k];
		uint8_t *keep = malloc(s[k].n + 1);
		if (!keep)
			abort();
		memcpy(keep, mine, s[k].n);
		if (chu_ner_consistent(ctx, ner, s, ns, k, mine) == CHU_OK)
			FUZZ_CHECK(memcmp(mine, out, s[k].n) == 0, "chu_ner_consistent in place differs, sentence %zu", k);
		memcpy(mine, keep, s[k].n);
		free(keep);
	}
done:
	free(w), free(ptag), free(ntag), free(out), free(names), free(s);
	return 0;
}
