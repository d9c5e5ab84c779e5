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
