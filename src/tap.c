/* SPDX-License-Identifier: MIT */
/*
 * tap.c - the TAP reader (tap.h).  It follows Perl's TAP::Parser, which
 * `prove` uses, line by line: a version line ("TAP version 13") only
 * first, a plan ("1..N", "1..0 # SKIP why") first or last, test lines
 * ("ok"/"not ok", an optional number, a description, "# SKIP"/"# TODO"
 * directives, case-insensitive), "Bail out!", comments, YAML blocks
 * indented under a test line; anything else (program output, indented
 * subtests, pragmas) is ignored, as prove ignores it.  It does not run
 * anything nor decide outcomes: framework_tap.c does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "offload.h"
#include "tap.h"

void tap_stream_release(struct tap_stream *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		free(s->points[i].description);
		free(s->points[i].reason);
		free(s->points[i].diag);
	}
	free(s->points);
	free(s->skip_reason);
	free(s->bail);
	if (s->errors.v)
		strvec_clear(&s->errors);
	memset(s, 0, sizeof(*s));
	s->planned = -1;
}

size_t tap_failed(const struct tap_stream *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nr; i++)
		n += !s->points[i].ok && s->points[i].directive != TAP_TODO;
	return n;
}

/* A copy of [s, s+n) without the blanks at either end. */
static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int word_at(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	return n >= k && !strncasecmp(s, w, k);
}

/* Is s[0..n) blank? */
static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "   ---" and "   ...": a YAML block's fences, indented. */
static int fence(const char *s, size_t n, const char *f)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i > 0 && n - i >= 3 && !memcmp(s + i, f, 3) &&
		blank(s + i + 3, n - i - 3);
}

/*
 * The text after "ok N": description, then "# SKIP why" or "# TODO why"
 * at the first unescaped '#' that starts a directive (TAP::Parser's
 * /^([^\\#]*(?:\\.[^\\#]*)*)#\s*(SKIP|TODO)\b\s*(.*)$/i); a '#' that does
 * not is part of the description.
 */
static int parse_rest(const char *s, size_t n, struct tap_point *p)
{
	size_t i = 0, dend = n;
	struct buf d = BUF_INIT;

	p->directive = TAP_NONE;
	while (i < n) {
		if (s[i] == '\\' && i + 1 < n) {
			i += 2;
			continue;
		}
		if (s[i] == '#') {
			size_t j = i + 1;

			while (j < n && isspace((unsigned char)s[j]))
				j++;
			if ((word_at(s + j, n - j, "skip") ||
			     word_at(s + j, n - j, "todo")) &&
			    (j + 4 == n || !(isalnum((unsigned char)s[j + 4]) ||
					     s[j + 4] == '_'))) {
				p->directive = tolower((unsigned char)s[j]) == 's' ?
					TAP_SKIP : TAP_TODO;
				dend = i;
				p->reason = trimmed(s + j + 4, n - j - 4);
				if (!p->reason)
					return OFFLOAD_ENOMEM;
			}
			/* only the first unescaped '#' can start one */
			break;
		}
		i++;
	}
	if (!p->reason && !(p->reason = strdup("")))
		return OFFLOAD_ENOMEM;
	/* "- description": the dash is TAP's separator, not the name */
	i = 0;
	while (i < dend && isspace((unsigned char)s[i]))
		i++;
	if (i < dend && s[i] == '-')
		i++;
	for (; i < dend; i++) {
		if (s[i] == '\\' && i + 1 < dend && (s[i + 1] == '#' || s[i + 1] == '\\'))
			i++;
		if (buf_addch(&d, s[i])) {
			buf_release(&d);
			return OFFLOAD_ENOMEM;
		}
	}
	p->description = trimmed(d.buf, d.len);
	buf_release(&d);
	return p->description ? 0 : OFFLOAD_ENOMEM;
}

static int add_error(struct tap_stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int add_error(struct tap_stream *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return strvec_push(&s->errors, msg);
}

/* Append line [l, l+n) to the diagnostics of the last point. */
static int add_diag(struct tap_stream *s, const char *l, size_t n)
{
	struct tap_point *p = &s->points[s->nr - 1];
	size_t had = p->diag ? strlen(p->diag) : 0;
	char *d = realloc(p->diag, had + n + 2);

	if (!d)
		return OFFLOAD_ENOMEM;
	memcpy(d + had, l, n);
	d[had + n] = '\n';
	d[had + n + 1] = '\0';
	p->diag = d;
	return 0;
}

/* Digits at s[0..n) as a number; *used gets how many. */
static unsigned long number(const char *s, size_t n, size_t *used)
{
	unsigned long v = 0;
	size_t i = 0;

	while (i < n && isdigit((unsigned char)s[i])) {
		if (v < 1000000000000UL)	/* absurd numbers saturate */
			v = v * 10 + (unsigned long)(s[i] - '0');
		i++;
	}
	*used = i;
	return v;
}

enum { PLAN_NONE, PLAN_FIRST, PLAN_LAST };

int tap_parse(const char *text, size_t len, struct tap_stream *s)
{
	const char *end = text + len, *l = text;
	int plan_at = PLAN_NONE, in_yaml = 0, after_test = 0, first = 1;
	int sequence_said = 0, misplaced_said = 0;

	memset(s, 0, sizeof(*s));
	s->planned = -1;
	s->version = 12;
	strvec_init(&s->errors);
	for (; l < end; first = 0) {
		const char *nl = memchr(l, '\n', (size_t)(end - l)), *z;
		size_t n = (nl ? nl : end) - l, used;
		const char *next = nl ? nl + 1 : end;

		if ((z = memchr(l, '\0', n)))	/* NUL: the line's text ends */
			n = (size_t)(z - l);
		if (n && l[n - 1] == '\r')
			n--;
		/* a YAML block is indented: a line that is not ends it
		 * unterminated, and is read as TAP (a crash mid-block must
		 * not hide the points after it) */
		if (in_yaml && (!n || (l[0] != ' ' && l[0] != '\t')))
			in_yaml = 0;
		if (in_yaml) {
			if (add_diag(s, l, n))
				return OFFLOAD_ENOMEM;
			if (fence(l, n, "..."))
				in_yaml = 0;
			l = next;
			continue;
		}
		if (after_test && fence(l, n, "---")) {
			if (add_diag(s, l, n))
				return OFFLOAD_ENOMEM;
			in_yaml = 1;
			l = next;
			continue;
		}
		if (n >= 12 && !memcmp(l, "TAP version ", 12)) {
			unsigned long v = number(l + 12, n - 12, &used);

			if (used && blank(l + 12 + used, n - 12 - used)) {
				if (!first) {
					if (add_error(s, "if TAP version is present it must "
						      "be the first line of output"))
						return OFFLOAD_ENOMEM;
				} else if (v < 13) {
					if (add_error(s, "explicit TAP version must be at "
						      "least 13, got version %lu", v))
						return OFFLOAD_ENOMEM;
				} else {
					s->version = (unsigned)(v > 100 ? 100 : v);
				}
			}
		} else if (n >= 3 && !memcmp(l, "1..", 3) &&
			   (number(l + 3, n - 3, &used), used)) {
			unsigned long v = number(l + 3, n - 3, &used);
			const char *t = l + 3 + used;
			size_t tn = n - 3 - used;
			int valid = blank(t, tn);
			char *why = NULL;

			/* "1..0 # SKIP why": TAP::Parser's /^#\s*SKIP\S*\s+(.*)/i */
			if (!valid && v == 0) {
				size_t i = 0;

				while (i < tn && isspace((unsigned char)t[i]))
					i++;
				valid = i < tn && t[i] == '#';
				if (valid) {
					i++;
					while (i < tn && isspace((unsigned char)t[i]))
						i++;
					if (word_at(t + i, tn - i, "skip")) {
						while (i < tn && !isspace((unsigned char)t[i]))
							i++;
						if (!(why = trimmed(t + i, tn - i)))
							return OFFLOAD_ENOMEM;
					}
				}
			}
			if (valid) {
				if (plan_at != PLAN_NONE) {
					free(why);
					if (add_error(s, "more than one plan found in TAP output"))
						return OFFLOAD_ENOMEM;
				} else {
					s->skip_reason = why;
					plan_at = s->nr ? PLAN_LAST : PLAN_FIRST;
					s->planned = (long)(v > 1000000000UL ? 1000000000UL : v);
					s->skip_all = v == 0;
				}
			}
			after_test = 0;
		} else if ((n >= 2 && !memcmp(l, "ok", 2)) ||
			   (n >= 6 && !memcmp(l, "not ok", 6))) {
			int ok = l[0] == 'o';
			size_t i = ok ? 2 : 6;
			struct tap_point *p;
			unsigned long num;

			/* "ok\b": "okay" is not a test line */
			if (i < n && (isalnum((unsigned char)l[i]) || l[i] == '_'))
				goto ignored;
			if (s->nr == s->alloc) {
				size_t a = s->alloc ? 2 * s->alloc : 16;
				struct tap_point *v = realloc(s->points, a * sizeof(*v));

				if (!v)
					return OFFLOAD_ENOMEM;
				s->points = v;
				s->alloc = a;
			}
			p = &s->points[s->nr];
			memset(p, 0, sizeof(*p));
			while (i < n && isspace((unsigned char)l[i]))
				i++;
			num = number(l + i, n - i, &used);
			i += used;
			p->ok = ok;
			p->number = used ? num : s->nr + 1;
			s->nr++;	/* owned from here: released on failure */
			if (parse_rest(l + i, n - i, p))
				return OFFLOAD_ENOMEM;
			if (used && num != s->nr && !sequence_said) {
				sequence_said = 1;
				if (add_error(s, "tests out of sequence, found (%lu) but "
					      "expected (%zu)", num, s->nr))
					return OFFLOAD_ENOMEM;
			}
			if (plan_at == PLAN_LAST && !misplaced_said) {
				misplaced_said = 1;
				if (add_error(s, "plan (1..%ld) must be at the beginning "
					      "or end of the TAP output", s->planned))
					return OFFLOAD_ENOMEM;
			}
			after_test = 1;
			l = next;
			continue;
		} else if (n >= 9 && !memcmp(l, "Bail out!", 9)) {
			if (!(s->bail = trimmed(l + 9, n - 9)))
				return OFFLOAD_ENOMEM;
			break;
		} else if (n && l[0] == '#') {
			/* a comment: the last point's diagnostics until the next */
			if (after_test && add_diag(s, l, n))
				return OFFLOAD_ENOMEM;
			l = next;
			continue;
		}
ignored:
		l = next;
	}
	if (s->bail)
		return 0;
	if (plan_at == PLAN_NONE) {
		if (add_error(s, "no plan found in TAP output"))
			return OFFLOAD_ENOMEM;
	} else if ((size_t)s->planned != s->nr) {
		if (add_error(s, "bad plan, you planned %ld tests but ran %zu",
			      s->planned, s->nr))
			return OFFLOAD_ENOMEM;
	}
	return 0;
}
