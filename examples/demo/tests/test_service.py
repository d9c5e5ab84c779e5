import os
import time


def test_sandbox_has_private_tmpdir():
    # offload gives each sandbox its own short TMPDIR and its index.
    assert os.environ["TMPDIR"].startswith("/tmp/")
    assert os.environ["OFFLOAD_SANDBOX"].isdigit()


def test_flaky_first_attempt():
    # Fails on the first attempt of a run, passes on the retry: offload
    # reports it as flaky (exit code 2) with a <flakyFailure> in the JUnit.
    state = os.path.join(os.environ["DEMO_STATE_DIR"], "flaky-state")
    try:
        fd = os.open(state, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(fd)
    time.sleep(0.2)
    assert False, "first attempt fails on purpose"


def test_sleepy():
    time.sleep(1)
