#!/bin/sh
# SPDX-License-Identifier: MIT
# t0066-discovery-flood-stopped.sh - a discovery command that floods
# stdout past the 64 MiB limit is stopped there, not left running until
# its timeout: the run fails with the limit's message (not "timed out",
# with a timeout of 10 minutes), and neither the command nor the child it
# started is left.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

cat >flood.sh <<'EOF2' || die "cannot write flood.sh"
#!/bin/sh
sleep 1000 &
echo "$!" >"$1/child.pid"
echo "$$" >"$1/flood.pid"
exec yes
EOF2
chmod +x flood.sh
cat >offload.ini <<EOF2 || die "cannot write offload.ini"
[offload]
test_timeout_secs = 600
[framework]
type = custom
discover_command = sh $(sq "$TEST_DIR/flood.sh") $(sq "$TEST_DIR")
run_command = true
[group.flood]
EOF2

RUN_TIMEOUT=120 run_offload collect
expect_rc 1 "too much discovery output is a discovery error"
expect_grep "group 'flood': discover_command printed more than 64 MiB, the limit for discovery output" "$ERR"
expect_no_grep "timed out" "$ERR"
[ -s flood.pid ] && [ -s child.pid ] || fail "the flood did not start"
for f in flood.pid child.pid; do
	pid=$(cat "$f")
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 40 ]; do
		sleep 0.05	# a killed process takes a moment to vanish
		i=$((i + 1))
	done
	! kill -0 "$pid" 2>/dev/null || fail "$f: process $pid left running"
done
no_procs_left
