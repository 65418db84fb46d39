"""Global mode's own commands: `hostname`, `aaa new-model`, the commands the device keeps verbatim as
blocks (with their indented lines, or a banner to its delimiter), and `no` of anything else."""
from __future__ import annotations

from dataclasses import dataclass

from ...grammar.engine import CommandSet
from .. import interface_lines
from .. import model as M
from ..syntax import Bad
from .context import COMMON_HELP, Context, Line, Mode, mode_table
from .interfaces import refuse_word_count
from .kinds import ModeKind

# First words of global commands the device keeps verbatim (with their indented lines).
UNMODELED_COMMANDS = tuple("""
    version service platform boot-start-marker boot-end-marker boot enable username ntp snmp-server
    snmp logging line router license vrf redundancy control-plane banner alias archive call-home
    cdp lldp clock crypto interface ipv6 key multilink memory mpls object-group route-map
    spanning-tree subscriber track transceiver diagnostic system tacacs tacacs-server radius
    radius-server privilege file login password security secure hw-module telemetry netconf-yang
    restconf event monitor flow parameter-map zone zone-pair template dot1x authentication mac
    errdisable vtp vlan port-channel table-map exception scheduler wsma cts sampler process
    identity access-session bfd bfd-template segment-routing voice dial-peer aaa class-map
    policy-map ip-sla udld power tftp-server sdwan utd ethernet cable auto cwmp domain
    l2vpn device-tracking virtual-service macsec mka service-template pseudowire-class nve
    coap fhrp hsrp ldap ipsla nat66 performance stackwise-virtual energywise
    """.split())
# Second words of `ip ...` global commands the device keeps verbatim.
UNMODELED_IP_COMMANDS = tuple("""
    route domain domain-name domain-lookup domain-list forward-protocol http ssh local cef name-server scp tftp dhcp
    multicast-routing prefix-list sla nat flow-export ftp tcp routing icmp options host
    source-route subnet-zero classless radius finger bootp pim vrf community-list as-path
    bgp-community explicit-path rcmd default-gateway igmp wccp ddns dns inspect audit admission
    auth-proxy device nbar ips sftp accounting-threshold msdp multicast mroute rsvp telnet arp
    gratuitous-arps access-list extcommunity-list sla-responder flow flow-cache flow-top-talkers
    """.split())
# `configure terminal` prompts of the blocks kept verbatim, by command key.
BLOCK_PROMPTS = {
    "interface": "config-if", "line": "config-line", "router": "config-router",
    "crypto ikev2 keyring": "config-ikev2-keyring", "crypto ikev2 proposal": "config-ikev2-proposal",
    "crypto ikev2 policy": "config-ikev2-policy", "crypto ipsec transform-set": "cfg-crypto-trans",
    "crypto ipsec profile": "ipsec-profile", "crypto pki trustpoint": "ca-trustpoint",
    "ip vrf": "config-vrf", "vrf definition": "config-vrf", "aaa group": "config-sg-radius",
    "control-plane": "config-cp", "redundancy": "config-red", "crypto map": "config-crypto-map",
    "object-group": "config-object-group", "ipv6 access-list": "config-ipv6-acl", "route-map": "config-route-map",
    "key chain": "config-keychain", "crypto isakmp policy": "config-isakmp", "ip ssh pubkey-chain": "conf-ssh-pubkey",
}

# Kept commands that open a sub-mode in `configure terminal` (by their first words); the others are one
# line each, and a line typed after one of them is global again, as on IOS (`ntp server` has no mode).
SUBMODE_COMMANDS = tuple(tuple(key.split()) for key in """
    interface|line|router|ipv6 router|control-plane|redundancy|vrf definition|ip vrf|object-group|
    ipv6 access-list role-based|ipv6 access-list fqdn|ip access-list standard|ip access-list extended|
    ip access-list role-based|ip access-list logging|crypto ikev2 keyring|crypto ikev2 proposal|crypto ikev2 policy|
    crypto ikev2 authorization|crypto ikev2 client|crypto ikev2 name-mangler|crypto ipsec transform-set|
    crypto ipsec profile|crypto pki trustpoint|crypto pki certificate|crypto isakmp policy|
    crypto isakmp profile|crypto keyring|crypto map|crypto gdoi|aaa group server|aaa server radius|
    key chain|track|ip sla|class-map|policy-map|parameter-map|zone security|zone-pair|flow exporter|
    flow monitor|flow record|route-map|l2vpn|vlan|archive|call-home|event manager applet|template|
    device-tracking policy|virtual-service|ip dhcp pool|ipv6 dhcp pool|spanning-tree mst configuration|
    telemetry ietf subscription|mka policy|service-template|pseudowire-class|bfd-template|
    ip explicit-path|segment-routing|sdwan|utd|voice service|dial-peer|identity policy|
    ethernet cfm domain|tacacs server|ldap server|netconf-yang|restconf|license smart|
    multilink bundle-name|ip sla responder|mpls ldp|cts role-based|ip nat pool|monitor session|
    ip ssh pubkey-chain|crypto pki server|crypto pki profile|crypto ca trustpoint|scheduler
    """.replace("\n", "").split("|") if key.strip())
# Single-valued global commands the device keeps: IOS XE holds one of each, so a new one replaces
# the old line in place, and `no` of it removes it whatever value it names. Chosen from IOS XE's
# command references as the kept one-liners that take one value (or one set of options) rather
# than adding an entry: the everyday management lines of a hub configuration (domain, NTP,
# logging, SSH, source interfaces, SNMP identity, clock, login policy). A `*` stands for a name
# the command is keyed by (`username NAME ...` replaces that user's line). Commands that add
# entries (`ntp server`, `logging host`, `ip route`, `snmp-server community`) are not here, nor
# per-VRF forms such as `logging source-interface X vrf V`; `enable secret level N` is taken as the
# same setting as `enable secret` (the model's logins know level 15 only).
SINGLE_VALUED = tuple(tuple(key.split()) for key in """
    ip domain name|ip domain lookup source-interface|ip default-gateway|
    ip ssh version|ip ssh time-out|ip ssh authentication-retries|ip ssh source-interface|
    ip tftp source-interface|ip ftp source-interface|ip radius source-interface|
    ip tacacs source-interface|ip http authentication|ip http port|ip http secure-port|
    ip http client source-interface|ntp source|ntp master|logging buffered|logging console|
    logging monitor|logging trap|logging facility|logging origin-id|logging rate-limit|
    clock timezone|clock summer-time|snmp-server location|snmp-server contact|
    snmp-server chassis-id|snmp-server trap-source|enable secret|enable password|
    service timestamps debug|service timestamps log|login block-for|login on-failure|
    login on-success|spanning-tree mode|vtp mode|vtp domain|license boot level|username *|
    aaa authentication login *|aaa authentication enable *|aaa authorization exec *|
    aaa authorization commands *|aaa accounting exec *|aaa accounting commands *|
    """.replace("\n", "").split("|") if key.strip())

# Sub-commands of kept blocks whose first word is also a kept global command: typed under such a
# block in `configure terminal` they are the block's (IOS tries the sub-mode first), where global
# mode would take them and leave the block (`logging synchronous` under `line vty`). Only the
# words that collide matter: any other word a block does not model is the block's already. From
# IOS XE's command references for each sub-mode.
BLOCK_OWN_WORDS = {
    "line": ("logging", "password", "login", "privilege", "ipv6", "vrf"),
    "key chain": ("key",),
    "crypto isakmp policy": ("authentication",),
    "crypto isakmp profile": ("vrf",),
    "crypto pki trustpoint": ("vrf", "password"),
    "crypto ikev2 authorization": ("banner",),
    "crypto gdoi": ("identity",),
    "router": ("mpls", "bfd"),
    "archive": ("logging",),
    "event manager applet": ("event",),
    "flow exporter": ("template",),
    "tacacs server": ("key",),
    "ip ssh pubkey-chain": ("username",),
    "service-template": ("vlan",),
}
# Single-valued sub-commands of kept blocks, by block: a new value replaces the old line in place,
# and `no` of one removes it whatever value it names, as interface settings do
# (interface_lines.py). Only blocks without sub-modes of their own are listed: a block keeps its
# lines flat, so under `key chain` (key 1, key-string, key 2, key-string) or a keyring's peers a
# second `key-string` or `description` is another entry's, not a new value. From IOS XE's
# command references for each sub-mode.
BLOCK_SINGLE_VALUED = {key: tuple(tuple(w.split()) for w in words.split("|")) for key, words in {
    "line": "exec-timeout|session-timeout|absolute-timeout|transport input|transport output|"
            "transport preferred|privilege level|password|login|stopbits|length|width|history size|"
            "escape-character|location|logging synchronous",
    "crypto isakmp policy": "encryption|hash|authentication|group|lifetime",
    "crypto ikev2 proposal": "encryption|integrity|group|prf",
    "crypto pki trustpoint": "enrollment|revocation-check|subject-name|rsakeypair|fqdn|serial-number|ip-address",
    "crypto ipsec profile": "set transform-set|set ikev2-profile|set pfs",
    "crypto ipsec transform-set": "mode",
    "router ospf": "router-id|auto-cost",
    "redundancy": "mode",
    "ip vrf": "rd",
    "tacacs server": "address ipv4|key|timeout",
}.items()}
# First words of the global commands (kept or modeled): `no` of any other word is IOS's
# `% Invalid input` at that word, not a line to keep.
KNOWN_WORDS = frozenset(UNMODELED_COMMANDS) | {"hostname", "access-list", "ip"}
KNOWN_IP_WORDS = frozenset(UNMODELED_IP_COMMANDS) | {"access-list"}
_HELP = {
    **COMMON_HELP,
    "hostname": "Set system's network name", "aaa": "Authentication, Authorization and Accounting.",
    "new-model": "Enable NEW access control commands and functions.(Disables OLD commands.)",
    "ip": "Global IP configuration subcommands",
}


def _hostname(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cur = ctx.rest(line, args)
    name = cur.take("hostname")
    cur.finish()
    ctx.config.set_hostname(str(name), append=ctx.file_mode)
    ctx.changes.hostname = True


def _no_hostname(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    ctx.config.set_hostname("Router", append=ctx.file_mode)
    ctx.changes.hostname = True


def _aaa_new_model(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    ctx.rest(line, args).finish()
    ctx.config.set_aaa_new_model(True, append=ctx.file_mode)


def _no_aaa_new_model(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    ctx.config.set_aaa_new_model(False, append=ctx.file_mode)


def _block(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    if not ctx.file_mode and (_interface_line(ctx, line) or _block_own_line(ctx, line)):
        # the open interface or block keeps it: `ip tcp adjust-mss` is not global `ip tcp`,
        # `logging synchronous` under `line vty` is not global `logging`
        return False
    open_block(ctx, line)
    return None


def _block_own_line(ctx: Context, line: Line) -> bool:
    """Whether the innermost open mode is a kept block that has the line's command (BLOCK_OWN_WORDS)."""
    if not ctx.open_modes or ctx.open_modes[-1].kind is not ModeKind.BLOCK:
        return False
    header = [w.lower() for w in _block_header(ctx.open_modes[-1]).split()]
    word = line.tokens[0].lower()
    return any(tuple(header[:len(key.split())]) == tuple(key.split()) and word in words
               for key, words in BLOCK_OWN_WORDS.items())


# Commands IOS XE renamed (16.x: `ip domain-name` became `ip domain name`): the old spelling is
# still accepted, is the same setting, and running-config shows the new one.
RENAMED = {("ip", "domain-name"): ("ip", "domain", "name"), ("ip", "domain-lookup"): ("ip", "domain", "lookup"),
           ("ip", "domain-list"): ("ip", "domain", "list")}


def current_spelling(text: str) -> str:
    """The line as IOS XE's running-config spells it: a renamed command's new words, the rest as
    typed (its `no` kept)."""
    words = text.split()
    at = 1 if words[:1] and words[0].lower() == "no" else 0
    new = RENAMED.get(tuple(w.lower() for w in words[at:at + 2]))
    if new is None:
        return text
    return " ".join([*words[:at], *new, *words[at + 2:]])


def _block_setting(header: str, text: str) -> tuple[str, ...] | None:
    """The single-valued setting of kept block `header` that a line (or its `no` form) sets."""
    head = [w.lower() for w in header.split()]
    words = [w.lower() for w in text.split()]
    if words[:1] == ["no"]:
        words = words[1:]
    for block, keys in BLOCK_SINGLE_VALUED.items():
        if head[:len(block.split())] == block.split():
            return next((k for k in keys if tuple(words[:len(k)]) == k), None)
    return None


def single_valued(text: str) -> tuple[str, ...] | None:
    """The single-valued global command a line (or its `no` form) sets, as the words that key it."""
    words = current_spelling(text).split()
    if words[:1] and words[0].lower() == "no":
        words = words[1:]
    for key in SINGLE_VALUED:
        if len(words) >= len(key) and all(k == "*" or k == w.lower() for k, w in zip(key, words)):
            return tuple(w if k == "*" else k for k, w in zip(key, words))
    return None


def _one_liners(ctx: Context, key: tuple[str, ...]) -> list[M.Unmodeled]:
    """The kept one-line global commands that set `key`, or its `no` form."""
    return [b for b in ctx.config.unmodeled_blocks()
            if len(b.lines) == 1 and single_valued(b.lines[0]) == key]


def _unknown_word(line: Line):
    """The word of `no X` that global mode does not know (IOS's caret goes there), else None."""
    words = line.tokens[1:]
    first = words[0].lower()
    if not any(k.startswith(first) for k in KNOWN_WORDS):
        return words[0]
    if first == "ip" and len(words) > 1 and not any(k.startswith(words[1].lower()) for k in KNOWN_IP_WORDS):
        return words[1]
    return None


def _interface_line(ctx: Context, line: Line) -> bool:
    """Whether the innermost open mode is an interface and the line one of an interface's commands
    (which IOS tries before falling back to global mode)."""
    return _in_interface(ctx) and interface_lines.is_interface_command(line.text)


def _in_interface(ctx: Context) -> bool:
    if not ctx.open_modes:
        return False
    inner = ctx.open_modes[-1]
    return inner.kind is ModeKind.TEMPLATE or inner.kind is ModeKind.BLOCK and \
        _block_header(inner).startswith("interface ")


def _no_nothing(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    raise Bad(None, "command expected after 'no'")


def _no_other(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    """`no` of anything else: undo a kept block typed earlier, or keep the line itself; but in
    configure terminal an open interface or profile takes it first (`no ip mtu`)."""
    if not ctx.file_mode:
        rest = current_spelling(line.text.strip()[2:].strip())
        old = next((b for b in ctx.config.unmodeled_blocks() if b.lines[0] == rest), None)
        if old is not None:
            ctx.config.remove_unmodeled(old)
            return None
        in_interface = _in_interface(ctx)
        if in_interface and _interface_line(ctx, line) or not in_interface and any(
                m.kind.keeps_lines for m in ctx.open_modes):
            return False
    unknown = _unknown_word(line)
    if unknown is not None:
        raise Bad(unknown, f"unknown command '{unknown}'")
    key = single_valued(line.text)
    if not ctx.file_mode and key is not None:
        # `no ip domain name [x]`: the setting goes, whatever value it had or names.
        olds = _one_liners(ctx, key)
        for old in olds:
            ctx.config.remove_unmodeled(old)
        if olds:
            return None
    open_block(ctx, line)
    return None


def open_block(ctx: Context, line: Line) -> None:
    """Keep a top-level command the device does not model, and take its indented lines."""
    header = current_spelling(line.text.strip())
    if not M.shown_banner(header):
        ctx.note_unmodeled(line)
    if line.tokens[0].lower() == "banner":
        block = _banner_block(ctx, line)
    else:
        block = M.Unmodeled((header,))
        existing = None if ctx.file_mode else next(
            (b for b in ctx.config.unmodeled_blocks() if b.lines[0] == header), None)
        key = None if ctx.file_mode or existing is not None else single_valued(header)
        olds = [] if key is None else _one_liners(ctx, key)
        if existing is not None:
            block = existing
        elif olds:
            # a new value of a single-valued command takes the old line's place
            ctx.config.replace_unmodeled(olds[0], block)
            for old in olds[1:]:
                ctx.config.remove_unmodeled(old)
        else:
            ctx.config.add_unmodeled(block, append=ctx.file_mode)
    if not ctx.file_mode and not opens_mode(header):
        return     # in a file, indentation says which lines are its own
    words = header.split()
    prompt = next((BLOCK_PROMPTS[" ".join(words[:n])] for n in (3, 2, 1)
                   if " ".join(words[:n]) in BLOCK_PROMPTS), "config-" + words[0])
    ctx.push(ModeKind.BLOCK, block, prompt)


def opens_mode(header: str) -> bool:
    """Whether a kept global command enters a sub-mode of its own (`ntp server X` does not; a
    `crypto map NAME SEQ` entry does, `crypto map NAME local-address X` does not)."""
    words = [w.lower() for w in header.split()]
    if words and words[0] == "no":
        return False
    if words[:2] == ["crypto", "map"]:
        return len(words) >= 4 and words[3].isdigit()
    if words[:1] == ["vlan"]:
        return len(words) >= 2 and words[1][:1].isdigit()
    return any(tuple(words[:len(key)]) == key for key in SUBMODE_COMMANDS)


def _banner_block(ctx: Context, line: Line) -> M.Unmodeled:
    # A banner runs to its delimiter, which IOS prints as ^C; its lines are not indented.
    block = M.Unmodeled((line.text,))
    ctx.config.add_unmodeled(block, append=ctx.file_mode)
    if len(line.tokens) >= 3:
        delim = "^C" if line.tokens[2].startswith("^C") else line.tokens[2][0]
        if line.text[line.tokens[2].col + len(delim):].find(delim) < 0:
            ctx.banner = (block, delim)
    return block


# Sub-modes IOS opens inside kept blocks, by the block's command key: the word that opens one and
# its prompt. In `configure terminal` the lines typed in one are its own, one indentation deeper
# (` peer spokes` then `  address 0.0.0.0 0.0.0.0`), until `exit` goes back to the block; the word
# again opens (or re-enters) another, as IOS takes it at the block's level. From IOS XE's command
# references for the blocks whose entries are sub-modes. (IOS prints ` !` after a keyring's
# peer; kept blocks keep no comment lines, from a file or typed, so neither has one here.)
BLOCK_SUBMODES = {
    "crypto ikev2 keyring": ("peer", "config-ikev2-keyring-peer"),
    "key chain": ("key", "config-keychain-key"),
    "ip ssh pubkey-chain": ("username", "conf-ssh-pubkey-user"),
}


@dataclass
class SubBlock:
    """A sub-mode of a kept block: the block's mode, and the line (without its indentation) that
    opened the sub-mode in it."""
    parent: Mode
    header: str


def _block_header(mode: Mode) -> str:
    """The first line of the kept block a BLOCK mode edits (a sub-mode's: its block's)."""
    return mode.obj.parent.obj.lines[0] if isinstance(mode.obj, SubBlock) else mode.obj.lines[0]


def _submode(header: str) -> tuple[str, str] | None:
    words = header.lower().split()
    return next((sub for key, sub in BLOCK_SUBMODES.items() if words[:len(key.split())] == key.split()), None)


def _edited(header: str, body: list[str], line: Line) -> list[str]:
    """A kept block's lines (one indentation off) after a line typed in it. IOS's usual meaning:
    `no X` removes the lines that start with X (else it is a line of its own, `no auto-summary`);
    a line the block has already is not added twice; a single-valued setting replaces its value."""
    text = " ".join(line.text.split())
    key = _block_setting(header, text)
    if key is not None:
        at = next((i for i, x in enumerate(body) if _block_setting(header, x) == key), None)
        if line.tokens[0].lower() == "no":
            return body[:at] + body[at + 1:] if at is not None else body + [text] * (text not in body)
        if at is not None:
            return body[:at] + [text] + body[at + 1:]
        return body + [text]
    if line.tokens[0].lower() == "no":
        kept = [x for x in body if not x.strip().startswith(text[2:].strip())]
        return kept if len(kept) < len(body) else body + [text] * (text not in body)
    return body if text in body else body + [text]


def _replace_block(ctx: Context, mode: Mode, new: M.Unmodeled) -> None:
    if new == mode.obj:
        return
    ctx.config.replace_unmodeled(mode.obj, new)
    mode.obj = new


def _entry_span(lines: list[str], entry: str) -> tuple[int, int]:
    """Where a sub-mode entry stands in its block's lines: its line, and the end of its own lines
    (one indentation deeper) after it."""
    at = lines.index(" " + entry)
    end = at + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return at, end


def _remove_entry(ctx: Context, mode: Mode, entry: str) -> None:
    """`no peer P`: the entry goes with its lines."""
    lines = list(mode.obj.lines)
    if " " + entry not in lines:
        return
    at, end = _entry_span(lines, entry)
    _replace_block(ctx, mode, M.Unmodeled((*lines[:at], *lines[end:])))


def _keep_sub_line(ctx: Context, mode: Mode, line: Line) -> None:
    sub: SubBlock = mode.obj
    parent = sub.parent
    words = [t.lower() for t in line.tokens]
    opener = _submode(parent.obj.lines[0])[0]
    if words[0] == opener or words[:2] == ["no", opener]:
        ctx.stack = ctx.stack[:-1]       # another entry (or its removal): the block's, as IOS takes it
        keep_block_line(ctx, parent, line)
        return
    if line.tokens[0].lower() != "no":
        ctx.note_unmodeled(line, f"{parent.obj.lines[0]}: {sub.header}")
    lines = list(parent.obj.lines)
    at, end = _entry_span(lines, sub.header)
    body = _edited(sub.header, [x[2:] for x in lines[at + 1:end]], line)
    _replace_block(ctx, parent, M.Unmodeled((*lines[:at + 1], *("  " + x for x in body), *lines[end:])))


def keep_block_line(ctx: Context, mode: Mode, line: Line) -> None:
    if isinstance(mode.obj, SubBlock):
        _keep_sub_line(ctx, mode, line)
        return
    header = mode.obj.lines[0]
    sub = None if ctx.file_mode else _submode(header)
    words = [t.lower() for t in line.tokens]
    if sub is not None and words[:2] == ["no", sub[0]] and len(words) > 2:
        _remove_entry(ctx, mode, " ".join(line.text.split()[1:]))
        return
    if sub is not None and words[0] == sub[0] and len(words) > 1:
        ctx.note_unmodeled(line, header)
        entry = " ".join(line.text.split())
        if " " + entry not in mode.obj.lines:
            _replace_block(ctx, mode, M.Unmodeled((*mode.obj.lines, " " + entry)))
        ctx.push(ModeKind.BLOCK, SubBlock(mode, entry), sub[1])
        return
    if line.tokens[0].lower() != "no":
        ctx.note_unmodeled(line, header)
    if ctx.file_mode:
        new = M.Unmodeled(mode.obj.lines + (line.text,))
    elif header.startswith("interface "):
        refuse_word_count(line)
        body = [x.strip() for x in mode.obj.lines[1:]]
        interface_lines.edit(body, line.text)
        new = M.Unmodeled((header, *(" " + x for x in body)))
    else:
        body = _edited(header, [x[1:] for x in mode.obj.lines[1:]], line)
        new = M.Unmodeled((header, *(" " + x for x in body)))
    _replace_block(ctx, mode, new)


def skip_line(ctx: Context, mode: Mode, line: Line) -> None:
    """A line under a refused line of a file: it goes with it."""


def register_global(table: CommandSet) -> None:
    """The global commands of this module: after those of the modeled objects, whose first words
    (`interface`, `class-map` ...) also open blocks kept verbatim when the object is not one modeled."""
    table.add("hostname WORD...:rest", _hostname, {**_HELP, "rest WORD...": "This system's network name"})
    table.add("no hostname", _no_hostname, _HELP)
    table.add("no hostname WORD...:rest", _no_hostname, _HELP)
    table.add("aaa new-model WORD...:rest", _aaa_new_model, _HELP)
    table.add("no aaa new-model", _no_aaa_new_model, _HELP)
    table.add(f"({' | '.join(UNMODELED_COMMANDS)}) WORD...:rest", _block, _HELP)
    table.add(f"ip ({' | '.join(UNMODELED_IP_COMMANDS)}) WORD...:rest", _block, _HELP)
    table.add("no", _no_nothing, _HELP)
    table.add("no WORD...:rest", _no_other, _HELP)


BLOCK = mode_table()
SKIP = mode_table()
