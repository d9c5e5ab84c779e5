#!/bin/sh
# SPDX-License-Identifier: MIT
# t1006-make-jobs.sh - make -j4 with two ordinary 1 s recipes running
# beside $(offload-run) of 6 tests (max_parallel 10): the number of tests
# and recipes running at once, each recording its start and end, never
# exceeds 4, and the jobserver is used (more than one test at once).
# make still reaps its own children: a recipe failing beside the run is
# reported with its own status, never "No child processes".
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

write_conc_suite 0.5
PARALLEL=10 write_exec_ini 'tests/*'
cat >t.mk <<EOF2
load $GMK
all: a b check
a b:
	@./rec.sh +1; sleep 1; ./rec.sh -1
c:
	@./rec.sh +1; sleep 0.5; ./rec.sh -1; exit 3
check:
	\$(offload-run offload.ini)
EOF2


run_make -j4 -f t.mk
expect_rc 0
expect_grep '^6 passed, 0 failed, 0 skipped$' "$OUT"
[ "$(grep -c ' +1$' conc.log)" = 8 ] || fail "not 6 tests and 2 recipes recorded"
m=$(max_running)
[ "$m" -le 4 ] || fail "$m jobs ran at once under -j4: $(sort -n conc.log)"
[ "$m" -ge 3 ] || fail "only $m jobs ran at once under -j4: no jobserver tokens used"

rm -f conc.log
run_make -k -j4 -f t.mk a b c check
expect_rc 2
expect_grep 'c\] Error 3' "$ERR" "make lost the status of its own child"
expect_no_grep 'No child processes' "$ERR"
expect_grep '^6 passed, 0 failed, 0 skipped$' "$OUT"
m=$(max_running)
[ "$m" -le 4 ] || fail "$m jobs ran at once under -j4 -k"
exit 0
