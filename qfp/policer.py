"""The programmed form of a policer: the hw_policer[0-3] and police_info words.

The fast path takes a policer as these words and prints them back in
`show platform hardware qfp active feature qos`. The layout is in docs/fastpath.md; `encode` and
`decode` are inverses on every programmable policer, and `programmed` tells the rates hardware
actually runs (a rate that needs more than 29 significant bits is rounded down, and a PIR never
below the CIR)."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import TableError
from .packets import COLOUR_COUNT
from .tables import DROP, TRANSMIT, PoliceAction, PoliceMode, Policer

# The words' fields (csrc/qfp.h: QFP_HW_FIELD_BITS, QFP_PI_*; tests/test_c_contract.py checks them).
HW_FIELD_BITS = 29     # Bc, Be, a rate's mantissa; the mode or the exponent above them
PI_CODE_BITS = 4       # police_info: colour c's action code at bit c * 4
PI_VALUE_SHIFT = 12    # police_info: colour c's value at bit 12 + c * 6
PI_VALUE_BITS = 6
_FIELD_MASK = (1 << HW_FIELD_BITS) - 1
_MANTISSA_MAX = _FIELD_MASK
_EXPONENT_MAX = 7

# csrc/qfp.h's enum qfp_police_action, by IOS action name (tests/test_c_contract.py checks them).
ACTION_CODES = {"transmit": 1, "drop": 2, "set-dscp-transmit": 3, "set-prec-transmit": 4}
_ACTION_KINDS = {code: kind for kind, code in ACTION_CODES.items()}
# Code 0 stands for the colour's IOS default, so an all-default policer has police_info 0.
_COLOUR_DEFAULTS = (TRANSMIT, DROP, DROP)


@dataclass(frozen=True)
class PolicerWords:
    hw: tuple[int, int, int, int]
    police_info: int


def encode_rate(bps: int) -> int:
    """bit/s -> exponent << 29 | mantissa, with mantissa * 10**exponent <= bps, exactly when it fits."""
    exponent = 0
    while bps > _MANTISSA_MAX:
        bps //= 10
        exponent += 1
    if exponent > _EXPONENT_MAX:
        raise TableError("rate too large to program")
    return exponent << HW_FIELD_BITS | bps


def decode_rate(word: int) -> int:
    return (word & _MANTISSA_MAX) * 10 ** (word >> HW_FIELD_BITS)


def _encode_action(colour: int, action: PoliceAction) -> tuple[int, int]:
    if action == _COLOUR_DEFAULTS[colour]:
        return 0, 0
    return ACTION_CODES[action.kind], action.value


def _decode_action(colour: int, code: int, value: int) -> PoliceAction:
    if code == 0:
        return _COLOUR_DEFAULTS[colour]
    try:
        kind = _ACTION_KINDS[code]
    except KeyError:
        raise TableError(f"police_info has unknown action code {code}") from None
    return PoliceAction(kind, value if kind.startswith("set-") else 0)


def encode(policer: Policer) -> PolicerWords:
    hw0 = int(policer.mode) << HW_FIELD_BITS | policer.bc
    hw1 = policer.be
    hw2 = encode_rate(policer.cir)
    hw3 = encode_rate(policer.pir) if policer.mode is PoliceMode.TWO_RATE_THREE_COLOUR else 0
    # Rounding may take a PIR just above a CIR that fits exactly below it (536870912 rounds to
    # 536870910 while 536870911 stays): run such a PIR at the CIR, as PIR >= CIR must hold.
    if hw3 and decode_rate(hw3) < decode_rate(hw2):
        hw3 = hw2
    info = 0
    for colour, action in enumerate((policer.conform, policer.exceed, policer.violate)):
        code, value = _encode_action(colour, action)
        info |= code << (PI_CODE_BITS * colour) | value << (PI_VALUE_SHIFT + PI_VALUE_BITS * colour)
    return PolicerWords((hw0, hw1, hw2, hw3), info)


def decode(words: PolicerWords) -> Policer:
    hw0, hw1, hw2, hw3 = words.hw
    try:
        mode = PoliceMode(hw0 >> HW_FIELD_BITS)
    except ValueError:
        raise TableError(f"hw_policer[0] 0x{hw0:08x} has no policer mode") from None
    actions = [
        _decode_action(colour, words.police_info >> (PI_CODE_BITS * colour) & ((1 << PI_CODE_BITS) - 1),
                       words.police_info >> (PI_VALUE_SHIFT + PI_VALUE_BITS * colour)
                       & ((1 << PI_VALUE_BITS) - 1))
        for colour in range(COLOUR_COUNT)
    ]
    return Policer(mode=mode, cir=decode_rate(hw2), bc=hw0 & _FIELD_MASK, be=hw1 & _FIELD_MASK,
                   pir=decode_rate(hw3) if mode is PoliceMode.TWO_RATE_THREE_COLOUR else 0,
                   conform=actions[0], exceed=actions[1], violate=actions[2])


def programmed(policer: Policer) -> Policer:
    """The policer as the hardware runs it: rates rounded to what the words can hold."""
    return decode(encode(policer))
