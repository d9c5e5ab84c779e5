/* SPDX-License-Identifier: MIT */
/*
 * fuzz-pytest-collect.c - libFuzzer target: parse_collect()
 * (src/framework_pytest.c), which turns `pytest --collect-only -q` output
 * into node IDs.  Discovery output is whatever the project's pytest,
 * plugins and conftest.py print.
 *
 * The text the parser sees is the input up to its first NUL (discovery
 * output is a C string).  Checked: no crash, leak or sanitizer report; the
 * IDs are exactly those of a plain model of the documented format - one
 * per line, "\r\n" accepted, lines with "::" only, up to the first empty
 * line - in order and byte for byte.
 */
#include "offload.h"
#include "buf.h"
#include "framework.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec ids = STRVEC_INIT;
	struct offload_group g = { .name = (char *)"fuzz" };
	struct offload_error err = { 0 };
	char *text = malloc(size + 1);
	const char *line, *end, *stop;
	size_t k = 0, len;
	int rc;

	FUZZ_CHECK(text, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	rc = parse_collect(text, &g, &ids, &err);
	FUZZ_CHECK(rc == 0, "parse_collect returned %d", rc);

	stop = text + strlen(text);
	for (line = text; line < stop; line = end + 1) {
		end = memchr(line, '\n', (size_t)(stop - line));
		if (!end)
			end = stop;
		len = (size_t)(end - line);
		if (len && line[len - 1] == '\r')
			len--;
		if (!len)
			break;
		if (!memmem(line, len, "::", 2))
			continue;
		FUZZ_CHECK(k < ids.nr, "ID %zu missing: '%.*s'", k, (int)len,
			   line);
		FUZZ_CHECK(strlen(ids.v[k]) == len &&
			   !memcmp(ids.v[k], line, len),
			   "ID %zu is '%s', expected '%.*s'", k, ids.v[k],
			   (int)len, line);
		k++;
	}
	FUZZ_CHECK(k == ids.nr, "%zu IDs, expected %zu", ids.nr, k);
	FUZZ_CHECK(ids.v[ids.nr] == NULL, "vector not NULL-terminated");
	strvec_clear(&ids);
	free(text);
	return 0;
}
