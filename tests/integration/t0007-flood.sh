#!/bin/sh
# SPDX-License-Identifier: MIT
# t0007-flood.sh - a test printing 100 MiB passes, one printing 100 MiB
# and failing fails, the logs and the report (which keeps a failure's
# output) stay small (capped, < 4 MiB each) and the run takes < 30 s.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/flood flood 100
write_test tests/flood-fail flood 100 fail
write_test tests/ok pass
write_exec_ini 'tests/*'

start=$(now)
run_offload run
t=$(elapsed "$start")
less "$t" 30 || fail "the run took $t s"
expect_rc 1
expect_count Passed 2
expect_count Failed 1
xsd_check "$JUNIT"

limit=$((4 * 1024 * 1024))
for f in test-results/logs/* "$JUNIT"; do
	[ -f "$f" ] || continue
	size=$(wc -c <"$f")
	[ "$size" -lt "$limit" ] || fail "'$f' is $size bytes (cap: $limit)"
done
grep -q flood-begin test-results/logs/batch-*.stdout ||
	fail "the start of the flooding test's output is not in its log"
grep -Eq 'omitted|truncated' test-results/logs/batch-*.stdout ||
	fail "the capped log does not say that output was left out"
