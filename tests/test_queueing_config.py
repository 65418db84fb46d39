"""Queueing in policy-map classes: `shape average`, `priority`, `bandwidth`, `bandwidth remaining`
and `queue-limit` parsed into the model, written back in IOS's order and spelling, IOS's refusals,
the lines still kept as not modeled, and the compile into tables.Queueing with IOS's defaults
(docs/fastpath.md, "Queueing"). The compiler is driven with a recording stand-in for the fast path,
so these tests need neither the C extension nor a reference scheduler."""
from __future__ import annotations

import pytest

from qfp_model.control.config import ConfigErrors, ConfigSession, load_default, parse_config
from qfp_model.control.config import model as M
from qfp_model.control.config.render import policy_map_lines
from qfp_model.control.core.compile import Compiler, default_queue_limit
from qfp_model.control.errors import ConfigError
from qfp_model.qfp import tables as T

CMAPS = "class-map match-any VOICE\n match dscp ef\nclass-map match-any DATA\n match dscp af21\n" \
        "class-map match-any BULK\n match dscp cs1\n"

HQOS = CMAPS + """\
policy-map CHILD
 class VOICE
  priority level 1 percent 20
 class DATA
  bandwidth remaining ratio 3
  random-detect
 class BULK
 class class-default
  bandwidth remaining ratio 1
  queue-limit 200 packets
policy-map PARENT
 class class-default
  shape average 10000000
   service-policy CHILD
"""


def parse(text: str):
    return parse_config(text, "t.cfg")


def pmap_text(cfg, name: str) -> str:
    return "\n".join(policy_map_lines(cfg.policy_maps[name])) + "\n"


def one_class(body: str, name: str = "VOICE") -> M.PolicyClass:
    cfg = parse(CMAPS + f"policy-map P\n class {name}\n" + "".join(f"  {b}\n" for b in body.splitlines())).config
    return cfg.policy_maps["P"].get(name)


# ---- parsing into the model -------------------------------------------------------------------

@pytest.mark.parametrize("line, attr, value", [
    ("shape average 2000000", "shape", M.ShapeConfig(cir=2000000)),
    ("shape average 2000000 16000", "shape", M.ShapeConfig(cir=2000000, bc=16000)),
    ("shape average 2000000 16000 8000", "shape", M.ShapeConfig(cir=2000000, bc=16000, be=8000)),
    ("shape average percent 40", "shape", M.ShapeConfig(percent=40)),
    ("shape average percent 40 20 ms", "shape", M.ShapeConfig(percent=40, bc_ms=20)),
    ("shape average percent 40 20 ms 10 ms", "shape", M.ShapeConfig(percent=40, bc_ms=20, be_ms=10)),
    ("priority", "priority", M.PriorityConfig()),
    ("priority level 2", "priority", M.PriorityConfig(level=2)),
    ("priority 512", "priority", M.PriorityConfig(kbps=512)),
    ("priority 512 6400", "priority", M.PriorityConfig(kbps=512, burst=6400)),
    ("priority percent 10", "priority", M.PriorityConfig(percent=10)),
    ("priority percent 10 3000", "priority", M.PriorityConfig(percent=10, burst=3000)),
    ("priority level 1 percent 30", "priority", M.PriorityConfig(level=1, percent=30)),
    ("priority level 2 1000 20000", "priority", M.PriorityConfig(level=2, kbps=1000, burst=20000)),
    ("bandwidth 1000", "bandwidth", M.BandwidthConfig(1000, "kbps")),
    ("bandwidth percent 30", "bandwidth", M.BandwidthConfig(30, "percent")),
    ("bandwidth remaining ratio 7", "bandwidth_remaining", M.BandwidthConfig(7, "ratio", remaining=True)),
    ("bandwidth remaining percent 25", "bandwidth_remaining",
     M.BandwidthConfig(25, "percent", remaining=True)),
    ("queue-limit 300", "queue_limit", 300),
    ("queue-limit 300 packets", "queue_limit", 300),
])
def test_queueing_line_is_modeled_and_round_trips(line, attr, value):
    cls = one_class(line)
    assert getattr(cls, attr) == value and cls.other_lines == []
    cfg = parse(CMAPS + f"policy-map P\n class VOICE\n  {line}\n").config
    text = pmap_text(cfg, "P")
    again = parse(CMAPS + text).config
    assert getattr(again.policy_maps["P"].get("VOICE"), attr) == value
    assert pmap_text(again, "P") == text


def test_running_config_spelling_and_order():
    """IOS writes `queue-limit N packets`, the queueing actions first in the class, and a child
    `service-policy` under `shape average`, one column in (tests/configs/flexvpn-hub.cfg, a real
    hub's running configuration, has that layout)."""
    cfg = parse(CMAPS + """\
policy-map CHILD
 class VOICE
  set dscp ef
  priority level 1
 class DATA
  queue-limit 100
  bandwidth percent 30
policy-map PARENT
 class class-default
  service-policy CHILD
  shape average 20000000
""").config
    assert pmap_text(cfg, "CHILD") == (
        "policy-map CHILD\n class VOICE\n  priority level 1\n  set dscp ef\n"
        " class DATA\n  bandwidth percent 30\n  queue-limit 100 packets\n")
    assert pmap_text(cfg, "PARENT") == (
        "policy-map PARENT\n class class-default\n  shape average 20000000\n   service-policy CHILD\n")


def test_real_hub_queueing_round_trips():
    cfg = parse(HQOS).config
    again = parse(CMAPS + pmap_text(cfg, "CHILD") + pmap_text(cfg, "PARENT")).config
    assert again.policy_maps["PARENT"].classes == cfg.policy_maps["PARENT"].classes
    assert again.policy_maps["CHILD"].classes == cfg.policy_maps["CHILD"].classes


def test_fair_queue_random_detect_queue_buffers_kept_and_listed():
    result = parse(CMAPS + "policy-map P\n class DATA\n  bandwidth 100\n  fair-queue\n"
                           "  random-detect dscp-based\n  queue-buffers ratio 10\n")
    cls = result.config.policy_maps["P"].get("DATA")
    assert cls.other_lines == ["fair-queue", "random-detect dscp-based", "queue-buffers ratio 10"]
    assert cls.bandwidth == M.BandwidthConfig(100, "kbps")
    for word in ("fair-queue", "random-detect", "queue-buffers"):
        assert f"policy-map class: {word}" in result.unmodeled
    assert "policy-map class: bandwidth" not in result.unmodeled


def session_with(text: str) -> ConfigSession:
    s = ConfigSession(load_default().config)
    for line in text.splitlines():
        s.feed(line)
    return s


def test_terminal_notes_kept_lines_and_no_forms_remove():
    s = session_with(CMAPS + "policy-map P\n class DATA\n bandwidth remaining percent 20\n queue-limit 90\n"
                             " shape average 4000000\n fair-queue")
    assert any("fair-queue" in note for note in s.notes)
    cls = s.config.policy_maps["P"].get("DATA")
    assert cls.bandwidth_remaining.value == 20 and cls.queue_limit == 90 and cls.shape.cir == 4000000
    for line in ("no bandwidth remaining percent 20", "no queue-limit 90", "no shape average 4000000",
                 "no fair-queue"):
        s.feed(line)
    assert not cls.queues and cls.other_lines == []
    s.feed("priority percent 10")
    s.feed("no priority")
    assert cls.priority is None


# ---- IOS's refusals ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    ("priority\n bandwidth 100", "bandwidth and priority are mutually exclusive"),
    ("bandwidth 100\n priority level 1", "bandwidth and priority are mutually exclusive"),
    ("priority percent 10\n bandwidth remaining ratio 10", "bandwidth and priority are mutually exclusive"),
    ("bandwidth 1000\n bandwidth remaining ratio 10", "bandwidth remaining cannot coexist"),
    ("priority level 1\n shape average 56000", "shape and priority are mutually exclusive"),
])
def test_class_refusals(body, message):
    s = session_with(CMAPS + "policy-map P\n class VOICE\n " + body.splitlines()[0])
    with pytest.raises(ConfigError, match=message):
        s.feed(body.splitlines()[1])
    first = s.config.policy_maps["P"].get("VOICE")
    assert first.queues     # the refused line changed nothing


@pytest.mark.parametrize("first, second, message", [
    ("bandwidth percent 60", "bandwidth percent 50", "sum total of class bandwidths exceeds 100 percent"),
    ("priority percent 60", "bandwidth percent 50", "sum total of class bandwidths exceeds 100 percent"),
    ("bandwidth remaining percent 60", "bandwidth remaining percent 50",
     "bandwidth remaining percent exceeds 100 percent"),
    ("bandwidth 100", "bandwidth percent 10", "must be in kbps or all in percent"),
    ("priority level 1", "priority level 1", "priority level 1 is already in use"),
    ("priority", "priority level 2", "priority and priority level cannot be mixed"),
    ("bandwidth remaining ratio 2", "bandwidth remaining percent 20", "cannot be mixed"),
])
def test_policy_refusals(first, second, message):
    with pytest.raises(ConfigErrors, match=message):
        parse(CMAPS + f"policy-map P\n class VOICE\n  {first}\n class DATA\n  {second}\n")


@pytest.mark.parametrize("line, message", [
    ("priority", "priority is not allowed in class-default"),
    ("shape peak 1000000", "shape peak is not supported"),
    ("queue-limit 10 ms", "queue-limit in ms is not supported"),
    ("bandwidth remaining weight 3", "give ratio or percent"),
    ("bandwidth remaining ratio 1001", "outside 1..1000"),
    ("shape average 1000", "below 8000"),
    ("priority level 3", "outside 1..2"),
    ("bandwidth percent 101", "outside 1..100"),
])
def test_bad_lines(line, message):
    with pytest.raises(ConfigErrors, match=message):
        parse(f"policy-map P\n class class-default\n  {line}\n")


def test_queueing_policy_refused_as_service_policy_input():
    vt = "interface Virtual-Template1 type tunnel\n service-policy input {}\n"
    with pytest.raises(ConfigErrors, match="not supported in the input direction"):
        parse(HQOS + vt.format("PARENT"))
    with pytest.raises(ConfigErrors, match="not supported in the input direction"):
        parse(HQOS + vt.format("CHILD"))
    parse(HQOS + vt.replace("input", "output").format("PARENT"))


def test_queueing_line_refused_in_a_policy_attached_input():
    s = session_with(CMAPS + "policy-map IN\n class VOICE\n  set dscp ef\n exit\nexit\n"
                             "interface Virtual-Template1 type tunnel\n service-policy input IN\n exit\n"
                             "policy-map IN\n class VOICE")
    with pytest.raises(ConfigError, match="not supported in the input direction"):
        s.feed("shape average 1000000")
    assert s.config.policy_maps["IN"].get("VOICE").shape is None


# ---- the compile ------------------------------------------------------------------------------

class RecordingFastPath:
    """The part of FastPathAPI the compiler calls to make policies: it keeps the tables."""

    def __init__(self):
        self.policies: dict[int, T.Policy] = {}

    def policy_create(self, policy: T.Policy) -> int:
        self.policies[len(self.policies)] = policy
        return len(self.policies) - 1

    def acl_create(self, aces) -> int:
        return 0


def compiled(text: str, name: str) -> tuple[T.Policy, RecordingFastPath]:
    fp = RecordingFastPath()
    handle = Compiler(fp, parse(text).config).policy_handle(name)
    return fp.policies[handle], fp


def queue_of(policy: T.Policy, name: str) -> T.Queueing | None:
    return next(c for c in policy.classes if c.name == name).queue


def test_default_queue_limit_is_50ms_of_the_rate_at_least_64():
    assert default_queue_limit(100_000) == 64            # the Virtual-Access's 100 kbit/s
    assert default_queue_limit(20_000_000) == 83         # 20e6 * 0.05 / 8 / 1500 = 83.3
    assert default_queue_limit(1_000_000_000) == 4166


def test_hierarchy_compiles_with_ios_defaults():
    parent, fp = compiled(HQOS.replace("shape average 10000000", "shape average 20000000"), "PARENT")
    # The parent's class-default shapes and has a queueing child: an inner node, bc = 4 ms of
    # CIR (20e6 / 2000 bytes), be = bc.
    assert queue_of(parent, "class-default") == T.Queueing(shape_cir=20_000_000, shape_bc=10_000,
                                                           shape_be=10_000)
    child = fp.policies[next(c for c in parent.classes).child]
    # Percentages of the parent's shaper; priority burst 200 ms of its rate (rate / 40 bytes);
    # queue-limit 50 ms of the nearest shaper (20 Mbit/s: 83 packets).
    assert queue_of(child, "VOICE") == T.Queueing(queue_limit=83, priority=1, priority_rate=4_000_000,
                                                  priority_burst=100_000)
    assert queue_of(child, "DATA") == T.Queueing(queue_limit=83, bw_excess=3)
    assert queue_of(child, "BULK") is None        # no action: shares class-default's queue
    assert queue_of(child, "class-default") == T.Queueing(queue_limit=200, bw_excess=1)


def test_flat_policy_takes_the_interface_bandwidth():
    policy, _ = compiled(CMAPS + """\
policy-map P
 class VOICE
  priority 64 2000
 class DATA
  bandwidth percent 50
 class BULK
  shape average 1000000 16000
""", "P")
    assert queue_of(policy, "VOICE") == T.Queueing(queue_limit=64, priority=1, priority_rate=64_000,
                                                   priority_burst=2000)
    # 50 % of the Virtual-Access's 100 kbit/s.
    assert queue_of(policy, "DATA") == T.Queueing(queue_limit=64, bw_min=50_000)
    # bc typed in bits (16000 bits = 2000 bytes), be defaults to bc.
    assert queue_of(policy, "BULK") == T.Queueing(queue_limit=64, shape_cir=1_000_000, shape_bc=2000,
                                                  shape_be=2000)
    assert queue_of(policy, "class-default") == T.Queueing(queue_limit=64)


def test_percent_shaper_in_child_and_queue_sizes():
    parent, fp = compiled(CMAPS + """\
policy-map CHILD
 class VOICE
  shape average percent 50
 class class-default
  shape average 200000000 800000 0
policy-map PARENT
 class class-default
  shape average 100000000
   service-policy CHILD
""", "PARENT")
    child = fp.policies[parent.classes[0].child]
    # 50 % of the parent's 100 Mbit/s; its own shaper sizes its queue: 50e6 // 240000 = 208.
    assert queue_of(child, "VOICE") == T.Queueing(queue_limit=208, shape_cir=50_000_000,
                                                  shape_bc=25_000, shape_be=25_000)
    # bc 800000 bits = 100000 bytes, be typed 0.
    assert queue_of(child, "class-default") == T.Queueing(queue_limit=833, shape_cir=200_000_000,
                                                          shape_bc=100_000, shape_be=0)


def test_a_level_without_queueing_adds_nothing():
    policy, _ = compiled(CMAPS + "policy-map P\n class VOICE\n  set dscp ef\n  police cir 64000\n", "P")
    assert all(c.queue is None for c in policy.classes)


def test_parent_with_marking_child_is_a_queue():
    parent, _ = compiled(CMAPS + """\
policy-map MARK
 class VOICE
  set dscp ef
policy-map PARENT
 class class-default
  shape average 2000000
   service-policy MARK
""", "PARENT")
    # Its child does not queue, so class-default is itself the queue, sized by its own shaper.
    assert queue_of(parent, "class-default") == T.Queueing(queue_limit=64, shape_cir=2_000_000,
                                                           shape_bc=1000, shape_be=1000)


def test_shape_with_child_and_police_sub_mode_round_trips():
    """The child `service-policy` IOS writes under `shape average` comes before the class's police
    sub-mode lines, so reading it back never takes it for a police action."""
    text = CMAPS + """\
policy-map C
 class class-default
  set dscp ef
policy-map P
 class class-default
  police cir 1000000
   conform-action transmit
   exceed-action drop
  shape average 2000000
  set dscp af11
  service-policy C
"""
    cfg = parse(text).config
    written = pmap_text(cfg, "P")
    assert written == ("policy-map P\n class class-default\n  shape average 2000000\n   service-policy C\n"
                       "  set dscp af11\n  police cir 1000000\n   conform-action transmit\n"
                       "   exceed-action drop\n")
    again = parse(CMAPS + pmap_text(cfg, "C") + written).config
    assert again.policy_maps["P"].classes == cfg.policy_maps["P"].classes
