#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: how close each runner gets to the floor on a heavy-tailed
# suite.  200 exec tests that sleep (a fixed seed draws their times: total
# TOTAL s, the longest 9 % of it), 2 slots, in three discovery orders: as
# drawn, longest last, longest first.  Side by side in one interleaved
# run: xargs -P2 (a plain dynamic queue), make -j2 (one target per test),
# GNU parallel -j2 (when installed), and offload with no history, with the
# exact times as history, and with a history off by up to +-50 % (each
# time multiplied by a factor drawn in [0.5, 1.5]).  Prints makespan / LB,
# where LB = max(total / 2, longest), per runner and order; the sleeps use
# no CPU, so the machine's load shows only as overhead.  No assertion.
# Usage: schedule.sh OFFLOAD [ROUNDS] [TOTAL]
set -eu
PROG=${0##*/}
[ $# -ge 1 ] && [ $# -le 3 ] || { echo "usage: $PROG OFFLOAD [ROUNDS] [TOTAL]" >&2; exit 2; }
offload=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rounds=${2:-1}
total=${3:-20}
n=200
dir=$(mktemp -d /tmp/offload-sched-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
unset MAKEFLAGS MFLAGS MAKELEVEL

# The times, drawn once: a Pareto-like tail, scaled to `total`, the
# longest clipped to 9 % of it.  times: "index seconds".
awk -v n=$n -v total="$total" 'BEGIN {
	srand(42)
	for (i = 1; i <= n; i++) { t[i] = 0.05 * (rand() + 1e-9) ^ -0.9; s += t[i] }
	for (i = 1; i <= n; i++) {
		t[i] *= total / s
		if (t[i] > 0.09 * total) t[i] = 0.09 * total
		printf "%d %.3f\n", i, t[i]
	}
}' >"$dir/times"
lb=$(awk '{ s += $2; if ($2 > m) m = $2 } END { x = s / 2; print (x > m ? x : m) }' "$dir/times")

# suite ORDER: $dir/ORDER/t/NNN in the order's sequence (discovery sorts
# by name), a Makefile, the offload config and three history files.
suite() {
	d=$dir/$1
	mkdir -p "$d/t"
	case $1 in
	drawn) cat "$dir/times" ;;
	last) sort -k2,2n "$dir/times" ;;
	first) sort -k2,2nr "$dir/times" ;;
	esac | awk '{ printf "%03d %s\n", NR, $2 }' >"$d/order"
	while read -r k s; do
		printf '#!/bin/sh\nexec sleep %s\n' "$s" >"$d/t/$k"
		chmod +x "$d/t/$k"
	done <"$d/order"
	{
		printf 'all:'
		while read -r k s; do printf ' t%s' "$k"; done <"$d/order"
		printf '\n.PHONY: all'
		while read -r k s; do printf ' t%s' "$k"; done <"$d/order"
		printf '\n'
		while read -r k s; do printf 't%s:\n\t@./t/%s\n' "$k" "$k"; done <"$d/order"
	} >"$d/Makefile"
	for h in exact noisy; do
		awk -v h=$h 'BEGIN { srand(7); print "<testsuites><testsuite name=\"all\">" }
			{ f = h == "noisy" ? 0.5 + rand() : 1
			  printf "<testcase classname=\"all\" name=\"t/%s\" time=\"%.3f\"/>\n", $1, $2 * f }
			END { print "</testsuite></testsuites>" }' "$d/order" >"$d/history-$h.xml"
	done
	for h in none exact noisy; do
		cat >"$d/offload-$h.ini" <<EOF
[offload]
max_parallel = 2
test_timeout_secs = 60
[framework]
type = exec
paths = t/*
[group.all]
[history]
path = history-$h.xml
[report]
output_dir = out-$h
EOF
	done
}

now() { date +%s.%N; }
# timed NAME ORDER CMD...: run CMD in the order's directory, append the
# wall time to NAME-ORDER.times.
timed() {
	_name=$1 _order=$2
	shift 2
	_t0=$(now)
	(cd "$dir/$_order" && "$@") >"$dir/last.log" 2>&1 || {
		tail -n 5 "$dir/last.log" >&2
		echo "$PROG: $_name failed on order $_order" >&2
		exit 1
	}
	awk -v a="$_t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }' >>"$dir/$_name-$_order.times"
}

runners="xargs make"
command -v parallel >/dev/null && runners="$runners parallel"
runners="$runners offload-none offload-exact offload-noisy"
orders="drawn last first"
for o in $orders; do
	suite "$o"
done
mkdir -p "$dir/parallel-home"
: >"$dir/parallel-home/will-cite"
PARALLEL_HOME=$dir/parallel-home
export PARALLEL_HOME

r=1
while [ "$r" -le "$rounds" ]; do
	printf '%s: round %d of %d, load average %s\n' "$PROG" "$r" "$rounds" \
		"$(cut -d' ' -f1-3 /proc/loadavg)" >&2
	for o in $orders; do
		for x in $runners; do
			case $x in
			xargs) timed $x $o sh -c 'ls t/* | xargs -P2 -n1 sh -c "exec \"\$0\""' ;;
			make) timed $x $o make -s -j2 ;;
			parallel) timed $x $o sh -c 'ls t/* | parallel -j2 "{}"' ;;
			offload-*)
				rm -rf "$dir/$o/out-${x#offload-}"
				timed $x $o env CI=true "$offload" run -c "offload-${x#offload-}.ini" ;;
			esac
		done
	done
	r=$((r + 1))
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf 'bench-schedule: %d heavy-tailed tests, total %s s, LB %.2f s, 2 slots, %d round(s)\n' \
	$n "$(awk '{ s += $2 } END { printf "%.1f", s }' "$dir/times")" "$lb" "$rounds"
printf 'load average at the end: %s (2 cores)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'makespan / LB (median)   %-8s %-8s %-8s\n' "drawn" "longest-last" "longest-first"
for x in $runners; do
	printf '  %-22s' "$x"
	for o in $orders; do
		printf ' %-8.3f' "$(awk -v m="$(median "$dir/$x-$o.times")" -v lb="$lb" 'BEGIN { print m / lb }')"
	done
	printf '\n'
done
