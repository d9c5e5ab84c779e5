#!/bin/sh
# SPDX-License-Identifier: MIT
# t0075-pytest-rootdir.sh - every pytest batch sees the rootdir discovery
# saw.  In a tree whose sub-packages ship their own setup.py (as many
# installed packages do), pytest picks the rootdir from a run's own
# arguments: a batch whose tests all sit in one sub-package would get
# that sub-package as rootdir, node IDs without its prefix, and every
# test "matching no test of the batch".  With one sandbox per test, each
# batch sits in one sub-package.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import pytest' 2>/dev/null || skip "no pytest for $PY (python3-pytest)"
for sub in alpha beta; do
	mkdir -p "pkg/$sub/tests"
	: >"pkg/$sub/__init__.py"
	: >"pkg/$sub/tests/__init__.py"
	printf 'from setuptools import setup\nsetup()\n' >"pkg/$sub/setup.py"
	printf 'def test_one():\n    pass\n\ndef test_two():\n    pass\n' \
		>"pkg/$sub/tests/test_$sub.py"
done
: >pkg/__init__.py
cat >offload.ini <<EOF
[offload]
max_parallel = 2

[framework]
type = pytest
command = $PY -m pytest
paths = pkg

[group.all]
schedule_individual = true
EOF
run_offload collect
expect_rc 0
expect_grep '^pkg/alpha/tests/test_alpha.py::test_one$' "$OUT"
run_offload run
expect_rc 0
expect_count Passed 4
expect_no_grep 'matches no test' "$ERR"
say "batches in one sub-package keep discovery's node IDs: ok"
