#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark: what hostile-but-realistic inputs cost offload -- max RSS and
# wall time of a whole `offload run` (or `offload logs`) for each case.
# No assertion (a benchmark, not a timed test); docs/benchmarks.md keeps
# the numbers.
#   output   one test printing 1 GiB, one printing 1 GiB and failing
#   tests    100,000 trivial tests (custom framework, batches of many)
#   ids      1,000 tests with 64 KiB IDs
#   result   a 200 MB result file (two 100 MB text nodes), read back
# Usage: resource-bounds.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
offload=$build/bin/offload
fake=$build/tests/helpers/fake-test
dir=$(mktemp -d /tmp/offload-bounds.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

measure() {	# measure NAME COMMAND...: one line, max RSS and wall time
	_n=$1
	shift
	/usr/bin/time -f '%M %e' -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err" || true
	# (time writes "Command exited with non-zero status N" first.)
	read -r kb secs <<EOT || { kb=?; secs=?; }
$(tail -n 1 "$dir/time")
EOT
	printf '%-8s %8s MiB %8s s   %s\n' "$_n" \
		"$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')" "$secs" \
		"$(tail -n 1 "$dir/out")"
}

# 1 GiB of output, twice.
mkdir -p output/t
printf '#!/bin/sh\nexec %s flood 1024\n' "$fake" >output/t/big
printf '#!/bin/sh\nexec %s flood 1024 fail\n' "$fake" >output/t/big-fail
chmod +x output/t/*
printf '[offload]\nmax_parallel = 2\n[framework]\ntype = exec\npaths = t/*\n[group.all]\n' >output/offload.ini
measure output sh -c "cd output && exec '$offload' run"

# 100,000 tests in one custom run: IDs from seq, run_command true.
mkdir -p tests
printf '[offload]\nmax_parallel = 2\n[framework]\ntype = custom\ndiscover_command = seq 1 100000\nrun_command = true {tests}\n[group.all]\n' >tests/offload.ini
measure tests sh -c "cd tests && exec '$offload' run"

# 1,000 IDs of 64 KiB each.
mkdir -p ids
awk 'BEGIN { s = ""; for (i = 0; i < 65536; i++) s = s "x"; for (i = 0; i < 1000; i++) print i s }' >ids/ids.txt
printf '[offload]\nmax_parallel = 2\n[framework]\ntype = custom\ndiscover_command = cat ids.txt\nrun_command = true {tests}\n[group.all]\n' >ids/offload.ini
measure ids sh -c "cd ids && exec '$offload' run"

# A 200 MB result file: a failing test whose body is 100 MB, twice.
mkdir -p result
awk 'BEGIN {
	print "<testsuites><testsuite name=\"s\" tests=\"2\">"
	for (c = 0; c < 2; c++) {
		printf "<testcase name=\"t%d\"><failure message=\"m\">", c
		line = ""; for (i = 0; i < 1000; i++) line = line "y"
		for (i = 0; i < 100000; i++) print line
		print "</failure></testcase>"
	}
	print "</testsuite></testsuites>" }' >result/big.xml
measure result "$offload" logs --file result/big.xml
