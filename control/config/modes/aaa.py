"""AAA: `aaa server radius dynamic-author` (the CoA server: clients, keys, port, auth-type, ignore,
require) and `crypto ikev2 profile`, whose `virtual-template` names the template sessions clone and
whose `aaa authorization group psk list` and `aaa accounting psk` name method lists (radius.py); its
other `aaa ...` lines (`aaa authorization group cert ...`, `aaa authorization user ...`) are kept."""
from __future__ import annotations

from ...grammar.engine import CommandSet
from .. import model as M
from .. import syntax as S
from ..syntax import Bad
from .context import COMMON_HELP, Context, Line, Mode, expected, mode_table
from .kinds import ModeKind

_HELP = {
    **COMMON_HELP,
    "aaa": "Authentication, Authorization and Accounting.", "server": "Local AAA server",
    "radius": "RADIUS server", "dynamic-author": "Local server profile for RFC 3576 support",
    "crypto": "Encryption module", "ikev2": "Configure IKEv2 Options", "profile": "Define IKEv2 Profiles",
    "virtual-template": "Specify the virtual-template for dynamic interface creation.",
    "client": "Specify a RADIUS client", "server-key": "Specify a RADIUS client server-key",
    "port": "Specify port on which local radius server listens",
    "auth-type": "Specify the server authorization type", "ignore": "Ignore options",
    "require": "Require options", "authorization": "AAA authorization parameters",
    "accounting": "AAA accounting parameters", "group": "AAA group authorization",
    "psk": "AAA psk method", "list": "AAA method list",
}


# ---- global mode ----

def _enter_dynamic_author(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    ctx.changes.dynamic_author = True
    ctx.push(ModeKind.DYNAMIC_AUTHOR, ctx.config.ensure_dynamic_author(append=ctx.file_mode))


def _delete_dynamic_author(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    ctx.config.remove_dynamic_author()
    ctx.changes.dynamic_author = True


def _enter_profile(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    name = ctx.word(line, args, "profile name")
    profile = ctx.config.ikev2_profiles.get(name) or ctx.add(ctx.config.add_ikev2_profile,
                                                             M.Ikev2Profile(str(name)))
    ctx.touch("ikev2_profiles", profile.name)
    ctx.push(ModeKind.IKEV2_PROFILE, profile)


def _delete_profile(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    name = ctx.word(line, args, "profile name")
    ctx.config.remove_ikev2_profile(str(name))
    ctx.touch("ikev2_profiles", str(name))


def register_global(table: CommandSet) -> None:
    # Any other `aaa ...` line, with more words, is kept verbatim (top.py).
    table.add("aaa server radius dynamic-author", _enter_dynamic_author, _HELP)
    table.add("no aaa server radius dynamic-author", _delete_dynamic_author, _HELP)
    table.add("crypto ikev2 profile WORD...:rest", _enter_profile, _HELP)
    table.add("no crypto ikev2 profile WORD...:rest", _delete_profile, _HELP)


# ---- crypto ikev2 profile mode ----

def _virtual_template(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    profile: M.Ikev2Profile = mode.obj
    if "no" in args:
        profile.virtual_template = None
    else:
        number = ctx.word(line, args, "Virtual-Template number")
        profile.virtual_template = S.integer(number, "Virtual-Template number", 1, 4095)
        ctx.ref(("profile-vt", profile.name), number)
    ctx.touch("ikev2_profiles", profile.name)


def _authorization_psk(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    """`aaa authorization group psk list LIST [NAME]`: the method list, and the user name to
    authorize (IOS's default: the peer's identity; `local` is kept as the name it is typed as);
    `no` with or without the names removes it. IOS's `name-mangler M` and `password P` forms are
    declined, so kept verbatim with the profile's other lines."""
    profile: M.Ikev2Profile = mode.obj
    cur = ctx.rest(line, args)
    if "no" in args:
        profile.aaa_authorization_psk = None
    else:
        mlist = cur.take("method list name")
        name = None if cur.done() else cur.take("user name")
        if not cur.done():
            profile.aaa_authorization_psk = None
            ctx.touch("ikev2_profiles", profile.name)
            return False
        profile.aaa_authorization_psk = (str(mlist), None if name is None else str(name))
        ctx.ref(("aaa", M.AUTHORIZATION_NETWORK, str(mlist), f"crypto ikev2 profile {profile.name}"), mlist)
    ctx.touch("ikev2_profiles", profile.name)
    return None


def _accounting_psk(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    """`aaa accounting psk LIST`."""
    profile: M.Ikev2Profile = mode.obj
    cur = ctx.rest(line, args)
    if "no" in args:
        profile.aaa_accounting_psk = None
    else:
        mlist = cur.take("method list name")
        cur.finish()
        profile.aaa_accounting_psk = str(mlist)
        ctx.ref(("aaa", M.ACCOUNTING_NETWORK, str(mlist), f"crypto ikev2 profile {profile.name}"), mlist)
    ctx.touch("ikev2_profiles", profile.name)


def _profile_aaa(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    # The profile's other aaa lines, which global `aaa ...` would otherwise take at a terminal
    # (a global aaa line typed here still falls back to global mode, as on IOS).
    keep_profile_line(ctx, mode, line)


def keep_profile_line(ctx: Context, mode: Mode, line: Line) -> None:
    """A profile line the device does not model (`match identity`, `authentication`): kept as typed."""
    profile: M.Ikev2Profile = mode.obj
    ctx.keep_other_line(profile.other_lines, line)
    ctx.touch("ikev2_profiles", profile.name)


IKEV2_PROFILE = mode_table()
IKEV2_PROFILE.add("[no] virtual-template WORD...:rest", _virtual_template, _HELP)
IKEV2_PROFILE.add("[no] aaa authorization group psk list WORD...:rest", _authorization_psk, _HELP)
IKEV2_PROFILE.add("[no] aaa accounting psk WORD...:rest", _accounting_psk, _HELP)
IKEV2_PROFILE.add("[no] aaa authorization (group | user) WORD...:rest", _profile_aaa, _HELP)
IKEV2_PROFILE.add("[no] aaa accounting (psk | cert | eap) WORD...:rest", _profile_aaa, _HELP)


# ---- aaa server radius dynamic-author mode ----

def _skip_rest(cur) -> None:
    cur.i = len(cur.tokens)


def _client(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    da: M.DynamicAuthor = mode.obj
    cur = ctx.rest(line, args)
    addr = cur.take("client address")
    if S.looks_like_address(addr) or addr[:1].isdigit():
        S.address(addr)     # a name may not start with a digit, so 10.1.1 is a bad address
    if "no" in args:
        _skip_rest(cur)     # `no client IP server-key KEY`: the whole line as printed
        da.clients = [c for c in da.clients if c.address != addr]
    else:
        vrf = str(cur.take("vrf name")) if cur.take_if("vrf") else None
        key = S.secret(cur) if cur.take_if("server-key") else None
        cur.finish()
        client = M.DynamicAuthorClient(str(addr), vrf, key)
        old = da.client(addr)
        if old is not None:
            da.clients[da.clients.index(old)] = client
        else:
            da.clients.append(client)
    ctx.changes.dynamic_author = True


def _server_key(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    da: M.DynamicAuthor = mode.obj
    cur = ctx.rest(line, args)
    if "no" in args:
        _skip_rest(cur)     # `no server-key 7 KEY`: IOS takes the line as it would print it
        da.server_key = None
    else:
        da.server_key = S.secret(cur)
    cur.finish()
    ctx.changes.dynamic_author = True


def _port(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    da: M.DynamicAuthor = mode.obj
    cur = ctx.rest(line, args)
    if "no" in args:
        if cur.peek() is not None:
            S.integer(cur.take("port"), "port", 1, 65535)    # `no port 3799`: any port, a valid one
        da.port = None
    else:
        da.port = S.integer(cur.take("port"), "port", 1, 65535)
    cur.finish()
    ctx.changes.dynamic_author = True


def _auth_type(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    da: M.DynamicAuthor = mode.obj
    cur = ctx.rest(line, args)
    if "no" in args and cur.peek() is None:
        da.auth_type = None
    else:
        kind = cur.take("auth-type")
        if kind.lower() not in ("any", "all", "session-key"):
            raise Bad(kind, f"bad auth-type '{kind}' (any, all or session-key)")
        da.auth_type = None if "no" in args else kind.lower()
    cur.finish()
    ctx.changes.dynamic_author = True


def _ignore(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    da: M.DynamicAuthor = mode.obj
    cur = ctx.rest(line, args)
    what = cur.take("session-key or server-key")
    if what.lower() not in ("session-key", "server-key"):
        raise Bad(what, f"bad ignore '{what}' (session-key or server-key)")
    cur.finish()
    setattr(da, "ignore_" + what.lower().replace("-", "_"), "no" not in args)
    ctx.changes.dynamic_author = True


def _require(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    da: M.DynamicAuthor = mode.obj
    cur = ctx.rest(line, args)
    what = cur.take("message-authenticator")
    if what.lower() != "message-authenticator":
        raise Bad(what, f"bad require '{what}' (message-authenticator)")
    cur.finish()
    da.require_message_authenticator = "no" not in args
    ctx.changes.dynamic_author = True


DYNAMIC_AUTHOR = mode_table()
DYNAMIC_AUTHOR.add("[no] client WORD...:rest", _client, _HELP)
DYNAMIC_AUTHOR.add("[no] server-key WORD...:rest", _server_key, _HELP)
DYNAMIC_AUTHOR.add("[no] port WORD...:rest", _port, _HELP)
DYNAMIC_AUTHOR.add("[no] auth-type WORD...:rest", _auth_type, _HELP)
DYNAMIC_AUTHOR.add("[no] ignore WORD...:rest", _ignore, _HELP)
DYNAMIC_AUTHOR.add("[no] require WORD...:rest", _require, _HELP)
DYNAMIC_AUTHOR.add("no", expected("command"), _HELP)
