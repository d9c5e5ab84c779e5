/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include "calc.h"
#include "check.h"

int main(void)
{
	long r = 0;

	check_start("test_add");
	CHECK(calc_add(2, 3, &r) == 0 && r == 5);
	CHECK(calc_add(-7, 7, &r) == 0 && r == 0);
	CHECK(calc_add(LONG_MAX, 1, &r) == -1);
	CHECK(calc_add(LONG_MIN, -1, &r) == -1);
	CHECK_DONE();
}
