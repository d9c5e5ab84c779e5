#!/bin/sh
# SPDX-License-Identifier: MIT
# t0093-pull-batch-sizes.sh - batches are cut when a sandbox asks, from
# what results have said so far (issue 10's pull model).  A custom
# runner costs a start-up per batch (batch_secs 0.2: a batch is kept
# around 20 of them); with no history every test is assumed to take
# default_duration_secs (1 s), so the first batches hold about 4 tests.
# The tests really take a few ms: once the first batch's results are in,
# the next batches are cut from that and grow to about half of what is
# left each, so 200 tests cost a handful of runner start-ups instead of
# about 50 (what the plan cut up front made).  Retries are instances run
# in parallel, so on 2 sandboxes a test may run more than once; on one
# sandbox, the instances of a test that already passed are never handed
# out: each test runs exactly once.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

i=0
: >ids.txt
while [ $i -lt 200 ]; do
	printf 'test %03d $x;\n' $i >>ids.txt
	i=$((i + 1))
done

# run.sh ARGS...: one line per invocation, one per test run
cat >run.sh <<'EOF2'
#!/bin/sh
echo "$#" >>"${0%/*}/calls.log"
for a in "$@"; do
	printf '%s\n' "$a" >>"${0%/*}/tests.log"
done
EOF2
chmod +x run.sh

# ini PARALLEL
ini() {
	cat >offload.ini <<EOF2
[offload]
max_parallel = $1
test_timeout_secs = 60

[framework]
type = custom
discover_command = cat $TEST_DIR/ids.txt
run_command = $TEST_DIR/run.sh {tests}

[group.all]
retry_count = 2
EOF2
	rm -rf calls.log tests.log test-results
}

sort ids.txt >want.ids
ini 2
run_offload run
expect_rc 0
expect_count Total 200
expect_count Passed 200
calls=$(wc -l <calls.log)
say "2 sandboxes: 200 tests in $calls runner invocations: $(tr '\n' ' ' <calls.log)"
[ "$calls" -le 8 ] ||
	fail "200 quick tests took $calls runner start-ups (want 8 at most)"
sort -u tests.log >ran.ids
cmp -s want.ids ran.ids ||
	fail "tests not run: $(diff want.ids ran.ids | head -n 5)"

ini 1
run_offload run
expect_rc 0
expect_count Passed 200
say "1 sandbox: $(wc -l <calls.log) runner invocations: $(tr '\n' ' ' <calls.log)"
sort tests.log >ran.ids
cmp -s want.ids ran.ids ||
	fail "tests run other than once each: $(diff want.ids ran.ids | head -n 5)"
exit 0
