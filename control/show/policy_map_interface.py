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
from qfp_model.qfp.readback import SET_DSCP, SET_PREC, ClassState
from qfp_model.qfp.show_platform import MODE_NAMES
from qfp_model.qfp.tables import CLASS_DEFAULT, Direction, PoliceMode

from ..config.lexicon import dscp_name
from ..config.render import action_text
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
    classes = []
    for index in members:
        state = states[index]
        info = infos[state.class_index]
        children = [i for i, s in enumerate(states) if s.parent_state == index]
        classes.append({
            "name": info.name,
            **_class_map(config, info.name),
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
    return {"policy": fp.policy_info(policy).name, "classes": classes}


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
        for cls in policy["classes"]:
            lines += [""] + format_class(cls, 4)
    return lines


def format_class(cls: dict, indent: int) -> list[str]:
    pad = " " * indent
    body = [
        f"{cls['packets']} packets, {cls['bytes']} bytes",
        f"5 minute offered rate {format_rate(cls['offered_rate_bps'])} bps, "
        f"drop rate {format_rate(cls['drop_rate_bps'])} bps",
        *(f"Match: {m}" for m in cls["matches"]),
        *format_qos_set(cls["qos_set"]),
        *format_police(cls["police"]),
    ]
    lines = [f"{pad}Class-map: {cls['name']} ({cls['match_type']})"]
    lines += [f"{pad}  {line}" for line in body]
    child = cls["service_policy"]
    if child is not None:
        lines += ["", f"{pad}  Service-policy : {child['policy']}"]
        for sub in child["classes"]:
            lines += [""] + format_class(sub, indent + 4)
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
