#!/bin/sh
# SPDX-License-Identifier: MIT
# t0019-grandchild.sh - a test that passes but leaves a background
# grandchild (holding its stdout open) neither hangs the run nor outlives
# it: the run ends quickly with the test passed, and the grandchild is
# killed with the test's process group.  One that escapes the group with
# setsid() (a daemon) cannot be killed that way, but it must not hold the
# run up either: the test passes and the run ends.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/leaver spawn-grandchild "$TEST_DIR/gc.pid" pass
write_test tests/ok pass
TIMEOUT=30 write_exec_ini 'tests/*'

start=$(now)
run_offload run
t=$(elapsed "$start")
expect_rc 0
expect_count Passed 2
less "$t" 10 || fail "the run took $t s: waiting for the grandchild?"

[ -s gc.pid ] || fail "the grandchild never wrote its pid"
gc=$(cat gc.pid)
# Once killed it is reparented and reaped by init: poll, bounded (2 s).
i=0
while [ "$i" -lt 40 ]; do
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$gc/status" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] && break
	sleep 0.05
	i=$((i + 1))
done
[ "$i" -lt 40 ] || fail "grandchild $gc is still alive after the run"
no_procs_left

# A daemon (new session) keeps the test's stdout open: the run must not
# wait for it.  It is ours to kill afterwards.
rm -rf tests test-results
write_test tests/daemon daemon "$TEST_DIR/daemon.pid" pass
TIMEOUT=5 write_exec_ini 'tests/*'
start=$(now)
run_offload run
t=$(elapsed "$start")
if [ -s daemon.pid ]; then
	kill -KILL "$(cat daemon.pid)" 2>/dev/null
fi
expect_rc 0 "a test leaving a daemon"
expect_count Passed 1
less "$t" 4 || fail "the run took $t s: waiting for the daemon's end of the pipe?"
