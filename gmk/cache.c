/* SPDX-License-Identifier: MIT */
/*
 * cache.c - the discovery cache of $(offload-discover ...).  make expands
 * the function on every invocation, `make build` included, and a real
 * pytest collection takes seconds; so the words are kept in the output
 * directory, under a key that changes when the tests may have:
 *
 * - the effective configuration (offload_config_dump: every value after
 *   ${VAR} expansion, so a changed variable counts) and the group;
 * - the path, type, size and modification time of every file and
 *   directory under the discovery inputs: the framework's `paths` (pytest:
 *   each argument that is a file or directory; exec: each glob's fixed
 *   leading directories), else the working directory, plus the files at
 *   the top of the working directory (pytest.ini, conftest.py ...).  A
 *   directory's time changes when an entry is added or removed.  Hidden
 *   entries, __pycache__, node_modules and the output directory are not
 *   inputs.
 *
 * What the key does not see (the environment of the discovery command,
 * files outside the inputs) is documented in docs/make.md, with
 * OFFLOAD_DISCOVER_CACHE=off.  Not thread-safe (make's main thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <offload.h>
#include "cache.h"

/* More entries than this and the walk costs more than it saves. */
#define WALK_MAX 200000

#define CACHE_MAGIC "offload-discover-cache 1"

/* Two FNV-1a hashes with different offsets: a 128-bit key.  Changes are
 * not adversarial; a collision costs a stale list, which the run then
 * reports as "not found" or runs anyway. */
struct key {
	uint64_t a, b;
};

static void key_add(struct key *k, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		k->a = (k->a ^ p[i]) * 0x100000001b3ULL;
		k->b = (k->b ^ p[i]) * 0x100000001b3ULL;
	}
}

static void key_init(struct key *k)
{
	k->a = 0xcbf29ce484222325ULL;
	k->b = 0x84222325cbf29ce4ULL;
}

/* The walk: nftw has no user pointer. */
static struct {
	struct key *k;
	const char *skip;          /* the output directory */
	size_t skip_len;
	size_t entries;
} walk;

static void key_stat(struct key *k, const char *path, const struct stat *st)
{
	long long t[4] = {
		(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		(long long)st->st_size, (long long)(st->st_mode & S_IFMT),
	};

	key_add(k, path, strlen(path) + 1);
	key_add(k, t, sizeof(t));
}

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	const char *base = path + ftw->base;

	if (ftw->level > 0 && (base[0] == '.' || !strcmp(base, "__pycache__") ||
			       !strcmp(base, "node_modules")))
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (!strncmp(path, walk.skip, walk.skip_len) &&
	    (path[walk.skip_len] == '/' || !path[walk.skip_len]))
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (++walk.entries > WALK_MAX)
		return FTW_STOP;
	if (type == FTW_NS || type == FTW_DNR)
		key_add(walk.k, path, strlen(path) + 1);
	else
		key_stat(walk.k, path, st);
	return FTW_CONTINUE;
}

/* Walk `root` (relative to `dir`) into the key; 0, or -1 when too big. */
static int key_walk(struct key *k, const char *dir, const char *root,
		    size_t root_len)
{
	char *path, *real;
	int r;

	if (root_len && root[0] == '/')
		path = strndup(root, root_len);
	else if ((path = malloc(strlen(dir) + root_len + 2)))
		sprintf(path, "%s/%.*s", dir, (int)root_len, root);
	if (!path)
		return -1;
	/* Real paths, so that the output directory is recognised in the
	 * walk whatever "./" or symbolic link led to it. */
	if (!(real = realpath(path, NULL))) {
		/* Not there (yet): its absence is part of the key. */
		key_add(k, path, strlen(path) + 1);
		free(path);
		return 0;
	}
	free(path);
	walk.k = k;
	r = nftw(real, walk_one, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	free(real);
	return r == FTW_STOP ? -1 : 0;
}

/* The files at the top of the working directory. */
static void key_top_files(struct key *k, const char *dir)
{
	struct stat st;
	char *path;
	static const char *const names[] = {
		"pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini",
		"conftest.py", "setup.py",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(path = malloc(strlen(dir) + strlen(names[i]) + 2)))
			return;
		sprintf(path, "%s/%s", dir, names[i]);
		if (lstat(path, &st) == 0)
			key_stat(k, path, &st);
		else
			key_add(k, path, strlen(path) + 1);
		free(path);
	}
}

/* The effective value of `key` (caller frees); NULL when it has none, or
 * on ENOMEM. */
static char *setting(const struct offload_config *cfg, const char *key)
{
	char *v = NULL;

	offload_config_get(cfg, key, &v, NULL);
	return v;
}

/* The discovery inputs of `cfg`: see the top of this file. */
static int key_inputs(struct key *k, const struct offload_config *cfg)
{
	char *dir = setting(cfg, "offload.working_dir");
	char *paths = setting(cfg, "framework.paths");
	char *output_dir = setting(cfg, "report.output_dir");
	char *type = setting(cfg, "framework.type");
	const char *p = paths;
	int any = 0;

	char *out = output_dir ? realpath(output_dir, NULL) : NULL;
	int ret = 0;

	if (!dir || !output_dir || !type) {
		ret = -1;
		goto out;
	}
	walk.skip = out ? out : output_dir;
	walk.skip_len = strlen(walk.skip);
	walk.entries = 0;
	key_top_files(k, dir);
	if (strcmp(type, "custom") && p) {
		while (*p) {
			const char *w, *wild;
			size_t n;

			while (*p == ' ' || *p == '\t')
				p++;
			w = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			n = (size_t)(p - w);
			if (!n || w[0] == '-')
				continue;       /* a pytest option, not a path */
			/* A glob's fixed leading directories. */
			wild = w;
			while (wild < p && !strchr("*?[", *wild))
				wild++;
			if (wild < p) {
				while (wild > w && wild[-1] != '/')
					wild--;
				n = (size_t)(wild - w);
				if (n > 1)
					n--;    /* without the '/' */
			}
			if ((ret = key_walk(k, dir, n ? w : ".", n ? n : 1)))
				goto out;
			any = 1;
		}
	}
	if (!any)
		ret = key_walk(k, dir, ".", 1);
out:
	free(out);
	free(dir);
	free(paths);
	free(output_dir);
	free(type);
	return ret;
}

int discover_cache_key(const struct offload_config *cfg, const char *group,
		       char out[33])
{
	struct key k;
	char *dump = NULL;
	size_t dump_len = 0;
	FILE *f = open_memstream(&dump, &dump_len);

	if (!f)
		return -1;
	if (offload_config_dump(cfg, f) || fclose(f)) {
		free(dump);
		return -1;
	}
	key_init(&k);
	key_add(&k, dump, dump_len);
	free(dump);
	key_add(&k, group ? group : "", strlen(group ? group : "") + 1);
	if (key_inputs(&k, cfg))
		return -1;
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)k.a,
		 (unsigned long long)k.b);
	return 0;
}

/* Create the directories above `path`. */
static void mkdir_above(const char *path)
{
	char *p = strdup(path);

	if (!p)
		return;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0777);
		*s = '/';
	}
	free(p);
}

char *discover_cache_path(const struct offload_config *cfg, const char *group)
{
	char *dir = setting(cfg, "dir"), *file = setting(cfg, "path");
	char *output_dir = setting(cfg, "report.output_dir");
	struct key k;
	char *path = NULL;

	if (!dir || !file || !output_dir)
		goto out;
	key_init(&k);
	key_add(&k, dir, strlen(dir) + 1);
	key_add(&k, file, strlen(file) + 1);
	key_add(&k, group ? group : "", strlen(group ? group : "") + 1);
	path = malloc(strlen(output_dir) + 64);
	if (path)
		sprintf(path, "%s/.offload-cache/discover-%016llx",
			output_dir, (unsigned long long)k.a);
	/* Now, not after the key: a new directory changes its parent's
	 * time, which may be an input. */
	if (path)
		mkdir_above(path);
out:
	free(dir);
	free(file);
	free(output_dir);
	return path;
}

char *discover_cache_read(const char *path, const char *key, size_t *len)
{
	FILE *f = fopen(path, "re");
	char head[128];
	char *words = NULL;
	size_t alloc = 0;
	ssize_t n;

	if (!f)
		return NULL;
	snprintf(head, sizeof(head), "%s key %s\n", CACHE_MAGIC, key);
	for (size_t i = 0; head[i]; i++)
		if (fgetc(f) != (unsigned char)head[i])
			goto miss;
	/* One line of words, then the end: a cut file is a miss. */
	n = getline(&words, &alloc, f);
	if (n <= 0 || words[n - 1] != '\n' || fgetc(f) != EOF)
		goto miss;
	words[--n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return words;
miss:
	free(words);
	fclose(f);
	return NULL;
}

void discover_cache_write(const char *path, const char *key,
			  const char *words, size_t len)
{
	char *tmp = malloc(strlen(path) + 8);
	FILE *f;
	int fd, ok;

	if (!tmp)
		return;
	mkdir_above(path);
	sprintf(tmp, "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return;         /* no cache, no harm: discovery runs again */
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return;
	}
	fprintf(f, "%s key %s\n", CACHE_MAGIC, key);
	fwrite(words, 1, len, f);
	fputc('\n', f);
	ok = !ferror(f);
	ok = !fclose(f) && ok;
	if (!ok || rename(tmp, path))
		unlink(tmp);
	free(tmp);
}
