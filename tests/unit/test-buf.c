/* SPDX-License-Identifier: MIT */
/*
 * test-buf.c - unit tests for buf.c: growable strings, the capped capture
 * buffer that keeps a test's output bounded (first half, last half, and an
 * exact count of what was dropped), string vectors, edit distance.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "buf.h"

static void test_buf_init_empty(void **state)
{
	struct buf b = BUF_INIT;
	struct buf c;

	buf_init(&c);
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(c.len, 0);
	assert_string_equal(c.buf, "");
	buf_release(&b);
	buf_release(&c);
	assert_string_equal(b.buf, "");
}

/* Many appends: content, length and NUL termination stay right. */
static void test_buf_addf_growth(void **state)
{
	struct buf b = BUF_INIT;
	char *want = malloc(10000 * 8 + 1), *s;
	size_t wl = 0;

	assert_non_null(want);
	for (int i = 0; i < 10000; i++) {
		assert_int_equal(buf_addf(&b, "%d,", i), 0);
		wl += (size_t)sprintf(want + wl, "%d,", i);
		assert_int_equal(b.len, wl);
		assert_true(b.alloc > b.len);
		assert_int_equal(b.buf[b.len], '\0');
	}
	assert_int_equal(strlen(b.buf), wl);
	assert_memory_equal(b.buf, want, wl);

	s = buf_detach(&b);
	assert_string_equal(s, want);
	/* Detached: the buffer is empty and usable again. */
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	assert_int_equal(buf_addf(&b, "%s-%05.1f", "x", 2.5), 0);
	assert_string_equal(b.buf, "x-002.5");
	buf_release(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	free(s);
	free(want);
}

static void test_buf_add_bytes(void **state)
{
	struct buf b = BUF_INIT;
	static const char bin[] = { 'a', '\0', 'b', '\xff' };

	assert_int_equal(buf_add(&b, bin, sizeof(bin)), 0);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.buf, bin, 4);
	assert_int_equal(b.buf[4], '\0');
	assert_int_equal(buf_addch(&b, 'z'), 0);
	assert_int_equal(buf_adds(&b, "yz"), 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.buf + 4, "zyz", 4);
	/* Empty formats and empty adds change nothing but stay valid. */
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_int_equal(buf_addf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 7);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	buf_release(&b);
}

static void test_buf_detach_empty(void **state)
{
	struct buf b = BUF_INIT;
	char *s = buf_detach(&b);

	/* The caller always gets a string it may free. */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

/* ---- capbuf --------------------------------------------------------- */

static char pattern_byte(size_t i)
{
	return (char)((i * 131 + i / 257) & 0xff);
}

static void feed(struct capbuf *c, size_t total, size_t chunk)
{
	char *tmp = malloc(chunk);
	size_t off = 0;

	assert_non_null(tmp);
	while (off < total) {
		size_t n = total - off < chunk ? total - off : chunk;

		for (size_t k = 0; k < n; k++)
			tmp[k] = pattern_byte(off + k);
		assert_int_equal(capbuf_add(c, tmp, n), 0);
		off += n;
	}
	free(tmp);
}

/* What render must give for `total` pattern bytes under `cap`. */
static void expected_render(struct buf *out, size_t cap, size_t total)
{
	size_t head = cap / 2, tail = cap - head;

	if (total <= cap) {
		for (size_t i = 0; i < total; i++)
			assert_int_equal(buf_addch(out, pattern_byte(i)), 0);
		return;
	}
	for (size_t i = 0; i < head; i++)
		assert_int_equal(buf_addch(out, pattern_byte(i)), 0);
	assert_int_equal(buf_addf(out, "\n[offload: %zu bytes of output omitted]\n",
				  total - cap), 0);
	for (size_t i = total - tail; i < total; i++)
		assert_int_equal(buf_addch(out, pattern_byte(i)), 0);
}

static void test_capbuf_small_kept_whole(void **state)
{
	struct capbuf c;
	struct buf out = BUF_INIT;

	capbuf_init(&c, 16);
	assert_int_equal(capbuf_add(&c, "hello ", 6), 0);
	assert_int_equal(capbuf_add(&c, "world", 5), 0);
	assert_int_equal(capbuf_dropped(&c), 0);
	assert_int_equal(capbuf_render(&c, &out), 0);
	assert_string_equal(out.buf, "hello world");
	capbuf_release(&c);
	buf_release(&out);

	/* Exactly cap bytes: nothing dropped, no marker. */
	capbuf_init(&c, 16);
	assert_int_equal(capbuf_add(&c, "0123456789abcdef", 16), 0);
	assert_int_equal(capbuf_dropped(&c), 0);
	assert_int_equal(capbuf_render(&c, &out), 0);
	assert_string_equal(out.buf, "0123456789abcdef");
	capbuf_release(&c);
	buf_release(&out);

	/* One byte more: one dropped, and it says so. */
	capbuf_init(&c, 16);
	assert_int_equal(capbuf_add(&c, "0123456789abcdefg", 17), 0);
	assert_int_equal(capbuf_dropped(&c), 1);
	assert_int_equal(capbuf_render(&c, &out), 0);
	assert_string_equal(out.buf,
		"01234567\n[offload: 1 bytes of output omitted]\n9abcdefg");
	capbuf_release(&c);
	buf_release(&out);
}

/* `total` pattern bytes in `chunk`s under `cap`: every capbuf_tail(n). */
static void check_tail(size_t cap, size_t total, size_t chunk)
{
	size_t head = cap / 2, kept = 0, len, i, n;
	char all[64], got[64];
	struct capbuf c;

	capbuf_init(&c, cap);
	feed(&c, total, chunk);
	/* the kept bytes in order, without the marker */
	for (i = 0; i < total; i++)
		if (total <= cap || i < head || i >= total - (cap - head))
			all[kept++] = pattern_byte(i);
	for (n = 0; n < 40; n++) {
		len = kept < n ? kept : n;
		assert_int_equal(capbuf_tail(&c, got, n), len);
		assert_memory_equal(got, all + kept - len, len);
	}
	capbuf_release(&c);
}

/* capbuf_tail gives the last n bytes kept, across head and ring. */
static void test_capbuf_tail(void **state)
{
	static const size_t caps[] = { 0, 1, 16, 17 };

	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
		for (size_t total = 0; total < 50; total++) {
			check_tail(caps[k], total, 1);
			check_tail(caps[k], total, 5);
		}
}

/* 1 MB in chunks of 1, 7 and 4096 bytes through a 16-byte cap. */
static void test_capbuf_megabyte(void **state)
{
	static const size_t chunks[] = { 1, 7, 4096 };
	const size_t total = 1 << 20;

	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct capbuf c;
		struct buf out = BUF_INIT, want = BUF_INIT;
		char first[8], last[8];

		capbuf_init(&c, 16);
		feed(&c, total, chunks[k]);
		assert_int_equal(capbuf_dropped(&c), total - 16);
		assert_int_equal(capbuf_render(&c, &out), 0);
		expected_render(&want, 16, total);
		assert_int_equal(out.len, want.len);
		assert_memory_equal(out.buf, want.buf, want.len);
		/* Spelled out: first 8 bytes, the marker, the last 8 bytes. */
		for (size_t i = 0; i < 8; i++) {
			first[i] = pattern_byte(i);
			last[i] = pattern_byte(total - 8 + i);
		}
		assert_memory_equal(out.buf, first, 8);
		assert_memory_equal(out.buf + out.len - 8, last, 8);
		assert_non_null(strstr(out.buf + 8,
			"\n[offload: 1048560 bytes of output omitted]\n"));
		capbuf_release(&c);
		buf_release(&out);
		buf_release(&want);
	}
}

/* Against a model, for odd and even caps, every total and chunk size. */
static void test_capbuf_model(void **state)
{
	for (size_t cap = 0; cap <= 33; cap++)
	for (size_t total = 0; total <= 90; total++)
	for (size_t chunk = 1; chunk <= 11; chunk += 2) {
		struct capbuf c;
		struct buf out = BUF_INIT, want = BUF_INIT;

		capbuf_init(&c, cap);
		feed(&c, total, chunk);
		assert_int_equal(capbuf_render(&c, &out), 0);
		expected_render(&want, cap, total);
		if (out.len != want.len || memcmp(out.buf, want.buf, want.len))
			fail_msg("cap %zu total %zu chunk %zu: render differs",
				 cap, total, chunk);
		if (capbuf_dropped(&c) != (total > cap ? total - cap : 0))
			fail_msg("cap %zu total %zu chunk %zu: dropped %llu",
				 cap, total, chunk, capbuf_dropped(&c));
		capbuf_release(&c);
		buf_release(&out);
		buf_release(&want);
	}
}

/* Cap 0 keeps nothing but still counts and says so. */
static void test_capbuf_cap_zero(void **state)
{
	struct capbuf c;
	struct buf out = BUF_INIT;

	capbuf_init(&c, 0);
	assert_int_equal(capbuf_render(&c, &out), 0);
	assert_string_equal(out.buf, "");
	assert_int_equal(capbuf_add(&c, "abc", 3), 0);
	assert_int_equal(capbuf_dropped(&c), 3);
	assert_int_equal(capbuf_render(&c, &out), 0);
	assert_string_equal(out.buf, "\n[offload: 3 bytes of output omitted]\n");
	capbuf_release(&c);
	buf_release(&out);
}

/* Rendering appends to what the caller already has. */
static void test_capbuf_render_appends(void **state)
{
	struct capbuf c;
	struct buf out = BUF_INIT;

	capbuf_init(&c, 4);
	assert_int_equal(buf_adds(&out, "stdout:\n"), 0);
	assert_int_equal(capbuf_add(&c, "abcdef", 6), 0);
	assert_int_equal(capbuf_render(&c, &out), 0);
	assert_string_equal(out.buf,
		"stdout:\nab\n[offload: 2 bytes of output omitted]\nef");
	capbuf_release(&c);
	buf_release(&out);
}

/* ---- strvec --------------------------------------------------------- */

static void test_strvec(void **state)
{
	struct strvec sv = STRVEC_INIT;
	char src[] = "first";
	char **v;

	assert_non_null(sv.v);
	assert_null(sv.v[0]);
	assert_int_equal(strvec_push(&sv, src), 0);
	src[0] = 'X';   /* push copied it */
	assert_string_equal(sv.v[0], "first");
	assert_null(sv.v[1]);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(strvec_pushf(&sv, "arg %d", i), 0);
		assert_int_equal(sv.nr, (size_t)i + 2);
		assert_null(sv.v[sv.nr]);
	}
	assert_int_equal(strvec_push_nodup(&sv, strdup("owned")), 0);
	assert_string_equal(sv.v[24], "arg 23");
	assert_string_equal(sv.v[51], "owned");
	assert_null(sv.v[52]);

	v = strvec_detach(&sv);
	assert_int_equal(sv.nr, 0);
	assert_non_null(sv.v);
	assert_null(sv.v[0]);
	assert_string_equal(v[0], "first");
	assert_string_equal(v[51], "owned");
	assert_null(v[52]);
	strv_free(v);

	assert_int_equal(strvec_push(&sv, "again"), 0);
	strvec_clear(&sv);
	assert_int_equal(sv.nr, 0);
	assert_null(sv.v[0]);
	strvec_clear(&sv);  /* twice is harmless */
}

static void test_strvec_detach_empty(void **state)
{
	struct strvec sv;
	char **v;

	strvec_init(&sv);
	v = strvec_detach(&sv);
	/* A real, free-able, NULL-terminated array even when empty. */
	assert_non_null(v);
	assert_null(v[0]);
	strv_free(v);
	strv_free(NULL);
}

/* ---- edit distance -------------------------------------------------- */

static void test_edit_distance(void **state)
{
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
	assert_int_equal(edit_distance("sitting", "kitten"), 3);
	assert_int_equal(edit_distance("", ""), 0);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("abc", ""), 3);
	assert_int_equal(edit_distance("same", "same"), 0);
	assert_int_equal(edit_distance("flaw", "lawn"), 2);
	assert_int_equal(edit_distance("retry_cont", "retry_count"), 1);
	assert_int_equal(edit_distance("max_paralel", "max_parallel"), 1);
	assert_int_equal(edit_distance("abc", "xyz"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_init_empty),
		cmocka_unit_test(test_buf_addf_growth),
		cmocka_unit_test(test_buf_add_bytes),
		cmocka_unit_test(test_buf_detach_empty),
		cmocka_unit_test(test_capbuf_small_kept_whole),
		cmocka_unit_test(test_capbuf_megabyte),
		cmocka_unit_test(test_capbuf_tail),
		cmocka_unit_test(test_capbuf_model),
		cmocka_unit_test(test_capbuf_cap_zero),
		cmocka_unit_test(test_capbuf_render_appends),
		cmocka_unit_test(test_strvec),
		cmocka_unit_test(test_strvec_detach_empty),
		cmocka_unit_test(test_edit_distance),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
