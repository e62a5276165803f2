/*
 * cli.h — what the files of the `chu` command share. The command parses arguments, reads files
 * and prints; every language rule lives in libchu.
 */
#ifndef CHU_CLI_H
#define CHU_CLI_H

#include "chu.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes of the command. */
enum { CLI_OK = 0, CLI_BAD_INPUT = 1, CLI_USAGE = 2 };

/* Prints "chu: FILE:LINE: message" (or "chu: FILE: message" when line is 0, "chu: message" when
 * file is NULL) on stderr. */
void cli_error(const char *file, unsigned long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prints "<what> gold G predicted P correct C" and precision, recall and F1 in percent. */
void cli_print_prf(const char *what, size_t gold, size_t predicted, size_t correct);

/* Reads a whole file ("-" is stdin) into a malloc'd buffer; NULL and an error message on failure. */
char *cli_read_file(const char *path, size_t *len);

/* The same, but reading no more than max + 1 bytes: a file longer than max bytes gives NULL with
 * *too_big set and no message (the caller names the limit). */
char *cli_read_file_max(const char *path, size_t max, size_t *len, bool *too_big);

/* Finds a model file by name ("seg.chm"): $CHU_MODEL_DIR, then models/ next to the executable
 * and one level up (a build tree), then the installed data directory. Returns a malloc'd path or
 * NULL. */
char *cli_find_model(const char *name);

/* Opens the model at path, or the one cli_find_model(name) finds when path is NULL, and checks
 * that it holds part (a CHU_MODEL_* bit): NULL after printing an error that names the file and
 * what is wrong ("not a word segmentation model: it holds a part-of-speech tagger"), or, when
 * none is found, option, the flag that gives a model. */
chu_model *cli_open_model(const char *path, const char *name, const char *option, unsigned part);

/* The same for a model a command can do without: with path NULL and none found, *out is NULL
 * and the result true. false after printing an error. */
bool cli_open_model_if_any(const char *path, const char *name, const char *option, unsigned part, chu_model **out);

/* The restorer that chu seg, pos, ner and annotate read sentences typed without marks through
 * (chu_ctx_set_accent_source): the model given with --accent-model, opened at once, or else
 * accent.chm where cli_find_model finds it, opened the first time a sentence needs it and then
 * shared by every thread (none found: such sentences are read as written); --as-written: none. */
typedef struct cli_restorer {
	pthread_mutex_t lock;
	bool off, tried;
	chu_model *model;
	int rc;           /* what opening it gave (negative: the error, printed once) */
} cli_restorer;
#define CLI_AS_WRITTEN_HELP                                                                            \
	"A sentence typed without marks (\"Pham Minh Chinh noi\") is read as the diacritics model\n"          \
	"(accent.chm, or --accent-model FILE) restores it; the output keeps the text as written.\n"          \
	"--as-written reads every sentence as it is.\n"
/* false after printing an error (path given and not a diacritics model). */
bool cli_restorer_init(cli_restorer *a, const char *path, bool off);
void cli_restorer_use(cli_restorer *a, chu_ctx *ctx);
void cli_restorer_free(cli_restorer *a);

/* The trainers' progress callback: "chu train: message" on stderr. */
void cli_train_progress(void *ud, const char *message);

/* Feeds each named file (or stdin when there is none, or for "-") through a chu_stream that
 * calls fn for each piece, then end (may be NULL) once the file's last piece is done: a file is
 * a document. A non-zero return from either stops, the callback having printed the error.
 * Returns CLI_OK, or CLI_BAD_INPUT after printing an error. *current names the file being read
 * while fn and end run (for messages). Memory: one 64 KiB read buffer and the stream's piece. */
int cli_stream_inputs(int nfiles, char **files, chu_piece_fn fn, int (*end)(void *ud), void *ud, const char **current);

/* The default of --max-doc-size: the most bytes a command that reads a document whole holds. */
#define CLI_MAX_DOC_SIZE ((size_t)64 << 20)

/* Reads --max-doc-size's value: a number of bytes with an optional K, M or G suffix (KiB, MiB,
 * GiB), at least 1; false after printing a usage error. */
bool cli_parse_size(const char *arg, size_t *size);

/* Reads each named file (or stdin when there is none, or for "-") whole and calls fn with its
 * display name and bytes; a negative chu status from fn is reported as "chu: NAME: message".
 * A file of more than max_len bytes is not read past max_len + 1 bytes: "chu: NAME: more than
 * N bytes (--max-doc-size)" is printed, nothing of it is given to fn, and the next file is read.
 * Returns CLI_OK or CLI_BAD_INPUT; an unreadable file or a failure of fn stops at once. */
int cli_whole_files(int nfiles, char **files, size_t max_len,
                    int (*fn)(void *ud, const char *name, const char *text, size_t len), void *ud);

/* Is text (its first bytes) UTF-16 with a byte order mark? The commands read UTF-8: such input is
 * refused with cli_utf16_error() rather than read as garbage (chu norm --from=auto converts it). */
bool cli_is_utf16(const char *text, size_t len);
void cli_utf16_error(const char *file);

/* Reads a whole number from lo to hi, the value of option name, into *v; false after printing
 * "NAME takes a whole number from LO to HI, not "ARG"". */
bool cli_parse_long(const char *arg, const char *name, long lo, long hi, long *v);

/* Reads --window's value (sentences either side, 0..1000) into *window; false after printing a
 * usage error. */
bool cli_parse_window(const char *arg, size_t *window);

/* Starts fn(arg) on a thread of its own (*tid); false when the thread cannot start, after
 * printing "warning: cannot start a thread (…): going on with fewer" once (*warned): the caller
 * then runs the job on its own thread, so the output is the same with fewer threads. */
bool cli_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg, bool *warned);

/* Rewrites each JSON escape \u0000 in line[0, n) as \uFFFD, in place, and says how many: SQLite's
 * JSON functions end a string at a NUL, so "phần đầu\u0000phần sau" would lose "phần sau". An
 * escaped backslash before "u0000" is not an escape of NUL and is left (cli/index.c). */
size_t cli_json_nul_escapes(char *line, size_t n);

/* Writes s[0..n) as a JSON string on stdout, or on f. */
void cli_json_str(const char *s, size_t n);
void cli_json_fstr(FILE *f, const char *s, size_t n);


/* Subcommands implemented outside main.c; each receives argv starting at the subcommand name. */
int cli_seg(int argc, char **argv);   /* chu seg */
int cli_train(int argc, char **argv); /* chu train seg … */
int cli_eval(int argc, char **argv);  /* chu eval seg GOLD PRED */
int cli_annotate(int argc, char **argv); /* chu annotate */

int cli_tag(int argc, char **argv);      /* chu pos, chu ner */
int cli_accent(int argc, char **argv);   /* chu accent */
int cli_train_tag(int argc, char **argv); /* chu train pos|ner …, argv from "pos"/"ner" */
int cli_eval_tag(int argc, char **argv);  /* chu eval pos|ner GOLD PRED */
int cli_index(int argc, char **argv);    /* chu index DB PATH… */
int cli_search(int argc, char **argv);   /* chu search DB QUERY */
int cli_serve(int argc, char **argv);    /* chu serve DB */

#endif
