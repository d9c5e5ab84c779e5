/* SPDX-License-Identifier: MIT */
/*
 * test-shard.c - CI shards (src/shard.c): every test in exactly one
 * shard, the same split whatever the discovery order, balanced on a
 * heavy-tailed suite, ties broken by ID, the kept/other lists, and the
 * digest of a split that `offload merge` compares across shards.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shard.h"

enum { N = 2000 };

/* A fixed-seed generator: the same suite on every machine. */
static uint64_t rng;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

struct suite {
	char *ids[N + 1];
	size_t group[N];
	double w[N];
	unsigned shard[N];
	struct offload_test_list list;
};

/* n tests "t/NNNN" with Pareto(1.2) durations of at least 0.05 s: most
 * short, a few long. */
static struct suite *make_suite(size_t n, uint64_t seed)
{
	struct suite *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	rng = seed;
	for (size_t i = 0; i < n; i++) {
		s->ids[i] = malloc(16);
		assert_non_null(s->ids[i]);
		snprintf(s->ids[i], 16, "t/%04zu", i);
		s->group[i] = i % 3;
		s->w[i] = 0.05 * pow(1 - uniform(), -1 / 1.2);
	}
	s->list.ids = s->ids;
	s->list.group = s->group;
	s->list.nr = n;
	return s;
}

static void free_suite(struct suite *s)
{
	for (size_t i = 0; i < s->list.nr; i++)
		free(s->ids[i]);
	free(s);
}

static void test_cover_disjoint(void **state)
{
	struct suite *s = make_suite(N, 7);
	size_t per[5] = { 0 };

	(void)state;
	for (size_t i = 0; i < N; i++)
		s->shard[i] = 99;
	assert_int_equal(shard_assign(&s->list, s->w, 5, s->shard), 0);
	/* one shard each, in range: exactly one */
	for (size_t i = 0; i < N; i++) {
		assert_true(s->shard[i] < 5);
		per[s->shard[i]]++;
	}
	assert_int_equal(per[0] + per[1] + per[2] + per[3] + per[4], N);
	for (int k = 0; k < 5; k++)
		assert_true(per[k] > 0);
	assert_int_equal(shard_assign(&s->list, s->w, 0, s->shard), OFFLOAD_EUSAGE);
	free_suite(s);
}

static void test_deterministic(void **state)
{
	struct suite *a = make_suite(N, 11), *b = make_suite(N, 11);

	(void)state;
	/* b is a in another discovery order (reversed, then rotated). */
	for (size_t i = 0; i < N / 2; i++) {
		size_t j = N - 1 - i;
		char *t = b->ids[i];
		double w = b->w[i];
		size_t g = b->group[i];

		b->ids[i] = b->ids[j], b->ids[j] = t;
		b->w[i] = b->w[j], b->w[j] = w;
		b->group[i] = b->group[j], b->group[j] = g;
	}
	assert_int_equal(shard_assign(&a->list, a->w, 4, a->shard), 0);
	assert_int_equal(shard_assign(&b->list, b->w, 4, b->shard), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(a->shard[i], b->shard[N - 1 - i]);
	free_suite(a);
	free_suite(b);
}

/* The slowest shard over the mean shard. */
static double imbalance(const struct suite *s, unsigned n)
{
	double load[16] = { 0 }, total = 0, most = 0;

	for (size_t i = 0; i < s->list.nr; i++) {
		load[s->shard[i]] += s->w[i];
		total += s->w[i];
	}
	for (unsigned k = 0; k < n; k++)
		if (load[k] > most)
			most = load[k];
	return most / (total / n);
}

static void test_balanced(void **state)
{
	(void)state;
	/* Heavy-tailed suites of several seeds and sizes over 2 to 8
	 * shards: the slowest shard is within 3 % of the mean whenever no
	 * single test is longer than that (then the longest test bounds
	 * every split). */
	for (uint64_t seed = 1; seed <= 20; seed++)
		for (unsigned n = 2; n <= 8; n *= 2) {
			struct suite *s = make_suite(seed % 2 ? N : 200, seed);
			double total = 0, longest = 0, r, bound;

			for (size_t i = 0; i < s->list.nr; i++) {
				total += s->w[i];
				if (s->w[i] > longest)
					longest = s->w[i];
			}
			assert_int_equal(shard_assign(&s->list, s->w, n, s->shard), 0);
			r = imbalance(s, n);
			bound = longest / (total / n);
			if (bound < 1.03)
				bound = 1.03;
			if (r > bound + 1e-9)
				fail_msg("seed %llu, %u shards: slowest/mean %.4f > %.4f",
					 (unsigned long long)seed, n, r, bound);
			free_suite(s);
		}
}

static void test_ties_by_id(void **state)
{
	char *ids[] = { (char *)"d", (char *)"b", (char *)"a", (char *)"c",
			(char *)"e" };
	size_t group[5] = { 0 };
	struct offload_test_list list = { ids, group, 5 };
	unsigned shard[5];

	(void)state;
	/* No durations at all: by ID, round-robin over the shards. */
	assert_int_equal(shard_assign(&list, NULL, 2, shard), 0);
	assert_int_equal(shard[2], 0);  /* a */
	assert_int_equal(shard[1], 1);  /* b */
	assert_int_equal(shard[3], 0);  /* c */
	assert_int_equal(shard[0], 1);  /* d */
	assert_int_equal(shard[4], 0);  /* e */
	/* More shards than tests: some are empty, none is shared. */
	assert_int_equal(shard_assign(&list, NULL, 8, shard), 0);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < i; j++)
			assert_int_not_equal(shard[i], shard[j]);
}

static void test_keep(void **state)
{
	char **ids = calloc(6, sizeof(*ids));
	size_t *group = calloc(5, sizeof(*group));
	struct offload_test_list list = { ids, group, 5 }, others;
	double d[5] = { 0, 1, 2, 3, 4 };
	unsigned shard[5] = { 1, 0, 1, 1, 0 };

	(void)state;
	assert_true(ids && group);
	for (size_t i = 0; i < 5; i++) {
		ids[i] = malloc(4);
		snprintf(ids[i], 4, "t%zu", i);
		group[i] = i;
	}
	assert_int_equal(shard_keep(&list, d, shard, 1, &others), 0);
	assert_int_equal(list.nr, 3);
	assert_string_equal(list.ids[0], "t0");
	assert_string_equal(list.ids[1], "t2");
	assert_string_equal(list.ids[2], "t3");
	assert_null(list.ids[3]);
	assert_true(d[0] == 0 && d[1] == 2 && d[2] == 3);
	assert_int_equal(list.group[1], 2);
	assert_int_equal(others.nr, 2);
	assert_string_equal(others.ids[0], "t1");
	assert_string_equal(others.ids[1], "t4");
	assert_null(others.ids[2]);
	assert_int_equal(others.group[1], 4);
	offload_test_list_release(&list);
	offload_test_list_release(&others);
}

static const char *const group_names[3] = { "unit", "integration", "e2e" };

/* The digest of s's split into n shards by its weights. */
static void digest_of(struct suite *s, unsigned n, char hex[SHARD_DIGEST_LEN + 1])
{
	assert_int_equal(shard_assign(&s->list, s->w, n, s->shard), 0);
	memset(hex, 'x', SHARD_DIGEST_LEN + 1);
	assert_int_equal(shard_digest(&s->list, group_names, s->shard, n, hex), 0);
	assert_int_equal(strlen(hex), SHARD_DIGEST_LEN);
	assert_int_equal(strspn(hex, "0123456789abcdef"), SHARD_DIGEST_LEN);
}

/*
 * Jobs of one split compute one digest, whatever their discovery order;
 * a job that read another history (another split), discovered another
 * test, or split into another number of shards computes another one.  A
 * history that changes no placement changes nothing: the digest is of
 * the split, not of the durations.
 */
static void test_digest(void **state)
{
	struct suite *a = make_suite(N, 5), *b = make_suite(N, 5);
	char da[SHARD_DIGEST_LEN + 1], db[SHARD_DIGEST_LEN + 1];
	size_t moved = 0, i, j;

	(void)state;
	/* b: a in reverse discovery order. */
	for (i = 0; i < N / 2; i++) {
		char *t = b->ids[i];
		double w = b->w[i];
		size_t g = b->group[i];

		j = N - 1 - i;
		b->ids[i] = b->ids[j], b->ids[j] = t;
		b->w[i] = b->w[j], b->w[j] = w;
		b->group[i] = b->group[j], b->group[j] = g;
	}
	digest_of(a, 4, da);
	digest_of(b, 4, db);
	assert_string_equal(da, db);

	/* The next run's history: every duration a little longer (the same
	 * order of weights, so the same LPT split), then a few tests much
	 * slower (another split, as in jobs that ran one after another and
	 * each recorded its shard). */
	for (i = 0; i < N; i++)
		b->w[i] *= 1.5;
	digest_of(b, 4, db);
	assert_string_equal(da, db);
	for (i = 0; i < N; i += 97)
		b->w[i] += 3;
	{
		unsigned before[N];

		memcpy(before, b->shard, sizeof(before));
		digest_of(b, 4, db);
		for (i = 0; i < N; i++)
			moved += before[i] != b->shard[i];
	}
	assert_true(moved > 0);
	assert_string_not_equal(da, db);

	/* Another number of shards, or one test fewer. */
	digest_of(a, 5, db);
	assert_string_not_equal(da, db);
	a->list.nr--;
	digest_of(a, 4, db);
	assert_string_not_equal(da, db);
	a->list.nr++;

	/* One test moved between two shards, by hand: only the placement
	 * differs.  Then the same ID in another group. */
	digest_of(a, 4, da);
	a->shard[0] = (a->shard[0] + 1) % 4;
	assert_int_equal(shard_digest(&a->list, group_names, a->shard, 4, db), 0);
	assert_string_not_equal(da, db);
	a->shard[0] = (a->shard[0] + 3) % 4;
	assert_int_equal(shard_digest(&a->list, group_names, a->shard, 4, db), 0);
	assert_string_equal(da, db);
	a->group[0] = (a->group[0] + 1) % 3;
	assert_int_equal(shard_digest(&a->list, group_names, a->shard, 4, db), 0);
	assert_string_not_equal(da, db);

	/* IDs are data: group "c" with ID "ab" and group "ca" with ID "b"
	 * (the same bytes in a row) hash apart; so may any byte. */
	{
		char *ids1[] = { (char *)"ab", (char *)"\xff\n" };
		char *ids2[] = { (char *)"b", (char *)"\xff\n" };
		const char *g1[] = { "c" }, *g2[] = { "ca" };
		size_t grp[2] = { 0, 0 };
		unsigned sh[2] = { 0, 1 };
		struct offload_test_list l1 = { ids1, grp, 2 }, l2 = { ids2, grp, 2 };

		assert_int_equal(shard_digest(&l1, g1, sh, 2, da), 0);
		assert_int_equal(shard_digest(&l2, g2, sh, 2, db), 0);
		assert_string_not_equal(da, db);
	}
	free_suite(a);
	free_suite(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cover_disjoint),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_balanced),
		cmocka_unit_test(test_ties_by_id),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
