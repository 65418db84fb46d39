"""The numbers csrc/qfp.h defines that Python repeats, each held to C's value in one table.

qfp.tables, qfp.packets, qfp.readback, qfp.policer and qfp.reference work without the C extension
(the reference model is the fast path's oracle), so they keep their own copies of C's constants and
layouts. This file is where every such copy is checked; a new one belongs in these tables."""
import pytest

from qfp_model.qfp import packets as P
from qfp_model.qfp import policer, readback, reference, reference_acl6
from qfp_model.qfp import tables as T
from qfp_model.qfp._fastpath import ffi, lib
from qfp_model.qfp.fastpath import LAYOUTS, check_layout

CONSTANTS = [
    # limits (qfp.tables)
    ("QFP_NAME_MAX", T.NAME_MAX + 1),          # C counts the NUL
    ("QFP_POLICY_DEPTH_MAX", T.POLICY_DEPTH_MAX),
    ("QFP_CMAP_DEPTH_MAX", T.CMAP_DEPTH_MAX),
    ("QFP_CLASSES_MAX", T.CLASSES_MAX),
    ("QFP_TERMS_MAX", T.TERMS_MAX),
    ("QFP_RATE_MIN", T.RATE_MIN),
    ("QFP_RATE_MAX", T.RATE_MAX),
    ("QFP_BURST_MAX", T.BURST_MAX),
    ("QFP_QUEUE_LIMIT_MAX", T.QUEUE_LIMIT_MAX),
    ("QFP_EXCESS_WEIGHT_MAX", T.EXCESS_WEIGHT_MAX),
    # directions (qfp.tables.Direction)
    ("QFP_DIR_IN", T.Direction.IN),
    ("QFP_DIR_OUT", T.Direction.OUT),
    ("QFP_DIR_COUNT", len(T.Direction)),
    # policer modes and action codes (qfp.tables.PoliceMode, qfp.policer)
    ("QFP_POLICE_1R2C", T.PoliceMode.ONE_RATE_TWO_COLOUR),
    ("QFP_POLICE_1R3C", T.PoliceMode.ONE_RATE_THREE_COLOUR),
    ("QFP_POLICE_2R3C", T.PoliceMode.TWO_RATE_THREE_COLOUR),
    ("QFP_PA_TRANSMIT", policer.ACTION_CODES["transmit"]),
    ("QFP_PA_DROP", policer.ACTION_CODES["drop"]),
    ("QFP_PA_SET_DSCP", policer.ACTION_CODES["set-dscp-transmit"]),
    ("QFP_PA_SET_PREC", policer.ACTION_CODES["set-prec-transmit"]),
    ("QFP_PA_COUNT", len(policer.ACTION_CODES) + 1),   # code 0 is the colour's default
    ("QFP_HW_FIELD_BITS", policer.HW_FIELD_BITS),
    ("QFP_PI_CODE_BITS", policer.PI_CODE_BITS),
    ("QFP_PI_VALUE_SHIFT", policer.PI_VALUE_SHIFT),
    ("QFP_PI_VALUE_BITS", policer.PI_VALUE_BITS),
    # queue roles (qfp.readback)
    ("QFP_QROLE_NONE", readback.QROLE_NONE),
    ("QFP_QROLE_QUEUE", readback.QROLE_QUEUE),
    ("QFP_QROLE_INNER", readback.QROLE_INNER),
    # set kinds (qfp.readback)
    ("QFP_SET_NONE", readback.SET_NONE),
    ("QFP_SET_DSCP", readback.SET_DSCP),
    ("QFP_SET_PREC", readback.SET_PREC),
    # packets in (qfp.packets)
    ("QFP_FAMILY_IPV4", P.FAMILY_IPV4),
    ("QFP_FAMILY_IPV6", P.FAMILY_IPV6),
    # IPv6 (qfp.tables, qfp.reference_acl6): extension headers, ICMPv6 and the implicit entries
    ("QFP_EXT_ROUTING", T.EXT_ROUTING),
    ("QFP_EXT_FRAGMENT", T.EXT_FRAGMENT),
    ("QFP_EXT_HOP_BY_HOP", T.EXT_HOP_BY_HOP),
    ("QFP_EXT_DEST_OPTS", T.EXT_DEST_OPTS),
    ("QFP_PROTO_ICMPV6", T.PROTO_ICMPV6),
    ("QFP_ICMP6_ND_NS", reference_acl6.ICMP6_ND_NS),
    ("QFP_ICMP6_ND_NA", reference_acl6.ICMP6_ND_NA),
    ("QFP_ACL6_IMPLICIT_DENY", reference_acl6.IMPLICIT_DENY),
    ("QFP_ACL6_IMPLICIT_ND_NA", reference_acl6.IMPLICIT_ND_NA),
    ("QFP_ACL6_IMPLICIT_ND_NS", reference_acl6.IMPLICIT_ND_NS),
    ("QFP_ACL6_IMPLICIT_COUNT", reference_acl6.IMPLICIT_ND_NS + 1),
    ("QFP_FRAG_NONE", P.FRAG_NONE),
    ("QFP_FRAG_INITIAL", P.FRAG_INITIAL),
    ("QFP_FRAG_NONINITIAL", P.FRAG_NONINITIAL),
    ("QFP_FRAG_COUNT", P.FRAG_NONINITIAL + 1),
    ("QFP_TCP_FIN", P.TCP_FIN),
    ("QFP_TCP_SYN", P.TCP_SYN),
    ("QFP_TCP_RST", P.TCP_RST),
    ("QFP_TCP_PSH", P.TCP_PSH),
    ("QFP_TCP_ACK", P.TCP_ACK),
    ("QFP_TCP_URG", P.TCP_URG),
    # verdicts out (qfp.packets)
    ("QFP_FORWARD", P.FORWARD),
    ("QFP_DROP", P.DROP),
    ("QFP_CONFORM", P.CONFORM),
    ("QFP_EXCEED", P.EXCEED),
    ("QFP_VIOLATE", P.VIOLATE),
    ("QFP_COLOUR_NONE", P.COLOUR_NONE),
    ("QFP_COLOUR_COUNT", P.COLOUR_COUNT),
    ("QFP_REASON_NONE", P.REASON_NONE),
    ("QFP_REASON_NO_UIDB", P.REASON_NO_UIDB),
    ("QFP_REASON_ACL", P.REASON_ACL),
    ("QFP_REASON_POLICE", P.REASON_POLICE),
    ("QFP_REASON_QUEUE", P.REASON_QUEUE),
    ("QFP_REASON_PRIORITY", P.REASON_PRIORITY),
    ("QFP_ACE_NONE", P.ACE_NONE),
    ("QFP_ACE_IMPLICIT", P.ACE_IMPLICIT),
    ("QFP_ACE_IMPLICIT_ND_NA", P.ACE_IMPLICIT_ND_NA),
    ("QFP_ACE_IMPLICIT_ND_NS", P.ACE_IMPLICIT_ND_NS),
    ("QFP_CLASS_NONE", P.CLASS_NONE),
    # token units (qfp.reference)
    ("QFP_UNITS_PER_BYTE", reference.UNITS_PER_BYTE),
]


@pytest.mark.parametrize("name, value", CONSTANTS, ids=[name for name, _ in CONSTANTS])
def test_python_copy_matches_c(name, value):
    assert value == getattr(lib, name)


@pytest.mark.parametrize("ctype", list(LAYOUTS))
def test_dtype_is_the_c_struct(ctype):
    check_layout(ctype, LAYOUTS[ctype])


def test_every_policer_action_code_is_named():
    assert sorted(policer.ACTION_CODES.values()) == list(range(1, lib.QFP_PA_COUNT))


def test_uidb_counters_struct_is_what_uidb_counters_reads():
    """struct qfp_uidb_counters: a uint64_t[QFP_DIR_COUNT] per UidbCounters field, in its order,
    each indexed by Direction."""
    fields = ffi.typeof("struct qfp_uidb_counters").fields
    assert [name for name, _ in fields] == list(readback.UidbCounters.__dataclass_fields__)
    for _, field in fields:
        assert field.type == ffi.typeof(f"uint64_t[{lib.QFP_DIR_COUNT}]")
    assert ffi.sizeof("struct qfp_uidb_counters") == 4 * 8 * lib.QFP_DIR_COUNT


def test_queue_stats_struct_is_what_queue_stats_reads():
    """struct qfp_queue_stats: QueueStats's fields, in its order; and struct qfp_class_cfg carries
    every Queueing field under its own name."""
    fields = [name for name, _ in ffi.typeof("struct qfp_queue_stats").fields]
    assert fields == list(readback.QueueStats.__dataclass_fields__)
    cfg_fields = {name for name, _ in ffi.typeof("struct qfp_class_cfg").fields}
    assert set(T.Queueing.__dataclass_fields__) <= cfg_fields


def test_ace6_struct_holds_every_condition_of_an_ace6():
    """struct qfp_ace6: four address words per address, most significant first as in the packet
    record, and the flow label and extension headers Ace6 adds to Ace's conditions."""
    fields = dict(ffi.typeof("struct qfp_ace6").fields)
    for name in ("src_val", "src_mask", "dst_val", "dst_mask"):
        assert fields[name].type == ffi.typeof("uint32_t[4]")
    assert {"flow_val", "flow_mask", "ext", "flags", "sport_lo", "dport_hi"} <= set(fields)


def test_binding_and_uidb_info_carry_an_ipv6_acl_per_direction():
    assert "acl6_slot" in dict(ffi.typeof("struct qfp_binding").fields)
    assert dict(ffi.typeof("struct qfp_uidb_info").fields)["acl6"].type == ffi.typeof(
        f"int32_t[{lib.QFP_DIR_COUNT}]")
    assert "family" in dict(ffi.typeof("struct qfp_acl_stats").fields)
