#!/bin/sh
# SPDX-License-Identifier: MIT
# t0050-hostile-results.sh - a result file that is not data but a trap
# (issue 7, items 1, 11): a FIFO in place of the custom framework's
# {result_file} used to block the worker in open() for ever, and Ctrl-C
# with it; a file with 200,000 attributes on one element kept a worker
# inside libxml2 for minutes, where no Ctrl-C could reach it; a billion
# laughs expanded to gigabytes.  Each is now refused with a message that
# names the file, and an interrupt ends the run whatever a worker reads.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

# ini RUN_COMMAND: two tests, each a batch of its own.
ini() {
	cat >offload.ini <<EOF2 || die "cannot write offload.ini"
[offload]
max_parallel = 2
test_timeout_secs = 120

[framework]
type = custom
discover_command = printf '%s\\n' ${TESTS:-one two}
run_command = $1

[group.all]
schedule_individual = true
EOF2
}

# 1. The brief's exact trap: the result file made a FIFO (no writer).
#    The run must end on its own, each test failed with the reason.
ini 'rm -f {result_file}; mkfifo {result_file}'
RUN_TIMEOUT=60 run_offload run
expect_rc 1 "result files that are FIFOs"
expect_count Failed 2
xsd_check "$JUNIT"
expect_xpath 'count(//testcase/failure[contains(@message, "not a regular file (a FIFO)")])' 2

# 2. A billion laughs (each message 10 MB, once expanded): refused at
#    its DTD, naming the file.
cat >laughs.sh <<'EOF2'
#!/bin/sh
{
	printf '<?xml version="1.0"?>\n<!DOCTYPE testsuite [\n<!ENTITY l0 "lollollol!">\n'
	i=1
	while [ $i -le 9 ]; do
		e=$(printf '&l%d;' $((i - 1)))
		printf '<!ENTITY l%d "%s%s%s%s%s%s%s%s%s%s">\n' $i "$e" "$e" "$e" "$e" "$e" "$e" "$e" "$e" "$e" "$e"
		i=$((i + 1))
	done
	printf ']>\n<testsuite>\n'
	for t in "$@"; do
		printf '<testcase name="%s"><failure message="&l6;">x</failure></testcase>\n' "$t"
	done
	printf '</testsuite>\n'
} >"$RESULT"
EOF2
chmod +x laughs.sh
ini "RESULT={result_file} $TEST_DIR/laughs.sh {tests}"
rm -rf test-results
run_offload run
expect_rc 1 "billion laughs"
expect_count Failed 2
expect_xpath 'count(//testcase/failure[contains(@message, "refused: document type declaration with an internal subset")])' 2
expect_xpath 'count(//testcase/failure[contains(@message, "result-batch-")])' 2
expect_no_grep 'lollollol' "$JUNIT" "an entity was expanded into the report"

# 3. Ctrl-C while a worker reads a hostile result file (200,000
#    attributes on one element), next to a test that hangs: offload ends
#    with 130 and a report marked interrupted, with nothing left running.
cat >run.sh <<EOF2
#!/bin/sh
rf=\$1
shift
case \$1 in
hostile)
	awk 'BEGIN { printf "<testsuite><testcase name=\\"hostile\\""
		     for (i = 0; i < 200000; i++) printf " a%d=\\"%d\\"", i, i
		     print "/></testsuite>" }' >"\$rf"
	: >"$TEST_DIR/hostile.done"
	exit 1 ;;
hang)
	exec "$FAKE" hang ;;
esac
EOF2
chmod +x run.sh
TESTS='hostile hang' ini "$TEST_DIR/run.sh {result_file} {tests}"
rm -rf test-results hostile.done
rc=
"$OFFLOAD" run >"$OUT" 2>"$ERR" &
pid=$!
# Synchronise on observable states: the hostile file is written (its
# batch has ended and a worker reads it), the hanging test runs.
i=0
while [ "$i" -lt 200 ] && ! [ -f hostile.done ]; do
	sleep 0.05
	i=$((i + 1))
done
if ! [ -f hostile.done ] || ! wait_procs 1 10; then
	kill -KILL "$pid" 2>/dev/null
	fail "the hostile result file or the hanging test did not appear within 10 s"
fi
kill -INT "$pid" || fail "cannot send SIGINT to offload"
# A bounded wait for the exit (a hang detector, not a timing): poll /proc.
i=0
while [ "$i" -lt 600 ]; do
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] && break
	sleep 0.05
	i=$((i + 1))
done
if [ "$i" -ge 600 ]; then
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	fail "offload still running 30 s after SIGINT (a worker stuck in a result file?)"
fi
rc=0
wait "$pid" || rc=$?
expect_rc 130 "interrupted"
no_procs_left
xsd_check "$JUNIT"
expect_xpath 'count(//property[@name="offload.interrupted"][@value="SIGINT"])' 1
# The hostile file was refused (or its reading canceled): never a pass.
expect_xpath 'count(//testcase[@name="hostile"][not(*)])' 0
