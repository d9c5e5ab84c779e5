/* SPDX-License-Identifier: MIT */
/* scheduler.h - expansion of retries into instances, batching policy
 * (guided batches, longest first with history) and the shared batch queue
 * (scheduler.c). */
#ifndef OFFLOAD_SCHEDULER_H
#define OFFLOAD_SCHEDULER_H
#include <pthread.h>
#include "offload.h"

struct batch {
	unsigned no;              /* 1-based, unique in the run */
	size_t group;             /* every test of a batch is in this group */
	size_t *tests;            /* owned; indices into the run's test list */
	size_t nr;
	double est;               /* estimated seconds */
	size_t id_bytes;          /* sum of strlen(id) + 1 */
	unsigned hedge;           /* 0: planned; n: a hedged copy, n-th generation */
	unsigned requeued;        /* run again after its sandbox was lost */
};

struct plan {
	struct batch *batches;    /* owned; in the order to run them */
	size_t nr;
	int by_history;           /* longest first from durations, else in
				     discovery order */
};

/*
 * Expand every test into retry_count + 1 instances and cut them into
 * batches (scheduler.c's guided(): large first, shrinking, every sandbox
 * busy from the start; one batch per instance for schedule_individual
 * groups), queued longest first.  A group with any known duration
 * (durations[i] >= 0) is taken longest first, its unknown tests
 * estimated at the group's mean of known ones; a group without, in
 * discovery order at default_duration_secs each.  Two instances of one
 * test never share a batch; a batch's ids stay under `id_cap` bytes.
 * `durations` may be NULL.
 */
int sched_plan(struct plan *plan, const struct offload_config *cfg,
	       const struct offload_test_list *tests, const double *durations,
	       unsigned parallel, size_t id_cap, struct offload_error *err);
void plan_release(struct plan *plan);

/* A FIFO of batch pointers shared by the worker threads. */
struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch **items;     /* owned array, borrowed batches */
	size_t head, nr, alloc;
	int closed;
};
int queue_init(struct queue *q);
void queue_destroy(struct queue *q);
int queue_push(struct queue *q, struct batch *b);   /* locks */
/* Block until a batch is available (returns it) or the queue is closed
 * and empty (returns NULL). */
struct batch *queue_pop(struct queue *q);
/* Block until the queue holds a batch (1) or is closed and empty (0),
 * taking nothing: a worker that needs a jobserver token waits for work
 * first, so that it never holds a token with nothing to run. */
int queue_wait(struct queue *q);
/* A batch if one is queued now, else NULL. */
struct batch *queue_trypop(struct queue *q);
/* Wake every waiter; later pops return NULL once empty.  drop: forget the
 * queued items too. */
void queue_close(struct queue *q, int drop);

#endif
