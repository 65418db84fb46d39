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
bring the server down: a malformed request gets an error reply, a failing command `% Internal error`;
clients beyond MAX_CLIENTS are turned away, an idle one is hung up on after IDLE_TIMEOUT seconds,
and a refusal of either kind is logged once and then counted (`refused`). Only the device's own
user is served (control/io/ownership.py).
"""
from __future__ import annotations

import asyncio
import errno
import inspect
import json
import logging
import os
import socket
import stat
from collections import Counter
from collections.abc import Awaitable
from contextlib import contextmanager

from ..errors import ControlError, ExecError
from ..grammar.engine import AmbiguousCommand, IncompleteCommand, InvalidInput, UnrecognizedCommand, format_error
from .ownership import default_socket_path, restrictive_umask, same_user

log = logging.getLogger(__name__)

MAX_REQUEST = 64 * 1024   # bytes in one request line; a command line is far shorter
MAX_CLIENTS = 64          # connections at once; more are answered with an error and closed
IDLE_TIMEOUT = 3600.0     # seconds a client may stay silent (IOS's exec-timeout is minutes, too)
CLIENT_GONE_POLL = 0.1    # seconds between looks at whether a client waiting on long work is gone
OPS = ("execute", "complete", "help", "prompt", "show_data")


class SocketInUse(ControlError):
    """The socket path is taken: by a device that answers, or by something that is not a socket."""


# -- the protocol, without IO ---------------------------------------------------------------------------

def handle_request(target, raw: bytes | str) -> dict | Awaitable[dict]:
    """The reply to one request line, whatever the line holds; an awaitable of it when the
    command's work goes on elsewhere (a served device's `sim traffic`)."""
    try:
        request = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(f"% Malformed request: {exc}")
    except RecursionError:   # a line of 30,000 opening brackets: nested too deep to be a request
        return _error("% Malformed request: nested too deeply")
    if not isinstance(request, dict):
        return _error("% Malformed request: not a JSON object")
    op, line = request.get("op"), request.get("line", "")
    if op not in OPS:
        return _error(f"% Unknown operation {op!r}: one of {', '.join(OPS)}")
    if not isinstance(line, str):
        return _error("% Malformed request: line is not a string")
    if not hasattr(target, op):
        return _error(f"% This device does not support {op}")
    with _replies(op, line) as reply:
        output = target.prompt() if op == "prompt" else getattr(target, op)(line)
        if inspect.isawaitable(output):
            return _reply_later(op, line, output)
        if op == "show_data":
            json.dumps(output)   # a twin that JSON cannot carry is this command's bug, not the server's
        reply["output"] = output
    return reply


async def _reply_later(op: str, line: str, output: Awaitable) -> dict:
    with _replies(op, line) as reply:
        reply["output"] = await output
    return reply


@contextmanager
def _replies(op: str, line: str):
    """The reply a request's output or refusal makes; what is refused becomes its error reply."""
    reply = {"ok": True}
    try:
        yield reply
    except ExecError as exc:
        reply.clear()
        reply.update(error_reply(exc))
    except ControlError as exc:   # the device's own refusals, worded for the user
        reply.clear()
        reply.update(_error(f"% {exc}"))
    except Exception as exc:   # a bug in one command must not take the device down with it
        log.exception("%s %r failed", op, line)
        reply.clear()
        reply.update(_error(f"% Internal error: {exc}"))


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

    def __init__(self, target, path: str | None = None, *, max_clients: int = MAX_CLIENTS,
                 idle_timeout: float = IDLE_TIMEOUT):
        self.target = target
        self.path = path            # None: the default, found (and checked private) at start()
        self.max_clients = max_clients
        self.idle_timeout = idle_timeout
        self.clients = 0
        self.refused: Counter = Counter()   # connections turned away, by reason
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.Task] = set()

    async def start(self) -> None:
        if self.path is None:
            self.path = default_socket_path()
        _claim(self.path)
        with restrictive_umask():   # 0600 from the first instant: no window for another user
            self._server = await asyncio.start_unix_server(self._serve_client, path=self.path,
                                                           limit=MAX_REQUEST)

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Clients' work is cancelled (a traffic run stops after the batch in hand), not waited for:
        # a SIGTERM must not wait out a long run.
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        refusal = self._refusal(writer)
        if refusal is not None:
            await self._hang_up(writer, refusal)
            return
        self.clients += 1
        self._clients.add(asyncio.current_task())
        terminal = self.target.open_terminal() if hasattr(self.target, "open_terminal") else self.target
        try:
            while True:
                try:
                    raw = await asyncio.wait_for(reader.readline(), self.idle_timeout)
                except asyncio.TimeoutError:
                    self._note_refusal("idle", f"% Idle for {self.idle_timeout:g} s: disconnected")
                    await _send(writer, _error(f"% Idle for {self.idle_timeout:g} s: disconnected"))
                    break
                except (ValueError, asyncio.LimitOverrunError):
                    # Past the limit the stream cannot find the next line: answer, then hang up.
                    await _send(writer, _error(f"% Malformed request: longer than {MAX_REQUEST} bytes"))
                    break
                if not raw:
                    break
                reply = handle_request(terminal, raw)
                if inspect.isawaitable(reply):
                    reply = await _unless_gone(reply, reader)
                    if reply is None:
                        break
                await _send(writer, reply)
        except ConnectionError:
            pass   # the client went away mid-reply
        except asyncio.CancelledError:
            pass   # the server is closing
        finally:
            self.clients -= 1
            self._clients.discard(asyncio.current_task())
            await _close(writer)

    def _refusal(self, writer: asyncio.StreamWriter) -> tuple[str, str] | None:
        sock = writer.get_extra_info("socket")
        if sock is not None and not same_user(sock):
            return "not-owner", "% Permission denied: this device serves its owner only"
        if self.clients >= self.max_clients:
            return "too-many-clients", f"% Too many clients: {self.max_clients} are connected"
        return None

    async def _hang_up(self, writer: asyncio.StreamWriter, refusal: tuple[str, str]) -> None:
        self._note_refusal(*refusal)
        try:
            await _send(writer, _error(refusal[1]))
        except ConnectionError:
            pass
        await _close(writer)

    def _note_refusal(self, reason: str, text: str) -> None:
        """Logged the first time, counted every time: a flood of them must not flood the log."""
        if not self.refused[reason]:
            log.warning("control socket %s: %s (further ones are counted, not logged)", self.path, text[2:])
        self.refused[reason] += 1


async def _unless_gone(reply: Awaitable[dict], reader: asyncio.StreamReader) -> dict | None:
    """The reply, or None when the client hangs up first: then the work is cancelled (a traffic
    run stops after the batch in hand), for there is nobody left to tell. So it is when the server
    itself is closing and cancels this."""
    task = asyncio.ensure_future(reply)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=CLIENT_GONE_POLL)
            if not task.done() and reader.at_eof():
                return None
        return task.result()
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _close(writer: asyncio.StreamWriter) -> None:
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
        self.path = path            # None: the default, found at connect()
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._file = None

    def connect(self) -> ControlClient:
        if self.path is None:
            try:
                self.path = default_socket_path()
            except ControlError as exc:   # no private directory of ours: no device of ours either
                raise ConnectionError(str(exc)) from None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            raise ConnectionError(f"no device is listening on {self.path} ({exc.strerror or exc})") from None
        if not same_user(sock):   # someone else's process holds the path: tell it nothing
            sock.close()
            raise ConnectionError(f"the socket {self.path} is served by another user's process, not your device")
        self._sock, self._file = sock, sock.makefile("rwb")
        return self

    def close(self) -> None:
        """Hang up, also on a request another thread is waiting on (its read then ends): the
        device cancels what that request set going."""
        # Taken first, so that two threads closing at once do not both close the same objects.
        sock, file, self._sock, self._file = self._sock, self._file, None, None
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_RDWR)   # close() alone waits for the reader's reference
        except OSError:
            pass
        file.close()
        sock.close()

    def __enter__(self) -> ControlClient:
        return self if self._sock is not None else self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, op: str, line: str = ""):
        if self._sock is None:
            self.connect()
        file = self._file   # this request's: another thread's close() may clear the attribute
        try:
            file.write(json.dumps({"op": op, "line": line}).encode() + b"\n")
            file.flush()
            raw = file.readline()
        except OSError as exc:
            self.close()
            raise ConnectionError(f"the device on {self.path} went away ({exc})") from None
        except ValueError:   # closed by another thread while this one waited
            raise ConnectionError(f"the connection to {self.path} was closed") from None
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
