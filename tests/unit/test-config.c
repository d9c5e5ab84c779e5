/* SPDX-License-Identifier: MIT */
/*
 * test-config.c - loading (config_load, field by field), the public
 * handle and its accessors, dump and template against files written
 * to a temporary directory: defaults, every key, errors with their line,
 * warnings with suggestions, expansion, paths, long and continued lines.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "testutil.h"
#include "offload.h"
#include "config.h"
#include "framework.h"

static char tmpdir[1024];       /* realpath of the scratch directory */
static char cfgpath[1100];      /* the file load_text() writes */
static struct offload_config cfg;
static struct offload_error err;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* Write `text` to tmpdir/t.ini and load it. */
static int load_text(const char *text)
{
	snprintf(cfgpath, sizeof(cfgpath), "%s/t.ini", tmpdir);
	write_file(cfgpath, text);
	return config_load(&cfg, cfgpath, &err);
}

/*
 * Load must fail with OFFLOAD_ECONFIG and exactly "config 'PATH' line N: ..."
 * when `rest` is "line N: ...", else "config 'PATH': <rest>".
 */
static void expect_error(const char *text, const char *rest)
{
	char want[2048];

	assert_int_equal(load_text(text), OFFLOAD_ECONFIG);
	assert_int_equal(err.code, OFFLOAD_ECONFIG);
	snprintf(want, sizeof(want), "config '%s'%s %s", cfgpath,
		 strncmp(rest, "line ", 5) ? ":" : "", rest);
	assert_string_equal(err.msg, want);
	/* A failed load leaves nothing behind. */
	assert_null(cfg.path);
	assert_int_equal(cfg.groups_nr, 0);
}

static void expect_warning(size_t i, const char *rest)
{
	char want[2048];

	assert_true(i < cfg.warnings_nr);
	snprintf(want, sizeof(want), "config '%s' %s", cfgpath, rest);
	assert_string_equal(cfg.warnings[i], want);
}

static void expect_path(const char *got, const char *rel)
{
	char want[2048];

	snprintf(want, sizeof(want), "%s/%s", tmpdir, rel);
	assert_string_equal(got, want);
}

#define MINIMAL "[framework]\ntype = pytest\n[group.all]\n"

static void test_defaults(void **state)
{
	assert_int_equal(load_text(MINIMAL), 0);
	assert_string_equal(cfg.path, cfgpath);
	assert_string_equal(cfg.dir, tmpdir);
	assert_int_equal(cfg.max_parallel, 10);
	assert_true(cfg.test_timeout_secs == 900);
	assert_string_equal(cfg.working_dir, tmpdir);
	assert_int_equal(cfg.impatiently_requeue_batches, 0);
	assert_string_equal(cfg.provider_type, "local");
	assert_string_equal(cfg.shell, "/bin/sh");
	assert_string_equal(cfg.provider_working_dir, tmpdir);
	assert_int_equal(cfg.env_nr, 0);
	assert_ptr_equal(cfg.framework, &framework_pytest);
	/* Never python3 from PATH: that one may lack pytest. */
	assert_string_equal(cfg.command, "/usr/bin/python3 -m pytest");
	assert_string_equal(cfg.paths, "");
	assert_string_equal(cfg.run_args, "");
	assert_null(cfg.result_file);
	assert_string_equal(cfg.test_id_format, "{name}");
	assert_int_equal(cfg.groups_nr, 1);
	assert_string_equal(cfg.groups[0].name, "all");
	assert_int_equal(cfg.groups[0].retry_count, 0);
	assert_string_equal(cfg.groups[0].filters, "");
	assert_int_equal(cfg.groups[0].schedule_individual, 0);
	expect_path(cfg.output_dir, "test-results");
	assert_int_equal(cfg.junit, 1);
	expect_path(cfg.junit_file, "test-results/junit.xml");
	/* The history file outlives reports: beside them, not one. */
	expect_path(cfg.history_path, "test-results/history.tsv");
	assert_true(cfg.default_duration_secs == 1.0);
	assert_int_equal(cfg.history_samples, 5);
	assert_int_equal(cfg.history_forget, 20);
	assert_int_equal(cfg.warnings_nr, 0);
	config_release(&cfg);
	assert_null(cfg.path);
}

static void test_every_key(void **state)
{
	assert_int_equal(load_text(
		"[offload]\n"
		"max_parallel = 3\n"
		"test_timeout_secs = 2.5\n"
		"working_dir = /srv/w\n"
		"impatiently_requeue_batches = yes\n"
		"[provider]\n"
		"type = local\n"
		"shell = /bin/bash\n"
		"working_dir = /srv/p\n"
		"[provider.env]\n"
		"ZED = 1\n"
		"ALPHA = two words\n"
		"[framework]\n"
		"type = custom\n"
		"command = unused\n"
		"paths = a b\n"
		"run_args = -x\n"
		"discover_command = ./list {filters}\n"
		"run_command = ./run {tests} --out {result_file}\n"
		"result_file = out.xml\n"
		"test_id_format = {classname}.{name}\n"
		"[group.unit]\n"
		"retry_count = 2\n"
		"filters = -k fast\n"
		"schedule_individual = on\n"
		"[group.slow]\n"
		"[report]\n"
		"output_dir = /srv/out\n"
		"junit = off\n"
		"junit_file = r.xml\n"
		"[history]\n"
		"path = /srv/h.xml\n"
		"default_duration_secs = 0\n"
		"samples = 9\n"
		"forget_after_runs = 3\n"), 0);
	assert_int_equal(cfg.warnings_nr, 0);
	assert_int_equal(cfg.max_parallel, 3);
	assert_true(cfg.test_timeout_secs == 2.5);
	assert_string_equal(cfg.working_dir, "/srv/w");
	assert_int_equal(cfg.impatiently_requeue_batches, 1);
	assert_string_equal(cfg.shell, "/bin/bash");
	assert_string_equal(cfg.provider_working_dir, "/srv/p");
	assert_int_equal(cfg.env_nr, 2);
	assert_string_equal(cfg.env[0].name, "ZED");
	assert_string_equal(cfg.env[0].value, "1");
	assert_string_equal(cfg.env[1].name, "ALPHA");
	assert_string_equal(cfg.env[1].value, "two words");
	assert_ptr_equal(cfg.framework, &framework_custom);
	assert_string_equal(cfg.command, "unused");
	assert_string_equal(cfg.paths, "a b");
	assert_string_equal(cfg.run_args, "-x");
	assert_string_equal(cfg.discover_command, "./list {filters}");
	assert_string_equal(cfg.run_command,
			    "./run {tests} --out {result_file}");
	assert_string_equal(cfg.result_file, "out.xml");
	assert_string_equal(cfg.test_id_format, "{classname}.{name}");
	assert_int_equal(cfg.groups_nr, 2);
	assert_string_equal(cfg.groups[0].name, "unit");
	assert_int_equal(cfg.groups[0].retry_count, 2);
	assert_string_equal(cfg.groups[0].filters, "-k fast");
	assert_int_equal(cfg.groups[0].schedule_individual, 1);
	assert_string_equal(cfg.groups[1].name, "slow");
	assert_int_equal(cfg.groups[1].retry_count, 0);
	assert_string_equal(cfg.output_dir, "/srv/out");
	assert_int_equal(cfg.junit, 0);
	assert_string_equal(cfg.junit_file, "/srv/out/r.xml");
	assert_string_equal(cfg.history_path, "/srv/h.xml");
	assert_true(cfg.default_duration_secs == 0);
	assert_int_equal(cfg.history_samples, 9);
	assert_int_equal(cfg.history_forget, 3);
	config_release(&cfg);
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *section, *line, *rest;
	} cases[] = {
		{ "offload", "max_parallel = -3",
		  "bad value '-3' for 'max_parallel' (expected an integer >= 1)" },
		{ "offload", "max_parallel = many",
		  "bad value 'many' for 'max_parallel' (expected an integer >= 1)" },
		{ "offload", "max_parallel =",
		  "bad value '' for 'max_parallel' (expected an integer >= 1)" },
		{ "offload", "max_parallel = 10x",
		  "bad value '10x' for 'max_parallel' (expected an integer >= 1)" },
		{ "offload", "max_parallel = +4",
		  "bad value '+4' for 'max_parallel' (expected an integer >= 1)" },
		{ "offload", "max_parallel = 99999999999999999999999",
		  "bad value '99999999999999999999999' for 'max_parallel' (expected an integer >= 1)" },
		{ "offload", "max_parallel = 4294967296",
		  "bad value '4294967296' for 'max_parallel' (expected an integer >= 1)" },
		{ "offload", "max_parallel = 0",
		  "max_parallel must be at least 1" },
		{ "offload", "test_timeout_secs = 0",
		  "bad value '0' for 'test_timeout_secs' (expected a number > 0)" },
		{ "offload", "test_timeout_secs = -5",
		  "bad value '-5' for 'test_timeout_secs' (expected a number > 0)" },
		{ "offload", "test_timeout_secs = nan",
		  "bad value 'nan' for 'test_timeout_secs' (expected a number > 0)" },
		{ "offload", "test_timeout_secs = 1e999",
		  "bad value '1e999' for 'test_timeout_secs' (expected a number > 0)" },
		{ "offload", "test_timeout_secs = 5s",
		  "bad value '5s' for 'test_timeout_secs' (expected a number > 0)" },
		{ "offload", "impatiently_requeue_batches = sometimes",
		  "bad value 'sometimes' for 'impatiently_requeue_batches' (expected true/false, yes/no, on/off or 1/0)" },
		{ "offload", "working_dir =",
		  "empty value for 'working_dir'" },
		{ "group.g", "retry_count = -1",
		  "bad value '-1' for 'retry_count' (expected an integer >= 0)" },
		{ "group.g", "retry_count = 1.5",
		  "bad value '1.5' for 'retry_count' (expected an integer >= 0)" },
		{ "report", "junit = 2",
		  "bad value '2' for 'junit' (expected true/false, yes/no, on/off or 1/0)" },
		{ "history", "default_duration_secs = -0.5",
		  "bad value '-0.5' for 'default_duration_secs' (expected a number >= 0)" },
		{ "history", "samples = 0",
		  "samples must be at least 1" },
		{ "provider", "type = docker",
		  "unknown provider type 'docker' (valid types: local, command, ssh, slurm)" },
		{ "framework", "test_id_format =",
		  "empty value for 'test_id_format'" },
		{ "provider", "exec_command = ssh {hots} {command}",
		  "unknown placeholder '{hots}' in 'exec_command' (it has: image_id run_id index host sandbox_id command)" },
		{ "provider", "create_command = mk {sandbox_id}",
		  "unknown placeholder '{sandbox_id}' in 'create_command' (it has: image_id run_id index host)" },
		{ "provider.env", "BAD-NAME = 1",
		  "bad environment variable name 'BAD-NAME' in [provider.env]" },
		{ "provider.env", "1X = 1",
		  "bad environment variable name '1X' in [provider.env]" },
	};
	char text[512], rest[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The bad line is line 6, after a comment and a header. */
		snprintf(text, sizeof(text),
			 "[framework]\ntype = pytest\n[group.g]\n# x\n[%s]\n"
			 "%s\n",
			 cases[i].section, cases[i].line);
		snprintf(rest, sizeof(rest), "line 6: %s", cases[i].rest);
		expect_error(text, rest);
	}
	expect_error("[framework]\ntype = junit\n[group.a]\n",
		     "line 2: unknown framework type 'junit' (valid types: pytest, exec, custom, gtest, cargo, tap, vitest)");
}

static void test_booleans(void **state)
{
	static const struct {
		const char *text;
		int value;
	} cases[] = {
		{ "true", 1 }, { "TRUE", 1 }, { "Yes", 1 }, { "on", 1 },
		{ "1", 1 }, { "false", 0 }, { "NO", 0 }, { "Off", 0 },
		{ "0", 0 },
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 MINIMAL "schedule_individual = %s\n[report]\njunit = %s\n",
			 cases[i].text, cases[i].text);
		assert_int_equal(load_text(text), 0);
		assert_int_equal(cfg.groups[0].schedule_individual,
				 cases[i].value);
		assert_int_equal(cfg.junit, cases[i].value);
		config_release(&cfg);
	}
}

static void test_unknown_key(void **state)
{
	assert_int_equal(load_text(
		"[framework]\ntype = pytest\n"
		"[group.unit]\n"
		"retry_cont = 1\n"
		"flavour = sour\n"
		"[offload]\n"
		"max_paralel = 4\n"), 0);
	assert_int_equal(cfg.warnings_nr, 3);
	expect_warning(0, "line 4: unknown key 'retry_cont' in [group.unit] (did you mean 'retry_count'?)");
	expect_warning(1, "line 5: unknown key 'flavour' in [group.unit]");
	expect_warning(2, "line 7: unknown key 'max_paralel' in [offload] (did you mean 'max_parallel'?)");
	/* Warned about, not applied. */
	assert_int_equal(cfg.groups[0].retry_count, 0);
	assert_int_equal(cfg.max_parallel, 10);
	config_release(&cfg);
}

static void test_unknown_section(void **state)
{
	assert_int_equal(load_text(
		MINIMAL
		"[grup.x]\n"
		"retry_count = 1\n"
		"[Offload]\n"
		"[zebra]\n"
		"stripes = 3\n"
		"[grup.x]\n"), 0);
	/* One warning per section, none for the keys inside. */
	assert_int_equal(cfg.warnings_nr, 3);
	expect_warning(0, "line 4: unknown section [grup.x] (did you mean [group.x]?)");
	expect_warning(1, "line 6: unknown section [Offload] (did you mean [offload]?)");
	expect_warning(2, "line 7: unknown section [zebra]");
	assert_int_equal(cfg.groups_nr, 1);
	config_release(&cfg);

	expect_error("[framework]\ntype = pytest\n[group]\n",
		     "line 3: section [group] needs a name, as in [group.unit]");

	assert_int_equal(load_text("stray = 1\n" MINIMAL), 0);
	assert_int_equal(cfg.warnings_nr, 1);
	expect_warning(0, "line 1: key 'stray' is outside any section and is ignored");
	config_release(&cfg);

	/* A [provider] error's line is looked up past the stray key (which
	 * is in no section), and the error keeps the warning about it. */
	expect_error("stray = 1\n[provider]\ntype = ssh\nhosts = h\n"
		     "remote_dir = rel\n[framework]\ntype = pytest\n[group.a]\n",
		     "line 5: remote_dir 'rel' must be an absolute path; also "
		     "line 1: key 'stray' is outside any section and is ignored");
}

static void test_duplicate_key(void **state)
{
	expect_error("[framework]\ntype = pytest\n[group.a]\n"
		     "retry_count = 1\nfilters = x\nretry_count = 2\n",
		     "line 6: duplicate key 'retry_count' in [group.a] (first set on line 4)");
	/* Also across two headers of the same section. */
	expect_error("[offload]\nmax_parallel = 2\n" MINIMAL
		     "[offload]\nmax_parallel = 3\n",
		     "line 7: duplicate key 'max_parallel' in [offload] (first set on line 2)");
	/* The same key in two groups is fine. */
	assert_int_equal(load_text("[framework]\ntype = pytest\n"
				   "[group.a]\nretry_count = 1\n"
				   "[group.b]\nretry_count = 2\n"), 0);
	assert_int_equal(cfg.groups[0].retry_count, 1);
	assert_int_equal(cfg.groups[1].retry_count, 2);
	config_release(&cfg);
}

/*
 * 100k groups, each with a key: every header and every key is looked up
 * once, and a linear scan per lookup (as before) made this take 20 s.
 * Not timed; under valgrind the quadratic version would not finish.
 */
static void test_many_groups(void **state)
{
	enum { N = 100000 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	char want[64];
	size_t i;

	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs("[framework]\ntype = pytest\n", f);
	for (i = 0; i < N; i++)
		fprintf(f, "[group.g%zu]\nretry_count = %zu\n", i, i % 7);
	fputs("[group.g0]\nfilters = x\nretry_cont = 1\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(load_text(text), 0);
	assert_int_equal(cfg.groups_nr, N);
	for (i = 0; i < N; i += 9999) {
		snprintf(want, sizeof(want), "g%zu", i);
		assert_string_equal(cfg.groups[i].name, want);
		assert_int_equal(cfg.groups[i].retry_count, i % 7);
	}
	assert_string_equal(cfg.groups[0].filters, "x");
	assert_int_equal(cfg.warnings_nr, 1);
	expect_warning(0, "line 200005: unknown key 'retry_cont' in [group.g0] (did you mean 'retry_count'?)");
	config_release(&cfg);
	free(text);

	/* A duplicate far from its first setting names both lines. */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs("[framework]\ntype = pytest\n", f);
	for (i = 0; i < N; i++)
		fprintf(f, "[group.g%zu]\nretry_count = 1\n", i);
	fputs("[group.g1]\nretry_count = 2\n", f);
	assert_int_equal(fclose(f), 0);
	expect_error(text, "line 200004: duplicate key 'retry_count' in [group.g1] (first set on line 6)");
	free(text);
}

static void test_expansion(void **state)
{
	setenv("OFFLOAD_T_A", "abc", 1);
	setenv("OFFLOAD_T_EMPTY", "", 1);
	setenv("OFFLOAD_T_REF", "${OFFLOAD_T_A} $$", 1);
	unsetenv("OFFLOAD_T_UNSET");
	assert_int_equal(load_text(
		MINIMAL
		"[provider.env]\n"
		"V1 = ${OFFLOAD_T_A}/x\n"
		"V2 = ${OFFLOAD_T_UNSET:-dflt}\n"
		"V3 = ${OFFLOAD_T_EMPTY:-d2}\n"
		"V4 = ${OFFLOAD_T_A:-unused}\n"
		"V5 = $$HOME and $${X}\n"
		"V6 = a$b $ cost$ $1 $(x)\n"
		"V7 = ${OFFLOAD_T_REF}\n"
		"V8 = ${OFFLOAD_T_EMPTY}|${OFFLOAD_T_UNSET:-}|\n"
		"V9 = ${OFFLOAD_T_UNSET:-a b}}\n"
		/* ${} is empty: it keeps blanks, and a "${" ... "}" pair
		 * splits a value without adding a space */
		"V10 = ${}  pad\t${}\n"
		"V11 = one${\n\t}two${\n  }  three ${ }${\t}\n"
		"V12 = $${}\n"), 0);
	assert_int_equal(cfg.env_nr, 12);
	assert_string_equal(cfg.env[0].value, "abc/x");
	assert_string_equal(cfg.env[1].value, "dflt");
	assert_string_equal(cfg.env[2].value, "d2");
	assert_string_equal(cfg.env[3].value, "abc");
	assert_string_equal(cfg.env[4].value, "$HOME and ${X}");
	assert_string_equal(cfg.env[5].value, "a$b $ cost$ $1 $(x)");
	/* Expanded text is not expanded again. */
	assert_string_equal(cfg.env[6].value, "${OFFLOAD_T_A} $$");
	assert_string_equal(cfg.env[7].value, "||");
	assert_string_equal(cfg.env[8].value, "a b}");
	assert_string_equal(cfg.env[9].value, "  pad\t");
	assert_string_equal(cfg.env[10].value, "onetwo  three ");
	assert_string_equal(cfg.env[11].value, "${}");
	config_release(&cfg);

	/* Every value is expanded, paths too. */
	assert_int_equal(load_text(MINIMAL "[report]\noutput_dir = /r/${OFFLOAD_T_A}\n"), 0);
	assert_string_equal(cfg.output_dir, "/r/abc");
	config_release(&cfg);

	expect_error(MINIMAL "[report]\n\noutput_dir = ${OFFLOAD_T_UNSET}/x\n",
		     "line 6: environment variable 'OFFLOAD_T_UNSET' is not set (used in 'output_dir')");
	expect_error(MINIMAL "[report]\noutput_dir = ${OFFLOAD_T_A\n",
		     "line 5: bad variable reference '${OFFLOAD_T_A' in 'output_dir' (expected ${NAME} or ${NAME:-default}; write $$ for a literal $)");
	expect_error(MINIMAL "[report]\noutput_dir = ${9x}\n",
		     "line 5: bad variable reference '${9x}' in 'output_dir' (expected ${NAME} or ${NAME:-default}; write $$ for a literal $)");
	expect_error(MINIMAL "[report]\noutput_dir = ${A:-x\n",
		     "line 5: bad variable reference '${A:-x' in 'output_dir' (expected ${NAME} or ${NAME:-default}; write $$ for a literal $)");
	unsetenv("OFFLOAD_T_A");
	unsetenv("OFFLOAD_T_EMPTY");
	unsetenv("OFFLOAD_T_REF");
}

static void test_relative_paths(void **state)
{
	char sub[1100], path[1200], cwd[PATH_MAX];

	snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
	assert_true(mkdir(sub, 0777) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/ci.ini", sub);
	write_file(path,
		   "[offload]\nworking_dir = work\n"
		   "[provider]\nworking_dir = ../pw/\n"
		   "[framework]\ntype = pytest\n[group.a]\n"
		   "[report]\noutput_dir = ./out\njunit_file = j/r.xml\n"
		   "[history]\npath = h.xml\n");

	/* Load through a relative path to the file. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(config_load(&cfg, "sub/ci.ini", &err), 0);
	assert_int_equal(chdir(cwd), 0);

	assert_string_equal(cfg.path, "sub/ci.ini");
	expect_path(cfg.dir, "sub");
	expect_path(cfg.working_dir, "sub/work");
	expect_path(cfg.provider_working_dir, "sub/../pw");
	expect_path(cfg.output_dir, "sub/out");
	expect_path(cfg.junit_file, "sub/out/j/r.xml");
	expect_path(cfg.history_path, "sub/h.xml");
	config_release(&cfg);

	/* provider working_dir follows [offload] working_dir by default. */
	assert_int_equal(load_text("[offload]\nworking_dir = w\n" MINIMAL
				   "[report]\njunit_file = /abs/j.xml\n"), 0);
	expect_path(cfg.provider_working_dir, "w");
	assert_string_equal(cfg.junit_file, "/abs/j.xml");
	/* The history stays in output_dir when the report goes elsewhere. */
	expect_path(cfg.history_path, "test-results/history.tsv");
	config_release(&cfg);
}

static void test_long_line(void **state)
{
	char text[1024], rest[256], value[400];

	memset(value, 'x', 300);
	value[300] = '\0';
	snprintf(text, sizeof(text), MINIMAL "\nfilters = %s\nretry_count = 1\n",
		 value);
	expect_error(text, "line 5: line is longer than 199 bytes; continue a long value on indented lines");

	/* 199 bytes is the most a line may hold; with CRLF too. */
	memset(value, 'y', 189);
	value[189] = '\0';
	snprintf(text, sizeof(text), MINIMAL "filters = %s\r\n", value);
	assert_int_equal(strlen("filters = ") + strlen(value), 199);
	assert_int_equal(load_text(text), 0);
	assert_string_equal(cfg.groups[0].filters, value);
	config_release(&cfg);

	snprintf(text, sizeof(text), MINIMAL "filters = %sy\n", value);
	snprintf(rest, sizeof(rest), "line 4: line is longer than 199 bytes; continue a long value on indented lines");
	expect_error(text, rest);
}

static void test_continuation(void **state)
{
	struct {
		char text[2048];
		char want[1024];
	} *t = malloc(sizeof(*t));
	char part[5][100];
	size_t i;

	assert_non_null(t);
	strcpy(t->text, "[framework]\ntype = custom\ndiscover_command = ls\n"
	       "run_command =");
	t->want[0] = '\0';
	for (i = 0; i < 5; i++) {
		memset(part[i], 'a' + (int)i, 90);
		part[i][90] = '\0';
		strcat(t->text, i ? "\n    " : " ");
		strcat(t->text, part[i]);
		if (i)
			strcat(t->want, " ");
		strcat(t->want, part[i]);
	}
	/* A comment and a blank line do not end the value, a key does. */
	strcat(t->text, "\n# note\n\n\t then ; more ;\n"
	       "result_file = r.xml\n  --extra\n[group.a]\n");
	strcat(t->want, " then ; more ;");
	assert_true(strlen(t->want) > 400);
	assert_int_equal(load_text(t->text), 0);
	assert_int_equal(cfg.warnings_nr, 0);
	assert_string_equal(cfg.run_command, t->want);
	assert_string_equal(cfg.result_file, "r.xml --extra");
	config_release(&cfg);

	/* An indented key line after a header is a key, not a continuation. */
	assert_int_equal(load_text("[framework]\n  type = pytest\n"
				   "[group.a]\n  retry_count = 1\n"), 0);
	assert_int_equal(cfg.groups[0].retry_count, 1);
	config_release(&cfg);

	/* A continued value is checked whole, at the key's line. */
	expect_error(MINIMAL "retry_count = 1\n  2\n",
		     "line 4: bad value '1 2' for 'retry_count' (expected an integer >= 0)");
	free(t);
}

static void test_semicolons_and_comments(void **state)
{
	assert_int_equal(load_text(
		"; a comment\n"
		"# another\n"
		"[framework] ; trailing text after a header is ignored\n"
		"type = custom\n"
		"discover_command = printf 'a\\n' ; echo b ;echo c\t; true\n"
		"  ; an indented comment, not a continuation\n"
		"run_command = x ;\n"
		"test_id_format = a # b\n"
		"paths = ;x\n"
		"run_args =\t ; y\n"
		"[group.a]\n"), 0);
	assert_int_equal(cfg.warnings_nr, 0);
	assert_string_equal(cfg.discover_command,
			    "printf 'a\\n' ; echo b ;echo c\t; true");
	assert_string_equal(cfg.run_command, "x ;");
	assert_string_equal(cfg.test_id_format, "a # b");
	/* The blanks after '=' go, even before a ';'. */
	assert_string_equal(cfg.paths, ";x");
	assert_string_equal(cfg.run_args, "; y");
	config_release(&cfg);
}

static void test_crlf_and_bom(void **state)
{
	assert_int_equal(load_text(
		"\xef\xbb\xbf[offload]\r\nmax_parallel = 4\r\n"
		"[framework]\r\ntype = exec\r\npaths = t/*.sh\r\n"
		"[group.a]\r\nfilters = x\r\n"), 0);
	assert_int_equal(cfg.warnings_nr, 0);
	assert_int_equal(cfg.max_parallel, 4);
	assert_string_equal(cfg.paths, "t/*.sh");
	assert_string_equal(cfg.groups[0].filters, "x");
	config_release(&cfg);

	expect_error(MINIMAL "filters = a\x01z\n",
		     "line 4: control character 0x01 in line");
}

static void test_required(void **state)
{
	expect_error("[framework]\ntype = pytest\n[report]\n",
		     "no [group.NAME] section: at least one group is required");
	expect_error("[group.a]\n",
		     "no [framework] section (it needs 'type = X', X one of pytest, exec, custom, gtest, cargo, tap, vitest)");
	expect_error("[group.a]\n[framework]\ncommand = x\n",
		     "line 2: [framework] has no 'type' (pytest, exec, custom, gtest, cargo, tap, vitest)");
	expect_error("[group.a]\n[framework]\ntype = exec\n",
		     "line 3: framework type 'exec' needs 'paths' (globs of test programs)");
	expect_error("[framework]\ntype = custom\nrun_command = r\n[group.a]\n",
		     "line 2: framework type 'custom' needs 'discover_command' (a command printing one test ID per line)");
	expect_error("[framework]\ntype = custom\ndiscover_command = d\n[group.a]\n",
		     "line 2: framework type 'custom' needs 'run_command' (a command running one batch)");
}

static void test_syntax_errors(void **state)
{
	expect_error(MINIMAL "retry_count 3\nfilters = x\n",
		     "line 4: expected 'name = value', '[section]' or a comment");
	expect_error(MINIMAL "retry_count 3",
		     "line 4: expected 'name = value', '[section]' or a comment");
	expect_error("[framework\ntype = pytest\n",
		     "line 1: section header has no closing ']'");
	expect_error(MINIMAL "= 3\n", "line 4: missing key name before '='");
}

static void test_missing_file(void **state)
{
	char path[1100], want[1200];

	snprintf(path, sizeof(path), "%s/nope.ini", tmpdir);
	assert_int_equal(config_load(&cfg, path, &err), -ENOENT);
	snprintf(want, sizeof(want),
		 "cannot read config '%s': No such file or directory", path);
	assert_string_equal(err.msg, want);
	assert_null(cfg.path);
}

static void test_templates(void **state)
{
	static const char *const names[] = { "pytest", "exec", "custom", "gtest", "cargo" };
	static const struct framework_ops *const fw[] = {
		&framework_pytest, &framework_exec,
		&framework_custom, &framework_gtest, &framework_cargo,
	};
	char path[1100];
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "%s/%s.ini", tmpdir, names[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(offload_config_template(names[i], f), 0);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(config_load(&cfg, path, &err), 0);
		assert_int_equal(cfg.warnings_nr, 0);
		assert_ptr_equal(cfg.framework, fw[i]);
		assert_true(cfg.groups_nr >= 1);
		if (fw[i] == &framework_custom)
			assert_string_equal(cfg.run_command,
					    "for t in {tests}; do echo \"running $t\"; done");
		config_release(&cfg);
	}
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(offload_config_template("nextest", f), OFFLOAD_EUSAGE);
	fclose(f);
}

/* The complete example in docs/config.md loads without a warning. */
static void test_docs_example(void **state)
{
	FILE *f = fopen("docs/config.md", "r");
	char line[512];
	struct doc {
		char text[8192];
		size_t len;
	} *b = calloc(1, sizeof(*b));
	int in = 0;

	assert_non_null(b);
	if (!f) {
		free(b);
		skip(); /* not run from the source tree */
	}
	while (fgets(line, sizeof(line), f)) {
		if (!in && !strncmp(line, "```ini", 6)) {
			in = 1;
		} else if (in && !strncmp(line, "```", 3)) {
			break;
		} else if (in) {
			assert_true(b->len + strlen(line) < sizeof(b->text));
			strcpy(b->text + b->len, line);
			b->len += strlen(line);
		}
	}
	fclose(f);
	assert_true(b->len > 0);
	unsetenv("DATABASE_URL");
	assert_int_equal(load_text(b->text), 0);
	assert_int_equal(cfg.warnings_nr, 0);
	assert_int_equal(cfg.groups_nr, 2);
	assert_string_equal(cfg.run_args, "-p no:cacheprovider --strict-markers");
	config_release(&cfg);
	free(b);
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_config(const struct offload_config *a,
			       const struct offload_config *b)
{
	size_t i;

	assert_int_equal(a->max_parallel, b->max_parallel);
	assert_true(a->test_timeout_secs == b->test_timeout_secs);
	assert_same_str(a->working_dir, b->working_dir);
	assert_int_equal(a->impatiently_requeue_batches,
			 b->impatiently_requeue_batches);
	assert_same_str(a->provider_type, b->provider_type);
	assert_same_str(a->shell, b->shell);
	assert_same_str(a->provider_working_dir, b->provider_working_dir);
	assert_int_equal(a->env_nr, b->env_nr);
	for (i = 0; i < a->env_nr; i++) {
		assert_same_str(a->env[i].name, b->env[i].name);
		assert_same_str(a->env[i].value, b->env[i].value);
	}
	assert_ptr_equal(a->framework, b->framework);
	assert_same_str(a->command, b->command);
	assert_same_str(a->paths, b->paths);
	assert_same_str(a->run_args, b->run_args);
	assert_same_str(a->discover_command, b->discover_command);
	assert_same_str(a->run_command, b->run_command);
	assert_same_str(a->result_file, b->result_file);
	assert_same_str(a->test_id_format, b->test_id_format);
	assert_int_equal(a->groups_nr, b->groups_nr);
	for (i = 0; i < a->groups_nr; i++) {
		assert_same_str(a->groups[i].name, b->groups[i].name);
		assert_int_equal(a->groups[i].retry_count,
				 b->groups[i].retry_count);
		assert_same_str(a->groups[i].filters, b->groups[i].filters);
		assert_int_equal(a->groups[i].schedule_individual,
				 b->groups[i].schedule_individual);
	}
	assert_same_str(a->output_dir, b->output_dir);
	assert_int_equal(a->junit, b->junit);
	assert_same_str(a->junit_file, b->junit_file);
	assert_same_str(a->history_path, b->history_path);
	assert_true(a->default_duration_secs == b->default_duration_secs);
	assert_int_equal(a->history_samples, b->history_samples);
	assert_int_equal(a->history_forget, b->history_forget);
}

static void dump_and_reload(const char *text)
{
	struct offload_config again;
	char sub[1100], path[1200];
	FILE *f;

	assert_int_equal(load_text(text), 0);
	/* Reload from elsewhere: the dumped paths must be absolute. */
	snprintf(sub, sizeof(sub), "%s/dump", tmpdir);
	assert_true(mkdir(sub, 0777) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/dumped.ini", sub);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(offload_config_dump(&cfg, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(config_load(&again, path, &err), 0);
	assert_int_equal(again.warnings_nr, 0);
	assert_same_config(&cfg, &again);
	config_release(&again);
	config_release(&cfg);
}

static void test_dump_reloads(void **state)
{
	char text[2048], word[40];
	size_t i;

	dump_and_reload(MINIMAL);
	strcpy(text,
	       "[offload]\nmax_parallel = 7\ntest_timeout_secs = 0.1\n"
	       "impatiently_requeue_batches = true\n"
	       "[provider]\nworking_dir = run\n"
	       "[provider.env]\nB = $$x ; y\nA = \n"
	       "[framework]\ntype = custom\n"
	       "discover_command = printf '%s\\n' a b ; echo '$$HOME'\n"
	       "result_file = out.xml\ntest_id_format = {classname}::{name}\n"
	       "run_command = run");
	/* A long value: the dump must split it over continuation lines. */
	for (i = 0; i < 40; i++) {
		snprintf(word, sizeof(word), "\n  word%zu ; $$x", i);
		strcat(text, word);
	}
	strcat(text, "\n[group.b]\nretry_count = 3\nfilters = -m 'not slow'\n"
	       "schedule_individual = 1\n[group.a]\n"
	       "[report]\njunit = no\noutput_dir = o\n"
	       "[history]\ndefault_duration_secs = 2.25\nsamples = 2\n"
	       "forget_after_runs = 1\n");
	dump_and_reload(text);
	dump_and_reload("[framework]\ntype = exec\npaths = t/*\n[group.x y]\n"
			"[history]\npath = /h.xml\n");
}

/* Dump cfg to `path`; fail if a line is longer than the loader takes. */
static char *dump_to(const char *path)
{
	char *text, *p, *nl;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(offload_config_dump(&cfg, f), 0);
	assert_int_equal(fclose(f), 0);
	text = slurp(path, NULL);
	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (nl - p > 199)
			fail_msg("dumped line of %d bytes: %.60s...",
				 (int)(nl - p), p);
	}
	return text;
}

/*
 * Values as hostile as a variable can make them (anything but control
 * characters other than tab): long runs with no blank, blanks at both
 * ends, " ; ", '#', '$' in every position relative to a line break,
 * non-UTF-8.  validate's output must load back to the same bytes, and
 * dumping that gives the same text again.
 */
static const char *const pieces[] = {
	"x", "x", "x", "x", " ", "\t", ";", " ; ", "#", "$", "$$", "${",
	"}", "${V}", "${ }", "\xff\xfe", "\xc3\xa9", "=", "[", "\\",
};

static void hostile_value(char *v, size_t want, unsigned *seed)
{
	size_t len = 0;

	while (len < want) {
		const char *p;

		*seed = *seed * 1103515245u + 12345u;
		p = pieces[(*seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
		if (len + strlen(p) > want)
			p = "y";
		strcpy(v + len, p);
		len += strlen(p);
	}
	v[len] = '\0';
}

static void round_trip(const char *value)
{
	static const char *const keys[] = {
		"command", "paths", "run_args", "discover_command",
		"run_command", "result_file", "test_id_format",
	};
	char path[1200], path2[1200], *text, *text2;
	struct offload_config again;
	FILE *f;
	size_t i;

	setenv("OFFLOAD_T_V", value, 1);
	snprintf(cfgpath, sizeof(cfgpath), "%s/t.ini", tmpdir);
	f = fopen(cfgpath, "w");
	assert_non_null(f);
	fputs("[offload]\nworking_dir = /${OFFLOAD_T_V}\n"
	      "[provider]\nshell = ${OFFLOAD_T_V}.\n"
	      "[provider.env]\nA = ${OFFLOAD_T_V}\n", f);
	/* The longest name a line allows, its value on the next line. */
	for (i = 0; i < 198; i++)
		fputc(i ? 'N' : '_', f);
	fputs("=\n\t${OFFLOAD_T_V}\n[framework]\ntype = pytest\n", f);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		fprintf(f, "%s = ${OFFLOAD_T_V}%s\n", keys[i],
			i > 4 ? "." : "");
	fputs("[group.g]\nfilters = ${OFFLOAD_T_V}\n"
	      "[report]\noutput_dir = /o${OFFLOAD_T_V}\n"
	      "junit_file = /j${OFFLOAD_T_V}\n"
	      "[history]\npath = /h${OFFLOAD_T_V}\n", f);
	assert_int_equal(fclose(f), 0);
	if (config_load(&cfg, cfgpath, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.warnings_nr, 0);
	assert_string_equal(cfg.groups[0].filters, value);
	assert_memory_equal(cfg.env[1].value, value, strlen(value) + 1);

	snprintf(path, sizeof(path), "%s/dumped.ini", tmpdir);
	text = dump_to(path);
	if (config_load(&again, path, &err))
		fail_msg("%s\nvalue: '%s'\ndump:\n%s", err.msg, value, text);
	assert_int_equal(again.warnings_nr, 0);
	assert_same_config(&cfg, &again);
	config_release(&cfg);
	cfg = again;
	snprintf(path2, sizeof(path2), "%s/dumped2.ini", tmpdir);
	text2 = dump_to(path2);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	config_release(&cfg);
	unsetenv("OFFLOAD_T_V");
}

static void test_dump_hostile_values(void **state)
{
	char *v = malloc(2048);
	unsigned seed = 7;
	size_t len;

	assert_non_null(v);
	/* A '$' at every offset around where lines break. */
	for (len = 180; len < 420; len++) {
		memset(v, 'x', len);
		v[len] = '\0';
		round_trip(v);
		v[len - 1] = '$';
		round_trip(v);
		memset(v, '$', len);
		round_trip(v);
		memset(v, ' ', len);
		round_trip(v);
	}
	round_trip(" ");
	round_trip("\t");
	round_trip(" ; ");
	round_trip("# not a comment");
	round_trip("  lead and trail\t ");
	round_trip("\xff\xfe\xfd not UTF-8 \x80");
	for (len = 0; len < 200; len++) {
		hostile_value(v, 1 + (len * 37) % 1500, &seed);
		round_trip(v);
	}
	free(v);
}

/* Load `text`, dump it, load the dump: the same settings, no warning. */
static void reload_same(const char *text)
{
	char path[1200], *dumped;
	struct offload_config again;

	if (load_text(text))
		fail_msg("%s", err.msg);
	snprintf(path, sizeof(path), "%s/dumped.ini", tmpdir);
	dumped = dump_to(path);
	if (config_load(&again, path, &err))
		fail_msg("%s\ndump:\n%s", err.msg, dumped);
	assert_int_equal(again.warnings_nr, 0);
	assert_same_config(&cfg, &again);
	config_release(&again);
	free(dumped);
}

/*
 * The inputs tests/fuzz/fuzz-config.c found (kept in the fuzzing
 * campaign's findings as repro-*.ini), each as it was found: the dump
 * of what loaded did not load again, or loaded to other values.
 */
static void test_dump_fuzz_findings(void **state)
{
	char text[1024], a[151], l[251];

	(void)state;
	/* `key = ;x` is ";x", not " ;x"; so is `key =;x`. */
	reload_same("[framework]\ntype = exec\npaths = ;x\n"
		    "[group.a]\nfilters =;y\n");
	assert_string_equal(cfg.paths, ";x");
	assert_string_equal(cfg.groups[0].filters, ";y");
	config_release(&cfg);

	/* A long value whose only blanks late in the line are a tab and a
	 * space: the tab stays. */
	memset(a, 'a', 150);
	a[150] = '\0';
	snprintf(text, sizeof(text),
		 "[framework]\ntype = exec\npaths = t/*\n[group.a]\n"
		 "filters = -k %s\n\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\t cccccccccccccccccccc\n",
		 a);
	reload_same(text);
	assert_non_null(strstr(cfg.groups[0].filters, "bbb\t ccc"));
	config_release(&cfg);

	/* Blanks at the ends of a value, which only ${VAR} can give. */
	setenv("OFFLOAD_T_FS", " x ;y ", 1);
	reload_same("[framework]\ntype = exec\npaths = ${OFFLOAD_T_FS}\n[group.a]\n");
	assert_string_equal(cfg.paths, " x ;y ");
	config_release(&cfg);
	unsetenv("OFFLOAD_T_FS");

	/* 250 bytes without a space (issue 7, case 8). */
	memset(l, 'L', 250);
	l[250] = '\0';
	setenv("OFFLOAD_T_FL", l, 1);
	reload_same("[framework]\ntype = exec\npaths = ${OFFLOAD_T_FL}\n[group.a]\n");
	assert_string_equal(cfg.paths, l);
	config_release(&cfg);
	unsetenv("OFFLOAD_T_FL");
}

/*
 * `offload validate` prints the chosen framework's keys (issue 11: an
 * exec configuration showed pytest's `command` and custom's
 * `test_id_format`, defaults it never reads); another framework's key
 * only when the file sets it, so that the dump still loads to the same.
 */
static void test_dump_chosen_framework_only(void **state)
{
	char path[1200], *text;

	(void)state;
	assert_int_equal(load_text("[framework]\ntype = exec\npaths = t/*\n[group.a]\n"), 0);
	snprintf(path, sizeof(path), "%s/dumped.ini", tmpdir);
	text = dump_to(path);
	assert_non_null(strstr(text, "\n[framework]\ntype = exec\npaths = t/*\n\n"));
	free(text);
	config_release(&cfg);
	reload_same("[framework]\ntype = exec\npaths = t/*\nrun_args = -x\n"
		    "command = /usr/bin/python3 -m pytest\ntest_id_format = {id}\n[group.a]\n");
	text = dump_to(path);
	assert_non_null(strstr(text, "\n[framework]\ntype = exec\npaths = t/*\n"
			       "run_args = -x\ntest_id_format = {id}\n\n"));
	free(text);
	config_release(&cfg);

	/* every framework: its template's dump has its own keys only */
	for (size_t i = 0; offload_framework_name(i); i++) {
		const char *name = offload_framework_name(i);
		const struct framework_ops *fw = framework_find(name);
		char *p;
		FILE *f;

		assert_non_null(fw);
		snprintf(path, sizeof(path), "%s/template-%s.ini", tmpdir, name);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(offload_config_template(name, f), 0);
		assert_int_equal(fclose(f), 0);
		if (config_load(&cfg, path, &err))
			fail_msg("%s template: %s", name, err.msg);
		assert_int_equal(cfg.warnings_nr, 0);
		snprintf(path, sizeof(path), "%s/dumped-%s.ini", tmpdir, name);
		text = dump_to(path);
		p = strstr(text, "\n[framework]\n");
		assert_non_null(p);
		for (p = strchr(p + 1, '\n') + 1; *p && *p != '\n' && *p != '[';
		     p = strchr(p, '\n') + 1) {
			const struct framework_key *k = fw->keys;
			size_t n = strcspn(p, " =");

			if (n == 4 && !strncmp(p, "type", 4))
				continue;
			while (k->name && (strlen(k->name) != n || strncmp(k->name, p, n)))
				k++;
			if (!k->name)
				fail_msg("framework %s: dump has '%.*s', not one of its keys",
					 name, (int)n, p);
		}
		free(text);
		config_release(&cfg);
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char templ[PATH_MAX], *real;
	int n;

	snprintf(templ, sizeof(templ), "%s/test-config.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(templ) || !(real = realpath(templ, NULL)))
		return -1;
	n = snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	return n > 0 && (size_t)n < sizeof(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------ */
/* The public handle: what a program that sees only offload.h can do.  */

/* offload_config_get of `key` must give `want` (NULL: no value). */
static void expect_get(const struct offload_config *h, const char *key,
		       const char *want)
{
	char *v = (char *)"unset";

	assert_int_equal(offload_config_get(h, key, &v, &err), 0);
	if (want)
		assert_string_equal(v, want);
	else
		assert_null(v);
	free(v);
}

static void expect_get_error(const struct offload_config *h, const char *key,
			     const char *msg)
{
	char *v = (char *)"unset";

	assert_int_equal(offload_config_get(h, key, &v, &err), OFFLOAD_EUSAGE);
	assert_null(v);
	assert_int_equal(err.code, OFFLOAD_EUSAGE);
	assert_string_equal(err.msg, msg);
}

static struct offload_config *load_handle(const char *text)
{
	struct offload_config *h = (struct offload_config *)&h;

	snprintf(cfgpath, sizeof(cfgpath), "%s/t.ini", tmpdir);
	write_file(cfgpath, text);
	if (offload_config_load(&h, cfgpath, &err))
		fail_msg("%s", err.msg);
	assert_non_null(h);
	return h;
}

static void test_handle_get(void **state)
{
	struct offload_config *h;
	char want[2048];

	h = load_handle("[offload]\nmax_parallel = 3\nbogus = 1\n"
			"[provider.env]\nA = one\nB = two words\n"
			"[framework]\ntype = custom\nrun_command = run {tests}\n"
			"discover_command = ls\n"
			"[group.unit]\nretry_count = 2\n"
			"[group.a.b c]\nschedule_individual = yes\n"
			"[history]\ndefault_duration_secs = 0.25\n");
	expect_get(h, "offload.max_parallel", "3");
	expect_get(h, "offload.test_timeout_secs", "900");
	expect_get(h, "offload.impatiently_requeue_batches", "false");
	expect_get(h, "offload.working_dir", tmpdir);
	expect_get(h, "provider.type", "local");
	expect_get(h, "provider.env.B", "two words");
	expect_get(h, "provider.env.A", "one");
	expect_get(h, "provider.env.UNSET", NULL);
	expect_get(h, "framework.type", "custom");
	expect_get(h, "framework.run_command", "run {tests}");
	expect_get(h, "framework.result_file", NULL);
	expect_get(h, "group.unit.retry_count", "2");
	expect_get(h, "group.a.b c.schedule_individual", "true");
	expect_get(h, "group.a.b c.retry_count", "0");
	expect_get(h, "report.junit", "true");
	snprintf(want, sizeof(want), "%s/test-results/junit.xml", tmpdir);
	expect_get(h, "report.junit_file", want);
	snprintf(want, sizeof(want), "%s/test-results/history.tsv", tmpdir);
	expect_get(h, "history.path", want);
	expect_get(h, "history.samples", "5");
	expect_get(h, "history.default_duration_secs", "0.25");
	expect_get(h, "path", cfgpath);
	expect_get(h, "dir", tmpdir);

	expect_get_error(h, "offload.bogus", "unknown key 'offload.bogus'");
	expect_get_error(h, "nosuch.max_parallel",
			 "unknown key 'nosuch.max_parallel'");
	expect_get_error(h, "max_parallel", "unknown key 'max_parallel'");
	expect_get_error(h, "", "unknown key ''");
	expect_get_error(h, "provider.env.1X", "unknown key 'provider.env.1X'");
	expect_get_error(h, "group.nope.retry_count",
			 "no group 'nope' for key 'group.nope.retry_count'");
	expect_get_error(h, "group.unit.filter",
			 "unknown key 'group.unit.filter'");

	assert_int_equal(offload_config_groups_nr(h), 2);
	assert_string_equal(offload_config_group_name(h, 0), "unit");
	assert_string_equal(offload_config_group_name(h, 1), "a.b c");
	assert_null(offload_config_group_name(h, 2));
	assert_int_equal(offload_config_warnings_nr(h), 1);
	snprintf(want, sizeof(want),
		 "config '%s' line 3: unknown key 'bogus' in [offload]", cfgpath);
	assert_non_null(strstr(offload_config_warning(h, 0), want));
	assert_null(offload_config_warning(h, 1));
	offload_config_free(h);
	offload_config_free(NULL);
}

static void test_handle_load_fails(void **state)
{
	struct offload_config *h = (struct offload_config *)&h;
	char path[1200];

	snprintf(path, sizeof(path), "%s/absent.ini", tmpdir);
	assert_int_equal(offload_config_load(&h, path, &err), -ENOENT);
	assert_null(h);
	snprintf(cfgpath, sizeof(cfgpath), "%s/t.ini", tmpdir);
	write_file(cfgpath, "[offload]\nmax_parallel = 0\n" MINIMAL);
	h = (struct offload_config *)&h;
	assert_int_equal(offload_config_load(&h, cfgpath, &err), OFFLOAD_ECONFIG);
	assert_null(h);
	assert_non_null(strstr(err.msg, "line 2: max_parallel must be at least 1"));
}

static void test_handle_set(void **state)
{
	struct offload_config *h = load_handle(MINIMAL);
	char want[2048], *dump = NULL;
	size_t len = 0;
	FILE *f;

	/* What the command's --junit does. */
	assert_int_equal(offload_config_set(h, "report.junit_file", "/x/r.xml", &err), 0);
	assert_int_equal(offload_config_set(h, "history.path", "/x/r.xml", &err), 0);
	assert_int_equal(offload_config_set(h, "report.junit", "no", &err), 0);
	assert_int_equal(offload_config_set(h, "group.all.retry_count", "4", &err), 0);
	assert_int_equal(offload_config_set(h, "offload.test_timeout_secs", "1.5", &err), 0);
	assert_int_equal(offload_config_set(h, "framework.run_args", "", &err), 0);
	expect_get(h, "report.junit_file", "/x/r.xml");
	expect_get(h, "history.path", "/x/r.xml");
	expect_get(h, "report.junit", "false");
	expect_get(h, "group.all.retry_count", "4");
	expect_get(h, "offload.test_timeout_secs", "1.5");
	expect_get(h, "framework.run_args", "");

	/* Checked as the loader checks; a refused value changes nothing. */
	assert_int_equal(offload_config_set(h, "offload.max_parallel", "0", &err),
			 OFFLOAD_ECONFIG);
	snprintf(want, sizeof(want),
		 "config '%s': offload.max_parallel must be at least 1", cfgpath);
	assert_string_equal(err.msg, want);
	expect_get(h, "offload.max_parallel", "10");
	assert_int_equal(offload_config_set(h, "report.junit_file", "", &err),
			 OFFLOAD_ECONFIG);
	snprintf(want, sizeof(want),
		 "config '%s': empty value for 'report.junit_file'", cfgpath);
	assert_string_equal(err.msg, want);
	expect_get(h, "report.junit_file", "/x/r.xml");
	assert_int_equal(offload_config_set(h, "report.junit", "maybe", &err),
			 OFFLOAD_ECONFIG);
	expect_get(h, "report.junit", "false");

	assert_int_equal(offload_config_set(h, "framework.type", "exec", &err),
			 OFFLOAD_EUSAGE);
	assert_string_equal(err.msg,
			    "key 'framework.type' cannot be set after loading");
	assert_int_equal(offload_config_set(h, "provider.type", "local", &err),
			 OFFLOAD_EUSAGE);
	assert_int_equal(offload_config_set(h, "provider.env.X", "1", &err),
			 OFFLOAD_EUSAGE);
	assert_int_equal(offload_config_set(h, "dir", "/", &err), OFFLOAD_EUSAGE);
	assert_int_equal(offload_config_set(h, "report.nope", "1", &err),
			 OFFLOAD_EUSAGE);
	assert_string_equal(err.msg, "unknown key 'report.nope'");

	/* The dump, which the Make module's cache keys on, sees the change. */
	assert_non_null(f = open_memstream(&dump, &len));
	assert_int_equal(offload_config_dump(h, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(dump, "\njunit_file = /x/r.xml\n"));
	assert_non_null(strstr(dump, "\nretry_count = 4\n"));
	free(dump);
	offload_config_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_many_groups),
		cmocka_unit_test(test_expansion),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_semicolons_and_comments),
		cmocka_unit_test(test_crlf_and_bom),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_dump_chosen_framework_only),
		cmocka_unit_test(test_docs_example),
		cmocka_unit_test(test_dump_reloads),
		cmocka_unit_test(test_dump_hostile_values),
		cmocka_unit_test(test_handle_get),
		cmocka_unit_test(test_handle_load_fails),
		cmocka_unit_test(test_handle_set),
		cmocka_unit_test(test_dump_fuzz_findings),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
