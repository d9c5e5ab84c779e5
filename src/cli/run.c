/* SPDX-License-Identifier: MIT */
/*
 * run.c - `offload run`: progress while the tests run, the summary after,
 * and signal forwarding (SIGINT/SIGTERM/SIGHUP/SIGQUIT stop the run
 * cleanly: the library kills every test's process group and writes a
 * report marked interrupted; we exit 128+N).
 *
 * Started from a make recipe (`--make`, as $(offload-run ...) of the Make
 * module expands), it is one of make's jobs: it reads make's flags from
 * MAKEFLAGS, runs nothing under -n/-q/-t, and runs sandboxes beyond the
 * first only on jobserver tokens.  Any run started by make takes tokens
 * when make handed it the jobserver (a `+` recipe).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char run_usage[] =
"usage: offload run [options] [ID...]\n"
"  -c, --config FILE    configuration file (default: offload.ini)\n"
"  -j, --parallel N     sandboxes to use (default: max_parallel)\n"
"  -g, --group NAME     run only this group's tests\n"
"      --junit FILE     write the JUnit report to FILE (logs beside it)\n"
"      --trace FILE     write a Chrome/Perfetto trace of the run to FILE\n"
"      --fail-fast      stop at the first test that fails\n"
"      --shard K/N      run only the K-th of N parts of equal estimated\n"
"                       duration (for N CI jobs; merge the reports with\n"
"                       'offload merge')\n"
"      --collect-only   discover and list the tests, run nothing\n"
"  -v, --verbose        print every test's verdict as it is decided\n"
"      --make           run as a recipe of GNU make: follow make's -n/-q/-t\n"
"                       and jobserver; IDs are make words (@XX encoding)\n"
"      --flaky-fails    with --make: a flaky test fails the recipe\n"
"      --ids-file FILE  with --make: more encoded IDs, read from FILE,\n"
"                       which is then removed\n"
"  -h, --help           this text\n"
"IDs: run only these tests (an ID that is not discovered fails the run).\n"
"The run also writes output_dir/report.html (see 'offload report').\n";

static struct offload_run *active_run;

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

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
	int quiet_ticks;          /* no periodic progress lines (--make) */
	int ci_explained;         /* the first [ci] line said what they are */
	struct offload_progress last;  /* the latest event's: a closing [ci]
					  line counts what -v printed after the
					  last periodic one */
	size_t discovered;        /* --shard: tests discovered in all shards */
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

static void show_progress(struct ui *ui, const struct offload_progress *in)
{
	/* tests a running batch already reported count as done */
	struct offload_progress q = *in, *p = &q;
	size_t done;

	q.passed += q.provisional_passed;
	q.failed += q.provisional_failed;
	q.flaky += q.provisional_flaky;
	q.skipped += q.provisional_skipped;
	q.awaiting -= q.provisional_passed + q.provisional_failed +
		q.provisional_flaky + q.provisional_skipped;
	done = p->total - p->awaiting;
	unsigned pct = p->total ? (unsigned)(done * 100 / p->total) : 100;

	if (ui->tty) {
		char bar[31];
		size_t fill = p->total ? done * 30 / p->total : 30;

		memset(bar, '#', fill);
		memset(bar + fill, '.', 30 - fill);
		bar[30] = '\0';
		/* every number with its label: "1/3 passed 1" read as
		 * "1 of 3 passed" */
		fprintf(stderr, "\r\033[K[%s] %3u%% %zu/%zu | passed: %zu (%zu flaky), failed: %zu, skipped: %zu | %.1fs",
			bar, pct, done, p->total, p->passed + p->flaky, p->flaky,
			p->failed, p->skipped, p->elapsed);
		ui->bar_shown = 1;
		return;
	}
	if (!ui->ci_explained) {
		fputs("[ci] offload: a progress line every 5 s (stderr is not a terminal, or CI=true)\n",
		      stderr);
		ui->ci_explained = 1;
	}
	fprintf(stderr, "[ci] %u%% of %zu tests | passed: %zu (%zu flaky), failed: %zu, skipped: %zu, awaiting: %zu\n",
		pct, p->total, p->passed + p->flaky, p->flaky, p->failed,
		p->skipped, p->awaiting);
}

static void on_event(const struct offload_event *ev, void *data)
{
	struct ui *ui = data;

	ui->last = ev->progress;
	switch (ev->type) {
	case OFFLOAD_EVENT_NOTICE:
	case OFFLOAD_EVENT_WARNING:
		if (ev->type == OFFLOAD_EVENT_NOTICE && ev->tests_nr)
			ui->discovered = ev->tests_nr;
		clear_bar(ui);
		fprintf(stderr, "offload: %s%s\n",
			ev->type == OFFLOAD_EVENT_WARNING ? "warning: " : "",
			ev->text);
		break;
	case OFFLOAD_EVENT_TEST_DONE:	/* provisional, from a running batch */
	case OFFLOAD_EVENT_DECIDED:
	case OFFLOAD_EVENT_VERDICT_CHANGED:	/* e.g. PASS, then a retry failed */
		/* TEST_DONE's `previous` is NOT_RUN; DECIDED's is what a
		 * TEST_DONE said, printed already when it is the verdict */
		if (ev->test->verdict != OFFLOAD_NOT_RUN &&
		    ev->previous != ev->test->verdict &&
		    (ui->verbose || ev->test->verdict == OFFLOAD_FAILED)) {
			clear_bar(ui);
			printf("%-5s ", verdict_name(ev->test->verdict));
			cli_put_id(stdout, ev->test->id);
			if (ev->previous != OFFLOAD_NOT_RUN)
				printf(" (was %s)", verdict_name(ev->previous));
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
		} else if (!ui->quiet_ticks &&
			   ev->progress.elapsed - ui->last_ci >= 5.0) {
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

static void summary(const struct offload_report *rep,
		    const struct offload_config *cfg)
{
	char *html;

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
	if (rep->junit_path) {
		printf("  JUnit:    %s\n", rep->junit_path);
		if ((html = offload_report_html_path(cfg)))
			printf("  HTML:     %s\n", html);
		free(html);
	}
	/* The closing line counts a flaky test as passed and a test not
	 * run as failed, unlike the lines above: say so on it. */
	printf("%zu passed, %zu failed, %zu skipped",
	       rep->passed + rep->flaky, rep->failed + rep->not_run,
	       rep->skipped);
	if (rep->flaky && rep->not_run)
		printf(" (passed includes %zu flaky, failed includes %zu not run)",
		       rep->flaky, rep->not_run);
	else if (rep->flaky)
		printf(" (passed includes %zu flaky)", rep->flaky);
	else if (rep->not_run)
		printf(" (failed includes %zu not run)", rep->not_run);
	putchar('\n');
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

/* What `offload run` was asked for, beyond the library's options. */
struct run_args {
	const char *config;
	const char *junit;        /* --junit */
	const char *trace;        /* --trace */
	int make;                 /* --make */
	int flaky_fails;          /* --flaky-fails */
	int only_collect;
	char **ids;               /* owned: asked for on the command line */
	size_t ids_nr, ids_alloc;
	char *log_dir;            /* owned: beside --junit */
	unsigned shard_k, shard_n;  /* --shard K/N, or 0 */
};

static void run_args_release(struct run_args *a)
{
	for (size_t i = 0; i < a->ids_nr; i++)
		free(a->ids[i]);
	free(a->ids);
	free(a->log_dir);
}

static int add_id(struct run_args *a, const char *w, size_t n)
{
	char *id;

	if (a->ids_nr == a->ids_alloc) {
		size_t m = a->ids_alloc ? 2 * a->ids_alloc : 16;
		char **v = realloc(a->ids, m * sizeof(*v));

		if (!v)
			goto nomem;
		a->ids = v;
		a->ids_alloc = m;
	}
	if (!a->make) {
		if (!(id = strndup(w, n)))
			goto nomem;
	} else {
		int ret = offload_make_decode(w, n, &id);

		if (ret == OFFLOAD_EPARSE) {
			cli_error("bad encoded test ID '%.*s' (an '@' must be followed by two hex digits, not 00)",
				  (int)(n > 200 ? 200 : n), w);
			return OFFLOAD_EXIT_USAGE;
		}
		if (ret)
			goto nomem;
	}
	a->ids[a->ids_nr++] = id;
	return 0;
nomem:
	cli_error("out of memory");
	return OFFLOAD_EXIT_INTERNAL;
}

/* --ids-file FILE: blank-separated make words; FILE is removed (the Make
 * module writes it for a list too long for one command line). */
static int read_ids_file(struct run_args *a, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t alloc = 0;
	ssize_t len;
	int ret = 0;

	if (!f) {
		cli_error("cannot read IDs file '%s': %s", path, strerror(errno));
		return OFFLOAD_EXIT_USAGE;
	}
	while (!ret && (len = getdelim(&line, &alloc, ' ', f)) >= 0) {
		char *p = line, *end = line + len;

		while (p < end && !ret) {
			char *w;

			while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
				p++;
			w = p;
			while (p < end && *p != ' ' && *p != '\t' && *p != '\n')
				p++;
			if (p > w)
				ret = add_id(a, w, (size_t)(p - w));
		}
	}
	if (!ret && ferror(f)) {
		cli_error("cannot read IDs file '%s': %s", path, strerror(errno));
		ret = OFFLOAD_EXIT_INTERNAL;
	}
	free(line);
	fclose(f);
	unlink(path);
	return ret;
}

/* Under make -n, -q or -t: say what would run, run nothing. */
static void dry_run(const struct run_args *a, const char *group)
{
	if (a->ids_nr)
		printf("offload: would run %zu test%s of ", a->ids_nr,
		       a->ids_nr == 1 ? "" : "s");
	else
		printf("offload: would run all tests of ");
	cli_put_id(stdout, a->config);
	if (group) {
		fputs(" (group ", stdout);
		cli_put_id(stdout, group);
		putchar(')');
	}
	if (a->junit) {
		fputs(", report ", stdout);
		cli_put_id(stdout, a->junit);
	}
	putchar('\n');
}

/*
 * How many sandboxes, and on which job slots.  Under a jobserver, up to
 * `parallel` sandboxes, the first on our recipe's slot and the others on
 * tokens.  make's jobserver named in MAKEFLAGS but not handed to us (a
 * recipe without `+`) is not used.  With --make and no jobserver, make
 * gave us one slot (plain make, -j1), except under a bare -j.  Only for
 * local sandboxes (see is_local).
 */
static void use_make_slots(const struct run_args *a,
			   struct offload_run_options *ro,
			   struct offload_jobserver **js)
{
	struct offload_makeflags mf;
	struct offload_error err = { 0 };
	int ret;

	*js = NULL;
	if (offload_makeflags_parse(&mf, getenv("MAKEFLAGS")))
		return;
	if (mf.fifo || mf.pipe_r >= 0) {
		ret = offload_jobserver_open(js, &mf, &err);
		if (ret && a->make)
			fprintf(stderr, "offload: warning: %s: running one test at a time\n",
				err.msg);
		if (ret && a->make)
			ro->parallel = 1;
	} else if (a->make && !mf.unlimited) {
		ro->parallel = 1;
	}
	offload_makeflags_release(&mf);
	ro->jobserver = *js;
}

/*
 * Whether the sandboxes are on this machine.  Remote ones cost it next
 * to nothing, so make's slots do not limit them (docs/make.md).
 */
static int is_local(const struct offload_config *cfg)
{
	char *type = NULL;
	int local;

	if (offload_config_get(cfg, "provider.type", &type, NULL))
		return 1;
	local = !type || !strcmp(type, "local");
	free(type);
	return local;
}

/* Tests asked for by ID that discovery did not find: a stale list must
 * not look green. */
static size_t report_missing(const struct run_args *a, struct offload_run *run)
{
	const struct offload_test_list *t = offload_run_tests(run);
	const char **have = malloc((t->nr + 1) * sizeof(*have));
	size_t missing = 0;

	if (!have)
		return a->ids_nr;
	memcpy(have, t->ids, t->nr * sizeof(*have));
	qsort(have, t->nr, sizeof(*have), cmp_strp);
	for (size_t i = 0; i < a->ids_nr; i++) {
		if (bsearch(&a->ids[i], have, t->nr, sizeof(*have), cmp_strp))
			continue;
		if (!missing++)
			printf("Not found (asked for, not discovered):\n");
		if (missing <= 100) {
			fputs("  ", stdout);
			cli_put_id(stdout, a->ids[i]);
			putchar('\n');
		}
	}
	if (missing > 100)
		printf("  ... and %zu more\n", missing - 100);
	free(have);
	return missing;
}

/* The report of a run whose discovery failed: one failed case,
 * "discovery", in the group's suite, with discovery's message. */
static void discovery_failed(const struct offload_config *cfg,
			     const char *group, const char *msg)
{
	struct offload_error err = { 0 };
	char *junit = NULL, *file = NULL;

	if (offload_config_get(cfg, "report.junit", &junit, &err) ||
	    offload_config_get(cfg, "report.junit_file", &file, &err)) {
		cli_error("%s", err.msg);
		goto out;
	}
	if (strcmp(junit, "true"))
		goto out;
	if (!group)
		group = offload_config_groups_nr(cfg) == 1 ?
			offload_config_group_name(cfg, 0) : "offload";
	if (offload_junit_write_failure(file, group, "discovery",
					"test discovery failed", msg, &err))
		cli_error("%s", err.msg);
	else
		fprintf(stderr, "offload: report: %s\n", file);
out:
	free(junit);
	free(file);
}

static void set_handlers(void (*fn)(int), int keep_ignored)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* A recipe of a make that ignores a signal (a make started
		 * in the background of a script ignores SIGINT) ignores it
		 * too, as make's other jobs do. */
		if (keep_ignored && !sigaction(sigs[i], NULL, &old) &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* "K/N" with 1 <= K <= N <= 100000: 0, else -1. */
static int parse_shard(const char *s, unsigned *k, unsigned *n)
{
	unsigned long a, b;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	a = strtoul(s, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (*end || !a || a > b || b > 100000)
		return -1;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

static int parse_run_args(int argc, char **argv, struct run_args *a,
			  struct offload_run_options *ro, struct ui *ui)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "parallel", required_argument, NULL, 'j' },
		{ "group", required_argument, NULL, 'g' },
		{ "junit", required_argument, NULL, 'J' },
		{ "trace", required_argument, NULL, 'T' },
		{ "fail-fast", no_argument, NULL, 'F' },
		{ "collect-only", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "make", no_argument, NULL, 'M' },
		{ "flaky-fails", no_argument, NULL, 'L' },
		{ "ids-file", required_argument, NULL, 'I' },
		{ "shard", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ids_file = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "c:j:g:vh", opts, NULL)) != -1) {
		char *end;
		unsigned long n;

		switch (c) {
		case 'c': a->config = optarg; break;
		case 'j':
			n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 4096 || optarg[0] == '-') {
				cli_error("bad value '%s' for --parallel (expected 1 to 4096)", optarg);
				return OFFLOAD_EXIT_USAGE;
			}
			ro->parallel = (unsigned)n;
			break;
		case 'g': ro->only_group = optarg; break;
		case 'J': a->junit = optarg; break;
		case 'T': a->trace = optarg; break;
		case 'F': ro->fail_fast = 1; break;
		case 'C': a->only_collect = 1; break;
		case 'v': ui->verbose = 1; break;
		case 'M': a->make = 1; break;
		case 'L': a->flaky_fails = 1; break;
		case 'I': ids_file = optarg; break;
		case 'S':
			if (parse_shard(optarg, &a->shard_k, &a->shard_n)) {
				cli_error("bad value '%s' for --shard (expected K/N "
					  "with 1 <= K <= N, e.g. 2/4)", optarg);
				return OFFLOAD_EXIT_USAGE;
			}
			break;
		case 'h': fputs(run_usage, stdout); return -1;
		default: fputs(run_usage, stderr); return OFFLOAD_EXIT_USAGE;
		}
	}
	if ((a->flaky_fails || ids_file) && !a->make) {
		cli_error("--flaky-fails and --ids-file go with --make");
		return OFFLOAD_EXIT_USAGE;
	}
	if (a->junit && !*a->junit) {
		cli_error("empty --junit path");
		return OFFLOAD_EXIT_USAGE;
	}
	if (a->trace && !*a->trace) {
		cli_error("empty --trace path");
		return OFFLOAD_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if ((ret = add_id(a, argv[i], strlen(argv[i]))))
			return ret;
	if (ids_file && (ret = read_ids_file(a, ids_file)))
		return ret;
	return 0;
}

/* --trace FILE, absolute against the working directory. */
static int use_trace_path(struct run_args *a, struct offload_config *cfg)
{
	struct offload_error err = { 0 };
	char *cwd = a->trace[0] == '/' ? NULL : getcwd(NULL, 0), *path;
	int ret;

	if (a->trace[0] != '/' && !cwd) {
		cli_error("cannot resolve --trace '%s': %s", a->trace,
			  strerror(errno));
		return OFFLOAD_EXIT_INTERNAL;
	}
	path = malloc((cwd ? strlen(cwd) + 1 : 0) + strlen(a->trace) + 1);
	if (!path) {
		free(cwd);
		cli_error("out of memory");
		return OFFLOAD_EXIT_INTERNAL;
	}
	sprintf(path, "%s%s%s", cwd ? cwd : "", cwd ? "/" : "", a->trace);
	free(cwd);
	ret = offload_config_set(cfg, "report.trace_file", path, &err);
	free(path);
	if (ret) {
		cli_error("%s", err.msg);
		return OFFLOAD_EXIT_USAGE;
	}
	return 0;
}

/* --junit FILE: the report there, the history with it unless configured
 * apart, and the logs in FILE.logs/ (FILE without its .xml), so that runs
 * of one configuration with their own reports can run at once. */
static int use_junit_path(struct run_args *a, struct offload_config *cfg,
			  struct offload_run_options *ro)
{
	char *junit = realpath(a->junit, NULL), *hist = NULL, *old = NULL;
	struct offload_error err = { 0 };
	size_t n;
	int ret, same;

	if (!junit) {
		/* Not there yet: absolute against the working directory. */
		char *cwd = getcwd(NULL, 0);

		if (cwd && a->junit[0] != '/' &&
		    (junit = malloc(strlen(cwd) + strlen(a->junit) + 2)))
			sprintf(junit, "%s/%s", cwd, a->junit);
		else if (cwd)
			junit = strdup(a->junit);
		free(cwd);
	}
	if (!junit)
		goto nomem;
	/* The history goes with the report unless configured apart. */
	if (!(ret = offload_config_get(cfg, "history.path", &hist, &err)))
		ret = offload_config_get(cfg, "report.junit_file", &old, &err);
	same = !ret && hist && old && !strcmp(hist, old);
	free(hist);
	free(old);
	if (ret)
		goto fail;
	n = strlen(junit);
	if (n > 4 && !strcmp(junit + n - 4, ".xml"))
		n -= 4;
	if (!(a->log_dir = malloc(n + sizeof(".logs"))))
		goto nomem;
	memcpy(a->log_dir, junit, n);
	strcpy(a->log_dir + n, ".logs");
	ro->log_dir = a->log_dir;
	if ((same && (ret = offload_config_set(cfg, "history.path", junit, &err))) ||
	    (ret = offload_config_set(cfg, "report.junit_file", junit, &err)) ||
	    (ret = offload_config_set(cfg, "report.junit", "true", &err)))
		goto fail;
	free(junit);
	return 0;
nomem:
	free(junit);
	cli_error("out of memory");
	return OFFLOAD_EXIT_INTERNAL;
fail:
	free(junit);
	cli_error("%s", err.msg);
	return ret == OFFLOAD_ENOMEM ? OFFLOAD_EXIT_INTERNAL : OFFLOAD_EXIT_USAGE;
}

int cmd_run(int argc, char **argv)
{
	struct offload_run_options ro = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_config *cfg = NULL;
	struct offload_report rep = { 0 };
	struct offload_error err = { 0 };
	struct offload_run *run = NULL;
	struct offload_jobserver *js = NULL;
	struct run_args a = { .config = "offload.ini" };
	const char *ci = getenv("CI");
	struct ui ui = { 0 };
	int ret;
	size_t missing = 0;

	ret = parse_run_args(argc, argv, &a, &ro, &ui);
	if (ret) {
		run_args_release(&a);
		return ret < 0 ? 0 : ret;
	}
	if (a.make) {
		struct offload_makeflags mf;

		if (offload_makeflags_parse(&mf, getenv("MAKEFLAGS"))) {
			cli_error("out of memory");
			ret = OFFLOAD_EXIT_INTERNAL;
			goto out;
		}
		if (mf.dry) {
			dry_run(&a, ro.only_group);
			offload_makeflags_release(&mf);
			goto out;
		}
		offload_makeflags_release(&mf);
	}
	if ((ret = cli_load_config(&cfg, a.config)))
		goto out;
	if (a.trace && (ret = use_trace_path(&a, cfg)))
		goto out;
	if (a.junit && (ret = use_junit_path(&a, cfg, &ro)))
		goto out;
	if (is_local(cfg))
		use_make_slots(&a, &ro, &js);
	/* make's flags and jobserver are ours, not the tests': a test that
	 * runs make must not find descriptors it was never given. */
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	ui.tty = !a.make && isatty(STDERR_FILENO) && !(ci && !strcmp(ci, "true"));
	ui.quiet_ticks = a.make && !ui.verbose;
	ro.on_event = on_event;
	ro.data = &ui;
	if (a.ids_nr) {
		ro.only_ids = (const char *const *)a.ids;
		ro.only_ids_nr = a.ids_nr;
	}

	ret = offload_run_new(&run, cfg, &ro, &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		ret = OFFLOAD_EXIT_INTERNAL;
		goto out;
	}
	if (a.shard_n && (ret = offload_run_shard(run, a.shard_k, a.shard_n, &err))) {
		cli_error("%s", err.msg);
		ret = OFFLOAD_EXIT_USAGE;
		goto out;
	}
	/* From here on a signal stops the run cleanly, discovery included. */
	active_run = run;
	set_handlers(on_signal, a.make);

	ret = offload_run_prepare(run, &err);
	if (interrupted_by) {
		/* Whatever discovery said: a signal is a signal.  The report
		 * is replaced by one that says the run was interrupted. */
		offload_run_interrupt(run, interrupted_by);
		offload_run_execute(run, &rep, &err);
		cli_error("interrupted by signal %d during discovery: no test ran%s%s",
			  interrupted_by, rep.junit_path ? "; report: " : "",
			  rep.junit_path ? rep.junit_path : "");
		ret = 128 + interrupted_by;
		goto out;
	}
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		/* A discovery failure (a collection error) is the tests' fault,
		 * and the report says so rather than keep an earlier green. */
		if (ret == OFFLOAD_EDISCOVER) {
			if (!a.only_collect)
				discovery_failed(cfg, ro.only_group, err.msg);
			ret = OFFLOAD_EXIT_FAILED;
		} else
			ret = ret == OFFLOAD_ECONFIG || ret == OFFLOAD_EUSAGE ?
				OFFLOAD_EXIT_USAGE : OFFLOAD_EXIT_INTERNAL;
		goto out;
	}
	if (a.only_collect) {
		ret = collect_only(run);
		goto out;
	}
	missing = report_missing(&a, run);
	/* No test: almost always a wrong glob or filter, never a green run.
	 * But a shard may get none of the tests discovered (more shards than
	 * tests, the notice said "0 of N"): its report, with no test, still
	 * says which shard it was, so that `offload merge` finds every one. */
	if (!offload_run_tests(run)->nr &&
	    !(a.shard_n && ui.discovered && !missing)) {
		if (!missing)
			cli_error("no tests discovered (check paths and filters in '%s')",
				  a.config);
		ret = OFFLOAD_EXIT_FAILED;
		goto out;
	}

	ret = offload_run_execute(run, &rep, &err);
	clear_bar(&ui);
	/* The periodic [ci] lines end with the counts of every verdict
	 * printed, not with those of up to 5 s before the end. */
	if (!ui.tty && ui.ci_explained)
		show_progress(&ui, &ui.last);
	if (ret) {
		/* The results exist even when the report could not be
		 * written: show them before saying why there is no file. */
		if (rep.results)
			summary(&rep, cfg);
		fflush(stdout);
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		ret = OFFLOAD_EXIT_INTERNAL;
		goto out;
	}
	/* A signal after the tests ended (while the report was written, or
	 * just after) is still a signal. */
	if (!rep.interrupted && interrupted_by)
		rep.interrupted = interrupted_by;
	fflush(stderr);
	summary(&rep, cfg);
	ret = rep.interrupted ? 128 + rep.interrupted : offload_report_exit_code(&rep);
	if (missing && ret != OFFLOAD_EXIT_INTERNAL && !rep.interrupted)
		ret = OFFLOAD_EXIT_FAILED;
	if (a.make && ret == OFFLOAD_EXIT_FLAKY)
		ret = a.flaky_fails ? OFFLOAD_EXIT_FAILED : OFFLOAD_EXIT_OK;
out:
	set_handlers(SIG_DFL, a.make);
	active_run = NULL;
	/* Every worker is joined: no token can be taken any more. */
	if (js && offload_jobserver_close(js, &err)) {
		fflush(stdout);
		cli_error("%s", err.msg);
		if (ret == OFFLOAD_EXIT_OK || ret == OFFLOAD_EXIT_FLAKY)
			ret = OFFLOAD_EXIT_INTERNAL;
	}
	offload_report_release(&rep);
	offload_run_free(run);
	offload_config_free(cfg);
	run_args_release(&a);
	return ret;
}
