#!/bin/sh
# SPDX-License-Identifier: MIT
# t0070-provider-command.sh - [provider] type = command, with templates
# that make each sandbox a copy of an image directory outside the
# workspace (a stand-in for a remote host, reached only through the
# templates).  What a user relies on: every test runs in a sandbox, not
# in the workspace; the workspace travels (a file only the workspace
# has is seen); IDs with quotes, spaces and $(...) survive the extra
# shell layer; result files come back (custom framework); a create step
# that fails twice before it succeeds is retried; one that hangs is cut
# by its timeout; an exec step that loses its sandbox sends the batch
# elsewhere with every test counted once; destroy runs for every sandbox
# created, on success and on Ctrl-C; nothing is left behind.
. "${OFFLOAD_SRC:?}/tests/integration/lib.sh"

REMOTE=$TEST_DIR/remote
mkdir -p "$REMOTE" ws || die "mkdir"
JUNIT=$TEST_DIR/ws/test-results/junit.xml

# provider_ini EXTRA: the [provider] section; EXTRA lines are added.
# CREATE and EXEC replace those templates.
provider_ini() {
	_create='d=$(mktemp -d '$(sq "$REMOTE")'/sbx.XXXXXX) && cp -a {image_id}/. "$d" && echo created {index} >>'$(sq "$TEST_DIR/log")' && echo "$d"'
	_exec='sh -c {command}'
	cat <<EOF
[provider]
type = command
create_timeout_secs = ${CREATE_TIMEOUT:-20}
prepare_command = d=\$(mktemp -d $(sq "$REMOTE")/img.XXXXXX) && tar -cf - . | tar -C "\$d" -xf - && echo "\$d"
create_command = ${CREATE:-$_create}
sandbox_dir = {sandbox_id}
exec_command = ${EXEC:-$_exec}
download_command = echo download {paths} >>$(sq "$TEST_DIR/log") && sh -c {pack} | tar -C {dest} -xf -
destroy_command = rm -rf {sandbox_id} && echo destroyed {index} >>$(sq "$TEST_DIR/log")
${1:-}

[provider.env]
WHERE = $REMOTE
SLOW = \${SLOW:-0}
EOF
}

# A suite whose tests pass only inside a sandbox that holds the workspace
# (the file 'shipped'), never in the workspace itself.
cd ws || die "cd"
: >shipped
for name in plain "sp ace" "it's" '$(touch pwned)' 'semi;colon'; do
	mkdir -p tests
	cat >"tests/$name" <<'EOF' || die "write"
#!/bin/sh
case $PWD in "$WHERE"/*) ;; *) echo "ran in $PWD" >&2; exit 1 ;; esac
[ -f shipped ] || { echo "workspace not shipped" >&2; exit 1; }
case $TMPDIR in "$PWD"/*) ;; *) echo "TMPDIR $TMPDIR" >&2; exit 1 ;; esac
sleep "$SLOW"
echo "in the sandbox"
echo "$0" >"artifact-${0##*/}.log"
EOF
	chmod +x "tests/$name"
done
cat >offload.ini <<EOF
[offload]
max_parallel = 3
test_timeout_secs = 30

$(provider_ini)

[framework]
type = exec
paths = tests/*

[group.all]
schedule_individual = true

[report]
download_globs = *.log
EOF

run_offload run -c offload.ini
expect_rc 0
expect_count Passed 5
# each batch's artifacts, and only its own, in artifacts/batch-N
[ "$(ls test-results/artifacts/batch-*/*.log | wc -l)" = 5 ] ||
	fail "artifacts: $(ls -R test-results/artifacts)"
for f in test-results/artifacts/batch-*/*.log; do
	b=${f%/*}
	b=${b##*/batch-}
	grep -qF "=== $(sed 's|^\./||' "$f") (" "test-results/logs/batch-$b.stdout" ||
		fail "'$f' is not from batch $b"
done
[ ! -e artifact-plain.log ] || fail "a test wrote into the workspace"
[ ! -e pwned ] && [ ! -e tests/pwned ] || fail "an ID reached a shell unquoted"
xsd_check "$JUNIT"
expect_xpath 'count(//testcase)' 5
expect_xpath "count(//testcase[@name=\"tests/it's\"])" 1
expect_xpath 'count(//testsuite[@hostname=""])' 0
[ "$(grep -c created "$TEST_DIR/log")" = 3 ] || fail "not 3 sandboxes: $(cat "$TEST_DIR/log")"
[ "$(grep -c destroyed "$TEST_DIR/log")" = 3 ] || fail "not every sandbox destroyed: $(cat "$TEST_DIR/log")"
[ -z "$(ls "$REMOTE" | grep sbx)" ] || fail "sandboxes left: $(ls "$REMOTE")"
# results came back with each batch's own output, not by a download
# (only the artifacts were downloaded, one step per batch)
[ "$(grep -c '^download ' "$TEST_DIR/log")" = 5 ] &&
	! grep -q '^download .*offload/tmp' "$TEST_DIR/log" ||
	fail "results downloaded separately: $(grep download "$TEST_DIR/log")"
! grep -q 'offload-fetch-' test-results/logs/* || fail "the result block left in the logs"
say "exec framework over templates: ok"

# The custom framework: a result file written in the sandbox comes back.
rm -f "$TEST_DIR/log"
cat >offload.ini <<EOF
[offload]
max_parallel = 2

$(provider_ini)

[framework]
type = custom
discover_command = printf '%s\n' a 'b c' "d'e"
run_command = for t in {tests}; do printf '<testcase name="%s"/>' "\$t"; done | { printf '<testsuite>'; cat; printf '</testsuite>'; } >{result_file}; [ -f shipped ]

[group.all]
EOF
run_offload run -c offload.ini
expect_rc 0
expect_count Passed 3
say "custom framework's result file downloaded: ok"

# Results too big to come back with the batch (over 256 KiB), and a
# sandbox whose base64 prints garbage: download_command brings them,
# nothing is lost, and no block is left in the batch's output.
rm -f "$TEST_DIR/log"
mkdir -p "$TEST_DIR/bin" || die "mkdir"
printf '#!/bin/sh\necho "base64: broken"\n' >"$TEST_DIR/bin/base64" || die "write"
chmod +x "$TEST_DIR/bin/base64"
# results PAD FILE ID...: a result file with PAD bytes of output per test
cat >"$TEST_DIR/results" <<'EOF' || die "write"
pad=$1 f=$2
shift 2
{
	printf '<testsuite>'
	for t; do
		printf '<testcase name="%s"><system-out>' "$t"
		head -c "$pad" /dev/zero | tr '\0' x
		printf '</system-out></testcase>'
	done
	printf '</testsuite>'
} >"$f"
EOF
for how in big garbage; do
	if [ $how = big ]; then
		EXEC='sh -c {command}'
		pad=400000
	else
		EXEC="PATH=$(sq "$TEST_DIR/bin"):\$PATH sh -c {command}"
		pad=0
	fi
	EXEC=$EXEC provider_ini >provider.part
	cat >big.ini <<EOF
[offload]
max_parallel = 1

$(cat provider.part)

[framework]
type = custom
discover_command = printf '%s\n' a 'b c'
run_command = sh $(sq "$TEST_DIR/results") $pad {result_file} {tests}

[group.all]
EOF
	run_offload run -c big.ini
	expect_rc 0
	expect_count Passed 2
	grep -q '^download .*result-batch' "$TEST_DIR/log" ||
		fail "$how: results not downloaded: $(cat "$TEST_DIR/log")"
	! grep -q 'offload-fetch-\|base64' test-results/logs/* ||
		fail "$how: the result block left in the logs"
	rm -f "$TEST_DIR/log"
done
say "results too big or garbled on the way: downloaded instead: ok"

# A create step that fails twice before it works (retries = 2, the
# default): every sandbox still comes up.
rm -f "$TEST_DIR/log" "$TEST_DIR"/tries.*
cat >"$TEST_DIR/create-flaky" <<EOF
n=\$(cat $(sq "$TEST_DIR")/tries.\$1 2>/dev/null || echo 0)
echo \$((n + 1)) >$(sq "$TEST_DIR")/tries.\$1
[ \$n -ge 2 ] || { echo flaky >&2; exit 1; }
d=\$(mktemp -d $(sq "$REMOTE")/sbx.XXXXXX) && cp -a "\$2"/. "\$d" && echo "\$d"
EOF
CREATE="sh $(sq "$TEST_DIR/create-flaky") {index} {image_id}" provider_ini >provider.part
sed -e '/^\[provider\]/,$d' offload.ini >head.part
{ cat head.part; cat provider.part; printf '\n[framework]\ntype = exec\npaths = tests/*\n\n[group.all]\n'; } >offload.ini
run_offload run -c offload.ini
expect_rc 0
expect_count Passed 5
[ "$(cat "$TEST_DIR/tries.0")" = 3 ] || fail "sandbox 0 tried $(cat "$TEST_DIR/tries.0") times, expected 3"
say "create retried with backoff: ok"

# A create step that hangs on sandbox 1: its timeout ends it, the sandbox
# is dropped, and the others run every test (slow enough that the timeout
# comes first: a create still running when every batch is done is simply
# stopped).
CREATE="[ {index} != 1 ] || exec sleep 600; d=\$(mktemp -d $(sq "$REMOTE")/sbx.XXXXXX) && cp -a {image_id}/. \"\$d\" && echo \"\$d\"" \
	CREATE_TIMEOUT=1 provider_ini "retries = 0" >provider.part
{ cat head.part; cat provider.part; printf '\n[framework]\ntype = exec\npaths = tests/*\n\n[group.all]\n'; } >offload.ini
start=$(now)
SLOW=1 run_offload run -c offload.ini
expect_rc 0
expect_count Passed 5
expect_grep 'sandbox 1: create_command timed out after 1 s' "$ERR"
less "$(elapsed "$start")" 20 || fail "a hung create held the run"
no_procs_left "sleep 600"
say "hung create cut by its timeout: ok"

# The same hung create with a long timeout: once every batch is done on
# the other sandboxes, it is stopped, not waited for.
CREATE="[ {index} != 1 ] || exec sleep 600; d=\$(mktemp -d $(sq "$REMOTE")/sbx.XXXXXX) && cp -a {image_id}/. \"\$d\" && echo \"\$d\"" \
	CREATE_TIMEOUT=60 provider_ini "retries = 0" >provider.part
{ cat head.part; cat provider.part; printf '\n[framework]\ntype = exec\npaths = tests/*\n\n[group.all]\n'; } >offload.ini
start=$(now)
run_offload run -c offload.ini
expect_rc 0
expect_count Passed 5
less "$(elapsed "$start")" 30 || fail "the run waited for a sandbox it did not need"
no_procs_left "sleep 600"
say "a create no longer needed is stopped: ok"

# Every create fails: nothing runs, every test is "not run" with the
# reason, and the exit code says failure.
CREATE="echo no capacity >&2; exit 1" provider_ini "retries = 0" >provider.part
{ cat head.part; cat provider.part; printf '\n[framework]\ntype = exec\npaths = tests/*\n\n[group.all]\n'; } >offload.ini
run_offload run -c offload.ini
expect_rc 1
expect_count "Not run" 5
expect_grep 'no capacity' "$ERR"
expect_xpath 'count(//error[@type="notRun"])' 5
say "no sandbox at all: every test not run, with the reason: ok"

# exec_command loses sandbox 0 every time (like ssh exiting 255): its
# batches run on the others, each test exactly once, and the sandbox is
# retired.
rm -f "$TEST_DIR/log"
EXEC="[ {index} != 0 ] || { echo 'ssh: connect to host h0: Connection refused' >&2; exit 255; }; sh -c {command}" \
	provider_ini >provider.part
{ cat head.part; cat provider.part; printf '\n[framework]\ntype = exec\npaths = tests/*\n\n[group.all]\n'; } >offload.ini
run_offload run -c offload.ini
expect_rc 0
expect_count Passed 5
expect_xpath 'count(//testcase)' 5
expect_xpath 'count(//flakyFailure|//rerunFailure)' 0
expect_grep 'Connection refused' "$ERR"
expect_grep 'sandbox 0 retired' "$ERR"
grep -q 'destroyed 0' "$TEST_DIR/log" || fail "the retired sandbox was not destroyed: $(cat "$TEST_DIR/log")"
[ "$(grep -c created "$TEST_DIR/log")" = "$(grep -c destroyed "$TEST_DIR/log")" ] ||
	fail "created and destroyed differ: $(cat "$TEST_DIR/log")"
say "lost sandbox: batch moved, counted once: ok"

# A test that hangs in an exec batch times out in the sandbox, under the
# batch runner's own `timeout` (nothing else is put around the batch
# there), and the batch's later tests still run; nothing is left running.
mkdir -p hang || die "mkdir"
printf '#!/bin/sh\necho a ran\n' >hang/a
printf '#!/bin/sh\nexec sleep 297\n' >hang/b
printf '#!/bin/sh\necho c ran\n' >hang/c
chmod +x hang/a hang/b hang/c
provider_ini >provider.part
{ printf '[offload]\nmax_parallel = 1\ntest_timeout_secs = 1\n\n'; cat provider.part
  printf '\n[framework]\ntype = exec\npaths = hang/*\n\n[group.all]\n'; } >offload.ini
run_offload run -c offload.ini
expect_rc 1
expect_count Passed 2
expect_xpath 'count(//testcase[@name="hang/b"]/*[contains(@message, "timed out after 1 s")])' 1
expect_grep 'c ran' test-results/logs/batch-1.stdout
no_procs_left "sleep 297"
rm -rf hang
say "a hung test in a remote batch: timed out there, the batch goes on: ok"

# Ctrl-C while tests run: every created sandbox is destroyed, nothing is
# left, the report says interrupted.
rm -f "$TEST_DIR/log"
for i in 1 2 3 4; do
	printf '#!/bin/sh\nexec %s sleep 30\n' "$(sq "$FAKE")" >"tests/slow$i"
	chmod +x "tests/slow$i"
done
provider_ini >provider.part
{ cat head.part; cat provider.part; printf '\n[framework]\ntype = exec\npaths = tests/slow*\n\n[group.all]\n'; } >offload.ini
"$OFFLOAD" run -c offload.ini >"$OUT" 2>"$ERR" &
pid=$!
wait_procs 2 20 || fail "the slow tests did not start"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
expect_rc 130
[ "$(grep -c created "$TEST_DIR/log")" = "$(grep -c destroyed "$TEST_DIR/log")" ] ||
	fail "created and destroyed differ: $(cat "$TEST_DIR/log")"
[ -z "$(ls "$REMOTE" | grep sbx)" ] || fail "sandboxes left: $(ls "$REMOTE")"
expect_xpath 'count(//property[@name="offload.interrupted"])' 1
no_procs_left
say "Ctrl-C: every sandbox destroyed: ok"
