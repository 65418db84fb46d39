"""What a configuration command's handler works on: the mode stack, the configuration, the changes
made so far and the references to check later; and the shape of a mode's command table.

A handler is `fn(ctx, mode, line, args)`. It runs with its own mode already on top of `ctx.stack` (a
command that stays in the mode does nothing about the stack; one that opens a sub-mode pushes it),
reads what the grammar engine left in `args`, and refuses a line by raising Bad at the offending
token. Returning False declines the line instead: the machine offers it to the next command that
matches, then to the parent modes, as IOS falls back.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from ...errors import ConfigError
from ...grammar.engine import CommandSet, ParamType
from ...grammar.tokens import Tok
from .. import model as M
from ..syntax import Bad, Cursor
from .kinds import ModeKind

# The registrations' catch-all tail: the words a token-level reader of syntax.py takes.
REST = "rest"
# What the terminal says of a line kept but not modeled (the device log's word for the same thing).
NOT_MODELED = "%PARSER-6-NOTMODELED: kept but not modeled: "
# `?` help every mode's table shares.
COMMON_HELP = {"no": "Negate a command or set its defaults", "rest WORD...": "Arguments"}


@dataclass
class Mode:
    """One level of the mode stack: its kind, the object it edits, and (a kept block) its prompt."""
    kind: ModeKind
    obj: object = None
    block_prompt: str | None = None

    @property
    def prompt(self) -> str:
        return self.block_prompt or self.kind.prompt


@dataclass
class Line:
    text: str
    number: int
    tokens: list[Tok]
    indent: int


@dataclass
class Changes:
    """What a run of `configure terminal` lines touched, for the device to re-push: names of ACLs,
    class-maps, policy-maps and ikev2 profiles, template numbers, and the entries each ACL had
    before its first change (to carry ACE counters by sequence number); `aaa`: a RADIUS server,
    server group, method list or `radius-server`/`aaa accounting update` line changed."""
    acls: set[str] = field(default_factory=set)
    class_maps: set[str] = field(default_factory=set)
    policy_maps: set[str] = field(default_factory=set)
    templates: set[int] = field(default_factory=set)
    ikev2_profiles: set[str] = field(default_factory=set)
    dynamic_author: bool = False
    aaa: bool = False
    hostname: bool = False
    old_acl_entries: dict[str, list[M.AclEntry]] = field(default_factory=dict)
    # IPv6 lists apart: IOS lets an IPv4 and an IPv6 list share a name.
    acls6: set[str] = field(default_factory=set)
    old_acl6_entries: dict[str, list[M.AclEntry]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.acls or self.acls6 or self.class_maps or self.policy_maps or self.templates
                    or self.ikev2_profiles or self.dynamic_author or self.aaa or self.hostname)


Handler = Callable[["Context", Mode, Line, dict], "bool | None"]


def digits(tok: Tok) -> Tok | None:
    return tok if tok.isdigit() else None


# A number the handler checks itself, so that a number out of range is refused with the mode's own
# message rather than passed over as not being the command.
SEQUENCE = ParamType("<1-2147483647>", "Sequence Number", digits)


def mode_table() -> CommandSet:
    """An empty command table for one mode, `exit` and `end` in it as in every IOS config mode."""
    table = CommandSet(modifiers=False, types={"SEQ": SEQUENCE})
    table.add("exit", _exit, {"exit": "Exit from the current mode"})
    table.add("end", _end, {"end": "Exit from configure mode"})
    return table


def expected(what: str) -> Handler:
    """A handler for a line that stops where `what` should follow (`no` alone in a sub-mode)."""
    def handler(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
        raise Bad(Tok("", len(line.text)), f"{what} expected")
    return handler


def _exit(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    if mode.kind is ModeKind.GLOBAL:
        ctx.ended = True
    else:
        ctx.stack.pop()


def _end(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    ctx.stack.clear()
    ctx.ended = True


class Context:
    """The state a run of configuration lines edits. `file_mode`: a file, where references may point
    forward (checked after the whole file) and objects are appended in the order the file has them."""

    def __init__(self, config: M.RunningConfig, filename: str, file_mode: bool):
        self.config = config
        self.filename = filename
        self.file_mode = file_mode
        self.stack: list[Mode] = []
        self.changes = Changes()
        # Where each reference was made, for errors found after the whole file: key -> (line, tok).
        self.refs: dict[tuple, tuple[Line, Tok]] = {}
        self.line: Line | None = None
        self.open_modes: list[Mode] = []     # the stack when the current line arrived
        self.ended = False                   # `end`, or `exit` from global, was typed
        self.banner: tuple[M.Unmodeled, str] | None = None   # an open banner and its delimiter
        self.notes: list[str] = []           # lines kept but not modeled, for the terminal to say so

    def note_unmodeled(self, line: Line, where: str = "") -> None:
        self.notes.append(NOT_MODELED + (where + ": " if where else "") + line.text.strip())

    def error(self, tok: Tok | None, reason: str, line: Line | None = None) -> ConfigError:
        """The error at `tok` of `line` (the current line); None: where the line's text starts."""
        line = line or self.line
        col = tok.col if tok is not None else line.indent
        return ConfigError(reason, filename=self.filename, line=line.number, column=col,
                           text=line.text.replace("\t", " "))

    @staticmethod
    def rest(line: Line, args: dict) -> Cursor:
        """A cursor over the words the registration's tail took; a missing word is at the line's end."""
        return Cursor(list(args.get(REST, ())), 0, len(line.text))

    @classmethod
    def word(cls, line: Line, args: dict, what: str) -> Tok:
        """The one word the registration's tail took (a name, a number); a missing or extra word
        is refused with its caret."""
        cur = cls.rest(line, args)
        word = cur.take(what)
        cur.finish()
        return word

    def push(self, kind: ModeKind, obj: object, block_prompt: str | None = None) -> None:
        self.stack.append(Mode(kind, obj, block_prompt))

    def add(self, adder, obj):
        return adder(obj, append=self.file_mode)

    def ref(self, key: tuple, tok: Tok) -> None:
        self.refs[key] = (self.line, tok)

    def touch(self, kind: str, name) -> None:
        getattr(self.changes, kind).add(name)

    def touch_acl(self, name: str) -> None:
        self.changes.acls.add(name)
        acl = self.config.access_lists.get(name)
        if name not in self.changes.old_acl_entries:
            self.changes.old_acl_entries[name] = copy.deepcopy(acl.entries) if acl else []

    def touch_acl6(self, name: str) -> None:
        self.changes.acls6.add(name)
        acl = self.config.ipv6_access_lists.get(name)
        if name not in self.changes.old_acl6_entries:
            self.changes.old_acl6_entries[name] = copy.deepcopy(acl.entries) if acl else []

    def need_class_map(self, name: Tok, where: str) -> None:
        if not self.file_mode and name not in self.config.class_maps:
            raise Bad(name, f"undefined class-map '{name}' in {where}")

    def need_policy_map(self, name: Tok) -> None:
        if not self.file_mode and name not in self.config.policy_maps:
            raise Bad(name, f"undefined policy-map '{name}'")

    def keep_other_line(self, lines: list[str], line: Line) -> None:
        """Keep a verbatim line of a modeled object, one level of a file's indentation off; in
        `configure terminal`, `no X` removes the lines that start with X (IOS's usual meaning) when
        there are any."""
        text = line.text[1:] if self.file_mode and line.indent else line.text.strip()
        if not self.file_mode and line.tokens[0].lower() == "no":
            rest = text.strip()[2:].strip()
            kept = [x for x in lines if not x.strip().startswith(rest)]
            if len(kept) < len(lines):
                lines[:] = kept
                return
        self.note_unmodeled(line)
        if self.file_mode or text not in lines:
            lines.append(text)
