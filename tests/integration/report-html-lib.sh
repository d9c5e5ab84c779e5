# SPDX-License-Identifier: MIT
# tests/integration/report-html-lib.sh - the suite behind t0082 and t0083
# (the HTML report): sourced after lib.sh.  Two sandboxes, tests that
# pass, fail with marked output (and a byte that is not UTF-8), flake,
# skip, and one named like markup.  page_data FILE prints the JSON the
# page carries.
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no /usr/bin/python3 to read the page's data"

setup_report_suite() {
	write_exec_suite tests 6 pass
	write_test tests/slow sleep 0.2
	write_test tests/boom echo "marker-output <b>&amp;</b> $(printf '\377')" fail
	write_test tests/flaky flaky "$TEST_DIR/flaky.state"
	write_test tests/skip skip
	write_test 'tests/<script>alert(1)</script>' pass
	PARALLEL=2 RETRY=1 write_exec_ini 'tests/* tests/*/*'
}

# The JSON document inside the page, as a file for python3.
page_data() {
	$PY - "$1" <<'PYEOF'
import json, sys
page = open(sys.argv[1], encoding="utf-8").read()
start = page.index('<script id="offload-data" type="application/json">')
start = page.index(">", start) + 1
end = page.index("</script>", start)
json.dump(json.loads(page[start:end]), sys.stdout)
PYEOF
}
