#!/bin/sh
# SPDX-License-Identifier: MIT
# t0074-gtest.sh - [framework] type = gtest on a Google Test binary
# (tests/helpers/gtest-sample.cc): one result per gtest case, typed and
# value-parameterised ones included, DISABLED_ skipped, GTEST_SKIP
# skipped, a failure's message kept; a test that crashes (SIGSEGV) mid-
# batch fails alone, "crashed", and its neighbours, the one after it
# included, still get their results.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

SAMPLE=$OFFLOAD_BUILD_DIR/tests/helpers/gtest-sample
[ -x "$SAMPLE" ] || skip "no '$SAMPLE' (needs g++ and libgtest-dev: make deps)"
JUNIT=$TEST_DIR/test-results/junit.xml
mkdir -p "tests dir" && cp "$SAMPLE" "tests dir/sample_test" || die "copy"
ini() {
	set -- "$1" "${2:-}"
	cat >offload.ini <<EOF
[offload]
max_parallel = $1
test_timeout_secs = 60

[framework]
type = gtest
paths = tests*/*_test

[group.all]
$2
EOF
}
B="tests dir/sample_test"

ini 2
run_offload collect
expect_rc 0
[ "$(wc -l <"$OUT")" = 13 ] || fail "expected 13 tests: $(cat "$OUT")"
expect_grep "^$B:Typed/1.Zero\$" "$OUT"
expect_grep "^$B:Nums/Param.Positive/2\$" "$OUT"
expect_no_grep 'GetParam\|TypeParam\|Running main' "$OUT"

run_offload run
expect_rc 1
expect_count Passed 10
expect_count Failed 1
expect_count Skipped 2
expect_count "Not run" 0
xsd_check "$JUNIT"
expect_xpath "count(//testcase[@name='$B:Math.Fails']/failure[contains(., 'one and one')])" 1
expect_xpath "count(//testcase[@name='$B:Math.DISABLED_Off']/skipped)" 1
expect_xpath "count(//testcase[@name='$B:Skip.Me']/skipped)" 1
say "13 gtest cases, one result each: ok"

# One batch holds everything; Crash.Segfaults kills the binary.
printf '\n[provider.env]\nGTEST_SAMPLE_CRASH = 1\n' >env.part
ini 1
cat env.part >>offload.ini
run_offload run
expect_rc 1
expect_count Passed 9
expect_count Failed 2
expect_count "Not run" 0
expect_xpath "count(//testcase[@name='$B:Crash.Segfaults']/failure[contains(@message, 'SIGSEGV')])" 1
expect_xpath "count(//testcase[@name='$B:Crash.After']/failure)" 0
expect_xpath "count(//testcase[@name='$B:Env.OwnTmpdir']/failure)" 0
say "a crash fails its test alone, the rest re-run: ok"

# The group's filters are a --gtest_filter expression.
ini 2 "filters = Math.*:Typed*-*Fails"
run_offload collect
expect_rc 0
[ "$(wc -l <"$OUT")" = 4 ] || fail "filters: $(cat "$OUT")"
say "filters: ok"
