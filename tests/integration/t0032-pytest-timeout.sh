#!/bin/sh
# SPDX-License-Identifier: MIT
# t0032-pytest-timeout.sh - a pytest batch that times out keeps the
# results of the tests that already finished.  One batch (max_parallel =
# 1) of test_a (passes), test_b (sleeps 100 s) and test_c (passes) with
# test_timeout_secs = 3: pytest never writes its JUnit file, yet test_a
# passed, test_b failed "timed out after 3 s", test_c failed "not
# reached: timed out after 3 s"; exit 1, well under 10 s, no process left.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

/usr/bin/python3 -c 'import pytest' 2>/dev/null ||
	skip "pytest is not installed for /usr/bin/python3"

mkdir tests
cat >tests/test_cut.py <<'EOF2'
import time


def test_a():
    assert 1 + 1 == 2


def test_b():
    time.sleep(100)


def test_c():
    assert True
EOF2
# --rootdir puts $TEST_DIR into pytest's command line, so that
# no_procs_left sees a pytest left behind
cat >offload.ini <<EOF2
[offload]
max_parallel = 1
test_timeout_secs = 3

[framework]
type = pytest
command = /usr/bin/python3 -m pytest -p no:cacheprovider --rootdir $(sq "$TEST_DIR")
paths = tests

[group.all]
EOF2

start=$(now)
run_offload run
t=$(elapsed "$start")
less "$t" 10 || fail "the run took $t s with a 3 s timeout"
expect_rc 1
expect_count Total 3
expect_count Passed 1
expect_count Failed 2
expect_count "Not run" 0
expect_summary 1 2 0
f=tests/test_cut.py
expect_grep "$f::test_b (timed out after 3 s)" "$OUT"
expect_grep "$f::test_c (not reached: timed out after 3 s)" "$OUT"
xsd_check "$JUNIT"
expect_xpath "count(//testcase[@name=\"$f::test_a\"]/*)" 0
expect_xpath "string(//testcase[@name=\"$f::test_b\"]/failure/@message)" \
	"timed out after 3 s"
expect_xpath "string(//testcase[@name=\"$f::test_c\"]/failure/@message)" \
	"not reached: timed out after 3 s"
no_procs_left
