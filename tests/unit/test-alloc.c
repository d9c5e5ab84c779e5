/* SPDX-License-Identifier: MIT */
/*
 * test-alloc.c - the allocator hook (alloc.h) and what uses it: counting,
 * failing the n-th allocation once or from then on, and a run that runs
 * out of memory while recording a test's attempt or a warning, which
 * must fail with OFFLOAD_ENOMEM naming what was lost instead of dropping
 * it.  The run is swept: every counted allocation of it fails in turn.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "testutil.h"
#include "alloc.h"
#include "offload.h"

static char tmpdir[PATH_MAX];

static void test_hook(void **state)
{
	void *p[4];
	int i;

	alloc_fail_at(0, 0);
	p[0] = alloc_malloc(8);
	assert_non_null(p[0]);
	free(p[0]);
	assert_int_equal(alloc_count(), 1);

	/* The 2nd fails, once. */
	alloc_fail_at(2, 0);
	p[0] = alloc_malloc(8);
	p[1] = alloc_strdup("x");
	p[2] = alloc_calloc(2, 8);
	p[3] = alloc_reallocarray(NULL, 2, 8);
	assert_non_null(p[0]);
	assert_null(p[1]);
	assert_int_equal(errno, ENOMEM);
	assert_non_null(p[2]);
	assert_non_null(p[3]);
	assert_int_equal(alloc_count(), 4);
	for (i = 0; i < 4; i++)
		free(p[i]);

	/* Sticky: the 2nd and every later one. */
	alloc_fail_at(2, 1);
	p[0] = alloc_strndup("abc", 2);
	assert_string_equal(p[0], "ab");
	assert_null(alloc_realloc(p[0], 64));
	assert_null(alloc_malloc(1));
	assert_null(alloc_strdup(""));
	free(p[0]);

	/* Interposed (the sweep build, tests/alloc): alloc_*() leave the
	 * counting to malloc(), which calls alloc_inject(). */
	alloc_interposed(1);
	alloc_fail_at(1, 1);
	p[0] = alloc_malloc(8);
	assert_non_null(p[0]);
	free(p[0]);
	assert_int_equal(alloc_count(), 0);
	errno = 0;
	assert_true(alloc_inject());
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(alloc_count(), 1);
	alloc_interposed(0);
	alloc_fail_at(0, 0);
}

/*
 * One custom test 't1' that fails with a message and output, and a result
 * 'ghost' that matches no test (a warning).  `fail_nth`: the counted
 * allocation during the run that fails (0: none), once or `sticky`.
 * Returns offload_run_execute's result with the report in *rep.
 */
static int run_once(unsigned long fail_nth, int sticky,
		    struct offload_report *rep, struct offload_error *err,
		    unsigned long *count)
{
	struct offload_run_options opts = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_config *cfg;
	struct offload_run *run;
	char path[PATH_MAX + 16];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/offload.ini", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[offload]\nmax_parallel = 1\n"
	      "[framework]\ntype = custom\n"
	      "discover_command = echo t1\n"
	      "run_command = echo '<testsuite><testcase name=\"t1\">"
	      "<failure message=\"boom\">trace</failure></testcase>"
	      "<testcase name=\"ghost\"/></testsuite>' >{result_file}\n"
	      "[group.all]\n", f);
	assert_int_equal(fclose(f), 0);
	if (offload_config_load(&cfg, path, err))
		fail_msg("%s", err->msg);
	assert_int_equal(offload_run_new(&run, cfg, &opts, err), 0);
	if (offload_run_prepare(run, err))
		fail_msg("%s", err->msg);
	alloc_fail_at(fail_nth, sticky);
	r = offload_run_execute(run, rep, err);
	*count = alloc_count();
	alloc_fail_at(0, 0);
	offload_run_free(run);
	offload_config_free(cfg);
	return r;
}

static void test_run_out_of_memory(void **state)
{
	struct offload_report rep;
	struct offload_error err;
	unsigned long count, n, ignored;
	int sticky, r;

	/* Without failures: the attempt with its texts, and the warning. */
	assert_int_equal(run_once(0, 0, &rep, &err, &count), 0);
	assert_int_equal(rep.nr, 1);
	assert_int_equal(rep.results[0].attempts_nr, 1);
	assert_string_equal(rep.results[0].attempts[0].message, "boom");
	assert_non_null(rep.results[0].attempts[0].output);
	assert_int_equal(rep.warnings_nr, 1);
	assert_non_null(strstr(rep.warnings[0], "'ghost'"));
	offload_report_release(&rep);
	assert_true(count >= 5);	/* warning 2, attempt 3 */

	for (sticky = 0; sticky < 2; sticky++) {
		for (n = 1; n <= count; n++) {
			r = run_once(n, sticky, &rep, &err, &ignored);
			assert_int_equal(r, OFFLOAD_ENOMEM);
			assert_int_equal(err.code, OFFLOAD_ENOMEM);
			if (!strstr(err.msg, "out of memory recording an attempt of test 't1'") &&
			    !strstr(err.msg, "out of memory keeping a warning of batch 1"))
				fail_msg("n=%lu: %s", n, err.msg);
			/* The results so far are still reported. */
			assert_int_equal(rep.nr, 1);
			assert_true(rep.results[0].attempts_nr <= 1);
			offload_report_release(&rep);
		}
	}
}

static int setup(void **state)
{
	char templ[] = "/tmp/test-alloc.XXXXXX";

	if (!mkdtemp(templ) || !realpath(templ, tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	remove_scratch(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook),
		cmocka_unit_test(test_run_out_of_memory),
	};

	return cmocka_run_group_tests_name("alloc", tests, setup, teardown);
}
