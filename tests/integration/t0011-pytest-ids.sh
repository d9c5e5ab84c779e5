#!/bin/sh
# SPDX-License-Identifier: MIT
# t0011-pytest-ids.sh - pytest node IDs that are hard to match back: a
# parametrised test whose IDs hold a space, a ']' and a quote, plus a test
# in a class.  Every test must be matched to its result: "Not run: 0",
# all passed, exit 0, and the report names each by its node ID.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

/usr/bin/python3 -c 'import pytest' 2>/dev/null ||
	skip "pytest is not installed for /usr/bin/python3"

mkdir tests
cat >tests/test_ids.py <<'EOF2'
import pytest


@pytest.mark.parametrize("x", ["a b-1", "c]d", "it's"])
def test_param(x):
    assert x


class TestThing:
    def test_method(self):
        assert True
EOF2
cat >offload.ini <<'EOF2'
[offload]
max_parallel = 2
test_timeout_secs = 60

[framework]
type = pytest
command = /usr/bin/python3 -m pytest
paths = tests

[group.all]
EOF2

RUN_TIMEOUT=120 run_offload run
expect_rc 0
expect_count Total 4
expect_count "Not run" 0
expect_count Passed 4
expect_summary 4 0 0
xsd_check "$JUNIT"
f=tests/test_ids.py
for id in "$f::test_param[a b-1]" "$f::test_param[c]d]" "$f::TestThing::test_method"; do
	expect_xpath "count(//testcase[@name=\"$id\"])" 1
done
expect_xpath "count(//testcase[@name=\"$f::test_param[it's]\"])" 1
