"""The device's exec commands: their IOS syntax, their help, and handlers over Device methods and
the show renderers (the `sim` commands are in sim.py, `debug` and the dynamic-author show in
aaa.py). Every show command registers its structured twin alongside its text."""
from __future__ import annotations

from qfp_model.qfp.show_platform import format_qos_all, qos_all
from qfp_model.qfp.tables import Direction

from ..aaa.service import DynamicAuthorService
from ..aaa.session_aaa import SessionAaa
from ..config import render_running_config
from ..core.device import Device
from ..core.worker import TrafficWorker
from ..grammar.engine import CommandSet
from ..show import (
    access_lists,
    crypto,
    crypto_sa,
    derived_config,
    interfaces,
    ipv6_access_lists,
    ipv6_interfaces,
    policy_map,
    policy_map_interface,
    system,
    version,
)
from . import aaa, config_notes, line, packet_trace, sim

KEYWORD_HELP = {
    "show": "Show running system information",
    "clear": "Reset functions",
    "sim": "Simulate IKEv2 sessions and traffic",
    "configure": "Enter configuration mode",
    "terminal": "Configure from the terminal",
    "interface": "Select an interface",
    "input": "Input direction",
    "output": "Output direction",
}

def _direction(args: dict) -> Direction | None:
    if args.get("input"):
        return Direction.IN
    if args.get("output"):
        return Direction.OUT
    return None


def build(device: Device, coa: DynamicAuthorService, worker: TrafficWorker | None = None,
          session_aaa: SessionAaa | None = None) -> CommandSet:
    """The exec command set over `device` (show, clear, sim, configure), `coa` (debug and show
    of RADIUS dynamic authorization) and `session_aaa` (authorization at session start and
    accounting); `sim traffic` runs on `worker` while the device is served."""
    commands = CommandSet(KEYWORD_HELP, types=sim.TYPES)

    def show(syntax: str, data, render, help: dict) -> None:
        """A show command: `data(args)` gathers its twin, `render(twin, args)` prints it."""
        commands.add(syntax, lambda args: render(data(args), args), help, data=data)

    # ---- show ----
    show("show platform hardware qfp active feature qos all (input|output) all",
         lambda a: qos_all(device.fp, _direction(a)), lambda d, a: format_qos_all(d),
         {"platform": "Show platform information", "hardware": "Show platform hardware information",
          "qfp": "Quantum Flow Processor", "active": "Active instance",
          "feature": "Feature specific information", "qos": "QoS feature information", "all": "All"})
    show("show policy-map interface",
         lambda a: policy_map_interface.policy_map_interface_data(
             device.fp, device.config, list(device.sessions), device.clock_ns, None, named=True),
         lambda d, a: policy_map_interface.render_policy_map_interface(d),
         {"policy-map": "Show QoS Policy Map", "interface": "Service policies of every session"})
    show("show policy-map interface IFNAME:interface [input|output]",
         lambda a: policy_map_interface.policy_map_interface_data(
             device.fp, device.config, [device.session(a["interface"])], device.clock_ns, _direction(a),
             named=True),
         lambda d, a: policy_map_interface.render_policy_map_interface(d),
         {"policy-map": "Show QoS Policy Map", "interface IFNAME": "Virtual-Access interface"})
    show("show policy-map [WORD:name]",
         lambda a: policy_map.policy_map_data(device.config, a.get("name")),
         lambda d, a: policy_map.render_policy_map(d), {"name WORD": "policy-map name"})
    show("show class-map [WORD:name]",
         lambda a: policy_map.class_map_data(device.config, a.get("name")),
         lambda d, a: policy_map.render_class_map(d),
         {"class-map": "Show QoS Class Map", "name WORD": "class-map name"})
    show("show ip access-lists [WORD:name]",
         lambda a: access_lists.access_lists_data(device.fp, device.config, device.compiler.acl_slots(),
                                                  a.get("name"), device.local_acl_hits),
         lambda d, a: access_lists.render_access_lists(d),
         {"ip": "IP information", "access-lists": "List IP access lists", "name WORD": "Access list name"})
    show("show ipv6 access-list [WORD:name]",
         lambda a: ipv6_access_lists.ipv6_access_lists_data(device.fp, device.config,
                                                            device.compiler.acl6_slots(), a.get("name")),
         lambda d, a: ipv6_access_lists.render_ipv6_access_lists(d),
         {"ipv6": "IPv6 information", "access-list": "Summary of access lists", "name WORD": "ACL name"})
    show("show access-lists [WORD:name]",
         lambda a: access_lists.access_lists_data(device.fp, device.config, device.compiler.acl_slots(),
                                                  a.get("name"), device.local_acl_hits)
         + ipv6_access_lists.ipv6_access_lists_data(device.fp, device.config,
                                                    device.compiler.acl6_slots(), a.get("name")),
         lambda d, a: access_lists.render_access_lists(d),
         {"access-lists": "List access lists", "name WORD": "ACL name"})
    show("show crypto session [detail]",
         lambda a: crypto.crypto_session_data(device.fp, device.config, device.sessions, device.clock_ns),
         lambda d, a: crypto.render_crypto_session(d, detail=bool(a.get("detail"))),
         {"crypto": "Encryption module", "session": "Crypto session information",
          "detail": "Detailed crypto session information"})
    show("show crypto ikev2 session [detailed]",
         lambda a: crypto.ikev2_session_data(device.sessions, device.clock_ns, device.config),
         lambda d, a: crypto.render_ikev2_session(d, detailed=bool(a.get("detailed"))),
         {"ikev2": "Show IKEv2 information", "detailed": "Detailed IKEv2 session information"})
    show("show crypto ikev2 sa [detailed]",
         lambda a: crypto_sa.ikev2_sa_data(crypto.ikev2_session_data(device.sessions, device.clock_ns,
                                                                     device.config)),
         lambda d, a: crypto_sa.render_ikev2_sa(d, detailed=bool(a.get("detailed"))),
         {"sa": "Shows ikev2 SAs", "detailed": "Detailed IKEv2 SA information"})
    show("show crypto ipsec sa",
         lambda a: crypto_sa.ipsec_sa_data(
             device.config, crypto.crypto_session_data(device.fp, device.config, device.sessions, device.clock_ns),
             crypto.ikev2_session_data(device.sessions, device.clock_ns, device.config), list(device.sessions)),
         lambda d, a: crypto_sa.render_ipsec_sa(d),
         {"ipsec": "Show IPSEC info", "sa": "IPSEC SA table"})
    show("show derived-config interface IFNAME:interface",
         lambda a: derived_config.derived_config_data(device.config, device.session(a["interface"])),
         lambda d, a: derived_config.render_derived_config(d),
         {"derived-config": "Show derived configuration"})
    commands.add("show running-config", lambda a: render_running_config(device.config),
                 {"running-config": "Current operating configuration"})
    show("show running-config interface IFNAME:interface",
         lambda a: interfaces.running_interface_data(device.config, a["interface"]),
         lambda d, a: interfaces.render_running_interface(d),
         {"running-config": "Current operating configuration", "interface": "Show interface configuration"})
    show("show ip interface brief",
         lambda a: interfaces.ip_interface_brief_data(device.config, list(device.sessions)),
         lambda d, a: interfaces.render_ip_interface_brief(d),
         {"ip": "IP information", "interface": "IP interface status and configuration",
          "brief": "Brief summary of IP status and configuration"})
    show("show ipv6 interface brief",
         lambda a: ipv6_interfaces.ipv6_interface_brief_data(device.config, list(device.sessions)),
         lambda d, a: ipv6_interfaces.render_ipv6_interface_brief(d),
         {"ipv6": "IPv6 information", "interface": "IPv6 interface status and configuration",
          "brief": "Brief summary of IPv6 status and configuration"})
    def interfaces_rows(name: str | None):
        return interfaces.interfaces_data(device.fp, device.config, list(device.sessions), device.clock_ns,
                                          device.counters_cleared_at, device.uidb_baselines, name)
    show("show interfaces",
         lambda a: interfaces_rows(None), lambda d, a: interfaces.render_interfaces(d),
         {"interfaces": "Interface status and configuration"})
    show("show interfaces IFNAME:interface",
         lambda a: interfaces_rows(device.interface_name(a["interface"]))[0],
         lambda d, a: interfaces.render_interface(d),
         {"interfaces": "Interface status and configuration"})
    show("show version", lambda a: version.version_data(device.config, device.hostname, device.clock_ns),
         lambda d, a: version.render_version(d), {"version": "System hardware and software status"})
    show("show logging", lambda a: system.logging_data(device.logbuf, device.log_buffer_bytes),
         lambda d, a: system.render_logging(d), {"logging": "Show the contents of logging buffers"})
    show("show clock", lambda a: system.clock_data(device.clock_ns),
         lambda d, a: system.render_clock(d), {"clock": "Display the system clock"})

    # ---- clear ----
    commands.add("clear logging", lambda a: device.clear_log(), {"logging": "Clear logging buffer"})
    commands.add("clear counters [IFNAME:interface]", lambda a: device.clear_counters(a.get("interface")),
                 {"counters": "Clear counters on one or all interfaces"})
    commands.add("clear ip access-list counters [WORD:name]",
                 lambda a: device.clear_acl_counters(a.get("name")),
                 {"access-list": "Clear access list statistical information",
                  "counters": "Clear access list counters", "name WORD": "Access list name"})
    commands.add("clear ipv6 access-list [WORD:name]",
                 lambda a: device.clear_acl6_counters(a.get("name")),
                 {"ipv6": "IPv6", "access-list": "Clear IPv6 access list match counters",
                  "name WORD": "IPv6 access list name"})
    commands.add("clear ipv6 access-list counters [WORD:name]",
                 lambda a: device.clear_acl6_counters(a.get("name")),
                 {"ipv6": "IPv6", "access-list": "Clear IPv6 access list match counters",
                  "counters": "Clear IPv6 access list counters", "name WORD": "IPv6 access list name"})
    commands.add("clear crypto session [remote ADDR]",
                 lambda a: device.clear_crypto_session(a.get("remote")),
                 {"crypto": "Encryption module", "session": "Clear crypto sessions (tunnels)",
                  "remote": "Remote IKE peer", "remote ADDR": "IP address of the remote peer"})

    commands.add("configure terminal", lambda a: "", {})
    sim.register(commands, device, worker, session_aaa)
    aaa.register(commands, coa, device.config, session_aaa, packet_trace.PlatformDebug(device))
    packet_trace.register(commands, device)
    line.register(commands)
    config_notes.register(commands, device.config)
    return commands
