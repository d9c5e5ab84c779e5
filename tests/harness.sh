#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/harness.sh - run one part of the suite and record its counts.
#   harness.sh unit          cmocka programs in $O/tests/unit (TAP output)
#   harness.sh integration   tests/integration/t*.sh, one test each
#   harness.sh valgrind      unit programs and one offload run under valgrind
#   harness.sh dogfood [DIR] unit programs and scripts of build DIR, run by
#                            the Make module of $O (tests/check.mk)
#   harness.sh make44 MAKE   the Make module's scripts (tests/integration/t1*.sh)
#                            under MAKE, GNU make 4.4 (tests/make44.sh builds it)
#   harness.sh fuzz DIR SECS the libFuzzer targets built in DIR (tests/fuzz/fuzz.mk),
#                            SECS seconds each, one result per target
#   harness.sh alloc         the allocation-failure sweep of $O/tests/alloc/sweep
#                            (docs/testing.md): one test per scenario, and
#                            one for the list of wrapped allocators
#   harness.sh summary FILE  add up the recorded counts; print the last line
# Counts go to $RESULTS (one "passed failed skipped label" line per part).
# A part's failures print their output; the exit status is always that of
# the counts, so `make check` goes on to the next part and fails at the end.
set -u
O=${O:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS=${RESULTS:-$O/check-results}
export OFFLOAD_BUILD_DIR="$ROOT/$O"
case $O in /*) OFFLOAD_BUILD_DIR=$O ;; esac
export OFFLOAD="$OFFLOAD_BUILD_DIR/bin/offload"
export FAKE_TEST="$OFFLOAD_BUILD_DIR/tests/helpers/fake-test"
export OFFLOAD_SRC="$ROOT"
label=$(basename "$OFFLOAD_BUILD_DIR")
pass=0 fail=0 skip=0

record() {
	echo "$pass $fail $skip $1" >>"$RESULTS"
	echo "$1: $pass passed, $fail failed, $skip skipped"
}

case ${1:-} in
unit)
	for t in "$OFFLOAD_BUILD_DIR"/tests/unit/test-*; do
		[ -x "$t" ] || continue
		log=$(mktemp)
		(cd "$ROOT" && CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$t") >"$log" 2>&1
		rc=$?
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
		s=$(grep -c '^ok .*# SKIP' "$log")
		p=$((p - s))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			f=1	# crashed or exited early (sanitizer report)
		fi
		if [ "$f" != 0 ]; then
			echo "--- FAIL $(basename "$t") (exit $rc)"
			tail -n 60 "$log"
		fi
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		rm -f "$log"
	done
	record "unit($label)"
	;;
valgrind)
	# Memory errors and leaks: every unit program, then the offload binary
	# on a small suite that passes, fails, crashes, times out and floods.
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	for t in "$OFFLOAD_BUILD_DIR"/tests/unit/test-*; do
		[ -x "$t" ] || continue
		log=$(mktemp)
		(cd "$ROOT" && CMOCKA_MESSAGE_OUTPUT=TAP timeout 600 $vg "$t") >"$log" 2>&1
		rc=$?
		if [ "$rc" = 0 ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "--- FAIL valgrind $(basename "$t") (exit $rc)"
			tail -n 40 "$log"
		fi
		rm -f "$log"
	done
	dir=$(mktemp -d /tmp/offload-vg.XXXXXX)
	mkdir "$dir/t"
	for a in pass fail crash hang skip "flood 5"; do
		f="$dir/t/$(echo "$a" | tr ' ' _)"
		printf '#!/bin/sh\nexec %s %s\n' "$FAKE_TEST" "$a" >"$f"
		chmod +x "$f"
	done
	printf '[offload]\nmax_parallel = 3\ntest_timeout_secs = 2\n[framework]\ntype = exec\npaths = t/*\n[group.all]\nretry_count = 1\n' >"$dir/offload.ini"
	(cd "$dir" && CI=true timeout 120 $vg "$OFFLOAD" run) >"$dir.log" 2>&1
	rc=$?
	if [ "$rc" = 1 ] && grep -q '^2 passed, 3 failed, 1 skipped' "$dir.log"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "--- FAIL valgrind offload run (exit $rc)"
		tail -n 40 "$dir.log"
	fi
	rm -rf "$dir" "$dir.log"
	record "valgrind($label)"
	;;
integration)
	for t in "$ROOT"/tests/integration/t[0-9]*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		dir=$(mktemp -d "/tmp/offload-it.XXXXXX")
		log="$dir.log"
		(cd "$dir" && TEST_DIR="$dir" timeout 300 sh "$t") >"$log" 2>&1
		rc=$?
		case $rc in
		0) pass=$((pass + 1)) ;;
		77) skip=$((skip + 1)); echo "--- skip $name: $(tail -n 1 "$log")" ;;
		*) fail=$((fail + 1)); echo "--- FAIL $name (exit $rc)"; tail -n 60 "$log" ;;
		esac
		rm -rf "$dir" "$log"
	done
	record "integration($label)"
	;;
dogfood)
	# The suite through the Make module built in $O (the runner), against
	# the binaries of build dir $2 (default: the same): unit programs and
	# integration scripts as two $(offload-run) recipes of tests/check.mk.
	tested=${2:-$OFFLOAD_BUILD_DIR}
	case $tested in /*) ;; *) tested=$ROOT/$tested ;; esac
	label=$(basename "$tested")
	rm -f "$tested"/test-results/unit.xml "$tested"/test-results/integration.xml
	# the exec framework runs executable files only: a script that lost
	# its mode would be left out without a word
	for f in "$ROOT"/tests/integration/t*.sh; do
		[ -x "$f" ] && continue
		echo "--- FAIL $f is not executable: the suite would not run it"
		echo "0 1 0 executable($label)" >>"$RESULTS"
	done
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL OFFLOAD_TESTED="$tested" OFFLOAD_SRC="$ROOT" \
		make --no-print-directory -k -f "$ROOT/tests/check.mk" \
		RUNNER="$OFFLOAD_BUILD_DIR" unit integration
	for part in unit integration; do
		x=$tested/test-results/$part.xml
		if [ ! -f "$x" ]; then
			echo "--- FAIL $part($label): no report $x"
			echo "0 1 0 $part($label)" >>"$RESULTS"
			continue
		fi
		t=$(xmllint --xpath 'string(/testsuites/@tests)' "$x")
		f=$(xmllint --xpath 'string(/testsuites/@failures)' "$x")
		e=$(xmllint --xpath 'string(/testsuites/@errors)' "$x")
		s=$(xmllint --xpath 'count(//testcase/skipped)' "$x")
		pass=$((t - f - e - s)) fail=$((f + e)) skip=$s
		[ "$fail" = 0 ] || "$OFFLOAD" logs --failures --file "$x"
		record "$part($label, via make module)"
	done
	;;
make44)
	# The same scripts as in `integration`, with MAKE_UNDER_TEST set and
	# without the calling make's MAKEFLAGS (its jobserver is 4.3's pipe):
	# what differs from Debian's make 4.3 is the fifo jobserver (t1011).
	# No make 4.4 (tests/make44.sh failed) is one failure, not a pass.
	mk=${2:-}
	case $mk in /*) ;; ?*) mk=$(pwd)/$mk ;; esac
	if [ -z "$mk" ] || ! "$mk" --version 2>/dev/null | head -n 1 | grep -q '^GNU Make 4\.4'; then
		echo "--- FAIL make44: '$mk' is not GNU make 4.4 (tests/make44.sh DIR builds it)"
		fail=1
		record "make44($label)"
		exit 0
	fi
	for t in "$ROOT"/tests/integration/t1[0-9]*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		dir=$(mktemp -d "/tmp/offload-it.XXXXXX")
		log="$dir.log"
		(cd "$dir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL TEST_DIR="$dir" \
			MAKE_UNDER_TEST="$mk" timeout 300 sh "$t") >"$log" 2>&1
		rc=$?
		case $rc in
		0) pass=$((pass + 1)) ;;
		77) skip=$((skip + 1)); echo "--- skip $name (make 4.4): $(tail -n 1 "$log")" ;;
		*) fail=$((fail + 1)); echo "--- FAIL $name under make 4.4 (exit $rc)"; tail -n 60 "$log" ;;
		esac
		rm -rf "$dir" "$log"
	done
	record "make44($label)"
	;;
fuzz)
	# Each tests/fuzz/fuzz-*.c target, built in DIR, run by tests/fuzz/run.sh
	# (working corpora and kept crash inputs in DIR/work).  A target that
	# finds something or is missing from DIR fails.  FUZZ_SKIP=REASON (no
	# clang) makes every target a skip, FUZZ_FAIL=REASON a failure.
	dir=${2:-} secs=${3:-10} total=0
	case $dir in /*) ;; ?*) dir=$ROOT/$dir ;; esac
	for src in "$ROOT"/tests/fuzz/fuzz-*.c; do
		[ -f "$src" ] || continue
		name=$(basename "$src" .c)
		if [ -n "${FUZZ_SKIP:-}" ]; then
			skip=$((skip + 1))
			echo "--- skip $name: $FUZZ_SKIP"
			continue
		elif [ -n "${FUZZ_FAIL:-}" ]; then
			fail=$((fail + 1))
			echo "--- FAIL $name: $FUZZ_FAIL"
			continue
		fi
		log=$(mktemp)
		sh "$ROOT/tests/fuzz/run.sh" "$dir/tests/fuzz/$name" "$secs" "$dir/work" >"$log" 2>&1
		rc=$?
		n=$(sed -n "1s/^$name: \([0-9]*\) execs.*/\1/p" "$log")
		total=$((total + ${n:-0}))
		if [ "$rc" = 0 ]; then
			pass=$((pass + 1))
			head -n 1 "$log"
		else
			fail=$((fail + 1))
			echo "--- FAIL $name (exit $rc)"
			cat "$log"
		fi
		rm -f "$log"
	done
	[ -n "${FUZZ_SKIP:-}${FUZZ_FAIL:-}" ] || echo "fuzz: $total execs in total"
	record "fuzz($label)"
	;;
alloc)
	# One test per scenario of the sweep; a scenario whose findings are
	# all listed in tests/alloc/known.txt ("not ok ... # TODO") counts as
	# skipped, so that a known bug waiting for its owner shows without
	# failing the suite.  The allocation counts are printed every time.
	t=$OFFLOAD_BUILD_DIR/tests/alloc/sweep
	log=$(mktemp)
	(cd "$ROOT" && timeout 1800 "$t") >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	s=$(grep -c '^not ok .*# TODO' "$log")
	f=$(grep '^not ok ' "$log" | grep -vc '# TODO')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1	# crashed, or exited early
	fi
	grep -E '^(ok|not ok) ' "$log"
	if [ "$f" != 0 ]; then
		echo "--- FAIL alloc sweep (exit $rc)"
		tail -n 200 "$log"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	rm -f "$log"
	# Every allocating libc function the library calls must be wrapped
	# (Makefile ALLOC_WRAP, tests/alloc/wrap.c), or the sweep misses it.
	allocating="malloc calloc realloc reallocarray strdup strndup
		posix_memalign aligned_alloc memalign valloc pvalloc asprintf
		vasprintf __asprintf_chk __vasprintf_chk open_memstream
		open_wmemstream fmemopen getline getdelim __getdelim scandir
		scandirat canonicalize_file_name get_current_dir_name tempnam
		fdopen popen freopen fopen fopen64 opendir fdopendir realpath
		getcwd glob glob64 newlocale duplocale wordexp regcomp
		iconv_open backtrace_symbols"
	used=$(nm -u "$OFFLOAD_BUILD_DIR/lib/liboffload.a" 2>/dev/null | awk '{ print $2 }')
	wrapped=$(nm "$t" 2>/dev/null | sed -n 's/.* [Tt] __wrap_//p')
	missing=
	for a in $allocating; do
		if printf '%s\n' "$used" | grep -qx "$a" &&
		   ! printf '%s\n' "$wrapped" | grep -qx "$a"; then
			missing="$missing $a"
		fi
	done
	if [ -z "$used" ] || [ -z "$wrapped" ]; then
		echo "--- FAIL alloc coverage: cannot list the symbols of $t"
		fail=$((fail + 1))
	elif [ -n "$missing" ]; then
		echo "--- FAIL alloc coverage: the library calls$missing, not wrapped by the sweep"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	record "alloc($label)"
	;;
summary)
	awk '{ p += $1; f += $2; s += $3 }
	     END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0 || NR == 0) }' "$2"
	;;
*)
	echo "usage: harness.sh unit|integration|valgrind|dogfood [DIR]|make44 MAKE|fuzz DIR SECS|alloc|summary FILE" >&2
	exit 2
	;;
esac
