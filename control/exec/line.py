"""The commands that act on the user's own line rather than on the device: `terminal length`,
`terminal width`, `enable`, `disable`, `exit` and `logout`. They are registered in the shared
command set for their syntax, help and completion; the terminal runs them against itself
(Terminal.execute), since their state — privilege, page length, width — is one user's.

Privilege follows IOS's two levels that matter here: 1 (user EXEC, prompt `>`) and 15
(privileged EXEC, prompt `#`). Levels between are accepted and treated as 15's commands, since no
`privilege exec level` lines are modeled.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..aaa import login
from ..core.device import Device
from ..errors import ExecError
from ..grammar.engine import CommandSet

DEFAULT_LENGTH = 24   # IOS's vty default; `terminal length 0` pages no more
DEFAULT_WIDTH = 80
ENABLE_TRIES = 3      # IOS asks three times, then says `% Bad secrets`
PASSWORD_PROMPT = "Password: "

# Top-level words a privilege-1 user does not have: IOS leaves them out of `?` and refuses them
# with its caret, as if they did not exist. `show running-config` is privileged too.
PRIVILEGED_WORDS = ("configure", "clear", "sim", "debug", "undebug")
PRIVILEGED_SHOW = ("running-config",)


@dataclass
class LineSettings:
    length: int = DEFAULT_LENGTH
    width: int = DEFAULT_WIDTH


@dataclass
class EnableAttempt:
    level: int
    secret: login.Secret
    tries: int = 0


class Terminal(Protocol):
    """What these commands change: a terminal (terminal.py, which imports this module)."""
    device: Device
    privilege: int
    remote: bool
    line: LineSettings
    enable_attempt: EnableAttempt | None
    closed: bool


def _terminal_length(terminal: Terminal, args: dict) -> str:
    terminal.line.length = args["length"]
    return ""


def _terminal_width(terminal: Terminal, args: dict) -> str:
    terminal.line.width = args["width"]
    return ""


def _enable(terminal: Terminal, args: dict) -> str:
    level = args.get("level", 15)
    if level <= terminal.privilege:
        terminal.privilege = level
        return ""
    secret = login.enable_secret(terminal.device.config)
    if secret is None:
        if terminal.remote:   # a vty without an enable secret: IOS refuses rather than opens
            raise ExecError("No password set")
        terminal.privilege = level
        return ""
    terminal.enable_attempt = EnableAttempt(level, secret)
    return ""


def enable_password(terminal: Terminal, typed: str) -> str:
    """The line typed at `Password: ` after `enable`."""
    attempt = terminal.enable_attempt
    if attempt.secret.matches(typed, terminal.device.log):
        terminal.enable_attempt = None
        terminal.privilege = attempt.level
        return ""
    attempt.tries += 1
    if attempt.tries >= ENABLE_TRIES:
        terminal.enable_attempt = None
        raise ExecError("Bad secrets")
    return ""


def _disable(terminal: Terminal, args: dict) -> str:
    level = args.get("level", 1)
    if level > terminal.privilege:
        raise ExecError(f"New privilege level must be less than current privilege level ({terminal.privilege})")
    terminal.privilege = level
    return ""


def _leave(terminal: Terminal, args: dict) -> str:
    terminal.closed = True
    return ""


TerminalHandler = Callable[[Terminal, dict], str]
HANDLERS: dict[str, TerminalHandler] = {
    "terminal length <0-512>:length": _terminal_length,
    "terminal width <0-512>:width": _terminal_width,
    "enable [<0-15>:level]": _enable,
    "disable [<0-15>:level]": _disable,
    "exit": _leave,
    "logout": _leave,
}
HELP = {
    "terminal": "Set terminal line parameters",
    "length": "Set number of lines on a screen", "length <0-512>": "Number of lines on screen (0 for no pausing)",
    "width": "Set width of the display terminal", "width <0-512>": "Number of characters on a screen line",
    "enable": "Turn on privileged commands", "level <0-15>": "Enable level",
    "disable": "Turn off privileged commands",
    "exit": "Exit from the EXEC", "logout": "Exit from the EXEC",
}


def _needs_terminal(args: dict) -> str:
    raise ExecError("This command acts on a terminal's line; run it at one")


def register(commands: CommandSet) -> None:
    for syntax in HANDLERS:
        commands.add(syntax, _needs_terminal, HELP)


def privileged(words: list[str]) -> int | None:
    """The index of the word a privilege-1 user may not type in `words` (a line's first words,
    already expanded to full keywords), or None."""
    if words and words[0] in PRIVILEGED_WORDS:
        return 0
    if len(words) > 1 and words[0] == "show" and words[1] in PRIVILEGED_SHOW:
        return 1
    return None
