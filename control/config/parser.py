"""The IOS configuration parser: a config file (`parse_config`) or `configure terminal` line by line
(`ConfigSession`), both through one mode machine (modes/machine.py).

References that IOS allows before their target exists in a file (a class-map used by a policy-map,
a child policy, a template's policy) are checked when the whole file has been read, and reported at
the referencing line. In `configure terminal` they must exist when typed, as on IOS.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ConfigError, ControlError
from . import model as M
from .modes.context import Changes
from .modes.kinds import ModeKind
from .modes.machine import Machine, table
from .modes.references import resolve
from .rollback import Checkpoint

# Ctrl-Z, which IOS reads as `end` in every configuration mode.
CTRL_Z = "\x1a"

__all__ = ["Changes", "ConfigErrors", "ConfigSession", "ParseResult", "parse_config"]


class ConfigErrors(ControlError):
    """All the errors of a config that may not be loaded; str() is each of them in turn."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


@dataclass
class ParseResult:
    """A parsed config: its model, every error (lines skipped in lenient mode), the commands kept
    but not modeled (each once), and warnings (what IOS accepts named but not defined: ACLs,
    templates, RADIUS servers, server groups and method lists)."""
    config: M.RunningConfig
    errors: list[ConfigError] = field(default_factory=list)
    unmodeled: list[str] = field(default_factory=list)
    warnings: list[ConfigError] = field(default_factory=list)


def parse_config(text: str, filename: str = "<config>", *, lenient: bool = False) -> ParseResult:
    """Parse a whole configuration. Every error is collected; unless `lenient`, any error raises
    ConfigErrors with all of them. In lenient mode the bad lines are left out and listed in
    `.errors` (the caller should print them loudly)."""
    machine = Machine(M.RunningConfig(), filename, file_mode=True)
    errors: list[ConfigError] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if machine.banner is not None:
            block, delim = machine.banner
            new = M.Unmodeled(block.lines + (raw.rstrip("\r\n"),))
            machine.config.replace_unmodeled(block, new)
            machine.banner = None if delim in raw else (new, delim)
            continue
        try:
            machine.feed(raw, number)
        except ConfigError as e:
            errors.append(e)
    resolve_errors, warnings = resolve(machine)
    errors = sorted(errors + resolve_errors, key=lambda e: e.line)
    if errors and not lenient:
        raise ConfigErrors(errors)
    return ParseResult(machine.config, errors, machine.config.unmodeled_commands(), warnings)


class ConfigSession:
    """`configure terminal` on a running configuration: feed it lines one at a time.

    A line that fails raises ConfigError and leaves the configuration as it was before the line.
    `changes` accumulates what was touched; `take_changes()` hands it over and starts afresh."""

    def __init__(self, config: M.RunningConfig, filename: str = "<terminal>"):
        self.config = config
        self._machine = Machine(config, filename, file_mode=False)
        self._lines = 0

    @property
    def kind(self) -> ModeKind:
        stack = self._machine.stack
        return stack[-1].kind if stack else ModeKind.GLOBAL

    @property
    def mode(self) -> str:
        """IOS's name of the current mode: "config", "config-ext-nacl", "config-pmap-c" ..."""
        stack = self._machine.stack
        return stack[-1].prompt if stack else ModeKind.GLOBAL.prompt

    @property
    def prompt_suffix(self) -> str:
        return f"({self.mode})"

    @property
    def ended(self) -> bool:
        return self._machine.ended

    @property
    def changes(self) -> Changes:
        return self._machine.changes

    def take_changes(self) -> Changes:
        changes, self._machine.changes = self._machine.changes, Changes()
        return changes

    def help(self, line: str) -> list[tuple[str, str]]:
        """What `?` prints after `line` in the current mode: its own commands, as IOS lists them."""
        return table(self.kind).help(line)

    def complete(self, line: str) -> list[str]:
        return table(self.kind).complete(line)

    @property
    def notes(self) -> list[str]:
        """What the last line kept without modeling it, one %PARSER-6-NOTMODELED line each."""
        return list(self._machine.notes)

    def feed(self, line: str) -> None:
        self._lines += 1
        m = self._machine
        m.notes = []
        if line.strip() == CTRL_Z:
            line = "end"
        if line.strip().lower() == "end":
            m.stack = []
            m.ended = True
            return
        if line.strip().lower() == "exit" and not m.stack:
            m.ended = True
            return
        # What the line can touch, copied before it runs (rollback.py), so that a refused line
        # leaves no half-applied change; the config object the device holds stays the same.
        checkpoint = Checkpoint(self.config, m.stack, m.changes,
                                {"refs": m.refs, "banner": m.banner, "ended": m.ended})
        try:
            m.feed(line.strip(), self._lines)
        except BaseException:
            checkpoint.restore()
            m.stack, m.changes = checkpoint.stack, checkpoint.changes
            m.refs, m.banner, m.ended = (checkpoint.extra[k] for k in ("refs", "banner", "ended"))
            m.notes = []
            raise
        checkpoint.commit()
