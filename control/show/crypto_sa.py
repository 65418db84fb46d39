"""`show crypto ikev2 sa [detailed]` and `show crypto ipsec sa`: the sessions' SAs, from the same
twins as `show crypto ikev2 session` and `show crypto session` (control/show/crypto.py, whose
docstring says what is modeled and what is filled in by rule).

Layouts: tests/golden/ios-xe/show-crypto-ikev2-sa*.txt (each SA under its own column header, then
the empty IPv6 table). `show crypto ipsec sa` follows IOS XE's layout for a FlexVPN Virtual-Access
(the crypto map tag `Virtual-AccessN-head-0`, any-to-any idents); the only real output at hand
(genieparser's ShowCryptoIpsecSa golden, a crypto-map and a tunnel interface) lost its indentation
in the copy, so the indentation here is IOS's as we know it, checked by Genie's parser. Its values:

- `#pkts encaps/encrypt/digest`: what the session's output policy forwarded; `#pkts
  decaps/decrypt/verify`: what its input policy classified (crypto.flow_counters).
- transform: the ipsec profile's transform-set (the template's `tunnel protection ipsec profile`,
  its `set transform-set`, read from the kept blocks), else ESP-AES-256 with SHA-256; protected vrf
  the session's ivrf by name; `ip mtu idb` the template's `tunnel source`.
- SPIs, conn ids and the remaining lifetimes: as `show crypto ikev2 session` prints them; the KB
  lifetime is IOS's default (4608000 KB) and never runs down (the model does not count bytes per SA).
"""
from __future__ import annotations

from collections.abc import Sequence

from .crypto import format_ikev2_sa, format_ikev2_sa_detail

KB_LIFETIME = 4608000
PLAINTEXT_MTU = 1438
_ESP_NAMES = {"esp-aes": "esp-aes", "esp-gcm": "esp-gcm", "esp-3des": "esp-3des"}


# ---- show crypto ikev2 sa [detailed] --------------------------------------------------------------

def ikev2_sa_data(ikev2_sessions: Sequence[dict]) -> list[dict]:
    """The IKE SAs of `show crypto ikev2 session`'s twin, with their session ids."""
    return [dict(entry["sa"], session_id=entry["session_id"]) for entry in ikev2_sessions]


def render_ikev2_sa(data: Sequence[dict], detailed: bool = False) -> str:
    lines = ["IPv4 Crypto IKEv2 SA ", ""]
    for sa in (sa for sa in data if sa.get("family") != 6):
        lines += _ikev2_sa_lines(sa, detailed)
    lines += [" IPv6 Crypto IKEv2 SA ", ""]
    for sa in (sa for sa in data if sa.get("family") == 6):
        lines += _ikev2_sa_lines(sa, detailed)
    return "".join(line + "\n" for line in lines)


def _ikev2_sa_lines(sa: dict, detailed: bool) -> list[str]:
    lines = format_ikev2_sa(sa)
    if detailed:
        lines += format_ikev2_sa_detail(sa, sa["session_id"])
    return lines + [""]


# ---- show crypto ipsec sa -------------------------------------------------------------------------

def _kept(config, *prefix: str) -> dict[str, list[list[str]]]:
    found = {}
    for block in config.unmodeled_blocks():
        words = block.lines[0].split()
        if words[:len(prefix)] == list(prefix) and len(words) > len(prefix):
            found[words[len(prefix)]] = [words[len(prefix) + 1:]] + [line.split() for line in block.lines[1:]]
    return found


def transform(config, template_lines: Sequence[str]) -> str:
    """`esp-256-aes esp-sha256-hmac` as IOS prints the transform of the template's ipsec profile."""
    profile = next((line.split()[4] for line in template_lines
                    if line.startswith("tunnel protection ipsec profile ")), None)
    sets = _kept(config, "crypto", "ipsec", "transform-set")
    profiles = _kept(config, "crypto", "ipsec", "profile")
    name = next((w[2] for w in profiles.get(profile, []) if w[:2] == ["set", "transform-set"] and len(w) > 2),
                None)
    words = sets.get(name, [[]])[0]
    if not words:
        return "esp-256-aes esp-sha256-hmac"
    out = []
    for i, word in enumerate(words):
        if word.isdigit():
            continue
        keysize = words[i + 1] if i + 1 < len(words) and words[i + 1].isdigit() else None
        if word in _ESP_NAMES and keysize:
            out.append(f"esp-{keysize}-{word.removeprefix('esp-')}")
        else:
            out.append(word)
    return " ".join(out)


def ipsec_sa_data(config, crypto_sessions: Sequence[dict], ikev2_sessions: Sequence[dict],
                  sessions: Sequence) -> list[dict]:
    """One dict per session, from the `show crypto session` and `show crypto ikev2 session` twins
    of the same sessions (in the same order) and the sessions themselves."""
    entries = []
    for crypto, ikev2, session in zip(crypto_sessions, ikev2_sessions, sessions):
        vt = config.virtual_templates.get(session.template)
        vt_lines = vt.other_lines if vt else []
        source = next((line.split()[2] for line in vt_lines if line.startswith("tunnel source ")), None)
        child = ikev2["children"][0]
        flow = crypto["ipsec_flow"]
        tag = f"{session.interface}-head-0"
        sa = {"transform": transform(config, vt_lines), "settings": "Tunnel",
              "life_kb": KB_LIFETIME, "life_s": flow["inbound"]["life_s"]}
        entries.append({
            "interface": session.interface, "crypto_map_tag": tag, "family": session.tuple.family,
            "local": crypto["ike_sa"]["local"], "remote": crypto["peer"], "remote_port": crypto["peer_port"],
            "protected_vrf": crypto["ivrf"],
            "encaps": flow["outbound"]["packets"], "decaps": flow["inbound"]["packets"],
            "mtu_idb": source,
            "inbound_esp": [dict(sa, spi=child["esp_spi_in"], conn_id=2 * session.id - 1 + 2000)],
            "outbound_esp": [dict(sa, spi=child["esp_spi_out"], conn_id=2 * session.id + 2000)],
        })
    return entries


def render_ipsec_sa(data: Sequence[dict]) -> str:
    lines = []
    for e in data:
        outbound = e["outbound_esp"][0]["spi"] if e["outbound_esp"] else 0
        lines += [
            "",
            f"interface: {e['interface']}",
            f"    Crypto map tag: {e['crypto_map_tag']}, local addr {e['local']}",
            "",
            f"   protected vrf: {e['protected_vrf']}",
            "   local  ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)",
            "   remote ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)",
            f"   current_peer {e['remote']} port {e['remote_port']}",
            "     PERMIT, flags={origin_is_acl,}",
            "",
            f"    #pkts encaps: {e['encaps']}, #pkts encrypt: {e['encaps']}, #pkts digest: {e['encaps']}",
            f"    #pkts decaps: {e['decaps']}, #pkts decrypt: {e['decaps']}, #pkts verify: {e['decaps']}",
            "    #pkts compressed: 0, #pkts decompressed: 0",
            "    #pkts not compressed: 0, #pkts compr. failed: 0",
            "    #pkts not decompressed: 0, #pkts decompress failed: 0",
            "    #send errors 0, #recv errors 0",
            "",
            *_endpoints(e),
            f"     current outbound spi: 0x{outbound:X}({outbound})",
            "     PFS (Y/N): N, DH group: none",
        ]
        for direction in ("inbound", "outbound"):
            lines += ["", f"     {direction} esp sas:"]
            for sa in e[f"{direction}_esp"]:
                lines += format_esp_sa(sa, e["crypto_map_tag"])
            lines += ["", f"     {direction} ah sas:", "", f"     {direction} pcp sas:"]
    return "".join(line + "\n" for line in lines + [""]) if data else ""


def _endpoints(e: dict) -> list[str]:
    """IPv6 ends do not share a line, and their MTUs are `ipv6 mtu` (tests/golden/ios-xe/
    show-crypto-ipsec-sa.ipv6.txt)."""
    idb = e["mtu_idb"] or "none"
    if e.get("family") == 6:
        return [f"     local crypto endpt.: {e['local']},", f"     remote crypto endpt.: {e['remote']}",
                f"     plaintext mtu {PLAINTEXT_MTU}, path mtu 1500, ipv6 mtu 1500, ipv6 mtu idb {idb}"]
    return [f"     local crypto endpt.: {e['local']}, remote crypto endpt.: {e['remote']}",
            f"     plaintext mtu {PLAINTEXT_MTU}, path mtu 1500, ip mtu 1500, ip mtu idb {idb}"]


def format_esp_sa(sa: dict, tag: str) -> list[str]:
    return [
        f"      spi: 0x{sa['spi']:X}({sa['spi']})",
        f"        transform: {sa['transform']} ,",
        f"        in use settings ={{{sa['settings']}, }}",
        f"        conn id: {sa['conn_id']}, flow_id: ESG:{sa['conn_id'] - 2000},"
        f" sibling_flags FFFFFFFF80000048, crypto map: {tag}",
        f"        sa timing: remaining key lifetime (k/sec): ({sa['life_kb']}/{sa['life_s']})",
        "        IV size: 16 bytes",
        "        replay detection support: Y",
        "        Status: ACTIVE(ACTIVE)",
    ]
