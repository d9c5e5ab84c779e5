#!/bin/sh
# SPDX-License-Identifier: MIT
# t1017-make-remote.sh - $(offload-run) with remote sandboxes: they cost
# this machine next to nothing, so make's -jN does not limit them.  Twelve
# command-provider sandboxes (stand-ins for remote hosts: directories
# reached only through the templates) under `make -j2` and under plain
# make all run at once: each test waits (bounded) until all twelve are
# running, and fails if they never are.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

use_make_module

REMOTE=$TEST_DIR/remote
mkdir -p "$REMOTE" "$TEST_DIR/running" tests || die "mkdir"
i=1
while [ $i -le 12 ]; do
	cat >"tests/t$i" <<EOF
#!/bin/sh
: >$(sq "$TEST_DIR/running")/t$i
n=0
while [ \$(ls $(sq "$TEST_DIR/running") | wc -l) -lt 12 ]; do
	n=\$((n + 1))
	[ \$n -lt 400 ] || { echo "only \$(ls $(sq "$TEST_DIR/running") | wc -l) running at once" >&2; exit 1; }
	sleep 0.05
done
EOF
	chmod +x "tests/t$i"
	i=$((i + 1))
done
cat >offload.ini <<EOF
[offload]
max_parallel = 12
test_timeout_secs = 60

[provider]
type = command
create_command = d=\$(mktemp -d $(sq "$REMOTE")/sbx.XXXXXX) && cp -a tests "\$d" && echo "\$d"
sandbox_dir = {sandbox_id}
exec_command = sh -c {command}
download_command = sh -c {pack} | tar -C {dest} -xf -
destroy_command = rm -rf {sandbox_id}

[framework]
type = exec
paths = tests/*

[group.all]
schedule_individual = true
EOF
cat >t.mk <<EOF
include $OFFLOAD_BUILD_DIR/gmk/offload.mk
check:
	\$(offload-run offload.ini)
EOF

for flags in -j2 ""; do
	rm -f "$TEST_DIR"/running/*
	# a guard against a hang, not a time limit: about 7 s under ASan
	# alone, but once past 60 s with the whole suite running beside it
	RUN_TIMEOUT=180 run_make -f t.mk $flags
	expect_rc 0 "make $flags"
	expect_grep '^12 passed, 0 failed, 0 skipped$' "$OUT"
	say "make $flags: 12 remote sandboxes at once: ok"
done
