#!/bin/sh
# SPDX-License-Identifier: MIT
# t0033-pytest-interrupt.sh - SIGINT while a pytest batch runs: the tests
# of that batch that had already finished keep their results in the
# (interrupted) report; the one running is "not run: interrupted".
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

/usr/bin/python3 -c 'import pytest' 2>/dev/null ||
	skip "pytest is not installed for /usr/bin/python3"

mkdir tests
cat >tests/test_cut.py <<EOF2
import os
import time


def test_a():
    assert True


def test_b():
    open(os.path.join($(sq "$TEST_DIR"), "b-started"), "w").close()
    time.sleep(100)
EOF2
cat >offload.ini <<EOF2
[offload]
max_parallel = 1

[framework]
type = pytest
command = /usr/bin/python3 -m pytest -p no:cacheprovider --rootdir $(sq "$TEST_DIR")
paths = tests

[group.all]
EOF2

"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
# Synchronise on an observable state: test_b has started, so test_a is done.
i=0
while [ ! -e b-started ] && [ "$i" -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -e b-started ] || { kill -KILL "$pid"; fail "test_b never started"; }
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
expect_rc 130 "interrupted"
f=tests/test_cut.py
xsd_check "$JUNIT"
expect_xpath "count(//testcase[@name=\"$f::test_a\"]/*)" 0
expect_xpath "string(//testcase[@name=\"$f::test_b\"]/error/@type)" notRun
expect_count Passed 1
expect_count "Not run" 1
no_procs_left
