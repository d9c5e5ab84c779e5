/* SPDX-License-Identifier: MIT */
/*
 * framework_exec.c - the `exec` framework: every executable regular file
 * matched by the `paths` globs is a test, named by its path relative to
 * the working directory.  A batch runs its tests one process at a time, in
 * order; the exit status decides (0 passes, 77 skips as in automake,
 * anything else fails).  This path is the benchmark's hot loop: one spawn
 * per test, no sleeps, and logs written through stdio buffers.
 */
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "framework.h"
#include "spawn.h"


/* Split on blanks only: glob patterns keep their backslashes. */
static int split_blanks(const char *s, struct strvec *out)
{
	while (*s) {
		size_t n;

		s += strspn(s, " \t\r\n");
		n = strcspn(s, " \t\r\n");
		if (n && strvec_push_nodup(out, strndup(s, n)))
			return OFFLOAD_ENOMEM;
		s += n;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `dir` with glob's special characters escaped, so that only the
 * pattern's own metacharacters match. */
static int glob_escape(struct buf *out, const char *dir, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((strchr("*?[]\\", dir[i]) && buf_addch(out, '\\')) ||
		    buf_addch(out, dir[i]))
			return OFFLOAD_ENOMEM;
	return 0;
}

/*
 * A regular file that access(X_OK) calls executable (any_file: any
 * regular file).  access() is asked only when the mode leaves a doubt:
 * without any x bit nobody may run the file, and its owner may when the
 * owner's x bit is set.  One system call per file instead of two: with
 * 100,000 files the stat() and access() path walks were most of
 * discovery's time.
 */
static int is_test_file(const char *path, int any_file, uid_t uid)
{
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (any_file)
		return 1;
	if (!(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return 0;
	if (st.st_uid == uid && (st.st_mode & S_IXUSR))
		return 1;
	return !access(path, X_OK);
}

/* The group's filters, if any, are more globs an ID must match (fnmatch
 * without flags: '*' crosses '/'). */
static int wanted(const char *id, const struct strvec *filters)
{
	if (!filters->nr)
		return 1;
	for (size_t i = 0; i < filters->nr; i++)
		if (!fnmatch(filters->v[i], id, 0))
			return 1;
	return 0;
}

static int glob_one(const char *dir, const char *pattern, int any_file,
		    const struct strvec *filters, struct strvec *ids)
{
	struct buf full = BUF_INIT;
	size_t dlen = strlen(dir), strip = 0, first = ids->nr;
	uid_t uid = getuid();	/* access() checks the real user */
	glob_t gl;
	int r = 0, gr;

	/* glob relative to the working directory without chdir (the
	 * process's cwd is shared by every thread): prefix, then strip */
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (pattern[0] != '/') {
		if (glob_escape(&full, dir, dlen) ||
		    (dir[dlen - 1] != '/' && buf_addch(&full, '/')))
			goto nomem;
		strip = dlen + (dir[dlen - 1] != '/');
	}
	if (buf_adds(&full, pattern))
		goto nomem;
	gr = glob(full.buf, GLOB_NOSORT, NULL, &gl);
	if (gr == GLOB_NOSPACE)
		goto nomem;
	for (size_t i = 0; !gr && i < gl.gl_pathc; i++) {
		const char *id = gl.gl_pathv[i] + strip;

		if (strlen(gl.gl_pathv[i]) > strip && is_test_file(gl.gl_pathv[i], any_file, uid) &&
		    wanted(id, filters) && strvec_push(ids, id)) {
			r = OFFLOAD_ENOMEM;
			break;
		}
	}
	if (!gr)
		globfree(&gl);
	if (!r && ids->nr - first > 1)
		qsort(ids->v + first, ids->nr - first, sizeof(*ids->v), cmp_str);
	buf_release(&full);
	return r;
nomem:
	buf_release(&full);
	return OFFLOAD_ENOMEM;
}

int paths_discover(const struct offload_config *cfg,
		   const struct offload_group *g, int any_file,
		   struct strvec *ids, struct offload_error *err)
{
	struct strvec patterns = STRVEC_INIT, filters = STRVEC_INIT;
	const char *dir = cfg->provider_working_dir ? cfg->provider_working_dir : ".";
	int r;

	r = split_blanks(cfg->paths ? cfg->paths : "", &patterns);
	if (!r)
		r = split_blanks(g->filters ? g->filters : "", &filters);
	for (size_t i = 0; !r && i < patterns.nr; i++)
		r = glob_one(dir, patterns.v[i], any_file, &filters, ids);
	if (r)
		err_set(err, r, "out of memory");
	strvec_clear(&patterns);
	strvec_clear(&filters);
	return r;
}

static int exec_discover(const struct offload_config *cfg, int cancel_fd,
		  const struct offload_group *g, struct strvec *ids,
		  struct offload_error *err)
{
	(void)cancel_fd;
	return paths_discover(cfg, g, 0, ids, err);
}

static int canceled_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&p, 1, 0) > 0;
}

static int open_log(const struct batch_exec *b, const char *ext, FILE **f,
		    struct offload_error *err)
{
	char path[4096];

	if (!b->log_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/batch-%u.%s", b->log_dir, b->batch_no, ext);
	*f = fopen(path, "we");	/* "e": O_CLOEXEC, other threads spawn */
	if (!*f)
		return err_set(err, -errno, "cannot write '%s': %s", path,
			       strerror(errno));
	return 0;
}

static int close_log(FILE *f, const struct batch_exec *b, const char *ext,
		     struct offload_error *err)
{
	int bad;

	if (!f)
		return 0;
	bad = ferror(f);
	if (fclose(f) || bad)
		return err_set(err, -EIO, "cannot write '%s/batch-%u.%s'",
			       b->log_dir, b->batch_no, ext);
	return 0;
}

static void log_stream(FILE *f, const char *id, const char *word,
		       const struct capbuf *cb, struct buf *scratch)
{
	if (!f)
		return;
	fprintf(f, "=== %s (%s) ===\n", id, word);
	buf_reset(scratch);
	if (!capbuf_render(cb, scratch))
		fwrite(scratch->buf, 1, scratch->len, f);
	if (scratch->len && scratch->buf[scratch->len - 1] != '\n')
		fputc('\n', f);
}

/* Turn one finished process into test i's attempt; returns the word for
 * the log banner, or NULL on ENOMEM. */
static const char *judge(struct batch_exec *b, size_t i,
			 const struct spawn_res *res)
{
	struct test_outcome *t = &b->res[i];
	struct buf out = BUF_INIT;
	char msg[128], sig[64];
	enum offload_outcome o;
	const char *word;
	int r;

	switch (res->state) {
	case SPAWN_EXITED:
		if (res->status == 0)
			return outcome_set(t, OFFLOAD_ATTEMPT_PASSED, res->secs,
					   NULL, NULL) ? NULL : "passed";
		snprintf(msg, sizeof(msg), "exit status %d", res->status);
		o = res->status == 77 ? OFFLOAD_ATTEMPT_SKIPPED : OFFLOAD_ATTEMPT_FAILED;
		word = res->status == 77 ? "skipped" : "failed";
		break;
	case SPAWN_SIGNALED:
		snprintf(msg, sizeof(msg), "killed by %s",
			 signal_text(res->status, sig, sizeof(sig)));
		o = OFFLOAD_ATTEMPT_ERROR;
		word = "error";
		break;
	default:	/* SPAWN_TIMEDOUT; canceled is handled by the caller */
		snprintf(msg, sizeof(msg), "timed out after %g s",
			 b->cfg->test_timeout_secs);
		o = OFFLOAD_ATTEMPT_ERROR;
		word = "timed out";
		break;
	}
	r = res_output(res, &out);
	if (!r)
		r = outcome_set(t, o, res->secs, msg, out.buf);
	buf_release(&out);
	return r ? NULL : word;
}

/* ------------------------------------------------------------------ */
/* A remote sandbox: one step for the whole batch                      */

/*
 * The batch's runner, sh, run in the sandbox as `sh -c RUNNER sh SECS
 * ID...`: each test in turn, under `timeout` when the host has it, its
 * output in .offload/exec/N.out and N.err, its status and start and end
 * times (ns; a test starts when the one before ended) appended to
 * .offload/exec/status.  One exec and one download per batch instead of
 * one exec per test: over ssh or srun a step costs tens of milliseconds.
 * Few processes besides the tests' own (one `timeout` per test, no
 * `date`, a mkdir only in a sandbox's first batch): on a small machine
 * running many sandboxes, process start-up is most of a batch's cost.
 * The directory outlives the batch (status is emptied, N.out and N.err
 * overwritten): the framework reads only what this batch wrote.
 */
static const char remote_runner[] =
	"t=$1; shift; o=.offload/exec; "
	"if [ ! -d \"$o\" ]; then mkdir -p \"$o\" || exit 1; fi; "
	": >\"$o/status\" || exit 1; n=0; "
	"if command -v timeout >/dev/null 2>&1; then w=\"timeout -k 1 $t\"; "
	"else w=; fi; "
	/* the clock without a process per reading where /proc/uptime is
	 * (centiseconds), date +%s%N elsewhere: nanoseconds either way */
	"now() { if [ -r /proc/uptime ]; then read x y </proc/uptime; "
	"x=${x%.*}${x#*.}0000000; else x=$(date +%s%N); fi; }; "
	"now; s=$x; "
	"for id; do n=$((n + 1)); "
	"case $id in /*) p=$id ;; *) p=./$id ;; esac; "
	"$w \"$p\" >\"$o/$n.out\" 2>\"$o/$n.err\" </dev/null; r=$?; "
	"now; e=$x; "
	"printf '%d %s %s\\n' \"$r\" \"$s\" \"$e\" >>\"$o/status\"; s=$e; "
	"done";

#define REMOTE_EXEC_DIR ".offload/exec"

/* Read file `path` into `cb` (capped like a live capture); missing is
 * empty. */
static int slurp(const char *path, struct capbuf *cb)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return 0;
	while (!r && (n = fread(chunk, 1, sizeof(chunk), f)))
		r = capbuf_add(cb, chunk, n);
	fclose(f);
	return r;
}

static int exec_remote_batch(struct batch_exec *b, FILE *lo, FILE *le,
			     struct offload_error *err)
{
	struct strvec argv = STRVEC_INIT, fetched = STRVEC_INIT;
	struct sandbox_cmd req = { 0 };
	struct spawn_res res, one;
	struct offload_error serr = { 0, "" };
	struct buf scratch = BUF_INIT, path = BUF_INIT;
	char *const dir[1] = { (char *)REMOTE_EXEC_DIR };
	double t = b->cfg->test_timeout_secs;
	FILE *st = NULL;
	size_t i = 0;
	int r;

	memset(&res, 0, sizeof(res));
	capbuf_init(&res.out, OFFLOAD_OUTPUT_CAP);
	capbuf_init(&res.err, OFFLOAD_OUTPUT_CAP);
	r = strvec_push(&argv, "sh") || strvec_push(&argv, "-c") ||
		strvec_push(&argv, remote_runner) || strvec_push(&argv, "sh") ||
		strvec_pushf(&argv, "%.0f", t < 1 ? 1 : t);
	for (size_t k = 0; !r && k < b->nr; k++)
		r = strvec_push(&argv, b->ids[k]);
	if (r)
		goto nomem;
	batch_cmd(&req, &res, b, argv.v, NULL);
	req.fetch = dir;
	req.nfetch = 1;
	req.self_bounded = 1;	/* each test under timeout there */
	/* each test has its own timeout there; this one bounds the batch */
	req.timeout_secs = t * (double)b->nr + 30;
	r = sandbox_exec(b->sb, &req, &res, &serr);
	if (r == OFFLOAD_ENOMEM || r == -ENOMEM)
		goto nomem;
	if (r == OFFLOAD_ELOST)
		goto lost;
	if (r) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
		goto out;
	}
	if (res.state == SPAWN_CANCELED) {
		b->canceled = 1;
		goto out;
	}
	r = sandbox_fetch(b->sb, dir, 1, b->cancel_fd, &fetched, &serr);
	if (r == OFFLOAD_ELOST)
		goto lost;
	if (r == OFFLOAD_ECANCELED) {
		b->canceled = 1;
		r = 0;
		goto out;
	}
	if (r)
		goto nomem;
	buf_reset(&path);
	if (buf_addf(&path, "%s/status", fetched.v[0]))
		goto nomem;
	st = fopen(path.buf, "re");
	for (i = 0; st && i < b->nr; i++) {
		long long s0, s1;
		int status;
		const char *word;

		if (fscanf(st, "%d %lld %lld", &status, &s0, &s1) != 3)
			break;
		memset(&one, 0, sizeof(one));
		capbuf_init(&one.out, OFFLOAD_OUTPUT_CAP);
		capbuf_init(&one.err, OFFLOAD_OUTPUT_CAP);
		one.secs = (double)(s1 - s0) / 1e9;
		one.state = SPAWN_EXITED;
		one.status = status;
		if (status == 124 || status == 137) {
			one.state = SPAWN_TIMEDOUT;
		} else if (status > 128 && status < 128 + 65) {
			one.state = SPAWN_SIGNALED;
			one.status = status - 128;
		}
		r = 0;
		buf_reset(&path);
		if (buf_addf(&path, "%s/%zu.out", fetched.v[0], i + 1) ||
		    slurp(path.buf, &one.out))
			r = OFFLOAD_ENOMEM;
		buf_reset(&path);
		if (!r && (buf_addf(&path, "%s/%zu.err", fetched.v[0], i + 1) ||
			   slurp(path.buf, &one.err)))
			r = OFFLOAD_ENOMEM;
		word = r ? NULL : judge(b, i, &one);
		if (word) {
			log_stream(lo, b->ids[i], word, &one.out, &scratch);
			log_stream(le, b->ids[i], word, &one.err, &scratch);
		}
		spawn_res_release(&one);
		if (!word)
			goto nomem;
	}
	/* The tests the runner never reached: how the batch ended says why. */
	if (i < b->nr) {
		char msg[160];
		struct buf output = BUF_INIT;

		if (res.state == SPAWN_TIMEDOUT)
			snprintf(msg, sizeof(msg), "not reached: the batch timed out "
				 "after %g s", req.timeout_secs);
		else
			snprintf(msg, sizeof(msg), "not reached: the batch ended "
				 "with status %d", res.status);
		r = res_output(&res, &output);
		for (; !r && i < b->nr; i++)
			r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_ERROR, 0, msg,
					output.buf);
		buf_release(&output);
		if (r)
			goto nomem;
	}
	r = 0;
	goto out;
lost:
	r = err_set(err, OFFLOAD_ELOST, "%s", serr.msg);
	goto out;
nomem:
	r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
out:
	if (st)
		fclose(st);
	spawn_res_release(&res);
	strvec_clear(&argv);
	strvec_clear(&fetched);
	buf_release(&scratch);
	buf_release(&path);
	return r;
}

static int exec_run_batch(struct batch_exec *b, struct offload_error *err)
{
	FILE *lo = NULL, *le = NULL;
	struct buf path = BUF_INIT, scratch = BUF_INIT;
	const char *dir = b->sb->cwd;
	int r = 0;

	r = open_log(b, "stdout", &lo, err);
	if (!r)
		r = open_log(b, "stderr", &le, err);
	if (r)
		goto cleanup;
	if (b->sb->fetch_dir) {
		r = exec_remote_batch(b, lo, le, err);
		goto cleanup;
	}
	for (size_t i = 0; i < b->nr; i++) {
		const char *id = b->ids[i], *word;
		char *argv[2];
		struct sandbox_cmd req = { 0 };
		struct spawn_res res;
		struct offload_error serr = { 0, "" };
		int sr;

		if (canceled_now(b->cancel_fd)) {
			b->canceled = 1;
			break;
		}
		buf_reset(&path);
		if (id[0] != '/' && buf_addf(&path, "%s/", dir)) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (buf_adds(&path, id)) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		argv[0] = path.buf;
		argv[1] = NULL;
		batch_cmd(&req, &res, b, argv, NULL);
		sr = sandbox_exec(b->sb, &req, &res, &serr);
		if (sr == OFFLOAD_ENOMEM || sr == -ENOMEM) {
			spawn_res_release(&res);
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (sr == OFFLOAD_ELOST) {	/* this test and the rest: elsewhere */
			spawn_res_release(&res);
			r = err_set(err, OFFLOAD_ELOST, "%s", serr.msg);
			goto cleanup;
		}
		if (sr) {	/* could not start: the test's failure, not ours */
			word = "error";
			if (outcome_set(&b->res[i], OFFLOAD_ATTEMPT_ERROR, 0,
					serr.msg, NULL))
				word = NULL;
		} else if (res.state == SPAWN_CANCELED) {
			spawn_res_release(&res);
			b->canceled = 1;
			break;
		} else {
			word = judge(b, i, &res);
		}
		if (!word) {
			spawn_res_release(&res);
			r = OFFLOAD_ENOMEM;
			break;
		}
		log_stream(lo, id, word, &res.out, &scratch);
		log_stream(le, id, word, &res.err, &scratch);
		spawn_res_release(&res);
	}
	if (r)
		err_set(err, r, "out of memory");
cleanup:
	if (!r)
		r = close_log(lo, b, "stdout", err);
	else if (lo)
		fclose(lo);
	if (!r)
		r = close_log(le, b, "stderr", err);
	else if (le)
		fclose(le);
	buf_release(&path);
	buf_release(&scratch);
	return r;
}

static const struct framework_key exec_keys[] = {
	{ "paths", offsetof(struct offload_config, paths), "",
	  "globs of test programs" },
	{ NULL, 0, NULL, NULL },
};

const struct framework_ops framework_exec = {
	.name = "exec",
	.keys = exec_keys,
	.template =
	"[framework]\n"
	"type = exec\n"
	"# Space-separated globs; every executable file they match is a test.\n"
	"# Exit status 0 passes, 77 skips, anything else fails.\n"
	"paths = tests/*.sh\n"
	"\n"
	"[group.all]\n"
	"# Extra attempts of each test, run in parallel.\n"
	"retry_count = 0\n"
	"schedule_individual = false\n"
	"\n",
	.discover = exec_discover,
	.run_batch = exec_run_batch,
};
