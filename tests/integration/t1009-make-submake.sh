#!/bin/sh
# SPDX-License-Identifier: MIT
# t1009-make-submake.sh - the recommended pattern: the top-level make runs
# $(offload-run) in a sub-make (+$(MAKE) -f ... offload-check), so it keeps
# scheduling other recipes.  Under -j3 with two 1 s recipes beside it,
# never more than 3 tests and recipes run at once, the sub-make picks up
# tokens the others return (more than one test at once), and every status
# is right; make -n through the sub-make runs no test.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

write_conc_suite 0.5
PARALLEL=10 write_exec_ini 'tests/*'
cat >top.mk <<'EOF2'
all: a b check-distributed
a b:
	@./rec.sh +1; sleep 1; ./rec.sh -1
check-distributed:
	+$(MAKE) -f offload.mk offload-check
EOF2
cat >offload.mk <<EOF2
load $GMK
offload-check:
	\$(offload-run offload.ini)
EOF2

run_make -j3 -f top.mk
expect_rc 0
expect_grep '^6 passed, 0 failed, 0 skipped$' "$OUT"
expect_no_grep 'No child processes' "$ERR"
expect_no_grep 'jobserver unavailable' "$ERR"
[ "$(grep -c ' +1$' conc.log)" = 8 ] || fail "not 6 tests and 2 recipes recorded"
m=$(max_running)
[ "$m" -le 3 ] || fail "$m jobs ran at once under -j3: $(sort -n conc.log)"
[ "$m" -ge 2 ] || fail "the sub-make never ran two tests at once"

rm -f conc.log
run_make -n -j3 -f top.mk check-distributed
expect_rc 0
expect_grep "would run all tests of offload.ini" "$OUT"
[ -e conc.log ] && fail "make -n ran a test through the sub-make"
exit 0
