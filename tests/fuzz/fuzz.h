/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - helpers shared by the libFuzzer targets in tests/fuzz: a
 * private temporary directory, inputs written to files (the readers take
 * paths), and a check macro that says which invariant broke before it
 * aborts, so that libFuzzer keeps the input as a crash.
 *
 * Each target is one program; these are static functions, no library.
 * Temporary files go under $TMPDIR (tests/fuzz/run.sh points it into the
 * build directory), one directory per process, removed at exit.
 */
#ifndef OFFLOAD_FUZZ_H
#define OFFLOAD_FUZZ_H
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest input a target looks at: XML and INI files beyond this are
 * rejected (libFuzzer drops them from the corpus), so that one input never
 * costs seconds.  Larger hostile files are run once by tests/fuzz/run.sh
 * with FUZZ_MAX_INPUT raised. */
#define FUZZ_MAX_INPUT_DEFAULT (64 * 1024)

/* Not every target uses every helper. */
#define FUZZ_UNUSED __attribute__((unused))

#define FUZZ_CHECK(cond, ...)                                            \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "fuzz: invariant broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);              \
			fprintf(stderr, "fuzz: " __VA_ARGS__);           \
			fputc('\n', stderr);                             \
			abort();                                         \
		}                                                        \
	} while (0)

static char fuzz_dir_[PATH_MAX];

static FUZZ_UNUSED int fuzz_rm_(const char *path, const struct stat *st,
				int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path) ? -1 : 0;
}

static FUZZ_UNUSED void fuzz_cleanup_(void)
{
	if (fuzz_dir_[0] && nftw(fuzz_dir_, fuzz_rm_, 16, FTW_DEPTH | FTW_PHYS))
		fprintf(stderr, "fuzz: cannot remove %s\n", fuzz_dir_);
}

/* The process's temporary directory, created on first use. */
static FUZZ_UNUSED const char *fuzz_dir(void)
{
	const char *t;

	if (fuzz_dir_[0])
		return fuzz_dir_;
	t = getenv("TMPDIR");
	snprintf(fuzz_dir_, sizeof(fuzz_dir_), "%s/offload-fuzz.XXXXXX",
		 t && *t ? t : "/tmp");
	if (!mkdtemp(fuzz_dir_)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup_);
	return fuzz_dir_;
}

/* "DIR/name" into buf[size]; returns buf. */
static FUZZ_UNUSED const char *fuzz_path(char *buf, size_t size,
					 const char *name)
{
	snprintf(buf, size, "%s/%s", fuzz_dir(), name);
	return buf;
}

/* Write data[0..n) to `path`, replacing it.  Aborts on I/O errors: they
 * are the machine's, not the code's, and must not pass as a result. */
static FUZZ_UNUSED void fuzz_write(const char *path, const void *data, size_t n)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

/* Whole file into a new NUL-terminated buffer (caller frees); NULL when
 * missing.  *n gets its size. */
static FUZZ_UNUSED char *fuzz_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t len = 0, alloc = 0, r;

	*n = 0;
	if (!f)
		return NULL;
	do {
		if (alloc - len < 4096) {
			alloc = alloc ? 2 * alloc : 8192;
			s = realloc(s, alloc);
			if (!s)
				abort();
		}
		r = fread(s + len, 1, alloc - len - 1, f);
		len += r;
	} while (r);
	fclose(f);
	s[len] = '\0';
	*n = len;
	return s;
}

/* Inputs above this many bytes are rejected; FUZZ_MAX_INPUT overrides. */
static FUZZ_UNUSED size_t fuzz_max_input(void)
{
	static size_t max;
	const char *s;

	if (!max) {
		s = getenv("FUZZ_MAX_INPUT");
		max = s && *s ? strtoul(s, NULL, 10) : 0;
		if (!max)
			max = FUZZ_MAX_INPUT_DEFAULT;
	}
	return max;
}

/* A flag from the environment: set and not "0". */
static FUZZ_UNUSED int fuzz_flag(const char *name)
{
	const char *s = getenv(name);

	return s && *s && strcmp(s, "0") != 0;
}

/*
 * A failure known today (reported, being fixed elsewhere): 1 when it may
 * pass, 0 with FUZZ_STRICT=1.  Said once per process and `what`, on a
 * line tests/fuzz/run.sh does not count as the library's output.
 */
static FUZZ_UNUSED int fuzz_known(const char *what)
{
	static const char *said[16];
	size_t i;

	if (fuzz_flag("FUZZ_STRICT"))
		return 0;
	for (i = 0; i < 16 && said[i] && said[i] != what; i++)
		;
	if (i < 16 && !said[i]) {
		said[i] = what;
		fprintf(stderr, "fuzz: known failure let through "
			"(FUZZ_STRICT=1 fails): %s\n", what);
	}
	return 1;
}

#endif
