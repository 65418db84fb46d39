"""The hw_policer / police_info words (qfp.policer) against docs/fastpath.md's table.

Show output prints these words and the fast path runs from them, so a policer must survive
encode -> decode unchanged whenever its rates are programmable, and the bits must sit where the
documentation says a reader of `show platform hardware qfp ...` will look for them."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qfp_model.qfp import policer as pw
from qfp_model.qfp.errors import TableError
from qfp_model.qfp.tables import BURST_MAX, DROP, RATE_MAX, RATE_MIN, TRANSMIT, PoliceAction, PoliceMode, Policer

EXACT_BELOW = 1 << 29   # every rate under this fits the 29-bit mantissa with exponent 0

actions = st.one_of(
    st.just(TRANSMIT),
    st.just(DROP),
    st.integers(0, 63).map(lambda v: PoliceAction("set-dscp-transmit", v)),
    st.integers(0, 7).map(lambda v: PoliceAction("set-prec-transmit", v)),
)


def exact_rates(lo: int = RATE_MIN) -> st.SearchStrategy[int]:
    """Programmable rates >= lo, from both documented exact families: round trips must be exact."""
    families = [st.integers(-(-lo // 1000), RATE_MAX // 1000).map(lambda k: k * 1000)]
    if lo < EXACT_BELOW:
        families.append(st.integers(lo, EXACT_BELOW - 1))
    return st.one_of(families)


def any_rates(lo: int = RATE_MIN) -> st.SearchStrategy[int]:
    return st.integers(lo, RATE_MAX)


bursts = st.integers(1, BURST_MAX)


@st.composite
def policers(draw, rates=exact_rates) -> Policer:
    mode = draw(st.sampled_from(list(PoliceMode)))
    cir = draw(rates())
    if mode is PoliceMode.ONE_RATE_TWO_COLOUR:
        return Policer(mode, cir=cir, bc=draw(bursts),
                       conform=draw(actions), exceed=draw(actions))
    pir = draw(rates(cir)) if mode is PoliceMode.TWO_RATE_THREE_COLOUR else 0
    return Policer(mode, cir=cir, bc=draw(bursts), be=draw(bursts), pir=pir,
                   conform=draw(actions), exceed=draw(actions), violate=draw(actions))


@given(policers())
def test_round_trip_is_exact_for_programmable_policers(policer):
    words = pw.encode(policer)
    assert pw.decode(words) == policer
    assert pw.programmed(policer) == policer


@given(policers())
def test_words_fit_32_bits_and_mode_is_in_the_top_bits(policer):
    words = pw.encode(policer)
    for word in (*words.hw, words.police_info):
        assert 0 <= word < 1 << 32
    assert words.hw[0] >> 29 == int(policer.mode)
    assert words.hw[0] & (EXACT_BELOW - 1) == policer.bc


@given(policers(rates=any_rates))
def test_any_rate_rounds_down_to_a_programmable_one_and_stays_there(policer):
    hw = pw.programmed(policer)
    words = pw.encode(policer).hw
    assert hw.cir <= policer.cir < hw.cir + 10 ** (words[2] >> 29)
    if policer.mode is PoliceMode.TWO_RATE_THREE_COLOUR:
        rounded = pw.encode_rate(policer.pir)
        assert policer.pir < pw.decode_rate(rounded) + 10 ** (rounded >> 29)
        assert hw.pir == max(hw.cir, pw.decode_rate(rounded)) and hw.cir <= hw.pir <= policer.pir
    # Programming what hardware runs changes nothing: the words are a fixed point.
    assert pw.programmed(pw.programmed(policer)) == pw.programmed(policer)


def test_a_pir_that_rounds_below_an_exact_cir_runs_at_the_cir():
    """Found by the differential tests: 536870911 fits the mantissa exactly, 536870912 rounds down
    to 536870910, and the fast path refuses a PIR below the CIR."""
    policer = Policer(PoliceMode.TWO_RATE_THREE_COLOUR, cir=536_870_911, bc=1, be=1, pir=536_870_912)
    words = pw.encode(policer).hw
    assert words[3] == words[2]
    assert pw.programmed(policer).pir == 536_870_911


@given(st.integers(0, EXACT_BELOW - 1))
def test_rates_below_2_29_are_exact_with_exponent_0(rate):
    word = pw.encode_rate(rate)
    assert word == rate
    assert pw.decode_rate(word) == rate


@given(st.integers(0, RATE_MAX // 1000))
def test_multiples_of_1000_are_exact_up_to_the_largest_rate(k):
    assert pw.decode_rate(pw.encode_rate(k * 1000)) == k * 1000


@pytest.mark.parametrize("rate", [EXACT_BELOW - 1, EXACT_BELOW, RATE_MAX // 1000 * 1000, RATE_MAX])
def test_rate_boundaries(rate):
    decoded = pw.decode_rate(pw.encode_rate(rate))
    assert decoded <= rate
    if rate < EXACT_BELOW or rate % 1000 == 0:
        assert decoded == rate


def test_smallest_exponent_is_chosen():
    # 2^29 needs one division by ten, not more: mantissa 53687091, exponent 1.
    assert pw.encode_rate(EXACT_BELOW) == 1 << 29 | 53687091
    # 2^29 * 10 needs two: 536870912 is one past the largest mantissa.
    assert pw.encode_rate(10 * EXACT_BELOW) == 2 << 29 | 53687091


def test_documented_bit_positions_on_a_hand_computed_example():
    policer = Policer(
        PoliceMode.TWO_RATE_THREE_COLOUR,
        cir=10_000_000,          # fits: exponent 0, mantissa 0x989680
        pir=1_000_000_000,       # > 2^29: exponent 1, mantissa 100_000_000 = 0x5f5e100
        bc=312_500,              # 0x4c4b4
        be=1_000_000,            # 0xf4240
        conform=PoliceAction("set-prec-transmit", 5),   # code 4 in 3..0, value 5 in 17..12
        exceed=PoliceAction("set-dscp-transmit", 10),   # code 3 in 7..4, value 10 in 23..18
        violate=TRANSMIT,                               # code 1 in 11..8 (not violate's default)
    )
    words = pw.encode(policer)
    assert words.hw == (
        0x6004C4B4,   # mode 3 << 29 | Bc
        0x000F4240,   # Be
        0x00989680,   # CIR: 0 << 29 | 10_000_000
        0x25F5E100,   # PIR: 1 << 29 | 100_000_000
    )
    assert words.police_info == 0x4 | 0x3 << 4 | 0x1 << 8 | 5 << 12 | 10 << 18
    assert words.police_info == 0x00285134
    assert pw.decode(words) == policer


def test_all_default_actions_give_police_info_zero():
    words = pw.encode(Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1500))
    assert words == pw.PolicerWords((0x20000000 | 1500, 0, 8000, 0), 0)


def test_one_rate_policers_leave_pir_word_zero():
    words = pw.encode(Policer(PoliceMode.ONE_RATE_THREE_COLOUR, cir=64000, bc=2000, be=4000))
    assert words.hw == (0x40000000 | 2000, 4000, 64000, 0)


@pytest.mark.parametrize("hw0", [0x00000000, 0x80000000, 0xE0000000])
def test_words_without_a_policer_mode_do_not_decode(hw0):
    with pytest.raises(TableError):
        pw.decode(pw.PolicerWords((hw0 | 1500, 0, 8000, 0), 0))


@pytest.mark.parametrize("code", range(5, 16))
def test_unknown_action_codes_do_not_decode(code):
    with pytest.raises(TableError):
        pw.decode(pw.PolicerWords((0x20000000 | 1500, 0, 8000, 0), code << 4))


@given(policers())
def test_a_set_action_keeps_its_value_and_others_carry_none(policer):
    info = pw.encode(policer).police_info
    for colour, action in enumerate((policer.conform, policer.exceed, policer.violate)):
        value = info >> (12 + 6 * colour) & 0x3F
        assert value == (action.value if action.kind.startswith("set-") else 0)
