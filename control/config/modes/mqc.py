"""MQC: `class-map` and its `match` lines, `policy-map` with its classes, `police` (inline or as the
police sub-mode), `set`, child `service-policy`, and the queueing actions (`shape average`,
`priority`, `bandwidth`, `bandwidth remaining`, `queue-limit`); `fair-queue`, `random-detect` and
`queue-buffers` are kept as typed and listed as not modeled."""
from __future__ import annotations

from ...grammar.engine import CommandSet
from .. import model as M
from .. import syntax as S
from ..syntax import Bad, Cursor, Tok
from .context import COMMON_HELP, Context, Line, Mode, expected, mode_table
from .kinds import ModeKind
from .references import cmap_depth, pmap_depth

# `shape average` takes bc and be in bits; the fast path holds bytes.
T_BURST_BITS_MAX = M.T.BURST_MAX * 8

# Queueing class lines the model parses into PolicyClass (docs/fastpath.md, "Queueing").
QUEUEING_COMMANDS = ("shape", "bandwidth", "priority", "queue-limit")
# Queueing class lines the device keeps verbatim and says it does not model: the fast path has no
# flow queues, no WRED and no buffer carving, so applying them silently would lie.
KEPT_QUEUEING_COMMANDS = ("fair-queue", "random-detect", "queue-buffers")

_HELP = {
    **COMMON_HELP,
    "class-map": "Configure Class Map", "policy-map": "Configure QoS Policy Map",
    "description": "Class-Map description", "match": "classification criteria",
    "class": "policy criteria", "police": "Police", "set": "Set QoS values",
    "service-policy": "Configure Flow Next", "conform-action": "action when rate is less than conform burst",
    "exceed-action": "action when rate is within conform and conform + exceed burst",
    "violate-action": "action when rate is greater than conform + exceed burst",
    "shape": "Traffic Shaping", "bandwidth": "Bandwidth", "priority": "Strict Scheduling Priority for this Class",
    "queue-limit": "Queue Max Threshold for Tail Drop",
    **{word: "Queueing: kept as typed, not modeled" for word in KEPT_QUEUEING_COMMANDS},
}


def _typed_type(args: dict) -> bool:
    """`class-map type inspect ...` and the like: other kinds, kept verbatim."""
    rest = args.get("rest", ())
    return bool(rest) and rest[0].lower() == "type"


# ---- global mode ----

def _enter_class_map(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    if _typed_type(args):
        return False
    cur = ctx.rest(line, args)
    kind = cur.take_if("match-all", "match-any")
    name = cur.take("class-map name")
    cur.finish()
    if name == M.CLASS_DEFAULT:
        raise Bad(name, "class-default is predefined")
    if len(name) > M.T.NAME_MAX:
        raise Bad(name, f"class-map name '{name}' is longer than {M.T.NAME_MAX} characters")
    cmap = ctx.config.class_maps.get(name)
    match_all = kind is None or kind.lower() == "match-all"
    if cmap is not None and kind is not None and cmap.match_all != match_all:
        have = "match-all" if cmap.match_all else "match-any"
        raise Bad(kind, f"class-map '{name}' is {have}")
    if cmap is None:
        cmap = ctx.add(ctx.config.add_class_map, M.ClassMap(str(name), match_all))
    ctx.touch("class_maps", cmap.name)
    ctx.push(ModeKind.CLASS_MAP, cmap)
    return None


def _enter_policy_map(ctx: Context, mode: Mode, line: Line, args: dict) -> bool | None:
    if _typed_type(args):
        return False
    cur = ctx.rest(line, args)
    name = cur.take("policy-map name")
    cur.finish()
    if len(name.encode()) > M.T.NAME_MAX:   # the fast path keeps names of this many bytes
        raise Bad(name, f"policy-map name '{name}' is longer than {M.T.NAME_MAX} characters")
    pmap = ctx.config.policy_maps.get(name) or ctx.add(ctx.config.add_policy_map, M.PolicyMap(str(name)))
    ctx.touch("policy_maps", pmap.name)
    ctx.push(ModeKind.POLICY_MAP, pmap)
    return None


def _delete_class_map(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cur = ctx.rest(line, args)
    cur.take_if("match-all", "match-any")
    name = cur.take("class-map name")
    cur.finish()
    users = ctx.config.class_map_users(name)
    if users:
        raise Bad(name, f"class-map '{name}' is used by {users[0]}")
    ctx.config.remove_class_map(str(name))
    ctx.touch("class_maps", str(name))


def _delete_policy_map(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cur = ctx.rest(line, args)
    name = cur.take("policy-map name")
    cur.finish()
    users = ctx.config.policy_map_users(name)
    if users:
        raise Bad(name, f"policy-map '{name}' is used by {users[0]}")
    ctx.config.remove_policy_map(str(name))
    ctx.touch("policy_maps", str(name))


def register_global(table: CommandSet) -> None:
    table.add("class-map WORD...:rest", _enter_class_map, _HELP)
    table.add("policy-map WORD...:rest", _enter_policy_map, _HELP)
    table.add("no class-map WORD...:rest", _delete_class_map, _HELP)
    table.add("no policy-map WORD...:rest", _delete_policy_map, _HELP)


# ---- class-map mode ----

def _cmap_description(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cmap: M.ClassMap = mode.obj
    cmap.description = None if "no" in args else ctx.rest(line, args).rest(line.text)
    ctx.touch("class_maps", cmap.name)


def _cmap_match(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    cmap: M.ClassMap = mode.obj
    stmt = _match(ctx, ctx.rest(line, args), cmap)
    if "no" in args:
        if stmt in cmap.matches:
            cmap.matches.remove(stmt)
    elif stmt not in cmap.matches:
        cmap.matches.append(stmt)
    ctx.touch("class_maps", cmap.name)


def _match(ctx: Context, cur: Cursor, cmap: M.ClassMap) -> M.MatchStatement:
    negate = cur.take_if("not") is not None
    tok = cur.take("match criterion")
    word = tok.lower()
    if word == "ip" and cur.peek() is not None and cur.peek().lower() in ("dscp", "precedence"):
        tok = cur.take("match criterion")
        word = tok.lower()
    if word == "any":
        cur.finish()
        return M.MatchStatement("any", negate)
    if word in ("dscp", "precedence"):
        limit, parse = (8, S.dscp) if word == "dscp" else (4, S.precedence)
        values = []
        while not cur.done():
            value_tok = cur.take(word)
            if len(values) == limit:
                raise Bad(value_tok, f"match {word} takes at most {limit} values")
            values.append(parse(value_tok))
        if not values:
            raise Bad(Tok("", cur.end_col), f"{word} value expected")
        return M.MatchStatement(word, negate, values=tuple(values))
    if word == "access-group":
        if cur.take_if("name"):
            name = cur.take("access-list name")
        else:
            name = cur.take("access-list number or 'name'")
            if not name.isdigit() or M.numbered_kind(name) is None:
                raise Bad(name, f"bad access-list number '{name}'")
        cur.finish()
        ctx.ref(("acl", "class-map", cmap.name, str(name)), name)
        return M.MatchStatement("access-group", negate, name=str(name))
    if word == "class-map":
        name = cur.take("class-map name")
        cur.finish()
        if name == cmap.name:
            raise Bad(name, f"class-map '{name}' cannot match itself")
        ctx.need_class_map(name, f"class-map '{cmap.name}'")
        if not ctx.file_mode:
            depth = cmap_depth(ctx.config, name, (cmap.name,))
            if depth is None:
                raise Bad(name, f"class-map '{cmap.name}' would match itself through '{name}'")
            if depth + 1 > M.T.CMAP_DEPTH_MAX:
                raise Bad(name, f"class-map '{cmap.name}' would nest deeper than {M.T.CMAP_DEPTH_MAX}")
        ctx.ref(("cmap-cmap", cmap.name, str(name)), name)
        return M.MatchStatement("class-map", negate, name=str(name))
    if word == "not":
        raise Bad(tok, "match not not is not supported")
    raise Bad(tok, f"match '{tok}' is not supported by this model")


CLASS_MAP = mode_table()
CLASS_MAP.add("[no] description WORD...:rest", _cmap_description, _HELP)
CLASS_MAP.add("[no] match WORD...:rest", _cmap_match, _HELP)
CLASS_MAP.add("no", expected("command"), _HELP)


# ---- policy-map mode ----

def _pmap_description(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap: M.PolicyMap = mode.obj
    pmap.description = None if "no" in args else ctx.rest(line, args).rest(line.text)
    ctx.touch("policy_maps", pmap.name)


def _pmap_class(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap: M.PolicyMap = mode.obj
    cur = ctx.rest(line, args)
    name = cur.take("class name")
    cur.finish()
    if "no" in args:
        cls = pmap.get(name)
        if cls is not None:
            pmap.classes.remove(cls)
    else:
        if name != M.CLASS_DEFAULT:
            ctx.need_class_map(name, f"policy-map '{pmap.name}'")
            ctx.ref(("pmap-class", pmap.name, str(name)), name)
        cls = pmap.get(name)
        if cls is None:
            # Checked here, at the line, so that no CoA naming the policy ever meets the limit.
            others = sum(1 for c in pmap.classes if c.name != M.CLASS_DEFAULT)
            if name != M.CLASS_DEFAULT and others + 1 >= M.T.CLASSES_MAX:
                raise Bad(name, f"policy-map '{pmap.name}' has {others} classes; the fast path holds "
                                f"{M.T.CLASSES_MAX - 1} and class-default")
            cls = pmap.add(str(name))
        ctx.push(ModeKind.POLICY_CLASS, (pmap, cls))
    ctx.touch("policy_maps", pmap.name)


POLICY_MAP = mode_table()
POLICY_MAP.add("[no] description WORD...:rest", _pmap_description, _HELP)
POLICY_MAP.add("[no] class WORD...:rest", _pmap_class, _HELP)
POLICY_MAP.add("no", expected("command"), _HELP)


# ---- policy-map class mode ----

def _police(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap, cls = mode.obj
    if "no" in args:
        cls.police = None
    else:
        cls.police = S.police(ctx.rest(line, args))
        ctx.push(ModeKind.POLICE, (pmap, cls))
    ctx.touch("policy_maps", pmap.name)


def _set(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap, cls = mode.obj
    cur = ctx.rest(line, args)
    tok = cur.take("dscp or precedence")
    if tok.lower() == "ip" and cur.peek() is not None:
        tok = cur.take("dscp or precedence")
    word = tok.lower()
    if word in KEPT_SETS:
        _set_kept(ctx, pmap, cls, cur, word, "no" in args)
        return
    if word not in ("dscp", "precedence"):
        raise Bad(tok, f"set '{tok}' is not supported by this model")
    ctx.touch("policy_maps", pmap.name)
    if "no" in args:
        setattr(cls, "set_" + word, None)
        return
    value_tok = cur.take(word)
    value = S.dscp(value_tok) if word == "dscp" else S.precedence(value_tok)
    cur.finish()
    other = "precedence" if word == "dscp" else "dscp"
    if getattr(cls, "set_" + other) is not None:
        raise Bad(tok, f"set {word} conflicts with set {other} in class '{cls.name}'")
    setattr(cls, "set_" + word, value)


# `set` lines kept as typed and listed as not modeled, with their value ranges:
# - cos: the 802.1p priority of an Ethernet frame's VLAN tag; on a Virtual-Access, an IPsec tunnel
#   interface, IOS XE applies it to the frame that carries the encrypted packet out of the physical
#   interface, which the model, having no L2 header and no egress interface, does not have;
# - qos-group: an internal mark that only a later `match qos-group` (the output policy's) reads;
#   the model refuses `match qos-group` (its packet record has no byte to carry the mark from the
#   input policy to the output one), so no class the model runs can see it.
KEPT_SETS = {"cos": 7, "qos-group": 99}


def _set_kept(ctx: Context, pmap: M.PolicyMap, cls: M.PolicyClass, cur: Cursor, word: str,
              no: bool) -> None:
    value = S.integer(cur.take(word), word, 0, KEPT_SETS[word])
    cur.finish()
    cls.other_lines = [x for x in cls.other_lines if not x.startswith(f"set {word} ")]
    if not no:
        cls.other_lines.append(f"set {word} {value}")
    ctx.touch("policy_maps", pmap.name)


def _service_policy(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap, cls = mode.obj
    ctx.touch("policy_maps", pmap.name)
    if "no" in args:
        cls.service_policy = None
        return
    cur = ctx.rest(line, args)
    name = cur.take("policy-map name")
    cur.finish()
    if name == pmap.name:
        raise Bad(name, f"policy-map '{name}' cannot be its own child")
    ctx.need_policy_map(name)
    if not ctx.file_mode:
        depth = pmap_depth(ctx.config, name, (pmap.name,))
        if depth is None:
            raise Bad(name, f"policy-map '{pmap.name}' would contain itself through '{name}'")
        if depth + 1 > M.T.POLICY_DEPTH_MAX:
            raise Bad(name, f"policy-map '{pmap.name}' would nest deeper than "
                            f"{M.T.POLICY_DEPTH_MAX} levels")
    ctx.ref(("pmap-child", pmap.name, cls.name), name)
    if ctx.config.policy_queues(name):
        _check_direction(ctx, pmap, name)
    cls.service_policy = str(name)


def _kept_queueing(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap, cls = mode.obj
    word = next(w for w in KEPT_QUEUEING_COMMANDS if w.replace("-", "_") in args)
    text = " ".join((word, *args.get("rest", ())))
    if "no" in args:
        cls.other_lines = [x for x in cls.other_lines if not x.startswith(text)]
    else:
        ctx.note_unmodeled(line, f"policy-map {pmap.name} class {cls.name}")
        if text not in cls.other_lines:
            cls.other_lines.append(text)
    ctx.touch("policy_maps", pmap.name)


# ---- queueing actions ----
# IOS's rules for one class and one policy level (the ASR 1000's QoS configuration guide and the
# "Distribution of Remaining Bandwidth Using Ratio" and multi-level priority restrictions): what
# IOS refuses at the line, this refuses at the line, before anything changes.

def _shape(ctx: Context, cur: Cursor, cls: M.PolicyClass) -> M.ShapeConfig:
    kind = cur.take("average")
    if kind.lower() != "average":
        raise Bad(kind, f"shape {kind} is not supported by this model; give `shape average`")
    if cur.take_if("percent"):
        percent = S.integer(cur.take("percentage"), "shape percent", 1, 100)
        bursts = []
        while not cur.done():
            value = S.integer(cur.take("burst in ms"), "shape burst ms", 1, 1000)
            unit = cur.take("ms")
            if unit.lower() != "ms":
                raise Bad(unit, "a percent shaper's bursts are given in ms")
            if len(bursts) == 2:
                raise Bad(unit, f"unexpected '{unit}'")
            bursts.append(value)
        return M.ShapeConfig(percent=percent, bc_ms=bursts[0] if bursts else None,
                             be_ms=bursts[1] if len(bursts) > 1 else None)
    cir = S.rate(cur.take("rate in bit/s"), "shape rate")
    bc = be = None
    if not cur.done():
        bc = S.integer(cur.take("bc in bits"), "shape bc", 8, T_BURST_BITS_MAX)
    if not cur.done():
        be = S.integer(cur.take("be in bits"), "shape be", 0, T_BURST_BITS_MAX)
    cur.finish()
    return M.ShapeConfig(cir=cir, bc=bc, be=be)


def _priority(cur: Cursor) -> M.PriorityConfig:
    level = None
    if cur.take_if("level"):
        level = S.integer(cur.take("priority level"), "priority level", 1, 2)
    prio = M.PriorityConfig(level=level)
    if cur.take_if("percent"):
        prio.percent = S.integer(cur.take("percentage"), "priority percent", 1, 100)
    elif not cur.done():
        # IOS takes the rate in kbit/s: 8 kbit/s is the fast path's (and IOS's) smallest rate.
        prio.kbps = S.integer(cur.take("rate in kbps"), "priority kbps", 8, M.T.RATE_MAX // 1000)
    if not cur.done():
        if prio.kbps is None and prio.percent is None:
            raise Bad(cur.peek(), f"unexpected '{cur.peek()}'")
        prio.burst = S.integer(cur.take("burst in bytes"), "priority burst", 32, M.T.BURST_MAX)
    cur.finish()
    return prio


def _bandwidth(cur: Cursor) -> M.BandwidthConfig:
    if cur.take_if("remaining"):
        unit = cur.take("ratio or percent")
        if unit.lower() == "ratio":
            return M.BandwidthConfig(S.integer(cur.take("ratio"), "bandwidth remaining ratio", 1,
                                               M.T.EXCESS_WEIGHT_MAX), "ratio", remaining=True)
        if unit.lower() == "percent":
            return M.BandwidthConfig(S.integer(cur.take("percentage"), "bandwidth remaining percent",
                                               1, 100), "percent", remaining=True)
        raise Bad(unit, f"bandwidth remaining '{unit}': give ratio or percent")
    if cur.take_if("percent"):
        return M.BandwidthConfig(S.integer(cur.take("percentage"), "bandwidth percent", 1, 100), "percent")
    return M.BandwidthConfig(S.integer(cur.take("rate in kbps"), "bandwidth kbps", 8, M.T.RATE_MAX // 1000),
                             "kbps")


def _queue_limit(cur: Cursor) -> int:
    value = S.integer(cur.take("queue limit in packets"), "queue-limit", 1, M.T.QUEUE_LIMIT_MAX)
    unit = cur.take_if("packets", "bytes", "ms", "us")
    if unit is not None and unit.lower() != "packets":
        raise Bad(unit, f"queue-limit in {unit.lower()} is not supported by this model; give packets")
    cur.finish()
    return value


def _check_class(pmap: M.PolicyMap, cls: M.PolicyClass, tok: Tok) -> None:
    """IOS's refusals within one class."""
    if cls.priority is not None and (cls.bandwidth is not None or cls.bandwidth_remaining is not None):
        raise Bad(tok, f"bandwidth and priority are mutually exclusive in class '{cls.name}'")
    if cls.bandwidth is not None and cls.bandwidth_remaining is not None:
        raise Bad(tok, "bandwidth remaining cannot coexist with another bandwidth command in class "
                       f"'{cls.name}'")
    if cls.priority is not None and cls.shape is not None:
        raise Bad(tok, f"shape and priority are mutually exclusive in class '{cls.name}'")
    if cls.priority is not None and cls.name == M.CLASS_DEFAULT:
        raise Bad(tok, "priority is not allowed in class-default")


def _check_policy(pmap: M.PolicyMap, tok: Tok) -> None:
    """IOS's refusals across the classes of one policy level."""
    classes = pmap.classes
    levels = [c.priority.level for c in classes if c.priority is not None]
    if None in levels and any(level is not None for level in levels):
        raise Bad(tok, f"policy-map '{pmap.name}': priority and priority level cannot be mixed in one policy")
    for level in (1, 2):
        if levels.count(level) > 1:
            raise Bad(tok, f"policy-map '{pmap.name}': priority level {level} is already in use by "
                           "another class")
    units = {c.bandwidth.unit for c in classes if c.bandwidth is not None}
    if len(units) > 1:
        raise Bad(tok, f"policy-map '{pmap.name}': all bandwidths must be in kbps or all in percent")
    reserved = sum(c.bandwidth.value for c in classes if c.bandwidth is not None and c.bandwidth.unit == "percent")
    reserved += sum(c.priority.percent for c in classes if c.priority is not None and c.priority.percent)
    if reserved > 100:
        raise Bad(tok, f"policy-map '{pmap.name}': sum total of class bandwidths exceeds 100 percent")
    remaining = sum(c.bandwidth_remaining.value for c in classes
                    if c.bandwidth_remaining is not None and c.bandwidth_remaining.unit == "percent")
    if remaining > 100:
        raise Bad(tok, f"policy-map '{pmap.name}': sum total of bandwidth remaining percent exceeds "
                       "100 percent")
    kinds = {c.bandwidth_remaining.unit for c in classes if c.bandwidth_remaining is not None}
    if len(kinds) > 1:
        raise Bad(tok, f"policy-map '{pmap.name}': bandwidth remaining ratio and bandwidth remaining "
                       "percent cannot be mixed in one policy")


def _check_direction(ctx: Context, pmap: M.PolicyMap, tok: Tok) -> None:
    """A queueing action may not reach a policy attached as `service-policy input`."""
    ancestors = ctx.config.policy_ancestors(pmap.name)
    for vt in ctx.config.virtual_templates.values():
        if vt.service_policy_in in ancestors:
            raise Bad(tok, f"queueing is not supported in the input direction: policy-map "
                           f"'{vt.service_policy_in}' is attached to {vt.name} as service-policy input")


def _queueing(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap, cls = mode.obj
    word = next(w for w in QUEUEING_COMMANDS if w.replace("-", "_") in args)
    cur = ctx.rest(line, args)
    typed = line.tokens[1 if "no" in args else 0]
    attr = {"shape": "shape", "priority": "priority", "queue-limit": "queue_limit"}.get(word)
    if word == "bandwidth":
        attr = "bandwidth_remaining" if (cur.peek() or "").lower() == "remaining" else "bandwidth"
    ctx.touch("policy_maps", pmap.name)
    if "no" in args:
        # `no shape average ...`, `no priority ...`: IOS removes the action whatever its arguments.
        setattr(cls, attr, None)
        return
    if word == "shape":
        value = _shape(ctx, cur, cls)
    elif word == "priority":
        value = _priority(cur)
    elif word == "bandwidth":
        value = _bandwidth(cur)
        cur.finish()
    else:
        value = _queue_limit(cur)
    old = getattr(cls, attr)
    setattr(cls, attr, value)
    try:
        _check_class(pmap, cls, typed)
        _check_policy(pmap, typed)
        _check_direction(ctx, pmap, typed)
    except Bad:
        setattr(cls, attr, old)
        raise


POLICY_CLASS = mode_table()
POLICY_CLASS.add("[no] police WORD...:rest", _police, _HELP)
POLICY_CLASS.add("[no] set WORD...:rest", _set, _HELP)
POLICY_CLASS.add("[no] service-policy WORD...:rest", _service_policy, _HELP)
POLICY_CLASS.add(f"[no] ({' | '.join(QUEUEING_COMMANDS)}) WORD...:rest", _queueing, _HELP)
POLICY_CLASS.add(f"[no] ({' | '.join(KEPT_QUEUEING_COMMANDS)}) WORD...:rest", _kept_queueing, _HELP)
POLICY_CLASS.add("no", expected("command"), _HELP)


# ---- police sub-mode ----

def _action(ctx: Context, mode: Mode, line: Line, args: dict) -> None:
    pmap, cls = mode.obj
    name = next(c for c in S.COLOURS if c.replace("-", "_") in args)
    typed = line.tokens[1 if "no" in args else 0]
    colour = typed if typed.lower() == name else Tok(name, typed.col)   # messages name it as typed
    cur = ctx.rest(line, args)
    action = S.police_action(cur, colour) if "no" not in args or not cur.done() else None
    cur.finish()
    if "no" in args:
        # `no conform-action [ACTION]`, with or without the action as printed: back to IOS's
        # default for the colour (transmit, drop, the exceed action), as the model's None is.
        action = None
    setattr(cls.police, name.split("-")[0], action)
    cls.police.inline_actions = False
    ctx.touch("policy_maps", pmap.name)


POLICE = mode_table()
POLICE.add(f"[no] ({' | '.join(S.COLOURS)}) WORD...:rest", _action, _HELP)
POLICE.add("no", expected("action"), _HELP)
