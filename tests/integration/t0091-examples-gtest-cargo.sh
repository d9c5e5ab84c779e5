#!/bin/sh
# SPDX-License-Identifier: MIT
# t0091-examples-gtest-cargo.sh - the bundled examples/gtest and
# examples/cargo run as their READMEs say: every gtest case and libtest
# test is a result of its own (disabled and ignored ones skipped), and
# EXAMPLE_FAIL=1 fails exactly the one test meant to fail.  Each part is
# skipped, saying so, where its toolchain is missing.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

ran=0
if command -v g++ >/dev/null && [ -e /usr/include/gtest/gtest.h ]; then
	cp -R "$OFFLOAD_SRC/examples/gtest" gtest || die "copy"
	make -s -C gtest >"$TEST_DIR/make.log" 2>&1 || fail "make: $(tail -n 5 "$TEST_DIR/make.log")"
	run_offload run -c gtest/offload.ini
	expect_rc 0
	expect_count Passed 9
	expect_count Skipped 1
	JUNIT=$TEST_DIR/gtest/test-results/junit.xml
	expect_xpath "count(//testcase[@name='math_test:Zero/2.IsFalse'])" 1
	EXAMPLE_FAIL=1 run_offload run -c gtest/offload.ini
	expect_rc 1
	expect_count Failed 1
	expect_xpath "count(//testcase[@name='math_test:Math.FailsOnRequest']/failure)" 1
	say "examples/gtest: 10 cases, one disabled: ok"
	ran=1
else
	say "examples/gtest: SKIPPED, no g++ or libgtest-dev"
fi

CARGO=$(command -v cargo || ls /root/.cargo/bin/cargo 2>/dev/null) || CARGO=
if [ -n "$CARGO" ] && [ -x "$CARGO" ]; then
	cp -R "$OFFLOAD_SRC/examples/cargo" cargo || die "copy"
	rm -rf cargo/target
	sed -i "s|^type = cargo|type = cargo\ncommand = $CARGO|" cargo/offload.ini
	export CARGO_TARGET_DIR="$TEST_DIR/target"
	RUN_TIMEOUT=300 run_offload run -c cargo/offload.ini
	expect_rc 0
	expect_count Passed 4
	expect_count Skipped 1
	EXAMPLE_FAIL=1 RUN_TIMEOUT=300 run_offload run -c cargo/offload.ini
	expect_rc 1
	expect_count Failed 1
	JUNIT=$TEST_DIR/cargo/test-results/junit.xml
	expect_xpath "count(//testcase[@name='lib:tests::fails_on_request']/failure)" 1
	say "examples/cargo: 5 tests, one ignored: ok"
	ran=1
else
	say "examples/cargo: SKIPPED, no cargo"
fi
[ $ran = 1 ] || skip "neither g++ with libgtest-dev nor cargo here"
