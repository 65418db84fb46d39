"""`show logging` and `show clock`: the device's log buffer and its virtual clock."""
from __future__ import annotations

from collections.abc import Sequence

from qfp_model.qfp.packets import NS_PER_S


def logging_data(lines: Sequence[str], capacity: int) -> dict:
    return {"capacity": capacity, "messages": list(lines)}


def render_logging(data: dict) -> str:
    head = ["Syslog logging: enabled (0 messages dropped)",
            f"    Buffer logging:  level debugging, {len(data['messages'])} messages logged",
            "", f"Log Buffer ({data['capacity']} lines):"]
    return "\n".join(head + data["messages"]) + "\n"


def clock_data(clock_ns: int) -> dict:
    return {"clock_ns": clock_ns}


def render_clock(data: dict) -> str:
    clock_ns = data["clock_ns"]
    seconds, ns = divmod(clock_ns, NS_PER_S)
    minutes, s = divmod(seconds, 60)
    hours, m = divmod(minutes, 60)
    return f"*{hours:02d}:{m:02d}:{s:02d}.{ns // 1_000_000:03d} virtual time ({clock_ns} ns)\n"
