"""qfp regress: the examples pass, a wrong expectation reports its first difference as expected vs
actual, JUnit XML for CI, the pytest plugin, and case files that cannot run say why."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from freeradius_fixture import require_freeradius
from qfp_model.tools import cli, regress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FAILING = Path(__file__).parent / "regress" / "wrong-expectation.toml"


def coa_available() -> bool:
    try:
        from qfp_model.control.headend import Headend  # noqa: F401
    except ImportError:
        return False
    return True


needs_coa = pytest.mark.skipif(not coa_available(), reason="the device's CoA listener is not built yet")
OFFLINE = ["acl-block-subnet", "bulk-2r3c", "voice-1r3c", "voice-bulk-shaped"]


@pytest.mark.parametrize("name", OFFLINE)
def test_examples_without_coa_pass(name):
    result = regress.run_case(EXAMPLES / f"{name}{regress.SUFFIX}")
    assert result.passed, result.message


@needs_coa
@pytest.mark.parametrize("name", ["seed-coa", "coa-nak-unknown-policy"])
def test_coa_examples_pass_over_udp(name):
    result = regress.run_case(EXAMPLES / f"{name}{regress.SUFFIX}")
    assert result.passed, result.message


@needs_coa
def test_qfp_regress_examples_passes_and_writes_junit(tmp_path, capsys):
    assert cli.main(["regress", str(EXAMPLES), "--junit", str(tmp_path / "j.xml")]) == 0
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert suite.get("tests") == "7" and suite.get("failures") == "0" and suite.get("errors") == "0"


RADIUS_EXAMPLE = EXAMPLES / f"radius-authorize-account{regress.SUFFIX}"


def test_radius_example_passes_against_freeradius():
    require_freeradius()
    result = regress.run_case(RADIUS_EXAMPLE)
    assert result.passed, result.message
    assert result.notes == []          # FreeRADIUS itself, so nothing to say


def test_radius_example_without_freeradius_runs_on_the_builtin_server_and_says_so(monkeypatch):
    from qfp_model.tools import freeradius

    def missing():
        raise freeradius.FreeRadiusMissing("FreeRADIUS is not installed (Debian: apt-get install freeradius)")
    monkeypatch.setattr(freeradius, "binary", missing)
    result = regress.run_case(RADIUS_EXAMPLE)
    assert result.passed, result.message
    assert "built-in RADIUS server" in result.line()


def test_radius_case_expectations_fail_with_their_difference(tmp_path):
    case = RADIUS_EXAMPLE.read_text().replace('expect = "refused"', 'expect = "up"')
    (tmp_path / "radius-hub.cfg").write_text((EXAMPLES / "radius-hub.cfg").read_text())
    path = tmp_path / f"x{regress.SUFFIX}"
    path.write_text(case)
    result = regress.run_case(path)
    assert not result.passed and not result.error
    assert "session 2: expected up, actual refused (Access-Reject for stolen.example.net" in result.message
    path.write_text(RADIUS_EXAMPLE.read_text().replace("input_packets = 1010", "input_packets = 1011"))
    result = regress.run_case(path)
    assert "Vi1 Stop input_packets: expected 1011, actual 1010" in result.message


def test_radius_table_is_checked(tmp_path):
    path = tmp_path / f"x{regress.SUFFIX}"
    path.write_text('[radius]\nusers = { a = { avpairs = "not-a-list" } }\n')
    result = regress.run_case(path)
    assert result.error and "takes avpairs (a list of text)" in result.message
    path.write_text('[radius]\nsecret = "k"\n')      # the embedded config's ISE-1 is pointed at it
    assert regress.run_case(path).passed


def test_failing_case_shows_its_first_difference(tmp_path, capsys):
    code = cli.main(["regress", str(FAILING), str(EXAMPLES / "voice-1r3c.regress.toml"),
                     "--junit", str(tmp_path / "j.xml")])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL a case that expects too little" in out
    assert ("step 3: Vi1 input class class-default conformed_packets: expected 10 ±2, actual 68" in out)
    assert "step 4" not in out             # the first difference only
    assert "PASS voice policed 1R3C" in out and "1 passed, 1 failed" in out
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert suite.get("failures") == "1"
    failure = suite.find("testcase[@name='a case that expects too little']/failure")
    assert "expected 10 ±2, actual 68" in failure.get("message")


def test_tolerances():
    regress.check_number("x", [100, "2%"], 102)
    regress.check_number("x", {"value": 100, "tolerance": 3}, 97)
    with pytest.raises(regress.Mismatch, match="expected 100 ±2%, actual 103"):
        regress.check_number("x", [100, "2%"], 103)
    with pytest.raises(regress.Mismatch, match="expected 5, actual 6"):
        regress.check_number("x", 5, 6)


def write_case(tmp_path, text: str) -> Path:
    path = tmp_path / f"c{regress.SUFFIX}"
    path.write_text(text)
    return path


def test_show_lines_must_and_must_not(tmp_path):
    ok = write_case(tmp_path, '''
[[steps]]
show = "show policy-map aaa-in-policy"
contains = ["Policy Map aaa-in-policy"]
lacks = ["Policy Map 2M"]
''')
    assert regress.run_case(ok).passed
    bad = write_case(tmp_path, '''
[[steps]]
show = "show policy-map aaa-in-policy"
lacks = ["Policy Map aaa-in-policy"]
''')
    result = regress.run_case(bad)
    assert not result.passed and "expected no line 'Policy Map aaa-in-policy', actual it is there" in result.message


def test_inline_config_and_replay_step(tmp_path):
    scapy = pytest.importorskip("scapy.all")
    packets = [scapy.Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
               scapy.IP(src="10.0.0.1", dst="192.0.2.5", tos=46 << 2) / scapy.UDP(dport=5004) / scapy.Raw(b"v" * 172)
               for _ in range(100)]
    for i, p in enumerate(packets):
        p.time = 1 + i * 0.02
    scapy.wrpcap(str(tmp_path / "voice.pcap"), packets)
    path = write_case(tmp_path, '''
config_text = """
policy-map MARK
 class class-default
  set dscp af31
interface Virtual-Template1 type tunnel
 service-policy input MARK
"""
[[sessions]]
remote = "198.18.0.1"
local = "77.1.1.2"

[[steps]]
replay = "voice.pcap"

[[steps]]
result = { forwarded = 100, unmapped = 0, dscp = { af31 = 100 } }

[[steps]]
class = { interface = "Virtual-Access1", class = "class-default", packets = 100, bytes = 20000 }
''')
    result = regress.run_case(path)
    assert result.passed, result.message


@pytest.mark.parametrize("text, message", [
    ("steps = [{ traffic = {}, show = 'x' }]", "needs exactly one of"),
    ("colour = 1", "unknown key(s) colour"),
    ("[[steps]]\nresult = { forwarded = 1 }", "needs a traffic or replay step before it"),
    ("config = 'missing.cfg'", "missing.cfg"),
    ("[[steps]]\nclass = { interface = 'Vi9', class = 'x' }", "no session on Virtual-Access9"),
    ("[[steps]\n", "Expected ']]'"),
])
def test_cases_that_cannot_run_are_errors(tmp_path, text, message):
    result = regress.run_case(write_case(tmp_path, text))
    assert not result.passed and result.error and message in result.message


def test_no_cases_found(tmp_path, capsys):
    assert cli.main(["regress", str(tmp_path)]) == 2
    assert "no *.regress.toml cases found" in capsys.readouterr().err


def test_pytest_plugin_collects_case_files(tmp_path):
    for name in OFFLINE:
        shutil.copy(EXAMPLES / f"{name}{regress.SUFFIX}", tmp_path)
    for config in EXAMPLES.glob("*.cfg"):       # the configurations the cases name
        shutil.copy(config, tmp_path)
    shutil.copy(FAILING, tmp_path / f"wrong{regress.SUFFIX}")
    # The plugin named explicitly, autoloading off: the same run whether or not the package's
    # pytest11 entry point is installed.
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "qfp_model.tools.regress_pytest",
                          "-p", "no:cacheprovider",
                          "-q", "--rootdir", str(tmp_path), str(tmp_path)], capture_output=True, text=True, env=env)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"{len(OFFLINE)} passed" in run.stdout and "1 failed" in run.stdout
    assert "step 3: Vi1 input class class-default conformed_packets: expected 10 ±2, actual 68" in run.stdout


def test_case_sessions_take_the_regress_vrf_keys(tmp_path):
    case = tmp_path / f"vrf{regress.SUFFIX}"
    case.write_text('[[sessions]]\nremote = "77.1.1.1"\nfvrf = 2\nivrf = 2\n\n'
                    '[[steps]]\nshow = "show crypto session detail"\n'
                    'contains = ["Session ID: 1"]\n')
    runner = regress.CaseRunner(case, regress.load_case(case))
    assert runner.run().passed
    assert runner.device.session("Vi1").audit_session_id == "L2L44D010102ZO2L44D010101ZI1F401F4ZO2"
