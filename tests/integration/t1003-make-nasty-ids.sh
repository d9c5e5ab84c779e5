#!/bin/sh
# SPDX-License-Identifier: MIT
# t1003-make-nasty-ids.sh - test IDs with spaces, $ : % # = , quotes, a
# newline, '@', glob characters and non-UTF-8 bytes survive the round
# trip: $(offload-discover) encodes them into make words, the words are
# used as target names of a static pattern rule, $* goes back into
# $(offload-run), and each test runs exactly once from its own target;
# passing the whole list back runs each exactly once more.  A failing ID
# with a newline is printed escaped in the summary, never as two lines.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

mkdir tests
# nasty NAME EXIT: tests/NAME counts its runs in tests/NAME.ran (not
# executable, so not a test) and exits EXIT.
nasty() {
	printf '#!/bin/sh\nprintf x >>"$0.ran"\nexit %s\n' "$2" >"tests/$1" ||
		die "cannot write test '$1'"
	chmod +x "tests/$1"
}
nl='
'
for n in 'sp ace' 'dol$lar' 'co:lon' 'per%cent' 'ha#sh' 'eq=ual' \
	'com,ma' "quo'te" 'dq"uote' "new${nl}line" "$(printf '\377bin')" \
	'at@sign' 'star*q?[b]' 'back\slash' '~tilde;semi' 'paren(s)' 'plain'; do
	nasty "$n" 0
done
nasty "fail${nl}me" 1
write_exec_ini 'tests/*'

cat >t.mk <<EOF2
load $GMK
IDS := \$(offload-discover offload.ini)
GOOD := \$(filter-out tests/fail%,\$(IDS))
RUNS := \$(addprefix run/,\$(GOOD))
\$(info N=\$(words \$(IDS)))
each: \$(RUNS)
\$(RUNS): run/%:
	\$(offload-run offload.ini,\$*,junit=out/one.xml)
	@mkdir -p \$(@D) && touch \$@
all-at-once:
	\$(offload-run offload.ini,\$(GOOD),junit=out/all.xml)
fail-one:
	\$(offload-run offload.ini,\$(filter tests/fail%,\$(IDS)),junit=out/fail.xml)
EOF2

run_make -f t.mk each
expect_rc 0
expect_grep '^N=18$' "$OUT"
[ "$(grep -c '^1 passed, 0 failed, 0 skipped$' "$OUT")" = 17 ] ||
	fail "not 17 runs of one test each"
[ "$(find run -type f | wc -l)" = 17 ] ||
	fail "not 17 stamp targets"
for f in tests/*.ran; do
	[ "$(cat "$f")" = x ] || fail "'$f' ran '$(cat "$f")' times, expected once"
done
set -- tests/*.ran
[ $# = 17 ] || fail "$# tests ran, expected 17"

run_make -f t.mk all-at-once
expect_rc 0
expect_grep '^  Total:    17$' "$OUT"
expect_summary 17 0 0
for f in tests/*.ran; do
	[ "$(cat "$f")" = xx ] || fail "'$f' ran '$(cat "$f")' times, expected twice"
done

run_make -f t.mk fail-one
expect_rc 2
expect_grep '^  tests/fail\\x0ame (exit status 1)$' "$OUT"
expect_no_grep '^me' "$OUT" "a newline in an ID forged a line"
expect_summary 0 1 0
exit 0
