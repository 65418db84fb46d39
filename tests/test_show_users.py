"""`show users`: the lines in use (the console, each SSH session while it lasts), the asker's
marked, idle since each line's last command, in IOS's layout (tests/golden/ios-xe/show-users.txt),
which Genie's parser reads."""
from __future__ import annotations

from pathlib import Path
from unittest.mock import Mock

from qfp_model.control.headend import Headend
from test_show_everyday import genie

GOLDEN = Path(__file__).parent / "golden" / "ios-xe" / "show-users.txt"


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_console_and_a_vty_print_as_the_real_device_does():
    clock = Clock(1_000_000.0)
    with Headend.from_config_file() as headend:
        headend.device.wall_clock = clock    # Headend.__init__ set its own; every line reads this one
        headend.console.line.last_input = clock.now
        vty = headend.open_terminal(remote=True)
        vty.line.number, vty.line.user, vty.line.location = 2, "cisco", "10.0.0.191"
        clock.now += 10 * 3600 + 38 * 60 + 21
        assert vty.execute("show users") == GOLDEN.read_text()
        # the console's own view: it is the one marked, and its idle time starts again
        lines = headend.execute("show users").splitlines()
        assert lines[1] == "*  0 con 0                idle                 00:00:00"
        assert lines[2] == "   2 vty 0     cisco      idle                 00:00:00 10.0.0.191"
        vty.closed = True        # its session ended: its line is free
        assert "vty 0" not in headend.execute("show users")


def test_genie_parses_ours():
    with Headend.from_config_file() as headend:
        vty = headend.open_terminal(remote=True)
        vty.line.number, vty.line.user, vty.line.location = 3, "netops", "192.0.2.7"
        parsed = genie("show_session").ShowUsers(device=Mock()).parse(output=vty.execute("show users"))
    assert parsed["line"]["0 con 0"]["active"] is False
    assert parsed["line"]["3 vty 1"] == {"active": True, "tty": "3", "user": "netops", "host": "idle",
                                         "idle": "00:00:00", "location": "192.0.2.7"}
