#!/bin/sh
# SPDX-License-Identifier: MIT
# t0076-cargo.sh - [framework] type = cargo on a crate with no
# dependencies (offline): unit, integration and doc tests discovered as
# TARGET:NAME, one result each; a failure keeps its panic message; an
# ignored test is skipped; a test that aborts the process fails alone,
# "crashed", and the tests after it still run.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

CARGO=$(command -v cargo || ls /root/.cargo/bin/cargo 2>/dev/null) ||
	skip "no cargo on this machine"
[ -x "$CARGO" ] || skip "no cargo on this machine"
mkdir -p demo/src demo/tests
cat >demo/Cargo.toml <<'EOF'
[package]
name = "demo"
version = "0.1.0"
edition = "2021"
EOF
cat >demo/src/lib.rs <<'EOF'
/// Adds.
///
/// ```
/// assert_eq!(demo::add(1, 2), 3);
/// ```
pub fn add(a: u64, b: u64) -> u64 { a + b }

#[cfg(test)]
mod tests {
    use super::*;
    #[test] fn it_works() { assert_eq!(add(2, 2), 4); }
    #[test] fn it_fails() { assert_eq!(add(2, 2), 5, "two and two"); }
    #[test] #[ignore] fn ignored() {}
    #[test] fn crashes() { if std::env::var("DEMO_CRASH").is_ok() { std::process::abort(); } }
    #[test] fn zz_after() {}
}
EOF
printf '#[test] fn integration_ok() { assert!(demo::add(1, 1) == 2); }\n' >demo/tests/it.rs
cat >demo/offload.ini <<EOF
[offload]
max_parallel = 1
test_timeout_secs = 300

[provider.env]
CARGO_TARGET_DIR = $TEST_DIR/target
DEMO_CRASH = 1

[framework]
type = cargo
command = $CARGO
run_args = --offline

[group.all]
EOF
JUNIT=$TEST_DIR/demo/test-results/junit.xml
cd demo || die cd
RUN_TIMEOUT=300 run_offload collect
expect_rc 0
[ "$(wc -l <"$OUT")" = 7 ] || fail "expected 7 tests: $(cat "$OUT")"
expect_grep '^lib:tests::it_works$' "$OUT"
expect_grep '^test/it:integration_ok$' "$OUT"
expect_grep '^doc:src/lib.rs - add (line 3)$' "$OUT"

RUN_TIMEOUT=300 run_offload run
expect_rc 1
expect_count Passed 4
expect_count Failed 2
expect_count Skipped 1
expect_count "Not run" 0
xsd_check "$JUNIT"
expect_xpath "count(//testcase[@name='lib:tests::it_fails']/failure[contains(., 'two and two')])" 1
expect_xpath "count(//testcase[@name='lib:tests::crashes']/failure[contains(@message, 'crashed')])" 1
expect_xpath "count(//testcase[@name='lib:tests::zz_after']/failure)" 0
say "cargo: 7 tests, a crash fails alone: ok"
