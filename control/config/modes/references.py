"""References between objects: how deep class-maps and policy-maps nest, and, after a whole file,
the references a file may make before their target (a class-map used by a policy-map, a child
policy, a template's policy), each bad one reported at the line that made it.

References IOS accepts dangling are warnings rather than errors: an ACL a class-map or template
names, a template a profile names, and the AAA ones (a group's `server name`, a method list's
`group`, a profile's method list: IOS takes them silently, and the request fails, or goes to the
next method, when it is made)."""
from __future__ import annotations

from ...errors import ConfigError
from .. import model as M
from .context import Context


def cmap_depth(cfg: M.RunningConfig, name: str, path: tuple[str, ...]) -> int | None:
    """How deep class-map `name` nests (1: no `match class-map`); None if it reaches `path`."""
    if name in path:
        return None
    cmap = cfg.class_maps.get(name)
    if cmap is None:
        return 1
    depths = [cmap_depth(cfg, m.name, path + (name,)) for m in cmap.matches if m.kind == "class-map"]
    if None in depths:
        return None
    return 1 + max(depths, default=0)


def pmap_depth(cfg: M.RunningConfig, name: str, path: tuple[str, ...]) -> int | None:
    if name in path:
        return None
    pmap = cfg.policy_maps.get(name)
    if pmap is None:
        return 1
    depths = [pmap_depth(cfg, c.service_policy, path + (name,)) for c in pmap.classes if c.service_policy]
    if None in depths:
        return None
    return 1 + max(depths, default=0)


def resolve(ctx: Context) -> tuple[list[ConfigError], list[ConfigError]]:
    """Check the references a file may make forward; each bad one is an error at its line and
    is dropped from the model (as a skipped line would be). Returns (errors, warnings)."""
    cfg = ctx.config
    errors, warnings = [], []

    def at(key, reason):
        line, tok = ctx.refs[key]
        return ctx.error(tok, reason, line)

    for cmap in cfg.class_maps.values():
        for m in list(cmap.matches):
            if m.kind == "class-map" and m.name not in cfg.class_maps:
                errors.append(at(("cmap-cmap", cmap.name, m.name),
                                 f"undefined class-map '{m.name}' in class-map '{cmap.name}'"))
                cmap.matches.remove(m)
    for cmap in cfg.class_maps.values():
        for m in list(cmap.matches):
            if m.kind == "class-map" and cmap_depth(cfg, m.name, (cmap.name,)) is None:
                errors.append(at(("cmap-cmap", cmap.name, m.name),
                                 f"class-map '{cmap.name}' matches itself through '{m.name}'"))
                cmap.matches.remove(m)
    for cmap in cfg.class_maps.values():
        if cmap_depth(cfg, cmap.name, ()) > M.T.CMAP_DEPTH_MAX:
            m = next(m for m in cmap.matches if m.kind == "class-map")
            errors.append(at(("cmap-cmap", cmap.name, m.name),
                             f"class-map '{cmap.name}' nests deeper than {M.T.CMAP_DEPTH_MAX}"))
            cmap.matches = [x for x in cmap.matches if x.kind != "class-map"]
    for pmap in cfg.policy_maps.values():
        for cls in list(pmap.classes):
            if cls.name != M.CLASS_DEFAULT and cls.name not in cfg.class_maps:
                errors.append(at(("pmap-class", pmap.name, cls.name),
                                 f"undefined class-map '{cls.name}' in policy-map '{pmap.name}'"))
                pmap.classes.remove(cls)
    for pmap in cfg.policy_maps.values():
        for cls in pmap.classes:
            child = cls.service_policy
            if child is not None and child not in cfg.policy_maps:
                errors.append(at(("pmap-child", pmap.name, cls.name), f"undefined policy-map '{child}'"))
                cls.service_policy = None
    for pmap in cfg.policy_maps.values():
        for cls in pmap.classes:
            if cls.service_policy is None:
                continue
            depth = pmap_depth(cfg, cls.service_policy, (pmap.name,))
            if depth is None or depth + 1 > M.T.POLICY_DEPTH_MAX:
                reason = (f"policy-map '{pmap.name}' contains itself through '{cls.service_policy}'"
                          if depth is None else
                          f"policy-map '{pmap.name}' nests deeper than {M.T.POLICY_DEPTH_MAX} levels")
                errors.append(at(("pmap-child", pmap.name, cls.name), reason))
                cls.service_policy = None
    for vt in cfg.virtual_templates.values():
        for direction, attr in (("input", "service_policy_in"), ("output", "service_policy_out")):
            name = getattr(vt, attr)
            if name is not None and name not in cfg.policy_maps:
                errors.append(at(("vt-policy", vt.number, direction), f"undefined policy-map '{name}'"))
                setattr(vt, attr, None)
    for name, who in cfg.undefined_acls():
        kind, owner = who.split(" ", 1)
        key = ("acl", kind, owner, name)
        if key in ctx.refs:
            warnings.append(at(key, f"access-list '{name}' is not defined ({who} names it)"))
    for profile in cfg.ikev2_profiles.values():
        n = profile.virtual_template
        if n is not None and n not in cfg.virtual_templates and ("profile-vt", profile.name) in ctx.refs:
            warnings.append(at(("profile-vt", profile.name),
                               f"interface Virtual-Template{n} is not defined"))
    what = {M.RADIUS_SERVER: "radius server", M.RADIUS_GROUP: "aaa group server radius",
            M.AUTHORIZATION_NETWORK: "method list aaa authorization network",
            M.ACCOUNTING_NETWORK: "method list aaa accounting network"}
    for kind, name, who in cfg.undefined_aaa_references():
        key = ("aaa", kind, name, who)
        if key in ctx.refs:
            warnings.append(at(key, f"{what[kind]} '{name}' is not defined ({who} names it)"))
    errors.sort(key=lambda e: e.line)
    warnings.sort(key=lambda e: e.line)
    return errors, warnings
