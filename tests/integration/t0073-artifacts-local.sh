#!/bin/sh
# SPDX-License-Identifier: MIT
# t0073-artifacts-local.sh - [report] download_globs with local
# sandboxes: what a batch left in its own TMPDIR (the only directory a
# local batch does not share) and matches the patterns is copied to
# output_dir/artifacts/batch-N/, sub-directories kept; other files are
# not; a new run starts with no old artifacts.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

mkdir -p tests
for t in a b c "d e"; do
	cat >"tests/$t" <<'EOF'
#!/bin/sh
n=${0##*/}
mkdir -p "$TMPDIR/sub"
echo "$n" >"$TMPDIR/$n.log"
echo "$n" >"$TMPDIR/sub/$n.xml"
echo "$n" >"$TMPDIR/$n.tmp"
EOF
	chmod +x "tests/$t"
done
PARALLEL=2 write_exec_ini 'tests/*'
printf 'schedule_individual = true\n\n[report]\ndownload_globs = *.log sub/*.xml\n' >>offload.ini
mkdir -p test-results/artifacts/batch-99
run_offload run
expect_rc 0
[ ! -e test-results/artifacts/batch-99 ] || fail "an old run's artifacts were kept"
[ "$(find test-results/artifacts -name '*.log' | wc -l)" = 4 ] ||
	fail "expected 4 logs: $(find test-results/artifacts)"
[ "$(find test-results/artifacts -name '*.xml' | wc -l)" = 4 ] ||
	fail "expected 4 xml files in sub/: $(find test-results/artifacts)"
[ -z "$(find test-results/artifacts -name '*.tmp')" ] || fail "an unmatched file was copied"
for d in test-results/artifacts/batch-*; do
	[ "$(ls "$d" | grep -c '\.log$')" = 1 ] || fail "'$d' holds another batch's files: $(ls "$d")"
	n=$(cat "$d"/*.log)
	[ "$(cat "$d/sub/$n.xml")" = "$n" ] || fail "'$d/sub' is not the same batch's"
done
say "local artifacts per batch: ok"
