#!/bin/sh
# SPDX-License-Identifier: MIT
# t0015-fail-fast.sh - --fail-fast: one test fails among many slow ones;
# the run stops soon after (not after the ~12 s the slow tests need), exits
# 1, lists the tests it did not run with the reason, and kills the slow
# tests it cut short.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/a-fail fail
write_exec_suite tests/slow 12 sleep 3 pass
cat >offload.ini <<'EOF2'
[offload]
max_parallel = 3
test_timeout_secs = 60

[framework]
type = exec
paths = tests/a-fail tests/slow/*

[group.all]
schedule_individual = true
EOF2

start=$(now)
run_offload run --fail-fast
t=$(elapsed "$start")
expect_rc 1
less "$t" 6 || fail "--fail-fast run took $t s (12 s without it)"
expect_grep 'tests/a-fail' "$OUT"
nr=$(summary_count "Not run")
[ "${nr:-0}" -ge 1 ] || fail "no test reported as not run after --fail-fast"
# Each not-run test is listed with a reason in parentheses.
sed -n '/^Not run:$/,/^$/p' "$OUT" | grep '^  tests/slow/' >notrun.txt
[ "$(wc -l <notrun.txt)" -eq "$nr" ] || fail "the Not run list has not $nr tests"
grep -v '(.*fail-fast.*)$' notrun.txt >bad.txt && fail "not run without the reason: $(cat bad.txt)"
expect_count Total 13
xsd_check "$JUNIT"
expect_xpath 'count(//testcase[@name="tests/a-fail"]/failure)' 1
no_procs_left
