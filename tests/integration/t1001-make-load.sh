#!/bin/sh
# SPDX-License-Identifier: MIT
# t1001-make-load.sh - the GNU Make module loads both ways a user writes
# it: `load /abs/offload.so`, and `-load ./offload.so` with a rule that
# builds it (make builds it, re-executes itself, then loads it; the
# .LOADED guard keeps the first parse from using the functions).  It
# exports make's entry points only: liboffload stays inside.  Then
# $(offload-discover) lists the tests and $(offload-run) runs them: the
# summary's last line and the JUnit report, exit 0.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

write_exec_suite tests 3 pass
write_exec_ini 'tests/*'

# (built against a gnumake.h with GMK_ABI_VERSION, also the unload hook)
syms=$(nm -D --defined-only "$GMK" | awk '{ print $3 }' | sort | tr '\n' ' ')
case $syms in
"offload_gmk_setup plugin_is_GPL_compatible ") ;;
"offload_gmk_setup offload_gmk_unload plugin_is_GPL_compatible ") ;;
*) fail "the module exports more than its entry points: $syms" ;;
esac

# 1. load by absolute path.
cat >abs.mk <<EOF2
load $GMK
IDS := \$(offload-discover offload.ini)
\$(info IDS=\$(IDS))
check:
	\$(offload-run offload.ini)
EOF2
run_make -f abs.mk check
expect_rc 0
expect_grep '^IDS=tests/t1 tests/t2 tests/t3$' "$OUT"
expect_summary 3 0 0
expect_grep '^  Total:    3$' "$OUT"
xsd_check "$JUNIT"
grep -q "printf" "$OUT" && fail "make echoed the summary's command line"

# 2. -load plus a rule that builds the module.
rm -rf test-results
cat >rebuild.mk <<EOF2
-load ./offload.so
offload.so: $GMK
	cp \$< \$@
ifneq (\$(filter %offload.so,\$(.LOADED)),)
IDS := \$(offload-discover offload.ini)
\$(info IDS=\$(IDS))
endif
check:
	\$(offload-run offload.ini)
EOF2
run_make -f rebuild.mk check
expect_rc 0
[ -f offload.so ] || fail "make did not build offload.so"
[ "$(grep -c '^IDS=' "$OUT")" = 1 ] || fail "discovery did not run exactly once"
expect_grep '^IDS=tests/t1 tests/t2 tests/t3$' "$OUT"
expect_summary 3 0 0
xsd_check "$JUNIT"
exit 0
