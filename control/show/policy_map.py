"""`show policy-map [NAME]` and `show class-map [NAME]`, from the configuration model.

These show the configuration, not the fast path (`show policy-map interface` shows that), so they
read control.config's objects; police bursts and actions print as IOS prints them, with its defaults
filled in (PoliceConfig.to_policer).

Layouts:
- show policy-map: tests/golden/ios-xe/show-policy-map.txt, a documentation example whose lines
  are all indented to its prompt; a device capture (genieparser's IOS XE ShowPolicyMap
  golden_output2, with the device's `Load for` lines) puts `Policy Map` four columns in from the
  prompt, and the rest four columns per level: `Class` 8, `police` 12, its actions 16. The
  queueing actions print first, in the spellings of IOS XE devices' output (genieparser's
  ShowPolicyMap test data: `priority level 1 20000 (kb/s)`, `bandwidth 80 (%)`, `bandwidth remaining
  ratio 100`, `Average Rate Traffic Shaping` / `cir 1000000 (bps)`); `set` and `service-policy`
  print at the police line's indent, after it, then the class's kept lines (`fair-queue` and the
  like, which the model does not interpret) as typed, then `queue-limit N packets`. Policy-maps print in
  configuration order, classes in policy order with class-default last only when configured (IOS
  does not print an unconfigured class-default).
- show class-map: IOS XE's ` Class Map match-any NAME (id N)`, `   Match ...` and a blank line after
  each, with IOS's spacing (`Match any ` with a trailing blank, `Match   dscp ...`). class-default
  comes first with id 0, then the class-maps in configuration order with ids from 1: IOS allocates
  these ids itself and they are not in the configuration.
"""
from __future__ import annotations

from collections.abc import Sequence

from qfp_model.qfp.tables import CLASS_DEFAULT, DROP, TRANSMIT, PoliceMode

from ..config.lexicon import dscp_name
from ..config.render import action_text, percent_words
from ..errors import ControlError
from ._mqc import match_text


class UnknownMapName(ControlError):
    """`show policy-map NAME` / `show class-map NAME` for a name the configuration does not have."""


# ---- gathering --------------------------------------------------------------------------------

def policy_map_data(config, name: str | None = None) -> list[dict]:
    """Every policy-map of `config` in configuration order, or `name` alone (UnknownMapName if
    undefined)."""
    pmaps = config.policy_maps
    if name is not None and name not in pmaps:
        raise UnknownMapName(f"policy-map {name} is not configured")
    return [_policy_map(p) for p in pmaps.values() if name is None or p.name == name]


def _policy_map(pmap) -> dict:
    return {"name": pmap.name, "description": pmap.description,
            "classes": [_policy_class(c) for c in pmap.classes]}


def _policy_class(cls) -> dict:
    if cls.set_dscp is not None:
        qos_set = {"kind": "dscp", "value": cls.set_dscp, "text": dscp_name(cls.set_dscp)}
    elif cls.set_precedence is not None:
        qos_set = {"kind": "precedence", "value": cls.set_precedence, "text": str(cls.set_precedence)}
    else:
        qos_set = None
    return {"name": cls.name, "set": qos_set,
            "police": None if cls.police is None else _police(cls.police),
            "service_policy": cls.service_policy, "other_lines": list(cls.other_lines),
            "queueing": _queueing(cls)}


def _queueing(cls) -> dict | None:
    """The queueing actions as configured: percentages stay percentages (their rates depend on
    where the policy is attached; `show policy-map interface` gives them in bit/s)."""
    if not cls.queues:
        return None
    shape = cls.shape
    return {
        "shape": None if shape is None else {
            "cir_bps": shape.cir, "percent": shape.percent, "bc_bits": shape.bc, "be_bits": shape.be,
            "bc_ms": shape.bc_ms, "be_ms": shape.be_ms},
        "priority": None if cls.priority is None else {
            "level": cls.priority.level, "kbps": cls.priority.kbps, "percent": cls.priority.percent,
            "burst_bytes": cls.priority.burst},
        "bandwidth": None if cls.bandwidth is None else {
            "value": cls.bandwidth.value, "unit": cls.bandwidth.unit},
        "bandwidth_remaining": None if cls.bandwidth_remaining is None else {
            "value": cls.bandwidth_remaining.value, "unit": cls.bandwidth_remaining.unit},
        "queue_limit": cls.queue_limit,
    }


def _police(police) -> dict:
    """A percent policer prints as configured (its rates depend on where it is attached; `show
    policy-map interface` gives them in bit/s); any other as the policer it programs."""
    if police.cir_percent is not None:
        exceed = police.exceed or DROP
        three_colour = police.mode is not PoliceMode.ONE_RATE_TWO_COLOUR
        return {"percent_text": " ".join(percent_words(police)[1:]),
                "conform": [action_text(police.conform or TRANSMIT)], "exceed": [action_text(exceed)],
                "violate": [action_text(police.violate or exceed)] if three_colour else None}
    policer = police.to_policer()
    three_colour = policer.mode is not PoliceMode.ONE_RATE_TWO_COLOUR
    two_rate = policer.mode is PoliceMode.TWO_RATE_THREE_COLOUR
    return {
        "cir_bps": policer.cir, "bc_bytes": policer.bc,
        "pir_bps": policer.pir if two_rate else None,
        "be_bytes": policer.be if three_colour else None,
        "conform": [action_text(policer.conform)],
        "exceed": [action_text(policer.exceed)],
        "violate": [action_text(policer.violate)] if three_colour else None,
    }


def class_map_data(config, name: str | None = None) -> list[dict]:
    """class-default, then every class-map of `config` in configuration order; or `name` alone."""
    cmaps = config.class_maps
    if name is not None and name != CLASS_DEFAULT and name not in cmaps:
        raise UnknownMapName(f"class-map {name} is not configured")
    entries = [{"name": CLASS_DEFAULT, "match_type": "match-any", "id": 0, "description": None,
                "matches": ["any"]}]
    for cmap_id, cmap in enumerate(cmaps.values(), start=1):
        entries.append({"name": cmap.name, "match_type": "match-all" if cmap.match_all else "match-any",
                        "id": cmap_id, "description": cmap.description,
                        "matches": [match_text(m) for m in cmap.matches]})
    return [e for e in entries if name is None or e["name"] == name]


# ---- formatting -------------------------------------------------------------------------------

def render_policy_map(data: Sequence[dict]) -> str:
    return "".join(line + "\n" for pmap in data for line in format_policy_map(pmap))


def format_policy_map(pmap: dict) -> list[str]:
    lines = [f"    Policy Map {pmap['name']}"]
    for cls in pmap["classes"]:
        lines.append(f"        Class {cls['name']}")
        lines += [" " * 12 + line for line in format_policy_class(cls)]
    return lines


def format_policy_class(cls: dict) -> list[str]:
    queueing = cls.get("queueing")
    lines = format_queueing(queueing)
    if cls["set"] is not None:
        lines.append(f"set {cls['set']['kind']} {cls['set']['text']}")
    if cls["police"] is not None:
        lines += format_police(cls["police"])
    if cls["service_policy"] is not None:
        lines.append(f"service-policy {cls['service_policy']}")
    lines += cls["other_lines"]
    if queueing is not None and queueing["queue_limit"] is not None:
        lines.append(f"queue-limit {queueing['queue_limit']} packets")
    return lines


def format_queueing(q: dict | None) -> list[str]:
    """IOS's lines for the queueing actions, before the class's other lines (queue-limit goes
    last, in format_policy_class): `priority [level N] [R (kb/s) | P (%)]`, `bandwidth R (kb/s)` or
    `P (%)`, `bandwidth remaining ratio R` or `P (%)`, `Average Rate Traffic Shaping` and its `cir`
    line. Spellings from IOS XE devices' output (genieparser's ShowPolicyMap test data)."""
    if q is None:
        return []
    lines = []
    p = q["priority"]
    if p is not None:
        level = "" if p["level"] is None else f" level {p['level']}"
        if p["percent"] is not None:
            line = f"priority{level} {p['percent']} (%)"
        elif p["kbps"] is not None:
            line = f"priority{level} {p['kbps']} " + ("(kb/s)" if p["level"] is not None else "(kbps)")
        else:
            line = f"priority{level}"
        if p["burst_bytes"] is not None:
            line += f" burst {p['burst_bytes']} (Bytes)"
        lines.append(line)
    bw = q["bandwidth"]
    if bw is not None:
        lines.append(f"bandwidth {bw['value']} " + ("(kb/s)" if bw["unit"] == "kbps" else "(%)"))
    rem = q["bandwidth_remaining"]
    if rem is not None:
        lines.append(f"bandwidth remaining ratio {rem['value']}" if rem["unit"] == "ratio"
                     else f"bandwidth remaining {rem['value']} (%)")
    sh = q["shape"]
    if sh is not None:
        lines.append("Average Rate Traffic Shaping")
        if sh["percent"] is not None:
            line = f"cir {sh['percent']}%"
            line += "".join(f" {name} {ms} (msec)" for name, ms in (("bc", sh["bc_ms"]), ("be", sh["be_ms"]))
                            if ms is not None)
        else:
            line = f"cir {sh['cir_bps']} (bps)"
            line += "".join(f" {name} {bits} (bits)" for name, bits in
                            (("bc", sh["bc_bits"]), ("be", sh["be_bits"])) if bits is not None)
        lines.append(line)
    return lines


def format_police(police: dict) -> list[str]:
    if "percent_text" in police:
        lines = [f"police {police['percent_text']}"]
    else:
        line = f"police cir {police['cir_bps']} bc {police['bc_bytes']}"
        if police["pir_bps"] is not None:
            line += f" pir {police['pir_bps']}"
        if police["be_bytes"] is not None:
            line += f" be {police['be_bytes']}"
        lines = [line]
    for colour in ("conform", "exceed", "violate"):
        lines += [f"    {colour}-action {action}" for action in police[colour] or ()]
    return lines


def render_class_map(data: Sequence[dict]) -> str:
    return "".join(line + "\n" for cmap in data for line in format_class_map(cmap))


def format_class_map(cmap: dict) -> list[str]:
    lines = [f" Class Map {cmap['match_type']} {cmap['name']} (id {cmap['id']})"]
    if cmap["description"]:
        lines.append(f"  Description: {cmap['description']}")
    lines += [f"   Match {_class_map_match(m)}" for m in cmap["matches"]]
    return lines + [""]


def _class_map_match(text: str) -> str:
    # IOS pads a dscp match and leaves a blank after `any`, as captured from IOS XE devices.
    if text.startswith("dscp "):
        return "  " + text
    return text + " " if text == "any" else text
