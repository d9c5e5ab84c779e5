#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: how close each runner gets to the floor on a heavy-tailed
# suite (issue 10's).  200 exec tests that sleep (a fixed seed draws their
# times: total TOTAL s, the longest clipped to 9 % of it; by default 40 s
# and 3.6 s, LB 20 s), 2 slots, in three discovery orders: as drawn,
# longest last, longest first.  Side by side in one interleaved run: in
# each round every runner runs each order, another runner first each
# time, so that a drift in the machine's load hits them all:
#   xargs          ls t/* | xargs -P2 (a plain dynamic queue)
#   xargs-lpt      the same queue fed longest first from the exact times:
#                  what exact history buys a runner that adds next to
#                  nothing of its own (the floor for offload-exact here)
#   make           make -j2, one target per test
#   parallel       ls t/* | parallel -j2            (Debian's parallel)
#   ctest-1st      ctest -j2 in a build directory configured afresh (cmake
#                  outside the timing), one add_test per test (Debian's
#                  cmake); no cost data
#   ctest-2nd      ctest -j2 again in that directory, right after: it
#                  starts the costliest tests first by CTestCostData.txt
#   pytest         /usr/bin/python3 -m pytest -n 2 (Debian's python3-pytest
#                  and python3-pytest-xdist, default --dist load), one
#                  parametrized test per script in the order's sequence,
#                  each running that script with subprocess.run
#   offload-none   offload run, no history
#   offload-exact  offload run, the exact times as history
#   offload-noisy  offload run, a history off by up to +-50 % (each time
#                  multiplied by a factor drawn in [0.5, 1.5])
# Every runner runs the same scripts (`exec sleep S`).  offload's history
# files and output directory are restored before each of its runs, so
# every round sees the same history.  A missing peer is installed from
# Debian when run as root, else skipped.  Prints makespan / LB, where LB
# = max(total / 2, longest), per runner and order (median over rounds),
# and each offload's makespan over xargs's in the same round (the worst
# round); the sleeps use no CPU, so the machine's load shows only as
# overhead.  No assertion.  One round of the defaults takes about 10 min
# (9 runs of ~21 s in each of 3 orders): `make bench` runs one.
# Usage: schedule.sh OFFLOAD [ROUNDS] [TOTAL]
set -eu
PROG=${0##*/}
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $PROG OFFLOAD [ROUNDS] [TOTAL]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
offload=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
rounds=${2:-1}
total=${3:-40}
n=200
dir=$(mktemp -d /tmp/offload-sched-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# The rotation's units: ctest stands for its 1st and 2nd run, in a row.
units="xargs xargs-lpt make"
need parallel parallel --version && units="$units parallel"
need cmake ctest --version && units="$units ctest"
need python3-pytest-xdist /usr/bin/python3 -c 'import pytest, xdist' &&
	units="$units pytest"
units="$units offload-none offload-exact offload-noisy"
runners=$(echo "$units" | sed 's/ctest/ctest-1st ctest-2nd/')
orders="drawn last first"

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
# by name), a Makefile, a CMakeLists.txt, a pytest module, the offload
# configurations and their pristine history files (in h/).
suite() {
	d=$dir/$1
	mkdir -p "$d/t" "$d/h"
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
	{
		printf 'cmake_minimum_required(VERSION 3.13)\nproject(schedule NONE)\nenable_testing()\n'
		while read -r k s; do printf 'add_test(NAME t%s COMMAND %s/t/%s)\n' "$k" "$d" "$k"; done <"$d/order"
	} >"$d/CMakeLists.txt"
	printf '[pytest]\n' >"$d/pytest.ini"	# the rootdir: no config from above
	cat >"$d/test_sleep.py" <<'PY'
import subprocess

import pytest

with open("order") as f:
    NAMES = [line.split()[0] for line in f]


@pytest.mark.parametrize("name", NAMES)
def test_sleep(name):
    subprocess.run(["t/" + name], check=True)
PY
	for h in exact noisy; do
		awk -v h=$h 'BEGIN { srand(7); print "<testsuites><testsuite name=\"all\">" }
			{ f = h == "noisy" ? 0.5 + rand() : 1
			  printf "<testcase classname=\"all\" name=\"t/%s\" time=\"%.3f\"/>\n", $1, $2 * f }
			END { print "</testsuite></testsuites>" }' "$d/order" >"$d/h/history-$h.xml"
	done
	for h in none exact noisy; do
		cat >"$d/offload-$h.ini" <<EOF2
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
EOF2
	done
}

# timed NAME ORDER CMD...: run CMD in the order's directory, append the
# wall time to NAME-ORDER.times (line R for round R).
timed() {
	_name=$1 _order=$2
	shift 2
	_t0=$(now)
	(cd "$dir/$_order" && "$@") >"$dir/last.log" 2>&1 || {
		tail -n 5 "$dir/last.log" >&2
		echo "$PROG: $_name failed on order $_order" >&2
		exit 1
	}
	elapsed "$_t0" >>"$dir/$_name-$_order.times"
}

# unit UNIT ORDER: one run (ctest: two) of UNIT on ORDER.
unit() {
	_d=$dir/$2
	# shellcheck disable=SC2016 # $0 is for the inner sh
	case $1 in
	xargs) timed xargs "$2" sh -c 'ls t/* | xargs -P2 -n1 sh -c "exec \"\$0\""' ;;
	xargs-lpt) timed xargs-lpt "$2" sh -c 'sort -k2,2nr order | sed "s|^|t/|; s| .*||" |
		xargs -P2 -n1 sh -c "exec \"\$0\""' ;;
	make) timed make "$2" make -s -j2 ;;
	parallel) timed parallel "$2" sh -c 'ls t/* | parallel -j2 "{}"' ;;
	ctest)
		rm -rf "$_d/build"
		mkdir "$_d/build"
		(cd "$_d/build" && cmake .. >"$dir/cmake.log" 2>&1) ||
			{ tail -n 5 "$dir/cmake.log" >&2; exit 1; }
		timed ctest-1st "$2" ctest --test-dir build -j2
		timed ctest-2nd "$2" ctest --test-dir build -j2 ;;
	pytest) timed pytest "$2" env PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 /usr/bin/python3 \
		-m pytest -q -p xdist -p no:cacheprovider -n 2 test_sleep.py ;;
	offload-*)
		_h=${1#offload-}
		# The same history every round: offload adds each run to a
		# history file that is not a report (history-none.xml does
		# not exist, so it would start one), and falls back to the
		# last report.
		rm -rf "$_d/out-$_h" "$_d/history-$_h.xml"
		[ "$_h" = none ] || cp "$_d/h/history-$_h.xml" "$_d/"
		timed "$1" "$2" env CI=true "$offload" run -c "offload-$_h.ini" ;;
	esac
}

for o in $orders; do
	suite "$o"
done
mkdir -p "$dir/parallel-home"
: >"$dir/parallel-home/will-cite"
PARALLEL_HOME=$dir/parallel-home
export PARALLEL_HOME

r=0
k=0
while [ "$r" -lt "$rounds" ]; do
	printf '%s: round %d of %d, load average %s\n' "$PROG" $((r + 1)) "$rounds" \
		"$(cut -d' ' -f1-3 /proc/loadavg)" >&2
	for o in $orders; do
		# shellcheck disable=SC2086 # word splitting of the unit list
		for u in $(rotate $k $units); do
			unit "$u" "$o"
		done
		k=$((k + 1))
	done
	r=$((r + 1))
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
printf 'bench-schedule: %d heavy-tailed tests, total %s s, longest %s s, LB %.2f s, 2 slots, %d round(s); load average %s at the start, %s at the end (2 cores)\n' \
	$n "$(awk '{ s += $2 } END { printf "%.1f", s }' "$dir/times")" \
	"$(sort -k2,2nr "$dir/times" | awk 'NR == 1 { print $2 }')" "$lb" "$rounds" \
	"$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| makespan / LB (median) | drawn | longest last | longest first |\n|---|---|---|---|\n'
for x in $runners; do
	printf '| %s |' "$x"
	for o in $orders; do
		printf ' %s |' "$(ratio "$(median "$dir/$x-$o.times")" "$lb")"
	done
	printf '\n'
done
# Per round: offload's makespan over xargs's in that very round.
printf '| offload / xargs -P2, same round (worst) | drawn | longest last | longest first |\n|---|---|---|---|\n'
for x in offload-none offload-exact offload-noisy; do
	printf '| %s |' "$x"
	for o in $orders; do
		printf ' %s |' "$(paste "$dir/$x-$o.times" "$dir/xargs-$o.times" |
			awk '{ q = $1 / $2; if (NR == 1 || q > w) w = q } END { printf "%.3f", w }')"
	done
	printf '\n'
done
# Issue 10's targets, on the medians above and the per-round ratios.
for t in exact:1.02 noisy:1.05 none:1.06; do
	h=${t%:*} lim=${t#*:}
	worst=0
	for o in $orders; do
		worst=$(awk -v w="$worst" -v q="$(ratio "$(median "$dir/offload-$h-$o.times")" "$lb")" \
			'BEGIN { print (q > w ? q : w) }')
	done
	printf 'target: offload-%s makespan <= %s LB in every order: %s (worst %s)\n' "$h" "$lim" \
		"$(awk -v w="$worst" -v l="$lim" 'BEGIN { print (w <= l ? "met" : "NOT met") }')" "$worst"
done
worst=$(for x in offload-none offload-exact offload-noisy; do
	for o in $orders; do paste "$dir/$x-$o.times" "$dir/xargs-$o.times"; done
done | awk '{ q = $1 / $2; if (NR == 1 || q > w) w = q } END { printf "%.3f", w }')
printf 'target: offload never slower than xargs -P2 in the same round: %s (worst %s)\n' \
	"$(awk -v w="$worst" 'BEGIN { print (w <= 1 ? "met" : "NOT met") }')" "$worst"
