"""The IKEv2 component of the AAA registry: CoA-Request and Disconnect-Request for IKEv2 sessions.

Which session (identification, RFC 5176 section 3 and `aaa server radius dynamic-author`):
  the Cisco AV pair `audit-session-id` (the session key), Acct-Session-Id (the session id as
  eight hex digits, as IOS numbers accounting sessions), User-Name (the peer's IKE identity),
  Calling-Station-Id (the peer's IKE address) and Framed-IP-Address (its inside address).
  - `auth-type all` (IOS's default): every one of these the request carries must name the same
    session; `any`: any one of them may, and if they name several sessions -> NAK 508;
    `session-key`: only audit-session-id counts, and it must be there -> else NAK 402.
  - `ignore session-key`: audit-session-id does not identify (the others must).
  - None present -> NAK 402. Present but naming no session -> not ours: the registry NAKs 503.
  - An audit-session-id that is not in this headend's encoding -> NAK 407.

What may change (DESIGN.md's seven AV pairs, the seed's list); anything else -> NAK 401 naming it:
  ip:interface-config   any line the Virtual-Template takes, and its `no` form, as IOS applies it to
                        the Virtual-Access: `service-policy [type qos] input|output NAME` and
                        `ip access-group NAME in|out` bind the fast path (`no service-policy input`,
                        `no ip access-group in`: nothing, over the template's); the others
                        (`ip mtu 1300`, `no ip tcp adjust-mss`) edit the session's derived config,
                        kept and not acted on. A line that is no interface command, that the
                        template refuses, or a service-policy other than QoS -> NAK 407.
  ip:sub-policy-In, ip:sub-qos-policy-in     the input policy-map
  ip:sub-policy-Out, ip:sub-qos-policy-out   the output policy-map
  ipsec:inacl, ipsec:outacl                  the input / output ACL
  ipv6:inacl, ipv6:outacl                    the input / output IPv6 ACL (`ipv6 access-list NAME`),
                        beside the IPv4 one; Cisco's per-user form `ipv6:inacl#N=ENTRY` (entries
                        in the attribute, a list the device makes) is not modeled -> NAK 401
  ip:interface-config=ipv6 traffic-filter NAME in|out   the same IPv6 ACLs, as a template line
AV pair names are matched without regard to case (ISE and FreeRADIUS users spell them both ways).
Later attributes win for the same target (the seed sets the input policy twice). A name the
configuration lacks -> NAK 407, nothing applied. Otherwise one Device.authorize call, which
returns once the fast path holds the new binding; only then does the registry ACK.

A Disconnect-Request carries identification only (anything else -> 401) and tears the session down.
"""
from __future__ import annotations

import ipaddress
import re

from qfp_model.qfp.tables import Direction

from ..config import interface_lines
from ..config import model as M
from ..config.modes.context import Mode
from ..config.modes.kinds import ModeKind
from ..config.modes.machine import Machine
from ..core.device import AuthorizationError, Device
from ..core.sessions import REMOVED, Authorization, Session, SessionError, SessionTuple
from ..errors import ConfigError, PeerNak
from ..radius import CoaRequest
from ..radius import packet as P
from ..radius.packet import Attribute
from .registry import av_name_value

AUDIT_SESSION_ID = "audit-session-id"
TARGET_OF = {
    "ip:sub-policy-in": "policy_in", "ip:sub-qos-policy-in": "policy_in",
    "ip:sub-policy-out": "policy_out", "ip:sub-qos-policy-out": "policy_out",
    "ipsec:inacl": "acl_in", "ipsec:outacl": "acl_out",
    "ipv6:inacl": "acl6_in", "ipv6:outacl": "acl6_out",
}
INTERFACE_CONFIG = "ip:interface-config"
_SERVICE_POLICY = re.compile(r"(no )?service-policy (?:type qos )?(input|output)(?: (\S+))?", re.I)
_SERVICE_POLICY_ANY = re.compile(r"(no )?service-policy\b", re.I)
_ACCESS_GROUP = re.compile(r"(no )?ip access-group (\S+)(?: (in|out))?", re.I)
_TRAFFIC_FILTER = re.compile(r"(no )?ipv6 traffic-filter (\S+)(?: (in|out))?", re.I)
_NAME = re.compile(r"\S+")
IDENTIFYING = (P.USER_NAME, P.ACCT_SESSION_ID, P.CALLING_STATION_ID, P.FRAMED_IP_ADDRESS,
               P.FRAMED_IPV6_PREFIX)


def acct_session_id(session: Session) -> str:
    return f"{session.id:08X}"


class Ikev2CoaComponent:
    name = "ikev2"

    def __init__(self, device: Device):
        self.device = device

    # ---- the registry's question ----
    def offer(self, request: CoaRequest) -> bool:
        session = self.identify(request)
        if session is None:
            return False
        if request.is_disconnect:
            self._refuse_changes(request)
            self.device.session_down(session, "admin-reset")
            return True
        changes, sources = self.changes(request)
        try:
            self.device.authorize(session, changes)
        except AuthorizationError as exc:
            named = tuple(a for a in sources if exc.name in a.text)
            raise PeerNak(407, str(exc), named[-1:]) from None
        return True

    # ---- which session ----
    def identify(self, request: CoaRequest) -> Session | None:
        settings = self.device.config.dynamic_author
        auth_type = settings.effective_auth_type if settings else "all"
        ignore_key = settings.ignore_session_key if settings else False
        matches: list[set[int]] = []
        sessions: dict[int, Session] = {}
        have_key = False
        for a in request.attributes:
            if a.is_cisco_avpair:
                name, value = av_name_value(a)
                if name.lower() != AUDIT_SESSION_ID or ignore_key:
                    continue
                have_key = True
                session = self.device.sessions.by_audit_session_id(value)
                if session is None:
                    try:
                        SessionTuple.from_audit_session_id(value)
                    except SessionError:
                        raise PeerNak(407, f"audit-session-id {value!r} is not one this headend issues",
                                      (a,)) from None
                found = [session] if session is not None else []
            elif a.vendor is None and a.type in IDENTIFYING:
                if auth_type == "session-key" and not ignore_key:
                    continue
                found = self._by_attribute(a)
            else:
                continue
            sessions.update((s.id, s) for s in found)
            matches.append({s.id for s in found})
        if auth_type == "session-key" and not ignore_key and not have_key:
            raise PeerNak(402, "auth-type session-key: the request has no audit-session-id")
        if not matches:
            raise PeerNak(402, "the request identifies no session")
        if auth_type == "any":
            chosen = set().union(*matches)
        else:
            chosen = set.intersection(*matches)
        if len(chosen) > 1:
            raise PeerNak(508, f"the request identifies {len(chosen)} sessions")
        return sessions[chosen.pop()] if chosen else None

    def _by_attribute(self, a: Attribute) -> list[Session]:
        sessions = self.device.sessions
        if a.type == P.USER_NAME:
            return [s for s in sessions if s.identity == a.text]
        if a.type == P.ACCT_SESSION_ID:
            try:
                session = sessions.by_id(int(a.text, 16))
            except ValueError:
                return []
            return [session] if session is not None and acct_session_id(session) == a.text.upper() else []
        if a.type == P.CALLING_STATION_ID:
            try:
                return sessions.by_remote(ipaddress.ip_address(a.text.strip()))
            except ValueError:
                return []
        if a.type == P.FRAMED_IPV6_PREFIX:
            # RFC 5176 section 3: the prefix the session was given, not one address in it.
            prefix = P.ipv6_prefix(a.value)
            session = sessions.by_inside(prefix.network_address)
            return [session] if session is not None and session.inside.ipv6 == prefix else []
        session = sessions.by_inside(ipaddress.IPv4Address(a.value))
        return [session] if session is not None else []

    # ---- what changes ----
    def changes(self, request: CoaRequest) -> tuple[Authorization, list[Attribute]]:
        """The Authorization the request asks for, later attributes winning, and the attributes that
        set it; raises PeerNak 401 naming every unsupported attribute, 407 for a malformed value."""
        return changes_from(a for a in request.attributes if not self._identifies(a))

    def _refuse_changes(self, request: CoaRequest) -> None:
        extra = tuple(a for a in request.attributes if not self._identifies(a))
        if extra:
            names = ", ".join(av_name_value(a)[0] for a in extra)
            raise PeerNak(401, f"unsupported attribute {names} in a Disconnect-Request", extra)

    @staticmethod
    def _identifies(a: Attribute) -> bool:
        if a.is_cisco_avpair:
            return av_name_value(a)[0].lower() == AUDIT_SESSION_ID
        return a.vendor is None and a.type in IDENTIFYING


def changes_from(attributes) -> tuple[Authorization, list[Attribute]]:
    """The Authorization that `attributes` (none of them identifying a session) ask for, later
    attributes winning, and the attributes that set it: the CoA rules, which an Access-Accept at
    session start follows too. Raises PeerNak 401 naming every unsupported attribute, 407 for a
    malformed value."""
    changes = Authorization()
    sources: list[Attribute] = []
    unsupported: list[Attribute] = []
    for a in attributes:
        if not a.is_cisco_avpair:
            unsupported.append(a)
            continue
        name, value = av_name_value(a)
        key = name.lower()
        if key == INTERFACE_CONFIG:
            target, value = _interface_config(a, value)
        elif key in TARGET_OF:
            target = TARGET_OF[key]
            if not _NAME.fullmatch(value):
                raise PeerNak(407, f"{name}: {value!r} is not a name", (a,))
        else:
            unsupported.append(a)
            continue
        if target == "interface_lines":
            changes.interface_lines += (value,)
        else:
            setattr(changes, target, value)
        sources.append(a)
    if unsupported:
        names = ", ".join(av_name_value(a)[0] for a in unsupported)
        raise PeerNak(401, f"unsupported attribute {names}", tuple(unsupported))
    return changes, sources


def _interface_config(a: Attribute, value: str) -> tuple[str, object]:
    """What one `ip:interface-config` line does: (target, name) for the four the fast path binds
    (REMOVED for their `no` forms), else ("interface_lines", line) for a line the session's derived
    config keeps. A line the Virtual-Template would refuse, or no interface command at all, is
    NAK 407 with the attribute."""
    line = " ".join(value.split())
    if not line or not interface_lines.is_interface_command(line):
        raise PeerNak(407, f"ip:interface-config {value!r} is not an interface configuration command", (a,))
    _as_template_line(a, line)
    m = _SERVICE_POLICY.fullmatch(line)
    if m:
        target = "policy_in" if Direction.from_ios_name(m[2]) is Direction.IN else "policy_out"
        return target, REMOVED if m[1] else m[3]
    if _SERVICE_POLICY_ANY.match(line):
        # A policy the session would have to run (`type control`): kept without acting on it
        # would be a CoA-ACK that changed nothing the peer asked for.
        raise PeerNak(407, f"ip:interface-config {value!r}: only QoS service-policies are modeled", (a,))
    m = _ACCESS_GROUP.fullmatch(line) or _TRAFFIC_FILTER.fullmatch(line)
    if m:
        name, direction = (m[2], m[3]) if m[3] else (None, m[2])
        target = ("acl6_" if m.re is _TRAFFIC_FILTER else "acl_") + direction.lower()
        if m[1]:
            return target, REMOVED
        if name is None:
            raise PeerNak(407, f"ip:interface-config {value!r} names no access-list", (a,))
        return target, name
    return "interface_lines", line


def _as_template_line(a: Attribute, line: str) -> None:
    """The line through the Virtual-Template's own mode (its refusals are IOS's), on a scratch
    template: names are checked against the configuration later, all at once."""
    machine = Machine(M.RunningConfig(), INTERFACE_CONFIG, file_mode=True)
    machine.stack = [Mode(ModeKind.TEMPLATE, M.VirtualTemplate(1))]
    try:
        machine.feed(" " + line, 1)
    except ConfigError as exc:
        raise PeerNak(407, f"ip:interface-config {line!r}: {exc.reason}", (a,)) from None
