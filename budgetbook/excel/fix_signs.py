"""Writing the sign-converted copy of a workbook (``budgetbook fix-signs``).

Invariant: the original file is only read; the copy is written atomically to another
path. Formulas are kept (loaded without data_only), so computed cells recompute in Excel.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

from ..convention import Flip
from .cells import put
from .template import atomic_write


def write_flipped(source: Path, output: Path, flips: Iterable[Flip]) -> int:
    """Write ``source`` with ``flips`` applied to ``output``; returns the cells changed."""
    import openpyxl

    wb = openpyxl.load_workbook(source)  # formulas kept; no cached values are written back
    n = 0
    for flip in flips:
        put(wb[flip.sheet][flip.ref], flip.value)
        n += 1
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(output, buf.getvalue())
    return n
