"""Policy regression cases: a network team's config, sessions, RADIUS requests, traffic and what they
expect, as declarative TOML files (`*.regress.toml`) that `qfp regress` and pytest run.

A case file (see examples/ for real ones):

    name = "seed CoA"                  # default: the file's name
    config = "hub.cfg"                 # a path beside the case file; or config_text = '''...'''
                                       # (neither: the embedded FlexVPN hub)
    [[sessions]]                       # sim session up's arguments; session n is Virtual-Accessn,
    remote = "77.1.1.1"                # inside address 10.0.0.n; IPv6 ends ("2001:db8::1") make a
    local = "77.1.1.2"                 # session over IPv6 (local default: 2001:db8::2)
    inside_ipv6 = "2001:db8:77::/64"   # its inside IPv6 prefix (default: the n-th /64 of
                                       # 2001:db8:1000::/36); inside_ipv4 likewise; "none": not given
    identity = "spoke1"                # who it authorizes as, where its profile asks RADIUS;
    expect = "up"                      # or "refused" (Access-Reject, an unusable Accept)

    [radius]                           # the RADIUS server the sessions are authorized and accounted
    secret = "testing123"              # against: a private FreeRADIUS the runner starts (or, without
    [radius.users.spoke1]              # FreeRADIUS, the built-in server, and the result says so);
    avpairs = ["ip:sub-qos-policy-in=2M"]   # every `radius server` of the config is pointed at it
    attributes = { "Framed-IPv6-Prefix" = "2001:db8:77::/64" }   # IETF attributes in the Accept
    [radius.users.blocked]
    reject = true

    [[steps]]                          # in order; each step has one of these keys:
    coa = { session = "Virtual-Access1", avpairs = ["ip:sub-qos-policy-in=aaa-pol"],
            attributes = { "NAS-IP-Address" = "77.1.1.2" }, expect = "ack" }
    #   disconnect = {...}             the same for a Disconnect-Request; expect = "nak" takes
    #                                  error_cause = 407 (a number or its RFC name)
    #   traffic = { interface = "Vi1", direction = "input", size = 1000, rate = "3m",
    #               packets = 2000, destination = "172.16.10.5", protocol = "tcp", ... }
    #                                  sim traffic's options; or replay = { file = "x.pcap", ... }
    #   traffic = { interface = "Vi1", direction = "output", duration = 60, streams = [
    #               { name = "voice", size = 200, rate = "64k", dscp = "ef" },
    #               { name = "bulk", size = 1500, rate = "4m" } ] }
    #                                  several concurrent streams, merged in time: the keys beside
    #                                  `streams` apply to every stream, a stream's own override
    #                                  them (interface and direction too); name defaults to "1", "2"..
    #   result = { forwarded = 100, dropped_police = [900, "2%"], dscp = { ef = 100 } }
    #                                  the last traffic or replay step's outcome, summed over its
    #                                  streams; with stream = "voice" that stream's alone. Beside the
    #                                  counts (packets, forwarded, dropped, dropped_acl, dropped_police,
    #                                  dropped_queue: tail drops, dropped_priority: a priority queue's
    #                                  policer, conformed, exceeded, violated): delay_mean_ms,
    #                                  delay_max_ms, jitter_mean_ms of the queue the stream joined
    #                                  during the run (shared with any stream in the same queue; the
    #                                  maximum is the queue's since counters were cleared: clear them
    #                                  before a run whose own maximum an at_least must see)
    #   class = { interface = "Vi1", direction = "input", class = "VOICE", conformed_packets = 70 }
    #                                  a class's counters from `show policy-map interface`'s twin;
    #                                  a child class as "PARENT-CLASS/CHILD-CLASS"; a queue's (since
    #                                  counters were cleared): output_packets, output_bytes,
    #                                  tail_drops, priority_drops, queue_depth, queue_depth_max,
    #                                  delay_mean_ms, delay_max_ms, jitter_mean_ms
    #   ace = { acl = "HUB-IN", seq = 80, matches = 10 }    `show ip access-lists`' twin;
    #                                  ipv6 = true: `show ipv6 access-list`'s (an `ipv6 access-list`)
    #   policy = { interface = "Vi1", direction = "input", name = "aaa-pol" }
    #                                  what the fast path holds: the platform show's twin
    #   show = "show ...", contains = ["line", ...], lacks = ["line", ...]
    #                                  lines of a show command's text (whole lines, stripped)
    #   exec = "clear counters"        any exec command
    #   accounting = { session = "Vi1", status = "Stop", input_octets = 1000, terminate_cause = "User-Request" }
    #                                  the last accounting record the [radius] server received for
    #                                  the session with that Acct-Status-Type: any of input_octets,
    #                                  output_octets, input_packets, output_packets, session_time,
    #                                  terminate_cause, user_name (the session may be down by then)

`trace = true` (in the case, for every traffic and replay step, or in one such step's table) records
the step's packets with the packet trace (the first 8192; docs/fastpath.md, "Packet trace"): when a
later expectation fails, the difference is printed with the trace of packets that explain it (the
dropped ones when drops or forwards differ, else the first), as `show platform packet-trace packet N`
prints them, and the trace statistics.

An expected number is N (exact), [N, TOL] with TOL a count or a percentage string ("2%"),
{ value = N, tolerance = TOL }, or a bound: { at_most = N }, { at_least = N } or both (a delay is
usually a bound: "voice waits at most one bulk packet's time"). A case stops at its first failing
step and reports that difference as expected vs actual.

CoA and Disconnect requests go over UDP to the device's own dynamic-author listener, bound to an
ephemeral port on 127.0.0.1, from 127.0.0.1 with the key the config gives that client (or the
case's `secret`): the path a production RADIUS server takes.
"""
from __future__ import annotations

import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from qfp_model.control import config as cfg
from qfp_model.control.aaa.session_aaa import SessionRefused
from qfp_model.control.config import syntax as S
from qfp_model.control.core import acl_log
from qfp_model.control.core.device import Device
from qfp_model.control.core.replay import replay
from qfp_model.control.core.sessions import canonical_virtual_access
from qfp_model.control.core.traffic import (
    OPTIONS,
    MixResult,
    TrafficResult,
    TrafficSpec,
    class_paths,
    dscp_number,
    run_streams,
    run_to_end,
)
from qfp_model.control.errors import ControlError
from qfp_model.control.exec.sim import bring_up, run_now
from qfp_model.control.files import read_text
from qfp_model.control.headend import Headend
from qfp_model.qfp import packets as P
from qfp_model.qfp.readback import QROLE_QUEUE
from qfp_model.qfp.tables import Direction

from . import freeradius
from .builtin_radius import BuiltinRadius
from .coa_client import CoaEndpoint, error_cause_number
from .exit_status import FAILED, OK, USAGE
from .freeradius import FreeRadius, Reply
from .regress_trace import TracedStep

if sys.version_info >= (3, 11):
    import tomllib
else:   # tomllib is 3.11's; tomli is the same parser for 3.10 (a dependency there)
    import tomli as tomllib

SUFFIX = ".regress.toml"
COA_CLIENT = "127.0.0.1"
DEFAULT_LOCAL = "77.1.1.2"     # a session's local address when the case gives none: the seed's hub
DEFAULT_LOCAL6 = "2001:db8::2"  # the same for a session whose remote end is IPv6
COUNTERS = ("packets", "bytes", "drop_packets", "drop_bytes")
COLOURS = ("conformed", "exceeded", "violated")
# Steps whose body is text (or either); the others' bodies are tables.
TEXT_STEPS = {"show": str, "exec": str, "replay": (str, dict)}
STEP_KINDS = ("coa", "disconnect", "traffic", "replay", "result", "class", "ace", "policy", "show", "exec",
              "accounting")
SESSION_EXPECT = ("up", "refused")
# An accounting step's keys and the RADIUS attributes they compare with.
ACCOUNTING_KEYS = {"input_octets": "Acct-Input-Octets", "output_octets": "Acct-Output-Octets",
                   "input_packets": "Acct-Input-Packets", "output_packets": "Acct-Output-Packets",
                   "session_time": "Acct-Session-Time", "terminate_cause": "Acct-Terminate-Cause",
                   "user_name": "User-Name"}
ACCOUNTING_WAIT_S = 10.0


class CaseError(ControlError):
    """A case file that cannot be run as written (not a failed expectation)."""


class Mismatch(Exception):
    """An expectation that did not hold: what was expected and what the device gave."""

    def __init__(self, what: str, expected, actual):
        super().__init__(f"{what}: expected {expected}, actual {actual}")
        self.what, self.expected, self.actual = what, expected, actual


@dataclass
class CaseResult:
    name: str
    path: str
    passed: bool
    seconds: float
    step: int | None = None          # 1-based index of the failing step
    message: str = ""
    error: bool = False              # the case could not run (as opposed to a failed expectation)
    log: list = field(default_factory=list)
    notes: list = field(default_factory=list)   # what the run stood on that a reader must know
    trace: str = ""                  # the packet trace beside a failed expectation (`trace = true`)

    def line(self) -> str:
        status = "PASS" if self.passed else ("ERROR" if self.error else "FAIL")
        text = f"{status} {self.name} ({self.seconds:.2f} s)"
        for note in self.notes:
            text += f" [{note}]"
        if not self.passed:
            where = f"step {self.step}: " if self.step else ""
            text += f"\n    {where}{self.message}"
            if self.trace:
                text += "\n" + "".join(f"      {line}\n" for line in self.trace.splitlines()).rstrip("\n")
        return text


# ---- loading ------------------------------------------------------------------------------------
def find_cases(paths) -> list[Path]:
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(p.rglob("*" + SUFFIX))
        elif p.exists():
            found.append(p)
        else:
            raise CaseError(f"{p}: no such file or directory")
    return found


def load_case(path: Path) -> dict:
    try:
        case = tomllib.loads(read_text(path, "regression case"))
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(f"{path}: {exc}") from None
    unknown = set(case) - {"name", "description", "config", "config_text", "sessions", "steps", "secret", "radius",
                           "trace"}
    if unknown:
        raise CaseError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    for what, items in (("sessions", case.get("sessions", [])), ("steps", case.get("steps", []))):
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise CaseError(f"{path}: {what} is a list of tables ([[{what}]])")
    _check_radius_table(path, case.get("radius"))
    if not isinstance(case.get("trace", False), bool):
        raise CaseError(f"{path}: trace is true or false")
    for n, s in enumerate(case.get("sessions", []), 1):
        if s.get("expect", "up") not in SESSION_EXPECT:
            raise CaseError(f"{path}: session {n}: expect is one of {', '.join(SESSION_EXPECT)}, not {s['expect']!r}")
    for n, step in enumerate(case.get("steps", []), 1):
        kinds = [k for k in STEP_KINDS if k in step]
        if len(kinds) != 1:
            raise CaseError(f"{path}: step {n} needs exactly one of {', '.join(STEP_KINDS)}")
        body = step[kinds[0]]
        shape = TEXT_STEPS.get(kinds[0], dict)
        if not isinstance(body, shape):
            wanted = "a table" if shape is dict else "text" if shape is str else "text or a table"
            raise CaseError(f"{path}: step {n}: {kinds[0]} is {wanted}, not {type(body).__name__} {body!r}")
    return case


def _check_radius_table(path: Path, radius) -> None:
    if radius is None:
        return
    if not isinstance(radius, dict) or set(radius) - {"secret", "users"}:
        raise CaseError(f"{path}: [radius] takes secret and users")
    if not isinstance(radius.get("secret", ""), str):
        raise CaseError(f"{path}: [radius] secret is text")
    users = radius.get("users", {})
    if not isinstance(users, dict):
        raise CaseError(f"{path}: [radius.users.NAME] tables")
    for name, user in users.items():
        attributes = user.get("attributes", {}) if isinstance(user, dict) else None
        if not isinstance(user, dict) or set(user) - {"avpairs", "reject", "attributes"} \
                or not isinstance(user.get("avpairs", []), list) \
                or not all(isinstance(p, str) for p in user.get("avpairs", [])) \
                or not isinstance(user.get("reject", False), bool) \
                or not isinstance(attributes, dict) or not all(isinstance(v, str) for v in attributes.values()):
            raise CaseError(f"{path}: [radius.users.{name}] takes avpairs (a list of text), attributes (IETF "
                            "attributes by name, each text: Framed-IPv6-Prefix = \"2001:db8:77::/64\") and "
                            "reject (true/false)")


def case_name(path: Path, case: dict) -> str:
    return case.get("name") or path.name.removesuffix(SUFFIX)


def make_headend(path: Path, case: dict) -> Headend:
    if "config_text" in case:
        result = cfg.parse_config(case["config_text"], filename=f"{path}:config_text")
        return Headend(Device(result.config, source=str(path)))
    if "config" in case:
        return Headend.from_config_file(path.parent / case["config"])
    return Headend.from_config_file()


# ---- expectations -------------------------------------------------------------------------------
def _tolerance(spec) -> tuple[object, object]:
    """(value, tolerance) from N, [N, TOL] or {value, tolerance}."""
    if isinstance(spec, dict):
        return spec["value"], spec.get("tolerance", 0)
    if isinstance(spec, list):
        return spec[0], spec[1]
    return spec, 0


BOUNDS = ("at_most", "at_least")


def _bounds(what: str, spec: dict, actual) -> None:
    unknown = set(spec) - set(BOUNDS)
    if unknown:
        raise CaseError(f"{what}: a bound takes at_most and at_least, not {', '.join(sorted(unknown))}")
    for key in BOUNDS:
        if key in spec and (isinstance(spec[key], bool) or not isinstance(spec[key], (int, float))):
            raise CaseError(f"{what}: {key} is a number, not {spec[key]!r}")
    shown = " and ".join(f"{key.replace('_', ' ')} {spec[key]}" for key in BOUNDS if key in spec)
    if actual is None or ("at_most" in spec and actual > spec["at_most"]) \
            or ("at_least" in spec and actual < spec["at_least"]):
        raise Mismatch(what, shown, actual)


def check_number(what: str, spec, actual) -> None:
    if isinstance(spec, dict) and "value" not in spec:
        _bounds(what, spec, actual)
        return
    expected, tol = _tolerance(spec)
    if isinstance(tol, str) and tol.endswith("%"):
        allowed = abs(expected) * float(tol[:-1]) / 100
        shown = f"{expected} ±{tol}"
    else:
        allowed = tol
        shown = f"{expected}" + (f" ±{tol}" if tol else "")
    if actual is None or abs(actual - expected) > allowed:
        raise Mismatch(what, shown, actual)


def _direction(value: str | None) -> Direction:
    if not value:
        return Direction.IN
    try:
        return Direction.from_ios_name(value)
    except ValueError as exc:
        raise CaseError(str(exc)) from None


def _find_class(classes: list, path: str):
    head, _, rest = path.partition("/")
    for cls in classes:
        if cls["name"] == head:
            if not rest:
                return cls
            child = cls.get("service_policy")
            return _find_class(child["classes"], rest) if child else None
    return None


def _class_counters(cls: dict) -> dict:
    counters = {name: cls[name] for name in COUNTERS}
    police = cls.get("police") or {}
    for colour in COLOURS:
        c = police.get(colour)
        counters[f"{colour}_packets"] = c["packets"] if c else None
        counters[f"{colour}_bytes"] = c["bytes"] if c else None
    return counters


def check_class(headend: Headend, spec: dict) -> None:
    spec = dict(spec)
    interface, direction = spec.pop("interface"), _direction(spec.pop("direction", None)).ios_name
    name = spec.pop("class")
    twin = headend.show_data(f"show policy-map interface {interface} {direction}")
    policies = twin[0]["service_policies"] if twin else []
    if not policies:
        raise Mismatch(f"{interface} {direction}", f"a service policy with class {name}", "no service policy")
    policy = policies[0]
    if "policy" in spec:
        expected = spec.pop("policy")
        if policy["policy"] != expected:
            raise Mismatch(f"{interface} {direction} service policy", expected, policy["policy"])
    cls = _find_class(policy["classes"], name)
    if cls is None:
        raise Mismatch(f"{interface} {direction} {policy['policy']}", f"class {name}",
                       "classes " + ", ".join(c["name"] for c in policy["classes"]))
    counters = _class_counters(cls)
    if any(key in QUEUE_KEYS for key in spec):
        counters.update(_queue_counters(headend, interface, direction, name))
    for key, value in spec.items():
        if key not in counters:
            raise CaseError(f"class expectation {key!r} is not one of {', '.join([*counters, *QUEUE_KEYS])}")
        check_number(f"{interface} {direction} class {name} {key}", value, counters[key])


# A class's queue, as a class step names its figures: the fast path's read-back (QueueStats),
# counted since the counters were last cleared, like the class's other counters.
QUEUE_KEYS = ("output_packets", "output_bytes", "tail_drops", "priority_drops", "queue_depth",
              "queue_depth_max", "delay_mean_ms", "delay_max_ms", "jitter_mean_ms")


def _queue_counters(headend: Headend, interface: str, direction: str, name: str) -> dict:
    device = headend.device
    session = device.session(interface)
    states = device.fp.target_read(session.uidb, _direction(direction))
    paths = class_paths(device.fp, states)
    q = states[paths.index(name)].queue if name in paths else None
    if q is None or q.role != QROLE_QUEUE:
        raise Mismatch(f"{interface} {direction} class {name}", "a queue (shape, priority, bandwidth or "
                       "queue-limit, or class-default's queue)", "no queue")
    return {"output_packets": q.out_pkts, "output_bytes": q.out_bytes, "tail_drops": q.tail_pkts,
            "priority_drops": q.exceed_pkts, "queue_depth": q.depth, "queue_depth_max": q.depth_max,
            "delay_mean_ms": q.delay_mean_ns / 1e6, "delay_max_ms": q.delay_max_ns / 1e6,
            "jitter_mean_ms": q.jitter_mean_ns / 1e6}


def check_ace(headend: Headend, spec: dict) -> None:
    acl = spec["acl"]
    twin = headend.show_data(f"show {'ipv6 access-list' if spec.get('ipv6') else 'ip access-lists'} {acl}")
    if not twin:
        raise Mismatch(f"access-list {acl}", "configured", "not configured")
    entry = next((e for e in twin[0]["entries"] if e["seq"] == spec["seq"]), None)
    if entry is None:
        raise Mismatch(f"access-list {acl}", f"sequence {spec['seq']}",
                       "sequences " + ", ".join(str(e["seq"]) for e in twin[0]["entries"]))
    check_number(f"access-list {acl} {spec['seq']} matches", spec["matches"], entry["matches"])


def check_policy(headend: Headend, spec: dict) -> None:
    interface = headend.device.session(spec["interface"]).interface
    direction = _direction(spec.get("direction")).ios_name
    twin = headend.show_data(f"show platform hardware qfp active feature qos all {direction} all")
    entry = next((e for e in twin if e["interface"] == interface), None)
    actual = entry["policies"][0]["policy_name"] if entry else None
    if actual != spec.get("name"):
        raise Mismatch(f"{interface} {direction} policy in the fast path", spec.get("name"), actual)


def check_show(headend: Headend, step: dict) -> None:
    text = headend.execute(step["show"])
    lines = {line.strip() for line in text.splitlines()}
    for line in step.get("contains", []):
        if line.strip() not in lines:
            raise Mismatch(f"'{step['show']}'", f"a line '{line}'", "no such line")
    for line in step.get("lacks", []):
        if line.strip() in lines:
            raise Mismatch(f"'{step['show']}'", f"no line '{line}'", "it is there")


def check_result(last, spec: dict) -> None:
    if last is None:
        raise CaseError("a result step needs a traffic or replay step before it")
    spec = dict(spec)
    what = "last traffic"
    if "stream" in spec:
        label = str(spec.pop("stream"))
        streams = last.get("streams", {})
        if label not in streams:
            raise CaseError(f"result: the last traffic step has no stream {label!r} "
                            f"(its streams: {', '.join(streams) or 'none: it was a replay'})")
        last, what = streams[label], f"stream {label}"
    for key, value in spec.items():
        if key == "dscp":
            for name, count in value.items():
                dscp = dscp_number(name)
                check_number(f"{what}: packets forwarded with dscp {name}", count, last["dscp_out"].get(dscp, 0))
        elif key in DELAY_KEYS and key not in last:
            raise CaseError(f"result {key!r}: the last traffic step had several streams; "
                            "name one (stream = \"NAME\")")
        elif key in last:
            if key in DELAY_KEYS and last[key] is None:
                raise Mismatch(f"{what} {key}", "a queue's delay", "the stream met no queue")
            check_number(f"{what} {key}", value, last[key])
        else:
            keys = [k for k in last if k not in ("dscp_out", "streams")]
            raise CaseError(f"result {key!r} is not one of stream, dscp, {', '.join(keys)}")


# ---- actions ------------------------------------------------------------------------------------
def _rate(value) -> int:
    return value if isinstance(value, int) else S.bit_rate(value)


DELAY_KEYS = ("delay_mean_ms", "delay_max_ms", "jitter_mean_ms")
STREAM_KEYS = ("name", "interface", "direction", "size", "rate", *OPTIONS)


def _traffic_spec(spec: dict, where: str) -> TrafficSpec:
    spec = dict(spec)
    taken = ("interface", "direction", "size", "rate", *OPTIONS)
    unknown = [key for key in spec if key not in taken]
    if unknown:
        also = "streams, " if where == "traffic: " else ""
        raise CaseError(f"{where}option(s) {', '.join(unknown)} unknown (it takes {also}{', '.join(taken)})")
    for key in ("interface", "size", "rate"):
        if key not in spec:
            raise CaseError(f"{where}needs {key}")
    interface = spec.pop("interface")
    direction = _direction(spec.pop("direction", None))
    size, rate = spec.pop("size"), _rate(spec.pop("rate"))
    try:
        return TrafficSpec.from_words(interface, direction, size=size, rate=rate, **spec)
    except ControlError as exc:
        raise CaseError(f"{where}{exc}") from None


def _stream_specs(spec: dict) -> tuple[list[TrafficSpec], list[str]]:
    """A traffic step's streams: each stream's keys over the step's own."""
    if "streams" not in spec:
        return [_traffic_spec(spec, "traffic: ")], ["1"]
    common = {key: value for key, value in spec.items() if key != "streams"}
    streams = spec["streams"]
    if not isinstance(streams, list) or not streams or not all(isinstance(s, dict) for s in streams):
        raise CaseError("traffic streams is a list of tables, one a stream: "
                        "streams = [{ name = \"voice\", size = 200, rate = \"64k\" }, ...]")
    specs, labels = [], []
    for n, own in enumerate(streams, 1):
        label = str(own.get("name", n))
        where = f"traffic stream {n} ({label}): " if "name" in own else f"traffic stream {n}: "
        unknown = [key for key in own if key not in STREAM_KEYS]
        if unknown:
            raise CaseError(f"{where}option(s) {', '.join(unknown)} unknown (a stream takes {', '.join(STREAM_KEYS)})")
        merged = dict(common)
        if "packets" in own or "duration" in own:    # a stream's own length replaces the step's
            merged.pop("packets", None), merged.pop("duration", None)
        merged.update({key: value for key, value in own.items() if key != "name"})
        specs.append(_traffic_spec(merged, where))
        labels.append(label)
    if len(set(labels)) != len(labels):
        raise CaseError("traffic streams: two streams have the same name")
    return specs, labels


def _outcome(r: TrafficResult) -> dict:
    out = {"packets": r.packets, "forwarded": r.forwarded, "dropped": r.dropped,
           "dropped_acl": r.dropped_acl, "dropped_police": r.dropped_police,
           "dropped_queue": r.dropped_queue, "dropped_priority": r.dropped_priority,
           "conformed": r.colours[P.CONFORM], "exceeded": r.colours[P.EXCEED], "violated": r.colours[P.VIOLATE],
           "dscp_out": dict(r.dscp_out)}
    # The queue the stream joined: its delays during the run (a stream split over several queues,
    # which a stream of one flow is not, would take the mean over them and the largest maximum).
    sent = sum(q.out_packets for q in r.queues)
    out["delay_mean_ms"] = sum(q.delay_sum_ns for q in r.queues) / sent / 1e6 if sent else None
    out["delay_max_ms"] = max(q.delay_max_ns for q in r.queues) / 1e6 if r.queues else None
    pairs = sum(max(q.out_packets - 1, 0) for q in r.queues)
    out["jitter_mean_ms"] = sum(q.jitter_sum_ns for q in r.queues) / pairs / 1e6 if pairs else (
        0.0 if r.queues else None)
    return out


def run_traffic(device, spec: dict) -> dict:
    specs, labels = _stream_specs(spec)

    def run():
        # as `sim traffic` runs it: `log` ACEs write their %SEC-6 lines, which a show step may check
        mix = yield from run_streams(device, specs, labels)
        for one, result in zip(specs, mix.streams):
            acl_log.record(device, one, result)
        return mix
    mix: MixResult = run_to_end(run(), device.process)
    streams = {r.label: _outcome(r) for r in mix.streams}
    if len(mix.streams) == 1:
        total = dict(streams[labels[0]])
    else:        # the run's sums; delays belong to a stream (result's stream = "NAME")
        total = {key: sum(s[key] for s in streams.values())
                 for key in _outcome(mix.streams[0]) if key not in ("dscp_out", *DELAY_KEYS)}
        total["dscp_out"] = {}
        for s in streams.values():
            for dscp, count in s["dscp_out"].items():
                total["dscp_out"][dscp] = total["dscp_out"].get(dscp, 0) + count
    total["streams"] = streams
    return total


def run_replay(device, base: Path, spec: dict) -> dict:
    spec = dict(spec) if isinstance(spec, dict) else {"file": spec}
    direction = _direction(spec.get("direction"))
    r = replay(device, base / spec["file"], interface=spec.get("interface"), direction=direction)
    if r.error:
        raise CaseError(r.error)
    return {"packets": r.packets, "forwarded": r.forwarded, "dropped": r.dropped, "unmapped": r.unmapped,
            "dscp_out": r.dscp_out}


# ---- running ------------------------------------------------------------------------------------
class CaseRunner:
    """One case on its own device, with its CoA listener when a step needs one."""

    def __init__(self, path: Path, case: dict):
        self.path, self.case = path, case
        self.headend = make_headend(path, case)
        self.device = self.headend.device
        self.coa = None
        self.last = None
        self.radius = None
        self.notes: list[str] = []
        self.traced = TracedStep()
        # each Virtual-Access's audit-session-id, kept after it goes down (accounting steps)
        self.audit_ids: dict[str, str] = {}
        self.device.observers.append(self._note_session)
        if "radius" in case:
            self._start_radius(case["radius"])

    def _start_radius(self, spec: dict) -> None:
        """The case's RADIUS server, and every `radius server` of its config pointed at it."""
        servers = self.device.config.radius_servers
        if not servers:
            self.headend.close()
            raise CaseError("[radius] needs a `radius server` in the case's configuration to point at it")
        users = {name: Reply(list(u.get("avpairs", [])), bool(u.get("reject", False)),
                       attributes=dict(u.get("attributes", {})))
                 for name, u in spec.get("users", {}).items()}
        secret = spec.get("secret", "testing123")
        try:
            freeradius.binary()
            self.radius = FreeRadius(users, secret=secret).start()
        except freeradius.FreeRadiusMissing:
            self.radius = BuiltinRadius(users, secret=secret).start()
            self.notes.append(f"RADIUS: {BuiltinRadius.name}")
        for server in servers.values():
            server.address = "127.0.0.1"
            server.auth_port, server.acct_port = self.radius.auth_port, self.radius.acct_port
            server.key = cfg.model.Secret(secret)

    def _note_session(self, event: str, session, cause) -> None:
        if event == "up":
            self.audit_ids[session.interface] = session.audit_session_id

    def close(self) -> None:
        if self.coa is not None:
            self.coa.close()
        self.headend.close()
        if self.radius is not None:
            self.radius.stop()

    def _coa(self):
        if self.coa is None:
            self.coa = CoaEndpoint(self.headend, secret=self.case.get("secret"))
        return self.coa

    def run(self) -> CaseResult:
        name = case_name(self.path, self.case)
        start = time.perf_counter()
        step_no = None
        try:
            for n, s in enumerate(self.case.get("sessions", []), 1):
                self.session_up(n, s)
            for step_no, step in enumerate(self.case.get("steps", []), 1):  # noqa: B007 (the except clauses report it)
                self.step(step)
        except Mismatch as exc:
            return CaseResult(name, str(self.path), False, time.perf_counter() - start, step_no, str(exc),
                              notes=self.notes, trace=self.traced.explain(self.device, exc))
        except (ControlError, KeyError, ValueError, OSError) as exc:
            message = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
            return CaseResult(name, str(self.path), False, time.perf_counter() - start, step_no,
                              message, error=True, notes=self.notes)
        except Exception as exc:   # a case shaped in a way no check foresaw: its error, not the run's end
            return CaseResult(name, str(self.path), False, time.perf_counter() - start, step_no,
                              f"malformed case ({type(exc).__name__}: {exc})", error=True)
        finally:
            self.close()
        return CaseResult(name, str(self.path), True, time.perf_counter() - start, notes=self.notes)

    def session_up(self, n: int, spec: dict) -> None:
        local = DEFAULT_LOCAL6 if ":" in str(spec.get("remote", "")) else DEFAULT_LOCAL
        args = {"local": local, **{k: v for k, v in spec.items() if k != "expect"}}
        expect = spec.get("expect", "up")
        try:
            run_now(bring_up(self.device, self.headend.aaa, [args]))
        except SessionRefused as exc:
            if expect != "refused":
                raise Mismatch(f"session {n}", "up", f"refused ({exc})") from None
            return
        if expect == "refused":
            raise Mismatch(f"session {n}", "refused", "up")

    def step(self, step: dict) -> None:
        kind = next(k for k in STEP_KINDS if k in step)
        body = step[kind]
        if kind in ("coa", "disconnect"):
            self.request(kind, body)
        elif kind in ("traffic", "replay"):
            tracing = self.case.get("trace", False)
            if isinstance(body, dict) and "trace" in body:
                body = dict(body)
                tracing = body.pop("trace")
                if not isinstance(tracing, bool):
                    raise CaseError(f"{kind}: trace is true or false")
            self.traced.start(self.device, tracing)
            try:
                self.last = run_traffic(self.device, body) if kind == "traffic" else \
                    run_replay(self.device, self.path.parent, body)
            finally:
                self.traced.stop(self.device)
        elif kind == "result":
            check_result(self.last, body)
        elif kind == "class":
            check_class(self.headend, body)
        elif kind == "ace":
            check_ace(self.headend, body)
        elif kind == "policy":
            check_policy(self.headend, body)
        elif kind == "show":
            check_show(self.headend, step)
        elif kind == "exec":
            self.headend.execute(body)
        elif kind == "accounting":
            self.check_accounting(body)

    def check_accounting(self, spec: dict) -> None:
        if self.radius is None:
            raise CaseError("an accounting step needs a [radius] server")
        spec = dict(spec)
        status = spec.pop("status", "Stop")
        interface = spec.pop("session")
        unknown = set(spec) - set(ACCOUNTING_KEYS)
        if unknown:
            raise CaseError(f"accounting key(s) {', '.join(sorted(unknown))} unknown")
        audit = self.audit_ids.get(canonical_virtual_access(interface))
        if audit is None:
            audit = self.device.session(interface).audit_session_id
        self.headend.aaa.flush(ACCOUNTING_WAIT_S)
        records = [r for r in self.radius.accounting_records()
                   if f"audit-session-id={audit}" in r.get("Cisco-AVPair", "") and r.get("Acct-Status-Type") == status]
        if not records:
            raise Mismatch(f"{interface} accounting", f"a {status} record", "none received")
        record = records[-1]
        for key, want in spec.items():
            attribute = ACCOUNTING_KEYS[key]
            got = record.get(attribute)
            if key.endswith("_octets"):
                words = record.get(attribute.replace("Octets", "Gigawords"), "0")
                got = int(got or 0) + (int(words) << 32)
            if isinstance(want, (int, list, dict)) and not isinstance(want, bool):
                check_number(f"{interface} {status} {key}", want, int(got or 0))
            elif str(want) != str(got):
                raise Mismatch(f"{interface} {status} {key}", want, got)

    def request(self, kind: str, spec: dict) -> None:
        attributes = dict(spec.get("attributes", {}))
        avpairs = list(spec.get("avpairs", []))
        if "session" in spec:
            session = self.device.session(spec["session"])
            avpairs.insert(0, f"audit-session-id={session.audit_session_id}")
        elif "audit_session_id" in spec:
            avpairs.insert(0, f"audit-session-id={spec['audit_session_id']}")
        reply = self._coa().send(kind, avpairs, attributes)
        expected = spec.get("expect", "ack").lower()
        if reply.kind != expected:
            detail = f" (Error-Cause {reply.error_cause})" if reply.error_cause else ""
            raise Mismatch(f"{kind} reply", expected.upper(), reply.kind.upper() + detail)
        if "error_cause" in spec:
            want = error_cause_number(spec["error_cause"])
            if reply.error_cause != want:
                raise Mismatch(f"{kind} Error-Cause", want, reply.error_cause)


def run_case(path: Path) -> CaseResult:
    """The case's result, whatever the file holds: a case that cannot run is an error result, and
    the run goes on to the next."""
    name = path.name.removesuffix(SUFFIX)
    try:
        case = load_case(path)
        runner = CaseRunner(path, case)
    except (ControlError, OSError) as exc:
        return CaseResult(name, str(path), False, 0.0, None, str(exc), error=True)
    except Exception as exc:   # e.g. `config = 5`
        return CaseResult(name, str(path), False, 0.0, None, f"malformed case ({type(exc).__name__}: {exc})",
                          error=True)
    return runner.run()


def junit_xml(results: list[CaseResult]) -> ET.ElementTree:
    suite = ET.Element("testsuite", name="qfp regress", tests=str(len(results)),
                       failures=str(sum(1 for r in results if not r.passed and not r.error)),
                       errors=str(sum(1 for r in results if r.error)),
                       time=f"{sum(r.seconds for r in results):.3f}")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=Path(r.path).parent.name or ".", name=r.name,
                             file=r.path, time=f"{r.seconds:.3f}")
        if not r.passed:
            tag = "error" if r.error else "failure"
            where = f"step {r.step}: " if r.step else ""
            ET.SubElement(case, tag, message=where + r.message).text = where + r.message
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.ElementTree(root)


def main(paths, *, junit: str | None = None, out=None) -> int:
    out = out or sys.stdout
    try:
        cases = find_cases(paths)
    except CaseError as exc:
        print(f"qfp regress: {exc}", file=sys.stderr)
        return USAGE
    if not cases:
        print("qfp regress: no *.regress.toml cases found", file=sys.stderr)
        return USAGE
    results = []
    for path in cases:
        result = run_case(path)
        results.append(result)
        print(result.line(), file=out, flush=True)
    failed = sum(1 for r in results if not r.passed)
    print(f"{len(results) - failed} passed, {failed} failed", file=out)
    if junit:
        tree = junit_xml(results)
        ET.indent(tree)
        tree.write(junit, encoding="utf-8", xml_declaration=True)
    return FAILED if failed else OK

