/* SPDX-License-Identifier: MIT */
/* quote.h - shell quoting and template substitution (quote.c). */
#ifndef OFFLOAD_QUOTE_H
#define OFFLOAD_QUOTE_H
#include "buf.h"

/* Append `s` single-quoted for POSIX sh to `out` ('it'\''s'). */
int sq_quote_buf(struct buf *out, const char *s);

/*
 * Expand `tmpl`, replacing each "{key}" for which lookup returns non-NULL
 * by that text (already quoted by the caller as needed); unknown keys are
 * copied as they are.  Returns 0 or OFFLOAD_ENOMEM.
 */
typedef const char *template_lookup_fn(const char *key, size_t len, void *data);
int template_expand(struct buf *out, const char *tmpl,
		    template_lookup_fn *lookup, void *data);

#endif
