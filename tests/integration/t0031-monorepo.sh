#!/bin/sh
# SPDX-License-Identifier: MIT
# t0031-monorepo.sh - examples/monorepo, incremental: `make
# check-distributed` builds the C library, tests the three components
# (exec, pytest, custom) and writes one merged build/junit.xml, valid
# against the schema; a second run with nothing changed runs no test and
# rewrites no report; `make -n` runs no test; touching libcalc's source
# re-tests libcalc only and rewrites the merged file; a failing test fails
# make, is in the merged file, and is re-tested by the next make.
# Through the GNU Make module when it is built (and not a sanitizer build,
# which the system make cannot load), else through the offload command.
# Which tests ran is read from $MONOREPO_TEST_LOG, where every test of
# the example notes itself.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
need_xmllint
command -v make >/dev/null 2>&1 || skip "make not installed"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -m pytest --version >/dev/null 2>&1 ||
	skip "pytest for /usr/bin/python3 not installed (python3-pytest)"

BUILD=${OFFLOAD_BUILD_DIR:?}
SO=$BUILD/gmk/offload.so
VIA=cli
if [ -f "$SO" ]; then
	if grep -q -e __asan_init -e __tsan_init "$SO"; then
		say "sanitizer build: the system make cannot load '$SO'; using the offload command"
	else
		VIA=module
	fi
fi
say "running the tests through: $VIA"

cp -R "$OFFLOAD_SRC/examples/monorepo" mono || die "cannot copy the example"
rm -rf mono/build
LOG=$TEST_DIR/tests.log
export MONOREPO_TEST_LOG="$LOG"
# We may run under `make check`: the example's make must not inherit its
# flags, variables or jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS

OUT=$TEST_DIR/make.out
ERR=$TEST_DIR/make.err
# mk ARG...: make in the copy, output in $OUT/$ERR, status in $rc.
mk() {
	rc=0
	timeout -k 5 180 make -C mono OFFLOAD_SRC="$OFFLOAD_SRC" \
		OFFLOAD_BUILD="$BUILD" OFFLOAD_VIA="$VIA" "$@" >"$OUT" 2>"$ERR" ||
		rc=$?
	[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "make $* did not finish in 180 s"
}

# The identity of every report: a rewrite (temporary file + rename) gives
# a report a new inode.
reports() {
	ls -i mono/build/junit.xml mono/build/junit/libcalc.xml \
		mono/build/junit/pyutil.xml mono/build/junit/scripts.xml |
		awk '{ print $2, $1 }'
}

# ran COMPONENT: the number of its tests in the log.
ran() {
	grep -c "^$1 " "$LOG"
}

# --- first run: everything is built and tested ---------------------------
: >"$LOG"
mk check-distributed
expect_rc 0
[ "$(ran libcalc)" = 4 ] || fail "libcalc ran $(ran libcalc) tests, expected 4"
[ "$(ran pyutil)" = 7 ] || fail "pyutil ran $(ran pyutil) tests, expected 7"
[ "$(ran scripts)" = 4 ] || fail "scripts ran $(ran scripts) tests, expected 4"
JUNIT=mono/build/junit.xml
xsd_check "$JUNIT"
expect_xpath 'count(/testsuites/testsuite)' 3
expect_xpath 'string(/testsuites/@tests)' 15
expect_xpath 'string(/testsuites/@failures)' 0
for c in libcalc pyutil scripts; do
	expect_xpath "count(/testsuites/testsuite[@name=\"$c\"])" 1
done
expect_xpath 'count(//testcase[@name="tests/test_stress"]/skipped)' 1
expect_xpath 'count(//testcase[@name="tests/test_text.py::test_slugify[Hello, World!-hello-world]"])' 1
expect_xpath 'count(//testcase[@name="slugify_basic"])' 1
before=$(reports)

# --- nothing changed: no test, no report rewritten -----------------------
: >"$LOG"
mk check-distributed
expect_rc 0
[ -s "$LOG" ] && fail "tests ran with nothing changed: $(cat "$LOG")"
[ "$(reports)" = "$before" ] || fail "reports rewritten with nothing changed"
expect_no_grep 'passed, ' "$OUT" "no summary when no test runs"

# --- make -n, with a change pending: prints, runs nothing ----------------
touch mono/libcalc/calc.c
mk -n check-distributed
expect_rc 0
[ -s "$LOG" ] && fail "make -n ran tests: $(cat "$LOG")"
[ "$(reports)" = "$before" ] || fail "make -n rewrote a report"
expect_grep 'libcalc' "$OUT" "make -n shows what would run"

# --- one component changed: only it is tested -----------------------------
mk check-distributed
expect_rc 0
[ "$(ran libcalc)" = 4 ] || fail "libcalc ran $(ran libcalc) tests after its source changed, expected 4"
[ "$(ran pyutil)$(ran scripts)" = 00 ] ||
	fail "unchanged components were re-tested: $(grep -v '^libcalc ' "$LOG")"
after=$(reports)
for f in pyutil scripts; do
	[ "$(echo "$before" | grep "/$f.xml ")" = "$(echo "$after" | grep "/$f.xml ")" ] ||
		fail "the report of unchanged $f was rewritten"
done
for f in junit.xml libcalc.xml; do
	[ "$(echo "$before" | grep "/$f ")" != "$(echo "$after" | grep "/$f ")" ] ||
		fail "$f was not rewritten after libcalc changed"
done
xsd_check "$JUNIT"
expect_xpath 'string(/testsuites/@tests)' 15

# --- a failing test: make fails, the merged file shows it, and the next
# make tests that component again --------------------------------------
sed 's/r == 5/r == 6/' mono/libcalc/tests/test_add.c >add.c &&
	cat add.c >mono/libcalc/tests/test_add.c || die "cannot break test_add"
: >"$LOG"
mk check-distributed
[ "$rc" != 0 ] || fail "make succeeded with a failing test"
[ "$(ran pyutil)$(ran scripts)" = 00 ] || fail "a libcalc change re-tested others"
xsd_check "$JUNIT"
expect_xpath 'string(/testsuites/@failures)' 1
expect_xpath 'count(//testcase[@name="tests/test_add"]/failure)' 1
: >"$LOG"
mk check-distributed
[ "$rc" != 0 ] || fail "the second make forgot the failing test"
[ "$(ran libcalc)" = 4 ] || fail "a failed component was not re-tested"

# --- a build failure: the merged report names it -------------------------
cp "$OFFLOAD_SRC/examples/monorepo/libcalc/tests/test_add.c" mono/libcalc/tests/test_add.c
echo 'int broken(' >>mono/libcalc/tests/test_add.c
: >"$LOG"
mk check-distributed
[ "$rc" != 0 ] || fail "make succeeded although libcalc does not build"
xsd_check "$JUNIT"
expect_xpath 'count(//testsuite[@name="libcalc"]/testcase)' 1
expect_xpath 'count(//testcase[@name="build: build/libcalc/tests/test_add"]/failure)' 1
expect_xpath 'count(//failure[contains(., "test_add.c")])' 1
expect_xpath 'string(/testsuites/@failures)' 1
cp "$OFFLOAD_SRC/examples/monorepo/libcalc/tests/test_add.c" mono/libcalc/tests/test_add.c
mk check-distributed
expect_rc 0
[ "$(ran libcalc)" = 4 ] || fail "libcalc was not re-tested once it built again"
expect_xpath 'string(/testsuites/@failures)' 0
expect_xpath 'string(/testsuites/@tests)' 15

# --- one target per test, through the module's cached discovery ---------
[ "$VIA" = module ] || exit 0
mk list-tests
expect_rc 0
[ "$(grep -c '^test/' "$OUT")" = 11 ] || fail "list-tests did not list 11 tests: $(cat "$OUT")"
ls mono/build/test-results/pyutil/.offload-cache/discover-* >/dev/null 2>&1 ||
	fail "no discovery cache for pyutil"
: >"$LOG"
mk test/scripts/slugify_basic
expect_rc 0
[ "$(cat "$LOG" | wc -l)" = 1 ] || fail "one test target ran $(wc -l <"$LOG") tests"
xsd_check mono/build/one/scripts/slugify_basic.xml
exit 0
