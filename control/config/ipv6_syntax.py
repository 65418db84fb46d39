"""Token-level IOS syntax of IPv6: addresses and prefixes, and the entries of `ipv6 access-list`,
read into qfp.tables.Ace6 and printed back in IOS's canonical form.

The entry grammar is IOS XE's (Cisco IOS IPv6 Command Reference, `permit (IPv6)`):

    permit|deny PROTO SRC [OP PORT] DST [OP PORT] [ICMPV6-MESSAGE] [dest-option] [dscp V]
        [established] [flow-label N] [fragments] [hbh] [log|log-input] [routing] [sequence N]

with SRC/DST `X:X::X/LEN`, `host X:X::X` or `any` (IPv6 lists have no wildcards: IOS refuses
`2001:DB8::/64 0.0.0.255`). The options print back in the command reference's order, the one above.
Options IOS has that change what an entry matches and the fast path cannot (time-range, mobility,
routing-type, dest-option-type, undetermined-transport, TCP flags) are refused loudly, as the IPv4
ones are: keeping such an entry while ignoring the option would filter other packets than IOS does.
"""
from __future__ import annotations

import ipaddress

from qfp_model.qfp import tables as T
from qfp_model.qfp.errors import TableError

from . import lexicon as L
from .syntax import Bad, Cursor, Tok, dscp, integer, port_match, port_words, protocol

UNSUPPORTED_ACE6_OPTIONS = frozenset({
    "time-range", "mobility", "mobility-type", "routing-type", "dest-option-type",
    "undetermined-transport", "ack", "fin", "psh", "rst", "syn", "urg", "reflect", "evaluate",
    "timeout", "hop-limit", "object-group"})
EXT_OPTIONS = {"routing": T.EXT_ROUTING, "hbh": T.EXT_HOP_BY_HOP, "dest-option": T.EXT_DEST_OPTS}
FLOW_LABEL_MAX = (1 << 20) - 1
ALL_ONES = (1 << 128) - 1


def address6(tok: Tok, what: str = "IPv6 address") -> int:
    try:
        if "%" in tok or "/" in tok:
            raise ValueError
        return int(ipaddress.IPv6Address(str(tok)))
    except ValueError:
        raise Bad(tok, f"bad {what} '{tok}'") from None


def looks_like_address6(tok: str) -> bool:
    return ":" in tok


def text6(value: int) -> str:
    """IOS prints IPv6 addresses compressed, in upper case (`2001:DB8::1`)."""
    return ipaddress.IPv6Address(value).compressed.upper()


def prefix6(tok: Tok) -> tuple[int, int]:
    """`X:X::X/LEN`; the address's bits past LEN are dropped, as the fast path ignores them."""
    addr_text, slash, len_text = str(tok).partition("/")
    if not slash:
        raise Bad(tok, f"'{tok}' is not an IPv6 prefix X:X::X/<0-128>")
    addr = address6(Tok(addr_text, tok.col))
    if not len_text.isdigit() or int(len_text) > 128:
        raise Bad(tok, f"bad prefix length in '{tok}'")
    length = int(len_text)
    return addr & (ALL_ONES ^ ((1 << (128 - length)) - 1)), length


def endpoint6(cur: Cursor, what: str) -> tuple[int, int]:
    tok = cur.take(f"{what} (X:X::X/<0-128>, host or any)")
    word = tok.lower()
    if word == "any":
        return 0, 0
    if word == "host":
        return address6(cur.take(f"{what} host address")), 128
    value = prefix6(tok)
    nxt = cur.peek()
    if nxt is not None and nxt.count(".") == 3:
        raise Bad(nxt, "IPv6 access lists take prefixes, not wildcard masks")
    return value


def endpoint6_text(addr: int, length: int) -> str:
    if length == 0:
        return "any"
    if length == 128:
        return f"host {text6(addr)}"
    return f"{text6(addr)}/{length}"


def protocol6(tok: Tok) -> int | None:
    return protocol(tok, "ipv6", L.IPV6_PROTOCOLS, "an IPv6 protocol name")


def _icmpv6_message(cur: Cursor) -> dict:
    tok = cur.peek()
    if tok is None:
        return {}
    word = tok.lower()
    names = {**L.ICMPV6_MESSAGES, **L.ICMPV6_ALIASES}
    if word in names:
        cur.take("icmp message")
        icmp_type, icmp_code = names[word]
        return {"icmp_type": icmp_type, "icmp_code": icmp_code}
    if not tok.isdigit():
        return {}
    icmp_type = integer(cur.take("icmp type"), "icmp type", 0, 255)
    code_tok = cur.peek()
    icmp_code = integer(cur.take("icmp code"), "icmp code", 0, 255) \
        if code_tok is not None and code_tok.isdigit() else None
    return {"icmp_type": icmp_type, "icmp_code": icmp_code}


def ipv6_ace(cur: Cursor, permit: bool) -> tuple[T.Ace6, str | None, int | None]:
    """`PROTO SRC [PORTS] DST [PORTS] [options]` after permit|deny: the ACE, its log option and
    the sequence number a trailing `sequence N` gave (None without one)."""
    proto_tok = cur.take("protocol")
    proto = protocol6(proto_tok)
    src, src_len = endpoint6(cur, "source")
    sport = port_match(cur, proto)
    dst, dst_len = endpoint6(cur, "destination")
    dport = port_match(cur, proto)
    fields: dict = {}
    if proto == T.PROTO_ICMPV6:
        fields.update(_icmpv6_message(cur))
    log = seq = None
    ext = 0
    while not cur.done():
        tok = cur.take("option")
        word = tok.lower()
        if word == "established":
            if proto != T.PROTO_TCP:
                raise Bad(tok, "established needs protocol tcp")
            fields["established"] = True
        elif word == "fragments":
            fields["fragments"] = True
        elif word == "dscp":
            fields["dscp"] = dscp(cur.take("dscp"))
        elif word == "flow-label":
            fields["flow_label"] = integer(cur.take("flow label"), "flow-label", 0, FLOW_LABEL_MAX)
        elif word in EXT_OPTIONS:
            ext |= EXT_OPTIONS[word]
        elif word in ("log", "log-input"):
            log = word
        elif word == "sequence":
            seq = integer(cur.take("sequence number"), "sequence number", 1, 4294967295)
            cur.finish()
        elif word in UNSUPPORTED_ACE6_OPTIONS:
            raise Bad(tok, f"ACE option '{tok}' is not supported by this model")
        else:
            raise Bad(tok, f"unexpected '{tok}'")
    try:
        ace = T.Ace6(permit, proto, src, src_len, dst, dst_len, sport, dport, ext=ext, **fields)
    except TableError as e:
        raise Bad(proto_tok, str(e)) from None
    return ace, log, seq


def ace6_text(ace: T.Ace6, log: str | None = None) -> str:
    """An IPv6 entry as IOS prints it, without its sequence number."""
    words = ["permit" if ace.permit else "deny", L.ipv6_protocol_name(ace.proto),
             endpoint6_text(ace.src, ace.src_len), *port_words(ace.sport, ace.proto),
             endpoint6_text(ace.dst, ace.dst_len), *port_words(ace.dport, ace.proto)]
    if ace.icmp_type is not None:
        words += L.icmpv6_words(ace.icmp_type, ace.icmp_code)
    if ace.ext & T.EXT_DEST_OPTS:
        words.append("dest-option")
    if ace.dscp is not None:
        words += ["dscp", L.dscp_name(ace.dscp)]
    if ace.established:
        words.append("established")
    if ace.flow_label is not None:
        words += ["flow-label", str(ace.flow_label)]
    if ace.fragments:
        words.append("fragments")
    if ace.ext & T.EXT_HOP_BY_HOP:
        words.append("hbh")
    if log:
        words.append(log)
    if ace.ext & T.EXT_ROUTING:
        words.append("routing")
    return " ".join(words)
