"""`show derived-config interface Virtual-AccessN`: the Virtual-Template's lines as the session
runs them.

The interface's lines are its template's as the running-config prints them
(control.config.render.template_lines: the kept lines as typed, `ip access-group` after the last `ip`
line, `service-policy` last), with the session's effective service-policies and access-groups (AAA
attributes over the template's own: Session.effective()) in place of the template's, the other
interface lines AAA gave (`ip:interface-config=ip mtu 1300`) applied to the template's as IOS
edits an interface (config/interface_lines.py), and a `tunnel
destination` naming the peer, which IOS adds to a cloned tunnel interface: right after `tunnel mode`
(else `tunnel source`; left out when the template has neither, not being a tunnel).

Layout: tests/golden/ios-xe/show-derived-config-interface.2.txt. Its byte count (140) is one more
than the text from `!` to `end` with newlines (139), so the count here is that text's length plus
one, the same way.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..config import interface_lines
from ..config.render import template_lines


def derived_config_data(config, session) -> dict:
    """The session's interface as its Virtual-Template in `config` derives it."""
    vt = config.virtual_templates[session.template]
    auth = session.effective()
    other = list(vt.other_lines)
    for line in auth.interface_lines:
        interface_lines.edit(other, line)
    effective = dataclasses.replace(
        vt, service_policy_in=auth.policy_in, service_policy_out=auth.policy_out,
        access_group_in=auth.acl_in, access_group_out=auth.acl_out,
        traffic_filter_in=auth.acl6_in, traffic_filter_out=auth.acl6_out, other_lines=other)
    lines = [line.removeprefix(" ") for line in template_lines(effective)[1:]]
    anchor = _last_index(lines, "tunnel mode")
    if anchor is None:
        anchor = _last_index(lines, "tunnel source")
    if anchor is not None:
        lines.insert(anchor + 1, f"tunnel destination {session.tuple.remote}")
    body = format_body(session.interface, lines)
    return {"interface": session.interface, "template": vt.name, "lines": lines,
            "bytes": sum(len(line) + 1 for line in body) + 1}


def _last_index(lines: list[str], prefix: str) -> int | None:
    found = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    return found[-1] if found else None


def render_derived_config(data: dict) -> str:
    lines = [" Building configuration...", "", f"Derived configuration : {data['bytes']} bytes",
             *format_body(data["interface"], data["lines"])]
    return "".join(line + "\n" for line in lines)


def format_body(interface: str, lines: Sequence[str]) -> list[str]:
    return ["!", f"interface {interface}", *(f" {line}" for line in lines), "end"]
