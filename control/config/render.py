"""`show running-config`: the configuration in IOS's layout, which parse_config reads back to an
equal model.

Sections come in the configuration's layout order (a file's own order, objects made in `configure
terminal` where IOS puts their section). ACEs print in IOS's canonical form (port, protocol and DSCP
names where IOS has one, `host A` for a single address); police lines print as they were typed.
"""
from __future__ import annotations

from qfp_model.qfp import tables as T

from . import lexicon as L
from . import model as M
from . import type7
from .ipv6_syntax import ace6_text
from .syntax import dotted, port_words, ttl_words

# ---- access lists ------------------------------------------------------------------------------

def _endpoint(addr: int, wildcard: int, standard: bool = False) -> str:
    if wildcard == 0xFFFFFFFF:
        return "any"
    if wildcard == 0:
        return dotted(addr) if standard else f"host {dotted(addr)}"
    return f"{dotted(addr)} {dotted(wildcard)}"


def ace_text(ace: T.Ace, extended: bool, log: str | None = None) -> str:
    """An ACE as IOS prints it after its sequence number: `permit tcp any host 10.1.1.1 eq www`."""
    words = ["permit" if ace.permit else "deny"]
    if not extended:
        words.append(_endpoint(ace.src, ace.src_wildcard, standard=True))
    else:
        words += [L.protocol_name(ace.proto), _endpoint(ace.src, ace.src_wildcard),
                  *port_words(ace.sport, ace.proto), _endpoint(ace.dst, ace.dst_wildcard),
                  *port_words(ace.dport, ace.proto)]
        if ace.icmp_type is not None:
            words += L.icmp_words(ace.icmp_type, ace.icmp_code)
        if ace.established:
            words.append("established")
        if ace.tcp_flags is not None:
            words += ace.tcp_flags.words()
        if ace.precedence is not None:
            words += ["precedence", L.precedence_name(ace.precedence)]
        if ace.tos is not None:
            words += ["tos", L.tos_name(ace.tos)]
        if ace.dscp is not None:
            words += ["dscp", L.dscp_name(ace.dscp)]
        if ace.ttl is not None:
            words += ttl_words(ace.ttl)
        if ace.fragments:
            words.append("fragments")
    if log:
        words.append(log)
    return " ".join(words)


def access_list_lines(acl: M.AccessList) -> list[str]:
    """A numbered ACL in IOS's numbering prints as `access-list N ...` lines; any other as an
    `ip access-list` block with its sequence numbers."""
    if acl.numbered and acl.default_numbering():
        return [f"access-list {acl.name} " + (f"remark {e.remark}" if e.ace is None
                                              else ace_text(e.ace, acl.extended, e.log))
                for e in acl.entries]
    lines = [f"ip access-list {'extended' if acl.extended else 'standard'} {acl.name}"]
    for e in acl.entries:
        lines.append(f" remark {e.remark}" if e.ace is None
                     else f" {e.seq} {ace_text(e.ace, acl.extended, e.log)}")
    return lines


def ipv6_access_list_lines(acl: M.AccessList) -> list[str]:
    """IOS XE prints every IPv6 entry with `sequence N` before it (the show command puts it
    after); remarks as IPv4's."""
    lines = [f"ipv6 access-list {acl.name}"]
    for e in acl.entries:
        lines.append(f" remark {e.remark}" if e.ace is None
                     else f" sequence {e.seq} {ace6_text(e.ace, e.log)}")
    return lines


# ---- class-maps and policy-maps ---------------------------------------------------------------------

def match_text(m: M.MatchStatement) -> str:
    words = ["match"] + (["not"] if m.negate else [])
    if m.kind == "any":
        words.append("any")
    elif m.kind == "dscp":
        words += ["dscp", *(L.dscp_name(v) for v in m.values)]
    elif m.kind == "precedence":
        words += ["precedence", *(str(v) for v in m.values)]
    elif m.kind == "access-group":
        words += ["access-group", m.name] if m.name.isdigit() else ["access-group", "name", m.name]
    else:
        words += ["class-map", m.name]
    return " ".join(words)


def class_map_lines(cmap: M.ClassMap) -> list[str]:
    lines = [f"class-map {'match-all' if cmap.match_all else 'match-any'} {cmap.name}"]
    if cmap.description is not None:
        lines.append(f" description {cmap.description}")
    lines += [" " + match_text(m) for m in cmap.matches]
    return lines


def action_text(action: T.PoliceAction) -> str:
    if action.kind == "set-dscp-transmit":
        return f"{action.kind} {L.dscp_name(action.value)}"
    if action.kind == "set-prec-transmit":
        return f"{action.kind} {action.value}"
    return action.kind


def police_lines(p: M.PoliceConfig) -> list[str]:
    """The police line as typed, then its actions: inline, or one per sub-mode line."""
    if p.cir_percent is not None:
        words = percent_words(p)
    elif p.cir_keyword:
        words = ["police", "cir", str(p.cir)]
        if p.bc is not None:
            words += ["bc", str(p.bc)]
        if p.pir is not None:
            words += ["pir", str(p.pir)]
        if p.be is not None:
            words += ["be", str(p.be)]
    else:
        words = ["police", str(p.cir)] + [str(b) for b in (p.bc, p.be) if b is not None]
    actions = [f"{colour} {action_text(a)}" for colour, a in
               (("conform-action", p.conform), ("exceed-action", p.exceed), ("violate-action", p.violate))
               if a is not None]
    if p.inline_actions:
        return [" ".join(words + actions)]
    return [" ".join(words)] + [" " + a for a in actions]


def percent_words(p: M.PoliceConfig) -> list[str]:
    """`police cir percent P [bc MS ms] [be MS ms] [pir percent P]`, or its `rate` form."""
    if p.rate_keyword:
        names = ("rate", "burst", "peak-rate", "peak-burst")
    else:
        names = ("cir", "bc", "pir", "be")
    words = ["police", names[0], "percent", str(p.cir_percent)]
    if p.bc_ms is not None:
        words += [names[1], str(p.bc_ms), "ms"]
    if p.pir_percent is not None:
        words += [names[2], "percent", str(p.pir_percent)]
    if p.be_ms is not None:
        words += [names[3], str(p.be_ms), "ms"]
    return words


def policy_map_lines(pmap: M.PolicyMap) -> list[str]:
    lines = [f"policy-map {pmap.name}"]
    if pmap.description is not None:
        lines.append(f" description {pmap.description}")
    for cls in pmap.classes:
        lines.append(f" class {cls.name}")
        body = queueing_lines(cls) + list(cls.other_lines)
        if cls.set_dscp is not None:
            body.append(f"set dscp {L.dscp_name(cls.set_dscp)}")
        if cls.set_precedence is not None:
            body.append(f"set precedence {cls.set_precedence}")
        if cls.police is not None:
            body += police_lines(cls.police)
        if cls.service_policy is not None and cls.shape is None:
            body.append(f"service-policy {cls.service_policy}")
        lines += ["  " + line for line in body]
    return lines


def queueing_lines(cls: M.PolicyClass) -> list[str]:
    """A class's queueing actions as IOS writes them, first in the class: priority, bandwidth,
    bandwidth remaining, shape, queue-limit. IOS writes a child `service-policy` under `shape
    average`, one column further in; the parser takes it back there."""
    lines = []
    if cls.priority is not None:
        lines.append(" ".join(priority_words(cls.priority)))
    for bw in (cls.bandwidth, cls.bandwidth_remaining):
        if bw is not None:
            lines.append(" ".join(bw.words()))
    if cls.shape is not None:
        lines.append(" ".join(shape_words(cls.shape)))
        if cls.service_policy is not None:
            lines.append(f" service-policy {cls.service_policy}")
    if cls.queue_limit is not None:
        lines.append(f"queue-limit {cls.queue_limit} packets")
    return lines


def priority_words(p: M.PriorityConfig) -> list[str]:
    words = ["priority"] + ([] if p.level is None else ["level", str(p.level)])
    if p.percent is not None:
        words += ["percent", str(p.percent)]
    elif p.kbps is not None:
        words.append(str(p.kbps))
    if p.burst is not None:
        words.append(str(p.burst))
    return words


def shape_words(sh: M.ShapeConfig) -> list[str]:
    if sh.percent is not None:
        words = ["shape", "average", "percent", str(sh.percent)]
        for ms in (sh.bc_ms, sh.be_ms):
            if ms is not None:
                words += [str(ms), "ms"]
        return words
    return ["shape", "average", str(sh.cir)] + [str(b) for b in (sh.bc, sh.be) if b is not None]


# ---- interfaces, crypto, dynamic authorization ---------------------------------------------------

def template_lines(vt: M.VirtualTemplate) -> list[str]:
    """IOS's order: the interface's other lines with `ip access-group` after its last `ip` line,
    and `service-policy` last."""
    body = list(vt.other_lines)
    groups = [f"ip access-group {name} {d}" for name, d in
              ((vt.access_group_in, "in"), (vt.access_group_out, "out")) if name]
    last_ip = max((i for i, line in enumerate(body) if line.startswith("ip ")), default=-1)
    body[last_ip + 1:last_ip + 1] = groups
    # `ipv6 traffic-filter` likewise after the last `ipv6` line, else after the `ip` ones.
    filters = [f"ipv6 traffic-filter {name} {d}" for name, d in
               ((vt.traffic_filter_in, "in"), (vt.traffic_filter_out, "out")) if name]
    last_v6 = max((i for i, line in enumerate(body) if line.startswith(("ipv6 ", "ip "))), default=-1)
    body[last_v6 + 1:last_v6 + 1] = filters
    body += [f"service-policy {d} {name}" for name, d in
             ((vt.service_policy_in, T.Direction.IN.ios_name),
              (vt.service_policy_out, T.Direction.OUT.ios_name)) if name]
    return [f"interface {vt.name} type tunnel"] + [" " + line for line in body]


# Profile lines IOS prints after its `aaa ...` lines (the rest come before them).
_PROFILE_AFTER_AAA = ("virtual-template", "mode", "shutdown", "ivrf", "redirect", "reconnect")


def ikev2_profile_lines(profile: M.Ikev2Profile) -> list[str]:
    """IOS's order: match, identity, authentication, keyring, dpd ... then the aaa lines
    (authorization group, authorization user, accounting), then virtual-template. The kept lines keep their order;
    the modeled aaa lines go among them where IOS prints them."""
    kept = list(profile.other_lines)

    def end() -> int:
        return next((i for i, line in enumerate(kept) if line.split()[0] in _PROFILE_AFTER_AAA), len(kept))

    def after_last(prefix: str) -> int | None:
        return max((i + 1 for i, line in enumerate(kept[:end()]) if line.startswith(prefix)), default=None)

    if profile.aaa_authorization_psk is not None:
        mlist, name = profile.aaa_authorization_psk
        later = next((i for i, line in enumerate(kept[:end()])
                      if line.startswith(("aaa authorization user", "aaa accounting"))), None)
        at = next(i for i in (after_last("aaa authorization group"), later, end()) if i is not None)
        kept.insert(at, f"aaa authorization group psk list {mlist}" + (f" {name}" if name else ""))
    if profile.aaa_accounting_psk is not None:
        at = next(i for i in (after_last("aaa accounting"), after_last("aaa authorization"), end())
                  if i is not None)
        kept.insert(at, f"aaa accounting psk {profile.aaa_accounting_psk}")
    body = kept
    if profile.virtual_template is not None:
        body.append(f"virtual-template {profile.virtual_template}")
    return [f"crypto ikev2 profile {profile.name}"] + [" " + line for line in body]


def _secret(key: M.Secret, encrypt: bool = False) -> str:
    """A key as IOS prints it: as typed, or (`service password-encryption`) a clear one as type 7."""
    if encrypt and key.encryption in (None, 0):
        return f"7 {type7.encode(key.plain)}"
    return key.typed if key.encryption is None else f"{key.encryption} {key.typed}"


def dynamic_author_lines(da: M.DynamicAuthor, encrypt: bool = False) -> list[str]:
    lines = ["aaa server radius dynamic-author"]
    for c in da.clients:
        words = ["client", c.address]
        if c.vrf is not None:
            words += ["vrf", c.vrf]
        if c.server_key is not None:
            words += ["server-key", _secret(c.server_key, encrypt)]
        lines.append(" " + " ".join(words))
    if da.server_key is not None:
        lines.append(f" server-key {_secret(da.server_key, encrypt)}")
    if da.port is not None:
        lines.append(f" port {da.port}")
    if da.auth_type is not None:
        lines.append(f" auth-type {da.auth_type}")
    if da.ignore_session_key:
        lines.append(" ignore session-key")
    if da.ignore_server_key:
        lines.append(" ignore server-key")
    if da.require_message_authenticator:
        lines.append(" require message-authenticator")
    return lines


# ---- RADIUS servers, server groups, method lists --------------------------------------------------

def radius_server_lines(server: M.RadiusServer, encrypt: bool = False) -> list[str]:
    """IOS's order: address (with both ports, which IOS prints even when defaulted), timeout,
    retransmit, the kept lines (automate-tester ...), key."""
    body = []
    if server.address is not None:
        body.append(f"address ipv4 {server.address} auth-port {server.auth_port} acct-port {server.acct_port}")
    if server.timeout is not None:
        body.append(f"timeout {server.timeout}")
    if server.retransmit is not None:
        body.append(f"retransmit {server.retransmit}")
    body += server.other_lines
    if server.key is not None:
        body.append(f"key {_secret(server.key, encrypt)}")
    return [f"radius server {server.name}"] + [" " + line for line in body]


def radius_group_lines(group: M.RadiusGroup) -> list[str]:
    """`server name` lines, deadtime, then the kept lines (`ip radius source-interface` ...)."""
    body = [f"server name {name}" for name in group.servers]
    if group.deadtime is not None:
        body.append(f"deadtime {group.deadtime}")
    body += group.other_lines
    return [f"aaa group server radius {group.name}"] + [" " + line for line in body]


def method_list_line(kind: str, mlist: M.MethodList) -> str:
    words = [kind, mlist.name] + ([mlist.record] if mlist.record else [])
    for group in mlist.groups:
        words += ["group", group]
    if mlist.local:
        words.append("local")
    return " ".join(words)


def accounting_update_line(config: M.RunningConfig) -> str:
    words = ["aaa accounting update"] + (["newinfo"] if config.accounting_update_newinfo else [])
    if config.accounting_periodic_minutes is not None:
        words += ["periodic", str(config.accounting_periodic_minutes)]
    return " ".join(words)


def radius_global_line(config: M.RunningConfig, kind: str) -> str:
    if kind == M.RADIUS_DEAD_CRITERIA:
        words = [kind]
        for part, typed, value in zip(("time", "tries"), config.radius_dead_criteria_typed,
                                      config.radius_dead_criteria):
            if typed:
                words += [part, str(value)]
        return " ".join(words)
    value = {M.RADIUS_DEADTIME: config.radius_deadtime, M.RADIUS_TIMEOUT_LINE: config.radius_timeout,
             M.RADIUS_RETRANSMIT_LINE: config.radius_retransmit}[kind]
    return f"{kind} {value}"


# ---- the whole configuration -------------------------------------------------------------------

def _item_lines(config: M.RunningConfig, kind: str, name) -> list[str]:
    if kind == M.HOSTNAME:
        return [f"hostname {config.hostname}"]
    if kind == M.AAA_NEW_MODEL:
        return ["aaa new-model" if config.aaa_new_model else "no aaa new-model"]
    if kind == M.DYNAMIC_AUTHOR:
        return dynamic_author_lines(config.dynamic_author, config.password_encryption)
    if kind == M.ACL:
        return access_list_lines(config.access_lists[name])
    if kind == M.IPV6_ACL:
        return ipv6_access_list_lines(config.ipv6_access_lists[name])
    if kind == M.CLASS_MAP:
        return class_map_lines(config.class_maps[name])
    if kind == M.POLICY_MAP:
        return policy_map_lines(config.policy_maps[name])
    if kind == M.TEMPLATE:
        return template_lines(config.virtual_templates[name])
    if kind == M.IKEV2_PROFILE:
        return ikev2_profile_lines(config.ikev2_profiles[name])
    if kind == M.RADIUS_SERVER:
        return radius_server_lines(config.radius_servers[name], config.password_encryption)
    if kind == M.RADIUS_GROUP:
        return radius_group_lines(config.radius_groups[name])
    if kind == M.AUTHORIZATION_NETWORK:
        return [method_list_line(kind, config.authorization_network[name])]
    if kind == M.ACCOUNTING_NETWORK:
        return [method_list_line(kind, config.accounting_network[name])]
    if kind == M.ACCOUNTING_UPDATE:
        return [accounting_update_line(config)]
    if kind in M.RADIUS_GLOBALS:
        return [radius_global_line(config, kind)]
    return list(name.lines)


def _section(kind: str, name) -> str:
    """What `!` separates: IOS prints one between sections, and after every interface and crypto
    block."""
    if kind == M.UNMODELED:
        words = name.lines[0].split()
        if words[0] in ("interface", "crypto") or words[:2] in (["aaa", "group"], ["radius", "server"]):
            return " ".join(words[:2])
        return words[0].split("-")[0]
    if kind in (M.AUTHORIZATION_NETWORK, M.ACCOUNTING_NETWORK, M.ACCOUNTING_UPDATE):
        return "aaa"
    if kind in M.RADIUS_GLOBALS:
        return "radius"
    if kind == M.RADIUS_GROUP:
        return "aaa group"
    return kind


def _stands_alone(section: str) -> bool:
    return section.startswith(("interface", "crypto", "ikev2", "line", "router", "vrf", "ip vrf",
                               "dynamic-author", "control-plane", "banner", "aaa group", "radius server"))


def running_config_body(config: M.RunningConfig) -> str:
    """The configuration's lines from the first `!` through `end`."""
    out = ["!"]
    previous = None
    for kind, name in config.layout:
        section = _section(kind, name)
        if section == "end":
            continue
        # each stands-alone block has its `!`, except banners, which IOS prints one after another
        if previous is not None and (section != previous or (_stands_alone(section) and section != "banner")):
            out.append("!")
        out += _item_lines(config, kind, name)
        previous = section
    out += ["!", "end"]
    return "\n".join(out) + "\n"


def render_running_config(config: M.RunningConfig) -> str:
    """`show running-config`: IOS's header, then the body, whose size in bytes the header gives."""
    body = running_config_body(config)
    return f"Building configuration...\n\nCurrent configuration : {len(body.encode())} bytes\n{body}"
