"""Authorization at session start and accounting, against a private FreeRADIUS server (Debian's
`freeradius`; .ci/run installs it, and these tests fail rather than skip in CI without it).

Each test starts its own FreeRADIUS on free loopback ports with per-user replies, points the
device's `radius server` at it in `configure terminal`, and checks what the device did (sessions,
bindings, show output, traffic) and what FreeRADIUS saw (its log and its accounting detail file).
"""
from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from coa_helpers import KEY, decode_reply, request, udp_exchange
from fastpaths import native_fastpath_class
from freeradius_fixture import running
from qfp_model.control.errors import ControlError
from qfp_model.control.headend import Headend
from qfp_model.control.io.loop import BackgroundLoop, LoopTarget
from qfp_model.qfp.tables import Direction
from qfp_model.tools.freeradius import FreeRadius, Reply

SECRET = "radkey"
IN_CI = os.environ.get("CI") == "true"
USERS = {
    "spoke1": Reply(["ip:sub-qos-policy-in=2M", "ipsec:inacl=IN",
                     "ip:interface-config=service-policy output aaa-pol"]),
    "spoke2": Reply(["ip:sub-qos-policy-in=aaa-pol"]),
    "blocked": Reply(reject=True),
    "typo": Reply(["ip:sub-qos-policy-in=NO-SUCH-POLICY"]),
    "unsupported": Reply(["ip:vrf-id=RED"]),
}


@pytest.fixture(scope="module")
def server():
    with running(USERS, SECRET) as freeradius_server:
        yield freeradius_server


def configure(headend: Headend, lines: list[str]) -> None:
    headend.execute("configure terminal")
    for line in lines:
        headend.execute(line)
    headend.execute("end")


def aaa_lines(servers: list[tuple[str, int, int]], *, deadtime: int | None = None,
              periodic: int | None = None, extra: list[str] = ()) -> list[str]:
    lines = ["no radius server ISE-1"]     # the embedded config's, which nothing here answers for
    for n, (host, auth, acct) in enumerate(servers, 1):
        lines += [f"radius server R{n}", f" address ipv4 {host} auth-port {auth} acct-port {acct}",
                  f" key {SECRET}", " timeout 1", " retransmit 1"]
    lines += ["aaa group server radius RADS"] + [f" server name R{n}" for n in range(1, len(servers) + 1)]
    if deadtime is not None:
        lines.append(f" deadtime {deadtime}")
    lines += ["aaa authorization network AUTHZ group RADS",
              "aaa accounting network ACCT start-stop group RADS"]
    if periodic is not None:
        lines.append(f"aaa accounting update newinfo periodic {periodic}")
    lines += list(extra)
    lines += ["crypto ikev2 profile FLEX-PROFILE", " aaa authorization group psk list AUTHZ",
              " aaa accounting psk ACCT"]
    return lines


@pytest.fixture
def headend(server):
    h = Headend.from_config_file(fastpath=native_fastpath_class()())
    configure(h, aaa_lines([("127.0.0.1", server.auth_port, server.acct_port)], periodic=1))
    yield h
    h.close()


def up(headend, n: int, identity: str) -> str:
    return headend.execute(f"sim session up remote 77.1.1.{n} local 77.1.1.254 identity {identity}")


def records_for(server: FreeRadius, audit_id: str, status: str | None = None, wait: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + wait
    while True:
        found = [r for r in server.accounting_records()
                 if r.get("Cisco-AVPair", "").find(f"audit-session-id={audit_id}") >= 0
                 and (status is None or r.get("Acct-Status-Type") == status)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def octets(record: dict, way: str) -> int:
    return int(record[f"Acct-{way}-Octets"]) + (int(record.get(f"Acct-{way}-Gigawords", 0)) << 32)


# ---- authorization ----

def test_accept_applies_the_users_av_pairs_as_the_session_comes_up(headend, server):
    out = up(headend, 1, "spoke1")
    assert out.startswith("Virtual-Access1 up")
    session = headend.device.session("Vi1")
    assert (session.aaa.policy_in, session.aaa.acl_in, session.aaa.policy_out) == ("2M", "IN", "aaa-pol")
    derived = headend.execute("show derived-config interface Virtual-Access1")
    assert " service-policy input 2M\n" in derived and " ip access-group IN in\n" in derived
    text = headend.execute("show policy-map interface Virtual-Access1 input")
    assert "Service-policy input: 2M" in text
    # FreeRADIUS saw the request IOS sends for IKEv2 authorization.
    assert "Login OK: [spoke1]" in server.log and "cli 77.1.1.1" in server.log
    assert headend.aaa.authorization.accepted == 1


def test_access_reject_refuses_the_session_and_nothing_is_left(headend):
    with pytest.raises(ControlError, match="Access-Reject for blocked"):
        up(headend, 2, "blocked")
    assert list(headend.device.sessions) == []
    assert headend.aaa.authorization.rejected == 1
    # the next session takes Virtual-Access1: nothing was allocated
    assert up(headend, 1, "spoke2").startswith("Virtual-Access1 up")


@pytest.mark.parametrize("user, why", [("typo", "policy-map NO-SUCH-POLICY is not configured"),
                                       ("unsupported", "unsupported attribute ip:vrf-id")])
def test_an_accept_the_coa_rules_refuse_refuses_the_session(headend, user, why):
    with pytest.raises(ControlError, match=why):
        up(headend, 3, user)
    assert list(headend.device.sessions) == []
    assert headend.aaa.authorization.unusable == 1


def test_an_unknown_user_is_rejected_by_the_server(headend):
    with pytest.raises(ControlError, match="Access-Reject"):
        up(headend, 4, "nobody-at-all")


def test_without_a_server_configured_nothing_is_sent_and_sessions_come_up():
    with Headend.from_config_file(fastpath=native_fastpath_class()()) as h:
        configure(h, ["crypto ikev2 profile FLEX-PROFILE", " aaa authorization group psk list FLEX-AUTHZ",
                      " aaa accounting psk FLEX-ACCT", "no radius server ISE-1"])
        assert up(h, 1, "spoke1").startswith("Virtual-Access1 up")
        assert h.aaa.authorization.requests == 0
        assert any("no RADIUS server" in line for line in h.device.logbuf)


# ---- accounting ----

def test_start_interim_stop_carry_the_audit_session_id_and_the_fast_paths_counts(headend, server):
    up(headend, 5, "spoke2")
    session = headend.device.session("Vi1")
    audit = session.audit_session_id
    start = records_for(server, audit, "Start")
    assert start and start[0]["Acct-Session-Id"] == f"{session.id:08X}" and start[0]["User-Name"] == "spoke2"
    # 90 s of virtual time crosses one 1-minute interim interval
    headend.execute("sim traffic interface Vi1 input size 1000 rate 80000 duration 90")
    headend.execute("sim traffic interface Vi1 output size 500 rate 40000 packets 100")
    counts = headend.device.fp.uidb_counters(session.uidb)
    interim = records_for(server, audit, "Interim-Update")
    assert len(interim) == 1
    headend.execute("sim session down Vi1")
    stop = records_for(server, audit, "Stop")
    assert len(stop) == 1
    stop = stop[0]
    assert octets(stop, "Input") == counts.bytes[Direction.IN] == 900 * 1000
    assert int(stop["Acct-Input-Packets"]) == counts.packets[Direction.IN] == 900
    assert octets(stop, "Output") == counts.forwarded_bytes[Direction.OUT]
    assert int(stop["Acct-Output-Packets"]) == counts.forwarded_packets[Direction.OUT]
    assert stop["Acct-Terminate-Cause"] == "User-Request"
    assert int(stop["Acct-Session-Time"]) >= 90
    assert headend.aaa.flush(5)


def test_clear_crypto_session_stops_with_admin_reset(headend, server):
    up(headend, 6, "spoke2")
    audit = headend.device.session("Vi1").audit_session_id
    headend.execute("clear crypto session")
    stop = records_for(server, audit, "Stop")
    assert stop and stop[0]["Acct-Terminate-Cause"] == "Admin-Reset"


def test_the_whole_loop_authorize_account_coa_by_radclient_account_again(headend, server, tmp_path):
    """Authorize at start, traffic, a CoA from radclient addressed by the audit-session-id that
    accounting reported, traffic under the new policy, Stop with every packet counted."""
    radclient = subprocess.run(["which", "radclient"], capture_output=True, text=True).stdout.strip()
    if not radclient:
        if IN_CI:
            pytest.fail("radclient is not installed; .ci/run installs it")
        pytest.skip("radclient is not installed")
    loop = BackgroundLoop().start()
    listener = loop.run(headend.start_coa_listener("127.0.0.1", 0))
    served = LoopTarget(headend, loop)      # as `qfp run` drives it: commands awaited on the loop
    try:
        assert up(served, 7, "spoke2").startswith("Virtual-Access1 up")
        [start] = records_for(server, headend.device.session("Vi1").audit_session_id, "Start")
        audit = start["Cisco-AVPair"].split("audit-session-id=", 1)[1].split("|")[0]
        served.execute("sim traffic interface Vi1 input size 100 rate 100000 packets 50")
        request = f'Cisco-AVPair = "audit-session-id={audit}",\nCisco-AVPair = "ip:sub-qos-policy-in=2M"\n'
        done = subprocess.run([radclient, "-x", "-t", "1", "-r", "1", f"127.0.0.1:{listener.address[1]}",
                               "coa", KEY], input=request, capture_output=True, text=True, timeout=30)
        assert "CoA-ACK" in done.stdout, done.stdout + done.stderr
        session = headend.device.session("Vi1")
        assert session.aaa.policy_in == "2M"
        served.execute("sim traffic interface Vi1 input size 100 rate 100000 packets 70")
        served.execute("sim session down Vi1")
    finally:
        loop.run(listener.close())
        loop.stop()
    [stop] = records_for(server, audit, "Stop")
    assert int(stop["Acct-Input-Packets"]) == 120 and octets(stop, "Input") == 12_000


def test_a_disconnect_request_stops_accounting_with_admin_reset(headend, server):
    up(headend, 15, "spoke2")
    audit = headend.device.session("Vi1").audit_session_id
    headend.execute("sim traffic interface Vi1 input size 200 rate 100000 packets 25")
    listener_loop = BackgroundLoop().start()
    listener = listener_loop.run(headend.start_coa_listener("127.0.0.1", 0))
    try:
        sent = request([f"audit-session-id={audit}"], code=40)      # Disconnect-Request
        answer = udp_exchange(sent.RequestPacket(), listener.address)
        assert answer is not None and decode_reply(answer).code == 41          # Disconnect-ACK
    finally:
        listener_loop.run(listener.close())
        listener_loop.stop()
    [stop] = records_for(server, audit, "Stop")
    assert stop["Acct-Terminate-Cause"] == "Admin-Reset" and int(stop["Acct-Input-Packets"]) == 25
    assert octets(stop, "Input") == 5000


def test_a_dead_server_comes_back_when_its_deadtime_is_over(server, silent):
    with Headend.from_config_file(fastpath=native_fastpath_class()()) as h:
        configure(h, aaa_lines([("127.0.0.1", silent, silent), ("127.0.0.1", server.auth_port, server.acct_port)],
                               deadtime=1, extra=["radius-server dead-criteria time 1 tries 2"]))
        up(h, 16, "spoke1")
        dead = h.aaa.servers.state("R1")
        assert dead.dead_until is not None
        assert h.show_data("show aaa servers")[0]["state"]["current"] == "DEAD"
        dead.dead_until = time.monotonic()          # a minute of deadtime, passed
        row = h.show_data("show aaa servers")[0]
        assert row["state"]["current"] == "UP" and row["dead"]["count"] == 1
        assert h.aaa.flush(10)


# ---- servers that do not answer ----

@pytest.fixture
def silent():
    """A UDP socket that takes every request and answers none: a server that is down."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


def test_a_silent_server_is_retried_failed_over_and_marked_dead(server, silent):
    with Headend.from_config_file(fastpath=native_fastpath_class()()) as h:
        configure(h, aaa_lines([("127.0.0.1", silent, silent), ("127.0.0.1", server.auth_port, server.acct_port)],
                               deadtime=1, extra=["radius-server dead-criteria time 1 tries 2"]))
        began = time.monotonic()
        assert up(h, 8, "spoke1").startswith("Virtual-Access1 up")
        assert time.monotonic() - began >= 2.0        # 1 s timeout, then one retransmission
        dead, alive = h.aaa.servers.all()
        assert (dead.author.request, dead.author.timeouts, dead.author.retransmission) == (2, 2, 1)
        assert alive.author.failover == 1 and alive.author.accept == 1
        assert dead.dead_count == 1 and dead.dead_until is not None
        # the dead server is skipped: the next session goes straight to the live one
        began = time.monotonic()
        assert up(h, 9, "spoke2").startswith("Virtual-Access2 up")
        assert time.monotonic() - began < 1.0
        assert dead.author.request == 2
        assert h.aaa.flush(10)


def test_no_server_answers_refuses_unless_the_list_says_local(silent):
    with Headend.from_config_file(fastpath=native_fastpath_class()()) as h:
        configure(h, aaa_lines([("127.0.0.1", silent, silent)]))
        with pytest.raises(ControlError, match="no reply"):
            up(h, 10, "spoke1")
        assert list(h.device.sessions) == [] and h.aaa.authorization.no_server == 1
        configure(h, ["aaa authorization network AUTHZ group RADS local"])
        assert up(h, 10, "spoke1").startswith("Virtual-Access1 up")
        assert h.device.session("Vi1").aaa.policy_in is None
        assert h.aaa.authorization.local == 1


def test_accounting_waits_out_a_server_that_is_briefly_down_and_loses_nothing(server, silent):
    with Headend.from_config_file(fastpath=native_fastpath_class()()) as h:
        # authorization reaches FreeRADIUS; accounting goes to a port nobody answers, at first
        configure(h, aaa_lines([("127.0.0.1", server.auth_port, silent)]))
        up(h, 11, "spoke2")
        audit = h.device.session("Vi1").audit_session_id
        time.sleep(2.5)                                 # Start tried, retransmitted, queued again
        assert h.aaa.outstanding == 1 and h.aaa.accounting.retried >= 1
        configure(h, ["radius server R1", f" address ipv4 127.0.0.1 auth-port {server.auth_port} "
                                          f"acct-port {server.acct_port}"])
        [start] = records_for(server, audit, "Start", wait=10)
        assert int(start["Acct-Delay-Time"]) >= 2
        assert h.aaa.flush(5) and h.aaa.accounting.dropped == 0


# ---- many at once ----

def test_a_thousand_sessions_load_concurrently_against_the_server(headend, server, tmp_path):
    listing = tmp_path / "sessions.txt"
    listing.write_text("".join(f"remote 198.18.{n >> 8}.{n & 255} local 77.1.1.254 identity spoke2\n"
                               for n in range(1, 1001)))
    began = time.monotonic()
    assert headend.execute(f"sim session load {listing}") == "1000 sessions up\n"
    elapsed = time.monotonic() - began
    assert len(list(headend.device.sessions)) == 1000
    assert all(s.aaa.policy_in == "aaa-pol" for s in headend.device.sessions)
    assert headend.aaa.flush(30)
    starts = [r for r in server.accounting_records() if r.get("Acct-Status-Type") == "Start"
              and r.get("NAS-IP-Address") == "77.1.1.254" and r.get("Calling-Station-Id", "").startswith("198.18.")]
    assert len(starts) >= 1000
    print(f"1000 sessions authorized and up in {elapsed:.2f} s ({1000 / elapsed:,.0f}/s)")


# ---- show and debug ----

def test_show_aaa_servers_counts_what_was_sent_and_answered(headend, server):
    up(headend, 12, "spoke1")
    with pytest.raises(ControlError):
        up(headend, 13, "blocked")
    assert headend.aaa.flush(5)
    [row] = headend.show_data("show aaa servers")
    assert (row["host"], row["auth_port"], row["acct_port"]) == ("127.0.0.1", server.auth_port, server.acct_port)
    assert row["state"]["current"] == "UP" and row["dead"]["count"] == 0
    author, account = row["author"], row["account"]
    assert (author["request"], author["accept"], author["reject"], author["timeouts"]) == (2, 1, 1, 0)
    assert (account["request_start"], account["response_start"]) == (1, 1)
    text = headend.execute("show aaa servers")
    assert (f"RADIUS: id 1, priority 1, host 127.0.0.1, auth-port {server.auth_port}, "
            f"acct-port {server.acct_port}") in text
    assert "     Author: request 2, timeouts 0, failover 0, retransmission 0" in text
    assert "             Response: accept 1, reject 1, challenge 0" in text
    headend.execute("clear aaa counters servers all")
    assert headend.show_data("show aaa servers")[0]["author"]["request"] == 0
    sessions = headend.show_data("show aaa sessions")
    assert [(s["session_id"], s["username"], s["ip"]) for s in sessions] == [(1, "spoke1", "10.0.0.1")]
    assert "Total sessions since last reload: 1" in headend.execute("show aaa sessions")


def test_show_aaa_user_all_gives_the_sessions_user_key_and_counts(headend, server):
    up(headend, 17, "spoke2")
    headend.execute("sim traffic interface Vi1 input size 100 rate 100000 packets 30")
    [user] = headend.show_data("show aaa user all")
    net = user["records"]["NET"]
    assert net["username"] == "spoke2" and net["start_sent"] == 1
    assert {a["name"]: a["value"] for a in net["attributes"]}["audit-session-id"] == \
        headend.device.session("Vi1").audit_session_id
    assert (user["interface"]["bytes_in"], user["interface"]["paks_in"]) == (3000, 30)
    text = headend.execute("show aaa user all")
    assert "  NET: Username=spoke2\n" in text and "    Bytes In = 3000 " in text
    assert user["accounting"]["update_methods"] == ["PERIODIC"] and user["accounting"]["update_interval"] == 1


def test_debug_radius_traces_the_access_request_and_its_accept(headend, server):
    headend.execute("debug radius")
    up(headend, 14, "spoke1")
    lines = [line.split(": ", 1)[1] if line.startswith("*") else line for line in headend.device.logbuf]
    sent = next(n for n, line in enumerate(lines) if " Send Access-Request to 127.0.0.1:" in line)
    assert lines[sent + 1].startswith("RADIUS: authenticator ")
    body = lines[sent + 2:sent + 12]
    assert 'RADIUS: User-Name [1] 8 "spoke1"' in body and "RADIUS: User-Password [2] 18 *" in body
    assert 'RADIUS: Calling-Station-Id [31] 11 "77.1.1.14"' in body
    assert any(line.startswith("RADIUS: Received from id ") and "Access-Accept" in line for line in lines)
    assert 'RADIUS: Cisco AVpair [1] 25 "ip:sub-qos-policy-in=2M"' in lines
