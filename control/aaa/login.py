"""Who may log in to the device's vty lines, and at what privilege: the configuration's
`username` and `enable secret|password` lines and its `line vty` block's `exec-timeout`. The
configuration keeps all of them verbatim (unmodeled blocks), so they are read from there each time
they are asked for: a `username` added in `configure terminal` counts for the next login.

Authentication is the local database, which is what `aaa new-model` without an `aaa
authentication login` list means on IOS. A secret in a type this model cannot check (4, 6) never
matches, and says so in the device log.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config.model import RunningConfig
from . import secrets

DEFAULT_EXEC_TIMEOUT = 600.0   # seconds: IOS's exec-timeout 10 0
DEFAULT_PRIVILEGE = 1


@dataclass(frozen=True)
class Secret:
    encoding: str   # "0", "5", "7", "8", "9" (or another digit, which no password matches)
    value: str

    def matches(self, typed: str, log: Callable[[str], None] | None = None) -> bool:
        try:
            return secrets.matches(self.encoding, self.value, typed)
        except secrets.UnknownEncoding as exc:
            if log is not None:
                log(f"%AAA-3-BADSECRET: {exc}: nobody can log in with it here")
            return False


@dataclass(frozen=True)
class User:
    name: str
    privilege: int
    secret: Secret


def _secret(words: list[str]) -> Secret | None:
    """`[TYPE] VALUE` after `secret` or `password`; a bare value is clear text."""
    if not words:
        return None
    if len(words) >= 2 and words[0].isdigit():
        return Secret(words[0], " ".join(words[1:]))
    return Secret("0", " ".join(words))


def _parse_user(line: str) -> User | None:
    words = line.split()
    if len(words) < 4 or words[0] != "username":
        return None
    name, rest, privilege = words[1], words[2:], DEFAULT_PRIVILEGE
    if rest[:1] == ["privilege"] and len(rest) > 1 and rest[1].isdigit():
        privilege, rest = int(rest[1]), rest[2:]
    if rest[:1] == ["algorithm-type"]:   # as typed; IOS stores the result as `secret 8|9`
        rest = rest[2:]
    if rest[:1] not in (["secret"], ["password"]):
        return None
    secret = _secret(rest[1:])
    return None if secret is None else User(name, min(privilege, 15), secret)


def _top_lines(config: RunningConfig) -> list[str]:
    return [block.lines[0].strip() for block in config.unmodeled_blocks()]


def users(config: RunningConfig) -> dict[str, User]:
    found = {}
    for line in _top_lines(config):
        user = _parse_user(line)
        if user is not None:
            found[user.name] = user
    return found


def authenticate(config: RunningConfig, name: str, password: str,
                 log: Callable[[str], None] | None = None) -> User | None:
    user = users(config).get(name)
    if user is None or not user.secret.matches(password, log):
        return None
    return user


def enable_secret(config: RunningConfig) -> Secret | None:
    """`enable secret` if there is one, else `enable password` (IOS's order), else None."""
    found: dict[str, Secret] = {}
    for line in _top_lines(config):
        words = line.split()
        if len(words) < 3 or words[0] != "enable" or words[1] not in ("secret", "password"):
            continue
        rest = words[2:]
        if rest[:1] == ["level"]:
            if rest[1:2] != ["15"]:
                continue   # levels other than 15 are not modeled: enable always asks for 15
            rest = rest[2:]
        secret = _secret(rest)
        if secret is not None:
            found[words[1]] = secret
    return found.get("secret") or found.get("password")


def vty_exec_timeout(config: RunningConfig) -> float | None:
    """Seconds an idle vty session lasts (`exec-timeout M [S]` in the first `line vty` block,
    IOS's 10 minutes without one); None for `exec-timeout 0 0`, never."""
    for block in config.unmodeled_blocks():
        if block.lines[0].split()[:2] != ["line", "vty"]:
            continue
        for line in block.lines[1:]:
            words = line.split()
            if words[:1] == ["exec-timeout"] and all(w.isdigit() for w in words[1:3]) and len(words) >= 2:
                seconds = int(words[1]) * 60 + (int(words[2]) if len(words) > 2 else 0)
                return float(seconds) if seconds else None
        break
    return DEFAULT_EXEC_TIMEOUT
