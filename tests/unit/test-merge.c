/* SPDX-License-Identifier: MIT */
/*
 * test-merge.c - offload_junit_merge(): one report from several JUnit
 * files (offload's own, a bare <testsuite>, a runner's file without
 * counts), valid against Surefire's schema when xmllint and
 * ../shared/data/junit-10.xsd are there; and the promises for bad input:
 * an error naming file and line, the old report left alone, no temporary
 * file behind, nothing printed; and the check of CI shards' reports
 * (offload_junit_merge_shards): one split, every shard once, no test in
 * two shards, or a report that says what went wrong.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
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
#include "testutil.h"

#include "offload.h"


static char scratch[] = "/tmp/offload-test-merge-XXXXXX";

static const char offload_report[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<testsuites name=\"offload\" tests=\"3\" failures=\"1\" errors=\"0\" time=\"9.000\">\n"
	"  <testsuite name=\"unit\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""
	" time=\"1.250\" timestamp=\"2024-05-02T09:14:31\" hostname=\"ci\">\n"
	"    <testcase name=\"t/a b\" classname=\"unit\" time=\"0.250\"/>\n"
	"    <testcase name=\"t/fail\" classname=\"unit\" time=\"1.000\">\n"
	"      <failure type=\"failure\" message=\"exit status 1\">x &lt; y &amp; \xc3\xa9</failure>\n"
	"    </testcase>\n"
	"    <testcase name=\"t/skip\" classname=\"unit\" time=\"0.000\">\n"
	"      <skipped message=\"exit status 77\"/>\n"
	"    </testcase>\n"
	"  </testsuite>\n"
	"</testsuites>\n";

/* A bare suite as root, interrupted, with one test not run. */
static const char interrupted_suite[] =
	"<testsuite name=\"py\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0.500\">\n"
	"  <properties><property name=\"offload.interrupted\" value=\"SIGINT\"/></properties>\n"
	"  <testcase name=\"test_x.py::test_a\" classname=\"py\" time=\"0.500\"/>\n"
	"  <testcase name=\"test_x.py::test_b\" classname=\"py\" time=\"0.000\">\n"
	"    <error type=\"notRun\" message=\"not run: interrupted by SIGINT\"/>\n"
	"  </testcase>\n"
	"</testsuite>\n";

/* A runner's file: no counts, no names, no times on the suites. */
static const char countless[] =
	"<testsuites>\n"
	"  <testsuite>\n"
	"    <testcase name=\"one\" time=\"2\"><failure/><error/></testcase>\n"
	"    <testcase name=\"two\"><skipped/></testcase>\n"
	"  </testsuite>\n"
	"  <testsuite name=\"empty\" tests=\"0\" failures=\"0\" errors=\"0\"/>\n"
	"</testsuites>\n";

static char *path_in(const char *name)
{
	static char p[8][512];
	static int n;

	n = (n + 1) % 8;
	snprintf(p[n], sizeof(p[n]), "%s/%s", scratch, name);
	return p[n];
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

/* Number of entries in `dir` whose name starts with `prefix`. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static const char *strstr_after(const char *hay, const char *after,
				const char *needle)
{
	const char *a = strstr(hay, after);

	return a ? strstr(a + strlen(after), needle) : NULL;
}

static void test_merge_sums_and_keeps_order(void **state)
{
	const char *in[3] = {
		path_in("offload.xml"), path_in("suite.xml"), path_in("countless.xml"),
	};
	struct offload_error err = { 0 };
	struct offload_logged_case *cases = NULL;
	size_t nr = 0;
	char *out;

	(void)state;
	write_str(in[0], offload_report);
	write_str(in[1], interrupted_suite);
	write_str(in[2], countless);
	/* Parent directories that do not exist yet. */
	assert_int_equal(offload_junit_merge(path_in("new/dir/all.xml"), in, 3,
					     &err), 0);
	out = slurp(path_in("new/dir/all.xml"), NULL);
	/* 3 + 2 + (2 + 0) tests; failures 1 + 0 + 1; errors 0 + 1 + 0
	 * (the first of <failure><error> decides); times 1.25 + 0.5 + 2. */
	assert_non_null(strstr(out, "<testsuites name=\"offload\" tests=\"7\" "
			       "failures=\"2\" errors=\"1\" time=\"3.750\">"));
	/* Every suite, in input order, content unchanged. */
	assert_non_null(strstr_after(strstr(out, "<testsuite name=\"unit\""),
				     "<testsuite name=\"py\"",
				     "<testsuite name=\"empty\""));
	assert_non_null(strstr(out, "x &lt; y &amp; \xc3\xa9</failure>"));
	assert_non_null(strstr(out, "name=\"t/a b\""));
	/* The interruption is still visible in the merged report. */
	assert_non_null(strstr(out, "<property name=\"offload.interrupted\" "
			       "value=\"SIGINT\"/>"));
	/* A suite without counts gets them (and a name: its file). */
	assert_non_null(strstr(out, "tests=\"2\" failures=\"1\" errors=\"0\" "
			       "skipped=\"1\""));
	assert_non_null(strstr(out, path_in("countless.xml")));
	free(out);
	assert_xsd_valid(path_in("new/dir/all.xml"));

	/* Readable as a report: every testcase is there. */
	assert_int_equal(offload_report_read(path_in("new/dir/all.xml"), &cases,
					     &nr, &err), 0);
	assert_int_equal(nr, 7);
	assert_string_equal(cases[0].name, "t/a b");
	assert_string_equal(cases[1].status, "failed");
	assert_string_equal(cases[4].status, "error");
	assert_string_equal(cases[6].status, "skipped");
	offload_logged_cases_free(cases, nr);
	assert_int_equal(count_entries(path_in("new/dir"), "all.xml.tmp"), 0);
}

/*
 * Each suite of a run says where that run's batch logs are, relative to
 * its report (offload.logs; every run numbers its batches from 1):
 * merged elsewhere, the value is made relative to the merged report, so
 * that each test still leads to its own run's logs.  An absolute value
 * and other properties are copied as they are.
 */
static void test_merge_logs_dirs(void **state)
{
	static const char shard[] =
		"<testsuites>\n"
		"  <testsuite name=\"unit\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
		"    <properties>\n"
		"      <property name=\"offload.logs\" value=\"%s\"/>\n"
		"      <property name=\"offload.attempts\" value=\"0 p:0.1:0:1\"/>\n"
		"    </properties>\n"
		"    <testcase name=\"t%d\" classname=\"unit\" time=\"0.1\"/>\n"
		"  </testsuite>\n"
		"</testsuites>\n";
	const char *vals[3] = { "logs", "..%2Fx%20y/r.logs", "/abs/logs" };
	const char *names[3] = { "s1/r0.xml", "s2/r1.xml", "s2/r2.xml" };
	char in[3][512], text[1024], out[512], want[512], *m, **dirs;
	const char *inp[3] = { in[0], in[1], in[2] };
	struct offload_error err = { 0 };
	size_t nr;

	(void)state;
	assert_int_equal(mkdir(path_in("s1"), 0700), 0);
	assert_int_equal(mkdir(path_in("s2"), 0700), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(in[i], sizeof(in[i]), "%s", path_in(names[i]));
		snprintf(text, sizeof(text), shard, vals[i], i);
		write_str(in[i], text);
	}
	snprintf(out, sizeof(out), "%s", path_in("merged/all.xml"));
	assert_int_equal(offload_junit_merge(out, inp, 3, &err), 0);
	m = slurp(out, NULL);
	assert_non_null(strstr_after(strstr_after(m,
		"<property name=\"offload.logs\" value=\"../s1/logs\"/>",
		"<property name=\"offload.logs\" value=\"../x y/r.logs\"/>"),
		"", "<property name=\"offload.logs\" value=\"/abs/logs\"/>"));
	assert_non_null(strstr(m, "value=\"0 p:0.1:0:1\""));
	free(m);
	assert_xsd_valid(out);

	assert_int_equal(offload_report_log_dirs(out, &dirs, &nr, &err), 0);
	assert_int_equal(nr, 3);
	snprintf(want, sizeof(want), "%s/../s1/logs", path_in("merged"));
	assert_string_equal(dirs[0], want);
	snprintf(want, sizeof(want), "%s/../x y/r.logs", path_in("merged"));
	assert_string_equal(dirs[1], want);
	assert_string_equal(dirs[2], "/abs/logs");
	for (size_t i = 0; i < nr; i++)
		free(dirs[i]);
	free(dirs);

	/* merged in place (the output is an input): unchanged */
	assert_int_equal(offload_junit_merge(inp[0], inp, 1, &err), 0);
	m = slurp(inp[0], NULL);
	assert_non_null(strstr(m, "<property name=\"offload.logs\" value=\"logs\"/>"));
	free(m);
}

/* Merging a report with itself into itself: the inputs are read first. */
static void test_merge_in_place(void **state)
{
	const char *in[2] = { path_in("self.xml"), path_in("self.xml") };
	struct offload_error err = { 0 };
	char *out;

	(void)state;
	write_str(in[0], offload_report);
	assert_int_equal(offload_junit_merge(in[0], in, 2, &err), 0);
	out = slurp(in[0], NULL);
	assert_non_null(strstr(out, "tests=\"6\" failures=\"2\" errors=\"0\""));
	free(out);
	assert_xsd_valid(in[0]);
}

/* Runs merge with stderr captured; returns the merge's result. */
static int merge_quietly(const char *out, const char *const *in, size_t n,
			 struct offload_error *err, char **stderr_text)
{
	int saved = dup(2), fd, rc;

	assert_true(saved >= 0);
	fd = open(path_in("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
	rc = offload_junit_merge(out, in, n, err);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	*stderr_text = slurp(path_in("stderr.txt"), NULL);
	return rc;
}

/*
 * A malformed input anywhere in the list: the error names the file and
 * the line, libxml2 prints nothing, and the previous report is left as
 * it was (no half-merged report that looks complete).
 */
static void test_merge_malformed_keeps_old_report(void **state)
{
	static const char truncated[] =
		"<testsuites>\n<testsuite name=\"x\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
		"<testcase name=\"a\"/>\n";
	const char *in[3] = {
		path_in("good.xml"), path_in("good2.xml"), path_in("trunc.xml"),
	};
	struct offload_error err = { 0 };
	char *printed, *out;

	(void)state;
	write_str(in[0], offload_report);
	write_str(in[1], interrupted_suite);
	write_str(in[2], truncated);
	write_str(path_in("old.xml"), "previous report\n");
	assert_int_equal(merge_quietly(path_in("old.xml"), in, 3, &err,
				       &printed), OFFLOAD_EPARSE);
	assert_int_equal(err.code, OFFLOAD_EPARSE);
	assert_non_null(strstr(err.msg, path_in("trunc.xml")));
	/* The file ends on line 4, inside <testsuite>. */
	assert_non_null(strstr(err.msg, "line 4: premature end of data"));
	assert_string_equal(printed, "");
	free(printed);
	out = slurp(path_in("old.xml"), NULL);
	assert_string_equal(out, "previous report\n");
	free(out);
	assert_int_equal(count_entries(scratch, "old.xml.tmp"), 0);
}

static void test_merge_missing_input(void **state)
{
	const char *in[2] = { path_in("good.xml"), path_in("absent.xml") };
	struct offload_error err = { 0 };

	(void)state;
	write_str(in[0], offload_report);
	assert_int_equal(offload_junit_merge(path_in("never.xml"), in, 2, &err),
			 OFFLOAD_EPARSE);
	assert_non_null(strstr(err.msg, "absent.xml"));
	assert_non_null(strstr(err.msg, "No such file"));
	assert_int_equal(access(path_in("never.xml"), F_OK), -1);
}

/* Files that are XML but not reports, and files that are not XML. */
static void test_merge_rejects_non_reports(void **state)
{
	static const struct {
		const char *name, *content, *says;
	} bad[] = {
		{ "empty.xml", "", "no root element" },
		{ "html.xml", "<?xml version=\"1.0\"?>\n<html/>",
		  "line 2: root element 'html' is not testsuites or testsuite" },
		{ "text.xml", "PASS: everything\n", "line 1" },
		{ "two.xml", "<testsuite name=\"a\" tests=\"0\" failures=\"0\" "
			     "errors=\"0\"/><testsuite/>", "extra content" },
	};
	struct offload_error err;
	const char *in[1];
	char *printed;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		in[0] = path_in(bad[i].name);
		write_str(in[0], bad[i].content);
		assert_int_equal(merge_quietly(path_in("none.xml"), in, 1, &err,
					       &printed), OFFLOAD_EPARSE);
		assert_string_equal(printed, "");
		free(printed);
		assert_non_null(strstr(err.msg, bad[i].name));
		if (!strstr(err.msg, bad[i].says))
			fail_msg("'%s': '%s' lacks '%s'", bad[i].name, err.msg,
				 bad[i].says);
		assert_int_equal(access(path_in("none.xml"), F_OK), -1);
	}
}

/*
 * Inputs are data: a DTD (which could declare entities pointing at local
 * files, or billions of laughs) is refused, and no entity is expanded.
 */
static void test_merge_no_entities(void **state)
{
	char doc[1024];
	const char *in[1] = { path_in("evil.xml") };
	struct offload_error err = { 0 };
	char *printed;

	(void)state;
	write_str(path_in("secret.txt"), "TOP SECRET");
	snprintf(doc, sizeof(doc),
		 "<?xml version=\"1.0\"?>\n"
		 "<!DOCTYPE testsuite [<!ENTITY s SYSTEM \"file://%s\">]>\n"
		 "<testsuite name=\"a\" tests=\"0\" failures=\"0\" errors=\"0\">&s;</testsuite>\n",
		 path_in("secret.txt"));
	write_str(in[0], doc);
	assert_int_equal(merge_quietly(path_in("evil-out.xml"), in, 1, &err,
				       &printed), OFFLOAD_EPARSE);
	assert_string_equal(printed, "");
	free(printed);
	assert_non_null(strstr(err.msg, "document type declaration"));
	assert_null(strstr(err.msg, "SECRET"));
	assert_int_equal(access(path_in("evil-out.xml"), F_OK), -1);

	/* In an attribute, the parser itself refuses the reference. */
	snprintf(doc, sizeof(doc),
		 "<!DOCTYPE testsuite [<!ENTITY s SYSTEM \"file://%s\">]>\n"
		 "<testsuite name=\"&s;\" tests=\"0\" failures=\"0\" errors=\"0\"/>\n",
		 path_in("secret.txt"));
	write_str(in[0], doc);
	assert_int_equal(merge_quietly(path_in("evil-out.xml"), in, 1, &err,
				       &printed), OFFLOAD_EPARSE);
	assert_string_equal(printed, "");
	free(printed);
	assert_null(strstr(err.msg, "SECRET"));
	assert_int_equal(access(path_in("evil-out.xml"), F_OK), -1);

	/* An undeclared entity is simply malformed. */
	write_str(in[0], "<testsuite name=\"a\">&s;</testsuite>");
	assert_int_equal(offload_junit_merge(path_in("evil-out.xml"), in, 1,
					     &err), OFFLOAD_EPARSE);
	assert_non_null(strstr(err.msg, "line 1"));
}

/*
 * A namespace URI holding '<' (written "&lt;" in the input) is refused:
 * libxml2 writes such a URI back as it is, and the merged report was not
 * well-formed.  Found by tests/fuzz/fuzz-junit-merge.c.
 */
static void test_merge_namespace_lt(void **state)
{
	static const char *const docs[] = {
		"<testsuite xmlns:x=\"a&lt;b&amp;c\" name=\"s\"><testcase name=\"t\"/></testsuite>",
		"<testsuites xmlns=\"u&lt;\"><testsuite name=\"s\"><testcase name=\"t\"/></testsuite></testsuites>",
		"<testsuite name=\"s\"><testcase name=\"t\"><x:y xmlns:x=\"&lt;\"/></testcase></testsuite>",
	};
	const char *in[1] = { path_in("ns.xml") }, *again[1];
	struct offload_error err = { 0 };
	char *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		write_str(in[0], docs[i]);
		assert_int_equal(offload_junit_merge(path_in("ns-out.xml"), in, 1,
						     &err), OFFLOAD_EPARSE);
		assert_non_null(strstr(err.msg, "ns.xml"));
		assert_non_null(strstr(err.msg, "namespace URI"));
		assert_int_equal(access(path_in("ns-out.xml"), F_OK), -1);
	}

	/* Other URIs are kept, and the merged report merges again. */
	write_str(in[0], "<testsuite xmlns:x=\"a&amp;b&gt;&quot;'\" name=\"s\">"
		  "<testcase name=\"t\"/></testsuite>");
	assert_int_equal(offload_junit_merge(path_in("ns-out.xml"), in, 1, &err),
			 0);
	out = slurp(path_in("ns-out.xml"), NULL);
	assert_non_null(strstr(out, "xmlns:x="));
	free(out);
	again[0] = path_in("ns-out.xml");
	assert_int_equal(offload_junit_merge(path_in("ns-out2.xml"), again, 1,
					     &err), 0);
	assert_xsd_valid(path_in("ns-out.xml"));
}

/* The output directory cannot be created: an I/O error, not a crash. */
static void test_merge_unwritable(void **state)
{
	const char *in[1] = { path_in("good.xml") };
	struct offload_error err = { 0 };
	int rc;

	(void)state;
	write_str(in[0], offload_report);
	write_str(path_in("file"), "a file, not a directory\n");
	rc = offload_junit_merge(path_in("file/sub/out.xml"), in, 1, &err);
	assert_true(rc < 0 && rc != OFFLOAD_EPARSE);
	assert_non_null(strstr(err.msg, "out.xml"));
}

/* No inputs: an empty but valid report. */
static void test_merge_nothing(void **state)
{
	struct offload_error err = { 0 };
	char *out;

	(void)state;
	assert_int_equal(offload_junit_merge(path_in("zero.xml"), NULL, 0, &err),
			 0);
	out = slurp(path_in("zero.xml"), NULL);
	assert_non_null(strstr(out, "tests=\"0\" failures=\"0\" errors=\"0\""));
	free(out);
	assert_xsd_valid(path_in("zero.xml"));
}

/*
 * The suites of an input are moved into the merged report, not copied:
 * every suite of a <testsuites> input arrives, in order, and a namespace
 * a suite uses from the input's root is declared on it in the output.
 */
static void test_merge_moves_suites_with_namespaces(void **state)
{
	const char *in[2] = { path_in("nsroot.xml"), path_in("plain.xml") };
	struct offload_error err = { 0 };
	const char *s1, *s2, *s3;
	char *out;

	(void)state;
	write_str(in[0], "<testsuites xmlns:x=\"urn:x\">\n"
		  "<testsuite name=\"one\" x:where=\"here\"><testcase name=\"a\"/>"
		  "</testsuite>\n<!-- between -->\n"
		  "<testsuite name=\"two\"><x:extra/><testcase name=\"b\">"
		  "<failure>f</failure></testcase></testsuite>\n"
		  "<testsuite name=\"three\"><testcase name=\"c\"/></testsuite>\n"
		  "</testsuites>\n");
	write_str(in[1], "<testsuite name=\"four\"><testcase name=\"d\"/></testsuite>\n");
	assert_int_equal(offload_junit_merge(path_in("moved.xml"), in, 2, &err), 0);
	out = slurp(path_in("moved.xml"), NULL);
	assert_non_null(strstr(out, "tests=\"4\" failures=\"1\""));
	s1 = strstr(out, "<testsuite");
	s2 = strstr(out, "name=\"two\"");
	s3 = strstr(out, "name=\"three\"");
	assert_non_null(s1);
	assert_non_null(s2);
	assert_non_null(s3);
	assert_true(s1 < s2 && s2 < s3);
	assert_true(s1 < strstr(out, "name=\"one\""));
	assert_true(strstr(out, "name=\"one\"") < s2);
	assert_true(s3 < strstr(out, "name=\"four\""));
	/* x is declared within each suite that uses it */
	assert_true(strstr(s1, "xmlns:x=\"urn:x\"") < s2);
	assert_true(strstr(s2, "xmlns:x=\"urn:x\"") < s3);
	free(out);
	/* and the result merges again */
	in[0] = path_in("moved.xml");
	assert_int_equal(offload_junit_merge(path_in("moved2.xml"), in, 1, &err), 0);
	out = slurp(path_in("moved2.xml"), NULL);
	assert_non_null(strstr(out, "tests=\"4\" failures=\"1\""));
	free(out);
}

/*
 * What the tree-based merge wrote, byte for byte, for inputs where
 * libxml2's serialisation has opinions: a namespace of the input's root
 * declared again where a suite uses it (and another prefix reused for
 * the same URI), adjacent CDATA sections joined and split again around
 * "]]>", an empty element written "<x/>", an unusable count replaced
 * in place and missing ones appended, entities written back escaped.
 */
static void test_merge_exact_bytes(void **state)
{
	static const char input[] =
		"<?xml version=\"1.0\"?>\n<!-- dropped -->\n"
		"<testsuites xmlns:p=\"u\" xmlns:q=\"u\">text <!-- dropped -->\n"
		"<testsuite failures=\"x\" name=\"s&amp;&#38;&#10;\" xmlns:r=\"u\">"
		"<p:a q:k=\"1\"></p:a><testcase name=\"c\" time=\"0.5\">"
		"<skipped/><error/></testcase>"
		"<out><![CDATA[a]]]]><![CDATA[>b]]><![CDATA[]]>x&lt;&#13;\"<?pi?><!---->"
		"</out></testsuite>\n</testsuites>\n";
	static const char expect[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"offload\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"0.500\">\n"
		"  <testsuite xmlns:r=\"u\" failures=\"0\" name=\"s&amp;&amp;&#10;\""
		" tests=\"1\" errors=\"1\" skipped=\"0\"><r:a r:k=\"1\"/>"
		"<testcase name=\"c\" time=\"0.5\"><skipped/><error/></testcase>"
		"<out><![CDATA[a]]]]><![CDATA[>b]]>x&lt;&#13;\"<?pi?><!---->"
		"</out></testsuite>\n</testsuites>\n";
	const char *in[1] = { path_in("exact.xml") };
	struct offload_error err = { 0 };
	char *out;

	(void)state;
	write_str(in[0], input);
	assert_int_equal(offload_junit_merge(path_in("exact-out.xml"), in, 1,
					     &err), 0);
	out = slurp(path_in("exact-out.xml"), NULL);
	assert_string_equal(out, expect);
	free(out);
}

/*
 * A suite without a name is named after its file, and a file name is
 * bytes: one that is not UTF-8 made a report that could not be read (or
 * merged) again.
 */
static void test_merge_name_not_utf8(void **state)
{
	const char *in[1] = { path_in("bad\xff\x01.xml") }, *again[1];
	struct offload_error err = { 0 };
	char *out;

	(void)state;
	write_str(in[0], "<testsuite><testcase name=\"t\"/></testsuite>");
	assert_int_equal(offload_junit_merge(path_in("utf8.xml"), in, 1, &err),
			 0);
	out = slurp(path_in("utf8.xml"), NULL);
	assert_non_null(strstr(out, "bad\\xff\\x01.xml\""));
	free(out);
	again[0] = path_in("utf8.xml");
	assert_int_equal(offload_junit_merge(path_in("utf8-2.xml"), again, 1,
					     &err), 0);
	assert_xsd_valid(path_in("utf8.xml"));
}

/*
 * A report of 100,000 cases merges in memory that does not grow with
 * it: the merge streams (it took 127 MB as a tree).  Measured as the
 * growth of the peak RSS of a child that does only the merge, with a
 * loose bound (60 MB) that is no benchmark: the tree-based merge needed
 * about 90 MB here, the streaming one a few.  The suite lacks its
 * failure and error counts, so that they are computed while it is
 * copied.
 */
static void test_merge_large_in_bounded_memory(void **state)
{
	const char *in[1] = { path_in("large.xml") };
	struct offload_error err = { 0 };
	struct rusage before, after;
	FILE *f;
	pid_t pid;
	int st, i;
	long grew;
	char *out, *p;

	(void)state;
	f = fopen(in[0], "wb");
	assert_non_null(f);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuite name=\"all\" tests=\"100000\">\n");
	for (i = 0; i < 100000; i++)
		if (i % 50)
			fprintf(f, "<testcase classname=\"c\" name=\"t%d\" "
				"time=\"0.001\"/>\n", i);
		else
			fprintf(f, "<testcase classname=\"c\" name=\"t%d\" "
				"time=\"0.001\"><failure message=\"m\">at %d"
				"</failure></testcase>\n", i, i);
	fprintf(f, "</testsuite>\n");
	assert_int_equal(fclose(f), 0);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		getrusage(RUSAGE_SELF, &before);
		if (offload_junit_merge(path_in("large-out.xml"), in, 1, &err))
			_exit(255);
		getrusage(RUSAGE_SELF, &after);
		grew = (after.ru_maxrss - before.ru_maxrss) / 1024;
		_exit(grew > 250 ? 250 : (int)grew);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_not_equal(WEXITSTATUS(st), 255);
	if (WEXITSTATUS(st) >= 60)
		fail_msg("merging 100,000 cases grew the peak RSS by %d MB",
			 WEXITSTATUS(st));

	out = slurp(path_in("large-out.xml"), NULL);
	assert_non_null(strstr(out, "<testsuites name=\"offload\" tests=\"100000\" "
			       "failures=\"2000\" errors=\"0\" time=\"100.000\">"));
	assert_non_null(p = strstr(out, "<testsuite name=\"all\" tests=\"100000\" "
				   "failures=\"2000\" errors=\"0\" skipped=\"0\">"));
	assert_non_null(strstr(p, "name=\"t99999\""));
	free(out);
}

/* A path in the scratch directory that lasts the test (path_in's are
 * reused after eight calls). */
static char *in_path(const char *name)
{
	static char p[16][512];
	static int n;

	n = (n + 1) % 16;
	snprintf(p[n], sizeof(p[n]), "%s/%s", scratch, name);
	return p[n];
}

/*
 * A shard's report as `offload run --shard K/N` writes it: one suite per
 * group ("a" and "b"), each with the shard properties, holding the tests
 * named in `tests` ("a:t1 b:t2 ...", group before the colon).  A NULL
 * `shard` writes no properties (a plain run).
 */
static void write_shard(const char *path, const char *shard, const char *split,
			const char *tests)
{
	FILE *f = fopen(path, "wb");
	const char *groups[2] = { "a", "b" };
	char buf[4096], *t, *save;

	assert_non_null(f);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"offload\">\n");
	for (int g = 0; g < 2; g++) {
		int nr = 0;

		snprintf(buf, sizeof(buf), "%s", tests);
		for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			nr += t[0] == groups[g][0];
		fprintf(f, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"0\" "
			"errors=\"0\" skipped=\"0\" time=\"0\">\n", groups[g], nr);
		if (shard)
			fprintf(f, "    <properties>\n"
				"      <property name=\"offload.shard\" value=\"%s\"/>\n"
				"      <property name=\"offload.shard_split\" value=\"%s\"/>\n"
				"    </properties>\n", shard, split);
		snprintf(buf, sizeof(buf), "%s", tests);
		for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			if (t[0] == groups[g][0] && t[1] == ':')
				fprintf(f, "    <testcase name=\"%s\" classname=\"%s\" "
					"time=\"0.1\"/>\n", t + 2, groups[g]);
		fprintf(f, "  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
	assert_int_equal(fclose(f), 0);
}

/* Merge `n` inputs into out.xml: the problems found (caller frees), NULL
 * when none; the merge itself must succeed and the result be valid. */
static char *merge_problems(const char *const *in, size_t n)
{
	struct offload_error err = { 0 };
	char *problems = (char *)"unset";

	assert_int_equal(offload_junit_merge_shards(path_in("out.xml"), in, n,
						    &problems, &err), 0);
	assert_xsd_valid(path_in("out.xml"));
	return problems;
}

#define SPLIT1 "0123456789abcdef"
#define SPLIT2 "fedcba9876543210"

/* Shards of one split merge as any reports do; plain reports beside
 * them are not checked. */
static void test_shards_consistent(void **state)
{
	const char *in[4] = {
		in_path("s1.xml"), in_path("s2.xml"), in_path("s3.xml"),
		in_path("plain.xml"),
	};
	char *out;

	(void)state;
	write_shard(in[0], "1/3", SPLIT1, "a:t1 b:u1");
	write_shard(in[1], "2/3", SPLIT1, "a:t2");
	write_shard(in[2], "3/3", SPLIT1, "a:t3 b:u2");
	/* A plain report may repeat a shard's test: not this check's. */
	write_shard(in[3], NULL, NULL, "a:t1");
	assert_null(merge_problems(in, 4));
	out = slurp(path_in("out.xml"), NULL);
	assert_null(strstr(out, "offload merge"));
	assert_non_null(strstr(out, "<testsuites name=\"offload\" tests=\"6\""));
	free(out);
	/* The same reports in another order. */
	in[0] = in_path("s3.xml");
	in[2] = in_path("s1.xml");
	assert_null(merge_problems(in, 3));
}

/*
 * The trial: jobs run one after another in one checkout, each reading
 * the history the one before wrote, split differently: tests in two
 * shards.  The report is written, with one failed case more that says
 * so, and the problems name the files, the splits and the tests.
 */
static void test_shards_different_splits(void **state)
{
	const char *in[2] = { in_path("s1.xml"), in_path("s2.xml") };
	struct offload_error err = { 0 };
	char *p, *out;

	(void)state;
	write_shard(in[0], "1/2", SPLIT1, "a:t1 a:t2 b:u1");
	write_shard(in[1], "2/2", SPLIT2, "a:t2 b:u1 b:u2");
	p = merge_problems(in, 2);
	assert_non_null(p);
	assert_non_null(strstr(p, "different splits"));
	assert_non_null(strstr(p, "split " SPLIT1 " of 2 shards: shard 1 in '"));
	assert_non_null(strstr(p, "split " SPLIT2 " of 2 shards: shard 2 in '"));
	assert_non_null(strstr(p, "s2.xml'"));
	assert_non_null(strstr(p, "2 tests ran in more than one shard:\n"));
	assert_non_null(strstr(p, "  't2' in suite 'a': shard 1/2 in '"));
	assert_non_null(strstr(p, "  'u1' in suite 'b': shard 1/2 in '"));
	assert_int_equal(p[strlen(p) - 1], '\n');
	out = slurp(path_in("out.xml"), NULL);
	/* 3 + 3 cases, and the failed one. */
	assert_non_null(strstr(out, "<testsuites name=\"offload\" tests=\"7\" "
			       "failures=\"1\""));
	assert_non_null(strstr(out, "<testsuite name=\"offload merge\" tests=\"1\" "
			       "failures=\"1\""));
	assert_non_null(strstr(out, "different splits"));
	assert_non_null(strstr(out, "'t2' in suite 'a'"));
	free(out);
	free(p);

	/* offload_junit_merge() writes the same report. */
	assert_int_equal(offload_junit_merge(path_in("out2.xml"), in, 2, &err), 0);
	out = slurp(path_in("out2.xml"), NULL);
	assert_non_null(strstr(out, "<testsuite name=\"offload merge\""));
	free(out);
}

/* 1/4, 2/4, 4/4 and 2/4 again: shard 3 is missing, shard 2 twice. */
static void test_shards_missing_and_twice(void **state)
{
	const char *in[4] = {
		in_path("s1.xml"), in_path("s2.xml"), in_path("s4.xml"),
		in_path("s2-again.xml"),
	};
	char *p;

	(void)state;
	write_shard(in[0], "1/4", SPLIT1, "a:t1");
	write_shard(in[1], "2/4", SPLIT1, "a:t2");
	write_shard(in[2], "4/4", SPLIT1, "a:t4");
	write_shard(in[3], "2/4", SPLIT1, "a:t2");
	p = merge_problems(in, 4);
	assert_non_null(p);
	assert_non_null(strstr(p, "shard 2/4 is in more than one input (its "
			       "tests are counted twice): '"));
	assert_non_null(strstr(p, "s2.xml', '"));
	assert_non_null(strstr(p, "s2-again.xml'\n"));
	assert_non_null(strstr(p, "no input holds shard 3/4 (its tests are not "
			       "in the merged report)\n"));
	/* The same shard twice is not also every one of its tests twice. */
	assert_null(strstr(p, "more than one shard"));
	assert_null(strstr(p, "different"));
	free(p);

	/* Only shard 2 of 40: 39 missing, ten named. */
	write_shard(in[1], "2/40", SPLIT1, "a:t2");
	p = merge_problems(in + 1, 1);
	assert_non_null(p);
	assert_non_null(strstr(p, "no input holds shards 1/40, 3/40, 4/40, "
			       "5/40, 6/40, 7/40, 8/40, 9/40, 10/40, 11/40 "
			       "and 29 more (their tests are not in the merged "
			       "report)\n"));
	free(p);
}

/* Shards of different counts; a merged report merged again. */
static void test_shards_counts_and_remerge(void **state)
{
	const char *in[3] = { in_path("s1.xml"), in_path("s2.xml"),
			      in_path("s3.xml") };
	const char *again[2] = { in_path("all.xml"), in_path("s3.xml") };
	struct offload_error err = { 0 };
	char *p;

	(void)state;
	write_shard(in[0], "1/2", SPLIT1, "a:t1");
	write_shard(in[1], "2/3", SPLIT1, "a:t2");
	p = merge_problems(in, 2);
	assert_non_null(p);
	assert_non_null(strstr(p, "different shard counts"));
	assert_null(strstr(p, "no input holds"));
	free(p);

	/* One run's shards merged, then merged with one of them again. */
	write_shard(in[0], "1/3", SPLIT1, "a:t1");
	write_shard(in[2], "3/3", SPLIT1, "a:t3");
	assert_int_equal(offload_junit_merge(again[0], in, 3, &err), 0);
	assert_null(merge_problems(again, 1));
	p = merge_problems(again, 2);
	assert_non_null(p);
	assert_non_null(strstr(p, "shard 3/3 is in more than one input"));
	free(p);
}

/* Eleven tests in two shards: ten named, then "and 1 more"; IDs are
 * shown with their bytes escaped, never as raw control characters. */
static void test_shards_duplicates_bounded(void **state)
{
	const char *in[2] = { in_path("s1.xml"), in_path("s2.xml") };
	const char *tests = "a:d1 a:d2 a:d3 a:d4 a:d5 a:d6 a:d7 a:d8 a:d9 "
			    "a:d10 a:x&#10;&#9;&amp;&lt;";
	char *p, *line, *nl;
	int named = 0;

	(void)state;
	write_shard(in[0], "1/2", SPLIT1, tests);
	write_shard(in[1], "2/2", SPLIT1, tests);
	p = merge_problems(in, 2);
	assert_non_null(p);
	assert_non_null(strstr(p, "11 tests ran in more than one shard:\n"));
	assert_non_null(strstr(p, "\n  and 1 more\n"));
	for (line = p; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		for (char *c = line; c < nl; c++)
			assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
		named += !strncmp(line, "  '", 3);
	}
	assert_int_equal(named, 10);
	/* 'x\n\t&<' came last: counted, not named; alone, it is. */
	write_shard(in[0], "1/2", SPLIT1, "a:x&#10;&#9;&amp;&lt;");
	write_shard(in[1], "2/2", SPLIT1, "a:x&#10;&#9;&amp;&lt;");
	free(p);
	p = merge_problems(in, 2);
	assert_non_null(p);
	assert_non_null(strstr(p, "  'x\\x0a\\x09&<' in suite 'a': shard 1/2"));
	free(p);
}

/* Properties that cannot be read are a problem, not a plain report. */
static void test_shards_bad_properties(void **state)
{
	const char *in[3] = { in_path("s1.xml"), in_path("s2.xml"),
			      in_path("s3.xml") };
	char *p;

	(void)state;
	write_shard(in[0], "0/2", SPLIT1, "a:t1");
	write_shard(in[1], "2/2", "XYZ", "a:t2");
	write_str(in[2], "<testsuite name=\"s\" tests=\"0\" failures=\"0\" "
		  "errors=\"0\"><properties><property name=\"offload.shard\" "
		  "value=\"1/1\"/></properties></testsuite>");
	p = merge_problems(in, 3);
	assert_non_null(p);
	assert_non_null(strstr(p, "shard properties that cannot be read:\n  '"));
	assert_non_null(strstr(p, "s1.xml' suite 'a': bad offload.shard "
			       "(expected K/N) '0/2'\n"));
	assert_non_null(strstr(p, "s2.xml' suite 'a': bad offload.shard_split "
			       "(expected hex digits) 'XYZ'\n"));
	assert_non_null(strstr(p, "s3.xml' suite 's': offload.shard without "
			       "offload.shard_split\n"));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_sums_and_keeps_order),
		cmocka_unit_test(test_merge_in_place),
		cmocka_unit_test(test_merge_malformed_keeps_old_report),
		cmocka_unit_test(test_merge_missing_input),
		cmocka_unit_test(test_merge_rejects_non_reports),
		cmocka_unit_test(test_merge_no_entities),
		cmocka_unit_test(test_merge_namespace_lt),
		cmocka_unit_test(test_merge_unwritable),
		cmocka_unit_test(test_merge_nothing),
		cmocka_unit_test(test_merge_moves_suites_with_namespaces),
		cmocka_unit_test(test_merge_logs_dirs),
		cmocka_unit_test(test_merge_exact_bytes),
		cmocka_unit_test(test_merge_name_not_utf8),
		cmocka_unit_test(test_merge_large_in_bounded_memory),
		cmocka_unit_test(test_shards_consistent),
		cmocka_unit_test(test_shards_different_splits),
		cmocka_unit_test(test_shards_missing_and_twice),
		cmocka_unit_test(test_shards_counts_and_remerge),
		cmocka_unit_test(test_shards_duplicates_bounded),
		cmocka_unit_test(test_shards_bad_properties),
	};

	return cmocka_run_group_tests_name("merge", tests, setup, teardown);
}
