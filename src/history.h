/* SPDX-License-Identifier: MIT */
/* history.h - past durations for the scheduler (history.c). */
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

#endif
