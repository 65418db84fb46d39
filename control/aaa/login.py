"""Who may log in to the device's vty lines, and at what privilege: the configuration's
`username` and `enable secret|password` lines and its `line vty` block's `exec-timeout`. The
configuration keeps all of them verbatim (unmodeled blocks), so they are read from there each time
they are asked for: a `username` added in `configure terminal` counts for the next login.

Which methods a vty login tries is the `aaa authentication login` list the first `line vty`
block names (`login authentication NAME`, else `default`); without a `default` list it is the local
database, as on IOS with `aaa new-model` (login_methods; control/aaa/vty_login.py tries them). A
secret in a type this model cannot check (4, 6) never matches, and says so in the device log.
"""
from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from qfp_model.qfp.packets import FAMILY_IPV4, FRAG_NONE, TCP_SYN
from qfp_model.qfp.reference import Packet, first_match
from qfp_model.qfp.tables import PROTO_TCP

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


def local_user(config: RunningConfig, name: str, case_sensitive: bool = False) -> User | None:
    """The `username` line for `name`: IOS's `local` method matches the name in any case,
    `local-case` exactly (the password is case-sensitive either way)."""
    found = users(config)
    if name in found or case_sensitive:
        return found.get(name)
    return next((u for n, u in found.items() if n.lower() == name.lower()), None)


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


def public_key_hashes(config: RunningConfig) -> dict[str, set[str]]:
    """`ip ssh pubkey-chain`'s keys by user: each `key-hash TYPE HASH` (the MD5 of the key's SSH
    wire form, in hex, as IOS stores it), and each `key-string`'s key (its base64 lines up to
    `exit`, which IOS turns into a key-hash) as the same hash."""
    keys: dict[str, set[str]] = {}
    for block in config.unmodeled_blocks():
        if block.lines[0].split()[:3] != ["ip", "ssh", "pubkey-chain"]:
            continue
        user, data = None, None
        for line in block.lines[1:]:
            words = line.split()
            if data is not None and words and words[0] not in ("exit", "username", "key-hash", "key-string"):
                data.append("".join(words))
                continue
            if data is not None and user is not None:
                keys.setdefault(user, set()).add(_key_string_hash("".join(data)))
            data = None
            if words[:1] == ["username"] and len(words) >= 2:
                user = words[1]
            elif words[:1] == ["key-hash"] and len(words) >= 3 and user is not None:
                keys.setdefault(user, set()).add(words[2].upper())
            elif words[:1] == ["key-string"]:
                data = []
        if data is not None and user is not None:
            keys.setdefault(user, set()).add(_key_string_hash("".join(data)))
    return keys


def _key_string_hash(text: str) -> str:
    try:
        blob = base64.b64decode(text, validate=False)
    except ValueError:
        return ""
    return key_hash(blob)


def key_hash(public_key_blob: bytes) -> str:
    """IOS's `key-hash` of a public key: MD5 over its SSH wire form, upper-case hex."""
    return hashlib.md5(public_key_blob, usedforsecurity=False).hexdigest().upper()


def line_password(config: RunningConfig) -> Secret | None:
    """The first `line vty` block's `password [7] VALUE`: what the `line` login method checks."""
    for words in _first_vty_lines(config):
        if words[:1] == ["password"]:
            return _secret(words[1:])
    return None


# ---- `aaa authentication login`: the methods a vty login tries -----------------------------------

@dataclass(frozen=True)
class LoginMethod:
    kind: str        # "group", "local", "local-case", "enable", "line", "none", "if-authenticated"
    group: str = ""  # of "group": the server group ("radius": every RADIUS server)

    def __str__(self) -> str:
        return f"group {self.group}" if self.kind == "group" else self.kind


LOCAL_DATABASE = (LoginMethod("local"),)
_METHOD_WORDS = ("local", "local-case", "enable", "line", "none", "if-authenticated")


def _methods(words: list[str]) -> tuple[LoginMethod, ...]:
    methods, i = [], 0
    while i < len(words):
        if words[i] == "group" and i + 1 < len(words):
            methods.append(LoginMethod("group", words[i + 1]))
            i += 2
            continue
        if words[i] in _METHOD_WORDS:
            methods.append(LoginMethod(words[i]))
        i += 1   # IOS's other methods (krb5, cache, passwd-expiry) are not tried
    return tuple(methods)


def _list_name(config: RunningConfig, line_words: list[str]) -> str:
    """The list the vty lines name with `login authentication NAME` (or `authorization exec
    NAME`), else `default`."""
    for words in _first_vty_lines(config):
        if words[:len(line_words)] == line_words and len(words) > len(line_words):
            return words[len(line_words)]
    return "default"


def _configured_list(config: RunningConfig, command: list[str], name: str) -> tuple[LoginMethod, ...] | None:
    for line in _top_lines(config):
        words = line.split()
        if words[:len(command)] == command and len(words) > len(command) + 1 and words[len(command)] == name:
            return _methods(words[len(command) + 1:])
    return None


def login_methods(config: RunningConfig) -> tuple[str, tuple[LoginMethod, ...] | None]:
    """(the vty lines' list, its methods in order); None for a named list that is not configured,
    which no login passes. No `default` list: the local database."""
    name = _list_name(config, ["login", "authentication"])
    methods = _configured_list(config, ["aaa", "authentication", "login"], name)
    if methods is None and name == "default":
        methods = LOCAL_DATABASE
    return name, methods


def exec_methods(config: RunningConfig) -> tuple[str, tuple[LoginMethod, ...] | None]:
    """(the vty lines' `aaa authorization exec` list, its methods); None when it is not configured,
    which is no authorization at all: every login starts at privilege 1, as on IOS, however
    privileged its user."""
    name = _list_name(config, ["authorization", "exec"])
    return name, _configured_list(config, ["aaa", "authorization", "exec"], name)


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


# ---- who may reach a vty: `access-class` and `transport input` ----------------------------------

SSH_PORT = 22   # the port IOS's vty sees an SSH client on, whatever port `--ssh` listens on


def _first_vty_lines(config: RunningConfig) -> list[list[str]]:
    """The words of the first `line vty` block's lines: IOS offers an SSH client line 0 first, and
    the model keeps one set of vty settings (the others' lines are kept, not consulted)."""
    for block in config.unmodeled_blocks():
        if block.lines[0].split()[:2] == ["line", "vty"]:
            return [line.split() for line in block.lines[1:]]
    return []


def vty_access_class(config: RunningConfig) -> str | None:
    """The ACL of the vty lines' `access-class NAME in [vrf-also]`, or None."""
    for words in _first_vty_lines(config):
        if words[:1] == ["access-class"] and len(words) >= 3 and words[2] == "in":
            return words[1]
    return None


def vty_transports(config: RunningConfig) -> set[str]:
    """The protocols `transport input` admits on the vty lines (`all` is every one, `none` none).
    Without the line the model admits SSH: the default has moved between releases (`all` on
    classic IOS, `ssh` on recent IOS XE), and both let an SSH client in."""
    for words in _first_vty_lines(config):
        if words[:2] == ["transport", "input"]:
            chosen = set(words[2:])
            return {"ssh", "telnet"} if "all" in chosen else chosen - {"none"}
    return {"ssh", "telnet"}


def vty_admits(config: RunningConfig, client: str, local: str | None = None) -> bool:
    """Whether an SSH connection from `client` to `local` may have a vty (vty_decision)."""
    return vty_decision(config, client, local)[0]


def vty_decision(config: RunningConfig, client: str, local: str | None = None) -> tuple[bool, str | None, int | None]:
    """(admitted, the access-class ACL, the sequence number of its entry that decided). Admitted
    when `transport input` names ssh and the `access-class` ACL's first matching entry for a TCP
    SYN from the client to the device's port 22 permits it. As on IOS, an access-class naming an
    ACL that does not exist admits everyone, and an ACL's implicit last entry denies (no entry)."""
    if "ssh" not in vty_transports(config):
        return False, None, None
    name = vty_access_class(config)
    acl = config.access_lists.get(name) if name is not None else None
    if acl is None:
        return True, None, None
    try:
        src = int(ipaddress.IPv4Address(client))
        dst = int(ipaddress.IPv4Address(local)) if local else 0
    except ipaddress.AddressValueError:
        return False, name, None   # an IPv6 client: an IPv4 access-class has no entry for it (IOS: ipv6 access-class)
    packet = Packet(ts_ns=0, uidb=0, src=src, dst=dst, sport=0, dport=SSH_PORT, length=60, dir=0,
                    proto=PROTO_TCP, dscp=0, tcp_flags=TCP_SYN, frag=FRAG_NONE, family=FAMILY_IPV4)
    entries = acl.aces()
    index = first_match([entry.ace for entry in entries], packet)
    if index is None:
        return False, name, None
    return entries[index].ace.permit, name, entries[index].seq
