/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - the only file that starts, waits for or kills processes.
 *
 * A test is started by a keeper: a process of ours, forked (not exec'd)
 * from the caller, that is a child subreaper.  It starts the test with
 * posix_spawn in a new process group, with an empty signal mask (GNU make
 * blocks SIGCHLD, our worker threads block INT/TERM/HUP/QUIT, and children
 * would inherit both), default dispositions for the signals a test expects
 * to be able to receive, stdin from /dev/null, stdout/stderr connected to
 * pipes and no other descriptor; waits for it; and when it ends kills
 * every process it left behind, whatever process group or session that
 * process moved to: orphans are re-parented to the keeper, which lists
 * them in /proc/thread-self/children, SIGKILLs and reaps them until none
 * is left.  Only then does it answer with the test's wait status (or why
 * it could not start it).  The caller itself is never made a subreaper:
 * inside GNU make, which reaps with waitpid(-1), every orphan of the
 * system would become make's.  This file does not interpret what the
 * child prints; callers do that with the captured buffers.
 *
 * DESIGN: spawn_run() is called from many worker threads at once.  Each
 * thread has its own keeper, forked at its first spawn and reused for the
 * next ones (a fork of a multithreaded caller per test would cost more
 * than the test: copy-on-write faults and TLB shootdowns in every thread
 * of the caller), SIGKILLed and reaped when the thread exits; that
 * thread-local connection is the only state, and no thread touches
 * another's.  Engine and keeper talk over a socket: the run (argv, envp,
 * and the pipes and directory as descriptors), requests to TERM or KILL
 * the test's group, and the answer.  Every fd is created close-on-exec
 * (another thread may be spawning at that moment and must not inherit our
 * pipe ends, or our reader would never see EOF).  Keepers do not exec, so
 * close-on-exec does not protect them: a keeper closes every descriptor
 * but its own first thing, which bounds how long it holds another
 * thread's pipes.  A keeper makes only async-signal-safe calls (the caller
 * is multithreaded): it is forked with all signals blocked, so that none
 * of the caller's handlers can run in it, never unblocks them, and reads
 * SIGCHLD and its parent-death signal from a signalfd.  The engine never
 * signals a process group or a pid other than its own unreaped keeper's,
 * so a recycled pid cannot be hit; the keeper reaps the test only after
 * SIGKILLing its group, while the zombie still holds the group id.
 *
 * The engine never calls waitpid(-1) or wait(): inside GNU make that would
 * steal make's children.  One poll() loop per child watches the two pipes
 * (drained continuously, so a child printing 100 MB never blocks, and kept
 * in capped buffers), the keeper's socket (readable when it answers, or
 * at EOF if it was killed from outside), the caller's cancel fd and a
 * monotonic deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "error.h"
#include "spawn.h"

extern char **environ;

#define DEFAULT_GRACE_MS 1000
/* After the keeper's answer, how long to wait for the pipes to reach EOF:
 * a process it could not kill (see docs/design.md) may hold them. */
#define DRAIN_MS 200
#define CAPTURE_CAP ((size_t)64 << 20)
#define STDERR_QUOTE 400	/* leaves room in offload_error.msg */
/* The keeper's parent-death signal while a test runs: kill it. */
#define KEEPER_KILL SIGUSR1

/* The keeper's answer to a run: how the test ended, or why it did not start. */
enum { KEEPER_STATUS = 1, KEEPER_ECHDIR, KEEPER_ESPAWN };
struct keeper_msg {
	int what;		/* KEEPER_*; 0: none (the keeper died) */
	int value;		/* the test's wait status, or an errno */
};

struct keeper_conn;

struct child {
	const struct spawn_req *req;
	struct spawn_res *res;
	struct keeper_conn *keeper;   /* the calling thread's */
	int fd[2];                /* read ends of stdout/stderr pipes, -1 at EOF */
	struct keeper_msg msg;    /* its answer */
	int nomem;                /* a capture buffer could not grow */
};

static const char *env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, len) && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/*
 * Can the child, once in `cwd`, execute `file`?  0 or -errno.  Checked
 * before spawning so that "not found" is reported the same way everywhere:
 * glibc reports a failed exec as posix_spawn's result, but under valgrind
 * (which runs its vfork as a fork) the child would just exit 127.
 */
static int check_exec(const char *cwd, const char *file, struct buf *tmp)
{
	struct stat st;

	if (cwd && file[0] != '/') {
		buf_reset(tmp);
		if (buf_addf(tmp, "%s/%s", cwd, file))
			return OFFLOAD_ENOMEM;
		file = tmp->buf;
	}
	if (stat(file, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;		/* what execve says for a directory */
	return access(file, X_OK) ? -errno : 0;
}

/*
 * Find `file` in the colon-separated `path` the way execvp does, so that
 * the child's PATH (not ours) decides which program runs.  Returns 0 with
 * the name to execute in `out`, -ENOENT, or -EACCES when only candidates
 * that cannot be executed were found.
 */
static int path_lookup(const char *file, const char *path, const char *cwd,
		       struct buf *out)
{
	struct buf tmp = BUF_INIT;
	int rc = -ENOENT;

	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		int r;

		buf_reset(out);
		/* An empty entry is the current directory, as for execvp. */
		if (buf_addf(out, "%.*s/%s", end == p ? 1 : (int)(end - p),
			     end == p ? "." : p, file)) {
			rc = OFFLOAD_ENOMEM;
			break;
		}
		r = check_exec(cwd, out->buf, &tmp);
		if (!r || r == OFFLOAD_ENOMEM) {
			rc = r;
			break;
		}
		if (r == -EACCES)
			rc = r;
		if (!*end)
			break;
		p = end;
	}
	buf_release(&tmp);
	return rc;
}

/* The name to pass to posix_spawn: argv[0], or where PATH finds it. */
static int resolve_program(const struct spawn_req *req, struct buf *prog)
{
	const char *argv0 = req->argv[0], *path = NULL;
	int rc;

	if (strchr(argv0, '/')) {
		rc = check_exec(req->cwd, argv0, prog);
		buf_reset(prog);
		return rc ? rc : buf_adds(prog, argv0);
	}
	if (req->envp)
		path = env_get(req->envp, "PATH");
	if (!path)
		path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";	/* execvp's default */
	return path_lookup(argv0, path, req->cwd, prog);
}

/* Keep pipe ends away from 0-2, which the file actions below overwrite. */
static int fd_above_stdio(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	p[0] = fd_above_stdio(p[0]);
	p[1] = fd_above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0)
		return -errno;
	/* Only our read end is non-blocking: the child's end stays blocking. */
	if (fcntl(p[0], F_SETFL, O_NONBLOCK))
		return -errno;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * ---- The keeper ------------------------------------------------------
 *
 * Engine -> keeper, on a SOCK_SEQPACKET socket: MSG_RUN (a struct run_msg
 * with three descriptors: the stdout and stderr pipes' write ends and the
 * directory to run in), then its `len` bytes of strings in messages of up
 * to DATA_CHUNK bytes: the program, argc arguments and envc environment
 * entries, each NUL-terminated.  While the test runs, MSG_TERM and MSG_KILL
 * ask for SIGTERM and SIGKILL of its group.  Keeper -> engine: one struct
 * keeper_msg per run, when the test and all it left are dead and reaped.
 * A MSG_TERM/MSG_KILL that crossed that message is skipped by an idle
 * keeper: messages are ordered, so it can never reach the next test.
 */
enum { MSG_RUN = 1, MSG_TERM, MSG_KILL };

struct run_msg {
	int type;                 /* MSG_RUN */
	unsigned len, argc, envc;
};

#define DATA_CHUNK 65536
#define KEEPER_SOCK_FD 3
/* How long a keeper keeps trying to reap what it killed (a process stuck
 * in the kernel cannot die): past it, it gives up on it. */
#define KEEPER_REAP_SECS 10

/* What the keeper needs, prepared before the fork. */
struct keeper_init {
	posix_spawnattr_t attr;   /* group, signal mask and defaults */
	int sock;                 /* its end of the socket */
	pid_t parent;             /* the caller's pid */
};

/*
 * SIGKILL every child of the keeper: the orphans of the test, re-parented
 * to it whatever process group or session they were in.  Returns how many
 * were signalled, or -1 if /proc cannot list them.  Async-signal-safe.
 */
static int keeper_kill_children(void)
{
	char buf[4096];
	int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
	int n = 0, digits = 0;
	long pid = 0;
	ssize_t len;

	if (fd < 0)
		return -1;
	/* "PID PID ... ": a number may straddle two reads. */
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < len; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
				digits = 1;
			} else if (digits) {
				kill((pid_t)pid, SIGKILL);
				n++;
				pid = 0;
				digits = 0;
			}
		}
	}
	if (digits) {
		kill((pid_t)pid, SIGKILL);
		n++;
	}
	close(fd);
	return len < 0 ? -1 : n;
}

/*
 * Kill and reap every remaining child until there is none (ECHILD), /proc
 * cannot list them, or KEEPER_REAP_SECS have passed.  A child that forks
 * while being killed only adds an orphan for the next round: its children
 * are re-parented to us before its own death is reported.
 */
static void keeper_reap_all(void)
{
	struct timespec now, end;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += KEEPER_REAP_SECS;
	for (;;) {
		struct timespec left;
		int n = keeper_kill_children();
		pid_t p;

		while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (p < 0 || n < 0)
			return;		/* none left, or no way to find them */
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_nsec += 1000000000L;
			left.tv_sec--;
		}
		if (left.tv_sec < 0)
			return;
		/* SIGCHLD is blocked, so a death since waitpid is pending. */
		sigtimedwait(&chld, NULL, &left);
	}
}

/*
 * Reap the keeper's children that died while the test runs (orphans that
 * exited), so that a test forking daemons in a loop does not fill the pid
 * table with zombies.  Returns 1 once the test itself has exited; it is
 * left unreaped, so that its group id stays ours.
 */
static int keeper_reap_orphans(pid_t test)
{
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
			return 0;
		if (si.si_pid == test)
			return 1;
		waitpid(si.si_pid, NULL, 0);
	}
}

/*
 * The parent-death signal: SIGKILL while idle (nothing to clean up, and
 * the keeper must not exit by itself: see keeper_main), KEEPER_KILL while
 * a test runs, so that it kills the test first.  0, or -1 if the caller is
 * already gone.
 */
static int keeper_watch_parent(const struct keeper_init *ki, int sig)
{
	if (prctl(PR_SET_PDEATHSIG, sig) || getppid() != ki->parent)
		return -1;
	return 0;
}

/* Read `len` bytes of MSG_RUN data into `p`.  0, or -1. */
static int keeper_recv_data(char *p, size_t len)
{
	while (len) {
		ssize_t n = recv(KEEPER_SOCK_FD, p, len < DATA_CHUNK ? len : DATA_CHUNK, 0);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Point argv and envp into the strings of `data` (`len` bytes): the
 * program, then argc + envc strings.  Returns the program, or NULL if the
 * data does not hold them.
 */
static const char *keeper_parse(char *data, size_t len, unsigned argc,
				unsigned envc, char **argv, char **envp)
{
	char *p = data, *end = data + len;
	const char *prog = p;

	if (!len || end[-1])
		return NULL;
	p += strlen(p) + 1;
	for (unsigned i = 0; i < argc + envc; i++) {
		if (p >= end)
			return NULL;
		if (i < argc)
			argv[i] = p;
		else
			envp[i - argc] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	envp[envc] = NULL;
	return prog;
}

/* Tell the engine; -1 if it is gone. */
static int keeper_say(int what, int value)
{
	struct keeper_msg m = { what, value };

	return send(KEEPER_SOCK_FD, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m) ? 0 : -1;
}

/*
 * Run one test, from the MSG_RUN just received with descriptors `fds`
 * (stdout, stderr, directory), and answer.  `null_out` is /dev/null, for
 * 1 and 2 between runs.  Returns -1 when the keeper must end (the engine
 * or the caller is gone).
 */
static int keeper_run(const struct keeper_init *ki, const struct run_msg *m,
		      int fds[3], int sigfd, int null_out)
{
	size_t ptrs = ((size_t)m->argc + m->envc + 2) * sizeof(char *);
	size_t size = ptrs + m->len;
	char **argv, **envp, *data;
	const char *prog;
	int rc, status = 0, gone = 0;
	pid_t test;
	void *mem;

	/* Memory for this run only: no malloc after a fork. */
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		close(fds[0]);
		close(fds[1]);
		close(fds[2]);
		return keeper_say(KEEPER_ESPAWN, ENOMEM);
	}
	argv = mem;
	envp = argv + m->argc + 1;
	data = (char *)mem + ptrs;
	if (keeper_recv_data(data, m->len)) {
		munmap(mem, size);
		return -1;
	}
	prog = keeper_parse(data, m->len, m->argc, m->envc, argv, envp);

	rc = dup2(fds[0], 1) < 0 || dup2(fds[1], 2) < 0 ? errno : 0;
	close(fds[0]);
	close(fds[1]);
	if (!rc && fchdir(fds[2])) {
		close(fds[2]);
		dup2(null_out, 1);
		dup2(null_out, 2);
		munmap(mem, size);
		return keeper_say(KEEPER_ECHDIR, errno);
	}
	close(fds[2]);
	if (!rc && !prog)
		rc = EINVAL;
	if (!rc && keeper_watch_parent(ki, KEEPER_KILL))
		_exit(127);	/* nobody to run it for */
	/* glibc reports a failed exec as the return value. */
	if (!rc)
		rc = posix_spawn(&test, prog, NULL, &ki->attr, argv, envp);
	/* Let go of the pipes: EOF once the test and its descendants are gone. */
	dup2(null_out, 1);
	dup2(null_out, 2);
	munmap(mem, size);
	if (rc) {
		if (keeper_watch_parent(ki, SIGKILL))
			_exit(127);
		return keeper_say(KEEPER_ESPAWN, rc);
	}

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = KEEPER_SOCK_FD, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		int sig = 0, type;
		ssize_t n;

		if (poll(p, gone ? 1 : 2, -1) < 0)
			continue;	/* EINTR cannot happen: all signals are blocked */
		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			if (si.ssi_signo == KEEPER_KILL)
				sig = SIGKILL;	/* the caller died */
		if (!gone && p[1].revents) {
			n = recv(KEEPER_SOCK_FD, &type, sizeof(type), MSG_DONTWAIT);
			if (n == (ssize_t)sizeof(type) && type == MSG_TERM && !sig)
				sig = SIGTERM;
			else if (n == (ssize_t)sizeof(type) && type == MSG_KILL)
				sig = SIGKILL;
			else if (n == 0 || (n < 0 && errno != EAGAIN)) {
				gone = 1;	/* the engine is gone */
				sig = SIGKILL;
			}
		}
		/* The test is unreaped, so its group id is still ours. */
		if (sig) {
			kill(-test, sig);
			kill(test, sig);	/* in case it left its group */
		}
		if (keeper_reap_orphans(test))
			break;
	}
	/* The group first, while the zombie holds its id (this is all we
	 * can do where /proc does not list children), then the rest. */
	kill(-test, SIGKILL);
	while (waitpid(test, &status, 0) < 0 && errno == EINTR)
		;
	keeper_reap_all();
	if (gone || keeper_watch_parent(ki, SIGKILL))
		return -1;
	return keeper_say(KEEPER_STATUS, status);
}

/*
 * The keeper, in the child of fork(): wait for MSG_RUN, run it, answer,
 * for as long as the engine keeps its end of the socket.  Only
 * async-signal-safe calls from here on (the caller is multithreaded).  All
 * signals are blocked (the caller blocked them before the fork) and stay
 * so; SIGCHLD and KEEPER_KILL are read from a signalfd.
 *
 * The keeper does not exit while its engine lives: the engine SIGKILLs it
 * (when the thread it belongs to ends), and so does the kernel when the
 * caller dies while it is idle.  A fork of a multithreaded process must
 * not exit: a memory checker that follows forks (valgrind) would check
 * the caller's heap at its exit, with the other threads gone, and report
 * their memory as lost.  Only when the caller dies during a test does the
 * keeper exit by itself, after killing the test.
 */
__attribute__((noreturn))
static void keeper_main(const struct keeper_init *ki)
{
	struct msghdr mh;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	sigset_t acts;
	int fd, sigfd, null_out;

	/*
	 * Its own group, so that signals for the caller's group (a
	 * terminal's ^C) do not reach it: they are the engine's business.
	 */
	setpgid(0, 0);
	if (keeper_watch_parent(ki, SIGKILL))
		_exit(127);	/* nobody to work for */
	/* Without it (Linux < 3.4), only the test's group is killed. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	(void)prctl(PR_SET_NAME, "offload-keeper");

	/* The socket on 3, /dev/null on 0 (the test's stdin) and on 1 and 2
	 * (the pipes during a run), and nothing else: not even another
	 * thread's pipe ends. */
	if (ki->sock != KEEPER_SOCK_FD && dup3(ki->sock, KEEPER_SOCK_FD, O_CLOEXEC) < 0)
		_exit(127);
	close(0);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || (fd != 0 && (dup2(fd, 0) < 0 || close(fd))))
		_exit(127);
	if (close_range(KEEPER_SOCK_FD + 1, ~0U, 0)) {
		struct rlimit rl;

		/* Linux < 5.9 */
		if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > (1 << 20))
			rl.rlim_cur = 1 << 20;
		for (fd = KEEPER_SOCK_FD + 1; fd < (int)rl.rlim_cur; fd++)
			close(fd);
	}
	null_out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_out < 0 || dup2(null_out, 1) < 0 || dup2(null_out, 2) < 0)
		_exit(127);
	sigemptyset(&acts);
	sigaddset(&acts, SIGCHLD);
	sigaddset(&acts, KEEPER_KILL);
	sigfd = signalfd(-1, &acts, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		_exit(127);

	for (;;) {
		struct run_msg m;
		struct cmsghdr *c;
		int fds[3] = { -1, -1, -1 }, nfds = 0;
		ssize_t n;

		iov = (struct iovec){ .iov_base = &m, .iov_len = sizeof(m) };
		mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cm.buf,
				      .msg_controllen = sizeof(cm.buf) };
		n = recvmsg(KEEPER_SOCK_FD, &mh, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			_exit(127);	/* the engine is gone */
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), (size_t)(nfds > 3 ? 3 : nfds) * sizeof(int));
		}
		/* A MSG_TERM or MSG_KILL for a test already done: skip it. */
		if (n != (ssize_t)sizeof(m) || m.type != MSG_RUN || nfds != 3) {
			for (int i = 0; i < 3 && i < nfds; i++)
				close(fds[i]);
			continue;
		}
		if (keeper_run(ki, &m, fds, sigfd, null_out))
			_exit(127);
	}
}

/* ---- The engine's side ------------------------------------------------ */

/*
 * The calling thread's keeper.  A keeper is forked the first time a thread
 * spawns and serves that thread's spawns one at a time; it is SIGKILLed
 * and reaped when the thread exits (a pthread key destructor), or by the
 * kernel when the process ends.  A fork of the caller inherits the
 * variable but not the keeper (`owner` tells).
 */
struct keeper_conn {
	pid_t pid;                /* 0: none */
	pid_t owner;              /* getpid() of the process that forked it */
	int sock;                 /* our end of the socket */
};

static _Thread_local struct keeper_conn thread_keeper;
static pthread_key_t keeper_key;
static int keeper_key_ok;
static pthread_once_t keeper_once = PTHREAD_ONCE_INIT;

/* SIGKILL and reap the keeper (if it is ours), with its wait status in
 * *status unless NULL. */
static void keeper_stop(struct keeper_conn *k, int *status)
{
	if (k->pid && k->owner == getpid()) {
		kill(k->pid, SIGKILL);
		while (waitpid(k->pid, status, 0) < 0 && errno == EINTR)
			;
	}
	if (k->pid)
		close(k->sock);
	k->pid = 0;
	k->sock = -1;
}

static void keeper_destructor(void *arg)
{
	keeper_stop(arg, NULL);
}

static void keeper_key_create(void)
{
	keeper_key_ok = !pthread_key_create(&keeper_key, keeper_destructor);
}

/* Fork a keeper for the calling thread into *k.  0, or -errno. */
static int keeper_start(struct keeper_conn *k)
{
	struct keeper_init ki = { .parent = getpid() };
	sigset_t set, old;
	int sv[2], rc = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	sv[0] = fd_above_stdio(sv[0]);
	sv[1] = fd_above_stdio(sv[1]);
	if (sv[0] < 0 || sv[1] < 0) {
		rc = -errno;
		goto fail;
	}
	ki.sock = sv[1];
	posix_spawnattr_init(&ki.attr);
	posix_spawnattr_setflags(&ki.attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&ki.attr, 0);
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&ki.attr, &set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, KEEPER_KILL);
	posix_spawnattr_setsigdefault(&ki.attr, &set);

	/* No handler of the caller's may run in the keeper: block all. */
	sigfillset(&set);
	pthread_sigmask(SIG_SETMASK, &set, &old);
	pid = fork();
	if (!pid)
		keeper_main(&ki);
	if (pid < 0)
		rc = -errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	posix_spawnattr_destroy(&ki.attr);
	if (rc)
		goto fail;
	close(sv[1]);
	pthread_once(&keeper_once, keeper_key_create);
	if (keeper_key_ok)
		pthread_setspecific(keeper_key, k);
	*k = (struct keeper_conn){ .pid = pid, .owner = getpid(), .sock = sv[0] };
	return 0;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return rc;
}

/*
 * Send MSG_RUN: `fds` (stdout, stderr, directory) and the strings.
 * 0, or -errno (-EPIPE and the like: the keeper is gone).
 */
static int keeper_send_run(int sock, const char *prog, char *const *argv,
			   char *const *envp, int fds[3])
{
	struct run_msg m = { .type = MSG_RUN };
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr *c;
	struct buf data = BUF_INIT;
	int rc = 0;

	if (buf_add(&data, prog, strlen(prog) + 1))
		return OFFLOAD_ENOMEM;
	for (; argv[m.argc]; m.argc++)
		if (buf_add(&data, argv[m.argc], strlen(argv[m.argc]) + 1))
			rc = OFFLOAD_ENOMEM;
	for (; envp[m.envc]; m.envc++)
		if (buf_add(&data, envp[m.envc], strlen(envp[m.envc]) + 1))
			rc = OFFLOAD_ENOMEM;
	if (rc || data.len > 1U << 30) {
		buf_release(&data);
		return rc ? rc : -E2BIG;
	}
	m.len = (unsigned)data.len;

	memset(cm.buf, 0, sizeof(cm.buf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(c), fds, 3 * sizeof(int));
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			goto out;
		}
	}
	for (size_t off = 0; off < data.len;) {
		size_t len = data.len - off < DATA_CHUNK ? data.len - off : DATA_CHUNK;
		ssize_t n = send(sock, data.buf + off, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		off += (size_t)n;
	}
out:
	buf_release(&data);
	return rc;
}

static int start_child(struct child *c, struct offload_error *err)
{
	const struct spawn_req *req = c->req;
	const char *argv0 = req->argv[0];
	char *const *envp = req->envp ? req->envp : environ;
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, dir = -1, fds[3];
	struct keeper_conn *k = &thread_keeper;
	struct buf prog = BUF_INIT;
	struct stat sb;
	int rc;

	if (req->cwd) {
		int e = stat(req->cwd, &sb) ? errno :
			!S_ISDIR(sb.st_mode) ? ENOTDIR : 0;

		if (e) {
			rc = err_set(err, OFFLOAD_ESPAWN, "cannot run '%s' in '%s': %s",
				     argv0, req->cwd, strerror(e));
			goto cleanup;
		}
	}
	rc = resolve_program(req, &prog);
	if (rc) {
		rc = err_set(err, rc == OFFLOAD_ENOMEM ? rc : OFFLOAD_ESPAWN,
			     "cannot run '%s': %s", argv0, offload_strerror(rc));
		goto cleanup;
	}

	if ((rc = make_pipe(out)) || (rc = make_pipe(errp))) {
		err_set(err, rc, "cannot run '%s': pipe: %s", argv0, strerror(-rc));
		goto cleanup;
	}
	/* Where to run, as the keeper cannot know our directory. */
	dir = open(req->cwd ? req->cwd : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		rc = -errno;
		if (req->cwd)
			err_set(err, OFFLOAD_ESPAWN, "cannot run '%s' in '%s': %s",
				argv0, req->cwd, strerror(-rc));
		else
			err_set(err, rc, "cannot run '%s': current directory: %s",
				argv0, strerror(-rc));
		rc = req->cwd ? OFFLOAD_ESPAWN : rc;
		goto cleanup;
	}
	fds[0] = out[1];
	fds[1] = errp[1];
	fds[2] = dir;

	/* A keeper killed since the last spawn is replaced, once. */
	for (int tries = 0; tries < 2; tries++) {
		if (k->pid && k->owner != getpid())
			keeper_stop(k, NULL);	/* our parent's, inherited by fork */
		if (!k->pid && (rc = keeper_start(k))) {
			err_set(err, OFFLOAD_ESPAWN, "cannot run '%s': keeper: %s",
				argv0, strerror(-rc));
			rc = OFFLOAD_ESPAWN;
			goto cleanup;
		}
		rc = keeper_send_run(k->sock, prog.buf, req->argv, envp, fds);
		if (rc && rc != OFFLOAD_ENOMEM && rc != -E2BIG)
			keeper_stop(k, NULL);	/* gone, or half a request */
		if (rc != -EPIPE && rc != -ECONNRESET)
			break;
	}
	if (rc == OFFLOAD_ENOMEM) {
		err_set(err, rc, "cannot run '%s': %s", argv0, offload_strerror(rc));
	} else if (rc) {
		err_set(err, OFFLOAD_ESPAWN, "cannot run '%s': keeper: %s", argv0,
			strerror(-rc));
		rc = OFFLOAD_ESPAWN;
	}
	if (!rc)
		c->keeper = k;

cleanup:
	buf_release(&prog);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&dir);
	if (rc) {
		close_fd(&out[0]);
		close_fd(&errp[0]);
	}
	c->fd[0] = out[0];
	c->fd[1] = errp[0];
	return rc;
}

/*
 * Read what is available on pipe `i` (never blocks: the read end is
 * non-blocking).  EOF closes it.
 */
static void drain(struct child *c, int i)
{
	struct capbuf *cb = i ? &c->res->err : &c->res->out;
	char chunk[65536];

	while (c->fd[i] >= 0) {
		ssize_t n = read(c->fd[i], chunk, sizeof(chunk));

		if (n > 0) {
			if (!c->nomem && capbuf_add(cb, chunk, (size_t)n))
				c->nomem = 1;	/* keep draining, store nothing */
			/* Over the cap: back to supervise(), which stops it;
			 * a flood could keep this loop busy forever. */
			if (i == 0 && c->req->stop_over_cap && capbuf_dropped(cb))
				return;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close_fd(&c->fd[i]);	/* EOF or a read error */
	}
}

/*
 * Have the keeper send `sig` (SIGTERM or SIGKILL) to the test's process
 * group and to the test itself, in case it moved to another group.  The
 * engine never signals a group or a pid itself, so a recycled pid cannot
 * be hit.
 */
static void kill_child(const struct child *c, int sig)
{
	int type = sig == SIGKILL ? MSG_KILL : MSG_TERM;

	/* If the keeper is gone, the socket says so to supervise(). */
	(void)!send(c->keeper->sock, &type, sizeof(type), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int ms_until(double t, double now)
{
	double ms = (t - now) * 1000.0;

	if (ms <= 0)
		return 0;
	if (ms > 1e9)
		return 1000000000;
	return (int)ms + 1;	/* round up: waking early would spin */
}

/*
 * Read the keeper's answer: 1 when it is done (the answer, or EOF if it
 * was killed from outside), 0 if it has not answered yet.  `flags`:
 * MSG_DONTWAIT, or 0 to block.
 */
static int read_answer(struct child *c, int flags)
{
	ssize_t n;

	while ((n = recv(c->keeper->sock, &c->msg, sizeof(c->msg), flags)) < 0 &&
	       errno == EINTR)
		;
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n != (ssize_t)sizeof(c->msg))
		c->msg.what = 0;	/* EOF or an error: the keeper is gone */
	return 1;
}

/*
 * The poll loop: returns when the keeper is done (the test and its
 * descendants are dead and reaped; the keeper is not).
 */
static void supervise(struct child *c)
{
	const struct spawn_req *req = c->req;
	int grace_ms = req->grace_ms > 0 ? req->grace_ms : DEFAULT_GRACE_MS;
	double start = now_secs();
	double deadline = req->timeout_secs > 0 ? start + req->timeout_secs : 0;
	double kill_at = 0;	/* when TERM was sent: when to send KILL */
	int cancel_fd = req->cancel_fd, killed = 0;

	for (;;) {
		struct pollfd pfd[4];
		int n = 0, i_status, i_cancel = -1, timeout = -1;
		double now;

		for (int i = 0; i < 2; i++)
			if (c->fd[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = c->fd[i], .events = POLLIN };
		i_status = n;
		pfd[n++] = (struct pollfd){ .fd = c->keeper->sock, .events = POLLIN };
		if (cancel_fd >= 0 && !kill_at) {
			i_cancel = n;
			pfd[n++] = (struct pollfd){ .fd = cancel_fd, .events = POLLIN };
		}
		now = now_secs();
		if (deadline && !kill_at) {
			int ms = ms_until(deadline, now);

			if (timeout < 0 || ms < timeout)
				timeout = ms;
		}
		if (kill_at && !killed) {
			int ms = ms_until(kill_at, now);

			if (timeout < 0 || ms < timeout)
				timeout = ms;
		}

		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			/*
			 * Cannot wait any more (should not happen): make sure
			 * the test ends, and wait for the keeper's word.
			 */
			kill_child(c, SIGKILL);
			read_answer(c, 0);
			return;
		}

		drain(c, 0);
		drain(c, 1);
		now = now_secs();

		if (i_cancel >= 0) {
			if (pfd[i_cancel].revents & POLLNVAL) {
				cancel_fd = -1;	/* not a usable fd: ignore it */
			} else if (pfd[i_cancel].revents) {
				c->res->state = SPAWN_CANCELED;
				kill_child(c, SIGTERM);
				kill_at = now + grace_ms / 1000.0;
			}
		}
		if (req->stop_over_cap && !kill_at &&
		    capbuf_dropped(&c->res->out)) {
			kill_child(c, SIGTERM);	/* the state stays: the caller
						   sees the dropped bytes */
			kill_at = now + grace_ms / 1000.0;
		}
		if (deadline && !kill_at && now >= deadline) {
			c->res->state = SPAWN_TIMEDOUT;
			kill_child(c, SIGTERM);
			kill_at = now + grace_ms / 1000.0;
		}
		if (kill_at && !killed && now >= kill_at) {
			kill_child(c, SIGKILL);
			killed = 1;
		}

		if (pfd[i_status].revents && read_answer(c, MSG_DONTWAIT))
			return;
	}
}

/* After the keeper's word (it killed all it could): the rest of the output. */
static void finish_output(struct child *c)
{
	double end = now_secs() + DRAIN_MS / 1000.0;

	for (;;) {
		struct pollfd pfd[2];
		int n = 0;
		double now;

		drain(c, 0);
		drain(c, 1);
		for (int i = 0; i < 2; i++)
			if (c->fd[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = c->fd[i], .events = POLLIN };
		now = now_secs();
		if (!n || now >= end)
			break;
		if (poll(pfd, (nfds_t)n, ms_until(end, now)) < 0 && errno != EINTR)
			break;
	}
	close_fd(&c->fd[0]);
	close_fd(&c->fd[1]);
}

int spawn_run(const struct spawn_req *req, struct spawn_res *res,
	      struct offload_error *err)
{
	struct child c = { .req = req, .res = res, .fd = { -1, -1 } };
	double start = now_secs();
	int status = 0, rc = 0;

	memset(res, 0, sizeof(*res));
	capbuf_init(&res->out, req->cap);
	capbuf_init(&res->err, req->cap);
	res->state = SPAWN_EXITED;

	if (req->cancel_fd >= 0) {
		struct pollfd p = { .fd = req->cancel_fd, .events = POLLIN };

		/* Canceled before it started: do not start it at all. */
		if (poll(&p, 1, 0) > 0 && !(p.revents & POLLNVAL)) {
			res->state = SPAWN_CANCELED;
			return 0;
		}
	}

	if ((rc = start_child(&c, err)))
		goto out;
	supervise(&c);
	finish_output(&c);
	if (c.msg.what == KEEPER_ECHDIR || c.msg.what == KEEPER_ESPAWN) {
		if (req->cwd)	/* as before: chdir or exec, in that directory */
			err_set(err, OFFLOAD_ESPAWN, "cannot run '%s' in '%s': %s",
				req->argv[0], req->cwd, strerror(c.msg.value));
		else
			err_set(err, OFFLOAD_ESPAWN, "cannot run '%s': %s",
				req->argv[0], strerror(c.msg.value));
		rc = OFFLOAD_ESPAWN;
		goto out;
	}
	if (c.msg.what == KEEPER_STATUS) {
		status = c.msg.value;
	} else {
		/* The keeper was killed from outside (KILL is the only signal
		 * it does not block): say that as what ended the test. */
		keeper_stop(c.keeper, &status);
	}
	if (WIFSIGNALED(status)) {
		if (res->state == SPAWN_EXITED)
			res->state = SPAWN_SIGNALED;
		res->status = WTERMSIG(status);
	} else {
		res->status = WEXITSTATUS(status);
	}
	if (c.nomem)
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot keep the output of '%s': %s",
			     req->argv[0], offload_strerror(OFFLOAD_ENOMEM));
out:
	res->secs = now_secs() - start;
	return rc;
}

void spawn_res_release(struct spawn_res *res)
{
	capbuf_release(&res->out);
	capbuf_release(&res->err);
}

/* The last STDERR_QUOTE bytes of stderr, trimmed, for an error message. */
static int stderr_tail(const struct capbuf *cb, struct buf *tail)
{
	struct buf all = BUF_INIT;
	const char *s;
	size_t len;
	int rc;

	if ((rc = capbuf_render(cb, &all)))
		goto cleanup;
	s = all.buf;
	len = all.len;
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	if (len > STDERR_QUOTE) {
		s += len - STDERR_QUOTE;
		len = STDERR_QUOTE;
	}
	rc = buf_add(tail, s, len);
cleanup:
	buf_release(&all);
	return rc;
}

int spawn_capture(const struct spawn_req *req, struct buf *out,
		  struct offload_error *err)
{
	struct spawn_req r = *req;
	struct spawn_res res;
	struct buf tail = BUF_INIT;
	const char *argv0 = req->argv[0];
	int rc;

	if (!r.cap)
		r.cap = CAPTURE_CAP;
	rc = spawn_run(&r, &res, err);
	if (rc)
		goto cleanup;
	if (stderr_tail(&res.err, &tail)) {
		rc = err_set(err, OFFLOAD_ENOMEM, "%s", offload_strerror(OFFLOAD_ENOMEM));
		goto cleanup;
	}
	switch (res.state) {
	case SPAWN_EXITED:
		if (res.status)
			rc = err_set(err, OFFLOAD_EDISCOVER,
				     "'%s' exited with status %d%s%s", argv0,
				     res.status, tail.len ? ": " : "", tail.buf);
		break;
	case SPAWN_SIGNALED:
		rc = err_set(err, OFFLOAD_EDISCOVER,
			     "'%s' killed by signal %d (SIG%s)%s%s", argv0,
			     res.status, sigabbrev_np(res.status) ?
			     sigabbrev_np(res.status) : "?",
			     tail.len ? ": " : "", tail.buf);
		break;
	case SPAWN_TIMEDOUT:
		rc = err_set(err, OFFLOAD_EDISCOVER, "'%s' timed out after %g s%s%s",
			     argv0, r.timeout_secs, tail.len ? ": " : "", tail.buf);
		break;
	case SPAWN_CANCELED:
		rc = err_set(err, OFFLOAD_ECANCELED, "'%s' canceled", argv0);
		break;
	}
	if (rc)
		goto cleanup;
	if (capbuf_dropped(&res.out)) {
		rc = err_set(err, OFFLOAD_EDISCOVER,
			     "output of '%s' is larger than %zu bytes", argv0, r.cap);
		goto cleanup;
	}
	if (capbuf_render(&res.out, out))
		rc = err_set(err, OFFLOAD_ENOMEM, "%s", offload_strerror(OFFLOAD_ENOMEM));
cleanup:
	buf_release(&tail);
	spawn_res_release(&res);
	return rc;
}
