#!/bin/sh
# SPDX-License-Identifier: MIT
# t1007-make-serial.sh - without a jobserver the module decides alone:
# plain make and make -j1 run one test at a time (max_parallel 4
# notwithstanding); a bare make -j (no limit) runs up to max_parallel; and
# parallel=N caps a -jN run.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

write_conc_suite 0.3
PARALLEL=3 write_exec_ini 'tests/*'
cat >t.mk <<EOF2
load $GMK
check:
	\$(offload-run offload.ini)
capped:
	\$(offload-run offload.ini,,parallel=2)
EOF2

# expect_max FLAGS MIN MAX
expect_max() {
	_flags=$1
	rm -f conc.log
	run_make -f t.mk $_flags
	expect_rc 0
	expect_grep '^6 passed, 0 failed, 0 skipped$' "$OUT"
	_m=$(max_running)
	[ "$_m" -ge "$2" ] && [ "$_m" -le "$3" ] ||
		fail "make $_flags ran $_m tests at once, expected $2 to $3"
}

expect_max "" 1 1
expect_max "-j1" 1 1
expect_max "-j" 2 3
expect_max "-j8 capped" 2 2
exit 0
