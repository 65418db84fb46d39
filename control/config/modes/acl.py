"""Access lists: `ip access-list extended|standard NAME` and its mode (ACEs, remarks, sequence
numbers, `no` forms), and the numbered `access-list N ...` lines of global mode."""
from __future__ import annotations

from ...grammar.engine import CommandSet
from .. import model as M
from .. import syntax as S
from ..syntax import Bad, Cursor, Tok
from .context import COMMON_HELP, Context, Line, Mode, expected, mode_table
from .kinds import ModeKind

_HELP = {
    **COMMON_HELP,
    "access-list": "Add an access list entry", "extended": "Extended Access List",
    "standard": "Standard Access List", "permit": "Specify packets to forward",
    "deny": "Specify packets to reject", "remark": "Access list entry comment",
    "rest WORD...": "Access list name or number",
}
_ACE_HELP = {**_HELP, "rest WORD...": "The entry: protocol, source, destination, options"}


def kind_of(acl: M.AccessList) -> ModeKind:
    return ModeKind.ACL_EXTENDED if acl.extended else ModeKind.ACL_STANDARD


def _acl(ctx: Context, name: Tok, extended: bool) -> M.AccessList | None:
    kind = M.numbered_kind(name)
    want = "extended" if extended else "standard"
    if name.isdigit() and kind != want:
        raise Bad(name, f"bad {want} access-list number '{name}'")
    if not name.isdigit() and len(name) > M.T.NAME_MAX:
        raise Bad(name, f"access-list name '{name}' is longer than {M.T.NAME_MAX} characters")
    acl = ctx.config.access_lists.get(name)
    if acl is not None and acl.extended != extended:
        have = "extended" if acl.extended else "standard"
        raise Bad(name, f"access-list '{name}' is {have}, not {want}")
    return acl


def _ace(cur: Cursor, permit: bool, extended: bool, seq: int) -> M.AclEntry:
    ace, log = S.extended_ace(cur, permit) if extended else S.standard_ace(cur, permit)
    return M.AclEntry(seq, ace, log)


def _delete(ctx: Context, name: str) -> None:
    if name in ctx.config.access_lists:
        ctx.touch_acl(name)
        ctx.config.remove_access_list(name)


# ---- global mode ----

def _enter(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cur = ctx.rest(line, args)
    name = cur.take("access-list name")
    cur.finish()
    extended = "extended" in args
    acl = _acl(ctx, name, extended) or ctx.add(ctx.config.add_access_list, M.AccessList(str(name), extended))
    ctx.touch_acl(acl.name)
    ctx.push(kind_of(acl), acl)


def _numbered_line(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cur = ctx.rest(line, args)
    number = cur.take("access-list number")
    kind = M.numbered_kind(number)
    if kind is None:
        raise Bad(number, f"bad access-list number '{number}'")
    extended = kind == "extended"
    acl = _acl(ctx, number, extended)
    if cur.take_if("remark"):
        entry = M.AclEntry(None, remark=cur.rest(line.text))
    else:
        action = cur.take("permit or deny")
        if action.lower() not in ("permit", "deny"):
            raise Bad(action, f"unknown command '{action}'")
        entry = _ace(cur, action.lower() == "permit", extended, acl.next_seq() if acl else 10)
    if acl is None:
        acl = ctx.add(ctx.config.add_access_list, M.AccessList(str(number), extended))
    ctx.touch_acl(acl.name)
    acl.insert(entry) if entry.ace is not None else acl.entries.append(entry)


def _delete_named(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cur = ctx.rest(line, args)
    name = cur.take("access-list name")
    cur.finish()
    _delete(ctx, str(name))


def _delete_numbered(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    """`no access-list N`, and `no access-list N permit|deny|remark ...`: IOS deletes the whole list
    either way (its configuration guides warn of it; single entries go by `no SEQ` in `ip
    access-list extended N`). The words after the number are read, so a bad one is refused."""
    cur = ctx.rest(line, args)
    name = cur.take("access-list number")
    kind = M.numbered_kind(name)
    if kind is None:
        raise Bad(name, f"bad access-list number '{name}'")
    action = cur.take_if("permit", "deny", "remark")
    if action is None:
        cur.finish()
    elif action.lower() != "remark":      # a remark's words are free text
        _ace(cur, action.lower() == "permit", kind == "extended", 0)
        cur.finish()
    _delete(ctx, str(name))


def register_global(table: CommandSet) -> None:
    table.add("ip access-list (extended | standard) WORD...:rest", _enter,
              {**_HELP, "ip": "Global IP configuration subcommands", "access-list": "Named access list"})
    table.add("access-list WORD...:rest", _numbered_line, _HELP)
    table.add("no ip access-list (extended | standard) WORD...:rest", _delete_named, _HELP)
    table.add("no access-list WORD...:rest", _delete_numbered, _HELP)


# ---- ip access-list mode ----

def _sequence(acl: M.AccessList, args: dict) -> int | None:
    """The line's sequence number, checked; None when it has none."""
    tok = args.get("seq")
    if tok is None:
        return None
    seq = S.integer(tok, "sequence number", 1, 2147483647)
    if acl.entry(seq) is not None:
        raise Bad(tok, f"duplicate sequence number {seq}")
    return seq


def _entry(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    seq = _sequence(acl, args)
    entry = _ace(ctx.rest(line, args), "permit" in args, acl.extended, seq if seq is not None else acl.next_seq())
    ctx.touch_acl(acl.name)
    acl.insert(entry)


def _remark(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    _sequence(acl, args)
    ctx.touch_acl(acl.name)
    acl.entries.append(M.AclEntry(None, remark=ctx.rest(line, args).rest(line.text)))


def _not_an_entry(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    _sequence(mode.obj, args)
    rest = args.get("rest", ())
    raise Bad(rest[0] if rest else None, "permit, deny or remark expected")


def _no_sequence(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    """`no 20`, or `no 20 permit ...` as `show running-config` prints the entry: IOS removes the
    entry by its number (the words after it are read, so a bad one is refused, not compared)."""
    acl: M.AccessList = mode.obj
    tok = args["seq"]
    cur = ctx.rest(line, args)
    action = cur.take_if("permit", "deny")
    if action is not None:
        _ace(cur, action.lower() == "permit", acl.extended, 0)
    cur.finish()
    entry = acl.entry(int(tok))
    if entry is None:
        raise Bad(tok, f"no entry {tok} in access-list '{acl.name}'")
    _remove(ctx, acl, entry)


def _no_remark(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    text = ctx.rest(line, args).rest(line.text)
    _remove(ctx, acl, next((e for e in acl.entries if e.ace is None and e.remark == text), None))


def _no_entry(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    acl: M.AccessList = mode.obj
    probe = _ace(ctx.rest(line, args), "permit" in args, acl.extended, 0)
    _remove(ctx, acl, next((e for e in acl.aces() if (e.ace, e.log) == (probe.ace, probe.log)), None))


def _remove(ctx: Context, acl: M.AccessList, doomed: M.AclEntry | None) -> None:
    if doomed is not None:
        ctx.touch_acl(acl.name)
        acl.entries.remove(doomed)


TABLE = mode_table()
TABLE.add("[SEQ:seq] (permit | deny) WORD...:rest", _entry, _ACE_HELP)
TABLE.add("[SEQ:seq] remark WORD...:rest", _remark, {**_HELP, "rest WORD...": "Comment up to 100 characters"})
TABLE.add("SEQ:seq WORD...:rest", _not_an_entry, _HELP)
TABLE.add("no SEQ:seq WORD...:rest", _no_sequence, _HELP)
TABLE.add("no remark WORD...:rest", _no_remark, _HELP)
TABLE.add("no (permit | deny) WORD...:rest", _no_entry, _ACE_HELP)
TABLE.add("no", expected("sequence number, permit, deny or remark"), _HELP)
