"""Exec commands of RADIUS dynamic authorization: `debug radius`, `debug aaa coa`, `undebug all`
(and `no debug all`), and `show aaa server radius dynamic-author` with its structured twin.

IOS has no public format for the show command; ours lists the server's settings, then each client
with every counter of control/radius/das.py (requests, replies, drops by reason, NAKs by
Error-Cause), then the sources that are not clients.
"""
from __future__ import annotations

import time

from ..aaa.service import DynamicAuthorService
from ..aaa.session_aaa import SessionAaa
from ..config.model import DYNAMIC_AUTHOR_AUTH_TYPE, DYNAMIC_AUTHOR_PORT, DynamicAuthor
from ..radius.das import COUNTERS
from ..radius.packet import ERROR_CAUSES
from ..radius.trace import COA, RADIUS
from ..show import aaa as aaa_show
from ..show import system

DEBUG_ON = {RADIUS: "Radius protocol debugging is on", COA: "AAA CoA debugging is on"}


def register(commands, service: DynamicAuthorService, config, session_aaa: SessionAaa | None = None,
             platform=None) -> None:
    """The commands over `service`; `config` is the running configuration whose dynamic-author
    settings the show command prints; `session_aaa`'s servers and sessions for `show aaa ...`;
    `platform` (control/exec/packet_trace.py's PlatformDebug) takes its part in `undebug all` and
    `show debugging`."""
    def debug(facility: str) -> str:
        service.debug.add(facility)
        return DEBUG_ON[facility] + "\n"

    def undebug(a: dict) -> str:
        service.debug.clear()
        if platform is not None:
            platform.undebug()
        return "All possible debugging has been turned off\n"

    def debugging(a: dict) -> str:
        text = system.render_debugging(system.debugging_data(service.debug, DEBUG_ON))
        return text + (platform.debugging_text() if platform is not None else "")

    commands.add("debug radius", lambda a: debug(RADIUS),
                 {"debug": "Debugging functions (see also 'undebug')", "radius": "RADIUS protocol"})
    commands.add("debug aaa coa", lambda a: debug(COA),
                 {"aaa": "AAA Authentication, Authorization and Accounting", "coa": "AAA CoA"})
    commands.add("undebug all", undebug,
                 {"undebug": "Disable debugging functions (see also 'debug')", "all": "Disable all debugging"})
    commands.add("no debug all", undebug, {"no": "Negate a command", "all": "Disable all debugging"})
    commands.add("show debugging", debugging,
                 {"debugging": "State of each debugging option"},
                 data=lambda a: system.debugging_data(service.debug, DEBUG_ON))
    commands.add("show aaa server radius dynamic-author",
                 lambda a: render_dynamic_author(dynamic_author_data(config.dynamic_author, service)),
                 {"aaa": "Show AAA values", "server": "AAA server", "radius": "RADIUS server",
                  "dynamic-author": "RADIUS dynamic authorization (RFC 5176) server"},
                 data=lambda a: dynamic_author_data(config.dynamic_author, service))
    if session_aaa is None:
        return

    def servers_data(a: dict) -> list[dict]:
        return aaa_show.aaa_servers_data(session_aaa.servers, time.monotonic())

    commands.add("show aaa servers", lambda a: aaa_show.render_aaa_servers(servers_data(a)),
                 {"servers": "All AAA servers as seen by AAA Server MIB"}, data=servers_data)

    def sessions_data(a: dict) -> list[dict]:
        return aaa_show.aaa_sessions_data(list(session_aaa.sessions.values()))

    commands.add("show aaa sessions",
                 lambda a: aaa_show.render_aaa_sessions(sessions_data(a), session_aaa.sessions_since_start),
                 {"sessions": "AAA Session MIB"}, data=sessions_data)

    def user_all_data(a: dict) -> list[dict]:
        return aaa_show.aaa_user_all_data(list(session_aaa.sessions.values()), session_aaa.usage,
                                          config.accounting_periodic_minutes)

    commands.add("show aaa user all", lambda a: aaa_show.render_aaa_user_all(user_all_data(a)),
                 {"user": "Show AAA user information", "all": "All users"}, data=user_all_data)

    def clear_servers(a: dict) -> str:
        session_aaa.servers.clear()
        return ""

    commands.add("clear aaa counters servers all", clear_servers,
                 {"aaa": "Clear AAA values", "counters": "Clear counters", "servers": "Clear server counters",
                  "all": "All servers"})


def dynamic_author_data(settings: DynamicAuthor | None, service: DynamicAuthorService) -> dict:
    server = service.server
    data = {"configured": settings is not None,
            "listening": list(service.listening) if service.listening else None,
            "debug": sorted(service.debug), "cached_replies": server.cached_replies,
            "clients": [], "unknown_clients": dict(server.unknown_clients)}
    if settings is None:
        return data
    data.update(port=settings.effective_port, auth_type=settings.effective_auth_type,
                ignore_session_key=settings.ignore_session_key,
                ignore_server_key=settings.ignore_server_key,
                require_message_authenticator=settings.require_message_authenticator)
    for client in settings.clients:
        counters = server.counters.get(client.address, {})
        data["clients"].append({
            "address": client.address, "vrf": client.vrf,
            "key": "client" if client.server_key else ("global" if settings.server_key else "none"),
            "counters": {name: counters.get(name, 0) for name in COUNTERS},
            "naks": {int(k[4:]): v for k, v in sorted(counters.items()) if k.startswith("nak-")},
        })
    return data


def render_dynamic_author(d: dict) -> str:
    if not d["configured"]:
        return "% aaa server radius dynamic-author is not configured\n"
    yes = {True: "yes", False: "no"}
    listening = f"{d['listening'][0]} port {d['listening'][1]}/udp" if d["listening"] else "not listening"
    lines = [
        "RADIUS dynamic authorization server (RFC 5176)",
        f"  Port: {d['port']}{' (default)' if d['port'] == DYNAMIC_AUTHOR_PORT else ''}, "
        f"listening on: {listening}",
        f"  Auth-type: {d['auth_type']}{' (default)' if d['auth_type'] == DYNAMIC_AUTHOR_AUTH_TYPE else ''}",
        f"  Ignore session-key: {yes[d['ignore_session_key']]}, ignore server-key: "
        f"{yes[d['ignore_server_key']]}, require message-authenticator: "
        f"{yes[d['require_message_authenticator']]}",
        f"  Cached replies: {d['cached_replies']}",
    ]
    for client in d["clients"]:
        vrf = f" vrf {client['vrf']}" if client["vrf"] else ""
        lines.append(f"  Client {client['address']}{vrf}, server-key: {client['key']}")
        width = max(len(name) for name in COUNTERS)
        for name, value in client["counters"].items():
            lines.append(f"    {name:<{width}} {value}")
        for cause, value in client["naks"].items():
            lines.append(f"    NAK {cause} {ERROR_CAUSES.get(cause, '?'):<{width - 8}} {value}")
    if d["unknown_clients"]:
        lines.append("  Dropped from unknown clients:")
        for address, value in sorted(d["unknown_clients"].items()):
            lines.append(f"    {address} {value}")
    return "\n".join(lines) + "\n"
