/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - the only file that starts, waits for or kills processes.
 *
 * A test is started by a keeper: a process of ours, forked (not exec'd)
 * from the caller, that makes itself a child subreaper, starts the test
 * with posix_spawn in a new process group, with an empty signal mask
 * (GNU make blocks SIGCHLD, our worker threads block INT/TERM/HUP/QUIT,
 * and children would inherit both), default dispositions for the signals
 * a test expects to be able to receive, stdin from /dev/null, stdout/
 * stderr connected to pipes and no other descriptor, waits for it, and
 * when it ends kills every process it left behind, whatever process group
 * or session that process moved to: orphans are re-parented to the keeper,
 * which lists them in /proc/thread-self/children, SIGKILLs and reaps them
 * until none is left.  It then writes the test's wait status (or why it
 * could not start it) to a status pipe, and the engine SIGKILLs and reaps
 * it (see keeper_end for why it does not exit).  The caller itself is
 * never made a subreaper: inside GNU make, which reaps with waitpid(-1),
 * every orphan of the system would become make's.  It does not interpret
 * what the child prints; callers do that with the captured buffers.
 *
 * DESIGN: spawn_run() is called from many worker threads at once, so there
 * is no shared state: every fd is created close-on-exec (another thread may
 * be spawning at that moment and must not inherit our pipe ends, or our
 * reader would never see EOF), and each call waits on its own child only.
 * Keepers do not exec, so close-on-exec does not protect them: a keeper
 * closes every descriptor but its own first thing, which bounds how long
 * it holds another thread's pipes.  Between fork and exit a keeper makes
 * only async-signal-safe calls (the caller is multithreaded): everything
 * it needs is prepared before the fork, with all signals blocked so that
 * none of the caller's handlers can run in it.  It never unblocks a signal
 * and takes the few it acts on with sigwaitinfo: SIGTERM (TERM the test's
 * group), KEEPER_KILL (SIGKILL it; also its parent-death signal) and
 * SIGCHLD.  The engine signals only its keeper, an unreaped child, never
 * a group: pids are not reused under it.  The keeper reaps the test only
 * after SIGKILLing its group, while the zombie still holds the group id.
 *
 * The engine never calls waitpid(-1) or wait(): inside GNU make that would
 * steal make's children.  One poll() loop per child watches the two pipes
 * (drained continuously, so a child printing 100 MB never blocks, and kept
 * in capped buffers), the status pipe (readable when the keeper is done,
 * or at EOF if it was killed from outside), the caller's cancel fd and a
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "error.h"
#include "spawn.h"

extern char **environ;

#define DEFAULT_GRACE_MS 1000
/* After the keeper exits, how long to wait for the pipes to reach EOF: a
 * process it could not kill (one that escaped through another subreaper
 * or a PID namespace) may hold them. */
#define DRAIN_MS 200
#define CAPTURE_CAP ((size_t)64 << 20)
#define STDERR_QUOTE 400	/* leaves room in offload_error.msg */
/* Engine -> keeper: SIGKILL the test.  Also the keeper's parent-death
 * signal.  (SIGTERM means SIGTERM.) */
#define KEEPER_KILL SIGUSR1

/*
 * The keeper's one message on its status pipe, written when it is done
 * (it then waits to be killed) (a single write of a few bytes to a pipe: atomic).
 */
enum { KEEPER_STATUS = 1, KEEPER_ECHDIR, KEEPER_ESPAWN };
struct keeper_msg {
	int what;		/* KEEPER_* */
	int value;		/* the test's wait status, or an errno */
};

struct child {
	const struct spawn_req *req;
	struct spawn_res *res;
	pid_t pid;                /* the keeper's */
	int fd[2];                /* read ends of stdout/stderr pipes, -1 at EOF */
	int status_fd;            /* read end of the keeper's status pipe */
	struct keeper_msg msg;    /* what it said; what == 0: nothing */
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

/* Everything the keeper needs, prepared before the fork. */
struct keeper {
	const char *prog;         /* the resolved program */
	char *const *argv, *const *envp;
	const char *cwd;          /* NULL: unchanged */
	posix_spawnattr_t attr;   /* group, signal mask and defaults */
	int out, err, status;     /* write ends of the three pipes */
	pid_t parent;             /* the caller's pid */
};

#define KEEPER_STATUS_FD 3
/* How long a keeper keeps trying to reap what it killed (a process stuck
 * in the kernel cannot die): past it, the keeper exits anyway. */
#define KEEPER_REAP_SECS 10

/*
 * Say how it ended on the status pipe `fd`, then wait for the engine's
 * SIGKILL.  The keeper never exits by itself: it is a fork of a
 * multithreaded process, and a memory checker that follows forks
 * (valgrind) would check the caller's heap at its exit, with the other
 * threads gone, and report their memory as lost.  If the caller is gone,
 * nobody will kill it: it exits (its parent-death signal also says so).
 */
__attribute__((noreturn))
static void keeper_end(const struct keeper *k, int fd, int what, int value)
{
	struct keeper_msg m = { what, value };
	sigset_t set;

	/* Nobody to tell if the engine is gone: EPIPE (SIGPIPE is blocked). */
	if (what)
		(void)!write(fd, &m, sizeof(m));
	sigemptyset(&set);
	sigaddset(&set, KEEPER_KILL);
	while (getppid() == k->parent && sigwaitinfo(&set, NULL) != KEEPER_KILL)
		;
	_exit(127);
}

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
 * The keeper, in the child of fork(): start the test, relay the engine's
 * signals to its group, and when it has ended kill everything it left.
 * Only async-signal-safe calls from here on.  All signals are blocked (the
 * caller blocked them before the fork) and stay so.
 */
__attribute__((noreturn))
static void keeper_main(const struct keeper *k)
{
	sigset_t acts;
	pid_t test;
	int rc, fd, status = 0;

	/*
	 * Its own group, so that signals for the caller's group (a
	 * terminal's ^C) do not reach it: they are the engine's business.
	 */
	setpgid(0, 0);
	/* If the caller dies (even of SIGKILL), the test dies with it. */
	if (prctl(PR_SET_PDEATHSIG, KEEPER_KILL) || getppid() != k->parent)
		_exit(127);	/* nobody to tell or to wait for */
	/* Without it (Linux < 3.4), only the test's group is killed. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);

	/* 0-2 for the test, the status pipe on 3 (close-on-exec), and
	 * nothing else: not even another thread's pipe ends. */
	if (dup2(k->out, 1) < 0 || dup2(k->err, 2) < 0)
		keeper_end(k, k->status, KEEPER_ESPAWN, errno);
	if (k->status != KEEPER_STATUS_FD &&
	    dup3(k->status, KEEPER_STATUS_FD, O_CLOEXEC) < 0)
		keeper_end(k, k->status, KEEPER_ESPAWN, errno);
	close(0);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || (fd != 0 && (dup2(fd, 0) < 0 || close(fd))))
		keeper_end(k, KEEPER_STATUS_FD, KEEPER_ESPAWN, errno);
	if (close_range(KEEPER_STATUS_FD + 1, ~0U, 0)) {
		struct rlimit rl;

		/* Linux < 5.9 */
		if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > (1 << 20))
			rl.rlim_cur = 1 << 20;
		for (fd = KEEPER_STATUS_FD + 1; fd < (int)rl.rlim_cur; fd++)
			close(fd);
	}
	if (k->cwd && chdir(k->cwd))
		keeper_end(k, KEEPER_STATUS_FD, KEEPER_ECHDIR, errno);

	/* glibc reports a failed exec as the return value. */
	rc = posix_spawn(&test, k->prog, NULL, &k->attr, k->argv, k->envp);
	if (rc)
		keeper_end(k, KEEPER_STATUS_FD, KEEPER_ESPAWN, rc);
	/* The pipes reach EOF once the test and its descendants are gone. */
	close(0);
	close(1);
	close(2);

	sigemptyset(&acts);
	sigaddset(&acts, SIGCHLD);
	sigaddset(&acts, SIGTERM);
	sigaddset(&acts, KEEPER_KILL);
	for (;;) {
		int sig = sigwaitinfo(&acts, NULL);

		/* The test is unreaped, so its group id is still ours. */
		if (sig == SIGTERM || sig == KEEPER_KILL) {
			sig = sig == SIGTERM ? SIGTERM : SIGKILL;
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
	keeper_end(k, KEEPER_STATUS_FD, KEEPER_STATUS, status);
}

static int start_child(struct child *c, struct offload_error *err)
{
	const struct spawn_req *req = c->req;
	const char *argv0 = req->argv[0];
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, st[2] = { -1, -1 };
	struct keeper k = {
		.argv = req->argv, .envp = req->envp ? req->envp : environ,
		.cwd = req->cwd, .parent = getpid(),
	};
	struct buf prog = BUF_INIT;
	struct stat sb;
	sigset_t set, old;
	int rc;

	if (req->cwd) {
		int e = stat(req->cwd, &sb) ? errno :
			!S_ISDIR(sb.st_mode) ? ENOTDIR : 0;

		if (e) {
			rc = err_set(err, OFFLOAD_ESPAWN, "cannot run '%s' in '%s': %s",
				     argv0, req->cwd, strerror(e));
			goto cleanup_fds;
		}
	}
	rc = resolve_program(req, &prog);
	if (rc) {
		rc = err_set(err, rc == OFFLOAD_ENOMEM ? rc : OFFLOAD_ESPAWN,
			     "cannot run '%s': %s", argv0, offload_strerror(rc));
		goto cleanup_fds;
	}
	k.prog = prog.buf;

	if ((rc = make_pipe(out)) || (rc = make_pipe(errp)) || (rc = make_pipe(st))) {
		err_set(err, rc, "cannot run '%s': pipe: %s", argv0, strerror(-rc));
		goto cleanup_fds;
	}
	k.out = out[1];
	k.err = errp[1];
	k.status = st[1];

	posix_spawnattr_init(&k.attr);
	posix_spawnattr_setflags(&k.attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&k.attr, 0);
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&k.attr, &set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, KEEPER_KILL);
	posix_spawnattr_setsigdefault(&k.attr, &set);

	/* No handler of the caller's may run in the keeper: block all. */
	sigfillset(&set);
	pthread_sigmask(SIG_SETMASK, &set, &old);
	c->pid = fork();
	if (!c->pid)
		keeper_main(&k);
	rc = c->pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	posix_spawnattr_destroy(&k.attr);
	if (rc) {
		err_set(err, OFFLOAD_ESPAWN, "cannot run '%s': fork: %s", argv0,
			strerror(-rc));
		rc = OFFLOAD_ESPAWN;
		c->pid = 0;
	}

cleanup_fds:
	buf_release(&prog);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&st[1]);
	if (rc) {
		close_fd(&out[0]);
		close_fd(&errp[0]);
		close_fd(&st[0]);
	}
	c->fd[0] = out[0];
	c->fd[1] = errp[0];
	c->status_fd = st[0];
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
 * group and to the test itself, in case it moved to another group.  Only
 * the keeper is signalled: it is our unreaped child, so its pid is ours.
 */
static void kill_child(const struct child *c, int sig)
{
	kill(c->pid, sig == SIGKILL ? KEEPER_KILL : sig);
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
 * Read the keeper's message: 1 when it is done (the message, or EOF if it
 * was killed from outside), 0 if it has not spoken yet.
 */
static int read_status(struct child *c)
{
	ssize_t n;

	while ((n = read(c->status_fd, &c->msg, sizeof(c->msg))) < 0 && errno == EINTR)
		;
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n != (ssize_t)sizeof(c->msg))
		c->msg.what = 0;	/* EOF (or, impossibly, a short read) */
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
		pfd[n++] = (struct pollfd){ .fd = c->status_fd, .events = POLLIN };
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
			fcntl(c->status_fd, F_SETFL, 0);
			read_status(c);
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
		if (deadline && !kill_at && now >= deadline) {
			c->res->state = SPAWN_TIMEDOUT;
			kill_child(c, SIGTERM);
			kill_at = now + grace_ms / 1000.0;
		}
		if (kill_at && !killed && now >= kill_at) {
			kill_child(c, SIGKILL);
			killed = 1;
		}

		if (pfd[i_status].revents && read_status(c))
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
	struct child c = { .req = req, .res = res, .fd = { -1, -1 },
			   .status_fd = -1 };
	double start = now_secs();
	int status, rc = 0;

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
	/* Done (or killed from outside): it waits for this to end. */
	kill(c.pid, SIGKILL);
	finish_output(&c);
	while (waitpid(c.pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		rc = err_set(err, -errno, "cannot wait for '%s': %s",
			     req->argv[0], strerror(errno));
		goto out;
	}
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
	/* No message: the keeper was killed from outside (KILL is the only
	 * signal it does not block); say that as what ended the test. */
	if (c.msg.what == KEEPER_STATUS)
		status = c.msg.value;
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
	close_fd(&c.status_fd);
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
