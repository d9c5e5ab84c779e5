# SPDX-License-Identifier: MIT
"""compare-junit.py OFFLOAD_XML [--prefix=ID_PREFIX] REFERENCE_XML...

Compares per-test outcomes (passed, failed, skipped) between offload's
JUnit report (a case's name is its test ID) and a reference run's JUnit
files, where a case's ID is its "offload_nodeid" property when it has one
(pytest with offload's plugin), else ID_PREFIX + classname + "." + name
(gtest: the binary's path, ':', Suite.Name); --prefix applies to the
files after it.  Prints the counts of both, then every difference; exits
0 when the outcomes are equal, 1 if not.
"""
import sys
import xml.etree.ElementTree as ET


def outcome(tc):
    if tc.find("failure") is not None or tc.find("error") is not None:
        return "failed"
    # gtest: GTEST_SKIP() is result="skipped", DISABLED_ status="notrun"
    if (tc.find("skipped") is not None or tc.get("status") == "notrun" or
            tc.get("result") in ("skipped", "suppressed")):
        return "skipped"
    return "passed"


def cases(path, reference, prefix, res=None):
    res = {} if res is None else res
    dup = 0
    for tc in ET.parse(path).getroot().iter("testcase"):
        if reference:
            ids = [p.get("value") for p in tc.iter("property")
                   if p.get("name") == "offload_nodeid"]
            tid = ids[0] if ids else "%s%s.%s" % (
                prefix, tc.get("classname", ""), tc.get("name", ""))
        else:
            tid = tc.get("name")
        if tid in res:
            dup += 1
            continue
        res[tid] = outcome(tc)
    return res, dup


def counts(res):
    c = {"passed": 0, "failed": 0, "skipped": 0}
    for o in res.values():
        c[o] += 1
    return "%d tests: %d passed, %d failed, %d skipped" % (
        len(res), c["passed"], c["failed"], c["skipped"])


def main():
    off, d1 = cases(sys.argv[1], False, "")
    ref, d2, prefix = {}, 0, ""
    for arg in sys.argv[2:]:
        if arg.startswith("--prefix="):
            prefix = arg[len("--prefix="):]
            continue
        d2 += cases(arg, True, prefix, ref)[1]
    print("offload:   " + counts(off))
    print("reference: " + counts(ref))
    bad = 0
    for tid in sorted(set(off) | set(ref)):
        a, b = off.get(tid, "absent"), ref.get(tid, "absent")
        if a != b:
            bad += 1
            if bad <= 40:
                print("  differs: %r offload %s, reference %s" % (tid, a, b))
    if d1 or d2:
        print("duplicate IDs: offload %d, reference %d" % (d1, d2))
    print("differences: %d" % bad)
    return 1 if bad or d1 else 0


sys.exit(main())
