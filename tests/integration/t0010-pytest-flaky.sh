#!/bin/sh
# SPDX-License-Identifier: MIT
# t0010-pytest-flaky.sh - pytest: a test failing on its first attempt only
# (a state file, created with O_EXCL so one attempt at most fails) with
# retry_count = 1 makes the run flaky: exit 2, "Flaky: 1", and its
# testcase (named by its node ID) carries <flakyFailure>.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

/usr/bin/python3 -c 'import pytest' 2>/dev/null ||
	skip "pytest is not installed for /usr/bin/python3"

mkdir tests
cat >tests/test_flaky.py <<EOF2
import os

STATE = $(sq "$TEST_DIR/flaky.state")


def test_flaky():
    try:
        fd = os.open(STATE, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return
    os.close(fd)
    assert False, "first attempt fails"


def test_steady():
    assert 1 + 1 == 2
EOF2
cat >offload.ini <<EOF2
[offload]
max_parallel = 2
test_timeout_secs = 60

[framework]
type = pytest
command = /usr/bin/python3 -m pytest
paths = tests

[group.all]
retry_count = 1
EOF2

RUN_TIMEOUT=120 run_offload run
expect_rc 2 "flaky"
expect_count Flaky 1
expect_count Failed 0
expect_count "Not run" 0
expect_summary 2 0 0
[ -f flaky.state ] || fail "test_flaky never ran"
xsd_check "$JUNIT"
id=tests/test_flaky.py::test_flaky
expect_xpath "count(//testcase[@name=\"$id\"])" 1
n=$(xpath "count(//testcase[@name=\"$id\"]/flakyFailure)")
[ "${n:-0}" -ge 1 ] || fail "'$id' has no <flakyFailure>"
expect_xpath 'count(//failure)' 0
