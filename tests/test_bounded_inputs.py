"""Every file a user hands the device is read within bounds and answered in one line (issue 11):
/dev/zero, a FIFO, a directory, an oversized file, UTF-16 or Latin-1 text; a UTF-8 byte-order mark
is taken; a capture timestamp no pcap record can hold fails the write, not the run."""
from __future__ import annotations

import os
import struct
import subprocess
import sys

import pytest

from qfp_model.control.errors import ControlError, ExecError
from qfp_model.control.files import read_text
from qfp_model.control.headend import Headend

PYTHON = sys.executable


def qfp(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "qfp_model.tools.cli", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, env={**os.environ, **env})


def test_qfp_run_refuses_dev_zero_in_one_line(tmp_path):
    done = qfp("run", "--config", "/dev/zero", "--control", str(tmp_path / "s"))
    assert (done.returncode, done.stderr) == (1, "qfp run: /dev/zero: the configuration is not a regular file\n")


def test_qfp_replay_refuses_a_fifo_instead_of_hanging(tmp_path):
    fifo = tmp_path / "capture.pcap"
    os.mkfifo(fifo)
    done = qfp("replay", str(fifo))
    assert done.returncode == 1
    assert done.stderr == f"qfp replay: cannot read {fifo}: not a regular file\n"


def test_sim_session_load_of_dev_zero_or_a_directory_is_refused(tmp_path):
    headend = Headend.from_config_file()
    with pytest.raises(ExecError, match="/dev/zero: the session list is not a regular file"):
        headend.execute("sim session load /dev/zero")
    with pytest.raises(ExecError, match="the session list is a directory"):
        headend.execute(f"sim session load {tmp_path}")


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.cfg"
    path.write_text("hostname hub\n" * 100)
    monkeypatch.setenv("QFP_MAX_TEXT_BYTES", "1000")
    with pytest.raises(ControlError, match="is 1,300 bytes, over the limit of 1,000"):
        read_text(path, "configuration")


def test_a_utf8_byte_order_mark_is_taken_utf16_and_latin1_are_named(tmp_path):
    bom = tmp_path / "bom.cfg"
    bom.write_bytes(b"\xef\xbb\xbfhostname edge-9\n")
    assert Headend.from_config_file(bom).prompt() == "edge-9#"
    utf16 = tmp_path / "utf16.cfg"
    utf16.write_text("hostname x\n", encoding="utf-16")
    done = qfp("run", "--config", str(utf16), "--control", str(tmp_path / "s"))
    assert (done.returncode, done.stderr) == \
        (1, f"qfp run: {utf16}: the configuration is UTF-16 text; save it as UTF-8\n")
    latin1 = tmp_path / "latin1.cfg"
    latin1.write_bytes(b"hostname hub\ndescription caf\xe9\n")
    with pytest.raises(ControlError,
                       match=r"latin1.cfg:2: the configuration is not UTF-8 text \(byte 0xe9 at offset 28\)"):
        read_text(latin1, "configuration")


def test_a_timestamp_no_pcap_record_holds_fails_the_write_not_the_run(tmp_path):
    """Seconds 0xFFFFFFFF and a nanosecond fraction of 0xFFFFFFFF read as more than 2^32 seconds."""
    capture = tmp_path / "late.pcap"
    ip = bytes.fromhex("450000200001000040110000") + bytes([10, 0, 0, 1, 192, 0, 2, 1]) + bytes(12)
    capture.write_bytes(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 101)
                        + struct.pack("<IIII", 0xFFFFFFFF, 0xFFFFFFFF, len(ip), len(ip)) + ip)
    done = qfp("replay", str(capture), "--write", str(tmp_path / "out.pcap"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "is past what a pcap record's 32-bit seconds hold" in done.stdout
