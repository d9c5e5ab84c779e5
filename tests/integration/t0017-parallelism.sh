#!/bin/sh
# SPDX-License-Identifier: MIT
# t0017-parallelism.sh - edge cases of the sandbox count: one sandbox runs
# everything; -j 0 is a usage error; fewer tests than sandboxes is fine
# (the earlier implementation panicked); retries need no second sandbox.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_exec_suite tests 5 pass
PARALLEL=1 write_exec_ini 'tests/*'
run_offload run
expect_rc 0 "max_parallel = 1"
expect_count Passed 5
expect_count "Not run" 0

for j in 0 -1 x ''; do
	run_offload run -j "$j"
	expect_rc 3 "-j '$j'"
done
[ -s "$ERR" ] || fail "-j '' gives no message"

rm -rf tests
write_exec_suite tests 2 pass
PARALLEL=8 write_exec_ini 'tests/*'
run_offload run
expect_rc 0 "2 tests, max_parallel = 8"
expect_count Passed 2
run_offload run -j 4096
expect_rc 0 "-j 4096"

# retry_count = 2 on one sandbox: the instances run one after another.
write_test tests/flaky flaky "$TEST_DIR/flaky.state"
RETRY=2 write_exec_ini 'tests/*'
run_offload run -j 1
expect_rc 2 "retry_count = 2, -j 1, one flaky test"
expect_count Flaky 1
expect_count Passed 2
expect_count "Not run" 0

# A glob that matches nothing is never a green run of zero tests.
sed -i 's|^paths = .*|paths = no-such-dir/*|' offload.ini
run_offload run
expect_rc 1 "no tests discovered"
expect_grep 'no tests discovered' "$ERR"
