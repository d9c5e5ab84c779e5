#!/bin/sh
# SPDX-License-Identifier: MIT
# t0030-merge.sh - `offload merge`: the reports of two real runs (one
# passing, one failing with a skip), a bare <testsuite> from an
# interrupted run and a runner's file without counts become one report,
# valid against the schema, with every suite in order, the counts summed
# and the interruption still visible.  A malformed or missing input is an
# error naming the file (and line) that leaves the previous merged report
# untouched and no temporary file behind; usage errors exit 3.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
need_xmllint

# Two components, each run by offload into its own report.
mkdir a b
(
	cd a || exit 1
	write_exec_suite tests 3 pass
	write_exec_ini 'tests/*'
) || die "cannot set up a"
(
	cd b || exit 1
	write_test tests/ok pass
	write_test tests/broken fail
	write_test tests/later skip
	write_exec_ini 'tests/*'
	sed -i 's/^\[group.all\]/[group.other]/' offload.ini
) || die "cannot set up b"
run_offload run -c a/offload.ini
expect_rc 0
run_offload run -c b/offload.ini
expect_rc 1
cat >interrupted.xml <<'EOF2'
<testsuite name="slow" tests="2" failures="0" errors="1" skipped="0" time="4.000">
  <properties><property name="offload.interrupted" value="SIGINT"/></properties>
  <testcase name="s1" classname="slow" time="4.000"/>
  <testcase name="s2" classname="slow" time="0.000"><error type="notRun" message="not run: interrupted by SIGINT"/></testcase>
</testsuite>
EOF2
cat >runner.xml <<'EOF2'
<testsuites><testsuite><testcase name="r1" time="1"><failure message="no"/></testcase></testsuite></testsuites>
EOF2

run_offload merge -o out/all.xml a/test-results/junit.xml \
	b/test-results/junit.xml interrupted.xml runner.xml
expect_rc 0
[ -s "$ERR" ] && fail "merge printed on stderr: $(cat "$ERR")"
ALL=out/all.xml
xsd_check "$ALL"
expect_xpath 'count(/testsuites/testsuite)' 4 "$ALL"
expect_xpath 'string(/testsuites/@name)' offload "$ALL"
expect_xpath 'string(/testsuites/@tests)' 9 "$ALL"
expect_xpath 'string(/testsuites/@failures)' 2 "$ALL"
expect_xpath 'string(/testsuites/@errors)' 1 "$ALL"
expect_xpath 'count(//testcase)' 9 "$ALL"
expect_xpath 'string(/testsuites/testsuite[1]/@name)' all "$ALL"
expect_xpath 'string(/testsuites/testsuite[2]/@name)' other "$ALL"
expect_xpath 'string(/testsuites/testsuite[3]/@name)' slow "$ALL"
expect_xpath 'count(//testcase[@name="tests/broken"]/failure)' 1 "$ALL"
expect_xpath 'count(//testcase[@name="tests/later"]/skipped)' 1 "$ALL"
expect_xpath 'string(/testsuites/testsuite[2]/@skipped)' 1 "$ALL"
expect_xpath 'string(//testsuite[@name="slow"]/properties/property[@name="offload.interrupted"]/@value)' SIGINT "$ALL"
# The runner's suite had no counts: computed, so the file stays valid.
expect_xpath 'string(/testsuites/testsuite[4]/@failures)' 1 "$ALL"
# The merged report is a report like any other.
run_offload logs --file "$ALL" --failures
expect_rc 0
expect_grep '^=== tests/broken \[failed\] ===' "$OUT"
expect_grep '^=== r1 \[failed\] ===' "$OUT"

# A malformed input: error with file and line, old report untouched.
cp "$ALL" previous.xml
printf '<testsuites>\n<testsuite name="x" tests="1" failures="0" errors="0">\n<testcase name="t">\n' >cut.xml
run_offload merge -o "$ALL" a/test-results/junit.xml cut.xml
expect_rc 3
expect_grep "junit 'cut.xml' line [0-9]*: premature end of data" "$ERR"
cmp -s "$ALL" previous.xml || fail "a failed merge changed the old report"
[ -z "$(ls out | grep -v '^all.xml$')" ] || fail "files left in out/: $(ls out)"

run_offload merge -o "$ALL" a/test-results/junit.xml no-such.xml
expect_rc 3
expect_grep "no-such.xml" "$ERR"
cmp -s "$ALL" previous.xml || fail "a failed merge changed the old report"

printf 'PASS all\n' >notxml.xml
run_offload merge -o new.xml notxml.xml
expect_rc 3
expect_grep "junit 'notxml.xml' line 1" "$ERR"
[ -e new.xml ] && fail "a failed merge wrote new.xml"

# In place: the output may be an input.
run_offload merge -o "$ALL" "$ALL" interrupted.xml
expect_rc 0
expect_xpath 'string(/testsuites/@tests)' 11 "$ALL"
xsd_check "$ALL"

# The command line.
run_offload merge --help
expect_rc 0
expect_grep '^usage: offload merge -o OUT FILE' "$OUT"
run_offload --help
expect_grep '^ *merge ' "$OUT" "--help lists 'merge'"
run_offload merge a/test-results/junit.xml
expect_rc 3 "no -o"
run_offload merge -o x.xml
expect_rc 3 "no input"
[ -e x.xml ] && fail "merge without inputs wrote x.xml"
exit 0
