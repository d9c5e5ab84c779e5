/* SPDX-License-Identifier: MIT */
/*
 * signal-on-rename.c - an LD_PRELOAD shim for tests: the first rename()
 * whose target ends with $SIGNAL_ON_RENAME (e.g. "junit.xml") first
 * raises SIGINT in the calling process.  offload writes its report to a
 * temporary file and renames it, so this is "Ctrl-C while the report is
 * written", on time, every time.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rename(const char *from, const char *to)
{
	static int done;
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	const char *end = getenv("SIGNAL_ON_RENAME");
	size_t n = end ? strlen(end) : 0, tn = strlen(to);

	if (!done && n && tn >= n && !strcmp(to + tn - n, end)) {
		done = 1;
		raise(SIGINT);
	}
	return real(from, to);
}
