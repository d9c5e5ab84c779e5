#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cluster/check.sh DIR - smoke check that the test cluster up.sh
# brought up at DIR really works, step by step, each step timed:
#   ssh       `ssh -F DIR/ssh/config hN hostname` prints hN, for h1 h2 h3
#   isolation the hosts see neither a file made in the caller's /tmp, nor
#             the checkout, nor DIR, nor each other's /tmp; they do have
#             /bin/sh, tar, python3 and pytest
#   srun      `srun -w hN hostname` prints hN on each of the three nodes
#   salloc    12 `salloc --no-shell` at once are granted, spread over all
#             three nodes; after scancel, squeue is empty
# Exit 0 when every step passed, 1 at the first that did not.  Read-only
# for the cluster: it leaves no allocation and no file behind.

set -eu
HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/common.sh"

[ $# -eq 1 ] || cl_die "usage: $CL_PROG DIR"
DIR=$(cl_dir "$1")
CHECKOUT=$(cd "$HERE/../.." && pwd -P)
[ -f "$DIR/ssh/config" ] && [ -f "$DIR/slurm/slurm.conf" ] ||
	cl_die "no test cluster at '$DIR': run tests/cluster/up.sh $DIR"
SLURM_CONF=$DIR/slurm/slurm.conf
export SLURM_CONF
T0=$(cl_now)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/offload-cluster-check.XXXXXX")
JOBS=
cleanup() {
	# shellcheck disable=SC2086
	[ -z "$JOBS" ] || scancel $JOBS 2>/dev/null || :
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# q STRING: STRING quoted for the remote shell.
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

rsh() {
	ssh -F "$DIR/ssh/config" "$@" </dev/null
}

# step NAME: start timing a step; ok: it passed.
step() {
	STEP=$1
	TS=$(cl_now)
}
ok() {
	printf 'ok %6ss  %s\n' "$(cl_since "$TS")" "$STEP"
}
bad() {
	printf 'FAIL %4ss  %s: %s\n' "$(cl_since "$TS")" "$STEP" "$*" >&2
	exit 1
}

step "ssh: hostname on $CL_HOSTS"
for h in $CL_HOSTS; do
	got=$(rsh "$h" hostname 2>&1) || bad "ssh $h: $got"
	[ "$got" = "$h" ] || bad "ssh $h hostname printed '$got'"
done
ok

step "isolation: caller's /tmp, checkout and DIR not visible; sh tar python3 pytest there"
: >"$WORK/marker"
# The three hosts at once: importing pytest is the slow part.
for h in $CL_HOSTS; do
	rsh "$h" "
		for p in $(q "$WORK/marker") $(q "$CHECKOUT/tests/cluster/check.sh") $(q "$DIR/ssh/config"); do
			! test -e \"\$p\" || echo \"visible: \$p\"
		done
		for t in sh tar python3; do
			command -v \$t >/dev/null || echo \"missing: \$t\"
		done
		python3 -c 'import pytest' 2>/dev/null || echo 'missing: pytest'
		echo $(q "$h") >/tmp/offload-cluster-check.host
	" >"$WORK/iso.$h" 2>&1 || echo "ssh failed" >>"$WORK/iso.$h" &
done
wait
for h in $CL_HOSTS; do
	[ ! -s "$WORK/iso.$h" ] || bad "$h: $(tr '\n' ' ' <"$WORK/iso.$h")"
done
for h in $CL_HOSTS; do
	got=$(rsh "$h" 'cat /tmp/offload-cluster-check.host; rm -f /tmp/offload-cluster-check.host' 2>&1)
	[ "$got" = "$h" ] || bad "$h's /tmp is not its own (it holds '$got')"
done
ok

step "srun: hostname on each node"
for h in $CL_HOSTS; do
	got=$(srun -Q -w "$h" -N1 -n1 hostname 2>&1) || bad "srun -w $h: $got"
	[ "$got" = "$h" ] || bad "srun -w $h hostname printed '$got'"
done
ok

step "salloc: 12 allocations at once, over all nodes, then scancel"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	salloc --no-shell -N1 -n1 -J offload-cluster-check >"$WORK/salloc.$i" 2>&1 &
done
wait
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	# salloc's own line is the race-free way to learn the job id.
	id=$(sed -n 's/.*Granted job allocation \([0-9][0-9]*\).*/\1/p' "$WORK/salloc.$i")
	[ -n "$id" ] || bad "salloc $i: $(cat "$WORK/salloc.$i")"
	JOBS="$JOBS $id"
done
# shellcheck disable=SC2086
nodes=$(squeue -h -o '%N' -j "$(echo $JOBS | tr ' ' ,)" | sort -u | tr '\n' ' ')
[ "$nodes" = "h1 h2 h3 " ] || bad "the 12 allocations are on '$nodes', not on h1 h2 h3"
# shellcheck disable=SC2086
scancel $JOBS || bad "scancel failed"
JOBS=
for _ in $(seq 200); do
	[ -z "$(squeue -h)" ] && break
	sleep 0.05
done
[ -z "$(squeue -h)" ] || bad "squeue not empty 10 s after scancel: $(squeue -h | tr '\n' ';')"
ok

printf 'ok %6ss  all\n' "$(cl_since "$T0")"
