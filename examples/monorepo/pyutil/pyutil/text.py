# SPDX-License-Identifier: MIT
"""Text helpers shared by the repository's tools."""
import re


def slugify(text):
    """Lower-case words joined by '-': 'Hello, World!' -> 'hello-world'."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)


def wrap_words(text, width):
    """Split text into lines of at most `width` characters, on blanks.

    A word longer than `width` gets a line of its own.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines
