"""Files a user hands the device (configurations, session lists, regression cases), read within
bounds: a regular file only (not /dev/zero, not a FIFO that never ends, not a directory), no larger
than a limit, and UTF-8 text (a leading byte-order mark is dropped, as IOS's own editors never
write one but Windows ones do). Anything else is a one-line ControlError naming the file.

The limit is TEXT_MAX_BYTES, 16 MiB (a 100,000-line configuration is about 3 MiB); the environment
variable QFP_MAX_TEXT_BYTES raises or lowers it.
"""
from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from .errors import ControlError


class MissingFile(ControlError):
    """The file is not there (or cannot be opened at all): the caller named the wrong one."""


TEXT_MAX_BYTES = 16 << 20
LIMIT_VARIABLE = "QFP_MAX_TEXT_BYTES"
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def text_limit() -> int:
    value = os.environ.get(LIMIT_VARIABLE)
    if value is None:
        return TEXT_MAX_BYTES
    try:
        return int(value)
    except ValueError:
        raise ControlError(f"{LIMIT_VARIABLE}={value!r} is not a number of bytes") from None


def read_text(path: str | Path, what: str = "file") -> str:
    """The text of `path`, a `what` (`configuration`, `session list`, ...)."""
    data = read_bytes(path, what, text_limit())
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if data.startswith(_UTF16):
        raise ControlError(f"{path}: the {what} is UTF-16 text; save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ControlError(f"{path}:{line}: the {what} is not UTF-8 text "
                           f"(byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, or ControlError. The size is checked before and
    while reading, so a file that grows meanwhile cannot take more."""
    try:
        # Non-blocking, so that opening a FIFO with no writer answers at once instead of waiting.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                raise ControlError(f"{path}: the {what} is {kind}")
            if st.st_size > limit:
                raise ControlError(f"{path}: the {what} is {st.st_size:,} bytes, over the limit of {limit:,}")
            data = f.read(limit + 1)
    except IsADirectoryError:
        raise ControlError(f"{path}: the {what} is a directory") from None
    except OSError as exc:
        raise MissingFile(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise ControlError(f"{path}: the {what} grew past the limit of {limit:,} bytes while read")
    return data
