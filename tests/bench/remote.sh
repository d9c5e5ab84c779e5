#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: offload's remote providers on the test cluster (tests/cluster)
# against the peer tests/bench/remote-peer.sh measures, in the same session,
# interleaved (the machine is noisy: only ratios within one run mean
# something, and the load average is printed with them).
#
#   ssh    [provider] type = ssh over h1 h2 h3, max_parallel = 6, exec
#          framework, against GNU parallel -S 2/h1,2/h2,2/h3 (6 slots):
#            600 tests of `sleep 0.05`   target: offload <= 0.5x parallel
#            30 tests of `sleep 0.5`     target: offload <= 1.1x (2.5 s +
#                                        sandbox creation)
#          Sandbox creation is measured, not guessed: every offload step
#          (session check, prepare, create, exec, download, destroy, stop)
#          runs through a timing shell ([provider] shell), and creation is
#          the time from offload's start to the first batch's exec step.
#          30 tests of 0 s are run too: offload's whole fixed cost.
#   slurm  100 sandboxes created and destroyed (target < 5 s): offload's
#          slurm provider running 100 trivial tests, max_parallel = 100,
#          schedule_individual (one sandbox per test), one allocation per
#          sandbox (the default) and 34 sandboxes per allocation
#          (sandboxes_per_allocation = 34: 3 allocations), against the
#          raw salloc/scancel loop of remote-peer.sh (12 at a time) and
#          its 100 raw job steps (`srun ... true`, all at once, in 3
#          allocations): the floor of one step per sandbox.  The sandboxes'
#          own life (start to the last create step, plus destroy and stop)
#          is printed apart from the whole run.
#   floor  for the 30 x 0.5 s case, remote-peer.sh's floor: the same 30
#          sleeps in 6 ssh sessions over open masters, bare and with the
#          duties of a sandbox (copy of the workspace, per-test timeout,
#          results back, clean-up); the ratio the target is measured by,
#          computed for it.
#
# The timing shell is bash (for $EPOCHREALTIME: no fork per timestamp);
# it adds one exec per step, a few ms.  Prints the median of each case,
# the ratios and a per-step profile of offload's last round.  No
# assertion; exit 1 only when a run fails (its numbers would be
# meaningless).
# Usage: remote.sh CLUSTER_DIR OFFLOAD [ROUNDS] [ROUNDS_PARALLEL_600]
#   ROUNDS (3): rounds of every case but parallel's 600 jobs, which takes
#   about 2 minutes a round: ROUNDS_PARALLEL_600 (1) of those.
set -eu
PROG=${0##*/}
die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}
[ $# -ge 2 ] && [ $# -le 4 ] ||
	die "usage: $PROG CLUSTER_DIR OFFLOAD [ROUNDS] [ROUNDS_PARALLEL_600]"
cluster=$(cd "$1" && pwd)
offload=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
rounds=${3:-3}
rounds600=${4:-1}
here=$(cd "$(dirname "$0")" && pwd)
bash=$(command -v bash) || die "bash not found (the timing shell needs it)"
command -v parallel >/dev/null || die "GNU parallel not found (tests/cluster/up.sh installs it)"
SLURM_CONF=$cluster/slurm/slurm.conf
export SLURM_CONF

dir=$(mktemp -d /tmp/offload-remote-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The timing shell: runs `sh -c STEP` and appends "start end step" (one
# line, newlines folded) to $OFFLOAD_BENCH_STEPS.
cat >"$dir/tsh" <<EOF
#!$bash
t0=\$EPOCHREALTIME
/bin/sh "\$@"
rc=\$?
c=\${2//\$'\\n'/ }
printf '%s %s %s %s\\n' "\$t0" "\$EPOCHREALTIME" "\$rc" "\$c" >>"\$OFFLOAD_BENCH_STEPS"
exit \$rc
EOF
chmod +x "$dir/tsh"

# suite NAME N SECS PROVIDER_LINES [GROUP_LINES] [MAX_PARALLEL]: a
# directory NAME holding N exec tests that sleep SECS (0: exit at once)
# and its offload.ini; the report goes beside it, so it is not shipped.
suite() {
	mkdir -p "$dir/$1/t"
	i=1
	while [ "$i" -le "$2" ]; do
		if [ "$3" = 0 ]; then
			printf '#!/bin/sh\nexit 0\n' >"$dir/$1/t/t$i"
		else
			printf '#!/bin/sh\nsleep %s\n' "$3" >"$dir/$1/t/t$i"
		fi
		chmod +x "$dir/$1/t/t$i"
		i=$((i + 1))
	done
	cat >"$dir/$1/offload.ini" <<EOF
[offload]
max_parallel = ${6:-6}
test_timeout_secs = 120
[provider]
shell = $dir/tsh
$4
[framework]
type = exec
paths = t/*
[group.all]
$5
[report]
output_dir = $dir/out-$1
EOF
}
ssh_provider="type = ssh
hosts = h1 h2 h3
ssh_config = $cluster/ssh/config"
slurm_provider="type = slurm
partition = test
[provider.env]
SLURM_CONF = $SLURM_CONF"
slurm_packed="type = slurm
partition = test
sandboxes_per_allocation = 34
[provider.env]
SLURM_CONF = $SLURM_CONF"
suite ssh600 600 0.05 "$ssh_provider" ""
suite ssh30 30 0.5 "$ssh_provider" ""
suite ssh30z 30 0 "$ssh_provider" ""
suite slurm100 100 0 "$slurm_provider" "schedule_individual = true" 100
suite slurm100p 100 0 "$slurm_packed" "schedule_individual = true" 100

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# offload_run NAME: one run of suite NAME; appends its wall time to
# NAME.times and, from its steps, the time from start to the first exec
# step to NAME.create; keeps the steps in NAME.steps and NAME.t0.
offload_run() {
	rm -rf "$dir/out-$1"	# no history: every round plans the same
	: >"$dir/$1.steps"
	t0=$(now)
	(cd "$dir/$1" && CI=true OFFLOAD_BENCH_STEPS=$dir/$1.steps \
		"$offload" run >"$dir/$1.log" 2>&1) || {
		tail -n 5 "$dir/$1.log" >&2
		echo "$PROG: offload run of $1 failed" >&2
		return 1
	}
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >"$dir/v"
	record "$1.times" "$(cat "$dir/v")"
	echo "$t0" >"$dir/$1.t0"
	classify "$dir/$1.steps" | awk -v t0="$t0" '
		$1 == "exec" && (f == "" || $2 < f) { f = $2 }
		END { printf "%.3f\n", f - t0 }' >"$dir/v"
	record "$1.create" "$(cat "$dir/v")"
}

# classify STEPS: "kind start end rc" per step, kind from the template's
# own text (src/provider_ssh.c, src/provider_slurm.c).
classify() {
	awk '{
		c = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", c)
		if (c ~ /\.offload\.tar/) k = "download"
		else if (c ~ / -O check /) k = "session-check"
		else if (c ~ /exit 125/) k = "exec"
		else if (c ~ /^set -e; run=/ || c ~ /^tar=/ || c ~ /^run=[^;]*; tar=/) k = "prepare"
		else if (c ~ /^run=[^;]*; grep -qxF/ || c ~ /^out=\$\(salloc/) k = "create"
		else if (c ~ /^d=/ || c ~ /rm -rf \/var\/tmp\/offload-\$run-\$ix-\$id/) k = "destroy"
		else if (c ~ /^run=[^;]*; for h in/ || c ~ /^run=[^;]*; squeue/) k = "stop"
		else k = "exec"
		print k, $1, $2, $3
	}' "$1"
}

# profile NAME: the steps of NAME's last run, per kind: how many, when
# the first started and the last ended (s from offload's start), the
# median and the longest step.
profile() {
	t0=$(cat "$dir/$1.t0")
	for k in session-check prepare create exec download destroy stop; do
		classify "$dir/$1.steps" | awk -v k="$k" -v t0="$t0" '
			$1 == k { n++; d[n] = $3 - $2; if (f == "" || $2 < f) f = $2
				  if ($3 > l) l = $3; if ($4 != 0) bad++ }
			END { if (!n) exit
				for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
					if (d[j] < d[i]) { x = d[i]; d[i] = d[j]; d[j] = x }
				printf "      %-13s %3d  %6.2f .. %6.2f s   median %5.2f s  max %5.2f s%s\n",
					k, n, f - t0, l - t0, d[int((n + 1) / 2)], d[n],
					bad ? sprintf("  (%d exited non-zero)", bad) : "" }'
	done
}

# lifecycle NAME: what creating and destroying NAME's sandboxes cost in
# its last run, without the batches: the time from offload's start to the
# end of its last create step, plus every destroy and stop step's own
# time.  Appended to NAME.life.
lifecycle() {
	classify "$dir/$1.steps" | awk -v t0="$(cat "$dir/$1.t0")" '
		$1 == "create" && $3 > c { c = $3 }
		$1 == "destroy" || $1 == "stop" { d += $3 - $2 }
		END { printf "%.3f\n", (c ? c - t0 : 0) + d }' >"$dir/v"
	echo "$(cat "$dir/v")" >>"$dir/$1.life"
}

# record FILE VALUE: a measurement, kept only if measure() accepts it.
record() {
	printf '%s %s\n' "$1" "$2" >>"$dir/pending"
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The peer for the rounds remote-peer.sh does not run: its own command
# line, unchanged (tests/bench/remote-peer.sh `peer`).
PARALLEL_HOME=$dir/parallel
export PARALLEL_HOME
mkdir -p "$PARALLEL_HOME"
: >"$PARALLEL_HOME/will-cite"
parallel_run() {	# parallel_run N SECS NAME
	t0=$(now)
	seq "$1" | parallel -N0 --halt now,fail=1 \
		--ssh "ssh -F $cluster/ssh/config" -S 2/h1,2/h2,2/h3 sleep "$2" || {
		echo "$PROG: parallel: $1 x sleep $2 failed" >&2
		return 1
	}
	record "$3.times" "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }')"
}
peer() {	# peer ssh|slurm: remote-peer.sh's lines into the .times files
	"$here/remote-peer.sh" "$cluster" "$1" >"$dir/peer.out" || return 1
	while read -r name secs; do
		record "$name.times" "$secs"
	done <"$dir/peer.out"
}

# measure CMD...: run one measurement and keep what it recorded.  The
# cluster is shared, and other sessions' tests kill hosts on purpose: when
# the measurement failed, or the cluster was restarted meanwhile (DIR/pids
# changed), it is thrown away, the cluster brought back with up.sh (a
# no-op when it is up) and the measurement made again, up to 3 times.
retried=0
measure() {
	for _try in 1 2 3; do
		: >"$dir/pending"
		_pids=$(cksum <"$cluster/pids")
		if "$@" && [ "$(cksum <"$cluster/pids")" = "$_pids" ]; then
			while read -r _f _v; do
				echo "$_v" >>"$dir/$_f"
			done <"$dir/pending"
			return 0
		fi
		echo "$PROG: '$*' failed or the cluster restarted meanwhile: measuring again" >&2
		retried=$((retried + 1))
		"$here/../cluster/up.sh" "$cluster" >"$dir/up.log" 2>&1 ||
			die "tests/cluster/up.sh failed: $(tail -n 5 "$dir/up.log")"
	done
	die "'$*' failed 3 times"
}

load_start=$(load)
r=1
while [ "$r" -le "$rounds" ]; do
	printf '%s: round %d of %d, load average %s\n' "$PROG" "$r" "$rounds" "$(load)" >&2
	if [ "$r" -le "$rounds600" ]; then
		measure peer ssh	# parallel, 600 x 0.05 s then 30 x 0.5 s
	else
		measure parallel_run 30 0.5 parallel-ssh-30x0.5s
	fi
	measure offload_run ssh600
	measure offload_run ssh30
	measure offload_run ssh30z
	measure peer floor
	measure peer slurm
	for s in slurm100 slurm100p; do
		measure offload_run $s
		lifecycle $s
		# offload's own allocations only (other sessions use the cluster too)
		rid=$(grep -o 'offload-[0-9a-f]*' "$dir/$s.steps" | head -n 1)
		[ -z "$(squeue -h -t PD,R -n "$rid")" ] ||
			die "allocations of $rid left in squeue: $(squeue -h -n "$rid" | tr '\n' ';')"
	done
	r=$((r + 1))
done

p600=$(median "$dir/parallel-ssh-600x0.05s.times")
o600=$(median "$dir/ssh600.times")
p30=$(median "$dir/parallel-ssh-30x0.5s.times")
o30=$(median "$dir/ssh30.times")
c30=$(median "$dir/ssh30.create")
z30=$(median "$dir/ssh30z.times")
fr=$(median "$dir/ssh-floor-30x0.5s-raw.times")
fi=$(median "$dir/ssh-floor-30x0.5s-isolated.times")
ls=$(median "$dir/slurm100.life")
lp=$(median "$dir/slurm100p.life")
ps=$(median "$dir/slurm-sandboxes-100.times")
pr=$(median "$dir/slurm-srun-100.times")
os=$(median "$dir/slurm100.times")
op=$(median "$dir/slurm100p.times")
printf 'bench-remote: test cluster %s, %d rounds (parallel 600 jobs: %d), median wall time\n' \
	"$cluster" "$rounds" "$rounds600"
printf 'load average: %s at the start, %s at the end (2 cores)\n' "$load_start" "$(load)"
[ "$retried" = 0 ] || printf 'measurements thrown away and made again (the shared cluster lost a host): %d\n' "$retried"
awk -v p="$p600" -v o="$o600" 'BEGIN {
	printf "ssh, 6 slots, 600 tests of 0.05 s (ideal 5 s)\n"
	printf "  parallel -S:  %7.2f s\n  offload:      %7.2f s\n", p, o
	printf "  ratio offload/parallel: %.2f (target <= 0.5)\n", o / p }'
profile ssh600
awk -v p="$p30" -v o="$o30" -v c="$c30" -v z="$z30" 'BEGIN {
	printf "ssh, 6 slots, 30 tests of 0.5 s (ideal 2.5 s)\n"
	printf "  parallel -S:  %7.2f s\n  offload:      %7.2f s\n", p, o
	printf "  sandbox creation (offload start to first exec): %.2f s\n", c
	printf "  fixed cost (the same 30 tests of 0 s):          %.2f s\n", z
	printf "  ratio offload/(2.5 s + creation): %.2f (target <= 1.1)\n", o / (2.5 + c)
	printf "  ratio offload/(2.5 s + fixed cost): %.2f\n", o / (2.5 + z)
	printf "  ratio offload/parallel: %.2f\n", o / p }'
awk -v r="$fr" -v i="$fi" -v c="$c30" 'BEGIN {
	printf "  the floor (remote-peer.sh: masters open, workspace on the hosts, untimed):\n"
	printf "    6 sessions running their 5 tests:          %5.2f s\n", r
	printf "    the same in sandboxes (cp -a, timeout, results back, clean-up): %.2f s\n", i
	printf "  ratio floor/(2.5 s + creation), offload'"'"'s creation added to both: %.2f\n", (c + i) / (2.5 + c)
	printf "    (without the sandboxes: %.2f)\n", (c + r) / (2.5 + c) }'
profile ssh30
awk -v p="$ps" -v r="$pr" -v o="$os" -v q="$op" 'BEGIN {
	printf "slurm, 100 sandboxes created and destroyed (target < 5 s)\n"
	printf "  salloc/scancel, 12 at a time (remote-peer.sh): %7.2f s\n", p
	printf "  100 raw steps (srun true, at once, 3 allocations): %5.2f s\n", r
	printf "  offload, 100 tests, max_parallel 100, one each,\n"
	printf "    one allocation per sandbox:                  %7.2f s\n", o
	printf "    34 sandboxes per allocation:                 %7.2f s\n", q
	printf "  ratio offload (packed)/salloc-loop: %.2f, /raw steps: %.2f\n", q / p, q / r }'
awk -v s="$ls" -v p="$lp" 'BEGIN {
	printf "  of which creating and destroying the sandboxes (start to the last create step,\n"
	printf "  plus the destroy and stop steps; the batches not counted):\n"
	printf "    one allocation per sandbox:                  %7.2f s\n", s
	printf "    34 sandboxes per allocation:                 %7.2f s\n", p }'
echo "  one allocation per sandbox:"
profile slurm100
echo "  34 sandboxes per allocation:"
profile slurm100p
