#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cluster/down.sh DIR - tear down the test cluster that up.sh brought
# up at DIR: cancel its Slurm jobs, stop the processes listed in DIR/pids
# (TERM, then KILL after 10 s), end what still runs inside its network
# namespaces (the sessions and job steps its own sshd and slurmd started),
# delete the namespaces, veths and bridge, and remove DIR.
#
# Idempotent: on a cluster already down it does nothing and succeeds.  It
# never stops a process it did not start: a PID is signalled only while
# /proc shows the same start time as recorded, and network objects are
# deleted only when the bridge names DIR as its owner (or is gone).  DIR
# itself is removed only when up.sh's marker file is in it.

set -eu
HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/common.sh"

[ $# -eq 1 ] || cl_die "usage: $CL_PROG DIR"
DIR=$(cl_dir "$1")
[ "$(id -u)" = 0 ] || cl_die "needs root"
cl_lock
T0=$(cl_now)

# stop_pids PID:STARTTIME...: TERM, wait up to 10 s, then KILL what is
# left; a PID is signalled only while it is still the process listed.
stop_pids() {
	sig=TERM
	for i in $(seq 201); do
		[ "$i" = 201 ] && sig=KILL
		left=
		for ps in "$@"; do
			cl_alive "${ps%:*}" "${ps#*:}" || continue
			left="$left ${ps%:*}"
			case $sig in
			TERM) [ "$i" = 1 ] && kill -TERM "${ps%:*}" 2>/dev/null ;;
			KILL) kill -KILL "${ps%:*}" 2>/dev/null ;;
			esac
		done
		[ -z "$left" ] && return 0
		[ "$sig" = KILL ] && cl_say "still running after 10 s, killed:$left"
		[ "$sig" = KILL ] && return 0
		sleep 0.05
	done
}

# stop NAME-PATTERN: stop the recorded processes whose name matches.
stop() {
	[ -f "$DIR/pids" ] || return 0
	pat=$1
	set --
	while read -r name pid st; do
		case $name in
		$pat) set -- "$@" "$pid:$st" ;;
		esac
	done <"$DIR/pids"
	stop_pids "$@"
}

owner=$(cl_owner)
ours=
if [ -z "$owner" ] || [ "$owner" = "$DIR" ]; then
	ours=1
fi

# Slurm first, while slurmctld still answers: no allocation outlives us.
if [ -f "$DIR/slurm/slurm.conf" ] && [ -f "$DIR/pids" ] &&
	grep -q '^slurmctld ' "$DIR/pids"; then
	read -r _ pid st <<EOF
$(grep '^slurmctld ' "$DIR/pids")
EOF
	if cl_alive "$pid" "$st"; then
		SLURM_CONF=$DIR/slurm/slurm.conf timeout 10 scancel --user=root \
			2>/dev/null || :
	fi
fi

# SSH connection masters a client left under DIR/ssh: ask them to exit.
for sock in "$DIR"/ssh/*; do
	[ -S "$sock" ] || continue
	ssh -F "$DIR/ssh/config" -o ControlPath="$sock" -O exit h1 2>/dev/null || :
done

stop 'sshd-*'
stop 'slurm*'
stop munged

# What still runs in our namespaces was started by our sshd or slurmd
# (sessions, job steps, their children): end it before deleting them.
if [ -n "$ours" ]; then
	pids=
	for h in $CL_HOSTS; do
		[ -e "/run/netns/$CL_NS${h#h}" ] || continue
		for p in $(ip netns pids "$CL_NS${h#h}" 2>/dev/null); do
			pids="$pids $p:$(cl_starttime "$p")"
		done
	done
	# shellcheck disable=SC2086
	stop_pids $pids
	for h in $CL_HOSTS; do
		n=${h#h}
		ip link del "$CL_VETH$n" 2>/dev/null || :
		[ -e "/run/netns/$CL_NS$n" ] && ip netns del "$CL_NS$n"
	done
	[ -n "$owner" ] && ip link del "$CL_BR"
else
	cl_say "bridge $CL_BR belongs to the cluster at '$owner': leaving the network alone"
fi

if [ -f "$DIR/$CL_MARK" ]; then
	rm -rf "$DIR"
elif [ -e "$DIR" ]; then
	cl_say "'$DIR' has no $CL_MARK marker: not removing it"
fi
cl_say "down ($(cl_since "$T0")s)"
