/* SPDX-License-Identifier: MIT */
/*
 * points.c - a test's points across its attempts (points.h).  A point
 * is found by its ID: the attempt of a retry lands on the point of the
 * same ID, so a point that failed once and passed once is flaky, like
 * any test.  A point an attempt did not report (the script stopped
 * before it) simply has fewer attempts; the test's own result says why.
 */
#include <stdlib.h>
#include <string.h>
#include "alloc.h"
#include "points.h"
#include "report.h"

static struct point_result *find(struct point_results *p, const char *id,
				 size_t hint)
{
	/* points usually come back in the order they came first */
	if (hint < p->nr && !strcmp(p->v[hint].id, id))
		return &p->v[hint];
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->v[i].id, id))
			return &p->v[i];
	return NULL;
}

int attempt_append(struct offload_attempt **att, size_t *nr, size_t *alloc,
		   const struct test_outcome *o, unsigned sandbox,
		   unsigned batch, const char *host)
{
	struct offload_attempt *a;

	if (*nr == *alloc) {
		size_t n = *alloc ? 2 * *alloc : 2;

		a = alloc_reallocarray(*att, n, sizeof(*a));
		if (!a)
			return OFFLOAD_ENOMEM;
		*att = a;
		*alloc = n;
	}
	a = &(*att)[(*nr)++];
	memset(a, 0, sizeof(*a));
	a->outcome = o->outcome;
	a->secs = o->secs;
	a->sandbox = sandbox;
	a->batch = batch;
	a->message = o->message ? alloc_strdup(o->message) : NULL;
	a->output = o->output ? alloc_strdup(o->output) : NULL;
	a->host = host ? alloc_strdup(host) : NULL;
	if ((o->message && !a->message) || (o->output && !a->output) ||
	    (host && !a->host))
		return OFFLOAD_ENOMEM;
	return 0;
}

int points_record(struct point_results *p, const struct test_outcome *o,
		  unsigned sandbox, unsigned batch, const char *host)
{
	for (size_t k = 0; k < o->points_nr; k++) {
		const struct test_outcome *po = &o->points[k];
		struct point_result *pr;

		if (!po->id || !po->have)
			continue;
		pr = find(p, po->id, k);
		if (!pr) {
			if (p->nr == p->alloc) {
				size_t n = p->alloc ? 2 * p->alloc : 8;
				struct point_result *v =
					alloc_reallocarray(p->v, n, sizeof(*v));

				if (!v)
					return OFFLOAD_ENOMEM;
				p->v = v;
				p->alloc = n;
			}
			pr = &p->v[p->nr];
			memset(pr, 0, sizeof(*pr));
			if (!(pr->id = alloc_strdup(po->id)))
				return OFFLOAD_ENOMEM;
			p->nr++;
		}
		if (attempt_append(&pr->att, &pr->att_nr, &pr->att_alloc, po,
				   sandbox, batch, host))
			return OFFLOAD_ENOMEM;
	}
	return 0;
}

void points_move(struct point_results *p, struct offload_result *dst,
		 size_t group)
{
	for (size_t i = 0; i < p->nr; i++) {
		struct offload_result *r = &dst[i];

		r->id = p->v[i].id;
		r->group = group;
		r->attempts = p->v[i].att;
		r->attempts_nr = p->v[i].att_nr;
		r->verdict = verdict_of(r->attempts, r->attempts_nr);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void points_release(struct point_results *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		for (size_t k = 0; k < p->v[i].att_nr; k++) {
			free(p->v[i].att[k].message);
			free(p->v[i].att[k].output);
			free(p->v[i].att[k].host);
		}
		free(p->v[i].att);
		free(p->v[i].id);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}
