#!/bin/sh
# SPDX-License-Identifier: MIT
# t1004-make-dry-run.sh - $(offload-run) is a `+` line, which make runs
# even under -n, -q and -t: the `offload run --make` it starts sees make's
# flags and must run no test then.  Under -n (also combined with other
# flags, -kn) it prints what would run and no test starts, no report is
# written; under -q nothing runs and make answers "not up to date"; under
# -t make touches the target and runs nothing.  The same holds in a
# sub-make (+$(MAKE)), which make also runs under -n.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

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
touched:
	\$(offload-run offload.ini)
	@echo plain line ran
sub:
	+\$(MAKE) -f t.mk stamp
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
expect_grep "^offload: would run all tests of offload.ini$" "$OUT"
nothing_ran -n

run_make -f t.mk -n sub
expect_rc 0
expect_grep "^offload: would run all tests of offload.ini$" "$OUT"
nothing_ran "-n (sub-make)"

run_make -f t.mk -kn some
expect_rc 0
expect_grep "^offload: would run 2 tests of offload.ini (group all)$" "$OUT"
nothing_ran -kn

run_make -f t.mk -q
expect_rc 1
nothing_ran -q

run_make -f t.mk -t touched
expect_rc 0
expect_no_grep '^plain line ran$' "$OUT" "make -t ran a recipe line"
[ -f touched ] || fail "make -t did not touch the target"
rm -f touched
nothing_ran -t

# The real thing, for contrast: the tests do run.
run_make -f t.mk
expect_rc 0
set -- ran.*
[ $# = 3 ] || fail "$# tests ran, expected 3"
[ -f stamp ] || fail "no stamp after a passing run"
exit 0
