"""`qfp run --ssh` as automation tools and people use it: a real `qfp run` process, real SSH on a
real socket, and the clients users point at routers — Netmiko (cisco_xe), scrapli (cisco_iosxe,
over its bundled libssh2 and over the system's `ssh`), asyncssh as an interactive terminal with a
PTY. Passwords are checked against hashes made elsewhere (hashcat's example hashes, Cisco's own
documentation, OpenSSL's md5-crypt), never only against our own hashing.

In CI (CI=true) a missing `ssh` binary fails the system-transport test; elsewhere it skips it.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pytest

from qfp_model.control.aaa import login, secrets
from qfp_model.control.config import parse_config, type7
from qfp_model.control.io import host_key, ssh
from qfp_model.tools import cli

PYTHON = sys.executable
IN_CI = os.environ.get("CI") == "true"
DEFAULT_CFG = Path(__file__).parent.parent / "control" / "config" / "default.cfg"

# Known-good hashes, with where each comes from.
HASHCAT_9 = "$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6"   # hashcat -m 9300 example: hashcat
HASHCAT_8 = "$8$TnGX/fE4KGHOVU$pEhnEvxrvaynpi8j4f.EMHr6M.FzU8xnZnBr/tJdFWk"   # hashcat -m 9200 example: hashcat
CISCO_DOC_8 = "$8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs"  # Cisco Learning Network: cisco
HASHCAT_5 = "$1$28772684$iEwNOgGugqO9.bIz5sk8k/"                              # hashcat -m 500 example: hashcat

USERS = f"""\
username admin privilege 15 secret 9 {HASHCAT_9}
username netops privilege 15 secret 8 {HASHCAT_8}
username oper secret 5 {HASHCAT_5}
username plain privilege 15 password 0 plain-pw
username seven privilege 15 password 7 {type7.encode("seven-pw")}
enable secret 8 {CISCO_DOC_8}
"""
ADMIN = ("admin", "hashcat")
BANNERS = """\
banner exec ^C
Exec banner for $(hostname)
^C
banner login ^C
*** Authorised access only ***
^C
banner motd ^C
Maintenance tonight 22:00 UTC
^C
"""


def _config(tmp_path: Path, exec_timeout: str | None = None) -> Path:
    """The embedded configuration with our users and 21 vty lines (`line vty 0 4`, `5 20`)."""
    text = DEFAULT_CFG.read_text()
    text = re.sub(r"^username admin .*\n", USERS, text, flags=re.M)
    vty = "line vty 0 4\n access-class 1 in\n"
    if exec_timeout:
        vty += f" exec-timeout {exec_timeout}\n"
    text = text.replace("line vty 0 4\n access-class 1 in\n", vty)
    text = text.replace("line con 0\n", BANNERS + "!\nline con 0\n", 1)
    more = " transport input ssh\nline vty 5 20\n transport input ssh\n!\n"
    text = text.replace(" transport input ssh\n!\n", more, 1)
    path = tmp_path / "ssh.cfg"
    path.write_text(text)
    return path


class Device:
    """`qfp run --ssh 0` in a process of its own; `.port` is the one it printed."""

    def __init__(self, tmp_path: Path, exec_timeout: str | None = None):
        self.state = tmp_path / "state"
        env = dict(os.environ, XDG_STATE_HOME=str(self.state))
        sock = f"/tmp/qfp-ssh-{os.getpid()}-{tmp_path.name[-12:]}.sock"
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "qfp_model.tools.cli", "run", "--config", str(_config(tmp_path, exec_timeout)),
             "--control", sock, "--coa-port", "0", "--ssh", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.port = None
        for _ in range(5):
            line = self.proc.stdout.readline()
            found = re.match(r"qfp run: SSH on 127\.0\.0\.1:(\d+)$", line)
            if found:
                self.port = int(found.group(1))
                break
        assert self.port, self.proc.stderr.read()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            assert self.proc.wait(timeout=20) == 0, self.proc.stderr.read()
        finally:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    dev = Device(tmp_path_factory.mktemp("ssh"))
    yield dev
    dev.stop()


# -- passwords, logins, host key: no sockets --------------------------------------------------------

@pytest.mark.parametrize("encoding, stored, password", [
    ("9", HASHCAT_9, "hashcat"),
    ("8", HASHCAT_8, "hashcat"),
    ("8", CISCO_DOC_8, "cisco"),
    ("5", HASHCAT_5, "hashcat"),
    ("7", "0822455D0A16", "cisco"),      # the type 7 key of control/config/type7.py's docstring
    ("0", "plain-pw", "plain-pw"),
])
def test_each_password_type_matches_a_known_good_hash(encoding, stored, password):
    assert secrets.matches(encoding, stored, password)
    assert not secrets.matches(encoding, stored, password + "x")
    assert not secrets.matches(encoding, stored, "")


def test_md5_crypt_agrees_with_openssl():
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl to compare with")
    for password in ("cisco", "a password longer than sixteen bytes", "é"):
        theirs = subprocess.run([openssl, "passwd", "-1", "-salt", "Zq8.a/01", password],
                                capture_output=True, text=True, check=True).stdout.strip()
        assert secrets.md5_crypt(password, "Zq8.a/01") == theirs


def test_an_unmodeled_secret_type_or_a_malformed_hash_never_matches():
    logged = []
    assert not login.Secret("4", "LcV6aBcc/53FoCJjXQMd7rBUDEpeevrK8V5jQVoJEhU").matches("x", logged.append)
    assert not login.Secret("9", "$9$nodollar").matches("x", logged.append)
    assert len(logged) == 2 and all("%AAA-3-BADSECRET" in line for line in logged)


def test_logins_are_read_from_the_kept_configuration_lines(tmp_path):
    config = parse_config(_config(tmp_path, "0 45").read_text()).config
    users = login.users(config)
    assert (users["admin"].privilege, users["oper"].privilege, users["seven"].privilege) == (15, 1, 15)
    assert login.authenticate(config, "seven", "seven-pw").name == "seven"
    assert login.authenticate(config, "oper", "wrong") is None
    assert login.authenticate(config, "nobody", "hashcat") is None
    assert login.enable_secret(config).matches("cisco")
    assert login.vty_exec_timeout(config) == 45
    plain = parse_config("hostname r1\nline vty 0 4\n exec-timeout 0 0\n").config
    assert login.vty_exec_timeout(plain) is None
    assert login.vty_exec_timeout(parse_config("hostname r1\n").config) == 600   # IOS's 10 minutes


def test_the_host_key_is_made_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    first = host_key.load_or_create()
    again = host_key.load_or_create()
    assert first.export_public_key() == again.export_public_key()
    directory = tmp_path / "qfp-model"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / host_key.KEY_NAME).stat().st_mode) == 0o600


def test_an_unreadable_host_key_is_an_error_not_a_new_key(tmp_path):
    bad = tmp_path / "key"
    bad.write_text("not a key\n")
    with pytest.raises(host_key.HostKeyError, match="cannot read the SSH host key"):
        host_key.load_or_create(str(bad))
    assert bad.read_text() == "not a key\n"


@pytest.mark.parametrize("text, address", [("2222", ("127.0.0.1", 2222)), ("0.0.0.0:22", ("0.0.0.0", 22)),
                                           ("[::1]:2022", ("::1", 2022))])
def test_the_ssh_option_is_a_port_on_loopback_unless_a_host_is_given(text, address):
    assert cli._ssh_address(text) == address


def test_a_bad_ssh_option_or_a_taken_port_is_refused(tmp_path):
    done = subprocess.run([PYTHON, "-m", "qfp_model.tools.cli", "run", "--ssh", "99999"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not [HOST:]PORT" in done.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([PYTHON, "-m", "qfp_model.tools.cli", "run", "--ssh", str(port), "--coa-port", "0",
                               "--control", str(tmp_path / "q.sock")], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, XDG_STATE_HOME=str(tmp_path)))
    assert done.returncode == 1
    assert done.stderr == f"qfp run: cannot serve SSH on 127.0.0.1:{port}: Address already in use\n"
    assert not (tmp_path / "q.sock").exists()   # the control socket started first is gone again


def test_only_a_second_vty_blocks_access_class_is_said_to_be_unapplied(tmp_path):
    config = parse_config(_config(tmp_path).read_text()).config
    assert ssh.unapplied(config) == []
    assert ssh.vty_lines(config) == 21
    text = _config(tmp_path).read_text().replace("line vty 5 20\n", "line vty 5 20\n access-class MGMT in\n")
    assert ssh.unapplied(parse_config(text).config) == [
        "%SSH-4-NOTMODELED: line vty 5 20: 'access-class MGMT in' is not applied to SSH logins; "
        "line vty 0 4's lines are"]


def _with_vty(tmp_path, vty: str, acls: str = ""):
    text = _config(tmp_path).read_text().replace("line vty 0 4\n access-class 1 in\n transport input ssh\n",
                                                  "line vty 0 4\n" + vty)
    return parse_config(text.replace("!\nradius server", acls + "!\nradius server", 1)).config


@pytest.mark.parametrize("vty, acls, client, admitted", [
    (" access-class 1 in\n", "", "127.0.0.1", True),             # access-list 1 permit 127.0.0.1
    (" access-class 1 in\n", "", "127.0.0.2", False),            # the implicit deny
    (" access-class MGMT in\n", "", "10.106.210.9", True),        # 10 permit 10.106.210.0 0.0.0.255
    (" access-class MGMT in vrf-also\n", "", "10.106.211.9", False),
    (" access-class NOPE in\n", "", "192.0.2.1", True),           # an ACL that does not exist admits all
    (" access-class VTY in\n", "ip access-list extended VTY\n 10 deny tcp host 192.0.2.1 any eq 22\n"
     " 20 permit tcp any any eq 22\n", "192.0.2.1", False),      # an extended ACL: the first match decides
    (" access-class VTY in\n", "ip access-list extended VTY\n 10 deny tcp host 192.0.2.1 any eq 22\n"
     " 20 permit tcp any any eq 22\n", "192.0.2.2", True),
    (" access-class VTY in\n", "ip access-list extended VTY\n 10 permit tcp any any eq telnet\n",
     "192.0.2.2", False),                                         # SSH is port 22 to the vty, whatever --ssh is
    (" transport input none\n", "", "127.0.0.1", False),
    (" transport input telnet\n", "", "127.0.0.1", False),
    (" transport input all\n", "", "127.0.0.1", True),
    (" transport input telnet ssh\n", "", "127.0.0.1", True),
])
def test_the_vty_access_class_and_transport_decide_who_connects(tmp_path, vty, acls, client, admitted):
    assert login.vty_admits(_with_vty(tmp_path, vty, acls), client, "127.0.0.1") is admitted


def test_a_client_the_access_class_denies_is_reset_before_ssh(device):
    """access-list 1 permits 127.0.0.1 only: 127.0.0.2 (the same host, another loopback address)
    gets a reset where it expects the server's version; 127.0.0.1 logs in after it."""
    async def attempt(source):
        async with asyncssh.connect("127.0.0.1", device.port, local_addr=(source, 0), username="admin",
                                    password="hashcat", known_hosts=None, client_keys=None, agent_path=None):
            return True
    with pytest.raises((ConnectionResetError, asyncssh.ConnectionLost)):
        asyncio.run(attempt("127.0.0.2"))
    assert asyncio.run(attempt("127.0.0.1"))

    async def acl():
        async with asyncssh.connect("127.0.0.1", device.port, username="plain", password="plain-pw",
                                    known_hosts=None, client_keys=None, agent_path=None) as conn:
            return (await conn.run("show ip access-lists 1")).stdout
    # as on IOS, the entry that admitted a vty connection counts it (the implicit deny shows nothing)
    assert re.search(r"\r\n    20 permit 127\.0\.0\.1 \(\d+ matches\)\r\n", asyncio.run(acl()))


# -- Netmiko ---------------------------------------------------------------------------------------

def _netmiko(device, username="admin", password="hashcat", **extra):
    from netmiko import ConnectHandler
    return ConnectHandler(device_type="cisco_xe", host="127.0.0.1", port=device.port, username=username,
                          password=password, use_keys=False, allow_agent=False, **extra)


def test_netmiko_shows_and_pushes_a_config_that_reaches_the_fast_path(device):
    with _netmiko(device) as conn:
        assert conn.find_prompt() == "flexvpn-hub#"
        running = conn.send_command("show running-config")
        assert "hostname flexvpn-hub" in running and running.rstrip().endswith("end")
        up = conn.send_command("sim session up remote 77.1.1.1 local 77.1.1.2 fvrf-id 2 ivrf-id 2")
        assert up.startswith("Virtual-Access1 up")
        assert "Service-policy input: aaa-in-policy" in conn.send_command("show policy-map interface Virtual-Access1")
        pushed = conn.send_config_set(["ip access-list extended HUB-IN", "5 deny udp any any eq 9999"])
        assert "Invalid input" not in pushed and "flexvpn-hub(config-ext-nacl)#" in pushed
        assert conn.find_prompt() == "flexvpn-hub#"
        conn.send_command("sim traffic interface Vi1 input protocol udp destination-port 9999 size 100 "
                          "rate 100000 packets 10", read_timeout=60)
        acl = conn.send_command("show ip access-lists HUB-IN")
        assert "5 deny udp any any eq 9999 (10 matches)" in acl   # the fast path counted the new line
        assert "% Invalid input detected at '^' marker." in conn.send_command("show ip acess-lists")


def test_netmiko_with_a_privilege_1_user_enters_enable_mode(device):
    with _netmiko(device, "oper", "hashcat", secret="cisco") as conn:
        conn.enable()
        assert conn.find_prompt() == "flexvpn-hub#"
        assert "Standard IP access list 1" in conn.send_command("show ip access-lists 1")


def test_netmiko_answers_clear_counters_confirm(device):
    with _netmiko(device) as conn:
        asked = conn.send_command("clear counters", expect_string=r"\[confirm\]")
        assert 'Clear "show interface" counters on all interfaces [confirm]' in asked
        conn.send_command_timing("\n")
        assert conn.find_prompt() == "flexvpn-hub#"
        assert "Clear counter on all interfaces by admin on vty" in conn.send_command("show logging")


def test_a_wrong_password_is_refused(device):
    from netmiko.exceptions import NetmikoAuthenticationException
    with pytest.raises(NetmikoAuthenticationException):
        _netmiko(device, "admin", "not-it")

    async def attempt(user, password):
        async with asyncssh.connect("127.0.0.1", device.port, username=user, password=password,
                                    known_hosts=None, client_keys=None, agent_path=None):
            pass
    for user, password in (("admin", "Hashcat"), ("nobody", "hashcat"), ("seven", "")):
        with pytest.raises(asyncssh.PermissionDenied):
            asyncio.run(attempt(user, password))


# -- scrapli ---------------------------------------------------------------------------------------

# scrapli 2026's engine is a native library of its own, which aborts inside the sanitizer run
# (.ci/test preloads the ASan runtime into every process of it). The sanitizer run is about our C
# fast path; scrapli is checked in the main run and on every other Python.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
scrapli_runs = pytest.mark.skipif(UNDER_ASAN, reason="scrapli's native engine aborts under the ASan runtime")


def _scrapli(device, transport_options):
    from scrapli import AuthOptions, Cli, LookupKeyValue
    return Cli("127.0.0.1", port=device.port, definition_file_or_name="cisco_iosxe",
               auth_options=AuthOptions(username="oper", password="hashcat",
                                        lookups=[LookupKeyValue(key="enable", value="cisco")]),
               transport_options=transport_options)


def _scrapli_session(device, transport_options, port: int) -> None:
    """scrapli opens at privilege 1 (`enable` with the lookup), shows and configures."""
    with _scrapli(device, transport_options) as conn:
        assert conn.get_prompt().result == "flexvpn-hub#"
        shown = conn.send_input("show ip access-lists 1")
        assert shown.result.startswith("Standard IP access list 1")
        conn.send_inputs(["ip access-list extended SCRAPLI", f"permit tcp any any eq {port}"],
                         requested_mode="configuration")
        listed = conn.send_input("show ip access-lists SCRAPLI").result
        assert f"permit tcp any any eq {port}" in listed


@scrapli_runs
def test_scrapli_over_its_libssh2_transport(device):
    from scrapli import TransportSsh2Options
    _scrapli_session(device, TransportSsh2Options(), 8001)


@scrapli_runs
def test_scrapli_over_the_system_ssh(device, tmp_path):
    if shutil.which("ssh") is None:
        if IN_CI:
            pytest.fail("no ssh binary (openssh-client): scrapli's system transport cannot be tested")
        pytest.skip("no ssh binary (openssh-client)")
    from scrapli import TransportBinOptions
    _scrapli_session(device, TransportBinOptions(enable_strict_key=False,
                                                 known_hosts_path=str(tmp_path / "known_hosts")), 8002)


# -- an interactive terminal (asyncssh client with a PTY) --------------------------------------------

class Term:
    def __init__(self, conn, proc):
        self.conn, self.proc, self.seen = conn, proc, ""

    @classmethod
    async def open(cls, port: int, user: str = "admin", password: str = "hashcat") -> Term:
        conn = await asyncssh.connect("127.0.0.1", port, username=user, password=password,
                                      known_hosts=None, client_keys=None, agent_path=None)
        proc = await conn.create_process(term_type="vt100", term_size=(80, 24))
        term = cls(conn, proc)
        return term

    async def expect(self, pattern: str, timeout: float = 15) -> str:
        """Everything up to and including the first match of `pattern` since the last expect."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.seen)
            if found:
                got, self.seen = self.seen[:found.end()], self.seen[found.end():]
                return got
            left = deadline - time.monotonic()
            assert left > 0, f"no {pattern!r} in {self.seen!r}"
            data = await asyncio.wait_for(self.proc.stdout.read(4096), left)
            if not data:
                raise EOFError(self.seen)
            self.seen += data

    def send(self, keys: str) -> None:
        self.proc.stdin.write(keys)

    def close(self) -> None:
        self.conn.close()


def test_a_privilege_1_user_cannot_configure_until_enable(device):
    async def session():
        term = await Term.open(device.port, "oper", "hashcat")
        await term.expect("flexvpn-hub>$")
        term.send("configure terminal\r")
        refused = await term.expect("flexvpn-hub>$")
        assert "configure terminal\r\n            ^\r\n% Invalid input detected at '^' marker." in refused
        term.send("show ?")
        assert "running-config" not in await term.expect(r"flexvpn-hub>show $")
        term.send("\x03enable\r")
        for _ in range(3):
            await term.expect("Password: $")
            term.send("wrong\r")
        assert "% Bad secrets" in await term.expect("flexvpn-hub>$")
        term.send("enable\r")
        await term.expect("Password: $")
        term.send("cisco\r")
        assert "cisco" not in await term.expect("flexvpn-hub#$")   # a password is not echoed
        term.send("configure terminal\r")
        await term.expect(r"flexvpn-hub\(config\)#$")
        term.send("\x1a")
        await term.expect("flexvpn-hub#$")
        term.send("disable\r")
        await term.expect("flexvpn-hub>$")
        term.send("exit\r")
        await term.proc.wait_closed()
        term.close()
    asyncio.run(session())


def test_more_paging_help_and_tab_like_the_console(device):
    async def session():
        term = await Term.open(device.port)
        await term.expect("flexvpn-hub#$")
        term.send("show running-config\r")
        page = await term.expect(" --More-- $")
        assert page.count("\r\n") == 24 and "hostname flexvpn-hub" in page   # the echo's line, then 23
        term.send(" ")
        await term.expect(" --More-- $")
        term.send("q")
        await term.expect("flexvpn-hub#$")
        term.send("terminal length 0\r")
        await term.expect("flexvpn-hub#$")
        term.send("show running-config | include ^hostname\r")
        assert "hostname flexvpn-hub" in await term.expect("flexvpn-hub#$")
        term.send("show running-config\r")
        assert "--More--" not in await term.expect(r"\r\nend\r\nflexvpn-hub#$")
        term.send("show ip ?")
        helped = await term.expect(r"flexvpn-hub#show ip $")
        assert "  access-lists  List IP access lists" in helped
        term.send("\x03sh\t")   # Ctrl-C drops the line; Tab completes `sh` to `show `
        await term.expect(r"\r\nflexvpn-hub#show $")
        term.close()
    asyncio.run(session())


def test_the_login_banner_before_the_password_and_motd_then_exec_after(device):
    class Client(asyncssh.SSHClient):
        seen: list[str] = []

        def auth_banner_received(self, msg: str, lang: str) -> None:
            self.seen.append(msg)

    async def session():
        conn, _ = await asyncssh.create_connection(Client, "127.0.0.1", device.port, username="admin",
                                                   password="hashcat", known_hosts=None, client_keys=None,
                                                   agent_path=None)
        proc = await conn.create_process(term_type="vt100", term_size=(80, 24))
        term = Term(conn, proc)
        shown = await term.expect("flexvpn-hub#$")
        term.close()
        return shown
    shown = asyncio.run(session())
    assert Client.seen == ["\r\n*** Authorised access only ***\r\n"]
    assert shown == "\r\nMaintenance tonight 22:00 UTC\r\n\r\nExec banner for flexvpn-hub\r\nflexvpn-hub#"


def test_clear_counters_asks_to_confirm_on_a_vty(device):
    async def session():
        term = await Term.open(device.port)
        await term.expect("flexvpn-hub#$")
        term.send("clear counters\r")
        await term.expect(r'Clear "show interface" counters on all interfaces \[confirm\]$')
        term.send("\r")
        await term.expect("flexvpn-hub#$")
        term.send("show logging | include CLEAR\r")
        logged = await term.expect("flexvpn-hub#$")
        term.close()
        return logged
    logged = asyncio.run(session())
    assert re.search(r"%CLEAR-5-COUNTERS: Clear counter on all interfaces by admin on vty\d+ \(127\.0\.0\.1\)",
                     logged)


def test_show_terminal_names_the_vty_and_its_terminal_type(device):
    async def session():
        term = await Term.open(device.port)
        await term.expect("flexvpn-hub#$")
        term.send("terminal width 132\rshow terminal | include Line|Length\r")
        shown = await term.expect(r"Length: .*\r\nflexvpn-hub#$")
        term.close()
        return shown
    shown = asyncio.run(session())
    assert re.search(r'Line \d+, Location: "", Type: "VT100"\r\nLength: 24 lines, Width: 132 columns', shown)


def test_an_exec_request_runs_one_command(device):
    async def run():
        async with asyncssh.connect("127.0.0.1", device.port, username="plain", password="plain-pw",
                                    known_hosts=None, client_keys=None, agent_path=None) as conn:
            return await conn.run("show ip access-lists 1")
    result = asyncio.run(run())
    assert result.exit_status == 0
    assert result.stdout.startswith("Standard IP access list 1\r\n")


def test_twenty_sessions_at_once_and_no_more_than_the_vty_lines(device):
    async def sessions():
        terms = await asyncio.gather(*(Term.open(device.port) for _ in range(20)))
        await asyncio.gather(*(term.expect("flexvpn-hub#$") for term in terms))
        for i, term in enumerate(terms):
            term.send(f"show ip access-lists {'1' if i % 2 else 'MGMT'}\r")
        outputs = await asyncio.gather(*(term.expect("flexvpn-hub#$") for term in terms))
        for i, output in enumerate(outputs):
            assert ("Standard IP access list 1\r\n" if i % 2 else "Standard IP access list MGMT\r\n") in output
        last = await Term.open(device.port)   # the 21st of 21 lines
        await last.expect("flexvpn-hub#$")
        extra = await Term.open(device.port)
        with pytest.raises(EOFError) as busy:
            await extra.expect("flexvpn-hub#$")
        assert "% All vty lines are busy" in str(busy.value)
        for term in [*terms, last, extra]:
            term.close()
    asyncio.run(sessions())


def test_the_line_vty_exec_timeout_closes_an_idle_session(tmp_path):
    dev = Device(tmp_path, exec_timeout="0 2")
    try:
        async def idle():
            term = await Term.open(dev.port)
            await term.expect("flexvpn-hub#$")
            started = time.monotonic()
            term.send("show clock\r")   # input restarts the clock
            await term.expect("flexvpn-hub#$")
            with pytest.raises(EOFError):
                await term.expect("never", timeout=10)
            term.close()
            return time.monotonic() - started
        assert 1.5 < asyncio.run(idle()) < 6
    finally:
        dev.stop()


def test_the_embedded_configs_admin_logs_in_with_cisco():
    """README's promise: `ssh admin@...` with password cisco on the embedded configuration."""
    from qfp_model.control.config import load_default
    config = load_default().config
    assert login.authenticate(config, "admin", "cisco").privilege == 15
    assert login.authenticate(config, "admin", "cisco1") is None


def test_show_users_lists_each_ssh_session_while_it_lasts(device):
    async def run():
        async with asyncssh.connect("127.0.0.1", device.port, username="plain", password="plain-pw",
                                    known_hosts=None, client_keys=None, agent_path=None) as other:
            async with asyncssh.connect("127.0.0.1", device.port, username=ADMIN[0], password=ADMIN[1],
                                        known_hosts=None, client_keys=None, agent_path=None) as me:
                other_shell = await other.create_process(term_type="xterm")
                await other_shell.stdout.readuntil("#")
                during = (await me.run("show users", check=True)).stdout
                other_shell.close()
            await asyncio.sleep(0.2)
        return during
    during = asyncio.run(run()).replace("\r\n", "\n").splitlines()
    assert during[0] == "    Line       User       Host(s)              Idle       Location"
    rows = {line[5:15].strip(): line for line in during[1:] if line[4:5] == " " and line[1:4].strip().isdigit()}
    assert rows["con 0"].startswith("   0 con 0")
    mine = [line for line in rows.values() if line.startswith("*")]
    assert len(mine) == 1 and " admin " in mine[0] and mine[0].endswith(" 127.0.0.1")
    assert any(" plain " in line and not line.startswith("*") for line in rows.values())
