#!/bin/sh
# SPDX-License-Identifier: MIT
# t0077-cli-hints.sh - what a new user meets first: `offload run` with no
# offload.ini points at `offload init`; an option error names the
# subcommand; `offload help run` is run's help, not the general one.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

run_offload run
expect_rc 3
expect_grep "cannot read config 'offload.ini': No such file or directory (write one with 'offload init')" "$ERR"
run_offload run --no-such-option
expect_rc 3
expect_grep "^offload run: unrecognized option '--no-such-option'" "$ERR"
run_offload help run
expect_rc 0
expect_grep '^usage: offload run ' "$OUT"
run_offload help frobnicate
expect_rc 3
expect_grep "unknown command 'frobnicate'" "$ERR"
say "hints for a new user: ok"
