/* SPDX-License-Identifier: MIT */
/*
 * test-spawn.c - spawn.c against the real fake-test helper: exit codes,
 * signals, exec failures, cwd/env/stdin, timeouts and cancellation that
 * kill the whole process group, output floods, threads, and descendants
 * that left the group (setpgid, setsid, double fork) or outlived the
 * caller: none survives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "spawn.h"

#define MiB (1024 * 1024)

static char fake[4096];      /* the helper's path */
static char scratch[4096];   /* a private directory, with a space in it */

static void setup_paths(void)
{
	const char *b = getenv("OFFLOAD_BUILD_DIR");

	snprintf(fake, sizeof(fake), "%s/tests/helpers/fake-test", b ? b : "build");
	if (access(fake, X_OK)) {
		fprintf(stderr, "test-spawn: no helper at '%s' (set OFFLOAD_BUILD_DIR)\n",
			fake);
		exit(1);
	}
	snprintf(scratch, sizeof(scratch), "/tmp/test spawn.XXXXXX");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		exit(1);
	}
}

static void cleanup_paths(void)
{
	/* Only files this test made: pid files, fifos, state files. */
	DIR *d = opendir(scratch);
	struct dirent *de;
	char path[8192];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", scratch, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(scratch);
}

static char *scratch_path(const char *name)
{
	static _Thread_local char p[4096 + 64];

	snprintf(p, sizeof(p), "%s/%s", scratch, name);
	return p;
}

static int run_req(struct spawn_req *req, struct spawn_res *res,
		   struct offload_error *err)
{
	if (!req->cap)
		req->cap = 1 * MiB;
	return spawn_run(req, res, err);
}

/* Run fake-test with the given actions (NULL-terminated). */
static int run_fake(struct spawn_res *res, struct offload_error *err, ...)
{
	char *argv[32] = { fake };
	struct spawn_req req = { .argv = argv, .cancel_fd = -1 };
	va_list ap;
	int n = 1;

	va_start(ap, err);
	while ((argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	return run_req(&req, res, err);
}

/* The kept text of a capture buffer, as a NUL-terminated string. */
static char *text(const struct capbuf *cb)
{
	struct buf b = BUF_INIT;

	assert_int_equal(capbuf_render(cb, &b), 0);
	return buf_detach(&b);
}

static void assert_text(const struct capbuf *cb, const char *want)
{
	char *s = text(cb);

	assert_string_equal(s, want);
	free(s);
}

/*
 * Descriptors open in this process.  Call it after a spawn in this thread:
 * a thread's keeper keeps one socket open from its first spawn on.
 */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static long read_pid(const char *file)
{
	FILE *f = fopen(file, "r");
	long pid = -1;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	return pid;
}

/*
 * Is `pid` dead?  A killed orphan is reaped by init, not by us, so it may
 * linger a moment as a zombie or not yet be scheduled to die: wait (bounded)
 * until /proc says it is gone or a zombie.
 */
static int pid_is_dead(long pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (int i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		FILE *f = fopen(path, "r");
		char *p = NULL;

		if (!f)
			return 1;
		if (fgets(buf, sizeof(buf), f))
			p = strrchr(buf, ')');
		fclose(f);
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * Is `pid` gone already?  The keeper reaps every descendant before
 * spawn_run returns, so there is nothing to wait for.  A survivor is
 * killed, so that a failing check leaves nothing behind.
 */
static int pid_gone_now(long pid)
{
	if (kill((pid_t)pid, 0) && errno == ESRCH)
		return 1;
	kill((pid_t)pid, SIGKILL);
	return 0;
}

static void test_exit_codes(void **state)
{
	struct offload_error err = { 0 };
	struct spawn_res res;
	int fds;

	assert_int_equal(run_fake(&res, &err, "pass", NULL), 0);
	spawn_res_release(&res);
	fds = count_fds();
	assert_int_equal(run_fake(&res, &err, "pass", NULL), 0);
	assert_int_equal(res.state, SPAWN_EXITED);
	assert_int_equal(res.status, 0);
	assert_true(res.secs >= 0 && res.secs < 30);
	spawn_res_release(&res);

	assert_int_equal(run_fake(&res, &err, "fail", NULL), 0);
	assert_int_equal(res.state, SPAWN_EXITED);
	assert_int_equal(res.status, 1);
	assert_text(&res.err, "assertion failed\n");
	assert_text(&res.out, "");
	spawn_res_release(&res);

	assert_int_equal(run_fake(&res, &err, "exit", "42", NULL), 0);
	assert_int_equal(res.status, 42);
	spawn_res_release(&res);

	assert_int_equal(run_fake(&res, &err, "skip", NULL), 0);
	assert_int_equal(res.status, 77);
	spawn_res_release(&res);

	/* stdout and stderr are kept apart, in order */
	assert_int_equal(run_fake(&res, &err, "echo", "one", "echo-err", "two",
				  "echo", "three", NULL), 0);
	assert_text(&res.out, "one\nthree\n");
	assert_text(&res.err, "two\n");
	spawn_res_release(&res);

	assert_int_equal(count_fds(), fds);	/* nothing leaked */
}

static void test_signal(void **state)
{
	struct offload_error err = { 0 };
	struct spawn_res res;

	assert_int_equal(run_fake(&res, &err, "crash", NULL), 0);
	assert_int_equal(res.state, SPAWN_SIGNALED);
	assert_int_equal(res.status, SIGSEGV);
	spawn_res_release(&res);
}

static void test_exec_failure(void **state)
{
	char *argv1[] = { "/nonexistent/prog", NULL };
	char *argv2[] = { "offload-no-such-program", NULL };
	char *envp[] = { "PATH=/nonexistent:/also-missing", NULL };
	struct spawn_req req = { .argv = argv1, .cancel_fd = -1 };
	struct offload_error err = { 0 };
	struct spawn_res res;
	int fds;

	assert_int_equal(run_fake(&res, &err, "pass", NULL), 0);
	spawn_res_release(&res);
	fds = count_fds();
	assert_int_equal(run_req(&req, &res, &err), OFFLOAD_ESPAWN);
	assert_int_equal(err.code, OFFLOAD_ESPAWN);
	assert_string_equal(err.msg,
		"cannot run '/nonexistent/prog': No such file or directory");
	spawn_res_release(&res);

	/* looked up in our PATH */
	req.argv = argv2;
	assert_int_equal(run_req(&req, &res, &err), OFFLOAD_ESPAWN);
	assert_non_null(strstr(err.msg, "'offload-no-such-program'"));
	spawn_res_release(&res);

	/* looked up in the child's PATH */
	req.envp = envp;
	assert_int_equal(run_req(&req, &res, &err), OFFLOAD_ESPAWN);
	assert_string_equal(err.msg,
		"cannot run 'offload-no-such-program': No such file or directory");
	spawn_res_release(&res);

	/* a directory that does not exist */
	req.argv = (char *[]){ fake, "pass", NULL };
	req.envp = NULL;
	req.cwd = "/nonexistent-dir";
	assert_int_equal(run_req(&req, &res, &err), OFFLOAD_ESPAWN);
	assert_non_null(strstr(err.msg, "'/nonexistent-dir'"));
	spawn_res_release(&res);

	assert_int_equal(count_fds(), fds);
}

static void test_child_path(void **state)
{
	char dir[4096], path[4200], *slash;
	char *envp[] = { path, NULL };
	struct spawn_req req = { .argv = (char *[]){ "fake-test", "echo", "found", NULL },
				 .envp = envp, .cancel_fd = -1 };
	struct offload_error err = { 0 };
	struct spawn_res res;

	snprintf(dir, sizeof(dir), "%s", fake);
	slash = strrchr(dir, '/');
	*slash = '\0';
	/* The child's PATH decides, not ours: ours does not list the helpers. */
	snprintf(path, sizeof(path), "PATH=/nonexistent::%s", dir);
	assert_int_equal(run_req(&req, &res, &err), 0);
	assert_int_equal(res.status, 0);
	assert_text(&res.out, "found\n");
	spawn_res_release(&res);
}

static void test_cwd_env(void **state)
{
	char *envp[] = { "FOO=bar baz $HOME;`x`", "EMPTY=", NULL };
	struct spawn_req req = {
		.argv = (char *[]){ fake, "pwd", "env", "FOO", "env", "EMPTY",
				    "env", "HOME", NULL },
		.envp = envp, .cwd = scratch, .cancel_fd = -1,
	};
	struct offload_error err = { 0 };
	struct spawn_res res;
	char want[8192];

	assert_int_equal(run_req(&req, &res, &err), 0);
	snprintf(want, sizeof(want), "%s\nbar baz $HOME;`x`\n\n(unset)\n", scratch);
	assert_text(&res.out, want);
	spawn_res_release(&res);

	/* without envp the child gets ours */
	setenv("OFFLOAD_TEST_SPAWN_VAR", "inherited", 1);
	req.envp = NULL;
	req.cwd = NULL;
	req.argv = (char *[]){ fake, "env", "OFFLOAD_TEST_SPAWN_VAR", NULL };
	assert_int_equal(run_req(&req, &res, &err), 0);
	assert_text(&res.out, "inherited\n");
	spawn_res_release(&res);
	unsetenv("OFFLOAD_TEST_SPAWN_VAR");
}

static void test_stdin_is_devnull(void **state)
{
	struct spawn_req req = { .argv = (char *[]){ fake, "read-stdin", NULL },
				 .cancel_fd = -1, .timeout_secs = 20 };
	struct offload_error err = { 0 };
	struct spawn_res res;
	int p[2], saved;

	/*
	 * Our stdin is a pipe with data that never reaches EOF: a child
	 * that inherited it would print the data's size or time out.
	 */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "data", 4), 4);
	saved = dup(0);
	assert_int_equal(dup2(p[0], 0), 0);
	assert_int_equal(run_req(&req, &res, &err), 0);
	dup2(saved, 0);
	close(saved);
	close(p[0]);
	close(p[1]);
	assert_int_equal(res.state, SPAWN_EXITED);
	assert_text(&res.out, "stdin: 0 bytes\n");
	spawn_res_release(&res);
}

/*
 * Arguments and environment far larger than a socket buffer reach the
 * test whole (they travel to the keeper in pieces).
 */
static void test_big_env(void **state)
{
	enum { VARS = 6, LEN = 100 * 1000 };	/* one string: < 128 KiB */
	char *envp[VARS + 1], *arg, *want, *got;
	char *argv[] = { fake, "env", "V5", "echo", NULL, NULL };
	struct spawn_req req = { .argv = argv, .envp = envp, .cancel_fd = -1 };
	struct offload_error err = { 0 };
	struct spawn_res res;

	for (int i = 0; i < VARS; i++) {
		envp[i] = malloc(LEN + 4);
		assert_non_null(envp[i]);
		snprintf(envp[i], 4, "V%d=", i);
		memset(envp[i] + 3, 'a' + i, LEN);
		envp[i][LEN + 3] = '\0';
	}
	envp[VARS] = NULL;
	arg = malloc(LEN + 1);
	assert_non_null(arg);
	memset(arg, 'z', LEN);
	arg[LEN] = '\0';
	argv[4] = arg;
	want = malloc(2 * LEN + 3);
	assert_non_null(want);
	snprintf(want, 2 * LEN + 3, "%s\n%s\n", envp[5] + 3, arg);

	assert_int_equal(run_req(&req, &res, &err), 0);
	assert_int_equal(res.state, SPAWN_EXITED);
	assert_int_equal(res.status, 0);
	got = text(&res.out);
	assert_true(!strcmp(got, want));
	free(got);
	spawn_res_release(&res);
	for (int i = 0; i < VARS; i++)
		free(envp[i]);
	free(arg);
	free(want);
}

/* A descriptor we leaked without O_CLOEXEC (as GNU make leaves its
 * jobserver pipe) must not reach the test. */
static void test_no_inherited_fds(void **state)
{
	char script[128];
	struct spawn_req req = { .argv = (char *[]){ "/bin/sh", "-c", script, NULL },
				 .cancel_fd = -1, .timeout_secs = 20 };
	struct offload_error err = { 0 };
	struct spawn_res res;
	int p[2];

	assert_int_equal(pipe(p), 0);	/* deliberately without O_CLOEXEC */
	snprintf(script, sizeof(script),
		 "if [ -e /proc/$$/fd/%d ] || [ -e /proc/$$/fd/%d ]; then echo leaked; else echo closed; fi",
		 p[0], p[1]);
	assert_int_equal(run_req(&req, &res, &err), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(res.state, SPAWN_EXITED);
	assert_text(&res.out, "closed\n");
	spawn_res_release(&res);
}

static void test_own_process_group(void **state)
{
	struct offload_error err = { 0 };
	struct spawn_res res;
	long pid, pgid, sid;
	char *out;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_sa;
	sigset_t set, old;

	/*
	 * Children must not inherit a blocked or ignored SIGTERM (make blocks
	 * SIGCHLD, our workers block TERM, a shell may ignore it).
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	sigaction(SIGTERM, &ign, &old_sa);
	assert_int_equal(run_fake(&res, &err, "pid", NULL), 0);
	out = text(&res.out);
	assert_int_equal(sscanf(out, "pid %ld pgid %ld session %ld", &pid, &pgid,
				&sid), 3);
	assert_int_equal(pid, pgid);
	assert_int_not_equal(pgid, getpgrp());
	free(out);
	spawn_res_release(&res);

	struct spawn_req req = { .argv = (char *[]){ fake, "hang", NULL },
				 .cancel_fd = -1, .timeout_secs = 0.3 };
	assert_int_equal(run_req(&req, &res, &err), 0);
	assert_int_equal(res.state, SPAWN_TIMEDOUT);
	assert_int_equal(res.status, SIGTERM);	/* TERM was not blocked */
	spawn_res_release(&res);
	sigaction(SIGTERM, &old_sa, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void test_timeout(void **state)
{
	struct spawn_req req = {
		.argv = (char *[]){ fake, "pid", "hang", NULL },
		.cancel_fd = -1, .timeout_secs = 0.3, .grace_ms = 200,
	};
	struct offload_error err = { 0 };
	struct spawn_res res;
	long pid, pgid, sid;
	char *out;

	assert_int_equal(run_req(&req, &res, &err), 0);
	assert_int_equal(res.state, SPAWN_TIMEDOUT);
	assert_int_equal(res.status, SIGTERM);
	assert_true(res.secs >= 0.3);
	assert_true(res.secs < 0.3 + 0.2 + 10);
	out = text(&res.out);
	assert_int_equal(sscanf(out, "pid %ld pgid %ld session %ld", &pid, &pgid,
				&sid), 3);
	free(out);
	spawn_res_release(&res);
	/* reaped, and nothing is left in its group */
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(kill(-(pid_t)pgid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void test_timeout_kills_group(void **state)
{
	const char *pidfile = scratch_path("timeout.pid");
	struct spawn_req req = {
		.argv = (char *[]){ fake, "spawn-grandchild", (char *)pidfile,
				    "hang", NULL },
		.cancel_fd = -1, .timeout_secs = 0.3,
	};
	struct offload_error err = { 0 };
	struct spawn_res res;

	assert_int_equal(run_req(&req, &res, &err), 0);
	assert_int_equal(res.state, SPAWN_TIMEDOUT);
	spawn_res_release(&res);
	assert_true(pid_is_dead(read_pid(pidfile)));
}

/* Write to `fd` once the child opened the fifo: it has done its setup. */
struct canceler {
	const char *fifo;
	int fd;
	double at;
};

static void *cancel_when_ready(void *arg)
{
	struct canceler *c = arg;
	char buf[16];
	int fd = open(c->fifo, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	c->at = now_secs();
	assert_int_equal(write(c->fd, "x", 1), 1);
	return NULL;
}

static void run_canceled(const char *setup, int grace_ms, struct spawn_res *res,
			 double *after_cancel)
{
	char fifo[8192];
	struct canceler c = { .fifo = fifo };
	/* fake-test [SETUP] ready FIFO hang */
	char *argv[] = { fake, (char *)setup, "ready", fifo, "hang", NULL };
	struct spawn_req req = { .argv = argv, .grace_ms = grace_ms,
				 .timeout_secs = 60 };
	struct offload_error err = { 0 };
	pthread_t t;
	int p[2];

	snprintf(fifo, sizeof(fifo), "%s/fifo", scratch);
	if (!setup[0]) {	/* no setup action */
		argv[1] = fake;
		req.argv = argv + 1;
	}
	assert_int_equal(mkfifo(c.fifo, 0600), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c.fd = p[1];
	req.cancel_fd = p[0];
	assert_int_equal(pthread_create(&t, NULL, cancel_when_ready, &c), 0);
	assert_int_equal(run_req(&req, res, &err), 0);
	*after_cancel = now_secs();
	pthread_join(t, NULL);
	*after_cancel -= c.at;
	close(p[0]);
	close(p[1]);
	unlink(c.fifo);
}

static void test_cancel(void **state)
{
	struct spawn_res res;
	double secs;

	run_canceled("", 5000, &res, &secs);
	assert_int_equal(res.state, SPAWN_CANCELED);
	assert_int_equal(res.status, SIGTERM);
	assert_true(secs < 5.0);	/* TERM was enough: no grace wait */
	spawn_res_release(&res);
}

static void test_ignore_term_gets_killed(void **state)
{
	struct spawn_res res;
	double secs;

	run_canceled("ignore-term", 300, &res, &secs);
	assert_int_equal(res.state, SPAWN_CANCELED);
	assert_int_equal(res.status, SIGKILL);
	assert_true(secs >= 0.3);
	assert_true(secs < 0.3 + 10);
	spawn_res_release(&res);
}

static void test_canceled_before_start(void **state)
{
	const char *statefile = scratch_path("never-created");
	struct spawn_req req = {
		.argv = (char *[]){ fake, "flaky", (char *)statefile, NULL },
	};
	struct offload_error err = { 0 };
	struct spawn_res res;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	req.cancel_fd = p[0];
	assert_int_equal(run_req(&req, &res, &err), 0);
	assert_int_equal(res.state, SPAWN_CANCELED);
	assert_int_equal(access(statefile, F_OK), -1);
	spawn_res_release(&res);
	close(p[0]);
	close(p[1]);
}

static void test_flood(void **state)
{
	const size_t cap = 64 * 1024;
	const unsigned long long total = 100ULL * MiB;
	struct spawn_req req = { .argv = (char *[]){ fake, "flood", "100", NULL },
				 .cancel_fd = -1, .cap = cap, .timeout_secs = 120 };
	struct offload_error err = { 0 };
	struct spawn_res res;
	char *s, marker[128];
	size_t len;

	assert_int_equal(spawn_run(&req, &res, &err), 0);
	assert_int_equal(res.state, SPAWN_EXITED);
	assert_int_equal(res.status, 0);
	assert_true(res.out.total == total);
	/* what is kept is bounded by the cap: head and tail */
	assert_int_equal(res.out.head.len, cap / 2);
	assert_true(res.out.head.alloc <= cap);
	assert_int_equal(res.out.ring_len, cap - cap / 2);
	assert_true(capbuf_dropped(&res.out) == total - cap);
	s = text(&res.out);
	len = strlen(s);
	assert_memory_equal(s, "flood-begin\n", 12);
	assert_string_equal(s + len - 11, "\nflood-end\n");
	snprintf(marker, sizeof(marker), "[offload: %llu bytes of output omitted]",
		 total - cap);
	assert_non_null(strstr(s, marker));
	free(s);
	spawn_res_release(&res);
}

static void test_grandchild_killed(void **state)
{
	const char *pidfile = scratch_path("grandchild.pid");
	struct offload_error err = { 0 };
	struct spawn_res res;
	long pid;

	assert_int_equal(run_fake(&res, &err, "spawn-grandchild", pidfile,
				  "echo", "parent done", NULL), 0);
	assert_int_equal(res.state, SPAWN_EXITED);
	assert_int_equal(res.status, 0);
	assert_text(&res.out, "parent done\n");
	spawn_res_release(&res);
	pid = read_pid(pidfile);
	assert_true(pid > 1);
	assert_true(pid_is_dead(pid));
}

/*
 * Descendants that left the test's process group, by each way out: a new
 * group, a new session holding the test's stdout (the call must not wait
 * for its end of the pipe either), a classic daemon (setsid, fork, the
 * middle process exits).  All are killed and reaped before the call
 * returns, after a normal exit as after a timeout.
 */
static void run_escaper(const char *how, int timeout)
{
	const char *pidfile = scratch_path("escaper.pid");
	struct spawn_req req = {
		.argv = (char *[]){ fake, (char *)how, (char *)pidfile, "echo",
				    "done", timeout ? "hang" : "pass", NULL },
		.cancel_fd = -1, .timeout_secs = timeout ? 0.3 : 60,
	};
	struct offload_error err = { 0 };
	struct spawn_res res;
	long pid;

	unlink(pidfile);
	assert_int_equal(run_req(&req, &res, &err), 0);
	pid = read_pid(pidfile);
	assert_true(pid > 1);
	if (!pid_gone_now(pid))
		fail_msg("'%s' grandchild %ld outlived the test", how, pid);
	assert_int_equal(res.state, timeout ? SPAWN_TIMEDOUT : SPAWN_EXITED);
	assert_int_equal(res.status, timeout ? SIGTERM : 0);
	assert_text(&res.out, "done\n");
	spawn_res_release(&res);
}

static void test_setpgid_grandchild_killed(void **state)
{
	run_escaper("setpgid-child", 0);
	run_escaper("setpgid-child", 1);
}

static void test_setsid_grandchild_killed(void **state)
{
	run_escaper("daemon", 0);
	run_escaper("daemon", 1);
}

static void test_double_fork_daemon_killed(void **state)
{
	run_escaper("double-fork", 0);
	run_escaper("double-fork", 1);
}

/*
 * The caller dies (even of SIGKILL) while a test runs: the test and what
 * it started die too, instead of running on unowned.  The caller here is
 * a forked copy of this program, killed once the test is ready.
 */
/* The parent of `pid`, from /proc/PID/stat ("pid (comm) state ppid"). */
static long parent_of(long pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	long ppid = -1;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	assert_non_null(p);
	assert_int_equal(sscanf(p + 2, "%*c %ld", &ppid), 1);
	return ppid;
}

static void test_caller_death_kills_test(void **state)
{
	char fifo[8192], buf[16];
	const char *pidfile = scratch_path("orphan.pid");
	pid_t caller;
	long gc, test;
	int fd, status, dead;

	snprintf(fifo, sizeof(fifo), "%s/caller-fifo", scratch);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	caller = fork();
	assert_true(caller >= 0);
	if (!caller) {
		struct offload_error err = { 0 };
		struct spawn_res res;

		run_fake(&res, &err, "setpgid-child", pidfile, "ready", fifo,
			 "hang", NULL);
		_exit(1);	/* not reached: killed while the test hangs */
	}
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	unlink(fifo);
	gc = read_pid(pidfile);
	test = parent_of(gc);	/* the test is still running */
	assert_int_equal(kill(caller, SIGKILL), 0);
	assert_int_equal(waitpid(caller, &status, 0), caller);
	/* Killed by the keeper and reaped by it or by init: bounded poll. */
	dead = pid_is_dead(test);
	dead += pid_is_dead(gc);
	if (dead != 2) {
		kill((pid_t)test, SIGKILL);
		kill((pid_t)gc, SIGKILL);
		fail_msg("test %ld or its child %ld outlived the caller", test, gc);
	}
}

/* The pid of the calling thread's keeper: the parent of what it runs. */
static long keeper_pid(void)
{
	struct spawn_req req = { .argv = (char *[]){ "/bin/sh", "-c", "echo $PPID", NULL },
				 .cancel_fd = -1 };
	struct offload_error err = { 0 };
	struct spawn_res res;
	long pid = -1;
	char *out;

	assert_int_equal(run_req(&req, &res, &err), 0);
	out = text(&res.out);
	assert_int_equal(sscanf(out, "%ld", &pid), 1);
	free(out);
	spawn_res_release(&res);
	return pid;
}

/*
 * A thread's keeper serves all its spawns; one killed from outside is
 * replaced at the next spawn, and the test that was running when it died
 * is reported killed by its signal (it is out of reach: see design.md).
 */
static void test_keeper_killed(void **state)
{
	struct spawn_req req = {
		.argv = (char *[]){ "/bin/sh", "-c", "echo $$; kill -9 $PPID; exec \"$0\" hang",
				    fake, NULL },
		.cancel_fd = -1, .timeout_secs = 60,
	};
	struct offload_error err = { 0 };
	struct spawn_res res;
	long k1 = keeper_pid(), k2, orphan = -1;
	siginfo_t si;
	char *out;

	assert_int_equal(keeper_pid(), k1);	/* reused */
	assert_int_equal(kill((pid_t)k1, SIGKILL), 0);
	/* Dead (our child, a zombie until spawn.c reaps it), not dying: a
	 * run sent to a dying keeper would end as the next case does. */
	assert_int_equal(waitid(P_PID, (id_t)k1, &si, WEXITED | WNOWAIT), 0);
	k2 = keeper_pid();			/* replaced */
	assert_int_not_equal(k2, k1);

	assert_int_equal(run_req(&req, &res, &err), 0);
	out = text(&res.out);
	assert_int_equal(sscanf(out, "%ld", &orphan), 1);
	free(out);
	kill((pid_t)orphan, SIGKILL);
	assert_int_equal(res.state, SPAWN_SIGNALED);
	assert_int_equal(res.status, SIGKILL);
	spawn_res_release(&res);
	assert_int_not_equal(keeper_pid(), k2);
}

/*
 * A failed exec is reported as such, not as a test that exited 127 (the
 * keeper passes posix_spawn's error back).  A file that is executable but
 * not a program passes the checks made before spawning.
 */
static void test_exec_format_error(void **state)
{
	const char *bad = scratch_path("not-a-program");
	struct spawn_req req = { .argv = (char *[]){ (char *)bad, NULL },
				 .cancel_fd = -1 };
	struct offload_error err = { 0 };
	struct spawn_res res;
	const char *preload = getenv("LD_PRELOAD");
	char want[16384];
	int fd;

	/* valgrind runs posix_spawn's vfork as a fork: it cannot tell. */
	if (preload && strstr(preload, "vgpreload"))
		skip();
	fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x7f""ELF?", 5), 5);
	close(fd);
	assert_int_equal(run_req(&req, &res, &err), OFFLOAD_ESPAWN);
	snprintf(want, sizeof(want), "cannot run '%s': %s", bad, strerror(ENOEXEC));
	assert_string_equal(err.msg, want);
	spawn_res_release(&res);

	req.cwd = scratch;
	assert_int_equal(run_req(&req, &res, &err), OFFLOAD_ESPAWN);
	snprintf(want, sizeof(want), "cannot run '%s' in '%s': %s", bad, scratch,
		 strerror(ENOEXEC));
	assert_string_equal(err.msg, want);
	spawn_res_release(&res);
}

static void *spawn_many(void *arg)
{
	int t = (int)(intptr_t)arg, bad = 0;

	for (int i = 0; i < 10; i++) {
		char msg[64], want[80];
		struct spawn_req req = {
			.argv = (char *[]){ fake, "echo", msg, "exit", "5", NULL },
			.cancel_fd = -1, .cap = 4096,
		};
		struct offload_error err = { 0 };
		struct spawn_res res;
		char *s;

		snprintf(msg, sizeof(msg), "thread %d run %d", t, i);
		snprintf(want, sizeof(want), "%s\n", msg);
		if (spawn_run(&req, &res, &err) || res.status != 5)
			bad++;
		s = text(&res.out);
		bad += strcmp(s, want) != 0;
		free(s);
		spawn_res_release(&res);
	}
	return (void *)(intptr_t)bad;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	int fds = count_fds();

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, spawn_many,
						(void *)(intptr_t)i), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;

		pthread_join(t[i], &bad);
		assert_int_equal((intptr_t)bad, 0);
	}
	assert_int_equal(count_fds(), fds);
}

static void test_capture(void **state)
{
	struct spawn_req req = { .cancel_fd = -1 };
	struct offload_error err = { 0 };
	struct buf out = BUF_INIT;

	req.argv = (char *[]){ fake, "echo", "a b", "echo", "c", NULL };
	assert_int_equal(spawn_capture(&req, &out, &err), 0);
	assert_string_equal(out.buf, "a b\nc\n");
	buf_release(&out);

	req.argv = (char *[]){ fake, "echo", "ignored", "echo-err", "first",
			       "echo-err", "boom", "exit", "3", NULL };
	assert_int_equal(spawn_capture(&req, &out, &err), OFFLOAD_EDISCOVER);
	{
		char want[4200];

		snprintf(want, sizeof(want), "'%s' exited with status 3: first\nboom",
			 fake);
		assert_string_equal(err.msg, want);
	}
	buf_release(&out);

	req.argv = (char *[]){ fake, "crash", NULL };
	assert_int_equal(spawn_capture(&req, &out, &err), OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "killed by signal 11 (SIGSEGV)"));
	buf_release(&out);

	/* truncated discovery output is an error, not a short list */
	req.argv = (char *[]){ fake, "flood", "1", NULL };
	req.cap = 4096;
	assert_int_equal(spawn_capture(&req, &out, &err), OFFLOAD_EDISCOVER);
	assert_non_null(strstr(err.msg, "larger than 4096 bytes"));
	buf_release(&out);

	req.argv = (char *[]){ "/nonexistent/discover", NULL };
	assert_int_equal(spawn_capture(&req, &out, &err), OFFLOAD_ESPAWN);
	buf_release(&out);
}

static void test_capture_quotes_end_of_stderr(void **state)
{
	struct spawn_req req = { .cancel_fd = -1 };
	struct offload_error err = { 0 };
	struct buf out = BUF_INIT;
	char big[2000];

	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	req.argv = (char *[]){ fake, "echo-err", big, "echo-err",
			       "the last line", "fail", NULL };
	assert_int_equal(spawn_capture(&req, &out, &err), OFFLOAD_EDISCOVER);
	assert_true(strlen(err.msg) < sizeof(err.msg) - 1);	/* not cut */
	assert_non_null(strstr(err.msg, "exited with status 1: eee"));
	assert_non_null(strstr(err.msg, "the last line\nassertion failed"));
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_exec_failure),
		cmocka_unit_test(test_child_path),
		cmocka_unit_test(test_cwd_env),
		cmocka_unit_test(test_stdin_is_devnull),
		cmocka_unit_test(test_big_env),
		cmocka_unit_test(test_no_inherited_fds),
		cmocka_unit_test(test_own_process_group),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_ignore_term_gets_killed),
		cmocka_unit_test(test_canceled_before_start),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_grandchild_killed),
		cmocka_unit_test(test_setpgid_grandchild_killed),
		cmocka_unit_test(test_setsid_grandchild_killed),
		cmocka_unit_test(test_double_fork_daemon_killed),
		cmocka_unit_test(test_caller_death_kills_test),
		cmocka_unit_test(test_exec_format_error),
		cmocka_unit_test(test_keeper_killed),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_capture_quotes_end_of_stderr),
	};
	int rc;

	setup_paths();
	rc = cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
	cleanup_paths();
	return rc;
}
