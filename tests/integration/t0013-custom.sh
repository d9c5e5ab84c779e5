#!/bin/sh
# SPDX-License-Identifier: MIT
# t0013-custom.sh - the custom framework: discover_command's IDs (spaces,
# quotes, ';', '$') reach run_command's {tests} as single arguments,
# unchanged; without a result file the batch's exit status decides for
# every test in it; with {result_file} the JUnit it writes decides per
# test, so one failure does not fail its batch-mates.  Thousands of IDs
# are split over several commands (one sh -c string is capped at 128 KiB).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

cat >ids.txt <<'EOF2'
# a comment line, not a test
alpha
beta gamma
it's
semi;colon $(touch pwned)
bad one
EOF2
grep -v '^#' ids.txt | sort >expected.ids

# run.sh ARGS...: log each argument on its own line, an invocation per
# paragraph; fail when "bad one" is among them.
cat >run.sh <<'EOF2'
#!/bin/sh
rc=0
for a in "$@"; do
	printf '%s\n' "$a" >>"${0%/*}/calls.log"
	[ "$a" = "bad one" ] && rc=1
done
echo >>"${0%/*}/calls.log"
exit $rc
EOF2
# junit.sh FILE ARGS...: a JUnit result with "bad one" failing; exit 1
# like a real runner with a failure.
cat >junit.sh <<'EOF2'
#!/bin/sh
out=$1
shift
{
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="c" tests="%d">\n' $#
	for a in "$@"; do
		n=$(printf '%s' "$a" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/"/\&quot;/g')
		if [ "$a" = "bad one" ]; then
			printf '<testcase name="%s"><failure message="boom">boom</failure></testcase>\n' "$n"
		else
			printf '<testcase name="%s"/>\n' "$n"
		fi
	done
	printf '</testsuite>\n'
} >"$out"
exit 1
EOF2
chmod +x run.sh junit.sh

# ini RUN_COMMAND
ini() {
	cat >offload.ini <<EOF2
[offload]
max_parallel = 1
test_timeout_secs = 60

[framework]
type = custom
discover_command = cat $TEST_DIR/ids.txt
run_command = $1

[group.all]
EOF2
}

# 1. exit status decides, per batch.
ini "$TEST_DIR/run.sh {tests}"
run_offload collect --format json
expect_rc 0
/usr/bin/python3 -c '
import json, sys
for t in json.load(open(sys.argv[1])):
    print(t["id"])
' "$OUT" | sort >json.ids || fail "collect --format json is not JSON"
cmp -s expected.ids json.ids || fail "discovered IDs differ: $(diff expected.ids json.ids)"

run_offload run
expect_rc 1
expect_count Total 5
expect_count "Not run" 0
grep -v '^$' calls.log | sort >called.ids
cmp -s expected.ids called.ids ||
	fail "run_command got other arguments: $(diff expected.ids called.ids)"
[ ! -e pwned ] || fail "an ID was executed by the shell"
xsd_check "$JUNIT"
# Every test sharing an invocation with "bad one" failed, the rest passed.
awk -v RS= '/(^|\n)bad one(\n|$)/' calls.log | grep -v '^$' | sort >failing.ids
[ -s failing.ids ] || fail "'bad one' was never run"
while IFS= read -r id; do
	if grep -qxF "$id" failing.ids; then
		want=1
	else
		want=0
	fi
	case $id in
	*\"*) die "no double quote allowed in IDs here" ;;
	esac
	expect_xpath "count(//testcase[@name=\"$id\"]/failure)" "$want"
done <expected.ids
expect_count Failed "$(wc -l <failing.ids | tr -d ' ')"

# 2. {result_file}: the JUnit file decides each test, one batch or not.
rm -rf test-results calls.log
ini "$TEST_DIR/junit.sh {result_file} {tests}"
run_offload run
expect_rc 1
expect_count Failed 1
expect_count Passed 4
expect_count "Not run" 0
xsd_check "$JUNIT"
expect_xpath 'count(//testcase[@name="bad one"]/failure)' 1
expect_xpath "count(//testcase[@name=\"it's\"][not(*)])" 1
expect_xpath 'count(//testcase[@name="semi;colon $(touch pwned)"][not(*)])' 1
[ ! -e pwned ] || fail "an ID was executed by the shell"

# 3. A failing discover_command fails the run (1: the suite's fault, or
# 3: the setup's) and quotes its stderr; it is never a green run of zero
# tests.
sed -i "s|^discover_command = .*|discover_command = sh -c 'echo no-such-suite >\&2; exit 5'|" offload.ini
rm -rf test-results
run_offload run
expect_rc 1 "discover_command exits 5"
expect_grep 'no-such-suite' "$ERR" "the discovery error quotes its stderr"

# 4. 6000 IDs of 44 bytes (264 KB) on one sandbox: split, each run once.
seq -f 'some/long/test/id/number_%05g_with_padding' 1 6000 >ids.txt
cat >count.sh <<'EOF2'
#!/bin/sh
echo $# >>"${0%/*}/counts.log"
EOF2
chmod +x count.sh
ini "$TEST_DIR/count.sh {tests}"
rm -rf test-results
run_offload run
expect_rc 0 "6000 IDs"
expect_count Passed 6000
expect_count "Not run" 0
[ "$(awk '{ n += $1 } END { print n }' counts.log)" = 6000 ] ||
	fail "run_command got $(awk '{ n += $1 } END { print n }' counts.log) IDs for 6000 tests"
