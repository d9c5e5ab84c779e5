#!/bin/sh
# SPDX-License-Identifier: MIT
# t0021-hedging.sh - impatiently_requeue_batches: a batch that stalls is
# copied onto an idle sandbox; the copy's pass decides the test and the
# stalled original is killed, long before the timeout.  A hedged copy
# never changes a verdict the other way: its failure neither fails nor
# makes flaky a test whose real attempt passed.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# stall: hangs the first time it runs, passes at once after that.
mkdir -p tests
cat >tests/stall <<EOF2
#!/bin/sh
if mkdir $(sq "$TEST_DIR/stall.state") 2>/dev/null; then
	exec $(sq "$FAKE") hang
fi
exit 0
EOF2
# passfirst: passes (slowly) the first time, fails fast after that.
cat >tests/passfirst <<EOF2
#!/bin/sh
if mkdir $(sq "$TEST_DIR/passfirst.state") 2>/dev/null; then
	exec $(sq "$FAKE") sleep 1 pass
fi
exit 1
EOF2
chmod +x tests/stall tests/passfirst
write_test tests/quick pass
PARALLEL=3 TIMEOUT=30 write_exec_ini 'tests/*'
sed -i 's/^\[offload\]$/[offload]\nimpatiently_requeue_batches = true/' offload.ini

start=$(now)
run_offload run -v
took=$(elapsed "$start")
expect_rc 0 "hedged copies decide, the stalled original is killed"
expect_count Passed 3
expect_count Flaky 0
expect_count Failed 0
less "$took" 10 ||
	fail "run took $took s: the stalled batch was waited for"
no_procs_left "$TEST_DIR"
xsd_check "$JUNIT"
expect_xpath 'count(//flakyFailure)' 0
