#!/bin/sh
# SPDX-License-Identifier: MIT
# t0095-shard-merge-check.sh - the new-user trial: the four jobs of
# `offload run --shard K/4` run one after another in one checkout, so
# each reads the history the one before it wrote and splits the suite
# its own way (tests ran twice, others never).  Each report records its
# shard and a digest of its split; `offload merge` of the four now
# fails (exit 1) naming the files, the splits and the tests that ran
# twice, and still writes the merged report, valid, with a failed case
# that says so.  Before, the merge exited 0 without a word.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
need_xmllint

# 20 tests, one with a name that is data (a space, a quote, a $).
i=1
while [ $i -le 19 ]; do
	write_test "tests/t$i" pass
	i=$((i + 1))
done
write_test "tests/t 20 'q' \$x" pass
write_exec_ini 'tests/*'

# The history says half the tests take 5 s; they take a few ms.  Each
# shard job records what its tests really took, and the next job,
# reading that, places the tests differently.
stamp=1764870000
{
	printf 'offload-history\t1\n'
	printf 'run\tall\t%s\n' "$stamp"
	for t in tests/*; do
		case $t in
		*[13579]) d=5.000 ;;
		*) d=0.010 ;;
		esac
		printf 'test\tall\t%s\t%s\tp%s:%s\n' "$t" "$stamp" "$stamp" "$d"
	done
} >history.tsv
mkdir -p test-results && cp history.tsv test-results/history.tsv

for k in 1 2 3 4; do
	run_offload run --shard "$k/4" --junit "shard-$k.xml"
	expect_rc 0 "shard $k/4"
	xsd_check "shard-$k.xml"
	expect_xpath "count(//testsuite/properties/property[@name='offload.shard' and @value='$k/4'])" 1 "shard-$k.xml"
	v=$(xpath "string(//property[@name='offload.shard_split']/@value)" "shard-$k.xml")
	case $v in
	????????????????) [ -z "$(printf '%s' "$v" | tr -d 0-9a-f)" ] ||
		fail "shard $k's split digest '$v' is not hex" ;;
	*) fail "shard $k's split digest '$v' is not 16 hex digits" ;;
	esac
done

# The trial's symptom, seen in the reports themselves: not every test
# ran exactly once.
for k in 1 2 3 4; do
	xpath '//testcase/@name' "shard-$k.xml" | sed 's/^ *name="//; s/"$//'
	echo
done | sed '/^$/d' | sort >ran.txt
[ "$(sort -u ran.txt | wc -l)" = 20 ] && [ "$(wc -l <ran.txt)" = 20 ] &&
	skip "the shards happened to split alike: the trial did not reproduce"
[ "$(sort -u ran.txt | wc -l)" -lt 20 ] || [ "$(sort ran.txt | uniq -d | wc -l)" -gt 0 ] ||
	die "unexpected: $(cat ran.txt)"

echo stale >merged.xml
run_offload merge -o merged.xml shard-1.xml shard-2.xml shard-3.xml shard-4.xml
expect_rc 1 "merge of shards that split differently"
expect_grep "^offload: merge: the shard reports do not fit together (written to 'merged.xml'" "$ERR"
expect_grep "^offload:   the shard reports are of different splits" "$ERR"
for k in 1 2 3 4; do
	expect_grep "shard $k in 'shard-$k.xml'" "$ERR"
done
twice=$(sort ran.txt | uniq -d | wc -l)
if [ "$twice" -gt 0 ]; then
	expect_grep "^offload:   $twice tests\{0,1\} ran in more than one shard:" "$ERR"
	t=$(sort ran.txt | uniq -d | head -n 1)
	expect_grep "^offload:     '$t' in suite 'all': shard [1-4]/4 in 'shard-[1-4].xml' and shard [1-4]/4 in 'shard-[1-4].xml'" "$ERR"
fi
# Written anyway, and it fails for whoever reads it.
xsd_check merged.xml
expect_xpath 'count(//testsuite[@name="offload merge"]/testcase[@name="shards"]/failure)' 1 merged.xml
expect_xpath 'string(/testsuites/@failures)' 1 merged.xml
expect_xpath 'string(/testsuites/@tests)' "$(( $(wc -l <ran.txt) + 1 ))" merged.xml
xpath 'string(//testsuite[@name="offload merge"]//failure)' merged.xml >why.txt
expect_grep 'different splits' why.txt

# offload logs and offload report read the merged report as any other.
run_offload logs --failures --file merged.xml
expect_grep '=== shards \[failed\] ===' "$OUT"
expect_grep 'different splits' "$OUT"
