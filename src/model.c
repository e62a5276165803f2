/*
 * model.c — chu's model file: a small header, a table of named sections, the sections.
 *
 * Layout (all fields little-endian, fixed width; every section starts on an 8-byte boundary):
 *   0   magic "CHUMODEL"
 *   8   u32 format version (CHU__MODEL_VERSION)
 *   12  u32 state: 0 while the file is being written, 1 once it is complete
 *   16  u32 0x01020304, u16 0x0506, u16 8 (sizeof double), f64 1.5   — sanity values
 *   32  u64 file size
 *   40  u64 checksum of every byte from offset 48 to the end (section table and data):
 *       chu__model_sum in version 2, chu__checksum in version 1 (still read)
 *   48  u32 number of sections, u32 reserved
 *   56  sections: {char name[24]; u64 offset; u64 size} each (40 bytes)
 * The writer writes state 0, the table and the data, then seeks back and writes state 1 and the
 * checksum last, so a crashed write never loads. The reader maps the file read-only and checks
 * every field and every section against the file size before anything reads a section.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_SIZE 56
#define ENTRY_SIZE 40
#define NAME_SIZE 24
#define MAX_SECTIONS 64

static uint32_t rd32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void wr64(unsigned char *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

uint64_t chu__checksum(const void *data, size_t n)
{
	/* 64-bit words, multiply-xor-rotate mixing: fast enough to check a model at every load */
	const unsigned char *p = data;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001B3ULL;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ULL;
	h ^= h >> 33;
	return h;
}

/* The checksum of a version 2 file: four lanes of chu__checksum's mixing over 32-byte blocks, so
 * that the multiplies of the lanes overlap and the sum keeps up with the memory it reads (one
 * lane waits for each multiply: 54 MB took 21 ms, four take 8). The tail goes through one lane. */
uint64_t chu__model_sum(const void *data, size_t n)
{
	const unsigned char *p = data;
	const uint64_t m = 0xFF51AFD7ED558CCDULL;
	/* four named lanes and words, not arrays: GCC keeps arrays in memory, and is then no faster */
	uint64_t a = 0x9E3779B97F4A7C15ULL ^ n, b = 0xC2B2AE3D27D4EB4FULL, c = 0x165667B19E3779F9ULL, d = 0x27D4EB2F165667C5ULL;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		uint64_t w0, w1, w2, w3;
		memcpy(&w0, p + i, 8), memcpy(&w1, p + i + 8, 8), memcpy(&w2, p + i + 16, 8), memcpy(&w3, p + i + 24, 8);
		a = (a ^ w0) * m, a ^= a >> 29;
		b = (b ^ w1) * m, b ^= b >> 29;
		c = (c ^ w2) * m, c ^= c >> 29;
		d = (d ^ w3) * m, d ^= d >> 29;
	}
	uint64_t t = a ^ (b << 1 | b >> 63) ^ (c << 2 | c >> 62) ^ (d << 3 | d >> 61);
	return t ^ chu__checksum(p + i, n - i);
}

struct chu_model {
	const unsigned char *map; /* the whole file, mapped read-only */
	size_t size;              /* its size in bytes */
	uint32_t n_sections;
	const unsigned char *table; /* the section table inside map */
	struct chu__seg_model *seg; /* parsed segmentation sections, or NULL (src/seg.c) */
	struct chu__tag_model *tag[3]; /* parsed taggers (POS, NER, accents), or NULL (src/tag.c) */
	struct chu__acc_model *acc;    /* the accent restorer's dictionary, or NULL (src/accent.c) */
};

/* Gives back the memory of whole pages of [p, p + n), part of m's file, that the process will not
 * read again (what reads them after is read from the file again): its resident size falls. */
void chu__model_unused(const chu_model *m, const void *p, size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p, b = a + n, lo = (uintptr_t)m->map, hi = lo + m->size;
	if (pg <= 0 || a < lo || b > hi)
		return;
	a = (a + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	b &= ~((uintptr_t)pg - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}


int chu__model_section(const chu_model *m, const char *name, const void **data, uint64_t *size)
{
	for (uint32_t i = 0; i < m->n_sections; i++) {
		const unsigned char *e = m->table + (size_t)i * ENTRY_SIZE;
		if (strncmp((const char *)e, name, NAME_SIZE) == 0) {
			*data = m->map + rd64(e + NAME_SIZE);
			*size = rd64(e + NAME_SIZE + 8);
			return CHU_OK;
		}
	}
	return CHU_EFORMAT;
}

static int check_header(const unsigned char *p, size_t size, uint32_t *n_sections)
{
	if (size < HEADER_SIZE || memcmp(p, "CHUMODEL", 8) != 0)
		return CHU_EFORMAT;
	uint32_t version = rd32(p + 8);
	if (version != CHU__MODEL_VERSION && version != 1)
		return CHU_EVERSION;
	double d;
	memcpy(&d, p + 24, 8);
	if (rd32(p + 12) != 1 || rd32(p + 16) != 0x01020304u || p[20] != 0x06 || p[21] != 0x05 || p[22] != 8 || p[23] != 0 ||
	    d != 1.5)
		return CHU_EFORMAT;
	if (rd64(p + 32) != size)
		return CHU_EFORMAT;
	uint32_t n = rd32(p + 48);
	if (n == 0 || n > MAX_SECTIONS || HEADER_SIZE + (uint64_t)n * ENTRY_SIZE > size)
		return CHU_EFORMAT;
	size_t data_start = HEADER_SIZE + (size_t)n * ENTRY_SIZE;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *e = p + HEADER_SIZE + (size_t)i * ENTRY_SIZE;
		if (memchr(e, 0, NAME_SIZE) == NULL)
			return CHU_EFORMAT; /* a name must be NUL-terminated */
		uint64_t off = rd64(e + NAME_SIZE), len = rd64(e + NAME_SIZE + 8);
		if (off % 8 || off < data_start || off > size || len > size - off)
			return CHU_EFORMAT;
	}
	if (rd64(p + 40) != (version == 1 ? chu__checksum(p + 48, size - 48) : chu__model_sum(p + 48, size - 48)))
		return CHU_EFORMAT;
	*n_sections = n;
	return CHU_OK;
}

int chu_model_open(const char *path, chu_model **out)
{
	if (!path || !out)
		return CHU_EINVAL;
	*out = NULL;
	/* O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; it is refused below.
	 * The flag changes nothing for a regular file, which is all that is mapped. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return CHU_EIO;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return CHU_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return CHU_EFORMAT;
	}
	size_t size = (size_t)st.st_size;
	if (size < HEADER_SIZE) {
		close(fd);
		return CHU_EFORMAT;
	}
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return CHU_EIO;
	chu_model *m = calloc(1, sizeof *m);
	if (!m) {
		munmap(map, size);
		return CHU_ENOMEM;
	}
	m->map = map;
	m->size = size;
	int rc = check_header(map, size, &m->n_sections);
	if (rc == CHU_OK) {
		m->table = m->map + HEADER_SIZE;
		rc = chu__seg_model_load(m, &m->seg);
		for (int t = 0; t < 3 && rc == CHU_OK; t++)
			rc = chu__tag_model_load(m, t, &m->tag[t]);
		if (rc == CHU_OK)
			rc = chu__acc_model_load(m, &m->acc);
	}
	if (rc < 0) {
		chu_model_close(m);
		return rc;
	}
	*out = m;
	return CHU_OK;
}

void chu_model_close(chu_model *m)
{
	if (!m)
		return;
	chu__seg_model_free(m->seg);
	chu__tag_model_free(m->tag[0]);
	chu__tag_model_free(m->tag[1]);
	chu__tag_model_free(m->tag[2]);
	chu__acc_model_free(m->acc);
	if (m->map)
		munmap((void *)m->map, m->size);
	free(m);
}

const struct chu__seg_model *chu__model_seg(const chu_model *m) { return m ? m->seg : NULL; }

const struct chu__tag_model *chu__model_tagger(const chu_model *m, int tagger)
{
	return m && tagger >= 0 && tagger <= CHU__TAGGER_ACCENT ? m->tag[tagger] : NULL;
}

const struct chu__acc_model *chu__model_accent(const chu_model *m) { return m ? m->acc : NULL; }

unsigned chu_model_parts(const chu_model *m)
{
	if (!m)
		return 0;
	return (m->seg ? CHU_MODEL_SEG : 0u) | (m->tag[CHU_TAGGER_POS] ? CHU_MODEL_POS : 0u) |
	       (m->tag[CHU_TAGGER_NER] ? CHU_MODEL_NER : 0u) | (m->acc && m->tag[CHU__TAGGER_ACCENT] ? CHU_MODEL_ACCENT : 0u);
}

uint64_t chu_model_checksum(const chu_model *m) { return m ? rd64(m->map + 40) : 0; }

int chu__model_write(const char *path, const char *const *names, const void *const *data, const uint64_t *sizes, size_t n)
{
	if (n == 0 || n > MAX_SECTIONS)
		return CHU_EINVAL;
	size_t data_start = HEADER_SIZE + n * ENTRY_SIZE;
	size_t total = (data_start + 7) & ~(size_t)7;
	for (size_t i = 0; i < n; i++)
		total = (total + (size_t)sizes[i] + 7) & ~(size_t)7;
	unsigned char *buf = calloc(1, total);
	if (!buf)
		return CHU_ENOMEM;
	memcpy(buf, "CHUMODEL", 8);
	wr32(buf + 8, CHU__MODEL_VERSION);
	wr32(buf + 12, 0); /* incomplete */
	wr32(buf + 16, 0x01020304u);
	buf[20] = 0x06, buf[21] = 0x05, buf[22] = 8, buf[23] = 0;
	double d = 1.5;
	memcpy(buf + 24, &d, 8);
	wr64(buf + 32, total);
	wr32(buf + 48, (uint32_t)n);
	size_t off = (data_start + 7) & ~(size_t)7;
	for (size_t i = 0; i < n; i++) {
		unsigned char *e = buf + HEADER_SIZE + i * ENTRY_SIZE;
		strncpy((char *)e, names[i], NAME_SIZE - 1);
		wr64(e + NAME_SIZE, off);
		wr64(e + NAME_SIZE + 8, sizes[i]);
		if (sizes[i])
			memcpy(buf + off, data[i], (size_t)sizes[i]);
		off = (off + (size_t)sizes[i] + 7) & ~(size_t)7;
	}
	uint64_t sum = chu__model_sum(buf + 48, total - 48);
	int rc = CHU_OK;
	FILE *f = fopen(path, "wb");
	if (!f) {
		free(buf);
		return CHU_EIO;
	}
	if (fwrite(buf, 1, total, f) != total || fflush(f) != 0)
		rc = CHU_EIO;
	/* finalize last: the checksum, then the state that says the file is complete */
	unsigned char tail[8];
	wr64(tail, sum);
	if (rc == CHU_OK && (fseek(f, 40, SEEK_SET) != 0 || fwrite(tail, 1, 8, f) != 8 || fflush(f) != 0))
		rc = CHU_EIO;
	wr32(tail, 1);
	if (rc == CHU_OK && (fseek(f, 12, SEEK_SET) != 0 || fwrite(tail, 1, 4, f) != 4))
		rc = CHU_EIO;
	if (fclose(f) != 0)
		rc = CHU_EIO;
	free(buf);
	return rc;
}
