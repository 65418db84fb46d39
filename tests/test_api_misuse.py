"""Misuse of the fast path's API is a TableError up front, alike in C and in the reference
(issue 11), never an AttributeError deep in the wrapper or a name C would keep half of."""
from __future__ import annotations

import pytest

from fastpaths import native_fastpath_class
from qfp_model.qfp.errors import TableError
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import Binding, Direction


@pytest.mark.parametrize("kind", ["reference", "native"])
def test_a_name_with_a_nul_and_counters_of_the_wrong_type_are_refused(kind):
    fp = ReferenceFastPath() if kind == "reference" else native_fastpath_class()()
    with pytest.raises(TableError, match="NUL"):
        fp.uidb_create(14, "Virtual-Access1\0evil")
    with pytest.raises(TableError, match="ClassCounters"):
        Binding(Direction.IN, None, None, counters=(1, 2))
