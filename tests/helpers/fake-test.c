/* SPDX-License-Identifier: MIT */
/*
 * fake-test.c - a stand-in for a test program, driven by its arguments, for
 * the unit and end-to-end tests (libuv's spawn helper, git's test-tool).
 * It does not link liboffload.  Actions run in order; after the last one the
 * program exits 0:
 *
 *   pass               exit 0
 *   fail               print "assertion failed" to stderr, exit 1
 *   exit N             exit N
 *   skip               exit 77 (the automake "skipped" status)
 *   sleep SECS         sleep SECS (fractions allowed), then go on
 *   hang               wait for a signal forever
 *   crash              die of SIGSEGV
 *   flood MB           write MB MiB to stdout: a first line "flood-begin",
 *                      filler, a last line "flood-end"
 *   flaky STATEFILE    fail (exit 1) the first time, creating STATEFILE;
 *                      go on when it exists (O_EXCL: one winner at most)
 *   spawn-grandchild PIDFILE
 *                      fork a child that writes its pid to PIDFILE and
 *                      waits forever; go on once PIDFILE is written
 *   ignore-term        ignore SIGTERM; hang if no action follows
 *   ready FIFO         write "ready" to FIFO (the caller's sign that the
 *                      actions before it are done)
 *   pid                print "pid N pgid N session N" for this process
 *   daemon PIDFILE     like spawn-grandchild, but the grandchild calls
 *                      setsid() first, so it escapes the process group
 *   setpgid-child PIDFILE
 *                      like spawn-grandchild, but the grandchild calls
 *                      setpgid(0, 0) first: a new group, same session
 *   double-fork PIDFILE
 *                      daemonise the classic way: a child calls setsid()
 *                      and forks the grandchild (which writes PIDFILE and
 *                      waits forever), then exits, orphaning it
 *   env NAME           print NAME's value, or "(unset)", and a newline
 *   pwd                print the working directory and a newline
 *   read-stdin         read stdin to EOF, print "stdin: N bytes"
 *   echo TEXT          print TEXT and a newline to stdout
 *   echo-err TEXT      print TEXT and a newline to stderr
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "fake-test";

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void hang(void)
{
	for (;;)
		pause();
}

static void do_sleep(const char *arg)
{
	char *end;
	double secs = strtod(arg, &end);
	struct timespec ts;

	if (*end || secs < 0)
		die("bad sleep time '%s'", arg);
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void crash(void)
{
	struct sigaction sa;

	/* Default action even if a sanitizer runtime installed a handler. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGSEGV, &sa, NULL);
	raise(SIGSEGV);
	die("still alive after SIGSEGV");
}

static void flood(const char *arg)
{
	static const char begin[] = "flood-begin\n", end[] = "\nflood-end\n";
	char chunk[65536];
	char *e;
	long mb = strtol(arg, &e, 10);
	unsigned long long left;

	if (*e || mb < 1)
		die("bad size '%s'", arg);
	left = (unsigned long long)mb << 20;
	memset(chunk, 'x', sizeof(chunk));
	for (size_t i = 79; i < sizeof(chunk); i += 80)
		chunk[i] = '\n';
	if (write_all(1, begin, sizeof(begin) - 1))
		exit(3);
	left -= sizeof(begin) - 1 + sizeof(end) - 1;
	while (left) {
		size_t n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);

		if (write_all(1, chunk, n))
			exit(3);
		left -= n;
	}
	if (write_all(1, end, sizeof(end) - 1))
		exit(3);
}

static void flaky(const char *statefile)
{
	int fd = open(statefile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		fprintf(stderr, "assertion failed (first run, '%s' created)\n",
			statefile);
		exit(1);
	}
	if (errno != EEXIST)
		die("cannot create '%s'", statefile);
}

/* How spawn_grandchild's grandchild leaves (or not) the test's group. */
enum escape { STAY, NEW_SESSION, NEW_GROUP, DOUBLE_FORK };

static void spawn_grandchild(const char *pidfile, enum escape how)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		die("pipe failed");
	pid = fork();
	if (pid < 0)
		die("fork failed");
	if (!pid) {
		char tmp[4096], num[32];
		int fd;

		close(p[0]);
		if ((how == NEW_SESSION || how == DOUBLE_FORK) && setsid() < 0)
			_exit(2);
		if (how == NEW_GROUP && setpgid(0, 0))
			_exit(2);
		if (how == DOUBLE_FORK) {
			pid = fork();
			if (pid < 0)
				_exit(2);
			if (pid)
				_exit(0);	/* the grandchild is an orphan */
		}
		snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile);
		snprintf(num, sizeof(num), "%ld\n", (long)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		/* rename: a reader never sees a half-written pid */
		if (fd < 0 || write_all(fd, num, strlen(num)) || close(fd) ||
		    rename(tmp, pidfile))
			_exit(2);
		if (write_all(p[1], "x", 1))
			_exit(2);
		close(p[1]);
		hang();
	}
	close(p[1]);
	/* Go on only when the pid is on disk: the caller reads it later. */
	if (read(p[0], &c, 1) != 1)
		die("grandchild for '%s' failed", pidfile);
	close(p[0]);
}

static void ready(const char *fifo)
{
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write_all(fd, "ready", 5) || close(fd))
		die("cannot write to '%s'", fifo);
}

static const char *need(int argc, char **argv, int i)
{
	if (i >= argc)
		die("'%s' needs an argument", argv[i - 1]);
	return argv[i];
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s ACTION [ARG]...\n", prog);
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);	/* output order across exits */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "pass")) {
			return 0;
		} else if (!strcmp(a, "fail")) {
			fputs("assertion failed\n", stderr);
			return 1;
		} else if (!strcmp(a, "exit")) {
			return atoi(need(argc, argv, ++i));
		} else if (!strcmp(a, "skip")) {
			return 77;
		} else if (!strcmp(a, "sleep")) {
			do_sleep(need(argc, argv, ++i));
		} else if (!strcmp(a, "hang")) {
			hang();
		} else if (!strcmp(a, "crash")) {
			crash();
		} else if (!strcmp(a, "flood")) {
			flood(need(argc, argv, ++i));
		} else if (!strcmp(a, "flaky")) {
			flaky(need(argc, argv, ++i));
		} else if (!strcmp(a, "spawn-grandchild")) {
			spawn_grandchild(need(argc, argv, ++i), STAY);
		} else if (!strcmp(a, "ignore-term")) {
			signal(SIGTERM, SIG_IGN);
			if (i + 1 == argc)
				hang();
		} else if (!strcmp(a, "ready")) {
			ready(need(argc, argv, ++i));
		} else if (!strcmp(a, "pid")) {
			printf("pid %ld pgid %ld session %ld\n", (long)getpid(),
			       (long)getpgrp(), (long)getsid(0));
		} else if (!strcmp(a, "daemon")) {
			spawn_grandchild(need(argc, argv, ++i), NEW_SESSION);
		} else if (!strcmp(a, "setpgid-child")) {
			spawn_grandchild(need(argc, argv, ++i), NEW_GROUP);
		} else if (!strcmp(a, "double-fork")) {
			spawn_grandchild(need(argc, argv, ++i), DOUBLE_FORK);
		} else if (!strcmp(a, "env")) {
			const char *v = getenv(need(argc, argv, ++i));

			printf("%s\n", v ? v : "(unset)");
		} else if (!strcmp(a, "pwd")) {
			char buf[4096];

			if (!getcwd(buf, sizeof(buf)))
				die("getcwd failed");
			printf("%s\n", buf);
		} else if (!strcmp(a, "read-stdin")) {
			char buf[4096];
			size_t total = 0, n;

			while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
				total += n;
			printf("stdin: %zu bytes\n", total);
		} else if (!strcmp(a, "echo")) {
			printf("%s\n", need(argc, argv, ++i));
		} else if (!strcmp(a, "echo-err")) {
			fprintf(stderr, "%s\n", need(argc, argv, ++i));
		} else {
			die("unknown action '%s'", a);
		}
	}
	return 0;
}
