#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/remote-peer.sh DIR [ssh|floor|slurm|all] - the peer side of
# `make bench-remote`: what the same work costs without offload, on the test
# cluster tests/cluster/up.sh brought up at DIR.
#
#   ssh    GNU parallel over the SSH hosts, 6 slots (-S 2/h1,2/h2,2/h3,
#          ssh -F DIR/ssh/config): 600 jobs of `sleep 0.05`, then 30 jobs
#          of `sleep 0.5`.  parallel pays one ssh connection per job.
#   floor  the floor of the 30 x 0.5 s case for any runner that gives
#          each of 6 slots its own copy of the workspace: one ssh master
#          per host opened and the workspace (30 `sleep 0.5` scripts)
#          unpacked on every host before the timing, then 6 sessions at
#          once, 2 per host, each running 5 tests.  "raw" runs them in
#          the shared workspace and nothing else; "isolated" does what a
#          runner must: copies the workspace into its sandbox (cp -a), runs
#          each test under `timeout` with its output in files, sends
#          statuses and output back (tar | base64), and removes the run's
#          directory on every host at the end.
#   slurm  100 Slurm sandboxes, 12 at a time: each `salloc --no-shell`
#          then `scancel`; timed until squeue is empty again.  Then the
#          floor of any design that runs one job step per sandbox: 100
#          `srun --jobid=J --overlap -n1 true` at once, in 3 allocations
#          of 34 tasks (one per node, allocated and cancelled outside the
#          timing).
#
# Prints one plain "name seconds" line per measurement, nothing else on
# stdout, so a caller can paste it next to offload's own numbers:
#   parallel-ssh-600x0.05s 21.43
#   parallel-ssh-30x0.5s 3.61
#   ssh-floor-30x0.5s-raw 2.70
#   ssh-floor-30x0.5s-isolated 2.95
#   slurm-sandboxes-100 1.92
#   slurm-srun-100 5.61
# Exit 1 when a job or a sandbox failed (the numbers would be meaningless).

set -eu
PROG=${0##*/}
die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

usage="usage: $PROG DIR [ssh|floor|slurm|all]"
[ $# -ge 1 ] && [ $# -le 2 ] || die "$usage"
DIR=$1
WHAT=${2:-all}
case $WHAT in ssh | floor | slurm | all) ;; *) die "$usage" ;; esac
[ -f "$DIR/ssh/config" ] && [ -f "$DIR/slurm/slurm.conf" ] ||
	die "no test cluster at '$DIR': run tests/cluster/up.sh $DIR"

now() {
	date +%s.%N
}
# report NAME T0: print "NAME seconds-since-T0".
report() {
	awk -v n="$1" -v a="$2" -v b="$(now)" 'BEGIN { printf "%s %.2f\n", n, b - a }'
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/offload-remote-peer.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$WHAT" = ssh ] || [ "$WHAT" = all ]; then
	command -v parallel >/dev/null || die "GNU parallel not found (tests/cluster/up.sh installs it)"
	# parallel keeps state in $PARALLEL_HOME: keep it out of ~ and
	# silence the citation notice for this scripted use.
	PARALLEL_HOME=$WORK/parallel
	export PARALLEL_HOME
	mkdir -p "$PARALLEL_HOME"
	: >"$PARALLEL_HOME/will-cite"
	# -N0: one input line per job, none of it on the command line.
	peer() {
		seq "$1" | parallel -N0 --halt now,fail=1 \
			--ssh "ssh -F $DIR/ssh/config" -S 2/h1,2/h2,2/h3 sleep "$2"
	}
	t=$(now)
	peer 600 0.05 || die "parallel: 600 x sleep 0.05 failed"
	report parallel-ssh-600x0.05s "$t"
	t=$(now)
	peer 30 0.5 || die "parallel: 30 x sleep 0.5 failed"
	report parallel-ssh-30x0.5s "$t"
fi

if [ "$WHAT" = floor ] || [ "$WHAT" = all ]; then
	SSH="ssh -F $DIR/ssh/config -o BatchMode=yes -o ControlPath=$WORK/.m-%C"
	R=/tmp/offload-remote-floor.$$
	close() {
		for h in h1 h2 h3; do
			$SSH -O exit $h 2>/dev/null || :
		done
	}
	trap 'close; rm -rf "$WORK"' EXIT
	for h in h1 h2 h3; do
		$SSH -o ControlMaster=yes -o ControlPersist=300 -fN $h ||
			die "ssh master to $h failed"
	done
	mkdir "$WORK/ws"
	for i in $(seq 30); do
		printf '#!/bin/sh\nsleep 0.5\n' >"$WORK/ws/t$i"
		chmod +x "$WORK/ws/t$i"
	done
	tar -C "$WORK/ws" -cf "$WORK/ws.tar" .
	for h in h1 h2 h3; do
		$SSH $h "rm -rf $R && mkdir -p $R/ws && tar -C $R/ws -xf -" <"$WORK/ws.tar" ||
			die "unpacking the workspace on $h failed"
	done
	# floor MODE: 6 sessions at once, slot i runs tests 5i-4 .. 5i
	floor() {
		t=$(now)
		i=1
		pids=
		for h in h1 h1 h2 h2 h3 h3; do
			a=$((5 * i - 4))
			tests="t$a t$((a + 1)) t$((a + 2)) t$((a + 3)) t$((a + 4))"
			if [ "$1" = raw ]; then
				$SSH $h "cd $R/ws && for t in $tests; do ./\$t || exit 1; done" &
			else
				$SSH $h "cp -a $R/ws $R/s$i && cd $R/s$i && mkdir o && n=0 &&
					for t in $tests; do n=\$((n + 1));
					timeout -k 1 120 ./\$t >o/\$n.out 2>o/\$n.err </dev/null;
					echo \$? >>o/status; done; tar -cf - o | base64" \
					>"$WORK/floor.$i" &
			fi
			pids="$pids $!"
			i=$((i + 1))
		done
		fails=0
		for p in $pids; do
			wait "$p" || fails=$((fails + 1))
		done
		if [ "$1" = isolated ]; then
			for h in h1 h2 h3; do
				$SSH $h "rm -rf $R" &
			done
			wait
		fi
		[ "$fails" = 0 ] || die "floor ($1): $fails sessions failed"
		report "ssh-floor-30x0.5s-$1" "$t"
	}
	floor raw
	floor isolated
	for i in 1 2 3 4 5 6; do
		[ "$(base64 -d <"$WORK/floor.$i" | tar -xOf - o/status | tr -d '\n')" = 00000 ] ||
			die "floor (isolated): slot $i did not pass its 5 tests"
	done
	close
fi

if [ "$WHAT" = slurm ] || [ "$WHAT" = all ]; then
	SLURM_CONF=$DIR/slurm/slurm.conf
	export SLURM_CONF
	cat >"$WORK/sandbox" <<'EOF'
#!/bin/sh
# One sandbox's life: allocate, read the job id from salloc's own line,
# cancel.  Prints FAIL on stdout when either step fails.
out=$(salloc --no-shell -N1 -n1 -J offload-remote-peer 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/.*Granted job allocation \([0-9][0-9]*\).*/\1/p')
[ -n "$id" ] || { echo "FAIL salloc: $out"; exit 0; }
scancel "$id" || echo "FAIL scancel $id"
EOF
	chmod +x "$WORK/sandbox"
	t=$(now)
	seq 100 | xargs -P 12 -I{} "$WORK/sandbox" >"$WORK/sandbox.out"
	for _ in $(seq 200); do
		[ -z "$(squeue -h)" ] && break
		sleep 0.05
	done
	report slurm-sandboxes-100 "$t"
	! grep -q FAIL "$WORK/sandbox.out" || die "$(grep -m3 FAIL "$WORK/sandbox.out")"
	[ -z "$(squeue -h)" ] || die "allocations left in squeue: $(squeue -h | tr '\n' ';')"

	# 100 job steps, all at once, in 3 allocations of 34 tasks
	jobs=
	for _ in 1 2 3; do
		out=$(salloc --no-shell -N1 -n34 -J offload-remote-peer 2>&1)
		id=$(printf '%s\n' "$out" | sed -n 's/.*Granted job allocation \([0-9][0-9]*\).*/\1/p')
		[ -n "$id" ] || { scancel -n offload-remote-peer; die "salloc: $out"; }
		jobs="$jobs $id"
	done
	set -- $jobs
	t=$(now)
	i=0
	while [ "$i" -lt 100 ]; do
		case $((i % 3)) in 0) j=$1 ;; 1) j=$2 ;; *) j=$3 ;; esac
		{ srun --jobid="$j" --overlap -n1 -Q true </dev/null || echo FAIL; } >>"$WORK/srun.out" 2>&1 &
		i=$((i + 1))
	done
	wait
	report slurm-srun-100 "$t"
	scancel -n offload-remote-peer
	! grep -q FAIL "$WORK/srun.out" || die "srun: $(head -n 3 "$WORK/srun.out")"
fi
