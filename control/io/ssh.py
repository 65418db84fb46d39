"""SSH for automation tools and people: `qfp run --ssh [HOST:]PORT`, an asyncssh server on the same
loop as the control socket, so that every session's commands reach the device one at a time.

asyncssh does the protocol (key exchange, ciphers, channels, PTY requests): a well-kept
implementation of a protocol whose security matters, where ours would be worse. What happens on a
session is the device's: each gets a Terminal of its own at its user's privilege, and a Vty
(control/exec/vty.py) does the echo, editing, `?`, Tab and paging. An `exec` request (`ssh host
show ip access-lists`) runs its one command and ends.

A connection from an address the first `line vty` block's `access-class ACL in` denies, or to
vty lines whose `transport input` leaves out ssh, is reset before SSH starts, as IOS does.
`banner login` goes out as SSH's authentication banner, before the password is asked for;
`banner motd` and `banner exec` when an interactive exec starts (control/exec/banners.py).
A client key in `ip ssh pubkey-chain` (its `key-hash`, or a `key-string`) logs its user in without
a password; password logins go through the vty lines' `aaa authentication login` method list as
the configuration has it when the client logs in: the `username` lines, RADIUS servers, the
enable or line password (control/aaa/vty_login.py); hashing runs off the loop and RADIUS on its
client's loop, so neither a scrypt check (type 9) nor a slow server holds up other sessions. As on
IOS, there are as many concurrent sessions as `line vty` lines, and each ends after the line's
exec-timeout without input.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct

import asyncssh

from ..aaa import login
from ..errors import ControlError
from ..exec import banners
from ..exec.line import VTY_LINE_BASE
from ..exec.vty import Vty
from .host_key import load_or_create

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_VTY_LINES = 5   # `line vty 0 4`, what IOS has when the configuration names no other


def unapplied(config) -> list[str]:
    """What the `line vty` blocks ask for that these sessions do not do, for start-up to say: the
    access-class of a `line vty` block after the first (the model applies the first block's)."""
    notices = []
    blocks = [b for b in config.unmodeled_blocks() if b.lines[0].split()[:2] == ["line", "vty"]]
    for block in blocks[1:]:
        for line in block.lines[1:]:
            if line.split()[:1] == ["access-class"]:
                notices.append(f"%SSH-4-NOTMODELED: {block.lines[0].strip()}: '{line.strip()}' is not applied "
                               f"to SSH logins; {blocks[0].lines[0].strip()}'s lines are")
    return notices


def vty_lines(config) -> int:
    """How many vty lines the configuration has (`line vty A B` blocks, summed)."""
    total = 0
    for block in config.unmodeled_blocks():
        words = block.lines[0].split()
        if words[:2] == ["line", "vty"] and len(words) >= 3 and all(w.isdigit() for w in words[2:4]):
            first = int(words[2])
            last = int(words[3]) if len(words) > 3 else first
            total += max(0, last - first + 1)
    return total or DEFAULT_VTY_LINES


def refuse(conn: asyncssh.SSHServerConnection) -> None:
    """IOS refuses a connection its vty `access-class` (or `transport input`) denies before any SSH
    is spoken: the client sees its connection reset, not a version string, a banner or a password
    prompt. Lingering 0 makes the close a TCP reset; asyncssh has not sent its version yet (it does
    after connection_made), and aborting now means it never does."""
    sock = conn.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.abort()


class SshUnavailable(ControlError):
    """The SSH address cannot be listened on (taken, not this host's, a privileged port)."""


class _ProcessChannel:
    """An SSH session's streams as a vty's channel."""

    def __init__(self, process: asyncssh.SSHServerProcess):
        self.process = process

    async def read(self) -> str:
        while True:
            try:
                return await self.process.stdin.read(4096)
            except (asyncssh.TerminalSizeChanged, asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue   # a resized window or a break changes nothing on a vty
            except asyncssh.DisconnectError:
                return ""

    def write(self, text: str) -> None:
        self.process.stdout.write(text)


class _Connection(asyncssh.SSHServer):
    def __init__(self, server: SshServer):
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.server.connections.add(conn)
        client = conn.get_extra_info("peername")[0]
        local = conn.get_extra_info("sockname")[0]
        device = self.server.target.device
        admitted, acl, seq = login.vty_decision(device.config, client, local)
        if seq is not None:   # IOS counts the entry that decided in `show access-lists`
            device.local_acl_hits[(acl, seq)] += 1
        if not admitted:
            refuse(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        # IOS sends `banner login` as SSH's authentication banner: shown before the password prompt
        text = banners.shown(self.server.target.device.config, ("login",))
        if text:
            self.conn.send_auth_banner(text.replace("\n", "\r\n"))
        return True

    def password_auth_supported(self) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        privilege = self.server.target.vty_login.authorize_public_key(username, key.public_data)
        if privilege is None:
            return False
        self.conn.set_extra_info(privilege=privilege)
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        client = self.conn.get_extra_info("peername")[0]
        local = self.conn.get_extra_info("sockname")[0]
        privilege = await self.server.authenticate(username, password, client, local)
        if privilege is None:
            return False
        self.conn.set_extra_info(privilege=privilege)
        return True


class SshServer:
    """Serves `target` (open_terminal(privilege=, remote=) per session, and its `.device`) over SSH."""

    def __init__(self, target, host: str = DEFAULT_HOST, port: int = 22, host_key_path: str | None = None):
        self.target = target
        self.host, self.port = host, port
        self.host_key_path = host_key_path
        self.sessions = 0
        self.lines_in_use: set[int] = set()   # vty numbers: a session takes the lowest free one
        self.notices: list[str] = []   # what start-up must tell the operator
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def address(self) -> tuple[str, int]:
        return self._acceptor.sockets[0].getsockname()[:2]

    async def start(self) -> SshServer:
        key = load_or_create(self.host_key_path)
        self.notices = unapplied(self.target.device.config)
        try:
            self._acceptor = await asyncssh.create_server(
                lambda: _Connection(self), self.host, self.port, server_host_keys=[key],
                process_factory=self._serve, line_editor=False, encoding="utf-8",
                agent_forwarding=False, x11_forwarding=False, allow_scp=False)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)   # asyncio's strerror repeats the address
            raise SshUnavailable(f"cannot serve SSH on {self.host}:{self.port}: {reason}") from None
        return self

    async def close(self) -> None:
        if self._acceptor is None:
            return
        self._acceptor.close()
        for conn in list(self.connections):
            conn.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._acceptor.wait_closed()
        self._acceptor = None

    def _free_line(self) -> int:
        """The vty a new session takes: the lowest not in use."""
        return min(set(range(len(self.lines_in_use) + 1)) - self.lines_in_use)

    async def authenticate(self, username: str, password: str, client: str, local: str) -> int | None:
        """The user's privilege, or None: refused by the vty lines' login method list."""
        return await self.target.vty_login.authenticate(username, password, client, local,
                                                        VTY_LINE_BASE + self._free_line())

    async def _serve(self, process: asyncssh.SSHServerProcess) -> None:
        self._tasks.add(asyncio.current_task())
        config = self.target.device.config
        try:
            if self.sessions >= vty_lines(config):
                process.stdout.write("% All vty lines are busy\r\n")
                process.exit(1)
                return
            self.sessions += 1
            vty_number = self._free_line()
            self.lines_in_use.add(vty_number)
            terminal = None
            try:
                privilege = process.get_extra_info("privilege", login.DEFAULT_PRIVILEGE)
                terminal = self.target.open_terminal(privilege=privilege, remote=True)
                peer = process.get_extra_info("peername")
                terminal.who = (f"{process.get_extra_info('username')} on vty{vty_number}"
                                + (f" ({peer[0]})" if peer else ""))
                # IOS XE numbers lines absolutely: con 0 is 0, aux 0 is 1, vty 0 is 2
                terminal.line.number = VTY_LINE_BASE + vty_number
                terminal.line.type = (process.get_terminal_type() or "").upper()
                terminal.line.opened_at = self.target.device.wall_clock()
                terminal.line.user = process.get_extra_info("username") or ""
                terminal.line.location = peer[0] if peer else ""
                vty = Vty(terminal, _ProcessChannel(process),
                          idle_timeout=lambda: login.vty_exec_timeout(self.target.device.config))
                if process.command is not None:
                    terminal.line.length = 0   # one command's output to a program: nobody to press space
                    await vty.run_line(process.command)
                else:
                    # an exec starts: IOS prints the motd banner, then the exec banner, then the prompt
                    shown = banners.shown(self.target.device.config, ("motd", "exec"))
                    process.stdout.write(shown.replace("\n", "\r\n"))
                    await vty.run()
                process.exit(0)
            finally:
                if terminal is not None:
                    terminal.closed = True   # its line is free: `show users` no longer lists it
                self.sessions -= 1
                self.lines_in_use.discard(vty_number)
        except asyncio.CancelledError:
            process.exit(0)
        except (ConnectionError, asyncssh.Error):
            pass   # the client went away mid-reply
        finally:
            self._tasks.discard(asyncio.current_task())
