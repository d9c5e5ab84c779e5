/* SPDX-License-Identifier: MIT */
/* scheduler.h - expansion of retries into instances and the pull-model
 * scheduler that cuts them into batches as sandboxes free up (guided
 * sizes, longest first with history), with lost batches run again first
 * and hedged copies last (scheduler.c). */
#ifndef OFFLOAD_SCHEDULER_H
#define OFFLOAD_SCHEDULER_H
#include "offload.h"

struct batch {
	unsigned no;              /* 1-based, unique in the run */
	size_t group;             /* every test of a batch is in this group */
	size_t *tests;            /* indices into the run's test list */
	size_t nr;
	double est;               /* estimated seconds */
	size_t id_bytes;          /* sum of strlen(id) + 1 */
	unsigned hedge;           /* 0: planned; n: a hedged copy, n-th generation */
	unsigned requeued;        /* run again after its sandbox was lost */
	void *user;               /* the caller's room: see sched_init */
	struct batch *next;       /* scheduler.c's queues */
};

struct sgroup;

/*
 * The scheduler.  Not thread-safe: the caller serialises every call (the
 * orchestrator holds its run lock).  A batch is allocated when it is
 * handed out, with `user_fixed + user_per_test * nr` bytes of the
 * caller's own behind it (batch->user, aligned for any type), and lives
 * until sched_finish().
 */
struct sched {
	const struct offload_config *cfg;
	const struct offload_test_list *tests;
	unsigned parallel;
	size_t id_cap;
	size_t user_fixed, user_per_test;
	struct sgroup *g;
	size_t gnr;
	size_t *pick;             /* scratch: the instances of the batch being cut */
	unsigned *mark;           /* per test: the cut that last took it */
	unsigned serial;
	struct batch *front, **front_tail;   /* lost batches: run first */
	struct batch *back, **back_tail;     /* hedged copies: run last */
	size_t queued;            /* batches in front and back */
	size_t outstanding;       /* handed out, not yet finished */
	size_t handed;            /* handed out so far */
	size_t pushed;            /* sched_push()ed so far */
	unsigned next_no;
	int by_history;           /* some group has recorded durations */
};

/*
 * Expand every test into retry_count + 1 instances, per group, in the
 * order batches are cut from: longest first when the group has any known
 * duration (durations[i] >= 0; unknown tests get the group's mean of
 * known ones), else discovery order at default_duration_secs each, that
 * estimate replaced by the mean of what the group's tests really took as
 * their results come (sched_observe).  `durations` may be NULL.  A
 * batch's IDs stay under `id_cap` bytes.
 */
int sched_init(struct sched *s, const struct offload_config *cfg,
	       const struct offload_test_list *tests, const double *durations,
	       unsigned parallel, size_t id_cap, size_t user_fixed,
	       size_t user_per_test, struct offload_error *err);
void sched_release(struct sched *s);

/* Says whether test `t` is decided: its instances not handed out yet are
 * dropped. */
typedef int sched_skip_fn(void *data, size_t t);

/*
 * The next batch for a sandbox that is free: a lost batch first, else
 * one cut now from the group whose next batch is the largest (guided
 * sizes: what is left / (2 * parallel) of the estimated work, shrinking
 * toward the end), else a hedged copy.  Two instances of one test never
 * share a batch.  *out = NULL when nothing is left to hand out now (then
 * every instance not yet handed out is decided, unless copies come
 * later).  OFFLOAD_ENOMEM: nothing was taken.
 */
int sched_next(struct sched *s, sched_skip_fn *skip, void *data,
	       struct batch **out);
/* Whether sched_next() may have something (instances may all prove to
 * be decided). */
int sched_pending(const struct sched *s);
/* Drop every decided instance; returns whether anything is left. */
int sched_settle(struct sched *s, sched_skip_fn *skip, void *data);
/* Queue `n` of a handed-out batch's tests (of `from`) again: as a lost
 * batch (hedge 0), run before anything else, or as a hedged copy of
 * generation `hedge`, run after every planned batch.  The copy is
 * numbered now. */
int sched_push(struct sched *s, const struct batch *from, const size_t *tests,
	       size_t n, unsigned hedge);
/*
 * Hedging (impatiently_requeue_batches): batch `b` is about to run the
 * `n` tests not yet decided (`tests`); queue its hedged copies, handed
 * out only when nothing planned is left: a planned multi-test batch as
 * its two halves, a single test as one more copy, up to three
 * generations.  Returns the number of copies queued (0: none is due), or
 * OFFLOAD_ENOMEM when none could be.
 */
int sched_hedge(struct sched *s, const struct batch *b, const size_t *tests,
		size_t n);
/* Test `t` of a planned batch took `secs`: feeds the estimate of its
 * group when that group has no recorded durations. */
void sched_observe(struct sched *s, size_t t, double secs);
/* The batch is done with and freed. */
void sched_finish(struct sched *s, struct batch *b);
/* How many batches there will be if no estimate changes, counting those
 * handed out (a guess for progress); `upto` bounds the count when
 * exactness is not needed. */
size_t sched_projected(struct sched *s, size_t upto);

/*
 * For tests and benchmarks: every batch sched_next() would hand out in
 * order with no result ever coming back, as an array.
 */
struct plan {
	struct batch *batches;    /* owned, each batch's tests owned too */
	size_t nr;
	int by_history;
};
int sched_plan(struct plan *plan, const struct offload_config *cfg,
	       const struct offload_test_list *tests, const double *durations,
	       unsigned parallel, size_t id_cap, struct offload_error *err);
void plan_release(struct plan *plan);

#endif
