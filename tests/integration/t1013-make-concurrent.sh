#!/bin/sh
# SPDX-License-Identifier: MIT
# t1013-make-concurrent.sh - test targets are ordinary jobs of make: two
# $(offload-run) targets run at once beside busy recipes, and all of them
# together never exceed -jN (each recording its start and end).  Jobs make
# did not start itself (a child make inherits: sh -c 'sleep 1 & exec make')
# hold no slot to borrow.  With max_parallel above -jN every slot is used:
# 10 tests under -j2 and max_parallel 10 run two at a time, no more.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

write_conc_suite 0.5
# Two configurations over the same tests, each with its own report.
PARALLEL=10 write_exec_ini 'tests/*'
cp offload.ini other.ini
# The run records which target a test belongs to.
for i in 1 2 3 4 5 6; do
	printf '#!/bin/sh\n%s/rec.sh +1 "$OFFLOAD_SUITE"\nsleep 0.5\n%s/rec.sh -1 "$OFFLOAD_SUITE"\n' \
		"$TEST_DIR" "$TEST_DIR" >tests/t$i
done
cat >rec.sh <<EOF2
#!/bin/sh
printf '%s %s %s\n' "\$(date +%s.%N)" "\$1" "\${2:-busy}" >>"$TEST_DIR/conc.log"
EOF2
cat >t.mk <<EOF2
load $GMK
all: a b one two
a b:
	@./rec.sh +1; sleep 1; ./rec.sh -1
one:
	\$(offload-run offload.ini,,junit=r/one.xml)
two:
	\$(offload-run other.ini,,junit=r/two.xml)
EOF2

# overlap A B: some interval of suite A is open while one of B is.
overlap() {
	sort -k1,1n -k2,2n conc.log | awk -v a="$1" -v b="$2" '
		$3 == a { na += $2 } $3 == b { nb += $2 }
		na > 0 && nb > 0 { hit = 1 } END { exit !hit }'
}

# Each run exports its own marker through [provider.env].
printf '[provider.env]\nOFFLOAD_SUITE = one\n' >>offload.ini
printf '[provider.env]\nOFFLOAD_SUITE = two\n' >>other.ini

run_make -j4 -f t.mk
expect_rc 0
[ "$(grep -c '^6 passed, 0 failed, 0 skipped$' "$OUT")" = 2 ] ||
	fail "expected two summaries of 6 passed"
[ "$(grep -c ' +1 ' conc.log)" = 14 ] || fail "not 12 tests and 2 recipes recorded"
m=$(max_running)
[ "$m" -le 4 ] || fail "$m jobs ran at once under -j4: $(sort -n conc.log)"
overlap one two || fail "the two test targets did not run at the same time: $(sort -n conc.log)"
overlap one busy || overlap two busy ||
	fail "no test ran beside a busy recipe: make was stalled"
xsd_check r/one.xml
xsd_check r/two.xml
[ -d r/one.logs ] && [ -d r/two.logs ] || fail "the runs' logs are not beside their reports"

# A child make inherited: it is not make's job and lends no slot.
rm -f conc.log
rc=0
timeout -k 5 60 sh -c 'sleep 1 & exec "$0" --no-print-directory -j4 -f t.mk' \
	"${MAKE_UNDER_TEST:-make}" >"$OUT" 2>"$ERR" || rc=$?
expect_rc 0
m=$(max_running)
[ "$m" -le 4 ] || fail "$m jobs ran at once under -j4 with an inherited child"

# max_parallel 10 under -j2: two at a time, all ten run.
rm -rf conc.log tests
mkdir tests
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf '#!/bin/sh\n%s/rec.sh +1 t\nsleep 0.3\n%s/rec.sh -1 t\n' \
		"$TEST_DIR" "$TEST_DIR" >tests/t$i
	chmod +x tests/t$i
done
run_make -j2 -f t.mk one
expect_rc 0
expect_grep '^10 passed, 0 failed, 0 skipped$' "$OUT"
m=$(max_running)
[ "$m" = 2 ] || fail "$m tests ran at once under -j2, expected 2"
exit 0
