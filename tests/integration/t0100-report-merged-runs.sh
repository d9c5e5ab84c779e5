#!/bin/sh
# SPDX-License-Identifier: MIT
# t0100-report-merged-runs.sh - `offload report` of the CI flow: two
# `offload run --shard K/2` jobs, then `offload merge`.  Each run numbers
# its batches from 1 and its sandboxes from 0, and times them from its
# own start; the page keeps the runs apart: each batch and test says its
# run, each attempt names a batch of its own run (whose log holds that
# test's output), each run is placed by its own timestamp, and each
# run's sandboxes are lanes of their own.  The report of one run carries
# no run data.  In chromium when there is one: one lane per sandbox of
# each run, one bar per batch, no console message.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
. "$OFFLOAD_SRC/tests/integration/report-html-lib.sh"

for i in 1 2 3 4 5 6 7 8; do
	write_test "tests/t$i" echo "marker-t$i" sleep "0.$i"
done
PARALLEL=2 write_exec_ini 'tests/*'

# The two jobs, one after the other here, each starting without history
# (as CI jobs do), so that they split alike.
for k in 1 2; do
	rm -rf test-results
	run_offload run --shard "$k/2" --junit "s$k.xml"
	expect_rc 0 "shard $k"
	[ -f "s$k.logs/batch-1.stdout" ] || fail "shard $k wrote no s$k.logs/batch-1"
done
run_offload merge -o m.xml s1.xml s2.xml
expect_rc 0 "merge"
run_offload report m.xml -o m.html
expect_rc 0 "report of the merged file"
page_data m.html >m.json || fail "the merged page's data is not JSON"

$PY - m.json s1.xml s2.xml <<'PYEOF' || fail "the merged page mixes up its runs"
import calendar, json, sys, time
import xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
files = sys.argv[2:]
assert len(d.get("runs", [])) == 2, d.get("runs")
stamps, props = [], []
for f in files:
    s = ET.parse(f).getroot().find(".//testsuite")
    stamps.append(calendar.timegm(time.strptime(s.get("timestamp"), "%Y-%m-%dT%H:%M:%S")))
    props.append([p.get("value") for p in s.iter("property") if p.get("name") == "offload.batch"])
labels = [r[0] for r in d["runs"]]
assert labels == ["shard 1/2", "shard 2/2"], labels
first = min(stamps)
for r, run in enumerate(d["runs"]):
    assert abs(run[2] - (stamps[r] - first)) < 1e-6, (run, stamps)
# every run's batches, with its own numbers, placed by its own start
assert len(d["batches"]) == sum(len(p) for p in props), (d["batches"], props)
for r in (0, 1):
    mine = sorted((b[0], b[1], round(b[2] - d["runs"][r][2], 3), round(b[3] - d["runs"][r][2], 3))
                  for b in d["batches"] if b[6] == r)
    want = sorted((int(v.split()[0]), int(v.split()[1]), float(v.split()[2]), float(v.split()[3]))
                  for v in props[r])
    assert mine == want, (r, mine, want)
keys = [(b[6], b[0]) for b in d["batches"]]
assert len(set(keys)) == len(keys), keys
assert max(b[3] for b in d["batches"]) <= d["secs"] + 0.01, d["secs"]
# each attempt is in a batch of its own run, whose log holds the test
assert len(d["tests"]) == 8
runs_of = {}
for t in d["tests"]:
    runs_of.setdefault(t[6], 0)
    runs_of[t[6]] += 1
    for a in t[5]:
        assert (t[6], a[3]) in keys, (t, keys)
        log = open("s%d.logs/batch-%d.stdout" % (t[6] + 1, a[3]), errors="replace").read()
        assert "marker-" + t[0].split("/")[-1] + "\n" in log, (t[0], a, log)
assert sorted(runs_of) == [0, 1], runs_of
PYEOF
lanes=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len({(b[6], b[1]) for b in d["batches"]}))' m.json)
grep -q " &middot; 2 runs &middot; $lanes sandboxes, " m.html ||
	fail "the page's head does not count 2 runs and $lanes sandboxes: $(grep -o 'wall time[^<]*' m.html)"

# `offload logs` still names each attempt's own run's logs
run_offload logs --file m.xml
expect_rc 0 "logs of the merged file"
for i in 1 2 3 4 5 6 7 8; do
	l=$(awk -v b="=== tests/t$i [" '
		index($0, "===") == 1 { in_id = index($0, b) == 1 }
		in_id && /^  attempt 1: .*, batch [0-9]* \(.*\.\*\)$/ {
			sub(/^[^(]*\(/, ""); sub(/\.\*\)$/, ""); print $0 ".stdout"; exit
		}' "$OUT")
	[ -n "$l" ] && grep -q "marker-t$i\$" "$l" ||
		fail "tests/t$i: logs names '$l', not its own log"
done

# one run: no run data, as before
run_offload report s1.xml -o s1.html
expect_rc 0 "report of one shard"
page_data s1.html >s1.json || fail "the shard's page's data is not JSON"
$PY - s1.json <<'PYEOF' || fail "the page of one run changed"
import json, sys
d = json.load(open(sys.argv[1]))
assert "runs" not in d, d["runs"]
assert all(len(b) == 6 for b in d["batches"]), d["batches"]
assert all(len(t) == 6 for t in d["tests"]), d["tests"]
PYEOF
grep -q ' runs &middot;' s1.html && fail "the page of one run counts runs"

CHROMIUM=$(command -v chromium || command -v chromium-browser) || exit 0
timeout -k 5 90 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
	--user-data-dir="$TEST_DIR/chrome" --no-first-run --enable-logging=stderr \
	--v=0 --window-size=1280,1600 --dump-dom "file://$TEST_DIR/m.html" \
	>dom.html 2>dom.log || fail "chromium failed: $(tail -n 5 dom.log)"
grep 'CONSOLE' dom.log && fail "console messages on the merged page"
n=$(grep -o '<g class="lane"' dom.html | wc -l)
[ "$n" = "$lanes" ] || fail "$n lanes for $lanes sandboxes of the two runs"
n=$(grep -o '<rect [^>]*class="batch ' dom.html | wc -l)
[ "$n" = "$(grep -o '"offload.batch"' m.xml | wc -l)" ] || fail "$n bars for the batches"
grep -q '>shard 2/2 sandbox 0<' dom.html || fail "no lane 'shard 2/2 sandbox 0'"
exit 0
