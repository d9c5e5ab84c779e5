#!/bin/sh
# SPDX-License-Identifier: MIT
# t0006-skip.sh - an exec test exiting 77 is skipped (automake's
# convention): exit 0, "Skipped: 1", and <skipped> in the report (not a
# pass, the defect of the earlier implementation).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_exec_suite tests 2 pass
write_test tests/skipper skip
write_exec_ini 'tests/*'

run_offload run
expect_rc 0
expect_count Skipped 1
expect_count Passed 2
expect_count Failed 0
expect_summary 2 0 1
xsd_check "$JUNIT"
expect_xpath 'count(//testcase[@name="tests/skipper"]/skipped)' 1
expect_xpath 'count(//skipped)' 1
