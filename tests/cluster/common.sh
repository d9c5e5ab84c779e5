# SPDX-License-Identifier: MIT
# tests/cluster/common.sh - names and helpers shared by up.sh, down.sh and
# check.sh (sourced, POSIX sh).  Not a command of its own.
#
# The cluster's kernel objects (bridge, network namespaces, veth pairs) have
# machine-wide names, so there is one test cluster per machine at a time;
# the bridge's alias records which DIR owns it.  Every process the fixture
# starts is listed in DIR/pids as "name pid starttime" and is stopped only
# by that PID, and only while /proc says it is still the same process.

CL_PROG=${0##*/}
CL_BR=ofcbr0                    # bridge in the caller's network namespace
CL_NS=ofc-h                     # network namespaces ofc-h1 .. ofc-h3
CL_VETH=ofcv-h                  # root-side veth ends ofcv-h1 .. ofcv-h3
CL_NET=${OFFLOAD_CLUSTER_NET:-10.200.0}   # /24: .1 bridge, .11-.13 hosts
CL_HOSTS="h1 h2 h3"
CL_CTLD_PORT=16817              # not Slurm's default 6817/6818: leaves a
CL_SLURMD_PORT=16818            # system Slurm on this machine alone
CL_LOCK=/run/offload-cluster.lock
CL_MARK=.offload-cluster        # DIR/.offload-cluster: DIR is ours to remove

cl_die() {
	printf '%s: %s\n' "$CL_PROG" "$*" >&2
	exit 1
}

cl_say() {
	printf '%s: %s\n' "$CL_PROG" "$*"
}

cl_now() {
	date +%s.%N
}

# cl_since T0: seconds since T0, two decimals.
cl_since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

# cl_dir DIR: the absolute form of DIR, refused when it holds characters
# that slurm.conf or ssh_config would need quoted.
cl_dir() {
	case $1 in
	'') cl_die "usage: $CL_PROG DIR" ;;
	*[!A-Za-z0-9._/+-]*) cl_die "DIR '$1': use letters, digits and ._/+- only (it goes into slurm.conf)" ;;
	/*) d=$1 ;;
	*) d=$PWD/$1 ;;
	esac
	while :; do
		case $d in
		/) break ;;
		*/) d=${d%/} ;;
		*) break ;;
		esac
	done
	[ "$d" != / ] || cl_die "DIR '/': refusing"
	printf '%s\n' "$d"
}

# cl_starttime PID: the process's start time in clock ticks since boot
# (field 22 of /proc/PID/stat), empty when PID does not exist.
cl_starttime() {
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# The command name (field 2) may hold spaces and parentheses: cut
	# after its last ')'.
	printf '%s\n' "${stat##*) }" | awk '{ print $20 }'
}

# cl_alive PID STARTTIME: true while PID is the process recorded (not a
# zombie, not a later process that reused the number).
cl_alive() {
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	set -- "$1" "$2" $(printf '%s\n' "${stat##*) }" | awk '{ print $1, $20 }')
	[ "$3" != Z ] && [ "$4" = "$2" ]
}

# cl_owner: the DIR recorded on the bridge, empty when there is no bridge.
cl_owner() {
	ip -o link show "$CL_BR" 2>/dev/null |
		sed -n 's/.* alias offload-cluster:\([^ ]*\).*/\1/p'
}

# cl_lock: take the machine-wide lock (fd 9), so that two up/down runs
# never interleave; a nested run (up.sh calling down.sh) inherits it.
# Every daemon is started with 9>&-, or it would hold the lock forever.
cl_lock() {
	[ -n "${OFFLOAD_CLUSTER_LOCKED:-}" ] && return 0
	exec 9>"$CL_LOCK"
	flock 9
	OFFLOAD_CLUSTER_LOCKED=1
	export OFFLOAD_CLUSTER_LOCKED
}
