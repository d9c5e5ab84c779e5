#!/bin/sh
# SPDX-License-Identifier: MIT
# t0096-shard-merge-consistent.sh - CI shards done right: each of the
# four jobs starts from its own copy of the same history, so all four
# split alike (one digest), every test runs once, and `offload merge`
# of their reports exits 0 with no extra case, whatever the order of
# the files, plain reports beside them included.  Then what a CI can
# still get wrong, each an exit 1 naming it: a job's report left out
# (1/4, 2/4, 4/4), one given twice, and a job re-run later from the
# history the others wrote (its split differs).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
need_xmllint

i=1
while [ $i -le 12 ]; do
	write_test "tests/t$i" pass
	i=$((i + 1))
done
write_test "tests/t 13 'q' \$x" pass
write_exec_ini 'tests/*'
cat >>offload.ini <<'EOF2'

[history]
path = ${HIST:-test-results/history.tsv}
EOF2

# The history of an earlier run of the whole suite, as CI restores it.
stamp=1764870000
{
	printf 'offload-history\t1\n'
	printf 'run\tall\t%s\n' "$stamp"
	n=0
	for t in tests/*; do
		n=$((n + 1))
		printf 'test\tall\t%s\t%s\tp%s:%s.000\n' "$t" "$stamp" "$stamp" "$n"
	done
} >restored.tsv

for k in 1 2 3 4; do
	cp restored.tsv "h$k.tsv"
	HIST=h$k.tsv run_offload run --shard "$k/4" --junit "shard-$k.xml"
	expect_rc 0 "shard $k/4"
done
split=$(xpath "string(//property[@name='offload.shard_split']/@value)" shard-1.xml)
for k in 2 3 4; do
	expect_xpath "string(//property[@name='offload.shard_split']/@value)" "$split" "shard-$k.xml"
done

run_offload merge -o merged.xml shard-3.xml shard-1.xml shard-4.xml shard-2.xml
expect_rc 0 "merge of one split's shards"
[ ! -s "$ERR" ] || fail "a clean merge said something: $(cat "$ERR")"
xsd_check merged.xml
expect_xpath 'count(//testcase)' 13 merged.xml
expect_xpath 'count(//testsuite[@name="offload merge"])' 0 merged.xml
for t in tests/*; do
	expect_xpath "count(//testcase[@name=\"$t\"])" 1 merged.xml
done

# A plain run's report beside the shards: not checked, merged as ever.
run_offload run --junit plain.xml
expect_rc 0
run_offload merge -o with-plain.xml shard-1.xml shard-2.xml plain.xml shard-3.xml shard-4.xml
expect_rc 0 "shards and a plain report"
expect_xpath 'count(//testcase)' 26 with-plain.xml

# A job's report left out.
run_offload merge -o missing.xml shard-1.xml shard-2.xml shard-4.xml
expect_rc 1 "shard 3/4 missing"
expect_grep "^offload:   no input holds shard 3/4 (its tests are not in the merged report)$" "$ERR"
xsd_check missing.xml
expect_xpath 'count(//testsuite[@name="offload merge"]/testcase/failure)' 1 missing.xml

# One given twice (a glob that matched a copy).
cp shard-2.xml shard-2-copy.xml
run_offload merge -o twice.xml shard-1.xml shard-2.xml shard-3.xml shard-4.xml shard-2-copy.xml
expect_rc 1 "shard 2/4 twice"
expect_grep "^offload:   shard 2/4 is in more than one input (its tests are counted twice): 'shard-2.xml', 'shard-2-copy.xml'$" "$ERR"
expect_no_grep 'more than one shard' "$ERR"

# Job 3 re-run later, from the history job 1 wrote (its tests now take
# a few ms, not seconds): another split.
cp h1.tsv h3.tsv
HIST=h3.tsv run_offload run --shard 3/4 --junit shard-3.xml
expect_rc 0
[ "$(xpath "string(//property[@name='offload.shard_split']/@value)" shard-3.xml)" != "$split" ] ||
	fail "job 3 re-run from another history kept the split digest"
run_offload merge -o rerun.xml shard-1.xml shard-2.xml shard-3.xml shard-4.xml
expect_rc 1 "a job re-run from another history"
expect_grep "^offload:   the shard reports are of different splits" "$ERR"
expect_grep "^offload:     split $split of 4 shards: shard 1 in 'shard-1.xml', shard 2 in 'shard-2.xml', shard 4 in 'shard-4.xml'$" "$ERR"

# The help says what is checked.
run_offload merge --help
expect_rc 0
expect_grep "offload run --shard K/N' are checked" "$OUT"

# More shards than tests: a job whose shard got none of them still
# passes, and its report (no test case) says which shard it was, so
# the merge of all the jobs is complete.  With no test discovered at
# all, every job fails as any run does.
mkdir few && cd few
write_test "tests/a" pass
write_test "tests/b" pass
write_exec_ini 'tests/*'
for k in 1 2 3; do
	rm -rf test-results	# no history: all split alike
	run_offload run --shard $k/3 --junit "few-$k.xml"
	expect_rc 0 "shard $k/3 of 2 tests"
done
expect_grep '^offload: shard 3/3: 0 of 2 tests' "$ERR"
[ "$(xpath "count(//testcase)" few-3.xml)" = 0 ] ||
	fail "the empty shard's report has test cases"
[ "$(xpath "string(//property[@name='offload.shard']/@value)" few-3.xml)" = 3/3 ] ||
	fail "the empty shard's report does not say which shard it was"
run_offload merge -o few.xml few-1.xml few-2.xml few-3.xml
expect_rc 0 "merging 3 shards of 2 tests"
[ "$(xpath "count(//testcase)" few.xml)" = 2 ] || fail "the merged report lost a test"
rm -rf tests && mkdir tests
run_offload run --shard 1/3 --junit none.xml
expect_rc 1 "a shard of nothing discovered"
expect_grep 'no tests discovered' "$ERR"
