/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include "calc.h"
#include "check.h"

int main(void)
{
	long q = 0;

	check_start("test_div");
	CHECK(calc_div(7, 2, &q) == 0 && q == 3);
	CHECK(calc_div(-7, 2, &q) == 0 && q == -3);
	CHECK(calc_div(1, 0, &q) == -1);
	CHECK(calc_div(LONG_MIN, -1, &q) == -1);
	CHECK_DONE();
}
