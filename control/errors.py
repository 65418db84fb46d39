"""The control plane's errors: one tree, split by whose fault it is.

ConfigError is ours or the user's (a bad config line: file, line, caret, reason); PeerError is a
RADIUS peer's (a bad request: it carries the Error-Cause of the NAK, or says to drop silently);
ExecError is a refused exec command (printed IOS-style as `% ...`)."""
from __future__ import annotations


class ControlError(Exception):
    """Anything the control plane refuses."""


class ConfigError(ControlError):
    """A configuration line the device cannot take.

    str() is `FILE:LINE: REASON`, then the line, then a caret under the bad token's first character."""

    def __init__(self, reason: str, *, filename: str = "<config>", line: int = 0, column: int = 0,
                 text: str = ""):
        self.reason = reason
        self.filename = filename
        self.line = line
        self.column = column
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        return (f"{self.filename}:{self.line}: {self.reason}\n"
                f"  {self.text}\n"
                f"  {' ' * self.column}^")


class PeerError(ControlError):
    """An error caused by a RADIUS peer; carries the Error-Cause of the NAK."""


class PeerDrop(PeerError):
    """A request RFC 5176 says to drop silently (unknown client, malformed, a bad authenticator,
    a stale Event-Timestamp): no reply; counted under `reason`, a short fixed word."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class PeerNak(PeerError):
    """A request answered with a NAK carrying `error_cause` (RFC 5176 section 3.5), and the
    attributes it refuses when there are some (`attributes`, echoed in the NAK)."""

    def __init__(self, error_cause: int, message: str, attributes: tuple = ()):
        super().__init__(message)
        self.error_cause = error_cause
        self.attributes = tuple(attributes)


class ExecError(ControlError):
    """An exec command the device refuses; str() is the message without IOS's `% ` prefix."""
