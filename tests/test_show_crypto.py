"""`show crypto session [detail]` and `show crypto ikev2 session [detailed]` (control.show.crypto):
the formatters literally against the references from twins holding their data; a device's session
against the FlexVPN reference byte for byte but for what the model fills in by rule (lifetimes,
capabilities); the IPsec flow counters against real traffic, on both fast paths."""
from __future__ import annotations

import os
import re
from pathlib import Path

from qfp_model.control.config import model as M
from qfp_model.control.core.sessions import Authorization
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.control.show.crypto import (
    ESP_TRANSFORM,
    FLOW,
    crypto_session_data,
    ikev2_session_data,
    render_crypto_session,
    render_ikev2_session,
)
from qfp_model.qfp.tables import PROTO_TCP, Direction
from show_device import hub_device
from test_show_platform import assert_subset

GOLDEN = Path(__file__).parent / "golden"
IOS_XE = GOLDEN / "ios-xe"
FLEXVPN_REFERENCE = IOS_XE / "show-crypto-session-remote-detail.virtual-access.txt"
S = 10**9
# The reference device's proposal, as the twin carries it.
REFERENCE_PROPOSAL = {"encryption": "AES-CBC", "keysize": 256, "prf": "SHA256", "hash": "SHA256",
                      "dh_group": 14, "auth_sign": "PSK", "auth_verify": "PSK"}


def crypto_of(device) -> list[dict]:
    return crypto_session_data(device.fp, device.config, device.sessions, device.clock_ns)


def ikev2_of(device) -> list[dict]:
    return ikev2_session_data(device.sessions, device.clock_ns, device.config)


def _sa(packets: int, life: int) -> dict:
    return {"packets": packets, "drop": 0, "kb_volume_rekey": "Disabled", "life_s": life}


def test_crypto_session_formatter_matches_the_flexvpn_reference():
    twin = {"interface": "Virtual-Access1", "profile": "IKEV2_PROFILE", "uptime_s": 10,
            "status": "UP-ACTIVE", "peer": "27.27.27.2", "peer_port": 500, "fvrf": "(none)",
            "ivrf": "(none)", "phase1_id": "27.27.27.2", "desc": "(none)", "session_id": 1,
            "ike_sa": {"version": "IKEv2", "local": "17.17.17.2", "local_port": 500,
                       "remote": "27.27.27.2", "remote_port": 500, "status": "Active",
                       "capabilities": "DU", "connid": 1, "lifetime_s": 490},
            "ipsec_flow": {"flow": FLOW, "active_sas": 2, "origin": "crypto map",
                           "inbound": _sa(6, 239), "outbound": _sa(6, 239)}}
    # The reference was cut before its last newline.
    assert render_crypto_session([twin], detail=True) == FLEXVPN_REFERENCE.read_text() + "\n"


def _child(selectors: list[tuple[str, str]]) -> dict:
    return {"local_selectors": [local for local, _ in selectors],
            "remote_selectors": [remote for _, remote in selectors],
            "esp_spi_in": 0x232CB82D, "esp_spi_out": 0x30767B6E, **ESP_TRANSFORM}


def _v6(prefix: str) -> str:
    return f"{prefix}::/0 - {prefix}::FFFF:FFFF:FFFF:FFFF/65535"


def _v4(prefix: str) -> str:
    return f"{prefix}.0/0 - {prefix}.255/65535"


def test_ikev2_formatter_matches_the_reference_ipv4_session():
    twin = {"session_id": 3, "status": "UP-ACTIVE", "ike_count": 1, "child_count": 1, "sa": {
        "tunnel_id": 1, "local": "1.1.1.1", "local_port": 500, "remote": "1.1.1.2",
        "remote_port": 500, "fvrf": "none", "ivrf": "none", "status": "READY", **REFERENCE_PROPOSAL,
        "lifetime_s": 86400, "active_s": 38157, "ce_id": 1008,
        "status_description": "Negotiation done", "local_spi": 0x6F86196AB2C574E3,
        "remote_spi": 0x74AD695CF23C4805, "local_id": "1.1.1.1", "remote_id": "1.1.1.2",
        "initiator": True},
        "children": [_child([(_v6("8001"), _v6("9001")), (_v4("89.89.89"), _v4("99.99.99"))]),
                     _child([(_v6("3001"), _v6("3101")), (_v4("30.30.30"), _v4("31.31.31"))])]}
    reference = (IOS_XE / "show-crypto-ikev2-session-detailed.txt").read_text()
    ipv4 = reference.split("IPv6 Crypto IKEv2 Session")[0]
    assert render_ikev2_session([twin], detailed=True) == ipv4 + "IPv6 Crypto IKEv2 Session\n"


def flexvpn_device(fastpath_class):
    """The FlexVPN reference's session: 17.17.17.2 <- 27.27.27.2 under IKEV2_PROFILE, 10 s up,
    6 packets each way through the template's policies."""
    device = hub_device(fastpath_class)
    device.config.remove_ikev2_profile("FLEX-PROFILE")
    device.config.add_ikev2_profile(M.Ikev2Profile("IKEV2_PROFILE", virtual_template=1))
    device.session_up("27.27.27.2", "17.17.17.2")
    # One packet a second: the sixth leaves 5 s after the first, each direction in turn.
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=1000, rate=8000, packets=6))
    device.traffic(TrafficSpec("Vi1", Direction.OUT, size=1000, rate=8000, packets=6))
    return device


# What the model fills in by rule (control/show/crypto.py) where the reference device had its own:
# no DPD, IOS's default SA lifetimes counted from bring-up.
_FILLED_IN = [
    (re.compile(r"Capabilities:\w+ (connid:\d+) lifetime:[\d:]+$"), r"Capabilities:<caps> \1 lifetime:<life>"),
    (re.compile(r"(KB Vol Rekey Disabled)/\d+$"), r"\1/<life>"),
]


def _normalised(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        for pattern, replacement in _FILLED_IN:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return lines


def test_a_flexvpn_session_matches_the_reference(fastpath_class):
    device = flexvpn_device(fastpath_class)
    assert device.clock_ns == 10 * S
    text = render_crypto_session(crypto_of(device), detail=True)
    assert _normalised(text) == _normalised(FLEXVPN_REFERENCE.read_text())
    assert "          Capabilities:U connid:1 lifetime:23:59:50\n" in text
    assert text.endswith("KB Vol Rekey Disabled/3590\n")


def test_brief_crypto_session_leaves_out_the_detail_lines(fastpath_class):
    text = render_crypto_session(crypto_of(flexvpn_device(fastpath_class)))
    assert text == (
        "Crypto session current status\n"
        "\n"
        "Interface: Virtual-Access1\n"
        "Profile: IKEV2_PROFILE\n"
        "Session status: UP-ACTIVE\n"
        "Peer: 27.27.27.2 port 500\n"
        "  Session ID: 1\n"
        "  IKEv2 SA: local 17.17.17.2/500 remote 27.27.27.2/500 Active\n"
        "  IPSEC FLOW: permit ip   0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0\n"
        "        Active SAs: 2, origin: crypto map\n")


def _shape(line: str) -> str:
    """A line with its values (numbers, addresses, hex) taken out, and the padding after them
    (the formatter test holds the columns): what is left is layout."""
    return re.sub(r"(?<=N) {2,}(?=\S)", " ", re.sub(r"[0-9A-Fa-f]{2,}|\d+", "N", line))


def test_a_device_ikev2_session_has_the_reference_layout(fastpath_class):
    device = flexvpn_device(fastpath_class)
    text = render_ikev2_session(ikev2_of(device), detailed=True)
    *ours, ipv6 = text.splitlines()
    assert ipv6 == "IPv6 Crypto IKEv2 Session"
    reference = (IOS_XE / "show-crypto-ikev2-session-detailed.txt").read_text().splitlines()
    # The reference device started its SA; a headend answers its spokes, and prints the address it
    # pushed before that line, as the FlexVPN server's output does (its indentation is the notes').
    server = (IOS_XE / "show-crypto-ikev2-sa-detailed.flexvpn-server.txt").read_text().splitlines()
    assigned = "      " + next(line.strip() for line in server if line.strip().startswith("Assigned host addr"))
    at = reference.index("      Initiator of SA : Yes")
    reference[at:at + 1] = [assigned, "      Initiator of SA : No"]
    # Everything up to the first child SA, then the child SA with its one selector pair.
    head = next(i for i, line in enumerate(reference) if line == "Child sa:")
    assert [_shape(line) for line in ours[:head]] == [_shape(line) for line in reference[:head]]
    child = reference[head:head + 2] + reference[head + 3:head + 10]
    assert [_shape(line) for line in ours[head:]] == [_shape(line) for line in child]
    assert ours[head + 2] == ("          0.0.0.0/0 - 255.255.255.255/65535    ->    "
                              "0.0.0.0/0 - 255.255.255.255/65535")


def test_ikev2_twin(fastpath_class):
    device = hub_device(fastpath_class)
    device.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2, identity="spoke1.example")
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=800, packets=38))      # 37 s
    (twin,) = ikev2_of(device)
    assert_subset({"session_id": 1, "status": "UP-ACTIVE", "interface": "Virtual-Access1",
                   "audit_session_id": "L2L44D010102ZO2L44D010101ZI1F401F4ZO2",
                   "sa": {"tunnel_id": 1, "local": "77.1.1.2", "remote": "77.1.1.1",
                          "local_port": 500, "remote_port": 500, "fvrf": "2", "ivrf": "2",
                          "status": "READY", "lifetime_s": 86400, "active_s": 37,
                          "local_id": "77.1.1.2", "remote_id": "spoke1.example",
                          "initiator": False}}, twin)
    assert twin["sa"]["local_spi"] != twin["sa"]["remote_spi"]
    again = hub_device(fastpath_class)
    again.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2)
    assert ikev2_of(again)[0]["children"] == twin["children"], "SPIs are deterministic"


def test_flow_counters_follow_the_packets_through_the_policies(fastpath_class):
    device = hub_device(fastpath_class)
    session = device.session_up("27.27.27.2", "17.17.17.2")           # ACL-IN, aaa-in-policy, parent-out
    device.session_up("27.27.27.3", "17.17.17.2", template=2)         # nothing bound
    # Before any traffic: a CoA gives both targets fresh policy instances, counters zero.
    device.authorize(session, Authorization(policy_out="aaa-out-policy"))
    denied = device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=80_000, packets=4,
                                        protocol=PROTO_TCP, destination_port=23))
    inbound = device.traffic(TrafficSpec("Vi1", Direction.IN, size=1000, rate=4_000_000, packets=100))
    outbound = device.traffic(TrafficSpec("Vi1", Direction.OUT, size=1000, rate=8_000_000, packets=200))
    device.traffic(TrafficSpec("Vi2", Direction.IN, size=100, rate=80_000, packets=3))
    assert denied.dropped_acl == 4 and inbound.dropped_police > 0 and outbound.dropped_police > 0
    va1, va2 = crypto_of(device)
    # Decrypted: every packet the input policy saw (policed ones too; ACL-denied ones are not
    # counted per session). Encrypted: what the output policy forwarded.
    assert_subset({"inbound": {"packets": inbound.packets, "counted": True},
                   "outbound": {"packets": outbound.forwarded, "counted": True}}, va1["ipsec_flow"])
    assert va1["profile"] == "FLEX-PROFILE"
    assert_subset({"profile": None, "fvrf": "(none)", "ivrf": "(none)",
                   "ipsec_flow": {"inbound": {"packets": 0, "counted": False},
                                  "outbound": {"packets": 0, "counted": False}}}, va2)


def hub_sessions(fastpath_class):
    device = hub_device(fastpath_class)
    device.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2)
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=1000, rate=8000, packets=3601))       # an hour
    device.session_up("27.27.27.2", "17.17.17.2", remote_port=4500, local_port=4500,
                      identity="spoke2.example", template=2)
    device.traffic(TrafficSpec("Vi1", Direction.OUT, size=1000, rate=8000, packets=91))       # 90 s more
    return device


def test_hub_goldens(fastpath_class):
    device = hub_sessions(fastpath_class)
    crypto, ikev2 = crypto_of(device), ikev2_of(device)
    outputs = {
        "crypto-session.hub.txt": render_crypto_session(crypto),
        "crypto-session-detail.hub.txt": render_crypto_session(crypto, detail=True),
        "crypto-ikev2-session.hub.txt": render_ikev2_session(ikev2),
        "crypto-ikev2-session-detailed.hub.txt": render_ikev2_session(ikev2, detailed=True),
    }
    for name, text in outputs.items():
        golden = GOLDEN / "show" / name
        if os.environ.get("QFP_REGENERATE_GOLDEN"):
            golden.write_text(text)
        assert text == golden.read_text(), name


def test_no_sessions(fastpath_class):
    device = hub_device(fastpath_class)
    assert render_crypto_session(crypto_of(device)) == "Crypto session current status\n"
    assert render_ikev2_session(ikev2_of(device)) == ""


def test_uptime_and_lifetime_formats():
    from qfp_model.control.show._format import format_hms, format_uptime
    assert [format_uptime(s) for s in (10, 3690, 3 * 86400 + 18 * 3600 + 5, 9 * 86400)] == [
        "00:00:10", "01:01:30", "3d18h", "1w2d"]
    assert format_hms(25 * 3600) == "25:00:00"
