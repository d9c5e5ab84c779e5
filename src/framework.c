/* SPDX-License-Identifier: MIT */
/*
 * framework.c - what the three frameworks share: dispatch on the
 * configured framework, duplicate removal after discovery, matching JUnit
 * cases back to a batch's test IDs, the per-batch logs, attempt texts,
 * environment building, a small shell-like word splitter for command
 * settings, and finding the pytest plugin.
 *
 * It does not start processes itself (spawn.c does) and knows nothing of a
 * particular runner; framework_pytest.c, framework_exec.c and
 * framework_custom.c do.  See docs/frameworks.md.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "framework.h"
#include "junit.h"
#include "spawn.h"


/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

/* Sort key for removing duplicates while keeping the first occurrence. */
struct idref {
	const char *s;
	size_t pos;
};

static int idref_cmp(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Remove later duplicates from ids->v[from..] in O(n log n): a suite of
 * 100,000 tests must not cost 10^10 comparisons.
 */
static int dedupe(struct strvec *ids, size_t from)
{
	size_t n = ids->nr - from, j = from;
	struct idref *refs;
	char *drop;

	if (n < 2)
		return 0;
	refs = malloc(n * sizeof(*refs));
	drop = calloc(n, 1);
	if (!refs || !drop) {
		free(refs);
		free(drop);
		return OFFLOAD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		refs[i].s = ids->v[from + i];
		refs[i].pos = i;
	}
	qsort(refs, n, sizeof(*refs), idref_cmp);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(refs[i].s, refs[i - 1].s))
			drop[refs[i].pos] = 1;
	for (size_t i = 0; i < n; i++) {
		if (drop[i])
			free(ids->v[from + i]);
		else
			ids->v[j++] = ids->v[from + i];
	}
	ids->nr = j;
	ids->v[j] = NULL;
	free(refs);
	free(drop);
	return 0;
}

/* The registry: adding a framework is one file and one line here. */
const struct framework_ops *const framework_registry[] = {
	&framework_pytest,
	&framework_exec,
	&framework_custom,
	&framework_gtest,
	&framework_cargo,
	&framework_tap,
	&framework_vitest,
	NULL,
};

const char *offload_framework_name(size_t i)
{
	for (size_t k = 0; framework_registry[k]; k++)
		if (k == i)
			return framework_registry[k]->name;
	return NULL;
}

const struct framework_ops *framework_find(const char *name)
{
	for (size_t i = 0; framework_registry[i]; i++)
		if (!strcmp(framework_registry[i]->name, name))
			return framework_registry[i];
	return NULL;
}

void batch_cmd(struct sandbox_cmd *cmd, struct spawn_res *res,
	       const struct batch_exec *b, char *const *argv, char *const *envp)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->argv = argv;
	cmd->envp = envp ? envp : b->sb->envp;
	cmd->cwd = b->sb->cwd;
	cmd->cap = OFFLOAD_OUTPUT_CAP;
	cmd->timeout_secs = b->cfg->test_timeout_secs;
	cmd->cancel_fd = b->cancel_fd;
	memset(res, 0, sizeof(*res));
	capbuf_init(&res->out, OFFLOAD_OUTPUT_CAP);
	capbuf_init(&res->err, OFFLOAD_OUTPUT_CAP);
}

int framework_discover(const struct offload_config *cfg,
		       const struct offload_group *g, int cancel_fd,
		       struct strvec *ids, struct offload_error *err)
{
	size_t from = ids->nr;
	int r;

	r = cfg->framework->discover(cfg, cancel_fd, g, ids, err);
	if (r)
		return r;
	if (dedupe(ids, from))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return 0;
}

int framework_run_batch(struct batch_exec *b, struct offload_error *err)
{
	if (!b->warnings.v)	/* the caller zeroed it */
		strvec_init(&b->warnings);
	b->canceled = 0;
	b->res = calloc(b->nr ? b->nr : 1, sizeof(*b->res));
	if (!b->res)
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return b->cfg->framework->run_batch(b, err);
}

int framework_live(const struct batch_exec *b, struct batch_live *st,
		   batch_live_fn *fn, void *data)
{
	if (!b->cfg->framework->live)
		return 0;
	return b->cfg->framework->live(b, st, fn, data);
}

void batch_exec_release(struct batch_exec *b)
{
	if (b->res) {
		for (size_t i = 0; i < b->nr; i++)
			outcome_release(&b->res[i]);
		free(b->res);
		b->res = NULL;
	}
	if (b->warnings.v)
		strvec_clear(&b->warnings);
	b->canceled = 0;
}

/* ------------------------------------------------------------------ */
/* Attempt texts                                                       */

/* First line of `s`, at most OFFLOAD_MESSAGE_MAX bytes, cut on a UTF-8
 * character boundary; NULL for an empty or NULL `s`. */
static char *short_message(const char *s)
{
	size_t n;

	if (!s)
		return NULL;
	while (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, "\r\n");
	if (n > OFFLOAD_MESSAGE_MAX) {
		n = OFFLOAD_MESSAGE_MAX;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n)
		return NULL;
	return strndup(s, n);
}

int cap_join(struct buf *dst, const char *const *parts, size_t n)
{
	struct capbuf cb;
	int r = 0;

	capbuf_init(&cb, OFFLOAD_ATTEMPT_OUTPUT_CAP);
	for (size_t i = 0; i < n && !r; i++) {
		size_t len;

		if (!parts[i] || !*parts[i])
			continue;
		/* one newline between parts, so that they do not run together */
		if (cb.total && !r)
			r = capbuf_add(&cb, "\n", 1);
		len = strlen(parts[i]);
		if (!r)
			r = capbuf_add(&cb, parts[i], len);
		if (!r && parts[i][len - 1] != '\n')
			r = capbuf_add(&cb, "\n", 1);
	}
	if (!r)
		r = capbuf_render(&cb, dst);
	capbuf_release(&cb);
	return r ? OFFLOAD_ENOMEM : 0;
}

int outcome_set(struct test_outcome *t, enum offload_outcome o, double secs,
		const char *message, const char *output)
{
	char *m = NULL, *out = NULL;

	if (message && *message && !(m = short_message(message)) &&
	    strspn(message, " \t\r\n") != strlen(message))
		return OFFLOAD_ENOMEM;
	/* passes carry no output: it would only bloat the report */
	if (output && *output && o != OFFLOAD_ATTEMPT_PASSED) {
		struct buf b = BUF_INIT;

		if (cap_join(&b, &output, 1)) {
			buf_release(&b);
			free(m);
			return OFFLOAD_ENOMEM;
		}
		out = buf_detach(&b);
		if (!out) {
			free(m);
			return OFFLOAD_ENOMEM;
		}
	}
	free(t->message);
	free(t->output);
	t->have = 1;
	t->outcome = o;
	t->secs = secs;
	t->message = m;
	t->output = out;
	return 0;
}

int batch_fill(struct batch_exec *b, enum offload_outcome o, double secs,
	       const char *message, const char *output)
{
	for (size_t i = 0; i < b->nr; i++)
		if (!b->res[i].have &&
		    outcome_set(&b->res[i], o, secs, message, output))
			return OFFLOAD_ENOMEM;
	return 0;
}

/*
 * Output becomes a C string here: a NUL byte would end it, and what
 * follows would be lost.  It is written "\x00", the way the report
 * writes every other control byte (docs/junit.md).
 */
static int show_nuls(struct buf *b)
{
	struct buf t = BUF_INIT;
	const char *p = b->buf, *end = b->buf + b->len, *z;

	if (!memchr(p, '\0', b->len))
		return 0;
	for (; (z = memchr(p, '\0', (size_t)(end - p))); p = z + 1)
		if (buf_add(&t, p, (size_t)(z - p)) || buf_add(&t, "\\x00", 4))
			goto nomem;
	if (buf_add(&t, p, (size_t)(end - p)))
		goto nomem;
	buf_release(b);
	*b = t;
	return 0;
nomem:
	buf_release(&t);
	return OFFLOAD_ENOMEM;
}

int outcome_add_point(struct test_outcome *t, const char *id,
		      enum offload_outcome o, double secs, const char *message,
		      const char *output)
{
	struct test_outcome *p;

	if (t->points_nr == t->points_alloc) {
		size_t n = t->points_alloc ? 2 * t->points_alloc : 8;

		p = realloc(t->points, n * sizeof(*p));
		if (!p)
			return OFFLOAD_ENOMEM;
		t->points = p;
		t->points_alloc = n;
	}
	p = &t->points[t->points_nr];
	memset(p, 0, sizeof(*p));
	if (!(p->id = strdup(id)))
		return OFFLOAD_ENOMEM;
	t->points_nr++;
	return outcome_set(p, o, secs, message, output);
}

void outcome_release(struct test_outcome *t)
{
	for (size_t i = 0; i < t->points_nr; i++)
		outcome_release(&t->points[i]);
	free(t->points);
	free(t->message);
	free(t->output);
	free(t->id);
	memset(t, 0, sizeof(*t));
}

int res_output(const struct spawn_res *res, struct buf *out)
{
	struct buf o = BUF_INIT, e = BUF_INIT;
	const char *parts[2];
	int r;

	r = capbuf_render(&res->out, &o);
	if (!r)
		r = capbuf_render(&res->err, &e);
	if (!r)
		r = show_nuls(&o);
	if (!r)
		r = show_nuls(&e);
	parts[0] = o.buf;
	parts[1] = e.buf;
	if (!r)
		r = cap_join(out, parts, 2);
	buf_release(&o);
	buf_release(&e);
	return r;
}

const char *signal_text(int sig, char *dst, size_t n)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(dst, n, "signal %d (SIG%s)", sig, abbrev);
	else
		snprintf(dst, n, "signal %d", sig);
	return dst;
}

/* ------------------------------------------------------------------ */
/* Matching JUnit cases to the batch's IDs                             */

struct slot {
	const char *id;
	size_t idx;
};

static int slot_cmp(const void *a, const void *b)
{
	return strcmp(((const struct slot *)a)->id,
		      ((const struct slot *)b)->id);
}

static int case_to_outcome(struct test_outcome *t, const struct junit_case *c)
{
	struct buf out = BUF_INIT;
	const char *parts[3] = { c->text, c->out, c->err };
	const char *msg = c->message && *c->message ? c->message : c->text;
	int r;

	switch (c->outcome) {
	case OFFLOAD_ATTEMPT_PASSED:
		return outcome_set(t, c->outcome, c->secs, NULL, NULL);
	case OFFLOAD_ATTEMPT_SKIPPED:
		return outcome_set(t, c->outcome, c->secs, c->message, NULL);
	default:
		break;
	}
	r = cap_join(&out, parts, 3);
	if (!r)
		r = outcome_set(t, c->outcome, c->secs, msg, out.buf);
	buf_release(&out);
	return r;
}

/* "batch N: result 'KEY' matches no test of the batch (closest: ...)" */
static int warn_unmatched(struct batch_exec *b, const char *key)
{
	size_t best[3], dist[3], nbest = 0;
	struct buf w = BUF_INIT;
	char *ek = junit_escape(key);
	int r = OFFLOAD_ENOMEM;

	if (!ek)
		return OFFLOAD_ENOMEM;
	/* keep the three smallest distances, earliest ID first on ties */
	for (size_t i = 0; i < b->nr; i++) {
		size_t d = edit_distance(key, b->ids[i]), k;

		if (d == SIZE_MAX)
			goto cleanup;	/* out of memory: no wrong "closest" */
		if (nbest == 3 && d >= dist[2])
			continue;
		k = nbest < 3 ? nbest++ : 2;
		while (k && dist[k - 1] > d) {
			best[k] = best[k - 1];
			dist[k] = dist[k - 1];
			k--;
		}
		best[k] = i;
		dist[k] = d;
	}
	if (buf_addf(&w, "batch %u: result '%s' matches no test of the batch",
		     b->batch_no, ek))
		goto cleanup;
	for (size_t k = 0; k < nbest; k++) {
		char *e = junit_escape(b->ids[best[k]]);

		if (!e || buf_addf(&w, "%s'%s'", k ? ", " : " (closest: ", e)) {
			free(e);
			goto cleanup;
		}
		free(e);
	}
	if (nbest && buf_addch(&w, ')'))
		goto cleanup;
	r = strvec_push_nodup(&b->warnings, buf_detach(&w));
cleanup:
	buf_release(&w);
	free(ek);
	return r;
}

int match_results(struct batch_exec *b, const struct junit_case *cases,
		  size_t cases_nr, case_key_fn *key_of, void *data,
		  const char *missing_reason, const char *missing_output)
{
	struct slot *slots = NULL;
	size_t unmatched = 0;
	int r = 0;

	if (b->nr && !(slots = malloc(b->nr * sizeof(*slots))))
		return OFFLOAD_ENOMEM;
	for (size_t i = 0; i < b->nr; i++) {
		slots[i].id = b->ids[i];
		slots[i].idx = i;
	}
	if (b->nr)
		qsort(slots, b->nr, sizeof(*slots), slot_cmp);
	for (size_t i = 0; i < cases_nr && !r; i++) {
		struct slot key_slot = { NULL, 0 }, *hit = NULL;
		char *key = key_of(&cases[i], data);

		if (!key) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		key_slot.id = key;
		if (b->nr)
			hit = bsearch(&key_slot, slots, b->nr, sizeof(*slots),
				      slot_cmp);
		if (hit) {
			if (!b->res[hit->idx].have)	/* the first case decides */
				r = case_to_outcome(&b->res[hit->idx], &cases[i]);
		} else if (++unmatched <= OFFLOAD_UNMATCHED_SHOWN) {
			r = warn_unmatched(b, key);	/* the rest: counted */
		}
		free(key);
	}
	free(slots);
	if (!r && unmatched > OFFLOAD_UNMATCHED_SHOWN)
		r = strvec_pushf(&b->warnings,
				 "batch %u: %zu more results matched no test of the batch",
				 b->batch_no, unmatched - OFFLOAD_UNMATCHED_SHOWN);
	if (!r && missing_reason)
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, missing_reason,
			       missing_output);
	return r;
}

/* ------------------------------------------------------------------ */
/* Logs                                                                */

static int write_file(const char *path, const struct buf *text,
		      struct offload_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return err_set(err, -errno, "cannot write '%s': %s", path,
			       strerror(errno));
	while (text && done < text->len) {
		ssize_t n = write(fd, text->buf + done, text->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return err_set(err, -e, "cannot write '%s': %s", path,
				       strerror(e));
		}
		done += (size_t)n;
	}
	if (close(fd) < 0 && errno != EINTR)
		return err_set(err, -errno, "cannot write '%s': %s", path,
			       strerror(errno));
	return 0;
}

int write_batch_logs(const struct batch_exec *b, const struct buf *out,
		     const struct buf *err_text, struct offload_error *err)
{
	struct buf path = BUF_INIT;
	int r;

	if (!b->log_dir)
		return 0;
	r = buf_addf(&path, "%s/batch-%u.stdout", b->log_dir, b->batch_no);
	if (!r)
		r = write_file(path.buf, out, err);
	buf_reset(&path);
	if (!r)
		r = buf_addf(&path, "%s/batch-%u.stderr", b->log_dir, b->batch_no);
	if (!r)
		r = write_file(path.buf, err_text, err);
	buf_release(&path);
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	return r;
}

/* ------------------------------------------------------------------ */
/* Environment and words                                               */

/* Length of the NAME part of "NAME=value" (the whole string if no '='). */
static size_t env_name_len(const char *s)
{
	return strcspn(s, "=");
}

int env_build(struct strvec *out, char *const *base,
	      const struct offload_env *set, size_t set_nr)
{
	for (; base && *base; base++) {
		size_t n = env_name_len(*base), j;

		if (env_is_make_var(*base))
			continue;	/* a discovery command inside make, too */
		for (j = 0; j < set_nr; j++)
			if (strlen(set[j].name) == n &&
			    !strncmp(set[j].name, *base, n))
				break;
		if (j == set_nr && strvec_push(out, *base))
			return OFFLOAD_ENOMEM;
	}
	for (size_t j = 0; j < set_nr; j++)
		if (strvec_pushf(out, "%s=%s", set[j].name, set[j].value))
			return OFFLOAD_ENOMEM;
	return 0;
}

const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/*
 * A shell-like word splitter for settings such as `command`, `run_args`
 * and pytest `filters` (`-k 'not slow'`): blanks separate words, '...'
 * keeps everything literally, "..." keeps everything except that a
 * backslash escapes " \ $ and `, and a backslash outside quotes escapes
 * the next character.  No expansion of any kind happens: these words go
 * to execve, never to a shell.
 */
int split_words(const char *s, struct strvec *out)
{
	struct buf w = BUF_INIT;
	int in_word = 0, r = 0;

	while (!r) {
		char c = *s++;

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word)
				r = strvec_push_nodup(out, buf_detach(&w));
			in_word = 0;
			if (c == '\0')
				break;
			continue;
		}
		in_word = 1;
		if (c == '\'') {
			const char *end = strchr(s, '\'');

			if (!end) {
				r = OFFLOAD_EPARSE;
				break;
			}
			r = buf_add(&w, s, (size_t)(end - s));
			s = end + 1;
		} else if (c == '"') {
			while (!r && *s && *s != '"') {
				if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
					s++;
				r = buf_addch(&w, *s++);
			}
			if (!r && *s != '"') {
				r = OFFLOAD_EPARSE;
				break;
			}
			s++;
		} else if (c == '\\') {
			if (*s == '\n')		/* line continuation */
				s++;
			else if (*s)
				r = buf_addch(&w, *s++);
		} else {
			r = buf_addch(&w, c);
		}
	}
	buf_release(&w);
	return r;
}

/* ------------------------------------------------------------------ */
/* Discovery commands                                                  */

/*
 * The end of a command's output, on one line, for an error message.  Only
 * the last few KB are looked at: the output may be 64 MB.
 */
static void tail_text(const struct capbuf *cb, char *dst, size_t n)
{
	char raw[4096];
	const char *p = raw;
	size_t len, j = 0;

	len = capbuf_tail(cb, raw, sizeof(raw));
	while (len && strchr(" \t\r\n", raw[len - 1]))
		len--;
	if (len > n - 1) {
		p += len - (n - 1);
		len = n - 1;
	}
	for (size_t i = 0; i < len; i++)
		dst[j++] = p[i] == '\n' || p[i] == '\r' ? ' ' : p[i];
	dst[j] = '\0';
}

int discovery_add_id(struct strvec *ids, size_t from, const char *id,
		     size_t len, const struct offload_group *g,
		     const char *what, struct offload_error *err)
{
	if (ids->nr - from >= OFFLOAD_DISCOVERY_MAX_IDS)
		return err_set(err, OFFLOAD_EDISCOVER,
			       "group '%s': %s listed more than %d tests, the limit for one group",
			       g->name, what, OFFLOAD_DISCOVERY_MAX_IDS);
	if (strvec_push_nodup(ids, strndup(id, len)))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return 0;
}

int discovery_run(const struct offload_config *cfg, int cancel_fd,
		  const struct offload_group *g, char *const *argv,
		  const char *what, struct buf *out, int *status,
		  struct offload_error *err)
{
	extern char **environ;
	struct strvec env = STRVEC_INIT;
	struct spawn_req req = { 0 };
	struct spawn_res res;
	struct offload_error serr = { 0, "" };
	char tail[200], sig[64];
	int r;

	memset(&res, 0, sizeof(res));
	capbuf_init(&res.out, OFFLOAD_DISCOVERY_CAP);
	capbuf_init(&res.err, OFFLOAD_DISCOVERY_CAP);
	if (env_build(&env, environ, cfg->env, cfg->env_nr)) {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto cleanup;
	}
	req.argv = argv;
	req.envp = env.v;
	req.cwd = cfg->provider_working_dir;
	req.cap = OFFLOAD_DISCOVERY_CAP;
	req.stop_over_cap = 1;	/* more is an error: stop it now */
	req.timeout_secs = cfg->test_timeout_secs;
	req.cancel_fd = cancel_fd;
	r = spawn_run(&req, &res, &serr);
	if (r) {
		if (r == OFFLOAD_ENOMEM)
			err_set(err, r, "out of memory");
		else
			r = err_set(err, OFFLOAD_EDISCOVER, "group '%s': %s: %s",
				    g->name, what, serr.msg);
		goto cleanup;
	}
	tail_text(res.err.total ? &res.err : &res.out, tail, sizeof(tail));
	/* Too much output explains a timeout or a SIGPIPE: say that first. */
	if (res.state != SPAWN_CANCELED && capbuf_dropped(&res.out)) {
		r = err_set(err, OFFLOAD_EDISCOVER,
			    "group '%s': %s printed more than %d MiB, the limit for discovery output",
			    g->name, what, OFFLOAD_DISCOVERY_CAP >> 20);
		goto cleanup;
	}
	switch (res.state) {
	case SPAWN_EXITED:
		break;
	case SPAWN_SIGNALED:
		r = err_set(err, OFFLOAD_EDISCOVER,
			    "group '%s': %s killed by %s: %s", g->name, what,
			    signal_text(res.status, sig, sizeof(sig)), tail);
		goto cleanup;
	case SPAWN_TIMEDOUT:
		r = err_set(err, OFFLOAD_EDISCOVER,
			    "group '%s': %s timed out after %g s", g->name,
			    what, cfg->test_timeout_secs);
		goto cleanup;
	case SPAWN_CANCELED:
		r = err_set(err, OFFLOAD_ECANCELED, "group '%s': %s canceled",
			    g->name, what);
		goto cleanup;
	}
	*status = res.status;
	if (capbuf_render(&res.out, out))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	else if (res.status)	/* the caller may accept some statuses */
		err_set(err, OFFLOAD_EDISCOVER,
			"group '%s': %s exited with status %d: %s", g->name,
			what, res.status, tail);
cleanup:
	spawn_res_release(&res);
	strvec_clear(&env);
	return r;
}

/* ------------------------------------------------------------------ */
/* The pytest plugin                                                   */

#ifndef OFFLOAD_DATADIR_DEFAULT
#define OFFLOAD_DATADIR_DEFAULT "/usr/local/share/offload"
#endif
#define PLUGIN_FILE "offload_pytest_plugin.py"

static char plugin_dir[PATH_MAX];
static pthread_once_t plugin_once = PTHREAD_ONCE_INIT;

static int try_plugin_dir(const char *dir)
{
	char file[PATH_MAX];

	if (!dir || !*dir ||
	    snprintf(file, sizeof(file), "%s/" PLUGIN_FILE, dir) >= (int)sizeof(file) ||
	    access(file, R_OK))
		return 0;
	snprintf(plugin_dir, sizeof(plugin_dir), "%s", dir);
	return 1;
}

/* Directory of the executable or shared object holding this code. */
static int self_dir(char *dst, size_t n)
{
	Dl_info info;
	char real[PATH_MAX], *slash;

	/* dladdr names the main program by argv[0], which may be a bare
	 * name found in PATH: /proc/self/exe is exact then */
	if (dladdr((void *)self_dir, &info) && info.dli_fname &&
	    strchr(info.dli_fname, '/')) {
		if (!realpath(info.dli_fname, real))
			return 0;
	} else {
		ssize_t len = readlink("/proc/self/exe", real, sizeof(real) - 1);

		if (len <= 0)
			return 0;
		real[len] = '\0';
	}
	slash = strrchr(real, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return snprintf(dst, n, "%s", real) < (int)n;
}

static void find_plugin_dir(void)
{
	char dir[PATH_MAX], self[PATH_MAX];
	const char *env = getenv("OFFLOAD_DATADIR");

	if (env && snprintf(dir, sizeof(dir), "%s/pytest", env) < (int)sizeof(dir) &&
	    try_plugin_dir(dir))
		return;
	if (self_dir(self, sizeof(self)) &&
	    snprintf(dir, sizeof(dir), "%s/../share/offload/pytest", self) < (int)sizeof(dir) &&
	    try_plugin_dir(dir))
		return;
	try_plugin_dir(OFFLOAD_DATADIR_DEFAULT "/pytest");
}

const char *pytest_plugin_dir(void)
{
	pthread_once(&plugin_once, find_plugin_dir);
	return plugin_dir[0] ? plugin_dir : NULL;
}
