/* SPDX-License-Identifier: MIT */
/*
 * history.h - past durations for the scheduler (history.c): the history
 * file (read, merged, bounded, written), the estimator, and the previous
 * JUnit report as a fallback.
 */
#ifndef OFFLOAD_HISTORY_H
#define OFFLOAD_HISTORY_H
#include "offload.h"

/*
 * Fill durations[i] for tests->ids[i] from the JUnit file at `path`
 * (matching a testcase's name against junit_escape(id), and its
 * classname against the group name when present); unknown tests get a
 * negative value.  A missing file is not an error: returns 0 with
 * *known = 0.  A malformed file returns 0 too, with *known = 0 and a
 * warning in `warning` (caller frees, may be NULL).
 */
int history_load(const char *path, const struct offload_config *cfg,
		 const struct offload_test_list *tests, double *durations,
		 size_t *known, char **warning);

/* Bounds of a history file: [history] samples and forget_after_runs. */
#define HISTORY_SAMPLES_DEFAULT 5
#define HISTORY_FORGET_DEFAULT 20

/* What a sample says about a test's duration (one letter in the file). */
enum {
	HIST_PASS = 'p',          /* passed: the duration to plan with */
	HIST_FAIL = 'f',          /* failed or crashed: often shorter */
	HIST_TIMEOUT = 't',       /* killed at the timeout: a lower bound */
	HIST_SKIP = 's',          /* skipped */
};

struct hist_sample {
	long long stamp;          /* the run's start, seconds since the epoch */
	long long ms;             /* duration in milliseconds, >= 0 */
	char kind;                /* HIST_* */
};

struct hist_entry {
	char *key;                /* owned; escaped group, tab, escaped ID */
	long long seen;           /* stamp of the last run that discovered it */
	struct hist_sample *s;    /* owned; newest first, no two equal */
	size_t nr;
};

/* The last runs that discovered a whole group, for forgetting tests. */
struct hist_runs {
	char *group;              /* owned; escaped group name */
	long long *stamps;        /* owned; newest first, distinct */
	size_t nr;
};

/*
 * A history file in memory.  Entries are sorted by key (strcmp), keys
 * distinct; runs sorted by group, distinct.  Everything is owned and
 * freed by history_release().
 */
struct history {
	struct hist_entry *e;
	size_t nr, alloc;
	struct hist_runs *runs;
	size_t runs_nr;
};
#define HISTORY_INIT { NULL, 0, 0, NULL, 0 }

void history_release(struct history *h);

/*
 * The key of test `id` in group `group` (escaped: see docs/config.md),
 * a new string (caller frees), NULL on ENOMEM.
 */
char *history_key(const char *group, const char *id);

/*
 * Read the history file `path` into `h` (empty on entry).  A missing
 * file gives -ENOENT with `h` empty and no message; a file that is not a
 * history file (bad header, malformed line) OFFLOAD_EPARSE with "history
 * 'PATH' line N: ..." in `err`; OFFLOAD_ENOMEM; other -errno.  On error
 * `h` is left empty.
 */
int history_read(struct history *h, const char *path,
		 struct offload_error *err);

/*
 * Write `h` to `path` atomically (a temporary file beside it, synced,
 * renamed over it; parent directories created).  Lines are sorted, so
 * equal histories give equal files.
 */
int history_write(const struct history *h, const char *path,
		  struct offload_error *err);

/*
 * Add every sample, run and entry of `from` to `h` (a union: a sample in
 * both is kept once; `seen` is the later of the two).  Commutative and
 * associative, so merging in any order gives the same history.
 * 0 or OFFLOAD_ENOMEM (`h` then unchanged).  `from` is not modified.
 */
int history_merge(struct history *h, const struct history *from);

/*
 * Bound `h`: per test, the newest `samples` samples of each kind; per
 * group, the newest `forget` runs; a test that its group has run
 * `forget` times without discovering it is dropped.  0 means the default.
 */
void history_bound(struct history *h, unsigned samples, unsigned forget);

/*
 * Merge the results of one run into `h`: each attempt of rep->results is
 * a sample stamped `stamp` (a test that was not run, or not reached in a
 * timed-out batch, is no sample), each result's test is seen at `stamp`,
 * and each group g with group_ran[g] set (it was discovered whole: no -g
 * for another group, no ID list) gets a run at `stamp`.  `group_ran` may
 * be NULL (no group counts).  The tests of `others` (may be NULL: the
 * rest of a shard's discovery) are seen too, without samples.
 * 0 or OFFLOAD_ENOMEM.
 */
int history_add_report(struct history *h, const struct offload_config *cfg,
		       const struct offload_report *rep,
		       const struct offload_test_list *others,
		       const unsigned char *group_ran, long long stamp);

/*
 * The estimated duration of `e` in seconds, or -1 when it has no sample.
 * Passing samples decide when there are any: their median weighted by
 * recency (the newest weighs 1, each older one 0.7 of the one before)
 * picks the samples that agree (within a factor 2 of it), and their
 * recency-weighted mean is the estimate.  So one slow run on a busy
 * machine does not move it, noise is averaged, and a lasting change wins
 * after two runs.  Without passes, the same over failures, then skips; a
 * test that only ever timed out is estimated at its longest timeout (a
 * lower bound of its duration).  Timeouts never mix with passes.
 */
double history_estimate(const struct hist_entry *e);

/*
 * durations[i] for tests->ids[i]: the estimate from `h`, or -1 when `h`
 * does not know the test; *known counts the known.  0 or OFFLOAD_ENOMEM.
 */
int history_durations(const struct history *h,
		      const struct offload_config *cfg,
		      const struct offload_test_list *tests,
		      double *durations, size_t *known);

/*
 * Give every unknown test (durations[i] < 0) its group's typical
 * duration: the median of the group's known tests.  Groups without any
 * known test are left unknown.  0 or OFFLOAD_ENOMEM.
 */
int history_fill_unknown(const struct offload_config *cfg,
			 const struct offload_test_list *tests,
			 double *durations);

/*
 * Record a finished run in the history file `path`: under an exclusive
 * lock on its directory, read it (missing: start empty), merge the run
 * (history_add_report), bound it, write it back.  A file there that is
 * not a history file is left alone: OFFLOAD_EPARSE with a message.
 */
int history_record(const char *path, const struct offload_config *cfg,
		   const struct offload_report *rep,
		   const struct offload_test_list *others,
		   const unsigned char *group_ran, long long stamp,
		   struct offload_error *err);

/*
 * Estimates for a run's tests (unknown: -1; *known counts the others):
 * from the history file cfg->history_path; when there is none yet, from
 * the previous report cfg->junit_file.  A JUnit file at history_path (a
 * configuration from before history files) is read as the history.
 * *writable says whether the run may record into history_path: not when
 * it holds a JUnit file or something unreadable (then *warning, which
 * the caller frees, says so).  0 or OFFLOAD_ENOMEM.
 */
int history_estimates(const struct offload_config *cfg,
		      const struct offload_test_list *tests, double *durations,
		      size_t *known, int *writable, char **warning);

#endif
