"""What the reader needs from a workbook, whoever opens it.

Invariant: the reader (budgetbook.reader) sees a workbook only through ``WorkbookSource``;
the file (python-calamine), openpyxl and live Excel (xlwings) implementations live in
budgetbook/excel and must give identical answers for the same workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, Sequence

from .book import BookMeta


class RawCell(NamedTuple):  # a named tuple: made far more often than a frozen dataclass is cheap
    value: Any = None  # cached result or constant; None when blank or no cached result
    formula: bool = False
    error: str | None = None  # an Excel error value stored as such (t="e")
    text: str | None = None  # the formula's text without "=", when the source knows it


EMPTY = RawCell()

# What SheetGrid.block gives: the values of a rectangle, row by row (None or "" where a cell
# is blank, holds an error or a formula without cached result: RawCell.value), and the
# sheet's formula and error cells as row → column → (formula, error, …).
Block = tuple[list[Sequence[Any]], dict[int, dict[int, tuple]]]


@dataclass(frozen=True)
class TableInfo:
    name: str  # displayName, what Excel shows and formulas use
    sheet: str
    ref: str  # A1:L14, header and totals rows included
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]


@dataclass
class SheetGrid:
    """Cells of one sheet up to a row, 1-based (row, column)."""

    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def cell(self, row: int, col: int) -> RawCell:
        return self.cells.get((row, col), EMPTY)

    def block(self, first: int, last: int, cols: list[int]) -> Block:
        """The rows first..last in the columns cols at once (the reader's hot path)."""
        cells = self.cells
        values = [[cells.get((r, c), EMPTY).value for c in cols] for r in range(first, last + 1)]
        special: dict[int, dict[int, tuple]] = {}
        for (r, c), raw in cells.items():
            if raw.formula or raw.error is not None:
                special.setdefault(r, {})[c] = (raw.formula, raw.error)
        return values, special

    def stored_number(self, row: int, col: int) -> float | None:
        """The number the file stores in a cell the source gives as something else (a
        time of day from a negative date serial); None where the source cannot tell."""
        return None


class WorkbookSource(Protocol):
    description: str
    sheet_states: dict[str, str]  # sheet name → visible | hidden | veryHidden, in order
    tables: list[TableInfo]
    defined_names: dict[str, tuple[str, str]]  # lower-cased name → (sheet, A1)
    meta: BookMeta

    def grid(self, sheet: str, max_row: int) -> SheetGrid: ...
