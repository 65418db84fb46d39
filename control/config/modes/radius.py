"""RADIUS servers and AAA method lists: `radius server NAME` and its lines, `aaa group server radius
NAME`, `aaa authorization network` and `aaa accounting network` method lists, `aaa accounting
update`, and the `radius-server dead-criteria|deadtime|timeout|retransmit` globals.

Forms IOS has and the model does not (`aaa authorization network X local group G`: local first;
`broadcast` accounting; `address ipv6`; a `key 6` AES key; `jitter`) are declined, so that they are
kept verbatim as other commands the device does not model are. Like the parser's other aaa lines,
none of these requires `aaa new-model` first. A group's `server name`, a method list's `group` and a
profile's method list may name what is configured later in a file, or never: IOS accepts each (the
request fails, or falls to the next method, when it is made), and the parser warns at the end of a
file (references.py).
"""
from __future__ import annotations

from ...grammar.engine import CommandSet
from .. import model as M
from .. import syntax as S
from ..syntax import Bad, Cursor, Tok
from .context import COMMON_HELP, Context, Line, Mode, expected, mode_table
from .kinds import ModeKind

_HELP = {
    **COMMON_HELP,
    "radius": "Server-group of RADIUS servers", "server": "Configure RADIUS server",
    "radius-server": "Modify RADIUS query parameters", "aaa": "Authentication, Authorization and Accounting.",
    "group": "AAA group definitions", "authorization": "For network services.",
    "accounting": "Accounting configurations parameters.", "network": "For network services.",
    "update": "Enable accounting update records", "dead-criteria": "Set the criteria used to decide "
    "when a radius server is marked dead", "deadtime": "Time to stop using a server that does not respond",
    "timeout": "Time to wait for a RADIUS server to reply",
    "retransmit": "Specify the number of retries to active server",
    "address": "Specify the radius server address", "ipv4": "IPv4 Address",
    "key": "Per-server encryption key", "name": "Name of radius server", "ip": "Internet Protocol config commands",
    "vrf": "VPN Routing/Forwarding parameters", "forwarding": "Configure forwarding table",
}


def _end_tok(line: Line) -> Tok:
    return Tok("", len(line.text))


def _keyword(tok: Tok | None, *choices: str) -> str | None:
    """The one of `choices` the token is, typed in full or abbreviated as IOS allows (a prefix of
    one choice only); None if none."""
    if tok is None:
        return None
    word = tok.lower()
    found = [c for c in choices if c.startswith(word)]
    return word if word in choices else (found[0] if len(found) == 1 else None)


def _drop_kept(ctx: Context, prefix: str) -> None:
    """Remove the verbatim blocks whose first line starts with `prefix` (as words): a command now
    modeled, or declined, replaces what an earlier form of it left."""
    words = prefix.split()
    for block in ctx.config.unmodeled_blocks():
        if block.lines[0].split()[:len(words)] == words:
            ctx.config.remove_unmodeled(block)


def _changed(ctx: Context) -> None:
    ctx.changes.aaa = True


# ---- radius server NAME ----

def _enter_server(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    name = ctx.word(line, args, "server name")
    server = ctx.config.radius_servers.get(name) or ctx.add(ctx.config.add_radius_server,
                                                           M.RadiusServer(str(name)))
    _changed(ctx)
    ctx.push(ModeKind.RADIUS_SERVER, server)


def _delete_server(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    name = ctx.word(line, args, "server name")
    ctx.config.remove_radius_server(str(name))
    _changed(ctx)


def _address(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    """`address ipv4 A.B.C.D|HOST [auth-port P] [acct-port P]`; an omitted port is IOS's default."""
    server: M.RadiusServer = mode.obj
    if "no" in args:
        server.address, server.auth_port, server.acct_port = None, M.RADIUS_AUTH_PORT, M.RADIUS_ACCT_PORT
        _changed(ctx)
        return
    cur = ctx.rest(line, args)
    addr = cur.take("address")
    if S.looks_like_address(addr) or addr[:1].isdigit():
        S.address(addr)      # a host name may not start with a digit
    ports: dict[str, int] = {}
    while not cur.done():
        word = cur.take("auth-port or acct-port")
        key = _keyword(word, "auth-port", "acct-port")
        if key is None:
            raise Bad(word, f"unexpected '{word}' (auth-port or acct-port)")
        if key in ports:
            raise Bad(word, f"{key} given twice")
        ports[key] = S.integer(cur.take("port"), "port", 0, 65535)
    server.address = str(addr)
    server.auth_port = ports.get("auth-port", M.RADIUS_AUTH_PORT)
    server.acct_port = ports.get("acct-port", M.RADIUS_ACCT_PORT)
    _changed(ctx)


def _key(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    server: M.RadiusServer = mode.obj
    cur = ctx.rest(line, args)
    if "no" in args:
        server.key = None
    else:
        if cur.peek() == "6" and cur.peek(1) is not None:
            return False         # an AES (type 6) key: kept as typed, not modeled
        server.key = S.secret(cur)
        cur.finish()
    _changed(ctx)
    return None


def _number_line(attr: str, what: str, lo: int, hi: int):
    """A handler for `[no] WORD N` setting `attr` of the mode's object."""
    def handler(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
        cur = ctx.rest(line, args)
        if "no" in args:
            value = None
        else:
            value = S.integer(cur.take(what), what, lo, hi)
            cur.finish()
        setattr(mode.obj, attr, value)
        _changed(ctx)
    return handler


def keep_server_line(ctx: Context, mode: Mode, line: Line) -> None:
    """A `radius server` line the device does not model (`automate-tester`, `pac key`): kept."""
    ctx.keep_other_line(mode.obj.other_lines, line)
    _changed(ctx)


RADIUS_SERVER = mode_table()
RADIUS_SERVER.add("[no] address ipv4 WORD...:rest", _address, _HELP)
RADIUS_SERVER.add("[no] key WORD...:rest", _key, _HELP)
RADIUS_SERVER.add("[no] timeout WORD...:rest", _number_line("timeout", "timeout", 1, 1000), _HELP)
RADIUS_SERVER.add("[no] retransmit WORD...:rest", _number_line("retransmit", "retransmit", 0, 100), _HELP)
RADIUS_SERVER.add("no", expected("command"), _HELP)


# ---- aaa group server radius NAME ----

def _enter_group(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    name = ctx.word(line, args, "server group name")
    group = ctx.config.radius_groups.get(name) or ctx.add(ctx.config.add_radius_group,
                                                         M.RadiusGroup(str(name)))
    _changed(ctx)
    ctx.push(ModeKind.RADIUS_GROUP, group)


def _delete_group(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    name = ctx.word(line, args, "server group name")
    ctx.config.remove_radius_group(str(name))
    _changed(ctx)


def _server_name(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    group: M.RadiusGroup = mode.obj
    name = ctx.word(line, args, "server name")
    if "no" in args:
        group.servers = [s for s in group.servers if s != name]
    elif name not in group.servers:
        group.servers.append(str(name))
        ctx.ref(("aaa", M.RADIUS_SERVER, str(name), f"aaa group server radius {group.name}"), name)
    _changed(ctx)


def keep_group_line(ctx: Context, mode: Mode, line: Line) -> None:
    """A server group line the device does not model (`ip radius source-interface`): kept."""
    ctx.keep_other_line(mode.obj.other_lines, line)
    _changed(ctx)


def _group_ip(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    # The group's own `ip radius|vrf ...` lines, which global `ip radius`, `ip vrf` would otherwise
    # take at a terminal (`ip route` typed here still falls back to global mode, as on IOS).
    keep_group_line(ctx, mode, line)


_GROUP_HELP = {**_HELP, "radius": "RADIUS server-group configuration", "server": "Specify a RADIUS server",
               "deadtime": "Specify time in minutes to ignore an unresponsive server"}
RADIUS_GROUP = mode_table()
RADIUS_GROUP.add("[no] server name WORD...:rest", _server_name, _GROUP_HELP)
RADIUS_GROUP.add("[no] deadtime WORD...:rest", _number_line("deadtime", "deadtime", 0, 1440), _GROUP_HELP)
RADIUS_GROUP.add("[no] ip radius WORD...:rest", _group_ip, _GROUP_HELP)
RADIUS_GROUP.add("[no] ip vrf forwarding WORD...:rest", _group_ip, _GROUP_HELP)
RADIUS_GROUP.add("no", expected("command"), _GROUP_HELP)


# ---- method lists ----

def _methods(cur: Cursor, line: Line, local_ok: bool) -> tuple[list[str], bool] | None:
    """`group G ...` [local]; None for a form the model does not take (kept verbatim)."""
    groups: list[str] = []
    local = False
    while not cur.done():
        word = cur.take("method")
        key = _keyword(word, "group", "local") if local_ok else _keyword(word, "group")
        if key == "group":
            groups.append(str(cur.take("server group name")))
        elif key == "local" and local_ok:
            if not cur.done():
                return None      # local before a group: IOS's, not modeled
            local = True
        elif local_ok and word.lower() in ("none", "if-authenticated", "local-case", "cache", "krb5", "enable"):
            return None
        else:
            raise Bad(word, f"unexpected '{word}' (group or local)" if local_ok
                      else f"unexpected '{word}' (group)")
    if not groups and not local:
        raise Bad(_end_tok(line), "method expected")
    return groups, local


def _ref_groups(ctx: Context, kind: str, mlist: M.MethodList, cur: Cursor) -> None:
    for tok in cur.tokens[1:]:
        if tok in mlist.groups and tok not in M.BUILTIN_GROUPS:
            ctx.ref(("aaa", M.RADIUS_GROUP, str(tok), f"{kind} {mlist.name}"), tok)


def _authorization(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    cur = ctx.rest(line, args)
    name = cur.take("list name")
    prefix = f"{M.AUTHORIZATION_NETWORK} {name}"
    methods = _methods(cur, line, local_ok=True)
    ctx.config.remove_method_list(M.AUTHORIZATION_NETWORK, str(name))
    _changed(ctx)
    if methods is None:
        if not ctx.file_mode:
            _drop_kept(ctx, prefix)
        return False
    _drop_kept(ctx, prefix)
    mlist = M.MethodList(str(name), methods[0], methods[1])
    ctx.config.set_method_list(M.AUTHORIZATION_NETWORK, mlist, append=ctx.file_mode)
    _ref_groups(ctx, M.AUTHORIZATION_NETWORK, mlist, cur)
    return None


def _accounting(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    cur = ctx.rest(line, args)
    name = cur.take("list name")
    prefix = f"{M.ACCOUNTING_NETWORK} {name}"
    record_tok = cur.take("start-stop, stop-only or none")
    record = _keyword(record_tok, *M.ACCOUNTING_RECORDS)
    if record is None:
        raise Bad(record_tok, f"unexpected '{record_tok}' (start-stop, stop-only or none)")
    if _keyword(cur.peek(), "broadcast", "group") == "broadcast":
        ctx.config.remove_method_list(M.ACCOUNTING_NETWORK, str(name))
        if not ctx.file_mode:
            _drop_kept(ctx, prefix)
        _changed(ctx)
        return False
    if record == "none":
        cur.finish()
        groups: list[str] = []
    else:
        groups = _methods(cur, line, local_ok=False)[0]
    _drop_kept(ctx, prefix)
    mlist = M.MethodList(str(name), groups, record=record)
    ctx.config.set_method_list(M.ACCOUNTING_NETWORK, mlist, append=ctx.file_mode)
    _ref_groups(ctx, M.ACCOUNTING_NETWORK, mlist, cur)
    _changed(ctx)
    return None


def _delete_list(kind: str):
    def handler(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
        cur = ctx.rest(line, args)
        name = cur.take("list name")     # the methods after it, if typed, need not match
        ctx.config.remove_method_list(kind, str(name))
        _drop_kept(ctx, f"{kind} {name}")
        _changed(ctx)
    return handler


def _accounting_update(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    """`aaa accounting update [newinfo] [periodic N]` (N minutes, 1-71582); `jitter` is kept."""
    cur = ctx.rest(line, args)
    newinfo = _keyword(cur.peek(), "newinfo", "periodic") == "newinfo"
    if newinfo:
        cur.i += 1
    periodic = None
    if _keyword(cur.peek(), "periodic") is not None:
        cur.i += 1
        periodic = S.integer(cur.take("minutes"), "periodic interval", 1, 71582)
        if _keyword(cur.peek(), "jitter") is not None:
            return False
    if not newinfo and periodic is None:
        raise Bad(cur.peek() or _end_tok(line), "newinfo or periodic expected")
    cur.finish()
    ctx.config.set_accounting_update(periodic, newinfo, append=ctx.file_mode)
    _changed(ctx)
    return None


def _no_accounting_update(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    ctx.config.clear_accounting_update()
    _changed(ctx)


# ---- radius-server globals ----

def _dead_criteria(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    """`radius-server dead-criteria [time 1-120] [tries 1-100]`."""
    cur = ctx.rest(line, args)
    values: dict[str, int] = {}
    while not cur.done():
        word = cur.take("time or tries")
        key = _keyword(word, "time", "tries")
        if key is None:
            raise Bad(word, f"unexpected '{word}' (time or tries)")
        if key in values:
            raise Bad(word, f"{key} given twice")
        values[key] = S.integer(cur.take(key), key, 1, 120 if key == "time" else 100)
    ctx.config.set_radius_dead_criteria(values.get("time"), values.get("tries"), append=ctx.file_mode)
    _changed(ctx)


def _radius_global(kind: str, what: str, lo: int, hi: int):
    def handler(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
        cur = ctx.rest(line, args)
        value = S.integer(cur.take(what), what, lo, hi)
        cur.finish()
        ctx.config.set_radius_global(kind, value, append=ctx.file_mode)
        _changed(ctx)
    return handler


def _no_radius_global(kind: str):
    def handler(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
        if kind == M.RADIUS_DEAD_CRITERIA:
            ctx.config.clear_radius_dead_criteria()
        else:
            ctx.config.set_radius_global(kind, None)
        _changed(ctx)
    return handler


def register_global(table: CommandSet) -> None:
    # Other `aaa ...` and `radius-server ...` lines, and the forms declined here, are kept verbatim (top.py).
    table.add("radius server WORD...:rest", _enter_server, _HELP)
    table.add("no radius server WORD...:rest", _delete_server, _HELP)
    table.add("aaa group server radius WORD...:rest", _enter_group, _HELP)
    table.add("no aaa group server radius WORD...:rest", _delete_group, _HELP)
    table.add("aaa authorization network WORD...:rest", _authorization, _HELP)
    table.add("no aaa authorization network WORD...:rest", _delete_list(M.AUTHORIZATION_NETWORK), _HELP)
    table.add("aaa accounting network WORD...:rest", _accounting, _HELP)
    table.add("no aaa accounting network WORD...:rest", _delete_list(M.ACCOUNTING_NETWORK), _HELP)
    table.add("aaa accounting update WORD...:rest", _accounting_update, _HELP)
    table.add("no aaa accounting update WORD...:rest", _no_accounting_update, _HELP)
    table.add("radius-server dead-criteria WORD...:rest", _dead_criteria, _HELP)
    for kind, word, lo, hi in ((M.RADIUS_DEADTIME, "deadtime", 1, 1440), (M.RADIUS_TIMEOUT_LINE, "timeout", 1, 1000),
                               (M.RADIUS_RETRANSMIT_LINE, "retransmit", 0, 100)):
        table.add(f"radius-server {word} WORD...:rest", _radius_global(kind, word, lo, hi), _HELP)
    for kind in M.RADIUS_GLOBALS:
        table.add(f"no {kind} WORD...:rest", _no_radius_global(kind), _HELP)
