"""The device's exec commands: their IOS syntax, their help, and handlers over Device methods and
the show renderers. Every show command registers its structured twin alongside its text."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qfp import packets as P
from qfp.show_platform import format_qos_all, qos_all
from qfp.tables import Direction

from . import coa_commands, replay
from .commands import CommandSet
from .config import render_running_config
from .config import syntax as S
from .errors import ControlError
from .show import access_lists, crypto, derived_config, policy_map, policy_map_interface
from .traffic import NS_PER_S

if TYPE_CHECKING:
    from .device import Device, TrafficResult

KEYWORD_HELP = {
    "show": "Show running system information",
    "clear": "Reset functions",
    "sim": "Simulate IKEv2 sessions and traffic",
    "configure": "Enter configuration mode",
    "terminal": "Configure from the terminal",
    "interface": "Select an interface",
    "input": "Input direction",
    "output": "Output direction",
}

TCP_FLAGS = {"fin": P.TCP_FIN, "syn": P.TCP_SYN, "rst": P.TCP_RST, "psh": P.TCP_PSH,
             "ack": P.TCP_ACK, "urg": P.TCP_URG}


def _direction(args: dict) -> Direction | None:
    if args.get("input"):
        return Direction.IN
    if args.get("output"):
        return Direction.OUT
    return None


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
    seconds = (result.end_ns - result.start_ns) / NS_PER_S
    direction = "input" if result.direction == Direction.IN else "output"
    dropped = result.dropped_acl + result.dropped_police
    lines = [
        f"Sent {result.packets} packets {direction} on {result.interface} "
        f"in {seconds:.6f} s of virtual time",
        f"  forwarded {result.forwarded}, dropped {dropped} "
        f"(access-list {result.dropped_acl}, police {result.dropped_police})",
        f"  conformed {result.colours[0]}, exceeded {result.colours[1]}, violated {result.colours[2]}",
    ]
    if result.dscp_out:
        marks = ", ".join(f"{dscp} x {count}" for dscp, count in sorted(result.dscp_out.items()))
        lines.append(f"  dscp out: {marks}")
    return "\n".join(lines) + "\n"


def build(device: Device) -> CommandSet:
    commands = CommandSet(KEYWORD_HELP)

    def show(syntax: str, data, render, help: dict) -> None:
        """A show command: `data(args)` gathers its twin, `render(twin, args)` prints it."""
        commands.add(syntax, lambda args: render(data(args), args), help, data=data)

    # ---- show ----
    show("show platform hardware qfp active feature qos all (input|output) all",
         lambda a: qos_all(device.fp, _direction(a)), lambda d, a: format_qos_all(d),
         {"platform": "Show platform information", "hardware": "Show platform hardware information",
          "qfp": "Quantum Flow Processor", "active": "Active instance",
          "feature": "Feature specific information", "qos": "QoS feature information", "all": "All"})
    show("show policy-map interface IFNAME:interface [input|output]",
         lambda a: policy_map_interface.policy_map_interface_data(device, a["interface"], _direction(a)),
         lambda d, a: policy_map_interface.render_policy_map_interface(d),
         {"policy-map": "Show QoS Policy Map", "interface IFNAME": "Virtual-Access interface"})
    show("show policy-map [WORD:name]",
         lambda a: policy_map.policy_map_data(device, a.get("name")),
         lambda d, a: policy_map.render_policy_map(d), {"name WORD": "policy-map name"})
    show("show class-map [WORD:name]",
         lambda a: policy_map.class_map_data(device, a.get("name")),
         lambda d, a: policy_map.render_class_map(d),
         {"class-map": "Show QoS Class Map", "name WORD": "class-map name"})
    show("show ip access-lists [WORD:name]",
         lambda a: access_lists.access_lists_data(device, a.get("name")),
         lambda d, a: access_lists.render_access_lists(d),
         {"ip": "IP information", "access-lists": "List IP access lists", "name WORD": "Access list name"})
    show("show crypto session [detail]",
         lambda a: crypto.crypto_session_data(device),
         lambda d, a: crypto.render_crypto_session(d, detail=bool(a.get("detail"))),
         {"crypto": "Encryption module", "session": "Crypto session information",
          "detail": "Detailed crypto session information"})
    show("show crypto ikev2 session [detailed]",
         lambda a: crypto.ikev2_session_data(device),
         lambda d, a: crypto.render_ikev2_session(d, detailed=bool(a.get("detailed"))),
         {"ikev2": "Show IKEv2 information", "detailed": "Detailed IKEv2 session information"})
    show("show derived-config interface IFNAME:interface",
         lambda a: derived_config.derived_config_data(device, a["interface"]),
         lambda d, a: derived_config.render_derived_config(d),
         {"derived-config": "Show derived configuration"})
    commands.add("show running-config", lambda a: render_running_config(device.config),
                 {"running-config": "Current operating configuration"})
    commands.add("show logging", lambda a: device.show_logging(),
                 {"logging": "Show the contents of logging buffers"})
    commands.add("show clock", lambda a: device.show_clock(), {"clock": "Display the system clock"})

    # ---- clear ----
    commands.add("clear counters [IFNAME:interface]", lambda a: device.clear_counters(a.get("interface")),
                 {"counters": "Clear counters on one or all interfaces"})
    commands.add("clear ip access-list counters [WORD:name]",
                 lambda a: device.clear_acl_counters(a.get("name")),
                 {"access-list": "Clear access list statistical information",
                  "counters": "Clear access list counters", "name WORD": "Access list name"})
    commands.add("clear crypto session [remote A.B.C.D]",
                 lambda a: device.clear_crypto_session(a.get("remote")),
                 {"crypto": "Encryption module", "session": "Clear crypto sessions (tunnels)",
                  "remote": "Remote IKE peer", "remote A.B.C.D": "IP address of the remote peer"})

    # ---- sim ----
    def session_up(a: dict) -> str:
        s = device.session_up_from_args(a)
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
                 lambda a: f"{len(device.sessions_from_file(Path(a['file'])))} sessions up\n",
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

    commands.add("configure terminal", lambda a: "", {})
    replay.register(commands, device)
    coa_commands.register(commands, device)
    return commands
