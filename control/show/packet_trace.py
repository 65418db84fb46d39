"""`show platform packet-trace summary | packet N | packet all | statistics` and `show platform
conditions`: `xxx_data(...)` the structured twin, `render_xxx(data)` the IOS XE text.

Layouts follow real IOS XE outputs kept in tests/golden/ios-xe/ (their sources in its README):
the summary table, a packet's `Summary` block with its timestamps, the `Feature: IPV4(Input)`
block and an egress `Feature: QOS` block with its queue lines, and the statistics. What IOS prints
that the model has no data for is left out (CBUG IDs are the packet numbers; a packet's output
interface on input, and its input on output, are `<unknown>`: the model has no routing). Three
blocks are the model's own, named so that parsers keep them apart from IOS's features:
`IPV4_INPUT_ACL`/`IPV4_OUTPUT_ACL` (the ACL and the entry that decided), and per policy level
`QOS_CLASSIFY` (policy, class, the match that chose it, its policer's colour and action, DSCP in
and out). Timestamps are the model's virtual time: ns since its clock's start, dated from the
POSIX epoch."""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import datetime, timezone

from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import Direction
from qfp_model.qfp.trace import PA_DROP, PA_SET_DSCP, PA_TRANSMIT, TraceRecord, TraceStats

from ..config.lexicon import protocol_name
from ..config.render import ace_text
from ._mqc import match_text

# The QFP drop causes the model's drop reasons are counted under (code, cause), as the summary's
# State column and the statistics print them. The names are IOS XE's drop counter names; the
# codes were not seen in a captured output (README of tests/golden/ios-xe/).
DROP_CAUSES = {
    P.REASON_NO_UIDB: (11, "UidbNotCfgd"),
    P.REASON_ACL: (8, "Ipv4Acl"),
    P.REASON_POLICE: (34, "QosPolicing"),
    P.REASON_QUEUE: (35, "TailDrop"),
    P.REASON_PRIORITY: (34, "QosPolicing"),
}
COLOURS = {P.CONFORM: "conform", P.EXCEED: "exceed", P.VIOLATE: "violate"}
ACTIONS = {PA_TRANSMIT: "transmit", PA_DROP: "drop", PA_SET_DSCP: "set-dscp-transmit"}
UNKNOWN = "<unknown>"


# ---- the structured twins ------------------------------------------------------------------------

def _state(record: TraceRecord) -> tuple[str, dict | None]:
    if record.outcome("action") == P.FORWARD:
        return "FWD", None
    code, cause = DROP_CAUSES.get(record.outcome("reason"), (0, "Unknown"))
    return "DROP", {"code": code, "text": cause}


def _interfaces(device, record: TraceRecord) -> tuple[str, str]:
    session = next((s for s in device.sessions if s.uidb == record.field("uidb")), None)
    name = session.interface if session else UNKNOWN
    return (name, UNKNOWN) if record.field("dir") == Direction.IN else (UNKNOWN, name)


def _short(name: str) -> str:
    return "Vi" + name.removeprefix("Virtual-Access") if name.startswith("Virtual-Access") else name


def _address(record: TraceRecord, column: str) -> str:
    if record.field("family") == 6:
        words = (record.field(column), *record.field(f"{column}_low"))
        return str(ipaddress.IPv6Address(sum(w << (96 - 32 * i) for i, w in enumerate(words))))
    return str(ipaddress.IPv4Address(record.field(column)))


def _ip_feature(record: TraceRecord, input_name: str, output_name: str) -> dict:
    inbound = record.field("dir") == Direction.IN
    version = 6 if record.field("family") == 6 else 4
    proto = record.field("proto")
    lines = [("Input", input_name), ("Output", output_name), ("Source", _address(record, "src")),
             ("Destination", _address(record, "dst")), ("Protocol", f"{proto} ({protocol_name(proto).upper()})")]
    if proto in (6, 17, 132) and record.field("frag") != P.FRAG_NONINITIAL:
        lines += [("  SrcPort", str(record.field("sport"))), ("  DstPort", str(record.field("dport")))]
    return {"name": f"IPV{version}({'Input' if inbound else 'Output'})", "lines": lines, "width": 11}


def _acl_feature(device, record: TraceRecord) -> dict | None:
    ace = record.outcome("ace")
    if ace == P.ACE_NONE:
        return None
    inbound = record.field("dir") == Direction.IN
    name = _bound_acl(device, record)
    lines = [("Access-list", name or UNKNOWN)]
    if ace == P.ACE_IMPLICIT:
        lines += [("Entry", "implicit deny"), ("Action", "DROP")]
    else:
        entry = _acl_entry(device, name, ace)
        permit = record.outcome("reason") != P.REASON_ACL
        lines += [("Entry", entry or f"entry {ace}"), ("Action", "PERMIT" if permit else "DROP")]
    version = 6 if record.field("family") == 6 else 4
    return {"name": f"IPV{version}_{'INPUT' if inbound else 'OUTPUT'}_ACL", "lines": lines}


def _bound_acl(device, record: TraceRecord) -> str | None:
    try:
        slot = device.fp.uidb_info(record.field("uidb")).acl[record.field("dir")]
    except Exception:   # the session went down since: its UIDB is gone
        return None
    return next((n for n, s in device.compiler.acl_slots().items() if s == slot), None)


def _acl_entry(device, name: str | None, index: int) -> str | None:
    acl = device.config.access_lists.get(name) if name else None
    entries = [] if acl is None else [e for e in acl.entries if e.ace is not None]
    if index >= len(entries):
        return None
    e = entries[index]
    return f"{e.seq} {ace_text(e.ace, acl.extended, e.log)}"


def _qos_features(device, record: TraceRecord) -> list[dict]:
    features = []
    egress = record.field("dir") == Direction.OUT
    for level in record.levels:
        try:
            policy = device.fp.policy_info(level.policy).name
            cls = device.fp.policy_classes(level.policy)[level.class_index].name
        except Exception:   # the policy was deleted since
            policy, cls = UNKNOWN, f"class {level.class_index}"
        lines = [("Policy-map", policy), ("Class-map", cls), ("Match", _match(device, cls, level.term))]
        if level.colour is not None:
            lines.append(("Police", f"{COLOURS[level.colour]} ({ACTIONS.get(level.police_action, '-')})"))
        lines.append(("DSCP", f"{level.dscp_in} -> {level.dscp_out}"))
        features.append({"name": "QOS_CLASSIFY", "lines": lines})
    if record.levels:
        dropped = record.outcome("action") == P.DROP and record.outcome("reason") != P.REASON_ACL
        changed = record.outcome("dscp") != record.field("dscp")
        action = "DROP" if dropped else ("SET" if changed else "FWD")
        lines = [("Direction", "Egress" if egress else "Ingress"), ("Action", action)]
        if changed and not dropped:
            lines.append(("Fields", "DSCP"))
        if record.queue_state is not None:
            state = device.fp.target_read(record.field("uidb"), Direction.OUT)[record.queue_state] \
                if _bound(device, record) else None
            limit = state.queue.queue_limit if state is not None and state.queue else 0
            priority = bool(state is not None and _priority(device, state))
            lines += [("Pak Priority", "FALSE"), ("Priority", "TRUE" if priority else "FALSE"),
                      ("Queue ID", f"{record.queue_state} (0x{record.queue_state:x})"),
                      ("Queue Limit", str(limit)), ("WRED enabled", "FALSE"),
                      ("Inst Queue len", str(record.queue_depth)), ("Avg Queue len", "n/a")]
        # IOS's widths: 11 for the ingress block, 16 with the queue's lines (the goldens)
        features.append({"name": "QOS", "lines": lines, "width": 16 if record.queue_state is not None else 11})
    return features


def _bound(device, record: TraceRecord) -> bool:
    try:
        return record.queue_state < len(device.fp.target_read(record.field("uidb"), Direction.OUT))
    except Exception:
        return False


def _priority(device, state) -> bool:
    cls = device.fp.policy_classes(state.policy)[state.class_index]
    return bool(cls.queue and cls.queue.priority)


def _match(device, cls: str, term: int | None) -> str:
    if term is None:
        return "class-default" if cls == "class-default" else "none"
    cmap = device.config.class_maps.get(cls)
    if cmap is None or term >= len(cmap.matches):
        return f"match {term}"
    return "match " + match_text(cmap.matches[term])


def packet_data(device, record: TraceRecord) -> dict:
    input_name, output_name = _interfaces(device, record)
    state, reason = _state(record)
    features = [_ip_feature(record, input_name, output_name)]
    acl = _acl_feature(device, record)
    if acl:
        features.append(acl)
    features += _qos_features(device, record)
    start = record.field("ts_ns")
    return {"packet": record.number, "cbug_id": record.number, "input": input_name, "output": output_name,
            "state": state, "reason": reason, "start_ns": start,
            "stop_ns": record.depart_ns if record.depart_ns is not None else start,
            "sent": record.depart_ns is not None, "features": features}


def summary_data(device, records: Sequence[TraceRecord]) -> list[dict]:
    rows = []
    for r in records:
        input_name, output_name = _interfaces(device, r)
        state, reason = _state(r)
        rows.append({"packet": r.number, "input": _short(input_name), "output": _short(output_name),
                     "state": state, "reason": reason})
    return rows


def statistics_data(stats: TraceStats) -> dict:
    drops = sum(stats.drops)
    causes: dict[tuple[int, str], int] = {}
    for reason, count in enumerate(stats.drops):
        if count:
            key = DROP_CAUSES.get(reason, (0, "Unknown"))
            causes[key] = causes.get(key, 0) + count
    return {"matched": stats.matched, "traced": stats.traced, "ingress": stats.matched, "inject": 0,
            "forward": stats.forward, "punt": 0, "drop": drops, "consume": 0,
            "drop_causes": [{"count": n, "code": code, "cause": cause}
                            for (code, cause), n in sorted(causes.items())]}


def conditions_data(trace) -> dict:
    return {"state": "Start" if trace.started else "Stop",
            "conditions": [{"condition": c.describe(), "direction": c.direction} for c in trace.conditions]}


# ---- text ------------------------------------------------------------------------------------------

def _reason_text(reason: dict) -> str:
    return f"{reason['code']:<4}({reason['text']})"


def render_summary(rows: Sequence[dict]) -> str:
    lines = [f"{'Pkt':<6}{'Input':<26}{'Output':<26}{'State':<7}Reason"]
    for r in rows:
        line = f"{r['packet']:<6}{r['input']:<26}{r['output']:<26}{r['state']:<7}"
        lines.append((line + _reason_text(r["reason"])) if r["reason"] else line.rstrip())
    return "\n".join(lines) + "\n"


def _stamp(ns: int) -> str:
    t = datetime.fromtimestamp(ns // 1_000_000_000, timezone.utc)
    return f"{ns} ns ({t:%m/%d/%Y %H:%M:%S}.{ns % 1_000_000_000 // 1000:06d} UTC)"


def render_packet(p: dict) -> str:
    state = p["state"] + (" " + _reason_text(p["reason"]) if p["reason"] else "")
    lines = [f"{'Packet: ' + str(p['packet']):<20}CBUG ID: {p['cbug_id']}",
             "Summary",
             f"  Input     : {p['input']}",
             f"  Output    : {p['output']}",
             f"  State     : {state}",
             "  Timestamp",
             f"    Start   : {_stamp(p['start_ns'])}",
             f"    Stop    : {_stamp(p['stop_ns'])}",
             "Path Trace"]
    for f in p["features"]:
        lines.append(f"  Feature: {f['name']}")
        width = f.get("width") or max(len(k) for k, _ in f["lines"])
        lines += [f"    {k:<{width}} : {v}" for k, v in f["lines"]]
    return "\n".join(lines) + "\n"


def render_packets(packets: Sequence[dict]) -> str:
    return "".join(render_packet(p) for p in packets)


def render_statistics(s: dict) -> str:
    lines = ["Packets Summary", f"  Matched  {s['matched']}", f"  Traced   {s['traced']}",
             "Packets Received", f"  Ingress  {s['ingress']}", f"  Inject   {s['inject']}",
             "Packets Processed", f"  Forward  {s['forward']}", f"  Punt     {s['punt']}",
             f"  Drop     {s['drop']}"]
    if s["drop_causes"]:
        lines.append(f"    {'Count':<12}{'Code':<6}Cause")
        lines += [f"    {c['count']:<12}{c['code']:<6}{c['cause']}" for c in s["drop_causes"]]
    lines.append(f"  Consume  {s['consume']}")
    return "\n".join(lines) + "\n"


CONDITIONS_RULE = "-" * 94 + "|" + "-" * 9


def conditions_lines(data: dict) -> list[str]:
    lines = [f"Conditional Debug Global State: {data['state']}", ""]
    if data["conditions"]:
        lines += [f"{'Conditions':<90}Direction", CONDITIONS_RULE]
        lines += [f"{c['condition']:<95}{c['direction']}" for c in data["conditions"]]
        lines.append("")
    return lines


def render_conditions(data: dict) -> str:
    lines = conditions_lines(data) + [
        f"{'Feature Condition Type':<74}Value",
        "-" * 23 + "|" + "-" * 31 + "|" + "-" * 32, "",
        f"{'Feature Type':<31}{'Submode':<43}Level",
        "-" * 12 + "|" + "-" * 43 + "|" + "-" * 18]
    return "\n".join(lines) + "\n"
