"""Issue 14, item 3: edits behave as on IOS — `interface Virtual-Template1` enters the template
already there, a single-valued interface setting replaces its old value (in running-config and in
the sessions' derived config), and `no` of a setting removes it whatever value it names."""
import pytest

from qfp_model.control.config import interface_lines, type7
from qfp_model.control.headend import Headend
from qfp_model.qfp import tables as T


@pytest.fixture
def term():
    with Headend.from_config_file() as headend:
        terminal = headend.open_terminal()
        terminal.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
        terminal.execute("configure terminal")
        yield terminal


def section(term, what):
    return term.execute(f"do show running-config | section {what}")


def test_interface_virtual_template_without_type_enters_the_template(term):
    term.execute("interface Virtual-Template1")
    assert term.config_session.kind.name == "TEMPLATE"
    term.execute("service-policy input 2M")
    text = section(term, "Virtual-Template")
    assert text.count("interface Virtual-Template1") == 1
    assert " service-policy input 2M\n" in text
    # the session cloned from it is rebound to the new policy, as IOS re-derives it
    term.execute("end")
    assert term.device.session("Virtual-Access1").effective().policy_in == "2M"


def test_a_template_that_is_not_there_without_type_tunnel_is_kept(term):
    assert term.execute("interface Virtual-Template7").startswith("%PARSER-6-NOTMODELED")
    assert 7 not in term.device.config.virtual_templates


def test_single_valued_template_lines_replace_their_value(term):
    term.execute("interface Virtual-Template1")
    term.execute("ip mtu 1300")
    term.execute("ip tcp adjust-mss 1300")
    text = section(term, "Virtual-Template")
    assert " ip mtu 1300\n" in text and "ip mtu 1400" not in text
    assert " ip tcp adjust-mss 1300\n" in text and "adjust-mss 1360" not in text
    term.execute("end")
    derived = term.execute("show derived-config interface Virtual-Access1")
    assert " ip mtu 1300\n" in derived and "ip mtu 1400" not in derived
    assert " ip tcp adjust-mss 1300\n" in derived


def test_no_of_a_setting_removes_it_whatever_value_it_names(term):
    term.execute("interface Virtual-Template1")
    assert term.execute("no ip mtu 9999") == ""
    assert "ip mtu" not in section(term, "Virtual-Template")


def test_an_interface_command_is_the_interfaces_not_globals(term):
    term.execute("interface GigabitEthernet1")
    term.execute("ip tcp adjust-mss 1300")      # global mode has `ip tcp ...` too
    term.execute("ip mtu 1500")
    term.execute("ip mtu 1400")
    assert term.prompt() == "flexvpn-hub(config-if)#"
    text = section(term, "interface GigabitEthernet1")
    assert " ip tcp adjust-mss 1300\n" in text and text.count("ip mtu") == 1 and " ip mtu 1400\n" in text


@pytest.mark.parametrize("lines, line, after", [
    (["ip mtu 1400"], "ip mtu 1300", ["ip mtu 1300"]),
    (["ip mtu 1400"], "no ip mtu", []),
    (["shutdown"], "no shutdown", ["no shutdown"]),
    (["ip address 10.0.0.1 255.0.0.0"], "ip address 10.0.0.2 255.0.0.0 secondary",
     ["ip address 10.0.0.1 255.0.0.0", "ip address 10.0.0.2 255.0.0.0 secondary"]),
    (["ip helper-address 1.1.1.1"], "ip helper-address 2.2.2.2",
     ["ip helper-address 1.1.1.1", "ip helper-address 2.2.2.2"]),
    (["ip helper-address 1.1.1.1"], "no ip helper-address 1.1.1.1", []),
    (["description a"], "description b  c", ["description b c"]),
])
def test_interface_lines_edit_as_ios(lines, line, after):
    interface_lines.edit(lines, line)
    assert lines == after


def test_keys_print_as_type_7_under_service_password_encryption(term):
    term.execute("aaa server radius dynamic-author")
    term.execute("client 192.0.2.9 server-key 0 s3cret")
    term.execute("radius server R2")
    term.execute("key clearkey")
    encrypted = term.execute("do show running-config")
    assert " client 192.0.2.9 server-key 7 " + type7.encode("s3cret") + "\n" in encrypted
    assert " key 7 " + type7.encode("clearkey") + "\n" in encrypted
    # the key is still the key: CoA checks use its clear text
    assert term.device.config.dynamic_author.key_for("192.0.2.9") == "s3cret"
    term.execute("no service password-encryption")
    clear = term.execute("do show running-config")
    assert " client 192.0.2.9 server-key 0 s3cret\n" in clear and " key clearkey\n" in clear


@pytest.mark.parametrize("line, column", [("foo bar", 0), ("ip foo 1", 3)])
def test_a_line_no_interface_has_is_refused_in_the_template_with_its_caret(term, line, column):
    from qfp_model.control.exec.terminal import ConfigLineRefused
    term.execute("interface Virtual-Template1")
    with pytest.raises(ConfigLineRefused) as info:
        term.execute(line)
    assert info.value.column == column
    assert line not in term.device.config.virtual_templates[1].other_lines


def _refused(term, line):
    from qfp_model.control.exec.terminal import ConfigLineRefused
    with pytest.raises(ConfigLineRefused) as info:
        term.execute(line)
    return info.value


@pytest.mark.parametrize("line", ["no 20", "no 20 permit udp any range 16384 32767 any",
                                  "no permit udp any range 16384 32767 any"])
def test_no_of_an_ace_removes_the_entry_by_its_text_or_its_number(term, line):
    term.execute("ip access-list extended HUB-OUT")
    assert term.execute(line) == ""
    assert [e.seq for e in term.device.config.access_lists["HUB-OUT"].aces()] == [10, 30]
    assert term.prompt() == "flexvpn-hub(config-ext-nacl)#"


def test_no_of_a_numbered_ace_with_a_bad_word_is_refused_where_it_is(term):
    term.execute("ip access-list extended HUB-OUT")
    error = _refused(term, "no 20 permit udp any range 16384 99999 any")
    assert error.column == len("no 20 permit udp any range 16384 ")
    assert term.device.config.access_lists["HUB-OUT"].entry(20) is not None


def test_no_access_list_n_with_an_entry_deletes_the_list_as_ios_does(term):
    term.execute("access-list 150 permit ip any any")
    term.execute("access-list 150 deny udp any any")
    assert term.execute("no access-list 150 deny udp any any") == ""
    assert "150" not in term.device.config.access_lists


@pytest.mark.parametrize("no_lines", [
    ["no conform-action set-dscp-transmit ef", "no exceed-action set-dscp-transmit af11",
     "no violate-action drop"],
    ["no conform-action", "no exceed-action", "no violate-action"],
])
def test_no_of_a_police_action_gives_back_the_default(term, no_lines):
    for line in ["policy-map pol", "class class-default", "police cir 64000",
                 "conform-action set-dscp-transmit ef", "exceed-action set-dscp-transmit af11",
                 "violate-action drop"]:
        term.execute(line)
    for line in no_lines:
        assert term.execute(line) == ""
    police = term.device.config.policy_maps["pol"].get("class-default").police
    assert (police.conform, police.exceed, police.violate) == (None, None, None)
    policer = police.to_policer()
    assert (policer.conform, policer.exceed) == (T.TRANSMIT, T.DROP)
    assert "-action" not in section(term, "policy-map pol$")
    assert term.prompt() == "flexvpn-hub(config-pmap-c-police)#"


def test_no_of_a_police_action_with_a_bad_action_is_refused(term):
    for line in ["policy-map pol", "class class-default", "police cir 64000", "exceed-action drop"]:
        term.execute(line)
    assert _refused(term, "no exceed-action bogus").column == len("no exceed-action ")
