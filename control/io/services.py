"""Everything a running headend serves, started and stopped together on one asyncio loop: the
control socket (`qfp cli`), the SSH server when asked for (`--ssh`), and, when the configuration
has `aaa server radius dynamic-author`, the RADIUS CoA listener.
Sharing the loop is what lets the device go without locks: one caller at a time.

A CoA port that cannot be bound is a loud notice, not a refusal to start: the CLI and the fast path
are still worth having, and IOS boots in that case too.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .control_socket import ControlServer
from .radius_udp import CoaListener, Handler
from .ssh import SshServer


class CoaService(Protocol):
    """What the listener feeds (control/aaa/service.py's DynamicAuthorService)."""
    handle: Handler

    def started(self, address: tuple[str, int]) -> list[str]: ...


class TrafficRunner(Protocol):
    """What runs `sim traffic` off the loop while it serves (control/core/worker.py)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Services:
    control: ControlServer
    coa: CoaListener | None = None
    traffic: TrafficRunner | None = None
    ssh: SshServer | None = None
    notices: list[str] = field(default_factory=list)   # what start-up must tell the operator
    closed: bool = False
    _moving: asyncio.Lock = field(default_factory=asyncio.Lock)   # one move at a time

    async def move_coa(self, service: CoaService, host: str, port: int | None,
                       log: Callable[[str], None]) -> None:
        """Follow a change of dynamic-author's `port` (None: dynamic-author removed) while serving,
        as IOS moves its listener: the new socket first, then the old one closed; a port that
        cannot be bound is logged and the old listener kept."""
        async with self._moving:
            await self._move_coa(service, host, port, log)

    async def _move_coa(self, service: CoaService, host: str, port: int | None,
                        log: Callable[[str], None]) -> None:
        old = self.coa
        if self.closed:
            return
        if port is None:
            if old is not None:
                await old.close()
                self.coa = None
                log(f"%RADIUS-6-COA_LISTENER: stopped listening for CoA on {old.host}:{old.address[1]}/udp")
            return
        if old is not None and old.address[1] == port:
            return
        try:
            self.coa = await start_coa_listener(service, host, port)
        except OSError as exc:
            log(f"%RADIUS-3-NOSOCKET: cannot listen for CoA on {host}:{port}/udp: {exc.strerror}")
            return
        if old is not None:
            await old.close()
        log(f"%RADIUS-6-COA_LISTENER: listening for CoA on {host}:{port}/udp")

    async def close(self) -> None:
        """The socket's and SSH's clients first (their runs cancelled), then the listener, then the worker."""
        self.closed = True
        await self.control.close()
        if self.ssh is not None:
            await self.ssh.close()
        if self.coa is not None:
            await self.coa.close()
        if self.traffic is not None:
            self.traffic.stop()


async def start_coa_listener(service: CoaService, host: str, port: int) -> CoaListener:
    """The dynamic-author listener on (host, port), port 0 for any free one (see `.address`); its
    `.warnings` are what start-up must print (`ignore server-key`)."""
    listener = await CoaListener(service.handle, host, port).start()
    listener.warnings = service.started(listener.address)
    return listener


async def start(target, control_path: str | None, *, coa: CoaService | None = None,
                coa_address: tuple[str, int] | None = None, traffic: TrafficRunner | None = None,
                ssh_address: tuple[str, int] | None = None, ssh_host_key: str | None = None,
                log: Callable[[str], None]) -> Services:
    """Serve `target` (its open_terminal() per client) on `control_path`, over SSH on
    `ssh_address` when given, and `coa` on `coa_address` when both are given; start `traffic`'s
    worker; failures to bind the CoA port go to `log` and the notices. An SSH port that cannot be
    bound is an error (SshUnavailable), not a notice: whoever asked for SSH means to use it."""
    server = ControlServer(target, control_path)
    await server.start()
    services = Services(server, traffic=traffic)
    if ssh_address is not None:
        try:
            services.ssh = await SshServer(target, *ssh_address, host_key_path=ssh_host_key).start()
        except BaseException:
            await server.close()
            raise
        services.notices += services.ssh.notices
    if traffic is not None:
        traffic.start()
    if coa is None or coa_address is None:
        return services
    host, port = coa_address
    try:
        services.coa = await start_coa_listener(coa, host, port)
    except OSError as exc:
        message = f"%RADIUS-3-NOSOCKET: cannot listen for CoA on {host}:{port}/udp: {exc.strerror}"
        log(message)
        services.notices.append(message)
    else:
        services.notices += services.coa.warnings
    return services
