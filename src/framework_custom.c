/* SPDX-License-Identifier: MIT */
/*
 * framework_custom.c - the `custom` framework: the user's own commands.
 * discover_command prints one ID per line; run_command runs a batch, its
 * "{tests}" replaced by the IDs, each single-quoted for the shell, and
 * "{result_file}" by a per-batch path.  With a JUnit result file, cases
 * map to IDs through test_id_format ("{classname}", "{name}"); without
 * one, the batch's exit status decides for every test in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "error.h"
#include "framework.h"
#include "junit.h"
#include "quote.h"
#include "spawn.h"


static const char *shell_of(const struct offload_config *cfg)
{
	return cfg->shell && *cfg->shell ? cfg->shell : "/bin/sh";
}

/* {filters} is configuration text, written for the shell: inserted raw. */
static const char *filters_lookup(const char *key, size_t len, void *data)
{
	const struct offload_group *g = data;

	if (len == 7 && !memcmp(key, "filters", 7))
		return g->filters ? g->filters : "";
	return NULL;
}

static int parse_lines(const char *text, const struct offload_group *g,
		       struct strvec *ids, struct offload_error *err)
{
	const char *p = text;
	size_t from = ids->nr;
	int r;

	while (*p) {
		size_t n = strcspn(p, "\n"), m = n;

		while (m && p[m - 1] == '\r')
			m--;
		if (m && p[0] != '#' && strspn(p, " \t") < m &&
		    (r = discovery_add_id(ids, from, p, m, g,
					  "discover_command", err)))
			return r;
		p += n + (p[n] == '\n');
	}
	return 0;
}

static int custom_discover(const struct offload_config *cfg, int cancel_fd,
		    const struct offload_group *g, struct strvec *ids,
		    struct offload_error *err)
{
	struct buf cmd = BUF_INIT, out = BUF_INIT;
	char *argv[4];
	int r, status = 0;

	if (!cfg->discover_command || !*cfg->discover_command)
		return err_set(err, OFFLOAD_ECONFIG,
			       "framework 'custom' needs discover_command");
	if (template_expand(&cmd, cfg->discover_command, filters_lookup,
			    (void *)g)) {
		buf_release(&cmd);
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	}
	argv[0] = (char *)shell_of(cfg);
	argv[1] = (char *)"-c";
	argv[2] = cmd.buf;
	argv[3] = NULL;
	r = discovery_run(cfg, cancel_fd, g, argv, "discover_command", &out, &status, err);
	if (!r && status)
		r = OFFLOAD_EDISCOVER;	/* err says why */
	if (!r)
		r = parse_lines(out.buf, g, ids, err);
	buf_release(&cmd);
	buf_release(&out);
	return r;
}

struct run_vars {
	const char *tests, *result_file;
};

static const char *run_lookup(const char *key, size_t len, void *data)
{
	const struct run_vars *v = data;

	if (len == 5 && !memcmp(key, "tests", 5))
		return v->tests;
	if (len == 11 && !memcmp(key, "result_file", 11))
		return v->result_file;
	return NULL;
}

static const char *case_lookup(const char *key, size_t len, void *data)
{
	const struct junit_case *c = data;

	if (len == 4 && !memcmp(key, "name", 4))
		return c->name;
	if (len == 9 && !memcmp(key, "classname", 9))
		return c->classname;
	return NULL;
}

static char *custom_key(const struct junit_case *c, void *data)
{
	const char *fmt = data;
	struct buf k = BUF_INIT;

	if (template_expand(&k, fmt, case_lookup, (void *)c)) {
		buf_release(&k);
		return NULL;
	}
	return buf_detach(&k);
}

/*
 * Was `path` written after `start`?  File times come from the kernel's
 * coarse clock, so `start` must be read from CLOCK_REALTIME_COARSE too or
 * a file written right away could look older than the batch.
 */
static int fresh(const char *path, const struct timespec *start)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return st.st_mtim.tv_sec > start->tv_sec ||
	       (st.st_mtim.tv_sec == start->tv_sec &&
		st.st_mtim.tv_nsec >= start->tv_nsec);
}

/* The batch's exit status decides for all of its tests. */
static int by_status(struct batch_exec *b, const struct spawn_res *res,
		     const char *output)
{
	double secs = b->nr ? res->secs / (double)b->nr : 0;
	char msg[96], sig[64];

	if (res->state == SPAWN_EXITED && res->status == 0)
		return batch_fill(b, OFFLOAD_ATTEMPT_PASSED, secs, NULL, NULL);
	if (res->state == SPAWN_EXITED) {
		snprintf(msg, sizeof(msg), "batch exited with status %d", res->status);
		return batch_fill(b, OFFLOAD_ATTEMPT_FAILED, secs, msg, output);
	}
	if (res->state == SPAWN_SIGNALED)
		snprintf(msg, sizeof(msg), "batch killed by %s",
			 signal_text(res->status, sig, sizeof(sig)));
	else
		snprintf(msg, sizeof(msg), "timed out after %g s",
			 b->cfg->test_timeout_secs);
	return batch_fill(b, OFFLOAD_ATTEMPT_ERROR, secs, msg, output);
}

/* Match the cases of `path` (read only if written by this batch). */
static int by_result_file(struct batch_exec *b, const struct spawn_res *res,
			  const char *path, const struct timespec *start,
			  const char *output)
{
	const char *fmt = b->cfg->test_id_format && *b->cfg->test_id_format ?
			  b->cfg->test_id_format : "{name}";
	struct offload_error jerr = { 0, "" };
	struct junit_case *cases = NULL;
	size_t nr = 0;
	struct buf why = BUF_INIT;
	char sig[64];
	int r = 0;

	if (!fresh(path, start)) {
		r = buf_addf(&why, "no result: result file '%s' was not written "
			     "by this batch", path);
	} else {
		int jr = junit_read(path, b->cancel_fd, &cases, &nr, &jerr);

		if (jr == OFFLOAD_ECANCELED) {
			/* the run is stopping: no attempt, as if killed */
			b->canceled = 1;
			junit_cases_free(cases, nr);
			return 0;
		}
		if (jr == OFFLOAD_ENOMEM)
			r = OFFLOAD_ENOMEM;
		else if (jr)
			r = buf_addf(&why, "result file unreadable: %s", jerr.msg);
	}
	/* a crash or a timeout explains missing results better */
	if (!r && res->state == SPAWN_TIMEDOUT) {
		buf_reset(&why);
		r = buf_addf(&why, "timed out after %g s", b->cfg->test_timeout_secs);
	} else if (!r && res->state == SPAWN_SIGNALED) {
		buf_reset(&why);
		r = buf_addf(&why, "no result: batch killed by %s",
			     signal_text(res->status, sig, sizeof(sig)));
	} else if (!r && !why.len) {
		r = buf_adds(&why, "no result in result file");
	}
	if (!r)
		r = match_results(b, cases, nr, custom_key, (void *)fmt, why.buf,
				  output);
	junit_cases_free(cases, nr);
	buf_release(&why);
	return r;
}

static int custom_run_batch(struct batch_exec *b, struct offload_error *err)
{
	const struct offload_config *cfg = b->cfg;
	struct buf tests = BUF_INIT, rf = BUF_INIT, rfq = BUF_INIT, cmd = BUF_INIT;
	struct buf user_rf = BUF_INIT, output = BUF_INIT, lo = BUF_INIT, le = BUF_INIT;
	struct run_vars vars;
	struct sandbox_cmd req = { 0 };
	struct spawn_res res;
	struct offload_error serr = { 0, "" };
	struct strvec fetched = STRVEC_INIT;
	struct timespec start;
	const char *path = NULL;
	char *argv[4];
	int r = 0;

	memset(&res, 0, sizeof(res));
	capbuf_init(&res.out, OFFLOAD_OUTPUT_CAP);
	capbuf_init(&res.err, OFFLOAD_OUTPUT_CAP);
	if (!cfg->run_command || !*cfg->run_command) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0,
			       "framework 'custom' needs run_command", NULL);
		goto done;
	}
	for (size_t i = 0; i < b->nr && !r; i++) {
		if (i)
			r = buf_addch(&tests, ' ');
		if (!r)
			r = sq_quote_buf(&tests, b->ids[i]);
	}
	/* per batch, and removed first: never read a stale file */
	if (r || buf_addf(&rf, "%s/result-batch-%u.xml", b->sb->tmpdir, b->batch_no) ||
	    sq_quote_buf(&rfq, rf.buf))
		goto nomem;
	if (!b->sb->fetch_dir && unlink(rf.buf) && errno != ENOENT) {
		r = err_set(err, -errno, "cannot remove '%s': %s", rf.buf,
			    strerror(errno));
		goto cleanup;
	}
	vars.tests = tests.buf;
	vars.result_file = rfq.buf;
	if (template_expand(&cmd, cfg->run_command, run_lookup, &vars))
		goto nomem;
	if (strstr(cfg->run_command, "{result_file}")) {
		path = rf.buf;
	} else if (cfg->result_file && *cfg->result_file) {
		if (cfg->result_file[0] != '/' &&
		    buf_addf(&user_rf, "%s/", b->sb->cwd))
			goto nomem;
		if (buf_adds(&user_rf, cfg->result_file))
			goto nomem;
		path = user_rf.buf;
	}

	argv[0] = (char *)shell_of(cfg);
	argv[1] = (char *)"-c";
	argv[2] = cmd.buf;
	argv[3] = NULL;
	batch_cmd(&req, &res, b, argv, NULL);
	if (path) {
		req.fetch = (char *const *)&path;
		req.nfetch = 1;
	}
	clock_gettime(CLOCK_REALTIME_COARSE, &start);
	r = sandbox_exec(b->sb, &req, &res, &serr);
	if (r == OFFLOAD_ENOMEM || r == -ENOMEM)
		goto nomem;
	if (r == OFFLOAD_ELOST)
		goto lost;
	if (r) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
		goto done;
	}
	if (res.state == SPAWN_CANCELED) {
		b->canceled = 1;
		goto logs;
	}
	if (res_output(&res, &output))
		goto nomem;
	if (path) {
		r = sandbox_fetch(b->sb, (char *const *)&path, 1, b->cancel_fd,
				  &fetched, &serr);
		if (r == OFFLOAD_ELOST)
			goto lost;
		if (r == OFFLOAD_ECANCELED) {
			b->canceled = 1;
			goto logs;
		}
		if (r)
			goto nomem;
		path = fetched.v[0];
		/* tar keeps whole seconds of the sandbox's clock */
		start.tv_sec -= 1;
	}
	if (path)
		r = by_result_file(b, &res, path, &start, output.buf);
	else
		r = by_status(b, &res, output.buf);
	if (r)
		goto nomem;
logs:
	if (capbuf_render(&res.out, &lo) || capbuf_render(&res.err, &le))
		goto nomem;
	r = write_batch_logs(b, &lo, &le, err);
	goto cleanup;
lost:
	r = err_set(err, OFFLOAD_ELOST, "%s", serr.msg);
	goto cleanup;
done:
	if (!r)
		goto cleanup;
nomem:
	r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
cleanup:
	strvec_clear(&fetched);
	spawn_res_release(&res);
	buf_release(&tests);
	buf_release(&rf);
	buf_release(&rfq);
	buf_release(&cmd);
	buf_release(&user_rf);
	buf_release(&output);
	buf_release(&lo);
	buf_release(&le);
	return r;
}

static const struct framework_key custom_keys[] = {
	{ "discover_command", offsetof(struct offload_config, discover_command),
	  "", "a command printing one test ID per line" },
	{ "run_command", offsetof(struct offload_config, run_command), "",
	  "a command running one batch" },
	{ "result_file", offsetof(struct offload_config, result_file), NULL, NULL },
	{ "test_id_format", offsetof(struct offload_config, test_id_format),
	  "{name}", NULL },
	{ NULL, 0, NULL, NULL },
};

const struct framework_ops framework_custom = {
	.name = "custom",
	.keys = custom_keys,
	.batch_secs = 0.2,
	.template =
	"[framework]\n"
	"type = custom\n"
	"# Prints one test ID per line ('#' lines are ignored); {filters} is\n"
	"# replaced by the group's filters.\n"
	"discover_command = printf '%s\\n' first-test second-test\n"
	"# Runs one batch: {tests} is replaced by its IDs, each shell-quoted.\n"
	"# Without a result file, the exit status decides every test in it.\n"
	"run_command = for t in {tests}; do echo \"running $$t\"; done\n"
	"# A JUnit file run_command writes, if any:\n"
	"# result_file = results.xml\n"
	"# How a JUnit result names its test: {name} and {classname}.\n"
	"test_id_format = {name}\n"
	"\n"
	"[group.all]\n"
	"retry_count = 0\n"
	"# Replaces {filters} in discover_command.\n"
	"filters =\n"
	"schedule_individual = false\n"
	"\n",
	.discover = custom_discover,
	.run_batch = custom_run_batch,
};
