#!/bin/sh
# SPDX-License-Identifier: MIT
# t0016-history.sh - durations feed the next run: the first run has no
# history and says it schedules in discovery order; the second reads the first
# run's report and says it schedules the longest tests first.  A report
# that is not XML (a crashed run) is no history, not an error.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_exec_suite tests 4 pass
write_test tests/slow sleep 0.3 pass
write_exec_ini 'tests/*'

run_offload run
expect_rc 0
expect_grep 'discovery order' "$ERR" "first run, no history"
expect_no_grep 'longest tests first' "$ERR" "first run, no history"
[ -f "$JUNIT" ] || fail "the first run wrote no report"

run_offload run
expect_rc 0
expect_count Passed 5
expect_grep 'longest tests first' "$ERR" "second run, with history"
expect_no_grep 'discovery order' "$ERR" "second run, with history"

# A separate history file is used when configured.
cp "$JUNIT" history.xml
rm -rf test-results
printf '\n[history]\npath = history.xml\n' >>offload.ini
run_offload run
expect_rc 0
expect_grep 'longest tests first' "$ERR" "[history] path"

printf 'garbage <not xml' >history.xml
run_offload run
expect_rc 0 "a history file that is not XML"
expect_count Passed 5
expect_grep 'discovery order' "$ERR" "unreadable history"
