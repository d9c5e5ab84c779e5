#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh - the scripts' test suite, in the style of many old repositories:
# one shell function per case.
#   run.sh --list                 print the names of the cases
#   run.sh [--junit FILE] NAME... run the named cases; with --junit, write
#                                 their results to FILE as JUnit XML
# Exits non-zero when a case failed or a name is unknown.
set -u
cd "$(dirname "$0")/.." || exit 2
BIN=$(pwd)/bin

# expect WHAT GOT WANT: record a failure when GOT is not WANT.
expect() {
	[ "$2" = "$3" ] && return 0
	printf '%s: got "%s", want "%s"\n' "$1" "$2" "$3"
	return 1
}

case_slugify_basic() {
	expect slugify "$("$BIN/slugify" 'Hello, World!')" hello-world
}

case_slugify_edges() {
	expect slugify "$("$BIN/slugify" '--Already--Sluggy--')" already-sluggy &&
	expect "slugify words" "$("$BIN/slugify" Two Words)" two-words
}

case_count_words_stdin() {
	expect count-words "$(printf 'one two\nthree\n' | "$BIN/count-words")" 3
}

case_count_words_empty() {
	expect count-words "$("$BIN/count-words" </dev/null)" 0
}

# xml TEXT: TEXT escaped for an XML attribute or element.
xml() {
	printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'
}

if [ "${1:-}" = --list ]; then
	sed -n 's/^case_\([a-z_]*\)() {$/\1/p' "$0"
	exit 0
fi
junit=
if [ "${1:-}" = --junit ]; then
	junit=$2
	shift 2
fi

status=0 cases= nfail=0 n=0
for name in "$@"; do
	n=$((n + 1))
	if [ -n "${MONOREPO_TEST_LOG:-}" ]; then
		echo "scripts $name" >>"$MONOREPO_TEST_LOG"
	fi
	if ! grep -q "^case_${name}() {\$" "$0"; then
		out="no such case"
		rc=1
	else
		out=$("case_$name" 2>&1)
		rc=$?
	fi
	if [ "$rc" = 0 ]; then
		echo "ok $name"
		cases="$cases<testcase classname=\"scripts\" name=\"$(xml "$name")\"/>"
	else
		echo "FAIL $name: $out"
		status=1 nfail=$((nfail + 1))
		cases="$cases<testcase classname=\"scripts\" name=\"$(xml "$name")\"><failure message=\"$(xml "$out")\"/></testcase>"
	fi
done
if [ -n "$junit" ]; then
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="scripts" tests="%d" failures="%d" errors="0">%s</testsuite>\n' \
		"$n" "$nfail" "$cases" >"$junit" || status=2
fi
exit $status
