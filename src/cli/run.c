/* SPDX-License-Identifier: MIT */
/*
 * run.c - `offload run`: progress while the tests run, the summary after,
 * and signal forwarding (SIGINT/SIGTERM/SIGHUP stop the run cleanly: the
 * library kills every test's process group and writes a report marked
 * interrupted; we exit 128+N).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char run_usage[] =
"usage: offload run [options]\n"
"  -c, --config FILE    configuration file (default: offload.ini)\n"
"  -j, --parallel N     sandboxes to use (default: max_parallel)\n"
"  -g, --group NAME     run only this group's tests\n"
"      --fail-fast      stop at the first test that fails\n"
"      --collect-only   discover and list the tests, run nothing\n"
"  -v, --verbose        print every test's verdict as it is decided\n"
"  -h, --help           this text\n";

static struct offload_run *active_run;

static volatile sig_atomic_t interrupted_by;

static void on_signal(int sig)
{
	if (!interrupted_by)
		interrupted_by = sig;
	if (active_run)
		offload_run_interrupt(active_run, sig);
}

struct ui {
	int tty;                  /* progress bar on stderr */
	int verbose;
	double last_ci;
	int bar_shown;
};

static const char *verdict_name(enum offload_verdict v)
{
	switch (v) {
	case OFFLOAD_PASSED: return "PASS";
	case OFFLOAD_FAILED: return "FAIL";
	case OFFLOAD_FLAKY: return "FLAKY";
	case OFFLOAD_SKIPPED: return "SKIP";
	case OFFLOAD_NOT_RUN: return "NOT RUN";
	}
	return "?";
}

static void clear_bar(struct ui *ui)
{
	if (ui->bar_shown) {
		fputs("\r\033[K", stderr);
		ui->bar_shown = 0;
	}
}

static void show_progress(struct ui *ui, const struct offload_progress *p)
{
	size_t done = p->total - p->awaiting;
	unsigned pct = p->total ? (unsigned)(done * 100 / p->total) : 100;

	if (ui->tty) {
		char bar[31];
		size_t fill = p->total ? done * 30 / p->total : 30;

		memset(bar, '#', fill);
		memset(bar + fill, '.', 30 - fill);
		bar[30] = '\0';
		fprintf(stderr, "\r\033[K[%s] %3u%% %zu/%zu passed %zu failed %zu flaky %zu %5.1fs",
			bar, pct, done, p->total, p->passed + p->flaky, p->failed,
			p->flaky, p->elapsed);
		ui->bar_shown = 1;
		return;
	}
	fprintf(stderr, "[ci] %u%% | passed: %zu, failed: %zu, flaky: %zu, skipped: %zu, awaiting: %zu\n",
		pct, p->passed + p->flaky, p->failed, p->flaky, p->skipped,
		p->awaiting);
}

static void on_event(const struct offload_event *ev, void *data)
{
	struct ui *ui = data;

	switch (ev->type) {
	case OFFLOAD_EVENT_NOTICE:
	case OFFLOAD_EVENT_WARNING:
		clear_bar(ui);
		fprintf(stderr, "offload: %s%s\n",
			ev->type == OFFLOAD_EVENT_WARNING ? "warning: " : "",
			ev->text);
		break;
	case OFFLOAD_EVENT_DECIDED:
		if (ui->verbose || ev->test->verdict == OFFLOAD_FAILED) {
			clear_bar(ui);
			printf("%-5s ", verdict_name(ev->test->verdict));
			cli_put_id(stdout, ev->test->id);
			putchar('\n');
			fflush(stdout);
		}
		if (ui->tty)
			show_progress(ui, &ev->progress);
		break;
	case OFFLOAD_EVENT_BATCH_START:
	case OFFLOAD_EVENT_BATCH_END:
		break;
	case OFFLOAD_EVENT_TICK:
		if (ui->tty) {
			show_progress(ui, &ev->progress);
		} else if (ev->progress.elapsed - ui->last_ci >= 5.0) {
			ui->last_ci = ev->progress.elapsed;
			show_progress(ui, &ev->progress);
		}
		break;
	}
}

static void print_list(const struct offload_report *rep,
		       enum offload_verdict v, const char *title)
{
	int any = 0;

	for (size_t i = 0; i < rep->nr; i++) {
		const struct offload_result *r = &rep->results[i];
		const char *why = NULL;

		if (r->verdict != v)
			continue;
		if (!any++)
			printf("%s:\n", title);
		fputs("  ", stdout);
		cli_put_id(stdout, r->id);
		if (v == OFFLOAD_NOT_RUN && r->not_run_reason)
			why = r->not_run_reason;
		else if (r->attempts_nr && v == OFFLOAD_FAILED)
			why = r->attempts[r->attempts_nr - 1].message;
		if (why) {
			/* a message may quote the ID ("cannot run '...'") */
			fputs(" (", stdout);
			cli_put_id(stdout, why);
			putchar(')');
		}
		putchar('\n');
	}
}

static void summary(const struct offload_report *rep)
{
	print_list(rep, OFFLOAD_FAILED, "Failed");
	print_list(rep, OFFLOAD_FLAKY, "Flaky (passed on retry)");
	print_list(rep, OFFLOAD_NOT_RUN, "Not run");
	printf("\nSummary\n");
	printf("  Total:    %zu\n", rep->nr);
	printf("  Passed:   %zu\n", rep->passed);
	printf("  Failed:   %zu\n", rep->failed);
	printf("  Flaky:    %zu\n", rep->flaky);
	printf("  Skipped:  %zu\n", rep->skipped);
	printf("  Not run:  %zu\n", rep->not_run);
	printf("  Duration: %.2fs\n", rep->secs);
	if (rep->interrupted)
		printf("  Interrupted by signal %d: the report is marked interrupted\n",
		       rep->interrupted);
	if (rep->fail_fast_stopped)
		printf("  Stopped early by --fail-fast\n");
	if (rep->junit_path)
		printf("  JUnit:    %s\n", rep->junit_path);
	printf("%zu passed, %zu failed, %zu skipped\n",
	       rep->passed + rep->flaky, rep->failed + rep->not_run,
	       rep->skipped);
}

static int collect_only(struct offload_run *run)
{
	const struct offload_test_list *t = offload_run_tests(run);

	for (size_t i = 0; i < t->nr; i++) {
		cli_put_id(stdout, t->ids[i]);
		putchar('\n');
	}
	fprintf(stderr, "offload: %zu tests\n", t->nr);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "parallel", required_argument, NULL, 'j' },
		{ "group", required_argument, NULL, 'g' },
		{ "fail-fast", no_argument, NULL, 'F' },
		{ "collect-only", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct offload_run_options ro = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_config cfg;
	struct offload_report rep = { 0 };
	struct offload_error err = { 0 };
	struct offload_run *run = NULL;
	const char *config = "offload.ini", *ci = getenv("CI");
	struct ui ui = { 0 };
	struct sigaction sa;
	int c, only_collect = 0, ret;

	while ((c = getopt_long(argc, argv, "c:j:g:vh", opts, NULL)) != -1) {
		char *end;
		unsigned long n;

		switch (c) {
		case 'c': config = optarg; break;
		case 'j':
			n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 4096 || optarg[0] == '-') {
				cli_error("bad value '%s' for --parallel (expected 1 to 4096)", optarg);
				return OFFLOAD_EXIT_USAGE;
			}
			ro.parallel = (unsigned)n;
			break;
		case 'g': ro.only_group = optarg; break;
		case 'F': ro.fail_fast = 1; break;
		case 'C': only_collect = 1; break;
		case 'v': ui.verbose = 1; break;
		case 'h': fputs(run_usage, stdout); return 0;
		default: fputs(run_usage, stderr); return OFFLOAD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return OFFLOAD_EXIT_USAGE;
	}
	if ((ret = cli_load_config(&cfg, config)))
		return ret;
	ui.tty = isatty(STDERR_FILENO) && !(ci && !strcmp(ci, "true"));
	ro.on_event = on_event;
	ro.data = &ui;

	ret = offload_run_new(&run, &cfg, &ro, &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		offload_config_release(&cfg);
		return OFFLOAD_EXIT_INTERNAL;
	}
	/* From here on a signal stops the run cleanly, discovery included. */
	active_run = run;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	ret = offload_run_prepare(run, &err);
	if (ret == OFFLOAD_ECANCELED) {
		ret = 128 + interrupted_by;
		goto out;
	}
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		/* A discovery failure (a collection error) is the tests' fault. */
		if (ret == OFFLOAD_EDISCOVER)
			ret = OFFLOAD_EXIT_FAILED;
		else
			ret = ret == OFFLOAD_ECONFIG || ret == OFFLOAD_EUSAGE ?
				OFFLOAD_EXIT_USAGE : OFFLOAD_EXIT_INTERNAL;
		goto out;
	}
	if (interrupted_by) {	/* after discovery, before the run */
		ret = 128 + interrupted_by;
		goto out;
	}
	if (only_collect) {
		ret = collect_only(run);
		goto out;
	}
	if (!offload_run_tests(run)->nr) {
		/* Almost always a wrong glob or filter: never a green run. */
		cli_error("no tests discovered (check paths and filters in '%s')",
			  config);
		ret = OFFLOAD_EXIT_FAILED;
		goto out;
	}

	ret = offload_run_execute(run, &rep, &err);
	clear_bar(&ui);
	if (ret) {
		/* The results exist even when the report could not be
		 * written: show them before saying why there is no file. */
		if (rep.results)
			summary(&rep);
		fflush(stdout);
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		ret = OFFLOAD_EXIT_INTERNAL;
		goto out;
	}
	fflush(stderr);
	summary(&rep);
	ret = rep.interrupted ? 128 + rep.interrupted : offload_report_exit_code(&rep);
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	active_run = NULL;
	offload_report_release(&rep);
	offload_run_free(run);
	offload_config_release(&cfg);
	return ret;
}
