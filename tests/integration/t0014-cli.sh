#!/bin/sh
# SPDX-License-Identifier: MIT
# t0014-cli.sh - the command line: --version and --help, unknown commands
# and options (exit 3), `init` never overwrites a file, and the starter
# configuration `init` writes for each framework passes `validate`.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

run_offload --version
expect_rc 0
expect_grep '^offload [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*$' "$OUT"

run_offload --help
expect_rc 0
expect_grep '^usage: offload' "$OUT"
for c in run collect validate init logs; do
	expect_grep "^ *$c " "$OUT" "--help lists '$c'"
done
run_offload run --help
expect_rc 0
expect_grep 'fail-fast' "$OUT"

run_offload frobnicate
expect_rc 3 "unknown command"
expect_grep "frobnicate" "$ERR" "the error names the command"
run_offload
expect_rc 3 "no command"
run_offload run --no-such-option
expect_rc 3 "unknown option"
run_offload run extra-argument
expect_rc 3 "stray argument"

# init never overwrites: exit 3 and the file is untouched.
printf '# mine, keep it\n' >offload.ini
cp offload.ini before.ini
run_offload init
expect_rc 3 "init over an existing file"
cmp -s offload.ini before.ini || fail "init changed an existing offload.ini"
run_offload init --framework exec
expect_rc 3 "init --framework exec over an existing file"
cmp -s offload.ini before.ini || fail "init changed an existing offload.ini"

# init then validate, per framework, in fresh directories.
for fw in pytest exec custom; do
	mkdir "$fw"
	(cd "$fw" && "$OFFLOAD" init --framework "$fw") >"$OUT" 2>"$ERR" && rc=0 || rc=$?
	expect_rc 0 "init --framework $fw"
	[ -s "$fw/offload.ini" ] || fail "init --framework $fw wrote no offload.ini"
	(cd "$fw" && "$OFFLOAD" validate) >"$OUT" 2>"$ERR" && rc=0 || rc=$?
	expect_rc 0 "validate of the template init wrote for '$fw'"
	[ ! -s "$ERR" ] || fail "validate of the '$fw' template warns: $(cat "$ERR")"
	# validate prints the effective settings as a loadable file
	cp "$OUT" "$fw/dump.ini"
	(cd "$fw" && "$OFFLOAD" validate -c dump.ini) >/dev/null 2>"$ERR" && rc=0 || rc=$?
	expect_rc 0 "validate of validate's own output for '$fw'"
done

# -c names the file init writes; an unknown framework leaves no file.
run_offload init -c other.ini --framework custom
expect_rc 0
[ -s other.ini ] || fail "init -c other.ini wrote nothing"
run_offload init -c bogus.ini --framework bogus
expect_rc 3 "init --framework bogus"
[ ! -e bogus.ini ] || fail "init --framework bogus left bogus.ini behind"
