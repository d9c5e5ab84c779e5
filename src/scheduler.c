/* SPDX-License-Identifier: MIT */
/*
 * scheduler.c - from a test list to batches, cut when a sandbox asks.
 *
 * DESIGN: a pull model.  sched_init() only lays the work out: every test
 * becomes retry_count + 1 instances (speculative retries, run in parallel
 * rather than after a failure), in each group's order: longest first when
 * the group has recorded durations, else discovery order.  Nothing is cut
 * up front.  A sandbox that frees up asks sched_next() for its next batch,
 * and the batch is cut then, from what is left (guided(): what is left /
 * (GUIDE * parallel) of the estimated work, so batches are large early,
 * where a runner's start-up is paid once for many tests, and shrink
 * toward the end, so that no sandbox holds a long batch while the others
 * idle, however wrong the estimates were).  Cutting late has three uses:
 * instances of tests already decided (a retry whose test passed) are
 * dropped instead of being run; a group without recorded durations
 * replaces its default estimate with what its tests really took
 * (sched_observe), so its batch sizes follow the truth; and the memory of
 * a batch exists only while it is handed out, not per planned batch.
 * The same scheduler holds the batches that run again: a lost sandbox's
 * tests go first (they were due already), hedged copies of running
 * batches last (only a sandbox with nothing else to do takes one).
 *
 * The scheduler is a plain data structure: the orchestrator calls it with
 * its own lock held, and tests drive it from a simulated clock.
 */
#include <math.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "error.h"
#include "framework.h"
#include "scheduler.h"

/* Batches take at least this share of what is left, per sandbox: with
 * recorded durations (GUIDE), and without (GUIDE_NONE: the estimates say
 * nothing, a large batch may hold the longest tests, so batches stay
 * small from the start: a plain queue's behaviour) */
#define GUIDE 2
#define GUIDE_NONE 32
/* with recorded durations, no batch under total / (GRAIN * parallel) */
#define GRAIN 64
/* seconds a test costs besides its own time (a process, a line of
 * output): instant tests still weigh something */
#define TEST_SECS 0.01
/* a batch is kept at least this many times the start-up of a batch */
#define STARTUPS 20
/* what starting a batch costs on a remote sandbox (one more step, its
 * marker and result block: 0.1-0.3 s measured over ssh) */
#define REMOTE_BATCH_SECS 0.25

struct inst {
	size_t test;
	unsigned copy;
	double est;
};

struct sgroup {
	struct inst *in;          /* owned; in the order to cut them */
	size_t nin;
	size_t *next;             /* owned: the instance after i; nin: none */
	size_t head;              /* the first not handed out (nin: none) */
	int informed;             /* recorded durations: in[].est counts */
	int individual;           /* schedule_individual: one per batch */
	double start;             /* what starting one batch costs */
	double total;             /* the group's estimated work */
	double left;              /* ... of it not handed out */
	size_t left_nr;           /* instances not handed out */
	double unit;              /* without durations: each instance's estimate */
	double obs_sum;           /* ... and what results said so far */
	size_t obs_nr;
};

static double weight(const struct sgroup *sg, size_t i)
{
	return (sg->informed ? sg->in[i].est : sg->unit) + TEST_SECS;
}

/* The smallest batch worth its start-up, and never so large that a
 * sandbox is left without work. */
static double floor_of(const struct sched *s, const struct sgroup *sg)
{
	double total = sg->informed ? sg->total :
		(double)sg->nin * (sg->unit + TEST_SECS);
	double f = sg->informed ? total / ((double)GRAIN * s->parallel) : 0;

	if (f < STARTUPS * sg->start)
		f = STARTUPS * sg->start;
	if (f > total / s->parallel)
		f = total / s->parallel;
	return f;
}

static double target_of(const struct sched *s, const struct sgroup *sg,
			double left)
{
	double t = left / ((double)(sg->informed ? GUIDE : GUIDE_NONE) * s->parallel);
	double f = floor_of(s, sg);

	if (s->parallel == 1)	/* nothing to balance: one runner start-up */
		return INFINITY;
	return t < f ? f : t;
}

/*
 * Cut one batch from the list at *head (links next[]) into s->pick:
 * instances from the front until the weight reaches the target, skipping
 * one whose test the batch holds already (left for a later batch) and
 * dropping one whose test is decided.  The batch closes early when its
 * IDs would pass id_cap.  Returns the number picked; *left and *left_nr
 * follow.
 */
static size_t cut(struct sched *s, const struct sgroup *sg, size_t *head,
		  size_t *next, double *left, size_t *left_nr,
		  sched_skip_fn *skip, void *data, double *est, size_t *bytes)
{
	double target = target_of(s, sg, *left), w = 0;
	size_t *link = head, n = 0;

	*est = 0;
	*bytes = 0;
	if (!++s->serial) {	/* wrapped: forget every mark */
		memset(s->mark, 0, s->tests->nr * sizeof(*s->mark));
		s->serial = 1;
	}
	while (*link < sg->nin) {
		size_t i = *link, t = sg->in[i].test, b;

		if (s->mark[t] == s->serial) {
			link = &next[i];
			continue;
		}
		if (skip && skip(data, t)) {
			*link = next[i];
			*left -= weight(sg, i);
			--*left_nr;
			continue;
		}
		b = strlen(s->tests->ids[t]) + 1;
		if (n && *bytes + b > s->id_cap)
			break;
		s->mark[t] = s->serial;
		s->pick[n++] = i;
		*link = next[i];
		w += weight(sg, i);
		*est += weight(sg, i) - TEST_SECS;
		*bytes += b;
		*left -= weight(sg, i);
		--*left_nr;
		if (sg->individual || w >= target)
			break;
	}
	if (!*left_nr)
		*left = 0;
	return n;
}

static struct batch *batch_new(const struct sched *s, size_t n)
{
	const size_t a = alignof(max_align_t);
	size_t hdr = (sizeof(struct batch) + a - 1) / a * a;
	size_t tests = (n * sizeof(size_t) + a - 1) / a * a;
	struct batch *b = calloc(1, hdr + tests + s->user_fixed + s->user_per_test * n);

	if (!b)
		return NULL;
	b->tests = (size_t *)(void *)((char *)b + hdr);
	b->user = (char *)b + hdr + tests;
	return b;
}

/*
 * Longest first, ties in the order given (copy-major, then discovery):
 * a stable LSD radix sort on the estimate's bits, a byte a pass.  An
 * estimate is a finite number >= 0, whose IEEE-754 bits order as
 * unsigned integers; inverted, the order is descending.  A pass whose
 * byte is the same for every instance is skipped.  Planning 1,000,000
 * instances took 0.19 s this way, 0.44 s with qsort (pull-sim).
 * OFFLOAD_ENOMEM when the scratch array cannot be had.
 */
static uint64_t sort_key(const struct inst *in)
{
	uint64_t k;
	double e = in->est > 0 ? in->est : 0;

	memcpy(&k, &e, sizeof(k));
	return ~k;
}

static int sort_longest_first(struct inst *in, size_t n)
{
	struct inst *tmp = malloc((n + 1) * sizeof(*tmp)), *src = in, *dst = tmp;

	if (!tmp)
		return OFFLOAD_ENOMEM;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[257] = { 0 };

		for (size_t i = 0; i < n; i++)
			count[((sort_key(&src[i]) >> shift) & 0xff) + 1]++;
		if (count[((sort_key(&src[0]) >> shift) & 0xff) + 1] == n)
			continue;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			dst[count[(sort_key(&src[i]) >> shift) & 0xff]++] = src[i];
		src = dst;
		dst = src == in ? tmp : in;
	}
	if (src != in)
		memcpy(in, src, n * sizeof(*in));
	free(tmp);
	return 0;
}

int sched_init(struct sched *s, const struct offload_config *cfg,
	       const struct offload_test_list *tests, const double *durations,
	       unsigned parallel, size_t id_cap, size_t user_fixed,
	       size_t user_per_test, struct offload_error *err)
{
	const size_t a = alignof(max_align_t);
	double start = 0;
	size_t most = 0;

	memset(s, 0, sizeof(*s));
	s->front_tail = &s->front;
	s->back_tail = &s->back;
	if (!parallel)
		return err_set(err, OFFLOAD_EUSAGE, "parallelism must be at least 1");
	s->cfg = cfg;
	s->tests = tests;
	s->parallel = parallel;
	s->id_cap = id_cap;
	s->user_fixed = (user_fixed + a - 1) / a * a;
	s->user_per_test = user_per_test;
	if (cfg->framework)
		start = cfg->framework->batch_secs;
	if (cfg->provider_type && strcmp(cfg->provider_type, "local"))
		start += REMOTE_BATCH_SECS;
	s->gnr = cfg->groups_nr;
	s->g = calloc(s->gnr + 1, sizeof(*s->g));
	s->mark = calloc(tests->nr + 1, sizeof(*s->mark));
	if (!s->g || !s->mark)
		goto nomem;
	for (size_t i = 0; durations && i < tests->nr; i++)
		if (durations[i] >= 0)
			s->by_history = 1;

	for (size_t g = 0; g < s->gnr; g++) {
		struct sgroup *sg = &s->g[g];
		size_t copies = (size_t)cfg->groups[g].retry_count + 1, n = 0;
		size_t known_nr = 0;
		double known = 0, fallback;

		for (size_t i = 0; i < tests->nr; i++) {
			if (tests->group[i] != g)
				continue;
			if (durations && durations[i] >= 0) {
				known += durations[i];
				known_nr++;
			}
			n += copies;
		}
		if (!n)
			continue;
		fallback = known_nr ? known / (double)known_nr :
			cfg->default_duration_secs;
		sg->in = malloc(n * sizeof(*sg->in));
		sg->next = malloc(n * sizeof(*sg->next));
		if (!sg->in || !sg->next)
			goto nomem;
		sg->nin = n;
		n = 0;
		/* Copy-major order: every test's first instance before any retry. */
		for (unsigned c = 0; c < copies; c++)
			for (size_t i = 0; i < tests->nr; i++) {
				if (tests->group[i] != g)
					continue;
				sg->in[n].test = i;
				sg->in[n].copy = c;
				sg->in[n].est = durations && durations[i] >= 0 ?
					durations[i] : fallback;
				n++;
			}
		sg->informed = known_nr > 0;
		if (sg->informed && sort_longest_first(sg->in, sg->nin))
			goto nomem;
		for (size_t i = 0; i < sg->nin; i++) {
			sg->next[i] = i + 1;
			sg->total += sg->in[i].est + TEST_SECS;
		}
		sg->unit = fallback;
		sg->left = sg->total;
		sg->left_nr = sg->nin;
		sg->start = start;
		sg->individual = cfg->groups[g].schedule_individual;
		if (sg->nin > most)
			most = sg->nin;
	}
	s->pick = malloc((most + 1) * sizeof(*s->pick));
	if (!s->pick)
		goto nomem;
	return 0;
nomem:
	sched_release(s);
	return err_set(err, OFFLOAD_ENOMEM, "cannot plan batches: out of memory");
}

void sched_release(struct sched *s)
{
	for (size_t g = 0; s->g && g < s->gnr; g++) {
		free(s->g[g].in);
		free(s->g[g].next);
	}
	free(s->g);
	free(s->mark);
	free(s->pick);
	for (struct batch *b = s->front, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	for (struct batch *b = s->back, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	memset(s, 0, sizeof(*s));
	s->front_tail = &s->front;
	s->back_tail = &s->back;
}

/* The group whose next batch would weigh the most: the groups' batches
 * interleave, longest first. */
static struct sgroup *choose(struct sched *s)
{
	struct sgroup *best = NULL;
	double bw = -1;

	for (size_t g = 0; g < s->gnr; g++) {
		struct sgroup *sg = &s->g[g];
		double w;

		if (sg->head >= sg->nin)
			continue;
		if (sg->individual) {
			w = weight(sg, sg->head);
		} else {
			w = target_of(s, sg, sg->left);
			if (w > sg->left)
				w = sg->left;
		}
		if (w > bw) {
			bw = w;
			best = sg;
		}
	}
	return best;
}

static struct batch *pop(struct batch **head, struct batch ***tail)
{
	struct batch *b = *head;

	if (b && !(*head = b->next))
		*tail = head;
	return b;
}

static struct batch *handed(struct sched *s, struct batch *b)
{
	b->next = NULL;
	s->outstanding++;
	s->handed++;
	return b;
}

int sched_next(struct sched *s, sched_skip_fn *skip, void *data,
	       struct batch **out)
{
	struct sgroup *sg;
	struct batch *b;

	*out = NULL;
	if ((b = pop(&s->front, &s->front_tail))) {
		s->queued--;
		*out = handed(s, b);
		return 0;
	}
	while ((sg = choose(s))) {
		double est;
		size_t bytes, n = cut(s, sg, &sg->head, sg->next, &sg->left,
				      &sg->left_nr, skip, data, &est, &bytes);

		if (!n)
			continue;	/* every one left was decided */
		if (!(b = batch_new(s, n))) {
			/* put them back in front, in their order */
			for (size_t k = n; k-- > 0;) {
				sg->next[s->pick[k]] = sg->head;
				sg->head = s->pick[k];
				sg->left += weight(sg, s->pick[k]);
				sg->left_nr++;
			}
			return OFFLOAD_ENOMEM;
		}
		for (size_t k = 0; k < n; k++)
			b->tests[k] = sg->in[s->pick[k]].test;
		b->nr = n;
		b->group = (size_t)(sg - s->g);
		b->est = est;
		b->id_bytes = bytes;
		b->no = ++s->next_no;
		*out = handed(s, b);
		return 0;
	}
	if ((b = pop(&s->back, &s->back_tail))) {
		s->queued--;
		*out = handed(s, b);
	}
	return 0;
}

int sched_pending(const struct sched *s)
{
	if (s->queued)
		return 1;
	for (size_t g = 0; g < s->gnr; g++)
		if (s->g[g].head < s->g[g].nin)
			return 1;
	return 0;
}

int sched_settle(struct sched *s, sched_skip_fn *skip, void *data)
{
	for (size_t g = 0; g < s->gnr; g++) {
		struct sgroup *sg = &s->g[g];
		size_t *link = &sg->head;

		while (*link < sg->nin) {
			size_t i = *link;

			if (skip(data, sg->in[i].test)) {
				*link = sg->next[i];
				sg->left -= weight(sg, i);
				if (!--sg->left_nr)
					sg->left = 0;
			} else {
				link = &sg->next[i];
			}
		}
	}
	return sched_pending(s);
}

int sched_push(struct sched *s, const struct batch *from, const size_t *tests,
	       size_t n, unsigned hedge)
{
	struct batch *b = batch_new(s, n);

	if (!b)
		return OFFLOAD_ENOMEM;
	memcpy(b->tests, tests, n * sizeof(*tests));
	b->nr = n;
	b->group = from->group;
	b->est = from->est * (double)n / (double)(from->nr ? from->nr : 1);
	for (size_t k = 0; k < n; k++)
		b->id_bytes += strlen(s->tests->ids[tests[k]]) + 1;
	b->hedge = hedge;
	b->requeued = !hedge;
	b->no = ++s->next_no;
	if (hedge) {
		*s->back_tail = b;
		s->back_tail = &b->next;
	} else {
		*s->front_tail = b;
		s->front_tail = &b->next;
	}
	s->queued++;
	s->pushed++;
	return 0;
}

int sched_hedge(struct sched *s, const struct batch *b, const size_t *tests,
		size_t n)
{
	size_t parts = b->hedge == 0 && n > 1 ? 2 : 1;
	int made = 0;

	if ((n == 1 && b->hedge >= 3) || (n > 1 && b->hedge) || !n)
		return 0;
	for (size_t p = 0; p < parts; p++) {
		size_t from = n * p / parts, to = n * (p + 1) / parts;

		if (sched_push(s, b, tests + from, to - from, b->hedge + 1))
			return made ? made : OFFLOAD_ENOMEM;
		made++;
	}
	return made;
}

void sched_observe(struct sched *s, size_t t, double secs)
{
	struct sgroup *sg;

	if (t >= s->tests->nr || s->tests->group[t] >= s->gnr)
		return;
	sg = &s->g[s->tests->group[t]];
	if (sg->informed || !(secs >= 0))
		return;
	sg->obs_sum += secs;
	sg->obs_nr++;
	sg->unit = sg->obs_sum / (double)sg->obs_nr;
	sg->left = (double)sg->left_nr * (sg->unit + TEST_SECS);
}

void sched_finish(struct sched *s, struct batch *b)
{
	if (!b)
		return;
	s->outstanding--;
	free(b);
}

size_t sched_projected(struct sched *s, size_t upto)
{
	size_t nr = s->handed + s->queued;

	for (size_t g = 0; g < s->gnr && nr < upto; g++) {
		struct sgroup *sg = &s->g[g];
		size_t *next, head = sg->head, left_nr = sg->left_nr, bytes;
		double left = sg->left, est;

		if (head >= sg->nin)
			continue;
		if (!(next = malloc(sg->nin * sizeof(*next)))) {
			/* a bound instead: a batch holds one instance at least */
			nr += sg->left_nr;
			continue;
		}
		memcpy(next, sg->next, sg->nin * sizeof(*next));
		while (head < sg->nin && nr < upto &&
		       cut(s, sg, &head, next, &left, &left_nr, NULL, NULL,
			   &est, &bytes))
			nr++;
		free(next);
	}
	return nr < upto ? nr : upto;
}

int sched_plan(struct plan *plan, const struct offload_config *cfg,
	       const struct offload_test_list *tests, const double *durations,
	       unsigned parallel, size_t id_cap, struct offload_error *err)
{
	struct sched s;
	struct batch *b;
	size_t alloc = 0;
	int ret;

	memset(plan, 0, sizeof(*plan));
	if ((ret = sched_init(&s, cfg, tests, durations, parallel, id_cap,
			      0, 0, err)))
		return ret;
	plan->by_history = s.by_history;
	while (!(ret = sched_next(&s, NULL, NULL, &b)) && b) {
		struct batch *v = plan->batches;

		if (plan->nr == alloc &&
		    !(v = realloc(plan->batches, (alloc = alloc ? 2 * alloc : 16) *
				  sizeof(*v)))) {
			sched_finish(&s, b);
			ret = OFFLOAD_ENOMEM;
			break;
		}
		plan->batches = v;
		v[plan->nr] = *b;
		v[plan->nr].user = NULL;
		v[plan->nr].next = NULL;
		if (!(v[plan->nr].tests = malloc((b->nr + 1) * sizeof(size_t)))) {
			sched_finish(&s, b);
			ret = OFFLOAD_ENOMEM;
			break;
		}
		memcpy(v[plan->nr++].tests, b->tests, b->nr * sizeof(size_t));
		sched_finish(&s, b);
	}
	sched_release(&s);
	if (ret) {
		plan_release(plan);
		return err_set(err, ret, "cannot plan batches: %s",
			       offload_strerror(ret));
	}
	return 0;
}

void plan_release(struct plan *plan)
{
	for (size_t i = 0; i < plan->nr; i++)
		free(plan->batches[i].tests);
	free(plan->batches);
	memset(plan, 0, sizeof(*plan));
}
