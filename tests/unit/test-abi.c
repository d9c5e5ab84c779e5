/* SPDX-License-Identifier: MIT */
/*
 * test-abi.c - the shared library's ABI as built: liboffload.so exports
 * exactly the OFFLOAD_API functions of include/offload.h, each in a
 * version node of src/liboffload.map, and its soname is liboffload.so.1
 * (docs/library.md).  A function declared OFFLOAD_API but left out of the
 * map, or a symbol that leaks out of the library, fails here.  Reads the
 * header under $OFFLOAD_SRC (default ".") and the library under
 * $OFFLOAD_BUILD_DIR (default "build") with binutils' nm and readelf.
 */
#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "offload.h"

#define SONAME "liboffload.so.1"
#define NODE_PREFIX "OFFLOAD_1."

struct names {
	char *v[512];
	size_t nr;
};

static void names_add(struct names *n, const char *s, size_t len)
{
	assert_true(n->nr < sizeof(n->v) / sizeof(n->v[0]));
	assert_non_null(n->v[n->nr] = strndup(s, len));
	n->nr++;
}

static void names_release(struct names *n)
{
	for (size_t i = 0; i < n->nr; i++)
		free(n->v[i]);
	n->nr = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

/* The library's development link, $OFFLOAD_BUILD_DIR/lib/liboffload.so. */
static void so_path(char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/lib/liboffload.so",
			 env_or("OFFLOAD_BUILD_DIR", "build"));

	assert_true(n > 0 && (size_t)n < size);
}

/* Run `cmd` ("%s" replaced by `path`, shell-quoted) and return its output. */
static char *run_on(const char *cmd, const char *path)
{
	char *q = offload_shell_quote(path), *line = NULL, *out = NULL;
	size_t cap = 0, len = 0;
	FILE *p, *o;
	char full[PATH_MAX * 2];

	assert_non_null(q);
	snprintf(full, sizeof(full), cmd, q);
	free(q);
	assert_non_null(o = open_memstream(&out, &len));
	assert_non_null(p = popen(full, "r"));
	while (getline(&line, &cap, p) > 0)
		fputs(line, o);
	free(line);
	if (pclose(p) != 0)
		fail_msg("'%s' failed", full);
	assert_int_equal(fclose(o), 0);
	return out;
}

/* The names declared OFFLOAD_API in the header: for each line that
 * starts with OFFLOAD_API, the identifier before the first '('. */
static void header_names(struct names *n)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *f;
	const char *p;

	snprintf(path, sizeof(path), "%s/include/offload.h",
		 env_or("OFFLOAD_SRC", "."));
	assert_non_null(f = fopen(path, "r"));
	assert_int_not_equal(getdelim(&text, &len, '\0', f), -1);
	fclose(f);
	for (p = text; (p = strstr(p, "OFFLOAD_API")); p++) {
		const char *paren, *end, *start;

		if (p != text && p[-1] != '\n')
			continue;       /* the macro's definition, a comment */
		assert_non_null(paren = strchr(p, '('));
		end = paren;
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		start = end;
		while (start > p && (isalnum((unsigned char)start[-1]) ||
				     start[-1] == '_'))
			start--;
		assert_true(start < end);
		names_add(n, start, (size_t)(end - start));
	}
	free(text);
	qsort(n->v, n->nr, sizeof(n->v[0]), cmp_str);
}

static void test_exports_are_the_api(void **state)
{
	struct names api = { 0 }, so = { 0 };
	char path[PATH_MAX], *out, *line, *save = NULL;
	size_t nodes = 0, i, j;
	int bad = 0;

	header_names(&api);
	assert_true(api.nr > 10);
	so_path(path, sizeof(path));
	out = run_on("nm -D --defined-only %s", path);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char type, name[512], *at;

		/* "ADDRESS TYPE NAME@@NODE" */
		assert_int_equal(sscanf(line, "%*s %c %511s", &type, name), 2);
		if (type == 'A') {
			/* A version node's own symbol. */
			if (strncmp(name, NODE_PREFIX, strlen(NODE_PREFIX)))
				fail_msg("unexpected absolute symbol '%s'", name);
			nodes++;
			continue;
		}
		at = strchr(name, '@');
		if (!at || strncmp(at + strspn(at, "@"), NODE_PREFIX,
				   strlen(NODE_PREFIX))) {
			print_error("exported without an " NODE_PREFIX "* version: %s\n",
				    name);
			bad = 1;
		}
		if (at)
			*at = '\0';
		names_add(&so, name, strlen(name));
	}
	free(out);
	assert_true(nodes >= 1);
	qsort(so.v, so.nr, sizeof(so.v[0]), cmp_str);
	for (i = j = 0; i < api.nr || j < so.nr;) {
		int c = i == api.nr ? 1 : j == so.nr ? -1 :
			strcmp(api.v[i], so.v[j]);

		if (c < 0)
			print_error("declared OFFLOAD_API, not exported: %s\n",
				    api.v[i++]);
		else if (c > 0)
			print_error("exported, not declared OFFLOAD_API: %s\n",
				    so.v[j++]);
		else
			i++, j++;
		bad |= c != 0;
	}
	print_message("%zu symbols exported, %zu version node(s)\n", so.nr,
		      nodes);
	names_release(&api);
	names_release(&so);
	assert_false(bad);
}

static void test_soname(void **state)
{
	char path[PATH_MAX], link1[PATH_MAX + 16], *out, *real, *real1;
	const char *base;

	so_path(path, sizeof(path));
	out = run_on("readelf -d -W %s", path);
	if (!strstr(out, "Library soname: [" SONAME "]"))
		fail_msg("soname is not " SONAME ":\n%s", out);
	free(out);

	/* liboffload.so -> liboffload.so.1 -> liboffload.so.1.MINOR */
	snprintf(link1, sizeof(link1), "%s.1", path);
	assert_non_null(real = realpath(path, NULL));
	assert_non_null(real1 = realpath(link1, NULL));
	assert_string_equal(real, real1);
	base = strrchr(real, '/') + 1;
	assert_memory_equal(base, SONAME ".", strlen(SONAME "."));
	assert_true(isdigit((unsigned char)base[strlen(SONAME ".")]));
	free(real);
	free(real1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exports_are_the_api),
		cmocka_unit_test(test_soname),
	};

	return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
