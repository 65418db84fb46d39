"""`show aaa servers`, `show aaa sessions` and `show aaa user all`: text from the dicts described here.

Pure formatting: each `render_xxx` takes plain dicts (built by the RADIUS client and its statistics)
and returns IOS XE's text. Nothing here reads the device. The layouts are real routers' outputs,
kept in tests/golden/ios-xe/ (see its README for where each came from).

## `render_aaa_servers(servers)` — a list of server dicts, in the order IOS lists them (by id)

The layout is an IOS XE router's (CSR1000v; an IOS XE router with two servers), not a wireless
controller's: no `Platform State from SMD/WNCD` lines, no `Dot1x`/`MAC auth` transaction blocks.
Every line below is printed from one key; durations are whole seconds. A server dict:

    {
      "id": 1, "priority": 1,               # RADIUS: id 1, priority 1,
      "host": "192.0.2.10",                 #   host 192.0.2.10,
      "auth_port": 1812, "acct_port": 1813, #   auth-port 1812, acct-port 1813
      "hostname": None,                     #   `, hostname NAME` at the end of that line, only when
                                            #   a str: later releases print the `radius server NAME`
                                            #   there; the router goldens' releases print nothing
      "state": {"current": "UP",            # State: current UP|DEAD,
                "duration_s": 8,            #   duration 8s,
                "previous_duration_s": 0},  #   previous duration 0s
      "dead": {"total_time_s": 0,           # Dead: total time 0s,
               "count": 3},                 #   count 3
      "quarantined": False,                 # Quarantined: No|Yes
      "authen": AUTH_COUNTERS,              # Authen: ... (the block below)
      "author": AUTH_COUNTERS,              # Author: ...
      "account": ACCT_COUNTERS,             # Account: ...
      "elapsed_s": 0,                       # Elapsed time since counters last cleared: 0m
                                            #   (IOS's `3w4d1h39m`: from the first non-zero unit
                                            #   down to minutes, seconds dropped; `0m` under a minute)
      "outstanding_access": 1,              # Estimated Outstanding Access Transactions: 1
      "outstanding_accounting": 0,          # Estimated Outstanding Accounting Transactions: 0
      "throttled_access": 0,                # Estimated Throttled Access Transactions: 0
      "throttled_accounting": 0,            # Estimated Throttled Accounting Transactions: 0
      "max_throttled_access": 0,            # Maximum Throttled Transactions: access 0,
      "max_throttled_accounting": 0,        #   accounting 0
      "consecutive_response_failures": None,  # None: the block is not printed (the router goldens'
      "consecutive_timeouts": None,           #   releases print neither); else CONSECUTIVE, below
      "requests_per_minute": {              # Requests per minute past 24 hours:
          "high": {"ago_min": 1, "count": 1},  #   high - 0 hours, 1 minutes ago: 1
          "low": {"ago_min": 1, "count": 1},   #   low  - 0 hours, 1 minutes ago: 1
          "average": 1},                       #   average: 1
    }

AUTH_COUNTERS (authen and author alike):

    {"request": 3, "timeouts": 3, "failover": 0, "retransmission": 3,
                                            # Authen: request 3, timeouts 3, failover 0, retransmission 3
     "accept": 0, "reject": 0, "challenge": 0,
                                            #   Response: accept 0, reject 0, challenge 0
     "unexpected": 0, "server_error": 0, "incorrect": 0, "time_ms": 0,
                                            #   Response: unexpected 0, server error 0, incorrect 0, time 0ms
     "success": 0, "failure": 0,            #   Transaction: success 0, failure 0
     "throttled_transaction": 0, "throttled_timeout": 0, "throttled_failure": 0,
                                            #   Throttled: transaction 0, timeout 0, failure 0
     "malformed_responses": None,           #   Malformed responses: N   (only when an int)
     "bad_authenticators": None}            #   Bad authenticators: N    (only when an int)

ACCT_COUNTERS: the same keys but accept/reject/challenge, and between the first line and the
`unexpected` line

    {"request_start": 0, "request_interim": 0, "request_stop": 0,
                                            #   Request: start 0, interim 0, stop 0
     "response_start": 0, "response_interim": 0, "response_stop": 0}
                                            #   Response: start 0, interim 0, stop 0

CONSECUTIVE (the 17.x layout, as a wireless controller prints it; when given, both blocks follow
the `Maximum Throttled Transactions` line):

    {"total": 5,                            # Consecutive Response Failures: total 5
     "platforms": [{"name": "IOSD", "max": 0, "current": 0, "total": 0}]}
                                            #   IOSD Platform : max 0, current 0 total 0

A platform line is `NAME Platform : ...`, except WNCD's, which IOS prints `WNCD Platform: ...`.

Lines the model has no numbers for (throttling, server error, incorrect, quarantine) are still
printed, as a router prints them: the dict carries 0 / False for them. `zero_server(...)` builds a
server with every counter 0 (a configured server that has seen no traffic). Release-dependent lines
(hostname, Malformed responses, Bad authenticators, the Consecutive blocks) are printed only when
their key holds a value, so the dict decides which release's layout is shown; the real router
outputs in tests/golden/ios-xe/ have none of them. Output: a blank line before each server block
and one after the last, as the router prints it.

## `render_aaa_sessions(sessions, total_since_reload=None)`

The layout of genieparser's real `show aaa sessions` sample. A session dict:

    {"session_id": 4003,                    # Session Id: 4003
     "unique_id": 13,                       #    Unique Id: 13
     "username": None,                      #    User Name: *not available*  (None), else the name
     "ip": "0.0.0.0",                       #    IP Address: 0.0.0.0
     "idle_time": 0,                        #    Idle Time: 0  (IOS prints a bare number)
     "ct_call_handle": 0}                   #    CT Call Handle: 0

`total_since_reload` is the `Total sessions since last reload: N` count (sessions ever created,
not those listed); it defaults to the number listed.

## `render_aaa_user_all(users)`

The layout of genieparser's real `show aaa user all` sample (an IOS XE 17.x device, a vty login
session); no real output for an IKEv2/IPsec session was found, so the same layout carries ours:
the caller puts its records under the types IOS would, and `audit-session-id` (like any other
attribute) as an ATTRIBUTE line in an attribute list. The banner (`Show AAA USER ALL` between two
rows of `=`) is printed because the only real sample has it. A user dict:

    {"unique_id": 13,                       # Unique id 13 is currently in use.
     "records": {"NET": RECORD},            # per-type data, by IOS's type name; every type of
                                            #   RECORD_TYPES without a record prints
                                            #   `No data for type T`, in that order
     "accounting": {
         "log": 0x18001,                    #   log=0x18001
         "events": ["CALL START"],          #   Events recorded : one line each
         "update_methods": [],              #   update method(s) : one line each, NONE when empty
         "update_interval": 0,              #   update interval = 0
         "outstanding_stop_records": 0,     #   Outstanding Stop Records : 0
         "dynamic_attributes": [ATTRIBUTE]},#   Dynamic attribute list: one line each
     "interface": {
         "tty_num": 0, "stop_received": 0,  #   TTY Num = 0 / Stop Received = 0
         "start_bytes_in": 0, "start_bytes_out": 0, "start_paks_in": 0, "start_paks_out": 0,
         "pre_bytes_in": 0, "pre_bytes_out": 0, "pre_paks_in": 0, "pre_paks_out": 0,
         "bytes_in": 0, "bytes_out": 0, "paks_in": 0, "paks_out": 0,
         "start_time": "11:47:09 UTC Aug 1 2021",  # StartTime = ..., as IOS writes a date
         "component": "Exec"},              #   Component = Exec
     "authen": {"service": "LOGIN", "type": "ASCII", "method": "LOCAL"},
                                            # Authen: service=LOGIN type=ASCII method=LOCAL
     "general_attributes": [ATTRIBUTE]}     # General: (Unique Id, Session Id) Attribute List:

    RECORD = {"username": None,             #   NET: Username=(n/a)  (None), else the name
              "session_id": 0xFA3,          #     Session Id=00000FA3 Unique Id=0000000D (the user's)
              "start_sent": 0, "stop_only": False,   # Start Sent=0 Stop Only=N
              "stop_has_been_sent": False,  #     stop_has_been_sent=N
              "method_list": 0,             #     Method List=0
              "attributes": [ATTRIBUTE]}    #     Attribute list: one line each

    ATTRIBUTE = {"address": 0x7F0DC20E8250, "tag": 0, "flags": 0x1, "name": "session-id",
                 "attr_id": 408, "length": 4, "value": 4003}
                 # 7F0DC20E8250 0 00000001 session-id(408) 4 4003(FA3)
                 # address: 12 hex digits; tag: the second column (0 in every sample; its meaning
                 # is not documented); flags: 8 hex digits; an int value prints `dec(HEX)`, a str
                 # value as it is.

The general block's Session Id is the first record's; with no record it prints 00000000.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

RECORD_TYPES = ("0", "EXEC", "CONN", "NET", "CMD", "SYSTEM", "VRRS", "RM CALL", "RM VPDN",
                "AUTH PROXY", "DOT1X", "CALL", "VPDN-TUNNEL", "VPDN-TUNNEL-LINK", "IPSEC-TUNNEL",
                "MCAST", "RESOURCE", "SSG", "IDENTITY", "ConnectedApps")

_IND = " " * 5
_SUB = " " * 13


# ---- show aaa servers -------------------------------------------------------------------------

def _auth_counters() -> dict:
    return {"request": 0, "timeouts": 0, "failover": 0, "retransmission": 0,
            "accept": 0, "reject": 0, "challenge": 0,
            "unexpected": 0, "server_error": 0, "incorrect": 0, "time_ms": 0,
            "success": 0, "failure": 0,
            "throttled_transaction": 0, "throttled_timeout": 0, "throttled_failure": 0,
            "malformed_responses": None, "bad_authenticators": None}


def _acct_counters() -> dict:
    counters = _auth_counters()
    for key in ("accept", "reject", "challenge"):
        del counters[key]
    counters.update({"request_start": 0, "request_interim": 0, "request_stop": 0,
                     "response_start": 0, "response_interim": 0, "response_stop": 0})
    return counters


def zero_server(server_id: int, priority: int, host: str, auth_port: int = 1812,
                acct_port: int = 1813, hostname: str | None = None) -> dict:
    """A configured server that has seen no traffic: UP since 0 s, every counter 0."""
    return {"id": server_id, "priority": priority, "host": host,
            "auth_port": auth_port, "acct_port": acct_port, "hostname": hostname,
            "state": {"current": "UP", "duration_s": 0, "previous_duration_s": 0},
            "dead": {"total_time_s": 0, "count": 0}, "quarantined": False,
            "authen": _auth_counters(), "author": _auth_counters(), "account": _acct_counters(),
            "elapsed_s": 0, "outstanding_access": 0, "outstanding_accounting": 0,
            "throttled_access": 0, "throttled_accounting": 0,
            "max_throttled_access": 0, "max_throttled_accounting": 0,
            "consecutive_response_failures": None, "consecutive_timeouts": None,
            "requests_per_minute": {"high": {"ago_min": 0, "count": 0},
                                    "low": {"ago_min": 0, "count": 0}, "average": 0}}


def format_elapsed(seconds: int) -> str:
    """`Elapsed time since counters last cleared`: `3w4d1h39m`, `2h9m`, `0m`."""
    minutes = seconds // 60
    weeks, rest = divmod(minutes, 7 * 24 * 60)
    days, rest = divmod(rest, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = ""
    for value, unit in ((weeks, "w"), (days, "d"), (hours, "h")):
        if value or text:
            text += f"{value}{unit}"
    return f"{text}{mins}m"


def _counter_block(label: str, c: dict, accounting: bool) -> list[str]:
    lines = [f"{_IND}{label}: request {c['request']}, timeouts {c['timeouts']}, "
             f"failover {c['failover']}, retransmission {c['retransmission']}"]
    if accounting:
        lines += [f"{_SUB}Request: start {c['request_start']}, interim {c['request_interim']}, "
                  f"stop {c['request_stop']}",
                  f"{_SUB}Response: start {c['response_start']}, interim {c['response_interim']}, "
                  f"stop {c['response_stop']}"]
    else:
        lines.append(f"{_SUB}Response: accept {c['accept']}, reject {c['reject']}, "
                     f"challenge {c['challenge']}")
    lines += [f"{_SUB}Response: unexpected {c['unexpected']}, server error {c['server_error']}, "
              f"incorrect {c['incorrect']}, time {c['time_ms']}ms",
              f"{_SUB}Transaction: success {c['success']}, failure {c['failure']}",
              f"{_SUB}Throttled: transaction {c['throttled_transaction']}, "
              f"timeout {c['throttled_timeout']}, failure {c['throttled_failure']}"]
    if c["malformed_responses"] is not None:
        lines.append(f"{_SUB}Malformed responses: {c['malformed_responses']}")
    if c["bad_authenticators"] is not None:
        lines.append(f"{_SUB}Bad authenticators: {c['bad_authenticators']}")
    return lines


def _consecutive(label: str, block: dict | None) -> list[str]:
    if block is None:
        return []
    lines = [f"{_IND}Consecutive {label}: total {block['total']}"]
    for p in block["platforms"]:
        head = "WNCD Platform:" if p["name"] == "WNCD" else f"{p['name']} Platform :"
        lines.append(f"{_SUB}{head} max {p['max']}, current {p['current']} total {p['total']}")
    return lines


def _ago(level: str, entry: dict) -> str:
    hours, minutes = divmod(entry["ago_min"], 60)
    return f"{_SUB}{level:<4} - {hours} hours, {minutes} minutes ago: {entry['count']}"


def _server_lines(s: dict) -> list[str]:
    head = (f"RADIUS: id {s['id']}, priority {s['priority']}, host {s['host']}, "
            f"auth-port {s['auth_port']}, acct-port {s['acct_port']}")
    if s["hostname"] is not None:
        head += f", hostname {s['hostname']}"
    state, dead = s["state"], s["dead"]
    lines = [head,
             f"{_IND}State: current {state['current']}, duration {state['duration_s']}s, "
             f"previous duration {state['previous_duration_s']}s",
             f"{_IND}Dead: total time {dead['total_time_s']}s, count {dead['count']}",
             f"{_IND}Quarantined: {'Yes' if s['quarantined'] else 'No'}"]
    lines += _counter_block("Authen", s["authen"], accounting=False)
    lines += _counter_block("Author", s["author"], accounting=False)
    lines += _counter_block("Account", s["account"], accounting=True)
    lines += [f"{_IND}Elapsed time since counters last cleared: {format_elapsed(s['elapsed_s'])}",
              f"{_IND}Estimated Outstanding Access Transactions: {s['outstanding_access']}",
              f"{_IND}Estimated Outstanding Accounting Transactions: {s['outstanding_accounting']}",
              f"{_IND}Estimated Throttled Access Transactions: {s['throttled_access']}",
              f"{_IND}Estimated Throttled Accounting Transactions: {s['throttled_accounting']}",
              f"{_IND}Maximum Throttled Transactions: access {s['max_throttled_access']}, "
              f"accounting {s['max_throttled_accounting']}"]
    lines += _consecutive("Response Failures", s["consecutive_response_failures"])
    lines += _consecutive("Timeouts", s["consecutive_timeouts"])
    rpm = s["requests_per_minute"]
    lines += [f"{_IND}Requests per minute past 24 hours:",
              _ago("high", rpm["high"]), _ago("low", rpm["low"]),
              f"{_SUB}average: {rpm['average']}"]
    return lines


def render_aaa_servers(servers: Sequence[dict]) -> str:
    lines: list[str] = []
    for server in servers:
        lines.append("")
        lines += _server_lines(server)
    return "\n".join(lines) + "\n\n" if lines else "\n"


# ---- show aaa sessions ------------------------------------------------------------------------

def render_aaa_sessions(sessions: Sequence[dict], total_since_reload: int | None = None) -> str:
    total = len(sessions) if total_since_reload is None else total_since_reload
    lines = [f"Total sessions since last reload: {total}"]
    for s in sessions:
        name = "*not available*" if s["username"] is None else s["username"]
        lines += [f"Session Id: {s['session_id']}",
                  f"   Unique Id: {s['unique_id']}",
                  f"   User Name: {name}",
                  f"   IP Address: {s['ip']}",
                  f"   Idle Time: {s['idle_time']}",
                  f"   CT Call Handle: {s['ct_call_handle']}"]
    return "\n".join(lines) + "\n"


# ---- show aaa user all ------------------------------------------------------------------------

USER_ALL_BANNER = ("=" * 58, " " * 12 + "Show AAA USER ALL", "=" * 58)


def format_attribute(a: dict) -> str:
    value = a["value"]
    shown = f"{value}({value:X})" if isinstance(value, int) else value
    return (f"{a['address']:012X} {a['tag']} {a['flags']:08X} {a['name']}({a['attr_id']}) "
            f"{a['length']} {shown}")


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _record_lines(kind: str, r: dict, unique_id: int) -> list[str]:
    name = "(n/a)" if r["username"] is None else r["username"]
    return ([f"  {kind}: Username={name}",
             f"    Session Id={r['session_id']:08X} Unique Id={unique_id:08X}",
             f"    Start Sent={r['start_sent']} Stop Only={_yn(r['stop_only'])}",
             f"    stop_has_been_sent={_yn(r['stop_has_been_sent'])}",
             f"    Method List={r['method_list']}",
             "    Attribute list:"]
            + [f"      {format_attribute(a)}" for a in r["attributes"]]
            + ["--------"])


def _counts(prefix: str, left: str, right: str, i: dict, key: str) -> str:
    # IOS pads each value: 14 columns after `In = `, 10 after `Out = ` (trailing blanks included).
    return (f"    {prefix}{left} In = {i[key + '_in']:<14}"
            f"{prefix}{right} Out = {i[key + '_out']:<10}")


def _user_lines(u: dict) -> list[str]:
    unknown = set(u["records"]) - set(RECORD_TYPES)
    if unknown:
        raise ValueError(f"not an IOS AAA record type: {sorted(unknown)}")
    lines = ["-" * 50, f"Unique id {u['unique_id']} is currently in use."]
    for kind in RECORD_TYPES:
        record = u["records"].get(kind)
        if record is None:
            lines.append(f"  No data for type {kind}")
        else:
            lines += _record_lines(kind, record, u["unique_id"])
    acct = u["accounting"]
    lines += ["Accounting:", f"  log=0x{acct['log']:X}", "  Events recorded :"]
    lines += [f"    {event}" for event in acct["events"]]
    lines.append("  update method(s) :")
    lines += [f"    {method}" for method in acct["update_methods"] or ["NONE"]]
    lines += [f"  update interval = {acct['update_interval']}",
              f"  Outstanding Stop Records : {acct['outstanding_stop_records']}",
              "  Dynamic attribute list:"]
    lines += [f"    {format_attribute(a)}" for a in acct["dynamic_attributes"]]
    i = u["interface"]
    lines += ["Debg: No data available", "Radi: No data available", "Interface:",
              f"  TTY Num = {i['tty_num']}", f"  Stop Received = {i['stop_received']}",
              "  Byte/Packet Counts till Call Start:",
              _counts("Start ", "Bytes", "Bytes", i, "start_bytes"),
              _counts("Start ", "Paks ", "Paks ", i, "start_paks"),
              "  Byte/Packet Counts till Service Up:",
              _counts("Pre ", "Bytes", "Bytes", i, "pre_bytes"),
              _counts("Pre ", "Paks ", "Paks ", i, "pre_paks"),
              "  Cumulative Byte/Packet Counts :",
              _counts("", "Bytes", "Bytes", i, "bytes"),
              _counts("", "Paks ", "Paks ", i, "paks"),
              f"  StartTime = {i['start_time']}", f"  Component = {i['component']}"]
    a = u["authen"]
    first = next(iter(u["records"].values()), None)
    session_id = first["session_id"] if first is not None else 0
    lines += [f"Authen: service={a['service']} type={a['type']} method={a['method']}",
              "Kerb: No data available", "Meth: No data available",
              "Preauth: No Preauth data.", "General:",
              f"  Unique Id = {u['unique_id']:08X}", f"  Session Id = {session_id:08X}",
              "  Attribute List:"]
    lines += [f"    {format_attribute(attr)}" for attr in u["general_attributes"]]
    lines += ["PerU: No data available", "Service Profile: No Service Profile data.",
              "Unkn: No data available", "Unkn: No data available"]
    return lines


def render_aaa_user_all(users: Sequence[dict]) -> str:
    lines = list(USER_ALL_BANNER)
    for user in users:
        lines += _user_lines(user)
    return "\n".join(lines) + "\n"


# ---- the twins, from the RADIUS client's state (control/aaa/) -------------------------------------

def aaa_servers_data(servers, now: float) -> list[dict]:
    """`show aaa servers`' dicts from the client's servers (control/aaa/radius_servers.Servers) at
    monotonic time `now`. Counters the model keeps: requests (each transmission), timeouts,
    failover, retransmission, accept and reject, average response time, transactions, malformed
    replies and bad authenticators (shown on the release layout that prints them), outstanding
    transactions, accounting by status. Throttling, challenge, server error and quarantine stay 0:
    the model has none of them."""
    rows = []
    for state in servers.all():
        row = zero_server(state.id, state.id, state.host, state.auth_port, state.acct_port)
        dead = state.is_dead(now)
        row["state"] = {"current": "DEAD" if dead else "UP", "duration_s": int(now - state.state_since),
                        "previous_duration_s": int(state.previous_duration_s)}
        row["dead"] = {"total_time_s": int(state.dead_total_s + (now - state.state_since if dead else 0)),
                       "count": state.dead_count}
        for key, counters in (("authen", state.authen), ("author", state.author), ("account", state.account)):
            block = row[key]
            block.update(request=counters.request, timeouts=counters.timeouts, failover=counters.failover,
                         retransmission=counters.retransmission, time_ms=counters.average_ms,
                         success=counters.success, failure=counters.failure)
            if key != "account":
                block.update(accept=counters.accept, reject=counters.reject)
            else:
                for status, word in ((1, "start"), (3, "interim"), (2, "stop")):
                    block[f"request_{word}"] = counters.requests_by_status.get(status, 0)
                    block[f"response_{word}"] = counters.responses_by_status.get(status, 0)
        row["elapsed_s"] = int(now - servers.cleared_at)
        row["outstanding_access"] = state.outstanding["access"]
        row["outstanding_accounting"] = state.outstanding["accounting"]
        rows.append(row)
    return rows


def aaa_sessions_data(sessions) -> list[dict]:
    """`show aaa sessions`' dicts from the AAA records of the sessions up (control/aaa/session_aaa.py's
    AaaSession): IOS's session id, the AAA unique id, the user, the session's inside address."""
    return [{"session_id": s.session.id, "unique_id": s.unique_id, "username": s.user_name,
             "ip": s.framed_ip, "idle_time": 0, "ct_call_handle": 0} for s in sessions]


# `show aaa user all` for an IKEv2 session: no real device output of one was found (the renderer's
# layout is a vty login's), so the model fills the same layout with what it has and says what is
# its own: the session's record under NET with its audit-session-id, accounting events as they were
# sent, the fast path's counts as the cumulative counts, and no authentication data (the model does
# not authenticate IKE: `service=NONE`). Attribute numbers are IOS's where the CoA trace shows them
# (audit-session-id 819), else the sample's (session-id 408, interface 221).
_ATTRIBUTE_BASE, _ATTRIBUTE_STRIDE = 0x7F0DC20E8250, 0x40


def _attribute(n: int, name: str, number: int, value, flags: int = 0x1) -> dict:
    length = 4 if isinstance(value, int) else len(str(value))
    return {"address": _ATTRIBUTE_BASE + n * _ATTRIBUTE_STRIDE, "tag": 0, "flags": flags, "name": name,
            "attr_id": number, "length": length, "value": value}


def aaa_user_all_data(sessions, counts, periodic_minutes: int | None) -> list[dict]:
    """One user dict per AAA session (control/aaa/session_aaa.AaaSession); `counts(session)` gives
    (bytes_in, bytes_out, packets_in, packets_out) from the fast path."""
    users = []
    for s in sessions:
        session = s.session
        bytes_in, bytes_out, paks_in, paks_out = counts(session)
        started = datetime.fromtimestamp(s.started, timezone.utc)
        record = {"username": s.user_name, "session_id": session.id, "start_sent": int(s.accounted),
                  "stop_only": False, "stop_has_been_sent": False, "method_list": 0,
                  "attributes": [_attribute(0, "session-id", 408, session.id),
                                 _attribute(1, "audit-session-id", 819, session.audit_session_id, 0x89)]}
        interface = {"tty_num": 0, "stop_received": 0, "component": "IKEv2",
                     "start_time": f"{started:%H:%M:%S} UTC {started:%b} {started.day} {started.year}"}
        for phase in ("start", "pre"):
            for key in ("bytes_in", "bytes_out", "paks_in", "paks_out"):
                interface[f"{phase}_{key}"] = 0
        interface.update(bytes_in=bytes_in, bytes_out=bytes_out, paks_in=paks_in, paks_out=paks_out)
        users.append({
            "unique_id": s.unique_id, "records": {"NET": record},
            "accounting": {"log": 0x18001 if s.accounted else 0x0,
                           "events": ["CALL START"] if s.accounted else [],
                           "update_methods": ["PERIODIC"] if s.accounted and periodic_minutes else [],
                           "update_interval": (periodic_minutes or 0) if s.accounted else 0,
                           "outstanding_stop_records": 0, "dynamic_attributes": []},
            "interface": interface,
            "authen": {"service": "NONE", "type": "NONE", "method": "NONE"},
            "general_attributes": [_attribute(2, "interface", 221, session.interface, 0x81)],
        })
    return users
