"""Global mode's own commands: `hostname`, `aaa new-model`, the commands the device keeps verbatim as
blocks (with their indented lines, or a banner to its delimiter), and `no` of anything else."""
from __future__ import annotations

from ...grammar.engine import CommandSet
from .. import model as M
from ..syntax import Bad
from .context import COMMON_HELP, Context, Line, Mode, mode_table
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
    """.split())
# Second words of `ip ...` global commands the device keeps verbatim.
UNMODELED_IP_COMMANDS = tuple("""
    route domain domain-name forward-protocol http ssh local cef name-server scp tftp dhcp
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
    "control-plane": "config-cp", "redundancy": "config-red",
}

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


def _block(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    open_block(ctx, line)


def _no_nothing(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    raise Bad(None, "command expected after 'no'")


def _no_other(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    """`no` of anything else: undo a kept block typed earlier, or keep the line itself; but in
    configure terminal an open interface or profile takes it first (`no ip mtu`)."""
    if not ctx.file_mode and any(m.kind.keeps_lines for m in ctx.open_modes):
        return False
    if not ctx.file_mode:
        rest = line.text.strip()[2:].strip()
        old = next((b for b in ctx.config.unmodeled_blocks() if b.lines[0] == rest), None)
        if old is not None:
            ctx.config.remove_unmodeled(old)
            return None
    open_block(ctx, line)
    return None


def open_block(ctx: Context, line: Line) -> None:
    """Keep a top-level command the device does not model, and take its indented lines."""
    header = line.text.strip()
    if line.tokens[0].lower() == "banner":
        block = _banner_block(ctx, line)
    else:
        block = M.Unmodeled((header,))
        existing = None if ctx.file_mode else next(
            (b for b in ctx.config.unmodeled_blocks() if b.lines[0] == header), None)
        if existing is not None:
            block = existing
        else:
            ctx.config.add_unmodeled(block, append=ctx.file_mode)
    key = M.command_key(header)
    prompt = BLOCK_PROMPTS.get(key) or BLOCK_PROMPTS.get(key.split()[0], "config-" + key.split()[0])
    ctx.push(ModeKind.BLOCK, block, prompt)


def _banner_block(ctx: Context, line: Line) -> M.Unmodeled:
    # A banner runs to its delimiter, which IOS prints as ^C; its lines are not indented.
    block = M.Unmodeled((line.text,))
    ctx.config.add_unmodeled(block, append=ctx.file_mode)
    if len(line.tokens) >= 3:
        delim = "^C" if line.tokens[2].startswith("^C") else line.tokens[2][0]
        if line.text[line.tokens[2].col + len(delim):].find(delim) < 0:
            ctx.banner = (block, delim)
    return block


def keep_block_line(ctx: Context, mode: Mode, line: Line) -> None:
    new = M.Unmodeled(mode.obj.lines + (line.text if ctx.file_mode else " " + line.text.strip(),))
    ctx.config.replace_unmodeled(mode.obj, new)
    mode.obj = new


def skip_line(ctx: Context, mode: Mode, line: Line) -> None:
    """A line under a refused line of a file: it goes with it."""


def register_global(table: CommandSet) -> None:
    """The global commands of this module: after those of the modeled objects, whose first words
    (`interface`, `class-map` ...) also open blocks kept verbatim when the object is not one modeled."""
    table.add("hostname WORD...:rest", _hostname, {**_HELP, "rest WORD...": "This system's network name"})
    table.add("no hostname", _no_hostname, _HELP)
    table.add("aaa new-model WORD...:rest", _aaa_new_model, _HELP)
    table.add("no aaa new-model", _no_aaa_new_model, _HELP)
    table.add(f"({' | '.join(UNMODELED_COMMANDS)}) WORD...:rest", _block, _HELP)
    table.add(f"ip ({' | '.join(UNMODELED_IP_COMMANDS)}) WORD...:rest", _block, _HELP)
    table.add("no", _no_nothing, _HELP)
    table.add("no WORD...:rest", _no_other, _HELP)


BLOCK = mode_table()
SKIP = mode_table()
