/* SPDX-License-Identifier: MIT */
/*
 * offload.c - the GNU Make module: $(offload-discover CONFIG[,GROUP]) and
 * $(offload-run CONFIG[,IDS[,OPTIONS]]), a thin adapter over
 * include/offload.h.  It is not a second engine: everything about running
 * tests lives in liboffload; this file only talks to make (gnumake.h), to
 * make's jobserver and to make's signal handlers.
 *
 * DESIGN: both functions run in make's main thread while make's whole
 * scheduler is stalled, and make reaps with waitpid(-1) as soon as we
 * return.  So a function never returns while a child of ours lives (the
 * library joins its workers and reaps its own pids before returning), no
 * gmk_* function is called while children run or from a worker thread, and
 * $(error ...) is only expanded after everything is cleaned up.
 *
 * Parallelism: sandbox 0 runs on one slot taken before the run starts --
 * the recipe's own implicit slot when make has no other child, else the
 * slot of a child of make that has already exited (make cannot reap it
 * while we block it, so that child's slot is idle), else a jobserver token,
 * waiting for one of those without ever blocking make.  Every further
 * sandbox asks acquire_slot() (from its worker thread) for a borrowed slot
 * or a token, non-blockingly; release_slot() writes the exact byte back.
 * Every token is returned before the function returns, on every path.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gnumake.h>
#include <offload.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int plugin_is_GPL_compatible;

/* Lines of a list (failed, flaky, not run) shown in the summary before
 * "... and N more": the summary is one shell command line, and the kernel
 * caps one argument (sh -c TEXT) at 128 KiB.  LIST_BYTES bounds the quoted
 * size of the lines that may be cut (lists, warnings), so that long IDs
 * cannot push the whole line past that cap ("Argument list too long"). */
#define LIST_MAX 100
#define LIST_BYTES (64 * 1024)
#define TEXT_MAX 200

/* ------------------------------------------------------------------ */
/* A growable string (make's allocator is only used for what we return). */

struct str {
	char *buf;
	size_t len, alloc;
	int nomem;
};

static void str_addn(struct str *s, const char *p, size_t n)
{
	if (s->nomem)
		return;
	if (s->len + n + 1 > s->alloc) {
		size_t a = s->alloc ? s->alloc : 256;
		char *b;

		while (a < s->len + n + 1)
			a *= 2;
		b = realloc(s->buf, a);
		if (!b) {
			s->nomem = 1;
			return;
		}
		s->buf = b;
		s->alloc = a;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

static void str_add(struct str *s, const char *p)
{
	str_addn(s, p, strlen(p));
}

__attribute__((format(printf, 2, 3)))
static void str_addf(struct str *s, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->nomem = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		str_addn(s, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);

	if (!big) {
		s->nomem = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	str_addn(s, big, (size_t)n);
	free(big);
}

/* Printable text: control bytes as \xNN (an ID with a newline must not
 * forge a summary line), cut at `max` bytes when max is not 0. */
static void str_add_printable(struct str *s, const char *p, size_t max)
{
	size_t n = 0;

	for (const unsigned char *u = (const unsigned char *)p; *u; u++, n++) {
		if (max && n == max) {
			str_add(s, "...");
			return;
		}
		if (*u < 0x20 || *u == 0x7f)
			str_addf(s, "\\x%02x", *u);
		else
			str_addn(s, (const char *)u, 1);
	}
}

static void str_release(struct str *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/* A copy of `s` in memory make frees; NULL (the empty string) for "". */
static char *to_make(const struct str *s)
{
	char *r;

	if (!s->len)
		return NULL;
	r = gmk_alloc((unsigned)s->len + 1);
	memcpy(r, s->buf, s->len + 1);
	return r;
}

/* ------------------------------------------------------------------ */
/* The ID encoding: make words that survive $(eval), targets and patterns */

static int kept_byte(unsigned char c)
{
	return isalnum(c) && c < 0x80 ? 1 : c == '.' || c == '_' || c == '/' ||
		c == '+' || c == '-';
}

static void encode_id(struct str *s, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *u = (const unsigned char *)id; *u; u++) {
		if (kept_byte(*u)) {
			str_addn(s, (const char *)u, 1);
		} else {
			char e[3] = { '@', hex[*u >> 4], hex[*u & 15] };

			str_addn(s, e, 3);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode the word p[0..n) into a new string; NULL on a bad '@' escape
 * (or an encoded NUL) or out of memory (*nomem set). */
static char *decode_word(const char *p, size_t n, int *nomem)
{
	char *r = malloc(n + 1), *w = r;

	if (!r) {
		*nomem = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (p[i] != '@') {
			*w++ = p[i];
			continue;
		}
		if (i + 2 >= n || (hi = hexval(p[i + 1])) < 0 ||
		    (lo = hexval(p[i + 2])) < 0 || !(hi | lo))
			goto bad;
		*w++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*w = '\0';
	return r;
bad:
	free(r);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Errors the make way                                                 */

/*
 * Stop make with "FILE:LINE: *** offload: MSG.  Stop."  The caller has
 * already released everything: make exits inside gmk_expand.  `$` and
 * parentheses in the message reach make through variables, so a message
 * that quotes the user's text is printed as it is.
 */
__attribute__((format(printf, 2, 3)))
static void make_error_or_warning(const char *func, const char *fmt, ...)
{
	char msg[1024];
	struct str e = { 0 };
	va_list ap;
	char *r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	str_addf(&e, "$(%s offload: ", func);
	for (const unsigned char *u = (const unsigned char *)msg; *u; u++) {
		if (*u == '$')
			str_add(&e, "$$");
		else if (*u == '(')
			str_add(&e, "$(.offload.lp)");
		else if (*u == ')')
			str_add(&e, "$(.offload.rp)");
		else if (*u < 0x20 || *u == 0x7f)
			str_addf(&e, "\\x%02x", *u);
		else
			str_addn(&e, (const char *)u, 1);
	}
	str_add(&e, ")");
	if (!e.nomem) {
		r = gmk_expand(e.buf);
		gmk_free(r);
	}
	str_release(&e);
}

#define make_error(...) make_error_or_warning("error", __VA_ARGS__)
#define make_warning(...) make_error_or_warning("warning", __VA_ARGS__)

/* An argument without the blanks around it, in a new string. */
static char *trimmed(const char *s)
{
	const char *e;
	char *r;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	r = malloc((size_t)(e - s) + 1);
	if (r) {
		memcpy(r, s, (size_t)(e - s));
		r[e - s] = '\0';
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Signals: while a run lives, INT/TERM/HUP/QUIT stop it; then make's own
 * handler gets the signal again (it deletes its targets and exits). */

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSIG_STOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static struct offload_run *volatile sig_run;
static volatile sig_atomic_t sig_caught;

static void on_signal(int sig)
{
	if (!sig_caught)
		sig_caught = sig;
	if (sig_run)
		offload_run_interrupt(sig_run, sig);
}

struct saved_signals {
	struct sigaction old[NSIG_STOP];
	int installed;
};

static void signals_install(struct saved_signals *ss, struct offload_run *run)
{
	struct sigaction sa;

	sig_caught = 0;
	sig_run = run;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIG_STOP; i++) {
		/* A signal make ignores (a background make ignores SIGINT
		 * and SIGQUIT) is ignored by the run too. */
		sigaction(stop_signals[i], NULL, &ss->old[i]);
		if (ss->old[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
	ss->installed = 1;
}

/* Put make's handlers back; returns the signal caught meanwhile, or 0. */
static int signals_restore(struct saved_signals *ss)
{
	if (!ss->installed)
		return 0;
	for (size_t i = 0; i < NSIG_STOP; i++)
		sigaction(stop_signals[i], &ss->old[i], NULL);
	ss->installed = 0;
	sig_run = NULL;
	return sig_caught;
}

/* ------------------------------------------------------------------ */
/* make's file descriptors: none reaches a test.  make 4.3 leaves the
 * jobserver pipe (and more) inheritable; FD_CLOEXEC is a flag of our own
 * descriptor table, not of the shared open file, so setting it for the
 * duration of a run and restoring it after touches no other process. */

struct fd_flags {
	int *fds;
	size_t nr;
};

static void fds_hide(struct fd_flags *ff)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t alloc = 0;

	ff->fds = NULL;
	ff->nr = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		int fl;

		if (*end || end == e->d_name || fd < 3 || fd == dirfd(d) ||
		    fd > INT_MAX)
			continue;
		fl = fcntl((int)fd, F_GETFD);
		if (fl < 0 || (fl & FD_CLOEXEC))
			continue;
		if (ff->nr == alloc) {
			size_t a = alloc ? alloc * 2 : 8;
			int *n = realloc(ff->fds, a * sizeof(*n));

			if (!n)
				break;
			ff->fds = n;
			alloc = a;
		}
		if (fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC) == 0)
			ff->fds[ff->nr++] = (int)fd;
	}
	closedir(d);
}

static void fds_restore(struct fd_flags *ff)
{
	for (size_t i = 0; i < ff->nr; i++) {
		int fl = fcntl(ff->fds[i], F_GETFD);

		if (fl >= 0)
			fcntl(ff->fds[i], F_SETFD, fl & ~FD_CLOEXEC);
	}
	free(ff->fds);
	ff->fds = NULL;
	ff->nr = 0;
}

/* ------------------------------------------------------------------ */
/* MAKEFLAGS: dry runs and the jobserver                               */

struct makeflags {
	int dry;                  /* -n, -q or -t: run nothing */
	int unlimited;            /* bare -j: no jobserver, no limit */
	int pipe_r, pipe_w;       /* --jobserver-auth=R,W, or -1 */
	char *fifo;               /* --jobserver-auth=fifo:PATH, or NULL */
};

static void makeflags_release(struct makeflags *mf)
{
	free(mf->fifo);
	mf->fifo = NULL;
}

static int makeflags_read(struct makeflags *mf)
{
	char *flags = gmk_expand("$(MAKEFLAGS)");
	const char *p = flags ? flags : "";
	int first = 1;

	memset(mf, 0, sizeof(*mf));
	mf->pipe_r = mf->pipe_w = -1;
	while (*p) {
		const char *w;
		size_t n;

		/* make puts one-letter flags first, as one word without a
		 * dash (" -j4" starts with a blank when there are none).
		 * -t expands every line of a recipe that has a recursive
		 * one (+ or $(MAKE)) and then skips the others: no test
		 * may run for a line whose output make throws away. */
		if (isspace((unsigned char)*p)) {
			p++;
			first = 0;
			continue;
		}
		w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		n = (size_t)(p - w);
		if (first && *w != '-') {
			for (size_t i = 0; i < n; i++)
				if (w[i] == 'n' || w[i] == 'q' || w[i] == 't')
					mf->dry = 1;
		} else if (n == 2 && !strncmp(w, "--", 2)) {
			break;          /* variable overrides follow */
		} else if (n == 2 && !strncmp(w, "-j", 2)) {
			mf->unlimited = 1;
		} else if (n > 2 && !strncmp(w, "-j", 2)) {
			mf->unlimited = 0;
		} else if (n > 16 && !strncmp(w, "--jobserver-auth=", 17)) {
			const char *v = w + 17;
			size_t vn = n - 17;

			free(mf->fifo);
			mf->fifo = NULL;
			mf->pipe_r = mf->pipe_w = -1;
			if (vn > 5 && !strncmp(v, "fifo:", 5)) {
				mf->fifo = strndup(v + 5, vn - 5);
			} else {
				int r, wfd;
				char tail;
				char *tmp = strndup(v, vn);

				if (tmp && sscanf(tmp, "%d,%d%c", &r, &wfd, &tail) == 2 &&
				    r >= 0 && wfd >= 0) {
					mf->pipe_r = r;
					mf->pipe_w = wfd;
				}
				free(tmp);
			}
		}
		first = 0;
	}
	gmk_free(flags);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Jobserver slots                                                     */

struct slots {
	pthread_mutex_t mu;
	int rfd;                  /* ours, O_NONBLOCK: reads tokens */
	int wfd;                  /* where tokens go back */
	int close_wfd;            /* wfd is ours (fifo) */
	unsigned char *tokens;    /* the exact bytes taken, a stack */
	size_t tokens_nr, tokens_alloc;
	pid_t *kids;              /* make's children when we were called */
	char *dead;               /* kids[i] has exited (a zombie) */
	size_t kids_nr, dead_nr, borrowed;
	int kids_known;           /* the kernel told us make's children */
};

static int read_pid_list(const char *path, pid_t **kids, size_t *nr)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *p, *end;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; ; p = end) {
		long v = strtol(p, &end, 10);
		pid_t *k;

		if (end == p)
			break;
		k = realloc(*kids, (*nr + 1) * sizeof(**kids));
		if (!k)
			return -1;
		*kids = k;
		(*kids)[(*nr)++] = (pid_t)v;
	}
	return 0;
}

/* Who are make's children right now (before we start any)?  Through
 * /proc/self/task/T/children, which needs CONFIG_PROC_CHILDREN. */
static void slots_snapshot_children(struct slots *s)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[64];

	if (!d)
		return;
	s->kids_known = 1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children",
			 e->d_name);
		if (read_pid_list(path, &s->kids, &s->kids_nr)) {
			s->kids_known = 0;
			break;
		}
	}
	closedir(d);
	if (s->kids_known && s->kids_nr) {
		s->dead = calloc(s->kids_nr, 1);
		if (!s->dead)
			s->kids_known = 0;
	}
}

/* Mark make's children that have exited.  make cannot reap them while we
 * block it, so their pids stay theirs and their slots stay idle. */
static void slots_scan_dead(struct slots *s)
{
	char path[64], buf[256], *p;

	for (size_t i = 0; i < s->kids_nr; i++) {
		ssize_t n;
		int fd;

		if (s->dead[i])
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)s->kids[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X')) {
			s->dead[i] = 1;
			s->dead_nr++;
		}
	}
}

static int slots_open(struct slots *s, const struct makeflags *mf,
		      size_t parallel)
{
	struct stat st;
	char path[64];

	memset(s, 0, sizeof(*s));
	s->rfd = s->wfd = -1;
	s->tokens = malloc(parallel + 1);
	s->tokens_alloc = parallel + 1;
	if (!s->tokens || pthread_mutex_init(&s->mu, NULL)) {
		free(s->tokens);
		return OFFLOAD_ENOMEM;
	}
	if (mf->fifo) {
		s->rfd = open(mf->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (s->rfd >= 0) {
			/* A reader (we) exists: this open cannot block. */
			s->wfd = open(mf->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			s->close_wfd = 1;
		}
	} else if (fstat(mf->pipe_r, &st) == 0 && S_ISFIFO(st.st_mode) &&
		   fcntl(mf->pipe_w, F_GETFD) >= 0) {
		/* Our own open file: O_NONBLOCK on make's shared descriptor
		 * would change it for every make using the jobserver. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mf->pipe_r);
		s->rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		s->wfd = mf->pipe_w;
	}
	if (s->rfd < 0 || s->wfd < 0) {
		if (s->rfd >= 0)
			close(s->rfd);
		if (s->close_wfd && s->wfd >= 0)
			close(s->wfd);
		pthread_mutex_destroy(&s->mu);
		free(s->tokens);
		return -1;              /* no usable jobserver */
	}
	/* A write end that blocks is fine: a pipe never fills with tokens. */
	if (s->close_wfd) {
		int fl = fcntl(s->wfd, F_GETFL);

		if (fl >= 0)
			fcntl(s->wfd, F_SETFL, fl & ~O_NONBLOCK);
	}
	slots_snapshot_children(s);
	return 0;
}

/* Take one slot now if there is one: a borrowed idle slot, else a token. */
static int slot_take(struct slots *s)
{
	unsigned char c;
	ssize_t n;
	int got = 0;

	pthread_mutex_lock(&s->mu);
	if (s->kids_known)
		slots_scan_dead(s);
	if (s->borrowed < s->dead_nr) {
		s->borrowed++;
		got = 1;
	} else if (s->tokens_nr < s->tokens_alloc) {
		do
			n = read(s->rfd, &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1) {
			s->tokens[s->tokens_nr++] = c;
			got = 1;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return got;
}

static void put_token(struct slots *s, unsigned char c)
{
	ssize_t n;

	do
		n = write(s->wfd, &c, 1);
	while (n < 0 && errno == EINTR);
}

/* Give one slot back: a token first, so other makes can use it. */
static void slot_give(struct slots *s)
{
	pthread_mutex_lock(&s->mu);
	if (s->tokens_nr)
		put_token(s, s->tokens[--s->tokens_nr]);
	else if (s->borrowed)
		s->borrowed--;
	pthread_mutex_unlock(&s->mu);
}

static int acquire_slot(void *data)
{
	return slot_take(data);
}

static void release_slot(void *data)
{
	slot_give(data);
}

/* Return every token still held and close what is ours. */
static void slots_close(struct slots *s)
{
	while (s->tokens_nr)
		put_token(s, s->tokens[--s->tokens_nr]);
	s->borrowed = 0;
	close(s->rfd);
	if (s->close_wfd)
		close(s->wfd);
	pthread_mutex_destroy(&s->mu);
	free(s->tokens);
	free(s->kids);
	free(s->dead);
	memset(s, 0, sizeof(*s));
	s->rfd = s->wfd = -1;
}

/*
 * The slot of sandbox 0.  With no other child of make running, the
 * recipe's own implicit slot is free (make takes it for this recipe after
 * we return).  Otherwise wait, polling, for an exited child or a token:
 * never block make on the jobserver, whose tokens its finished children
 * cannot return while we hold make.  Returns 0, or the signal that
 * arrived meanwhile.
 */
static int first_slot(struct slots *s)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };

	if (!s->kids_known || !s->kids_nr)
		return 0;
	while (!slot_take(s)) {
		if (sig_caught)
			return sig_caught;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

static int mkdir_parents(const char *path, int include_last)
{
	char *p = strdup(path), *s;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	if (!include_last) {
		s = strrchr(p, '/');
		if (!s || s == p) {
			free(p);
			return 0;
		}
		*s = '\0';
	}
	for (s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

/* `path` made absolute against make's working directory. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];
	char *r;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	r = malloc(strlen(cwd) + strlen(path) + 2);
	if (r)
		sprintf(r, "%s/%s", cwd, path);
	return r;
}

/* ------------------------------------------------------------------ */
/* $(offload-discover CONFIG[,GROUP])                                  */

struct memo {
	struct memo *next;
	char *config, *group;
	struct str words;
};

static struct memo *memos;

static char *memo_result(const struct memo *m)
{
	return to_make(&m->words);
}

#ifdef GMK_ABI_VERSION
static void memos_free(void)
{
	while (memos) {
		struct memo *m = memos;

		memos = m->next;
		free(m->config);
		free(m->group);
		str_release(&m->words);
		free(m);
	}
}
#endif

static void reraise(int sig)
{
	sigset_t set;

	/* make's handler deletes its targets, kills its children and
	 * exits by the signal, as if we had never caught it. */
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

static char *fn_discover(const char *name, unsigned argc, char **argv)
{
	struct offload_run_options ro = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_error err = { 0 };
	struct offload_config cfg;
	struct offload_run *run = NULL;
	struct saved_signals ss = { 0 };
	struct fd_flags ff = { 0 };
	const struct offload_test_list *t;
	struct memo *m = NULL;
	char *config = trimmed(argv[0]);
	char *group = argc > 1 ? trimmed(argv[1]) : NULL;
	char msg[600] = "";
	int ret, cfg_loaded = 0, sig = 0;

	if (!config || (argc > 1 && !group)) {
		snprintf(msg, sizeof(msg), "%s: out of memory", name);
		goto fail;
	}
	if (group && !*group) {
		free(group);
		group = NULL;
	}
	if (!*config) {
		snprintf(msg, sizeof(msg),
			 "%s: missing configuration file (usage: $(%s CONFIG[,GROUP]))",
			 name, name);
		goto fail;
	}
	for (m = memos; m; m = m->next)
		if (!strcmp(m->config, config) &&
		    !strcmp(m->group ? m->group : "", group ? group : "")) {
			free(config);
			free(group);
			return memo_result(m);
		}

	ret = offload_config_load(&cfg, config, &err);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg : offload_strerror(ret));
		goto fail;
	}
	cfg_loaded = 1;
	for (size_t i = 0; i < cfg.warnings_nr; i++)
		make_warning("warning: %s", cfg.warnings[i]);
	ro.only_group = group;
	ret = offload_run_new(&run, &cfg, &ro, &err);
	if (!ret) {
		fds_hide(&ff);
		signals_install(&ss, run);
		ret = offload_run_prepare(run, &err);
		sig = signals_restore(&ss);
		fds_restore(&ff);
	}
	if (sig || ret == OFFLOAD_ECANCELED) {
		offload_run_free(run);
		offload_config_release(&cfg);
		free(config);
		free(group);
		reraise(sig ? sig : SIGINT);
		return NULL;
	}
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg : offload_strerror(ret));
		goto fail;
	}

	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	t = offload_run_tests(run);
	for (size_t i = 0; i < t->nr; i++) {
		if (i)
			str_add(&m->words, " ");
		encode_id(&m->words, t->ids[i]);
	}
	m->config = config;
	m->group = group;
	if (m->words.nomem) {
		str_release(&m->words);
		free(m);
		m = NULL;
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	m->next = memos;
	memos = m;
	offload_run_free(run);
	offload_config_release(&cfg);
	return memo_result(m);

fail:
	offload_run_free(run);
	if (cfg_loaded)
		offload_config_release(&cfg);
	if (m && m->config != config)
		free(m);
	free(config);
	free(group);
	make_error("%s", msg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* $(offload-run CONFIG[,IDS[,OPTIONS]])                               */

struct run_args {
	char *config;
	char **ids;               /* decoded */
	size_t ids_nr;
	char *junit;              /* absolute, or NULL */
	char *group;
	int flaky_fails;
	unsigned parallel;        /* cap, 0: none */
};

static void run_args_release(struct run_args *a)
{
	free(a->config);
	for (size_t i = 0; i < a->ids_nr; i++)
		free(a->ids[i]);
	free(a->ids);
	free(a->junit);
	free(a->group);
	memset(a, 0, sizeof(*a));
}

/* Split `s` into words; call fn for each.  Returns fn's first non-zero. */
static int each_word(const char *s, int (*fn)(const char *w, size_t n, void *d),
		     void *data)
{
	while (*s) {
		const char *w;
		int r;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if ((r = fn(w, (size_t)(s - w), data)))
			return r;
	}
	return 0;
}

struct parse_state {
	struct run_args *a;
	char *msg;
	size_t msg_size;
};

static int add_id(const char *w, size_t n, void *data)
{
	struct parse_state *ps = data;
	struct run_args *a = ps->a;
	int nomem = 0;
	char *id = decode_word(w, n, &nomem);
	char **ids;

	if (!id) {
		snprintf(ps->msg, ps->msg_size, nomem ? "out of memory" :
			 "offload-run: bad encoded test ID '%.*s' (an '@' must be followed by two hex digits)",
			 (int)(n > 200 ? 200 : n), w);
		return -1;
	}
	ids = realloc(a->ids, (a->ids_nr + 1) * sizeof(*ids));
	if (!ids) {
		free(id);
		snprintf(ps->msg, ps->msg_size, "out of memory");
		return -1;
	}
	a->ids = ids;
	a->ids[a->ids_nr++] = id;
	return 0;
}

static int add_option(const char *w, size_t n, void *data)
{
	struct parse_state *ps = data;
	struct run_args *a = ps->a;
	const char *eq = memchr(w, '=', n);
	size_t kn = eq ? (size_t)(eq - w) : n;
	int nomem = 0;
	char *v;

	if (!eq)
		goto bad;
	v = decode_word(eq + 1, n - kn - 1, &nomem);
	if (!v) {
		if (nomem) {
			snprintf(ps->msg, ps->msg_size, "out of memory");
			return -1;
		}
		goto bad;
	}
	if (kn == 5 && !strncmp(w, "junit", 5) && *v) {
		free(a->junit);
		a->junit = absolute(v);
		free(v);
		if (!a->junit) {
			snprintf(ps->msg, ps->msg_size, "cannot resolve 'junit=' path");
			return -1;
		}
		return 0;
	}
	if (kn == 5 && !strncmp(w, "group", 5) && *v) {
		free(a->group);
		a->group = v;
		return 0;
	}
	if (kn == 5 && !strncmp(w, "flaky", 5) &&
	    (!strcmp(v, "pass") || !strcmp(v, "fail"))) {
		a->flaky_fails = !strcmp(v, "fail");
		free(v);
		return 0;
	}
	if (kn == 8 && !strncmp(w, "parallel", 8)) {
		char *end;
		unsigned long p = strtoul(v, &end, 10);

		if (*v && !*end && v[0] != '-' && p >= 1 && p <= 4096) {
			a->parallel = (unsigned)p;
			free(v);
			return 0;
		}
	}
	free(v);
bad:
	snprintf(ps->msg, ps->msg_size,
		 "offload-run: bad option '%.*s' (expected junit=PATH, group=NAME, flaky=pass|fail or parallel=N)",
		 (int)(n > 200 ? 200 : n), w);
	return -1;
}

/* The summary as one recipe line: printf of shell-quoted lines. */
struct summary {
	struct str lines[1];      /* NUL-separated printable lines */
	size_t count;
	size_t bytes;             /* their size once shell-quoted */
};

static void sum_line(struct summary *s, const char *text)
{
	str_addn(s->lines, text, strlen(text) + 1);
	s->count++;
	s->bytes += strlen(text) + 3;   /* ' ' and the quotes */
	for (const char *q = strchr(text, '\''); q; q = strchr(q + 1, '\''))
		s->bytes += 3;          /* ' becomes '\'' */
}

/* Room for one more line that may be left out? */
static int sum_room(const struct summary *s)
{
	return s->bytes <= LIST_BYTES;
}

__attribute__((format(printf, 2, 3)))
static void sum_linef(struct summary *s, const char *fmt, ...)
{
	char buf[1024];
	struct str p = { 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	str_add_printable(&p, buf, 0);
	if (p.nomem)
		s->lines->nomem = 1;
	else
		sum_line(s, p.buf);
	str_release(&p);
}

/* "  ID (reason)" with control bytes shown as \xNN. */
static void sum_test_line(struct summary *s, const char *id, const char *why)
{
	struct str p = { 0 };

	str_add(&p, "  ");
	str_add_printable(&p, id, 4 * TEXT_MAX);
	if (why) {
		str_add(&p, " (");
		str_add_printable(&p, why, TEXT_MAX);
		str_add(&p, ")");
	}
	if (p.nomem)
		s->lines->nomem = 1;
	else
		sum_line(s, p.buf);
	str_release(&p);
}

static void sum_list(struct summary *s, const struct offload_report *rep,
		     enum offload_verdict v, const char *title)
{
	size_t shown = 0, total = 0;

	for (size_t i = 0; i < rep->nr; i++) {
		const struct offload_result *r = &rep->results[i];
		const char *why = NULL;

		if (r->verdict != v)
			continue;
		if (!total++)
			sum_linef(s, "%s:", title);
		if (shown == LIST_MAX || !sum_room(s))
			continue;
		shown++;
		if (v == OFFLOAD_NOT_RUN)
			why = r->not_run_reason;
		else if (v == OFFLOAD_FAILED && r->attempts_nr)
			why = r->attempts[r->attempts_nr - 1].message;
		sum_test_line(s, r->id, why);
	}
	if (total > shown)
		sum_linef(s, "  ... and %zu more (see the JUnit report)", total - shown);
}

/* What make runs: "@printf '%s\n' 'l1' 'l2'...[; exit 1]" (or "exit 1"). */
static char *sum_recipe(struct summary *s, int failed)
{
	struct str r = { 0 };
	char *ret;

	if (s->count) {
		str_add(&r, "@printf '%s\\n'");
		for (const char *p = s->lines->buf, *end = p + s->lines->len;
		     p < end; p += strlen(p) + 1) {
			char *q = offload_shell_quote(p);

			if (!q) {
				r.nomem = 1;
				break;
			}
			str_add(&r, " ");
			str_add(&r, q);
			free(q);
		}
		if (failed)
			str_add(&r, "; exit 1");
	} else if (failed) {
		str_add(&r, "@exit 1");
	}
	if (r.nomem || s->lines->nomem) {
		str_release(&r);
		str_add(&r, failed ? "@echo 'offload: out of memory'; exit 1" :
			"@echo 'offload: out of memory'");
	}
	ret = to_make(&r);
	str_release(&r);
	str_release(s->lines);
	return ret;
}

static void on_event(const struct offload_event *ev, void *data)
{
	struct summary *s = data;

	/* Called on our thread while tests run: no gmk_* here. */
	if ((ev->type == OFFLOAD_EVENT_WARNING || ev->type == OFFLOAD_EVENT_NOTICE) &&
	    ev->text && s->count < 20 && sum_room(s))
		sum_linef(s, "offload: %s%s",
			  ev->type == OFFLOAD_EVENT_WARNING ? "warning: " : "",
			  ev->text);
}

static void summarise(struct summary *s, const struct offload_report *rep)
{
	sum_list(s, rep, OFFLOAD_FAILED, "Failed");
	sum_list(s, rep, OFFLOAD_FLAKY, "Flaky (passed on retry)");
	sum_list(s, rep, OFFLOAD_NOT_RUN, "Not run");
	sum_line(s, "");
	sum_line(s, "Summary");
	sum_linef(s, "  Total:    %zu", rep->nr);
	sum_linef(s, "  Passed:   %zu", rep->passed);
	sum_linef(s, "  Failed:   %zu", rep->failed);
	sum_linef(s, "  Flaky:    %zu", rep->flaky);
	sum_linef(s, "  Skipped:  %zu", rep->skipped);
	sum_linef(s, "  Not run:  %zu", rep->not_run);
	sum_linef(s, "  Duration: %.2fs", rep->secs);
	if (rep->interrupted)
		sum_linef(s, "  Interrupted by signal %d: the report is marked interrupted",
			  rep->interrupted);
	if (rep->junit_path)
		sum_linef(s, "  JUnit:    %s", rep->junit_path);
	sum_linef(s, "%zu passed, %zu failed, %zu skipped",
		  rep->passed + rep->flaky, rep->failed + rep->not_run,
		  rep->skipped);
}

/* Under -n/-q: say what would run, run nothing. */
static char *dry_run(const struct run_args *a)
{
	struct str r = { 0 }, t = { 0 };
	char *q, *ret = NULL;

	if (a->ids_nr)
		str_addf(&t, "offload: would run %zu test%s of ", a->ids_nr,
			 a->ids_nr == 1 ? "" : "s");
	else
		str_add(&t, "offload: would run all tests of ");
	str_add_printable(&t, a->config, 0);
	if (a->group) {
		str_add(&t, " (group ");
		str_add_printable(&t, a->group, 0);
		str_add(&t, ")");
	}
	if (t.nomem)
		goto out;
	q = offload_shell_quote(t.buf);
	if (q) {
		str_add(&r, "echo ");
		str_add(&r, q);
		free(q);
		ret = r.nomem ? NULL : to_make(&r);
	}
out:
	str_release(&t);
	str_release(&r);
	return ret;
}

/* Tests asked for by ID that discovery did not find: not run, so a
 * failure (a stale ID list must not look green). */
static size_t missing_ids(struct summary *s, const struct run_args *a,
			  const struct offload_test_list *t)
{
	size_t missing = 0, shown = 0;

	for (size_t k = 0; k < a->ids_nr; k++) {
		int found = 0;

		for (size_t i = 0; i < t->nr && !found; i++)
			found = !strcmp(t->ids[i], a->ids[k]);
		if (found)
			continue;
		if (!missing++)
			sum_line(s, "Not found (asked for, not discovered):");
		if (missing <= LIST_MAX && sum_room(s)) {
			sum_test_line(s, a->ids[k], NULL);
			shown++;
		}
	}
	if (missing > shown)
		sum_linef(s, "  ... and %zu more", missing - shown);
	return missing;
}

static char *fn_run(const char *name, unsigned argc, char **argv)
{
	struct offload_run_options ro = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_error err = { 0 };
	struct offload_report rep = { 0 };
	struct offload_config cfg;
	struct offload_run *run = NULL;
	struct run_args a = { 0 };
	struct parse_state ps;
	struct makeflags mf;
	struct slots slots;
	struct saved_signals ss = { 0 };
	struct fd_flags ff = { 0 };
	struct summary sum = { { { 0 } }, 0, 0 };
	char msg[700] = "";
	int ret, cfg_loaded = 0, have_slots = 0, sig = 0, failed = 0;
	unsigned parallel;

	ps.a = &a;
	ps.msg = msg;
	ps.msg_size = sizeof(msg);
	a.config = trimmed(argv[0]);
	if (!a.config) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	if (!*a.config) {
		snprintf(msg, sizeof(msg),
			 "%s: missing configuration file (usage: $(%s CONFIG[,IDS[,OPTIONS]]))",
			 name, name);
		goto fail;
	}
	if ((argc > 1 && each_word(argv[1], add_id, &ps)) ||
	    (argc > 2 && each_word(argv[2], add_option, &ps)))
		goto fail;
	makeflags_read(&mf);
	if (mf.dry) {
		makeflags_release(&mf);
		char *r = dry_run(&a);

		run_args_release(&a);
		return r;
	}

	ret = offload_config_load(&cfg, a.config, &err);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg : offload_strerror(ret));
		makeflags_release(&mf);
		goto fail;
	}
	cfg_loaded = 1;
	for (size_t i = 0; i < cfg.warnings_nr && sum_room(&sum); i++)
		sum_linef(&sum, "offload: warning: %s", cfg.warnings[i]);
	if (a.junit) {
		/* The history follows the report unless configured apart. */
		if (cfg.history_path && !strcmp(cfg.history_path, cfg.junit_file)) {
			free(cfg.history_path);
			cfg.history_path = strdup(a.junit);
		}
		free(cfg.junit_file);
		cfg.junit_file = a.junit;
		a.junit = NULL;
		cfg.junit = 1;
	}

	/* -jN: up to max_parallel sandboxes, gated by tokens; bare -j: no
	 * limit but ours; no jobserver (plain make, -j1): one at a time. */
	parallel = a.parallel && a.parallel < cfg.max_parallel ? a.parallel :
		cfg.max_parallel;
	if (mf.fifo || mf.pipe_r >= 0) {
		if (slots_open(&slots, &mf, parallel) == 0)
			have_slots = 1;
		else
			parallel = 1;
	} else if (!mf.unlimited) {
		parallel = 1;
	}
	makeflags_release(&mf);
	ro.parallel = parallel;
	ro.only_group = a.group;
	ro.only_ids = a.ids_nr ? (const char *const *)a.ids : NULL;
	ro.only_ids_nr = a.ids_nr;
	ro.on_event = on_event;
	ro.data = &sum;
	if (have_slots) {
		ro.acquire_slot = acquire_slot;
		ro.release_slot = release_slot;
		ro.slot_data = &slots;
	}

	ret = offload_run_new(&run, &cfg, &ro, &err);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg : offload_strerror(ret));
		goto fail;
	}
	fds_hide(&ff);
	signals_install(&ss, run);
	ret = offload_run_prepare(run, &err);
	if (ret == OFFLOAD_ECONFIG || ret == OFFLOAD_EUSAGE) {
		snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg : offload_strerror(ret));
		goto fail;
	}
	if (sig_caught || ret == OFFLOAD_ECANCELED)
		goto done;
	if (ret) {
		/* A collection error is the tests' fault: a failing recipe. */
		sum_linef(&sum, "offload: %s", err.msg[0] ? err.msg : offload_strerror(ret));
		failed = 1;
		goto done;
	}
	if (missing_ids(&sum, &a, offload_run_tests(run)))
		failed = 1;
	if (!offload_run_tests(run)->nr) {
		sum_linef(&sum, "offload: no tests discovered (check paths and filters in '%s')",
			  a.config);
		failed = 1;
		goto done;
	}
	if (have_slots && first_slot(&slots))
		goto done;
	if ((ret = mkdir_parents(cfg.output_dir, 1)) ||
	    (cfg.junit && (ret = mkdir_parents(cfg.junit_file, 0)))) {
		sum_linef(&sum, "offload: cannot create the directories of '%s': %s",
			  cfg.junit ? cfg.junit_file : cfg.output_dir,
			  offload_strerror(ret));
		failed = 1;
		goto done;
	}
	ret = offload_run_execute(run, &rep, &err);
	if (ret) {
		sum_linef(&sum, "offload: %s", err.msg[0] ? err.msg : offload_strerror(ret));
		failed = 1;
		goto done;
	}
	summarise(&sum, &rep);
	if (rep.failed || rep.not_run || rep.interrupted ||
	    (a.flaky_fails && rep.flaky))
		failed = 1;

done:
	/* Every child is gone by now: the library reaped its own. */
	if (have_slots)
		slots_close(&slots);
	have_slots = 0;
	sig = signals_restore(&ss);
	fds_restore(&ff);
	offload_report_release(&rep);
	offload_run_free(run);
	offload_config_release(&cfg);
	run_args_release(&a);
	if (sig) {
		str_release(sum.lines);
		reraise(sig);
		/* make ignores the signal: the run still did not finish. */
		sum_line(&sum, "offload: interrupted");
		return sum_recipe(&sum, 1);
	}
	return sum_recipe(&sum, failed);

fail:
	if (have_slots)
		slots_close(&slots);
	signals_restore(&ss);
	fds_restore(&ff);
	offload_run_free(run);
	if (cfg_loaded)
		offload_config_release(&cfg);
	run_args_release(&a);
	str_release(sum.lines);
	make_error("%s", msg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static void define_helpers(const gmk_floc *floc)
{
	/* make_error() spells parentheses through these, so a message can
	 * hold any text without ending $(error ...) early. */
	gmk_eval(".offload.lp := (\n.offload.rp := )\n", floc);
}

#ifdef GMK_ABI_VERSION
/* make after 4.4.1: an ABI number first, and an unload hook. */
EXPORT int offload_gmk_setup(unsigned int abi, const gmk_floc *floc);
EXPORT void offload_gmk_unload(void);

void offload_gmk_unload(void)
{
	memos_free();
}

int offload_gmk_setup(unsigned int abi, const gmk_floc *floc)
#else
EXPORT int offload_gmk_setup(const gmk_floc *floc);

int offload_gmk_setup(const gmk_floc *floc)
#endif
{
	gmk_add_function("offload-discover", fn_discover, 1, 2, GMK_FUNC_DEFAULT);
	gmk_add_function("offload-run", fn_run, 1, 3, GMK_FUNC_DEFAULT);
	define_helpers(floc);
	/* 1, not -1: loaded as `-load ./offload.so` with a rule that builds
	 * it, make may rebuild it and re-execute itself. */
	return 1;
}
