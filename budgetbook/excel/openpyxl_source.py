"""The slow, obviously-correct file source: openpyxl, loaded twice (formulas and values).

Invariant: answers exactly as FastSource does; it exists to prove the fast path right
(tests/test_reader_equivalence.py) and is never used on the hot path.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings

from ..excel_refs import cell_pos
from ..source import RawCell, SheetGrid, TableInfo
from .package import M, Package, PackageError, book_meta, cut_after_row, open_package, parse_elements, parse_range


def _as_calamine(value):
    """A cell's value as python-calamine gives it."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        value = float(value)  # a cell holds a double, as calamine gives it
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    elif isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()  # as calamine gives a date without a time of day
    return value


_CELL, _VALUE = M + "c", M + "v"
_EPOCH = (1899, 12, 30)  # date serial 0: a date before it is a negative serial


def _stored_numbers(xml: bytes, part: str) -> dict[tuple[int, int], float]:
    """The cells the sheet XML stores as numbers (no t="e", "s", "str" …), by (row, column)."""
    out = {}
    cell = None
    for tag, attrs, text in parse_elements(xml, part, frozenset([_CELL, _VALUE]), text=_VALUE):
        if tag == _CELL:
            cell = attrs if attrs.get("t", "n") == "n" else None
        elif cell is not None and text:
            try:
                out[cell_pos(cell.get("r", ""))] = float(text)
            except ValueError:
                pass
            cell = None
    return out


class OpenpyxlSource:
    def __init__(self, package: Package):
        import openpyxl

        self.package = package
        self.description = package.path
        self.sheet_states = {s.name: s.state for s in package.sheets}
        self.defined_names = package.defined_names
        self.meta = book_meta(package)
        data = package.values_data()  # the same bytes the fast source reads
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
                self._values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        except Exception as exc:
            raise PackageError("READ-004", reason=f"{type(exc).__name__}: {exc}") from None
        self.tables = [
            TableInfo(
                name=t.displayName or t.name,
                sheet=ws.title,
                ref=t.ref,
                header_rows=1 if t.headerRowCount is None else int(t.headerRowCount),
                totals_rows=int(t.totalsRowCount or 0),
                columns=tuple(c.name for c in t.tableColumns),
            )
            for ws in self._formulas.worksheets
            for t in ws.tables.values()
        ]

    @classmethod
    def open(cls, path: str) -> "OpenpyxlSource":
        return cls(open_package(path))

    def grid(self, sheet: str, max_row: int) -> SheetGrid:
        if sheet not in self._formulas.sheetnames:
            return SheetGrid()
        wf, wv = self._formulas[sheet], self._values[sheet]
        max_row = min(max_row, wf.max_row)  # iter_rows would make every cell of a huge table
        cells = {}
        shown_as_value_error = []
        before_1900 = []
        for row_f, row_v in zip(wf.iter_rows(max_row=max_row), wv.iter_rows(max_row=max_row)):
            for cf, cv in zip(row_f, row_v):
                is_formula = cf.data_type == "f"
                value = cv.value
                error = None
                if cv.data_type == "e":
                    error, value = str(cv.value), None
                    if error == "#VALUE!":
                        shown_as_value_error.append((cf.row, cf.column))
                if isinstance(value, str) and value == "":
                    value = None
                elif isinstance(value, dt.date) and (value.year, value.month, value.day) < _EPOCH:
                    before_1900.append((cf.row, cf.column))
                if value is None and not is_formula and error is None:
                    continue
                text = cf.value[1:] if is_formula and isinstance(cf.value, str) and cf.value.startswith("=") else None
                cells[(cf.row, cf.column)] = RawCell(value=_as_calamine(value), formula=is_formula, error=error,
                                                     text=text or None)
        if shown_as_value_error or before_1900:
            # A number in a date cell that is no date: Excel shows it as ##### and the file
            # holds the number, which the reader reads as IN-008, not a valid date. openpyxl
            # turns one past the last date (9999-12-31) into #VALUE! and a negative one into
            # a date before 1900 (the reader asks calamine's time of day for the number):
            # both are read from the XML.
            info = self.package.sheet(sheet)
            stored = _stored_numbers(cut_after_row(self.package.part(info.part), max_row), info.part)
            for pos in shown_as_value_error:
                number = stored.get(pos)
                if number is not None and number > 0:
                    cells[pos] = cells[pos]._replace(value=_as_calamine(number), error=None)
            for pos in before_1900:
                number = stored.get(pos)
                if number is not None and number < 0:
                    cells[pos] = cells[pos]._replace(value=_as_calamine(number))
        hidden = {r for r, dim in wf.row_dimensions.items() if dim.hidden and r <= max_row}
        merged = [parse_range(str(m)) for m in wf.merged_cells.ranges]
        return SheetGrid(cells=cells, hidden_rows=hidden, merged=merged)
