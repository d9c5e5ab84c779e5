#!/bin/sh
# SPDX-License-Identifier: MIT
# t0009-interrupt.sh - SIGINT (Ctrl-C) and SIGTERM stop a run whose tests
# hang (one ignores SIGTERM): offload exits 130 / 143 within 2 s of the
# signal, kills every test process, and a report it leaves is marked
# interrupted and does not claim the hanging tests passed.  A signal during
# a hanging discovery stops it too.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_hanging_suite

# interrupt SIGNAL EXPECTED_RC [PROCS]: run, wait until PROCS (4) test
# processes exist, send SIGNAL, check.
interrupt() {
	rm -rf test-results
	rc=
	"$OFFLOAD" run >"$OUT" 2>"$ERR" &
	pid=$!
	# Synchronise on an observable state: the processes are running.
	# (An async command of a non-interactive sh starts with SIGINT
	# ignored; offload installs its handler whatever it inherits.)
	if ! wait_procs "${3:-4}" 10; then
		kill -KILL "$pid" 2>/dev/null
		fail "the ${3:-4} hanging processes did not all start within 10 s"
	fi
	start=$(now)
	kill -"$1" "$pid" || fail "cannot send $1 to offload"
	# Bounded wait for the exit: poll /proc (once it exits it stays a
	# zombie until our wait, so kill -0 cannot tell).
	i=0
	while [ "$i" -lt 200 ]; do
		state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.05
		i=$((i + 1))
	done
	t=$(elapsed "$start")
	if [ "$i" -ge 200 ]; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		fail "offload still running 10 s after $1"
	fi
	rc=0
	wait "$pid" || rc=$?
	say "offload stopped $t s after SIG$1"
	less "$t" 2 || fail "offload took $t s to stop after $1"
	expect_rc "$2" "interrupted by $1"
	no_procs_left
	if [ -f "$JUNIT" ]; then
		xsd_check "$JUNIT"
		expect_xpath "count(//property[@name=\"offload.interrupted\"][@value=\"SIG$1\"])" 1
		# every testcase must say it did not pass
		n=$(xpath 'count(//testcase[not(failure) and not(error) and not(skipped)])')
		[ "$n" = 0 ] || fail "$n hanging tests reported as passed after $1"
	fi
}

interrupt INT 130
interrupt TERM 143

# Discovery that hangs (a custom framework's discover_command).
cat >offload.ini <<EOF2
[offload]
test_timeout_secs = 120

[framework]
type = custom
discover_command = $FAKE hang
run_command = true

[group.all]
EOF2
interrupt INT 130 1
