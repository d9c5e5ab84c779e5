#!/bin/sh
# SPDX-License-Identifier: MIT
# t0071-remote-ssh.sh - [provider] type = ssh over the three test hosts
# (tests/cluster): every test runs on h1..h3, never here, in a copy of
# the workspace the hosts could not see; hostile IDs survive; a host
# killed mid-run costs no result; Ctrl-C leaves no sandbox directory on
# any host and no process here.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
. "$OFFLOAD_SRC/tests/integration/cluster.sh"

JUNIT=$TEST_DIR/test-results/junit.xml
# this script's own directory on the hosts: other runs may share them
RD=/tmp/t0071.$$
on_hosts "mkdir $RD"	# offload makes only RD/offload-RUN
remote_suite 12
for name in "it's" 'sp ace' '$(touch pwned)'; do
	cp tests/t1 "tests/$name"
done
ssh_ini() {
	cat >offload.ini <<EOF
[offload]
max_parallel = 6
test_timeout_secs = 60

[provider]
type = ssh
hosts = h1 h2 h3
ssh_config = $CLUSTER/ssh/config
remote_dir = $RD

[framework]
type = exec
paths = tests/*

[group.all]
EOF
}
ssh_ini
run_offload run
expect_rc 0
expect_count Passed 15
xsd_check "$JUNIT"
for h in h1 h2 h3; do
	[ "$(xpath "count(//testsuite[@hostname='$h']/testcase)")" -ge 1 ] ||
		fail "no test ran on $h"
done
expect_xpath "sum(//testsuite[@hostname='h1' or @hostname='h2' or @hostname='h3']/@tests)" 15
[ ! -e pwned ] || fail "an ID reached a shell unquoted"
[ -z "$(on_hosts "ls -d $RD/offload-* 2>/dev/null")" ] ||
	fail "left on the hosts: $(on_hosts "ls -d $RD/offload-*")"
say "15 tests over h1 h2 h3: ok"

# A host that cannot be reached (not even resolved) costs its sandboxes
# only: the others run every test.  (Whether its sandboxes' failures are
# said depends on timing: a create still failing when every batch is done
# is stopped, not reported.)
sed 's/^hosts = h1 h2 h3$/hosts = h1 h2 nosuchhost.invalid h3/' offload.ini >dead.ini
run_offload run -c dead.ini
expect_rc 0
expect_count Passed 15
expect_xpath "count(//testsuite[@hostname='nosuchhost.invalid'])" 0
say "an unreachable host: its sandboxes dropped, every test run: ok"

# A bad ssh setting is a configuration error (exit 3, naming the line),
# not a run whose every test fails.
sed 's|^ssh_config = .*|ssh_config = /nonexistent/ssh_config|' offload.ini >bad.ini
run_offload validate -c bad.ini
expect_rc 3
expect_grep "line 8: ssh_config '/nonexistent/ssh_config'" "$ERR"
sed -e 's|^ssh_config = .*|ssh_config = '"$CLUSTER"'/ssh/config|' \
	-e 's|^remote_dir = .*|remote_dir = /tmp/my dir|' offload.ini >bad.ini
run_offload validate -c bad.ini
expect_rc 3
expect_grep "remote_dir '/tmp/my dir' must be" "$ERR"
say "bad ssh settings: configuration errors: ok"

# A remote_dir missing on the hosts is not made (nor its parents): the
# workspace reaches no host, each host says why, and the message says
# where to look.
nodir=/nonexistent-offload-$$/dir
sed "s|^remote_dir = .*|remote_dir = $nodir|" offload.ini >nodir.ini
run_offload run -c nodir.ini
expect_rc 1
for h in h1 h2 h3; do
	expect_grep "host $h: remote_dir $nodir does not exist;" "$ERR"
done
expect_grep "the workspace reached no host (see \[provider\] in 'nodir.ini')" "$ERR"
expect_count "Not run" 15
[ -z "$(on_hosts "ls -d ${nodir%/*} 2>/dev/null")" ] ||
	fail "remote_dir's parent was made on a host"
say "a missing remote_dir: each host says so, nothing made: ok"

# Host h2 dies while its tests run: they run again on h1 and h3; every
# test has one result, and the run passes.  Without the history of the
# runs above (the same names, 0 s each), which may plan fewer batches
# than hosts, and then none reaches h2.
rm -rf tests test-results
remote_suite 12 2
ssh_ini
cluster_exclusive
"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
i=0
until on_hosts "ls $RD/offload-*/sbx-*/.offload/tmp 2>/dev/null" | grep -q '^h2'; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "no batch started on h2"
	sleep 0.05
done
kill_host h2
rc=0
wait "$pid" || rc=$?
expect_rc 0
expect_count Passed 12
expect_xpath 'count(//testcase)' 12
expect_grep 'sandbox [0-9]* (h2)' "$ERR"
cluster_restore
on_hosts "mkdir -p $RD"	# a restored cluster's hosts start empty
say "a host killed mid-run: every result still in: ok"

# Ctrl-C mid-run: the sandboxes are destroyed on every host.
rm -rf tests test-results
remote_suite 6 29.5
ssh_ini
"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
i=0
until [ "$(on_hosts "ls -d $RD/offload-*/sbx-* 2>/dev/null" | wc -l)" -ge 6 ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the sandboxes did not come up"
	sleep 0.05
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
expect_rc 130
left=$(on_hosts "ls -d $RD/offload-* 2>/dev/null; pgrep -f '^sleep 29.5'")
[ -z "$left" ] || fail "left on the hosts after Ctrl-C: $left"
no_procs_left
say "Ctrl-C: nothing left on any host: ok"
on_hosts "rmdir $RD"
