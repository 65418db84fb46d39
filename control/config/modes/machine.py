"""The mode machine: a line is offered to the current mode's command table, then to its parents', as
IOS falls back when a command is not one of the mode's own.

In a file, indentation (one space per level, as IOS writes it) closes modes, so lines of blocks the
device keeps but does not model (`interface GigabitEthernet1` and its lines, `crypto ikev2 keyring`
...) are recognised by where they are; an unindented file still works through the fallback and
`exit`. A file's top-level line is tried as a global command typed in full first: `class X` under
an unindented policy-map is that mode's `class`, not an abbreviated `class-map`.
"""
from __future__ import annotations

from ...errors import ExecError
from ...grammar.engine import CommandSet
from ..syntax import Bad, tokenize
from . import aaa, acl, interfaces, ipv6_acl, mqc, radius, top
from .context import Context, Line, Mode, mode_table
from .kinds import ModeKind

HEADER_PREFIXES = ("Building configuration", "Current configuration")


def _global_table() -> CommandSet:
    table = mode_table()
    for register in (acl.register_global, ipv6_acl.register_global, mqc.register_global, interfaces.register_global,
                     aaa.register_global, radius.register_global, top.register_global):
        register(table)
    return table


TABLES: dict[ModeKind, CommandSet] = {
    ModeKind.GLOBAL: _global_table(),
    ModeKind.ACL_EXTENDED: acl.TABLE,
    ModeKind.ACL_STANDARD: acl.TABLE,
    ModeKind.IPV6_ACL: ipv6_acl.TABLE,
    ModeKind.CLASS_MAP: mqc.CLASS_MAP,
    ModeKind.POLICY_MAP: mqc.POLICY_MAP,
    ModeKind.POLICY_CLASS: mqc.POLICY_CLASS,
    ModeKind.POLICE: mqc.POLICE,
    ModeKind.TEMPLATE: interfaces.TABLE,
    ModeKind.IKEV2_PROFILE: aaa.IKEV2_PROFILE,
    ModeKind.DYNAMIC_AUTHOR: aaa.DYNAMIC_AUTHOR,
    ModeKind.RADIUS_SERVER: radius.RADIUS_SERVER,
    ModeKind.RADIUS_GROUP: radius.RADIUS_GROUP,
    ModeKind.BLOCK: top.BLOCK,
    ModeKind.SKIP: top.SKIP,
}
# What the modes that keep lines do with a line none of their commands takes.
KEEPERS = {
    ModeKind.TEMPLATE: interfaces.keep_line,
    ModeKind.IKEV2_PROFILE: aaa.keep_profile_line,
    ModeKind.RADIUS_SERVER: radius.keep_server_line,
    ModeKind.RADIUS_GROUP: radius.keep_group_line,
    ModeKind.BLOCK: top.keep_block_line,
    ModeKind.SKIP: top.skip_line,
}
_GLOBAL = Mode(ModeKind.GLOBAL)


def table(kind: ModeKind) -> CommandSet:
    return TABLES[kind]


class Machine(Context):
    """The mode machine both APIs drive. `file_mode`: indentation closes modes, forward references
    are allowed (checked after the whole file), and a bad line's indented lines are skipped with it."""

    def feed(self, raw: str, number: int) -> None:
        text = raw.rstrip("\r\n").rstrip()
        body = text.lstrip()
        if not body or body.startswith("!") or body.startswith(HEADER_PREFIXES):
            return
        line = Line(text, number, tokenize(text), len(text) - len(body))
        self.line = line
        if self.file_mode and 0 < line.indent < len(self.stack):
            self.stack = self.stack[:line.indent]
        # Typed in full, these leave one level or all of them wherever the line stands; an
        # abbreviation of them is the innermost mode's own command.
        word = line.tokens[0].lower()
        if word == "end":
            self.stack = []
            return
        if word == "exit":
            self.stack = self.stack[:-1]
            return
        start = self.stack
        try:
            if self._dispatch(line):
                return
            raise Bad(line.tokens[0], f"unknown command '{line.tokens[0]}'")
        except Bad as bad:
            self.stack = start
            if self.file_mode:
                # The bad line's own sub-mode lines go with it, rather than each failing again.
                self.stack = start[:line.indent] + [Mode(ModeKind.SKIP)]
            raise self.error(bad.tok, bad.reason) from None

    def _dispatch(self, line: Line) -> bool:
        stack = self.open_modes = self.stack
        if self.file_mode and line.indent == 0:
            # A top-level line is global, unless global does not know it: then it is an unindented
            # sub-mode line, and IOS would still be in the modes opened before it.
            if self._offer(line, [], verbatim=False, abbreviate=False):
                return True
            return any(stack[depth - 1].kind not in (ModeKind.BLOCK, ModeKind.SKIP) and
                       self._offer(line, stack[:depth], verbatim=False, parents=False)
                       for depth in range(len(stack), 0, -1)) or self._offer(line, [], verbatim=False)
        if self.file_mode:
            return self._offer(line, stack, verbatim=True)
        # configure terminal: a mode's own commands, then its parents' (IOS's fallback); only
        # then is a line kept verbatim, by the innermost mode that keeps lines.
        return self._offer(line, stack, verbatim=False) or any(
            self._offer(line, stack[:depth], verbatim=True, parents=False)
            for depth in range(len(stack), 0, -1))

    def _offer(self, line: Line, stack: list[Mode], verbatim: bool, parents: bool = True,
               abbreviate: bool = True) -> bool:
        """Offer the line to the innermost mode of `stack`, then (with `parents`) to each parent and
        global; the mode that takes it leaves the stack as it sets it."""
        saved = self.stack
        for depth in range(len(stack), -1 if parents else len(stack) - 1, -1):
            mode = stack[depth - 1] if depth else _GLOBAL
            if self._run(mode, list(stack[:depth]), line, abbreviate):
                return True
            if verbatim and depth == len(stack) and mode.kind in KEEPERS:
                self.stack = list(stack[:depth])
                KEEPERS[mode.kind](self, mode, line)
                return True
        self.stack = saved
        return False

    def _run(self, mode: Mode, stack: list[Mode], line: Line, abbreviate: bool) -> bool:
        """Run the first of the mode's commands that the line can be and that takes it."""
        try:
            candidates = TABLES[mode.kind].matches(line.text, abbreviate=abbreviate)
        except ExecError:
            return False
        for command, args in candidates:
            self.stack = list(stack)
            if command.handler(self, mode, line, args) is not False:
                return True
        return False
