#!/bin/sh
# SPDX-License-Identifier: MIT
# t0041-cli-details.sh - details of the command line that docs/cli.md
# promises: a failure message that quotes an ID with control bytes shows
# them as \xNN in the summary (no raw escape sequence reaches the
# terminal); every command but merge takes --config and --help; a stray
# argument is a usage error (exit 3), not silently ignored; init names an
# unknown framework.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

esc=$(printf '\033')
mkdir -p tests
# An executable whose interpreter is missing: the spawn error quotes the
# path, and so the ID, in the attempt's message.
f=$(printf 'tests/a\033[2Kb')
printf '#!/nonexistent/interpreter\n' >"$f" || die "cannot write '$f'"
chmod +x "$f" || die "cannot chmod '$f'"
write_exec_ini 'tests/*'

run_offload run -v
expect_rc 1 "a test that cannot start fails"
expect_grep 'cannot run' "$OUT" "the summary gives the reason"
expect_no_grep "$esc" "$OUT" "a raw ESC byte in the summary"
expect_grep 'a\\x1b\[2Kb' "$OUT" "the ID shown with \\xNN"

run_offload logs
expect_rc 0
expect_no_grep "$esc" "$OUT" "a raw ESC byte in a logs banner"

for cmd in run collect validate init logs; do
	run_offload "$cmd" --help
	expect_rc 0 "$cmd --help"
	expect_grep "^usage: offload $cmd" "$OUT"
done

cp offload.ini other.ini
run_offload validate --config other.ini
expect_rc 0 "validate --config"
run_offload collect --config other.ini
expect_rc 0 "collect --config"

for cmd in collect validate logs; do
	run_offload "$cmd" stray
	expect_rc 3 "$cmd with a stray argument"
	expect_grep "stray" "$ERR" "the error names the argument"
done
run_offload init -c new.ini stray
expect_rc 3 "init with a stray argument"
[ ! -e new.ini ] || fail "init with a stray argument wrote new.ini"

run_offload init -c new.ini --framework bogus
expect_rc 3 "init --framework bogus"
expect_grep "unknown framework 'bogus'" "$ERR"
[ ! -e new.ini ] || fail "init --framework bogus left new.ini behind"

# A report that cannot be written: exit 4, the error names the file, and
# the results are still on stdout.
write_test tests2/ok pass
write_exec_ini 'tests2/*'
: >afile
printf '[report]\njunit_file = %s/afile/junit.xml\n' "$TEST_DIR" >>offload.ini
run_offload run
expect_rc 4 "unwritable report"
expect_grep "cannot write junit '$TEST_DIR/afile/junit.xml" "$ERR"
expect_summary 1 0 0
