#!/bin/sh
# SPDX-License-Identifier: MIT
# t0018-concurrency.sh - -j 3 overrides max_parallel = 10: six tests that
# each record when they start and end never run more than 3 at once, and
# do run more than 1 at once.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

mkdir tests
i=1
while [ "$i" -le 6 ]; do
	cat >"tests/t$i" <<EOF2
#!/bin/sh
printf 'start %s\n' "\$(date +%s.%N)" >>$(sq "$TEST_DIR/times.log")
$(sq "$FAKE") sleep 0.7
printf 'end %s\n' "\$(date +%s.%N)" >>$(sq "$TEST_DIR/times.log")
EOF2
	chmod +x "tests/t$i"
	i=$((i + 1))
done
PARALLEL=10 write_exec_ini 'tests/*'

run_offload run -j 3
expect_rc 0
expect_count Passed 6
[ "$(grep -c '^start ' times.log)" = 6 ] || fail "not 6 starts in times.log"
[ "$(grep -c '^end ' times.log)" = 6 ] || fail "not 6 ends in times.log"

# Sweep the events in time order (an end before a start at a tie).
max=$(awk '{ print $2, ($1 == "start" ? 1 : 0) }' times.log | sort -n -k1,1 -k2,2 |
	awk '{ n += $2 ? 1 : -1; if (n > m) m = n } END { print m }')
[ "$max" -le 3 ] || fail "$max tests ran at once with -j 3"
[ "$max" -ge 2 ] || fail "the tests never ran in parallel with -j 3"
