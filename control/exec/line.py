"""The commands that act on the user's own line rather than on the device: `terminal length`,
`terminal width`, `enable`, `disable`, `exit` and `logout`. They are registered in the shared
command set for their syntax, help and completion; the terminal runs them against itself
(Terminal.execute), since their state — privilege, page length, width — is one user's.

Privilege follows IOS's two levels that matter here: 1 (user EXEC, prompt `>`) and 15
(privileged EXEC, prompt `#`). Levels between are accepted and treated as 15's commands, since no
`privilege exec level` lines are modeled.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol

from ..aaa import login
from ..core.device import Device
from ..errors import ExecError
from ..grammar.engine import CommandSet
from ..show._format import format_uptime

DEFAULT_LENGTH = 24   # IOS's vty default; `terminal length 0` pages no more
DEFAULT_WIDTH = 80
HISTORY_SIZE = 20     # the lines a vty recalls (vty.py keeps as many)
ENABLE_TRIES = 3      # IOS asks three times, then says `% Bad secrets`
PASSWORD_PROMPT = "Password: "

# Top-level words a privilege-1 user does not have: IOS leaves them out of `?` and refuses them
# with its caret, as if they did not exist. `show running-config` is privileged too.
PRIVILEGED_WORDS = ("configure", "clear", "sim", "debug", "undebug")
PRIVILEGED_SHOW = ("running-config",)


@dataclass
class LineSettings:
    """One user's line. `width` is the screen's, which IOS uses to count the rows a long output
    line takes when it pages (control/exec/vty.py); 0 counts every line as one row."""
    length: int = DEFAULT_LENGTH
    width: int = DEFAULT_WIDTH
    number: int = 0                # IOS's absolute line number: 0 the console, 2 on the first vty
    type: str = ""                 # the terminal type an SSH client asked for, as IOS prints it
    opened_at: float | None = None  # wall time of the session's start
    user: str = ""                 # who logged in on it (a vty's user; the console has none)
    location: str = ""             # where from (a vty's client address)
    last_input: float | None = None  # wall time of its last command, for `show users`' Idle


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
    lines: Collection[Terminal]   # the device's lines in use: its console, its vty sessions


def _terminal_length(terminal: Terminal, args: dict) -> str:
    terminal.line.length = args["length"]
    return ""


def _terminal_width(terminal: Terminal, args: dict) -> str:
    terminal.line.width = args["width"]
    return ""


def _show_terminal(terminal: Terminal, args: dict) -> str:
    """IOS XE's `show terminal` for a vty (tests/golden/ios-xe/show-terminal.vty.txt): the lines
    that say something about this line, and IOS's fixed text for what the model has no notion of
    (modems, special characters, dispatch)."""
    line = terminal.line
    now = terminal.device.wall_clock()
    since = int(now - line.opened_at) if line.opened_at is not None else 0
    remote = terminal.remote
    config = terminal.device.config
    idle = login.vty_exec_timeout(config) if remote else None   # the console's never ends here
    if idle is None:
        timeouts = "                never         never                        none     not set"
    else:
        timeouts = f"               {format_uptime(int(idle))}        never                        none     not set"
    transports = " ".join(sorted(login.vty_transports(config))) or "none"
    return "\n".join([
        f'Line {line.number}, Location: "", Type: "{line.type}"',
        f"Length: {line.length} lines, Width: {line.width} columns",
        "Baud rate (TX/RX) is 9600/9600" + ("" if remote else ", no parity, 1 stopbits, 8 databits"),
        "Status: PSI Enabled, Ready, Active, " + ("No Exit Banner, " if remote else "") + "Automore On",
        "Capabilities: none",
        "Modem state: Ready",
        "Special Chars: Escape  Hold  Stop  Start  Disconnect  Activation",
        "                ^^x    none   -     -       none         ",
        "Timeouts:      Idle EXEC    Idle Session   Modem Answer  Session   Dispatch",
        timeouts,
        "                            Idle Session Disconnect Warning",
        "                              never ",
        "                            Login-sequence User Response",
        "                             00:00:30",
        "                            Autoselect Initial Wait",
        "                              not set ",
        "Modem type is unknown.",
        "Session limit is not set.",
        f"Time since activation: {format_uptime(since)}",
        "Editing is enabled.",
        f"History is enabled, history size is {HISTORY_SIZE}.",
        "DNS resolution in show commands is enabled",
        "Full user help is disabled",
        f"Allowed input transports are {transports if remote else 'none'}.",
        "Allowed output transports are telnet ssh.",
        "Preferred transport is telnet.",
        "Shell: disabled",
        "Shell trace: off",
        "No output characters are padded",
        "No special data dispatching characters",
    ]) + "\n"


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


VTY_LINE_BASE = 2       # an ASR 1000's absolute number of vty 0 (after con 0 and aux 0)
USERS_HEADER = "    Line       User       Host(s)              Idle       Location"
USERS_INTERFACES = "  Interface    User               Mode         Idle     Peer Address"


def _idle(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _show_users(terminal: Terminal, args: dict) -> str:
    """IOS's `show users` (tests/golden/ios-xe/show-users.txt): the lines in use, the asker's
    marked `*`, each idle since its last command; no interface (PPP, async) users."""
    now = terminal.device.wall_clock()
    rows = [USERS_HEADER]
    for t in sorted((t for t in terminal.lines if not t.closed or t is terminal), key=lambda t: t.line.number):
        line = t.line
        name = f"vty {line.number - VTY_LINE_BASE}" if t.remote else "con 0"
        last = line.last_input if line.last_input is not None else line.opened_at
        idle = _idle(now - last) if last is not None else "00:00:00"
        mark = "*" if t is terminal else " "
        rows.append(f"{mark}{line.number:>3} {name:<10}{line.user:<11}{'idle':<21}{idle} {line.location}".rstrip())
    return "\n".join(rows) + f"\n\n{USERS_INTERFACES}\n\n"


def _show_privilege(terminal: Terminal, args: dict) -> str:
    return f"Current privilege level is {terminal.privilege}\n"


def _leave(terminal: Terminal, args: dict) -> str:
    terminal.closed = True
    return ""


TerminalHandler = Callable[[Terminal, dict], str]
HANDLERS: dict[str, TerminalHandler] = {
    "terminal length <0-512>:length": _terminal_length,
    "terminal width <0-512>:width": _terminal_width,
    "show terminal": _show_terminal,
    "show privilege": _show_privilege,
    "show users": _show_users,
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
# a keyword's help is its registration's: `show terminal`'s `terminal` is not `terminal length`'s
SHOW_HELP = {"terminal": "Display terminal configuration parameters", "privilege": "Show current privilege level",
             "users": "Display information about terminal lines"}


def _needs_terminal(args: dict) -> str:
    raise ExecError("This command acts on a terminal's line; run it at one")


def register(commands: CommandSet) -> None:
    for syntax in HANDLERS:
        commands.add(syntax, _needs_terminal, SHOW_HELP if syntax.startswith("show ") else HELP)


def privileged(words: list[str]) -> int | None:
    """The index of the word a privilege-1 user may not type in `words` (a line's first words,
    already expanded to full keywords), or None."""
    if words and words[0] in PRIVILEGED_WORDS:
        return 0
    if len(words) > 1 and words[0] == "show" and words[1] in PRIVILEGED_SHOW:
        return 1
    return None
