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

Help strings (for `?`) are given per registration, keyed by the keyword (`"remote"`) or by a
placeholder's name and type (`"remote A.B.C.D"`, `"name WORD"`); a keyword's help given once serves every
command that uses it. Output modifiers (`| include|exclude|begin|section|count REGEX`) are applied by the
engine to the handler's text.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..errors import ControlError, ExecError
from .tokens import Tok, tokenize

Handler = Callable[[dict], str]

# IOS resolves an abbreviated interface type by its own priority, not by uniqueness (`vi` is
# Virtual-Access although Virtual-Template starts the same way): the first type in this order wins.
INTERFACE_TYPES = ("Virtual-Access", "Virtual-Template", "Tunnel", "GigabitEthernet",
                   "TenGigabitEthernet", "Loopback")
_IF_NAME = re.compile(r"([A-Za-z][A-Za-z-]*?)(\d+(?:/\d+)*(?:\.\d+)?)?")
_IF_NUMBER = re.compile(r"\d+(?:/\d+)*(?:\.\d+)?")
IF_NUMBER_LABEL = "<0-4294967295>"

PLACEHOLDER_HELP = {"A.B.C.D": "IP address", "WORD": "Name", "LINE": "Text", "INT": "Number"}


# -- the errors, as IOS words them --------------------------------------------------------------------

class InvalidInput(ExecError):
    """A token the command cannot take; IOS marks it with a caret under its first character."""
    blank_after = True   # IOS leaves an empty line after this message at a terminal

    def __init__(self, line: str, column: int):
        self.line = line
        self.column = column
        super().__init__("Invalid input detected at '^' marker.")


class IncompleteCommand(ExecError):
    blank_after = True

    def __init__(self) -> None:
        super().__init__("Incomplete command.")


class AmbiguousCommand(ExecError):
    def __init__(self, line: str):
        self.line = line
        super().__init__(f'Ambiguous command:  "{line}"')


class UnrecognizedCommand(ExecError):
    """`?` after a partial word that nothing starts with."""

    def __init__(self) -> None:
        super().__init__("Unrecognized command")


def format_error(exc: ExecError, prompt: str | None = None) -> str:
    """IOS's text for a refused command. At a terminal the command is on screen already, after
    `prompt`, so the caret is indented by the prompt; elsewhere (`qfp cli`, a log) the command is
    echoed above the caret so that the caret has something to point at."""
    message = f"% {exc}"
    if isinstance(exc, InvalidInput):
        if prompt is None:
            return f"{exc.line}\n{' ' * exc.column}^\n{message}"
        return f"{' ' * (len(prompt) + exc.column)}^\n{message}"
    return message


def render_help(line: str, entries: list[tuple[str, str]]) -> str:
    """What IOS prints for `?`: after a space, one token a line with its help in an aligned column;
    inside a word, the words that complete it on one line."""
    if not entries:
        return ""
    if line and not line[-1].isspace():
        return "  ".join(token for token, _ in entries) + "  "
    width = max(len(token) for token, _ in entries)
    return "\n".join(f"  {token:<{width}}  {text}".rstrip() for token, text in entries)


def normalise_interface(text: str) -> str | None:
    """`vi1`, `Virtual-access1`, `Tu0` -> `Virtual-Access1`, `Tunnel0`; None when it is not one."""
    m = _IF_NAME.fullmatch(text)
    if not m or m[2] is None:
        return None
    kind = interface_type(m[1])
    return f"{kind}{m[2]}" if kind else None


def interface_type(prefix: str) -> str | None:
    prefix = prefix.lower()
    return next((t for t in INTERFACE_TYPES if t.lower().startswith(prefix)), None)


# -- the syntax tree ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParamType:
    """A placeholder type of one CommandSet: its `?` label, its help, and accept(word) -> its value, or
    None when the word is not one (also asked of a partial word, for `?` and Tab)."""
    label: str
    help: str
    accept: Callable[[Tok], object]


@dataclass(eq=False)
class Keyword:
    text: str
    key: str
    help: str = ""
    required: bool = False   # inside { }: this member must be given


@dataclass(eq=False)
class Param:
    kind: str                # "A.B.C.D", "WORD", "LINE", "REST", "IFNAME", "INT" or a ParamType's name
    key: str
    label: str               # as `?` shows it: A.B.C.D, WORD, <0-65535> ...
    help: str = ""
    lo: int = 0
    hi: int = 0
    custom: ParamType | None = None

    def accept(self, token: Tok):
        """The token's value, _TYPE_ONLY for a bare interface type (`vi` of `vi 1`), or None."""
        if self.custom is not None:
            return self.custom.accept(token)
        if self.kind == "WORD":
            return token
        if self.kind == "INT":
            if token.isdigit() and self.lo <= int(token) <= self.hi:
                return int(token)
            return None
        if self.kind == "A.B.C.D":
            try:
                return ipaddress.IPv4Address(token) if re.fullmatch(r"[\d.]+", token) else None
            except ValueError:
                return None
        if self.kind == "IFNAME":
            name = normalise_interface(token)
            if name is None and re.fullmatch(r"[A-Za-z][A-Za-z-]*", token) and interface_type(token):
                return _TYPE_ONLY
            return name
        raise AssertionError(self.kind)   # LINE and REST are taken by the walk itself

    def could_start(self, partial: str) -> bool:
        if self.custom is not None:
            return self.custom.accept(partial) is not None
        if self.kind == "INT":
            return partial.isdigit()
        if self.kind == "A.B.C.D":
            return bool(re.fullmatch(r"[\d.]+", partial))
        return True


_TYPE_ONLY = object()


@dataclass(eq=False)
class IfNumber:
    """The number after a bare interface type: the second token of `vi 1`."""
    param: Param
    type_name: str


@dataclass(eq=False)
class Seq:
    items: tuple


@dataclass(eq=False)
class Alt:
    options: tuple
    optional: bool
    required: bool = False   # inside { }: `( .. )!`


@dataclass(eq=False)
class Opts:
    members: tuple
    required: frozenset      # indexes of the members that must be given


@dataclass(frozen=True, eq=False)
class _OptsFrame:
    opts: Opts
    used: frozenset


@dataclass(eq=False)
class Command:
    syntax: str
    root: Seq
    handler: Handler
    data: Callable[[dict], object] | None = None   # a show command's structured twin


_SYNTAX_TOKEN = re.compile(r"[\[\]{}()|]|[^\s\[\]{}()|]+")
_RANGE = re.compile(r"<(\d+)-(\d+)>")


def _key(text: str) -> str:
    return text.replace("-", "_")


class _SyntaxParser:
    """Recursive descent over a registration's syntax string into Seq/Alt/Opts/Keyword/Param nodes."""

    def __init__(self, syntax: str, help: dict[str, str], types: dict[str, ParamType]):
        self.syntax = syntax
        self.tokens = _SYNTAX_TOKEN.findall(syntax)
        self.pos = 0
        self.help = help
        self.types = types
        self.last_keyword: str | None = None

    def error(self, why: str) -> ValueError:
        return ValueError(f"command syntax {self.syntax!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def parse(self) -> Seq:
        seq = self.sequence()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()!r}")
        if not seq.items:
            raise self.error("empty")
        self.check_required(seq, allowed=set())
        return seq

    def check_required(self, node, allowed: set) -> None:
        """`!` means something only at the start of a { } member."""
        if getattr(node, "required", None) is True and id(node) not in allowed:
            raise self.error("`!` marks the first keyword or ( ) of a { } member only")
        if isinstance(node, Seq):
            for item in node.items:
                self.check_required(item, allowed)
        elif isinstance(node, Alt):
            for option in node.options:
                self.check_required(option, allowed)
        elif isinstance(node, Opts):
            for member in node.members:
                self.check_required(member, allowed | {id(member.items[0])})

    def alternatives(self, close: str) -> list[Seq]:
        options = [self.sequence()]
        while self.peek() == "|":
            self.take()
            options.append(self.sequence())
        if self.peek() != close:
            raise self.error(f"expected {close!r}")
        self.take()
        if any(not option.items for option in options):
            raise self.error("an empty alternative")
        return options

    def sequence(self) -> Seq:
        items = []
        while self.peek() not in (None, "|", "]", "}", ")"):
            items.append(self.element())
        return Seq(tuple(items))

    def element(self):
        token = self.take()
        if token == "[":
            return Alt(tuple(self.alternatives("]")), optional=True)
        if token == "(":
            alt = Alt(tuple(self.alternatives(")")), optional=False)
            if self.peek() == "!":
                self.take()
                alt.required = True
            return alt
        if token == "{":
            return self.options()
        return self.atom(token)

    def options(self) -> Opts:
        members, required = [], set()
        for i, seq in enumerate(self.alternatives("}")):
            first = seq.items[0]
            # Each member must open with a keyword, so that which member a token starts is never a guess.
            starts = [first] if isinstance(first, Keyword) else [
                o.items[0] for o in first.options] if isinstance(first, Alt) and not first.optional else []
            if not starts or not all(isinstance(s, Keyword) for s in starts):
                raise self.error("every { } member starts with a keyword or a ( ) of keywords")
            if first.required:
                required.add(i)
            members.append(seq)
        return Opts(tuple(members), frozenset(required))

    def atom(self, token: str):
        name = None
        if ":" in token:
            token, name = token.split(":", 1)
        m = _RANGE.fullmatch(token)
        rest = token.endswith("...")
        if m or rest or token in ("A.B.C.D", "WORD", "LINE", "IFNAME") or token in self.types:
            key = name or self.last_keyword
            if key is None:
                raise self.error(f"{token} needs a name (`{token}:name`): no keyword precedes it")
            text = self.help.get(f"{key} {token}", "")
            if m:
                lo, hi = int(m[1]), int(m[2])
                return Param("INT", _key(key), token, text or PLACEHOLDER_HELP["INT"], lo, hi)
            if rest:
                label = token[:-3]
                return Param("REST", _key(key), label, text or PLACEHOLDER_HELP.get(label, ""))
            if token in self.types:
                custom = self.types[token]
                return Param(token, _key(key), custom.label, text or custom.help, custom=custom)
            return Param(token, _key(key), token, text or PLACEHOLDER_HELP.get(token, ""))
        required = token.endswith("!")
        token = token.rstrip("!")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", token) or name:
            raise self.error(f"{token!r} is neither a lowercase keyword nor a placeholder")
        self.last_keyword = token
        return Keyword(token, _key(token), self.help.get(token, ""), required)


# -- the walk: every command's position after each token, all at once -----------------------------

@dataclass(frozen=True)
class _State:
    command: Command
    stack: tuple               # what is left to match, first item first
    args: tuple = ()           # (key, value) pairs in the order they were matched
    swallowed: bool = False    # a LINE took the rest of the line


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
def _expanded(stack: tuple) -> tuple[tuple[object, tuple], ...]:
    """_expand(stack), kept: a command table is walked from the same few stacks line after line
    (the nodes hash by identity, so equal stacks are the same places in the same syntax)."""
    return tuple(_expand(stack))


def _can_end(state: _State) -> bool:
    return any(term is None for term, _ in _expanded(state.stack))


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
        root = _SyntaxParser(syntax, help, self.types).parse()
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

    def execute(self, line: str) -> str:
        """Run one exec line, output modifier included; raises ExecError with IOS's message."""
        tokens, pipe = self._split(line)
        if not tokens:
            if pipe is None:
                return ""
            raise InvalidInput(line, pipe[0].col)
        command, args = self._match(line, tokens)
        if pipe is not None:   # parsed before the handler runs: a bad modifier must not run a command
            modifier, modifier_args = _shifted(
                line, pipe[0].col + 1, lambda text: self.modifiers._match(text, tokenize(text)))
            pattern = _regex(modifier_args["regex"])
        try:
            output = command.handler(args) or ""
        except ExecError:
            raise
        except ControlError as exc:   # a handler's refusal (SessionError, ...) is the user's answer
            raise ExecError(str(exc)) from exc
        if pipe is None:
            return output
        lines = modifier.handler(pattern, output.splitlines())
        return "\n".join(lines) + ("\n" if lines and output.endswith("\n") else "")

    def resolve(self, line: str) -> tuple[Command, dict]:
        """The command a whole line names and its arguments, without running it (no output
        modifier allowed); raises ExecError as execute() would."""
        tokens, pipe = self._split(line)
        if pipe is not None:
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
            candidates = _candidates(self._walk(line, tokens), partial)
        except ExecError:
            return []
        return [word for word, literal in candidates.items() if literal]

    def help(self, line: str) -> list[tuple[str, str]]:
        """What `?` prints after `line`, as (token, help) rows in IOS's order; after a partial word,
        the words it can complete to with empty help. Raises ExecError as IOS refuses a bad prefix."""
        tokens, pipe = self._split(line)
        if pipe is not None:
            self._walk_to_end(line, tokens)
            return _shifted(line, pipe[0].col + 1, self.modifiers.help)
        if line and not line[-1].isspace():
            partial = tokens.pop()
            return _partial_help(self._walk(line, tokens), partial)
        return _next_help(self._walk(line, tokens), self.keyword_help,
                          modifiers=self.modifiers is not None)

    # -- matching ----------------------------------------------------------------------------------

    def _split(self, line: str) -> tuple[list[Tok], list[Tok] | None]:
        """The command's tokens, and the modifier's from its `|` on (None without one). The modifiers'
        own set has none: a `|` after `include` is part of the regular expression."""
        return _split_pipe(line) if self.modifiers is not None else (tokenize(line), None)

    def _match(self, line: str, tokens: list[Tok]) -> tuple[Command, dict]:
        states = self._walk_to_end(line, tokens)
        state = states[0]   # two commands that end on the same input: the first registered wins
        return state.command, dict(state.args)

    def _walk_to_end(self, line: str, tokens: list[Tok], abbreviate: bool = True) -> list[_State]:
        ended = [s for s in self._walk(line, tokens, abbreviate) if _can_end(s)]
        if not ended:
            raise IncompleteCommand()
        return ended

    def _walk(self, line: str, tokens: list[Tok], abbreviate: bool = True) -> list[_State]:
        commands = self._starting_with(tokens[0].lower(), abbreviate) if tokens else self.commands
        states = [_State(c, (c.root,)) for c in commands]
        for i, token in enumerate(tokens):
            states = _advance(states, tokens[i:], line, abbreviate)
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
                for term, _ in _expanded((c.root,)))]
        return self._first_word[key]


def _advance(states: list[_State], tokens: list[Tok], line: str, abbreviate: bool = True) -> list[_State]:
    """The states after one more token, tokens[0]. Keywords come before placeholders, as in IOS: a
    token that abbreviates a keyword is that keyword even where a WORD could also take it."""
    token = tokens[0]
    carried = [s for s in states if s.swallowed]
    options = [(s, term, rest) for s in states if not s.swallowed
               for term, rest in _expanded(s.stack) if term is not None]
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
            advanced.append(_State(state.command, rest, state.args + ((term.key, tuple(tokens)),),
                                   swallowed=True))
        elif keywords:
            if isinstance(term, Keyword) and term.text in keywords:
                advanced.append(_State(state.command, rest, state.args + ((term.key, True),)))
        elif isinstance(term, IfNumber):
            if _IF_NUMBER.fullmatch(token):
                value = f"{term.type_name}{token}"
                advanced.append(_State(state.command, rest, state.args + ((term.param.key, value),)))
        elif isinstance(term, Param) and term.kind == "LINE":
            value = line[token.col:].rstrip()
            advanced.append(_State(state.command, rest, state.args + ((term.key, value),), swallowed=True))
        elif isinstance(term, Param):
            value = term.accept(token)
            if value is _TYPE_ONLY:
                pending = IfNumber(term, interface_type(token))
                advanced.append(_State(state.command, (pending,) + rest, state.args))
            elif value is not None:
                advanced.append(_State(state.command, rest, state.args + ((term.key, value),)))
    if not advanced and not carried:
        raise InvalidInput(line, token.col)
    return carried + advanced


def _next_terminals(states: list[_State]) -> list:
    return [term for s in states if not s.swallowed for term, _ in _expanded(s.stack) if term is not None]


def _help_order(row: tuple[str, str]) -> tuple:
    # IOS lists placeholders (`<1-199>`, `A.B.C.D`, `WORD`, capitalised interface types) before the
    # lowercase keywords, which ASCII order gives; then `|`, then `<cr>` last.
    return (row[0] == "<cr>", row[0] == "|", row[0])


def _next_help(states: list[_State], keyword_help: dict[str, str], *, modifiers: bool) -> list[tuple[str, str]]:
    rows: dict[str, str] = {}
    for term in _next_terminals(states):
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
    if any(_can_end(s) for s in states):
        if modifiers:
            rows["|"] = "Output modifiers"
        rows["<cr>"] = "<cr>"
    return sorted(rows.items(), key=_help_order)


def _candidates(states: list[_State], partial: str) -> dict[str, bool]:
    """What may stand where `partial` is typed: each word, True if it is literal text (a keyword, an
    interface type) that completion can type in, False for a placeholder's label (`WORD`, `<1-4095>`)."""
    words: dict[str, bool] = {}
    for term in _next_terminals(states):
        if isinstance(term, Keyword):
            if term.text.startswith(partial.lower()):
                words[term.text] = True
        elif isinstance(term, IfNumber):
            if not partial or _IF_NUMBER.match(partial):
                words[IF_NUMBER_LABEL] = False
        elif term.kind == "IFNAME":
            full = normalise_interface(partial) or ""
            for kind in INTERFACE_TYPES:
                if kind.lower().startswith(partial.lower()) or full.startswith(kind):
                    words[kind] = True
        elif term.could_start(partial):
            words[term.label] = False
    return words


def _partial_help(states: list[_State], partial: str) -> list[tuple[str, str]]:
    words = _candidates(states, partial)
    if not words:
        raise UnrecognizedCommand()
    return sorted(((word, "") for word in words), key=_help_order)


# -- output modifiers ---------------------------------------------------------------------------------

def _split_pipe(line: str) -> tuple[list[Tok], list[Tok] | None]:
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


_FILTERS = {
    "include": lambda p, lines: [t for t in lines if p.search(t)],
    "exclude": lambda p, lines: [t for t in lines if not p.search(t)],
    "begin": lambda p, lines: next((lines[i:] for i, t in enumerate(lines) if p.search(t)), []),
    "section": _section,
    "count": lambda p, lines: [f"Number of lines which match regexp = {sum(1 for t in lines if p.search(t))}"],
}


_MODIFIER_HELP = {"begin": "Begin with the line that matches",
                  "count": "Count number of lines which match regexp",
                  "exclude": "Exclude lines that match",
                  "include": "Include lines that match",
                  "section": "Filter a section of output"}
_MODIFIERS: CommandSet | None = None


def _modifiers() -> CommandSet:
    global _MODIFIERS
    if _MODIFIERS is None:
        _MODIFIERS = CommandSet(modifiers=False)
        for name, text in _MODIFIER_HELP.items():
            # The handler slot holds the filter, (pattern, lines) -> lines; only execute() calls it.
            _MODIFIERS.add(f"{name} LINE:regex", _FILTERS[name], {name: text, "regex LINE": "Regular Expression"})
    return _MODIFIERS


def _regex(text: str) -> re.Pattern:
    try:
        return re.compile(text)
    except re.error as exc:
        raise ExecError(f"Invalid regular expression {text!r}: {exc}") from None


def _shifted(line: str, offset: int, parse):
    """parse(line[offset:]), its errors told against the whole line: the caret of a bad modifier
    sits under it in the line as typed."""
    try:
        return parse(line[offset:])
    except InvalidInput as exc:
        raise InvalidInput(line, offset + exc.column) from None
    except AmbiguousCommand:
        raise AmbiguousCommand(line.strip()) from None
