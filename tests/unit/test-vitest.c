/* SPDX-License-Identifier: MIT */
/*
 * test-vitest.c - the vitest framework's pure parts and the JSON reader
 * under them: `vitest list --json` into IDs, -t patterns, and JSON
 * reports mapped back to a batch's IDs (names with spaces, brackets,
 * slashes, regex metacharacters, quotes and non-ASCII; a file that failed
 * to load; truncated JSON); and discovery and batches end to end
 * against a stand-in for vitest written in sh (which files cannot be
 * listed, what a batch asks for, a crash, a truncated report).  vitest
 * itself runs in t0083-vitest.sh.
 */
#include <ftw.h>
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
#include "json.h"
#include "sandbox.h"

extern char **environ;

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
		("test/math.test.js > \xc3\xbcn\xc3\xaf" "c\xc3\xb6\x64\xc3\xa9 \xe2\x9c\x93 name"),
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


/* ------------------------------------------------------------------ */
/* Against a stand-in for vitest                                       */

/* `vitest list` of five files, c and e of which cannot be loaded (then
 * nothing is listed, as vitest does); `vitest run` writes a report for
 * x.test.js, dies on crash.test.js, truncates it for trunc.test.js. */
static const char fake_vitest[] =
	"#!/bin/sh\n"
	"here=$(dirname \"$0\")\n"
	"printf '%s\\n' \"$*\" >>\"$here/calls.log\"\n"
	"cmd=$1; shift\n"
	"if [ \"$cmd\" = list ]; then\n"
	"  fo=; ex=' '; out='['; sep=\n"
	"  for a; do case $a in --filesOnly) fo=1;; --exclude=*) ex=\"$ex${a#--exclude=} \";; esac; done\n"
	"  files='a.test.js b.test.js c.test.js d.test.js e.test.js'\n"
	"  [ -f \"$here/all-broken\" ] && files=$(seq -f 'f%g.test.js' 100)\n"
	"  for f in $files; do\n"
	"    case $ex in *\" $f \"*) continue;; esac\n"
	"    if [ -n \"$fo\" ]; then out=\"$out$sep{\\\"file\\\": \\\"$PWD/$f\\\"}\"\n"
	"    else\n"
	"      case $f in c.*|e.*|f*) echo \"Error: cannot load $f\" >&2; exit 1;; esac\n"
	"      out=\"$out$sep{\\\"name\\\": \\\"s > t\\\", \\\"file\\\": \\\"$PWD/$f\\\"}\"\n"
	"    fi\n"
	"    sep=,\n"
	"  done\n"
	"  echo \"$out]\"\n"
	"  exit 0\n"
	"fi\n"
	"out=; files=\n"
	"for a; do case $a in --outputFile=*) out=${a#--outputFile=};;\n"
	"  --testNamePattern=*) printf '%s\\n' \"${a#--testNamePattern=}\" >>\"$here/patterns\";;\n"
	"  -*) ;; *) files=\"$files $a\";; esac; done\n"
	"case $files in *crash*) kill -SEGV $$;; esac\n"
	"case $files in *trunc*) printf '{\"testResults\": [' >\"$out\"; exit 1;; esac\n"
	"printf '{\"testResults\": [{\"name\": \"%s/x.test.js\", \"status\": \"failed\", \"message\": \"\",'"
	" \"$PWD\" >\"$out\"\n"
	"printf ' \"assertionResults\": [{\"ancestorTitles\": [\"s\"], \"title\": \"t\", \"status\": \"passed\"},'"
	" >>\"$out\"\n"
	"printf ' {\"ancestorTitles\": [\"s\"], \"title\": \"u [1]\", \"status\": \"failed\", \"failureMessages\": [\"boom\"]}]}]}'"
	" >>\"$out\"\n"
	"exit 1\n";

struct fx {
	char dir[128];            /* working directory: a space and "[x]*" in its name */
	char tmp[160], logs[160], command[320];
	struct offload_config cfg;
	struct offload_group group;
	struct sandbox sb;
	struct sandbox_pool pool;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[300];
	FILE *fp;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/offload vitest [x]*.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->tmp, sizeof(f->tmp), "%s/tmp", f->dir);
	snprintf(f->logs, sizeof(f->logs), "%s/logs", f->dir);
	assert_int_equal(mkdir(f->tmp, 0755), 0);
	assert_int_equal(mkdir(f->logs, 0755), 0);
	snprintf(path, sizeof(path), "%s/fake-vitest", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(fake_vitest, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0755), 0);
	snprintf(f->command, sizeof(f->command), "'%s'", path);
	f->cfg.command = f->command;
	f->cfg.test_timeout_secs = 20;
	f->cfg.shell = (char *)"/bin/sh";
	f->cfg.provider_working_dir = f->dir;
	f->cfg.groups = &f->group;
	f->cfg.groups_nr = 1;
	f->group.name = (char *)"all";
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

	nftw(f->dir, testutil_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static char *fx_file(struct fx *f, const char *name)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	return slurp(path, NULL);
}

/* One file vitest cannot load hides every test: discovery halves the
 * files until each such file stands alone, and lists it as a whole. */
static void test_discover_broken_files(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;
	char *calls;
	size_t lines = 0;

	assert_int_equal(framework_vitest.discover(&f->cfg, -1, &f->group, &ids, &err), 0);
	assert_int_equal(ids.nr, 5);
	assert_string_equal(ids.v[0], "a.test.js > s > t");
	assert_string_equal(ids.v[1], "b.test.js > s > t");
	assert_string_equal(ids.v[2], "c.test.js");
	assert_string_equal(ids.v[3], "d.test.js > s > t");
	assert_string_equal(ids.v[4], "e.test.js");
	strvec_clear(&ids);
	/* all, --filesOnly, {a,b} {c} {d,e} {d}: {c,d,e} and {e} must fail
	 * (their parent failed, their first half listed), so are not run */
	calls = fx_file(f, "calls.log");
	for (char *p = calls; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 6);
	assert_non_null(strstr(calls, "list --json --reporter=json --exclude=c.test.js "
			       "--exclude=d.test.js --exclude=e.test.js\n"));
	free(calls);
}

/* A configuration that breaks every file: a bounded number of list
 * runs, then the rest of the files run whole. */
static void test_discover_all_broken(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;
	char path[300], *calls;
	size_t lines = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/all-broken", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(framework_vitest.discover(&f->cfg, -1, &f->group, &ids, &err), 0);
	assert_int_equal(ids.nr, 100);
	for (size_t i = 0; i < ids.nr; i++)
		assert_null(strchr(ids.v[i], '>'));
	assert_string_equal(ids.v[0], "f1.test.js");
	strvec_clear(&ids);
	calls = fx_file(f, "calls.log");
	for (char *p = calls; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2 + 40);
	free(calls);
}

static void batch_init(struct batch_exec *b, struct fx *f, unsigned no,
		       const char *const *ids, size_t nr)
{
	memset(b, 0, sizeof(*b));
	b->cfg = &f->cfg;
	b->group = &f->group;
	b->sb = &f->sb;
	b->batch_no = no;
	b->ids = ids;
	b->nr = nr;
	b->cancel_fd = -1;
	b->log_dir = f->logs;
	b->res = calloc(nr, sizeof(*b->res));
	assert_non_null(b->res);
}

static void test_batch(void **state)
{
	static const char *const ids[] = {
		"x.test.js > s > gone",
		"y.test.js > a",
		"x.test.js > s > t",
		"x.test.js > s > u [1]",
		"-x.test.js > a",
	};
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	char *calls, *patterns;

	batch_init(&b, f, 1, ids, 5);
	assert_int_equal(framework_vitest.run_batch(&b, &err), 0);
	assert_int_equal(b.res[2].outcome, OFFLOAD_ATTEMPT_PASSED);
	assert_int_equal(b.res[3].outcome, OFFLOAD_ATTEMPT_FAILED);
	assert_string_equal(b.res[3].message, "boom");
	assert_int_equal(b.res[0].outcome, OFFLOAD_ATTEMPT_ERROR);
	assert_string_equal(b.res[0].message, "no result: vitest did not report this test");
	batch_exec_release(&b);
	calls = fx_file(f, "calls.log");
	patterns = fx_file(f, "patterns");
	/* one process: files sorted, each once; names escaped, IDs' order kept */
	assert_non_null(strstr(calls, "run --reporter=json --outputFile="));
	/* a file starting with '-' is no option */
	assert_non_null(strstr(calls, "--passWithNoTests --no-cache ./-x.test.js x.test.js y.test.js --testNamePattern=^(?:a|"));
	assert_string_equal(patterns, "^(?:a|s(?: > | )gone|s(?: > | )t|s(?: > | )u \\[1\\]|a)$\n");
	free(calls);
	free(patterns);
}

static void test_batch_crash_and_truncated(void **state)
{
	static const char *const crash[] = { "crash.test.js > a" };
	static const char *const trunc[] = { "trunc.test.js > a" };
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;

	batch_init(&b, f, 1, crash, 1);
	assert_int_equal(framework_vitest.run_batch(&b, &err), 0);
	assert_int_equal(b.res[0].outcome, OFFLOAD_ATTEMPT_ERROR);
	assert_string_equal(b.res[0].message, "crashed: vitest killed by signal 11 (SIGSEGV)");
	batch_exec_release(&b);

	batch_init(&b, f, 2, trunc, 1);
	assert_int_equal(framework_vitest.run_batch(&b, &err), 0);
	assert_int_equal(b.res[0].outcome, OFFLOAD_ATTEMPT_ERROR);
	assert_non_null(strstr(b.res[0].message, "no result: vitest exited with status 1 "
			       "(unexpected end of input at byte 17)"));
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
		cmocka_unit_test_setup_teardown(test_discover_broken_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discover_all_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_crash_and_truncated, setup, teardown),
	};

	return cmocka_run_group_tests_name("vitest", tests, NULL, NULL);
}
