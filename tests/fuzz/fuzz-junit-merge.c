/* SPDX-License-Identifier: MIT */
/*
 * fuzz-junit-merge.c - libFuzzer target: offload_junit_merge() (`offload
 * merge`) on one or two hostile inputs.
 *
 * Input layout: the first byte chooses (bit 0) one or two inputs and
 * (bit 1) whether the output is the first input itself; the rest is the
 * first file, then, for two inputs, the second after the first "\n--8<--\n"
 * (or after the middle when there is none).
 *
 * Checked: no crash, leak or sanitizer report; bounded time and memory;
 * an error names a file and leaves the output untouched (absent, or the
 * first input unchanged); a merged report reads back with junit_read(),
 * and merging it again alone gives the same bytes (the counts written on
 * the copies and the totals are stable).  Found by this target: a
 * namespace URI holding '<' was written unescaped (now refused, see
 * test_merge_namespace_lt in tests/unit/test-merge.c).
 */
#include "offload.h"
#include "junit.h"
#include "fuzz.h"

#define SEP "\n--8<--\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char in1[PATH_MAX], in2[PATH_MAX], out[PATH_MAX], again[PATH_MAX];
	const char *inputs[2];
	const char *rest, *cut;
	struct offload_error err;
	struct junit_case *cases;
	char *before = NULL, *merged, *remerged;
	size_t n, len, len1, before_len = 0, merged_len, remerged_len, nr;
	int in_place, rc;

	if (size < 1 || size > fuzz_max_input())
		return -1;
	if (!in1[0]) {
		fuzz_path(in1, sizeof(in1), "a 'first' report.xml");
		fuzz_path(in2, sizeof(in2), "second$report.xml");
		fuzz_path(out, sizeof(out), "merged/out.xml");
		fuzz_path(again, sizeof(again), "merged/again.xml");
	}
	n = 1 + (data[0] & 1);
	in_place = (data[0] & 2) != 0;
	rest = (const char *)data + 1;
	len = size - 1;
	len1 = len;
	if (n == 2) {
		cut = memmem(rest, len, SEP, strlen(SEP));
		len1 = cut ? (size_t)(cut - rest) : len / 2;
		fuzz_write(in2, rest + len1 + (cut ? strlen(SEP) : 0),
			   len - len1 - (cut ? strlen(SEP) : 0));
	}
	fuzz_write(in1, rest, len1);
	inputs[0] = in1;
	inputs[1] = in2;
	if (in_place)
		before = fuzz_slurp(in1, &before_len);
	unlink(out);
	unlink(again);

	memset(&err, 0, sizeof(err));
	rc = offload_junit_merge(in_place ? in1 : out, inputs, n, &err);
	FUZZ_CHECK(rc <= 0, "return code %d", rc);
	if (rc) {
		FUZZ_CHECK(err.msg[0], "error %d without a message", rc);
		FUZZ_CHECK(strstr(err.msg, in1) || strstr(err.msg, in2),
			   "error names no input: %s", err.msg);
		if (in_place) {
			merged = fuzz_slurp(in1, &merged_len);
			FUZZ_CHECK(merged && merged_len == before_len &&
				   !memcmp(merged, before, before_len),
				   "failed merge changed its output (an input)");
			free(merged);
		} else {
			FUZZ_CHECK(access(out, F_OK) != 0,
				   "failed merge wrote its output");
		}
		free(before);
		return 0;
	}
	free(before);

	/* The report reads back, and merging it alone changes nothing. */
	memset(&err, 0, sizeof(err));
	rc = junit_read(in_place ? in1 : out, -1, &cases, &nr, &err);
	junit_cases_free(cases, nr);
	FUZZ_CHECK(rc == 0, "merged report does not read back: %s", err.msg);

	inputs[0] = in_place ? in1 : out;
	memset(&err, 0, sizeof(err));
	rc = offload_junit_merge(again, inputs, 1, &err);
	FUZZ_CHECK(rc == 0, "merged report does not merge again: %s", err.msg);
	merged = fuzz_slurp(inputs[0], &merged_len);
	remerged = fuzz_slurp(again, &remerged_len);
	FUZZ_CHECK(merged && remerged, "a merged report is missing");
	FUZZ_CHECK(merged_len == remerged_len &&
		   !memcmp(merged, remerged, merged_len),
		   "merging a merged report again changed it (%zu -> %zu bytes)",
		   merged_len, remerged_len);
	free(merged);
	free(remerged);
	return 0;
}
