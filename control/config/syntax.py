"""Token-level IOS syntax: addresses, ports, DSCP and precedence, ACEs, police lines, keys.

Each function reads tokens (Tok: a str that knows its column) and returns model values or raises
Bad, which names the offending token; the parser turns that into a ConfigError with the file, line
and caret. Nothing here knows about lines, modes or files.
"""
from __future__ import annotations

import re

from qfp_model.qfp import tables as T
from qfp_model.qfp.errors import TableError

# Tok and tokenize are the grammar engine's, so that a command's words reach these readers as they are.
from ..grammar.tokens import Tok, tokenize  # noqa: F401
from . import lexicon as L
from . import type7
from .model import AclEntry, PoliceConfig, Secret

_DOTTED = re.compile(r"\d{1,3}(\.\d{1,3}){3}")

# Police actions IOS has and the fast path does not (marking of other fields).
UNSUPPORTED_POLICE_ACTIONS = frozenset({
    "set-frde-transmit", "set-clp-transmit", "set-cos-transmit", "set-cos-inner-transmit",
    "set-qos-transmit", "set-discard-class-transmit", "set-mpls-exp-imposition-transmit",
    "set-mpls-exp-topmost-transmit", "set-dscp-tunnel-transmit", "set-prec-tunnel-transmit"})
COLOURS = ("conform-action", "exceed-action", "violate-action")
# Extended ACE options IOS has and the fast path does not match on. (`packet-length` is IOS XR's
# and NX-OS's; no IOS XE document found gives it to `ip access-list extended`.)
UNSUPPORTED_ACE_OPTIONS = frozenset({
    "time-range", "option", "reflect", "evaluate", "dynamic", "timeout", "object-group", "packet-length"})


# Extended ACE options the model matches on (or keeps, for log).
ACE_OPTIONS = frozenset({"established", "fragments", "dscp", "precedence", "tos", "ttl", "match-all",
                         "match-any", "log", "log-input", *T.TCP_FLAG_NAMES})


class Bad(Exception):
    """A token the syntax refuses: `tok` (None: the end of the line) and why."""

    def __init__(self, tok: Tok | None, reason: str):
        super().__init__(reason)
        self.tok = tok
        self.reason = reason


class Cursor:
    """Tokens read left to right; `end` is where a missing token would be (for the caret)."""

    def __init__(self, tokens: list[Tok], start: int = 0, end_col: int = 0):
        self.tokens = tokens
        self.i = start
        self.end_col = end_col

    def peek(self, ahead: int = 0) -> Tok | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self, what: str) -> Tok:
        tok = self.peek()
        if tok is None:
            raise Bad(Tok("", self.end_col), f"{what} expected")
        self.i += 1
        return tok

    def take_if(self, *words: str) -> Tok | None:
        tok = self.peek()
        if tok is not None and tok.lower() in words:
            self.i += 1
            return tok
        return None

    def done(self) -> bool:
        return self.i >= len(self.tokens)

    def finish(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise Bad(tok, f"unexpected '{tok}'")

    def rest(self, line: str) -> str:
        """The rest of the line as typed (for descriptions and remarks)."""
        tok = self.peek()
        return "" if tok is None else line[tok.col:].rstrip()


# ---- numbers and names ---------------------------------------------------------------------------

def integer(tok: Tok, what: str, lo: int, hi: int) -> int:
    if not tok.isdigit():
        raise Bad(tok, f"bad {what} '{tok}'")
    value = int(tok)
    if not lo <= value <= hi:
        raise Bad(tok, f"{what} {value} is outside {lo}..{hi}")
    return value


def address(tok: Tok, what: str = "address") -> int:
    if not _DOTTED.fullmatch(tok) or any(int(part) > 255 for part in tok.split(".")):
        raise Bad(tok, f"bad {what} '{tok}'")
    a, b, c, d = (int(part) for part in tok.split("."))
    return a << 24 | b << 16 | c << 8 | d


def looks_like_address(tok: str) -> bool:
    return bool(_DOTTED.fullmatch(tok))


def dotted(value: int) -> str:
    return ".".join(str(value >> shift & 0xFF) for shift in (24, 16, 8, 0))


def dscp(tok: Tok) -> int:
    word = tok.lower()
    if word in L.DSCP:
        return L.DSCP[word]
    if word in L.DSCP_ALIASES:
        return L.DSCP_ALIASES[word]
    if tok.isdigit() and int(tok) <= 63:
        return int(tok)
    raise Bad(tok, f"dscp '{tok}' is not 0..63 or a dscp name")


def precedence(tok: Tok) -> int:
    word = tok.lower()
    if word in L.PRECEDENCE:
        return L.PRECEDENCE[word]
    if tok.isdigit() and int(tok) <= 7:
        return int(tok)
    raise Bad(tok, f"precedence '{tok}' is not 0..7 or a precedence name")


def protocol(tok: Tok, any_word: str = "ip", names: dict[str, int] = L.PROTOCOLS,
             kind: str = "a protocol name") -> int | None:
    """An ACE's protocol word: `any_word` (None: every protocol), a name, or a number."""
    word = tok.lower()
    if word == any_word:
        return None
    if word in names:
        return names[word]
    if tok.isdigit() and int(tok) <= 255:
        return int(tok)
    raise Bad(tok, f"protocol '{tok}' is not 0..255 or {kind}")


def port(tok: Tok, proto: int) -> int:
    names = L.PORT_NAMES.get(proto, {})
    if tok.lower() in names:
        return names[tok.lower()]
    if tok.isdigit() and int(tok) <= 65535:
        return int(tok)
    if names:
        raise Bad(tok, f"port '{tok}' is not a number or a {L.protocol_name(proto)} port name")
    raise Bad(tok, f"port '{tok}' is not a number 0..65535")


def _is_port(tok: Tok | None, proto: int) -> bool:
    return tok is not None and (tok.isdigit() or tok.lower() in L.PORT_NAMES.get(proto, {}))


# ---- ACEs ----------------------------------------------------------------------------------------

ANY = (0, 0xFFFFFFFF)


def endpoint(cur: Cursor, standard: bool = False) -> tuple[int, int]:
    """`any`, `host A` or `A W` (standard ACLs: also `A` alone, a host). The address is kept as
    typed, bits under the wildcard included, as IOS shows it (`10.70.10.0, wildcard bits
    0.0.10.255`); the fast path ignores those bits."""
    tok = cur.take("address")
    word = tok.lower()
    if word == "any":
        return ANY
    if word == "host":
        return address(cur.take("host address")), 0
    addr = address(tok)
    nxt = cur.peek()
    if standard and (nxt is None or not _DOTTED.fullmatch(nxt)):
        return addr, 0
    wildcard = address(cur.take("wildcard"), "wildcard")
    return ANY if wildcard == ANY[1] else (addr, wildcard)    # IOS reads `A 255.255.255.255` as any


def port_match(cur: Cursor, proto: int | None) -> T.PortMatch | None:
    op_tok = cur.take_if("eq", "neq", "lt", "gt", "range")
    if op_tok is None:
        return None
    if proto not in T.PORT_PROTOCOLS:
        raise Bad(op_tok, f"port operator '{op_tok}' needs protocol tcp, udp or sctp")
    op = T.PortOp(op_tok.lower())
    lo_tok = cur.take("port")
    lo = port(lo_tok, proto)
    hi = port(cur.take("upper port"), proto) if op is T.PortOp.RANGE else None
    try:
        match = T.PortMatch(op, lo, hi)
    except TableError as e:
        raise Bad(op_tok, str(e)) from None
    if op is not T.PortOp.RANGE and _is_port(cur.peek(), proto) and not _DOTTED.fullmatch(cur.peek()):
        raise Bad(cur.peek(), f"more than one port after '{op_tok}' is not supported by this model")
    return match


def ttl_match(cur: Cursor) -> T.TtlMatch:
    """After `ttl`: `eq|neq|lt|gt N` or `range A B`, values 0..255."""
    op_tok = cur.take("ttl operator")
    if op_tok.lower() not in ("eq", "neq", "lt", "gt", "range"):
        raise Bad(op_tok, f"ttl operator '{op_tok}' is not eq, neq, lt, gt or range")
    op = T.PortOp(op_tok.lower())
    lo = integer(cur.take("ttl value"), "ttl", 0, 255)
    hi = integer(cur.take("upper ttl value"), "ttl", 0, 255) if op is T.PortOp.RANGE else None
    try:
        return T.TtlMatch(op, lo, hi)
    except TableError as e:
        raise Bad(op_tok, str(e)) from None


def ttl_words(match: T.TtlMatch) -> list[str]:
    return ["ttl", match.op.value, str(match.ttl), *([] if match.ttl_hi is None else [str(match.ttl_hi)])]


def tos(tok: Tok) -> int:
    word = tok.lower()
    if word in L.TOS:
        return L.TOS[word]
    if tok.isdigit() and int(tok) <= 15:
        return int(tok)
    raise Bad(tok, f"tos '{tok}' is not 0..15 or a tos name")


_SIGNED_FLAG = re.compile(r"([+-])([a-z]+)")


def tcp_flags_match(cur: Cursor, how: Tok) -> T.TcpFlags:
    """After `match-all` or `match-any`: one or more `+flag` (set) or `-flag` (clear)."""
    bits = {"+": 0, "-": 0}
    while (tok := cur.peek()) is not None and (m := _SIGNED_FLAG.fullmatch(tok.lower())):
        sign, name = m.groups()
        if name not in T.TCP_FLAG_NAMES:
            raise Bad(tok, f"'{tok}' is not a TCP flag: +|- ack, fin, psh, rst, syn or urg")
        bit = T.TCP_FLAG_NAMES[name]
        if (bits["+"] | bits["-"]) & bit:
            raise Bad(tok, f"TCP flag {name} given twice")
        bits[sign] |= bit
        cur.take("TCP flag")
    if not bits["+"] | bits["-"]:
        raise Bad(cur.take(f"+ or - TCP flag after {how.lower()}"), f"+ or - TCP flag expected after {how.lower()}")
    return T.TcpFlags(set=bits["+"], clear=bits["-"], any=how.lower() == "match-any")


def port_words(match: T.PortMatch | None, proto: int | None) -> list[str]:
    """A port match as IOS prints it, with its port names: `eq www`, `range 1000 2000`."""
    if match is None:
        return []
    words = [match.op.value, L.port_name(proto, match.port)]
    if match.port_hi is not None:
        words.append(L.port_name(proto, match.port_hi))
    return words


def _icmp_message(cur: Cursor) -> dict:
    """`TYPE [CODE]` (numbers 0..255) or a message name, right after an ICMP ACE's destination."""
    tok = cur.peek()
    if tok is None:
        return {}
    if tok.lower() in L.ICMP_MESSAGES:
        cur.take("icmp message")
        icmp_type, icmp_code = L.ICMP_MESSAGES[tok.lower()]
        return {"icmp_type": icmp_type, "icmp_code": icmp_code}
    if not tok.isdigit():
        if tok.lower() in ACE_OPTIONS or tok.lower() in UNSUPPORTED_ACE_OPTIONS:
            return {}
        raise Bad(tok, f"icmp message '{tok}' is not 0..255 or an icmp message name")
    icmp_type = integer(cur.take("icmp type"), "icmp type", 0, 255)
    code_tok = cur.peek()
    icmp_code = integer(cur.take("icmp code"), "icmp code", 0, 255) \
        if code_tok is not None and code_tok.isdigit() else None
    return {"icmp_type": icmp_type, "icmp_code": icmp_code}


def extended_ace(cur: Cursor, permit: bool) -> tuple[T.Ace, str | None]:
    """`PROTO SRC [PORTS] DST [PORTS] [options]` after permit|deny: the ACE and its log option."""
    proto_tok = cur.take("protocol")
    proto = protocol(proto_tok)
    src, src_wc = endpoint(cur)
    sport = port_match(cur, proto)
    dst, dst_wc = endpoint(cur)
    dport = port_match(cur, proto)
    fields: dict = {}
    if proto == T.PROTO_ICMP:
        fields.update(_icmp_message(cur))
    log = None
    while not cur.done():
        tok = cur.take("option")
        word = tok.lower()
        if word in ("established", "match-all", "match-any") or word in T.TCP_FLAG_NAMES:
            _tcp_flag_option(cur, tok, proto, fields)
        elif word == "fragments":
            fields["fragments"] = True
        elif word in ("dscp", "precedence", "tos"):
            # IOS takes precedence with tos, but dscp with neither: it is the same bits.
            if word in fields:
                raise Bad(tok, f"{word} given twice")
            other = next((k for k in ("dscp", "precedence", "tos") if k in fields and "dscp" in (k, word)), None)
            if other is not None:
                raise Bad(tok, f"an ACE matches dscp or {other if word == 'dscp' else word}, not both")
            value_tok = cur.take(word)
            fields[word] = {"dscp": dscp, "precedence": precedence, "tos": tos}[word](value_tok)
        elif word == "ttl":
            if "ttl" in fields:
                raise Bad(tok, "ttl given twice")
            fields["ttl"] = ttl_match(cur)
        elif word in ("log", "log-input"):
            log = word
        elif word in UNSUPPORTED_ACE_OPTIONS:
            raise Bad(tok, f"ACE option '{tok}' is not supported by this model")
        elif proto == 2 and log is None and not fields:
            raise Bad(tok, "igmp message types are not supported by this model")
        else:
            raise Bad(tok, f"unexpected '{tok}'")
    try:
        ace = T.Ace(permit, proto, src, src_wc, dst, dst_wc, sport, dport, **fields)
    except TableError as e:
        raise Bad(proto_tok, str(e)) from None
    return ace, log


def _tcp_flag_option(cur: Cursor, tok: Tok, proto: int | None, fields: dict) -> None:
    """`established`, bare flag keywords (each set; several may follow each other), or
    `match-all|match-any +flag -flag ...`: one of the three forms per ACE, TCP only."""
    word = tok.lower()
    if proto != T.PROTO_TCP:
        raise Bad(tok, f"{word} needs protocol tcp")
    old = fields.get("tcp_flags")
    if fields.get("established") or (old is not None and (not old.keywords or word not in T.TCP_FLAG_NAMES)):
        raise Bad(tok, "an ACE matches established, TCP flag keywords or match-all|match-any, one of them")
    if word == "established":
        fields["established"] = True
    elif word in T.TCP_FLAG_NAMES:
        bit = T.TCP_FLAG_NAMES[word]
        if old is not None and old.set & bit:
            raise Bad(tok, f"TCP flag {word} given twice")
        fields["tcp_flags"] = T.TcpFlags(set=(old.set if old else 0) | bit, keywords=True)
    else:
        fields["tcp_flags"] = tcp_flags_match(cur, tok)


def standard_ace(cur: Cursor, permit: bool) -> tuple[T.Ace, str | None]:
    src, src_wc = endpoint(cur, standard=True)
    log = None
    tok = cur.take_if("log", "log-input")
    if tok is not None:
        log = tok.lower()
    cur.finish()
    return T.Ace(permit, None, src, src_wc), log


def acl_entry(cur: Cursor, extended: bool, seq: int) -> AclEntry:
    action = cur.take("permit or deny")
    if action.lower() not in ("permit", "deny"):
        raise Bad(action, f"unknown command '{action}'")
    permit = action.lower() == "permit"
    ace, log = extended_ace(cur, permit) if extended else standard_ace(cur, permit)
    return AclEntry(seq, ace, log)


# ---- police ---------------------------------------------------------------------------------------

RATE_SUFFIXES = {"k": 10**3, "m": 10**6, "g": 10**9}


def bit_rate(text: str, *, suffixes: bool = True) -> int:
    """A rate in bit/s: digits, as IOS's `police` takes it, or with `suffixes` also a number
    ending in k, m or g (3000k, 2.5m, 1g), as the tools take it. ValueError when it is neither."""
    if not suffixes:
        if not text.isdigit():
            raise ValueError(f"not a rate: {text!r}")
        return int(text)
    scale = RATE_SUFFIXES.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def rate(tok: Tok, what: str) -> int:
    try:
        value = bit_rate(tok, suffixes=False)
    except ValueError:
        raise Bad(tok, f"bad {what} '{tok}'") from None
    if value < T.RATE_MIN:
        raise Bad(tok, f"{what} {value} is below {T.RATE_MIN} bit/s, the smallest IOS polices at")
    if value > T.RATE_MAX:
        raise Bad(tok, f"{what} {value} is above {T.RATE_MAX} bit/s")
    return value


def burst(tok: Tok, what: str) -> int:
    return integer(tok, what, 1, T.BURST_MAX)


def police_action(cur: Cursor, colour: Tok) -> T.PoliceAction:
    tok = cur.take(f"{colour} action")
    word = tok.lower()
    if word in ("transmit", "drop"):
        return T.PoliceAction(word)
    if word == "set-dscp-transmit":
        return T.PoliceAction(word, dscp(cur.take("dscp")))
    if word == "set-prec-transmit":
        return T.PoliceAction(word, precedence(cur.take("precedence")))
    if word in UNSUPPORTED_POLICE_ACTIONS:
        raise Bad(tok, f"police action '{tok}' is not supported by this model")
    raise Bad(tok, f"unknown police action '{tok}'")


def police(cur: Cursor) -> PoliceConfig:
    """The arguments of `police`: `cir BPS [bc B] [be B] [pir BPS [be B]] [actions]`,
    `BPS [BC [BE]] [actions]`, or a rate in percent: `cir percent P [bc MS ms] [be MS ms]
    [pir percent P [be MS ms]]` or `rate percent P [burst MS ms] [peak-rate percent P
    [peak-burst MS ms]]` (control/core/compile.py resolves the percentages)."""
    first = cur.take("rate")
    word = first.lower()
    values: dict = {}
    if word in ("cir", "rate") and (cur.peek() or "").lower() == "percent":
        values = _police_percent(cur, rate_form=word == "rate")
    elif word == "cir":
        rate_tok = cur.take("rate")
        values["cir"] = rate(rate_tok, "rate")
        while (key := cur.take_if("bc", "be", "pir")) is not None:
            name = key.lower()
            if name in values:
                raise Bad(key, f"{name} given twice")
            value_tok = cur.take(name)
            values[name] = rate(value_tok, "pir") if name == "pir" else burst(value_tok, name)
        if "pir" in values and values["pir"] < values["cir"]:
            raise Bad(key_tok(cur, "pir"), f"pir {values['pir']} is below cir {values['cir']}")
    elif word in ("rate", "percent"):
        raise Bad(first, f"police {word} in bit/s is not supported by this model; give `police cir BPS`")
    else:
        values["cir"] = rate(first, "rate")
        values["cir_keyword"] = False
        for name in ("bc", "be"):
            tok = cur.peek()
            if tok is None or not tok.isdigit():
                break
            values[name] = burst(cur.take(name), name)
    actions = {}
    while not cur.done():
        colour = cur.take("action")
        if colour.lower() not in COLOURS:
            raise Bad(colour, f"unexpected '{colour}'")
        if colour.lower() in actions:
            raise Bad(colour, f"{colour.lower()} given twice; this model takes one action per colour")
        actions[colour.lower()] = police_action(cur, colour)
    return PoliceConfig(**values, conform=actions.get("conform-action"),
                        exceed=actions.get("exceed-action"), violate=actions.get("violate-action"),
                        inline_actions=bool(actions))


def _percent(cur: Cursor, what: str) -> int:
    cur.take("percent")
    return integer(cur.take("percentage"), f"{what} percent", 1, 100)


def _ms(cur: Cursor, what: str) -> int:
    """`N ms`: a burst as milliseconds of its rate."""
    value = integer(cur.take(f"{what} in ms"), f"{what} ms", 1, 2000)
    unit = cur.take("ms")
    if unit.lower() != "ms":
        raise Bad(unit, f"a percent policer's {what} is given in ms")
    return value


def _police_percent(cur: Cursor, rate_form: bool) -> dict:
    """After `police cir` or `police rate`: the percentages and the bursts in ms."""
    keys = {"burst": "bc", "peak-rate": "pir", "peak-burst": "be"} if rate_form else \
        {"bc": "bc", "be": "be", "pir": "pir"}
    values: dict = {"cir_percent": _percent(cur, "cir"), "rate_keyword": rate_form, "cir": 0}
    while (key := cur.take_if(*keys)) is not None:
        name = keys[key.lower()]
        field = {"bc": "bc_ms", "be": "be_ms", "pir": "pir_percent"}[name]
        if field in values:
            raise Bad(key, f"{key.lower()} given twice")
        values[field] = _percent(cur, "pir") if name == "pir" else _ms(cur, key.lower())
    if values.get("pir_percent", 100) < values["cir_percent"]:
        raise Bad(key_tok(cur, "percent"), f"pir percent {values['pir_percent']} is below cir percent "
                                          f"{values['cir_percent']}")
    return values


def key_tok(cur: Cursor, word: str) -> Tok:
    """The value token after the last `word` read (for errors found after reading on)."""
    for j in range(cur.i - 2, -1, -1):
        if cur.tokens[j].lower() == word:
            return cur.tokens[j + 1]
    return cur.tokens[0]


# ---- keys ----------------------------------------------------------------------------------------

def secret(cur: Cursor) -> Secret:
    """`[0|7] KEY` (a lone `7` or `0` is itself the key)."""
    first = cur.take("key")
    if first in ("0", "7") and cur.peek() is not None:
        key = cur.take("key")
        if first == "7":
            try:
                type7.decode(key)
            except type7.Type7Error:
                raise Bad(key, f"bad type 7 key '{key}'") from None
        return Secret(str(key), int(first))
    return Secret(str(first))
