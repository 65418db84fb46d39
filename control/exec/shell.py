"""The interactive IOS-like shell over a command target: anything with

    execute(line) -> str            raises ExecError (control.commands' subclasses keep IOS's layout)
    complete(line) -> list[str]     the words that can replace the last partial word
    help(line) -> list[(str, str)]  what `?` prints after `line`
    prompt() -> str                 `HOSTNAME#`, `HOSTNAME(config)#`, ...

which is a Device in-process (`qfp run`) or a ControlClient over the control socket (`qfp cli`).

At a terminal, readline gives Tab completion and history (kept in ~/.qfp_history unless disabled), and
`?` answers at once, as IOS does: the key is bound to a macro that enters the line with the `?` in it,
so the shell prints the help and hands the line back for more typing. Without a terminal the shell
reads commands from stdin and writes a transcript (`prompt` + command, then the output).

`exit`, `quit`, `logout`, `end` and Ctrl-D leave the shell from exec mode; in a configuration mode
(its prompt has a `(`) they go to the target, and Ctrl-D or Ctrl-Z ends the mode as Ctrl-Z does on
IOS (the shell takes the terminal's suspend key for it).
"""
from __future__ import annotations

import getpass
import logging
import os
import signal
import sys
import threading

from ..errors import ExecError
from ..grammar.engine import format_error, render_help
from .line import PASSWORD_PROMPT

log = logging.getLogger(__name__)

DEFAULT_HISTORY = os.path.join(os.path.expanduser("~"), ".qfp_history")
HISTORY_LENGTH = 1000
LEAVE_WORDS = ("exit", "quit", "logout", "end")


class CtrlZ(Exception):
    """Ctrl-Z at the prompt: the terminal's suspend key, which IOS reads as `end`."""


def _raise_ctrl_z(signum, frame) -> None:
    raise CtrlZ


def _catch_ctrl_z():
    """Take the suspend key (SIGTSTP) from the terminal, as IOS does; the old handler to put
    back, or None where signals cannot be caught (not the main thread, no SIGTSTP)."""
    if not hasattr(signal, "SIGTSTP") or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTSTP, _raise_ctrl_z)


class Shell:
    def __init__(self, target, *, history_file: str | None = DEFAULT_HISTORY, stdin=None, stdout=None):
        self.target = target
        self.history_file = history_file
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._matches: list[str] = []
        self._refill = ""   # the line a `?` handed back, typed in again at the next prompt

    # -- the loop ----------------------------------------------------------------------------------

    def run(self) -> int:
        """Read and run commands until the user leaves; 0, or 1 if the target went away."""
        interactive = self.stdin.isatty() and self.stdout.isatty()
        readline = self._setup_readline() if interactive else None
        suspend = _catch_ctrl_z() if interactive else None
        try:
            while True:
                try:
                    prompt = self.target.prompt()
                    line = self._read(prompt, readline)
                except CtrlZ:   # IOS: `end` in a configuration mode, nothing in exec mode
                    if not self._in_config_mode(prompt):
                        self._write("\n")
                        continue
                    line = "end"
                    self._write("^Z\n")
                except EOFError:
                    if not self._in_config_mode(prompt):
                        self._write("\n" if interactive else "")
                        return 0
                    line = "end"   # shown as if typed, so that the screen or transcript says why
                    self._write(f"{line}\n" if interactive else f"{prompt}{line}\n")
                except KeyboardInterrupt:   # IOS drops the line being typed and prompts again
                    self._write("\n")
                    continue
                # a password, a banner's text (no prompt at all), a `[confirm]`'s answer: taken
                # as typed, `?` and all, an empty line included
                text = prompt in (PASSWORD_PROMPT, "") or prompt.endswith("[confirm]")
                if "?" in line and not text:
                    self._question(prompt, line)
                    continue
                if not line.strip() and not text:
                    continue
                if readline is not None and prompt != PASSWORD_PROMPT:
                    readline.add_history(line)
                if line.strip().lower() in LEAVE_WORDS and not self._in_config_mode(prompt) and not text:
                    return 0
                self._execute(prompt, line)
        except ConnectionError as exc:
            self._write(f"% Connection to the device lost: {exc}\n")
            return 1
        finally:
            if suspend is not None:
                signal.signal(signal.SIGTSTP, suspend)
            if readline is not None:
                self._save_history(readline)

    def _read(self, prompt: str, readline) -> str:
        secret = prompt == PASSWORD_PROMPT   # after `enable`: not echoed, not in the transcript
        if readline is None:
            line = self.stdin.readline()
            if not line:
                raise EOFError
            line = line.rstrip("\n")
            # A transcript: each command after its prompt.
            self._write(f"{prompt}\n" if secret else f"{prompt}{line}\n")
            return line
        if secret:
            return getpass.getpass(prompt)
        refill, self._refill = self._refill, ""
        readline.set_startup_hook((lambda: readline.insert_text(refill)) if refill else None)
        return input(prompt)

    def _execute(self, prompt: str, line: str) -> None:
        try:
            output = self.target.execute(line)
        except ExecError as exc:
            self._error(prompt, exc)
            return
        except ConnectionError:
            raise
        except KeyboardInterrupt:   # the command may still finish on the device; the shell goes on
            self._write("\n")
            return
        except Exception as exc:   # the shell outlives a bug in one command
            log.exception("command %r failed", line)
            self._write(f"% Internal error: {exc}\n")
            return
        if output:
            self._write(output if output.endswith("\n") else output + "\n")

    def _question(self, prompt: str, line: str) -> None:
        """IOS's `?`: help for the text before it, then the same line again, ready to go on typing."""
        at = line.index("?")
        before, after = line[:at], line[at + 1:].replace("?", "")
        try:
            rows = self.target.help(before)
        except ExecError as exc:
            self._error(prompt, exc)
        else:
            text = render_help(before, rows)
            self._write(text + "\n" if text else "")
            if not (before and not before[-1].isspace()):
                self._write("\n")   # IOS leaves a blank line under a help table
        self._refill = before + after

    def _error(self, prompt: str, exc: ExecError) -> None:
        self._write(format_error(exc, prompt) + "\n")
        if getattr(exc, "blank_after", False):
            self._write("\n")

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    @staticmethod
    def _in_config_mode(prompt: str) -> bool:
        return "(" in prompt

    # -- readline ------------------------------------------------------------------------------------

    def _setup_readline(self):
        try:
            import readline
        except ImportError:   # no readline (some builds): still a shell, without editing
            return None
        readline.set_completer_delims(" \t")
        readline.set_completer(self._complete)
        readline.set_auto_history(False)   # only commands run go to history, not `?` lines
        if "libedit" in (readline.__doc__ or ""):
            readline.parse_and_bind("bind ^I rl_complete")   # libedit has no macros: `?` then Enter
        else:
            readline.parse_and_bind("tab: complete")
            readline.parse_and_bind("set completion-ignore-case on")
            # `?` enters the line with a literal `?` in it (quoted-insert, so that the macro does not
            # call itself) and accept-line: the shell answers the help without waiting for Enter.
            readline.parse_and_bind(r'"?": "\C-v?\C-j"')
        if self.history_file:
            readline.set_history_length(HISTORY_LENGTH)
            try:
                readline.read_history_file(self.history_file)
            except OSError:   # no history yet
                pass
        return readline

    def _save_history(self, readline) -> None:
        if not self.history_file:
            return
        try:
            readline.write_history_file(self.history_file)
        except OSError as exc:
            log.warning("could not save the history in %s: %s", self.history_file, exc)

    def _complete(self, text: str, state: int) -> str | None:
        if state == 0:
            import readline
            line = readline.get_line_buffer()[:readline.get_endidx()]
            try:
                # Python's readline appends nothing to a completed word; IOS moves on past it.
                self._matches = [word + " " for word in self.target.complete(line)]
            except Exception:   # completion must never break the line being typed
                log.debug("completion of %r failed", line, exc_info=True)
                self._matches = []
        return self._matches[state] if state < len(self._matches) else None
