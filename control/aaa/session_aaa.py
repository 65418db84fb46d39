"""AAA for IKEv2 sessions: authorization when a session comes up, and its accounting, over the
configured RADIUS servers.

Authorization. A session's IKEv2 profile (the one whose `virtual-template` the session clones)
with `aaa authorization group psk list LIST [NAME]` asks `aaa authorization network LIST`'s
groups, in order, with an Access-Request for NAME (else the peer's identity, else its address).
  - Access-Accept: its Cisco AV pairs are applied by the CoA rules (aaa/ikev2.changes_from: the
    same seven AV pairs, the same validation, all or nothing) as the session comes up; an
    `audit-session-id` pair is the server echoing the key and changes nothing. Framed-IP-Address
    (RFC 2865) and Framed-IPv6-Prefix (RFC 3162) assign the session's inside IPv4 address and IPv6
    prefix, over the pool's, for the families the peer asked for (Cisco's FlexVPN RADIUS appendix
    lists Framed-IP-Address for the address pushed to the client; an IPv6 peer's prefix is RFC
    3162's attribute). Framed-IP-Address 255.255.255.254 (RFC 2865: the NAS picks) leaves the
    pool's. Other IETF attributes authorize nothing the model has (Framed-Interface-Id,
    Delegated-IPv6-Prefix among them: the model routes no delegated prefix), and are listed in a
    %AAA-6-NOTMODELED log line, not applied.
  - Access-Reject, an Accept the CoA rules refuse, or one naming a policy or ACL the configuration
    lacks: the session does not come up (SessionRefused says why; counted).
  - No group answers: the list's `local` method, if any, brings the session up on its template
    alone (no attributes: the model has no local user database); else the session is refused.
The request goes out on the RADIUS loop (control/io/radius_client.py): a served device keeps
answering meanwhile, and many sessions come up concurrently, each server's Identifiers (64)
bounding its requests in flight.

Accounting. A session whose profile has `aaa accounting psk LIST`, with `aaa accounting network
LIST start-stop group ...` configured, is accounted: Start when it is up, Interim-Update when the
virtual clock passes each `aaa accounting update [newinfo] periodic N` interval since bring-up
(checked when a traffic run or replay ends: one Interim for the intervals that run crossed, with the
counters then), Stop when it goes down with Acct-Terminate-Cause (User-Request: the peer ended it,
`sim session down`; Admin-Reset: `clear crypto session` or a Disconnect-Request).
  - Acct-Input-Octets/-Packets: every packet the session's input target received (before its ACL
    and policers), from the fast path's per-UIDB counters; Acct-Output-Octets/-Packets: what its
    output target forwarded (what the peer was sent). Octets beyond 32 bits go in the Gigawords.
  - Acct-Session-Time: virtual seconds since bring-up; Event-Timestamp: the wall clock.
  - Acct-Session-Id: the session id as eight hex digits, the id CoA's Acct-Session-Id matches.
  - Framed-IP-Address and Framed-IPv6-Prefix: the session's inside, each where it has one.
  - User-Name: NAME, else the peer's identity: for a peer identified by its address, the address
    as sessions.peer_identity spells it (IPv6 in upper case), the same in the Access-Request, in
    accounting and in what a CoA's User-Name is matched against.
  - Records wait in a bounded queue (MAX_PENDING) and go out in order of their events, a few at a
    time; a record no server takes stays queued and is tried again (Acct-Delay-Time grows), so a
    server briefly down loses nothing. A record that finds the queue full is dropped, counted and
    logged once per burst.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Protocol

from qfp_model.qfp.tables import Direction

from ..config import model as M
from ..core.device import AuthorizationError, Device
from ..core.sessions import Authorization, Inside, Session, SessionTuple, address_text, peer_identity
from ..errors import ControlError, PeerNak
from ..radius import client as C
from ..radius import packet as P
from ..radius.trace import Line
from .ikev2 import AUDIT_SESSION_ID, acct_session_id, changes_from
from .radius_servers import Exchange, NoServer, Servers
from .registry import av_name_value

log = logging.getLogger(__name__)

MAX_PENDING = 100_000          # accounting records waiting for a server
ACCOUNTING_IN_FLIGHT = 32      # records sent at once
RETRY_S = 1.0                  # how long a record no server took waits before it is tried again
NS_PER_MINUTE = 60 * 1_000_000_000
TERMINATE_CAUSES = {"user-request": C.USER_REQUEST, "admin-reset": C.ADMIN_RESET, "nas-request": C.NAS_REQUEST,
                    "lost-carrier": C.LOST_CARRIER}


class SessionRefused(ControlError):
    """Authorization at session start said no, or could not be had: the session does not come up."""


class Runner(Protocol):
    """Where the RADIUS client's coroutines run (control/io/radius_client.py): an event loop of its
    own, reachable from any thread."""
    exchange: Exchange

    def submit(self, coroutine: Coroutine) -> concurrent.futures.Future: ...

    def call_soon(self, fn: Callable, *args) -> None: ...


@dataclass(frozen=True)
class AuthorizationRequest:
    method: M.MethodList
    subject: C.AccessSubject


@dataclass(frozen=True)
class Outcome:
    """What authorization answered: a reply from `server`, or the `local` fallback."""
    reply: C.Reply | None
    server: str | None
    local: bool = False


@dataclass(frozen=True)
class Granted:
    """What authorization gave a session: its bindings, and the inside RADIUS assigned."""
    authorization: Authorization
    framed: Inside = Inside()


# Framed-IP-Address 255.255.255.254: "the NAS should select an address" (RFC 2865 section 5.8).
NAS_SELECTS = ipaddress.IPv4Address("255.255.255.254")


def framed_inside(attributes) -> Inside:
    """The inside an Accept's Framed-IP-Address and Framed-IPv6-Prefix assign (the last of each);
    PeerNak 407 for a malformed one."""
    ipv4 = ipv6 = None
    for a in attributes:
        if a.vendor is not None:
            continue
        if a.type == P.FRAMED_IP_ADDRESS:
            if len(a.value) != 4:
                raise PeerNak(407, f"Framed-IP-Address of {len(a.value)} octets is malformed")
            address = ipaddress.IPv4Address(a.value)
            ipv4 = None if address == NAS_SELECTS else address
        elif a.type == P.FRAMED_IPV6_PREFIX:
            ipv6 = P.ipv6_prefix(a.value)
    return Inside(ipv4, ipv6)


@dataclass
class AuthorizationStats:
    requests: int = 0
    accepted: int = 0
    rejected: int = 0
    unusable: int = 0           # an Accept the CoA rules or the configuration refuse
    no_server: int = 0
    local: int = 0


@dataclass
class Accounted:
    """A session being accounted: where its records go and when its next Interim is due."""
    session: Session
    method: M.MethodList
    user_name: str
    next_interim_ns: int | None


@dataclass
class AaaSession:
    """A session AAA knows of (authorized by RADIUS or accounted): `show aaa sessions`' row."""
    session: Session
    unique_id: int
    user_name: str
    framed_ip: str
    started: float              # wall clock at bring-up
    accounted: bool


@dataclass
class AccountingStats:
    queued: int = 0
    sent: int = 0
    dropped: int = 0            # the queue was full
    retried: int = 0            # no server took it at once
    by_status: dict[int, int] = field(default_factory=lambda: {C.START: 0, C.INTERIM_UPDATE: 0, C.STOP: 0})


class SessionAaa:
    def __init__(self, device: Device, runner: Runner, *, wall_clock: Callable[[], float] = time.time,
                 trace: Callable[[list[Line]], None] | None = None):
        self.device = device
        self.runner = runner
        self.wall_clock = wall_clock
        self.servers = Servers(device.config, trace=trace)
        self.authorization = AuthorizationStats()
        self.accounting = AccountingStats()
        self.accounted: dict[int, Accounted] = {}
        self.sessions: dict[int, AaaSession] = {}      # by IOS session id, while up
        self.sessions_since_start = 0
        self._authorized: dict[str, str] = {}           # audit-session-id -> user, until it is up
        self._no_server_logged: set[str] = set()
        self.pending: deque[tuple[M.MethodList, C.AccountingRecord, float]] = deque()
        self._in_flight = 0
        self._sender: asyncio.Task | None = None
        self._overflow_logged = False
        device.observers.append(self._observe)

    # ---- which profile, which list ----
    def _profile(self, template: int) -> M.Ikev2Profile | None:
        for profile in self.device.config.ikev2_profiles.values():
            if profile.virtual_template == template:
                return profile
        return None

    def authorization_request(self, tuple_: SessionTuple, identity: str | None,
                              template: int | None) -> AuthorizationRequest | None:
        """The Access-Request a session with this tuple would need before it comes up, or None
        when its profile asks for no authorization."""
        profile = self._profile(self.device.template_number(template))
        if profile is None or profile.aaa_authorization_psk is None:
            return None
        list_name, name = profile.aaa_authorization_psk
        method = self.device.config.authorization_network.get(list_name)
        if method is None:
            raise SessionRefused(f"IKEv2 profile {profile.name} names aaa authorization network {list_name}, "
                                 "which is not configured")
        if not self._has_servers(method):
            self._log_no_server("authorization", method)
            return None
        subject = C.AccessSubject(name or identity or peer_identity(tuple_), tuple_.remote,
                                  tuple_.audit_session_id(), tuple_.local)
        return AuthorizationRequest(method, subject)

    def _has_servers(self, method: M.MethodList) -> bool:
        return any(self.servers.group(group)[0] for group in method.groups)

    def _log_no_server(self, what: str, method: M.MethodList) -> None:
        """A list whose groups hold no server with an address: nothing is sent (the embedded
        configuration's case), said once per list."""
        key = f"{what} {method.name}"
        if key not in self._no_server_logged:
            self._no_server_logged.add(key)
            self.device.log(f"%AAA-4-NOSERVER: {what} list {method.name}: no RADIUS server configured in "
                            f"group(s) {', '.join(method.groups) or '(none)'}: nothing sent, sessions come up "
                            "without it")

    # ---- authorization ----
    def authorize(self, request: AuthorizationRequest) -> concurrent.futures.Future:
        """Ask the method list's groups, on the RADIUS loop; the future's result is an Outcome, or
        SessionRefused when no group answered and the list has no `local`."""
        self.authorization.requests += 1
        return self.runner.submit(self._authorize(request))

    async def _authorize(self, request: AuthorizationRequest) -> Outcome:
        failures = []
        for group in request.method.groups:
            def build(server, identifier, delay, subject=request.subject):
                return C.access_request(subject, identifier, server.secret)
            try:
                reply, server = await self.servers.transact(group, self.runner.exchange, build, accounting=False)
            except NoServer as exc:
                failures.append(str(exc))
                continue
            return Outcome(reply, server.name)
        if request.method.local:
            return Outcome(None, None, local=True)
        self.authorization.no_server += 1
        raise SessionRefused(f"authorization list {request.method.name}: " + "; ".join(failures))

    def changes(self, request: AuthorizationRequest, outcome: Outcome) -> Granted:
        """What the session comes up with; SessionRefused (counted) when it may not come up."""
        subject = request.subject
        if outcome.local:
            self.authorization.local += 1
            self.device.log(f"%AAA-6-LOCAL: {subject.user_name}: no RADIUS server answered; authorized "
                            f"locally by list {request.method.name} (template only)")
            return Granted(Authorization())
        reply = outcome.reply
        if reply.code == C.ACCESS_REJECT:
            self.authorization.rejected += 1
            raise SessionRefused(f"Access-Reject for {subject.user_name} from server {outcome.server}")
        avpairs = [a for a in reply.attributes if a.is_cisco_avpair
                   and av_name_value(a)[0].lower() != AUDIT_SESSION_ID]
        ignored = [a for a in reply.attributes if not a.is_cisco_avpair and a.type not in
                   (P.MESSAGE_AUTHENTICATOR, P.FRAMED_IP_ADDRESS, P.FRAMED_IPV6_PREFIX)]
        try:
            changes, _ = changes_from(avpairs)
            framed = framed_inside(reply.attributes)
            self.device.check_names(changes)
        except (PeerNak, AuthorizationError) as exc:
            self.authorization.unusable += 1
            raise SessionRefused(f"Access-Accept for {subject.user_name} from server {outcome.server} "
                                 f"is unusable: {exc}") from None
        if ignored:
            self.device.log(f"%AAA-6-NOTMODELED: {subject.user_name}: Access-Accept attributes not modeled, "
                            "ignored: " + ", ".join(sorted({a.name for a in ignored})))
        self.authorization.accepted += 1
        self._authorized[subject.audit_session_id] = subject.user_name
        return Granted(changes, framed)

    # ---- accounting ----
    def _observe(self, event: str, session: Session | None, cause: str | None) -> None:
        try:
            if event == "up":
                self._start(session)
                user = self._authorized.pop(session.audit_session_id, None)
                if user is None and session.id in self.accounted:
                    user = self.accounted[session.id].user_name
                if user is not None:
                    self.sessions_since_start += 1
                    framed = session.inside.ipv4 or session.inside.host6
                    self.sessions[session.id] = AaaSession(session, self.sessions_since_start, user,
                                                           address_text(framed) if framed else "",
                                                           self.wall_clock(), session.id in self.accounted)
            elif event == "down":
                self.sessions.pop(session.id, None)
                accounted = self.accounted.pop(session.id, None)
                if accounted is not None:
                    self._record(accounted, C.STOP, TERMINATE_CAUSES.get(cause or "", C.NAS_REQUEST))
            elif event == "clock":
                self._interims()
        except Exception:     # accounting must never stop the device's own work
            log.exception("accounting of a %s event failed", event)

    def _start(self, session: Session) -> None:
        profile = self._profile(session.template)
        if profile is None or profile.aaa_accounting_psk is None:
            return
        method = self.device.config.accounting_network.get(profile.aaa_accounting_psk)
        if method is None or method.record != "start-stop":
            if method is None:
                self.device.log(f"%AAA-4-NOLIST: IKEv2 profile {profile.name} names aaa accounting network "
                                f"{profile.aaa_accounting_psk}, which is not configured: not accounted")
            elif method.record != "none":
                self.device.log(f"%AAA-6-NOTMODELED: aaa accounting network {method.name} {method.record}: "
                                "only start-stop is modeled; not accounted")
            return
        if not self._has_servers(method):
            self._log_no_server("accounting", method)
            return
        if profile.aaa_authorization_psk is not None and profile.aaa_authorization_psk[1]:
            user = profile.aaa_authorization_psk[1]
        else:
            user = session.identity
        accounted = Accounted(session, method, user, self._next_interim(session.created_ns))
        self.accounted[session.id] = accounted
        self._record(accounted, C.START)

    def usage(self, session: Session) -> tuple[int, int, int, int]:
        """What accounting reports of a session, from the fast path: (input octets, output octets,
        input packets, output packets) - all its input target received, what its output forwarded."""
        c = self.device.fp.uidb_counters(session.uidb)
        return (c.bytes[Direction.IN], c.forwarded_bytes[Direction.OUT],
                c.packets[Direction.IN], c.forwarded_packets[Direction.OUT])

    def _next_interim(self, after_ns: int) -> int | None:
        minutes = self.device.config.accounting_periodic_minutes
        return None if not minutes else after_ns + minutes * NS_PER_MINUTE

    def _interims(self) -> None:
        now = self.device.clock_ns
        minutes = self.device.config.accounting_periodic_minutes
        for accounted in self.accounted.values():
            if not minutes:
                accounted.next_interim_ns = None
                continue
            if accounted.next_interim_ns is None:     # periodic configured since the session came up
                accounted.next_interim_ns = self._next_interim(accounted.session.created_ns)
            if accounted.next_interim_ns <= now:
                self._record(accounted, C.INTERIM_UPDATE)
                step = minutes * NS_PER_MINUTE
                passed = (now - accounted.next_interim_ns) // step + 1
                accounted.next_interim_ns += passed * step

    def _record(self, accounted: Accounted, status: int, cause: int | None = None) -> None:
        session = accounted.session
        t = session.tuple
        record = C.AccountingRecord(
            status, acct_session_id(session), accounted.user_name, t.remote, session.audit_session_id,
            t.local, session.inside.ipv4, int(self.wall_clock()),
            session_time=(self.device.clock_ns - session.created_ns) // 1_000_000_000,
            framed_ipv6_prefix=session.inside.ipv6)
        if status != C.START:
            in_octets, out_octets, in_packets, out_packets = self.usage(session)
            record = replace(record, input_octets=in_octets, output_octets=out_octets, input_packets=in_packets,
                             output_packets=out_packets, terminate_cause=cause)
        if len(self.pending) >= MAX_PENDING:
            self.accounting.dropped += 1
            if not self._overflow_logged:
                self._overflow_logged = True
                self.device.log(f"%AAA-3-ACCT_LOW_MEM_TRASH: accounting queue full ({MAX_PENDING} records): "
                                f"{C.STATUS_NAMES[status]} for {session.interface} dropped (counted)")
            return
        self._overflow_logged = False
        self.accounting.queued += 1
        self.accounting.by_status[status] += 1
        self.pending.append((accounted.method, record, time.monotonic()))
        self.runner.call_soon(self._kick)

    def _kick(self) -> None:
        """On the RADIUS loop: make sure a sender is draining the queue."""
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        running: set[asyncio.Task] = set()
        while self.pending or running:
            while self.pending and len(running) < ACCOUNTING_IN_FLIGHT:
                running.add(asyncio.ensure_future(self._send(*self.pending.popleft())))
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is not None:
                    log.error("accounting send failed", exc_info=task.exception())

    async def _send(self, method: M.MethodList, record: C.AccountingRecord, queued_at: float) -> None:
        self._in_flight += 1
        try:
            while True:
                for group in method.groups:
                    def build(server, identifier, delay, record=record):
                        waited = int(time.monotonic() - queued_at)
                        return C.accounting_request(record, identifier, server.secret, delay=max(delay, waited))
                    try:
                        await self.servers.transact(group, self.runner.exchange, build, accounting=True)
                    except NoServer:
                        continue
                    self.accounting.sent += 1
                    return
                self.accounting.retried += 1
                await asyncio.sleep(RETRY_S)
        finally:
            self._in_flight -= 1

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for every queued record to be answered; whether they were."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.pending and self._in_flight == 0:
                return True
            time.sleep(0.01)
        return False

    @property
    def outstanding(self) -> int:
        return len(self.pending) + self._in_flight
