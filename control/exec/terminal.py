"""A terminal: one user's session on the device's CLI, in exec mode or in `configure terminal`.

Each console and each control-socket connection has its own terminal, so one user's configuration
mode is not another's; the device (and its configuration) they edit is shared.
"""
from __future__ import annotations

from collections.abc import Awaitable

from ..config import ConfigSession
from ..core.device import Device
from ..errors import ConfigError, ExecError
from ..grammar.engine import CommandSet, InvalidInput

CONFIG_BANNER = "Enter configuration commands, one per line.  End with CNTL/Z.\n"


class ConfigLineRefused(InvalidInput):
    """A configuration line the parser refused: IOS's caret, with the parser's reason."""

    def __init__(self, line: str, error: ConfigError):
        super().__init__(line, error.column)
        self.args = (f"{error.reason} (at '^' marker)",)


class Terminal:
    def __init__(self, device: Device, commands: CommandSet):
        self.device = device
        self.commands = commands
        self.config_session: ConfigSession | None = None

    def prompt(self) -> str:
        suffix = "" if self.config_session is None else self.config_session.prompt_suffix
        return f"{self.device.hostname}{suffix}#"

    def execute(self, line: str) -> str | Awaitable[str]:
        """The line's output; an awaitable of it when the command's work goes on elsewhere (a
        served device's `sim traffic`: CommandSet.execute)."""
        if self.config_session is not None:
            return self._configure(line)
        command, _ = self._resolve_quietly(line)
        if command is not None and command.syntax == "configure terminal":
            self.config_session = ConfigSession(self.device.config)
            return CONFIG_BANNER
        return self.commands.execute(line)

    def complete(self, line: str) -> list[str]:
        if self.config_session is not None:
            if line.startswith("do "):
                return self.commands.complete(line[3:])
            return self.config_session.complete(line)
        return self.commands.complete(line)

    def help(self, line: str) -> list[tuple[str, str]]:
        """`?`: in a config mode, that mode's own commands (`do` reaches the exec ones)."""
        if self.config_session is not None:
            if line.startswith("do "):
                return self.commands.help(line[3:])
            return self.config_session.help(line)
        return self.commands.help(line)

    def show_data(self, line: str):
        """The structured twin of a show command's output (what tests and scripts compare)."""
        command, args = self.commands.resolve(line)
        if command.data is None:
            raise ExecError(f"'{command.syntax}' has no structured form")
        return command.data(args)

    def _resolve_quietly(self, line: str):
        try:
            return self.commands.resolve(line)
        except ExecError:
            return None, None

    def _configure(self, line: str) -> str:
        stripped = line.strip()
        if stripped.lower().startswith("do "):
            return self.commands.execute(stripped[3:])
        session = self.config_session
        try:
            session.feed(line)
        except ConfigError as error:
            raise ConfigLineRefused(line, error) from None
        finally:
            changes = session.take_changes()
            if changes:
                self.device.apply_changes(changes)
        if session.ended:
            self.config_session = None
        return "".join(note + "\n" for note in session.notes)
