#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: per-test overhead.  N trivial tests (a two-line #!/bin/sh
# script that exits 0) on 2 slots, each runner starting one process per
# test, in one interleaved run (every round runs every runner, another
# one first each round; the machine is shared and noisy, so only the
# ratios mean something):
#   offload   offload run -j 2 (no history: its output directory, with the
#             report and the history file, is removed before each round)
#   xargs     ls t/*.sh | xargs -P2 -n1 sh
#   make      make -j2, one target per test, the recipe the script itself
#   parallel  ls t/*.sh | parallel -j2 sh          (Debian's parallel)
#   ctest     ctest -j2, one add_test per test      (Debian's cmake; the
#             build directory is configured once, outside the timing)
#   pytest    /usr/bin/python3 -m pytest -n 2, one parametrized test per
#             script, each running it with subprocess.run (Debian's
#             python3-pytest and python3-pytest-xdist, --dist load)
# Wall time is the whole command: start-up, discovery or collection,
# scheduling, the tests, reports.  A missing peer is installed from
# Debian when run as root, else skipped.  Prints the median wall time of
# each runner, per test, and offload's time over the peer's; no
# assertion but that every run passes.  A round takes about 2 min here
# (load 3-5), half of it GNU parallel's (about 33 ms a test): `make bench`
# runs one round, the default is 3.
# Usage: overhead.sh OFFLOAD [N] [ROUNDS]
set -eu
PROG=${0##*/}
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $PROG OFFLOAD [N] [ROUNDS]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
offload=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
n=${2:-2000}
rounds=${3:-3}
dir=$(mktemp -d /tmp/offload-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

runners="offload xargs make"
need parallel parallel --version && runners="$runners parallel"
need cmake ctest --version && runners="$runners ctest"
need python3-pytest-xdist /usr/bin/python3 -c 'import pytest, xdist' &&
	runners="$runners pytest"

mkdir "$dir/t"
i=0
while [ $i -lt "$n" ]; do
	printf '#!/bin/sh\nexit 0\n' >"$dir/t/test-$i.sh"
	i=$((i + 1))
done
chmod +x "$dir"/t/*.sh
cat >"$dir/offload.ini" <<INI
[offload]
max_parallel = 2
[framework]
type = exec
paths = t/*.sh
[group.all]
[report]
output_dir = $dir/out
INI
{
	printf 'all:'
	i=0; while [ $i -lt "$n" ]; do printf ' t%d' $i; i=$((i + 1)); done
	printf '\n.PHONY: all\n'
	i=0; while [ $i -lt "$n" ]; do printf 't%d:\n\t@./t/test-%d.sh\n' $i $i; i=$((i + 1)); done
} >"$dir/Makefile"
mkdir -p "$dir/parallel-home"
: >"$dir/parallel-home/will-cite"
PARALLEL_HOME=$dir/parallel-home
export PARALLEL_HOME
case " $runners " in *" ctest "*)
	mkdir -p "$dir/ctest/build"
	{
		printf 'cmake_minimum_required(VERSION 3.13)\nproject(overhead NONE)\nenable_testing()\n'
		i=0; while [ $i -lt "$n" ]; do
			printf 'add_test(NAME test-%d COMMAND %s/t/test-%d.sh)\n' $i "$dir" $i
			i=$((i + 1))
		done
	} >"$dir/ctest/CMakeLists.txt"
	(cd "$dir/ctest/build" && cmake .. >"$dir/cmake.log" 2>&1) ||
		{ tail -n 5 "$dir/cmake.log" >&2; exit 1; }
esac
printf '[pytest]\n' >"$dir/pytest.ini"	# the rootdir: no config from above
cat >"$dir/test_trivial.py" <<'PY'
import glob
import subprocess

import pytest


@pytest.mark.parametrize("path", sorted(glob.glob("t/*.sh")))
def test_exec(path):
    subprocess.run([path], check=True)
PY

# run RUNNER: one run of RUNNER over the suite, its wall time appended to
# $dir/RUNNER.times; a failing run stops the benchmark.
run() {
	case $1 in
	offload) rm -rf "$dir/out" ;;	# report and history: no history
	esac
	_t0=$(now)
	# shellcheck disable=SC2011,SC2012 # ls: the names are test-N.sh
	case $1 in
	offload) CI=true "$offload" run -c offload.ini -j 2 ;;
	xargs) ls t/*.sh | xargs -P2 -n1 sh ;;
	make) make -s -j2 ;;
	parallel) ls t/*.sh | parallel -j2 sh ;;
	ctest) (cd ctest/build && ctest -j2) ;;
	pytest) PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 /usr/bin/python3 -m pytest \
		-q -p xdist -p no:cacheprovider -n 2 test_trivial.py ;;
	esac >"$dir/$1.log" 2>&1 || {
		tail -n 5 "$dir/$1.log" >&2
		echo "$PROG: $1 failed" >&2
		exit 1
	}
	elapsed "$_t0" >>"$dir/$1.times"
}

cd "$dir"
r=0
while [ $r -lt "$rounds" ]; do
	printf '%s: round %d of %d, load average %s\n' "$PROG" $((r + 1)) "$rounds" \
		"$(cut -d' ' -f1-3 /proc/loadavg)" >&2
	# shellcheck disable=SC2086 # word splitting of the runner list
	for x in $(rotate $r $runners); do
		run "$x"
	done
	r=$((r + 1))
done
grep -q "^$n passed, 0 failed" offload.log || { cat offload.log; exit 1; }

mo=$(median offload.times)
printf 'bench-overhead: %d trivial tests, 2 slots, median of %d round(s); load average %s at the start, %s at the end (2 cores)\n' \
	"$n" "$rounds" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| runner | wall time | per test | offload / runner |\n|---|---|---|---|\n'
for x in $runners; do
	case $x in
	offload) name='offload run -j 2' ;;
	xargs) name='xargs -P2' ;;
	make) name='make -j2' ;;
	parallel) name='parallel -j2' ;;
	ctest) name='ctest -j2' ;;
	pytest) name='pytest -n 2' ;;
	esac
	awk -v name="$name" -v m="$(median "$x.times")" -v mo="$mo" -v n="$n" \
		'BEGIN { printf "| %s | %.3f s | %.2f ms | %.2f |\n", name, m, 1000 * m / n, mo / m }'
done
