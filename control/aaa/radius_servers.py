"""The RADIUS servers the headend sends to: their state (up or dead), their statistics, and one
transaction's way through a server group: retransmission, failover and dead marking as IOS does.

No sockets: a transaction exchanges datagrams through the `Exchange` it is given (control/io/
radius_client.py gives one over UDP). Everything here runs on that exchange's event loop.

IOS's rules, as modelled:
- A group's servers are tried in configuration order. Each gets the request, then `retransmit`
  retransmissions (the server's own `retransmit`, else `radius-server retransmit`, else 3), each after
  `timeout` seconds without a valid reply (the server's, else `radius-server timeout`, else 5).
  A server that never answers moves the request to the next server (a failover, counted).
- An Access-Request is retransmitted as it was sent: same Identifier, same authenticator (RFC 5080
  section 2.2.1). An Accounting-Request is sent again with its Acct-Delay-Time brought up to date,
  which makes it a new request with a new Identifier (RFC 2866 section 5.2).
- A server is marked dead only when a deadtime applies (the group's `deadtime`, else
  `radius-server deadtime`; 0 or none: never) and both dead-criteria hold: no valid reply for `time`
  seconds (default 10) and `tries` consecutive timeouts (default: the server's retransmit count).
  A dead server is skipped until its deadtime has passed; then it is up again. When every server of
  the group is dead the transaction fails at once (the method list's next method decides).
- A reply that fails its checks (client.check_reply) is counted (bad authenticator, or malformed)
  and ignored: the request goes on waiting for a good one until its timeout.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..config import model as M
from ..radius import client as C
from ..radius import trace as T
from ..radius.trace import Line

DEFAULT_TIMEOUT_S = 5
DEFAULT_RETRANSMIT = 3
DEFAULT_DEAD_TIME_S = 10
# Requests in flight to one server: each holds one of its Identifiers. 64, not the 256 the field
# allows: measured against a local FreeRADIUS, 256 at once lost replies (61 of 3,000 timed out: the
# replies of a burst outran the client socket's receive buffer while the loop was busy).
IDENTIFIERS = 64

# exchange(address, datagram, identifier, timeout_s) -> the first datagram back for that
# identifier within the timeout, or None.
Exchange = Callable[[tuple[str, int], bytes, int, float], Awaitable[bytes | None]]


class NoServer(Exception):
    """No server of the group gave a valid reply (all dead, or all timed out)."""


@dataclass
class Counters:
    """One `Authen:`, `Author:` or `Account:` block of `show aaa servers`."""
    request: int = 0
    timeouts: int = 0
    failover: int = 0
    retransmission: int = 0
    accept: int = 0
    reject: int = 0
    challenge: int = 0
    unexpected: int = 0
    server_error: int = 0
    incorrect: int = 0
    response_time_ms_total: float = 0.0
    responses: int = 0
    success: int = 0
    failure: int = 0
    malformed: int = 0
    bad_authenticators: int = 0
    # accounting only, by Acct-Status-Type
    requests_by_status: dict[int, int] = field(default_factory=lambda: {C.START: 0, C.INTERIM_UPDATE: 0, C.STOP: 0})
    responses_by_status: dict[int, int] = field(default_factory=lambda: {C.START: 0, C.INTERIM_UPDATE: 0, C.STOP: 0})

    @property
    def average_ms(self) -> int:
        return round(self.response_time_ms_total / self.responses) if self.responses else 0


@dataclass
class ServerState:
    """One `radius server`: where it is, its key, and what the device has seen of it."""
    id: int
    name: str
    host: str
    auth_port: int
    acct_port: int
    secret: bytes
    timeout_s: float
    retransmit: int
    state_since: float
    dead_until: float | None = None
    previous_duration_s: float = 0.0
    dead_total_s: float = 0.0
    dead_count: int = 0
    consecutive_timeouts: int = 0
    max_consecutive_timeouts: int = 0
    total_timeouts: int = 0
    consecutive_failures: int = 0
    last_reply: float | None = None
    outstanding: dict[str, int] = field(default_factory=lambda: {"access": 0, "accounting": 0})
    author: Counters = field(default_factory=Counters)
    account: Counters = field(default_factory=Counters)
    authen: Counters = field(default_factory=Counters)
    _free: asyncio.Queue | None = None

    def identifiers(self) -> asyncio.Queue:
        """The Identifiers free for this server; taking one bounds its requests in flight (IDENTIFIERS)."""
        if self._free is None:
            self._free = asyncio.Queue()
            for n in range(IDENTIFIERS):
                self._free.put_nowait(n)
        return self._free

    def is_dead(self, now: float) -> bool:
        if self.dead_until is None:
            return False
        if now >= self.dead_until:       # deadtime over: up again
            self.dead_total_s += self.dead_until - self.state_since
            self.previous_duration_s = now - self.state_since
            self.state_since = now
            self.dead_until = None
            self.consecutive_timeouts = 0
            return False
        return True


class Servers:
    """Every `radius server` of the configuration, by name, kept across transactions (their
    statistics and dead state outlive configuration edits that leave them in place)."""

    def __init__(self, config: M.RunningConfig, clock: Callable[[], float] = time.monotonic,
                 trace: Callable[[list[Line]], None] | None = None):
        self.config = config
        self.clock = clock
        self.trace = trace          # `debug radius` lines, when someone listens
        self.cleared_at = clock()
        self._by_name: dict[str, ServerState] = {}
        self._next_id = 1
        self._handles = 0

    # ---- what the configuration says ----
    def state(self, name: str) -> ServerState | None:
        server = self.config.radius_servers.get(name)
        if server is None or server.address is None:
            self._by_name.pop(name, None)
            return None
        timeout = server.timeout or self.config.radius_timeout or DEFAULT_TIMEOUT_S
        retransmit = server.retransmit if server.retransmit is not None else (
            self.config.radius_retransmit if self.config.radius_retransmit is not None else DEFAULT_RETRANSMIT)
        secret = (server.key.plain if server.key else "").encode()
        state = self._by_name.get(name)
        if state is None:
            state = ServerState(self._next_id, name, server.address, server.auth_port, server.acct_port,
                                secret, timeout, retransmit, state_since=self.clock())
            self._by_name[name] = state
            self._next_id += 1
        else:
            state.host, state.auth_port, state.acct_port = server.address, server.auth_port, server.acct_port
            state.secret, state.timeout_s, state.retransmit = secret, timeout, retransmit
        return state

    def group(self, name: str) -> tuple[list[ServerState], int]:
        """The servers of `aaa group server radius NAME` (`radius`: every server), in order, and
        the deadtime that applies to them in seconds (0: never marked dead)."""
        if name == "radius":
            names, deadtime = list(self.config.radius_servers), None
        else:
            group = self.config.radius_groups.get(name)
            if group is None:
                return [], 0
            names, deadtime = group.servers, group.deadtime
        if deadtime is None:
            deadtime = self.config.radius_deadtime or 0
        states = [s for s in (self.state(n) for n in names) if s is not None]
        return states, deadtime * 60

    def all(self) -> list[ServerState]:
        return [s for s in (self.state(n) for n in self.config.radius_servers) if s is not None]

    def clear(self) -> None:
        """`clear aaa counters servers all`."""
        for state in self._by_name.values():
            state.author, state.account, state.authen = Counters(), Counters(), Counters()
        self.cleared_at = self.clock()

    def dead_criteria(self, server: ServerState) -> tuple[float, int]:
        criteria = self.config.radius_dead_criteria
        time_s = criteria[0] if criteria and criteria[0] else DEFAULT_DEAD_TIME_S
        tries = criteria[1] if criteria and criteria[1] else max(1, server.retransmit)
        return time_s, tries

    # ---- one transaction ----
    async def transact(self, group: str, exchange: Exchange, build: Callable[[ServerState, int, int], C.Request],
                       *, accounting: bool, login: bool = False) -> tuple[C.Reply, ServerState]:
        """Send what `build(server, identifier, delay_s)` makes to the group's servers in turn until
        one gives a valid reply; NoServer when none does. `login`: an exec login's Access-Request,
        counted under the server's Authen counters (a session's authorization under Author)."""
        servers, deadtime_s = self.group(group)
        if not servers:
            raise NoServer(f"server group {group} has no server with an address")
        tried = 0
        started = self.clock()
        self._handles += 1
        handle = self._handles
        for server in servers:
            if server.is_dead(self.clock()):
                continue
            if tried:
                self._counters(server, accounting, login).failover += 1
            tried += 1
            reply = await self._try_server(server, exchange, build, accounting, login, deadtime_s, started, handle)
            if reply is not None:
                return reply, server
        why = "every server is dead" if not tried else f"no reply from {tried} server(s)"
        self._trace(lambda: [T.client_no_response(handle, group, why)])
        raise NoServer(f"server group {group}: {why}")

    def _trace(self, lines: Callable[[], list[Line]]) -> None:
        if self.trace is not None:
            self.trace(lines())

    async def _try_server(self, server: ServerState, exchange: Exchange, build, accounting: bool, login: bool,
                          deadtime_s: float, started: float, handle: int) -> C.Reply | None:
        counters = self._counters(server, accounting, login)
        free = server.identifiers()
        identifier = await free.get()
        kind = "accounting" if accounting else "access"
        server.outstanding[kind] += 1
        try:
            request = build(server, identifier, int(self.clock() - started))
            address = (server.host, server.acct_port if accounting else server.auth_port)
            name = C.CODE_NAMES[request.code]
            for attempt in range(1 + server.retransmit):
                if attempt:
                    counters.retransmission += 1
                    if accounting:   # Acct-Delay-Time brought up to date: a new request
                        request = build(server, identifier, int(self.clock() - started))
                    self._trace(lambda: [T.client_retransmit(handle, address, identifier, address[1])])
                self._trace(lambda r=request: T.client_sent(handle, name, address, identifier, address[1],
                                                            C.framed(r.data)))
                counters.request += 1
                if request.status is not None:
                    counters.requests_by_status[request.status] += 1
                sent = self.clock()
                reply = await self._receive(server, counters, exchange, address, request, sent)
                if reply is None:
                    counters.timeouts += 1
                    self._timed_out(server, deadtime_s)
                    if server.dead_until is not None:
                        self._trace(lambda: [T.client_marked_dead(server.name, address)])
                        break
                    continue
                self._answered(server, counters, reply, sent, request if accounting else None)
                self._trace(lambda r=reply: T.client_received(handle, r.name, address, identifier, address[1],
                                                              C.framed(r.data)))
                return reply
            counters.failure += 1
            server.consecutive_failures += 1
            return None
        finally:
            server.outstanding[kind] -= 1
            free.put_nowait(identifier)

    async def _receive(self, server: ServerState, counters: Counters, exchange: Exchange, address,
                       request: C.Request, sent: float) -> C.Reply | None:
        """The first valid reply within the server's timeout; bad ones are counted and skipped."""
        while True:
            left = server.timeout_s - (self.clock() - sent)
            if left <= 0:
                return None
            data = await exchange(address, request.data, request.identifier, left)
            if data is None:
                return None
            try:
                return C.check_reply(request, data, server.secret)
            except C.BadReply as exc:
                if "Authenticator" in str(exc):
                    counters.bad_authenticators += 1
                else:
                    counters.malformed += 1

    def _answered(self, server: ServerState, counters: Counters, reply: C.Reply, sent: float,
                  accounting_request: C.Request | None) -> None:
        now = self.clock()
        server.last_reply = now
        server.consecutive_timeouts = 0
        server.consecutive_failures = 0
        counters.responses += 1
        counters.response_time_ms_total += (now - sent) * 1e3
        counters.success += 1
        if reply.code == C.ACCESS_ACCEPT:
            counters.accept += 1
        elif reply.code == C.ACCESS_REJECT:
            counters.reject += 1
        if accounting_request is not None and accounting_request.status is not None:
            counters.responses_by_status[accounting_request.status] += 1

    def _timed_out(self, server: ServerState, deadtime_s: float) -> None:
        now = self.clock()
        server.consecutive_timeouts += 1
        server.total_timeouts += 1
        server.max_consecutive_timeouts = max(server.max_consecutive_timeouts, server.consecutive_timeouts)
        if deadtime_s <= 0:
            return
        time_s, tries = self.dead_criteria(server)
        silent_for = now - (server.last_reply if server.last_reply is not None else server.state_since)
        if server.consecutive_timeouts >= tries and silent_for >= time_s:
            server.dead_until = now + deadtime_s
            server.dead_count += 1
            server.previous_duration_s = now - server.state_since
            server.state_since = now

    @staticmethod
    def _counters(server: ServerState, accounting: bool, login: bool) -> Counters:
        return server.account if accounting else server.authen if login else server.author
