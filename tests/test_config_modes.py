"""The configuration modes as command tables: ModeKind and its prompts, keyword abbreviation in
config modes as in IOS, `?` and Tab listing the current mode's own commands, and the engine's
WORD... tail the tables hand to the token-level readers."""
import pytest

from qfp_model.control.config import ConfigSession, load_default, parse_config
from qfp_model.control.config.modes.kinds import ModeKind
from qfp_model.control.errors import ConfigError, ExecError
from qfp_model.control.grammar.engine import CommandSet, ParamType
from qfp_model.control.headend import Headend


def session():
    return ConfigSession(load_default().config)


def words(rows):
    return [token for token, _ in rows]


def test_mode_kinds_carry_ios_prompts():
    assert ModeKind.ACL_EXTENDED.prompt == "config-ext-nacl"
    assert ModeKind.POLICE.prompt == "config-pmap-c-police"
    assert ModeKind.DYNAMIC_AUTHOR.prompt == "config-locsvr-da-radius"
    assert ModeKind.TEMPLATE.keeps_lines and not ModeKind.POLICY_MAP.keeps_lines
    s = session()
    s.feed("policy-map pol")
    s.feed("class class-default")
    assert s.kind is ModeKind.POLICY_CLASS and s.mode == "config-pmap-c"


def test_keywords_abbreviate_in_config_modes():
    s = session()
    s.feed("ip access-l ext FOO")
    assert s.kind is ModeKind.ACL_EXTENDED
    s.feed("per tcp any any eq 22")
    s.feed("den ip any any")
    acl = s.config.access_lists["FOO"]
    assert [(e.seq, e.ace.permit) for e in acl.aces()] == [(10, True), (20, False)]
    s.feed("pol FOO-POL")
    assert s.kind is ModeKind.POLICY_MAP
    s.feed("cla class-default")
    s.feed("pol cir 64000")
    s.feed("conf set-dscp-transmit ef")
    s.feed("exi")
    assert s.kind is ModeKind.POLICY_CLASS
    police = s.config.policy_maps["FOO-POL"].classes[0].police
    assert police.cir == 64000 and police.conform.kind == "set-dscp-transmit"
    s.feed("aaa server rad dynamic-author")
    s.feed("po 3799")
    assert s.config.dynamic_author.port == 3799
    s.feed("en")
    assert s.ended


def test_an_abbreviated_error_keeps_its_caret_and_message():
    s = session()
    s.feed("ip access-l ext FOO")
    with pytest.raises(ConfigError) as info:
        s.feed("per tcp any any eq wwww")
    assert (info.value.column, info.value.reason) == (19, "port 'wwww' is not a number or a tcp port name")


def test_an_unindented_file_keeps_class_a_policy_map_line():
    cfg = parse_config("class-map C\n match any\npolicy-map P\nclass C\nset dscp ef\n", "t.cfg").config
    assert [c.name for c in cfg.policy_maps["P"].classes] == ["C"]
    assert cfg.policy_maps["P"].classes[0].set_dscp == 46


def test_question_mark_lists_the_current_modes_commands():
    s = session()
    top = words(s.help(""))
    assert {"hostname", "ip", "class-map", "policy-map", "interface", "no", "exit", "end"} <= set(top)
    s.feed("ip access-list extended HUB-OUT")
    assert words(s.help("")) == ["<1-2147483647>", "deny", "end", "exit", "no", "permit", "remark"]
    assert words(s.help("re")) == ["remark"]
    s.feed("exit")
    s.feed("aaa server radius dynamic-author")
    assert {"client", "server-key", "port", "auth-type", "ignore", "require"} <= set(words(s.help("")))
    assert s.complete("cl") == ["client"]


def test_a_terminal_answers_question_mark_from_its_config_mode():
    terminal = Headend.from_config_file(None).open_terminal()
    assert terminal.help("") and "configure" in words(terminal.help(""))
    terminal.execute("configure terminal")
    assert "hostname" in words(terminal.help(""))
    assert "configure" not in words(terminal.help(""))
    assert "show" in words(terminal.help("do "))
    terminal.execute("policy-map P")
    assert words(terminal.help("")) == ["class", "description", "end", "exit", "no"]
    assert terminal.complete("cl") == ["class"]


def test_rest_of_line_tail_takes_words_other_commands_would_take():
    table = CommandSet(modifiers=False, types={"N": ParamType("<0-9>", "Digit", lambda t: t if t.isdigit() else None)})
    table.add("crypto ikev2 profile WORD...:rest", lambda args: "profile")
    table.add("crypto WORD...:rest", lambda args: "kept")
    table.add("seq N:n", lambda args: "seq")
    (command, args), = table.matches("crypto ikev2 keyring K")
    assert command.syntax == "crypto WORD...:rest" and args["rest"] == ("ikev2", "keyring", "K")
    assert [t.col for t in args["rest"]] == [7, 13, 21]
    found = table.matches("crypto ikev2 profile P")
    assert [c.syntax for c, _ in found] == ["crypto ikev2 profile WORD...:rest", "crypto WORD...:rest"]
    assert table.matches("crypto")[0][1] == {"crypto": True}        # the tail may be empty
    assert table.matches("seq 7")[0][1]["n"] == "7"
    with pytest.raises(ExecError):
        table.matches("seq x")
    with pytest.raises(ExecError):
        table.matches("cry ikev2 profile P", abbreviate=False)
    assert words(table.help("crypto ikev2 profile ")) == ["WORD", "<cr>"]


# ---- limits the fast path has, met at the configuration line (issue 11) ----------------------------

def test_a_policy_map_name_longer_than_the_fast_path_holds_is_refused_at_its_line():
    from qfp_model.control.config import ConfigErrors, parse_config

    long = "P" * 48
    with pytest.raises(ConfigErrors) as refused:
        parse_config(f"policy-map {long}\n class class-default\n  police 8000\n", filename="x.cfg")
    (error,) = refused.value.errors
    assert (error.line, error.column) == (1, 11) and "longer than 47 characters" in error.reason


def test_a_policy_map_with_more_classes_than_the_fast_path_holds_is_refused_at_the_class():
    from qfp_model.control.config import ConfigErrors, parse_config

    lines = [f"class-map match-any C{n}\n match any\n" for n in range(300)]
    lines.append("policy-map BIG\n")
    lines += [f" class C{n}\n  set dscp ef\n" for n in range(300)]
    with pytest.raises(ConfigErrors) as refused:
        parse_config("".join(lines), filename="big.cfg")
    first = refused.value.errors[0]
    assert "has 255 classes; the fast path holds 255 and class-default" in first.reason
    assert first.text.strip() == "class C255"
