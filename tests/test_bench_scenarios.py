"""qfp bench's named scenarios, at their smallest: every figure is there and sane, the baseline
agreed with the C fast path before timing, --json and --plot write their files. Timings are never
asserted."""
from __future__ import annotations

import json

import pytest

from qfp_model.tools import cli
from qfp_model.tools.bench import scenarios as B


def test_scale_acl_has_the_size_asked_and_ends_in_permit_any():
    for n in (10, 1000):
        aces = B.scale_acl(n)
        assert len(aces) == n and aces[-1].permit and not any(a.permit for a in aces[:-1])


def test_quick_run_writes_json_with_every_scenario(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert cli.main(["bench", "--quick", "--seconds", "0.05", "--batch", "1024", "--json", str(path)]) == 0
    out = capsys.readouterr()
    data = json.loads(path.read_text())
    rows = data["results"]
    assert {r["scenario"] for r in rows} == set(B.SCENARIOS)
    for r in rows:
        if r["scenario"] == "coa":
            assert "skipped" in r or (r["coa_per_second"] > 0 and r["acks"] == r["value"])
            continue
        if r["scenario"] == "aaa":
            assert "skipped" in r or (r["value"] == B.AAA_QUICK_SESSIONS and r["stops_all_answered"]
                                      and r["accepts"] == r["value"] and r["accounting_requests"] >= 2 * r["value"])
            continue
        assert r["fastpath_pps"] > 0 and r["numpy_ns_per_packet"] > 0
        assert r["numpy_over_c"] == pytest.approx(r["numpy_ns_per_packet"] / r["fastpath_ns_per_packet"])
    assert [r["value"] for r in rows if r["scenario"] == "acl-scale"] == list(B.QUICK["acl-scale"])
    assert [r["value"] for r in rows if r["scenario"] == "sessions"] == list(B.QUICK["sessions"])
    assert "numpy/C" in out.out and "7/7" in out.err      # the table, and the progress line's end


def test_one_named_scenario_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "acl.png"
    assert cli.main(["bench", "acl-scale", "--quick", "--seconds", "0.02", "--batch", "512",
                     "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "acl-scale" in capsys.readouterr().out


def test_unknown_scenario(capsys):
    assert cli.main(["bench", "nonsense"]) == 2
    assert "unknown scenario nonsense" in capsys.readouterr().err


def test_plot_without_matplotlib_says_how_to_get_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(SystemExit, match=r"pip install 'qfp-model\[plot\]'"):
        B.plot([], "x.png")


def test_goals_report_measures_every_goal(tmp_path, capsys):
    """`qfp bench goals --quick`: every goal of issue 6 is measured and written; with DPDK present
    the ACL rows carry rte_acl's figures, cross-checked to zero mismatches. Never judged on speed."""
    from qfp_model.tools.bench import goals as bench_goals

    path = tmp_path / "goals.json"
    assert cli.main(["bench", "goals", "--quick", "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    names = {g["goal"] for g in data["goals"]}
    assert {"acl-10", "acl-1000", "pipeline", "policer-1R3C", "policer-2R3C", "session-memory",
            "session-bring-up", "coa-rate", "coa-p99", "coa-batch-stall", "cores"} <= names
    for g in data["goals"]:
        assert g["measured"] >= 0 and (g["passed"] is None) == (data["peer_missing"] is not None
                                                               and g["unit"] in ("ns/pkt", "pps"))
    acl = data["figures"]["acl"]
    assert [f["aces"] for f in acl] == list(bench_goals.QUICK_ACL_SIZES)
    if data["peer_missing"] is None:
        assert all(f["mismatches"] == 0 and f["dpdk_ns"] > 0 for f in acl)
    assert data["figures"]["coa"]["acks"] == data["figures"]["coa"]["requests"] > 0
    assert "goal" in capsys.readouterr().out


def test_peers_insists_on_dpdk(monkeypatch, capsys):
    from qfp_model.tools.bench import goals as bench_goals

    monkeypatch.setattr(bench_goals, "load_peer", lambda: (None, "libdpdk is not installed"))
    assert cli.main(["bench", "--peers", "--quick"]) == 2
    assert "libdpdk is not installed" in capsys.readouterr().err
