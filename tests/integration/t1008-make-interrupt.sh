#!/bin/sh
# SPDX-License-Identifier: MIT
# t1008-make-interrupt.sh - SIGINT (Ctrl-C: to make's whole process
# group), SIGTERM and SIGHUP while $(offload-run) runs hanging tests (one
# ignores SIGTERM): make exits as it does on that signal (128+N), no test
# process is left alive, the stamp is not made, and a report left behind
# is marked interrupted, claims no test passed, and no temp file remains.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

command -v setsid >/dev/null 2>&1 || skip "setsid (util-linux) is not installed"
# A background job of a script starts with SIGINT ignored, and make then
# ignores Ctrl-C (so does the module): give make the terminal's defaults.
env --default-signal=INT true 2>/dev/null ||
	skip "env --default-signal (coreutils 8.31) is not available"
write_hanging_suite
cat >t.mk <<EOF2
load $GMK
.DELETE_ON_ERROR:
stamp:
	\$(offload-run offload.ini)
	touch \$@
EOF2

# interrupt SIGNAL EXPECTED_RC: make in its own session and process
# group, signalled (the group) once the tests run.
interrupt() {
	rm -rf test-results stamp
	rc=
	env --default-signal=INT,QUIT setsid "${MAKE_UNDER_TEST:-make}" -j4 -f t.mk >"$OUT" 2>"$ERR" &
	pid=$!
	(sleep 60; kill -KILL "-$pid") 2>/dev/null &
	watchdog=$!
	if ! wait_procs 4 20; then
		kill -KILL "-$pid" 2>/dev/null
		fail "the tests did not start: $(procs_matching "$TEST_DIR/bin/")"
	fi
	pgid=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f3)
	[ "$pgid" = "$pid" ] || die "make is not its own process group leader"
	kill -"$1" "-$pid" || fail "cannot send $1 to make's group"
	rc=0
	wait "$pid" || rc=$?
	kill "$watchdog" 2>/dev/null
	[ "$rc" = "$2" ] || fail "make exited $rc after SIG$1, expected $2"
	no_procs_left "$TEST_DIR/bin/"
	[ -e stamp ] && fail "SIG$1 left the stamp made"
	if [ -d test-results ]; then
		left=$(find test-results -name '*.tmp*' -o -name '.*' -type f)
		[ -z "$left" ] || fail "temp files left: $left"
	fi
	if [ -f "$JUNIT" ]; then
		xsd_check "$JUNIT"
		expect_xpath 'count(//property[@name="offload.interrupted"])' 1
		expect_xpath 'count(//testcase[not(*)])' 0
	fi
	return 0
}

interrupt INT 130
interrupt TERM 143
interrupt HUP 129
[ -f "$JUNIT" ] || fail "no report after SIGHUP"
exit 0
