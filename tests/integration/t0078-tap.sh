#!/bin/sh
# SPDX-License-Identifier: MIT
# t0078-tap.sh - [framework] type = tap on a few TAP scripts run by
# /bin/sh: one JUnit case per point ("SCRIPT:N - description", "SCRIPT:N"
# without one) and one per script; SKIP skipped, a failing TODO not a
# failure; a failed point's YAML block kept as its failure text; the
# script fails when prove would (no plan, short plan, Bail out!, exit
# status, a crash: the points printed before it are kept); a point that
# failed and then passed on the retry is flaky; offload init's template;
# the example under examples/tap passes.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

mkdir -p "t dir" || die "mkdir"
ini() {
	cat >offload.ini <<INI
[offload]
max_parallel = 2
test_timeout_secs = 20

[framework]
type = tap
paths = t*/*.t
interpreter = /bin/sh

[group.all]
retry_count = ${1:-0}
INI
}

cat >"t dir/good.t" <<'T'
echo "TAP version 13"
echo "1..4"
echo "ok 1 - /path/to [it] (x=1)"
echo "ok 2"
echo "ok 3 - caf$(printf '\303\251') # SKIP no café here"
echo "not ok 4 - later # TODO not written"
T
cat >"t dir/fails.t" <<'T'
echo "ok - first"
echo "not ok - compare"
echo "  ---"
echo "  got: 'one'"
echo "  expected: 'two'"
echo "  ..."
echo "1..2"
T
cat >"t dir/noplan.t" <<'T'
echo "ok 1 - alone"
T
cat >"t dir/short.t" <<'T'
echo "1..3"
echo "ok 1 - one"
T
cat >"t dir/bail.t" <<'T'
echo "1..2"
echo "Bail out! no database"
T
cat >"t dir/status.t" <<'T'
echo "1..1"
echo "ok 1 - fine, but"
exit 4
T
cat >"t dir/crash.t" <<'T'
echo "1..3"
echo "ok 1 - before the crash"
kill -SEGV $$
T
cat >"t dir/skipall.t" <<'T'
echo "1..0 # SKIP not on this machine"
T
ini

run_offload collect
expect_rc 0
[ "$(wc -l <"$OUT")" = 8 ] || fail "expected 8 scripts: $(cat "$OUT")"
expect_grep '^t dir/good.t$' "$OUT"

run_offload run
expect_rc 1
xsd_check "$JUNIT"
G="t dir/good.t"
expect_xpath "count(//testcase[@name='$G'])" 1
expect_xpath "count(//testcase[@name='$G']/*)" 0
expect_xpath "count(//testcase[@name='$G:1 - /path/to [it] (x=1)'])" 1
expect_xpath "count(//testcase[@name='$G:2'])" 1
expect_xpath "count(//testcase[starts-with(@name, '$G:3 - caf')]/skipped)" 1
expect_xpath "count(//testcase[@name='$G:4 - later']/skipped[contains(@message, 'todo')])" 1
F="t dir/fails.t"
expect_xpath "count(//testcase[@name='$F:1 - first']/*)" 0
expect_xpath "count(//testcase[@name='$F:2 - compare']/failure[contains(., 'expected: ')])" 1
expect_xpath "count(//testcase[@name='$F']/failure[contains(@message, '1 of 2 points failed: 2')])" 1
expect_xpath "count(//testcase[@name='t dir/noplan.t']/failure[contains(@message, 'no plan')])" 1
expect_xpath "count(//testcase[@name='t dir/noplan.t:1 - alone']/*)" 0
expect_xpath "count(//testcase[@name='t dir/short.t']/failure[contains(@message, 'planned 3 tests but ran 1')])" 1
expect_xpath "count(//testcase[@name='t dir/bail.t']/failure[contains(@message, 'bailed out: no database')])" 1
expect_xpath "count(//testcase[@name='t dir/status.t']/failure[contains(@message, 'exit status 4')])" 1
expect_xpath "count(//testcase[@name='t dir/crash.t']/*[contains(@message, 'SIGSEGV')])" 1
expect_xpath "count(//testcase[@name='t dir/crash.t:1 - before the crash']/*)" 0
expect_xpath "count(//testcase[@name='t dir/skipall.t']/skipped)" 1
# 8 scripts and 10 points: 6 scripts fail, 1 point fails
expect_count Failed 7
expect_count Skipped 3
expect_count Passed 8
expect_count "Not run" 0
say "points and scripts judged as prove would: ok"

# A point that fails on the first attempt only: it and its script are flaky.
rm -f "t dir"/*.t
cat >"t dir/flaky.t" <<T
echo "1..2"
echo "ok 1 - steady"
if [ -e '$TEST_DIR/state' ]; then echo "ok 2 - wobbly"; else
	: >'$TEST_DIR/state'; echo "not ok 2 - wobbly"; fi
T
ini 1
# the retry runs in parallel with the first attempt: serialise them
sed -i 's/^max_parallel = 2/max_parallel = 1/' offload.ini
run_offload run
expect_rc 2 "flaky"
expect_count Flaky 2
expect_count Passed 1
expect_count Failed 0
xsd_check "$JUNIT"
n=$(xpath "count(//testcase[@name='t dir/flaky.t:2 - wobbly']/flakyFailure)")
[ "${n:-0}" -ge 1 ] || fail "the flaky point has no <flakyFailure>"
say "a point failed then passed on retry is flaky: ok"

# offload init writes a starter that loads
rm -f offload.ini
run_offload init --framework tap
expect_rc 0
expect_grep '^type = tap$' offload.ini
expect_grep '^interpreter = ' offload.ini
run_offload validate
expect_rc 0
say "init template: ok"

# The example passes, and says what it ran.
cp -R "$OFFLOAD_SRC/examples/tap" ex || die "copy example"
rm -rf ex/test-results
run_offload run -c ex/offload.ini
expect_rc 0
expect_count Failed 0
expect_count Passed 10
expect_count Skipped 2
say "examples/tap: ok"
