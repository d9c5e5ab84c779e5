#!/bin/sh
# SPDX-License-Identifier: MIT
# t0019-grandchild.sh - a test that passes but leaves a background
# grandchild (holding its stdout open) neither hangs the run nor outlives
# it: the run ends quickly with the test passed, and the grandchild is
# killed.  The same holds whatever process group or session the
# grandchild moved to: a new group (setpgid), a new session (setsid), a
# classic daemon (setsid, fork, the middle process exits); after a normal
# exit, after a timeout, and when offload itself is killed with SIGKILL.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# started FILE...: each pid file was written (the grandchild ran).
started() {
	for _f in "$@"; do
		[ -s "$_f" ] || fail "no grandchild wrote '$_f'"
	done
}

write_test tests/leaver spawn-grandchild "$TEST_DIR/gc.pid" pass
write_test tests/ok pass
TIMEOUT=30 write_exec_ini 'tests/*'

start=$(now)
run_offload run
t=$(elapsed "$start")
expect_rc 0
expect_count Passed 2
less "$t" 10 || fail "the run took $t s: waiting for the grandchild?"
started gc.pid
no_procs_left

# Escapers that keep the test's stdout open: the run must not wait for
# them, and none may survive it.
rm -rf tests test-results
write_test tests/group setpgid-child "$TEST_DIR/group.pid" pass
write_test tests/session daemon "$TEST_DIR/session.pid" pass
write_test tests/daemon double-fork "$TEST_DIR/daemon.pid" pass
TIMEOUT=30 write_exec_ini 'tests/*'
start=$(now)
run_offload run
t=$(elapsed "$start")
expect_rc 0 "tests leaving escaped grandchildren"
expect_count Passed 3
less "$t" 10 || fail "the run took $t s: waiting for a grandchild's end of the pipe?"
started group.pid session.pid daemon.pid
no_procs_left

# A test that times out: what it left in another group or session dies
# with it.
rm -rf tests test-results ./*.pid
write_test tests/slow-group setpgid-child "$TEST_DIR/group.pid" hang
write_test tests/slow-daemon double-fork "$TEST_DIR/daemon.pid" hang
TIMEOUT=1 write_exec_ini 'tests/*'
run_offload run
expect_rc 1 "tests that time out"
expect_count Failed 2
started group.pid daemon.pid
no_procs_left

# offload killed with SIGKILL (no chance to clean up): its tests and
# everything they started die with it.
rm -rf tests test-results ./*.pid
write_test tests/group setpgid-child "$TEST_DIR/group.pid" hang
write_test tests/daemon double-fork "$TEST_DIR/daemon.pid" hang
TIMEOUT=120 write_exec_ini 'tests/*'
"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
# Two tests and their two grandchildren (the daemon's middle process
# exits at once).
if ! wait_procs 4 10; then
	kill -KILL "$pid" 2>/dev/null
	fail "the tests and their grandchildren did not all start within 10 s"
fi
kill -KILL "$pid" || fail "cannot kill offload"
wait "$pid"
started group.pid daemon.pid
no_procs_left
