/* SPDX-License-Identifier: MIT */
/*
 * test-html.c - unit tests for the HTML report (html.c), the JSON string
 * writer and trace of timeline.c, and the round trip of a run's batches
 * and attempts through the JUnit file (junit_write_run -> junit_load):
 * what `offload report FILE.xml` rebuilds the timeline from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "testutil.h"
#include "offload.h"
#include "buf.h"
#include "config.h"
#include "html.h"
#include "junit.h"
#include "report.h"
#include "timeline.h"

static char *json(const char *s, size_t cap)
{
	struct buf b = BUF_INIT;

	assert_int_equal(json_string(&b, s, cap), 0);
	return buf_detach(&b);
}

static void test_json_string(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "", "\"\"" },
		{ "plain id", "\"plain id\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "a\nb\tc\rd", "\"a\\nb\\tc\\u000dd\"" },
		{ "</script><script>alert(1)</script>",
		  "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"" },
		{ "a&b", "\"a\\u0026b\"" },
		{ "bad\xff" "byte", "\"bad\\\\xffbyte\"" },
		{ "cut\xe2\x82", "\"cut\\\\xe2\\\\x82\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"" },
		{ "ls\xe2\x80\xa8ps\xe2\x80\xa9", "\"ls\\u2028ps\\u2029\"" },
		{ "\x01\x7f", "\"\\u0001\\u007f\"" },
		{ "\xed\xa0\x80", "\"\\\\xed\\\\xa0\\\\x80\"" },  /* a surrogate */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json(cases[i].in, 0);

		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void test_json_cap(void **state)
{
	/* cut at 5 bytes: "ab" + the 3-byte euro sign fits, the next does not
	 * and is not split */
	char *got = json("ab\xe2\x82\xac\xe2\x82\xacxyz", 6);

	(void)state;
	assert_true(!strncmp(got, "\"ab\xe2\x82\xac\\n[... 6 more bytes cut", 25));
	free(got);
	got = json("abc", 3);
	assert_string_equal(got, "\"abc\"");
	free(got);
}

/* A report of four tests: passed, failed (output with a bad byte),
 * flaky, not run; the failed one is named like markup. */
struct fixture {
	struct offload_attempt att[5];
	struct offload_result res[4];
	struct offload_report rep;
	struct timeline tl;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->att[0] = (struct offload_attempt){ OFFLOAD_ATTEMPT_PASSED, 0.25, 0, 1, NULL, NULL, NULL };
	f->att[1] = (struct offload_attempt){ OFFLOAD_ATTEMPT_FAILED, 1.5, 1, 2,
		"boom", "out <b>&</b> \xff marker-output", NULL };
	f->att[2] = (struct offload_attempt){ OFFLOAD_ATTEMPT_FAILED, 0.5, 0, 1, "first", "flaky out", NULL };
	f->att[3] = (struct offload_attempt){ OFFLOAD_ATTEMPT_PASSED, 0.75, 1, 3, NULL, NULL, NULL };
	f->res[0] = (struct offload_result){ "t/pass", 0, OFFLOAD_PASSED, NULL, &f->att[0], 1 };
	f->res[1] = (struct offload_result){ "t/</script><script>alert(1)</script>", 1,
		OFFLOAD_FAILED, NULL, &f->att[1], 1 };
	f->res[2] = (struct offload_result){ "t/flaky", 0, OFFLOAD_FLAKY, NULL, &f->att[2], 2 };
	f->res[3] = (struct offload_result){ "t/never", 1, OFFLOAD_NOT_RUN,
		"interrupted by SIGINT", NULL, 0 };
	f->rep.results = f->res;
	f->rep.nr = 4;
	f->rep.secs = 3;
	report_count(&f->rep);
	timeline_init(&f->tl, 100);
	timeline_batch(&f->tl, 1, 0, NULL, 100.5, 101.5, 2);
	timeline_batch(&f->tl, 2, 1, "host with space", 100.25, 102, 1);
	timeline_batch(&f->tl, 3, 1, NULL, 102, 2.75 + 100, 1);
	assert_int_equal(f->tl.nomem, 0);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_render_escapes(void **state)
{
	struct fixture f;
	const char *groups[] = { "unit", "<i>g</i>" };
	struct html_meta m = { "x<y>caf\xc3\xa9\xff.xml", "2026-01-01T00:00:00Z", groups, 2, NULL, 0, NULL, 0, NULL, 0, 0, 0 };
	struct buf b = BUF_INIT;

	(void)state;
	fixture_init(&f);
	m.batches = f.tl.batches;
	m.batches_nr = f.tl.batches_nr;
	assert_int_equal(html_render(&b, &f.rep, &m), 0);
	/* exactly the page's two scripts: the data and the code */
	assert_int_equal(count(b.buf, "<script"), 2);
	assert_int_equal(count(b.buf, "</script"), 2);
	assert_int_equal(count(b.buf, "alert(1)"), 1);
	assert_non_null(strstr(b.buf, "t/\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
	assert_null(strstr(b.buf, "<i>"));
	assert_null(strstr(b.buf, "x<y>"));
	assert_non_null(strstr(b.buf, "<title>offload report: x&lt;y&gt;caf\xc3\xa9\\xff.xml</title>"));
	/* the output, escaped, with its bad byte as text */
	assert_non_null(strstr(b.buf, "out \\u003cb\\u003e\\u0026\\u003c/b\\u003e \\\\xff marker-output"));
	/* counts as static text, batches as data */
	assert_non_null(strstr(b.buf, "id=\"count-failed\">1 failed<"));
	assert_non_null(strstr(b.buf, "id=\"count-flaky\">1 flaky<"));
	assert_non_null(strstr(b.buf, "id=\"count-notrun\">1 not run<"));
	assert_non_null(strstr(b.buf, "2 sandboxes, 3 batches"));
	assert_non_null(strstr(b.buf, "[2,1,0.250,2.000,1,\"host with space\"]"));
	assert_null(strstr(b.buf, "\"runs\""));
	/* nothing fetched from anywhere */
	assert_null(strstr(b.buf, " src="));
	assert_null(strstr(b.buf, "<link"));
	assert_non_null(strstr(b.buf, "default-src 'none'"));
	buf_release(&b);
	timeline_release(&f.tl);
}

/* Every test failing with a lot of output: the page stays bounded. */
static void test_render_output_budget(void **state)
{
	size_t n = HTML_PAGE_OUTPUT_CAP / HTML_OUTPUT_CAP + 8;
	struct offload_result *res = calloc(n, sizeof(*res));
	struct offload_attempt *att = calloc(n, sizeof(*att));
	char *out = malloc(HTML_OUTPUT_CAP * 2 + 1), ids[16];
	struct offload_report rep = { 0 };
	const char *groups[] = { "g" };
	struct html_meta m = { NULL, NULL, groups, 1, NULL, 0, NULL, 0, NULL, 0, 0, 0 };
	struct buf b = BUF_INIT;

	(void)state;
	assert_true(res && att && out);
	memset(out, 'o', HTML_OUTPUT_CAP * 2);
	out[HTML_OUTPUT_CAP * 2] = '\0';
	for (size_t i = 0; i < n; i++) {
		att[i].outcome = OFFLOAD_ATTEMPT_FAILED;
		att[i].output = out;
		res[i].id = ids;
		res[i].verdict = OFFLOAD_FAILED;
		res[i].attempts = &att[i];
		res[i].attempts_nr = 1;
	}
	strcpy(ids, "t");
	rep.results = res;
	rep.nr = n;
	assert_int_equal(html_render(&b, &rep, &m), 0);
	assert_true(b.len < HTML_PAGE_OUTPUT_CAP + n * 1024 + 512 * 1024);
	assert_int_equal(count(b.buf, "more bytes cut here"), n - 8);
	assert_int_equal(count(b.buf, "[output left out"), 8);
	buf_release(&b);
	free(out);
	free(att);
	free(res);
}

static void test_junit_round_trip(void **state)
{
	struct fixture f;
	struct offload_group groups[2] = { { .name = "unit" }, { .name = "other" } };
	struct offload_config cfg = { .groups = groups, .groups_nr = 2 };
	struct offload_error err = { 0 };
	struct offload_report back;
	struct strvec names = STRVEC_INIT;
	struct timeline tl;
	char dir[] = "/tmp/test-html.XXXXXX", path[64], *stamp = NULL;

	(void)state;
	fixture_init(&f);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	assert_int_equal(junit_write_run(path, &cfg, &f.rep, &f.tl, NULL, &err), 0);
	if (xsd_valid(path) >= 0)
		assert_xsd_valid(path);
	timeline_init(&tl, 0);
	assert_int_equal(junit_load(path, &back, &names, &tl, &stamp, NULL, &err), 0);
	assert_non_null(stamp);
	assert_int_equal(back.nr, 4);
	assert_int_equal(back.passed, 1);
	assert_int_equal(back.failed, 1);
	assert_int_equal(back.flaky, 1);
	assert_int_equal(back.not_run, 1);
	/* suites are per group: unit (pass, flaky), then other */
	assert_string_equal(back.results[0].id, "t/pass");
	assert_string_equal(back.results[1].id, "t/flaky");
	assert_string_equal(back.results[2].id, "t/</script><script>alert(1)</script>");
	assert_string_equal(back.results[3].id, "t/never");
	assert_string_equal(names.v[back.results[2].group], "other");
	assert_string_equal(back.results[3].not_run_reason, "interrupted by SIGINT");
	assert_int_equal(back.results[3].attempts_nr, 0);
	/* each attempt's outcome, time, sandbox and batch, in order */
	assert_int_equal(back.results[1].attempts_nr, 2);
	assert_int_equal(back.results[1].attempts[0].outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_int_equal(back.results[1].attempts[0].sandbox, 0);
	assert_int_equal(back.results[1].attempts[0].batch, 1);
	assert_true(back.results[1].attempts[0].secs == 0.5);
	assert_int_equal(back.results[1].attempts[1].outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_int_equal(back.results[1].attempts[1].sandbox, 1);
	assert_int_equal(back.results[1].attempts[1].batch, 3);
	assert_non_null(strstr(back.results[1].attempts[0].output, "flaky out"));
	assert_int_equal(back.results[2].attempts_nr, 1);
	assert_int_equal(back.results[2].attempts[0].batch, 2);
	assert_string_equal(back.results[2].attempts[0].message, "boom");
	assert_non_null(strstr(back.results[2].attempts[0].output, "marker-output"));
	/* the batches, with times and hosts */
	assert_int_equal(tl.batches_nr, 3);
	assert_int_equal(tl.batches[1].no, 2);
	assert_int_equal(tl.batches[1].sandbox, 1);
	assert_string_equal(tl.batches[1].host, "host with space");
	assert_true(tl.batches[1].start == 0.25 && tl.batches[1].end == 2);
	assert_null(tl.batches[0].host);
	/* one run: no run of each result, and no runs on the page */
	assert_int_equal(tl.runs_nr, 1);
	assert_null(tl.result_runs);
	offload_report_release(&back);
	strvec_clear(&names);
	timeline_release(&tl);
	free(stamp);
	timeline_release(&f.tl);
	remove_scratch(dir);
}

/*
 * A report merged from two CI shards (`offload merge`), the later one
 * first: each run numbers its batches from 1 and its sandboxes from 0,
 * times them from its own timestamp, and its attempts name its own
 * batches.  The runs stay apart: each batch and result says its run,
 * the attempts keep their own run's numbers (`offload logs` names
 * DIR/batch-N.* by them), each run's times move by its timestamp's
 * distance from the earliest one, and the page carries the runs.
 */
static void test_load_merged_runs(void **state)
{
	char dir[] = "/tmp/test-html.XXXXXX", path[64], *stamp = NULL;
	struct offload_report rep;
	struct offload_error err = { 0 };
	struct strvec names = STRVEC_INIT;
	struct timeline tl;
	struct html_meta m = { 0 };
	struct buf b = BUF_INIT;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.xml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("<testsuites time=\"9\">"
	      "<testsuite name=\"all\" timestamp=\"2026-01-01T10:00:30\" hostname=\"ci-2\">"
	      "<properties><property name=\"offload.shard\" value=\"2/2\"/>"
	      "<property name=\"offload.logs\" value=\"s2.logs\"/>"
	      "<property name=\"offload.batch\" value=\"1 0 0.5 1.5 1\"/>"
	      "<property name=\"offload.batch\" value=\"2 1 0.5 2 1\"/>"
	      "<property name=\"offload.attempts\" value=\"0 p:1:0:1\"/>"
	      "<property name=\"offload.attempts\" value=\"1 p:1.5:1:2\"/>"
	      "</properties><testcase name=\"b1\" classname=\"all\"/>"
	      "<testcase name=\"b2\" classname=\"all\"/></testsuite>"
	      /* the same run's next group: no batches of its own */
	      "<testsuite name=\"other\" timestamp=\"2026-01-01T10:00:30\">"
	      "<properties><property name=\"offload.shard\" value=\"2/2\"/>"
	      "<property name=\"offload.attempts\" value=\"0 f:0.25:1:2\"/>"
	      "</properties><testcase name=\"b3\" classname=\"other\">"
	      "<failure message=\"m\">x</failure></testcase></testsuite>"
	      "<testsuite name=\"all\" timestamp=\"2026-01-01T10:00:00\" hostname=\"ci-1\">"
	      "<properties><property name=\"offload.shard\" value=\"1/2\"/>"
	      "<property name=\"offload.batch\" value=\"1 0 0.25 0.75 1\"/>"
	      "<property name=\"offload.attempts\" value=\"0 p:0.5:0:1\"/>"
	      "</properties><testcase name=\"a1\" classname=\"all\"/></testsuite>"
	      "</testsuites>", f);
	fclose(f);
	timeline_init(&tl, 0);
	assert_int_equal(junit_load(path, &rep, &names, &tl, &stamp, NULL, &err), 0);
	assert_int_equal(rep.nr, 4);
	assert_int_equal(tl.runs_nr, 2);
	assert_string_equal(tl.runs[0].label, "shard 2/2");
	assert_string_equal(tl.runs[0].host, "ci-2");
	assert_string_equal(tl.runs[1].label, "shard 1/2");
	assert_true(tl.runs[0].offset == 30 && tl.runs[1].offset == 0);
	/* the page starts at the earliest run, and spans to the last end */
	assert_string_equal(stamp, "2026-01-01T10:00:00");
	assert_true(rep.secs == 32);
	assert_non_null(tl.result_runs);
	assert_int_equal(tl.result_runs[0], 0);
	assert_int_equal(tl.result_runs[2], 0);
	assert_int_equal(tl.result_runs[3], 1);
	/* each batch with its run's numbers and its run's place in time */
	assert_int_equal(tl.batches_nr, 3);
	assert_int_equal(tl.batches[1].no, 2);
	assert_int_equal(tl.batches[1].run, 0);
	assert_true(tl.batches[1].start == 30.5 && tl.batches[1].end == 32);
	assert_int_equal(tl.batches[2].no, 1);
	assert_int_equal(tl.batches[2].sandbox, 0);
	assert_int_equal(tl.batches[2].run, 1);
	assert_true(tl.batches[2].start == 0.25 && tl.batches[2].end == 0.75);
	/* the attempts keep their own run's batch and sandbox */
	assert_int_equal(rep.results[2].attempts[0].batch, 2);
	assert_int_equal(rep.results[2].attempts[0].sandbox, 1);
	assert_int_equal(rep.results[3].attempts[0].batch, 1);
	/* the page: the runs, and the run of each batch and test */
	m.batches = tl.batches;
	m.batches_nr = tl.batches_nr;
	m.runs = tl.runs;
	m.runs_nr = tl.runs_nr;
	m.result_runs = tl.result_runs;
	assert_int_equal(html_render(&b, &rep, &m), 0);
	assert_non_null(strstr(b.buf, "\"runs\":[[\"shard 2/2\",\"2026-01-01T10:00:30\",30.000,\"ci-2\"],"
			       "[\"shard 1/2\",\"2026-01-01T10:00:00\",0.000,\"ci-1\"]]"));
	assert_non_null(strstr(b.buf, "[1,0,0.250,0.750,1,null,1]"));
	assert_non_null(strstr(b.buf, "[2,1,30.500,32.000,1,null,0]"));
	assert_non_null(strstr(b.buf, "[\"a1\",0,1,0.500,null,[[0,0.500,0,1,null,null,null]],1]"));
	assert_non_null(strstr(b.buf, "2 runs &middot; 3 sandboxes, 3 batches"));
	buf_release(&b);
	offload_report_release(&rep);
	strvec_clear(&names);
	timeline_release(&tl);
	free(stamp);
	remove_scratch(dir);
}

/* A file offload did not write: attempts guessed, no sandbox, no batch. */
static void test_load_foreign(void **state)
{
	char dir[] = "/tmp/test-html.XXXXXX", path[64];
	struct offload_report rep;
	struct offload_error err = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/j.xml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("<testsuite name=\"s\" tests=\"2\"><testcase name=\"a\" classname=\"c\" time=\"1.5\"/>"
	      "<testcase name=\"b\" classname=\"d\"><failure message=\"m\">trace</failure>"
	      "</testcase></testsuite>", f);
	fclose(f);
	assert_int_equal(offload_report_load(path, &rep, &err), 0);
	assert_int_equal(rep.nr, 2);
	assert_int_equal(rep.results[0].verdict, OFFLOAD_PASSED);
	assert_int_equal(rep.results[0].attempts_nr, 1);
	assert_true(rep.results[0].attempts[0].secs == 1.5);
	assert_int_equal(rep.results[0].attempts[0].sandbox, UINT_MAX);
	assert_int_equal(rep.results[1].verdict, OFFLOAD_FAILED);
	assert_int_equal(rep.results[1].group, 1);
	assert_non_null(strstr(rep.results[1].attempts[0].output, "trace"));
	offload_report_release(&rep);
	snprintf(path, sizeof(path), "%s/missing.xml", dir);
	assert_int_equal(offload_report_load(path, &rep, &err), OFFLOAD_EPARSE);
	assert_non_null(strstr(err.msg, "missing.xml"));
	remove_scratch(dir);
}

/* The page of FILE's report (offload report FILE): the header's time. */
static char *page_of(const char *dir, const char *xml)
{
	char in[64], out[64];
	struct offload_error err = { 0 };
	FILE *f;
	char *page;

	snprintf(in, sizeof(in), "%s/in.xml", dir);
	snprintf(out, sizeof(out), "%s/out.html", dir);
	assert_non_null(f = fopen(in, "w"));
	fputs(xml, f);
	fclose(f);
	assert_int_equal(offload_report_html(in, out, &err), 0);
	assert_non_null(page = slurp(out, NULL));
	return page;
}

/* Another runner's report records no wall time: the page says so, with
 * its suites' own time, instead of "wall time 0.00 s". */
static void test_foreign_wall_time(void **state)
{
	char dir[] = "/tmp/test-html.XXXXXX";
	char *page;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* pytest --junitxml: <testsuites> without time, one suite */
	page = page_of(dir, "<testsuites><testsuite name=\"pytest\" tests=\"1\" time=\"2.5\">"
		       "<testcase name=\"a\" classname=\"c\" time=\"0.5\"/>"
		       "</testsuite></testsuites>");
	assert_null(strstr(page, "wall time 0.00 s"));
	assert_non_null(strstr(page, "wall time not recorded &middot; testsuite time 2.50 s (the report's suite)"));
	free(page);
	/* Surefire: <testsuite> at the root; a nested suite's time is
	 * part of its parent's, not added */
	page = page_of(dir, "<testsuite name=\"s\" tests=\"2\" time=\"1.25\">"
		       "<testsuite name=\"inner\" time=\"1\"><testcase name=\"a\" time=\"1\"/></testsuite>"
		       "<testcase name=\"b\" classname=\"d\" time=\"0.25\"/></testsuite>");
	assert_non_null(strstr(page, "wall time not recorded &middot; testsuite time 1.25 s (the report's suite)"));
	free(page);
	/* two suites: their sum, said to be one */
	page = page_of(dir, "<testsuites><testsuite name=\"x\" time=\"1.5\"><testcase name=\"a\"/></testsuite>"
		       "<testsuite name=\"y\" time=\"2\"><testcase name=\"b\"/></testsuite></testsuites>");
	assert_non_null(strstr(page, "testsuite time 3.50 s (the sum of the report's suites)"));
	free(page);
	/* no time anywhere */
	page = page_of(dir, "<testsuite name=\"s\"><testcase name=\"a\"/></testsuite>");
	assert_non_null(strstr(page, "wall time not recorded</p>"));
	assert_null(strstr(page, "testsuite time"));
	free(page);
	/* a report with the run's time keeps calling it the wall time */
	page = page_of(dir, "<testsuites name=\"offload\" time=\"4.5\"><testsuite name=\"g\" time=\"9\">"
		       "<testcase name=\"a\" time=\"4\"/></testsuite></testsuites>");
	assert_non_null(strstr(page, "wall time 4.50 s"));
	assert_null(strstr(page, "not recorded"));
	free(page);
	remove_scratch(dir);
}

static void test_trace(void **state)
{
	struct fixture f;
	struct offload_error err = { 0 };
	char dir[] = "/tmp/test-html.XXXXXX", path[64], *s;

	(void)state;
	fixture_init(&f);
	timeline_span(&f.tl, "discovery", TIMELINE_MAIN, 100, 100.125);
	timeline_span(&f.tl, "sandbox creation", 1, 100.1, 100.2);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/trace.json", dir);
	assert_int_equal(timeline_write_trace(&f.tl, path, &err), 0);
	s = slurp(path, NULL);
	assert_non_null(strstr(s, "{\"name\":\"discovery\",\"cat\":\"offload\",\"ph\":\"X\",\"pid\":1,\"tid\":0,\"ts\":0.000,\"dur\":125000.000}"));
	assert_non_null(strstr(s, "\"tid\":2,\"args\":{\"name\":\"sandbox 1\"}"));
	/* batch 2 on sandbox 1's track, from 0.25 s after execution began */
	assert_non_null(strstr(s, "{\"name\":\"batch 2\",\"cat\":\"batch\",\"ph\":\"X\",\"pid\":1,\"tid\":2,\"ts\":250000.000"));
	assert_non_null(strstr(s, "\"host\":\"host with space\""));
	free(s);
	timeline_release(&f.tl);
	remove_scratch(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_json_cap),
		cmocka_unit_test(test_render_escapes),
		cmocka_unit_test(test_render_output_budget),
		cmocka_unit_test(test_junit_round_trip),
		cmocka_unit_test(test_load_merged_runs),
		cmocka_unit_test(test_load_foreign),
		cmocka_unit_test(test_foreign_wall_time),
		cmocka_unit_test(test_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
