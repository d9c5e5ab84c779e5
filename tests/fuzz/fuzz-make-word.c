/* SPDX-License-Identifier: MIT */
/*
 * fuzz-make-word.c - libFuzzer target: the make-word codec of the Make
 * module (offload_make_encode, offload_make_decode in include/offload.h),
 * by which test IDs travel through make variables and back.
 *
 * Checked, against a plain model of the documented encoding (bytes
 * A-Z a-z 0-9 . _ / + - kept, every other byte as @XX, upper-case hex):
 * - x = the input up to its first NUL: encode(x) is the model's word,
 *   uses only [A-Za-z0-9._/+@-], and decodes back to x;
 * - w = the whole input as a word: decode(w) accepts exactly what the
 *   model accepts ('@' + two hex digits, not @00), decodes to the model's
 *   bytes, and when those hold no NUL, encode(decode(w)) is the canonical
 *   word (so w itself when w was canonical).
 * No crash, leak or sanitizer report on any input.
 */
#include "offload.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int kept(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
	       c == '+' || c == '-';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The model's word for s[0..n) into a new string. */
static char *model_encode(const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *w = malloc(3 * n + 1), *o = w;

	FUZZ_CHECK(w, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (kept(s[i])) {
			*o++ = (char)s[i];
		} else {
			*o++ = '@';
			*o++ = hex[s[i] >> 4];
			*o++ = hex[s[i] & 15];
		}
	}
	*o = '\0';
	return w;
}

/* The model's decoding of w[0..n): bytes into out, length, or -1. */
static long model_decode(const unsigned char *w, size_t n, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (w[i] != '@') {
			out[o++] = w[i];
			continue;
		}
		if (n - i < 3)
			return -1;
		hi = hexval(w[i + 1]);
		lo = hexval(w[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		out[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return (long)o;
}

static void check_encode(const unsigned char *x, size_t n)
{
	char *w = offload_make_encode((const char *)x), *model, *back;
	size_t wl;
	int rc;

	FUZZ_CHECK(w, "encode returned NULL");
	wl = strlen(w);
	for (size_t i = 0; i < wl; i++)
		FUZZ_CHECK(kept((unsigned char)w[i]) || w[i] == '@',
			   "encoded word has byte 0x%02x", (unsigned char)w[i]);
	model = model_encode(x, n);
	FUZZ_CHECK(!strcmp(w, model), "encode gave '%s', model '%s'", w, model);
	rc = offload_make_decode(w, wl, &back);
	FUZZ_CHECK(rc == 0, "decode(encode(x)) failed: %d", rc);
	FUZZ_CHECK(strlen(back) == n && !memcmp(back, x, n),
		   "decode(encode(x)) != x");
	free(back);
	free(model);
	free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *expect = malloc(size + 1);
	char *dec = NULL, *canon, *enc;
	long elen;
	int rc;

	FUZZ_CHECK(expect, "out of memory");
	{
		/* x: the input as a C string */
		unsigned char *x = malloc(size + 1);

		FUZZ_CHECK(x, "out of memory");
		memcpy(x, data, size);
		x[size] = '\0';
		check_encode(x, strlen((char *)x));
		free(x);
	}

	elen = model_decode(data, size, expect);
	rc = offload_make_decode((const char *)data, size, &dec);
	if (elen < 0) {
		FUZZ_CHECK(rc == OFFLOAD_EPARSE && !dec,
			   "decode accepted a bad word (%d)", rc);
		free(expect);
		return 0;
	}
	FUZZ_CHECK(rc == 0 && dec, "decode refused a good word (%d)", rc);
	FUZZ_CHECK(!memcmp(dec, expect, (size_t)elen) && dec[elen] == '\0',
		   "decode gave other bytes than the model");
	if (!memchr(expect, '\0', (size_t)elen)) {
		enc = offload_make_encode(dec);
		FUZZ_CHECK(enc, "encode returned NULL");
		canon = model_encode(expect, (size_t)elen);
		FUZZ_CHECK(!strcmp(enc, canon), "encode(decode(w)) is '%s', "
			   "canonical '%s'", enc, canon);
		free(canon);
		free(enc);
	}
	free(dec);
	free(expect);
	return 0;
}
