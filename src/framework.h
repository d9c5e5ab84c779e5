/* SPDX-License-Identifier: MIT */
/*
 * framework.h - how tests are found, run as a batch and matched back:
 * the framework interface (one struct framework_ops per framework_*.c,
 * listed in framework.c's registry) and the helpers they share;
 * discover.c builds the run's test list on top.
 */
#ifndef OFFLOAD_FRAMEWORK_H
#define OFFLOAD_FRAMEWORK_H
#include "offload.h"
#include "buf.h"
#include "config.h"
#include "sandbox.h"

/* Bytes of captured output kept per stream per process (capbuf). */
#define OFFLOAD_OUTPUT_CAP (1024 * 1024)
/* Bytes of output attached to one attempt in the report. */
#define OFFLOAD_ATTEMPT_OUTPUT_CAP (64 * 1024)
/* Bytes of test IDs on one batch command line (split rather than overflow). */
#define OFFLOAD_BATCH_ARG_CAP 30000

/* One test's result in a batch. */
struct test_outcome {
	int have;                 /* 0: no attempt (only when the batch was canceled) */
	enum offload_outcome outcome;
	double secs;
	char *message;            /* owned, may be NULL: short reason */
	char *output;             /* owned, may be NULL: failure text and output, capped */
	/* Points: results the test reported about its own parts, known only
	 * once it ran (a TAP script's points).  Each has `id` set (the
	 * point's full ID) and no points of its own; the run records each
	 * as a result of its own next to the test's (docs/design.md,
	 * "Points").  Owned, points_nr entries; NULL for most frameworks. */
	struct test_outcome *points;
	size_t points_nr, points_alloc;
	char *id;                 /* owned; a point's ID, NULL otherwise */
};

/*
 * One batch to run on one sandbox.  The caller fills the "in" part and
 * zeroes the rest; framework_run_batch fills the "out" part, and
 * batch_exec_release frees it.
 */
struct batch_exec {
	/* in */
	const struct offload_config *cfg;
	const struct offload_group *group;
	struct sandbox *sb;       /* the batch may update its host */
	unsigned batch_no;        /* names logs/batch-N.* and result files */
	const char *const *ids;   /* borrowed; the batch's test IDs */
	size_t nr;
	int cancel_fd;            /* readable: stop now (see spawn_req) */
	const char *log_dir;      /* existing directory for batch-N.stdout/.stderr */

	/* out */
	struct test_outcome *res; /* nr entries, allocated by framework_run_batch */
	struct strvec warnings;   /* e.g. unmatched result names with suggestions */
	int canceled;             /* cancel_fd fired before the batch finished */
};

/*
 * Run the batch to completion.  Every test gets an attempt (have = 1):
 * its own result when the runner reported one; otherwise a failed attempt
 * (OFFLOAD_ATTEMPT_ERROR) whose message says why: "timed out after 2 s",
 * "no result: runner exited with status 4", "result file unreadable: ...".
 * Only a canceled batch leaves tests without an attempt.  A result naming
 * no test of the batch becomes a warning with the closest IDs; the other
 * results are kept.  Returns 0, or an error only for failures of offload
 * itself (ENOMEM, cannot write logs); a test that cannot be started is a
 * failed attempt, not an error.  Thread-safe.
 */
int framework_run_batch(struct batch_exec *b, struct offload_error *err);
void batch_exec_release(struct batch_exec *b);

/*
 * Discover the IDs of group `g` in discovery order (duplicates removed).
 * Errors (OFFLOAD_EDISCOVER) quote the discovery command's stderr.
 */
int framework_discover(const struct offload_config *cfg,
		       const struct offload_group *g, int cancel_fd,
		       struct strvec *ids, struct offload_error *err);

/*
 * offload_discover with a cancel fd (see spawn_req): a discovery command
 * still running when it becomes readable is killed, OFFLOAD_ECANCELED.
 */
int discover_tests(const struct offload_config *cfg, const char *group_name,
		   int cancel_fd, struct offload_test_list *out,
		   struct offload_error *err);

/*
 * Live results: what tests of a batch still running have finished, for
 * the live progress only (the attempts and verdicts come from
 * run_batch's results when the batch ends).  `st` belongs to the caller,
 * one per running batch, zeroed before the first call.  Each call reads
 * what is new since the previous one and calls fn(data, k, outcome,
 * secs) once per test b->ids[k] newly known to have finished (a test
 * reported twice is the caller's to skip).  Called from another thread
 * while framework_run_batch(b) runs, so it reads only b's "in" part and
 * b->sb->tmpdir and fetch_dir, which stay fixed meanwhile.  A framework
 * without the op, or a remote sandbox (its files are not here while the
 * batch runs), reports nothing.  Returns 0 or OFFLOAD_ENOMEM; a missing
 * or unreadable file is not an error (nothing new).
 */
struct batch_live {
	long long offset;         /* bytes of the framework's file consumed */
	size_t hint;              /* where the next test is likely in b->ids */
};
typedef void batch_live_fn(void *data, size_t k, enum offload_outcome o,
			   double secs);
int framework_live(const struct batch_exec *b, struct batch_live *st,
		   batch_live_fn *fn, void *data);

/*
 * A [framework] key a framework reads: a string field of struct
 * offload_config (src/config.h).  config.c reads, checks, defaults and
 * writes [framework] from these tables alone.
 */
struct framework_key {
	const char *name;
	size_t off;               /* offsetof(struct offload_config, FIELD) */
	const char *def;          /* default when unset, or NULL (stays unset) */
	const char *required;     /* non-NULL: must be set and not empty; the
				     error says this, e.g. "globs of test programs" */
};

/*
 * One test framework: one file (framework_NAME.c) defines one of these,
 * and framework.c's registry lists it; `[framework] type = NAME` finds it
 * there.  Nothing else switches on the framework.
 */
struct framework_ops {
	const char *name;
	const struct framework_key *keys;   /* terminated by a NULL name */
	const char *template;     /* `offload init`: its [framework] and
				     [group.all] sections */
	double batch_secs;        /* what starting one batch costs, roughly
				     (a runner's start-up): the scheduler
				     keeps batches well above it */
	/* The group's IDs in discovery order, appended to `ids`. */
	int (*discover)(const struct offload_config *cfg, int cancel_fd,
			const struct offload_group *g, struct strvec *ids,
			struct offload_error *err);
	/* See framework_run_batch (b->res is allocated). */
	int (*run_batch)(struct batch_exec *b, struct offload_error *err);
	/* Optional, NULL: nothing is known before the batch ends.  See
	 * framework_live. */
	int (*live)(const struct batch_exec *b, struct batch_live *st,
		    batch_live_fn *fn, void *data);
};

extern const struct framework_ops framework_pytest, framework_exec,
	framework_custom, framework_gtest, framework_cargo, framework_tap;
extern const struct framework_ops framework_vitest;
/* Every framework, NULL-terminated, in the order `offload init` and
 * error messages list them. */
extern const struct framework_ops *const framework_registry[];
/* The framework named `name`, or NULL. */
const struct framework_ops *framework_find(const char *name);

/* The IDs in `BINARY --gtest_list_tests` output `text`, as
 * "BINARY:Suite.Name", appended to `ids` (framework_gtest.c). */
int gtest_parse_list(const char *binary, const char *text,
		     const struct offload_group *g, struct strvec *ids,
		     struct offload_error *err);

/* The IDs of the `paths` globs (space-separated) relative to the working
 * directory, sorted per glob, that are regular files, executable unless
 * `any_file`, and match one of the group's filters (globs) if it has
 * any; appended to `ids` (framework_exec.c; exec and tap). */
int paths_discover(const struct offload_config *cfg,
		   const struct offload_group *g, int any_file,
		   struct strvec *ids, struct offload_error *err);

/* The IDs in `cargo test -- --list --format terse 2>&1` output `text`,
 * as "TARGET:NAME", appended to `ids` (framework_cargo.c). */
int cargo_parse_list(const char *text, const struct offload_group *g,
		     struct strvec *ids, struct offload_error *err);

/* The IDs in `vitest list --json` output text[0..len), as
 * "FILE > SUITE > TEST" (FILE relative to `root` when below it, or
 * "FILE" alone for an entry without a name), appended to `ids`
 * (framework_vitest.c).  OFFLOAD_EDISCOVER for unreadable JSON. */
int vitest_parse_list(const char *text, size_t len, const char *root,
		      const struct offload_group *g, struct strvec *ids,
		      struct offload_error *err);
/* Append `name` ("SUITE > TEST") to a -t pattern: regex metacharacters
 * escaped, each " > " matching " > " or " " (framework_vitest.c). */
int vitest_pattern_add(struct buf *b, const char *name);
/* Give the tests of `b` without an attempt their result in vitest's JSON
 * report text[0..len).  0, OFFLOAD_ENOMEM, or OFFLOAD_EPARSE with `msg`
 * (n bytes) saying why (framework_vitest.c). */
int vitest_apply_report(struct batch_exec *b, const char *text, size_t len,
			char *msg, size_t n);

/* The node IDs in `pytest --collect-only -q` output `text` of group `g`,
 * appended to `ids` (framework_pytest.c; also the fuzz target's entry).
 * 0, OFFLOAD_ENOMEM, or OFFLOAD_EDISCOVER past the IDs cap. */
int parse_collect(const char *text, const struct offload_group *g,
		  struct strvec *ids, struct offload_error *err);
/* The pytest plugin's collect file at `path` (missing: nothing): IDs of
 * collectors that failed or were skipped; *errors counts the failed. */
int parse_collect_file(const char *path, const struct offload_group *g,
		       struct strvec *ids, size_t *errors,
		       struct offload_error *err);

/*
 * Shared helpers (framework.c).
 * match_results: assign JUnit cases to the batch's IDs.  key_of(case)
 * gives the ID a case claims (e.g. its offload_nodeid property, or
 * test_id_format applied); the first OFFLOAD_UNMATCHED_SHOWN unmatched
 * cases become warnings naming up to three closest IDs of the batch, and
 * one more warning counts the rest.  Tests left without a case get
 * `missing_reason` (an ERROR attempt, with `missing_output` as output).
 */
struct junit_case;
typedef char *case_key_fn(const struct junit_case *c, void *data);
int match_results(struct batch_exec *b, const struct junit_case *cases,
		  size_t cases_nr, case_key_fn *key_of, void *data,
		  const char *missing_reason, const char *missing_output);

/*
 * `cmd` for a process of batch `b` in its sandbox: `argv` with `envp`
 * (NULL: the sandbox's), in the sandbox's directory, output capped at
 * OFFLOAD_OUTPUT_CAP, test_timeout_secs, the batch's cancel fd; and
 * `res` zeroed with its capture buffers ready, for sandbox_exec.
 */
void batch_cmd(struct sandbox_cmd *cmd, struct spawn_res *res,
	       const struct batch_exec *b, char *const *argv, char *const *envp);

/* Write logs/batch-N.stdout and .stderr from captured text. */
int write_batch_logs(const struct batch_exec *b, const struct buf *out,
		     const struct buf *err_text, struct offload_error *err);

/* Path of the pytest plugin directory installed with offload. */
const char *pytest_plugin_dir(void);

/*
 * Helpers shared by framework_*.c (framework.c).  All return 0 or
 * OFFLOAD_ENOMEM unless said otherwise.
 */
#define OFFLOAD_MESSAGE_MAX 200                    /* bytes of an attempt's message */
/* Bytes of output a discovery command may print (stdout; stderr is kept
 * up to the same size): more is a discovery error.  Memory for one
 * discovery is about this much, whatever the command prints. */
#define OFFLOAD_DISCOVERY_CAP (64 * 1024 * 1024)
/* IDs one group's discovery may list (before duplicates are removed):
 * more is a discovery error.  Bounds the memory the list takes (about
 * 40 bytes per ID plus the IDs themselves, within the 64 MiB above). */
#define OFFLOAD_DISCOVERY_MAX_IDS 1000000
/* Unmatched results of one batch warned about one by one; the rest are
 * counted in one more warning. */
#define OFFLOAD_UNMATCHED_SHOWN 10
struct spawn_res;
/* Split `s` into words like sh, without expansions; OFFLOAD_EPARSE for an
 * unterminated quote.  Words are appended to `out`. */
int split_words(const char *s, struct strvec *out);
/* Append `base` (may be NULL) minus make's variables (env_is_make_var)
 * and the names in `set`, then `set`. */
int env_build(struct strvec *out, char *const *base,
	      const struct offload_env *set, size_t set_nr);
/* Value of `name` in `envp`, borrowed, or NULL. */
const char *env_get(char *const *envp, const char *name);
/* Append the non-empty parts, newline-separated, capped at
 * OFFLOAD_ATTEMPT_OUTPUT_CAP (head and tail kept). */
int cap_join(struct buf *dst, const char *const *parts, size_t n);
/* Give `t` an attempt: message cut to its first line, output capped
 * (dropped for passes).  Both copied. */
int outcome_set(struct test_outcome *t, enum offload_outcome o, double secs,
		const char *message, const char *output);
/* Add point `id` to `t` (see struct test_outcome), its attempt set as
 * outcome_set does. */
int outcome_add_point(struct test_outcome *t, const char *id,
		      enum offload_outcome o, double secs, const char *message,
		      const char *output);
/* Free `t`'s message, output, id and points (not `t`). */
void outcome_release(struct test_outcome *t);
/* outcome_set on every test of `b` that has no attempt yet. */
int batch_fill(struct batch_exec *b, enum offload_outcome o, double secs,
	       const char *message, const char *output);
/* A process's stdout then stderr, capped like cap_join. */
int res_output(const struct spawn_res *res, struct buf *out);
/* "signal 11 (SIGSEGV)" into dst; returns dst. */
const char *signal_text(int sig, char *dst, size_t n);
/*
 * Append id[0..len) to `ids` for group `g`, unless the group (its IDs
 * being those from index `from`) has OFFLOAD_DISCOVERY_MAX_IDS already:
 * then OFFLOAD_EDISCOVER, "group 'G': WHAT listed more than N tests".
 * Or OFFLOAD_ENOMEM.
 */
int discovery_add_id(struct strvec *ids, size_t from, const char *id,
		     size_t len, const struct offload_group *g,
		     const char *what, struct offload_error *err);
/*
 * Run a discovery command in cfg->provider_working_dir with the caller's
 * environment plus [provider.env]; its stdout goes to `out`, its exit
 * status to *status.  Returns 0 when it exited (err already describes a
 * non-zero status, quoting the end of its stderr, for callers that reject
 * it), else OFFLOAD_EDISCOVER (cannot start, signal, timeout, more than
 * OFFLOAD_DISCOVERY_CAP bytes of output), OFFLOAD_ECANCELED or
 * OFFLOAD_ENOMEM.
 */
int discovery_run(const struct offload_config *cfg, int cancel_fd,
		  const struct offload_group *g, char *const *argv,
		  const char *what, struct buf *out, int *status,
		  struct offload_error *err);

#endif
