"""`banner motd|login|exec` typed in `configure terminal` as IOS takes it (its delimiter, over
several lines, `Enter TEXT message`), kept in running-config in IOS's `^C` form, read back from a
file, and the text a vty prints (tests/test_ssh.py shows it over SSH)."""
from __future__ import annotations

from qfp_model.control.config import parse_config, render_running_config
from qfp_model.control.core.device import Device
from qfp_model.control.exec import banners
from qfp_model.control.headend import Headend


def _typed(*lines: str):
    headend = Headend(Device.from_config_file())
    terminal = headend.open_terminal()
    outputs = [terminal.execute(line) for line in ("configure terminal", *lines)]
    return headend.device.config, terminal, outputs[1:]


def test_a_banner_typed_over_lines_to_its_delimiter():
    config, terminal, outputs = _typed("banner motd #", "Authorised access only", "", "on $(hostname) #", "end")
    assert outputs[0] == "Enter TEXT message.  End with the character '#'.\n"
    assert outputs[1:4] == ["", "", ""]   # the text's lines are no commands: no error, no notice
    assert terminal.config_session is None   # `end` after the delimiter is a command again
    running = render_running_config(config)
    assert "\nbanner motd ^C\nAuthorised access only\n\non $(hostname) ^C\n" in running
    assert banners.banner(config, "motd") == "\nAuthorised access only\n\non flexvpn-hub "


def test_a_one_line_banner_and_a_second_one_replacing_the_first():
    config, _, outputs = _typed("banner login %Login here%", "banner login $Second$", "banner ^First motd^")
    assert outputs == ["", "", ""]
    assert [b.lines for b in banners.banner_blocks(config, "login")] == [("banner login ^CSecond^C",)]
    assert banners.banner(config, "motd") == "First motd"


def test_a_banner_from_a_sub_mode_leaves_it_as_any_global_command():
    _, terminal, _ = _typed("ip access-list extended X", "banner exec $", "hello", "$")
    assert terminal.prompt() == "flexvpn-hub(config)#"


def test_running_config_round_trips_banners_and_the_vty_shows_motd_then_exec():
    config, _, _ = _typed("banner exec $", "exec text", "$", "banner motd #", "motd text", "#")
    again = parse_config(render_running_config(config)).config
    assert render_running_config(again) == render_running_config(config)
    assert banners.shown(again, ("motd", "exec")) == "\nmotd text\n\nexec text\n"


def test_no_exec_banner_on_the_vty_lines_silences_motd_and_exec():
    config, _, _ = _typed("banner exec $x$", "banner motd $y$", "line vty 0 4", "no exec-banner")
    assert banners.shown(config, ("motd", "exec")) == ""
    config, _, _ = _typed("banner exec $x$", "banner motd $y$", "line vty 0 4", "no motd-banner")
    assert banners.shown(config, ("motd", "exec")) == "x\n"


def test_banners_print_together_before_the_lines_in_ios_order():
    config, _, _ = _typed("banner motd #", "motd", "#", "banner exec $x$", "banner login %l%")
    running = render_running_config(config)
    assert "\ncontrol-plane\n!\nbanner exec ^Cx^C\nbanner login ^Cl^C\nbanner motd ^C\nmotd\n^C\n!\nline con 0\n" \
        in running


def test_no_banner_removes_it():
    config, _, outputs = _typed("banner motd #", "motd", "#", "banner exec $x$", "no banner motd", "no banner exec")
    assert outputs[-2:] == ["", ""]
    assert banners.banner(config, "motd") is None and banners.banner(config, "exec") is None
    assert "banner" not in render_running_config(config)


def test_shown_banners_are_not_listed_as_not_modeled_and_the_others_are():
    # motd, login and exec are shown by the vty, so keeping them is modelling them; IOS's other
    # kinds are kept verbatim and nothing shows them: those stay listed.
    shown = parse_config("banner motd ^C\nhello\n^C\nbanner exec #x#\nbanner login #y#\nend\n")
    assert shown.errors == [] and shown.unmodeled == []
    assert len(shown.config.unmodeled_blocks()) == 3     # all kept, in running-config
    other = parse_config("banner incoming #y#\nend\n")
    assert other.unmodeled == ["banner"]
    _, terminal, outputs = _typed("banner login #hi#", "banner slip-ppp #z#", "end")
    assert outputs[0] == "" and outputs[1] == "%PARSER-6-NOTMODELED: kept but not modeled: banner slip-ppp #z#\n"
