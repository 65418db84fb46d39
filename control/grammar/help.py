"""`?` and Tab: what may come next after a line, in IOS's order and layout."""
from __future__ import annotations

from .errors import UnrecognizedCommand
from .interfaces import IF_NUMBER, IF_NUMBER_LABEL, INTERFACE_TYPES, normalise_interface
from .syntax import IfNumber, Keyword
from .walk import State, can_end, next_terminals


def render_help(line: str, entries: list[tuple[str, str]]) -> str:
    """What IOS prints for `?`: after a space, one token a line with its help in an aligned column;
    inside a word, the words that complete it on one line."""
    if not entries:
        return ""
    if line and not line[-1].isspace():
        return "  ".join(token for token, _ in entries) + "  "
    width = max(len(token) for token, _ in entries)
    return "\n".join(f"  {token:<{width}}  {text}".rstrip() for token, text in entries)


def _help_order(row: tuple[str, str]) -> tuple:
    # IOS lists placeholders (`<1-199>`, `A.B.C.D`, `WORD`, capitalised interface types) before the
    # lowercase keywords, which ASCII order gives; then `|`, then `<cr>` last.
    return (row[0] == "<cr>", row[0] == "|", row[0])


def next_help(states: list[State], keyword_help: dict[str, str], *, modifiers: bool) -> list[tuple[str, str]]:
    rows: dict[str, str] = {}
    for term in next_terminals(states):
        if isinstance(term, Keyword):
            text = term.help or keyword_help.get(term.text, "")
            if not rows.get(term.text):
                rows[term.text] = text
        elif isinstance(term, IfNumber):
            rows.setdefault(IF_NUMBER_LABEL, f"{term.type_name} interface number")
        elif term.kind == "IFNAME":
            for kind in INTERFACE_TYPES:
                rows.setdefault(kind, f"{kind} interface")
        else:
            rows.setdefault(term.label, term.help)
    if any(can_end(s) for s in states):
        if modifiers:
            rows["|"] = "Output modifiers"
        rows["<cr>"] = "<cr>"
    return sorted(rows.items(), key=_help_order)


def candidates(states: list[State], partial: str) -> dict[str, bool]:
    """What may stand where `partial` is typed: each word, True if it is literal text (a keyword, an
    interface type) that completion can type in, False for a placeholder's label (`WORD`, `<1-4095>`)."""
    words: dict[str, bool] = {}
    for term in next_terminals(states):
        if isinstance(term, Keyword):
            if term.text.startswith(partial.lower()):
                words[term.text] = True
        elif isinstance(term, IfNumber):
            if not partial or IF_NUMBER.match(partial):
                words[IF_NUMBER_LABEL] = False
        elif term.kind == "IFNAME":
            full = normalise_interface(partial) or ""
            for kind in INTERFACE_TYPES:
                if kind.lower().startswith(partial.lower()) or full.startswith(kind):
                    words[kind] = True
        elif term.could_start(partial):
            words[term.label] = False
    return words


def partial_help(states: list[State], partial: str) -> list[tuple[str, str]]:
    words = candidates(states, partial)
    if not words:
        raise UnrecognizedCommand()
    return sorted(((word, "") for word in words), key=_help_order)
