#!/bin/sh
# SPDX-License-Identifier: MIT
# t0062-unmatched-flood.sh - a result file with 100,000 cases that match
# no test gives ten warnings and one that counts the rest, not 100,000
# lines on stderr; the test that did match keeps its result.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

awk 'BEGIN {
	print "<testsuite>"
	for (i = 0; i < 100000; i++)
		printf "<testcase name=\"ghost%d\"/>\n", i
	print "<testcase name=\"t1\"/></testsuite>"
}' >results.xml || die "cannot write results.xml"
cat >offload.ini <<'EOF2' || die "cannot write offload.ini"
[framework]
type = custom
discover_command = echo t1
run_command = cp results.xml {result_file}
[group.all]
EOF2

run_offload run
expect_rc 0 "t1 passed"
expect_count Passed 1
n=$(grep -c "matches no test of the batch" "$ERR")
[ "$n" = 10 ] || fail "$n unmatched-result warnings, expected 10"
expect_grep "batch 1: 99990 more results matched no test of the batch" "$ERR"
size=$(wc -c <"$ERR")
[ "$size" -lt 10000 ] || fail "stderr is $size bytes"
