/* SPDX-License-Identifier: MIT */
/*
 * fuzz-tap.c - libFuzzer target: tap_parse() (src/tap.c), which reads
 * whatever a TAP producer printed: any bytes, NULs and cut lines
 * included.
 *
 * Checked: no crash, leak or sanitizer report; the points are exactly the
 * lines of a plain model - lines (cut at a NUL, "\r" dropped) that start
 * with "ok" or "not ok" followed by nothing or a character that is not a
 * letter, digit or '_', up to the first line starting with "Bail out!" -
 * in order, ok/not ok alike; descriptions and reasons hold no newline;
 * failed points are at most the points; a stream with no plan says so.
 */
#include <ctype.h>
#include "offload.h"
#include "tap.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *line = text, *end = text + size;
	struct tap_stream s;
	size_t k = 0;
	int rc;

	rc = tap_parse(text, size, &s);
	FUZZ_CHECK(rc == 0, "tap_parse returned %d", rc);
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *z;
		size_t len = (size_t)((nl ? nl : end) - line);
		int ok;

		if ((z = memchr(line, '\0', len)))
			len = (size_t)(z - line);
		if (len && line[len - 1] == '\r')
			len--;
		if (len >= 9 && !memcmp(line, "Bail out!", 9)) {
			FUZZ_CHECK(s.bail != NULL, "bail out not seen");
			break;
		}
		ok = len >= 2 && !memcmp(line, "ok", 2) && (len == 2 || !word_char(line[2]));
		if (ok || (len >= 6 && !memcmp(line, "not ok", 6) &&
			   (len == 6 || !word_char(line[6])))) {
			FUZZ_CHECK(k < s.nr, "point %zu missing: '%.*s'", k,
				   (int)len, line);
			FUZZ_CHECK(s.points[k].ok == ok, "point %zu: ok is %d",
				   k, s.points[k].ok);
			FUZZ_CHECK(!strchr(s.points[k].description, '\n') &&
				   !strchr(s.points[k].reason, '\n'),
				   "point %zu: a newline in its texts", k);
			k++;
		}
		line = nl ? nl + 1 : end;
	}
	FUZZ_CHECK(k == s.nr, "%zu points, expected %zu", s.nr, k);
	FUZZ_CHECK(tap_failed(&s) <= s.nr, "more failed points than points");
	FUZZ_CHECK(s.bail || s.planned >= 0 || s.errors.nr > 0,
		   "no plan and no error");
	FUZZ_CHECK(!s.skip_all || s.planned == 0, "skip_all with a plan");
	tap_stream_release(&s);
	return 0;
}
