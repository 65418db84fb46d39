"""A private FreeRADIUS server: its own configuration directory, loopback on free unprivileged
ports, per-user replies from a `users` file, accounting written to a detail file. The tests and
`qfp regress` start one to authorize and account the device's sessions against the real thing.

    with FreeRadius({"spoke1": Reply(["ip:sub-qos-policy-in=2M"]), "bad": Reply(reject=True)},
                    secret="radkey") as server:
        server.auth_port, server.acct_port      # where the device should send
        server.accounting_records()             # what FreeRADIUS wrote, one dict per request

The configuration is the least FreeRADIUS 3 needs to do exactly this (no EAP, no certificates, no
SQL): the `files` module decides per user (Auth-Type Accept or Reject, or a password `pap`
checks, and the reply's Cisco AV pairs), `detail` writes each Accounting-Request, and
`require_message_authenticator` makes the server refuse an Access-Request without one, as a
hardened server does.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DICTIONARY_DIR = "/usr/share/freeradius"
START_TIMEOUT_S = 20.0


class FreeRadiusMissing(RuntimeError):
    """No FreeRADIUS on this machine (Debian package `freeradius`)."""


@dataclass(frozen=True)
class Reply:
    """What the server answers for one user: Access-Accept with these Cisco AV pairs (`name=value`
    strings, each sent as its own Cisco-AVPair) and these IETF attributes by their dictionary
    names (`{"Framed-IPv6-Prefix": "2001:db8:77::/64"}`), or Access-Reject. With a `password` the
    user is checked as a login is (PAP): Accept only for that password, Reject for any other;
    without one every request is accepted (IKEv2 authorization sends IOS's fixed password)."""
    avpairs: list[str] = field(default_factory=list)
    reject: bool = False
    password: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def binary() -> str:
    for name in ("freeradius", "radiusd"):
        path = shutil.which(name) or (f"/usr/sbin/{name}" if os.access(f"/usr/sbin/{name}", os.X_OK) else None)
        if path:
            return path
    raise FreeRadiusMissing("FreeRADIUS is not installed (Debian: apt-get install freeradius)")


def _free_udp_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def users_file(users: dict[str, Reply]) -> str:
    lines = []
    for name, reply in users.items():
        if reply.reject:
            lines.append(f"{_quoted(name)}\tAuth-Type := Reject\n")
            continue
        check = "Auth-Type := Accept" if reply.password is None else f"Cleartext-Password := {_quoted(reply.password)}"
        lines.append(f"{_quoted(name)}\t{check}")
        pairs = [f"\tCisco-AVPair += {_quoted(p)}" for p in reply.avpairs]
        pairs += [f"\t{attribute} := {_quoted(value)}" for attribute, value in reply.attributes.items()]
        lines.append((",\n".join(pairs) if pairs else "") + "\n")
    return "\n".join(lines) + "\n"


RADIUSD_CONF = """\
prefix = /usr
name = freeradius
raddbdir = {dir}
confdir = {dir}
logdir = {dir}
run_dir = {dir}
libdir = /usr/lib/freeradius
pidfile = {dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 65536
hostname_lookups = no
log {{
    destination = files
    file = {dir}/radius.log
    auth = yes
}}
security {{
    allow_core_dumps = no
    max_attributes = 200
    reject_delay = 0
    status_server = no
}}
thread pool {{
    start_servers = 4
    max_servers = 8
    min_spare_servers = 2
    max_spare_servers = 8
    max_requests_per_server = 0
}}
client local {{
    ipaddr = 127.0.0.1
    secret = {secret}
    require_message_authenticator = yes
}}
modules {{
    files {{
        filename = {dir}/users
    }}
    detail {{
        filename = {dir}/detail
        escape_filenames = no
        permissions = 0600
        header = "%t"
        locking = no
        log_packet_header = no
    }}
    pap {{
        normalise = yes
    }}
    always reject {{
        rcode = reject
    }}
    always ok {{
        rcode = ok
    }}
}}
server default {{
    listen {{
        type = auth
        ipaddr = 127.0.0.1
        port = {auth_port}
    }}
    listen {{
        type = acct
        ipaddr = 127.0.0.1
        port = {acct_port}
    }}
    authorize {{
        files
        pap
    }}
    authenticate {{
        Auth-Type Accept {{
            ok
        }}
        Auth-Type PAP {{
            pap
        }}
    }}
    preacct {{
        ok
    }}
    accounting {{
        detail
    }}
    post-auth {{
        ok
        Post-Auth-Type REJECT {{
            ok
        }}
    }}
}}
"""


class FreeRadius:
    def __init__(self, users: dict[str, Reply], secret: str = "testing123", *, directory: str | None = None):
        self.users = dict(users)
        self.secret = secret
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="qfp-freeradius-"))
        self.process: subprocess.Popen | None = None
        self.auth_port = self.acct_port = 0

    def start(self) -> FreeRadius:
        exe = binary()
        d = self.directory
        self.auth_port, self.acct_port = _free_udp_ports(2)
        (d / "dictionary").write_text(f"$INCLUDE {DICTIONARY_DIR}/dictionary\n")
        (d / "users").write_text(users_file(self.users))
        (d / "radiusd.conf").write_text(RADIUSD_CONF.format(
            dir=d, secret=_quoted(self.secret), auth_port=self.auth_port, acct_port=self.acct_port))
        # -f: stay in the foreground (our child); -l stdout would mix logs into our pipes, so the
        # log goes to radius.log. Root must not make it drop privileges to a user who cannot read
        # the private directory, hence no `user`/`group` in the config.
        # The server is not ours: it runs without the sanitizer runtime that a test run under ASan
        # preloads (ASan refuses FreeRADIUS's RTLD_DEEPBIND module loading and aborts it).
        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
        self.process = subprocess.Popen([exe, "-f", "-d", str(d), "-n", "radiusd"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, env=env)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        log = self.directory / "radius.log"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read() if self.process.stderr else ""
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"FreeRADIUS exited with {self.process.returncode}: {err}{tail}")
            if log.exists() and "Ready to process requests" in log.read_text(errors="replace"):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"FreeRADIUS not ready within {START_TIMEOUT_S:g} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> FreeRadius:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def log(self) -> str:
        path = self.directory / "radius.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def accounting_records(self) -> list[dict[str, str]]:
        """Each Accounting-Request FreeRADIUS wrote to its detail file, as attribute -> value (the
        value unquoted; a repeated attribute keeps its last value, Cisco-AVPair all joined by '|')."""
        path = self.directory / "detail"
        if not path.exists():
            return []
        records: list[dict[str, str]] = []
        current: dict[str, str] | None = None
        for line in path.read_text(errors="replace").splitlines():
            if not line.strip():
                if current:
                    records.append(current)
                current = None
                continue
            if not line[0].isspace():
                current = {}
                continue
            name, _, value = line.strip().partition(" = ")
            value = value.strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            if current is not None:
                if name == "Cisco-AVPair" and name in current:
                    current[name] += "|" + value
                else:
                    current[name] = value
        if current:
            records.append(current)
        return records
