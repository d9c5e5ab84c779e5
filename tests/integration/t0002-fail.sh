#!/bin/sh
# SPDX-License-Identifier: MIT
# t0002-fail.sh - one failing test among passing ones: exit 1, a <failure>
# for it only, and `offload logs --failures` shows its output under a
# "=== ID [failed] ===" banner and nothing about the passing tests.  With
# retry_count = 1 both attempts fail: one <failure> plus a <rerunFailure>.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_exec_suite tests 3 pass
write_test tests/broken echo "output-of-broken-test" echo-err "why-it-broke" fail
write_exec_ini 'tests/*'

run_offload run
expect_rc 1
expect_count Failed 1
expect_count Passed 3
expect_summary 3 1 0
expect_grep 'tests/broken' "$OUT" "the failed test is named"

xsd_check "$JUNIT"
expect_xpath 'count(//testcase[@name="tests/broken"]/failure)' 1
expect_xpath 'count(//failure)' 1

run_offload logs --failures
expect_rc 0
expect_grep '^=== tests/broken \[failed\] ===$' "$OUT"
expect_grep 'why-it-broke' "$OUT" "the failing test's stderr"
expect_grep 'output-of-broken-test' "$OUT" "the failing test's stdout"
expect_no_grep 'tests/t1' "$OUT" "a passing test in --failures"

run_offload logs --test tests/broken
expect_rc 0
expect_grep '^=== tests/broken \[failed\] ===$' "$OUT"
run_offload logs --test-regex 't[12]$'
expect_rc 0
[ "$(grep -c '^=== ' "$OUT")" = 2 ] || fail "--test-regex 't[12]\$' should show 2 tests"

rm -rf test-results
RETRY=1 write_exec_ini 'tests/*'
run_offload run
expect_rc 1 "retry_count = 1, the test fails twice"
expect_count Failed 1
expect_count Flaky 0
xsd_check "$JUNIT"
expect_xpath 'count(//testcase[@name="tests/broken"]/failure)' 1
expect_xpath 'count(//testcase[@name="tests/broken"]/rerunFailure)' 1
expect_xpath 'count(//testcase[@name="tests/broken"])' 1
