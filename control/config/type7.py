"""Cisco type 7 passwords: a Vigenère over a fixed string, an obfuscation rather than a cipher.

`server-key 7 0822455D0A16` holds the key `cisco`: the first two digits are a decimal offset into
XLAT, and each following pair of hex digits is one character XORed with the next XLAT character.
"""
from __future__ import annotations

XLAT = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


class Type7Error(ValueError):
    """Text that is not a type 7 string."""


def decode(text: str) -> str:
    if len(text) < 4 or len(text) % 2 or not text[:2].isdigit():
        raise Type7Error(f"{text!r} is not a type 7 string")
    offset = int(text[:2])
    if offset >= len(XLAT):
        raise Type7Error(f"{text!r} starts with offset {offset}, beyond {len(XLAT) - 1}")
    try:
        codes = bytes.fromhex(text[2:])
    except ValueError:
        raise Type7Error(f"{text!r} is not a type 7 string") from None
    return "".join(chr(c ^ ord(XLAT[(offset + i) % len(XLAT)])) for i, c in enumerate(codes))


def encode(plain: str, offset: int = 8) -> str:
    if not 0 <= offset <= 15:   # IOS itself picks offsets 0..15
        raise Type7Error(f"type 7 offset {offset} is outside 0..15")
    return f"{offset:02d}" + "".join(
        f"{ord(ch) ^ ord(XLAT[(offset + i) % len(XLAT)]):02X}" for i, ch in enumerate(plain))
