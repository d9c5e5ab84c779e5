/* SPDX-License-Identifier: MIT */
/*
 * shard.c - CI shards: the K-th of N parts of a test list, balanced by
 * estimated duration, chosen the same way by N jobs that never talk.
 *
 * LPT (longest processing time first) over the history's estimates: sort
 * the tests heaviest first, then give each to the shard with the least
 * load so far (a binary heap keyed by load, then number of tests, then
 * shard number).  Graham's
 * bound puts the slowest shard within 4/3 of the optimum; with many tests
 * and a tail much shorter than a shard it is within a fraction of a test
 * of the mean.  Everything that decides a placement is the tests' own
 * data (weight, then ID, then group), never their discovery order, which
 * can differ from process to process (docs/design.md).  This module only
 * assigns; the weights come from history.c and the run (orch.c) keeps
 * the tests of its shard.
 *
 * Jobs that read different histories split differently, and nothing in
 * one job can tell: each job's report therefore records a digest of the
 * whole split (shard_digest), which `offload merge` compares across the
 * shards' reports (junit.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "shard.h"

struct item {
	double w;
	size_t i;
	const struct offload_test_list *t;
};

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c;

	if (a->w != b->w)
		return a->w > b->w ? -1 : 1;
	if ((c = strcmp(a->t->ids[a->i], b->t->ids[b->i])))
		return c;
	if (a->t->group[a->i] != b->t->group[b->i])
		return a->t->group[a->i] < b->t->group[b->i] ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

struct slot {
	double load;
	size_t tests;
	unsigned no;
};

/* Lighter first; at equal load (tests of no duration) the one with fewer
 * tests, so that instant tests still spread; then the lower number. */
static int slot_less(const struct slot *a, const struct slot *b)
{
	if (a->load != b->load)
		return a->load < b->load;
	if (a->tests != b->tests)
		return a->tests < b->tests;
	return a->no < b->no;
}

static void sift_down(struct slot *h, size_t n, size_t k)
{
	for (;;) {
		size_t l = 2 * k + 1, r = l + 1, m = k;
		struct slot tmp;

		if (l < n && slot_less(&h[l], &h[m]))
			m = l;
		if (r < n && slot_less(&h[r], &h[m]))
			m = r;
		if (m == k)
			return;
		tmp = h[k];
		h[k] = h[m];
		h[m] = tmp;
		k = m;
	}
}

int shard_assign(const struct offload_test_list *tests, const double *weight,
		 unsigned count, unsigned *shard)
{
	struct item *it;
	struct slot *heap;

	if (!count)
		return OFFLOAD_EUSAGE;
	it = malloc((tests->nr + 1) * sizeof(*it));
	heap = malloc(count * sizeof(*heap));
	if (!it || !heap) {
		free(it);
		free(heap);
		return OFFLOAD_ENOMEM;
	}
	for (size_t i = 0; i < tests->nr; i++) {
		double w = weight ? weight[i] : 0;

		it[i].w = isfinite(w) && w > 0 ? w : 0;
		it[i].i = i;
		it[i].t = tests;
	}
	qsort(it, tests->nr, sizeof(*it), cmp_item);
	/* Loads all 0 in shard order: a valid heap as it is. */
	for (unsigned s = 0; s < count; s++) {
		heap[s].load = 0;
		heap[s].tests = 0;
		heap[s].no = s;
	}
	for (size_t k = 0; k < tests->nr; k++) {
		shard[it[k].i] = heap[0].no;
		heap[0].load += it[k].w;
		heap[0].tests++;
		sift_down(heap, count, 0);
	}
	free(it);
	free(heap);
	return 0;
}

int shard_keep(struct offload_test_list *tests, double *durations,
	       const unsigned *shard, unsigned k,
	       struct offload_test_list *others)
{
	size_t w = 0, o = 0, drop = 0;

	for (size_t i = 0; i < tests->nr; i++)
		drop += shard[i] != k;
	memset(others, 0, sizeof(*others));
	others->ids = calloc(drop + 1, sizeof(*others->ids));
	others->group = malloc((drop + 1) * sizeof(*others->group));
	if (!others->ids || !others->group) {
		free(others->ids);
		free(others->group);
		memset(others, 0, sizeof(*others));
		return OFFLOAD_ENOMEM;
	}
	for (size_t i = 0; i < tests->nr; i++) {
		if (shard[i] != k) {
			others->ids[o] = tests->ids[i];
			others->group[o++] = tests->group[i];
			continue;
		}
		if (durations)
			durations[w] = durations[i];
		tests->ids[w] = tests->ids[i];
		tests->group[w++] = tests->group[i];
	}
	/* Both lists stay NULL-terminated (strv_free). */
	for (size_t i = w; i < tests->nr; i++)
		tests->ids[i] = NULL;
	tests->nr = w;
	others->nr = o;
	return 0;
}

/* 64-bit FNV-1a, continued from `h`. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* `v` as 8 bytes, least significant first: the same on every machine. */
static uint64_t fnv1a_u64(uint64_t h, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return fnv1a(h, b, sizeof(b));
}

struct digest_item {
	const char *id, *group;
	unsigned shard;
};

static int cmp_digest_item(const void *pa, const void *pb)
{
	const struct digest_item *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->id, b->id)) || (c = strcmp(a->group, b->group)))
		return c;
	return a->shard < b->shard ? -1 : a->shard > b->shard;
}

int shard_digest(const struct offload_test_list *tests,
		 const char *const *group_names, const unsigned *shard,
		 unsigned count, char hex[SHARD_DIGEST_LEN + 1])
{
	static const char tag[] = "offload split 1";
	struct digest_item *it = malloc((tests->nr + 1) * sizeof(*it));
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n;

	if (!it)
		return OFFLOAD_ENOMEM;
	for (size_t i = 0; i < tests->nr; i++) {
		it[i].id = tests->ids[i];
		it[i].group = group_names[tests->group[i]];
		it[i].shard = shard[i];
	}
	/* By ID (unique in a discovery), not in discovery order. */
	qsort(it, tests->nr, sizeof(*it), cmp_digest_item);
	h = fnv1a(h, tag, sizeof(tag));
	h = fnv1a_u64(h, count);
	h = fnv1a_u64(h, tests->nr);
	/* Each string after its length: no two lists hash the same text. */
	for (size_t i = 0; i < tests->nr; i++) {
		n = strlen(it[i].group);
		h = fnv1a(fnv1a_u64(h, n), it[i].group, n);
		n = strlen(it[i].id);
		h = fnv1a(fnv1a_u64(h, n), it[i].id, n);
		h = fnv1a_u64(h, it[i].shard);
	}
	free(it);
	snprintf(hex, SHARD_DIGEST_LEN + 1, "%016llx", (unsigned long long)h);
	return 0;
}
