#!/bin/sh
# SPDX-License-Identifier: MIT
# t1012-make-offload-mk.sh - offload.mk, the file users include: it loads
# the module beside it and $(offload-run) works; when the module cannot be
# loaded it stops make at parse time with a clear error, before any
# recipe runs.  (Without it, a Makefile that forgot `load` expands
# $(offload-run ...) to nothing, touches its stamp and exits 0: shown
# below as the trap it guards against.)  Including it twice is harmless.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module
MK=${GMK%.so}.mk
[ -f "$MK" ] || die "no '$MK' beside the module (make gmk)"

write_exec_suite tests 2 pass
write_exec_ini 'tests/*'
cat >t.mk <<EOF2
include $MK
include $MK
stamp:
	\$(offload-run offload.ini)
	@touch \$@
EOF2

run_make -f t.mk
expect_rc 0
expect_summary 2 0 0
[ -f stamp ] || fail "no stamp after a passing run"

# The module is not where offload.mk looks: make stops at parse time.
rm -f stamp
run_make -f t.mk OFFLOAD_GMK="$TEST_DIR/no/such/offload.so"
expect_rc 2
expect_grep "offload.mk:[0-9]*: \*\*\* offload: cannot load the GNU Make module '$TEST_DIR/no/such/offload.so'" "$ERR"
[ -e stamp ] && fail "a recipe ran although the module is not loaded"

# The trap itself: no load, no include -- the recipe "passes".
rm -rf test-results
cat >noload.mk <<'EOF2'
stamp:
	$(offload-run offload.ini)
	@touch $@
EOF2
run_make -f noload.mk
expect_rc 0
[ -f stamp ] || fail "expected the unguarded Makefile to touch its stamp"
[ -e test-results ] && fail "the unguarded Makefile ran tests"
exit 0
