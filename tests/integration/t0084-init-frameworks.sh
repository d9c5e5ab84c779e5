#!/bin/sh
# SPDX-License-Identifier: MIT
# t0084-init-frameworks.sh - `offload init --framework X` for every
# framework in the registry (as `offload init --help` lists them, so a
# framework added later is covered without editing this script): the
# starter names that framework, passes `validate` without a warning, and
# validate's dump of it loads again; docs/frameworks.md has a section for
# each, and every ```ini block there (a config to copy) validates without
# a warning and gives each key the value written (no end-of-line
# comments, which would become part of the value).
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

"$OFFLOAD" init --help >help.out 2>&1 || fail "init --help failed: $(cat help.out)"
names=$(sed -n 's/^usage: offload init .*--framework \([^]]*\)\].*/\1/p' help.out | tr '|' ' ')
[ -n "$names" ] || fail "init --help lists no framework: $(cat help.out)"
n=0
for fw in $names; do
	n=$((n + 1))
	mkdir "d-$fw" || die "mkdir d-$fw"
	(cd "d-$fw" && "$OFFLOAD" init --framework "$fw") >"$OUT" 2>"$ERR" && rc=0 || rc=$?
	expect_rc 0 "init --framework $fw"
	grep -qx "type = $fw" "d-$fw/offload.ini" ||
		fail "the '$fw' starter does not say 'type = $fw'"
	(cd "d-$fw" && "$OFFLOAD" validate) >"$OUT" 2>"$ERR" && rc=0 || rc=$?
	expect_rc 0 "validate of the '$fw' starter"
	[ ! -s "$ERR" ] || fail "validate of the '$fw' starter warns: $(cat "$ERR")"
	grep -qx "type = $fw" "$OUT" || fail "validate of the '$fw' starter does not say 'type = $fw'"
	cp "$OUT" "d-$fw/dump.ini"
	(cd "d-$fw" && "$OFFLOAD" validate -c dump.ini) >/dev/null 2>"$ERR" && rc=0 || rc=$?
	expect_rc 0 "validate of validate's dump of the '$fw' starter"
	grep -q "^## $fw\$" "$OFFLOAD_SRC/docs/frameworks.md" ||
		fail "docs/frameworks.md has no '## $fw' section"
done
[ "$n" -ge 6 ] || fail "only $n frameworks listed: $names"

# the ```ini blocks of docs/frameworks.md, one file each
awk -v dir="$TEST_DIR" '
	/^```ini$/ { n++; f = dir "/doc-" n ".ini"; next }
	/^```/ { f = ""; next }
	f != "" { print > f }
' "$OFFLOAD_SRC/docs/frameworks.md" || die "awk failed"
b=0
for f in doc-*.ini; do
	[ -f "$f" ] || continue
	b=$((b + 1))
	"$OFFLOAD" validate -c "$f" >"$OUT" 2>"$ERR" && rc=0 || rc=$?
	expect_rc 0 "validate of docs/frameworks.md's block $f: $(cat "$f")"
	[ ! -s "$ERR" ] || fail "docs/frameworks.md's block $f warns: $(cat "$ERR")"
	! grep -q '^[a-z_]* =.*[[:blank:]]#' "$OUT" ||
		fail "docs/frameworks.md's block $f has an end-of-line comment: $(grep '[[:blank:]]#' "$OUT")"
done
[ "$b" -ge 6 ] || fail "only $b [framework] blocks in docs/frameworks.md"
say "init: a valid starter for each of $n frameworks: ok"
