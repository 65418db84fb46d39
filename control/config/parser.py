"""The IOS configuration parser: a config file (`parse_config`) or `configure terminal` line by line
(`ConfigSession`), both through one mode machine.

Modes nest as IOS's do (global > policy-map > class > police ...). A line is offered to the current
mode, then to its parents, as IOS falls back when a command is not one of the mode's own. In a file,
indentation (one space per level, as IOS writes it) closes modes, so lines of blocks the device keeps
but does not model (`interface GigabitEthernet1` and its lines, `crypto ikev2 keyring` ...) are
recognised by where they are; an unindented file still works through the fallback and `exit`.

References that IOS allows before their target exists in a file (a class-map used by a policy-map,
a child policy, a template's policy) are checked when the whole file has been read, and reported at
the referencing line. In `configure terminal` they must exist when typed, as on IOS.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..errors import ConfigError, ControlError
from . import model as M
from . import syntax as S
from .syntax import Bad, Cursor, Tok

# First words of global commands the device keeps verbatim (with their indented lines).
UNMODELED_COMMANDS = frozenset("""
    version service platform boot-start-marker boot-end-marker boot enable username ntp snmp-server
    snmp logging line router license vrf redundancy control-plane banner alias archive call-home
    cdp lldp clock crypto interface ipv6 key multilink memory mpls object-group route-map
    spanning-tree subscriber track transceiver diagnostic system tacacs tacacs-server radius
    radius-server privilege file login password security secure hw-module telemetry netconf-yang
    restconf event monitor flow parameter-map zone zone-pair template dot1x authentication mac
    errdisable vtp vlan port-channel table-map exception scheduler wsma cts sampler process
    identity access-session bfd bfd-template segment-routing voice dial-peer aaa class-map
    policy-map ip-sla udld power tftp-server sdwan utd ethernet cable auto cwmp domain
    """.split())
# Second words of `ip ...` global commands the device keeps verbatim.
UNMODELED_IP_COMMANDS = frozenset("""
    route domain domain-name forward-protocol http ssh local cef name-server scp tftp dhcp
    multicast-routing prefix-list sla nat flow-export ftp tcp routing icmp options host
    source-route subnet-zero classless radius finger bootp pim vrf community-list as-path
    bgp-community explicit-path rcmd default-gateway igmp wccp ddns dns inspect audit admission
    auth-proxy device nbar ips sftp accounting-threshold msdp multicast mroute rsvp telnet arp
    gratuitous-arps access-list extcommunity-list sla-responder flow flow-cache flow-top-talkers
    """.split())
# `configure terminal` prompts of the blocks kept verbatim, by command key.
BLOCK_PROMPTS = {
    "interface": "config-if", "line": "config-line", "router": "config-router",
    "crypto ikev2 keyring": "config-ikev2-keyring", "crypto ikev2 proposal": "config-ikev2-proposal",
    "crypto ikev2 policy": "config-ikev2-policy", "crypto ipsec transform-set": "cfg-crypto-trans",
    "crypto ipsec profile": "ipsec-profile", "crypto pki trustpoint": "ca-trustpoint",
    "ip vrf": "config-vrf", "vrf definition": "config-vrf", "radius server": "config-radius-server",
    "aaa group": "config-sg-radius", "control-plane": "config-cp", "redundancy": "config-red",
}
# Class lines the device keeps verbatim: queueing, which the fast path does not model.
QUEUEING_COMMANDS = frozenset(
    "shape bandwidth priority queue-limit fair-queue random-detect queue-buffers".split())
_KEEPS_LINES = ("vt", "ikev2", "block")    # modes that keep lines they do not model
HEADER_PREFIXES = ("Building configuration", "Current configuration")


class ConfigErrors(ControlError):
    """All the errors of a config that may not be loaded; str() is each of them in turn."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


@dataclass
class ParseResult:
    """A parsed config: its model, every error (lines skipped in lenient mode), the commands kept
    but not modeled (each once), and warnings (ACLs named but not defined, which IOS accepts)."""
    config: M.RunningConfig
    errors: list[ConfigError] = field(default_factory=list)
    unmodeled: list[str] = field(default_factory=list)
    warnings: list[ConfigError] = field(default_factory=list)


@dataclass
class Changes:
    """What a run of `configure terminal` lines touched, for the device to re-push: names of ACLs,
    class-maps, policy-maps and ikev2 profiles, template numbers, and the entries each ACL had
    before its first change (to carry ACE counters by sequence number)."""
    acls: set[str] = field(default_factory=set)
    class_maps: set[str] = field(default_factory=set)
    policy_maps: set[str] = field(default_factory=set)
    templates: set[int] = field(default_factory=set)
    ikev2_profiles: set[str] = field(default_factory=set)
    dynamic_author: bool = False
    hostname: bool = False
    old_acl_entries: dict[str, list[M.AclEntry]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.acls or self.class_maps or self.policy_maps or self.templates
                    or self.ikev2_profiles or self.dynamic_author or self.hostname)


@dataclass
class _Mode:
    """One level of the mode stack: its kind, the object it edits, and its prompt."""
    kind: str
    obj: object = None
    prompt: str = "config"


@dataclass
class _Line:
    text: str
    number: int
    tokens: list[Tok]
    indent: int


class _Machine:
    """The mode machine both APIs drive. `file_mode`: indentation closes modes, forward references
    are allowed (checked by resolve()), and a bad line's indented lines are skipped with it."""

    def __init__(self, config: M.RunningConfig, filename: str, file_mode: bool):
        self.config = config
        self.filename = filename
        self.file_mode = file_mode
        self.stack: list[_Mode] = []
        self.changes = Changes()
        # Where each reference was made, for errors found after the whole file: key -> (line, tok).
        self.refs: dict[tuple, tuple[_Line, Tok]] = {}
        self.line: _Line | None = None
        self.banner: tuple[M.Unmodeled, str] | None = None   # an open banner and its delimiter
        self.open_modes: list[_Mode] = []     # the stack when the current line arrived

    # ---- errors ----
    def error(self, tok: Tok | None, reason: str, line: _Line | None = None) -> ConfigError:
        line = line or self.line
        col = tok.col if tok is not None else line.indent
        return ConfigError(reason, filename=self.filename, line=line.number, column=col,
                           text=line.text.replace("\t", " "))

    # ---- one line ----
    def feed(self, raw: str, number: int) -> None:
        text = raw.rstrip("\r\n").rstrip()
        body = text.lstrip()
        if not body or body.startswith("!") or body.startswith(HEADER_PREFIXES):
            return
        line = _Line(text, number, S.tokenize(text), len(text) - len(body))
        self.line = line
        if self.file_mode and 0 < line.indent < len(self.stack):
            self.stack = self.stack[:line.indent]
        word = line.tokens[0].lower()
        if word == "end":
            self.stack = []
            return
        if word == "exit":
            self.stack = self.stack[:-1]
            return
        start = self.stack
        try:
            if self._dispatch(line):
                return
            raise Bad(line.tokens[0], f"unknown command '{line.tokens[0]}'")
        except Bad as bad:
            self.stack = start
            if self.file_mode:
                # The bad line's own sub-mode lines go with it, rather than each failing again.
                self.stack = start[:line.indent] + [_Mode("skip")]
            raise self.error(bad.tok, bad.reason) from None

    def _dispatch(self, line: _Line) -> bool:
        stack = self.open_modes = self.stack
        if self.file_mode and line.indent == 0:
            # A top-level line is global, unless global does not know it: then it is an unindented
            # sub-mode line, and IOS would still be in the modes opened before it.
            if self._offer(line, [], verbatim=False):
                return True
            return any(stack[depth - 1].kind not in ("block", "skip") and
                       self._offer(line, stack[:depth], verbatim=False, parents=False)
                       for depth in range(len(stack), 0, -1))
        if self.file_mode:
            return self._offer(line, stack, verbatim=True)
        # configure terminal: a mode's own commands, then its parents' (IOS's fallback); only
        # then is a line kept verbatim, by the innermost mode that keeps lines.
        return self._offer(line, stack, verbatim=False) or any(
            self._offer(line, stack[:depth], verbatim=True, parents=False)
            for depth in range(len(stack), 0, -1))

    def _offer(self, line: _Line, stack: list[_Mode], verbatim: bool, parents: bool = True) -> bool:
        """Offer the line to the innermost mode of `stack`, then (with `parents`) to each parent and
        global; the mode that takes it leaves the stack as it sets it."""
        saved = self.stack
        for depth in range(len(stack), -1 if parents else len(stack) - 1, -1):
            mode = stack[depth - 1] if depth else _Mode("global")
            self.stack = list(stack[:max(depth - 1, 0)])   # the mode re-pushes itself if it stays
            innermost = depth == len(stack)
            if getattr(self, "_mode_" + mode.kind.replace("-", "_"))(
                    mode, line, Cursor(line.tokens, 0, len(line.text)), verbatim and innermost):
                return True
        self.stack = saved
        return False

    def _push(self, kind: str, obj: object, prompt: str) -> None:
        self.stack.append(_Mode(kind, obj, prompt))

    def _ref(self, key: tuple, tok: Tok) -> None:
        self.refs[key] = (self.line, tok)

    # ---- change tracking ----
    def touch_acl(self, name: str) -> None:
        self.changes.acls.add(name)
        acl = self.config.access_lists.get(name)
        if name not in self.changes.old_acl_entries:
            self.changes.old_acl_entries[name] = copy.deepcopy(acl.entries) if acl else []

    def touch(self, kind: str, name) -> None:
        getattr(self.changes, kind).add(name)

    # ---- global ----
    def _mode_global(self, mode, line, cur, verbatim) -> bool:
        cfg = self.config
        word = cur.take("command").lower()
        if word == "hostname":
            name = cur.take("hostname")
            cur.finish()
            cfg.set_hostname(str(name), append=self.file_mode)
            self.changes.hostname = True
            return True
        if word == "aaa" and cur.take_if("new-model"):
            cur.finish()
            cfg.set_aaa_new_model(True, append=self.file_mode)
            return True
        if word == "aaa" and [t.lower() for t in line.tokens[1:]] == ["server", "radius", "dynamic-author"]:
            self.changes.dynamic_author = True
            self._push("da", cfg.ensure_dynamic_author(append=self.file_mode), "config-locsvr-da-radius")
            return True
        if word == "ip" and cur.peek() is not None and cur.peek().lower() == "access-list" and \
                cur.peek(1) is not None and cur.peek(1).lower() in ("extended", "standard"):
            cur.i += 1
            self._enter_acl(cur, cur.take("kind").lower() == "extended")
            return True
        if word == "access-list":
            self._numbered_acl_line(line, cur)
            return True
        if word == "class-map" and not (cur.peek() is not None and cur.peek().lower() == "type"):
            self._enter_class_map(cur)
            return True
        if word == "policy-map" and not (cur.peek() is not None and cur.peek().lower() == "type"):
            name = cur.take("policy-map name")
            cur.finish()
            pmap = cfg.policy_maps.get(name) or self._add(cfg.add_policy_map, M.PolicyMap(str(name)))
            self.touch("policy_maps", pmap.name)
            self._push("pmap", pmap, "config-pmap")
            return True
        if word == "interface" and self._enter_template(cur):
            return True
        if word == "crypto" and [t.lower() for t in line.tokens[1:3]] == ["ikev2", "profile"]:
            cur.i = 3
            name = cur.take("profile name")
            cur.finish()
            profile = cfg.ikev2_profiles.get(name) or self._add(cfg.add_ikev2_profile,
                                                                 M.Ikev2Profile(str(name)))
            self.touch("ikev2_profiles", profile.name)
            self._push("ikev2", profile, "config-ikev2-profile")
            return True
        if word == "no":
            return self._global_no(line, cur)
        if word in UNMODELED_COMMANDS or (word == "ip" and cur.peek() is not None
                                           and cur.peek().lower() in UNMODELED_IP_COMMANDS):
            self._open_block(line)
            return True
        return False

    def _add(self, adder, obj):
        return adder(obj, append=self.file_mode)

    def _open_block(self, line: _Line) -> None:
        """Keep a top-level command the device does not model, and take its indented lines."""
        header = line.text.strip()
        if line.tokens[0].lower() == "banner":
            block = self._banner_block(line)
        else:
            block = M.Unmodeled((header,))
            existing = None if self.file_mode else next(
                (b for b in self.config.unmodeled_blocks() if b.lines[0] == header), None)
            if existing is not None:
                block = existing
            else:
                self.config.add_unmodeled(block, append=self.file_mode)
        key = M.command_key(header)
        prompt = BLOCK_PROMPTS.get(key) or BLOCK_PROMPTS.get(key.split()[0], "config-" + key.split()[0])
        self._push("block", block, prompt)

    def _banner_block(self, line: _Line) -> M.Unmodeled:
        # A banner runs to its delimiter, which IOS prints as ^C; its lines are not indented.
        block = M.Unmodeled((line.text,))
        self.config.add_unmodeled(block, append=self.file_mode)
        if len(line.tokens) >= 3:
            delim = "^C" if line.tokens[2].startswith("^C") else line.tokens[2][0]
            if line.text[line.tokens[2].col + len(delim):].find(delim) < 0:
                self.banner = (block, delim)
        return block

    def _mode_block(self, mode, line, cur, verbatim) -> bool:
        if not verbatim:
            return False
        new = M.Unmodeled(mode.obj.lines + (line.text if self.file_mode else " " + line.text.strip(),))
        self.config.replace_unmodeled(mode.obj, new)
        mode.obj = new
        self.stack.append(mode)
        return True

    def _mode_skip(self, mode, line, cur, verbatim) -> bool:
        if verbatim:
            self.stack.append(mode)
        return verbatim

    # ---- no (global) ----
    def _global_no(self, line: _Line, cur: Cursor) -> bool:
        cfg = self.config
        words = [t.lower() for t in line.tokens[1:]]
        if words[:2] == ["ip", "access-list"] and len(words) >= 3 and words[2] in ("extended", "standard"):
            cur.i = 4
            name = cur.take("access-list name")
            cur.finish()
            self._delete_acl(str(name))
            return True
        if words[:1] == ["access-list"]:
            cur.i = 2
            name = cur.take("access-list number")
            cur.finish()
            self._delete_acl(str(name))
            return True
        if words[:1] == ["class-map"]:
            cur.i = 2
            cur.take_if("match-all", "match-any")
            name = cur.take("class-map name")
            cur.finish()
            users = cfg.class_map_users(name)
            if users:
                raise Bad(name, f"class-map '{name}' is used by {users[0]}")
            cfg.remove_class_map(str(name))
            self.touch("class_maps", str(name))
            return True
        if words[:1] == ["policy-map"]:
            cur.i = 2
            name = cur.take("policy-map name")
            cur.finish()
            users = cfg.policy_map_users(name)
            if users:
                raise Bad(name, f"policy-map '{name}' is used by {users[0]}")
            cfg.remove_policy_map(str(name))
            self.touch("policy_maps", str(name))
            return True
        if words[:1] == ["interface"]:
            cur.i = 2
            if self._is_template(cur):
                cur.i = 3
                number = self._template_number(cur)
                cfg.remove_virtual_template(number)
                self.touch("templates", number)
                return True
        if words[:3] == ["crypto", "ikev2", "profile"]:
            cur.i = 4
            name = cur.take("profile name")
            cur.finish()
            cfg.remove_ikev2_profile(str(name))
            self.touch("ikev2_profiles", str(name))
            return True
        if words == ["aaa", "server", "radius", "dynamic-author"]:
            cfg.remove_dynamic_author()
            self.changes.dynamic_author = True
            return True
        if words == ["aaa", "new-model"]:
            cfg.set_aaa_new_model(False, append=self.file_mode)
            return True
        if words == ["hostname"]:
            cfg.set_hostname("Router", append=self.file_mode)
            self.changes.hostname = True
            return True
        if not words:
            raise Bad(None, "command expected after 'no'")
        # `no` of anything else: undo a kept block typed earlier, or keep the line itself; but
        # in configure terminal an open interface or profile takes it first (`no ip mtu`).
        rest = line.text.strip()[2:].strip()
        if not self.file_mode and any(m.kind in _KEEPS_LINES for m in self.open_modes):
            return False
        if not self.file_mode:
            old = next((b for b in cfg.unmodeled_blocks() if b.lines[0] == rest), None)
            if old is not None:
                cfg.remove_unmodeled(old)
                return True
        self._open_block(line)
        return True

    def _delete_acl(self, name: str) -> None:
        if name in self.config.access_lists:
            self.touch_acl(name)
            self.config.remove_access_list(name)

    # ---- access lists ----
    def _acl(self, name: Tok, extended: bool) -> M.AccessList:
        kind = M.numbered_kind(name)
        want = "extended" if extended else "standard"
        if name.isdigit() and kind != want:
            raise Bad(name, f"bad {want} access-list number '{name}'")
        if not name.isdigit() and len(name) > M.T.NAME_MAX:
            raise Bad(name, f"access-list name '{name}' is longer than {M.T.NAME_MAX} characters")
        acl = self.config.access_lists.get(name)
        if acl is not None and acl.extended != extended:
            have = "extended" if acl.extended else "standard"
            raise Bad(name, f"access-list '{name}' is {have}, not {want}")
        return acl

    def _enter_acl(self, cur: Cursor, extended: bool) -> None:
        name = cur.take("access-list name")
        cur.finish()
        acl = self._acl(name, extended) or self._add(self.config.add_access_list,
                                                      M.AccessList(str(name), extended))
        self.touch_acl(acl.name)
        self._push("acl", acl, "config-ext-nacl" if extended else "config-std-nacl")

    def _numbered_acl_line(self, line: _Line, cur: Cursor) -> None:
        number = cur.take("access-list number")
        kind = M.numbered_kind(number)
        if kind is None:
            raise Bad(number, f"bad access-list number '{number}'")
        acl = self._acl(number, kind == "extended")
        if cur.take_if("remark"):
            entry = M.AclEntry(None, remark=cur.rest(line.text))
        else:
            entry = S.acl_entry(cur, kind == "extended", acl.next_seq() if acl else 10)
        if acl is None:
            acl = self._add(self.config.add_access_list, M.AccessList(str(number), kind == "extended"))
        self.touch_acl(acl.name)
        acl.insert(entry) if entry.ace is not None else acl.entries.append(entry)

    def _mode_acl(self, mode, line, cur, verbatim) -> bool:
        acl: M.AccessList = mode.obj
        first = cur.peek()
        word = first.lower()
        if word == "no":
            cur.i += 1
            return self._acl_no(acl, line, cur)
        seq = None
        if first.isdigit():
            seq = S.integer(cur.take("sequence number"), "sequence number", 1, 2147483647)
            if acl.entry(seq) is not None:
                raise Bad(first, f"duplicate sequence number {seq}")
        nxt = cur.peek()
        if nxt is not None and nxt.lower() == "remark":
            cur.i += 1
            entry = M.AclEntry(None, remark=cur.rest(line.text))
            self.touch_acl(acl.name)
            acl.entries.append(entry)
        elif nxt is not None and nxt.lower() in ("permit", "deny"):
            entry = S.acl_entry(cur, acl.extended, seq if seq is not None else acl.next_seq())
            self.touch_acl(acl.name)
            acl.insert(entry)
        elif seq is not None:
            raise Bad(nxt, "permit, deny or remark expected")
        else:
            return False
        self.stack.append(mode)
        return True

    def _acl_no(self, acl: M.AccessList, line: _Line, cur: Cursor) -> bool:
        tok = cur.take("sequence number, permit, deny or remark")
        if tok.isdigit():
            cur.finish()
            entry = acl.entry(int(tok))
            if entry is None:
                raise Bad(tok, f"no entry {tok} in access-list '{acl.name}'")
            doomed = entry
        elif tok.lower() == "remark":
            text = cur.rest(line.text)
            doomed = next((e for e in acl.entries if e.ace is None and e.remark == text), None)
        elif tok.lower() in ("permit", "deny"):
            cur.i -= 1
            probe = S.acl_entry(cur, acl.extended, 0)
            doomed = next((e for e in acl.aces() if (e.ace, e.log) == (probe.ace, probe.log)), None)
        else:
            return False
        if doomed is not None:
            self.touch_acl(acl.name)
            acl.entries.remove(doomed)
        self.stack.append(_Mode("acl", acl, self._acl_prompt(acl)))
        return True

    @staticmethod
    def _acl_prompt(acl: M.AccessList) -> str:
        return "config-ext-nacl" if acl.extended else "config-std-nacl"

    # ---- class-maps ----
    def _enter_class_map(self, cur: Cursor) -> None:
        kind = cur.take_if("match-all", "match-any")
        name = cur.take("class-map name")
        cur.finish()
        if name == M.CLASS_DEFAULT:
            raise Bad(name, "class-default is predefined")
        if len(name) > M.T.NAME_MAX:
            raise Bad(name, f"class-map name '{name}' is longer than {M.T.NAME_MAX} characters")
        cmap = self.config.class_maps.get(name)
        match_all = kind is None or kind.lower() == "match-all"
        if cmap is not None and kind is not None and cmap.match_all != match_all:
            have = "match-all" if cmap.match_all else "match-any"
            raise Bad(kind, f"class-map '{name}' is {have}")
        if cmap is None:
            cmap = self._add(self.config.add_class_map, M.ClassMap(str(name), match_all))
        self.touch("class_maps", cmap.name)
        self._push("cmap", cmap, "config-cmap")

    def _mode_cmap(self, mode, line, cur, verbatim) -> bool:
        cmap: M.ClassMap = mode.obj
        word = cur.take("command").lower()
        negate_no = word == "no"
        if negate_no:
            word = cur.take("command").lower()
        if word == "description":
            cmap.description = None if negate_no else cur.rest(line.text)
        elif word == "match":
            stmt = self._match(cur, cmap)
            if negate_no:
                if stmt in cmap.matches:
                    cmap.matches.remove(stmt)
            elif stmt not in cmap.matches:
                cmap.matches.append(stmt)
        else:
            return False
        self.touch("class_maps", cmap.name)
        self.stack.append(mode)
        return True

    def _match(self, cur: Cursor, cmap: M.ClassMap) -> M.MatchStatement:
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
            self._ref(("acl", "class-map", cmap.name, str(name)), name)
            return M.MatchStatement("access-group", negate, name=str(name))
        if word == "class-map":
            name = cur.take("class-map name")
            cur.finish()
            if name == cmap.name:
                raise Bad(name, f"class-map '{name}' cannot match itself")
            self._need_class_map(name, f"class-map '{cmap.name}'")
            if not self.file_mode:
                depth = _cmap_depth(self.config, name, (cmap.name,))
                if depth is None:
                    raise Bad(name, f"class-map '{cmap.name}' would match itself through '{name}'")
                if depth + 1 > M.T.CMAP_DEPTH_MAX:
                    raise Bad(name, f"class-map '{cmap.name}' would nest deeper than {M.T.CMAP_DEPTH_MAX}")
            self._ref(("cmap-cmap", cmap.name, str(name)), name)
            return M.MatchStatement("class-map", negate, name=str(name))
        if word == "not":
            raise Bad(tok, "match not not is not supported")
        raise Bad(tok, f"match '{tok}' is not supported by this model")

    def _need_class_map(self, name: Tok, where: str) -> None:
        if not self.file_mode and name not in self.config.class_maps:
            raise Bad(name, f"undefined class-map '{name}' in {where}")

    def _need_policy_map(self, name: Tok) -> None:
        if not self.file_mode and name not in self.config.policy_maps:
            raise Bad(name, f"undefined policy-map '{name}'")

    # ---- policy-maps ----
    def _mode_pmap(self, mode, line, cur, verbatim) -> bool:
        pmap: M.PolicyMap = mode.obj
        word = cur.take("command").lower()
        negate = word == "no"
        if negate:
            word = cur.take("command").lower()
        if word == "description":
            pmap.description = None if negate else cur.rest(line.text)
            self.stack.append(mode)
        elif word == "class":
            name = cur.take("class name")
            cur.finish()
            if negate:
                cls = pmap.get(name)
                if cls is not None:
                    pmap.classes.remove(cls)
                self.stack.append(mode)
            else:
                if name != M.CLASS_DEFAULT:
                    self._need_class_map(name, f"policy-map '{pmap.name}'")
                    self._ref(("pmap-class", pmap.name, str(name)), name)
                cls = pmap.get(name) or pmap.add(str(name))
                self.stack += [mode, _Mode("pmap-c", (pmap, cls), "config-pmap-c")]
        else:
            return False
        self.touch("policy_maps", pmap.name)
        return True

    def _mode_pmap_c(self, mode, line, cur, verbatim) -> bool:
        pmap, cls = mode.obj
        first = cur.take("command")
        word = first.lower()
        negate = word == "no"
        if negate:
            first = cur.take("command")
            word = first.lower()
        if word == "police":
            if negate:
                cls.police = None
            else:
                cls.police = S.police(cur)
                self.stack += [mode, _Mode("police", (pmap, cls), "config-pmap-c-police")]
                self.touch("policy_maps", pmap.name)
                return True
        elif word == "set":
            self._set(cur, cls, negate)
        elif word == "service-policy":
            if negate:
                cls.service_policy = None
            else:
                name = cur.take("policy-map name")
                cur.finish()
                if name == pmap.name:
                    raise Bad(name, f"policy-map '{name}' cannot be its own child")
                self._need_policy_map(name)
                if not self.file_mode:
                    depth = _pmap_depth(self.config, name, (pmap.name,))
                    if depth is None:
                        raise Bad(name, f"policy-map '{pmap.name}' would contain itself through '{name}'")
                    if depth + 1 > M.T.POLICY_DEPTH_MAX:
                        raise Bad(name, f"policy-map '{pmap.name}' would nest deeper than "
                                        f"{M.T.POLICY_DEPTH_MAX} levels")
                self._ref(("pmap-child", pmap.name, cls.name), name)
                cls.service_policy = str(name)
        elif word in QUEUEING_COMMANDS:
            text = " ".join(line.tokens[1:] if negate else line.tokens)
            if negate:
                cls.other_lines = [x for x in cls.other_lines if not x.startswith(text)]
            elif text not in cls.other_lines:
                cls.other_lines.append(text)
        else:
            return False
        self.touch("policy_maps", pmap.name)
        self.stack.append(mode)
        return True

    def _set(self, cur: Cursor, cls: M.PolicyClass, negate: bool) -> None:
        tok = cur.take("dscp or precedence")
        if tok.lower() == "ip" and cur.peek() is not None:
            tok = cur.take("dscp or precedence")
        word = tok.lower()
        if word not in ("dscp", "precedence"):
            raise Bad(tok, f"set '{tok}' is not supported by this model")
        if negate:
            setattr(cls, "set_" + word, None)
            return
        value_tok = cur.take(word)
        value = S.dscp(value_tok) if word == "dscp" else S.precedence(value_tok)
        cur.finish()
        other = "precedence" if word == "dscp" else "dscp"
        if getattr(cls, "set_" + other) is not None:
            raise Bad(tok, f"set {word} conflicts with set {other} in class '{cls.name}'")
        setattr(cls, "set_" + word, value)

    def _mode_police(self, mode, line, cur, verbatim) -> bool:
        pmap, cls = mode.obj
        first = cur.take("action")
        negate = first.lower() == "no"
        colour = cur.take("action") if negate else first
        if colour.lower() not in S.COLOURS:
            return False
        attr = colour.lower().split("-")[0]
        action = None if negate else S.police_action(cur, colour)
        cur.finish()
        police = cls.police
        setattr(police, attr, action)
        police.inline_actions = False
        self.touch("policy_maps", pmap.name)
        self.stack.append(mode)
        return True

    # ---- interface Virtual-Template N type tunnel ----
    @staticmethod
    def _is_template(cur: Cursor) -> bool:
        tok = cur.peek()
        return tok is not None and tok.lower().startswith("virtual-template")

    def _template_number(self, cur: Cursor) -> int:
        """`Virtual-TemplateN` or `Virtual-Template N`, then `type tunnel`; None if not a tunnel."""
        tok = cur.tokens[cur.i - 1]
        digits = tok[len("virtual-template"):]
        number_tok = Tok(digits, tok.col + len("virtual-template")) if digits else cur.take("number")
        number = S.integer(number_tok, "Virtual-Template number", 1, 4095)
        if cur.take_if("type"):
            kind = cur.take("interface type")
            if kind.lower() != "tunnel":
                raise Bad(kind, f"Virtual-Template type '{kind}' is not modeled (only tunnel)")
        cur.finish()
        return number

    def _enter_template(self, cur: Cursor) -> bool:
        if not self._is_template(cur):
            return False
        words = [t.lower() for t in cur.tokens]
        if words[-2:] != ["type", "tunnel"]:
            return False       # a PPP template: kept verbatim, not cloned by IKEv2
        cur.i += 1
        number = self._template_number(cur)
        vt = self.config.virtual_templates.get(number) or self._add(
            self.config.add_virtual_template, M.VirtualTemplate(number))
        self.touch("templates", number)
        self._push("vt", vt, "config-if")
        return True

    def _mode_vt(self, mode, line, cur, verbatim) -> bool:
        vt: M.VirtualTemplate = mode.obj
        words = [t.lower() for t in line.tokens]
        negate = words[0] == "no"
        if negate:
            words = words[1:]
            cur.i = 1
        if words[:1] == ["service-policy"] and len(words) >= 2 and words[1] in ("input", "output"):
            cur.i += 1
            direction = cur.take("direction").lower()
            attr = "service_policy_in" if direction == "input" else "service_policy_out"
            if negate:
                cur.i += 1    # the name, if given, need not match (IOS removes the one there)
                cur.finish()
                setattr(vt, attr, None)
            else:
                name = cur.take("policy-map name")
                cur.finish()
                self._need_policy_map(name)
                self._ref(("vt-policy", vt.number, direction), name)
                setattr(vt, attr, str(name))
        elif words[:2] == ["ip", "access-group"]:
            cur.i += 2
            name = cur.take("access-list name")
            if negate and name.lower() in ("in", "out"):
                direction = name
            else:
                direction = cur.take("in or out")
            if direction.lower() not in ("in", "out"):
                raise Bad(direction, f"'{direction}' is not in or out")
            cur.finish()
            attr = "access_group_in" if direction.lower() == "in" else "access_group_out"
            if negate:
                setattr(vt, attr, None)
            else:
                self._ref(("acl", "interface", vt.name, str(name)), name)
                setattr(vt, attr, str(name))
        elif verbatim:
            text = line.text[1:] if self.file_mode and line.indent else line.text.strip()
            self._other_line(vt.other_lines, text, negate)
        else:
            return False
        self.touch("templates", vt.number)
        self.stack.append(mode)
        return True

    def _other_line(self, lines: list[str], text: str, negate: bool) -> None:
        """Keep a verbatim line of a modeled object; in `configure terminal`, `no X` removes the
        lines that start with X (IOS's usual meaning) when there are any."""
        if not self.file_mode and negate:
            rest = text.strip()[2:].strip()
            kept = [x for x in lines if not x.strip().startswith(rest)]
            if len(kept) < len(lines):
                lines[:] = kept
                return
        if self.file_mode or text not in lines:
            lines.append(text)

    # ---- crypto ikev2 profile ----
    def _mode_ikev2(self, mode, line, cur, verbatim) -> bool:
        profile: M.Ikev2Profile = mode.obj
        words = [t.lower() for t in line.tokens]
        negate = words[0] == "no"
        if words[negate:negate + 1] == ["virtual-template"]:
            cur.i = negate + 1
            if negate:
                profile.virtual_template = None
            else:
                number = cur.take("Virtual-Template number")
                cur.finish()
                profile.virtual_template = S.integer(number, "Virtual-Template number", 1, 4095)
                self._ref(("profile-vt", profile.name), number)
        elif verbatim:
            text = line.text[1:] if self.file_mode and line.indent else line.text.strip()
            self._other_line(profile.other_lines, text, negate)
        else:
            return False
        self.touch("ikev2_profiles", profile.name)
        self.stack.append(mode)
        return True

    # ---- aaa server radius dynamic-author ----
    def _mode_da(self, mode, line, cur, verbatim) -> bool:
        da: M.DynamicAuthor = mode.obj
        word = cur.take("command").lower()
        negate = word == "no"
        if negate:
            word = cur.take("command").lower()
        if word == "client":
            addr = cur.take("client address")
            if S.looks_like_address(addr) or addr[:1].isdigit():
                S.address(addr)     # a name may not start with a digit, so 10.1.1 is a bad address
            if negate:
                da.clients = [c for c in da.clients if c.address != addr]
            else:
                vrf = str(cur.take("vrf name")) if cur.take_if("vrf") else None
                key = S.secret(cur) if cur.take_if("server-key") else None
                cur.finish()
                client = M.DynamicAuthorClient(str(addr), vrf, key)
                old = da.client(addr)
                if old is not None:
                    da.clients[da.clients.index(old)] = client
                else:
                    da.clients.append(client)
        elif word == "server-key":
            da.server_key = None if negate else S.secret(cur)
            cur.finish()
        elif word == "port":
            if negate:
                da.port = None
            else:
                da.port = S.integer(cur.take("port"), "port", 1, 65535)
            cur.finish()
        elif word == "auth-type":
            if negate:
                da.auth_type = None
            else:
                kind = cur.take("auth-type")
                if kind.lower() not in ("any", "all", "session-key"):
                    raise Bad(kind, f"bad auth-type '{kind}' (any, all or session-key)")
                da.auth_type = kind.lower()
            cur.finish()
        elif word == "ignore":
            what = cur.take("session-key or server-key")
            if what.lower() not in ("session-key", "server-key"):
                raise Bad(what, f"bad ignore '{what}' (session-key or server-key)")
            cur.finish()
            setattr(da, "ignore_" + what.lower().replace("-", "_"), not negate)
        elif word == "require":
            what = cur.take("message-authenticator")
            if what.lower() != "message-authenticator":
                raise Bad(what, f"bad require '{what}' (message-authenticator)")
            cur.finish()
            da.require_message_authenticator = not negate
        else:
            return False
        self.changes.dynamic_author = True
        self.stack.append(mode)
        return True

    # ---- after the whole file ----
    def resolve(self) -> tuple[list[ConfigError], list[ConfigError]]:
        """Check the references a file may make forward; each bad one is an error at its line and
        is dropped from the model (as a skipped line would be). Returns (errors, warnings)."""
        cfg = self.config
        errors, warnings = [], []

        def at(key, reason):
            line, tok = self.refs[key]
            return self.error(tok, reason, line)

        for cmap in cfg.class_maps.values():
            for m in list(cmap.matches):
                if m.kind == "class-map" and m.name not in cfg.class_maps:
                    errors.append(at(("cmap-cmap", cmap.name, m.name),
                                     f"undefined class-map '{m.name}' in class-map '{cmap.name}'"))
                    cmap.matches.remove(m)
        for cmap in cfg.class_maps.values():
            for m in list(cmap.matches):
                if m.kind == "class-map" and _cmap_depth(cfg, m.name, (cmap.name,)) is None:
                    errors.append(at(("cmap-cmap", cmap.name, m.name),
                                     f"class-map '{cmap.name}' matches itself through '{m.name}'"))
                    cmap.matches.remove(m)
        for cmap in cfg.class_maps.values():
            if _cmap_depth(cfg, cmap.name, ()) > M.T.CMAP_DEPTH_MAX:
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
                depth = _pmap_depth(cfg, cls.service_policy, (pmap.name,))
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
            if key in self.refs:
                warnings.append(at(key, f"access-list '{name}' is not defined ({who} names it)"))
        for profile in cfg.ikev2_profiles.values():
            n = profile.virtual_template
            if n is not None and n not in cfg.virtual_templates and ("profile-vt", profile.name) in self.refs:
                warnings.append(at(("profile-vt", profile.name),
                                   f"interface Virtual-Template{n} is not defined"))
        errors.sort(key=lambda e: e.line)
        return errors, warnings


def _cmap_depth(cfg: M.RunningConfig, name: str, path: tuple[str, ...]) -> int | None:
    """How deep class-map `name` nests (1: no `match class-map`); None if it reaches `path`."""
    if name in path:
        return None
    cmap = cfg.class_maps.get(name)
    if cmap is None:
        return 1
    depths = [_cmap_depth(cfg, m.name, path + (name,)) for m in cmap.matches if m.kind == "class-map"]
    if None in depths:
        return None
    return 1 + max(depths, default=0)


def _pmap_depth(cfg: M.RunningConfig, name: str, path: tuple[str, ...]) -> int | None:
    if name in path:
        return None
    pmap = cfg.policy_maps.get(name)
    if pmap is None:
        return 1
    depths = [_pmap_depth(cfg, c.service_policy, path + (name,)) for c in pmap.classes if c.service_policy]
    if None in depths:
        return None
    return 1 + max(depths, default=0)


def parse_config(text: str, filename: str = "<config>", *, lenient: bool = False) -> ParseResult:
    """Parse a whole configuration. Every error is collected; unless `lenient`, any error raises
    ConfigErrors with all of them. In lenient mode the bad lines are left out and listed in
    `.errors` (the caller should print them loudly)."""
    machine = _Machine(M.RunningConfig(), filename, file_mode=True)
    errors: list[ConfigError] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if machine.banner is not None:
            block, delim = machine.banner
            new = M.Unmodeled(block.lines + (raw.rstrip("\r\n"),))
            machine.config.replace_unmodeled(block, new)
            machine.banner = None if delim in raw else (new, delim)
            continue
        try:
            machine.feed(raw, number)
        except ConfigError as e:
            errors.append(e)
    resolve_errors, warnings = machine.resolve()
    errors = sorted(errors + resolve_errors, key=lambda e: e.line)
    if errors and not lenient:
        raise ConfigErrors(errors)
    return ParseResult(machine.config, errors, machine.config.unmodeled_commands(), warnings)


class ConfigSession:
    """`configure terminal` on a running configuration: feed it lines one at a time.

    A line that fails raises ConfigError and leaves the configuration as it was before the line.
    `changes` accumulates what was touched; `take_changes()` hands it over and starts afresh."""

    def __init__(self, config: M.RunningConfig, filename: str = "<terminal>"):
        self.config = config
        self._machine = _Machine(config, filename, file_mode=False)
        self._lines = 0
        self.ended = False

    @property
    def mode(self) -> str:
        """IOS's name of the current mode: "config", "config-ext-nacl", "config-pmap-c" ..."""
        stack = self._machine.stack
        return stack[-1].prompt if stack else "config"

    @property
    def prompt_suffix(self) -> str:
        return f"({self.mode})"

    @property
    def changes(self) -> Changes:
        return self._machine.changes

    def take_changes(self) -> Changes:
        changes, self._machine.changes = self._machine.changes, Changes()
        return changes

    def feed(self, line: str) -> None:
        self._lines += 1
        if line.strip().lower() == "end":
            self._machine.stack = []
            self.ended = True
            return
        if line.strip().lower() == "exit" and not self._machine.stack:
            self.ended = True
            return
        m = self._machine
        snapshot = copy.deepcopy((self.config.__dict__, m.stack, m.changes))
        try:
            m.feed(line.strip(), self._lines)
        except ConfigError:
            # Roll back whatever the line did, keeping the config object the device holds.
            state, m.stack, m.changes = snapshot
            self.config.__dict__.update(state)
            raise
