/* SPDX-License-Identifier: MIT */
/*
 * test-sandbox.c - local sandboxes (provider_local.c): short private temp
 * directories, the environment a batch sees, and cleanup that removes
 * everything a test left, even read-only directories.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "sandbox.h"
#include "spawn.h"

static struct offload_env env[] = {
	{ "OFFLOAD_TEST_SB_VAR", "from config" },
	{ "OFFLOAD_TEST_SB_NEW", "new $value; `x`" },
};

static void config(struct offload_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->provider_working_dir = "/work dir/with space";
	cfg->env = env;
	cfg->env_nr = sizeof(env) / sizeof(*env);
}

/* The value of `name` in `envp`, and how many times it is defined. */
static const char *env_value(char **envp, const char *name, int *count)
{
	size_t len = strlen(name);
	const char *v = NULL;

	*count = 0;
	for (; *envp; envp++) {
		if (!strncmp(*envp, name, len) && (*envp)[len] == '=') {
			v = *envp + len + 1;
			(*count)++;
		}
	}
	return v;
}

static int is_dir(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

static int exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_pool_dirs(void **state)
{
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool pool;
	char root[64];

	config(&cfg);
	assert_int_equal(sandbox_pool_create(&pool, &cfg, 3, &err), 0);
	assert_int_equal(pool.nr, 3);
	assert_true(is_dir(pool.root));
	assert_true(strlen(pool.root) < 32);
	assert_memory_equal(pool.root, "/tmp/offload.", 13);
	for (unsigned i = 0; i < 3; i++) {
		struct sandbox *sb = &pool.sb[i];
		char want[64];

		assert_int_equal(sb->index, i);
		assert_string_equal(sb->cwd, "/work dir/with space");
		/* short: GPG and database sockets live under $TMPDIR */
		assert_true(strlen(sb->tmpdir) < 32);
		snprintf(want, sizeof(want), "%s/%u", pool.root, i);
		assert_string_equal(sb->tmpdir, want);
		assert_true(is_dir(sb->tmpdir));
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(sb->tmpdir, pool.sb[j].tmpdir);
	}
	snprintf(root, sizeof(root), "%s", pool.root);
	sandbox_pool_destroy(&pool);
	assert_false(exists(root));
	assert_null(pool.root);
	assert_int_equal(pool.nr, 0);
	sandbox_pool_destroy(&pool);	/* twice is harmless */
}

static void test_two_pools_are_distinct(void **state)
{
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool a, b;

	config(&cfg);
	assert_int_equal(sandbox_pool_create(&a, &cfg, 1, &err), 0);
	assert_int_equal(sandbox_pool_create(&b, &cfg, 1, &err), 0);
	assert_string_not_equal(a.root, b.root);
	sandbox_pool_destroy(&a);
	assert_true(is_dir(b.sb[0].tmpdir));
	sandbox_pool_destroy(&b);
}

static void test_env(void **state)
{
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool pool;
	const char *v;
	char num[16];
	int n;

	setenv("OFFLOAD_TEST_SB_VAR", "from environ", 1);
	setenv("OFFLOAD_TEST_SB_KEEP", "kept", 1);
	setenv("MAKEFLAGS", " -j4 --jobserver-auth=3,4", 1);
	setenv("MFLAGS", "-j4", 1);
	setenv("MAKELEVEL", "1", 1);
	setenv("TMPDIR", "/somewhere/else", 1);
	setenv("TEST_TMPDIR", "/somewhere/else", 1);
	setenv("OFFLOAD_SANDBOX", "99", 1);
	config(&cfg);
	assert_int_equal(sandbox_pool_create(&pool, &cfg, 2, &err), 0);
	for (unsigned i = 0; i < 2; i++) {
		char **envp = pool.sb[i].envp;

		v = env_value(envp, "TMPDIR", &n);
		assert_int_equal(n, 1);
		assert_string_equal(v, pool.sb[i].tmpdir);
		v = env_value(envp, "TEST_TMPDIR", &n);
		assert_int_equal(n, 1);
		assert_string_equal(v, pool.sb[i].tmpdir);
		v = env_value(envp, "OFFLOAD_SANDBOX", &n);
		assert_int_equal(n, 1);
		snprintf(num, sizeof(num), "%u", i);
		assert_string_equal(v, num);
		/* [provider.env] wins over ours, once */
		v = env_value(envp, "OFFLOAD_TEST_SB_VAR", &n);
		assert_int_equal(n, 1);
		assert_string_equal(v, "from config");
		v = env_value(envp, "OFFLOAD_TEST_SB_NEW", &n);
		assert_int_equal(n, 1);
		assert_string_equal(v, "new $value; `x`");
		v = env_value(envp, "OFFLOAD_TEST_SB_KEEP", &n);
		assert_string_equal(v, "kept");
		/* make's jobserver fds are not the tests' */
		assert_null(env_value(envp, "MAKEFLAGS", &n));
		assert_null(env_value(envp, "MFLAGS", &n));
		assert_null(env_value(envp, "MAKELEVEL", &n));
	}
	sandbox_pool_destroy(&pool);
	unsetenv("OFFLOAD_TEST_SB_VAR");
	unsetenv("OFFLOAD_TEST_SB_KEEP");
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	unsetenv("TMPDIR");
	unsetenv("TEST_TMPDIR");
	unsetenv("OFFLOAD_SANDBOX");
}

static void test_child_sees_sandbox(void **state)
{
	const char *b = getenv("OFFLOAD_BUILD_DIR");
	char fake[4096];
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool pool;
	struct spawn_res res;
	struct buf out = BUF_INIT, want = BUF_INIT;

	snprintf(fake, sizeof(fake), "%s/tests/helpers/fake-test", b ? b : "build");
	config(&cfg);
	cfg.provider_working_dir = "/";
	assert_int_equal(sandbox_pool_create(&pool, &cfg, 2, &err), 0);
	{
		struct sandbox *sb = &pool.sb[1];
		struct spawn_req req = {
			.argv = (char *[]){ fake, "pwd", "env", "TMPDIR", "env",
					    "OFFLOAD_SANDBOX", "env", "MAKEFLAGS",
					    NULL },
			.envp = sb->envp, .cwd = sb->cwd, .cap = 4096,
			.cancel_fd = -1,
		};

		setenv("MAKEFLAGS", "-j2", 1);	/* not seen: envp is built */
		assert_int_equal(spawn_run(&req, &res, &err), 0);
		unsetenv("MAKEFLAGS");
		assert_int_equal(res.status, 0);
		assert_int_equal(capbuf_render(&res.out, &out), 0);
		assert_int_equal(buf_addf(&want, "/\n%s\n1\n(unset)\n", sb->tmpdir), 0);
		assert_string_equal(out.buf, want.buf);
		spawn_res_release(&res);
	}
	buf_release(&out);
	buf_release(&want);
	sandbox_pool_destroy(&pool);
}

static void test_destroy_removes_read_only(void **state)
{
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool pool;
	char root[64], p[256], link[256];

	config(&cfg);
	assert_int_equal(sandbox_pool_create(&pool, &cfg, 2, &err), 0);
	snprintf(root, sizeof(root), "%s", pool.root);

	/* what a messy test leaves behind */
	snprintf(p, sizeof(p), "%s/ro", pool.sb[0].tmpdir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/ro/file", pool.sb[0].tmpdir);
	write_file(p, "x");
	snprintf(p, sizeof(p), "%s/ro/sub", pool.sb[0].tmpdir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/ro/sub/deep", pool.sb[0].tmpdir);
	write_file(p, "y");
	snprintf(p, sizeof(p), "%s/ro/sub", pool.sb[0].tmpdir);
	assert_int_equal(chmod(p, 0), 0);	/* unreadable */
	snprintf(p, sizeof(p), "%s/ro", pool.sb[0].tmpdir);
	assert_int_equal(chmod(p, 0500), 0);	/* read-only */
	/* a symlink out of the sandbox must not be followed */
	snprintf(link, sizeof(link), "%s/escape", pool.sb[1].tmpdir);
	assert_int_equal(symlink(pool.sb[0].tmpdir, link), 0);
	assert_int_equal(chmod(pool.sb[1].tmpdir, 0500), 0);

	sandbox_pool_destroy(&pool);
	assert_false(exists(root));
}

static void test_symlink_not_followed(void **state)
{
	char outside[] = "/tmp/test-sandbox.XXXXXX", p[128], link[128];
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool pool;

	assert_non_null(mkdtemp(outside));
	snprintf(p, sizeof(p), "%s/precious", outside);
	write_file(p, "keep me");
	config(&cfg);
	assert_int_equal(sandbox_pool_create(&pool, &cfg, 1, &err), 0);
	snprintf(link, sizeof(link), "%s/link", pool.sb[0].tmpdir);
	assert_int_equal(symlink(outside, link), 0);
	sandbox_reset(&pool.sb[0]);
	assert_false(exists(link));
	assert_true(exists(p));
	assert_int_equal(symlink(outside, link), 0);
	sandbox_pool_destroy(&pool);
	assert_true(exists(p));
	unlink(p);
	rmdir(outside);
}

static void test_reset(void **state)
{
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool pool;
	char p[256];
	DIR *d;
	struct dirent *de;
	int n = 0;

	config(&cfg);
	assert_int_equal(sandbox_pool_create(&pool, &cfg, 2, &err), 0);
	snprintf(p, sizeof(p), "%s/db_test", pool.sb[0].tmpdir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/db_test/LOCK", pool.sb[0].tmpdir);
	write_file(p, "");
	snprintf(p, sizeof(p), "%s/.hidden", pool.sb[0].tmpdir);
	write_file(p, "");
	snprintf(p, sizeof(p), "%s/db_test", pool.sb[0].tmpdir);
	assert_int_equal(chmod(p, 0500), 0);
	snprintf(p, sizeof(p), "%s/other", pool.sb[1].tmpdir);
	write_file(p, "not mine");

	sandbox_reset(&pool.sb[0]);
	assert_true(is_dir(pool.sb[0].tmpdir));
	d = opendir(pool.sb[0].tmpdir);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	assert_int_equal(n, 0);
	assert_true(exists(p));	/* the other sandbox is untouched */
	sandbox_pool_destroy(&pool);
}

static void test_remove_tree(void **state)
{
	char dir[] = "/tmp/test-sandbox.XXXXXX", p[128];

	assert_int_equal(remove_tree("/tmp/offload-test-does-not-exist"), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/a", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/a/b", dir);
	write_file(p, "b");
	assert_int_equal(remove_tree(dir), 0);
	assert_false(exists(dir));

	/* a plain file is a tree of one */
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/f", dir);
	write_file(p, "f");
	assert_int_equal(remove_tree(p), 0);
	assert_false(exists(p));
	assert_int_equal(remove_tree(dir), 0);
}

static void test_create_errors(void **state)
{
	struct offload_config cfg;
	struct offload_error err = { 0 };
	struct sandbox_pool pool;

	config(&cfg);
	assert_int_equal(sandbox_pool_create(&pool, &cfg, 0, &err), OFFLOAD_EUSAGE);
	assert_null(pool.root);
	assert_null(pool.sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_dirs),
		cmocka_unit_test(test_two_pools_are_distinct),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_child_sees_sandbox),
		cmocka_unit_test(test_destroy_removes_read_only),
		cmocka_unit_test(test_symlink_not_followed),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_remove_tree),
		cmocka_unit_test(test_create_errors),
	};

	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
