#!/bin/sh
# SPDX-License-Identifier: MIT
# t0072-remote-slurm.sh - [provider] type = slurm on the three-node test
# cluster (tests/cluster): 60 tests over 12 sandboxes all pass, spread
# over h1..h3, in copies of the workspace in node-local /var/tmp, with
# no allocation left; Ctrl-C mid-run leaves no allocation and no
# process here.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
. "$OFFLOAD_SRC/tests/integration/cluster.sh"

JUNIT=$TEST_DIR/test-results/junit.xml
export SLURM_CONF="$CLUSTER/slurm/slurm.conf"
# this script's allocations carry TAG: other runs may share the cluster
TAG=t0072.$$
ours() {
	squeue -h -o '%k %i %T' "$@" | grep "^$TAG "
}
remote_suite 60 0.2
cp tests/t1 "tests/it's \$(x)"
slurm_ini() {
	cat >offload.ini <<EOF
[offload]
max_parallel = 12
test_timeout_secs = 60

[provider]
type = slurm
partition = test
salloc_args = --comment=$TAG

[provider.env]
SLURM_CONF = $SLURM_CONF

[framework]
type = exec
paths = tests/*

[group.all]
EOF
}
# Cancelled jobs show as CG (completing) while slurmd cleans up: wait
# (bounded) for them to go, and never for a running or pending one.
no_allocation_left() {
	_i=0
	while [ -n "$(ours)" ]; do
		[ -z "$(ours -t PD,R)" ] || fail "allocations left: $(ours)"
		_i=$((_i + 1))
		[ $_i -lt 200 ] || fail "allocations still completing: $(ours)"
		sleep 0.05
	done
}

slurm_ini
run_offload run
expect_rc 0
expect_count Passed 61
xsd_check "$JUNIT"
for h in h1 h2 h3; do
	[ "$(xpath "count(//testsuite[@hostname='$h']/testcase)")" -ge 1 ] ||
		fail "no test ran on $h"
done
expect_xpath "sum(//testsuite[@hostname='h1' or @hostname='h2' or @hostname='h3']/@tests)" 61
no_allocation_left
dirs=$(grep -ho '/var/tmp/offload-[0-9a-f]*-[0-9]*-[0-9]*' test-results/logs/*.stdout | sort -u)
[ "$(echo "$dirs" | wc -l)" -ge 3 ] || fail "sandbox directories: '$dirs'"
[ -z "$(on_hosts "ls -d $(echo $dirs) 2>/dev/null")" ] ||
	fail "left on the nodes: $(on_hosts "ls -d $(echo $dirs) 2>/dev/null")"
say "61 tests, 12 sandboxes over h1 h2 h3, no allocation left: ok"

# Ctrl-C mid-run: every allocation is cancelled.
rm -rf tests test-results
remote_suite 6 29.5
slurm_ini
"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
i=0
# our sandboxes' directories, from our allocations' IDs
our_dirs() {
	for _j in $(ours -t R | awk '{ print $2 }'); do
		printf '/var/tmp/offload-*-%s/.offload/tmp ' "$_j"
	done
}
until [ "$(on_hosts "ls -d $(our_dirs) 2>/dev/null" | wc -l)" -ge 6 ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the sandboxes did not come up"
	sleep 0.05
done
dirs=$(our_dirs)
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
expect_rc 130
no_allocation_left
left=$(on_hosts "ls -d $dirs 2>/dev/null; pgrep -f '^sleep 29.5'")
[ -z "$left" ] || fail "left on the nodes after Ctrl-C: $left"
no_procs_left
say "Ctrl-C: no allocation, nothing left: ok"
