"""`show ip interface brief`, `show interfaces Virtual-AccessN` and `show running-config interface
NAME`: the interfaces of the configuration and of the sessions.

Which interfaces there are: those the configuration keeps verbatim (`interface Loopback0`,
`interface GigabitEthernet1`, ...), the Virtual-Templates, and one Virtual-Access per session.
Addresses: an interface's `ip address A M`; `ip unnumbered X` borrows X's (a Virtual-Template,
and the Virtual-Accesses cloned from it, print the donor's address, as IOS does). Status: `shutdown`
is `administratively down down`; a Virtual-Template is `up down` (a template carries no traffic);
everything else is `up up`. Method: `NVRAM` for an address from the configuration, `unset` for a
borrowed one or none. IOS lists interfaces by type, then number; so do we (physical, Loopback,
Virtual-Access, Virtual-Template: alphabetical, which is IOS's order for these types).

`show interfaces [NAME]`: every interface above, in IOS XE's layout for its type (GigabitEthernet
as a CSR vNIC, Loopback, Virtual-Template, Virtual-Access). A Virtual-Access's packet and byte
counters are the fast path's per-UIDB accounting counters (qfp.readback.UidbCounters): input is
every packet that arrived on the Virtual-Access, output every packet forwarded out of it, and the
output drops those the output ACL or policers dropped. The fast path never zeroes them (RADIUS
accounting reports them whole), so `clear counters` takes a baseline (core/device.py) that these
subtract, and `Last clearing` says how long ago. The other interfaces carry no traffic in the
model: their counters are zero. The rates are the mean since the bring-up or the clearing, in
virtual time (IOS's are 5-minute decaying averages). MTU, bandwidth, delay, queue sizes and the
tunnel's transport MTU are IOS's defaults for each type, fixed text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from qfp_model.qfp.packets import NS_PER_S
from qfp_model.qfp.tables import Direction

from ..config.render import template_lines
from ..errors import ControlError
from ._format import format_uptime, rate_bps

_NAME = re.compile(r"([A-Za-z-]+)(\d+(?:/\d+)*)")
_IP_ADDRESS = re.compile(r"ip address (\d+\.\d+\.\d+\.\d+) (\d+\.\d+\.\d+\.\d+)")
_UNNUMBERED = re.compile(r"ip unnumbered (\S+)")


def interface_sort_key(name: str):
    m = _NAME.fullmatch(name)
    if not m:
        return (name, ())
    return (m[1], tuple(int(n) for n in m[2].split("/")))


def kept_interfaces(config) -> dict[str, list[str]]:
    """The interfaces kept verbatim: name -> their lines, without indentation."""
    found = {}
    for block in config.unmodeled_blocks():
        words = block.lines[0].split()
        if words[0] == "interface" and len(words) >= 2:
            found[words[1]] = [line.strip() for line in block.lines[1:] if line.strip() not in ("", "!")]
    return found


def _address(lines: Sequence[str], others: dict[str, list[str]], depth: int = 0) -> tuple[str | None, bool]:
    """(the address, whether it is borrowed) of an interface with these lines."""
    for line in lines:
        m = _IP_ADDRESS.fullmatch(line)
        if m:
            return m[1], False
        m = _UNNUMBERED.fullmatch(line)
        if m and depth < 4 and m[1] in others:
            return _address(others[m[1]], others, depth + 1)[0], True
    return None, False


def _row(name: str, lines: Sequence[str], others: dict, status: str, protocol: str) -> dict:
    address, borrowed = _address(lines, others)
    if "shutdown" in lines:
        status, protocol = "administratively down", "down"
    return {"interface": name, "ip_address": address or "unassigned", "ok": "YES",
            "method": "NVRAM" if address and not borrowed else "unset",
            "status": status, "protocol": protocol}


def ip_interface_brief_data(config, sessions: Iterable) -> list[dict]:
    kept = kept_interfaces(config)
    rows = [_row(name, lines, kept, "up", "up") for name, lines in kept.items()]
    for vt in config.virtual_templates.values():
        rows.append(_row(vt.name, vt.other_lines, kept, "up", "down"))
    for session in sessions:
        vt = config.virtual_templates.get(session.template)
        rows.append(_row(session.interface, vt.other_lines if vt else [], kept, "up", "up"))
    return sorted(rows, key=lambda r: interface_sort_key(r["interface"]))


def render_ip_interface_brief(rows: Sequence[dict]) -> str:
    lines = [f"{'Interface':<23}{'IP-Address':<16}{'OK?':<4}{'Method':<7}{'Status':<22}Protocol"]
    lines += [f"{r['interface']:<23}{r['ip_address']:<16}{r['ok']:<4}{r['method']:<7}{r['status']:<22}"
              f"{r['protocol']}" for r in rows]
    return "\n".join(lines) + "\n"


# ---- show interfaces Virtual-AccessN ----------------------------------------------------------

def _ipsec_profile(lines: Sequence[str]) -> str | None:
    for line in lines:
        if line.startswith("tunnel protection ipsec profile "):
            return line.split()[4]
    return None


def _counters(fp, session, baseline) -> dict:
    """A Virtual-Access's `show interface` counters: its UIDB's, less what they were at its last
    `clear counters`."""
    c = fp.uidb_counters(session.uidb)

    def less(field: str, direction: Direction) -> int:
        value = getattr(c, field)[direction]
        return value - (getattr(baseline, field)[direction] if baseline is not None else 0)
    return {
        "input_packets": less("packets", Direction.IN), "input_bytes": less("bytes", Direction.IN),
        "input_drops": less("packets", Direction.IN) - less("forwarded_packets", Direction.IN),
        "output_packets": less("forwarded_packets", Direction.OUT),
        "output_bytes": less("forwarded_bytes", Direction.OUT),
        "output_drops": less("packets", Direction.OUT) - less("forwarded_packets", Direction.OUT),
    }


_ZERO = {"input_packets": 0, "input_bytes": 0, "input_drops": 0,
         "output_packets": 0, "output_bytes": 0, "output_drops": 0}


def _rates(d: dict, elapsed: int) -> dict:
    return {
        "input_rate_bps": rate_bps(d["input_bytes"], elapsed), "output_rate_bps": rate_bps(d["output_bytes"], elapsed),
        "input_rate_pps": d["input_packets"] * NS_PER_S // elapsed if elapsed else 0,
        "output_rate_pps": d["output_packets"] * NS_PER_S // elapsed if elapsed else 0,
    }


def _cleared(cleared_ns: int | None, clock_ns: int) -> str:
    return "never" if cleared_ns is None else format_uptime(max(clock_ns - cleared_ns, 0) // NS_PER_S)


def interface_data(fp, config, session, clock_ns: int, cleared_ns: int | None = None, baseline=None) -> dict:
    """A Virtual-Access's twin. Counters and rates count from its last `clear counters`
    (`cleared_ns`, with the UIDB counters' `baseline` then), or from its bring-up."""
    kept = kept_interfaces(config)
    vt = config.virtual_templates.get(session.template)
    vt_lines = vt.other_lines if vt else []
    donor = next((m[1] for m in map(_UNNUMBERED.fullmatch, vt_lines) if m), None)
    address, _ = _address(vt_lines, kept)
    since = session.created_ns if cleared_ns is None else max(cleared_ns, session.created_ns)
    elapsed = max(clock_ns - since, 0)
    t = session.tuple
    d = {
        "interface": session.interface, "kind": "virtual-access", "template": vt.name if vt else None,
        "status": "up", "protocol": "up",
        "unnumbered": {"interface": donor, "address": address} if donor else None,
        "source": str(t.local), "destination": str(t.remote),
        "ipsec_profile": _ipsec_profile(vt_lines),
        "uptime_s": max(clock_ns - session.created_ns, 0) // NS_PER_S,
        "last_clearing": _cleared(cleared_ns, clock_ns),
        **_counters(fp, session, baseline),
    }
    d.update(_rates(d, elapsed))
    return d


def _kind(name: str) -> str:
    m = _NAME.fullmatch(name)
    return {"Loopback": "loopback", "Virtual-Template": "virtual-template"}.get(m[1] if m else "", "ethernet")


def interface_mac(name: str) -> str:
    """A made-up but steady MAC for a physical interface: a KVM-style 5254.00 prefix (CSR vNIC's
    are) and the interface's number."""
    m = _NAME.fullmatch(name)
    number = int(m[2].split("/")[-1]) if m else 0
    return f"5254.00ff.{number:04x}"


def _prefix_length(mask: str) -> int:
    return bin(int.from_bytes(bytes(int(o) for o in mask.split(".")), "big")).count("1")


def configured_interface_data(config, name: str, lines: Sequence[str], clock_ns: int,
                              cleared_ns: int | None) -> dict:
    """A Loopback's, a physical interface's or a Virtual-Template's twin. The model carries no
    traffic through them (a session's packets are counted on its Virtual-Access), so their
    counters are zero: what `clear counters` changes is their `Last clearing`."""
    kept = kept_interfaces(config)
    kind = _kind(name)
    address = next((m for m in map(_IP_ADDRESS.fullmatch, lines) if m), None)
    donor = next((m[1] for m in map(_UNNUMBERED.fullmatch, lines) if m), None)
    shut = "shutdown" in lines
    status = "administratively down" if shut else "up"
    protocol = "down" if shut or kind == "virtual-template" else "up"
    source = next((line.split()[2] for line in lines if line.startswith("tunnel source ")), None)
    source_address = _address(kept.get(source, []), kept)[0] if source else None
    d = {
        "interface": name, "kind": kind, "status": status, "protocol": protocol,
        "description": next((line[len("description "):] for line in lines if line.startswith("description ")), None),
        "address": f"{address[1]}/{_prefix_length(address[2])}" if address else None,
        "unnumbered": {"interface": donor, "address": _address(lines, kept)[0]} if donor else None,
        "mac": interface_mac(name) if kind == "ethernet" else None,
        "tunnel_source": {"interface": source, "address": source_address} if source else None,
        "ipsec_profile": _ipsec_profile(lines),
        "last_clearing": _cleared(cleared_ns, clock_ns),
        **_ZERO,
    }
    d.update(_rates(d, 0))
    return d


def interfaces_data(fp, config, sessions: Iterable, clock_ns: int, cleared_at, baselines: dict,
                    name: str | None = None) -> list[dict]:
    """`show interfaces [NAME]`: every interface of the configuration and of the sessions, in
    IOS's order, or the one named (a ControlError when there is none)."""
    rows = {}
    for ifname, lines in kept_interfaces(config).items():
        rows[ifname] = lambda n=ifname, ls=lines: configured_interface_data(config, n, ls, clock_ns, cleared_at(n))
    for vt in config.virtual_templates.values():
        rows[vt.name] = lambda v=vt: configured_interface_data(config, v.name, v.other_lines, clock_ns,
                                                                 cleared_at(v.name))
    for session in sessions:
        rows[session.interface] = lambda s=session: interface_data(
            fp, config, s, clock_ns, cleared_at(s.interface), baselines.get(s.interface))
    if name is not None:
        if name not in rows:
            raise ControlError(f"interface {name} does not exist")
        return [rows[name]()]
    return [rows[n]() for n in sorted(rows, key=interface_sort_key)]


def render_interfaces(rows: Sequence[dict]) -> str:
    return "".join(render_interface(d) for d in rows)


def _counter_lines(d: dict, ethernet: bool) -> list[str]:
    lines = [
        f"  Input queue: 0/{75 if d['kind'] == 'loopback' else 375}/{d['input_drops']}/0 "
        f"(size/max/drops/flushes); Total output drops: {d['output_drops']}",
        "  Queueing strategy: fifo",
        f"  Output queue: 0/{40 if ethernet else 0} (size/max)",
        f"  5 minute input rate {d['input_rate_bps']} bits/sec, {d['input_rate_pps']} packets/sec",
        f"  5 minute output rate {d['output_rate_bps']} bits/sec, {d['output_rate_pps']} packets/sec",
        f"     {d['input_packets']} packets input, {d['input_bytes']} bytes, 0 no buffer",
        "     Received 0 broadcasts (0 IP multicasts)",
        "     0 runts, 0 giants, 0 throttles ",
    ]
    if ethernet:
        lines += ["     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
                  "     0 watchdog, 0 multicast, 0 pause input"]
    else:
        lines.append("     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort")
    lines += [
        f"     {d['output_packets']} packets output, {d['output_bytes']} bytes, 0 underruns",
    ]
    if d["kind"] == "virtual-access" or d["kind"] == "virtual-template":
        lines.append("     Output 0 broadcasts (0 IP multicasts)")
    lines += [
        "     0 output errors, 0 collisions, 0 interface resets",
        "     0 unknown protocol drops",
    ]
    if ethernet:
        lines += ["     0 babbles, 0 late collision, 0 deferred",
                  "     0 lost carrier, 0 no carrier, 0 pause output"]
    lines.append("     0 output buffer failures, 0 output buffers swapped out")
    if d["kind"] in ("virtual-access", "virtual-template"):
        lines.append("     0 carrier transitions")
    return lines


def _tunnel_lines(d: dict) -> list[str]:
    """The tunnel's transport lines, the same for a Virtual-Template and the Virtual-Access cloned
    from it, with its IPsec profile when it has one."""
    lines = [
        "  Tunnel protocol/transport IPSEC/IP",
        "  Tunnel TTL 255",
        "  Tunnel transport MTU 1438 bytes",
        "  Tunnel transmit bandwidth 8000 (kbps)",
        "  Tunnel receive bandwidth 8000 (kbps)",
    ]
    if d["ipsec_profile"]:
        lines.append(f"  Tunnel protection via IPSec (profile \"{d['ipsec_profile']}\")")
    return lines


def _address_line(d: dict) -> list[str]:
    if d.get("unnumbered"):
        u = d["unnumbered"]
        return [f"  Interface is unnumbered. Using address of {u['interface']} ({u['address']})"]
    if d.get("address"):
        return [f"  Internet address is {d['address']}"]
    return []


def render_interface(d: dict) -> str:
    """One interface as IOS XE prints it (tests/golden/ios-xe/show-interfaces.csr.txt for
    GigabitEthernet and Loopback)."""
    kind = d["kind"]
    lines = [f"{d['interface']} is {d['status']}, line protocol is {d['protocol']} "]
    if kind == "ethernet":
        lines.append(f"  Hardware is CSR vNIC, address is {d['mac']} (bia {d['mac']})")
    elif kind == "loopback":
        lines.append("  Hardware is Loopback")
    elif kind == "virtual-template":
        lines.append("  Hardware is Virtual Template interface")
    else:
        lines.append("  Hardware is Virtual Access interface")
    if d.get("description"):
        lines.append(f"  Description: {d['description']}")
    lines += _address_line(d)
    if kind == "ethernet":
        lines += [
            "  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation ARPA, loopback not set",
            "  Keepalive set (10 sec)",
            "  Full Duplex, 1000Mbps, link type is auto, media type is Virtual",
            "  output flow-control is unsupported, input flow-control is unsupported",
            "  ARP type: ARPA, ARP Timeout 04:00:00",
        ]
    elif kind == "loopback":
        lines += [
            "  MTU 1514 bytes, BW 8000000 Kbit/sec, DLY 5000 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation LOOPBACK, loopback not set",
            "  Keepalive set (10 sec)",
        ]
    elif kind == "virtual-template":
        lines += [
            "  MTU 9922 bytes, BW 100 Kbit/sec, DLY 50000 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation TUNNEL, loopback not set",
            "  Keepalive not set",
        ]
        if d.get("tunnel_source"):
            t = d["tunnel_source"]
            lines.append(f"  Tunnel source {t['address']} ({t['interface']})" if t["address"]
                         else f"  Tunnel source {t['interface']}")
        lines += _tunnel_lines(d)
    else:
        lines += [
            "  MTU 9922 bytes, BW 100 Kbit/sec, DLY 50000 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation TUNNEL",
        ]
        if d["template"]:
            lines.append(f"  Tunnel vaccess, cloned from {d['template']}")
        lines += [
            "  Vaccess status 0x4, loopback not set",
            "  Keepalive not set",
            "  Tunnel linestate evaluation up",
            f"  Tunnel source {d['source']}, destination {d['destination']}",
            *_tunnel_lines(d),
        ]
    lines += [
        "  Last input never, output never, output hang never",
        f"  Last clearing of \"show interface\" counters {d['last_clearing']}",
        *_counter_lines(d, kind == "ethernet"),
    ]
    return "\n".join(lines) + "\n"


# ---- show running-config interface NAME -------------------------------------------------------

def running_interface_data(config, name: str) -> dict:
    """The interface's section as `show running-config` prints it. A ControlError for one the
    configuration lacks: a Virtual-Access's lines are its template's, which `show derived-config
    interface` prints (the model does not know what IOS prints for the clone itself)."""
    for vt in config.virtual_templates.values():
        if vt.name == name:
            section = template_lines(vt)
            break
    else:
        for block in config.unmodeled_blocks():
            words = block.lines[0].split()
            if words[:2] == ["interface", name]:
                section = [line for line in block.lines if line.strip() not in ("", "!")]
                break
        else:
            if name.startswith("Virtual-Access"):
                raise ControlError(f"{name} is a clone of its Virtual-Template: "
                                   f"see show derived-config interface {name}")
            raise ControlError(f"interface {name} is not configured")
    body = ["!", *section, "end"]
    return {"interface": name, "lines": section, "bytes": sum(len(line) + 1 for line in body) + 1}


def render_running_interface(d: dict) -> str:
    lines = ["Building configuration...", "", f"Current configuration : {d['bytes']} bytes",
             "!", *d["lines"], "end", ""]
    return "\n".join(lines) + "\n"

