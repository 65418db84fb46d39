"""The interactive shell, driven through a pseudo-terminal as a user would drive it: Tab completion,
`?` answered without Enter, errors under the prompt, history, config mode, leaving; and the same shell
without a terminal. (The standard library's pty is enough: no pexpect.)"""
from __future__ import annotations

import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exec_target import TestDevice
from qfp_model.control.exec.shell import Shell
from qfp_model.control.io.control_socket import ControlClient

TESTS = Path(__file__).parent
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\x07")


class Terminal:
    """A process on a pty; expect() reads what a user would see (escape codes and CRs removed)."""

    def __init__(self, argv: list[str], env: dict):
        master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.fd = master
        self.seen = ""

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def expect(self, text: str, timeout: float = 15) -> str:
        """Everything up to and including `text`; consumed."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise AssertionError(f"timed out waiting for {text!r}; the screen had:\n{self.seen}")
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:   # the process closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"the process ended before {text!r}; the screen had:\n{self.seen}")
            self.seen += ANSI.sub(b"", chunk).replace(b"\r", b"").decode(errors="replace")
        at = self.seen.index(text) + len(text)
        before, self.seen = self.seen[:at], self.seen[at:]
        return before

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=15)
        finally:
            self.proc.kill()
            self.proc.wait()
            os.close(self.fd)


@pytest.fixture
def home(tmp_path):
    return tmp_path


@pytest.fixture
def run_shell(home, tmp_path):
    """`qfp run` (the test double's device) at a terminal, with HOME in a tmp dir for the history."""
    terminals = []
    sock = f"/tmp/qfp-shell-{os.getpid()}-{tmp_path.name[-16:]}.sock"

    def start(*extra: str) -> Terminal:
        env = dict(os.environ, HOME=str(home), TERM="xterm", INPUTRC="/dev/null", COLUMNS="200")
        terminal = Terminal([sys.executable, str(TESTS / "exec_target.py"), "run", "--control", sock, *extra], env)
        terminal.sock = sock
        terminals.append(terminal)
        terminal.expect("hub#")
        return terminal

    yield start
    for terminal in terminals:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
        terminal.proc.wait()
    Path(sock).unlink(missing_ok=True)


def test_tab_completes_keywords_and_interface_types(run_shell):
    shell = run_shell("--no-history")
    shell.send("sh pol\tint Vir\t")
    shell.expect("Virtual-")   # two types start so: readline completes the common part and waits
    shell.send("A\t1 out\r")
    assert shell.expect("hub#").endswith(
        "interface=Virtual-Access1\noutput=True\npolicy_map=True\nshow=True\nhub#")
    shell.send("exit\r")
    assert shell.close() == 0


def test_question_mark_answers_at_once_and_gives_the_line_back(run_shell):
    shell = run_shell("--no-history")
    shell.send("show policy-map ?")
    screen = shell.expect("hub#show policy-map ")
    assert ("  WORD       policy-map name\n"
            "  interface  Show Qos Policy on interface\n"
            "  |          Output modifiers\n"
            "  <cr>       <cr>\n"
            "\n") in screen
    shell.send("int vi1 ?")   # the line given back is live: type on
    screen = shell.expect("hub#show policy-map int vi1 ")
    assert "  input   Input policy\n  output  Output policy\n" in screen
    shell.send("in\r")
    assert "input=True\ninterface=Virtual-Access1\n" in shell.expect("hub#")
    shell.send("s?")
    assert "send  show  sim  \n" in shell.expect("hub#s")
    shell.send("\x15show zz?")   # Ctrl-U clears the line first
    assert "% Unrecognized command\n" in shell.expect("hub#show zz")
    shell.send("\x15exit\r")
    assert shell.close() == 0


def test_errors_are_laid_out_under_the_prompt(run_shell):
    shell = run_shell("--no-history")
    shell.send("sh polcy-map\r")
    assert shell.expect("hub#") == (   # `hub#` and the typed line are on screen already
        "sh polcy-map\n"
        "       ^\n"
        "% Invalid input detected at '^' marker.\n"
        "\n"
        "hub#")
    shell.send("s r\r")
    assert shell.expect("hub#").endswith('s r\n% Ambiguous command:  "s r"\nhub#')
    shell.send("show policy-map interface\r")
    assert shell.expect("hub#").endswith("interface\n% Incomplete command.\n\nhub#")
    shell.send("test crash\r")
    assert "% Internal error: the handler broke\n" in shell.expect("hub#")
    shell.send("\x04")   # Ctrl-D at exec mode leaves
    assert shell.close() == 0


def test_config_mode_and_leaving_it(run_shell):
    shell = run_shell("--no-history")
    shell.send("conf t\r")
    shell.expect("hub(config)#")
    shell.send("hostname edge\r")
    shell.expect("edge(config)#")
    shell.send("exit\r")   # in a config mode `exit` goes to the device, not out of the shell
    shell.expect("edge#")
    shell.send("configure terminal\r")
    shell.expect("edge(config)#")
    shell.send("\x04")   # Ctrl-D ends a config mode, as Ctrl-Z does on IOS
    shell.expect("edge#")
    shell.send("end\r")
    assert shell.close() == 0


def test_the_socket_serves_while_the_shell_is_open_and_goes_with_it(run_shell):
    shell = run_shell("--no-history")
    with ControlClient(shell.sock) as client:
        assert client.execute("show logging") == "Syslog logging: enabled\n"
        client.execute("configure terminal")   # one device: the terminal's prompt follows
    shell.send("\r")
    shell.expect("hub(config)#")
    shell.send("end\r")
    shell.expect("hub#")
    shell.send("exit\r")
    assert shell.close() == 0
    assert not os.path.exists(shell.sock)


def test_history_is_kept_between_sessions(run_shell, home):
    shell = run_shell()
    shell.send("show logging\r")
    shell.expect("hub#")
    shell.send("sh ?")   # help lines are not history
    shell.expect("hub#sh ")
    shell.send("\x15exit\r")
    assert shell.close() == 0
    assert (home / ".qfp_history").read_text().splitlines()[-2:] == ["show logging", "exit"]
    shell = run_shell()
    shell.send("\x1b[A\x1b[A\r")   # Up twice: `show logging` again
    assert "Syslog logging: enabled\n" in shell.expect("hub#")
    shell.send("exit\r")
    assert shell.close() == 0


def test_no_history_writes_nothing(run_shell, home):
    shell = run_shell("--no-history")
    shell.send("show logging\r")
    shell.expect("hub#")
    shell.send("exit\r")
    assert shell.close() == 0
    assert not (home / ".qfp_history").exists()


# -- without a terminal ---------------------------------------------------------------------------------

class Text(io.StringIO):
    def isatty(self) -> bool:
        return False


def transcript(device, text: str) -> str:
    out = Text()
    assert Shell(device, history_file=None, stdin=Text(text), stdout=out).run() == 0
    return out.getvalue()


def test_a_transcript_without_a_terminal():
    assert transcript(TestDevice(), "show logging\nsh polcy\nsh ?\nexit\nshow logging\n") == (
        "hub#show logging\nSyslog logging: enabled\n"
        "hub#sh polcy\n       ^\n% Invalid input detected at '^' marker.\n\n"
        "hub#sh ?\n" + "".join(f"  {line}\n" for line in [
            "ip              IP information",
            "logging         Show the contents of logging buffers",
            "policy-map      Show QoS Policy Map",
            "running-config  Current operating configuration"]) + "\n"
        "hub#exit\n")


def test_end_of_input_in_config_mode_ends_the_mode_then_the_shell():
    device = TestDevice()
    assert transcript(device, "conf t\n").endswith("hub#conf t\nEnter configuration commands, one per line.  "
                                                   "End with CNTL/Z.\nhub(config)#end\n")
    assert not device.config_mode


def test_a_lost_device_ends_the_shell_with_1():
    class Gone:
        def prompt(self):
            raise ConnectionError("the device closed the connection")

    out = Text()
    assert Shell(Gone(), history_file=None, stdin=Text("show logging\n"), stdout=out).run() == 1
    assert out.getvalue() == "% Connection to the device lost: the device closed the connection\n"


def test_ctrl_z_ends_a_config_mode_and_does_not_suspend(run_shell):
    """The terminal turns Ctrl-Z into SIGTSTP for its foreground process; sent here directly, as
    the pty of this test is not the shell's controlling terminal."""
    shell = run_shell("--no-history")
    shell.send("conf t\r")
    shell.expect("hub(config)#")
    # A key arrives while readline waits for one; the prompt is drawn a moment before that, and a
    # signal in between is seen only at the next key. So: again until it is seen.
    for _ in range(10):
        time.sleep(0.3)
        os.kill(shell.proc.pid, signal.SIGTSTP)
        try:
            shell.expect("^Z", timeout=2)
            break
        except AssertionError:
            continue
    shell.expect("hub#")
    time.sleep(0.3)
    os.kill(shell.proc.pid, signal.SIGTSTP)   # in exec mode: a new prompt, still running
    shell.expect("hub#")
    shell.send("end\r")
    assert shell.close() == 0


def test_clear_counters_and_logging_at_the_real_console_ask_to_confirm(home, tmp_path):
    """`qfp run` (the real device) at a terminal is a person at the console: `clear counters`
    asks `[confirm]` as IOS does, Return confirms and the log says who cleared; `n` leaves them.
    `clear logging` asks too."""
    sock = f"/tmp/qfp-console-{os.getpid()}-{tmp_path.name[-16:]}.sock"
    env = dict(os.environ, HOME=str(home), TERM="xterm", INPUTRC="/dev/null", COLUMNS="200")
    terminal = Terminal([sys.executable, "-m", "qfp_model.tools.cli", "run", "--control", sock, "--no-history"], env)
    try:
        terminal.expect("flexvpn-hub#")
        terminal.send("clear counters\r")
        terminal.expect('Clear "show interface" counters on all interfaces [confirm]')
        terminal.send("n\r")
        terminal.expect("flexvpn-hub#")
        terminal.send("show logging | include CLEAR\r")
        assert "%CLEAR-5-COUNTERS" not in terminal.expect("flexvpn-hub#")
        terminal.send("clear counters\r")
        terminal.expect("[confirm]")
        terminal.send("\r")
        terminal.expect("flexvpn-hub#")
        terminal.send("show logging | include CLEAR\r")
        assert "%CLEAR-5-COUNTERS: Clear counter on all interfaces by console" in terminal.expect("flexvpn-hub#")
        terminal.send("clear logging\r")
        terminal.expect("Clear logging buffer [confirm]")
        terminal.send("\r")
        terminal.expect("flexvpn-hub#")
        terminal.send("show logging | include CLEAR\r")
        assert "%CLEAR-5-COUNTERS" not in terminal.expect("flexvpn-hub#")
        terminal.send("exit\r")
        assert terminal.close() == 0
    finally:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
        Path(sock).unlink(missing_ok=True)
