/* SPDX-License-Identifier: MIT */
/*
 * test-history.c - durations from the previous report: mapped by escaped
 * test ID and group, unknown tests negative, a missing history silent, an
 * unreadable one a warning and never an error.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "testutil.h"

#include "history.h"
#include "config.h"
#include "junit.h"

static char scratch[] = "/tmp/offload-test-history-XXXXXX";

static char *path_in(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	return p;
}

static void write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	remove_scratch(scratch);
	return 0;
}

static struct offload_group groups[] = {
	{ (char *)"unit", 0, (char *)"", 0 },
	{ (char *)"slow <x>", 0, (char *)"", 0 },
};

static struct offload_config cfg = { .groups = groups, .groups_nr = 2 };

static struct offload_attempt att[] = {
	{ OFFLOAD_ATTEMPT_PASSED, 1.25, 0, 0, NULL, NULL, NULL },
	{ OFFLOAD_ATTEMPT_FAILED, 7.5, 0, 0, (char *)"boom", NULL, NULL },
	{ OFFLOAD_ATTEMPT_PASSED, 30, 0, 0, NULL, NULL, NULL },
	{ OFFLOAD_ATTEMPT_PASSED, 0.5, 0, 0, NULL, NULL, NULL },
};

/* The previous run, as offload itself wrote it. */
static void write_previous(const char *path)
{
	struct offload_result res[] = {
		{ (char *)"a.py::test_one", 0, OFFLOAD_PASSED, NULL, &att[0], 1 },
		{ (char *)"odd \"id\" <&>\n\x01\xff", 0, OFFLOAD_FAILED, NULL,
		  &att[1], 1 },
		/* One ID in two groups: each keeps its own duration. */
		{ (char *)"same", 1, OFFLOAD_PASSED, NULL, &att[2], 1 },
		{ (char *)"same", 0, OFFLOAD_PASSED, NULL, &att[3], 1 },
		{ (char *)"never ran", 0, OFFLOAD_NOT_RUN, NULL, NULL, 0 },
	};
	struct offload_report rep = { .results = res, .nr = 5 };
	struct offload_error err = { 0, "" };

	assert_int_equal(junit_write(path, &cfg, &rep, &err), 0);
}

static void test_durations_mapped(void **state)
{
	char *ids[] = {
		(char *)"same", (char *)"a.py::test_one", (char *)"new test",
		(char *)"odd \"id\" <&>\n\x01\xff", (char *)"same",
		(char *)"never ran",
	};
	size_t group[] = { 0, 0, 0, 1, 1, 0 };
	struct offload_test_list tests = { ids, group, 6 };
	double d[6];
	size_t known = 99;
	char *warning = (char *)"x";
	const char *p = path_in("junit.xml");

	(void)state;
	write_previous(p);
	assert_int_equal(history_load(p, &cfg, &tests, d, &known, &warning), 0);
	assert_null(warning);
	assert_int_equal(known, 4);
	assert_true(d[0] == 0.5);
	assert_true(d[1] == 1.25);
	assert_true(d[2] < 0);          /* not in the history */
	/* Group differs from the history: any classname will do. */
	assert_true(d[3] == 7.5);
	assert_true(d[4] == 30);
	/* A test that did not run has no duration to learn from. */
	assert_true(d[5] < 0);
}

static void test_runner_file(void **state)
{
	/* A history written by another tool: only names matter. */
	char *ids[] = { (char *)"t1", (char *)"t2", (char *)"t3" };
	size_t group[] = { 0, 0, 0 };
	struct offload_test_list tests = { ids, group, 3 };
	double d[3];
	size_t known;
	char *warning = NULL;
	const char *p = path_in("runner.xml");

	(void)state;
	write_str(p, "<testsuite><testcase name=\"t1\" classname=\"x\" time=\"2.5\"/>"
		     "<testcase name=\"t2\"/><testcase name=\"t3\" time=\"bad\">"
		     "<skipped/></testcase></testsuite>");
	assert_int_equal(history_load(p, &cfg, &tests, d, &known, &warning), 0);
	assert_null(warning);
	assert_int_equal(known, 3);
	assert_true(d[0] == 2.5);
	assert_true(d[1] == 0);
	assert_true(d[2] == 0);
}

static void test_many_tests(void **state)
{
	/* Enough tests to exercise collisions in the index. */
	enum { N = 5000 };
	struct offload_result *res = calloc(N, sizeof(*res));
	struct offload_attempt *a = calloc(N, sizeof(*a));
	char **ids = calloc(N + 1, sizeof(*ids));
	size_t *group = calloc(N + 1, sizeof(*group));
	struct offload_report rep = { .results = res, .nr = N };
	struct offload_test_list tests = { ids, group, N + 1 };
	struct offload_error err = { 0, "" };
	double *d = calloc(N + 1, sizeof(*d));
	const char *p = path_in("many.xml");
	size_t i, known;
	char *warning = NULL;

	(void)state;
	assert_true(res && a && ids && group && d);
	for (i = 0; i < N; i++) {
		ids[i] = malloc(32);
		assert_non_null(ids[i]);
		snprintf(ids[i], 32, "t::%zu", i);
		a[i].outcome = OFFLOAD_ATTEMPT_PASSED;
		a[i].secs = (double)i / 1000;
		res[i].id = ids[i];
		res[i].verdict = OFFLOAD_PASSED;
		res[i].attempts = &a[i];
		res[i].attempts_nr = 1;
	}
	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	ids[N] = (char *)"t::missing";
	assert_int_equal(history_load(p, &cfg, &tests, d, &known, &warning), 0);
	assert_int_equal(known, N);
	for (i = 0; i < N; i++)
		assert_true(d[i] > (double)i / 1000 - 0.0006 &&
			    d[i] < (double)i / 1000 + 0.0006);
	assert_true(d[N] < 0);
	for (i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
	free(group);
	free(res);
	free(a);
	free(d);
}

static void test_missing_file(void **state)
{
	char *ids[] = { (char *)"a" };
	size_t group[] = { 0 };
	struct offload_test_list tests = { ids, group, 1 };
	double d[1] = { 3 };
	size_t known = 7;
	char *warning = (char *)"x";

	(void)state;
	assert_int_equal(history_load(path_in("none.xml"), &cfg, &tests, d,
				      &known, &warning), 0);
	assert_int_equal(known, 0);
	assert_null(warning);
	assert_true(d[0] < 0);
}

static void test_malformed_file(void **state)
{
	char *ids[] = { (char *)"a", (char *)"b" };
	size_t group[] = { 0, 0 };
	struct offload_test_list tests = { ids, group, 2 };
	double d[2];
	size_t known = 7;
	char *warning = NULL, want[1200];
	const char *p = path_in("bad.xml");

	(void)state;
	/* Truncated after a complete case: still no durations at all. */
	write_str(p, "<testsuite><testcase name=\"a\" time=\"4\"/><testcase name=\"b\"");
	assert_int_equal(history_load(p, &cfg, &tests, d, &known, &warning), 0);
	assert_int_equal(known, 0);
	assert_true(d[0] < 0 && d[1] < 0);
	assert_non_null(warning);
	snprintf(want, sizeof(want), "history '%s' unreadable: junit '%s' line 1: ",
		 p, p);
	assert_int_equal(strncmp(warning, want, strlen(want)), 0);
	assert_non_null(strstr(warning, "; scheduling in discovery order"));
	free(warning);

	/* An empty file (a crashed earlier run) is the same. */
	write_str(p, "");
	assert_int_equal(history_load(p, &cfg, &tests, d, &known, &warning), 0);
	assert_int_equal(known, 0);
	assert_non_null(warning);
	free(warning);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_mapped),
		cmocka_unit_test(test_runner_file),
		cmocka_unit_test(test_many_tests),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_malformed_file),
	};

	return cmocka_run_group_tests_name("history", tests, setup, teardown);
}
