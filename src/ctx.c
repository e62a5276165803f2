/*
 * ctx.c — the per-thread handle, options, status messages and the text-to-text entry points
 * (chu_norm, chu_norm_span, chu_fold).
 */
#include "internal.h"

const char *chu_version(void) { return CHU_VERSION_STRING; }

const char *chu_strerror(int status)
{
	switch (status) {
	case CHU_OK: return "success";
	case CHU_ENOMEM: return "out of memory";
	case CHU_EINVAL: return "invalid argument";
	case CHU_EUTF8: return "invalid UTF-8";
	case CHU_EIO: return "input/output error";
	case CHU_EFORMAT: return "not a valid chu model file (corrupt or truncated)";
	case CHU_EVERSION: return "chu model file of an unsupported format version";
	case CHU_ESTATE: return "call out of order";
	case CHU_ECALLBACK: return "stopped by a callback";
	case CHU_ESYNTAX: return "a search query that does not parse";
	case CHU_ETIMEOUT: return "a search ran past its time limit";
	default: return "unknown error";
	}
}

void chu_options_init(chu_options *opts)
{
	if (!opts)
		return;
	opts->tone = CHU_TONE_NEW;
	opts->from = CHU_ENC_UTF8;
	opts->strict = 0;
	opts->allocator = NULL;
}

int chu_ctx_new(const chu_options *opts, chu_ctx **out)
{
	if (!out)
		return CHU_EINVAL;
	*out = NULL;
	chu_options o;
	chu_options_init(&o);
	if (opts)
		o = *opts;
	if ((unsigned)o.tone > CHU_TONE_OLD || (unsigned)o.from > CHU_ENC_AUTO)
		return CHU_EINVAL;
	const chu_allocator *a = o.allocator ? o.allocator : &chu__default_allocator;
	if (!a->malloc || !a->realloc || !a->free)
		return CHU_EINVAL;
	chu_ctx *ctx = a->malloc(a->ud, sizeof *ctx);
	if (!ctx)
		return CHU_ENOMEM;
	memset(ctx, 0, sizeof *ctx);
	ctx->alloc = *a;
	ctx->opts = o;
	ctx->opts.allocator = &ctx->alloc;
	chu__buf *bufs[] = {&ctx->norm_out, &ctx->norm_tmp, &ctx->scratch, &ctx->span_out,
	                    &ctx->fold_out, &ctx->tokens,   &ctx->sentences, &ctx->sent_tokens,
	                    &ctx->entities, &ctx->ent_tokens, &ctx->doc_ents, &ctx->query_out};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		chu__buf_init(bufs[i], &ctx->alloc);
	*out = ctx;
	return CHU_OK;
}

void chu_ctx_free(chu_ctx *ctx)
{
	if (!ctx)
		return;
	/* each stage frees the state it made on first use */
	static void (*const stage_free[])(chu_ctx *) = {chu__clean_state_free, chu__seg_state_free, chu__tag_state_free,
	                                                chu__search_state_free, chu__query_state_free,
	                                                chu__annotate_state_free, chu__restore_state_free};
	for (size_t i = 0; i < sizeof stage_free / sizeof stage_free[0]; i++)
		stage_free[i](ctx);
	chu__buf *bufs[] = {&ctx->norm_out, &ctx->norm_tmp, &ctx->scratch, &ctx->span_out,
	                    &ctx->fold_out, &ctx->tokens,   &ctx->sentences, &ctx->sent_tokens,
	                    &ctx->entities, &ctx->ent_tokens, &ctx->doc_ents, &ctx->query_out};
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		chu__buf_free(bufs[i]);
	chu_allocator a = ctx->alloc;
	a.free(a.ud, ctx);
}

size_t chu_error_offset(const chu_ctx *ctx) { return ctx ? ctx->error_offset : 0; }

void chu_free(const chu_ctx *ctx, void *ptr)
{
	if (!ptr)
		return;
	const chu_allocator *a = ctx ? &ctx->alloc : &chu__default_allocator;
	a->free(a->ud, ptr);
}

int chu_norm(chu_ctx *ctx, const char *text, size_t len, const char **out, size_t *out_len)
{
	if (!ctx || (!text && len) || !out)
		return CHU_EINVAL;
	if (!text)
		text = "";
	ctx->error_offset = 0;
	ctx->norm_out.len = 0;
	int enc = (int)ctx->opts.from;
	if (enc == CHU_ENC_AUTO)
		enc = chu__legacy_detect(text, len);
	const char *source = text;
	size_t source_len = len;
	int rc = CHU_OK;
	if (enc != CHU_ENC_UTF8) {
		ctx->norm_tmp.len = 0;
		rc = chu__legacy_to_utf8(enc, text, len, &ctx->norm_tmp);
		if (rc < 0)
			return rc;
		text = ctx->norm_tmp.data ? ctx->norm_tmp.data : "";
		len = ctx->norm_tmp.len;
	}
	rc = chu__norm_utf8(text, len, ctx->opts.tone, ctx->opts.strict, 0, &ctx->error_offset, &ctx->norm_out,
	                    &ctx->scratch);
	if (rc == CHU_EUTF8 && enc != CHU_ENC_UTF8) /* an offset into the caller's bytes */
		ctx->error_offset = chu__legacy_source_offset(enc, source, source_len, ctx->error_offset, &ctx->scratch);
	if (rc < 0)
		return rc;
	*out = ctx->norm_out.data;
	if (out_len)
		*out_len = ctx->norm_out.len;
	return CHU_OK;
}

int chu_norm_span(chu_ctx *ctx, const char *text, size_t start, size_t end, const char **out, size_t *out_len)
{
	if (!ctx || !text || start > end || !out)
		return CHU_EINVAL;
	ctx->span_out.len = 0;
	int rc = chu__norm_utf8(text + start, end - start, ctx->opts.tone, 0, 1, &ctx->error_offset, &ctx->span_out,
	                        &ctx->scratch);
	if (rc < 0)
		return rc;
	*out = ctx->span_out.data;
	if (out_len)
		*out_len = ctx->span_out.len;
	return CHU_OK;
}

int chu_fold(chu_ctx *ctx, const char *text, size_t len, const char **out, size_t *out_len)
{
	if (!ctx || (!text && len) || !out)
		return CHU_EINVAL;
	int rc = CHU_OK;
	chu__buf *b = &ctx->fold_out;
	b->len = 0;
	chu__buf_reserve(&rc, b, len);
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len && rc >= 0;) {
		int32_t cp;
		int k = chu__utf8_decode(s + i, len - i, &cp);
		if (chu__char_class(cp) != CHU__C_MARK)
			chu__buf_put_cp(&rc, b, cp < 0 ? 0xFFFD : chu__fold_cp(cp));
		i += (size_t)k;
	}
	chu__buf_reserve(&rc, b, 0);
	if (rc < 0)
		return rc;
	b->data[b->len] = '\0';
	*out = b->data;
	if (out_len)
		*out_len = b->len;
	return CHU_OK;
}
