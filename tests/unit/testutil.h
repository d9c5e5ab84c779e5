/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - small helpers shared by the cmocka programs: removing a
 * scratch directory, and validating a JUnit file against the schema Jenkins
 * uses (../shared/data/junit-10.xsd, when it and xmllint are present).
 * reading a whole file, and validating a JUnit file (see below).
 * Include after <cmocka.h>.
 */
#ifndef OFFLOAD_TESTUTIL_H
#define OFFLOAD_TESTUTIL_H
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define XSD "../shared/data/junit-10.xsd"

static inline int testutil_rm_one(const char *p, const struct stat *st,
				  int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(p);
	return 0;
}

/* The whole file at `path`, NUL-terminated (caller frees); its length in
 * *len when `len` is not NULL. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return s;
}

/* rm -rf `dir`, without following symlinks. */
static inline void remove_scratch(const char *dir)
{
	nftw(dir, testutil_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Validate `path` with xmllint: 1 valid, 0 invalid, -1 when xmllint or
 * the schema is not available. */
static inline int xsd_valid(const char *path)
{
	int status, fd;
	pid_t pid;

	if (access(XSD, R_OK) < 0)
		return -1;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("xmllint", "xmllint", "--noout", "--schema", XSD, path,
		       (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static inline void assert_xsd_valid(const char *path)
{
	int v = xsd_valid(path);

	if (v < 0)
		fprintf(stderr, "# xmllint or %s missing: schema not checked\n",
			XSD);
	else
		assert_int_equal(v, 1);
}

#endif
