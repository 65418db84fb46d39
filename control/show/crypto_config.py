"""What the crypto show commands read from the configuration's kept blocks: the IKEv2 proposal,
the local IKE identity, and VRF names.

The configuration keeps `crypto ikev2 proposal`, `crypto ikev2 policy` and `vrf definition` blocks
verbatim (control/config: unmodeled); these functions read the few lines the show commands print.

- Proposal: the first proposal a `crypto ikev2 policy` names that is configured, else the first
  proposal configured, else IOS's default proposal (DEFAULT_PROPOSAL). Its first `encryption`,
  `integrity` and `group` words are the SA's: IOS negotiates the first of each the peer accepts,
  and the model's peers accept anything. The PRF is the integrity algorithm, as IOS uses it when
  the proposal names no `prf`.
- Local identity: the session's IKEv2 profile's `identity local fqdn|email|address X`, else the
  local address (IOS's default identity).
- VRF ids: IOS numbers VRFs from 1 in the order they are created; the configuration's `vrf
  definition` (and `ip vrf`) blocks in configuration order are ids 1, 2, ...; id 0 is the global
  table. An id past the configured VRFs prints as its number.
"""
from __future__ import annotations

ENCRYPTIONS = {"aes-cbc-128": ("AES-CBC", 128), "aes-cbc-192": ("AES-CBC", 192),
               "aes-cbc-256": ("AES-CBC", 256), "aes-gcm-128": ("AES-GCM", 128),
               "aes-gcm-256": ("AES-GCM", 256), "3des": ("3DES", 192)}
INTEGRITIES = {"sha1": ("SHA1", "SHA96"), "sha256": ("SHA256", "SHA256"), "sha384": ("SHA384", "SHA384"),
               "sha512": ("SHA512", "SHA512"), "md5": ("MD5", "MD596")}
# IOS XE 16+'s default IKEv2 proposal's first choices (`show crypto ikev2 proposal default`).
DEFAULT_PROPOSAL = {"encryption": "AES-CBC", "keysize": 256, "prf": "SHA512", "hash": "SHA512",
                    "dh_group": 19}


def _blocks(config, *prefix: str) -> list[tuple[str, list[str]]]:
    found = []
    for block in config.unmodeled_blocks():
        words = block.lines[0].split()
        if words[:len(prefix)] == list(prefix) and len(words) > len(prefix):
            found.append((words[len(prefix)], [line.split() for line in block.lines[1:]]))
    return found


def ikev2_proposal(config) -> dict:
    """What an IKEv2 SA negotiated with the configured proposal prints (module docstring)."""
    proposals = dict(_blocks(config, "crypto", "ikev2", "proposal"))
    named = [w[1] for _, lines in _blocks(config, "crypto", "ikev2", "policy")
             for w in lines if len(w) >= 2 and w[0] == "proposal"]
    name = next((n for n in named if n in proposals), next(iter(proposals), None))
    result = dict(DEFAULT_PROPOSAL, name=name or "default")
    if name is None:
        return result
    for words in proposals[name]:
        if len(words) < 2:
            continue
        if words[0] == "encryption" and words[1] in ENCRYPTIONS:
            result["encryption"], result["keysize"] = ENCRYPTIONS[words[1]]
        elif words[0] == "integrity" and words[1] in INTEGRITIES:
            result["prf"], result["hash"] = INTEGRITIES[words[1]]
        elif words[0] == "prf" and words[1] in INTEGRITIES:
            result["prf"] = INTEGRITIES[words[1]][0]
        elif words[0] == "group" and words[1].isdigit():
            result["dh_group"] = int(words[1])
    return result


def local_identity(profile, local_address: str) -> str:
    """The profile's `identity local ...` value, else the local address."""
    for line in profile.other_lines if profile is not None else ():
        words = line.split()
        if words[:2] == ["identity", "local"] and len(words) >= 4 and words[2] in ("fqdn", "email", "address"):
            return words[3]
    return local_address


def vrf_names(config) -> dict[int, str]:
    """VRF id -> name, as far as the configuration says (module docstring)."""
    names = [name for name, _ in _blocks(config, "vrf", "definition")]
    names += [name for name, _ in _blocks(config, "ip", "vrf") if name not in names]
    return {i: name for i, name in enumerate(names, start=1)}


def vrf_name(config, vrf_id: int, none: str) -> str:
    if vrf_id == 0:
        return none
    return vrf_names(config).get(vrf_id, str(vrf_id))
