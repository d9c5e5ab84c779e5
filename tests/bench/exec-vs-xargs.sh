#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: N trivial `exec` tests run by `offload run -j 2` next to the
# same programs run by `xargs -P2`, alternating, in the same session (the
# machine is noisy: only the ratio means something).  Prints the median
# of each and the ratio offload/xargs.
# Usage: exec-vs-xargs.sh /path/to/offload [N] [ROUNDS]
set -eu
offload=$1
n=${2:-2000}
rounds=${3:-5}
dir=$(mktemp -d /tmp/offload-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
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

now() { date +%s.%N; }
: >"$dir/offload.times"
: >"$dir/xargs.times"
r=0
while [ $r -lt "$rounds" ]; do
	t0=$(now)
	(cd "$dir" && ls t/*.sh | xargs -P2 -n1 sh) >/dev/null
	t1=$(now)
	rm -f "$dir/out/junit.xml"	# no history: every round schedules the same way
	CI=true "$offload" run -c "$dir/offload.ini" -j 2 >"$dir/run.log" 2>&1 ||
		{ cat "$dir/run.log"; exit 1; }
	t2=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$dir/xargs.times"
	awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }' >>"$dir/offload.times"
	r=$((r + 1))
done
grep -q "^$n passed, 0 failed" "$dir/run.log" || { cat "$dir/run.log"; exit 1; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mx=$(median "$dir/xargs.times")
mo=$(median "$dir/offload.times")
printf 'bench: %d trivial exec tests, -j 2, %d rounds (median wall time)\n' "$n" "$rounds"
printf '  xargs -P2:        %.3f s\n' "$mx"
printf '  offload run -j 2: %.3f s\n' "$mo"
printf '  ratio offload/xargs: %.3f (target <= 1.1)\n' "$(awk -v a="$mo" -v b="$mx" 'BEGIN { print a / b }')"
