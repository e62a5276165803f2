/*
 * fuzz_cli.h — for the harnesses that compile cli/index.c in (fuzz_jsonl, fuzz_index): the helpers
 * it calls from cli/main.c. Messages are dropped, sizes are not parsed, no input is taken for
 * UTF-16, no model is found (the entities come from the rules; the models' path is fuzzed by
 * fuzz_tag), no restorer is opened, no thread starts.
 */
#ifndef CHU_FUZZ_CLI_H
#define CHU_FUZZ_CLI_H

void cli_error(const char *file, unsigned long line, const char *fmt, ...)
{
	(void)file, (void)line, (void)fmt;
}
bool cli_is_utf16(const char *text, size_t len)
{
	(void)text, (void)len;
	return false; /* UTF-16 refusal is checked in tests/encodings.sh; here every line is a record */
}
void cli_utf16_error(const char *file) { (void)file; }
bool cli_parse_size(const char *arg, size_t *size)
{
	(void)arg, (void)size;
	return false;
}
bool cli_open_model_if_any(const char *path, const char *name, const char *option, unsigned part, chu_model **out)
{
	(void)path, (void)name, (void)option, (void)part;
	*out = NULL;
	return true;
}
bool cli_restorer_init(cli_restorer *a, const char *path, bool off)
{
	(void)path;
	*a = (cli_restorer){.off = off, .tried = true}; /* no model: sentences are read as written */
	return true;
}
void cli_restorer_use(cli_restorer *a, chu_ctx *ctx) { (void)a, (void)ctx; }
void cli_restorer_free(cli_restorer *a) { (void)a; }
bool cli_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg, bool *warned)
{
	(void)tid, (void)fn, (void)arg, (void)warned;
	return false;
}

#endif
