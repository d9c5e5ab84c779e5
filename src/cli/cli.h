/* SPDX-License-Identifier: MIT */
/* cli.h - shared bits of the `offload` command's subcommands. */
#ifndef OFFLOAD_CLI_H
#define OFFLOAD_CLI_H
#include "offload.h"

/* Options common to every subcommand. */
struct cli_common {
	const char *config;       /* -c FILE, default "offload.ini" */
	int verbose;
};

int cmd_run(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report_error(int argc, char **argv);
int cmd_history(int argc, char **argv);

/* Load the configuration, printing warnings; exit code on failure or 0. */
int cli_load_config(struct offload_config **cfgp, const char *path);

/* "offload: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print an ID for a person: control and invalid bytes as \xNN. */
void cli_put_id(FILE *out, const char *id);

#endif
