#!/bin/sh
# SPDX-License-Identifier: MIT
# networkx.sh - a real pytest suite: networkx's own tests, as Debian's
# python3-networkx installs them, run by offload (`--pyargs networkx`,
# two sandboxes) and by pytest itself, serially.  Passes when every test
# has the same outcome (passed, failed, skipped) in both, compared per
# node ID from the two JUnit files, with 0 not run.  Prints the wall
# times of offload, the serial run and `pytest -n 2` (pytest-xdist).
. "$(dirname "$0")/lib/common.sh"

PY=/usr/bin/python3
need_debs python3-networkx python3-pytest python3-pytest-xdist \
	python3-numpy python3-scipy python3-yaml
PKG=$("$PY" -c 'import os, networkx; print(os.path.dirname(networkx.__file__))') ||
	die "cannot import networkx with $PY"
VERSION=$("$PY" -c 'import networkx; print(networkx.__version__)')
say "networkx $VERSION in $PKG"

# Nothing may be written into the installed package: no .pytest_cache,
# no __pycache__.  One hash seed for all three runs (offload would set
# its own for discovery and every batch, see docs/frameworks.md).
export PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0
PLUGIN=$OFFLOAD_SRC/src/pytest

# pytest's own serial run, with offload's plugin only to name each case
# by its node ID (the plugin adds a property and changes nothing else)
mkdir "$WORK/serial" && cd "$WORK/serial" || die "cannot enter $WORK/serial"
say "pytest, serial..."
t0=$(now)
PYTHONPATH=$PLUGIN "$PY" -m pytest -p offload_pytest_plugin -p no:cacheprovider \
	--rootdir=. -o junit_family=xunit1 --junitxml="$WORK/serial.xml" \
	-q --pyargs networkx >"$WORK/serial.log" 2>&1
src=$?
t1=$(now)
[ "$src" = 0 ] || [ "$src" = 1 ] ||
	die "pytest's serial run exited with $src: $(tail -n 5 "$WORK/serial.log")"
serial_time=$(secs "$t0" "$t1")
say "  $(tail -n 1 "$WORK/serial.log")"

say "pytest -n 2 (xdist)..."
mkdir "$WORK/xdist" && cd "$WORK/xdist" || die "cannot enter $WORK/xdist"
t0=$(now)
"$PY" -m pytest -n 2 -p no:cacheprovider --rootdir=. -q --pyargs networkx \
	>"$WORK/xdist.log" 2>&1
xrc=$?
t1=$(now)
xdist_time=$(secs "$t0" "$t1")
say "  $(tail -n 1 "$WORK/xdist.log") (exit $xrc)"

# offload: node IDs are relative to the package's directory, so that is
# the working directory (docs/frameworks.md, "--pyargs")
mkdir "$WORK/offload" && cd "$WORK/offload" || die "cannot enter $WORK/offload"
cat >offload.ini <<EOI
[offload]
max_parallel = 2
test_timeout_secs = 900

[provider]
working_dir = $PKG

[framework]
type = pytest
command = $PY -m pytest -p no:cacheprovider
paths = --pyargs networkx

[group.all]
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

"$PY" "$OFFLOAD_SRC/tests/realsuites/lib/compare-junit.py" \
	test-results/junit.xml "$WORK/serial.xml" >"$WORK/compare.txt"
crc=$?
sed "s/^/$NAME: /" "$WORK/compare.txt"
say "wall time: offload -j2 ${off_time} s, pytest -n 2 ${xdist_time} s, pytest serial ${serial_time} s (load average $(cut -d ' ' -f 1-3 /proc/loadavg))"
[ "$crc" = 0 ] && [ "$notrun" = 0 ] || { say "MISMATCH"; exit 1; }
say "outcomes match"
