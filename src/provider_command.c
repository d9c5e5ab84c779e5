/* SPDX-License-Identifier: MIT */
/*
 * provider_command.c - remote sandboxes through shell templates
 * ([provider] type = command; ssh and slurm fill the templates in, see
 * provider_ssh.c and provider_slurm.c).
 *
 * Every step is one `shell -c TEMPLATE` run here, in the working
 * directory, with our environment plus [provider.env], each "{name}"
 * replaced by a single-quoted value: so an ID or a path is data however
 * many shells it crosses, as long as each layer is given a quoted word.
 *
 *   prepare_command   once; its last stdout line is {image_id}
 *   create_command    per sandbox ({index}, {host}), or per group of
 *                     sandboxes sharing one ({tasks}: slurm packs them
 *                     into one allocation); last line: {sandbox_id}
 *   exec_command      {command}: one sh command line that runs the batch
 *   download_command  {paths} into {dest}; {pack} writes them as a tar
 *   destroy_command   per created sandbox, on every path
 *
 * {command} ends by printing a marker line with the batch's exit status
 * and the host's name on stderr: a step that ends without it lost the
 * sandbox (ssh could not connect, the allocation was revoked), which is
 * not the test's failure: the batch runs again elsewhere (OFFLOAD_ELOST).
 * Create, download and destroy are tried `retries` more times, after
 * 0.25 s, 0.5 s, 1 s... (at most 4 s), before they count as failed.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "provider.h"
#include "quote.h"

extern char **environ;

#define STEP_OUTPUT_CAP (256 * 1024)
#define MARKER "\036offload-exit-"
/* before the marker: the batch's `fetch` paths as a base64 tar */
#define FETCH_MARKER "\036offload-fetch-"
/* the largest such tar; larger ones come back through download_command */
#define FETCH_INBAND_MAX (256 * 1024)
/* its base64 text with line breaks and the marker, at most */
#define FETCH_TAIL (FETCH_INBAND_MAX / 3 * 4 + FETCH_INBAND_MAX / 38 + 256)
/* made when a batch starts: what download_globs fetch is newer */
#define BATCH_START ".offload/start"

struct session {
	pthread_t thread;
	int started;
	volatile sig_atomic_t ended;  /* its command returned: no use waiting */
	struct sandbox_pool *pool;
	struct sandbox host;      /* only its index: {host} */
};

/*
 * Sandboxes made by one create_command (provider_templates.pack): the
 * first member to be opened runs it, the others wait for its outcome
 * and share the ID; `live` members hold it, and the last one destroyed
 * mid-run runs `release` (the run's end has stop for that).
 */
enum { GROUP_NONE, GROUP_CREATING, GROUP_OK, GROUP_FAILED };
struct group {
	int state;
	char *id;                 /* owned; GROUP_OK */
	unsigned members, live;
	unsigned creator;         /* the sandbox that ran create */
	int code;                 /* GROUP_FAILED: create's error */
};

struct cmd_provider {
	struct provider_templates t;
	pthread_mutex_t mu;       /* groups[], with cv */
	pthread_cond_t cv;
	int mu_ok;
	struct group *groups;     /* owned; sandbox i is in i % ngroups */
	unsigned ngroups;
	struct session *sessions; /* one per host, when t.session is set */
	int stop_pipe[2];         /* readable: the sessions end */
	char *image_id;           /* prepare's last line, or "" */
	char run_id[17];          /* names this run's sandboxes */
	const char *type;         /* [provider] type: command, ssh or slurm */
	unsigned host_offset;     /* see host_of */
	struct strvec hosts;
	char **envp;              /* ours plus [provider.env] */
};

/*
 * Sandbox i's host: hosts[(i + offset) mod count], the offset drawn for
 * each run, so that runs of one sandbox each (a make target per test)
 * spread over the hosts instead of all landing on the first.
 */
static const char *host_of(const struct cmd_provider *p, const struct sandbox *sb)
{
	return p->hosts.v[(sb->index + p->host_offset) % p->hosts.nr];
}

/* The values a template may name, single-quoted when looked up. */
struct vars {
	const struct cmd_provider *p;
	const struct sandbox *sb; /* NULL for prepare and stop */
	char index[16];
	char tasks[16];           /* {tasks}: create only */
	const char *command, *paths, *dest, *pack;   /* quoted already */
	int raw;                  /* look values up unquoted */
	struct buf scratch;
};

static const char *lookup(const char *key, size_t len, void *data)
{
	struct vars *v = data;
	const char *raw = NULL;

#define IS(name) (len == sizeof(name) - 1 && !memcmp(key, name, len))
	if (IS("command"))
		return v->command;
	if (IS("paths"))
		return v->paths;
	if (IS("dest"))
		return v->dest;
	if (IS("pack"))
		return v->pack;
	if (IS("image_id"))
		raw = v->p->image_id;
	else if (IS("run_id"))
		raw = v->p->run_id;
	else if (IS("index") && v->sb)
		raw = v->index;
	else if (IS("tasks") && *v->tasks)
		raw = v->tasks;
	else if (IS("sandbox_id") && v->sb)
		raw = v->sb->id;
	else if (IS("host") && v->sb && v->p->hosts.nr)
		raw = host_of(v->p, v->sb);
#undef IS
	if (!raw || v->raw)
		return raw;
	buf_reset(&v->scratch);
	return sq_quote_buf(&v->scratch, raw) ? NULL : v->scratch.buf;
}

static void vars_init(struct vars *v, const struct cmd_provider *p,
		      const struct sandbox *sb)
{
	memset(v, 0, sizeof(*v));
	v->p = p;
	v->sb = sb;
	if (sb)
		snprintf(v->index, sizeof(v->index), "%u", sb->index);
	buf_init(&v->scratch);
}

/* Wait `ms` unless cancel_fd becomes readable first (then 1). */
static int backoff(int cancel_fd, int ms)
{
	struct pollfd p = { .fd = cancel_fd, .events = POLLIN };

	if (cancel_fd < 0)
		return poll(NULL, 0, ms), 0;
	return poll(&p, 1, ms) > 0;
}

/* The last non-empty line of `text`, copied. */
static char *last_line(const char *text)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return strndup(start, (size_t)(end - start));
}

/* "sandbox 3 (h1)" or "provider 'ssh'", for messages. */
static void step_subject(char *dst, size_t n, const struct vars *v)
{
	if (!v->sb)
		snprintf(dst, n, "provider '%s'", v->p->type);
	else if (v->p->hosts.nr)
		snprintf(dst, n, "sandbox %u (%s)", v->sb->index,
			 host_of(v->p, v->sb));
	else
		snprintf(dst, n, "sandbox %u", v->sb->index);
}

/*
 * What to call step `key` (a template's key, "create_command") in a
 * message: the key, which the user wrote, for type = command; for ssh
 * and slurm, which wrote the template for the user, "create step".
 */
static void step_label(char *dst, size_t n, const struct cmd_provider *p,
		       const char *key)
{
	size_t k = strlen(key);

	if (!strcmp(p->type, "command") || k < 8 ||
	    strcmp(key + k - 8, "_command"))
		snprintf(dst, n, "%s", key);
	else
		snprintf(dst, n, "%.*s step", (int)(k - 8), key);
}

/*
 * Run template `key` = `tmpl` once.  0 when it exited 0 (*out, if
 * given, gets its whole stdout); else an error naming the step, quoting
 * the end of its stderr: OFFLOAD_ESPAWN, OFFLOAD_ETIMEDOUT,
 * OFFLOAD_ECANCELED or OFFLOAD_ENOMEM.  A prepare or create step that
 * fails names the configuration to look at: what it does comes from
 * [provider].
 */
static int step_once(struct sandbox_pool *pool, const char *key,
		     const char *tmpl, struct vars *v, double timeout,
		     int cancel_fd, struct buf *out, struct offload_error *err)
{
	const struct cmd_provider *p = pool->priv;
	const struct offload_config *cfg = pool->cfg;
	struct buf script = BUF_INIT;
	struct spawn_req req = { 0 };
	struct spawn_res res;
	struct offload_error serr = { 0, "" };
	char *argv[4], who[128], tail[600], label[64], hint[300] = "";
	size_t n;
	int r;

	step_subject(who, sizeof(who), v);
	step_label(label, sizeof(label), p, key);
	if (!strcmp(key, "prepare_command") || !strcmp(key, "create_command"))
		snprintf(hint, sizeof(hint), " (see [provider] in '%s')",
			 cfg->path);
	memset(&res, 0, sizeof(res));
	capbuf_init(&res.out, STEP_OUTPUT_CAP);
	capbuf_init(&res.err, STEP_OUTPUT_CAP);
	if (template_expand(&script, tmpl, lookup, v)) {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto out;
	}
	argv[0] = cfg->shell;
	argv[1] = (char *)"-c";
	argv[2] = script.buf;
	argv[3] = NULL;
	req.argv = argv;
	req.envp = p->envp;
	req.cwd = cfg->provider_working_dir;
	req.cap = STEP_OUTPUT_CAP;
	req.timeout_secs = timeout;
	req.cancel_fd = cancel_fd;
	r = spawn_run(&req, &res, &serr);
	if (r) {
		err_set(err, r, "%s: %s: %s", who, label, serr.msg);
		goto out;
	}
	n = capbuf_tail(&res.err, tail, sizeof(tail) - 1);
	while (n && (tail[n - 1] == '\n' || tail[n - 1] == ' ' || tail[n - 1] == '\r'))
		n--;
	tail[n] = '\0';
	for (char *c = tail; *c; c++)	/* one line: ssh ends lines with \r\n */
		if (*c == '\r' || *c == '\n')
			*c = ' ';
	switch (res.state) {
	case SPAWN_EXITED:
		if (!res.status) {
			if (out && capbuf_render(&res.out, out))
				r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
			goto out;
		}
		r = err_set(err, OFFLOAD_ESPAWN, "%s: %s exited with status %d%s%s%s",
			    who, label, res.status, n ? ": " : "", tail, hint);
		break;
	case SPAWN_SIGNALED:
		r = err_set(err, OFFLOAD_ESPAWN, "%s: %s killed by signal %d%s%s%s",
			    who, label, res.status, n ? ": " : "", tail, hint);
		break;
	case SPAWN_TIMEDOUT:
		r = err_set(err, OFFLOAD_ETIMEDOUT, "%s: %s timed out after %g s%s",
			    who, label, timeout, hint);
		break;
	case SPAWN_CANCELED:
		r = err_set(err, OFFLOAD_ECANCELED, "%s: %s canceled", who, label);
		break;
	}
out:
	spawn_res_release(&res);
	buf_release(&script);
	return r;
}

/* step_once, tried cfg->retries more times while it fails. */
static int step(struct sandbox_pool *pool, const char *key, const char *tmpl,
		struct vars *v, double timeout, int cancel_fd, struct buf *out,
		struct offload_error *err)
{
	int ms = 250, r = 0;

	for (unsigned i = 0; i <= pool->cfg->retries; i++) {
		if (i && backoff(cancel_fd, ms))
			return err_set(err, OFFLOAD_ECANCELED, "%s canceled", key);
		if (i && ms < 4000)
			ms *= 2;
		if (out)
			buf_reset(out);
		r = step_once(pool, key, tmpl, v, timeout, cancel_fd, out, err);
		if (!r || r == OFFLOAD_ECANCELED || r == OFFLOAD_ENOMEM)
			return r;
	}
	return r;
}

/* ------------------------------------------------------------------ */

static int split_hosts(const char *s, struct strvec *out)
{
	while (s && *s) {
		size_t n;

		s += strspn(s, " \t,");
		n = strcspn(s, " \t,");
		if (n && strvec_push_nodup(out, strndup(s, n)))
			return OFFLOAD_ENOMEM;
		s += n;
	}
	return 0;
}

static int build_step_env(struct cmd_provider *p, const struct offload_config *cfg)
{
	struct strvec env = STRVEC_INIT;

	if (env_build(&env, environ, cfg->env, cfg->env_nr)) {
		strvec_clear(&env);
		return OFFLOAD_ENOMEM;
	}
	p->envp = strvec_detach(&env);
	return p->envp ? 0 : OFFLOAD_ENOMEM;
}

static void new_run_id(char *dst)
{
	unsigned char b[8] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		unsigned long x = (unsigned long)getpid() ^
			(unsigned long)(now_secs() * 1e6);

		memcpy(b, &x, sizeof(x) < sizeof(b) ? sizeof(x) : sizeof(b));
	}
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 8; i++)
		snprintf(dst + 2 * i, 3, "%02x", b[i]);
}

/* A session's thread: its command runs until the run's end cancels it. */
static void *session_main(void *arg)
{
	struct session *s = arg;
	struct cmd_provider *p = s->pool->priv;
	struct offload_error err = { 0, "" };
	struct vars v;

	vars_init(&v, p, &s->host);
	step_once(s->pool, "session", p->t.session, &v, 0, p->stop_pipe[0],
		  NULL, &err);
	buf_release(&v.scratch);
	s->ended = 1;
	return NULL;
}

/*
 * Start one session per host, then wait (at most 10 s, or until
 * canceled) for each to say it is ready.  A session that never comes up
 * is no error here: its host's sandboxes fail on their own, and say why.
 */
static int start_sessions(struct sandbox_pool *pool, int cancel_fd)
{
	struct cmd_provider *p = pool->priv;
	size_t n = p->hosts.nr;

	if (!p->t.session || !n)
		return 0;
	if (pipe2(p->stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	if (!(p->sessions = calloc(n, sizeof(*p->sessions))))
		return OFFLOAD_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct session *s = &p->sessions[i];

		s->pool = pool;
		s->host.index = (unsigned)i;
		s->host.pool = pool;
		s->started = !pthread_create(&s->thread, NULL, session_main, s);
	}
	for (size_t i = 0; i < n && p->t.session_ready; i++) {
		struct offload_error err = { 0, "" };
		struct vars v;
		double until = now_secs() + 10;
		int r;

		vars_init(&v, p, &p->sessions[i].host);
		while ((r = step_once(pool, "session_ready", p->t.session_ready,
				      &v, 5, cancel_fd, NULL, &err)) &&
		       r != OFFLOAD_ECANCELED && now_secs() < until &&
		       !p->sessions[i].ended && !backoff(cancel_fd, 20))
			;
		buf_release(&v.scratch);
		if (r == OFFLOAD_ECANCELED)
			return r;
	}
	return 0;
}

static void stop_sessions(struct cmd_provider *p)
{
	if (!p->sessions)
		return;
	(void)!write(p->stop_pipe[1], "s", 1);
	for (size_t i = 0; i < p->hosts.nr; i++)
		if (p->sessions[i].started)
			pthread_join(p->sessions[i].thread, NULL);
	free(p->sessions);
	p->sessions = NULL;
	close(p->stop_pipe[0]);
	close(p->stop_pipe[1]);
}

/* Sandbox i in group i % ngroups: groups of at most t.pack, as even as
 * can be. */
static int make_groups(struct cmd_provider *p, unsigned nr)
{
	unsigned pack = p->t.pack ? p->t.pack : 1;

	if (!nr)
		return 0;
	p->ngroups = (nr + pack - 1) / pack;
	if (!(p->groups = calloc(p->ngroups, sizeof(*p->groups))))
		return OFFLOAD_ENOMEM;
	for (unsigned i = 0; i < nr; i++)
		p->groups[i % p->ngroups].members++;
	return 0;
}

static int cmd_start(struct sandbox_pool *pool, int cancel_fd,
		     struct offload_error *err)
{
	const struct offload_config *cfg = pool->cfg;
	struct cmd_provider *p = calloc(1, sizeof(*p));
	struct buf out = BUF_INIT;
	struct vars v;
	int r;

	if (!p)
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	pool->priv = p;
	p->stop_pipe[0] = p->stop_pipe[1] = -1;
	strvec_init(&p->hosts);
	if (pthread_mutex_init(&p->mu, NULL))
		return err_set(err, OFFLOAD_ENOMEM, "cannot create mutex");
	if (pthread_cond_init(&p->cv, NULL)) {
		pthread_mutex_destroy(&p->mu);
		return err_set(err, OFFLOAD_ENOMEM, "cannot create condition variable");
	}
	p->mu_ok = 1;
	new_run_id(p->run_id);
	p->type = cfg->provider_type;
	p->host_offset = (unsigned)strtoul(p->run_id + 12, NULL, 16);
	if (split_hosts(cfg->hosts, &p->hosts) || build_step_env(p, cfg))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	if (!strcmp(cfg->provider_type, "ssh"))
		r = ssh_templates(cfg, &p->hosts, &p->t, err);
	else if (!strcmp(cfg->provider_type, "slurm"))
		r = slurm_templates(cfg, &p->t, err);
	else
		r = command_templates(cfg, &p->t, err);
	if (r)
		return r;
	if ((r = make_groups(p, pool->nr)))
		return err_set(err, r, "out of memory");
	if ((r = start_sessions(pool, cancel_fd)))
		return err_set(err, r, "cannot start the provider's sessions: %s",
			       offload_strerror(r));
	if (!p->t.prepare || !*p->t.prepare) {
		if (!(p->image_id = strdup("")))
			return err_set(err, OFFLOAD_ENOMEM, "out of memory");
		return 0;
	}
	vars_init(&v, p, NULL);
	r = step(pool, "prepare_command", p->t.prepare, &v,
		 cfg->prepare_timeout_secs, cancel_fd, &out, err);
	if (!r && !(p->image_id = last_line(out.buf)))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	buf_release(&out);
	buf_release(&v.scratch);
	return r;
}

/* Value template `tmpl` for sb, placeholders unquoted, as a new string
 * (NULL: out of memory). */
static char *expand_value(const struct cmd_provider *p, const struct sandbox *sb,
			  const char *tmpl)
{
	struct buf b = BUF_INIT;
	struct vars v;
	int r;

	vars_init(&v, p, sb);
	v.raw = 1;
	r = template_expand(&b, tmpl, lookup, &v);
	buf_release(&v.scratch);
	if (r) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/*
 * Whether file `path` has a line equal to `want`: 1.  Else 0, and when
 * it has a line "!WANT REASON" (the host's failure, as the ssh
 * provider's prepare step lists it), REASON in why[] ("" when none).
 */
static int file_has_line(const char *path, const char *want, char *why,
			 size_t why_size)
{
	FILE *f = fopen(path, "re");
	size_t wl = strlen(want);
	char line[1024];
	int found = 0;

	*why = '\0';
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		found = !strncmp(line, want, wl) &&
			(line[wl] == '\n' || line[wl] == '\0');
		if (line[0] == '!' && !strncmp(line + 1, want, wl) &&
		    line[wl + 1] == ' ') {
			size_t n = strcspn(line, "\n");

			while (n > wl + 2 && line[n - 1] == ' ')
				n--;
			line[n] = '\0';
			snprintf(why, why_size, "%s", line + wl + 2);
		}
	}
	fclose(f);
	return found;
}

/* create_hosts and create_id: the sandbox's host got the workspace. */
static int create_local(struct sandbox *sb, char **id, struct offload_error *err)
{
	const struct cmd_provider *p = sb->pool->priv;
	char *hosts = expand_value(p, sb, p->t.create_hosts), who[128], why[600];
	const char *host = p->hosts.nr ? host_of(p, sb) : "";
	struct vars v;
	int r = 0;

	vars_init(&v, p, sb);
	step_subject(who, sizeof(who), &v);
	if (!hosts)
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	else if (!file_has_line(hosts, host, why, sizeof(why)))
		r = err_set(err, OFFLOAD_ESPAWN, "%s: the workspace did not "
			    "reach host '%s'%s%s", who, host, *why ? ": " : "",
			    why);
	else if (!(*id = expand_value(p, sb, p->t.create_id)))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	free(hosts);
	return r;
}

/* Run create_command for sb's group; its ID into *id. */
static int create_step(struct sandbox *sb, const struct group *g, int cancel_fd,
		       char **id, struct offload_error *err)
{
	struct sandbox_pool *pool = sb->pool;
	const struct cmd_provider *p = pool->priv;
	struct buf out = BUF_INIT;
	struct vars v;
	int r;

	*id = NULL;
	if (!*p->t.create && p->t.create_hosts && p->t.create_id)
		return create_local(sb, id, err);
	vars_init(&v, p, sb);
	snprintf(v.tasks, sizeof(v.tasks), "%u", g->members);
	r = step(pool, "create_command", p->t.create, &v,
		 pool->cfg->create_timeout_secs, cancel_fd, &out, err);
	if (!r && !(*id = last_line(out.buf)))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	if (!r && !**id) {
		char who[128];

		step_subject(who, sizeof(who), &v);
		r = err_set(err, OFFLOAD_ESPAWN,
			    "%s: create_command printed no sandbox ID", who);
	}
	if (r) {
		free(*id);
		*id = NULL;
	}
	buf_release(&out);
	buf_release(&v.scratch);
	return r;
}

/*
 * The first member of sb's group to come here runs create_command for
 * the group; the others wait for it and share its ID, or its failure.
 * A create canceled (Ctrl-C, or the run no longer needs sandboxes) is
 * canceled for every member: they all share the run's cancel fd.
 */
static int cmd_create(struct sandbox *sb, int cancel_fd,
		      struct offload_error *err)
{
	struct sandbox_pool *pool = sb->pool;
	struct cmd_provider *p = pool->priv;
	struct group *g;
	char *id = NULL;
	int r = 0;

	assert(p->groups && sb->index < pool->nr);	/* cmd_start made them */
	g = &p->groups[sb->index % p->ngroups];
	pthread_mutex_lock(&p->mu);
	while (g->state == GROUP_CREATING)
		pthread_cond_wait(&p->cv, &p->mu);
	if (g->state == GROUP_NONE) {
		g->state = GROUP_CREATING;
		g->creator = sb->index;
		pthread_mutex_unlock(&p->mu);
		r = create_step(sb, g, cancel_fd, &id, err);
		pthread_mutex_lock(&p->mu);
		g->state = r ? GROUP_FAILED : GROUP_OK;
		g->code = r;
		g->id = id;
		pthread_cond_broadcast(&p->cv);
	} else if (g->state == GROUP_FAILED) {
		char who[128];
		struct vars v;

		vars_init(&v, p, sb);
		step_subject(who, sizeof(who), &v);
		r = err_set(err, g->code, "%s: the create step of its "
			    "allocation (run for sandbox %u) failed", who,
			    g->creator);
	}
	if (!r && !(sb->id = strdup(g->id)))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	if (!r)
		g->live++;
	pthread_mutex_unlock(&p->mu);
	if (!r && p->hosts.nr && !sb->host &&
	    !(sb->host = strdup(host_of(p, sb))))
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return r;
}

/*
 * destroy_command for sb, unless stop follows and removes every sandbox
 * anyway; then, when sb was its group's last live member, release in
 * the same step (scancel: nobody uses the allocation any more).
 */
static void cmd_destroy(struct sandbox *sb, int ending)
{
	struct sandbox_pool *pool = sb->pool;
	struct cmd_provider *p = pool->priv;
	struct offload_error err = { 0, "" };
	struct buf tmpl = BUF_INIT;
	struct vars v;
	int last = 0, skip;

	if (!p)
		goto out;
	if (p->groups && sb->index < pool->nr) {
		struct group *g = &p->groups[sb->index % p->ngroups];

		pthread_mutex_lock(&p->mu);
		last = g->live && !--g->live;
		pthread_mutex_unlock(&p->mu);
	}
	skip = ending && p->t.stop_destroys;
	if (!skip && p->t.destroy && buf_adds(&tmpl, p->t.destroy))
		goto out;
	if (!skip && last && p->t.release && *p->t.release &&
	    ((tmpl.len && buf_addch(&tmpl, '\n')) || buf_adds(&tmpl, p->t.release)))
		goto out;
	if (tmpl.len) {
		vars_init(&v, p, sb);
		/* not cancelable: it must run on Ctrl-C too */
		step(pool, "destroy_command", tmpl.buf, &v,
		     pool->cfg->destroy_timeout_secs, -1, NULL, &err);
		buf_release(&v.scratch);
	}
out:
	buf_release(&tmpl);
	free(sb->id);
	sb->id = NULL;
}

static void cmd_stop(struct sandbox_pool *pool)
{
	struct cmd_provider *p = pool->priv;
	struct offload_error err = { 0, "" };
	struct vars v;

	if (!p)
		return;
	if (p->t.stop && *p->t.stop) {
		vars_init(&v, p, NULL);
		step_once(pool, "stop", p->t.stop, &v,
			  pool->cfg->destroy_timeout_secs, -1, NULL, &err);
		buf_release(&v.scratch);
	}
	stop_sessions(p);
	for (unsigned i = 0; i < p->ngroups; i++)
		free(p->groups[i].id);
	free(p->groups);
	if (p->mu_ok) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
	}
	provider_templates_release(&p->t);
	free(p->image_id);
	strvec_clear(&p->hosts);
	strv_free(p->envp);
	free(p);
	pool->priv = NULL;
}

/* ------------------------------------------------------------------ */
/* A batch's command line                                              */

/* Append `cd DIR && ` when the provider says where sandboxes live. */
static int add_cd(struct buf *s, const struct sandbox *sb)
{
	const struct cmd_provider *p = sb->pool->priv;
	struct vars v;
	struct buf dir = BUF_INIT;
	int r = 0;

	if (!p->t.sandbox_dir || !*p->t.sandbox_dir)
		return 0;
	/* sandbox_dir is a template too, but a value, not a command: its
	 * placeholders go in unquoted, the result is quoted once */
	vars_init(&v, p, sb);
	v.raw = 1;
	r = template_expand(&dir, p->t.sandbox_dir, lookup, &v);
	buf_release(&v.scratch);
	if (!r && (buf_adds(s, "cd ") || sq_quote_buf(s, dir.buf) ||
		   buf_adds(s, " && ")))
		r = OFFLOAD_ENOMEM;
	buf_release(&dir);
	return r;
}

/* TMPDIR and TEST_TMPDIR are relative to the sandbox: made absolute
 * there. */
static int add_export(struct buf *s, const char *entry, const struct sandbox *sb)
{
	const char *eq = strchr(entry, '=');

	if (!eq)
		return 0;
	if (buf_adds(s, "export ") || buf_add(s, entry, (size_t)(eq - entry)) ||
	    buf_addch(s, '='))
		return OFFLOAD_ENOMEM;
	if (eq[1] != '/' && !strcmp(eq + 1, sb->tmpdir) &&
	    buf_adds(s, "\"$PWD\"/"))
		return OFFLOAD_ENOMEM;
	if (sq_quote_buf(s, eq + 1) || buf_adds(s, " && "))
		return OFFLOAD_ENOMEM;
	return 0;
}

/*
 * After the batch: those of cmd->fetch that exist, as a tar archive in
 * base64 on stderr after a line "FETCH_MARKER RUN", cut after
 * FETCH_INBAND_MAX + 1 bytes (take_fetched).  Three processes and no
 * temporary file: on a small machine running many sandboxes, every
 * process of a batch counts.  A block that is too long, does not decode
 * or does not unpack (no tar or base64 there) brings nothing, and
 * download_command brings the files.
 */
static int add_fetch(struct buf *s, const struct cmd_provider *p,
		     const struct sandbox_cmd *cmd)
{
	if (buf_adds(s, "set --; for p in"))
		return OFFLOAD_ENOMEM;
	for (size_t i = 0; i < cmd->nfetch; i++)
		if (buf_addch(s, ' ') || sq_quote_buf(s, cmd->fetch[i]))
			return OFFLOAD_ENOMEM;
	if (buf_addf(s, "; do if [ -e \"$p\" ]; then set -- \"$@\" \"$p\"; fi; done; "
		     "printf '\\n%s%s\\n' >&2; "
		     "{ tar -cf - -T /dev/null \"$@\" | head -c %d | base64; } "
		     ">&2 2>/dev/null; ", FETCH_MARKER, p->run_id, FETCH_INBAND_MAX + 1))
		return OFFLOAD_ENOMEM;
	return 0;
}

/*
 * The batch as one sh command line, run in the sandbox's directory: a
 * fresh tmpdir, the environment, a remote `timeout` a little after ours
 * (so that nothing lingers there after we gave up), then the marker.
 */
static int batch_command(struct buf *s, const struct sandbox *sb,
			 const struct sandbox_cmd *cmd)
{
	const struct cmd_provider *p = sb->pool->priv;
	int r = add_cd(s, sb);

	/* rm only when there is something to remove: a process less in a
	 * sandbox's first batch */
	if (!r && (buf_adds(s, "{ [ ! -e ") || sq_quote_buf(s, sb->tmpdir) ||
		   buf_adds(s, " ] || rm -rf ") || sq_quote_buf(s, sb->tmpdir) ||
		   buf_adds(s, "; } && mkdir -p ") || sq_quote_buf(s, sb->tmpdir) ||
		   buf_adds(s, " && : >" BATCH_START " && ")))
		r = OFFLOAD_ENOMEM;
	for (char *const *e = cmd->envp; !r && e && *e; e++)
		r = add_export(s, *e, sb);
	if (!r && cmd->timeout_secs > 0 && !cmd->self_bounded &&
	    buf_addf(s, "if command -v timeout >/dev/null 2>&1; then "
		     "set -- timeout -k 5 %.0f; else set --; fi; ",
		     cmd->timeout_secs + 10))
		r = OFFLOAD_ENOMEM;
	if (!r && (cmd->timeout_secs <= 0 || cmd->self_bounded) &&
	    buf_adds(s, "set --; "))
		r = OFFLOAD_ENOMEM;
	if (!r && buf_adds(s, "\"$@\""))
		r = OFFLOAD_ENOMEM;
	for (char *const *a = cmd->argv; !r && *a; a++)
		if (buf_addch(s, ' ') || sq_quote_buf(s, *a))
			r = OFFLOAD_ENOMEM;
	if (!r && buf_adds(s, " </dev/null; s=$?; "))
		r = OFFLOAD_ENOMEM;
	/* only when the block fits in what the capture keeps of the end */
	if (!r && cmd->nfetch && cmd->cap - cmd->cap / 2 >= FETCH_TAIL)
		r = add_fetch(s, p, cmd);
	/* the host's name without a process where Linux's /proc has it */
	if (!r && buf_addf(s, "h=; { read h </proc/sys/kernel/hostname; } 2>/dev/null; "
			   "[ -n \"$h\" ] || h=$(uname -n); "
			   "printf '\\n%s%s %%d %%s\\n' \"$s\" \"$h\" >&2; exit \"$s\"",
			   MARKER, p->run_id))
		r = OFFLOAD_ENOMEM;
	return r;
}

/*
 * Find the marker at the end of the batch's stderr: its status replaces
 * the transport's, and the marker itself is cut from the output.
 * 1 when found, 0 when not, OFFLOAD_ENOMEM.
 */
static int take_marker(struct sandbox *sb, struct spawn_res *res)
{
	const struct cmd_provider *p = sb->pool->priv;
	char tail[4096], want[64], host[256];
	size_t n = capbuf_tail(&res->err, tail, sizeof(tail) - 1), len;
	char *at = NULL, *q;
	int status;

	tail[n] = '\0';
	snprintf(want, sizeof(want), "\n%s%s ", MARKER, p->run_id);
	for (q = tail; (q = memmem(q, n - (size_t)(q - tail), want,
				   strlen(want))); q++)
		at = q;
	if (!at || sscanf(at + strlen(want), "%d %255s", &status, host) != 2)
		return 0;
	len = n - (size_t)(at - tail);
	if (capbuf_drop_tail(&res->err, len))
		return OFFLOAD_ENOMEM;
	if (status > 128 && status < 128 + 65) {
		res->state = SPAWN_SIGNALED;
		res->status = status - 128;
	} else {
		res->state = SPAWN_EXITED;
		res->status = status;
	}
	if (!sb->host || strcmp(sb->host, host)) {
		char *h = strdup(host);

		if (!h)
			return OFFLOAD_ENOMEM;
		free(sb->host);
		sb->host = h;
	}
	return 1;
}

/* Decode base64 text (line breaks allowed) onto `out`; -1 when it is
 * not base64. */
static int b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned acc = 0, bits = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *at, *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789+/";
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !c || !(at = strchr(set, c)))
			return -1;
		acc = (acc << 6) | (unsigned)(at - set);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (buf_addch(out, (char)((acc >> bits) & 0xff)))
				return OFFLOAD_ENOMEM;
		}
	}
	return pad > 2 ? -1 : 0;
}

/* Octal field of a tar header; -1 when it is not one. */
static long long tar_octal(const unsigned char *f, size_t n)
{
	long long v = 0;
	size_t i = 0;

	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (1LL << 40))
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return v;
}

/* A relative name without ".." or empty components ("./" allowed). */
static int tar_name_ok(const char *name)
{
	const char *c = name;

	if (*name == '/' || !*name)
		return 0;
	while (*c) {
		size_t n = strcspn(c, "/");

		if ((n == 2 && !memcmp(c, "..", 2)))
			return 0;
		c += n;
		c += *c == '/';
	}
	return 1;
}

/*
 * Unpack tar archive `a` (`n` bytes, in memory) into `dir`, without a
 * process: what add_fetch's block holds is a batch's result files,
 * regular files and directories with short relative names.  1 when the
 * archive holds anything else (links, long names, pax headers, an odd
 * name, a bad checksum): the caller then runs tar(1).  0, -errno or
 * OFFLOAD_ENOMEM.
 */
static int untar_mem(const char *dir, const unsigned char *a, size_t n)
{
	struct buf path = BUF_INIT;
	size_t off = 0;
	int r = 0;

	while (!r) {
		const unsigned char *h = a + off;
		char name[256 + 2];
		long long size, sum, want = 0;
		size_t len;
		int fd;

		if (off + 512 > n) {
			r = 1;	/* no end-of-archive block */
			break;
		}
		for (len = 0; len < 512 && !h[len]; len++)
			;
		if (len == 512)
			break;	/* the end */
		sum = tar_octal(h + 148, 8);
		for (int i = 0; i < 512; i++)
			want += (i >= 148 && i < 156) ? ' ' : h[i];
		size = tar_octal(h + 124, 12);
		if (sum != want || size < 0 || memcmp(h + 257, "ustar", 5) ||
		    (h[156] != '0' && h[156] != '\0' && h[156] != '5') ||
		    off + 512 + (size_t)size > n) {
			r = 1;
			break;
		}
		/* POSIX ustar's prefix; GNU's header uses the field otherwise */
		name[0] = '\0';
		if (!memcmp(h + 257, "ustar\0", 6) && h[345])
			snprintf(name, sizeof(name), "%.155s/", (const char *)h + 345);
		len = strlen(name);
		snprintf(name + len, sizeof(name) - len, "%.100s", (const char *)h);
		len = strlen(name);
		while (len > 1 && name[len - 1] == '/')
			name[--len] = '\0';
		if (!tar_name_ok(name)) {
			r = 1;
			break;
		}
		buf_reset(&path);
		if (buf_addf(&path, "%s/%s", dir, name)) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		if (h[156] == '5') {
			r = mkdir_p(path.buf);
		} else {
			char *slash = strrchr(path.buf, '/');

			*slash = '\0';
			r = mkdir_p(path.buf);
			*slash = '/';
			if (r)
				break;
			fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
				  O_NOFOLLOW, 0644);
			if (fd < 0) {
				r = -errno;
				break;
			}
			for (size_t w = 0; !r && w < (size_t)size; ) {
				ssize_t k = write(fd, h + 512 + w, (size_t)size - w);

				if (k < 0 && errno != EINTR)
					r = -errno;
				else if (k > 0)
					w += (size_t)k;
			}
			if (close(fd) && !r)
				r = -errno;
		}
		off += 512 + ((size_t)size + 511) / 512 * 512;
	}
	buf_release(&path);
	return r;
}

/*
 * After take_marker: the batch's fetch paths, when add_fetch's block
 * ends its stderr, are unpacked into sb->fetch_dir and the block is cut
 * from the output; sb->prefetched then says how many paths cmd_fetch
 * need not download.  No block, or one that does not decode or unpack,
 * is no error: cmd_fetch downloads.  0 or OFFLOAD_ENOMEM.
 */
static int take_fetched(struct sandbox *sb, struct spawn_res *res,
			const struct sandbox_cmd *cmd)
{
	struct sandbox_pool *pool = sb->pool;
	const struct cmd_provider *p = pool->priv;
	size_t size = FETCH_TAIL;
	char want[64], *tail = malloc(size), *at = NULL;
	struct buf tar = BUF_INIT, path = BUF_INIT;
	size_t n, wl;
	int r = 0, fd;

	if (!tail)
		return OFFLOAD_ENOMEM;
	n = capbuf_tail(&res->err, tail, size);
	wl = (size_t)snprintf(want, sizeof(want), "\n%s%s\n", FETCH_MARKER,
			      p->run_id);
	for (char *q = tail; (q = memmem(q, n - (size_t)(q - tail), want, wl)); q++)
		at = q;
	if (!at)
		goto out;
	if (capbuf_drop_tail(&res->err, n - (size_t)(at - tail))) {
		r = OFFLOAD_ENOMEM;
		goto out;
	}
	r = b64_decode(at + wl, n - (size_t)(at - tail) - wl, &tar);
	if (r == -1 || (!r && tar.len > FETCH_INBAND_MAX))	/* cut: too big */
		r = 0;
	else if (!r && tar.len &&
		 !(r = untar_mem(sb->fetch_dir, (const unsigned char *)tar.buf,
				 tar.len))) {
		sb->prefetched = cmd->nfetch;
	} else if (r && r != 1) {
		/* could not write them: download_command will */
		r = r == OFFLOAD_ENOMEM || r == -ENOMEM ? OFFLOAD_ENOMEM : 0;
	} else if (r == 1) {	/* more than untar_mem knows: tar(1) */
		char *argv[] = { (char *)"tar", (char *)"-C", sb->fetch_dir,
				 (char *)"-xf", NULL, NULL };
		struct spawn_req req = { 0 };
		struct spawn_res tr;
		struct offload_error serr = { 0, "" };

		r = 0;

		if (buf_addf(&path, "%s/.offload-fetch.tar", sb->fetch_dir)) {
			r = OFFLOAD_ENOMEM;
			goto out;
		}
		fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			goto out;
		if (write(fd, tar.buf, tar.len) != (ssize_t)tar.len) {
			close(fd);
			unlink(path.buf);
			goto out;
		}
		close(fd);
		argv[4] = path.buf;
		req.argv = argv;
		req.envp = p->envp;
		req.cap = 4096;
		req.timeout_secs = pool->cfg->download_timeout_secs;
		req.cancel_fd = -1;
		memset(&tr, 0, sizeof(tr));
		r = spawn_run(&req, &tr, &serr);
		if (!r && tr.state == SPAWN_EXITED && !tr.status)
			sb->prefetched = cmd->nfetch;
		spawn_res_release(&tr);
		unlink(path.buf);
		r = (r == OFFLOAD_ENOMEM || r == -ENOMEM) ? OFFLOAD_ENOMEM : 0;
	}
out:
	free(tail);
	buf_release(&tar);
	buf_release(&path);
	return r;
}

static int cmd_exec(struct sandbox *sb, const struct sandbox_cmd *cmd,
		    struct spawn_res *res, struct offload_error *err)
{
	struct sandbox_pool *pool = sb->pool;
	const struct cmd_provider *p = pool->priv;
	struct buf s = BUF_INIT, quoted = BUF_INIT, script = BUF_INIT;
	struct spawn_req req = { 0 };
	struct offload_error serr = { 0, "" };
	char *argv[4], who[128], tail[600], label[64];
	struct vars v;
	int r;

	sb->prefetched = 0;
	vars_init(&v, p, sb);
	step_subject(who, sizeof(who), &v);
	if (batch_command(&s, sb, cmd) || sq_quote_buf(&quoted, s.buf)) {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto out;
	}
	v.command = quoted.buf;
	if (template_expand(&script, p->t.exec, lookup, &v)) {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto out;
	}
	argv[0] = pool->cfg->shell;
	argv[1] = (char *)"-c";
	argv[2] = script.buf;
	argv[3] = NULL;
	req.argv = argv;
	req.envp = p->envp;
	req.cwd = pool->cfg->provider_working_dir;
	req.cap = cmd->cap;
	req.timeout_secs = cmd->timeout_secs;
	req.cancel_fd = cmd->cancel_fd;
	r = spawn_run(&req, res, &serr);
	if (r == OFFLOAD_ENOMEM || r == -ENOMEM) {
		r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto out;
	}
	if (r) {
		/* the shell itself did not start: nothing remote is wrong,
		 * but no batch can run here either */
		step_label(label, sizeof(label), p, "exec_command");
		r = err_set(err, OFFLOAD_ELOST, "%s: %s: %s", who, label,
			    serr.msg);
		goto out;
	}
	if (res->state == SPAWN_TIMEDOUT || res->state == SPAWN_CANCELED)
		goto out;
	r = take_marker(sb, res);
	if (r == 1) {
		r = cmd->nfetch ? take_fetched(sb, res, cmd) : 0;
		if (r)
			r = err_set(err, r, "out of memory");
		goto out;
	}
	if (r) {
		r = err_set(err, r, "out of memory");
		goto out;
	}
	{
		size_t n = capbuf_tail(&res->err, tail, sizeof(tail) - 1);

		while (n && (tail[n - 1] == '\n' || tail[n - 1] == ' '))
			n--;
		tail[n] = '\0';
		step_label(label, sizeof(label), p, "exec_command");
		r = err_set(err, OFFLOAD_ELOST,
			    "%s: %s ended (%s %d) before the batch did%s%s",
			    who, label,
			    res->state == SPAWN_EXITED ? "status" : "signal",
			    res->status, n ? ": " : "", tail);
	}
out:
	buf_release(&v.scratch);
	buf_release(&s);
	buf_release(&quoted);
	buf_release(&script);
	return r;
}

/*
 * Download: {paths} are the batch's paths, each quoted; {pack} is a
 * command line that, run in the sandbox, writes those of them that exist
 * to stdout as a tar archive; {dest} is where they must land, under the
 * same relative names.  `globs`: the words are patterns, left unquoted in
 * {pack} for the sandbox's shell to expand (config.c allows only plain
 * path and pattern characters in them).
 */
static int fetch_into(struct sandbox *sb, char *const *paths, size_t n,
		      int globs, const char *dest, int cancel_fd,
		      struct offload_error *err)
{
	struct sandbox_pool *pool = sb->pool;
	const struct cmd_provider *p = pool->priv;
	struct buf qpaths = BUF_INIT, pack = BUF_INIT, qpack = BUF_INIT;
	struct buf qdest = BUF_INIT;
	struct vars v;
	int r = 0;

	vars_init(&v, p, sb);
	if (add_cd(&pack, sb) || buf_adds(&pack, "set -- && for p in"))
		r = OFFLOAD_ENOMEM;
	for (size_t i = 0; !r && i < n; i++)
		if ((i && buf_addch(&qpaths, ' ')) || sq_quote_buf(&qpaths, paths[i]) ||
		    buf_addch(&pack, ' ') ||
		    (globs ? buf_adds(&pack, paths[i]) : sq_quote_buf(&pack, paths[i])))
			r = OFFLOAD_ENOMEM;
	if (!r && (buf_addf(&pack, "; do if [ -e \"$p\" ]%s; then set -- \"$@\" "
			    "\"$p\"; fi; done && exec tar -cf - -T /dev/null "
			    "\"$@\"", globs ? " && [ \"$p\" -nt " BATCH_START " ]" : "") ||
		   sq_quote_buf(&qpack, pack.buf) ||
		   sq_quote_buf(&qdest, dest)))
		r = OFFLOAD_ENOMEM;
	if (r) {
		r = err_set(err, r, "out of memory");
		goto out;
	}
	v.paths = qpaths.buf;
	v.pack = qpack.buf;
	v.dest = qdest.buf;
	r = step(pool, "download_command", p->t.download, &v,
		 pool->cfg->download_timeout_secs, cancel_fd, NULL, err);
	if (r == OFFLOAD_ESPAWN || r == OFFLOAD_ETIMEDOUT)
		r = OFFLOAD_ELOST;
out:
	buf_release(&v.scratch);
	buf_release(&qpaths);
	buf_release(&pack);
	buf_release(&qpack);
	buf_release(&qdest);
	return r;
}

static int cmd_fetch(struct sandbox *sb, char *const *paths, size_t n,
		     int cancel_fd, struct strvec *local,
		     struct offload_error *err)
{
	int r = 0;

	/* what the batch brought back itself (take_fetched) */
	if (n && sb->prefetched != n)
		r = fetch_into(sb, paths, n, 0, sb->fetch_dir, cancel_fd, err);
	sb->prefetched = 0;

	for (size_t i = 0; !r && i < n; i++)
		if (strvec_pushf(local, "%s/%s", sb->fetch_dir, paths[i]))
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return r;
}

static int cmd_artifacts(struct sandbox *sb, const char *patterns,
			 const char *dest, int cancel_fd,
			 struct offload_error *err)
{
	struct strvec words = STRVEC_INIT;
	int r = split_hosts(patterns, &words);	/* blanks and commas */

	if (r)
		return err_set(err, r, "out of memory");
	if (words.nr)
		r = fetch_into(sb, words.v, words.nr, 1, dest, cancel_fd, err);
	strvec_clear(&words);
	return r;
}

const struct provider_ops provider_command = {
	.type = "command",
	.remote = 1,
	.start = cmd_start,
	.create = cmd_create,
	.exec = cmd_exec,
	.fetch = cmd_fetch,
	.artifacts = cmd_artifacts,
	.destroy = cmd_destroy,
	.stop = cmd_stop,
};

/* ------------------------------------------------------------------ */

int command_templates(const struct offload_config *cfg,
		      struct provider_templates *t, struct offload_error *err)
{
	memset(t, 0, sizeof(*t));
	if (!(t->prepare = strdup(cfg->prepare_command ? cfg->prepare_command : "")) ||
	    !(t->create = strdup(cfg->create_command ? cfg->create_command : "")) ||
	    !(t->exec = strdup(cfg->exec_command ? cfg->exec_command : "")) ||
	    !(t->download = strdup(cfg->download_command ?
				   cfg->download_command : "")) ||
	    !(t->destroy = strdup(cfg->destroy_command ? cfg->destroy_command : "")) ||
	    !(t->sandbox_dir = strdup(cfg->sandbox_dir ? cfg->sandbox_dir : "")) ||
	    !(t->stop = strdup(cfg->cleanup_command ? cfg->cleanup_command : "")))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return 0;
}

int provider_tar_excludes(const struct offload_config *cfg, struct buf *out)
{
	const char *wd = cfg->provider_working_dir, *od = cfg->output_dir;
	size_t wl = wd ? strlen(wd) : 0;
	struct strvec pats = STRVEC_INIT;
	int r = buf_adds(out, " --exclude=./.offload");

	if (!r && wd && od && !strncmp(od, wd, wl) && od[wl] == '/' && od[wl + 1])
		r = buf_adds(out, " --exclude=") || buf_adds(out, "./") ||
			sq_quote_buf(out, od + wl + 1);
	if (!r)
		r = split_hosts(cfg->exclude, &pats);	/* blanks and commas */
	for (size_t i = 0; !r && i < pats.nr; i++)
		r = buf_adds(out, " --exclude=") || sq_quote_buf(out, pats.v[i]);
	strvec_clear(&pats);
	return r ? OFFLOAD_ENOMEM : 0;
}

void provider_templates_release(struct provider_templates *t)
{
	free(t->prepare);
	free(t->create);
	free(t->exec);
	free(t->download);
	free(t->destroy);
	free(t->sandbox_dir);
	free(t->stop);
	free(t->session);
	free(t->session_ready);
	free(t->release);
	free(t->create_hosts);
	free(t->create_id);
	memset(t, 0, sizeof(*t));
}
