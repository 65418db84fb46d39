"""Small formatters shared by the show commands: rates, durations and addresses."""
from __future__ import annotations

from qfp_model.qfp.packets import NS_PER_S


def rate_bps(octets: int, elapsed_ns: int) -> int:
    """The mean bit rate of `octets` over `elapsed_ns` of virtual time, rounded down; 0 with no time."""
    if elapsed_ns <= 0:
        return 0
    return octets * 8 * NS_PER_S // elapsed_ns


def format_rate(bps: int) -> str:
    # IOS XE prints an idle rate as `0000 bps`; four digits at least reproduces that and leaves
    # every rate of 1000 bps or more as it is.
    return f"{bps:04d}"


def format_uptime(seconds: int) -> str:
    """IOS's uptime: `hh:mm:ss` under a day, `NdNNh` under a week, `NwNd` after."""
    days, rest = divmod(seconds, 86400)
    if days == 0:
        return format_hms(rest)
    if days < 7:
        return f"{days}d{rest // 3600:02d}h"
    return f"{days // 7}w{days % 7}d"


def format_hms(seconds: int) -> str:
    """`hh:mm:ss`, hours unbounded (lifetimes)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def ip_text(address) -> str:
    """An address as IOS prints it: IPv6 compressed in upper case (`2001:DB8::1`)."""
    text = str(address)
    return text.upper() if ":" in text else text
