"""Output modifiers, `| include|exclude|begin|section|count REGEX`: where a line's pipe starts, the
filters, and errors of the modifier told against the whole line."""
from __future__ import annotations

import re

from ..errors import ExecError
from .errors import AmbiguousCommand, InvalidInput
from .tokens import Tok, tokenize


def split_pipe(line: str) -> tuple[list[Tok], list[Tok] | None]:
    """The command's tokens, and the modifier's tokens from the `|` on (None without one)."""
    tokens = tokenize(line)
    for i, token in enumerate(tokens):
        if token == "|":
            return tokens[:i], tokens[i:]
    return tokens, None


def _section(pattern: re.Pattern, lines: list[str]) -> list[str]:
    """IOS's `| section`: each matching line with the indented lines under it."""
    out, inside = [], False
    for text in lines:
        if pattern.search(text):
            inside = True
            out.append(text)
        elif inside and text[:1].isspace():
            out.append(text)
        else:
            inside = False
    return out


FILTERS = {
    "include": lambda p, lines: [t for t in lines if p.search(t)],
    "exclude": lambda p, lines: [t for t in lines if not p.search(t)],
    "begin": lambda p, lines: next((lines[i:] for i, t in enumerate(lines) if p.search(t)), []),
    "section": _section,
    "count": lambda p, lines: [f"Number of lines which match regexp = {sum(1 for t in lines if p.search(t))}"],
}

MODIFIER_HELP = {"begin": "Begin with the line that matches",
                 "count": "Count number of lines which match regexp",
                 "exclude": "Exclude lines that match",
                 "include": "Include lines that match",
                 "section": "Filter a section of output"}


def regex(text: str) -> re.Pattern:
    try:
        return re.compile(text)
    except re.error as exc:
        raise ExecError(f"Invalid regular expression {text!r}: {exc}") from None


def shifted(line: str, offset: int, parse):
    """parse(line[offset:]), its errors told against the whole line: the caret of a bad modifier
    sits under it in the line as typed."""
    try:
        return parse(line[offset:])
    except InvalidInput as exc:
        raise InvalidInput(line, offset + exc.column) from None
    except AmbiguousCommand:
        raise AmbiguousCommand(line.strip()) from None
