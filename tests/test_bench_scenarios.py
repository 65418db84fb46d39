"""qfp bench's named scenarios, at their smallest: every figure is there and sane, the baseline
agreed with the C fast path before timing, --json and --plot write their files. Timings are never
asserted."""
from __future__ import annotations

import json
import os

import pytest

from qfp_model.tools import cli
from qfp_model.tools.bench import classbench_bench, queueing
from qfp_model.tools.bench import scenarios as B
from qfp_model.tools.bench.peers import dpdk


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
        if r["scenario"] == "queueing":
            continue   # test_queueing_scenario checks its rows
        assert r["fastpath_pps"] > 0 and r["numpy_ns_per_packet"] > 0
        assert r["numpy_over_c"] == pytest.approx(r["numpy_ns_per_packet"] / r["fastpath_ns_per_packet"])
    assert [r["value"] for r in rows if r["scenario"] == "acl-scale"] == list(B.QUICK["acl-scale"])
    assert [r["value"] for r in rows if r["scenario"] == "sessions"] == list(B.QUICK["sessions"])
    assert "numpy/C" in out.out and "11/11" in out.err    # the table, and the progress line's end


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
            "session-bring-up", "coa-rate", "coa-p99", "coa-batch-stall", "cores", "acl-edit",
            "acl-edit-batch-stall", "pipeline-over-lookup"} <= names
    over = data["figures"]["pipeline_over_lookup"]
    assert over["aces"] > 1_000 and 0 < over["forwarded"] and len(over["process_ns"]) == len(over["lookup_ns"]) == 3
    for g in data["goals"]:
        assert g["measured"] >= 0 and (g["passed"] is None) == (data["peer_missing"] is not None
                                                               and g["unit"] in ("ns/pkt", "pps"))
    acl = data["figures"]["acl"]
    assert [f["aces"] for f in acl] == list(bench_goals.QUICK_ACL_SIZES)
    if data["peer_missing"] is None:
        assert all(f["mismatches"] == 0 and f["dpdk_ns"] > 0 for f in acl)
        # The field's rule sets, one trace kind when quick, in both IP versions, and issue 15's
        # goals judged on them: the lookup per family and size, build time and memory.
        for key, ip in (("classbench", 4), ("classbench6", 6)):
            rows = data["figures"][key]
            families = classbench_bench.GENERATORS[ip].FAMILIES
            assert [(r["family"], r["trace"]) for r in rows] == [(f, "rule") for f in families]
            assert all(classbench_bench.mismatch_total(r) == 0 for r in rows)
            judged = {g["goal"]: g for g in data["goals"] if g["goal"].startswith(key + "-")}
            assert set(judged) == {f"{key}-{f}-{part}" for f in families for part in ("1k", "build", "memory")}
            for r in rows:
                assert judged[f"{key}-{r['family']}-1k"]["measured"] == r["auto_over_rte"]
    edit = data["figures"]["acl_edit"]   # the replaces were edits of a tree, or the goal raises
    assert edit["aces"] > 1_000 and len(edit["edit_ms"]) == len(edit["whole_ms"]) == len(edit["under_traffic_ms"]) == 3
    assert edit["batches_meanwhile"] > 0 and 0 <= edit["gate_waits"] <= edit["batches_meanwhile"]
    assert data["figures"]["coa"]["acks"] == data["figures"]["coa"]["requests"] > 0
    assert len(data["figures"]["queueing"]) == queueing.points(quick=True)
    assert "goal" in capsys.readouterr().out


def test_peers_insists_on_dpdk(monkeypatch, capsys):
    from qfp_model.tools.bench import goals as bench_goals

    monkeypatch.setattr(bench_goals, "load_peer", lambda: (None, "libdpdk is not installed"))
    assert cli.main(["bench", "--peers", "--quick"]) == 2
    assert "libdpdk is not installed" in capsys.readouterr().err


def test_queueing_scenario(tmp_path, capsys):
    """`qfp bench queueing --quick`: every point has our medians and spreads, and what went through
    ours adds up (a packet is queued or tail-dropped; a queued one has left or is still queued);
    beside it rte_sched's on the same packets, where DPDK is installed (CI requires it there:
    QFP_REQUIRE_PEERS=1). Never judged on speed."""
    path = tmp_path / "queueing.json"
    assert cli.main(["bench", "queueing", "--quick", "--batch", "512", "--json", str(path)]) == 0
    rows = json.loads(path.read_text())["results"]
    assert [(r["value"], r["pattern"]) for r in rows] == [
        (n, p) for n in queueing.QUICK_SESSION_COUNTS for p in queueing.PATTERNS]
    for r in rows:
        assert r["scenario"] == "queueing" and r["packets"] > 0
        for key in ("ours_ns", "ours_plain_ns", "ours_queueing_ns"):
            s = r[key]
            assert s["rounds"] == queueing.QUICK_ROUNDS and s["min"] <= s["q1"] <= s["median"] <= s["q3"] <= s["max"]
        ours = r["ours"]
        assert ours["queued"] + ours["tail_drops"] == r["packets"]
        assert ours["sent"] + ours["left_queued"] == ours["queued"] and ours["sent"] == sum(ours["sent_by_class"])
        assert r["ours_state_bytes_per_session"] >= 4 * queueing.QUEUE_LIMIT * queueing.DESCRIPTOR_BYTES
    assert "ours queueing" in capsys.readouterr().out
    reason = dpdk.available()
    if reason is not None:
        if os.environ.get("QFP_REQUIRE_PEERS") == "1":
            pytest.fail(f"QFP_REQUIRE_PEERS=1 but the rte_sched peer cannot be built: {reason}")
        assert all(r["peer_missing"] == reason for r in rows)
        pytest.skip(f"ours measured; rte_sched not: {reason}")
    for r in rows:
        assert r["peer_missing"] is None and r["rte_sched_state_bytes_per_session"] > 0
        for who, ratio in (("rte_sched", "ratio"), ("rte_sched_1ms", "ratio_1ms")):
            peer = r[who]
            assert r[f"{who}_ns"]["rounds"] == queueing.QUICK_ROUNDS
            assert r[f"{who}_ns"]["median"] > 0 and r[ratio]["median"] > 0
            assert peer["queued"] + peer["tail_drops"] == r["packets"] and peer["sent"] <= peer["queued"]
            assert peer["sent"] == sum(peer["sent_by_class"]) and peer["bursts"] > 0


def test_classbench_sizes_reach_100k_where_the_generator_gives_them():
    """The full run's sizes per family: 100k rules for IPv4 fw, ipc and wild (issue 15), 10k at most
    where generating more is not possible (acl) or not practical (ports, IPv6); the quick run 1k."""
    from qfp_model.tools.bench import classbench as cb
    from qfp_model.tools.bench import classbench6 as cb6
    from qfp_model.tools.bench import classbench_bench as CB
    assert {f: CB.family_sizes(f, CB.SIZES) for f in cb.FAMILIES} == {
        "acl": (1_000, 10_000), "fw": (1_000, 10_000, 100_000), "ipc": (1_000, 10_000, 100_000),
        "ports": (1_000, 10_000), "wild": (1_000, 10_000, 100_000)}
    assert all(CB.family_sizes(f, CB.SIZES, ip=6) == (1_000, 10_000) for f in cb6.FAMILIES)
    assert all(CB.family_sizes(f, CB.QUICK_SIZES, ip) == (1_000,)
               for ip, gen in CB.GENERATORS.items() for f in gen.FAMILIES)
    assert CB._methods(100_000) == ("auto", "tree") and "bitvector" in CB._methods(10_000)


def _classbench_row(family, rules, trace, ours_ns, rte_ns, build_ms=5.0, ours_bytes=1 << 20, rte_bytes=1 << 22):
    """A classbench_bench row, with only the fields that issue 15's goals are judged on."""
    return {"ip": 4, "family": family, "rules": rules, "trace": trace, "auto_method": "tree",
            "auto_over_rte": ours_ns / rte_ns,
            "ours": {"auto": {"ns": ours_ns, "iqr": [ours_ns, ours_ns], "build_ms": build_ms, "bytes": ours_bytes}},
            "rte_acl": {"best": "avx2", "ns": rte_ns, "iqr": [rte_ns, rte_ns], "build_ms": 900.0, "bytes": rte_bytes}}


def test_classbench_goals_judge_the_worst_trace_growth_and_the_largest_size():
    """Issue 15's goals from the rows: per size the worst trace kind's ratio, growth from the
    family's smallest size to its largest (worst trace kind), build and memory at the largest."""
    from qfp_model.tools.bench import classbench_goals
    rows = [_classbench_row("fw", 1_000, "rule", 40.0, 50.0), _classbench_row("fw", 1_000, "tail", 30.0, 20.0),
            _classbench_row("fw", 100_000, "rule", 70.0, 80.0, build_ms=2_500.0, rte_bytes=1 << 19),
            _classbench_row("fw", 100_000, "tail", 90.0, 100.0, build_ms=1_500.0, rte_bytes=1 << 19)]
    goals = {g.name: g for g in classbench_goals.judge(rows)}
    assert list(goals) == ["classbench-fw-1k", "classbench-fw-100k", "classbench-fw-growth",
                           "classbench-fw-build", "classbench-fw-memory"]
    assert goals["classbench-fw-1k"].measured == 1.5 and goals["classbench-fw-1k"].passed is False
    assert goals["classbench-fw-100k"].measured == 0.9 and goals["classbench-fw-100k"].passed is True
    growth = goals["classbench-fw-growth"]
    assert growth.measured == 3.0 and "cost(100k) / cost(1k)" in growth.detail
    assert goals["classbench-fw-build"].measured == 2.5 and goals["classbench-fw-build"].passed is False
    assert goals["classbench-fw-memory"].measured == 2.0 and "at 100k rules" in goals["classbench-fw-memory"].detail


def test_classbench_beside_rte_acl(tmp_path, monkeypatch, capsys):
    """`qfp bench classbench` at a tiny size: a row per family x trace, our methods and rte_acl's
    side by side, medians inside their quartiles, and no mismatch anywhere. Timings never asserted."""
    if dpdk.available() is not None:
        pytest.skip(dpdk.available())
    from qfp_model.tools.bench import classbench as cb
    from qfp_model.tools.bench import classbench_bench as CB
    monkeypatch.setattr(CB, "QUICK_SIZES", (40,))
    path = tmp_path / "cb.json"
    assert cli.main(["bench", "classbench", "--quick", "--json", str(path)]) == 0
    rows = json.loads(path.read_text())["classbench"]
    assert [(r["family"], r["trace"]) for r in rows] == [(f, t) for f in cb.FAMILIES for t in cb.TRACES]
    for r in rows:
        assert r["rules"] == 40 and r["aces"] == 40 + 2 * r["split"]
        assert CB.mismatch_total(r) == 0, r["mismatches"]
        assert set(r["ours"]) == {"auto", "tree", "bitvector", "hybrid", "scan"}
        rte = r["rte_acl"]
        for fig in list(r["ours"].values()) + [{"ns": rte["ns"], "iqr": rte["iqr"],
                                                 "cold": [rte["cold_ns"], *rte["cold_iqr"]]}]:
            assert fig["iqr"][0] <= fig["ns"] <= fig["iqr"][1]
            assert fig["cold"][1] <= fig["cold"][0] <= fig["cold"][2]   # each round's first pass
        assert rte["cold_ns"] == min(c[0] for c in rte["colds"].values())
        assert r["auto_over_rte_cold"] == r["ours"]["auto"]["cold"][0] / rte["cold_ns"]
        assert r["rte_acl"]["bytes"] > 0 and r["rte_acl"]["build_ms"] > 0 and r["ours"]["auto"]["build_ms"] >= 0
    assert "rte_acl best" in capsys.readouterr().out
