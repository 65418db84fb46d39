"""A vty: one remote user's exec session over a character stream (an SSH channel,
control/io/ssh.py), with the line editing a router does itself — echo, backspace, Ctrl-U, `?`
help at once, Tab completion, history on the arrows and Ctrl-P/Ctrl-N, Ctrl-Z out of
configuration — and `--More--` paging by the terminal's `terminal length`.

The device echoes, as IOS does, so that automation (Netmiko, scrapli) sees each command come back
before its output; a password after `enable` is not echoed. Lines end in CR, LF or CRLF, whatever
the client sends; output goes out with CRLF. It knows no sockets: a channel is anything with
`async read() -> str` ("" at its end) and `write(str)`.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Callable
from typing import Protocol

from ..errors import ExecError
from ..grammar.engine import format_error, render_help
from .terminal import Terminal

log = logging.getLogger(__name__)

MORE = " --More-- "
ERASE_MORE = "\b" * len(MORE) + " " * len(MORE) + "\b" * len(MORE)
HISTORY_LENGTH = 20   # IOS's `terminal history size` default is 10; a little more does no harm
BACKSPACE, DELETE, ESC = "\b", "\x7f", "\x1b"
CTRL_C, CTRL_N, CTRL_P, CTRL_U, CTRL_Z = "\x03", "\x0e", "\x10", "\x15", "\x1a"


class Channel(Protocol):
    async def read(self) -> str: ...

    def write(self, text: str) -> None: ...


class IdleTimeout(Exception):
    """Nothing typed for the line's exec-timeout."""


class Vty:
    def __init__(self, terminal: Terminal, channel: Channel, *,
                 idle_timeout: Callable[[], float | None] = lambda: None):
        self.terminal = terminal
        self.channel = channel
        self.idle_timeout = idle_timeout   # asked before each wait: the config may change meanwhile
        self.history: list[str] = []
        self._pending = ""          # read but not yet handled
        self._after_cr = False      # a CR just ended a line: an LF or NUL right after it is the same end

    # -- input, a key at a time ---------------------------------------------------------------------

    async def _key(self) -> str:
        while True:
            if not self._pending:
                try:
                    data = await asyncio.wait_for(self.channel.read(), self.idle_timeout())
                except asyncio.TimeoutError:
                    raise IdleTimeout from None
                if not data:
                    raise EOFError
                self._pending = data
            key, self._pending = self._pending[0], self._pending[1:]
            after_cr, self._after_cr = self._after_cr, key == "\r"
            if after_cr and key in "\n\0":
                continue
            return key

    def _write(self, text: str) -> None:
        self.channel.write(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    # -- the session ----------------------------------------------------------------------------------

    async def run(self) -> str:
        """Serve until the user leaves, the channel ends or the exec-timeout passes; which of them."""
        try:
            while not self.terminal.closed:
                line = await self._read_line()
                if line is None:
                    continue
                await self.run_line(line)
            return "logout"
        except IdleTimeout:
            return "timeout"
        except EOFError:
            return "closed"

    async def run_line(self, line: str) -> None:
        """One line, as if typed: its output, or IOS's refusal, paged."""
        prompt = self.terminal.prompt()
        if not line.strip() and not self.terminal.takes_blank_lines:
            return
        try:
            output = self.terminal.execute(line)
            if inspect.isawaitable(output):
                output = await output
        except ExecError as exc:
            output = format_error(exc, prompt) + ("\n\n" if getattr(exc, "blank_after", False) else "\n")
        except Exception as exc:   # one command's bug ends neither the session nor the device
            log.exception("command %r failed", line)
            output = f"% Internal error: {exc}\n"
        if output:
            await self._page(output if output.endswith("\n") else output + "\n")

    async def _page(self, text: str) -> None:
        """`--More--` every `terminal length` - 1 screen rows. IOS inserts no line breaks of its
        own, but it counts the rows a line longer than `terminal width` wraps to on the screen,
        so that a page never scrolls off it; the pause may then come inside a long line, whose
        rest follows the `--More--`. Width 0 counts each line as one row."""
        rows = self._rows(text.split("\n")[:-1])
        length = self.terminal.line.length
        shown = 0
        room = length - 1 if length > 0 else len(rows)
        while shown < len(rows):
            chunk = rows[shown:shown + room]
            self._write("".join(row + ("\n" if ends else "") for row, ends in chunk))
            shown += len(chunk)
            if shown >= len(rows):
                return
            self.channel.write(MORE)
            key = await self._key()
            self.channel.write(ERASE_MORE)
            if key == " ":
                room = length - 1
            elif key in "\r\n":
                room = 1
            else:
                if not chunk[-1][1]:
                    self._write("\n")   # quitting inside a long line: the prompt starts a line of its own
                return

    def _rows(self, lines: list[str]) -> list[tuple[str, bool]]:
        """The screen rows of these lines at the terminal's width: (text, whether a line ends there)."""
        width = self.terminal.line.width
        rows = []
        for line in lines:
            if width <= 0 or len(line) <= width:
                rows.append((line, True))
                continue
            pieces = [line[at:at + width] for at in range(0, len(line), width)]
            rows += [(piece, i == len(pieces) - 1) for i, piece in enumerate(pieces)]
        return rows

    async def _read_line(self) -> str | None:
        """The next line typed after the prompt; None when it was dropped (Ctrl-C, Ctrl-Z)."""
        prompt = self.terminal.prompt()
        secret = self.terminal.wants_secret
        self.channel.write(prompt)
        buffer = ""
        recalled = len(self.history)
        while True:
            key = await self._key()
            if key in "\r\n":
                self._write("\n")
                if not secret and buffer.strip():
                    self.history = (self.history + [buffer])[-HISTORY_LENGTH:]
                return buffer
            if secret:
                buffer = buffer[:-1] if key in (BACKSPACE, DELETE) else buffer + key if key.isprintable() else buffer
                continue
            if key in (BACKSPACE, DELETE):
                if buffer:
                    buffer = buffer[:-1]
                    self.channel.write("\b \b")
            elif key == CTRL_U:
                self.channel.write("\b \b" * len(buffer))
                buffer = ""
            elif key == CTRL_C:
                self._write("\n")
                return None
            elif key == CTRL_Z:
                self._write("^Z\n")
                if self.terminal.config_session is not None:
                    await self.run_line("end")
                return None
            elif key in "?\t" and self.terminal.takes_blank_lines:
                buffer += key   # a banner's text: `?` and Tab are characters of it
                self.channel.write(key)
            elif key == "?":
                buffer = self._help(prompt, buffer)
            elif key == "\t":
                buffer = self._complete(buffer)
            elif key in (ESC, CTRL_P, CTRL_N):
                step = await self._arrow() if key == ESC else (-1 if key == CTRL_P else 1)
                if step and 0 <= recalled + step <= len(self.history):
                    recalled += step
                    new = self.history[recalled] if recalled < len(self.history) else ""
                    self.channel.write("\b \b" * len(buffer) + new)
                    buffer = new
            elif key.isprintable():
                buffer += key
                self.channel.write(key)

    async def _arrow(self) -> int:
        """After ESC: -1 for up, 1 for down; other sequences (left, right) are swallowed."""
        if await self._key() not in "[O":
            return 0
        final = await self._key()
        return {"A": -1, "B": 1}.get(final, 0)

    def _help(self, prompt: str, buffer: str) -> str:
        """IOS's `?`: the help under the line, then the prompt and the line again."""
        self._write("?\n")
        try:
            rows = self.terminal.help(buffer)
        except ExecError as exc:
            self._write(format_error(exc, prompt) + "\n")
        else:
            text = render_help(buffer, rows)
            self._write(text + "\n" if text else "")
            if not (buffer and not buffer[-1].isspace()):
                self._write("\n")
        self.channel.write(self.terminal.prompt() + buffer)
        return buffer

    def _complete(self, buffer: str) -> str:
        try:
            words = self.terminal.complete(buffer)
        except ExecError:
            return buffer
        partial = "" if not buffer or buffer[-1].isspace() else buffer.split()[-1]
        if len(words) == 1:
            addition = words[0][len(partial):] + " " if words[0].lower().startswith(partial.lower()) else ""
        else:
            common = os.path.commonprefix([w.lower() for w in words]) if words else ""
            addition = common[len(partial):] if len(common) > len(partial) else ""
        if not addition:
            self.channel.write("\a")   # IOS rings the bell when Tab has nothing to add
            return buffer
        self.channel.write(addition)
        return buffer + addition
