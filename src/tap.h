/* SPDX-License-Identifier: MIT */
/*
 * tap.h - reading one TAP stream (the Test Anything Protocol, versions 12
 * and 13, as Perl's TAP::Parser and so `prove` read it) into its plan,
 * points, bail-out and the problems prove would report.  It reads text;
 * framework_tap.c runs the producers and turns this into results.
 */
#ifndef OFFLOAD_TAP_H
#define OFFLOAD_TAP_H
#include <stddef.h>
#include "buf.h"

enum tap_directive { TAP_NONE, TAP_SKIP, TAP_TODO };

/* One `ok` or `not ok` line. */
struct tap_point {
	unsigned long number;     /* as written, or counted when absent */
	int ok;                   /* "ok" (1) or "not ok" (0) */
	enum tap_directive directive;
	char *description;        /* owned; trimmed, a leading "-" and blanks
				     removed, "\#" read as "#"; "" if none */
	char *reason;             /* owned; the directive's text, "" if none */
	char *diag;               /* owned or NULL: its YAML block ("---" to
				     "...") and the "#" lines after it */
};

struct tap_stream {
	struct tap_point *points; /* owned, in stream order */
	size_t nr, alloc;
	long planned;             /* N of "1..N", -1 when no plan was read */
	int skip_all;             /* "1..0": the whole script skipped */
	char *skip_reason;        /* owned or NULL: "1..0 # SKIP reason" */
	char *bail;               /* owned or NULL: "Bail out! reason" (reason
				     may be ""); nothing after it is read */
	unsigned version;         /* "TAP version N", 12 when absent */
	struct strvec errors;     /* owned; what prove calls parse errors:
				     plan misplaced, repeated, missing or
				     short, tests out of sequence, version */
};

/*
 * Parse `len` bytes of `text` (need not end in a newline; a last line
 * cut short is read as it is; NUL bytes end a line's text there).  `out`
 * need not be initialised; release it with tap_stream_release whatever
 * the result.  Returns 0 or OFFLOAD_ENOMEM.  Any text is a valid stream:
 * lines that are not TAP (output, indented subtests) are ignored, as
 * prove ignores them.
 */
int tap_parse(const char *text, size_t len, struct tap_stream *out);
void tap_stream_release(struct tap_stream *s);

/* Counts prove uses to judge a stream: points that fail (not ok without
 * TODO), and the problems as one sentence each (errors, bail-out). */
size_t tap_failed(const struct tap_stream *s);

#endif
