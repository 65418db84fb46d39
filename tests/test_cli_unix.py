"""The `qfp` command as a Unix tool, run as a user runs it (a subprocess): quiet when its reader
goes away, one exit-status convention for every subcommand (tools/exit_status.py), `--json -` to
stdout, `qfp cli --json`, `--version`, and a missing optional dependency refused up front."""
from __future__ import annotations

import importlib.metadata
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from exec_target import TestDevice
from qfp_model.control.io.control_socket import handle_request
from qfp_model.tools import exit_status
from test_qfp_run import cli as qfp_cli
from test_qfp_run import device_socket, ok  # noqa: F401 (a fixture, used by name)

QFP = [sys.executable, "-m", "qfp_model.tools.cli"]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def qfp(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*QFP, *args], capture_output=True, text=True, timeout=120, **kwargs)


def qfp_into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """`qfp ARGS` with stdout a pipe whose reader has already gone: every write to it fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([*QFP, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


# ---- --version --------------------------------------------------------------------------------------

def test_version_is_the_distributions():
    expected = f"qfp {importlib.metadata.version('qfp-model')}\n"
    assert (qfp("--version").returncode, qfp("--version").stdout) == (0, expected)
    entry_point = Path(sys.executable).with_name("qfp")   # the installed console script
    if entry_point.exists():
        done = subprocess.run([str(entry_point), "--version"], capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout) == (0, expected)


# ---- a closed pipe ------------------------------------------------------------------------------------

def test_demo_into_a_closed_pipe_exits_141_without_a_traceback():
    done = qfp_into_a_closed_pipe("demo", "--packets", "2000")
    assert (done.returncode, done.stderr) == (exit_status.BROKEN_PIPE, "")


def test_bench_into_a_closed_pipe_exits_141_without_a_traceback():
    done = qfp_into_a_closed_pipe("bench", "seed", "--seconds", "0.02", "--batch", "512")
    assert done.returncode == exit_status.BROKEN_PIPE
    no_traceback(done.stderr)
    assert "seed:" in done.stderr   # the progress line: stderr is still the user's


def test_regress_into_a_closed_pipe_exits_141_without_a_traceback():
    done = qfp_into_a_closed_pipe("regress", str(EXAMPLES / "acl-block-subnet.regress.toml"))
    assert (done.returncode, done.stderr) == (exit_status.BROKEN_PIPE, "")


def test_demo_piped_into_head():
    done = subprocess.run(["bash", "-c", 'set -o pipefail; "$@" | head -1', "bash", *QFP, "demo", "--packets", "2000"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout == "qfp# show platform hardware qfp active feature qos all input all\n"
    # 0 when the demo had written everything before head left, 141 when it had not
    assert done.returncode in (0, exit_status.BROKEN_PIPE) and done.stderr == ""


# ---- exit statuses ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["nonsense"],
    ["bench", "--batch", "0"],
    ["demo", "--rate", "fast"],
    ["cli", "--json"],
])
def test_usage_errors_exit_2(args):
    done = qfp(*args)
    assert done.returncode == exit_status.USAGE and done.stdout == "", done.stderr
    no_traceback(done.stderr)


@pytest.mark.parametrize("args", [
    ["replay", "/nonexistent/x.pcap"],
    ["replay", "--config", "/nonexistent/hub.cfg", str(EXAMPLES / "branch-hub.cfg")],
    ["regress", "/nonexistent/cases"],
    ["run", "--config", "/nonexistent/hub.cfg"],
    ["cli", "--control", "/nonexistent/qfp.sock", "show", "logging"],
])
def test_missing_inputs_exit_2_with_one_line(args):
    done = qfp(*args, stdin=subprocess.DEVNULL)
    assert done.returncode == exit_status.USAGE and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "/nonexistent/" in done.stderr, done.stderr


def test_a_failed_expectation_and_a_refused_input_exit_1(tmp_path):
    done = qfp("regress", str(Path(__file__).parent / "regress" / "wrong-expectation.toml"))
    assert done.returncode == exit_status.FAILED and "FAIL" in done.stdout
    (tmp_path / "x.pcap").write_bytes(b"not a capture at all")
    done = qfp("replay", str(tmp_path / "x.pcap"))
    assert done.returncode == exit_status.FAILED and "not a pcap or pcapng file" in done.stderr
    no_traceback(done.stderr)


def test_sigint_exits_130_without_a_traceback():
    # Seconds of work left after the first point, so that the signal cannot come after the end on a
    # loaded machine (at 0.5 s a point, a run finished first once under four xdist workers).
    proc = subprocess.Popen([*QFP, "bench", "acl-scale", "--seconds", "4", "--batch", "512"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()   # the first point's progress line: the work is under way
        assert "acl-scale" in first
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == exit_status.INTERRUPTED
        no_traceback(proc.stderr.read())
    finally:
        proc.kill()
        proc.wait()


# ---- --json - -------------------------------------------------------------------------------------------

def test_replay_json_to_stdout_and_the_report_to_stderr(tmp_path):
    scapy = pytest.importorskip("scapy.all")
    packets = [scapy.Ether() / scapy.IP(src="10.0.0.1", dst="172.16.10.5") / scapy.UDP(sport=5000, dport=53)
               for _ in range(5)]
    for i, p in enumerate(packets):
        p.time = 1000 + i / 100
    scapy.wrpcap(str(tmp_path / "cap.pcap"), packets)
    done = qfp("replay", str(tmp_path / "cap.pcap"), "--json", "-")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["packets"] == 5
    assert done.stderr.startswith(f"Replayed {tmp_path / 'cap.pcap'}: 5 frames, 5 IPv4 packets")


def test_bench_json_to_stdout_and_the_table_to_stderr():
    done = qfp("bench", "seed", "--seconds", "0.02", "--batch", "512", "--json", "-")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["batch"] == 512 and [r["scenario"] for r in data["results"]] == ["seed"]
    assert "C packets/s" in done.stderr


# ---- qfp cli --json ---------------------------------------------------------------------------------------

def cli_json(path: str, line: str) -> subprocess.CompletedProcess:
    return subprocess.run([*QFP, "cli", "--control", path, "--json", *line.split()],
                          capture_output=True, text=True, timeout=60)


def test_cli_json_prints_the_structured_twin(device_socket):  # noqa: F811
    ok(device_socket, "sim session up remote 77.1.1.1 local 77.1.1.2 fvrf-id 2 ivrf-id 2")
    ok(device_socket, "sim traffic interface Vi1 input size 1000 rate 2000000 packets 100")
    done = cli_json(device_socket, "show policy-map interface Vi1 input")
    assert done.returncode == 0, done.stderr
    twin = json.loads(done.stdout)
    policy = twin[0]["service_policies"][0]
    assert policy["policy"] == "aaa-in-policy"
    assert policy["classes"][0]["name"] == "class-default" and policy["classes"][0]["packets"] == 100
    acl = json.loads(cli_json(device_socket, "sh ip access-lists HUB-IN").stdout)
    assert acl[0]["entries"][-1]["matches"] == 100


def test_cli_json_of_a_command_without_a_twin_is_refused(device_socket):  # noqa: F811
    done = cli_json(device_socket, "show running-config")
    assert (done.returncode, done.stdout) == (exit_status.FAILED, "")
    assert done.stderr == "% 'show running-config' has no structured form\n"
    # not run either: a command with side effects is refused, not executed
    done = cli_json(device_socket, "sim session up remote 77.1.1.9 local 77.1.1.2")
    assert done.returncode == exit_status.FAILED and "has no structured form" in done.stderr
    assert "77.1.1.9" not in qfp_cli(device_socket, "show crypto session").stdout


def test_show_data_over_the_socket_protocol():
    class Twins(TestDevice):
        def show_data(self, line):
            return {"set": {1}} if "bad" in line else [{"line": line}]

    assert handle_request(Twins(), '{"op": "show_data", "line": "show x"}') == \
        {"ok": True, "output": [{"line": "show x"}]}
    assert handle_request(Twins(), '{"op": "show_data", "line": "show bad"}')["error"].startswith(
        "% Internal error: Object of type set is not JSON serializable")
    assert handle_request(TestDevice(), '{"op": "show_data", "line": "show x"}') == \
        {"ok": False, "error": "% This device does not support show_data"}


# ---- an optional dependency --------------------------------------------------------------------------------

def test_plot_without_matplotlib_is_refused_before_the_work(tmp_path):
    poison = tmp_path / "poison" / "matplotlib"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text('raise ImportError("No module named \'matplotlib\'")\n')
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "poison"))
    done = qfp("bench", "acl-scale", "--quick", "--plot", str(tmp_path / "x.png"), env=env)
    assert done.returncode == exit_status.USAGE and done.stdout == ""
    assert "--plot: needs matplotlib" in done.stderr and "pip install 'qfp-model[plot]'" in done.stderr
    assert "acl-scale" not in done.stderr.replace("bench acl-scale", "")   # no progress: nothing ran
    assert not (tmp_path / "x.png").exists()
    no_traceback(done.stderr)
