/* SPDX-License-Identifier: MIT */
/*
 * buf.h - growable byte buffers (git's strbuf) and capped capture buffers
 * (curl's dynbuf with a limit) for child output.
 */
#ifndef OFFLOAD_BUF_H
#define OFFLOAD_BUF_H
#include <stddef.h>
#include <stdarg.h>

/* A NUL-terminated growable buffer.  `buf` is never NULL after buf_init. */
struct buf {
	char *buf;
	size_t len;
	size_t alloc;
};
extern char buf_empty_[];
#define BUF_INIT { buf_empty_, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Append; return 0 or OFFLOAD_ENOMEM (b unchanged on failure). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);
/* Hand the string to the caller (free() it); b is re-initialised. */
char *buf_detach(struct buf *b);

/*
 * Capped capture: keeps the first cap/2 and the last cap/2 bytes of a
 * stream and counts what was dropped between them, so that a test that
 * prints 1 GB costs `cap` bytes of memory.
 */
struct capbuf {
	size_t cap;          /* total bytes kept at most */
	struct buf head;     /* first bytes, up to cap/2 */
	char *ring;          /* last bytes, cap - cap/2 of them, malloc'ed lazily */
	size_t ring_len;     /* bytes in ring (<= ring size) */
	size_t ring_pos;     /* next write position in ring */
	unsigned long long total;  /* bytes seen */
};
void capbuf_init(struct capbuf *c, size_t cap);
void capbuf_release(struct capbuf *c);
int capbuf_add(struct capbuf *c, const void *data, size_t len);
/* Bytes dropped in the middle. */
unsigned long long capbuf_dropped(const struct capbuf *c);
/*
 * Append the kept text to `out`: head, then (when bytes were dropped)
 * "\n[offload: N bytes of output omitted]\n", then the tail.
 */
int capbuf_render(const struct capbuf *c, struct buf *out);
/*
 * Copy the last bytes kept (at most n; the omission marker is not among
 * them) to dst, not NUL-terminated; returns how many.  Allocates nothing,
 * so quoting the end of 64 MB of output does not copy it all.
 */
size_t capbuf_tail(const struct capbuf *c, char *dst, size_t n);

/* Forget the last n bytes kept (all of them when fewer); 0 or
 * OFFLOAD_ENOMEM (nothing changed). */
int capbuf_drop_tail(struct capbuf *c, size_t n);
/* A NULL-terminated vector of owned strings (git's strvec). */
struct strvec {
	char **v;            /* always NULL-terminated, never NULL after init */
	size_t nr, alloc;
};
extern char *strvec_empty_[];
#define STRVEC_INIT { strvec_empty_, 0, 0 }
void strvec_init(struct strvec *sv);
int strvec_push(struct strvec *sv, const char *s);      /* copies */
int strvec_push_nodup(struct strvec *sv, char *s);      /* takes ownership */
int strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strvec_clear(struct strvec *sv);
/* Hand the array to the caller; sv is re-initialised. */
char **strvec_detach(struct strvec *sv);
void strv_free(char **v);   /* free a NULL-terminated array of strings */

/* Levenshtein distance, for "did you mean" suggestions.  Allocates only
 * when both strings are 256 bytes or longer; SIZE_MAX when that fails. */
size_t edit_distance(const char *a, const char *b);

/* Monotonic clock in seconds. */
double now_secs(void);

#endif
