"""The SSH server's host key: made once and kept, so that a client's known_hosts entry holds from one
`qfp run` to the next. It lives in the user's state directory ($XDG_STATE_HOME/qfp-model, else
~/.local/state/qfp-model), made 0700 and checked to be the user's alone, or where `--ssh-host-key`
says. A key file is written 0600 from its first byte; one that cannot be read is an error, never
silently replaced (clients would see a changed host key and rightly refuse).
"""
from __future__ import annotations

import os

import asyncssh

from ..errors import ControlError
from .ownership import check_private, restrictive_umask

STATE_NAME = "qfp-model"
KEY_NAME = "ssh_host_ed25519_key"


class HostKeyError(ControlError):
    """A host key file that cannot be made or read."""


def state_directory() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    path = os.path.join(base, STATE_NAME)
    try:
        os.makedirs(base, exist_ok=True)
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise HostKeyError(f"cannot make the state directory {path}: {exc.strerror}") from None
    check_private(path)
    return path


def load_or_create(path: str | None = None) -> asyncssh.SSHKey:
    """The key in `path` (default: the state directory's), made there first if there is none."""
    if path is None:
        path = os.path.join(state_directory(), KEY_NAME)
    if not os.path.exists(path):
        key = asyncssh.generate_private_key("ssh-ed25519", comment="qfp-model host key")
        try:
            with restrictive_umask():
                key.write_private_key(path)
        except OSError as exc:
            raise HostKeyError(f"cannot write the SSH host key {path}: {exc.strerror}") from None
        return key
    try:
        return asyncssh.read_private_key(path)
    except (OSError, asyncssh.KeyImportError) as exc:
        raise HostKeyError(f"cannot read the SSH host key {path}: {exc}") from None
