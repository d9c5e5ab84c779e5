# SPDX-License-Identifier: MIT
"""offload_pytest_plugin - loaded by offload with `-p offload_pytest_plugin`.

pytest's JUnit report names a test by classname and name, which cannot be
turned back into the node ID that `pytest --collect-only -q` printed
(parametrised IDs, nested classes, files outside a package).  offload
identifies a test only by that node ID, so this plugin attaches it to
every test as the user property "offload_nodeid"; with
`-o junit_family=xunit1` pytest writes it as
<property name="offload_nodeid" value="..."/> inside the <testcase>.

The property is added when the item's run protocol starts, before setup,
so that every report of the item (skipped, xfail, setup errors, failures
in teardown) carries it.

pytest writes its JUnit file only when the session ends, so a batch that
times out or whose interpreter dies (a signal, os._exit) leaves none.
When OFFLOAD_PYTEST_PROGRESS names a file, the plugin therefore also
appends one line to it when a test starts and one when it has finished,
each with a single write(2) on an O_APPEND descriptor (no Python
buffering: what was written survives a SIGKILL a moment later):

    start <node ID>
    done <node ID> <outcome> <microseconds> <message> <text>

Strings are the hex digits of their UTF-8 bytes (so a node ID may hold
newlines, quotes or anything else), an empty string is an empty field;
outcome is passed, failed, error or skipped, decided as pytest's JUnit
report decides it.  offload reads the file only when the JUnit file is
missing or unreadable.  Nothing else is changed.
"""
import os

import pytest

_KEY = "offload_nodeid"
_ENV = "OFFLOAD_PYTEST_PROGRESS"
# Bytes of failure text kept per test (head and tail), as offload keeps.
_TEXT_CAP = 64 * 1024

_fd = None
_pending = {}   # node ID -> [first non-passing report or None, seconds]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    props = item.user_properties
    # A plugin that re-runs items (pytest-rerunfailures) calls this again:
    # record the node ID once.
    if not any(name == _KEY for name, _ in props):
        props.append((_KEY, item.nodeid))


def pytest_configure(config):
    global _fd
    # Taken out of the environment so that a pytest started by a test
    # cannot write into this batch's file.
    path = os.environ.pop(_ENV, None)
    if path and _fd is None:
        try:
            _fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT |
                          os.O_CLOEXEC, 0o644)
        except OSError:
            pass    # the JUnit file alone is still worth having


def pytest_unconfigure(config):
    global _fd
    if _fd is not None:
        os.close(_fd)
        _fd = None


def _hex(s):
    if isinstance(s, str):
        # surrogateescape gives back the bytes of a non-UTF-8 argv
        try:
            s = s.encode("utf-8", "surrogateescape")
        except UnicodeError:
            s = s.encode("utf-8", "backslashreplace")
    return s.hex()


def _cap(s):
    # offload's strings end at a NUL byte: spell it out
    b = s.replace("\0", "\\x00").encode("utf-8", "backslashreplace")
    if len(b) <= _TEXT_CAP:
        return b
    half = _TEXT_CAP // 2
    cut = len(b) - 2 * half
    return b[:half] + b"\n[... %d bytes cut ...]\n" % cut + b[-half:]


def _write(*fields):
    if _fd is None:
        return
    line = (" ".join(fields) + "\n").encode("ascii")
    try:
        while line:
            line = line[os.write(_fd, line):]
    except OSError:
        pass    # a full disk must not fail the tests; offload ignores a cut line


def pytest_runtest_logstart(nodeid, location):
    _pending[nodeid] = [None, 0.0]
    _write("start", _hex(nodeid))


def pytest_runtest_logreport(report):
    state = _pending.get(report.nodeid)
    # "rerun" (pytest-rerunfailures) and other outcomes decide nothing
    if state is None or report.outcome not in ("passed", "failed", "skipped"):
        return
    state[1] += getattr(report, "duration", 0.0) or 0.0
    if state[0] is None and report.outcome != "passed":
        state[0] = report


def _verdict(rep):
    """(outcome, message, text) the way pytest's JUnit report puts it."""
    if rep is None:
        return "passed", "", ""
    crash = getattr(rep.longrepr, "reprcrash", None)
    if rep.outcome == "skipped" or hasattr(rep, "wasxfail"):
        if hasattr(rep, "wasxfail"):
            if rep.outcome == "failed":
                return "skipped", "xfail-marked test passes unexpectedly", ""
            reason = rep.wasxfail
            if reason.startswith("reason: "):
                reason = reason[8:]
            return "skipped", reason, ""
        if isinstance(rep.longrepr, tuple):
            reason = str(rep.longrepr[2])
        else:
            reason = str(rep.longrepr)
        if reason.startswith("Skipped: "):
            reason = reason[9:]
        return "skipped", reason, ""
    reason = crash.message if crash is not None else str(rep.longrepr)
    if rep.when == "call":
        outcome, msg = "failed", reason
    else:
        outcome, msg = "error", 'failed on %s with "%s"' % (rep.when, reason)
    parts = [rep.longreprtext, rep.capstdout, rep.capstderr]
    return outcome, msg, "\n".join(p for p in parts if p)


def pytest_runtest_logfinish(nodeid, location):
    state = _pending.pop(nodeid, None)
    if state is None:
        return
    outcome, msg, text = _verdict(state[0])
    _write("done", _hex(nodeid), outcome, str(int(state[1] * 1e6)),
           _cap(msg).hex(), _cap(text).hex())
