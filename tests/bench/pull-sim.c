/* SPDX-License-Identifier: MIT */
/*
 * pull-sim.c - issue 10 item 5, past one machine: the orchestrator's own
 * cost when SANDBOXES sandboxes run TESTS simulated tests of known
 * durations, measured on a virtual clock (a discrete-event simulation).
 *
 * The simulated provider runs a batch in no real time: its sandbox is
 * busy until now + the sum of its tests' simulated durations.  Every
 * call the orchestrator makes per batch runs for real and its CPU time
 * is charged to one orchestrator (a single server on the virtual clock):
 * sched_next() when a sandbox frees up, and per result sched_observe(),
 * the per-test verdict a run keeps (one attempt appended) and
 * sched_finish().  A sandbox that frees up while the orchestrator is busy
 * waits for it.  The overhead is (makespan with those costs) / (makespan
 * with none) - 1; the floor LB = max(total / sandboxes, longest test) is
 * printed beside both.  What is not here: forks, pipes and threads
 * (orch.c has one thread per sandbox, which does not scale to 10,000:
 * docs/benchmarks.md says what does); this measures the part an event
 * loop would keep, the scheduler and the bookkeeping.
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

static double clock_cost;	/* what one cpu_now() - c0 pair costs itself */

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds since c0, less the clock's own cost */
static double cpu_since(double c0)
{
	double d = cpu_now() - c0 - clock_cost;

	return d > 0 ? d : 0;
}

static void calibrate(void)
{
	double c0 = cpu_now(), t;

	for (int i = 0; i < 100000; i++)
		(void)cpu_now();
	t = cpu_now() - c0;
	clock_cost = t / 100000;
}

struct rec {
	double secs;
	unsigned batch;
};

/*
 * One simulated run; charge: count the orchestrator's CPU time.
 * Returns the makespan; *cpu the orchestrator's CPU, *batches handed out.
 */
static double simulate(const struct offload_config *cfg,
		       const struct offload_test_list *list, const double *truth,
		       const double *hist, unsigned k, int charge, double *cpu,
		       size_t *batches)
{
	struct sched s;
	struct offload_error err = { 0, "" };
	struct heap h = { calloc(k, sizeof(struct ev)), 0 };
	struct rec *recs = calloc(list->nr, sizeof(*recs));
	double orch = 0, end = 0, c0;
	unsigned *idle = malloc(k * sizeof(*idle)), nidle = 0;

	if (!h.v || !recs || !idle ||
	    sched_init(&s, cfg, list, hist, k, (size_t)-1, 0, 0, &err)) {
		fprintf(stderr, "pull-sim: %s\n", err.msg[0] ? err.msg : "out of memory");
		exit(1);
	}
	*cpu = 0;
	*batches = 0;
	for (unsigned i = k; i-- > 0;)
		idle[nidle++] = i;
	for (;;) {
		/* hand out batches to every idle sandbox, in the orchestrator's time */
		while (nidle) {
			struct batch *b;
			double t, d = 0;

			c0 = cpu_now();
			if (sched_next(&s, NULL, NULL, &b) || !b) {
				if (charge)
					orch += cpu_since(c0);
				break;
			}
			t = cpu_since(c0);
			*cpu += t;
			if (charge)
				orch += t;
			for (size_t i = 0; i < b->nr; i++)
				d += truth[b->tests[i]];
			(*batches)++;
			heap_push(&h, (struct ev){ orch + d, idle[--nidle], b });
		}
		if (!h.nr)
			break;
		{
			struct ev e = heap_pop(&h);
			double t;

			if (e.t > orch)
				orch = e.t;	/* the orchestrator waited */
			if (e.t > end)
				end = e.t;
			c0 = cpu_now();
			for (size_t i = 0; i < e.b->nr; i++) {
				size_t j = e.b->tests[i];

				recs[j].secs = truth[j];
				recs[j].batch = e.b->no;
				sched_observe(&s, j, truth[j]);
			}
			sched_finish(&s, e.b);
			t = cpu_since(c0);
			*cpu += t;
			if (charge)
				orch += t;
			idle[nidle++] = e.sb;
		}
	}
	if (charge && orch > end)
		end = orch;
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
	double sum = 0, max = 0, lb, free_run, charged, cpu, cpu2;
	unsigned long long x = 42;
	size_t batches;

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
	calibrate();
	free_run = simulate(&cfg, &list, truth, hist, k, 0, &cpu, &batches);
	charged = simulate(&cfg, &list, truth, hist, k, 1, &cpu2, &batches);
	printf("pull-sim: %zu tests (mean %.2f s, longest %.2f s), %u sandboxes, "
	       "history %s\n", n, sum / (double)n, max, k, exact ? "exact" : "none");
	printf("  batches handed out       %zu\n", batches);
	printf("  makespan, free orchestrator  %.2f s (%.4f x LB %.2f s)\n",
	       free_run, free_run / lb, lb);
	printf("  makespan, orchestrator charged  %.2f s\n", charged);
	printf("  orchestrator CPU         %.3f s (%.2f us per test), %.2f %% of "
	       "the makespan (target < 1 %%)\n", cpu2, cpu2 / (double)n * 1e6,
	       cpu2 / charged * 100);
	printf("  makespan lost to it      %.3f %%\n",
	       (charged / free_run - 1) * 100);
	for (size_t i = 0; i < n; i++)
		free(list.ids[i]);
	free(list.ids);
	free(list.group);
	free(truth);
	return 0;
}
