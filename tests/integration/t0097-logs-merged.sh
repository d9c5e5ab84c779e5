#!/bin/sh
# SPDX-License-Identifier: MIT
# t0097-logs-merged.sh - `offload logs` on a report merged from two CI
# shards: each shard numbers its batches from 1, so a batch number alone
# is ambiguous; each merged suite still leads to its own shard's logs
# (offload.logs, rewritten against the merged report), and the log named
# for every test holds that test's output.  The shards' directories have
# a space and a '%' in their names.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

for t in a b c d; do
	write_test "tests/$t" echo "marker-$t"
done
PARALLEL=1 write_exec_ini 'tests/*'

# Each shard as a CI job leaves it: its test-results, downloaded apart.
for k in 1 2; do
	run_offload run --shard "$k/2"
	expect_rc 0 "shard $k"
	[ -f test-results/logs/batch-1.stdout ] || fail "shard $k wrote no batch-1"
	mv test-results "shard $k%" || die "cannot move shard $k's results"
done
run_offload merge -o merged/junit.xml 'shard 1%/junit.xml' 'shard 2%/junit.xml'
expect_rc 0
xsd_check merged/junit.xml

run_offload logs --file merged/junit.xml
expect_rc 0
[ -s "$ERR" ] && fail "logs printed on stderr: $(cat "$ERR")"
[ "$(grep -c '^=== tests/' "$OUT")" = 4 ] || fail "not 4 tests in the merged report"
cp "$OUT" all.out
in1=0
for t in a b c d; do
	l=$(awk -v b="=== tests/$t [" '
		index($0, "===") == 1 { in_id = index($0, b) == 1 }
		in_id && /^  attempt 1: .*, batch [0-9]* \(.*\.\*\)$/ {
			sub(/^[^(]*\(/, ""); sub(/\.\*\)$/, ""); print $0 ".stdout"; exit
		}' all.out)
	[ -n "$l" ] || fail "no attempt line with a batch for tests/$t"
	[ -f "$l" ] || fail "tests/$t: the log named, '$l', does not exist"
	grep -q "marker-$t\$" "$l" || fail "tests/$t: '$l' is another test's log: $(cat "$l")"
	case $l in
	"merged/../shard 1%/logs/"*) in1=$((in1 + 1)) ;;
	"merged/../shard 2%/logs/"*) ;;
	*) fail "tests/$t: log '$l' is in neither shard's logs" ;;
	esac
done
[ "$in1" -ge 1 ] && [ "$in1" -le 3 ] || fail "$in1 of 4 tests in shard 1's logs"

# moved together with the shards' directories: still found
mkdir ci && mv merged 'shard 1%' 'shard 2%' ci/ || die "cannot move"
run_offload logs --file ci/merged/junit.xml --test tests/a
expect_rc 0
[ -s "$ERR" ] && fail "logs printed on stderr after the move: $(cat "$ERR")"
exit 0
