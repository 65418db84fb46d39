"""`show policy-map interface Virtual-AccessN [input|output]`, in IOS XE's layout.

Counters come from the fast path's read-back of the session's targets (FastPathAPI.target_read), the
policer's rates, bursts and actions from the words it was programmed with (qfp.policer.decode), and
the marking from the class as the fast path holds it; only the class-map's match lines and its
match-any/match-all come from the configuration, which is where IOS takes them from too.

Layout: tests/golden/ios-xe/show-policy-map-interface.2r3c.txt (an ASR 1000) line for line, no
trailing blanks. What that file does not show, decided here:

- Both directions print input first, each block starting with a blank line; classes in policy
  order, each after a blank line.
- `QoS Set` / `dscp ef` (or `precedence 5`) / `Marker statistics: Disabled`, after the Match lines
  and before `police:`, as the ASR 1000 prints a `set` action.
- A child policy prints after its parent class's own lines: a blank line, `Service-policy : CHILD`
  at the class body's indent, a blank line, then the child's classes indented four more columns.
- A 1R3C policer prints `cir N bps, bc N bytes, be N bytes` on one line; a 2R3C one prints `pir N bps,
  be N bytes` on a second line; the violated lines print only for three-colour policers.

Queueing follows real IOS XE hierarchical outputs (tests/golden/ios-xe/show-policy-map-interface.
hqos-*.txt and .priority-levels.txt, line for line): after the Match lines, a queue prints `Queueing`
(a blank line for class-default's implicit queue), `queue limit N packets`, `(queue depth/total
drops/no-buffer drops) d/t/0` and `(pkts output/bytes output) p/b` from ClassState.queue (an inner
node, a shaper over a queueing child, prints its queues' sums and the limit IOS would size it
with), then `shape (average) cir C, bc B, be E` (bits) and `target shape rate C`, then `bandwidth N
kbps` / `bandwidth P% (N kbps)` / `bandwidth remaining ratio R` / `bandwidth remaining P%`. Priority
classes print no queue of their own: each level's priority queues are summed in a `queue stats for
all priority classes:` block before the level's first class (with `priority level N` when levels
were typed), and the class prints its policer, then `Priority: Strict|N kbps, burst bytes B|P% (N
kbps), burst bytes B, b/w exceed drops: D`, a blank line, `Priority Level: N` when typed, then its
marking (as an ASR 1000 prints a policed priority class). Other classes keep marking before the
policer. Total drops are the queue's tail drops; no-buffer drops are always 0 (the model's queues
hold descriptors, never run out of buffers).

The rates: IOS prints a 5-minute exponentially decayed average. The model has virtual time only
while traffic runs, so each rate here is the mean over the counters' window: bytes counted * 8 over
the virtual time from when the counters started (the session's bring-up, or the time the device
records for their last reset) to the device's clock now, rounded down to a bit. Offered rate uses
the class's packets and bytes, drop rate its drops, and conformed/exceeded/violated bps the
policer's colour bytes.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from qfp_model.qfp import policer as policer_words
from qfp_model.qfp.api import FastPathAPI
from qfp_model.qfp.errors import TableError
from qfp_model.qfp.readback import QROLE_INNER, QROLE_QUEUE, SET_DSCP, SET_PREC, ClassInfo, ClassState
from qfp_model.qfp.show_platform import MODE_NAMES
from qfp_model.qfp.tables import CLASS_DEFAULT, Direction, PoliceMode, Queueing

from ..config.lexicon import dscp_name
from ..config.render import action_text
from ..core.compile import default_queue_limit
from ._format import format_rate, rate_bps
from ._mqc import match_text

SET_KINDS = {SET_DSCP: "dscp", SET_PREC: "precedence"}
COLOURS = ("conformed", "exceeded", "violated")


# ---- gathering --------------------------------------------------------------------------------

def parse_direction(direction) -> Direction:
    """A Direction from a Direction, its value, or `input` / `output` as the command takes it."""
    if isinstance(direction, str):
        return Direction.from_ios_name(direction)
    return Direction(direction)


def counters_since_ns(session, direction: Direction) -> int:
    """When a session's policy counters in `direction` started, in virtual ns: its bring-up, or the
    last time they were zeroed or rebound."""
    return session.counters_since_ns[direction]


def policy_map_interface_data(fp: FastPathAPI, config, sessions: Iterable, clock_ns: int,
                              direction=None, *, named: bool = False) -> list[dict]:
    """One dict per session interface with a service policy per bound direction (`direction`
    alone, or input then output), rates over the counters' window up to virtual time clock_ns.
    A session `named` by the command is listed even with no policy bound; otherwise only those
    that have a policy in the direction(s) asked, as IOS lists only the interfaces that have one."""
    directions = [parse_direction(direction)] if direction is not None else list(Direction)
    entries = []
    for session in sessions:
        policies = []
        for d in directions:
            window = max(clock_ns - counters_since_ns(session, d), 0)
            states = fp.target_read(session.uidb, d)
            if states:
                policies.append({"direction": d.ios_name, "rate_window_ns": window,
                                 **_instance(fp, config, states, None, window)})
        if policies or named:
            entries.append({"interface": session.interface, "service_policies": policies})
    return entries


def _instance(fp: FastPathAPI, config, states: Sequence[ClassState], parent: int | None,
              window: int) -> dict:
    """The policy instance whose classes are the states under `parent` (None: level 0)."""
    members = [i for i, s in enumerate(states) if s.parent_state == parent]
    policy = states[members[0]].policy
    infos = fp.policy_classes(policy)
    policy_name = fp.policy_info(policy).name
    classes = []
    for index in members:
        state = states[index]
        info = infos[state.class_index]
        children = [i for i, s in enumerate(states) if s.parent_state == index]
        classes.append({
            "name": info.name,
            **_class_map(config, info.name),
            "queueing": _queueing(state, info, _config_class(config, policy_name, info.name)),
            "packets": state.pkts,
            "bytes": state.bytes,
            "drop_packets": state.drop_pkts,
            "drop_bytes": state.drop_bytes,
            "offered_rate_bps": rate_bps(state.bytes, window),
            "drop_rate_bps": rate_bps(state.drop_bytes, window),
            "qos_set": _qos_set(info.set_kind, info.set_value),
            "police": _police(state, window),
            "service_policy": _instance(fp, config, states, index, window) if children else None,
        })
    return {"policy": policy_name, "classes": classes, "priority_queues": _priority_queues(classes)}


def _config_class(config, policy_name: str, class_name: str):
    pmap = config.policy_maps.get(policy_name)
    return None if pmap is None else pmap.get(class_name)


def _queueing(state: ClassState, info: ClassInfo, cfg_class) -> dict | None:
    """A class's part in the scheduler: its queue's (or, for an inner node, its queues') counts
    from the read-back, its actions as the fast path holds them, and from the configuration only
    what the fast path does not keep: whether a rate was a percentage, and a priority level typed."""
    stats, queue = state.queue, info.queue
    if stats is None or stats.role not in (QROLE_QUEUE, QROLE_INNER):
        return None
    queue = queue or Queueing()
    inner = stats.role == QROLE_INNER
    # An inner node has no queue of its own; IOS prints the limit it would size one with.
    limit = default_queue_limit(queue.shape_cir) if inner and queue.shape_cir else stats.queue_limit
    bandwidth = bandwidth_remaining = priority = None
    if queue.bw_min:
        percent = getattr(getattr(cfg_class, "bandwidth", None), "unit", None) == "percent"
        bandwidth = {"kbps": queue.bw_min // 1000,
                     "percent": cfg_class.bandwidth.value if percent else None}
    if queue.bw_excess:
        unit = getattr(getattr(cfg_class, "bandwidth_remaining", None), "unit", "ratio")
        bandwidth_remaining = {"unit": unit, "value": queue.bw_excess}
    if queue.priority:
        cfg_priority = getattr(cfg_class, "priority", None)
        priority = {
            "level": None if cfg_priority is None else cfg_priority.level,
            "kbps": queue.priority_rate // 1000 if queue.priority_rate else None,
            "percent": None if cfg_priority is None else cfg_priority.percent,
            "burst_bytes": queue.priority_burst if queue.priority_rate else None,
            "exceed_drops": stats.exceed_pkts,
        }
    return {
        "role": "inner" if inner else "queue",
        # `Queueing` heads a queue the class asked for; the compiler gives class-default's implicit
        # queue a limit too, so the configuration says which it was.
        # (An unconfigured class-default, or a class the configuration no longer has, counts by
        # what the fast path holds, its limit aside.)
        "configured": cfg_class.queues if cfg_class is not None else
        bool(queue.shape_cir or queue.priority or queue.bw_min or queue.bw_excess),
        "queue_limit": limit,
        "depth": stats.depth,
        "total_drops": stats.tail_pkts,
        "no_buffer_drops": 0,
        "output_packets": stats.out_pkts,
        "output_bytes": stats.out_bytes,
        "shape": None if not queue.shape_cir else {
            "cir_bps": queue.shape_cir, "bc_bits": queue.shape_bc * 8, "be_bits": queue.shape_be * 8,
            "target_bps": queue.shape_cir},
        "bandwidth": bandwidth,
        "bandwidth_remaining": bandwidth_remaining,
        "priority": priority,
    }


def _priority_queues(classes: list[dict]) -> list[dict]:
    """IOS XE's `queue stats for all priority classes:` blocks of one policy level: one per
    priority level in use (the priority classes of a level share one queue on the ASR 1000; here
    each has its own, and the block sums them), with `priority level N` when levels were typed."""
    blocks: dict = {}
    for cls in classes:
        q = cls["queueing"]
        if q is None or q["priority"] is None or q["role"] != "queue":
            continue
        level = q["priority"]["level"]
        block = blocks.setdefault(level, {"level": level, "queue_limit": 0, "depth": 0, "total_drops": 0,
                                          "no_buffer_drops": 0, "output_packets": 0, "output_bytes": 0})
        for key in ("queue_limit", "depth", "total_drops", "output_packets", "output_bytes"):
            block[key] += q[key]
    return [blocks[level] for level in sorted(blocks, key=lambda x: x or 0)]


def _class_map(config, name: str) -> dict:
    if name == CLASS_DEFAULT:
        return {"match_type": "match-any", "matches": ["any"]}
    cmap = config.class_maps.get(name)
    if cmap is None:       # a class the configuration no longer has: show what is known
        return {"match_type": "match-any", "matches": []}
    return {"match_type": "match-all" if cmap.match_all else "match-any",
            "matches": [match_text(m) for m in cmap.matches]}


def _qos_set(kind: int, value: int) -> dict | None:
    if kind not in SET_KINDS:
        return None
    return {"kind": SET_KINDS[kind], "value": value,
            "text": dscp_name(value) if kind == SET_DSCP else str(value)}


def _police(state: ClassState, window: int) -> dict | None:
    if not any(state.hw_policer):
        return None
    try:
        policer = policer_words.decode(policer_words.PolicerWords(tuple(state.hw_policer),
                                                                  state.police_info))
    except TableError:
        return None    # `show platform ... qos all` is the place to see words that do not decode
    three_colour = policer.mode is not PoliceMode.ONE_RATE_TWO_COLOUR
    police = {
        "mode": MODE_NAMES[policer.mode],
        "cir_bps": policer.cir,
        "bc_bytes": policer.bc,
        "pir_bps": policer.pir if policer.mode is PoliceMode.TWO_RATE_THREE_COLOUR else None,
        "be_bytes": policer.be if three_colour else None,
    }
    actions = (policer.conform, policer.exceed, policer.violate)
    for colour, name in enumerate(COLOURS):
        if colour == 2 and not three_colour:
            police[name] = None
            continue
        police[name] = {
            "packets": state.colour_pkts[colour],
            "bytes": state.colour_bytes[colour],
            "actions": [action_text(actions[colour])],
            "bps": rate_bps(state.colour_bytes[colour], window),
        }
    return police


# ---- formatting -------------------------------------------------------------------------------

def render_policy_map_interface(data: Sequence[dict]) -> str:
    return "".join(line + "\n" for entry in data for line in format_interface(entry))


def format_interface(entry: dict) -> list[str]:
    lines = ["", entry["interface"]]
    for policy in entry["service_policies"]:
        lines += ["", f"  Service-policy {policy['direction']}: {policy['policy']}"]
        lines += format_level(policy, 4)
    return lines


def format_level(policy: dict, indent: int) -> list[str]:
    """A policy instance's priority queue blocks, then its classes, each after a blank line."""
    lines = []
    for block in policy.get("priority_queues", ()):
        lines += [""] + [" " * indent + line for line in format_priority_queues(block)]
    for cls in policy["classes"]:
        lines += [""] + format_class(cls, indent)
    return lines


def format_priority_queues(block: dict) -> list[str]:
    lines = ["queue stats for all priority classes:", "  Queueing"]
    if block["level"] is not None:
        lines.append(f"  priority level {block['level']}")
    return lines + ["  " + line for line in format_queue_counts(block)]


def format_queue_counts(q: dict) -> list[str]:
    return [f"queue limit {q['queue_limit']} packets",
            f"(queue depth/total drops/no-buffer drops) {q['depth']}/{q['total_drops']}/{q['no_buffer_drops']}",
            f"(pkts output/bytes output) {q['output_packets']}/{q['output_bytes']}"]


def format_queueing(q: dict | None) -> list[str]:
    """A class's queue (a priority class's is in its level's priority block instead), shaper and
    bandwidths. IOS prints `Queueing` over a queue the class configured and a blank line over
    class-default's implicit one (tests/golden/ios-xe/show-policy-map-interface.hqos-*.txt)."""
    if q is None:
        return []
    lines = []
    if q["priority"] is None or q["role"] == "inner":
        lines += ["Queueing" if q["configured"] else ""] + format_queue_counts(q)
    sh = q["shape"]
    if sh is not None:
        lines += [f"shape (average) cir {sh['cir_bps']}, bc {sh['bc_bits']}, be {sh['be_bits']}",
                  f"target shape rate {sh['target_bps']}"]
    bw = q["bandwidth"]
    if bw is not None:
        lines.append(f"bandwidth {bw['percent']}% ({bw['kbps']} kbps)" if bw["percent"] is not None
                     else f"bandwidth {bw['kbps']} kbps")
    rem = q["bandwidth_remaining"]
    if rem is not None:
        lines.append(f"bandwidth remaining ratio {rem['value']}" if rem["unit"] == "ratio"
                     else f"bandwidth remaining {rem['value']}%")
    return lines


def format_priority(q: dict | None) -> list[str]:
    """`Priority: ...` with its conditional policer's drops, a blank line, and `Priority Level: N`
    when a level was configured."""
    if q is None or q["priority"] is None:
        return []
    p = q["priority"]
    if p["kbps"] is None:
        rate = "Strict"
    elif p["percent"] is not None:
        rate = f"{p['percent']}% ({p['kbps']} kbps), burst bytes {p['burst_bytes']}"
    else:
        rate = f"{p['kbps']} kbps, burst bytes {p['burst_bytes']}"
    lines = [f"Priority: {rate}, b/w exceed drops: {p['exceed_drops']}", ""]
    if p["level"] is not None:
        lines.append(f"Priority Level: {p['level']}")
    return lines


def format_class(cls: dict, indent: int) -> list[str]:
    pad = " " * indent
    body = [
        f"{cls['packets']} packets, {cls['bytes']} bytes",
        f"5 minute offered rate {format_rate(cls['offered_rate_bps'])} bps, "
        f"drop rate {format_rate(cls['drop_rate_bps'])} bps",
        *(f"Match: {m}" for m in cls["matches"]),
    ]
    q = cls.get("queueing")
    body += format_queueing(q)
    if q is not None and q["priority"] is not None:
        # A priority class prints its policer before `Priority:` and its marking after.
        body += format_police(cls["police"]) + format_priority(q) + format_qos_set(cls["qos_set"])
    else:
        body += format_qos_set(cls["qos_set"]) + format_police(cls["police"])
    lines = [f"{pad}Class-map: {cls['name']} ({cls['match_type']})"]
    lines += [f"{pad}  {line}" if line else "" for line in body]
    child = cls["service_policy"]
    if child is not None:
        lines += ["", f"{pad}  Service-policy : {child['policy']}"]
        lines += format_level(child, indent + 4)
    return lines


def format_qos_set(qos_set: dict | None) -> list[str]:
    if qos_set is None:
        return []
    return ["QoS Set", f"  {qos_set['kind']} {qos_set['text']}", "    Marker statistics: Disabled"]


def format_police(police: dict | None) -> list[str]:
    if police is None:
        return []
    rates = f"cir {police['cir_bps']} bps, bc {police['bc_bytes']} bytes"
    if police["be_bytes"] is not None and police["pir_bps"] is None:
        rates += f", be {police['be_bytes']} bytes"
    lines = ["police:", f"    {rates}"]
    if police["pir_bps"] is not None:
        lines.append(f"    pir {police['pir_bps']} bps, be {police['be_bytes']} bytes")
    colours = [(name, police[name]) for name in COLOURS if police[name] is not None]
    for name, colour in colours:
        lines.append(f"  {name} {colour['packets']} packets, {colour['bytes']} bytes; actions:")
        lines += [f"    {action}" for action in colour["actions"]]
    lines.append("  " + ", ".join(f"{name} {format_rate(c['bps'])} bps" for name, c in colours))
    return lines
