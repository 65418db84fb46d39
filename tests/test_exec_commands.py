"""The device's exec commands, in process: what each prints or refuses, their structured twins,
configure terminal from a terminal, and bulk sessions from a file."""
from __future__ import annotations

import pytest

from qfp_model.control.errors import ExecError
from qfp_model.control.headend import Headend


@pytest.fixture
def headend():
    return Headend.from_config_file(None)


def run(headend, *lines):
    return [headend.execute(line) for line in lines]


def test_sim_session_and_traffic_then_the_twins_agree_with_the_text(headend):
    run(headend, "sim session up remote 77.1.1.1 local 77.1.1.2",
        "sim traffic interface Vi1 output size 500 rate 1000000 packets 100 dscp ef")
    (entry,) = headend.show_data("show policy-map interface Vi1 output")
    (policy,) = entry["service_policies"]
    assert policy["direction"] == "output" and policy["policy"] == "aaa-out-policy"
    (cls,) = policy["classes"]
    assert cls["packets"] == 100
    text = headend.execute("show policy-map interface Vi1 output")
    assert f"{cls['packets']} packets, {cls['bytes']} bytes" in text

    (acl,) = headend.show_data("show ip access-lists HUB-OUT")
    assert sum(e["matches"] for e in acl["entries"]) == 100

    (platform,) = headend.show_data("show platform hardware qfp active feature qos all output all")
    assert platform["interface"] == "Virtual-Access1" and platform["if_h"] == 14


def test_traffic_options(headend):
    run(headend, "sim session up remote 77.1.1.1 local 77.1.1.2")
    out = headend.execute("sim traffic interface Vi1 input protocol tcp destination-port 80 "
                         "flags syn,ack fragment non-initial size 100 rate 8000 packets 3")
    assert out.startswith("Sent 3 packets input on Virtual-Access1")
    with pytest.raises(ExecError, match="TCP flag 'bogus'"):
        headend.execute("sim traffic interface Vi1 input flags bogus size 100 rate 8000 packets 1")
    with pytest.raises(ExecError, match="dscp 'zz'"):
        headend.execute("sim traffic interface Vi1 input dscp zz size 100 rate 8000 packets 1")
    with pytest.raises(ExecError, match="Incomplete"):
        headend.execute("sim traffic interface Vi1 input size 100 rate 8000")


def test_sessions_from_a_file_all_or_nothing(headend, tmp_path):
    good = tmp_path / "sessions.txt"
    good.write_text("! peers\nremote 77.1.2.1 local 77.1.1.2\nremote 77.1.2.2 local 77.1.1.2 fvrf-id 3\n")
    assert headend.execute(f"sim session load {good}") == "2 sessions up\n"
    bad = tmp_path / "bad.txt"
    bad.write_text("remote 77.1.3.1 local 77.1.1.2\nremote 77.1.3.2 lokal 77.1.1.2\n")
    with pytest.raises(ExecError, match=f"{bad}:2:"):
        headend.execute(f"sim session load {bad}")
    assert len(headend.device.sessions) == 2


def test_each_terminal_has_its_own_configure_mode(headend):
    mine, yours = headend.open_terminal(), headend.open_terminal()
    assert mine.execute("configure terminal").startswith("Enter configuration commands")
    assert mine.prompt() == "flexvpn-hub(config)#" and yours.prompt() == "flexvpn-hub#"
    mine.execute("ip access-list extended NEW")
    assert mine.prompt() == "flexvpn-hub(config-ext-nacl)#"
    mine.execute("permit tcp any any eq 22")
    with pytest.raises(ExecError) as refused:
        mine.execute("permit tcp any any eq sshh")
    assert "(at '^' marker)" in str(refused.value)
    assert "NEW" in mine.execute("do show ip access-lists NEW")
    mine.execute("end")
    assert mine.prompt() == "flexvpn-hub#"
    assert "10 permit tcp any any eq 22" in yours.execute("show ip access-lists NEW")


def test_hostname_change_shows_in_the_prompt(headend):
    t = headend.open_terminal()
    run(t, "configure terminal", "hostname edge-7", "end")
    assert t.prompt() == "edge-7#" and headend.prompt() == "edge-7#"


def test_clear_counters_restarts_class_counts(headend):
    run(headend, "sim session up remote 77.1.1.1 local 77.1.1.2",
        "sim traffic interface Vi1 input size 100 rate 80000 packets 10",
        "clear counters Vi1")
    (entry,) = headend.show_data("show policy-map interface Vi1 input")
    assert entry["service_policies"][0]["classes"][0]["packets"] == 0


def test_a_show_without_a_twin_says_so(headend):
    with pytest.raises(ExecError, match="no structured form"):
        headend.show_data("show running-config")
