"""The RADIUS client's IO: UDP to the servers, on an event loop of its own.

The loop runs on a thread of its own ("qfp-radius"), started the first time a request is sent, so
that the same client serves a device driven from a terminal, from the control socket's loop or from
a test: the device's side submits coroutines and enqueues accounting records from whatever thread it
is on, and waits (or awaits) the futures. One connected UDP socket per server address; replies are
matched to waiting requests by Identifier, which control/aaa/radius_servers.py allocates.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import Callable, Coroutine

from .loop import BackgroundLoop

RECEIVE_BUFFER = 1 << 20


class _ServerSocket(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[int, asyncio.Future] = {}
        self.stray = 0        # datagrams no request waited for (late replies, duplicates)

    def connection_made(self, transport) -> None:
        self.transport = transport
        # A burst of replies must not outrun the buffer while the loop is busy elsewhere; the
        # kernel caps this at net.core.rmem_max (best effort).
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            except OSError:
                pass

    def datagram_received(self, data: bytes, addr) -> None:
        waiter = self.waiting.get(data[1]) if len(data) >= 2 else None
        if waiter is None or waiter.done():
            self.stray += 1
            return
        waiter.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # An ICMP port unreachable: the server is not listening. The request times out as if the
        # datagram were lost, which is what the dead-server logic expects.
        pass


class RadiusRuntime:
    """The loop, its sockets, and `exchange` for control/aaa/radius_servers.py."""

    def __init__(self) -> None:
        self._background: BackgroundLoop | None = None
        self._lock = threading.Lock()
        self._sockets: dict[tuple[str, int], _ServerSocket] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._background is None:
                self._background = BackgroundLoop(name="qfp-radius").start()
            return self._background.loop

    def submit(self, coroutine: Coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def call_soon(self, fn: Callable, *args) -> None:
        self.loop.call_soon_threadsafe(fn, *args)

    async def exchange(self, address: tuple[str, int], data: bytes, identifier: int,
                       timeout: float) -> bytes | None:
        endpoint = self._sockets.get(address)
        if endpoint is None or endpoint.transport is None or endpoint.transport.is_closing():
            loop = asyncio.get_running_loop()
            _, endpoint = await loop.create_datagram_endpoint(_ServerSocket, remote_addr=address)
            self._sockets[address] = endpoint
        waiter = asyncio.get_running_loop().create_future()
        endpoint.waiting[identifier] = waiter
        try:
            endpoint.transport.sendto(data)
            return await asyncio.wait_for(waiter, timeout)
        except (asyncio.TimeoutError, OSError):
            return None
        finally:
            if endpoint.waiting.get(identifier) is waiter:
                del endpoint.waiting[identifier]

    def close(self) -> None:
        """Cancel what is still running (accounting records not yet answered are given up: the
        device is going away), close the sockets and stop the loop."""
        with self._lock:
            background, self._background = self._background, None
        if background is None:
            return
        background.run(self._cancel_all())
        self._sockets.clear()
        background.stop()

    async def _cancel_all(self) -> None:
        for endpoint in self._sockets.values():
            if endpoint.transport is not None:
                endpoint.transport.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
