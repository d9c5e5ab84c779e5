/* SPDX-License-Identifier: MIT */
/*
 * history.c - durations of past runs, for the scheduler's LPT.
 *
 * The history is a JUnit file, by default the previous run's merged
 * report: offload wrote each test as name = junit_escape(ID), classname =
 * group.  Cases are indexed in a small open-addressing hash table keyed
 * by name, since suites have 100k tests and a linear search per test
 * would be quadratic.  A history that cannot be read only costs the
 * scheduling quality, so it is a warning, never an error.
 *
 * This module does not estimate unknown tests (sched.c does).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "error.h"
#include "history.h"
#include "junit.h"

/* Slots hold index + 1 of a case; 0 is empty. */
struct case_index {
	size_t *slots;
	size_t mask;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int index_build(struct case_index *ix, const struct junit_case *cases,
		       size_t nr)
{
	size_t size = 16, i, j;

	while (size < nr * 2)
		size *= 2;
	ix->slots = calloc(size, sizeof(*ix->slots));
	if (!ix->slots)
		return OFFLOAD_ENOMEM;
	ix->mask = size - 1;
	for (i = 0; i < nr; i++) {
		j = hash_str(cases[i].name) & ix->mask;
		while (ix->slots[j])
			j = (j + 1) & ix->mask;
		ix->slots[j] = i + 1;
	}
	return 0;
}

/*
 * The case named `name`, preferring one whose classname is `classname`;
 * among several equal candidates the first in the file.  NULL if none.
 */
static const struct junit_case *index_find(const struct case_index *ix,
					   const struct junit_case *cases,
					   const char *name,
					   const char *classname)
{
	size_t j = hash_str(name) & ix->mask, k;
	size_t exact = SIZE_MAX, any = SIZE_MAX;

	for (; ix->slots[j]; j = (j + 1) & ix->mask) {
		k = ix->slots[j] - 1;
		if (strcmp(cases[k].name, name))
			continue;
		if (!strcmp(cases[k].classname, classname) && k < exact)
			exact = k;
		if (k < any)
			any = k;
	}
	if (exact != SIZE_MAX)
		return &cases[exact];
	return any != SIZE_MAX ? &cases[any] : NULL;
}

/*
 * offload writes tests that never ran as <error type="notRun"> with a
 * time of 0: that says nothing about how long they take.
 */
static int case_has_duration(const struct junit_case *c)
{
	return !(c->outcome == OFFLOAD_ATTEMPT_ERROR && c->message &&
		 !strncmp(c->message, "not run:", 8));
}

int history_load(const char *path, const struct offload_config *cfg,
		 const struct offload_test_list *tests, double *durations,
		 size_t *known, char **warning)
{
	struct offload_error err = { 0, "" };
	struct junit_case *cases = NULL;
	struct case_index ix = { NULL, 0 };
	const struct junit_case *c;
	char *name = NULL, *group = NULL;
	size_t nr = 0, i, g;
	struct stat st;
	int rc = 0;

	*known = 0;
	if (warning)
		*warning = NULL;
	for (i = 0; i < tests->nr; i++)
		durations[i] = -1;
	if (!path || (stat(path, &st) < 0 && errno == ENOENT))
		return 0;

	if (junit_read(path, -1, &cases, &nr, &err)) {
		if (err.code == OFFLOAD_ENOMEM) {
			rc = OFFLOAD_ENOMEM;
		} else if (warning) {
			size_t len = strlen(path) + strlen(err.msg) + 64;

			*warning = malloc(len);
			if (!*warning)
				rc = OFFLOAD_ENOMEM;
			else
				snprintf(*warning, len, "history '%s' unreadable: "
					 "%s; scheduling in discovery order", path,
					 err.msg);
		}
		goto cleanup;
	}
	if ((rc = index_build(&ix, cases, nr)))
		goto cleanup;
	for (i = 0; i < tests->nr; i++) {
		g = tests->group[i];
		name = junit_escape(tests->ids[i]);
		group = junit_escape(cfg && g < cfg->groups_nr &&
				     cfg->groups[g].name ?
				     cfg->groups[g].name : "");
		if (!name || !group) {
			rc = OFFLOAD_ENOMEM;
			goto cleanup;
		}
		c = index_find(&ix, cases, name, group);
		if (c && case_has_duration(c)) {
			durations[i] = c->secs;
			(*known)++;
		}
		free(name);
		free(group);
		name = group = NULL;
	}

cleanup:
	if (rc) {
		*known = 0;
		for (i = 0; i < tests->nr; i++)
			durations[i] = -1;
	}
	free(name);
	free(group);
	free(ix.slots);
	junit_cases_free(cases, nr);
	return rc;
}
