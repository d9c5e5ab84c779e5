/* SPDX-License-Identifier: MIT */
/*
 * pull-sim.c - issue 10 item 5, past one machine: the orchestrator's own
 * cost when SANDBOXES sandboxes run TESTS simulated tests of known
 * durations, measured on a virtual clock (a discrete-event simulation).
 *
 * The simulated provider runs a batch in no real time: its sandbox is
 * busy until now + the sum of its tests' simulated durations.  What the
 * orchestrator does runs for real: sched_next() when a sandbox frees up,
 * and per result sched_observe(), the per-test record a run keeps, and
 * sched_finish().  Its CPU time is the run's thread CPU time less that of
 * a replay of the same events without those calls (the simulation's own
 * heap and loop), the least of 3 of each; planning (sched_init) counts.
 * That time is then charged to one orchestrator, a single server on the
 * virtual clock: planning before the first batch, then each batch's
 * hand-out a share proportional to its tests + 1; a sandbox that
 * frees up while the orchestrator is busy waits for it.  Printed: the
 * makespan without and with the charge, the floor LB = max(total /
 * sandboxes, longest test), and the CPU as a share of the makespan.
 * What is not here: forks, pipes and threads (orch.c has one thread per
 * sandbox, which does not scale to 10,000: docs/benchmarks.md says what
 * does); this measures the part an event loop would keep, the scheduler
 * and the bookkeeping.
 *
 * Usage: pull-sim [TESTS [SANDBOXES [HISTORY]]]  (HISTORY: exact | none)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "offload.h"
#include "config.h"
#include "scheduler.h"

#define ROUNDS 3

struct ev {
	double t;
	unsigned sb;
	struct batch *b;
};

/* a binary min-heap of running batches by end time */
struct heap {
	struct ev *v;
	size_t nr;
};

static void heap_push(struct heap *h, struct ev e)
{
	size_t i = h->nr++;

	while (i && h->v[(i - 1) / 2].t > e.t) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = e;
}

static struct ev heap_pop(struct heap *h)
{
	struct ev top = h->v[0], last = h->v[--h->nr];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->nr)
			break;
		if (c + 1 < h->nr && h->v[c + 1].t < h->v[c].t)
			c++;
		if (h->v[c].t >= last.t)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->nr)
		h->v[i] = last;
	return top;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct rec {
	double secs;
	unsigned batch;
};

/* What a run handed out, in order: for the replay and the charge. */
struct trace {
	double *d;                /* each batch's simulated duration */
	size_t *nr;               /* ... and its tests */
	size_t len, units;        /* batches; sum of (tests + 1) */
};

enum mode {
	RUN,      /* the scheduler and the bookkeeping, as a run does them */
	REPLAY,   /* the same events from the trace, without them: the
		     simulation's own cost, to subtract */
	CHARGED,  /* as RUN, each batch's hand-out costing the orchestrator
		     unit * (tests + 1) of its time */
};

/*
 * One simulated run on k sandboxes.  RUN fills `tr`; REPLAY and CHARGED
 * read it.  Returns the makespan.
 */
static double simulate(enum mode mode, const struct offload_config *cfg,
		       const struct offload_test_list *list, const double *truth,
		       const double *hist, unsigned k, struct trace *tr,
		       double unit, double start)
{
	struct sched s;
	struct offload_error err = { 0, "" };
	struct heap h = { calloc(k, sizeof(struct ev)), 0 };
	struct rec *recs = calloc(list->nr, sizeof(*recs));
	double orch = start, end = 0;	/* start: planning, charged */
	unsigned *idle = malloc(k * sizeof(*idle)), nidle = 0;
	size_t next = 0;

	if (!h.v || !recs || !idle || (mode != REPLAY &&
	    sched_init(&s, cfg, list, hist, k, (size_t)-1, 0, 0, &err))) {
		fprintf(stderr, "pull-sim: %s\n", err.msg[0] ? err.msg : "out of memory");
		exit(1);
	}
	for (unsigned i = k; i-- > 0;)
		idle[nidle++] = i;
	for (;;) {
		/* hand out batches to every idle sandbox */
		while (nidle) {
			struct batch *b = NULL;
			double d = 0;
			size_t nr;

			if (mode == REPLAY) {
				if (next == tr->len)
					break;
				d = tr->d[next];
				nr = tr->nr[next++];
			} else {
				if (sched_next(&s, NULL, NULL, &b) || !b)
					break;
				for (size_t i = 0; i < b->nr; i++)
					d += truth[b->tests[i]];
				nr = b->nr;
				if (mode == RUN) {
					tr->d[tr->len] = d;
					tr->nr[tr->len++] = nr;
					tr->units += nr + 1;
				} else {
					orch += unit * (double)(nr + 1);
				}
			}
			heap_push(&h, (struct ev){ orch + d, idle[--nidle], b });
		}
		if (!h.nr)
			break;
		{
			struct ev e = heap_pop(&h);

			if (e.t > orch)
				orch = e.t;	/* the orchestrator waited */
			if (e.t > end)
				end = e.t;
			for (size_t i = 0; e.b && i < e.b->nr; i++) {
				size_t j = e.b->tests[i];

				recs[j].secs = truth[j];
				recs[j].batch = e.b->no;
				sched_observe(&s, j, truth[j]);
			}
			if (e.b)
				sched_finish(&s, e.b);
			idle[nidle++] = e.sb;
		}
	}
	if (orch > end)
		end = orch;
	if (mode != REPLAY)
		sched_release(&s);
	free(h.v);
	free(recs);
	free(idle);
	return end;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned k = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10000;
	int exact = argc > 3 ? !strcmp(argv[3], "exact") : 1;
	struct offload_group grp = { .name = "all" };
	struct offload_config cfg;
	struct offload_test_list list = { 0 };
	double *truth = malloc(n * sizeof(*truth)), *hist = NULL;
	double sum = 0, max = 0, lb, free_run = 0, charged, cpu;
	double run_cpu = 0, replay_cpu = 0, plan_cpu = 0;
	struct trace tr = { 0 };
	unsigned long long x = 42;

	memset(&cfg, 0, sizeof(cfg));
	cfg.groups = &grp;
	cfg.groups_nr = 1;
	cfg.default_duration_secs = 1;
	list.nr = n;
	list.ids = malloc(n * sizeof(char *));
	list.group = calloc(n, sizeof(size_t));
	if (!truth || !list.ids || !list.group || !k)
		return 1;
	for (size_t i = 0; i < n; i++) {
		char id[40];

		/* durations: heavy-tailed (Pareto-like, as the unit test's
		 * suite), scaled below to 1 s on average, the longest
		 * clipped at 30 s */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		truth[i] = pow((double)((x >> 11) + 1) / 9007199254740993.0, -0.9);
		sum += truth[i];
		snprintf(id, sizeof(id), "tests/t%zu.sh", i);
		if (!(list.ids[i] = strdup(id)))
			return 1;
	}
	for (size_t i = 0; i < n; i++) {
		truth[i] *= (double)n / sum;
		if (truth[i] > 30)
			truth[i] = 30;
	}
	sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += truth[i];
		max = truth[i] > max ? truth[i] : max;
	}
	if (exact)
		hist = truth;
	lb = sum / k > max ? sum / k : max;
	tr.d = malloc(n * sizeof(*tr.d));
	tr.nr = malloc(n * sizeof(*tr.nr));
	if (!tr.d || !tr.nr)
		return 1;
	/* the orchestrator's CPU: a run's, less its replay's (the least of
	 * ROUNDS each: the machine is shared) */
	for (int r = 0; r < ROUNDS; r++) {
		double c0 = cpu_now(), t;

		tr.len = tr.units = 0;
		free_run = simulate(RUN, &cfg, &list, truth, hist, k, &tr, 0, 0);
		t = cpu_now() - c0;
		run_cpu = r && run_cpu < t ? run_cpu : t;
		c0 = cpu_now();
		simulate(REPLAY, &cfg, &list, truth, hist, k, &tr, 0, 0);
		t = cpu_now() - c0;
		replay_cpu = r && replay_cpu < t ? replay_cpu : t;
	}
	for (int r = 0; r < ROUNDS; r++) {
		struct sched s;
		struct offload_error err = { 0, "" };
		double c0 = cpu_now(), t;

		if (sched_init(&s, &cfg, &list, hist, k, (size_t)-1, 0, 0, &err))
			return 1;
		t = cpu_now() - c0;
		plan_cpu = r && plan_cpu < t ? plan_cpu : t;
		sched_release(&s);
	}
	cpu = run_cpu - replay_cpu;
	charged = simulate(CHARGED, &cfg, &list, truth, hist, k, &tr,
			   (cpu - plan_cpu) / (double)tr.units, plan_cpu);
	printf("pull-sim: %zu tests (mean %.2f s, longest %.2f s), %u sandboxes, "
	       "history %s\n", n, sum / (double)n, max, k, exact ? "exact" : "none");
	printf("  batches handed out       %zu\n", tr.len);
	printf("  makespan, free orchestrator  %.2f s (%.4f x LB %.2f s)\n",
	       free_run, free_run / lb, lb);
	printf("  makespan, orchestrator charged  %.2f s\n", charged);
	printf("  orchestrator CPU         %.3f s (%.2f us per test; the run %.3f s, "
	       "its replay %.3f s; planning %.3f s of it), %.2f %% of the makespan "
	       "(target < 1 %%)\n", cpu, cpu / (double)n * 1e6, run_cpu,
	       replay_cpu, plan_cpu, cpu / charged * 100);
	printf("  makespan lost to it      %.3f %%\n",
	       (charged / free_run - 1) * 100);
	free(tr.d);
	free(tr.nr);
	for (size_t i = 0; i < n; i++)
		free(list.ids[i]);
	free(list.ids);
	free(list.group);
	free(truth);
	return 0;
}
