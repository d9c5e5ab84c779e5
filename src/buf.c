/* SPDX-License-Identifier: MIT */
/*
 * buf.c - growable strings, capped capture buffers, string vectors and two
 * small utilities (edit distance, monotonic clock).  No I/O.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "buf.h"
#include "offload.h"

char buf_empty_[1];
char *strvec_empty_[1];

void buf_init(struct buf *b)
{
	b->buf = buf_empty_;
	b->len = b->alloc = 0;
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->buf);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->buf[0] = '\0';
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > (size_t)-1 / 2 - b->len)
		return OFFLOAD_ENOMEM;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n *= 2;
	p = realloc(b->alloc ? b->buf : NULL, n);
	if (!p)
		return OFFLOAD_ENOMEM;
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len))
		return OFFLOAD_ENOMEM;
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return OFFLOAD_ENOMEM;
	if (buf_grow(b, (size_t)n))
		return OFFLOAD_ENOMEM;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *buf_detach(struct buf *b)
{
	char *s = b->alloc ? b->buf : strdup("");

	buf_init(b);
	return s;
}

void capbuf_init(struct capbuf *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->cap = cap;
	buf_init(&c->head);
}

void capbuf_release(struct capbuf *c)
{
	buf_release(&c->head);
	free(c->ring);
	capbuf_init(c, c->cap);
}

int capbuf_add(struct capbuf *c, const void *data, size_t len)
{
	const char *p = data;
	size_t head_cap = c->cap / 2, ring_cap = c->cap - head_cap;

	c->total += len;
	if (c->head.len < head_cap) {
		size_t n = head_cap - c->head.len;

		if (n > len)
			n = len;
		if (buf_add(&c->head, p, n))
			return OFFLOAD_ENOMEM;
		p += n;
		len -= n;
	}
	if (!len || !ring_cap)
		return 0;
	if (!c->ring && !(c->ring = malloc(ring_cap)))
		return OFFLOAD_ENOMEM;
	if (len >= ring_cap) {
		memcpy(c->ring, p + len - ring_cap, ring_cap);
		c->ring_pos = 0;
		c->ring_len = ring_cap;
		return 0;
	}
	while (len) {
		size_t n = ring_cap - c->ring_pos;

		if (n > len)
			n = len;
		memcpy(c->ring + c->ring_pos, p, n);
		c->ring_pos = (c->ring_pos + n) % ring_cap;
		c->ring_len = c->ring_len + n > ring_cap ? ring_cap : c->ring_len + n;
		p += n;
		len -= n;
	}
	return 0;
}

unsigned long long capbuf_dropped(const struct capbuf *c)
{
	return c->total - c->head.len - c->ring_len;
}

int capbuf_render(const struct capbuf *c, struct buf *out)
{
	size_t ring_cap = c->cap - c->cap / 2;
	unsigned long long dropped = capbuf_dropped(c);

	if (buf_add(out, c->head.buf, c->head.len))
		return OFFLOAD_ENOMEM;
	if (dropped && buf_addf(out, "\n[offload: %llu bytes of output omitted]\n",
				dropped))
		return OFFLOAD_ENOMEM;
	if (!c->ring_len)
		return 0;
	if (c->ring_len < ring_cap)	/* never wrapped */
		return buf_add(out, c->ring, c->ring_len);
	if (buf_add(out, c->ring + c->ring_pos, ring_cap - c->ring_pos) ||
	    buf_add(out, c->ring, c->ring_pos))
		return OFFLOAD_ENOMEM;
	return 0;
}

int capbuf_drop_tail(struct capbuf *c, size_t n)
{
	size_t ring_cap = c->cap - c->cap / 2, k;
	char *lin;

	if (n > c->ring_len + c->head.len)
		n = c->ring_len + c->head.len;
	c->total -= n;
	k = n < c->ring_len ? n : c->ring_len;
	if (k) {
		/* put the ring in order first, then shorten it */
		if (c->ring_len == ring_cap && c->ring_pos) {
			if (!(lin = malloc(ring_cap)))
				return OFFLOAD_ENOMEM;
			memcpy(lin, c->ring + c->ring_pos, ring_cap - c->ring_pos);
			memcpy(lin + ring_cap - c->ring_pos, c->ring, c->ring_pos);
			free(c->ring);
			c->ring = lin;
		}
		c->ring_len -= k;
		c->ring_pos = c->ring_len;
		n -= k;
	}
	c->head.len -= n;
	c->head.buf[c->head.len] = '\0';
	return 0;
}

size_t capbuf_tail(const struct capbuf *c, char *dst, size_t n)
{
	size_t ring_cap = c->cap - c->cap / 2, skip, done = 0;
	/* The kept text in order: head, then the ring from its oldest byte. */
	struct {
		const char *p;
		size_t len;
	} part[3] = { { c->head.buf, c->head.len }, { NULL, 0 }, { NULL, 0 } };

	if (c->ring_len && c->ring_len == ring_cap) {
		part[1].p = c->ring + c->ring_pos;
		part[1].len = ring_cap - c->ring_pos;
		part[2].p = c->ring;
		part[2].len = c->ring_pos;
	} else if (c->ring_len) {
		part[1].p = c->ring;
		part[1].len = c->ring_len;
	}
	skip = c->head.len + c->ring_len;
	skip = skip > n ? skip - n : 0;
	for (int i = 0; i < 3; i++) {
		size_t from = skip < part[i].len ? skip : part[i].len;

		skip -= from;
		if (part[i].len > from) {
			memcpy(dst + done, part[i].p + from, part[i].len - from);
			done += part[i].len - from;
		}
	}
	return done;
}

void strvec_init(struct strvec *sv)
{
	sv->v = strvec_empty_;
	sv->nr = sv->alloc = 0;
}

int strvec_push_nodup(struct strvec *sv, char *s)
{
	if (!s)
		return OFFLOAD_ENOMEM;
	if (sv->nr + 2 > sv->alloc) {
		size_t n = sv->alloc ? sv->alloc * 2 : 8;
		char **v = realloc(sv->alloc ? sv->v : NULL, n * sizeof(*v));

		if (!v) {
			free(s);
			return OFFLOAD_ENOMEM;
		}
		sv->v = v;
		sv->alloc = n;
	}
	sv->v[sv->nr++] = s;
	sv->v[sv->nr] = NULL;
	return 0;
}

int strvec_push(struct strvec *sv, const char *s)
{
	return strvec_push_nodup(sv, strdup(s));
}

int strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (r) {
		buf_release(&b);
		return r;
	}
	return strvec_push_nodup(sv, buf_detach(&b));
}

void strvec_clear(struct strvec *sv)
{
	if (sv->alloc) {
		for (size_t i = 0; i < sv->nr; i++)
			free(sv->v[i]);
		free(sv->v);
	}
	strvec_init(sv);
}

char **strvec_detach(struct strvec *sv)
{
	char **v = sv->v;

	if (!sv->alloc) {
		v = calloc(1, sizeof(*v));
	}
	strvec_init(sv);
	return v;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row, d, small[256];

	/* The row is as long as the shorter string (the distance is
	 * symmetric): names and IDs need no allocation that could fail. */
	if (lb > la) {
		const char *t = a;

		a = b;
		b = t;
		d = la;
		la = lb;
		lb = d;
	}
	row = lb < 256 ? small : malloc((lb + 1) * sizeof(*row));
	if (!row)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best;

			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	if (row != small)
		free(row);
	return d;
}

double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
