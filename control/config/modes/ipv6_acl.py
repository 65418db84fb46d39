"""`ipv6 access-list NAME` and its mode: entries with `sequence N` before them (or after, as IOS
also takes them), IOS's automatic numbering (10 past the highest), remarks, and the `no` forms
(`no sequence N`, `no permit|deny ...`, `no remark ...`). The entry syntax is ipv6_syntax's.

IOS's other global `ipv6 access-list` commands (`log-update threshold`, `cache`, `role-based`)
are declined here, so global mode keeps them verbatim and lists them as not modeled."""
from __future__ import annotations

from ...grammar.engine import CommandSet
from .. import ipv6_syntax as S6
from .. import model as M
from .. import syntax as S
from ..syntax import Bad
from .context import COMMON_HELP, Context, Line, Mode, expected, mode_table
from .kinds import ModeKind

_HELP = {
    **COMMON_HELP,
    "ipv6": "IPv6 configuration commands", "access-list": "Configure access lists",
    "permit": "Specify packets to forward", "deny": "Specify packets to reject",
    "remark": "Access list entry comment", "sequence": "Sequence number for this entry",
    "rest WORD...": "User selected string identifying this access list",
}
_ACE_HELP = {**_HELP, "rest WORD...": "The entry: protocol, source, destination, options"}
# Global `ipv6 access-list` commands that are not a list's name.
_NOT_NAMES = frozenset({"log-update", "cache", "role-based", "fqdn", "match-local-traffic"})
SEQ_MAX = 4294967295


def _enter(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    cur = ctx.rest(line, args)
    name = cur.take("access-list name")
    if name.lower() in _NOT_NAMES:
        return False
    cur.finish()
    if len(name) > M.T.NAME_MAX:
        raise Bad(name, f"access-list name '{name}' is longer than {M.T.NAME_MAX} characters")
    acl = ctx.config.ipv6_access_lists.get(str(name)) or ctx.add(
        ctx.config.add_ipv6_access_list, M.AccessList(str(name), True, ipv6=True))
    ctx.touch_acl6(acl.name)
    ctx.push(ModeKind.IPV6_ACL, acl)
    return None


def _delete(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    cur = ctx.rest(line, args)
    name = cur.take("access-list name")
    if name.lower() in _NOT_NAMES:
        return False
    cur.finish()
    if name in ctx.config.ipv6_access_lists:
        ctx.touch_acl6(str(name))
        ctx.config.remove_ipv6_access_list(str(name))
    return None


def register_global(table: CommandSet) -> None:
    table.add("ipv6 access-list WORD...:rest", _enter, _HELP)
    table.add("no ipv6 access-list WORD...:rest", _delete, _HELP)


# ---- ipv6 access-list mode ----

def _sequence(acl: M.AccessList, tok) -> int | None:
    if tok is None:
        return None
    seq = S.integer(tok, "sequence number", 1, SEQ_MAX)
    if acl.entry(seq) is not None:
        raise Bad(tok, f"duplicate sequence number {seq}")
    return seq


def _entry(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    lead = args.get("seq")
    cur = ctx.rest(line, args)
    ace, log, trailing = S6.ipv6_ace(cur, "permit" in args)
    if lead is not None and trailing is not None:
        raise Bad(cur.tokens[-1], "sequence given twice")
    seq = _sequence(acl, lead) if lead is not None else None
    if trailing is not None:
        if acl.entry(trailing) is not None:
            raise Bad(cur.tokens[-1], f"duplicate sequence number {trailing}")
        seq = trailing
    ctx.touch_acl6(acl.name)
    acl.insert(M.AclEntry(seq if seq is not None else acl.next_seq(), ace, log))


def _remark(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    _sequence(acl, args.get("seq"))
    ctx.touch_acl6(acl.name)
    acl.entries.append(M.AclEntry(None, remark=ctx.rest(line, args).rest(line.text)))


def _no_sequence(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    """`no sequence 20`, or `no sequence 20 permit ...` as the running-config prints it: IOS removes
    the entry by its number (the words after it are read, so a bad one is refused)."""
    acl: M.AccessList = mode.obj
    tok = args["seq"]
    cur = ctx.rest(line, args)
    action = cur.take_if("permit", "deny")
    if action is not None:
        S6.ipv6_ace(cur, action.lower() == "permit")
    cur.finish()
    seq = S.integer(tok, "sequence number", 1, SEQ_MAX)
    entry = acl.entry(seq)
    if entry is None:
        raise Bad(tok, f"no entry {seq} in access-list '{acl.name}'")
    _remove(ctx, acl, entry)


def _no_entry(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    ace, log, _ = S6.ipv6_ace(ctx.rest(line, args), "permit" in args)
    _remove(ctx, acl, next((e for e in acl.aces() if (e.ace, e.log) == (ace, log)), None))


def _no_remark(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    text = ctx.rest(line, args).rest(line.text)
    _remove(ctx, acl, next((e for e in acl.entries if e.ace is None and e.remark == text), None))


def _remove(ctx: Context, acl: M.AccessList, doomed: M.AclEntry | None) -> None:
    if doomed is not None:
        ctx.touch_acl6(acl.name)
        acl.entries.remove(doomed)


TABLE = mode_table()
TABLE.add("[sequence SEQ:seq] (permit | deny) WORD...:rest", _entry, _ACE_HELP)
TABLE.add("[sequence SEQ:seq] remark WORD...:rest", _remark,
          {**_HELP, "rest WORD...": "Comment up to 100 characters"})
TABLE.add("no sequence SEQ:seq [WORD...:rest]", _no_sequence, _HELP)
TABLE.add("no remark WORD...:rest", _no_remark, _HELP)
TABLE.add("no (permit | deny) WORD...:rest", _no_entry, _ACE_HELP)
TABLE.add("no", expected("sequence, permit, deny or remark"), _HELP)
