#!/bin/sh
# SPDX-License-Identifier: MIT
# t0088-pytest-outcomes.sh - what pytest decides beyond pass and fail
# reaches offload's report as pytest's own report has it: xfail is
# skipped with its reason, a strict xpass fails, a non-strict one passes,
# skip reasons are kept; a module that fails to import is a failed test
# with the error's text (the other tests still run), a module skipped by
# a module-level importorskip is a skipped test.  Then `paths`, group
# `filters` (-m, -k) and `run_args` (--runxfail) reach pytest.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import pytest' 2>/dev/null || skip "no pytest for $PY (python3-pytest)"
need_xmllint
mkdir tests
cat >tests/test_f.py <<'EOF'
import pytest

@pytest.mark.smoke
def test_smoke():
    pass

def test_slow_one():
    pass

@pytest.mark.xfail(reason="known bug 12")
def test_xfail():
    assert 0

@pytest.mark.xfail(reason="fixed now", strict=True)
def test_xpass_strict():
    pass

@pytest.mark.xfail(reason="maybe fixed")
def test_xpass_loose():
    pass

@pytest.mark.skip(reason="needs a GPU")
def test_skipped():
    pass

def test_skip_body():
    pytest.skip("not on Tuesdays")
EOF
printf 'import no_such_module_t0084\n\ndef test_never():\n    pass\n' >tests/test_broken.py
printf 'import pytest\npytest.importorskip("no_such_module_t0084_b")\n\ndef test_a():\n    pass\n' \
	>tests/test_ios.py
printf '[pytest]\nmarkers =\n    smoke: quick\n' >pytest.ini
cat >offload.ini <<EOF
[offload]
max_parallel = 2

[framework]
type = pytest
command = $PY -m pytest
paths = tests

[group.all]
EOF
run_offload run
expect_rc 1
expect_count Total 9
expect_count "Not run" 0
expect_summary 3 2 4
f=tests/test_f.py
tc() { printf '//testcase[@name="%s"]' "$1"; }
expect_xpath "string($(tc $f::test_xfail)/skipped/@message)" "known bug 12"
expect_xpath "string($(tc $f::test_xpass_strict)/failure/@message)" "[XPASS(strict)] fixed now"
expect_xpath "count($(tc $f::test_xpass_loose)/*)" 0
expect_xpath "string($(tc $f::test_skipped)/skipped/@message)" "needs a GPU"
expect_xpath "string($(tc $f::test_skip_body)/skipped/@message)" "not on Tuesdays"
expect_xpath "string($(tc tests/test_broken.py)/failure/@message)" \
	"collection failure: ModuleNotFoundError: No module named 'no_such_module_t0084'"
expect_grep "import no_such_module_t0084" "$JUNIT" "the error's text"
expect_xpath "string($(tc tests/test_ios.py)/skipped/@message)" \
	"could not import 'no_such_module_t0084_b': No module named 'no_such_module_t0084_b'"
say "xfail, xpass, skip reasons, collection errors and skipped modules: ok"

# paths (one file), filters per group, run_args for every batch
cat >offload.ini <<EOF
[offload]
max_parallel = 2

[framework]
type = pytest
command = $PY -m pytest
paths = $f
run_args = --runxfail

[group.smoke]
filters = -m smoke

[group.named]
filters = -k 'test_xfail or slow_one'
EOF
run_offload run
expect_rc 1
expect_count Total 3
expect_count "Not run" 0
expect_xpath 'count(//testsuite[@name="smoke"]/testcase)' 1
expect_xpath "count(//testsuite[@name=\"smoke\"]/$(tc $f::test_smoke | cut -c3-))" 1
expect_xpath 'count(//testsuite[@name="named"]/testcase)' 2
# --runxfail: the xfail test runs as a plain test, and fails
expect_xpath "count($(tc $f::test_xfail)/failure)" 1
say "paths, -m and -k filters, run_args: ok"
