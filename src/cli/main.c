/* SPDX-License-Identifier: MIT */
/*
 * main.c - the `offload` command: subcommand dispatch, --help, --version
 * and the helpers the subcommands share.  The command sees only
 * include/offload.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
"usage: offload [--version] [--help] <command> [options]\n"
"\n"
"commands:\n"
"  run       discover, run and report the tests (the default work)\n"
"  collect   list the tests that would run\n"
"  validate  check the configuration and print the effective settings\n"
"  init      write a starter offload.ini\n"
"  logs      show the output of tests from the last report\n"
"  merge     merge JUnit files into one report\n"
"  report    write the HTML report of a JUnit file\n"
"  report-error  write a report of one failed step (a failed build)\n"
"  history   merge duration history files (a git merge driver)\n"
"\n"
"common options:\n"
"  -c, --config FILE   configuration file (default: offload.ini)\n"
"\n"
"exit codes: 0 all passed, 1 a test failed or was not run, 2 all passed\n"
"but some only on retry (flaky), 3 configuration or usage error,\n"
"4 internal error, 128+N interrupted by signal N.\n"
"Run 'offload <command> --help' for a command's options.\n";

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("offload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_put_id(FILE *out, const char *id)
{
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
}

int cli_load_config(struct offload_config **cfgp, const char *path)
{
	struct offload_error err = { 0 };
	int ret = offload_config_load(cfgp, path, &err);

	if (ret) {
		cli_error("%s%s", err.msg[0] ? err.msg : offload_strerror(ret),
			  ret == -ENOENT ? " (write one with 'offload init')" : "");
		return OFFLOAD_EXIT_USAGE;
	}
	for (size_t i = 0; i < offload_config_warnings_nr(*cfgp); i++)
		fprintf(stderr, "offload: warning: %s\n",
			offload_config_warning(*cfgp, i));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run }, { "collect", cmd_collect },
		{ "validate", cmd_validate }, { "init", cmd_init },
		{ "logs", cmd_logs }, { "merge", cmd_merge },
		{ "report-error", cmd_report_error },
		{ "report", cmd_report },
		{ "history", cmd_history },
	};

	if (argc < 2) {
		fputs(usage, stderr);
		return OFFLOAD_EXIT_USAGE;
	}
	/* `offload help run` is `offload run --help` */
	if (!strcmp(argv[1], "help") && argc > 2) {
		static char help[] = "--help";
		char *args[3] = { argv[2], help, NULL };

		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[2], cmds[i].name))
				return cmds[i].fn(2, args);
		cli_error("unknown command '%s' (see 'offload --help')", argv[2]);
		return OFFLOAD_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("offload %s\n", OFFLOAD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			/* getopt's messages then say "offload run: ..." */
			char name[64];

			snprintf(name, sizeof(name), "offload %s", cmds[i].name);
			argv[1] = name;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	cli_error("unknown command '%s' (see 'offload --help')", argv[1]);
	return OFFLOAD_EXIT_USAGE;
}
