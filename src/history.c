/* SPDX-License-Identifier: MIT */
/*
 * history.c - durations of past runs, for the scheduler's LPT and for
 * CI shards.
 *
 * Two sources.  The history file ([history] path, docs/config.md) keeps
 * a few samples per test across runs: one line per test, sorted, each
 * sample stamped with its run, so that two copies of the file merge by
 * union (history_merge, `offload history merge` as a git merge driver)
 * and a run of one group or one shard adds to the file without removing
 * what other runs learned.  When there is no history file, the previous
 * JUnit report is read instead (history_load): offload wrote each test as
 * name = junit_escape(ID), classname = group; cases are indexed in a
 * small open-addressing hash table keyed by name, since suites have 100k
 * tests and a linear search per test would be quadratic.  A history that
 * cannot be read only costs the scheduling quality, so it is a warning,
 * never an error.
 *
 * This module estimates durations; it does not plan batches (scheduler.c)
 * or split shards (shard.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "history.h"
#include "junit.h"
#include "sandbox.h"

/* Slots hold index + 1 of a case; 0 is empty. */
struct case_index {
	size_t *slots;
	size_t mask;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int index_build(struct case_index *ix, const struct junit_case *cases,
		       size_t nr)
{
	size_t size = 16, i, j;

	while (size < nr * 2)
		size *= 2;
	ix->slots = calloc(size, sizeof(*ix->slots));
	if (!ix->slots)
		return OFFLOAD_ENOMEM;
	ix->mask = size - 1;
	for (i = 0; i < nr; i++) {
		j = hash_str(cases[i].name) & ix->mask;
		while (ix->slots[j])
			j = (j + 1) & ix->mask;
		ix->slots[j] = i + 1;
	}
	return 0;
}

/*
 * The case named `name`, preferring one whose classname is `classname`;
 * among several equal candidates the first in the file.  NULL if none.
 */
static const struct junit_case *index_find(const struct case_index *ix,
					   const struct junit_case *cases,
					   const char *name,
					   const char *classname)
{
	size_t j = hash_str(name) & ix->mask, k;
	size_t exact = SIZE_MAX, any = SIZE_MAX;

	for (; ix->slots[j]; j = (j + 1) & ix->mask) {
		k = ix->slots[j] - 1;
		if (strcmp(cases[k].name, name))
			continue;
		if (!strcmp(cases[k].classname, classname) && k < exact)
			exact = k;
		if (k < any)
			any = k;
	}
	if (exact != SIZE_MAX)
		return &cases[exact];
	return any != SIZE_MAX ? &cases[any] : NULL;
}

/*
 * offload writes tests that never ran as <error type="notRun"> with a
 * time of 0: that says nothing about how long they take.
 */
static int case_has_duration(const struct junit_case *c)
{
	return !(c->outcome == OFFLOAD_ATTEMPT_ERROR && c->message &&
		 !strncmp(c->message, "not run:", 8));
}

int history_load(const char *path, const struct offload_config *cfg,
		 const struct offload_test_list *tests, double *durations,
		 size_t *known, char **warning)
{
	struct offload_error err = { 0, "" };
	struct junit_case *cases = NULL;
	struct case_index ix = { NULL, 0 };
	const struct junit_case *c;
	char *name = NULL, *group = NULL;
	size_t nr = 0, i, g;
	struct stat st;
	int rc = 0;

	*known = 0;
	if (warning)
		*warning = NULL;
	for (i = 0; i < tests->nr; i++)
		durations[i] = -1;
	if (!path || (stat(path, &st) < 0 && errno == ENOENT))
		return 0;

	if (junit_read(path, -1, &cases, &nr, &err)) {
		if (err.code == OFFLOAD_ENOMEM) {
			rc = OFFLOAD_ENOMEM;
		} else if (warning) {
			size_t len = strlen(path) + strlen(err.msg) + 64;

			*warning = malloc(len);
			if (!*warning)
				rc = OFFLOAD_ENOMEM;
			else
				snprintf(*warning, len, "history '%s' unreadable: "
					 "%s; scheduling in discovery order", path,
					 err.msg);
		}
		goto cleanup;
	}
	if ((rc = index_build(&ix, cases, nr)))
		goto cleanup;
	for (i = 0; i < tests->nr; i++) {
		g = tests->group[i];
		name = junit_escape(tests->ids[i]);
		group = junit_escape(cfg && g < cfg->groups_nr &&
				     cfg->groups[g].name ?
				     cfg->groups[g].name : "");
		if (!name || !group) {
			rc = OFFLOAD_ENOMEM;
			goto cleanup;
		}
		c = index_find(&ix, cases, name, group);
		if (c && case_has_duration(c)) {
			durations[i] = c->secs;
			(*known)++;
		}
		free(name);
		free(group);
		name = group = NULL;
	}

cleanup:
	if (rc) {
		*known = 0;
		for (i = 0; i < tests->nr; i++)
			durations[i] = -1;
	}
	free(name);
	free(group);
	free(ix.slots);
	junit_cases_free(cases, nr);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The history file                                                    */

#define HEADER "offload-history\t1"

static void entry_release(struct hist_entry *e)
{
	free(e->key);
	free(e->s);
}

static void runs_release(struct hist_runs *r)
{
	free(r->group);
	free(r->stamps);
}

void history_release(struct history *h)
{
	for (size_t i = 0; i < h->nr; i++)
		entry_release(&h->e[i]);
	free(h->e);
	for (size_t i = 0; i < h->runs_nr; i++)
		runs_release(&h->runs[i]);
	free(h->runs);
	memset(h, 0, sizeof(*h));
}

/*
 * Escape one field: a backslash, tab, newline and carriage return as
 * \\ \t \n \r, other control bytes as \xHH; every other byte (UTF-8 or
 * not) as it is.  No escaped field holds a byte below 0x20, so the tab
 * between fields sorts before any field byte and a line's order is its
 * fields' order.
 */
static int escape_into(struct buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int r;

		switch (*p) {
		case '\\': r = buf_adds(b, "\\\\"); break;
		case '\t': r = buf_adds(b, "\\t"); break;
		case '\n': r = buf_adds(b, "\\n"); break;
		case '\r': r = buf_adds(b, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				r = buf_addf(b, "\\x%02x", *p);
			else
				r = buf_addch(b, (char)*p);
		}
		if (r)
			return r;
	}
	return 0;
}

char *history_key(const char *group, const char *id)
{
	struct buf b = BUF_INIT;

	if (escape_into(&b, group) || buf_addch(&b, '\t') ||
	    escape_into(&b, id)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/*
 * Unescape s[0..n) and escape it again into `out`: a hand-edited "\x41"
 * becomes "A", so that one test has one key.  -1 for a bad escape or a
 * raw control byte, OFFLOAD_ENOMEM.
 */
static int canon_field(struct buf *out, const char *s, size_t n)
{
	struct buf raw = BUF_INIT;
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			r = -1;
		} else if (c != '\\') {
			r = buf_addch(&raw, (char)c);
		} else if (++i == n) {
			r = -1;
		} else if (s[i] == '\\' || s[i] == 't' || s[i] == 'n' || s[i] == 'r') {
			r = buf_addch(&raw, s[i] == '\\' ? '\\' : s[i] == 't' ? '\t' :
				      s[i] == 'n' ? '\n' : '\r');
		} else if (s[i] == 'x' && i + 2 < n) {
			unsigned v = 0;

			for (size_t k = 1; k <= 2 && !r; k++) {
				char h = s[i + k];

				if (h >= '0' && h <= '9')
					v = v * 16 + (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					v = v * 16 + (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					v = v * 16 + (unsigned)(h - 'A' + 10);
				else
					r = -1;
			}
			if (!r && !v)
				r = -1;         /* IDs hold no NUL */
			if (!r)
				r = buf_addch(&raw, (char)v);
			i += 2;
		} else {
			r = -1;
		}
	}
	if (!r)
		r = escape_into(out, raw.buf);
	buf_release(&raw);
	return r;
}

/* A decimal integer s[0..n) >= 0; -1 if it is not one. */
static long long parse_ll(const char *s, size_t n)
{
	long long v = 0;

	if (!n || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "S[.mmm]" seconds (up to 3 decimals) into milliseconds; -1 if bad. */
static long long parse_ms(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	long long whole, frac = 0;
	size_t fn;

	if (!dot)
		return (whole = parse_ll(s, n)) < 0 ? -1 : whole * 1000;
	fn = n - (size_t)(dot - s) - 1;
	if ((whole = parse_ll(s, (size_t)(dot - s))) < 0 || !fn || fn > 3 ||
	    (frac = parse_ll(dot + 1, fn)) < 0)
		return -1;
	while (fn++ < 3)
		frac *= 10;
	return whole * 1000 + frac;
}

static int cmp_sample(const void *pa, const void *pb)
{
	const struct hist_sample *a = pa, *b = pb;

	if (a->stamp != b->stamp)
		return a->stamp > b->stamp ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->ms < b->ms ? -1 : a->ms > b->ms;
}

/* Sort newest first and drop duplicates. */
static void samples_normalize(struct hist_entry *e)
{
	size_t w = 0;

	if (e->nr > 1)
		qsort(e->s, e->nr, sizeof(*e->s), cmp_sample);
	for (size_t i = 0; i < e->nr; i++)
		if (!w || cmp_sample(&e->s[w - 1], &e->s[i]))
			e->s[w++] = e->s[i];
	e->nr = w;
}

static int cmp_ll_desc(const void *pa, const void *pb)
{
	long long a = *(const long long *)pa, b = *(const long long *)pb;

	return a > b ? -1 : a < b;
}

static void stamps_normalize(struct hist_runs *r)
{
	size_t w = 0;

	if (r->nr > 1)
		qsort(r->stamps, r->nr, sizeof(*r->stamps), cmp_ll_desc);
	for (size_t i = 0; i < r->nr; i++)
		if (!w || r->stamps[w - 1] != r->stamps[i])
			r->stamps[w++] = r->stamps[i];
	r->nr = w;
}

static int cmp_entry(const void *pa, const void *pb)
{
	return strcmp(((const struct hist_entry *)pa)->key,
		      ((const struct hist_entry *)pb)->key);
}

static int cmp_runs(const void *pa, const void *pb)
{
	return strcmp(((const struct hist_runs *)pa)->group,
		      ((const struct hist_runs *)pb)->group);
}

/* Append src's samples to dst's (dst then needs samples_normalize). */
static int samples_join(struct hist_entry *dst, const struct hist_entry *src)
{
	struct hist_sample *s;

	/* seen first: a test discovered but not run (another shard's, or
	 * one --fail-fast canceled) brings no sample, only that */
	if (src->seen > dst->seen)
		dst->seen = src->seen;
	if (!src->nr)
		return 0;
	s = realloc(dst->s, (dst->nr + src->nr) * sizeof(*s));
	if (!s)
		return OFFLOAD_ENOMEM;
	memcpy(s + dst->nr, src->s, src->nr * sizeof(*s));
	dst->s = s;
	dst->nr += src->nr;
	return 0;
}

static int stamps_join(struct hist_runs *dst, const struct hist_runs *src)
{
	long long *s;

	if (!src->nr)
		return 0;
	s = realloc(dst->stamps, (dst->nr + src->nr) * sizeof(*s));
	if (!s)
		return OFFLOAD_ENOMEM;
	memcpy(s + dst->nr, src->stamps, src->nr * sizeof(*s));
	dst->stamps = s;
	dst->nr += src->nr;
	return 0;
}

/*
 * Sort entries and runs, and fold entries with equal keys (and runs of
 * equal groups) into one.  Only fails for memory, and then leaves `h`
 * valid (possibly not folded).
 */
static int entries_grow(struct history *h, size_t more)
{
	if (h->nr + more > h->alloc) {
		size_t n = h->alloc ? h->alloc : 64;
		struct hist_entry *e;

		while (n < h->nr + more)
			n *= 2;
		e = realloc(h->e, n * sizeof(*e));
		if (!e)
			return OFFLOAD_ENOMEM;
		h->e = e;
		h->alloc = n;
	}
	return 0;
}

static int history_normalize(struct history *h)
{
	size_t w = 0, i;

	if (h->nr > 1)
		qsort(h->e, h->nr, sizeof(*h->e), cmp_entry);
	for (i = 0; i < h->nr; i++) {
		if (w && !strcmp(h->e[w - 1].key, h->e[i].key)) {
			if (samples_join(&h->e[w - 1], &h->e[i])) {
				/* [i, nr) untouched: close the gap, stay valid */
				memmove(&h->e[w], &h->e[i], (h->nr - i) * sizeof(*h->e));
				h->nr = w + h->nr - i;
				return OFFLOAD_ENOMEM;
			}
			entry_release(&h->e[i]);
			continue;
		}
		h->e[w++] = h->e[i];
	}
	h->nr = w;
	for (i = 0; i < h->nr; i++)
		samples_normalize(&h->e[i]);
	if (h->runs_nr > 1)
		qsort(h->runs, h->runs_nr, sizeof(*h->runs), cmp_runs);
	w = 0;
	for (i = 0; i < h->runs_nr; i++) {
		if (w && !strcmp(h->runs[w - 1].group, h->runs[i].group)) {
			if (stamps_join(&h->runs[w - 1], &h->runs[i])) {
				memmove(&h->runs[w], &h->runs[i],
					(h->runs_nr - i) * sizeof(*h->runs));
				h->runs_nr = w + h->runs_nr - i;
				return OFFLOAD_ENOMEM;
			}
			runs_release(&h->runs[i]);
			continue;
		}
		h->runs[w++] = h->runs[i];
	}
	h->runs_nr = w;
	for (i = 0; i < h->runs_nr; i++)
		stamps_normalize(&h->runs[i]);
	return 0;
}

/* Move everything of `add` into `h` (add is left empty), then fold. */
static int history_merge_take(struct history *h, struct history *add)
{
	struct hist_runs *r;

	if (entries_grow(h, add->nr))
		return OFFLOAD_ENOMEM;
	if (add->runs_nr) {
		r = realloc(h->runs, (h->runs_nr + add->runs_nr) * sizeof(*r));
		if (!r)
			return OFFLOAD_ENOMEM;
		h->runs = r;
		memcpy(h->runs + h->runs_nr, add->runs, add->runs_nr * sizeof(*r));
		h->runs_nr += add->runs_nr;
		add->runs_nr = 0;
	}
	if (add->nr)
		memcpy(h->e + h->nr, add->e, add->nr * sizeof(*h->e));
	h->nr += add->nr;
	add->nr = 0;
	return history_normalize(h);
}

static int runs_add(struct history *h, char *group, long long *stamps,
		    size_t nr)
{
	struct hist_runs *r = realloc(h->runs, (h->runs_nr + 1) * sizeof(*r));

	if (!r)
		return OFFLOAD_ENOMEM;
	h->runs = r;
	r[h->runs_nr].group = group;
	r[h->runs_nr].stamps = stamps;
	r[h->runs_nr].nr = nr;
	h->runs_nr++;
	return 0;
}

/* The next blank-separated word of [*p, end), or 0 at the end. */
static size_t next_word(const char **p, const char *end, const char **word)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*word = s;
	while (s < end && *s != ' ')
		s++;
	*p = s;
	return (size_t)(s - *word);
}

/* Split line[0..n) at tabs into at most `max` fields; returns the count. */
static size_t split_tabs(const char *line, size_t n, const char **f,
			 size_t *len, size_t max)
{
	size_t nf = 0;
	const char *s = line, *end = line + n;

	for (;;) {
		const char *t = memchr(s, '\t', (size_t)(end - s));

		if (nf == max)
			return max + 1;
		f[nf] = s;
		len[nf] = (size_t)((t ? t : end) - s);
		nf++;
		if (!t)
			return nf;
		s = t + 1;
	}
}

/* One line after the header; -1 malformed, OFFLOAD_ENOMEM. */
static int parse_line(struct history *h, const char *line, size_t n)
{
	const char *f[6], *p, *w;
	size_t len[6], nf = split_tabs(line, n, f, len, 5), wl;
	struct buf key = BUF_INIT;
	int r = -1;

	if (nf == 3 && len[0] == 3 && !memcmp(f[0], "run", 3)) {
		long long *st = NULL, v;
		size_t nr = 0;

		if (canon_field(&key, f[1], len[1]))
			goto out;
		for (p = f[2]; (wl = next_word(&p, f[2] + len[2], &w));) {
			long long *t;

			if ((v = parse_ll(w, wl)) < 0) {
				free(st);
				goto out;
			}
			if (!(t = realloc(st, (nr + 1) * sizeof(*t)))) {
				free(st);
				r = OFFLOAD_ENOMEM;
				goto out;
			}
			st = t;
			st[nr++] = v;
		}
		{
			char *g = buf_detach(&key);

			if (!g || (r = runs_add(h, g, st, nr))) {
				free(g);
				free(st);
				r = OFFLOAD_ENOMEM;
				goto out;
			}
		}
		return 0;
	}
	if (nf == 5 && len[0] == 4 && !memcmp(f[0], "test", 4)) {
		struct hist_entry e = { NULL, 0, NULL, 0 };
		int c;

		if ((c = canon_field(&key, f[1], len[1])) ||
		    (c = buf_addch(&key, '\t')) ||
		    (c = canon_field(&key, f[2], len[2]))) {
			r = c > 0 ? -1 : c;
			goto out;
		}
		if ((e.seen = parse_ll(f[3], len[3])) < 0)
			goto out;
		for (p = f[4]; (wl = next_word(&p, f[4] + len[4], &w));) {
			const char *colon = memchr(w, ':', wl);
			struct hist_sample smp, *t;

			if (!colon || (w[0] != HIST_PASS && w[0] != HIST_FAIL &&
				       w[0] != HIST_TIMEOUT && w[0] != HIST_SKIP) ||
			    (smp.stamp = parse_ll(w + 1, (size_t)(colon - w - 1))) < 0 ||
			    (smp.ms = parse_ms(colon + 1,
					       wl - (size_t)(colon - w) - 1)) < 0) {
				free(e.s);
				goto out;
			}
			smp.kind = w[0];
			if (!(t = realloc(e.s, (e.nr + 1) * sizeof(*t)))) {
				free(e.s);
				r = OFFLOAD_ENOMEM;
				goto out;
			}
			e.s = t;
			e.s[e.nr++] = smp;
		}
		if ((r = entries_grow(h, 1))) {
			free(e.s);
			goto out;
		}
		e.key = buf_detach(&key);
		if (!e.key) {
			free(e.s);
			r = OFFLOAD_ENOMEM;
			goto out;
		}
		h->e[h->nr++] = e;
		return 0;
	}
out:
	buf_release(&key);
	return r;
}

int history_read(struct history *h, const char *path,
		 struct offload_error *err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int r = 0;

	memset(h, 0, sizeof(*h));
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (r == OFFLOAD_ENOMEM || errno == ENOMEM)
			return err_set(err, OFFLOAD_ENOMEM, "out of memory");
		if (r == -ENOENT)
			return r;
		return err_set(err, r, "cannot read history '%s': %s", path,
			       strerror(-r));
	}
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n && line[n - 1] == '\n')
			n--;
		if (lineno == 1) {
			if ((size_t)n != strlen(HEADER) || memcmp(line, HEADER, (size_t)n)) {
				r = err_set(err, OFFLOAD_EPARSE,
					    "history '%s' line 1: not a history "
					    "file (no '%s' header)", path,
					    "offload-history 1");
				goto out;
			}
			continue;
		}
		if (!n || line[0] == '#')
			continue;
		if ((r = parse_line(h, line, (size_t)n))) {
			if (r == OFFLOAD_ENOMEM)
				err_set(err, r, "out of memory");
			else
				r = err_set(err, OFFLOAD_EPARSE,
					    "history '%s' line %zu: malformed line",
					    path, lineno);
			goto out;
		}
	}
	/* getline() also stops for memory: a history cut short would be
	 * written back cut short, so anything but the end is an error. */
	if (ferror(f) || !feof(f)) {
		int e = errno ? errno : EIO;

		r = e == ENOMEM ? err_set(err, OFFLOAD_ENOMEM, "out of memory") :
			err_set(err, -e, "cannot read history '%s': %s", path,
				strerror(e));
		goto out;
	}
	/* An empty file (made by hand with touch) is an empty history. */
	if ((r = history_normalize(h)))
		err_set(err, r, "out of memory");
out:
	free(line);
	fclose(f);
	if (r)
		history_release(h);
	return r;
}

static int ms_into(struct buf *b, long long ms)
{
	return buf_addf(b, "%lld.%03lld", ms / 1000, ms % 1000);
}

static int history_format(const struct history *h, struct buf *b)
{
	int r = buf_adds(b, HEADER "\n");

	for (size_t i = 0; i < h->runs_nr && !r; i++) {
		const struct hist_runs *rn = &h->runs[i];

		r = buf_addf(b, "run\t%s\t", rn->group);
		for (size_t k = 0; k < rn->nr && !r; k++)
			r = buf_addf(b, "%s%lld", k ? " " : "", rn->stamps[k]);
		r = r ? r : buf_addch(b, '\n');
	}
	for (size_t i = 0; i < h->nr && !r; i++) {
		const struct hist_entry *e = &h->e[i];

		r = buf_addf(b, "test\t%s\t%lld\t", e->key, e->seen);
		for (size_t k = 0; k < e->nr && !r; k++) {
			r = buf_addf(b, "%s%c%lld:", k ? " " : "", e->s[k].kind,
				     e->s[k].stamp);
			r = r ? r : ms_into(b, e->s[k].ms);
		}
		r = r ? r : buf_addch(b, '\n');
	}
	return r;
}

static int make_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int r;

	if (!slash || slash == path)
		return 0;
	if (!(dir = strndup(path, (size_t)(slash - path))))
		return OFFLOAD_ENOMEM;
	r = mkdir_p(dir);
	free(dir);
	return r;
}

int history_write(const struct history *h, const char *path,
		  struct offload_error *err)
{
	static atomic_uint counter;
	struct buf text = BUF_INIT, tmp = BUF_INIT;
	int fd = -1, r, saved;
	size_t off = 0;

	if ((r = history_format(h, &text)))
		return err_set(err, r, "out of memory");
	if ((r = make_parent(path))) {
		r = err_set(err, r, "cannot write history '%s': %s", path,
			    offload_strerror(r));
		goto out;
	}
	/* A name of our own beside `path` (two runs may record at once). */
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		buf_reset(&tmp);
		if (buf_addf(&tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
			     atomic_fetch_add(&counter, 1))) {
			r = err_set(err, OFFLOAD_ENOMEM, "out of memory");
			goto out;
		}
		fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		saved = errno;
		r = err_set(err, -saved, "cannot write history '%s': %s",
			    tmp.buf, strerror(saved));
		buf_reset(&tmp);	/* nothing to remove */
		goto out;
	}
	while (off < text.len) {
		ssize_t w = write(fd, text.buf + off, text.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			saved = w < 0 ? errno : EIO;
			r = err_set(err, -saved, "cannot write history '%s': %s",
				    tmp.buf, strerror(saved));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		saved = errno;
		fd = -1;
		r = err_set(err, -saved, "cannot write history '%s': %s",
			    tmp.buf, strerror(saved));
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0) {
		saved = errno;
		r = err_set(err, -saved, "cannot rename '%s' to '%s': %s",
			    tmp.buf, path, strerror(saved));
		goto out;
	}
	buf_reset(&tmp);
out:
	if (fd >= 0)
		close(fd);
	if (r && tmp.len)
		unlink(tmp.buf);
	buf_release(&tmp);
	buf_release(&text);
	return r;
}

int history_merge(struct history *h, const struct history *from)
{
	struct history add = HISTORY_INIT;
	size_t i;
	int r = OFFLOAD_ENOMEM;

	/* Copy first, so that running out of memory leaves `h` alone. */
	if (from->nr && !(add.e = calloc(from->nr, sizeof(*add.e))))
		goto out;
	add.alloc = from->nr;
	for (i = 0; i < from->nr; i++, add.nr++) {
		const struct hist_entry *s = &from->e[i];
		struct hist_entry *d = &add.e[i];

		d->seen = s->seen;
		if (!(d->key = strdup(s->key)))
			goto out;
		if (s->nr && !(d->s = malloc(s->nr * sizeof(*d->s)))) {
			free(d->key);
			goto out;
		}
		if (s->nr)
			memcpy(d->s, s->s, s->nr * sizeof(*d->s));
		d->nr = s->nr;
	}
	if (from->runs_nr && !(add.runs = calloc(from->runs_nr, sizeof(*add.runs))))
		goto out;
	for (i = 0; i < from->runs_nr; i++, add.runs_nr++) {
		const struct hist_runs *s = &from->runs[i];
		struct hist_runs *d = &add.runs[i];

		if (!(d->group = strdup(s->group)))
			goto out;
		if (s->nr && !(d->stamps = malloc(s->nr * sizeof(*d->stamps)))) {
			free(d->group);
			goto out;
		}
		if (s->nr)
			memcpy(d->stamps, s->stamps, s->nr * sizeof(*d->stamps));
		d->nr = s->nr;
	}
	r = history_merge_take(h, &add);
out:
	history_release(&add);
	return r;
}

static const struct hist_runs *runs_find(const struct history *h,
					 const char *group, size_t len)
{
	size_t lo = 0, hi = h->runs_nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *g = h->runs[mid].group;
		int c = strncmp(g, group, len);

		if (!c)
			c = g[len] ? 1 : 0;
		if (!c)
			return &h->runs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void history_bound(struct history *h, unsigned samples, unsigned forget)
{
	size_t w = 0;

	if (!samples)
		samples = HISTORY_SAMPLES_DEFAULT;
	if (!forget)
		forget = HISTORY_FORGET_DEFAULT;
	for (size_t i = 0; i < h->runs_nr; i++)
		if (h->runs[i].nr > forget)
			h->runs[i].nr = forget;
	for (size_t i = 0; i < h->nr; i++) {
		struct hist_entry *e = &h->e[i];
		const char *tab = strchr(e->key, '\t');
		const struct hist_runs *r = runs_find(h, e->key,
						      (size_t)(tab - e->key));
		unsigned count[4] = { 0, 0, 0, 0 };
		size_t k, ws = 0;

		/* Its group ran `forget` times since it was last seen. */
		if (r && r->nr >= forget && r->stamps[forget - 1] > e->seen) {
			entry_release(e);
			continue;
		}
		for (k = 0; k < e->nr; k++) {
			char kind = e->s[k].kind;
			unsigned *c = &count[kind == HIST_PASS ? 0 : kind == HIST_FAIL ?
					     1 : kind == HIST_TIMEOUT ? 2 : 3];

			if (*c < samples) {
				(*c)++;
				e->s[ws++] = e->s[k];
			}
		}
		e->nr = ws;
		h->e[w++] = *e;
	}
	h->nr = w;
}

/* The kind of sample an attempt is, or 0 when it says nothing. */
static char attempt_kind(const struct offload_attempt *a)
{
	const char *m = a->message ? a->message : "";

	if (!(a->secs >= 0) || !strncmp(m, "not run", 7) ||
	    !strncmp(m, "not reached", 11))
		return 0;
	switch (a->outcome) {
	case OFFLOAD_ATTEMPT_PASSED: return HIST_PASS;
	case OFFLOAD_ATTEMPT_SKIPPED: return HIST_SKIP;
	case OFFLOAD_ATTEMPT_FAILED:
	case OFFLOAD_ATTEMPT_ERROR:
		return strstr(m, "timed out") ? HIST_TIMEOUT : HIST_FAIL;
	}
	return 0;
}

static const char *group_name_of(const struct offload_config *cfg, size_t g)
{
	return cfg && g < cfg->groups_nr && cfg->groups[g].name ?
		cfg->groups[g].name : "";
}

int history_add_report(struct history *h, const struct offload_config *cfg,
		       const struct offload_report *rep,
		       const struct offload_test_list *others,
		       const unsigned char *group_ran, long long stamp)
{
	struct history run = HISTORY_INIT;
	size_t more = others ? others->nr : 0;
	int r = OFFLOAD_ENOMEM;

	if (rep->nr + more && !(run.e = calloc(rep->nr + more, sizeof(*run.e))))
		goto out;
	run.alloc = rep->nr + more;
	for (size_t i = 0; i < more; i++) {
		run.e[run.nr].seen = stamp;
		if (!(run.e[run.nr].key = history_key(group_name_of(cfg, others->group[i]),
						      others->ids[i])))
			goto out;
		run.nr++;
	}
	for (size_t i = 0; i < rep->nr; i++) {
		const struct offload_result *res = &rep->results[i];
		struct hist_entry *e = &run.e[run.nr];

		/* the run's own tests, after the others' entries */

		if (!(e->key = history_key(group_name_of(cfg, res->group), res->id)))
			goto out;
		run.nr++;
		e->seen = stamp;
		if (res->attempts_nr &&
		    !(e->s = malloc(res->attempts_nr * sizeof(*e->s))))
			goto out;
		for (size_t k = 0; k < res->attempts_nr; k++) {
			const struct offload_attempt *a = &res->attempts[k];
			char kind = attempt_kind(a);
			double ms = a->secs * 1000 + 0.5;

			if (!kind)
				continue;
			e->s[e->nr].stamp = stamp;
			e->s[e->nr].kind = kind;
			e->s[e->nr].ms = ms < 1e15 ? (long long)ms : (long long)1e15;
			e->nr++;
		}
	}
	for (size_t g = 0; cfg && group_ran && g < cfg->groups_nr; g++) {
		struct buf name = BUF_INIT;
		long long *st;

		if (!group_ran[g])
			continue;
		if (escape_into(&name, group_name_of(cfg, g)) ||
		    !(st = malloc(sizeof(*st)))) {
			buf_release(&name);
			goto out;
		}
		*st = stamp;
		{
			char *gname = buf_detach(&name);

			if (!gname || runs_add(&run, gname, st, 1)) {
				free(gname);
				free(st);
				goto out;
			}
		}
	}
	if ((r = history_normalize(&run)))
		goto out;
	r = history_merge_take(h, &run);
out:
	history_release(&run);
	return r;
}

struct weighted {
	long long ms;
	double w;
};

static int cmp_weighted(const void *pa, const void *pb)
{
	const struct weighted *a = pa, *b = pb;

	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	return a->w > b->w ? -1 : a->w < b->w;
}

/*
 * The estimate from the samples of `kind` (newest first), or -1: their
 * median weighted by recency, then the recency-weighted mean of the
 * samples within a factor 2 of it.  The median drops outliers (a run on
 * a busy machine, a hung network); the mean then averages the ordinary
 * noise of the rest, which a median alone keeps (tests/bench/shards.sh
 * measured both).
 */
static double estimate_of(const struct hist_entry *e, char kind)
{
	struct weighted v[64];
	double weight = 1, total = 0, acc = 0, sum = 0, wsum = 0;
	long long mid = -1;
	size_t n = 0;

	for (size_t k = 0; k < e->nr && n < 64; k++) {
		if (e->s[k].kind != kind)
			continue;
		v[n].ms = e->s[k].ms;
		v[n].w = weight;
		total += weight;
		weight *= 0.7;
		n++;
	}
	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), cmp_weighted);
	for (size_t k = 0; k < n && mid < 0; k++) {
		acc += v[k].w;
		if (acc >= total / 2)
			mid = v[k].ms;
	}
	if (mid < 0)
		mid = v[n - 1].ms;
	for (size_t k = 0; k < n; k++)
		if (v[k].ms * 2 >= mid && v[k].ms <= mid * 2) {
			sum += (double)v[k].ms * v[k].w;
			wsum += v[k].w;
		}
	return sum / wsum / 1000;
}

double history_estimate(const struct hist_entry *e)
{
	double d;
	long long most = -1;

	if ((d = estimate_of(e, HIST_PASS)) >= 0 ||
	    (d = estimate_of(e, HIST_FAIL)) >= 0 ||
	    (d = estimate_of(e, HIST_SKIP)) >= 0)
		return d;
	for (size_t k = 0; k < e->nr; k++)
		if (e->s[k].kind == HIST_TIMEOUT && e->s[k].ms > most)
			most = e->s[k].ms;
	return most < 0 ? -1 : (double)most / 1000;
}

static const struct hist_entry *entry_find(const struct history *h,
					   const char *key)
{
	struct hist_entry k = { (char *)key, 0, NULL, 0 };

	return h->nr ? bsearch(&k, h->e, h->nr, sizeof(*h->e), cmp_entry) : NULL;
}

int history_durations(const struct history *h,
		      const struct offload_config *cfg,
		      const struct offload_test_list *tests,
		      double *durations, size_t *known)
{
	*known = 0;
	for (size_t i = 0; i < tests->nr; i++) {
		char *key = history_key(group_name_of(cfg, tests->group[i]),
					tests->ids[i]);
		const struct hist_entry *e;

		if (!key) {
			*known = 0;
			return OFFLOAD_ENOMEM;
		}
		e = entry_find(h, key);
		free(key);
		durations[i] = e ? history_estimate(e) : -1;
		if (durations[i] >= 0)
			(*known)++;
	}
	return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

int history_fill_unknown(const struct offload_config *cfg,
			 const struct offload_test_list *tests,
			 double *durations)
{
	double *v = malloc((tests->nr + 1) * sizeof(*v));
	size_t groups = cfg ? cfg->groups_nr : 0;

	if (!v)
		return OFFLOAD_ENOMEM;
	/* One pass per group that has tests: groups are few. */
	for (size_t g = 0; g < groups; g++) {
		size_t n = 0, unknown = 0;
		double typical;

		for (size_t i = 0; i < tests->nr; i++) {
			if (tests->group[i] != g)
				continue;
			if (durations[i] >= 0)
				v[n++] = durations[i];
			else
				unknown++;
		}
		if (!n || !unknown)
			continue;
		qsort(v, n, sizeof(*v), cmp_double);
		typical = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
		for (size_t i = 0; i < tests->nr; i++)
			if (tests->group[i] == g && durations[i] < 0)
				durations[i] = typical;
	}
	free(v);
	return 0;
}

/* An exclusive lock on the directory of `path` (created), or -errno. */
static int lock_dir_of(const char *path, int *fdp, struct offload_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) :
		strdup(".");
	int fd, r;

	*fdp = -1;
	if (!dir)
		return err_set(err, OFFLOAD_ENOMEM, "out of memory");
	if ((r = mkdir_p(dir))) {
		r = err_set(err, r, "cannot create '%s': %s", dir, offload_strerror(r));
		free(dir);
		return r;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		r = err_set(err, -errno, "cannot lock '%s': %s", dir,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		free(dir);
		return r;
	}
	free(dir);
	*fdp = fd;
	return 0;
}

int history_record(const char *path, const struct offload_config *cfg,
		   const struct offload_report *rep,
		   const struct offload_test_list *others,
		   const unsigned char *group_ran, long long stamp,
		   struct offload_error *err)
{
	struct history h = HISTORY_INIT;
	int fd, r;

	if ((r = lock_dir_of(path, &fd, err)))
		return r;
	r = history_read(&h, path, err);
	if (r == -ENOENT)
		r = 0;
	if (r)
		goto out;
	if ((r = history_add_report(&h, cfg, rep, others, group_ran, stamp))) {
		err_set(err, r, "out of memory");
		goto out;
	}
	history_bound(&h, cfg->history_samples, cfg->history_forget);
	r = history_write(&h, path, err);
out:
	history_release(&h);
	close(fd);	/* and the lock with it */
	return r;
}

int offload_history_merge(const char *out, const char *const *inputs,
			  size_t n, unsigned samples, unsigned forget,
			  struct offload_error *err)
{
	struct history all = HISTORY_INIT, one;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		if ((r = history_read(&one, inputs[i], err))) {
			if (r == -ENOENT)
				err_set(err, r, "cannot read history '%s': %s",
					inputs[i], strerror(ENOENT));
			goto out;
		}
		r = history_merge_take(&all, &one);
		history_release(&one);
		if (r) {
			err_set(err, r, "out of memory");
			goto out;
		}
	}
	history_bound(&all, samples, forget);
	r = history_write(&all, out, err);
out:
	history_release(&all);
	return r;
}

int history_estimates(const struct offload_config *cfg,
		      const struct offload_test_list *tests, double *durations,
		      size_t *known, int *writable, char **warning)
{
	struct offload_error err = { 0, "" };
	struct history h = HISTORY_INIT;
	const char *path = cfg->history_path;
	int r;

	*known = 0;
	*writable = 0;
	*warning = NULL;
	for (size_t i = 0; i < tests->nr; i++)
		durations[i] = -1;
	if (!path)
		return 0;
	r = history_read(&h, path, &err);
	if (r == -ENOENT) {
		/* No history yet: the previous report, if any. */
		*writable = 1;
		if (!cfg->junit_file)
			return 0;
		return history_load(cfg->junit_file, cfg, tests, durations,
				    known, warning);
	}
	if (r == OFFLOAD_ENOMEM)
		return r;
	if (r == OFFLOAD_EPARSE) {
		FILE *f = fopen(path, "re");
		int c = ' ';

		if (!f && errno == ENOMEM)
			return OFFLOAD_ENOMEM;
		/* A JUnit file named as the history (as before history
		 * files): read it, and never write over it. */
		while (f && (c = fgetc(f)) != EOF && (c == ' ' || c == '\t' ||
						      c == '\n' || c == '\r'))
			;
		if (f)
			fclose(f);
		if (c == '<')
			return history_load(path, cfg, tests, durations, known,
					    warning);
	}
	if (r) {
		size_t len = strlen(err.msg) + 64;

		if (!(*warning = malloc(len)))
			return OFFLOAD_ENOMEM;
		snprintf(*warning, len, "%s; scheduling in discovery order, not "
			 "recording", err.msg);
		return 0;
	}
	*writable = 1;
	r = history_durations(&h, cfg, tests, durations, known);
	history_release(&h);
	return r;
}
