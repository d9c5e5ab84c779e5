/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - where batches run: the provider interface (sandbox pools in
 * provider_local.c; the providers in provider_*.c).
 *
 * A local sandbox is the configured working directory plus a private,
 * short temporary directory (/tmp/offload.XXXXXX/N) exported as TMPDIR and
 * TEST_TMPDIR, and OFFLOAD_SANDBOX=N, on top of the caller's environment
 * and [provider.env].  offload creates the temporary directories and
 * removes them (and only them) when the pool is destroyed.
 *
 * A remote sandbox (provider_command.c) is whatever create_command made:
 * batches reach it only through exec_command, results come back through
 * download_command, destroy_command ends it.  The local temporary
 * directory then holds what was downloaded.
 */
#ifndef OFFLOAD_SANDBOX_H
#define OFFLOAD_SANDBOX_H
#include "offload.h"
#include "buf.h"
#include "spawn.h"

struct sandbox_pool;

struct sandbox {
	unsigned index;           /* 0-based */
	char *cwd;                /* owned; where batches run, as the batch sees it:
				     local: absolute; remote: "." */
	char *tmpdir;             /* owned; the batch's TMPDIR as the batch sees it:
				     local: absolute, short; remote: relative to cwd */
	char **envp;              /* owned; NULL-terminated.  Local: the whole
				     environment; remote: only what offload adds */
	char *host;               /* owned; where it runs (JUnit hostname), or NULL
				     for this machine */
	/* remote sandboxes (provider_command.c) */
	char *id;                 /* owned; create_command's sandbox ID, NULL when
				     not created (or destroyed) */
	char *fetch_dir;          /* owned; local directory downloads land in */
	unsigned failures;        /* consecutive lost batches */
	size_t prefetched;        /* the last exec brought back its `fetch`
				     paths (their count) into fetch_dir */
	struct sandbox_pool *pool;
};

struct provider_ops;

struct sandbox_pool {
	const struct offload_config *cfg;
	const struct provider_ops *ops;
	char *root;               /* owned; the local mkdtemp directory */
	struct sandbox *sb;       /* owned */
	unsigned nr;
	void *priv;               /* the provider's own state */
};

/*
 * What a framework asks a sandbox to run: one process, to completion.
 * Paths in argv and cwd are as the sandbox sees them (sb->cwd,
 * sb->tmpdir); a remote provider runs argv in the sandbox's directory
 * whatever cwd says.
 */
struct sandbox_cmd {
	char *const *argv;
	char *const *envp;        /* sb->envp plus the framework's own */
	const char *cwd;
	double timeout_secs;
	int cancel_fd;
	size_t cap;
	/* what the framework will sandbox_fetch once the process ended, in
	 * the same order: a remote provider may bring them back with the
	 * batch's own output and save a round trip (none when NULL) */
	char *const *fetch;
	size_t nfetch;
	/* remote: the command bounds its own time there (each test under
	 * `timeout`), so no remote `timeout` is put around it: one process
	 * less per batch.  timeout_secs still bounds the step here. */
	int self_bounded;
};

/*
 * A provider: how sandboxes are made and used.  provider_local.c runs
 * batches here; provider_command.c runs them through the [provider]
 * command templates, which provider_ssh.c and provider_slurm.c fill in.
 * Every operation is called from one thread per sandbox at a time.
 */
struct provider_ops {
	const char *type;
	int remote;               /* sandboxes are created by workers, at need */
	/* once per run, before any sandbox (prepare_command) */
	int (*start)(struct sandbox_pool *pool, int cancel_fd,
		     struct offload_error *err);
	/* make sb usable (create_command); remote only */
	int (*create)(struct sandbox *sb, int cancel_fd, struct offload_error *err);
	/* spawn_run's contract, plus OFFLOAD_ELOST: the sandbox failed (not
	 * the test), the batch must run again elsewhere */
	int (*exec)(struct sandbox *sb, const struct sandbox_cmd *cmd,
		    struct spawn_res *res, struct offload_error *err);
	/* bring `paths` (as the batch saw them) back; missing ones are no
	 * error.  *local gets the local path of each, in order. */
	int (*fetch)(struct sandbox *sb, char *const *paths, size_t n,
		     int cancel_fd, struct strvec *local,
		     struct offload_error *err);
	/* copy what the blank-separated glob `patterns` match in the sandbox
	 * (remote: its directory; local: its tmpdir) to local dir `dest` */
	int (*artifacts)(struct sandbox *sb, const char *patterns,
			 const char *dest, int cancel_fd,
			 struct offload_error *err);
	/* undo create (destroy_command); never canceled, bounded by a
	 * timeout.  `ending`: the run ends and stop follows (0: the sandbox
	 * is retired while the run goes on). */
	void (*destroy)(struct sandbox *sb, int ending);
	/* once per run, after every sandbox is destroyed */
	void (*stop)(struct sandbox_pool *pool);
};

extern const struct provider_ops provider_local;
extern const struct provider_ops provider_command;

/*
 * Allocate `nr` sandboxes for cfg's provider.  Local sandboxes exist when
 * this returns; remote ones after sandbox_pool_start and sandbox_open.
 */
int sandbox_pool_create(struct sandbox_pool *pool,
			const struct offload_config *cfg, unsigned nr,
			struct offload_error *err);

/* The provider's start step (prepare_command); 0 for local. */
int sandbox_pool_start(struct sandbox_pool *pool, int cancel_fd,
		       struct offload_error *err);

/* Create sandbox i (remote; retried as configured); 0 for local. */
int sandbox_open(struct sandbox_pool *pool, unsigned i, int cancel_fd,
		 struct offload_error *err);

/* Destroy sandbox i if it was created (remote); idempotent.  `ending`:
 * no batch runs on it any more because the run ends (not retired). */
void sandbox_close(struct sandbox_pool *pool, unsigned i, int ending);

/* Destroy every sandbox still open, stop the provider, remove the local
 * temporary directories and free the pool.  Idempotent. */
void sandbox_pool_destroy(struct sandbox_pool *pool);

/* Run a batch's process in `sb` (see provider_ops.exec). */
int sandbox_exec(struct sandbox *sb, const struct sandbox_cmd *cmd,
		 struct spawn_res *res, struct offload_error *err);

/* Bring result files back (see provider_ops.fetch). */
int sandbox_fetch(struct sandbox *sb, char *const *paths, size_t n,
		  int cancel_fd, struct strvec *local, struct offload_error *err);

/* [report] download_globs of the batch just run into `dest` (made). */
int sandbox_artifacts(struct sandbox *sb, const char *patterns,
		      const char *dest, int cancel_fd, struct offload_error *err);

/* Make `sb` ready for its next batch: local, empty its tmpdir; remote,
 * empty its fetch directory (the next batch empties its own tmpdir). */
void sandbox_reset(struct sandbox *sb);

/*
 * Whether environment entry `entry` ("NAME=value") is one of make's
 * MAKEFLAGS, MFLAGS, MAKELEVEL: never passed to anything offload starts
 * (they name jobserver fds the child does not have, and -n/-k flags).
 */
int env_is_make_var(const char *entry);

/* mkdir -p: create `path` and its missing parents; 0, -errno or
 * OFFLOAD_ENOMEM. */
int mkdir_p(const char *path);

/* Remove the tree at `path` without following symlinks; 0 or -errno. */
int remove_tree(const char *path);

#endif
