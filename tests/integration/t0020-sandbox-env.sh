#!/bin/sh
# SPDX-License-Identifier: MIT
# t0020-sandbox-env.sh - each sandbox has its own short TMPDIR under /tmp
# (tests put sockets there), created for the run and removed after it;
# OFFLOAD_SANDBOX names the sandbox; [provider.env] values reach the tests
# verbatim (quotes, spaces) after ${VAR}, ${VAR:-default} and $$.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

mkdir tests
i=1
while [ "$i" -le 6 ]; do
	cat >"tests/t$i" <<EOF2
#!/bin/sh
ok=yes
[ -d "\$TMPDIR" ] && [ -w "\$TMPDIR" ] && : >"\$TMPDIR/probe.\$\$" || ok=no
printf '%s|%s|%s|%s|%s\n' "\${OFFLOAD_SANDBOX-unset}" "\${TMPDIR-unset}" "\$ok" \
	"\${MY_VAR-unset}" "\${OTHER-unset}" >>$(sq "$TEST_DIR/env.log")
printf '%s|%s|%s\n' "\${EXPANDED-unset}" "\${DEFAULTED-unset}" "\${DOLLAR-unset}" >>$(sq "$TEST_DIR/vars.log")
exec $(sq "$FAKE") sleep 0.2
EOF2
	chmod +x "tests/t$i"
	i=$((i + 1))
done
cat >offload.ini <<'EOF2'
[offload]
max_parallel = 3
test_timeout_secs = 60

[provider]
type = local

[provider.env]
MY_VAR = hello world
OTHER = x'y"z
EXPANDED = ${OFFLOAD_IT_SET}/x
DEFAULTED = ${OFFLOAD_IT_SURELY_UNSET:-fall back}
DOLLAR = cost $$5 $(not run)

[framework]
type = exec
paths = tests/*

[group.all]
schedule_individual = true
EOF2

TMPDIR=$TEST_DIR/a-long-tmpdir-that-offload-should-not-use-for-sandboxes
export TMPDIR
OFFLOAD_IT_SET=from-env
export OFFLOAD_IT_SET
unset OFFLOAD_IT_SURELY_UNSET
mkdir -p "$TMPDIR"
run_offload run
expect_rc 0
expect_count Passed 6
[ "$(wc -l <env.log)" = 6 ] || fail "not 6 lines in env.log"

sandboxes=$(cut -d'|' -f1 env.log | sort -u | tr '\n' ' ')
while IFS='|' read -r sb tmp ok my other; do
	case $sb in
	'' | *[!0-9]*) fail "OFFLOAD_SANDBOX is '$sb'" ;;
	esac
	case $tmp in
	/tmp/*) ;;
	*) fail "TMPDIR '$tmp' is not under /tmp" ;;
	esac
	[ "${#tmp}" -lt 40 ] || fail "TMPDIR '$tmp' is ${#tmp} chars long"
	[ "$ok" = yes ] || fail "TMPDIR '$tmp' was not a writable directory"
	[ "$my" = "hello world" ] || fail "MY_VAR is '$my'"
	[ "$other" = "x'y\"z" ] || fail "OTHER is '$other'"
	[ ! -e "$tmp" ] || fail "sandbox TMPDIR '$tmp' is still there after the run"
	# One TMPDIR per sandbox, never shared between two.
	n=$(grep -c "^[0-9]*|$tmp|" env.log)
	m=$(grep -c "^$sb|$tmp|" env.log)
	[ "$n" = "$m" ] || fail "TMPDIR '$tmp' shared by several sandboxes"
done <env.log
[ "$(cut -d'|' -f1,2 env.log | sort -u | wc -l)" = "$(printf '%s' "$sandboxes" | wc -w)" ] ||
	fail "a sandbox had several TMPDIRs: $(cut -d'|' -f1,2 env.log | sort -u)"
[ "$(sort -u vars.log)" = 'from-env/x|fall back|cost $5 $(not run)' ] ||
	fail "[provider.env] expansion gave: $(sort -u vars.log)"
