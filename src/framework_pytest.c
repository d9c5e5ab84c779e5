/* SPDX-License-Identifier: MIT */
/*
 * framework_pytest.c - the `pytest` framework.  Discovery parses the node
 * IDs that `pytest --collect-only -q` prints; a batch passes the node IDs
 * as separate argv elements (no shell) and loads offload's plugin
 * (src/pytest/offload_pytest_plugin.py), which writes each test's exact
 * node ID into the JUnit file as the property "offload_nodeid".  Matching
 * results back is then an exact byte comparison, parametrised IDs
 * included.
 *
 * pytest writes the JUnit file only when the session ends.  For a batch
 * that times out or whose pytest dies, the plugin's progress file (one
 * line per started and per finished test, written as it happens) keeps
 * the results of the tests that finished and names the one that was
 * running; it is read only when the JUnit file is missing or unreadable.
 *
 * Discovery loads the plugin too: a module that fails to collect, or is
 * skipped whole (module-level importorskip), has no node ID in pytest's
 * list, so the plugin names it in a collect file and it becomes a test
 * of its own, failed or skipped, as in pytest's own JUnit report.
 * Discovery and batches share one PYTHONHASHSEED.
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


static int unhex(const char *s, char **out);
static size_t split_fields(char *line, char **f, size_t max);

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
int parse_collect(const char *text, const struct offload_group *g,
		  struct strvec *ids, struct offload_error *err)
{
	const char *p = text;
	size_t from = ids->nr;
	int r;

	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t m = n;

		if (m && p[m - 1] == '\r')
			m--;
		if (!m)
			break;
		if (memmem(p, m, "::", 2) &&
		    (r = discovery_add_id(ids, from, p, m, g,
					  "pytest --collect-only", err)))
			return r;
		p += n + (p[n] == '\n');
	}
	return 0;
}

/*
 * --rootdir=. (the working directory, where discovery and every batch
 * start; in a remote sandbox, its copy): node IDs are relative to the
 * rootdir, and pytest would otherwise pick it per run from that run's
 * own arguments, so that a batch whose tests all sit in a sub-package
 * with its own setup.py gets other IDs than discovery did.  Unless the
 * user's command or run_args choose one.
 */
static int add_rootdir(const struct offload_config *cfg, struct strvec *argv)
{
	if ((cfg->command && strstr(cfg->command, "--rootdir")) ||
	    (cfg->run_args && strstr(cfg->run_args, "--rootdir")))
		return 0;
	return strvec_push(argv, "--rootdir=.");
}

/*
 * PYTHONHASHSEED for discovery and every batch when neither offload's
 * environment nor [provider.env] sets one: a test collection whose node
 * IDs follow a set's order (parametrised over a set) must list the same
 * IDs in discovery and in every sandbox's pytest.  One fixed value, not
 * one drawn per run: discovery's IDs may come from an earlier process
 * (the Make module's discovery cache).
 */
#define PYTEST_HASH_SEED "0"

static const char *config_env(const struct offload_config *cfg,
			      const char *name)
{
	extern char **environ;

	for (size_t i = cfg->env_nr; i-- > 0;)
		if (!strcmp(cfg->env[i].name, name))
			return cfg->env[i].value;
	return env_get(environ, name);
}

static int read_collect_line(char *line, const struct offload_group *g,
			     struct strvec *ids, size_t from,
			     size_t *errors, struct offload_error *err)
{
	char *f[4], *id = NULL, *text = NULL;
	size_t n = split_fields(line, f, 3);
	int r;

	if (n != 3 || (strcmp(f[0], "collect-error") && strcmp(f[0], "collect-skip")))
		return 0;
	r = unhex(f[1], &id);
	if (!r)
		r = unhex(f[2], &text);
	if (r == 1 || (!r && !id))
		r = 0;	/* not the plugin's line */
	else if (!r) {
		r = discovery_add_id(ids, from, id, strlen(id), g,
				     "pytest --collect-only", err);
		*errors += !strcmp(f[0], "collect-error");
	} else {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	}
	free(id);
	free(text);
	return r;
}

/*
 * The plugin's collect file: each module (or other collector) that
 * failed to collect or was skipped as a whole (a module-level
 * importorskip) is a test of its own; *errors counts the failed ones.
 * A missing file or a line not in the plugin's form adds nothing.
 */
int parse_collect_file(const char *path, const struct offload_group *g,
		       struct strvec *ids, size_t *errors,
		       struct offload_error *err)
{
	FILE *fp = fopen(path, "re");
	size_t from = ids->nr, cap = 0;
	char *line = NULL;
	ssize_t len;
	int r = 0;

	*errors = 0;
	if (!fp)
		return 0;
	while (!r) {
		errno = 0;
		len = getline(&line, &cap, fp);
		if (len < 0 && errno == ENOMEM)
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		if (len <= 0 || line[len - 1] != '\n')
			break;
		line[len - 1] = '\0';
		if ((size_t)len - 1 == strlen(line))
			r = read_collect_line(line, g, ids, from, errors, err);
	}
	free(line);
	fclose(fp);
	return r;
}

/*
 * With the plugin (when it is found), discovery also lists collection
 * errors and collectors skipped as a whole, through a collect file in
 * $TMPDIR; --continue-on-collection-errors lets pytest list the rest.
 * The environment gets the plugin on PYTHONPATH, the file's name and the
 * hash seed, on top of [provider.env].
 */
static int pytest_discover(const struct offload_config *cfg, int cancel_fd,
		    const struct offload_group *g, struct strvec *ids,
		    struct offload_error *err)
{
	struct strvec argv = STRVEC_INIT;
	struct buf out = BUF_INIT, pypath = BUF_INIT, collect = BUF_INIT;
	struct offload_config c = *cfg;
	struct offload_env *env = NULL;
	const char *plugin = pytest_plugin_dir();
	const char *old, *tmp = getenv("TMPDIR");
	size_t errors = 0;
	int r, status = 0, fd;

	if (!(env = calloc(cfg->env_nr + 3, sizeof(*env))))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	c.env = env;
	/* [provider.env]'s PYTHONPATH goes after the plugin's directory */
	c.env_nr = 0;
	for (size_t i = 0; i < cfg->env_nr; i++)
		if (!plugin || strcmp(cfg->env[i].name, "PYTHONPATH"))
			env[c.env_nr++] = cfg->env[i];
	if (!config_env(cfg, "PYTHONHASHSEED"))
		env[c.env_nr++] = (struct offload_env){ (char *)"PYTHONHASHSEED",
							(char *)PYTEST_HASH_SEED };
	r = command_words(cfg, &argv, err);
	if (r)
		goto cleanup;
	if (plugin) {
		old = config_env(cfg, "PYTHONPATH");
		if (buf_addf(&collect, "%s/offload-collect-XXXXXX",
			     tmp && *tmp == '/' ? tmp : "/tmp") ||
		    buf_adds(&pypath, plugin) ||
		    (old && *old && buf_addf(&pypath, ":%s", old)))
			goto nomem;
		fd = mkstemp(collect.buf);
		if (fd < 0) {
			r = err_set(err, -errno, "cannot create '%s': %s",
				    collect.buf, strerror(errno));
			buf_reset(&collect);
			goto cleanup;
		}
		close(fd);
		env[c.env_nr++] = (struct offload_env){ (char *)"PYTHONPATH", pypath.buf };
		env[c.env_nr++] = (struct offload_env){ (char *)"OFFLOAD_PYTEST_COLLECT",
							collect.buf };
		if (strvec_push(&argv, "-p") ||
		    strvec_push(&argv, "offload_pytest_plugin") ||
		    strvec_push(&argv, "--continue-on-collection-errors"))
			goto nomem;
	}
	if (strvec_push(&argv, "--collect-only") || strvec_push(&argv, "-q") ||
	    add_rootdir(cfg, &argv))
		goto nomem;
	r = more_words("filters", g->filters, &argv, err);
	if (!r)
		r = more_words("paths", cfg->paths, &argv, err);
	if (!r)
		r = discovery_run(&c, cancel_fd, g, argv.v, "pytest --collect-only", &out,
				  &status, err);
	if (!r && collect.len)
		r = parse_collect_file(collect.buf, g, ids, &errors, err);
	if (!r && status == PYTEST_NO_TESTS) {
		err_clear(err);	/* nothing collected is no error here */
	} else if (!r && status == 1 && errors) {
		/* 1: "tests failed", here modules that failed to collect,
		 * now tests of their own; the others are listed as usual */
		err_clear(err);
		r = parse_collect(out.buf, g, ids, err);
	} else if (!r && status) {
		r = OFFLOAD_EDISCOVER;	/* err says why */
	} else if (!r) {
		size_t listed = ids->nr;

		r = parse_collect(out.buf, g, ids, err);
		/* status 0 means pytest collected something: if no line was a
		 * node ID, the output had another format (-qq: "file.py: 3") */
		if (!r && ids->nr == listed)
			r = err_set(err, OFFLOAD_EDISCOVER,
				    "group '%s': pytest --collect-only -q printed no "
				    "node IDs (is -q already in addopts or command?)",
				    g->name);
	}
	goto cleanup;
nomem:
	r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
cleanup:
	if (collect.len)
		unlink(collect.buf);
	free(env);
	buf_release(&out);
	buf_release(&pypath);
	buf_release(&collect);
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

/*
 * sb->envp with the plugin's directory put first on PYTHONPATH, the
 * progress file's path in OFFLOAD_PYTEST_PROGRESS and PYTEST_HASH_SEED
 * in PYTHONHASHSEED unless the sandbox's environment has one.
 */
static int batch_env(const struct sandbox *sb, const char *plugin,
		     const char *progress, struct strvec *env)
{
	const char *old = env_get(sb->envp, "PYTHONPATH");
	struct offload_env set[3] = {
		{ (char *)"PYTHONPATH", NULL },
		{ (char *)"OFFLOAD_PYTEST_PROGRESS", (char *)progress },
		{ (char *)"PYTHONHASHSEED", (char *)PYTEST_HASH_SEED },
	};
	struct buf v = BUF_INIT;
	int r;

	r = buf_adds(&v, plugin);
	if (!r && old && *old)
		r = buf_addf(&v, ":%s", old);
	set[0].value = v.buf;
	if (!r)
		r = env_build(env, sb->envp, set,
			      env_get(sb->envp, "PYTHONHASHSEED") ? 2 : 3);
	buf_release(&v);
	return r;
}

/*
 * In a remote sandbox the plugin is not installed: `argv` becomes an sh
 * command that writes it (passed as an argument, 6 KB) into
 * REMOTE_PLUGIN_DIR, relative to the sandbox, then runs the batch.
 */
#define REMOTE_PLUGIN_DIR ".offload/plugin"
static int remote_plugin(const char *dir, struct strvec *argv,
			 struct offload_error *err)
{
	struct strvec wrapped = STRVEC_INIT;
	struct buf path = BUF_INIT, text = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	int r = 0;

	if (buf_addf(&path, "%s/offload_pytest_plugin.py", dir))
		return OFFLOAD_ENOMEM;
	f = fopen(path.buf, "re");
	if (!f) {
		r = err_set(err, OFFLOAD_ESPAWN, "cannot read '%s': %s", path.buf,
			    strerror(errno));
		buf_release(&path);
		return r;
	}
	while (!r && (n = fread(chunk, 1, sizeof(chunk), f)))
		r = buf_add(&text, chunk, n);
	fclose(f);
	if (!r && (strvec_push(&wrapped, "sh") || strvec_push(&wrapped, "-c") ||
		   strvec_push(&wrapped, "mkdir -p " REMOTE_PLUGIN_DIR " && "
			       "printf '%s' \"$1\" >" REMOTE_PLUGIN_DIR
			       "/offload_pytest_plugin.py && shift && exec \"$@\"") ||
		   strvec_push(&wrapped, "sh") || strvec_push(&wrapped, text.buf)))
		r = OFFLOAD_ENOMEM;
	for (size_t i = 0; !r && i < argv->nr; i++)
		r = strvec_push(&wrapped, argv->v[i]);
	buf_release(&path);
	buf_release(&text);
	if (r) {
		strvec_clear(&wrapped);
		return OFFLOAD_ENOMEM;
	}
	strvec_clear(argv);
	*argv = wrapped;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The plugin's progress file                                          */

/*
 * What the progress file says: the tests that finished, as JUnit cases
 * (file order, so the first report of a test decides, as in the JUnit
 * file), and the tests that started without finishing.
 */
struct progress {
	struct junit_case *v;     /* owned, nr entries */
	size_t nr, alloc;
	struct strvec running;    /* IDs started and not finished */
	double secs;              /* sum of the finished tests' durations */
};

static void progress_release(struct progress *p)
{
	junit_cases_free(p->v, p->nr);
	p->v = NULL;
	p->nr = p->alloc = 0;
	strvec_clear(&p->running);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode the hex digits `s` into *out (NULL for an empty field).  Returns
 * 0, 1 when `s` is not lower-case hex of whole bytes or holds a NUL byte
 * (the line is then not believed), or OFFLOAD_ENOMEM.
 */
static int unhex(const char *s, char **out)
{
	size_t n = strlen(s);
	char *d;

	*out = NULL;
	if (n % 2)
		return 1;
	if (!n)
		return 0;
	if (!(d = malloc(n / 2 + 1)))
		return OFFLOAD_ENOMEM;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0 || (!hi && !lo)) {
			free(d);
			return 1;
		}
		d[i / 2] = (char)(hi << 4 | lo);
	}
	d[n / 2] = '\0';
	*out = d;
	return 0;
}

/* Split `line` at single spaces into at most `max` fields; returns how
 * many there are, max + 1 when there are more. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	for (;;) {
		char *sp = strchr(line, ' ');

		if (n == max)
			return max + 1;
		f[n++] = line;
		if (!sp)
			return n;
		*sp = '\0';
		line = sp + 1;
	}
}

static int outcome_word(const char *w, enum offload_outcome *o)
{
	if (!strcmp(w, "passed"))
		*o = OFFLOAD_ATTEMPT_PASSED;
	else if (!strcmp(w, "failed"))
		*o = OFFLOAD_ATTEMPT_FAILED;
	else if (!strcmp(w, "error"))
		*o = OFFLOAD_ATTEMPT_ERROR;
	else if (!strcmp(w, "skipped"))
		*o = OFFLOAD_ATTEMPT_SKIPPED;
	else
		return 1;
	return 0;
}

/* "start ID": one more running test. */
static int progress_start(struct progress *p, char **f)
{
	char *id;
	int r = unhex(f[1], &id);

	if (r || !id)
		return r == OFFLOAD_ENOMEM ? r : 0;
	return strvec_push_nodup(&p->running, id);
}

/* "done ID OUTCOME MICROSECONDS MESSAGE TEXT": a finished test. */
static int progress_done(struct progress *p, char **f)
{
	struct junit_case c;
	size_t digits = strspn(f[3], "0123456789");
	int r;

	memset(&c, 0, sizeof(c));
	/* 15 digits: 31 years, and no overflow */
	if (!digits || digits > 15 || f[3][digits] || outcome_word(f[2], &c.outcome))
		return 0;
	c.secs = strtoull(f[3], NULL, 10) / 1e6;
	r = unhex(f[1], &c.nodeid);
	if (!r && !c.nodeid)
		r = 1;
	if (!r)
		r = unhex(f[4], &c.message);
	if (!r)
		r = unhex(f[5], &c.text);
	if (!r && p->nr == p->alloc) {
		size_t alloc = p->alloc ? 2 * p->alloc : 16;
		struct junit_case *v = realloc(p->v, alloc * sizeof(*v));

		if (v) {
			p->v = v;
			p->alloc = alloc;
		} else {
			r = OFFLOAD_ENOMEM;
		}
	}
	if (r) {
		free(c.nodeid);
		free(c.message);
		free(c.text);
		return r == OFFLOAD_ENOMEM ? r : 0;
	}
	/* no longer running: the latest start of this ID (tests run one
	 * after another, so it is nearly always the last one) */
	for (size_t i = p->running.nr; i-- > 0;) {
		if (!strcmp(p->running.v[i], c.nodeid)) {
			free(p->running.v[i]);
			memmove(p->running.v + i, p->running.v + i + 1,
				(p->running.nr - i) * sizeof(*p->running.v));
			p->running.nr--;
			break;
		}
	}
	p->secs += c.secs;
	p->v[p->nr++] = c;
	return 0;
}

/*
 * Read the progress file at `path` into `p` (a missing file reads as
 * empty).  Lines that are not exactly what the plugin writes are
 * ignored, and so is a last line without its newline (pytest died while
 * writing it).  Returns 0 or OFFLOAD_ENOMEM.
 */
static int progress_read(const char *path, struct progress *p)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL, *f[7];
	size_t cap = 0;
	ssize_t len;
	int r = 0;

	if (!fp)
		return 0;
	while (!r) {
		size_t n;

		errno = 0;
		len = getline(&line, &cap, fp);
		if (len < 0 && errno == ENOMEM)
			r = OFFLOAD_ENOMEM;
		if (len <= 0 || line[len - 1] != '\n')
			break;
		line[len - 1] = '\0';
		if ((size_t)len - 1 != strlen(line))
			continue;	/* a NUL byte: not ours */
		n = split_fields(line, f, 6);
		if (n == 2 && !strcmp(f[0], "start"))
			r = progress_start(p, f);
		else if (n == 6 && !strcmp(f[0], "done"))
			r = progress_done(p, f);
	}
	free(line);
	fclose(fp);
	return r;
}

/*
 * Append to cases[] what the progress file knows: the finished tests,
 * then each running test as an ERROR attempt with `running_why` and the
 * batch's output, credited the batch time no finished test accounts for.
 * The finished tests' cases move out of `p`.
 */
static int progress_cases(struct progress *p, struct junit_case **cases,
			  size_t *nr, const char *running_why,
			  const char *output, double batch_secs)
{
	size_t total = *nr + p->nr + p->running.nr;
	struct junit_case *v;
	double rest = batch_secs - p->secs;

	if (!(v = realloc(*cases, (total ? total : 1) * sizeof(*v))))
		return OFFLOAD_ENOMEM;
	*cases = v;
	if (p->nr)
		memcpy(v + *nr, p->v, p->nr * sizeof(*v));
	*nr += p->nr;
	p->nr = 0;
	for (size_t i = 0; i < p->running.nr; i++) {
		struct junit_case *c = &v[*nr];

		memset(c, 0, sizeof(*c));
		c->outcome = OFFLOAD_ATTEMPT_ERROR;
		c->secs = rest > 0 ? rest : 0;
		c->nodeid = strdup(p->running.v[i]);
		c->message = strdup(running_why);
		c->text = output && *output ? strdup(output) : NULL;
		(*nr)++;	/* counted first, so that junit_cases_free frees it */
		if (!c->nodeid || !c->message || (output && *output && !c->text))
			return OFFLOAD_ENOMEM;
	}
	return 0;
}

/*
 * framework_live: the "done" lines the plugin appended since the last
 * call.  Only whole lines are consumed (the plugin writes each with one
 * write(2), but a read may still land in the middle of one); a line that
 * is not exactly what the plugin writes is skipped, as progress_read
 * does.  A remote batch's file is not here until the batch ends.
 */
static int pytest_live(const struct batch_exec *b, struct batch_live *st,
		       batch_live_fn *fn, void *data)
{
	struct buf path = BUF_INIT;
	char *line = NULL, *f[7];
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	int r = 0;

	if (b->sb->fetch_dir || !b->nr)
		return 0;
	if (buf_addf(&path, "%s/progress-batch-%u.txt", b->sb->tmpdir,
		     b->batch_no))
		return OFFLOAD_ENOMEM;
	fp = fopen(path.buf, "re");
	buf_release(&path);
	if (!fp)
		return 0;
	if (fseeko(fp, (off_t)st->offset, SEEK_SET))
		goto out;
	while (!r) {
		enum offload_outcome o;
		size_t digits;
		char *id;

		errno = 0;
		len = getline(&line, &cap, fp);
		if (len < 0 && errno == ENOMEM)
			r = OFFLOAD_ENOMEM;
		if (len <= 0 || line[len - 1] != '\n')
			break;
		st->offset += len;
		line[len - 1] = '\0';
		if ((size_t)len - 1 != strlen(line) ||
		    split_fields(line, f, 6) != 6 || strcmp(f[0], "done") ||
		    outcome_word(f[2], &o))
			continue;
		digits = strspn(f[3], "0123456789");
		if (!digits || digits > 15 || f[3][digits])
			continue;
		if ((r = unhex(f[1], &id)) || !id) {
			r = r == OFFLOAD_ENOMEM ? r : 0;
			continue;
		}
		/* tests mostly finish in the order given: look there first */
		for (size_t i = 0; i < b->nr; i++) {
			size_t k = (st->hint + i) % b->nr;

			if (!strcmp(b->ids[k], id)) {
				st->hint = k + 1;
				fn(data, k, o, strtoull(f[3], NULL, 10) / 1e6);
				break;
			}
		}
		free(id);
	}
out:
	free(line);
	fclose(fp);
	return r;
}

static int pytest_run_batch(struct batch_exec *b, struct offload_error *err)
{
	const struct offload_config *cfg = b->cfg;
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT, fetched = STRVEC_INIT;
	struct sandbox_cmd req = { 0 };
	struct spawn_res res;
	struct offload_error serr = { 0, "" };
	struct junit_case *cases = NULL;
	size_t cases_nr = 0;
	struct buf result = BUF_INIT, why = BUF_INIT, output = BUF_INIT;
	struct buf lo = BUF_INIT, le = BUF_INIT, progress = BUF_INIT;
	struct buf ended = BUF_INIT, unreached = BUF_INIT;
	struct progress prog = { NULL, 0, 0, STRVEC_INIT, 0 };
	const char *plugin = pytest_plugin_dir();
	/* where the files are read: the sandbox's own, or their downloads
	 * ("" until then: a remote batch's files are not here) */
	const char *local_result = "", *local_progress = "";
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
	if (!b->sb->fetch_dir && unlink(result.buf) && errno != ENOENT) {
		r = err_set(err, -errno, "cannot remove '%s': %s", result.buf,
			    strerror(errno));
		goto cleanup;
	}
	if (buf_addf(&progress, "%s/progress-batch-%u.txt", b->sb->tmpdir,
		     b->batch_no))
		goto nomem;
	if (!b->sb->fetch_dir && unlink(progress.buf) && errno != ENOENT) {
		r = err_set(err, -errno, "cannot remove '%s': %s", progress.buf,
			    strerror(errno));
		goto cleanup;
	}
	if (!b->sb->fetch_dir) {
		local_result = result.buf;
		local_progress = progress.buf;
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
	    add_rootdir(cfg, &argv) ||
	    strvec_push(&argv, "--continue-on-collection-errors") ||
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
	if (b->sb->fetch_dir) {
		/* a remote sandbox: the plugin travels with the batch */
		r = remote_plugin(plugin, &argv, &serr);
		if (r == OFFLOAD_ENOMEM)
			goto nomem;
		if (r) {
			r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
			goto done;
		}
		plugin = REMOTE_PLUGIN_DIR;
	}
	if (batch_env(b->sb, plugin, progress.buf, &env))
		goto nomem;

	batch_cmd(&req, &res, b, argv.v, env.v);
	char *const fetch[2] = { result.buf, progress.buf };
	req.fetch = fetch;
	req.nfetch = 2;
	r = sandbox_exec(b->sb, &req, &res, &serr);
	if (r == OFFLOAD_ENOMEM || r == -ENOMEM)
		goto nomem;
	if (r == OFFLOAD_ELOST)
		goto lost;
	if (r) {
		r = batch_fill(b, OFFLOAD_ATTEMPT_ERROR, 0, serr.msg, NULL);
		goto done;
	}
	if (res.state == SPAWN_CANCELED)
		goto canceled;
	{
		r = sandbox_fetch(b->sb, fetch, 2, b->cancel_fd, &fetched, &serr);
		if (r == OFFLOAD_ELOST)
			goto lost;
		if (r == OFFLOAD_ECANCELED)
			goto canceled;
		if (r)
			goto nomem;
		local_result = fetched.v[0];
		local_progress = fetched.v[1];
	}
	if (res_output(&res, &output))
		goto nomem;
	/* `ended` says how pytest ended when it did not end normally */
	switch (res.state) {
	case SPAWN_EXITED:
		if (res.status == 0 || res.status == 1)
			r = buf_adds(&why, "no result: pytest did not report this test");
		else
			r = buf_addf(&ended, "pytest exited with status %d",
				     res.status);
		break;
	case SPAWN_SIGNALED:
		r = buf_addf(&ended, "pytest killed by %s",
			     signal_text(res.status, sig, sizeof(sig)));
		break;
	default:
		r = buf_addf(&ended, "timed out after %g s", cfg->test_timeout_secs);
		break;
	}
	if (!r && ended.len)
		r = buf_addf(&why, "%s%s", res.state == SPAWN_TIMEDOUT ? "" :
			     "no result: ", ended.buf);
	if (r)
		goto nomem;
	jr = junit_read(local_result, b->cancel_fd, &cases, &cases_nr, &serr);
	if (jr == OFFLOAD_ENOMEM)
		goto nomem;
	if (jr == OFFLOAD_ECANCELED)
		goto canceled;
	/* a missing file after a normal exit is worth quoting; after a crash
	 * or a timeout the status already says it all */
	if (jr && !ended.len) {
		buf_reset(&why);
		if (buf_addf(&why, "result file unreadable: %s", serr.msg))
			goto nomem;
	}
	/*
	 * No usable JUnit file (pytest writes it only at the end): the
	 * progress file keeps what finished; the tests still running get
	 * `why`, and when pytest ended early, the tests it never started
	 * are "not reached".  A complete JUnit file stays the only source.
	 */
	if (jr) {
		if (progress_read(local_progress, &prog) ||
		    progress_cases(&prog, &cases, &cases_nr, why.buf, output.buf,
				   res.secs))
			goto nomem;
		if (ended.len && cases_nr &&
		    buf_addf(&unreached, "not reached: %s", ended.buf))
			goto nomem;
	}
	r = match_results(b, cases, cases_nr, pytest_key, NULL,
			  unreached.len ? unreached.buf : why.buf, output.buf);
	if (r)
		goto nomem;
	goto logs;
canceled:
	/* The run is stopping: tests that finished before the cancel keep
	 * their results (from the progress file; a half-written or half-read
	 * JUnit file proves nothing), the others get no attempt. */
	b->canceled = 1;
	if (progress_read(local_progress, &prog) ||
	    match_results(b, prog.v, prog.nr, pytest_key, NULL, NULL, NULL))
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
	if (r)
		goto nomem;
	r = 0;
	goto cleanup;
nomem:
	r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
cleanup:
	strvec_clear(&fetched);
	junit_cases_free(cases, cases_nr);
	progress_release(&prog);
	spawn_res_release(&res);
	strvec_clear(&argv);
	strvec_clear(&env);
	buf_release(&result);
	buf_release(&why);
	buf_release(&output);
	buf_release(&lo);
	buf_release(&le);
	buf_release(&progress);
	buf_release(&ended);
	buf_release(&unreached);
	return r;
}

static const struct framework_key pytest_keys[] = {
	{ "command", offsetof(struct offload_config, command),
	  "/usr/bin/python3 -m pytest", "the interpreter and module that run pytest" },
	{ "paths", offsetof(struct offload_config, paths), "", NULL },
	{ "run_args", offsetof(struct offload_config, run_args), "", NULL },
	{ NULL, 0, NULL, NULL },
};

const struct framework_ops framework_pytest = {
	.name = "pytest",
	.keys = pytest_keys,
	.batch_secs = 2.0,
	.template =
	"[framework]\n"
	"type = pytest\n"
	"# The interpreter and module that run pytest.\n"
	"command = /usr/bin/python3 -m pytest\n"
	"# What pytest collects (space-separated); empty: pytest's own settings.\n"
	"paths =\n"
	"# Extra arguments for every batch.\n"
	"run_args =\n"
	"\n"
	"[group.all]\n"
	"# Extra attempts of each test, run in parallel; passing on one of them\n"
	"# makes a failing test flaky instead of failed.\n"
	"retry_count = 0\n"
	"# Passed to discovery, e.g. -m 'not slow' or -k name.\n"
	"filters =\n"
	"schedule_individual = false\n"
	"\n",
	.discover = pytest_discover,
	.run_batch = pytest_run_batch,
	.live = pytest_live,
};
