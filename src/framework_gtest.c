/* SPDX-License-Identifier: MIT */
/*
 * framework_gtest.c - the `gtest` framework: Google Test binaries.
 *
 * `paths` are globs of test binaries (as for exec).  Discovery runs each
 * with --gtest_list_tests; a test is "BINARY:Suite.Name" (typed and
 * value-parameterised ones too: "BINARY:Prefix/Suite/0.Name/1"; the
 * "# GetParam() = ..." comments are dropped).  A batch runs each binary
 * once with --gtest_filter=<its exact names> and --gtest_output=xml:FILE
 * (more than once when the filter would be too long).  When a binary
 * crashes or times out it writes no XML: its "[ RUN ]" / "[ OK ]" lines
 * say which tests finished and which one was running; that one fails
 * ("crashed: killed by signal 11 (SIGSEGV)"), and the binary runs again
 * for the tests it never reached, so one crash does not take its
 * neighbours down.  DISABLED_ tests are reported skipped without running.
 */
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "framework.h"
#include "junit.h"
#include "spawn.h"

/* Bytes of test names in one --gtest_filter. */
#define FILTER_CAP 16000

/* ------------------------------------------------------------------ */
/* Discovery                                                           */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The binaries `paths` match under the working directory, relative to it
 * (like exec's tests), sorted per pattern. */
static int find_binaries(const struct offload_config *cfg, struct strvec *out)
{
	const char *dir = cfg->provider_working_dir ? cfg->provider_working_dir : ".";
	const char *p = cfg->paths ? cfg->paths : "";
	struct buf pat = BUF_INIT;
	size_t strip = strlen(dir) + 1;
	int r = 0;

	while (!r && *p) {
		size_t n, first = out->nr;
		glob_t gl;
		int abs;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (!n)
			break;
		buf_reset(&pat);
		abs = *p == '/';
		r = abs ? buf_add(&pat, p, n) :
			buf_addf(&pat, "%s/%.*s", dir, (int)n, p);
		p += n;
		if (r || glob(pat.buf, 0, NULL, &gl))
			continue;
		for (size_t i = 0; !r && i < gl.gl_pathc; i++) {
			const char *path = gl.gl_pathv[i];
			struct stat st;

			if (stat(path, &st) || !S_ISREG(st.st_mode) ||
			    access(path, X_OK))
				continue;
			r = strvec_push(out, abs ? path : path + strip);
		}
		globfree(&gl);
		if (!r && out->nr - first > 1)
			qsort(out->v + first, out->nr - first, sizeof(*out->v), cmp_str);
	}
	buf_release(&pat);
	return r;
}

/* `s` up to two blanks and a '#' (gtest's comments), trailing blanks cut. */
static size_t before_comment(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '#' && i && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
			n = i;
			break;
		}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n;
}

/* Whether "Suite.Name" passes `filters`, a --gtest_filter expression
 * (POSITIVE[:...][-NEGATIVE[:...]], '*' and '?' wildcards); empty: all. */
static int filter_ok(const char *filters, const char *name)
{
	const char *neg, *p;
	int pos_ok = 0, any_pos = 0;

	if (!filters || !*filters)
		return 1;
	neg = strchr(filters, '-');
	for (p = filters; p < (neg ? neg : filters + strlen(filters)); ) {
		size_t n = strcspn(p, ":-");
		char pat[512];

		if (n && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			any_pos = 1;
			pos_ok |= !fnmatch(pat, name, 0);
		}
		p += n + (p[n] == ':');
		if (p[0] == '-')
			break;
	}
	if (any_pos && !pos_ok)
		return 0;
	for (p = neg ? neg + 1 : ""; *p; ) {
		size_t n = strcspn(p, ":");
		char pat[512];

		if (n && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (!fnmatch(pat, name, 0))
				return 0;
		}
		p += n + (p[n] == ':');
	}
	return 1;
}

int gtest_parse_list(const char *binary, const char *text,
		     const struct offload_group *g, struct strvec *ids,
		     struct offload_error *err)
{
	struct buf suite = BUF_INIT, id = BUF_INIT;
	size_t from = ids->nr;
	int r = 0;

	for (const char *p = text; *p && !r; ) {
		size_t n = strcspn(p, "\n"), m;

		if (p[0] != ' ') {
			/* "Suite." (maybe "  # TypeParam = ..."); other lines,
			 * such as gtest_main's "Running main() from ...", have
			 * blanks in them */
			m = before_comment(p, n);
			buf_reset(&suite);
			if (m > 1 && p[m - 1] == '.' && !memchr(p, ' ', m))
				r = buf_add(&suite, p, m);
		} else if (suite.len) {
			size_t lead = strspn(p, " ");

			m = before_comment(p + lead, n - lead);
			if (m) {
				buf_reset(&id);
				r = buf_addf(&id, "%s:%s%.*s", binary, suite.buf,
					     (int)m, p + lead);
				if (!r && !filter_ok(g->filters, id.buf +
						     strlen(binary) + 1))
					;	/* left out by the group's filters */
				else if (!r)
					r = discovery_add_id(ids, from, id.buf, id.len,
							     g, "--gtest_list_tests",
							     err);
			}
		}
		p += n + (p[n] == '\n');
	}
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	buf_release(&suite);
	buf_release(&id);
	return r;
}

static int gtest_discover(const struct offload_config *cfg, int cancel_fd,
			  const struct offload_group *g, struct strvec *ids,
			  struct offload_error *err)
{
	struct strvec bins = STRVEC_INIT;
	struct buf out = BUF_INIT, what = BUF_INIT;
	int r = find_binaries(cfg, &bins);

	if (r)
		return err_set(err, r, "out of memory");
	for (size_t i = 0; !r && i < bins.nr; i++) {
		char *argv[3] = { NULL, (char *)"--gtest_list_tests", NULL };
		struct buf path = BUF_INIT;
		int status;

		buf_reset(&out);
		buf_reset(&what);
		if (buf_addf(&path, "%s%s%s", bins.v[i][0] == '/' ? "" :
			     cfg->provider_working_dir, bins.v[i][0] == '/' ? "" : "/",
			     bins.v[i]) ||
		    buf_addf(&what, "'%s --gtest_list_tests'", bins.v[i])) {
			buf_release(&path);
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
			break;
		}
		argv[0] = path.buf;
		r = discovery_run(cfg, cancel_fd, g, argv, what.buf, &out, &status,
				  err);
		buf_release(&path);
		if (!r && status)
			r = OFFLOAD_EDISCOVER;	/* err says it */
		if (!r)
			r = gtest_parse_list(bins.v[i], out.buf, g, ids, err);
	}
	strvec_clear(&bins);
	buf_release(&out);
	buf_release(&what);
	return r;
}

/* ------------------------------------------------------------------ */
/* Running a batch                                                     */

/* "Suite.Name" of ID "BINARY:Suite.Name": after the binary's length. */
static const char *test_name(const char *id, size_t binlen)
{
	return id + binlen + 1;
}

static size_t binary_len(const char *id)
{
	const char *colon = strrchr(id, ':');

	return colon ? (size_t)(colon - id) : 0;
}

static int is_disabled(const char *name)
{
	const char *dot = strrchr(name, '.');

	return !strncmp(name, "DISABLED_", 9) ||
		(dot && !strncmp(dot + 1, "DISABLED_", 9)) ||
		strstr(name, "/DISABLED_") != NULL;
}

/* A case for test `id` (copied) with outcome `o` and `message`. */
static int add_case(struct junit_case **v, size_t *nr, size_t *alloc,
		    const char *id, enum offload_outcome o, double secs,
		    const char *message, const char *text)
{
	struct junit_case *c;

	if (*nr == *alloc) {
		size_t n = *alloc ? 2 * *alloc : 16;

		c = realloc(*v, n * sizeof(**v));
		if (!c)
			return OFFLOAD_ENOMEM;
		*v = c;
		*alloc = n;
	}
	c = &(*v)[*nr];
	memset(c, 0, sizeof(*c));
	c->outcome = o;
	c->secs = secs;
	if (!(c->name = strdup(id)) || !(c->classname = strdup("")) ||
	    (message && !(c->message = strdup(message))) ||
	    (text && !(c->text = strdup(text)))) {
		free(c->name);
		free(c->classname);
		free(c->message);
		return OFFLOAD_ENOMEM;
	}
	(*nr)++;
	return 0;
}

struct run_state {
	struct junit_case *cases;
	size_t nr, alloc;
	struct buf lo, le;        /* every process's output, for the logs */
};

/*
 * gtest's console lines of a run that wrote no XML: the tests that
 * ended ("[       OK ]", "[  FAILED  ]", "[  SKIPPED ]") become cases;
 * the one "[ RUN      ]" without an end is the one that was running,
 * returned in *running (an index into names, or -1).  done[i] is set for
 * every test accounted for.
 */
static int from_console(struct run_state *st, const char *bin,
			const char *out, char *const *names, size_t n,
			char *done, long *running, const char *why)
{
	struct buf id = BUF_INIT;
	int r = 0;

	*running = -1;
	for (const char *p = out; *p && !r; ) {
		size_t len = strcspn(p, "\n");
		enum offload_outcome o = OFFLOAD_ATTEMPT_PASSED;
		int start = 0, end = 1;
		const char *name = NULL;

		if (!strncmp(p, "[ RUN      ] ", 13)) {
			start = 1;
			end = 0;
			name = p + 13;
		} else if (!strncmp(p, "[       OK ] ", 13)) {
			name = p + 13;
		} else if (!strncmp(p, "[  FAILED  ] ", 13)) {
			o = OFFLOAD_ATTEMPT_FAILED;
			name = p + 13;
		} else if (!strncmp(p, "[  SKIPPED ] ", 13)) {
			o = OFFLOAD_ATTEMPT_SKIPPED;
			name = p + 13;
		}
		if (name) {
			size_t nl = strcspn(name, " \n\r");

			for (size_t i = 0; i < n; i++) {
				if (strlen(names[i]) != nl || memcmp(names[i], name, nl))
					continue;
				if (start && !done[i]) {
					*running = (long)i;
				} else if (end && !done[i]) {
					buf_reset(&id);
					r = buf_addf(&id, "%s:%s", bin, names[i]);
					if (!r)
						r = add_case(&st->cases, &st->nr, &st->alloc,
							     id.buf, o, 0,
							     o == OFFLOAD_ATTEMPT_FAILED ?
							     "failed (see output)" : NULL,
							     NULL);
					done[i] = 1;
					if (*running == (long)i)
						*running = -1;
				}
				break;
			}
		}
		p += len + (p[len] == '\n');
	}
	if (!r && *running >= 0) {
		buf_reset(&id);
		r = buf_addf(&id, "%s:%s", bin, names[*running]);
		if (!r)
			r = add_case(&st->cases, &st->nr, &st->alloc, id.buf,
				     OFFLOAD_ATTEMPT_ERROR, 0, why, NULL);
		done[*running] = 1;
	}
	buf_release(&id);
	return r;
}

/*
 * Run binary `bin` for names[0..n) (all undone at first) until every one
 * is accounted for.  0, OFFLOAD_ELOST (err says why), OFFLOAD_ENOMEM, or
 * 1 when canceled.
 */
static int run_binary(struct batch_exec *b, struct run_state *st,
		      const char *bin, char **names, size_t n, unsigned *seq,
		      struct offload_error *err)
{
	const struct offload_config *cfg = b->cfg;
	char *done = calloc(n ? n : 1, 1);
	struct buf filter = BUF_INIT, xml = BUF_INIT, path = BUF_INIT, msg = BUF_INIT;
	struct strvec argv = STRVEC_INIT, fetched = STRVEC_INIT;
	int r = done ? 0 : OFFLOAD_ENOMEM;

	while (!r) {
		struct sandbox_cmd cmd = { 0 };
		struct spawn_res res;
		struct offload_error serr = { 0, "" };
		struct junit_case *cases = NULL;
		size_t cases_nr = 0, first = 0, last, progress = 0;
		char *xmlpath;
		long running = -1;
		int jr;

		while (first < n && done[first])
			first++;
		if (first == n)
			break;
		buf_reset(&filter);
		r = buf_adds(&filter, "--gtest_filter=");
		for (last = first; !r && last < n && filter.len < FILTER_CAP; last++)
			if (!done[last])
				r = buf_addf(&filter, "%s%s", filter.len > 15 ? ":" : "",
					     names[last]);
		buf_reset(&xml);
		buf_reset(&path);
		strvec_clear(&argv);
		if (!r)
			r = buf_addf(&xml, "%s/gtest-batch-%u-%u.xml", b->sb->tmpdir,
				     b->batch_no, ++*seq);
		if (!r)
			r = buf_addf(&path, "%s%s%s", bin[0] == '/' ? "" : b->sb->cwd,
				     bin[0] == '/' ? "" : "/", bin);
		if (!r && (strvec_push(&argv, path.buf) || strvec_push(&argv, filter.buf) ||
			   strvec_pushf(&argv, "--gtest_output=xml:%s", xml.buf)))
			r = OFFLOAD_ENOMEM;
		if (r)
			break;
		if (!b->sb->fetch_dir)
			unlink(xml.buf);
		batch_cmd(&cmd, &res, b, argv.v, NULL);
		xmlpath = xml.buf;
		cmd.fetch = (char *const *)&xmlpath;
		cmd.nfetch = 1;
		r = sandbox_exec(b->sb, &cmd, &res, &serr);
		if (r == OFFLOAD_ELOST) {
			err_set(err, r, "%s", serr.msg);
			spawn_res_release(&res);
			break;
		}
		if (r == OFFLOAD_ENOMEM || r == -ENOMEM) {
			spawn_res_release(&res);
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (r) {	/* cannot start: every remaining test fails */
			r = 0;
			for (size_t i = first; !r && i < n; i++) {
				struct buf id = BUF_INIT;

				if (done[i])
					continue;
				r = buf_addf(&id, "%s:%s", bin, names[i]) ? OFFLOAD_ENOMEM :
					add_case(&st->cases, &st->nr, &st->alloc, id.buf,
						 OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
				done[i] = 1;
				buf_release(&id);
			}
			spawn_res_release(&res);
			continue;
		}
		if (capbuf_render(&res.out, &st->lo) || capbuf_render(&res.err, &st->le)) {
			spawn_res_release(&res);
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (res.state == SPAWN_CANCELED) {
			spawn_res_release(&res);
			r = 1;
			break;
		}
		xmlpath = xml.buf;
		strvec_clear(&fetched);
		r = sandbox_fetch(b->sb, (char *const *)&xmlpath, 1, b->cancel_fd,
				  &fetched, &serr);
		if (r == OFFLOAD_ELOST || r == OFFLOAD_ECANCELED) {
			err_set(err, r, "%s", serr.msg);
			spawn_res_release(&res);
			r = r == OFFLOAD_ECANCELED ? 1 : r;
			break;
		}
		if (r) {
			spawn_res_release(&res);
			break;
		}
		jr = res.state == SPAWN_EXITED ?
			junit_read(fetched.v[0], b->cancel_fd, &cases, &cases_nr, &serr) :
			OFFLOAD_EPARSE;
		if (jr == OFFLOAD_ENOMEM) {
			junit_cases_free(cases, cases_nr);
			spawn_res_release(&res);
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (!jr) {
			/* XML cases name "Suite" and "Name": our IDs add the binary */
			for (size_t k = 0; !r && k < cases_nr; k++) {
				struct buf id = BUF_INIT;
				struct junit_case *c = &cases[k];

				for (size_t i = first; i < last; i++)
					if (!done[i] && !strncmp(names[i], c->classname,
								 strlen(c->classname)) &&
					    names[i][strlen(c->classname)] == '.' &&
					    !strcmp(names[i] + strlen(c->classname) + 1,
						    c->name)) {
						done[i] = 1;
						progress++;
						break;
					}
				if (buf_addf(&id, "%s:%s.%s", bin, c->classname, c->name)) {
					r = OFFLOAD_ENOMEM;
				} else {
					free(c->name);
					c->name = buf_detach(&id);
					r = add_case(&st->cases, &st->nr, &st->alloc, c->name,
						     c->outcome, c->secs, c->message,
						     c->text ? c->text : c->out);
				}
				buf_release(&id);
			}
			/* asked for, not in the XML: the next round says why */
			if (!r && !progress)
				for (size_t i = first; i < last; i++)
					done[i] = 1;
		} else {
			char sig[64];

			buf_reset(&msg);
			if (res.state == SPAWN_SIGNALED)
				r = buf_addf(&msg, "crashed: killed by %s",
					     signal_text(res.status, sig, sizeof(sig)));
			else if (res.state == SPAWN_TIMEDOUT)
				r = buf_addf(&msg, "timed out after %g s",
					     cfg->test_timeout_secs);
			else
				r = buf_addf(&msg, "no result: exited with status %d, "
					     "no XML", res.status);
			if (!r) {
				struct buf out = BUF_INIT;

				r = capbuf_render(&res.out, &out);
				if (!r)
					r = from_console(st, bin, out.buf, names + first,
							 last - first, done + first,
							 &running, msg.buf);
				buf_release(&out);
				progress = running >= 0;
				for (size_t i = first; i < last && !progress; i++)
					progress = done[i];
			}
			/* nothing moved: the rest cannot be run, say why once */
			for (size_t i = first; !r && !progress && i < last; i++) {
				struct buf id = BUF_INIT;

				if (done[i])
					continue;
				r = buf_addf(&id, "%s:%s", bin, names[i]) ? OFFLOAD_ENOMEM :
					add_case(&st->cases, &st->nr, &st->alloc, id.buf,
						 OFFLOAD_ATTEMPT_ERROR, 0, msg.buf, NULL);
				done[i] = 1;
				buf_release(&id);
			}
		}
		junit_cases_free(cases, cases_nr);
		spawn_res_release(&res);
	}
	free(done);
	buf_release(&filter);
	buf_release(&xml);
	buf_release(&path);
	buf_release(&msg);
	strvec_clear(&argv);
	strvec_clear(&fetched);
	return r;
}

static char *id_key(const struct junit_case *c, void *data)
{
	return strdup(c->name);
}

static int gtest_run_batch(struct batch_exec *b, struct offload_error *err)
{
	struct run_state st = { NULL, 0, 0, BUF_INIT, BUF_INIT };
	char *taken = calloc(b->nr ? b->nr : 1, 1);
	struct strvec names = STRVEC_INIT;
	unsigned seq = 0;
	int r = taken ? 0 : OFFLOAD_ENOMEM;

	/* DISABLED_ tests: skipped, as gtest itself reports them */
	for (size_t i = 0; !r && i < b->nr; i++)
		if (is_disabled(test_name(b->ids[i], binary_len(b->ids[i])))) {
			r = outcome_set(&b->res[i], OFFLOAD_ATTEMPT_SKIPPED, 0,
					"disabled (DISABLED_ prefix)", NULL);
			taken[i] = 1;
		}
	/* one binary at a time, its tests in batch order */
	for (size_t i = 0; !r && i < b->nr; i++) {
		size_t bl = binary_len(b->ids[i]);
		char *bin;

		if (taken[i])
			continue;
		if (!(bin = strndup(b->ids[i], bl))) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		strvec_clear(&names);
		for (size_t j = i; !r && j < b->nr; j++)
			if (!taken[j] && binary_len(b->ids[j]) == bl &&
			    !memcmp(b->ids[j], bin, bl)) {
				r = strvec_push(&names, test_name(b->ids[j], bl));
				taken[j] = 1;
			}
		if (!r)
			r = run_binary(b, &st, bin, names.v, names.nr, &seq, err);
		free(bin);
	}
	if (r == 1) {
		b->canceled = 1;
		r = match_results(b, st.cases, st.nr, id_key, NULL, NULL, NULL);
	} else if (!r) {
		r = match_results(b, st.cases, st.nr, id_key, NULL,
				  "no result: gtest did not report this test", NULL);
	}
	if (r == OFFLOAD_ELOST) {
		/* err says it; tests with a result keep it */
		match_results(b, st.cases, st.nr, id_key, NULL, NULL, NULL);
		r = OFFLOAD_ELOST;
	} else if (!r) {
		r = write_batch_logs(b, &st.lo, &st.le, err);
	} else if (r == OFFLOAD_ENOMEM) {
		err_set(err, r, "out of memory");
	}
	junit_cases_free(st.cases, st.nr);
	buf_release(&st.lo);
	buf_release(&st.le);
	strvec_clear(&names);
	free(taken);
	return r;
}

static const struct framework_key gtest_keys[] = {
	{ "paths", offsetof(struct offload_config, paths), "",
	  "globs of Google Test binaries" },
	{ NULL, 0, NULL, NULL },
};

const struct framework_ops framework_gtest = {
	.name = "gtest",
	.keys = gtest_keys,
	.batch_secs = 0.02,
	.template =
	"[framework]\n"
	"type = gtest\n"
	"# Space-separated globs of Google Test binaries; each test is\n"
	"# BINARY:Suite.Name, as --gtest_list_tests lists it.\n"
	"paths = build/*_test\n"
	"\n"
	"[group.all]\n"
	"# Extra attempts of each test, run in parallel.\n"
	"retry_count = 0\n"
	"# A --gtest_filter pattern the tests must match (e.g. 'Math.*'), or empty.\n"
	"filters =\n"
	"schedule_individual = false\n"
	"\n",
	.discover = gtest_discover,
	.run_batch = gtest_run_batch,
};
