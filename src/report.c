/* SPDX-License-Identifier: MIT */
/*
 * report.c - aggregation: the verdict of each test from its attempts, the
 * run's counts and exit code.  Writing the JUnit file is junit.c's job.
 */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "junit.h"
#include "report.h"

enum offload_verdict verdict_of(const struct offload_attempt *a, size_t nr)
{
	int pass = 0, fail = 0, skip = 0;

	for (size_t i = 0; i < nr; i++) {
		switch (a[i].outcome) {
		case OFFLOAD_ATTEMPT_PASSED:
			pass = 1;
			break;
		case OFFLOAD_ATTEMPT_SKIPPED:
			skip = 1;
			break;
		case OFFLOAD_ATTEMPT_FAILED:
		case OFFLOAD_ATTEMPT_ERROR:
			fail = 1;
			break;
		}
	}
	if (pass)
		return fail ? OFFLOAD_FLAKY : OFFLOAD_PASSED;
	if (fail)
		return OFFLOAD_FAILED;
	return skip ? OFFLOAD_SKIPPED : OFFLOAD_NOT_RUN;
}

void report_count(struct offload_report *rep)
{
	rep->passed = rep->failed = rep->flaky = rep->skipped = rep->not_run = 0;
	for (size_t i = 0; i < rep->nr; i++) {
		switch (rep->results[i].verdict) {
		case OFFLOAD_PASSED:
			rep->passed++;
			break;
		case OFFLOAD_FLAKY:
			rep->flaky++;
			break;
		case OFFLOAD_FAILED:
			rep->failed++;
			break;
		case OFFLOAD_SKIPPED:
			rep->skipped++;
			break;
		case OFFLOAD_NOT_RUN:
			rep->not_run++;
			break;
		}
	}
}

int offload_report_exit_code(const struct offload_report *rep)
{
	if (rep->failed || rep->not_run || rep->interrupted)
		return OFFLOAD_EXIT_FAILED;
	return rep->flaky ? OFFLOAD_EXIT_FLAKY : OFFLOAD_EXIT_OK;
}

void result_release(struct offload_result *r)
{
	for (size_t i = 0; i < r->attempts_nr; i++) {
		free(r->attempts[i].message);
		free(r->attempts[i].host);
		free(r->attempts[i].output);
	}
	free(r->attempts);
	free(r->id);
	free(r->not_run_reason);
	memset(r, 0, sizeof(*r));
}

void offload_report_release(struct offload_report *rep)
{
	for (size_t i = 0; i < rep->nr; i++)
		result_release(&rep->results[i]);
	free(rep->results);
	free(rep->junit_path);
	for (size_t i = 0; i < rep->warnings_nr; i++)
		free(rep->warnings[i]);
	free(rep->warnings);
	memset(rep, 0, sizeof(*rep));
}

int offload_junit_write_failure(const char *path, const char *suite,
				const char *name, const char *message,
				const char *text, struct offload_error *err)
{
	/* A run of one test in one group, whose only attempt is an error:
	 * junit_write() then writes it as every other failed test. */
	struct offload_group group = { .name = (char *)suite };
	struct offload_config cfg = { .groups = &group, .groups_nr = 1 };
	struct offload_attempt att = {
		.outcome = OFFLOAD_ATTEMPT_ERROR,
		.message = (char *)message,
		.output = (char *)text,
	};
	struct offload_result res = {
		.id = (char *)name,
		.verdict = OFFLOAD_FAILED,
		.attempts = &att,
		.attempts_nr = 1,
	};
	struct offload_report rep = { .results = &res, .nr = 1, .failed = 1 };

	return junit_write(path, &cfg, &rep, err);
}
