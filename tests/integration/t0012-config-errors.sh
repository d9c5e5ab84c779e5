#!/bin/sh
# SPDX-License-Identifier: MIT
# t0012-config-errors.sh - configuration mistakes: an unknown key only
# warns (with its line and the nearest valid key) and the run goes on;
# bad values, a missing file and an over-long line stop with exit 3 (not
# 1: CI must tell a broken config from a failing test) and name the line;
# so does a reference to an unset environment variable.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

write_test tests/ok pass

# ini MAX_PARALLEL [EXTRA GROUP LINE]: the config; max_parallel on line 2,
# the extra line is line 10.
ini() {
	cat >offload.ini <<EOF2
[offload]
max_parallel = $1
test_timeout_secs = 60

[framework]
type = exec
paths = tests/*

[group.all]
${2:-}
EOF2
}

# A typo in a key: warning naming line 10 and 'retry_count', exit 0.
ini 2 'retry_cont = 1'
run_offload run
expect_rc 0 "an unknown key is a warning"
expect_grep "offload.ini' line 10" "$ERR" "the warning names the line"
expect_grep "did you mean 'retry_count'" "$ERR" "the warning suggests the key"
expect_count Passed 1

for bad in -3 many 0 '' 1.5; do
	ini "$bad"
	rm -rf test-results
	run_offload run
	expect_rc 3 "max_parallel = '$bad'"
	expect_grep "offload.ini' line 2" "$ERR" "max_parallel = '$bad'"
	[ ! -e test-results/junit.xml ] ||
		fail "max_parallel = '$bad' still ran the tests"
	run_offload validate
	expect_rc 3 "validate with max_parallel = '$bad'"
done

# A missing configuration file.
run_offload run -c nothere.ini
expect_rc 3 "missing config"
expect_grep "nothere.ini" "$ERR" "the error names the file"
mkdir empty
(cd empty && "$OFFLOAD" run >"$OUT" 2>"$ERR") && rc=0 || rc=$?
expect_rc 3 "no offload.ini in the current directory"

# An over-long line (300 bytes) is refused, naming its line (7), never cut
# into a bogus shorter value.
long=$(printf '%0280d' 0)
ini 2
sed -i "7s|.*|paths = tests/*$long|" offload.ini
[ "$(sed -n 7p offload.ini | wc -c)" -gt 290 ] || die "line 7 is not long"
run_offload run
expect_rc 3 "a 300-byte line"
expect_grep "offload.ini' line 7" "$ERR" "the error names the long line"

# ${VAR} of an unset variable is an error naming the line (13).
ini 2
printf '\n[provider.env]\nX = ${OFFLOAD_IT_SURELY_UNSET}\n' >>offload.ini
[ "$(sed -n 13p offload.ini)" = 'X = ${OFFLOAD_IT_SURELY_UNSET}' ] || die "line 13 of offload.ini"
unset OFFLOAD_IT_SURELY_UNSET
run_offload run
expect_rc 3 "an unset \${VAR}"
expect_grep "offload.ini' line 13" "$ERR" "the error names the line"
expect_grep "OFFLOAD_IT_SURELY_UNSET" "$ERR" "the error names the variable"

# An error keeps the warnings found before it, which are often its cause:
# a misspelt required key.
printf '[provider]\ntype = ssh\nhost = h1 h2\n[framework]\ntype = exec\npaths = t/*\n[group.all]\n' >typo.ini
run_offload validate -c typo.ini
expect_rc 3 "type = ssh without hosts"
expect_grep "^offload: config 'typo.ini' line 1: provider type 'ssh' needs 'hosts'; also line 3: unknown key 'host' in \[provider\] (did you mean 'hosts'?)$" "$ERR"

# A [provider] key that another type reads is ignored, with a warning
# naming its line.
printf '[provider]\ntype = ssh\nhosts = h1\npartition = test\n[framework]\ntype = exec\npaths = t/*\n[group.all]\n' >foreign.ini
run_offload validate -c foreign.ini
expect_rc 0 "a slurm key under type = ssh"
expect_grep "^offload: warning: config 'foreign.ini' line 4: key 'partition' is read only with type = slurm, and ignored with type = ssh$" "$ERR"
# ... and the effective settings validate prints leave it out, with the
# other keys type = ssh does not read.
expect_grep '^hosts = h1$' "$OUT"
expect_no_grep '^partition\|^cpus_per_sandbox\|^sandboxes_per_allocation\|^create_command' "$OUT"
