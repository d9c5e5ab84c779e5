# SPDX-License-Identifier: MIT
import pytest

from pyutil import slugify, wrap_words


@pytest.mark.parametrize("text, slug", [
    ("Hello, World!", "hello-world"),
    ("  many   blanks ", "many-blanks"),
    ("Release 2.0 (final)", "release-2-0-final"),
    ("", ""),
])
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_wrap_words():
    assert wrap_words("the quick brown fox", 10) == ["the quick", "brown fox"]


def test_wrap_long_word():
    assert wrap_words("a extraordinarily b", 5) == ["a", "extraordinarily", "b"]


def test_wrap_bad_width():
    with pytest.raises(ValueError):
        wrap_words("x", 0)
