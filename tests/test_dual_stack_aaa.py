"""Issue 16 through a real FreeRADIUS: the Access-Accept's Framed-IP-Address and Framed-IPv6-Prefix
give the session its inside (over the pool's, for the families the peer asked for), accounting
carries each where the session has it, and an IPv6 peer without an identity of its own is one
User-Name, upper case, in the Access-Request and in accounting. FreeRADIUS is needed (Debian
package `freeradius`; CI installs it, and these tests fail rather than skip there without it)."""
from __future__ import annotations

import ipaddress
import time

import pytest

from fastpaths import native_fastpath_class
from freeradius_fixture import running
from qfp_model.control.headend import Headend
from qfp_model.tools.freeradius import FreeRadius, Reply

SECRET = "radkey"
USERS = {
    "dual": Reply(["ipv6:inacl=V6-IN"], attributes={"Framed-IP-Address": "172.16.5.5",
                                                     "Framed-IPv6-Prefix": "2001:db8:55::/64"}),
    "v6only": Reply(attributes={"Framed-IPv6-Prefix": "2001:db8:56::/64", "Framed-Interface-Id": "0:0:0:1"}),
    "2001:DB8::A:1": Reply([]),
}


@pytest.fixture(scope="module")
def server():
    with running(USERS, SECRET) as freeradius_server:
        yield freeradius_server


@pytest.fixture
def headend(server):
    h = Headend.from_config_file(fastpath=native_fastpath_class()())
    lines = ["configure terminal", "no radius server ISE-1", "radius server R1",
             f" address ipv4 127.0.0.1 auth-port {server.auth_port} acct-port {server.acct_port}",
             f" key {SECRET}", " timeout 1", " retransmit 1", "aaa group server radius RADS", " server name R1",
             "aaa authorization network AUTHZ group RADS", "aaa accounting network ACCT start-stop group RADS",
             "ipv6 access-list V6-IN", " permit tcp any any eq www", "exit",
             "crypto ikev2 profile FLEX-PROFILE", " aaa authorization group psk list AUTHZ",
             " aaa accounting psk ACCT", "end"]
    for line in lines:
        h.execute(line)
    yield h
    h.close()


def records_for(server: FreeRadius, audit_id: str, status: str, wait: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + wait
    while True:
        found = [r for r in server.accounting_records()
                 if f"audit-session-id={audit_id}" in r.get("Cisco-AVPair", "") and r.get("Acct-Status-Type") == status]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_the_accept_assigns_both_families_and_accounting_reports_them(headend, server):
    out = headend.execute("sim session up remote 77.1.1.1 local 77.1.1.254 identity dual")
    assert out.startswith("Virtual-Access1 up")
    session = headend.device.session("Vi1")
    assert session.inside.ipv4 == ipaddress.IPv4Address("172.16.5.5")
    assert session.inside.ipv6 == ipaddress.IPv6Network("2001:db8:55::/64")
    assert session.aaa.acl6_in == "V6-IN"
    # Framed-IP-Address and Framed-IPv6-Prefix are applied, so not listed as not modeled
    assert not any("NOTMODELED" in line and "dual" in line for line in headend.device.logbuf)
    out = headend.execute("sim traffic interface Vi1 input packets 4 size 100 rate 8000 protocol tcp "
                          "destination-port 80 destination 2001:db8:9::1")
    assert "forwarded 4, dropped 0" in out
    assert headend.show_data("show ipv6 access-list V6-IN")[0]["entries"][0]["matches"] == 4
    [start] = records_for(server, session.audit_session_id, "Start")
    assert start["Framed-IP-Address"] == "172.16.5.5"
    assert start["Framed-IPv6-Prefix"] == "2001:db8:55::/64"


def test_a_family_the_peer_did_not_ask_for_is_not_given_and_not_accounted(headend, server):
    headend.execute("sim session up remote 77.1.1.2 local 77.1.1.254 identity v6only inside-ipv4 none")
    session = headend.device.session("Vi1")
    assert session.inside.ipv4 is None
    assert session.inside.ipv6 == ipaddress.IPv6Network("2001:db8:56::/64")
    # Framed-Interface-Id authorizes nothing the model has: said, not applied
    assert any("NOTMODELED" in line and "Framed-Interface-Id" in line for line in headend.device.logbuf)
    [start] = records_for(server, session.audit_session_id, "Start")
    assert "Framed-IP-Address" not in start and start["Framed-IPv6-Prefix"] == "2001:db8:56::/64"


def test_an_ipv6_peer_is_one_user_name_in_the_request_and_in_accounting(headend, server):
    out = headend.execute("sim session up remote 2001:db8::a:1 local 2001:db8::2")
    assert out.startswith("Virtual-Access1 up")      # the server knows the upper-case name only
    session = headend.device.session("Vi1")
    assert session.identity == "2001:DB8::A:1"
    assert "Login OK: [2001:DB8::A:1]" in server.log
    headend.execute("sim session down Vi1")
    [stop] = records_for(server, session.audit_session_id, "Stop")
    assert stop["User-Name"] == "2001:DB8::A:1"
    assert stop["Framed-IPv6-Prefix"] == "2001:db8:1000:1::/64" and stop["Framed-IP-Address"] == "10.0.0.1"
