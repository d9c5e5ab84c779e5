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
missing or unreadable.

A collector that fails (a module that does not import) or skips (a
module-level pytest.importorskip) has no test: pytest writes one JUnit
case for it, named by classname and name.  The plugin adds the
collector's node ID to that case as well, and puts the skip's reason in
its message (pytest writes "collection skipped"), or the error's last
line after "collection failure: ".  During discovery
(`--collect-only`), when OFFLOAD_PYTEST_COLLECT names a file, the plugin
appends one line per such collector to it:

    collect-error <node ID> <text>
    collect-skip <node ID> <reason>

so that offload lists it as a test of its own, which fails (with the
error) or is skipped, as in pytest's own report.  Nothing else is
changed.
"""
import os

import pytest

_KEY = "offload_nodeid"
_ENV = "OFFLOAD_PYTEST_PROGRESS"
_COLLECT_ENV = "OFFLOAD_PYTEST_COLLECT"
# Bytes of failure text kept per test (head and tail), as offload keeps.
_TEXT_CAP = 64 * 1024

_fd = None
_collect_fd = None
_config = None
_pending = {}   # node ID -> [first non-passing report or None, seconds]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    props = item.user_properties
    # A plugin that re-runs items (pytest-rerunfailures) calls this again:
    # record the node ID once.
    if not any(name == _KEY for name, _ in props):
        props.append((_KEY, item.nodeid))


def _open(env):
    # Taken out of the environment so that a pytest started by a test
    # cannot write into this run's file.
    path = os.environ.pop(env, None)
    if not path:
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT |
                       os.O_CLOEXEC, 0o644)
    except OSError:
        return None     # the JUnit file alone is still worth having


def pytest_configure(config):
    global _fd, _collect_fd, _config
    _config = config
    if _fd is None:
        _fd = _open(_ENV)
    if _collect_fd is None:
        _collect_fd = _open(_COLLECT_ENV)


def pytest_unconfigure(config):
    global _fd, _collect_fd, _config
    _config = None
    for fd in (_fd, _collect_fd):
        if fd is not None:
            os.close(fd)
    _fd = _collect_fd = None


def _skip_reason(longrepr):
    if isinstance(longrepr, tuple):
        reason = str(longrepr[2])
    else:
        reason = str(longrepr)
    if reason.startswith("Skipped: "):
        reason = reason[9:]
    return reason


def _junit_case(report):
    """pytest's JUnit case for a collect report, or None."""
    try:
        from _pytest.junitxml import xml_key
        xml = _config.stash.get(xml_key, None)
    except Exception:   # another pytest: no node ID, offload still guesses
        return None
    if xml is None:
        return None
    return xml.node_reporter(report)


def _collect_error(report):
    """ "collection failure: " and the error's last "E   " line."""
    lines = [ln[1:].strip() for ln in str(report.longrepr).splitlines()
             if ln.startswith("E ")]
    return "collection failure" + (": " + lines[-1] if lines else "")


# After pytest's JUnit report has opened its case for the collector.
@pytest.hookimpl(trylast=True)
def pytest_collectreport(report):
    if report.passed or not report.nodeid:
        return
    reason = "" if report.failed else _skip_reason(report.longrepr)
    case = _junit_case(report) if _config is not None else None
    if case is not None:
        if not any(p[0] == _KEY for p in case.properties):
            case.add_property(_KEY, report.nodeid)
        if case.nodes:
            case.nodes[-1].set("message", reason or _collect_error(report))
    if _collect_fd is not None:
        if report.failed:
            _write_fd(_collect_fd, "collect-error", _hex(report.nodeid),
                      _cap(str(report.longrepr)).hex())
        else:
            _write_fd(_collect_fd, "collect-skip", _hex(report.nodeid),
                      _cap(reason).hex())


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
    _write_fd(_fd, *fields)


def _write_fd(fd, *fields):
    if fd is None:
        return
    line = (" ".join(fields) + "\n").encode("ascii")
    try:
        while line:
            line = line[os.write(fd, line):]
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
        return "skipped", _skip_reason(rep.longrepr), ""
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
