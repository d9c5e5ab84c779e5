/* SPDX-License-Identifier: MIT */
/*
 * fuzz-junit-read.c - libFuzzer target: the JUnit reader, on whatever a
 * runner may have written.  The input is written to a file and read twice:
 * by offload_report_read() (public: `offload logs`) and by junit_read()
 * (src/junit.h: the streaming reader behind result files and history).
 * Both are one pass of the same reader, so they must agree.
 *
 * Checked: no crash, leak or sanitizer report; bounded time and memory
 * (run.sh: -timeout, -rss_limit_mb); 0 or a negative code; an error
 * names the file; every returned string is there; statuses and outcomes
 * are from their lists; times are finite and not negative; text fields
 * respect the reader's cap; both readers return the same code and cases.
 */
#include <math.h>
#include "offload.h"
#include "junit.h"
#include "fuzz.h"

/* junit.c keeps 1 MiB per field plus a note; the log 4 MiB plus a note. */
#define FIELD_MAX (1024 * 1024 + 64)
#define LOG_MAX (4 * 1024 * 1024 + 64)

static void check_error(int rc, const struct offload_error *err,
			const char *path)
{
	FUZZ_CHECK(rc <= 0, "return code %d", rc);
	if (!rc)
		return;
	FUZZ_CHECK(err->msg[0], "error %d without a message", rc);
	FUZZ_CHECK(strstr(err->msg, path), "error does not name the file: %s",
		   err->msg);
}

static void check_field(const char *s, size_t max, const char *what)
{
	if (s)
		FUZZ_CHECK(strlen(s) <= max, "%s of %zu bytes", what, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[PATH_MAX];
	struct offload_logged_case *logged;
	struct junit_case *cases;
	struct offload_error err, err2;
	size_t nr, nr2, i;
	int rc, rc2;

	if (size > fuzz_max_input())
		return -1;
	if (!path[0])
		fuzz_path(path, sizeof(path), "result file.xml");
	fuzz_write(path, data, size);

	memset(&err, 0, sizeof(err));
	rc = offload_report_read(path, &logged, &nr, &err);
	check_error(rc, &err, path);
	FUZZ_CHECK(!nr || logged, "%zu cases but no array", nr);
	for (i = 0; i < nr; i++) {
		const struct offload_logged_case *l = &logged[i];

		FUZZ_CHECK(l->name && l->classname && l->status && l->text,
			   "case %zu has a NULL field", i);
		FUZZ_CHECK(!strcmp(l->status, "passed") ||
			   !strcmp(l->status, "failed") ||
			   !strcmp(l->status, "flaky") ||
			   !strcmp(l->status, "skipped") ||
			   !strcmp(l->status, "error"),
			   "case %zu has status '%s'", i, l->status);
		check_field(l->text, LOG_MAX, "log text");
	}

	memset(&err2, 0, sizeof(err2));
	rc2 = junit_read(path, -1, &cases, &nr2, &err2);
	check_error(rc2, &err2, path);
	FUZZ_CHECK(rc == rc2, "offload_report_read %d, junit_read %d", rc, rc2);
	FUZZ_CHECK(nr == nr2, "offload_report_read %zu cases, junit_read %zu",
		   nr, nr2);
	FUZZ_CHECK(!rc || !strcmp(err.msg, err2.msg), "messages differ: '%s', '%s'",
		   err.msg, err2.msg);
	FUZZ_CHECK(!nr2 || cases, "%zu cases but no array", nr2);
	for (i = 0; i < nr2; i++) {
		const struct junit_case *c = &cases[i];

		FUZZ_CHECK(c->name && c->classname, "case %zu has no name", i);
		FUZZ_CHECK(!strcmp(c->name, logged[i].name) &&
			   !strcmp(c->classname, logged[i].classname),
			   "case %zu named differently by the two readers", i);
		FUZZ_CHECK(isfinite(c->secs) && c->secs >= 0, "case %zu secs %g",
			   i, c->secs);
		FUZZ_CHECK(c->outcome == OFFLOAD_ATTEMPT_PASSED ||
			   c->outcome == OFFLOAD_ATTEMPT_FAILED ||
			   c->outcome == OFFLOAD_ATTEMPT_ERROR ||
			   c->outcome == OFFLOAD_ATTEMPT_SKIPPED,
			   "case %zu outcome %d", i, (int)c->outcome);
		check_field(c->text, FIELD_MAX, "failure text");
		check_field(c->out, FIELD_MAX, "system-out");
		check_field(c->err, FIELD_MAX, "system-err");
	}
	junit_cases_free(cases, nr2);
	offload_logged_cases_free(logged, nr);
	return 0;
}
