/* SPDX-License-Identifier: MIT */
/*
 * quote.c - shell quoting and "{key}" template substitution.  Test IDs are
 * data: everything that puts one on a shell command line goes through
 * sq_quote_buf, which single-quotes every byte (newlines, $, ;, non-UTF-8
 * included), so that sh passes it through as one word, unchanged.
 */
#include <stdlib.h>
#include <string.h>
#include "offload.h"
#include "quote.h"

int sq_quote_buf(struct buf *out, const char *s)
{
	if (buf_addch(out, '\''))
		return OFFLOAD_ENOMEM;
	for (; *s; s++) {
		if (*s == '\'') {
			if (buf_adds(out, "'\\''"))
				return OFFLOAD_ENOMEM;
		} else if (buf_addch(out, *s)) {
			return OFFLOAD_ENOMEM;
		}
	}
	return buf_addch(out, '\'');
}

char *offload_shell_quote(const char *s)
{
	struct buf b = BUF_INIT;

	if (sq_quote_buf(&b, s)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int template_expand(struct buf *out, const char *tmpl,
		    template_lookup_fn *lookup, void *data)
{
	const char *p = tmpl;

	while (*p) {
		const char *open = strchr(p, '{'), *close, *val;

		if (!open)
			return buf_adds(out, p);
		if (buf_add(out, p, (size_t)(open - p)))
			return OFFLOAD_ENOMEM;
		close = strchr(open + 1, '}');
		val = close ? lookup(open + 1, (size_t)(close - open - 1), data) : NULL;
		if (!val) {
			if (buf_addch(out, '{'))
				return OFFLOAD_ENOMEM;
			p = open + 1;
			continue;
		}
		if (buf_adds(out, val))
			return OFFLOAD_ENOMEM;
		p = close + 1;
	}
	return 0;
}

/* The make-word encoding: see offload.h and docs/make.md. */
static int kept_in_make_word(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
		c == '+' || c == '-';
}

char *offload_make_encode(const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT;
	int ret = 0;

	for (const unsigned char *u = (const unsigned char *)id; *u && !ret; u++) {
		if (kept_in_make_word(*u)) {
			ret = buf_addch(&b, (char)*u);
		} else {
			char e[3] = { '@', hex[*u >> 4], hex[*u & 15] };

			ret = buf_add(&b, e, 3);
		}
	}
	if (ret) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int offload_make_decode(const char *w, size_t n, char **out)
{
	char *r = malloc(n + 1), *o = r;

	*out = NULL;
	if (!r)
		return OFFLOAD_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (w[i] != '@') {
			*o++ = w[i];
			continue;
		}
		if (n - i < 3 || (hi = hex_digit(w[i + 1])) < 0 ||
		    (lo = hex_digit(w[i + 2])) < 0 || !(hi | lo)) {
			free(r);
			return OFFLOAD_EPARSE;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	*out = r;
	return 0;
}
