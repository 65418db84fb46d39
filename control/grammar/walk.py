"""The walk: every command's position after each token, all at once. A state is one command and
what is left of its syntax; a token moves each state on, or ends it."""
from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import AmbiguousCommand, InvalidInput
from .interfaces import IF_NUMBER, interface_type
from .syntax import TYPE_ONLY, Alt, Command, IfNumber, Keyword, Opts, Param, Seq
from .tokens import Tok


@dataclass(frozen=True, eq=False)
class _OptsFrame:
    opts: Opts
    used: frozenset


@dataclass(frozen=True)
class State:
    command: Command
    stack: tuple               # what is left to match, first item first
    args: tuple = ()           # (key, value) pairs in the order they were matched
    swallowed: bool = False    # a LINE or a WORD... took the rest of the line


def _expand(stack: tuple) -> Iterator[tuple[object, tuple]]:
    """Each terminal (Keyword, Param, IfNumber) that may come next, with what is left after it;
    None for the terminal when the command may end here."""
    if not stack:
        yield None, ()
        return
    top, rest = stack[0], stack[1:]
    if isinstance(top, Param) and top.kind == "REST":
        yield top, rest
        yield from _expand(rest)   # it may take no words at all
    elif isinstance(top, (Keyword, Param, IfNumber)):
        yield top, rest
    elif isinstance(top, Seq):
        yield from _expand(top.items + rest)
    elif isinstance(top, Alt):
        for option in top.options:
            yield from _expand((option,) + rest)
        if top.optional:
            yield from _expand(rest)
    elif isinstance(top, Opts):
        yield from _expand((_OptsFrame(top, frozenset()),) + rest)
    elif isinstance(top, _OptsFrame):
        for i, member in enumerate(top.opts.members):
            if i not in top.used:
                yield from _expand((member, _OptsFrame(top.opts, top.used | {i})) + rest)
        if top.opts.required <= top.used:
            yield from _expand(rest)
    else:
        raise AssertionError(top)


@functools.lru_cache(maxsize=4096)
def expanded(stack: tuple) -> tuple[tuple[object, tuple], ...]:
    """_expand(stack), kept: a command table is walked from the same few stacks line after line
    (the nodes hash by identity, so equal stacks are the same places in the same syntax)."""
    return tuple(_expand(stack))


def can_end(state: State) -> bool:
    return any(term is None for term, _ in expanded(state.stack))


def advance(states: list[State], tokens: list[Tok], line: str, abbreviate: bool = True) -> list[State]:
    """The states after one more token, tokens[0]. Keywords come before placeholders, as in IOS: a
    token that abbreviates a keyword is that keyword even where a WORD could also take it."""
    token = tokens[0]
    carried = [s for s in states if s.swallowed]
    options = [(s, term, rest) for s in states if not s.swallowed
               for term, rest in expanded(s.stack) if term is not None]
    word = token.lower()
    keywords = {t.text for _, t, _ in options if isinstance(t, Keyword)
                and (t.text.startswith(word) if abbreviate else t.text == word)}
    if word in keywords:
        keywords = {word}
    if len(keywords) > 1:
        raise AmbiguousCommand(line.strip())
    advanced = []
    for state, term, rest in options:
        if isinstance(term, Param) and term.kind == "REST":
            advanced.append(State(state.command, rest, state.args + ((term.key, tuple(tokens)),),
                                  swallowed=True))
        elif keywords:
            if isinstance(term, Keyword) and term.text in keywords:
                advanced.append(State(state.command, rest, state.args + ((term.key, True),)))
        elif isinstance(term, IfNumber):
            if IF_NUMBER.fullmatch(token):
                value = f"{term.type_name}{token}"
                advanced.append(State(state.command, rest, state.args + ((term.param.key, value),)))
        elif isinstance(term, Param) and term.kind == "LINE":
            value = line[token.col:].rstrip()
            advanced.append(State(state.command, rest, state.args + ((term.key, value),), swallowed=True))
        elif isinstance(term, Param):
            value = term.accept(token)
            if value is TYPE_ONLY:
                pending = IfNumber(term, interface_type(token))
                advanced.append(State(state.command, (pending,) + rest, state.args))
            elif value is not None:
                advanced.append(State(state.command, rest, state.args + ((term.key, value),)))
    if not advanced and not carried:
        raise InvalidInput(line, token.col)
    return carried + advanced


def next_terminals(states: list[State]) -> list:
    return [term for s in states if not s.swallowed for term, _ in expanded(s.stack) if term is not None]
