/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - where batches run (provider_local.c).
 *
 * A local sandbox is the configured working directory plus a private,
 * short temporary directory (/tmp/offload.XXXXXX/N) exported as TMPDIR and
 * TEST_TMPDIR, and OFFLOAD_SANDBOX=N, on top of the caller's environment
 * and [provider.env].  offload creates the temporary directories and
 * removes them (and only them) when the pool is destroyed.
 */
#ifndef OFFLOAD_SANDBOX_H
#define OFFLOAD_SANDBOX_H
#include "offload.h"

struct sandbox {
	unsigned index;           /* 0-based */
	char *cwd;                /* owned; absolute */
	char *tmpdir;             /* owned; absolute, short */
	char **envp;              /* owned; NULL-terminated */
};

struct sandbox_pool {
	char *root;               /* owned; the mkdtemp directory */
	struct sandbox *sb;       /* owned */
	unsigned nr;
};

int sandbox_pool_create(struct sandbox_pool *pool,
			const struct offload_config *cfg, unsigned nr,
			struct offload_error *err);

/* Remove every sandbox's temporary directory and free the pool. */
void sandbox_pool_destroy(struct sandbox_pool *pool);

/* Remove the contents of `sb`'s tmpdir between batches (keeps the dir). */
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
