/* SPDX-License-Identifier: MIT */
/*
 * test-vitest.c - the vitest framework's pure parts and the JSON reader
 * under them: `vitest list --json` into IDs, -t patterns, and JSON
 * reports mapped back to a batch's IDs (names with spaces, brackets,
 * slashes, regex metacharacters, quotes and non-ASCII; a file that failed
 * to load; truncated JSON).  vitest itself runs in t0083-vitest.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "framework.h"
#include "json.h"

static struct offload_group grp = { (char *)"g", 0, (char *)"", 0 };

static void test_json_values(void **state)
{
	static const char text[] =
		" {\"a\": [1, -2.5e1, true, false, null], \"s\": \"q\\\"\\\\\\/\\n\\u00e9\\ud83d\\ude00\","
		" \"raw\": \"\xc3\xbc\", \"o\": {}} ";
	struct json j;
	char msg[128];
	const struct json *a;

	(void)state;
	assert_int_equal(json_parse(text, strlen(text), &j, msg, sizeof(msg)), 0);
	assert_int_equal(j.type, JSON_OBJECT);
	a = json_get(&j, "a");
	assert_non_null(a);
	assert_int_equal(a->nr, 5);
	assert_true(a->v[1].num == -25);
	assert_int_equal(a->v[2].type, JSON_TRUE);
	assert_int_equal(a->v[4].type, JSON_NULL);
	assert_string_equal(json_get_str(&j, "s"), "q\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(json_get_str(&j, "raw"), "\xc3\xbc");
	assert_int_equal(json_get(&j, "o")->type, JSON_OBJECT);
	assert_null(json_get(&j, "missing"));
	assert_null(json_get_str(&j, "a"));
	json_release(&j);
	json_release(&j);	/* safe twice */
}

static void expect_bad(const char *text, size_t len, const char *what)
{
	struct json j;
	char msg[128];

	assert_int_equal(json_parse(text, len, &j, msg, sizeof(msg)), OFFLOAD_EPARSE);
	if (!strstr(msg, what))
		fail_msg("'%s': message '%s' lacks '%s'", text, msg, what);
	assert_int_equal(j.type, JSON_NULL);
	assert_int_equal(j.nr, 0);
}

static void test_json_errors(void **state)
{
	static const char trunc[] = "[{\"name\": \"a\", \"file\": \"/x/a.test.js\"}, {\"na";
	char deep[JSON_MAX_DEPTH + 2];

	(void)state;
	/* every prefix of a valid document is an error, never a crash */
	for (size_t n = 0; n < strlen(trunc); n++)
		expect_bad(trunc, n, "at byte");
	expect_bad(trunc, strlen(trunc), "unexpected end of input at byte");
	expect_bad("[1] x", 5, "trailing characters at byte 4");
	expect_bad("\"a\\u0000b\"", 10, "\\u0000");
	expect_bad("\"a\nb\"", 5, "control character");
	expect_bad("\"\\x\"", 4, "bad escape");
	expect_bad("{\"a\" 1}", 7, "expected ':'");
	expect_bad("[1 2]", 5, "expected ','");
	expect_bad("nul", 3, "at byte");
	expect_bad("", 0, "unexpected end of input at byte 0");
	memset(deep, '[', sizeof(deep));
	expect_bad(deep, sizeof(deep), "nesting too deep");
	/* the text need not be NUL-terminated: a number at the very end */
	expect_bad("[12", 3, "unexpected end");
}

/* vitest 2.1.9's `list --json`, names as vitest writes them. */
static void test_parse_list(void **state)
{
	static const char list[] =
		"[\n"
		"  {\n    \"name\": \"math > adds\",\n    \"file\": \"/w/p/test/math.test.js\"\n  },\n"
		"  {\"name\": \"math > nested [x] (a|b) $1.*+?^{}\\\\ \\\"q\\\" 's' / \\u00e9 > deep name\","
		"   \"file\": \"/w/p/test/math.test.js\"},\n"
		"  {\"name\": \"\xc3\xbcn\xc3\xaf" "c\xc3\xb6\x64\xc3\xa9 \xe2\x9c\x93 name\", \"file\": \"/w/p/test/math.test.js\"},\n"
		"  {\"name\": \"has a space\", \"file\": \"/w/p/dir with space/b.test.ts\"},\n"
		"  {\"name\": \"outside\", \"file\": \"/elsewhere/c.test.js\"},\n"
		"  {\"name\": \"math > adds\", \"file\": \"/w/p/test/math.test.js\"},\n"
		"  {\"file\": \"/w/p/test/files-only.test.js\"}\n"
		"]\n";
	static const char pq[] = "[{\"name\":\"t\",\"file\":\"/w/pq/a.js\"}]";
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	(void)state;
	assert_int_equal(vitest_parse_list(list, strlen(list), "/w/p", &grp, &ids, &err), 0);
	assert_int_equal(ids.nr, 7);	/* framework_discover removes duplicates */
	assert_string_equal(ids.v[0], "test/math.test.js > math > adds");
	assert_string_equal(ids.v[1], "test/math.test.js > math > nested [x] (a|b) "
			    "$1.*+?^{}\\ \"q\" 's' / \xc3\xa9 > deep name");
	assert_string_equal(ids.v[2], "test/math.test.js > \xc3\xbcn\xc3\xaf" "c\xc3\xb6\x64"
			    "\xc3\xa9 \xe2\x9c\x93 name");
	assert_string_equal(ids.v[3], "dir with space/b.test.ts > has a space");
	assert_string_equal(ids.v[4], "/elsewhere/c.test.js > outside");
	assert_string_equal(ids.v[6], "test/files-only.test.js");
	strvec_clear(&ids);

	/* "/w/pq" is not below "/w/p" */
	assert_int_equal(vitest_parse_list(pq, strlen(pq), "/w/p", &grp, &ids, &err), 0);
	assert_string_equal(ids.v[0], "/w/pq/a.js > t");
	strvec_clear(&ids);
}

static void test_parse_list_errors(void **state)
{
	static const char trunc[] = "[{\"name\": \"a\", \"file\": \"/w/p/a.test.js\"}, {\"name\": \"b\", \"fi";
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	(void)state;
	assert_int_equal(vitest_parse_list(trunc, strlen(trunc), "/w/p", &grp, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "group 'g': vitest list --json: unreadable "
			       "output: unexpected end of input at byte"));
	assert_int_equal(vitest_parse_list("{}", 2, NULL, &grp, &ids, &err), OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "not a JSON array"));
	assert_int_equal(vitest_parse_list("[{\"name\": \"x\"}]", 15, NULL, &grp, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "entry 0 has no file"));
	/* what vitest prints when a file cannot be loaded: nothing */
	assert_int_equal(vitest_parse_list("", 0, NULL, &grp, &ids, &err), OFFLOAD_EDISCOVER);
	strvec_clear(&ids);
}

static void test_pattern(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(vitest_pattern_add(&b, "math > adds"), 0);
	assert_string_equal(b.buf, "math(?: > | )adds");
	buf_reset(&b);
	assert_int_equal(vitest_pattern_add(&b, "a [x] (a|b) $1.*+?^{}\\ \"q\" 's' / -"), 0);
	assert_string_equal(b.buf, "a \\[x\\] \\(a\\|b\\) \\$1\\.\\*\\+\\?\\^\\{\\}\\\\ \"q\" 's' \\/ \\-");
	buf_reset(&b);
	/* non-ASCII and newlines pass as they are; ">" alone is no separator */
	assert_int_equal(vitest_pattern_add(&b, "\xc3\xa9\n>x"), 0);
	assert_string_equal(b.buf, "\xc3\xa9\n>x");
	buf_release(&b);
}

static void batch_of(struct batch_exec *b, const char *const *ids, size_t nr)
{
	memset(b, 0, sizeof(*b));
	b->ids = ids;
	b->nr = nr;
	b->res = calloc(nr, sizeof(*b->res));
	assert_non_null(b->res);
}

/* A JSON report of vitest 2.1.9 (trimmed): a failure, a pass, skipped and
 * todo tests, a nasty name, a test the batch did not ask for, and two
 * files that failed to load. */
static const char report[] =
	"{\"numTotalTests\": 9, \"testResults\": [\n"
	" {\"assertionResults\": [], \"status\": \"failed\", \"message\": \"boom at load\\nat line 3\","
	"  \"name\": \"/w/p/test/crash.test.js\"},\n"
	" {\"assertionResults\": [\n"
	"   {\"ancestorTitles\": [\"math\"], \"fullName\": \"math adds\", \"status\": \"passed\","
	"    \"title\": \"adds\", \"duration\": 1500, \"failureMessages\": []},\n"
	"   {\"ancestorTitles\": [\"math\"], \"fullName\": \"math fails\", \"status\": \"failed\","
	"    \"title\": \"fails\", \"failureMessages\": [\"AssertionError: expected 2 to be 3\\n    at x.js:5\"]},\n"
	"   {\"ancestorTitles\": [\"math\"], \"status\": \"skipped\", \"title\": \"skipped one\"},\n"
	"   {\"ancestorTitles\": [\"math\"], \"status\": \"todo\", \"title\": \"todo one\"},\n"
	"   {\"ancestorTitles\": [\"math\", \"nested [x] (a|b) $1.*+?^{}\\\\ \\\"q\\\" 's' / \\u00e9 \\u00fc\"],"
	"    \"status\": \"passed\", \"title\": \"deep name\"},\n"
	"   {\"ancestorTitles\": [], \"status\": \"passed\", \"title\": \"\\u00fcn\\u00efc\\u00f6d\\u00e9 \\u2713 name\"},\n"
	"   {\"ancestorTitles\": [], \"status\": \"passed\", \"title\": \"twice\"},\n"
	"   {\"ancestorTitles\": [], \"status\": \"failed\", \"title\": \"twice\", \"failureMessages\": [\"second\"]},\n"
	"   {\"ancestorTitles\": [], \"status\": \"passed\", \"title\": \"not asked for\"}\n"
	"  ], \"status\": \"failed\", \"message\": \"\", \"name\": \"/w/p/test/math.test.js\"},\n"
	" {\"assertionResults\": [], \"status\": \"failed\", \"message\": \"Failed to parse source\","
	"  \"name\": \"/w/p/test/syntax.test.js\"},\n"
	" {\"assertionResults\": [{\"ancestorTitles\": [], \"status\": \"passed\", \"title\": \"t\"}],"
	"  \"status\": \"passed\", \"message\": \"\", \"name\": \"/w/p/sub/whole.test.js\"}\n"
	"]}\n";

static void test_apply_report(void **state)
{
	static const char *const ids[] = {
		"test/math.test.js > math > adds",
		"test/math.test.js > math > fails",
		"test/math.test.js > math > skipped one",
		"test/math.test.js > math > todo one",
		"test/math.test.js > math > nested [x] (a|b) $1.*+?^{}\\ \"q\" 's' / \xc3\xa9 \xc3\xbc > deep name",
		"test/math.test.js > \xc3\xbcn\xc3\xaf" "c\xc3\xb6\x64\xc3\xa9 \xe2\x9c\x93 name",
		"test/math.test.js > twice",
		"test/crash.test.js > never",
		"test/syntax.test.js",
		"sub/whole.test.js",
		"test/math.test.js > renamed away",
		"other/math.test.js > math > adds",	/* same names, other file */
		"h/test/math.test.js > math > adds",	/* a longer path, not a suffix */
	};
	struct batch_exec b;
	char msg[128];

	(void)state;
	batch_of(&b, ids, sizeof(ids) / sizeof(ids[0]));
	assert_int_equal(vitest_apply_report(&b, report, strlen(report), msg, sizeof(msg)), 0);
	assert_int_equal(b.res[0].outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_true(b.res[0].secs == 1.5);
	assert_int_equal(b.res[1].outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(b.res[1].message, "AssertionError: expected 2 to be 3");
	assert_non_null(strstr(b.res[1].output, "at x.js:5"));
	assert_int_equal(b.res[2].outcome, OFFLOAD_ATTEMPT_SKIPPED);
	assert_int_equal(b.res[3].outcome, OFFLOAD_ATTEMPT_SKIPPED);
	assert_string_equal(b.res[3].message, "todo");
	assert_true(b.res[4].have);
	assert_int_equal(b.res[4].outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_int_equal(b.res[5].outcome, OFFLOAD_ATTEMPT_PASSED);
	/* a name run twice: the failure counts */
	assert_int_equal(b.res[6].outcome, OFFLOAD_ATTEMPT_FAILED);
	/* a file that crashed at load: its tests fail with the error text */
	assert_true(b.res[7].have);
	assert_int_equal(b.res[7].outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(b.res[7].message, "boom at load");
	assert_non_null(strstr(b.res[7].output, "at line 3"));
	/* whole files: failed to parse; passed */
	assert_int_equal(b.res[8].outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(b.res[8].message, "Failed to parse source");
	assert_int_equal(b.res[9].outcome, OFFLOAD_ATTEMPT_PASSED);
	/* no result: the caller says why */
	assert_false(b.res[10].have);
	assert_false(b.res[11].have);
	assert_false(b.res[12].have);
	batch_exec_release(&b);
}

static void test_apply_report_truncated(void **state)
{
	static const char *const ids[] = { "test/math.test.js > math > adds" };
	struct batch_exec b;
	char msg[128];

	(void)state;
	batch_of(&b, ids, 1);
	/* cut anywhere: an error, and no test gets a result from half a file */
	for (size_t n = 0; n < strlen(report) - 2; n += 7) {
		assert_int_equal(vitest_apply_report(&b, report, n, msg, sizeof(msg)),
				 OFFLOAD_EPARSE);
		assert_false(b.res[0].have);
	}
	assert_non_null(strstr(msg, "at byte"));
	assert_int_equal(vitest_apply_report(&b, "{\"x\": 1}", 8, msg, sizeof(msg)),
			 OFFLOAD_EPARSE);
	assert_string_equal(msg, "no testResults array");
	batch_exec_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_list_errors),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_apply_report),
		cmocka_unit_test(test_apply_report_truncated),
	};

	return cmocka_run_group_tests_name("vitest", tests, NULL, NULL);
}
