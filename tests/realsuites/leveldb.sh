#!/bin/sh
# SPDX-License-Identifier: MIT
# leveldb.sh - a real Google Test suite: leveldb, built with its tests
# from Debian's source package (`apt-get source leveldb`, Debian's
# patches, the system's googletest), run by offload's gtest framework
# (two sandboxes) and serially, binary after binary.  Passes when every
# test has the same outcome in both, compared per test from the JUnit
# files, with 0 not run.  Prints the wall times of offload, the serial
# run and `ctest -j2`.  leveldb's tests keep their databases in
# $TEST_TMPDIR (else /tmp/leveldbtest-UID, shared): offload gives each
# sandbox its own.
#
# REALSUITES_CACHE=DIR keeps the source and the build there between runs
# (the build takes minutes); by default both go in a scratch directory.
. "$(dirname "$0")/lib/common.sh"

need_debs cmake g++ make dpkg-dev libgtest-dev libgmock-dev \
	libbenchmark-dev libsnappy-dev
CACHE=${REALSUITES_CACHE:-$WORK}
mkdir -p "$CACHE" || die "cannot create $CACHE"
CACHE=$(cd "$CACHE" && pwd)
SRC=$(ls -d "$CACHE"/leveldb-*/ 2>/dev/null | head -n 1)
SRC=${SRC%/}

# The source package.  Without deb-src lines in the system's apt sources,
# a private list (in $CACHE, the system's configuration untouched) names
# Debian's archive for this release.
if [ -z "$SRC" ]; then
	cd "$CACHE" || die "cannot enter $CACHE"
	say "apt-get source leveldb..."
	if ! apt-get source -q leveldb >"$CACHE/source.log" 2>&1; then
		. /etc/os-release
		mkdir -p "$CACHE/apt/lists/partial"
		echo "deb-src http://deb.debian.org/debian ${VERSION_CODENAME:-bookworm} main" \
			>"$CACHE/apt/sources.list"
		set -- -o Dir::Etc::SourceList="$CACHE/apt/sources.list" \
			-o Dir::Etc::SourceParts=/dev/null \
			-o Dir::State::Lists="$CACHE/apt/lists"
		apt-get "$@" update >>"$CACHE/source.log" 2>&1 &&
			apt-get "$@" source -q leveldb >>"$CACHE/source.log" 2>&1 ||
			cannot "Debian's source package leveldb is unreachable: $(tail -n 2 "$CACHE/source.log")"
	fi
	SRC=$(ls -d "$CACHE"/leveldb-*/ | head -n 1)
	SRC=${SRC%/}
	[ -d "$SRC" ] || die "apt-get source left no leveldb-* directory"
fi
say "source: $SRC ($(head -n 1 "$SRC/debian/changelog" 2>/dev/null | cut -d ' ' -f 2))"

BUILD=$SRC/offload-build
if [ ! -x "$BUILD/db_test" ]; then
	say "building with its tests (cmake, make -j2)..."
	mkdir -p "$BUILD" && cd "$BUILD" || die "cannot enter $BUILD"
	cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEVELDB_BUILD_TESTS=ON \
		-DLEVELDB_BUILD_BENCHMARKS=OFF .. >"$CACHE/build.log" 2>&1 &&
		make -j2 >>"$CACHE/build.log" 2>&1 ||
		die "the build failed: $(tail -n 5 "$CACHE/build.log")"
fi
cd "$BUILD" || die "cannot enter $BUILD"
# the Google Test binaries: c_test is a C program with its own main
BINS=
for b in *_test; do
	[ -x "$b" ] && [ "$b" != c_test ] && BINS="$BINS $b"
done
set -- $BINS
say "$# gtest binaries (c_test, plain C, left out)"

# DBTest.HiddenValuesAreRemoved fails in leveldb's own serial run of the
# whole db_test depending on timing (a compaction's result; here in 2 of
# 2 serial runs and 1 of 2 ctest runs, under load) and passes alone (6 of
# 6) and in offload's batches: left out of both runs, so that the
# comparison says something about offload.  LEVELDB_EXCLUDE= keeps it.
EXCLUDE=${LEVELDB_EXCLUDE-DBTest.HiddenValuesAreRemoved}
[ -n "$EXCLUDE" ] && say "left out of both runs: $EXCLUDE"

# serial reference: each binary in turn, one shared TEST_TMPDIR
rm -rf "$WORK/serial" && mkdir -p "$WORK/serial/tmp" || die "cannot create $WORK/serial"
say "serial run..."
t0=$(now)
for b in $BINS; do
	TEST_TMPDIR=$WORK/serial/tmp "./$b" --gtest_output="xml:$WORK/serial/$b.xml" \
		${EXCLUDE:+"--gtest_filter=-$EXCLUDE"} >"$WORK/serial/$b.log" 2>&1
	brc=$?
	[ -f "$WORK/serial/$b.xml" ] ||
		die "serial $b exited with $brc and wrote no XML: $(tail -n 3 "$WORK/serial/$b.log")"
done
t1=$(now)
serial_time=$(secs "$t0" "$t1")

say "ctest -j2..."
t0=$(now)
ctest -j2 >"$WORK/ctest.log" 2>&1
ctrc=$?
t1=$(now)
ctest_time=$(secs "$t0" "$t1")
say "  $(grep 'tests passed' "$WORK/ctest.log") (exit $ctrc)"

mkdir -p "$WORK/offload" && cd "$WORK/offload" || die "cannot enter $WORK/offload"
cat >offload.ini <<EOI
[offload]
max_parallel = 2
test_timeout_secs = 600

[provider]
working_dir = $BUILD

[framework]
type = gtest
paths =$(for b in $BINS; do printf '\n    %s' "$b"; done)

[group.all]
filters = ${EXCLUDE:+-$EXCLUDE}
EOI
say "offload, 2 sandboxes..."
t0=$(now)
"$OFFLOAD" run >"$WORK/offload.log" 2>"$WORK/offload.err"
orc=$?
t1=$(now)
off_time=$(secs "$t0" "$t1")
[ -f test-results/junit.xml ] ||
	die "offload exited with $orc and wrote no report: $(tail -n 5 "$WORK/offload.err")"
notrun=$(sed -n 's/^ *Not run: *\([0-9]*\)$/\1/p' "$WORK/offload.log")
say "  $(tail -n 1 "$WORK/offload.log"), not run: $notrun (exit $orc)"

set --
for b in $BINS; do
	set -- "$@" "--prefix=$b:" "$WORK/serial/$b.xml"
done
/usr/bin/python3 "$OFFLOAD_SRC/tests/realsuites/lib/compare-junit.py" \
	test-results/junit.xml "$@" >"$WORK/compare.txt"
crc=$?
sed "s/^/$NAME: /" "$WORK/compare.txt"
say "wall time: offload -j2 ${off_time} s, ctest -j2 ${ctest_time} s, serial ${serial_time} s (load average $(cut -d ' ' -f 1-3 /proc/loadavg))"
[ "$crc" = 0 ] && [ "$notrun" = 0 ] || { say "MISMATCH"; exit 1; }
say "outcomes match"
