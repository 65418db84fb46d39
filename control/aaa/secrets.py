"""Cisco's password encodings, checked against what a user types: `password 0|7` and `secret
0|5|8|9` of `username` and `enable`.

    0  the clear text
    7  a reversible obfuscation (control/config/type7.py)
    5  md5-crypt (`$1$salt$hash`, FreeBSD's algorithm); written out here because Python 3.13
       removed the `crypt` module
    8  `$8$salt$hash`: PBKDF2-HMAC-SHA256, 20000 iterations, the 14-character salt used as it is
    9  `$9$salt$hash`: scrypt, N=16384 r=1 p=1, the salt used as it is

8 and 9 print their 32-byte digests in base64 with Cisco's alphabet `./0-9A-Za-z`, unpadded
(hashcat's modes 9200 and 9300 describe the same). Comparisons are constant-time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from ..config import type7

_STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
CISCO_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TO_CISCO = str.maketrans(_STANDARD, CISCO_ALPHABET)
PBKDF2_ITERATIONS = 20000
SCRYPT_N, SCRYPT_R, SCRYPT_P = 16384, 1, 1


class UnknownEncoding(ValueError):
    """A stored secret whose type this model cannot check (4, 6, or a malformed hash)."""


def cisco_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=").translate(_TO_CISCO)


def type8(password: str, salt: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ITERATIONS)
    return f"$8${salt}${cisco_base64(digest)}"


def type9(password: str, salt: str) -> str:
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"$9${salt}${cisco_base64(digest)}"


def md5_crypt(password: str, salt: str) -> str:
    """Poul-Henning Kamp's md5-crypt, as IOS's type 5 stores it (`$1$` and up to 8 salt characters)."""
    pw, salt_b, magic = password.encode(), salt[:8].encode(), b"$1$"
    alternate = hashlib.md5(pw + salt_b + pw).digest()
    ctx = hashlib.md5(pw + magic + salt_b)
    for i in range(len(pw), 0, -16):
        ctx.update(alternate[:min(i, 16)])
    i = len(pw)
    while i:
        ctx.update(b"\0" if i & 1 else pw[:1])
        i >>= 1
    final = ctx.digest()
    for i in range(1000):
        ctx = hashlib.md5()
        ctx.update(pw if i & 1 else final)
        if i % 3:
            ctx.update(salt_b)
        if i % 7:
            ctx.update(pw)
        ctx.update(final if i & 1 else pw)
        final = ctx.digest()
    # Three bytes to four characters, least significant first, in the byte order crypt fixed.
    out = []
    for a, b, c in ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)):
        value = final[a] << 16 | final[b] << 8 | final[c]
        out.extend(CISCO_ALPHABET[(value >> (6 * k)) & 63] for k in range(4))
    value = final[11]
    out.extend(CISCO_ALPHABET[(value >> (6 * k)) & 63] for k in range(2))
    return f"$1${salt[:8]}${''.join(out)}"


def _hashed(stored: str, marker: str, compute) -> str:
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] or parts[1] != marker or not parts[2]:
        raise UnknownEncoding(f"not a type {'5' if marker == '1' else marker} secret: {stored!r}")
    return compute(parts[2])


def matches(encoding: str, stored: str, typed: str) -> bool:
    """Whether `typed` is the password `stored` holds in `encoding` ("0", "5", "7", "8", "9");
    UnknownEncoding for a type this model cannot check."""
    if encoding == "0":
        expected = stored
    elif encoding == "7":
        try:
            expected = type7.decode(stored)
        except type7.Type7Error as exc:
            raise UnknownEncoding(str(exc)) from None
    elif encoding == "5":
        expected = _hashed(stored, "1", lambda salt: md5_crypt(typed, salt))
    elif encoding == "8":
        expected = _hashed(stored, "8", lambda salt: type8(typed, salt))
    elif encoding == "9":
        expected = _hashed(stored, "9", lambda salt: type9(typed, salt))
    else:
        raise UnknownEncoding(f"type {encoding} secrets are not modeled")
    if encoding == "0" or encoding == "7":
        return hmac.compare_digest(expected.encode(), typed.encode())
    return hmac.compare_digest(expected.encode(), stored.encode())
