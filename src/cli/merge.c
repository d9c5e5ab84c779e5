/* SPDX-License-Identifier: MIT */
/*
 * merge.c - `offload merge`: several JUnit files into one report, for a
 * repository whose components are tested separately (and only when they
 * change) but whose CI wants one file.  The work is offload_junit_merge();
 * this file only parses the command line and maps errors to exit codes.
 * `offload report-error` writes the report of a step that ran no test
 * (a failed build), so that the merged report shows it failed.
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
	ret = offload_junit_merge(out, (const char *const *)(argv + optind),
				  (size_t)(argc - optind), &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		/* An input we cannot use is the caller's problem; I/O is ours. */
		return ret == OFFLOAD_EPARSE || ret == OFFLOAD_EUSAGE ?
		       OFFLOAD_EXIT_USAGE : OFFLOAD_EXIT_INTERNAL;
	}
	return 0;
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
