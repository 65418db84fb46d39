"""A test double for the exec CLI's tests: a real CommandSet with the issue's command shapes, and a tiny
device-like target around it (prompt, a `configure terminal` mode) that stands in for the headend
(qfp_model.control.headend) in `qfp run` subprocesses. It lives in tests/ only: the shipped package
has no stand-in device.

`python tests/exec_target.py ARGS...` runs the `qfp` command's main(ARGS) with this double as the
headend."""
from __future__ import annotations

import sys
import types

from qfp_model.control.errors import ConfigError, ControlError, ExecError
from qfp_model.control.grammar.engine import CommandSet
from qfp_model.control.io import services

KEYWORD_HELP = {
    "show": "Show running system information",
    "clear": "Reset functions",
    "sim": "Simulate sessions and traffic",
    "debug": "Debugging functions (see also 'undebug')",
    "undebug": "Disable debugging functions (see also 'debug')",
    "configure": "Enter configuration mode",
}

RUNNING_CONFIG = """\
hostname hub
!
policy-map POLICE-IN
 class class-default
  police cir 2000000
   conform-action transmit
   exceed-action drop
!
interface Virtual-Template1 type tunnel
 service-policy input POLICE-IN
!
end
"""


def echo(args: dict) -> str:
    """The handler's view of a command: its args, one `key=value` a line, sorted."""
    return "".join(f"{key}={value}\n" for key, value in sorted(args.items()))


def build_commands(device: TestDevice | None = None) -> CommandSet:
    commands = CommandSet(KEYWORD_HELP)
    commands.add("show policy-map interface IFNAME [input|output]", echo, {
        "policy-map": "Show QoS Policy Map", "interface": "Show Qos Policy on interface",
        "input": "Input policy", "output": "Output policy"})
    commands.add("show policy-map [WORD:name]", echo, {"name WORD": "policy-map name"})
    commands.add("show ip access-lists [WORD:name]", echo, {
        "ip": "IP information", "access-lists": "List IP access lists", "name WORD": "Access list name"})
    commands.add("show running-config", lambda args: RUNNING_CONFIG,
                 {"running-config": "Current operating configuration"})
    commands.add("show logging", lambda args: "Syslog logging: enabled\n",
                 {"logging": "Show the contents of logging buffers"})
    commands.add("clear crypto session [remote A.B.C.D]", echo, {
        "crypto": "Encryption module", "session": "Clear crypto sessions (tunnels)",
        "remote": "Remote IKE peer", "remote A.B.C.D": "IP address of the remote peer"})
    commands.add("sim session up remote A.B.C.D {remote-port <0-65535> | local! A.B.C.D | local-port <0-65535> "
                 "| fvrf-id <0-4294967295> | ivrf-id <0-4294967295> | identity WORD | template <1-4095>}", echo, {
                     "session": "Bring an IKEv2 session up or down", "up": "Bring a session up",
                     "remote": "The peer's IKE address", "local": "The headend's IKE address"})
    commands.add("sim session down IFNAME:interface", echo, {"down": "Tear a session down"})
    commands.add("sim traffic interface IFNAME (input|output) {source A.B.C.D | destination A.B.C.D "
                 "| protocol WORD | source-port <0-65535> | destination-port <0-65535> | dscp WORD | flags WORD "
                 "| fragment (first|non-initial) | size! <20-65535> | rate! <1-100000000000> "
                 "| (duration <1-86400> | packets <1-100000000>)!}", echo, {
                     "traffic": "Send simulated packets through a session",
                     "size <20-65535>": "Packet size in bytes"})
    commands.add("debug radius", echo, {"radius": "RADIUS protocol"})
    commands.add("undebug all", echo, {"all": "Disable all debugging"})
    commands.add("send log LINE", echo, {"send": "Send a message", "log": "To the log", "log LINE": "Message text"})

    def crash(args: dict) -> str:
        raise RuntimeError("the handler broke")

    def refuse(args: dict) -> str:
        raise ControlError("no session on Virtual-Access9")

    commands.add("test crash", crash, {"test": "Test commands"})
    commands.add("test refuse", refuse)
    if device is not None:
        commands.add("configure terminal", device.configure, {"terminal": "Configure from the terminal"})
    return commands


class TestDevice:
    """The exec target protocol (execute, complete, help, prompt) with an exec and a config mode."""
    __test__ = False   # not a pytest class

    def __init__(self, hostname: str = "hub"):
        self.hostname = hostname
        self.config_mode = False
        self.commands = build_commands(self)

    @classmethod
    def from_config_file(cls, path: str | None, lenient: bool = False) -> TestDevice:
        if path is not None:
            text = open(path).read()
            if "bogus" in text and not lenient:
                raise ConfigError("unknown command", filename=path, line=1, column=0, text="bogus")
            return cls(hostname=text.split()[1] if text.startswith("hostname ") else "hub")
        return cls()

    def configure(self, args: dict) -> str:
        self.config_mode = True
        return "Enter configuration commands, one per line.  End with CNTL/Z.\n"

    def attend_console(self) -> None:
        """The double has no command that asks `[confirm]`."""

    def execute(self, line: str) -> str:
        if not self.config_mode:
            return self.commands.execute(line)
        words = line.split()
        if words in (["end"], ["exit"]):
            self.config_mode = False
        elif words[:1] == ["hostname"] and len(words) == 2:
            self.hostname = words[1]
        elif words:
            raise ExecError("config line not understood by the test double")
        return ""

    def complete(self, line: str) -> list[str]:
        return [] if self.config_mode else self.commands.complete(line)

    def help(self, line: str) -> list[tuple[str, str]]:
        return [("hostname", "Set system's network name")] if self.config_mode else self.commands.help(line)

    def prompt(self) -> str:
        return f"{self.hostname}(config)#" if self.config_mode else f"{self.hostname}#"

    async def start_services(self, control_path: str, coa_host: str = "127.0.0.1",
                             coa_port: int | None = None):
        """The control socket alone: the double has no RADIUS service."""
        return await services.start(self, control_path, log=print)


def install() -> None:
    """Make `from qfp_model.control.headend import Headend` give the double, so that `qfp run` serves
    it (the real headend module is never loaded in that process)."""
    module = types.ModuleType("qfp_model.control.headend")
    module.Headend = TestDevice
    module.COA_HOST = "127.0.0.1"
    sys.modules["qfp_model.control.headend"] = module


if __name__ == "__main__":
    install()
    from qfp_model.tools.cli import main
    sys.exit(main(sys.argv[1:]))
