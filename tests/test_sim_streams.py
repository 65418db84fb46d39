"""Several concurrent streams in one `sim traffic` run: merged by time into one packet sequence, the
schedulers run to the run's end, and the summary and regress cases report each stream's fate and
its queue's delays (examples/voice-bulk-shaped.cfg: voice priority plus bulk through a 2 Mbit/s
parent shaper)."""
from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qfp_model.control.core import traffic
from qfp_model.control.core.traffic import Stream, interleaved, run_streams, run_to_end
from qfp_model.control.errors import ExecError
from qfp_model.control.headend import Headend
from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import Direction
from qfp_model.tools import regress

ROOT = Path(__file__).resolve().parent.parent
SHAPED = ROOT / "examples" / "voice-bulk-shaped.cfg"
CASES = Path(__file__).parent / "regress"
VOICE = "stream name voice dscp ef size 200 rate 64000"
BULK = "stream name bulk size 1500 rate 4000000"
CONGESTION = f"sim traffic interface Vi1 output duration 60 {VOICE} {BULK}"
PACKET_TIME_NS = 1500 * 8 * P.NS_PER_S // 2_000_000     # a bulk packet at the parent's rate: 6 ms


def stream(**overrides) -> Stream:
    fields = dict(uidb=1, direction=Direction.OUT, src=0, dst=0, proto=17, sport=1, dport=2, dscp=0,
                  tcp_flags=0, frag=P.FRAG_NONE, size=100, rate=800_000, count=10)
    fields.update(overrides)
    return Stream(**fields)


def merged(streams, t0=0, batch=traffic.BATCH):
    """Every packet of the interleaved run as (ts, stream index), in the order it would be sent."""
    out = []
    for chunk in interleaved(streams, t0, batch):
        parts = [c.batch() for _, c in chunk.pieces]
        ts = np.concatenate([p["ts_ns"] for p in parts])
        which = np.repeat([i for i, _ in chunk.pieces], [p.size for p in parts])
        order = np.argsort(ts, kind="stable")
        out += list(zip(ts[order].tolist(), which[order].tolist()))
    return out


# ---- merging in time ------------------------------------------------------------------------------

def test_streams_are_merged_in_time_order_each_keeping_its_own_timing():
    fast, slow = stream(rate=800_000, count=1000), stream(size=200, rate=64_000, count=40, dscp=46)
    packets = merged([fast, slow], t0=5_000, batch=64)
    assert [ts for ts, _ in packets] == sorted(ts for ts, _ in packets)
    for i, s in enumerate((fast, slow)):
        mine = [ts for ts, which in packets if which == i]
        expected = P.constant_rate_batch(s.count, length=s.size, rate=s.rate, t0=5_000)["ts_ns"].tolist()
        assert mine == expected


def test_packets_at_the_same_instant_go_in_the_order_the_streams_were_given():
    packets = merged([stream(count=5), stream(count=5)])
    assert [which for _, which in packets] == [0, 1] * 5


def test_a_slow_stream_left_alone_does_not_cost_empty_windows():
    # a 1-packet flood at 100 Gbit/s sizes the first window in nanoseconds; the 1 packet/s stream
    # after it must still take one chunk per packet at most, not one per nanosecond window
    chunks = list(interleaved([stream(rate=100_000_000_000, count=1), stream(rate=800, count=20)], 0))
    assert sum(n for chunk in chunks for _, c in chunk.pieces for n in [c.n]) == 21
    assert len(chunks) <= 21


# ---- sim traffic with streams ---------------------------------------------------------------------

@pytest.fixture
def shaped():
    headend = Headend.from_config_file(SHAPED)
    headend.execute("sim session up remote 198.18.0.1 local 77.1.1.2 template 1")
    yield headend
    headend.close()


def _block(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return lines[start:end]


def test_voice_keeps_its_packets_and_waits_at_most_one_bulk_packet(shaped):
    device = shaped.device
    mix = run_to_end(run_streams(device, [_spec("ef", 200, 64_000), _spec(0, 1500, 4_000_000)], ["voice", "bulk"]),
                     device.fp.process)
    voice, bulk = mix.streams
    assert (voice.packets, voice.forwarded, voice.dropped) == (2400, 2400, 0)
    [vq] = voice.queues
    assert vq.path == "class-default/VOICE" and vq.out_packets == 2400
    assert 0 < vq.delay_max_ns <= PACKET_TIME_NS and vq.max_exact
    # bulk: what the shaper leaves after voice, plus a full queue at the end; the rest tail-dropped
    [bq] = bulk.queues
    assert bq.path == "class-default/class-default" and bq.depth == bq.queue_limit == 64
    assert bulk.dropped_queue == bulk.packets - bulk.forwarded > 10_000
    assert abs(bq.out_packets - (2_000_000 - 64_000) * 60 // 12_000) <= 2
    assert bq.delay_mean_ns > 60 * PACKET_TIME_NS


def _spec(dscp, size, rate):
    return traffic.TrafficSpec.from_words("Vi1", Direction.OUT, size=size, rate=rate, dscp=dscp, duration=60)


def test_the_schedulers_run_to_the_runs_end(shaped):
    device = shaped.device
    shaped.execute(CONGESTION)
    uidb = device.session("Vi1").uidb
    assert device.fp.target_clock(uidb, Direction.OUT) == device.clock_ns > 59 * P.NS_PER_S


def test_the_summary_reports_each_streams_offer_fate_and_queueing(shaped):
    text = shaped.execute(CONGESTION)
    assert text.startswith("Sent 22400 packets in 2 streams in 59.997000 s of virtual time\n")
    voice = _block(text, "Stream voice:")
    assert voice[0] == "Stream voice: 2400 packets output on Virtual-Access1, 200 bytes at 64000 bit/s, dscp 46"
    assert voice[1] == "  forwarded 2400, dropped 0 (access-list 0, police 0, queue tail 0, priority 0)"
    assert voice[-1].startswith("  queued in class-default/VOICE: delay mean ") and "max 6.000 ms" in voice[-1]
    bulk = _block(text, "Stream bulk:")
    assert "queue tail 10255, priority 0" in bulk[1]
    queues = _block(text, "Queues at the run's end")
    assert any("class-default/class-default: out" in line and "depth 64/64" in line for line in queues)


def test_a_60_second_congestion_scenario_runs_in_well_under_a_second(shaped):
    start = time.perf_counter()
    shaped.execute(CONGESTION)
    assert time.perf_counter() - start < 1.0


def test_a_later_runs_maximum_is_a_bound_unless_counters_were_cleared(shaped):
    shaped.execute(CONGESTION)
    text = shaped.execute(f"sim traffic interface Vi1 output packets 10 {VOICE}")
    # one stream prints as it always has, and says where it queued
    assert text.splitlines()[0] == f"Sent 10 packets output on Virtual-Access1 in {_seconds(text)} s of virtual time"
    # the read-back's maximum (6 ms) is the first run's: this run's is known only not to exceed it
    assert "  queued in class-default/VOICE: delay mean " in text and "max <= 6.000 ms" in text
    shaped.execute("clear counters Vi1")
    text = shaped.execute(f"sim traffic interface Vi1 output packets 10 {VOICE}")
    assert "max <= " not in text


def _seconds(text: str) -> str:
    return text.split(" in ", 1)[1].split(" s of", 1)[0]


def test_options_before_the_first_stream_apply_to_every_stream_and_a_stream_overrides_them(shaped):
    text = shaped.execute("sim traffic interface Vi1 output size 100 rate 8000 packets 3 dscp ef "
                          "stream name a stream name b dscp 0 size 200 packets 5")
    assert "Stream a: 3 packets output on Virtual-Access1, 100 bytes at 8000 bit/s, dscp 46" in text
    assert "Stream b: 5 packets output on Virtual-Access1, 200 bytes at 8000 bit/s, dscp 0" in text
    assert "dscp out: 46 x 3" in text and "dscp out: 0 x 5" in text


def test_stream_abbreviates_and_may_be_a_streams_name(shaped):
    text = shaped.execute("sim traffic interface Vi1 output size 100 rate 8000 packets 3 "
                          "str name st dscp ef st name stream")
    assert "Stream st: 3 packets" in text and "Stream stream: 3 packets" in text


@pytest.mark.parametrize("words, message", [
    ("duration 1 stream size 100 rate 1000 bogus 5", "stream 1: invalid input at 'bogus'"),
    ("duration 1 stream size 100 rate 1000 stream size 100", "stream 2: give a rate"),
    ("stream size 100 rate 1000", "stream 1: give a duration or a packet count"),
    ("duration 1 stream name x size 100 rate 1000 stream name x size 100 rate 1000", "same name"),
    ("duration 1 stream size 100 rate 1000 stream size", "stream 2: Incomplete command."),
])
def test_a_bad_stream_is_refused_naming_it_and_sends_nothing(shaped, words, message):
    with pytest.raises(ExecError, match=message):
        shaped.execute(f"sim traffic interface Vi1 output {words}")
    assert shaped.device.clock_ns == 0


def test_a_one_stream_run_without_queueing_reads_as_before():
    headend = Headend.from_config_file()
    headend.execute("sim session up remote 77.1.1.1 local 77.1.1.2 fvrf-id 2 ivrf-id 2")
    text = headend.execute("sim traffic interface Vi1 input size 1000 rate 4000000 packets 10")
    assert text.splitlines()[1] == "  forwarded 10, dropped 0 (access-list 0, police 0)"
    assert "queue" not in text.lower()
    headend.close()


def test_a_served_run_advances_the_scheduler_on_the_worker_thread(shaped):
    from qfp_model.control.core.worker import TrafficWorker
    device = shaped.device
    threads = []
    advance = device.fp.target_advance

    def recorded(*args):
        threads.append(threading.current_thread().name)
        return advance(*args)
    device.fp.target_advance = recorded
    worker = TrafficWorker()
    worker.start()
    try:
        specs = [_spec("ef", 200, 64_000), _spec(0, 1500, 4_000_000)]
        mix = asyncio.run(worker.run(run_streams(device, specs), device.fp.process))
    finally:
        worker.stop()
    assert threads and all(name.startswith("qfp-traffic") for name in threads)
    assert [r.label for r in mix.streams] == ["1", "2"] and mix.streams[0].forwarded == 2400


# ---- regress ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["streams-per-stream-and-class", "priority-exceed"])
def test_the_streams_regress_cases_pass(name):
    result = regress.run_case(CASES / f"{name}{regress.SUFFIX}")
    assert result.passed, result.message


@pytest.mark.parametrize("name, step, message", [
    ("voice-delay-too-tight", 2, "stream voice delay_max_ms: expected at most 1.0, actual 6.0"),
    ("bulk-no-tail-drops", 2, "class class-default/class-default tail_drops: expected 0, actual 768"),
])
def test_a_failed_queue_expectation_says_which_and_by_how_much(name, step, message):
    result = regress.run_case(CASES / f"{name}.toml")
    assert not result.passed and not result.error
    assert result.step == step and message in result.message, result.message


STEP = 'traffic = {{ interface = "Vi1", direction = "output", packets = 5, streams = {} }}'


@pytest.mark.parametrize("step, message", [
    (STEP.format('[{ size = 200, rate = "64k", colour = 1 }]'),
     "traffic stream 1: option(s) colour unknown"),
    (STEP.format('[{ name = "v", rate = "64k" }]'),
     "traffic stream 1 (v): needs size"),
    (STEP.format("3"),
     "traffic streams is a list of tables"),
    (STEP.format('[{ name = "v", size = 20000000, rate = "64k" }]'),
     "traffic stream 1 (v): size 20000000 is not a whole number"),
])
def test_a_malformed_streams_step_is_an_error_naming_the_stream(tmp_path, step, message):
    path = tmp_path / f"bad{regress.SUFFIX}"
    path.write_text(f'config = "{SHAPED}"\n[[sessions]]\nremote = "198.18.0.1"\ntemplate = 1\n[[steps]]\n{step}\n')
    result = regress.run_case(path)
    assert result.error and result.step == 1 and message in result.message, result.message


@pytest.mark.parametrize("step, message", [
    ('result = { stream = "nope", forwarded = 1 }', "has no stream 'nope' (its streams: voice, bulk)"),
    ('result = { delay_max_ms = 1 }', "name one (stream = \"NAME\")"),
    ('result = { stream = "voice", delay_max_ms = { below = 1 } }', "a bound takes at_most and at_least, not below"),
    ('class = { interface = "Vi1", direction = "output", class = "class-default/VOICE", delay_p99_ms = 1 }',
     "class expectation 'delay_p99_ms' is not one of"),
])
def test_a_malformed_queue_expectation_is_an_error_saying_what_is_allowed(tmp_path, step, message):
    traffic_step = STEP.format('[{ name = "voice", size = 200, rate = "64k", dscp = "ef" }, '
                               '{ name = "bulk", size = 1500, rate = "4m" }]')
    path = tmp_path / f"bad{regress.SUFFIX}"
    path.write_text(f'config = "{SHAPED}"\n[[sessions]]\nremote = "198.18.0.1"\ntemplate = 1\n'
                    f'[[steps]]\n{traffic_step}\n[[steps]]\n{step}\n')
    result = regress.run_case(path)
    assert result.error and result.step == 2 and message in result.message, result.message


def test_a_bound_holds_or_fails_with_both_ends_shown():
    regress.check_number("x", {"at_most": 6.0}, 6.0)
    regress.check_number("x", {"at_least": 1, "at_most": 2}, 1.5)
    with pytest.raises(regress.Mismatch, match=r"^x: expected at most 2 and at least 1, actual 2.5$"):
        regress.check_number("x", {"at_least": 1, "at_most": 2}, 2.5)


def test_the_readmes_congestion_transcript_is_what_the_device_prints():
    readme = (ROOT / "README.md").read_text()
    transcript = readme.split("```\nshaped-hub#", 1)[1].split("```", 1)[0]
    headend = Headend.from_config_file(SHAPED)
    try:
        for exchange in transcript.split("shaped-hub#"):
            command, _, printed = exchange.partition("\n")
            assert headend.execute(command) == printed, command
    finally:
        headend.close()


def test_question_mark_offers_stream_and_says_what_a_clause_takes(shaped):
    offered = dict(shaped.commands.help("sim traffic interface Vi1 output "))
    assert "concurrent streams" in offered["stream"]
    after = dict(shaped.commands.help("sim traffic interface Vi1 output duration 5 stream "))
    assert "then `stream` and the next one's" in after["WORD"]


def test_a_replay_through_a_shaped_session_counts_tail_drops_and_leaves_the_queue_run_to_its_end(shaped, tmp_path):
    scapy = pytest.importorskip("scapy.all")
    macs = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    # 200 packets of 1500 bytes to the spoke (10.0.0.1) 1 ms apart: 12 Mbit/s into 2 Mbit/s
    packets = [scapy.Ether(**macs) / scapy.IP(src="192.0.2.9", dst="10.0.0.1") / scapy.UDP(sport=1, dport=2)
               / scapy.Raw(b"x" * 1472) for _ in range(200)]
    for i, p in enumerate(packets):
        p.time = 1000.0 + i / 1000
    scapy.wrpcap(str(tmp_path / "burst.pcap"), packets)
    text = shaped.execute(f"sim replay {tmp_path / 'burst.pcap'}")
    [line] = [line for line in text.splitlines() if line.startswith("Virtual-Access1 output")]
    forwarded = int(line.split("forwarded ")[1].split(",")[0])
    assert f"queue tail {200 - forwarded}, priority 0" in line and 0 < forwarded < 200
    device = shaped.device
    assert device.fp.target_clock(device.session("Vi1").uidb, Direction.OUT) == device.clock_ns


def test_streams_on_two_sessions_each_meet_their_own_sessions_scheduler(shaped):
    device = shaped.device
    shaped.execute("sim session up remote 198.18.0.2 local 77.1.1.2 template 1")
    specs = [traffic.TrafficSpec.from_words(vi, Direction.OUT, size=1500, rate=rate, duration=5)
             for vi, rate in (("Vi1", 4_000_000), ("Vi2", 1_000_000))]
    mix = run_to_end(run_streams(device, specs), device.fp.process)
    flooded, light = mix.streams
    assert flooded.interface == "Virtual-Access1" and light.interface == "Virtual-Access2"
    assert flooded.dropped_queue > 0 and light.dropped_queue == 0 and light.forwarded == light.packets
    assert [q.interface for q in flooded.queues] == ["Virtual-Access1"]
    assert [q.interface for q in light.queues] == ["Virtual-Access2"]
    for vi in ("Vi1", "Vi2"):
        assert device.fp.target_clock(device.session(vi).uidb, Direction.OUT) == device.clock_ns


def test_a_class_with_no_queueing_action_is_reported_in_class_defaults_queue():
    from qfp_model.control.config import parse_config
    from qfp_model.control.core.device import Device
    text = SHAPED.read_text().replace(
        "class-map match-any VOICE\n", "class-map match-any DATA\n match dscp af21\nclass-map match-any VOICE\n"
    ).replace(" class class-default\n  bandwidth remaining ratio 1\n",
              " class DATA\n  set dscp af11\n class class-default\n  bandwidth remaining ratio 1\n")
    headend = Headend(Device(parse_config(text, "t.cfg").config))
    try:
        headend.execute("sim session up remote 198.18.0.1 local 77.1.1.2 template 1")
        out = headend.execute("sim traffic interface Vi1 output packets 50 stream name data dscp af21 "
                              "size 1500 rate 4000000 stream name voice dscp ef size 200 rate 64000")
        assert "dscp out: 10 x 50" in out       # DATA's marking, then class-default's queue (ASR 1000)
        data = _block(out, "Stream data:")
        assert data[-1].startswith("  queued in class-default/class-default: ")
        assert _block(out, "Stream voice:")[-1].startswith("  queued in class-default/VOICE: ")
    finally:
        headend.close()


def test_a_session_that_goes_down_during_a_run_ends_it_without_an_error(shaped):
    device = shaped.device
    run = run_streams(device, [_spec("ef", 200, 64_000), _spec(0, 1500, 4_000_000)], ["voice", "bulk"])
    chunk = next(run)
    device.session_down(device.session("Vi1"))      # as a Disconnect-Request would, between batches
    try:
        while True:
            chunk = run.send(chunk(device.fp.process))
    except StopIteration as done:
        mix = done.value
    assert [r.packets for r in mix.streams] == [2400, 20000] and mix.queues == []


def test_a_regress_stream_may_name_its_own_session(tmp_path):
    path = tmp_path / f"two{regress.SUFFIX}"
    path.write_text(f'config = "{SHAPED}"\n'
                    '[[sessions]]\nremote = "198.18.0.1"\ntemplate = 1\n'
                    '[[sessions]]\nremote = "198.18.0.2"\ntemplate = 1\n'
                    '[[steps]]\n' + STEP.replace("packets = 5", "duration = 5").format(
                        '[{ name = "flood", size = 1500, rate = "4m" }, '
                        '{ name = "light", interface = "Vi2", size = 1500, rate = "1m" }]') + '\n'
                    '[[steps]]\nresult = { stream = "flood", dropped_queue = { at_least = 1 } }\n'
                    '[[steps]]\nresult = { stream = "light", dropped = 0, forwarded = 416 }\n'
                    '[[steps]]\nclass = { interface = "Vi2", direction = "output", '
                    'class = "class-default/class-default", tail_drops = 0, output_packets = 416 }\n')
    result = regress.run_case(path)
    assert result.passed, result.message
