#!/bin/sh
# SPDX-License-Identifier: MIT
# t0008-nasty-ids.sh - test IDs are data: exec tests named with spaces,
# quotes, $(...), ';', a newline and a non-UTF-8 byte all run and pass,
# nothing in a name is executed, the report is valid XML (bad bytes as
# \xNN) and `collect --format json` lists every ID exactly.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

nl='
'
write_test "tests/with space" pass
write_test "tests/single'quote" pass
write_test 'tests/double"quote' pass
write_test 'tests/$(touch pwned)' pass
write_test 'tests/`touch pwned2`' pass
write_test 'tests/semi;colon' pass
write_test "tests/new${nl}line" pass
write_test "tests/bad$(printf '\377')byte" pass
write_test 'tests/-dash' pass
write_test 'tests/back\slash' pass
write_test 'tests/glob*[x]?' pass
write_exec_ini 'tests/*'

run_offload run
expect_rc 0
expect_count Total 11
expect_count Passed 11
expect_summary 11 0 0
[ -z "$(find . -name 'pwned*')" ] || fail "a test name was executed: $(find . -name 'pwned*')"

xsd_check "$JUNIT"
expect_xpath 'count(//testcase)' 11
expect_xpath 'count(//testcase[@name="tests/with space"])' 1
expect_xpath "count(//testcase[@name=\"tests/single'quote\"])" 1
expect_xpath "count(//testcase[@name='tests/double\"quote'])" 1
expect_xpath 'count(//testcase[@name="tests/$(touch pwned)"])' 1
# junit.h: control characters other than \t \n \r become "\xNN"; a
# newline stays itself (written as &#10;, so it survives the round trip).
expect_xpath "count(//testcase[@name=\"tests/new${nl}line\"])" 1
expect_xpath 'count(//testcase[@name="tests/bad\xffbyte"])' 1
expect_xpath 'count(//testcase[@name="tests/back\slash"])' 1
expect_xpath 'count(//testcase[@name="tests/glob*[x]?"])' 1

run_offload collect --format json
expect_rc 0
py=/usr/bin/python3
[ -x "$py" ] || py=python3
printf '%s\n' "tests/with space" "tests/single'quote" 'tests/double"quote' \
	'tests/$(touch pwned)' 'tests/`touch pwned2`' 'tests/semi;colon' \
	'tests/new\nline' 'tests/bad\xffbyte' 'tests/-dash' 'tests/back\slash' \
	'tests/glob*[x]?' | sort >expected.ids
"$py" -c '
import json, sys
for t in json.load(open(sys.argv[1])):
    print(t["id"].replace("\n", "\\n"))
' "$OUT" | sort >json.ids || fail "collect --format json is not valid JSON"
cmp -s expected.ids json.ids ||
	fail "collect --format json IDs differ: $(diff expected.ids json.ids)"
[ -z "$(find . -name 'pwned*')" ] || fail "collect executed a test name"
