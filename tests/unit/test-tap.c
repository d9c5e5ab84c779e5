/* SPDX-License-Identifier: MIT */
/*
 * test-tap.c - the TAP reader (tap.c) on streams prove accepts and on
 * broken ones (plan first, last, missing, short, repeated, misplaced;
 * SKIP, TODO, Bail out!, YAML blocks, subtests, numbers out of
 * sequence, cut and NUL-laden output), the tap framework's batches on
 * real scripts (point IDs with spaces, brackets, slashes and non-ASCII;
 * a crash and a timeout mid-stream; exit status; interpreter), and the
 * run's bookkeeping of points across attempts (points.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "testutil.h"
#include "framework.h"
#include "points.h"
#include "report.h"
#include "sandbox.h"
#include "tap.h"

extern char **environ;

static void parse(const char *text, struct tap_stream *s)
{
	assert_int_equal(tap_parse(text, strlen(text), s), 0);
}

/* Has the stream an error containing `what`? */
static int has_error(const struct tap_stream *s, const char *what)
{
	for (size_t i = 0; i < s->errors.nr; i++)
		if (strstr(s->errors.v[i], what))
			return 1;
	return 0;
}

static void test_plan_first(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("TAP version 13\n1..3\nok 1 - first\nnot ok 2 second one\nok 3\n", &s);
	assert_int_equal(s.version, 13);
	assert_int_equal(s.planned, 3);
	assert_int_equal(s.nr, 3);
	assert_int_equal(s.errors.nr, 0);
	assert_true(s.points[0].ok);
	assert_string_equal(s.points[0].description, "first");
	assert_false(s.points[1].ok);
	assert_int_equal(s.points[1].number, 2);
	assert_string_equal(s.points[1].description, "second one");
	assert_string_equal(s.points[2].description, "");
	assert_int_equal(tap_failed(&s), 1);
	tap_stream_release(&s);
}

static void test_plan_last_unnumbered(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("ok - a\r\nok\nnot ok - c\n1..3\n", &s);
	assert_int_equal(s.planned, 3);
	assert_int_equal(s.nr, 3);
	assert_int_equal(s.errors.nr, 0);
	assert_int_equal(s.points[1].number, 2);
	assert_int_equal(s.points[2].number, 3);
	assert_string_equal(s.points[0].description, "a");	/* no \r */
	tap_stream_release(&s);
}

static void test_plan_missing_short_repeated(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("ok 1\nok 2\n", &s);
	assert_int_equal(s.planned, -1);
	assert_true(has_error(&s, "no plan found"));
	tap_stream_release(&s);

	parse("1..3\nok 1\nok 2\n", &s);
	assert_true(has_error(&s, "you planned 3 tests but ran 2"));
	tap_stream_release(&s);

	parse("1..1\nok 1\n1..1\n", &s);
	assert_true(has_error(&s, "more than one plan"));
	tap_stream_release(&s);

	/* a plan between points is neither first nor last */
	parse("ok 1\n1..2\nok 2\n", &s);
	assert_true(has_error(&s, "must be at the beginning or end"));
	tap_stream_release(&s);

	/* "1..2 foo" is not a plan; "1..5x" neither */
	parse("1..2 foo\nok 1\n", &s);
	assert_true(has_error(&s, "no plan found"));
	tap_stream_release(&s);
}

static void test_skip_todo(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("1..6\n"
	      "ok 1 - a # SKIP no network\n"
	      "ok 2 # skip\n"
	      "not ok 3 - b # TODO not yet\n"
	      "ok 4 - c # todo done early\n"
	      "ok 5 - hash \\# in name # Skipped: whole\n"
	      "ok 6 - #skipper is a name, # not a directive\n", &s);
	assert_int_equal(s.errors.nr, 0);
	assert_int_equal(s.points[0].directive, TAP_SKIP);
	assert_string_equal(s.points[0].reason, "no network");
	assert_string_equal(s.points[0].description, "a");
	assert_int_equal(s.points[1].directive, TAP_SKIP);
	assert_string_equal(s.points[1].reason, "");
	assert_int_equal(s.points[2].directive, TAP_TODO);
	assert_string_equal(s.points[2].reason, "not yet");
	assert_int_equal(s.points[3].directive, TAP_TODO);
	/* a failing TODO is not a failure */
	assert_int_equal(tap_failed(&s), 0);
	/* "# Skipped:" is not SKIP followed by a word boundary (TAP::Parser) */
	assert_int_equal(s.points[4].directive, TAP_NONE);
	assert_string_equal(s.points[4].description,
			    "hash # in name # Skipped: whole");
	assert_int_equal(s.points[5].directive, TAP_NONE);
	assert_string_equal(s.points[5].description,
			    "#skipper is a name, # not a directive");
	tap_stream_release(&s);
}

static void test_skip_all(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("1..0 # SKIP no display here\n", &s);
	assert_true(s.skip_all);
	assert_string_equal(s.skip_reason, "no display here");
	assert_int_equal(s.errors.nr, 0);
	tap_stream_release(&s);
	/* a second skip-all plan is an error, and the first one's reason
	 * stays (the fuzzer found the second one's leaked) */
	parse("1..0 # SKIP first\n1..0 # SKIP second\n", &s);
	assert_string_equal(s.skip_reason, "first");
	assert_true(has_error(&s, "more than one plan"));
	tap_stream_release(&s);
	parse("# just comments\n1..0\n", &s);
	assert_true(s.skip_all);
	assert_null(s.skip_reason);
	tap_stream_release(&s);
}

static void test_bail_out(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("1..5\nok 1\nBail out! database gone\nok 2\n", &s);
	assert_non_null(s.bail);
	assert_string_equal(s.bail, "database gone");
	assert_int_equal(s.nr, 1);	/* nothing after it is read */
	assert_int_equal(s.errors.nr, 0);
	tap_stream_release(&s);
}

static void test_yaml_and_comments(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("TAP version 13\n1..2\n"
	      "not ok 1 - compare\n"
	      "  ---\n"
	      "  got: 1\n"
	      "  ok 7 - not a point, inside YAML\n"
	      "  expected: 2\n"
	      "  ...\n"
	      "# note after\n"
	      "ok 2\n", &s);
	assert_int_equal(s.nr, 2);
	assert_int_equal(s.errors.nr, 0);
	assert_non_null(s.points[0].diag);
	assert_non_null(strstr(s.points[0].diag, "  got: 1\n"));
	assert_non_null(strstr(s.points[0].diag, "expected: 2"));
	assert_non_null(strstr(s.points[0].diag, "# note after"));
	assert_null(s.points[1].diag);
	tap_stream_release(&s);

	/* a YAML block cut short keeps what came */
	parse("1..1\nnot ok 1\n  ---\n  message: boom\n", &s);
	assert_non_null(strstr(s.points[0].diag, "message: boom"));
	tap_stream_release(&s);

	/* ... and a line that is not indented ends it: TAP again */
	parse("not ok 1\n  ---\n  message: boom\nok 2\n1..2\n", &s);
	assert_int_equal(s.nr, 2);
	assert_int_equal(s.errors.nr, 0);
	assert_null(strstr(s.points[0].diag, "ok 2"));
	tap_stream_release(&s);
}

static void test_subtests_and_noise(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("1..2\n"
	      "# Subtest: inner\n"
	      "    1..2\n"
	      "    ok 1 - in\n"
	      "    not ok 2 - in too\n"
	      "not ok 1 - inner\n"
	      "okay this is output\n"
	      "pragma +strict\n"
	      "ok 2 - after\n", &s);
	assert_int_equal(s.nr, 2);
	assert_int_equal(s.errors.nr, 0);
	assert_string_equal(s.points[0].description, "inner");
	assert_string_equal(s.points[1].description, "after");
	tap_stream_release(&s);
}

static void test_sequence_and_version(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("1..3\nok 1\nok 3\nok 4\n", &s);
	assert_true(has_error(&s, "found (3) but expected (2)"));
	assert_int_equal(s.points[1].number, 3);	/* as written */
	assert_int_equal(s.errors.nr, 1);	/* said once */
	tap_stream_release(&s);

	parse("1..1\nTAP version 13\nok 1\n", &s);
	assert_true(has_error(&s, "must be the first line"));
	tap_stream_release(&s);

	parse("TAP version 12\n1..1\nok 1\n", &s);
	assert_true(has_error(&s, "at least 13"));
	tap_stream_release(&s);
}

/* Names as data: spaces, brackets, slashes, non-ASCII, backslashes. */
static void test_names(void **state)
{
	struct tap_stream s;

	(void)state;
	parse("1..4\n"
	      "ok 1 - /gdbus/connection [basic] (x=1)\n"
	      "ok 2 -   café \xe2\x98\x83 \xff non-UTF-8   \n"
	      "ok 3 a\\b\\\\c $(rm -rf /) 'q' \"d\"\n"
	      "ok 4 --- dashes\n", &s);
	assert_string_equal(s.points[0].description, "/gdbus/connection [basic] (x=1)");
	assert_string_equal(s.points[1].description,
			    "café \xe2\x98\x83 \xff non-UTF-8");
	assert_string_equal(s.points[2].description, "a\\b\\c $(rm -rf /) 'q' \"d\"");
	assert_string_equal(s.points[3].description, "-- dashes");
	tap_stream_release(&s);
}

/* Output cut mid-line, without a newline, or holding NUL bytes. */
static void test_truncated(void **state)
{
	static const char nul[] = "1..2\nok 1 - a\0junk\nok 2\n";
	struct tap_stream s;

	(void)state;
	parse("1..3\nok 1\nok 2 - half a li", &s);
	assert_int_equal(s.nr, 2);
	assert_string_equal(s.points[1].description, "half a li");
	assert_true(has_error(&s, "planned 3 tests but ran 2"));
	tap_stream_release(&s);

	assert_int_equal(tap_parse(nul, sizeof(nul) - 1, &s), 0);
	assert_int_equal(s.nr, 2);
	assert_string_equal(s.points[0].description, "a");
	assert_int_equal(s.errors.nr, 0);
	tap_stream_release(&s);

	parse("", &s);
	assert_int_equal(s.nr, 0);
	assert_true(has_error(&s, "no plan found"));
	tap_stream_release(&s);
}

/* ------------------------------------------------------------------ */
/* The framework's batches, on real scripts                            */

struct fx {
	char dir[128];
	char tmp[160];
	char logs[160];
	struct offload_config cfg;
	struct offload_group group;
	struct sandbox sb;
	struct sandbox_pool pool;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/offload tap [x]*.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->tmp, sizeof(f->tmp), "%s/tmp", f->dir);
	snprintf(f->logs, sizeof(f->logs), "%s/logs", f->dir);
	assert_int_equal(mkdir(f->tmp, 0755), 0);
	assert_int_equal(mkdir(f->logs, 0755), 0);
	f->cfg.test_timeout_secs = 20;
	f->cfg.shell = (char *)"/bin/sh";
	f->cfg.provider_working_dir = f->dir;
	f->cfg.groups = &f->group;
	f->cfg.groups_nr = 1;
	f->cfg.framework = &framework_tap;
	f->cfg.interpreter = (char *)"/bin/sh";
	f->cfg.paths = (char *)"t/*.t";
	f->group.name = (char *)"a";
	f->group.filters = (char *)"";
	f->sb.cwd = f->dir;
	f->sb.tmpdir = f->tmp;
	f->sb.envp = environ;
	f->pool.cfg = &f->cfg;
	f->pool.ops = &provider_local;
	f->sb.pool = &f->pool;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	remove_scratch(f->dir);
	free(f);
	return 0;
}

static void put(struct fx *f, const char *rel, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void run(struct fx *f, struct batch_exec *b, const char *const *ids,
		size_t nr)
{
	struct offload_error err = { 0, "" };

	memset(b, 0, sizeof(*b));
	b->cfg = &f->cfg;
	b->group = &f->group;
	b->sb = &f->sb;
	b->batch_no = 1;
	b->ids = ids;
	b->nr = nr;
	b->cancel_fd = -1;
	b->log_dir = f->logs;
	assert_int_equal(framework_run_batch(b, &err), 0);
	assert_int_equal(b->canceled, 0);
}

#define assert_attempt(t, o, msg) do {					\
	const struct test_outcome *t_ = (t);				\
	const char *m_ = (msg);						\
									\
	assert_int_equal(t_->have, 1);					\
	assert_int_equal(t_->outcome, (o));				\
	if (m_) {							\
		assert_non_null(t_->message);				\
		assert_string_equal(t_->message, m_);			\
	}								\
} while (0)

static void test_batch_points(void **state)
{
	struct fx *f = *state;
	struct batch_exec b;
	const char *ids[] = { "t/ok.t", "t/mixed.t", "t/dir [1]/nasty $x.t" };

	char p[300];

	snprintf(p, sizeof(p), "%s/t", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/t/dir [1]", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	put(f, "t/ok.t", "echo 1..2; echo 'ok 1 - one'; echo 'ok 2 - two'\n");
	put(f, "t/mixed.t",
	    "echo 1..4\n"
	    "echo 'ok 1 - /path/with [brackets] and spaces'\n"
	    "echo 'not ok 2 - compare'\n"
	    "echo '  ---'; echo '  got: 1'; echo '  ...'\n"
	    "echo 'not ok 3 # TODO later'\n"
	    "echo 'ok 4 - skipped # SKIP no disk'\n");
	put(f, "t/dir [1]/nasty $x.t",
	    "echo 1..1; printf 'ok 1 - caf\\303\\251\\n'\n");
	run(f, &b, ids, 3);

	assert_attempt(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_int_equal(b.res[0].points_nr, 2);
	assert_string_equal(b.res[0].points[0].id, "t/ok.t:1 - one");
	assert_attempt(&b.res[0].points[1], OFFLOAD_ATTEMPT_PASSED, NULL);

	assert_attempt(&b.res[1], OFFLOAD_ATTEMPT_FAILED, "1 of 4 points failed: 2");
	assert_int_equal(b.res[1].points_nr, 4);
	assert_string_equal(b.res[1].points[0].id,
			    "t/mixed.t:1 - /path/with [brackets] and spaces");
	assert_attempt(&b.res[1].points[1], OFFLOAD_ATTEMPT_FAILED, "not ok 2");
	assert_non_null(strstr(b.res[1].points[1].output, "got: 1"));
	/* without a description the ID is SCRIPT:N */
	assert_string_equal(b.res[1].points[2].id, "t/mixed.t:3");
	assert_attempt(&b.res[1].points[2], OFFLOAD_ATTEMPT_SKIPPED, "todo: later");
	assert_attempt(&b.res[1].points[3], OFFLOAD_ATTEMPT_SKIPPED, "skip: no disk");

	assert_attempt(&b.res[2], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_string_equal(b.res[2].points[0].id, "t/dir [1]/nasty $x.t:1 - caf\xc3\xa9");
	batch_exec_release(&b);
}

/* The script fails when prove would: no plan, short plan, bail out,
 * exit status, a crash or timeout mid-stream (its points so far kept);
 * "1..0" skips it; a script that cannot start is an error of its own. */
static void test_batch_script_failures(void **state)
{
	struct fx *f = *state;
	struct batch_exec b;
	const char *ids[] = { "noplan.t", "short.t", "bail.t", "exit.t",
			      "crash.t", "slow.t", "skipall.t", "stderr.t" };

	put(f, "noplan.t", "echo 'ok 1'\n");
	put(f, "short.t", "echo 1..3; echo 'ok 1'\n");
	put(f, "bail.t", "echo 1..3; echo 'ok 1'; echo 'Bail out! no db'; exit 1\n");
	put(f, "exit.t", "echo 1..1; echo 'ok 1'; exit 3\n");
	put(f, "crash.t", "echo 1..3; echo 'ok 1 - before'; kill -SEGV $$\n");
	put(f, "slow.t", "echo 1..2; echo 'ok 1 - before'; exec sleep 30\n");
	put(f, "skipall.t", "echo '1..0 # SKIP not here'\n");
	put(f, "stderr.t", "echo 1..1; echo 'not ok 1'; echo oops >&2\n");
	f->cfg.test_timeout_secs = 0.5;
	run(f, &b, ids, 8);
	assert_attempt(&b.res[0], OFFLOAD_ATTEMPT_FAILED, "no plan found in TAP output");
	assert_int_equal(b.res[0].points_nr, 1);
	assert_attempt(&b.res[0].points[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_attempt(&b.res[1], OFFLOAD_ATTEMPT_FAILED,
		       "bad plan, you planned 3 tests but ran 1");
	assert_attempt(&b.res[2], OFFLOAD_ATTEMPT_FAILED,
		       "bailed out: no db; exit status 1");
	assert_attempt(&b.res[3], OFFLOAD_ATTEMPT_FAILED, "exit status 3");
	assert_attempt(&b.res[4], OFFLOAD_ATTEMPT_ERROR, NULL);
	assert_non_null(strstr(b.res[4].message, "killed by signal 11 (SIGSEGV)"));
	assert_int_equal(b.res[4].points_nr, 1);
	assert_string_equal(b.res[4].points[0].id, "crash.t:1 - before");
	assert_attempt(&b.res[5], OFFLOAD_ATTEMPT_ERROR, NULL);
	assert_non_null(strstr(b.res[5].message, "timed out after 0.5 s"));
	assert_int_equal(b.res[5].points_nr, 1);
	assert_attempt(&b.res[6], OFFLOAD_ATTEMPT_SKIPPED, "skipped: not here");
	assert_int_equal(b.res[6].points_nr, 0);
	assert_attempt(&b.res[7], OFFLOAD_ATTEMPT_FAILED, "1 of 1 points failed: 1");
	assert_non_null(strstr(b.res[7].output, "oops"));
	batch_exec_release(&b);
}

/* No interpreter: the script runs itself, and discovery wants it
 * executable; with one, any regular file is a script. */
static void test_interpreter_and_discovery(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;
	struct batch_exec b;
	const char *one[] = { "t/x.t" };
	char p[300];

	snprintf(p, sizeof(p), "%s/t", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	put(f, "t/x.t", "#!/bin/sh\necho 1..1; echo \"ok 1 - $0\"\n");
	put(f, "t/y.t", "echo 1..0\n");
	assert_int_equal(framework_discover(&f->cfg, &f->group, -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 2);
	strvec_clear(&ids);
	f->cfg.interpreter = (char *)"";
	assert_int_equal(framework_discover(&f->cfg, &f->group, -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 0);
	snprintf(p, sizeof(p), "%s/t/x.t", f->dir);
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(framework_discover(&f->cfg, &f->group, -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 1);
	assert_string_equal(ids.v[0], "t/x.t");
	strvec_clear(&ids);
	run(f, &b, one, 1);
	assert_attempt(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	batch_exec_release(&b);

	/* words, as prove --exec: here a shell that is told to fail */
	f->cfg.interpreter = (char *)"/bin/sh -c 'exit 5' sh";
	run(f, &b, one, 1);
	assert_attempt(&b.res[0], OFFLOAD_ATTEMPT_FAILED, NULL);
	assert_non_null(strstr(b.res[0].message, "exit status 5"));
	batch_exec_release(&b);
	f->cfg.interpreter = (char *)"'unterminated";
	run(f, &b, one, 1);
	assert_attempt(&b.res[0], OFFLOAD_ATTEMPT_ERROR,
		       "interpreter: unterminated quote");
	batch_exec_release(&b);
}

/* ------------------------------------------------------------------ */
/* Points across attempts (points.c)                                   */

static void attempt(struct test_outcome *t, const char *const *pids,
		    const enum offload_outcome *o, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->have = 1;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(outcome_add_point(t, pids[i], o[i], 0,
						   o[i] ? "why" : NULL, "out"), 0);
}

static void test_points_across_attempts(void **state)
{
	static const char *const first[] = { "s:1 - a", "s:2 - b" };
	static const char *const second[] = { "s:2 - b", "s:1 - a", "s:3" };
	static const enum offload_outcome o1[] = { OFFLOAD_ATTEMPT_PASSED,
						   OFFLOAD_ATTEMPT_FAILED };
	static const enum offload_outcome o2[] = { OFFLOAD_ATTEMPT_PASSED,
						   OFFLOAD_ATTEMPT_PASSED,
						   OFFLOAD_ATTEMPT_SKIPPED };
	struct point_results p = { 0 };
	struct offload_result r[3];
	struct test_outcome t;

	(void)state;
	attempt(&t, first, o1, 2);
	assert_int_equal(points_record(&p, &t, 0, 1, NULL), 0);
	outcome_release(&t);
	/* a retry reports them in another order, and one more */
	attempt(&t, second, o2, 3);
	assert_int_equal(points_record(&p, &t, 1, 2, "host a"), 0);
	outcome_release(&t);
	assert_int_equal(p.nr, 3);
	memset(r, 0, sizeof(r));
	points_move(&p, r, 4);
	assert_int_equal(p.nr, 0);
	assert_string_equal(r[0].id, "s:1 - a");
	assert_int_equal(r[0].verdict, OFFLOAD_PASSED);
	assert_int_equal(r[0].attempts_nr, 2);
	assert_string_equal(r[1].id, "s:2 - b");
	/* failed, then passed on the retry: flaky */
	assert_int_equal(r[1].verdict, OFFLOAD_FLAKY);
	assert_int_equal(r[1].attempts[0].outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(r[1].attempts[0].message, "why");
	assert_int_equal(r[1].attempts[1].batch, 2);
	assert_string_equal(r[1].attempts[1].host, "host a");
	assert_int_equal(r[2].verdict, OFFLOAD_SKIPPED);
	assert_int_equal(r[2].group, 4);
	for (size_t i = 0; i < 3; i++)
		result_release(&r[i]);
	points_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_first),
		cmocka_unit_test(test_plan_last_unnumbered),
		cmocka_unit_test(test_plan_missing_short_repeated),
		cmocka_unit_test(test_skip_todo),
		cmocka_unit_test(test_skip_all),
		cmocka_unit_test(test_bail_out),
		cmocka_unit_test(test_yaml_and_comments),
		cmocka_unit_test(test_subtests_and_noise),
		cmocka_unit_test(test_sequence_and_version),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test_setup_teardown(test_batch_points, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_script_failures,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_interpreter_and_discovery,
						setup, teardown),
		cmocka_unit_test(test_points_across_attempts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
