/* SPDX-License-Identifier: MIT */
/*
 * scheduler.c - from a test list to batches, and the queue workers take them
 * from.
 *
 * DESIGN: planning is done once, up front, on the calling thread: every
 * test becomes retry_count + 1 instances (speculative retries, run in
 * parallel rather than after a failure), and the instances of each group
 * are cut into guided batches (guided()): large first, shrinking toward
 * the end, taken longest first when the group has recorded durations,
 * else in discovery order.  Workers take the next batch from the queue
 * as they free up, so the estimates only decide the order and the sizes:
 * a wrong estimate costs at most one small batch at the end.  A batch
 * whose test IDs would pass the argument cap is closed and a new one
 * opened, so a batch's command line never overflows ARG_MAX.  The queue
 * is a plain FIFO under one mutex and condition variable; what to skip
 * (tests already decided) is the orchestrator's business, not the
 * queue's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "error.h"
#include "framework.h"
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
 * Guided batches for one group's instances, in[] in the order to run
 * them: each new batch takes instances from the front until its weight
 * (estimates plus TEST_SECS each) reaches target = what is left /
 * (GUIDE * parallel), but at least total / (GRAIN * parallel) and
 * STARTUPS times the start-up of a batch (framework_ops.batch_secs, more
 * on a remote sandbox), and at most total / parallel.  The first batches
 * are large (a runner's start-up is paid once per batch) and they shrink
 * toward the end, so that when workers take the next batch as they free
 * up, no sandbox is left holding a long batch while the others idle,
 * however wrong the estimates were.  An instance whose test the batch
 * already holds is left for a later batch; a batch whose IDs would pass
 * id_cap is closed.  (tests/unit/test-scheduler.c simulates the result
 * on a heavy-tailed suite.)
 */
#define GUIDE 2
/* the same without any recorded duration in the group: the estimates
 * say nothing, a large batch may hold the longest tests, so batches stay
 * small from the start (a plain queue's behaviour, in discovery order) */
#define GUIDE_NONE 32
#define GRAIN 64
/* seconds a test costs besides its own time (a process, a line of
 * output): instant tests still weigh something */
#define TEST_SECS 0.01
/* a batch is kept at least this many times the start-up of a batch */
#define STARTUPS 20
/* what starting a batch costs on a remote sandbox (one more step, its
 * marker and result block: 0.1-0.3 s measured over ssh) */
#define REMOTE_BATCH_SECS 0.25

static int guided(struct bins *bs, const struct offload_config *cfg,
		  const struct offload_test_list *tests, const struct inst *in,
		  size_t nin, int informed, unsigned parallel, size_t id_cap)
{
	size_t *next = malloc((nin + 1) * sizeof(*next)), head = 0;
	double total = 0, left, floor_est, start = 0;
	size_t group = tests->group[in[0].test];

	if (!next)
		return OFFLOAD_ENOMEM;
	for (size_t i = 0; i < nin; i++) {
		next[i] = i + 1;
		total += in[i].est + TEST_SECS;
	}
	if (cfg->framework)
		start = cfg->framework->batch_secs;
	if (cfg->provider_type && strcmp(cfg->provider_type, "local"))
		start += REMOTE_BATCH_SECS;
	left = total;
	floor_est = informed ? total / ((double)GRAIN * parallel) : 0;
	if (floor_est < STARTUPS * start)
		floor_est = STARTUPS * start;
	/* but never so large that a sandbox is left without work */
	if (floor_est > total / parallel)
		floor_est = total / parallel;
	while (head < nin) {
		double target = left / ((double)(informed ? GUIDE : GUIDE_NONE) * parallel);
		size_t *link = &head;
		struct batch *b;
		double weight = 0;

		if (target < floor_est)
			target = floor_est;
		if (parallel == 1)	/* nothing to balance: one runner start-up */
			target = total;
		if (bins_open(bs, group)) {
			free(next);
			return OFFLOAD_ENOMEM;
		}
		b = &bs->b[bs->nr - 1];
		while (*link < nin) {
			size_t i = *link, bytes = strlen(tests->ids[in[i].test]) + 1;

			if (bin_has(bs, bs->nr - 1, in[i].test)) {
				link = &next[i];
				continue;
			}
			if (b->nr && b->id_bytes + bytes > id_cap)
				break;
			if (bin_add(bs, bs->nr - 1, &in[i], bytes)) {
				free(next);
				return OFFLOAD_ENOMEM;
			}
			*link = next[i];
			weight += in[i].est + TEST_SECS;
			if (weight >= target)
				break;
		}
		left -= weight;
	}
	free(next);
	return 0;
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
		size_t copies = (size_t)grp->retry_count + 1, nin = 0;
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
		if (known_nr)
			qsort(in, nin, sizeof(*in), cmp_inst);

		bs.first = bs.nr;
		bs.copies = copies;
		free(bs.where);
		bs.where = malloc(tests->nr * copies * sizeof(*bs.where));
		if (!bs.where)
			goto out;
		memset(bs.where, 0xff, tests->nr * copies * sizeof(*bs.where));
		if (!grp->schedule_individual) {
			if (guided(&bs, cfg, tests, in, nin, known_nr > 0,
				   parallel, id_cap))
				goto out;
			continue;
		}
		for (size_t k = 0; k < nin; k++)
			if (bins_open(&bs, g) ||
			    batch_add(&bs.b[bs.nr - 1], in[k].test, in[k].est,
				      strlen(tests->ids[in[k].test]) + 1))
				goto out;
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
	/* Longest batches first, so the tail is made of short ones (every
	 * group's batches shrink; this interleaves the groups). */
	if (bs.nr > 1)	/* qsort(NULL, 0, ...) is undefined */
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
