/* SPDX-License-Identifier: MIT */
/* shard.h - splitting a test list into N duration-balanced CI shards
 * (shard.c), for `offload run --shard K/N`. */
#ifndef OFFLOAD_SHARD_H
#define OFFLOAD_SHARD_H
#include "offload.h"

/*
 * Put each of tests->nr tests into one of `count` shards (shard[i] in
 * 0..count-1), balancing the sum of weight[i] (estimated seconds, >= 0;
 * NaN or negative counts as 0): LPT, the heaviest test first, each into
 * the lightest shard so far.  Ties are broken by the test's ID (strcmp),
 * then its group index, and between shards of equal load by the fewer
 * tests, then the lower shard: the result depends only on the (ID, group, weight) triples, not
 * on their order, so N CI jobs that discover the same tests and read the
 * same history agree on the split without talking to each other.  Every
 * test is in exactly one shard.  O(n log n + n log count).  0,
 * OFFLOAD_EUSAGE (count 0), OFFLOAD_ENOMEM.  `shard` is the caller's.
 */
int shard_assign(const struct offload_test_list *tests, const double *weight,
		 unsigned count, unsigned *shard);

/*
 * Keep in `tests` the tests with shard[i] == k, in their order, and move
 * the others to `others` (empty on entry; its strings then owned there);
 * durations (may be NULL) is compacted alongside.  0 or OFFLOAD_ENOMEM
 * (nothing changed).
 */
int shard_keep(struct offload_test_list *tests, double *durations,
	       const unsigned *shard, unsigned k,
	       struct offload_test_list *others);

/* Hex digits in a digest of a split. */
#define SHARD_DIGEST_LEN 16

/*
 * A digest of a whole split, as `hex` (SHARD_DIGEST_LEN lower-case hex
 * digits and a NUL): 64-bit FNV-1a over `count` and every test's
 * (group name, ID, shard[i]), taken in the order of their IDs, so that
 * every job of one split computes the same digest whatever its
 * discovery order, and a job that placed any test elsewhere (it read
 * another history, or discovered other tests) computes another one (but
 * for a 2^-64 chance).  group_names[tests->group[i]] is test i's group.
 * Not a defence against forgery: it tells accidents apart.  0 or
 * OFFLOAD_ENOMEM.
 */
int shard_digest(const struct offload_test_list *tests,
		 const char *const *group_names, const unsigned *shard,
		 unsigned count, char hex[SHARD_DIGEST_LEN + 1]);

#endif
