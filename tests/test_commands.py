"""The exec command engine: IOS abbreviations, typed arguments, option groups, `?` help, completion,
output modifiers, and IOS's error layouts, on a real CommandSet of the issue's command shapes."""
from __future__ import annotations

import ipaddress

import pytest

from exec_target import RUNNING_CONFIG, build_commands
from qfp_model.control.errors import ExecError
from qfp_model.control.grammar.engine import (
    AmbiguousCommand,
    CommandSet,
    IncompleteCommand,
    InvalidInput,
    UnrecognizedCommand,
    format_error,
    normalise_interface,
    render_help,
)


@pytest.fixture
def commands() -> CommandSet:
    return build_commands()


def args_of(commands: CommandSet, line: str) -> dict:
    """The handler's args for `line` (the test commands echo them as key=value lines)."""
    return dict(row.split("=", 1) for row in commands.execute(line).splitlines())


def error_of(commands: CommandSet, line: str, prompt: str | None = None) -> str:
    with pytest.raises(ExecError) as info:
        commands.execute(line)
    return format_error(info.value, prompt)


# -- abbreviations and arguments -----------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "show policy-map interface Virtual-Access1",
    "sh pol int vi1",
    "SH POL INT VI1",
    "sh pol int vi 1",
    "sh pol int virtual-access 1",
    "show policy-map interface virtual-access1",
])
def test_abbreviated_keywords_and_interface_forms(commands, line):
    assert args_of(commands, line) == {"show": "True", "policy_map": "True", "interface": "Virtual-Access1"}


@pytest.mark.parametrize("text, name", [
    ("Vi1", "Virtual-Access1"), ("vi12", "Virtual-Access12"), ("virtual-t1", "Virtual-Template1"),
    ("Tunnel0", "Tunnel0"), ("tu0", "Tunnel0"), ("gi0/0/1", "GigabitEthernet0/0/1"), ("Lo0", "Loopback0"),
    ("vi", None), ("1", None), ("bogus1", None),
])
def test_interface_names_normalise_to_ios_full_names(text, name):
    assert normalise_interface(text) == name


def test_typed_values_reach_the_handler():
    seen = {}
    commands = CommandSet()
    commands.add("sim session up remote A.B.C.D {local! A.B.C.D | template <1-4095> | identity WORD}",
                 lambda args: seen.update(args) or "")
    commands.execute("sim ses up rem 77.1.1.1 templ 7 local 77.1.1.2")
    assert seen == {"sim": True, "session": True, "up": True, "remote": ipaddress.IPv4Address("77.1.1.1"),
                    "template": 7, "local": ipaddress.IPv4Address("77.1.1.2")}


def test_an_exact_keyword_wins_over_longer_ones():
    commands = CommandSet()
    commands.add("show ip", lambda a: "ip\n")
    commands.add("show ipv6", lambda a: "ipv6\n")
    assert commands.execute("show ip") == "ip\n"
    assert commands.execute("show ipv") == "ipv6\n"


def test_a_keyword_wins_over_a_word_that_could_take_it(commands):
    # `int` abbreviates `interface`, though a policy-map could be named `int`: IOS takes the keyword.
    with pytest.raises(IncompleteCommand):
        commands.execute("show policy-map int")
    assert args_of(commands, "show policy-map POLICE-IN")["name"] == "POLICE-IN"


def test_line_takes_the_rest_of_the_line_as_typed(commands):
    assert args_of(commands, "send log  hello   world ")["log"] == "hello   world"


def test_a_handlers_control_error_is_an_exec_error(commands):
    assert error_of(commands, "test refuse") == "% no session on Virtual-Access9"


def test_blank_lines_do_nothing(commands):
    assert commands.execute("") == ""
    assert commands.execute("   ") == ""


# -- option groups ---------------------------------------------------------------------------------------

def test_options_in_any_order(commands):
    expected = {"remote": "77.1.1.1", "local": "77.1.1.2", "identity": "a@b", "template": "1", "remote_port": "4500"}
    for line in ["sim session up remote 77.1.1.1 local 77.1.1.2 identity a@b template 1 remote-port 4500",
                 "sim session up remote 77.1.1.1 remote-port 4500 template 1 identity a@b local 77.1.1.2"]:
        args = args_of(commands, line)
        assert {k: args[k] for k in expected} == expected


def test_a_required_option_is_needed_before_the_command_ends(commands):
    assert error_of(commands, "sim session up remote 77.1.1.1 identity a@b") == "% Incomplete command."


def test_an_option_given_twice_is_marked(commands):
    # (a second `local` would abbreviate `local-port`, still on offer, so `identity` shows it plainly)
    assert error_of(commands, "sim session up remote 1.1.1.1 local 2.2.2.2 identity a identity b") == (
        "sim session up remote 1.1.1.1 local 2.2.2.2 identity a identity b\n"
        "                                                       ^\n"
        "% Invalid input detected at '^' marker.")


def test_traffic_options_required_groups_and_alternatives(commands):
    args = args_of(commands, "sim traffic interface vi1 output packets 5 rate 1000000 protocol tcp size 100")
    assert {k: args[k] for k in ("interface", "output", "packets", "rate", "protocol", "size")} == {
        "interface": "Virtual-Access1", "output": "True", "packets": "5", "rate": "1000000",
        "protocol": "tcp", "size": "100"}
    args = args_of(commands, "sim traffic interface vi1 input size 1500 rate 3000000 dur 10")
    assert args["duration"] == "10" and "packets" not in args


def test_traffic_duration_and_packets_exclude_each_other(commands):
    line = "sim traffic interface vi1 input size 1500 rate 1000 packets 5 duration 3"
    with pytest.raises(InvalidInput) as info:
        commands.execute(line)
    assert info.value.column == line.index("duration")


@pytest.mark.parametrize("line", [
    "sim traffic interface vi1 input size 1500 rate 1000",        # neither duration nor packets
    "sim traffic interface vi1 input size 1500 packets 5",        # no rate
    "sim traffic interface vi1 input rate 1000 duration 1",       # no size
    "sim traffic interface vi1 input",
])
def test_traffic_required_options(commands, line):
    with pytest.raises(IncompleteCommand):
        commands.execute(line)


def test_traffic_direction_is_required_and_comes_first(commands):
    with pytest.raises(InvalidInput) as info:
        commands.execute("sim traffic interface vi1 size 1500 rate 1000 packets 5")
    assert info.value.column == len("sim traffic interface vi1 ")


def test_bad_syntax_is_refused_at_registration():
    commands = CommandSet()
    for syntax in ["show [a", "show {WORD:x | b}", "WORD", "Show run", "show (a|)", "show! run",
                   "show {a b! | c}", "show [a|b]!", "show {[a|b] | c}", ""]:
        with pytest.raises(ValueError):
            commands.add(syntax, lambda a: "")


# -- IOS's error layouts ------------------------------------------------------------------------------

def test_invalid_input_echoes_the_line_then_the_caret_under_the_bad_token(commands):
    assert error_of(commands, "show polcy-map") == (
        "show polcy-map\n"
        "     ^\n"
        "% Invalid input detected at '^' marker.")


def test_at_a_terminal_the_caret_counts_the_prompt_and_the_line_is_not_echoed(commands):
    assert error_of(commands, "sh pol int vi1 sideways", prompt="hub#") == (
        "                   ^\n"
        "% Invalid input detected at '^' marker.")


@pytest.mark.parametrize("line, column", [
    ("bogus", 0),
    ("show policy-map interface Virtual-Access1 in extra", 45),
    ("clear crypto session remote 1.2.3.256", 28),
    ("sim session up remote 1.1.1.1 local 2.2.2.2 template 4096", 53),
    ("sim session up remote 1.1.1.1 local 2.2.2.2 template x", 53),
    ("show policy-map interface vi one", 29),
    ("show running-config | bogus x", 22),
])
def test_the_caret_marks_the_first_bad_token(commands, line, column):
    with pytest.raises(InvalidInput) as info:
        commands.execute(line)
    assert info.value.column == column


def test_incomplete(commands):
    assert error_of(commands, "show policy-map interface") == "% Incomplete command."
    assert error_of(commands, "clear crypto") == "% Incomplete command."


def test_ambiguous_names_the_whole_line_with_ios_two_spaces(commands):
    assert error_of(commands, "s run") == '% Ambiguous command:  "s run"'   # show, sim, send
    assert error_of(commands, "  s  run ") == '% Ambiguous command:  "s  run"'


def test_ambiguity_is_reported_before_later_errors():
    commands = CommandSet()
    commands.add("show policy-map", lambda a: "")
    commands.add("show platform", lambda a: "")
    with pytest.raises(AmbiguousCommand) as info:
        commands.execute("sh p bogus")
    assert str(info.value) == 'Ambiguous command:  "sh p bogus"'


# -- `?` help ------------------------------------------------------------------------------------------

def test_help_after_a_space_lists_next_tokens_in_ios_order(commands):
    assert commands.help("show policy-map ") == [
        ("WORD", "policy-map name"), ("interface", "Show Qos Policy on interface"),
        ("|", "Output modifiers"), ("<cr>", "<cr>")]
    assert render_help("show policy-map ", commands.help("show policy-map ")) == (
        "  WORD       policy-map name\n"
        "  interface  Show Qos Policy on interface\n"
        "  |          Output modifiers\n"
        "  <cr>       <cr>")


def test_help_at_the_start_lists_the_commands_with_shared_keyword_help(commands):
    rows = dict(commands.help(""))
    assert rows["show"] == "Show running system information"
    assert rows["sim"] == "Simulate sessions and traffic"
    assert "<cr>" not in rows


def test_help_for_placeholders_and_a_command_that_cannot_end_yet(commands):
    assert commands.help("clear crypto session remote ") == [("A.B.C.D", "IP address of the remote peer")]
    rows = dict(commands.help("sim session up remote 1.1.1.1 "))
    assert rows["local"] == "The headend's IKE address" and "<cr>" not in rows   # `local` is required
    rows = dict(commands.help("sim session up remote 1.1.1.1 local 2.2.2.2 "))
    assert "local" not in rows and "<cr>" in rows and "template" in rows
    assert commands.help("sim session up remote 1.1.1.1 local 2.2.2.2 template ") == [("<1-4095>", "Number")]


def test_help_for_interfaces(commands):
    rows = dict(commands.help("show policy-map interface "))
    assert rows["Virtual-Access"] == "Virtual-Access interface" and "Tunnel" in rows
    assert commands.help("show policy-map interface vi ") == [("<0-4294967295>", "Virtual-Access interface number")]
    assert [t for t, _ in commands.help("show policy-map interface Vi1 ")] == ["input", "output", "|", "<cr>"]


def test_help_inside_a_word_lists_its_completions(commands):
    assert commands.help("sh") == [("show", "")]
    assert commands.help("s") == [("send", ""), ("show", ""), ("sim", "")]
    assert render_help("s", commands.help("s")) == "send  show  sim  "
    assert commands.help("sim session up remote 1.1.1.1 lo") == [("local", ""), ("local-port", "")]
    assert commands.help("show policy-map interface V") == [("Virtual-Access", ""), ("Virtual-Template", "")]


def test_help_refusals(commands):
    with pytest.raises(UnrecognizedCommand):
        commands.help("show zz")
    with pytest.raises(InvalidInput) as info:
        commands.help("show zz ")
    assert format_error(info.value, "hub#") == "         ^\n% Invalid input detected at '^' marker."
    with pytest.raises(AmbiguousCommand):
        commands.help("s r ")


def test_help_after_a_pipe(commands):
    assert [t for t, _ in commands.help("show running-config | ")] == [
        "begin", "count", "exclude", "include", "section"]
    assert commands.help("show running-config | inc ") == [("LINE", "Regular Expression")]
    assert commands.help("show running-config | e") == [("exclude", "")]
    assert commands.help("show running-config | include a | ") == [("<cr>", "<cr>")]   # all regex
    assert commands.complete("show running-config | include a | ") == []
    with pytest.raises(IncompleteCommand):   # a modifier needs a command that can run first
        commands.help("show policy-map interface | ")


# -- Tab completion ----------------------------------------------------------------------------------

def test_completion(commands):
    assert set(commands.complete("")) == {"show", "clear", "sim", "debug", "undebug", "send", "test"}
    assert commands.complete("sh") == ["show"]
    assert commands.complete("SH") == ["show"]
    assert commands.complete("sh pol") == ["policy-map"]
    assert commands.complete("sh pol int Vi") == ["Virtual-Access", "Virtual-Template"]
    assert commands.complete("sh pol int vi1 ") == ["input", "output"]
    assert commands.complete("sim session up remote 1.1.1.1 local 2.2.2.2 l") == ["local-port"]
    assert commands.complete("show running-config | in") == ["include"]
    assert commands.complete("show running-config |") == []
    assert commands.complete("bogus ") == []
    assert commands.complete("s r") == []   # an ambiguous prefix: nothing to offer, no exception


# -- output modifiers -------------------------------------------------------------------------------------

def test_include_exclude_begin_section_count(commands):
    assert commands.execute("show running-config | include police") == "  police cir 2000000\n"
    assert commands.execute("sh run | i ^interface|^hostname") == \
        "hostname hub\ninterface Virtual-Template1 type tunnel\n"
    assert "!" not in commands.execute("show run | exclude !")
    assert commands.execute("show run | begin ^interface") == (
        "interface Virtual-Template1 type tunnel\n service-policy input POLICE-IN\n!\nend\n")
    assert commands.execute("show run | section policy-map") == (
        "policy-map POLICE-IN\n class class-default\n  police cir 2000000\n"
        "   conform-action transmit\n   exceed-action drop\n")
    assert commands.execute("show run | count action") == "Number of lines which match regexp = 2\n"
    assert commands.execute("show run | include nothing-matches") == ""


def test_a_regex_keeps_its_spaces_and_bars(commands):
    assert commands.execute("show run | include service-policy input") == " service-policy input POLICE-IN\n"
    assert commands.execute("show run | include hostname | end") == "hostname hub\n"   # `hostname ` or ` end`
    assert commands.execute("show run | include hostname|end") == "hostname hub\nend\n"


def test_a_bad_modifier_does_not_run_the_command():
    ran = []
    commands = CommandSet()
    commands.add("clear counters", lambda args: ran.append(1) or "")
    for line in ["clear counters | bogus x", "clear counters | include", "clear counters | include ("]:
        with pytest.raises(ExecError):
            commands.execute(line)
    assert ran == []
    with pytest.raises(InvalidInput):
        commands.execute("| include x")


def test_running_config_is_untouched_without_a_modifier(commands):
    assert commands.execute("show running-config") == RUNNING_CONFIG
