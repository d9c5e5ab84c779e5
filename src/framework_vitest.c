/* SPDX-License-Identifier: MIT */
/*
 * framework_vitest.c - the `vitest` framework: JavaScript/TypeScript
 * tests through vitest (2.x, from npm).
 *
 * Discovery runs `vitest list RUN_ARGS FILTERS --json --reporter=json`.
 * A test is "FILE > SUITE > ... > TEST": FILE relative to the working
 * directory
 * (vitest's root), then vitest's own name path, e.g.
 * "test/math.test.js > math > adds" or "test/a.test.ts > top level".
 * vitest lists nothing when one file cannot be loaded (a syntax error, an
 * exception at import): discovery then lists the files (--filesOnly) and
 * lists subsets of them (--exclude the others), halving, until each file
 * that cannot be listed stands alone; such a file is one test, "FILE",
 * which runs the whole file and fails with vitest's error text.  Past
 * LIST_RUNS_MAX such runs, the files not yet split run whole too.
 *
 * A batch runs `vitest run RUN_ARGS FILTERS --reporter=json
 * --outputFile=TMPDIR/... --passWithNoTests --no-cache FILE...
 * --testNamePattern=^(?:N1|N2|...)$`,
 * each name's regex metacharacters escaped.  vitest matches the pattern
 * against the names joined by spaces, so each " > " becomes "(?: > | )":
 * a test that matches too is run but its result is not used.  The JSON
 * report is mapped back by file and name path (ancestorTitles + title):
 * skipped and todo tests are skipped; a file that failed to load fails
 * each of its tests with the error text.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "framework.h"
#include "json.h"
#include "spawn.h"

/* Bytes of pattern on one vitest command line. */
#define NAMES_CAP 24000
/* Bytes of a JSON report read back; more is "unreadable". */
#define REPORT_CAP (256 * 1024 * 1024)
#define SEP " > "
/* `vitest list` runs spent finding files that cannot be listed. */
#define LIST_RUNS_MAX 40

/* `vitest SUB RUN_ARGS FILTERS` as words. */
static int vitest_words(const struct offload_config *cfg,
		        const struct offload_group *g, const char *sub,
			struct strvec *argv, struct offload_error *err)
{
	int r = split_words(cfg->command && *cfg->command ? cfg->command :
			    "npx --no -- vitest", argv);

	if (!r && strvec_push(argv, sub))
		r = OFFLOAD_ENOMEM;
	if (!r && cfg->run_args && *cfg->run_args)
		r = split_words(cfg->run_args, argv);
	if (!r && g && g->filters && *g->filters)
		r = split_words(g->filters, argv);
	if (r == OFFLOAD_EPARSE)
		return err_set(err, OFFLOAD_ECONFIG, "[framework] command, run_args "
			       "or filters: unterminated quote");
	return r ? err_set(err, r, "out of memory") : 0;
}

/*
 * `vitest list RUN_ARGS FILTERS --json --reporter=json`.  With its default
 * reporter, vitest 2.1.9's list dies ("Cannot read properties of
 * undefined (reading 'config')") when a test file logs while it is
 * loaded; the JSON reporter swallows the log instead.
 */
static int list_words(const struct offload_config *cfg,
		      const struct offload_group *g, struct strvec *argv,
		      struct offload_error *err)
{
	int r = vitest_words(cfg, g, "list", argv, err);

	if (!r && (strvec_push(argv, "--json") ||
		   strvec_push(argv, "--reporter=json")))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return r;
}

/* `file` relative to `root` when it lies below it. */
static const char *rel_path(const char *file, const char *root)
{
	size_t rl = root ? strlen(root) : 0;

	if (rl && !strncmp(file, root, rl) && file[rl] == '/' && file[rl + 1])
		return file + rl + 1;
	return file;
}

int vitest_parse_list(const char *text, size_t len, const char *root,
		      const struct offload_group *g, struct strvec *ids,
		      struct offload_error *err)
{
	struct json j;
	struct buf id = BUF_INIT;
	char msg[128];
	size_t from = ids->nr;
	int r = json_parse(text, len, &j, msg, sizeof(msg));

	if (r == OFFLOAD_ENOMEM)
		return err_set(err, r, "out of memory");
	if (r)
		return err_set(err, OFFLOAD_EDISCOVER, "group '%s': vitest list "
			       "--json: unreadable output: %s", g->name, msg);
	if (j.type != JSON_ARRAY)
		r = err_set(err, OFFLOAD_EDISCOVER, "group '%s': vitest list "
			    "--json: not a JSON array", g->name);
	for (size_t i = 0; !r && i < j.nr; i++) {
		const char *file = json_get_str(&j.v[i], "file");
		const char *name = json_get_str(&j.v[i], "name");

		if (!file || !*file) {
			r = err_set(err, OFFLOAD_EDISCOVER, "group '%s': vitest "
				    "list --json: entry %zu has no file", g->name, i);
			break;
		}
		buf_reset(&id);
		if (buf_adds(&id, rel_path(file, root)) ||
		    (name && buf_addf(&id, SEP "%s", name)))
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		else
			r = discovery_add_id(ids, from, id.buf, id.len, g,
					     "vitest list", err);
	}
	json_release(&j);
	buf_release(&id);
	return r;
}

/* Append `s` with glob metacharacters escaped (for --exclude). */
static int glob_escape(struct buf *b, const char *s)
{
	for (; *s; s++)
		if ((strchr("\\*?[]{}()!+@", *s) && buf_addch(b, '\\')) ||
		    buf_addch(b, *s))
			return OFFLOAD_ENOMEM;
	return 0;
}

struct lister {
	const struct offload_config *cfg;
	const struct offload_group *g;
	int cancel_fd;
	const char *root;
	char **files;             /* as listed (absolute) */
	size_t nr;
	struct strvec *ids;
	size_t from;              /* the group's first ID in ids */
	unsigned budget;          /* list runs left (LIST_RUNS_MAX) */
};

/* Add files[lo..hi) as whole-file tests. */
static int add_whole(struct lister *l, size_t lo, size_t hi,
		     struct offload_error *err)
{
	int r = 0;

	for (size_t i = lo; !r && i < hi; i++) {
		const char *f = rel_path(l->files[i], l->root);

		r = discovery_add_id(l->ids, l->from, f, strlen(f), l->g,
				     "vitest list", err);
	}
	return r;
}

/*
 * List files[lo..hi) (the others excluded); halve the ones that fail.
 * `bad`: the range is known to fail (its parent failed and its sibling
 * did not), so it is not listed again.  *clean: it listed.
 */
static int list_range(struct lister *l, size_t lo, size_t hi, int bad,
		      int *clean, struct offload_error *err)
{
	struct strvec argv = STRVEC_INIT;
	struct buf out = BUF_INIT, ex = BUF_INIT;
	size_t mid = lo + (hi - lo) / 2;
	int r = 0, status = 1, first_clean = 0;

	*clean = 0;
	/* a suite where every file fails (a broken config) must not cost
	 * two runs per file: past the budget, the rest run whole */
	if (!l->budget)
		return add_whole(l, lo, hi, err);
	if (!bad) {
		l->budget--;
		r = list_words(l->cfg, l->g, &argv, err);
		for (size_t i = 0; !r && i < l->nr; i++) {
			if (i >= lo && i < hi)
				continue;
			buf_reset(&ex);
			if (buf_adds(&ex, "--exclude=") ||
			    glob_escape(&ex, rel_path(l->files[i], l->root)) ||
			    strvec_push(&argv, ex.buf))
				r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		}
		if (!r)
			r = discovery_run(l->cfg, l->cancel_fd, l->g, argv.v,
					  "vitest list", &out, &status, err);
	}
	if (!r && !status) {
		r = vitest_parse_list(out.buf, out.len, l->root, l->g, l->ids, err);
		*clean = !r;
	} else if (!r && hi - lo == 1) {
		r = add_whole(l, lo, hi, err);	/* it cannot be listed */
	} else if (!r) {
		r = list_range(l, lo, mid, 0, &first_clean, err);
		if (!r)
			r = list_range(l, mid, hi, first_clean, clean, err);
		*clean = 0;
	}
	strvec_clear(&argv);
	buf_release(&out);
	buf_release(&ex);
	return r;
}

static int vitest_discover(const struct offload_config *cfg, int cancel_fd,
			   const struct offload_group *g, struct strvec *ids,
			   struct offload_error *err)
{
	struct strvec argv = STRVEC_INIT, files = STRVEC_INIT;
	struct buf out = BUF_INIT;
	struct offload_error first = { 0, "" };
	struct json j = { 0 };
	char *root = realpath(cfg->provider_working_dir ?
			      cfg->provider_working_dir : ".", NULL);
	char msg[128];
	int r, status = 0;

	r = list_words(cfg, g, &argv, err);
	if (!r)
		r = discovery_run(cfg, cancel_fd, g, argv.v, "vitest list",
				  &out, &status, err);
	if (!r && !status) {
		r = vitest_parse_list(out.buf, out.len, root, g, ids, err);
		goto cleanup;
	}
	if (r)
		goto cleanup;
	/* some file cannot be loaded: find which */
	first = *err;
	if (strvec_push(&argv, "--filesOnly")) {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto cleanup;
	}
	buf_reset(&out);
	r = discovery_run(cfg, cancel_fd, g, argv.v, "vitest list --filesOnly",
			  &out, &status, err);
	if (!r && status) {
		*err = first;
		r = OFFLOAD_EDISCOVER;
	}
	if (r)
		goto cleanup;
	r = json_parse(out.buf, out.len, &j, msg, sizeof(msg));
	if (r == OFFLOAD_ENOMEM) {
		err_set(err, r, "out of memory");
		goto cleanup;
	}
	if (r || j.type != JSON_ARRAY) {
		r = err_set(err, OFFLOAD_EDISCOVER, "group '%s': vitest list "
			    "--filesOnly --json: unreadable output: %s", g->name,
			    r ? msg : "not a JSON array");
		goto cleanup;
	}
	for (size_t i = 0; !r && i < j.nr; i++) {
		const char *f = json_get_str(&j.v[i], "file");

		if (f && strvec_push(&files, f))
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	}
	if (!r && files.nr) {
		struct lister l = { cfg, g, cancel_fd, root, files.v, files.nr,
				    ids, ids->nr, LIST_RUNS_MAX };
		int clean;

		/* all of them together failed already */
		r = list_range(&l, 0, files.nr, 1, &clean, err);
	} else if (!r) {
		*err = first;
		r = OFFLOAD_EDISCOVER;
	}
cleanup:
	json_release(&j);
	strvec_clear(&argv);
	strvec_clear(&files);
	buf_release(&out);
	free(root);
	return r;
}

/* ------------------------------------------------------------------ */
/* Running a batch                                                     */

/* Where " > " first occurs in `id` (the end of FILE), or NULL. */
static const char *name_of(const char *id)
{
	const char *sep = strstr(id, SEP);

	return sep ? sep + strlen(SEP) : NULL;
}

static size_t file_len(const char *id)
{
	const char *sep = strstr(id, SEP);

	return sep ? (size_t)(sep - id) : strlen(id);
}

/* The report's file `path` (absolute) is the ID's FILE (relative). */
static int same_file(const char *path, const char *id)
{
	size_t fl = file_len(id), pl = strlen(path);
	const char *f = id;

	if (fl > 2 && !strncmp(f, "./", 2)) {
		f += 2;
		fl -= 2;
	}
	if (pl == fl && !memcmp(path, f, fl))
		return 1;
	return pl > fl && path[pl - fl - 1] == '/' && !memcmp(path + pl - fl, f, fl);
}

int vitest_pattern_add(struct buf *b, const char *name)
{
	for (const char *p = name; *p; ) {
		if (!strncmp(p, SEP, strlen(SEP))) {
			if (buf_adds(b, "(?: > | )"))
				return OFFLOAD_ENOMEM;
			p += strlen(SEP);
			continue;
		}
		if ((strchr("\\^$.*+?()[]{}|/-", *p) && buf_addch(b, '\\')) ||
		    buf_addch(b, *p))
			return OFFLOAD_ENOMEM;
		p++;
	}
	return 0;
}

/* The failure messages of assertion `a`, one per line, onto `out`. */
static int failure_texts(const struct json *a, struct buf *out)
{
	const struct json *fm = json_get(a, "failureMessages");

	for (size_t i = 0; fm && fm->type == JSON_ARRAY && i < fm->nr; i++)
		if (fm->v[i].type == JSON_STRING &&
		    ((out->len && buf_addch(out, '\n')) || buf_adds(out, fm->v[i].str)))
			return OFFLOAD_ENOMEM;
	return 0;
}

/* "SUITE > ... > TEST" of assertion `a` into `key`; 1: it has no title. */
static int name_path(const struct json *a, struct buf *key)
{
	const struct json *anc = json_get(a, "ancestorTitles");
	const char *title = json_get_str(a, "title");

	buf_reset(key);
	for (size_t i = 0; anc && anc->type == JSON_ARRAY && i < anc->nr; i++)
		if (anc->v[i].type == JSON_STRING &&
		    buf_addf(key, "%s" SEP, anc->v[i].str))
			return OFFLOAD_ENOMEM;
	return title ? buf_adds(key, title) : 1;
}

/* One assertion result onto the batch's tests of file `path`. */
static int apply_assertion(struct batch_exec *b, const char *path,
			   const struct json *a, int pass, struct buf *key)
{
	const char *status = json_get_str(a, "status");
	const struct json *dur = json_get(a, "duration");
	enum offload_outcome o;
	const char *msg = NULL;
	struct buf text = BUF_INIT;
	int r;

	if (!status || (pass == 0) != !strcmp(status, "failed"))
		return 0;
	if ((r = name_path(a, key)))
		return r == 1 ? 0 : r;
	if (!strcmp(status, "passed")) {
		o = OFFLOAD_ATTEMPT_PASSED;
	} else if (!strcmp(status, "failed")) {
		o = OFFLOAD_ATTEMPT_FAILED;
		if (failure_texts(a, &text)) {
			buf_release(&text);
			return OFFLOAD_ENOMEM;
		}
		msg = text.len ? text.buf : "failed";
	} else if (!strcmp(status, "todo")) {
		o = OFFLOAD_ATTEMPT_SKIPPED;
		msg = "todo";
	} else {	/* skipped, pending, disabled */
		o = OFFLOAD_ATTEMPT_SKIPPED;
		msg = "skipped";
	}
	r = 0;
	for (size_t i = 0; !r && i < b->nr; i++) {
		const char *name = name_of(b->ids[i]);

		if (b->res[i].have || !name || strcmp(name, key->buf) ||
		    !same_file(path, b->ids[i]))
			continue;
		r = outcome_set(&b->res[i], o,
				dur && dur->type == JSON_NUMBER ? dur->num / 1000 : 0,
				msg, text.len ? text.buf : NULL);
	}
	buf_release(&text);
	return r;
}

/* A file's own result onto its tests still without one. */
static int apply_file(struct batch_exec *b, const char *path, const struct json *f)
{
	const char *status = json_get_str(f, "status");
	const char *message = json_get_str(f, "message");
	const struct json *as = json_get(f, "assertionResults");
	struct buf m = BUF_INIT, text = BUF_INIT;
	size_t failed = 0, total = 0;
	int r = 0;

	for (size_t k = 0; as && as->type == JSON_ARRAY && k < as->nr; k++) {
		const char *st = json_get_str(&as->v[k], "status");

		total++;
		if (st && !strcmp(st, "failed")) {
			failed++;
			if (json_get_str(&as->v[k], "fullName") &&
			    buf_addf(&text, "%s\n", json_get_str(&as->v[k], "fullName")))
				r = OFFLOAD_ENOMEM;
			if (!r && failure_texts(&as->v[k], &text))
				r = OFFLOAD_ENOMEM;
			if (!r && buf_addch(&text, '\n'))
				r = OFFLOAD_ENOMEM;
		}
	}
	if (message && *message && !r)
		r = buf_addf(&m, "%s%s", message, text.len ? "\n" : "");
	for (size_t i = 0; !r && i < b->nr; i++) {
		if (b->res[i].have || !same_file(path, b->ids[i]))
			continue;
		if (!name_of(b->ids[i])) {	/* the whole file */
			if (status && !strcmp(status, "passed"))
				r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_PASSED, 0,
						NULL, NULL);
			else if (status && !strcmp(status, "failed")) {
				struct buf all = BUF_INIT;

				r = buf_addf(&all, "%s%s", m.len ? m.buf : "", text.buf);
				if (!r)
					r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_FAILED, 0,
							failed && !m.len ? "a test failed" :
							all.len ? all.buf : "failed", all.buf);
				buf_release(&all);
			} else if (total || (status && strcmp(status, "failed")))
				r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_SKIPPED, 0,
						"skipped", NULL);
		} else if (status && !strcmp(status, "failed") && message && *message) {
			r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_FAILED, 0,
					message, message);
		}
	}
	buf_release(&m);
	buf_release(&text);
	return r;
}

int vitest_apply_report(struct batch_exec *b, const char *text, size_t len,
			char *msg, size_t n)
{
	struct json j;
	struct buf key = BUF_INIT;
	const struct json *files;
	int r = json_parse(text, len, &j, msg, n);

	if (r)
		return r;
	files = json_get(&j, "testResults");
	if (!files || files->type != JSON_ARRAY) {
		json_release(&j);
		snprintf(msg, n, "no testResults array");
		return OFFLOAD_EPARSE;
	}
	/* failures first: a name vitest ran twice fails if either failed */
	for (int pass = 0; !r && pass < 2; pass++)
		for (size_t k = 0; !r && k < files->nr; k++) {
			const struct json *f = &files->v[k];
			const char *path = json_get_str(f, "name");
			const struct json *as = json_get(f, "assertionResults");

			for (size_t i = 0; path && !r && as && as->type == JSON_ARRAY &&
			     i < as->nr; i++)
				r = apply_assertion(b, path, &as->v[i], pass, &key);
		}
	for (size_t k = 0; !r && k < files->nr; k++) {
		const char *path = json_get_str(&files->v[k], "name");

		if (path)
			r = apply_file(b, path, &files->v[k]);
	}
	json_release(&j);
	buf_release(&key);
	if (r)
		snprintf(msg, n, "out of memory");
	return r;
}

/* Read a whole file into `out`, at most REPORT_CAP bytes. */
static int read_report(const char *path, struct buf *out, char *msg, size_t n)
{
	FILE *f = fopen(path, "re");
	char chunk[65536];
	size_t got;
	int r = 0;

	if (!f) {
		snprintf(msg, n, "result file '%s': %s", path, strerror(errno));
		return OFFLOAD_EPARSE;
	}
	while (!r && (got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + got > REPORT_CAP) {
			snprintf(msg, n, "result file '%s': more than %d bytes",
				 path, REPORT_CAP);
			r = OFFLOAD_EPARSE;
		} else if (buf_add(out, chunk, got))
			r = OFFLOAD_ENOMEM;
	}
	if (!r && ferror(f)) {
		snprintf(msg, n, "result file '%s': read error", path);
		r = OFFLOAD_EPARSE;
	}
	fclose(f);
	return r;
}

/*
 * One vitest process for the tests sel[0..n) of the batch: with a name
 * pattern, or (whole = 1) their files whole.  Tests it leaves without a
 * result get the reason.  0, OFFLOAD_ELOST (err), OFFLOAD_ENOMEM, or 1
 * when canceled.
 */
static int run_chunk(struct batch_exec *b, const size_t *sel, size_t n,
		     int whole, unsigned seq, struct buf *lo, struct buf *le,
		     struct offload_error *err)
{
	const struct offload_config *cfg = b->cfg;
	struct strvec argv = STRVEC_INIT, fetched = STRVEC_INIT;
	struct buf pat = BUF_INIT, path = BUF_INIT, report = BUF_INIT,
		why = BUF_INIT, output = BUF_INIT;
	struct offload_error serr = { 0, "" };
	struct sandbox_cmd cmd;
	struct spawn_res res;
	char msg[OFFLOAD_MESSAGE_MAX + 64], sig[64];
	char *rp;
	int r, pr = OFFLOAD_EPARSE;

	memset(&res, 0, sizeof(res));
	r = vitest_words(cfg, b->group, "run", &argv, err);
	if (r == OFFLOAD_ECONFIG) {	/* the tests' failure, not ours */
		for (size_t i = 0; !r && i < n; i++)
			r = outcome_set(&b->res[sel[i]], OFFLOAD_ATTEMPT_ERROR, 0,
					err->msg, NULL);
		goto cleanup;
	}
	if (r)
		goto cleanup;
	r = OFFLOAD_ENOMEM;
	if (buf_addf(&path, "%s/vitest-batch-%u-%u.json", b->sb->tmpdir,
		     b->batch_no, seq) ||
	    strvec_push(&argv, "--reporter=json") ||
	    strvec_pushf(&argv, "--outputFile=%s", path.buf) ||
	    strvec_push(&argv, "--passWithNoTests") ||
	    /* sandboxes sharing a directory would write vitest's results
	     * cache at once, and vitest fails to start on a half-written one */
	    strvec_push(&argv, "--no-cache"))
		goto cleanup;
	/* each file once: sel is grouped by file */
	for (size_t i = 0; i < n; i++) {
		const char *id = b->ids[sel[i]];
		size_t fl = file_len(id);

		if (i && file_len(b->ids[sel[i - 1]]) == fl &&
		    !memcmp(b->ids[sel[i - 1]], id, fl))
			continue;
		/* a path starting with '-' would read as an option */
		if (strvec_pushf(&argv, "%s%.*s", id[0] == '-' ? "./" : "", (int)fl, id))
			goto cleanup;
	}
	if (!whole) {
		if (buf_adds(&pat, "--testNamePattern=^(?:"))
			goto cleanup;
		for (size_t i = 0; i < n; i++)
			if ((i && buf_addch(&pat, '|')) ||
			    vitest_pattern_add(&pat, name_of(b->ids[sel[i]])))
				goto cleanup;
		if (buf_adds(&pat, ")$") || strvec_push(&argv, pat.buf))
			goto cleanup;
	}
	if (!b->sb->fetch_dir)
		unlink(path.buf);
	batch_cmd(&cmd, &res, b, argv.v, NULL);
	r = sandbox_exec(b->sb, &cmd, &res, &serr);
	if (r == OFFLOAD_ELOST) {
		err_set(err, r, "%s", serr.msg);
		goto cleanup;
	}
	if (r == OFFLOAD_ENOMEM || r == -ENOMEM) {
		r = OFFLOAD_ENOMEM;
		goto cleanup;
	}
	if (r) {	/* cannot start: its tests fail */
		r = 0;
		for (size_t i = 0; !r && i < n; i++)
			r = outcome_set(&b->res[sel[i]], OFFLOAD_ATTEMPT_ERROR, 0,
					serr.msg, NULL);
		goto cleanup;
	}
	if (capbuf_render(&res.out, lo) || capbuf_render(&res.err, le)) {
		r = OFFLOAD_ENOMEM;
		goto cleanup;
	}
	if (res.state == SPAWN_CANCELED) {
		b->canceled = 1;
		r = 1;
		goto cleanup;
	}
	rp = path.buf;
	r = sandbox_fetch(b->sb, &rp, 1, b->cancel_fd, &fetched, &serr);
	if (r == OFFLOAD_ELOST || r == OFFLOAD_ECANCELED) {
		err_set(err, r, "%s", serr.msg);
		if (r == OFFLOAD_ECANCELED) {
			b->canceled = 1;
			r = 1;
		}
		goto cleanup;
	}
	if (r)
		goto cleanup;
	snprintf(msg, sizeof(msg), "no report");
	if (res.state == SPAWN_EXITED) {
		pr = read_report(fetched.v[0], &report, msg, sizeof(msg));
		if (!pr)
			pr = vitest_apply_report(b, report.buf, report.len, msg,
						 sizeof(msg));
		if (pr == OFFLOAD_ENOMEM) {
			r = pr;
			goto cleanup;
		}
	}
	if (res.state == SPAWN_SIGNALED)
		r = buf_addf(&why, "crashed: vitest killed by %s",
			     signal_text(res.status, sig, sizeof(sig)));
	else if (res.state == SPAWN_TIMEDOUT)
		r = buf_addf(&why, "timed out after %g s", cfg->test_timeout_secs);
	else if (pr)
		r = buf_addf(&why, "no result: vitest exited with status %d (%s)",
			     res.status, msg);
	else
		r = buf_adds(&why, "no result: vitest did not report this test");
	if (!r)
		r = res_output(&res, &output);
	for (size_t i = 0; !r && i < n; i++)
		if (!b->res[sel[i]].have)
			r = outcome_set(&b->res[sel[i]], OFFLOAD_ATTEMPT_ERROR, 0,
					why.buf, output.buf);
cleanup:
	spawn_res_release(&res);
	strvec_clear(&argv);
	strvec_clear(&fetched);
	buf_release(&pat);
	buf_release(&path);
	buf_release(&report);
	buf_release(&why);
	buf_release(&output);
	return r;
}

static int cmp_file(const void *a, const void *b, void *ids)
{
	const char *x = ((const char *const *)ids)[*(const size_t *)a];
	const char *y = ((const char *const *)ids)[*(const size_t *)b];
	size_t xl = file_len(x), yl = file_len(y);
	int c = memcmp(x, y, xl < yl ? xl : yl);

	if (c || xl == yl)
		return c ? c : (*(const size_t *)a > *(const size_t *)b) -
			(*(const size_t *)a < *(const size_t *)b);
	return xl < yl ? -1 : 1;
}

static int vitest_run_batch(struct batch_exec *b, struct offload_error *err)
{
	struct buf lo = BUF_INIT, le = BUF_INIT;
	size_t *order = calloc(b->nr ? b->nr : 1, sizeof(*order));
	size_t *sel = calloc(b->nr ? b->nr : 1, sizeof(*sel));
	unsigned seq = 0;
	int r = order && sel ? 0 : OFFLOAD_ENOMEM;

	for (size_t i = 0; i < b->nr; i++)
		order[i] = i;
	if (!r)
		qsort_r(order, b->nr, sizeof(*order), cmp_file, (void *)b->ids);
	/* whole files first, then names in chunks of NAMES_CAP bytes */
	for (int whole = 1; !r && whole >= 0; whole--) {
		size_t n = 0, bytes = 0;

		for (size_t k = 0; !r && k < b->nr; k++) {
			size_t i = order[k], cost = 2 * strlen(b->ids[i]) + 8;

			if ((name_of(b->ids[i]) == NULL) != whole)
				continue;
			if (n && !whole && bytes + cost > NAMES_CAP) {
				r = run_chunk(b, sel, n, whole, ++seq, &lo, &le, err);
				n = bytes = 0;
			}
			sel[n++] = i;
			bytes += cost;
		}
		if (!r && n)
			r = run_chunk(b, sel, n, whole, ++seq, &lo, &le, err);
	}
	if (r == 1)
		r = 0;
	if (r == OFFLOAD_ELOST || b->canceled) {
		/* tests without a result go elsewhere, or nowhere */
	} else if (!r) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0,
			       "no result: vitest did not report this test", NULL);
		if (!r)
			r = write_batch_logs(b, &lo, &le, err);
	}
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	free(order);
	free(sel);
	buf_release(&lo);
	buf_release(&le);
	return r;
}

static const struct framework_key vitest_keys[] = {
	{ "command", offsetof(struct offload_config, command), "npx --no -- vitest",
	  "how vitest is started" },
	{ "run_args", offsetof(struct offload_config, run_args), "", NULL },
	{ NULL, 0, NULL, NULL },
};

const struct framework_ops framework_vitest = {
	.name = "vitest",
	.keys = vitest_keys,
	.batch_secs = 2.0,
	.template =
	"[framework]\n"
	"type = vitest\n"
	"# How vitest is started (default: npx --no -- vitest, the project's\n"
	"# own), and more words for `vitest list` and `vitest run`, e.g.\n"
	"# --config vitest.config.ts.  A test is FILE > SUITE > TEST, e.g.\n"
	"# test/math.test.js > math > adds.\n"
	"command = npx --no -- vitest\n"
	"# run_args = --config vitest.config.ts\n"
	"\n"
	"[group.all]\n"
	"retry_count = 0\n"
	"\n",
	.discover = vitest_discover,
	.run_batch = vitest_run_batch,
};
