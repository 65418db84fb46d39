"""IKEv2 sessions: their 6-tuple, their audit-session-id, and the Virtual-Access interfaces they clone.

The audit-session-id encodes the session's 6-tuple reversibly (DESIGN.md):

    L2L4{local:08X}ZO{fvrf:X}L4{remote:08X}ZI{(lport << 16) | rport:X}ZO{ivrf:X}

so 77.1.1.2/500 <-> 77.1.1.1/500 with VRF ids 2 is `L2L44D010102ZO2L44D010101ZI1F401F4ZO2`, the seed's
own example. The letters Z, O, I and L are not hex digits, so the fields can be split back apart.

IPv6 transport: no IOS output with an IPv6 session's audit-session-id was found (Cisco's documents
and the public outputs searched show IPv4 ones only), so the encoding is ours. We read the seed's
`L4` before each address as "4 bytes follow" in hex, the way its other fields are hex, and write an
IPv6 address as `L10` and its 32 hex digits:

    L2L10{local:032X}ZO{fvrf:X}L10{remote:032X}ZI{ports:X}ZO{ivrf:X}

Both ends of a session are of one family (IKE runs over one).

The inside is independent of the transport (FlexVPN carries IPv4 over IPv6 and IPv6 over IPv4): a
session has an IPv4 inside address, an IPv6 inside prefix, or both (Inside), as the headend assigns
them in IKEv2's configuration payload (INTERNAL_IP4_ADDRESS, INTERNAL_IP6_ADDRESS with its prefix
length, RFC 7296 section 3.15.1) from a pool or from RADIUS's Framed-IP-Address and
Framed-IPv6-Prefix (RFC 2865, RFC 3162).
"""
from __future__ import annotations

import heapq
import ipaddress
import re
from dataclasses import dataclass, field

from ..errors import ControlError

IKE_PORT = 500
# QFP interface handles below this belong to the headend's own interfaces (the seed's first
# Virtual-Access has if_h 14).
FIRST_VIRTUAL_ACCESS_IFH = 14

_AUDIT_ID = re.compile(
    r"L2L4(?P<local>[0-9A-F]{8})ZO(?P<fvrf>[0-9A-F]+)L4(?P<remote>[0-9A-F]{8})"
    r"ZI(?P<ports>[0-9A-F]{1,8})ZO(?P<ivrf>[0-9A-F]+)")
_AUDIT_ID6 = re.compile(
    r"L2L10(?P<local>[0-9A-F]{32})ZO(?P<fvrf>[0-9A-F]+)L10(?P<remote>[0-9A-F]{32})"
    r"ZI(?P<ports>[0-9A-F]{1,8})ZO(?P<ivrf>[0-9A-F]+)")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class SessionError(ControlError):
    """A session request that cannot be met: unknown session, address in use, bad tuple."""


@dataclass(frozen=True)
class Inside:
    """What the session's peer was given for the inside: an IPv4 address, an IPv6 prefix (its host
    the prefix's first address after the subnet-router anycast one, ::1, or the address of a /128),
    either or both; None is not given, and that family's inside packets belong to no session."""
    ipv4: ipaddress.IPv4Address | None = None
    ipv6: ipaddress.IPv6Network | None = None

    def __post_init__(self) -> None:
        if self.ipv4 is not None and self.ipv4.version != 4:
            raise SessionError(f"inside IPv4 address {self.ipv4} is not an IPv4 address")
        if self.ipv6 is not None and self.ipv6.version != 6:
            raise SessionError(f"inside IPv6 prefix {self.ipv6} is not an IPv6 prefix")

    @property
    def host6(self) -> ipaddress.IPv6Address | None:
        """The peer's own IPv6 address in its prefix."""
        if self.ipv6 is None:
            return None
        return self.ipv6.network_address + (0 if self.ipv6.prefixlen == 128 else 1)

    def holds(self, address: Address) -> bool:
        if address.version == 4:
            return self.ipv4 == address
        return self.ipv6 is not None and address in self.ipv6


def peer_identity(tuple_: SessionTuple) -> str:
    """A peer's IKE identity when it gives none of its own: its address (ID_IPV4_ADDR,
    ID_IPV6_ADDR) as IOS prints addresses, an IPv6 one in upper case. The Access-Request's
    User-Name and Calling-Station-Id and the accounting records use this same spelling, so that a
    server sees one name for one peer."""
    return address_text(tuple_.remote)


def address_text(address: Address) -> str:
    """An address as IOS writes it: IPv6 in upper case (`2001:DB8::1`)."""
    return str(address).upper() if address.version == 6 else str(address)


@dataclass(frozen=True)
class SessionTuple:
    """What identifies an IKEv2 SA: both ends, their IKE ports, the front-door and inside VRFs."""
    local: Address
    remote: Address
    local_port: int = IKE_PORT
    remote_port: int = IKE_PORT
    fvrf: int = 0
    ivrf: int = 0

    def __post_init__(self) -> None:
        if self.local.version != self.remote.version:
            raise SessionError(f"local {self.local} and remote {self.remote} are of different IP families")
        for what, port in (("local port", self.local_port), ("remote port", self.remote_port)):
            if not 0 <= port <= 0xFFFF:
                raise SessionError(f"{what} {port} is outside 0..65535")
        for what, vrf in (("fvrf id", self.fvrf), ("ivrf id", self.ivrf)):
            if not 0 <= vrf <= 0xFFFFFFFF:
                raise SessionError(f"{what} {vrf} is outside 0..4294967295")

    @property
    def family(self) -> int:
        return self.local.version

    def audit_session_id(self) -> str:
        tag, width = ("L10", 32) if self.family == 6 else ("L4", 8)
        return (f"L2{tag}{int(self.local):0{width}X}ZO{self.fvrf:X}{tag}{int(self.remote):0{width}X}"
                f"ZI{self.local_port << 16 | self.remote_port:X}ZO{self.ivrf:X}")

    @classmethod
    def from_audit_session_id(cls, text: str) -> SessionTuple:
        m = _AUDIT_ID.fullmatch(text)
        address = ipaddress.IPv4Address
        if not m:
            m, address = _AUDIT_ID6.fullmatch(text), ipaddress.IPv6Address
        if not m:
            raise SessionError(f"{text!r} is not an audit-session-id this headend issues")
        ports = int(m["ports"], 16)
        return cls(local=address(int(m["local"], 16)), remote=address(int(m["remote"], 16)),
                   local_port=ports >> 16, remote_port=ports & 0xFFFF,
                   fvrf=int(m["fvrf"], 16), ivrf=int(m["ivrf"], 16))


# An AAA `no service-policy input` / `no ip access-group in`: the target bound to nothing, over the
# template's (no name is empty).
REMOVED = ""


@dataclass
class Authorization:
    """What a session's two targets are bound to, by name; None is nothing said (the template's
    stands), REMOVED an AAA `no service-policy input` (nothing, over the template's). And the other
    interface lines AAA gave (`ip mtu 1300`, `no ip tcp adjust-mss`), in order, which the session's
    derived configuration applies to its template's lines (kept, not acted on)."""
    policy_in: str | None = None
    policy_out: str | None = None
    acl_in: str | None = None
    acl_out: str | None = None
    acl6_in: str | None = None      # `ipv6 traffic-filter`, `ipv6:inacl`
    acl6_out: str | None = None
    interface_lines: tuple[str, ...] = ()

    def over(self, base: Authorization) -> Authorization:
        """This authorization where it names something, `base` where it does not; the interface
        lines of both, base's first (they are edits, applied in order)."""
        return Authorization(*(mine if mine is not None else theirs for mine, theirs in zip(
            self._fields(), base._fields())), interface_lines=base.interface_lines + self.interface_lines)

    def resolved(self) -> Authorization:
        """What the fast path binds: REMOVED is nothing."""
        return Authorization(*(None if name == REMOVED else name for name in self._fields()),
                             interface_lines=self.interface_lines)

    def _fields(self) -> tuple[str | None, ...]:
        return self.policy_in, self.policy_out, self.acl_in, self.acl_out, self.acl6_in, self.acl6_out


@dataclass
class Session:
    id: int                         # IOS's session-id, counting from 1
    tuple: SessionTuple
    identity: str                   # the peer's IKE identity
    template: int                   # Virtual-Template number it was cloned from
    interface: str                  # Virtual-AccessN
    ifh: int                        # QFP interface handle
    uidb: int
    created_ns: int                 # virtual time of bring-up
    inherited: Authorization        # from the Virtual-Template
    aaa: Authorization = field(default_factory=Authorization)   # overrides pushed by RADIUS
    inside: Inside = field(default_factory=Inside)              # what the peer was given
    # When each direction's policy counters started (bring-up, a rebind, `clear counters`), for rates.
    counters_since_ns: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.counters_since_ns:
            self.counters_since_ns = [self.created_ns, self.created_ns]

    @property
    def audit_session_id(self) -> str:
        return self.tuple.audit_session_id()

    @property
    def virtual_access(self) -> int:
        return int(self.interface.removeprefix("Virtual-Access"))

    def effective(self) -> Authorization:
        """AAA attributes override the template's lines, target by target."""
        return self.aaa.over(self.inherited).resolved()


class SessionTable:
    """Live sessions, findable by interface, audit-session-id and remote address; allocates the
    Virtual-Access number (lowest free), the session id and the QFP interface handle."""

    def __init__(self) -> None:
        self._by_interface: dict[str, Session] = {}
        self._by_tuple: dict[SessionTuple, Session] = {}
        self._by_id: dict[int, Session] = {}
        # The audit-session-id as issued: every CoA names its session so, and a dict lookup is a
        # tenth of parsing it.
        self._by_audit_id: dict[str, Session] = {}
        # Inside addresses: IPv4 by address; IPv6 by (prefix length, network), with how many
        # sessions have each length, so a lookup tries only the lengths in use.
        self._by_inside4: dict[ipaddress.IPv4Address, Session] = {}
        self._by_inside6: dict[tuple[int, int], Session] = {}
        self._prefix_lengths: dict[int, int] = {}
        self._next_id = 1
        self._next_ifh = FIRST_VIRTUAL_ACCESS_IFH
        # Virtual-Access numbers: a heap of the freed ones below the highest ever used, so the
        # lowest free one is found in O(log n) at a million sessions.
        self._free_numbers: list[int] = []
        self._next_number = 1

    def __iter__(self):
        return iter(sorted(self._by_interface.values(), key=lambda s: s.virtual_access))

    def __len__(self) -> int:
        return len(self._by_interface)

    def next_virtual_access(self) -> str:
        n = self._free_numbers[0] if self._free_numbers else self._next_number
        return f"Virtual-Access{n}"

    def allocate(self, tuple_: SessionTuple) -> tuple[int, str, int]:
        """A session id, interface name and QFP handle for a new session on `tuple_`; the
        interface is reserved until add() takes it or release() gives it back."""
        if tuple_ in self._by_tuple:
            raise SessionError(f"a session to {tuple_.remote} from {tuple_.local} is already up "
                               f"on {self._by_tuple[tuple_].interface}")
        if self._free_numbers:
            number = heapq.heappop(self._free_numbers)
        else:
            number, self._next_number = self._next_number, self._next_number + 1
        allocated = self._next_id, f"Virtual-Access{number}", self._next_ifh
        self._next_id += 1
        self._next_ifh += 1
        return allocated

    def release(self, interface: str) -> None:
        """Give back an interface that allocate() reserved or remove() freed."""
        heapq.heappush(self._free_numbers, int(interface.removeprefix("Virtual-Access")))

    def check_inside(self, inside: Inside) -> None:
        """SessionError when another session holds `inside`'s IPv4 address or a prefix that
        overlaps its IPv6 one: an inside packet must belong to one session."""
        if inside.ipv4 is not None and inside.ipv4 in self._by_inside4:
            raise SessionError(f"inside address {inside.ipv4} is in use by "
                               f"{self._by_inside4[inside.ipv4].interface}")
        if inside.ipv6 is None:
            return
        new = inside.ipv6
        # One that holds it is found by a lookup per shorter length in use; one it would hold only
        # by a walk of the longer lengths' prefixes, which sessions of one prefix length never take.
        holder = self.by_inside(new.network_address)
        if holder is not None and holder.inside.ipv6.prefixlen <= new.prefixlen:
            raise SessionError(f"inside prefix {address_text(new.network_address)}/{new.prefixlen} "
                               f"overlaps {holder.interface}'s")
        if all(length <= new.prefixlen for length in self._prefix_lengths):
            return
        for (length, _), session in self._by_inside6.items():
            if length > new.prefixlen and session.inside.ipv6.subnet_of(new):
                raise SessionError(f"inside prefix {address_text(new.network_address)}/{new.prefixlen} "
                                   f"overlaps {session.interface}'s")

    def add(self, session: Session) -> None:
        self.check_inside(session.inside)
        self._by_interface[session.interface] = session
        self._by_tuple[session.tuple] = session
        self._by_id[session.id] = session
        self._by_audit_id[session.audit_session_id] = session
        if session.inside.ipv4 is not None:
            self._by_inside4[session.inside.ipv4] = session
        if session.inside.ipv6 is not None:
            prefix = session.inside.ipv6
            self._by_inside6[prefix.prefixlen, int(prefix.network_address)] = session
            self._prefix_lengths[prefix.prefixlen] = self._prefix_lengths.get(prefix.prefixlen, 0) + 1

    def remove(self, session: Session) -> None:
        del self._by_interface[session.interface]
        del self._by_tuple[session.tuple]
        del self._by_id[session.id]
        del self._by_audit_id[session.audit_session_id]
        if session.inside.ipv4 is not None:
            del self._by_inside4[session.inside.ipv4]
        if session.inside.ipv6 is not None:
            prefix = session.inside.ipv6
            del self._by_inside6[prefix.prefixlen, int(prefix.network_address)]
            self._prefix_lengths[prefix.prefixlen] -= 1
            if not self._prefix_lengths[prefix.prefixlen]:
                del self._prefix_lengths[prefix.prefixlen]
        self.release(session.interface)

    def by_inside(self, address: Address) -> Session | None:
        """The session whose inside holds `address`: its IPv4 address, or an address in its IPv6
        prefix."""
        if address.version == 4:
            return self._by_inside4.get(address)
        value = int(address)
        for length in self._prefix_lengths:
            mask = ((1 << length) - 1) << (128 - length)
            session = self._by_inside6.get((length, value & mask))
            if session is not None:
                return session
        return None

    def inside6_prefixes(self) -> dict[int, dict[int, Session]]:
        """The IPv6 inside prefixes by length: {length: {network as an int: session}}, for lookups
        of many addresses at once (control/core/replay.py)."""
        grouped: dict[int, dict[int, Session]] = {}
        for (length, network), session in self._by_inside6.items():
            grouped.setdefault(length, {})[network] = session
        return grouped

    def inside4_addresses(self) -> dict[ipaddress.IPv4Address, Session]:
        return dict(self._by_inside4)

    def by_interface(self, name: str) -> Session:
        session = self._by_interface.get(canonical_virtual_access(name))
        if session is None:
            raise SessionError(f"no session on {name}")
        return session

    def by_audit_session_id(self, text: str) -> Session | None:
        session = self._by_audit_id.get(text)
        if session is not None:
            return session
        try:   # written otherwise than issued (lower-case hex, say): by what it encodes
            return self._by_tuple.get(SessionTuple.from_audit_session_id(text))
        except SessionError:
            return None

    def by_id(self, session_id: int) -> Session | None:
        """By IOS's session-id (what Acct-Session-Id and the inside address encode), without the
        sorted walk of iteration: a CoA with 10,000 sessions up must not scan them."""
        return self._by_id.get(session_id)

    def by_remote(self, remote: Address) -> list[Session]:
        return [s for s in self if s.tuple.remote == remote]


def canonical_virtual_access(name: str) -> str:
    """`Virtual-Access3`, `virtual-access 3`, `Vi3` -> `Virtual-Access3`; anything else unchanged."""
    m = re.fullmatch(r"(?i)(?:virtual-access|vi)\s*(\d+)", name.strip())
    return f"Virtual-Access{int(m[1])}" if m else name
