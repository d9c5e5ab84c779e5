/* SPDX-License-Identifier: MIT */
/* calc.h - a small arithmetic library: the C component of the example. */
#ifndef CALC_H
#define CALC_H

/* a + b, or -1 and *sum untouched when it would overflow. */
int calc_add(long a, long b, long *sum);

/* a / b rounded towards zero; -1 when b is 0 (or the result overflows). */
int calc_div(long a, long b, long *quot);

/* A whole decimal number with an optional sign; -1 for anything else. */
int calc_parse(const char *s, long *out);

#endif
