"""Interface names as IOS reads them: `vi1`, `Virtual-access1`, `Tu0`, `vi 1`."""
from __future__ import annotations

import re

# IOS resolves an abbreviated interface type by its own priority, not by uniqueness (`vi` is
# Virtual-Access although Virtual-Template starts the same way): the first type in this order wins.
INTERFACE_TYPES = ("Virtual-Access", "Virtual-Template", "Tunnel", "GigabitEthernet",
                   "TenGigabitEthernet", "Loopback")
_IF_NAME = re.compile(r"([A-Za-z][A-Za-z-]*?)(\d+(?:/\d+)*(?:\.\d+)?)?")
IF_NUMBER = re.compile(r"\d+(?:/\d+)*(?:\.\d+)?")
IF_NUMBER_LABEL = "<0-4294967295>"


def normalise_interface(text: str) -> str | None:
    """`vi1`, `Virtual-access1`, `Tu0` -> `Virtual-Access1`, `Tunnel0`; None when it is not one."""
    m = _IF_NAME.fullmatch(text)
    if not m or m[2] is None:
        return None
    kind = interface_type(m[1])
    return f"{kind}{m[2]}" if kind else None


def interface_type(prefix: str) -> str | None:
    prefix = prefix.lower()
    return next((t for t in INTERFACE_TYPES if t.lower().startswith(prefix)), None)
