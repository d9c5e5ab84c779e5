# SPDX-License-Identifier: MIT
# tests/integration/cluster.sh - for the t007N-remote-* scripts, sourced
# after lib.sh: bring the test cluster up (tests/cluster/up.sh; a no-op
# when it is up already), or skip loudly where this machine cannot host
# it.  CLUSTER is its directory; `make check` takes it down at the end.

CLUSTER=${OFFLOAD_CLUSTER_DIR:-/tmp/offload-cluster}
_up=0
"$OFFLOAD_SRC/tests/cluster/up.sh" "$CLUSTER" >"$TEST_DIR/cluster-up.log" 2>&1 || _up=$?
case $_up in
0) ;;
77) skip "no test cluster: $(tail -n 1 "$TEST_DIR/cluster-up.log")" ;;
*) die "tests/cluster/up.sh failed: $(tail -n 20 "$TEST_DIR/cluster-up.log")" ;;
esac

# The scripts that use the cluster run at the same time (make check runs
# four at once) and some kill a host on purpose: each holds a shared lock
# on the cluster (fd 8) for its whole run, and takes it exclusively
# (cluster_exclusive) before the part that kills a host, so that no other
# script's run loses a node it did not kill; cluster_restore brings the
# cluster back and shares it again.  Whatever outlives the script (the
# daemons up.sh starts) must not hold fd 8.  The lock file is beside
# the cluster's directory: restarting the cluster removes the directory.
exec 8>>"$CLUSTER.tests.lock" || die "cannot open $CLUSTER.tests.lock"
flock -s 8 || die "cannot lock the test cluster"
cluster_exclusive() {
	flock -x 8 || die "cannot lock the test cluster"
}
cluster_restore() {
	"$OFFLOAD_SRC/tests/cluster/up.sh" "$CLUSTER" >/dev/null 2>&1 8>&- ||
		fail "cluster did not come back"
	flock -s 8 || die "cannot lock the test cluster"
}

# kill_host hN: every process of host hN (its sshd, sessions, slurmd and
# job steps), as if the machine died (after cluster_exclusive): all at once.  Killed one by one, a
# test could die before the runner above it, which would then report a
# failed test and its end marker before dying itself: a lost host seen as
# a failed test (t0071 failed so, once in 5 runs).  So every process is
# stopped first (again for any forked meanwhile), then killed.
kill_host() {
	_seen=
	while :; do
		_new=
		for _p in $(ip netns pids "ofc-$1"); do
			case " $_seen " in *" $_p "*) continue ;; esac
			kill -STOP "$_p" 2>/dev/null
			_new="$_new $_p"
		done
		[ -n "$_new" ] || break
		_seen=$_seen$_new
	done
	for _p in $_seen; do
		kill -9 "$_p" 2>/dev/null
	done
}

# on_hosts CMD: run CMD on h1..h3 through ssh; output prefixed.
on_hosts() {
	for _h in h1 h2 h3; do
		ssh -F "$CLUSTER/ssh/config" "$_h" "$1" 2>/dev/null | sed "s/^/$_h: /"
	done
}

# A suite of N tests (tests/tI) that pass only on a remote host that holds
# the shipped workspace (the file 'shipped'), after SECS seconds.
remote_suite() {
	mkdir -p tests
	: >shipped
	_i=1
	while [ "$_i" -le "$1" ]; do
		cat >"tests/t$_i" <<EOS
#!/bin/sh
case \$(uname -n) in h[123]) ;; *) echo "ran on \$(uname -n)" >&2; exit 1 ;; esac
[ -f shipped ] || { echo "workspace not shipped" >&2; exit 1; }
sleep ${2:-0}
echo "t$_i on \$(uname -n) in \$PWD"
EOS
		chmod +x "tests/t$_i"
		_i=$((_i + 1))
	done
}
