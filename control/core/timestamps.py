"""IOS's log and debug timestamps, as `service timestamps log|debug datetime msec` prints them."""
from __future__ import annotations

from datetime import datetime, timezone


def ios_timestamp(now: float) -> str:
    """`*Dec  2 13:16:52.123:` for the POSIX time `now`: the `*` says the clock was never set by
    NTP or by hand (the model's never is), IOS pads the day to two characters, and with no `clock
    timezone` configured it prints UTC."""
    t = datetime.fromtimestamp(now, timezone.utc)
    return f"*{t:%b} {t.day:>2} {t:%H:%M:%S}.{t.microsecond // 1000:03d}:"
