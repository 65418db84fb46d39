"""The IOS configuration as plain, editable values: what the parser builds, `configure terminal`
edits, `show running-config` prints and the compiler (control.compile) turns into fast-path tables.

Each object keeps what the user typed where IOS prints it back as typed (police bursts, key strings,
interface lines), and offers the effective values with IOS's defaults beside it. ACEs are kept in
their meaning (a qfp.tables.Ace), which IOS prints in its own canonical form.

`RunningConfig.layout` is the running-config's order: one entry per modeled object and one per block
the device keeps but does not model. Objects are added and removed through RunningConfig's methods,
which keep the layout in step, so that rendering and re-parsing give an equal configuration.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from qfp_model.qfp import tables as T

from . import type7

CLASS_DEFAULT = T.CLASS_DEFAULT
DYNAMIC_AUTHOR_PORT = 1700       # IOS's default; 3799 is RFC 5176's
DYNAMIC_AUTHOR_AUTH_TYPE = "all"
RADIUS_AUTH_PORT, RADIUS_ACCT_PORT = 1645, 1646    # IOS's defaults when `address ipv4` omits them
RADIUS_TIMEOUT, RADIUS_RETRANSMIT = 5, 3            # IOS's defaults without `radius-server timeout|retransmit`
# `radius-server dead-criteria` without `time` or `tries`: IOS computes the part from the traffic
# (the time within 1-120 s, the tries within 1-100); the model takes these in their place.
DEAD_CRITERIA_TIME, DEAD_CRITERIA_TRIES = 10, 10
# Groups a method list may name without configuring them: all RADIUS (or TACACS+, LDAP) servers.
BUILTIN_GROUPS = ("radius", "tacacs+", "ldap")
ACCOUNTING_RECORDS = ("start-stop", "stop-only", "none")


# ---- access lists ------------------------------------------------------------------------------

STANDARD_NUMBERS = (range(1, 100), range(1300, 2000))
EXTENDED_NUMBERS = (range(100, 200), range(2000, 2700))


def numbered_kind(name: str) -> str | None:
    """"standard" or "extended" for an IOS access-list number, None for a name."""
    if not name.isdigit():
        return None
    n = int(name)
    if any(n in r for r in STANDARD_NUMBERS):
        return "standard"
    if any(n in r for r in EXTENDED_NUMBERS):
        return "extended"
    return None


@dataclass(frozen=True)
class AclEntry:
    """One line of an ACL: an ACE (with its sequence number and `log`/`log-input`), or a remark,
    which has no sequence number and stays where it was written. Frozen, as its ACE is: an edit
    replaces an entry, so a copy of an ACL is a copy of its list (parser's rollback, changes)."""
    seq: int | None
    ace: T.Ace | T.Ace6 | None = None
    log: str | None = None           # "log" or "log-input"
    remark: str | None = None

    def __deepcopy__(self, memo: dict) -> AclEntry:
        return self


@dataclass
class AccessList:
    """`ip access-list extended|standard NAME` or `access-list N ...`: entries in sequence order.
    `ipv6`: an `ipv6 access-list NAME` (extended, its ACEs T.Ace6), in a namespace of its own: IOS
    lets an IPv4 and an IPv6 list share a name."""
    name: str
    extended: bool
    entries: list[AclEntry] = field(default_factory=list)
    ipv6: bool = False

    @property
    def numbered(self) -> bool:
        return numbered_kind(self.name) is not None

    def aces(self) -> list[AclEntry]:
        return [e for e in self.entries if e.ace is not None]

    def next_seq(self) -> int:
        """IOS numbers a new ACE 10 past the highest."""
        return max((e.seq for e in self.aces()), default=0) + 10

    def entry(self, seq: int) -> AclEntry | None:
        return next((e for e in self.aces() if e.seq == seq), None)

    def insert(self, entry: AclEntry) -> None:
        """Put an ACE in sequence order: before the first higher ACE and the remarks just above it."""
        at = len(self.entries)
        for i, e in enumerate(self.entries):
            if e.ace is not None and e.seq > entry.seq:
                at = i
                while at > 0 and self.entries[at - 1].ace is None:
                    at -= 1
                break
        self.entries.insert(at, entry)

    def default_numbering(self) -> bool:
        """Whether the ACEs are numbered 10, 20, 30 ... as IOS numbers `access-list N` lines."""
        return [e.seq for e in self.aces()] == list(range(10, 10 * len(self.aces()) + 1, 10))


# ---- class-maps --------------------------------------------------------------------------------

@dataclass
class MatchStatement:
    """One `match` line: kind "any", "dscp" or "precedence" (values), "access-group" (name: an ACL
    name or number) or "class-map" (name); `negate` for `match not`."""
    kind: str
    negate: bool = False
    values: tuple[int, ...] = ()
    name: str | None = None


@dataclass
class ClassMap:
    """`class-map [match-all|match-any] NAME`; IOS's default is match-all."""
    name: str
    match_all: bool = True
    description: str | None = None
    matches: list[MatchStatement] = field(default_factory=list)


# ---- policy-maps -------------------------------------------------------------------------------

@dataclass
class PoliceConfig:
    """A `police` line as typed (None for what was omitted) and its effective policer.

    `cir_keyword` says whether it was `police cir BPS ...` or the older `police BPS [BC [BE]]`;
    `inline_actions` whether the actions were on the police line or in its sub-mode. `be` is the
    excess burst of a single-rate policer, or the peak burst of a two-rate one (IOS prints it after
    `pir`)."""
    cir: int
    bc: int | None = None
    be: int | None = None
    pir: int | None = None
    conform: T.PoliceAction | None = None
    exceed: T.PoliceAction | None = None
    violate: T.PoliceAction | None = None
    cir_keyword: bool = True
    inline_actions: bool = False
    # `police cir percent P [bc MS ms] [be MS ms] [pir percent P]` (or the `rate percent` form):
    # rates as a percentage of the reference rate (the parent class's shaper, else the interface's
    # bandwidth) and bursts in ms of their rate; `cir` is 0 until resolved() gives it.
    cir_percent: int | None = None
    pir_percent: int | None = None
    bc_ms: int | None = None
    be_ms: int | None = None
    rate_keyword: bool = False

    def resolved(self, reference_bps: int) -> PoliceConfig:
        """A percent policer in bit/s and bytes against `reference_bps`; any other as it is. Rates
        round down to whole bit/s and are at least IOS's smallest, bursts at least one byte."""
        if self.cir_percent is None:
            return self
        cir = max(reference_bps * self.cir_percent // 100, T.RATE_MIN)
        pir = None if self.pir_percent is None else max(reference_bps * self.pir_percent // 100, T.RATE_MIN)
        bc = None if self.bc_ms is None else min(max(cir * self.bc_ms // 8000, 1), T.BURST_MAX)
        be = None if self.be_ms is None else min(max((pir or cir) * self.be_ms // 8000, 1), T.BURST_MAX)
        return replace(self, cir=cir, pir=pir, bc=bc, be=be, cir_percent=None, pir_percent=None,
                       bc_ms=None, be_ms=None)

    @property
    def mode(self) -> T.PoliceMode:
        """2R3C with a pir; 1R3C (RFC 2697) with a violate-action or a typed be, in either form
        (`police cir C bc B be E`, `police C B E`): a single-rate policer given an excess burst
        has the second bucket to put it in, as IOS XE programs it (the violate action then
        defaults to the exceed action); else 1R2C."""
        if self.pir is not None or self.pir_percent is not None:
            return T.PoliceMode.TWO_RATE_THREE_COLOUR
        if self.violate is not None or self.be is not None or self.be_ms is not None:
            return T.PoliceMode.ONE_RATE_THREE_COLOUR
        return T.PoliceMode.ONE_RATE_TWO_COLOUR

    @property
    def effective_bc(self) -> int:
        """Bc as typed, else IOS's default: 250 ms of CIR (CIR/32 bytes), at least 1500 bytes."""
        return self.bc if self.bc is not None else default_burst(self.cir)

    @property
    def effective_be(self) -> int:
        """The second bucket: 0 for 1R2C; as typed, else Bc for 1R3C and 250 ms of PIR for 2R3C."""
        mode = self.mode
        if mode is T.PoliceMode.ONE_RATE_TWO_COLOUR:
            return 0
        if self.be is not None:
            return self.be
        if mode is T.PoliceMode.ONE_RATE_THREE_COLOUR:
            return self.effective_bc
        return default_burst(self.pir)

    def to_policer(self) -> T.Policer:
        """The policer the fast path runs: 1R2C without a violate-action, 1R3C with one, 2R3C with
        a pir. Omitted actions take IOS's defaults: conform transmit, exceed drop, violate the
        exceed action."""
        mode = self.mode
        exceed = self.exceed or T.DROP
        return T.Policer(
            mode, cir=self.cir, bc=self.effective_bc, be=self.effective_be, pir=self.pir or 0,
            conform=self.conform or T.TRANSMIT, exceed=exceed,
            violate=T.DROP if mode is T.PoliceMode.ONE_RATE_TWO_COLOUR else (self.violate or exceed))


def default_burst(rate: int) -> int:
    """IOS's default burst for a rate: 250 ms of it, at least 1500 bytes; capped at the largest
    burst the fast path holds, which rates above 17.2 Gbit/s would exceed."""
    return min(max(rate // 32, 1500), T.BURST_MAX)


@dataclass
class ShapeConfig:
    """`shape average BPS [BC [BE]]` (bc and be in bits, as IOS takes them) or `shape average
    percent P [BC ms] [BE ms]` (a percentage of the parent's shaper, else the interface's bandwidth,
    and bursts in ms of the resolved rate). None is what was not typed."""
    cir: int | None = None
    bc: int | None = None
    be: int | None = None
    percent: int | None = None
    bc_ms: int | None = None
    be_ms: int | None = None

    def rate(self, reference_bps: int) -> int:
        """The shaper's rate in bit/s, a percentage taken of `reference_bps`."""
        if self.percent is None:
            return self.cir
        return min(max(reference_bps * self.percent // 100, T.RATE_MIN), T.RATE_MAX)

    def bursts(self, reference_bps: int) -> tuple[int, int]:
        """(bc, be) in bytes with IOS's defaults: bc = 4 ms of the rate, be = bc."""
        cir = self.rate(reference_bps)
        if self.percent is not None:
            bc = None if self.bc_ms is None else cir * self.bc_ms // 8000
            be = None if self.be_ms is None else cir * self.be_ms // 8000
        else:
            bc = None if self.bc is None else self.bc // 8
            be = None if self.be is None else self.be // 8
        bc = max(cir // 2000, 1) if bc is None else bc
        be = bc if be is None else be
        return min(bc, T.BURST_MAX), min(be, T.BURST_MAX - min(bc, T.BURST_MAX))


@dataclass
class PriorityConfig:
    """`priority [level N] [KBPS [BURST] | percent P [BURST]]`: `level` None is plain `priority`
    (level 1 to the fast path); a rate (kbit/s, or a percentage of the parent's shaper, else the
    interface's bandwidth) makes its conditional policer, `burst` in bytes."""
    level: int | None = None
    kbps: int | None = None
    percent: int | None = None
    burst: int | None = None

    def rate(self, reference_bps: int) -> int:
        """The conditional policer's rate in bit/s; 0 for strict priority with no rate."""
        if self.kbps is not None:
            return self.kbps * 1000
        if self.percent is not None:
            return min(max(reference_bps * self.percent // 100, T.RATE_MIN), T.RATE_MAX)
        return 0


@dataclass
class BandwidthConfig:
    """`bandwidth KBPS` / `bandwidth percent P` (`remaining` False), or `bandwidth remaining
    ratio R` / `bandwidth remaining percent P` (`remaining` True); `unit` is kbps, percent or
    ratio."""
    value: int
    unit: str
    remaining: bool = False

    def words(self) -> list[str]:
        """The line as IOS writes it."""
        words = ["bandwidth"] + (["remaining"] if self.remaining else [])
        if self.unit == "kbps":
            return words + [str(self.value)]
        return words + [self.unit, str(self.value)]


# The banners the vty shell shows (control/exec/banners.py): kept verbatim like any block, but
# acted on, so not listed as not modeled. `banner incoming|prompt-timeout|slip-ppp` are not shown.
SHOWN_BANNERS = ("motd", "login", "exec")
UNSHOWN_BANNERS = ("incoming", "prompt-timeout", "slip-ppp")


def shown_banner(header: str) -> bool:
    """Whether a kept line is a banner the shell shows (`banner ^C...` with no kind is motd)."""
    words = header.lower().split()
    return len(words) >= 2 and words[0] == "banner" and words[1] not in UNSHOWN_BANNERS


@dataclass
class PolicyClass:
    """`class NAME` inside a policy-map. The queueing actions (`shape`, `priority`, `bandwidth`,
    `bandwidth remaining`, `queue-limit`) are modeled; `other_lines` are class lines the device
    keeps but does not model (`fair-queue`, `random-detect`, ...), in the order they were typed."""
    name: str
    set_dscp: int | None = None
    set_precedence: int | None = None
    police: PoliceConfig | None = None
    service_policy: str | None = None
    other_lines: list[str] = field(default_factory=list)
    shape: ShapeConfig | None = None
    priority: PriorityConfig | None = None
    bandwidth: BandwidthConfig | None = None
    bandwidth_remaining: BandwidthConfig | None = None
    queue_limit: int | None = None          # packets

    @property
    def queues(self) -> bool:
        """A queueing action of its own (docs/fastpath.md, "The tree")."""
        return any(x is not None for x in (self.shape, self.priority, self.bandwidth,
                                            self.bandwidth_remaining, self.queue_limit))


@dataclass
class PolicyMap:
    """`policy-map NAME`: classes in order; class-default, when configured, is kept last."""
    name: str
    description: str | None = None
    classes: list[PolicyClass] = field(default_factory=list)

    def ordered_classes(self) -> list[PolicyClass]:
        """The classes as the fast path takes them: in order, class-default last (an empty one if
        it was never configured, as IOS always has it)."""
        if self.classes and self.classes[-1].name == CLASS_DEFAULT:
            return list(self.classes)
        return [*self.classes, PolicyClass(CLASS_DEFAULT)]

    def get(self, name: str) -> PolicyClass | None:
        return next((c for c in self.classes if c.name == name), None)

    def add(self, name: str) -> PolicyClass:
        cls = PolicyClass(name)
        if name != CLASS_DEFAULT and self.classes and self.classes[-1].name == CLASS_DEFAULT:
            self.classes.insert(len(self.classes) - 1, cls)
        else:
            self.classes.append(cls)
        return cls


# ---- interfaces, IKEv2, dynamic authorization ----------------------------------------------------

@dataclass
class VirtualTemplate:
    """`interface Virtual-TemplateN type tunnel`: what sessions clone. `other_lines` (ip unnumbered,
    tunnel ..., and the rest) are kept verbatim, without their indentation."""
    number: int
    service_policy_in: str | None = None
    service_policy_out: str | None = None
    access_group_in: str | None = None
    access_group_out: str | None = None
    other_lines: list[str] = field(default_factory=list)
    # `ipv6 traffic-filter NAME in|out`: the IPv6 ACLs, beside `ip access-group`'s IPv4 ones.
    traffic_filter_in: str | None = None
    traffic_filter_out: str | None = None

    @property
    def name(self) -> str:
        return f"Virtual-Template{self.number}"


@dataclass
class Ikev2Profile:
    """`crypto ikev2 profile NAME`: its `virtual-template N`, `aaa authorization group psk list LIST
    [NAME]` (the method list and the authorization policy name) and `aaa accounting psk LIST`; other
    lines (`aaa authorization group cert ...` among them) kept verbatim."""
    name: str
    virtual_template: int | None = None
    other_lines: list[str] = field(default_factory=list)
    aaa_authorization_psk: tuple[str, str | None] | None = None
    aaa_accounting_psk: str | None = None


@dataclass(eq=False)
class Secret:
    """A key as typed (`encryption` None or 0: clear text, 7: type 7) and its clear text. Two are
    the same key when their clear texts are (`service password-encryption` prints one as the other)."""
    typed: str
    encryption: int | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.plain == other.plain

    __hash__ = None

    @property
    def plain(self) -> str:
        return type7.decode(self.typed) if self.encryption == 7 else self.typed


@dataclass
class DynamicAuthorClient:
    """`client IP|NAME [vrf V] [server-key [0|7] KEY]`."""
    address: str
    vrf: str | None = None
    server_key: Secret | None = None


@dataclass
class DynamicAuthor:
    """`aaa server radius dynamic-author`: the RFC 5176 server's clients and options. `port` and
    `auth_type` None are IOS's defaults, given by the effective_ properties."""
    clients: list[DynamicAuthorClient] = field(default_factory=list)
    server_key: Secret | None = None
    port: int | None = None
    auth_type: str | None = None      # "any", "all" or "session-key"
    ignore_session_key: bool = False
    ignore_server_key: bool = False
    require_message_authenticator: bool = False

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else DYNAMIC_AUTHOR_PORT

    @property
    def effective_auth_type(self) -> str:
        return self.auth_type or DYNAMIC_AUTHOR_AUTH_TYPE

    def client(self, address: str) -> DynamicAuthorClient | None:
        return next((c for c in self.clients if c.address == address), None)

    def key_for(self, address: str) -> str | None:
        """The shared secret for requests from `address`: the client's own, else the global one."""
        client = self.client(address)
        if client is None:
            return None
        key = client.server_key or self.server_key
        return None if key is None else key.plain


# ---- RADIUS servers, server groups, method lists -----------------------------------------------------

@dataclass
class RadiusServer:
    """`radius server NAME`: `address ipv4 A [auth-port P] [acct-port P]` (IOS's ports 1645/1646 when
    omitted, and IOS prints them either way), `key [0|7] KEY`, `timeout S`, `retransmit N` (None: the
    global `radius-server` value, else IOS's default: see RunningConfig.radius_server_timeout).
    Other lines (`automate-tester`, `pac key`, `dtls ...`) are kept verbatim."""
    name: str
    address: str | None = None
    auth_port: int = RADIUS_AUTH_PORT
    acct_port: int = RADIUS_ACCT_PORT
    key: Secret | None = None
    timeout: int | None = None
    retransmit: int | None = None
    other_lines: list[str] = field(default_factory=list)


@dataclass
class RadiusGroup:
    """`aaa group server radius NAME`: its `server name X` lines in order and `deadtime M` (minutes);
    other lines (`ip radius source-interface`, `ip vrf forwarding`, `load-balance`, the older
    `server A.B.C.D`) kept verbatim."""
    name: str
    servers: list[str] = field(default_factory=list)
    deadtime: int | None = None
    other_lines: list[str] = field(default_factory=list)


@dataclass
class MethodList:
    """`aaa authorization network NAME group G [group G2 ...] [local]` or `aaa accounting network
    NAME start-stop|stop-only group G ...` (`none`: no groups). `groups` in order, as typed; `group
    radius` keeps the literal "radius" (every RADIUS server). `record` is None for authorization."""
    name: str
    groups: list[str] = field(default_factory=list)
    local: bool = False
    record: str | None = None


@dataclass(frozen=True)
class Unmodeled:
    """A block the device recognises but does not model, kept verbatim (its lines as written).
    Frozen: a block that gains a line is replaced (RunningConfig.replace_unmodeled), so the
    layout, which holds the blocks, is copied by copying its list."""
    lines: tuple[str, ...]

    def __deepcopy__(self, memo: dict) -> Unmodeled:
        return self

    @property
    def command(self) -> str:
        """The command it is an instance of, as `ParseResult.unmodeled` lists it."""
        return command_key(self.lines[0])


def command_key(line: str) -> str:
    """A line's command without its arguments: `ip route`, `crypto ikev2 keyring`,
    `interface GigabitEthernet`, `line`."""
    words = line.split()
    if not words:
        return ""
    if words[0] == "interface" and len(words) > 1:
        return "interface " + words[1].rstrip("0123456789/.:")
    depth = {"crypto": 3, "no": 3, "ip": 2, "ipv6": 2, "aaa": 2, "radius": 2, "snmp-server": 2,
             "service": 2, "vrf": 2, "license": 2, "platform": 2}.get(words[0], 1)
    return " ".join(words[:depth])


# ---- the whole configuration -------------------------------------------------------------------

# Layout keys: (kind, name). Singletons have name None; an Unmodeled block is its own name.
HOSTNAME, AAA_NEW_MODEL, DYNAMIC_AUTHOR = "hostname", "aaa new-model", "dynamic-author"
ACL, CLASS_MAP, POLICY_MAP, TEMPLATE, IKEV2_PROFILE = (
    "access-list", "class-map", "policy-map", "interface", "ikev2-profile")
IPV6_ACL = "ipv6 access-list"
RADIUS_SERVER, RADIUS_GROUP = "radius server", "aaa group server radius"
AUTHORIZATION_NETWORK, ACCOUNTING_NETWORK = "aaa authorization network", "aaa accounting network"
ACCOUNTING_UPDATE = "aaa accounting update"
RADIUS_DEAD_CRITERIA, RADIUS_DEADTIME = "radius-server dead-criteria", "radius-server deadtime"
RADIUS_TIMEOUT_LINE, RADIUS_RETRANSMIT_LINE = "radius-server timeout", "radius-server retransmit"
RADIUS_GLOBALS = (RADIUS_DEAD_CRITERIA, RADIUS_DEADTIME, RADIUS_TIMEOUT_LINE, RADIUS_RETRANSMIT_LINE)
UNMODELED = "unmodeled"
PASSWORD_ENCRYPTION = "service password-encryption"

# Where IOS prints each section, for objects made in `configure terminal`. Unmodeled blocks rank
# by their first two words, else their first (unknown ones do not place anything). The fractions
# order IOS's aaa section (groups, authentication, authorization, accounting update, accounting;
# `aaa session-id` after dynamic-author) and its radius-server lines (kept ones, then the modeled
# ones in IOS's order) before the `radius server` blocks.
SECTION_RANK = {
    "version": 0, "service": 1, "platform": 1, "hostname": 2, "boot-start-marker": 3, "boot": 3,
    "boot-end-marker": 3, "vrf": 4, "enable": 4, "aaa new-model": 5, "aaa": 6,
    "aaa group": 6.1, RADIUS_GROUP: 6.1, "aaa authentication": 6.2, "aaa authorization": 6.3,
    AUTHORIZATION_NETWORK: 6.3, ACCOUNTING_UPDATE: 6.4, "aaa accounting": 6.5, ACCOUNTING_NETWORK: 6.5,
    "dynamic-author": 7, "aaa session-id": 7.5, "crypto pki": 10, "license": 11, "username": 12,
    "redundancy": 13,
    "crypto ikev2": 14, "ikev2-profile": 15, "class-map": 16, "policy-map": 17, "crypto ipsec": 18,
    "interface": 19, "ip route": 21, "access-list": 22, IPV6_ACL: 22.5, "radius-server": 23.5,
    RADIUS_DEAD_CRITERIA: 23.51, RADIUS_DEADTIME: 23.52, RADIUS_TIMEOUT_LINE: 23.53,
    RADIUS_RETRANSMIT_LINE: 23.54, "radius": 24, RADIUS_SERVER: 24, "control-plane": 25,
    "line": 26, "ntp": 27, "end": 30,
    # banners go between control-plane and the lines, in IOS's order of their kinds
    "banner": 25.5, "banner exec": 25.51, "banner incoming": 25.52, "banner login": 25.53,
    "banner motd": 25.54, "banner prompt-timeout": 25.55, "banner slip-ppp": 25.56,
}


def section_rank(kind: str, name: object) -> float | None:
    if kind != UNMODELED:
        return SECTION_RANK[kind]
    words = name.lines[0].split()
    for n in (2, 1):
        rank = SECTION_RANK.get(" ".join(words[:n]))
        if rank is not None:
            return rank
    return None


@dataclass
class RunningConfig:
    """The device's configuration. Mutate through the methods below, which keep `layout` (the
    running-config's order) in step with the objects."""
    hostname: str | None = None
    aaa_new_model: bool = False
    dynamic_author: DynamicAuthor | None = None
    access_lists: dict[str, AccessList] = field(default_factory=dict)
    ipv6_access_lists: dict[str, AccessList] = field(default_factory=dict)
    class_maps: dict[str, ClassMap] = field(default_factory=dict)
    policy_maps: dict[str, PolicyMap] = field(default_factory=dict)
    virtual_templates: dict[int, VirtualTemplate] = field(default_factory=dict)
    ikev2_profiles: dict[str, Ikev2Profile] = field(default_factory=dict)
    radius_servers: dict[str, RadiusServer] = field(default_factory=dict)
    radius_groups: dict[str, RadiusGroup] = field(default_factory=dict)
    authorization_network: dict[str, MethodList] = field(default_factory=dict)
    accounting_network: dict[str, MethodList] = field(default_factory=dict)
    # `aaa accounting update [newinfo] [periodic N]`: the interval, and whether `newinfo` was typed.
    accounting_periodic_minutes: int | None = None
    accounting_update_newinfo: bool = False
    # `radius-server dead-criteria [time S] [tries N]` as (time, tries), and which parts were typed
    # (an omitted part is IOS's computed value, which stands as DEAD_CRITERIA_TIME / _TRIES).
    radius_dead_criteria: tuple[int, int] | None = None
    radius_dead_criteria_typed: tuple[bool, bool] = (True, True)
    radius_deadtime: int | None = None
    radius_timeout: int | None = None
    radius_retransmit: int | None = None
    layout: list[tuple[str, object]] = field(default_factory=list)

    # ---- layout ----
    def _place(self, kind: str, name: object, append: bool = False) -> None:
        """Add (kind, name) at the end (`append`: the parser keeps a file's order), or where IOS
        would print it: after the last entry of its section or of an earlier one, else first."""
        if (kind, name) in self.layout:
            return
        if append:
            self.layout.append((kind, name))
            return
        rank = section_rank(kind, name)
        if rank is None:   # a command whose section IOS's order does not tell us: last, before `end`
            self.layout.append((kind, name))
            return
        at = 0
        for i, (k, n) in enumerate(self.layout):
            r = section_rank(k, n)
            if r is not None and r <= rank:
                at = i + 1
        self.layout.insert(at, (kind, name))

    def _unplace(self, kind: str, name: object) -> None:
        if (kind, name) in self.layout:
            self.layout.remove((kind, name))

    def add_unmodeled(self, block: Unmodeled, append: bool = False) -> None:
        self._place(UNMODELED, block, append)

    def replace_unmodeled(self, old: Unmodeled, new: Unmodeled) -> None:
        """Swap a kept block for a longer one in place (its lines arrive one at a time)."""
        for i, (kind, name) in enumerate(self.layout):
            if name is old:
                self.layout[i] = (kind, new)
                return

    def remove_unmodeled(self, block: Unmodeled) -> None:
        self._unplace(UNMODELED, block)

    def unmodeled_blocks(self) -> list[Unmodeled]:
        return [name for kind, name in self.layout if kind == UNMODELED]

    # ---- singletons ----
    def set_hostname(self, name: str, append: bool = False) -> None:
        self.hostname = name
        self._place(HOSTNAME, None, append)

    def set_aaa_new_model(self, on: bool, append: bool = False) -> None:
        self.aaa_new_model = on
        self._place(AAA_NEW_MODEL, None, append)

    def ensure_dynamic_author(self, append: bool = False) -> DynamicAuthor:
        if self.dynamic_author is None:
            self.dynamic_author = DynamicAuthor()
        self._place(DYNAMIC_AUTHOR, None, append)
        return self.dynamic_author

    def remove_dynamic_author(self) -> None:
        self.dynamic_author = None
        self._unplace(DYNAMIC_AUTHOR, None)

    def set_accounting_update(self, periodic: int | None, newinfo: bool, append: bool = False) -> None:
        self.accounting_periodic_minutes, self.accounting_update_newinfo = periodic, newinfo
        self._place(ACCOUNTING_UPDATE, None, append)

    def clear_accounting_update(self) -> None:
        self.accounting_periodic_minutes, self.accounting_update_newinfo = None, False
        self._unplace(ACCOUNTING_UPDATE, None)

    _RADIUS_GLOBAL_ATTRS = {RADIUS_DEADTIME: "radius_deadtime", RADIUS_TIMEOUT_LINE: "radius_timeout",
                            RADIUS_RETRANSMIT_LINE: "radius_retransmit"}

    def set_radius_global(self, kind: str, value: int | None, append: bool = False) -> None:
        """Set `radius-server deadtime|timeout|retransmit` (RADIUS_DEADTIME ...); None removes it."""
        setattr(self, self._RADIUS_GLOBAL_ATTRS[kind], value)
        if value is None:
            self._unplace(kind, None)
        else:
            self._place(kind, None, append)

    def set_radius_dead_criteria(self, time: int | None, tries: int | None, append: bool = False) -> None:
        """`radius-server dead-criteria [time S] [tries N]`; an omitted part takes the stand-in."""
        self.radius_dead_criteria = (DEAD_CRITERIA_TIME if time is None else time,
                                     DEAD_CRITERIA_TRIES if tries is None else tries)
        self.radius_dead_criteria_typed = (time is not None, tries is not None)
        self._place(RADIUS_DEAD_CRITERIA, None, append)

    def clear_radius_dead_criteria(self) -> None:
        self.radius_dead_criteria, self.radius_dead_criteria_typed = None, (True, True)
        self._unplace(RADIUS_DEAD_CRITERIA, None)

    def radius_server_timeout(self, server: RadiusServer) -> int:
        """A server's timeout: its own, else `radius-server timeout`, else IOS's 5 seconds."""
        return next(v for v in (server.timeout, self.radius_timeout, RADIUS_TIMEOUT) if v is not None)

    def radius_server_retransmit(self, server: RadiusServer) -> int:
        """A server's retransmit count: its own, else `radius-server retransmit`, else IOS's 3."""
        return next(v for v in (server.retransmit, self.radius_retransmit, RADIUS_RETRANSMIT)
                    if v is not None)

    # ---- named objects ----
    def add_radius_server(self, server: RadiusServer, append: bool = False) -> RadiusServer:
        self.radius_servers[server.name] = server
        self._place(RADIUS_SERVER, server.name, append)
        return server

    def remove_radius_server(self, name: str) -> None:
        self.radius_servers.pop(name, None)
        self._unplace(RADIUS_SERVER, name)

    def add_radius_group(self, group: RadiusGroup, append: bool = False) -> RadiusGroup:
        self.radius_groups[group.name] = group
        self._place(RADIUS_GROUP, group.name, append)
        return group

    def remove_radius_group(self, name: str) -> None:
        self.radius_groups.pop(name, None)
        self._unplace(RADIUS_GROUP, name)

    def set_method_list(self, kind: str, mlist: MethodList, append: bool = False) -> MethodList:
        """Add or replace an AUTHORIZATION_NETWORK or ACCOUNTING_NETWORK method list."""
        self._method_lists(kind)[mlist.name] = mlist
        self._place(kind, mlist.name, append)
        return mlist

    def remove_method_list(self, kind: str, name: str) -> None:
        self._method_lists(kind).pop(name, None)
        self._unplace(kind, name)

    def _method_lists(self, kind: str) -> dict[str, MethodList]:
        return self.authorization_network if kind == AUTHORIZATION_NETWORK else self.accounting_network

    def add_access_list(self, acl: AccessList, append: bool = False) -> AccessList:
        self.access_lists[acl.name] = acl
        self._place(ACL, acl.name, append)
        return acl

    def remove_access_list(self, name: str) -> None:
        self.access_lists.pop(name, None)
        self._unplace(ACL, name)

    def add_ipv6_access_list(self, acl: AccessList, append: bool = False) -> AccessList:
        self.ipv6_access_lists[acl.name] = acl
        self._place(IPV6_ACL, acl.name, append)
        return acl

    def remove_ipv6_access_list(self, name: str) -> None:
        self.ipv6_access_lists.pop(name, None)
        self._unplace(IPV6_ACL, name)

    def acl_named(self, name: str, ipv6: bool) -> AccessList | None:
        return (self.ipv6_access_lists if ipv6 else self.access_lists).get(name)

    def add_class_map(self, cmap: ClassMap, append: bool = False) -> ClassMap:
        self.class_maps[cmap.name] = cmap
        self._place(CLASS_MAP, cmap.name, append)
        return cmap

    def remove_class_map(self, name: str) -> None:
        self.class_maps.pop(name, None)
        self._unplace(CLASS_MAP, name)

    def add_policy_map(self, pmap: PolicyMap, append: bool = False) -> PolicyMap:
        self.policy_maps[pmap.name] = pmap
        self._place(POLICY_MAP, pmap.name, append)
        return pmap

    def remove_policy_map(self, name: str) -> None:
        self.policy_maps.pop(name, None)
        self._unplace(POLICY_MAP, name)

    def add_virtual_template(self, vt: VirtualTemplate, append: bool = False) -> VirtualTemplate:
        self.virtual_templates[vt.number] = vt
        self._place(TEMPLATE, vt.number, append)
        return vt

    def remove_virtual_template(self, number: int) -> None:
        self.virtual_templates.pop(number, None)
        self._unplace(TEMPLATE, number)

    def add_ikev2_profile(self, profile: Ikev2Profile, append: bool = False) -> Ikev2Profile:
        self.ikev2_profiles[profile.name] = profile
        self._place(IKEV2_PROFILE, profile.name, append)
        return profile

    def remove_ikev2_profile(self, name: str) -> None:
        self.ikev2_profiles.pop(name, None)
        self._unplace(IKEV2_PROFILE, name)

    # ---- questions the device asks ----
    @property
    def password_encryption(self) -> bool:
        """`service password-encryption`: IOS prints clear-text keys as type 7."""
        return any(b.lines[0].strip() == PASSWORD_ENCRYPTION for b in self.unmodeled_blocks())

    def unmodeled_commands(self) -> list[str]:
        """Each command the device keeps but does not model, once, in first-seen order: top-level
        blocks, and the lines kept inside modeled objects (prefixed by where they are)."""
        seen: dict[str, None] = {}
        for kind, name in self.layout:
            if kind == UNMODELED:
                if name.command not in ("end",) and not shown_banner(name.lines[0]):
                    seen[name.command] = None
            elif kind == TEMPLATE:
                for line in self.virtual_templates[name].other_lines:
                    seen["interface Virtual-Template: " + command_key(line)] = None
            elif kind == IKEV2_PROFILE:
                for line in self.ikev2_profiles[name].other_lines:
                    seen["crypto ikev2 profile: " + command_key(line)] = None
            elif kind == RADIUS_SERVER:
                for line in self.radius_servers[name].other_lines:
                    seen["radius server: " + command_key(line)] = None
            elif kind == RADIUS_GROUP:
                for line in self.radius_groups[name].other_lines:
                    seen["aaa group server radius: " + command_key(line)] = None
            elif kind == POLICY_MAP:
                for cls in self.policy_maps[name].classes:
                    for line in cls.other_lines:
                        seen["policy-map class: " + command_key(line)] = None
        return list(seen)

    def acl_references(self) -> list[tuple[str, str]]:
        """(ACL name, who names it) for every ACL a class-map or template names (`ipv6
        traffic-filter` as `interface NAME ipv6`)."""
        refs = []
        for cmap in self.class_maps.values():
            refs += [(m.name, f"class-map {cmap.name}") for m in cmap.matches
                     if m.kind == "access-group"]
        for vt in self.virtual_templates.values():
            refs += [(name, f"interface {vt.name}")
                     for name in (vt.access_group_in, vt.access_group_out) if name]
            refs += [(name, f"interface {vt.name} ipv6")
                     for name in (vt.traffic_filter_in, vt.traffic_filter_out) if name]
        return refs

    def undefined_acls(self) -> list[tuple[str, str]]:
        """ACLs that are named but not defined: IOS accepts them (a filter that permits all, a
        match that never matches); the device warns. A class-map's `match access-group name X` is
        met by an IPv4 or an IPv6 list X; a traffic-filter only by an IPv6 one."""
        def defined(name: str, who: str) -> bool:
            if who.endswith(" ipv6"):
                return name in self.ipv6_access_lists
            if who.startswith("class-map"):
                return name in self.access_lists or name in self.ipv6_access_lists
            return name in self.access_lists
        return [(name, who) for name, who in self.acl_references() if not defined(name, who)]

    def aaa_references(self) -> list[tuple[str, str, str]]:
        """(kind, name, who names it) for every RADIUS server a group names, every server group a
        method list names (but the built-in `radius`, `tacacs+`, `ldap`) and every method list an
        IKEv2 profile names; kind is RADIUS_SERVER, RADIUS_GROUP or a method list's kind."""
        refs = [(RADIUS_SERVER, s, f"aaa group server radius {g.name}")
                for g in self.radius_groups.values() for s in g.servers]
        for kind, lists in ((AUTHORIZATION_NETWORK, self.authorization_network),
                            (ACCOUNTING_NETWORK, self.accounting_network)):
            refs += [(RADIUS_GROUP, g, f"{kind} {m.name}") for m in lists.values() for g in m.groups
                     if g not in BUILTIN_GROUPS]
        for p in self.ikev2_profiles.values():
            if p.aaa_authorization_psk is not None:
                refs.append((AUTHORIZATION_NETWORK, p.aaa_authorization_psk[0],
                             f"crypto ikev2 profile {p.name}"))
            if p.aaa_accounting_psk is not None:
                refs.append((ACCOUNTING_NETWORK, p.aaa_accounting_psk, f"crypto ikev2 profile {p.name}"))
        return refs

    def undefined_aaa_references(self) -> list[tuple[str, str, str]]:
        """The aaa_references whose target is not configured. IOS accepts each of them silently
        (a group's `server name` of no server, a method list's group of no group, a profile's list
        that is not defined: the request then fails, or falls to the next method, when it is made);
        the device warns. A server group or method list kept verbatim (`aaa group server radius` is
        always modeled, `aaa group server tacacs+` is kept; `aaa authorization network X local group G`
        is kept) counts as configured."""
        kept = set()
        for block in self.unmodeled_blocks():
            words = block.lines[0].split()
            if words[:3] == ["aaa", "group", "server"] and len(words) > 4:   # tacacs+, ldap groups
                kept.add(f"{RADIUS_GROUP} {words[4]}")
            kept.add(" ".join(words[:4]))
        defined = {RADIUS_SERVER: self.radius_servers, RADIUS_GROUP: self.radius_groups,
                   AUTHORIZATION_NETWORK: self.authorization_network,
                   ACCOUNTING_NETWORK: self.accounting_network}
        return [(kind, name, who) for kind, name, who in self.aaa_references()
                if name not in defined[kind] and f"{kind} {name}" not in kept]

    def class_map_users(self, cmap_name: str) -> list[str]:
        """Class-maps and policy-maps that name class-map `cmap_name` directly."""
        users = [f"class-map {c.name}" for c in self.class_maps.values()
                 if any(m.kind == "class-map" and m.name == cmap_name for m in c.matches)]
        users += [f"policy-map {p.name}" for p in self.policy_maps.values() if p.get(cmap_name)]
        return users

    def policy_map_users(self, pmap_name: str) -> list[str]:
        """Policy-maps (as a child) and templates that name policy-map `pmap_name`."""
        users = [f"policy-map {p.name}" for p in self.policy_maps.values()
                 if any(c.service_policy == pmap_name for c in p.classes)]
        users += [f"interface {vt.name}" for vt in self.virtual_templates.values()
                  if pmap_name in (vt.service_policy_in, vt.service_policy_out)]
        return users

    def policy_queues(self, pmap_name: str, seen: tuple[str, ...] = ()) -> bool:
        """Whether policy-map `pmap_name`, or a child policy below it, has a queueing action: such a
        policy is output only."""
        pmap = self.policy_maps.get(pmap_name)
        if pmap is None or pmap_name in seen:
            return False
        return any(c.queues or (c.service_policy is not None
                                and self.policy_queues(c.service_policy, seen + (pmap_name,)))
                   for c in pmap.classes)

    def policy_ancestors(self, pmap_name: str) -> set[str]:
        """`pmap_name` and every policy-map that contains it as a child, at any depth."""
        found = {pmap_name}
        changed = True
        while changed:
            changed = False
            for p in self.policy_maps.values():
                if p.name not in found and any(c.service_policy in found for c in p.classes):
                    found.add(p.name)
                    changed = True
        return found
