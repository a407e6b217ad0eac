"""The fast file source: python-calamine for values, a byte scan for what calamine hides.

Invariant: gives the same RawCells as the openpyxl source for the same file. calamine
returns '' both for an empty cell, for a formula without cached result and for an error
cell; one regex pass over the sheet XML (bounded to the rows read) recovers which cells
hold formulas and which hold errors, plus hidden rows and merged ranges.
"""

from __future__ import annotations

import io
import re

import python_calamine

from ..book import BookMeta
from ..source import RawCell, SheetGrid
from .package import (EngineFault, Package, PackageError, col_to_index, cut_after_row, engine_fault,
                      open_package, parse_range)

_FORMULA_CELL = re.compile(rb'<c\s[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*(?<!/)><f[\s>/]')
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
        self.meta = BookMeta(
            sheets=[s.name for s in package.sheets],
            hidden_sheets=[s.name for s in package.sheets if s.state != "visible"],
            has_vba=package.has_vba,
            external_links=package.external_links,
            connections=package.connections,
            sha256=package.sha256,
            size=len(package.data),
        )
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
        xml = self.package.part(info.part)
        xml = cut_after_row(xml, max_row)
        formulas, errors = _scan_cells(xml)
        cells: dict[tuple[int, int], RawCell] = {}
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v == "" or v is None:
                    continue
                cells[(r, c)] = RawCell(value=v)
        for pos in formulas:
            if pos[0] <= max_row:
                prev = cells.get(pos)
                cells[pos] = RawCell(value=prev.value if prev else None, formula=True)
        for pos, err in errors.items():
            if pos[0] <= max_row:
                cells[pos] = RawCell(value=None, formula=pos in formulas, error=err)
        hidden = {int(m) for m in _ROW_HIDDEN.findall(xml)} | {int(m) for m in _ROW_HIDDEN_REV.findall(xml)}
        merged = [parse_range(m.decode().replace("$", "")) for m in _MERGE.findall(self.package.part(info.part))]
        return SheetGrid(cells=cells, hidden_rows=hidden, merged=merged)


def _scan_cells(xml: bytes) -> tuple[set[tuple[int, int]], dict[tuple[int, int], str]]:
    # Two findall passes in C: only formula and error cells make Python objects.
    formulas = {(int(r), col_to_index(c.decode())) for c, r in _FORMULA_CELL.findall(xml)}
    errors = {(int(r), col_to_index(c.decode())): v.decode("utf-8", "replace") or "#VALUE!"
              for c, r, v in _ERROR_CELL.findall(xml)}
    return formulas, errors
