"""The `sim` exec commands: bring simulated IKEv2 sessions up and down (one, or a file of them), send
simulated traffic through a session, replay a capture through the sessions."""
from __future__ import annotations

from pathlib import Path

from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import Direction

from ..config import syntax as S
from ..core.device import Device
from ..core.replay import format_replay, replay
from ..core.sessions import Session
from ..core.traffic import TrafficResult
from ..errors import ControlError
from ..grammar.engine import CommandSet

TCP_FLAGS = {"fin": P.TCP_FIN, "syn": P.TCP_SYN, "rst": P.TCP_RST, "psh": P.TCP_PSH,
             "ack": P.TCP_ACK, "urg": P.TCP_URG}


def register(commands: CommandSet, device: Device) -> None:
    def session_up(a: dict) -> str:
        s = session_up_from_args(device, a)
        return f"{s.interface} up, audit-session-id {s.audit_session_id}\n"

    commands.add(
        "sim session up remote A.B.C.D {remote-port <0-65535> | local! A.B.C.D | local-port <0-65535> "
        "| fvrf-id <0-4294967295> | ivrf-id <0-4294967295> | identity WORD | template <1-4095>}",
        session_up,
        {"session": "Bring IKEv2 sessions up or down", "up": "Bring a session up",
         "remote": "The peer's IKE address", "local": "The headend's IKE address",
         "remote-port": "The peer's IKE port (500)", "local-port": "The headend's IKE port (500)",
         "fvrf-id": "Front-door VRF id", "ivrf-id": "Inside VRF id", "identity": "The peer's IKE identity",
         "template": "Virtual-Template to clone (the ikev2 profile's)"})
    commands.add("sim session down IFNAME:interface",
                 lambda a: device.session_down(device.session(a["interface"])) or "",
                 {"down": "Tear a session down"})
    commands.add("sim session load WORD:file",
                 lambda a: f"{len(load_sessions(commands, device, Path(a['file'])))} sessions up\n",
                 {"load": "Bring up the sessions listed in a file, one `sim session up` argument list a line",
                  "file WORD": "File name"})

    def traffic(a: dict) -> str:
        protocol = _word(a["protocol"], S.protocol) if "protocol" in a else 17
        return format_traffic(device.traffic(
            a["interface"], _direction(a), size=a["size"], rate=a["rate"],
            packets=a.get("packets"), duration=a.get("duration"),
            source=a.get("source"), destination=a.get("destination"),
            protocol=protocol if protocol is not None else 0,
            source_port=a.get("source_port", 1024), destination_port=a.get("destination_port", 1024),
            dscp=_word(a["dscp"], S.dscp) if "dscp" in a else 0,
            tcp_flags=_tcp_flags(a["flags"]) if "flags" in a else 0,
            fragment=_fragment(a)))

    commands.add(
        "sim traffic interface IFNAME:interface (input|output) {source A.B.C.D | destination A.B.C.D "
        "| protocol WORD | source-port <0-65535> | destination-port <0-65535> | dscp WORD | flags WORD "
        "| fragment (first|non-initial) | size! <20-65535> | rate! <1-100000000000> "
        "| (duration <1-86400> | packets <1-100000000>)!}",
        traffic,
        {"traffic": "Send simulated traffic through a session", "source": "Source address",
         "destination": "Destination address", "protocol": "IP protocol, by name or number",
         "source-port": "L4 source port", "destination-port": "L4 destination port",
         "dscp": "DSCP, by name or number", "flags": "TCP flags, e.g. syn,ack",
         "fragment": "Send fragments", "first": "Initial fragments",
         "non-initial": "Non-initial fragments", "size": "Packet size, bytes (L3)",
         "rate": "Rate, bit/s", "duration": "Seconds of virtual time", "packets": "Packet count"})

    def replay_capture(a: dict) -> str:
        d = Direction.OUT if a.get("output") else Direction.IN
        return format_replay(replay(device, a["file"], interface=a.get("interface"), direction=d))

    commands.add("sim replay WORD:file [interface IFNAME:interface [input|output]]", replay_capture,
                 {"replay": "Replay a pcap or pcapng capture through the sessions",
                  "file WORD": "Capture file name",
                  "interface": "Send every packet through one session (default: by inside address)"})


def _direction(args: dict) -> Direction:
    return Direction.OUT if args.get("output") else Direction.IN


def _word(value: str, parse):
    try:
        return parse(S.Tok(value, 0))
    except S.Bad as bad:
        raise ControlError(bad.reason) from None


def _tcp_flags(text: str) -> int:
    flags = 0
    for name in text.lower().split(","):
        if name not in TCP_FLAGS:
            raise ControlError(f"TCP flag '{name}' is not one of {', '.join(TCP_FLAGS)}")
        flags |= TCP_FLAGS[name]
    return flags


def _fragment(args: dict) -> int:
    if args.get("first"):
        return P.FRAG_INITIAL
    if args.get("non_initial"):
        return P.FRAG_NONINITIAL
    return P.FRAG_NONE


def format_traffic(result: TrafficResult) -> str:
    seconds = (result.end_ns - result.start_ns) / P.NS_PER_S
    dropped = result.dropped_acl + result.dropped_police
    lines = [
        f"Sent {result.packets} packets {result.direction.ios_name} on {result.interface} "
        f"in {seconds:.6f} s of virtual time",
        f"  forwarded {result.forwarded}, dropped {dropped} "
        f"(access-list {result.dropped_acl}, police {result.dropped_police})",
        f"  conformed {result.colours[0]}, exceeded {result.colours[1]}, violated {result.colours[2]}",
    ]
    if result.dscp_out:
        marks = ", ".join(f"{dscp} x {count}" for dscp, count in sorted(result.dscp_out.items()))
        lines.append(f"  dscp out: {marks}")
    return "\n".join(lines) + "\n"


def load_sessions(commands: CommandSet, device: Device, path: Path) -> list[Session]:
    """Bring up the sessions a file lists, one a line in `sim session up`'s words (`remote A
    local B [remote-port N] ...`); `!` and `#` start comments. All or nothing: a bad line
    tears down the sessions the file brought up and raises, naming the line."""
    up: list[Session] = []
    try:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            words = line.split("!")[0].split("#")[0].strip()
            if not words:
                continue
            try:
                command, args = commands.resolve("sim session up " + words)
                up.append(session_up_from_args(device, args))
            except ControlError as exc:
                raise ControlError(f"{path}:{number}: {exc}") from None
    except BaseException:
        for session in up:
            device.session_down(session)
        raise
    return up

def session_up_from_args(device: Device, a: dict) -> Session:
    """session_up from the arguments of a parsed `sim session up` command."""
    return device.session_up(
        a["remote"], a["local"], remote_port=a.get("remote_port", 500),
        local_port=a.get("local_port", 500), fvrf=a.get("fvrf_id", 0), ivrf=a.get("ivrf_id", 0),
        identity=a.get("identity"), template=a.get("template"))
