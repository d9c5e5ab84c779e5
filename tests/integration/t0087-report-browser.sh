#!/bin/sh
# SPDX-License-Identifier: MIT
# t0087-report-browser.sh - report.html in a real browser (Debian's
# chromium, headless): it loads without a console message, the timeline
# has one lane per sandbox and one bar per batch, the failed test's
# output is on the page, the markup-like ID shows as text, and a
# screenshot is kept (report-screenshot.png in the test's directory and
# in $OFFLOAD_BUILD_DIR/artefacts/).  Skipped without chromium: it is
# not in `make deps` (about 130 packages; see docs/report.md).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
. "$OFFLOAD_SRC/tests/integration/report-html-lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
	skip "no chromium: apt-get install chromium to check report.html in a browser"
chrome() {
	timeout -k 5 90 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
		--user-data-dir="$TEST_DIR/chrome" --no-first-run \
		--enable-logging=stderr --v=0 "$@"
}
# The console check must be able to fail: a page with an error is seen.
printf '<!DOCTYPE html><p>x</p><script>nosuchfunction()</script>\n' >bad.html
chrome --dump-dom "file://$TEST_DIR/bad.html" >bad.dom 2>bad.log
grep -q 'CONSOLE.*nosuchfunction' bad.log ||
	die "chromium does not log console errors here: $(tail -n 3 bad.log)"

setup_report_suite
run_offload run
expect_rc 1 "one test fails"
PAGE=$TEST_DIR/test-results/report.html
page_data "$PAGE" >data.json || fail "the page's data is not JSON"
lanes=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len({b[1] for b in d["batches"]}))' data.json)
batches=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["batches"]))' data.json)

chrome --window-size=1280,1600 --dump-dom "file://$PAGE" >dom.html 2>dom.log ||
	fail "chromium failed: $(tail -n 5 dom.log)"
if grep 'CONSOLE' dom.log >console.log; then
	fail "console messages: $(head -c 2000 console.log)"
fi
[ -s dom.html ] || fail "chromium printed no DOM"
n=$(grep -o '<g class="lane"' dom.html | wc -l)
[ "$n" = "$lanes" ] || fail "$n lanes for $lanes sandboxes"
n=$(grep -o '<rect [^>]*class="batch ' dom.html | wc -l)
[ "$n" = "$batches" ] || fail "$n bars for $batches batches"
grep -q '<pre class="out">[^<]*marker-output &lt;b&gt;&amp;amp;&lt;/b&gt; \\xff' dom.html ||
	fail "the failed test's output is not on the page"
grep -q 'tests/&lt;script&gt;alert(1)&lt;/script&gt;' dom.html ||
	fail "the markup-like ID is not shown as text"
grep -q '<script>alert(1)' dom.html && fail "the markup-like ID became a script"

chrome --window-size=1280,1400 --screenshot="$TEST_DIR/report-screenshot.png" \
	"file://$PAGE" >shot.log 2>&1 || fail "no screenshot: $(tail -n 5 shot.log)"
[ -s report-screenshot.png ] || fail "empty screenshot"
mkdir -p "$OFFLOAD_BUILD_DIR/artefacts" &&
	cp report-screenshot.png "$OFFLOAD_BUILD_DIR/artefacts/report-screenshot.png"
exit 0
