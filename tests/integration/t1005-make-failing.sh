#!/bin/sh
# SPDX-License-Identifier: MIT
# t1005-make-failing.sh - a failing run fails its recipe (make exits 2,
# -k goes on with other targets), never leaves its stamp target up to
# date (the next make runs the tests again), and its JUnit report -- a
# side artifact in a directory the module creates -- survives
# .DELETE_ON_ERROR.  Flaky-but-passed succeeds by default and fails with
# flaky=fail.  Many failing and unknown tests with long IDs still give a
# summary: the recipe line stays below the kernel's 128 KiB argument cap.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

write_exec_suite tests 2 pass
write_test tests/t3 pass
write_exec_ini 'tests/*'
echo v1 >src.txt
cat >t.mk <<EOF2
load $GMK
.DELETE_ON_ERROR:
stamp: src.txt
	\$(offload-run offload.ini,,junit=deep/dir/report.xml)
	touch \$@
other:
	@echo other ran
EOF2
report=deep/dir/report.xml

run_make -f t.mk
expect_rc 0
[ -f stamp ] || fail "no stamp after a passing run"
xsd_check "$report"

# t3 starts failing, and the source changes.
write_test tests/t3 fail
touch -d '2000-01-01 00:00' stamp
echo v2 >src.txt
run_make -k -f t.mk stamp other
expect_rc 2
expect_grep '^other ran$' "$OUT" "-k went on"
expect_grep '^2 passed, 1 failed, 0 skipped$' "$OUT"
expect_grep '^  tests/t3 (exit status 1)$' "$OUT"
expect_grep 'stamp\] Error 1' "$ERR"
if [ -e stamp ]; then
	[ "$(date -r stamp +%Y)" = 2000 ] || fail "a failing run updated the stamp"
fi
xsd_check "$report"
expect_xpath 'count(//testcase[@name="tests/t3"]/failure)' 1 "$report"

# Not up to date: the next make runs the tests again.
run_make -f t.mk
expect_rc 2
expect_summary 2 1 0

# Flaky: failed once, then passed.
rm -f state
write_test tests/t3 flaky "$TEST_DIR/state"
RETRY=1 write_exec_ini 'tests/*'
cat >f.mk <<EOF2
load $GMK
pass:
	\$(offload-run offload.ini)
strict:
	\$(offload-run offload.ini,,flaky=fail)
EOF2
run_make -f f.mk pass
expect_rc 0
expect_grep '^  Flaky:    1$' "$OUT"
rm -f state
run_make -f f.mk strict
expect_rc 2
expect_grep '^  Flaky:    1$' "$OUT"

# 120 failing tests and 120 unknown ones, IDs of 900 bytes: the lists are
# cut ("... and N more"), the summary and the recipe's own failure remain.
long=$(printf '%0900d' 0)
i=100
while [ "$i" -lt 220 ]; do
	printf 'T%s%s\n' "$i" "$long"
	i=$((i + 1))
done >ids.txt
cat >long.ini <<EOF2
[framework]
type = custom
discover_command = cat $TEST_DIR/ids.txt
run_command = false {tests}

[group.all]
EOF2
cat >long.mk <<EOF2
load $GMK
IDS := \$(shell cat ids.txt)
long:
	\$(offload-run long.ini,\$(IDS) \$(patsubst T%,U%,\$(IDS)))
EOF2
run_make -f long.mk
expect_rc 2
expect_grep 'long\] Error 1$' "$ERR" "the recipe itself failed"
expect_no_grep 'Argument list too long' "$ERR"
expect_grep '^  \.\.\. and [0-9]* more' "$OUT"
expect_summary 0 120 0
exit 0
