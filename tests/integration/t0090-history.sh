#!/bin/sh
# SPDX-License-Identifier: MIT
# t0090-history.sh - the history file across runs: the first run writes
# it (test-results/history.tsv); the second runs the tests longest first
# by the durations the first recorded; a -g run adds to its group and
# keeps the other group's durations; --shard K/N over 3 shards, each
# job with its own copy of the same history, runs every test exactly once
# (the reports merged with offload merge), and the jobs' histories merge
# with offload history merge in any order to the same file.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
need_xmllint

# A test logs its name to order.log, then sleeps.
mk() {
	mkdir -p "$(dirname "$1")"
	printf '#!/bin/sh\necho %s >>%s\nsleep %s\n' "$1" "$(sq "$TEST_DIR/order.log")" \
		"$2" >"$1" || die "cannot write $1"
	chmod +x "$1"
}
mk a/t1 0
mk a/t2 0.6
mk a/t3 0.3
mk a/t4 0.9
mk b/u1 0.2
mk b/u2 0
cat >offload.ini <<'EOF2'
[offload]
max_parallel = 1
test_timeout_secs = 60

[framework]
type = exec
paths = a/* b/*

[group.a]
filters = a/*

[group.b]
filters = b/*

[history]
path = ${HIST:-test-results/history.tsv}
EOF2
HIST=test-results/history.tsv

run_offload run
expect_rc 0
expect_grep 'discovery order' "$ERR" "first run, no history"
[ -f "$HIST" ] || fail "the first run wrote no history file"
[ "$(head -n 1 "$HIST")" = "$(printf 'offload-history\t1')" ] ||
	fail "history header: $(head -n 1 "$HIST")"
[ "$(grep -c '^test	' "$HIST")" = 6 ] || fail "history has not 6 tests: $(cat "$HIST")"
grep -q '^run	a	' "$HIST" && grep -q '^run	b	' "$HIST" ||
	fail "history has not a run of each group: $(cat "$HIST")"
cp "$HIST" first.tsv

# Group a's tests, longest first by the first run's record (p samples:
# "test a ID SEEN pSTAMP:SECS").
awk -F '\t' '$1 == "test" && $2 == "a" { split($5, s, ":"); print s[2], $3 }' \
	first.tsv | sort -k1,1nr -k2 | awk '{ print $2 }' >want.txt
[ "$(wc -l <want.txt)" = 4 ] || fail "no 4 durations for group a: $(cat first.tsv)"

rm -f order.log
run_offload run
expect_rc 0
expect_grep 'longest tests first' "$ERR" "second run"
grep '^a/' order.log >got.txt
cmp -s want.txt got.txt ||
	fail "second run's order $(tr '\n' ' ' <got.txt), expected $(tr '\n' ' ' <want.txt)"

# -g a: group b's lines stay as they were; a's tests gain a sample.
grep '^test	b	' "$HIST" >b-before.txt
grep '^test	a	a/t2	' "$HIST" | tr ' ' '\n' | wc -l >a-before.txt
run_offload run -g a
expect_rc 0
expect_count Total 4
grep '^test	b	' "$HIST" >b-after.txt
cmp -s b-before.txt b-after.txt || fail "a -g a run changed group b's history"
[ "$(grep '^test	a	a/t2	' "$HIST" | tr ' ' '\n' | wc -l)" -gt "$(cat a-before.txt)" ] ||
	fail "a -g a run added no sample to a/t2: $(grep 'a/t2' "$HIST")"

# Three CI jobs, each with its own copy of the same history.
for k in 1 2 3; do
	cp "$HIST" "h$k.tsv"
	HIST=h$k.tsv run_offload run --shard "$k/3" --junit "shard$k.xml"
	expect_rc 0 "shard $k/3"
	expect_grep "shard $k/3: " "$ERR"
done
run_offload merge -o merged.xml shard1.xml shard2.xml shard3.xml
expect_rc 0
for t in a/t1 a/t2 a/t3 a/t4 b/u1 b/u2; do
	expect_xpath "count(//testcase[@name=\"$t\"])" 1 merged.xml
done
expect_xpath 'count(//testcase)' 6 merged.xml

# The jobs' histories merge, whatever the order, into one file.
run_offload history merge -o m1.tsv h1.tsv h2.tsv h3.tsv
expect_rc 0
run_offload history merge -o m2.tsv h3.tsv h1.tsv h2.tsv
expect_rc 0
cmp -s m1.tsv m2.tsv || fail "history merge depends on the order of its inputs"
[ "$(grep -c '^test	' m1.tsv)" = 6 ] || fail "merged history has not 6 tests"
# Every shard's samples are in it: each job added one per test it ran.
n=$(awk -F '\t' '$1 == "test" { n += split($5, s, " ") } END { print n }' m1.tsv)
n0=$(awk -F '\t' '$1 == "test" { n += split($5, s, " ") } END { print n }' "$HIST")
[ "$n" -ge "$((n0 + 6))" ] ||
	fail "merged history has $n samples, expected $n0 + 6"
# An input that is not a history: an error, and the output untouched.
printf 'junk\n' >junk.tsv
cp m1.tsv keep.tsv
run_offload history merge m1.tsv junk.tsv
expect_rc 3
expect_grep "junk.tsv' line 1" "$ERR"
cmp -s m1.tsv keep.tsv || fail "a failed merge changed its output"
