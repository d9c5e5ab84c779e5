/* SPDX-License-Identifier: MIT */
/*
 * test-framework.c - the three frameworks end to end on real processes:
 * discovery (exec globs over awkward file names, custom commands, pytest
 * collection), batches and how their results map back to test IDs,
 * timeouts, cancellation, unmatched results, pytest batches cut short by
 * a timeout or a crash (the plugin's progress file), and
 * offload_discover's group rules.  Configurations and sandboxes are built by hand in a temporary
 * directory whose own name holds a space and glob characters.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>
#include "testutil.h"
#include "framework.h"
#include "junit.h"

extern char **environ;


struct fx {
	char dir[128];            /* working directory, "[x] *" in its name */
	char tmp[160];            /* the sandbox's tmpdir */
	char logs[160];
	struct offload_config cfg;
	struct offload_group groups[2];
	struct sandbox sb;
	struct sandbox_pool pool;
};

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/offload fw [x]*.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->tmp, sizeof(f->tmp), "%s/tmp", f->dir);
	snprintf(f->logs, sizeof(f->logs), "%s/logs", f->dir);
	assert_int_equal(mkdir(f->tmp, 0755), 0);
	assert_int_equal(mkdir(f->logs, 0755), 0);
	f->cfg.test_timeout_secs = 20;
	f->cfg.shell = (char *)"/bin/sh";
	f->cfg.provider_working_dir = f->dir;
	f->cfg.groups = f->groups;
	f->cfg.groups_nr = 1;
	f->groups[0].name = (char *)"a";
	f->groups[0].filters = (char *)"";
	f->groups[1].name = (char *)"b";
	f->groups[1].filters = (char *)"";
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

	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void put(struct fx *f, const char *rel, const char *text, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void batch_init(struct batch_exec *b, struct fx *f, unsigned no,
		       const char *const *ids, size_t nr)
{
	memset(b, 0, sizeof(*b));
	b->cfg = &f->cfg;
	b->group = &f->groups[0];
	b->sb = &f->sb;
	b->batch_no = no;
	b->ids = ids;
	b->nr = nr;
	b->cancel_fd = -1;
	b->log_dir = f->logs;
}

/* valgrind's preload library is in LD_PRELOAD while it runs us. */
static int under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "valgrind");
}

/* A macro, so that a failure names the caller's line. */
#define assert_outcome(t, o, msg) do {					\
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

/* ------------------------------------------------------------------ */

static void test_split_words(void **state)
{
	struct strvec w = STRVEC_INIT;

	assert_int_equal(split_words(" -k 'not slow' \"a \\\"b\\\" \\x\" c\\ d ''"
				     " e'f'g", &w), 0);
	assert_int_equal(w.nr, 6);
	assert_string_equal(w.v[0], "-k");
	assert_string_equal(w.v[1], "not slow");
	assert_string_equal(w.v[2], "a \"b\" \\x");
	assert_string_equal(w.v[3], "c d");
	assert_string_equal(w.v[4], "");
	assert_string_equal(w.v[5], "efg");
	strvec_clear(&w);
	assert_int_equal(split_words("a 'b", &w), OFFLOAD_EPARSE);
	strvec_clear(&w);
	assert_int_equal(split_words("a \"b", &w), OFFLOAD_EPARSE);
	strvec_clear(&w);
}

static void test_exec_discover(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;
	const char *want[] = { "t/a b.sh", "t/d$x;y.sh", "t/nl\nx.sh",
			       "t/plain.sh", "t/q'uote \"x\".sh" };

	char p[256];

	snprintf(p, sizeof(p), "%s/t", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/t/dir.sh", f->dir);	/* not a file */
	assert_int_equal(mkdir(p, 0755), 0);
	for (size_t i = 0; i < 5; i++)
		put(f, want[i], "#!/bin/sh\n", 0755);
	put(f, "t/noexec.sh", "#!/bin/sh\n", 0644);
	f->cfg.framework = &framework_exec;
	f->cfg.paths = (char *)"t/*.sh  t/plain.sh t/none-*";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(ids.v[i], want[i]);
	strvec_clear(&ids);

	/* a file is a test exactly when access(X_OK) says so, whoever runs
	 * this (root may run a file any x bit allows) */
	{
		static const char *const names[] = {
			"m/0001", "m/0010", "m/0100", "m/0600", "m/0666", "m/0700",
		};
		static const mode_t modes[] = { 0001, 0010, 0100, 0600, 0666, 0700 };
		size_t n = 0, k = 0;

		snprintf(p, sizeof(p), "%s/m", f->dir);
		assert_int_equal(mkdir(p, 0755), 0);
		for (size_t i = 0; i < 6; i++) {
			put(f, names[i], "#!/bin/sh\n", modes[i]);
			snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
			n += !access(p, X_OK);
		}
		f->cfg.paths = (char *)"m/*";
		assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
		assert_int_equal(ids.nr, n);
		for (size_t i = 0; i < 6; i++) {
			snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
			if (access(p, X_OK))
				continue;
			while (k < ids.nr && strcmp(ids.v[k], names[i]))
				k++;
			assert_true(k < ids.nr);	/* found, in sorted order */
		}
		strvec_clear(&ids);
		f->cfg.paths = (char *)"t/*.sh  t/plain.sh t/none-*";
	}

	/* a group's filters narrow the globs */
	f->groups[0].filters = (char *)"t/p* t/a*";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 2);
	assert_string_equal(ids.v[0], "t/a b.sh");
	assert_string_equal(ids.v[1], "t/plain.sh");
	strvec_clear(&ids);
}

static void test_exec_batch(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "pass.sh", "fail.sh", "skip.sh", "crash.sh",
			      "missing.sh", "slow.sh", "it's $x.sh" };
	char path[256], *log;

	put(f, "pass.sh", "#!/bin/sh\necho passing out\n", 0755);
	put(f, "fail.sh", "#!/bin/sh\necho to-out\necho to-err >&2\nexit 3\n", 0755);
	put(f, "skip.sh", "#!/bin/sh\nexit 77\n", 0755);
	put(f, "crash.sh", "#!/bin/sh\nkill -SEGV $$\n", 0755);
	put(f, "slow.sh", "#!/bin/sh\nexec sleep 30\n", 0755);
	/* runs in the sandbox's directory */
	put(f, "it's $x.sh", "#!/bin/sh\ntest -f slow.sh\n", 0755);
	f->cfg.framework = &framework_exec;
	f->cfg.test_timeout_secs = 0.5;
	batch_init(&b, f, 3, ids, 7);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	assert_int_equal(b.canceled, 0);
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_null(b.res[0].output);	/* passes carry no output */
	assert_outcome(&b.res[1], OFFLOAD_ATTEMPT_FAILED, "exit status 3");
	assert_non_null(strstr(b.res[1].output, "to-out"));
	assert_non_null(strstr(b.res[1].output, "to-err"));
	assert_outcome(&b.res[2], OFFLOAD_ATTEMPT_SKIPPED, NULL);
	assert_outcome(&b.res[3], OFFLOAD_ATTEMPT_ERROR,
		       "killed by signal 11 (SIGSEGV)");
	/* posix_spawn reports the failed exec; under valgrind, which cannot
	 * emulate vfork, the child's exit status 127 is all there is */
	if (b.res[4].outcome == OFFLOAD_ATTEMPT_FAILED && under_valgrind()) {
		assert_outcome(&b.res[4], OFFLOAD_ATTEMPT_FAILED, "exit status 127");
	} else {
		assert_outcome(&b.res[4], OFFLOAD_ATTEMPT_ERROR, NULL);
		assert_non_null(strstr(b.res[4].message, "missing.sh"));
	}
	assert_outcome(&b.res[5], OFFLOAD_ATTEMPT_ERROR, "timed out after 0.5 s");
	assert_true(b.res[5].secs >= 0.5 && b.res[5].secs < 5);
	assert_outcome(&b.res[6], OFFLOAD_ATTEMPT_PASSED, NULL);

	snprintf(path, sizeof(path), "%s/batch-3.stdout", f->logs);
	log = slurp(path, NULL);
	assert_non_null(strstr(log, "=== pass.sh (passed) ===\npassing out\n"));
	assert_non_null(strstr(log, "=== fail.sh (failed) ===\nto-out\n"));
	free(log);
	snprintf(path, sizeof(path), "%s/batch-3.stderr", f->logs);
	log = slurp(path, NULL);
	assert_non_null(strstr(log, "=== fail.sh (failed) ===\nto-err\n"));
	free(log);
	batch_exec_release(&b);
}

static void test_exec_cancel(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "pass.sh", "pass.sh" };
	int p[2];

	put(f, "pass.sh", "#!/bin/sh\n", 0755);
	f->cfg.framework = &framework_exec;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	batch_init(&b, f, 1, ids, 2);
	b.cancel_fd = p[0];
	assert_int_equal(framework_run_batch(&b, &err), 0);
	assert_int_equal(b.canceled, 1);
	assert_int_equal(b.res[0].have, 0);
	assert_int_equal(b.res[1].have, 0);
	batch_exec_release(&b);
	close(p[0]);
	close(p[1]);
}

static void test_custom_discover(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	f->cfg.framework = &framework_custom;
	f->cfg.discover_command =
		(char *)"printf '%s\\n' '# comment' '' 'a b' '  ' 'c;d' {filters};"
			"printf 'crlf\\r\\n'; printf 'a b\\nlast'";
	f->groups[0].filters = (char *)"'e f' \"$HOME\"x";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 6);
	assert_string_equal(ids.v[0], "a b");
	assert_string_equal(ids.v[1], "c;d");
	assert_string_equal(ids.v[2], "e f");
	assert_string_equal(ids.v[3] + strlen(ids.v[3]) - 1, "x");
	assert_string_equal(ids.v[4], "crlf");
	assert_string_equal(ids.v[5], "last");
	strvec_clear(&ids);

	f->cfg.discover_command = (char *)"echo broken >&2; exit 3";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "group 'a'"));
	assert_non_null(strstr(err.msg, "status 3"));
	assert_non_null(strstr(err.msg, "broken"));
	strvec_clear(&ids);

	/* Inside make, a discovery command must not see make's flags: a
	 * `make -s list-tests` would otherwise obey the outer -n. */
	setenv("MAKEFLAGS", "n", 1);
	setenv("MAKELEVEL", "1", 1);
	f->cfg.discover_command =
		(char *)"printf '%s\\n' \"mf=${MAKEFLAGS-unset}\" \"ml=${MAKELEVEL-unset}\"";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	unsetenv("MAKEFLAGS");
	unsetenv("MAKELEVEL");
	assert_int_equal(ids.nr, 2);
	assert_string_equal(ids.v[0], "mf=unset");
	assert_string_equal(ids.v[1], "ml=unset");
	strvec_clear(&ids);
}

/*
 * Discovery is bounded: more than 64 MiB of output, or more than a
 * million IDs, is a discovery error naming the group and the command,
 * not a list that takes gigabytes (2-byte lines cost ~40 bytes each).
 */
static void test_discover_limits(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	f->cfg.framework = &framework_custom;
	/* 70 MB of 1000-byte lines (the same ID), then a clean exit. */
	f->cfg.discover_command =
		(char *)"yes \"$(printf '%01000d' 0)\" | head -c 70000000";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_string_equal(err.msg,
		"group 'a': discover_command printed more than 64 MiB, the limit for discovery output");
	strvec_clear(&ids);

	f->cfg.discover_command = (char *)"seq 1 1000001";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_string_equal(err.msg,
		"group 'a': discover_command listed more than 1000000 tests, the limit for one group");
	strvec_clear(&ids);

	/* The end of a large stderr is still quoted. */
	f->cfg.discover_command =
		(char *)"head -c 3000000 /dev/zero | tr '\\0' x >&2; echo ' the end' >&2; exit 4";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "status 4: xxx"));
	assert_non_null(strstr(err.msg, "xx the end"));
	strvec_clear(&ids);
}

/* A flood of unmatched results: ten warnings, then one that counts. */
static void test_unmatched_flood(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "t1" };
	char want[128];

	f->cfg.framework = &framework_custom;
	f->cfg.test_id_format = (char *)"{name}";
	f->cfg.run_command = (char *)
		"{ echo '<testsuite>'; i=0; while [ $i -lt 5000 ]; do "
		"echo \"<testcase name='x$i'/>\"; i=$((i + 1)); done; "
		"echo \"<testcase name='t1'/></testsuite>\"; } > {result_file}";
	batch_init(&b, f, 3, ids, 1);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_int_equal(b.warnings.nr, 11);
	for (int i = 0; i < 10; i++) {
		snprintf(want, sizeof(want),
			 "batch 3: result 'x%d' matches no test of the batch (closest: 't1')", i);
		assert_string_equal(b.warnings.v[i], want);
	}
	assert_string_equal(b.warnings.v[10],
			    "batch 3: 4990 more results matched no test of the batch");
	batch_exec_release(&b);
}

/* IDs that a careless shell command line would break. */
static const char *nasty[] = { "it's", "$(touch pwned)", "a;b", "two\nlines" };

static void test_custom_exit_status(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	char pwned[256];

	f->cfg.framework = &framework_custom;
	f->cfg.run_command = (char *)"for t in {tests}; do printf '<%s>' \"$t\"; done";
	batch_init(&b, f, 2, nasty, 4);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	for (size_t i = 0; i < 4; i++)
		assert_outcome(&b.res[i], OFFLOAD_ATTEMPT_PASSED, NULL);
	batch_exec_release(&b);

	f->cfg.run_command = (char *)"for t in {tests}; do printf '<%s>' \"$t\"; done;"
				     " exit 3";
	batch_init(&b, f, 2, nasty, 4);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_outcome(&b.res[i], OFFLOAD_ATTEMPT_FAILED,
			       "batch exited with status 3");
		assert_string_equal(b.res[i].output,
				    "<it's><$(touch pwned)><a;b><two\nlines>\n");
	}
	batch_exec_release(&b);
	snprintf(pwned, sizeof(pwned), "%s/pwned", f->dir);
	assert_int_equal(access(pwned, F_OK), -1);
}

static void test_custom_result_file(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "k.one", "k.two", "k.three" };

	f->cfg.framework = &framework_custom;
	f->cfg.test_id_format = (char *)"{classname}.{name}";
	f->cfg.run_command = (char *)
		"printf '%s' '<testsuite><testcase classname=\"k\" name=\"one\"/>"
		"<testcase classname=\"k\" name=\"two\"><failure message=\"bad thing\">"
		"trace here</failure></testcase><testcase classname=\"k\" name=\"one\">"
		"<failure/></testcase><testcase classname=\"k\" name=\"tw0x\"/>"
		"</testsuite>' > {result_file}; exit 1";
	batch_init(&b, f, 7, ids, 3);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	/* the first case of an ID decides; later duplicates are ignored */
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_outcome(&b.res[1], OFFLOAD_ATTEMPT_FAILED, "bad thing");
	assert_non_null(strstr(b.res[1].output, "trace here"));
	assert_outcome(&b.res[2], OFFLOAD_ATTEMPT_ERROR, "no result in result file");
	assert_int_equal(b.warnings.nr, 1);
	assert_string_equal(b.warnings.v[0],
			    "batch 7: result 'k.tw0x' matches no test of the batch "
			    "(closest: 'k.two', 'k.one', 'k.three')");
	batch_exec_release(&b);
}

static void test_custom_stale_result_file(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "one" };
	struct timeval old[2] = { { 1000000, 0 }, { 1000000, 0 } };
	char path[256];

	put(f, "stale.xml", "<testsuite><testcase name=\"one\"/></testsuite>", 0644);
	snprintf(path, sizeof(path), "%s/stale.xml", f->dir);
	assert_int_equal(utimes(path, old), 0);
	f->cfg.framework = &framework_custom;
	f->cfg.run_command = (char *)"true";
	f->cfg.result_file = (char *)"stale.xml";
	batch_init(&b, f, 1, ids, 1);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_ERROR, NULL);
	assert_non_null(strstr(b.res[0].message, "not written by this batch"));
	batch_exec_release(&b);

	/* written by the batch: read */
	f->cfg.run_command = (char *)"touch stale.xml";
	batch_init(&b, f, 2, ids, 1);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	batch_exec_release(&b);
}

static void test_custom_timeout(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "x", "y" };

	f->cfg.framework = &framework_custom;
	f->cfg.test_timeout_secs = 0.5;
	f->cfg.run_command = (char *)"exec sleep 30";
	batch_init(&b, f, 1, ids, 2);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_ERROR, "timed out after 0.5 s");
	assert_outcome(&b.res[1], OFFLOAD_ATTEMPT_ERROR, "timed out after 0.5 s");
	batch_exec_release(&b);
}

static void test_discover_groups(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct offload_test_list l;

	f->cfg.framework = &framework_custom;
	f->cfg.discover_command = (char *)"printf '%s\\n' {filters}";
	f->cfg.groups_nr = 2;
	f->groups[0].filters = (char *)"x y";
	f->groups[1].filters = (char *)"z";
	assert_int_equal(offload_discover(&f->cfg, NULL, &l, &err), 0);
	assert_int_equal(l.nr, 3);
	assert_string_equal(l.ids[2], "z");
	assert_int_equal(l.group[0], 0);
	assert_int_equal(l.group[2], 1);
	offload_test_list_release(&l);

	assert_int_equal(offload_discover(&f->cfg, "b", &l, &err), 0);
	assert_int_equal(l.nr, 1);
	assert_string_equal(l.ids[0], "z");
	assert_int_equal(l.group[0], 1);
	offload_test_list_release(&l);

	assert_int_equal(offload_discover(&f->cfg, "zz", &l, &err), OFFLOAD_EUSAGE);
	assert_string_equal(err.msg, "no group 'zz' (groups: a, b)");
	assert_int_equal(l.nr, 0);
	offload_test_list_release(&l);

	f->groups[1].filters = (char *)"w y";
	assert_int_equal(offload_discover(&f->cfg, NULL, &l, &err), OFFLOAD_EDISCOVER);
	assert_string_equal(err.msg, "test 'y' is in groups 'a' and 'b'");
	assert_int_equal(l.nr, 3);	/* kept in the first group only */
	assert_string_equal(l.ids[2], "w");
	offload_test_list_release(&l);

	f->groups[1].filters = (char *)"";	/* nothing at all is no error */
	assert_int_equal(offload_discover(&f->cfg, "b", &l, &err), 0);
	assert_int_equal(l.nr, 0);
	offload_test_list_release(&l);
}

/* ------------------------------------------------------------------ */
/* pytest                                                              */

static int have_pytest(void)
{
	return access("/usr/bin/python3", X_OK) == 0 &&
	       system("/usr/bin/python3 -m pytest --version >/dev/null 2>&1") == 0;
}

static const char suite[] =
	"import pytest\n"
	"@pytest.mark.parametrize('x', ['a b-1', 'c]d', \"q'\\\"\"])\n"
	"def test_p(x):\n    pass\n"
	"def test_fail():\n    assert 0, 'boom'\n"
	"@pytest.mark.skip(reason='nope')\n"
	"def test_skip():\n    pass\n"
	"def test_\u00fcn\u00ef():\n    print('hi')\n"
	"class TestC:\n    def test_m(self):\n        pass\n";

static const char *const pyids[] = {
	"test_s.py::test_p[a b-1]", "test_s.py::test_p[c]d]",
	"test_s.py::test_p[q'\"]", "test_s.py::test_fail",
	"test_s.py::test_skip", "test_s.py::test_\u00fcn\u00ef",
	"test_s.py::TestC::test_m",
};

static void pytest_config(struct fx *f)
{
	put(f, "test_s.py", suite, 0644);
	f->cfg.framework = &framework_pytest;
	f->cfg.command = (char *)"/usr/bin/python3 -m pytest -p no:cacheprovider";
	f->cfg.paths = (char *)"test_s.py";
}

static void test_pytest_discover(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	if (!have_pytest())
		skip();
	pytest_config(f);
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(ids.v[i], pyids[i]);
	strvec_clear(&ids);

	f->groups[0].filters = (char *)"-k 'not test_p and not TestC'";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 3);
	assert_string_equal(ids.v[0], "test_s.py::test_fail");
	strvec_clear(&ids);

	f->groups[0].filters = (char *)"-k nothing_matches";	/* exit 5 */
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 0);
	strvec_clear(&ids);

	/* -qq prints "test_s.py: 7": an error, not zero tests */
	f->groups[0].filters = (char *)"-q";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "no node IDs"));
	strvec_clear(&ids);

	f->groups[0].filters = (char *)"--no-such-option";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err),
			 OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "status 4"));
	strvec_clear(&ids);
}

/*
 * The plugin's collect file: collect-error and collect-skip lines add
 * their node IDs (hex, any bytes but NUL); anything else, a line with a
 * NUL byte, odd or upper-case hex, and a last line without its newline
 * (pytest died writing it) add nothing.
 */
static void test_pytest_collect_file(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;
	size_t errors = 9;
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/collect.txt", f->dir);
	assert_int_equal(parse_collect_file(path, &f->groups[0], &ids, &errors,
					    &err), 0);	/* missing: nothing */
	assert_int_equal(ids.nr, 0);
	assert_int_equal(errors, 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	/* "a b.py" with the text "E x"; "t/\n\xff.py" skipped, no text */
	fputs("collect-error 6120622e7079 452078\n"
	      "collect-skip 742f0aff2e7079 \n"
	      "collect-error 6120622e7079\n"		/* two fields */
	      "collect-done 61 62\n"			/* unknown word */
	      "collect-error 612 62\n"			/* odd hex */
	      "collect-error 4A42 62\n"			/* upper-case hex */
	      "collect-error 6100 62\n"			/* NUL byte */
	      "collect-error  62\n"			/* empty node ID */
	      "collect-skip 63 64", fp);		/* cut */
	fwrite("\ncollect-skip 6\0 64\n", 1, 20, fp);	/* NUL in the line */
	fputs("collect-skip 65 66", fp);		/* cut */
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(parse_collect_file(path, &f->groups[0], &ids, &errors,
					    &err), 0);
	assert_int_equal(ids.nr, 3);
	assert_string_equal(ids.v[0], "a b.py");
	assert_string_equal(ids.v[1], "t/\n\xff.py");
	assert_string_equal(ids.v[2], "c");	/* "63 64" + "\n": whole */
	assert_int_equal(errors, 1);
	strvec_clear(&ids);
}

/*
 * A module that does not import is a test of its own, listed with the
 * others (not a discovery error); one skipped by a module-level
 * importorskip too.
 */
static void test_pytest_discover_collect_errors(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	if (!have_pytest())
		skip();
	pytest_config(f);
	put(f, "test_broken.py", "import no_such_module_offload_unit\n", 0644);
	put(f, "test_skipped.py", "import pytest\n"
	    "pytest.importorskip('no_such_module_offload_unit')\n"
	    "def test_x():\n    pass\n", 0644);
	f->cfg.paths = (char *)"test_broken.py test_skipped.py test_s.py";
	assert_int_equal(framework_discover(&f->cfg, &f->groups[0], -1, &ids, &err), 0);
	assert_int_equal(ids.nr, 9);
	assert_string_equal(ids.v[0], "test_broken.py");
	assert_string_equal(ids.v[1], "test_skipped.py");
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(ids.v[i + 2], pyids[i]);
	strvec_clear(&ids);
}

static void test_pytest_batch(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;

	if (!have_pytest())
		skip();
	pytest_config(f);
	batch_init(&b, f, 4, pyids, 7);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(b.res[i].have, 1);
	assert_int_equal(b.warnings.nr, 0);
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_outcome(&b.res[1], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_outcome(&b.res[2], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_outcome(&b.res[3], OFFLOAD_ATTEMPT_FAILED, NULL);
	assert_non_null(strstr(b.res[3].message, "boom"));
	assert_non_null(strstr(b.res[3].output, "assert 0"));
	assert_outcome(&b.res[4], OFFLOAD_ATTEMPT_SKIPPED, "nope");
	assert_outcome(&b.res[5], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_outcome(&b.res[6], OFFLOAD_ATTEMPT_PASSED, NULL);
	batch_exec_release(&b);
}

static void test_pytest_wrong_id(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "test_s.py::test_fail", "test_s.py::nope" };
	char path[256], *log;

	if (!have_pytest())
		skip();
	pytest_config(f);
	batch_init(&b, f, 5, ids, 2);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_outcome(&b.res[i], OFFLOAD_ATTEMPT_ERROR,
			       "no result: pytest exited with status 4");
		assert_non_null(strstr(b.res[i].output, "nope"));
	}
	batch_exec_release(&b);
	snprintf(path, sizeof(path), "%s/batch-5.stdout", f->logs);
	log = slurp(path, NULL);	/* exists */
	free(log);
}

/*
 * A batch pytest cannot finish: pytest writes its JUnit file only at the
 * end, so the results of the tests that finished come from the plugin's
 * progress file.  `body` is test_b's body; test_c comes after it.  The
 * pytest.ini lets a parametrised ID hold a newline, quotes and non-ASCII
 * text as they are, to show that they come back byte for byte.
 */
static const char *const cutids[] = {
	"test_t.py::test_a[new\nline \"q' \u00fc]", "test_t.py::test_fail",
	"test_t.py::test_skip", "test_t.py::test_setup",
	"test_t.py::test_b", "test_t.py::test_c",
};

static void cut_batch(struct fx *f, struct batch_exec *b, const char *body,
		      double timeout)
{
	struct offload_error err = { 0, "" };
	char text[2048];

	snprintf(text, sizeof(text),
		 "import os, time, pytest\n"
		 "@pytest.mark.parametrize('x', [1], ids=['new\\nline \"q\\' \\u00fc'])\n"
		 "def test_a(x):\n    pass\n"
		 "def test_fail():\n    assert 0, 'bo\\u00f6m'\n"
		 "@pytest.mark.skip(reason='later')\n"
		 "def test_skip():\n    pass\n"
		 "@pytest.fixture\n"
		 "def broken():\n    raise RuntimeError('no fixture')\n"
		 "def test_setup(broken):\n    pass\n"
		 "def test_b():\n    %s\n"
		 "def test_c():\n    pass\n", body);
	put(f, "test_t.py", text, 0644);
	put(f, "pytest.ini", "[pytest]\n"
	    "disable_test_id_escaping_and_forfeit_all_rights_to_community_support"
	    " = true\n", 0644);
	f->cfg.framework = &framework_pytest;
	f->cfg.command = (char *)"/usr/bin/python3 -m pytest -p no:cacheprovider";
	f->cfg.test_timeout_secs = timeout;
	batch_init(b, f, 6, cutids, 6);
	assert_int_equal(framework_run_batch(b, &err), 0);
	assert_int_equal(b->canceled, 0);
	assert_int_equal(b->warnings.nr, 0);
	/* what finished before the end keeps its own result */
	assert_outcome(&b->res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_null(b->res[0].output);
	assert_outcome(&b->res[1], OFFLOAD_ATTEMPT_FAILED, NULL);
	assert_non_null(strstr(b->res[1].message, "bo\u00f6m"));
	assert_non_null(strstr(b->res[1].output, "assert 0"));
	assert_outcome(&b->res[2], OFFLOAD_ATTEMPT_SKIPPED, "later");
	assert_outcome(&b->res[3], OFFLOAD_ATTEMPT_ERROR, NULL);
	assert_non_null(strstr(b->res[3].message, "failed on setup with"));
	assert_non_null(strstr(b->res[3].message, "no fixture"));
}

static void test_pytest_timeout_keeps_results(void **state)
{
	struct fx *f = *state;
	struct batch_exec b;

	if (!have_pytest())
		skip();
	cut_batch(f, &b, "time.sleep(100)", 4);
	assert_outcome(&b.res[4], OFFLOAD_ATTEMPT_ERROR, "timed out after 4 s");
	/* the batch's output comes along: it shows how far pytest got */
	assert_non_null(strstr(b.res[4].output, "test_t.py"));
	/* the running test is credited what the others do not account for */
	assert_true(b.res[4].secs > 2 && b.res[4].secs < 10);
	assert_outcome(&b.res[5], OFFLOAD_ATTEMPT_ERROR,
		       "not reached: timed out after 4 s");
	batch_exec_release(&b);
}

static void test_pytest_crash_keeps_results(void **state)
{
	struct fx *f = *state;
	struct batch_exec b;

	if (!have_pytest())
		skip();
	cut_batch(f, &b, "os.kill(os.getpid(), 9)", 20);
	assert_outcome(&b.res[4], OFFLOAD_ATTEMPT_ERROR,
		       "no result: pytest killed by signal 9 (SIGKILL)");
	assert_outcome(&b.res[5], OFFLOAD_ATTEMPT_ERROR,
		       "not reached: pytest killed by signal 9 (SIGKILL)");
	batch_exec_release(&b);

	cut_batch(f, &b, "os._exit(3)", 20);
	assert_outcome(&b.res[4], OFFLOAD_ATTEMPT_ERROR,
		       "no result: pytest exited with status 3");
	assert_outcome(&b.res[5], OFFLOAD_ATTEMPT_ERROR,
		       "not reached: pytest exited with status 3");
	batch_exec_release(&b);
}

/*
 * The progress file is read strictly: a line that is not exactly what
 * the plugin writes decides nothing.  A fake "pytest" writes the file.
 */
static void test_pytest_progress_strict(void **state)
{
	struct fx *f = *state;
	struct offload_error err = { 0, "" };
	struct batch_exec b;
	const char *ids[] = { "one", "two", "thr ee\n'", "four", "five" };

	put(f, "fake.sh",
	    "p=$OFFLOAD_PYTEST_PROGRESS\n"
	    "printf '%s\\n' >>\"$p\" \\\n"
	    "  'start 6f6e65' 'done 6f6e65 passed 1500000  ' \\\n"
	    "  'start 74776f' \\\n"
	    "  'done 74776F failed 1 6d 6d' 'done 74776f bogus 1 6d 6d' \\\n"
	    "  'done 74776f failed 1 6d' 'done 74776f failed 1x 6d 6d' \\\n"
	    "  'done 74776f failed 1 6d 6d x' 'done 74776f failed 1 6 6d' \\\n"
	    "  'done 74776f failed 1 00 6d' 'done 74776f failed 1  6d 6d' \\\n"
	    "  'done  failed 1 6d 6d' 'done 74776f failed 1234567890123456 6d 6d' \\\n"
	    "  'start 7468722065650a27' \\\n"
	    "  'done 7468722065650a27 skipped 0 77687920c3bc ' \\\n"
	    "  'done 78 passed 1  ' 'start 666f7572'\n"
	    "printf 'done 666f7572 passed 1  ' >>\"$p\"\n"
	    "exit 3\n", 0644);
	f->cfg.framework = &framework_pytest;
	f->cfg.command = (char *)"/bin/sh fake.sh";
	batch_init(&b, f, 8, ids, 5);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	assert_outcome(&b.res[0], OFFLOAD_ATTEMPT_PASSED, NULL);
	assert_true(b.res[0].secs == 1.5);
	assert_outcome(&b.res[1], OFFLOAD_ATTEMPT_ERROR,
		       "no result: pytest exited with status 3");
	assert_outcome(&b.res[2], OFFLOAD_ATTEMPT_SKIPPED, "why \u00fc");
	/* the last line has no newline: pytest died writing it */
	assert_outcome(&b.res[3], OFFLOAD_ATTEMPT_ERROR,
		       "no result: pytest exited with status 3");
	assert_outcome(&b.res[4], OFFLOAD_ATTEMPT_ERROR,
		       "not reached: pytest exited with status 3");
	assert_int_equal(b.warnings.nr, 1);
	assert_non_null(strstr(b.warnings.v[0], "result 'x' matches no test"));
	batch_exec_release(&b);

	/* a stale file from an earlier batch with the same number is gone */
	put(f, "fake.sh", "exit 3\n", 0644);
	batch_init(&b, f, 8, ids, 5);
	assert_int_equal(framework_run_batch(&b, &err), 0);
	for (size_t i = 0; i < 5; i++)
		assert_outcome(&b.res[i], OFFLOAD_ATTEMPT_ERROR,
			       "no result: pytest exited with status 3");
	batch_exec_release(&b);
}

struct live_seen {
	size_t k[8];
	enum offload_outcome o[8];
	double secs[8];
	size_t nr;
};

static void live_cb(void *data, size_t k, enum offload_outcome o, double secs)
{
	struct live_seen *l = data;

	assert_true(l->nr < 8);
	l->k[l->nr] = k;
	l->o[l->nr] = o;
	l->secs[l->nr++] = secs;
}

static void append(const char *path, const char *text)
{
	FILE *fp = fopen(path, "a");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/*
 * framework_live reads what the plugin appended since the last call:
 * whole "done" lines only (a half-written line waits for its end), the
 * IDs matched to the batch's, lines not of the plugin's form skipped;
 * no file, or a remote sandbox, is nothing new.
 */
static void test_pytest_live(void **state)
{
	struct fx *f = *state;
	struct batch_exec b;
	struct batch_live st = { 0, 0 };
	struct live_seen l = { .nr = 0 };
	const char *ids[] = { "one", "thr ee\n'", "two" };
	char path[256];

	f->cfg.framework = &framework_pytest;
	batch_init(&b, f, 4, ids, 3);
	snprintf(path, sizeof(path), "%s/progress-batch-4.txt", f->tmp);
	assert_int_equal(framework_live(&b, &st, live_cb, &l), 0);
	assert_int_equal(l.nr, 0);

	append(path, "start 74776f\n"
	       "done 74776f failed 2500000 6d 6d\n"
	       "done 78 passed 1  \n"            /* no such test */
	       "done 6f6e65 bogus 1  \n"
	       "done 6f6e65 passed 1");          /* not ended yet */
	assert_int_equal(framework_live(&b, &st, live_cb, &l), 0);
	assert_int_equal(l.nr, 1);
	assert_int_equal(l.k[0], 2);
	assert_int_equal(l.o[0], OFFLOAD_ATTEMPT_FAILED);
	assert_true(l.secs[0] == 2.5);
	assert_int_equal(framework_live(&b, &st, live_cb, &l), 0);
	assert_int_equal(l.nr, 1);

	append(path, "000  \ndone 7468722065650a27 skipped 0  \n");
	assert_int_equal(framework_live(&b, &st, live_cb, &l), 0);
	assert_int_equal(l.nr, 3);
	assert_int_equal(l.k[1], 0);
	assert_int_equal(l.o[1], OFFLOAD_ATTEMPT_PASSED);
	assert_true(l.secs[1] == 1000e-6);
	assert_int_equal(l.k[2], 1);
	assert_int_equal(l.o[2], OFFLOAD_ATTEMPT_SKIPPED);

	/* remote: the file here is not the batch's */
	l.nr = 0;
	memset(&st, 0, sizeof(st));
	f->sb.fetch_dir = f->tmp;
	assert_int_equal(framework_live(&b, &st, live_cb, &l), 0);
	f->sb.fetch_dir = NULL;
	assert_int_equal(l.nr, 0);

	/* a framework without the op reports nothing */
	f->cfg.framework = &framework_exec;
	assert_int_equal(framework_live(&b, &st, live_cb, &l), 0);
	assert_int_equal(l.nr, 0);
}

/* gtest's list: suites, typed and parameterised tests, comments and
 * gtest_main's banner; the group's filters as a --gtest_filter. */
static void test_gtest_parse_list(void **state)
{
	static const char list[] =
		"Running main() from ./googletest/src/gtest_main.cc\n"
		"Math.\n"
		"  Adds\n"
		"  DISABLED_Off\n"
		"Typed/0.  # TypeParam = int\n"
		"  Zero\n"
		"Nums/Param.\n"
		"  Positive/0  # GetParam() = 1\n"
		"  Positive/1  # GetParam() = \"a b\"\n";
	struct offload_group g = { (char *)"g", 0, (char *)"", 0 };
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	assert_int_equal(gtest_parse_list("dir with space/t", list, &g, &ids, &err), 0);
	assert_int_equal(ids.nr, 5);
	assert_string_equal(ids.v[0], "dir with space/t:Math.Adds");
	assert_string_equal(ids.v[1], "dir with space/t:Math.DISABLED_Off");
	assert_string_equal(ids.v[2], "dir with space/t:Typed/0.Zero");
	assert_string_equal(ids.v[3], "dir with space/t:Nums/Param.Positive/0");
	assert_string_equal(ids.v[4], "dir with space/t:Nums/Param.Positive/1");
	strvec_clear(&ids);
	g.filters = (char *)"*Positive*:Math.*-*/1:*DISABLED*";
	assert_int_equal(gtest_parse_list("t", list, &g, &ids, &err), 0);
	assert_int_equal(ids.nr, 2);
	assert_string_equal(ids.v[0], "t:Math.Adds");
	assert_string_equal(ids.v[1], "t:Nums/Param.Positive/0");
	strvec_clear(&ids);
}

/* cargo's list, stdout and stderr together: each test under its target;
 * doc tests' names keep their spaces and parentheses. */
static void test_cargo_parse_list(void **state)
{
	static const char list[] =
		"   Compiling demo v0.1.0 (/tmp/demo)\n"
		"     Running unittests src/lib.rs (target/debug/deps/demo-83)\n"
		"tests::adds: test\n"
		"tests::bench_x: bench\n"
		"     Running unittests src/main.rs (target/debug/deps/my_tool-9a)\n"
		"cli::parses: test\n"
		"     Running tests/it.rs (target/debug/deps/it-a6)\n"
		"integration_ok: test\n"
		"   Doc-tests demo\n"
		"src/lib.rs - add (line 3): test\n"
		"all doctests ran in 0.78s\n";
	struct offload_group g = { (char *)"g", 0, (char *)"", 0 };
	struct offload_error err = { 0, "" };
	struct strvec ids = STRVEC_INIT;

	assert_int_equal(cargo_parse_list(list, &g, &ids, &err), 0);
	assert_int_equal(ids.nr, 4);
	assert_string_equal(ids.v[0], "lib:tests::adds");
	assert_string_equal(ids.v[1], "bin/my_tool:cli::parses");
	assert_string_equal(ids.v[2], "test/it:integration_ok");
	assert_string_equal(ids.v[3], "doc:src/lib.rs - add (line 3)");
	strvec_clear(&ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_gtest_parse_list),
		cmocka_unit_test(test_cargo_parse_list),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_exec_discover),
		T(test_exec_batch),
		T(test_exec_cancel),
		T(test_custom_discover),
		T(test_discover_limits),
		T(test_unmatched_flood),
		T(test_custom_exit_status),
		T(test_custom_result_file),
		T(test_custom_stale_result_file),
		T(test_custom_timeout),
		T(test_discover_groups),
		T(test_pytest_discover),
		T(test_pytest_collect_file),
		T(test_pytest_discover_collect_errors),
		T(test_pytest_batch),
		T(test_pytest_wrong_id),
		T(test_pytest_timeout_keeps_results),
		T(test_pytest_crash_keeps_results),
		T(test_pytest_progress_strict),
		T(test_pytest_live),
#undef T
	};
	char dir[4096], plugin[4200];
	const char *build = getenv("OFFLOAD_BUILD_DIR");

	/* the plugin: from the build tree, else from the sources (the
	 * harness runs tests at the repository root) */
	snprintf(dir, sizeof(dir), "%s/share/offload", build ? build : "");
	snprintf(plugin, sizeof(plugin), "%s/pytest/offload_pytest_plugin.py", dir);
	if (!build || access(plugin, R_OK)) {
		if (!getcwd(dir, sizeof(dir) - 8))
			return 1;
		strcat(dir, "/src");
	}
	setenv("OFFLOAD_DATADIR", dir, 1);
	return cmocka_run_group_tests_name("framework", tests, NULL, NULL);
}
