/* SPDX-License-Identifier: MIT */
/*
 * test-history.c - durations from the previous report: mapped by escaped
 * test ID and group, unknown tests negative, a missing history silent, an
 * unreadable one a warning and never an error.  The history file: the
 * estimator, a round trip of nasty IDs, merging (no lost sample, any
 * order, bounded), recording that never drops another group's durations,
 * group medians for new tests, and which source a run reads.
 */
#include <errno.h>
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

static struct offload_config cfg = { .groups = groups, .groups_nr = 2,
				     .history_samples = 5, .history_forget = 20 };

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


/* ---- the history file ---------------------------------------------- */

static struct hist_entry entry_of(struct hist_sample *s, size_t nr)
{
	struct hist_entry e = { (char *)"g\tt", 0, s, nr };

	return e;
}

static void test_estimate(void **state)
{
	/* newest first */
	struct hist_sample one_outlier[] = {
		{ 30, 9000, HIST_PASS }, { 20, 1000, HIST_PASS },
		{ 10, 1100, HIST_PASS },
	};
	struct hist_sample changed[] = {
		{ 40, 5000, HIST_PASS }, { 30, 5100, HIST_PASS },
		{ 20, 1000, HIST_PASS }, { 10, 1000, HIST_PASS },
	};
	struct hist_sample two[] = {
		{ 20, 3000, HIST_PASS }, { 10, 1000, HIST_PASS },
	};
	struct hist_sample timeouts_apart[] = {
		{ 30, 60000, HIST_TIMEOUT }, { 25, 60000, HIST_TIMEOUT },
		{ 20, 2000, HIST_PASS }, { 10, 100, HIST_FAIL },
	};
	struct hist_sample fails[] = {
		{ 30, 60000, HIST_TIMEOUT }, { 20, 700, HIST_FAIL },
		{ 10, 500, HIST_SKIP },
	};
	struct hist_sample only_timeouts[] = {
		{ 30, 10000, HIST_TIMEOUT }, { 20, 60000, HIST_TIMEOUT },
	};
	struct hist_entry e;

	(void)state;
	/* One slow run (a busy machine) does not move the estimate; the
	 * others are averaged, the newer weighing more. */
	e = entry_of(one_outlier, 3);
	assert_true(history_estimate(&e) > 1.0 && history_estimate(&e) < 1.05);
	/* Two recent runs agreeing on a change win over older ones. */
	e = entry_of(changed, 4);
	assert_true(history_estimate(&e) > 5.0 && history_estimate(&e) < 5.05);
	/* Of two, the newer. */
	e = entry_of(two, 2);
	assert_true(history_estimate(&e) == 3.0);
	/* Timeouts and failures do not poison a passing duration. */
	e = entry_of(timeouts_apart, 4);
	assert_true(history_estimate(&e) == 2.0);
	/* Without a pass: failures, before skips and timeouts. */
	e = entry_of(fails, 3);
	assert_true(history_estimate(&e) == 0.7);
	/* Only timeouts: the longest, a lower bound. */
	e = entry_of(only_timeouts, 2);
	assert_true(history_estimate(&e) == 60.0);
	e = entry_of(NULL, 0);
	assert_true(history_estimate(&e) < 0);
}

/* A report of `n` tests of `group`, attempt k of test i lasting
 * base + i seconds with outcome out[k]. */
struct fake_report {
	struct offload_report rep;
	struct offload_result res[8];
	struct offload_attempt att[8][3];
};

static void fake_report(struct fake_report *f, char **ids, size_t n,
			size_t group, double base,
			const enum offload_outcome *out, size_t nout)
{
	memset(f, 0, sizeof(*f));
	assert_true(n <= 8 && nout <= 3);
	for (size_t i = 0; i < n; i++) {
		f->res[i].id = ids[i];
		f->res[i].group = group;
		f->res[i].verdict = OFFLOAD_PASSED;
		f->res[i].attempts = f->att[i];
		f->res[i].attempts_nr = nout;
		for (size_t k = 0; k < nout; k++) {
			f->att[i][k].outcome = out[k];
			f->att[i][k].secs = base + (double)i;
		}
	}
	f->rep.results = f->res;
	f->rep.nr = n;
}

static char *nasty[] = {
	(char *)"plain", (char *)"tab\there", (char *)"nl\nand\\back",
	(char *)"ctl\x01\x7f", (char *)"\xff\xfe not utf-8",
	(char *)"quote \" ' $x", (char *)"\\x41 literal",
};

static const struct hist_entry *find(const struct history *h,
				     const char *group, const char *id)
{
	char *key = history_key(group, id);
	const struct hist_entry *e = NULL;

	assert_non_null(key);
	for (size_t i = 0; i < h->nr; i++)
		if (!strcmp(h->e[i].key, key))
			e = &h->e[i];
	free(key);
	return e;
}

static void test_roundtrip(void **state)
{
	enum offload_outcome out[] = { OFFLOAD_ATTEMPT_PASSED, OFFLOAD_ATTEMPT_FAILED };
	struct history h = HISTORY_INIT, back = HISTORY_INIT;
	struct offload_error err = { 0, "" };
	unsigned char ran[] = { 1, 0 };
	struct fake_report f;
	const char *p = path_in("h.tsv"), *p2 = path_in("h2.tsv");
	char *text, *text2, *line, *prev = NULL;

	(void)state;
	fake_report(&f, nasty, 7, 1, 0.25, out, 2);
	assert_int_equal(history_add_report(&h, &cfg, &f.rep, NULL, ran, 1000), 0);
	assert_int_equal(h.nr, 7);
	assert_int_equal(history_write(&h, p, &err), 0);
	assert_int_equal(history_read(&back, p, &err), 0);
	assert_int_equal(back.nr, 7);
	for (size_t i = 0; i < 7; i++) {
		const struct hist_entry *e = find(&back, "slow <x>", nasty[i]);

		assert_non_null(e);
		assert_int_equal(e->seen, 1000);
		assert_int_equal(e->nr, 2);
		assert_int_equal(e->s[0].ms, 250 + 1000 * (long long)i);
		assert_true(history_estimate(e) == 0.25 + (double)i);
	}
	assert_int_equal(back.runs_nr, 1);
	assert_string_equal(back.runs[0].group, "unit");
	/* The same history gives the same bytes; lines are sorted. */
	assert_int_equal(history_write(&back, p2, &err), 0);
	text = slurp(p, NULL);
	text2 = slurp(p2, NULL);
	assert_string_equal(text, text2);
	assert_int_equal(strncmp(text, "offload-history\t1\n", 18), 0);
	for (line = strtok(text + 18, "\n"); line; line = strtok(NULL, "\n")) {
		if (prev)
			assert_true(strcmp(prev, line) < 0);
		prev = line;
	}
	free(text);
	free(text2);
	/* No temporary file is left beside it. */
	assert_int_equal(access(path_in("h.tsv.tmp"), F_OK), -1);
	history_release(&h);
	history_release(&back);
}

static void test_read_errors(void **state)
{
	struct history h = HISTORY_INIT;
	struct offload_error err = { 0, "" };
	const char *p = path_in("bad.tsv");
	char want[600];

	(void)state;
	assert_int_equal(history_read(&h, path_in("none.tsv"), &err), -ENOENT);
	write_str(p, "<testsuite/>\n");
	assert_int_equal(history_read(&h, p, &err), OFFLOAD_EPARSE);
	snprintf(want, sizeof(want), "history '%s' line 1: not a history file", p);
	assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
	write_str(p, "offload-history\t1\ntest\ta\tb\t12\tp12:1.5\n"
		  "test\ta\tc\t12\tp12:x\n");
	assert_int_equal(history_read(&h, p, &err), OFFLOAD_EPARSE);
	snprintf(want, sizeof(want), "history '%s' line 3: malformed line", p);
	assert_string_equal(err.msg, want);
	assert_int_equal(h.nr, 0);
	write_str(p, "offload-history\t1\ntest\ta\tbad\\q\t12\t\n");
	assert_int_equal(history_read(&h, p, &err), OFFLOAD_EPARSE);
	/* Hand edits: unsorted, duplicates, a needless escape, blank lines
	 * and comments are all taken, and come out canonical. */
	write_str(p, "offload-history\t1\n# note\n\ntest\ta\t\\x41\t5\tp5:2\n"
		  "test\ta\tA\t7\tp7:1.25 p5:2.000\nrun\ta\t7 5 7\n");
	assert_int_equal(history_read(&h, p, &err), 0);
	assert_int_equal(h.nr, 1);
	assert_string_equal(h.e[0].key, "a\tA");
	assert_int_equal(h.e[0].seen, 7);
	assert_int_equal(h.e[0].nr, 2);
	assert_int_equal(h.e[0].s[0].stamp, 7);
	assert_int_equal(h.e[0].s[0].ms, 1250);
	assert_int_equal(h.runs[0].nr, 2);
	history_release(&h);
	/* An empty file is an empty history. */
	write_str(p, "");
	assert_int_equal(history_read(&h, p, &err), 0);
	assert_int_equal(h.nr, 0);
	/* A read that stops before the end is an error, not a short
	 * history that recording would write back short. */
	assert_int_equal(history_read(&h, scratch, &err), -EISDIR);
	assert_int_equal(h.nr, 0);
}

/* The file `h` writes, as a string (caller frees). */
static char *text_of(const struct history *h)
{
	struct offload_error err = { 0, "" };
	const char *p = path_in("text.tsv");

	assert_int_equal(history_write(h, p, &err), 0);
	return slurp(p, NULL);
}

static size_t samples_total(const struct history *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nr; i++)
		n += h->e[i].nr;
	return n;
}

static void test_merge(void **state)
{
	enum offload_outcome pass[] = { OFFLOAD_ATTEMPT_PASSED };
	enum offload_outcome twice[] = { OFFLOAD_ATTEMPT_PASSED, OFFLOAD_ATTEMPT_FAILED };
	unsigned char ran_unit[] = { 1, 0 }, ran_slow[] = { 0, 1 };
	struct history a = HISTORY_INIT, b = HISTORY_INIT, c = HISTORY_INIT;
	struct history ab = HISTORY_INIT, ba = HISTORY_INIT, abc = HISTORY_INIT,
		cba = HISTORY_INIT;
	struct fake_report f;
	char *t1, *t2;

	(void)state;
	/* Branch a ran the unit group twice; branch b ran it once and the
	 * slow group once; c shares a's first run (their common ancestor). */
	fake_report(&f, nasty, 4, 0, 1, pass, 1);
	assert_int_equal(history_add_report(&a, &cfg, &f.rep, NULL, ran_unit, 100), 0);
	assert_int_equal(history_add_report(&c, &cfg, &f.rep, NULL, ran_unit, 100), 0);
	fake_report(&f, nasty, 4, 0, 2, twice, 2);
	assert_int_equal(history_add_report(&a, &cfg, &f.rep, NULL, ran_unit, 200), 0);
	fake_report(&f, nasty + 2, 4, 0, 3, pass, 1);
	assert_int_equal(history_add_report(&b, &cfg, &f.rep, NULL, ran_unit, 150), 0);
	fake_report(&f, nasty, 2, 1, 9, pass, 1);
	assert_int_equal(history_add_report(&b, &cfg, &f.rep, NULL, ran_slow, 160), 0);

	assert_int_equal(history_merge(&ab, &a), 0);
	assert_int_equal(history_merge(&ab, &b), 0);
	assert_int_equal(history_merge(&ba, &b), 0);
	assert_int_equal(history_merge(&ba, &a), 0);
	/* No sample lost: a's and b's are disjoint runs. */
	assert_int_equal(samples_total(&ab), samples_total(&a) + samples_total(&b));
	assert_int_equal(ab.nr, 6 + 2);
	/* Any order, same file. */
	t1 = text_of(&ab);
	t2 = text_of(&ba);
	assert_string_equal(t1, t2);
	free(t2);
	/* Merging what is already there changes nothing (the ancestor). */
	assert_int_equal(history_merge(&ab, &c), 0);
	assert_int_equal(history_merge(&ab, &ab), 0);
	t2 = text_of(&ab);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	/* Associative, bounded the same either way. */
	assert_int_equal(history_merge(&abc, &c), 0);
	assert_int_equal(history_merge(&abc, &b), 0);
	assert_int_equal(history_merge(&abc, &a), 0);
	assert_int_equal(history_merge(&cba, &a), 0);
	history_bound(&cba, 1, 20);
	assert_int_equal(history_merge(&cba, &c), 0);
	assert_int_equal(history_merge(&cba, &b), 0);
	history_bound(&abc, 1, 20);
	history_bound(&cba, 1, 20);
	t1 = text_of(&abc);
	t2 = text_of(&cba);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	/* Seen: the later of the two. */
	assert_int_equal(find(&ab, "unit", nasty[2])->seen, 200);
	assert_int_equal(find(&ab, "unit", nasty[5])->seen, 150);
	history_release(&a);
	history_release(&b);
	history_release(&c);
	history_release(&ab);
	history_release(&ba);
	history_release(&abc);
	history_release(&cba);
}

static void test_bound(void **state)
{
	enum offload_outcome out[] = { OFFLOAD_ATTEMPT_PASSED, OFFLOAD_ATTEMPT_FAILED };
	unsigned char ran_unit[] = { 1, 0 };
	struct history h = HISTORY_INIT;
	struct fake_report f;
	const struct hist_entry *e;
	char *old[] = { (char *)"gone" }, *slow[] = { (char *)"other group" };

	(void)state;
	fake_report(&f, old, 1, 0, 1, out, 1);
	assert_int_equal(history_add_report(&h, &cfg, &f.rep, NULL, ran_unit, 1), 0);
	fake_report(&f, slow, 1, 1, 1, out, 1);
	assert_int_equal(history_add_report(&h, &cfg, &f.rep, NULL, NULL, 1), 0);
	for (long long run = 2; run <= 10; run++) {
		fake_report(&f, nasty, 3, 0, (double)run, out, 2);
		assert_int_equal(history_add_report(&h, &cfg, &f.rep, NULL,
						    ran_unit, run), 0);
		history_bound(&h, 3, 4);
		e = find(&h, "unit", nasty[0]);
		assert_non_null(e);
		/* at most 3 of each kind, the newest */
		assert_int_equal(e->nr, run - 1 < 3 ? 2 * (run - 1) : 6);
		assert_int_equal(e->s[0].stamp, run);
		/* "gone" was last seen at 1: forgotten after 4 runs without it */
		if (run < 5)
			assert_non_null(find(&h, "unit", "gone"));
		else
			assert_null(find(&h, "unit", "gone"));
		/* The slow group did not run: its test stays. */
		assert_non_null(find(&h, "slow <x>", "other group"));
		assert_int_equal(h.runs[0].nr, run < 4 ? run : 4);
	}
	history_release(&h);
}

static void test_fill_unknown(void **state)
{
	char *ids[] = { (char *)"a", (char *)"b", (char *)"c", (char *)"new",
			(char *)"d", (char *)"new2", (char *)"x", (char *)"new3" };
	size_t group[] = { 0, 0, 0, 0, 0, 0, 1, 1 };
	struct offload_test_list tests = { ids, group, 8 };
	double d[] = { 1, 100, 3, -1, 2, -1, -1, -1 };

	(void)state;
	assert_int_equal(history_fill_unknown(&cfg, &tests, d), 0);
	/* median of 1 2 3 100, not the mean */
	assert_true(d[3] == 2.5 && d[5] == 2.5);
	assert_true(d[1] == 100);
	/* A group without any known test stays unknown. */
	assert_true(d[6] < 0 && d[7] < 0);
}

static void test_record_keeps_other_groups(void **state)
{
	enum offload_outcome pass[] = { OFFLOAD_ATTEMPT_PASSED };
	unsigned char all[] = { 1, 1 }, unit_only[] = { 1, 0 };
	struct offload_report rep = { 0 };
	struct offload_result res[1];
	struct offload_error err = { 0, "" };
	struct history h = HISTORY_INIT;
	struct fake_report f;
	const char *p = path_in("sub/dir/rec.tsv");

	(void)state;
	/* A full run: both groups (unit 1 s and 2 s, slow 5 s and 6 s). */
	fake_report(&f, nasty, 4, 0, 1, pass, 1);
	f.res[2].group = f.res[3].group = 1;
	f.att[2][0].secs = 5;
	f.att[3][0].secs = 6;
	assert_int_equal(history_record(p, &cfg, &f.rep, NULL, all, 10, &err), 0);
	/* A -g unit run, and a run of a --fail-fast that ran nothing. */
	fake_report(&f, nasty, 2, 0, 7, pass, 1);
	assert_int_equal(history_record(p, &cfg, &f.rep, NULL, unit_only, 20,
					&err), 0);
	rep.results = res;
	rep.nr = 0;
	assert_int_equal(history_record(p, &cfg, &rep, NULL, unit_only, 30,
					&err), 0);
	assert_int_equal(history_read(&h, p, &err), 0);
	assert_int_equal(h.nr, 4);
	/* 7 s now, 1 s before: the newer, the older too far off to count */
	assert_true(history_estimate(find(&h, "unit", nasty[0])) == 7);
	assert_int_equal(find(&h, "unit", nasty[0])->nr, 2);
	assert_true(history_estimate(find(&h, "slow <x>", nasty[2])) == 5);
	assert_true(history_estimate(find(&h, "slow <x>", nasty[3])) == 6);
	history_release(&h);
	/* Not a history file there: left alone. */
	write_str(p, "<testsuite/>");
	assert_int_equal(history_record(p, &cfg, &f.rep, NULL, all, 40, &err),
			 OFFLOAD_EPARSE);
	{
		char *t = slurp(p, NULL);

		assert_string_equal(t, "<testsuite/>");
		free(t);
	}
}

/*
 * A run that discovered tests without running them (other shards' tests,
 * tests --fail-fast canceled) still saw them: they must not be forgotten
 * after forget_after_runs such runs.  The merge of a sample-less entry
 * used to keep its older `seen` (found merging --shard histories).
 */
static void test_record_marks_unrun_seen(void **state)
{
	enum offload_outcome pass[] = { OFFLOAD_ATTEMPT_PASSED };
	unsigned char all[] = { 1, 1 };
	char *ids_other[] = { nasty[1] };
	size_t group_other[] = { 0 };
	struct offload_test_list others = { ids_other, group_other, 1 };
	struct offload_error err = { 0, "" };
	struct history h = HISTORY_INIT;
	struct fake_report f;
	const char *p = path_in("seen.tsv");

	(void)state;
	unlink(p);
	fake_report(&f, nasty, 3, 0, 1, pass, 1);
	assert_int_equal(history_record(p, &cfg, &f.rep, NULL, all, 10, &err), 0);
	/* nasty[0] runs; nasty[1] is another shard's; nasty[2] was
	 * discovered but not run (no attempt) */
	fake_report(&f, nasty, 3, 0, 1, pass, 1);
	f.res[1] = f.res[2];
	f.res[1].attempts_nr = 0;
	f.res[1].verdict = OFFLOAD_NOT_RUN;
	f.rep.nr = 2;
	assert_int_equal(history_record(p, &cfg, &f.rep, &others, all, 20, &err), 0);
	assert_int_equal(history_read(&h, p, &err), 0);
	assert_int_equal(find(&h, "unit", nasty[0])->seen, 20);
	assert_int_equal(find(&h, "unit", nasty[1])->seen, 20);
	assert_int_equal(find(&h, "unit", nasty[2])->seen, 20);
	assert_int_equal(find(&h, "unit", nasty[1])->nr, 1);	/* kept */
	history_release(&h);
}

static void test_estimates_sources(void **state)
{
	enum offload_outcome pass[] = { OFFLOAD_ATTEMPT_PASSED };
	char *ids[] = { (char *)"a.py::test_one", (char *)"plain" };
	size_t group[] = { 0, 0 };
	struct offload_test_list tests = { ids, group, 2 };
	struct offload_config c = cfg;
	struct offload_error err = { 0, "" };
	unsigned char ran[] = { 1, 1 };
	struct fake_report f;
	double d[2];
	size_t known;
	int writable;
	char *warning;

	char prev[600], hist[600], garbage[600];

	(void)state;
	snprintf(prev, sizeof(prev), "%s", path_in("prev.xml"));
	snprintf(hist, sizeof(hist), "%s", path_in("src.tsv"));
	snprintf(garbage, sizeof(garbage), "%s", path_in("garbage"));
	c.junit_file = prev;
	c.history_path = hist;
	unlink(c.history_path);
	/* No history file: the previous report, and a file to record. */
	write_previous(c.junit_file);
	assert_int_equal(history_estimates(&c, &tests, d, &known, &writable,
					   &warning), 0);
	assert_int_equal(known, 1);
	assert_true(d[0] == 1.25 && d[1] < 0);
	assert_true(writable);
	assert_null(warning);
	/* A history file wins over the report. */
	fake_report(&f, nasty, 1, 0, 4, pass, 1);
	assert_int_equal(history_record(c.history_path, &c, &f.rep, NULL, ran,
					5, &err), 0);
	assert_int_equal(history_estimates(&c, &tests, d, &known, &writable,
					   &warning), 0);
	assert_int_equal(known, 1);
	assert_true(d[0] < 0 && d[1] == 4);
	assert_true(writable);
	/* A JUnit file as the history: read, never written. */
	c.history_path = c.junit_file;
	assert_int_equal(history_estimates(&c, &tests, d, &known, &writable,
					   &warning), 0);
	assert_int_equal(known, 1);
	assert_false(writable);
	assert_null(warning);
	/* Something else: a warning, discovery order, not written. */
	c.history_path = garbage;
	write_str(c.history_path, "garbage <not xml");
	assert_int_equal(history_estimates(&c, &tests, d, &known, &writable,
					   &warning), 0);
	assert_int_equal(known, 0);
	assert_false(writable);
	assert_non_null(warning);
	assert_non_null(strstr(warning, "not a history file"));
	assert_non_null(strstr(warning, "discovery order"));
	free(warning);
}

static void test_public_merge(void **state)
{
	enum offload_outcome pass[] = { OFFLOAD_ATTEMPT_PASSED };
	unsigned char ran[] = { 1, 0 };
	struct offload_error err = { 0, "" };
	struct history h = HISTORY_INIT;
	struct fake_report f;
	char p[3][600];
	const char *in[3] = { p[0], p[1], p[2] };
	char *before;

	(void)state;
	for (int i = 0; i < 3; i++)
		snprintf(p[i], sizeof(p[i]), "%s/m%d.tsv", scratch, i);
	fake_report(&f, nasty, 3, 0, 1, pass, 1);
	assert_int_equal(history_record(in[0], &cfg, &f.rep, NULL, ran, 1, &err), 0);
	fake_report(&f, nasty + 3, 3, 0, 2, pass, 1);
	assert_int_equal(history_record(in[1], &cfg, &f.rep, NULL, ran, 2, &err), 0);
	/* A missing input: an error naming it, and nothing written. */
	before = slurp(in[0], NULL);
	assert_int_equal(offload_history_merge(in[0], in, 3, 0, 0, &err), -ENOENT);
	assert_non_null(strstr(err.msg, in[2]));
	{
		char *after = slurp(in[0], NULL);

		assert_string_equal(before, after);
		free(after);
	}
	free(before);
	/* In place, as a git merge driver writes %A. */
	assert_int_equal(offload_history_merge(in[0], in, 2, 0, 0, &err), 0);
	assert_int_equal(history_read(&h, in[0], &err), 0);
	assert_int_equal(h.nr, 6);
	assert_int_equal(h.runs[0].nr, 2);
	history_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_mapped),
		cmocka_unit_test(test_runner_file),
		cmocka_unit_test(test_many_tests),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_malformed_file),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_fill_unknown),
		cmocka_unit_test(test_record_keeps_other_groups),
		cmocka_unit_test(test_record_marks_unrun_seen),
		cmocka_unit_test(test_estimates_sources),
		cmocka_unit_test(test_public_merge),
	};

	return cmocka_run_group_tests_name("history", tests, setup, teardown);
}
