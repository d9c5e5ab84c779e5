#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/gen-seeds.sh TARGET DIR - write the large hostile inputs of
# TARGET into DIR: files too big to commit (tests/fuzz/corpus holds files
# under 64 KiB) that tests/fuzz/run.sh runs once each before fuzzing.
# Sizes stay where one run is quick when the code is right: the point is
# bounded cost (deep nesting, a huge attribute, a text node over the
# reader's 1 MiB cap, many attributes, many groups, a long ID), not a
# benchmark (see issue 7's resource-bounds benchmark).
set -eu
t=$1 dir=$2
mkdir -p "$dir"

# rep N TEXT: TEXT N times, no newline
rep() { awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'; }

case $t in
junit-read|junit-merge)
	# merge: a leading selector byte 0 (one input, output apart)
	hdr() { if [ "$t" = junit-merge ]; then printf '\000'; fi; }
	# 100,000 nested elements inside a testcase
	{ hdr; printf '<testsuite><testcase name="deep">'; rep 100000 '<a>'; } >"$dir/nest-100k.xml"
	# a 1 MiB attribute
	{ hdr; printf '<testsuite><testcase name="'; rep 65536 'xxxxxxxxxxxxxxxx'; printf '"/></testsuite>\n'; } >"$dir/attr-1m.xml"
	# a 3 MiB text node (the reader keeps 1 MiB of it)
	{ hdr; printf '<testsuite><testcase name="t"><system-out>'; rep 196608 'output line 123\n'
	  printf '</system-out><failure message="m">'; rep 4096 '&lt;&amp;' ; printf '</failure></testcase></testsuite>\n'; } >"$dir/text-3m.xml"
	# 5,000 attributes on one element
	{ hdr; printf '<testsuite><testcase name="t" '; awk 'BEGIN { for (i = 0; i < 5000; i++) printf "a%d=\"%d\" ", i, i }'; printf '/></testsuite>\n'; } >"$dir/attrs-5k.xml"
	# 20,000 cases
	{ hdr; printf '<testsuites><testsuite name="s">'
	  awk 'BEGIN { for (i = 0; i < 20000; i++) printf "<testcase classname=\"c\" name=\"t%d\" time=\"0.%d\"><failure message=\"f\">x</failure></testcase>\n", i, i }'
	  printf '</testsuite></testsuites>\n'; } >"$dir/cases-20k.xml"
	;;
config)
	# 2,000 groups, and a value of 100,000 continuation lines
	{ printf '[framework]\ntype = exec\npaths = t/*\n'
	  awk 'BEGIN { for (i = 0; i < 2000; i++) printf "[group.g%d]\nretry_count = %d\n", i, i % 3 }'; } >"$dir/groups-2k.ini"
	{ printf '[framework]\ntype = pytest\n[group.a]\nfilters = -k x\n'; rep 100000 '\tand y${FA}\n'; } >"$dir/continued-100k.ini"
	;;
pytest-collect)
	{ awk 'BEGIN { for (i = 0; i < 50000; i++) printf "tests/test_m%d.py::TestC::test_p[%d-\377-a b]\n", i % 7, i }'
	  printf '\n50000 tests collected in 1.00s\n'; } >"$dir/ids-50k.txt"
	rep 1048576 ':' >"$dir/colons-1m.txt"
	;;
make-word)
	rep 262144 'a b@' >"$dir/id-1m.txt"
	rep 349525 '@41' >"$dir/word-1m.txt"
	;;
esac
