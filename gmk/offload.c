/* SPDX-License-Identifier: MIT */
/*
 * offload.c - the GNU Make module: $(offload-discover CONFIG[,GROUP]) and
 * $(offload-run CONFIG[,IDS[,OPTIONS]]), a thin adapter over
 * include/offload.h.  It is not a second engine: everything about running
 * tests lives in liboffload and the `offload` command.
 *
 * DESIGN: make calls these functions in its main thread, with its whole
 * scheduler stalled until they return.  So $(offload-run ...) runs no
 * test: it checks its arguments and expands to a recipe line,
 *
 *     +@'/path/bin/offload' run --make -c 'CONFIG' [options] [IDS]
 *
 * that make runs as any other job: make keeps scheduling while the tests
 * run, two test targets run at once, and the `offload` child takes and
 * returns jobserver tokens itself (the `+` hands it make's jobserver and
 * makes it run under -n/-q/-t, where it prints what would run).
 *
 * $(offload-discover ...) must give its words at parse time, so it still
 * runs discovery inside make: it never returns while a child of ours
 * lives (make reaps with waitpid(-1) as soon as we return), calls no
 * gmk_* function while one runs, and expands $(error ...) only after
 * everything is cleaned up.  A cache in the output directory (cache.c)
 * makes it cost a few stat() calls when nothing changed.
 */
#include <ctype.h>
#include <dlfcn.h>
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
#include <unistd.h>
#include <gnumake.h>
#include <offload.h>
#include "cache.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int plugin_is_GPL_compatible;

/* Encoded IDs longer than this go to a file (--ids-file), not on the
 * command line: the kernel caps one argument (sh -c LINE) at 128 KiB. */
#define IDS_INLINE_MAX (64 * 1024)

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

/* Is the discovery cache wanted?  OFFLOAD_DISCOVER_CACHE=off (a make
 * variable, or the environment) turns it off. */
static int cache_wanted(void)
{
	char *v = gmk_expand("$(OFFLOAD_DISCOVER_CACHE)");
	int off = v && (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"));

	gmk_free(v);
	return !off;
}

/* Discover the tests of `cfg` (or of `group`) in make's process, as the
 * encoded words in *words.  Returns 0, the signal that stopped it (> 0),
 * or an error with msg filled. */
static int discover_words(const struct offload_config *cfg, const char *group,
			  struct str *words, char *msg, size_t msg_size)
{
	struct offload_run_options ro = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_error err = { 0 };
	struct offload_run *run = NULL;
	struct saved_signals ss = { 0 };
	struct fd_flags ff = { 0 };
	const struct offload_test_list *t;
	int ret, sig;

	ro.only_group = group;
	ret = offload_run_new(&run, cfg, &ro, &err);
	if (!ret) {
		fds_hide(&ff);
		signals_install(&ss, run);
		ret = offload_run_prepare(run, &err);
		sig = signals_restore(&ss);
		fds_restore(&ff);
		/* Whatever discovery said meanwhile: a signal is a signal. */
		if (sig) {
			offload_run_free(run);
			return sig;
		}
	}
	if (ret) {
		snprintf(msg, msg_size, "%s", ret == OFFLOAD_ECANCELED ?
			 "discovery was canceled" :
			 err.msg[0] ? err.msg : offload_strerror(ret));
		offload_run_free(run);
		return ret;
	}
	t = offload_run_tests(run);
	for (size_t i = 0; i < t->nr && !words->nomem; i++) {
		char *w = offload_make_encode(t->ids[i]);

		if (!w) {
			words->nomem = 1;
			break;
		}
		if (i)
			str_add(words, " ");
		str_add(words, w);
		free(w);
	}
	offload_run_free(run);
	if (words->nomem) {
		snprintf(msg, msg_size, "out of memory");
		return OFFLOAD_ENOMEM;
	}
	return 0;
}

static char *fn_discover(const char *name, unsigned argc, char **argv)
{
	struct offload_error err = { 0 };
	struct offload_config *cfg = NULL;
	struct memo *m = NULL;
	char *config = trimmed(argv[0]);
	char *group = argc > 1 ? trimmed(argv[1]) : NULL;
	char *cache = NULL, key[33];
	char msg[600] = "";
	int ret, keyed = 0;

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
	m = NULL;

	ret = offload_config_load(&cfg, config, &err);
	if (ret) {
		snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg : offload_strerror(ret));
		goto fail;
	}
	for (size_t i = 0; i < offload_config_warnings_nr(cfg); i++)
		make_warning("warning: %s", offload_config_warning(cfg, i));
	if (!(m = calloc(1, sizeof(*m)))) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	if (cache_wanted() && (cache = discover_cache_path(cfg, group)) &&
	    !discover_cache_key(cfg, group, key)) {
		size_t len;
		char *words = discover_cache_read(cache, key, &len);

		keyed = 1;
		if (words) {
			str_addn(&m->words, words, len);
			free(words);
			goto remember;
		}
	}
	ret = discover_words(cfg, group, &m->words, msg, sizeof(msg));
	if (ret > 0) {
		free(cache);
		str_release(&m->words);
		free(m);
		offload_config_free(cfg);
		free(config);
		free(group);
		reraise(ret);
		/* make ignores that signal: discovery still did not finish. */
		make_error("%s: interrupted by signal %d", name, ret);
		return NULL;
	}
	if (ret == OFFLOAD_EDISCOVER) {
		/* The tests are broken (a collection error), not the
		 * Makefile: say it and list no test, so that `make clean`
		 * and the build still work; the test run fails and writes
		 * a report that says why.  Not cached. */
		make_warning("%s; listing no test", msg);
		keyed = 0;
	} else if (ret) {
		goto fail;
	}
	/* The key of what discovery left: it may have written into its
	 * inputs (pytest's first __pycache__ changes its directory's time). */
	if (keyed && !m->words.nomem && !discover_cache_key(cfg, group, key))
		discover_cache_write(cache, key, m->words.buf ? m->words.buf : "",
				     m->words.len);
remember:
	if (m->words.nomem) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	free(cache);
	m->config = config;
	m->group = group;
	m->next = memos;
	memos = m;
	offload_config_free(cfg);
	return memo_result(m);

fail:
	free(cache);
	if (m) {
		str_release(&m->words);
		free(m);
	}
	offload_config_free(cfg);
	free(config);
	free(group);
	make_error("%s", msg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* $(offload-run CONFIG[,IDS[,OPTIONS]])                               */

#ifndef OFFLOAD_BINDIR_DEFAULT
#define OFFLOAD_BINDIR_DEFAULT "/usr/local/bin"
#endif

/* Is dir + rel an executable?  Then its real path, else NULL; the path
 * tried is added to `tried`. */
static char *try_command(const char *dir, const char *rel, char *tried,
			 size_t tried_size)
{
	char *c = malloc(strlen(dir) + strlen(rel) + 1), *r = NULL;
	size_t n = strlen(tried);

	if (!c)
		return NULL;
	sprintf(c, "%s%s", dir, rel);
	snprintf(tried + n, tried_size - n, "%s'%s'", n ? ", " : "", c);
	if (access(c, X_OK) == 0)
		r = realpath(c, NULL);
	free(c);
	return r;
}

/*
 * The `offload` command the recipe runs: $(OFFLOAD_COMMAND) when set;
 * else the one beside this module's real file (build/gmk/offload.so has
 * build/bin/offload; LIBDIR/offload/offload.so has LIBDIR/../bin); else
 * the one of the build tree this module was built in (a copy of the
 * module elsewhere); else BINDIR's.  NULL when none is executable.
 */
static char *find_command(char *tried, size_t tried_size)
{
	char *v = gmk_expand("$(OFFLOAD_COMMAND)");
	char *dir = NULL, *r = NULL;
	Dl_info info;

	tried[0] = '\0';
	if (v && *v) {
		r = strdup(v);
		gmk_free(v);
		return r;
	}
	gmk_free(v);
	if (dladdr((void *)find_command, &info) && info.dli_fname &&
	    (dir = realpath(info.dli_fname, NULL)) && strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		if (!(r = try_command(dir, "/../bin/offload", tried, tried_size)))
			r = try_command(dir, "/../../bin/offload", tried, tried_size);
	}
	free(dir);
#ifdef OFFLOAD_BUILD_BINDIR
	if (!r)
		r = try_command(OFFLOAD_BUILD_BINDIR, "/offload", tried, tried_size);
#endif
	if (!r)
		r = try_command(OFFLOAD_BINDIR_DEFAULT, "/offload", tried, tried_size);
	return r;
}

struct run_line {
	struct str line;          /* the recipe line being built */
	struct str ids;           /* the encoded IDs, blank-separated */
	size_t ids_nr;
	char *msg;
	size_t msg_size;
};

static void add_quoted(struct str *s, const char *text)
{
	char *q = offload_shell_quote(text);

	if (!q) {
		s->nomem = 1;
		return;
	}
	str_add(s, " ");
	str_add(s, q);
	free(q);
}

/* Split `s` into blank-separated words; call fn for each.  Returns fn's
 * first non-zero. */
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

/* An ID word is checked here, so that a bad one stops make at the
 * Makefile's line; the `offload` child decodes it again. */
static int add_id(const char *w, size_t n, void *data)
{
	struct run_line *rl = data;
	char *id;
	int ret = offload_make_decode(w, n, &id);

	if (ret) {
		snprintf(rl->msg, rl->msg_size, ret == OFFLOAD_EPARSE ?
			 "offload-run: bad encoded test ID '%.*s' (an '@' must be followed by two hex digits)" :
			 "out of memory", (int)(n > 200 ? 200 : n), w);
		return -1;
	}
	free(id);
	if (rl->ids_nr++)
		str_add(&rl->ids, " ");
	str_addn(&rl->ids, w, n);
	return 0;
}

static int add_option(const char *w, size_t n, void *data)
{
	struct run_line *rl = data;
	const char *eq = memchr(w, '=', n);
	size_t kn = eq ? (size_t)(eq - w) : n;
	char *v = NULL;

	if (!eq || offload_make_decode(eq + 1, n - kn - 1, &v))
		goto bad;
	if (kn == 5 && !strncmp(w, "junit", 5) && *v) {
		str_add(&rl->line, " --junit");
		add_quoted(&rl->line, v);
	} else if (kn == 5 && !strncmp(w, "group", 5) && *v) {
		str_add(&rl->line, " -g");
		add_quoted(&rl->line, v);
	} else if (kn == 5 && !strncmp(w, "flaky", 5) && !strcmp(v, "fail")) {
		str_add(&rl->line, " --flaky-fails");
	} else if (kn == 5 && !strncmp(w, "flaky", 5) && !strcmp(v, "pass")) {
		;
	} else if (kn == 8 && !strncmp(w, "parallel", 8)) {
		char *end;
		unsigned long p = strtoul(v, &end, 10);

		if (!*v || *end || v[0] == '-' || p < 1 || p > 4096)
			goto bad;
		str_addf(&rl->line, " -j %lu", p);
	} else {
		goto bad;
	}
	free(v);
	return 0;
bad:
	free(v);
	snprintf(rl->msg, rl->msg_size,
		 "offload-run: bad option '%.*s' (expected junit=PATH, group=NAME, flaky=pass|fail or parallel=N)",
		 (int)(n > 200 ? 200 : n), w);
	return -1;
}

/* A list too long for one command line goes to a file the child reads
 * and removes. */
static int ids_to_file(struct run_line *rl)
{
	const char *tmpdir = getenv("TMPDIR");
	char *path = malloc(strlen(tmpdir && *tmpdir ? tmpdir : "/tmp") + 32);
	int fd, ok;

	if (!path)
		return -1;
	sprintf(path, "%s/offload-ids.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		snprintf(rl->msg, rl->msg_size, "offload-run: cannot create '%s': %s",
			 path, strerror(errno));
		free(path);
		return -1;
	}
	ok = write(fd, rl->ids.buf, rl->ids.len) == (ssize_t)rl->ids.len;
	ok = !close(fd) && ok;
	if (!ok) {
		snprintf(rl->msg, rl->msg_size, "offload-run: cannot write '%s': %s",
			 path, strerror(errno));
		unlink(path);
		free(path);
		return -1;
	}
	str_add(&rl->line, " --ids-file");
	add_quoted(&rl->line, path);
	free(path);
	return 0;
}

static char *fn_run(const char *name, unsigned argc, char **argv)
{
	struct run_line rl = { .msg_size = 1200 };
	char msg[1200] = "", tried[600];
	char *config = trimmed(argv[0]), *cmd = NULL, *r;

	rl.msg = msg;
	if (!config) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	if (!*config) {
		snprintf(msg, sizeof(msg),
			 "%s: missing configuration file (usage: $(%s CONFIG[,IDS[,OPTIONS]]))",
			 name, name);
		goto fail;
	}
	if (!(cmd = find_command(tried, sizeof(tried)))) {
		snprintf(msg, sizeof(msg),
			 "%s: cannot find the offload command (tried %s); set OFFLOAD_COMMAND",
			 name, tried);
		goto fail;
	}
	/* '+': make hands us its jobserver and runs the line under -n, -q
	 * and -t too, where `offload run --make` prints what it would run. */
	str_add(&rl.line, "+@");
	add_quoted(&rl.line, cmd);
	str_add(&rl.line, " run --make -c");
	add_quoted(&rl.line, config);
	if ((argc > 1 && each_word(argv[1], add_id, &rl)) ||
	    (argc > 2 && each_word(argv[2], add_option, &rl)))
		goto fail;
	if (rl.ids.len > IDS_INLINE_MAX) {
		if (ids_to_file(&rl))
			goto fail;
	} else if (rl.ids_nr) {
		str_add(&rl.line, " -- ");
		str_add(&rl.line, rl.ids.buf);
	}
	if (rl.line.nomem || rl.ids.nomem) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto fail;
	}
	r = to_make(&rl.line);
	str_release(&rl.line);
	str_release(&rl.ids);
	free(cmd);
	free(config);
	return r;
fail:
	str_release(&rl.line);
	str_release(&rl.ids);
	free(cmd);
	free(config);
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
