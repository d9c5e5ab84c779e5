# SPDX-License-Identifier: MIT
import os

import pytest


@pytest.fixture(autouse=True)
def _note_run(request):
    """Note each test that runs in $MONOREPO_TEST_LOG, when it is set:
    the example's integration test reads it to see which tests ran."""
    log = os.environ.get("MONOREPO_TEST_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"pyutil {request.node.nodeid}\n")
    yield
