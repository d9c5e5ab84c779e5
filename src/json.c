/* SPDX-License-Identifier: MIT */
/*
 * json.c - a small recursive-descent JSON reader (see json.h).  Errors
 * name the byte offset, so that a truncated or garbled result file can be
 * told from an empty one in a test's failure message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "error.h"
#include "json.h"

struct reader {
	const char *s;
	size_t len, pos;
	char *msg;
	size_t n;
};

static int fail(struct reader *r, const char *what)
{
	if (r->pos >= r->len)
		snprintf(r->msg, r->n, "unexpected end of input at byte %zu", r->pos);
	else
		snprintf(r->msg, r->n, "%s at byte %zu", what, r->pos);
	return OFFLOAD_EPARSE;
}

static void skip_ws(struct reader *r)
{
	while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) && r->s[r->pos])
		r->pos++;
}

static int hex4(struct reader *r, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++, r->pos++) {
		char c = r->pos < r->len ? r->s[r->pos] : 0;

		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*out |= (unsigned)(c - 'A' + 10);
		else
			return fail(r, "bad \\u escape");
	}
	return 0;
}

static int add_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(b, u, n);
}

/* At the opening quote; *out gets a new string. */
static int read_string(struct reader *r, char **out)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	r->pos++;
	for (;;) {
		size_t start = r->pos;
		unsigned cp, lo;
		char c;

		while (r->pos < r->len && r->s[r->pos] != '"' && r->s[r->pos] != '\\' &&
		       (unsigned char)r->s[r->pos] >= 0x20)
			r->pos++;
		if (buf_add(&b, r->s + start, r->pos - start)) {
			rc = OFFLOAD_ENOMEM;
			break;
		}
		if (r->pos >= r->len) {
			rc = fail(r, "");
			break;
		}
		c = r->s[r->pos];
		if (c == '"') {
			r->pos++;
			break;
		}
		if (c != '\\') {
			rc = fail(r, "control character in string");
			break;
		}
		if (++r->pos >= r->len) {
			rc = fail(r, "");
			break;
		}
		c = r->s[r->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			rc = buf_addch(&b, c);
			break;
		case 'b': rc = buf_addch(&b, '\b'); break;
		case 'f': rc = buf_addch(&b, '\f'); break;
		case 'n': rc = buf_addch(&b, '\n'); break;
		case 'r': rc = buf_addch(&b, '\r'); break;
		case 't': rc = buf_addch(&b, '\t'); break;
		case 'u':
			if ((rc = hex4(r, &cp)))
				break;
			if (cp >= 0xd800 && cp < 0xdc00 && r->pos + 1 < r->len &&
			    r->s[r->pos] == '\\' && r->s[r->pos + 1] == 'u') {
				size_t save = r->pos;

				r->pos += 2;
				if ((rc = hex4(r, &lo)))
					break;
				if (lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					r->pos = save;	/* a lone high surrogate */
			}
			if (!cp) {
				r->pos -= 6;
				rc = fail(r, "\\u0000 in string");
				break;
			}
			/* a lone surrogate becomes U+FFFD */
			rc = add_utf8(&b, cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp);
			break;
		default:
			r->pos--;
			rc = fail(r, "bad escape in string");
		}
		if (rc)
			break;
	}
	if (rc == -1 || (rc && rc != OFFLOAD_EPARSE))
		rc = OFFLOAD_ENOMEM;
	if (rc) {
		buf_release(&b);
		return rc;
	}
	if (!(*out = buf_detach(&b)))
		return OFFLOAD_ENOMEM;
	return 0;
}

static int read_value(struct reader *r, struct json *j, int depth);

/* Append a value (and its key, for objects) to j. */
static int grow(struct json *j, size_t *alloc, int object)
{
	if (j->nr == *alloc) {
		size_t na = *alloc ? 2 * *alloc : 8;
		struct json *v = realloc(j->v, na * sizeof(*v));

		if (!v)
			return OFFLOAD_ENOMEM;
		j->v = v;
		if (object) {
			char **k = realloc(j->keys, na * sizeof(*k));

			if (!k)
				return OFFLOAD_ENOMEM;
			j->keys = k;
		}
		*alloc = na;
	}
	return 0;
}

static int read_container(struct reader *r, struct json *j, int depth)
{
	int object = r->s[r->pos] == '{';
	char close = object ? '}' : ']';
	size_t alloc = 0;
	int rc;

	j->type = object ? JSON_OBJECT : JSON_ARRAY;
	if (depth >= JSON_MAX_DEPTH)
		return fail(r, "nesting too deep");
	r->pos++;
	skip_ws(r);
	if (r->pos < r->len && r->s[r->pos] == close) {
		r->pos++;
		return 0;
	}
	for (;;) {
		char *key = NULL;

		skip_ws(r);
		if (object) {
			if (r->pos >= r->len || r->s[r->pos] != '"')
				return fail(r, "expected a key");
			if ((rc = read_string(r, &key)))
				return rc;
			skip_ws(r);
			if (r->pos >= r->len || r->s[r->pos] != ':') {
				free(key);
				return fail(r, "expected ':'");
			}
			r->pos++;
		}
		if ((rc = grow(j, &alloc, object))) {
			free(key);
			return rc;
		}
		memset(&j->v[j->nr], 0, sizeof(j->v[0]));
		if (object)
			j->keys[j->nr] = key;
		j->nr++;
		if ((rc = read_value(r, &j->v[j->nr - 1], depth + 1)))
			return rc;
		skip_ws(r);
		if (r->pos < r->len && r->s[r->pos] == ',') {
			r->pos++;
			continue;
		}
		if (r->pos < r->len && r->s[r->pos] == close) {
			r->pos++;
			return 0;
		}
		return fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int read_value(struct reader *r, struct json *j, int depth)
{
	static const struct { const char *w; enum json_type t; } words[] = {
		{ "null", JSON_NULL }, { "false", JSON_FALSE }, { "true", JSON_TRUE },
	};
	const char *p;
	char *end;
	char c;

	skip_ws(r);
	if (r->pos >= r->len)
		return fail(r, "");
	c = r->s[r->pos];
	if (c == '{' || c == '[')
		return read_container(r, j, depth);
	if (c == '"') {
		j->type = JSON_STRING;
		return read_string(r, &j->str);
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t wl = strlen(words[i].w);

		if (r->len - r->pos >= wl && !memcmp(r->s + r->pos, words[i].w, wl)) {
			j->type = words[i].t;
			r->pos += wl;
			return 0;
		}
	}
	p = r->s + r->pos;
	if (c == '-' || (c >= '0' && c <= '9')) {
		/* strtod on a bounded copy: the text need not be terminated */
		char num[64];
		size_t k = 0;

		while (r->pos + k < r->len && k < sizeof(num) - 1 &&
		       strchr("+-0123456789.eE", p[k]) && p[k])
			k++;
		memcpy(num, p, k);
		num[k] = 0;
		j->type = JSON_NUMBER;
		j->num = strtod(num, &end);
		if (end == num)
			return fail(r, "bad number");
		r->pos += (size_t)(end - num);
		return 0;
	}
	return fail(r, "unexpected character");
}

int json_parse(const char *text, size_t len, struct json *out,
	       char *msg, size_t n)
{
	struct reader r = { text, len, 0, msg, n };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_value(&r, out, 0);
	if (!rc) {
		skip_ws(&r);
		if (r.pos < r.len)
			rc = fail(&r, "trailing characters");
	}
	if (rc) {
		json_release(out);
		if (rc == OFFLOAD_ENOMEM)
			snprintf(msg, n, "out of memory");
	}
	return rc;
}

void json_release(struct json *j)
{
	for (size_t i = 0; i < j->nr; i++) {
		json_release(&j->v[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->v);
	free(j->keys);
	free(j->str);
	memset(j, 0, sizeof(*j));
}

const struct json *json_get(const struct json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->nr; i++)
		if (!strcmp(j->keys[i], key))
			return &j->v[i];
	return NULL;
}

const char *json_get_str(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	return v && v->type == JSON_STRING ? v->str : NULL;
}
