/* SPDX-License-Identifier: MIT */
/*
 * test-report.c - unit tests for report.c: the verdict of a test from its
 * attempts, the run's counts, and the exit code CI scripts depend on
 * (0 all passed or skipped, 1 failed / not run / interrupted, 2 flaky).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "offload.h"
#include "report.h"

#define P OFFLOAD_ATTEMPT_PASSED
#define F OFFLOAD_ATTEMPT_FAILED
#define E OFFLOAD_ATTEMPT_ERROR
#define S OFFLOAD_ATTEMPT_SKIPPED

static const char *verdict_name(enum offload_verdict v)
{
	switch (v) {
	case OFFLOAD_NOT_RUN: return "not run";
	case OFFLOAD_PASSED: return "passed";
	case OFFLOAD_FAILED: return "failed";
	case OFFLOAD_FLAKY: return "flaky";
	case OFFLOAD_SKIPPED: return "skipped";
	}
	return "?";
}

static void test_verdict_table(void **state)
{
	static const struct {
		int outcomes[3];
		size_t nr;
		enum offload_verdict want;
	} cases[] = {
		{ { 0 }, 0, OFFLOAD_NOT_RUN },
		{ { P }, 1, OFFLOAD_PASSED },
		{ { F }, 1, OFFLOAD_FAILED },
		{ { E }, 1, OFFLOAD_FAILED },
		{ { S }, 1, OFFLOAD_SKIPPED },
		{ { F, P }, 2, OFFLOAD_FLAKY },
		{ { P, F }, 2, OFFLOAD_FLAKY },
		{ { E, P }, 2, OFFLOAD_FLAKY },
		{ { P, E }, 2, OFFLOAD_FLAKY },
		{ { S, F }, 2, OFFLOAD_FAILED },
		{ { F, S }, 2, OFFLOAD_FAILED },
		{ { S, P }, 2, OFFLOAD_PASSED },
		{ { P, S }, 2, OFFLOAD_PASSED },
		{ { S, S }, 2, OFFLOAD_SKIPPED },
		{ { S, E }, 2, OFFLOAD_FAILED },
		{ { P, P }, 2, OFFLOAD_PASSED },
		{ { F, F }, 2, OFFLOAD_FAILED },
		{ { F, E, F }, 3, OFFLOAD_FAILED },
		{ { F, F, P }, 3, OFFLOAD_FLAKY },
		{ { S, F, P }, 3, OFFLOAD_FLAKY },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct offload_attempt a[3];
		enum offload_verdict got;

		memset(a, 0, sizeof(a));
		for (size_t k = 0; k < cases[i].nr; k++)
			a[k].outcome = (enum offload_outcome)cases[i].outcomes[k];
		got = verdict_of(cases[i].nr ? a : NULL, cases[i].nr);
		if (got != cases[i].want)
			fail_msg("case %zu: verdict %s, want %s", i,
				 verdict_name(got), verdict_name(cases[i].want));
	}
}

/* A report whose results have the given verdicts (no attempts needed). */
static void make_report(struct offload_report *rep, const enum offload_verdict *v,
			size_t nr)
{
	memset(rep, 0, sizeof(*rep));
	rep->results = calloc(nr + 1, sizeof(*rep->results));
	assert_non_null(rep->results);
	rep->nr = nr;
	for (size_t i = 0; i < nr; i++)
		rep->results[i].verdict = v[i];
	/* Stale counts must be replaced, not added to. */
	rep->passed = rep->failed = rep->flaky = rep->skipped = rep->not_run = 7;
}

static void test_count_and_exit_code(void **state)
{
	static const struct {
		enum offload_verdict v[4];
		size_t nr;
		int interrupted;
		size_t passed, failed, flaky, skipped, not_run;
		int exit;
	} cases[] = {
		{ { OFFLOAD_PASSED, OFFLOAD_PASSED }, 2, 0, 2, 0, 0, 0, 0, OFFLOAD_EXIT_OK },
		{ { OFFLOAD_PASSED, OFFLOAD_SKIPPED }, 2, 0, 1, 0, 0, 1, 0, OFFLOAD_EXIT_OK },
		{ { OFFLOAD_SKIPPED }, 1, 0, 0, 0, 0, 1, 0, OFFLOAD_EXIT_OK },
		{ { OFFLOAD_PASSED, OFFLOAD_FAILED }, 2, 0, 1, 1, 0, 0, 0, OFFLOAD_EXIT_FAILED },
		{ { OFFLOAD_PASSED, OFFLOAD_NOT_RUN }, 2, 0, 1, 0, 0, 0, 1, OFFLOAD_EXIT_FAILED },
		{ { OFFLOAD_PASSED }, 1, 2 /* SIGINT */, 1, 0, 0, 0, 0, OFFLOAD_EXIT_FAILED },
		{ { OFFLOAD_PASSED, OFFLOAD_FLAKY }, 2, 0, 1, 0, 1, 0, 0, OFFLOAD_EXIT_FLAKY },
		{ { OFFLOAD_FLAKY, OFFLOAD_SKIPPED }, 2, 0, 0, 0, 1, 1, 0, OFFLOAD_EXIT_FLAKY },
		{ { OFFLOAD_FLAKY, OFFLOAD_FAILED }, 2, 0, 0, 1, 1, 0, 0, OFFLOAD_EXIT_FAILED },
		{ { OFFLOAD_FLAKY, OFFLOAD_NOT_RUN }, 2, 0, 0, 0, 1, 0, 1, OFFLOAD_EXIT_FAILED },
		{ { OFFLOAD_FLAKY }, 1, 15 /* SIGTERM */, 0, 0, 1, 0, 0, OFFLOAD_EXIT_FAILED },
		{ { OFFLOAD_PASSED, OFFLOAD_FAILED, OFFLOAD_FLAKY, OFFLOAD_NOT_RUN }, 4, 0,
		  1, 1, 1, 0, 1, OFFLOAD_EXIT_FAILED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct offload_report rep;

		make_report(&rep, cases[i].v, cases[i].nr);
		rep.interrupted = cases[i].interrupted;
		report_count(&rep);
		if (rep.passed != cases[i].passed || rep.failed != cases[i].failed ||
		    rep.flaky != cases[i].flaky || rep.skipped != cases[i].skipped ||
		    rep.not_run != cases[i].not_run)
			fail_msg("case %zu: counts p%zu f%zu fl%zu s%zu nr%zu, "
				 "want p%zu f%zu fl%zu s%zu nr%zu", i,
				 rep.passed, rep.failed, rep.flaky, rep.skipped,
				 rep.not_run, cases[i].passed, cases[i].failed,
				 cases[i].flaky, cases[i].skipped, cases[i].not_run);
		if (offload_report_exit_code(&rep) != cases[i].exit)
			fail_msg("case %zu: exit code %d, want %d", i,
				 offload_report_exit_code(&rep), cases[i].exit);
		offload_report_release(&rep);
	}
}

/* Counts are what the exit code reads: set them directly too. */
static void test_exit_code_from_counts(void **state)
{
	struct offload_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.passed = 3;
	rep.skipped = 1;
	assert_int_equal(offload_report_exit_code(&rep), 0);
	rep.flaky = 1;
	assert_int_equal(offload_report_exit_code(&rep), 2);
	rep.not_run = 1;
	assert_int_equal(offload_report_exit_code(&rep), 1);
	rep.not_run = 0;
	rep.failed = 1;
	assert_int_equal(offload_report_exit_code(&rep), 1);
	rep.failed = 0;
	rep.interrupted = 2;
	assert_int_equal(offload_report_exit_code(&rep), 1);
}

/* Releasing frees every owned string (checked by ASan/valgrind) and zeroes. */
static void test_release(void **state)
{
	struct offload_report rep;
	struct offload_result *r;

	memset(&rep, 0, sizeof(rep));
	rep.results = calloc(1, sizeof(*rep.results));
	assert_non_null(rep.results);
	rep.nr = 1;
	r = &rep.results[0];
	r->id = strdup("tests/a.py::b[x y]");
	r->not_run_reason = strdup("interrupted");
	r->attempts = calloc(2, sizeof(*r->attempts));
	assert_non_null(r->attempts);
	r->attempts_nr = 2;
	r->attempts[0].message = strdup("assertion failed");
	r->attempts[0].output = strdup("out");
	rep.junit_path = strdup("/tmp/junit.xml");
	rep.warnings = calloc(1, sizeof(char *));
	assert_non_null(rep.warnings);
	rep.warnings[0] = strdup("unmatched result 'x'");
	rep.warnings_nr = 1;
	offload_report_release(&rep);
	assert_null(rep.results);
	assert_int_equal(rep.nr, 0);
	offload_report_release(&rep);   /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_table),
		cmocka_unit_test(test_count_and_exit_code),
		cmocka_unit_test(test_exit_code_from_counts),
		cmocka_unit_test(test_release),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
