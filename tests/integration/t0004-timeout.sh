#!/bin/sh
# SPDX-License-Identifier: MIT
# t0004-timeout.sh - a hanging test with test_timeout_secs = 2: the run
# ends well before the guard (< 10 s), the test fails with "timed out",
# so does one that ignores SIGTERM (TERM, then KILL), a passing test in
# the same run still passes, and no process is left.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/hang hang
write_test tests/stubborn ignore-term
write_test tests/ok pass
cat >offload.ini <<EOF2
[offload]
max_parallel = 3
test_timeout_secs = 2

[framework]
type = exec
paths = tests/*

[group.all]
schedule_individual = true
EOF2

start=$(now)
run_offload run
t=$(elapsed "$start")
less "$t" 10 || fail "the run took $t s with a 2 s timeout"
expect_rc 1
expect_count Failed 2
expect_count Passed 1
expect_grep 'timed out' "$OUT" "the reason in the summary"
xsd_check "$JUNIT"
for name in hang stubborn; do
	msg=$(xpath "string(//testcase[@name=\"tests/$name\"]/failure/@message)")
	case $msg in
	*"timed out"*) ;;
	*) fail "failure message of tests/$name is '$msg', expected 'timed out'" ;;
	esac
done
no_procs_left
