"""`show ipv6 access-list [NAME]`, in IOS XE's layout, with each entry's match counter from the
fast path; `show access-lists` prints these lists after the IPv4 ones.

Layout: tests/golden/ios-xe/show-ipv6-access-list*.txt (Genie's ShowIpv6AccessLists test data).
`IPv6 access list NAME`, then each entry as `    TEXT (N matches) sequence SEQ`: the sequence
number last, where the running-config puts it first, and ` (N matches)` only when N is not 0
(`(1 match)` for one, as the IPv4 show). IOS's implicit entries (the neighbour discovery permits and
the final deny) are not printed, as IOS does not print them; the fast path counts them apart.

Counters are the fast path's per-ACE hits for the list's IPv6 slot (Compiler.acl6_slots()); a list
nothing has used yet has no slot and shows no matches.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from qfp_model.qfp.api import FastPathAPI

from ..config.ipv6_syntax import ace6_text

IPV6 = "IPv6"


def ipv6_access_lists_data(fp: FastPathAPI, config, slots: Mapping[str, int],
                           name: str | None = None) -> list[dict]:
    """Every IPv6 list of `config` in configuration order, or `name` alone ([] when it is not
    configured: IOS prints nothing)."""
    data = []
    for acl in config.ipv6_access_lists.values():
        if name is not None and acl.name != name:
            continue
        aces = acl.aces()
        hits = fp.acl_counters(slots[acl.name]).hits if acl.name in slots else (0,) * len(aces)
        data.append({"name": acl.name, "type": IPV6,
                     "entries": [{"seq": e.seq, "text": ace6_text(e.ace, e.log), "matches": hit}
                                 for e, hit in zip(aces, hits)]})
    return data


def render_ipv6_access_lists(data: Sequence[dict]) -> str:
    return "".join(line + "\n" for acl in data for line in format_ipv6_access_list(acl))


def format_ipv6_access_list(acl: dict) -> list[str]:
    return [f"IPv6 access list {acl['name']}", *map(format_entry, acl["entries"])]


def format_entry(entry: dict) -> str:
    matches = entry["matches"]
    counted = f" ({matches} match{'' if matches == 1 else 'es'})" if matches else ""
    return f"    {entry['text']}{counted} sequence {entry['seq']}"
