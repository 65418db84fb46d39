"""`show logging`, `show clock` and `show debugging`: the device's log buffer, its virtual clock,
and what `debug` turned on.

`show logging` follows a real IOS XE device's layout (tests/golden/ios-xe/show-logging.txt): the
buffer's size in bytes (`logging buffered SIZE`, else IOS's default; control/core/device.py) and
the count of messages in it are the device's; the other logging destinations are fixed text
(console and monitor logging are not modeled, trap logging is off: no `logging host`).

`show debugging` lists the debug flags on, with IOS's `... debugging is on` sentences (the words
`debug radius` and `debug aaa coa` answer with); no real device's `show debugging` was at hand, so
its grouping is ours: one line per facility, nothing when all are off.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from qfp_model.qfp.packets import NS_PER_S


def logging_data(lines: Sequence[str], capacity_bytes: int) -> dict:
    return {"capacity_bytes": capacity_bytes, "messages": list(lines)}


def render_logging(data: dict) -> str:
    count = len(data["messages"])
    head = [
        "Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns,"
        " xml disabled, filtering disabled)",
        "",
        "No Active Message Discriminator.",
        "",
        "No Inactive Message Discriminator.",
        "",
        "    Console logging: disabled",
        "    Monitor logging: level debugging, 0 messages logged, xml disabled,",
        "                     filtering disabled",
        f"    Buffer logging:  level debugging, {count} messages logged, xml disabled,",
        "                    filtering disabled",
        "    Exception Logging: size (4096 bytes)",
        "    Count and timestamp logging messages: disabled",
        "    Persistent logging: disabled",
        "",
        "No active filter modules.",
        "",
        "    Trap logging: level informational, 0 message lines logged",
        "        Logging Source-Interface:       VRF Name:",
        "",
        f"Log Buffer ({data['capacity_bytes']} bytes):",
    ]
    return "\n".join(head + data["messages"]) + "\n"


def clock_data(clock_ns: int) -> dict:
    return {"clock_ns": clock_ns}


def render_clock(data: dict) -> str:
    clock_ns = data["clock_ns"]
    seconds, ns = divmod(clock_ns, NS_PER_S)
    minutes, s = divmod(seconds, 60)
    hours, m = divmod(minutes, 60)
    return f"*{hours:02d}:{m:02d}:{s:02d}.{ns // 1_000_000:03d} virtual time ({clock_ns} ns)\n"


def debugging_data(on: Iterable[str], sentences: dict[str, str]) -> list[dict]:
    """The facilities in `on`, in `sentences`' order, each with the sentence IOS says of it."""
    return [{"facility": f, "text": text} for f, text in sentences.items() if f in set(on)]


def render_debugging(data: Sequence[dict]) -> str:
    return "".join(entry["text"] + "\n" for entry in data)
