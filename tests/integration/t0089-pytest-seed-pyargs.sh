#!/bin/sh
# SPDX-License-Identifier: MIT
# t0089-pytest-seed-pyargs.sh - (1) a test module whose node IDs follow a
# set's iteration order, which Python's hash randomisation changes from
# one process to the next: discovery and every batch must see the same
# PYTHONHASHSEED (offload's fixed one, or the user's), else the IDs do
# not match and tests are "not run".  (2) `--pyargs` on a package
# installed outside the working directory: node IDs are relative to the
# package, so the package's directory is [provider] working_dir, as
# docs/frameworks.md says.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import pytest' 2>/dev/null || skip "no pytest for $PY (python3-pytest)"
mkdir tests
# 12 names: two processes with different seeds almost never order them
# alike (100 processes here gave 100 different orders)
cat >tests/test_order.py <<'EOF'
import os
import pytest

NAMES = list({"n%d" % i for i in range(12)})

@pytest.mark.parametrize("name", NAMES, ids=["%d-%s" % p for p in enumerate(NAMES)])
def test_order(name):
    assert name in NAMES

def test_seed():
    assert os.environ.get("PYTHONHASHSEED") == open("expected-seed").read().strip()
EOF
cat >offload.ini <<EOF
[offload]
max_parallel = 2

[framework]
type = pytest
command = $PY -m pytest
paths = tests

[group.all]
EOF
echo 0 >expected-seed
unset PYTHONHASHSEED
run_offload run
expect_rc 0
expect_count Total 13
expect_count "Not run" 0
expect_count Passed 13
say "one hash seed, offload's, for discovery and every batch: ok"

printf '\n[provider.env]\nPYTHONHASHSEED = 4321\n' >>offload.ini
echo 4321 >expected-seed
run_offload run
expect_rc 0
expect_count Passed 13
say "the user's hash seed, for discovery and every batch: ok"

# (2) a package outside the working directory, found through PYTHONPATH
mkdir -p site/t85pkg/sub/tests work
: >site/t85pkg/__init__.py
: >site/t85pkg/sub/__init__.py
: >site/t85pkg/sub/tests/__init__.py
printf 'def test_in_pkg():\n    pass\n\ndef test_two():\n    pass\n' \
	>site/t85pkg/sub/tests/test_pkg.py
cd work || die "no work directory"
cat >offload.ini <<EOF
[offload]
max_parallel = 2

[provider]
working_dir = $TEST_DIR/site/t85pkg

[provider.env]
PYTHONPATH = $TEST_DIR/site

[framework]
type = pytest
command = $PY -m pytest -p no:cacheprovider
paths = --pyargs t85pkg

[group.all]
EOF
run_offload collect
expect_rc 0
expect_grep '^sub/tests/test_pkg.py::test_in_pkg$' "$OUT"
run_offload run
expect_rc 0
expect_count "Not run" 0
expect_count Passed 2
[ ! -e "$TEST_DIR/site/t85pkg/.pytest_cache" ] || fail "pytest wrote its cache into the package"
say "--pyargs, working_dir in the package: ok"
