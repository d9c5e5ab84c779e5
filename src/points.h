/* SPDX-License-Identifier: MIT */
/*
 * points.h - the results a test reports about its own parts once it has
 * run (a TAP script's points: struct test_outcome's `points`), kept per
 * test across its attempts, and turned into results of their own in the
 * report.  Only orch.c's orchestrator thread uses them.
 * See docs/design.md, "Points".
 */
#ifndef OFFLOAD_POINTS_H
#define OFFLOAD_POINTS_H
#include "framework.h"

struct point_result {
	char *id;                          /* owned */
	struct offload_attempt *att;       /* owned, in completion order */
	size_t att_nr, att_alloc;
};

/* One test's points, in the order they were first reported. */
struct point_results {
	struct point_result *v;            /* owned */
	size_t nr, alloc;
};

/*
 * Record the points of attempt `o` (its `points`), each as an attempt of
 * the point with the same ID (a new point when none has it yet), with
 * the attempt's sandbox, batch and host.  0 or OFFLOAD_ENOMEM (then some
 * may be recorded without their text).
 */
int points_record(struct point_results *p, const struct test_outcome *o,
		  unsigned sandbox, unsigned batch, const char *host);

/*
 * Move every point into dst[0..p->nr): ID and attempts handed over, the
 * verdict from its attempts, `group` its group; `p` is left empty.
 */
void points_move(struct point_results *p, struct offload_result *dst,
		 size_t group);

void points_release(struct point_results *p);

/*
 * Append attempt `o` (copied) to the array att[nr] of `alloc` slots.
 * OFFLOAD_ENOMEM when it could not be appended, or was appended without
 * its message, output or host (left NULL): the caller must say so.
 */
int attempt_append(struct offload_attempt **att, size_t *nr, size_t *alloc,
		   const struct test_outcome *o, unsigned sandbox,
		   unsigned batch, const char *host);

#endif
