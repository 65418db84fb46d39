"""qfp_model.qfp: the QFP fast path model's Python face.

FastPath is the C fast path; ReferenceFastPath (qfp.reference) the pure-Python model that defines its
semantics; qfp.tables the values both take; qfp.packets the numpy batches both process."""
from .errors import FastPathError, QfpError, TableError
from .tables import (
    Ace,
    ClassMap,
    Direction,
    Match,
    PoliceAction,
    PoliceMode,
    Policer,
    Policy,
    PolicyClass,
    PortMatch,
    PortOp,
)

__all__ = [
    "QfpError", "TableError", "FastPathError",
    "Ace", "ClassMap", "Direction", "Match", "PoliceAction", "PoliceMode", "Policer", "Policy",
    "PolicyClass", "PortMatch", "PortOp", "FastPath",
]


def __getattr__(name):
    # The C extension loads on first use, so `import qfp` works before it is built.
    if name == "FastPath":
        from .fastpath import FastPath
        return FastPath
    raise AttributeError(f"module 'qfp' has no attribute {name!r}")
