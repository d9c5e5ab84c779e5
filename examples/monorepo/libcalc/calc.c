/* SPDX-License-Identifier: MIT */
/* calc.c - see calc.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include "calc.h"

int calc_add(long a, long b, long *sum)
{
	if ((b > 0 && a > LONG_MAX - b) || (b < 0 && a < LONG_MIN - b))
		return -1;
	*sum = a + b;
	return 0;
}

int calc_div(long a, long b, long *quot)
{
	if (b == 0 || (a == LONG_MIN && b == -1))
		return -1;
	*quot = a / b;
	return 0;
}

int calc_parse(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || *s == ' ' || *s == '\t')
		return -1;
	*out = v;
	return 0;
}
