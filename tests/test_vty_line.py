"""A user's own line on a vty: `show terminal` (IOS XE's layout, tests/golden/ios-xe/) and what
`terminal width` does, which is what IOS does with it: nothing to the text, but a line longer than
the width counts as the screen rows it wraps to when `--More--` pages."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

from qfp_model.control.core.device import Device
from qfp_model.control.exec.vty import ERASE_MORE, MORE, Vty
from qfp_model.control.headend import Headend
from test_show_everyday import parse

GOLDEN = Path(__file__).parent / "golden" / "ios-xe" / "show-terminal.vty.txt"


class Channel:
    """Keys in, everything written kept."""

    def __init__(self, keys: str = ""):
        self.keys, self.out = list(keys), ""

    async def read(self) -> str:
        return self.keys.pop(0) if self.keys else ""

    def write(self, text: str) -> None:
        self.out += text


def _terminal():
    headend = Headend(Device.from_config_file())
    terminal = headend.open_terminal(remote=True)
    return headend, terminal


def _normalised(lines):
    out = []
    for line in lines:
        line = re.sub(r'^Line \d+, Location: "", Type: "[^"]*"', 'Line N, Location: "", Type: "T"', line)
        line = re.sub(r"\d+d\d+h|\d\d:\d\d:\d\d", "TIME", line)
        line = re.sub(r"\d+ lines, Width: \d+", "N lines, Width: N", line)
        line = re.sub(r"history size is \d+", "history size is N", line)
        line = re.sub(r"input transports are .*", "input transports are X.", line)
        out.append(line.replace("Capabilities: Receives Logging Output", "Capabilities: none"))
    return out


def test_show_terminal_as_ios_xe_prints_a_vty():
    headend, terminal = _terminal()
    terminal.line.number, terminal.line.type = 2, "VT100"
    default_timeout = terminal.execute("show terminal").splitlines()[9]
    for line in ("configure terminal", "line vty 0 4", "exec-timeout 0 0", "end"):   # the golden's
        terminal.execute(line)
    terminal.execute("terminal length 0")
    terminal.execute("terminal width 0")
    text = terminal.execute("show terminal")
    assert _normalised(text.splitlines()) == _normalised(GOLDEN.read_text().splitlines())
    parsed = parse("show_terminal", "ShowTerminal", text)
    assert (parsed["line"], parsed["type"], parsed["length"], parsed["width"]) == ("2", "VT100", 0, 0)
    assert parsed["input_transport"] == ["ssh"]   # the default config's `transport input ssh`
    terminal.execute("terminal width 132")
    assert "Length: 0 lines, Width: 132 columns" in terminal.execute("show terminal")
    # IOS's 10 minutes, laid out as a real IOS XE `show terminal` prints them (a public capture)
    assert default_timeout == "               00:10:00        never                        none     not set"


def test_terminal_width_counts_wrapped_rows_when_paging():
    _, terminal = _terminal()
    terminal.execute("terminal length 5")
    terminal.execute("terminal width 10")
    channel = Channel("  ")
    vty = Vty(terminal, channel)
    text = "".join(f"{n}" * 25 + "\n" for n in range(1, 4))   # three lines of 25: three rows each
    asyncio.run(vty._page(text))
    pages = channel.out.replace(ERASE_MORE, "").split(MORE)
    # four rows to a page of five: the first line whole, then a row of the second
    assert pages == ["1111111111" "1111111111" "11111\r\n" "2222222222",
                     "2222222222" "22222\r\n" "3333333333" "3333333333",
                     "33333\r\n"]


def test_terminal_width_0_and_a_wide_terminal_page_by_lines():
    for width in (0, 512):
        _, terminal = _terminal()
        terminal.execute("terminal length 3")
        terminal.execute(f"terminal width {width}")
        channel = Channel("q")
        asyncio.run(Vty(terminal, channel)._page("a" * 100 + "\n" + "b" * 100 + "\n" + "c\n"))
        assert channel.out.split(MORE)[0] == "a" * 100 + "\r\n" + "b" * 100 + "\r\n"


def test_quitting_inside_a_wrapped_line_ends_the_line():
    _, terminal = _terminal()
    terminal.execute("terminal length 2")
    terminal.execute("terminal width 4")
    channel = Channel("q")
    asyncio.run(Vty(terminal, channel)._page("abcdefgh\n"))
    assert channel.out.startswith("abcd" + MORE) and channel.out.endswith("\r\n")
