/* SPDX-License-Identifier: MIT */
/*
 * test-jobserver.c - the GNU make jobserver client (jobserver.c), the
 * make-word codec (quote.c), and how a run shares job slots: a run under
 * a jobserver with no token to spare runs every batch on the caller's own
 * slot (sandbox 0) and never parks a batch on a sandbox without a slot.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "offload.h"
#include "testutil.h"

static void parse(struct offload_makeflags *mf, const char *flags)
{
	assert_int_equal(offload_makeflags_parse(mf, flags), 0);
}

static void test_makeflags(void **state)
{
	struct offload_makeflags mf;

	(void)state;
	parse(&mf, NULL);
	assert_false(mf.dry);
	assert_int_equal(mf.pipe_r, -1);
	assert_null(mf.fifo);
	offload_makeflags_release(&mf);

	parse(&mf, "kn -j4 --jobserver-auth=3,4");
	assert_true(mf.dry);
	assert_int_equal(mf.pipe_r, 3);
	assert_int_equal(mf.pipe_w, 4);
	assert_false(mf.unlimited);
	offload_makeflags_release(&mf);

	/* -q and -t count as dry too; 's' alone does not. */
	parse(&mf, "q");
	assert_true(mf.dry);
	offload_makeflags_release(&mf);
	parse(&mf, "t");
	assert_true(mf.dry);
	offload_makeflags_release(&mf);
	parse(&mf, "s -j2 --jobserver-auth=fifo:/tmp/GMfifo123");
	assert_false(mf.dry);
	assert_string_equal(mf.fifo, "/tmp/GMfifo123");
	assert_int_equal(mf.pipe_r, -1);
	offload_makeflags_release(&mf);

	/* Long options only: no letter word.  A bare -j is no limit. */
	parse(&mf, " -j");
	assert_false(mf.dry);
	assert_true(mf.unlimited);
	offload_makeflags_release(&mf);

	/* make 4.1's spelling. */
	parse(&mf, " -j3 --jobserver-fds=5,6");
	assert_int_equal(mf.pipe_r, 5);
	assert_int_equal(mf.pipe_w, 6);
	offload_makeflags_release(&mf);

	/* Variable overrides after "--" are not flags, whatever they say;
	 * "n" inside a long option is no dry run. */
	parse(&mf, " --no-print-directory -- X=n --jobserver-auth=7,8");
	assert_false(mf.dry);
	assert_int_equal(mf.pipe_r, -1);
	offload_makeflags_release(&mf);

	/* Garbage after the numbers: not a pipe. */
	parse(&mf, " -j2 --jobserver-auth=3,4x");
	assert_int_equal(mf.pipe_r, -1);
	offload_makeflags_release(&mf);
}

/* A make-like pipe jobserver with `tokens` bytes in it. */
static void make_pipe(int fds[2], const char *tokens)
{
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	if (*tokens)
		assert_int_equal(write(fds[1], tokens, strlen(tokens)),
				 (ssize_t)strlen(tokens));
}

static struct offload_jobserver *open_pipe(int r, int w)
{
	struct offload_makeflags mf;
	struct offload_jobserver *js = NULL;
	struct offload_error err = { 0 };
	char flags[64];

	snprintf(flags, sizeof(flags), " -j4 --jobserver-auth=%d,%d", r, w);
	parse(&mf, flags);
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), 0);
	offload_makeflags_release(&mf);
	return js;
}

static void test_tokens_exact(void **state)
{
	struct offload_error err = { 0 };
	struct offload_jobserver *js;
	int fds[2], cancel[2];
	char back[8];

	(void)state;
	make_pipe(fds, "ab");
	assert_int_equal(pipe2(cancel, O_CLOEXEC), 0);
	js = open_pipe(fds[0], fds[1]);
	assert_int_equal(offload_jobserver_acquire(js, cancel[0]), 1);
	assert_int_equal(offload_jobserver_acquire(js, cancel[0]), 1);
	assert_int_equal(offload_jobserver_held(js), 2);
	/* None left: a cancel ends the wait. */
	assert_int_equal(write(cancel[1], "x", 1), 1);
	assert_int_equal(offload_jobserver_acquire(js, cancel[0]), 0);
	/* Close gives back exactly the bytes taken. */
	assert_int_equal(offload_jobserver_close(js, &err), 0);
	assert_int_equal(read(fds[0], back, sizeof(back)), 2);
	back[2] = '\0';
	assert_true(!strcmp(back, "ab") || !strcmp(back, "ba"));
	/* make's descriptors stay open and blocking. */
	assert_true(fcntl(fds[0], F_GETFD) >= 0);
	assert_false(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
	close(fds[0]);
	close(fds[1]);
	close(cancel[0]);
	close(cancel[1]);
}

static void test_not_a_jobserver(void **state)
{
	struct offload_makeflags mf;
	struct offload_jobserver *js = NULL;
	struct offload_error err = { 0 };
	int a[2], b[2], fd;
	char flags[96];

	(void)state;
	/* Two ends of two different pipes. */
	make_pipe(a, "");
	make_pipe(b, "");
	snprintf(flags, sizeof(flags), " -j4 --jobserver-auth=%d,%d", a[0], b[1]);
	parse(&mf, flags);
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), OFFLOAD_EUSAGE);
	assert_null(js);
	assert_non_null(strstr(err.msg, "not make's jobserver"));
	offload_makeflags_release(&mf);

	/* The ends the wrong way round. */
	snprintf(flags, sizeof(flags), " -j4 --jobserver-auth=%d,%d", a[1], a[0]);
	parse(&mf, flags);
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), OFFLOAD_EUSAGE);
	offload_makeflags_release(&mf);

	/* A regular file, and a closed descriptor. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	snprintf(flags, sizeof(flags), " -j4 --jobserver-auth=%d,%d", fd, fd);
	parse(&mf, flags);
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), OFFLOAD_EUSAGE);
	offload_makeflags_release(&mf);
	close(fd);
	snprintf(flags, sizeof(flags), " -j4 --jobserver-auth=%d,%d", fd, fd);
	parse(&mf, flags);
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), OFFLOAD_EUSAGE);
	offload_makeflags_release(&mf);

	/* A fifo path that is no fifo; no jobserver at all. */
	parse(&mf, " -j2 --jobserver-auth=fifo:/dev/null");
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), OFFLOAD_EUSAGE);
	offload_makeflags_release(&mf);
	parse(&mf, " -j2");
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), OFFLOAD_EUSAGE);
	offload_makeflags_release(&mf);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void test_fifo(void **state)
{
	char dir[] = "/tmp/offload-js.XXXXXX", path[64], flags[96], c;
	struct offload_makeflags mf;
	struct offload_jobserver *js = NULL;
	struct offload_error err = { 0 };
	int keep;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* make holds both ends open for the whole run. */
	keep = open(path, O_RDWR | O_CLOEXEC);
	assert_true(keep >= 0);
	assert_int_equal(write(keep, "+", 1), 1);
	snprintf(flags, sizeof(flags), "-j2 --jobserver-auth=fifo:%s", path);
	parse(&mf, flags);
	assert_int_equal(offload_jobserver_open(&js, &mf, &err), 0);
	offload_makeflags_release(&mf);
	assert_int_equal(offload_jobserver_acquire(js, -1), 1);
	assert_int_equal(offload_jobserver_release(js), 0);
	assert_int_equal(offload_jobserver_held(js), 0);
	assert_int_equal(offload_jobserver_release(js), OFFLOAD_EUSAGE);
	assert_int_equal(offload_jobserver_close(js, &err), 0);
	assert_int_equal(read(keep, &c, 1), 1);
	assert_int_equal(c, '+');
	close(keep);
	unlink(path);
	rmdir(dir);
}

/* A token that cannot go back is not dropped silently. */
static void test_lost_token_is_said(void **state)
{
	struct offload_error err = { 0 };
	struct offload_jobserver *js;
	struct sigaction sa = { .sa_handler = SIG_IGN }, old;
	int fds[2];

	(void)state;
	make_pipe(fds, "+");
	js = open_pipe(fds[0], fds[1]);
	assert_int_equal(offload_jobserver_acquire(js, -1), 1);
	/* make's write end is gone (our own read end keeps the pipe). */
	close(fds[1]);
	sigaction(SIGPIPE, &sa, &old);
	assert_true(offload_jobserver_release(js) < 0);
	assert_true(offload_jobserver_close(js, &err) < 0);
	sigaction(SIGPIPE, &old, NULL);
	assert_non_null(strstr(err.msg, "1 jobserver token could not be given back"));
	close(fds[0]);
}

/* Every writer gone (make exited): the wait ends. */
static void test_make_gone(void **state)
{
	struct offload_error err = { 0 };
	struct offload_jobserver *js;
	int fds[2];

	(void)state;
	make_pipe(fds, "");
	js = open_pipe(fds[0], fds[1]);
	close(fds[1]);
	assert_int_equal(offload_jobserver_acquire(js, -1), -EPIPE);
	assert_int_equal(offload_jobserver_close(js, &err), 0);
	close(fds[0]);
}

static void test_make_words(void **state)
{
	static const char *const ids[] = {
		"tests/t1", "test_x.py::test_a[1-2]", "my test$", "a@b",
		"\n\t'\"$(x);`", "\xff\xfe caf\xc3\xa9", "-dash", "",
	};
	static const char *const bad[] = { "a@", "a@4", "@0G", "@00", "x@zz" };
	char *w, *back;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		w = offload_make_encode(ids[i]);
		assert_non_null(w);
		for (const char *p = w; *p; p++)
			assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "abcdefghijklmnopqrstuvwxyz"
					       "0123456789._/+-@", *p));
		assert_int_equal(offload_make_decode(w, strlen(w), &back), 0);
		assert_string_equal(back, ids[i]);
		free(w);
		free(back);
	}
	w = offload_make_encode("my test$");
	assert_string_equal(w, "my@20test@24");
	free(w);
	assert_int_equal(offload_make_decode("a@3a", 4, &back), 0);
	assert_string_equal(back, "a:");
	free(back);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(offload_make_decode(bad[i], strlen(bad[i]), &back),
				 OFFLOAD_EPARSE);
		assert_null(back);
	}
}

/*
 * The run side: four sandboxes, no token to spare.  Every batch must run
 * on sandbox 0, on the caller's own slot.  (Before, sandboxes 1-3 each
 * took a batch off the queue and then waited for a token that never
 * came, while the slot of sandbox 0 sat idle: this run never ended.)
 */
static void test_run_without_tokens(void **state)
{
	char dir[] = "/tmp/offload-jsrun.XXXXXX", path[128];
	struct offload_run_options ro = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_config *cfg;
	struct offload_report rep = { 0 };
	struct offload_error err = { 0 };
	struct offload_run *run = NULL;
	struct offload_jobserver *js;
	FILE *f;
	int fds[2];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tests", dir);
	assert_int_equal(mkdir(path, 0777), 0);
	for (int i = 1; i <= 6; i++) {
		snprintf(path, sizeof(path), "%s/tests/t%d", dir, i);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("#!/bin/sh\nexit 0\n", f);
		fclose(f);
		assert_int_equal(chmod(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/offload.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[offload]\nmax_parallel = 4\n[framework]\ntype = exec\n"
	      "paths = tests/*\n[group.all]\nschedule_individual = true\n", f);
	fclose(f);
	assert_int_equal(offload_config_load(&cfg, path, &err), 0);

	make_pipe(fds, "");
	js = open_pipe(fds[0], fds[1]);
	ro.jobserver = js;
	assert_int_equal(offload_run_new(&run, cfg, &ro, &err), 0);
	assert_int_equal(offload_run_execute(run, &rep, &err), 0);
	assert_int_equal(rep.passed, 6);
	for (size_t i = 0; i < rep.nr; i++) {
		assert_int_equal(rep.results[i].attempts_nr, 1);
		assert_int_equal(rep.results[i].attempts[0].sandbox, 0);
	}
	assert_int_equal(offload_jobserver_held(js), 0);
	offload_report_release(&rep);
	offload_run_free(run);
	assert_int_equal(offload_jobserver_close(js, &err), 0);

	/* One token: sandboxes 0 and one other share the work, and the
	 * token is back in the pipe at the end. */
	assert_int_equal(write(fds[1], "+", 1), 1);
	js = open_pipe(fds[0], fds[1]);
	ro.jobserver = js;
	assert_int_equal(offload_run_new(&run, cfg, &ro, &err), 0);
	assert_int_equal(offload_run_execute(run, &rep, &err), 0);
	assert_int_equal(rep.passed, 6);
	offload_report_release(&rep);
	offload_run_free(run);
	assert_int_equal(offload_jobserver_close(js, &err), 0);
	{
		char c;

		assert_int_equal(read(fds[0], &c, 1), 1);
		assert_int_equal(c, '+');
	}
	close(fds[0]);
	close(fds[1]);
	offload_config_free(cfg);
	remove_scratch(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_makeflags),
		cmocka_unit_test(test_tokens_exact),
		cmocka_unit_test(test_not_a_jobserver),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_lost_token_is_said),
		cmocka_unit_test(test_make_gone),
		cmocka_unit_test(test_make_words),
		cmocka_unit_test(test_run_without_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
