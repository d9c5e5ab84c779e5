#!/bin/sh
# SPDX-License-Identifier: MIT
# t0003-flaky.sh - a test that fails on its first attempt only, with
# retry_count = 1: it counts as passed but flaky, the exit code is 2 and
# its testcase carries <flakyFailure> (Surefire's marker), not <failure>.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_exec_suite tests 2 pass
write_test tests/flaky flaky "$TEST_DIR/flaky.state"
RETRY=1 write_exec_ini 'tests/*'

run_offload run
expect_rc 2 "flaky"
expect_count Flaky 1
expect_count Failed 0
expect_count Passed 2
expect_summary 3 0 0
[ -f flaky.state ] || fail "the flaky test never ran"

xsd_check "$JUNIT"
expect_xpath 'count(//testcase[@name="tests/flaky"])' 1
n=$(xpath 'count(//testcase[@name="tests/flaky"]/flakyFailure)')
[ "${n:-0}" -ge 1 ] || fail "the flaky test has no <flakyFailure>"
expect_xpath 'count(//failure)' 0
