#!/bin/sh
# SPDX-License-Identifier: MIT
# t0005-crash.sh - a test that dies of SIGSEGV fails with a message naming
# the signal, a test that cannot be executed (a missing interpreter) fails
# too, and the other tests of the batch (one sandbox) still pass.  As the
# docs say (frameworks.md, junit.md): the crash is an error attempt, and
# the test is failed everywhere: the summary's Failed, a JUnit <failure
# type="error"> counted in failures (<error> is for tests not run), and
# offload logs' [failed].
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/a-ok pass
write_test tests/b-crash crash
write_test tests/c-ok pass
write_test tests/d-ok pass
printf '#!/nonexistent/interpreter\n' >tests/e-badexec
chmod +x tests/e-badexec
PARALLEL=1 write_exec_ini 'tests/*'

run_offload run
expect_rc 1
expect_count Failed 2
expect_count Passed 3
expect_summary 3 2 0
xsd_check "$JUNIT"
for t in a-ok c-ok d-ok; do
	expect_xpath "count(//testcase[@name=\"tests/$t\"]/*[self::failure or self::error])" 0
done
msg=$(xpath 'string(//testcase[@name="tests/b-crash"]/failure/@message)')
case $msg in
*SIGSEGV* | *"signal 11"*) ;;
*) fail "failure message of the crashing test is '$msg', expected its signal" ;;
esac
expect_xpath 'count(//testcase[@name="tests/e-badexec"]/failure|//testcase[@name="tests/e-badexec"]/error)' 1
expect_xpath 'string(//testcase[@name="tests/b-crash"]/failure/@type)' error
expect_xpath 'count(//testcase[@name="tests/b-crash"]/error)' 0
expect_xpath 'string(/testsuites/@failures)' 2
expect_xpath 'string(/testsuites/@errors)' 0
run_offload logs --test tests/b-crash
expect_rc 0
expect_grep '^=== tests/b-crash \[failed\] ===$' "$OUT"
