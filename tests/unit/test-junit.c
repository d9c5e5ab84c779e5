/* SPDX-License-Identifier: MIT */
/*
 * test-junit.c - the JUnit module: escaping, reading runners' files,
 * writing the merged report (validated against Surefire's schema when
 * xmllint and ../shared/data/junit-10.xsd are there), reading it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/xmlmemory.h>
#include "testutil.h"

#include "config.h"
#include "junit.h"
#include "timeline.h"


static char scratch[] = "/tmp/offload-test-junit-XXXXXX";

static char *path_in(const char *name)
{
	static char p[4][512];
	static int n;

	n = (n + 1) % 4;
	snprintf(p[n], sizeof(p[n]), "%s/%s", scratch, name);
	return p[n];
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_str(const char *path, const char *s)
{
	write_file(path, s, strlen(s));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (!getenv("KEEP")) remove_scratch(scratch);
	return 0;
}

/* Every byte of the file is legal in XML 1.0 text encoded as UTF-8. */
static void assert_clean_bytes(const char *path)
{
	size_t len, i;
	char *s = slurp(path, &len);
	char *e;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		assert_false(c < 0x20 && c != '\t' && c != '\n' && c != '\r');
		assert_true(c != 0x7f);
	}
	/* junit_escape leaves a valid file unchanged. */
	e = junit_escape(s);
	assert_non_null(e);
	assert_string_equal(e, s);
	free(e);
	free(s);
}

/* ------------------------------------------------------------------ */

static void check_escape(const char *in, const char *want)
{
	char *got = junit_escape(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_escape(void **state)
{
	(void)state;
	check_escape("", "");
	check_escape("tests/a b.sh", "tests/a b.sh");
	check_escape("x[a\"b'<&>]", "x[a\"b'<&>]");
	check_escape("tab\tnl\ncr\r", "tab\tnl\ncr\r");
	check_escape("back\\slash", "back\\slash");
	check_escape("a\x01" "b\x1f" "c\x7f", "a\\x01b\\x1fc\\x7f");
	check_escape("\xff", "\\xff");
	check_escape("\xc3\x28", "\\xc3(");
	check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	check_escape("\xc0\xaf", "\\xc0\\xaf");                /* overlong */
	check_escape("\xe0\x80\xaf", "\\xe0\\x80\\xaf");        /* overlong */
	check_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");        /* surrogate */
	check_escape("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	check_escape("\xef\xbf\xbe", "\\xef\\xbf\\xbe");        /* U+FFFE */
	check_escape("end\xe2\x82", "end\\xe2\\x82");           /* truncated */
	check_escape("\x80x", "\\x80x");                        /* lone continuation */
}

/* ------------------------------------------------------------------ */
/* Reading runners' files                                              */

static const struct junit_case *find_case(const struct junit_case *c,
					  size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	fail_msg("no case '%s'", name);
	return NULL;
}

static const char pytest_xunit1[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites>"
	"<testsuite name=\"pytest\" errors=\"1\" failures=\"1\" skipped=\"1\""
	" tests=\"4\" time=\"0.016\">"
	"<testcase classname=\"test_a\" name=\"test_ok\" file=\"test_a.py\""
	" line=\"1\" time=\"0.250\"><properties>"
	"<property name=\"other\" value=\"x\" />"
	"<property name=\"offload_nodeid\" value=\"test_a.py::test_ok[a b-1]\" />"
	"</properties></testcase>"
	"<testcase classname=\"test_a\" name=\"test_fail\" file=\"test_a.py\""
	" line=\"4\" time=\"1.5\"><failure message=\"assert 1 == 2\">"
	"def test_fail():\n&gt;       assert 1 == 2\nE       assert 1 == 2"
	"</failure><system-out>captured &lt;out&gt;\n</system-out>"
	"<system-err>captured err</system-err></testcase>"
	"<testcase classname=\"test_a\" name=\"test_skip\" time=\"0.000\">"
	"<skipped type=\"pytest.skip\" message=\"nope\">test_a.py:8: nope"
	"</skipped><system-out>printed before skip</system-out></testcase>"
	"<testcase classname=\"test_a\" name=\"test_err\" time=\"0.001\">"
	"<error message=\"failed on setup with &quot;RuntimeError: x&quot;\">"
	"E   RuntimeError: x</error></testcase>"
	"</testsuite></testsuites>\n";

static void test_read_pytest_xunit1(void **state)
{
	struct offload_error err = { 0, "" };
	const struct junit_case *c;
	struct junit_case *cases;
	const char *p = path_in("x1.xml");
	size_t nr;

	(void)state;
	write_str(p, pytest_xunit1);
	assert_int_equal(junit_read(p, -1, &cases, &nr, &err), 0);
	assert_int_equal(nr, 4);

	c = &cases[0];
	assert_string_equal(c->name, "test_ok");
	assert_string_equal(c->classname, "test_a");
	assert_string_equal(c->nodeid, "test_a.py::test_ok[a b-1]");
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_true(c->secs > 0.2499 && c->secs < 0.2501);
	assert_null(c->message);

	c = &cases[1];
	assert_null(c->nodeid);
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(c->message, "assert 1 == 2");
	assert_non_null(strstr(c->text, ">       assert 1 == 2\n"));
	assert_string_equal(c->out, "captured <out>\n");
	assert_string_equal(c->err, "captured err");
	assert_true(c->secs > 1.499 && c->secs < 1.501);

	c = &cases[2];
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_SKIPPED);
	assert_string_equal(c->message, "nope");
	assert_string_equal(c->text, "test_a.py:8: nope");
	assert_string_equal(c->out, "printed before skip");

	c = &cases[3];
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_ERROR);
	assert_string_equal(c->message, "failed on setup with \"RuntimeError: x\"");
	junit_cases_free(cases, nr);
}

static void test_read_quirks(void **state)
{
	/* xunit2 layout, <testsuite> at the root, nested suites, CDATA,
	 * empty and attribute-less elements, odd times, unknown elements. */
	static const char xml[] =
		"<?xml version=\"1.0\"?>\n"
		"<testsuite name=\"outer\" tests=\"7\">\n"
		"  <properties><property name=\"k\" value=\"v\"/></properties>\n"
		"  <testsuite name=\"inner\"><testsuite name=\"deeper\">\n"
		"    <testcase name=\"deep\" classname=\"c\" time=\"1,234.5\"/>\n"
		"  </testsuite></testsuite>\n"
		"  <testcase name=\"cdata\" time=\"abc\"><system-out><![CDATA[a <raw> & b]]>"
		"tail</system-out></testcase>\n"
		"  <testcase/>\n"
		"  <testcase name=\"two\" time=\"2e-3\"><failure message=\"first\">one</failure>"
		"<error message=\"second\">two</error></testcase>\n"
		"  <testcase name=\"empty-failure\"><failure/></testcase>\n"
		"  <testcase name=\"unknown\"><weird a=\"b\"><failure message=\"nested\"/></weird>"
		"<reruns/></testcase>\n"
		"  <testcase name=\"skip-then-fail\"><skipped/><failure message=\"f\"/></testcase>\n"
		"  <testcase name=\"flaky\"><flakyFailure message=\"was bad\" type=\"x\">"
		"trace<system-out>o</system-out></flakyFailure>"
		"<rerunFailure type=\"y\"/></testcase>\n"
		"</testsuite>\n";
	struct offload_error err = { 0, "" };
	const struct junit_case *c;
	struct junit_case *cases;
	const char *p = path_in("quirks.xml");
	size_t nr;

	(void)state;
	write_str(p, xml);
	assert_int_equal(junit_read(p, -1, &cases, &nr, &err), 0);
	assert_int_equal(nr, 8);

	c = find_case(cases, nr, "deep");
	assert_string_equal(c->classname, "c");
	assert_true(c->secs > 1234.49 && c->secs < 1234.51);
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_PASSED);

	c = find_case(cases, nr, "cdata");
	assert_string_equal(c->out, "a <raw> & btail");
	assert_true(c->secs == 0);

	c = find_case(cases, nr, "");
	assert_string_equal(c->classname, "");
	assert_null(c->text);

	c = find_case(cases, nr, "two");
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(c->message, "first");
	assert_string_equal(c->text, "one");
	assert_true(c->secs > 0.00199 && c->secs < 0.00201);

	c = find_case(cases, nr, "empty-failure");
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_null(c->message);
	assert_null(c->text);

	/* A <failure> that is not a child of the testcase is not its verdict. */
	c = find_case(cases, nr, "unknown");
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_PASSED);

	c = find_case(cases, nr, "skip-then-fail");
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(c->message, "f");

	/* Surefire's rerun elements do not make the verdict. */
	c = find_case(cases, nr, "flaky");
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_null(c->out);
	junit_cases_free(cases, nr);
}

/* Run `fn` with stderr going to a file; return what it printed. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	const char *p = path_in("stderr.txt");
	int saved = dup(2), fd;

	assert_true(saved >= 0);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	return slurp(p, NULL);
}

struct read_args {
	const char *path;
	struct junit_case *cases;
	size_t nr;
	int rc;
	struct offload_error err;
};

static void do_read(void *arg)
{
	struct read_args *a = arg;

	a->rc = junit_read(a->path, -1, &a->cases, &a->nr, &a->err);
}

static void test_read_truncated(void **state)
{
	struct read_args a = { 0 };
	char *printed;

	(void)state;
	a.path = path_in("truncated.xml");
	write_str(a.path,
		  "<testsuites>\n<testsuite name=\"s\">\n"
		  "<testcase name=\"a\" time=\"1\"/>\n"
		  "<testcase name=\"b\"><failure message=\"m\">x</failure></testcase>\n"
		  "<testcase name=\"c\"><system-out>half an outp");
	printed = capture_stderr(do_read, &a);
	/* libxml2 must not talk to the user: the library never prints. */
	assert_string_equal(printed, "");
	free(printed);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_int_equal(a.err.code, OFFLOAD_EPARSE);
	assert_int_equal(strncmp(a.err.msg, "junit '", 7), 0);
	assert_non_null(strstr(a.err.msg, a.path));
	assert_non_null(strstr(a.err.msg, "' line 5: premature end of data in tag system-out"));
	/* The complete cases before the error are kept, the partial one not. */
	assert_int_equal(a.nr, 2);
	assert_string_equal(a.cases[0].name, "a");
	assert_string_equal(a.cases[1].name, "b");
	assert_int_equal(a.cases[1].outcome, OFFLOAD_ATTEMPT_FAILED);
	junit_cases_free(a.cases, a.nr);
}

static void test_read_malformed(void **state)
{
	static const char *bad[] = {
		"",                                           /* 0 bytes */
		"   \n",
		"not xml at all",
		"<testsuite><testcase name=\"a\"></testsuite>",
		"<testsuite><testcase name=\"\xff\xfe\"/></testsuite>",
		"<a/><b/>",
	};
	struct read_args a;
	size_t i;
	char *printed;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.path = path_in("bad.xml");
		write_str(a.path, bad[i]);
		printed = capture_stderr(do_read, &a);
		assert_string_equal(printed, "");
		free(printed);
		assert_int_equal(a.rc, OFFLOAD_EPARSE);
		assert_int_equal(strncmp(a.err.msg, "junit '", 7), 0);
		assert_non_null(strstr(a.err.msg, "' line "));
		if (i < 3)
			assert_non_null(strstr(a.err.msg, "no root element"));
		junit_cases_free(a.cases, a.nr);
	}
}

static void test_read_missing(void **state)
{
	struct offload_error err = { 0, "" };
	struct junit_case *cases = NULL;
	char want[600];
	size_t nr = 99;

	(void)state;
	assert_int_equal(junit_read(path_in("nope.xml"), -1, &cases, &nr, &err),
			 OFFLOAD_EPARSE);
	snprintf(want, sizeof(want),
		 "cannot read junit '%s': No such file or directory",
		 path_in("nope.xml"));
	assert_string_equal(err.msg, want);
	assert_int_equal(nr, 0);
	junit_cases_free(cases, nr);
}

static void test_read_no_external_entities(void **state)
{
	struct offload_error err = { 0, "" };
	struct junit_case *cases;
	char xml[1024];
	const char *p = path_in("xxe.xml"), *secret = path_in("secret.txt");
	size_t nr, i;

	(void)state;
	write_str(secret, "TOP-SECRET");
	snprintf(xml, sizeof(xml),
		 "<?xml version=\"1.0\"?>\n"
		 "<!DOCTYPE testsuite [<!ENTITY x SYSTEM \"file://%s\">]>\n"
		 "<testsuite><testcase name=\"t\"><failure>&x;</failure>"
		 "<system-out>&x;</system-out></testcase></testsuite>\n",
		 secret);
	write_str(p, xml);
	junit_read(p, -1, &cases, &nr, &err);
	for (i = 0; i < nr; i++) {
		assert_false(cases[i].text && strstr(cases[i].text, "SECRET"));
		assert_false(cases[i].out && strstr(cases[i].out, "SECRET"));
	}
	junit_cases_free(cases, nr);
}

static void *read_in_thread(void *arg)
{
	struct read_args *a = arg;

	do_read(a);
	return NULL;
}

static void test_read_concurrent(void **state)
{
	/* Workers read their batches' files at the same time. */
	enum { T = 8 };
	struct read_args a[T];
	pthread_t th[T];
	char good[512], broken[512];
	size_t i;

	(void)state;
	snprintf(good, sizeof(good), "%s", path_in("good.xml"));
	snprintf(broken, sizeof(broken), "%s", path_in("broken.xml"));
	write_str(good, pytest_xunit1);
	write_str(broken, "<testsuite><testcase name=\"x\">");
	memset(a, 0, sizeof(a));
	for (i = 0; i < T; i++) {
		a[i].path = i % 2 ? good : broken;
		assert_int_equal(pthread_create(&th[i], NULL, read_in_thread,
						&a[i]), 0);
	}
	for (i = 0; i < T; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (i % 2) {
			assert_int_equal(a[i].rc, 0);
			assert_int_equal(a[i].nr, 4);
			assert_string_equal(a[i].cases[1].message, "assert 1 == 2");
		} else {
			/* Each reader has its own error, not a neighbour's. */
			assert_int_equal(a[i].rc, OFFLOAD_EPARSE);
			assert_non_null(strstr(a[i].err.msg, "broken.xml"));
			assert_non_null(strstr(a[i].err.msg, "in tag testcase"));
		}
		junit_cases_free(a[i].cases, a[i].nr);
	}
}

/* ------------------------------------------------------------------ */
/* Writing the merged report                                           */

static struct offload_group groups[] = {
	{ (char *)"unit", 1, (char *)"", 0 },
	{ (char *)"it <&> \"q\"", 0, (char *)"", 0 },
	{ (char *)"empty", 0, (char *)"", 0 },
};

static struct offload_attempt att_ok[] = {
	{ OFFLOAD_ATTEMPT_PASSED, 1.5, 0, 1, NULL, NULL, NULL },
};
static struct offload_attempt att_failed[] = {
	{ OFFLOAD_ATTEMPT_FAILED, 2.0, 0, 1, (char *)"first <boom>",
	  (char *)"output one\n", NULL },
	{ OFFLOAD_ATTEMPT_ERROR, 3.25, 1, 2, (char *)"crashed \x01\xff",
	  (char *)"output two \x02\xc3\x28 ]]> end\n", NULL },
};
static struct offload_attempt att_flaky[] = {
	{ OFFLOAD_ATTEMPT_FAILED, 0.5, 0, 1, (char *)"was bad",
	  (char *)"flaky out\n", NULL },
	{ OFFLOAD_ATTEMPT_PASSED, 0.25, 1, 2, NULL, (char *)"ignored", NULL },
};
static struct offload_attempt att_skip[] = {
	{ OFFLOAD_ATTEMPT_SKIPPED, 0.001, 0, 1, (char *)"not today", NULL, NULL },
};
static struct offload_attempt att_ok2[] = {
	{ OFFLOAD_ATTEMPT_PASSED, 0.75, 0, 3, NULL, NULL, NULL },
};

static struct offload_result results[] = {
	{ (char *)"tests/ok.sh", 0, OFFLOAD_PASSED, NULL, att_ok, 1 },
	{ (char *)"test fail \"q\" 'a' <&>\nline2\ttab\rcr", 0, OFFLOAD_FAILED, NULL,
	  att_failed, 2 },
	{ (char *)"flaky[a b-1]", 0, OFFLOAD_FLAKY, NULL, att_flaky, 2 },
	{ (char *)"skip\x01me", 0, OFFLOAD_SKIPPED, NULL, att_skip, 1 },
	{ (char *)"bad\xff\xc3\x28utf", 1, OFFLOAD_NOT_RUN, NULL, NULL, 0 },
	{ (char *)"ok two", 1, OFFLOAD_PASSED, NULL, att_ok2, 1 },
};

static void make_report(struct offload_config *cfg, struct offload_report *rep)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->groups = groups;
	cfg->groups_nr = 3;
	memset(rep, 0, sizeof(*rep));
	rep->results = results;
	rep->nr = sizeof(results) / sizeof(results[0]);
	rep->passed = 2;
	rep->failed = 1;
	rep->flaky = 1;
	rep->skipped = 1;
	rep->not_run = 1;
	rep->secs = 12.3456;
}

static void test_write_read_back(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_logged_case *logged;
	struct offload_config cfg;
	struct offload_report rep;
	struct junit_case *cases;
	const struct junit_case *c;
	const char *p = path_in("sub/dir/junit.xml");
	char *s, *name;
	size_t nr, i;

	(void)state;
	make_report(&cfg, &rep);
	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	assert_xsd_valid(p);
	assert_clean_bytes(p);

	s = slurp(p, NULL);
	assert_non_null(strstr(s, "<testsuites name=\"offload\" tests=\"6\" "
			       "failures=\"1\" errors=\"1\" time=\"12.346\""));
	assert_non_null(strstr(s, "<testsuite name=\"unit\" tests=\"4\" "
			       "failures=\"1\" errors=\"0\" skipped=\"1\""));
	/* A group without tests gets no suite. */
	assert_null(strstr(s, "name=\"empty\""));
	assert_null(strstr(s, "offload.interrupted"));
	/*
	 * Rerun elements have mixed content: no indentation may creep into
	 * their text.
	 */
	assert_non_null(strstr(s, "<flakyFailure type=\"failure\" "
			       "message=\"was bad\"><system-out>flaky out\n"
			       "</system-out></flakyFailure>"));
	assert_non_null(strstr(s, "<failure type=\"error\" message=\"crashed "
			       "\\x01\\xff\">output two \\x02\\xc3( ]]&gt; end\n"
			       "</failure>"));
	/* Not run without a reason nor an interruption. */
	assert_non_null(strstr(s, "type=\"notRun\" message=\"not run: no result\""));
	free(s);

	assert_int_equal(junit_read(p, -1, &cases, &nr, &err), 0);
	assert_int_equal(nr, rep.nr);
	for (i = 0; i < nr; i++) {
		name = junit_escape(results[i].id);
		assert_string_equal(cases[i].name, name);
		free(name);
		name = junit_escape(groups[results[i].group].name);
		assert_string_equal(cases[i].classname, name);
		free(name);
	}
	assert_int_equal(cases[0].outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_true(cases[0].secs == 1.5);
	c = &cases[1];
	assert_string_equal(c->name, "test fail \"q\" 'a' <&>\nline2\ttab\rcr");
	assert_int_equal(c->outcome, OFFLOAD_ATTEMPT_FAILED);
	/* The last attempt decides: its message, output and time. */
	assert_string_equal(c->message, "crashed \\x01\\xff");
	assert_string_equal(c->text, "output two \\x02\\xc3( ]]> end\n");
	assert_true(c->secs == 3.25);
	assert_int_equal(cases[2].outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_true(cases[2].secs == 0.25);     /* the passing attempt */
	assert_int_equal(cases[3].outcome, OFFLOAD_ATTEMPT_SKIPPED);
	assert_string_equal(cases[3].name, "skip\\x01me");
	assert_string_equal(cases[3].message, "not today");
	assert_int_equal(cases[4].outcome, OFFLOAD_ATTEMPT_ERROR);
	assert_string_equal(cases[4].name, "bad\\xff\\xc3(utf");
	junit_cases_free(cases, nr);

	/* What `offload logs` sees. */
	assert_int_equal(offload_report_read(p, &logged, &nr, &err), 0);
	assert_int_equal(nr, 6);
	assert_string_equal(logged[0].status, "passed");
	assert_string_equal(logged[0].name, "tests/ok.sh");
	assert_string_equal(logged[0].classname, "unit");
	assert_string_equal(logged[1].status, "failed");
	assert_non_null(strstr(logged[1].text, "crashed \\x01\\xff"));
	assert_non_null(strstr(logged[1].text, "output two"));
	assert_non_null(strstr(logged[1].text, "first <boom>"));
	assert_non_null(strstr(logged[1].text, "output one"));
	/* The final failure comes first, then the earlier attempt. */
	assert_true(strstr(logged[1].text, "output two") <
		    strstr(logged[1].text, "output one"));
	assert_string_equal(logged[2].status, "flaky");
	assert_string_equal(logged[2].text,
			    "--- flakyFailure (attempt 1): was bad ---\n"
			    "--- system-out ---\nflaky out\n");
	assert_string_equal(logged[3].status, "skipped");
	assert_non_null(strstr(logged[3].text, "not today"));
	assert_string_equal(logged[4].status, "error");
	assert_string_equal(logged[4].classname, "it <&> \"q\"");
	assert_string_equal(logged[5].status, "passed");
	assert_string_equal(logged[5].text, "");
	offload_logged_cases_free(logged, nr);
}

/* A run's log directory, recorded in every suite relative to the
 * report's directory (any bytes), read back joined to the report's path
 * as given; a report written without one records none. */
static void test_write_logs_dir(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_config cfg;
	struct offload_report rep;
	struct timeline tl;
	char p[512], logs[512], want[512], *s, **dirs;
	size_t nr, i;

	(void)state;
	make_report(&cfg, &rep);
	snprintf(p, sizeof(p), "%s", path_in("ld/sub/r.xml"));
	snprintf(logs, sizeof(logs), "%s", path_in("ld/r x%.logs\n\xff"));
	assert_int_equal(mkdir(path_in("ld"), 0700), 0);
	assert_int_equal(mkdir(logs, 0700), 0);
	timeline_init(&tl, 0);
	tl.log_dir = logs;
	assert_int_equal(junit_write_run(p, &cfg, &rep, &tl, NULL, &err), 0);
	assert_xsd_valid(p);
	assert_clean_bytes(p);
	s = slurp(p, NULL);
	/* both suites (unit, then it) */
	assert_non_null(strstr(strstr(s, "<property name=\"offload.logs\" "
				      "value=\"../r x%25.logs%0A%FF\"/>") + 1,
			       "<property name=\"offload.logs\" "
			       "value=\"../r x%25.logs%0A%FF\"/>"));
	free(s);
	assert_int_equal(offload_report_log_dirs(p, &dirs, &nr, &err), 0);
	assert_int_equal(nr, rep.nr);
	snprintf(want, sizeof(want), "%s/sub/../r x%%.logs\n\xff", path_in("ld"));
	for (i = 0; i < nr; i++) {
		assert_non_null(dirs[i]);
		assert_string_equal(dirs[i], want);
		free(dirs[i]);
	}
	free(dirs);

	/* beside the report: "." */
	tl.log_dir = path_in("ld/sub");
	assert_int_equal(junit_write_run(p, &cfg, &rep, &tl, NULL, &err), 0);
	assert_int_equal(offload_report_log_dirs(p, &dirs, &nr, &err), 0);
	assert_string_equal(dirs[0], path_in("ld/sub"));
	for (i = 0; i < nr; i++)
		free(dirs[i]);
	free(dirs);

	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	s = slurp(p, NULL);
	assert_null(strstr(s, "offload.logs"));
	free(s);
	assert_int_equal(offload_report_log_dirs(p, &dirs, &nr, &err), 0);
	assert_int_equal(nr, rep.nr);
	for (i = 0; i < nr; i++)
		assert_null(dirs[i]);
	free(dirs);
	timeline_release(&tl);
}

/*
 * `offload logs` numbers attempts in the order they ended (the report's
 * offload.attempts); the header of each <flakyFailure> and
 * <rerunFailure> names the same number, also when a pass or a skip
 * came first.  Without offload.attempts: the element's place.
 */
static struct offload_attempt att_pass_first[] = {
	{ OFFLOAD_ATTEMPT_PASSED, 0.1, 0, 1, NULL, NULL, NULL },
	{ OFFLOAD_ATTEMPT_FAILED, 0.2, 1, 2, (char *)"second", (char *)"out2\n", NULL },
	{ OFFLOAD_ATTEMPT_ERROR, 0.3, 0, 3, (char *)"third", (char *)"out3\n", NULL },
};
static struct offload_attempt att_skip_first[] = {
	{ OFFLOAD_ATTEMPT_SKIPPED, 0.1, 0, 1, (char *)"first", NULL, NULL },
	{ OFFLOAD_ATTEMPT_FAILED, 0.2, 1, 2, (char *)"second", NULL, NULL },
	{ OFFLOAD_ATTEMPT_FAILED, 0.3, 0, 3, (char *)"third", NULL, NULL },
};
static struct offload_result numbered[] = {
	{ (char *)"late", 0, OFFLOAD_FLAKY, NULL, att_pass_first, 3 },
	{ (char *)"skipped first", 0, OFFLOAD_FAILED, NULL, att_skip_first, 3 },
};

static void test_rerun_attempt_numbers(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_logged_case *logged;
	struct offload_config cfg;
	struct offload_report rep = { 0 };
	struct timeline tl;
	const char *p = path_in("numbered.xml");
	size_t nr;

	(void)state;
	make_report(&cfg, &rep);
	rep.results = numbered;
	rep.nr = 2;
	timeline_init(&tl, 0);
	assert_int_equal(junit_write_run(p, &cfg, &rep, &tl, NULL, &err), 0);
	assert_int_equal(offload_report_read(p, &logged, &nr, &err), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(logged[0].status, "flaky");
	assert_string_equal(logged[0].text,
			    "--- flakyFailure (attempt 2): second ---\n"
			    "--- system-out ---\nout2\n"
			    "--- flakyFailure (attempt 3): third ---\n"
			    "--- system-out ---\nout3\n");
	assert_string_equal(logged[1].status, "failed");
	assert_non_null(strstr(logged[1].text,
			       "--- rerunFailure (attempt 2): second ---\n"));
	offload_logged_cases_free(logged, nr);

	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	assert_int_equal(offload_report_read(p, &logged, &nr, &err), 0);
	assert_non_null(strstr(logged[0].text, "(attempt 1): second"));
	assert_non_null(strstr(logged[0].text, "(attempt 2): third"));
	offload_logged_cases_free(logged, nr);
	timeline_release(&tl);
}

static void test_write_interrupted(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_logged_case *logged;
	struct offload_config cfg;
	struct offload_report rep;
	const char *p = path_in("interrupted.xml");
	char *s;
	size_t nr;

	(void)state;
	make_report(&cfg, &rep);
	rep.interrupted = SIGINT;
	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	assert_xsd_valid(p);
	s = slurp(p, NULL);
	/* Every suite says so, and the test that did not run says why. */
	assert_non_null(strstr(s, "<property name=\"offload.interrupted\" "
			       "value=\"SIGINT\"/>"));
	assert_non_null(strstr(strstr(s, "offload.interrupted") + 1,
			       "offload.interrupted"));
	assert_non_null(strstr(s, "<error type=\"notRun\" "
			       "message=\"not run: interrupted by SIGINT\"/>"));
	free(s);

	/* An explicit reason wins. */
	results[4].not_run_reason = (char *)"fail-fast";
	rep.interrupted = SIGTERM;
	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	results[4].not_run_reason = NULL;
	s = slurp(p, NULL);
	assert_non_null(strstr(s, "value=\"SIGTERM\""));
	assert_non_null(strstr(s, "message=\"not run: fail-fast\""));
	free(s);
	assert_int_equal(offload_report_read(p, &logged, &nr, &err), 0);
	assert_int_equal(nr, 6);
	assert_string_equal(logged[4].status, "error");
	assert_non_null(strstr(logged[4].text, "not run: fail-fast"));
	offload_logged_cases_free(logged, nr);
}

static void test_write_caps_output(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_attempt a = { OFFLOAD_ATTEMPT_FAILED, 1, 0, 1,
				     (char *)"big", NULL, NULL };
	struct offload_result r = { (char *)"noisy", 0, OFFLOAD_FAILED, NULL,
				    &a, 1 };
	struct offload_config cfg;
	struct offload_report rep;
	const char *p = path_in("big.xml");
	struct junit_case *cases;
	size_t nr, len, i, big = 1024 * 1024;
	char *s;

	(void)state;
	make_report(&cfg, &rep);
	rep.results = &r;
	rep.nr = 1;
	/* Binary garbage as a crashing test prints it. */
	a.output = malloc(big + 1);
	assert_non_null(a.output);
	for (i = 0; i < big; i++)
		a.output[i] = (char)(i * 7 % 255 + 1);
	a.output[big] = '\0';
	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	free(a.output);
	assert_xsd_valid(p);
	assert_clean_bytes(p);
	s = slurp(p, &len);
	assert_true(len < 4 * 64 * 1024);
	assert_non_null(strstr(s, "[offload: output truncated]"));
	free(s);
	assert_int_equal(junit_read(p, -1, &cases, &nr, &err), 0);
	assert_int_equal(nr, 1);
	assert_true(strlen(cases[0].text) <= 64 * 1024 + 64);
	junit_cases_free(cases, nr);
}

static void test_write_atomic(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_config cfg;
	struct offload_report rep;
	const char *p = path_in("atomic.xml");
	char tmp[600], *s;
	struct stat st;

	(void)state;
	make_report(&cfg, &rep);
	write_str(p, "previous report");
	/*
	 * Make the temporary file impossible to create (a directory in its
	 * place; works as root too): the old report must survive intact.
	 */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", p, (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_true(junit_write(p, &cfg, &rep, &err) < 0);
	assert_non_null(strstr(err.msg, "cannot write junit '"));
	s = slurp(p, NULL);
	assert_string_equal(s, "previous report");
	free(s);
	assert_int_equal(rmdir(tmp), 0);

	/* A report path that cannot be replaced: no temporary file left. */
	p = path_in("isdir.xml");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_true(junit_write(p, &cfg, &rep, &err) < 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", p, (long)getpid());
	assert_true(stat(tmp, &st) < 0 && errno == ENOENT);

	/* And the normal case replaces the old file. */
	p = path_in("atomic.xml");
	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	s = slurp(p, NULL);
	assert_int_equal(strncmp(s, "<?xml", 5), 0);
	free(s);
}

static void test_write_empty(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_config cfg;
	struct offload_report rep;
	struct junit_case *cases;
	const char *p = path_in("empty.xml");
	size_t nr;

	(void)state;
	make_report(&cfg, &rep);
	rep.nr = 0;
	assert_int_equal(junit_write(p, &cfg, &rep, &err), 0);
	assert_xsd_valid(p);
	assert_int_equal(junit_read(p, -1, &cases, &nr, &err), 0);
	assert_int_equal(nr, 0);
	junit_cases_free(cases, nr);
}

static void test_report_read_runner_file(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_logged_case *logged;
	const char *p = path_in("x1-logs.xml");
	size_t nr;

	(void)state;
	write_str(p, pytest_xunit1);
	assert_int_equal(offload_report_read(p, &logged, &nr, &err), 0);
	assert_int_equal(nr, 4);
	assert_string_equal(logged[0].status, "passed");
	assert_string_equal(logged[1].status, "failed");
	assert_non_null(strstr(logged[1].text, "assert 1 == 2"));
	assert_non_null(strstr(logged[1].text, "captured <out>"));
	assert_non_null(strstr(logged[1].text, "captured err"));
	assert_string_equal(logged[2].status, "skipped");
	assert_string_equal(logged[3].status, "error");
	offload_logged_cases_free(logged, nr);

	assert_int_equal(offload_report_read(path_in("nope.xml"), &logged, &nr,
					     &err), OFFLOAD_EPARSE);
	assert_int_equal(nr, 0);
	assert_null(logged);
}

/* ------------------------------------------------------------------ */
/* Hostile files: bounded memory and time, refusals that say why       */

/*
 * libxml2's allocations, counted: what a read makes the parser hold at
 * its peak.  Installed in main() before libxml2 allocates anything.
 * (The test, unlike the library, talks to libxml2 directly for this.)
 */
static size_t xml_live, xml_peak;

static void xml_count(ptrdiff_t delta)
{
	size_t now = __atomic_add_fetch(&xml_live, (size_t)delta, __ATOMIC_RELAXED);
	size_t peak = __atomic_load_n(&xml_peak, __ATOMIC_RELAXED);

	while (now > peak &&
	       !__atomic_compare_exchange_n(&xml_peak, &peak, now, 0,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Sizes as malloc_usable_size() has them: no header, no hidden block. */
static void *xml_counted_malloc(size_t n)
{
	void *p = malloc(n);

	if (p)
		xml_count((ptrdiff_t)malloc_usable_size(p));
	return p;
}

static void xml_counted_free(void *p)
{
	if (p)
		xml_count(-(ptrdiff_t)malloc_usable_size(p));
	free(p);
}

static void *xml_counted_realloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q = realloc(p, n);

	if (q)
		xml_count((ptrdiff_t)malloc_usable_size(q) - (ptrdiff_t)old);
	return q;
}

static char *xml_counted_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xml_counted_malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* Peak of libxml2's live allocations since the last call. */
static size_t xml_peak_reset(void)
{
	size_t peak = __atomic_exchange_n(&xml_peak, xml_live, __ATOMIC_RELAXED);

	return peak;
}

static FILE *open_w(const char *path)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	return f;
}

/* `n` bytes of the string `unit` repeated (the last copy cut). */
static void put_repeated(FILE *f, const char *unit, size_t n)
{
	size_t len = strlen(unit);

	while (n) {
		size_t k = n < len ? n : len;

		assert_int_equal(fwrite(unit, 1, k, f), k);
		n -= k;
	}
}

static void close_w(FILE *f)
{
	assert_int_equal(fclose(f), 0);
}

#define MiB (1024 * 1024)
#define TRUNC_NOTE "\n[offload: output truncated]"
#define ATTR_NOTE " [offload: attribute truncated]"

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && !strcmp(s + n - k, tail);
}

/*
 * Issue 7, item 1: entities declared in a result file's DTD used to be
 * expanded in attribute values (XML_PARSE_HUGE turned libxml2's guard
 * off): a 1 KB file became gigabytes.  An internal subset is refused
 * before any entity is declared.
 */
static void test_hostile_entities(void **state)
{
	struct read_args a;
	char *printed;
	FILE *f;
	int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.path = path_in("laughs.xml");
	f = open_w(a.path);
	fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [\n"
	      "<!ENTITY lol0 \"lollollol!\">\n", f);
	for (i = 1; i <= 6; i++) {
		fprintf(f, "<!ENTITY lol%d \"", i);
		for (int j = 0; j < 10; j++)
			fprintf(f, "&lol%d;", i - 1);
		fputs("\">\n", f);
	}
	fputs("]>\n<testsuite>\n", f);
	for (i = 0; i < 3; i++)    /* 10 MB each, once expanded */
		fprintf(f, "<testcase name=\"t%d\"><failure message=\"&lol6;\">"
			"&lol6;</failure></testcase>\n", i);
	fputs("</testsuite>\n", f);
	close_w(f);

	printed = capture_stderr(do_read, &a);
	assert_string_equal(printed, "");
	free(printed);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_non_null(strstr(a.err.msg, a.path));
	assert_non_null(strstr(a.err.msg, "' line 2: refused: document type "
			       "declaration with an internal subset"));
	assert_int_equal(a.nr, 0);
	junit_cases_free(a.cases, a.nr);

	/* A DOCTYPE without an internal subset declares nothing: read. */
	memset(&a, 0, sizeof(a));
	a.path = path_in("doctype.xml");
	write_str(a.path, "<?xml version=\"1.0\"?>\n"
		  "<!DOCTYPE testsuite SYSTEM \"junit[1].dtd\">\n"
		  "<testsuite><testcase name=\"t\"/></testsuite>\n");
	do_read(&a);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.nr, 1);
	junit_cases_free(a.cases, a.nr);
}

/*
 * Item 2: a 16-20 MB attribute took libxml2 100-200 s (past 10 MB its
 * push parser rescans its buffer for every chunk).  Attribute values are
 * cut at 1 MiB, with a note; the file goes on being read.
 */
static void test_hostile_attribute(void **state)
{
	struct offload_error err = { 0, "" };
	struct junit_case *cases;
	const char *p = path_in("attr.xml");
	size_t nr, n;
	FILE *f;

	(void)state;
	f = open_w(p);
	fputs("<testsuite><testcase name=\"big\"><failure message=\"", f);
	put_repeated(f, "a", 17 * MiB);
	/* single quotes; a 2-byte character and a reference across the cap */
	fputs("\">x</failure></testcase>\n<testcase name='", f);
	put_repeated(f, "b", MiB - 1);
	put_repeated(f, "\xc3\xa9-&amp;-", 2 * MiB);
	fputs("'/>\n<testcase name=\"after\" classname=\"c\"/></testsuite>\n", f);
	close_w(f);

	assert_int_equal(junit_read(p, -1, &cases, &nr, &err), 0);
	assert_int_equal(nr, 3);
	n = strlen(cases[0].message);
	assert_int_equal(n, MiB + strlen(ATTR_NOTE));
	assert_true(ends_with(cases[0].message, ATTR_NOTE));
	assert_int_equal(strspn(cases[0].message, "a"), MiB);
	assert_string_equal(cases[0].text, "x");
	/* Cut after the whole character: "b...b\xc3\xa9" then the note. */
	assert_true(ends_with(cases[1].name, "b\xc3\xa9" ATTR_NOTE));
	assert_string_equal(cases[2].name, "after");
	assert_string_equal(cases[2].classname, "c");
	junit_cases_free(cases, nr);
}

/*
 * Item 3: memory grew with the largest text node (a 200 MB file with
 * two 100 MB nodes took 314 MB).  Text runs, CDATA sections, comments
 * and processing instructions are cut at 1 MiB while reading, so
 * libxml2 never holds more than a few MiB, whatever the file.
 */
static void test_hostile_text(void **state)
{
	struct offload_error err = { 0, "" };
	struct offload_logged_case *logged;
	struct junit_case *cases;
	const char *p = path_in("text.xml");
	size_t nr, peak, len;
	char *s;
	FILE *f;

	(void)state;
	f = open_w(p);
	fputs("<testsuites>\n", f);
	put_repeated(f, " ", 3 * MiB);             /* whitespace between elements */
	fputs("<testsuite><testcase name=\"big\"><failure message=\"m\">", f);
	put_repeated(f, "x", 24 * MiB);
	fputs("</failure><system-out>", f);
	put_repeated(f, "&lt;\xe2\x82\xac", 24 * MiB);   /* references, 3-byte characters */
	fputs("</system-out><system-err><![CDATA[", f);
	put_repeated(f, "c]", 3 * MiB);
	fputs("]]></system-err><!--", f);
	put_repeated(f, "-c", 3 * MiB);
	fputs("--><?pi ", f);
	put_repeated(f, "?p", 3 * MiB);
	fputs("?></testcase>\n<testcase name=\"after\"/></testsuite>\n", f);
	put_repeated(f, "\n", 3 * MiB);
	fputs("</testsuites>\n", f);
	close_w(f);

	xml_peak_reset();
	assert_int_equal(junit_read(p, -1, &cases, &nr, &err), 0);
	peak = xml_peak_reset();
	assert_int_equal(nr, 2);
	assert_true(ends_with(cases[0].text, TRUNC_NOTE));
	assert_true(strlen(cases[0].text) <= MiB + strlen(TRUNC_NOTE));
	assert_int_equal(strspn(cases[0].text, "x"), strlen(cases[0].text) -
			 strlen(TRUNC_NOTE));
	assert_true(ends_with(cases[0].out, TRUNC_NOTE));
	assert_true(strlen(cases[0].out) <= MiB + strlen(TRUNC_NOTE));
	assert_int_equal(strncmp(cases[0].out, "<\xe2\x82\xac<", 5), 0);
	assert_true(ends_with(cases[0].err, TRUNC_NOTE));
	assert_true(strlen(cases[0].err) <= MiB + strlen(TRUNC_NOTE));
	assert_string_equal(cases[1].name, "after");
	junit_cases_free(cases, nr);
	/* The parser's own memory, at its peak: bounded, not 24 MB. */
	assert_true(peak < 8 * MiB);

	/* offload logs reads the same way. */
	assert_int_equal(offload_report_read(p, &logged, &nr, &err), 0);
	assert_int_equal(nr, 2);
	assert_non_null(strstr(logged[0].text, "xxx" TRUNC_NOTE));
	assert_true(strlen(logged[0].text) < 4 * MiB + 1024);
	offload_logged_cases_free(logged, nr);

	/* So does a merge: the copy holds what was kept, and says so. */
	assert_int_equal(offload_junit_merge(path_in("text-merged.xml"), &p, 1,
					     &err), 0);
	s = slurp(path_in("text-merged.xml"), &len);
	assert_true(len < 8 * MiB);
	assert_non_null(strstr(s, "xxx" TRUNC_NOTE "</failure>"));
	free(s);
}

static void do_report_read(void *arg)
{
	struct read_args *a = arg;
	struct offload_logged_case *logged = NULL;

	a->rc = offload_report_read(a->path, &logged, &a->nr, &a->err);
	offload_logged_cases_free(logged, a->nr);
	a->nr = 0;
}

static void do_merge(void *arg)
{
	struct read_args *a = arg;

	a->rc = offload_junit_merge(path_in("merged.xml"), &a->path, 1,
				    &a->err);
}

/* In a child: junit_write under a 512-byte file size limit (a full disk). */
static void do_write_full(void *arg)
{
	struct read_args *a = arg;
	struct offload_config cfg;
	struct offload_report rep;
	struct rlimit lim = { 512, 512 };
	int fd[2], status;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct offload_error err = { 0, "" };

		close(fd[0]);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
			_exit(2);
		make_report(&cfg, &rep);
		if (junit_write(a->path, &cfg, &rep, &err) == 0)
			_exit(3);
		(void)!write(fd[1], err.msg, strlen(err.msg));
		_exit(0);
	}
	close(fd[1]);
	memset(a->err.msg, 0, sizeof(a->err.msg));
	(void)!read(fd[0], a->err.msg, sizeof(a->err.msg) - 1);
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	a->rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Item 4: libxml2 printed to stderr ("I/O error : Is a directory",
 * "flush error" on a full disk), and a directory given as a result file
 * read as "no root element".
 */
static void test_hostile_quiet(void **state)
{
	struct read_args a;
	char want[600], dir[512], *printed;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", path_in("a-dir.xml"));
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(want, sizeof(want), "cannot read junit '%s': is a directory",
		 dir);
	memset(&a, 0, sizeof(a));
	a.path = dir;
	printed = capture_stderr(do_read, &a);
	assert_string_equal(printed, "");
	free(printed);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_string_equal(a.err.msg, want);

	memset(&a, 0, sizeof(a));
	a.path = dir;
	printed = capture_stderr(do_report_read, &a);
	assert_string_equal(printed, "");
	free(printed);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_string_equal(a.err.msg, want);

	memset(&a, 0, sizeof(a));
	a.path = dir;
	printed = capture_stderr(do_merge, &a);
	assert_string_equal(printed, "");
	free(printed);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_string_equal(a.err.msg, want);

	/* The writer on a full disk: our error, libxml2 silent. */
	memset(&a, 0, sizeof(a));
	a.path = path_in("full/junit.xml");
	printed = capture_stderr(do_write_full, &a);
	assert_string_equal(printed, "");
	free(printed);
	assert_int_equal(a.rc, 0);
	assert_non_null(strstr(a.err.msg, "cannot write junit '"));
	assert_non_null(strstr(a.err.msg, "File too large"));
}

/*
 * Item 11: a result file that is a FIFO blocked the worker in open()
 * for ever, and Ctrl-C with it.  Only regular files are read; the open
 * itself cannot block.  Run in a child with an alarm, so that a
 * regression fails the test instead of hanging it.
 */
static void test_hostile_fifo(void **state)
{
	const char *fifo = path_in("fifo.xml");
	char want[600];
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(want, sizeof(want),
		 "cannot read junit '%s': not a regular file (a FIFO)", fifo);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct read_args a;

		alarm(60);	/* a guard against hanging, not a timing */
		memset(&a, 0, sizeof(a));
		a.path = fifo;
		do_read(&a);
		if (a.rc != OFFLOAD_EPARSE || strcmp(a.err.msg, want))
			_exit(1);
		do_merge(&a);
		if (a.rc != OFFLOAD_EPARSE || strcmp(a.err.msg, want))
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("reading a FIFO blocked (killed by signal %d)",
			 WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * Item 11 too: 200,000 attributes on one element kept a worker in
 * libxml2 for over 450 s (its duplicate check is quadratic) where no
 * cancel could reach it.  Attributes, nesting and the size of the open
 * start tags are bounded, so each step of the parser is short.
 */
static void test_hostile_structure(void **state)
{
	struct read_args a;
	FILE *f;
	int i;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.path = path_in("attrs.xml");
	f = open_w(a.path);
	fputs("<testsuite>\n<testcase name=\"first\"/>\n<testcase", f);
	for (i = 0; i < 20000; i++)
		fprintf(f, " a%d=\"%d\"", i, i);
	fputs("/>\n</testsuite>\n", f);
	close_w(f);
	do_read(&a);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_non_null(strstr(a.err.msg, "' line 3: refused: more than 1024 "
			       "attributes"));
	assert_int_equal(a.nr, 1);          /* what came before is kept */
	junit_cases_free(a.cases, a.nr);

	memset(&a, 0, sizeof(a));
	a.path = path_in("deep.xml");
	f = open_w(a.path);
	fputs("<testsuite><testcase name=\"first\"/>", f);
	for (i = 0; i < 300; i++)
		fputs("<testsuite>", f);
	close_w(f);
	do_read(&a);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_non_null(strstr(a.err.msg, "refused: elements nested deeper "
			       "than 256"));
	assert_int_equal(a.nr, 1);
	junit_cases_free(a.cases, a.nr);

	/* Nested elements with a (cut) 1 MiB attribute each: the fourth
	 * start tag takes the open ones over 4 MiB. */
	memset(&a, 0, sizeof(a));
	a.path = path_in("fat-tags.xml");
	f = open_w(a.path);
	for (i = 0; i < 5; i++) {
		fputs("<testsuite name=\"", f);
		put_repeated(f, "n", 2 * MiB);
		fputs("\">\n", f);
	}
	close_w(f);
	do_read(&a);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_non_null(strstr(a.err.msg, "' line 4: refused: start tags "
			       "larger than 4 MiB"));
	junit_cases_free(a.cases, a.nr);

	/* 300,000 distinct element names: libxml2 keeps every name in a
	 * dictionary, whose lookups slow down as it grows. */
	memset(&a, 0, sizeof(a));
	a.path = path_in("names.xml");
	f = open_w(a.path);
	fputs("<testsuite><testcase name=\"first\"/>\n", f);
	for (i = 0; i < 300000; i++)
		fprintf(f, "<n%d/>", i);
	fputs("</testsuite>\n", f);
	close_w(f);
	do_read(&a);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_non_null(strstr(a.err.msg, "' line 2: refused: more than 1 MiB "
			       "of distinct names"));
	assert_int_equal(a.nr, 1);
	junit_cases_free(a.cases, a.nr);

	/* Bytes the tokenizer cannot read. */
	memset(&a, 0, sizeof(a));
	a.path = path_in("utf16.xml");
	write_file(a.path, "\xff\xfe<\0t\0/\0>\0", 10);
	do_read(&a);
	assert_int_equal(a.rc, OFFLOAD_EPARSE);
	assert_non_null(strstr(a.err.msg, "refused: UTF-16, UTF-32 or EBCDIC"));
	junit_cases_free(a.cases, a.nr);
}

/*
 * Item 11: a cancel (the worker's kill pipe) stops a read between two
 * chunks of input, so an interrupted run never waits for a parse.
 */
static void test_read_cancel(void **state)
{
	struct offload_error err = { 0, "" };
	struct junit_case *cases;
	const char *p = path_in("cancel.xml");
	size_t nr;
	int fd[2];

	(void)state;
	write_str(p, pytest_xunit1);
	assert_int_equal(pipe(fd), 0);

	/* Nothing in the pipe: an ordinary read. */
	assert_int_equal(junit_read(p, fd[0], &cases, &nr, &err), 0);
	assert_int_equal(nr, 4);
	junit_cases_free(cases, nr);

	assert_int_equal(write(fd[1], "c", 1), 1);
	assert_int_equal(junit_read(p, fd[0], &cases, &nr, &err),
			 OFFLOAD_ECANCELED);
	assert_int_equal(err.code, OFFLOAD_ECANCELED);
	assert_non_null(strstr(err.msg, "reading canceled"));
	assert_int_equal(nr, 0);
	junit_cases_free(cases, nr);

	/* The byte is not consumed (the worker drains it), and a hang-up
	 * (the orchestrator gone) cancels as well. */
	close(fd[1]);
	assert_int_equal(junit_read(p, fd[0], &cases, &nr, &err),
			 OFFLOAD_ECANCELED);
	junit_cases_free(cases, nr);
	close(fd[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_read_pytest_xunit1),
		cmocka_unit_test(test_read_quirks),
		cmocka_unit_test(test_read_truncated),
		cmocka_unit_test(test_read_malformed),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_read_no_external_entities),
		cmocka_unit_test(test_read_concurrent),
		cmocka_unit_test(test_write_read_back),
		cmocka_unit_test(test_write_logs_dir),
		cmocka_unit_test(test_rerun_attempt_numbers),
		cmocka_unit_test(test_write_interrupted),
		cmocka_unit_test(test_write_caps_output),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_write_empty),
		cmocka_unit_test(test_report_read_runner_file),
		cmocka_unit_test(test_hostile_entities),
		cmocka_unit_test(test_hostile_attribute),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_hostile_quiet),
		cmocka_unit_test(test_hostile_fifo),
		cmocka_unit_test(test_hostile_structure),
		cmocka_unit_test(test_read_cancel),
	};

	xmlMemSetup(xml_counted_free, xml_counted_malloc, xml_counted_realloc,
		    xml_counted_strdup);

	return cmocka_run_group_tests_name("junit", tests, setup, teardown);
}
