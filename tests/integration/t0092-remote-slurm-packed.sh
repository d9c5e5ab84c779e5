#!/bin/sh
# SPDX-License-Identifier: MIT
# t0092-remote-slurm-packed.sh - [provider] sandboxes_per_allocation = 4
# on the three-node test cluster (tests/cluster): 12 sandboxes share 3
# allocations (3 salloc, not 12) and run 61 tests, one with quotes,
# spaces and $(...) in its ID, on h1..h3, each allocation on one node,
# with no allocation and no sandbox directory left; a node killed
# mid-run: its batches run again on the other nodes, every test has one
# result; Ctrl-C mid-run leaves no allocation and nothing on the nodes.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
. "$OFFLOAD_SRC/tests/integration/cluster.sh"

JUNIT=$TEST_DIR/test-results/junit.xml
export SLURM_CONF="$CLUSTER/slurm/slurm.conf"
# this script's allocations carry TAG: other runs may share the cluster
TAG=t0092.$$
ours() {
	squeue -h -o '%k %i %T' "$@" | grep "^$TAG "
}
slurm_ini() {
	cat >offload.ini <<EOF
[offload]
max_parallel = 12
test_timeout_secs = 60

[provider]
type = slurm
partition = test
sandboxes_per_allocation = 4
salloc_args = --comment=$TAG

[provider.env]
SLURM_CONF = $SLURM_CONF

[framework]
type = exec
paths = tests/*

[group.all]
EOF
}
# Cancelled jobs show as CG (completing) while slurmd cleans up (on a
# dead node, until slurmctld gives up on it): never wait for a running
# or pending one.
no_allocation_left() {
	_i=0
	while [ -n "$(ours -t PD,R)" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "allocations left: $(ours)"
		sleep 0.05
	done
}
# the sandbox directories the tests printed: /var/tmp/offload-RUN-INDEX-JOB
sandbox_dirs() {
	grep -ho '/var/tmp/offload-[0-9a-f]*-[0-9]*-[0-9]*' test-results/logs/*.stdout | sort -u
}

# 1 s each (about 5 s of work per node): an allocation granted a moment
# after the others still finds tests left to pull
remote_suite 60 1
cp tests/t1 "tests/it's \$(x) \"q\""
slurm_ini
run_offload run
expect_rc 0
expect_count Passed 61
xsd_check "$JUNIT"
expect_xpath "sum(//testsuite[@hostname='h1' or @hostname='h2' or @hostname='h3']/@tests)" 61
# An allocation is on one node: all its sandboxes' tests ran there.
# (Which nodes Slurm picks depends on what else the shared cluster runs:
# t0072 checks the spread over h1..h3, with an allocation per sandbox.)
grep -ho 'on h[123] in /var/tmp/offload-[0-9a-f]*-[0-9]*-[0-9]*' test-results/logs/*.stdout |
	sed 's/^on \(h[123]\) in .*-\([0-9]*\)$/\2 \1/' | sort -u >job-hosts
[ "$(wc -l <job-hosts)" = 3 ] && [ "$(cut -d' ' -f1 job-hosts | uniq -d)" = "" ] ||
	fail "not 3 allocations, each on one node: $(tr '\n' ';' <job-hosts)"
expect_xpath "count(//testcase[contains(@name, '\$(x) \"q\"')])" 1
dirs=$(sandbox_dirs)
jobs=$(echo "$dirs" | sed 's/.*-//' | sort -u | wc -l)
[ "$jobs" = 3 ] || fail "not 3 allocations for 12 sandboxes: $dirs"
[ "$(echo "$dirs" | wc -l)" -ge 6 ] || fail "sandboxes: '$dirs'"
no_allocation_left
[ -z "$(on_hosts "ls -d $(echo $dirs) 2>/dev/null")" ] ||
	fail "left on the nodes: $(on_hosts "ls -d $(echo $dirs) 2>/dev/null")"
say "61 tests, 12 sandboxes in 3 allocations on h1..h3, nothing left: ok"

# A node dies while its tests run (the first one seen running a batch:
# Slurm picks the nodes): its batches are lost and run again on the
# others, every test has one result.  (Whether its sandboxes are
# also retired depends on timing: a sandbox is retired when it loses a
# second batch, and the pull model gives it one only if it asks before
# the others; t0070 tests retiring.)
rm -rf tests test-results
remote_suite 24 1
slurm_ini
cluster_exclusive
"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
i=0
# ours: other scripts' sandboxes may be on the nodes too
running_here() {
	_ids=$(ours -t R | cut -d' ' -f2 | tr '\n' ' ')
	[ -n "$_ids" ] || return 0
	on_hosts "for j in $_ids; do ls -d /var/tmp/offload-*-\$j/.offload/exec; done 2>/dev/null" |
		sed -n '1s/:.*//p'
}
until victim=$(running_here) && [ -n "$victim" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "no batch started on any node"
	sleep 0.05
done
kill_host "$victim"
rc=0
wait "$pid" || rc=$?
expect_rc 0
expect_count Passed 24
expect_xpath 'count(//testcase)' 24
expect_grep 'sandbox [0-9]*: exec step ended (.*) before the batch did' "$ERR"
cluster_restore
no_allocation_left
say "a node killed mid-run: its batches lost and run again, every result still in: ok"

# Ctrl-C mid-run: every allocation is cancelled.
rm -rf tests test-results
remote_suite 6 29.5
slurm_ini
"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
i=0
until [ "$(on_hosts "ls -d /var/tmp/offload-*/.offload/exec 2>/dev/null" | wc -l)" -ge 6 ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the sandboxes did not come up"
	sleep 0.05
done
dirs=$(on_hosts "ls -d /var/tmp/offload-*/.offload/exec" |
	sed 's|^h[123]: ||; s|/.offload/exec$||')
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
expect_rc 130
no_allocation_left
left=$(on_hosts "ls -d $(echo $dirs) 2>/dev/null; pgrep -f '^sleep 29.5'")
[ -z "$left" ] || fail "left on the nodes after Ctrl-C: $left"
no_procs_left
say "Ctrl-C: no allocation, nothing left: ok"
