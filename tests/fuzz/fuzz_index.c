/*
 * fuzz_index.c — the library's search over an index (chu_index_search, chu_index_get: what chu
 * serve and chu search answer requests with) on arbitrary requests. An index of a few records
 * with titles, dates and entities is made once by `chu index` (cli/index.c, compiled in whole, its
 * entities from the rules); each input is split into a request: mode, limit, offset, facets, up
 * to three filters (field, negation, text) and the query, then the same bytes as a document id.
 *
 * Checks, from chu.h's contracts:
 *  - chu_index_search returns CHU_OK, CHU_ESYNTAX or CHU_EINVAL (a bad query or filter) with a
 *    message, never anything else and never a crash;
 *  - on success: at most limit hits; total at least offset + the hits; every hit has an id and a
 *    title; each snippet is UTF-8 and its marks are in order, inside it and not empty; facets are
 *    grouped by kind, counts between 1 and facets_over, at most 10 a kind; months ascending, each
 *    count between 1 and facets_over; the filters given are among those reported;
 *  - chu_index_get gives 0 or 1; for 1, the document's id is the one asked for.
 */
#include "fuzz.h"

#include "../../cli/index.c"

#include <fcntl.h>

#include "fuzz_cli.h"

static const char records[] =
	"{\"id\":\"a1\",\"title\":\"Quảng Nam hỗ trợ nông dân\",\"date\":\"2023-05-10\",\"text\":\"Ông Trần Quốc Bảo, "
	"Giám đốc Sở Nông nghiệp tỉnh Quảng Nam, cho biết UBND tỉnh chi 28 tỷ đồng ngày 17/10/2023.\"}\n"
	"{\"id\":\"a2\",\"title\":\"Đà Nẵng đón khách\",\"date\":\"2023-06-01T08:00:00+07:00\",\"text\":\"Thành phố Đà Nẵng "
	"đón 1,2 triệu lượt khách; bà Phạm Thị Lan Anh nói giá phòng tăng 12,5%.\"}\n"
	"{\"id\":7,\"title\":\"Hà Nội mưa lớn\",\"text\":\"Mưa lớn ở Hà Nội và Hải Phòng, WHO và ASEAN họp ở Hà Nội.\"}\n"
	"{\"id\":\"a4\",\"title\":\"Thợ đá\",\"date\":\"2022-12-31\",\"text\":\"Thợ đá chở đá nặng lên đồi ở Quảng Nam; "
	"phụ nữ làng nghề được hỗ trợ 45 triệu USD.\"}\n";

static chu_index *ix;
static chu_ctx *ctx;

static void setup(void)
{
	static char dir[] = "/dev/shm/chu-fuzz-index-XXXXXX";
	if (!mkdtemp(dir)) {
		memcpy(dir, "/tmp/chu-fuzz-index-XXXXXX", sizeof "/tmp/chu-fuzz-index-XXXXXX");
		FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	}
	char in[80], db[80];
	snprintf(in, sizeof in, "%s/in.jsonl", dir);
	snprintf(db, sizeof db, "%s/index.db", dir);
	FILE *f = fopen(in, "wb");
	FUZZ_CHECK(f && fwrite(records, 1, sizeof records - 1, f) == sizeof records - 1 && fclose(f) == 0, "write");
	char *argv[] = {"index", "--entities=rules", db, in, NULL};
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	optind = 1;
	int status = cli_index(4, argv);
	dup2(saved, 2);
	close(saved), close(null);
	FUZZ_CHECK(status == CLI_OK, "cli_index: %d", status);
	FUZZ_CHECK(chu_index_open(db, fuzz_model("accent.chm"), &ix) == CHU_OK, "open: %s", chu_index_error(ix));
	FUZZ_CHECK(chu_ctx_new(NULL, &ctx) == CHU_OK, "ctx");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ix)
		setup();
	if (size > 4096)
		return 0;
	fuzz_input in = {data, size};
	unsigned mode = fuzz_byte(&in) % 4, limit = fuzz_byte(&in) % 12, offset = fuzz_byte(&in) % 6;
	unsigned flags = fuzz_byte(&in), nf = fuzz_byte(&in) % 4;
	static const char *const fields[] = {"per", "org", "loc", "date", "nam", NULL};
	chu_query_filter filters[3];
	char texts[3][24];
	for (unsigned i = 0; i < nf; i++) {
		unsigned b = fuzz_byte(&in), n = fuzz_byte(&in) % 16;
		size_t k = 0;
		for (; k < n && in.n; k++)
			texts[i][k] = (char)fuzz_byte(&in);
		texts[i][k] = '\0';
		filters[i] = (chu_query_filter){fields[b % 6], texts[i], (int)(b >> 7)};
	}
	size_t ql = in.n;
	char *query = malloc(ql + 1);
	memcpy(query, in.p, ql);
	query[ql] = '\0';
	chu_index_request req;
	chu_index_request_init(&req);
	req.query = query;
	req.query_len = ql;
	req.mode = (int)mode; /* 3: an unknown mode */
	req.limit = limit;    /* 0: no hits asked for */
	req.offset = offset;
	req.filters = filters;
	req.n_filters = nf;
	req.facets = flags & 1;
	req.facet_hits = flags & 2 ? 2 : 1000;
	static const char *const kinds[] = {"per", "loc", NULL};
	req.facet_kinds = flags & 4 ? kinds : NULL;
	chu_index_results r;
	int rc = chu_index_search(ix, ctx, &req, &r);
	FUZZ_CHECK(rc == CHU_OK || rc == CHU_ESYNTAX || rc == CHU_EINVAL || rc == CHU_ENOMEM, "search: %d (%s)", rc,
	           chu_index_error(ix));
	if (rc != CHU_OK) {
		FUZZ_CHECK(*chu_index_error(ix), "an error without a message");
	} else {
		FUZZ_CHECK(r.n_hits <= limit, "%zu hits, limit %u", r.n_hits, limit);
		FUZZ_CHECK(!r.n_hits || r.total >= offset + r.n_hits, "total %zu, offset %u, %zu hits", r.total, offset, r.n_hits);
		for (size_t i = 0; i < r.n_hits; i++) {
			const chu_index_hit *h = &r.hits[i];
			FUZZ_CHECK(h->id && h->title && h->match && h->snippet, "a hit without id, title, tier or snippet");
			FUZZ_CHECK(strlen(h->snippet) == h->snippet_len, "snippet length");
			FUZZ_CHECK(fuzz_utf8_valid(h->snippet, h->snippet_len), "a snippet that is not UTF-8");
			size_t last = 0;
			for (size_t m = 0; m < h->n_marks; m++) {
				size_t a = h->marks[2 * m], b = h->marks[2 * m + 1];
				FUZZ_CHECK(a >= last && a < b && b <= h->snippet_len, "mark %zu [%zu, %zu) of %zu", m, a, b, h->snippet_len);
				last = b;
			}
		}
		const char *kind = "";
		size_t run = 0;
		for (size_t i = 0; i < r.n_facets; i++) {
			const chu_index_facet *f = &r.facets[i];
			FUZZ_CHECK(strcmp(f->kind, kind) >= 0, "facets not grouped by kind");
			run = strcmp(f->kind, kind) == 0 ? run + 1 : 1;
			kind = f->kind;
			FUZZ_CHECK(run <= 10 && f->count >= 1 && f->count <= r.facets_over, "facet %s %s: %zu of %zu", f->kind, f->text,
			           f->count, r.facets_over);
			FUZZ_CHECK(!req.facet_kinds || strcmp(f->kind, "per") == 0 || strcmp(f->kind, "loc") == 0, "a kind not asked for");
		}
		for (size_t i = 0; i < r.n_months; i++)
			FUZZ_CHECK(r.months[i].count >= 1 && r.months[i].count <= r.facets_over &&
			               (i == 0 || strcmp(r.months[i - 1].month, r.months[i].month) < 0),
			           "months");
		FUZZ_CHECK(r.n_filters >= nf, "%zu filters reported, %u given", r.n_filters, nf);
	}
	chu_index_doc d;
	rc = chu_index_get(ix, query, ql, &d);
	FUZZ_CHECK(rc == 0 || rc == 1, "get: %d (%s)", rc, chu_index_error(ix));
	FUZZ_CHECK(rc == 0 || (strlen(d.id) == ql && memcmp(d.id, query, ql) == 0), "get gave another document");
	free(query);
	return 0;
}
