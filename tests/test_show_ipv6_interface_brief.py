"""`show ipv6 interface brief`: IOS XE's layout (two real outputs rendered from their twins), and
what the model lists: IPv6 where the lines enable it, the link-local address first (configured or
EUI-64 from the MAC), global addresses after, a Virtual-Access as its template, `unassigned`
elsewhere."""
from __future__ import annotations

from pathlib import Path

import pytest

from qfp_model.control.headend import Headend
from qfp_model.control.show.ipv6_interfaces import render_ipv6_interface_brief

IOS_XE = Path(__file__).parent / "golden" / "ios-xe"


def twin_of(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        if not line.startswith(" "):
            name, state = line.split("[")
            status, protocol = state.rstrip("]").split("/")
            rows.append({"interface": name.strip(), "status": status, "protocol": protocol, "addresses": []})
        elif line.strip() != "unassigned":
            rows[-1]["addresses"].append(line.strip())
    return rows


@pytest.mark.parametrize("name", ["show-ipv6-interface-brief.txt", "show-ipv6-interface-brief.asr.txt"])
def test_the_layout_is_the_reference_devices(name):
    reference = (IOS_XE / name).read_text()
    assert render_ipv6_interface_brief(twin_of(reference)) == reference


@pytest.fixture
def hub(fastpath_class):
    with Headend.from_config_file(None, fastpath=fastpath_class()) as headend:
        yield headend


def test_addresses_where_the_lines_enable_ipv6_and_a_virtual_access_as_its_template(hub):
    for line in ["configure terminal", "interface Loopback1", "ipv6 address 2001:db8:ffff::1/128",
                 "interface Virtual-Template1", "ipv6 unnumbered Loopback1", "interface GigabitEthernet1",
                 "ipv6 address 2001:db8:aa::/64 eui-64", "ipv6 address fe80::1 link-local", "end"]:
        hub.execute(line)
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    rows = {r["interface"]: r for r in hub.show_data("show ipv6 interface brief")}
    # GigabitEthernet1's MAC is 5254.00ff.0001 (show interfaces): EUI-64 5054:00FF:FEFF:0001
    assert rows["GigabitEthernet1"]["addresses"] == ["FE80::1", "2001:DB8:AA:0:5054:FF:FEFF:1"]
    assert rows["Loopback1"]["addresses"] == ["FE80::5054:FF:FEFF:1", "2001:DB8:FFFF::1"]
    assert rows["Virtual-Access1"] == {"interface": "Virtual-Access1", "status": "up", "protocol": "up",
                                       "addresses": ["FE80::5054:FF:FEFF:1"]}
    assert rows["Virtual-Template1"]["protocol"] == "down"
    assert rows["Loopback0"]["addresses"] == [] and rows["GigabitEthernet2"]["addresses"] == []
    text = hub.execute("show ipv6 interface brief")
    assert "Virtual-Access1        [up/up]\n    FE80::5054:FF:FEFF:1\n" in text
    assert "Loopback0              [up/up]\n    unassigned\n" in text
    assert hub.execute("show interfaces GigabitEthernet1").count("5254.00ff.0001") == 2
