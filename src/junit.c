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
 * Merging (offload_junit_merge) joins finished reports: it streams each
 * one twice through the same bounded input, once to check and count it,
 * once to copy its <testsuite> elements into the new report, written
 * the same atomic way; its memory does not grow with its inputs, but
 * for a hash per testcase of CI shards' reports, whose split it checks
 * (see "Merging: the shards check").
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
#include <stdint.h>
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
/* Where a run's batch logs are: the offload.logs property             */

/*
 * A suite written by a run says where that run wrote its batch logs:
 * <property name="offload.logs" value="DIR"/>, DIR relative to the
 * report's directory (so that a report moved with its logs still finds
 * them), with '%', control bytes and bytes above 0x7e as %XX, so that
 * any path survives XML.  offload_junit_merge() rewrites DIR against the
 * merged report's directory.
 */
static int logs_encode(struct buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	buf_reset(out);
	for (const unsigned char *p = (const unsigned char *)path; !rc && *p; p++)
		if (*p == '%' || *p < 0x20 || *p > 0x7e)
			rc = buf_addf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
		else
			rc = buf_addch(out, (char)*p);
	return rc;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* In place; a '%' not followed by two hex digits stays as it is, and
 * so does %00 (a path holds no NUL). */
static void logs_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		int hi, lo;

		if (*s == '%' && (hi = hex_digit(s[1])) >= 0 &&
		    (lo = hex_digit(s[2])) >= 0 && (hi || lo)) {
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * `path` made absolute (against the working directory) with empty, "."
 * and ".." components resolved by name, into `out`.  0, OFFLOAD_ENOMEM
 * or -errno (getcwd).
 */
static int path_clean(struct buf *out, const char *path)
{
	struct buf in = BUF_INIT;
	const char *p, *e;
	int rc = 0;

	if (path[0] != '/') {
		char *cwd = getcwd(NULL, 0);

		if (!cwd)
			return errno == ENOMEM ? OFFLOAD_ENOMEM : -errno;
		rc = buf_addf(&in, "%s/%s", cwd, path);
		free(cwd);
	} else {
		rc = buf_adds(&in, path);
	}
	buf_reset(out);
	for (p = in.buf; !rc && *p; p = e) {
		size_t n;

		while (*p == '/')
			p++;
		e = p + strcspn(p, "/");
		n = (size_t)(e - p);
		if (!n || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *up = out->len ? strrchr(out->buf, '/') : NULL;

			if (up) {
				out->len = (size_t)(up - out->buf);
				*up = '\0';
			}
			continue;
		}
		rc = buf_addch(out, '/');
		if (!rc)
			rc = buf_add(out, p, n);
	}
	if (!rc && !out->len)
		rc = buf_addch(out, '/');
	buf_release(&in);
	return rc;
}

/* `path` with symbolic links resolved when it exists, else path_clean(). */
static int path_real(struct buf *out, const char *path)
{
	char *r = realpath(path, NULL);
	int rc;

	if (!r)
		return path_clean(out, path);
	buf_reset(out);
	rc = buf_adds(out, r);
	free(r);
	return rc;
}

/* The directory of the file `path`, as path_real() gives it. */
static int path_dir_real(struct buf *out, const char *path)
{
	const char *slash = strrchr(path, '/');
	struct buf dir = BUF_INIT;
	int rc;

	if (!slash)
		return path_real(out, ".");
	if ((rc = buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path))))
		return rc;
	rc = path_real(out, dir.buf);
	buf_release(&dir);
	return rc;
}

/* `to` relative to the directory `from`, both absolute and clean (as
 * path_clean gives them): "logs", "../x.logs", "." */
static int path_relative(struct buf *out, const char *from, const char *to)
{
	size_t i, c = 0;
	int rc = 0;

	if (!strcmp(from, "/"))
		from = "";
	if (!strcmp(to, "/"))
		to = "";
	for (i = 0; from[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			c = i;
	if ((!from[i] || from[i] == '/') && (!to[i] || to[i] == '/'))
		c = i;
	buf_reset(out);
	for (const char *p = from + c; !rc && *p; p++)
		if (*p == '/')
			rc = buf_adds(out, "../");
	if (!rc)
		rc = buf_adds(out, to + c + (to[c] == '/'));
	if (!rc && out->len && out->buf[out->len - 1] == '/')
		out->buf[--out->len] = '\0';
	if (!rc && !out->len)
		rc = buf_addch(out, '.');
	return rc;
}

/*
 * The offload.logs value of a report at `report` (a file) for the log
 * directory `dir`: relative to the report's directory, encoded.
 */
static int logs_value(struct buf *out, const char *report, const char *dir)
{
	struct buf from = BUF_INIT, to = BUF_INIT, rel = BUF_INIT;
	int rc;

	if (!(rc = path_dir_real(&from, report)) && !(rc = path_real(&to, dir)) &&
	    !(rc = path_relative(&rel, from.buf, to.buf)))
		rc = logs_encode(out, rel.buf);
	buf_release(&from);
	buf_release(&to);
	buf_release(&rel);
	return rc;
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
	char *suite_logs;         /* want_meta: its offload.logs, or NULL */

	/* want_meta only (junit_load): offload's suite properties */
	int want_meta;
	size_t suite_first;       /* index of the first case of the suite open */
	struct strvec batches;    /* offload.batch values */
	struct strvec attempts;   /* offload.attempts values, K made global */
	size_t attempts_next;     /* the first of them not behind the case read */
	char *stamp;              /* the first suite's timestamp */
	char *suite_stamp;        /* the open suite's timestamp */
	char *suite_shard;        /* the open suite's offload.shard, or NULL */
	int suite_run;            /* the open suite started a run */
	struct report_run *runs;  /* offload runs seen (docs/report.md) */
	size_t runs_nr;
	char *total;              /* <testsuites time>, or NULL */
	double suites_secs;       /* the sum of the time of the outer */
	size_t suites_timed;      /* <testsuite>s that have one, and how many */
	int root_suites;          /* the root is <testsuites> */
	int interrupted;          /* an offload.interrupted property */
	int saw_suite;            /* a <testsuite> or <testsuites> element */

	/* the case being read */
	int in_case, case_depth;
	struct junit_case cur;
	int cur_flaky, cur_decided, cur_reruns;
	const char *cur_attempts; /* want_meta: its offload.attempts, or NULL */
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
	free(c->logs);
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
	rd->cur_attempts = NULL;
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
	if (!rc && rd->suite_logs && !(rd->cur.logs = strdup(rd->suite_logs)))
		rc = OFFLOAD_ENOMEM;
	rd->cur.run = rd->runs_nr ? (unsigned)(rd->runs_nr - 1) : 0;
	/* Its offload.attempts, if any: they come in case order. */
	while (rd->attempts_next < rd->attempts.nr &&
	       strtoull(rd->attempts.v[rd->attempts_next], NULL, 10) < rd->nr)
		rd->attempts_next++;
	if (rd->attempts_next < rd->attempts.nr &&
	    strtoull(rd->attempts.v[rd->attempts_next], NULL, 10) == rd->nr)
		rd->cur_attempts = strchr(rd->attempts.v[rd->attempts_next], ' ');
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
/*
 * The number of the attempt that the k-th (1-based) <flakyFailure> or
 * <rerunFailure> of a case records, as `offload logs` numbers attempts:
 * its place in the case's offload.attempts list " O:SECS:SB:BATCH ..."
 * (1-based, in the order the attempts ended).  junit_write writes one
 * such element per failed or errored attempt in that order (for a failed
 * test all but the last, which is its <failure>), so the k-th element is
 * the k-th 'f' or 'e' of the list.  k itself without a list that says.
 */
static int rerun_attempt_no(const char *list, int k)
{
	int n = 0, failed = 0;

	for (const char *p = list; p && *p == ' '; p = strchr(p, ' ')) {
		p++;
		n++;
		if ((*p == 'f' || *p == 'e') && ++failed == k)
			return n;
	}
	return k;
}

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
			      name, rerun_attempt_no(rd->cur_attempts,
						     ++rd->cur_reruns),
			      msg ? ": " : "", msg ? msg : "");
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

/* The open suite starts a run (its first offload.batch property): its
 * label, timestamp and host, for junit_load(). */
static int reader_run_start(struct reader *rd)
{
	struct report_run *r;
	struct buf label = BUF_INIT;

	r = reallocarray(rd->runs, rd->runs_nr + 1, sizeof(*r));
	if (!r)
		return OFFLOAD_ENOMEM;
	rd->runs = r;
	r = &r[rd->runs_nr];
	memset(r, 0, sizeof(*r));
	if ((rd->suite_shard ? buf_addf(&label, "shard %s", rd->suite_shard) :
	     buf_addf(&label, "run %zu", rd->runs_nr + 1)) ||
	    (rd->suite_stamp && !(r->stamp = strdup(rd->suite_stamp))) ||
	    (rd->suite_host && !(r->host = strdup(rd->suite_host)))) {
		free(r->stamp);
		free(r->host);
		buf_release(&label);
		return OFFLOAD_ENOMEM;
	}
	r->label = buf_detach(&label);
	rd->runs_nr++;
	rd->suite_run = 1;
	return 0;
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
	} else if (!strcmp(n, "offload.logs")) {
		logs_decode(v);
		free(rd->suite_logs);
		rd->suite_logs = *v ? v : (free(v), NULL);
		v = NULL;
	} else if (!strcmp(n, "offload.shard")) {
		free(rd->suite_shard);
		rd->suite_shard = v;
		v = NULL;
	} else if (!strcmp(n, "offload.batch")) {
		/* the first of a run's suites: a merged report has several */
		if (!rd->suite_run)
			rc = reader_run_start(rd);
		if (!rc)
			rc = strvec_pushf(&rd->batches, "%zu %s",
					  rd->runs_nr - 1, v);
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
	if (!depth)
		rd->root_suites = !strcmp(name, "testsuites");
	if (!rd->in_case) {
		if (!strcmp(name, "testcase")) {
			rc = reader_start_case(rd, &at, depth);
		} else if (!strcmp(name, "testsuite")) {
			free(rd->suite_host);
			rd->suite_host = NULL;
			free(rd->suite_logs);
			rd->suite_logs = NULL;
			rc = get_attr(&at, "hostname", NULL, &rd->suite_host);
			rd->suite_first = rd->nr;
			if (!rc && rd->want_meta && !rd->stamp)
				rc = get_attr(&at, "timestamp", NULL, &rd->stamp);
			if (rd->want_meta) {
				free(rd->suite_stamp);
				free(rd->suite_shard);
				rd->suite_stamp = rd->suite_shard = NULL;
				rd->suite_run = 0;
				if (!rc)
					rc = get_attr(&at, "timestamp", NULL,
						      &rd->suite_stamp);
			}
			/* the root or a child of a root <testsuites>: a suite
			 * nested in a suite is part of its time already */
			if (!rc && rd->want_meta &&
			    (!depth || (depth == 1 && rd->root_suites))) {
				char *t = NULL;

				rc = get_attr(&at, "time", NULL, &t);
				if (t) {
					rd->suites_secs += parse_secs(t);
					rd->suites_timed++;
				}
				free(t);
			}
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
	free(rd->suite_logs);
	rd->suite_logs = NULL;
}

/* What want_meta collected. */
static void reader_meta_release(struct reader *rd)
{
	strvec_clear(&rd->batches);
	strvec_clear(&rd->attempts);
	free(rd->stamp);
	free(rd->total);
	rd->stamp = rd->total = NULL;
	free(rd->suite_stamp);
	free(rd->suite_shard);
	rd->suite_stamp = rd->suite_shard = NULL;
	for (size_t i = 0; i < rd->runs_nr; i++) {
		free(rd->runs[i].label);
		free(rd->runs[i].stamp);
		free(rd->runs[i].host);
	}
	free(rd->runs);
	rd->runs = NULL;
	rd->runs_nr = 0;
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
	/* offload.attempts number the flaky and rerun attempts */
	rd.want_meta = 1;
	strvec_init(&rd.batches);
	strvec_init(&rd.attempts);
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
	reader_meta_release(&rd);
	return rc;
}

int offload_report_log_dirs(const char *path, char ***dirs, size_t *nr,
			    struct offload_error *err)
{
	const char *slash = strrchr(path, '/');
	size_t i, dir = slash ? (size_t)(slash - path) + 1 : 0;
	struct reader rd;
	char **out = NULL;
	int rc;

	*dirs = NULL;
	*nr = 0;
	memset(&rd, 0, sizeof(rd));
	rd.path = path;
	rd.want_meta = 1;
	strvec_init(&rd.batches);
	strvec_init(&rd.attempts);
	rc = read_file(&rd, -1, err);
	if (!rc && rd.nr && !(out = calloc(rd.nr, sizeof(*out))))
		rc = OFFLOAD_ENOMEM;
	for (i = 0; !rc && i < rd.nr; i++) {
		const char *l = rd.cases[i].logs;
		struct buf b = BUF_INIT;

		if (!l)
			continue;
		/* against the report's directory: "out/" + "x.logs" */
		if (l[0] == '/' || !dir)
			rc = buf_adds(&b, l);
		else if (!strcmp(l, "."))
			rc = buf_add(&b, path, dir > 1 ? dir - 1 : dir);
		else if (!(rc = buf_add(&b, path, dir)))
			rc = buf_adds(&b, l);
		if (!rc && !(out[i] = buf_detach(&b)))
			rc = OFFLOAD_ENOMEM;
		buf_release(&b);
	}
	if (rc == OFFLOAD_ENOMEM)
		err_set(err, rc, "cannot read junit '%s': %s", path,
			"out of memory");
	if (rc) {
		for (i = 0; out && i < rd.nr; i++)
			free(out[i]);
		free(out);
	} else {
		*dirs = out;
		*nr = rd.nr;
	}
	junit_cases_free(rd.cases, rd.nr);
	reader_meta_release(&rd);
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
	const char *logs;         /* offload.logs of every suite, or NULL */
	const struct junit_shard *shard;  /* a --shard run's, or NULL */
	size_t suites_written;
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
	 * discovery: no test at all), or which shard this was (one that got
	 * no test: its first suite). */
	if (!tests && !interrupted && !(jw->shard && !jw->suites_written))
		return;
	jw->suites_written++;
	w_start(jw, "testsuite");
	w_attr_esc(jw, "name", group);
	w_attr_size(jw, "tests", tests);
	w_attr_size(jw, "failures", failures);
	w_attr_size(jw, "errors", errors);
	w_attr_size(jw, "skipped", skipped);
	w_attr_secs(jw, "time", secs);
	w_attr(jw, "timestamp", stamp);
	w_attr_esc(jw, "hostname", on ? on : host);
	if (interrupted || jw->tl || jw->shard) {
		w_start(jw, "properties");
		if (jw->shard) {
			char v[32];

			snprintf(v, sizeof(v), "%u/%u", jw->shard->k,
				 jw->shard->n);
			w_property(jw, "offload.shard", v);
			w_property(jw, "offload.shard_split", jw->shard->split);
		}
		if (interrupted) {
			w_start(jw, "property");
			w_attr(jw, "name", "offload.interrupted");
			w_attr(jw, "value", interrupted);
			w_end(jw);
		}
		if (jw->logs)
			w_property(jw, "offload.logs", jw->logs);
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
 * OFFLOAD_ENOMEM, -1 with errno set when a write failed, or another
 * negative code after setting its own message in `err` (a merge whose
 * input changed while it was being copied).
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
	if (rc < -1 && rc != OFFLOAD_ENOMEM)
		goto cleanup;	/* emit said why in `err` */
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
	const char *path;
	const struct offload_config *cfg;
	const struct offload_report *rep;
	const struct timeline *tl;
	const struct junit_shard *shard;
};

static int emit_report(xmlOutputBufferPtr out, void *data)
{
	struct report_emit *re = data;
	struct writer jw = { NULL, 0, 0, re->tl, 0, NULL, re->shard, 0 };
	struct buf logs = BUF_INIT;

	/* After save_atomically made the report's directory.  Without a
	 * working directory to resolve a relative path against, no
	 * offload.logs: `offload logs` then says nothing of the logs. */
	if (re->tl && re->tl->log_dir) {
		int rc = logs_value(&logs, re->path, re->tl->log_dir);

		if (rc == OFFLOAD_ENOMEM) {
			xmlOutputBufferClose(out);
			buf_release(&logs);
			return rc;
		}
		jw.logs = rc ? NULL : logs.buf;
	}
	if (!(jw.w = xmlNewTextWriter(out))) {
		xmlOutputBufferClose(out);
		buf_release(&logs);
		return OFFLOAD_ENOMEM;
	}
	xmlTextWriterSetIndent(jw.w, 1);
	xmlTextWriterSetIndentString(jw.w, BAD_CAST "  ");
	write_report(&jw, re->cfg, re->rep);
	if (xmlTextWriterFlush(jw.w) < 0)
		jw.failed = 1;
	xmlFreeTextWriter(jw.w);    /* closes `out` */
	buf_release(&logs);
	if (jw.nomem || xml_nomem)
		return OFFLOAD_ENOMEM;
	return jw.failed ? -1 : 0;
}

int junit_write(const char *path, const struct offload_config *cfg,
		const struct offload_report *rep, struct offload_error *err)
{
	return junit_write_run(path, cfg, rep, NULL, NULL, err);
}

int junit_write_run(const char *path, const struct offload_config *cfg,
		    const struct offload_report *rep, const struct timeline *tl,
		    const struct junit_shard *shard, struct offload_error *err)
{
	struct report_emit re = { path, cfg, rep, tl, shard };

	return save_atomically(path, emit_report, &re, err);
}

/* ------------------------------------------------------------------ */
/* Merging                                                             */

/*
 * offload_junit_merge() streams: its memory does not grow with its
 * inputs (a report of 100,000 cases once cost 127 MB as a tree).  The
 * merged report's root carries the totals, which are only known at the
 * end of the last input, so every input is read twice, with libxml2's
 * SAX parser through the same bounded input (xin_read) and the same
 * limits as the reader's:
 *
 *   1. merge_check() parses each input, refuses what is not a report
 *      (malformed XML with file and line, a DTD, a namespace URI holding
 *      '<', a root that is not testsuites or testsuite) and counts each
 *      top-level suite the way it will be written (below), and collects
 *      the shard properties and IDs of CI shards' suites.  Nothing is
 *      written until every input has passed.
 *   2. merge_emit(), inside save_atomically(), writes the root with the
 *      totals, then parses each input again and copies its top-level
 *      <testsuite> elements node by node (elements with their attributes
 *      and namespace declarations, text, CDATA, comments, processing
 *      instructions; what lies outside the suites is dropped).
 *
 * A suite's own counts are believed (they may count tests that are not
 * in the file any more); a missing or unusable one is computed from its
 * testcases, because the schema requires it, and so is written into its
 * start tag, before its testcases are read.  Those counts come from a
 * third reading of the input, a push parser (merge_counter) kept just
 * ahead of the copy: it is fed until the suite that needs counting has
 * ended, so it too holds no more than one piece of input at a time.
 * An input that changed between the readings (other suites, other
 * counts, now malformed) fails the merge rather than give totals that
 * do not add up.
 *
 * The output is what the former tree-based merge wrote with
 * xmlSaveFormatFileTo(), byte for byte: the same escaping (xmlsave's),
 * "<x/>" for an element without children, adjacent CDATA sections
 * joined (as libxml2's tree builder joins them), a namespace that a
 * suite used from its input's root declared where xmlDOMWrapAdoptNode()
 * declared it (merge_ns_*).  docs/junit.md lists what differs.
 */

struct merge_totals {
	unsigned long long tests, failures, errors, skipped;
	double secs;
};

struct merge_shards;

#define MERGE_SPLIT_MAX 64        /* hex digits of an offload.shard_split */
#define MERGE_SHOW_MAX 200        /* bytes of a name shown in a message */

/* What pass 1 found in one input, checked again by pass 2. */
struct merge_input {
	unsigned long long suites;
	struct merge_totals t;
};

enum merge_root { ROOT_NONE, ROOT_SUITES, ROOT_SUITE, ROOT_OTHER };

static const char *const merge_counts[4] = {
	"tests", "failures", "errors", "skipped",
};

/* The testcases of the top-level suite being read, counted. */
struct merge_suite {
	long long attr[4];        /* its own counts; -1: absent or unusable */
	int has_time, has_name;
	double secs;              /* its own time, with has_time */
	struct merge_totals own;  /* computed from its testcases */
};

/*
 * The events of one parse that every pass follows: where the top-level
 * suites start and end, and what they count.  Counting follows junit
 * reading: a <testcase> anywhere below a suite (not inside another
 * testcase) is one test; its first <failure> or <error> child decides
 * it, a <skipped> child before that makes it skipped.
 */
struct merge_scan {
	const char *path;
	int depth;                /* elements open */
	enum merge_root root;
	char root_name[128];      /* with ROOT_OTHER */
	long root_line;
	int suite_depth;          /* depth of the open top-level suite, or 0 */
	struct merge_suite suite;
	int case_depth;           /* depth of the open testcase, or 0 */
	int failed, errored, skipped;
	double case_secs;
	unsigned long long suites;        /* top-level suites ended */
	struct merge_totals t;
	int dtd;                  /* a document type declaration */
	int bad_ns;               /* bad_href holds a namespace URI with '<' */
	char bad_href[61];
	int rc;                   /* an error of ours stopped the parse */

	/* Pass 1 only: the shards check (NULL in the other passes), this
	 * input's place among the inputs, and the open top-level suite's
	 * shard properties and name. */
	struct merge_shards *sh;
	size_t file;
	int has_shard, has_split, shard_bad;
	int props_open;           /* inside the suite's <properties> */
	unsigned shard_k, shard_n;
	char split[MERGE_SPLIT_MAX + 1];
	uint64_t suite_hash;
	char suite_name[MERGE_SHOW_MAX + 8];
};

/* A name as libxml2's tree holds it: "p:x" when p is not declared. */
static int merge_name_is(const xmlChar *localname, const xmlChar *prefix,
			 const xmlChar *uri, const char *name)
{
	return (!prefix || uri) && !strcmp((const char *)localname, name);
}

/* The value of the first attribute called `name` (in any namespace, as
 * xmlGetProp finds it), or NULL. */
static const xmlChar *merge_attr(const xmlChar **attrs, int n,
				 const char *name, const xmlChar **end)
{
	int i;

	for (i = 0; i < n; i++, attrs += 5)
		if (merge_name_is(attrs[0], attrs[1], attrs[2], name)) {
			*end = attrs[4];
			return attrs[3];
		}
	return NULL;
}

/*
 * A count attribute: its value, or -1 when absent or not a number.  The
 * value ends at `end` (libxml2 passes attribute values in place).
 */
static long long merge_count_attr(const xmlChar *v, const xmlChar *end)
{
	const xmlChar *p;
	long long c = 0;

	if (!v)
		return -1;
	for (p = v; p < end && *p >= '0' && *p <= '9' &&
	     c < LLONG_MAX / 10 - 10; p++)
		c = c * 10 + (*p - '0');
	return p == v || p < end ? -1 : c;
}

/*
 * Seconds in a time attribute.  parse_secs() stops at the first byte
 * that cannot be part of a number, and the byte after a value in place
 * is its closing quote or a NUL.
 */
static double merge_secs_attr(const xmlChar **attrs, int n, int *present)
{
	const xmlChar *end, *v = merge_attr(attrs, n, "time", &end);

	*present = v != NULL;
	return parse_secs((const char *)v);
}

static void merge_suite_start(struct merge_scan *s, const xmlChar **attrs,
			      int n)
{
	const xmlChar *v, *end;
	size_t i;

	memset(&s->suite, 0, sizeof(s->suite));
	for (i = 0; i < 4; i++) {
		v = merge_attr(attrs, n, merge_counts[i], &end);
		s->suite.attr[i] = merge_count_attr(v, end);
	}
	s->suite.secs = merge_secs_attr(attrs, n, &s->suite.has_time);
	s->suite.has_name = merge_attr(attrs, n, "name", &end) != NULL;
	s->suite_depth = s->depth;
}

/* The counts a suite is written with: its own, else the computed ones. */
static unsigned long long merge_suite_count(const struct merge_suite *su,
					    size_t i)
{
	const unsigned long long own[4] = {
		su->own.tests, su->own.failures, su->own.errors,
		su->own.skipped,
	};

	return su->attr[i] >= 0 ? (unsigned long long)su->attr[i] : own[i];
}

static void merge_suite_end(struct merge_scan *s)
{
	const struct merge_suite *su = &s->suite;

	s->t.tests += merge_suite_count(su, 0);
	s->t.failures += merge_suite_count(su, 1);
	s->t.errors += merge_suite_count(su, 2);
	s->t.skipped += merge_suite_count(su, 3);
	s->t.secs += su->has_time ? su->secs : su->own.secs;
	s->suites++;
	s->suite_depth = 0;
}

/* ------------------------------------------------------------------ */
/* Merging: the shards check                                           */

/*
 * Reports of `offload run --shard K/N` carry, in each suite, the
 * properties offload.shard ("K/N") and offload.shard_split (a digest of
 * the whole split, shard.c).  Pass 1 collects them, and the ID (suite,
 * classname, name) of every testcase that follows them, then
 * merge_shards_verdict() says what does not fit: shards of different N
 * or splits, a shard in two inputs, a shard in none, a test in two
 * shards.  The merged report is still written, with one more suite
 * whose failed case says so (merge_emit), because a report that leaves
 * out what went wrong would look complete.  Inputs without the
 * properties are not checked.
 *
 * Memory: each test case of a sharded suite costs one 16-byte slot of
 * an open-addressing table kept at most three-quarters full (so 21 to
 * 43 bytes, 64 while it doubles), keyed by a 64-bit hash of its ID: the
 * names themselves are not kept.  Two different IDs with the same hash
 * would be taken for one test in two shards (about one merge in 10^7 at
 * a million tests: a false alarm, never a silent loss).  Each input's
 * distinct (K/N, split) pairs are kept, and at most MERGE_SHARD_NAMED
 * named problems of each kind.
 */

#define MERGE_SHARD_NAMED 10      /* test IDs, shards, files named at most */

static int merge_grow(void **v, size_t *alloc, size_t nr, size_t size);

/* A testcase of a sharded suite: its ID's hash and where it was. */
struct merge_id {
	uint64_t h;               /* 0: an empty slot */
	uint32_t k;               /* its shard, 1-based */
	uint32_t file;            /* its input; MERGE_ID_TOLD: named once */
};

#define MERGE_ID_TOLD 0x80000000u

/* A shard that an input holds; one per input and distinct value. */
struct merge_shard_of {
	size_t file;
	unsigned k, n;
	char split[MERGE_SPLIT_MAX + 1];
};

struct merge_shards {
	const char *const *inputs;
	struct merge_shard_of *of;
	size_t of_nr, of_alloc;
	struct merge_id *ids;     /* ids_cap slots, a power of 2, or NULL */
	size_t ids_nr, ids_cap;
	struct buf bad;           /* named bad properties, a line each */
	size_t bad_nr;
	struct buf dups;          /* named tests in two shards, a line each */
	size_t dups_nr;
	int nomem;
};

static void merge_shards_release(struct merge_shards *sh)
{
	free(sh->of);
	free(sh->ids);
	buf_release(&sh->bad);
	buf_release(&sh->dups);
	memset(sh, 0, sizeof(*sh));
}

/* 64-bit FNV-1a over the length, then the bytes, continued from h. */
static uint64_t merge_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < sizeof(uint64_t); i++) {
		h ^= (unsigned char)((uint64_t)n >> (8 * i));
		h *= 0x100000001b3ULL;
	}
	for (i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Append s[0..n) to `b` for a person to read: "&#38;" (libxml2's form
 * of '&' in a value) as '&', control bytes and bytes that are not UTF-8
 * as \xNN, cut after MERGE_SHOW_MAX bytes with "...".  Sets nomem.
 */
static void merge_show(struct buf *b, const char *s, size_t n, int *nomem)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, start = b->len;

	while (i < n && !*nomem) {
		if (b->len - start >= MERGE_SHOW_MAX) {
			*nomem |= buf_adds(b, "...") != 0;
			return;
		}
		if (n - i >= 5 && !memcmp(p + i, "&#38;", 5)) {
			*nomem |= buf_addch(b, '&') != 0;
			i += 5;
			continue;
		}
		k = p[i] >= 0x20 && p[i] != 0x7f ? utf8_len(p + i, n - i) : 0;
		if (k) {
			*nomem |= buf_add(b, p + i, k) != 0;
			i += k;
		} else {
			*nomem |= buf_addf(b, "\\x%02x", p[i]) != 0;
			i++;
		}
	}
}

static void merge_show_path(struct merge_shards *sh, struct buf *b,
			    size_t file)
{
	const char *path = sh->inputs[file];
	int nomem = 0;

	nomem |= buf_addch(b, '\'') != 0;
	merge_show(b, path, strlen(path), &nomem);
	nomem |= buf_addch(b, '\'') != 0;
	sh->nomem |= nomem;
}

/* "K/N" with 1 <= K <= N < 2^31: 0, else -1. */
static int merge_parse_shard(const xmlChar *v, const xmlChar *end,
			     unsigned *k, unsigned *n)
{
	unsigned long long a = 0, b = 0;
	const xmlChar *p = v;

	for (; p < end && *p >= '0' && *p <= '9' && a < 1u << 31; p++)
		a = a * 10 + (*p - '0');
	if (p == v || p == end || *p != '/')
		return -1;
	v = ++p;
	for (; p < end && *p >= '0' && *p <= '9' && b < 1u << 31; p++)
		b = b * 10 + (*p - '0');
	if (p == v || p != end || !a || a > b || b >= 1u << 31)
		return -1;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

/* A line about a bad shard property of the open suite (named or counted). */
static void merge_shard_bad(struct merge_scan *s, const char *what,
			    const xmlChar *v, const xmlChar *end)
{
	struct merge_shards *sh = s->sh;
	int nomem = 0;

	s->shard_bad = 1;
	if (sh->bad_nr++ >= MERGE_SHARD_NAMED)
		return;
	nomem |= buf_adds(&sh->bad, "  ") != 0;
	merge_show_path(sh, &sh->bad, s->file);
	nomem |= buf_addf(&sh->bad, " suite '%s': %s", s->suite_name, what) != 0;
	if (v) {
		nomem |= buf_adds(&sh->bad, " '") != 0;
		merge_show(&sh->bad, (const char *)v, (size_t)(end - v), &nomem);
		nomem |= buf_adds(&sh->bad, "'") != 0;
	}
	nomem |= buf_addch(&sh->bad, '\n') != 0;
	sh->nomem |= nomem;
}

/* A top-level suite starts: its name, no shard yet. */
static void merge_shard_suite(struct merge_scan *s, const xmlChar **attrs,
			      int n)
{
	const xmlChar *end, *v = merge_attr(attrs, n, "name", &end);
	struct buf b = BUF_INIT;
	int nomem = 0;

	s->has_shard = s->has_split = s->shard_bad = 0;
	s->suite_hash = merge_hash(0xcbf29ce484222325ULL, v,
				   v ? (size_t)(end - v) : 0);
	if (v)
		merge_show(&b, (const char *)v, (size_t)(end - v), &nomem);
	snprintf(s->suite_name, sizeof(s->suite_name), "%s",
		 b.buf && !nomem ? b.buf : "");
	buf_release(&b);
	s->sh->nomem |= nomem;
}

/* A <property> of the open top-level suite. */
static void merge_shard_property(struct merge_scan *s, const xmlChar **attrs,
				 int n)
{
	const xmlChar *nend, *vend, *name = merge_attr(attrs, n, "name", &nend);
	const xmlChar *v = merge_attr(attrs, n, "value", &vend), *p;
	size_t len;

	if (!name)
		return;
	len = (size_t)(nend - name);
	if (len == 13 && !memcmp(name, "offload.shard", 13)) {
		if (s->has_shard)
			merge_shard_bad(s, "offload.shard given twice", NULL, NULL);
		s->has_shard = 1;
		if (!v || merge_parse_shard(v, vend, &s->shard_k, &s->shard_n))
			merge_shard_bad(s, "bad offload.shard (expected K/N)",
					v, vend);
	} else if (len == 19 && !memcmp(name, "offload.shard_split", 19)) {
		if (s->has_split)
			merge_shard_bad(s, "offload.shard_split given twice",
					NULL, NULL);
		s->has_split = 1;
		for (p = v; v && p < vend && ((*p >= '0' && *p <= '9') ||
					       (*p >= 'a' && *p <= 'f')); p++)
			;
		if (!v || p == v || p < vend || vend - v > MERGE_SPLIT_MAX) {
			merge_shard_bad(s, "bad offload.shard_split (expected "
					"hex digits)", v, vend);
			return;
		}
		memcpy(s->split, v, (size_t)(vend - v));
		s->split[vend - v] = '\0';
	}
}

/* The table's slot for hash h: its entry, or the empty slot to fill. */
static struct merge_id *merge_id_slot(struct merge_id *t, size_t cap,
				      uint64_t h)
{
	/* FNV's low bits are its weakest: mix before taking them. */
	uint64_t m = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
	size_t i;

	for (i = (size_t)(m ^ (m >> 33)) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!t[i].h || t[i].h == h)
			return &t[i];
}

static int merge_id_grow(struct merge_shards *sh)
{
	size_t cap = sh->ids_cap ? 2 * sh->ids_cap : 1024, i;
	struct merge_id *t;

	if (cap > SIZE_MAX / sizeof(*t) || !(t = calloc(cap, sizeof(*t))))
		return OFFLOAD_ENOMEM;
	for (i = 0; i < sh->ids_cap; i++)
		if (sh->ids[i].h)
			*merge_id_slot(t, cap, sh->ids[i].h) = sh->ids[i];
	free(sh->ids);
	sh->ids = t;
	sh->ids_cap = cap;
	return 0;
}

/* A testcase of a sharded suite: a test in two shards is named. */
static void merge_shard_case(struct merge_scan *s, const xmlChar **attrs,
			     int n)
{
	struct merge_shards *sh = s->sh;
	const xmlChar *cend, *nend, *c = merge_attr(attrs, n, "classname", &cend);
	const xmlChar *name = merge_attr(attrs, n, "name", &nend);
	struct merge_id *e;
	uint64_t h;
	int nomem = 0;

	h = merge_hash(s->suite_hash, c, c ? (size_t)(cend - c) : 0);
	h = merge_hash(h, name, name ? (size_t)(nend - name) : 0);
	h += !h;                  /* 0 marks an empty slot */
	if ((sh->ids_nr + 1) * 4 > sh->ids_cap * 3 && merge_id_grow(sh)) {
		sh->nomem = 1;
		return;
	}
	e = merge_id_slot(sh->ids, sh->ids_cap, h);
	if (!e->h) {
		e->h = h;
		e->k = s->shard_k;
		e->file = (uint32_t)s->file;
		sh->ids_nr++;
		return;
	}
	/* The same shard twice (in two inputs) is told as that; a test
	 * repeated inside one shard's report is not this check's business. */
	if (e->k == s->shard_k || (e->file & MERGE_ID_TOLD))
		return;
	e->file |= MERGE_ID_TOLD;
	if (sh->dups_nr++ >= MERGE_SHARD_NAMED)
		return;
	nomem |= buf_adds(&sh->dups, "  '") != 0;
	merge_show(&sh->dups, name ? (const char *)name : "",
		   name ? (size_t)(nend - name) : 0, &nomem);
	nomem |= buf_adds(&sh->dups, "'") != 0;
	if (c && ((size_t)(cend - c) != strlen(s->suite_name) ||
		  memcmp(c, s->suite_name, (size_t)(cend - c)))) {
		nomem |= buf_adds(&sh->dups, " (classname '") != 0;
		merge_show(&sh->dups, (const char *)c, (size_t)(cend - c),
			   &nomem);
		nomem |= buf_adds(&sh->dups, "')") != 0;
	}
	nomem |= buf_addf(&sh->dups, " in suite '%s': shard %u/%u in ",
			  s->suite_name, e->k, s->shard_n) != 0;
	sh->nomem |= nomem;
	merge_show_path(sh, &sh->dups, e->file & ~MERGE_ID_TOLD);
	sh->nomem |= buf_addf(&sh->dups, " and shard %u/%u in ", s->shard_k,
			      s->shard_n) != 0;
	merge_show_path(sh, &sh->dups, s->file);
	sh->nomem |= buf_addch(&sh->dups, '\n') != 0;
}

/* A top-level suite ends: the shard it holds, once per input and value. */
static void merge_shard_suite_end(struct merge_scan *s)
{
	struct merge_shards *sh = s->sh;
	struct merge_shard_of *o;
	size_t i;

	if (!s->has_shard && !s->has_split)
		return;
	if (!s->shard_bad && !s->has_split)
		merge_shard_bad(s, "offload.shard without offload.shard_split",
				NULL, NULL);
	if (!s->shard_bad && !s->has_shard)
		merge_shard_bad(s, "offload.shard_split without offload.shard",
				NULL, NULL);
	if (s->shard_bad)
		return;
	for (i = sh->of_nr; i-- > 0 && sh->of[i].file == s->file;)
		if (sh->of[i].k == s->shard_k && sh->of[i].n == s->shard_n &&
		    !strcmp(sh->of[i].split, s->split))
			return;
	if (merge_grow((void **)&sh->of, &sh->of_alloc, sh->of_nr,
		       sizeof(*sh->of))) {
		sh->nomem = 1;
		return;
	}
	o = &sh->of[sh->of_nr++];
	o->file = s->file;
	o->k = s->shard_k;
	o->n = s->shard_n;
	memcpy(o->split, s->split, sizeof(o->split));
}

static int cmp_shard_by_split(const void *pa, const void *pb)
{
	const struct merge_shard_of *a = pa, *b = pb;
	int c;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if ((c = strcmp(a->split, b->split)))
		return c;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	return a->file < b->file ? -1 : a->file > b->file;
}

static int cmp_shard_by_k(const void *pa, const void *pb)
{
	const struct merge_shard_of *a = pa, *b = pb;

	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	return a->file < b->file ? -1 : a->file > b->file;
}

static void merge_more(struct merge_shards *sh, struct buf *b, size_t more,
		       const char *what)
{
	if (more)
		sh->nomem |= buf_addf(b, "  and %zu more%s\n", more, what) != 0;
}

/* Shards of other counts or other splits than the rest. */
static void merge_verdict_splits(struct merge_shards *sh, struct buf *b)
{
	struct merge_shard_of *of = sh->of;
	size_t i, named = 0;
	int other_n = 0, other_split = 0;

	for (i = 1; i < sh->of_nr; i++) {
		other_n |= of[i].n != of[0].n;
		other_split |= strcmp(of[i].split, of[0].split) != 0;
	}
	if (!other_n && !other_split)
		return;
	qsort(of, sh->of_nr, sizeof(*of), cmp_shard_by_split);
	sh->nomem |= buf_adds(b, other_n ?
		"the shard reports are of different shard counts:\n" :
		"the shard reports are of different splits (every job must "
		"read the same history and discover the same tests; tests "
		"may have run twice or not at all):\n") != 0;
	for (i = 0; i < sh->of_nr && named < MERGE_SHARD_NAMED; i++, named++) {
		/* a line per split, then its shards */
		int same = i && of[i].n == of[i - 1].n &&
			   !strcmp(of[i].split, of[i - 1].split);

		if (!same)
			sh->nomem |= buf_addf(b, "%s  split %s of %u shards:",
					      i ? "\n" : "", of[i].split,
					      of[i].n) != 0;
		sh->nomem |= buf_addf(b, "%s shard %u in ", same ? "," : "",
				      of[i].k) != 0;
		merge_show_path(sh, b, of[i].file);
	}
	sh->nomem |= buf_addch(b, '\n') != 0;
	merge_more(sh, b, sh->of_nr - named, "");
}

/* Shards in two inputs, shards in none (all inputs of one count). */
static void merge_verdict_indexes(struct merge_shards *sh, struct buf *b)
{
	struct merge_shard_of *of = sh->of;
	unsigned n = of[0].n, next;
	size_t i, j, named = 0, twice = 0, missing = 0;
	int pass;

	for (i = 1; i < sh->of_nr; i++)
		if (of[i].n != n)
			return;
	qsort(of, sh->of_nr, sizeof(*of), cmp_shard_by_k);
	for (i = 0; i < sh->of_nr; i = j) {
		/* of[i..j) hold shard of[i].k: in how many inputs? */
		for (j = i + 1; j < sh->of_nr && of[j].k == of[i].k; j++)
			;
		if (j - i < 2 || of[j - 1].file == of[i].file)
			continue;
		if (twice++ >= MERGE_SHARD_NAMED)
			continue;
		sh->nomem |= buf_addf(b, "shard %u/%u is in more than one "
				      "input (its tests are counted twice):",
				      of[i].k, n) != 0;
		for (size_t d = i; d < j; d++)
			if (d == i || of[d].file != of[d - 1].file) {
				sh->nomem |= buf_adds(b, d == i ? " " : ", ") != 0;
				merge_show_path(sh, b, of[d].file);
			}
		sh->nomem |= buf_addch(b, '\n') != 0;
	}
	if (twice > MERGE_SHARD_NAMED)
		merge_more(sh, b, twice - MERGE_SHARD_NAMED,
			   " shards in more than one input");
	/* of[] sorted by shard: the gaps are the shards that no input
	 * holds (counted first, then the first few named). */
	for (pass = 0; pass < 2; pass++) {
		for (next = 1, i = 0; i <= sh->of_nr; i++) {
			unsigned upto = i < sh->of_nr ? of[i].k : n + 1;

			if (!pass && upto > next)
				missing += upto - next;
			for (; pass && next < upto && named < MERGE_SHARD_NAMED;
			     next++, named++)
				sh->nomem |= buf_addf(b, "%s%u/%u", named ? ", " :
						      missing > 1 ?
						      "no input holds shards " :
						      "no input holds shard ",
						      next, n) != 0;
			if (i < sh->of_nr && next <= of[i].k)
				next = of[i].k + 1;
		}
		if (!missing)
			return;
	}
	if (missing > named)
		sh->nomem |= buf_addf(b, " and %zu more", missing - named) != 0;
	sh->nomem |= buf_addf(b, " (%s tests are not in the merged report)\n",
			      missing > 1 ? "their" : "its") != 0;
}

/*
 * What does not fit among the shards, as lines for a person (each
 * ending in '\n', names quoted with control bytes as \xNN), in `b`:
 * empty when everything fits or no input is a shard's.
 */
static void merge_shards_verdict(struct merge_shards *sh, struct buf *b)
{
	if (sh->bad_nr) {
		sh->nomem |= buf_addf(b, "shard properties that cannot be "
				      "read:\n%s", sh->bad.buf) != 0;
		if (sh->bad_nr > MERGE_SHARD_NAMED)
			merge_more(sh, b, sh->bad_nr - MERGE_SHARD_NAMED, "");
	}
	if (sh->of_nr) {
		merge_verdict_splits(sh, b);
		merge_verdict_indexes(sh, b);
	}
	if (sh->dups_nr) {
		sh->nomem |= buf_addf(b, "%zu test%s ran in more than one "
				      "shard:\n%s", sh->dups_nr,
				      sh->dups_nr > 1 ? "s" : "",
				      sh->dups.buf) != 0;
		if (sh->dups_nr > MERGE_SHARD_NAMED)
			merge_more(sh, b, sh->dups_nr - MERGE_SHARD_NAMED, "");
	}
}

/* An element starts: depth, root, suites, testcases and their verdicts. */
static void merge_scan_start(struct merge_scan *s, xmlParserCtxtPtr ctxt,
			     const xmlChar *localname, const xmlChar *prefix,
			     const xmlChar *uri, int nb_ns,
			     const xmlChar **ns, int nb_attrs,
			     const xmlChar **attrs)
{
	int i, present, suite;

	s->depth++;
	for (i = 0; i < nb_ns && !s->bad_ns; i++)
		if (ns[2 * i + 1] && strchr((const char *)ns[2 * i + 1], '<')) {
			snprintf(s->bad_href, sizeof(s->bad_href), "%s",
				 (const char *)ns[2 * i + 1]);
			s->bad_ns = 1;
		}
	suite = merge_name_is(localname, prefix, uri, "testsuite");
	if (s->depth == 1) {
		if (suite) {
			s->root = ROOT_SUITE;
		} else if (merge_name_is(localname, prefix, uri, "testsuites")) {
			s->root = ROOT_SUITES;
		} else {
			s->root = ROOT_OTHER;
			snprintf(s->root_name, sizeof(s->root_name), "%s%s%s",
				 prefix && !uri ? (const char *)prefix : "",
				 prefix && !uri ? ":" : "",
				 (const char *)localname);
			s->root_line = ctxt->input ? ctxt->input->line : 0;
		}
	}
	if ((s->depth == 1 && s->root == ROOT_SUITE) ||
	    (s->depth == 2 && s->root == ROOT_SUITES && suite)) {
		merge_suite_start(s, attrs, nb_attrs);
		if (s->sh)
			merge_shard_suite(s, attrs, nb_attrs);
		return;
	}
	if (!s->suite_depth)
		return;
	if (s->sh && s->depth == s->suite_depth + 1)
		s->props_open = merge_name_is(localname, prefix, uri,
					      "properties");
	else if (s->sh && s->props_open && s->depth == s->suite_depth + 2 &&
		 merge_name_is(localname, prefix, uri, "property"))
		merge_shard_property(s, attrs, nb_attrs);
	if (!s->case_depth &&
	    merge_name_is(localname, prefix, uri, "testcase")) {
		s->case_depth = s->depth;
		s->failed = s->errored = s->skipped = 0;
		s->case_secs = merge_secs_attr(attrs, nb_attrs, &present);
		if (s->sh && s->has_shard && s->has_split && !s->shard_bad)
			merge_shard_case(s, attrs, nb_attrs);
	} else if (s->case_depth && s->depth == s->case_depth + 1 &&
		   !s->failed && !s->errored) {
		s->failed = merge_name_is(localname, prefix, uri, "failure");
		s->errored = merge_name_is(localname, prefix, uri, "error");
		s->skipped |= merge_name_is(localname, prefix, uri, "skipped");
	}
}

/* An element ends; 1 when it was a top-level suite (s->suite is whole). */
static int merge_scan_end(struct merge_scan *s)
{
	struct merge_totals *own = &s->suite.own;
	int was_suite = 0;

	if (s->case_depth == s->depth) {
		own->tests++;
		own->failures += s->failed;
		own->errors += s->errored;
		own->skipped += !s->failed && !s->errored && s->skipped;
		own->secs += s->case_secs;
		s->case_depth = 0;
	}
	if (s->sh && s->depth == s->suite_depth + 1)
		s->props_open = 0;
	if (s->suite_depth == s->depth) {
		if (s->sh)
			merge_shard_suite_end(s);
		merge_suite_end(s);
		was_suite = 1;
	}
	s->depth--;
	return was_suite;
}

/* ------------------------------------------------------------------ */
/* Merging: the copy                                                   */

/*
 * Namespaces.  A suite's elements and attributes may use namespaces
 * declared on its input's root, which is not copied.  The tree-based
 * merge moved each suite with xmlDOMWrapAdoptNode(), which declares
 * them again inside the suite; merge_ns_* do the same, in the same
 * places, with the same names: a reference is resolved to the input's
 * declaration (innermost by prefix), looked up in the map of the
 * declarations in scope in the output, else by namespace name among
 * them, else declared on the element that uses it (after its own
 * declarations, under a fresh prefix if its own use that one).
 */
struct merge_in_ns {              /* a declaration in scope in the input */
	const xmlChar *prefix;    /* parser's dictionary; NULL: default */
	unsigned long id;
	int depth;
};

struct merge_out_ns {             /* one in scope in the output */
	unsigned long old;        /* the input's declaration it stands for */
	const xmlChar *prefix, *href;
	char *owned;              /* a made-up prefix ("p_1"), or NULL */
	int depth, shadow;        /* shadow: -1, or depth of the shadowing */
};

struct merge_decl {               /* a declaration on the element written */
	const xmlChar *prefix, *href;
};

struct merge_writer {
	xmlOutputBufferPtr out;
	const char *path;
	char *name;               /* path made safe for an attribute, or NULL */
	int failed;               /* a write failed: its errno */
	int open_tag;             /* a start tag waits for ">" or "/>" */
	int open_cdata;           /* a CDATA section waits for "]]>" */
	int cdata_brackets;       /* ']' that ended the CDATA's content */

	struct merge_in_ns *in;
	size_t in_nr, in_alloc;
	unsigned long next_id;
	struct merge_out_ns *map;
	size_t map_nr, map_alloc;
	struct merge_decl *decls;
	size_t decls_nr, decls_alloc;
	/* output prefix of each open element of the suite, by depth */
	const xmlChar *oprefix[XIN_DEPTH_MAX + 2];

	struct merge_counter *counter;    /* started at the first need */
	struct merge_input *expect;       /* pass 1's findings */

	/* offload.logs values are relative to their report's directory:
	 * the input's (in_dir), rewritten against the output's (out_dir);
	 * both as path_dir_real() gives them, empty when unknown */
	struct buf in_dir, out_dir, logs;
};

static int merge_grow(void **v, size_t *alloc, size_t nr, size_t size)
{
	size_t n = *alloc ? *alloc * 2 : 16;
	void *p;

	if (nr < *alloc)
		return 0;
	if (!(p = reallocarray(*v, n, size)))
		return OFFLOAD_ENOMEM;
	*v = p;
	*alloc = n;
	return 0;
}

static int prefix_eq(const xmlChar *a, const xmlChar *b)
{
	return a == b || (a && b && !strcmp((const char *)a, (const char *)b));
}

/* The input's declaration a prefix refers to, innermost first; 0: none. */
static unsigned long merge_ns_resolve(const struct merge_writer *w,
				      const xmlChar *prefix)
{
	size_t i = w->in_nr;

	while (i-- > 0)
		if (prefix_eq(w->in[i].prefix, prefix))
			return w->in[i].id;
	return 0;
}

static int merge_ns_push(struct merge_writer *w, const xmlChar *prefix,
			 const xmlChar *href, unsigned long old,
			 char *owned, int depth)
{
	struct merge_out_ns *m;

	if (merge_grow((void **)&w->map, &w->map_alloc, w->map_nr,
		       sizeof(*w->map)))
		return OFFLOAD_ENOMEM;
	m = &w->map[w->map_nr++];
	m->old = old;
	m->prefix = owned ? BAD_CAST owned : prefix;
	m->href = href;
	m->owned = owned;
	m->depth = depth;
	m->shadow = -1;
	return 0;
}

static int merge_decl_add(struct merge_writer *w, const xmlChar *prefix,
			  const xmlChar *href)
{
	if (merge_grow((void **)&w->decls, &w->decls_alloc, w->decls_nr,
		       sizeof(*w->decls)))
		return OFFLOAD_ENOMEM;
	w->decls[w->decls_nr].prefix = prefix;
	w->decls[w->decls_nr++].href = href;
	return 0;
}

/*
 * The output prefix for a reference from an element (attr 0) or an
 * attribute (attr 1) at `depth` to namespace `uri` under `prefix`;
 * declares it on the element when needed.  *out is NULL for none.
 */
static int merge_ns_use(struct merge_writer *w, const xmlChar *prefix,
			const xmlChar *uri, int attr, int depth,
			const xmlChar **out)
{
	unsigned long old;
	struct merge_out_ns *m;
	char buf[50], *owned = NULL;
	const xmlChar *p = prefix;
	size_t i, k;
	int counter = 0;

	*out = prefix;
	if (prefix && !strcmp((const char *)prefix, "xml"))
		return 0;       /* predeclared, never written */
	old = merge_ns_resolve(w, prefix);
	for (i = 0; i < w->map_nr; i++)
		if (w->map[i].shadow == -1 && w->map[i].old == old) {
			*out = w->map[i].prefix;
			return 0;
		}
	/* An in-scope declaration of the same namespace name will do. */
	for (i = 0; i < w->map_nr; i++) {
		m = &w->map[i];
		if (m->shadow == -1 && m->href[0] && (!attr || m->prefix) &&
		    !strcmp((const char *)m->href, (const char *)uri)) {
			m->old = old;
			*out = m->prefix;
			return 0;
		}
	}
	/* Declared here, under a prefix the element does not declare. */
	for (k = 0; k < w->decls_nr; k++) {
		if (!prefix_eq(w->decls[k].prefix, p))
			continue;
		if (++counter > 1000)
			return OFFLOAD_EPARSE;
		if (prefix)
			snprintf(buf, sizeof(buf), "%.30s_%d",
				 (const char *)prefix, counter);
		else
			snprintf(buf, sizeof(buf), "ns_%d", counter);
		p = BAD_CAST buf;
		k = (size_t)-1;         /* check the new one from the start */
	}
	if (p != prefix && !(owned = strdup(buf)))
		return OFFLOAD_ENOMEM;
	for (i = 0; i < w->map_nr; i++)
		if (w->map[i].depth < depth && w->map[i].shadow == -1 &&
		    prefix_eq(prefix, w->map[i].prefix)) {
			w->map[i].shadow = depth;
			break;
		}
	if (merge_ns_push(w, prefix, uri, old, owned, depth)) {
		free(owned);
		return OFFLOAD_ENOMEM;
	}
	m = &w->map[w->map_nr - 1];
	if (merge_decl_add(w, m->prefix, uri))
		return OFFLOAD_ENOMEM;
	*out = m->prefix;
	return 0;
}

/* The element at `depth` ends: its declarations go out of scope. */
static void merge_ns_pop(struct merge_writer *w, int depth)
{
	size_t i;

	while (w->in_nr && w->in[w->in_nr - 1].depth >= depth)
		w->in_nr--;
	while (w->map_nr && w->map[w->map_nr - 1].depth >= depth)
		free(w->map[--w->map_nr].owned);
	for (i = 0; i < w->map_nr; i++)
		if (w->map[i].shadow >= depth)
			w->map[i].shadow = -1;
}

static void mw_write(struct merge_writer *w, const void *s, size_t n)
{
	if (!w->failed && n && xmlOutputBufferWrite(w->out, (int)n, s) < 0)
		w->failed = errno ? errno : EIO;
}

static void mw_writes(struct merge_writer *w, const char *s)
{
	mw_write(w, s, strlen(s));
}

/*
 * Escaped as xmlsave escapes: text (attr 0) or an attribute value
 * (attr 1).  A value from the parser (parsed 1) holds "&#38;" for each
 * '&' (libxml2 keeps entity references apart that way).
 */
static void mw_escaped(struct merge_writer *w, const xmlChar *s, size_t n,
		       int attr, int parsed)
{
	size_t i, start = 0, skip;
	const char *rep;

	for (i = 0; i < n; i++) {
		skip = 1;
		switch (s[i]) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '\r': rep = "&#13;"; break;
		case '&':
			rep = "&amp;";
			if (parsed && n - i >= 5 && !memcmp(s + i, "&#38;", 5))
				skip = 5;
			break;
		case '"': rep = attr ? "&quot;" : NULL; break;
		case '\n': rep = attr ? "&#10;" : NULL; break;
		case '\t': rep = attr ? "&#9;" : NULL; break;
		default: rep = NULL; break;
		}
		if (!rep)
			continue;
		mw_write(w, s + start, i - start);
		mw_writes(w, rep);
		i += skip - 1;
		start = i + 1;
	}
	mw_write(w, s + start, n - start);
}

/* A namespace URI, quoted as xmlsave quotes it (not escaped). */
static void mw_quoted(struct merge_writer *w, const xmlChar *s)
{
	const char *q = strchr((const char *)s, '"') ?
			(strchr((const char *)s, '\'') ? NULL : "'") : "\"";
	const xmlChar *p;

	if (q) {
		mw_writes(w, q);
		mw_writes(w, (const char *)s);
		mw_writes(w, q);
		return;
	}
	mw_writes(w, "\"");
	for (p = s; *p; p++)
		if (*p == '"')
			mw_writes(w, "&quot;");
		else
			mw_write(w, p, 1);
	mw_writes(w, "\"");
}

static void mw_qname(struct merge_writer *w, const xmlChar *prefix,
		     const xmlChar *name)
{
	if (prefix) {
		mw_writes(w, (const char *)prefix);
		mw_writes(w, ":");
	}
	mw_writes(w, (const char *)name);
}

/* Something comes inside the open element: its start tag is whole. */
static void mw_content(struct merge_writer *w, int cdata)
{
	if (w->open_tag)
		mw_writes(w, ">");
	w->open_tag = 0;
	if (w->open_cdata && !cdata) {
		mw_writes(w, "]]>");
		w->open_cdata = 0;
	}
}

/*
 * CDATA content.  Adjacent sections are one node in libxml2's tree, and
 * xmlsave splits a node whose content holds "]]>": so does this.
 */
static void mw_cdata(struct merge_writer *w, const xmlChar *s, size_t n)
{
	size_t i, start = 0;

	mw_content(w, 1);
	if (!w->open_cdata)
		mw_writes(w, "<![CDATA[");
	w->open_cdata = 1;
	for (i = 0; i < n; i++) {
		if (s[i] == '>' && w->cdata_brackets >= 2) {
			mw_write(w, s + start, i - start);
			mw_writes(w, "]]><![CDATA[");
			start = i;
		}
		w->cdata_brackets = s[i] == ']' ? w->cdata_brackets + 1 : 0;
	}
	mw_write(w, s + start, n - start);
}

/* A decimal count as an attribute. */
static void mw_count(struct merge_writer *w, const char *name,
		     unsigned long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", v);
	mw_writes(w, " ");
	mw_writes(w, name);
	mw_writes(w, "=\"");
	mw_writes(w, num);
	mw_writes(w, "\"");
}

/*
 * Counting ahead (see "Merging" above): a push parser over its own
 * reading of the input, fed until the top-level suite asked for has
 * ended.  Suites ended meanwhile wait in `done` (at most one piece's
 * worth: the copy asks in order).
 */
struct merge_done {
	unsigned long long index;
	struct merge_totals own;
};

struct merge_parse;

struct merge_counter {
	struct xin x;
	xmlParserCtxtPtr ctxt;
	struct merge_parse *mp;
	size_t have, pos;         /* x.out[pos..have) not yet parsed */
	int ended;
	struct merge_done *done;
	size_t done_nr, done_alloc, done_first;
};

/* One parse of one input: its scan, and in pass 2 its copy. */
struct merge_parse {
	struct reader rd;         /* path and libxml2's first error */
	struct merge_scan s;
	struct merge_writer *w;   /* pass 2 only */
	struct merge_counter *c;  /* the counter's own parse */
	xmlParserCtxtPtr ctxt;
};

/* libxml2 passes ctxt->userData, which is the context itself. */
static void merge_parser_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = data;
	struct merge_parse *mp = ctxt ? ctxt->_private : NULL;

	if (mp)
		reader_error(&mp->rd, e);
	else
		note_nomem(e);  /* while the push parser is being made */
}

static void merge_stop(struct merge_parse *mp, int rc)
{
	if (!mp->s.rc)
		mp->s.rc = rc;
	xmlStopParser(mp->ctxt);
}

static int merge_counter_next(struct merge_counter *c);

/* The counts computed for top-level suite `index`, or an error. */
static int merge_counter_get(struct merge_counter *c,
			     unsigned long long index,
			     struct merge_totals *own)
{
	struct merge_done *d;
	int rc;

	for (;;) {
		while (c->done_first < c->done_nr &&
		       c->done[c->done_first].index < index)
			c->done_first++;
		if (c->done_first < c->done_nr) {
			d = &c->done[c->done_first];
			if (d->index != index)
				return OFFLOAD_EPARSE;
			*own = d->own;
			return 0;
		}
		c->done_first = c->done_nr = 0;
		if ((rc = merge_counter_next(c)))
			return rc;
	}
}

/*
 * The value of <property name="offload.logs" value="V"/> (a child of a
 * suite's <properties>) as the merged report holds it: V, relative to
 * the input's directory, made relative to the output's, in w->logs.
 * 1 when it is to replace V, 0 to copy V as it is (absolute, no other
 * property, directories unknown), or OFFLOAD_ENOMEM.
 */
static int merge_logs_value(struct merge_writer *w, int nb_attrs,
			    const xmlChar **attrs, int *at)
{
	const xmlChar *v, *end;
	struct attrs a = { attrs, nb_attrs };
	struct buf to = BUF_INIT, rel = BUF_INIT;
	char *value = NULL;
	int rc, i;

	if (!w->in_dir.len || !w->out_dir.len ||
	    !(v = merge_attr(attrs, nb_attrs, "name", &end)) ||
	    (size_t)(end - v) != strlen("offload.logs") ||
	    memcmp(v, "offload.logs", (size_t)(end - v)))
		return 0;
	for (i = 0; i < nb_attrs && (attrs[5 * i + 1] ||
	     strcmp((const char *)attrs[5 * i], "value")); i++)
		;
	if (i == nb_attrs)
		return 0;
	*at = i;
	if ((rc = get_attr(&a, "value", NULL, &value)))
		goto out;
	logs_decode(value);
	rc = 0;
	if (!*value || value[0] == '/')
		goto out;
	if ((rc = buf_addf(&rel, "%s/%s", w->in_dir.buf, value)) ||
	    (rc = path_clean(&to, rel.buf)) ||
	    (rc = path_relative(&rel, w->out_dir.buf, to.buf)) ||
	    (rc = logs_encode(&w->logs, rel.buf)))
		goto out;
	rc = 1;
out:
	free(value);
	buf_release(&to);
	buf_release(&rel);
	return rc == 1 || rc == OFFLOAD_ENOMEM ? rc : 0;
}

/* Pass 2's copy: an element starts. */
static int merge_copy_start(struct merge_parse *mp, const xmlChar *localname,
			    const xmlChar *prefix, const xmlChar *uri,
			    int nb_ns, const xmlChar **ns, int nb_attrs,
			    const xmlChar **attrs)
{
	struct merge_writer *w = mp->w;
	struct merge_scan *s = &mp->s;
	struct merge_totals own = { 0, 0, 0, 0, 0 };
	const xmlChar *eprefix = NULL, **aprefix = NULL, *v, *end;
	int i, k, rc, depth = s->depth, is_suite = depth == s->suite_depth;
	int replace[4] = { -1, -1, -1, -1 }, need = 0, logs_at = -1;
	unsigned long long computed[4];
	size_t j;

	for (i = 0; i < nb_ns; i++) {
		if (merge_grow((void **)&w->in, &w->in_alloc, w->in_nr,
			       sizeof(*w->in)))
			return OFFLOAD_ENOMEM;
		w->in[w->in_nr].prefix = ns[2 * i];
		w->in[w->in_nr].id = ++w->next_id;
		w->in[w->in_nr++].depth = depth;
	}
	if (!s->suite_depth)
		return 0;       /* outside the suites: not copied */
	if (depth > XIN_DEPTH_MAX + 1)
		return OFFLOAD_EPARSE;
	if (is_suite) {
		mw_writes(w, "\n  ");
		for (k = 0; k < 4; k++)
			need |= s->suite.attr[k] < 0;
		if (need) {
			if ((rc = merge_counter_get(w->counter, s->suites, &own)))
				return rc;
		}
		computed[0] = own.tests;
		computed[1] = own.failures;
		computed[2] = own.errors;
		computed[3] = own.skipped;
		/* xmlSetProp would change the attribute in no namespace */
		for (k = 0; k < 4; k++)
			for (i = 0; i < nb_attrs && s->suite.attr[k] < 0; i++)
				if (!attrs[5 * i + 1] &&
				    !strcmp((const char *)attrs[5 * i],
					    merge_counts[k])) {
					replace[k] = i;
					break;
				}
	} else {
		mw_content(w, 0);
		if (depth == s->suite_depth + 2 &&
		    merge_name_is(localname, prefix, uri, "property")) {
			if ((rc = merge_logs_value(w, nb_attrs, attrs,
						   &logs_at)) < 0)
				return rc;
			if (!rc)
				logs_at = -1;
		}
	}

	/* Namespaces, as xmlDOMWrapAdoptNode() handles them. */
	w->decls_nr = 0;
	for (i = 0; i < nb_ns; i++) {
		for (j = 0; j < w->map_nr; j++)
			if (w->map[j].shadow == -1 &&
			    prefix_eq(ns[2 * i], w->map[j].prefix))
				w->map[j].shadow = depth;
		if (merge_ns_push(w, ns[2 * i], ns[2 * i + 1],
				  w->in[w->in_nr - nb_ns + i].id, NULL, depth) ||
		    merge_decl_add(w, ns[2 * i], ns[2 * i + 1]))
			return OFFLOAD_ENOMEM;
	}
	if (uri && (rc = merge_ns_use(w, prefix, uri, 0, depth, &eprefix)))
		return rc;
	if (nb_attrs && !(aprefix = calloc((size_t)nb_attrs, sizeof(*aprefix))))
		return OFFLOAD_ENOMEM;
	for (i = 0; i < nb_attrs; i++)
		if (attrs[5 * i + 2] &&
		    (rc = merge_ns_use(w, attrs[5 * i + 1], attrs[5 * i + 2], 1,
				       depth, &aprefix[i]))) {
			free(aprefix);
			return rc;
		}

	/* The start tag, as xmlsave writes it. */
	mw_writes(w, "<");
	if (uri)
		mw_qname(w, eprefix, localname);
	else
		mw_qname(w, prefix, localname);
	for (j = 0; j < w->decls_nr; j++) {
		mw_writes(w, w->decls[j].prefix ? " xmlns:" : " xmlns");
		if (w->decls[j].prefix)
			mw_writes(w, (const char *)w->decls[j].prefix);
		mw_writes(w, "=");
		mw_quoted(w, w->decls[j].href);
	}
	for (i = 0; i < nb_attrs; i++) {
		for (k = 0; k < 4 && replace[k] != i; k++)
			;
		if (k < 4) {
			mw_count(w, merge_counts[k], computed[k]);
			continue;
		}
		mw_writes(w, " ");
		mw_qname(w, attrs[5 * i + 2] ? aprefix[i] : attrs[5 * i + 1],
			 attrs[5 * i]);
		mw_writes(w, "=\"");
		v = attrs[5 * i + 3];
		end = attrs[5 * i + 4];
		if (i == logs_at)
			mw_escaped(w, BAD_CAST w->logs.buf, w->logs.len, 1, 0);
		else
			mw_escaped(w, v, (size_t)(end - v), 1, 1);
		mw_writes(w, "\"");
	}
	free(aprefix);
	if (is_suite) {
		for (k = 0; k < 4; k++)
			if (s->suite.attr[k] < 0 && replace[k] < 0)
				mw_count(w, merge_counts[k], computed[k]);
		if (!s->suite.has_name) {
			mw_writes(w, " name=\"");
			v = BAD_CAST (w->name ? w->name : w->path);
			mw_escaped(w, v, strlen((const char *)v), 1, 0);
			mw_writes(w, "\"");
		}
	}
	w->oprefix[depth] = uri ? eprefix : NULL;
	w->open_tag = 1;
	return 0;
}

/* Pass 2's copy: an element ends (before the scan sees it end). */
static void merge_copy_end(struct merge_parse *mp, const xmlChar *localname,
			   const xmlChar *prefix, const xmlChar *uri)
{
	struct merge_writer *w = mp->w;
	int depth = mp->s.depth;

	if (mp->s.suite_depth && depth >= mp->s.suite_depth) {
		if (w->open_tag) {
			mw_writes(w, "/>");
			w->open_tag = 0;
		} else {
			mw_content(w, 0);
			mw_writes(w, "</");
			mw_qname(w, uri ? w->oprefix[depth] : prefix, localname);
			mw_writes(w, ">");
		}
	}
	merge_ns_pop(w, depth);
}

/* Inside a suite being copied. */
static int merge_copying(const struct merge_parse *mp)
{
	return mp->w && mp->s.suite_depth && !mp->s.rc && !mp->w->failed;
}

static void merge_sax_start(void *ctx, const xmlChar *localname,
			    const xmlChar *prefix, const xmlChar *uri,
			    int nb_ns, const xmlChar **ns, int nb_attrs,
			    int nb_defaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct merge_parse *mp = ctxt->_private;
	int rc;

	if (mp->s.rc)
		return;
	/* Only DTDs default attributes, and a DTD is refused. */
	nb_attrs -= nb_defaulted;
	merge_scan_start(&mp->s, ctxt, localname, prefix, uri, nb_ns, ns,
			 nb_attrs, attrs);
	if (mp->w && !mp->w->failed && (rc = merge_copy_start(mp, localname, prefix, uri, nb_ns,
					    ns, nb_attrs, attrs)))
		merge_stop(mp, rc);
}

static void merge_sax_end(void *ctx, const xmlChar *localname,
			  const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct merge_parse *mp = ctxt->_private;
	struct merge_counter *c = mp->c;
	struct merge_done *d;

	if (mp->s.rc)
		return;
	if (mp->w)
		merge_copy_end(mp, localname, prefix, uri);
	if (!merge_scan_end(&mp->s) || !c)
		return;
	if (merge_grow((void **)&c->done, &c->done_alloc, c->done_nr,
		       sizeof(*c->done))) {
		merge_stop(mp, OFFLOAD_ENOMEM);
		return;
	}
	d = &c->done[c->done_nr++];
	d->index = mp->s.suites - 1;
	d->own = mp->s.suite.own;
}

static void merge_sax_text(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct merge_parse *mp = ctxt->_private;

	if (!merge_copying(mp))
		return;
	mw_content(mp->w, 0);
	mw_escaped(mp->w, ch, (size_t)len, 0, 0);
}

static void merge_sax_cdata(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct merge_parse *mp = ctxt->_private;

	if (merge_copying(mp))
		mw_cdata(mp->w, ch, (size_t)len);
}

static void merge_sax_comment(void *ctx, const xmlChar *value)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct merge_parse *mp = ctxt->_private;

	if (!merge_copying(mp) || !value)
		return;
	mw_content(mp->w, 0);
	mw_writes(mp->w, "<!--");
	mw_writes(mp->w, (const char *)value);
	mw_writes(mp->w, "-->");
}

static void merge_sax_pi(void *ctx, const xmlChar *target,
			 const xmlChar *data)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct merge_parse *mp = ctxt->_private;

	if (!merge_copying(mp))
		return;
	mw_content(mp->w, 0);
	mw_writes(mp->w, "<?");
	mw_writes(mp->w, (const char *)target);
	if (data) {
		mw_writes(mp->w, " ");
		mw_writes(mp->w, (const char *)data);
	}
	mw_writes(mp->w, "?>");
}

static void merge_sax_dtd(void *ctx, const xmlChar *name,
			  const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct merge_parse *mp = ctxt->_private;

	(void)name;
	(void)external_id;
	(void)system_id;
	mp->s.dtd = 1;
	/* Pass 1 reads on, so that a malformed file is called that. */
	if (mp->w || mp->c)
		merge_stop(mp, OFFLOAD_EPARSE);
}

static void merge_sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = merge_sax_start;
	sax->endElementNs = merge_sax_end;
	sax->characters = merge_sax_text;
	sax->ignorableWhitespace = merge_sax_text;
	sax->cdataBlock = merge_sax_cdata;
	sax->comment = merge_sax_comment;
	sax->processingInstruction = merge_sax_pi;
	sax->internalSubset = merge_sax_dtd;
	sax->serror = merge_parser_error;
}

#define MERGE_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOWARNING | \
			     XML_PARSE_NOERROR | XML_PARSE_NODICT)

/*
 * The verdict on one parse of `path`, in the order the tree-based merge
 * gave it: the input's own refusals, out of memory, malformed XML, a
 * DTD, a namespace URI holding '<', a root that is not a report's.
 */
static int merge_verdict(struct merge_parse *mp, const struct xin *x,
			 int well_formed, int nomem, struct offload_error *err)
{
	const char *path = mp->s.path;
	struct reader *rd = &mp->rd;
	char *p;

	if (x->err)
		return err_set(err, x->err, "%s", x->msg);
	if (nomem || mp->s.rc == OFFLOAD_ENOMEM)
		return err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			       path, "out of memory");
	/* Pass 2 stops at a DTD, and where its input no longer agrees. */
	if (mp->s.rc && !mp->s.dtd)
		return err_set(err, mp->s.rc, "junit '%s': changed while being "
			       "merged (other suites or counts)", path);
	if (!well_formed) {
		/* Some libxml2 messages end in their own " line N". */
		p = strrchr(rd->err_msg, ' ');
		if (p && p - rd->err_msg >= 5 && !strncmp(p - 5, " line", 5) &&
		    p[1] && strspn(p + 1, "0123456789") == strlen(p + 1))
			p[-5] = '\0';
		if (rd->err_msg[0])
			return err_set(err, OFFLOAD_EPARSE,
				       "junit '%s' line %d: %s", path,
				       rd->err_line, rd->err_msg);
		return err_set(err, OFFLOAD_EPARSE, "junit '%s': malformed XML",
			       path);
	}
	/*
	 * Entities are not substituted, so a reference declared in a DTD
	 * would be copied as a reference the merged file does not declare.
	 * Reports never need a DTD: refuse one rather than expand it.
	 */
	if (mp->s.dtd)
		return err_set(err, OFFLOAD_EPARSE,
			       "junit '%s': has a document type declaration "
			       "(not supported in a report)", path);
	/*
	 * libxml2 2.9 writes a namespace declaration's URI as it is, '<'
	 * included, which would make the merged report not well-formed;
	 * such a URI is no URI anyway (RFC 3986).
	 */
	if (mp->s.bad_ns)
		return err_set(err, OFFLOAD_EPARSE,
			       "junit '%s': namespace URI '%.60s' holds a '<' "
			       "(not supported in a report)", path,
			       mp->s.bad_href);
	if (mp->s.root == ROOT_NONE)
		return err_set(err, OFFLOAD_EPARSE,
			       "junit '%s': no root element", path);
	if (mp->s.root == ROOT_OTHER)
		return err_set(err, OFFLOAD_EPARSE,
			       "junit '%s' line %ld: root element '%s' is not "
			       "testsuites or testsuite", path, mp->s.root_line,
			       mp->s.root_name);
	return 0;
}

/*
 * Parse `path` once with the SAX handlers above (pass 1 when mp->w is
 * NULL, the copy of pass 2 otherwise), as the tree-based merge parsed
 * it: the pull parser reading through xin_read, libxml2's default
 * limits on (no XML_PARSE_HUGE), no network, no DTD loaded.
 */
static int merge_parse_file(struct merge_parse *mp, struct offload_error *err)
{
	xmlParserCtxtPtr ctxt;
	struct xml_quiet q;
	struct xin x;
	int rc, nomem, well_formed;

	if ((rc = xin_open(&x, mp->s.path, -1, err)))
		return rc;
	xml_quiet_on(&q);
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		xml_quiet_off(&q);
		xin_release(&x);
		return err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			       mp->s.path, "out of memory");
	}
	merge_sax_init(ctxt->sax);
	ctxt->_private = mp;
	mp->ctxt = ctxt;
	xmlDictSetLimit(ctxt->dict, XIN_NAMES_CAP);
	xmlCtxtReadIO(ctxt, xin_read, xin_close, &x, mp->s.path, NULL,
		      MERGE_PARSE_OPTIONS);
	well_formed = ctxt->wellFormed;
	if (ctxt->myDoc)
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	mp->ctxt = NULL;
	nomem = xml_nomem;
	xml_quiet_off(&q);
	rc = merge_verdict(mp, &x, well_formed, nomem, err);
	xin_release(&x);
	return rc;
}

/* Pass 1 over input `file`: refusals, counts and shards, nothing
 * written. */
static int merge_check(const char *path, size_t file, struct merge_input *in,
		       struct merge_shards *sh, struct offload_error *err)
{
	struct merge_parse mp;
	int rc;

	memset(&mp, 0, sizeof(mp));
	mp.rd.path = mp.s.path = path;
	mp.s.sh = sh;
	mp.s.file = file;
	if ((rc = merge_parse_file(&mp, err)))
		return rc;
	in->suites = mp.s.suites;
	in->t = mp.s.t;
	return 0;
}

static void merge_counter_free(struct merge_counter *c)
{
	if (!c)
		return;
	if (c->ctxt) {
		if (c->ctxt->myDoc)
			xmlFreeDoc(c->ctxt->myDoc);
		xmlFreeParserCtxt(c->ctxt);
	}
	xin_release(&c->x);
	free(c->done);
	free(c->mp);
	free(c);
}

static struct merge_counter *merge_counter_new(const char *path, int *rc,
					       struct offload_error *err)
{
	struct merge_counter *c = calloc(1, sizeof(*c));
	xmlSAXHandler sax;

	*rc = OFFLOAD_ENOMEM;
	if (!c)
		return NULL;
	c->x.fd = -1;
	if (!(c->mp = calloc(1, sizeof(*c->mp))))
		goto fail;
	c->mp->rd.path = c->mp->s.path = path;
	c->mp->c = c;
	if ((*rc = xin_open(&c->x, path, -1, err)))
		goto fail;
	*rc = OFFLOAD_ENOMEM;
	merge_sax_init(&sax);
	/* Begun as read_file() begins, for the same encoding detection. */
	c->have = xin_fill(&c->x);
	c->pos = c->have >= 4 ? 4 : 0;
	c->ctxt = xmlCreatePushParserCtxt(&sax, NULL, c->pos ? c->x.out : NULL,
					  (int)c->pos, path);
	if (!c->ctxt ||
	    xmlCtxtUseOptions(c->ctxt, MERGE_PARSE_OPTIONS) < 0)
		goto fail;
	c->ctxt->_private = c->mp;
	c->mp->ctxt = c->ctxt;
	xmlDictSetLimit(c->ctxt->dict, XIN_NAMES_CAP);
	*rc = 0;
	return c;
fail:
	merge_counter_free(c);
	return NULL;
}

/* Feed the counter one more piece; an error when there is none left. */
static int merge_counter_next(struct merge_counter *c)
{
	xmlParserCtxtPtr ctxt = c->ctxt;
	size_t k;

	if (c->ended || c->mp->s.rc || !ctxt->wellFormed ||
	    ctxt->instate == XML_PARSER_EOF)
		return c->mp->s.rc == OFFLOAD_ENOMEM || xml_nomem ?
			OFFLOAD_ENOMEM : OFFLOAD_EPARSE;
	if (c->pos == c->have) {
		c->pos = 0;
		c->have = xin_fill(&c->x);
	}
	if (!c->have) {
		c->ended = 1;
		xmlParseChunk(ctxt, NULL, 0, 1);
		return 0;
	}
	k = c->have - c->pos < 4096 ? c->have - c->pos : 4096;
	xmlParseChunk(ctxt, c->x.out + c->pos, (int)k, 0);
	c->pos += k;
	return 0;
}

/* Pass 2 over one input: its suites copied into w->out. */
static int merge_copy(struct merge_writer *w, const char *path,
		      struct offload_error *err)
{
	struct merge_parse mp;
	int rc;

	memset(&mp, 0, sizeof(mp));
	mp.rd.path = mp.s.path = path;
	mp.w = w;
	w->path = path;
	w->in_nr = w->map_nr = 0;
	w->open_tag = w->open_cdata = w->cdata_brackets = 0;
	free(w->name);
	if (!(w->name = junit_escape(path)))
		return err_set(err, OFFLOAD_ENOMEM, "cannot merge junit '%s': %s",
			       path, "out of memory");
	/* Unknown (no working directory): offload.logs copied as it is. */
	if ((rc = path_dir_real(&w->in_dir, path)) == OFFLOAD_ENOMEM)
		return err_set(err, rc, "cannot merge junit '%s': %s", path,
			       "out of memory");
	if (rc)
		buf_reset(&w->in_dir);
	w->counter = merge_counter_new(path, &rc, err);
	if (!w->counter)
		return rc == OFFLOAD_ENOMEM ?
			err_set(err, rc, "cannot merge junit '%s': %s", path,
				"out of memory") : rc;
	rc = merge_parse_file(&mp, err);
	merge_counter_free(w->counter);
	w->counter = NULL;
	while (w->map_nr)
		free(w->map[--w->map_nr].owned);
	if (w->failed)
		return -1;
	if (!rc && (mp.s.suites != w->expect->suites ||
		    mp.s.t.tests != w->expect->t.tests ||
		    mp.s.t.failures != w->expect->t.failures ||
		    mp.s.t.errors != w->expect->t.errors ||
		    mp.s.t.skipped != w->expect->t.skipped ||
		    mp.s.t.secs != w->expect->t.secs))
		rc = err_set(err, OFFLOAD_EPARSE, "junit '%s': changed while "
			     "being merged (other suites or counts)", path);
	return rc;
}

struct merge_emit {
	const char *out;
	const char *const *inputs;
	size_t n;
	struct merge_input *in;
	struct offload_error *err;
	const struct buf *problems;   /* the shards' (empty: none) */
};

/*
 * The suite that says the shards do not fit together: one failed case,
 * so that whoever reads the merged report (a CI's test tab) sees it.
 */
static void merge_emit_problems(struct merge_writer *w, const struct buf *p)
{
	mw_writes(w, "\n  <testsuite name=\"offload merge\" tests=\"1\" "
		  "failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
		  "    <testcase name=\"shards\" classname=\"offload merge\" "
		  "time=\"0\">\n"
		  "      <failure type=\"shards\" message=\"the shard reports do "
		  "not fit together: tests may be missing or counted twice\">");
	mw_escaped(w, (const xmlChar *)p->buf, p->len, 0, 0);
	mw_writes(w, "</failure>\n    </testcase>\n  </testsuite>");
}

/*
 * Pass 2, writing into the temporary file of save_atomically().  The
 * root's attributes are pass 1's totals; the schema allows no "skipped"
 * on <testsuites>: that count stays on each suite.
 */
static int merge_emit(xmlOutputBufferPtr out, void *data)
{
	struct merge_emit *me = data;
	struct merge_totals t = { 0, 0, 0, 0, 0 };
	struct merge_writer w;
	char head[256], num[48];
	size_t i;
	int rc = 0;

	memset(&w, 0, sizeof(w));
	w.out = out;
	buf_init(&w.in_dir);
	buf_init(&w.out_dir);
	buf_init(&w.logs);
	/* After save_atomically made the output's directory. */
	if ((rc = path_dir_real(&w.out_dir, me->out)) == OFFLOAD_ENOMEM)
		goto done;
	if (rc)
		buf_reset(&w.out_dir);
	rc = 0;
	for (i = 0; i < me->n; i++) {
		t.tests += me->in[i].t.tests;
		t.failures += me->in[i].t.failures;
		t.errors += me->in[i].t.errors;
		t.secs += me->in[i].t.secs;
	}
	t.tests += me->problems->len > 0;
	t.failures += me->problems->len > 0;
	format_secs(num, sizeof(num), t.secs);
	snprintf(head, sizeof(head), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<testsuites name=\"offload\" tests=\"%llu\" failures=\"%llu\" "
		 "errors=\"%llu\" time=\"%s\">", t.tests, t.failures, t.errors,
		 num);
	mw_writes(&w, head);
	for (i = 0; i < me->n && !rc && !w.failed; i++) {
		w.expect = &me->in[i];
		rc = merge_copy(&w, me->inputs[i], me->err);
	}
	if (!rc && me->problems->len)
		merge_emit_problems(&w, me->problems);
	mw_writes(&w, "\n</testsuites>\n");
	if (!w.failed && (xmlOutputBufferFlush(out) < 0 || out->error))
		w.failed = errno ? errno : EIO;
done:
	buf_release(&w.in_dir);
	buf_release(&w.out_dir);
	buf_release(&w.logs);
	free(w.in);
	free(w.map);
	free(w.decls);
	free(w.name);
	xmlOutputBufferClose(out);      /* not the fd: save_atomically's */
	if (rc)
		return rc;
	if (xml_nomem)
		return OFFLOAD_ENOMEM;
	if (w.failed) {
		errno = w.failed;
		return -1;
	}
	return 0;
}

int offload_junit_merge_shards(const char *out, const char *const *inputs,
			       size_t n, char **problems,
			       struct offload_error *err)
{
	struct buf found = BUF_INIT;
	struct merge_emit me = { out, inputs, n, NULL, err, &found };
	struct merge_shards sh;
	struct xml_quiet q;
	size_t i;
	int rc = 0;

	if (problems)
		*problems = NULL;
	if (!out || (n && !inputs))
		return err_set(err, OFFLOAD_EUSAGE,
			       "merge needs an output and inputs");
	if (n >= MERGE_ID_TOLD)
		return err_set(err, OFFLOAD_EUSAGE, "merge: too many inputs");
	if (n && !(me.in = calloc(n, sizeof(*me.in))))
		return err_set(err, OFFLOAD_ENOMEM, "cannot merge into '%s': %s",
			       out, "out of memory");
	memset(&sh, 0, sizeof(sh));
	sh.inputs = inputs;
	xml_quiet_on(&q);
	for (i = 0; i < n && !rc; i++)
		rc = merge_check(inputs[i], i, &me.in[i], &sh, err);
	if (!rc)
		merge_shards_verdict(&sh, &found);
	if (!rc && sh.nomem)
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot merge into '%s': %s",
			     out, "out of memory");
	if (!rc)
		rc = save_atomically(out, merge_emit, &me, err);
	xml_quiet_off(&q);
	merge_shards_release(&sh);
	free(me.in);
	if (!rc && problems && found.len && !(*problems = buf_detach(&found)))
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot merge into '%s': %s",
			     out, "out of memory");
	buf_release(&found);
	return rc;
}

int offload_junit_merge(const char *out, const char *const *inputs, size_t n,
			struct offload_error *err)
{
	return offload_junit_merge_shards(out, inputs, n, NULL, err);
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

/* "RUN NO SANDBOX START END TESTS[ HOST]": the reader's run, then the
 * offload.batch value */
static void parse_batch(struct timeline *tl, const char *s)
{
	unsigned run, no, sb;
	double start, end, off;
	size_t tests;
	int used = 0;

	if (sscanf(s, "%u %u %u %lf %lf %zu%n", &run, &no, &sb, &start, &end,
		   &tests, &used) != 6 || run >= tl->runs_nr)
		return;
	s += used;
	off = tl->exec_start + tl->runs[run].offset;
	timeline_batch(tl, no, sb, *s == ' ' ? s + 1 : NULL, off + start,
		       off + end, tests);
	if (tl->batches_nr && !tl->nomem)
		tl->batches[tl->batches_nr - 1].run = run;
}

/* A suite's timestamp ("2024-05-02T09:14:31", UTC, as offload writes
 * it; a fraction or zone after it is ignored) as seconds since the
 * epoch; -1 when it is not one. */
static double stamp_secs(const char *s)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
			 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
			 &n) != 6 || !n)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm);
}

/*
 * The runs the reader found into `tl`, each placed by its timestamp's
 * distance from the earliest one (a run whose timestamp does not parse
 * stays at 0), and with more than one the earliest timestamp in *stamp
 * (which the page shows as the start).  0 or OFFLOAD_ENOMEM.
 */
static int load_runs(struct reader *rd, struct timeline *tl, char **stamp)
{
	double first = -1;
	size_t earliest = 0;

	tl->runs = rd->runs;
	tl->runs_nr = rd->runs_nr;
	rd->runs = NULL;
	rd->runs_nr = 0;
	for (size_t i = 0; i < tl->runs_nr; i++) {
		double t = stamp_secs(tl->runs[i].stamp);

		tl->runs[i].offset = t;
		if (t >= 0 && (first < 0 || t < first)) {
			first = t;
			earliest = i;
		}
	}
	for (size_t i = 0; i < tl->runs_nr; i++)
		tl->runs[i].offset = tl->runs[i].offset >= 0 && first >= 0 ?
			tl->runs[i].offset - first : 0;
	if (tl->runs_nr > 1 && first >= 0) {
		char *s = strdup(tl->runs[earliest].stamp);

		if (!s)
			return OFFLOAD_ENOMEM;
		free(*stamp);
		*stamp = s;
	}
	return 0;
}

int junit_load(const char *path, struct offload_report *rep,
	       struct strvec *groups, struct timeline *tl, char **stamp,
	       struct junit_times *times, struct offload_error *err)
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
	if (!rc && !nomem) {
		*stamp = rd.stamp;
		rd.stamp = NULL;
		nomem = load_runs(&rd, tl, stamp) != 0;
	}
	if (!rc && !nomem && tl->runs_nr > 1 && rep->nr &&
	    !(tl->result_runs = calloc(rep->nr, sizeof(*tl->result_runs))))
		nomem = 1;
	for (i = 0; !rc && !nomem && tl->result_runs && i < rep->nr; i++)
		tl->result_runs[i] = rd.cases[i].run;
	for (i = 0; !rc && !nomem && i < rd.batches.nr; i++)
		parse_batch(tl, rd.batches.v[i]);
	if (!rc && !nomem) {
		report_count(rep);
		rep->interrupted = rd.interrupted;
		/* a merged report's time is the sum of its runs', which ran
		 * side by side or one after the other: its span is theirs */
		rep->secs = tl->runs_nr > 1 ? 0 : parse_secs(rd.total);
		for (i = 0; i < tl->batches_nr; i++)
			if (tl->batches[i].end > rep->secs)
				rep->secs = tl->batches[i].end;
		if (times) {
			times->wall_known = rd.total || tl->batches_nr;
			times->suites_secs = rd.suites_secs;
			times->suites_timed = rd.suites_timed;
		}
	}
	if (!rc && (nomem || tl->nomem))
		rc = err_set(err, OFFLOAD_ENOMEM, "cannot read junit '%s': %s",
			     path, "out of memory");
	for (i = 0; i < rd.nr; i++)
		free(rd.logs[i]);
	free(rd.logs);
	free(rd.flaky);
	junit_cases_free(rd.cases, rd.nr);
	reader_meta_release(&rd);
	return rc;
}
