"""The kinds of configuration mode, each with the prompt IOS shows in it."""
from __future__ import annotations

from enum import Enum


class ModeKind(Enum):
    GLOBAL = "config"
    ACL_EXTENDED = "config-ext-nacl"
    ACL_STANDARD = "config-std-nacl"
    IPV6_ACL = "config-ipv6-acl"
    CLASS_MAP = "config-cmap"
    POLICY_MAP = "config-pmap"
    POLICY_CLASS = "config-pmap-c"
    POLICE = "config-pmap-c-police"
    TEMPLATE = "config-if"
    IKEV2_PROFILE = "config-ikev2-profile"
    DYNAMIC_AUTHOR = "config-locsvr-da-radius"
    RADIUS_SERVER = "config-radius-server"
    RADIUS_GROUP = "config-sg-radius"
    # A block the device keeps verbatim (`interface GigabitEthernet1`, `line vty 0 4` ...): its prompt
    # depends on the block, so the mode carries it (an Enum value must be unique).
    BLOCK = "block"
    # The lines under a refused line of a file, skipped with it; never seen at a terminal.
    SKIP = "skip"

    @property
    def prompt(self) -> str:
        return self.value

    @property
    def keeps_lines(self) -> bool:
        """Whether the mode keeps lines it does not model (an interface's `ip mtu`), verbatim."""
        return self in (ModeKind.TEMPLATE, ModeKind.IKEV2_PROFILE, ModeKind.RADIUS_SERVER,
                        ModeKind.RADIUS_GROUP, ModeKind.BLOCK, ModeKind.SKIP)
