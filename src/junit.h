/* SPDX-License-Identifier: MIT */
/*
 * junit.h - the only module that includes libxml2: reading runners' JUnit
 * XML (streaming xmlTextReader, tolerant) and writing the merged report
 * (xmlTextWriter, atomically).
 */
#ifndef OFFLOAD_JUNIT_H
#define OFFLOAD_JUNIT_H
#include "offload.h"

struct junit_case {
	char *name;               /* owned; "" when absent */
	char *classname;          /* owned; "" when absent */
	char *nodeid;             /* owned; <property name="offload_nodeid">, or NULL */
	double secs;              /* time attribute, 0 when absent/bad */
	enum offload_outcome outcome;   /* failure -> FAILED, error -> ERROR */
	char *message;            /* owned; message attribute of failure/error/skipped, or NULL */
	char *text;               /* owned; body of failure/error/skipped, or NULL */
	char *out;                /* owned; system-out, or NULL */
	char *err;                /* owned; system-err, or NULL */
	char *host;               /* owned; its <testsuite>'s hostname, or NULL */
	char *logs;               /* owned; its <testsuite>'s offload.logs, decoded
				     (relative to the report's directory), or
				     NULL; read by junit_load() only */
	unsigned run;             /* junit_load() only: the 0-based run of its
				     suite (struct report_run) */
};

/*
 * Read every <testcase> of `path`, wherever it is nested.  Tolerates
 * missing attributes, unknown elements, <testsuite> at the root, several
 * failures in one case (the first decides).  A missing, empty or
 * malformed file returns OFFLOAD_EPARSE with err quoting the parser's
 * message and line; cases read before the error are kept in *cases.
 *
 * The file is untrusted: only a regular file is read (a FIFO, a device
 * or a directory is an OFFLOAD_EPARSE error, and never blocks), text and
 * attribute values are cut at 1 MiB with a note, and a file that breaks
 * a limit of docs/junit.md (an internal DTD subset, too many attributes,
 * too deep, over 1 GiB) is refused with OFFLOAD_EPARSE, so that reading
 * any file needs a bounded amount of memory and time.
 *
 * cancel_fd (borrowed; -1 for none) is polled between chunks of input:
 * once it is readable or hung up, the read stops with OFFLOAD_ECANCELED.
 * Nothing is printed.  Safe to call from several threads at once.
 */
int junit_read(const char *path, int cancel_fd, struct junit_case **cases,
	       size_t *nr, struct offload_error *err);
void junit_cases_free(struct junit_case *cases, size_t nr);

/*
 * Write `rep` as one JUnit file at `path`: written to a temporary file in
 * the same directory, then renamed.  One <testsuite> per group
 * (name = group), one <testcase> per test: name = escaped ID,
 * classname = group, time = duration of the deciding attempt.
 * Flaky: <flakyFailure> per failed attempt; failed: <failure> for the last
 * attempt and <rerunFailure> for earlier ones; skipped: <skipped>; not run:
 * <error type="notRun">.  An interrupted run carries
 * <property name="offload.interrupted" value="SIGINT"/>.
 */
int junit_write(const char *path, const struct offload_config *cfg,
		const struct offload_report *rep, struct offload_error *err);

/* The place of a `--shard K/N` run in its split, for its report. */
struct junit_shard {
	unsigned k, n;            /* shard k (1-based) of n */
	const char *split;        /* borrowed; shard_digest() of the split */
};

/*
 * junit_write, and with `tl` (may be NULL) the run's batches and each
 * test's attempts (sandbox, batch, duration) as <testsuite> properties
 * offload.batch and offload.attempts (docs/junit.md), from which
 * junit_load() rebuilds them; with `shard` (may be NULL) every suite
 * carries offload.shard ("K/N") and offload.shard_split (the digest),
 * which offload_junit_merge_shards() checks, and a run whose shard
 * holds no test still writes one empty suite to carry them.
 */
struct timeline;
int junit_write_run(const char *path, const struct offload_config *cfg,
		    const struct offload_report *rep, const struct timeline *tl,
		    const struct junit_shard *shard, struct offload_error *err);

/*
 * Read a whole JUnit file back as a report (offload report, offload
 * logs): one result per <testcase> in file order, with the ID as
 * written (escaped), the group from its classname (added to `groups`,
 * which the caller initialised), the attempts from offload.attempts
 * properties (sandbox and batch UINT_MAX when the file has none; the
 * numbers of the attempt's own run), the batches from offload.batch
 * properties into `tl` (times from its exec_start), the first suite's
 * timestamp in *stamp (caller frees, may be NULL).  A merged report
 * holds several runs (each suite with offload.batch properties starts
 * one): their batches are numbered and their sandboxes counted each
 * from their own 1 and 0, so tl->runs lists them, each batch and (in
 * tl->result_runs) each result says its run, each run's batch times
 * are moved by its timestamp's distance from the earliest run's, *stamp
 * is the earliest timestamp and rep->secs spans from it to the last
 * batch's end.  Errors as junit_read; `rep` and `tl` are the caller's
 * to release either way.  What the file says of its time goes in
 * *times (may be NULL).
 */
struct junit_times {
	/* rep->secs is the run's wall time: the file has <testsuites time>
	 * or offload's batches; not so in most runners' reports (pytest,
	 * Surefire), where rep->secs is then 0 */
	int wall_known;
	/* the time attributes of the root <testsuite> or of the children of
	 * <testsuites> (not nested suites): their sum, and how many */
	double suites_secs;
	size_t suites_timed;
};
struct strvec;
int junit_load(const char *path, struct offload_report *rep,
	       struct strvec *groups, struct timeline *tl, char **stamp,
	       struct junit_times *times, struct offload_error *err);

/*
 * The form of a test ID used in XML: valid UTF-8 kept, "\" kept, invalid
 * bytes and control characters other than \t \n \r written as "\xNN".
 * Returns a new string (caller frees), NULL on ENOMEM.
 */
char *junit_escape(const char *s);


#endif
