#!/bin/sh
# SPDX-License-Identifier: MIT
# t0086-live-progress.sh - what `offload run -v` shows while a batch runs.
# 1. A pytest batch's finished tests are printed before the batch ends:
#    its last test waits for the line of an earlier one in offload's own
#    stdout, so it passes only if that line came while the batch ran;
#    each line is printed once.
# 2. A test printed as PASS that a later attempt fails (retry_count = 1,
#    both attempts running at once) is printed again as FLAKY, as the
#    summary counts it.
# Synchronised on files only; a missed line makes a test fail after 8 s.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

/usr/bin/python3 -c 'import pytest' 2>/dev/null ||
	skip "pytest is not installed for /usr/bin/python3"

mkdir tests
cat >tests/wait.py <<EOF2
import os
import time

OUT = $(sq "$OUT")


def wait_for(pred, what):
    deadline = time.monotonic() + 8
    while not pred():
        assert time.monotonic() < deadline, "never saw " + what
        time.sleep(0.02)


def shown(line):
    def pred():
        try:
            with open(OUT, encoding="utf-8", errors="replace") as f:
                return line + "\n" in f.read()
        except FileNotFoundError:
            return False
    return pred
EOF2
cat >tests/test_live.py <<'EOF2'
import os
import sys
sys.path.insert(0, os.path.dirname(__file__))
from wait import wait_for, shown


def test_a():
    pass


def test_b():
    pass


def test_c():
    assert False, "fails"


def test_d():
    pass


def test_e():
    pass


def test_last():
    wait_for(shown("PASS  tests/test_live.py::test_a"), "test_a's line")
    wait_for(shown("FAIL  tests/test_live.py::test_c"), "test_c's line")
EOF2
cat >offload.ini <<EOF2
[offload]
max_parallel = 1
test_timeout_secs = 60

[framework]
type = pytest
command = /usr/bin/python3 -m pytest -p no:cacheprovider
paths = tests/test_live.py

[group.all]
retry_count = 0
EOF2

run_offload run -v
expect_rc 1 "test_c fails"
expect_summary 5 1 0
expect_grep "PASS  tests/test_live.py::test_last" "$OUT"
for t in a b d e last; do
	n=$(grep -c "^PASS  tests/test_live.py::test_$t\$" "$OUT")
	[ "$n" = 1 ] || fail "test_$t printed $n times"
done
n=$(grep -c "^FAIL  tests/test_live.py::test_c\$" "$OUT")
[ "$n" = 1 ] || fail "test_c printed $n times"

# 2: the attempt that creates the state file passes once the other one
# has started; the other one fails once the pass is shown.  The exec
# framework reports nothing live, so the PASS line comes from the first
# batch's end, and the failure comes after it: a late attempt.
mkdir late && cd late || die "cannot create late/"
mkdir tests
cat >tests/late <<EOF2
#!/bin/sh
wait_for() {
	i=0
	until eval "\$1"; do
		i=\$((i + 1))
		[ \$i -lt 400 ] || { echo "never saw \$2"; exit 1; }
		sleep 0.02
	done
}
if (set -C; : >$(sq "$TEST_DIR/late.state")) 2>/dev/null; then
	wait_for "[ -e $(sq "$TEST_DIR/late.started") ]" "the other attempt"
	exit 0
fi
: >$(sq "$TEST_DIR/late.started")
wait_for "grep -qx 'PASS  tests/late' $(sq "$OUT")" "the pass"
echo "the later attempt fails"
exit 1
EOF2
chmod +x tests/late
PARALLEL=2 RETRY=1 write_exec_ini 'tests/*'

run_offload run -v
expect_rc 2 "flaky"
expect_count Flaky 1
expect_summary 1 0 0
grep -q "^FLAKY tests/late (was PASS)\$" "$OUT" ||
	fail "no FLAKY line after the PASS"
n=$(grep -c "^PASS  tests/late\$" "$OUT")
[ "$n" = 1 ] || fail "the PASS line printed $n times"
