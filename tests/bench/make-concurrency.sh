#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: the Make module under make -jN beside other recipes -- the
# four Makefiles of issue 6 -- against their ideal wall time and against
# make running each test as a recipe of its own (the peer: make's own
# scheduler with no runner in between), in the same session.  Prints the
# median wall time of each and the ratios; no assertion (a noisy machine
# makes timed assertions lie).
#   A  test target first: $(offload-run) of 4 tests of 2 s, beside a chain
#      of 4 build steps of 1 s, make -j4                         ideal 4 s
#   B  the same, the build chain listed first                    ideal 4 s
#   C  the same, the recipe runs `+offload run` itself           ideal 4 s
#   D  two $(offload-run) targets of 4 tests of 2 s each, -j8    ideal 2 s
#   P  the peer: each test a recipe of its own, with the chain   ideal 4 s
# Usage: make-concurrency.sh BUILD_DIR [ROUNDS] [MAKE]
set -eu
build=$(cd "$1" && pwd)
rounds=${2:-3}
mk=${3:-make}
dir=$(mktemp -d /tmp/offload-mkbench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$dir"
for s in one two; do
	mkdir -p "$s"
	for i in 1 2 3 4; do
		printf '#!/bin/sh\nsleep 2\n' >"$s/t$i"
		chmod +x "$s/t$i"
	done
	printf '[offload]\nmax_parallel = 10\n[framework]\ntype = exec\npaths = %s/*\n[group.%s]\n[report]\noutput_dir = out-%s\n' \
		"$s" "$s" "$s" >"$s.ini"
done
chain='b4: b3 ; @sleep 1
b3: b2 ; @sleep 1
b2: b1 ; @sleep 1
b1: ; @sleep 1
.PHONY: b1 b2 b3 b4 check check2'
printf 'include %s/gmk/offload.mk\nall: check b4\ncheck:\n\t$(offload-run one.ini)\n%s\n' \
	"$build" "$chain" >A.mk
printf 'include %s/gmk/offload.mk\nall: b4 check\ncheck:\n\t$(offload-run one.ini)\n%s\n' \
	"$build" "$chain" >B.mk
printf 'all: b4 check\ncheck:\n\t+@%s/bin/offload run -c one.ini >/dev/null\n%s\n' \
	"$build" "$chain" >C.mk
printf 'include %s/gmk/offload.mk\nall: check check2\ncheck:\n\t$(offload-run one.ini)\ncheck2:\n\t$(offload-run two.ini)\n%s\n' \
	"$build" "$chain" >D.mk
printf 'all: b4 one/t1 one/t2 one/t3 one/t4\n.PHONY: one/t1 one/t2 one/t3 one/t4\none/t%%: ; @./$@\n%s\n' \
	"$chain" >P.mk

now() { date +%s.%N; }
run() {	# run NAME JOBS: append the wall time to NAME.times
	t0=$(now)
	"$mk" -s -j"$2" -f "$1.mk" >/dev/null 2>"$1.err" || {
		echo "make -f $1.mk failed:" >&2
		cat "$1.err" >&2
		exit 1
	}
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >>"$1.times"
}
r=0
while [ "$r" -lt "$rounds" ]; do
	for m in A B C D P; do
		rm -rf out-one out-two	# no history: every round plans the same
		case $m in D) run $m 8 ;; *) run $m 4 ;; esac
	done
	r=$((r + 1))
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
p=$(median P.times)
printf '%s, %s rounds, median wall time\n' "$("$mk" --version | head -n 1)" "$rounds"
for m in A B C D P; do
	t=$(median $m.times)
	case $m in D) ideal=2 ;; *) ideal=4 ;; esac
	awk -v m="$m" -v t="$t" -v i="$ideal" -v p="$p" 'BEGIN {
		printf "%s  %6.2f s  %.2fx ideal  %.2fx make-per-test\n", m, t, t / i, t / p }'
done
