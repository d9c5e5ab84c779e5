#!/bin/sh
# SPDX-License-Identifier: MIT
# t0060-validate-roundtrip.sh - what `offload validate` prints is a config
# that loads back to the same settings: validating it again prints the
# same bytes, for values no line can hold (500 bytes without a blank),
# values with blanks at both ends, ' ; ', '#', '$', '${' and non-UTF-8.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

long=$(printf '%0500d' 0 | tr 0 x)
export T_LONG="$long"
export T_EDGES="  lead ; # \$HOME \${x} $(printf '\377\376') trail	"
export T_DOLLARS=$(printf '%0300d' 0 | tr 0 '$')
cat >offload.ini <<'EOF2' || die "cannot write offload.ini"
[framework]
type = custom
discover_command = printf '%s\n' ${T_LONG}
run_command = run ${T_DOLLARS} {tests}
[group.all]
filters = ${T_EDGES}
[provider.env]
LONG = ${T_LONG}/${T_EDGES}
EOF2

run_offload validate
expect_rc 0 "the config is valid"
cp "$OUT" first.ini
awk 'length($0) > 199 { bad = 1 } END { exit bad }' first.ini ||
	fail "validate printed a line over 199 bytes"
grep -q "$long" first.ini && fail "the 500-byte value was not split"

# Load what validate printed, from another directory, without the
# variables: every value must come back byte for byte.
mkdir other && mv first.ini other/ && cd other || die "cannot cd"
unset T_LONG T_EDGES T_DOLLARS
run_offload validate -c first.ini
expect_rc 0 "validate's output loads again"
cmp -s first.ini "$OUT" || fail "a second validate prints something else: $(diff first.ini "$OUT" | head -c 2000)"
