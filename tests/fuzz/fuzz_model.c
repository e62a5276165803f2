/*
 * fuzz_model.c — chu_model_open on corrupt files, then the model in use.
 *
 * At start the harness trains five tiny models from corpora written here (a segmenter, word
 * classes, a part-of-speech tagger that reads them, an entity tagger, an accent restorer) with
 * the library's own trainers, and keeps their bytes. Input: a mode byte, then the rest.
 *  - (mode & 0x7F) % 6 == 0: the rest is the file, with its header mended so the section parsers are
 *    reached: magic, version, state, sanity values, file size and — unless mode bit 7 — checksum
 *    (src/model.c: offsets 0-48);
 *  - (mode & 0x7F) % 6 == 1..5: tiny model number that - 1, edited by the rest, 5-byte records
 *    {op, offset (3 bytes, modulo the size), value}: op % 4 = 0 xor a byte, 1 set a byte, 2 write
 *    the u64 value at an 8-byte boundary (section offsets and sizes), 3 write UINT64_MAX - value
 *    there; op bit 7 truncates the file at the offset. Then size and checksum are mended unless
 *    mode bit 7 (so truncations and flips also meet the checksum).
 * The file goes to a memfd, opened as /proc/self/fd/N. Checks: chu_model_open gives CHU_OK,
 * CHU_EFORMAT or CHU_EVERSION (never a crash, ASan watching); an unmended checksum of a changed
 * file is never CHU_OK; a model that opens is used — segmenting, both taggers, entities, accent
 * restoration and search keys on a fixed text — and its label names are NUL-terminated within
 * their 16 bytes, and its labels are below chu_tag_count.
 */
#include "fuzz.h"
#include "internal.h"

#include <sys/mman.h>
#include <unistd.h>

#define N_TINY 5

static unsigned char *tiny[N_TINY];
static size_t tiny_len[N_TINY];
static int memfd = -1;
static char memfd_path[64];
static chu_ctx *ctx;

static const char *const seg_corpus =
	"Học_sinh đi học ở trường làng .\n"
	"Giáo_viên dạy học_sinh đọc sách .\n"
	"Thư_viện mở cửa buổi sáng .\n"
	"Bộ Ngoại_giao tổ_chức họp_báo tại Hà_Nội .\n"
	"Ông Nguyễn_Văn_An nói về kinh_tế Việt_Nam .\n"
	"Giá xăng tăng 5 % trong tháng 7 .\n";

static const char *const pos_corpus =
	"Học_sinh\tN\nđi\tV\nhọc\tV\nở\tE\ntrường\tN\nlàng\tN\n.\tCH\n\n"
	"Ông\tNc\nAn\tNp\nnói\tV\nvề\tE\nkinh_tế\tN\nViệt_Nam\tNp\n.\tCH\n\n"
	"Giá\tN\nxăng\tN\ntăng\tV\n5\tM\n%\tNu\n.\tCH\n\n";

static const char *const ner_corpus =
	"Ông\tO\nNguyễn\tB-PER\nVăn\tI-PER\nAn\tI-PER\nđến\tO\nHà\tB-LOC\nNội\tI-LOC\n.\tO\n\n"
	"Bộ\tB-ORG\nNgoại\tI-ORG\ngiao\tI-ORG\nhọp\tO\nbáo\tO\n.\tO\n\n"
	"Bà\tO\nLan\tB-PER\nsống\tO\nở\tO\nHuế\tB-LOC\n.\tO\n\n";

static const char *const plain_corpus =
	"Thứ trưởng Bộ Ngoại giao tiếp đại sứ Nhật Bản tại Hà Nội.\n"
	"Học sinh đi học ở trường làng vào buổi sáng.\n"
	"Giá xăng tăng mạnh trong tháng bảy, người dân lo lắng.\n"
	"Ông An nói về kinh tế Việt Nam và phụ nữ nông thôn.\n"
	"Bạn bán bàn cho ban quản lý, má mua ma mà mạ non.\n";

static const char *const use_text =
	"Thu truong Bo Ngoai giao Nguyễn Văn An đến Hà Nội ngày 16/7/2020. Giá xăng tăng 4,5% (62.000 tỷ đồng).";

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(s, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "fuzz: cannot write %s\n", path);
		exit(2);
	}
}

static unsigned char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)len + 1);
	if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return b;
}

/* Trains the tiny models in a temporary directory and keeps their bytes. */
static void train_tiny(void)
{
	char dir[] = "/tmp/chu-fuzz-model-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("fuzz: mkdtemp");
		exit(2);
	}
	char p[7][128];
	const char *names[7] = {"seg.txt", "pos.tsv", "ner.tsv", "plain.txt", "seg.chm", "clusters.chm", "pos.chm"};
	for (int i = 0; i < 7; i++)
		snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
	write_file(p[0], seg_corpus);
	write_file(p[1], pos_corpus);
	write_file(p[2], ner_corpus);
	/* the accent trainer keeps forms seen twice or more: the plain text three times over */
	char plain3[4096];
	snprintf(plain3, sizeof plain3, "%s%s%s", plain_corpus, plain_corpus, plain_corpus);
	write_file(p[3], plain3);
	char out[N_TINY][128];
	const char *outs[N_TINY] = {"seg.chm", "clusters.chm", "pos.chm", "ner.chm", "accent.chm"};
	for (int i = 0; i < N_TINY; i++)
		snprintf(out[i], sizeof out[i], "%s/%s", dir, outs[i]);

	const char *seg_train[] = {p[0]};
	chu__train_seg_opts so = {0};
	so.train = seg_train, so.n_train = 1, so.out = out[0], so.epochs = 5, so.seed = 7;
	int rc = chu__train_seg(&so);
	chu_model *seg = NULL, *clusters = NULL, *pos = NULL;
	if (rc == CHU_OK)
		rc = chu_model_open(out[0], &seg);
	chu__train_tag_opts to = {0};
	to.corpus = p[3], to.out = out[1];
	if (rc == CHU_OK)
		rc = chu__train_clusters(&to, seg, 4, 2);
	if (rc == CHU_OK)
		rc = chu_model_open(out[1], &clusters);
	const char *pos_train[] = {p[1]}, *ner_train[] = {p[2]};
	memset(&to, 0, sizeof to);
	to.task = CHU_TAGGER_POS, to.train = pos_train, to.n_train = 1, to.out = out[2], to.epochs = 3, to.seed = 7;
	to.clusters = clusters;
	if (rc == CHU_OK)
		rc = chu__train_tag(&to);
	if (rc == CHU_OK)
		rc = chu_model_open(out[2], &pos);
	memset(&to, 0, sizeof to);
	to.task = CHU_TAGGER_NER, to.train = ner_train, to.n_train = 1, to.out = out[3], to.epochs = 3, to.seed = 7;
	to.pos_model = pos;
	if (rc == CHU_OK)
		rc = chu__train_tag(&to);
	memset(&to, 0, sizeof to);
	to.task = CHU__TAGGER_ACCENT, to.corpus = p[3], to.out = out[4], to.epochs = 2, to.seed = 7;
	if (rc == CHU_OK)
		rc = chu__train_accent(&to);
	if (rc != CHU_OK) {
		fprintf(stderr, "fuzz: training the tiny models: %s\n", chu_strerror(rc));
		exit(2);
	}
	chu_model_close(seg), chu_model_close(clusters), chu_model_close(pos);
	for (int i = 0; i < N_TINY; i++) {
		tiny[i] = read_file(out[i], &tiny_len[i]);
		chu_model *m = NULL;
		if (!tiny[i] || chu_model_open(out[i], &m) != CHU_OK) {
			fprintf(stderr, "fuzz: the tiny model %s does not open\n", out[i]);
			exit(2);
		}
		chu_model_close(m);
		const char *dump = getenv("CHU_FUZZ_DUMP_MODELS");
		if (dump) { /* seeds (tests/fuzz/make-corpus.py): each tiny file after mode byte 0 */
			char seed[4200];
			snprintf(seed, sizeof seed, "%s/raw-%s", dump, outs[i]);
			FILE *f = fopen(seed, "wb");
			if (!f || fputc(0, f) == EOF || fwrite(tiny[i], 1, tiny_len[i], f) != tiny_len[i] || fclose(f) != 0) {
				fprintf(stderr, "fuzz: cannot write %s\n", seed);
				exit(2);
			}
		}
		remove(out[i]);
	}
	for (int i = 0; i < 4; i++)
		remove(p[i]);
	rmdir(dir);
}

static void wr64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Mends the header of f[0..n): magic, version, state, sanity values, size, and the checksum. */
static void mend(unsigned char *f, size_t n, bool checksum)
{
	if (n < 56)
		return;
	memcpy(f, "CHUMODEL", 8);
	f[8] = CHU__MODEL_VERSION, f[9] = f[10] = f[11] = 0;
	f[12] = 1, f[13] = f[14] = f[15] = 0;
	f[16] = 4, f[17] = 3, f[18] = 2, f[19] = 1, f[20] = 6, f[21] = 5, f[22] = 8, f[23] = 0;
	double d = 1.5;
	memcpy(f + 24, &d, 8);
	wr64(f + 32, n);
	if (checksum)
		wr64(f + 40, chu__model_sum(f + 48, n - 48));
}

/* Uses an open model on a fixed text; its labels must be in range. */
static int on_key(void *ud, const char *key, size_t key_len, size_t start, size_t end, int colocated)
{
	(void)ud, (void)key, (void)key_len, (void)start, (void)end, (void)colocated;
	return 0;
}

static void use(const chu_model *m)
{
	size_t len = strlen(use_text);
	const chu_word *w = NULL;
	size_t nw = 0;
	chu_span sp[64];
	size_t n = 0;
	if (chu_segment(ctx, m, use_text, len, &w, &nw) == CHU_OK) {
		for (size_t i = 0; i < nw && n < 64; i++)
			sp[n++] = (chu_span){w[i].start, w[i].end};
	} else {
		const chu_token *t = NULL;
		size_t nt = 0;
		if (chu_tokenize(ctx, use_text, len, &t, &nt) == CHU_OK)
			for (size_t i = 0; i < nt && n < 64; i++)
				sp[n++] = (chu_span){t[i].start, t[i].end};
	}
	uint8_t tags[64], ner[64];
	const char *names[64];
	for (int tagger = CHU_TAGGER_POS; tagger <= CHU_TAGGER_NER; tagger++) {
		int K = chu_tag_count(m, tagger);
		FUZZ_CHECK(K >= 0 && K <= 255, "tagger %d has %d labels", tagger, K);
		for (int k = 0; k < K; k++) {
			const char *name = chu_tag_name(m, tagger, k);
			FUZZ_CHECK(name && memchr(name, 0, 16), "tagger %d label %d has no NUL-terminated name", tagger, k);
		}
		if (K == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			names[i] = "Np";
		uint8_t *out = tagger == CHU_TAGGER_POS ? tags : ner;
		if (chu_tag(ctx, m, tagger, use_text, sp, n, tagger == CHU_TAGGER_NER ? names : NULL, out) == CHU_OK)
			for (size_t i = 0; i < n; i++)
				FUZZ_CHECK(out[i] < K, "tagger %d: word %zu has label %u of %d", tagger, i, out[i], K);
		if (tagger == CHU_TAGGER_NER) {
			const chu_entity *e = NULL;
			size_t ne = 0;
			chu_entities(ctx, use_text, sp, n, m, ner, &e, &ne);
			chu_ner_sentence s = {use_text, sp, n, ner};
			chu_ner_consistent(ctx, m, &s, 1, 0, ner);
		}
	}
	const char *out = NULL;
	size_t out_len = 0;
	chu_accent(ctx, m, use_text, len, &out, &out_len);
	chu_search_keys(ctx, m, use_text, len, 0, on_key, NULL);
	chu_search_query(ctx, m, "thu truong bo ngoai giao o dau", 30, &out, &out_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ctx) {
		train_tiny();
		ctx = fuzz_ctx(0);
		memfd = memfd_create("chu-fuzz-model", MFD_CLOEXEC);
		if (memfd < 0) {
			perror("fuzz: memfd_create");
			exit(2);
		}
		snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
	}
	fuzz_input in = {data, size};
	unsigned mode = fuzz_byte(&in);
	bool fix_sum = !(mode & 0x80);
	unsigned char *f;
	size_t n;
	bool changed = false;
	int which = (int)(mode & 0x7F) % 6;
	if (which == 0) {
		n = in.n;
		f = malloc(n + 1);
		if (!f)
			abort();
		memcpy(f, in.p, n);
		mend(f, n, fix_sum);
	} else {
		int k = which - 1;
		n = tiny_len[k];
		f = malloc(n + 1);
		if (!f)
			abort();
		memcpy(f, tiny[k], n);
		while (in.n >= 5 && n > 0) {
			unsigned op = fuzz_byte(&in);
			size_t off = fuzz_byte(&in);
			off |= (size_t)fuzz_byte(&in) << 8;
			off |= (size_t)fuzz_byte(&in) << 16;
			unsigned val = fuzz_byte(&in);
			off %= n;
			if (op & 0x80) {
				n = off;
				continue;
			}
			switch (op % 4) {
			case 0: f[off] ^= (unsigned char)(val ? val : 1); break;
			case 1: f[off] = (unsigned char)val; break;
			case 2:
			case 3:
				off &= ~(size_t)7;
				if (off + 8 <= n)
					wr64(f + off, op % 4 == 2 ? val : UINT64_MAX - val);
				break;
			}
		}
		changed = n != tiny_len[k] || memcmp(f, tiny[k], n) != 0;
		if (fix_sum)
			mend(f, n, true);
	}
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, f, n, 0) != (ssize_t)n) {
		perror("fuzz: memfd");
		exit(2);
	}
	chu_model *m = NULL;
	int rc = chu_model_open(memfd_path, &m);
	FUZZ_CHECK(rc == CHU_OK || rc == CHU_EFORMAT || rc == CHU_EVERSION || rc == CHU_ENOMEM,
	           "chu_model_open: %s", chu_strerror(rc));
	FUZZ_CHECK(rc != CHU_OK || fix_sum || !changed, "a changed file of %zu bytes opened with its old checksum", n);
	if (rc == CHU_OK) {
		FUZZ_CHECK(m != NULL, "CHU_OK without a model");
		use(m);
		chu_model_close(m);
	} else {
		FUZZ_CHECK(m == NULL, "an error with a model");
	}
	free(f);
	return 0;
}
