#!/bin/sh
# SPDX-License-Identifier: MIT
# t0051-nul-output.sh - output with NUL bytes keeps what follows them
# (issue 7, item 12): `printf 'before\000after'` used to leave only
# "before" in the report's failure text, and 2 GiB of NULs an empty
# failure and an empty `offload logs --failures`.  A NUL is now written
# "\x00" in the report, as other control bytes are (docs/junit.md); the
# batch logs keep the raw bytes.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

mkdir tests
printf '#!/bin/sh\nprintf '"'"'before\\000after\\n'"'"'\nexit 1\n' >tests/nul
# 3 MB of NULs: more than the 1 MiB kept of a test's output.
printf '#!/bin/sh\nhead -c 3000000 /dev/zero\nexit 1\n' >tests/nuls
chmod +x tests/nul tests/nuls
write_exec_ini 'tests/*'
run_offload run
expect_rc 1
expect_count Failed 2
xsd_check "$JUNIT"

expect_xpath 'count(//testcase[@name="tests/nul"]/failure[contains(., "before\x00after")])' 1
expect_xpath 'count(//testcase[@name="tests/nuls"]/failure[contains(., "\x00\x00\x00\x00")])' 1
expect_xpath 'count(//testcase[@name="tests/nuls"]/failure[contains(., "bytes of output omitted")])' 1

rc=0
"$OFFLOAD" logs --failures >logs.out 2>"$ERR" || rc=$?
expect_rc 0 "offload logs --failures"
grep -qF 'before\x00after' logs.out || fail "logs --failures lost what follows the NUL: $(head -c 300 logs.out)"
n=$(grep -cF '\x00\x00\x00\x00' logs.out)
[ "$n" -ge 1 ] || fail "logs --failures shows nothing of 3 MB of NULs"
