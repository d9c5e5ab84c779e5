#!/bin/sh
# SPDX-License-Identifier: MIT
# t1011-make44-fifo.sh - under GNU make 4.4 (`make check-make44` sets
# MAKE_UNDER_TEST), whose default jobserver is a named fifo: the recipe
# that calls $(offload-run) sees --jobserver-auth=fifo:PATH in MAKEFLAGS,
# so the fifo jobserver is the one in use, and under -j2 the module runs
# exactly 2 tests at once: never more, and its second slot can only have
# been a token taken from that fifo.  Skipped under make 4.3 (a pipe).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

mk=${MAKE_UNDER_TEST:-make}
ver=$("$mk" --version 2>/dev/null | head -n 1)
case $ver in
"GNU Make 4.4"|"GNU Make 4.4."*) ;;
*) skip "'$mk' is '$ver', not GNU make 4.4 (make check-make44 runs this)" ;;
esac

write_conc_suite 0.5
PARALLEL=10 write_exec_ini 'tests/*'
cat >t.mk <<EOF2
load $GMK
check:
	@echo 'jobserver: \$(filter --jobserver-auth=%,\$(MAKEFLAGS))'
	\$(offload-run offload.ini)
EOF2

run_make -j2 -f t.mk
expect_rc 0
expect_grep '^jobserver: --jobserver-auth=fifo:/' "$OUT" "make 4.4 without its fifo jobserver"
expect_grep '^6 passed, 0 failed, 0 skipped$' "$OUT"
expect_no_grep 'jobserver' "$ERR"
[ "$(grep -c ' +1$' conc.log)" = 6 ] || fail "not 6 tests recorded"
m=$(max_running)
[ "$m" -le 2 ] || fail "$m tests ran at once under -j2: $(sort -n conc.log)"
[ "$m" = 2 ] || fail "only $m test at a time under -j2: no token taken from the fifo"
exit 0
