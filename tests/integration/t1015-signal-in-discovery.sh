#!/bin/sh
# SPDX-License-Identifier: MIT
# t1015-signal-in-discovery.sh - a signal that arrives while discovery
# fails still ends the program like the signal: `offload run` exits 128+N
# and says no test ran (not "discovery failed", not 0); make, discovering
# at parse time through the module, dies by the signal (no "*** offload:"
# error in its place).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# The discovery command signals offload (the parent of the keeper that
# started it; in make, make), then fails at once.
cat >offload.ini <<'EOF2'
[framework]
type = custom
discover_command = kill -TERM $$(awk '{ print $$4 }' /proc/$$PPID/stat); exit 1
run_command = true {tests}

[group.all]
EOF2

run_offload run
expect_rc 143 "killed by SIGTERM while discovery failed"
expect_grep 'interrupted by signal 15 during discovery' "$ERR"
expect_no_grep 'discovery failed\|exit status 1' "$ERR"

command -v "${MAKE_UNDER_TEST:-make}" >/dev/null 2>&1 || exit 0
use_make_module
cat >t.mk <<EOF2
load $GMK
IDS := \$(offload-discover offload.ini)
all: ; @echo "IDS=\$(IDS)"
EOF2
run_make -f t.mk
expect_rc 143 "make died by SIGTERM"
expect_no_grep '\*\*\* offload:' "$ERR"
expect_no_grep '^IDS=' "$OUT"
exit 0
