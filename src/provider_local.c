/* SPDX-License-Identifier: MIT */
/*
 * provider_local.c - sandbox pools (every provider's local side: the
 * temporary tree, the environment a batch runs with) and the local
 * provider: the configured working directory plus a private temporary
 * directory per sandbox.  It never touches the working directory, only
 * the temporary tree it created.
 *
 * The root is always /tmp/offload.XXXXXX, whatever TMPDIR says: test
 * suites put Unix sockets in $TMPDIR (GPG's agent, databases), and a socket
 * path is limited to 108 bytes, so a short root matters more than honouring
 * a TMPDIR that may itself be long.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "config.h"
#include "error.h"
#include "sandbox.h"

extern char **environ;

/* nftw callbacks take no data pointer; each thread removes its own tree. */
static _Thread_local int tree_err;
static _Thread_local int tree_unlocked;
static _Thread_local int tree_keep_root;   /* sandbox_reset: empty it */

/*
 * First pass: give the owner rwx on every directory, so that a test that
 * left a read-only (or unreadable) directory does not make its tree
 * impossible to remove.  An unreadable directory is not descended into:
 * another pass will, now that it can be read.
 */
static int unlock_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	if ((flag == FTW_D || flag == FTW_DNR) &&
	    (st->st_mode & 0700) != 0700 &&
	    !chmod(path, (st->st_mode & 07777) | 0700) && flag == FTW_DNR)
		tree_unlocked = 1;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	int r;

	if (tree_keep_root && ftw->level == 0)
		return 0;
	r = flag == FTW_DP || flag == FTW_D || flag == FTW_DNR ?
		rmdir(path) : unlink(path);

	if (r && errno != ENOENT && !tree_err)
		tree_err = -errno;
	return 0;	/* remove as much as possible */
}

int remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	tree_err = 0;
	/* Bounded: each pass opens at least one more level, or stops. */
	for (int pass = 0; pass < 64; pass++) {
		tree_unlocked = 0;
		if (nftw(path, unlock_one, 16, FTW_PHYS) || !tree_unlocked)
			break;
	}
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) && !tree_err)
		tree_err = errno ? -errno : -EIO;
	return tree_err;
}

/*
 * The walk of remove_tree() with the root kept: no list of names to
 * allocate, so that running out of memory cannot leave one batch's files
 * to the next (as a failed opendir() or list did, silently).
 */
void sandbox_reset(struct sandbox *sb)
{
	const char *dirname = sb->fetch_dir ? sb->fetch_dir : sb->tmpdir;

	chmod(dirname, 0700);	/* the test may have locked it */
	tree_keep_root = 1;
	remove_tree(dirname);
	tree_keep_root = 0;
}

/* Does the environment entry `entry` ("NAME=value") define `name`? */
static int env_is(const char *entry, const char *name, size_t len)
{
	return !strncmp(entry, name, len) && entry[len] == '=';
}

int mkdir_p(const char *path)
{
	char *p = strdup(path), *s;
	int ret = 0;

	if (!p)
		return OFFLOAD_ENOMEM;
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

int env_is_make_var(const char *entry)
{
	return env_is(entry, "MAKEFLAGS", 9) || env_is(entry, "MFLAGS", 6) ||
		env_is(entry, "MAKELEVEL", 9);
}

/*
 * The batch environment: ours without make's jobserver variables (the
 * tests do not have its fds), then the sandbox's own variables, then
 * [provider.env], which wins over both: it is what the user asked for.
 * A remote sandbox gets only what offload adds: the remote side has its
 * own environment.
 */
static int build_env(struct sandbox *sb, const struct offload_config *cfg,
		     int remote)
{
	static const char *const drop[] = {
		"TMPDIR", "TEST_TMPDIR", "OFFLOAD_SANDBOX",
	};
	struct strvec env = STRVEC_INIT;
	int rc = 0;

	for (char **e = environ; !remote && e && *e && !rc; e++) {
		int keep = !env_is_make_var(*e);

		for (size_t i = 0; i < sizeof(drop) / sizeof(*drop) && keep; i++)
			keep = !env_is(*e, drop[i], strlen(drop[i]));
		for (size_t i = 0; i < cfg->env_nr && keep; i++)
			keep = !env_is(*e, cfg->env[i].name, strlen(cfg->env[i].name));
		if (keep)
			rc = strvec_push(&env, *e);
	}
	if (!rc)
		rc = strvec_pushf(&env, "TMPDIR=%s", sb->tmpdir);
	if (!rc)
		rc = strvec_pushf(&env, "TEST_TMPDIR=%s", sb->tmpdir);
	if (!rc)
		rc = strvec_pushf(&env, "OFFLOAD_SANDBOX=%u", sb->index);
	for (size_t i = 0; i < cfg->env_nr && !rc; i++) {
		const char *name = cfg->env[i].name;

		/* a later duplicate of an earlier name replaces it */
		for (size_t j = 0; j < env.nr; j++) {
			if (env_is(env.v[j], name, strlen(name))) {
				free(env.v[j]);
				memmove(env.v + j, env.v + j + 1,
					(env.nr - j) * sizeof(*env.v));
				env.nr--;
				break;
			}
		}
		rc = strvec_pushf(&env, "%s=%s", name,
				  cfg->env[i].value ? cfg->env[i].value : "");
	}
	if (rc) {
		strvec_clear(&env);
		return rc;
	}
	sb->envp = strvec_detach(&env);
	return sb->envp ? 0 : OFFLOAD_ENOMEM;
}

static const char *work_dir(const struct offload_config *cfg)
{
	if (cfg->provider_working_dir)
		return cfg->provider_working_dir;
	if (cfg->working_dir)
		return cfg->working_dir;
	return cfg->dir;
}

static const struct provider_ops *find_provider(const char *type)
{
	if (type && strcmp(type, "local"))
		return &provider_command;	/* command, ssh, slurm */
	return &provider_local;
}

/*
 * Local sandbox i: cwd is the working directory, tmpdir root/i (created).
 * Remote: cwd ".", tmpdir ".offload/tmp" (made by each batch's command),
 * and root/i is where its downloads land.
 */
static int pool_add(struct sandbox_pool *pool, unsigned i, const char *cwd,
		    struct offload_error *err)
{
	struct sandbox *sb = &pool->sb[i];
	int remote = pool->ops->remote;
	struct buf path = BUF_INIT;
	int r;

	pool->nr = i + 1;	/* so that destroy frees this one too */
	sb->index = i;
	sb->pool = pool;
	if (buf_addf(&path, "%s/%u", pool->root, i))
		goto nomem;
	if (remote) {
		sb->fetch_dir = buf_detach(&path);
		sb->cwd = strdup(".");
		sb->tmpdir = strdup(".offload/tmp");
	} else {
		sb->tmpdir = buf_detach(&path);
		sb->cwd = strdup(cwd);
	}
	if (!sb->cwd || !sb->tmpdir || (remote && !sb->fetch_dir))
		goto nomem;
	if (mkdir(remote ? sb->fetch_dir : sb->tmpdir, 0700))
		return err_set(err, -errno, "cannot create directory '%s': %s",
			       remote ? sb->fetch_dir : sb->tmpdir,
			       strerror(errno));
	if ((r = build_env(sb, pool->cfg, remote)))
		goto nomem;
	return 0;
nomem:
	buf_release(&path);
	return err_set(err, OFFLOAD_ENOMEM, "cannot create sandboxes: %s",
		       offload_strerror(OFFLOAD_ENOMEM));
}

int sandbox_pool_create(struct sandbox_pool *pool,
			const struct offload_config *cfg, unsigned nr,
			struct offload_error *err)
{
	char root[] = "/tmp/offload.XXXXXX";
	char *cwd = NULL;
	int rc = 0;

	memset(pool, 0, sizeof(*pool));
	pool->cfg = cfg;
	pool->ops = find_provider(cfg->provider_type);
	if (!nr)
		return err_set(err, OFFLOAD_EUSAGE, "no sandboxes requested");
	if (work_dir(cfg))
		cwd = strdup(work_dir(cfg));
	else
		cwd = getcwd(NULL, 0);
	if (!cwd) {
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot create sandboxes: %s",
			     offload_strerror(OFFLOAD_ENOMEM));
		goto cleanup;
	}
	if (!mkdtemp(root)) {
		rc = err_set(err, -errno, "cannot create temporary directory '%s': %s",
			     root, strerror(errno));
		goto cleanup;
	}
	pool->root = strdup(root);
	pool->sb = calloc(nr, sizeof(*pool->sb));
	if (!pool->root || !pool->sb) {
		free(pool->root);
		pool->root = NULL;
		remove_tree(root);
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot create sandboxes: %s",
			     offload_strerror(OFFLOAD_ENOMEM));
		goto cleanup;
	}
	for (unsigned i = 0; i < nr && !rc; i++)
		rc = pool_add(pool, i, cwd, err);
cleanup:
	free(cwd);
	if (rc)
		sandbox_pool_destroy(pool);
	return rc;
}

int sandbox_pool_start(struct sandbox_pool *pool, int cancel_fd,
		       struct offload_error *err)
{
	return pool->ops->start ? pool->ops->start(pool, cancel_fd, err) : 0;
}

int sandbox_open(struct sandbox_pool *pool, unsigned i, int cancel_fd,
		 struct offload_error *err)
{
	if (!pool->ops->create || pool->sb[i].id)
		return 0;
	return pool->ops->create(&pool->sb[i], cancel_fd, err);
}

void sandbox_close(struct sandbox_pool *pool, unsigned i, int ending)
{
	if (pool->ops && pool->ops->destroy && pool->sb[i].id)
		pool->ops->destroy(&pool->sb[i], ending);
}

void sandbox_pool_destroy(struct sandbox_pool *pool)
{
	for (unsigned i = 0; i < pool->nr; i++)
		sandbox_close(pool, i, 1);
	if (pool->ops && pool->ops->stop)
		pool->ops->stop(pool);
	if (pool->root)
		remove_tree(pool->root);
	for (unsigned i = 0; i < pool->nr; i++) {
		free(pool->sb[i].cwd);
		free(pool->sb[i].tmpdir);
		free(pool->sb[i].host);
		free(pool->sb[i].id);
		free(pool->sb[i].fetch_dir);
		strv_free(pool->sb[i].envp);
	}
	free(pool->sb);
	free(pool->root);
	memset(pool, 0, sizeof(*pool));
}

int sandbox_exec(struct sandbox *sb, const struct sandbox_cmd *cmd,
		 struct spawn_res *res, struct offload_error *err)
{
	return sb->pool->ops->exec(sb, cmd, res, err);
}

int sandbox_fetch(struct sandbox *sb, char *const *paths, size_t n,
		  int cancel_fd, struct strvec *local, struct offload_error *err)
{
	return sb->pool->ops->fetch(sb, paths, n, cancel_fd, local, err);
}

int sandbox_artifacts(struct sandbox *sb, const char *patterns,
		      const char *dest, int cancel_fd, struct offload_error *err)
{
	int r = mkdir_p(dest);

	if (r)
		return err_set(err, r, "cannot create '%s': %s", dest,
			       offload_strerror(r));
	return sb->pool->ops->artifacts(sb, patterns, dest, cancel_fd, err);
}

/* ------------------------------------------------------------------ */
/* The local provider                                                  */

static int local_exec(struct sandbox *sb, const struct sandbox_cmd *cmd,
		      struct spawn_res *res, struct offload_error *err)
{
	struct spawn_req req = { 0 };

	req.argv = cmd->argv;
	req.envp = cmd->envp ? cmd->envp : sb->envp;
	req.cwd = cmd->cwd ? cmd->cwd : sb->cwd;
	req.cap = cmd->cap;
	req.timeout_secs = cmd->timeout_secs;
	req.cancel_fd = cmd->cancel_fd;
	return spawn_run(&req, res, err);
}

/* Result files are where the batch wrote them. */
static int local_fetch(struct sandbox *sb, char *const *paths, size_t n,
		       int cancel_fd, struct strvec *local,
		       struct offload_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (strvec_push(local, paths[i]))
			return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	return 0;
}

/* Copy regular file `from` to `to`, making to's directories. */
static int copy_file(const char *from, const char *to)
{
	char chunk[65536], *dir = strdup(to), *slash;
	int in, out, r = 0;
	ssize_t n;

	if (!dir)
		return OFFLOAD_ENOMEM;
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		r = mkdir_p(dir);
	}
	free(dir);
	if (r)
		return r;
	if ((in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		r = -errno;
		close(in);
		return r;
	}
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, (size_t)n) != n) {
			r = -EIO;
			break;
		}
	if (n < 0)
		r = -errno;
	close(in);
	if (close(out) && !r)
		r = -errno;
	return r;
}

/* Local sandboxes share the working directory: only their tmpdir is the
 * batch's own, so the patterns match there. */
static int local_artifacts(struct sandbox *sb, const char *patterns,
			   const char *dest, int cancel_fd,
			   struct offload_error *err)
{
	size_t base = strlen(sb->tmpdir) + 1;
	struct buf pat = BUF_INIT, to = BUF_INIT;
	int r = 0;

	for (const char *p = patterns; *p && !r; ) {
		size_t n;
		glob_t gl;

		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (!n)
			break;
		buf_reset(&pat);
		if (buf_addf(&pat, "%s/%.*s", sb->tmpdir, (int)n, p)) {
			r = OFFLOAD_ENOMEM;
			break;
		}
		p += n;
		if (glob(pat.buf, 0, NULL, &gl))
			continue;
		for (size_t i = 0; !r && i < gl.gl_pathc; i++) {
			struct stat st;

			if (lstat(gl.gl_pathv[i], &st) || !S_ISREG(st.st_mode) ||
			    strlen(gl.gl_pathv[i]) <= base)
				continue;
			buf_reset(&to);
			if (buf_addf(&to, "%s/%s", dest, gl.gl_pathv[i] + base))
				r = OFFLOAD_ENOMEM;
			else
				r = copy_file(gl.gl_pathv[i], to.buf);
			if (r && r != OFFLOAD_ENOMEM)
				r = err_set(err, r, "cannot copy '%s' to '%s': %s",
					    gl.gl_pathv[i], to.buf,
					    offload_strerror(r));
		}
		globfree(&gl);
	}
	if (r == OFFLOAD_ENOMEM)
		err_set(err, r, "out of memory");
	buf_release(&pat);
	buf_release(&to);
	return r;
}

const struct provider_ops provider_local = {
	.type = "local",
	.exec = local_exec,
	.fetch = local_fetch,
	.artifacts = local_artifacts,
};
