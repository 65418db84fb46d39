"""A registration's syntax string (see engine.py) parsed into a tree of Seq, Alt, Opts, Keyword and
Param nodes, which the walk follows token by token."""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from .interfaces import interface_type, normalise_interface
from .tokens import Tok

Handler = Callable[[dict], str]

PLACEHOLDER_HELP = {"A.B.C.D": "IP address", "WORD": "Name", "LINE": "Text", "INT": "Number"}


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
        """The token's value, TYPE_ONLY for a bare interface type (`vi` of `vi 1`), or None."""
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
                return TYPE_ONLY
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


TYPE_ONLY = object()


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


class SyntaxParser:
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
