"""The open workbook in Excel, through xlwings: read it live, write the results back live.

Invariant: ``LiveSource`` answers the reader's ``WorkbookSource`` questions from what Excel
holds right now (unsaved edits included), as the file sources answer them from a saved
file: sheets, Excel Tables by name (``sheet.tables``), workbook-scoped defined names
(``book.names``), and per cell the value Excel shows plus whether it holds a formula or an
error. ``LiveTarget`` carries out what budgetbook.excel.writeback decides, nothing more.
Only xlwings' free parts are used (no licence key): Book.caller(), ranges, tables, names,
notes; ``.api`` only where xlwings has no call (sheet protection).

Nothing here runs without Excel; the logic above it is exercised through FileTarget and
the file sources (tests/test_writeback.py), and this module by tests marked ``excel``.
"""

from __future__ import annotations

import sys
from typing import Any

from ..book import BookMeta
from ..excel_refs import col_letter, parse_range
from ..source import RawCell, SheetGrid, TableInfo
from ..values import excel_error
from .package import split_ref
from .writeback import Mark, SheetContent


def _a1(address: str) -> str:
    return address.replace("$", "")


def live_defined_names(book) -> dict[str, tuple[str, str]]:
    """Workbook-scoped names → (sheet, A1), by the same rule as the file package map."""
    out = {}
    for n in book.names:
        if "!" in n.name:  # sheet-scoped ("Sheet1!name"): the user's own
            continue
        ref = split_ref((n.refers_to or "").lstrip("="))
        if ref:
            out[n.name.lower()] = ref
    return out


class LiveSource:
    """WorkbookSource over an open xlwings Book."""

    def __init__(self, book):
        self.book = book
        self.description = book.fullname or book.name
        self.sheet_states = {s.name: ("visible" if s.visible else "hidden") for s in book.sheets}
        self.tables = [self._table_info(sheet, t) for sheet in book.sheets for t in sheet.tables]
        self.defined_names = live_defined_names(book)
        name = book.name.lower()
        self.meta = BookMeta(sheets=list(self.sheet_states),
                             hidden_sheets=[n for n, s in self.sheet_states.items() if s != "visible"],
                             has_vba=name.endswith((".xlsm", ".xlsb", ".xls")))

    @staticmethod
    def _table_info(sheet, table) -> TableInfo:
        header = table.header_row_range
        columns = tuple(str(v or "") for v in header.options(ndim=1).value) if header is not None else ()
        return TableInfo(name=table.name, sheet=sheet.name, ref=_a1(table.range.address),
                         header_rows=1 if header is not None else 0,
                         totals_rows=1 if table.show_totals else 0, columns=columns)

    def grid(self, sheet: str, max_row: int) -> SheetGrid:
        if sheet not in self.sheet_states:
            return SheetGrid()
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell
        nrows, ncols = min(max_row, last.row), last.column
        if nrows < 1:
            return SheetGrid()
        rng = ws.range((1, 1), (nrows, ncols))
        values = rng.options(ndim=2, err_to_str=True).value  # unsaved edits: what Excel holds now
        formulas = rng.formula
        if isinstance(formulas, str):  # a single cell
            formulas = ((formulas,),)
        cells: dict[tuple[int, int], RawCell] = {}
        for r, (vrow, frow) in enumerate(zip(values, formulas), start=1):
            for c, (v, f) in enumerate(zip(vrow, frow), start=1):
                is_formula = isinstance(f, str) and f.startswith("=")
                error = excel_error(v) if isinstance(v, str) else None
                if error is not None:
                    v = None
                if v == "":
                    v = None
                if v is None and not is_formula and error is None:
                    continue
                if isinstance(v, float) and v.is_integer():
                    v = int(v)
                cells[(r, c)] = RawCell(value=v, formula=is_formula, error=error)
        return SheetGrid(cells=cells, hidden_rows=self._hidden_rows(ws, nrows),
                         merged=self._merged(ws, nrows, ncols))

    @staticmethod
    def _hidden_rows(ws, nrows: int) -> set[int]:
        # Excel reports a hidden row's height as 0; one call when none is hidden.
        height = ws.range((1, 1), (nrows, 1)).row_height
        if height:
            return set()
        return {r for r in range(1, nrows + 1) if not ws.range((r, 1)).row_height}

    @staticmethod
    def _merged(ws, nrows: int, ncols: int) -> list[tuple[int, int, int, int]]:
        area = ws.range((1, 1), (nrows, ncols))
        if area.merge_cells is False:
            return []
        seen, out = set(), []
        for r in range(1, nrows + 1):
            for c in range(1, ncols + 1):
                if (r, c) in seen:
                    continue
                cell = ws.range((r, c))
                if cell.merge_cells:
                    box = parse_range(_a1(cell.merge_area.address))
                    out.append(box)
                    seen.update((i, j) for i in range(box[0], box[2] + 1) for j in range(box[1], box[3] + 1))
        return out


class LiveTarget:
    """WriteBackTarget over an open xlwings Book."""

    def __init__(self, book):
        self.book = book
        self._lifted: dict[str, Any] = {}  # sheet name → how to protect it again

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _writable(self, ws, cell=None) -> None:
        """Lift the sheet's protection once per run (the templates use no password), unless
        only ``cell`` is to be written and it is unlocked. ``restore_protection`` puts it back."""
        if ws.name in self._lifted:
            return
        again = _lift_protection(ws, cell)
        if again is not None:
            self._lifted[ws.name] = again

    def restore_protection(self) -> None:
        """Protect again, with the same options, every sheet this run unprotected."""
        for name, again in list(self._lifted.items()):
            again()
            del self._lifted[name]

    def read_values(self, sheet: str, row: int, col: int, nrows: int, ncols: int) -> list[list[Any]]:
        ws = self.book.sheets[sheet]
        return ws.range((row, col), (row + nrows - 1, col + ncols - 1)).options(ndim=2).value

    def defined_names(self) -> dict[str, tuple[str, str]]:
        return live_defined_names(self.book)

    def last_row(self, sheet: str) -> int:
        return self.book.sheets[sheet].used_range.last_cell.row

    def replace_sheet(self, sheet: str, content: SheetContent) -> None:
        names = self.sheet_names()
        if sheet in names:
            ws = self.book.sheets[sheet]
            self._writable(ws)
            ws.clear()
            self._fill(ws, content)
        else:
            ws = self.book.sheets.add(sheet, after=self.book.sheets[-1])
            self._fill(ws, content)
        ws.activate()

    @staticmethod
    def _fill(ws, content: SheetContent) -> None:
        for r0, c0, values in content.blocks:
            width = max(len(row) for row in values)
            block = [[_text_safe(v) for v in row] + [None] * (width - len(row)) for row in values]
            ws.range((r0, c0)).value = block  # one call per block
        for r, c1, c2 in content.bold:
            ws.range((r, c1), (r, c2)).font.bold = True
        for r, c, location in content.links:
            cell = ws.range((r, c))
            shown = str(cell.value or "")
            cell.add_hyperlink("#" + location, shown, f"Gå till {shown}")
        for r, c, rgb in content.fills:
            ws.range((r, c)).color = "#" + rgb
        for c, w in content.widths.items():
            ws.range((1, c)).column_width = w
        for c in content.hidden_cols:
            ws.range(f"{col_letter(c)}:{col_letter(c)}").column_width = 0
        for r, c, shown_as in content.number_formats:
            ws.range((r, c)).number_format = shown_as

    def mark(self, mark: Mark) -> dict:
        ws = self.book.sheets[mark.sheet]
        cell = ws.range(mark.cell)
        note = cell.note
        original = {"rgb": _rgb(cell.color), "note": note.text if note else None,
                    "author": getattr(note, "author", None) if note else None}
        self._writable(ws)
        cell.color = "#" + mark.rgb
        if note is not None:
            note.delete()
        cell.add_note(mark.note)
        return original

    def unmark(self, mark: Mark, original: dict) -> bool:
        ws = self.book.sheets[mark.sheet]
        cell = ws.range(mark.cell)
        note = cell.note
        ours_fill = _rgb(cell.color) == mark.rgb
        ours_note = note is not None and note.text == mark.note
        if not (ours_fill or ours_note):
            return False
        self._writable(ws)
        if ours_fill:
            cell.color = "#" + original["rgb"] if original.get("rgb") else None
        if ours_note:
            note.delete()
            if original.get("note"):
                cell.add_note(original["note"])
        return True

    def write_values(self, cells: dict[tuple[str, str], str]) -> None:
        for (sheet, ref), text in cells.items():
            ws = self.book.sheets[sheet]
            self._writable(ws, ws.range(ref))
            ws.range(ref).value = _text_safe(text)

    def message(self, text: str, title: str = "budgetbook", critical: bool = False) -> None:
        self.book.app.alert(text, title=title, mode="critical" if critical else "info")


def _text_safe(v: Any) -> Any:
    """Excel turns assigned text into formulas, numbers or dates; a leading apostrophe keeps
    it the text it is (Excel does not show or store the apostrophe as content)."""
    from decimal import Decimal

    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, str) and v:
        return "'" + v
    return v


def _rgb(color) -> str | None:
    if not color:
        return None
    r, g, b = color
    return f"{r:02X}{g:02X}{b:02X}"


def _lift_protection(ws, cell=None):
    """Unprotect a protected sheet and return how to protect it again; None if not needed.

    Live Excel refuses to change locked cells on a protected sheet, unlike a file written by
    openpyxl. The protection's options (e.g. users may widen columns) are read first and
    given back. A password-protected sheet stays protected and the change fails clearly.
    """
    api = ws.api
    if sys.platform.startswith("win"):
        if not api.ProtectContents or (cell is not None and not cell.api.Locked):
            return None
        p = api.Protection
        opts = dict(DrawingObjects=bool(api.ProtectDrawingObjects), Contents=True,
                    Scenarios=bool(api.ProtectScenarios),
                    AllowFormattingCells=bool(p.AllowFormattingCells),
                    AllowFormattingColumns=bool(p.AllowFormattingColumns),
                    AllowFormattingRows=bool(p.AllowFormattingRows),
                    AllowInsertingColumns=bool(p.AllowInsertingColumns),
                    AllowInsertingRows=bool(p.AllowInsertingRows),
                    AllowInsertingHyperlinks=bool(p.AllowInsertingHyperlinks),
                    AllowDeletingColumns=bool(p.AllowDeletingColumns),
                    AllowDeletingRows=bool(p.AllowDeletingRows),
                    AllowSorting=bool(p.AllowSorting), AllowFiltering=bool(p.AllowFiltering),
                    AllowUsingPivotTables=bool(p.AllowUsingPivotTables))
        api.Unprotect()
        return lambda: api.Protect(**opts)
    # Mac: appscript
    if not api.protect_contents.get() or (cell is not None and not cell.api.lock.get()):
        return None
    api.unprotect()
    return lambda: api.protect_worksheet(contents=True)
