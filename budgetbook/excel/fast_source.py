"""The fast file source: python-calamine for values, a byte scan for what calamine hides.

Invariant: gives the same RawCells as the openpyxl source for the same file. calamine
returns '' both for an empty cell, for a formula without cached result and for an error
cell; a scan of the sheet XML (bounded to the rows read) recovers which cells hold
formulas and which hold errors, plus hidden rows and merged ranges.

Speed (issue 8): the grid is lazy — a RawCell is made only for the cells the reader asks
for one by one; a table's body goes to the reader as calamine's rows (SheetGrid.block) —
formula cells are found from their few <f> tags, and each other scan runs only when a
cheap substring test says it can match.
"""

from __future__ import annotations

import html
import io
import re
from operator import itemgetter
from typing import NamedTuple

import python_calamine

from ..excel_refs import col_index, col_letter
from ..source import EMPTY, Block, RawCell, SheetGrid
from .package import (EngineFault, Package, PackageError, book_meta, cut_after_row, engine_fault,
                      open_package, parse_range)


class _Scans(NamedTuple):
    formula_cell: re.Pattern
    error_cell: re.Pattern
    row_hidden: re.Pattern
    row_hidden_rev: re.Pattern
    merge: re.Pattern
    f: re.Pattern  # a formula's start tag, as the sheet writes it
    c: bytes  # a cell's start tag
    merge_cell: bytes


def _patterns(prefix: bytes) -> _Scans:
    """The scans for a sheet whose elements carry ``prefix`` (b"" or e.g. b"x:")."""
    p = re.escape(prefix)
    return _Scans(
        # A formula cell and its text (empty for a shared formula's followers: <f t="shared" si="0"/>).
        re.compile(rb'<%sc\s[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*(?<!/)><%sf(?:\s[^>]*?)?(?:/>|>([^<]*)</%sf>)'
                   % (p, p, p)),
        re.compile(  # an error cell and its error
            rb'<%sc\s[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?\bt="e"[^>]*(?<!/)>'
            rb'(?:<%sf[^>]*/>|<%sf[^>]*>[^<]*</%sf>)?<%sv>([^<]*)</%sv>' % (p, p, p, p, p, p)),
        re.compile(rb'<%srow\s[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"' % p),
        re.compile(rb'<%srow\s[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"' % p),
        re.compile(rb'<%smergeCell\s[^>]*?ref="([A-Z0-9:$]+)"' % p),
        re.compile(rb"<%sf[\s>/]" % p), b"<%sc" % prefix, b"<%smergeCell" % prefix,
    )


_PLAIN = _patterns(b"")
_PREFIXED: dict[bytes, _Scans] = {}
_SHEET_DATA_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*):sheetData\b")


def _scans(xml: bytes) -> _Scans:
    """The scans for this sheet's XML: the element names may carry a namespace prefix
    (<x:c>, valid OOXML some tools write). One look at <sheetData> decides, so Excel's
    unprefixed sheets keep the plain patterns."""
    if b"<sheetData" in xml:
        return _PLAIN
    m = _SHEET_DATA_PREFIX.search(xml)
    if m is None:
        return _PLAIN
    prefix = m.group(1) + b":"
    scans = _PREFIXED.get(prefix)
    if scans is None:
        if len(_PREFIXED) > 16:
            _PREFIXED.clear()
        scans = _PREFIXED[prefix] = _patterns(prefix)
    return scans


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
        if max_row == self.package.read_rows.get(sheet):
            xml = self.package.sheet_xml(info)  # cut once, when the package was checked
        else:
            xml = cut_after_row(whole, max_row)
        scans = _scans(xml)
        special, has_errors = _scan_cells(xml, max_row, scans)
        hidden: set[int] = set()
        # Each test below is whether the sheet has what a scan looks for at all: bytes.rfind
        # finds out several times faster than bytes.find or "in" (CPython's reverse search).
        if xml.rfind(b"hidden=") >= 0:
            hidden = {int(m) for m in scans.row_hidden.findall(xml)} | \
                {int(m) for m in scans.row_hidden_rev.findall(xml)}
        merged = []
        if whole.rfind(scans.merge_cell) >= 0:
            merged = [parse_range(m.decode().replace("$", "")) for m in scans.merge.findall(whole)]
        return _LazyGrid(rows, special, has_errors, hidden_rows=hidden, merged=merged, xml=xml)


class _LazyGrid(SheetGrid):
    """calamine's rows as a SheetGrid; a cell's RawCell is made only when it is asked for."""

    def __init__(self, rows: list[list], special: dict[int, dict[int, tuple[bool, str | None, bytes]]],
                 has_errors: bool, hidden_rows: set[int], merged: list[tuple[int, int, int, int]],
                 xml: bytes = b""):
        self.rows = rows
        self.xml = xml  # the sheet as read, for the rare cell whose stored number is asked for
        self._negatives: dict[bytes, bytes] | None = None  # cell ref → a negative stored number
        # Formula and error cells from the byte scan: row → column → (formula, error, formula text).
        self.special = special
        self.has_errors = has_errors
        self.hidden_rows = hidden_rows
        self.merged = merged

    def cell(self, row: int, col: int) -> RawCell:
        sp = self.special.get(row)
        s = sp.get(col) if sp else None
        if s is not None:
            formula, error, text = s
            return RawCell(value=None if error else _value_at(self.rows, (row, col)), formula=formula,
                           error=error, text=_formula_text(text) if formula else None)
        try:
            v = self.rows[row - 1][col - 1] if row > 0 and col > 0 else None
        except IndexError:
            return EMPTY
        if v is None or v == "":
            return EMPTY
        return RawCell(value=v)

    def block(self, first: int, last: int, cols: list[int]) -> Block:
        rows = self.rows
        if first > 0 and cols and min(cols) > 0 and last <= len(rows) and \
                max(cols) <= min((len(r) for r in rows[first - 1:last]), default=0):
            at = [c - 1 for c in cols]
            if len(at) == 1:
                values = [(row[at[0]],) for row in rows[first - 1:last]]
            else:  # calamine's "" (blank, or no cached result) stays: the reader reads it as blank
                pick = itemgetter(*at)
                values = [pick(row) for row in rows[first - 1:last]]
        else:  # a short or ragged sheet: cell by cell
            values = [[_value_at(rows, (r, c)) for c in cols] for r in range(first, last + 1)]
        if self.has_errors:  # an error cell's value is its error, never what calamine made of it
            for r, sp in self.special.items():
                if first <= r <= last:
                    for k, c in enumerate(cols):
                        s = sp.get(c)
                        if s is not None and s[1] is not None:
                            row = values[r - first] = list(values[r - first])
                            row[k] = None
        return values, self.special

    def stored_number(self, row: int, col: int) -> float | None:
        """A negative number the cell stores (calamine gives a time of day for one in a date
        cell); None for any other. The sheet is scanned once, on the first question: a
        column of such cells searched the sheet once per cell (quadratic in the sheet)."""
        if self._negatives is None:
            self._negatives = {}
            for ref, text in _STORED_NEGATIVE.findall(self.xml):
                self._negatives.setdefault(ref, text)  # the first of a repeated cell, as a search finds
        text = self._negatives.get(b"%s%d" % (col_letter(col).encode(), row))
        try:
            return float(text) if text is not None else None
        except ValueError:
            return None

    @property
    def cells(self) -> dict[tuple[int, int], RawCell]:  # type: ignore[override]
        out = {(r, c): RawCell(value=v) for r, row in enumerate(self.rows, start=1)
               for c, v in enumerate(row, start=1) if v != "" and v is not None}
        out.update({(r, c): self.cell(r, c) for r, sp in self.special.items() for c in sp})
        return out


# A cell's ref and its stored value when negative (after its formula, if any), whatever the
# namespace prefix.
_STORED_NEGATIVE = re.compile(rb'<(?:[\w.-]+:)?c\s[^>]*?\br="([A-Z]{1,3}\d+)"[^>]*(?<!/)>'
                              rb'(?:<(?:[\w.-]+:)?f[^>]*/>|<(?:[\w.-]+:)?f[^>]*>[^<]*</(?:[\w.-]+:)?f>)?'
                              rb'<(?:[\w.-]+:)?v>(\s*-[^<]*)</')


def _value_at(rows: list[list], pos: tuple[int, int]):
    """calamine's value at (row, column), 1-based; None for '' (blank, or no cached result)."""
    r, c = pos
    try:
        v = rows[r - 1][c - 1] if r > 0 and c > 0 else None
    except IndexError:
        return None
    return None if v == "" else v


def _scan_cells(xml: bytes, max_row: int, scans: _Scans = _PLAIN) -> tuple[dict[int, dict[int, tuple[bool, str | None, bytes]]], bool]:
    """Formula and error cells up to max_row: row → column → (formula, error, formula text),
    and whether there is any error cell among them.

    Only formula and error cells make Python objects, and a formula's text is decoded only
    when someone asks for it.
    """
    out: dict[int, dict[int, tuple[bool, str | None, bytes]]] = {}
    cols = _COLUMNS
    for c, r, t in _formula_cells(xml, scans):
        row = int(r)
        if row <= max_row:
            col = cols.get(c) or col_index(c.decode())
            sp = out.get(row)
            if sp is None:
                sp = out[row] = {}
            sp[col] = (True, None, t)
    has_errors = False
    if xml.rfind(b't="e"') >= 0:  # rfind: see FastSource.grid
        for c, r, v in scans.error_cell.findall(xml):
            row = int(r)
            if row <= max_row:
                has_errors = True
                col = col_index(c.decode())
                sp = out.setdefault(row, {})
                formula = sp.get(col)
                sp[col] = (formula is not None, v.decode("utf-8", "replace") or "#VALUE!",
                           formula[2] if formula else b"")
    return out, has_errors


def _formula_cells(xml: bytes, scans: _Scans = _PLAIN) -> list[tuple[bytes, bytes, bytes]]:
    """What scans.formula_cell.findall(xml) gives, found from the few <f> tags rather than
    by trying the pattern at every cell: the nearest <c before a formula is its cell (the
    match must reach past the formula's tag, so it is that cell's own formula)."""
    out = []
    rfind, match, c = xml.rfind, scans.formula_cell.match, scans.c
    end = 0  # where the last formula cell found ends: a tag before it is inside that cell
    for f in scans.f.finditer(xml):  # one regex pass finds the tags faster than bytes.find
        i = f.start()
        if i < end:
            continue
        j = rfind(c, 0, i)
        m = match(xml, j) if j >= 0 else None
        if m is not None and m.end() > i:
            out.append(m.groups(b""))  # b"" (as findall gives) for a shared formula's follower
            end = m.end()
    return out


def _formula_text(text: bytes) -> str | None:
    s = text.decode("utf-8", "replace")
    return (html.unescape(s) if "&" in s else s) or None


_COLUMNS = {col_letter(i).encode(): i for i in range(1, 703)}  # A … ZZ
