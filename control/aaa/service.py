"""The device's dynamic-author service: the sans-IO RFC 5176 server, the AAA registry with the IKEv2
component registered, the debug flags, and the trace into the device's log. No IO: the UDP listener
(control/io/radius_udp.py) hands it datagrams and sends what it returns.

One service a device, made by the headend (control/headend.py), which hands it to the exec commands
that show and debug it and to the listener that feeds it.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import Callable

from ..core.device import Device
from ..core.timestamps import ios_timestamp
from ..errors import PeerNak
from ..radius import Dispatch, DynamicAuthorServer, NasIdentity, Send
from ..radius.trace import Line
from .ikev2 import Ikev2CoaComponent
from .registry import Registry

log = logging.getLogger(__name__)

_IP_ADDRESS = re.compile(r"\s*ip address (\d+\.\d+\.\d+\.\d+) \d+\.\d+\.\d+\.\d+")


def timestamp(now: float) -> str:
    """IOS's `service timestamps debug datetime msec` without NTP: `*Oct  6 23:38:55.250:`."""
    return ios_timestamp(now)


class DynamicAuthorService:
    def __init__(self, device: Device, *, wall_clock: Callable[[], float] = time.time):
        self.device = device
        self.wall_clock = wall_clock
        self.server = DynamicAuthorServer(lambda: device.config.dynamic_author, self.nas_identity)
        self.registry = Registry()
        # The seed's prerequisite: IKEv2 registers with AAA as a CoA component at start-up.
        self.registry.register(Ikev2CoaComponent(device))
        self.debug: set[str] = set()
        self.listening: tuple[str, int] | None = None
        self.internal_errors = 0
        # Sources whose requests were dropped while AAA is off, each logged once until it is on.
        self.aaa_off_sources: set[str] = set()
        self.aaa_off_drops = 0

    def nas_identity(self) -> NasIdentity:
        """This NAS: its hostname, and every address it owns (interface addresses in the running
        config, the sessions' local IKE addresses, the address the listener is bound to)."""
        addresses = {s.tuple.local for s in self.device.sessions}
        for block in self.device.config.unmodeled_blocks():
            for line in block.lines:
                m = _IP_ADDRESS.match(line)
                if m:
                    addresses.add(ipaddress.IPv4Address(m[1]))
        if self.listening:
            try:
                addresses.add(ipaddress.IPv4Address(self.listening[0]))
            except ValueError:
                pass
        return NasIdentity(frozenset(addresses), self.device.hostname)

    def handle(self, data: bytes, source: tuple[str, int]) -> bytes | None:
        """One datagram in; the reply to send, or None to drop it."""
        now = self.wall_clock()
        if not self.device.config.aaa_new_model:
            return self._aaa_off(source)
        self.aaa_off_sources.clear()
        trace = bool(self.debug)
        decision = self.server.receive(data, source, now, trace=trace)
        self._log(decision.trace, now)
        if isinstance(decision, Dispatch):
            request = decision.request
            if trace:
                self._log(self.registry.attribute_list(request), now)
            nak = None
            try:
                self.registry.dispatch(request)
            except PeerNak as exc:
                nak = exc
            except Exception as exc:   # our bug: the client gets a NAK, the device keeps serving
                self.internal_errors += 1
                log.exception("CoA from %s:%s failed", *source)
                self.device.log(f"%AAA-3-COA_INTERNAL: CoA from {source[0]} failed: {exc!r}")
                nak = PeerNak(506, f"internal error: {exc!r}")
            decision = self.server.answer(request, nak, now, trace=trace)
            self._log(decision.trace, now)
        return decision.data if isinstance(decision, Send) else None

    def _aaa_off(self, source: tuple[str, int]) -> None:
        """`no aaa new-model`: IOS has no dynamic-author server then, so a request is dropped
        unanswered, as to a closed port; the log says so once per source."""
        self.aaa_off_drops += 1
        if source[0] not in self.aaa_off_sources:
            self.aaa_off_sources.add(source[0])
            self.device.log(f"%AAA-4-COA_AAA_OFF: RADIUS dynamic authorization request from {source[0]} "
                            "dropped: 'aaa new-model' is not configured")
        return None

    def trace(self, lines: list[Line]) -> None:
        """Lines of the RADIUS client's exchanges (control/aaa/session_aaa.py), under `debug radius`."""
        self._log(lines, self.wall_clock())

    def _log(self, lines: tuple[Line, ...] | list[Line], now: float) -> None:
        if not lines:
            return
        for facility, text in lines:
            if facility in self.debug:
                self.device.log(text, now)

    # ---- start-up ----
    def started(self, address: tuple[str, int]) -> list[str]:
        """Note the listener's address; the warnings start-up must print (ignore server-key)."""
        self.listening = address
        settings = self.device.config.dynamic_author
        warnings = []
        if settings is not None and settings.ignore_server_key:
            warnings.append(
                f"%RADIUS-4-IGNORE_SERVER_KEY: WARNING: 'ignore server-key' is configured: CoA and "
                f"Disconnect requests to {address[0]}:{address[1]} are accepted WITHOUT checking "
                "their authenticators; anyone who can reach this port can change or tear down sessions")
        for line in warnings:
            self.device.log(line)
        return warnings
