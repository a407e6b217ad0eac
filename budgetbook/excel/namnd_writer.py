"""Writing the nämnd workbook: the standard layout plus Status, Spårbarhet and Prognosförändring.

Invariant: the section sheets come from the same template code as the units' workbooks
(build_workbook, consolidated: every figure a locked result, not a yellow input), with
computed cells and total rows as formulas so the workbook stays live; every formula is
stored with the value budgetbook computed for it (the reader's, on the draft: the layout
read in memory as a file reader would read the written file), so readers that do not
recalculate see the figures. The layout is built as an openpyxl Workbook in memory, never
saved, and written by XlsxWriter (xlsx_out.transcribe). The bulk skips openpyxl: the
section tables' bodies (a row per unit row: tens of thousands) are the template's own
TableBody, read for the draft and streamed into the sheet's XML with the styles of the
template rows laid out in openpyxl, and so are the Spårbarhet rows. Every value that came
from a unit or a file name goes through ``cells.put`` or is written as text by xlsx_out
(never a formula); the file is written by ``atomic_writer`` only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..book import Book
from ..consolidate import (CELL_TEXT_LIMIT, CONFLICT, EXCLUDED, INCLUDED, INCLUDED_WITH_ERRORS, MISSING,
                           Consolidation, TraceTable)
from ..excel_refs import cell_ref, col_letter, parse_range
from ..findings import Finding, quote_sheet
from ..source import EMPTY, Block, RawCell, SheetGrid, TableInfo
from ..spec import SPEC
from .cells import put
from .template import (BookContent, Formula, TableBody, atomic_writer, build_workbook, number_format,
                       print_setup, wrapped_lines)
from .xlsx_out import Computed, Styled, transcribe

STATUS_SHEET = "Status"
TRACE_SHEET = "Spårbarhet"
TRACE_ROWS_PER_SHEET = 1_048_576 - 1  # Excel's last row, less the header row
PROGNOS_SHEET = "Prognosförändring"

TITLE = Font(bold=True, size=14)
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
HEAD_FONT = Font(bold=True, color="FFFFFF")
STATE_FILL = {
    INCLUDED: PatternFill("solid", fgColor="E2EFDA"),
    INCLUDED_WITH_ERRORS: PatternFill("solid", fgColor="FFF2CC"),
    EXCLUDED: PatternFill("solid", fgColor="F8CBAD"),
    CONFLICT: PatternFill("solid", fgColor="F8CBAD"),
    MISSING: PatternFill("solid", fgColor="F8CBAD"),
}


@dataclass(frozen=True)
class RunInfo:
    """What the Status sheet says about the run itself."""

    inbox: str
    output: str
    started: dt.datetime
    ignored: Sequence[tuple[str, str]] = ()  # (file, why it was skipped)


@dataclass
class NamndWorkbook:
    """The nämnd workbook being built: its layout (openpyxl, in memory), the sections as read
    from it (``draft``: validated, and the source of every formula's value; the caller may
    drop it once validated), the values of the layout's formulas by (sheet, A1), and the rows
    written without openpyxl (sheet → xlsx_out bulk rows: a section's body, Spårbarhet)."""

    wb: Workbook
    draft: Book | None
    cached: dict[tuple[str, str], Any]
    bulk: dict[str, Any]


def section_workbook(result: Consolidation, label: str = "nämnd.xlsx") -> NamndWorkbook:
    """The nämnd's report sections in the units' standard layout, and the draft Book read from
    that layout in memory: the reader computes every formula (none has a value yet), which
    gives the values to store. Nothing is saved and read back."""
    bodies: dict[str, TableBody] = {}
    content = BookContent(header=dict(result.header), rows=result.rows, fixed=result.fixed,
                          verksamheter=[v.namn for v in result.config.verksamheter], consolidated=True,
                          bodies=bodies)
    wb = build_workbook(SPEC.sections, content)
    draft = read_draft(wb, label, bodies)
    cached = {(sec.sheet, c.ref): c.value for key, sec in draft.sections.items() if key not in bodies
              for row in sec.rows for c in row.cells.values() if c.formula}
    bulk: dict[str, Any] = {}
    for key, body in bodies.items():
        sec = draft.sections[key]
        bulk[sec.sheet] = Styled(body.first, BodyRows(body, [_computed(row) for row in sec.rows]))
    return NamndWorkbook(wb, draft, cached, bulk)


def _computed(row) -> tuple:
    """The values of a draft row's formula cells, in column order."""
    return tuple(c.value for c in row.cells.values() if c.formula)


class BodyRows:
    """A section's table body as xlsx_out writes it: (template row, values) per row, each
    formula with the value the draft computed for it (``computed``: per row, its formula
    cells' values in column order)."""

    def __init__(self, body: TableBody, computed: list[tuple]):
        self.body, self.computed = body, computed

    def __len__(self) -> int:
        return len(self.body)

    def __iter__(self) -> Iterator[tuple[int, tuple]]:
        body, computed = self.body, self.computed
        for i, row in enumerate(body):
            formulas = [j for j, v in enumerate(row) if v.__class__ is Formula]
            values = computed[i]
            if len(formulas) != len(values):  # the draft read another body: never written so
                raise ValueError(f"{body.section.sheet} row {body.first + i}: {len(formulas)} formulas, "
                                 f"{len(values)} computed values")
            if formulas:
                cells = list(row)
                for j, value in zip(formulas, values):
                    cells[j] = Computed(row[j].text, value)
                row = tuple(cells)
            yield body.template_row(i), row


def anchors(wb: Workbook) -> dict[str, tuple[str, int, dict[str, str]]]:
    """Section → (sheet, first body row, column key → letter), from the tables as written."""
    out = {}
    for sec in SPEC.sections:
        ws = wb[sec.sheet]
        r1, c1, _, _ = parse_range(ws.tables[sec.table].ref)
        out[sec.key] = (sec.sheet, r1 + 1, {col.key: col_letter(c1 + j) for j, col in enumerate(sec.columns)})
    return out


def add_report_sheets(nb: NamndWorkbook, result: Consolidation, namnd_findings: list[Finding],
                      run: RunInfo) -> None:
    wb = nb.wb
    where = anchors(wb)
    _prognos_sheet(nb, result, where)
    _status_sheet(wb, result, namnd_findings, run)
    _trace_sheet(nb, result.traces, where, result.config.belopp_i)
    wb.active = wb.sheetnames.index(STATUS_SHEET)


def write(nb: NamndWorkbook, path: Path) -> None:
    """Streamed into the new file (never held whole in memory), which replaces ``path`` only
    when complete."""
    with atomic_writer(path) as fh:
        transcribe(nb.wb, nb.cached, nb.bulk, out=fh)


# --- sheets -------------------------------------------------------------------------------

def _head(ws, row: int, headers: Sequence[str], widths: Sequence[float] | None = None) -> None:
    for j, h in enumerate(headers, start=1):
        c = ws.cell(row, j, h)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        if widths:
            ws.column_dimensions[col_letter(j)].width = widths[j - 1]


WRAP = Alignment(wrap_text=True, vertical="top")
# Status: the units table sets the columns; the blocks below reuse them, long texts merged
# across the middle columns or in the wide last one, wrapped, the row as tall as they need.
STATUS_WIDTHS = (14, 26, 22, 26, 14, 18, 11, 16, 5, 9, 20, 20, 48)


def _texts(ws, row: int, cells: Sequence[tuple[int, Any, int]]) -> None:
    """(first column, text, last column) per long text: merged when it spans columns, wrapped."""
    lines = 1
    for first, text, last in cells:
        if text is None or text == "":
            continue
        c = put(ws.cell(row, first), text)
        c.alignment = WRAP
        if last > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        width = sum(STATUS_WIDTHS[first - 1:last])
        lines = max(lines, wrapped_lines(str(text), int(width)))
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines


TOP = Alignment(vertical="top")  # a row with a wrapped text reads from its top line


def _row(ws, row: int, values: Iterable[Any]) -> None:
    for j, v in enumerate(values, start=1):
        if v is not None and v != "":  # an empty cell costs nothing to leave out
            put(ws.cell(row, j), v).alignment = TOP


def _status_sheet(wb: Workbook, result: Consolidation, namnd_findings: list[Finding], run: RunInfo) -> None:
    ws = wb.create_sheet(STATUS_SHEET)
    ws.cell(1, 1, "Status för konsolideringen").font = TITLE
    units = result.units
    clean = sum(u.state == INCLUDED for u in units)
    namnd_errors = sum(f.severity.value == "fel" for f in namnd_findings)
    namnd_warnings = sum(f.severity.value == "varning" for f in namnd_findings)
    facts = [
        ("Nämnd", result.config.namnd),
        ("Period", f"{result.period} ({result.period.rapporttyp})"),
        ("Inkorg", run.inbox),
        ("Arbetsbok", run.output),
        ("Konsoliderad", run.started.strftime("%Y-%m-%d %H:%M")),
        ("Enheter med fel tas med", "ja (--include-failing)" if result.include_failing else "nej"),
        ("Resultat", f"{clean} av {len(units)} enheter inkluderade utan fel; "
                     f"{sum(u.state == MISSING for u in units)} saknas; "
                     f"{sum(not u.included and u.state != MISSING for u in units)} utelämnade"),
        ("Nämndens arbetsbok", namnd_verdict(namnd_errors, namnd_warnings)),
        ("Föregående period", str(result.previous) if result.previous else "ingen i historiken"),
    ]
    for i, (k, v) in enumerate(facts, start=3):
        ws.cell(i, 1, k).font = BOLD  # runs on over the empty B
        put(ws.cell(i, 3), v)
    r = 3 + len(facts) + 1
    ws.cell(r, 1, "Enheter").font = BOLD
    r += 1
    headers = ("Enhet", "Namn", "Kontakt", "Fil", "SHA-256", "Uppgiftslämnare", "Datum", "Fil ändrad",
               "Fel", "Varningar", "Status", "Sigill", "Anmärkning")
    _head(ws, r, headers, STATUS_WIDTHS)
    ws.row_dimensions[r].height = 32
    first = r
    for u in units:
        used = [fu for fu in u.files] or [None]
        for fu in used:
            r += 1
            f = fu.file if fu else None
            taken = (fu is not None and bool(fu.sections))
            note = fu.note if fu else ""
            if fu is not None and fu.sections and len(fu.sections) < len(f.sections):
                note = (note + "; " if note else "") + "används för " + ", ".join(fu.sections)
            if u.state == CONFLICT and fu is not None:
                note = note or "dubbla inlämningar: se fynden nedan"
            state = u.state if (fu is None or taken or u.state == CONFLICT) else "ersatt"
            _row(ws, r, (
                u.enhet.kod, u.enhet.namn, u.enhet.kontakt, None, f.sha256 if f else "",
                f.uppgiftslamnare if f else "", f.datum if f else None,
                f.mtime.strftime("%Y-%m-%d %H:%M") if f and f.mtime else "",
                u.errors if taken or fu is None else None, u.warnings if taken or fu is None else None,
                state, f.seal if f else ""))
            _texts(ws, r, [(4, f.file if f else "", 4), (13, note, 13)])
            ws.cell(r, 7).number_format = "yyyy-mm-dd"
            ws.cell(r, 11).fill = STATE_FILL.get(state, PatternFill())
    ws.auto_filter.ref = f"A{first}:{col_letter(len(headers))}{r}"
    ws.freeze_panes = ws.cell(first + 1, 3)

    r += 2
    ws.cell(r, 1, "Filer som inte kunde placeras eller inte lästes").font = BOLD
    r += 1
    _head(ws, r, ("Fil", "Kod", "Orsak"))
    lost = [(u.file, u.code, u.reason) for u in result.unplaced]
    lost += [(f, "ignorerad", why) for f, why in run.ignored]
    for name, code, why in lost or [("(inga)", "", "")]:
        r += 1
        _row(ws, r, (None, code))
        _texts(ws, r, [(1, name, 1), (3, why, 13)])

    r += 2
    ws.cell(r, 1, "Fynd per enhet").font = BOLD
    r += 1
    _head(ws, r, ("Enhet", "Fil", "Kod", "Allvar", "Cell", "Meddelande") + ("",) * 6 + ("Så rättar du",))
    ws.merge_cells(start_row=r, start_column=6, end_row=r, end_column=12)
    any_finding = False
    for u in units:
        for f in u.findings:
            r += 1
            any_finding = True
            _row(ws, r, (u.enhet.kod, None, f.code, f.severity.value, f.location.a1))
            _texts(ws, r, [(2, f.location.file, 2), (6, f.message, 12), (13, f.hint, 13)])
    if not any_finding:
        r += 1
        put(ws.cell(r, 1), "(inga)")

    r += 2
    ws.cell(r, 1, "Kontroll av nämndens arbetsbok").font = BOLD
    r += 1
    _head(ws, r, ("Kod", "Allvar", "Cell", "Meddelande") + ("",) * 8 + ("Så rättar du",))
    ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=12)
    for f in namnd_findings:
        r += 1
        _row(ws, r, (f.code, f.severity.value, f.location.a1))
        _texts(ws, r, [(4, f.message, 12), (13, f.hint, 13)])
    if not namnd_findings:
        r += 1
        put(ws.cell(r, 1), "Inga avvikelser: alla kontroller håller på nämndens arbetsbok.")
    r += 1
    put(ws.cell(r, 1), "Kommentarernas belopp (TEXT-*) kontrolleras i varje enhets arbetsbok, mot enhetens "
                       "egna tabeller, inte mot nämndens summor.")
    print_setup(ws, "landscape")


def namnd_verdict(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "alla kontroller håller"
    if not errors:
        return f"inga fel, {warnings} varningar, se nedan"
    return f"{errors} fel och {warnings} varningar, se nedan"


def trace_sheet_names(n_rows: int) -> list[str]:
    """Spårbarhet, then Spårbarhet 2, 3 … when the rows pass Excel's last row."""
    parts = max(1, -(-n_rows // TRACE_ROWS_PER_SHEET))
    return [TRACE_SHEET if i == 1 else f"{TRACE_SHEET} {i}" for i in range(1, parts + 1)]


TRACE_HEADERS = ("Nämndens blad", "Nämndens cell", "Rad", "Kolumn", "Enhet", "Enhetens namn", "Fil",
                 "Enhetens blad", "Enhetens cell", "Värde", "Värde i {belopp_i}", "Anmärkning")


class TraceRows:
    """The Spårbarhet rows of ``traces[start:stop]``, made as they are written: hundreds of
    thousands of rows are never held as a list (iterable more than once, sized)."""

    def __init__(self, traces: TraceTable, start: int, stop: int, where: dict):
        self.traces, self.start, self.stop, self.where = traces, start, stop, where
        self.headers_of = {s.key: {c.key: c.header for c in s.columns} for s in SPEC.sections}

    def __len__(self) -> int:
        return self.stop - self.start

    def __iter__(self) -> Iterator[tuple]:
        where, headers_of = self.where, self.headers_of
        for t in self.traces.between(self.start, self.stop):
            sheet, first, letters = where[t.section]
            value = t.value
            shown = value * t.factor if t.factor != 1 and isinstance(value, Decimal) else value
            yield (sheet, f"{letters[t.column]}{first + t.position}", t.label, headers_of[t.section][t.column],
                   t.enhet_kod, t.enhet_namn, t.file, t.sheet, t.cell, value, shown, t.note)


def _trace_sheet(nb: NamndWorkbook, traces: TraceTable, where: dict, belopp_i: str) -> None:
    """Header and layout in openpyxl; the (hundreds of thousands of) rows are streamed to the file.

    A roll-up of many units can pass Excel's 1 048 576 rows: the rows then continue on
    Spårbarhet 2, 3 …, each with the same header and its own table.
    """
    headers = tuple(h.format(belopp_i=belopp_i) for h in TRACE_HEADERS)
    for i, title in enumerate(trace_sheet_names(len(traces))):
        part = TraceRows(traces, i * TRACE_ROWS_PER_SHEET, min(len(traces), (i + 1) * TRACE_ROWS_PER_SHEET), where)
        ws = nb.wb.create_sheet(title)
        _head(ws, 1, headers, (13, 9, 30, 16, 7, 22, 24, 12, 9, 11, 11, 18))
        ws.row_dimensions[1].height = 32
        if len(part):
            name = "Sparbarhet" if i == 0 else f"Sparbarhet{i + 1}"
            table = Table(displayName=name, ref=f"A1:{col_letter(len(headers))}{len(part) + 1}")
            table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
            ws.add_table(table)
        nb.bulk[title] = (2, part)
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        print_setup(ws, "landscape")


def _prognos_sheet(nb: NamndWorkbook, result: Consolidation, where: dict) -> None:
    ws = nb.wb.create_sheet(PROGNOS_SHEET)
    ws.cell(1, 1, "Förändring mot föregående prognos").font = TITLE
    prev, now = result.previous, result.period
    note = (f"Prognos netto per verksamhet ({result.config.belopp_i}) jämfört med konsolideringen för "
            f"{prev}, över de enheter som ingår i båda. Positivt = prognosen har förbättrats." if prev
            else "Ingen tidigare konsolidering för året finns i historiken; förändringen visas från nästa period.")
    headers = ("Kod", "Verksamhet", f"Prognos netto {now}, hela nämnden",
               f"Prognos netto {prev}, jämförbara enheter" if prev else "Föregående prognos",
               f"Prognos netto {now}, jämförbara enheter", "Förändring")
    widths = (10, 36, 20, 20, 20, 14)
    _head(ws, 4, headers, widths)
    ws.row_dimensions[4].height = 48
    _wide_note(ws, 2, note, widths)
    sheet, first, letters = where["ekonomi"]
    fmt = number_format(SPEC.section("ekonomi").column("prognos_netto").kind, result.config.belopp_i)
    r = 4
    for p in result.prognos:
        r += 1
        put(ws.cell(r, 1), p.kod)
        put(ws.cell(r, 2), p.namn)
        # Live: the current prognos is the Ekonomi sheet's cell, so an edit there shows here.
        source = f"{letters['prognos_netto']}{first + p.position}"
        link = f"{quote_sheet(sheet)}!{source}"  # a blank stays blank (a plain link would show 0)
        _formula(nb, ws, r, 3, f'=IF(ISNUMBER({link}),{link},"")', p.current)
        put(ws.cell(r, 4), p.previous)
        put(ws.cell(r, 5), p.current_comparable if prev else None)
        _formula(nb, ws, r, 6, f'=IF(AND(ISNUMBER({cell_ref(r, 5)}),ISNUMBER({cell_ref(r, 4)})),'
                               f'{cell_ref(r, 5)}-{cell_ref(r, 4)},"")', p.change if prev else None)
        for j in (3, 4, 5, 6):
            ws.cell(r, j).number_format = fmt
    if r > 4:
        r += 1
        ws.cell(r, 2, "Summa").font = BOLD
        for j in (3, 4, 5, 6):
            column = [nb.cached.get((ws.title, cell_ref(x, j)), ws.cell(x, j).value) for x in range(5, r)]
            numbers = [Decimal(str(v)) for v in column if isinstance(v, (int, float, Decimal))]
            span = f"{cell_ref(5, j)}:{cell_ref(r - 1, j)}"  # nothing to sum stays blank, not 0
            _formula(nb, ws, r, j, f'=IF(COUNT({span})=0,"",SUM({span}))', sum(numbers) if numbers else None)
            ws.cell(r, j).font, ws.cell(r, j).number_format = BOLD, fmt
    r += 2
    for line in prognos_notes(result):
        _wide_note(ws, r, line, widths)
        r += 1
    ws.print_title_rows = "4:4"
    print_setup(ws, "portrait")


def _wide_note(ws, row: int, text: str, widths: Sequence[float]) -> None:
    """A sentence across the sheet's columns, wrapped, so it prints within the page."""
    c = put(ws.cell(row, 1), text)
    c.alignment = WRAP
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    lines = wrapped_lines(text, int(sum(widths)))
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines


def _formula(nb: NamndWorkbook, ws, r: int, c: int, formula: str, value: Any) -> None:
    """A formula and the value budgetbook computed for it (stored as its cached value)."""
    ws.cell(r, c).value = formula
    nb.cached[(ws.title, cell_ref(r, c))] = value


def prognos_notes(result: Consolidation) -> list[str]:
    """Which units the comparison leaves out, and why."""
    if result.previous is None:
        return []
    change = result.prognos_units

    def names(units) -> str:
        return ", ".join(f"{k} {n}".strip() for k, n in units)
    out = []
    if change.entered:
        out.append(f"Ingår nu men inte {result.previous} (inte med i förändringen): {names(change.entered)}.")
    if change.left:
        out.append(f"Ingick {result.previous} men inte nu (inte med i förändringen): {names(change.left)}.")
    if not out:
        out.append("Samma enheter ingår i båda perioderna.")
    return out


def read_draft(wb: Workbook, label: str, bodies: dict[str, TableBody] | None = None) -> Book:
    """Read the nämnd's sections from the in-memory layout, as any unit workbook is read."""
    from ..reader import read_book

    return read_book(DraftSource(wb, label, bodies), SPEC, file_label=label)


class DraftSource:
    """A WorkbookSource over an openpyxl Workbook built in memory and never saved, and the
    streamed table bodies (``bodies``, by section: on their sheets from their first row on
    they are the cells, the layout's template rows are not): each cell as a file reader sees
    it once XlsxWriter has written it (numbers as doubles, formulas without a value yet), so
    the draft Book is the written file's Book by construction."""

    def __init__(self, wb: Workbook, label: str, bodies: dict[str, TableBody] | None = None):
        from ..book import BookMeta
        from .package import split_ref

        self.wb = wb
        self.bodies = {body.section.sheet: body for body in (bodies or {}).values()}
        self.description = label
        self.sheet_states = {ws.title: ws.sheet_state for ws in wb.worksheets}
        self.defined_names = {name.lower(): ref for name, dn in wb.defined_names.items()
                              if (ref := split_ref(dn.attr_text)) is not None}
        self.tables = [
            TableInfo(name=t.displayName, sheet=ws.title, ref=t.ref,
                      header_rows=1 if t.headerRowCount is None else int(t.headerRowCount),
                      totals_rows=int(t.totalsRowCount or 0), columns=tuple(c.name for c in t.tableColumns))
            for ws in wb.worksheets for t in ws.tables.values()]
        self.meta = BookMeta(sheets=list(self.sheet_states),
                             hidden_sheets=[n for n, s in self.sheet_states.items() if s != "visible"])

    def grid(self, sheet: str, max_row: int) -> SheetGrid:
        if sheet not in self.wb.sheetnames:
            return SheetGrid()
        ws = self.wb[sheet]
        merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        hidden = {r for r, dim in ws.row_dimensions.items() if dim.hidden and r <= max_row}
        body = self.bodies.get(sheet)
        if body is not None:
            return _DraftGrid(ws._cells, max_row, hidden, merged, body.first, list(body))
        return _DraftGrid(ws._cells, max_row, hidden, merged)  # the cells that exist, no blanks made


class _DraftGrid(SheetGrid):
    """An in-memory sheet's cells as a SheetGrid; a cell's RawCell is made when it is asked for.
    From row ``first`` on, the cells are ``rows`` (a streamed body, constants and Formulas)."""

    def __init__(self, cells: dict, max_row: int, hidden_rows: set[int], merged: list,
                 first: int | None = None, rows: list[tuple] | None = None):
        self._cells, self.max_row = cells, max_row
        self.hidden_rows, self.merged = hidden_rows, merged
        self._first, self._rows = first if first is not None else max_row + 1, rows or []

    def cell(self, row: int, col: int) -> RawCell:
        if row > self.max_row:
            return EMPTY
        if row >= self._first:
            i = row - self._first
            values = self._rows[i] if i < len(self._rows) else ()
            v = values[col - 1] if col <= len(values) else None
            if v.__class__ is Formula:
                return RawCell(value=None, formula=True, text=v.text[1:] or None)
            return EMPTY if v is None or v == "" else RawCell(value=as_written(v))
        c = self._cells.get((row, col))
        if c is None:
            return EMPTY
        v = c.value
        if c.data_type == "f":
            return RawCell(value=None, formula=True, text=str(v)[1:] or None)
        if v is None or v == "":
            return EMPTY
        return RawCell(value=as_written(v))

    def block(self, first: int, last: int, cols: list[int]) -> Block:
        """As SheetGrid.block, straight from the sheet's cells and rows (formulas: no value yet)."""
        cells, body_first, body = self._cells, self._first, self._rows
        values: list[list[Any]] = []
        special: dict[int, dict[int, tuple]] = {}
        for r in range(first, min(last, self.max_row) + 1):
            row: list[Any] = []
            if r >= body_first:
                i = r - body_first
                items = body[i] if i < len(body) else ()
                for c in cols:
                    v = items[c - 1] if c <= len(items) else None
                    if v.__class__ is str:  # most cells: as they are
                        row.append((v if len(v) <= CELL_TEXT_LIMIT else v[:CELL_TEXT_LIMIT]) or None)
                    elif v.__class__ is Formula:
                        row.append(None)
                        special.setdefault(r, {})[c] = (True, None)
                    else:
                        row.append(None if v is None else as_written(v))
                values.append(row)
                continue
            for c in cols:
                cell = cells.get((r, c))
                if cell is None:
                    row.append(None)
                elif cell.data_type == "f":
                    row.append(None)
                    special.setdefault(r, {})[c] = (True, None)
                else:
                    v = cell.value
                    row.append(None if v is None or v == "" else as_written(v))
            values.append(row)
        values += [[None] * len(cols) for _ in range(max(0, last - max(first - 1, self.max_row)))]
        return values, special

    @property
    def cells(self) -> dict[tuple[int, int], RawCell]:  # type: ignore[override]
        body = [(self._first + i, c) for i, values in enumerate(self._rows) for c in range(1, len(values) + 1)]
        out = {pos: self.cell(*pos) for pos in [*(p for p in self._cells if p[0] < self._first), *body]
               if pos[0] <= self.max_row}
        return {pos: c for pos, c in out.items() if c is not EMPTY}


def as_written(v: Any) -> Any:
    """A constant as a file reader gets it back: every number the double XlsxWriter writes
    (16 significant digits: 14302060.167127721 reads back as 14302060.16712772), a midnight
    a date, a text cut at what a cell holds."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, Decimal)):
        return float(f"{float(v):.16G}")
    if isinstance(v, str):
        return v[:CELL_TEXT_LIMIT]
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v
