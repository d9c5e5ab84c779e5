#!/bin/sh
# SPDX-License-Identifier: MIT
# t0082-report-html.sh - every run leaves output_dir/report.html: one page
# with no network and no outside file, whose data (one JSON document)
# holds every test, the failed test's output, each attempt's sandbox and
# batch, and one batch per logs/batch-N; the markup-like ID is data, not
# markup.  The JUnit file records the batches and attempts (valid against
# the Jenkins schema), and `offload report` rebuilds the same page data
# from it alone, and reads a foreign JUnit file.  --trace writes a valid
# Chrome trace with the expected tracks; `offload logs` filters.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
. "$OFFLOAD_SRC/tests/integration/report-html-lib.sh"

# the page's script and style are built into the binary from these
sh "$OFFLOAD_SRC/src/html_page.sh" | cmp -s - "$OFFLOAD_SRC/src/html_page.h" ||
	fail "src/html_page.h is out of date: run src/html_page.sh > src/html_page.h"

setup_report_suite
run_offload run --trace trace.json
expect_rc 1 "one test fails"
PAGE=test-results/report.html
[ -s "$PAGE" ] || fail "no $PAGE"
xsd_check "$JUNIT"

# self-contained: nothing loaded from anywhere, and the markup-like ID
# never appears as markup
grep -q -i -e ' src=' -e '<link' -e '@import' -e 'url(' "$PAGE" &&
	fail "the page loads something: $(grep -i -o -e ' src=[^ ]*' -e '<link[^>]*' "$PAGE" | head -3)"
[ "$(grep -c '<script' "$PAGE")" = 2 ] || fail "the page has other scripts than its two"
grep -q 'alert(1)</script>' "$PAGE" && fail "the ID became markup"

batches=$(ls test-results/logs/ | sed -n 's/^batch-\([0-9]*\)\.stdout$/\1/p' | sort -u | wc -l)
[ "$batches" -ge 2 ] || fail "expected batches on two sandboxes, got $batches"
page_data "$PAGE" >data.json || fail "the page's data is not JSON"
$PY - data.json "$batches" <<'PYEOF' || fail "the page's data is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
nb = int(sys.argv[2])
ids = {t[0]: t for t in d["tests"]}
assert len(d["tests"]) == 11, len(d["tests"])
assert "tests/<script>alert(1)</script>" in ids, list(ids)
boom = ids["tests/boom"]
assert boom[2] == 2, boom                       # failed
outs = "".join(a[5] or "" for a in boom[5])
assert "marker-output <b>&amp;</b> \\xff" in outs, outs
assert len(boom[5]) == 2                        # retried once
assert ids["tests/flaky"][2] == 3               # flaky
assert [a[0] for a in ids["tests/flaky"][5]].count(1) == 1
assert len(d["batches"]) == nb, (len(d["batches"]), nb)
assert {b[1] for b in d["batches"]} == {0, 1}, d["batches"]
batch_nos = {b[0] for b in d["batches"]}
for t in d["tests"]:
    for a in t[5]:
        assert a[2] in (0, 1) and a[3] in batch_nos, (t[0], a)
for b in d["batches"]:
    assert 0 <= b[2] <= b[3] <= d["secs"] + 0.01, b
PYEOF

# the JUnit file carries the same timeline
n=$(xpath 'count(//property[@name="offload.batch"])')
[ "$n" = "$batches" ] || fail "$n offload.batch properties for $batches batches"
n=$(xpath 'count(//property[@name="offload.attempts"])')
[ "$n" = 11 ] || fail "$n offload.attempts properties for 11 tests"

# offload report rebuilds it from the file alone
cp "$JUNIT" copy.xml
run_offload report copy.xml -o out/again.html
expect_rc 0 "offload report"
page_data out/again.html >again.json || fail "again.html has no data"
$PY - data.json again.json <<'PYEOF' || fail "offload report does not rebuild the run's page"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert sorted(a["batches"]) == sorted(b["batches"]), (a["batches"], b["batches"])
key = lambda d: sorted((t[0], t[2], [x[:4] for x in t[5]]) for t in d["tests"])
assert key(a) == key(b)
PYEOF
run_offload report copy.xml
expect_rc 0
[ -s report.html ] || fail "offload report FILE did not write report.html beside FILE"

# any JUnit file; a bad one is a usage error naming it
cat >foreign.xml <<'XML'
<testsuites><testsuite name="py" tests="2" failures="1" errors="0">
<testcase classname="m" name="ok" time="0.5"/>
<testcase classname="m" name="&lt;img src=x onerror=alert(2)&gt;"><failure message="no">trace-text</failure></testcase>
</testsuite></testsuites>
XML
run_offload report foreign.xml -o foreign.html
expect_rc 0 "a foreign file"
grep -q '<img' foreign.html && fail "the foreign ID became markup"
page_data foreign.html | grep -q 'trace-text' || fail "the foreign failure's text is missing"
printf '<testsuite><testcase' >bad.xml
run_offload report bad.xml -o bad.html
expect_rc 3 "a malformed file"
expect_grep "bad.xml" "$ERR"
[ ! -e bad.html ] || fail "a page was written for a malformed file"

# the trace: valid JSON, one track per sandbox, each batch on its track
$PY -m json.tool trace.json >/dev/null || fail "trace.json is not JSON"
$PY - trace.json "$batches" <<'PYEOF' || fail "trace.json lacks the expected events"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
names = {(e["name"], e["args"]["name"]) for e in ev if e["ph"] == "M"}
assert ("thread_name", "sandbox 0") in names and ("thread_name", "sandbox 1") in names, names
x = [e for e in ev if e["ph"] == "X"]
for want in ("discovery", "planning", "sandbox creation", "junit report", "html report"):
    assert any(e["name"] == want for e in x), want
b = [e for e in x if e["cat"] == "batch"]
assert len(b) == int(sys.argv[2]), len(b)
for e in b:
    assert e["tid"] == e["args"]["sandbox"] + 1 and e["dur"] >= 0, e
PYEOF

# offload logs: filters, and each attempt's sandbox, batch and duration
run_offload logs --failures
expect_rc 0
expect_grep '=== tests/boom \[failed\]' "$OUT"
expect_grep 'attempt 2: failed in [0-9.]* s on sandbox [01], batch [0-9]' "$OUT"
grep -q '=== tests/t1 ' "$OUT" && fail "--failures shows a passed test"
run_offload logs --flaky
expect_rc 0
expect_grep '=== tests/flaky \[flaky\]' "$OUT"
[ "$(grep -c '^===' "$OUT")" = 1 ] || fail "--flaky shows other tests"
run_offload logs --grep 'marker-out[a-z]+ <b>'
expect_rc 0
[ "$(grep -c '^===' "$OUT")" = 1 ] || fail "--grep matched $(grep -c '^===' "$OUT") tests"
expect_grep '=== tests/boom' "$OUT"
run_offload logs --test 'tests/<script>alert(1)</script>'
expect_rc 0
expect_grep 'attempt 1: passed' "$OUT"
run_offload logs --grep 'no such text'
expect_rc 1
run_offload logs --grep '('
expect_rc 3
expect_grep "bad --grep" "$ERR"

# a report moved with --junit takes its page with it (runs with their
# own reports may run at once): FILE.xml gives FILE.html
rm -f "$PAGE"
run_offload run --junit mine/r.xml tests/t1
expect_rc 0
[ -s mine/r.html ] || fail "no mine/r.html beside --junit mine/r.xml"
[ ! -e "$PAGE" ] || fail "a --junit run wrote $PAGE"

# A file that is not a JUnit report is refused, not drawn as 0 tests.
printf '<html><body>hello</body></html>\n' >notjunit.xml
run_offload report notjunit.xml -o notjunit.html
expect_rc 3
expect_grep "'notjunit.xml' is not a JUnit report" "$ERR"
[ ! -e notjunit.html ] || fail "a page was written for a file that is not JUnit"
say "a file that is not JUnit is refused: ok"
