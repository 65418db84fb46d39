"""The RFC 5176 Dynamic Authorization Server, without IO: datagrams and their source in, decisions
out (drop, send these bytes, or hand this verified request to the AAA components), trace lines with
each. The caller owns the socket and the clock; `answer()` turns the components' verdict into reply
bytes.

Checks, in this order, each counted per client and reason (RFC 5176, RFC 3579 section 3.2, RFC 5080
section 2.2.2):

  1. a configured client                      else drop (counted per source address)
  2. length and attribute framing             else drop
  3. Request Authenticator with the key       else drop   (skipped by `ignore server-key`)
  4. Message-Authenticator, when present      else drop   (skipped by `ignore server-key`);
     when absent and `require message-authenticator` is set: drop
  5. duplicate (source IP, port, Identifier, Request Authenticator): re-send the cached reply, never
     re-apply; a duplicate still being processed is dropped
  6. Event-Timestamp within the window        else drop
  7. NAS-IP-Address / NAS-IPv6-Address / NAS-Identifier name this NAS   else NAK 403
  8. Service-Type is not Authorize-Only       else NAK 405

Checks 1-4 come before the cache so that a forged packet can neither fill it nor read a reply out
of it; the cache keys on the authenticator so that a new request reusing an Identifier is not
mistaken for a retransmission.
"""
from __future__ import annotations

import ipaddress
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import PeerDrop, PeerNak
from . import packet as P
from . import trace as T

EVENT_TIMESTAMP_WINDOW = 300        # seconds either side of our clock (RFC 5176 section 3.3)
# How long a reply stays cached: longer than any client's retransmission schedule (radclient
# gives up after retries x timeout, FreeRADIUS defaults 3 x 3 s; RFC 5080 suggests seconds).
REPLY_CACHE_SECONDS = 30
# An entry is never dropped before its time, or a late retransmission would be applied again over
# whatever came after it. So the cache is sized by rate x window (262,144 entries hold 30 s of a
# sustained 8,700 requests/s, about 80 MB at most), and a new request that finds it full is refused
# with NAK 506 (Resources-Unavailable), counted, and not applied: its client retries later.
REPLY_CACHE_SIZE = 262144
# Sources that are not clients are counted one by one up to this many, then together.
UNKNOWN_SOURCES_MAX = 1024
OTHER_SOURCES = "(others)"

# The counters every client shows, in the order `show aaa server radius dynamic-author` prints them.
COUNTERS = (
    "coa-requests", "disconnect-requests",
    "coa-acks", "coa-naks", "disconnect-acks", "disconnect-naks",
    "duplicates-resent", "duplicates-in-progress",
    "malformed", "bad-authenticator", "bad-message-authenticator", "missing-message-authenticator",
    "stale-event-timestamp", "refused-cache-full",
)
REPLY_COUNTER = {P.COA_ACK: "coa-acks", P.COA_NAK: "coa-naks",
                 P.DISCONNECT_ACK: "disconnect-acks", P.DISCONNECT_NAK: "disconnect-naks"}
REQUEST_COUNTER = {P.COA_REQUEST: "coa-requests", P.DISCONNECT_REQUEST: "disconnect-requests"}
# Attributes this server consumes; the rest go to the AAA components.
TRANSPORT = frozenset({P.MESSAGE_AUTHENTICATOR, P.PROXY_STATE, P.EVENT_TIMESTAMP, P.NAS_IP_ADDRESS,
                       P.NAS_IPV6_ADDRESS, P.NAS_IDENTIFIER, P.SERVICE_TYPE})

Source = tuple[str, int]
CacheKey = tuple[str, int, int, bytes]


@dataclass(frozen=True)
class NasIdentity:
    """What NAS-IP-Address and NAS-Identifier in a request must say to name this NAS."""
    addresses: frozenset[ipaddress.IPv4Address]
    identifier: str


@dataclass(frozen=True, eq=False)
class CoaRequest:
    """A verified, first-seen CoA-Request or Disconnect-Request, for the AAA components."""
    code: int
    identifier: int
    source: Source
    attributes: tuple[P.Attribute, ...]     # in packet order, without the ones the server consumed
    cache_key: CacheKey
    packet: object                          # pyrad's CoAPacket, for the reply

    @property
    def client(self) -> str:
        return self.source[0]

    @property
    def is_disconnect(self) -> bool:
        return self.code == P.DISCONNECT_REQUEST


@dataclass(frozen=True)
class Drop:
    reason: str
    trace: tuple[T.Line, ...] = ()


@dataclass(frozen=True)
class Send:
    data: bytes
    trace: tuple[T.Line, ...] = ()


@dataclass(frozen=True)
class Dispatch:
    """Offer `request` to the components, then call DynamicAuthorServer.answer with the verdict."""
    request: CoaRequest
    trace: tuple[T.Line, ...] = ()


Decision = Drop | Send | Dispatch


@dataclass
class _Cached:
    expires: float
    reply: bytes | None = None      # None while the components work on it


@dataclass
class DynamicAuthorServer:
    """`settings()` gives the live `aaa server radius dynamic-author` (None: not configured), and
    `nas()` this NAS's identity; both are read per request, so configuration edits apply at once."""
    settings: Callable[[], object]
    nas: Callable[[], NasIdentity]
    event_window: float = EVENT_TIMESTAMP_WINDOW
    cache_seconds: float = REPLY_CACHE_SECONDS
    cache_size: int = REPLY_CACHE_SIZE
    counters: dict[str, Counter] = field(default_factory=dict)
    unknown_clients: Counter = field(default_factory=Counter)
    _cache: OrderedDict[CacheKey, _Cached] = field(default_factory=OrderedDict)

    def count(self, client: str, reason: str, n: int = 1) -> None:
        self.counters.setdefault(client, Counter())[reason] += n

    # ---- a datagram in ----
    def receive(self, data: bytes, source: Source, now: float, *, trace: bool = False) -> Decision:
        """What to do with one datagram from `source` at wall-clock time `now` (seconds)."""
        lines: list[T.Line] = []
        settings = self.settings()
        client = source[0]
        if settings is None or settings.client(client) is None:
            known = client in self.unknown_clients or len(self.unknown_clients) < UNKNOWN_SOURCES_MAX
            self.unknown_clients[client if known else OTHER_SOURCES] += 1
            if trace:
                lines.append(T.dropped(source, "unknown client", ""))
            return Drop("unknown-client", tuple(lines))
        try:
            return self._receive(data, source, now, settings, lines if trace else None)
        except PeerDrop as drop:
            self.count(client, drop.reason)
            if trace:
                lines.append(T.dropped(source, drop.reason, drop.detail))
            return Drop(drop.reason, tuple(lines))

    def _receive(self, data: bytes, source: Source, now: float, settings, lines: list | None) -> Decision:
        client = source[0]
        header = P.peek_header(data)
        if lines is not None and header is not None:
            lines.append(T.received(source, *header))
        frame = P.frame(data)
        self.count(client, REQUEST_COUNTER[frame.code])
        if lines is not None:
            lines += [T.queued(source), T.authenticator(frame.authenticator), *T.attributes(frame)]
        key_text = settings.key_for(client)
        secret = (key_text or "").encode()
        request = P.decode(frame, secret)
        has_ma = frame.first(P.MESSAGE_AUTHENTICATOR) is not None
        if lines is not None and not has_ma:
            lines.append(T.message_authenticator_missing())
        if not settings.ignore_server_key:
            if key_text is None:
                raise PeerDrop("bad-authenticator", "no server-key for this client")
            if not P.request_authenticator_ok(request):
                raise PeerDrop("bad-authenticator", "Request Authenticator does not match the key")
            if has_ma and not P.message_authenticator_ok(request):
                if lines is not None:
                    lines.append(T.message_authenticator_missing())
                raise PeerDrop("bad-message-authenticator", "Message-Authenticator does not match the key")
        if not has_ma and settings.require_message_authenticator:
            raise PeerDrop("missing-message-authenticator", "require message-authenticator is set")

        cache_key = (client, source[1], frame.identifier, frame.authenticator)
        self._expire(now)
        cached = self._cache.get(cache_key)
        if cached is not None:
            if cached.reply is None:
                self.count(client, "duplicates-in-progress")
                if lines is not None:
                    lines.append(T.duplicate(source, frame.identifier, resent=False))
                return Drop("duplicate-in-progress", tuple(lines or ()))
            self.count(client, "duplicates-resent")
            if lines is not None:
                lines.append(T.duplicate(source, frame.identifier, resent=True))
            return Send(cached.reply, tuple(lines or ()))

        timestamp = frame.first(P.EVENT_TIMESTAMP)
        if timestamp is not None:
            sent = int.from_bytes(timestamp.value, "big")
            if abs(now - sent) > self.event_window:
                raise PeerDrop("stale-event-timestamp",
                               f"Event-Timestamp {sent} is {now - sent:+.0f} s from our clock")

        coa = CoaRequest(frame.code, frame.identifier, source,
                         tuple(a for a in frame.attributes if a.vendor is not None or a.type not in TRANSPORT),
                         cache_key, request)
        if len(self._cache) >= self.cache_size:
            # Not cached: the client's retransmission is a first try again, once there is room.
            self.count(client, "refused-cache-full")
            sent = self._reply(coa, PeerNak(506, "the duplicate-detection cache is full"), trace=lines is not None)
            return Send(sent.data, tuple((lines or []) + list(sent.trace)))
        self._cache[cache_key] = _Cached(now + self.cache_seconds)
        refusal = self._nas_refusal(frame) or self._service_refusal(frame)
        if refusal is not None:
            sent = self.answer(coa, refusal, now, trace=lines is not None)
            return Send(sent.data, tuple((lines or []) + list(sent.trace)))
        return Dispatch(coa, tuple(lines or ()))

    def _nas_refusal(self, frame: P.Frame) -> PeerNak | None:
        nas = None
        for a in frame.attributes:
            if a.vendor is not None or a.type not in (P.NAS_IP_ADDRESS, P.NAS_IPV6_ADDRESS, P.NAS_IDENTIFIER):
                continue
            nas = nas or self.nas()
            if a.type == P.NAS_IP_ADDRESS and ipaddress.IPv4Address(a.value) in nas.addresses:
                continue
            if a.type == P.NAS_IDENTIFIER and a.text == nas.identifier:
                continue
            return PeerNak(403, f"{a.name} {T.value_text(a)} does not name this NAS", (a,))
        return None

    def _service_refusal(self, frame: P.Frame) -> PeerNak | None:
        service = frame.first(P.SERVICE_TYPE)
        if service is not None and int.from_bytes(service.value, "big") == P.SERVICE_TYPE_AUTHORIZE_ONLY:
            return PeerNak(405, "Service-Type Authorize-Only is not supported", (service,))
        return None

    # ---- the verdict out ----
    def answer(self, request: CoaRequest, nak: PeerNak | None, now: float, *, trace: bool = False) -> Send:
        """The reply to `request`: an ACK when `nak` is None, else a NAK with its Error-Cause (and
        the attributes it names); cached for the request's retransmissions."""
        sent = self._reply(request, nak, trace=trace)
        entry = self._cache.get(request.cache_key)
        if entry is None:
            entry = self._cache[request.cache_key] = _Cached(now + self.cache_seconds)
        entry.reply = sent.data
        return sent

    def _reply(self, request: CoaRequest, nak: PeerNak | None, *, trace: bool) -> Send:
        if nak is None:
            code = P.ACK_FOR[request.code]
            data = P.reply(request.packet, code)
        else:
            code = P.NAK_FOR[request.code]
            data = P.reply(request.packet, code, error_cause=nak.error_cause, echo=nak.attributes)
            self.count(request.client, f"nak-{nak.error_cause}")
        self.count(request.client, REPLY_COUNTER[code])
        lines = T.result(None if nak is None else nak.error_cause, "" if nak is None else str(nak)) \
            if trace else []
        return Send(data, tuple(lines))

    # ---- the reply cache ----
    def _expire(self, now: float) -> None:
        while self._cache:
            key, entry = next(iter(self._cache.items()))
            if entry.expires > now:
                break
            del self._cache[key]

    @property
    def cached_replies(self) -> int:
        return len(self._cache)
