/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - the only file that starts, waits for or kills processes.
 *
 * A child is started with posix_spawn in a new process group, with an empty
 * signal mask (GNU make blocks SIGCHLD, our worker threads block INT/TERM/
 * HUP/QUIT, and children would inherit both), default dispositions for the
 * signals a test expects to be able to receive, stdin from /dev/null and
 * stdout/stderr connected to pipes.  It does not interpret what the child
 * prints; callers do that with the captured buffers.
 *
 * DESIGN: spawn_run() is called from many worker threads at once, so there
 * is no shared state: every fd is created close-on-exec (another thread may
 * be spawning at that moment and must not inherit our pipe ends, or our
 * reader would never see EOF), and each call waits on its own child only.
 * It never calls waitpid(-1) or wait(): inside GNU make that would steal
 * make's children.  One poll() loop per child watches the two pipes (drained
 * continuously, so a child printing 100 MB never blocks, and kept in capped
 * buffers), a pidfd that becomes readable when the child exits (kernels
 * without pidfd_open: a 20 ms tick plus waitid(WNOWAIT)), the caller's
 * cancel fd and a monotonic deadline.  The child is reaped only after its
 * process group has been SIGKILLed: while the zombie is unreaped, its pid
 * (and so the group id) cannot be reused, which makes kill(-pid) safe and
 * takes down any grandchild the test left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "error.h"
#include "spawn.h"

extern char **environ;

#define DEFAULT_GRACE_MS 1000
#define NOPIDFD_TICK_MS 20
/* After the group is killed, how long to wait for the pipes to reach EOF:
 * a process outside the group (a daemon that called setsid) may hold them. */
#define DRAIN_MS 200
#define CAPTURE_CAP ((size_t)64 << 20)
#define STDERR_QUOTE 400	/* leaves room in offload_error.msg */

struct child {
	const struct spawn_req *req;
	struct spawn_res *res;
	pid_t pid;
	int pidfd;                /* -1: use waitid polling */
	int fd[2];                /* read ends of stdout/stderr pipes, -1 at EOF */
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

static int start_child(struct child *c, struct offload_error *err)
{
	const struct spawn_req *req = c->req;
	const char *argv0 = req->argv[0];
	char *const *envp = req->envp ? req->envp : environ;
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct buf prog = BUF_INIT;
	struct stat st;
	sigset_t set;
	int rc;

	if (req->cwd) {
		int e = stat(req->cwd, &st) ? errno :
			!S_ISDIR(st.st_mode) ? ENOTDIR : 0;

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

	if ((rc = make_pipe(out)) || (rc = make_pipe(errp))) {
		err_set(err, rc, "cannot run '%s': pipe: %s", argv0, strerror(-rc));
		goto cleanup_fds;
	}

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&attr, &set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGCHLD);
	posix_spawnattr_setsigdefault(&attr, &set);

	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	/* Descriptors the caller leaked without O_CLOEXEC (GNU make's
	 * jobserver pipe, for one) are not the test's business. */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!rc && req->cwd)
		rc = posix_spawn_file_actions_addchdir_np(&fa, req->cwd);
	if (rc) {
		err_set(err, -rc, "cannot run '%s': %s", argv0, strerror(rc));
		rc = -rc;
		goto cleanup;
	}

	/* glibc reports a failed chdir or exec as the return value. */
	rc = posix_spawn(&c->pid, prog.buf, &fa, &attr, req->argv, envp);
	if (rc) {
		if (req->cwd)
			err_set(err, OFFLOAD_ESPAWN, "cannot run '%s' in '%s': %s",
				argv0, req->cwd, strerror(rc));
		else
			err_set(err, OFFLOAD_ESPAWN, "cannot run '%s': %s",
				argv0, strerror(rc));
		rc = OFFLOAD_ESPAWN;
		c->pid = 0;
	}

cleanup:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
cleanup_fds:
	buf_release(&prog);
	close_fd(&out[1]);
	close_fd(&errp[1]);
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
 * Signal the child's process group, and the child itself in case it moved
 * to another group (setpgid): the kill must always reach it, or we would
 * wait for it forever.
 */
static void kill_child(const struct child *c, int sig)
{
	kill(-c->pid, sig);
	kill(c->pid, sig);
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

static int pidfd_works;
static pthread_once_t pidfd_once = PTHREAD_ONCE_INIT;

/*
 * Probe once: otherwise an unsupported syscall would fail (and make
 * valgrind warn) on every spawn.
 */
static void pidfd_probe(void)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd >= 0) {
		close(fd);
		pidfd_works = 1;
	}
#endif
}

/* A pidfd for `pid` (readable when it exits), or -1 to poll with waitid. */
static int pidfd_open_(pid_t pid)
{
	pthread_once(&pidfd_once, pidfd_probe);
	/* A test knob to exercise the fallback on kernels that have pidfds. */
	if (!pidfd_works || getenv("OFFLOAD_TEST_NO_PIDFD"))
		return -1;
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);	/* always CLOEXEC */
#else
	return -1;
#endif
}

static int has_exited(struct child *c)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT))
		return errno != EINTR;	/* ECHILD: nothing left to wait for */
	return si.si_pid == c->pid;
}

/* The poll loop: returns when the child has exited (it is not reaped yet). */
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
		int n = 0, i_pid = -1, i_cancel = -1, timeout = -1, exited = 0;
		double now;

		for (int i = 0; i < 2; i++)
			if (c->fd[i] >= 0)
				pfd[n++] = (struct pollfd){ .fd = c->fd[i], .events = POLLIN };
		if (c->pidfd >= 0) {
			i_pid = n;
			pfd[n++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
		} else {
			timeout = NOPIDFD_TICK_MS;
		}
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
			 * the child ends, and fall back to a blocking reap.
			 */
			kill_child(c, SIGKILL);
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

		if (i_pid >= 0)
			exited = pfd[i_pid].revents != 0;
		else
			exited = has_exited(c);
		if (exited)
			return;
	}
}

/* After the exit: no survivors in the group, the rest of the output. */
static void finish_output(struct child *c)
{
	double end;

	/* The zombie still holds the pid, so the group id is still ours. */
	kill(-c->pid, SIGKILL);
	end = now_secs() + DRAIN_MS / 1000.0;
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
	struct child c = { .req = req, .res = res, .pidfd = -1,
			   .fd = { -1, -1 } };
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
	c.pidfd = pidfd_open_(c.pid);
	supervise(&c);
	finish_output(&c);
	close_fd(&c.pidfd);

	while (waitpid(c.pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		rc = err_set(err, -errno, "cannot wait for '%s': %s",
			     req->argv[0], strerror(errno));
		goto out;
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
