#!/bin/sh
# SPDX-License-Identifier: MIT
# t1016-make-discovery-fails.sh - broken tests are not a broken Makefile:
# when discovery fails (a collection error), $(offload-discover) warns and
# lists no test, so `make clean` and the build still work; the test run
# fails and its report says discovery failed, replacing an earlier green
# report (CI reads the file, not the exit status).  A recipe of a make
# that ignores SIGINT ignores it too, as make's other jobs do.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
need_xmllint
use_make_module

printf 'alpha\nbeta\n' >ids.txt
cat >discover.sh <<'EOF2'
#!/bin/sh
if [ -e broken ]; then
	echo "ERROR collecting tests/test_x.py: SyntaxError" >&2
	exit 2
fi
cat ids.txt
EOF2
chmod +x discover.sh
cat >offload.ini <<'EOF2'
[framework]
type = custom
discover_command = ./discover.sh
run_command = true {tests}

[group.unit]
EOF2
cat >t.mk <<EOF2
load $GMK
IDS := \$(offload-discover offload.ini)
check:
	\$(offload-run offload.ini,,junit=r/unit.xml)
clean:
	@echo cleaned
EOF2

run_make -f t.mk check
expect_rc 0
expect_xpath 'string(/testsuites/@tests)' 2 r/unit.xml

: >broken
run_make -f t.mk clean
expect_rc 0
expect_grep '^cleaned$' "$OUT" "make clean works with broken tests"
expect_grep "t.mk:2: offload: .*exited with status 2.*; listing no test" "$ERR"

run_make -f t.mk check
expect_rc 2
expect_grep 'check\] Error 1' "$ERR"
xsd_check r/unit.xml
expect_xpath 'string(/testsuites/@failures)' 1 r/unit.xml
expect_xpath 'count(//testsuite[@name="unit"]/testcase[@name="discovery"]/failure)' 1 r/unit.xml
expect_xpath 'count(//failure[contains(., "SyntaxError")])' 1 r/unit.xml

# The same through the command.
run_offload run
expect_rc 1
expect_xpath 'count(//testcase[@name="discovery"]/failure)' 1

# make ignores SIGINT (started so by a script): so does the run.
rm -f broken
for i in 1 2; do
	printf '#!/bin/sh\n: >"%s/started.$$"\nexec %s sleep 3\n' "$TEST_DIR" "$FAKE" >"t$i.sh"
	chmod +x "t$i.sh"
done
cat >slow.ini <<'EOF2'
[framework]
type = exec
paths = t*.sh

[group.slow]
EOF2
cat >s.mk <<EOF2
load $GMK
check:
	\$(offload-run slow.ini,,junit=r/slow.xml)
EOF2
rc=0
sh -c 'trap "" INT; exec "$0" --no-print-directory -f s.mk' \
	"${MAKE_UNDER_TEST:-make}" >"$OUT" 2>"$ERR" &
mk=$!
i=0
until ls started.* >/dev/null 2>&1; do
	[ "$i" -lt 400 ] || fail "the tests did not start"
	sleep 0.05
	i=$((i + 1))
done
# The run is make's child (or the child of make's shell): found through
# /proc's children lists, so no other run on this machine can be hit.
kids() {
	cat /proc/"$1"/task/*/children 2>/dev/null
}
pids=
for k in $(kids "$mk"); do
	for p in "$k" $(kids "$k"); do
		case $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) in
		*'run --make'*) pids="$pids $p" ;;
		esac
	done
done
[ -n "$pids" ] || fail "no offload run to send SIGINT to"
kill -INT $pids || fail "offload ended before SIGINT reached it"

wait "$mk" || rc=$?
expect_rc 0 "the run ignored SIGINT as its make does"
expect_xpath 'count(//property[@name="offload.interrupted"])' 0 r/slow.xml
expect_xpath 'string(/testsuites/@tests)' 2 r/slow.xml
exit 0
