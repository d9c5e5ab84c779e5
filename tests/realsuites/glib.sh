#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/realsuites/glib.sh - GLib's installed tests (Debian's
# libglib2.0-tests, TAP producers) through offload's tap framework,
# compared with a serial run read by Perl's TAP::Parser (prove's own
# parser): every point ("TEST:N - /path") and every test program must
# have the same outcome (passed / failed / skipped), and offload must
# leave 0 not run.  Then offload's wall time is printed next to
# `prove -j2`'s on the same tests.
#
# The tests run as `nobody` (several refuse root), each in a fresh HOME
# and TMPDIR, through one wrapper used by all three runs; every program
# has the same 120 s limit everywhere (`timeout` in the wrapper).
#
# Which tests: those whose .test file says Output=TAP and whose Exec is
# one word (a few take arguments or need an LD_PRELOAD), minus
# GLIB_EXCLUDE (default below: the slow ones, measured).  GLIB_ONLY="a b"
# runs just those.  Set GLIB_ALL=1 to run every eligible test (slow:
# some run for minutes).
#
# Exit: 0 outcomes match, 1 they differ (the differences are printed),
# 77 cannot run here (says why).
# Environment: OFFLOAD (default: build/bin/offload of this tree),
# GLIB_PARALLEL (default 2).
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
OFFLOAD=${OFFLOAD:-$src/build/bin/offload}
P=${GLIB_PARALLEL:-2}
tests_dir=/usr/libexec/installed-tests/glib
meta_dir=/usr/share/installed-tests/glib

cannot() {
	printf 'glib.sh: cannot run here: %s\n' "$*" >&2
	exit 77
}

[ -x "$OFFLOAD" ] || cannot "no offload binary '$OFFLOAD' (make, or set OFFLOAD)"
[ "$(id -u)" = 0 ] || cannot "needs root, to run the tests as nobody (runuser)"
if [ ! -d "$meta_dir" ] && command -v apt-get >/dev/null 2>&1; then
	apt-get install -y -qq libglib2.0-tests >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
		  apt-get install -y -qq libglib2.0-tests >/dev/null 2>&1; }
fi
[ -d "$meta_dir" ] || cannot "no $meta_dir (Debian package libglib2.0-tests)"
for c in runuser timeout prove perl python3; do
	command -v "$c" >/dev/null 2>&1 || cannot "no '$c'"
done
perl -MTAP::Parser -e 1 2>/dev/null || cannot "no Perl TAP::Parser"

# The default subset leaves out the 51 programs that took 5 s or more
# each here (measured: all 283 one-word TAP programs, two at a time,
# 30 s cap, on a loaded 2-core VM; ten hit the cap: 1bit-mutex
# codegen.py gvariant mainloop properties-refcount3 rec-mutex sequence
# slice-memchunk thread-pool-slow threadtests).  The 232 left took
# 280 s in all, one after another.  GLIB_ALL=1 runs every one.
: "${GLIB_EXCLUDE=1bit-mutex actions cancellable closure-refcount codegen.py \
converter-stream file gdatetime gdbus-connection-slow \
gdbus-export gdbus-peer gdbus-proxy gdbus-subscribe genmarshal.py \
gmenumodel gsubprocess gvariant io-channel-basic mainloop \
memory-monitor-portal.py mkenums.py mutex network-monitor-race \
objects-refcount1 objects-refcount2 power-profile-monitor-dbus.py \
power-profile-monitor-portal.py properties-refcount2 \
properties-refcount3 qdata queue rec-mutex rwlock sequence \
signals-refcount1 signals-refcount2 signals-refcount3 \
signals-refcount4 slice-color slice-eager-freeing slice-glib \
slice-malloc slice-memchunk slice-slab socket spawn-multithreaded \
srvtarget thread-deprecated thread-pool-slow threadtests timeout \
utf8-pointer}"

work=$(mktemp -d /tmp/offload-glib.XXXXXX) || exit 1
trap 'cd / && rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir "$work/t"

excluded() {
	[ -n "${GLIB_ALL:-}" ] && return 1
	for x in $GLIB_EXCLUDE; do
		case $1 in $x) return 0 ;; esac
	done
	return 1
}

# Each .test file's Exec when it says Output=TAP and is one word (one
# awk, not a few processes per file: there are 287 files).
awk -F= 'function out() { if (tap && e != "" && e !~ / /) print e }
	FNR == 1 { out(); e = ""; tap = 0 }
	$1 == "Exec" { e = substr($0, 6) }
	$0 == "Output=TAP" { tap = 1 }
	END { out() }' "$meta_dir"/*.test >"$work/execs" ||
	cannot "cannot read $meta_dir"
n=0
while IFS= read -r e; do
	[ -x "$e" ] || continue
	b=${e##*/}
	if [ -n "${GLIB_ONLY:-}" ]; then
		case " $GLIB_ONLY " in *" $b "*) ;; *) continue ;; esac
	elif excluded "$b"; then
		continue
	fi
	ln -s "$e" "$work/t/$b"
	n=$((n + 1))
done <"$work/execs"
[ "$n" -gt 0 ] || cannot "no GLib test selected"

# One wrapper for every run: the real program (its data is found next
# to it), as nobody, in a fresh HOME/TMPDIR, 120 s at most.
cat >"$work/wrap.sh" <<'W'
t=$(readlink -f "$1")
d=$(mktemp -d /tmp/offload-glib-t.XXXXXX) || exit 1
chown nobody "$d" && cd "$d" || exit 1
timeout -k 5 120 runuser -u nobody -- env -i PATH=/usr/bin:/bin \
	HOME="$d" TMPDIR="$d" XDG_RUNTIME_DIR="$d" LANG=C.UTF-8 "$t"
r=$?
cd / && rm -rf "$d"
exit $r
W

cd "$work" || exit 1
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

# 1. The reference: each program in turn, read by TAP::Parser, printed
#    as "ID<TAB>outcome" with offload's IDs (docs/frameworks.md, tap).
cat >oracle.pl <<'PL'
use strict; use warnings; use TAP::Parser;
for my $file (@ARGV) {
	my $p = TAP::Parser->new({ exec => ['/bin/sh', 'wrap.sh', $file] });
	my $bail = 0;
	while (my $r = $p->next) {
		$bail = 1 if $r->is_bailout;
		last if $bail;
		next unless $r->is_test;
		my $d = $r->description // '';
		$d =~ s/^\s*-?//; $d =~ s/^\s+|\s+$//g; $d =~ s/\\([#\\])/$1/g;
		my $id = $file . ':' . $r->number . ($d ne '' ? " - $d" : '');
		my $o;
		if ($r->has_todo) { $o = $r->is_actual_ok ? 'passed' : 'skipped' }
		elsif (!$r->is_actual_ok) { $o = 'failed' }
		elsif ($r->has_skip) { $o = 'skipped' }
		else { $o = 'passed' }
		print "$id\t$o\n";
	}
	1 while !$bail && $p->next;
	my $o = $p->skip_all ? 'skipped' :
		($bail || $p->has_problems) ? 'failed' : 'passed';
	print "$file\t$o\n";
}
PL
t0=$(now)
perl oracle.pl t/* >serial.txt 2>serial.err || { echo "glib.sh: the serial run failed" >&2; exit 1; }
t1=$(now)

# 2. offload, P sandboxes.
cat >offload.ini <<INI
[offload]
max_parallel = $P
test_timeout_secs = 150

[framework]
type = tap
paths = t/*
interpreter = /bin/sh $work/wrap.sh

[group.all]
retry_count = 0

[report]
output_dir = results
INI
t2=$(now)
"$OFFLOAD" run -c offload.ini >offload.out 2>offload.err
orc=$?
t3=$(now)
[ -f results/junit.xml ] || { echo "glib.sh: offload wrote no report (exit $orc)" >&2; cat offload.err >&2; exit 1; }
python3 - results/junit.xml >offload.txt <<'PY'
import sys, xml.etree.ElementTree as ET
for c in ET.parse(sys.argv[1]).iter('testcase'):
    tags = {e.tag for e in c}
    if tags & {'failure', 'error'}: o = 'failed'
    elif tags & {'flakyFailure', 'flakyError', 'rerunFailure', 'rerunError'}: o = 'flaky'
    elif 'skipped' in tags: o = 'skipped'
    else: o = 'passed'
    print(c.get('name') + '\t' + o)
PY

# 3. prove -j2, for the time only.
t4=$(now)
prove -j2 --exec "/bin/sh $work/wrap.sh" t/* >prove.out 2>&1
t5=$(now)

sort serial.txt >a.txt
sort offload.txt >b.txt
not_run=$(sed -n 's/^ *Not run: *//p' offload.out)
points=$(grep -c ':[0-9]' a.txt)
echo "glib.sh: $n GLib test programs, $points points (serial reference: $(grep -c failed a.txt) failed)"
printf '  %-34s %8.1f s\n' "serial, TAP::Parser (reference)" "$(secs "$t0" "$t1")"
printf '  %-34s %8.1f s\n' "offload, tap, $P sandboxes" "$(secs "$t2" "$t3")"
printf '  %-34s %8.1f s\n' "prove -j$P" "$(secs "$t4" "$t5")"
echo "  prove: $(tail -n 1 prove.out)"
echo "  offload: $(tail -n 1 offload.out), not run: ${not_run:-?}"
if grep -q '	failed$' a.txt; then
	echo "  failed in the reference run (first 20):"
	grep '	failed$' a.txt | head -n 20 | sed 's/^/    /'
fi
if ! cmp -s a.txt b.txt; then
	echo "glib.sh: MISMATCH (< serial reference, > offload):"
	diff a.txt b.txt | grep '^[<>]' | head -n 50
	exit 1
fi
[ "${not_run:-x}" = 0 ] || { echo "glib.sh: offload left '${not_run:-?}' not run"; exit 1; }
echo "glib.sh: every point and program has the same outcome: ok"
exit 0
