/* SPDX-License-Identifier: MIT */
/*
 * check.h - the house test "framework" of libcalc: a test is a program
 * that exits 0 when every CHECK held, 77 when it does not apply here
 * (the automake convention), and 1 otherwise.  offload's exec framework
 * understands exactly that.
 */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n",    \
				__FILE__, __LINE__, #cond);             \
			check_failures++;                               \
		}                                                       \
	} while (0)

/*
 * When MONOREPO_TEST_LOG names a file, note that this test ran: the
 * example's integration test uses it to see which tests a `make` ran.
 */
static void check_start(const char *name)
{
	const char *log = getenv("MONOREPO_TEST_LOG");
	FILE *f;

	if (log && *log && (f = fopen(log, "a"))) {
		fprintf(f, "libcalc %s\n", name);
		fclose(f);
	}
}

#define CHECK_DONE() return check_failures ? 1 : 0

#endif
