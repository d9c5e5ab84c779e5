/* SPDX-License-Identifier: MIT */
/*
 * jobserver.c - a client of GNU make's jobserver, and the rest of what a
 * recipe learns from MAKEFLAGS (dry-run flags, a bare -j).
 *
 * make 4.3 hands its recipes a pipe (--jobserver-auth=R,W); make 4.4 a
 * named fifo (--jobserver-auth=fifo:PATH).  Either holds one byte per free
 * job slot beyond the first.  A process started from a recipe owns that
 * recipe's slot (the "implicit" one) and must take a byte for every further
 * process it runs at once, and write the very same byte back when done.
 *
 * This is not the Make module's code: the module runs inside make, this
 * runs in a child of make (the `offload` command in a `+` recipe).  So a
 * worker may block for a token here; it blocks in poll() on the jobserver
 * and on its own cancel descriptor, never in read(): several processes
 * wait on one pipe and only one gets each byte, so the read end is our own
 * open file (O_NONBLOCK on make's shared descriptor would change it for
 * every make using the jobserver).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "offload.h"

/* How long a token that appears is left to make's own jobs. */
#define YIELD_MS 10

struct offload_jobserver {
	pthread_mutex_t mu;
	int rfd;                  /* ours, O_NONBLOCK */
	int wfd;                  /* make's (pipe) or ours (fifo) */
	int close_wfd;
	unsigned char *held;      /* the bytes taken, a stack */
	size_t held_nr, held_alloc;
	size_t lost;              /* tokens that could not be written back */
	int lost_errno;
};

void offload_makeflags_release(struct offload_makeflags *mf)
{
	free(mf->fifo);
	mf->fifo = NULL;
	mf->pipe_r = mf->pipe_w = -1;
}

/*
 * make writes the one-letter flags first, as one word without a dash
 * (" -j4 ..." starts with a blank when there are none), then long options,
 * then " -- " and the command line's variable overrides, which are not
 * flags and may hold anything.
 */
int offload_makeflags_parse(struct offload_makeflags *mf, const char *flags)
{
	const char *p = flags ? flags : "";
	int first = 1;

	memset(mf, 0, sizeof(*mf));
	mf->pipe_r = mf->pipe_w = -1;
	while (*p) {
		const char *w, *v;
		size_t n;

		if (*p == ' ' || *p == '\t') {
			p++;
			first = 0;
			continue;
		}
		w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		n = (size_t)(p - w);
		if (first && *w != '-') {
			for (size_t i = 0; i < n; i++)
				if (w[i] == 'n' || w[i] == 'q' || w[i] == 't')
					mf->dry = 1;
		} else if (n == 2 && !strncmp(w, "--", 2)) {
			break;
		} else if (n == 2 && !strncmp(w, "-j", 2)) {
			mf->unlimited = 1;
		} else if (n > 2 && !strncmp(w, "-j", 2)) {
			mf->unlimited = 0;
		} else if ((n > 17 && !strncmp(w, "--jobserver-auth=", 17)) ||
			   (n > 16 && !strncmp(w, "--jobserver-fds=", 16))) {
			int r, wr, used = 0;

			v = (const char *)memchr(w, '=', n) + 1;
			free(mf->fifo);
			mf->fifo = NULL;
			mf->pipe_r = mf->pipe_w = -1;
			if (p - v > 5 && !strncmp(v, "fifo:", 5)) {
				mf->fifo = strndup(v + 5, (size_t)(p - v - 5));
				if (!mf->fifo)
					return OFFLOAD_ENOMEM;
			} else if (sscanf(v, "%d,%d%n", &r, &wr, &used) == 2 &&
				   v + used == p && r >= 0 && wr >= 0) {
				mf->pipe_r = r;
				mf->pipe_w = wr;
			}
		}
		first = 0;
	}
	return 0;
}

static int access_mode(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : (fl & O_ACCMODE);
}

/* Are R and W the two ends of one pipe, readable and writable?  make 4.3
 * keeps --jobserver-auth in MAKEFLAGS for recipes it did not give the
 * descriptors to (a recipe without '+'); those numbers may then name
 * anything, or another pipe. */
static int is_jobserver_pipe(int r, int w)
{
	struct stat sr, sw;
	int mr = access_mode(r), mw = access_mode(w);

	return fstat(r, &sr) == 0 && fstat(w, &sw) == 0 &&
		S_ISFIFO(sr.st_mode) && S_ISFIFO(sw.st_mode) &&
		sr.st_dev == sw.st_dev && sr.st_ino == sw.st_ino &&
		(mr == O_RDONLY || mr == O_RDWR) &&
		(mw == O_WRONLY || mw == O_RDWR);
}

int offload_jobserver_open(struct offload_jobserver **jsp,
			   const struct offload_makeflags *mf,
			   struct offload_error *err)
{
	struct offload_jobserver *js;
	char path[64];
	struct stat st;
	int ret;

	*jsp = NULL;
	if (!mf->fifo && mf->pipe_r < 0)
		return err_set(err, OFFLOAD_EUSAGE, "make passed no jobserver");
	js = calloc(1, sizeof(*js));
	if (!js)
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	js->rfd = js->wfd = -1;
	if (pthread_mutex_init(&js->mu, NULL)) {
		free(js);
		return err_set(err, OFFLOAD_ENOMEM, "cannot create mutex");
	}
	if (mf->fifo) {
		if (stat(mf->fifo, &st) || !S_ISFIFO(st.st_mode)) {
			ret = err_set(err, OFFLOAD_EUSAGE,
				      "jobserver fifo '%s' is not a fifo (make's jobserver is unavailable)",
				      mf->fifo);
			goto fail;
		}
		js->rfd = open(mf->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		/* A reader (we) exists now, so this open cannot fail with
		 * ENXIO nor block. */
		if (js->rfd >= 0)
			js->wfd = open(mf->fifo, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
		js->close_wfd = 1;
		if (js->rfd < 0 || js->wfd < 0) {
			ret = err_set(err, -errno, "cannot open jobserver fifo '%s': %s",
				      mf->fifo, strerror(errno));
			goto fail;
		}
	} else {
		if (!is_jobserver_pipe(mf->pipe_r, mf->pipe_w)) {
			ret = err_set(err, OFFLOAD_EUSAGE,
				      "MAKEFLAGS names jobserver descriptors %d,%d that are not make's jobserver (is the recipe line marked with '+'?)",
				      mf->pipe_r, mf->pipe_w);
			goto fail;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mf->pipe_r);
		js->rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (js->rfd < 0) {
			ret = err_set(err, -errno, "cannot open jobserver pipe '%s': %s",
				      path, strerror(errno));
			goto fail;
		}
		js->wfd = mf->pipe_w;
	}
	*jsp = js;
	return 0;
fail:
	if (js->rfd >= 0)
		close(js->rfd);
	if (js->close_wfd && js->wfd >= 0)
		close(js->wfd);
	pthread_mutex_destroy(&js->mu);
	free(js);
	return ret;
}

static int push_held(struct offload_jobserver *js, unsigned char c)
{
	int ret = 0;

	pthread_mutex_lock(&js->mu);
	if (js->held_nr == js->held_alloc) {
		size_t n = js->held_alloc ? 2 * js->held_alloc : 16;
		unsigned char *h = realloc(js->held, n);

		if (h) {
			js->held = h;
			js->held_alloc = n;
		}
	}
	if (js->held_nr < js->held_alloc)
		js->held[js->held_nr++] = c;
	else
		ret = OFFLOAD_ENOMEM;
	pthread_mutex_unlock(&js->mu);
	return ret;
}

/* Write byte c back to make; 0, or -errno after retrying what can be
 * retried (a signal, a full non-blocking fifo). */
static int put_token(struct offload_jobserver *js, unsigned char c)
{
	for (int tries = 0; ; tries++) {
		ssize_t n = write(js->wfd, &c, 1);
		struct pollfd p = { .fd = js->wfd, .events = POLLOUT };

		if (n == 1)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		/* Full: wait for room, a bounded number of seconds. */
		if (tries == 10)
			return -EAGAIN;
		(void)poll(&p, 1, 1000);
	}
}

int offload_jobserver_acquire(struct offload_jobserver *js, int cancel_fd)
{
	struct pollfd p[2] = {
		{ .fd = js->rfd, .events = POLLIN },
		{ .fd = cancel_fd, .events = POLLIN },
	};

	for (;;) {
		unsigned char c;
		ssize_t n;

		if (poll(p, cancel_fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (cancel_fd >= 0 && p[1].revents)
			return 0;
		if (!p[0].revents)
			continue;
		/* Let make go first: a job of make waiting for a slot (the
		 * next step of a build chain) wakes with us, and takes the
		 * token now if it wants it.  Tests can wait a moment;
		 * make's critical path should not. */
		if (poll(p + 1, cancel_fd >= 0 ? 1 : 0, YIELD_MS) > 0)
			return 0;
		n = read(js->rfd, &c, 1);
		if (n == 1) {
			int ret = push_held(js, c);

			if (ret) {
				put_token(js, c);
				return ret;
			}
			return 1;
		}
		if (n == 0)
			return -EPIPE;  /* every writer is gone: make exited */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		/* Another process took that byte first. */
	}
}

int offload_jobserver_release(struct offload_jobserver *js)
{
	unsigned char c;
	int ret;

	pthread_mutex_lock(&js->mu);
	if (!js->held_nr) {
		pthread_mutex_unlock(&js->mu);
		return OFFLOAD_EUSAGE;
	}
	c = js->held[--js->held_nr];
	ret = put_token(js, c);
	if (ret) {
		js->lost++;
		js->lost_errno = -ret;
	}
	pthread_mutex_unlock(&js->mu);
	return ret;
}

size_t offload_jobserver_held(struct offload_jobserver *js)
{
	size_t n;

	pthread_mutex_lock(&js->mu);
	n = js->held_nr;
	pthread_mutex_unlock(&js->mu);
	return n;
}

int offload_jobserver_close(struct offload_jobserver *js,
			    struct offload_error *err)
{
	int ret = 0;

	if (!js)
		return 0;
	while (js->held_nr)
		offload_jobserver_release(js);
	if (js->lost)
		ret = err_set(err, -js->lost_errno,
			      "%zu jobserver token%s could not be given back to make: %s",
			      js->lost, js->lost == 1 ? "" : "s",
			      strerror(js->lost_errno));
	close(js->rfd);
	if (js->close_wfd)
		close(js->wfd);
	pthread_mutex_destroy(&js->mu);
	free(js->held);
	free(js);
	return ret;
}
