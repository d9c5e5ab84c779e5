#!/bin/sh
# SPDX-License-Identifier: MIT
# t0101-ci-counts.sh - the [ci] progress lines count every verdict that
# `offload run -v` printed before them (stdout and stderr in one file, in
# the order they were written):
# 1. the lines end with one that counts the whole run, not with the last
#    periodic one (a test that ends once a [ci] line is there is decided
#    after it);
# 2. a PASS printed while a pytest batch runs stays counted when another
#    attempt of the test (retry_count = 1, both running at once) fails
#    and its batch ends first: the [ci] lines printed meanwhile count it.
# Synchronised on files; a missed line makes a test fail after 30 s.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# check_ci: every [ci] line of $OUT counts at least the tests a verdict
# line above it gave each verdict (the last line printed for each ID);
# the last [ci] line counts them exactly, and nothing awaits.
check_ci() {
	awk '
	function tally(   id, p, f, fl, s) {
		p = f = fl = s = 0
		for (id in v) {
			if (v[id] == "PASS") p++
			else if (v[id] == "FAIL") f++
			else if (v[id] == "FLAKY") fl++
			else if (v[id] == "SKIP") s++
		}
		P = p + fl; F = f; FL = fl; S = s
	}
	/^(PASS |FAIL |SKIP |FLAKY) / {
		id = substr($0, 7); sub(/ \(was [A-Z ]*\)$/, "", id)
		v[id] = $1; next
	}
	/^\[ci\] [0-9]+% of / {
		tally()
		split($0, w, /[^0-9]+/)	# "", pct, total, passed, flaky, failed, skipped, awaiting
		if (w[4] < P || w[5] < FL || w[6] < F || w[7] < S) {
			printf "line %d \"%s\" counts less than the %d passed (%d flaky), %d failed, %d skipped printed above it\n", NR, $0, P, FL, F, S
			bad = 1
		}
		last = $0; lastnr = NR; lp = P; lfl = FL; lf = F; ls = S; la = w[8]
	}
	END {
		if (bad) exit 1
		if (last == "") { print "no [ci] progress line"; exit 1 }
		tally()
		if (P != lp || FL != lfl || F != lf || S != ls || la != 0) {
			printf "the last [ci] line (line %d) \"%s\", but %d passed (%d flaky), %d failed, %d skipped were printed\n", lastnr, last, P, FL, F, S
			exit 1
		}
	}' "$OUT" >ci.check || fail "$(cat ci.check)"
}

# run_merged ARG...: run_offload with stderr in $OUT too, and CI=true.
run_merged() {
	rc=0
	CI=true timeout -k 5 "${RUN_TIMEOUT:-60}" "$OFFLOAD" "$@" >"$OUT" 2>&1 || rc=$?
	: >"$ERR"
	[ "$rc" != 124 ] && [ "$rc" != 137 ] ||
		fail "offload $* did not finish within ${RUN_TIMEOUT:-60} s"
}

# --- 1: the closing [ci] line ---------------------------------------------
write_test tests/pass pass
write_test tests/skip skip
write_test tests/fail fail
cat >tests/slow <<EOF2 || die "cannot write tests/slow"
#!/bin/sh
i=0
while ! grep -q '^\[ci\] [0-9]' $(sq "$OUT"); do
	i=\$((i + 1))
	[ "\$i" -lt 300 ] || exit 1
	sleep 0.1
done
EOF2
chmod +x tests/slow
PARALLEL=2 write_exec_ini 'tests/*'
run_merged run -v
expect_rc 1 "one test fails"
expect_summary 2 1 1
check_ci
[ "$(grep '^\[ci\] [0-9]' "$OUT" | tail -n 1)" = \
  "[ci] 100% of 4 tests | passed: 2 (0 flaky), failed: 1, skipped: 1, awaiting: 0" ] ||
	fail "the last [ci] line is '$(grep '^\[ci\] [0-9]' "$OUT" | tail -n 1)'"

# --- 2: a printed PASS stays counted when a retry's batch fails first --------
/usr/bin/python3 -c 'import pytest' 2>/dev/null || {
	say "pytest is not installed for /usr/bin/python3: part 2 skipped"
	exit 0
}
mkdir live && cd live || die "cannot create live/"
mkdir tests
cat >tests/conftest.py <<EOF2
import os
import time

OUT = $(sq "$OUT")
STATE = $(sq "$TEST_DIR/x.state")
FAILED = $(sq "$TEST_DIR/x.failed")


def wait_for(pred, what):
    deadline = time.monotonic() + 30
    while not pred():
        assert time.monotonic() < deadline, "never saw " + what
        time.sleep(0.05)


def text():
    with open(OUT, encoding="utf-8", errors="replace") as f:
        return f.read()


def ci_lines():
    return sum(1 for l in text().splitlines() if l.startswith("[ci] ") and
               l[5:6].isdigit())


def pytest_sessionfinish(session, exitstatus):
    if session.config.option.collectonly:
        return
    with open(STATE) as f:
        passing = f.read() == str(os.getpid())
    if not passing:
        open(FAILED, "w").close()
        return
    # the passing attempt's batch runs on until the failing one's ended:
    # the second [ci] line after that comes 5 s after the first
    wait_for(lambda: os.path.exists(FAILED), "the failing attempt's end")
    n = ci_lines()
    wait_for(lambda: ci_lines() >= n + 2, "two more [ci] lines")
EOF2
cat >tests/test_x.py <<'EOF2'
import os
from conftest import STATE, wait_for, text


def test_x():
    try:
        fd = os.open(STATE, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        wait_for(lambda: "PASS  tests/test_x.py::test_x\n" in text(),
                 "the PASS line")
        assert False, "the other attempt fails"
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
EOF2
cat >offload.ini <<EOF2
[offload]
max_parallel = 2
test_timeout_secs = 60

[framework]
type = pytest
command = /usr/bin/python3 -m pytest -p no:cacheprovider
paths = tests/test_x.py

[group.all]
retry_count = 1
EOF2
run_merged run -v
expect_rc 2 "flaky"
expect_summary 1 0 0
expect_grep "^PASS  tests/test_x.py::test_x\$" "$OUT"
expect_grep "^FLAKY tests/test_x.py::test_x (was PASS)\$" "$OUT"
check_ci
say "the [ci] lines count every verdict printed: ok"
