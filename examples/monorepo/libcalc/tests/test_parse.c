/* SPDX-License-Identifier: MIT */
#include "calc.h"
#include "check.h"

int main(void)
{
	long v = 0;

	check_start("test_parse");
	CHECK(calc_parse("42", &v) == 0 && v == 42);
	CHECK(calc_parse("-17", &v) == 0 && v == -17);
	CHECK(calc_parse("", &v) == -1);
	CHECK(calc_parse("12abc", &v) == -1);
	CHECK(calc_parse(" 1", &v) == -1);
	CHECK(calc_parse("99999999999999999999999", &v) == -1);
	CHECK_DONE();
}
