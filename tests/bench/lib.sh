# SPDX-License-Identifier: MIT
# Shared by the peer benchmarks (overhead.sh, schedule.sh); sourced, not
# run.  The caller sets PROG and $dir (a scratch directory it removes).
#
#   need PKG CHECK...   true when CHECK succeeds, after installing Debian's
#                       PKG if it did not (apt-get, as root only; one
#                       `apt-get update` per run).  Otherwise says why on
#                       stderr and is false: the caller skips that peer.
#   now                 wall clock in seconds, with nanoseconds
#   elapsed T0          seconds since T0 (from now), three decimals
#   median FILE         median of the numbers in FILE, one a line
#   rotate K WORD...    the WORDs rotated left by K (mod their count), so
#                       that each round another runner goes first

# shellcheck disable=SC2154 # $dir and $PROG: the caller's
need() {
	_pkg=$1
	shift
	"$@" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "$PROG: skipping the peer from Debian's $_pkg: not installed, and installing needs root and apt-get" >&2
		return 1
	fi
	echo "$PROG: installing Debian's $_pkg" >&2
	if [ ! -e "$dir/apt-updated" ]; then
		apt-get update >"$dir/apt.log" 2>&1 && : >"$dir/apt-updated"
	fi
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"$_pkg" >>"$dir/apt.log" 2>&1 || ! "$@" >/dev/null 2>&1; then
		tail -n 3 "$dir/apt.log" >&2
		echo "$PROG: skipping the peer from Debian's $_pkg: it did not install" >&2
		return 1
	fi
}

now() { date +%s.%N; }

elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }

median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rotate() {
	_k=$1
	shift
	_k=$((_k % $#))
	while [ "$_k" -gt 0 ]; do
		set -- "$@" "$1"
		shift
		_k=$((_k - 1))
	done
	echo "$@"
}
