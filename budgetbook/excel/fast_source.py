"""The fast file source: python-calamine for values, a byte scan for what calamine hides.

Invariant: gives the same RawCells as the openpyxl source for the same file. calamine
returns '' both for an empty cell, for a formula without cached result and for an error
cell; one regex pass over the sheet XML (bounded to the rows read) recovers which cells
hold formulas and which hold errors, plus hidden rows and merged ranges.

Speed (issue 8): the grid is lazy — a RawCell is made only for the cells the reader asks
for — and each byte scan runs only when a cheap substring test says it can match.
"""

from __future__ import annotations

import io
import html
import re

import python_calamine

from ..excel_refs import col_index
from ..source import EMPTY, RawCell, SheetGrid
from .package import (EngineFault, Package, PackageError, book_meta, cut_after_row, engine_fault,
                      open_package, parse_range)

# A formula cell and its text (empty for a shared formula's followers: <f t="shared" si="0"/>).
_FORMULA_CELL = re.compile(rb'<c\s[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*(?<!/)><f(?:\s[^>]*?)?(?:/>|>([^<]*)</f>)')
# The same, for the usual case where r is a cell's first attribute (Excel, openpyxl, LibreOffice
# all write it so): about four times faster, used when no <c> tag in the sheet says otherwise.
_FORMULA_CELL_R_FIRST = re.compile(rb'<c\sr="([A-Z]{1,3})(\d+)"[^>]*(?<!/)><f(?:\s[^>]*?)?(?:/>|>([^<]*)</f>)')
_R_NOT_FIRST = re.compile(rb'<c\s(?!r=")')
_ERROR_CELL = re.compile(
    rb'<c\s[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?\bt="e"[^>]*(?<!/)>'
    rb'(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>([^<]*)</v>')
_ROW_HIDDEN = re.compile(rb'<row\s[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_ROW_HIDDEN_REV = re.compile(rb'<row\s[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_MERGE = re.compile(rb'<mergeCell\s[^>]*?ref="([A-Z0-9:$]+)"')


class FastSource:
    def __init__(self, package: Package):
        self.package = package
        self.description = package.path
        self.sheet_states = {s.name: s.state for s in package.sheets}
        self.tables = package.tables
        self.defined_names = package.defined_names
        self.meta = book_meta(package)
        self._wb = None

    @classmethod
    def open(cls, path: str) -> "FastSource":
        return cls(open_package(path))

    def _workbook(self):
        if self._wb is None:
            data = self.package.values_data()  # sheets cut after their last read row
            try:
                self._wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            except Exception as exc:  # calamine's own errors carry no stable type
                raise PackageError("READ-004", reason=str(exc)) from None
        return self._wb

    def grid(self, sheet: str, max_row: int) -> SheetGrid:
        info = self.package.sheet(sheet)
        if info is None:
            return SheetGrid()
        try:
            rows = self._workbook().get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=max_row)
        except PackageError:
            raise
        except BaseException as exc:  # a Rust panic is no Exception: it must not reach the user
            if engine_fault(exc):
                raise EngineFault(f"bladet {sheet}: {exc}") from None
            if not isinstance(exc, Exception):
                raise
            raise PackageError("READ-004", reason=f"bladet {sheet}: {exc}") from None
        whole = self.package.part(info.part)
        xml = self.package.sheet_xml(info) if max_row == self.package.read_rows.get(sheet) else cut_after_row(whole, max_row)
        formulas, errors = _scan_cells(xml)
        special: dict[tuple[int, int], RawCell] = {}
        for pos, text in formulas.items():
            if pos[0] <= max_row:
                special[pos] = RawCell(value=_value_at(rows, pos), formula=True, text=text)
        for pos, err in errors.items():
            if pos[0] <= max_row:
                special[pos] = RawCell(value=None, formula=pos in formulas, error=err, text=formulas.get(pos))
        hidden: set[int] = set()
        if b"hidden=" in xml:
            hidden = {int(m) for m in _ROW_HIDDEN.findall(xml)} | {int(m) for m in _ROW_HIDDEN_REV.findall(xml)}
        merged = []
        if b"<mergeCell" in whole:
            merged = [parse_range(m.decode().replace("$", "")) for m in _MERGE.findall(whole)]
        return _LazyGrid(rows, special, hidden_rows=hidden, merged=merged)


class _LazyGrid(SheetGrid):
    """calamine's rows as a SheetGrid; a plain cell's RawCell is made when it is asked for."""

    def __init__(self, rows: list[list], special: dict[tuple[int, int], RawCell],
                 hidden_rows: set[int], merged: list[tuple[int, int, int, int]]):
        self.rows = rows
        self.special = special  # formula and error cells, from the byte scan
        self.hidden_rows = hidden_rows
        self.merged = merged

    def cell(self, row: int, col: int) -> RawCell:
        c = self.special.get((row, col))
        if c is not None:
            return c
        try:
            v = self.rows[row - 1][col - 1] if row > 0 and col > 0 else None
        except IndexError:
            return EMPTY
        if v is None or v == "":
            return EMPTY
        return RawCell(value=v)

    @property
    def cells(self) -> dict[tuple[int, int], RawCell]:  # type: ignore[override]
        out = {(r, c): RawCell(value=v) for r, row in enumerate(self.rows, start=1)
               for c, v in enumerate(row, start=1) if v != "" and v is not None}
        out.update(self.special)
        return out


def _value_at(rows: list[list], pos: tuple[int, int]):
    """calamine's value at (row, column), 1-based; None for '' (blank, or no cached result)."""
    r, c = pos
    try:
        v = rows[r - 1][c - 1] if r > 0 and c > 0 else None
    except IndexError:
        return None
    return None if v == "" else v


def _scan_cells(xml: bytes) -> tuple[dict[tuple[int, int], str | None], dict[tuple[int, int], str]]:
    # Two findall passes in C: only formula and error cells make Python objects.
    formulas: dict[tuple[int, int], str | None] = {}
    if b"<f" in xml:
        pattern = _FORMULA_CELL if _R_NOT_FIRST.search(xml) else _FORMULA_CELL_R_FIRST
        formulas = {(int(r), col_index(c.decode())): (html.unescape(t.decode("utf-8", "replace")) or None)
                    for c, r, t in pattern.findall(xml)}
    errors = {}
    if b't="e"' in xml:
        errors = {(int(r), col_index(c.decode())): v.decode("utf-8", "replace") or "#VALUE!"
                  for c, r, v in _ERROR_CELL.findall(xml)}
    return formulas, errors
