#!/bin/sh
# SPDX-License-Identifier: MIT
# t0061-discovery-flood.sh - discovery output is bounded: 100 MB of lines
# from a discovery command that then exits, or 'yes' until the timeout,
# is a discovery error (exit 1) naming the group and the command, and
# offload's memory stays near the 64 MiB limit (it was 266 MB for 'yes').
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# disc_ini COMMAND TIMEOUT
disc_ini() {
	cat >offload.ini <<EOF2 || die "cannot write offload.ini"
[offload]
test_timeout_secs = $2
[framework]
type = custom
discover_command = $1
run_command = true
[group.flood]
EOF2
}

# run_measured ARG...: run_offload, also setting $rss to the max RSS in
# KB when GNU time is there (else to nothing).
run_measured() {
	rss=
	if [ -x /usr/bin/time ]; then
		rc=0
		timeout -k 5 60 /usr/bin/time -f '%M' -o rss.txt "$OFFLOAD" "$@" \
			>"$OUT" 2>"$ERR" || rc=$?
		rss=$(tail -n 1 rss.txt)
	else
		run_offload "$@"
	fi
}

# 150 MB; AddressSanitizer's shadow memory and redzones double that.
limit=150000
grep -q __asan_init "$OFFLOAD" 2>/dev/null && limit=300000
expect_small() {
	[ -z "$rss" ] || [ "$rss" -lt "$limit" ] ||
		fail "offload took $rss KB for $1 (the limit is 64 MiB of output)"
}

# 100 MB of 1000-byte lines, then a clean exit.
disc_ini 'yes "$$(printf %01000d 0)" | head -c 100000000' 60
run_measured collect
expect_rc 1 "too much discovery output is a discovery error"
expect_grep "group 'flood': discover_command printed more than 64 MiB, the limit for discovery output" "$ERR"
expect_small "100 MB of discovery output"

# 'yes' forever: stopped by the timeout, memory still bounded.
disc_ini 'yes' 3
run_measured collect
expect_rc 1 "an endless discovery is a discovery error"
expect_grep "group 'flood': discover_command " "$ERR"
expect_small "an endless 'yes'"
