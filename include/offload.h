/* SPDX-License-Identifier: MIT */
/*
 * offload.h - the whole public API of liboffload.
 *
 * liboffload runs a project's tests in parallel on a pool of sandboxes:
 * configuration -> discovery -> expansion of retries -> scheduling ->
 * execution on worker threads -> aggregation -> one merged JUnit report.
 * The `offload` command and the GNU Make module are thin users of this
 * header and nothing else.
 *
 * Conventions (see ../shared/STYLE.md):
 * - Fallible calls return 0 or a negative code: an OFFLOAD_E* value, or
 *   -errno for system errors.  offload_strerror() names either.
 * - Detail travels in a caller-owned struct offload_error.
 * - The library never prints, exits or installs signal handlers; the caller
 *   does that and forwards signals with offload_run_interrupt().
 * - Lifecycle verbs: _init (set up, no allocation), _release (free what it
 *   holds), _free (release + free the struct).
 * - ABI: liboffload.so.1 exports exactly the OFFLOAD_API functions, in the
 *   version nodes of src/liboffload.map; docs/library.md says what may
 *   change within a soname and what bumps it.
 */
#ifndef OFFLOAD_H
#define OFFLOAD_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define OFFLOAD_API __attribute__((visibility("default")))
#else
#define OFFLOAD_API
#endif

#define OFFLOAD_VERSION "0.1.0"

/* Process exit codes shared by the command and the Make module. */
#define OFFLOAD_EXIT_OK 0          /* every test passed or was skipped */
#define OFFLOAD_EXIT_FAILED 1      /* a test failed, or was not run */
#define OFFLOAD_EXIT_FLAKY 2       /* all passed, some only on retry */
#define OFFLOAD_EXIT_USAGE 3       /* configuration or usage error */
#define OFFLOAD_EXIT_INTERNAL 4    /* offload itself failed (I/O, memory) */

/* Library error codes: X(NAME, message). */
#define OFFLOAD_ERRNO_MAP(X)                                       \
	X(CONFIG, "configuration error")                           \
	X(NOMEM, "out of memory")                                  \
	X(PARSE, "malformed input")                                \
	X(DISCOVER, "test discovery failed")                       \
	X(SPAWN, "cannot start process")                           \
	X(TIMEDOUT, "timed out")                                   \
	X(CANCELED, "canceled")                                    \
	X(NOTESTS, "no tests")                                     \
	X(USAGE, "invalid argument")                               \
	X(LOST, "sandbox lost")

enum {
	OFFLOAD_E_BASE_ = -4000,
#define OFFLOAD_ENUM_(name, msg) OFFLOAD_E##name,
	OFFLOAD_ERRNO_MAP(OFFLOAD_ENUM_)
#undef OFFLOAD_ENUM_
	OFFLOAD_E_END_
};

/** Name of an error code (OFFLOAD_E* or -errno).  Never NULL, static. */
OFFLOAD_API const char *offload_strerror(int code);

/**
 * Detail for a failed call, owned by the caller.  `msg` is lower-case,
 * without a full stop, and names the file and line for configuration errors:
 * "config 'ci.ini' line 12: bad value 'many' for 'max_parallel'".
 */
struct offload_error {
	int code;
	char msg[512];
};

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

/*
 * A loaded configuration is an opaque handle, as curl's CURL is: its
 * layout is the library's (src/config.h), so keys added in a minor
 * version change no size or offset a program was compiled with.  (libuv
 * exposes its structs and keeps reserved fields for growth instead; a
 * configuration grows by whole sections of keys, which no reserve
 * survives.)  Values are read by name
 * through offload_config_get(), one entry point for every key, present
 * and future, and written through offload_config_set() where a caller
 * overrides the file (the command's --junit).  Groups and warnings, which
 * are lists, have their own count + index accessors.
 *
 * A handle is read by any number of threads at once; offload_config_set()
 * and offload_config_free() need the caller to hold it alone.
 */
struct offload_config;

/**
 * Read `path` (an INI file) into a new handle in *cfgp, owned by the
 * caller and freed with offload_config_free().  On error returns
 * OFFLOAD_ECONFIG, OFFLOAD_ENOMEM or -errno, fills `err` with
 * "config 'FILE' line N: ..." and sets *cfgp to NULL.  Warnings (unknown
 * keys, with the nearest valid key) are kept: offload_config_warning().
 */
OFFLOAD_API int offload_config_load(struct offload_config **cfgp,
				    const char *path,
				    struct offload_error *err);

/** Free `cfg` and everything it holds; NULL is fine. */
OFFLOAD_API void offload_config_free(struct offload_config *cfg);

/**
 * The effective value of `key` as a new string in *value (the caller
 * frees it), written as offload_config_dump() would write it: numbers in
 * the C locale, booleans "true"/"false", paths absolute.  `key` is
 * "SECTION.NAME" as in the file: "report.junit_file", "framework.type",
 * "group.unit.retry_count" (the section is everything before the last
 * '.'), "provider.env.HOME"; two names without a section describe the
 * file itself: "path" (as given to offload_config_load) and "dir" (its
 * absolute directory).  A key that has no value (an unset
 * framework.result_file, an environment variable not in [provider.env])
 * gives 0 and *value NULL.  OFFLOAD_EUSAGE with a message for a key the
 * configuration cannot have (or a group it has not), OFFLOAD_ENOMEM.
 */
OFFLOAD_API int offload_config_get(const struct offload_config *cfg,
				   const char *key, char **value,
				   struct offload_error *err);

/**
 * Set `key` (named as for offload_config_get) to `value`, checked as the
 * loader checks that key's values.  The value is taken as it is: no
 * ${VAR} expansion, and a relative path is not resolved against the
 * file's directory (give absolute paths), and nothing derived from the
 * key is derived again (a new report.output_dir does not move
 * report.junit_file).  The type of the framework or provider and
 * [provider.env] cannot be set (OFFLOAD_EUSAGE); a bad value gives
 * OFFLOAD_ECONFIG with a message; on error `cfg` is unchanged.
 */
OFFLOAD_API int offload_config_set(struct offload_config *cfg,
				   const char *key, const char *value,
				   struct offload_error *err);

/** The number of [group.NAME] sections (at least 1 after loading). */
OFFLOAD_API size_t offload_config_groups_nr(const struct offload_config *cfg);

/**
 * The NAME of group `i` (0-based, file order: the index
 * offload_test_list.group holds), borrowed from `cfg`; NULL when `i` is
 * out of range.
 */
OFFLOAD_API const char *offload_config_group_name(const struct offload_config *cfg,
						  size_t i);

/** The number of warnings met while loading. */
OFFLOAD_API size_t offload_config_warnings_nr(const struct offload_config *cfg);

/** Warning `i` ("config 'FILE' line N: ..."), borrowed from `cfg`; NULL
 * when `i` is out of range. */
OFFLOAD_API const char *offload_config_warning(const struct offload_config *cfg,
					       size_t i);

/** Write the effective settings of `cfg` to `out` as a loadable INI file. */
OFFLOAD_API int offload_config_dump(const struct offload_config *cfg,
				    FILE *out);

/**
 * Write a starter configuration for `framework` ("pytest", "exec" or
 * "custom") to `out`; it loads without error.  OFFLOAD_EUSAGE for an
 * unknown framework.
 */
OFFLOAD_API int offload_config_template(const char *framework, FILE *out);

/** Name of the i-th test framework offload knows ("pytest", "exec"...),
 * or NULL past the last: for usage lines and messages. */
OFFLOAD_API const char *offload_framework_name(size_t i);

/* ------------------------------------------------------------------ */
/* Discovery                                                           */

struct offload_test_list {
	char **ids;               /* owned; canonical test IDs, any bytes but NUL */
	size_t *group;            /* owned; group of each id: offload_config_group_name() */
	size_t nr;
};

/**
 * Discover the tests of every group (or only of group `group_name` when not
 * NULL).  An ID found in two groups is kept in the first and reported in
 * `err` as an error (OFFLOAD_EDISCOVER) naming both groups.
 */
OFFLOAD_API int offload_discover(const struct offload_config *cfg,
				 const char *group_name,
				 struct offload_test_list *out,
				 struct offload_error *err);

OFFLOAD_API void offload_test_list_release(struct offload_test_list *list);

/* ------------------------------------------------------------------ */
/* Running                                                             */

enum offload_verdict {
	OFFLOAD_NOT_RUN = 0,
	OFFLOAD_PASSED,
	OFFLOAD_FAILED,
	OFFLOAD_FLAKY,            /* failed, then passed: counts as passed */
	OFFLOAD_SKIPPED,
};

enum offload_outcome {
	OFFLOAD_ATTEMPT_PASSED,
	OFFLOAD_ATTEMPT_FAILED,
	OFFLOAD_ATTEMPT_ERROR,     /* the test could not run: crash, timeout, bad XML */
	OFFLOAD_ATTEMPT_SKIPPED,
};

struct offload_attempt {
	enum offload_outcome outcome;
	double secs;
	unsigned sandbox;         /* 0-based sandbox that ran it */
	unsigned batch;           /* batch number, names logs/batch-N.* */
	char *message;            /* owned; short reason, may be NULL */
	char *output;             /* owned; failure text + captured output (capped), may be NULL */
	char *host;               /* owned; where it ran when not here, else NULL */
};

struct offload_result {
	char *id;                 /* owned */
	size_t group;
	enum offload_verdict verdict;
	char *not_run_reason;     /* owned; why, when verdict is NOT_RUN */
	struct offload_attempt *attempts;   /* owned, in completion order */
	size_t attempts_nr;
};

struct offload_report {
	struct offload_result *results;     /* one per discovered test, discovery order,
					       each followed by its points, if any
					       (a TAP script's; docs/design.md) */
	size_t nr;
	size_t passed, failed, flaky, skipped, not_run;
	double secs;              /* wall time of the run */
	int interrupted;          /* signal number that stopped the run, or 0 */
	int fail_fast_stopped;    /* --fail-fast stopped the run */
	char *junit_path;         /* owned; the report written, or NULL */
	char **warnings;          /* owned; unmatched results etc. */
	size_t warnings_nr;
};

/** OFFLOAD_EXIT_OK, _FAILED or _FLAKY for a finished run. */
OFFLOAD_API int offload_report_exit_code(const struct offload_report *rep);

OFFLOAD_API void offload_report_release(struct offload_report *rep);

enum offload_event_type {
	OFFLOAD_EVENT_NOTICE,       /* `text`: something worth saying once;
				     * `tests_nr` 0, but for the --shard
				     * notice (offload_run_shard): the tests
				     * discovered in all shards */
	OFFLOAD_EVENT_WARNING,      /* `text`: something probably wrong */
	OFFLOAD_EVENT_BATCH_START,  /* `batch`, `sandbox`, `tests_nr` */
	OFFLOAD_EVENT_BATCH_END,    /* `batch`, `sandbox`, `tests_nr` */
	OFFLOAD_EVENT_DECIDED,      /* `test` got its final verdict */
	OFFLOAD_EVENT_TICK,         /* about once a second */
	/*
	 * `test` finished inside batch `batch`, still running on `sandbox`
	 * (pytest on a local sandbox; docs/library.md).  Provisional: its
	 * one attempt has outcome and secs only, and its verdict is the
	 * one this attempt gives if nothing changes it, or OFFLOAD_NOT_RUN
	 * when it decides nothing (a failure with another attempt to come).
	 * The attempts and verdict that count come with
	 * OFFLOAD_EVENT_DECIDED once the batch ends.  At most once per test
	 * with a verdict; with OFFLOAD_NOT_RUN at most once per batch of it.
	 */
	OFFLOAD_EVENT_TEST_DONE,
	/* `test`, already decided, got another verdict from a late
	 * attempt (a retry that fails after a pass: passed -> flaky);
	 * `previous` is the verdict it had.  Counts follow. */
	OFFLOAD_EVENT_VERDICT_CHANGED,
};

struct offload_progress {
	size_t total, passed, failed, flaky, skipped, awaiting;
	size_t batches_total, batches_done;
	double elapsed;
	/* Counted in `awaiting`: tests not yet decided whose
	 * OFFLOAD_EVENT_TEST_DONE gave this verdict. */
	size_t provisional_passed, provisional_failed, provisional_flaky,
	       provisional_skipped;
};

struct offload_event {
	enum offload_event_type type;
	const char *text;
	unsigned batch, sandbox;
	size_t tests_nr;
	const struct offload_result *test;
	struct offload_progress progress;
	/* OFFLOAD_EVENT_VERDICT_CHANGED: the verdict `test` had.
	 * OFFLOAD_EVENT_DECIDED: the verdict the last OFFLOAD_EVENT_TEST_DONE
	 * of `test` gave (the same: a -v line need not be printed twice),
	 * OFFLOAD_NOT_RUN when none did */
	enum offload_verdict previous;
};

/*
 * Called on the thread that called offload_run(), never concurrently.
 * Everything pointed to is valid only during the call.
 */
typedef void offload_event_fn(const struct offload_event *ev, void *data);

struct offload_run_options {
	unsigned parallel;        /* 0: offload.max_parallel */
	int fail_fast;
	const char *only_group;   /* NULL: every group */
	const char *const *only_ids;  /* NULL: every discovered test */
	size_t only_ids_nr;
	offload_event_fn *on_event;   /* may be NULL */
	void *data;
	/*
	 * GNU make's jobserver (see offload_jobserver_open), or NULL: the
	 * first sandbox runs on the caller's own job slot; every other one
	 * takes a token before each batch (waiting for one while the queue
	 * holds work) and gives it back when the batch ends.  Borrowed.
	 */
	struct offload_jobserver *jobserver;
	/* Where the per-batch logs go; NULL: report.output_dir/logs.  Runs
	 * that share an output_dir at the same time need their own. */
	const char *log_dir;
};

#define OFFLOAD_RUN_OPTIONS_INIT { 0 }

struct offload_run;

/**
 * Create a run handle (cheap: no discovery yet).  Returns 0 and the handle
 * in *runp (free it with offload_run_free), or an error.  `cfg` and
 * `opts->only_*` must outlive the run.  A run is used by one thread; only
 * offload_run_interrupt() may be called from elsewhere (a signal handler).
 */
OFFLOAD_API int offload_run_new(struct offload_run **runp,
				const struct offload_config *cfg,
				const struct offload_run_options *opts,
				struct offload_error *err);

/**
 * Discover the tests, read past durations and plan the batches.  Install
 * signal handlers that call offload_run_interrupt() before calling this:
 * discovery commands are killed by an interrupt (OFFLOAD_ECANCELED).
 * Called by offload_run_execute() when not called before.
 */
OFFLOAD_API int offload_run_prepare(struct offload_run *run,
				    struct offload_error *err);

/**
 * Execute the prepared run on the calling thread plus one worker thread
 * per sandbox, then write logs and the JUnit report (atomically).
 * Fills `rep` (caller releases it).  Returns 0 when the run finished or
 * was interrupted (see rep->interrupted), negative on internal failure.
 * A run interrupted during discovery runs nothing: it writes a report
 * with no test, marked interrupted, and returns 0.
 */
OFFLOAD_API int offload_run_execute(struct offload_run *run,
				    struct offload_report *rep,
				    struct offload_error *err);

/**
 * Ask a running offload_run_execute() to stop: kill every child's process
 * group, mark the report interrupted by `signo`.  Async-signal-safe: call
 * it from a signal handler.  Also safe on a run not yet executing.
 */
OFFLOAD_API void offload_run_interrupt(struct offload_run *run, int signo);

/**
 * Run only shard `k` (1-based) of `n`: the tests are split into n parts
 * of about equal estimated duration (LPT over the history, ties broken by
 * test ID), the same way by every process that discovers the same tests
 * and reads the same history, so that n CI jobs each run one part and
 * finish together; their reports merge with offload_junit_merge().  Call
 * before offload_run_prepare().  OFFLOAD_EUSAGE with a message when
 * k < 1, k > n, or the run is already prepared.
 */
OFFLOAD_API int offload_run_shard(struct offload_run *run, unsigned k,
				  unsigned n, struct offload_error *err);

/** The tests a prepared run executes (after offload_run_prepare; valid
 * until offload_run_free). */
OFFLOAD_API const struct offload_test_list *
offload_run_tests(const struct offload_run *run);

OFFLOAD_API void offload_run_free(struct offload_run *run);

/* ------------------------------------------------------------------ */
/* Reading a report back (offload logs)                                */

struct offload_logged_case {
	char *name;               /* owned; the escaped test ID */
	char *classname;          /* owned; the group */
	char *status;             /* owned; "passed" "failed" "flaky" "skipped" "error" */
	char *text;               /* owned; failure messages and output */
	char *host;               /* owned; its suite's hostname, or NULL */
};

/**
 * Read a JUnit file written by offload (or any runner) into a list of
 * cases; `*cases` is owned by the caller, free with
 * offload_logged_cases_free().
 */
OFFLOAD_API int offload_report_read(const char *path,
				    struct offload_logged_case **cases,
				    size_t *nr, struct offload_error *err);

OFFLOAD_API void offload_logged_cases_free(struct offload_logged_case *cases,
					   size_t nr);

/**
 * Read the JUnit file `path` (offload's or any runner's) back into `rep`
 * (need not be initialised; release it with offload_report_release):
 * one result per <testcase> in file order, `id` as written in the file
 * (an ID offload wrote is escaped as in junit_escape: "\xNN" for bytes
 * that are not UTF-8), `group` the place of its classname among the
 * classnames in order of appearance, and each attempt's outcome,
 * duration, sandbox and batch as offload recorded them (docs/junit.md);
 * a file that does not record them gives one attempt per test (two for
 * a flaky one) with sandbox and batch UINT_MAX.  The text of a failed
 * test (message, output) is in its failed attempt.  OFFLOAD_EPARSE or
 * OFFLOAD_ENOMEM with `err` naming the file; nothing printed.  (1.1)
 */
OFFLOAD_API int offload_report_load(const char *path,
				    struct offload_report *rep,
				    struct offload_error *err);

/**
 * Where the batch logs (batch-N.stdout, batch-N.stderr) of each test case
 * of the JUnit file `path` are: one string per <testcase>, in file order
 * (the order of offload_report_load()'s results), in *dirs (*nr of
 * them).  A run records its log directory in each suite it writes
 * (offload.logs, relative to the report's directory, rewritten by
 * offload_junit_merge: docs/junit.md); the string is that directory
 * joined to the directory of `path` as given ("out/r.logs" for
 * "out/r.xml"), NULL for a case whose suite does not record one
 * (another runner's report, or an older offload's).  Whether it still
 * exists is not checked.  The caller frees each string and the array
 * with free().  Errors as offload_report_read.  (1.2)
 */
OFFLOAD_API int offload_report_log_dirs(const char *path, char ***dirs,
					size_t *nr, struct offload_error *err);

/**
 * Write the HTML report of the JUnit file `junit_path` to `html_path`
 * (atomically, parent directories created): the page `offload run`
 * writes as output_dir/report.html, with a timeline when the file
 * records offload's batches.  Errors as offload_report_load, or -errno
 * for the output.  (1.1)
 */
OFFLOAD_API int offload_report_html(const char *junit_path,
				    const char *html_path,
				    struct offload_error *err);

/**
 * Where `offload_run_execute` writes a run of `cfg`'s HTML report:
 * output_dir/report.html beside the default junit.xml, else the JUnit
 * file's name with .html for .xml.  A malloc'ed string, or NULL when out
 * of memory.  (1.1)
 */
OFFLOAD_API char *offload_report_html_path(const struct offload_config *cfg);

/**
 * Merge the JUnit files `inputs[0..n-1]` into one report at `out`:
 * <testsuites name="offload"> holding a copy of every <testsuite> of every
 * input (a bare <testsuite> root counts as one), in input order, with
 * tests, failures, errors and time summed from the suites' own counts (a
 * suite missing a count gets it computed from its testcases).  Properties
 * such as offload.interrupted travel with their suite.  Every input is
 * read before anything is written; a missing or malformed input returns
 * OFFLOAD_EPARSE naming the file (and line) and `out` is left untouched.
 * The report is written atomically (temporary file + rename, parent
 * directories created); `out` may be one of the inputs.  Inputs are data:
 * no network, no DTD, no entity expansion, nothing printed.  The strings
 * stay owned by the caller.  Safe to call from several threads.
 */
OFFLOAD_API int offload_junit_merge(const char *out,
				    const char *const *inputs, size_t n,
				    struct offload_error *err);

/**
 * offload_junit_merge(), which is this with `problems` NULL, and a check
 * of the CI shards among the inputs: suites that carry the properties
 * offload.shard ("K/N") and offload.shard_split (written by runs with
 * offload_run_shard()) must all be of one N and one split, every shard
 * 1..N must be in exactly one input, and no test (suite, classname and
 * name) may be in two shards.  When something does not fit, the report
 * is still written, with one more suite "offload merge" whose failed
 * case "shards" says what, and *problems (when `problems` is not NULL)
 * gets a malloc'ed text for a person, one problem a line with details
 * on lines indented by two spaces, each line ending in '\n', at most
 * ten names of a kind (then "and K more"), names quoted with control
 * bytes as \xNN; the caller frees it.  *problems is NULL when nothing
 * is wrong, or on error.  Inputs without the properties are not checked.
 * Returns 0 when `out` was written, whatever the problems; errors as
 * offload_junit_merge().  Memory grows with the test cases of the
 * sharded inputs, 21 to 64 bytes each (docs/junit.md).  (1.2)
 */
OFFLOAD_API int offload_junit_merge_shards(const char *out,
					   const char *const *inputs,
					   size_t n, char **problems,
					   struct offload_error *err);

/**
 * Merge the history files `inputs[0..n-1]` ([history] path, written by
 * runs) into one at `out`: every sample of every input is kept once,
 * then the result is bounded as a run bounds it (`samples` per test and
 * outcome, tests forgotten after `forget` runs of their group; 0: the
 * defaults, 5 and 20).  The result does not depend on the order of the
 * inputs.  Every input is read before anything is written; a missing or
 * malformed input gives an error naming it (-ENOENT, OFFLOAD_EPARSE) and
 * `out` is left untouched.  Written atomically; `out` may be an input.
 * For `offload history merge`, a git merge driver.
 */
OFFLOAD_API int offload_history_merge(const char *out,
				      const char *const *inputs, size_t n,
				      unsigned samples, unsigned forget,
				      struct offload_error *err);

/* ------------------------------------------------------------------ */
/* GNU make: MAKEFLAGS, the jobserver, test IDs as make words           */

/* What a recipe learns from $(MAKEFLAGS). */
struct offload_makeflags {
	int dry;                  /* -n, -q or -t among make's one-letter flags */
	int unlimited;            /* a bare -j: make sets no limit */
	int pipe_r, pipe_w;       /* --jobserver-auth=R,W (make 4.3), else -1 */
	char *fifo;               /* --jobserver-auth=fifo:PATH (make 4.4), owned */
};

/** Parse MAKEFLAGS text (NULL: none) into `mf` (need not be initialised;
 * release it with offload_makeflags_release).  0 or OFFLOAD_ENOMEM. */
OFFLOAD_API int offload_makeflags_parse(struct offload_makeflags *mf,
					const char *makeflags);
OFFLOAD_API void offload_makeflags_release(struct offload_makeflags *mf);

struct offload_jobserver;

/**
 * Connect to the jobserver `mf` names.  OFFLOAD_EUSAGE with a message
 * when it names none, or descriptors or a path that are not a jobserver
 * (make 4.3 leaves --jobserver-auth in MAKEFLAGS for a recipe it did not
 * hand the pipe to: use a `+` recipe).  The caller holds one implicit job
 * slot (its recipe's) that is not counted here.  Close with
 * offload_jobserver_close().
 */
OFFLOAD_API int offload_jobserver_open(struct offload_jobserver **jsp,
				       const struct offload_makeflags *mf,
				       struct offload_error *err);

/**
 * Take one token, waiting for it.  Returns 1 with a token held, 0 when
 * `cancel_fd` (-1: none) became readable first, or -errno (-EPIPE: make
 * is gone).  Thread-safe.
 */
OFFLOAD_API int offload_jobserver_acquire(struct offload_jobserver *js,
					  int cancel_fd);

/** Give one held token back (the same byte make gave).  0, or -errno
 * after retrying; the loss is also remembered for offload_jobserver_close.
 * Thread-safe. */
OFFLOAD_API int offload_jobserver_release(struct offload_jobserver *js);

/** Tokens held now.  Thread-safe. */
OFFLOAD_API size_t offload_jobserver_held(struct offload_jobserver *js);

/**
 * Give back every token still held and free `js` (NULL is fine).  Returns
 * 0, or an error naming how many tokens could not be written back during
 * the whole life of `js`: make then runs with fewer slots, so say it.
 */
OFFLOAD_API int offload_jobserver_close(struct offload_jobserver *js,
					struct offload_error *err);

/**
 * A test ID as one make word: bytes A-Z a-z 0-9 . _ / + - stand for
 * themselves, every other byte (and '@') is written @XX (upper-case hex).
 * New string (caller frees), NULL on ENOMEM.
 */
OFFLOAD_API char *offload_make_encode(const char *id);

/**
 * Decode the make word w[0..n) into a new string in *out (caller frees).
 * OFFLOAD_EPARSE for an '@' not followed by two hex digits, or @00;
 * OFFLOAD_ENOMEM.
 */
OFFLOAD_API int offload_make_decode(const char *w, size_t n, char **out);

/**
 * Write `path` (atomically, parent directories created) as a JUnit report
 * of one failed test case `name` in suite `suite`: <failure type="error">
 * with `message` (may be NULL) and `text` (may be NULL; capped as any
 * test's output).  For a step that ran no test, such as a build that
 * failed, to show as failed in a merged report.  Strings stay the
 * caller's.
 */
OFFLOAD_API int offload_junit_write_failure(const char *path, const char *suite,
					    const char *name, const char *message,
					    const char *text,
					    struct offload_error *err);

/** Shell-quote `s` for /bin/sh into a new string (caller frees); NULL on ENOMEM. */
OFFLOAD_API char *offload_shell_quote(const char *s);

#ifdef __cplusplus
}
#endif
#endif /* OFFLOAD_H */
