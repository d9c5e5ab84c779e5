#!/bin/sh
# SPDX-License-Identifier: MIT
# t1002-make-args.sh - argument edge cases stop make the make way
# ("FILE:LINE: *** offload: ...  Stop.", exit 2) and say what is wrong:
# an empty argument, a missing configuration, a bad option, a bad encoded
# ID; a message quoting '$' and parentheses is printed as it is.  What
# only the run can know (an unknown group) fails the recipe (exit 3 of
# `offload run`) with the message.  The
# no-argument spelling $(offload-discover) is a variable reference and
# expands to nothing (the documented trap).  A group argument selects
# that group, and discovery runs once per make process for the same
# arguments.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

# A custom framework whose discovery logs each call.
printf 'alpha\nbeta\n' >ids.txt
cat >discover.sh <<'EOF2'
#!/bin/sh
echo called >>"${0%/*}/discover.log"
cat "${0%/*}/ids.txt"
EOF2
chmod +x discover.sh
cat >offload.ini <<EOF2
[framework]
type = custom
discover_command = $TEST_DIR/discover.sh
run_command = true {tests}

[group.one]
filters = x

[group.two]
EOF2

# mk TEXT: a makefile that loads the module, then TEXT.
mk() {
	printf 'load %s\n%s\nnothing: ; @:\n' "$GMK" "$1" >t.mk
}

# expect_stop LINE MESSAGE: make stopped at t.mk:LINE with MESSAGE.
expect_stop() {
	expect_rc 2
	grep -qxF "t.mk:$1: *** offload: $2.  Stop." "$ERR" ||
		fail "expected 't.mk:$1: *** offload: $2.  Stop.', got: $(cat "$ERR")"
}

mk 'X := $(offload-discover )'
run_make -f t.mk
expect_stop 2 'offload-discover: missing configuration file (usage: $(offload-discover CONFIG[,GROUP]))'

mk 'X := $(offload-discover)
$(info X=[$(X)])'
run_make -f t.mk
expect_rc 0
expect_grep '^X=\[\]$' "$OUT" "the no-argument trap"

mk 'X := $(offload-discover no$$(such).ini)'
run_make -f t.mk
expect_stop 2 "cannot read config 'no\$(such).ini': No such file or directory"

mk 'all:
	$(offload-run , ,)'
run_make -f t.mk
expect_stop 3 'offload-run: missing configuration file (usage: $(offload-run CONFIG[,IDS[,OPTIONS]]))'

mk 'all:
	$(offload-run offload.ini,,parallel=0)'
run_make -f t.mk
expect_stop 3 "offload-run: bad option 'parallel=0' (expected junit=PATH, group=NAME, flaky=pass|fail or parallel=N)"

mk 'all:
	$(offload-run offload.ini,alpha be@7)'
run_make -f t.mk
expect_stop 3 "offload-run: bad encoded test ID 'be@7' (an '@' must be followed by two hex digits)"

mk 'all:
	$(offload-run offload.ini,,group=nope)'
run_make -f t.mk
expect_rc 2
expect_grep "^offload: .*'nope'" "$ERR" "an unknown group is named"
expect_grep "t.mk:3: all\] Error 3" "$ERR" "a configuration error is exit 3"

# A group; the same arguments twice discover once.
rm -f discover.log
mk 'A := $(offload-discover offload.ini, two )
$(info A=$(A))'
run_make -f t.mk
expect_rc 0
expect_grep '^A=alpha beta$' "$OUT"
once=$(wc -l <discover.log)
rm -f discover.log
mk 'A := $(offload-discover offload.ini, two )
B := $(offload-discover offload.ini,two)
$(info B=$(B))'
run_make -f t.mk
expect_rc 0
expect_grep '^B=alpha beta$' "$OUT"
[ "$(wc -l <discover.log)" = "$once" ] ||
	fail "discovery ran again for the same arguments"
exit 0
