/* SPDX-License-Identifier: MIT */
/* misc.c - `offload collect`, `validate`, `init` and `logs`. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

/* JSON string: UTF-8 passes, control characters as \u00XX; offload's IDs
 * may hold invalid UTF-8, written as the text "\xNN" (as in JUnit). */
static void put_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		size_t n = 0;
		unsigned char c = *p;

		if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			p++;
			continue;
		}
		if (c < 0x80)
			n = 1;
		else if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		for (size_t k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				n = 0;
		if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f)))
			n = 0;
		if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f)))
			n = 0;
		if (!n) {
			fprintf(out, "\\\\x%02x", c);
			p++;
			continue;
		}
		fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

int cmd_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "group", required_argument, NULL, 'g' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "offload.ini", *group = NULL, *format = "text";
	struct offload_config *cfg;
	struct offload_test_list list = { 0 };
	struct offload_error err = { 0 };
	int c, ret;

	while ((c = getopt_long(argc, argv, "c:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'g': group = optarg; break;
		case 'f': format = optarg; break;
		case 'h':
			puts("usage: offload collect [-c FILE] [-g GROUP] [--format text|json]\n"
			     "  list the tests that would run\n"
			     "  -c, --config FILE    configuration file (default: offload.ini)\n"
			     "  -g, --group GROUP    only this group's tests\n"
			     "      --format text|json\n"
			     "                       text: one ID per line, control bytes shown as \\xNN\n"
			     "                       json: [{\"id\": ..., \"group\": ...}], exact\n"
			     "  -h, --help           this text");
			return 0;
		default: return OFFLOAD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return OFFLOAD_EXIT_USAGE;
	}
	if (strcmp(format, "text") && strcmp(format, "json")) {
		cli_error("unknown format '%s' (expected text or json)", format);
		return OFFLOAD_EXIT_USAGE;
	}
	if ((ret = cli_load_config(&cfg, config)))
		return ret;
	ret = offload_discover(cfg, group, &list, &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		offload_config_free(cfg);
		return ret == OFFLOAD_EDISCOVER ? OFFLOAD_EXIT_FAILED : OFFLOAD_EXIT_USAGE;
	}
	if (!strcmp(format, "json"))
		putchar('[');
	for (size_t i = 0; i < list.nr; i++) {
		if (!strcmp(format, "json")) {
			printf("%s\n  {\"id\": ", i ? "," : "");
			put_json_string(stdout, list.ids[i]);
			printf(", \"group\": ");
			put_json_string(stdout,
					offload_config_group_name(cfg, list.group[i]));
			putchar('}');
		} else {
			cli_put_id(stdout, list.ids[i]);
			putchar('\n');
		}
	}
	if (!strcmp(format, "json"))
		puts("\n]");
	offload_test_list_release(&list);
	offload_config_free(cfg);
	return 0;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "offload.ini";
	struct offload_config *cfg;
	int c, ret;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h':
			puts("usage: offload validate [-c FILE]\n"
			     "  check the configuration; print the effective settings\n"
			     "  ([framework]: the chosen framework's keys, and any other the file sets)\n"
			     "  -c, --config FILE    configuration file (default: offload.ini)\n"
			     "  -h, --help           this text");
			return 0;
		default: return OFFLOAD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return OFFLOAD_EXIT_USAGE;
	}
	if ((ret = cli_load_config(&cfg, config)))
		return ret;
	offload_config_dump(cfg, stdout);
	offload_config_free(cfg);
	return 0;
}

/* Whether `fw` is a framework offload has; if not, say which it has. */
static int known_framework(const char *fw)
{
	char names[256];
	size_t len = 0;

	names[0] = '\0';
	for (size_t i = 0; offload_framework_name(i); i++) {
		if (!strcmp(fw, offload_framework_name(i)))
			return 1;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s%s", i ? ", " : "",
						offload_framework_name(i));
	}
	cli_error("unknown framework '%s' (expected one of %s)", fw, names);
	return 0;
}

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "framework", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "offload.ini", *fw = "pytest";
	FILE *out;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': fw = optarg; break;
		case 'h':
			fputs("usage: offload init [-c FILE] [--framework ", stdout);
			for (size_t i = 0; offload_framework_name(i); i++)
				printf("%s%s", i ? "|" : "", offload_framework_name(i));
			puts("]\n  write a starter configuration; never overwrites a file\n"
			     "  -c, --config FILE    where to write it (default: offload.ini)\n"
			     "  -f, --framework NAME the framework (default: pytest)\n"
			     "  -h, --help           this text");
			return 0;
		default: return OFFLOAD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return OFFLOAD_EXIT_USAGE;
	}
	/* before creating the file, so that the error names the real problem */
	if (!known_framework(fw))
		return OFFLOAD_EXIT_USAGE;
	fd = open(config, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_error("cannot create '%s': %s%s", config, strerror(errno),
			  errno == EEXIST ? " (not overwriting it)" : "");
		return OFFLOAD_EXIT_USAGE;
	}
	out = fdopen(fd, "w");
	ret = out ? offload_config_template(fw, out) : -errno;
	if (out && fclose(out) && !ret)
		ret = -errno;
	if (ret) {
		unlink(config);
		cli_error("cannot write '%s': %s", config, offload_strerror(ret));
		return OFFLOAD_EXIT_USAGE;
	}
	printf("wrote %s (framework %s); check it with 'offload validate -c %s'\n",
	       config, fw, config);
	return 0;
}

/*
 * The batch logs that `offload logs` names, checked: a directory that is
 * gone is said once, a missing file of one that is there each time.
 */
struct logs_check {
	const char *report;       /* the JUnit file read */
	const char **gone;        /* directories said to be gone (borrowed) */
	size_t gone_nr, gone_alloc;
	int missing;              /* something named is not there */
};

static void check_batch_log(struct logs_check *lc, const char *dir,
			    unsigned batch)
{
	struct stat st;
	char *path;
	size_t n;
	int bad;

	for (size_t i = 0; i < lc->gone_nr; i++)
		if (!strcmp(lc->gone[i], dir))
			return;
	bad = stat(dir, &st) < 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (bad) {
		cli_error("batch logs '%s' of report '%s': %s", dir, lc->report,
			  strerror(bad));
		lc->missing = 1;
		if (lc->gone_nr == lc->gone_alloc) {
			const char **g;

			n = lc->gone_alloc ? 2 * lc->gone_alloc : 8;
			if (!(g = realloc(lc->gone, n * sizeof(*g))))
				return;         /* said again, that is all */
			lc->gone = g;
			lc->gone_alloc = n;
		}
		lc->gone[lc->gone_nr++] = dir;
		return;
	}
	n = strlen(dir) + sizeof("/batch-.stdout") + 3 * sizeof(batch);
	if (!(path = malloc(n)))
		return;
	snprintf(path, n, "%s/batch-%u.stdout", dir, batch);
	if (stat(path, &st) < 0) {
		cli_error("batch log '%s': %s", path, strerror(errno));
		lc->missing = 1;
	}
	free(path);
}

/*
 * "  attempt 1: failed in 0.20 s on sandbox 3, batch 4 (DIR/batch-4.*)"
 * per attempt, in the order they ended (the numbers the headers of
 * flakyFailure and rerunFailure use); DIR is where the report says its
 * run wrote the batch logs, or "logs" when it does not say (an older
 * offload's report).
 */
static void put_attempts(const struct offload_result *r, const char *dir,
			 struct logs_check *lc)
{
	static const char *const outcome[] = { "passed", "failed", "error", "skipped" };
	size_t i;

	/* Without a sandbox or batch anywhere, offload_report_load guessed
	 * them (another runner's report): no numbers to agree with. */
	for (i = 0; i < r->attempts_nr; i++)
		if (r->attempts[i].sandbox != UINT_MAX ||
		    r->attempts[i].batch != UINT_MAX)
			break;
	if (i == r->attempts_nr)
		return;
	for (i = 0; i < r->attempts_nr; i++) {
		const struct offload_attempt *a = &r->attempts[i];

		printf("  attempt %zu: %s in %.2f s", i + 1,
		       (unsigned)a->outcome < 4 ? outcome[a->outcome] : "?", a->secs);
		if (a->sandbox != UINT_MAX)
			printf(" on sandbox %u", a->sandbox);
		if (a->batch != UINT_MAX) {
			printf(", batch %u (", a->batch);
			cli_put_id(stdout, dir ? dir : "logs");
			printf("/batch-%u.*)", a->batch);
			if (dir)
				check_batch_log(lc, dir, a->batch);
		}
		putchar('\n');
	}
}

/* `offload report FILE.xml [-o OUT.html]` */
int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char report_usage[] =
		"usage: offload report JUNIT.xml [-o OUT.html]\n"
		"  write the HTML report of a JUnit file (offload's or any\n"
		"  runner's): counts, failures with their output, flaky tests,\n"
		"  tests not run, the slowest, and the sandbox timeline when the\n"
		"  file records offload's batches.  One self-contained page.\n"
		"  -o, --output FILE  where (default: report.html beside JUNIT)\n";
	struct offload_error err = { 0 };
	const char *out = NULL;
	char *def = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': fputs(report_usage, stdout); return 0;
		default: fputs(report_usage, stderr); return OFFLOAD_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_error(optind < argc ? "report: one JUnit file, not several" :
			  "report: which JUnit file?");
		fputs(report_usage, stderr);
		return OFFLOAD_EXIT_USAGE;
	}
	if (out && !*out) {
		cli_error("report: empty --output path");
		return OFFLOAD_EXIT_USAGE;
	}
	if (!out) {
		const char *in = argv[optind], *slash = strrchr(in, '/');
		size_t dir = slash ? (size_t)(slash - in) + 1 : 0;

		if (!(def = malloc(dir + sizeof("report.html")))) {
			cli_error("out of memory");
			return OFFLOAD_EXIT_INTERNAL;
		}
		memcpy(def, in, dir);
		strcpy(def + dir, "report.html");
		out = def;
	}
	ret = offload_report_html(argv[optind], out, &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		ret = ret == OFFLOAD_EPARSE ? OFFLOAD_EXIT_USAGE : OFFLOAD_EXIT_INTERNAL;
	} else {
		printf("HTML report: %s\n", out);
	}
	free(def);
	return ret;
}

int cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "failures", no_argument, NULL, 'f' },
		{ "flaky", no_argument, NULL, 'k' },
		{ "grep", required_argument, NULL, 'G' },
		{ "test", required_argument, NULL, 't' },
		{ "test-regex", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "offload.ini", *only = NULL, *re_text = NULL, *file = NULL;
	const char *grep_text = NULL;
	char *junit_file = NULL;
	struct offload_config *cfg = NULL;
	struct offload_logged_case *cases = NULL;
	struct offload_report rep = { 0 };
	struct logs_check lc = { 0 };
	char here[256], **dirs = NULL;
	struct offload_error err = { 0 };
	size_t nr = 0, shown = 0, dirs_nr = 0;
	int c, ret, failures = 0, flaky = 0, grep_ok = 0;
	regex_t re, grep_re;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': failures = 1; break;
		case 'k': flaky = 1; break;
		case 'G': grep_text = optarg; break;
		case 't': only = optarg; break;
		case 'r': re_text = optarg; break;
		case 'F': file = optarg; break;
		case 'h':
			puts("usage: offload logs [-c FILE] [--failures] [--flaky] [--test ID]\n"
			     "                   [--test-regex RE] [--grep RE] [--file JUNIT]\n"
			     "  print each test's output from the last report with a\n"
			     "  '=== ID [STATUS] ===' banner and a line per attempt\n"
			     "  (outcome, duration, sandbox, batch and its logs, DIR/batch-N.*,\n"
			     "  where the run wrote them; exit 1 when they are gone)\n"
			     "  --failures     only failed, errored and not-run tests\n"
			     "  --flaky        only flaky tests\n"
			     "  --test ID      only the test ID (as the report writes it)\n"
			     "  --test-regex RE  only tests whose ID matches RE (POSIX ERE)\n"
			     "  --grep RE      only tests whose ID or output has a line matching RE\n"
			     "  --file JUNIT   read JUNIT instead of the configured report");
			return 0;
		default: return OFFLOAD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return OFFLOAD_EXIT_USAGE;
	}
	if (re_text && (ret = regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB))) {
		char msg[256];

		regerror(ret, &re, msg, sizeof(msg));
		cli_error("bad --test-regex '%s': %s", re_text, msg);
		return OFFLOAD_EXIT_USAGE;
	}
	if (grep_text &&
	    (ret = regcomp(&grep_re, grep_text, REG_EXTENDED | REG_NOSUB | REG_NEWLINE))) {
		char msg[256];

		regerror(ret, &grep_re, msg, sizeof(msg));
		cli_error("bad --grep '%s': %s", grep_text, msg);
		ret = OFFLOAD_EXIT_USAGE;
		goto out_re;
	}
	grep_ok = grep_text != NULL;
	if (!file) {
		if ((ret = cli_load_config(&cfg, config)))
			goto out_re;
		ret = offload_config_get(cfg, "report.junit_file", &junit_file,
					 &err);
		offload_config_free(cfg);
		if (ret) {
			cli_error("%s", err.msg);
			ret = OFFLOAD_EXIT_INTERNAL;
			goto out_re;
		}
		file = junit_file;
	}
	ret = offload_report_read(file, &cases, &nr, &err);
	if (ret) {
		cli_error("%s", err.msg[0] ? err.msg : offload_strerror(ret));
		ret = OFFLOAD_EXIT_USAGE;
		goto out;
	}
	/* The attempts (sandbox, batch, duration): the same file read as a
	 * report, case for case; without it the banner stands alone. */
	if (offload_report_load(file, &rep, &err) || rep.nr != nr)
		offload_report_release(&rep);
	/* Where each case's run wrote its batch logs (each suite of a
	 * merged report says it for its own run). */
	if (rep.nr && (offload_report_log_dirs(file, &dirs, &dirs_nr, &err) ||
		       dirs_nr != nr)) {
		for (size_t i = 0; i < dirs_nr; i++)
			free(dirs[i]);
		free(dirs);
		dirs = NULL;
		dirs_nr = 0;
	}
	lc.report = file;
	if (gethostname(here, sizeof(here)) < 0)
		here[0] = '\0';
	here[sizeof(here) - 1] = '\0';
	for (size_t i = 0; i < nr; i++) {
		const struct offload_logged_case *k = &cases[i];

		if (failures && !strcmp(k->status, "passed"))
			continue;
		if (failures && !strcmp(k->status, "skipped"))
			continue;
		if (only && strcmp(k->name, only))
			continue;
		if (re_text && regexec(&re, k->name, 0, NULL, 0))
			continue;
		if (flaky && strcmp(k->status, "flaky"))
			continue;
		if (grep_text && regexec(&grep_re, k->name, 0, NULL, 0) &&
		    (!k->text || regexec(&grep_re, k->text, 0, NULL, 0)))
			continue;
		fputs("=== ", stdout);
		cli_put_id(stdout, k->name);
		printf(" [%s]", k->status);
		/* where it ran, when that was not here */
		if (k->host && strcmp(k->host, here))
			printf(" on %s", k->host);
		fputs(" ===\n", stdout);
		if (i < rep.nr && !strcmp(rep.results[i].id, k->name))
			put_attempts(&rep.results[i], dirs ? dirs[i] : NULL, &lc);
		if (k->text && *k->text)
			printf("%s%s", k->text,
			       k->text[strlen(k->text) - 1] == '\n' ? "" : "\n");
		shown++;
	}
	if (!shown && (only || re_text || grep_text))
		cli_error("no test in '%s' matches", file);
	ret = (shown || !(only || re_text || grep_text)) && !lc.missing ?
	      0 : OFFLOAD_EXIT_FAILED;
out:
	offload_logged_cases_free(cases, nr);
	offload_report_release(&rep);
	for (size_t i = 0; i < dirs_nr; i++)
		free(dirs[i]);
	free(dirs);
	free(lc.gone);
out_re:
	free(junit_file);
	if (re_text)
		regfree(&re);
	if (grep_ok)
		regfree(&grep_re);
	return ret;
}
