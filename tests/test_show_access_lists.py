"""`show ip access-lists [NAME]` (control.show.access_lists): IOS's layout against the reference
files, per-ACE counters from the fast path after real traffic, on both fast paths."""
from __future__ import annotations

import os
from pathlib import Path

from qfp_model.control.config import model as M
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.control.show.access_lists import access_lists_data, render_access_lists
from qfp_model.qfp.tables import PROTO_TCP, Direction
from show_device import ace, acl, hub_device, ip
from test_show_platform import assert_subset

GOLDEN = Path(__file__).parent / "golden"
IOS_XE = GOLDEN / "ios-xe"


def acls_of(device, name=None) -> list[dict]:
    return access_lists_data(device.fp, device.config, device.compiler.acl_slots(), name)


def reference(name: str) -> str:
    """The reference's output from its `... IP access list` line on, without blank lines (the
    files carry a prompt, `Load for` lines and trailing blanks from the copy)."""
    lines = (IOS_XE / name).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if " IP access list " in line)
    return "".join(line + "\n" for line in lines[start:] if line.strip())


def test_extended_acl_matches_the_reference(fastpath_class):
    device = hub_device(fastpath_class)
    text = render_access_lists(acls_of(device, "ACL_TEST"))
    assert text == reference("show-ip-access-lists.txt")


def test_standard_acl_with_counters_matches_the_customer_reference(fastpath_class):
    device = hub_device(fastpath_class)
    # Built from the model as the reference shows it: IOS printed the address of entry 30 with
    # bits its wildcard ignores still set.
    aces = [ace(True, None, (ip("10.1.0.2"), 0)), ace(True, None, (ip("10.144.0.9"), 0)),
            ace(True, None, (ip("10.70.10.0"), ip("0.0.10.255"))),
            ace(True, None, (ip("10.196.0.0"), ip("0.0.255.255")))]
    device.config.add_access_list(acl("43", aces, extended=False))
    slot = device.compiler.acl_slot("43")
    # Seeding the fast path's own counters: a million packets would prove nothing more.
    device.fp.acl_replace(slot, aces, hits=[1168716, 0, 0, 8353358])
    text = render_access_lists(acls_of(device, "43"))
    assert text == reference("show-ip-access-lists.customer.txt")


def acl_traffic(device):
    device.session_up("27.27.27.2", "17.17.17.2")          # ACL-IN inbound, from Virtual-Template1
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=80_000, packets=10, protocol=PROTO_TCP,
                               destination_port=23))
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=80_000, packets=5))


def test_matches_count_what_the_acl_filtered(fastpath_class):
    device = hub_device(fastpath_class)
    acl_traffic(device)
    (twin,) = acls_of(device, "ACL-IN")
    assert twin == {"name": "ACL-IN", "type": "Extended", "entries": [
        {"seq": 10, "text": "deny tcp any host 192.0.2.1 eq telnet", "matches": 10},
        {"seq": 20, "text": "permit ip any any", "matches": 5}]}
    assert render_access_lists([twin]) == (
        "Extended IP access list ACL-IN\n"
        "    10 deny tcp any host 192.0.2.1 eq telnet (10 matches)\n"
        "    20 permit ip any any (5 matches)\n")


def test_every_acl_in_configuration_order_and_unused_ones_match_nothing(fastpath_class):
    device = hub_device(fastpath_class)
    acl_traffic(device)
    twin = acls_of(device)
    assert [a["name"] for a in twin] == ["ACL_TEST", "SIP", "ACL-IN"]
    assert_subset({"name": "SIP", "entries": [{"seq": 10, "text": "permit udp any any eq sip",
                                               "matches": 0}]}, twin[1])
    text = render_access_lists(twin)
    golden = GOLDEN / "show" / "ip-access-lists.hub.txt"
    if os.environ.get("QFP_REGENERATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_an_undefined_acl_prints_nothing_and_an_empty_one_its_header(fastpath_class):
    device = hub_device(fastpath_class)
    assert acls_of(device, "NOPE") == []
    device.config.add_access_list(M.AccessList("EMPTY", True))
    assert render_access_lists(acls_of(device, "EMPTY")) == "Extended IP access list EMPTY\n"


def test_one_match_is_singular_as_ios_prints_it():
    from qfp_model.control.show.access_lists import format_entry
    assert format_entry({"seq": 40, "text": "permit ip any any", "matches": 1}) == \
        "    40 permit ip any any (1 match)"
    assert format_entry({"seq": 40, "text": "permit ip any any", "matches": 2}) == \
        "    40 permit ip any any (2 matches)"
