#!/bin/sh
# SPDX-License-Identifier: MIT
# t0079-output-labels.sh - what `offload run` prints reads one way only:
# the progress bar labels each number ("1/3 passed 1 failed 0" read as
# "1 of 3 passed"); the closing line says when its "passed" counts flaky
# tests and its "failed" tests that were not run (the Passed: line above
# does not); the periodic [ci] lines say once what they are.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# --- flaky counted as passed, [ci] lines ---------------------------------
write_test tests/flaky flaky "$TEST_DIR/flaky.state"
# a test that ends once offload printed a [ci] progress line (after 5 s;
# at most 30 s): the run lasts as long as it takes, whatever the load
cat >tests/slow <<EOF2 || die "cannot write tests/slow"
#!/bin/sh
i=0
while ! grep -q '^\[ci\] [0-9]' $(sq "$ERR"); do
	i=\$((i + 1))
	[ "\$i" -lt 300 ] || exit 1
	sleep 0.1
done
EOF2
chmod +x tests/slow
RETRY=1 write_exec_ini 'tests/*'
CI=true run_offload run
expect_rc 2 "flaky"
expect_count Passed 1
expect_count Flaky 1
[ "$(tail -n 1 "$OUT")" = "2 passed, 0 failed, 0 skipped (passed includes 1 flaky)" ] ||
	fail "closing line '$(tail -n 1 "$OUT")'"
[ "$(grep -c '^\[ci\] offload: a progress line every 5 s (stderr is not a terminal, or CI=true)$' "$ERR")" = 1 ] ||
	fail "the [ci] lines are not explained once"
grep '^\[ci\] ' "$ERR" | sed -n 2p >ci.line
grep -q '^\[ci\] [0-9]*% of 2 tests | passed: [0-9]* ([0-9]* flaky), failed: 0, skipped: 0, awaiting: [0-9]*$' ci.line ||
	fail "the [ci] progress line reads '$(cat ci.line)'"
# the explanation comes first
grep '^\[ci\] ' "$ERR" | head -n 1 | grep -q 'a progress line every' ||
	fail "the first [ci] line is not the explanation"

# --- not run counted as failed --------------------------------------------
rm -rf tests
write_exec_suite tests 3 fail
cat >offload.ini <<'INI'
[offload]
max_parallel = 1
[framework]
type = exec
paths = tests/*
[group.all]
schedule_individual = true
INI
run_offload run --fail-fast
expect_rc 1
nr=$(summary_count "Not run")
[ "${nr:-0}" -ge 1 ] || fail "no test was left not run by --fail-fast"
[ "$(tail -n 1 "$OUT")" = "0 passed, 3 failed, 0 skipped (failed includes $nr not run)" ] ||
	fail "closing line '$(tail -n 1 "$OUT")' ($nr not run)"

# --- no flaky, nothing not run: the plain line -----------------------------
rm -rf tests
write_exec_suite tests 3 pass
write_exec_ini 'tests/*'
run_offload run
expect_rc 0
[ "$(tail -n 1 "$OUT")" = "3 passed, 0 failed, 0 skipped" ] ||
	fail "closing line '$(tail -n 1 "$OUT")'"

# --- the progress bar, on a terminal (script(1) gives it one) --------------
if command -v script >/dev/null 2>&1; then
	rc=0
	CI= timeout -k 5 60 script -qec "$(sq "$OFFLOAD") run" /dev/null >tty.out 2>&1 </dev/null || rc=$?
	expect_rc 0
	tr '\r' '\n' <tty.out | tr -d '\033' | sed 's/^\[K//' >tty.lines
	grep -q '^\[#*\.*\] *[0-9]*% [0-9]/3 | passed: [0-9] (0 flaky), failed: 0, skipped: 0 | [0-9.]*s' tty.lines ||
		fail "no labelled progress bar in: $(grep -a '%' tty.lines | head -n 3)"
fi
say "progress and summary say what their numbers count: ok"
