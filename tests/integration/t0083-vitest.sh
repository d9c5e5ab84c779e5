#!/bin/sh
# SPDX-License-Identifier: MIT
# t0083-vitest.sh - [framework] type = vitest on examples/vitest (vitest
# from npm, pinned by its package-lock.json) plus three files made here:
# a failing test, a file that throws at import in sandboxes only (listed,
# then its tests fail with the error text) and a file with a syntax error
# (vitest lists nothing then: discovery finds the file and runs it whole,
# failing with vitest's message).  IDs are "FILE > SUITE > TEST", a name
# full of regex metacharacters and non-ASCII runs by its exact name, and
# runtime skips are skipped; a file that logs while loaded is listed
# test by test (vitest 2.1.9's list dies on it with its default reporter).
#
# node_modules is installed once per lockfile (`npm ci`) into
# $OFFLOAD_TEST_CACHE (default /var/cache/offload-test, else
# ~/.cache/offload-test), vitest-HASH, and linked into the project: the
# first run needs npm's registry, later runs none.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"
# runtime-crash.test.js below throws when OFFLOAD_SANDBOX is set, which
# must mean "in one of this offload's batches": not the sandbox of an
# offload running this script (make check runs it so)
unset OFFLOAD_SANDBOX

EX=$OFFLOAD_SRC/examples/vitest
command -v node >/dev/null 2>&1 || skip "no node on this machine (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || skip "no npm on this machine (apt-get install npm)"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
	skip "node does not run"
[ "$major" -ge 18 ] 2>/dev/null || skip "node $major is too old for vitest 2 (18 or later)"

hash=$(cat "$EX/package.json" "$EX/package-lock.json" | sha256sum | cut -c1-16) ||
	die "cannot hash the lockfile"
base=${OFFLOAD_TEST_CACHE:-/var/cache/offload-test}
mkdir -p "$base" 2>/dev/null && [ -w "$base" ] ||
	base=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/offload-test
mkdir -p "$base" || die "cannot create '$base'"
cache=$base/vitest-$hash
if [ ! -x "$cache/node_modules/.bin/vitest" ]; then
	# install beside it, then rename: a concurrent run sees all or nothing
	tmp=$(mktemp -d "$base/.vitest-$hash.XXXXXX") || die "cannot create a temp dir in '$base'"
	cp "$EX/package.json" "$EX/package-lock.json" "$tmp/" || die "cannot copy the lockfile"
	say "npm ci into $cache (once per lockfile)"
	if ! (cd "$tmp" && timeout 600 npm ci --no-audit --no-fund --ignore-scripts \
		>npm.log 2>&1); then
		tail -n 5 "$tmp/npm.log" >&2
		rm -rf "$tmp"
		skip "npm ci failed (is npm's registry reachable?)"
	fi
	mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
fi
[ -x "$cache/node_modules/.bin/vitest" ] || die "no vitest in '$cache'"

mkdir proj && cd proj || die "cannot create proj"
cp -R "$EX/test" "$EX/package.json" . || die "cannot copy the example"
ln -s "$cache/node_modules" node_modules || die "cannot link node_modules"
cat >test/fail.test.js <<'EOF2'
import { expect, test } from 'vitest';
test('fails', () => { expect(1 + 1, 'one and one').toBe(3); });
EOF2
cat >test/runtime-crash.test.js <<'EOF2'
import { test } from 'vitest';
test('never runs', () => {});
test('nor this', () => {});
if (process.env.OFFLOAD_SANDBOX !== undefined) throw new Error('boom at load');
EOF2
printf "import { test } from 'vitest';\ntest('x', () => { ;\n" >'test/bad [syntax] (1).test.js'
cat >offload.ini <<'EOF2'
[offload]
max_parallel = 2
test_timeout_secs = 120

[framework]
type = vitest
command = node_modules/.bin/vitest
run_args = --no-color

[group.all]
EOF2
JUNIT=$TEST_DIR/proj/test-results/junit.xml

RUN_TIMEOUT=300 run_offload run
expect_rc 1
expect_count Passed 11
expect_count Failed 4
expect_count Skipped 1
expect_count "Not run" 0
xsd_check "$JUNIT"
# the IDs (one discovery only: vitest starts slowly)
expect_xpath "count(//testcase)" 16
# the name holds both quotes: an XPath literal cannot, concat() can
XP=$(cat <<'EOF2'
count(//testcase[@name=concat('test/math.test.js > math > nested [x] (a|b) $1.*+?^{}\ "q" ', "'", 's', "'", ' / é > ü > deep name')][not(failure)][not(skipped)])
EOF2
)
expect_xpath "$XP" 1
expect_xpath "count(//testcase[@name='test/math.test.js > math > adds'])" 1
expect_xpath "count(//testcase[@name='test/strings.test.js > strings > length of bb'])" 1
expect_xpath "count(//testcase[@name='test/runtime-crash.test.js > nor this'])" 1
expect_xpath "count(//testcase[contains(@name, 'skipped one') or contains(@name, 'todo one')])" 0
expect_xpath "count(//testcase[@name=\"test/math.test.js > ünïcödé ✓ name\"][not(failure)][not(skipped)])" 1
expect_xpath "count(//testcase[@name='test/fail.test.js > fails']/failure[contains(., 'one and one')])" 1
expect_xpath "count(//testcase[starts-with(@name, 'test/runtime-crash.test.js > ')]/failure[contains(@message, 'boom at load')])" 2
expect_xpath "count(//testcase[@name='test/bad [syntax] (1).test.js']/failure[contains(., 'Failed to parse')])" 1
expect_xpath "count(//testcase[@name='test/math.test.js > math > skips at run time']/skipped)" 1
say "vitest: 16 tests, exact names, a crash and a syntax error fail their files: ok"
