"""The control socket is its owner's alone (issue 11): a private default directory that another
user cannot have made first, a socket that is 0600 from its first instant, the kernel's word on who
is at the other end (both ends), a cap on clients, an idle timeout, and no request line that can
crash the server. Tests that need a second user run as root (as CI does) and play `nobody`."""
from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from exec_target import TestDevice
from qfp_model.control.io import control_socket, ownership
from qfp_model.control.io.control_socket import ControlClient, ControlServer, handle_request
from qfp_model.control.io.loop import BackgroundLoop

NOBODY = 65534
as_root = pytest.mark.skipif(os.getuid() != 0, reason="playing a second user needs root (CI runs as root)")


@pytest.fixture
def short_tmp(tmp_path):
    # AF_UNIX paths are short (108 bytes); pytest's tmp dirs can be long.
    path = Path("/tmp") / f"qfp-sec-{os.getpid()}-{tmp_path.name[-12:]}"
    path.mkdir(mode=0o700)
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=False)


def serve(path: str, **options):
    background = BackgroundLoop().start()
    server = ControlServer(TestDevice(), path, **options)
    background.run(server.start())
    return server, background


def stop(server, background) -> None:
    background.run(server.close())
    background.stop()


def read_lines(sock: socket.socket) -> list[dict]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return [json.loads(line) for line in data.splitlines()]


# ---- the default place --------------------------------------------------------------------------

def test_the_default_socket_lives_in_a_private_directory_made_for_it(monkeypatch, short_tmp):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(short_tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    path = Path(ownership.default_socket_path())
    assert path.parent == short_tmp / f"qfp-{os.getuid()}"
    mode = path.parent.lstat().st_mode
    assert stat.S_ISDIR(mode) and stat.S_IMODE(mode) == 0o700


@pytest.mark.parametrize("spoil", ["open", "symlink", "file"])
def test_a_default_directory_that_is_not_private_is_refused_never_used(monkeypatch, short_tmp, spoil):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(short_tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    place = short_tmp / f"qfp-{os.getuid()}"
    if spoil == "open":
        place.mkdir(mode=0o755)
        place.chmod(0o777)
    elif spoil == "symlink":
        (short_tmp / "elsewhere").mkdir(mode=0o700)
        place.symlink_to(short_tmp / "elsewhere")
    else:
        place.write_text("")
    with pytest.raises(ownership.NotPrivate):
        ownership.default_socket_path()


@as_root
def test_a_directory_another_user_made_first_is_refused(monkeypatch, short_tmp):
    """The squatting attack: in a shared /tmp, `nobody` makes qfp-0 (0700, its own) first."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(short_tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    place = short_tmp / f"qfp-{os.getuid()}"
    place.mkdir(mode=0o700)
    os.chown(place, NOBODY, NOBODY)
    with pytest.raises(ownership.NotPrivate, match="belongs to uid 65534"):
        ownership.default_socket_path()
    with pytest.raises(ConnectionError, match="belongs to uid 65534"):
        ControlClient().connect()


# ---- the socket itself ----------------------------------------------------------------------------

def test_the_socket_is_0600_from_its_first_instant_whatever_the_umask(monkeypatch, short_tmp):
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)   # no tightening after the fact
    old = os.umask(0)
    try:
        server, background = serve(str(short_tmp / "s.sock"))
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(os.lstat(server.path).st_mode) == 0o600
    finally:
        stop(server, background)


def nobody_python(code: str, *args: str) -> subprocess.Popen:
    """`code` as the user nobody, in the system's Python (root's own may sit where nobody cannot read)."""
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.fail("playing `nobody` needs /usr/bin/python3 (Debian: python3)")
    return subprocess.Popen([python, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, user=NOBODY, group=NOBODY, cwd="/")


@as_root
def test_the_device_serves_its_owner_only(short_tmp):
    short_tmp.chmod(0o755)
    server, background = serve(str(short_tmp / "s.sock"))
    try:
        os.chmod(server.path, 0o666)   # as if the file mode had been loosened: the kernel still says who
        code = ("import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
                "print(s.makefile().readline())")   # a refusal comes unasked
        out, err = nobody_python(code, server.path).communicate(timeout=20)
        assert out, err
        assert json.loads(out) == {"ok": False, "error": "% Permission denied: this device serves its owner only"}
        assert server.refused["not-owner"] == 1
    finally:
        stop(server, background)


@as_root
def test_qfp_cli_talks_to_no_other_users_socket(short_tmp):
    """A squatter's socket at the path answers like a device; the client asks the kernel first."""
    short_tmp.chmod(0o777)
    path = str(short_tmp / "squat.sock")
    code = ("import socket,sys,os; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777);"
            "s.listen(); print('ready', flush=True); c,_=s.accept(); c.makefile().readline();"
            "c.sendall(b'{\"ok\": true, \"output\": \"fake\"}\\n')")
    squatter = nobody_python(code, path)
    try:
        assert squatter.stdout.readline().strip() == "ready"
        with pytest.raises(ConnectionError, match="another user"):
            ControlClient(path, timeout=5).connect()
    finally:
        squatter.kill()
        squatter.wait()


# ---- bounded work ---------------------------------------------------------------------------------

def test_clients_beyond_the_cap_are_turned_away_and_counted_not_logged_each(short_tmp, caplog):
    server, background = serve(str(short_tmp / "s.sock"), max_clients=2)
    held = []
    try:
        for _ in range(2):
            client = ControlClient(server.path, timeout=5).connect()
            assert client.prompt() == "hub#"
            held.append(client)
        for _ in range(3):
            with socket.socket(socket.AF_UNIX) as extra:
                extra.settimeout(5)
                extra.connect(server.path)
                assert read_lines(extra) == [{"ok": False, "error": "% Too many clients: 2 are connected"}]
        assert server.refused["too-many-clients"] == 3
        assert sum("Too many clients" in r.getMessage() for r in caplog.records) == 1
        held.pop().close()
        time.sleep(0.2)
        with ControlClient(server.path, timeout=5) as again:
            assert again.prompt() == "hub#"
    finally:
        for client in held:
            client.close()
        stop(server, background)


def test_an_idle_client_is_disconnected(short_tmp):
    server, background = serve(str(short_tmp / "s.sock"), idle_timeout=0.3)
    try:
        with socket.socket(socket.AF_UNIX) as idle:
            idle.settimeout(10)
            idle.connect(server.path)
            assert read_lines(idle) == [{"ok": False, "error": "% Idle for 0.3 s: disconnected"}]
        assert server.refused["idle"] == 1
    finally:
        stop(server, background)


def test_a_request_nested_thirty_thousand_deep_is_an_error_reply():
    reply = handle_request(TestDevice(), "[" * 30_000)
    assert reply == {"ok": False, "error": "% Malformed request: nested too deeply"}
    assert control_socket.MAX_REQUEST >= 30_000
