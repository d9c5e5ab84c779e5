/* SPDX-License-Identifier: MIT */
/* A slow test that only runs when asked to (CALC_STRESS=1): skipped, 77. */
#include <stdlib.h>
#include "calc.h"
#include "check.h"

int main(void)
{
	const char *on = getenv("CALC_STRESS");
	long i, r;

	check_start("test_stress");
	if (!on || !*on || *on == '0') {
		puts("set CALC_STRESS=1 to run the stress test");
		return 77;
	}
	for (i = -1000000; i < 1000000; i++)
		CHECK(calc_add(i, -i, &r) == 0 && r == 0);
	CHECK_DONE();
}
