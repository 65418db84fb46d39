"""A word of a command line that knows where it stands, so that an error can put its caret under it."""
from __future__ import annotations

import re

_WORD = re.compile(r"\S+")


class Tok(str):
    """A word of a line and the column it starts at."""
    col: int

    def __new__(cls, text: str, col: int) -> Tok:
        tok = super().__new__(cls, text)
        tok.col = col
        return tok


def tokenize(line: str) -> list[Tok]:
    return [Tok(m.group(), m.start()) for m in _WORD.finditer(line)]
