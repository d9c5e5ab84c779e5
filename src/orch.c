/* SPDX-License-Identifier: MIT */
/*
 * orch.c - a run: discovery, scheduling, the worker threads, the early
 * stop, cancellation, and the final report.
 *
 * DESIGN: the thread that calls offload_run_execute() is the orchestrator.
 * It starts one worker thread per sandbox; a worker that is free asks the
 * scheduler (scheduler.c, under `mu`) for its next batch, which is cut
 * then, and waits on `cv` when there is none yet (a lost batch or a hedged
 * copy may still come).  The orchestrator waits in poll() on two pipes: `wake`, to
 * which a worker writes a byte after it hands back a completion, and
 * `cancel`, written once by offload_run_interrupt() (from a signal
 * handler).  `cancel` is never drained: once readable it stays readable,
 * for discovery's spawns and for the orchestrator, which then stops the
 * run (as for --fail-fast) through each worker's `kill` pipe, polled by
 * that worker's spawns.
 *
 * Shared state is small and lives under `mu`: the scheduler, the per-test
 * `decided` flags (instances of tests already decided are dropped) and
 * the completion list.  Attempts, verdicts and events are handled only
 * on the orchestrator thread, so the event callback is never concurrent.
 *
 * Every path ends: each batch handed out produces exactly one completion,
 * and the run is over when none is out and nothing is left to hand out; a
 * process is bounded by test_timeout_secs; a cancel stops the hand-out and
 * the workers are joined before the report is written.
 *
 * A batch's own state (its two completions, the IDs handed to the
 * framework) lives in the room the scheduler allocates behind the batch
 * when it hands it out (job_of), and goes with it once its end is
 * absorbed: memory follows the batches running, not the batches planned.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <stdalign.h>
#include <stdint.h>
#include <stddef.h>
#include <unistd.h>
#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "framework.h"
#include "history.h"
#include "junit.h"
#include "points.h"
#include "report.h"
#include "sandbox.h"
#include "scheduler.h"
#include "html.h"
#include "timeline.h"
#include "shard.h"

struct completion {
	struct completion *next;
	struct batch *batch;
	unsigned sandbox;
	int started;              /* a BATCH_START notice, no results */
	size_t *tests;            /* owned; the tests actually run */
	char *host;               /* owned; where they ran, NULL: here */
	int lost;                 /* tests without an attempt went elsewhere,
				     or have no sandbox left (run->lost_reason) */
	struct batch_exec ex;
	double t0, t1;            /* now_secs() around the batch, for the timeline */
	int rc;
	struct offload_error err;
};

/* The fixed part of a batch's room (job_of): its two completions, start
 * notice and end; then its tests and IDs, one each per test. */
#define JOB_FIXED ((2 * sizeof(struct completion) + alignof(max_align_t) - 1) / \
		   alignof(max_align_t) * alignof(max_align_t))

struct tstate {
	unsigned instances;       /* retry_count + 1 */
	unsigned finished;        /* planned instances that produced an attempt */
	int decided;              /* read by workers under mu */
	int passed;               /* under mu: a batch that ended passed or
				     skipped it; decided once absorbed */
	enum offload_verdict verdict;   /* counted in run->counts once decided */
	struct offload_attempt *att;
	size_t att_nr, att_alloc;
	struct point_results points;  /* what its attempts reported of its parts */
	/* live progress (orchestrator only): a running batch said it finished
	 * (live_seen), giving it verdict `live`.  NOT_RUN (nothing said yet)
	 * lasts until a batch of it ends; any other verdict was said, and is
	 * counted in run->provisional until the test is decided, whichever
	 * batch ends first (another instance's failure must not uncount a
	 * PASS already printed); `announced`: the last verdict an
	 * OFFLOAD_EVENT_TEST_DONE gave it */
	int live_seen;
	enum offload_verdict live, announced;
};

struct worker {
	struct offload_run *run;
	pthread_t thread;
	unsigned index;
	int started;
	int kill[2];              /* a byte in kill[1] cancels this worker's batch */
	int retired;              /* its sandbox failed for good */
	struct completion *current;   /* the batch running, under mu */
	double open0, open1;      /* now_secs() around sandbox_open */
	struct completion *live;      /* under mu: the batch running, once its
					 `ex` is filled in (poll_live) */
	struct batch_live live_st;    /* under mu: poll_live's place in it */
};

struct offload_run {
	const struct offload_config *cfg;
	struct offload_run_options opts;
	struct offload_test_list tests;
	struct sched s;           /* under mu once workers run */
	int sched_ok;
	unsigned parallel;
	char *log_dir;

	int cancel[2];            /* level-triggered cancel for everyone */
	int enough[2];            /* readable: every batch is in, or the run is
				     canceled: a sandbox still being created is
				     not needed (remote providers) */
	int wake[2];              /* workers -> orchestrator */
	volatile sig_atomic_t interrupted;
	int canceled;             /* orchestrator only */
	struct offload_error oom; /* orchestrator only: the first result that
				     memory ran out for; fails the run */
	size_t counts[OFFLOAD_SKIPPED + 1];  /* decided tests by verdict */
	size_t provisional[OFFLOAD_SKIPPED + 1];  /* orchestrator only: see
						     struct tstate's `live` */
	int prepared;             /* offload_run_prepare succeeded */

	pthread_mutex_t mu;
	pthread_cond_t cv;         /* with mu: the scheduler may have work */
	struct tstate *ts;
	struct completion *done, **done_tail;
	struct sandbox_pool pool;
	struct worker *workers;
	int stopping;              /* under mu: take no more batches */
	int starved;               /* under mu: a batch could not be handed
				      out for lack of memory */
	size_t projected;          /* the batches expected at the start */
	size_t workers_nr;         /* workers[] entries with a kill pipe */
	size_t alive;              /* under mu: workers that may still take a batch */
	char *lost_reason;         /* under mu: why tests were left without sandbox */
	struct strvec notes;       /* under mu: sandbox warnings for the report */
	struct timeline tl;        /* orchestrator only: when things happened */

	unsigned shard_k, shard_n;     /* --shard K/N (1-based), or 0 */
	char shard_split[SHARD_DIGEST_LEN + 1];  /* shard_digest(), for the
						    report; "" until split */
	struct offload_test_list others;  /* discovered, in other shards */
	int history_writable;          /* record the run in history_path */
	long long stamp;               /* the run's start, for the history */
};

/* Remove logs/batch-N.stdout|stderr left by an earlier run: offload's own
 * files, and only those. */
static void remove_old_logs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		const char *n = e->d_name, *p;

		if (strncmp(n, "batch-", 6))
			continue;
		for (p = n + 6; *p >= '0' && *p <= '9'; p++)
			;
		if (p == n + 6 || (strcmp(p, ".stdout") && strcmp(p, ".stderr")))
			continue;
		unlinkat(dirfd(d), n, 0);
	}
	closedir(d);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep only the tests named in opts->only_ids (sorted once, then looked
 * up: a make recipe may pass thousands). */
static int filter_ids(struct offload_run *run, struct offload_test_list *all)
{
	const struct offload_run_options *o = &run->opts;
	const char **want = NULL;
	size_t w = 0;

	if (!o->only_ids)
		return 0;
	if (o->only_ids_nr) {
		want = malloc(o->only_ids_nr * sizeof(*want));
		if (!want)
			return OFFLOAD_ENOMEM;
		memcpy(want, o->only_ids, o->only_ids_nr * sizeof(*want));
		qsort(want, o->only_ids_nr, sizeof(*want), cmp_strp);
	}
	for (size_t i = 0; i < all->nr; i++) {
		if (want && bsearch(&all->ids[i], want, o->only_ids_nr,
				    sizeof(*want), cmp_strp)) {
			all->ids[w] = all->ids[i];
			all->group[w++] = all->group[i];
		} else {
			free(all->ids[i]);
		}
	}
	free(want);
	/* The list is NULL-terminated (strv_free): end it after the kept. */
	for (size_t i = w; i < all->nr; i++)
		all->ids[i] = NULL;
	all->nr = w;
	return 0;
}

int offload_run_new(struct offload_run **runp,
		    const struct offload_config *cfg,
		    const struct offload_run_options *opts,
		    struct offload_error *err)
{
	struct offload_run *run;
	int ret;

	*runp = NULL;
	run = calloc(1, sizeof(*run));
	if (!run)
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	run->cfg = cfg;
	timeline_init(&run->tl, now_secs());
	run->cancel[0] = run->cancel[1] = run->wake[0] = run->wake[1] = -1;
	run->enough[0] = run->enough[1] = -1;
	if (opts)
		run->opts = *opts;
	run->parallel = run->opts.parallel ? run->opts.parallel : cfg->max_parallel;
	if (!run->parallel) {
		ret = err_set(err, OFFLOAD_EUSAGE, "parallelism must be at least 1");
		goto fail;
	}
	/* O_CLOEXEC from the start: another thread may fork at any moment. */
	if (pipe2(run->cancel, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(run->wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(run->enough, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = err_set(err, -errno, "cannot create pipe: %s", strerror(errno));
		goto fail;
	}

	*runp = run;
	return 0;
fail:
	offload_run_free(run);
	return ret;
}

int offload_run_shard(struct offload_run *run, unsigned k, unsigned n,
		      struct offload_error *err)
{
	if (run->prepared)
		return err_set(err, OFFLOAD_EUSAGE, "shard set after the run "
			       "was prepared");
	if (!k || !n || k > n)
		return err_set(err, OFFLOAD_EUSAGE, "bad shard %u/%u (expected "
			       "1 <= K <= N)", k, n);
	run->shard_k = k;
	run->shard_n = n;
	return 0;
}

/*
 * Keep the tests of shard shard_k of shard_n (shard.c), weighing each
 * test by its estimate (unknown: default_duration_secs) times its
 * instances; the other shards' tests go to run->others.
 */
static int keep_shard(struct offload_run *run, double *durations,
		      struct offload_error *err)
{
	const struct offload_config *cfg = run->cfg;
	size_t n = run->tests.nr, kept = 0;
	double *w = malloc((n + 1) * sizeof(*w)), mine = 0, all = 0;
	unsigned *shard = malloc((n + 1) * sizeof(*shard));
	const char **names = malloc((cfg->groups_nr + 1) * sizeof(*names));
	struct offload_event ev = { .type = OFFLOAD_EVENT_NOTICE };
	char text[160];
	int ret = OFFLOAD_ENOMEM;

	if (!w || !shard || !names)
		goto out;
	for (size_t g = 0; g < cfg->groups_nr; g++)
		names[g] = cfg->groups[g].name ? cfg->groups[g].name : "";
	for (size_t i = 0; i < n; i++) {
		w[i] = (durations[i] >= 0 ? durations[i] : cfg->default_duration_secs) *
			(cfg->groups[run->tests.group[i]].retry_count + 1);
		all += w[i];
	}
	if ((ret = shard_assign(&run->tests, w, run->shard_n, shard)) ||
	    (ret = shard_digest(&run->tests, names, shard, run->shard_n,
				 run->shard_split)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (shard[i] == run->shard_k - 1) {
			mine += w[i];
			kept++;
		}
	if ((ret = shard_keep(&run->tests, durations, shard, run->shard_k - 1,
			      &run->others)))
		goto out;
	if (run->opts.on_event) {
		snprintf(text, sizeof(text), "shard %u/%u: %zu of %zu tests, "
			 "estimated %.1f s of %.1f s", run->shard_k, run->shard_n,
			 kept, n, mine, all);
		ev.text = text;
		ev.tests_nr = n;
		run->opts.on_event(&ev, run->opts.data);
	}
out:
	free(w);
	free(shard);
	free(names);
	if (ret)
		err_set(err, ret, "cannot split shards: %s", offload_strerror(ret));
	return ret;
}

int offload_run_prepare(struct offload_run *run, struct offload_error *err)
{
	const struct offload_config *cfg = run->cfg;
	double *durations = NULL;
	size_t known = 0;
	char *warning = NULL;
	double t;
	int ret;

	if (run->prepared)
		return 0;
	t = now_secs();
	ret = discover_tests(cfg, run->opts.only_group, run->cancel[0],
			     &run->tests, err);
	timeline_span(&run->tl, "discovery", TIMELINE_MAIN, t, now_secs());
	if (ret)
		goto fail;
	if ((ret = filter_ids(run, &run->tests))) {
		err_set(err, ret, "out of memory");
		goto fail;
	}

	durations = malloc((run->tests.nr + 1) * sizeof(*durations));
	if (!durations) {
		ret = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto fail;
	}
	t = now_secs();
	run->stamp = (long long)time(NULL);
	if ((ret = history_estimates(cfg, &run->tests, durations, &known,
				     &run->history_writable, &warning)) ||
	    (known && (ret = history_fill_unknown(cfg, &run->tests, durations)))) {
		err_set(err, ret, "reading history '%s': %s", cfg->history_path,
			offload_strerror(ret));
		goto fail;
	}
	if (run->shard_n && (ret = keep_shard(run, durations, err)))
		goto fail;
	ret = sched_init(&run->s, cfg, &run->tests, known ? durations : NULL,
			 run->parallel, OFFLOAD_BATCH_ARG_CAP, JOB_FIXED,
			 sizeof(size_t) + sizeof(char *), err);
	run->sched_ok = !ret;
	/* a sandbox per batch at most: the batches as cut if no result
	 * changed an estimate */
	if (!ret)
		run->projected = sched_projected(&run->s, SIZE_MAX);
	timeline_span(&run->tl, "planning", TIMELINE_MAIN, t, now_secs());
	free(durations);
	durations = NULL;
	if (ret)
		goto fail;
	if (warning && run->opts.on_event) {
		struct offload_event ev = { .type = OFFLOAD_EVENT_WARNING, .text = warning };

		run->opts.on_event(&ev, run->opts.data);
	}
	free(warning);
	run->prepared = 1;
	return 0;
fail:
	free(warning);
	free(durations);
	if (run->interrupted)
		ret = err_set(err, OFFLOAD_ECANCELED, "interrupted during discovery");
	return ret;
}

const struct offload_test_list *offload_run_tests(const struct offload_run *run)
{
	return &run->tests;
}

void offload_run_interrupt(struct offload_run *run, int signo)
{
	int saved = errno;

	if (!run->interrupted)
		run->interrupted = signo;
	if (run->cancel[1] >= 0)
		(void)!write(run->cancel[1], "x", 1);
	errno = saved;
}

/*
 * Stop everything: no worker takes another batch (stopping, checked under
 * mu when a batch is taken), and every running batch is killed through
 * its worker's kill pipe.  Orchestrator thread only.
 */
static void cancel_all(struct offload_run *run)
{
	if (run->canceled)
		return;
	run->canceled = 1;
	pthread_mutex_lock(&run->mu);
	run->stopping = 1;
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	for (size_t i = 0; i < run->workers_nr; i++)
		(void)!write(run->workers[i].kill[1], "c", 1);
	(void)!write(run->enough[1], "c", 1);
}

/*
 * With hedging, kill the running batches whose tests are all decided
 * (by a hedged copy, or by another instance): their outcome can no longer
 * change a verdict, and one of them may be the stall hedging is for.
 * Without hedging, running retries are let finish (see docs/design.md).
 */
static void kill_decided(struct offload_run *run)
{
	pthread_mutex_lock(&run->mu);
	for (size_t i = 0; i < run->workers_nr; i++) {
		struct completion *c = run->workers[i].current;
		size_t k = 0;

		if (!c)
			continue;
		while (k < c->ex.nr && run->ts[c->tests[k]].decided)
			k++;
		if (k == c->ex.nr)
			(void)!write(run->workers[i].kill[1], "k", 1);
	}
	pthread_mutex_unlock(&run->mu);
}

static void hand_back(struct offload_run *run, struct completion *c)
{
	c->next = NULL;
	pthread_mutex_lock(&run->mu);
	*run->done_tail = c;
	run->done_tail = &c->next;
	pthread_mutex_unlock(&run->mu);
	(void)!write(run->wake[1], "w", 1);
}

/*
 * Queue the tests of completion `c` that got no attempt (their sandbox
 * was lost) as a new batch, for another sandbox, before anything else.
 * Called with mu held; OFFLOAD_ENOMEM when it could not.
 */
static int requeue(struct offload_run *run, const struct batch *b,
		   const struct completion *c)
{
	size_t *t = malloc((c->ex.nr + 1) * sizeof(*t)), n = 0;
	int ret;

	if (!t)
		return OFFLOAD_ENOMEM;
	for (size_t k = 0; k < c->ex.nr; k++)
		if (!(c->ex.res && c->ex.res[k].have))
			t[n++] = c->tests[k];
	ret = n ? sched_push(&run->s, b, t, n, 0) : 0;
	free(t);
	if (n && !ret)
		pthread_cond_broadcast(&run->cv);
	return ret;
}

/* Whether another instance of a test can change nothing the worker
 * knows of: decided, or passed (or skipped) by a batch the orchestrator
 * has not absorbed yet.  mu held. */
static int settled(const struct tstate *t)
{
	return t->decided || t->passed;
}

/* Say `fmt` in the report's warnings (from a worker; mu not held). */
static void note(struct offload_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct offload_run *run, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(&b, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&run->mu);
	if (r || strvec_push_nodup(&run->notes, buf_detach(&b)))
		run->oom.code = run->oom.code ? run->oom.code : OFFLOAD_ENOMEM;
	pthread_mutex_unlock(&run->mu);
	buf_release(&b);
}

/* The completions and ID array that belong to batch `b`, in the room
 * the scheduler allocated behind it (sched_init's user sizes). */
static struct completion *job_of(struct batch *b, const char ***ids)
{
	struct completion *c = b->user;
	size_t *tests = (size_t *)(void *)((char *)b->user + JOB_FIXED);

	c[1].tests = tests;
	*ids = (const char **)(void *)(tests + b->nr);
	return c;
}

/* [report] download_globs: what batch `b` left, into
 * output_dir/artifacts/batch-N/.  A failure is a warning, not the tests'. */
static void get_artifacts(struct worker *w, const struct batch *b)
{
	struct offload_run *run = w->run;
	const char *globs = run->cfg->download_globs;
	struct offload_error err = { 0, "" };
	struct buf dest = BUF_INIT;

	if (!globs || !*globs)
		return;
	if (buf_addf(&dest, "%s/artifacts/batch-%u", run->cfg->output_dir, b->no) ||
	    sandbox_artifacts(&run->pool.sb[w->index], globs, dest.buf,
			      w->kill[0], &err))
		note(run, "batch %u: artifacts not downloaded: %s", b->no,
		     err.msg[0] ? err.msg : "out of memory");
	buf_release(&dest);
}

/*
 * After a batch whose sandbox was lost (OFFLOAD_ELOST): its tests
 * without an attempt run again elsewhere, and a sandbox lost twice in a
 * row is retired.  A sandbox that works again is forgiven.
 */
#define LOST_IN_A_ROW 2
static void lost_batch(struct worker *w, struct batch *b, struct completion *c)
{
	struct offload_run *run = w->run;
	struct sandbox *sb = &run->pool.sb[w->index];

	if (c->rc != OFFLOAD_ELOST) {
		sb->failures = 0;
		return;
	}
	note(run, "%s", c->err.msg);
	pthread_mutex_lock(&run->mu);
	if (!c->ex.canceled && !run->stopping && !requeue(run, b, c)) {
		c->lost = 1;
		c->rc = 0;
	}
	pthread_mutex_unlock(&run->mu);
	if (++sb->failures >= LOST_IN_A_ROW) {
		w->retired = 1;
		note(run, "sandbox %u retired: lost %u batches in a row",
		     w->index, sb->failures);
	}
}

/*
 * Run one batch on worker `w`.  Everything it needs was allocated with
 * the batch when the scheduler handed it out (job_of), so a worker never
 * fails to hand a batch back.
 */
static void run_batch(struct worker *w, struct batch *b)
{
	struct offload_run *run = w->run;
	const struct offload_config *cfg = run->cfg;
	const char **ids;
	struct completion *s = job_of(b, &ids), *c = s + 1;
	size_t n = 0;

	c->batch = s->batch = b;
	c->sandbox = s->sandbox = w->index;
	pthread_mutex_lock(&run->mu);
	for (size_t i = 0; !run->stopping && i < b->nr; i++)
		if (!settled(&run->ts[b->tests[i]])) {
			c->tests[n] = b->tests[i];
			ids[n++] = run->tests.ids[b->tests[i]];
		}
	c->ex.nr = n;
	if (n) {
		w->current = c;
		/* hedging: copies for sandboxes with nothing else to do
		 * (without memory, none: they only ever help) */
		if (cfg->impatiently_requeue_batches &&
		    sched_hedge(&run->s, b, c->tests, n) > 0)
			pthread_cond_broadcast(&run->cv);
	}
	pthread_mutex_unlock(&run->mu);

	if (n) {
		s->started = 1;
		hand_back(run, s);
		c->ex.cfg = cfg;
		c->ex.group = &cfg->groups[b->group];
		c->ex.sb = &run->pool.sb[w->index];
		c->ex.batch_no = b->no;
		c->ex.ids = ids;
		c->ex.cancel_fd = w->kill[0];
		c->ex.log_dir = run->log_dir;
		c->t0 = now_secs();
		pthread_mutex_lock(&run->mu);
		w->live = c;
		memset(&w->live_st, 0, sizeof(w->live_st));
		pthread_mutex_unlock(&run->mu);
		c->rc = framework_run_batch(&c->ex, &c->err);
		pthread_mutex_lock(&run->mu);
		w->live = NULL;
		pthread_mutex_unlock(&run->mu);
		if (!c->rc && !c->ex.canceled)
			get_artifacts(w, b);
		c->t1 = now_secs();
		lost_batch(w, b, c);
		if (c->ex.sb->host)
			c->host = strdup(c->ex.sb->host);	/* NULL: not said */
		sandbox_reset(&run->pool.sb[w->index]);
	}
	pthread_mutex_lock(&run->mu);
	w->current = NULL;
	/* what its tests really took sizes the next batches, this
	 * sandbox's own next one included */
	for (size_t k = 0; !c->lost && c->ex.res && k < c->ex.nr; k++) {
		const struct test_outcome *o = &c->ex.res[k];

		if (!o->have)
			continue;
		if (!b->hedge)
			sched_observe(&run->s, c->tests[k], o->secs);
		/* its other instances need not be handed out: the
		 * orchestrator decides it when it absorbs this */
		if (o->outcome == OFFLOAD_ATTEMPT_PASSED ||
		    o->outcome == OFFLOAD_ATTEMPT_SKIPPED)
			run->ts[c->tests[k]].passed = 1;
	}
	pthread_mutex_unlock(&run->mu);
	hand_back(run, c);
}

static int is_stopping(struct offload_run *run)
{
	int r;

	pthread_mutex_lock(&run->mu);
	r = run->stopping;
	pthread_mutex_unlock(&run->mu);
	return r;
}

/* sched_skip_fn: a decided test's instances need not run (mu held). */
static int decided(void *data, size_t t)
{
	const struct offload_run *run = data;

	return settled(&run->ts[t]);
}

/* The scheduler's next batch, or NULL: none now, or the run is stopping,
 * or memory ran out (then the orchestrator is told).  mu held. */
static struct batch *take(struct offload_run *run)
{
	struct batch *b = NULL;

	if (run->stopping || run->starved)
		return NULL;
	if (sched_next(&run->s, decided, run, &b)) {
		run->starved = 1;
		(void)!write(run->wake[1], "w", 1);
	}
	return b;
}

/*
 * Which batch next, and on which job slot.  Sandbox 0 runs on the
 * caller's own slot.  Under a jobserver every other sandbox first waits
 * for work, then for a token, and only then takes a batch: a batch is
 * never held by a sandbox without a slot while a slot sits idle, and a
 * token is never held with nothing to run (it goes back if another
 * sandbox took the last batch meanwhile).  Returns NULL when this
 * sandbox is done; *token says whether a token is held for the batch.
 */
static struct batch *next_batch(struct worker *w, int *token)
{
	struct offload_run *run = w->run;
	struct offload_jobserver *js = run->opts.jobserver;
	struct batch *b = NULL;
	char sink[64];

	*token = 0;
	/* a remote sandbox costs this machine next to nothing: no token */
	if (!w->index || !js || run->pool.ops->remote) {
		pthread_mutex_lock(&run->mu);
		while (!run->stopping && !(b = take(run)))
			pthread_cond_wait(&run->cv, &run->mu);
		pthread_mutex_unlock(&run->mu);
		return b;
	}
	for (;;) {
		int r;

		pthread_mutex_lock(&run->mu);
		while (!run->stopping &&
		       (run->starved || !sched_pending(&run->s)))
			pthread_cond_wait(&run->cv, &run->mu);
		r = run->stopping;
		pthread_mutex_unlock(&run->mu);
		if (r)
			return NULL;
		r = offload_jobserver_acquire(js, w->kill[0]);
		if (r < 0)
			return NULL;    /* make is gone: the others go on */
		if (r == 0) {
			/* A kill byte: a cancel (then `stopping` is set),
			 * or one meant for the batch this sandbox just
			 * finished. */
			while (read(w->kill[0], sink, sizeof(sink)) > 0)
				;
			if (is_stopping(run))
				return NULL;
			continue;
		}
		pthread_mutex_lock(&run->mu);
		b = take(run);
		pthread_mutex_unlock(&run->mu);
		if (b) {
			*token = 1;
			return b;
		}
		offload_jobserver_release(js);
	}
}

/*
 * The last sandbox is gone: what is left to hand out gets no attempt,
 * and the report says why.  Called by the last worker to retire.
 */
static void no_sandbox_left(struct offload_run *run)
{
	for (;;) {
		struct completion *c = NULL;
		struct batch *b;
		const char **ids;
		size_t n = 0;

		pthread_mutex_lock(&run->mu);
		if ((b = take(run))) {
			c = job_of(b, &ids) + 1;
			c->batch = b;
			for (size_t i = 0; i < b->nr; i++)
				if (!settled(&run->ts[b->tests[i]]))
					c->tests[n++] = b->tests[i];
			c->ex.nr = n;
			c->lost = 1;
		}
		pthread_mutex_unlock(&run->mu);
		if (!c)
			break;
		hand_back(run, c);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct offload_run *run = w->run;
	struct offload_error err = { 0, "" };
	struct batch *b;
	char sink[64];
	int token, last, opened;

	w->open0 = now_secs();
	opened = sandbox_open(&run->pool, w->index, run->enough[0], &err);
	w->open1 = now_secs();
	if (opened) {
		if (err.code != OFFLOAD_ECANCELED)
			note(run, "%s", err.msg);
		w->retired = 1;
	}
	while (!w->retired && (b = next_batch(w, &token))) {
		run_batch(w, b);
		/* A failed write back is counted by the jobserver and said
		 * by offload_jobserver_close(). */
		if (token)
			offload_jobserver_release(run->opts.jobserver);
		/* Forget a kill meant for the batch just finished.  A cancel of
		 * the whole run set `stopping` first, which the next batch sees. */
		while (read(w->kill[0], sink, sizeof(sink)) > 0)
			;
	}
	sandbox_close(&run->pool, w->index, !w->retired);
	pthread_mutex_lock(&run->mu);
	last = !--run->alive && w->retired && !run->stopping;
	if (last && !run->lost_reason)
		run->lost_reason = strdup(err.code ? err.msg :
					  "every sandbox was lost");
	pthread_mutex_unlock(&run->mu);
	if (last)
		no_sandbox_left(run);
	return NULL;
}

/* Record attempt `o` of a test (attempt_append's contract). */
static int add_attempt(struct tstate *t, const struct test_outcome *o,
		       unsigned sandbox, unsigned batch, const char *host)
{
	return attempt_append(&t->att, &t->att_nr, &t->att_alloc, o, sandbox,
			      batch, host);
}

/*
 * Out of memory while keeping results: remember the first such loss for
 * offload_run_execute() to return, and stop the run (a run that has lost
 * results must not look complete).
 */
__attribute__((format(printf, 2, 3)))
static void lost_result(struct offload_run *run, const char *fmt, ...)
{
	va_list ap;

	if (!run->oom.code) {
		va_start(ap, fmt);
		vsnprintf(run->oom.msg, sizeof(run->oom.msg), fmt, ap);
		va_end(ap);
		run->oom.code = OFFLOAD_ENOMEM;
	}
	cancel_all(run);
}

/* How often running batches are asked what finished (poll_live). */
#define LIVE_MS 250

struct progress_state {
	size_t batches_done;
	double start;
};

static void fill_progress(struct offload_run *run, struct progress_state *ps,
			  struct offload_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->total = run->tests.nr;
	p->passed = run->counts[OFFLOAD_PASSED];
	p->flaky = run->counts[OFFLOAD_FLAKY];
	p->failed = run->counts[OFFLOAD_FAILED];
	p->skipped = run->counts[OFFLOAD_SKIPPED];
	p->awaiting = p->total - p->passed - p->flaky - p->failed - p->skipped;
	p->provisional_passed = run->provisional[OFFLOAD_PASSED];
	p->provisional_failed = run->provisional[OFFLOAD_FAILED];
	p->provisional_flaky = run->provisional[OFFLOAD_FLAKY];
	p->provisional_skipped = run->provisional[OFFLOAD_SKIPPED];
	pthread_mutex_lock(&run->mu);	/* workers take and push batches */
	p->batches_total = run->s.handed + run->s.queued;
	/* more to cut: as many as expected at the start (and copies since),
	 * or at least one more */
	if (sched_pending(&run->s))
		p->batches_total = run->projected + run->s.pushed > p->batches_total ?
			run->projected + run->s.pushed : p->batches_total + 1;
	pthread_mutex_unlock(&run->mu);
	p->batches_done = ps->batches_done;
	p->elapsed = now_secs() - ps->start;
}

static void emit(struct offload_run *run, struct progress_state *ps,
		 struct offload_event *ev)
{
	if (!run->opts.on_event)
		return;
	fill_progress(run, ps, &ev->progress);
	run->opts.on_event(ev, run->opts.data);
}

static int is_decided(const struct tstate *t)
{
	for (size_t i = 0; i < t->att_nr; i++)
		if (t->att[i].outcome == OFFLOAD_ATTEMPT_PASSED ||
		    t->att[i].outcome == OFFLOAD_ATTEMPT_SKIPPED)
			return 1;
	return t->finished >= t->instances;
}

/* Fold one completion into the tests' states; returns the number of
 * tests it decided as failed (for --fail-fast). */
static size_t absorb(struct offload_run *run, struct progress_state *ps,
		     struct completion *c, struct offload_report *rep)
{
	struct batch *b = c->batch;
	size_t failed = 0;
	struct offload_event ev = { 0 };

	if (c->started) {
		ev.type = OFFLOAD_EVENT_BATCH_START;
		ev.batch = b->no;
		ev.sandbox = c->sandbox;
		ev.tests_nr = b->nr;
		emit(run, ps, &ev);
		return 0;
	}
	ps->batches_done++;
	for (size_t i = 0; i < c->ex.warnings.nr; i++) {
		char *w = alloc_strdup(c->ex.warnings.v[i]);
		char **v = w ? alloc_reallocarray(rep->warnings,
						  rep->warnings_nr + 1,
						  sizeof(*v)) : NULL;

		if (!v) {
			free(w);
			lost_result(run, "out of memory keeping a warning of batch %u",
				    b->no);
			break;
		}
		rep->warnings = v;
		v[rep->warnings_nr++] = w;
		ev.type = OFFLOAD_EVENT_WARNING;
		ev.text = w;
		emit(run, ps, &ev);
	}
	for (size_t k = 0; k < c->ex.nr; k++) {
		size_t t = c->tests[k];
		struct tstate *ts = &run->ts[t];
		struct test_outcome fallback = { 0 }, *o;
		int was = ts->decided;

		if (ts->live_seen && ts->live == OFFLOAD_NOT_RUN)
			ts->live_seen = 0;	/* said nothing: a later batch may */
		o = c->ex.res && c->ex.res[k].have ? &c->ex.res[k] : NULL;
		if (b->hedge) {
			/* A hedged copy only ever helps: its pass or skip
			 * decides, its failure is not an attempt (it must not
			 * make a test flaky), and it is not an instance. */
			if (!o || (o->outcome != OFFLOAD_ATTEMPT_PASSED &&
				   o->outcome != OFFLOAD_ATTEMPT_SKIPPED))
				continue;
		} else if (!o) {
			if (c->ex.canceled || run->canceled || c->lost)
				continue;	/* no attempt: stopping, or elsewhere */
			/* offload's own failure (memory, logs): the test still
			 * gets a failed attempt, never a silent drop. */
			fallback.outcome = OFFLOAD_ATTEMPT_ERROR;
			fallback.message = c->err.msg[0] ? c->err.msg :
				(char *)offload_strerror(c->rc ? c->rc : OFFLOAD_ENOMEM);
			o = &fallback;
		}
		if (!b->hedge)
			ts->finished++;
		if (add_attempt(ts, o, c->sandbox, b->no, c->host) ||
		    points_record(&ts->points, o, c->sandbox, b->no, c->host))
			lost_result(run, "out of memory recording an attempt of test '%s'",
				    run->tests.ids[t]);
		if (was) {
			/* A late attempt (a retry still running when the
			 * test passed) can turn passed into flaky: said, so
			 * that what was shown agrees with the summary. */
			enum offload_verdict prev = ts->verdict;
			struct offload_result r = { .id = run->tests.ids[t],
				.group = run->tests.group[t], .attempts = ts->att,
				.attempts_nr = ts->att_nr };

			run->counts[ts->verdict]--;
			r.verdict = ts->verdict = verdict_of(ts->att, ts->att_nr);
			run->counts[ts->verdict]++;
			if (r.verdict != prev) {
				ev.type = OFFLOAD_EVENT_VERDICT_CHANGED;
				ev.test = &r;
				ev.previous = prev;
				emit(run, ps, &ev);
			}
		} else if (is_decided(ts)) {
			struct offload_result r = { .id = run->tests.ids[t],
				.group = run->tests.group[t], .attempts = ts->att,
				.attempts_nr = ts->att_nr };

			pthread_mutex_lock(&run->mu);
			ts->decided = 1;
			pthread_mutex_unlock(&run->mu);
			if (ts->live_seen) {	/* said: now counted as decided */
				run->provisional[ts->live]--;
				ts->live = OFFLOAD_NOT_RUN;
				ts->live_seen = 0;
			}
			r.verdict = ts->verdict = verdict_of(ts->att, ts->att_nr);
			run->counts[r.verdict]++;
			if (r.verdict == OFFLOAD_FAILED)
				failed++;
			ev.type = OFFLOAD_EVENT_DECIDED;
			ev.test = &r;
			ev.previous = ts->announced;
			emit(run, ps, &ev);
			ev.previous = OFFLOAD_NOT_RUN;
		}
	}
	/* offload's own failure after every test had its result (a warning
	 * or the batch's logs lost): never dropped silently */
	if (c->rc == OFFLOAD_ENOMEM && !c->lost)
		lost_result(run, "batch %u: %s", b->no, c->err.msg[0] ?
			    c->err.msg : offload_strerror(c->rc));
	if (c->t1 > 0)
		timeline_batch(&run->tl, b->no, c->sandbox, c->host, c->t0,
			       c->t1, c->ex.nr);
	ev.type = OFFLOAD_EVENT_BATCH_END;
	ev.test = NULL;
	ev.batch = b->no;
	ev.sandbox = c->sandbox;
	ev.tests_nr = c->ex.nr;
	emit(run, ps, &ev);
	return failed;
}


/* What one poll_live found: test `t` finished in a running batch. */
struct live_hit {
	size_t t;
	enum offload_outcome o;
	double secs;
	unsigned batch, sandbox;
	int hedge;
};

struct live_list {
	const struct completion *c;
	struct live_hit *v;
	size_t nr, alloc;
};

static void live_add(void *data, size_t k, enum offload_outcome o, double secs)
{
	struct live_list *l = data;

	if (l->nr == l->alloc) {
		size_t n = l->alloc ? 2 * l->alloc : 16;
		struct live_hit *v = alloc_reallocarray(l->v, n, sizeof(*v));

		if (!v)
			return;	/* live progress only: the result still comes */
		l->v = v;
		l->alloc = n;
	}
	l->v[l->nr++] = (struct live_hit){ l->c->tests[k], o, secs,
		l->c->batch->no, l->c->sandbox, l->c->batch->hedge != 0 };
}

/* The verdict attempt `o` of `ts` gives unless something changes it;
 * OFFLOAD_NOT_RUN when it decides nothing (as is_decided, verdict_of). */
static enum offload_verdict provisional(const struct tstate *ts,
					const struct live_hit *h)
{
	int failed = 0;

	for (size_t i = 0; i < ts->att_nr; i++)
		failed |= ts->att[i].outcome == OFFLOAD_ATTEMPT_FAILED ||
			  ts->att[i].outcome == OFFLOAD_ATTEMPT_ERROR;
	switch (h->o) {
	case OFFLOAD_ATTEMPT_PASSED:
		return failed ? OFFLOAD_FLAKY : OFFLOAD_PASSED;
	case OFFLOAD_ATTEMPT_SKIPPED:
		return failed ? OFFLOAD_FAILED : OFFLOAD_SKIPPED;
	default:	/* a hedged copy's failure is no attempt */
		return !h->hedge && ts->finished + 1 >= ts->instances ?
			OFFLOAD_FAILED : OFFLOAD_NOT_RUN;
	}
}

/*
 * Live progress: ask each running batch's framework what finished so far
 * (framework_live), and say each test not yet decided or said once, as
 * OFFLOAD_EVENT_TEST_DONE.  mu is held while the files are read (so that
 * the worker cannot end the batch meanwhile), not while events go out.
 */
static void poll_live(struct offload_run *run, struct progress_state *ps)
{
	struct live_list l = { NULL, NULL, 0, 0 };

	pthread_mutex_lock(&run->mu);
	for (size_t i = 0; i < run->workers_nr; i++) {
		struct worker *w = &run->workers[i];

		if (!w->live)
			continue;
		l.c = w->live;
		/* out of memory: this poll shows less, the results still come */
		(void)framework_live(&w->live->ex, &w->live_st, live_add, &l);
	}
	pthread_mutex_unlock(&run->mu);
	for (size_t i = 0; i < l.nr; i++) {
		const struct live_hit *h = &l.v[i];
		struct tstate *ts = &run->ts[h->t];
		struct offload_attempt a = { .outcome = h->o, .secs = h->secs,
			.sandbox = h->sandbox, .batch = h->batch };
		struct offload_result r = { .id = run->tests.ids[h->t],
			.group = run->tests.group[h->t], .attempts = &a,
			.attempts_nr = 1 };
		struct offload_event ev = { 0 };

		if (ts->decided || ts->live_seen)
			continue;
		ts->live_seen = 1;
		r.verdict = ts->live = provisional(ts, h);
		if (r.verdict != OFFLOAD_NOT_RUN) {
			run->provisional[r.verdict]++;
			ts->announced = r.verdict;
		}
		ev.type = OFFLOAD_EVENT_TEST_DONE;
		ev.test = &r;
		ev.batch = h->batch;
		ev.sandbox = h->sandbox;
		ev.tests_nr = 1;
		emit(run, ps, &ev);
	}
	free(l.v);
}

/* Take the completion list and absorb it. */
static void drain(struct offload_run *run, struct progress_state *ps,
		    struct offload_report *rep)
{
	struct completion *list, *next;
	struct strvec notes;
	char sink[256];

	while (read(run->wake[0], sink, sizeof(sink)) > 0)
		;
	pthread_mutex_lock(&run->mu);
	list = run->done;
	run->done = NULL;
	run->done_tail = &run->done;
	notes = run->notes;
	strvec_init(&run->notes);
	pthread_mutex_unlock(&run->mu);
	for (size_t i = 0; i < notes.nr; i++) {
		char **v = alloc_reallocarray(rep->warnings, rep->warnings_nr + 1,
					      sizeof(*v));
		struct offload_event ev = { 0 };

		if (!v) {
			lost_result(run, "out of memory keeping a warning");
			break;
		}
		rep->warnings = v;
		v[rep->warnings_nr++] = notes.v[i];
		notes.v[i] = NULL;
		ev.type = OFFLOAD_EVENT_WARNING;
		ev.text = v[rep->warnings_nr - 1];
		emit(run, ps, &ev);
	}
	strvec_clear(&notes);
	for (; list; list = next) {
		struct batch *b = list->batch;

		next = list->next;
		if (!list->started) {
			if (absorb(run, ps, list, rep) && run->opts.fail_fast &&
			    !run->canceled) {
				rep->fail_fast_stopped = 1;
				cancel_all(run);
			}
		} else {
			absorb(run, ps, list, rep);
		}
		if (list->started)
			continue;	/* the batch's end comes later */
		batch_exec_release(&list->ex);
		free(list->host);
		pthread_mutex_lock(&run->mu);
		sched_finish(&run->s, b);	/* `list` with it */
		pthread_mutex_unlock(&run->mu);
	}
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	}
	return "a signal";
}

/* Each test's result, then its points' (points.h). */
static int build_report(struct offload_run *run, struct offload_report *rep)
{
	size_t nr = run->tests.nr, j = 0;

	for (size_t i = 0; run->ts && i < run->tests.nr; i++)
		nr += run->ts[i].points.nr;
	rep->results = calloc(nr + 1, sizeof(*rep->results));
	if (!rep->results)
		return OFFLOAD_ENOMEM;
	rep->nr = nr;
	for (size_t i = 0; i < run->tests.nr; i++) {
		struct offload_result *r = &rep->results[j++];
		struct tstate *t = &run->ts[i];

		r->group = run->tests.group[i];
		r->id = strdup(run->tests.ids[i]);
		r->attempts = t->att;
		r->attempts_nr = t->att_nr;
		t->att = NULL;
		t->att_nr = t->att_alloc = 0;
		r->verdict = verdict_of(r->attempts, r->attempts_nr);
		if (r->verdict == OFFLOAD_NOT_RUN) {
			struct buf why = BUF_INIT;
			int e;

			if (rep->interrupted)
				e = buf_addf(&why, "interrupted by %s",
					     signame(rep->interrupted));
			else if (rep->fail_fast_stopped)
				e = buf_adds(&why, "canceled by --fail-fast");
			else if (run->lost_reason)
				e = buf_addf(&why, "no sandbox: %s", run->lost_reason);
			else
				e = buf_adds(&why, "no result");
			/* Out of memory is an error, not a reason lost. */
			if (e) {
				buf_release(&why);
				return OFFLOAD_ENOMEM;
			}
			r->not_run_reason = buf_detach(&why);
			if (!r->not_run_reason)
				return OFFLOAD_ENOMEM;
		}
		if (!r->id)
			return OFFLOAD_ENOMEM;
		j += t->points.nr;
		points_move(&t->points, r + 1, r->group);
	}
	report_count(rep);
	return 0;
}

/*
 * Add the finished run to the history file (history.c): a group counts
 * as run when it was discovered whole (no ID list, no -g for another).
 * Failing to record only costs the next run's plan: a warning.
 */
static void record_history(struct offload_run *run, struct offload_report *rep,
			   struct progress_state *ps)
{
	const struct offload_config *cfg = run->cfg;
	struct offload_error e = { 0, "" };
	unsigned char *ran = calloc(cfg->groups_nr + 1, 1);
	struct offload_event ev = { .type = OFFLOAD_EVENT_WARNING };

	if (!ran) {
		err_set(&e, OFFLOAD_ENOMEM, "out of memory");
	} else {
		for (size_t g = 0; g < cfg->groups_nr && !run->opts.only_ids; g++)
			ran[g] = !run->opts.only_group ||
				!strcmp(run->opts.only_group, cfg->groups[g].name);
		history_record(cfg->history_path, cfg, rep, &run->others, ran,
			       run->stamp, &e);
	}
	free(ran);
	if (e.code) {
		char text[sizeof(e.msg) + 40];

		snprintf(text, sizeof(text), "durations not recorded: %s", e.msg);
		ev.text = text;
		emit(run, ps, &ev);
	}
}

int offload_run_execute(struct offload_run *run, struct offload_report *rep,
			struct offload_error *err)
{
	const struct offload_config *cfg = run->cfg;
	struct progress_state ps = { 0, now_secs() };
	struct junit_shard shard = { 0, 0, NULL };
	struct buf path = BUF_INIT;
	sigset_t block, old;
	size_t workers_nr;
	double last_tick, since, last_live;
	int ret = 0, mu_ok = 0, cv_ok = 0;
	struct offload_event ev = { 0 };

	memset(rep, 0, sizeof(*rep));
	run->tl.exec_start = ps.start;
	if ((ret = offload_run_prepare(run, err))) {
		/* Interrupted while discovering: the report says so, with no
		 * test, rather than an earlier run's report looking current. */
		if (ret != OFFLOAD_ECANCELED || !run->interrupted || !cfg->junit)
			return ret;
		rep->interrupted = run->interrupted;
		if ((ret = junit_write(cfg->junit_file, cfg, rep, err)))
			return ret;
		if (!(rep->junit_path = strdup(cfg->junit_file)))
			return err_set(err, OFFLOAD_ENOMEM, "out of memory");
		return 0;
	}
	if (run->opts.log_dir ? buf_adds(&path, run->opts.log_dir) :
	    buf_addf(&path, "%s/logs", cfg->output_dir))
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	run->log_dir = buf_detach(&path);
	run->tl.log_dir = run->log_dir;
	if ((ret = mkdir_p(run->log_dir))) {
		err_set(err, ret, "cannot create '%s': %s", run->log_dir,
			offload_strerror(ret));
		goto out;
	}
	remove_old_logs(run->log_dir);
	if (cfg->download_globs && *cfg->download_globs) {
		/* offload's own directory: last run's artifacts are not this one's */
		struct buf art = BUF_INIT;

		if (!buf_addf(&art, "%s/artifacts", cfg->output_dir))
			remove_tree(art.buf);
		buf_release(&art);
	}
	run->ts = calloc(run->tests.nr + 1, sizeof(*run->ts));
	if (!run->ts) {
		ret = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < run->tests.nr; i++)
		run->ts[i].instances = cfg->groups[run->tests.group[i]].retry_count + 1;
	if (pthread_mutex_init(&run->mu, NULL)) {
		ret = err_set(err, OFFLOAD_ENOMEM, "cannot create mutex");
		goto out;
	}
	mu_ok = 1;
	if (pthread_cond_init(&run->cv, NULL)) {
		ret = err_set(err, OFFLOAD_ENOMEM, "cannot create condition variable");
		goto out;
	}
	cv_ok = 1;
	run->done_tail = &run->done;
	workers_nr = run->parallel < run->projected ? run->parallel : run->projected;
	if (!run->projected)
		goto report;
	if ((ret = sandbox_pool_create(&run->pool, cfg, (unsigned)workers_nr, err)))
		goto out;
	strvec_init(&run->notes);
	since = now_secs();
	ret = sandbox_pool_start(&run->pool, run->cancel[0], err);
	timeline_span(&run->tl, "sandbox pool start", TIMELINE_MAIN, since,
		      now_secs());
	if (ret) {
		/* No sandbox can be made: every test is not run, and says
		 * why (unless the run was interrupted). */
		if (ret == OFFLOAD_ENOMEM)
			goto out;
		if (!run->interrupted) {
			if (!(run->lost_reason = strdup(err->msg))) {
				ret = err_set(err, OFFLOAD_ENOMEM, "out of memory");
				goto out;
			}
			ev.type = OFFLOAD_EVENT_WARNING;
			ev.text = err->msg;
			emit(run, &ps, &ev);
		}
		err_clear(err);
		ret = 0;
		goto report;
	}
	if (run->opts.on_event) {
		if (!run->s.by_history)
			ev.text = "no recorded durations: scheduling in discovery order";
		else
			ev.text = "scheduling longest tests first from recorded durations";
		ev.type = OFFLOAD_EVENT_NOTICE;
		emit(run, &ps, &ev);
	}
	run->workers = calloc(workers_nr, sizeof(*run->workers));
	if (!run->workers) {
		ret = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto out;
	}
	/* Workers must never take the signals meant for the orchestrator's
	 * caller: they inherit this mask; children get an empty one. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (size_t i = 0; i < workers_nr; i++) {
		struct worker *w = &run->workers[i];

		w->run = run;
		w->index = (unsigned)i;
		if (pipe2(w->kill, O_CLOEXEC | O_NONBLOCK) < 0) {
			ret = err_set(err, -errno, "cannot create pipe: %s", strerror(errno));
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			goto out;
		}
		run->workers_nr = i + 1;
	}
	run->alive = workers_nr;
	for (size_t i = 0; i < workers_nr; i++) {
		struct worker *w = &run->workers[i];

		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			pthread_mutex_lock(&run->mu);
			run->alive -= workers_nr - i;
			pthread_mutex_unlock(&run->mu);
			cancel_all(run);
			break;
		}
		w->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	last_tick = last_live = now_secs();
	for (;;) {
		struct pollfd p[2] = { { .fd = run->wake[0], .events = POLLIN },
				       { .fd = run->cancel[0], .events = POLLIN } };
		int over, starved;

		/* over: no batch out, and nothing left but decided tests */
		pthread_mutex_lock(&run->mu);
		over = !run->s.outstanding && !sched_settle(&run->s, decided, run);
		starved = run->starved;
		pthread_mutex_unlock(&run->mu);
		if (starved && !run->canceled)
			lost_result(run, "out of memory handing out a batch");
		if (over || run->canceled)
			break;
		if (poll(p, 2, LIVE_MS) < 0 && errno != EINTR)
			break;
		drain(run, &ps, rep);
		if (now_secs() - last_live >= LIVE_MS / 1000.0) {
			last_live = now_secs();
			poll_live(run, &ps);
		}
		if (cfg->impatiently_requeue_batches)
			kill_decided(run);
		if (run->interrupted && !run->canceled)
			cancel_all(run);
		if (run->canceled)
			break;
		if (now_secs() - last_tick >= 1.0) {
			last_tick = now_secs();
			ev.type = OFFLOAD_EVENT_TICK;
			emit(run, &ps, &ev);
		}
	}
	/* Every batch is in (or the run is canceled): a sandbox still
	 * waiting for a jobserver token stops waiting. */
	pthread_mutex_lock(&run->mu);
	run->stopping = 1;
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	for (size_t i = 0; i < run->workers_nr; i++)
		(void)!write(run->workers[i].kill[1], "d", 1);
	(void)!write(run->enough[1], "d", 1);
	for (size_t i = 0; i < workers_nr; i++)
		if (run->workers[i].started)
			pthread_join(run->workers[i].thread, NULL);
	for (size_t i = 0; i < workers_nr; i++)
		if (run->workers[i].started)
			timeline_span(&run->tl, "sandbox creation", (int)i,
				      run->workers[i].open0,
				      run->workers[i].open1);
	drain(run, &ps, rep);
	sandbox_pool_destroy(&run->pool);
report:
	rep->interrupted = run->interrupted;
	if (run->interrupted)
		rep->fail_fast_stopped = 0;
	if ((ret = build_report(run, rep))) {
		err_set(err, ret, "out of memory");
		goto out;
	}
	rep->secs = now_secs() - ps.start;
	if (run->history_writable && !rep->interrupted)
		record_history(run, rep, &ps);
	if (cfg->junit) {
		since = now_secs();
		if (run->shard_split[0]) {
			shard.k = run->shard_k;
			shard.n = run->shard_n;
			shard.split = run->shard_split;
		}
		ret = junit_write_run(cfg->junit_file, cfg, rep, &run->tl,
				      shard.n ? &shard : NULL, err);
		/* A signal while the report was written: every result is in
		 * it, but the run was stopped; write it again, marked. */
		if (!ret && run->interrupted && !rep->interrupted) {
			rep->interrupted = run->interrupted;
			ret = junit_write_run(cfg->junit_file, cfg, rep,
					      &run->tl, shard.n ? &shard : NULL,
					      err);
		}
		if (ret)
			goto out;
		timeline_span(&run->tl, "junit report", TIMELINE_MAIN,
			      since, now_secs());
		if (!(rep->junit_path = strdup(cfg->junit_file))) {
			ret = err_set(err, OFFLOAD_ENOMEM, "out of memory");
			goto out;
		}
		/* output_dir/report.html: the same results for a browser */
		since = now_secs();
		if ((ret = html_write_run(cfg, rep, &run->tl, err)))
			goto out;
		timeline_span(&run->tl, "html report", TIMELINE_MAIN,
			      since, now_secs());
	}
	if (cfg->trace_file &&
	    (ret = timeline_write_trace(&run->tl, cfg->trace_file, err)))
		goto out;
	/* A timeline record lost to memory: the reports are short of it. */
	if (!run->oom.code && run->tl.nomem) {
		run->oom.code = OFFLOAD_ENOMEM;
		snprintf(run->oom.msg, sizeof(run->oom.msg),
			 "out of memory recording the run's timeline");
	}
	if (run->oom.code)	/* the report says what was kept */
		ret = err_set(err, run->oom.code, "%s", run->oom.msg);
out:
	sandbox_pool_destroy(&run->pool);	/* idempotent */
	if (cv_ok)
		pthread_cond_destroy(&run->cv);
	if (mu_ok)
		pthread_mutex_destroy(&run->mu);
	return ret;
}

void offload_run_free(struct offload_run *run)
{
	if (!run)
		return;
	for (int i = 0; i < 2; i++) {
		if (run->cancel[i] >= 0)
			close(run->cancel[i]);
		if (run->wake[i] >= 0)
			close(run->wake[i]);
		if (run->enough[i] >= 0)
			close(run->enough[i]);
	}
	if (run->ts)
		for (size_t i = 0; i < run->tests.nr; i++) {
			for (size_t k = 0; k < run->ts[i].att_nr; k++) {
				free(run->ts[i].att[k].message);
				free(run->ts[i].att[k].output);
			}
			free(run->ts[i].att);
			points_release(&run->ts[i].points);
		}
	free(run->ts);
	for (size_t i = 0; i < run->workers_nr; i++) {
		close(run->workers[i].kill[0]);
		close(run->workers[i].kill[1]);
	}
	free(run->workers);
	free(run->log_dir);
	free(run->lost_reason);
	timeline_release(&run->tl);
	if (run->notes.v)
		strvec_clear(&run->notes);
	if (run->sched_ok)
		sched_release(&run->s);
	offload_test_list_release(&run->tests);
	offload_test_list_release(&run->others);
	free(run);
}
