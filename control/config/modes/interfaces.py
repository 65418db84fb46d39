"""`interface Virtual-Template N type tunnel`, the template IKEv2 clones sessions from: its
`service-policy` and `ip access-group` lines, and the rest of its lines kept as typed. Other
interfaces are blocks kept verbatim (top.py)."""
from __future__ import annotations

from ...grammar.engine import CommandSet
from .. import interface_lines
from .. import model as M
from .. import syntax as S
from ..syntax import Bad, Cursor, Tok
from .context import COMMON_HELP, Context, Line, Mode, mode_table
from .kinds import ModeKind

_HELP = {
    **COMMON_HELP,
    "interface": "Select an interface to configure", "service-policy": "Configure QoS Service Policy",
    "input": "Assign policy-map to the input of an interface",
    "output": "Assign policy-map to the output of an interface", "ip": "Interface Internet Protocol config commands",
    "access-group": "Specify access control for packets", "ipv6": "IPv6 interface subcommands",
    "traffic-filter": "Access control list for packets",
}


def _is_template(cur: Cursor) -> bool:
    tok = cur.peek()
    return tok is not None and tok.lower().startswith("virtual-template")


def _template_number(cur: Cursor) -> int:
    """`Virtual-TemplateN` or `Virtual-Template N`, then `type tunnel`, the cursor past the name."""
    tok = cur.tokens[cur.i - 1]
    digits = tok[len("virtual-template"):]
    number_tok = Tok(digits, tok.col + len("virtual-template")) if digits else cur.take("number")
    number = S.integer(number_tok, "Virtual-Template number", 1, 4095)
    if cur.take_if("type"):
        kind = cur.take("interface type")
        if kind.lower() != "tunnel":
            raise Bad(kind, f"Virtual-Template type '{kind}' is not modeled (only tunnel)")
    cur.finish()
    return number


def _enter(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    cur = ctx.rest(line, args)
    if not _is_template(cur):
        return False       # another interface: kept verbatim
    if [t.lower() for t in cur.tokens[-2:]] != ["type", "tunnel"] and not _existing(ctx, cur):
        return False       # a PPP template (not cloned by IKEv2): kept verbatim
    cur.i += 1
    number = _template_number(cur)
    vt = ctx.config.virtual_templates.get(number) or ctx.add(
        ctx.config.add_virtual_template, M.VirtualTemplate(number))
    ctx.touch("templates", number)
    ctx.push(ModeKind.TEMPLATE, vt)
    return None


def _existing(ctx: Context, cur: Cursor) -> bool:
    """`interface Virtual-Template1` naming a tunnel template already there: IOS enters it (the
    type is given once, when the template is made)."""
    words = [t.lower() for t in cur.tokens[cur.i:]]
    digits = words[0][len("virtual-template"):] if words else ""
    number = digits or (words[1] if len(words) == 2 else "")
    return len(words) == (1 if digits else 2) and number.isdigit() and \
        int(number) in ctx.config.virtual_templates


def _delete(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    cur = ctx.rest(line, args)
    if not _is_template(cur):
        return False
    cur.i += 1
    number = _template_number(cur)
    ctx.config.remove_virtual_template(number)
    ctx.touch("templates", number)
    return None


def register_global(table: CommandSet) -> None:
    table.add("interface WORD...:rest", _enter, _HELP)
    table.add("no interface WORD...:rest", _delete, _HELP)


def _service_policy(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    vt: M.VirtualTemplate = mode.obj
    direction = "input" if "input" in args else "output"
    attr = "service_policy_in" if direction == "input" else "service_policy_out"
    cur = ctx.rest(line, args)
    if "no" in args:
        cur.i += 1    # the name, if given, need not match (IOS removes the one there)
        cur.finish()
        setattr(vt, attr, None)
    else:
        name = cur.take("policy-map name")
        cur.finish()
        ctx.need_policy_map(name)
        if direction == "input" and ctx.config.policy_queues(name):
            # IOS queues output only: shape, bandwidth, priority and queue-limit refuse input.
            raise Bad(name, f"policy-map '{name}' has queueing actions (shape, bandwidth, priority, "
                            "queue-limit): queueing is not supported in the input direction")
        ctx.ref(("vt-policy", vt.number, direction), name)
        setattr(vt, attr, str(name))
    ctx.touch("templates", vt.number)


def _access_group(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    """`ip access-group NAME in|out`, and `ipv6 traffic-filter NAME in|out` (the IPv6 list)."""
    vt: M.VirtualTemplate = mode.obj
    ipv6 = "traffic_filter" in args
    negate = "no" in args
    cur = ctx.rest(line, args)
    name = cur.take("access-list name")
    if negate and name.lower() in ("in", "out"):
        direction = name
    else:
        direction = cur.take("in or out")
    if direction.lower() not in ("in", "out"):
        raise Bad(direction, f"'{direction}' is not in or out")
    cur.finish()
    attr = ("traffic_filter_" if ipv6 else "access_group_") + direction.lower()
    if negate:
        setattr(vt, attr, None)
    else:
        ctx.ref(("acl", "interface", vt.name + (" ipv6" if ipv6 else ""), str(name)), name)
        setattr(vt, attr, str(name))
    ctx.touch("templates", vt.number)


def refuse_word_count(line: Line) -> None:
    """IOS's refusal of an interface command with a value missing or words too many."""
    problem = interface_lines.word_count_problem(line.text)
    if problem is not None:
        at, why = problem
        raise Bad(None if at is None else line.tokens[at], why)


def keep_line(ctx: Context, mode: Mode, line: Line) -> None:
    """A template line the device does not model (`ip unnumbered`, `tunnel mode`): kept as typed."""
    vt: M.VirtualTemplate = mode.obj
    if ctx.file_mode:
        if interface_lines.is_interface_command(line.text):
            refuse_word_count(line)
        ctx.keep_other_line(vt.other_lines, line)
    else:
        if not interface_lines.is_interface_command(line.text):
            # Neither the template's nor global mode's: IOS's `% Invalid input`, as a CoA's
            # `ip:interface-config` with the same line is refused.
            words = list(line.tokens)
            for skip in ("no", "ip", "ipv6"):
                if len(words) > 1 and words[0].lower() in (skip, "ip", "ipv6"):
                    words = words[1:]
            raise Bad(words[0], f"unknown interface command '{line.text.strip()}'")
        refuse_word_count(line)
        if not line.tokens[0].lower() == "no":
            ctx.note_unmodeled(line, vt.name)
        interface_lines.edit(vt.other_lines, line.text)
    ctx.touch("templates", vt.number)


TABLE = mode_table()
TABLE.add("[no] service-policy (input | output) WORD...:rest", _service_policy, _HELP)
# `type qos` is the default type; IOS prints the line without it.
TABLE.add("[no] service-policy type qos (input | output) WORD...:rest", _service_policy,
          {**_HELP, "type": "Configure CPL Service Policy", "qos": "QoS service policy"})
TABLE.add("[no] ip access-group WORD...:rest", _access_group, _HELP)
TABLE.add("[no] ipv6 traffic-filter WORD...:rest", _access_group, _HELP)
