#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/realsuites/lib/run-all.sh - `make realsuites`: runs every
# tests/realsuites/*.sh in turn (or those named in REALSUITES, e.g.
# REALSUITES="networkx leveldb"), then prints one summary line:
#   realsuites: 2 matched, 0 mismatched, 1 cannot run here (glib)
# Exits 1 when a suite mismatched (exit status 1 or any but 0 and 77).
: "${OFFLOAD:?}" "${OFFLOAD_SRC:?}"
export OFFLOAD OFFLOAD_SRC
dir=$OFFLOAD_SRC/tests/realsuites
ok=0 bad=0 cant=0 badn= cantn=
for s in "$dir"/*.sh; do
	[ -f "$s" ] || continue
	n=$(basename "$s" .sh)
	if [ -n "${REALSUITES:-}" ]; then
		case " $REALSUITES " in *" $n "*) ;; *) continue ;; esac
	fi
	echo "=== $n"
	rc=0
	sh "$s" || rc=$?
	case $rc in
	0) ok=$((ok + 1)) ;;
	77) cant=$((cant + 1)); cantn="$cantn $n" ;;
	*) bad=$((bad + 1)); badn="$badn $n" ;;
	esac
done
echo "realsuites: $ok matched, $bad mismatched${badn:+ (${badn# })}, $cant cannot run here${cantn:+ (${cantn# })}"
[ "$bad" = 0 ]
