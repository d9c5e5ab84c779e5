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
in teardown) carries it.  Nothing else is changed.
"""
import pytest

_KEY = "offload_nodeid"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    props = item.user_properties
    # A plugin that re-runs items (pytest-rerunfailures) calls this again:
    # record the node ID once.
    if not any(name == _KEY for name, _ in props):
        props.append((_KEY, item.nodeid))
