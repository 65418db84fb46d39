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

`show interfaces Virtual-AccessN`: the packet and byte counters are the fast path's per-UIDB
accounting counters (qfp.readback.UidbCounters): input is every packet that arrived on the
Virtual-Access, output every packet forwarded out of it, and the output drops those the output ACL
or policers dropped. They count from the session's bring-up: the fast path keeps them across
`clear counters`, which therefore does not zero them here (`Last clearing` says `never`). The rates
are the mean over the session's life in virtual time (IOS's are 5-minute decaying averages). MTU,
bandwidth, delay, queue sizes and the tunnel's transport MTU are IOS's defaults for an IPsec
Virtual-Access, fixed text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from qfp_model.qfp.packets import NS_PER_S
from qfp_model.qfp.tables import Direction

from ..config.render import template_lines
from ..errors import ControlError
from ._format import rate_bps

_NAME = re.compile(r"([A-Za-z-]+)(\d+(?:/\d+)*)")
_IP_ADDRESS = re.compile(r"ip address (\d+\.\d+\.\d+\.\d+) (\d+\.\d+\.\d+\.\d+)")
_UNNUMBERED = re.compile(r"ip unnumbered (\S+)")


def _sort_key(name: str):
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
    return sorted(rows, key=lambda r: _sort_key(r["interface"]))


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


def interface_data(fp, config, session, clock_ns: int) -> dict:
    kept = kept_interfaces(config)
    vt = config.virtual_templates.get(session.template)
    vt_lines = vt.other_lines if vt else []
    donor = next((m[1] for m in map(_UNNUMBERED.fullmatch, vt_lines) if m), None)
    address, _ = _address(vt_lines, kept)
    c = fp.uidb_counters(session.uidb)
    elapsed = max(clock_ns - session.created_ns, 0)
    t = session.tuple
    return {
        "interface": session.interface, "template": vt.name if vt else None,
        "status": "up", "protocol": "up",
        "unnumbered": {"interface": donor, "address": address} if donor else None,
        "source": str(t.local), "destination": str(t.remote),
        "ipsec_profile": _ipsec_profile(vt_lines),
        "uptime_s": elapsed // NS_PER_S,
        "input_packets": c.packets[Direction.IN], "input_bytes": c.bytes[Direction.IN],
        "input_drops": c.packets[Direction.IN] - c.forwarded_packets[Direction.IN],
        "output_packets": c.forwarded_packets[Direction.OUT],
        "output_bytes": c.forwarded_bytes[Direction.OUT],
        "output_drops": c.packets[Direction.OUT] - c.forwarded_packets[Direction.OUT],
        "input_rate_bps": rate_bps(c.bytes[Direction.IN], elapsed),
        "output_rate_bps": rate_bps(c.forwarded_bytes[Direction.OUT], elapsed),
        "input_rate_pps": c.packets[Direction.IN] * NS_PER_S // elapsed if elapsed else 0,
        "output_rate_pps": c.forwarded_packets[Direction.OUT] * NS_PER_S // elapsed if elapsed else 0,
    }


def render_interface(d: dict) -> str:
    lines = [f"{d['interface']} is {d['status']}, line protocol is {d['protocol']} ",
             "  Hardware is Virtual Access interface"]
    if d["unnumbered"]:
        u = d["unnumbered"]
        lines.append(f"  Interface is unnumbered. Using address of {u['interface']} ({u['address']})")
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
        "  Tunnel protocol/transport IPSEC/IP",
        "  Tunnel TTL 255",
        "  Tunnel transport MTU 1438 bytes",
        "  Tunnel transmit bandwidth 8000 (kbps)",
        "  Tunnel receive bandwidth 8000 (kbps)",
    ]
    if d["ipsec_profile"]:
        lines.append(f"  Tunnel protection via IPSec (profile \"{d['ipsec_profile']}\")")
    lines += [
        "  Last input never, output never, output hang never",
        "  Last clearing of \"show interface\" counters never",
        f"  Input queue: 0/375/{d['input_drops']}/0 (size/max/drops/flushes); Total output drops: "
        f"{d['output_drops']}",
        "  Queueing strategy: fifo",
        "  Output queue: 0/0 (size/max)",
        f"  5 minute input rate {d['input_rate_bps']} bits/sec, {d['input_rate_pps']} packets/sec",
        f"  5 minute output rate {d['output_rate_bps']} bits/sec, {d['output_rate_pps']} packets/sec",
        f"     {d['input_packets']} packets input, {d['input_bytes']} bytes, 0 no buffer",
        "     Received 0 broadcasts (0 IP multicasts)",
        "     0 runts, 0 giants, 0 throttles ",
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort",
        f"     {d['output_packets']} packets output, {d['output_bytes']} bytes, 0 underruns",
        "     Output 0 broadcasts (0 IP multicasts)",
        "     0 output errors, 0 collisions, 0 interface resets",
        "     0 unknown protocol drops",
        "     0 output buffer failures, 0 output buffers swapped out",
        "     0 carrier transitions",
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

