#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cluster/up.sh DIR - bring up a real three-host cluster on this one
# machine, for the remote-provider tests: three SSH hosts h1 h2 h3 and a
# three-node Slurm cluster on the same hosts.  Needs root, network
# namespaces and Debian's apt (missing packages are installed).
#
#   host hN      network namespace ofc-hN on bridge ofcbr0 (10.200.0.1N/24,
#                bridge 10.200.0.1, no route out; OFFLOAD_CLUSTER_NET=a.b.c
#                picks another /24), own hostname hN (UTS namespace)
#   SSH          one sshd per host in a private mount namespace: own /tmp,
#                /root, /var/tmp, /etc/ssh and /run; the checkout and DIR
#                are covered by empty tmpfs mounts, so a host sees neither
#                the workspace nor the caller's /tmp: whatever a batch needs
#                must be shipped, as to a real remote.  /usr, /bin, /etc
#                are shared with this machine (think of an NFS /usr):
#                /bin/sh, tar, /usr/bin/python3 and pytest are there.
#                Key-only root login with a throwaway key.
#                Client:  ssh -F DIR/ssh/config hN ...
#   Slurm        munged + slurmctld (on the bridge address, port 16817) in
#                this namespace, one slurmd per host in ofc-hN (port 16818),
#                64 CPUs advertised per node, one partition "test" (default,
#                LLN: jobs spread over the nodes).  A node's /var/tmp is its
#                own (node-local scratch, the same directory the SSH host
#                hN sees as /var/tmp); the rest of the filesystem, the
#                checkout and DIR included, is shared like an NFS home.
#                Client:  SLURM_CONF=DIR/slurm/slurm.conf srun/salloc/...
#
# DIR/pids lists every process started ("name pid starttime"); down.sh
# stops exactly those.  Running up.sh on a cluster that is fully up does
# nothing; on a half-up one (a daemon gone, a namespace missing) it tears
# that down and starts afresh.  If anything fails, the log tails are shown
# and what was started is torn down (OFFLOAD_CLUSTER_KEEP=1 keeps it).
#
# Exit: 0 up, 1 failed, 77 this machine cannot host the cluster (not root,
# no network namespaces): the reason is one line on stderr, so that tests
# skip loudly.
#
# POSIX sh, like the project's other test scripts; nothing here needs more.

set -eu
HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/common.sh"

[ $# -eq 1 ] || cl_die "usage: $CL_PROG DIR"
DIR=$(cl_dir "$1")
CHECKOUT=$(cd "$HERE/../.." && pwd -P)

skip() {
	printf '%s: SKIP: no test cluster on this machine: %s\n' "$CL_PROG" "$*" >&2
	exit 77
}

# ---- can this machine host the cluster at all? (before anything else) ----
[ "$(id -u)" = 0 ] || skip "needs root (running as uid $(id -u))"
for t in ip unshare nsenter setpriv flock; do
	command -v "$t" >/dev/null 2>&1 || skip "'$t' not found (iproute2/util-linux)"
done
if ! err=$(unshare --net --mount --uts true 2>&1); then
	skip "cannot create namespaces (unshare --net --mount --uts: $err)"
fi
probe=ofcp$$
if ! err=$(ip netns add "$probe" 2>&1); then
	skip "cannot create network namespaces (ip netns add: $err)"
fi
ip netns del "$probe"
if ! err=$(ip link add "$probe" type bridge 2>&1); then
	skip "cannot create a bridge (ip link add type bridge: $err)"
fi
ip link del "$probe"

cl_lock
T0=$(cl_now)

# ---- packages ----
PKGS="openssh-server openssh-client rsync slurm-wlm munge parallel python3-pytest"
# One dpkg-query for all: it names each installed package once.
# shellcheck disable=SC2086
have=" $(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
	sed -n 's/ install ok installed$//p' | tr '\n' ' ')"
missing=
for p in $PKGS; do
	case $have in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -n "$missing" ]; then
	cl_say "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Other apt runs on the machine: wait for their lock, do not fail.
	apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null ||
		cl_die "apt-get update failed"
	apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
		$missing 9>&- >"${TMPDIR:-/tmp}/offload-cluster-apt.$$" 2>&1 || {
		tail -n 20 "${TMPDIR:-/tmp}/offload-cluster-apt.$$" >&2
		rm -f "${TMPDIR:-/tmp}/offload-cluster-apt.$$"
		cl_die "apt-get install$missing failed"
	}
	rm -f "${TMPDIR:-/tmp}/offload-cluster-apt.$$"
fi
T_PKG=$(cl_since "$T0")

# ---- a cluster already here? ----
owner=$(cl_owner)
if [ -n "$owner" ] && [ "$owner" != "$DIR" ]; then
	if [ -f "$owner/$CL_MARK" ]; then
		cl_die "a test cluster is already up at '$owner' (one per machine): run tests/cluster/down.sh $owner"
	fi
	cl_say "stale cluster objects of '$owner' (its directory is gone): removing them"
	"$HERE/down.sh" "$owner"
fi
if [ -f "$DIR/pids" ]; then
	why=
	while read -r name pid st; do
		cl_alive "$pid" "$st" || why="$why $name (pid $pid) is gone;"
	done <"$DIR/pids"
	[ "$(cl_owner)" = "$DIR" ] || why="$why bridge $CL_BR is missing;"
	for h in $CL_HOSTS; do
		[ -e "/run/netns/$CL_NS${h#h}" ] || why="$why namespace $CL_NS${h#h} is missing;"
	done
	if [ -z "$why" ]; then
		cl_say "already up at $DIR (nothing to do)"
		exit 0
	fi
	cl_say "half-up cluster at $DIR:$why restarting it"
	"$HERE/down.sh" "$DIR"
elif [ -e "$DIR" ] || [ "$owner" = "$DIR" ] || [ -e "/run/netns/${CL_NS}1" ]; then
	if [ -e "$DIR" ] && [ ! -f "$DIR/$CL_MARK" ] &&
		[ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
		cl_die "'$DIR' exists and is not a test cluster directory: refusing to use it"
	fi
	cl_say "leftovers of an earlier cluster at $DIR: removing them"
	"$HERE/down.sh" "$DIR"
fi

# Nothing of ours is left: check nobody else holds the subnet.
if ip -4 -o addr show | grep -v " $CL_BR " | grep -q " inet $CL_NET\."; then
	cl_die "subnet $CL_NET.0/24 is already used on this machine; pick another with OFFLOAD_CLUSTER_NET=a.b.c"
fi

# From here on, a failure tears down what was started.
on_exit() {
	rc=$?
	[ "$rc" = 0 ] && return 0
	case $rc in
	130 | 143) set -- ;;   # interrupted: the logs say nothing new
	*) set -- "$DIR"/log/* ;;
	esac
	for f in "$@"; do
		[ -s "$f" ] || continue
		printf '%s: --- last lines of %s\n' "$CL_PROG" "$f" >&2
		tail -n 15 "$f" >&2
	done
	if [ -n "${OFFLOAD_CLUSTER_KEEP:-}" ]; then
		cl_say "left half-up for inspection; tests/cluster/down.sh $DIR removes it" >&2
	else
		"$HERE/down.sh" "$DIR" >&2 || :
	fi
	cl_say "failed" >&2
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$DIR"
: >"$DIR/$CL_MARK"
chmod 0755 "$DIR"
mkdir -p "$DIR/ssh" "$DIR/log" "$DIR/slurm/state" "$DIR/slurm/spool"
chmod 0700 "$DIR/ssh"
: >"$DIR/pids"

# record NAME PID: add a started process to DIR/pids.
record() {
	st=$(cl_starttime "$2")
	[ -n "$st" ] || cl_die "$1 (pid $2) exited at once: see $DIR/log/$1.log"
	printf '%s %s %s\n' "$1" "$2" "$st" >>"$DIR/pids"
}

# ---- SSH: keys, client config, network, one sshd per host ----
T1=$(cl_now)
ssh-keygen -q -t ed25519 -N '' -C offload-cluster -f "$DIR/ssh/id_ed25519"
{
	for h in $CL_HOSTS; do
		printf 'Host %s\n  HostName %s.1%s\n' "$h" "$CL_NET" "${h#h}"
	done
	cat <<EOF
Host $CL_HOSTS
  User root
  IdentityFile $DIR/ssh/id_ed25519
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  ConnectTimeout 5
  KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
EOF
} >"$DIR/ssh/config"

ip link add "$CL_BR" type bridge
ip link set "$CL_BR" alias "offload-cluster:$DIR"
ip addr add "$CL_NET.1/24" dev "$CL_BR"
ip link set "$CL_BR" up

for h in $CL_HOSTS; do
	n=${h#h}
	ns=$CL_NS$n
	H=$DIR/hosts/$h
	mkdir -p "$H/tmp" "$H/var-tmp" "$H/root/.ssh" "$H/etc-ssh"
	chmod 1777 "$H/tmp" "$H/var-tmp"
	chmod 0700 "$H/root" "$H/root/.ssh"
	cp "$DIR/ssh/id_ed25519.pub" "$H/root/.ssh/authorized_keys"
	chmod 0600 "$H/root/.ssh/authorized_keys"
	ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$H/etc-ssh/ssh_host_ed25519_key"
	cat >"$H/etc-ssh/sshd_config" <<EOF
ListenAddress $CL_NET.1$n
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile none
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 200
MaxSessions 200
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
EOF

	ip netns add "$ns"
	ip link add "$CL_VETH$n" type veth peer name eth0 netns "$ns"
	ip link set "$CL_VETH$n" master "$CL_BR" up
	ip -n "$ns" addr add "$CL_NET.1$n/24" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up

	# The mounts: the host's directory is first bound on /mnt (its path
	# may lie under the directories covered next), then /run, DIR and
	# the checkout are covered by empty tmpfs mounts (a path already
	# hidden is skipped), the host's own directories bound into place,
	# and /mnt released.  nsenter and unshare exec: the PID recorded is
	# sshd's own.
	nsenter --net="/run/netns/$ns" unshare --mount --uts --propagation private \
		sh -c 'set -e
			hostname "$1"
			mount --bind "$2" /mnt
			mount -t tmpfs -o mode=0755,size=4m ofc-run /run
			mkdir -m 0755 /run/sshd
			for d in "$3" "$4"; do
				[ ! -d "$d" ] || mount -t tmpfs -o mode=0755,size=64k ofc-hidden "$d"
			done
			mount --bind /mnt/var-tmp /var/tmp
			mount --bind /mnt/root /root
			mount --bind /mnt/etc-ssh /etc/ssh
			mount --bind /mnt/tmp /tmp
			umount /mnt
			exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config' \
		sh "$h" "$H" "$DIR" "$CHECKOUT" \
		9>&- </dev/null >"$DIR/log/sshd-$h.log" 2>&1 &
	record "sshd-$h" $!
done

# ---- Slurm: munged, slurmctld, one slurmd per host ----
T2=$(cl_now)
S=$DIR/slurm
# munged insists on its own user and on private key/socket directories;
# the socket directory must be searchable by the clients (o+x).
install -o munge -g munge -m 0700 -d "$S/munge"
install -o munge -g munge -m 0755 -d "$S/munge-sock"
dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 2>/dev/null
chown munge:munge "$S/munge/munge.key"
chmod 0400 "$S/munge/munge.key"
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
	--socket="$S/munge-sock/munge.socket" --key-file="$S/munge/munge.key" \
	--pid-file="$S/munge/munged.pid" --log-file="$S/munge/munged.log" \
	--seed-file="$S/munge/munged.seed" \
	9>&- </dev/null >"$DIR/log/munged.log" 2>&1 &
record munged $!

{
	cat <<EOF
# Written by tests/cluster/up.sh: a 3-node test cluster on network
# namespaces.  Clients: SLURM_CONF=$S/slurm.conf
ClusterName=offload-test
SlurmctldHost=$(hostname -s)($CL_NET.1)
SlurmctldPort=$CL_CTLD_PORT
SlurmdPort=$CL_SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge-sock/munge.socket
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool/%n
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: the nodes are namespaces sharing one kernel.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
# many small allocations at once (the benchmark creates 100): the main
# scheduling loop may run every 0.1 s instead of every 2 s, so that a
# job queued behind a pending one waits less
SchedulerParameters=sched_min_interval=100000
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Advertise the CPUs below, not the machine's: 192 one-CPU sandboxes fit
# (100 at once in the benchmark, tests/bench/remote.sh), with
# room for cancelled jobs still completing while new ones are allocated.
SlurmdParameters=config_overrides
ReturnToService=2
MessageTimeout=10
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=10
EOF
	for h in $CL_HOSTS; do
		echo "NodeName=$h NodeAddr=$CL_NET.1${h#h} CPUs=64 RealMemory=1000 State=UNKNOWN"
	done
	echo "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP LLN=YES"
} >"$S/slurm.conf"
SLURM_CONF=$S/slurm.conf
export SLURM_CONF

for _ in $(seq 100); do
	[ -S "$S/munge-sock/munge.socket" ] && break
	sleep 0.05
done
[ -S "$S/munge-sock/munge.socket" ] || cl_die "munged did not create its socket"

/usr/sbin/slurmctld -D -c -f "$SLURM_CONF" 9>&- </dev/null >"$DIR/log/slurmctld.out" 2>&1 &
record slurmctld $!

for h in $CL_HOSTS; do
	mkdir -p "$S/spool/$h"
	# nsenter, not `ip netns exec`: the latter remounts /sys, which hides
	# the cgroup filesystem slurmd wants to see.
	nsenter --net="/run/netns/$CL_NS${h#h}" unshare --mount --uts --propagation private \
		sh -c 'set -e
			hostname "$1"
			mount --bind "$2" /var/tmp
			exec /usr/sbin/slurmd -D -N "$1" -f "$3"' \
		sh "$h" "$DIR/hosts/$h/var-tmp" "$SLURM_CONF" \
		9>&- </dev/null >"$DIR/log/slurmd-$h.out" 2>&1 &
	record "slurmd-$h" $!
done

# ---- wait until every host answers ----
for h in $CL_HOSTS; do
	ok=
	for _ in $(seq 100); do
		if [ "$(ssh -F "$DIR/ssh/config" "$h" hostname 2>/dev/null </dev/null)" = "$h" ]; then
			ok=1
			break
		fi
		sleep 0.05
	done
	[ -n "$ok" ] || cl_die "ssh $h does not answer (see $DIR/log/sshd-$h.log)"
done
T_SSH=$(cl_since "$T1")

for _ in $(seq 300); do
	st=$(sinfo -h -N -o '%t' 2>/dev/null | sort -u | tr '\n' ' ')
	[ "$st" = "idle " ] && break
	sleep 0.05
done
[ "$st" = "idle " ] || cl_die "slurm nodes are not idle: '$st'"
T_SLURM=$(cl_since "$T2")

# Every recorded process must still be the daemon it was started as.
while read -r name pid st; do
	cl_alive "$pid" "$st" || cl_die "$name (pid $pid) died during start-up"
done <"$DIR/pids"

trap - EXIT
cl_say "up at $DIR: packages ${T_PKG}s, ssh hosts ${T_SSH}s, slurm ${T_SLURM}s (from its start), total $(cl_since "$T0")s"
cl_say "ssh -F $DIR/ssh/config h1; SLURM_CONF=$SLURM_CONF srun -w h1 hostname"
