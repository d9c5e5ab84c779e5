# SPDX-License-Identifier: MIT
# tests/integration/lib.sh - helpers shared by the tNNNN-name.sh scripts
# (git's t/test-lib.sh, much smaller).  A script sources this file, builds
# a small project in the current directory (a fresh temp dir, $TEST_DIR),
# runs the real `offload` binary and checks what a user would rely on.
# A script is one test: exit 0 passes, 77 skips (last line says why),
# anything else fails.  POSIX sh only: the harness runs us with dash.
#
# Environment from tests/harness.sh: OFFLOAD (the binary), FAKE_TEST
# (tests/helpers/fake-test), OFFLOAD_SRC (repo root), OFFLOAD_BUILD_DIR,
# and TEST_DIR (cwd; made and removed here when not given).

set -u

TEST_NAME=$(basename "$0" .sh)
# Run by tests/harness.sh, TEST_DIR is a fresh directory made for us; run
# directly (as offload's exec framework does in `make check`), make one.
if [ -z "${TEST_DIR:-}" ]; then
	TEST_DIR=$(mktemp -d /tmp/offload-it.XXXXXX) || exit 99
	trap 'cd / && rm -rf "$TEST_DIR"' EXIT
fi
cd "$TEST_DIR" || exit 1

# The report of the last run_offload, for fail()'s post-mortem.
OUT=$TEST_DIR/offload.out
ERR=$TEST_DIR/offload.err
rc=

say() {
	printf '%s: %s\n' "$TEST_NAME" "$*"
}

# A broken test setup (not a finding about offload).
die() {
	printf '%s: setup error: %s\n' "$TEST_NAME" "$*" >&2
	exit 99
}

# A failed expectation: say what, then show the last run's output.
fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	if [ -n "$rc" ]; then
		printf -- '--- last offload exit code: %s\n' "$rc" >&2
		printf -- '--- stdout (tail):\n' >&2
		tail -n 30 "$OUT" >&2 2>/dev/null
		printf -- '--- stderr (tail):\n' >&2
		tail -n 30 "$ERR" >&2 2>/dev/null
	fi
	exit 1
}

skip() {
	printf '%s\n' "$*"
	exit 77
}

[ -x "${OFFLOAD:-}" ] || die "OFFLOAD ('${OFFLOAD:-}') is not an executable"
[ -x "${FAKE_TEST:-}" ] || die "FAKE_TEST ('${FAKE_TEST:-}') is not an executable"

# Tests exec fake-test through a link inside $TEST_DIR, so that every test
# process has our temp dir in its argv[0]: no_procs_left can then find
# leftovers of this test (and only this test) in /proc.
mkdir -p "$TEST_DIR/bin" || die "cannot create '$TEST_DIR/bin'"
ln -sf "$FAKE_TEST" "$TEST_DIR/bin/fake-test" || die "cannot link fake-test"
FAKE=$TEST_DIR/bin/fake-test

# sq WORD: WORD quoted for sh.
sq() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# write_test FILE ACTION...: an executable #!/bin/sh script FILE that
# execs fake-test with ACTIONs (any bytes; each quoted).
write_test() {
	_f=$1
	shift
	mkdir -p "$(dirname "$_f")" || die "cannot create dir for '$_f'"
	{
		printf '#!/bin/sh\nexec %s' "$(sq "$FAKE")"
		for _a in "$@"; do
			printf ' %s' "$(sq "$_a")"
		done
		printf '\n'
	} >"$_f" || die "cannot write '$_f'"
	chmod +x "$_f" || die "cannot chmod '$_f'"
}

# write_exec_suite DIR COUNT ACTION...: DIR/t1 ... DIR/tCOUNT, each a
# write_test with the same ACTIONs.
write_exec_suite() {
	_d=$1 _n=$2
	shift 2
	_i=1
	while [ "$_i" -le "$_n" ]; do
		write_test "$_d/t$_i" "$@"
		_i=$((_i + 1))
	done
}

# write_exec_ini GLOBS: offload.ini for the exec framework.  PARALLEL,
# TIMEOUT and RETRY override the defaults; append more sections with >>.
write_exec_ini() {
	cat >offload.ini <<EOF || die "cannot write offload.ini"
[offload]
max_parallel = ${PARALLEL:-4}
test_timeout_secs = ${TIMEOUT:-60}

[framework]
type = exec
paths = $1

[group.all]
retry_count = ${RETRY:-0}
EOF
}

# run_offload ARG...: run offload in the foreground with stdout in $OUT,
# stderr in $ERR and the exit status in $rc.  A guard timeout (124) keeps
# a hung offload from hanging the suite.
run_offload() {
	rc=0
	timeout -k 5 "${RUN_TIMEOUT:-60}" "$OFFLOAD" "$@" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" != 124 ] && [ "$rc" != 137 ] ||
		fail "offload $* did not finish within ${RUN_TIMEOUT:-60} s"
}

expect_rc() {
	[ "$rc" = "$1" ] || fail "exit code $rc, expected $1${2:+ ($2)}"
}

# summary_count NAME: the number on the summary's "NAME: N" line.
summary_count() {
	sed -n "s/^ *$1: *\\([0-9][0-9]*\\)\$/\\1/p" "$OUT" | tail -n 1
}

# expect_count NAME N: the summary says "NAME: N".
expect_count() {
	_c=$(summary_count "$1")
	[ "$_c" = "$2" ] || fail "summary '$1:' is '$_c', expected '$2'"
}

# expect_summary P F S: the last stdout line is "P passed, F failed, S
# skipped", and maybe " (passed includes N flaky...)" after it.
expect_summary() {
	_l=$(tail -n 1 "$OUT")
	case $_l in
	"$1 passed, $2 failed, $3 skipped" | "$1 passed, $2 failed, $3 skipped ("*")") ;;
	*) fail "last line '$_l', expected '$1 passed, $2 failed, $3 skipped'" ;;
	esac
}

# expect_grep PATTERN FILE [WHY]: FILE has a line matching PATTERN (BRE).
expect_grep() {
	grep -q -e "$1" "$2" || fail "no '$1' in $(basename "$2")${3:+ ($3)}"
}

expect_no_grep() {
	! grep -q -e "$1" "$2" || fail "unexpected '$1' in $(basename "$2")${3:+ ($3)}"
}

JUNIT=$TEST_DIR/test-results/junit.xml

need_xmllint() {
	command -v xmllint >/dev/null 2>&1 ||
		skip "xmllint not installed (Debian package libxml2-utils)"
}

# xsd_check FILE: FILE is valid against the Surefire JUnit schema, when
# the schema is there (it lives beside the repository, not in it).
xsd_check() {
	_xsd=$OFFLOAD_SRC/../shared/data/junit-10.xsd
	[ -f "$1" ] || fail "no report '$1'"
	if [ -f "$_xsd" ] && command -v xmllint >/dev/null 2>&1; then
		xmllint --noout --schema "$_xsd" "$1" >"$TEST_DIR/xsd.log" 2>&1 ||
			fail "'$1' does not validate: $(head -c 2000 "$TEST_DIR/xsd.log")"
	else
		xmllint --noout "$1" 2>/dev/null ||
			! command -v xmllint >/dev/null 2>&1 ||
			fail "'$1' is not well-formed XML"
	fi
}

# xpath EXPR [FILE]: the value of an XPath expression over the report,
# e.g. xpath 'count(//testcase[@name="t1"]/failure)'.
xpath() {
	need_xmllint
	xmllint --xpath "$1" "${2:-$JUNIT}" 2>/dev/null
}

expect_xpath() {
	_v=$(xpath "$1" "${3:-$JUNIT}")
	[ "$_v" = "$2" ] || fail "xpath $1 is '$_v', expected '$2'"
}

# procs_matching MARKER: pids of live processes whose command line holds
# MARKER (zombies have an empty cmdline and do not count).  The pattern
# match runs in this shell, so no helper process matches itself.
procs_matching() {
	for _p in /proc/[0-9]*; do
		_pid=${_p#/proc/}
		[ "$_pid" = "$$" ] && continue
		_cmd=$(tr '\0' ' ' 2>/dev/null <"$_p/cmdline") || continue
		case $_cmd in
		*"$1"*) printf '%s %s\n' "$_pid" "$_cmd" ;;
		esac
	done
}

# no_procs_left [MARKER]: fail if a process of this test (default marker:
# $TEST_DIR) is still alive.  A killed process takes a moment to vanish,
# so poll for up to 2 s: an observable state, not a guess.
no_procs_left() {
	_m=${1:-$TEST_DIR}
	_i=0
	while [ "$_i" -lt 40 ]; do
		_left=$(procs_matching "$_m")
		[ -z "$_left" ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	fail "processes left behind: $_left"
}

# wait_procs N [SECS]: wait (bounded) until at least N processes of this
# test are alive; returns 1 on timeout.
wait_procs() {
	_i=0 _max=$(( ${2:-10} * 20 ))
	while [ "$_i" -lt "$_max" ]; do
		[ "$(procs_matching "$TEST_DIR/bin/" | wc -l)" -ge "$1" ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# now: seconds since the epoch with a fraction when date knows %N.
now() {
	_t=$(date +%s.%N)
	case $_t in
	*N*) date +%s ;;
	*) printf '%s\n' "$_t" ;;
	esac
}

# elapsed START: seconds since START (from now), e.g. 1.234.
elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'
}

# less A B: true when number A < number B.
less() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# use_make_module: for the t1NNN-make-* scripts.  Sets GMK to the module
# under test and makes make able to load it (an ASan build needs the
# sanitizer runtime first in the uninstrumented make process; a TSan one
# cannot be loaded at all: skip).  Defines run_make ARG...: make in the
# foreground, stdout in $OUT, stderr in $ERR, exit status in $rc; bounded.
# The make is ${MAKE_UNDER_TEST:-make} (`make check-make44`: make 4.4.1).
use_make_module() {
	GMK=${OFFLOAD_BUILD_DIR:?}/gmk/offload.so
	[ -f "$GMK" ] || die "no module '$GMK' (make gmk)"
	command -v "${MAKE_UNDER_TEST:-make}" >/dev/null 2>&1 ||
		skip "GNU make ('${MAKE_UNDER_TEST:-make}') is not installed"
	case $(ldd "$GMK" 2>/dev/null) in
	*libtsan*) skip "a TSan-built module cannot be loaded into make" ;;
	*libasan*)
		LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)"
		ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
		export LD_PRELOAD ASAN_OPTIONS ;;
	esac
}

run_make() {
	rc=0
	timeout -k 5 "${RUN_TIMEOUT:-60}" "${MAKE_UNDER_TEST:-make}" --no-print-directory "$@" >"$OUT" 2>"$ERR" || rc=$?
	[ "$rc" != 124 ] && [ "$rc" != 137 ] ||
		fail "make $* did not finish within ${RUN_TIMEOUT:-60} s"
}

# write_conc_suite SECS: rec.sh, which appends "TIME +1" or "TIME -1" to
# conc.log, and tests/t1..t6, each recording its start and end around a
# sleep of SECS.  max_running: the most intervals of conc.log open at once
# (at equal times, an end sorts before a start: never an overcount).
write_conc_suite() {
	cat >rec.sh <<EOF || die "cannot write rec.sh"
#!/bin/sh
printf '%s %s\n' "\$(date +%s.%N)" "\$1" >>"$TEST_DIR/conc.log"
EOF
	chmod +x rec.sh
	mkdir -p tests
	for _i in 1 2 3 4 5 6; do
		printf '#!/bin/sh\n%s/rec.sh +1\nsleep %s\n%s/rec.sh -1\n' \
			"$TEST_DIR" "$1" "$TEST_DIR" >tests/t$_i
		chmod +x tests/t$_i
	done
}

max_running() {
	sort -k1,1n -k2,2n conc.log |
		awk '{ n += $2; if (n > m) m = n } END { print m + 0 }'
}

# write_hanging_suite: tests/t1..t3 hang, tests/t4 hangs ignoring SIGTERM,
# each in its own batch on 4 sandboxes, with a long timeout: a run that
# only a signal ends.
write_hanging_suite() {
	write_exec_suite tests 3 hang
	write_test tests/t4 ignore-term
	cat >offload.ini <<EOF || die "cannot write offload.ini"
[offload]
max_parallel = 4
test_timeout_secs = 120

[framework]
type = exec
paths = tests/*

[group.all]
schedule_individual = true
EOF
}
