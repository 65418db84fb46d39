"""An IOS-style exec command engine: commands registered from IOS-like syntax strings, parsed the way
IOS parses them (unique-prefix keywords, typed arguments, `?` help, Tab completion, output pipes) and
refused with IOS's own messages. It knows no device: the device registers its commands here.

A registration's syntax, e.g. `sim session up remote A.B.C.D {remote-port <0-65535> | local! A.B.C.D}`:

    keyword     lowercase literal, matched case-insensitively by any unique prefix (`sh` for `show`)
    A.B.C.D     an IPv4 address                           -> ipaddress.IPv4Address
    <lo-hi>     a decimal integer in lo..hi               -> int
    WORD        one token                                 -> str
    LINE        the rest of the line, as typed            -> str
    WORD...     the rest of the line's words, none or more  -> tuple of Tok (a str with its column), for
                a token-level parser to read; `?` shows the label before the dots. It takes its words
                even where a keyword of another command matches them, so that a command with a catch-all
                tail (a config line kept verbatim) is never cut off by a more specific one
    IFNAME      an interface, `Vi1`, `vi 1`, `virtual-access1`, `Tunnel0` -> its full name `Virtual-Access1`
    NAME        a type the CommandSet was given (`types={"SEQ": ParamType(...)}`) -> what its accept() returns
    [ a | b ]   optional: at most one of the alternatives
    ( a | b )   required: exactly one of the alternatives
    { a | b }   options in any order, each at most once, each starting with a keyword. A member whose
                keyword ends in `!` (`local! A.B.C.D`), or a `( .. | .. )!` member (exactly one of its
                alternatives), must be given before the command can end.

The handler is `fn(args: dict) -> str` and gets every argument in one dict: a keyword puts True under
its own name; a placeholder puts its value under the name written after it (`WORD:name`), else under
the keyword just before it in the syntax (`remote A.B.C.D` -> args["remote"]). `-` in names becomes `_`.
A caller that runs the commands itself (the config modes, through matches()) may give handlers of its
own shape.

Help strings (for `?`) are given per registration, keyed by the keyword (`"remote"`) or by a
placeholder's name and type (`"remote A.B.C.D"`, `"name WORD"`); a keyword's help given once serves every
command that uses it. Output modifiers (`| include|exclude|begin|section|count REGEX`) are applied by the
engine to the handler's text.
"""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextlib import contextmanager

from ..errors import ControlError, ExecError
from .errors import AmbiguousCommand, IncompleteCommand, InvalidInput, UnrecognizedCommand, format_error
from .help import candidates, next_help, partial_help, render_help
from .interfaces import INTERFACE_TYPES, interface_type, normalise_interface
from .pipes import FILTERS, MODIFIER_HELP, regex, shifted, split_pipe
from .syntax import Command, Handler, Keyword, ParamType, SyntaxParser
from .tokens import Tok, tokenize
from .walk import State, advance, can_end, expanded

# What importers of the engine use, whichever module of the grammar holds it.
__all__ = ["AmbiguousCommand", "CommandSet", "Handler", "INTERFACE_TYPES", "IncompleteCommand", "InvalidInput",
           "ParamType", "UnrecognizedCommand", "format_error", "interface_type", "normalise_interface",
           "render_help"]


class CommandSet:
    """Exec commands registered from IOS-like syntax; execute, complete and `?` help over them."""

    def __init__(self, keyword_help: dict[str, str] | None = None, *, modifiers: bool = True,
                 types: dict[str, ParamType] | None = None):
        self.commands: list[Command] = []
        self.keyword_help = dict(keyword_help or {})
        self.types = dict(types or {})
        self._first_word: dict[tuple, list[Command]] = {}
        # The output modifiers after `|` are a CommandSet of their own, so that they abbreviate,
        # help and fail like any command (`| inc`, `| i ?`, `| foo` with its caret).
        self.modifiers = _modifiers() if modifiers else None

    def add(self, syntax: str, handler: Handler, help: dict[str, str] | None = None, *,
            data: Callable[[dict], object] | None = None) -> Command:
        """Register a command; see the module's docstring for the syntax and the help keys.
        `data`, for a show command, gives the structured twin of what the handler prints."""
        help = help or {}
        root = SyntaxParser(syntax, help, self.types).parse()
        for token, text in help.items():
            if " " not in token:
                self.keyword_help.setdefault(token, text)
        command = Command(syntax, root, handler, data)
        self.commands.append(command)
        return command

    def command(self, syntax: str, help: dict[str, str] | None = None):
        """The same as add(), as a decorator."""
        def register(handler: Handler) -> Handler:
            self.add(syntax, handler, help)
            return handler
        return register

    # -- the three operations a terminal needs ------------------------------------------------------

    def execute(self, line: str, handlers: dict[str, Handler] | None = None) -> str | Awaitable[str]:
        """Run one exec line, output modifier included; raises ExecError with IOS's message. A
        handler whose work goes on elsewhere (a served device's `sim traffic`) returns an
        awaitable, and so does this, with the modifier and the errors applied when it is done.
        `handlers` stand in for the registered ones of those syntaxes: a terminal runs the
        commands on its own line (`show terminal`) so, pipes and all."""
        tokens, pipe = self._split(line)
        if not tokens:
            if pipe is None:
                return ""
            raise InvalidInput(line, pipe[0].col)
        command, args = self._match(line, tokens)
        if pipe is not None:   # parsed before the handler runs: a bad modifier must not run a command
            modifier, modifier_args = shifted(
                line, pipe[0].col + 1, lambda text: self.modifiers._match(text, tokenize(text)))
            pattern = regex(modifier_args["regex"])
        filtered = (lambda text: text) if pipe is None else \
            (lambda text: _filtered(modifier.handler, pattern, text))
        handler = (handlers or {}).get(command.syntax, command.handler)
        with _refusals():
            output = handler(args) or ""
        if inspect.isawaitable(output):
            return _later(output, filtered)
        return filtered(output)

    def resolve(self, line: str, *, modifier: bool = False) -> tuple[Command, dict]:
        """The command a whole line names and its arguments, without running it (an output
        modifier is refused, or with `modifier` ignored); raises ExecError as execute() would."""
        tokens, pipe = self._split(line)
        if pipe is not None and not modifier:
            raise InvalidInput(line, pipe[0].col)
        if not tokens:
            raise IncompleteCommand()
        return self._match(line, tokens)

    def matches(self, line: str, *, abbreviate: bool = True) -> list[tuple[Command, dict]]:
        """Every command a whole line can be, with its arguments, first registered first, for a caller
        whose handlers may decline a line (a config mode); raises ExecError when there is none.
        Without `abbreviate` a keyword must be typed in full."""
        tokens, pipe = self._split(line)
        if pipe is not None:
            raise InvalidInput(line, pipe[0].col)
        if not tokens:
            raise IncompleteCommand()
        order = {id(command): i for i, command in enumerate(self.commands)}
        states = sorted(self._walk_to_end(line, tokens, abbreviate), key=lambda s: order[id(s.command)])
        return [(state.command, dict(state.args)) for state in states]

    def complete(self, line: str) -> list[str]:
        """The words that can replace the last partial word of `line` (every next word if the line
        ends in a space); [] where the line before it does not parse."""
        tokens, pipe = self._split(line)
        at_word = bool(line) and not line[-1].isspace()
        try:
            if pipe is not None:
                self._walk_to_end(line, tokens)
                if at_word and len(pipe) == 1:   # `show run |`: nothing replaces the bar itself
                    return []
                return self.modifiers.complete(line[pipe[0].col + 1:])
            partial = tokens.pop() if at_word else ""
            words = candidates(self._walk(line, tokens), partial)
        except ExecError:
            return []
        return [word for word, literal in words.items() if literal]

    def help(self, line: str) -> list[tuple[str, str]]:
        """What `?` prints after `line`, as (token, help) rows in IOS's order; after a partial word,
        the words it can complete to with empty help. Raises ExecError as IOS refuses a bad prefix."""
        tokens, pipe = self._split(line)
        if pipe is not None:
            self._walk_to_end(line, tokens)
            return shifted(line, pipe[0].col + 1, self.modifiers.help)
        if line and not line[-1].isspace():
            partial = tokens.pop()
            return partial_help(self._walk(line, tokens), partial)
        return next_help(self._walk(line, tokens), self.keyword_help,
                         modifiers=self.modifiers is not None)

    # -- matching ----------------------------------------------------------------------------------

    def _split(self, line: str) -> tuple[list[Tok], list[Tok] | None]:
        """The command's tokens, and the modifier's from its `|` on (None without one). The modifiers'
        own set has none: a `|` after `include` is part of the regular expression."""
        return split_pipe(line) if self.modifiers is not None else (tokenize(line), None)

    def _match(self, line: str, tokens: list[Tok]) -> tuple[Command, dict]:
        states = self._walk_to_end(line, tokens)
        state = states[0]   # two commands that end on the same input: the first registered wins
        return state.command, dict(state.args)

    def _walk_to_end(self, line: str, tokens: list[Tok], abbreviate: bool = True) -> list[State]:
        ended = [s for s in self._walk(line, tokens, abbreviate) if can_end(s)]
        if not ended:
            raise IncompleteCommand()
        return ended

    def _walk(self, line: str, tokens: list[Tok], abbreviate: bool = True) -> list[State]:
        commands = self._starting_with(tokens[0].lower(), abbreviate) if tokens else self.commands
        states = [State(c, (c.root,)) for c in commands]
        for i in range(len(tokens)):
            states = advance(states, tokens[i:], line, abbreviate)
        return states

    def _starting_with(self, word: str, abbreviate: bool) -> list[Command]:
        """The commands a line starting with `word` may be: a config mode's table is walked once a
        line, a hundred commands long, most of which its first word rules out."""
        key = (word, abbreviate, len(self.commands))
        if key not in self._first_word:
            if len(self._first_word) > 1024:
                self._first_word.clear()
            self._first_word[key] = [c for c in self.commands if any(
                term is not None and (not isinstance(term, Keyword) or word == term.text
                                      or abbreviate and term.text.startswith(word))
                for term, _ in expanded((c.root,)))]
        return self._first_word[key]


_MODIFIERS: CommandSet | None = None


def _modifiers() -> CommandSet:
    global _MODIFIERS
    if _MODIFIERS is None:
        _MODIFIERS = CommandSet(modifiers=False)
        for name, text in MODIFIER_HELP.items():
            # The handler slot holds the filter, (pattern, lines) -> lines; only execute() calls it.
            _MODIFIERS.add(f"{name} LINE:regex", FILTERS[name], {name: text, "regex LINE": "Regular Expression"})
    return _MODIFIERS


def _filtered(keep, pattern, output: str) -> str:
    lines = keep(pattern, output.splitlines())
    return "\n".join(lines) + ("\n" if lines and output.endswith("\n") else "")


async def _later(output: Awaitable[str], filtered) -> str:
    with _refusals():
        return filtered(await output or "")


@contextmanager
def _refusals():
    """A handler's refusal (SessionError, ...) is the user's answer: an ExecError with its words."""
    try:
        yield
    except ExecError:
        raise
    except ControlError as exc:
        raise ExecError(str(exc)) from exc
