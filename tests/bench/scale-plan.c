/* SPDX-License-Identifier: MIT */
/*
 * scale-plan.c - the benchmark driver of tests/bench/scale.sh: discover,
 * read the history and plan the batches of CONFIG (offload_run_prepare),
 * run nothing.  Prints the number of tests and the seconds it took;
 * /usr/bin/time around it gives the wall time and peak RSS of the step.
 * Usage: scale-plan CONFIG [PARALLEL]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "offload.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A warning (an unreadable history, say) must not pass unseen. */
static void on_event(const struct offload_event *ev, void *data)
{
	(void)data;
	if (ev->type == OFFLOAD_EVENT_WARNING && ev->text)
		fprintf(stderr, "scale-plan: warning: %s\n", ev->text);
}

int main(int argc, char **argv)
{
	struct offload_run_options ro = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_error err = { 0, "" };
	struct offload_config *cfg = NULL;
	struct offload_run *run = NULL;
	double t0, t1;
	int rc = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: scale-plan CONFIG [PARALLEL]\n");
		return 2;
	}
	ro.on_event = on_event;
	ro.parallel = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
	t0 = now();
	if (offload_config_load(&cfg, argv[1], &err) ||
	    offload_run_new(&run, cfg, &ro, &err) ||
	    offload_run_prepare(run, &err)) {
		fprintf(stderr, "scale-plan: %s\n", err.msg);
		goto out;
	}
	t1 = now();
	printf("%zu tests prepared in %.3f s\n", offload_run_tests(run)->nr,
	       t1 - t0);
	rc = 0;
out:
	offload_run_free(run);
	offload_config_free(cfg);
	return rc;
}
