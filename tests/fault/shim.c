/*
 * shim.c — an LD_PRELOAD library that makes the system calls the `chu` command relies on fail on
 * demand, so tests/faults.sh can check that a failure the command cannot avoid (no thread can be
 * started, the disk is full, the reader of a pipe went away) ends in a clear error and a non-zero
 * exit status, never in silently wrong or missing output.
 *
 * Controlled by the environment of the process it is loaded into:
 *   CHU_FAULT_PTHREAD_CREATE=N   the Nth pthread_create call (1-based) and every later one fail
 *                                with EAGAIN, as when a process reaches its thread limit.
 *   CHU_FAULT_WRITE_AFTER=BYTES  once BYTES bytes have been written to fd 1, every later write to
 *                                it fails (a write that crosses the limit is cut short there).
 *   CHU_FAULT_WRITE_ERRNO=NAME   the errno of those failures: ENOSPC (the default), EPIPE, EIO.
 *   CHU_FAULT_LOG=FILE           a line is appended to FILE for each refusal of a kind, once, so a
 *                                test can tell that the fault was really injected; at exit, when
 *                                writes were refused, "tried after refusal: N bytes": how much the
 *                                process still tried to write to fd 1 after the first refusal (a
 *                                command that stops soon after its output fails tries little),
 *                                and, when fd 0 is a file, "input read after refusal: N bytes":
 *                                how far its offset moved after the first refusal (a command that
 *                                stops soon reads little more of its input).
 *
 * Writes through stdio do not pass through an interposed write(): glibc's FILE code calls its own
 * internal write. So when CHU_FAULT_WRITE_AFTER is set, a constructor replaces stdout, before
 * main runs, with a stream (fopencookie) whose writes go through the same budget as write() and
 * writev() on fd 1. The shim is built without sanitizers; under AddressSanitizer the tests set
 * ASAN_OPTIONS=verify_asan_link_order=0 so that it may be loaded first.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

static long thread_fail_from = -1; /* CHU_FAULT_PTHREAD_CREATE, or -1 */
static long thread_calls;          /* pthread_create calls so far */
static long long write_budget = -1; /* CHU_FAULT_WRITE_AFTER, or -1 */
static long long written;           /* bytes that went through to fd 1 */
static int write_errno = ENOSPC;
static long long tried_after;       /* bytes offered to fd 1 after the first refusal */
static long long input_at_refusal = -1; /* the offset of fd 0 at the first refusal, or -1 */
static int logged_thread, logged_write; /* each kind of refusal is logged once */

static long long env_number(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return -1;
	char *end;
	long long n = strtoll(v, &end, 10);
	return *end || n < 0 ? -1 : n;
}

/* Appends one line to $CHU_FAULT_LOG (async-signal-safe calls only: it may run in any thread). */
static void log_line(const char *what)
{
	const char *path = getenv("CHU_FAULT_LOG");
	if (!path || !*path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t n = strlen(what);
	if (write(fd, what, n) != (ssize_t)n) {
		/* nothing to do: the log is a courtesy */
	}
	close(fd);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static pthread_create_fn real;
	if (!real)
		real = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
	long k = __atomic_add_fetch(&thread_calls, 1, __ATOMIC_SEQ_CST);
	if (thread_fail_from > 0 && k >= thread_fail_from) {
		if (!__atomic_exchange_n(&logged_thread, 1, __ATOMIC_SEQ_CST))
			log_line("pthread_create refused with EAGAIN\n");
		return EAGAIN;
	}
	return real ? real(t, attr, fn, arg) : ENOSYS;
}

/* How many of n bytes may still go to fd 1: n, less at the limit, 0 past it. */
static size_t allowance(size_t n)
{
	if (write_budget < 0)
		return n;
	long long left = write_budget - __atomic_load_n(&written, __ATOMIC_SEQ_CST);
	if (left <= 0)
		return 0;
	return (unsigned long long)left < n ? (size_t)left : n;
}

static ssize_t refuse_write(void)
{
	if (!__atomic_exchange_n(&logged_write, 1, __ATOMIC_SEQ_CST)) {
		input_at_refusal = (long long)lseek(0, 0, SEEK_CUR);
		log_line(write_errno == EPIPE ? "write refused with EPIPE\n"
		         : write_errno == EIO ? "write refused with EIO\n"
		                              : "write refused with ENOSPC\n");
	}
	errno = write_errno;
	return -1;
}

/* Counts a write request of n bytes to fd 1 that began after the first refusal. The rest of the
 * request that met the limit is not counted: a command cannot take back a write it has begun. */
static void count_request(int after, size_t n)
{
	if (after)
		__atomic_add_fetch(&tried_after, (long long)n, __ATOMIC_SEQ_CST);
}

static int refused_yet(void) { return __atomic_load_n(&logged_write, __ATOMIC_SEQ_CST); }

/* write(2) on fd 1 within the budget: a short write at the limit, -1 past it. */
static ssize_t budget_write(const void *buf, size_t n)
{
	static write_fn real;
	if (!real)
		real = (write_fn)dlsym(RTLD_NEXT, "write");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	size_t k = allowance(n);
	if (k == 0 && n > 0)
		return refuse_write();
	ssize_t w = real(1, buf, k);
	if (w > 0)
		__atomic_add_fetch(&written, (long long)w, __ATOMIC_SEQ_CST);
	return w;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static write_fn real;
	if (!real)
		real = (write_fn)dlsym(RTLD_NEXT, "write");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (fd != 1 || write_budget < 0)
		return real(fd, buf, n);
	count_request(refused_yet(), n);
	return budget_write(buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	static writev_fn real;
	if (!real)
		real = (writev_fn)dlsym(RTLD_NEXT, "writev");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (fd != 1 || write_budget < 0)
		return real(fd, iov, cnt);
	int after = refused_yet();
	for (int i = 0; i < cnt; i++)
		count_request(after, iov[i].iov_len);
	/* a buffer at a time through the budget, which then cuts it at the right byte */
	ssize_t total = 0;
	for (int i = 0; i < cnt; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left > 0) {
			ssize_t w = budget_write(p, left);
			if (w < 0)
				return total > 0 ? total : -1;
			total += w;
			p += w;
			left -= (size_t)w;
		}
	}
	return total;
}

/* stdout's writes, when it is replaced: all n bytes through the budget, or -1. */
static ssize_t stdout_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	count_request(refused_yet(), n);
	size_t done = 0;
	while (done < n) {
		ssize_t w = budget_write(buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return done > 0 ? (ssize_t)done : -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

__attribute__((constructor)) static void shim_init(void)
{
	thread_fail_from = (long)env_number("CHU_FAULT_PTHREAD_CREATE");
	write_budget = env_number("CHU_FAULT_WRITE_AFTER");
	const char *e = getenv("CHU_FAULT_WRITE_ERRNO");
	if (e && strcmp(e, "EPIPE") == 0)
		write_errno = EPIPE;
	else if (e && strcmp(e, "EIO") == 0)
		write_errno = EIO;
	if (write_budget >= 0) {
		cookie_io_functions_t io = {NULL, stdout_write, NULL, NULL};
		FILE *f = fopencookie(NULL, "w", io);
		if (f)
			stdout = f;
	}
}

/* Runs at exit before stdio's last flush: that flush, at most one buffer, is not counted. */
__attribute__((destructor)) static void shim_fini(void)
{
	if (!__atomic_load_n(&logged_write, __ATOMIC_SEQ_CST))
		return;
	char line[64];
	snprintf(line, sizeof line, "tried after refusal: %lld bytes\n", __atomic_load_n(&tried_after, __ATOMIC_SEQ_CST));
	log_line(line);
	long long at_exit = (long long)lseek(0, 0, SEEK_CUR);
	if (input_at_refusal >= 0 && at_exit >= 0) {
		snprintf(line, sizeof line, "input read after refusal: %lld bytes\n", at_exit - input_at_refusal);
		log_line(line);
	}
}
