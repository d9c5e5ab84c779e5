#!/bin/sh
# SPDX-License-Identifier: MIT
# t1014-make-discover-cache.sh - $(offload-discover) runs at parse time on
# every make; with nothing changed it must not discover again.  The cache
# (in output_dir/.offload-cache) gives the same words; a changed input
# file, a new file, a changed configuration or group, a damaged cache file
# each make it discover again; a test run writing the output directory
# does not; OFFLOAD_DISCOVER_CACHE=off discovers every time.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

mkdir -p suite/sub
printf 'alpha\nbe ta$\n' >suite/ids.txt
cat >suite/discover.sh <<'EOF2'
#!/bin/sh
echo called >>"$CALLS"
cat ids.txt
EOF2
chmod +x suite/discover.sh
CALLS=$TEST_DIR/calls.log
export CALLS
cat >suite/offload.ini <<'EOF2'
[framework]
type = custom
discover_command = ./discover.sh
run_command = true {tests}

[group.one]
EOF2
cat >t.mk <<EOF2
load $GMK
IDS := \$(offload-discover suite/offload.ini)
\$(info IDS=\$(IDS))
check:
	\$(offload-run suite/offload.ini)
nothing: ; @:
EOF2

# calls: how many discoveries ran since the last call.
calls() {
	_n=$(cat "$CALLS" 2>/dev/null | wc -l)
	rm -f "$CALLS"
	echo "$_n"
}

run_make -f t.mk nothing
expect_rc 0
expect_grep '^IDS=alpha be@20ta@24$' "$OUT"
[ "$(calls)" = 1 ] || fail "the first make did not discover once"
ls suite/test-results/.offload-cache/discover-* >/dev/null 2>&1 ||
	fail "no cache file in the output directory"

run_make -f t.mk nothing
expect_rc 0
expect_grep '^IDS=alpha be@20ta@24$' "$OUT"
[ "$(calls)" = 0 ] || fail "a second make with nothing changed discovered again"

# A run writes test-results/ (the output directory is not an input).
run_make -f t.mk check
expect_rc 0
calls >/dev/null
run_make -f t.mk nothing
[ "$(calls)" = 0 ] || fail "a test run's output invalidated the cache"

# An input file changes (same size, new time): discover again.
printf 'gamma\nbe ta$\n' >suite/ids.txt
touch -d '2001-01-01 00:00' suite/ids.txt
run_make -f t.mk nothing
expect_grep '^IDS=gamma be@20ta@24$' "$OUT"
[ "$(calls)" = 1 ] || fail "a changed file did not invalidate the cache"
# A new file in a subdirectory.
: >suite/sub/new_test.py
run_make -f t.mk nothing
[ "$(calls)" = 1 ] || fail "a new file did not invalidate the cache"
run_make -f t.mk nothing
[ "$(calls)" = 0 ] || fail "the cache was not written again"

# The configuration changes (a value that only the effective settings
# show: a variable it expands).
printf '[offload]\ntest_timeout_secs = ${SECS:-50}\n' >>suite/offload.ini
run_make -f t.mk nothing
[ "$(calls)" = 1 ] || fail "a changed configuration did not invalidate the cache"
SECS=60 run_make -f t.mk nothing
[ "$(calls)" = 1 ] || fail "a changed variable did not invalidate the cache"

# A damaged cache file is a miss, never words.
for f in suite/test-results/.offload-cache/discover-*; do
	head -c 40 "$f" >"$f.cut" && mv "$f.cut" "$f"
done
run_make -f t.mk nothing
expect_grep '^IDS=gamma be@20ta@24$' "$OUT"
[ "$(calls)" -ge 1 ] || fail "a damaged cache file was used"

# Off: every make discovers.
run_make -f t.mk nothing OFFLOAD_DISCOVER_CACHE=off
[ "$(calls)" -ge 1 ] || fail "OFFLOAD_DISCOVER_CACHE=off did not discover"
exit 0
