#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh BIN SECONDS WORKDIR - run one libFuzzer target.
#
# 1. Replay: the committed seeds (tests/fuzz/corpus/T) and the large
#    hostile inputs of tests/fuzz/gen-seeds.sh (made once into
#    WORKDIR/gen/T), once each, with the target's size cap raised.  Each
#    must pass within the limits and make the library print nothing: a
#    line on stderr that is not libFuzzer's is a failure naming the input
#    (the library never prints; libxml2 does unless told not to).
# 2. Fuzzing for SECONDS (-max_total_time) with the working corpus
#    WORKDIR/corpus/T (new inputs go there) seeded from the committed one,
#    and the dictionary tests/fuzz/T.dict (or the family's: junit.dict for
#    junit-read and junit-merge).  Stray stderr lines fail here too; their
#    inputs are among the corpus's new files (replay them as in 1).
# Limits: -rss_limit_mb=512, -timeout=10 s per input, -max_len=65536.
# Crash, leak, timeout and out-of-memory inputs are kept in
# WORKDIR/crashes/T, the logs in WORKDIR/T.replay.log and WORKDIR/T.log;
# temporary files in /dev/shm (else WORKDIR), removed at the end.  Prints
#   "fuzz-T: N execs in S s (R/s), corpus C inputs"
# then, on failure, what failed and the end of the log.  Exit 0, or 1 on
# a finding or when the target cannot run.  FUZZ_NICE (10) sets the
# niceness; FUZZ_ARGS adds libFuzzer options to step 2.
set -u
bin=$1 secs=$2 work=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
name=$(basename "$bin")
t=${name#fuzz-}
case $work in /*) ;; *) work=$(pwd)/$work ;; esac
seed=$ROOT/tests/fuzz/corpus/$t
corpus=$work/corpus/$t crashes=$work/crashes/$t gen=$work/gen/$t
log=$work/$name.log replay=$work/$name.replay.log
nice="nice -n ${FUZZ_NICE:-10}"
limits="-rss_limit_mb=512 -timeout=10 -artifact_prefix=$crashes/"
# ASan's quarantine (256 MB by default) would count against -rss_limit_mb.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=64}"

if [ ! -x "$bin" ]; then
	echo "$name: not built ($bin)"
	exit 1
fi
mkdir -p "$corpus" "$crashes" "$gen" "$seed" || exit 1
# The targets write each input to a file: on tmpfs when there is one.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=$work
tmp=$(mktemp -d "$shm/offload-fuzz-$t.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
dict=
for d in "$t" "${t%%-*}"; do
	if [ -f "$ROOT/tests/fuzz/$d.dict" ]; then
		dict=-dict=$ROOT/tests/fuzz/$d.dict
		break
	fi
done
before=$(ls "$crashes" | wc -l)

fail() {
	echo "$name: FAILED: $1"
	[ -z "$2" ] || tail -n 60 "$2"
	[ "$(ls "$crashes" | wc -l)" -gt "$before" ] &&
		ls -t "$crashes" | head -n 3 | sed "s|^|$name: input kept: $crashes/|"
	exit 1
}

# Lines of a libFuzzer log that libFuzzer did not write, as
# "INPUT: LINE" (replay) or "LINE" (fuzzing).
stray() {
	awk '/^(INFO:|Dictionary:|stat::|Executed |\*\*\*|Done [0-9]+ runs|#[0-9]+)/ { next }
	     /^\tNEW_FUNC|^###### |^".*" # Uses: [0-9]+$|^fuzz: known failure let through/ { next }
	     /^Running: / { input = substr($0, 10); next }
	     / Running [0-9]+ inputs [0-9]+ time/ || /^$/ { next }
	     { print (input == "" ? "" : input ": ") $0 }' "$1"
}

# 1. Replay (no -max_len: whole files).
if [ ! -f "$gen/.done" ]; then
	sh "$ROOT/tests/fuzz/gen-seeds.sh" "$t" "$gen" && : >"$gen/.done" ||
		fail "tests/fuzz/gen-seeds.sh $t" ""
fi
set --
for f in "$seed"/* "$gen"/*; do
	[ -f "$f" ] && set -- "$@" "$f"
done
if [ $# -gt 0 ]; then
	TMPDIR=$tmp FUZZ_MAX_INPUT=$((64 * 1024 * 1024)) $nice "$bin" $limits \
		"$@" >"$replay" 2>&1 || {
		echo "$name: 0 execs (replay)"
		fail "on $(sed -n 's/^Running: //p' "$replay" | tail -n 1)" "$replay"
	}
	if [ -n "$(stray "$replay")" ]; then
		echo "$name: 0 execs (replay)"
		stray "$replay" | head -n 20
		fail "the library printed to stderr on the input(s) above" ""
	fi
fi

# 2. Fuzzing.
start=$(date +%s)
TMPDIR=$tmp $nice "$bin" -max_total_time="$secs" $limits -max_len=65536 \
	-print_final_stats=1 $dict ${FUZZ_ARGS:-} "$corpus" "$seed" >"$log" 2>&1
rc=$?
took=$(($(date +%s) - start))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
echo "$name: ${execs:-0} execs in $took s (${rate:-0}/s), corpus $(ls "$corpus" | wc -l) inputs"
[ "$rc" = 0 ] || fail "libFuzzer exit $rc" "$log"
n=$(stray "$log" | wc -l)
if [ "$n" -gt 0 ]; then
	stray "$log" | sort | uniq -c | sort -rn | head -n 10
	fail "the library printed $n lines to stderr while fuzzing (log: $log)" ""
fi
exit 0
