/* SPDX-License-Identifier: MIT */
/*
 * framework_tap.c - the `tap` framework: every regular file matched by
 * the `paths` globs is a TAP producer (a script or a program), run alone
 * (through `interpreter`'s words when set, like prove's --exec) with the
 * test timeout; its stdout is read as TAP (tap.c).  The script is the
 * unit the run discovers, schedules, retries and times; each point it
 * prints becomes a result of its own, "SCRIPT:N - description" (or
 * "SCRIPT:N" without a description), carried back as the script's
 * points (struct test_outcome).  The script's own result fails when prove
 * would call it failed: a point failed (not ok without TODO), the plan is
 * missing, misplaced or short, it bailed out, it was killed or timed out,
 * or it exited non-zero.  See docs/frameworks.md.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "framework.h"
#include "spawn.h"
#include "tap.h"

/* Bytes of a script's stdout kept (and so read as TAP); more is cut in
 * the middle and the script fails, saying so. */
#define TAP_STREAM_CAP (8 * 1024 * 1024)
/* Failed points named in the script's message. */
#define TAP_FAILED_SHOWN 10

static int tap_discover(const struct offload_config *cfg, int cancel_fd,
			const struct offload_group *g, struct strvec *ids,
			struct offload_error *err)
{
	(void)cancel_fd;
	/* with an interpreter, scripts need not be executable (prove) */
	return paths_discover(cfg, g, cfg->interpreter && *cfg->interpreter,
			      ids, err);
}

/* The ID of point `p` of script `script`. */
static int point_id(struct buf *id, const char *script, const struct tap_point *p)
{
	buf_reset(id);
	if (*p->description)
		return buf_addf(id, "%s:%lu - %s", script, p->number, p->description);
	return buf_addf(id, "%s:%lu", script, p->number);
}

static int add_points(struct test_outcome *t, const char *script,
		      const struct tap_stream *s)
{
	struct buf id = BUF_INIT, msg = BUF_INIT;
	int r = 0;

	for (size_t i = 0; !r && i < s->nr; i++) {
		const struct tap_point *p = &s->points[i];
		enum offload_outcome o;

		buf_reset(&msg);
		if (p->directive == TAP_TODO) {
			/* a TODO that fails is expected, not a failure (prove) */
			o = p->ok ? OFFLOAD_ATTEMPT_PASSED : OFFLOAD_ATTEMPT_SKIPPED;
			r = buf_addf(&msg, p->ok ? "todo passed unexpectedly%s%s" :
				     "todo%s%s", *p->reason ? ": " : "", p->reason);
		} else if (!p->ok) {
			o = OFFLOAD_ATTEMPT_FAILED;
			r = buf_addf(&msg, "not ok %lu%s%s", p->number,
				     p->directive == TAP_SKIP ? " # SKIP " : "",
				     p->directive == TAP_SKIP ? p->reason : "");
		} else if (p->directive == TAP_SKIP) {
			o = OFFLOAD_ATTEMPT_SKIPPED;
			r = buf_addf(&msg, "skip%s%s", *p->reason ? ": " : "",
				     p->reason);
		} else {
			o = OFFLOAD_ATTEMPT_PASSED;
		}
		if (!r)
			r = point_id(&id, script, p);
		if (!r)
			r = outcome_add_point(t, id.buf, o, 0, msg.buf, p->diag);
	}
	buf_release(&id);
	buf_release(&msg);
	return r;
}

/* "2 of 5 points failed: 3, 4" */
static int failed_points(struct buf *why, const struct tap_stream *s, size_t failed)
{
	size_t shown = 0;
	int r = buf_addf(why, "%zu of %zu points failed:", failed, s->nr);

	for (size_t i = 0; !r && i < s->nr && shown < TAP_FAILED_SHOWN; i++)
		if (!s->points[i].ok && s->points[i].directive != TAP_TODO)
			r = buf_addf(why, "%s %lu", shown++ ? "," : "",
				     s->points[i].number);
	if (!r && failed > shown)
		r = buf_adds(why, ", ...");
	return r;
}

/*
 * Judge script i from its finished process: its points, then its own
 * attempt.  Returns the word for the log banner, or NULL on ENOMEM.
 */
static const char *judge(struct batch_exec *b, size_t i, const struct spawn_res *res)
{
	struct test_outcome *t = &b->res[i];
	struct tap_stream s;
	struct strvec why = STRVEC_INIT;
	struct buf text = BUF_INIT, out = BUF_INIT, line = BUF_INIT;
	enum offload_outcome o = OFFLOAD_ATTEMPT_FAILED;
	const char *word = NULL;
	char sig[64];
	size_t failed;
	int r;

	r = capbuf_render(&res->out, &text);
	if (!r)
		r = tap_parse(text.buf, text.len, &s);
	else
		memset(&s, 0, sizeof(s));
	if (!r)
		r = add_points(t, b->ids[i], &s);
	if (r)
		goto out;
	failed = tap_failed(&s);
	/* the problems, most telling first; the first is the message */
	if (s.bail)
		r = strvec_pushf(&why, "bailed out%s%s", *s.bail ? ": " : "", s.bail);
	if (!r && res->state == SPAWN_SIGNALED) {
		o = OFFLOAD_ATTEMPT_ERROR;
		r = strvec_pushf(&why, "killed by %s",
				 signal_text(res->status, sig, sizeof(sig)));
	}
	if (!r && res->state == SPAWN_TIMEDOUT) {
		o = OFFLOAD_ATTEMPT_ERROR;
		r = strvec_pushf(&why, "timed out after %g s",
				 b->cfg->test_timeout_secs);
	}
	if (!r && failed) {
		r = failed_points(&line, &s, failed) ||
			strvec_push(&why, line.buf);
	}
	if (!r && capbuf_dropped(&res->out))
		r = strvec_pushf(&why, "TAP output cut: %llu bytes omitted past "
				 "%d MiB", capbuf_dropped(&res->out),
				 TAP_STREAM_CAP / (1024 * 1024));
	for (size_t k = 0; !r && !s.bail && k < s.errors.nr; k++)
		r = strvec_push(&why, s.errors.v[k]);
	if (!r && res->state == SPAWN_EXITED && res->status)
		r = strvec_pushf(&why, "exit status %d", res->status);
	if (r)
		goto out;
	if (!why.nr) {
		buf_reset(&line);
		if (s.skip_all)
			r = buf_addf(&line, "skipped%s%s", s.skip_reason &&
				     *s.skip_reason ? ": " : "",
				     s.skip_reason ? s.skip_reason : "");
		if (!r)
			r = outcome_set(t, s.skip_all ? OFFLOAD_ATTEMPT_SKIPPED :
					OFFLOAD_ATTEMPT_PASSED, res->secs, line.buf,
					NULL);
		word = s.skip_all ? "skipped" : "passed";
		goto out;
	}
	buf_reset(&line);
	for (size_t k = 0; !r && k < why.nr; k++)
		r = buf_addf(&line, "%s%s", k ? "; " : "", why.v[k]);
	if (!r)
		r = buf_adds(&out, line.buf) || buf_addch(&out, '\n');
	if (!r) {
		struct buf both = BUF_INIT;

		r = res_output(res, &both);
		if (!r)
			r = buf_add(&out, both.buf, both.len);
		buf_release(&both);
	}
	if (!r)
		r = outcome_set(t, o, res->secs, line.buf, out.buf);
	word = o == OFFLOAD_ATTEMPT_ERROR ? "error" : "failed";
out:
	tap_stream_release(&s);
	strvec_clear(&why);
	buf_release(&text);
	buf_release(&out);
	buf_release(&line);
	return r ? NULL : word;
}

static int canceled_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&p, 1, 0) > 0;
}

/* Append "=== ID (word) ===" and the stream to `log`. */
static int log_stream(struct buf *log, const char *id, const char *word,
		      const struct capbuf *cb)
{
	if (buf_addf(log, "=== %s (%s) ===\n", id, word) || capbuf_render(cb, log))
		return OFFLOAD_ENOMEM;
	if (log->len && log->buf[log->len - 1] != '\n')
		return buf_addch(log, '\n');
	return 0;
}

static int tap_run_batch(struct batch_exec *b, struct offload_error *err)
{
	struct strvec words = STRVEC_INIT, argv = STRVEC_INIT;
	struct buf path = BUF_INIT, lo = BUF_INIT, le = BUF_INIT;
	const char *interp = b->cfg->interpreter ? b->cfg->interpreter : "";
	int r;

	r = split_words(interp, &words);
	if (r == OFFLOAD_EPARSE) {
		/* config.c does not know this key's syntax: every script
		 * fails, saying why, rather than the run */
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0,
			       "interpreter: unterminated quote", NULL);
		goto done;
	}
	for (size_t i = 0; !r && i < b->nr; i++) {
		const char *id = b->ids[i], *word;
		struct sandbox_cmd req = { 0 };
		struct spawn_res res;
		struct offload_error serr = { 0, "" };
		int sr;

		if (canceled_now(b->cancel_fd)) {
			b->canceled = 1;
			break;
		}
		buf_reset(&path);
		strvec_clear(&argv);
		if ((id[0] != '/' && buf_addf(&path, "%s/", b->sb->cwd)) ||
		    buf_adds(&path, id)) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		for (size_t k = 0; !r && k < words.nr; k++)
			r = strvec_push(&argv, words.v[k]);
		if (r || (r = strvec_push(&argv, path.buf)))
			break;
		batch_cmd(&req, &res, b, argv.v, NULL);
		req.cap = TAP_STREAM_CAP;
		sr = sandbox_exec(b->sb, &req, &res, &serr);
		if (sr == OFFLOAD_ENOMEM || sr == -ENOMEM) {
			spawn_res_release(&res);
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (sr == OFFLOAD_ELOST) {	/* this script and the rest: elsewhere */
			spawn_res_release(&res);
			r = err_set(err, OFFLOAD_ELOST, "%s", serr.msg);
			goto done;
		}
		if (sr) {	/* could not start: the script's failure, not ours */
			word = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_ERROR, 0,
					   serr.msg, NULL) ? NULL : "error";
		} else if (res.state == SPAWN_CANCELED) {
			spawn_res_release(&res);
			b->canceled = 1;
			break;
		} else {
			word = judge(b, i, &res);
		}
		if (!word || (b->log_dir && (log_stream(&lo, id, word, &res.out) ||
					     log_stream(&le, id, word, &res.err))))
			r = OFFLOAD_ENOMEM;
		spawn_res_release(&res);
	}
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	if (!r && b->log_dir)
		r = write_batch_logs(b, &lo, &le, err);
done:
	strvec_clear(&words);
	strvec_clear(&argv);
	buf_release(&path);
	buf_release(&lo);
	buf_release(&le);
	return r;
}

static const struct framework_key tap_keys[] = {
	{ "paths", offsetof(struct offload_config, paths), "",
	  "globs of TAP scripts or programs" },
	{ "interpreter", offsetof(struct offload_config, interpreter), "", NULL },
	{ NULL, 0, NULL, NULL },
};

const struct framework_ops framework_tap = {
	.name = "tap",
	.keys = tap_keys,
	.template =
	"[framework]\n"
	"type = tap\n"
	"# Space-separated globs; every file they match is a TAP producer.\n"
	"# Each point is a result 'SCRIPT:N - description'; the script is one\n"
	"# too, failed when prove would fail it.\n"
	"paths = t/*.t\n"
	"# Words run before each script, like prove's --exec; empty: run the\n"
	"# script itself (it must then be executable).\n"
	"interpreter = /bin/sh\n"
	"\n"
	"[group.all]\n"
	"# Extra attempts of each script, run in parallel.\n"
	"retry_count = 0\n"
	"schedule_individual = false\n"
	"\n",
	.discover = tap_discover,
	.run_batch = tap_run_batch,
};
