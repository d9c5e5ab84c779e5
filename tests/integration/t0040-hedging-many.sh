#!/bin/sh
# SPDX-License-Identifier: MIT
# t0040-hedging-many.sh - many small batches with hedging on: every worker
# queues hedged copies while the orchestrator reports progress.  Every
# test passes exactly once in the verdicts (no flaky, none lost, none
# counted twice), and in the TSan build the run is free of data races
# (a race makes offload exit 66).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_exec_suite tests 200 pass
PARALLEL=8 write_exec_ini 'tests/*'
sed -i 's/^\[offload\]$/[offload]\nimpatiently_requeue_batches = true/' offload.ini
printf 'schedule_individual = true\n' >>offload.ini

# A race shows only when a hedge and an event meet: run a few times.
for round in 1 2 3 4 5; do
	run_offload run
	expect_rc 0 "200 passing tests, hedged (round $round)"
	expect_count Total 200
	expect_count Passed 200
	expect_count Flaky 0
	expect_count 'Not run' 0
	expect_summary 200 0 0
	expect_no_grep 'ThreadSanitizer' "$ERR"
done
xsd_check "$JUNIT"
expect_xpath 'count(//testcase)' 200
expect_xpath 'count(//flakyFailure)' 0
