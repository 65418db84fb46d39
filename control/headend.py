"""The composition root: one headend, its parts made and wired together here and nowhere else.

    Device                 domain state: configuration, sessions, fast path, compiler, clock, log
    DynamicAuthorService   RADIUS dynamic authorization (RFC 5176) over the device, with the AAA
                           registry and its IKEv2 component
    SessionAaa             authorization at session start and accounting, over the RADIUS servers
                           the configuration names, through RadiusRuntime (UDP on a loop of its own)
    CommandSet             the exec commands over both (control/exec/commands.py)
    Terminal               one per CLI user: the console here, one per control-socket client
    TrafficWorker          the thread `sim traffic` runs its batches on while the device is served
    Services               the IO (control/io/): control socket, SSH and CoA listener, on one loop

A Headend is also what a shell drives in-process: execute, complete, help, prompt and show_data go
to its console terminal.
"""
from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from qfp_model.qfp.api import FastPathAPI

from .aaa.service import DynamicAuthorService
from .aaa.session_aaa import SessionAaa
from .aaa.vty_login import VtyLogin
from .core.device import DYNAMIC_AUTHOR_CHANGED, Device
from .core.worker import TrafficWorker
from .exec import commands as exec_commands
from .exec.terminal import Terminal
from .io import services
from .io.radius_client import RadiusRuntime
from .io.radius_udp import CoaListener

COA_HOST = "127.0.0.1"   # the CoA listener's default address: loopback unless told otherwise


class Headend:
    def __init__(self, device: Device, *, wall_clock: Callable[[], float] = time.time):
        self.device = device
        device.wall_clock = wall_clock      # one clock for every log line's timestamp
        self.coa = DynamicAuthorService(device, wall_clock=wall_clock)
        self.radius = RadiusRuntime()
        self.aaa = SessionAaa(device, self.radius, wall_clock=wall_clock, trace=self.coa.trace)
        self.vty_login = VtyLogin(device, self.aaa.servers, self.radius)
        self.traffic = TrafficWorker()
        self.commands = exec_commands.build(device, self.coa, self.traffic, self.aaa)
        # The lines in use, as `show users` lists them: the console, and each vty session while it
        # lasts (control-socket clients are the model's own tool, not lines of the device).
        self.lines: weakref.WeakSet[Terminal] = weakref.WeakSet()
        self.console = self.open_terminal()
        self.console.line.opened_at = wall_clock()
        self.lines.add(self.console)

    @classmethod
    def from_config_file(cls, path: str | Path | None = None, *, lenient: bool = False,
                         fastpath: FastPathAPI | None = None) -> Headend:
        """A headend on the configuration in `path`, or on the embedded default with None
        (Device.from_config_file says how bad lines are treated)."""
        return cls(Device.from_config_file(path, lenient=lenient, fastpath=fastpath))

    def close(self) -> None:
        """Stop the RADIUS client's loop and free the fast path's tables now; the services, if
        started, are stopped by their owner."""
        self.radius.close()
        self.device.close()

    def __enter__(self) -> Headend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open_terminal(self, *, privilege: int = 15, remote: bool = False) -> Terminal:
        """A terminal of its own for one more CLI user (each control-socket connection, each SSH
        session at its user's privilege)."""
        terminal = Terminal(self.device, self.commands, privilege=privilege, remote=remote, lines=self.lines)
        if remote:
            self.lines.add(terminal)
        return terminal

    # ---- the console: what an in-process shell and scripts call ----
    def attend_console(self) -> None:
        """A person types at the console (`qfp run` at a terminal), not a script sending one line
        per command: commands IOS confirms ask `[confirm]` there, as on a vty."""
        self.console.asks_to_confirm = True

    def execute(self, line: str) -> str:
        return self.console.execute(line)

    def complete(self, line: str) -> list[str]:
        return self.console.complete(line)

    def help(self, line: str) -> list[tuple[str, str]]:
        return self.console.help(line)

    def prompt(self) -> str:
        return self.console.prompt()

    def show_data(self, line: str):
        """The structured twin of a show command's output (what tests and scripts compare)."""
        return self.console.show_data(line)

    # ---- IO ----
    async def start_services(self, control_path: str | None, coa_host: str = COA_HOST,
                             coa_port: int | None = None, *, ssh_address: tuple[str, int] | None = None,
                             ssh_host_key: str | None = None) -> services.Services:
        """The control socket on `control_path`, SSH on `ssh_address` when given, and the CoA
        listener on (coa_host, coa_port or dynamic-author's `port`) when the configuration has
        dynamic-author; on the running loop."""
        settings = self.device.config.dynamic_author
        address = None
        if settings is not None:
            address = (coa_host, settings.effective_port if coa_port is None else coa_port)
        served = await services.start(self, control_path, coa=self.coa, coa_address=address,
                                      traffic=self.traffic, ssh_address=ssh_address, ssh_host_key=ssh_host_key,
                                      log=self.device.log)
        if coa_port is None:    # a port given on the command line stays; the configured one moves
            self._follow_dynamic_author(served, coa_host)
        return served

    def _follow_dynamic_author(self, served: services.Services, host: str) -> None:
        """Move the CoA listener when `configure terminal` changes dynamic-author's port (or adds
        or removes dynamic-author), on the loop that serves it, whichever thread edited."""
        loop = asyncio.get_running_loop()

        def moved(event: str, session, cause) -> None:
            if event != DYNAMIC_AUTHOR_CHANGED or loop.is_closed() or served.closed:
                return
            settings = self.device.config.dynamic_author
            port = None if settings is None else settings.effective_port
            loop.call_soon_threadsafe(
                lambda: loop.create_task(served.move_coa(self.coa, host, port, self.device.log)))

        self.device.observers.append(moved)

    async def start_coa_listener(self, host: str = COA_HOST, port: int = 0) -> CoaListener:
        """The CoA listener alone, on (host, port), port 0 for any free one (see `.address`)."""
        return await services.start_coa_listener(self.coa, host, port)
