#!/bin/sh
# SPDX-License-Identifier: MIT
# t0065-signal-in-report.sh - a signal is never lost, whenever it comes:
# Ctrl-C while the report is being written (an LD_PRELOAD shim raises
# SIGINT inside the rename() that publishes it) ends with 130 and a
# report that has every result and is marked interrupted; Ctrl-C during
# discovery replaces the previous run's report by one marked interrupted,
# with no test, and says so.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
need_xmllint

SHIM=$OFFLOAD_BUILD_DIR/tests/helpers/signal-on-rename.so
[ -f "$SHIM" ] || die "no '$SHIM'"

write_exec_suite tests 3 pass
write_exec_ini 'tests/*'
rc=0
SIGNAL_ON_RENAME=junit.xml LD_PRELOAD=$SHIM \
	ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
	timeout -k 5 60 "$OFFLOAD" run >"$OUT" 2>"$ERR" || rc=$?
expect_rc 130 "SIGINT while the report was written"
expect_grep 'Interrupted by signal 2' "$OUT"
xsd_check "$JUNIT"
expect_xpath 'string(/testsuites/@tests)' 3
expect_xpath 'count(//testcase[not(*)])' 3
expect_xpath 'count(//property[@name="offload.interrupted"][@value="SIGINT"])' 1

# Interrupted during discovery: the old report does not stay.
cat >offload.ini <<'EOF2'
[framework]
type = custom
discover_command = kill -INT $$(awk '{ print $$4 }' /proc/$$PPID/stat); exit 0
run_command = true {tests}

[group.all]
EOF2
run_offload run
expect_rc 130
expect_grep 'interrupted by signal 2 during discovery: no test ran; report: ' "$ERR"
xsd_check "$JUNIT"
expect_xpath 'string(/testsuites/@tests)' 0
expect_xpath 'count(//property[@name="offload.interrupted"][@value="SIGINT"])' 1
exit 0
