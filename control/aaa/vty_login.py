"""An exec login on a vty, method by method through the line's `aaa authentication login` list
(control/aaa/login.py reads it from the configuration).

IOS's rule for a method list: the next method is tried only when a method gives no answer (an
ERROR: no server replied, no such user in the local database, no enable or line password
configured); an answer ends the login, a refusal included (an Access-Reject, a wrong password for a
user the local database has). `none` lets anyone in. When every method errs, the login fails.

The privilege a login starts at is exec authorization's: without an `aaa authorization exec` list
for the line (`authorization exec NAME` on it, else `default`), 1, however privileged the user, as
on IOS with `aaa new-model`. With one, its methods in order: `local` gives the local user's
`username ... privilege N` (no such user: the next method); `group G` gives the `shell:priv-lvl=N`
of the Access-Accept that authenticated the login (1 without one; a login RADIUS did not
authenticate: the next method, where IOS would ask the group again); `if-authenticated` and `none`
give 1. When every method passes, authorization fails and so does the login.

A `group` method's Access-Request goes through the same server state, counters (the Authen block
of `show aaa servers`), retransmission, failover and dead marking as sessions' authorization
(radius_servers.Servers), on the RADIUS client's loop; this coroutine waits for it on its own loop,
so other vty sessions go on meanwhile.
"""
from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Coroutine
from typing import Protocol

from ..core.device import Device
from ..radius import client as C
from . import login
from .radius_servers import Exchange, NoServer, Servers
from .registry import av_name_value

PRIV_LVL = "shell:priv-lvl"
ERROR = object()   # a method without an answer: the next one is tried


class Runner(Protocol):
    """The RADIUS client's loop (control/io/radius_client.py)."""
    exchange: Exchange

    def submit(self, coroutine: Coroutine): ...


def privilege_from(reply: C.Reply) -> int:
    """`shell:priv-lvl=N` of an Access-Accept (the last one, as IOS takes it), else 1."""
    level = login.DEFAULT_PRIVILEGE
    for attribute in reply.attributes:
        if attribute.is_cisco_avpair:
            name, value = av_name_value(attribute)
            if name.lower() == PRIV_LVL and value.isdigit():
                level = min(int(value), 15)
    return level


class VtyLogin:
    def __init__(self, device: Device, servers: Servers, runner: Runner):
        self.device = device
        self.servers = servers
        self.runner = runner
        self._undefined_logged: set[str] = set()

    async def authenticate(self, name: str, password: str, client: str, local: str, tty: int) -> int | None:
        """The privilege `name` logs in at, or None: refused, no method answered, or exec
        authorization failed."""
        config = self.device.config   # read here, on the caller's loop: the configuration is its
        list_name, methods = login.login_methods(config)
        if methods is None:
            self._log_undefined(f"login authentication list {list_name}")
            return None
        for method in methods:
            outcome = await self._authenticate(method, config, name, password, client, local, tty)
            if outcome is not ERROR:
                return None if outcome is None else self._authorize(config, name, outcome)
        return None

    def authorize_public_key(self, name: str, key_blob: bytes) -> int | None:
        """An SSH public-key login: the privilege it starts at when the key is one of `name`'s in
        `ip ssh pubkey-chain` (the AAA login list is not asked: the key authenticates), else None.
        Exec authorization decides the privilege as for a password login."""
        config = self.device.config
        if login.key_hash(key_blob) not in login.public_key_hashes(config).get(name, set()):
            return None
        return self._authorize(config, name, True)

    def _log_undefined(self, what: str) -> None:
        if what not in self._undefined_logged:
            self._undefined_logged.add(what)
            self.device.log(f"%AAA-4-NOLIST: {what} is not defined: vty logins fail")

    async def _authenticate(self, method: login.LoginMethod, config, name: str, password: str, client: str,
                            local: str, tty: int):
        """ERROR, None (refused), or what vouched for the user: its local User, its RADIUS
        Access-Accept, or True (a password anyone may know, or `none`)."""
        if method.kind == "none":
            return True
        if method.kind == "group":
            return await self._radius(method.group, C.LoginSubject(
                name, password, ipaddress.ip_address(client), ipaddress.ip_address(local), tty))
        if method.kind in ("local", "local-case"):
            user = login.local_user(config, name, case_sensitive=method.kind == "local-case")
            if user is None:
                return ERROR
            return user if await self._matches(user.secret, password) else None
        if method.kind not in ("enable", "line"):
            return ERROR
        secret = login.enable_secret(config) if method.kind == "enable" else login.line_password(config)
        if secret is None:
            return ERROR
        return True if await self._matches(secret, password) else None

    def _authorize(self, config, name: str, authenticated) -> int | None:
        """Exec authorization: the privilege the session starts at, or None when it fails."""
        list_name, methods = login.exec_methods(config)
        if methods is None:
            if list_name != "default":
                self._log_undefined(f"authorization exec list {list_name}")
                return None
            return login.DEFAULT_PRIVILEGE
        for method in methods:
            if method.kind in ("none", "if-authenticated"):
                return login.DEFAULT_PRIVILEGE
            if method.kind in ("local", "local-case"):
                user = login.local_user(config, name, case_sensitive=method.kind == "local-case")
                if user is not None:
                    return user.privilege
            elif method.kind == "group" and isinstance(authenticated, C.Reply):
                return privilege_from(authenticated)
        return None

    @staticmethod
    async def _matches(secret: login.Secret, typed: str) -> bool:
        """Off the loop: a scrypt check (type 9) takes tens of milliseconds."""
        return await asyncio.get_running_loop().run_in_executor(None, secret.matches, typed, None)

    async def _radius(self, group: str, subject: C.LoginSubject):
        try:
            reply = await asyncio.wrap_future(self.runner.submit(self._transact(group, subject)))
        except NoServer:
            return ERROR
        return reply if reply.code == C.ACCESS_ACCEPT else None

    async def _transact(self, group: str, subject: C.LoginSubject) -> C.Reply:
        def build(server, identifier, delay):
            return C.login_request(subject, identifier, server.secret)
        reply, _ = await self.servers.transact(group, self.runner.exchange, build, accounting=False, login=True)
        return reply
