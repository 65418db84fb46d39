"""A device's control socket is its owner's alone: where it lives, how it is made, who may talk.

- Its default place is a private directory: $XDG_RUNTIME_DIR (the per-user runtime directory the
  login manager makes), else /tmp/qfp-$UID, made 0700 and then checked: a directory, not a link,
  owned by this user and shut to everyone else. A directory someone else made first is refused,
  never used: in a shared /tmp another user could otherwise bind the socket first and receive the
  owner's commands (and answer them).
- The socket is created under a umask that leaves it 0600 from its first instant (chmod after
  bind leaves a window in which anyone the umask lets in can connect).
- Both ends ask the kernel who is at the other (SO_PEERCRED): the device serves only its own
  user, and `qfp cli` talks only to a device of its own user, so that a socket at an explicit
  --control path in a shared directory cannot be impersonated either.
"""
from __future__ import annotations

import os
import socket
import stat
import struct
import tempfile
from contextlib import contextmanager

from ..errors import ControlError

SOCKET_NAME = "qfp.sock"
SOCKET_UMASK = 0o177      # the socket file comes out 0600


class NotPrivate(ControlError):
    """The socket's directory or its peer is not this user's alone."""


def default_socket_path() -> str:
    return os.path.join(private_directory(), SOCKET_NAME)


def private_directory() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        check_private(runtime)
        return runtime
    path = os.path.join(tempfile.gettempdir(), f"qfp-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    check_private(path)
    return path


def check_private(path: str) -> None:
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise NotPrivate(f"{path}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise NotPrivate(f"{path} is not a directory (a symbolic link or a file is never used)")
    if st.st_uid != os.getuid():
        raise NotPrivate(f"{path} belongs to uid {st.st_uid}, not to you (uid {os.getuid()}): "
                         "someone else made it; remove it or give --control")
    if st.st_mode & 0o077:
        raise NotPrivate(f"{path} is open to other users (mode {stat.S_IMODE(st.st_mode):04o}); "
                         "it must be 0700")


@contextmanager
def restrictive_umask():
    """For the length of a bind: the socket file is never more open than 0600."""
    old = os.umask(SOCKET_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket; None where the kernel cannot say
    (no SO_PEERCRED outside Linux)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return uid


def same_user(sock: socket.socket) -> bool:
    uid = peer_uid(sock)
    return uid is None or uid == os.getuid()
