/*
 * fuzz_dict.c — chu_dict_load on any bytes, then segmenting with the dictionary set.
 *
 * Input: a split byte, then the rest: its first part (split/255 of it) is the dictionary file,
 * written to a memfd and loaded through /proc/self/fd/N, the other part the text to segment with
 * models/seg.chm. Checks: chu_dict_load gives CHU_OK or CHU_ENOMEM (a dictionary is any text: one
 * word a line) and a dictionary on CHU_OK only; with it set, chu_segment's words still cover
 * exactly the tokens of the text (fuzz_seg.h) and chu_segment_tokens keeps join[last] = 0;
 * the dictionary's lines as text segment too (its words are then found).
 */
#include "fuzz_seg.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static chu_model *model;
	static chu_ctx *ctx, *tok;
	static int fd = -1;
	static char path[64];
	if (!model) {
		model = fuzz_model("seg.chm");
		ctx = fuzz_ctx(0), tok = fuzz_ctx(0);
		fd = memfd_create("chu-fuzz-dict", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz: memfd_create");
			exit(2);
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	fuzz_input in = {data, size};
	unsigned split = fuzz_byte(&in);
	size_t dlen = in.n * split / 255;
	const char *dict_text = (const char *)in.p, *text = (const char *)in.p + dlen;
	size_t len = in.n - dlen;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, dict_text, dlen, 0) != (ssize_t)dlen) {
		perror("fuzz: memfd");
		exit(2);
	}
	chu_dict *d = NULL;
	int rc = chu_dict_load(path, &d);
	if (rc == CHU_ENOMEM)
		return 0;
	FUZZ_CHECK(rc == CHU_OK && d, "chu_dict_load: %s", chu_strerror(rc));
	FUZZ_CHECK(chu_ctx_set_dict(ctx, d) == CHU_OK, "chu_ctx_set_dict failed");

	const chu_word *w = NULL;
	size_t nw = 0;
	if (chu_segment(ctx, model, text, len, &w, &nw) == CHU_OK)
		fuzz_check_words(tok, text, len, w, nw);
	if (chu_segment(ctx, model, dict_text, dlen, &w, &nw) == CHU_OK)
		fuzz_check_words(tok, dict_text, dlen, w, nw);

	const chu_token *t = NULL;
	size_t nt = 0;
	if (chu_tokenize(tok, dict_text, dlen, &t, &nt) == CHU_OK && nt > 0) {
		chu_span *sp = malloc(nt * sizeof *sp);
		unsigned char *join = malloc(nt);
		if (!sp || !join)
			abort();
		for (size_t i = 0; i < nt; i++)
			sp[i] = (chu_span){t[i].start, t[i].end};
		if (chu_segment_tokens(ctx, model, dict_text, sp, nt, join) == CHU_OK) {
			for (size_t i = 0; i < nt; i++)
				FUZZ_CHECK(join[i] <= 1, "join[%zu] = %u", i, join[i]);
			FUZZ_CHECK(join[nt - 1] == 0, "join[last] = %u", join[nt - 1]);
		}
		free(sp);
		free(join);
	}
	chu_ctx_set_dict(ctx, NULL);
	chu_dict_free(d);
	return 0;
}
