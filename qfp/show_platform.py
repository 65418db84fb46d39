"""`show platform hardware qfp active feature qos all input|output all`, read back from the fast path.

The command exists to show what was actually programmed, so everything here comes from a
FastPathAPI's read-back (uidbs, uidb_info, target_read, policy_info, policy_classes), never from
the control plane's copy of the config. `qos_all` gathers that read-back into a structured twin
(a list of plain dicts, one per interface); `render_qos_all` only formats the twin, with one small
function per block, so tests can compare data by subset and layout against golden text apart.

Layout follows the seed's example (tests/golden/qos-all-*.txt) line for line, with single spaces
between tokens. What the seed does not show, decided here:

- A policy hierarchy prints one "Hierarchy level" block per policy instance: level 0 first, then
  each child instance in the depth-first order of the class states (a class's child before the
  next class's), each naming its parent class's index and object id; level 0 names 0 and 0.
- Every "specifics" section prints "Target Index: 0, Num Classes: N" once, then each class of
  that policy instance in class order.
- Police specifics for a class that has no policer (policer id 0 and all hw_policer words 0) print
  `No policer configured` in place of the policer id, words, stats and police_info lines, the way
  the Queue section says `No queue configured`: zero words would read as a policer programmed with
  nothing, and IOS does not print a policer object that does not exist.
- The `cache` / `(cache)` twins print the same values as the words above them: the model keeps one
  copy of each descriptor.
- Queue and Schedule specifics (the seed shows only `No queue configured`): a class with a part in
  the target's scheduler (ClassState.queue) prints `Queue type: queue|inner node, queue limit: N
  packets`, its depth now and at most, output / tail drop / b/w exceed drop stats in the police
  lines' `(paks/octets)` form, and its delays; Schedule prints what the class was programmed with
  (ClassInfo.queue: the shaper, its tokens now, the priority level and its policer, the minimum
  bandwidth and the excess weight, 1 when none was given). A class with no part keeps the seed's
  lines.
- Several interfaces print one after another, UIDB ascending, with no blank line between them.
- The twin also decodes the policer words (qfp.policer) into mode, rates, bursts and actions, and
  carries the fast path's UIDB handle as `uidb`; the text prints only the words, and `UIDB #` is the
  UIDB's index within its target (always 0: one UIDB per Virtual-Access target), as the device does.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from . import policer as policer_words
from .api import FastPathAPI
from .errors import TableError
from .readback import QROLE_INNER, QROLE_QUEUE, ClassInfo, ClassState
from .tables import Direction, PoliceMode, Queueing

TARGET_NAMES = {Direction.IN: "In", Direction.OUT: "Out"}
MODE_NAMES = {PoliceMode.ONE_RATE_TWO_COLOUR: "1R2C", PoliceMode.ONE_RATE_THREE_COLOUR: "1R3C",
              PoliceMode.TWO_RATE_THREE_COLOUR: "2R3C"}
COLOURS = ("conform", "exceed", "violate")


# ---- gathering: the read-back as a structured twin ------------------------------------------------

def qos_all(fp: FastPathAPI, direction: Direction) -> list[dict]:
    """One dict per interface whose target in `direction` (a Direction or its value) has a policy,
    UIDB ascending; [] when none has."""
    direction = Direction(direction)
    entries = []
    for uidb in fp.uidbs():
        info = fp.uidb_info(uidb)
        if info.policy[direction] is None:
            continue
        states = fp.target_read(uidb, direction)
        entries.append({
            "interface": info.ifname,
            "if_h": info.ifh,
            "uidb": uidb,
            "num_targets": 1,
            "target": TARGET_NAMES[direction],
            "num_uidbs": 1,
            "uidb_index": 0,
            "policies": _policies(fp, info.ifh, states),
        })
    return entries


def _policies(fp: FastPathAPI, ifh: int, states: Sequence[ClassState]) -> list[dict]:
    classes_of: dict[int, tuple[ClassInfo, ...]] = {}

    def class_info(state: ClassState) -> ClassInfo:
        if state.policy not in classes_of:
            classes_of[state.policy] = fp.policy_classes(state.policy)
        return classes_of[state.policy][state.class_index]

    policies = []
    for parent, members in _instances(states):
        policy = fp.policy_info(states[members[0]].policy)
        parent_state = states[parent] if parent is not None else None
        if parent_state is None:
            parent_index, parent_id = 0, 0
        else:
            parent_index, parent_id = parent_state.class_index, class_info(parent_state).object_id
        policies.append({
            "level": states[members[0]].level,
            "num_matching_iftgts": 1,
            "policy_name": policy.name,
            "policy_id": policy.policy_id,
            "parent_class_index": parent_index,
            "parent_class_id": parent_id,
            "iftgt": 0,
            "ifh": ifh,
            "member_ifh": 0,
            "link_idx": 0,
            "target_index": 0,
            "num_classes": len(members),
            "classes": [_class(states[i], class_info(states[i]), policy.name) for i in members],
        })
    return policies


def _instances(states: Sequence[ClassState]) -> Iterator[tuple[int | None, list[int]]]:
    """(parent state index, member state indexes) per policy instance, in order of first appearance.

    The states are depth-first, so an instance's classes are not contiguous when a class has a
    child; grouping by parent state puts them back together."""
    members: dict[int | None, list[int]] = {}
    for index, state in enumerate(states):
        members.setdefault(state.parent_state, []).append(index)
    yield from members.items()


def _class(state: ClassState, info: ClassInfo, policy_name: str) -> dict:
    return {
        "class_index": state.class_index,
        "class_object_id": info.object_id,
        "match_index": 0 if info.cmap is None else info.cmap + 1,
        "class_name": info.name,
        "policy_name": policy_name,
        "psqd": list(state.psqd),
        "isqd": list(state.isqd),
        "cache_isqd": list(state.isqd),
        "police": _police(state),
        "queue": _queue(state),
        "schedule": _schedule(state, info),
    }


QUEUE_ROLES = {QROLE_QUEUE: "queue", QROLE_INNER: "inner node"}


def _queue(state: ClassState) -> dict | None:
    """The class's queue as the scheduler holds it (ClassState.queue); None: no part in one."""
    q = state.queue
    if q is None or q.role not in QUEUE_ROLES:
        return None
    return {"role": QUEUE_ROLES[q.role], "queue_limit": q.queue_limit, "depth": q.depth,
            "depth_max": q.depth_max, "output": {"packets": q.out_pkts, "octets": q.out_bytes},
            "tail_drops": {"packets": q.tail_pkts, "octets": q.tail_bytes},
            "exceed_drops": {"packets": q.exceed_pkts, "octets": q.exceed_bytes},
            "delay_sum_ns": q.delay_sum_ns, "delay_max_ns": q.delay_max_ns,
            "jitter_sum_ns": q.jitter_sum_ns, "shape_tokens": q.shape_tokens}


def _schedule(state: ClassState, info: ClassInfo) -> dict | None:
    """What the scheduler runs the class with (ClassInfo.queue, as programmed)."""
    if state.queue is None or state.queue.role not in QUEUE_ROLES:
        return None
    q = info.queue or Queueing()
    return {"shape_cir_bps": q.shape_cir, "shape_bc_bytes": q.shape_bc, "shape_be_bytes": q.shape_be,
            "priority_level": q.priority, "priority_rate_bps": q.priority_rate,
            "priority_burst_bytes": q.priority_burst, "bw_min_bps": q.bw_min,
            "bw_excess_weight": q.bw_excess or 1}


def _police(state: ClassState) -> dict | None:
    # Either sign of a policer shows the section: a half-programmed one is what this command is for.
    if state.policer_id == 0 and not any(state.hw_policer):
        return None
    police = {
        "policer_id": state.policer_id,
        "hw_policer": list(state.hw_policer),
        "cache_hw_policer": list(state.hw_policer),
        "police_info": state.police_info,
        "cache_police_info": state.police_info,
        "decoded": _decoded(state.hw_policer, state.police_info),
    }
    for colour, name in enumerate(COLOURS):
        police[name] = {"packets": state.colour_pkts[colour], "octets": state.colour_bytes[colour]}
    return police


def _decoded(hw: tuple[int, int, int, int], info: int) -> dict | None:
    """What the words program, or None when they do not decode (the text still prints them)."""
    try:
        decoded = policer_words.decode(policer_words.PolicerWords(tuple(hw), info))
    except TableError:
        return None
    result = {"mode": MODE_NAMES[decoded.mode], "cir_bps": decoded.cir, "bc_bytes": decoded.bc,
              "be_bytes": decoded.be, "pir_bps": decoded.pir}
    for name in COLOURS:
        action = getattr(decoded, name)
        result[f"{name}_action"] = {"action": action.kind, "value": action.value}
    return result


# ---- formatting: the twin as the device prints it ---------------------------------------------------

def render_qos_all(fp: FastPathAPI, direction: Direction) -> str:
    """The command's text; empty when no target in `direction` has a policy."""
    return format_qos_all(qos_all(fp, direction))


def format_qos_all(entries: Sequence[dict]) -> str:
    return "".join(line + "\n" for entry in entries for line in format_interface(entry))


def format_interface(entry: dict) -> list[str]:
    lines = [
        f"Interface: {entry['interface']}, QFP if_h: {entry['if_h']}, Num Targets: {entry['num_targets']}",
        f"Target: {entry['target']}, Num UIDBs: {entry['num_uidbs']}",
        f"  UIDB #: {entry['uidb_index']}",
    ]
    for policy in entry["policies"]:
        lines += format_policy(policy)
    return lines


def format_policy(policy: dict) -> list[str]:
    return [
        f"  Hierarchy level: {policy['level']}, Num matching iftgts: {policy['num_matching_iftgts']}",
        f"  Policy name: {policy['policy_name']}, Policy id: {policy['policy_id']}",
        f"  Parent Class Idx: {policy['parent_class_index']}, Parent Class ID: {policy['parent_class_id']}",
        f"  IF Tgt#: {policy['iftgt']}, ifh: {policy['ifh']}, member_ifh: {policy['member_ifh']},"
        f" link_idx: {policy['link_idx']}",
        *_section("PSQD", policy, _psqd_lines, match_index=True),
        *_section("ISQD", policy, _isqd_lines),
        *_section("Police", policy, _police_lines),
        *_section("Queue", policy, _queue_lines),
        *_section("Schedule", policy, _schedule_lines),
    ]


def _section(title: str, policy: dict, body, match_index: bool = False) -> list[str]:
    lines = [f"  {title} specifics:",
             f"    Target Index: {policy['target_index']}, Num Classes: {policy['num_classes']}"]
    for cls in policy["classes"]:
        lines += ["    " + line for line in _class_heading(cls, match_index) + body(cls)]
    return lines


def _class_heading(cls: dict, match_index: bool) -> list[str]:
    heading = f"Class index: {cls['class_index']}, Class object id: {cls['class_object_id']}"
    if match_index:
        heading += f", Match index: {cls['match_index']}"
    return [heading, f"Class name: {cls['class_name']}, Policy name: {cls['policy_name']}"]


def _psqd_lines(cls: dict) -> list[str]:
    return [f"psqd[0-3]: {_words(cls['psqd'])}"]


def _isqd_lines(cls: dict) -> list[str]:
    return [f"isqd[0-3]: {_words(cls['isqd'])}", f"(cache) isqd[0-3]: {_words(cls['cache_isqd'])}"]


def _police_lines(cls: dict) -> list[str]:
    police = cls["police"]
    if police is None:
        return ["No policer configured"]
    return [
        f"Policer id: {_word(police['policer_id'])}",
        f"hw_policer[0-3]: {_words(police['hw_policer'])}",
        f"cache hw_policer[0-3]: {_words(police['cache_hw_policer'])}",
        *(f"{name} stats (paks/octets): {_stat(police[name]['packets'])}, : {_stat(police[name]['octets'])}"
          for name in COLOURS),
        f"police_info: {_word(police['police_info'])}",
        f"cache police_info: {_word(police['cache_police_info'])}",
    ]


def _queue_lines(cls: dict) -> list[str]:
    q = cls["queue"]
    if q is None:
        return ["No queue configured"]
    lines = [f"Queue type: {q['role']}, queue limit: {q['queue_limit']} packets",
             f"depth: {q['depth']}, max depth: {q['depth_max']}"]
    for label, key in (("output", "output"), ("tail drop", "tail_drops"), ("b/w exceed drop", "exceed_drops")):
        lines.append(f"{label} stats (paks/octets): {_stat(q[key]['packets'])}, : {_stat(q[key]['octets'])}")
    lines.append(f"delay (ns) sum: {q['delay_sum_ns']}, max: {q['delay_max_ns']}, jitter sum: {q['jitter_sum_ns']}")
    return lines


def _schedule_lines(cls: dict) -> list[str]:
    sch, q = cls["schedule"], cls["queue"]
    if sch is None:
        return ["No schedule info (no queue configured)"]
    shape = "none" if not sch["shape_cir_bps"] else \
        f"cir {sch['shape_cir_bps']} bps, bc {sch['shape_bc_bytes']} bytes, be {sch['shape_be_bytes']} bytes"
    priority = f"Priority level: {sch['priority_level']}"
    if sch["priority_rate_bps"]:
        priority += f", rate {sch['priority_rate_bps']} bps, burst {sch['priority_burst_bytes']} bytes"
    return [f"Shape: {shape}",
            f"shape tokens: {q['shape_tokens']}",
            priority,
            f"Bandwidth min: {sch['bw_min_bps']} bps, excess weight: {sch['bw_excess_weight']}"]


def _word(value: int) -> str:
    return f"0x{value:08x}"


def _words(values: Sequence[int]) -> str:
    return " ".join(_word(v) for v in values)


def _stat(value: int) -> str:
    return f"0x{value:016x}"
