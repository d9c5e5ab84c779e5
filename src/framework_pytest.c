/* SPDX-License-Identifier: MIT */
/*
 * framework_pytest.c - the `pytest` framework.  Discovery parses the node
 * IDs that `pytest --collect-only -q` prints; a batch passes the node IDs
 * as separate argv elements (no shell) and loads offload's plugin
 * (src/pytest/offload_pytest_plugin.py), which writes each test's exact
 * node ID into the JUnit file as the property "offload_nodeid".  Matching
 * results back is then an exact byte comparison, parametrised IDs
 * included.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "framework.h"
#include "junit.h"
#include "spawn.h"


/* pytest's exit status when nothing was collected. */
#define PYTEST_NO_TESTS 5

/* cfg->command, then `extra` (may be NULL); OFFLOAD_EPARSE names which. */
static int command_words(const struct offload_config *cfg, struct strvec *argv,
			 struct offload_error *err)
{
	int r = split_words(cfg->command ? cfg->command : "", argv);

	if (r == OFFLOAD_EPARSE)
		return err_set(err, OFFLOAD_ECONFIG,
			       "framework command '%s': unterminated quote",
			       cfg->command);
	if (r)
		return err_set(err, r, "out of memory");
	if (!argv->nr)
		return err_set(err, OFFLOAD_ECONFIG, "framework command is empty");
	return 0;
}

static int more_words(const char *what, const char *s, struct strvec *argv,
		      struct offload_error *err)
{
	int r = split_words(s ? s : "", argv);

	if (r == OFFLOAD_EPARSE)
		return err_set(err, OFFLOAD_ECONFIG, "%s '%s': unterminated quote",
			       what, s);
	if (r)
		return err_set(err, r, "out of memory");
	return 0;
}

/*
 * `pytest -q --collect-only` prints one node ID per line, then a blank
 * line and a summary ("3 tests collected in 0.01s").  Lines without "::"
 * before the blank line are warnings or file-level notes, not tests.
 */
static int parse_collect(const char *text, struct strvec *ids)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t m = n;

		if (m && p[m - 1] == '\r')
			m--;
		if (!m)
			break;
		if (memmem(p, m, "::", 2) &&
		    strvec_push_nodup(ids, strndup(p, m)))
			return OFFLOAD_ENOMEM;
		p += n + (p[n] == '\n');
	}
	return 0;
}

int pytest_discover(const struct offload_config *cfg, int cancel_fd,
		    const struct offload_group *g, struct strvec *ids,
		    struct offload_error *err)
{
	struct strvec argv = STRVEC_INIT;
	struct buf out = BUF_INIT;
	int r, status = 0;

	r = command_words(cfg, &argv, err);
	if (!r && (strvec_push(&argv, "--collect-only") || strvec_push(&argv, "-q")))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	if (!r)
		r = more_words("filters", g->filters, &argv, err);
	if (!r)
		r = more_words("paths", cfg->paths, &argv, err);
	if (!r)
		r = discovery_run(cfg, cancel_fd, g, argv.v, "pytest --collect-only", &out,
				  &status, err);
	if (!r && status == PYTEST_NO_TESTS) {
		err_clear(err);	/* nothing collected is no error here */
	} else if (!r && status) {
		r = OFFLOAD_EDISCOVER;	/* err says why */
	} else if (!r) {
		size_t before = ids->nr;

		if (parse_collect(out.buf, ids))
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		/* status 0 means pytest collected something: if no line was a
		 * node ID, the output had another format (-qq: "file.py: 3") */
		else if (ids->nr == before)
			r = err_set(err, OFFLOAD_EDISCOVER,
				    "group '%s': pytest --collect-only -q printed no "
				    "node IDs (is -q already in addopts or command?)",
				    g->name);
	}
	buf_release(&out);
	strvec_clear(&argv);
	return r;
}

/*
 * A case's claim: the plugin's node ID; without it (collection errors, a
 * run without the plugin) a guess from classname and name that serves
 * only to make the "matches no test" warning readable.
 */
static char *pytest_key(const struct junit_case *c, void *data)
{
	struct buf k = BUF_INIT;
	int r = 0;

	if (c->nodeid)
		return strdup(c->nodeid);
	if (*c->classname) {
		for (const char *p = c->classname; *p && !r; p++)
			r = buf_addch(&k, *p == '.' ? '/' : *p);
		if (!r)
			r = buf_addf(&k, ".py::%s", c->name);
	} else {
		r = buf_adds(&k, c->name);
	}
	if (r) {
		buf_release(&k);
		return NULL;
	}
	return buf_detach(&k);
}

/* sb->envp with the plugin's directory put first on PYTHONPATH. */
static int batch_env(const struct sandbox *sb, const char *plugin,
		     struct strvec *env)
{
	const char *old = env_get(sb->envp, "PYTHONPATH");
	struct offload_env set = { (char *)"PYTHONPATH", NULL };
	struct buf v = BUF_INIT;
	int r;

	r = buf_adds(&v, plugin);
	if (!r && old && *old)
		r = buf_addf(&v, ":%s", old);
	set.value = v.buf;
	if (!r)
		r = env_build(env, sb->envp, &set, 1);
	buf_release(&v);
	return r;
}

int pytest_run_batch(struct batch_exec *b, struct offload_error *err)
{
	const struct offload_config *cfg = b->cfg;
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	struct spawn_req req = { 0 };
	struct spawn_res res;
	struct offload_error serr = { 0, "" };
	struct junit_case *cases = NULL;
	size_t cases_nr = 0;
	struct buf result = BUF_INIT, why = BUF_INIT, output = BUF_INIT;
	struct buf lo = BUF_INIT, le = BUF_INIT;
	const char *plugin = pytest_plugin_dir();
	char sig[64];
	int r, jr;

	memset(&res, 0, sizeof(res));
	capbuf_init(&res.out, OFFLOAD_OUTPUT_CAP);
	capbuf_init(&res.err, OFFLOAD_OUTPUT_CAP);
	if (!plugin) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0,
			       "offload's pytest plugin 'offload_pytest_plugin.py' "
			       "not found (set OFFLOAD_DATADIR)", NULL);
		goto done;
	}
	/* named per batch and removed first: never read a stale file */
	if (buf_addf(&result, "%s/junit-batch-%u.xml", b->sb->tmpdir, b->batch_no))
		goto nomem;
	if (unlink(result.buf) && errno != ENOENT) {
		r = err_set(err, -errno, "cannot remove '%s': %s", result.buf,
			    strerror(errno));
		goto cleanup;
	}
	r = command_words(cfg, &argv, &serr);
	if (r == OFFLOAD_ECONFIG) {	/* the batch's failure, not offload's */
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
		goto done;
	}
	if (r)
		goto nomem;
	if (strvec_push(&argv, "-p") || strvec_push(&argv, "offload_pytest_plugin") ||
	    strvec_pushf(&argv, "--junitxml=%s", result.buf) ||
	    strvec_push(&argv, "-o") || strvec_push(&argv, "junit_family=xunit1"))
		goto nomem;
	r = more_words("run_args", cfg->run_args, &argv, &serr);
	if (r == OFFLOAD_ECONFIG) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
		goto done;
	}
	if (r)
		goto nomem;
	for (size_t i = 0; i < b->nr; i++)
		if (strvec_push(&argv, b->ids[i]))
			goto nomem;
	if (batch_env(b->sb, plugin, &env))
		goto nomem;

	req.argv = argv.v;
	req.envp = env.v;
	req.cwd = b->sb->cwd;
	req.cap = OFFLOAD_OUTPUT_CAP;
	req.timeout_secs = cfg->test_timeout_secs;
	req.cancel_fd = b->cancel_fd;
	r = spawn_run(&req, &res, &serr);
	if (r == OFFLOAD_ENOMEM || r == -ENOMEM)
		goto nomem;
	if (r) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
		goto done;
	}
	if (res.state == SPAWN_CANCELED) {
		/* tests without an attempt: the orchestrator reschedules or
		 * reports them; a half-written result file proves nothing */
		b->canceled = 1;
		goto logs;
	}
	if (res_output(&res, &output))
		goto nomem;
	switch (res.state) {
	case SPAWN_EXITED:
		if (res.status == 0 || res.status == 1)
			r = buf_adds(&why, "no result: pytest did not report this test");
		else
			r = buf_addf(&why, "no result: pytest exited with status %d",
				     res.status);
		break;
	case SPAWN_SIGNALED:
		r = buf_addf(&why, "no result: pytest killed by %s",
			     signal_text(res.status, sig, sizeof(sig)));
		break;
	default:
		r = buf_addf(&why, "timed out after %g s", cfg->test_timeout_secs);
		break;
	}
	if (r)
		goto nomem;
	jr = junit_read(result.buf, &cases, &cases_nr, &serr);
	if (jr == OFFLOAD_ENOMEM)
		goto nomem;
	/* a missing file after a normal exit is worth quoting; after a crash
	 * or a timeout the status already says it all */
	if (jr && res.state == SPAWN_EXITED && (res.status == 0 || res.status == 1)) {
		buf_reset(&why);
		if (buf_addf(&why, "result file unreadable: %s", serr.msg))
			goto nomem;
	}
	r = match_results(b, cases, cases_nr, pytest_key, NULL, why.buf,
			  output.buf);
	if (r)
		goto nomem;
logs:
	if (capbuf_render(&res.out, &lo) || capbuf_render(&res.err, &le))
		goto nomem;
	r = write_batch_logs(b, &lo, &le, err);
	goto cleanup;
done:
	if (r)
		goto nomem;
	r = 0;
	goto cleanup;
nomem:
	r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
cleanup:
	junit_cases_free(cases, cases_nr);
	spawn_res_release(&res);
	strvec_clear(&argv);
	strvec_clear(&env);
	buf_release(&result);
	buf_release(&why);
	buf_release(&output);
	buf_release(&lo);
	buf_release(&le);
	return r;
}
