"""A1 references: the only arithmetic on cell addresses in the project (pure)."""

from __future__ import annotations

import re
from functools import lru_cache

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_pos(ref: str) -> tuple[int, int]:
    """'B3' or '$B$3' → (row 3, column 2), both 1-based."""
    m = _CELL.match(ref.strip().upper())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


@lru_cache(maxsize=1024)  # table ranges repeat in every workbook of a template
def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A4:L14' → (min_row, min_col, max_row, max_col)."""
    a, _, b = ref.replace("$", "").partition(":")
    r1, c1 = cell_pos(a)
    r2, c2 = cell_pos(b or a)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"
