"""ACEs with `log` or `log-input`: the %SEC-6-IPACCESSLOG* lines IOS writes for the packets they
match, with IOS's rate limiting, in virtual time.

IOS keeps a cache entry per flow (ACL, ACE, protocol, addresses, ports or ICMP type and code, and
for `log-input` the input interface). The first packet of a flow is logged at once, as `1 packet`;
the packets after it are counted, and every 5 minutes from that first packet the count since the
last line is logged, if it is not zero. A 5-minute window with no packet ends the entry: the next
packet of the flow is a first packet again. The lines, as IOS words them:

    %SEC-6-IPACCESSLOGP: list IN denied tcp 10.0.13.3(19314) -> 10.0.12.2(22), 1 packet
    %SEC-6-IPACCESSLOGDP: list IN denied icmp 10.0.13.3 -> 10.0.12.2 (8/0), 1 packet
    %SEC-6-IPACCESSLOGNP: list IN permitted 47 10.0.13.3 -> 10.0.12.2, 9 packets
    %SEC-6-IPACCESSLOGS: list 10 denied 10.0.13.3 1 packet

An IPv6 list's lines (`ipv6 access-list`, through `ipv6 traffic-filter` or `ipv6:inacl`) name the
entry that matched after the list, and print addresses as IOS does, compressed in upper case:

    %IPV6_ACL-6-ACCESSLOGP: list V6-IN/10 permitted tcp 2001:DB8::B15:22(60892) -> 2001:DB8:1::2(22), 1 packet
    %IPV6_ACL-6-ACCESSLOGDP: list V6-IN/20 denied icmpv6 2001:DB8::1 -> 2001:DB8:1::2 (128/0), 1 packet
    %IPV6_ACL-6-ACCESSLOGNP: list V6-IN/30 permitted 89 2001:DB8::1 -> 2001:DB8:1::2, 1 packet

`log-input` adds the input interface after the source: `10.0.13.3(19314) (Virtual-Access1) ->`.
A Virtual-Access is a tunnel and has no MAC address to print after its name; an output ACL's
packets come from the hub side, whose interface the model does not have, so there `log-input`
prints as `log`.

The counts come from the verdicts of `sim traffic` runs (TrafficResult.ace: a stream is one flow, so
every one of its packets matches the same ACE) and the stream's own timing, so logging costs the
packet path nothing: no packet is traced, no per-packet work is added. Lines are written when the
device's virtual clock passes the moment IOS would write them: a window that ends after the run's
last packet waits for a later run (or flush()).
"""
from __future__ import annotations

import ipaddress
import weakref
from dataclasses import dataclass

from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Direction

from ..config.lexicon import protocol_name
from ..config.syntax import dotted
from .traffic import Flow, TrafficResult, TrafficRun, TrafficSpec

INTERVAL_NS = 300 * P.NS_PER_S     # IOS reports a flow's count every 5 minutes


@dataclass
class _Entry:
    """A flow's cache entry: its line without the count, and the window now counting."""
    text: str
    window_end_ns: int
    pending: int = 0


class AclLog:
    """The flow cache of one device; write(line) is the device's log."""

    def __init__(self, write):
        self.write = write
        self.entries: dict[tuple, _Entry] = {}

    def flush(self, now_ns: int) -> None:
        """Write every count whose window has ended by now_ns; end the entries whose window saw
        no packet."""
        for key, entry in list(self.entries.items()):
            self._expire(key, entry, now_ns)

    def _expire(self, key, entry: _Entry, now_ns: int) -> _Entry | None:
        while entry.window_end_ns <= now_ns:
            if entry.pending == 0:
                del self.entries[key]
                return None
            self.write(_counted(entry.text, entry.pending))
            entry.pending = 0
            entry.window_end_ns += INTERVAL_NS
        return entry

    def packets(self, key: tuple, text: str, flow: Flow, count: int) -> None:
        """`count` packets of `flow` (its first `count`), matched by a logging ACE: the lines IOS
        writes for them up to the last one's departure."""
        i = 0
        while i < count:
            t = flow.time_of(i)
            entry = self.entries.get(key)
            if entry is not None:
                entry = self._expire(key, entry, t)
            if entry is None:
                self.write(_counted(text, 1))
                entry = self.entries[key] = _Entry(text, t + INTERVAL_NS)
                i += 1
                continue
            # Packets i .. up to the window's end (or the last one) join the pending count.
            upto = min(count, flow.sent_before(entry.window_end_ns))
            entry.pending += upto - i
            i = upto


def _counted(text: str, n: int) -> str:
    # A standard ACL's line has no comma before its count.
    sep = " " if text.startswith("%SEC-6-IPACCESSLOGS") else ", "
    return f"{text}{sep}{n} packet{'' if n == 1 else 's'}"


def line_text(acl: str, extended: bool, permit: bool, flow: Flow, input_interface: str | None) -> str:
    """The line for a flow, up to its count."""
    verb = "permitted" if permit else "denied"
    src, dst = dotted(flow.src), dotted(flow.dst)
    where = f" ({input_interface})" if input_interface else ""
    if not extended:
        return f"%SEC-6-IPACCESSLOGS: list {acl} {verb} {src}{where}"
    if flow.proto in (PROTO_TCP, PROTO_UDP):
        return (f"%SEC-6-IPACCESSLOGP: list {acl} {verb} {protocol_name(flow.proto)} "
                f"{src}({flow.sport}){where} -> {dst}({flow.dport})")
    if flow.proto == PROTO_ICMP:
        # ICMP's type and code ride in the port fields (docs/fastpath.md).
        return (f"%SEC-6-IPACCESSLOGDP: list {acl} {verb} icmp {src}{where} -> {dst} "
                f"({flow.sport}/{flow.dport})")
    return f"%SEC-6-IPACCESSLOGNP: list {acl} {verb} {flow.proto} {src}{where} -> {dst}"


def _ipv6(address: int) -> str:
    return ipaddress.IPv6Address(address).compressed.upper()


def line_text6(acl: str, seq: int, permit: bool, flow: Flow, input_interface: str | None) -> str:
    """An IPv6 list's line for a flow, up to its count."""
    verb = "permitted" if permit else "denied"
    src, dst = _ipv6(flow.src), _ipv6(flow.dst)
    where = f" ({input_interface})" if input_interface else ""
    head = f"list {acl}/{seq} {verb}"
    if flow.proto in (PROTO_TCP, PROTO_UDP):
        return (f"%IPV6_ACL-6-ACCESSLOGP: {head} {protocol_name(flow.proto)} "
                f"{src}({flow.sport}){where} -> {dst}({flow.dport})")
    if flow.proto == PROTO_ICMPV6:
        return f"%IPV6_ACL-6-ACCESSLOGDP: {head} icmpv6 {src}{where} -> {dst} ({flow.sport}/{flow.dport})"
    return f"%IPV6_ACL-6-ACCESSLOGNP: {head} {flow.proto} {src}{where} -> {dst}"


_LOGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def of(device) -> AclLog:
    """The device's flow cache, made on first use."""
    log = _LOGS.get(device)
    if log is None:
        log = _LOGS[device] = AclLog(device.log)
    return log


def record(device, spec: TrafficSpec, result: TrafficResult) -> None:
    """Log what a finished `sim traffic` run's logging ACEs matched."""
    # (An IPv6 list's implicit entries, the ND permits and the deny, have no log option: the
    # index check below leaves them out, as it does IPv4's implicit deny.)
    if result.ace is None or result.flow is None:
        of(device).flush(device.clock_ns)
        return
    session = device.session(spec.interface)
    auth = session.effective()
    inbound = spec.direction == Direction.IN
    six = result.flow.family == 6
    if six:
        name = auth.acl6_in if inbound else auth.acl6_out
        acl = device.config.ipv6_access_lists.get(name) if name else None
    else:
        name = auth.acl_in if inbound else auth.acl_out
        acl = device.config.access_lists.get(name) if name else None
    entries = acl.aces() if acl is not None else []
    if result.ace < len(entries) and entries[result.ace].log:
        entry = entries[result.ace]
        input_if = session.interface if entry.log == "log-input" and inbound else None
        if six:
            text = line_text6(acl.name, entry.seq, entry.ace.permit, result.flow, input_if)
        else:
            text = line_text(acl.name, acl.extended, entry.ace.permit, result.flow, input_if)
        key = (result.flow.family, acl.name, entry.seq, input_if, result.flow.proto, result.flow.src,
               result.flow.dst, result.flow.sport, result.flow.dport)
        of(device).packets(key, text, result.flow, result.ace_packets)
    of(device).flush(device.clock_ns)


def logged(device, spec: TrafficSpec, run: TrafficRun) -> TrafficRun:
    """`run` (Device.traffic_run), logging what its logging ACEs matched when it ends."""
    result = yield from run
    record(device, spec, result)
    return result
