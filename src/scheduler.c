/* SPDX-License-Identifier: MIT */
/*
 * scheduler.c - from a test list to batches, and the queue workers take them
 * from.
 *
 * DESIGN: planning is done once, up front, on the calling thread: every
 * test becomes retry_count + 1 instances (speculative retries, run in
 * parallel rather than after a failure), and the instances of each group
 * are packed into bins.  With any recorded duration the policy is LPT
 * (longest first, each into the least-loaded bin that does not already
 * hold that test); without, round-robin.  A bin whose test IDs would pass
 * the argument cap is closed and a new one opened, so a batch's command
 * line never overflows ARG_MAX.  The queue is a plain FIFO under one mutex
 * and condition variable; what to skip (tests already decided) is the
 * orchestrator's business, not the queue's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "error.h"
#include "scheduler.h"

struct inst {
	size_t test;
	unsigned copy;
	double est;
};

struct bins {
	struct batch *b;
	size_t nr, alloc;
	size_t first;           /* bins of the current group start here */
	size_t *where;          /* bins holding test t: where[t * copies + c] */
	size_t copies;
};

static int bins_open(struct bins *bs, size_t group)
{
	if (bs->nr == bs->alloc) {
		size_t n = bs->alloc ? bs->alloc * 2 : 16;
		struct batch *b = realloc(bs->b, n * sizeof(*b));

		if (!b)
			return OFFLOAD_ENOMEM;
		bs->b = b;
		bs->alloc = n;
	}
	memset(&bs->b[bs->nr], 0, sizeof(bs->b[0]));
	bs->b[bs->nr].group = group;
	bs->nr++;
	return 0;
}

static int batch_add(struct batch *b, size_t test, double est, size_t bytes)
{
	if (!(b->nr & (b->nr - 1)) || !b->tests) {
		size_t n = b->nr ? b->nr * 2 : 4;
		size_t *t = realloc(b->tests, n * sizeof(*t));

		if (!t)
			return OFFLOAD_ENOMEM;
		b->tests = t;
	}
	b->tests[b->nr++] = test;
	b->est += est;
	b->id_bytes += bytes;
	return 0;
}

/* Whether bin `bin` already holds an instance of `test`: O(copies). */
static int bin_has(const struct bins *bs, size_t bin, size_t test)
{
	const size_t *w = bs->where + test * bs->copies;

	for (size_t c = 0; c < bs->copies && w[c] != (size_t)-1; c++)
		if (w[c] == bin)
			return 1;
	return 0;
}

static int bin_add(struct bins *bs, size_t bin, const struct inst *in,
		   size_t bytes)
{
	size_t *w = bs->where + in->test * bs->copies;

	while (*w != (size_t)-1)
		w++;
	*w = bin;
	return batch_add(&bs->b[bin], in->test, in->est, bytes);
}

static int cmp_inst(const void *pa, const void *pb)
{
	const struct inst *a = pa, *b = pb;

	if (a->est != b->est)
		return a->est < b->est ? 1 : -1;
	if (a->copy != b->copy)
		return a->copy < b->copy ? -1 : 1;
	return a->test < b->test ? -1 : a->test > b->test;
}

/*
 * Place one instance of the current group.  `start` is the preferred bin
 * (round-robin) or SIZE_MAX for least-loaded (LPT).  A bin qualifies when
 * it does not hold the test and has room for its ID; when none does, a new
 * bin is opened.
 */
static int place(struct bins *bs, const struct inst *in, size_t bytes,
		 size_t id_cap, size_t start)
{
	size_t n = bs->nr - bs->first, best = (size_t)-1;

	for (size_t k = 0; k < n; k++) {
		size_t i = bs->first + (start == (size_t)-1 ? k : (start + k) % n);
		struct batch *b = &bs->b[i];

		if (bin_has(bs, i, in->test))
			continue;
		if (b->nr && b->id_bytes + bytes > id_cap)
			continue;
		if (start != (size_t)-1) {
			best = i;
			break;
		}
		/* Ties (e.g. every recorded time is 0) go to the smaller bin,
		 * or a suite of instant tests would land on one sandbox. */
		if (best == (size_t)-1 || b->est < bs->b[best].est ||
		    (b->est == bs->b[best].est && b->nr < bs->b[best].nr))
			best = i;
	}
	if (best == (size_t)-1) {
		if (bins_open(bs, bs->b[bs->first].group))
			return OFFLOAD_ENOMEM;
		best = bs->nr - 1;
	}
	return bin_add(bs, best, in, bytes);
}

static int cmp_batch_est(const void *pa, const void *pb)
{
	const struct batch *a = pa, *b = pb;

	if (a->est != b->est)
		return a->est < b->est ? 1 : -1;
	return a->no < b->no ? -1 : a->no > b->no;
}

int sched_plan(struct plan *plan, const struct offload_config *cfg,
	       const struct offload_test_list *tests, const double *durations,
	       unsigned parallel, size_t id_cap, struct offload_error *err)
{
	struct bins bs = { 0 };
	struct inst *in = NULL;
	int ret = OFFLOAD_ENOMEM, by_history = 0;

	memset(plan, 0, sizeof(*plan));
	if (!parallel)
		return err_set(err, OFFLOAD_EUSAGE, "parallelism must be at least 1");
	for (size_t i = 0; durations && i < tests->nr; i++)
		if (durations[i] >= 0)
			by_history = 1;

	for (size_t g = 0; g < cfg->groups_nr; g++) {
		const struct offload_group *grp = &cfg->groups[g];
		size_t copies = (size_t)grp->retry_count + 1, nin = 0, nbins;
		double known = 0;
		size_t known_nr = 0;
		double fallback;

		for (size_t i = 0; i < tests->nr; i++) {
			if (tests->group[i] != g)
				continue;
			if (durations && durations[i] >= 0) {
				known += durations[i];
				known_nr++;
			}
			nin += copies;
		}
		if (!nin)
			continue;
		fallback = known_nr ? known / (double)known_nr : cfg->default_duration_secs;
		free(in);
		in = malloc(nin * sizeof(*in));
		if (!in)
			goto out;
		nin = 0;
		/* Copy-major order: every test's first instance before any retry. */
		for (unsigned c = 0; c < copies; c++)
			for (size_t i = 0; i < tests->nr; i++) {
				if (tests->group[i] != g)
					continue;
				in[nin].test = i;
				in[nin].copy = c;
				in[nin].est = durations && durations[i] >= 0 ?
					durations[i] : fallback;
				nin++;
			}
		if (by_history)
			qsort(in, nin, sizeof(*in), cmp_inst);

		bs.first = bs.nr;
		bs.copies = copies;
		free(bs.where);
		bs.where = malloc(tests->nr * copies * sizeof(*bs.where));
		if (!bs.where)
			goto out;
		memset(bs.where, 0xff, tests->nr * copies * sizeof(*bs.where));
		nbins = grp->schedule_individual ? 0 : parallel;
		if (nbins && nbins < copies)
			nbins = copies;
		if (nbins > nin)
			nbins = nin;
		for (size_t k = 0; k < nbins; k++)
			if (bins_open(&bs, g))
				goto out;
		for (size_t k = 0; k < nin; k++) {
			size_t bytes = strlen(tests->ids[in[k].test]) + 1;

			if (grp->schedule_individual) {
				if (bins_open(&bs, g) ||
				    batch_add(&bs.b[bs.nr - 1], in[k].test, in[k].est, bytes))
					goto out;
				continue;
			}
			if (place(&bs, &in[k], bytes, id_cap,
				  by_history ? (size_t)-1 : k % nbins))
				goto out;
		}
	}
	/* Drop bins left empty (possible when a group is smaller than parallel
	 * is already avoided above; keep the check cheap and safe). */
	{
		size_t w = 0;

		for (size_t i = 0; i < bs.nr; i++) {
			if (bs.b[i].nr)
				bs.b[w++] = bs.b[i];
			else
				free(bs.b[i].tests);
		}
		bs.nr = w;
	}
	for (size_t i = 0; i < bs.nr; i++)
		bs.b[i].no = (unsigned)i + 1;
	/* Longest batches first, so the tail is made of short ones. */
	if (by_history)
		qsort(bs.b, bs.nr, sizeof(*bs.b), cmp_batch_est);
	plan->batches = bs.b;
	plan->nr = bs.nr;
	plan->by_history = by_history;
	bs.b = NULL;
	bs.nr = 0;
	ret = 0;
out:
	for (size_t i = 0; i < bs.nr; i++)
		free(bs.b[i].tests);
	free(bs.b);
	free(bs.where);
	free(in);
	if (ret)
		err_set(err, ret, "cannot plan batches: %s", offload_strerror(ret));
	return ret;
}

void plan_release(struct plan *plan)
{
	for (size_t i = 0; i < plan->nr; i++)
		free(plan->batches[i].tests);
	free(plan->batches);
	memset(plan, 0, sizeof(*plan));
}

int queue_init(struct queue *q)
{
	int r;

	memset(q, 0, sizeof(*q));
	if ((r = pthread_mutex_init(&q->mu, NULL)))
		return -r;
	if ((r = pthread_cond_init(&q->cv, NULL))) {
		pthread_mutex_destroy(&q->mu);
		return -r;
	}
	return 0;
}

void queue_destroy(struct queue *q)
{
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->items);
	q->items = NULL;
}

int queue_push(struct queue *q, struct batch *b)
{
	int ret = 0;

	pthread_mutex_lock(&q->mu);
	if (q->head + q->nr == q->alloc) {
		if (q->head) {
			memmove(q->items, q->items + q->head, q->nr * sizeof(*q->items));
			q->head = 0;
		} else {
			size_t n = q->alloc ? q->alloc * 2 : 16;
			struct batch **it = realloc(q->items, n * sizeof(*it));

			if (!it) {
				ret = OFFLOAD_ENOMEM;
				goto out;
			}
			q->items = it;
			q->alloc = n;
		}
	}
	q->items[q->head + q->nr++] = b;
	/* Everyone: a waiter in queue_wait() may need a jobserver token
	 * first, while one in queue_pop() runs on its own slot. */
	pthread_cond_broadcast(&q->cv);
out:
	pthread_mutex_unlock(&q->mu);
	return ret;
}

struct batch *queue_pop(struct queue *q)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&q->mu);
	while (!q->nr && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	if (q->nr) {
		b = q->items[q->head++];
		q->nr--;
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

int queue_wait(struct queue *q)
{
	int any;

	pthread_mutex_lock(&q->mu);
	while (!q->nr && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	any = q->nr != 0;
	pthread_mutex_unlock(&q->mu);
	return any;
}

struct batch *queue_trypop(struct queue *q)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&q->mu);
	if (q->nr) {
		b = q->items[q->head++];
		q->nr--;
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

void queue_close(struct queue *q, int drop)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	if (drop) {
		q->head = 0;
		q->nr = 0;
	}
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}
