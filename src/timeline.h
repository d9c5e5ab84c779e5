/* SPDX-License-Identifier: MIT */
/*
 * timeline.h - what happened when in a run: the batches on their
 * sandboxes and the run's own phases (discovery, planning, sandbox
 * creation, report writing), for the HTML report (html.c), the JUnit
 * file's offload.batch properties (junit.c) and the --trace file
 * (Chrome/Perfetto trace event JSON).  Also the JSON string writer they
 * share.  Not thread-safe: the orchestrator thread records, after the
 * workers have handed their times back.
 */
#ifndef OFFLOAD_TIMELINE_H
#define OFFLOAD_TIMELINE_H
#include <stddef.h>
#include "buf.h"

#define TIMELINE_MAIN (-1)        /* track of the orchestrator thread */

/* One batch as it ran: times in seconds from the start of execution
 * (struct timeline.exec_start). */
struct run_batch {
	unsigned no;              /* logs/batch-N.* */
	unsigned sandbox;         /* 0-based */
	char *host;               /* owned; where, NULL: here or not known */
	double start, end;
	size_t tests_nr;          /* tests handed to the framework */
	unsigned run;             /* 0-based run of a report read back
				     (junit_load: a merged report holds
				     several); 0 in a live run */
};

/* One offload run of a report read back (junit_load): each suite with
 * offload.batch properties starts one, the suites after it belong to it
 * (docs/report.md). */
struct report_run {
	char *label;              /* owned; "shard K/N", or "run N" (1-based) */
	char *stamp;              /* owned; its suite's timestamp, or NULL */
	char *host;               /* owned; its suite's hostname, or NULL */
	double offset;            /* seconds from the earliest run's timestamp
				     to its own (0 when not known) */
};

/* A phase of the run on one track; times are now_secs() values. */
struct run_span {
	const char *name;         /* static string */
	int track;                /* TIMELINE_MAIN or a sandbox index */
	double start, end;
};

struct timeline {
	double origin;            /* now_secs() when the run was created */
	double exec_start;        /* now_secs() when execution started */
	struct run_batch *batches;   /* owned, in completion order */
	size_t batches_nr, batches_alloc;
	struct run_span *spans;      /* owned */
	size_t spans_nr, spans_alloc;
	int nomem;                /* a record was lost to memory */
	/* Borrowed, or NULL: where the run wrote its batch logs, which the
	 * JUnit report records as offload.logs (docs/junit.md). */
	const char *log_dir;
	/* junit_load only: the report's runs (owned), and when there are
	 * more than one, the run of each result (owned, indexed like the
	 * report's results), else NULL. */
	struct report_run *runs;
	size_t runs_nr;
	unsigned *result_runs;
};

void timeline_init(struct timeline *tl, double origin);
void timeline_release(struct timeline *tl);

/* Record a batch (start and end are now_secs() values); host is copied.
 * Out of memory sets tl->nomem and drops the record. */
void timeline_batch(struct timeline *tl, unsigned no, unsigned sandbox,
		    const char *host, double start, double end,
		    size_t tests_nr);
void timeline_span(struct timeline *tl, const char *name, int track,
		   double start, double end);

/*
 * Append `s` as a JSON string (with its quotes) to `b`: valid UTF-8 kept,
 * control characters escaped, '<', '>', '&', U+2028 and U+2029 written
 * as \uXXXX so that the text is safe inside an HTML <script> element,
 * and each byte that is not valid UTF-8 written as the text "\xNN" (as
 * test IDs are in JUnit).  At most `cap` bytes of `s` are used (0: no
 * cap); a cut string ends with a note saying how much was left out.
 * Returns 0 or OFFLOAD_ENOMEM.
 */
int json_string(struct buf *b, const char *s, size_t cap);

/* Length of the valid UTF-8 character at p[0..n) (n >= 1), 0 if there
 * is none there (overlong forms and surrogates are not valid). */
size_t utf8_len(const unsigned char *p, size_t n);

/*
 * Write the trace of `tl` to `path` (atomically: temporary file, then
 * rename) as Chrome trace event JSON: one "X" event per span and batch,
 * pid 1, tid 0 for the orchestrator and tid N+1 for sandbox N, each
 * track named by an "M" thread_name event.  0, OFFLOAD_ENOMEM or -errno
 * with `err` naming the file.
 */
struct offload_error;
int timeline_write_trace(const struct timeline *tl, const char *path,
			 struct offload_error *err);

/*
 * Write `len` bytes of `data` to `path` atomically (a temporary file in
 * the same directory, then rename; parent directories created).
 * 0 or -errno with `err` saying "cannot write 'PATH': ...".
 */
int write_file_atomic(const char *path, const char *data, size_t len,
		      struct offload_error *err);

#endif
