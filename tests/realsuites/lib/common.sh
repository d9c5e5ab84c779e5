# SPDX-License-Identifier: MIT
# tests/realsuites/lib/common.sh - shared by the real-suite scripts.  Each script
# exits 0 when offload's per-test outcomes equal the reference run's, 1
# when they do not (or something broke), 77 when it cannot run here (with
# a message saying why).  OFFLOAD (the offload program) and OFFLOAD_SRC
# (the source tree) come from `make realsuites`.
: "${OFFLOAD:?set OFFLOAD to the offload program}"
: "${OFFLOAD_SRC:?set OFFLOAD_SRC to the source tree}"
OFFLOAD_SRC=$(cd "$OFFLOAD_SRC" && pwd)
NAME=$(basename "$0" .sh)

say() { printf '%s: %s\n' "$NAME" "$*"; }
cannot() { say "cannot run here: $*"; exit 77; }
die() { say "error: $*"; exit 1; }

# need_debs PACKAGE...: installs what is missing with apt-get (as root),
# or says why this script cannot run.
need_debs() {
	_missing=
	for _p in "$@"; do
		dpkg-query -W -f '${Status}\n' "$_p" 2>/dev/null |
			grep -q 'install ok installed' || _missing="$_missing $_p"
	done
	[ -z "$_missing" ] && return 0
	[ "$(id -u)" = 0 ] || cannot "missing Debian packages:$_missing (run as root to install them)"
	command -v apt-get >/dev/null 2>&1 || cannot "no apt-get for:$_missing"
	say "installing$_missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $_missing >"$WORK/apt.log" 2>&1 ||
		{ apt-get update -q >>"$WORK/apt.log" 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $_missing >>"$WORK/apt.log" 2>&1; } ||
		cannot "apt-get install$_missing failed: $(tail -n 3 "$WORK/apt.log")"
}

# now: seconds since the epoch with centiseconds
now() { date +%s.%N | cut -c1-13; }
# secs START END: END - START with two decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# WORK: a scratch directory, kept when REALSUITES_KEEP is set
WORK=${REALSUITES_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/realsuite-$NAME.XXXXXX")}
mkdir -p "$WORK" || die "cannot create $WORK"
[ -n "${REALSUITES_KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
