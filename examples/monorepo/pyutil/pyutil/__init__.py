# SPDX-License-Identifier: MIT
"""pyutil - small text helpers: the Python component of the example."""
from .text import slugify, wrap_words

__all__ = ["slugify", "wrap_words"]
