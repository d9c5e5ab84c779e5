/* SPDX-License-Identifier: MIT */
/*
 * test-quote.c - unit tests for quote.c.  Test IDs are data: whatever bytes
 * an ID holds, its quoted form must reach a program as exactly one argument
 * with exactly those bytes, and nothing in it may run.  So the quoting is
 * checked by the real /bin/sh, not by comparing strings, and a command
 * substitution that would create a file proves it did not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "offload.h"
#include "quote.h"

/*
 * Run `set -- QUOTED; printf '%d:%s' "$#" "$1"` with /bin/sh and return its
 * output: "1:" followed by the bytes sh saw, when quoting is right.
 */
static void sh_roundtrip(const char *quoted, struct buf *out)
{
	struct buf cmd = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *fp;

	assert_int_equal(buf_adds(&cmd, "set -- "), 0);
	assert_int_equal(buf_adds(&cmd, quoted), 0);
	assert_int_equal(buf_adds(&cmd, "; printf '%d:%s' \"$#\" \"$1\""), 0);
	fp = popen(cmd.buf, "r");
	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		assert_int_equal(buf_add(out, chunk, n), 0);
	assert_int_equal(pclose(fp), 0);
	buf_release(&cmd);
}

static void check_roundtrip(const char *s)
{
	struct buf q = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	char *q2;

	assert_int_equal(sq_quote_buf(&q, s), 0);
	sh_roundtrip(q.buf, &out);
	assert_int_equal(buf_adds(&want, "1:"), 0);
	assert_int_equal(buf_adds(&want, s), 0);
	if (out.len != want.len || memcmp(out.buf, want.buf, want.len))
		fail_msg("quoted as <%s>, sh gave <%s>, want <%s>",
			 q.buf, out.buf, want.buf);
	/* The public wrapper quotes the same way. */
	q2 = offload_shell_quote(s);
	assert_non_null(q2);
	assert_string_equal(q2, q.buf);
	free(q2);
	buf_release(&q);
	buf_release(&out);
	buf_release(&want);
}

struct tmp {
	char dir[64];
	char path[8][128];
};

static void tmp_init(struct tmp *t)
{
	strcpy(t->dir, "/tmp/offload-test-quote.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	for (int i = 0; i < 8; i++)
		snprintf(t->path[i], sizeof(t->path[i]), "%s/pwned%d", t->dir, i);
}

static void tmp_release(struct tmp *t)
{
	for (int i = 0; i < 8; i++)
		unlink(t->path[i]);
	assert_int_equal(rmdir(t->dir), 0);
}

static void assert_absent(const char *path)
{
	struct stat st;

	if (!lstat(path, &st))
		fail_msg("'%s' was created: a quoted ID ran a command", path);
	assert_int_equal(errno, ENOENT);
}

static void test_quote_format(void **state)
{
	struct buf b = BUF_INIT;

	assert_int_equal(sq_quote_buf(&b, "it's"), 0);
	assert_string_equal(b.buf, "'it'\\''s'");
	buf_reset(&b);
	assert_int_equal(sq_quote_buf(&b, ""), 0);
	assert_string_equal(b.buf, "''");
	/* Appends, so a command line can be built word by word. */
	assert_int_equal(buf_adds(&b, " "), 0);
	assert_int_equal(sq_quote_buf(&b, "a b"), 0);
	assert_string_equal(b.buf, "'' 'a b'");
	buf_release(&b);
}

static void test_quote_roundtrip_nasty(void **state)
{
	static const char *plain[] = {
		"",
		"simple",
		"with space",
		"  leading and trailing  ",
		"tab\there",
		"it's",
		"'",
		"''",
		"'\\''",
		"\"double\" quotes",
		"back\\slash\\",
		"\\'",
		"semi;colon",
		"a && b || c",
		"pipe | cat",
		"redirect > /dev/null < /dev/zero",
		"new\nline\n",
		"\n",
		"*",
		"src/*.c",
		"[abc]?",
		"~root",
		"$HOME ${HOME} $1 $# $? $$ $!",
		"a=b",
		"#comment",
		"-n",
		"--",
		"tests/test_x.py::test_y[param-1 'q' \"dq\"]",
		"\x7f\x01\x1b[31m",
		"\x80\xfe\xff not utf-8 \xc3\x28",
	};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		check_roundtrip(plain[i]);
}

/* Every byte but NUL, in one ID. */
static void test_quote_roundtrip_all_bytes(void **state)
{
	char s[256];

	for (int i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	check_roundtrip(s);
}

/* Command substitutions and separators in an ID never run. */
static void test_quote_no_injection(void **state)
{
	struct tmp t;
	char s[8][300];

	tmp_init(&t);
	snprintf(s[0], sizeof(s[0]), "$(touch %s)", t.path[0]);
	snprintf(s[1], sizeof(s[1]), "`touch %s`", t.path[1]);
	snprintf(s[2], sizeof(s[2]), "; touch %s", t.path[2]);
	snprintf(s[3], sizeof(s[3]), "x && touch %s", t.path[3]);
	snprintf(s[4], sizeof(s[4]), "'; touch %s; '", t.path[4]);
	snprintf(s[5], sizeof(s[5]), "\"$(touch %s)\"", t.path[5]);
	snprintf(s[6], sizeof(s[6]), "x\ntouch %s\n", t.path[6]);
	snprintf(s[7], sizeof(s[7]), "'\\''$(touch %s)'\\''", t.path[7]);
	for (int i = 0; i < 8; i++)
		check_roundtrip(s[i]);
	for (int i = 0; i < 8; i++)
		assert_absent(t.path[i]);
	tmp_release(&t);
}

/* Several quoted words stay several words. */
static void test_quote_words(void **state)
{
	struct buf cmd = BUF_INIT;
	char line[256];
	FILE *fp;
	size_t n;

	assert_int_equal(buf_adds(&cmd, "set -- "), 0);
	assert_int_equal(sq_quote_buf(&cmd, "a b"), 0);
	assert_int_equal(buf_addch(&cmd, ' '), 0);
	assert_int_equal(sq_quote_buf(&cmd, ""), 0);
	assert_int_equal(buf_addch(&cmd, ' '), 0);
	assert_int_equal(sq_quote_buf(&cmd, "c'd"), 0);
	assert_int_equal(buf_adds(&cmd, "; printf '%d' \"$#\"; printf '<%s>' \"$@\""), 0);
	fp = popen(cmd.buf, "r");
	assert_non_null(fp);
	n = fread(line, 1, sizeof(line) - 1, fp);
	line[n] = '\0';
	assert_int_equal(pclose(fp), 0);
	assert_string_equal(line, "3<a b><><c'd>");
	buf_release(&cmd);
}

/* ---- template_expand ----------------------------------------------- */

static const char *lookup(const char *key, size_t len, void *data)
{
	static const char *const table[][2] = {
		{ "a", "A" },
		{ "b", "BB" },
		{ "tests", "'x y' 'z'" },
		{ "brace", "{a}" },
		{ "empty", "" },
	};
	int *calls = data;

	(*calls)++;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strlen(table[i][0]) == len && !memcmp(table[i][0], key, len))
			return table[i][1];
	return NULL;
}

static void check_expand(const char *tmpl, const char *want)
{
	struct buf out = BUF_INIT;
	int calls = 0;

	assert_int_equal(template_expand(&out, tmpl, lookup, &calls), 0);
	if (strcmp(out.buf, want))
		fail_msg("template <%s> gave <%s>, want <%s>", tmpl, out.buf, want);
	assert_int_equal(out.len, strlen(want));
	buf_release(&out);
}

static void test_template(void **state)
{
	check_expand("", "");
	check_expand("no keys", "no keys");
	check_expand("{a}", "A");
	check_expand("run {a} now", "run A now");
	check_expand("pytest {tests} --x", "pytest 'x y' 'z' --x");
	check_expand("{a}{b}", "ABB");
	check_expand("{a}{x}{b}", "A{x}BB");
	check_expand("{x}", "{x}");
	check_expand("{abc", "{abc");
	check_expand("tail {", "tail {");
	check_expand("{", "{");
	check_expand("}", "}");
	check_expand("}{a}{", "}A{");
	check_expand("{}", "{}");
	check_expand("{empty}|", "|");
	/* A value is not expanded again, even when it looks like a key. */
	check_expand("{brace}", "{a}");
	check_expand("{brace}{a}", "{a}A");
	/* An unknown key's braces are kept and what is inside still expands. */
	check_expand("{x{a}}", "{xA}");
	check_expand("${a} $${b}", "$A $$BB");
}

/* Expansion appends, so a prefix built earlier survives. */
static void test_template_appends(void **state)
{
	struct buf out = BUF_INIT;
	int calls = 0;

	assert_int_equal(buf_adds(&out, "sh -c "), 0);
	assert_int_equal(template_expand(&out, "{a}", lookup, &calls), 0);
	assert_string_equal(out.buf, "sh -c A");
	assert_int_equal(calls, 1);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_format),
		cmocka_unit_test(test_quote_roundtrip_nasty),
		cmocka_unit_test(test_quote_roundtrip_all_bytes),
		cmocka_unit_test(test_quote_no_injection),
		cmocka_unit_test(test_quote_words),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_template_appends),
	};

	return cmocka_run_group_tests_name("quote", tests, NULL, NULL);
}
