#!/bin/sh
# SPDX-License-Identifier: MIT
# t0098-logs-attempt-numbers.sh - `offload logs` numbers a test's
# attempts in the order they ended (the report's offload.attempts), and
# the header of each <flakyFailure> and <rerunFailure> names the same
# number, also when a pass or a skip ended first; a report without
# offload.attempts numbers the elements in order and has no attempt
# lines (none to disagree with).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

cat >r.xml <<'EOF2'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="offload" tests="2" failures="1" errors="0" time="1.000">
  <testsuite name="all" tests="2" failures="1" errors="0" skipped="0" time="0.400">
    <properties>
      <property name="offload.attempts" value="0 p:0.100:0:1 f:0.200:1:2 e:0.300:0:3"/>
      <property name="offload.attempts" value="1 s:0.100:0:1 f:0.200:1:2 f:0.300:0:3"/>
    </properties>
    <testcase name="t/late" classname="all" time="0.100">
      <flakyFailure type="failure" message="second"><system-out>out of two</system-out></flakyFailure>
      <flakyFailure type="error" message="third"><system-out>out of three</system-out></flakyFailure>
    </testcase>
    <testcase name="t/skipped first" classname="all" time="0.300">
      <failure type="failure" message="third">out of three</failure>
      <rerunFailure type="failure" message="second"><system-out>out of two</system-out></rerunFailure>
    </testcase>
  </testsuite>
</testsuites>
EOF2

run_offload logs --file r.xml
expect_rc 0
expect_grep '^  attempt 1: passed in 0.10 s on sandbox 0, batch 1' "$OUT"
expect_grep '^  attempt 2: failed in 0.20 s on sandbox 1, batch 2' "$OUT"
expect_grep '^  attempt 3: error in 0.30 s on sandbox 0, batch 3' "$OUT"
expect_grep '^--- flakyFailure (attempt 2): second ---$' "$OUT"
expect_grep '^--- flakyFailure (attempt 3): third ---$' "$OUT"
expect_grep '^--- rerunFailure (attempt 2): second ---$' "$OUT"
expect_no_grep '(attempt 1)' "$OUT" "attempt 1 passed or was skipped"

# another runner's report: the elements in order
sed '/offload.attempts/d' r.xml >runner.xml
run_offload logs --file runner.xml --test t/late
expect_rc 0
expect_grep '^--- flakyFailure (attempt 1): second ---$' "$OUT"
expect_grep '^--- flakyFailure (attempt 2): third ---$' "$OUT"
expect_no_grep '^  attempt ' "$OUT" "attempt lines guessed for another runner's report"
exit 0
