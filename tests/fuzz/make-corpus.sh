#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/make-corpus.sh [O] - (re)write the committed seed corpora in
# tests/fuzz/corpus/<target>/ from real runners on this machine, plus the
# hostile files of issue 7, each under 64 KiB.  Needs the plain build in O
# (default build: bin/offload, tests/helpers/fake-test) and Debian's
# python3-pytest in /usr/bin/python3.  Run by hand when the formats change;
# its output is committed (the fuzz targets do not run it).
#
#   junit-read/    pytest xunit1 and xunit2 reports, offload's own reports
#                  (pytest demo; exec suite with failures, retries, a crash,
#                  a timeout, flaky and skipped tests), hostile XML
#   junit-merge/   the same files behind a selector byte (see fuzz-junit-merge.c)
#   config/        tests/*.ini, the examples' files, offload init templates,
#                  expansion cases
#   pytest-collect/ `pytest --collect-only -q` output, parametrised IDs
#   make-word/     awkward IDs and words
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
O=${1:-build}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
OFFLOAD=$O/bin/offload
FAKE_TEST=$O/tests/helpers/fake-test
PY=/usr/bin/python3
C=$ROOT/tests/fuzz/corpus
for f in "$OFFLOAD" "$FAKE_TEST"; do
	[ -x "$f" ] || { echo "make-corpus.sh: build $f first (make all $f)" >&2; exit 1; }
done
"$PY" -m pytest --version >/dev/null 2>&1 ||
	{ echo "make-corpus.sh: no pytest in $PY (python3-pytest)" >&2; exit 1; }

work=$(mktemp -d /tmp/offload-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT
rm -rf "$C"
mkdir -p "$C/junit-read" "$C/junit-merge" "$C/config" "$C/pytest-collect" "$C/make-word"
R=$C/junit-read

# ---- a tiny pytest suite with awkward parametrised IDs ------------------
mkdir -p "$work/py/tests"
cat >"$work/py/tests/test_mix.py" <<'PY'
import sys
import pytest

def test_pass():
    print("some output")

def test_fail():
    print("out before failure"); print("err text", file=sys.stderr)
    assert 1 == 2, "one is not two <&> ]]>"

@pytest.mark.skip(reason="not today")
def test_skip():
    pass

@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_error(broken):
    pass

@pytest.mark.parametrize("v", ["a b", "x::y", "quote'\"", "dollar$(x)", "nl\nx",
                               "\xe9t\xe9", "tab\tx", "[brackets]", "\x00nul" ])
def test_param(v):
    assert "\n" not in v

class TestGroup:
    @pytest.mark.parametrize("n", [1, 2])
    def test_method(self, n):
        assert n
PY
(cd "$work/py" && "$PY" -m pytest -q -p no:cacheprovider --junitxml="$R/pytest-xunit2.xml" tests >/dev/null 2>&1) || true
(cd "$work/py" && "$PY" -m pytest -q -p no:cacheprovider -o junit_family=xunit1 \
	--junitxml="$R/pytest-xunit1.xml" tests >/dev/null 2>&1) || true
# as offload runs a batch: its plugin adds the offload_nodeid property
(cd "$work/py" && PYTHONPATH=$O/share/offload/pytest OFFLOAD_PYTEST_PROGRESS=$work/progress \
	"$PY" -m pytest -q -p no:cacheprovider -p offload_pytest_plugin -o junit_family=xunit1 \
	--junitxml="$R/pytest-offload-plugin.xml" tests >/dev/null 2>&1) || true
(cd "$work/py" && "$PY" -m pytest -q -p no:cacheprovider --collect-only tests) \
	>"$C/pytest-collect/collect-params.txt" 2>/dev/null || true
(cd "$work/py" && "$PY" -m pytest -q -p no:cacheprovider --collect-only tests/test_mix.py::TestGroup) \
	>"$C/pytest-collect/collect-class.txt" 2>/dev/null || true
(cd "$work/py" && "$PY" -m pytest -p no:cacheprovider --collect-only tests) \
	>"$C/pytest-collect/collect-verbose.txt" 2>/dev/null || true
mkdir -p "$work/py2/tests"
printf 'import nosuchmodule\n' >"$work/py2/tests/test_broken.py"
printf 'def test_ok():\n    pass\n' >"$work/py2/tests/test_ok.py"
(cd "$work/py2" && "$PY" -m pytest -q -p no:cacheprovider --collect-only tests) \
	>"$C/pytest-collect/collect-error.txt" 2>/dev/null || true
(cd "$work/py2" && "$PY" -m pytest -q -p no:cacheprovider --junitxml="$R/pytest-collect-error.xml" tests) \
	>/dev/null 2>&1 || true
printf 'tests/a.py::t\r\ntests/b.py::t[x]\r\n\r\n2 tests collected in 0.01s\r\n' >"$C/pytest-collect/crlf.txt"
printf 'warning: no\x3a\x3acolon here\ntests/a.py::t\n\ntests/after.py::not_an_id\n' >"$C/pytest-collect/after-blank.txt"

# ---- offload's own reports ----------------------------------------------
cp -r "$ROOT/examples/demo" "$work/demo"
(cd "$work/demo" && DEMO_STATE_DIR=$work CI=true "$OFFLOAD" run -c offload.ini >/dev/null 2>&1) || true
cp "$work/demo/test-results/junit.xml" "$R/offload-pytest-demo.xml"
mkdir -p "$work/ex/t"
for a in pass fail crash hang skip "flood 5"; do
	f="$work/ex/t/$(echo "$a" | tr ' ' _)"
	printf '#!/bin/sh\nexec %s %s\n' "$FAKE_TEST" "$a" >"$f"
	chmod +x "$f"
done
printf '#!/bin/sh\n[ -e flaky.state ] && exit 0\n: >flaky.state; echo first try fails; exit 1\n' >"$work/ex/t/flaky"
printf '#!/bin/sh\nprintf '"'"'bad \\377\\001 bytes & <xml> ]]> \\000 after nul'"'"'; exit 1\n' >"$work/ex/t/bytes \$x 'q'"
chmod +x "$work/ex/t/flaky" "$work/ex/t/bytes \$x 'q'"
printf '[offload]\nmax_parallel = 3\ntest_timeout_secs = 2\n[framework]\ntype = exec\npaths = t/*\n[group.all]\nretry_count = 1\n' >"$work/ex/offload.ini"
(cd "$work/ex" && CI=true "$OFFLOAD" run >/dev/null 2>&1) || true
cp "$work/ex/test-results/junit.xml" "$R/offload-exec-mixed.xml"

# ---- hostile XML (issue 7) ----------------------------------------------
cat >"$R/billion-laughs.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE testsuite [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
 <!ENTITY j "&i;&i;&i;&i;&i;&i;&i;&i;&i;&i;">
]>
<testsuite name="s"><testcase name="t" classname="&j;"><failure message="&j;">&j;</failure></testcase></testsuite>
X
cat >"$R/billion-laughs-attr.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE testsuite [
 <!ENTITY a "lollollollollollollollollollol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<testsuite name="s"><testcase name="&i;"/></testsuite>
X
cat >"$R/xxe-file.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<testsuite name="s"><testcase name="t"><failure>&x;</failure></testcase></testsuite>
X
cat >"$R/xxe-param.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>
<testsuite name="s"><testcase name="t"/></testsuite>
X
cat >"$R/xinclude.xml" <<'X'
<testsuite xmlns:xi="http://www.w3.org/2001/XInclude" name="s"><testcase name="t"><system-out><xi:include href="/etc/passwd" parse="text"/></system-out></testcase></testsuite>
X
{ printf '<testsuite><testcase name="deep"><system-out>'
  awk 'BEGIN { for (i = 0; i < 3000; i++) printf "<a>"; for (i = 0; i < 3000; i++) printf "</a>" }'
  printf '</system-out></testcase></testsuite>\n'; } >"$R/nested-3000.xml"
{ printf '<testsuite><testcase name="'
  awk 'BEGIN { for (i = 0; i < 60000; i++) printf "x" }'
  printf '"/></testsuite>\n'; } >"$R/huge-attr.xml"
{ printf '<testsuite><testcase name="t" '
  awk 'BEGIN { for (i = 0; i < 2000; i++) printf "a%d=\"\" ", i }'
  printf '/></testsuite>\n'; } >"$R/many-attrs.xml"
printf '<testsuite><testcase name="caf\351 \377\376"><failure message="\200\201">\300\257</failure></testcase></testsuite>\n' >"$R/not-utf8.xml"
printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n<testsuite><testcase name="caf\351"/></testsuite>\n' >"$R/latin1.xml"
printf '<?xml version="1.0" encoding="UTF-16"?>\n<testsuite/>\n' >"$R/utf16-decl.xml"
printf '\377\376<\000t\000e\000s\000t\000c\000a\000s\000e\000/\000>\000' >"$R/utf16le-bom.xml"
printf '<testsuite><testcase name="a\000b"><system-out>before\000after</system-out></testcase></testsuite>\n' >"$R/nul-bytes.xml"
printf '<testsuite><testcase name="t"><system-out>&#0;&#x1;&#xD800;&#x110000;&#65;</system-out></testcase></testsuite>\n' >"$R/bad-charrefs.xml"
printf '<testsuite><testcase name="t"><system-out><![CDATA[ x ]]> &lt; <![CDATA[]]]]><![CDATA[>]]></system-out></testcase>' >"$R/truncated.xml"
printf '' >"$R/empty.xml"
printf '<testcase name="root"/>' >"$R/testcase-root.xml"
printf '<x:testsuites xmlns:x="urn:x"><x:testsuite><x:testcase x:name="ns" name="plain"><x:failure/></x:testcase></x:testsuite></x:testsuites>\n' >"$R/namespaces.xml"
printf '<testsuites><testsuite tests="99999999999999999999" failures="-1" errors="x" time="1e999"><testcase time="1,234.5e-3"><flakyFailure message="m">a</flakyFailure><rerunFailure>b</rerunFailure><skipped/><error message="e"/><failure/></testcase><testcase time="nan"/></testsuite><testsuite/></testsuites>\n' >"$R/odd-counts.xml"
printf '<testsuite><testcase name="t"><properties><property name="offload_nodeid" value="tests/a.py::t[\xff]"/><property name="offload_nodeid" value="second"/></properties><system-err><b>bold</b>text<c/></system-err></testcase></testsuite>\n' >"$R/properties.xml"

# ---- merge: a selector byte, then one or two files -----------------------
M=$C/junit-merge
for f in "$R"/*.xml; do
	n=$(basename "$f")
	{ printf '\000'; cat "$f"; } >"$M/one-$n"
done
pair() { # pair NAME SELECTOR A B
	{ printf "\\$2"; cat "$3"; printf '\n--8<--\n'; cat "$4"; } >"$M/$1"
}
pair two-pytest.xml 001 "$R/pytest-xunit1.xml" "$R/pytest-xunit2.xml"
pair two-offload-inplace.xml 003 "$R/offload-pytest-demo.xml" "$R/offload-exec-mixed.xml"
pair two-bad-second.xml 001 "$R/offload-exec-mixed.xml" "$R/truncated.xml"
pair two-laughs.xml 001 "$R/pytest-xunit2.xml" "$R/billion-laughs.xml"
{ printf '\002'; cat "$R/pytest-xunit2.xml"; } >"$M/inplace-pytest.xml"

# ---- configurations --------------------------------------------------------
I=$C/config
cp "$ROOT/tests/unit.ini" "$I/tests-unit.ini"
cp "$ROOT/tests/integration.ini" "$I/tests-integration.ini"
cp "$ROOT/examples/demo/offload.ini" "$I/demo.ini"
for d in "$ROOT"/examples/monorepo/*/; do
	[ -f "$d/offload.ini" ] && cp "$d/offload.ini" "$I/monorepo-$(basename "$d").ini"
done
for fw in pytest exec custom; do
	"$OFFLOAD" init -c "$I/template-$fw.ini" --framework "$fw" >/dev/null
done
cat >"$I/expansion.ini" <<'INI'
[offload]
working_dir = ${FA}/${FE:-empty}/$${FA}/${FU:-unset default}
test_timeout_secs = 1.5e1
[provider]
shell = ${FS}
[provider.env]
A = ${FD}
B = ${FE}x${FU:-}
C = ${FL}
[framework]
type = custom
discover_command = printf '%s\n' a b ; echo ${FA:-} # not a comment
run_command = run {tests} ; true
	continued ${FS}
	  more
result_file = {result_file}
test_id_format = {classname}::{name}
[group.unit]
filters = -k "not slow"
retry_count = 2
schedule_individual = yes
[group.other]
[report]
junit = off
output_dir = out dir
junit_file = j.xml
[history]
path = ../h.xml
default_duration_secs = 0.1
INI
printf '[framework]\ntype = exec\npaths = ${FC}\n[group.a]\n' >"$I/control-after-expansion.ini"
printf '[framework]\ntype = exec\npaths = ${FU}\n[group.a]\n' >"$I/unset.ini"
printf '[framework]\ntype = exec\npaths = ${FA\n[group.a]\n' >"$I/bad-reference.ini"
printf '\357\273\277[framework]\r\ntype = exec\r\npaths = t/*\r\n[group.a]\r\n[group.a]\r\n[grup.b]\r\nretry_cont = 1\r\n' >"$I/bom-crlf.ini"
{ printf '[framework]\ntype = pytest\n[group.a]\nfilters = '
  awk 'BEGIN { for (i = 0; i < 190; i++) printf "x" }'; printf '\n'; } >"$I/line-190.ini"
{ printf '[framework]\ntype = pytest\n[group.a]\nfilters = '
  awk 'BEGIN { for (i = 0; i < 260; i++) printf "y" }'; printf '\n'; } >"$I/line-too-long.ini"
printf '[framework]\ntype = exec\npaths = a\000b\n[group.a]\n' >"$I/nul.ini"
printf '[framework]\ntype = exec\npaths = caf\351 \377\n[group.\377]\n[group.]\n' >"$I/not-utf8.ini"
printf 'key = outside\n[offload]\nmax_parallel = 0\n' >"$I/bad-values.ini"
printf '[framework]\ntype = exec\npaths = x\n[group.a]\nfilters = a ; b\n  ; c\n\t# d\n[group.b] ; comment\n= novalue\n' >"$I/comments.ini"

# ---- make words --------------------------------------------------------------
W=$C/make-word
printf 'tests/test_a.py::test_b[x-1]' >"$W/pytest-id"
printf 'tests/a b.py::t[$(rm -rf /)]' >"$W/shell-id"
printf "it's \"quoted\" \\\\ back" >"$W/quotes"
printf 'line1\nline2\ttab\r' >"$W/controls"
printf 'caf\303\251 \377\376' >"$W/non-utf8"
printf 'a@20b@7Ec@40d@ff' >"$W/word-escapes"
printf 'bad@0' >"$W/word-short"
printf 'bad@00nul' >"$W/word-at00"
printf 'bad@G1' >"$W/word-nothex"
printf 'raw\000nul@41' >"$W/raw-nul"
printf '%%$*?:;=#,{}' >"$W/make-specials"

ls -l "$C"/* | awk '$5 >= 65536 { print "make-corpus.sh: too big: " $0; bad = 1 } END { exit bad }'
echo "make-corpus.sh: $(find "$C" -type f | wc -l) seeds in $C"
