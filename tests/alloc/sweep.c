/* SPDX-License-Identifier: MIT */
/*
 * sweep.c - the library-wide allocation-failure sweep, as curl's torture
 * tests do it (docs/testing.md).  Each scenario calls the public API on
 * realistic input; it runs once to count the allocations N the library
 * makes (wrap.c counts them only while armed, around the code under
 * test), then once for each n in 1..N with the n-th failing, once only
 * and then from the n-th on (sticky).  Every run is a fork of this
 * process, started before anything of the library ran, so that lazy
 * initialisation is swept too and a crash is one finding, not the end.
 *
 * A run passes when the call failed cleanly (OFFLOAD_ENOMEM or -ENOMEM,
 * err->code set, a message that says memory ran out) or succeeded with
 * the same result as the counting run (the "fingerprint": everything the
 * caller can see, written as text), and left nothing behind: no leak
 * (LeakSanitizer, in the ASan build), no new descriptor, no temporary
 * file or directory, nothing printed on stderr.  A success with a
 * different result counts only when the difference says "out of memory"
 * somewhere the user sees it (a warning, a test's message): an
 * allocation the library may do without, but not silently.  Findings
 * listed in tests/alloc/known.txt make a scenario "not ok # TODO".
 *
 * Output is TAP, one line per scenario ("ok 3 - discover-custom: ..."),
 * read by tests/harness.sh alloc.  Knobs (environment):
 *   ALLOC_SWEEP_ONLY=name    run that scenario only
 *   ALLOC_SWEEP_N=n          with ONLY: the counting run and that run
 *   ALLOC_SWEEP_STICKY=1       (sticky) only, everything shown
 *   ALLOC_SWEEP_FULL=1       every n, whatever the scenario's cap
 *   ALLOC_SWEEP_SHOW=k       findings shown in full (default 12)
 *   ALLOC_SWEEP_STRICT=1     known findings fail too
 *   ALLOC_SWEEP_KNOWN=file   another list than tests/alloc/known.txt
 *   ALLOC_SWEEP_VERBOSE=1    one line per run, with the failed call's stack
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "offload.h"
#include "config.h"
#include "framework.h"
#include "sandbox.h"
#include "wrap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SWEEP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SWEEP_ASAN 1
#endif
#endif
#ifdef SWEEP_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

/* What a run's child process exits with. */
enum {
	R_SAME = 0,        /* succeeded, same result as the counting run */
	R_ERROR = 3,       /* failed cleanly with out of memory */
	R_TOLERATED = 4,   /* succeeded, the loss said in the result */
	R_FINDING = 5,     /* anything else: printed */
	R_SETUP = 6,       /* the scenario's own setup failed */
};

#define FP_MAX (1 << 20)

/* Shared with the children (MAP_SHARED): the counting run's results. */
struct shared {
	unsigned long count;      /* allocations counted */
	int fd_delta;             /* descriptors it left open (keepers) */
	char key[400];            /* a run's findings, and where (wrap.h) */
	size_t fp_len;
	char fp[FP_MAX];
};

struct scenario {
	const char *name;
	const char *what;
	/* Put the scenario's files back as they were; in the child,
	 * unarmed, before `run`. */
	void (*reset)(void);
	/*
	 * Set up (unarmed), then arm() around the calls under test and
	 * disarm(), write what the caller sees to `fp` (unarmed), release.
	 * Returns the calls' result, and fills `err` when negative.
	 */
	int (*run)(FILE *fp, struct offload_error *err);
	/* Runs per mode (non-sticky, sticky) at most: above it, every k-th n
	 * (a stride), so that `make check` stays short.  0: every n. */
	unsigned long cap;
};

extern char **environ;

static struct shared *sh;
static char scratch[PATH_MAX];
static unsigned long cur_nth;
static int cur_sticky;
static int verbose;
static char kinds[200];   /* the child's findings so far */

/* Record a finding of the child's run (for the summary). */
static void finding(const char *kind)
{
	size_t n = strlen(kinds);

	snprintf(kinds + n, sizeof(kinds) - n, "%s%.60s", n ? " + " : "", kind);
}

/* The key of the child's findings: kinds @ the failed call's site. */
static void set_key(void)
{
	char site[300];

	wrap_failure_site(site, sizeof(site));
	snprintf(sh->key, sizeof(sh->key), "%.150s @ %.200s", kinds, site);
}

/* ---- helpers ----------------------------------------------------------- */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(R_SETUP);
}

static char *path_in(const char *rel)
{
	static char p[8][PATH_MAX + 64];
	static int i;

	i = (i + 1) % 8;
	snprintf(p[i], sizeof(p[i]), "%s/%s", scratch, rel);
	return p[i];
}

static void write_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t n = strlen(s);

	if (fd < 0 || write(fd, s, n) != (ssize_t)n || close(fd) < 0)
		die("cannot write '%s': %s", path, strerror(errno));
	chmod(path, mode);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(p);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdir_or_die(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		die("cannot create '%s': %s", path, strerror(errno));
}

/* `s` on one line, bytes outside printable ASCII as \xNN. */
static void fp_str(FILE *fp, const char *label, const char *s)
{
	fprintf(fp, "%s=", label);
	if (!s) {
		fputs("(null)\n", fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputs("\"\n", fp);
}

/* A file's bytes into the fingerprint (or that it is missing), with the
 * value of every timestamp="..." left out: the clock moves. */
static void fp_file(FILE *fp, const char *label, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL, *p, *q;
	size_t n = 0;

	fprintf(fp, "%s:\n", label);
	if (!f) {
		fprintf(fp, "  (missing: %s)\n", strerror(errno));
		return;
	}
	if (getdelim(&s, &n, '\0', f) < 0) {
		fputs("(empty)\n", fp);
		free(s);
		s = NULL;
	}
	fclose(f);
	for (p = s; p && (q = strstr(p, "timestamp=\"")) && strchr(q + 11, '"');
	     p = strchr(q + 11, '"'))
		fwrite(p, 1, (size_t)(q - p) + 11, fp);	/* up to the value */
	fputs(p ? p : "", fp);
	free(s);
	fputs("(end)\n", fp);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names under `dir`, recursively and sorted, into the fingerprint. */
static void fp_tree(FILE *fp, const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[256];
	size_t nr = 0;

	if (!d) {
		fprintf(fp, "%s(missing)\n", prefix);
		return;
	}
	while ((e = readdir(d)) && nr < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[nr++] = strdup(e->d_name);
	closedir(d);
	qsort(names, nr, sizeof(*names), cmp_name);
	for (size_t i = 0; i < nr; i++) {
		char sub[PATH_MAX], pre[PATH_MAX];
		struct stat st;

		snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
		fprintf(fp, "%s%s\n", prefix, names[i]);
		if (!lstat(sub, &st) && S_ISDIR(st.st_mode)) {
			snprintf(pre, sizeof(pre), "%s%s/", prefix, names[i]);
			fp_tree(fp, sub, pre);
		}
		free(names[i]);
	}
}

/* Files named like a temporary file of junit.c's (PATH.tmp.PID) under
 * `dir`: printed, counted and removed. */
static int tmp_files_left(const char *dir, int fd)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int left = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (strstr(e->d_name, ".tmp.")) {
			dprintf(fd, "  temporary file left: %s\n", sub);
			unlink(sub);
			left++;
		} else if (!lstat(sub, &st) && S_ISDIR(st.st_mode)) {
			left += tmp_files_left(sub, fd);
		}
	}
	closedir(d);
	return left;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* opendir's own */
}

/* Where stderr was when the calls under test started, and how much
 * they printed to it (the library must print nothing). */
static off_t stderr_at;
static off_t stderr_printed;
static char printed[1024];	/* the start of it */

static int armed_before;	/* arm() again goes on counting */

static void arm(void)
{
	stderr_at = lseek(2, 0, SEEK_CUR);
	if (armed_before++)
		wrap_resume();
	else
		wrap_arm(cur_nth, cur_sticky);
}

static unsigned long last_count;

static void disarm(void)
{
	off_t now;

	last_count = wrap_disarm();
	now = lseek(2, 0, SEEK_CUR);
	if (stderr_at >= 0 && now > stderr_at) {
		size_t had = strlen(printed);

		if (had < sizeof(printed) - 1) {
			ssize_t n = pread(2, printed + had, sizeof(printed) - 1 - had,
					  stderr_at);

			printed[had + (n > 0 ? (size_t)n : 0)] = '\0';
		}
		stderr_printed += now - stderr_at;
	}
}

/* What libxml2 prints when its allocations fail (its generic error
 * handler), told from anything else printed. */
static int libxml2_words(const char *s)
{
	return strstr(s, "Memory allocation failed") || strstr(s, "malloc failed") ||
	       strstr(s, "Cannot initialize memory") || strstr(s, "out of memory");
}

/* ---- the scenario's files ------------------------------------------- */

/* A realistic configuration: groups, environment, expansion, continuation
 * lines, a warning (an unknown key). */
static const char config_ini[] =
	"# offload.ini of a project with a custom runner\n"
	"[offload]\n"
	"max_parallel = 4\n"
	"test_timeout_secs = 120.5\n"
	"working_dir = ${SWEEP_PROJECT}\n"
	"impatiently_requeue_batches = yes\n"
	"\n"
	"[provider]\n"
	"type = local\n"
	"shell = /bin/sh\n"
	"\n"
	"[provider.env]\n"
	"PATH = ${SWEEP_PROJECT}/bin:${PATH}\n"
	"DATABASE_URL = ${SWEEP_UNSET:-sqlite:///tmp/test.db}\n"
	"PRICE = $$5 and $HOME\n"
	"EMPTY = ${}\n"
	"\n"
	"[framework]\n"
	"type = custom\n"
	"discover_command = ./run-tests --list {filters} ; echo done\n"
	"run_command = ./run-tests --junit {result_file}\n"
	"    --jobs 1 --timeout 60\n"
	"    # a comment between continuation lines\n"
	"    {tests}\n"
	"test_id_format = {classname}::{name}\n"
	"retry_cont = 3\n"
	"\n"
	"[group.unit]\n"
	"filters = --fast\n"
	"\n"
	"[group.browser]\n"
	"filters = --browser 'with quotes'\n"
	"retry_count = 2\n"
	"schedule_individual = true\n"
	"\n"
	"[group.slow]\n"
	"retry_count = 1\n"
	"\n"
	"[report]\n"
	"output_dir = results\n"
	"junit_file = all.xml\n"
	"\n"
	"[history]\n"
	"default_duration_secs = 2\n";

/* An exec suite: a pass with an awkward name, a fail, a skip, and a
 * flaky test (fails the first time, passes on retry). */
static void make_suite(void)
{
	char flaky[PATH_MAX * 2 + 512];

	mkdir_or_die(path_in("suite"));
	mkdir_or_die(path_in("suite/t"));
	write_file(path_in("suite/t/it's $x"), "#!/bin/sh\nexit 0\n", 0755);
	write_file(path_in("suite/t/fail"),
		   "#!/bin/sh\necho out; echo err >&2; exit 1\n", 0755);
	write_file(path_in("suite/t/skip"), "#!/bin/sh\nexit 77\n", 0755);
	/* Its two instances run in two batches on the one sandbox, which is
	 * emptied in between: the second must not see the first's file. */
	snprintf(flaky, sizeof(flaky),
		 "#!/bin/sh\n"
		 "if [ -e \"$TMPDIR/flaky-was-here\" ]; then\n"
		 "  echo \"TMPDIR not emptied between batches\"; exit 1\n"
		 "fi\n"
		 ": >\"$TMPDIR/flaky-was-here\"\n"
		 "if [ -e '%s/flaky-state' ]; then exit 0; fi\n"
		 ": >'%s/flaky-state'\necho first try\nexit 1\n",
		 scratch, scratch);
	write_file(path_in("suite/t/flaky"), flaky, 0755);
	write_file(path_in("suite/t/not-a-test"), "data\n", 0644);
	write_file(path_in("suite/offload.ini"),
		   "[offload]\nmax_parallel = 3\ntest_timeout_secs = 60\n"
		   "[framework]\ntype = exec\npaths = t/*\n"
		   "[group.main]\nfilters = t/fail t/it* t/skip\n"
		   "[group.retry]\nfilters = t/flaky\nretry_count = 1\n"
		   "[report]\noutput_dir = out\n"
		   "[history]\npath = history.xml\n", 0644);
	/* Past durations: LPT batches, the same in every run. */
	write_file(path_in("suite/history.xml"),
		   "<testsuites><testsuite name=\"main\">"
		   "<testcase name=\"t/fail\" classname=\"main\" time=\"2.5\"/>"
		   "<testcase name=\"t/skip\" classname=\"main\" time=\"0.1\"/>"
		   "</testsuite><testsuite name=\"retry\">"
		   "<testcase name=\"t/flaky\" classname=\"retry\" time=\"1\"/>"
		   "</testsuite></testsuites>\n", 0644);

	/* Tests of a custom runner writing JUnit: the result reader in the
	 * workers, and a result that matches no test (both 302 bytes long,
	 * so that "closest" needs memory). */
	mkdir_or_die(path_in("custom"));
	write_file(path_in("custom/offload.ini"),
		   "[offload]\nmax_parallel = 2\ntest_timeout_secs = 60\n"
		   "[framework]\ntype = custom\n"
		   "discover_command = printf '%s\\n' 'a.b' 'a.c d' 'x.\"q\"';"
		   " printf 'l.%0300d\\n' 0\n"
		   "run_command = ./runner {result_file} {tests}\n"
		   "test_id_format = {classname}.{name}\n"
		   "[group.all]\n"
		   "[report]\noutput_dir = out\n", 0644);
	write_file(path_in("custom/runner"),
		   "#!/bin/sh\n"
		   "f=$1; shift\n"
		   "{ echo '<testsuite name=\"s\">'\n"
		   "  for t; do\n"
		   "    c=${t%%.*}; n=${t#*.}; n=$(printf '%s' \"$n\" | sed 's/\"/\\&quot;/g')\n"
		   "    case $t in\n"
		   "    *d) echo \"<testcase classname='$c' name=\\\"$n\\\" time='0.5'>"
		   "<failure message='boom'>trace &lt;here&gt;</failure>"
		   "<system-out>some output</system-out></testcase>\" ;;\n"
		   "    *) echo \"<testcase classname='$c' name=\\\"$n\\\" time='0.25'/>\" ;;\n"
		   "    esac\n"
		   "  done\n"
		   "  printf '<testcase classname=\"ghost\" name=\"%0300d\"/>' 0\n"
		   "  echo '</testsuite>'\n"
		   "} >\"$f\"\n"
		   "echo ran \"$@\"\n", 0755);

	/* pytest without Python: a stand-in that prints what
	 * `pytest --collect-only -q` prints (the discovery's parser). */
	mkdir_or_die(path_in("pytest"));
	write_file(path_in("pytest/fake-pytest"),
		   "#!/bin/sh\n"
		   "printf '%s\\n' 'tests/test_a.py::test_one' \\\n"
		   "  'tests/test_a.py::test_param[a b-1]' \\\n"
		   "  'tests/test_b.py::TestX::test_y' \\\n"
		   "  \"tests/test_b.py::test_q[it's \\$x]\" \\\n"
		   "  '' '4 tests collected in 0.01s'\n", 0755);
	write_file(path_in("pytest/offload.ini"),
		   "[framework]\ntype = pytest\ncommand = ./fake-pytest\n"
		   "paths = tests\n[group.unit]\nfilters = -k 'not slow'\n", 0644);
}

/* JUnit inputs for reading and merging: offload's own report (a failure,
 * a skip, a flaky test), a bare interrupted <testsuite>, and a runner's
 * file without counts. */
static const char report_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<testsuites name=\"offload\" tests=\"4\" failures=\"1\" errors=\"0\" time=\"0.083\">\n"
	"  <testsuite name=\"main\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""
	" time=\"0.040\" timestamp=\"2026-12-04T16:06:13\" hostname=\"vm\">\n"
	"    <testcase name=\"t/fail\" classname=\"main\" time=\"0.017\">\n"
	"      <failure type=\"failure\" message=\"exit status 1\">out\n\nerr &lt;&amp;&gt; \xc3\xa9\n</failure>\n"
	"    </testcase>\n"
	"    <testcase name=\"t/it's $x\" classname=\"main\" time=\"0.009\"/>\n"
	"    <testcase name=\"t/skip\" classname=\"main\" time=\"0.013\">\n"
	"      <skipped message=\"exit status 77\"/>\n"
	"    </testcase>\n"
	"  </testsuite>\n"
	"  <testsuite name=\"retry\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\""
	" time=\"0.016\" timestamp=\"2026-12-04T16:06:13\" hostname=\"vm\">\n"
	"    <testcase name=\"t/flaky\" classname=\"retry\" time=\"0.016\">\n"
	"      <flakyFailure type=\"failure\" message=\"exit status 1\"><system-out>first try\n"
	"</system-out></flakyFailure>    </testcase>\n"
	"  </testsuite>\n"
	"</testsuites>\n";

static const char interrupted_xml[] =
	"<testsuite name=\"py\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0.500\">\n"
	"  <properties><property name=\"offload.interrupted\" value=\"SIGINT\"/></properties>\n"
	"  <testcase name=\"test_x.py::test_a\" classname=\"py\" time=\"0.500\"/>\n"
	"  <testcase name=\"test_x.py::test_b\" classname=\"py\" time=\"0.000\">\n"
	"    <error type=\"notRun\" message=\"not run: interrupted by SIGINT\"/>\n"
	"  </testcase>\n"
	"</testsuite>\n";

static const char countless_xml[] =
	"<testsuites>\n"
	"  <testsuite>\n"
	"    <testcase name=\"one\" time=\"2\"><failure/><error/></testcase>\n"
	"    <testcase name=\"two\"><skipped/></testcase>\n"
	"  </testsuite>\n"
	"  <testsuite name=\"empty\" tests=\"0\" failures=\"0\" errors=\"0\"/>\n"
	"</testsuites>\n";

static void make_junit(void)
{
	mkdir_or_die(path_in("junit"));
	write_file(path_in("junit/report.xml"), report_xml, 0644);
	write_file(path_in("junit/interrupted.xml"), interrupted_xml, 0644);
	write_file(path_in("junit/countless.xml"), countless_xml, 0644);
}

/* ---- scenarios --------------------------------------------------------- */

static void fp_config(FILE *fp, const struct offload_config *cfg)
{
	offload_config_dump(cfg, fp);
	for (size_t i = 0; i < offload_config_warnings_nr(cfg); i++)
		fp_str(fp, "warning", offload_config_warning(cfg, i));
}

/* offload_config_load() of config_ini, then offload_config_dump(): the
 * public handle, its allocation included. */
static int run_config(FILE *fp, struct offload_error *err)
{
	struct offload_config *cfg = NULL;
	char *dump = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&dump, &len);
	int rc;

	if (!mem)
		die("open_memstream: %s", strerror(errno));
	arm();
	rc = offload_config_load(&cfg, path_in("config/offload.ini"), err);
	if (!rc && (rc = offload_config_dump(cfg, mem))) {
		err->code = rc;
		snprintf(err->msg, sizeof(err->msg), "offload_config_dump: %s",
			 offload_strerror(rc));
	}
	disarm();
	fclose(mem);
	if (!rc) {
		fp_config(fp, cfg);
		fp_str(fp, "dump", dump);
	}
	offload_config_free(cfg);
	free(dump);
	return rc;
}

/* The other scenarios' configuration, loaded unarmed into a struct of
 * their own (src/config.h): config_release() frees it. */
static void load_or_die(struct offload_config *cfg, const char *rel)
{
	struct offload_error err;

	if (config_load(cfg, path_in(rel), &err))
		die("config '%s': %s", rel, err.msg);
}

static void fp_tests(FILE *fp, const struct offload_test_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		fprintf(fp, "group %zu ", l->group[i]);
		fp_str(fp, "id", l->ids[i]);
	}
}

/* offload_discover() of the exec suite. */
static int run_discover_exec(FILE *fp, struct offload_error *err)
{
	struct offload_config cfg;
	struct offload_test_list l = { 0 };
	int rc;

	load_or_die(&cfg, "suite/offload.ini");
	arm();
	rc = offload_discover(&cfg, NULL, &l, err);
	disarm();
	if (!rc)
		fp_tests(fp, &l);
	offload_test_list_release(&l);
	config_release(&cfg);
	return rc;
}

/* offload_discover() of the custom suite: a discovery command's output. */
static int run_discover_custom(FILE *fp, struct offload_error *err)
{
	struct offload_config cfg;
	struct offload_test_list l = { 0 };
	int rc;

	load_or_die(&cfg, "custom/offload.ini");
	arm();
	rc = offload_discover(&cfg, NULL, &l, err);
	disarm();
	if (!rc)
		fp_tests(fp, &l);
	offload_test_list_release(&l);
	config_release(&cfg);
	return rc;
}

/* offload_discover() of a pytest suite (a stand-in for pytest). */
static int run_discover_pytest(FILE *fp, struct offload_error *err)
{
	struct offload_config cfg;
	struct offload_test_list l = { 0 };
	int rc;

	load_or_die(&cfg, "pytest/offload.ini");
	arm();
	rc = offload_discover(&cfg, NULL, &l, err);
	disarm();
	if (!rc)
		fp_tests(fp, &l);
	offload_test_list_release(&l);
	config_release(&cfg);
	return rc;
}

/* Events as they came, without allocating (the callback runs armed). */
static char events[16384];
static size_t events_len;
/* Leave batch notices out: whether a batch started before the interrupt
 * was seen is up to the threads, not to the allocation that failed. */
static int skip_batch_events;

static void on_event(const struct offload_event *ev, void *data)
{
	(void)data;
	if (ev->type == OFFLOAD_EVENT_TICK || events_len >= sizeof(events) - 1)
		return;
	if (skip_batch_events && (ev->type == OFFLOAD_EVENT_BATCH_START ||
				  ev->type == OFFLOAD_EVENT_BATCH_END))
		return;
	events_len += snprintf(events + events_len, sizeof(events) - events_len,
			       "event %d batch %u sandbox %u tests %zu %s %s\n",
			       (int)ev->type, ev->batch, ev->sandbox, ev->tests_nr,
			       ev->test ? ev->test->id : "-",
			       ev->text ? ev->text : "-");
	if (events_len >= sizeof(events))
		events_len = sizeof(events) - 1;
}

static const char *const verdicts[] = {
	"not run", "passed", "failed", "flaky", "skipped"
};

static void fp_report(FILE *fp, const struct offload_report *rep)
{
	fprintf(fp, "results %zu passed %zu failed %zu flaky %zu skipped %zu "
		"not_run %zu interrupted %d fail_fast %d\n", rep->nr,
		rep->passed, rep->failed, rep->flaky, rep->skipped,
		rep->not_run, rep->interrupted, rep->fail_fast_stopped);
	for (size_t i = 0; i < rep->nr; i++) {
		const struct offload_result *r = &rep->results[i];

		fp_str(fp, "test", r->id);
		fprintf(fp, "  group %zu verdict %s\n", r->group,
			verdicts[r->verdict]);
		if (r->not_run_reason)
			fp_str(fp, "  not_run_reason", r->not_run_reason);
		for (size_t j = 0; j < r->attempts_nr; j++) {
			const struct offload_attempt *a = &r->attempts[j];

			fprintf(fp, "  attempt outcome %d sandbox %u batch %u\n",
				(int)a->outcome, a->sandbox, a->batch);
			fp_str(fp, "    message", a->message);
			fp_str(fp, "    output", a->output);
		}
	}
	for (size_t i = 0; i < rep->warnings_nr; i++)
		fp_str(fp, "warning", rep->warnings[i]);
	fp_str(fp, "junit_path", rep->junit_path);
}

/* What `offload logs` would show of a JUnit file (read unarmed). */
static void fp_logged(FILE *fp, const char *path)
{
	struct offload_logged_case *c;
	struct offload_error err;
	size_t nr;

	if (offload_report_read(path, &c, &nr, &err)) {
		fp_str(fp, "report unreadable", err.msg);
		return;
	}
	for (size_t i = 0; i < nr; i++) {
		fp_str(fp, "case", c[i].name);
		fp_str(fp, "  classname", c[i].classname);
		fp_str(fp, "  status", c[i].status);
		fp_str(fp, "  text", c[i].text);
	}
	offload_logged_cases_free(c, nr);
}

/*
 * A whole run: offload_run_new(), offload_run_execute() (discovery,
 * history, plan, the workers, the JUnit report), on one sandbox
 * (parallel = 1), so that the n-th allocation is the same call in every
 * run as far as the threads allow (see docs/testing.md).
 */
static int run_execute(const char *dir, int interrupt, FILE *fp,
		       struct offload_error *err)
{
	struct offload_run_options opts = OFFLOAD_RUN_OPTIONS_INIT;
	struct offload_report rep;
	struct offload_config cfg;
	struct offload_run *run = NULL;
	char rel[64];
	int rc;

	snprintf(rel, sizeof(rel), "%s/offload.ini", dir);
	load_or_die(&cfg, rel);
	memset(&rep, 0, sizeof(rep));
	opts.parallel = 1;
	opts.on_event = on_event;
	skip_batch_events = interrupt;
	events_len = 0;
	events[0] = '\0';
	arm();
	rc = offload_run_new(&run, &cfg, &opts, err);
	if (!rc && interrupt) {
		rc = offload_run_prepare(run, err);
		offload_run_interrupt(run, SIGINT);
	}
	if (!rc)
		rc = offload_run_execute(run, &rep, err);
	disarm();
	if (!rc) {
		fp_report(fp, &rep);
		fputs(events, fp);
		/* Interrupted: whether a batch started, and left its logs, is
		 * up to the threads; the report is what counts. */
		snprintf(rel, sizeof(rel), "%s/out", dir);
		if (!interrupt)
			fp_tree(fp, path_in(rel), "file ");
		snprintf(rel, sizeof(rel), "%s/out/junit.xml", dir);
		fp_logged(fp, path_in(rel));
	}
	offload_report_release(&rep);
	offload_run_free(run);
	config_release(&cfg);
	return rc;
}

static void reset_execute(void)
{
	rm_rf(path_in("suite/out"));
	rm_rf(path_in("custom/out"));
	unlink(path_in("flaky-state"));
}

static int run_execute_exec(FILE *fp, struct offload_error *err)
{
	return run_execute("suite", 0, fp, err);
}

/* The exec suite interrupted (SIGINT) after discovery, before it runs:
 * every test is not run, with that reason (build_report). */
static int run_execute_interrupted(FILE *fp, struct offload_error *err)
{
	return run_execute("suite", 1, fp, err);
}

static int run_execute_custom(FILE *fp, struct offload_error *err)
{
	return run_execute("custom", 0, fp, err);
}

static void reset_batch(void)
{
	rm_rf(path_in("batch"));
	mkdir_or_die(path_in("batch"));
	mkdir_or_die(path_in("batch/logs"));
	mkdir_or_die(path_in("batch/tmp"));
}

/*
 * One batch of the custom suite through framework_run_batch() (internal:
 * framework.h), without the orchestrator: what the framework returns is
 * what is checked, so that an error the orchestrator would drop (see
 * tests/alloc/known.txt, O2) still counts here.
 */
static int run_batch(FILE *fp, struct offload_error *err)
{
	struct offload_config cfg;
	struct batch_exec b;
	struct sandbox sb;
	struct sandbox_pool pool;
	char *ids[5] = { "a.b", "a.c d", "x.\"q\"", NULL, NULL };
	char longid[310];
	int rc;

	load_or_die(&cfg, "custom/offload.ini");
	snprintf(longid, sizeof(longid), "l.%0300d", 0);
	ids[3] = longid;
	/* A local sandbox made by hand: the runner in the suite's
	 * directory, the batch's own TMPDIR. */
	memset(&pool, 0, sizeof(pool));
	pool.cfg = &cfg;
	pool.ops = &provider_local;
	pool.sb = &sb;
	pool.nr = 1;
	memset(&sb, 0, sizeof(sb));
	sb.pool = &pool;
	sb.cwd = cfg.working_dir ? cfg.working_dir : cfg.dir;
	sb.tmpdir = path_in("batch/tmp");
	sb.envp = environ;
	memset(&b, 0, sizeof(b));
	b.cfg = &cfg;
	b.group = &cfg.groups[0];
	b.sb = &sb;
	b.batch_no = 1;
	b.ids = (const char *const *)ids;
	b.nr = 4;
	b.cancel_fd = -1;
	b.log_dir = path_in("batch/logs");
	arm();
	rc = framework_run_batch(&b, err);
	disarm();
	if (!rc) {
		fprintf(fp, "canceled %d\n", b.canceled);
		for (size_t i = 0; b.res && i < b.nr; i++) {
			fp_str(fp, "test", ids[i]);
			fprintf(fp, "  have %d outcome %d\n", b.res[i].have,
				(int)b.res[i].outcome);
			fp_str(fp, "  message", b.res[i].message);
			fp_str(fp, "  output", b.res[i].output);
		}
		for (size_t i = 0; i < b.warnings.nr; i++)
			fp_str(fp, "warning", b.warnings.v[i]);
		fp_file(fp, "stdout log", path_in("batch/logs/batch-1.stdout"));
		fp_file(fp, "stderr log", path_in("batch/logs/batch-1.stderr"));
	}
	batch_exec_release(&b);
	config_release(&cfg);
	return rc;
}

/* offload_report_read() of offload's own report. */
static int run_report_read(FILE *fp, struct offload_error *err)
{
	struct offload_logged_case *c = NULL;
	size_t nr = 0;
	int rc;

	arm();
	rc = offload_report_read(path_in("junit/report.xml"), &c, &nr, err);
	disarm();
	if (!rc) {
		for (size_t i = 0; i < nr; i++) {
			fp_str(fp, "case", c[i].name);
			fp_str(fp, "  classname", c[i].classname);
			fp_str(fp, "  status", c[i].status);
			fp_str(fp, "  text", c[i].text);
		}
	}
	/* On an error too: the cases read before it are returned. */
	offload_logged_cases_free(c, nr);
	return rc;
}

static const char old_report[] = "<testsuites name=\"old\"/>\n";

static void reset_merge(void)
{
	rm_rf(path_in("merge"));
	mkdir_or_die(path_in("merge"));
	write_file(path_in("merge/all.xml"), old_report, 0644);
}

/* offload_junit_merge() of the three inputs over an existing report;
 * then offload_junit_write_failure() of a step that ran no test. */
static int run_merge(FILE *fp, struct offload_error *err)
{
	const char *in[3];
	int rc;

	in[0] = path_in("junit/report.xml");
	in[1] = path_in("junit/interrupted.xml");
	in[2] = path_in("junit/countless.xml");
	arm();
	rc = offload_junit_merge(path_in("merge/all.xml"), in, 3, err);
	disarm();
	fp_file(fp, "merged", path_in("merge/all.xml"));
	if (rc) {
		/* The old report is left as it was. */
		char *s = NULL;
		size_t n = 0;
		FILE *f = fopen(path_in("merge/all.xml"), "rb");

		if (!f || getdelim(&s, &n, '\0', f) < 0 || strcmp(s, old_report)) {
			fprintf(stderr, "  the old report was changed: %s\n",
				s ? s : "(unreadable)");
			rc = -9999;
		}
		if (f)
			fclose(f);
		free(s);
		return rc;
	}
	arm();
	rc = offload_junit_write_failure(path_in("merge/new/build.xml"), "build",
					 "compile \"it's\"", "make exited with 2",
					 "cc: error: <x> & y\n", err);
	disarm();
	if (!rc)
		fp_file(fp, "failure report", path_in("merge/new/build.xml"));
	return rc;
}

/* The make-word codec, shell quoting, MAKEFLAGS: calls that return NULL
 * or a code without a message (the scenario names what failed). */
static int run_codec(FILE *fp, struct offload_error *err)
{
	static const char id[] = "t/it's $(x) @ \"q\"\n\xff end";
	struct offload_makeflags mf;
	char *enc, *dec = NULL, *q;
	int rc = 0, mrc;

	arm();
	enc = offload_make_encode(id);
	if (enc)
		rc = offload_make_decode(enc, strlen(enc), &dec);
	q = offload_shell_quote(id);
	mrc = offload_makeflags_parse(&mf, "ks -j4 --jobserver-auth=fifo:/tmp/GM fifo");
	disarm();
	if (!enc || rc || !q || mrc) {
		const char *what = !enc ? "offload_make_encode" :
			rc ? "offload_make_decode" : !q ? "offload_shell_quote" :
			"offload_makeflags_parse";

		if (!enc || !q)
			rc = OFFLOAD_ENOMEM;	/* documented: NULL is ENOMEM */
		else if (!rc)
			rc = mrc;
		err->code = rc;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", what,
			 offload_strerror(rc));
	} else {
		fp_str(fp, "encoded", enc);
		fp_str(fp, "decoded", dec);
		fp_str(fp, "quoted", q);
		fprintf(fp, "dry %d unlimited %d pipe %d %d\n", mf.dry,
			mf.unlimited, mf.pipe_r, mf.pipe_w);
		fp_str(fp, "fifo", mf.fifo);
	}
	if (!mrc)
		offload_makeflags_release(&mf);
	free(enc);
	free(dec);
	free(q);
	return rc;
}

/* vitest's JSON: `vitest list --json` into IDs, a JSON report onto a
 * batch (framework_vitest.c, json.c: escapes, nesting, a crashed file). */
static int run_vitest_json(FILE *fp, struct offload_error *err)
{
	static const char list[] =
		"[{\"name\": \"m > a \\u00e9 [x]\", \"file\": \"/w/t/m.test.js\"},"
		" {\"name\": \"b\", \"file\": \"/w/t/m.test.js\"}, {\"file\": \"/w/t/c.test.js\"}]";
	static const char report[] =
		"{\"testResults\": [{\"name\": \"/w/t/m.test.js\", \"status\": \"failed\","
		" \"assertionResults\": [{\"ancestorTitles\": [\"m\"], \"title\": \"a \\u00e9 [x]\","
		" \"status\": \"failed\", \"duration\": 12.5, \"failureMessages\": [\"boom\\nat x\", \"2nd: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\""
		", \"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"]},"
		" {\"ancestorTitles\": [], \"title\": \"b\", \"status\": \"skipped\"}]},"
		" {\"name\": \"/w/t/c.test.js\", \"status\": \"failed\", \"message\": \"syntax\","
		" \"assertionResults\": []}]}";
	struct offload_group g = { (char *)"all", 0, (char *)"", 0 };
	struct strvec ids = STRVEC_INIT;
	struct batch_exec b;
	char msg[128];
	int rc;

	memset(&b, 0, sizeof(b));
	arm();
	rc = vitest_parse_list(list, strlen(list), "/w", &g, &ids, err);
	if (!rc) {
		b.ids = (const char *const *)ids.v;
		b.nr = ids.nr;
		b.res = calloc(ids.nr, sizeof(*b.res));
		rc = b.res ? vitest_apply_report(&b, report, strlen(report), msg,
						 sizeof(msg)) : OFFLOAD_ENOMEM;
		if (rc) {
			err->code = rc;
			snprintf(err->msg, sizeof(err->msg), "%s",
				 b.res ? msg : "out of memory");
		}
	}
	disarm();
	for (size_t i = 0; !rc && i < b.nr; i++) {
		fp_str(fp, "id", b.ids[i]);
		fprintf(fp, "have %d outcome %d\n", b.res[i].have, (int)b.res[i].outcome);
		fp_str(fp, "message", b.res[i].message ? b.res[i].message : "");
		fp_str(fp, "output", b.res[i].output ? b.res[i].output : "");
	}
	batch_exec_release(&b);
	strvec_clear(&ids);
	return rc;
}

/* The jobserver client on a pipe holding two tokens: open, take both,
 * give both back, close.  Whatever fails, both tokens are back after. */
static int run_jobserver(FILE *fp, struct offload_error *err)
{
	struct offload_makeflags mf;
	struct offload_jobserver *js = NULL;
	char flags[64], back[8];
	int p[2], rc, a1 = -1, a2 = -1, r1 = -1, r2 = -1, crc = 0;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) || write(p[1], "+-", 2) != 2)
		die("pipe: %s", strerror(errno));
	snprintf(flags, sizeof(flags), " -j3 --jobserver-auth=%d,%d", p[0], p[1]);
	arm();
	rc = offload_makeflags_parse(&mf, flags);
	if (rc) {
		err->code = rc;
		snprintf(err->msg, sizeof(err->msg), "offload_makeflags_parse: %s",
			 offload_strerror(rc));
	}
	if (!rc)
		rc = offload_jobserver_open(&js, &mf, err);
	if (!rc) {
		a1 = offload_jobserver_acquire(js, -1);
		a2 = offload_jobserver_acquire(js, -1);
		if (a1 == 1)
			r1 = offload_jobserver_release(js);
		if (a2 == 1)
			r2 = offload_jobserver_release(js);
		crc = offload_jobserver_close(js, err);
		/* No message: acquire returns a code (the token went back). */
		if (a1 < 0 || a2 < 0) {
			rc = err->code = a1 < 0 ? a1 : a2;
			snprintf(err->msg, sizeof(err->msg),
				 "offload_jobserver_acquire: %s",
				 offload_strerror(rc));
		}
	}
	disarm();
	offload_makeflags_release(&mf);	/* initialised whatever parse says */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	n = read(p[0], back, sizeof(back));
	close(p[0]);
	close(p[1]);
	if (n != 2) {
		fprintf(stderr, "  %zd tokens in the pipe after, not 2\n", n);
		return -9999;
	}
	if (!rc) {
		fprintf(fp, "acquire %d %d release %d %d close %d\n", a1, a2,
			r1, r2, crc);
		rc = crc;
	}
	return rc;
}

/* Caps (runs per mode in `make check`): about two minutes on two cores
 * under ASan; ALLOC_SWEEP_FULL=1 runs every n. */
static const struct scenario scenarios[] = {
	{ "config", "offload_config_load + dump of a realistic file",
	  NULL, run_config, 50 },
	{ "discover-exec", "offload_discover of an exec suite",
	  NULL, run_discover_exec, 50 },
	{ "discover-custom", "offload_discover with a discovery command",
	  NULL, run_discover_custom, 50 },
	{ "discover-pytest", "offload_discover of pytest --collect-only -q output",
	  NULL, run_discover_pytest, 50 },
	{ "execute-exec", "offload_run_execute: exec suite, fail, skip, flaky, JUnit report",
	  reset_execute, run_execute_exec, 30 },
	{ "execute-interrupted", "offload_run_prepare, a SIGINT, offload_run_execute",
	  reset_execute, run_execute_interrupted, 30 },
	{ "execute-custom", "offload_run_execute: custom runner writing JUnit",
	  reset_execute, run_execute_custom, 30 },
	{ "run-batch", "framework_run_batch of the custom suite, no orchestrator",
	  reset_batch, run_batch, 40 },
	{ "report-read", "offload_report_read of offload's report",
	  NULL, run_report_read, 40 },
	{ "junit-merge", "offload_junit_merge over an old report, offload_junit_write_failure",
	  reset_merge, run_merge, 40 },
	{ "make-codec", "offload_make_encode/decode, offload_shell_quote, offload_makeflags_parse",
	  NULL, run_codec, 50 },
	{ "jobserver", "offload_jobserver_open/acquire/release/close on a pipe",
	  NULL, run_jobserver, 50 },
	{ "vitest-json", "vitest list --json and a JSON report mapped onto a batch",
	  NULL, run_vitest_json, 30 },
};

/* ---- one run, in a child ----------------------------------------------- */

#ifdef SWEEP_ASAN
static void on_death(void)
{
	dprintf(2, "n=%lu sticky=%d: crashed\n", cur_nth, cur_sticky);
	finding("crash");
	set_key();
	wrap_print_failure(2);
}
#else
static void on_signal(int sig)
{
	dprintf(2, "n=%lu sticky=%d: crashed with signal %d\n", cur_nth,
		cur_sticky, sig);
	finding("crash");
	set_key();
	wrap_print_failure(2);
	signal(sig, SIG_DFL);
	raise(sig);
}
#endif

/* The first line where `a` and `b` differ, with the lines around it. */
static void print_difference(const char *a, size_t alen, const char *b,
			     size_t blen)
{
	size_t i = 0, line = 0, ls = 0;

	while (i < alen && i < blen && a[i] == b[i]) {
		if (a[i] == '\n') {
			line++;
			ls = i + 1;
		}
		i++;
	}
	fprintf(stderr, "  result differs from line %zu:\n  expected: %.*s\n"
		"  got:      %.*s\n", line + 1,
		(int)strcspn(a + ls, "\n"), a + ls,
		(int)strcspn(b + ls, "\n"), b + ls);
}

/* Says that memory ran out (libxml2's own words included). */
static int memory_message(const char *msg)
{
	return strstr(msg, "out of memory") ||
	       strstr(msg, "Cannot allocate memory") ||
	       strstr(msg, "memory allocation failed");
}

#ifdef SWEEP_ASAN
/*
 * "leak", or "leak of libxml2's" when every block LeakSanitizer reported
 * (from offset `at` of stderr on) was allocated inside libxml2: blocks
 * libxml2 made and lost itself, or that the caller did not free; known.txt
 * tells which.
 */
static const char *leak_kind(off_t at)
{
	static char text[1 << 18];
	char *p;
	ssize_t n = at >= 0 ? pread(2, text, sizeof(text) - 1, at) : -1;
	int blocks = 0, in_xml = 0;

	if (n <= 0)
		return "leak";
	text[n] = '\0';
	for (p = text; (p = strstr(p, " leak of ")); p++) {
		char *f1 = strstr(p, "\n    #1 "), *eol;

		blocks++;
		if (!f1) {
			blocks--;	/* cut off by the buffer: not judged */
			break;
		}
		eol = strchr(f1 + 1, '\n');
		if (eol)
			*eol = '\0';
		in_xml += strstr(f1, "libxml2.so") != NULL;
		if (eol)
			*eol = '\n';
	}
	return blocks && in_xml == blocks ? "leak of libxml2's" : "leak";
}
#endif

/* Runs the scenario armed for the n-th allocation; the exit status. */
static int child(const struct scenario *sc, int counting)
{
	struct offload_error err = { 0, "" };
	char *fpbuf = NULL, kind[200];
	size_t fplen = 0;
	FILE *fp;
	int rc, res, fds0, fds1, left;
#ifdef SWEEP_ASAN
	off_t leak_at;
#endif

#ifdef SWEEP_ASAN
	__sanitizer_set_death_callback(on_death);
#else
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGABRT, on_signal);
	signal(SIGFPE, on_signal);
#endif
	if (sc->reset)
		sc->reset();
	stderr_printed = 0;
	printed[0] = '\0';
	armed_before = 0;
	fds0 = count_fds();
	fp = open_memstream(&fpbuf, &fplen);
	if (!fp)
		die("open_memstream: %s", strerror(errno));
	rc = sc->run(fp, &err);
	fclose(fp);
	fds1 = count_fds();

	if (counting) {
		if (rc) {
			fprintf(stderr, "the counting run failed: %d %s\n", rc,
				err.msg);
			res = R_FINDING;
		} else if (fplen >= FP_MAX) {
			die("fingerprint too long: %zu", fplen);
		} else {
			sh->count = last_count;
			sh->fd_delta = fds1 - fds0;
			sh->fp_len = fplen;
			memcpy(sh->fp, fpbuf, fplen);
			res = R_SAME;
		}
	} else if (rc == 0) {
		if (fplen == sh->fp_len && !memcmp(fpbuf, sh->fp, fplen)) {
			res = R_SAME;
		} else if (memory_message(fpbuf) &&
			   !memory_message(sh->fp)) {
			res = R_TOLERATED;
			if (verbose)
				print_difference(sh->fp, sh->fp_len, fpbuf, fplen);
		} else {
			fprintf(stderr, "n=%lu sticky=%d: succeeded with another "
				"result, and not saying why\n", cur_nth, cur_sticky);
			print_difference(sh->fp, sh->fp_len, fpbuf, fplen);
			finding("another result, silently");
			res = R_FINDING;
		}
	} else if ((rc == OFFLOAD_ENOMEM || rc == -ENOMEM) &&
		   err.code == rc && memory_message(err.msg)) {
		res = R_ERROR;
	} else {
		fprintf(stderr, "n=%lu sticky=%d: failed with %d (%s), "
			"err.code %d, message '%s'\n", cur_nth, cur_sticky, rc,
			offload_strerror(rc), err.code, err.msg);
		snprintf(kind, sizeof(kind), "error %s%s", offload_strerror(rc),
			 err.code != rc ? ", err.code differs" :
			 !memory_message(err.msg) ? ", message not about memory" : "");
		finding(kind);
		res = R_FINDING;
	}
	free(fpbuf);

	if (stderr_printed) {
		fprintf(stderr, "n=%lu sticky=%d: the library printed %ld bytes "
			"to stderr (at the top of this log)\n", cur_nth,
			cur_sticky, (long)stderr_printed);
		finding(libxml2_words(printed) ? "libxml2 printed to stderr" :
			"printed to stderr");
		res = R_FINDING;
	}
	if (!counting && fds1 - fds0 > sh->fd_delta) {
		fprintf(stderr, "n=%lu sticky=%d: %d descriptors left open\n",
			cur_nth, cur_sticky, fds1 - fds0 - sh->fd_delta);
		finding("descriptor left open");
		res = R_FINDING;
	}
	left = wrap_temp_left(2) + tmp_files_left(scratch, 2);
	if (left) {
		fprintf(stderr, "n=%lu sticky=%d: temporary files left\n",
			cur_nth, cur_sticky);
		finding("temporary file left");
		res = R_FINDING;
	}
#ifdef SWEEP_ASAN
	fflush(stderr);
	leak_at = lseek(2, 0, SEEK_CUR);
	if (__lsan_do_recoverable_leak_check()) {
		fprintf(stderr, "n=%lu sticky=%d: leaked (above)\n", cur_nth,
			cur_sticky);
		finding(leak_kind(leak_at));
		res = R_FINDING;
	}
#endif
	if (res == R_SAME && wrap_hits())
		finding("same result");
	else if (res == R_TOLERATED)
		finding("tolerated, said");
	if (res == R_FINDING || (res == R_SAME && wrap_hits()) ||
	    res == R_TOLERATED)
		set_key();
	if (res == R_FINDING || verbose) {
		if (verbose && res != R_FINDING)
			fprintf(stderr, "n=%lu sticky=%d: %s%s%s\n", cur_nth,
				cur_sticky, res == R_SAME ? "same result" :
				res == R_ERROR ? "error: " : "tolerated",
				res == R_ERROR ? err.msg : "",
				wrap_hits() ? "" : " (nothing failed)");
		wrap_print_failure(2);
	}
	fflush(NULL);
	return res;
}

/* Fork, run, wait: the child's exit status as R_*, its stderr in `log`. */
static int run_forked(const struct scenario *sc, unsigned long nth,
		      int sticky, int counting, int log)
{
	int status;
	pid_t pid;

	cur_nth = nth;
	cur_sticky = sticky;
	strcpy(sh->key, "crash");	/* unless the child says more */
	fflush(NULL);
	if (log >= 0 && (ftruncate(log, 0) || lseek(log, 0, SEEK_SET)))
		die("log: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (log >= 0)
			dup2(log, 2);
		_exit(child(sc, counting));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void show_log(int log, unsigned lines)
{
	char buf[4096];
	ssize_t n;
	unsigned seen = 0;

	lseek(log, 0, SEEK_SET);
	while (seen < lines && (n = read(log, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n && seen < lines; i++) {
			fputc(buf[i], stdout);
			seen += buf[i] == '\n';
		}
	}
	if (seen >= lines)
		printf("  ...\n");
}

/* ---- the sweep ----------------------------------------------------------- */

#define KEYS_MAX 64

/* Findings (or notes) of one scenario, grouped by key (kinds @ site). */
struct keyed {
	char key[400];
	unsigned long count, first_n;
	int first_sticky;
	int known;
};

/* tests/alloc/known.txt: "SCENARIO<tab>KIND @ FUNCTION FILE" lines. */
static char *known_text;

static void load_known(void)
{
	const char *path = getenv("ALLOC_SWEEP_KNOWN");
	FILE *f;
	size_t n = 0;

	if (getenv("ALLOC_SWEEP_STRICT") && *getenv("ALLOC_SWEEP_STRICT") == '1')
		return;
	f = fopen(path ? path : "tests/alloc/known.txt", "r");
	if (!f)
		return;
	if (getdelim(&known_text, &n, '\0', f) < 0) {
		free(known_text);
		known_text = NULL;
	}
	fclose(f);
}

/*
 * Is KIND listed for scenario `sc` (a pattern) with a pattern that
 * matches `site`, the failed call's place without line numbers ("func
 * src/x.c < caller src/y.c")?
 */
static int known_one(const char *sc, const char *kind, size_t kind_len,
		     const char *site)
{
	const char *line, *next;

	for (line = known_text; line && *line; line = next) {
		size_t len = strcspn(line, "\n"), sl = strcspn(line, "\t\n");
		char entry[512], scn[64], *at;

		next = line[len] ? line + len + 1 : NULL;
		if (*line == '#' || line[sl] != '\t' || len - sl >= sizeof(entry))
			continue;
		memcpy(entry, line + sl + 1, len - sl - 1);
		entry[len - sl - 1] = '\0';
		if (!(at = strstr(entry, " @ ")) || (size_t)(at - entry) != kind_len ||
		    strncmp(entry, kind, kind_len))
			continue;
		if (sl >= sizeof(scn))
			continue;
		memcpy(scn, line, sl);
		scn[sl] = '\0';
		if (!fnmatch(scn, sc, 0) && !fnmatch(at + 3, site, 0))
			return 1;
	}
	return 0;
}

/* Is every kind of the finding `key` ("k1 + k2 @ site") known? */
static int known_finding(const char *sc, const char *key)
{
	const char *at = strstr(key, " @ "), *k, *p;
	char site[400], *q = site;

	if (!at || !known_text)
		return 0;
	/* the site without its line numbers */
	for (p = at + 3; *p && q < site + sizeof(site) - 1; p++) {
		if (*p == ':' && p[1] >= '0' && p[1] <= '9') {
			while (p[1] >= '0' && p[1] <= '9')
				p++;
			continue;
		}
		*q++ = *p;
	}
	*q = '\0';
	for (k = key; k < at; ) {
		const char *plus = strstr(k, " + ");
		const char *end = plus && plus < at ? plus : at;

		if (!known_one(sc, k, (size_t)(end - k), site))
			return 0;
		if (end == at)
			break;
		k = end + 3;
	}
	return 1;
}

/* Count `key` in `tab`; returns its entry (NULL when the table is full). */
static struct keyed *tally(struct keyed *tab, size_t *nr, const char *key,
			   unsigned long n, int sticky, int *is_new)
{
	size_t k;

	for (k = 0; k < *nr && strcmp(tab[k].key, key); k++)
		;
	*is_new = k == *nr;
	if (k == *nr) {
		if (*nr == KEYS_MAX)
			return NULL;
		snprintf(tab[k].key, sizeof(tab[k].key), "%s", key);
		tab[k].count = 0;
		tab[k].first_n = n;
		tab[k].first_sticky = sticky;
		tab[k].known = 0;
		(*nr)++;
	}
	tab[k].count++;
	return &tab[k];
}

static int sweep(const struct scenario *sc, unsigned no, int log, int full)
{
	unsigned long n, count, stride = 1, runs = 0, same = 0, errors = 0,
		tolerated = 0, findings = 0, known = 0, shown = 0, show = 12;
	time_t t0 = time(NULL);
	struct keyed keys[KEYS_MAX], notes[KEYS_MAX], *e;
	size_t keys_nr = 0, notes_nr = 0, k;
	int sticky, r, is_new;

	if (getenv("ALLOC_SWEEP_SHOW"))
		show = strtoul(getenv("ALLOC_SWEEP_SHOW"), NULL, 10);
	printf("# %s: %s\n", sc->name, sc->what);
	r = run_forked(sc, 0, 0, 1, log);
	if (r != R_SAME) {
		printf("not ok %u - %s: the counting run failed (%d)\n", no,
		       sc->name, r);
		show_log(log, 60);
		return 1;
	}
	count = sh->count;
	/* The counting run again, as a run: is the result reproducible? */
	r = run_forked(sc, 0, 0, 0, log);
	if (r != R_SAME) {
		printf("not ok %u - %s: two runs without failures differ (%d)\n",
		       no, sc->name, r);
		show_log(log, 60);
		return 1;
	}
	if (!full && sc->cap && count > sc->cap)
		stride = (count + sc->cap - 1) / sc->cap;
	for (sticky = 0; sticky < 2; sticky++) {
		for (n = 1; n <= count; n += stride) {
			r = run_forked(sc, n, sticky, 0, log);
			runs++;
			if (verbose)
				show_log(log, 80);
			switch (r) {
			case R_SAME:
			case R_TOLERATED:
				if (r == R_SAME)
					same++;
				else
					tolerated++;
				if (strstr(sh->key, " @ "))	/* something failed */
					tally(notes, &notes_nr, sh->key, n, sticky, &is_new);
				break;
			case R_ERROR:
				errors++;
				break;
			default:
				e = tally(keys, &keys_nr, sh->key, n, sticky, &is_new);
				if (e && is_new)
					e->known = known_finding(sc->name, sh->key);
				if (e && e->known) {
					known++;
					break;
				}
				findings++;
				/* The first of each new kind in full. */
				if (is_new && shown++ < show) {
					printf("# %s n=%lu sticky=%d: exit %d\n",
					       sc->name, n, sticky, r);
					show_log(log, 80);
				}
			}
		}
	}
	printf("%s %u - %s: %lu allocations, %lu runs (every %s): %lu failed "
	       "cleanly, %lu same result, %lu tolerated, %lu findings",
	       findings || known ? "not ok" : "ok", no, sc->name, count, runs,
	       stride == 1 ? "n" : "k-th n", errors, same, tolerated, findings);
	if (stride > 1)
		printf(" [k=%lu]", stride);
	if (known)
		printf(", %lu known", known);
	printf(" (%lds)%s\n", (long)(time(NULL) - t0),
	       !findings && known ? " # TODO known findings, tests/alloc/known.txt" : "");
	for (k = 0; k < keys_nr; k++)
		printf("#   %lu x %s%s (first: n=%lu sticky=%d)\n", keys[k].count,
		       keys[k].known ? "known: " : "", keys[k].key,
		       keys[k].first_n, keys[k].first_sticky);
	for (k = 0; k < notes_nr; k++)
		printf("#   (not a finding) %lu x %s (first: n=%lu sticky=%d)\n",
		       notes[k].count, notes[k].key, notes[k].first_n,
		       notes[k].first_sticky);
	fflush(stdout);
	return findings != 0;
}

int main(void)
{
	const char *only = getenv("ALLOC_SWEEP_ONLY");
	const char *one = getenv("ALLOC_SWEEP_N");
	int full = getenv("ALLOC_SWEEP_FULL") && *getenv("ALLOC_SWEEP_FULL") == '1';
	size_t nr = sizeof(scenarios) / sizeof(scenarios[0]), i, planned = 0;
	char templ[] = "/tmp/offload-sweep.XXXXXX", logpath[PATH_MAX + 8];
	int failed = 0, log, r;
	unsigned no = 0;

	wrap_setup();
	load_known();
	verbose = getenv("ALLOC_SWEEP_VERBOSE") && *getenv("ALLOC_SWEEP_VERBOSE") == '1';
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(templ) || !realpath(templ, scratch))
		die("mkdtemp: %s", strerror(errno));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	mkdir_or_die(path_in("config"));
	write_file(path_in("config/offload.ini"), config_ini, 0644);
	setenv("SWEEP_PROJECT", path_in("config"), 1);
	unsetenv("SWEEP_UNSET");
	make_suite();
	make_junit();
	snprintf(logpath, sizeof(logpath), "%s/log", scratch);
	log = open(logpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0)
		die("log: %s", strerror(errno));

	for (i = 0; i < nr; i++)
		planned += !only || !strcmp(only, scenarios[i].name);
	if (only && one) {
		/* One run, in the foreground: for debugging. */
		for (i = 0; i < nr && strcmp(only, scenarios[i].name); i++)
			;
		if (i == nr)
			die("no scenario '%s'", only);
		verbose = 1;
		r = run_forked(&scenarios[i], 0, 0, 1, log);
		show_log(log, 100000);
		if (r != R_SAME)
			die("the counting run failed");
		printf("%s: %lu allocations; what the caller saw:\n%.*s", only,
		       sh->count, (int)sh->fp_len, sh->fp);
		failed = run_forked(&scenarios[i], strtoul(one, NULL, 10),
				    getenv("ALLOC_SWEEP_STICKY") &&
				    *getenv("ALLOC_SWEEP_STICKY") == '1', 0, log);
		show_log(log, 100000);
		printf("exit %d%s%s\n", failed, failed == R_FINDING ? ": " : "",
		       failed == R_FINDING ? sh->key : "");
		rm_rf(scratch);
		return failed == R_SAME || failed == R_ERROR ||
		       failed == R_TOLERATED ? 0 : 1;
	}
	printf("1..%zu\n", planned);
	for (i = 0; i < nr; i++) {
		if (only && strcmp(only, scenarios[i].name))
			continue;
		failed += sweep(&scenarios[i], ++no, log, full);
	}
	close(log);
	rm_rf(scratch);
	return failed ? 1 : 0;
}
