#!/bin/sh
# SPDX-License-Identifier: MIT
# t0005-crash.sh - a test that dies of SIGSEGV fails with a message naming
# the signal, and the other tests of its batch (one sandbox) still pass.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/a-ok pass
write_test tests/b-crash crash
write_test tests/c-ok pass
write_test tests/d-ok pass
PARALLEL=1 write_exec_ini 'tests/*'

run_offload run
expect_rc 1
expect_count Failed 1
expect_count Passed 3
expect_summary 3 1 0
xsd_check "$JUNIT"
for t in a-ok c-ok d-ok; do
	expect_xpath "count(//testcase[@name=\"tests/$t\"]/*[self::failure or self::error])" 0
done
msg=$(xpath 'string(//testcase[@name="tests/b-crash"]/failure/@message)')
case $msg in
*SIGSEGV* | *"signal 11"*) ;;
*) fail "failure message of the crashing test is '$msg', expected its signal" ;;
esac
