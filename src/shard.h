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

#endif
