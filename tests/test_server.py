"""The control socket: round trips over real Unix sockets, refusals kept in IOS's form, malformed and
hostile requests that must not hurt the server, and `qfp cli` / `qfp run` as subprocesses."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from exec_target import RUNNING_CONFIG, TestDevice
from qfp_model.control.errors import ExecError
from qfp_model.control.grammar.engine import AmbiguousCommand, IncompleteCommand, InvalidInput, format_error
from qfp_model.control.io.control_socket import MAX_REQUEST, ControlClient, ControlServer, SocketInUse, handle_request
from qfp_model.control.io.loop import BackgroundLoop, LoopTarget

TESTS = Path(__file__).parent
PYTHON = sys.executable


@pytest.fixture
def sock_path(tmp_path):
    # AF_UNIX paths are short (108 bytes); pytest's tmp dirs can be long.
    path = Path("/tmp") / f"qfp-test-{os.getpid()}-{tmp_path.name[-20:]}.sock"
    yield str(path)
    path.unlink(missing_ok=True)


@pytest.fixture
def served(sock_path):
    """A TestDevice served on a background loop, as `qfp run` at a terminal does."""
    device = TestDevice()
    background = BackgroundLoop().start()
    server = ControlServer(device, sock_path)
    background.run(server.start())
    yield device, sock_path, background
    background.run(server.close())
    background.stop()


def raw_exchange(path: str, payload: bytes) -> list[dict]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(path)
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return [json.loads(line) for line in data.splitlines()]


# -- the protocol without IO ----------------------------------------------------------------------------

def test_replies():
    device = TestDevice()
    assert handle_request(device, b'{"op": "prompt"}') == {"ok": True, "output": "hub#"}
    assert handle_request(device, '{"op": "execute", "line": "sh run"}') == {"ok": True, "output": RUNNING_CONFIG}
    assert handle_request(device, '{"op": "complete", "line": "sh pol"}') == {"ok": True, "output": ["policy-map"]}
    assert handle_request(device, '{"op": "help", "line": "clear crypto session remote "}') == {
        "ok": True, "output": [("A.B.C.D", "IP address of the remote peer")]}


@pytest.mark.parametrize("raw, error", [
    (b"{not json", "% Malformed request: "),
    (b"\xff\xfe", "% Malformed request: "),
    (b"[1, 2]", "% Malformed request: not a JSON object"),
    (b'{"op": "reboot"}', "% Unknown operation 'reboot'"),
    (b'{"op": "execute", "line": 7}', "% Malformed request: line is not a string"),
])
def test_malformed_requests_get_error_replies(raw, error):
    reply = handle_request(TestDevice(), raw)
    assert reply["ok"] is False and reply["error"].startswith(error)


def test_refusals_carry_ios_text_and_what_a_shell_needs_to_lay_them_out():
    device = TestDevice()
    reply = handle_request(device, '{"op": "execute", "line": "show polcy-map"}')
    assert reply == {"ok": False, "kind": "invalid-input", "line": "show polcy-map", "column": 5,
                     "error": "show polcy-map\n     ^\n% Invalid input detected at '^' marker."}
    assert handle_request(device, '{"op": "execute", "line": "s r"}') == {
        "ok": False, "kind": "ambiguous", "line": "s r", "error": '% Ambiguous command:  "s r"'}
    assert handle_request(device, '{"op": "execute", "line": "test refuse"}') == {
        "ok": False, "error": "% no session on Virtual-Access9"}


def test_a_failing_handler_is_an_internal_error_and_is_logged(caplog):
    reply = handle_request(TestDevice(), '{"op": "execute", "line": "test crash"}')
    assert reply == {"ok": False, "error": "% Internal error: the handler broke"}
    assert "the handler broke" in caplog.text


# -- real sockets ---------------------------------------------------------------------------------------

def test_client_round_trips(served):
    _, path, _ = served
    with ControlClient(path) as client:
        assert client.prompt() == "hub#"
        assert client.execute("show running-config | include police") == "  police cir 2000000\n"
        assert client.complete("sh pol int Vi") == ["Virtual-Access", "Virtual-Template"]
        assert client.help("show policy-map interface vi ") == [("<0-4294967295>", "Virtual-Access interface number")]
        assert client.execute("") == ""


def test_client_raises_the_engines_own_exceptions(served):
    _, path, _ = served
    with ControlClient(path) as client:
        with pytest.raises(InvalidInput) as info:
            client.execute("sh pol int vi1 sideways")
        assert format_error(info.value, "hub#") == " " * 19 + "^\n% Invalid input detected at '^' marker."
        with pytest.raises(IncompleteCommand):
            client.execute("show policy-map interface")
        with pytest.raises(AmbiguousCommand):
            client.help("s r ")
        with pytest.raises(ExecError, match="^Internal error: the handler broke$"):
            client.execute("test crash")
        assert client.prompt() == "hub#"   # the connection survives every refusal


def test_the_server_survives_garbage_and_keeps_the_connection(served):
    _, path, _ = served
    replies = raw_exchange(path, b'garbage\n{"op": "prompt"}\n\n[]\n{"op": "execute", "line": "sh log"}\n')
    assert [r["ok"] for r in replies] == [False, True, False, False, True]
    assert replies[1]["output"] == "hub#" and replies[4]["output"] == "Syslog logging: enabled\n"


def test_an_overlong_request_is_answered_then_dropped(served):
    _, path, _ = served
    replies = raw_exchange(path, b"x" * (MAX_REQUEST + 10) + b"\n")
    assert replies == [{"ok": False, "error": f"% Malformed request: longer than {MAX_REQUEST} bytes"}]
    with ControlClient(path) as client:
        assert client.prompt() == "hub#"


def test_a_client_that_vanishes_mid_request_does_not_matter(served):
    _, path, _ = served
    for _ in range(20):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            sock.sendall(b'{"op": "execute", "line": "show running-config"}\n')
    with ControlClient(path) as client:
        assert client.prompt() == "hub#"


def test_device_calls_are_serialised_on_the_loop_thread(served):
    device, path, background = served
    threads, lock, overlap, busy = set(), threading.Lock(), [], [0]
    original = device.commands.execute

    def execute(line):
        threads.add(threading.current_thread().name)
        with lock:
            busy[0] += 1
            overlap.append(busy[0])
        time.sleep(0.002)
        with lock:
            busy[0] -= 1
        return original(line)

    device.commands.execute = execute
    local = LoopTarget(device, background)

    def hammer():
        with ControlClient(path) as client:
            for _ in range(10):
                client.execute("show logging")

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for w in workers:
        w.start()
    for _ in range(10):
        local.execute("show logging")
    for w in workers:
        w.join()
    assert threads == {"qfp-loop"} and max(overlap) == 1 and len(overlap) == 50


def test_a_stale_socket_is_replaced_and_a_live_one_refused(sock_path):
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(sock_path)
    stale.close()   # bound, never listening: what a killed device leaves behind

    async def scenario():
        first = ControlServer(TestDevice(), sock_path)
        await first.start()
        assert os.stat(sock_path).st_mode & 0o777 == 0o600
        with pytest.raises(SocketInUse, match="already serving"):
            await ControlServer(TestDevice(), sock_path).start()
        await first.close()
        assert not os.path.exists(sock_path)

    asyncio.run(scenario())


def test_a_path_that_is_not_a_socket_is_never_removed(tmp_path):
    path = tmp_path / "precious"
    path.write_text("keep me")
    with pytest.raises(SocketInUse, match="not a socket"):
        asyncio.run(ControlServer(TestDevice(), str(path)).start())
    assert path.read_text() == "keep me"


def test_client_without_a_device(sock_path):
    with pytest.raises(ConnectionError, match="no device is listening"):
        ControlClient(sock_path).prompt()


def test_per_connection_terminals_when_the_target_offers_them(sock_path):
    class Terminals:
        def __init__(self):
            self.opened = []

        def open_terminal(self):
            self.opened.append(TestDevice())
            return self.opened[-1]

    target = Terminals()

    async def scenario():
        server = ControlServer(target, sock_path)
        await server.start()
        try:
            replies = await asyncio.gather(*(asyncio.to_thread(exchange, line)
                                             for line in ("configure terminal", "show logging")))
        finally:
            await server.close()
        return replies

    def exchange(line):
        with ControlClient(sock_path) as client:
            client.execute(line)
            return client.prompt()

    assert sorted(asyncio.run(scenario())) == ["hub#", "hub(config)#"]
    assert len(target.opened) == 2


# -- qfp cli and qfp run as processes --------------------------------------------------------------------

def qfp(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """`qfp ARGS` with tests/exec_target.py's double standing in for control.device."""
    return subprocess.run([PYTHON, str(TESTS / "exec_target.py"), *args], capture_output=True, text=True,
                          timeout=30, **kwargs)


def test_qfp_cli_one_command_exit_codes(served):
    _, path, _ = served
    done = qfp("cli", "--control", path, "show", "running-config", "|", "include", "hostname")
    assert (done.returncode, done.stdout, done.stderr) == (0, "hostname hub\n", "")
    done = qfp("cli", "--control", path, "show polcy-map")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "show polcy-map\n     ^\n% Invalid input detected at '^' marker.\n"
    done = qfp("cli", "--control", path, "s", "r")
    assert (done.returncode, done.stderr) == (1, '% Ambiguous command:  "s r"\n')


def test_qfp_cli_without_a_device(sock_path):
    done = qfp("cli", "--control", sock_path, "show", "logging")
    assert done.returncode == 2 and "no device is listening on" in done.stderr


def test_qfp_cli_shell_over_the_socket_without_a_terminal(served):
    device, path, _ = served
    done = qfp("cli", "--control", path, "--no-history",
               input="sh log\nconfigure terminal\nhostname edge\nend\nsh pol\n")
    assert done.returncode == 0
    assert done.stdout == ("hub#sh log\nSyslog logging: enabled\n"
                           "hub#configure terminal\nEnter configuration commands, one per line.  End with CNTL/Z.\n"
                           "hub(config)#hostname edge\nedge(config)#end\nedge#sh pol\npolicy_map=True\nshow=True\n")
    assert device.hostname == "edge"


def test_qfp_run_serves_until_sigterm(sock_path):
    proc = subprocess.Popen([PYTHON, str(TESTS / "exec_target.py"), "run", "--control", sock_path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line == f"qfp run: serving hub on {sock_path} (SIGINT or SIGTERM stops it)\n"
        assert qfp("cli", "--control", sock_path, "show", "logging").stdout == "Syslog logging: enabled\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
    assert not os.path.exists(sock_path)


def test_qfp_run_refuses_a_bad_config_unless_lenient(sock_path, tmp_path):
    config = tmp_path / "bad.cfg"
    config.write_text("hostname spoke\nbogus\n")
    done = qfp("run", "--config", str(config), "--control", sock_path, stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and "unknown command" in done.stderr
    proc = subprocess.Popen([PYTHON, str(TESTS / "exec_target.py"), "run", "--config", str(config), "--lenient",
                             "--control", sock_path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("qfp run: serving spoke on ")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
