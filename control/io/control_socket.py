"""The control socket: a running device's exec CLI for other processes (`qfp cli`), over a Unix-domain
stream socket, one JSON object a line each way:

    {"op": "execute"|"complete"|"help"|"prompt"|"show_data", "line": "..."}
    {"ok": true, "output": ...}        a string; a list of words for complete; [token, help] pairs for help;
                                       for show_data, a show command's structured twin (dicts and lists)
    {"ok": false, "error": "% ..."}    the text IOS prints, ready to show as it is

A refusal from the command engine also carries "kind" (and "line", "column" for a caret) so that a
shell can lay the caret out under its own prompt; ControlClient turns it back into the same exception.

The server runs on asyncio, so that the RADIUS CoA listener shares its loop; every call into the
device runs on that loop's thread, one at a time, so the device needs no locks. A client can never
bring the server down: a malformed request gets an error reply, a failing command `% Internal error`.
"""
from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import socket
import stat

from ..errors import ControlError, ExecError
from ..grammar.engine import AmbiguousCommand, IncompleteCommand, InvalidInput, UnrecognizedCommand, format_error

log = logging.getLogger(__name__)

MAX_REQUEST = 64 * 1024   # bytes in one request line; a command line is far shorter
OPS = ("execute", "complete", "help", "prompt", "show_data")


def default_socket_path() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return os.path.join(runtime, "qfp.sock") if runtime else f"/tmp/qfp-{os.getuid()}.sock"


class SocketInUse(ControlError):
    """The socket path is taken: by a device that answers, or by something that is not a socket."""


# -- the protocol, without IO ---------------------------------------------------------------------------

def handle_request(target, raw: bytes | str) -> dict:
    """The reply to one request line, whatever the line holds."""
    try:
        request = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(f"% Malformed request: {exc}")
    if not isinstance(request, dict):
        return _error("% Malformed request: not a JSON object")
    op, line = request.get("op"), request.get("line", "")
    if op not in OPS:
        return _error(f"% Unknown operation {op!r}: one of {', '.join(OPS)}")
    if not isinstance(line, str):
        return _error("% Malformed request: line is not a string")
    if not hasattr(target, op):
        return _error(f"% This device does not support {op}")
    try:
        output = target.prompt() if op == "prompt" else getattr(target, op)(line)
        if op == "show_data":
            json.dumps(output)   # a twin that JSON cannot carry is this command's bug, not the server's
    except ExecError as exc:
        return error_reply(exc)
    except ControlError as exc:   # the device's own refusals, worded for the user
        return _error(f"% {exc}")
    except Exception as exc:   # a bug in one command must not take the device down with it
        log.exception("%s %r failed", op, line)
        return _error(f"% Internal error: {exc}")
    return {"ok": True, "output": output}


def _error(text: str) -> dict:
    return {"ok": False, "error": text}


def error_reply(exc: ExecError) -> dict:
    reply = _error(format_error(exc))
    if isinstance(exc, InvalidInput):
        reply.update(kind="invalid-input", line=exc.line, column=exc.column)
    elif isinstance(exc, AmbiguousCommand):
        reply.update(kind="ambiguous", line=exc.line)
    elif isinstance(exc, IncompleteCommand):
        reply.update(kind="incomplete")
    elif isinstance(exc, UnrecognizedCommand):
        reply.update(kind="unrecognized")
    return reply


def error_from_reply(reply: dict) -> ExecError:
    kind = reply.get("kind")
    if kind == "invalid-input":
        return InvalidInput(reply["line"], reply["column"])
    if kind == "ambiguous":
        return AmbiguousCommand(reply["line"])
    if kind == "incomplete":
        return IncompleteCommand()
    if kind == "unrecognized":
        return UnrecognizedCommand()
    text = str(reply.get("error", "% Error"))
    return ExecError(text[2:] if text.startswith("% ") else text)


# -- the server -------------------------------------------------------------------------------------------

class ControlServer:
    """Serves `target` (execute/complete/help/prompt) on a Unix socket from the running event loop.

    A target that has `open_terminal()` gets asked for one per connection, so that each client has its
    own mode (one client's `configure terminal` is not another's); otherwise all clients share it."""

    def __init__(self, target, path: str | None = None):
        self.target = target
        self.path = path or default_socket_path()
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        _claim(self.path)
        self._server = await asyncio.start_unix_server(self._serve_client, path=self.path, limit=MAX_REQUEST)
        os.chmod(self.path, 0o600)   # the device's CLI is its owner's alone

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        terminal = self.target.open_terminal() if hasattr(self.target, "open_terminal") else self.target
        try:
            while True:
                try:
                    raw = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    # Past the limit the stream cannot find the next line: answer, then hang up.
                    await _send(writer, _error(f"% Malformed request: longer than {MAX_REQUEST} bytes"))
                    break
                if not raw:
                    break
                await _send(writer, handle_request(terminal, raw))
        except ConnectionError:
            pass   # the client went away mid-reply
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass


async def _send(writer: asyncio.StreamWriter, reply: dict) -> None:
    writer.write(json.dumps(reply).encode() + b"\n")
    await writer.drain()


def _claim(path: str) -> None:
    """Make `path` free for a new socket: remove a dead device's socket, refuse anything else."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise SocketInUse(f"{path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError as exc:
        if exc.errno != errno.ECONNREFUSED:
            raise SocketInUse(f"{path}: {exc.strerror}") from None
        os.unlink(path)   # nobody listens: left behind by a device that was killed
    else:
        raise SocketInUse(f"a device is already serving on {path}")
    finally:
        probe.close()


# -- the client ---------------------------------------------------------------------------------------------

class ControlClient:
    """A target over the control socket: the same calls as a device (execute, complete, help, prompt,
    show_data), raising ExecError as it does, and ConnectionError when there is no device or it goes
    away."""

    def __init__(self, path: str | None = None, timeout: float | None = None):
        self.path = path or default_socket_path()
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._file = None

    def connect(self) -> ControlClient:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            raise ConnectionError(f"no device is listening on {self.path} ({exc.strerror or exc})") from None
        self._sock, self._file = sock, sock.makefile("rwb")
        return self

    def close(self) -> None:
        if self._sock is not None:
            self._file.close()
            self._sock.close()
            self._sock = self._file = None

    def __enter__(self) -> ControlClient:
        return self if self._sock is not None else self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, op: str, line: str = ""):
        if self._sock is None:
            self.connect()
        try:
            self._file.write(json.dumps({"op": op, "line": line}).encode() + b"\n")
            self._file.flush()
            raw = self._file.readline()
        except OSError as exc:
            self.close()
            raise ConnectionError(f"the device on {self.path} went away ({exc})") from None
        if not raw:
            self.close()
            raise ConnectionError(f"the device on {self.path} closed the connection")
        reply = json.loads(raw)
        if reply.get("ok"):
            return reply.get("output")
        raise error_from_reply(reply)

    def execute(self, line: str) -> str:
        return self.request("execute", line)

    def complete(self, line: str) -> list[str]:
        return list(self.request("complete", line))

    def help(self, line: str) -> list[tuple[str, str]]:
        return [tuple(row) for row in self.request("help", line)]

    def prompt(self) -> str:
        return self.request("prompt")

    def show_data(self, line: str):
        """The structured twin of a show command's output, as the device's show_data gives it."""
        return self.request("show_data", line)
