"""A malformed regression case is an error case with a clear message, and the run goes on to the
next and writes its JUnit (issue 11): before, 31 of 82 malformed cases gave tracebacks and one bad
file ended the run with no JUnit written."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from qfp_model.tools import regress

SESSION = '[[sessions]]\nremote = "77.1.1.1"\n'
TRAFFIC = '[[steps]]\ntraffic = {{ interface = "Vi1", size = 100, rate = "1m", {} }}\n'
CASES = {
    "coa-is-text": (SESSION + '[[steps]]\ncoa = "x"\n', "coa is a table, not str 'x'"),
    "fractional-packets": (SESSION + TRAFFIC.format("packets = 1.5"), "packets 1.5 is not a whole number"),
    "negative-port": (SESSION + TRAFFIC.format("packets = 5, source_port = -1"),
                      "source-port -1 is not a whole number in 0..65,535"),
    "dscp-too-big": (SESSION + TRAFFIC.format("packets = 5, dscp = 99"), "dscp '99' is not 0..63"),
    "steps-not-tables": ('steps = [1, 2]\n', "steps is a list of tables"),
    "config-not-a-path": ('config = 5\n', "malformed case"),
    "huge-coa": (SESSION + '[[steps]]\ncoa = { session = "Vi1", avpairs = [' +
                 ", ".join(f'"ip:sub-qos-policy-in={"p" * 200}"' for _ in range(25)) + '] }\n',
                 "RADIUS caps a packet at 4,096"),
}


def test_every_malformed_case_is_an_error_and_the_run_goes_on(tmp_path):
    for name, (text, _) in CASES.items():
        (tmp_path / f"{name}{regress.SUFFIX}").write_text(text)
    (tmp_path / f"latin1{regress.SUFFIX}").write_bytes(b'name = "caf\xe9"\n')
    (tmp_path / f"good{regress.SUFFIX}").write_text(SESSION + TRAFFIC.format("packets = 5") +
                                                     '[[steps]]\nresult = { packets = 5 }\n')
    junit = tmp_path / "junit.xml"
    assert regress.main([str(tmp_path)], junit=str(junit)) == 1
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert len(cases) == len(CASES) + 2
    assert cases["good"].find("error") is None and cases["good"].find("failure") is None
    for name, (_, message) in CASES.items():
        error = cases[name].find("error")
        assert error is not None and message in error.get("message"), (name, error.get("message"))
    assert "not UTF-8" in cases["latin1"].find("error").get("message")


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_case_never_raises(tmp_path, name):
    path = tmp_path / f"{name}{regress.SUFFIX}"
    path.write_text(CASES[name][0])
    result = regress.run_case(path)
    assert result.error and not result.passed
