/* SPDX-License-Identifier: MIT */
/*
 * framework_cargo.c - the `cargo` framework: Rust tests through cargo.
 *
 * Discovery runs `cargo test RUN_ARGS -- --list --format terse` (with
 * `2>&1`, since cargo names each test target on stderr and libtest lists
 * its tests on stdout).  A test is "TARGET:NAME", TARGET one of `lib`,
 * `bin/NAME`, `test/NAME` (tests/NAME.rs), `bench/NAME`, `example/NAME`
 * or `doc`, e.g. "lib:tests::adds", "test/cli:runs_help",
 * "doc:src/lib.rs - add (line 3)".  A batch runs each target once:
 * `cargo test RUN_ARGS --lib -- --exact --test-threads=1 NAME...` (doc
 * tests without --exact: rustdoc does not match their full names), and
 * libtest's "test NAME ... ok|FAILED|ignored" lines decide, with each
 * failure's "---- NAME stdout ----" section as its output.  A target that
 * dies mid-run (abort, SIGSEGV) leaves "test NAME ... " without an end:
 * that test fails, "crashed", and the target runs again for the tests it
 * never reached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "framework.h"
#include "junit.h"
#include "quote.h"
#include "spawn.h"

/* Bytes of test names on one cargo command line. */
#define NAMES_CAP 24000

/* "Running unittests src/lib.rs (target/...)" -> "lib"; NULL: not a
 * target line.  Returns a new string. */
static char *target_of(const char *line, size_t n)
{
	const char *p = line + strspn(line, " ");
	size_t m = n - (size_t)(p - line);
	struct buf b = BUF_INIT;
	const char *path, *slash, *dot;
	size_t len;

	if (m >= 9 && !memcmp(p, "Doc-tests", 9))
		return strdup("doc");
	if (m < 8 || memcmp(p, "Running ", 8))
		return NULL;
	p += 8;
	m -= 8;
	if (m >= 10 && !memcmp(p, "unittests ", 10)) {
		p += 10;
		m -= 10;
		len = strcspn(p, " (");
		if (len == 10 && !memcmp(p, "src/lib.rs", 10))
			return strdup("lib");
		/* src/main.rs, src/bin/NAME.rs: the binary's name is in the
		 * path in parentheses, target/debug/deps/NAME-HASH */
		path = memchr(p, '(', m);
		if (!path)
			return NULL;
		slash = NULL;
		for (const char *q = path; q < p + m && *q != ')'; q++)
			if (*q == '/')
				slash = q;
		if (!slash)
			return NULL;
		dot = slash + 1;
		len = strcspn(dot, ")");
		while (len && dot[len - 1] != '-')
			len--;
		if (len < 2 || buf_addf(&b, "bin/%.*s", (int)len - 1, dot))
			return NULL;
		return buf_detach(&b);
	}
	/* tests/NAME.rs, benches/NAME.rs, examples/NAME.rs */
	len = strcspn(p, " (\n");
	slash = memchr(p, '/', len);
	if (!slash || len < 4 || memcmp(p + len - 3, ".rs", 3))
		return NULL;
	if (buf_addf(&b, "%s/%.*s",
		     !strncmp(p, "tests/", 6) ? "test" :
		     !strncmp(p, "benches/", 8) ? "bench" : "example",
		     (int)(len - 3 - (size_t)(slash + 1 - p)), slash + 1))
		return NULL;
	return buf_detach(&b);
}

int cargo_parse_list(const char *text, const struct offload_group *g,
		     struct strvec *ids, struct offload_error *err)
{
	char *target = NULL;
	struct buf id = BUF_INIT;
	size_t from = ids->nr;
	int r = 0;

	for (const char *p = text; *p && !r; ) {
		size_t n = strcspn(p, "\n"), m = n;
		char *t;

		while (m && p[m - 1] == '\r')
			m--;
		if ((t = target_of(p, m))) {
			free(target);
			target = t;
		} else if (target && m > 6 && !memcmp(p + m - 6, ": test", 6)) {
			buf_reset(&id);
			r = buf_addf(&id, "%s:%.*s", target, (int)(m - 6), p);
			if (!r)
				r = discovery_add_id(ids, from, id.buf, id.len, g,
						     "cargo test -- --list", err);
		}
		p += n + (p[n] == '\n');
	}
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	free(target);
	buf_release(&id);
	return r;
}

/* `cargo test RUN_ARGS` as words. */
static int cargo_words(const struct offload_config *cfg, struct strvec *argv,
		       struct offload_error *err)
{
	int r = split_words(cfg->command && *cfg->command ? cfg->command : "cargo",
			    argv);

	if (!r && strvec_push(argv, "test"))
		r = OFFLOAD_ENOMEM;
	if (!r && cfg->run_args && *cfg->run_args)
		r = split_words(cfg->run_args, argv);
	if (r == OFFLOAD_EPARSE)
		return err_set(err, OFFLOAD_ECONFIG, "[framework] command or "
			       "run_args: unterminated quote");
	return r ? err_set(err, r, "out of memory") : 0;
}

static int cargo_discover(const struct offload_config *cfg, int cancel_fd,
			  const struct offload_group *g, struct strvec *ids,
			  struct offload_error *err)
{
	struct strvec words = STRVEC_INIT;
	struct buf script = BUF_INIT, out = BUF_INIT;
	char *argv[4];
	int r, status = 0;

	/* through the shell, for 2>&1: target names are on stderr */
	r = cargo_words(cfg, &words, err);
	for (size_t i = 0; !r && i < words.nr; i++)
		if ((i && buf_addch(&script, ' ')) || sq_quote_buf(&script, words.v[i]))
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	if (!r && buf_adds(&script, " -- --list --format terse 2>&1"))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	if (!r) {
		argv[0] = cfg->shell && *cfg->shell ? cfg->shell : (char *)"/bin/sh";
		argv[1] = (char *)"-c";
		argv[2] = script.buf;
		argv[3] = NULL;
		r = discovery_run(cfg, cancel_fd, g, argv, "cargo test -- --list",
				  &out, &status, err);
	}
	if (!r && status)
		r = OFFLOAD_EDISCOVER;	/* err quotes the end of its output */
	if (!r) {
		size_t before = ids->nr;

		r = cargo_parse_list(out.buf, g, ids, err);
		/* tests listed, but no target named: cargo was told to be quiet */
		if (!r && ids->nr == before && strstr(out.buf, ": test\n"))
			r = err_set(err, OFFLOAD_EDISCOVER, "group '%s': cargo test "
				    "-- --list named no test target (is --quiet in "
				    "run_args?)", g->name);
	}
	strvec_clear(&words);
	buf_release(&script);
	buf_release(&out);
	return r;
}

/* ------------------------------------------------------------------ */
/* Running a batch                                                     */

/* cargo's words selecting target `t` ("lib", "test/NAME"...). */
static int target_args(const char *t, struct strvec *argv)
{
	const char *slash = strchr(t, '/');

	if (!strcmp(t, "lib"))
		return strvec_push(argv, "--lib");
	if (!strcmp(t, "doc"))
		return strvec_push(argv, "--doc");
	if (!slash)
		return OFFLOAD_EPARSE;
	return strvec_pushf(argv, "--%.*s", (int)(slash - t), t) ||
		strvec_push(argv, slash + 1);
}

/* The text of "---- NAME stdout ----" up to the next section, or NULL. */
static char *failure_text(const char *out, const char *name)
{
	struct buf head = BUF_INIT;
	const char *p, *end;
	char *r = NULL;

	if (buf_addf(&head, "---- %s stdout ----\n", name))
		return NULL;
	p = strstr(out, head.buf);
	if (p) {
		p += head.len;
		end = strstr(p, "\n---- ");
		if (!end)
			end = strstr(p, "\nfailures:\n");
		r = strndup(p, end ? (size_t)(end - p) : strlen(p));
	}
	buf_release(&head);
	return r;
}

/*
 * Results from libtest's lines in `out` for names[0..n) of target `t`:
 * each test with an end gets its outcome; a "test NAME ... " without one
 * is the test the process died in (outcome ERROR, `why`).  done[i] is set
 * for each.  Returns 0 or OFFLOAD_ENOMEM; *ended is how many got one.
 */
static int parse_run(struct batch_exec *b, const char *t, const char *out,
		     char *const *names, size_t n, char *done, const char *why,
		     size_t *ended)
{
	struct buf id = BUF_INIT;
	int r = 0;

	*ended = 0;
	for (const char *p = out; *p && !r; ) {
		size_t len = strcspn(p, "\n");

		if (len > 5 && !memcmp(p, "test ", 5)) {
			const char *name = p + 5, *mark = NULL;
			enum offload_outcome o = OFFLOAD_ATTEMPT_ERROR;
			const char *msg = why;
			size_t nl;

			/* "test NAME ... RESULT": NAME may hold " ... " */
			for (const char *q = name; q + 5 <= p + len; q++)
				if (!memcmp(q, " ... ", 5))
					mark = q;
			if (!mark && len >= 9 && !memcmp(p + len - 4, " ...", 4))
				mark = p + len - 4;
			if (!mark)
				goto next;
			nl = (size_t)(mark - name);
			if (mark + 5 <= p + len) {
				const char *res = mark + 5;

				if (!strncmp(res, "ok", 2)) {
					o = OFFLOAD_ATTEMPT_PASSED;
					msg = NULL;
				} else if (!strncmp(res, "ignored", 7)) {
					o = OFFLOAD_ATTEMPT_SKIPPED;
					msg = "ignored";
				} else if (!strncmp(res, "FAILED", 6)) {
					o = OFFLOAD_ATTEMPT_FAILED;
					msg = "failed";
				}
			}
			for (size_t i = 0; i < n; i++) {
				char *text;

				if (done[i] || strlen(names[i]) != nl ||
				    memcmp(names[i], name, nl))
					continue;
				buf_reset(&id);
				text = o == OFFLOAD_ATTEMPT_FAILED ?
					failure_text(out, names[i]) : NULL;
				if (buf_addf(&id, "%s:%s", t, names[i]))
					r = OFFLOAD_ENOMEM;
				for (size_t k = 0; !r && k < b->nr; k++)
					if (!strcmp(b->ids[k], id.buf) && !b->res[k].have)
						r = outcome_set(&b->res[k], o, 0, msg, text);
				free(text);
				done[i] = 1;
				++*ended;
				break;
			}
		}
next:
		p += len + (p[len] == '\n');
	}
	buf_release(&id);
	return r;
}

static int run_target(struct batch_exec *b, const char *t, char **names,
		      size_t n, struct buf *lo, struct buf *le,
		      struct offload_error *err)
{
	const struct offload_config *cfg = b->cfg;
	char *done = calloc(n ? n : 1, 1);
	struct strvec argv = STRVEC_INIT;
	struct buf out = BUF_INIT, why = BUF_INIT;
	int r = done ? 0 : OFFLOAD_ENOMEM;

	while (!r) {
		struct sandbox_cmd cmd;
		struct spawn_res res;
		struct offload_error serr = { 0, "" };
		size_t first = 0, last, bytes = 0, ended;
		char sig[64];

		while (first < n && done[first])
			first++;
		if (first == n)
			break;
		strvec_clear(&argv);
		r = cargo_words(cfg, &argv, err);
		if (r == OFFLOAD_ECONFIG) {	/* the tests' failure, not ours */
			for (size_t i = 0; !r && i < b->nr; i++)
				if (!b->res[i].have)
					r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_ERROR,
							0, err->msg, NULL);
			break;
		}
		if (r || target_args(t, &argv) || strvec_push(&argv, "--") ||
		    (strcmp(t, "doc") && strvec_push(&argv, "--exact")) ||
		    strvec_push(&argv, "--test-threads=1")) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		for (last = first; !r && last < n && bytes < NAMES_CAP; last++)
			if (!done[last]) {
				r = strvec_push(&argv, names[last]);
				bytes += strlen(names[last]) + 1;
			}
		if (r)
			break;
		batch_cmd(&cmd, &res, b, argv.v, NULL);
		r = sandbox_exec(b->sb, &cmd, &res, &serr);
		if (r) {
			spawn_res_release(&res);
			if (r == OFFLOAD_ELOST)
				err_set(err, r, "%s", serr.msg);
			else if (r != OFFLOAD_ENOMEM && r != -ENOMEM)
				r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
			else
				r = OFFLOAD_ENOMEM;
			break;
		}
		buf_reset(&out);
		buf_reset(&why);
		if (capbuf_render(&res.out, &out) || capbuf_render(&res.out, lo) ||
		    capbuf_render(&res.err, le)) {
			spawn_res_release(&res);
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (res.state == SPAWN_CANCELED) {
			spawn_res_release(&res);
			b->canceled = 1;
			break;
		}
		if (res.state == SPAWN_SIGNALED)
			r = buf_addf(&why, "crashed: cargo killed by %s",
				     signal_text(res.status, sig, sizeof(sig)));
		else if (res.state == SPAWN_TIMEDOUT)
			r = buf_addf(&why, "timed out after %g s", cfg->test_timeout_secs);
		else
			r = buf_addf(&why, "crashed: the test process died (cargo "
				     "exited with status %d)", res.status);
		if (!r)
			r = parse_run(b, t, out.buf, names + first, last - first,
				      done + first, why.buf, &ended);
		spawn_res_release(&res);
		/* no test moved: the rest are not run again, match_results
		 * below gives them a reason */
		if (!r && !ended)
			for (size_t i = first; i < last; i++)
				done[i] = 1;
	}
	free(done);
	strvec_clear(&argv);
	buf_release(&out);
	buf_release(&why);
	return r;
}

static int cargo_run_batch(struct batch_exec *b, struct offload_error *err)
{
	struct buf lo = BUF_INIT, le = BUF_INIT;
	struct strvec names = STRVEC_INIT;
	char *taken = calloc(b->nr ? b->nr : 1, 1);
	int r = taken ? 0 : OFFLOAD_ENOMEM;

	for (size_t i = 0; !r && i < b->nr; i++) {
		const char *colon = strchr(b->ids[i], ':');
		size_t tl = colon ? (size_t)(colon - b->ids[i]) : 0;
		char *t;

		if (taken[i])
			continue;
		if (!colon) {
			r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_ERROR, 0,
					"not a cargo test ID (TARGET:NAME)", NULL);
			taken[i] = 1;
			continue;
		}
		if (!(t = strndup(b->ids[i], tl))) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		strvec_clear(&names);
		for (size_t j = i; !r && j < b->nr; j++)
			if (!taken[j] && !strncmp(b->ids[j], t, tl) &&
			    b->ids[j][tl] == ':') {
				r = strvec_push(&names, b->ids[j] + tl + 1);
				taken[j] = 1;
			}
		if (!r)
			r = run_target(b, t, names.v, names.nr, &lo, &le, err);
		free(t);
	}
	if (r == OFFLOAD_ELOST || b->canceled) {
		/* tests without a result go elsewhere, or nowhere */
	} else if (!r) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0,
			       "no result: cargo did not report this test", NULL);
		if (!r)
			r = write_batch_logs(b, &lo, &le, err);
	}
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	strvec_clear(&names);
	buf_release(&lo);
	buf_release(&le);
	free(taken);
	return r;
}

static const struct framework_key cargo_keys[] = {
	{ "command", offsetof(struct offload_config, command), "cargo",
	  "how cargo is started" },
	{ "run_args", offsetof(struct offload_config, run_args), "", NULL },
	{ NULL, 0, NULL, NULL },
};

const struct framework_ops framework_cargo = {
	.name = "cargo",
	.keys = cargo_keys,
	.batch_secs = 0.5,
	.template =
	"[framework]\n"
	"type = cargo\n"
	"# How cargo is started (default: cargo), and more `cargo test` words,\n"
	"# e.g. --offline --workspace.  A test is TARGET:NAME, e.g. lib:tests::adds.\n"
	"command = cargo\n"
	"run_args = --offline\n"
	"\n"
	"[group.all]\n"
	"retry_count = 0\n"
	"schedule_individual = false\n"
	"\n",
	.discover = cargo_discover,
	.run_batch = cargo_run_batch,
};
