"""Exec logins through `aaa authentication login` method lists: local users, RADIUS (a private
FreeRADIUS checking the password as a login's PAP request), the enable and line passwords, `none`;
IOS's rule that only a method without an answer passes the login on to the next one. In-process
through Headend.vty_login, and once over SSH from a real `qfp run`."""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import asyncssh
import pytest

from freeradius_fixture import running
from qfp_model.control.aaa import login
from qfp_model.control.aaa.login import LoginMethod
from qfp_model.control.config.parser import parse_config
from qfp_model.control.headend import Headend
from qfp_model.tools.freeradius import Reply

SECRET = "radkey"
DEFAULT_CFG = Path(__file__).parent.parent / "control" / "config" / "default.cfg"
USERS = {
    "ops": Reply(["shell:priv-lvl=15"], password="rad-ops"),
    "viewer": Reply([], password="rad-view"),
    "admin": Reply(["shell:priv-lvl=15"], password="rad-admin"),   # also a local user, another password
    "gone": Reply(reject=True),
}


@pytest.fixture(scope="module")
def server():
    with running(USERS, SECRET) as freeradius_server:
        yield freeradius_server


def radius_lines(auth_port: int) -> list[str]:
    return ["no radius server ISE-1", "radius server R1", f" address ipv4 127.0.0.1 auth-port {auth_port} acct-port 1",
            f" key {SECRET}", " timeout 1", " retransmit 0", "aaa group server radius LOGIN", " server name R1"]


def headend_with(lines: list[str]) -> Headend:
    h = Headend.from_config_file()
    h.execute("configure terminal")
    for line in ["username admin privilege 15 secret 0 local-admin", "username local-only privilege 5 secret 0 lo",
                 "enable secret 0 en-pw", "line vty 0 4", " password 0 line-pw", "exit", *lines]:
        h.execute(line)
    h.execute("end")
    return h


@contextlib.contextmanager
def serving(config: Path, tmp_path: Path):
    """`qfp run --config CONFIG --ssh 0` in a process of its own; the SSH port it printed."""
    sock = f"/tmp/qfp-login-{os.getpid()}-{tmp_path.name[-12:]}.sock"
    proc = subprocess.Popen([sys.executable, "-m", "qfp_model.tools.cli", "run", "--config", str(config),
                             "--control", sock, "--coa-port", "0", "--ssh", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state")))
    try:
        port = None
        for _ in range(8):
            found = re.match(r"qfp run: SSH on 127\.0\.0\.1:(\d+)$", proc.stdout.readline())
            if found:
                port = int(found.group(1))
                break
        assert port, proc.stderr.read()
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def log_in(h: Headend, name: str, password: str) -> int | None:
    return asyncio.run(h.vty_login.authenticate(name, password, "192.0.2.9", "127.0.0.1", 2))


# -- the method list, read from the configuration --------------------------------------------------

def test_the_vty_lines_list_and_its_methods_are_read_from_the_configuration():
    text = DEFAULT_CFG.read_text()
    config = parse_config(text).config
    assert login.login_methods(config) == ("default", (LoginMethod("local"),))
    text = text.replace("aaa authentication login default local\n",
                        "aaa authentication login default local\n"
                        "aaa authentication login VTY group radius group LOGIN local-case enable line none\n")
    text = text.replace(" transport input ssh\n", " transport input ssh\n login authentication VTY\n", 1)
    config = parse_config(text).config
    assert login.login_methods(config) == ("VTY", (
        LoginMethod("group", "radius"), LoginMethod("group", "LOGIN"), LoginMethod("local-case"),
        LoginMethod("enable"), LoginMethod("line"), LoginMethod("none")))
    assert [str(m) for m in login.login_methods(config)[1][:2]] == ["group radius", "group LOGIN"]


def test_a_line_naming_a_list_that_is_not_configured_lets_nobody_in():
    h = headend_with(["line vty 0 4", " login authentication MISSING"])
    assert log_in(h, "admin", "local-admin") is None
    assert "%AAA-4-NOLIST: login authentication list MISSING is not defined" in h.execute("show logging")


# -- local, enable, line, none ----------------------------------------------------------------------

def test_without_a_list_the_local_database_decides_and_its_privilege_holds():
    h = headend_with([])
    assert log_in(h, "admin", "local-admin") == 15
    assert log_in(h, "ADMIN", "local-admin") == 15          # `local` matches the name in any case
    assert log_in(h, "local-only", "lo") == 5
    assert log_in(h, "admin", "LOCAL-ADMIN") is None        # the password does not


def test_local_case_matches_the_name_exactly():
    h = headend_with(["aaa authentication login default local-case"])
    assert log_in(h, "admin", "local-admin") == 15
    assert log_in(h, "ADMIN", "local-admin") is None


@pytest.mark.parametrize("methods, name, password, privilege", [
    ("local enable", "nobody", "en-pw", 1),          # no such user: an error, so enable is asked
    ("local enable", "admin", "en-pw", None),        # a wrong password for a known user: refused
    ("line", "anyone", "line-pw", 1),
    ("local none", "nobody", "x", 1),
    ("none", "admin", "anything", 1),
])
def test_the_next_method_is_asked_only_when_one_gives_no_answer(methods, name, password, privilege):
    # without exec authorization every login starts at 1: 1 is "let in", None "refused"
    h = headend_with([f"aaa authentication login default {methods}", "no aaa authorization exec default local"])
    assert log_in(h, name, password) == privilege


# -- exec authorization: the privilege a login starts at --------------------------------------------

@pytest.mark.parametrize("lines, privilege", [
    (["no aaa authorization exec default local"], 1),          # no list: privilege 1, as on IOS
    ([], 15),                                                  # the embedded `default local`
    (["aaa authorization exec default none"], 1),
    (["aaa authorization exec default if-authenticated"], 1),
    (["aaa authorization exec VTY local", "line vty 0 4", " authorization exec VTY"], 15),
    (["line vty 0 4", " authorization exec MISSING"], None),   # a list that is not there: refused
    (["aaa authorization exec default group LOGIN"], None),    # RADIUS did not authenticate it: no method answers
])
def test_exec_authorization_sets_the_privilege_a_login_starts_at(lines, privilege):
    h = headend_with(lines)
    assert log_in(h, "admin", "local-admin") == privilege


# -- RADIUS ---------------------------------------------------------------------------------------

def test_radius_decides_a_login_with_the_accepts_privilege(server):
    h = headend_with(radius_lines(server.auth_port) + ["aaa authentication login default group LOGIN local",
                                                       "aaa authorization exec default group LOGIN local"])
    try:
        assert log_in(h, "ops", "rad-ops") == 15          # shell:priv-lvl=15
        assert log_in(h, "viewer", "rad-view") == 1       # no priv-lvl: user EXEC
        # An Access-Reject ends the login: local's own admin password is never tried.
        # (viewer's Accept has no priv-lvl; ops's 15 needs the exec list's `group LOGIN`, below.)
        assert log_in(h, "admin", "local-admin") is None
        assert log_in(h, "admin", "rad-admin") == 15
        assert log_in(h, "gone", "x") is None
        authen = h.show_data("show aaa servers")[0]["authen"]
        assert (authen["request"], authen["accept"], authen["reject"]) == (5, 3, 2)
    finally:
        h.close()


def test_no_radius_answer_passes_the_login_to_local(server):
    h = headend_with(radius_lines(1) + ["aaa authentication login default group LOGIN local",
                                        "aaa authorization exec default group LOGIN local"])
    try:
        assert log_in(h, "admin", "local-admin") == 15        # the server never answers (port 1)
        assert log_in(h, "ops", "rad-ops") is None            # nor is ops a local user
        authen = h.show_data("show aaa servers")[0]["authen"]
        assert authen["timeouts"] == 2
    finally:
        h.close()


def test_an_ssh_login_through_radius_gets_the_radius_privilege(server, tmp_path):
    text = DEFAULT_CFG.read_text().replace(
        "aaa authentication login default local\naaa authorization exec default local\n",
        "aaa authentication login default group LOGIN local\naaa authorization exec default group LOGIN\n")
    text = text.replace("radius server ISE-1\n", "radius server OLD\n")   # keep the file's own server aside
    text += "\n".join(radius_lines(server.auth_port)[1:]) + "\n"
    config = tmp_path / "login.cfg"
    config.write_text(text)
    with serving(config, tmp_path) as port:
        async def prompt_of(user, password):
            async with asyncssh.connect("127.0.0.1", port, username=user, password=password, known_hosts=None,
                                        client_keys=None, agent_path=None) as conn:
                done = await conn.run("show privilege", check=True)
                return done.stdout
        assert "Current privilege level is 15" in asyncio.run(prompt_of("ops", "rad-ops"))
        assert "Current privilege level is 1" in asyncio.run(prompt_of("viewer", "rad-view"))
        with pytest.raises(asyncssh.PermissionDenied):
            asyncio.run(prompt_of("ops", "wrong"))


def test_a_radius_user_the_exec_list_cannot_authorize_is_refused(server):
    """`aaa authorization exec default local` knows no RADIUS-only user: authorization fails, and
    with it the login, though RADIUS accepted the password."""
    h = headend_with(radius_lines(server.auth_port) + ["aaa authentication login default group LOGIN local"])
    try:
        assert log_in(h, "ops", "rad-ops") is None
        assert log_in(h, "admin", "rad-admin") == 15   # a local user too: local authorizes it
    finally:
        h.close()


# -- SSH public keys: ip ssh pubkey-chain -----------------------------------------------------------

def test_the_pubkey_chain_gives_each_user_its_keys_by_key_hash_or_key_string():
    key = asyncssh.generate_private_key("ssh-ed25519")
    other = asyncssh.generate_private_key("ssh-ed25519")
    blob = key.public_data
    b64 = key.export_public_key("openssh").split()[1].decode()
    h = headend_with(["ip ssh pubkey-chain", "username admin", f"key-hash ssh-ed25519 {login.key_hash(blob)}", "exit",
                      "username local-only", "exit", "exit"])
    assert h.execute("show running-config | section pubkey-chain") == (
        f"ip ssh pubkey-chain\n username admin\n  key-hash ssh-ed25519 {login.key_hash(blob)}\n username local-only\n")
    assert h.vty_login.authorize_public_key("admin", blob) == 15
    assert h.vty_login.authorize_public_key("admin", other.public_data) is None
    assert h.vty_login.authorize_public_key("local-only", blob) is None
    # A key-string (as a file holds it, split over lines) is the same key.
    text = DEFAULT_CFG.read_text() + f"ip ssh pubkey-chain\n  username netops\n   key-string\n    {b64[:40]}\n" \
        f"    {b64[40:]}\n    exit\n"
    assert login.public_key_hashes(parse_config(text).config) == {"netops": {login.key_hash(blob)}}


def test_an_ssh_client_key_in_the_pubkey_chain_logs_in_without_a_password(tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    text = DEFAULT_CFG.read_text() + (f"ip ssh pubkey-chain\n  username admin\n"
                                      f"   key-hash ssh-ed25519 {login.key_hash(key.public_data)}\n")
    config = tmp_path / "keys.cfg"
    config.write_text(text)
    with serving(config, tmp_path) as port:
        async def privilege(user, keys):
            async with asyncssh.connect("127.0.0.1", port, username=user, client_keys=keys, password=None,
                                        known_hosts=None, agent_path=None, preferred_auth="publickey") as conn:
                return (await conn.run("show privilege", check=True)).stdout
        assert asyncio.run(privilege("admin", [key])) == "Current privilege level is 15\r\n"
        with pytest.raises(asyncssh.PermissionDenied):
            asyncio.run(privilege("admin", [asyncssh.generate_private_key("ssh-ed25519")]))
        with pytest.raises(asyncssh.PermissionDenied):
            asyncio.run(privilege("netops", [key]))
