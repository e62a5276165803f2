/*
 * serve.c — `chu serve DB`: the search page and an HTTP JSON API over an index made by chu index,
 * on libmicrohttpd. doc/serve.md describes the API.
 *
 * Threads: libmicrohttpd's pool (--threads); each pool thread makes, on its first request, its own
 * worker — a read-only chu_index (its own SQLite connection) and a chu_ctx — so requests share
 * only the models (mmap'd, read-only), the log and a cache of search and document responses,
 * which is emptied when a worker's chu_index_changed() says chu index committed something, so
 * new documents appear without a restart.
 *
 * Limits (each an option): the request body (--max-body), the query (--max-query), the URL
 * (--max-url), request headers (libmicrohttpd's connection memory), connections (--max-conns),
 * an idle connection (--timeout), a search's time (--time-limit). A request past one gets a 4xx
 * JSON error or, for what libmicrohttpd refuses itself, its 4xx; nothing a request carries stops
 * the server. Only the embedded files and /api/ answer: no path reaches the file system.
 *
 * SIGINT or SIGTERM: no new connections, requests in flight finish (for up to 5 s), then exit 0.
 */
#include "cli.h"
#include "serve.h"
#include "internal.h" /* chu__checksum */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

/* Every response: only the server itself may give the page anything. */
#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; " \
            "form-action 'self'; frame-ancestors 'none'"

#define CACHE_SETS 256  /* the cache: sets of CACHE_WAYS responses, the least recently used replaced */
#define CACHE_WAYS 8
#define CACHE_SLOTS (CACHE_SETS * CACHE_WAYS)
#define CACHE_MAX_BODY ((size_t)256 << 10)
#define MAX_PARAMS 32

/* A response kept for the next request with the same key: libmicrohttpd counts the connections
 * a response is queued on, so one object serves them all. */
typedef struct cached {
	char *key;
	struct MHD_Response *resp;
	unsigned status;
	size_t len;
	uint64_t used;                    /* when it last answered (the server's clock of requests) */
} cached;

typedef struct server {
	const char *db_path;
	chu_model *seg, *pos, *ner, *acc; /* shared by every worker; any may be NULL */
	char *paths[4];                   /* their files */
	size_t max_body, max_query, max_url;
	unsigned max_conns, timeout, time_limit, threads;
	bool log;
	pthread_key_t key;                /* the thread's worker */
	pthread_mutex_t log_lock;
	pthread_mutex_t cache_lock;       /* the cache, shared by the threads */
	cached cache[CACHE_SLOTS];
	uint64_t clock;
} server;

typedef struct worker {
	chu_index *ix;
	chu_ctx *ctx;
	sqlite3 *mem;                     /* json_extract for JSON request bodies */
} worker;

/* One request, from its first byte (uri_log) to its end (completed). */
typedef struct request {
	struct timespec start;
	char uri[256];                    /* for the log: the first bytes of the URI as sent */
	size_t uri_len;                   /* its whole length */
	char *body;                       /* POST: what came so far */
	size_t body_len;
	bool too_big;
	bool called;                      /* the handler has seen it */
	bool nul_in_path;                 /* "%00" before the query string: the path as decoded would be cut */
	unsigned status;
	size_t sent;
	char method[8];
} request;

/* ---- responses ---- */

/* A growable string that JSON is written to (open_memstream). */
typedef struct out {
	FILE *f;
	char *data;
	size_t len;
} out;

static bool out_open(out *o)
{
	o->data = NULL;
	o->len = 0;
	o->f = open_memstream(&o->data, &o->len);
	return o->f != NULL;
}

/* Closes the stream: false (and nothing to free) when writing failed. */
static bool out_close(out *o)
{
	bool ok = !ferror(o->f);
	ok = fclose(o->f) == 0 && ok;
	if (!ok) {
		free(o->data);
		o->data = NULL;
	}
	return ok;
}

static void json_str(FILE *f, const char *s, size_t n)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	cli_json_fstr(f, s, n);
}

static void json_cstr(FILE *f, const char *s) { json_str(f, s, s ? strlen(s) : 0); }

static struct MHD_Response *make_response(unsigned status, const char *type, const char *body, size_t len,
                                          bool cacheable)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return NULL;
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", cacheable ? "no-cache" : "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD, POST");
	return resp;
}

static enum MHD_Result queue(struct MHD_Connection *c, request *r, unsigned status, struct MHD_Response *resp,
                             size_t len)
{
	if (r) {
		r->status = status;
		r->sent = len;
	}
	return MHD_queue_response(c, status, resp);
}

static enum MHD_Result send_buf(struct MHD_Connection *c, request *r, unsigned status, const char *type, const char *body,
                                size_t len, bool cacheable)
{
	struct MHD_Response *resp = make_response(status, type, body, len, cacheable);
	if (!resp)
		return MHD_NO;
	enum MHD_Result ret = queue(c, r, status, resp, len);
	MHD_destroy_response(resp);
	return ret;
}

/* {"error": message} with status. */
static enum MHD_Result send_error(struct MHD_Connection *c, request *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static enum MHD_Result send_error(struct MHD_Connection *c, request *r, unsigned status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	out o;
	if (!out_open(&o))
		return MHD_NO;
	fputs("{\"error\":", o.f);
	json_cstr(o.f, msg);
	fputs("}\n", o.f);
	if (!out_close(&o))
		return MHD_NO;
	enum MHD_Result ret = send_buf(c, r, status, "application/json; charset=utf-8", o.data, o.len, false);
	free(o.data);
	return ret;
}

/* ---- the worker of this thread ---- */

static void cache_clear(server *s)
{
	pthread_mutex_lock(&s->cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(s->cache[i].key);
		if (s->cache[i].resp)
			MHD_destroy_response(s->cache[i].resp);
		s->cache[i] = (cached){0};
	}
	pthread_mutex_unlock(&s->cache_lock);
}

static void worker_free(void *p)
{
	worker *w = p;
	if (!w)
		return;
	chu_index_close(w->ix);
	chu_ctx_free(w->ctx);
	sqlite3_close(w->mem);
	free(w);
}

/* This thread's worker, made on its first request; NULL (after an error response's message in
 * why) when the index cannot be opened. */
static worker *get_worker(server *s, char *why, size_t size)
{
	worker *w = pthread_getspecific(s->key);
	if (w)
		return w;
	w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(why, size, "out of memory");
		return NULL;
	}
	int rc = chu_index_open(s->db_path, s->acc, &w->ix);
	if (rc < 0 || chu_ctx_new(NULL, &w->ctx) < 0) {
		snprintf(why, size, "%s", w->ix ? chu_index_error(w->ix) : "out of memory");
		worker_free(w);
		return NULL;
	}
	chu_ctx_set_accent(w->ctx, s->acc); /* sentences without marks, read as restored (chu annotate's) */
	chu_index_set_time_limit(w->ix, s->time_limit);
	chu_index_changed(w->ix); /* from now on */
	pthread_setspecific(s->key, w);
	return w;
}


/* The entry for key in its set, or NULL; under the lock. */
static cached *cache_find(server *s, const char *key)
{
	cached *set = &s->cache[(chu__checksum(key, strlen(key)) % CACHE_SETS) * CACHE_WAYS];
	for (size_t i = 0; i < CACHE_WAYS; i++)
		if (set[i].key && strcmp(set[i].key, key) == 0)
			return &set[i];
	return NULL;
}

/* Answers from the cache when it has key: true, *ret the result. */
static bool cache_send(server *s, struct MHD_Connection *c, request *r, const char *key, enum MHD_Result *ret)
{
	pthread_mutex_lock(&s->cache_lock);
	cached *e = cache_find(s, key);
	if (e) {
		e->used = ++s->clock;
		*ret = queue(c, r, e->status, e->resp, e->len); /* under the lock: no one frees it meanwhile */
	}
	pthread_mutex_unlock(&s->cache_lock);
	return e != NULL;
}

/* Answers with body and keeps the response for key. */
static enum MHD_Result send_cached(server *s, struct MHD_Connection *c, request *r, const char *key, const char *type,
                                   const char *body, size_t len)
{
	struct MHD_Response *resp = make_response(MHD_HTTP_OK, type, body, len, true);
	if (!resp)
		return MHD_NO;
	enum MHD_Result ret = queue(c, r, MHD_HTTP_OK, resp, len);
	char *k = len <= CACHE_MAX_BODY ? strdup(key) : NULL;
	if (!k) {
		MHD_destroy_response(resp);
		return ret;
	}
	pthread_mutex_lock(&s->cache_lock);
	cached *e = cache_find(s, key); /* another thread's answer to the same request, or the oldest */
	if (!e) {
		cached *set = &s->cache[(chu__checksum(key, strlen(key)) % CACHE_SETS) * CACHE_WAYS];
		e = &set[0];
		for (size_t i = 1; i < CACHE_WAYS && e->key; i++)
			if (!set[i].key || set[i].used < e->used)
				e = &set[i];
	}
	free(e->key);
	if (e->resp)
		MHD_destroy_response(e->resp);
	*e = (cached){k, resp, MHD_HTTP_OK, len, ++s->clock};
	pthread_mutex_unlock(&s->cache_lock);
	return ret;
}

/* ---- parameters ---- */

typedef struct param {
	const char *key, *value;
	size_t key_len, value_len;
} param;

typedef struct params {
	param p[MAX_PARAMS];
	size_t n;
	bool too_many;
} params;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
                               size_t value_size)
{
	(void)kind;
	params *ps = cls;
	if (ps->n == MAX_PARAMS) {
		ps->too_many = true;
		return MHD_NO;
	}
	ps->p[ps->n++] = (param){key, value ? value : "", key_size, value ? value_size : 0};
	return MHD_YES;
}

/* Is s[0, n) well-formed UTF-8 (utf8proc's reading: no overlong forms, surrogates or code points
 * past U+10FFFF) without NUL? */
static bool clean_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0 || cp == 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

static bool key_is(const param *p, const char *k) { return p->key_len == strlen(k) && memcmp(p->key, k, p->key_len) == 0; }

/* A whole number from lo to hi. */
static bool read_count(const param *p, long lo, long hi, long *v)
{
	if (!p->value_len || p->value_len > 9)
		return false;
	long x = 0;
	for (size_t i = 0; i < p->value_len; i++) {
		if (p->value[i] < '0' || p->value[i] > '9')
			return false;
		x = x * 10 + (p->value[i] - '0');
	}
	if (x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

/* ---- GET /api/search ---- */

static void put_filters(FILE *f, const chu_index_results *res)
{
	fputs("[", f);
	for (size_t i = 0; i < res->n_filters; i++) {
		fprintf(f, "%s{\"field\":\"%s\",\"text\":", i ? "," : "", res->filters[i].field);
		json_cstr(f, res->filters[i].text);
		fprintf(f, ",\"neg\":%s}", res->filters[i].neg ? "true" : "false");
	}
	fputs("]", f);
}

static void put_search(FILE *f, const char *q, size_t ql, long offset, long limit, const chu_index_results *res)
{
	fputs("{\"q\":", f);
	json_str(f, q, ql);
	fprintf(f, ",\"total\":%zu,\"offset\":%ld,\"limit\":%ld,\"understood\":{\"marks\":%s,\"likely\":", res->total, offset,
	        limit, res->marked ? "true" : "false");
	json_cstr(f, res->likely);
	fputs(",\"filters\":", f);
	put_filters(f, res);
	fputs("},\"hits\":[", f);
	for (size_t i = 0; i < res->n_hits; i++) {
		const chu_index_hit *h = &res->hits[i];
		fputs(i ? ",{\"id\":" : "{\"id\":", f);
		json_cstr(f, h->id);
		if (h->source) {
			fputs(",\"source\":", f);
			json_cstr(f, h->source);
		}
		fputs(",\"title\":", f);
		json_cstr(f, h->title);
		if (h->date) {
			fputs(",\"date\":", f);
			json_cstr(f, h->date);
		}
		if (h->url) {
			fputs(",\"url\":", f);
			json_cstr(f, h->url);
		}
		fprintf(f, ",\"score\":%.4f,\"exact\":%s,\"match\":\"%s\",\"snippet\":", h->score, h->exact ? "true" : "false",
		        h->match);
		json_str(f, h->snippet, h->snippet_len);
		fputs(",\"highlights\":[", f);
		for (size_t m = 0; m < h->n_marks; m++)
			fprintf(f, "%s[%zu,%zu]", m ? "," : "", h->marks[2 * m], h->marks[2 * m + 1]);
		fputs("]}", f);
	}
	fputs("]", f);
	if (res->facets_over || res->n_facets || res->n_months) {
		static const char *const kinds[] = {"per", "org", "loc"};
		fputs(",\"facets\":{", f);
		for (size_t k = 0; k < 3; k++) {
			fprintf(f, "%s\"%s\":[", k ? "," : "", kinds[k]);
			bool first = true;
			for (size_t i = 0; i < res->n_facets; i++) {
				if (strcmp(res->facets[i].kind, kinds[k]) != 0)
					continue;
				fputs(first ? "{\"text\":" : ",{\"text\":", f);
				json_cstr(f, res->facets[i].text);
				fprintf(f, ",\"count\":%zu}", res->facets[i].count);
				first = false;
			}
			fputs("]", f);
		}
		fputs("},\"months\":[", f);
		for (size_t i = 0; i < res->n_months; i++)
			fprintf(f, "%s{\"month\":\"%s\",\"count\":%zu}", i ? "," : "", res->months[i].month, res->months[i].count);
		fprintf(f, "],\"facets_over\":%zu", res->facets_over);
	}
	fputs("}\n", f);
}

/* The status for a library error. */
static unsigned status_of(int rc)
{
	switch (rc) {
	case CHU_ESYNTAX:
	case CHU_EINVAL: return MHD_HTTP_BAD_REQUEST;
	case CHU_ETIMEOUT: return MHD_HTTP_SERVICE_UNAVAILABLE;
	default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static enum MHD_Result api_search(server *s, worker *w, struct MHD_Connection *c, request *r)
{
	params ps = {0};
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect, &ps);
	if (ps.too_many)
		return send_error(c, r, MHD_HTTP_BAD_REQUEST, "more than %d parameters", MAX_PARAMS);
	const char *q = "";
	size_t ql = 0;
	long limit = 10, offset = 0;
	int mode = CHU_INDEX_RANKED, facets = 1;
	chu_query_filter filters[MAX_PARAMS];
	size_t nf = 0;
	const param *from = NULL, *to = NULL;
	for (size_t i = 0; i < ps.n; i++) {
		const param *p = &ps.p[i];
		if (!clean_utf8(p->key, p->key_len) || !clean_utf8(p->value, p->value_len))
			return send_error(c, r, MHD_HTTP_BAD_REQUEST, "parameter %.*s is not valid UTF-8 or holds a NUL byte",
			                  clean_utf8(p->key, p->key_len) ? (int)p->key_len : 0, p->key);
		const char *bad = NULL;
		if (key_is(p, "q")) {
			q = p->value, ql = p->value_len;
			if (ql > s->max_query)
				return send_error(c, r, MHD_HTTP_BAD_REQUEST, "q is longer than %zu bytes (--max-query)", s->max_query);
		} else if (key_is(p, "limit")) {
			bad = read_count(p, 1, 100, &limit) ? NULL : "limit takes a whole number from 1 to 100";
		} else if (key_is(p, "offset")) {
			bad = read_count(p, 0, 10000, &offset) ? NULL : "offset takes a whole number from 0 to 10000";
		} else if (key_is(p, "mode")) {
			if (strcmp(p->value, "ranked") == 0)
				mode = CHU_INDEX_RANKED;
			else if (strcmp(p->value, "all") == 0)
				mode = CHU_INDEX_ALL;
			else if (strcmp(p->value, "any") == 0)
				mode = CHU_INDEX_ANY;
			else
				bad = "mode is ranked, all or any";
		} else if (key_is(p, "facets")) {
			long v = 1;
			bad = read_count(p, 0, 1, &v) ? NULL : "facets is 0 or 1";
			facets = (int)v;
		} else if (key_is(p, "per") || key_is(p, "org") || key_is(p, "loc")) {
			const char *t = p->value;
			int neg = t[0] == '-';
			if (!t[neg] || p->value_len > s->max_query)
				bad = "an entity filter needs a name (at most --max-query bytes)";
			else
				filters[nf++] = (chu_query_filter){key_is(p, "per") ? "per" : key_is(p, "org") ? "org" : "loc", t + neg, neg};
		} else if (key_is(p, "date_from")) {
			from = p;
		} else if (key_is(p, "date_to")) {
			to = p;
		} else {
			return send_error(c, r, MHD_HTTP_BAD_REQUEST,
			                  "unknown parameter %.*s (the parameters are q, limit, offset, mode, facets, per, org, loc, "
			                  "date_from, date_to)",
			                  (int)(p->key_len > 40 ? 40 : p->key_len), p->key);
		}
		if (bad)
			return send_error(c, r, MHD_HTTP_BAD_REQUEST, "%s", bad);
	}
	char range[64];
	if (from || to) {
		if ((from && from->value_len > 20) || (to && to->value_len > 20))
			return send_error(c, r, MHD_HTTP_BAD_REQUEST, "date_from and date_to are YYYY, YYYY-MM or YYYY-MM-DD");
		snprintf(range, sizeof range, "%s..%s", from ? from->value : "", to ? to->value : "");
		filters[nf++] = (chu_query_filter){"date", range, 0};
	}
	if (!ql && !nf)
		return send_error(c, r, MHD_HTTP_BAD_REQUEST, "q is required (or a filter: per, org, loc, date_from, date_to)");
	/* the cache key: the parameters as read, in order */
	out key;
	if (!out_open(&key))
		return MHD_NO;
	fputs("search", key.f);
	for (size_t i = 0; i < ps.n; i++) {
		fprintf(key.f, "\n%.*s=", (int)ps.p[i].key_len, ps.p[i].key);
		fwrite(ps.p[i].value, 1, ps.p[i].value_len, key.f);
	}
	if (!out_close(&key))
		return MHD_NO;
	enum MHD_Result cret;
	if (cache_send(s, c, r, key.data, &cret)) {
		free(key.data);
		return cret;
	}
	chu_index_request req;
	chu_index_request_init(&req);
	req.query = q;
	req.query_len = ql;
	req.mode = mode;
	req.limit = (size_t)limit;
	req.offset = (size_t)offset;
	req.filters = filters;
	req.n_filters = nf;
	req.facets = facets;
	static const char *const kinds[] = {"per", "org", "loc", NULL};
	req.facet_kinds = kinds;
	chu_index_results res;
	int rc = chu_index_search(w->ix, w->ctx, &req, &res);
	if (rc < 0) {
		free(key.data);
		return send_error(c, r, status_of(rc), "%s", chu_index_error(w->ix));
	}
	out o;
	if (!out_open(&o)) {
		free(key.data);
		return MHD_NO;
	}
	put_search(o.f, q, ql, offset, limit, &res);
	enum MHD_Result ret = MHD_NO;
	if (out_close(&o))
		ret = send_cached(s, c, r, key.data, "application/json; charset=utf-8", o.data, o.len);
	free(o.data);
	free(key.data);
	return ret;
}

/* ---- GET /api/doc/ID ---- */

static chu_annotate_options annotate_options(const server *s)
{
	chu_annotate_options opts;
	chu_annotate_options_init(&opts);
	opts.seg = s->seg;
	opts.pos = s->pos;
	opts.ner = s->ner;
	return opts;
}

static enum MHD_Result api_doc(server *s, worker *w, struct MHD_Connection *c, request *r, const char *id)
{
	size_t il = strlen(id);
	if (!il || !clean_utf8(id, il))
		return send_error(c, r, MHD_HTTP_BAD_REQUEST, "the document id is empty or not valid UTF-8");
	char *key = malloc(il + 5);
	if (!key)
		return MHD_NO;
	memcpy(key, "doc\n", 4);
	memcpy(key + 4, id, il + 1);
	enum MHD_Result cret;
	if (cache_send(s, c, r, key, &cret)) {
		free(key);
		return cret;
	}
	chu_index_doc d;
	int rc = chu_index_get(w->ix, id, il, &d);
	if (rc <= 0) {
		free(key);
		if (rc == 0)
			return send_error(c, r, MHD_HTTP_NOT_FOUND, "no document has the id %.200s", id);
		return send_error(c, r, status_of(rc), "%s", chu_index_error(w->ix));
	}
	/* the title and the body, a line apart, as chu index annotated them */
	size_t tl = d.title_len, len = tl + 1 + d.body_len;
	char *text = malloc(len + 1);
	if (!text) {
		free(key);
		return MHD_NO;
	}
	memcpy(text, d.title, tl);
	text[tl] = '\n';
	memcpy(text + tl + 1, d.body, d.body_len);
	text[len] = '\0';
	out o;
	if (!out_open(&o)) {
		free(text), free(key);
		return MHD_NO;
	}
	fputs("{\"id\":", o.f);
	json_cstr(o.f, d.id);
	fputs(",\"title\":", o.f);
	json_str(o.f, d.title, d.title_len);
	fputs(",\"url\":", o.f);
	json_cstr(o.f, d.url);
	fputs(",\"date\":", o.f);
	json_cstr(o.f, d.date);
	fputs(",\"source\":", o.f);
	json_cstr(o.f, d.source);
	fputs(",\"text\":", o.f);
	json_str(o.f, text, len);
	fprintf(o.f, ",\"body_start\":%zu", tl + 1);
	chu_annotate_options opts = annotate_options(s);
	opts.keep_boilerplate = 1; /* the text as indexed */
	chu_annotation a;
	rc = chu_annotate(w->ctx, &opts, text, len, &a);
	if (rc >= 0) {
		fputs(",\"sentences\":[", o.f);
		for (size_t i = 0; i < a.n_sentences; i++)
			fprintf(o.f, "%s{\"start\":%zu,\"end\":%zu}", i ? "," : "", a.sentences[i].start, a.sentences[i].end);
		fputs("],\"words\":[", o.f);
		for (size_t i = 0; i < a.n_words; i++) {
			fprintf(o.f, "%s{\"start\":%zu,\"end\":%zu", i ? "," : "", a.words[i].start, a.words[i].end);
			if (a.words[i].pos)
				fprintf(o.f, ",\"pos\":\"%s\",\"upos\":\"%s\"", a.words[i].pos, a.words[i].upos);
			fputs("}", o.f);
		}
		fputs("],\"entities\":[", o.f);
		for (size_t i = 0; i < a.n_entities && rc >= 0; i++) {
			const chu_entity *e = &a.entities[i];
			const char *et;
			size_t el;
			rc = chu_norm_span(w->ctx, text, e->start, e->end, &et, &el);
			fprintf(o.f, "%s{\"start\":%zu,\"end\":%zu,\"type\":\"%s\",\"text\":", i ? "," : "", e->start, e->end, e->type);
			json_str(o.f, rc >= 0 ? et : "", rc >= 0 ? el : 0);
			fputs("}", o.f);
		}
		fputs("]}\n", o.f);
	}
	free(text);
	if (!out_close(&o)) {
		free(key);
		return MHD_NO;
	}
	enum MHD_Result ret;
	if (rc < 0) {
		ret = send_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "annotating the document failed: %s", chu_strerror(rc));
	} else {
		ret = send_cached(s, c, r, key, "application/json; charset=utf-8", o.data, o.len);
	}
	free(o.data);
	free(key);
	return ret;
}

/* ---- POST /api/annotate ---- */

static enum MHD_Result api_annotate(server *s, worker *w, struct MHD_Connection *c, request *r)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *text = r->body ? r->body : "";
	size_t len = r->body_len;
	sqlite3_stmt *st = NULL;
	if (type && strncasecmp(type, "application/json", 16) == 0) {
		/* {"text": "…"}, read by SQLite's JSON functions */
		if (!w->mem && sqlite3_open_v2(":memory:", &w->mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
			sqlite3_close(w->mem);
			w->mem = NULL;
			return send_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read JSON");
		}
		/* SQLite's JSON functions would end the text at an escaped NUL: refused as a raw NUL is */
		if (r->body && cli_json_nul_escapes(r->body, r->body_len))
			return send_error(c, r, MHD_HTTP_BAD_REQUEST, "the text is not valid UTF-8 or holds a NUL byte");
		if (sqlite3_prepare_v2(w->mem,
		                       "SELECT json_valid(?1), json_type(?1, '$.text'), json_extract(?1, '$.text')", -1, &st,
		                       NULL) != SQLITE_OK ||
		    sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return send_error(c, r, MHD_HTTP_BAD_REQUEST, "the body is not JSON");
		}
		const char *jt = (const char *)sqlite3_column_text(st, 1);
		if (!sqlite3_column_int(st, 0) || !jt || strcmp(jt, "text") != 0) {
			sqlite3_finalize(st);
			return send_error(c, r, MHD_HTTP_BAD_REQUEST, "the body is not a JSON object with a string \"text\"");
		}
		text = (const char *)sqlite3_column_text(st, 2);
		len = (size_t)sqlite3_column_bytes(st, 2);
	} else if (type && strncasecmp(type, "text/plain", 10) != 0) {
		return send_error(c, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		                  "send the text as text/plain or as application/json {\"text\": …}");
	}
	if (memchr(text, '\0', len) || !clean_utf8(text, len)) {
		sqlite3_finalize(st);
		return send_error(c, r, MHD_HTTP_BAD_REQUEST, "the text is not valid UTF-8 or holds a NUL byte");
	}
	chu_annotate_options opts = annotate_options(s);
	chu_annotation a;
	int rc = chu_annotate(w->ctx, &opts, text, len, &a);
	const char *body = NULL;
	size_t bl = 0;
	if (rc >= 0)
		rc = chu_annotation_jsonl(w->ctx, "request", strlen("request"), text, &a, &body, &bl);
	enum MHD_Result ret = rc < 0 ? send_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "annotating failed: %s", chu_strerror(rc))
	                             : send_buf(c, r, MHD_HTTP_OK, "application/x-ndjson; charset=utf-8", body, bl, false);
	sqlite3_finalize(st); /* the text of a JSON body is its result: freed only now */
	return ret;
}

/* ---- GET /api/health ---- */

static enum MHD_Result api_health(server *s, worker *w, struct MHD_Connection *c, request *r)
{
	int64_t n = 0;
	int rc = chu_index_count(w->ix, &n);
	if (rc < 0)
		return send_error(c, r, status_of(rc), "%s", chu_index_error(w->ix));
	out o;
	if (!out_open(&o))
		return MHD_NO;
	fprintf(o.f, "{\"status\":\"ok\",\"documents\":%lld,\"version\":\"%s\",\"models\":{", (long long)n, chu_version());
	static const char *const names[] = {"seg", "pos", "ner", "accent"};
	chu_model *const loaded[] = {s->seg, s->pos, s->ner, s->acc};
	bool first = true;
	for (size_t i = 0; i < 4; i++) {
		struct stat sb;
		if (!s->paths[i] || !loaded[i] || stat(s->paths[i], &sb) != 0)
			continue;
		fprintf(o.f, "%s\"%s\":{\"file\":", first ? "" : ",", names[i]);
		json_cstr(o.f, s->paths[i]);
		fprintf(o.f, ",\"bytes\":%lld,\"checksum\":\"%016llx\"}", (long long)sb.st_size,
		        (unsigned long long)chu_model_checksum(loaded[i]));
		first = false;
	}
	fputs("}}\n", o.f);
	if (!out_close(&o))
		return MHD_NO;
	enum MHD_Result ret = send_buf(c, r, MHD_HTTP_OK, "application/json; charset=utf-8", o.data, o.len, false);
	free(o.data);
	return ret;
}

/* ---- the request handler ---- */

static enum MHD_Result send_file(struct MHD_Connection *c, request *r, const char *path)
{
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (size_t i = 0; i < serve_n_files; i++)
		if (strcmp(serve_files[i].path, path) == 0) {
			struct MHD_Response *resp = MHD_create_response_from_buffer(
				serve_files[i].len, (void *)serve_files[i].data, MHD_RESPMEM_PERSISTENT);
			if (!resp)
				return MHD_NO;
			MHD_add_response_header(resp, "Content-Type", serve_files[i].type);
			MHD_add_response_header(resp, "Content-Security-Policy", CSP);
			MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
			MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
			MHD_add_response_header(resp, "Cache-Control", "no-cache");
			enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
			MHD_destroy_response(resp);
			r->status = MHD_HTTP_OK;
			r->sent = serve_files[i].len;
			return ret;
		}
	return send_error(c, r, MHD_HTTP_NOT_FOUND, "no such page");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	server *s = cls;
	request *r = *con_cls;
	if (!r)
		return MHD_NO; /* uri_log made it; without it there is no memory */
	snprintf(r->method, sizeof r->method, "%s", method);
	if (!r->called) {
		/* the first call has the headers only; answering then would close the connection */
		r->called = true;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (!(cl && strtoull(cl, NULL, 10) > s->max_body))
			return MHD_YES;
	}
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, post = strcmp(method, "POST") == 0;
	if (r->uri_len > s->max_url)
		return send_error(c, r, MHD_HTTP_URI_TOO_LONG, "the URL is longer than %zu bytes (--max-url)", s->max_url);
	if (r->nul_in_path)
		return send_error(c, r, MHD_HTTP_BAD_REQUEST, "the path holds a NUL byte (%%00)");
	bool annotate = strcmp(url, "/api/annotate") == 0;
	/* a body: kept for POST /api/annotate, read and dropped for anything else (answered at its end);
	 * a declared length past the limit is refused at once, a body that grows past it at its end */
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (cl && strtoull(cl, NULL, 10) > s->max_body)
		return send_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than %zu bytes (--max-body)",
		                  s->max_body);
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->too_big || r->body_len + n > s->max_body) {
			r->too_big = true;
			return MHD_YES;
		}
		if (post && annotate) {
			char *more = realloc(r->body, r->body_len + n + 1);
			if (!more)
				return MHD_NO;
			memcpy(more + r->body_len, upload, n);
			r->body = more;
			r->body[r->body_len + n] = '\0';
		}
		r->body_len += n;
		return MHD_YES;
	}
	if (r->too_big)
		return send_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "the body is larger than %zu bytes (--max-body)",
		                  s->max_body);
	if (!get && !(post && annotate))
		return send_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "%s is not served here", post ? "POST" : "this method");
	if (get && annotate)
		return send_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "/api/annotate takes POST");
	if (strncmp(url, "/api/", 5) != 0)
		return send_file(c, r, url);
	char why[600];
	worker *w = get_worker(s, why, sizeof why);
	if (!w)
		return send_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", why);
	/* chu index committed: the answers kept are stale (each thread's connection notices; the
	 * first to do so empties the cache, the others again when they do) */
	if (chu_index_changed(w->ix) > 0)
		cache_clear(s);
	if (annotate)
		return api_annotate(s, w, c, r);
	if (strcmp(url, "/api/search") == 0)
		return api_search(s, w, c, r);
	if (strncmp(url, "/api/doc/", 9) == 0)
		return api_doc(s, w, c, r, url + 9);
	if (strcmp(url, "/api/health") == 0)
		return api_health(s, w, c, r);
	return send_error(c, r, MHD_HTTP_NOT_FOUND, "no such API: the API is /api/search, /api/doc/ID, /api/annotate, /api/health");
}

/* The first thing libmicrohttpd knows of a request: its URI as sent. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls, (void)c;
	request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->uri_len = strlen(uri);
	for (const char *p = uri; *p && *p != '?'; p++)
		if (p[0] == '%' && p[1] == '0' && p[2] == '0')
			r->nul_in_path = true;
	size_t n = r->uri_len < sizeof r->uri - 1 ? r->uri_len : sizeof r->uri - 1;
	/* the log shows printable ASCII; anything else as '?' */
	for (size_t i = 0; i < n; i++)
		r->uri[i] = uri[i] > 0x20 && uri[i] < 0x7F ? uri[i] : '?';
	r->uri[n] = '\0';
	return r;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	server *s = cls;
	request *r = *con_cls;
	if (!r)
		return;
	if (s->log) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double ms = (double)(now.tv_sec - r->start.tv_sec) * 1e3 + (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char addr[64] = "-";
		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr, sizeof addr);
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr, sizeof addr);
		}
		pthread_mutex_lock(&s->log_lock);
		fprintf(stderr, "%s \"%s %s%s\" %u %zu %.1fms%s\n", addr, r->method[0] ? r->method : "-", r->uri, r->uri_len >= sizeof r->uri ? "…" : "",
		        r->status, r->sent, ms, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (cut short)");
		pthread_mutex_unlock(&s->log_lock);
	}
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* libmicrohttpd's own messages (a malformed request it refused, a failed accept). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	server *s = cls;
	if (!s->log)
		return;
	pthread_mutex_lock(&s->log_lock);
	fputs("chu serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	pthread_mutex_unlock(&s->log_lock);
}

/* ---- chu serve ---- */

static const char *usage = "usage: chu serve [--host ADDR] [--port N] [--threads N] [--models DIR] [limits…] DB";


int cli_serve(int argc, char **argv)
{
	static const struct option longopts[] = {{"host", required_argument, NULL, 'H'},
	                                          {"port", required_argument, NULL, 'p'},
	                                          {"threads", required_argument, NULL, 't'},
	                                          {"models", required_argument, NULL, 'm'},
	                                          {"max-body", required_argument, NULL, 'b'},
	                                          {"max-query", required_argument, NULL, 'q'},
	                                          {"max-url", required_argument, NULL, 'u'},
	                                          {"max-conns", required_argument, NULL, 'c'},
	                                          {"timeout", required_argument, NULL, 'T'},
	                                          {"time-limit", required_argument, NULL, 'L'},
	                                          {"quiet", no_argument, NULL, 'Q'},
	                                          {"help", no_argument, NULL, 'h'},
	                                          {NULL, 0, NULL, 0}};
	server s = {.max_body = (size_t)1 << 20, .max_query = 2048, .max_url = 8192, .max_conns = 512, .timeout = 15,
	            .time_limit = 5000, .log = true};
	const char *host = "127.0.0.1";
	long port = 8080, threads = sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	int c;
	long v;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'p':
			if (!cli_parse_long(optarg, "--port", 0, 65535, &port))
				return CLI_USAGE;
			break;
		case 't':
			if (!cli_parse_long(optarg, "--threads", 1, 64, &threads))
				return CLI_USAGE;
			break;
		case 'm':
			if (setenv("CHU_MODEL_DIR", optarg, 1) != 0) {
				cli_error(NULL, 0, "out of memory");
				return CLI_BAD_INPUT;
			}
			break;
		case 'b': {
			size_t z;
			if (!cli_parse_size(optarg, &z))
				return CLI_USAGE;
			s.max_body = z;
			break;
		}
		case 'q':
			if (!cli_parse_long(optarg, "--max-query", 1, 1 << 20, &v))
				return CLI_USAGE;
			s.max_query = (size_t)v;
			break;
		case 'u':
			if (!cli_parse_long(optarg, "--max-url", 64, 1 << 20, &v))
				return CLI_USAGE;
			s.max_url = (size_t)v;
			break;
		case 'c':
			if (!cli_parse_long(optarg, "--max-conns", 1, 100000, &v))
				return CLI_USAGE;
			s.max_conns = (unsigned)v;
			break;
		case 'T':
			if (!cli_parse_long(optarg, "--timeout", 1, 3600, &v))
				return CLI_USAGE;
			s.timeout = (unsigned)v;
			break;
		case 'L':
			if (!cli_parse_long(optarg, "--time-limit", 0, 3600000, &v))
				return CLI_USAGE;
			s.time_limit = (unsigned)v;
			break;
		case 'Q': s.log = false; break;
		case 'h':
			printf("%s\n", usage);
			fputs("Serves the search page at / and the JSON API (doc/serve.md) over DB, an index made by chu index:\n"
			      "  GET /api/search?q=&limit=&offset=&mode=&per=&org=&loc=&date_from=&date_to=&facets=\n"
			      "  GET /api/doc/ID   POST /api/annotate   GET /api/health\n"
			      "  --host ADDR       the address to listen on (127.0.0.1; 0.0.0.0 or :: for every interface)\n"
			      "  --port N          the port (8080; 0: any free one)\n"
			      "  --threads N       request threads (the number of processors)\n"
			      "  --models DIR      where seg.chm, pos.chm, ner.chm, accent.chm are ($CHU_MODEL_DIR, models/)\n"
			      "  --max-body SIZE   POST bodies (1M)     --max-query N  bytes of q (2048)\n"
			      "  --max-url N       bytes of the URL (8192)   --max-conns N  open connections (512)\n"
			      "  --timeout S       an idle connection is closed after S seconds (15)\n"
			      "  --time-limit MS   a search that runs longer answers 503 (5000; 0: none)\n"
			      "  --quiet           no access log (one line a request on stderr)\n"
			      "Requests are answered while chu index adds documents; SIGINT or SIGTERM stops it cleanly.\n",
			      stdout);
			return CLI_OK;
		default: return CLI_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_error(NULL, 0, "%s", usage);
		return CLI_USAGE;
	}
	s.db_path = argv[optind];
	s.threads = (unsigned)threads;
	/* the index must open now, not at the first request */
	chu_index *probe = NULL;
	if (chu_index_open(s.db_path, NULL, &probe) < 0) {
		cli_error(s.db_path, 0, "%s", probe ? chu_index_error(probe) : "out of memory");
		chu_index_close(probe);
		return CLI_BAD_INPUT;
	}
	chu_index_close(probe);
	/* the models a command finds: each may be missing (fewer layers), none may be broken */
	static const char *const files[] = {"seg.chm", "pos.chm", "ner.chm", "accent.chm"};
	static const unsigned parts[] = {CHU_MODEL_SEG, CHU_MODEL_POS, CHU_MODEL_NER, CHU_MODEL_ACCENT};
	chu_model **models[] = {&s.seg, &s.pos, &s.ner, &s.acc};
	int status = CLI_BAD_INPUT;
	struct MHD_Daemon *d = NULL;
	bool key_made = false;
	for (size_t i = 0; i < 4; i++) {
		s.paths[i] = cli_find_model(files[i]);
		if (s.paths[i] && !(*models[i] = cli_open_model(s.paths[i], files[i], "--models", parts[i])))
			goto out;
	}
	if (pthread_key_create(&s.key, worker_free) != 0 || pthread_mutex_init(&s.log_lock, NULL) != 0 ||
	    pthread_mutex_init(&s.cache_lock, NULL) != 0) {
		cli_error(NULL, 0, "cannot make the request threads' state");
		goto out;
	}
	key_made = true;
	/* the address */
	struct addrinfo hints = {.ai_flags = AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	char portstr[8];
	snprintf(portstr, sizeof portstr, "%ld", port);
	int gai = getaddrinfo(host, portstr, &hints, &ai);
	if (gai != 0 || !ai) {
		cli_error(NULL, 0, "--host %s: %s", host, gai ? gai_strerror(gai) : "no address");
		goto out;
	}
	/* the signals are waited for here, not delivered to the server's threads */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	                 (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, &s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
	                     MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	                     MHD_OPTION_THREAD_POOL_SIZE, s.threads, MHD_OPTION_CONNECTION_LIMIT, s.max_conns,
	                     MHD_OPTION_CONNECTION_TIMEOUT, s.timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	                     (size_t)(s.max_url > 32768 ? s.max_url * 2 : 65536), MHD_OPTION_URI_LOG_CALLBACK, uri_log, &s,
	                     MHD_OPTION_NOTIFY_COMPLETED, completed, &s, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
	int err = errno;
	freeaddrinfo(ai);
	if (!d) {
		cli_error(NULL, 0, "cannot listen on %s port %ld: %s", host, port, err ? strerror(err) : "libmicrohttpd failed");
		goto out;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = di ? di->port : (unsigned)port;
	bool v6 = strchr(host, ':') != NULL;
	fprintf(stderr, "chu: serving %s at http://%s%s%s:%u/\n", s.db_path, v6 ? "[" : "", host, v6 ? "]" : "", bound);
	fflush(stderr);
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "chu: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	/* no new connections; those open may finish their requests, for up to 5 s */
	MHD_socket lfd = MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	for (int i = 0; i < 50; i++) {
		const union MHD_DaemonInfo *ci = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!ci || ci->num_connections == 0)
			break;
		struct timespec t = {0, 100000000L};
		nanosleep(&t, NULL);
	}
	MHD_stop_daemon(d);
	status = CLI_OK;
out:
	if (key_made) {
		/* the main thread made no worker; the pool's threads freed theirs as they ended */
		pthread_key_delete(s.key);
		cache_clear(&s);
		pthread_mutex_destroy(&s.log_lock);
		pthread_mutex_destroy(&s.cache_lock);
	}
	for (size_t i = 0; i < 4; i++) {
		chu_model_close(*models[i]);
		free(s.paths[i]);
	}
	return status;
}
