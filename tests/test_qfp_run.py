"""`qfp run` on the embedded default config and `qfp cli` against it, as a user runs them: real
processes, the real device and fast path, the control socket in between."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

PYTHON = sys.executable
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def device_socket(tmp_path):
    path = f"/tmp/qfp-run-{os.getpid()}-{tmp_path.name[-12:]}.sock"
    proc = subprocess.Popen([PYTHON, "-m", "qfp_model.tools.cli", "run", "--control", path],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline() == \
            f"qfp run: serving flexvpn-hub on {path} (SIGINT or SIGTERM stops it)\n"
        yield path
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
    assert not os.path.exists(path)


def cli(path: str, line: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "qfp_model.tools.cli", "cli", "--control", path, *line.split()],
                          capture_output=True, text=True, timeout=60)


def ok(path: str, line: str) -> str:
    done = cli(path, line)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_session_traffic_and_every_view_of_it(device_socket):
    up = ok(device_socket, "sim session up remote 77.1.1.1 local 77.1.1.2 fvrf-id 2 ivrf-id 2")
    assert up == "Virtual-Access1 up, audit-session-id L2L44D010102ZO2L44D010101ZI1F401F4ZO2\n"
    sent = ok(device_socket, "sim traffic interface Vi1 input size 1000 rate 2000000 packets 1000")
    # aaa-in-policy polices at 1 Mbit/s with Bc 31,250 bytes; 1000 packets 4 ms apart span 3.996 s.
    conformed = (1_000_000 * 3996 // 1000 // 8 + 31_250) // 1000
    assert f"conformed {conformed}, exceeded {1000 - conformed}, violated 0" in sent

    pmap = ok(device_socket, "show policy-map interface Virtual-Access1 input")
    assert "Service-policy input: aaa-in-policy" in pmap
    assert f"conformed {conformed} packets, {conformed * 1000} bytes; actions:" in pmap

    acl = ok(device_socket, "sh ip access-lists HUB-IN")
    assert "permit ip any any (1000 matches)" in acl

    platform = ok(device_socket, "show platform hardware qfp active feature qos all input all")
    golden = (GOLDEN / "qos-all-input-all.txt").read_text()
    assert _layout(platform) == _layout(golden.replace("aaa-in-policy", "aaa-in-policy"))

    assert "!\ninterface Virtual-Access1\n" in ok(device_socket, "show derived-config interface Vi1")
    assert "Interface: Virtual-Access1" in ok(device_socket, "show crypto session detail")


def _layout(text: str) -> list[str]:
    """Lines with whitespace runs collapsed and the numbers a device allocates (and the values
    this particular traffic produced) blanked, leaving the format."""
    lines = []
    for line in text.strip().splitlines():
        line = " ".join(line.split())
        line = re.sub(r"0x[0-9a-f]{8,16}", "0x#", line)
        line = re.sub(r"(Policy id|Class object id|if_h|ifh): \d+", r"\1: #", line)
        lines.append(line)
    return lines


def test_refusals_exit_1_with_ios_messages(device_socket):
    done = cli(device_socket, "show policy-map interface Virtual-Access9")
    assert done.returncode == 1 and done.stderr == "% no session on Virtual-Access9\n"
    done = cli(device_socket, "sim frobnicate")
    assert done.returncode == 1
    assert done.stderr.endswith("% Invalid input detected at '^' marker.\n")


def test_clear_crypto_session_tears_down_by_peer(device_socket):
    for remote in ("77.1.1.1", "77.1.1.3"):
        ok(device_socket, f"sim session up remote {remote} local 77.1.1.2")
    ok(device_socket, "clear crypto session remote 77.1.1.1")
    sessions = ok(device_socket, "show crypto session")
    assert "Peer: 77.1.1.3" in sessions and "Peer: 77.1.1.1 " not in sessions
    assert "Interface: Virtual-Access2" in sessions


def test_a_bad_config_does_not_start_the_device(tmp_path):
    config = tmp_path / "hub.cfg"
    config.write_text("hostname hub\npolicy-map P\n class VOICE\n  police cir 8000\n")
    done = subprocess.run([PYTHON, "-m", "qfp_model.tools.cli", "run", "--config", str(config),
                           "--control", str(tmp_path / "s")], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (f"{config}:3: undefined class-map 'VOICE' in policy-map 'P'\n"
                           "   class VOICE\n"
                           "         ^\n")


def test_a_missing_config_file_is_one_clear_line(tmp_path):
    done = subprocess.run([PYTHON, "-m", "qfp_model.tools.cli", "run", "--config", str(tmp_path / "nope.cfg"),
                           "--control", str(tmp_path / "s")], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == \
        (2, f"qfp run: cannot read {tmp_path / 'nope.cfg'}: No such file or directory\n")
