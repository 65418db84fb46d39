"""`show ip access-lists [NAME]`, in IOS's layout, with each ACE's match counter from the fast path.

Layout: tests/golden/ios-xe/show-ip-access-lists*.txt. `Extended IP access list NAME` or `Standard
IP access list NAME`, then each ACE as `    SEQ TEXT` with ` (N matches)` when N is not 0
(`(1 match)` for one); remarks are not printed (IOS prints them only in the running-config). ACLs
print in configuration order, one after another with no blank line.

Counters are the fast path's per-ACE hits for the ACL's slot (Compiler.acl_slots(): name -> slot),
in ACE order, so they count packets the ACL filtered on an interface; an ACL nothing has used yet has
no slot and shows no matches. Each ACE's text is the running-config's (control.config.render), which
is IOS's canonical form in both commands.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from qfp_model.qfp.api import FastPathAPI

from ..config.render import ace_text
from ..config.syntax import dotted
from .ipv6_access_lists import IPV6, format_ipv6_access_list

# ---- gathering --------------------------------------------------------------------------------

def access_lists_data(fp: FastPathAPI, config, slots: Mapping[str, int],
                      name: str | None = None, local_hits: Mapping[tuple[str, int], int] | None = None) -> list[dict]:
    """Every ACL of `config` in configuration order, or `name` alone; [] for a name that is not
    configured, which IOS answers with no output. `slots` maps ACL names to their fast-path slots
    (Compiler.acl_slots()); `local_hits` are the matches of the control plane's own uses of an
    ACL (a vty access-class), by (name, sequence number), added to the fast path's."""
    local_hits = local_hits or {}
    entries = []
    for acl in config.access_lists.values():
        if name is not None and acl.name != name:
            continue
        aces = acl.aces()
        hits = fp.acl_counters(slots[acl.name]).hits if acl.name in slots else (0,) * len(aces)
        entries.append({
            "name": acl.name,
            "type": "Extended" if acl.extended else "Standard",
            "entries": [{"seq": e.seq, "text": entry_text(e, acl.extended),
                         "matches": hit + local_hits.get((acl.name, e.seq), 0)}
                        for e, hit in zip(aces, hits)],
        })
    return entries


def entry_text(entry, extended: bool) -> str:
    """The running-config's text, but for a standard ACE with a wildcard: `show ip access-lists`
    prints it as `10.70.10.0, wildcard bits 0.0.10.255` (the customer reference), the
    running-config as `10.70.10.0 0.0.10.255`."""
    ace = entry.ace
    if extended or ace.src_wildcard in (0, 0xFFFFFFFF):
        return ace_text(ace, extended, entry.log)
    words = ["permit" if ace.permit else "deny",
             f"{dotted(ace.src)}, wildcard bits {dotted(ace.src_wildcard)}"]
    return " ".join(words + ([entry.log] if entry.log else []))


# ---- formatting -------------------------------------------------------------------------------

def render_access_lists(data: Sequence[dict]) -> str:
    """IPv4 lists, then (`show access-lists`) the IPv6 ones in their own layout, as IOS XE prints
    them (tests/golden/ios-xe/show-access-lists.ipv6.txt)."""
    return "".join(line + "\n" for acl in data for line in format_access_list(acl))


def format_access_list(acl: dict) -> list[str]:
    if acl["type"] == IPV6:
        return format_ipv6_access_list(acl)
    return [f"{acl['type']} IP access list {acl['name']}", *map(format_entry, acl["entries"])]


def format_entry(entry: dict) -> str:
    line = f"    {entry['seq']} {entry['text']}"
    if not entry["matches"]:
        return line
    # IOS says `(1 match)`, `(2 matches)` (real outputs; Genie reads both)
    return f"{line} ({entry['matches']} match{'' if entry['matches'] == 1 else 'es'})"
