/* SPDX-License-Identifier: MIT */
/*
 * html.c - the HTML report (see html.h).  The page is static HTML for the
 * counts, one JSON document with every result, and a script that draws
 * the timeline (SVG: one lane per sandbox, one rect per batch, one path
 * per lane and outcome for the tests in the batches) and the lists (a
 * page of 50-100 entries at a time, output built when opened), so that
 * 10,000 tests on 64 sandboxes stay a page a browser opens at once.
 * Nothing here reads files or knows where the results came from.
 */
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "error.h"
#include "html.h"
#include "html_page.h"
#include "junit.h"

/* Text as HTML character data: & < > " ' escaped, control characters
 * and bytes that are not valid UTF-8 written "\xNN" (as json_string). */
static int html_text(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t len = utf8_len(p + i, n - i);
		int r;

		switch (p[i]) {
		case '&': r = buf_adds(b, "&amp;"); break;
		case '<': r = buf_adds(b, "&lt;"); break;
		case '>': r = buf_adds(b, "&gt;"); break;
		case '"': r = buf_adds(b, "&quot;"); break;
		case '\'': r = buf_adds(b, "&#39;"); break;
		default:
			if (!len || p[i] < 0x20 || p[i] == 0x7f)
				r = buf_addf(b, "\\x%02x", p[i]);
			else
				r = buf_add(b, p + i, len);
		}
		if (r)
			return r;
		i += len ? len : 1;
	}
	return 0;
}

/* The attempt whose time a test reports (as junit.c's deciding attempt):
 * the first passing one, else the last one.  NULL if none. */
static const struct offload_attempt *shown_attempt(const struct offload_result *r)
{
	for (size_t i = 0; i < r->attempts_nr; i++)
		if (r->attempts[i].outcome == OFFLOAD_ATTEMPT_PASSED)
			return &r->attempts[i];
	return r->attempts_nr ? &r->attempts[r->attempts_nr - 1] : NULL;
}

static int json_num(struct buf *b, double v)
{
	if (!(v >= 0) || v > 1e12)
		v = 0;
	return buf_addf(b, "%.3f", v);
}

static int json_unsigned(struct buf *b, unsigned v)
{
	return v == UINT_MAX ? buf_adds(b, "-1") : buf_addf(b, "%u", v);
}

static int json_opt(struct buf *b, const char *s, size_t cap)
{
	return s ? json_string(b, s, cap) : buf_adds(b, "null");
}

static int attempt_failed(const struct offload_attempt *a)
{
	return a->outcome == OFFLOAD_ATTEMPT_FAILED ||
	       a->outcome == OFFLOAD_ATTEMPT_ERROR;
}

/* An attempt's output within what is left of the page's budget. */
static int json_output(struct buf *b, const char *s, size_t *budget)
{
	size_t n, cap = HTML_OUTPUT_CAP;

	if (!s)
		return buf_adds(b, "null");
	if (!*budget)
		return json_string(b, "[output left out: the page holds 32 MiB of "
				   "output in all; see offload logs --test ID]", 0);
	if (cap > *budget)
		cap = *budget;
	n = strlen(s);
	*budget -= n < cap ? n : cap;
	return json_string(b, s, cap);
}

static int render_data(struct buf *b, const struct offload_report *rep,
		       const struct html_meta *m)
{
	size_t budget = HTML_PAGE_OUTPUT_CAP;
	int runs = m->runs_nr > 1 && m->result_runs, r;

	r = buf_adds(b, "{\"title\":") || json_opt(b, m->title, 0) ||
	    buf_adds(b, ",\"timestamp\":") || json_opt(b, m->timestamp, 0) ||
	    buf_adds(b, ",\"secs\":") || json_num(b, rep->secs) ||
	    buf_addf(b, ",\"interrupted\":%d,\"groups\":[", rep->interrupted);
	for (size_t g = 0; !r && g < m->groups_nr; g++)
		r = (g && buf_addch(b, ',')) || json_string(b, m->groups[g], 0);
	r = r || buf_adds(b, "],\"warnings\":[");
	for (size_t i = 0; !r && i < rep->warnings_nr; i++)
		r = (i && buf_addch(b, ',')) ||
		    json_string(b, rep->warnings[i], HTML_OUTPUT_CAP);
	r = r || buf_adds(b, "]");
	/* a merged report's runs: [label, timestamp, offset, host] each,
	 * and each batch and test ends with its run */
	if (runs)
		r = r || buf_adds(b, ",\"runs\":[");
	for (size_t i = 0; !r && runs && i < m->runs_nr; i++) {
		const struct report_run *ru = &m->runs[i];

		r = buf_addf(b, "%s[", i ? "," : "") ||
		    json_string(b, ru->label, 0) || buf_addch(b, ',') ||
		    json_opt(b, ru->stamp, 0) || buf_addch(b, ',') ||
		    json_num(b, ru->offset) || buf_addch(b, ',') ||
		    json_opt(b, ru->host, 0) || buf_addch(b, ']');
	}
	r = r || (runs && buf_adds(b, "]"));
	r = r || buf_adds(b, ",\"batches\":[");
	for (size_t i = 0; !r && i < m->batches_nr; i++) {
		const struct run_batch *rb = &m->batches[i];

		r = buf_addf(b, "%s[%u,%u,", i ? ",\n" : "", rb->no, rb->sandbox) ||
		    json_num(b, rb->start) || buf_addch(b, ',') ||
		    json_num(b, rb->end) ||
		    buf_addf(b, ",%zu,", rb->tests_nr) ||
		    json_opt(b, rb->host, 0) ||
		    (runs && buf_addf(b, ",%u", rb->run)) || buf_addch(b, ']');
	}
	r = r || buf_adds(b, "],\"tests\":[");
	for (size_t i = 0; !r && i < rep->nr; i++) {
		const struct offload_result *res = &rep->results[i];
		const struct offload_attempt *d = shown_attempt(res);

		r = buf_adds(b, i ? ",\n[" : "\n[") || json_string(b, res->id, 0) ||
		    buf_addf(b, ",%zu,%d,", res->group, (int)res->verdict) ||
		    json_num(b, d && res->verdict != OFFLOAD_NOT_RUN ? d->secs : 0) ||
		    buf_addch(b, ',') || json_opt(b, res->not_run_reason, 0) ||
		    buf_adds(b, ",[");
		for (size_t k = 0; !r && k < res->attempts_nr; k++) {
			const struct offload_attempt *a = &res->attempts[k];
			int keep = attempt_failed(a) ||
				   a->outcome == OFFLOAD_ATTEMPT_SKIPPED;

			/* [outcome, secs, sandbox, batch, message, output, host] */
			r = buf_addf(b, "%s[%d,", k ? "," : "", (int)a->outcome) ||
			    json_num(b, a->secs) || buf_addch(b, ',') ||
			    json_unsigned(b, a->sandbox) || buf_addch(b, ',') ||
			    json_unsigned(b, a->batch) || buf_addch(b, ',') ||
			    json_opt(b, keep ? a->message : NULL, HTML_OUTPUT_CAP) ||
			    buf_addch(b, ',') ||
			    json_output(b, attempt_failed(a) ? a->output : NULL,
					&budget) ||
			    buf_addch(b, ',') || json_opt(b, a->host, 0) ||
			    buf_addch(b, ']');
		}
		r = r || buf_adds(b, "]") ||
		    (runs && buf_addf(b, ",%u", m->result_runs[i])) ||
		    buf_addch(b, ']');
	}
	return r || buf_adds(b, "]}");
}

/* The run's wall time; a report that does not record it (most runners'
 * own: no <testsuites time>) says so, with its suites' own time if it has
 * one, rather than show 0 s. */
static int wall_time(struct buf *b, const struct offload_report *rep,
		     const struct html_meta *m)
{
	if (!m->wall_unknown)
		return buf_addf(b, " &middot; wall time %.2f s",
				rep->secs > 0 ? rep->secs : 0);
	if (!m->suites_timed)
		return buf_adds(b, " &middot; wall time not recorded");
	return buf_addf(b, " &middot; wall time not recorded &middot; testsuite time %.2f s%s",
			m->suites_secs > 0 ? m->suites_secs : 0,
			m->suites_timed > 1 ? " (the sum of the report's suites)" :
			" (the report's suite)");
}

static int count(struct buf *b, const char *cls, size_t n, const char *what)
{
	return buf_addf(b, "<span class=\"c-%s\" id=\"count-%s\">%zu %s</span>",
			cls, cls, n, what);
}

int html_render(struct buf *b, const struct offload_report *rep,
		const struct html_meta *m)
{
	size_t sandboxes = 0;
	int r;

	for (size_t i = 0; i < m->batches_nr; i++) {
		size_t s = 0;

		for (size_t j = 0; j < i; j++)
			if (m->batches[j].sandbox == m->batches[i].sandbox &&
			    m->batches[j].run == m->batches[i].run)
				break;
			else
				s++;
		sandboxes += s == i;
	}
	r = buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width\">\n"
		     "<title>offload report") ||
	    (m->title && (buf_adds(b, ": ") || html_text(b, m->title))) ||
	    buf_adds(b, "</title>\n<style>\n") || buf_adds(b, html_page_css) ||
	    buf_adds(b, "</style></head><body>\n<h1>offload report</h1>\n<p class=\"muted\">") ||
	    (m->title && html_text(b, m->title)) ||
	    (m->timestamp && (buf_adds(b, " &middot; started ") ||
			      html_text(b, m->timestamp))) ||
	    wall_time(b, rep, m) ||
	    (m->runs_nr > 1 && m->result_runs &&
	     buf_addf(b, " &middot; %zu runs", m->runs_nr)) ||
	    (m->batches_nr && buf_addf(b, " &middot; %zu sandboxes, %zu batches",
				       sandboxes, m->batches_nr)) ||
	    (rep->interrupted && buf_adds(b, " &middot; <strong>interrupted</strong>")) ||
	    (rep->fail_fast_stopped && buf_adds(b, " &middot; <strong>stopped by --fail-fast</strong>")) ||
	    buf_addf(b, "</p>\n<p class=\"counts\"><span id=\"count-total\">%zu tests</span>", rep->nr) ||
	    count(b, "failed", rep->failed, "failed") ||
	    count(b, "flaky", rep->flaky, "flaky") ||
	    count(b, "notrun", rep->not_run, "not run") ||
	    count(b, "passed", rep->passed, "passed") ||
	    count(b, "skipped", rep->skipped, "skipped") ||
	    buf_adds(b, "</p>\n<noscript><p>The lists and the timeline need JavaScript; "
		     "the JUnit file holds the same results.</p></noscript>\n"
		     "<h2>Failures <span id=\"failures-n\"></span></h2><div id=\"failures\"></div>\n"
		     "<h2>Flaky <span id=\"flaky-n\"></span></h2><div id=\"flaky\"></div>\n"
		     "<h2>Not run <span id=\"notrun-n\"></span></h2><div id=\"notrun\"></div>\n"
		     "<h2>Timeline</h2><div id=\"timeline-chart\"></div><div id=\"detail\"></div>\n"
		     "<h2>Slowest <span id=\"slowest-n\"></span></h2><div id=\"slowest\"></div>\n"
		     "<h2>All tests</h2><p><input id=\"filter\" placeholder=\"part of an ID\" size=\"40\"> "
		     "<select id=\"which\"><option value=\"\">every verdict</option>"
		     "<option value=\"failed\">failed</option><option value=\"flaky\">flaky</option>"
		     "<option value=\"notrun\">not run</option><option value=\"passed\">passed</option>"
		     "<option value=\"skipped\">skipped</option></select></p><div id=\"all\"></div>\n"
		     "<h2>Warnings <span id=\"warnings-n\"></span></h2><div id=\"warnings\"></div>\n"
		     "<div id=\"tip\"></div>\n"
		     "<script id=\"offload-data\" type=\"application/json\">") ||
	    render_data(b, rep, m) ||
	    buf_adds(b, "</script>\n<script>\n") || buf_adds(b, html_page_js) ||
	    buf_adds(b, "</script>\n</body></html>\n");
	return r ? OFFLOAD_ENOMEM : 0;
}

int html_write(const char *path, const struct offload_report *rep,
	       const struct html_meta *meta, struct offload_error *err)
{
	struct buf b = BUF_INIT;
	int r;

	if (html_render(&b, rep, meta))
		r = err_set(err, OFFLOAD_ENOMEM, "html report '%s': out of memory", path);
	else
		r = write_file_atomic(path, b.buf, b.len, err);
	buf_release(&b);
	return r;
}

/*
 * output_dir/report.html, unless the JUnit file was moved elsewhere (the
 * command's --junit, the Make module's per-recipe reports, which may run
 * at once): then beside it, FILE.xml giving FILE.html.
 */
char *offload_report_html_path(const struct offload_config *cfg)
{
	struct buf path = BUF_INIT;
	const char *j = cfg->junit_file;
	size_t n = strlen(cfg->output_dir), len;
	int r;

	if (!j || (!strncmp(j, cfg->output_dir, n) && !strcmp(j + n, "/junit.xml"))) {
		r = buf_addf(&path, "%s/report.html", cfg->output_dir);
	} else {
		len = strlen(j);
		if (len > 4 && !strcmp(j + len - 4, ".xml"))
			len -= 4;
		r = buf_add(&path, j, len) || buf_adds(&path, ".html");
	}
	if (r) {
		buf_release(&path);
		return NULL;
	}
	return buf_detach(&path);
}

int html_write_run(const struct offload_config *cfg,
		   const struct offload_report *rep, const struct timeline *tl,
		   struct offload_error *err)
{
	struct html_meta m = { 0 };
	char *path;
	const char **groups = NULL;
	char stamp[64];
	time_t start;
	struct tm tm;
	int r;

	start = time(NULL) - (time_t)(rep->secs > 0 ? rep->secs : 0);
	if (gmtime_r(&start, &tm) &&
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		m.timestamp = stamp;
	if (cfg->groups_nr &&
	    !(groups = calloc(cfg->groups_nr, sizeof(*groups))))
		return err_set(err, OFFLOAD_ENOMEM, "html report: out of memory");
	for (size_t g = 0; g < cfg->groups_nr; g++)
		groups[g] = cfg->groups[g].name ? cfg->groups[g].name : "default";
	m.groups = groups;
	m.groups_nr = cfg->groups_nr;
	m.title = cfg->path;
	if (tl) {
		m.batches = tl->batches;
		m.batches_nr = tl->batches_nr;
	}
	if (!(path = offload_report_html_path(cfg)))
		r = err_set(err, OFFLOAD_ENOMEM, "html report: out of memory");
	else
		r = html_write(path, rep, &m, err);
	free(path);
	free(groups);
	return r;
}

int offload_report_load(const char *path, struct offload_report *rep,
			struct offload_error *err)
{
	struct strvec groups = STRVEC_INIT;
	struct timeline tl;
	char *stamp = NULL;
	int r;

	timeline_init(&tl, 0);
	r = junit_load(path, rep, &groups, &tl, &stamp, NULL, err);
	timeline_release(&tl);
	strvec_clear(&groups);
	free(stamp);
	if (r)
		offload_report_release(rep);
	return r;
}

int offload_report_html(const char *junit_path, const char *html_path,
			struct offload_error *err)
{
	struct offload_report rep;
	struct strvec groups = STRVEC_INIT;
	struct html_meta m = { 0 };
	struct junit_times times = { 0, 0, 0 };
	struct timeline tl;
	char *stamp = NULL;
	int r;

	timeline_init(&tl, 0);
	r = junit_load(junit_path, &rep, &groups, &tl, &stamp, &times, err);
	if (!r) {
		m.title = junit_path;
		m.wall_unknown = !times.wall_known;
		m.suites_secs = times.suites_secs;
		m.suites_timed = times.suites_timed;
		m.timestamp = stamp;
		m.groups = (const char *const *)groups.v;
		m.groups_nr = groups.nr;
		m.batches = tl.batches;
		m.batches_nr = tl.batches_nr;
		m.runs = tl.runs;
		m.runs_nr = tl.runs_nr;
		m.result_runs = tl.result_runs;
		r = html_write(html_path, &rep, &m, err);
	}
	offload_report_release(&rep);
	timeline_release(&tl);
	strvec_clear(&groups);
	free(stamp);
	return r;
}
