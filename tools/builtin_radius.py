"""A small RADIUS server of our own, for `qfp regress` on a machine without FreeRADIUS: per-user
Access-Accept (with Cisco AV pairs) or Access-Reject, and Accounting-Response to every
Accounting-Request, whose attributes it keeps in the shape FreeRadius.accounting_records() gives.

It is a stand-in, and says so: the runner prints that the case ran against it, not FreeRADIUS. It
checks what a server must (the client's secret: the Message-Authenticator and, for accounting, the
Request Authenticator) and nothing a real server's policy adds.
"""
from __future__ import annotations

import hashlib
import socket
import threading

from pyrad import packet as pyrad_packet

from qfp_model.control.radius.packet import DICTIONARY

from .freeradius import Reply

ACCESS_REQUEST, ACCOUNTING_REQUEST = 1, 4


class BuiltinRadius:
    name = "the built-in RADIUS server (FreeRADIUS is not installed)"

    def __init__(self, users: dict[str, Reply], secret: str = "testing123"):
        self.users = dict(users)
        self.secret = secret.encode()
        self.records: list[dict[str, str]] = []
        self.log: list[str] = []
        self._sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
        for s in self._sockets:
            s.bind(("127.0.0.1", 0))
            s.settimeout(0.2)
        self.auth_port, self.acct_port = (s.getsockname()[1] for s in self._sockets)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve, args=(s,), daemon=True) for s in self._sockets]

    def start(self) -> BuiltinRadius:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()
        for s in self._sockets:
            s.close()

    def __enter__(self) -> BuiltinRadius:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def accounting_records(self) -> list[dict[str, str]]:
        return list(self.records)

    def _serve(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                reply = self._answer(data)
            except Exception as exc:    # a bad packet: dropped, as a server does
                self.log.append(f"dropped from {peer[0]}:{peer[1]}: {exc}")
                continue
            if reply is not None:
                sock.sendto(reply, peer)

    def _answer(self, data: bytes) -> bytes | None:
        if data[0] == ACCESS_REQUEST:
            request = pyrad_packet.AuthPacket(packet=data, dict=DICTIONARY, secret=self.secret)
            if "Message-Authenticator" in request and not request.verify_message_authenticator():
                raise ValueError("bad Message-Authenticator")
            user = request["User-Name"][0]
            wanted = self.users.get(user)
            reply = request.CreateReply()
            if wanted is None or wanted.reject:
                reply.code = pyrad_packet.AccessReject
                self.log.append(f"Login incorrect: [{user}]")
            else:
                for pair in wanted.avpairs:
                    reply.AddAttribute("Cisco-AVPair", pair)
                for name, value in wanted.attributes.items():
                    reply.AddAttribute(name, value)
                self.log.append(f"Login OK: [{user}]")
            return reply.ReplyPacket()
        if data[0] == ACCOUNTING_REQUEST:
            request = pyrad_packet.AcctPacket(packet=data, dict=DICTIONARY, secret=self.secret)
            expected = hashlib.md5(data[:4] + bytes(16) + data[20:] + self.secret).digest()
            if expected != data[4:20]:
                raise ValueError("bad Request Authenticator")
            record = {}
            for key in request.keys():
                values = [str(v) for v in request[key]]
                record[str(key)] = "|".join(values)
            self.records.append(record)
            reply = request.CreateReply()
            return reply.ReplyPacket()
        return None
