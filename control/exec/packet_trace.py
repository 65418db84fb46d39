"""IOS XE's conditional debugging and packet trace as exec commands: `debug platform condition ...`,
`debug platform packet-trace ...`, their `no` forms, `clear platform condition all`, `clear platform
packet-trace statistics|configuration`, and `show platform conditions | packet-trace ...` with their
structured twins. The state is the device's (control/core/packet_trace.py); the buffer is the fast
path's (trace_config, trace_read, trace_stats, trace_clear).

What IOS accepts and the model does not act on is accepted with a notice saying so: `fia-trace`
(the model's path data is its own, not a feature invocation list), `data-size` and `copy` (the
model keeps no packet bytes), conditions on IPv6 access-lists (the fast path has none yet)."""
from __future__ import annotations

import ipaddress

from ..core.device import Device
from ..core.packet_trace import Condition, TraceSettings
from ..errors import ExecError
from ..grammar.engine import CommandSet
from ..show import packet_trace as show

HELP = {
    "debug": "Debugging functions (see also 'undebug')",
    "platform": "Platform specific debugging",
    "condition": "Condition for debugging",
    "interface": "Set interface for conditional debug",
    "ipv4": "IPv4 address", "ipv6": "IPv6 address",
    "access-list": "Set access-list filter", "acl WORD": "Access list name",
    "prefix": "Set prefix filter", "prefix WORD": "Prefix, A.B.C.D/nn or X:X::X/nn",
    "both": "Simultaneous ingress and egress debug",
    "ingress": "Ingress only debug", "egress": "Egress only debug",
    "start": "Start conditional debug", "stop": "Stop conditional debug",
    "packet-trace": "Packet trace debugging",
    "packet": "Packet count", "circular": "Capture last set of packets",
    "fia-trace": "Trace traversed features", "data-size": "Data size (bytes)",
    "copy": "Copy packet data",
    "conditions": "Show conditional debug",
    "summary": "Packet trace summary", "statistics": "Packet trace statistics",
    "all": "All packets", "configuration": "Packet trace configuration",
}
NOT_MODELED = {
    "fia_trace": "% fia-trace: the model gives its own path data (ACL, classification, policing, "
                 "queueing), not a feature invocation list",
    "data_size": "% data-size: not modeled; the model keeps no packet data",
}


def _prefix(word: str, family: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        net = ipaddress.ip_network(word, strict=False)
    except ValueError:
        net = None
    if net is None or net.version != family or "/" not in word:
        raise ExecError(f"% {word} is not an IPv{family} prefix (A.B.C.D/nn or X:X::X/nn)")
    return net


def _condition(a: dict) -> Condition:
    family = 6 if a.get("ipv6") else 4 if a.get("ipv4") else None
    direction = next(d for d in ("both", "ingress", "egress") if a.get(d))
    return Condition(direction=direction, interface=a.get("interface"), family=family,
                     access_list=a.get("acl"),
                     prefix=_prefix(a["prefix"], family) if a.get("prefix") else None)


class PlatformDebug:
    """The packet trace's part in `undebug all` and `show debugging` (control/exec/aaa.py)."""

    def __init__(self, device: Device):
        self.device = device

    def undebug(self) -> None:
        """IOS's `undebug all` stops conditional debugging; conditions and the buffer stay."""
        self.device.packet_trace.started = False

    def debugging_text(self) -> str:
        trace = self.device.packet_trace
        if not trace.conditions and not trace.started and trace.settings is None:
            return ""
        lines = ["IOSXE Conditional Debug Configs:", ""]
        lines += show.conditions_lines(show.conditions_data(trace))
        lines += ["IOSXE Packet Tracing Configs:", ""]
        if trace.settings is not None:
            lines += [_settings_line(trace.settings), ""]
        return "\n".join(lines) + "\n"


def _settings_line(s: TraceSettings) -> str:
    words = [f"debug platform packet-trace packet {s.packets}"]
    if s.fia_trace:
        words.append("fia-trace")
    if s.circular:
        words.append("circular")
    if s.data_size is not None:
        words.append(f"data-size {s.data_size}")
    return " ".join(words)


def register(commands: CommandSet, device: Device) -> None:
    trace = device.packet_trace

    # ---- conditions ----
    def add(a: dict) -> str:
        c = _condition(a)
        trace.add(c)
        if c.access_list is not None and c.family == 6:
            return "% IPv6 access-list conditions match no packet yet: the fast path has no IPv6 ACLs\n"
        return ""

    def remove(a: dict) -> str:
        trace.remove(_condition(a))
        return ""

    body = "(ipv4|ipv6) (access-list WORD:acl | prefix WORD:prefix) (both|ingress|egress)"
    for no, handler in (("", add), ("no ", remove)):
        commands.add(f"{no}debug platform condition interface IFNAME:interface {body}", handler, HELP)
        commands.add(f"{no}debug platform condition interface IFNAME:interface (both|ingress|egress)",
                     handler, HELP)
        commands.add(f"{no}debug platform condition (ipv4|ipv6) WORD:prefix (both|ingress|egress)",
                     handler, HELP)

    def start(a: dict) -> str:
        trace.started = True
        return ""

    def stop(a: dict) -> str:
        trace.started = False
        return ""

    commands.add("debug platform condition start", start, HELP)
    commands.add("debug platform condition stop", stop, HELP)

    def clear_conditions(a: dict) -> str:
        trace.clear_conditions()
        return ""

    commands.add("clear platform condition all", clear_conditions,
                 {"platform": "Clear platform information", "condition": "Clear conditions",
                  "all": "All conditions"})

    # ---- the packet trace's buffer ----
    def configure(a: dict) -> str:
        settings = TraceSettings(packets=a["packet"], circular=bool(a.get("circular")),
                                 fia_trace=bool(a.get("fia_trace")), data_size=a.get("data_size"))
        device.fp.trace_config(settings.packets, settings.circular)
        trace.settings = settings
        return "".join(text + "\n" for key, text in NOT_MODELED.items() if a.get(key))

    def unconfigure(a: dict) -> str:
        device.fp.trace_config(0)
        trace.settings = None
        return ""

    commands.add("debug platform packet-trace packet <16-8192> "
                 "{circular | fia-trace | data-size <2048-16384>}", configure, HELP)
    commands.add("no debug platform packet-trace packet [<16-8192>]", unconfigure, HELP)
    commands.add("debug platform packet-trace copy WORD...",
                 lambda a: "% copy: not modeled; the model keeps no packet data\n", HELP)

    def clear_trace(a: dict) -> str:
        if a.get("configuration"):
            return unconfigure(a)
        device.fp.trace_clear()
        return ""

    commands.add("clear platform packet-trace (statistics|configuration)", clear_trace, HELP)

    # ---- show ----
    def conditions(a: dict) -> dict:
        return show.conditions_data(trace)

    commands.add("show platform conditions", lambda a: show.render_conditions(conditions(a)),
                 {"platform": "Show platform information", **HELP}, data=conditions)

    def summary(a: dict) -> list[dict]:
        return show.summary_data(device, device.fp.trace_read())

    commands.add("show platform packet-trace summary", lambda a: show.render_summary(summary(a)),
                 HELP, data=summary)

    def packets(a: dict) -> list[dict]:
        records = device.fp.trace_read()
        if not a.get("all"):
            records = [r for r in records if r.number == a["packet"]]
        return [show.packet_data(device, r) for r in records]

    commands.add("show platform packet-trace packet (all | <0-4294967295>:packet)",
                 lambda a: show.render_packets(packets(a)), HELP, data=packets)

    def statistics(a: dict) -> dict:
        return show.statistics_data(device.fp.trace_stats())

    commands.add("show platform packet-trace statistics", lambda a: show.render_statistics(statistics(a)),
                 HELP, data=statistics)
