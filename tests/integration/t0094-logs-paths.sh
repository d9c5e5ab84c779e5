#!/bin/sh
# SPDX-License-Identifier: MIT
# t0094-logs-paths.sh - `offload logs` names the batch logs where the run
# wrote them, and they hold the test's output: output_dir/logs for a
# default run, FILE.logs/ for `run --junit FILE.xml` (read with --file),
# still after the report was moved together with its logs; when the logs
# are gone it says which path is missing and exits 1, the report's text
# still shown.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/ok echo marker-ok
write_test 'tests/bo om' echo marker-boom fail
PARALLEL=2 write_exec_ini 'tests/*'

# log_of ID: the stdout log the first attempt line of ID names (from a
# `offload logs` output in $OUT), "PATH/batch-N.stdout".
log_of() {
	awk -v b="=== $1 [" '
		index($0, "===") == 1 { in_id = index($0, b) == 1 }
		in_id && /^  attempt 1: .*, batch [0-9]* \(.*\.\*\)$/ {
			sub(/^[^(]*\(/, ""); sub(/\.\*\)$/, ""); print $0 ".stdout"; exit
		}' "$OUT"
}

# expect_log ID MARKER WANT_DIR: the log named for ID is in WANT_DIR and
# holds MARKER.
expect_log() {
	_l=$(log_of "$1")
	[ -n "$_l" ] || fail "no attempt line with a batch for '$1'"
	case $_l in
	"$3"/batch-*.stdout) ;;
	*) fail "'$1': log '$_l' is not in '$3'" ;;
	esac
	[ -f "$_l" ] || fail "'$1': the log named, '$_l', does not exist"
	grep -q "$2" "$_l" || fail "'$1': '$_l' does not hold '$2'"
}

run_offload run
expect_rc 1
run_offload logs
expect_rc 0
[ -s "$ERR" ] && fail "logs printed on stderr: $(cat "$ERR")"
expect_log 'tests/bo om' marker-boom "$TEST_DIR/test-results/logs"
expect_log tests/ok marker-ok "$TEST_DIR/test-results/logs"

# --junit FILE.xml: the logs are in FILE.logs/, relative names stay so
run_offload run --junit 'out dir/r.xml'
expect_rc 1
[ -d 'out dir/r.logs' ] || fail "run --junit wrote no 'out dir/r.logs'"
run_offload logs --file 'out dir/r.xml'
expect_rc 0
expect_log 'tests/bo om' marker-boom 'out dir/r.logs'
expect_log tests/ok marker-ok 'out dir/r.logs'

# moved together with its logs
mv 'out dir' moved || die "cannot move 'out dir'"
run_offload logs --file moved/r.xml --failures
expect_rc 0
expect_log 'tests/bo om' marker-boom moved/r.logs
(cd moved && "$OFFLOAD" logs --file r.xml --test 'tests/bo om' >"$OUT" 2>"$ERR") ||
	fail "logs from inside the moved directory failed: $(cat "$ERR")"
l=$(log_of 'tests/bo om')
case $l in
r.logs/batch-*.stdout) grep -q marker-boom "moved/$l" ||
	fail "from inside: '$l' does not hold the output" ;;
*) fail "from inside the moved directory: log '$l', expected r.logs/batch-N" ;;
esac

# gone: said with the path, exit 1, the text still shown
rm -r moved/r.logs
run_offload logs --file moved/r.xml
expect_rc 1 "the logs are gone"
expect_grep "batch logs 'moved/r.logs' of report 'moved/r.xml': No such file or directory" "$ERR"
[ "$(grep -c 'moved/r.logs' "$ERR")" = 1 ] || fail "the missing directory said more than once"
expect_grep '^=== tests/bo om \[failed\]' "$OUT"
expect_grep 'marker-boom' "$OUT"

rm -r test-results/logs
run_offload logs --failures
expect_rc 1 "the default run's logs are gone"
expect_grep "batch logs '$TEST_DIR/test-results/logs' of report" "$ERR"
exit 0
