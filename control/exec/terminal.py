"""A terminal: one user's session on the device's CLI, in exec mode or in `configure terminal`.

Each console, control-socket connection and SSH session has its own terminal, so one user's
configuration mode, privilege and page length are not another's; the device (and its
configuration) they edit is shared. The console and the control socket are privileged (15) from
the start, as the device's own user's; an SSH session starts at its user's `privilege`.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from ..config import ConfigSession
from ..core.device import Device
from ..errors import ConfigError, ControlError, ExecError
from ..grammar.engine import CommandSet, InvalidInput
from ..grammar.tokens import tokenize
from . import banners
from . import line as line_commands

CONFIG_BANNER = "Enter configuration commands, one per line.  End with CNTL/Z.\n"
CLEAR_COUNTERS = "clear counters [IFNAME:interface]"
CLEAR_LOGGING = "clear logging"
CONFIRM_WORDS = ("", "y", "yes")   # Return (or y) confirms; anything else leaves things as they are


@dataclass
class Confirmation:
    """A command waiting for IOS's `[confirm]`: the prompt, and what confirming does."""
    prompt: str
    action: Callable[[], str]


class ConfigLineRefused(InvalidInput):
    """A configuration line the parser refused: IOS's caret, with the parser's reason."""

    def __init__(self, line: str, error: ConfigError):
        super().__init__(line, error.column)
        self.args = (f"{error.reason} (at '^' marker)",)


class Terminal:
    def __init__(self, device: Device, commands: CommandSet, *, privilege: int = 15, remote: bool = False,
                 lines: Collection[Terminal] = ()):
        self.device = device
        self.lines = lines     # the device's lines in use (Headend.lines), for `show users`
        self.commands = commands
        self.config_session: ConfigSession | None = None
        self.privilege = privilege
        self.remote = remote   # a vty (SSH): `enable` there needs an enable secret, as on IOS
        self.line = line_commands.LineSettings()
        self.enable_attempt: line_commands.EnableAttempt | None = None   # `Password: ` is next
        self.closed = False    # `exit` or `logout` from exec mode: the session ends
        self.banner_entry: banners.BannerEntry | None = None   # a banner's text lines are next
        self.confirmation: Confirmation | None = None   # the next line answers `[confirm]`
        # Whether commands IOS confirms (`clear counters`, `clear logging`) ask first: on a vty, as on IOS, and at
        # an attended console (Headend.attend_console). The console and the control socket also
        # serve scripts (qfp regress `exec`, Headend.execute) that send one line per command,
        # whose next command must not be taken as the answer.
        self.asks_to_confirm = remote
        self.who = "console"   # as IOS names the user in its log: an SSH session says who and where

    def prompt(self) -> str:
        if self.enable_attempt is not None:
            return line_commands.PASSWORD_PROMPT
        if self.banner_entry is not None:
            return ""   # IOS prompts for none of a banner's lines
        if self.confirmation is not None:
            return self.confirmation.prompt
        suffix = "" if self.config_session is None else self.config_session.prompt_suffix
        return f"{self.device.hostname}{suffix}{'#' if self.privilege > 1 else '>'}"

    @property
    def wants_secret(self) -> bool:
        """Whether the next line is a password, not to be echoed or kept in history."""
        return self.enable_attempt is not None

    @property
    def takes_blank_lines(self) -> bool:
        """Whether an empty line means something: a password, or a line of a banner's text."""
        return self.enable_attempt is not None or self.banner_entry is not None or self.confirmation is not None

    def execute(self, line: str) -> str | Awaitable[str]:
        """The line's output; an awaitable of it when the command's work goes on elsewhere (a
        served device's `sim traffic`: CommandSet.execute)."""
        self.line.last_input = self.device.wall_clock()
        if self.enable_attempt is not None:
            return line_commands.enable_password(self, line)
        if self.confirmation is not None:
            confirmation, self.confirmation = self.confirmation, None
            return confirmation.action() if line.strip().lower() in CONFIRM_WORDS else ""
        if self.config_session is not None:
            return self._configure(line)
        return self._exec(line)

    def _exec(self, line: str) -> str | Awaitable[str]:
        command, args = self._resolve_quietly(line)
        if command is not None:
            self._check_privilege(line, command.syntax)
            if command.syntax == "configure terminal":
                self.config_session = ConfigSession(self.device.config)
                return CONFIG_BANNER
            if command.syntax == CLEAR_COUNTERS:
                return self._clear_counters(args.get("interface"))
            if command.syntax == CLEAR_LOGGING and self.asks_to_confirm:
                self.confirmation = Confirmation("Clear logging buffer [confirm]",
                                                 lambda: self.commands.execute(CLEAR_LOGGING))
                return ""
            handler = line_commands.HANDLERS.get(command.syntax)
            if handler is not None:   # the command acts on this terminal; a pipe still filters it
                return self.commands.execute(line, {command.syntax: lambda a: handler(self, a)})
        return self.commands.execute(line)

    def _clear_counters(self, name: str | None) -> str:
        """IOS asks before it clears: `[confirm]` is the next prompt (execute takes the answer)."""
        if name is not None:
            try:
                name = self.device.interface_name(name)
            except ControlError as exc:
                raise ExecError(str(exc)) from None
        if not self.asks_to_confirm:
            return self.device.clear_counters(name, by=self.who)
        if name is None:
            where = "on all interfaces"
        else:
            where = "on this interface"
        self.confirmation = Confirmation(
            f'Clear "show interface" counters {where} [confirm]',
            lambda: self.device.clear_counters(name, by=self.who))
        return ""

    def _check_privilege(self, line: str, syntax: str) -> None:
        """A privilege-1 user's refusal of a privileged command: IOS's caret under the word that
        is not theirs, as if it did not exist."""
        if self.privilege > 1:
            return
        at = line_commands.privileged(syntax.split())
        if at is not None:
            tokens = tokenize(line)
            raise InvalidInput(line, tokens[at].col if at < len(tokens) else len(line))

    def complete(self, line: str) -> list[str]:
        if self.config_session is not None:
            if line.startswith("do "):
                return self.commands.complete(line[3:])
            return self.config_session.complete(line)
        return [word for word in self.commands.complete(line) if self._allowed(line, word)]

    def help(self, line: str) -> list[tuple[str, str]]:
        """`?`: in a config mode, that mode's own commands (`do` reaches the exec ones); at
        privilege 1, without the privileged ones."""
        if self.config_session is not None:
            if line.startswith("do "):
                return self.commands.help(line[3:])
            return self.config_session.help(line)
        return [row for row in self.commands.help(line) if self._allowed(line, row[0])]

    def _allowed(self, line: str, word: str) -> bool:
        if self.privilege > 1:
            return True
        done = line.split() if not line or line[-1].isspace() else line.split()[:-1]
        return line_commands.privileged(done + [word.strip()]) is None

    def show_data(self, line: str):
        """The structured twin of a show command's output (what tests and scripts compare)."""
        command, args = self.commands.resolve(line)
        if command.data is None:
            raise ExecError(f"'{command.syntax}' has no structured form")
        return command.data(args)

    def _resolve_quietly(self, line: str):
        """The command of a line, its output modifier aside (a pipe changes neither who may run
        it nor whose line it acts on); None where it does not parse (execute says why)."""
        try:
            return self.commands.resolve(line, modifier=True)
        except ExecError:
            return None, None

    def _configure(self, line: str) -> str:
        if self.banner_entry is not None:
            return self._banner_line(line)
        stripped = line.strip()
        if stripped.lower().startswith("do "):
            return self._exec(stripped[3:])
        header = banners.split_header(stripped)
        if header is not None:
            return self._banner(line, *header)
        if banners.remove(self.device.config, stripped):
            return ""
        notes = self._configure_parsed(line)
        if self.config_session.ended:
            self.config_session = None
        return notes

    def _banner(self, line: str, kind: str, delimiter: str, rest: str) -> str:
        """A `banner` line: the parser takes it as any global command (leaving a sub-mode; a
        banner no vty shows is noted as not modeled), then the banner is the terminal's to take to
        its delimiter (banners.py)."""
        before = {id(b) for b in self.device.config.unmodeled_blocks()}
        notes = self._configure_parsed(line)
        block = next((b for b in self.device.config.unmodeled_blocks() if id(b) not in before), None)
        self.banner_entry = banners.BannerEntry(kind, delimiter, block)
        if delimiter in rest:   # all on one line
            return notes + self._banner_line(rest)
        self.banner_entry.text.append(rest)
        return notes + banners.prompt_for_text(delimiter)

    def _banner_line(self, line: str) -> str:
        """A line of a banner's text; the one holding the delimiter ends it (IOS ignores what
        follows the delimiter on that line)."""
        entry = self.banner_entry
        end = line.find(entry.delimiter)
        entry.text.append(line if end < 0 else line[:end])
        if end < 0:
            return ""
        banners.store(self.device.config, entry)
        self.banner_entry = None
        return ""

    def _configure_parsed(self, line: str) -> str:
        session = self.config_session
        try:
            session.feed(line)
        except ConfigError as error:
            raise ConfigLineRefused(line, error) from None
        finally:
            changes = session.take_changes()
            if changes:
                self.device.apply_changes(changes)
        return "".join(note + "\n" for note in session.notes)
