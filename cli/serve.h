/*
 * serve.h — the page's files that chu serve embeds (generated at build time from web/ by
 * tools/embed.c into $(BUILD)/web_files.c).
 */
#ifndef CHU_SERVE_H
#define CHU_SERVE_H

#include <stddef.h>

struct serve_file {
	const char *path;           /* "/index.html" */
	const char *type;           /* its Content-Type */
	const unsigned char *data;
	size_t len;
};

/* The files, ended by an entry whose path is NULL. */
extern const struct serve_file serve_files[];
extern const size_t serve_n_files;

#endif
