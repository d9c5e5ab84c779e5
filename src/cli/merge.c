/* SPDX-License-Identifier: MIT */
/*
 * merge.c - `offload merge`: several JUnit files into one report, for a
 * repository whose components are tested separately (and only when they
 * change) but whose CI wants one file.  The work is offload_junit_merge();
 * this file only parses the command line and maps errors to exit codes.
 * `offload report-error` writes the report of a step that ran no test
 * (a failed build), so that the merged report shows it failed.
 * `offload history merge` joins duration histories (a git merge driver).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char merge_usage[] =
"usage: offload merge -o OUT FILE...\n"
"  merge JUnit files into one report OUT: every <testsuite> of every FILE,\n"
"  in order, under one <testsuites> whose counts are the suites' sums.\n"
"  OUT is written atomically, and only when every FILE could be read;\n"
"  it may be one of the FILEs.\n"
"  Reports of 'offload run --shard K/N' are checked: one N and one split\n"
"  for all, every shard given once, no test in two shards.  If they do\n"
"  not fit, OUT is still written, with a failed case 'offload merge' /\n"
"  'shards' saying why, the problems are printed and the exit status is 1.\n"
"  -o, --output OUT   the merged report (parent directories are created)\n";

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct offload_error err = { 0 };
	const char *out = NULL;
	char *problems = NULL, *line, *nl;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h':
			fputs(merge_usage, stdout);
			return 0;
		default:
			fputs(merge_usage, stderr);
			return OFFLOAD_EXIT_USAGE;
		}
	}
	if (!out || optind >= argc) {
		cli_error("merge needs -o OUT and at least one FILE");
		fputs(merge_usage, stderr);
		return OFFLOAD_EXIT_USAGE;
	}
	ret = offload_junit_merge_shards(out, (const char *const *)(argv + optind),
					 (size_t)(argc - optind), &problems,
					 &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		/* An input we cannot use is the caller's problem; I/O is ours. */
		return ret == OFFLOAD_EPARSE || ret == OFFLOAD_EUSAGE ?
		       OFFLOAD_EXIT_USAGE : OFFLOAD_EXIT_INTERNAL;
	}
	if (!problems)
		return 0;
	/* Written, but a green merge must mean every shard's tests, once:
	 * exit 1, as a run whose tests did not all run. */
	cli_error("merge: the shard reports do not fit together (written to "
		  "'%s' with a failed case 'offload merge' / 'shards'):", out);
	for (line = problems; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		fprintf(stderr, "offload:   %.*s\n", (int)(nl - line), line);
	}
	free(problems);
	return OFFLOAD_EXIT_FAILED;
}

static const char report_error_usage[] =
"usage: offload report-error -o OUT [--suite NAME] [--log FILE] CASE MESSAGE\n"
"  write OUT as a JUnit report of one failed test case CASE (in suite\n"
"  NAME, default CASE) whose failure says MESSAGE, with FILE's text (at\n"
"  most its last 1 MiB) as its output: a step that ran no test, such as a\n"
"  build that failed, then shows as failed in a merged report.\n"
"  OUT is written atomically (parent directories are created).\n";

/* The last `cap` bytes of `path` (all of it when smaller), or NULL with
 * errno set. */
static char *read_tail(const char *path, long cap)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long size;
	size_t n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0)
		goto out;
	if (fseek(f, size > cap ? size - cap : 0, SEEK_SET))
		goto out;
	size = size > cap ? cap : size;
	if (!(text = malloc((size_t)size + 1)))
		goto out;
	n = fread(text, 1, (size_t)size, f);
	text[n] = '\0';
	/* A NUL would end the text early: show it instead. */
	for (size_t i = 0; i < n; i++)
		if (!text[i])
			text[i] = ' ';
out:
	fclose(f);
	return text;
}

int cmd_report_error(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "suite", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct offload_error err = { 0 };
	const char *out = NULL, *suite = NULL, *log = NULL;
	char *text = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's': suite = optarg; break;
		case 'l': log = optarg; break;
		case 'h':
			fputs(report_error_usage, stdout);
			return 0;
		default:
			fputs(report_error_usage, stderr);
			return OFFLOAD_EXIT_USAGE;
		}
	}
	if (!out || argc - optind != 2 || !*argv[optind]) {
		cli_error("report-error needs -o OUT, a CASE and a MESSAGE");
		fputs(report_error_usage, stderr);
		return OFFLOAD_EXIT_USAGE;
	}
	if (log && !(text = read_tail(log, 1L << 20))) {
		cli_error("cannot read log '%s': %s", log, strerror(errno));
		return OFFLOAD_EXIT_USAGE;
	}
	ret = offload_junit_write_failure(out, suite ? suite : argv[optind],
					  argv[optind], argv[optind + 1], text,
					  &err);
	free(text);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		return OFFLOAD_EXIT_INTERNAL;
	}
	return 0;
}

static const char history_usage[] =
"usage: offload history merge [-c CONFIG] [-o OUT] FILE...\n"
"  merge duration history files ([history] path) into OUT (default: the\n"
"  first FILE): every sample of every FILE kept once, then bounded as a\n"
"  run bounds it (with -c, by that file's [history] samples and\n"
"  forget_after_runs; else 5 and 20).  The order of the FILEs does not\n"
"  matter.  OUT is written atomically, and only when every FILE could be\n"
"  read.  As a git merge driver (docs/history.md):\n"
"    git config merge.offload-history.driver 'offload history merge %A %B'\n"
"  -c, --config FILE  take the bounds from this configuration\n"
"  -o, --output OUT   the merged history (parent directories are created)\n";

/* [history] `key` of `cfg` as a number; 0 (the default) when unreadable. */
static unsigned history_bound_of(const struct offload_config *cfg,
				 const char *key)
{
	struct offload_error err = { 0 };
	char *v = NULL;
	unsigned long n = 0;

	if (!offload_config_get(cfg, key, &v, &err) && v)
		n = strtoul(v, NULL, 10);
	free(v);
	return n > 1000000 ? 1000000 : (unsigned)n;
}

int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct offload_error err = { 0 };
	struct offload_config *cfg = NULL;
	const char *out = NULL, *config = NULL;
	unsigned samples = 0, forget = 0;
	int c, ret;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(history_usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "merge")) {
		cli_error("history needs a subcommand: merge");
		fputs(history_usage, stderr);
		return OFFLOAD_EXIT_USAGE;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "o:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'c': config = optarg; break;
		case 'h':
			fputs(history_usage, stdout);
			return 0;
		default:
			fputs(history_usage, stderr);
			return OFFLOAD_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("history merge needs at least one FILE");
		fputs(history_usage, stderr);
		return OFFLOAD_EXIT_USAGE;
	}
	if (config) {
		if ((ret = cli_load_config(&cfg, config)))
			return ret;
		samples = history_bound_of(cfg, "history.samples");
		forget = history_bound_of(cfg, "history.forget_after_runs");
		offload_config_free(cfg);
	}
	ret = offload_history_merge(out ? out : argv[optind],
				    (const char *const *)(argv + optind),
				    (size_t)(argc - optind), samples, forget, &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		return ret == OFFLOAD_EPARSE || ret == -ENOENT ?
		       OFFLOAD_EXIT_USAGE : OFFLOAD_EXIT_INTERNAL;
	}
	return 0;
}
