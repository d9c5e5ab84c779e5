/* SPDX-License-Identifier: MIT */
/*
 * config.h - the layout of struct offload_config, private to liboffload
 * (config.c fills it; discovery, scheduling and the run read it).
 *
 * The public header only declares `struct offload_config;`: callers hold a
 * pointer from offload_config_load() and read it through
 * offload_config_get() and friends, so that a key added here changes no
 * caller's idea of the struct's size or offsets (docs/library.md).  The
 * unit tests and fuzz targets that check the loader field by field
 * include this header; nothing installed does.
 */
#ifndef OFFLOAD_CONFIG_H
#define OFFLOAD_CONFIG_H
#include "offload.h"

struct framework_ops;

struct offload_group {
	char *name;               /* owned; "NAME" of [group.NAME] */
	unsigned retry_count;     /* extra parallel instances per test */
	char *filters;            /* owned; framework filter text, "" if none */
	int schedule_individual;  /* every test in its own batch */
};

struct offload_env {
	char *name;               /* owned */
	char *value;              /* owned, already expanded */
};

/*
 * The effective settings, every string owned by the struct and freed by
 * config_release().  Paths are absolute after loading: relative
 * ones resolve against the configuration file's directory.
 */
struct offload_config {
	char *path;               /* the file read, as given */
	char *dir;                /* absolute directory of that file */

	/* [offload] */
	unsigned max_parallel;            /* sandboxes; default 10, >= 1 */
	double test_timeout_secs;         /* per batch; default 900, > 0 */
	char *working_dir;                /* default: dir */
	int impatiently_requeue_batches;  /* hedging; default 0 */

	/* [provider] */
	char *provider_type;              /* local, command, ssh or slurm */
	char *shell;                      /* default "/bin/sh" */
	char *provider_working_dir;       /* where tests run; default working_dir */
	struct offload_env *env;          /* [provider.env], in file order */
	size_t env_nr;
	/* type = command (ssh and slurm fill these in; docs/remote.md) */
	char *prepare_command;            /* once per run; last line: {image_id} */
	char *create_command;             /* prints a sandbox ID */
	char *exec_command;               /* runs {command} in {sandbox_id} */
	char *download_command;           /* {paths} of {sandbox_id} into {dest} */
	char *destroy_command;            /* ends {sandbox_id} */
	char *cleanup_command;            /* once, after every destroy */
	char *exclude;                    /* ssh, slurm: tar patterns not shipped */
	char *sandbox_dir;                /* where {command} starts, or "" */
	double prepare_timeout_secs;      /* default 600 */
	double create_timeout_secs;       /* default 120 */
	double download_timeout_secs;     /* default 120 */
	double destroy_timeout_secs;      /* default 60 */
	unsigned retries;                 /* more tries of a failed step; default 2 */
	char *hosts;                      /* ssh; {host} in templates */
	char *ssh_config;                 /* ssh: ssh -F FILE */
	char *remote_dir;                 /* ssh: sandboxes' parent on hosts; default /tmp */
	char *partition;                  /* slurm: salloc -p; default "" */
	unsigned cpus_per_sandbox;        /* slurm: salloc -c; default 1 */
	unsigned sandboxes_per_allocation; /* slurm: sandboxes sharing one
					      allocation (salloc -n); default 1 */
	char *salloc_args;                /* slurm: more salloc words */

	/* [framework] */
	const struct framework_ops *framework;   /* [framework] type (framework.h) */
	char *command;          /* pytest: interpreter + "-m pytest" */
	char *paths;            /* pytest: args to collect; exec: globs */
	char *run_args;         /* extra args for every batch (pytest) */
	char *discover_command; /* custom */
	char *run_command;      /* custom */
	char *result_file;      /* custom; NULL: {result_file} or exit status */
	char *test_id_format;   /* custom; default "{name}" */
	char *interpreter;      /* tap: words run before each script, or "" */

	struct offload_group *groups;     /* [group.NAME], at least one */
	size_t groups_nr;

	/* [report] */
	char *output_dir;       /* default "test-results" */
	int junit;              /* write the JUnit report; default 1 */
	char *junit_file;       /* absolute; default output_dir/junit.xml */
	char *download_globs;   /* artifacts fetched per batch, or NULL */
	char *trace_file;       /* absolute; Chrome trace of the run, or NULL */

	/* [history] */
	char *history_path;     /* history file; default output_dir/history.tsv */
	double default_duration_secs;     /* default 1.0 */
	unsigned history_samples;         /* per test and outcome; default 5 */
	unsigned history_forget;          /* forget_after_runs; default 20 */

	/* Warnings met while loading (unknown keys...), owned. */
	char **warnings;
	size_t warnings_nr;
};

/*
 * Load `path` into `cfg` (need not be initialised), as offload_config_load()
 * does into a struct it allocates: on error `cfg` is left released.  For
 * the library and its tests, which keep configs on the stack.
 */
int config_load(struct offload_config *cfg, const char *path,
		struct offload_error *err);

/* Free everything `cfg` holds and zero it; it may then be loaded again. */
void config_release(struct offload_config *cfg);

#endif
