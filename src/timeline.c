/* SPDX-License-Identifier: MIT */
/*
 * timeline.c - recording when a run's batches and phases happened, and
 * writing them as a Chrome/Perfetto trace (the trace event format's "X"
 * complete events, one track per sandbox).  See timeline.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* Plain allocations: the hook of alloc.h counts the orchestrator's
 * results (tests/unit/test-alloc.c); the ld --wrap sweep covers these. */
#include "error.h"
#include "sandbox.h"
#include "timeline.h"

void timeline_init(struct timeline *tl, double origin)
{
	memset(tl, 0, sizeof(*tl));
	tl->origin = tl->exec_start = origin;
}

void timeline_release(struct timeline *tl)
{
	for (size_t i = 0; i < tl->batches_nr; i++)
		free(tl->batches[i].host);
	free(tl->batches);
	free(tl->spans);
	for (size_t i = 0; i < tl->runs_nr; i++) {
		free(tl->runs[i].label);
		free(tl->runs[i].stamp);
		free(tl->runs[i].host);
	}
	free(tl->runs);
	free(tl->result_runs);
	timeline_init(tl, tl->origin);
}

static int grow(void **v, size_t *alloc, size_t nr, size_t size)
{
	void *p;
	size_t n;

	if (nr < *alloc)
		return 0;
	n = *alloc ? *alloc * 2 : 16;
	p = reallocarray(*v, n, size);
	if (!p)
		return -1;
	*v = p;
	*alloc = n;
	return 0;
}

void timeline_batch(struct timeline *tl, unsigned no, unsigned sandbox,
		    const char *host, double start, double end,
		    size_t tests_nr)
{
	struct run_batch *b;
	char *h = NULL;

	if ((host && !(h = strdup(host))) ||
	    grow((void **)&tl->batches, &tl->batches_alloc, tl->batches_nr,
		 sizeof(*tl->batches))) {
		free(h);
		tl->nomem = 1;
		return;
	}
	b = &tl->batches[tl->batches_nr++];
	b->no = no;
	b->sandbox = sandbox;
	b->host = h;
	b->start = start - tl->exec_start;
	b->end = end - tl->exec_start;
	if (b->end < b->start)
		b->end = b->start;
	b->tests_nr = tests_nr;
	b->run = 0;
}

void timeline_span(struct timeline *tl, const char *name, int track,
		   double start, double end)
{
	struct run_span *s;

	if (grow((void **)&tl->spans, &tl->spans_alloc, tl->spans_nr,
		 sizeof(*tl->spans))) {
		tl->nomem = 1;
		return;
	}
	s = &tl->spans[tl->spans_nr++];
	s->name = name;
	s->track = track;
	s->start = start;
	s->end = end < start ? start : end;
}

size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if (len == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f)))
		return 0;
	if (len == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f)))
		return 0;
	return len;
}

int json_string(struct buf *b, const char *s, size_t cap)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), use = n, i = 0;
	int r = buf_addch(b, '"');

	if (cap && n > cap) {
		use = cap;
		while (use && (p[use] & 0xc0) == 0x80)
			use--;
	}
	while (!r && i < use) {
		unsigned char c = p[i];
		size_t len = utf8_len(p + i, use - i);

		if (!len) {
			r = buf_addf(b, "\\\\x%02x", c);
			i++;
		} else if (c == '"' || c == '\\') {
			r = buf_addch(b, '\\') || buf_addch(b, (char)c);
			i++;
		} else if (c == '\n') {
			r = buf_adds(b, "\\n");
			i++;
		} else if (c == '\t') {
			r = buf_adds(b, "\\t");
			i++;
		} else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
			r = buf_addf(b, "\\u%04x", c);
			i++;
		} else if (len == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			r = buf_addf(b, "\\u%04x", p[i + 2] == 0xa8 ? 0x2028 : 0x2029);
			i += 3;
		} else {
			r = buf_add(b, p + i, len);
			i += len;
		}
	}
	if (!r && use < n)
		r = buf_addf(b, "\\n[... %zu more bytes cut here; see the JUnit file]", n - use);
	return r ? OFFLOAD_ENOMEM : buf_addch(b, '"');
}

int write_file_atomic(const char *path, const char *data, size_t len,
		      struct offload_error *err)
{
	struct buf tmp = BUF_INIT, dir = BUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd = -1, ret = 0;
	size_t off = 0;

	if (buf_addf(&tmp, "%s.tmp.XXXXXX", path) ||
	    (slash && slash != path && buf_add(&dir, path, (size_t)(slash - path)))) {
		ret = err_set(err, OFFLOAD_ENOMEM, "out of memory");
		goto out;
	}
	if (dir.len && (ret = mkdir_p(dir.buf))) {
		err_set(err, ret, "cannot create '%s': %s", dir.buf,
			offload_strerror(ret));
		goto out;
	}
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		ret = err_set(err, -errno, "cannot write '%s': %s", path,
			      strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = err_set(err, -errno, "cannot write '%s': %s", path,
				      strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) < 0 || close(fd) < 0) {
		fd = -1;
		ret = err_set(err, -errno, "cannot write '%s': %s", path,
			      strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0)
		ret = err_set(err, -errno, "cannot write '%s': %s", path,
			      strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (ret && tmp.len)
		unlink(tmp.buf);
	buf_release(&tmp);
	buf_release(&dir);
	return ret;
}

static int trace_event(struct buf *b, int *first, const char *name,
		       const char *cat, int track, double start, double end,
		       double origin, const char *args)
{
	double ts = (start - origin) * 1e6, dur = (end - start) * 1e6;
	int r;

	r = buf_adds(b, *first ? "\n" : ",\n");
	*first = 0;
	r = r || buf_adds(b, "{\"name\":") || json_string(b, name, 0);
	r = r || buf_addf(b, ",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,"
			  "\"ts\":%.3f,\"dur\":%.3f", cat, track + 1,
			  ts < 0 ? 0 : ts, dur < 0 ? 0 : dur);
	r = r || (args && buf_addf(b, ",\"args\":%s", args));
	return r || buf_addch(b, '}');
}

int timeline_write_trace(const struct timeline *tl, const char *path,
			 struct offload_error *err)
{
	struct buf b = BUF_INIT, name = BUF_INIT, args = BUF_INIT;
	unsigned sandboxes = 0;
	int first = 1, r;

	for (size_t i = 0; i < tl->batches_nr; i++)
		if (tl->batches[i].sandbox + 1 > sandboxes)
			sandboxes = tl->batches[i].sandbox + 1;
	for (size_t i = 0; i < tl->spans_nr; i++)
		if (tl->spans[i].track >= 0 && (unsigned)tl->spans[i].track + 1 > sandboxes)
			sandboxes = (unsigned)tl->spans[i].track + 1;
	r = buf_adds(&b, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
	r = r || buf_adds(&b, "\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
			  "\"args\":{\"name\":\"offload\"}}");
	r = r || buf_adds(&b, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,"
			  "\"tid\":0,\"args\":{\"name\":\"offload\"}}");
	first = 0;
	for (unsigned s = 0; !r && s < sandboxes; s++)
		r = buf_addf(&b, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,"
			     "\"tid\":%u,\"args\":{\"name\":\"sandbox %u\"}}",
			     s + 1, s);
	for (size_t i = 0; !r && i < tl->spans_nr; i++) {
		const struct run_span *s = &tl->spans[i];

		r = trace_event(&b, &first, s->name, "offload", s->track,
				s->start, s->end, tl->origin, NULL);
	}
	for (size_t i = 0; !r && i < tl->batches_nr; i++) {
		const struct run_batch *rb = &tl->batches[i];
		double off = tl->exec_start;

		buf_reset(&name);
		buf_reset(&args);
		r = buf_addf(&name, "batch %u", rb->no) ||
		    buf_addf(&args, "{\"batch\":%u,\"sandbox\":%u,\"tests\":%zu",
			     rb->no, rb->sandbox, rb->tests_nr) ||
		    (rb->host && (buf_adds(&args, ",\"host\":") ||
				  json_string(&args, rb->host, 0))) ||
		    buf_addch(&args, '}');
		r = r || trace_event(&b, &first, name.buf, "batch", (int)rb->sandbox,
				     off + rb->start, off + rb->end, tl->origin,
				     args.buf);
	}
	r = r || buf_adds(&b, "\n]}\n");
	if (r)
		r = err_set(err, OFFLOAD_ENOMEM, "trace '%s': out of memory", path);
	else
		r = write_file_atomic(path, b.buf, b.len, err);
	buf_release(&b);
	buf_release(&name);
	buf_release(&args);
	return r;
}
