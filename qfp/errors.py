"""The fast path's exceptions: one tree rooted in QfpError.

A TableError is raised in Python before C is called (a bad ACE, a bad rate); the others carry the
status and message C returned for a control operation."""


class QfpError(Exception):
    """Anything the fast path refuses."""


class TableError(QfpError, ValueError):
    """A table or packet batch that is malformed; found in Python, before C sees it."""


class Closed(QfpError, ValueError):
    """The fast path was closed: its tables are gone (as a closed file's buffer is)."""


class FastPathError(QfpError):
    """C refused a control operation; `status` is its qfp_status code."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


class OutOfMemory(FastPathError, MemoryError):
    pass


class InvalidTable(FastPathError, ValueError):
    pass


class NotFound(FastPathError, LookupError):
    """No such UIDB, ACL slot or policy handle."""


class InUse(FastPathError):
    """The object is still referenced by a target or a parent policy."""


class TableFull(FastPathError):
    pass
