#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (issue 10 item 5): offload's own work on a suite of N tests
# (default 100,000), against the targets of 1 s wall and 100 MB peak RSS
# per step.  Generated in a temporary directory: N exec tests (tiny
# scripts) and a custom framework whose discover_command prints N IDs,
# and a JUnit report of N cases (also cut into 4 files of N/4).  Each
# step is measured by /usr/bin/time -v (wall, max RSS), one process per
# step:
#   collect exec / custom     `offload collect` (discovery, the IDs printed)
#   plan exec / custom        discovery + history + batch plan, nothing run
#                             (scale-plan: offload_run_prepare), without
#                             and with a history of N recorded durations
#   merge 1 x N, 4 x N/4      `offload merge`
# The test programs are never run.  No assertion: prints each figure and
# whether it meets the target; the CPU time (user + system) beside the
# wall time tells a busy machine from a slow step.
# Usage: scale.sh OFFLOAD SCALE_PLAN [N]
set -eu
PROG=${0##*/}
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $PROG OFFLOAD SCALE_PLAN [N]" >&2; exit 2; }
offload=$1
plan=$2
n=${3:-100000}
[ -x /usr/bin/time ] || { echo "$PROG: SKIPPED, /usr/bin/time (GNU time) not installed"; exit 0; }
dir=$(mktemp -d /tmp/offload-scale.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
unset MAKEFLAGS MFLAGS MAKELEVEL

# N exec tests: t/NNNNNN.sh, each `exit 0` (never run here).
mkdir "$dir/t"
(cd "$dir/t" && awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++) {
		f = sprintf("%06d.sh", i)
		printf "#!/bin/sh\nexit 0\n" >f
		close(f)
	}
}')
chmod +x "$dir"/t/*.sh 2>/dev/null || find "$dir/t" -name '*.sh' -exec chmod +x {} +
# N custom IDs, spaces and quotes included (IDs are data).
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "suite %d/it'"'"'s case %d\n", i % 100, i }' >"$dir/ids.txt"

# cfg NAME FRAMEWORK-LINES...: $dir/NAME.ini, history in $dir/NAME.xml.
cfg() {
	name=$1
	shift
	{
		printf '[offload]\nmax_parallel = 4\n[framework]\n'
		printf '%s\n' "$@"
		printf '[group.all]\n[report]\noutput_dir = %s/out-%s\njunit_file = %s/%s.xml\n' \
			"$dir" "$name" "$dir" "$name"
	} >"$dir/$name.ini"
}
cfg exec 'type = exec' "paths = $dir/t/*.sh"
cfg custom 'type = custom' "discover_command = cat $dir/ids.txt" 'run_command = true {tests}'

# junit OUT K PARTS: the K-th of PARTS reports over the IDs of ids.txt
# (every 50th failing), classname "all", times from 0.001 to 1 s.
junit() {
	awk -v k="$2" -v parts="$3" -v n="$n" '
	BEGIN { print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		printf "<testsuite name=\"all\" tests=\"%d\">\n", n / parts }
	(NR - 1) % parts == k {
		id = $0; gsub(/&/, "\\&amp;", id); gsub(/</, "\\&lt;", id)
		gsub(/"/, "\\&quot;", id); gsub(/'"'"'/, "\\&apos;", id)
		t = ((NR * 7919) % 1000 + 1) / 1000
		if (NR % 50)
			printf "<testcase classname=\"all\" name=\"%s\" time=\"%.3f\"/>\n", id, t
		else
			printf "<testcase classname=\"all\" name=\"%s\" time=\"%.3f\"><failure message=\"boom\">assertion failed\n  at line %d</failure><system-out>some output</system-out></testcase>\n", id, t, NR
	}
	END { print "</testsuite>" }' "$dir/ids.txt" >"$1"
}
junit "$dir/junit.xml" 0 1
for k in 0 1 2 3; do junit "$dir/part$k.xml" $k 4; done

# measure LABEL CMD...: one line, wall and max RSS against the targets.
fails=0
measure() {
	label=$1
	shift
	if ! /usr/bin/time -v -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err"; then
		echo "$PROG: $label failed:" >&2
		cat "$dir/err" "$dir/time" >&2
		exit 1
	fi
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, p, ":"); s = 0
		for (i = 1; i <= n; i++) s = s * 60 + p[i]
		print s }' "$dir/time")
	cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$dir/time")
	rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$dir/time")
	ok=$(awk -v w="$wall" -v r="$rss" 'BEGIN { print (w < 1 && r < 100) ? "ok" : "MISSED" }')
	[ "$ok" = ok ] || fails=$((fails + 1))
	printf '  %-34s %6.2f s %6.2f s %7.1f MB  %s\n' "$label" "$wall" "$cpu" "$rss" "$ok"
	sed 's/^/    /' "$dir/err"	# warnings, e.g. an unreadable history
}

printf 'bench: scale, %d tests (targets: < 1 s wall, < 100 MB max RSS per step)\n' "$n"
printf '  %-34s %8s %8s %10s\n' step wall cpu "max RSS"
measure "collect exec" "$offload" collect -c "$dir/exec.ini"
[ "$(wc -l <"$dir/out")" -eq "$n" ] || { echo "$PROG: collect exec found $(wc -l <"$dir/out") tests" >&2; exit 1; }
measure "collect custom" "$offload" collect -c "$dir/custom.ini"
[ "$(wc -l <"$dir/out")" -eq "$n" ] || { echo "$PROG: collect custom found $(wc -l <"$dir/out") tests" >&2; exit 1; }
measure "plan exec, no history" "$plan" "$dir/exec.ini"
measure "plan custom, no history" "$plan" "$dir/custom.ini"
cp "$dir/junit.xml" "$dir/custom.xml"
# the exec history: the IDs as collected, with the same times
"$offload" collect -c "$dir/exec.ini" >"$dir/exec.ids"
awk 'BEGIN { print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"all\">" }
	{ printf "<testcase classname=\"all\" name=\"%s\" time=\"%.3f\"/>\n", $0, ((NR * 7919) % 1000 + 1) / 1000 }
	END { print "</testsuite>" }' "$dir/exec.ids" >"$dir/exec.xml"
measure "plan exec, history of $n" "$plan" "$dir/exec.ini"
measure "plan custom, history of $n" "$plan" "$dir/custom.ini"
measure "plan custom, history, -j 64" "$plan" "$dir/custom.ini" 64
sed 's/^\[group.all\]$/[group.all]\nretry_count = 2/' "$dir/custom.ini" >"$dir/retry.ini"
cp "$dir/junit.xml" "$dir/retry.xml"
sed -i "s|custom.xml|retry.xml|" "$dir/retry.ini"
measure "plan custom, history, 2 retries" "$plan" "$dir/retry.ini"
measure "merge 1 x $n" "$offload" merge -o "$dir/merged1.xml" "$dir/junit.xml"
measure "merge 4 x $((n / 4))" "$offload" merge -o "$dir/merged4.xml" \
	"$dir/part0.xml" "$dir/part1.xml" "$dir/part2.xml" "$dir/part3.xml"
[ "$(grep -c '<testcase' "$dir/merged4.xml")" -eq "$n" ] || { echo "$PROG: merge lost cases" >&2; exit 1; }
printf '  %d of the steps missed a target\n' "$fails"
