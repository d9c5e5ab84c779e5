#!/bin/sh
# SPDX-License-Identifier: MIT
# t1004-make-dry-run.sh - make -n and make -q expand recipes, so
# $(offload-run) must not run tests then: under -n (also combined with
# other flags, -kn) it prints what would run and no test starts, no report
# is written; under -q nothing runs and make answers "not up to date".
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# The module under test, and make able to load it: an ASan build needs
# the sanitizer runtime first in the (uninstrumented) make process.
GMK=${OFFLOAD_BUILD_DIR:?}/gmk/offload.so
[ -f "$GMK" ] || die "no module '$GMK' (make gmk)"
command -v make >/dev/null 2>&1 || skip "GNU make is not installed"
case $(ldd "$GMK" 2>/dev/null) in
*libtsan*) skip "a TSan-built module cannot be loaded into make" ;;
*libasan*)
	LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)"
	ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	export LD_PRELOAD ASAN_OPTIONS ;;
esac

# run_make ARG...: make in the foreground, stdout in $OUT, stderr in
# $ERR, exit status in $rc; bounded.
run_make() {
	rc=0
	timeout -k 5 "${RUN_TIMEOUT:-60}" make --no-print-directory "$@" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" != 124 ] && [ "$rc" != 137 ] ||
		fail "make $* did not finish within ${RUN_TIMEOUT:-60} s"
}

mkdir tests
for i in 1 2 3; do
	printf '#!/bin/sh\ntouch "%s/ran.$$"\n' "$TEST_DIR" >tests/t$i
	chmod +x tests/t$i
done
write_exec_ini 'tests/*'
cat >t.mk <<EOF2
load $GMK
stamp:
	\$(offload-run offload.ini)
	touch \$@
some:
	\$(offload-run offload.ini,tests/t1 tests/t2,group=all)
EOF2

nothing_ran() {
	for f in ran.*; do
		[ -e "$f" ] && fail "a test ran under make $1"
	done
	[ -e test-results ] && fail "make $1 wrote test-results"
	[ -e stamp ] && fail "make $1 made the target"
	return 0
}

run_make -f t.mk -n
expect_rc 0
expect_grep "^echo 'offload: would run all tests of offload.ini'$" "$OUT"
nothing_ran -n

run_make -f t.mk -kn some
expect_rc 0
expect_grep "^echo 'offload: would run 2 tests of offload.ini (group all)'$" "$OUT"
nothing_ran -kn

run_make -f t.mk -q
expect_rc 1
nothing_ran -q

# The real thing, for contrast: the tests do run.
run_make -f t.mk
expect_rc 0
set -- ran.*
[ $# = 3 ] || fail "$# tests ran, expected 3"
[ -f stamp ] || fail "no stamp after a passing run"
exit 0
