#!/bin/sh
# SPDX-License-Identifier: MIT
# t0001-pass.sh - a suite of passing exec tests: exit 0, the summary counts
# every test (files that are not executable, and directories, are not
# tests), the JUnit report is valid with one testcase per test (classname
# = group), the batch logs are written, a file of the user's in the
# output directory survives the run, and stderr, not a terminal here, has
# no progress bar escapes.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_exec_suite tests 5 echo "hello from a test" pass
printf 'not a test\n' >tests/README
mkdir tests/subdir
write_exec_ini 'tests/*'
mkdir test-results
printf 'mine\n' >test-results/keep-me

run_offload run
expect_rc 0
for k in Total:5 Passed:5 Failed:0 Flaky:0 Skipped:0 "Not run:0"; do
	expect_count "${k%:*}" "${k##*:}"
done
expect_grep '^ *Duration: *[0-9.]*s$' "$OUT"
expect_summary 5 0 0

xsd_check "$JUNIT"
expect_xpath 'count(//testcase)' 5
for i in 1 2 3 4 5; do
	expect_xpath "count(//testcase[@name=\"tests/t$i\"][@classname=\"all\"])" 1
done
expect_xpath 'count(//failure|//error|//skipped)' 0

[ -d test-results/logs ] || fail "no test-results/logs directory"
ls test-results/logs/batch-*.stdout >/dev/null 2>&1 ||
	fail "no batch-N.stdout log in test-results/logs: $(ls test-results/logs)"
grep -q 'hello from a test' test-results/logs/batch-*.stdout ||
	fail "the tests' stdout is not in the batch logs"
[ "$(cat test-results/keep-me 2>/dev/null)" = mine ] ||
	fail "the run removed or changed a user's file in test-results/"
grep -q "$(printf '\033')" "$ERR" && fail "terminal escapes on a non-terminal stderr"
grep -q "$(printf '\r')" "$ERR" && fail "carriage returns on a non-terminal stderr"
exit 0
