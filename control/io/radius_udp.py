"""The dynamic-author server's UDP socket: the only IO of RADIUS CoA. Each datagram goes to a
handler on the event loop (the device's loop, so the device sees one caller at a time) and the
handler's bytes, if any, go back to the sender.

The handler answers before the next datagram is read, so a retransmission never finds its original
half-done; the sans-IO server still drops such a duplicate, should a handler ever defer its work.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Handler = Callable[[bytes, tuple[str, int]], "bytes | None"]


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, handler: Handler):
        self.handler = handler
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            reply = self.handler(data, addr[:2])
        except Exception:   # a bug must cost one request, not the listener
            log.exception("RADIUS handler failed on %d octets from %s:%s", len(data), *addr[:2])
            return
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a client that went away: nothing to do, keep serving.
        log.debug("RADIUS socket error: %s", exc)


class CoaListener:
    """A UDP socket on (host, port) feeding `handler`; port 0 takes any free port (see `.address`)."""

    def __init__(self, handler: Handler, host: str, port: int):
        self.handler = handler
        self.host = host
        self.port = port
        self.transport: asyncio.DatagramTransport | None = None
        self.warnings: list[str] = []

    async def start(self) -> CoaListener:
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self.handler), local_addr=(self.host, self.port))
        return self

    @property
    def address(self) -> tuple[str, int]:
        return self.transport.get_extra_info("sockname")[:2]

    async def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
