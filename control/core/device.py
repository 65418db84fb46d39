"""The device: one object owning the configuration, the fast path, the compiler and the sessions.

Everything a user or a RADIUS server does to the headend goes through a Device method: bring a
session up or down, authorize it (the API the CoA component calls), edit the configuration, run
traffic. The device knows none of its front ends: the exec commands (control/exec/), the CoA service
(control/aaa/) and the show renderers (control/show/) are layers over these methods and the state
they expose, and the headend (control/headend.py) puts them together.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from qfp_model.qfp.api import FastPathAPI
from qfp_model.qfp.readback import UidbCounters
from qfp_model.qfp.tables import PROTO_ICMP, PROTO_ICMPV6, Binding, Direction

from .. import config as cfg
from ..errors import ControlError
from ..files import read_text
from ..grammar.interfaces import normalise_interface
from .compile import Compiler, UnknownName, carried_counters
from .packet_trace import PacketTrace
from .sessions import (
    REMOVED,
    Address,
    Authorization,
    Inside,
    Session,
    SessionError,
    SessionTable,
    SessionTuple,
    canonical_virtual_access,
    peer_identity,
)
from .timestamps import ios_timestamp
from .traffic import Stream, TrafficResult, TrafficRun, TrafficSpec, run_to_end
from .tunnel_mode import carried_families, tunnel_mode

log = logging.getLogger(__name__)

LOG_LINES = 4096
# The log buffer's size without `logging buffered SIZE`: IOS's default, as the reference device's
# `show logging` prints it (tests/golden/ios-xe/show-logging.txt).
LOG_BUFFER_BYTES = 4096
_LOGGING_BUFFERED = re.compile(r"logging buffered (\d+)\b")
# The observers' event for an edit of `aaa server radius dynamic-author` (the CoA listener follows
# its port).
DYNAMIC_AUTHOR_CHANGED = "dynamic-author"
# Inside addresses handed to sessions, as an `ip local pool` would (session n gets .n).
INSIDE_POOL = ipaddress.IPv4Network("10.0.0.0/8")
# The far end of simulated traffic: a host behind the hub (TEST-NET-1).
HUB_SIDE_HOST = ipaddress.IPv4Address("192.0.2.1")
# Inside IPv6 prefixes, as `ipv6 local pool` with /64 assignments would hand them (session n gets the
# n-th /64 and ::1 in it), and an IPv6 host behind the hub; both from the documentation range.
INSIDE_POOL6 = ipaddress.IPv6Network("2001:db8:1000::/36")
HUB_SIDE_HOST6 = ipaddress.IPv6Address("2001:db8:2::1")
ICMPV6_ECHO_REQUEST = 128
# A family's inside taken from the pool: session_up's default for each family. Every session gets
# both (dual-stack inside, whatever its transport), as a hub whose IKEv2 authorization policy has
# `pool` and `ipv6 pool` gives a peer that asks for both; `sim session up ... inside-ipv4 none`
# or `inside-ipv6 none` is a peer that asked for one family only.
FROM_POOL = "pool"


class AuthorizationError(ControlError):
    """An authorization change that names something the configuration does not define, or a
    policy-map it cannot apply where it names it (`why`, after the name)."""

    def __init__(self, kind: str, name: str, why: str = "is not configured"):
        super().__init__(f"{kind} {name} {why}")
        self.kind = kind
        self.name = name


class Device:
    def __init__(self, config: cfg.model.RunningConfig, *, fastpath: FastPathAPI | None = None,
                 source: str = "<config>"):
        if fastpath is None:
            from qfp_model.qfp.fastpath import FastPath
            fastpath = FastPath()
        self.config = config
        self.source = source
        self.fp = fastpath
        self.compiler = Compiler(fastpath, config)
        self.sessions = SessionTable()
        self.clock_ns = 0
        self.logbuf: deque[str] = deque(maxlen=LOG_LINES)
        self._log_bytes = 0
        # Log lines are stamped with wall time, as the debug trace is (control/aaa/service.py).
        self.wall_clock: Callable[[], float] = time.time
        # Who hears of sessions coming and going and of the clock moving: (event, session, cause)
        # with event "up", "down" (before the session's counters go) or "clock" (session None).
        # Accounting (control/aaa/session_aaa.py) is one; an observer must not raise.
        self.observers: list[Callable[[str, Session | None, str | None], None]] = []
        # `clear counters`: when each interface's `show interface` counters were last cleared
        # (virtual time; None until they are), and what a Virtual-Access's UIDB counters stood at
        # then. The fast path never zeroes those (RADIUS accounting reports them whole), so
        # `show interfaces` prints them less this baseline.
        self.counters_cleared_ns: dict[str, int] = {}
        self.counters_cleared_all_ns: int | None = None
        self.uidb_baselines: dict[str, UidbCounters] = {}
        # ACL entries the control plane matched, not the fast path: a vty access-class deciding an
        # SSH connection. `show access-lists` adds them to the fast path's matches, as IOS counts both.
        self.local_acl_hits: Counter[tuple[str, int]] = Counter()
        # `debug platform condition` and `debug platform packet-trace` (control/core/packet_trace.py).
        self.packet_trace = PacketTrace()
        # (template, family) pairs whose traffic a template's tunnel mode would not carry, said once.
        self._uncarried_said: set[tuple[int, int]] = set()

    @classmethod
    def from_config_file(cls, path: str | Path | None = None, *, lenient: bool = False,
                         fastpath: FastPathAPI | None = None) -> Device:
        """A device on the configuration in `path`, or on the embedded default with None.
        Raises ConfigErrors unless `lenient`, in which case bad lines are logged and skipped."""
        if path is None:
            result = cfg.load_default()
            source = "default"
        else:
            source = str(path)
            result = cfg.parse_config(read_text(path, "configuration"), filename=source, lenient=lenient)
        device = cls(result.config, fastpath=fastpath, source=source)
        for error in result.errors:
            device.log(f"%PARSER-3-SKIPPED: {error.filename}:{error.line}: {error.reason}")
        if result.unmodeled:
            device.log("%PARSER-6-NOTMODELED: kept but not modeled: " + ", ".join(result.unmodeled))
        return device

    # ---- lifetime ----
    def close(self) -> None:
        """Free the fast path's tables now (the device owns the fast path it was given)."""
        self.fp.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- state ----
    @property
    def hostname(self) -> str:
        return self.config.hostname or "Router"

    @property
    def log_buffer_bytes(self) -> int:
        """The log buffer's size: `logging buffered SIZE` (kept verbatim), else IOS's default."""
        for block in self.config.unmodeled_blocks():
            m = _LOGGING_BUFFERED.match(block.lines[0])
            if m:
                return int(m[1])
        return LOG_BUFFER_BYTES

    def log(self, line: str, now: float | None = None) -> None:
        """Append `line` stamped as IOS stamps it (`*Dec  2 13:16:52.123: line`) at the wall time
        `now` (default: now). Like IOS's, the buffer is bounded in bytes: the oldest lines go first."""
        stamp = ios_timestamp(self.wall_clock() if now is None else now)
        line = f"{stamp} {line}" if line else stamp
        if len(self.logbuf) == self.logbuf.maxlen:
            self._log_bytes -= len(self.logbuf[0]) + 1
        self.logbuf.append(line)
        self._log_bytes += len(line) + 1
        limit = self.log_buffer_bytes
        while self._log_bytes > limit and len(self.logbuf) > 1:
            self._log_bytes -= len(self.logbuf.popleft()) + 1
        log.info("%s", line)

    def clear_log(self) -> str:
        """`clear logging`: empty the buffer."""
        self.logbuf.clear()
        self._log_bytes = 0
        return ""

    # ---- sessions ----
    def _template(self, number: int | None) -> int:
        templates = self.config.virtual_templates
        if number is None:
            for profile in self.config.ikev2_profiles.values():
                if profile.virtual_template in templates:
                    return profile.virtual_template
            if not templates:
                raise SessionError("no interface Virtual-Template is configured")
            return min(templates)
        if number not in templates:
            raise SessionError(f"interface Virtual-Template{number} is not configured")
        return number

    def template_number(self, number: int | None) -> int:
        """The Virtual-Template a session would clone: `number`, or with None the first IKEv2
        profile's (SessionError when there is none to clone)."""
        return self._template(number)

    def _template_authorization(self, number: int) -> Authorization:
        vt = self.config.virtual_templates[number]
        return Authorization(vt.service_policy_in, vt.service_policy_out,
                             vt.access_group_in, vt.access_group_out,
                             vt.traffic_filter_in, vt.traffic_filter_out)

    def session_up(self, remote: str | Address, local: str | Address, *,
                   remote_port: int = 500, local_port: int = 500, fvrf: int = 0, ivrf: int = 0,
                   identity: str | None = None, template: int | None = None,
                   aaa: Authorization | None = None, inside4=FROM_POOL, inside6=FROM_POOL,
                   framed: Inside | None = None) -> Session:
        """Bring an IKEv2 session up: clone a Virtual-Access from its Virtual-Template (with a QFP
        interface handle and a UIDB) and bind what the template's lines name, overridden by `aaa`
        (what authorization at session start returned). An `aaa` naming something the
        configuration lacks raises AuthorizationError, and no session comes up.

        The inside: `inside4` an IPv4 address, `inside6` an IPv6 prefix, each FROM_POOL (the
        session's address in INSIDE_POOL, its /64 in INSIDE_POOL6) or None (the peer asked for
        none of that family). `framed` is what RADIUS assigned (Framed-IP-Address,
        Framed-IPv6-Prefix): it wins over the pool's, as IOS takes the AAA attribute before a
        local pool, but gives nothing to a family the peer did not ask for."""
        try:
            local, remote = ipaddress.ip_address(local), ipaddress.ip_address(remote)
        except ValueError as exc:
            raise SessionError(str(exc)) from None
        tuple_ = SessionTuple(local, remote, local_port, remote_port, fvrf, ivrf)
        number = self._template(template)
        inherited = self._template_authorization(number)
        for kind, name in (("policy-map", inherited.policy_in), ("policy-map", inherited.policy_out)):
            if name is not None and name not in self.config.policy_maps:
                raise SessionError(f"Virtual-Template{number} names {kind} {name}, which is not configured")
        aaa = aaa or Authorization()
        self.check_names(aaa)
        sid, interface, ifh = self.sessions.allocate(tuple_)
        try:
            uidb = self.fp.uidb_create(ifh, interface)
        except Exception:
            self.sessions.release(interface)
            raise
        try:
            inside = self._inside(sid, inside4, inside6, framed or Inside())
            self.sessions.check_inside(inside)
        except (SessionError, ValueError) as exc:
            self.fp.uidb_delete(uidb)
            self.sessions.release(interface)
            raise SessionError(str(exc)) from None
        session = Session(sid, tuple_, identity or peer_identity(tuple_), number, interface, ifh, uidb,
                          self.clock_ns, inherited, aaa, inside)
        try:
            self._bind(session, session.effective(), carry=False)
        except Exception:
            self.fp.uidb_delete(uidb)
            self.sessions.release(interface)
            raise
        self.sessions.add(session)
        self.log(f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {interface}, changed state to up")
        self._notify("up", session)
        return session

    def session_down(self, session: Session, cause: str = "user-request") -> None:
        """Tear a session down; `cause` says why, as accounting reports it: `user-request` (the
        peer deleted its SAs), `admin-reset` (`clear crypto session`, a Disconnect-Request)."""
        self._notify("down", session, cause)
        self.fp.uidb_delete(session.uidb)
        self.sessions.remove(session)
        self.compiler.collect()
        # the next clone of this name is a new interface: its counters were never cleared
        self.counters_cleared_ns.pop(session.interface, None)
        self.uidb_baselines.pop(session.interface, None)
        self.log(f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {session.interface}, "
                 "changed state to down")

    def session(self, interface: str) -> Session:
        return self.sessions.by_interface(canonical_virtual_access(interface))

    @staticmethod
    def _inside(sid: int, inside4, inside6, framed: Inside) -> Inside:
        """A new session's Inside from session_up's arguments (ValueError for a bad address)."""
        if inside4 == FROM_POOL:
            inside4 = framed.ipv4 or INSIDE_POOL[sid]
        elif inside4 is not None:
            inside4 = framed.ipv4 or ipaddress.IPv4Address(inside4)
        if inside6 == FROM_POOL:
            inside6 = framed.ipv6 or ipaddress.IPv6Network(
                (int(INSIDE_POOL6.network_address) + (sid << 64), 64))
        elif inside6 is not None:
            inside6 = framed.ipv6 or ipaddress.IPv6Network(inside6)
        return Inside(inside4, inside6)

    def inside_address(self, session: Session) -> ipaddress.IPv4Address | None:
        return session.inside.ipv4

    def inside_prefix6(self, session: Session) -> ipaddress.IPv6Network | None:
        return session.inside.ipv6

    def inside_address6(self, session: Session) -> ipaddress.IPv6Address | None:
        return session.inside.host6

    def _notify(self, event: str, session: Session | None, cause: str | None = None) -> None:
        for observer in self.observers:
            observer(event, session, cause)

    def clock_moved(self) -> None:
        """Tell the observers the virtual clock has moved (a traffic run or a replay has ended)."""
        self._notify("clock", None)

    # ---- authorization: the API the CoA component calls ----
    def check_names(self, changes: Authorization) -> None:
        """AuthorizationError naming the first policy-map or ACL in `changes` the configuration
        lacks, or an input policy-map that queues (IOS queues output only, as the fast path does)."""
        for kind, name in (("policy-map", changes.policy_in), ("policy-map", changes.policy_out)):
            if name not in (None, REMOVED) and name not in self.config.policy_maps:
                raise AuthorizationError(kind, name)
        if changes.policy_in not in (None, REMOVED) and self.config.policy_queues(changes.policy_in):
            raise AuthorizationError("policy-map", changes.policy_in,
                                     "has queueing actions: queueing is not supported in the input direction")
        for name in (changes.acl_in, changes.acl_out):
            if name not in (None, REMOVED) and name not in self.config.access_lists:
                raise AuthorizationError("access-list", name)
        for name in (changes.acl6_in, changes.acl6_out):
            if name not in (None, REMOVED) and name not in self.config.ipv6_access_lists:
                raise AuthorizationError("ipv6 access-list", name)

    def authorize(self, session: Session, changes: Authorization) -> None:
        """Apply AAA authorization changes (the non-None fields of `changes`) to one session,
        atomically: every name is checked first; then both directions are rebound in one publish.
        Raises AuthorizationError naming the first unknown name, with nothing applied."""
        self.check_names(changes)
        aaa = changes.over(session.aaa)
        touched = {Direction.IN} if {changes.policy_in, changes.acl_in, changes.acl6_in} != {None} else set()
        if {changes.policy_out, changes.acl_out, changes.acl6_out} != {None}:
            touched.add(Direction.OUT)
        if touched:     # interface lines alone change the derived config, not the fast path
            self._bind(session, aaa.over(session.inherited).resolved(), carry=False, directions=touched)
        session.aaa = aaa
        self.compiler.collect()

    def _bind(self, session: Session, auth: Authorization, *, carry: bool,
              directions: Iterable[Direction] = tuple(Direction)) -> None:
        """Bind the session's targets in `directions` to what `auth` names, in one publish; a
        direction whose counters are not carried restarts its rate window."""
        bindings = []
        for direction, policy_name, acl_name, acl6_name in (
                (Direction.IN, auth.policy_in, auth.acl_in, auth.acl6_in),
                (Direction.OUT, auth.policy_out, auth.acl_out, auth.acl6_out)):
            if direction not in directions:
                continue
            try:
                policy = None if policy_name is None else self.compiler.policy_handle(policy_name)
            except UnknownName as e:
                raise AuthorizationError(e.kind, e.name) from None
            counters = None
            if carry and policy is not None:
                counters = carried_counters(self.fp, self.fp.target_read(session.uidb, direction), policy)
            bindings.append(Binding(direction, self.compiler.filter_slot(acl_name), policy, counters,
                                    acl6=self.compiler.filter6_slot(acl6_name)))
        self.fp.bind_many(session.uidb, bindings)
        if not carry:
            for b in bindings:
                session.counters_since_ns[b.direction] = self.clock_ns

    # ---- configuration edits ----
    def apply_changes(self, changes: cfg.Changes) -> None:
        """Push what a run of `configure terminal` lines changed: ACLs in place (counters kept by
        sequence number); changed policies under new handles, with every session that uses them,
        or whose template changed, rebound atomically and its class counters kept."""
        for name in changes.acls:
            self.compiler.refresh_acl(name, changes.old_acl_entries.get(name))
        for name in changes.acls6:
            self.compiler.refresh_acl6(name, changes.old_acl6_entries.get(name))
        affected = set(changes.policy_maps)
        for cmap in changes.class_maps | self.compiler.class_maps_seeing_new_families(
                changes.acls | changes.acls6):
            affected |= self.compiler.users_of_class_map(cmap)
        recompiled = self.compiler.recompile(affected)
        for session in list(self.sessions):
            if session.template in changes.templates and session.template in self.config.virtual_templates:
                session.inherited = self._template_authorization(session.template)
            auth = session.effective()
            if (session.template in changes.templates
                    or {auth.policy_in, auth.policy_out} & recompiled
                    # An ACL that came into or went out of existence changes the filter binding.
                    or {auth.acl_in, auth.acl_out} & changes.acls
                    or {auth.acl6_in, auth.acl6_out} & changes.acls6):
                self._bind(session, auth, carry=True)
        self.compiler.collect()
        if changes.dynamic_author:
            self._notify(DYNAMIC_AUTHOR_CHANGED, None)

    # ---- traffic ----
    def process(self, batch: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The fast path's process(), after the packet-trace conditions have marked the packets
        they select: every batch the device sends goes through here."""
        self.packet_trace.mark(self, batch)
        return self.fp.process(batch, out)

    def traffic(self, spec: TrafficSpec) -> TrafficResult:
        """Run a constant-rate stream through a session's target, from the device's clock on;
        the clock ends at the last packet's departure."""
        return run_to_end(self.traffic_run(spec), self.process)

    def stream(self, spec: TrafficSpec) -> Stream:
        """The packets `spec` describes, through its session: addresses default to the session's
        inside address on the far side and the hub's host on the near one."""
        session = self.session(spec.interface)
        src, dst = (_address(text, what) for text, what in ((spec.source, "source"),
                                                             (spec.destination, "destination")))
        # The family is the addresses': an IPv6 source or destination makes an IPv6 stream, whose
        # other end defaults to the session's inside IPv6 address or the hub's IPv6 host. Without
        # an address, the session's inside family: IPv4 where it has an IPv4 inside address.
        named = [a for a in (src, dst) if a is not None]
        if src is not None and dst is not None and src.version != dst.version:
            raise ControlError(f"source {src} and destination {dst} are of different IP families")
        v6 = named[0].version == 6 if named else session.inside.ipv4 is None
        inside, hub = (session.inside.host6, HUB_SIDE_HOST6) if v6 else (session.inside.ipv4, HUB_SIDE_HOST)
        self._say_if_not_carried(session, 6 if v6 else 4)
        side = "source" if spec.direction == Direction.IN else "destination"
        if inside is None and (src if spec.direction == Direction.IN else dst) is None:
            raise ControlError(f"{session.interface} has no inside {'IPv6 prefix' if v6 else 'IPv4 address'}: "
                               f"give the stream's {side}")
        far, near = (inside, hub) if spec.direction == Direction.IN else (hub, inside)
        proto, sport = spec.protocol, spec.source_port
        if v6 and proto == PROTO_ICMP:
            # `protocol icmp` in an IPv6 stream is ICMPv6, as in an IPv6 ACL; its default message
            # is echo-request's number there.
            proto, sport = PROTO_ICMPV6, ICMPV6_ECHO_REQUEST if spec.icmp_type is None else sport
        fields = dict(
            uidb=session.uidb, direction=spec.direction,
            src=src if src is not None else far, dst=dst if dst is not None else near,
            proto=proto, sport=sport, dport=spec.destination_port, dscp=spec.dscp,
            tcp_flags=spec.tcp_flags, frag=spec.fragment, size=spec.size, rate=spec.rate, ttl=spec.ttl)
        return Stream(count=spec.packets, **fields) if spec.packets is not None else \
            Stream.for_duration(spec.duration, **fields)

    def _say_if_not_carried(self, session: Session, family: int) -> None:
        """Log once per template and family that IOS would not carry this family through the
        template's tunnel mode, which the model sends through all the same (control/core/
        tunnel_mode.py)."""
        vt = self.config.virtual_templates.get(session.template)
        if vt is None or family in carried_families(vt.other_lines) or \
                (vt.number, family) in self._uncarried_said:
            return
        self._uncarried_said.add((vt.number, family))
        self.log(f"%QFP-6-NOTMODELED: {vt.name}'s tunnel mode {tunnel_mode(vt.other_lines)} carries no "
                 f"IPv{family}: IOS would not send IPv{family} through {session.interface}; the model, which "
                 "encapsulates nothing, filters and polices it as if the tunnel did")

    def traffic_run(self, spec: TrafficSpec) -> TrafficRun:
        """traffic() as a run its caller drives (control/core/traffic.py): batch by batch, the
        clock moving with each, so that a run stopped half-way leaves the device as far as it got."""
        session = self.session(spec.interface)
        stream = self.stream(spec)
        result = TrafficResult(session.interface, spec.direction, start_ns=self.clock_ns)
        for chunk in stream.chunks(self.clock_ns):
            counts, last_ns = yield chunk
            result.merge(counts)
            self.clock_ns = max(self.clock_ns, last_ns)
        result.end_ns = self.clock_ns
        self.clock_moved()
        return result

    def clear_counters(self, interface: str | None = None, by: str = "console") -> str:
        """`clear counters [INTERFACE]` once confirmed: the `show interface` counters of one
        interface or of all (a baseline for a Virtual-Access's UIDB counters, the time of
        clearing for every one), and the policy counters of the sessions' interfaces."""
        if interface is None:
            sessions = list(self.sessions)
            self.counters_cleared_all_ns = self.clock_ns
            self.counters_cleared_ns.clear()
        else:
            interface = self.interface_name(interface)
            sessions = [s for s in self.sessions if s.interface == interface]
            self.counters_cleared_ns[interface] = self.clock_ns
        for session in sessions:
            self.uidb_baselines[session.interface] = self.fp.uidb_counters(session.uidb)
            for direction in Direction:
                self.fp.target_clear_counters(session.uidb, direction)
                session.counters_since_ns[direction] = self.clock_ns
        where = "all interfaces" if interface is None else f"interface {interface}"
        self.log(f"%CLEAR-5-COUNTERS: Clear counter on {where} by {by}")
        return ""

    def counters_cleared_at(self, interface: str) -> int | None:
        """When `clear counters` last reached this interface (virtual ns), or None: never."""
        times = [t for t in (self.counters_cleared_ns.get(interface), self.counters_cleared_all_ns)
                 if t is not None]
        return max(times) if times else None

    def interface_name(self, name: str) -> str:
        """An interface of the configuration or a session's, by its full name (`Gi1`, `vi1`
        expanded); a ControlError for one the device does not have."""
        full = normalise_interface(name) or name
        configured = [b.lines[0].split()[1] for b in self.config.unmodeled_blocks()
                      if b.lines[0].split()[:1] == ["interface"] and len(b.lines[0].split()) > 1]
        configured += [vt.name for vt in self.config.virtual_templates.values()]
        if full in configured or any(s.interface == full for s in self.sessions):
            return full
        raise ControlError(f"interface {name} does not exist")

    def clear_acl_counters(self, name: str | None = None) -> str:
        slots = self.compiler.acl_slots()
        if name is not None and name not in self.config.access_lists:
            raise ControlError(f"access-list {name} is not configured")
        for acl, slot in slots.items():
            if name is None or acl == name:
                self.fp.acl_clear_counters(slot)
        for key in [k for k in self.local_acl_hits if name is None or k[0] == name]:
            del self.local_acl_hits[key]
        return ""

    def clear_acl6_counters(self, name: str | None = None) -> str:
        """`clear ipv6 access-list [NAME]`: the IPv6 lists' entry counters."""
        if name is not None and name not in self.config.ipv6_access_lists:
            raise ControlError(f"ipv6 access-list {name} is not configured")
        for acl, slot in self.compiler.acl6_slots().items():
            if name is None or acl == name:
                self.fp.acl_clear_counters(slot)
        return ""

    def clear_crypto_session(self, remote: ipaddress.IPv4Address | None = None) -> str:
        """Tear down every session, or those to one peer, as `clear crypto session` does."""
        sessions = list(self.sessions) if remote is None else \
            self.sessions.by_remote(ipaddress.ip_address(remote))
        for session in sessions:
            self.session_down(session, "admin-reset")
        return ""


def _address(text: str | None, what: str) -> Address | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ControlError(f"{what} '{text}' is not an IPv4 or IPv6 address") from None
