/* SPDX-License-Identifier: MIT */
/*
 * html.h - the HTML report: one self-contained page (no network, no
 * external file) with the run's counts, the failures with their output,
 * flaky tests with each attempt, tests not run with the reason, the
 * slowest tests, every test (paged), and a timeline of the batches on
 * their sandboxes.  The data travels as one JSON document inside the page
 * (every string escaped by json_string, so no ID or output can become
 * markup); the page's script draws it with textContent and SVG only.
 */
#ifndef OFFLOAD_HTML_H
#define OFFLOAD_HTML_H
#include "offload.h"
#include "buf.h"
#include "timeline.h"

/* Bytes of one attempt's output kept in the page (the JUnit file and the
 * logs have it whole). */
#define HTML_OUTPUT_CAP (64 * 1024)
/* Bytes of output the page holds in all (a run where everything fails
 * still gives a page a browser opens); later outputs say where to look. */
#define HTML_PAGE_OUTPUT_CAP (32 * 1024 * 1024)

/* What the page shows besides the results; everything borrowed. */
struct html_meta {
	const char *title;        /* e.g. the JUnit file's path; may be NULL */
	const char *timestamp;    /* when the run started, ISO 8601; may be NULL */
	const char *const *groups;   /* group names by offload_result.group */
	size_t groups_nr;
	const struct run_batch *batches;   /* may be NULL */
	size_t batches_nr;
	/* A merged report's runs (junit_load): with more than one, each
	 * batch's run and result_runs[i] the run of rep->results[i]; a
	 * report of one run leaves them out of the page. */
	const struct report_run *runs;
	size_t runs_nr;
	const unsigned *result_runs;
	/* a report that does not record the run's wall time (another
	 * runner's): the page says so, with its suites' own time (their
	 * sum, suites_timed of them had one) instead of 0 s */
	int wall_unknown;
	double suites_secs;
	size_t suites_timed;
};

/* Append the page for `rep` to `out`.  0 or OFFLOAD_ENOMEM. */
int html_render(struct buf *out, const struct offload_report *rep,
		const struct html_meta *meta);

/* html_render into `path`, written atomically.  0, OFFLOAD_ENOMEM or
 * -errno with `err` naming the file. */
int html_write(const char *path, const struct offload_report *rep,
	       const struct html_meta *meta, struct offload_error *err);



/*
 * The report of a finished run at output_dir/report.html, or beside a
 * JUnit file that is not output_dir/junit.xml (FILE.xml: FILE.html), so
 * that runs with their own reports do not share one page: `cfg` gives
 * the paths and the group names, `tl` the batches (may be NULL).
 */
struct offload_config;
int html_write_run(const struct offload_config *cfg,
		   const struct offload_report *rep, const struct timeline *tl,
		   struct offload_error *err);
#endif
