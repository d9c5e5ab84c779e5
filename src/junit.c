/* SPDX-License-Identifier: MIT */
/*
 * junit.c - JUnit XML in and out; the only file that includes libxml2.
 *
 * Reading is a single streaming pass with libxml2's SAX2 push parser over
 * whatever a runner wrote: every <testcase> is collected wherever it is
 * nested, and unknown elements and attributes are skipped, because real
 * runners (pytest xunit1/xunit2, Surefire, gtest, custom scripts) each add
 * their own.  A result file is untrusted input: it reaches the parser only
 * through xin_read()/xin_fill(), which refuse what is not a regular file,
 * cut long text and bound everything else the parser would have to hold
 * (see "Input" below and docs/junit.md), and give up when the run is
 * canceled.  The parser never loads the network or external DTDs and
 * never substitutes entities.  Its errors go to a per-parser handler, and
 * libxml2's global ones are silenced around every use, so nothing is
 * printed and concurrent readers on worker threads do not share state.
 *
 * Writing produces the merged report with xmlTextWriter into a temporary
 * file next to the target, renamed over it only when complete: a reader
 * (CI, `offload logs`, the next run's history) sees the old report or the
 * new one, never half of one.  Every string written passes through
 * junit_escape(), since test IDs and test output are arbitrary bytes and
 * the file must stay well-formed XML 1.0.
 *
 * Merging (offload_junit_merge) joins finished reports: it parses each
 * one whole (through the same bounded input) and copies its <testsuite>
 * subtrees into a new document, written the same atomic way.
 *
 * This module does not decide verdicts (report.c, orch.c do) nor match
 * cases to test IDs (framework.c does).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "junit.h"
#include "report.h"
#include "timeline.h"
#include "sandbox.h"

/* Output of one attempt kept in the report (the rest is in the logs). */
#define JUNIT_OUTPUT_CAP (64 * 1024)
/* Text kept per field when reading: a runner may embed megabytes. */
#define JUNIT_READ_CAP (1024 * 1024)
#define TRUNCATED_NOTE "\n[offload: output truncated]"

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void ignore_generic(void *ctx, const char *fmt, ...);
static void ignore_structured(void *ctx, xmlErrorPtr e);

/*
 * libxml2's initialisation, once, whichever thread comes first, and never
 * two at once: two workers reaching libxml2 together would each make its
 * global state (a leaked mutex).  Its own failures would print: silent
 * handlers around it, this thread's own put back afterwards.
 */
static void xml_init(void)
{
	xmlGenericErrorFunc generic = xmlGenericError;
	void *generic_ctx = xmlGenericErrorContext;
	xmlStructuredErrorFunc structured = xmlStructuredError;
	void *structured_ctx = xmlStructuredErrorContext;

	xmlSetGenericErrorFunc(NULL, ignore_generic);
	xmlSetStructuredErrorFunc(NULL, ignore_structured);
	xmlInitParser();
	xmlSetGenericErrorFunc(generic_ctx, generic);
	xmlSetStructuredErrorFunc(structured_ctx, structured);
}

/*
 * libxml2 reports some errors (I/O, encodings, the writer's) not to a
 * parser context's handler but to this thread's generic handlers, which
 * print to stderr.  The library never prints: around each use of
 * libxml2, this thread's handlers are swapped for silent ones, and put
 * back afterwards in case the host program uses libxml2 too.  Our own
 * per-context handlers still get the parsers' errors (libxml2 prefers
 * them to these).  libxml2's initialisation comes first; its
 * own failures are silenced in xml_init().
 *
 * libxml2 2.9 swallows some of its allocation failures: it reports them
 * (XML_ERR_NO_MEMORY) to these handlers and goes on with a partial result
 * (xmlTextWriterWriteString drops the text and returns success,
 * xmlDocCopyNode or xmlSetProp leave a partial copy, a parser calls it
 * malformed input).  xml_nomem notes them, so that the caller can say
 * "out of memory" rather than keep the partial result or blame the input;
 * it is reset by xml_quiet_on() and carried into an enclosing quiet
 * section by xml_quiet_off().
 */
struct xml_quiet {
	xmlGenericErrorFunc generic;
	void *generic_ctx;
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
	int nomem;                /* xml_nomem of the enclosing section */
};

static _Thread_local int xml_nomem;

/* Note libxml2's report of an allocation failure. */
static void note_nomem(const xmlError *e)
{
	if (e && e->code == XML_ERR_NO_MEMORY)
		xml_nomem = 1;
}

static void ignore_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void ignore_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	note_nomem(e);
}

static void xml_quiet_on(struct xml_quiet *q)
{
	pthread_once(&xml_once, xml_init);
	q->generic = xmlGenericError;
	q->generic_ctx = xmlGenericErrorContext;
	q->structured = xmlStructuredError;
	q->structured_ctx = xmlStructuredErrorContext;
	q->nomem = xml_nomem;
	xmlSetGenericErrorFunc(NULL, ignore_generic);
	xmlSetStructuredErrorFunc(NULL, ignore_structured);
	xml_nomem = 0;
}

static void xml_quiet_off(const struct xml_quiet *q)
{
	xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
	xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
	xml_nomem |= q->nomem;
}

/* ------------------------------------------------------------------ */
/* Escaping                                                            */

static int is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes) that is also
 * an XML 1.0 character, or 0 when the byte at s must be escaped.
 */
static size_t xml_char_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80) {
		if (c == '\t' || c == '\n' || c == '\r')
			return 1;
		return (c < 0x20 || c == 0x7f) ? 0 : 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && is_cont(s[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || !is_cont(s[1]) || !is_cont(s[2]))
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;       /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;       /* surrogate */
		if (c == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
			return 0;       /* U+FFFE, U+FFFF: not XML characters */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || !is_cont(s[1]) || !is_cont(s[2]) || !is_cont(s[3]))
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;       /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;       /* beyond U+10FFFF */
		return 4;
	}
	return 0;
}

static int escape_into(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = xml_char_len(p + i, n - i);
		if (k) {
			if (buf_add(out, p + i, k))
				return OFFLOAD_ENOMEM;
			i += k;
		} else {
			if (buf_addf(out, "\\x%02x", p[i]))
				return OFFLOAD_ENOMEM;
			i++;
		}
	}
	return 0;
}

char *junit_escape(const char *s)
{
	struct buf b = BUF_INIT;

	if (!s)
		s = "";
	/* An empty result must still be a malloc'ed string. */
	if (buf_add(&b, "", 0) || escape_into(&b, s, strlen(s))) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* Input: what libxml2 is given to parse                               */

/*
 * libxml2 is handed a result file through xin_fill() (or xin_read(), its
 * read-callback form), never a path or an fd of its own, because the
 * file is untrusted and libxml2's own limits are either too generous
 * (10 MB text nodes and attribute values) or, for some inputs,
 * super-linear (a start tag with 200,000 attributes: its duplicate check
 * is quadratic; a 16 MB one: past 10 MB its push parser rescans its
 * buffer for every chunk).  xin_fill() reads the file in XIN_CHUNK pieces
 * and passes each through a small tokenizer that knows just enough XML
 * to bound what the parser holds and does at once:
 *
 *   - every text run, CDATA section, comment, processing instruction
 *     and attribute value is cut after XIN_CONTENT_CAP bytes (never
 *     inside a UTF-8 sequence or an entity reference), and a cut text,
 *     CDATA section or attribute value says so with a note;
 *   - the start tags of the open elements (the current one and its
 *     ancestors) may hold XIN_OPEN_TAGS_CAP bytes and XIN_OPEN_ATTRS
 *     attributes together, and nest XIN_DEPTH_MAX deep;
 *   - a document type declaration with an internal subset is refused:
 *     that is where entities are declared, and an entity is how a
 *     kilobyte file expands to gigabytes;
 *   - at most XIN_MAX_BYTES are read from one file;
 *   - a UTF-16, UCS-4 or EBCDIC file is refused (the tokenizer reads
 *     ASCII-compatible bytes);
 *   - before each chunk, `cancel_fd` is polled, so that an interrupted
 *     run does not wait for a parse to finish.
 *
 * The parser's dictionary of names gets a limit too (XIN_NAMES_CAP, set
 * where the parser is made): a million distinct element names would
 * otherwise cost a minute and tens of MB.
 *
 * Whatever is refused stops the input there: libxml2 sees the end of
 * the file, the cases complete before it are kept, and the error
 * message is ours.  Input that breaks no limit reaches libxml2 byte for
 * byte, so its line numbers and messages stay exact.  XIN_CHUNK must
 * stay below XIN_CONTENT_CAP: a chunk then starts at most one cut, and
 * its output never outgrows x->out.
 */
#define XIN_CHUNK (64 * 1024)
#define XIN_CONTENT_CAP JUNIT_READ_CAP
#define XIN_OPEN_TAGS_CAP (4 * 1024 * 1024)
#define XIN_OPEN_ATTRS 1024
#define XIN_DEPTH_MAX 256
#define XIN_MAX_BYTES (1ULL << 30)
#define XIN_NAMES_CAP (1024 * 1024)
#define ATTR_TRUNCATED_NOTE " [offload: attribute truncated]"

enum xin_state {
	X_TEXT,         /* character data (or whitespace outside the root) */
	X_LT,           /* after '<' */
	X_BANG,         /* after "<!", deciding what follows */
	X_STAG,         /* in a start tag, outside attribute values */
	X_AVAL,         /* in a quoted attribute value */
	X_ETAG,         /* in an end tag */
	X_COMMENT,
	X_CDATA,
	X_PI,
	X_DOCTYPE,
	X_DECL,         /* any other "<!...>": malformed, libxml2 says so */
};

struct xin {
	const char *path;
	int fd;                   /* owned; -1 when closed */
	int cancel_fd;            /* borrowed; -1: none */
	int err;                  /* 0, OFFLOAD_EPARSE or OFFLOAD_ECANCELED */
	char msg[256];            /* with err: the whole message */
	int eof;
	unsigned long long total; /* bytes read from the file */
	unsigned long line;       /* line of the chunk's first byte */
	unsigned char *raw;       /* XIN_CHUNK bytes read */
	char *out;                /* what libxml2 gets: XIN_CHUNK + notes */
	size_t out_len, out_pos;

	/* the tokenizer */
	enum xin_state state;
	size_t run;               /* content bytes kept in this run */
	size_t tail;              /* kept past the cap to end a character */
	int cutting;              /* the rest of the run is dropped */
	int in_ref;               /* inside "&...;" */
	unsigned char quote;      /* X_AVAL, X_DOCTYPE: the open quote */
	unsigned char prev;       /* X_STAG: the last byte outside quotes */
	int marks;                /* '-', ']' or '?' just seen, in a row */
	char bang[8];
	size_t bang_len;
	size_t tag_bytes, tag_attrs;      /* the tag being read */
	size_t depth, open_bytes, open_attrs;
	struct { size_t bytes, attrs; } open[XIN_DEPTH_MAX];
};

static void xin_refuse(struct xin *x, const unsigned char *p, size_t i,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Stop the input with an error of ours at byte i of the chunk p. */
static void xin_refuse(struct xin *x, const unsigned char *p, size_t i,
		       const char *fmt, ...)
{
	unsigned long line = x->line;
	char what[160];
	va_list ap;

	if (x->err)
		return;
	while (p && i-- > 0)
		line += p[i] == '\n';
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	x->err = OFFLOAD_EPARSE;
	if (p)
		snprintf(x->msg, sizeof(x->msg), "junit '%s' line %lu: %s",
			 x->path, line, what);
	else
		snprintf(x->msg, sizeof(x->msg), "junit '%s': %s", x->path,
			 what);
}

static void xin_emit(struct xin *x, unsigned char c)
{
	x->out[x->out_len++] = (char)c;
}

static void xin_emits(struct xin *x, const char *s)
{
	size_t n = strlen(s);

	memcpy(x->out + x->out_len, s, n);
	x->out_len += n;
}

static void xin_new_run(struct xin *x, enum xin_state state)
{
	x->state = state;
	x->run = x->tail = 0;
	x->cutting = x->in_ref = 0;
	x->marks = 0;
}

/*
 * Whether content byte c is kept: 1 yes, 0 no (the run is being cut),
 * -1 no, and the cut starts here (the caller says so).  Past the cap,
 * a UTF-8 sequence or an entity reference already begun is finished
 * first, so that what libxml2 sees stays well-formed.
 */
static int xin_keep(struct xin *x, unsigned char c, int refs)
{
	if (x->cutting)
		return 0;
	if (x->run >= XIN_CONTENT_CAP) {
		int finish = (c & 0xc0) == 0x80 ? x->tail < 3 :
			     x->in_ref && c != '&' ? x->tail < 32 : 0;

		if (!finish) {
			x->cutting = 1;
			return -1;
		}
		x->tail++;
	}
	x->run++;
	if (refs && c == '&')
		x->in_ref = 1;
	else if (refs && c == ';')
		x->in_ref = 0;
	return 1;
}

/* A byte of a tag (start tag, end tag, declaration) was kept. */
static int xin_tag_byte(struct xin *x, const unsigned char *p, size_t i)
{
	if (++x->tag_bytes + x->open_bytes <= XIN_OPEN_TAGS_CAP)
		return 0;
	xin_refuse(x, p, i, "refused: start tags larger than %d MiB "
		   "(counting the enclosing elements')",
		   XIN_OPEN_TAGS_CAP >> 20);
	return -1;
}

static int xin_bang_is(const struct xin *x, const char *word)
{
	return x->bang_len <= strlen(word) &&
	       !memcmp(x->bang, word, x->bang_len);
}

/* Pass the chunk p[0..n) through the tokenizer into x->out. */
static void xin_filter(struct xin *x, const unsigned char *p, size_t n)
{
	size_t i;
	int k;

	for (i = 0; i < n && !x->err; i++) {
		unsigned char c = p[i];

		switch (x->state) {
		case X_TEXT:
			if (c == '<') {
				xin_emit(x, c);
				x->state = X_LT;
				x->tag_bytes = 1;
				x->tag_attrs = 0;
				break;
			}
			if (x->cutting) {
				/* Skip to the next markup at once. */
				const unsigned char *lt = memchr(p + i, '<', n - i);

				i = (lt ? (size_t)(lt - p) : n) - 1;
				break;
			}
			k = xin_keep(x, c, 1);
			if (k > 0)
				xin_emit(x, c);
			else if (k < 0 && x->depth)
				xin_emits(x, TRUNCATED_NOTE);
			break;
		case X_LT:
			xin_emit(x, c);
			if (xin_tag_byte(x, p, i))
				break;
			if (c == '/') {
				x->state = X_ETAG;
			} else if (c == '!') {
				x->state = X_BANG;
				x->bang_len = 0;
			} else if (c == '?') {
				xin_new_run(x, X_PI);
			} else {
				x->state = X_STAG;
				x->prev = c;
			}
			break;
		case X_BANG:
			xin_emit(x, c);
			if (xin_tag_byte(x, p, i))
				break;
			x->bang[x->bang_len++] = (char)c;
			if (x->bang_len == 2 && xin_bang_is(x, "--"))
				xin_new_run(x, X_COMMENT);
			else if (x->bang_len == 7 && xin_bang_is(x, "[CDATA["))
				xin_new_run(x, X_CDATA);
			else if (x->bang_len == 7 && xin_bang_is(x, "DOCTYPE")) {
				x->state = X_DOCTYPE;
				x->quote = 0;
			} else if (!xin_bang_is(x, "--") &&
				   !xin_bang_is(x, "[CDATA[") &&
				   !xin_bang_is(x, "DOCTYPE"))
				x->state = c == '>' ? X_TEXT : X_DECL;
			if (x->state == X_TEXT)
				xin_new_run(x, X_TEXT);
			break;
		case X_STAG:
			xin_emit(x, c);
			if (xin_tag_byte(x, p, i))
				break;
			if (c == '"' || c == '\'') {
				x->quote = c;
				xin_new_run(x, X_AVAL);
			} else if (c == '>') {
				if (x->prev != '/') {
					if (x->depth == XIN_DEPTH_MAX) {
						xin_refuse(x, p, i, "refused: elements "
							   "nested deeper than %d",
							   XIN_DEPTH_MAX);
						break;
					}
					x->open[x->depth].bytes = x->tag_bytes;
					x->open[x->depth].attrs = x->tag_attrs;
					x->open_bytes += x->tag_bytes;
					x->open_attrs += x->tag_attrs;
					x->depth++;
				}
				xin_new_run(x, X_TEXT);
			} else if (c == '=' &&
				   ++x->tag_attrs + x->open_attrs > XIN_OPEN_ATTRS) {
				xin_refuse(x, p, i, "refused: more than %d "
					   "attributes (counting the enclosing "
					   "elements')", XIN_OPEN_ATTRS);
			}
			x->prev = c;
			break;
		case X_AVAL:
			if (c == x->quote) {
				xin_emit(x, c);
				x->state = X_STAG;
				x->prev = c;
				xin_tag_byte(x, p, i);
				break;
			}
			if (x->cutting) {
				const unsigned char *q = memchr(p + i, x->quote, n - i);

				i = (q ? (size_t)(q - p) : n) - 1;
				break;
			}
			k = xin_keep(x, c, 1);
			if (k > 0) {
				xin_emit(x, c);
				xin_tag_byte(x, p, i);
			} else if (k < 0) {
				xin_emits(x, ATTR_TRUNCATED_NOTE);
				x->tag_bytes += strlen(ATTR_TRUNCATED_NOTE);
			}
			break;
		case X_ETAG:
			xin_emit(x, c);
			if (xin_tag_byte(x, p, i))
				break;
			if (c == '>') {
				if (x->depth) {
					x->depth--;
					x->open_bytes -= x->open[x->depth].bytes;
					x->open_attrs -= x->open[x->depth].attrs;
				}
				xin_new_run(x, X_TEXT);
			}
			break;
		case X_COMMENT:
		case X_CDATA:
		case X_PI: {
			/* Each ends with its own mark: "-->", "]]>", "?>". */
			unsigned char mark = x->state == X_COMMENT ? '-' :
					     x->state == X_CDATA ? ']' : '?';
			int need = x->state == X_PI ? 1 : 2;

			if (c == '>' && x->marks >= need) {
				if (x->cutting)
					xin_emits(x, x->state == X_COMMENT ? "-->" :
						  x->state == X_CDATA ? "]]>" : "?>");
				else
					xin_emit(x, c);
				xin_new_run(x, X_TEXT);
				break;
			}
			x->marks = c == mark ? x->marks + 1 : 0;
			k = xin_keep(x, c, 0);
			if (k > 0)
				xin_emit(x, c);
			else if (k < 0 && x->state == X_CDATA)
				xin_emits(x, TRUNCATED_NOTE);
			else if (k < 0 && x->state == X_COMMENT)
				xin_emit(x, ' ');   /* never "--->" */
			break;
		}
		case X_DOCTYPE:
			xin_emit(x, c);
			if (xin_tag_byte(x, p, i))
				break;
			if (x->quote) {
				if (c == x->quote)
					x->quote = 0;
			} else if (c == '"' || c == '\'') {
				x->quote = c;
			} else if (c == '[') {
				xin_refuse(x, p, i, "refused: document type "
					   "declaration with an internal subset "
					   "(entities are never expanded)");
			} else if (c == '>') {
				xin_new_run(x, X_TEXT);
			}
			break;
		case X_DECL:
			xin_emit(x, c);
			if (!xin_tag_byte(x, p, i) && c == '>')
				xin_new_run(x, X_TEXT);
			break;
		}
	}
}

/* cancel_fd readable or hung up: the run is stopping. */
static int xin_canceled(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&pfd, 1, 0) > 0 &&
	       (pfd.revents & (POLLIN | POLLHUP | POLLERR));
}

/*
 * The file starts the way libxml2 recognises an encoding that is not
 * ASCII-compatible (xmlDetectCharEncoding): a UTF-16 byte order mark,
 * or "<" or "<?" in UTF-16, UCS-4 or EBCDIC.  The tokenizer reads bytes
 * and would not see the markup of such a file.
 */
static int xin_wide(const unsigned char *p, size_t n)
{
	static const char *const starts[] = {
		"\x00\x00\x00\x3c", "\x3c\x00\x00\x00", "\x00\x00\x3c\x00",
		"\x00\x3c\x00\x00", "\x4c\x6f\xa7\x94", "\x3c\x00\x3f\x00",
		"\x00\x3c\x00\x3f",
	};
	size_t i;

	if (n >= 2 && ((p[0] == 0xfe && p[1] == 0xff) ||
		       (p[0] == 0xff && p[1] == 0xfe)))
		return 1;
	for (i = 0; n >= 4 && i < sizeof(starts) / sizeof(starts[0]); i++)
		if (!memcmp(p, starts[i], 4))
			return 1;
	return 0;
}

/*
 * Refill x->out with what libxml2 gets next; returns the number of bytes,
 * 0 at the end of the input or when it stopped (then x->err says why).
 */
static size_t xin_fill(struct xin *x)
{
	ssize_t n;
	size_t k;

	x->out_len = x->out_pos = 0;
	while (!x->out_len) {
		if (x->err || x->eof)
			return 0;
		if (xin_canceled(x->cancel_fd)) {
			x->err = OFFLOAD_ECANCELED;
			snprintf(x->msg, sizeof(x->msg),
				 "junit '%s': reading canceled", x->path);
			return 0;
		}
		do
			n = read(x->fd, x->raw, XIN_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			x->err = OFFLOAD_EPARSE;
			snprintf(x->msg, sizeof(x->msg),
				 "cannot read junit '%s': %s", x->path,
				 strerror(errno));
			return 0;
		}
		if (n == 0) {
			x->eof = 1;
			return 0;
		}
		if (!x->total && xin_wide(x->raw, (size_t)n)) {
			xin_refuse(x, NULL, 0, "refused: UTF-16, UTF-32 or "
				   "EBCDIC (result files are read as UTF-8)");
			return 0;
		}
		x->total += (size_t)n;
		if (x->total > XIN_MAX_BYTES) {
			xin_refuse(x, NULL, 0, "refused: larger than %llu GiB "
				   "(the rest is not read)", XIN_MAX_BYTES >> 30);
			return 0;
		}
		xin_filter(x, x->raw, (size_t)n);
		for (k = 0; k < (size_t)n; k++)
			x->line += x->raw[k] == '\n';
	}
	return x->out_len;
}

/* libxml2's read callback (the tree parser of merges): 0 at the end. */
static int xin_read(void *ctx, char *dst, int len)
{
	struct xin *x = ctx;
	size_t k;

	if (x->out_pos == x->out_len && !xin_fill(x))
		return x->err ? -1 : 0;
	k = x->out_len - x->out_pos;
	if (k > (size_t)len)
		k = (size_t)len;
	memcpy(dst, x->out + x->out_pos, k);
	x->out_pos += k;
	return (int)k;
}

/* libxml2 closes its input when done; the fd stays ours. */
static int xin_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/*
 * Open `path` for xin_read(): a regular file only.  O_NONBLOCK so that a
 * FIFO cannot block the open() itself (with no writer it would wait
 * forever); cleared again for the reads.
 */
static int xin_open(struct xin *x, const char *path, int cancel_fd,
		    struct offload_error *err)
{
	struct stat st;
	int flags, rc;

	memset(x, 0, sizeof(*x));
	x->path = path;
	x->cancel_fd = cancel_fd;
	x->line = 1;
	x->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (x->fd < 0)
		return err_set(err, OFFLOAD_EPARSE, "cannot read junit '%s': %s",
			       path, strerror(errno));
	if (fstat(x->fd, &st) < 0) {
		rc = err_set(err, OFFLOAD_EPARSE, "cannot read junit '%s': %s",
			path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(err, OFFLOAD_EPARSE, "cannot read junit '%s': %s", path,
			S_ISDIR(st.st_mode) ? "is a directory" :
			S_ISFIFO(st.st_mode) ? "not a regular file (a FIFO)" :
			S_ISSOCK(st.st_mode) ? "not a regular file (a socket)" :
			"not a regular file (a device)");
		goto fail;
	}
	flags = fcntl(x->fd, F_GETFL);
	if (flags < 0 || fcntl(x->fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		rc = err_set(err, OFFLOAD_EPARSE, "cannot read junit '%s': %s",
			path, strerror(errno));
		goto fail;
	}
	x->raw = malloc(XIN_CHUNK);
	x->out = malloc(XIN_CHUNK + 256);
	if (!x->raw || !x->out) {
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s", path,
			"out of memory");
		goto fail;
	}
	return 0;
fail:
	free(x->raw);
	free(x->out);
	close(x->fd);
	x->fd = -1;
	x->raw = NULL;
	x->out = NULL;
	return rc;
}

static void xin_release(struct xin *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->raw);
	free(x->out);
	x->raw = NULL;
	x->out = NULL;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

/* A text field with a cap, so that huge outputs cost bounded memory. */
struct capped {
	struct buf b;
	int truncated;
};

static int capped_add(struct capped *c, const char *s, size_t n, size_t cap)
{
	if (c->truncated)
		return 0;
	if (c->b.len + n > cap) {
		n = cap > c->b.len ? cap - c->b.len : 0;
		/* Do not cut a UTF-8 sequence in half. */
		while (n && is_cont((unsigned char)s[n]))
			n--;
		c->truncated = 1;
		if (buf_add(&c->b, s, n) || buf_adds(&c->b, TRUNCATED_NOTE))
			return OFFLOAD_ENOMEM;
		return 0;
	}
	return buf_add(&c->b, s, n);
}

static char *capped_detach(struct capped *c)
{
	c->truncated = 0;
	return c->b.len ? buf_detach(&c->b) : (buf_release(&c->b), NULL);
}

struct reader {
	const char *path;
	int want_log;             /* collect offload_logged_case data too */

	struct junit_case *cases;
	size_t nr, alloc;
	/* want_log only: per case, flaky flag and log text */
	int *flaky;
	char **logs;

	char *suite_host;         /* hostname of the <testsuite> last opened */

	/* want_meta only (junit_load): offload's suite properties */
	int want_meta;
	size_t suite_first;       /* index of the first case of the suite open */
	struct strvec batches;    /* offload.batch values */
	struct strvec attempts;   /* offload.attempts values, K made global */
	char *stamp;              /* the first suite's timestamp */
	char *total;              /* <testsuites time>, or NULL */
	int interrupted;          /* an offload.interrupted property */
	int saw_suite;            /* a <testsuite> or <testsuites> element */

	/* the case being read */
	int in_case, case_depth;
	struct junit_case cur;
	int cur_flaky, cur_decided, cur_reruns;
	struct capped text, out, err, log;

	/* text capture: inside a child of <testcase> */
	int capture_depth;        /* depth of the capturing element, -1: none */
	struct capped *target;    /* NULL: only the log gets the text */
	struct buf header;        /* pending log header, written before text */
	int header_forced;        /* write the header even without text */

	/* the SAX parser's events */
	xmlParserCtxtPtr ctxt;
	int depth;                /* elements open */
	int rc;                   /* first error of ours (ENOMEM): stop */
	struct buf qname;         /* "prefix:name" of an undeclared prefix */

	/* first error reported by libxml2 */
	int err_line;
	char err_msg[300];
	int fatal;                /* an error stopped the parser */
};

static void reader_error(void *arg, xmlErrorPtr e)
{
	struct reader *rd = arg;
	xmlParserCtxtPtr ctxt;
	size_t n;

	if (e && e->level == XML_ERR_FATAL)
		rd->fatal = 1;
	/* Out of memory, unless it is the dictionary's limit (below). */
	ctxt = e && e->domain == XML_FROM_PARSER ? e->ctxt : NULL;
	if (e && e->code == XML_ERR_NO_MEMORY &&
	    !(ctxt && ctxt->dict &&
	      xmlDictGetUsage(ctxt->dict) >= XIN_NAMES_CAP))
		xml_nomem = 1;
	if (!e || rd->err_msg[0] || e->level < XML_ERR_ERROR)
		return;
	rd->err_line = e->line;
	snprintf(rd->err_msg, sizeof(rd->err_msg), "%s",
		 e->message ? e->message : "parse error");
	/* Out of "memory" in the dictionary of names: our limit. */
	ctxt = e->domain == XML_FROM_PARSER ? e->ctxt : NULL;
	if (e->code == XML_ERR_NO_MEMORY && ctxt && ctxt->dict &&
	    xmlDictGetUsage(ctxt->dict) >= XIN_NAMES_CAP) {
		snprintf(rd->err_msg, sizeof(rd->err_msg), "refused: more "
			 "than %d MiB of distinct names (of elements, "
			 "attributes, namespaces)", XIN_NAMES_CAP >> 20);
		return;
	}
	/*
	 * The reader's push parser reports any input that ends too early
	 * as "extra content at the end of the document"; its state tells
	 * a truncated or empty file from real extra content.
	 */
	if (e->code == XML_ERR_DOCUMENT_EMPTY ||
	    (e->code == XML_ERR_DOCUMENT_END && ctxt &&
	     (ctxt->instate == XML_PARSER_START ||
	      ctxt->instate == XML_PARSER_MISC ||
	      ctxt->instate == XML_PARSER_PROLOG)))
		snprintf(rd->err_msg, sizeof(rd->err_msg),
			 "no root element (empty file, or not XML)");
	else if (e->code == XML_ERR_DOCUMENT_END && ctxt &&
		 ctxt->instate != XML_PARSER_EPILOG)
		snprintf(rd->err_msg, sizeof(rd->err_msg),
			 "premature end of data%s%s",
			 ctxt->nameNr > 0 && ctxt->name ? " in tag " : "",
			 ctxt->nameNr > 0 && ctxt->name ?
			 (const char *)ctxt->name : "");
	/* libxml2 ends messages with a newline; the style wants lower case. */
	n = strlen(rd->err_msg);
	while (n && (rd->err_msg[n - 1] == '\n' || rd->err_msg[n - 1] == ' '))
		rd->err_msg[--n] = '\0';
	if (rd->err_msg[0] >= 'A' && rd->err_msg[0] <= 'Z' &&
	    !(rd->err_msg[1] >= 'A' && rd->err_msg[1] <= 'Z'))
		rd->err_msg[0] += 'a' - 'A';
}

static void case_release(struct junit_case *c)
{
	free(c->name);
	free(c->classname);
	free(c->nodeid);
	free(c->message);
	free(c->text);
	free(c->out);
	free(c->err);
	free(c->host);
	memset(c, 0, sizeof(*c));
}

void junit_cases_free(struct junit_case *cases, size_t nr)
{
	size_t i;

	for (i = 0; cases && i < nr; i++)
		case_release(&cases[i]);
	free(cases);
}

static void reader_reset_current(struct reader *rd)
{
	case_release(&rd->cur);
	buf_release(&rd->text.b);
	buf_release(&rd->out.b);
	buf_release(&rd->err.b);
	buf_release(&rd->log.b);
	rd->text.truncated = rd->out.truncated = 0;
	rd->err.truncated = rd->log.truncated = 0;
	rd->in_case = 0;
	rd->cur_flaky = rd->cur_decided = rd->cur_reruns = 0;
	rd->capture_depth = -1;
	rd->target = NULL;
	buf_reset(&rd->header);
}

/* An element's attributes as libxml2's SAX2 hands them over. */
struct attrs {
	const xmlChar **a;        /* localname, prefix, URI, value, end; ... */
	int nr;
};

/*
 * A copy of attribute `name` without a namespace (caller frees), `dflt`
 * copied when absent.  libxml2 decodes values for SAX2 except for one
 * character: an '&' arrives as "&#38;" (for a tree builder to parse
 * again), and is decoded here.
 */
static int get_attr(const struct attrs *at, const char *name,
		    const char *dflt, char **out)
{
	const char *v, *end;
	const xmlChar **a;
	size_t n;
	int i;

	*out = NULL;
	for (i = 0; i < at->nr; i++) {
		a = at->a + 5 * i;
		if (a[1] || strcmp((const char *)a[0], name))
			continue;
		v = (const char *)a[3];
		end = (const char *)a[4];
		if (!(*out = malloc((size_t)(end - v) + 1)))
			return OFFLOAD_ENOMEM;
		for (n = 0; v < end; n++) {
			if (end - v >= 5 && !memcmp(v, "&#38;", 5)) {
				(*out)[n] = '&';
				v += 5;
			} else {
				(*out)[n] = *v++;
			}
		}
		(*out)[n] = '\0';
		return 0;
	}
	if (!dflt)
		return 0;
	*out = strdup(dflt);
	return *out ? 0 : OFFLOAD_ENOMEM;
}

/*
 * The number at the start of a time attribute: "12.5", "1,234.5" (Surefire
 * groups thousands), "1e-05".  Parsed by hand because strtod() follows
 * the caller's locale.  Anything else is 0.
 */
static double parse_secs(const char *s)
{
	double v = 0, scale = 0.1;
	int digits = 0, exp = 0, exp_neg = 0;

	if (!s)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; (*s >= '0' && *s <= '9') || (*s == ',' && digits); s++) {
		if (*s != ',') {
			v = v * 10 + (*s - '0');
			digits++;
		}
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10) {
			v += (*s - '0') * scale;
			digits++;
		}
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			exp_neg = *s++ == '-';
		for (; *s >= '0' && *s <= '9' && exp < 400; s++)
			exp = exp * 10 + (*s - '0');
		/* A loop rather than pow(): no libm for one attribute. */
		for (; exp > 0; exp--)
			v = exp_neg ? v / 10 : v * 10;
	}
	return isfinite(v) ? v : 0;
}

static int reader_start_case(struct reader *rd, const struct attrs *r,
			     int depth)
{
	char *time_s = NULL;
	int rc;

	reader_reset_current(rd);
	rd->in_case = 1;
	rd->case_depth = depth;
	rd->cur.outcome = OFFLOAD_ATTEMPT_PASSED;
	rc = get_attr(r, "name", "", &rd->cur.name);
	if (!rc)
		rc = get_attr(r, "classname", "", &rd->cur.classname);
	if (!rc && rd->suite_host && !(rd->cur.host = strdup(rd->suite_host)))
		rc = OFFLOAD_ENOMEM;
	if (!rc)
		rc = get_attr(r, "time", NULL, &time_s);
	rd->cur.secs = parse_secs(time_s);
	free(time_s);
	return rc;
}

static int reader_end_case(struct reader *rd)
{
	struct junit_case *c;
	size_t n;

	if (rd->nr == rd->alloc) {
		n = rd->alloc ? rd->alloc * 2 : 16;
		c = realloc(rd->cases, n * sizeof(*c));
		if (!c)
			return OFFLOAD_ENOMEM;
		rd->cases = c;
		if (rd->want_log) {
			int *f = realloc(rd->flaky, n * sizeof(*f));
			char **l;

			if (!f)
				return OFFLOAD_ENOMEM;
			rd->flaky = f;
			l = realloc(rd->logs, n * sizeof(*l));
			if (!l)
				return OFFLOAD_ENOMEM;
			rd->logs = l;
		}
		rd->alloc = n;
	}
	rd->cur.text = capped_detach(&rd->text);
	rd->cur.out = capped_detach(&rd->out);
	rd->cur.err = capped_detach(&rd->err);
	if (rd->want_log) {
		rd->flaky[rd->nr] = rd->cur_flaky;
		rd->logs[rd->nr] = capped_detach(&rd->log);
	}
	rd->cases[rd->nr++] = rd->cur;
	memset(&rd->cur, 0, sizeof(rd->cur));
	reader_reset_current(rd);
	return 0;
}

static int log_add(struct reader *rd, const char *s, size_t n)
{
	return capped_add(&rd->log, s, n, 4 * JUNIT_READ_CAP);
}

static int flush_header(struct reader *rd)
{
	int rc = 0;

	if (rd->want_log && rd->header.len) {
		if (rd->log.b.len && rd->log.b.buf[rd->log.b.len - 1] != '\n')
			rc = log_add(rd, "\n", 1);
		if (!rc)
			rc = log_add(rd, rd->header.buf, rd->header.len);
	}
	buf_reset(&rd->header);
	return rc;
}

static int capture_text(struct reader *rd, const char *s, size_t n)
{
	int rc = 0;

	if (rd->target)
		rc = capped_add(rd->target, s, n, JUNIT_READ_CAP);
	if (!rc && rd->want_log) {
		rc = flush_header(rd);
		if (!rc)
			rc = log_add(rd, s, n);
	}
	return rc;
}

/* Start capturing the text of a child of <testcase>. */
static int capture_start(struct reader *rd, const struct attrs *r,
			 int depth, const char *name, struct capped *target,
			 int forced)
{
	char *msg = NULL;
	int rc = 0;

	rd->capture_depth = depth;
	rd->target = target;
	rd->header_forced = forced;
	buf_reset(&rd->header);
	if (!rd->want_log)
		return 0;
	if (forced && get_attr(r, "message", NULL, &msg))
		return OFFLOAD_ENOMEM;
	if (!strcmp(name, "rerunFailure") || !strcmp(name, "rerunError") ||
	    !strcmp(name, "flakyFailure") || !strcmp(name, "flakyError"))
		rc = buf_addf(&rd->header, "--- %s (attempt %d)%s%s ---\n",
			      name, ++rd->cur_reruns, msg ? ": " : "",
			      msg ? msg : "");
	else
		rc = buf_addf(&rd->header, "--- %s%s%s ---\n", name,
			      msg ? ": " : "", msg ? msg : "");
	free(msg);
	return rc;
}

static int capture_end(struct reader *rd)
{
	int rc = 0;

	if (rd->header_forced)
		rc = flush_header(rd);
	buf_reset(&rd->header);
	rd->capture_depth = -1;
	rd->target = NULL;
	return rc;
}

/* An element start inside a <testcase> (not the testcase itself). */
static int reader_case_element(struct reader *rd, const struct attrs *r,
			       const char *name, int depth, int empty)
{
	int rel = depth - rd->case_depth, rc = 0;
	enum offload_outcome o;
	char *v;

	if (rd->capture_depth >= 0) {
		/* Nested in a captured element: label it in the log only. */
		if (rd->want_log && !empty) {
			/*
			 * The element's own header is due now; the label is
			 * written only if text follows.
			 */
			if (rd->header_forced)
				rc = flush_header(rd);
			rd->header_forced = 0;
			buf_reset(&rd->header);
			if (!rc)
				rc = buf_addf(&rd->header, "--- %s ---\n", name);
		}
		return rc;
	}
	if (rel == 2 && !strcmp(name, "property")) {
		if ((rc = get_attr(r, "name", NULL, &v)))
			return rc;
		if (v && !strcmp(v, "offload_nodeid") && !rd->cur.nodeid)
			rc = get_attr(r, "value", "", &rd->cur.nodeid);
		free(v);
		return rc;
	}
	if (rel != 1)
		return 0;

	if (!strcmp(name, "failure") || !strcmp(name, "error") ||
	    !strcmp(name, "skipped")) {
		struct capped *target = NULL;

		o = name[0] == 'f' ? OFFLOAD_ATTEMPT_FAILED :
		    name[0] == 'e' ? OFFLOAD_ATTEMPT_ERROR :
		    OFFLOAD_ATTEMPT_SKIPPED;
		/* The first failure or error decides; skipped only if none. */
		if (!rd->cur_decided &&
		    (o != OFFLOAD_ATTEMPT_SKIPPED ||
		     rd->cur.outcome == OFFLOAD_ATTEMPT_PASSED)) {
			rd->cur.outcome = o;
			rd->cur_decided = o != OFFLOAD_ATTEMPT_SKIPPED;
			free(rd->cur.message);
			if ((rc = get_attr(r, "message", NULL, &rd->cur.message)))
				return rc;
			buf_reset(&rd->text.b);
			rd->text.truncated = 0;
			target = &rd->text;
		}
		rc = capture_start(rd, r, depth, name, target, 1);
	} else if (!strcmp(name, "flakyFailure") ||
		   !strcmp(name, "flakyError")) {
		rd->cur_flaky = 1;
		rc = capture_start(rd, r, depth, name, NULL, 1);
	} else if (!strcmp(name, "rerunFailure") ||
		   !strcmp(name, "rerunError")) {
		rc = capture_start(rd, r, depth, name, NULL, 1);
	} else if (!strcmp(name, "system-out")) {
		rc = capture_start(rd, r, depth, name, &rd->out, 0);
	} else if (!strcmp(name, "system-err")) {
		rc = capture_start(rd, r, depth, name, &rd->err, 0);
	}
	return rc;
}

/*
 * The SAX2 events.  libxml2 hands text over in pieces as it parses, so
 * nothing here holds a whole text node: each piece goes to its capped
 * field at once.
 */
static void sax_stop(struct reader *rd, int rc)
{
	if (rc && !rd->rc) {
		rd->rc = rc;
		xmlStopParser(rd->ctxt);
	}
}


/* Outside a test case, for junit_load(): offload's properties. */
static int reader_meta(struct reader *rd, const struct attrs *at,
		       const char *name)
{
	char *n = NULL, *v = NULL, *end;
	int rc = 0;

	if (!strcmp(name, "testsuites") && !rd->total)
		return get_attr(at, "time", NULL, &rd->total);
	if (strcmp(name, "property"))
		return 0;
	if ((rc = get_attr(at, "name", NULL, &n)) ||
	    (rc = get_attr(at, "value", "", &v)) || !n)
		goto out;
	if (!strcmp(n, "offload.interrupted")) {
		rd->interrupted = !strcmp(v, "SIGTERM") ? SIGTERM :
				  !strcmp(v, "SIGHUP") ? SIGHUP :
				  !strcmp(v, "SIGQUIT") ? SIGQUIT : SIGINT;
	} else if (!strcmp(n, "offload.batch")) {
		rc = strvec_push(&rd->batches, v);
	} else if (!strcmp(n, "offload.attempts")) {
		unsigned long long k = strtoull(v, &end, 10);

		if (end != v && *end == ' ')
			rc = strvec_pushf(&rd->attempts, "%llu%s",
					  k + rd->suite_first, end);
	}
out:
	free(n);
	free(v);
	return rc ? OFFLOAD_ENOMEM : 0;
}

static void sax_start(void *ctx, const xmlChar *localname,
		      const xmlChar *prefix, const xmlChar *uri,
		      int nb_namespaces, const xmlChar **namespaces,
		      int nb_attributes, int nb_defaulted,
		      const xmlChar **attributes)
{
	struct reader *rd = ctx;
	struct attrs at = { attributes, nb_attributes };
	const char *name = (const char *)localname;
	xmlParserInputPtr in = rd->ctxt->input;
	int depth = rd->depth++, rc = 0, empty;

	(void)nb_namespaces, (void)namespaces, (void)nb_defaulted;
	if (rd->rc)
		return;
	/* libxml2 calls this with the input at the tag's "/>" or ">". */
	empty = in && in->cur + 1 < in->end && in->cur[0] == '/' &&
		in->cur[1] == '>';
	/* An undeclared prefix stays part of the name, as in a tree. */
	if (prefix && !uri) {
		buf_reset(&rd->qname);
		if ((rc = buf_addf(&rd->qname, "%s:%s", (const char *)prefix,
				   name)))
			goto out;
		name = rd->qname.buf;
	}
	if (!strcmp(name, "testsuite") || !strcmp(name, "testsuites"))
		rd->saw_suite = 1;
	if (!rd->in_case) {
		if (!strcmp(name, "testcase")) {
			rc = reader_start_case(rd, &at, depth);
		} else if (!strcmp(name, "testsuite")) {
			free(rd->suite_host);
			rd->suite_host = NULL;
			rc = get_attr(&at, "hostname", NULL, &rd->suite_host);
			rd->suite_first = rd->nr;
			if (!rc && rd->want_meta && !rd->stamp)
				rc = get_attr(&at, "timestamp", NULL, &rd->stamp);
		} else if (rd->want_meta) {
			rc = reader_meta(rd, &at, name);
		}
	} else {
		rc = reader_case_element(rd, &at, name, depth, empty);
	}
out:
	sax_stop(rd, rc);
}

static void sax_end(void *ctx, const xmlChar *localname,
		    const xmlChar *prefix, const xmlChar *uri)
{
	struct reader *rd = ctx;
	int depth = --rd->depth;

	(void)localname, (void)prefix, (void)uri;
	if (rd->rc || !rd->in_case)
		return;
	if (depth == rd->capture_depth)
		sax_stop(rd, capture_end(rd));
	else if (depth == rd->case_depth)
		sax_stop(rd, reader_end_case(rd));
}

/* Text and CDATA: what counts is inside a captured element. */
static void sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct reader *rd = ctx;

	if (!rd->rc && rd->in_case && rd->capture_depth >= 0 &&
	    rd->depth > rd->capture_depth)
		sax_stop(rd, capture_text(rd, (const char *)ch,
					  len > 0 ? (size_t)len : 0));
}

/*
 * Comments and processing instructions are ignored, but handled: libxml2
 * words some errors in them differently when nobody listens.
 */
static void sax_comment(void *ctx, const xmlChar *value)
{
	(void)ctx, (void)value;
}

static void sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	(void)ctx, (void)target, (void)data;
}

/* libxml2 passes ctxt->userData, the reader. */
static void sax_error(void *ctx, xmlErrorPtr e)
{
	reader_error(ctx, e);
}

static void reader_release(struct reader *rd)
{
	reader_reset_current(rd);
	buf_release(&rd->header);
	buf_release(&rd->qname);
	free(rd->suite_host);
	rd->suite_host = NULL;
}

/* Neither libxml2 nor a handler of ours has stopped the parse. */
static int reading(const struct reader *rd)
{
	return !rd->rc && rd->ctxt->wellFormed && !rd->ctxt->disableSAX &&
	       rd->ctxt->instate != XML_PARSER_EOF;
}

/*
 * The one reader behind junit_read() and offload_report_read(): a SAX2
 * push parser fed from xin_fill(), so that neither a tree nor a whole
 * text node is ever held.  On return rd->cases (and, with want_log,
 * rd->flaky and rd->logs) hold the complete cases read, also when the
 * file is malformed or refused.
 */
static int read_file(struct reader *rd, int cancel_fd,
		     struct offload_error *err)
{
	xmlSAXHandler sax;
	struct xml_quiet q;
	struct xin x;
	char slice[512];
	size_t n, i, k, have = 0;
	int rc;

	rd->capture_depth = -1;
	if ((rc = xin_open(&x, rd->path, cancel_fd, err)))
		return rc;
	xml_quiet_on(&q);
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_text;
	sax.ignorableWhitespace = sax_text;
	sax.cdataBlock = sax_text;
	sax.comment = sax_comment;
	sax.processingInstruction = sax_pi;
	sax.serror = sax_error;
	/*
	 * Fed the way xmlTextReader feeds its push parser (the first 4
	 * bytes at its creation, then slices of 512): where the parser
	 * stops in a broken file, and so the line and the wording of its
	 * error, depend on that.
	 */
	n = xin_fill(&x);
	i = n >= 4 ? 4 : 0;
	rd->ctxt = xmlCreatePushParserCtxt(&sax, rd, i ? x.out : NULL, (int)i,
					   rd->path);
	/*
	 * No XML_PARSE_HUGE: libxml2's own limits (names, nesting, its
	 * dictionary, entity amplification) stay on behind ours.  Entities
	 * stay unexpanded and no DTD is fetched: the file is data.
	 */
	if (!rd->ctxt ||
	    xmlCtxtUseOptions(rd->ctxt, XML_PARSE_NONET | XML_PARSE_NOWARNING |
			      XML_PARSE_NOERROR) < 0) {
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			     rd->path, "out of memory");
		goto cleanup;
	}
	xmlDictSetLimit(rd->ctxt->dict, XIN_NAMES_CAP);
	for (; n && reading(rd); n = xin_fill(&x), i = 0) {
		for (; i < n && reading(rd); i += k) {
			k = n - i < sizeof(slice) - have ? n - i :
			    sizeof(slice) - have;
			memcpy(slice + have, x.out + i, k);
			if ((have += k) == sizeof(slice)) {
				xmlParseChunk(rd->ctxt, slice, (int)have, 0);
				have = 0;
			}
		}
	}
	if (have && reading(rd))
		xmlParseChunk(rd->ctxt, slice, (int)have, 0);
	if (reading(rd))
		xmlParseChunk(rd->ctxt, NULL, 0, 1);

	/* A refusal of ours explains whatever libxml2 made of the rest. */
	if (rd->rc)
		rc = err_set(err, rd->rc, "cannot read junit '%s': %s",
			     rd->path, offload_strerror(rd->rc));
	else if (x.err)
		rc = err_set(err, x.err, "%s", x.msg);
	else if (xml_nomem)
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			     rd->path, "out of memory");
	else if ((!rd->ctxt->wellFormed || rd->fatal) && rd->err_msg[0])
		rc = err_set(err, OFFLOAD_EPARSE, "junit '%s' line %d: %s",
			     rd->path, rd->err_line, rd->err_msg);
	else if (!rd->ctxt->wellFormed || rd->fatal)
		rc = err_set(err, OFFLOAD_EPARSE, "junit '%s': malformed XML",
			     rd->path);

cleanup:
	if (rd->ctxt) {
		if (rd->ctxt->myDoc)
			xmlFreeDoc(rd->ctxt->myDoc);
		xmlFreeParserCtxt(rd->ctxt);
	}
	rd->ctxt = NULL;
	xml_quiet_off(&q);
	xin_release(&x);
	reader_release(rd);
	return rc;
}

int junit_read(const char *path, int cancel_fd, struct junit_case **cases,
	       size_t *nr, struct offload_error *err)
{
	struct reader rd;
	int rc;

	memset(&rd, 0, sizeof(rd));
	rd.path = path;
	rc = read_file(&rd, cancel_fd, err);
	*cases = rd.cases;
	*nr = rd.nr;
	return rc;
}

void offload_logged_cases_free(struct offload_logged_case *cases, size_t nr)
{
	size_t i;

	for (i = 0; cases && i < nr; i++) {
		free(cases[i].name);
		free(cases[i].classname);
		free(cases[i].status);
		free(cases[i].text);
		free(cases[i].host);
	}
	free(cases);
}

static const char *logged_status(const struct junit_case *c, int flaky)
{
	switch (c->outcome) {
	case OFFLOAD_ATTEMPT_FAILED:
		return "failed";
	case OFFLOAD_ATTEMPT_ERROR:
		return "error";
	case OFFLOAD_ATTEMPT_SKIPPED:
		return "skipped";
	case OFFLOAD_ATTEMPT_PASSED:
		break;
	}
	return flaky ? "flaky" : "passed";
}

int offload_report_read(const char *path, struct offload_logged_case **cases,
			size_t *nr, struct offload_error *err)
{
	struct offload_logged_case *out = NULL;
	struct reader rd;
	size_t i;
	int rc;

	*cases = NULL;
	*nr = 0;
	memset(&rd, 0, sizeof(rd));
	rd.path = path;
	rd.want_log = 1;
	rc = read_file(&rd, -1, err);
	if (rd.nr && !(out = calloc(rd.nr, sizeof(*out))))
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			     path, "out of memory");
	for (i = 0; out && i < rd.nr; i++) {
		struct offload_logged_case *l = &out[i];

		/* Move the strings over; only status needs a copy. */
		l->name = rd.cases[i].name;
		l->classname = rd.cases[i].classname;
		l->host = rd.cases[i].host;
		rd.cases[i].name = rd.cases[i].classname = NULL;
		rd.cases[i].host = NULL;
		l->text = rd.logs[i] ? rd.logs[i] : strdup("");
		rd.logs[i] = NULL;
		l->status = strdup(logged_status(&rd.cases[i], rd.flaky[i]));
		if (!l->text || !l->status) {
			offload_logged_cases_free(out, i + 1);
			out = NULL;
			rc = err_set(err, OFFLOAD_ENOMEM,
				     "cannot read junit '%s': %s", path,
				     "out of memory");
		}
	}
	if (out) {
		*cases = out;
		*nr = rd.nr;
	}
	for (i = 0; i < rd.nr; i++)
		free(rd.logs[i]);
	free(rd.logs);
	free(rd.flaky);
	junit_cases_free(rd.cases, rd.nr);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

struct writer {
	xmlTextWriterPtr w;
	int failed;               /* a libxml2 call failed (I/O or memory) */
	int nomem;                /* an allocation of ours failed */
	const struct timeline *tl;   /* batches and attempts to record, or NULL */
	int batches_written;      /* the offload.batch properties are out */
};

static void w_start(struct writer *jw, const char *name)
{
	if (xmlTextWriterStartElement(jw->w, BAD_CAST name) < 0)
		jw->failed = 1;
}

static void w_end(struct writer *jw)
{
	if (xmlTextWriterEndElement(jw->w) < 0)
		jw->failed = 1;
}

/* Attribute with a value known to be clean (numbers, fixed words). */
static void w_attr(struct writer *jw, const char *name, const char *value)
{
	if (xmlTextWriterWriteAttribute(jw->w, BAD_CAST name, BAD_CAST value) < 0)
		jw->failed = 1;
}

static void w_attr_esc(struct writer *jw, const char *name, const char *value)
{
	char *e = junit_escape(value);

	if (!e) {
		jw->nomem = 1;
		return;
	}
	w_attr(jw, name, e);
	free(e);
}

static void w_attr_size(struct writer *jw, const char *name, size_t n)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", n);
	w_attr(jw, name, num);
}

/* Seconds as "%.3f", independent of the locale's decimal point. */
static void format_secs(char *num, size_t size, double secs)
{
	long long ms;

	if (!(secs > 0) || !isfinite(secs))
		secs = 0;
	if (secs > 1e12)
		secs = 1e12;
	ms = (long long)(secs * 1000 + 0.5);
	snprintf(num, size, "%lld.%03lld", ms / 1000, ms % 1000);
}

static void w_attr_secs(struct writer *jw, const char *name, double secs)
{
	char num[48];

	format_secs(num, sizeof(num), secs);
	w_attr(jw, name, num);
}

/* Escaped text, at most JUNIT_OUTPUT_CAP bytes of it. */
static void w_text_capped(struct writer *jw, const char *s)
{
	size_t n = strlen(s), cut;
	struct buf b = BUF_INIT;

	if (escape_into(&b, s, n > JUNIT_OUTPUT_CAP ? JUNIT_OUTPUT_CAP : n)) {
		jw->nomem = 1;
		goto cleanup;
	}
	if (b.len > JUNIT_OUTPUT_CAP || n > JUNIT_OUTPUT_CAP) {
		cut = b.len > JUNIT_OUTPUT_CAP ? JUNIT_OUTPUT_CAP : b.len;
		while (cut && is_cont((unsigned char)b.buf[cut]))
			cut--;
		b.len = cut;
		b.buf[cut] = '\0';
		if (buf_adds(&b, TRUNCATED_NOTE)) {
			jw->nomem = 1;
			goto cleanup;
		}
	}
	if (xmlTextWriterWriteString(jw->w, BAD_CAST b.buf) < 0)
		jw->failed = 1;
cleanup:
	buf_release(&b);
}

static const char *signal_name(int signo, char *tmp, size_t size)
{
	static const struct { int no; const char *name; } names[] = {
		{ SIGINT, "SIGINT" }, { SIGTERM, "SIGTERM" },
		{ SIGHUP, "SIGHUP" }, { SIGQUIT, "SIGQUIT" },
		{ SIGKILL, "SIGKILL" }, { SIGPIPE, "SIGPIPE" },
		{ SIGALRM, "SIGALRM" }, { SIGUSR1, "SIGUSR1" },
		{ SIGUSR2, "SIGUSR2" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].no == signo)
			return names[i].name;
	snprintf(tmp, size, "signal %d", signo);
	return tmp;
}

static int attempt_failed(const struct offload_attempt *a)
{
	return a->outcome == OFFLOAD_ATTEMPT_FAILED ||
	       a->outcome == OFFLOAD_ATTEMPT_ERROR;
}

/*
 * The attempt whose duration the test reports: the first passing one for
 * passed and flaky tests (that is what a rerun would cost), the last
 * failed one for failed tests, the last one otherwise.  NULL if none.
 */
static const struct offload_attempt *deciding_attempt(const struct offload_result *res)
{
	size_t i;

	if (!res->attempts_nr)
		return NULL;
	if (res->verdict == OFFLOAD_PASSED || res->verdict == OFFLOAD_FLAKY) {
		for (i = 0; i < res->attempts_nr; i++)
			if (res->attempts[i].outcome == OFFLOAD_ATTEMPT_PASSED)
				return &res->attempts[i];
	} else if (res->verdict == OFFLOAD_FAILED) {
		for (i = res->attempts_nr; i-- > 0;)
			if (attempt_failed(&res->attempts[i]))
				return &res->attempts[i];
	} else if (res->verdict == OFFLOAD_SKIPPED) {
		for (i = res->attempts_nr; i-- > 0;)
			if (res->attempts[i].outcome == OFFLOAD_ATTEMPT_SKIPPED)
				return &res->attempts[i];
	}
	return &res->attempts[res->attempts_nr - 1];
}

static const char *outcome_type(const struct offload_attempt *a)
{
	return a->outcome == OFFLOAD_ATTEMPT_ERROR ? "error" : "failure";
}

static void w_indent(struct writer *jw, int on)
{
	if (xmlTextWriterSetIndent(jw->w, on) < 0)
		jw->failed = 1;
}

/* <flakyFailure> or <rerunFailure>: message, and the output inside. */
static void write_rerun(struct writer *jw, const char *element,
			const struct offload_attempt *a)
{
	w_start(jw, element);
	w_attr(jw, "type", outcome_type(a));
	if (a->message)
		w_attr_esc(jw, "message", a->message);
	if (a->output && *a->output) {
		/* Mixed content: indentation would become part of the text. */
		w_indent(jw, 0);
		w_start(jw, "system-out");
		w_text_capped(jw, a->output);
		w_end(jw);
	}
	w_end(jw);
	w_indent(jw, 1);
}

static double result_secs(const struct offload_result *res)
{
	const struct offload_attempt *a = deciding_attempt(res);

	return a && res->verdict != OFFLOAD_NOT_RUN ? a->secs : 0;
}

static void write_case(struct writer *jw, const char *group,
		       const struct offload_result *res, const char *interrupted)
{
	const struct offload_attempt *d = deciding_attempt(res);
	struct buf msg = BUF_INIT;
	size_t i;

	w_start(jw, "testcase");
	w_attr_esc(jw, "name", res->id);
	w_attr_esc(jw, "classname", group);
	w_attr_secs(jw, "time", result_secs(res));
	switch (res->verdict) {
	case OFFLOAD_PASSED:
		break;
	case OFFLOAD_FLAKY:
		for (i = 0; i < res->attempts_nr; i++)
			if (attempt_failed(&res->attempts[i]))
				write_rerun(jw, "flakyFailure", &res->attempts[i]);
		break;
	case OFFLOAD_FAILED:
		w_start(jw, "failure");
		w_attr(jw, "type", d ? outcome_type(d) : "failure");
		if (d && d->message)
			w_attr_esc(jw, "message", d->message);
		if (d && d->output && *d->output)
			w_text_capped(jw, d->output);
		w_end(jw);
		for (i = 0; i < res->attempts_nr; i++)
			if (&res->attempts[i] != d &&
			    attempt_failed(&res->attempts[i]))
				write_rerun(jw, "rerunFailure", &res->attempts[i]);
		break;
	case OFFLOAD_SKIPPED:
		w_start(jw, "skipped");
		if (d && d->message)
			w_attr_esc(jw, "message", d->message);
		w_end(jw);
		break;
	case OFFLOAD_NOT_RUN:
		w_start(jw, "error");
		w_attr(jw, "type", "notRun");
		if (buf_addf(&msg, "not run: %s", res->not_run_reason ?
			     res->not_run_reason : interrupted ? "" :
			     "no result") ||
		    (!res->not_run_reason && interrupted &&
		     buf_addf(&msg, "interrupted by %s", interrupted)))
			jw->nomem = 1;
		else
			w_attr_esc(jw, "message", msg.buf);
		w_end(jw);
		break;
	}
	w_end(jw);
	buf_release(&msg);
}

/* Where a result's deciding attempt ran: NULL for this machine. */
static const char *result_host(const struct offload_result *res)
{
	const struct offload_attempt *a = deciding_attempt(res);

	return a ? a->host : NULL;
}

static int same_host(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Result i belongs to the suite of group g on host `on`. */
static int in_suite(const struct offload_report *rep, size_t i, size_t g,
		    const char *on)
{
	return rep->results[i].group == g &&
		same_host(result_host(&rep->results[i]), on);
}

/*
 * One <testsuite> per group and host: `on` is the host (NULL: this one,
 * named `host`) whose results it holds, so that hostname says where each
 * test ran.
 */
static void w_property(struct writer *jw, const char *name, const char *value)
{
	w_start(jw, "property");
	w_attr(jw, "name", name);
	w_attr_esc(jw, "value", value);
	w_end(jw);
}

static char outcome_letter(enum offload_outcome o)
{
	switch (o) {
	case OFFLOAD_ATTEMPT_PASSED: return 'p';
	case OFFLOAD_ATTEMPT_FAILED: return 'f';
	case OFFLOAD_ATTEMPT_ERROR: return 'e';
	case OFFLOAD_ATTEMPT_SKIPPED: return 's';
	}
	return 'e';
}

/*
 * The run's timeline as properties (docs/junit.md): in the first suite,
 * one offload.batch per batch, "NO SANDBOX START END TESTS[ HOST]" (times
 * in seconds from the suite's timestamp); in each suite, one
 * offload.attempts per test case that ran, "K O:SECS:SANDBOX:BATCH ..."
 * with K the case's 0-based place in the suite and O p, f, e or s, in the
 * order the attempts ended.
 */
static void write_timeline(struct writer *jw, const struct offload_report *rep,
			   size_t g, const char *on)
{
	const struct timeline *tl = jw->tl;
	struct buf v = BUF_INIT;
	char a[48], b[48];
	size_t k = 0;

	for (size_t i = 0; !jw->batches_written && i < tl->batches_nr; i++) {
		const struct run_batch *rb = &tl->batches[i];

		format_secs(a, sizeof(a), rb->start);
		format_secs(b, sizeof(b), rb->end);
		buf_reset(&v);
		if (buf_addf(&v, "%u %u %s %s %zu%s%s", rb->no, rb->sandbox, a, b,
			     rb->tests_nr, rb->host ? " " : "",
			     rb->host ? rb->host : "")) {
			jw->nomem = 1;
			break;
		}
		w_property(jw, "offload.batch", v.buf);
	}
	jw->batches_written = 1;
	for (size_t i = 0; i < rep->nr && !jw->nomem; i++) {
		const struct offload_result *res = &rep->results[i];

		if (!in_suite(rep, i, g, on))
			continue;
		if (res->attempts_nr) {
			buf_reset(&v);
			if (buf_addf(&v, "%zu", k))
				jw->nomem = 1;
			for (size_t j = 0; j < res->attempts_nr && !jw->nomem; j++) {
				const struct offload_attempt *at = &res->attempts[j];

				format_secs(a, sizeof(a), at->secs);
				if (buf_addf(&v, " %c:%s:%u:%u",
					     outcome_letter(at->outcome), a,
					     at->sandbox, at->batch))
					jw->nomem = 1;
			}
			if (!jw->nomem)
				w_property(jw, "offload.attempts", v.buf);
		}
		k++;
	}
	buf_release(&v);
}

static void write_suite(struct writer *jw, const struct offload_report *rep,
			size_t g,
			const char *group, const char *interrupted,
			const char *stamp, const char *host, const char *on)
{
	size_t i, tests = 0, failures = 0, errors = 0, skipped = 0;
	double secs = 0;

	for (i = 0; i < rep->nr; i++) {
		const struct offload_result *res = &rep->results[i];

		if (!in_suite(rep, i, g, on))
			continue;
		tests++;
		failures += res->verdict == OFFLOAD_FAILED;
		errors += res->verdict == OFFLOAD_NOT_RUN;
		skipped += res->verdict == OFFLOAD_SKIPPED;
		secs += result_secs(res);
	}
	/* An empty suite only to say that the run was interrupted (during
	 * discovery: no test at all). */
	if (!tests && !interrupted)
		return;
	w_start(jw, "testsuite");
	w_attr_esc(jw, "name", group);
	w_attr_size(jw, "tests", tests);
	w_attr_size(jw, "failures", failures);
	w_attr_size(jw, "errors", errors);
	w_attr_size(jw, "skipped", skipped);
	w_attr_secs(jw, "time", secs);
	w_attr(jw, "timestamp", stamp);
	w_attr_esc(jw, "hostname", on ? on : host);
	if (interrupted || jw->tl) {
		w_start(jw, "properties");
		if (interrupted) {
			w_start(jw, "property");
			w_attr(jw, "name", "offload.interrupted");
			w_attr(jw, "value", interrupted);
			w_end(jw);
		}
		if (jw->tl)
			write_timeline(jw, rep, g, on);
		w_end(jw);
	}
	for (i = 0; i < rep->nr; i++)
		if (in_suite(rep, i, g, on))
			write_case(jw, group, &rep->results[i], interrupted);
	w_end(jw);
}

static const char *group_name(const struct offload_config *cfg, size_t g)
{
	if (cfg && g < cfg->groups_nr && cfg->groups[g].name)
		return cfg->groups[g].name;
	return "default";
}

static void write_report(struct writer *jw, const struct offload_config *cfg,
			 const struct offload_report *rep)
{
	size_t i, g, ngroups, failures = 0, errors = 0;
	char stamp[64], host[256], sigtmp[32];
	const char *interrupted = NULL;
	time_t start;
	struct tm tm;

	if (rep->interrupted)
		interrupted = signal_name(rep->interrupted, sigtmp,
					  sizeof(sigtmp));
	start = time(NULL) - (time_t)(rep->secs > 0 ? rep->secs : 0);
	if (!gmtime_r(&start, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm))
		strcpy(stamp, "1970-01-01T00:00:00");
	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';

	/* Groups outside cfg (should not happen) land in the last suite. */
	ngroups = cfg ? cfg->groups_nr : 0;
	for (i = 0; i < rep->nr; i++) {
		failures += rep->results[i].verdict == OFFLOAD_FAILED;
		errors += rep->results[i].verdict == OFFLOAD_NOT_RUN;
		if (rep->results[i].group >= ngroups)
			ngroups = rep->results[i].group + 1;
	}

	if (xmlTextWriterStartDocument(jw->w, NULL, "UTF-8", NULL) < 0)
		jw->failed = 1;
	w_start(jw, "testsuites");
	w_attr(jw, "name", "offload");
	w_attr_size(jw, "tests", rep->nr);
	w_attr_size(jw, "failures", failures);
	w_attr_size(jw, "errors", errors);
	w_attr_secs(jw, "time", rep->secs);
	for (g = 0; g < ngroups && !jw->failed && !jw->nomem; g++) {
		/* this machine first, then each other host in order of
		 * appearance */
		write_suite(jw, rep, g, group_name(cfg, g), interrupted,
			    stamp, host, NULL);
		for (i = 0; i < rep->nr; i++) {
			const char *on = result_host(&rep->results[i]);
			size_t j;

			if (!on || rep->results[i].group != g)
				continue;
			for (j = 0; j < i; j++)
				if (in_suite(rep, j, g, on))
					break;
			if (j == i)
				write_suite(jw, rep, g, group_name(cfg, g),
					    interrupted, stamp, host, on);
		}
	}
	w_end(jw);
	if (xmlTextWriterEndDocument(jw->w) < 0)
		jw->failed = 1;
}

/* mkdir -p of the directory part of `path`. */
/* Create the directories above `path` (mkdir -p of its dirname). */
static int make_parents(const char *path)
{
	char *dir = strdup(path), *p;
	int rc = 0;

	if (!dir)
		return OFFLOAD_ENOMEM;
	p = strrchr(dir, '/');
	if (p && p != dir) {
		*p = '\0';
		rc = mkdir_p(dir);
	}
	free(dir);
	return rc;
}

/*
 * Write a file atomically: `emit` writes the document into `out` (and
 * closes it, whatever happens), into PATH.tmp.PID beside `path`, which is
 * synced and renamed over `path`; on any failure the temporary file is
 * removed and an existing `path` is left as it was.  emit returns 0,
 * OFFLOAD_ENOMEM, or -1 with errno set when a write failed.
 */
typedef int emit_fn(xmlOutputBufferPtr out, void *data);

static int save_atomically(const char *path, emit_fn *emit, void *data,
			   struct offload_error *err)
{
	xmlOutputBufferPtr out;
	struct buf tmp = BUF_INIT;
	struct xml_quiet q;
	int fd = -1, rc = 0, saved;

	if (buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid()))
		return err_set(err, OFFLOAD_ENOMEM, "cannot write junit '%s': %s",
			       path, "out of memory");
	xml_quiet_on(&q);
	if ((rc = make_parents(path))) {
		rc = err_set(err, rc, "cannot write junit '%s': %s", path,
			     offload_strerror(rc));
		goto cleanup;
	}
	/* Our own fd, close-on-exec: another thread may be forking. */
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = err_set(err, -errno, "cannot write junit '%s': %s",
			     tmp.buf, strerror(errno));
		goto cleanup;
	}
	out = xmlOutputBufferCreateFd(fd, NULL);
	if (!out) {
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot write junit '%s': %s",
			     path, "out of memory");
		goto cleanup;
	}
	errno = 0;
	rc = emit(out, data);	/* closes `out`, not fd */
	if (rc == OFFLOAD_ENOMEM) {
		rc = err_set(err, rc, "cannot write junit '%s': %s", path,
			     "out of memory");
		goto cleanup;
	}
	if (rc || fsync(fd) < 0) {
		saved = errno ? errno : EIO;
		rc = err_set(err, -saved, "cannot write junit '%s': %s",
			     tmp.buf, strerror(saved));
		goto cleanup;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = err_set(err, -errno, "cannot write junit '%s': %s",
			     tmp.buf, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0)
		rc = err_set(err, -errno, "cannot rename '%s' to '%s': %s",
			     tmp.buf, path, strerror(errno));

cleanup:
	if (fd >= 0)
		close(fd);
	if (rc && tmp.len)
		unlink(tmp.buf);
	buf_release(&tmp);
	xml_quiet_off(&q);
	return rc;
}

struct report_emit {
	const struct offload_config *cfg;
	const struct offload_report *rep;
	const struct timeline *tl;
};

static int emit_report(xmlOutputBufferPtr out, void *data)
{
	struct report_emit *re = data;
	struct writer jw = { NULL, 0, 0, re->tl, 0 };

	if (!(jw.w = xmlNewTextWriter(out))) {
		xmlOutputBufferClose(out);
		return OFFLOAD_ENOMEM;
	}
	xmlTextWriterSetIndent(jw.w, 1);
	xmlTextWriterSetIndentString(jw.w, BAD_CAST "  ");
	write_report(&jw, re->cfg, re->rep);
	if (xmlTextWriterFlush(jw.w) < 0)
		jw.failed = 1;
	xmlFreeTextWriter(jw.w);    /* closes `out` */
	if (jw.nomem || xml_nomem)
		return OFFLOAD_ENOMEM;
	return jw.failed ? -1 : 0;
}

int junit_write(const char *path, const struct offload_config *cfg,
		const struct offload_report *rep, struct offload_error *err)
{
	return junit_write_run(path, cfg, rep, NULL, err);
}

int junit_write_run(const char *path, const struct offload_config *cfg,
		    const struct offload_report *rep, const struct timeline *tl,
		    struct offload_error *err)
{
	struct report_emit re = { cfg, rep, tl };

	return save_atomically(path, emit_report, &re, err);
}

/* ------------------------------------------------------------------ */
/* Merging                                                             */

/*
 * offload_junit_merge() moves whole <testsuite> subtrees, so it parses
 * each input into a tree (xmlCtxtReadIO) rather than streaming it.  The
 * default parser limits stay on (no XML_PARSE_HUGE): a tree costs memory
 * in proportion to the file, and the limits bound what a hostile file
 * can make us allocate.  The output tree is complete in memory before a
 * byte is written, so an unreadable input leaves the old report alone.
 */

struct merge_totals {
	unsigned long long tests, failures, errors, skipped;
	double secs;
};

/* libxml2 passes ctxt->userData, which is the context itself. */
static void merge_parser_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;

	reader_error(ctxt->_private, e);
}

/*
 * The first namespace URI in `doc` that holds a '<', or NULL.  libxml2
 * 2.9 writes a namespace declaration's URI as it is, '<' included, which
 * makes the merged report not well-formed; such a URI is no URI anyway
 * (RFC 3986), so the input is refused.  The walk is iterative: the tree
 * may be deep.
 */
static char *bad_ns_href(xmlDocPtr doc)
{
	xmlNodePtr n = xmlDocGetRootElement(doc);
	xmlNsPtr ns;

	while (n) {
		if (n->type == XML_ELEMENT_NODE)
			for (ns = n->nsDef; ns; ns = ns->next)
				if (ns->href && strchr((const char *)ns->href, '<'))
					return (char *)ns->href;
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next)
			n = n->parent && n->parent->type == XML_ELEMENT_NODE ?
				n->parent : NULL;
		if (n)
			n = n->next;
	}
	return NULL;
}

static int merge_parse(const char *path, xmlDocPtr *docp,
		       struct offload_error *err)
{
	xmlParserCtxtPtr ctxt;
	struct xml_quiet q;
	struct reader rd;
	struct xin x;
	xmlDocPtr doc;
	char *p;
	int rc, nomem;

	*docp = NULL;
	memset(&rd, 0, sizeof(rd));
	rd.path = path;
	if ((rc = xin_open(&x, path, -1, err)))
		return rc;
	xml_quiet_on(&q);
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		xml_quiet_off(&q);
		xin_release(&x);
		return err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			       path, "out of memory");
	}
	/* Errors go to our handler, per context: nothing reaches stderr. */
	ctxt->_private = &rd;
	ctxt->sax->serror = merge_parser_error;
	/*
	 * The input is cut and bounded by xin_read() as the reader's is.
	 * Names as for the reader; NODICT keeps short texts (names of
	 * tests in attributes) out of the dictionary.
	 */
	xmlDictSetLimit(ctxt->dict, XIN_NAMES_CAP);
	doc = xmlCtxtReadIO(ctxt, xin_read, xin_close, &x, path, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOWARNING |
			    XML_PARSE_NOERROR | XML_PARSE_NODICT);
	xmlFreeParserCtxt(ctxt);
	nomem = xml_nomem;
	xml_quiet_off(&q);
	xin_release(&x);
	if (x.err || nomem) {
		if (doc)
			xmlFreeDoc(doc);
		if (nomem && !x.err)
			return err_set(err, OFFLOAD_ENOMEM,
				       "cannot read junit '%s': %s", path,
				       "out of memory");
		return err_set(err, x.err, "%s", x.msg);
	}
	if (!doc) {
		/* Some libxml2 messages end in their own " line N". */
		p = strrchr(rd.err_msg, ' ');
		if (p && p - rd.err_msg >= 5 && !strncmp(p - 5, " line", 5) &&
		    p[1] && strspn(p + 1, "0123456789") == strlen(p + 1))
			p[-5] = '\0';
		if (rd.err_msg[0])
			return err_set(err, OFFLOAD_EPARSE,
				       "junit '%s' line %d: %s", path,
				       rd.err_line, rd.err_msg);
		return err_set(err, OFFLOAD_EPARSE, "junit '%s': malformed XML",
			       path);
	}
	/*
	 * Entities are not substituted, so a reference declared in a DTD
	 * would be copied as a reference the merged file does not declare.
	 * Reports never need a DTD: refuse one rather than expand it.
	 */
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return err_set(err, OFFLOAD_EPARSE,
			       "junit '%s': has a document type declaration "
			       "(not supported in a report)", path);
	}
	if ((p = bad_ns_href(doc))) {
		rc = err_set(err, OFFLOAD_EPARSE,
			     "junit '%s': namespace URI '%.60s' holds a '<' "
			     "(not supported in a report)", path, p);
		xmlFreeDoc(doc);
		return rc;
	}
	*docp = doc;
	return 0;
}

static int is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

/* A count attribute of `n`: its value, or -1 when absent or not a number. */
static long long count_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	long long c = 0;
	const xmlChar *p;

	if (!v)
		return -1;
	for (p = v; *p >= '0' && *p <= '9' && c < LLONG_MAX / 10 - 10; p++)
		c = c * 10 + (*p - '0');
	if (p == v || *p)
		c = -1;
	xmlFree(v);
	return c;
}

static double secs_attr(xmlNodePtr n, int *present)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "time");
	double secs;

	*present = v != NULL;
	secs = parse_secs((const char *)v);
	xmlFree(v);
	return secs;
}

/* Count the testcases below `n` the way junit_read() judges them. */
static void count_cases(xmlNodePtr n, struct merge_totals *t)
{
	xmlNodePtr c, k;
	int failed, errored, skipped, present;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is_element(c, "testcase")) {
			count_cases(c, t);
			continue;
		}
		failed = errored = skipped = 0;
		for (k = c->children; k; k = k->next) {
			if (failed || errored)
				break;
			failed = is_element(k, "failure");
			errored = is_element(k, "error");
			skipped |= is_element(k, "skipped");
		}
		t->tests++;
		t->failures += failed;
		t->errors += errored;
		t->skipped += !failed && !errored && skipped;
		t->secs += secs_attr(c, &present);
	}
}

static int set_count(xmlNodePtr n, const char *name, unsigned long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", v);
	return xmlSetProp(n, BAD_CAST name, BAD_CAST num) ? 0 : OFFLOAD_ENOMEM;
}

/*
 * Add the counts of the copied suite `s` to `t`.  A suite's own
 * attributes are believed (they may count tests that are not in the file
 * any more); a missing or unusable one is computed from its testcases and
 * written onto the copy, because the schema requires it.
 */
static int merge_count_suite(xmlNodePtr s, const char *path,
			     struct merge_totals *t)
{
	static const char *const names[] = {
		"tests", "failures", "errors", "skipped",
	};
	struct merge_totals own = { 0, 0, 0, 0, 0 };
	unsigned long long computed[4], v;
	long long attr;
	int present, rc = 0;
	size_t i;
	double secs;

	count_cases(s, &own);
	computed[0] = own.tests;
	computed[1] = own.failures;
	computed[2] = own.errors;
	computed[3] = own.skipped;
	for (i = 0; i < 4 && !rc; i++) {
		attr = count_attr(s, names[i]);
		v = attr >= 0 ? (unsigned long long)attr : computed[i];
		if (attr < 0)
			rc = set_count(s, names[i], v);
		if (i == 0)
			t->tests += v;
		else if (i == 1)
			t->failures += v;
		else if (i == 2)
			t->errors += v;
		else
			t->skipped += v;
	}
	secs = secs_attr(s, &present);
	t->secs += present ? secs : own.secs;
	if (!rc && !xmlHasProp(s, BAD_CAST "name") &&
	    !xmlSetProp(s, BAD_CAST "name", BAD_CAST path))
		rc = OFFLOAD_ENOMEM;
	return rc;
}

/* Indentation between the copied suites, for a reader of the file. */
static int merge_add_text(xmlNodePtr root, const char *text)
{
	xmlNodePtr t = xmlNewDocText(root->doc, BAD_CAST text);

	if (!t)
		return OFFLOAD_ENOMEM;
	xmlAddChild(root, t);
	return 0;
}

/*
 * Move `suite` out of its input's tree under `root` (not a copy: a copy
 * would hold every input twice, 250 MB for a report of 100,000 cases).
 * The adoption declares on the suite the namespaces it used from its
 * old ancestors.
 */
static int merge_move_suite(xmlNodePtr root, xmlNodePtr suite,
			    const char *path, struct merge_totals *t)
{
	xmlDocPtr from = suite->doc;
	int rc;

	if ((rc = merge_add_text(root, "\n  ")))
		return rc;
	xmlUnlinkNode(suite);
	if (xmlDOMWrapAdoptNode(NULL, from, suite, root->doc, root, 0)) {
		xmlFreeNode(suite);
		return xml_nomem ? OFFLOAD_ENOMEM : OFFLOAD_EPARSE;
	}
	if (!xmlAddChild(root, suite)) {
		xmlFreeNode(suite);
		return OFFLOAD_ENOMEM;
	}
	return merge_count_suite(suite, path, t);
}

/* Move the suites of the input at `path` under `root`. */
static int merge_one(xmlNodePtr root, const char *path,
		     struct merge_totals *t, struct offload_error *err)
{
	xmlDocPtr doc;
	xmlNodePtr top, c, next;
	int rc;

	if ((rc = merge_parse(path, &doc, err)))
		return rc;
	top = xmlDocGetRootElement(doc);
	if (!top) {
		rc = err_set(err, OFFLOAD_EPARSE, "junit '%s': no root element",
			     path);
	} else if (is_element(top, "testsuite")) {
		rc = merge_move_suite(root, top, path, t);
	} else if (is_element(top, "testsuites")) {
		for (c = top->children; c && !rc; c = next) {
			next = c->next;
			if (is_element(c, "testsuite"))
				rc = merge_move_suite(root, c, path, t);
		}
	} else {
		rc = err_set(err, OFFLOAD_EPARSE,
			     "junit '%s' line %ld: root element '%s' is not "
			     "testsuites or testsuite", path,
			     xmlGetLineNo(top), (const char *)top->name);
	}
	if (rc == OFFLOAD_ENOMEM)
		rc = err_set(err, rc, "cannot merge junit '%s': %s", path,
			     "out of memory");
	xmlFreeDoc(doc);
	return rc;
}

/* Write `doc` to `path` through a temporary file, as junit_write does. */
static int emit_doc(xmlOutputBufferPtr out, void *doc)
{
	/* Closes `out`; negative when a write failed. */
	int r = xmlSaveFormatFileTo(out, doc, "UTF-8", 0) < 0 ? -1 : 0;

	return xml_nomem ? OFFLOAD_ENOMEM : r;
}

static int merge_save(const char *path, xmlDocPtr doc,
		      struct offload_error *err)
{
	return save_atomically(path, emit_doc, doc, err);
}

int offload_junit_merge(const char *out, const char *const *inputs, size_t n,
			struct offload_error *err)
{
	struct merge_totals t = { 0, 0, 0, 0, 0 };
	struct xml_quiet q;
	xmlDocPtr doc;
	xmlNodePtr root = NULL;
	char num[48];
	size_t i;
	int rc = 0;

	if (!out || (n && !inputs))
		return err_set(err, OFFLOAD_EUSAGE,
			       "merge needs an output and inputs");
	xml_quiet_on(&q);
	doc = xmlNewDoc(BAD_CAST "1.0");
	if (doc)
		root = xmlNewDocNode(doc, NULL, BAD_CAST "testsuites", NULL);
	if (!root)
		goto nomem;
	xmlDocSetRootElement(doc, root);
	if (!xmlSetProp(root, BAD_CAST "name", BAD_CAST "offload"))
		goto nomem;
	for (i = 0; i < n && !rc; i++)
		rc = merge_one(root, inputs[i], &t, err);
	if (rc)
		goto cleanup;
	/*
	 * The schema allows no "skipped" on <testsuites>: that count stays
	 * on each suite.
	 */
	format_secs(num, sizeof(num), t.secs);
	if (set_count(root, "tests", t.tests) ||
	    set_count(root, "failures", t.failures) ||
	    set_count(root, "errors", t.errors) ||
	    !xmlSetProp(root, BAD_CAST "time", BAD_CAST num) ||
	    merge_add_text(root, "\n") || xml_nomem)
		goto nomem;	/* xml_nomem: a partial copy somewhere */
	rc = merge_save(out, doc, err);
	goto cleanup;

nomem:
	rc = err_set(err, OFFLOAD_ENOMEM, "cannot merge into '%s': %s", out,
		     "out of memory");
cleanup:
	if (doc)
		xmlFreeDoc(doc);
	xml_quiet_off(&q);
	return rc;
}

/* ------------------------------------------------------------------ */
/* A whole report read back (offload report, offload logs)             */

static size_t group_index(struct strvec *groups, const char *name,
			  size_t *last, int *nomem)
{
	if (*last < groups->nr && !strcmp(groups->v[*last], name))
		return *last;
	for (size_t g = 0; g < groups->nr; g++)
		if (!strcmp(groups->v[g], name))
			return *last = g;
	if (strvec_push(groups, name))
		*nomem = 1;
	return *last = groups->nr - 1;
}

static enum offload_outcome outcome_of_letter(char c)
{
	switch (c) {
	case 'p': return OFFLOAD_ATTEMPT_PASSED;
	case 'f': return OFFLOAD_ATTEMPT_FAILED;
	case 's': return OFFLOAD_ATTEMPT_SKIPPED;
	}
	return OFFLOAD_ATTEMPT_ERROR;
}

/* "O:SECS:SANDBOX:BATCH ..." into res->attempts; 0 or OFFLOAD_ENOMEM
 * (a malformed list gives the attempts read before it). */
static int parse_attempts(struct offload_result *res, const char *s)
{
	while (*s == ' ') {
		struct offload_attempt *a;
		char *end;
		double secs;
		unsigned long sb, bn;

		s++;
		if (!s[0] || s[1] != ':')
			break;
		secs = strtod(s + 2, &end);
		if (*end != ':')
			break;
		sb = strtoul(end + 1, &end, 10);
		if (*end != ':')
			break;
		bn = strtoul(end + 1, &end, 10);
		if (*end && *end != ' ')
			break;
		a = reallocarray(res->attempts, res->attempts_nr + 1, sizeof(*a));
		if (!a)
			return OFFLOAD_ENOMEM;
		res->attempts = a;
		a = &a[res->attempts_nr++];
		memset(a, 0, sizeof(*a));
		a->outcome = outcome_of_letter(s[0]);
		a->secs = secs >= 0 ? secs : 0;
		a->sandbox = sb > UINT_MAX ? UINT_MAX : (unsigned)sb;
		a->batch = bn > UINT_MAX ? UINT_MAX : (unsigned)bn;
		s = end;
	}
	return 0;
}

/* The attempts a case shows when offload did not record them. */
static int guess_attempts(struct offload_result *res, const struct junit_case *c,
			  int flaky)
{
	size_t n = flaky ? 2 : 1;

	if (res->verdict == OFFLOAD_NOT_RUN)
		return 0;
	res->attempts = calloc(n, sizeof(*res->attempts));
	if (!res->attempts)
		return OFFLOAD_ENOMEM;
	res->attempts_nr = n;
	for (size_t i = 0; i < n; i++) {
		res->attempts[i].sandbox = res->attempts[i].batch = UINT_MAX;
		res->attempts[i].outcome = c->outcome;
	}
	if (flaky) {
		res->attempts[0].outcome = OFFLOAD_ATTEMPT_FAILED;
		res->attempts[1].outcome = OFFLOAD_ATTEMPT_PASSED;
	}
	res->attempts[n - 1].secs = c->secs;
	return 0;
}

/* "NO SANDBOX START END TESTS[ HOST]" */
static void parse_batch(struct timeline *tl, const char *s)
{
	unsigned no, sb;
	double start, end;
	size_t tests;
	int used = 0;

	if (sscanf(s, "%u %u %lf %lf %zu%n", &no, &sb, &start, &end, &tests,
		   &used) != 5)
		return;
	s += used;
	timeline_batch(tl, no, sb, *s == ' ' ? s + 1 : NULL,
		       tl->exec_start + start, tl->exec_start + end, tests);
}

int junit_load(const char *path, struct offload_report *rep,
	       struct strvec *groups, struct timeline *tl, char **stamp,
	       struct offload_error *err)
{
	struct reader rd;
	size_t last = 0, i;
	int rc, nomem = 0;

	memset(rep, 0, sizeof(*rep));
	memset(&rd, 0, sizeof(rd));
	rd.path = path;
	rd.want_log = 1;
	rd.want_meta = 1;
	strvec_init(&rd.batches);
	strvec_init(&rd.attempts);
	rc = read_file(&rd, -1, err);
	if (!rc && !rd.saw_suite)
		rc = err_set(err, OFFLOAD_EPARSE, "'%s' is not a JUnit report: it has "
			     "no <testsuite> or <testsuites> element", path);
	if (!rc && rd.nr &&
	    !(rep->results = calloc(rd.nr, sizeof(*rep->results))))
		nomem = 1;
	for (i = 0; !rc && !nomem && i < rd.nr; i++) {
		struct junit_case *c = &rd.cases[i];
		struct offload_result *res = &rep->results[i];

		rep->nr = i + 1;
		res->id = c->name;
		c->name = NULL;
		res->group = group_index(groups, c->classname, &last, &nomem);
		if (c->outcome == OFFLOAD_ATTEMPT_ERROR && c->message &&
		    !strncmp(c->message, "not run: ", 9)) {
			res->verdict = OFFLOAD_NOT_RUN;
			if (!(res->not_run_reason = strdup(c->message + 9)))
				nomem = 1;
			continue;
		}
		res->verdict = c->outcome == OFFLOAD_ATTEMPT_PASSED ?
			(rd.flaky[i] ? OFFLOAD_FLAKY : OFFLOAD_PASSED) :
			c->outcome == OFFLOAD_ATTEMPT_SKIPPED ? OFFLOAD_SKIPPED :
			OFFLOAD_FAILED;
	}
	/* the attempts offload recorded, then a guess for the others */
	for (i = 0; !rc && !nomem && i < rd.attempts.nr; i++) {
		char *end;
		unsigned long long k = strtoull(rd.attempts.v[i], &end, 10);

		if (k < rep->nr && !rep->results[k].attempts_nr &&
		    parse_attempts(&rep->results[k], end))
			nomem = 1;
	}
	for (i = 0; !rc && !nomem && i < rep->nr; i++) {
		struct offload_result *res = &rep->results[i];
		struct offload_attempt *a = NULL;

		if (!res->attempts_nr &&
		    guess_attempts(res, &rd.cases[i], rd.flaky[i]))
			nomem = 1;
		/* the case's text goes with its first failed attempt for a
		 * flaky test, its last one for a failed test */
		for (size_t k = 0; k < res->attempts_nr; k++) {
			struct offload_attempt *x = &res->attempts[k];

			if (x->outcome == OFFLOAD_ATTEMPT_FAILED ||
			    x->outcome == OFFLOAD_ATTEMPT_ERROR ||
			    (x->outcome == OFFLOAD_ATTEMPT_SKIPPED &&
			     res->verdict == OFFLOAD_SKIPPED))
				if (!a || res->verdict != OFFLOAD_FLAKY)
					a = x;
		}
		if (a && rd.logs[i] && *rd.logs[i]) {
			a->output = rd.logs[i];
			rd.logs[i] = NULL;
		}
		if (a && rd.cases[i].message) {
			a->message = rd.cases[i].message;
			rd.cases[i].message = NULL;
		}
	}
	for (i = 0; !rc && !nomem && i < rd.batches.nr; i++)
		parse_batch(tl, rd.batches.v[i]);
	if (!rc && !nomem) {
		report_count(rep);
		rep->interrupted = rd.interrupted;
		rep->secs = parse_secs(rd.total);
		for (i = 0; i < tl->batches_nr; i++)
			if (tl->batches[i].end > rep->secs)
				rep->secs = tl->batches[i].end;
		*stamp = rd.stamp;
		rd.stamp = NULL;
	}
	if (!rc && (nomem || tl->nomem))
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			     path, "out of memory");
	for (i = 0; i < rd.nr; i++)
		free(rd.logs[i]);
	free(rd.logs);
	free(rd.flaky);
	junit_cases_free(rd.cases, rd.nr);
	strvec_clear(&rd.batches);
	strvec_clear(&rd.attempts);
	free(rd.stamp);
	free(rd.total);
	return rc;
}
