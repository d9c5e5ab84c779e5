/* SPDX-License-Identifier: MIT */
/*
 * merge.c - `offload merge`: several JUnit files into one report, for a
 * repository whose components are tested separately (and only when they
 * change) but whose CI wants one file.  The work is offload_junit_merge();
 * this file only parses the command line and maps errors to exit codes.
 */
#include <getopt.h>
#include <stdio.h>
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
