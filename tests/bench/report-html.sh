#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not a test): the HTML report of a 10,000-test run on 64
# sandboxes (about 650 batches, 2 % failed with 2 KiB of output each, 1 %
# flaky) rendered by headless chromium.  The JUnit file is generated with
# offload's offload.batch/offload.attempts properties, `offload report`
# writes the page, and chromium loads it ROUNDS times.  Prints the page's
# own render time (data-rendered-ms: navigation start to the end of its
# script: parsing the page and its data, drawing the timeline and the
# first page of each list) and chromium's whole wall time next to that of
# an empty page; the goal is under 2 s.
# Usage: report-html.sh /path/to/offload [TESTS] [SANDBOXES] [ROUNDS]
set -eu
offload=$1
tests=${2:-10000}
sandboxes=${3:-64}
rounds=${4:-3}
chromium=$(command -v chromium || command -v chromium-browser) || {
	echo "report-html: SKIPPED, no chromium (apt-get install chromium)"
	exit 0
}
dir=$(mktemp -d /tmp/offload-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 - "$dir/junit.xml" "$tests" "$sandboxes" <<'PY'
import random, sys
from xml.sax.saxutils import quoteattr, escape
path, n, sb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
per_batch = 15
clock = [0.0] * sb
batches, cases, attempts = [], [], []
no = 0
for start in range(0, n, per_batch):
    no += 1
    s = min(range(sb), key=lambda i: clock[i])
    t0 = clock[s] + random.random() * 0.05
    ids = range(start, min(n, start + per_batch))
    t = t0
    for i in ids:
        d = random.expovariate(1 / 0.4)
        r = random.random()
        kind = "f" if r < 0.02 else "k" if r < 0.03 else "p"
        k = len(cases)
        if kind == "k":
            attempts.append('%d f:%.3f:%d:%d p:%.3f:%d:%d' % (k, d, s, no, d, s, no))
        else:
            attempts.append('%d %s:%.3f:%d:%d' % (k, "f" if kind == "f" else "p", d, s, no))
        cases.append((i, kind, d))
        t += d
    clock[s] = t
    batches.append('%d %d %.3f %.3f %d' % (no, s, t0, t, len(ids)))
out = "x" * 60 + "\n"
with open(path, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="offload" tests="%d" time="%.3f">\n' % (n, max(clock)))
    f.write('<testsuite name="all" tests="%d" failures="0" errors="0" timestamp="2026-01-01T00:00:00" hostname="bench"><properties>\n' % n)
    for b in batches:
        f.write('<property name="offload.batch" value="%s"/>\n' % b)
    for a in attempts:
        f.write('<property name="offload.attempts" value="%s"/>\n' % a)
    f.write('</properties>\n')
    for i, kind, d in cases:
        name = quoteattr("tests/module_%03d.py::test_case_%05d[param-%d]" % (i % 500, i, i % 7))
        f.write('<testcase name=%s classname="all" time="%.3f">' % (name, d))
        if kind == "f":
            f.write('<failure message="assert 1 == 2">%s</failure>' % escape(out * 34))
        elif kind == "k":
            f.write('<flakyFailure type="failure" message="timing"><system-out>%s</system-out></flakyFailure>' % escape(out * 5))
        f.write('</testcase>\n')
    f.write('</testsuite>\n</testsuites>\n')
PY
t0=$(date +%s.%N)
"$offload" report "$dir/junit.xml" -o "$dir/report.html" >/dev/null
t1=$(date +%s.%N)
printf '<!DOCTYPE html><p>empty</p>\n' >"$dir/empty.html"
echo "report-html: $tests tests, $sandboxes sandboxes: junit $(du -k "$dir/junit.xml" | cut -f1) KiB," \
	"page $(du -k "$dir/report.html" | cut -f1) KiB, offload report $(echo "$t1 - $t0" | bc) s"
chrome() {
	"$chromium" --headless --disable-gpu --no-sandbox --user-data-dir="$dir/chrome" \
		--window-size=1280,1000 --dump-dom "$@" 2>/dev/null
}
chrome "file://$dir/empty.html" >/dev/null    # warm up
i=0
while [ $i -lt "$rounds" ]; do
	a=$(date +%s.%N); chrome "file://$dir/empty.html" >/dev/null; b=$(date +%s.%N)
	ms=$(chrome "file://$dir/report.html" | sed -n 's/.*data-rendered-ms="\([0-9]*\)".*/\1/p' | head -n 1)
	c=$(date +%s.%N)
	echo "round $((i + 1)): page render ${ms:-?} ms; chromium wall $(echo "$c - $b" | bc) s (empty page $(echo "$b - $a" | bc) s)"
	i=$((i + 1))
done
