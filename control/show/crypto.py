"""`show crypto session [detail]` and `show crypto ikev2 session [detailed]`, from the session table.

The model negotiates no IKE: a session is its 6-tuple, its identity, the Virtual-Template it was
cloned from and its bring-up time. What IOS prints beyond that is filled in as follows, the same
way for every session so the output stays deterministic:

- Profile: the first `crypto ikev2 profile` (in configuration order) whose `virtual-template` is
  the one the session was cloned from; the line is left out when none is.
- fvrf/ivrf: the session's VRF ids by name, `(none)` (`none` in the IKEv2 table) for 0; ids map to
  the configured `vrf definition`s in order (control/show/crypto_config.py), others print as numbers.
- Uptime and the SAs' active times from the device's virtual clock since bring-up. Lifetimes are
  IOS's defaults (IKEv2 SA 86400 s, IPsec SA 3600 s) and what is left of them counts down from
  bring-up, starting again each period as if the SA had been rekeyed on time.
- The IKEv2 SA's encryption, PRF, hash and DH group are the configured proposal's (read from the
  kept `crypto ikev2 proposal` block: control/show/crypto_config.py), authentication PSK both ways;
  the child SA prints the fixed ESP_TRANSFORM. Local id: the profile's `identity local` (an FQDN
  in the default configuration), else the local address; remote id: the session's identity.
  SPIs are derived from the audit-session-id by hashing, so they are stable and distinct per
  session. The FlexVPN child SA is any-to-any (a virtual tunnel interface).
- `Assigned host addr`: the session's inside IPv4 address, the line a FlexVPN server prints after
  the SGT line for the address it pushed (tests/golden/ios-xe/show-crypto-ikev2-sa-detailed.flexvpn-
  server.txt); an IPv6 inside prefix has no line: no IOS output printing one was found.
- Capabilities `U` (IKEv2 dynamic route update, which FlexVPN uses) and no `D`: the detailed IKEv2
  output says DPD is not configured, and the two must agree.
- IPsec flow packets, from the fast path's read-back of the session's targets: `#pkts dec'ed` is
  every packet the input policy classified (decryption comes before the Virtual-Access's input
  features, so packets the input policy later drops were decrypted too); `#pkts enc'ed` is what the
  output policy forwarded (encryption comes after the output features). A target without a policy
  has no per-session counters in the fast path: its count prints 0 and its twin says
  `"counted": False`. Packets an input ACL denies are not in the count either (ACL counters belong
  to the ACL, not to the session).

The audit-session-id is in the twins; IOS prints it in none of these commands, so the text does not.

IPv6 peers (`"family": 6` in the twins): addresses in upper case; `show crypto session` splits the
IKEv2 SA line after the local address (tests/golden/ios-xe/show-crypto-session-detail.ipv6.txt);
`show crypto ikev2 session` lists them under the IPv6 header in IOS XE's IPv6 layout (Local and
Remote on lines of their own, the child SA's selectors with `->`:
tests/golden/ios-xe/show-crypto-ikev2-session.ipv6.txt). The child SA's selectors are the inside
families the template's tunnel mode carries (control/core/tunnel_mode.py): IPv4 any-to-any for
`tunnel mode ipsec ipv4` (IPv4 over IPv6 in FlexVPN), IPv6's for `ipsec ipv6` or `ipsec ipv4
v6-overlay`, both pairs for `ipsec dual-overlay`. The IPsec flow line stays IPv4's: no IOS output of
an IPv6 or dual-family flow in `show crypto session detail` was found.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from qfp_model.qfp.api import FastPathAPI
from qfp_model.qfp.packets import NS_PER_S
from qfp_model.qfp.tables import Direction

from ..core.tunnel_mode import carried_families, tunnel_mode
from ._format import format_hms, format_uptime, ip_text
from .crypto_config import ikev2_proposal, local_identity, vrf_name

IKE_LIFETIME_S = 86400
IPSEC_LIFETIME_S = 3600
AUTHENTICATION = {"auth_sign": "PSK", "auth_verify": "PSK"}
ESP_TRANSFORM = {"encryption": "AES-CBC", "keysize": 256, "esp_hmac": "SHA256", "ah_hmac": "None",
                 "comp": "IPCOMP_NONE", "mode": "tunnel"}
ANY_SELECTOR = "0.0.0.0/0 - 255.255.255.255/65535"
# IPv6's any-to-any, in the layout of the dual-family child SAs of
# tests/golden/ios-xe/show-crypto-ikev2-session-detailed.txt (`8001::/0 - 8001::FFFF:..:FFFF/65535`).
ANY_SELECTOR6 = "::/0 - FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF/65535"
CAPABILITIES = "U"
FLOW = "permit ip   0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0"

CODE_LEGEND = (
    "Code: C - IKE Configuration mode, D - Dead Peer Detection",
    "K - Keepalives, N - NAT-traversal, T - cTCP encapsulation",
    "X - IKE Extended Authentication, F - IKE Fragmentation",
    "R - IKE Auto Reconnect, U - IKE Dynamic Route Update",
    "S - SIP VPN, E - Stronger IKE Encryption Enforced",
)


# ---- gathering --------------------------------------------------------------------------------

def _profile_of(config, template: int):
    return next((p for p in config.ikev2_profiles.values() if p.virtual_template == template), None)


def _profile(config, template: int) -> str | None:
    profile = _profile_of(config, template)
    return profile.name if profile else None


def _spi(session, label: str, nbytes: int) -> int:
    digest = hashlib.blake2b(f"{session.audit_session_id}/{label}".encode(), digest_size=nbytes)
    return int.from_bytes(digest.digest(), "big")


def _uptime_s(clock_ns: int, session) -> int:
    return max(clock_ns - session.created_ns, 0) // NS_PER_S


def _remaining(lifetime: int, uptime: int) -> int:
    return lifetime - uptime % lifetime


def flow_counters(fp, session) -> dict:
    """Packets through the session's IPsec SAs as the fast path counted them (module docstring)."""
    def level0(direction: Direction):
        return [s for s in fp.target_read(session.uidb, direction) if s.parent_state is None]

    inbound, outbound = level0(Direction.IN), level0(Direction.OUT)
    return {
        "decrypted": sum(s.pkts for s in inbound), "decrypted_counted": bool(inbound),
        "encrypted": sum(s.pkts - s.drop_pkts for s in outbound), "encrypted_counted": bool(outbound),
    }


def crypto_session_data(fp: FastPathAPI, config, sessions: Iterable, clock_ns: int) -> list[dict]:
    """One dict per session (in the order given: the session table's is Virtual-Access ascending)
    at virtual time clock_ns: everything `show crypto session detail` prints."""
    entries = []
    for session in sessions:
        t = session.tuple
        uptime = _uptime_s(clock_ns, session)
        counters = flow_counters(fp, session)
        ipsec_life = _remaining(IPSEC_LIFETIME_S, uptime)
        entries.append({
            "interface": session.interface,
            "profile": _profile(config, session.template),
            "uptime_s": uptime,
            "status": "UP-ACTIVE",
            "family": t.family,
            "peer": ip_text(t.remote),
            "peer_port": t.remote_port,
            "fvrf": vrf_name(config, t.fvrf, "(none)"),
            "ivrf": vrf_name(config, t.ivrf, "(none)"),
            "phase1_id": session.identity,
            "desc": "(none)",
            "session_id": session.id,
            "audit_session_id": session.audit_session_id,
            "ike_sa": {"version": "IKEv2", "local": ip_text(t.local), "local_port": t.local_port,
                       "remote": ip_text(t.remote), "remote_port": t.remote_port, "status": "Active",
                       "capabilities": CAPABILITIES, "connid": session.id,
                       "lifetime_s": _remaining(IKE_LIFETIME_S, uptime)},
            "ipsec_flow": {
                "flow": FLOW, "active_sas": 2, "origin": "crypto map",
                "inbound": {"packets": counters["decrypted"], "counted": counters["decrypted_counted"],
                            "drop": 0, "kb_volume_rekey": "Disabled", "life_s": ipsec_life},
                "outbound": {"packets": counters["encrypted"], "counted": counters["encrypted_counted"],
                             "drop": 0, "kb_volume_rekey": "Disabled", "life_s": ipsec_life},
            },
        })
    return entries


def ikev2_session_data(sessions: Iterable, clock_ns: int, config) -> list[dict]:
    """One dict per session (in the order given) at virtual time clock_ns: everything `show crypto
    ikev2 session detailed` prints; `config` gives the proposal, identities and VRF names."""
    entries = []
    proposal = {k: v for k, v in ikev2_proposal(config).items() if k != "name"}
    for session in sessions:
        t = session.tuple
        entries.append({
            "session_id": session.id,
            "family": t.family,
            "status": "UP-ACTIVE",
            "ike_count": 1,
            "child_count": 1,
            "audit_session_id": session.audit_session_id,
            "interface": session.interface,
            "sa": {
                "tunnel_id": session.id,
                "family": t.family,
                "local": ip_text(t.local), "local_port": t.local_port,
                "remote": ip_text(t.remote), "remote_port": t.remote_port,
                "fvrf": vrf_name(config, t.fvrf, "none"), "ivrf": vrf_name(config, t.ivrf, "none"),
                "status": "READY",
                **proposal, **AUTHENTICATION,
                "lifetime_s": IKE_LIFETIME_S,
                "active_s": _uptime_s(clock_ns, session),
                "ce_id": 1000 + session.id,
                "status_description": "Negotiation done",
                "local_spi": _spi(session, "ike-local", 8),
                "remote_spi": _spi(session, "ike-remote", 8),
                "local_id": local_identity(_profile_of(config, session.template), ip_text(t.local)),
                "remote_id": session.identity,
                "assigned_host": ip_text(session.inside.ipv4) if session.inside.ipv4 else None,
                "initiator": False,
            },
            "children": [{
                "local_selectors": _selectors(config, session), "remote_selectors": _selectors(config, session),
                "esp_spi_in": _spi(session, "esp-in", 4), "esp_spi_out": _spi(session, "esp-out", 4),
                **ESP_TRANSFORM,
            }],
        })
    return entries


def _selectors(config, session) -> list[str]:
    """The child SA's any-to-any selectors, one per family its template's IPsec tunnel mode
    carries, IPv6's first as the reference prints them; IPv4's alone for GRE or no mode (the GRE
    flow between the tunnel's ends is not modeled)."""
    vt = config.virtual_templates.get(session.template)
    lines = vt.other_lines if vt else []
    mode = tunnel_mode(lines) or ""
    if not mode.startswith("ipsec"):
        return [ANY_SELECTOR]
    families = carried_families(lines)
    return [s for family, s in ((6, ANY_SELECTOR6), (4, ANY_SELECTOR)) if family in families]


# ---- formatting: show crypto session ------------------------------------------------------------

def render_crypto_session(data: Sequence[dict], detail: bool = False) -> str:
    lines = ["Crypto session current status"]
    if detail:
        lines += ["", *CODE_LEGEND]
    for entry in data:
        lines += [""] + format_crypto_session(entry, detail)
    return "".join(line + "\n" for line in lines)


def format_crypto_session(entry: dict, detail: bool) -> list[str]:
    ike, flow = entry["ike_sa"], entry["ipsec_flow"]
    peer = f"Peer: {entry['peer']} port {entry['peer_port']}"
    lines = [f"Interface: {entry['interface']}"]
    if entry["profile"] is not None:
        lines.append(f"Profile: {entry['profile']}")
    if detail:
        lines.append(f"Uptime: {format_uptime(entry['uptime_s'])}")
        peer += f" fvrf: {entry['fvrf']} ivrf: {entry['ivrf']}"
    lines += [f"Session status: {entry['status']}", peer]
    if detail:
        lines += [f"      Phase1_id: {entry['phase1_id']}", f"      Desc: {entry['desc']}"]
    lines.append(f"  Session ID: {entry['session_id']}")
    local = f"  {ike['version']} SA: local {ike['local']}/{ike['local_port']}"
    remote = f"remote {ike['remote']}/{ike['remote_port']} {ike['status']}"
    # IPv6 addresses do not fit one line: IOS puts the remote end under the local one.
    lines += [local, f"          {remote}"] if entry.get("family") == 6 else [f"{local} {remote}"]
    if detail:
        lines.append(f"          Capabilities:{ike['capabilities']} connid:{ike['connid']}"
                     f" lifetime:{format_hms(ike['lifetime_s'])}")
    lines += [f"  IPSEC FLOW: {flow['flow']}",
              f"        Active SAs: {flow['active_sas']}, origin: {flow['origin']}"]
    if detail:
        lines += [_sa_counters("Inbound:  #pkts dec'ed", flow["inbound"]),
                  _sa_counters("Outbound: #pkts enc'ed", flow["outbound"])]
    return lines


def _sa_counters(label: str, sa: dict) -> str:
    return (f"        {label} {sa['packets']} drop {sa['drop']} life (KB/Sec)"
            f" KB Vol Rekey {sa['kb_volume_rekey']}/{sa['life_s']}")


# ---- formatting: show crypto ikev2 session ------------------------------------------------------

def render_ikev2_session(data: Sequence[dict], detailed: bool = False) -> str:
    if not data:
        return ""
    lines = ["IPv4 Crypto IKEv2 Session ", ""]
    for entry in data:
        if entry.get("family") != 6:
            lines += format_ikev2_session(entry, detailed)
    # Every device prints the IPv6 table's header, empty when no session is over IPv6.
    lines.append("IPv6 Crypto IKEv2 Session")
    v6 = [entry for entry in data if entry.get("family") == 6]
    if v6:
        lines.append("")
    for entry in v6:
        lines += format_ikev2_session(entry, detailed)
    return "".join(line + "\n" for line in lines)


def format_ikev2_session(entry: dict, detailed: bool) -> list[str]:
    sa = entry["sa"]
    lines = [
        f"Session-id:{entry['session_id']}, Status:{entry['status']}, IKE count:{entry['ike_count']},"
        f" CHILD count:{entry['child_count']}",
        "",
        *format_ikev2_sa(sa),
    ]
    if sa.get("family") == 6:
        if detailed:
            lines += format_ikev2_sa_detail(sa, entry["session_id"])
        else:
            lines += format_ikev2_sa_ids(sa, entry["session_id"])
        for child in entry["children"]:
            lines += (format_child_sa_detail(child) if detailed else format_child_sa_detail(child)[:4]) + [""]
        return lines
    if detailed:
        lines += format_ikev2_sa_detail(sa, entry["session_id"])
        for child in entry["children"]:
            lines += format_child_sa_detail(child) + [""]
    else:
        for child in entry["children"]:
            lines += format_child_sa(child) + [""]
    return lines


def format_ikev2_sa(sa: dict) -> list[str]:
    """An IKEv2 SA's table row and its transform and lifetime lines, as both `show crypto ikev2
    session` and `show crypto ikev2 sa` print them."""
    if sa.get("family") == 6:
        return format_ikev2_sa6(sa)
    return [
        f"{'Tunnel-id':<10}{'Local':<22}{'Remote':<22}{'fvrf/ivrf':<21}{'Status':<7}",
        f"{sa['tunnel_id']:<10}{sa['local'] + '/' + str(sa['local_port']):<22}"
        f"{sa['remote'] + '/' + str(sa['remote_port']):<22}"
        f"{sa['fvrf'] + '/' + sa['ivrf']:<21}{sa['status']:<7}",
        f"      Encr: {sa['encryption']}, keysize: {sa['keysize']}, PRF: {sa['prf']}, Hash: {sa['hash']},"
        f" DH Grp:{sa['dh_group']}, Auth sign: {sa['auth_sign']}, Auth verify: {sa['auth_verify']}",
        f"      Life/Active Time: {sa['lifetime_s']}/{sa['active_s']} sec",
    ]


def format_ikev2_sa6(sa: dict) -> list[str]:
    """An IPv6 IKEv2 SA: the addresses are too long for the IPv4 table, so IOS XE prints them on
    lines of their own under a narrower header."""
    return [
        f"{'Tunnel-id':<13}{'fvrf/ivrf':<23}Status",
        f"{sa['tunnel_id']:<11}{sa['fvrf'] + '/' + sa['ivrf']:<22}{sa['status']}",
        f"Local  {sa['local']}/{sa['local_port']}",
        f"Remote  {sa['remote']}/{sa['remote_port']}",
        f"      Encr: {sa['encryption']}, keysize: {sa['keysize']}, PRF: {sa['prf']}, Hash: {sa['hash']},"
        f" DH Grp:{sa['dh_group']}, Auth sign: {sa['auth_sign']}, Auth verify: {sa['auth_verify']}",
        f"      Life/Active Time: {sa['lifetime_s']}/{sa['active_s']} sec",
    ]


def format_ikev2_sa_ids(sa: dict, session_id: int) -> list[str]:
    """The CE id and SPI lines the IPv6 layout prints without `detailed`."""
    return [f"      CE id: {sa['ce_id']}, Session-id: {session_id}",
            f"      Local spi: {sa['local_spi']:016X}       Remote spi: {sa['remote_spi']:016X}"]


def format_ikev2_sa_detail(sa: dict, session_id: int) -> list[str]:
    return [
        f"      CE id: {sa['ce_id']}, Session-id: {session_id}",
        f"      Status Description: {sa['status_description']}",
        f"      Local spi: {sa['local_spi']:016X}       Remote spi: {sa['remote_spi']:016X}",
        f"      Local id: {sa['local_id']}",
        f"      Remote id: {sa['remote_id']}",
        "      Local req msg id:  2              Remote req msg id:  0         ",
        "      Local next msg id: 2              Remote next msg id: 0         ",
        "      Local req queued:  2              Remote req queued:  0         ",
        "      Local window:      5              Remote window:      5         ",
        "      DPD configured for 0 seconds, retry 0",
        "      Fragmentation not  configured.",
        "      Dynamic Route Update: enabled",
        "      Extended Authentication not configured.",
        "      NAT-T is not detected  ",
        "      Cisco Trust Security SGT is disabled",
        *([f"      Assigned host addr: {sa['assigned_host']}"] if sa.get("assigned_host") else []),
        f"      Initiator of SA : {'Yes' if sa['initiator'] else 'No'}",
    ]


def format_child_sa_detail(child: dict) -> list[str]:
    return [
        "Child sa:",
        "          local selector       ->      remote selector",
        *(f"          {local}    ->    {remote}"
          for local, remote in zip(child["local_selectors"], child["remote_selectors"])),
        f"          ESP spi in/out: 0x{child['esp_spi_in']:08X}/0x{child['esp_spi_out']:08X}  ",
        "          AH spi in/out: 0x0/0x0  ",
        "          CPI in/out: 0x0/0x0  ",
        f"          Encr: {child['encryption']}, keysize: {child['keysize']}, esp_hmac: {child['esp_hmac']}",
        f"          ah_hmac: {child['ah_hmac']}, comp: {child['comp']}, mode {child['mode']}",
    ]


def format_child_sa(child: dict) -> list[str]:
    """The brief child SA lines (IOS XE 16's layout: no reference file shows this form)."""
    return [
        *(f"Child sa: local selector  {local}" if i == 0 else f"          local selector  {local}"
          for i, local in enumerate(child["local_selectors"])),
        *(f"          remote selector {remote}" for remote in child["remote_selectors"]),
        f"          ESP spi in/out: 0x{child['esp_spi_in']:08X}/0x{child['esp_spi_out']:08X}  ",
    ]
