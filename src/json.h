/* SPDX-License-Identifier: MIT */
/*
 * json.h - a small JSON reader (RFC 8259) for what test runners write:
 * vitest's `list --json` and its JSON reporter.  It builds a tree, keeps
 * strings as UTF-8 (\u escapes decoded, surrogate pairs joined; invalid
 * bytes passed through) and numbers as doubles.  It does not write JSON,
 * stream, or accept \u0000 (strings here become C strings).
 */
#ifndef OFFLOAD_JSON_H
#define OFFLOAD_JSON_H
#include <stddef.h>

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
		 JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	double num;               /* JSON_NUMBER */
	char *str;                /* owned; JSON_STRING */
	struct json *v;           /* owned; JSON_ARRAY and JSON_OBJECT: nr values */
	char **keys;              /* owned; JSON_OBJECT: nr keys, in order */
	size_t nr;
};

/* Nesting deeper than this is a parse error (bounds the recursion). */
#define JSON_MAX_DEPTH 64

/*
 * Parse text[0..len) (one value, white space around it) into *out, which
 * json_free releases.  Returns 0, OFFLOAD_ENOMEM, or OFFLOAD_EPARSE with
 * `msg` (n bytes) saying what and at which byte, e.g. "unexpected end of
 * input at byte 120" for a truncated file.  On error *out holds nothing.
 */
int json_parse(const char *text, size_t len, struct json *out,
	       char *msg, size_t n);
/* Free what `j` holds (not `j` itself) and leave it JSON_NULL. */
void json_release(struct json *j);
/* The value of `key` in object `j`, or NULL (also when `j` is no object). */
const struct json *json_get(const struct json *j, const char *key);
/* The string value of `key` in object `j`, or NULL. */
const char *json_get_str(const struct json *j, const char *key);

#endif
