"""The `sim` exec commands: bring simulated IKEv2 sessions up and down (one, or a file of them), send
simulated traffic through a session, replay a capture through the sessions."""
from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import ipaddress
from collections.abc import Generator, Mapping
from pathlib import Path

from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import Direction

from ..aaa.session_aaa import Granted, SessionAaa
from ..core import acl_log
from ..core.device import FROM_POOL, Device
from ..core.replay import format_replay, replay
from ..core.sessions import Session, SessionTuple
from ..core.traffic import OPTIONS, MixResult, QueueFigures, TrafficResult, TrafficSpec, run_streams, run_to_end
from ..core.worker import TrafficWorker
from ..errors import ControlError
from ..files import read_text
from ..grammar.engine import CommandSet, InvalidInput, ParamType


def _ip_address(token: str):
    try:
        return ipaddress.ip_address(str(token))
    except ValueError:
        return None


# `none` for an inside family: the peer asked for no address of it.
NOT_ASSIGNED = "none"


def _inside(family: type):
    """An inside address (IPv4) or prefix (IPv6) of `family`, or `none`."""
    def accept(token):
        word = str(token)
        if word.lower() == NOT_ASSIGNED:
            return NOT_ASSIGNED
        try:
            return family(word, strict=True) if family is ipaddress.IPv6Network else family(word)
        except ValueError:
            return None
    return accept


# Session ends and stream addresses are either family: the addresses choose it.
IP_ADDRESS = ParamType("A.B.C.D|X:X:X:X::X", "IPv4 or IPv6 address", _ip_address)
TYPES = {"ADDR": IP_ADDRESS,
         "INSIDE4": ParamType("A.B.C.D|none", "The peer's inside IPv4 address, or none",
                              _inside(ipaddress.IPv4Address)),
         "INSIDE6": ParamType("X:X:X:X::X/<0-128>|none", "The peer's inside IPv6 prefix, or none",
                              _inside(ipaddress.IPv6Network))}


async def _formatted(running) -> str:
    return format_mix(await running)


def _drive(steps: Generator):
    """Run a generator that yields the futures it waits on (RADIUS replies) and returns its
    result: at once when it waits on none; else awaited on the loop that serves the CLI, when there
    is one (the device keeps answering meanwhile), or here, blocking."""
    try:
        pending = next(steps)
    except StopIteration as done:
        return done.value
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        finished = False
        while not finished:
            finished, pending = _resume(steps, pending)     # its result() waits here
        return pending

    async def awaited():
        finished, value = False, pending
        while not finished:
            await asyncio.wait([asyncio.wrap_future(value)])
            finished, value = _resume(steps, value)
        return value
    return awaited()


def _resume(steps: Generator, future: concurrent.futures.Future) -> tuple[bool, object]:
    """Hand the generator what `future` gave (its result, or its exception raised there): (True,
    the generator's return value) when it ends, else (False, the next future it waits on)."""
    try:
        outcome, error = future.result(), None
    except Exception as exc:
        outcome, error = None, exc
    try:
        return False, (steps.throw(error) if error else steps.send(outcome))
    except StopIteration as done:
        return True, done.value


def register(commands: CommandSet, device: Device, worker: TrafficWorker | None = None,
             aaa: SessionAaa | None = None) -> None:
    """The sim commands over `device`; `sim traffic` runs on `worker`'s thread while it serves;
    sessions are authorized and accounted by `aaa` where their IKEv2 profile says so."""
    def session_up(a: dict):
        def up():
            s = (yield from bring_up(device, aaa, [a]))[0]
            return f"{s.interface} up, audit-session-id {s.audit_session_id}\n"
        return _drive(up())

    def load(a: dict):
        def run():
            return f"{len((yield from load_sessions(commands, device, Path(a['file']), aaa)))} sessions up\n"
        return _drive(run())

    commands.add(
        "sim session up remote ADDR {remote-port <0-65535> | local! ADDR | local-port <0-65535> "
        "| fvrf-id <0-4294967295> | ivrf-id <0-4294967295> | identity WORD | template <1-4095> "
        "| inside-ipv4 INSIDE4:inside_ipv4 | inside-ipv6 INSIDE6:inside_ipv6}",
        session_up,
        {"session": "Bring IKEv2 sessions up or down", "up": "Bring a session up",
         "remote": "The peer's IKE address", "local": "The headend's IKE address",
         "remote-port": "The peer's IKE port (500)", "local-port": "The headend's IKE port (500)",
         "fvrf-id": "Front-door VRF id", "ivrf-id": "Inside VRF id", "identity": "The peer's IKE identity",
         "template": "Virtual-Template to clone (the ikev2 profile's)",
         "inside-ipv4": "The peer's inside IPv4 address (default: from the pool; none: not asked for)",
         "inside-ipv6": "The peer's inside IPv6 prefix (default: a /64 from the pool; none: not asked for)"})
    commands.add("sim session down IFNAME:interface",
                 lambda a: device.session_down(device.session(a["interface"])) or "",
                 {"down": "Tear a session down (the peer deletes its SAs)"})
    commands.add("sim session load WORD:file", load,
                 {"load": "Bring up the sessions listed in a file, one `sim session up` argument list a line",
                  "file WORD": "File name"})

    def traffic(a: dict):
        return _start(device, worker, [_spec(a["interface"], _direction(a), a)])

    def streams(a: dict):
        specs, labels = _stream_specs(a, _direction(a))
        return _start(device, worker, specs, labels)

    commands.add(
        "sim traffic interface IFNAME:interface (input|output) {" + _HEADER_OPTIONS + " | size! <20-65535> "
        "| rate! <1-100000000000> | (duration <1-86400> | packets <1-100000000>)!}",
        traffic, _TRAFFIC_HELP)
    # Several streams at once: what comes before the first `stream` applies to every stream (a
    # duration, a destination), each `stream` clause then gives one stream's own options and may
    # override those. The clauses are read by _STREAM's grammar, so each is refused as precisely
    # as the one-stream form is.
    commands.add(
        "sim traffic interface IFNAME:interface (input|output) {" + _HEADER_OPTIONS + " | size <20-65535> "
        "| rate <1-100000000000> | (duration <1-86400> | packets <1-100000000>)} stream WORD...:streams",
        streams, _TRAFFIC_HELP)

    def replay_capture(a: dict) -> str:
        return format_replay(replay(device, a["file"], interface=a.get("interface"), direction=_direction(a)))

    commands.add("sim replay WORD:file [interface IFNAME:interface [input|output]]", replay_capture,
                 {"replay": "Replay a pcap or pcapng capture through the sessions",
                  "file WORD": "Capture file name",
                  "interface": "Send every packet through one session (default: by inside address)"})


def _direction(args: dict) -> Direction:
    return Direction.OUT if args.get("output") else Direction.IN


# What a stream's packets carry, shared by the one-stream form and each `stream` clause.
_HEADER_OPTIONS = ("source ADDR | destination ADDR | protocol WORD | source-port <0-65535> "
                   "| destination-port <0-65535> | dscp WORD | flags WORD | icmp-type <0-255> "
                   "| icmp-code <0-255> | ttl <0-255> | fragment (first|non-initial)")
_TRAFFIC_HELP = {
    "traffic": "Send simulated traffic through a session", "source": "Source address",
    "destination": "Destination address", "protocol": "IP protocol, by name or number",
    "source-port": "L4 source port", "destination-port": "L4 destination port",
    "dscp": "DSCP, by name or number", "flags": "TCP flags, e.g. syn,ack",
    "icmp-type": "ICMP message type (protocol icmp)", "icmp-code": "ICMP message code",
    "ttl": "IPv4 TTL or IPv6 hop limit (64)",
    "fragment": "Send fragments", "first": "Initial fragments",
    "non-initial": "Non-initial fragments", "size": "Packet size, bytes (L3)",
    "rate": "Rate, bit/s", "duration": "Seconds of virtual time", "packets": "Packet count",
    "stream": "Several concurrent streams, merged in time: each `stream` starts one's own options "
              "(size, rate, dscp, ...; name WORD labels it); the options before the first apply to all",
    "streams WORD...": "This stream's options (name, size, rate, duration or packets, dscp, source, "
                       "destination, protocol, ports, ...), then `stream` and the next one's"}
# One `stream` clause of the several-stream form.
_STREAM = CommandSet(modifiers=False, types=TYPES)
_STREAM.add("stream {name WORD | " + _HEADER_OPTIONS + " | size <20-65535> | rate <1-100000000000> "
            "| (duration <1-86400> | packets <1-100000000>)}", lambda a: "", _TRAFFIC_HELP)
_LENGTH = ("duration", "packets")


def _spec(interface: str, direction: Direction, a: dict) -> TrafficSpec:
    fragment = "first" if a.get("first") else "non-initial" if a.get("non_initial") else None
    options = {key: a[key] for key in OPTIONS if key in a and key != "fragment"}
    return TrafficSpec.from_words(interface, direction, size=a["size"], rate=a["rate"],
                                  fragment=fragment, **options)


def _stream_specs(a: dict, direction: Direction) -> tuple[list[TrafficSpec], list[str]]:
    """The specs of `sim traffic ... stream ... stream ...`: each clause's options over the ones
    before the first clause."""
    common = {key: value for key, value in a.items() if key not in ("interface", "input", "output", "streams")}
    clauses: list[list[str]] = [[]]
    for word in a["streams"]:
        # `stream` ends a clause (abbreviated as IOS allows: no clause keyword starts `st`), unless
        # it is a stream's name (`name stream`): the only value a user may spell freely.
        named = bool(clauses[-1]) and "name".startswith(clauses[-1][-1].lower())
        if len(word) >= 2 and "stream".startswith(word.lower()) and not named:
            clauses.append([])
        else:
            clauses[-1].append(str(word))
    specs, labels = [], []
    for n, words in enumerate(clauses, 1):
        line = " ".join(["stream", *words])
        try:
            own = _STREAM.resolve(line)[1]
        except InvalidInput as exc:
            # The caret would point into a line the user did not type: name the word instead.
            raise ControlError(f"stream {n}: invalid input at '{line[exc.column:].split()[0]}'") from None
        except ControlError as exc:
            raise ControlError(f"stream {n}: {exc}") from None
        own.pop("stream", None)
        merged = dict(common)
        if any(key in own for key in _LENGTH):
            for key in _LENGTH:
                merged.pop(key, None)
        if own.get("first") or own.get("non_initial"):
            merged.pop("first", None), merged.pop("non_initial", None)
        merged.update(own)
        for key in ("size", "rate"):
            if key not in merged:
                raise ControlError(f"stream {n}: give a {key} (in the stream, or before the first stream for all)")
        if not any(key in merged for key in _LENGTH):
            raise ControlError(f"stream {n}: give a duration or a packet count (in the stream, or before "
                               "the first stream for all)")
        specs.append(_spec(a["interface"], direction, merged))
        labels.append(str(merged.get("name", n)))
    if len(set(labels)) != len(labels):
        raise ControlError("two streams have the same name")
    return specs, labels


def _streams_run(device: Device, specs: list[TrafficSpec], labels: list[str] | None = None):
    """The run, and when it ends the %SEC-6-IPACCESSLOG lines of the ACEs with `log` each stream
    matched."""
    mix = yield from run_streams(device, specs, labels)
    for spec, result in zip(specs, mix.streams):
        acl_log.record(device, spec, result)
    return mix


def _start(device: Device, worker: TrafficWorker | None, specs: list[TrafficSpec],
           labels: list[str] | None = None):
    run = _streams_run(device, specs, labels)
    if worker is None or not worker.serving:
        return format_mix(run_to_end(run, device.process))
    return _formatted(worker.run(run, device.process))   # awaited by whoever serves the CLI


def format_traffic(result: TrafficResult) -> str:
    seconds = (result.end_ns - result.start_ns) / P.NS_PER_S
    lines = [f"Sent {result.packets} packets {result.direction.ios_name} on {result.interface} "
             f"in {seconds:.6f} s of virtual time", *_fate(result)]
    return "\n".join(lines) + "\n"


def _fate(result: TrafficResult, colours: bool = True) -> list[str]:
    """A stream's counts; its drops by queueing and its queues' delays only where it met a queue;
    its colours unless `colours` is False and no policer coloured it."""
    drops = f"access-list {result.dropped_acl}, police {result.dropped_police}"
    if result.queues or result.dropped_queue or result.dropped_priority:
        drops += f", queue tail {result.dropped_queue}, priority {result.dropped_priority}"
    lines = [f"  forwarded {result.forwarded}, dropped {result.dropped} ({drops})"]
    if colours or any(result.colours):
        lines.append(f"  conformed {result.colours[P.CONFORM]}, exceeded {result.colours[P.EXCEED]}, "
                     f"violated {result.colours[P.VIOLATE]}")
    if result.dscp_out:
        marks = ", ".join(f"{dscp} x {count}" for dscp, count in sorted(result.dscp_out.items()))
        lines.append(f"  dscp out: {marks}")
    for q in result.queues:
        lines.append(f"  queued in {q.path}: " + _delays(q))
    return lines


def _ms(ns: int) -> str:
    return f"{ns / 1e6:.3f} ms"


def _delays(q: QueueFigures) -> str:
    bound = "" if q.max_exact else "<= "
    return (f"delay mean {_ms(q.delay_mean_ns)}, max {bound}{_ms(q.delay_max_ns)}, "
            f"jitter mean {_ms(q.jitter_mean_ns)}")


def format_mix(mix: MixResult) -> str:
    """What `sim traffic` prints: one stream as it always has (with its queueing where it met a
    queue); several, each stream's offer and fate, then each queue they joined."""
    if len(mix.streams) == 1:
        text = format_traffic(mix.streams[0])
    else:
        seconds = (mix.end_ns - mix.start_ns) / P.NS_PER_S
        lines = [f"Sent {sum(r.packets for r in mix.streams)} packets in {len(mix.streams)} streams "
                 f"in {seconds:.6f} s of virtual time"]
        for r, spec in zip(mix.streams, mix.specs):
            lines.append(f"Stream {r.label}: {r.packets} packets {r.direction.ios_name} on {r.interface}, "
                         f"{spec.size} bytes at {spec.rate} bit/s, dscp {spec.dscp}")
            lines += _fate(r, colours=False)    # a new form: no line of zeros to keep for old readers
        text = "\n".join(lines) + "\n"
    if mix.queues:
        lines = ["Queues at the run's end (the schedulers ran to it):"]
        for q in mix.queues:
            lines.append(f"  {q.interface} {q.direction.ios_name} {q.path}: out {q.out_packets} packets, "
                         f"{q.out_bytes} bytes; tail drops {q.tail_drops}, priority drops "
                         f"{q.priority_drops}; depth {q.depth}/{q.queue_limit}")
            lines.append("    " + _delays(q))
        text += "\n".join(lines) + "\n"
    return text


def load_sessions(commands: CommandSet, device: Device, path: Path,
                  aaa: SessionAaa | None = None) -> Generator:
    """Bring up the sessions a file lists, one a line in `sim session up`'s words (`remote A
    local B [remote-port N] ...`); `!` and `#` start comments. Their authorizations are asked for
    all at once (each server's Identifiers bound how many are in flight). All or nothing: a bad or
    refused line tears down the sessions the file brought up and raises, naming the line. A
    generator of the RADIUS replies it waits on, returning the sessions (run_now runs it here)."""
    lines = []
    for number, line in enumerate(read_text(path, "session list").splitlines(), 1):
        words = line.split("!")[0].split("#")[0].strip()
        if not words:
            continue
        try:
            lines.append((number, commands.resolve("sim session up " + words)[1]))
        except ControlError as exc:
            raise ControlError(f"{path}:{number}: {exc}") from None
    return (yield from bring_up(device, aaa, [args for _, args in lines], [f"{path}:{n}: " for n, _ in lines]))


def run_now(steps: Generator):
    """A load_sessions or bring_up generator run to its end here, blocking on RADIUS replies."""
    result = _drive(steps)
    if inspect.isawaitable(result):   # called on a running loop: still run here
        raise RuntimeError("run_now on a running event loop")
    return result


def bring_up(device: Device, aaa: SessionAaa | None, many: list[Mapping],
             where: list[str] | None = None) -> Generator:
    """Sessions up from `sim session up` argument sets, in order, each authorized first where its
    profile asks for it; all or nothing (`where` prefixes the error of the one that failed). A
    generator that yields the futures of the authorizations it waits on."""
    asked: list[concurrent.futures.Future | None] = []
    up: list[Session] = []
    try:
        for a in many:
            request = None
            if aaa is not None:
                request = aaa.authorization_request(_tuple(a), a.get("identity"), a.get("template"))
            asked.append(None if request is None else (request, aaa.authorize(request)))
        for n, (a, pending) in enumerate(zip(many, asked)):
            try:
                granted = None
                if pending is not None:
                    request, future = pending
                    granted = aaa.changes(request, (yield future))
                up.append(session_up_from_args(device, a, granted))
            except ControlError as exc:
                if not where:
                    raise
                raise ControlError(f"{where[n]}{exc}") from None
    except BaseException:
        for pending in asked:
            if pending is not None:
                pending[1].cancel()
        for session in up:
            device.session_down(session, "nas-request")
        raise
    return up


def _tuple(a: Mapping) -> SessionTuple:
    return SessionTuple(ipaddress.ip_address(a["local"]), ipaddress.ip_address(a["remote"]),
                        a.get("local_port", 500), a.get("remote_port", 500),
                        _either(a, "fvrf_id", "fvrf"), _either(a, "ivrf_id", "ivrf"))


def session_up_from_args(device: Device, a: Mapping, granted: Granted | None = None) -> Session:
    """session_up from named arguments: a parsed `sim session up` command's, or a regress case's
    [[sessions]] table, which spells the VRF ids `fvrf` and `ivrf` where the command says `fvrf-id`
    and `ivrf-id` (and may give an inside as text); `granted` is what authorization returned."""
    return device.session_up(
        a["remote"], a["local"], remote_port=a.get("remote_port", 500),
        local_port=a.get("local_port", 500), fvrf=_either(a, "fvrf_id", "fvrf"),
        ivrf=_either(a, "ivrf_id", "ivrf"), identity=a.get("identity"), template=a.get("template"),
        aaa=granted.authorization if granted else None, framed=granted.framed if granted else None,
        inside4=_inside_argument(a.get("inside_ipv4", FROM_POOL)),
        inside6=_inside_argument(a.get("inside_ipv6", FROM_POOL)))


def _inside_argument(value):
    """`none` is no address of that family; anything else as given (FROM_POOL, an address)."""
    return None if str(value).lower() == NOT_ASSIGNED else value


def _either(a: Mapping, name: str, alias: str) -> int:
    return a.get(name, a.get(alias, 0))
