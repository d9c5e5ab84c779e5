#!/bin/sh
# SPDX-License-Identifier: MIT
# t0099-bar-skipped.sh - the progress bar on a terminal counts skipped
# tests, with the words of the [ci] line ("failed: N, skipped: N"): run
# under script(1), whose pseudo-terminal makes stderr a tty.  The bar is
# redrawn at every verdict, so the last one drawn holds the final counts.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

command -v script >/dev/null 2>&1 || skip "script(1) is not installed"

write_test tests/pass pass
write_test tests/skip skip
write_test tests/fail fail
PARALLEL=1 write_exec_ini 'tests/*'

# script(1) runs the command with the pty as its stdin, stdout and stderr;
# stdout goes to a file so that only stderr (the bar) is on the terminal.
rc=0
CI= TERM=dumb timeout -k 5 60 script -q -e -c \
	"$(sq "$OFFLOAD") run >$(sq "$OUT")" typescript </dev/null >/dev/null 2>&1 ||
	rc=$?
expect_rc 1 "one test fails"
expect_summary 1 1 1
# the bar is drawn with \r; its last state before the summary cleared it
esc=$(printf '\033')
tr '\r' '\n' <typescript | sed "s/$esc\\[K//g" >bar.lines
expect_grep '^\[#*\.*\] *[0-9]*% [0-9]*/3 | passed: [0-9]* ([0-9]* flaky), failed: [0-9]*, skipped: [0-9]* | [0-9.]*s' bar.lines \
	"the bar's labels"
expect_grep '^\[#*\] 100% 3/3 | passed: 1 (0 flaky), failed: 1, skipped: 1 | ' bar.lines \
	"the final bar counts the skipped test"
