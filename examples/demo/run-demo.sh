#!/bin/sh
# Run the demo suite through `offload run` and show where the report is.
# Usage: run-demo.sh /path/to/offload
set -u
offload=$1
cd "$(dirname "$0")"
state=$(mktemp -d /tmp/offload-demo.XXXXXX)
trap 'rm -rf "$state"' EXIT
echo "== offload run -c examples/demo/offload.ini (4 local sandboxes)"
DEMO_STATE_DIR=$state "$offload" run -c offload.ini -v
rc=$?
echo "== exit status $rc"
case $rc in
0) echo "all tests passed" ;;
2) echo "all tests passed, test_flaky_first_attempt only on retry: flaky, as intended" ;;
*) echo "demo failed"; exit 1 ;;
esac
xsd=../../../shared/data/junit-10.xsd
if [ -f "$xsd" ] && command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --schema "$xsd" test-results/junit.xml || exit 1
fi
echo "JUnit report: examples/demo/test-results/junit.xml"
echo "HTML report:  examples/demo/test-results/report.html (open it in a browser)"
echo "per-batch logs: examples/demo/test-results/logs/"
