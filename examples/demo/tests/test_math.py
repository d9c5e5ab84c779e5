import time

import pytest


def test_addition():
    assert 1 + 1 == 2


def test_slow_division():
    time.sleep(0.5)
    assert 10 / 4 == 2.5


@pytest.mark.parametrize("text, words", [
    ("hello world", 2),
    ("a b-1 [x]", 3),
    ("", 0),
])
def test_word_count(text, words):
    assert len(text.split()) == words


@pytest.mark.skip(reason="demonstrates a skipped test")
def test_not_ready():
    assert False
