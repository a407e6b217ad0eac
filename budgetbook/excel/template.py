"""Writing the standard workbooks from the spec: templates, unit workbooks, filled books.

Invariant: this module is the only place that decides where things sit on a sheet. Every
section is an Excel Table named as the spec says; computed cells are formulas derived from
the spec's Linear/Ratio declarations on locked cells; input cells are unlocked and yellow.
The same inputs always give the same bytes (fixed timestamps), so committed templates can
be compared with freshly built ones.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
import io
import os
import re
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping, NamedTuple, Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment  # noqa: F401  (write-back uses the same import path)
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..excel_refs import cell_ref, col_letter
from .cells import put
from ..spec import SPEC, MANADER, Column, Kind, Linear, Ratio, ReportSpec, RowSpec, Section

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
RESULT_FILL = PatternFill("solid", fgColor="E2EFDA")  # a consolidated figure: a result, not an input
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
BAND_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
THIN = Side(style="thin", color="808080")
TOTAL_BORDER = Border(top=THIN)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

# Sheet layout: title, unit note, band headers, then the table's header row.
TITLE_ROW, NOTE_ROW, BAND_ROW, TABLE_HEADER_ROW = 1, 2, 3, 4
HEADER_FIRST_ROW = 3  # first header field on the Uppgifter sheet


def number_format(kind: Kind, belopp_i: str = "tkr") -> str:
    # The locale-neutral codes: a Swedish Excel shows #,##0 as "# ##0" (space thousands).
    if kind is Kind.AMOUNT:
        return "#,##0.0" if belopp_i == "mnkr" else "#,##0"
    if kind is Kind.PERCENT:
        return "0.0%"
    if kind is Kind.COUNT:
        return "0"
    if kind is Kind.NUMBER:
        return "General"
    if kind is Kind.DATE:
        return "yyyy-mm-dd"
    return "@"


@dataclass
class BookContent:
    """What to put in a workbook beyond the empty template."""

    header: dict[str, Any] = field(default_factory=dict)
    # section key → rows, each a mapping column key → value. A value for a computed column
    # is written as a typed constant (how printed reports arrive), not as a formula.
    rows: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    # The nämnd's verksamheter, offered as a list in verksamhet cells; none in a generic
    # template (a list from another nämnd would warn on every row).
    verksamheter: Sequence[str] = ()
    # Rows of fixed sections (kostnadsslag) by row code → values.
    fixed: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)
    # Total rows of free-row sections (Summa, Totalt) by section → row code → values: a value
    # replaces the row's SUM formula with a typed constant, as hand-typed totals arrive.
    totals: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)
    # Filled in by build_workbook: (section, row index or fixed row code, column) → "Sheet!A1"
    # for every value written from ``rows``/``fixed``, so tests can check addresses read back.
    placed: dict[tuple[str, Any, str], str] = field(default_factory=dict)
    # A consolidated (nämnd) workbook: every figure is a result of budgetbook, so the input
    # cells are locked and green rather than yellow, without input validation, and the
    # Anvisningar say what the workbook is instead of how to fill it in.
    consolidated: bool = False
    # Given (a dict), the free-row sections' table bodies are the caller's to write (they can
    # be tens of thousands of rows): each is put here by section key, and laid out in the
    # Workbook only as its template rows (the first data row and the total rows, which carry
    # the styles), the table covering the whole body. ``placed`` then has the laid-out rows.
    bodies: dict[str, "TableBody"] | None = None


def build_workbook(sections: Iterable[Section] | None = None, content: BookContent | None = None,
                   spec: ReportSpec = SPEC) -> Workbook:
    content = content or BookContent()
    sections = list(sections if sections is not None else spec.sections)
    belopp_i = str(content.header.get("belopp_i") or "tkr")
    wb = Workbook()
    wb.remove(wb.active)
    _instructions_sheet(wb, sections, spec, content.consolidated)
    _header_sheet(wb, content.header, spec, content.consolidated)
    lists = _lists_sheet(wb, content.verksamheter, spec)
    for sec in sections:
        rows = content.rows.get(sec.key, [])
        body = _section_sheet(wb, sec, rows, content.fixed.get(sec.key, {}), belopp_i,
                              None if content.consolidated else lists, content.placed,
                              content.totals.get(sec.key, {}), content.consolidated,
                              streamed=content.bodies is not None and not sec.fixed_rows)
        if body is not None and content.bodies is not None:
            content.bodies[sec.key] = body
    wb.active = 1  # open on Uppgifter
    wb.properties.creator = "budgetbook"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = "budgetbook"
    return wb


# --- sheets -------------------------------------------------------------------------------

CONSOLIDATED_LINES = (
    ("Vad arbetsboken är", "Nämndens sammanställning, gjord av budgetbook (konsolidering) ur enheternas "
                           "validerade arbetsböcker. Alla belopp är resultat och låsta: gröna celler är "
                           "summor eller listor av enheternas värden, grå celler räknas ut."),
    ("Ändra ett belopp", "Rätta i enhetens arbetsbok och konsolidera igen; nämndens arbetsbok skrivs inte för hand."),
    ("Spårbarhet", "Bladet Spårbarhet visar för varje belopp vilken enhet, fil, blad och cell det kommer från."),
    ("Status", "Bladet Status visar vilka enheter som ingår, vilka som saknas eller lämnats utanför, och "
               "kontrollen av nämndens arbetsbok."),
)


def _instructions_sheet(wb: Workbook, sections: list[Section], spec: ReportSpec, consolidated: bool = False) -> None:
    ws = wb.create_sheet(spec.instructions_sheet)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    lines: list[tuple[str, str, Font | None]] = [
        ("Anvisningar", "", TITLE_FONT),
        ("", "", None),
        ("Så fyller du i", "Fyll i de gula cellerna. Grå celler räknas ut och är låsta.", BOLD),
        ("Teckenkonvention", "Intäkter skrivs som positiva tal (+), kostnader som negativa (−). "
                             "Netto = intäkter + kostnader.", None),
        ("Belopp", "Belopp anges i hela tusental kronor (tkr) om inte bladet Uppgifter säger mnkr.", None),
        ("Avvikelser", "Budgetavvikelse = utfall netto − budget netto; prognosavvikelse = prognos netto − "
                       "årsbudget netto. Positivt = bättre än budget.", None),
        ("Perioder", "Utfall och budget är ackumulerade från januari till rapportmånaden. "
                     "T1 = januari–april, T2 = januari–augusti, årsbokslut = januari–december.", None),
        ("Uppgifter", f"Fyll i nämnd, enhet, år, månad och rapporttyp på bladet {spec.header_sheet}.", None),
        ("Kontroll", "Tryck på Validera under fliken budgetbook (eller kör budgetbook validate). "
                     "Avvikelser listas på bladet Kontroll med länk till cellen.", None),
        ("Ändra inte", "Byt inte namn på blad eller tabeller och skriv inte över formler; "
                       "då kan rapporten inte läsas in.", None),
        ("", "", None),
    ]
    if consolidated:  # what the nämnd workbook is, not how to fill it in
        lines = lines[:2] + [(a, b_, BOLD if i == 0 else None) for i, (a, b_) in enumerate(CONSOLIDATED_LINES)] \
            + [line for line in lines[3:] if line[0] in ("Teckenkonvention", "Belopp", "Avvikelser", "Perioder")] \
            + [("", "", None)]
    for sec in sections:
        about = sec.description + (" " + sec.unit_note if sec.unit_note else "")
        if consolidated:  # nobody fills in a consolidated workbook
            about = re.sub(r"\s*Fyll i [^.]*\.", "", about)
        lines.append((sec.title, about, BOLD))
        for col in sec.columns:
            what = "räknas ut" if col.computed else (col.help or _kind_help(col))
            lines.append(("", f"{col.header}: {what}", None))
        lines.append(("", "", None))
    for i, (a, b, font) in enumerate(lines, start=1):
        ws.cell(i, 1, a).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(i, 2, b).alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            ws.cell(i, 1).font = font
        # Neither Excel nor LibreOffice grows a row for wrapped text written by a script.
        lines_needed = max(wrapped_lines(a, 28), wrapped_lines(b, 100))
        if lines_needed > 1:
            ws.row_dimensions[i].height = 15 * lines_needed
    print_setup(ws, "portrait")
    ws.protection.sheet = True


def wrapped_lines(text: str, width: int) -> int:
    return max(1, -(-len(text) * 11 // (width * 10)))  # ~1.1 characters per width unit


def _kind_help(col: Column) -> str:
    return {
        Kind.AMOUNT: "belopp" + (", positivt" if col.sign and col.sign.value == "+" else
                                 ", negativt" if col.sign else ""),
        Kind.PERCENT: "procent, t.ex. 4,4 %",
        Kind.NUMBER: "tal eller procent",
        Kind.COUNT: "heltal",
        Kind.DATE: "datum ÅÅÅÅ-MM-DD",
        Kind.MONTH: "år och månad ÅÅÅÅ-MM",
        Kind.CHOICE: "ett av " + ", ".join(col.choices),
        Kind.CODE: "kod",
        Kind.TEXT: "text",
    }[col.kind]


def _header_sheet(wb: Workbook, values: Mapping[str, Any], spec: ReportSpec, consolidated: bool = False) -> None:
    ws = wb.create_sheet(spec.header_sheet)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 48
    ws.cell(1, 1, "Uppgifter om rapporten").font = TITLE_FONT
    quoted = _quote(ws.title)
    for i, f in enumerate(spec.header):
        r = HEADER_FIRST_ROW + i
        ws.cell(r, 1, f.label).font = BOLD
        c = put(ws.cell(r, 2), values.get(f.key))
        c.fill, c.protection = (RESULT_FILL, LOCKED) if consolidated else (INPUT_FILL, UNLOCKED)
        c.number_format = number_format(f.kind) if f.kind is not Kind.TEXT else "General"
        wb.defined_names[f.key] = DefinedName(f.key, attr_text=f"{quoted}!$B${r}")
        if consolidated:
            continue
        dv = _validation_for(f.kind, f.choices, f.label)
        if f.key == "ar":
            dv = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                                allow_blank=True, showErrorMessage=True, errorTitle="År",
                                error="Skriv året med fyra siffror, t.ex. 2022.")
        elif f.key == "manad":
            dv = DataValidation(type="whole", operator="between", formula1="1", formula2="12",
                                allow_blank=True, showErrorMessage=True, errorTitle="Månad",
                                error="Skriv rapportmånaden som ett tal 1–12.")
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(c.coordinate)
    r = HEADER_FIRST_ROW + len(spec.header) + 1
    ws.cell(r, 1, "Validering").font = BOLD
    for j, (name, label) in enumerate(zip(spec.status_names, ("Status", "Version", "Sigill"))):
        ws.cell(r + 1 + j, 1, label)
        c = ws.cell(r + 1 + j, 2)
        c.fill, c.protection = COMPUTED_FILL, UNLOCKED  # the Validera button writes here
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!$B${r + 1 + j}")
    print_setup(ws, "portrait")
    ws.protection.sheet = True


def _lists_sheet(wb: Workbook, verksamheter: Sequence[str], spec: ReportSpec) -> str | None:
    if not verksamheter:
        return None
    ws = wb.create_sheet(spec.lists_sheet)
    ws.sheet_state = "hidden"
    ws.cell(1, 1, "Verksamheter")
    for i, v in enumerate(verksamheter, start=2):
        put(ws.cell(i, 1), v)
    last = max(2, len(verksamheter) + 1)
    wb.defined_names["lista_verksamhet"] = DefinedName(
        "lista_verksamhet", attr_text=f"{_quote(ws.title)}!$A$2:$A${last}")
    ws.protection.sheet = True
    return "lista_verksamhet"


def _section_sheet(wb: Workbook, sec: Section, rows: list[Mapping[str, Any]],
                   fixed: Mapping[str, Mapping[str, Any]], belopp_i: str, lists: str | None,
                   placed: dict | None = None, totals: Mapping[str, Mapping[str, Any]] | None = None,
                   consolidated: bool = False, streamed: bool = False) -> "TableBody | None":
    """The section's sheet; with ``streamed``, its body only as template rows, and the body
    returned for the caller to write (BookContent.bodies)."""
    ws = wb.create_sheet(sec.sheet)
    ncols = len(sec.columns)
    ws.cell(TITLE_ROW, 1, sec.title).font = TITLE_FONT
    unit = f"Belopp i {belopp_i}. " if any(c.kind is Kind.AMOUNT for c in sec.columns) else ""
    ws.cell(NOTE_ROW, 1, unit + sec.unit_note)
    _bands(ws, sec)
    for j, col in enumerate(sec.columns, start=1):
        c = ws.cell(TABLE_HEADER_ROW, j, col.header)
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[col_letter(j)].width = col.width
    ws.row_dimensions[TABLE_HEADER_ROW].height = 32

    # Row plan: fixed rows, or the free rows (at least blank_rows) then the totals.
    plan: list[tuple[RowSpec | None, Mapping[str, Any]]]
    if sec.fixed_rows:
        plan = [(r, fixed.get(r.code, {})) for r in sec.fixed_rows]
    else:
        data = list(rows) + [{}] * max(0, sec.blank_rows - len(rows))
        plan = [(None, r) for r in data] + [(t, (totals or {}).get(t.code, {})) for t in sec.totals]
    body = TableBody(sec, TABLE_HEADER_ROW + 1, plan)
    # A column's cells share one style per kind of row: style the first, copy its style array
    # to the rest (openpyxl's per-attribute setters cost more than everything else here).
    styles: dict[tuple[int, str, bool], Any] = {}
    for i in body.template_rows() if streamed else range(len(plan)):
        rspec, values = plan[i]
        r = body.first + i
        is_total = rspec is not None and rspec.is_total
        for col in sec.columns:
            j = body.cols[col.key]
            c = ws.cell(r, j)
            kind = _kind(sec, col, rspec)
            # Styled before the value is written, as put() may add the quote prefix.
            key = (j, kind, is_total)
            if key in styles:
                c._style = copy(styles[key])
            else:
                _style_cell(c, col, kind, is_total, belopp_i, consolidated)
                styles[key] = copy(c._style)
            content = body.content(col, kind, rspec, values, r)
            if content.__class__ is Formula:
                c.value = content.text
            else:
                put(c, content)
            if placed is not None and col.key in values:
                placed[(sec.key, rspec.code if rspec is not None else i, col.key)] = f"{sec.sheet}!{c.coordinate}"
    last = body.first + len(plan) - 1
    ref = f"A{TABLE_HEADER_ROW}:{col_letter(ncols)}{last}"
    table = Table(displayName=sec.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(table)
    if not consolidated:
        _data_validations(ws, sec, body.cols, body.data_rows, lists)
    ws.freeze_panes = ws.cell(body.first, 2)
    ws.print_title_rows = f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}"
    print_setup(ws, "landscape")
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # let users widen a column
    ws.protection.formatRows = False
    return body if streamed else None


class Formula(NamedTuple):
    """A cell of a table body that holds a formula (its text, with "="), as TableBody gives it."""

    text: str


def _kind(sec: Section, col: Column, rspec: RowSpec | None) -> str:
    """What a body cell is: a fixed or total row's label, a total, computed, or an input."""
    if col.key == sec.label_column and rspec is not None:
        return "label"
    if rspec is not None and rspec.is_total:
        return "total"
    return "computed" if col.computed else "input"


class TableBody:
    """A section's table body, cell by cell, as the template lays it out: row i is sheet row
    ``first + i``; a cell holds a constant (the value as ``put`` writes it) or a Formula.
    What a writer that streams the body (BookContent.bodies) writes, the cells' styles taken
    from the laid-out template rows (``template_row``)."""

    def __init__(self, sec: Section, first: int, plan: list[tuple[RowSpec | None, Mapping[str, Any]]]):
        self.section, self.first, self.plan = sec, first, plan
        self.cols = {col.key: j for j, col in enumerate(sec.columns, start=1)}
        self.row_of = {rspec.code: first + i for i, (rspec, _) in enumerate(plan) if rspec is not None}
        self.data_rows = [first + i for i, (rspec, _) in enumerate(plan) if rspec is None or not rspec.is_total]
        self.kinds = [_kind(sec, col, None) for col in sec.columns]  # a free data row's, column by column
        self._first_data = next((i for i, (rspec, _) in enumerate(plan) if rspec is None), -1)

    def __len__(self) -> int:
        return len(self.plan)

    def __iter__(self) -> Iterator[tuple]:
        return (self.row(i) for i in range(len(self.plan)))

    def row(self, i: int) -> tuple:
        rspec, values = self.plan[i]
        r = self.first + i
        kinds = self.kinds if rspec is None else [_kind(self.section, col, rspec) for col in self.section.columns]
        return tuple(self.content(col, kind, rspec, values, r) for col, kind in zip(self.section.columns, kinds))

    def content(self, col: Column, kind: str, rspec: RowSpec | None, values: Mapping[str, Any], r: int) -> Any:
        """What the cell of ``col`` in sheet row ``r`` holds (``values``: the row's content)."""
        if kind == "input":  # most cells
            return values.get(col.key)
        if kind == "label":
            return rspec.label  # type: ignore[union-attr]
        if col.key in values:
            return values[col.key]  # a typed constant where a formula would be
        if kind == "total":
            formula = _total_formula(col, rspec, r, self.cols, self.row_of, self.data_rows)  # type: ignore[arg-type]
            return None if formula is None else Formula(formula)
        return Formula(_row_formula(col, r, self.cols))  # computed

    def template_rows(self) -> list[int]:
        """The rows (by index) a streamed body lays out: the first data row and the total rows."""
        return [i for i, (rspec, _) in enumerate(self.plan) if rspec is not None or i == self._first_data]

    def template_row(self, i: int) -> int:
        """The sheet row whose cells carry row i's styles: the first data row for a data row."""
        return self.first + (i if self.plan[i][0] is not None else self._first_data)


def _style_cell(c, col: Column, kind: str, is_total: bool, belopp_i: str, consolidated: bool) -> None:
    c.number_format = number_format(col.kind, belopp_i)
    if kind == "label":
        c.font = BOLD if is_total else Font()
        c.fill, c.protection = COMPUTED_FILL, LOCKED
    elif kind == "total":
        c.fill, c.protection = COMPUTED_FILL, LOCKED
        c.font = BOLD
    elif kind == "computed":
        c.fill, c.protection = COMPUTED_FILL, LOCKED
    else:
        c.fill, c.protection = (RESULT_FILL, LOCKED) if consolidated else (INPUT_FILL, UNLOCKED)
    if is_total:
        c.border = TOTAL_BORDER


def print_setup(ws, orientation: str) -> None:
    """A4, fitted to the page width, as many pages tall as needed."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _bands(ws, sec: Section) -> None:
    start = None
    for j, col in enumerate(list(sec.columns) + [None], start=1):
        band = col.band if col else None
        prev = sec.columns[start - 1].band if start else None
        if start and band != prev:
            if prev:
                ws.cell(BAND_ROW, start, prev).font = BOLD
                for k in range(start, j):
                    ws.cell(BAND_ROW, k).fill = BAND_FILL
                if j - 1 > start:
                    ws.merge_cells(start_row=BAND_ROW, start_column=start, end_row=BAND_ROW, end_column=j - 1)
                ws.cell(BAND_ROW, start).alignment = Alignment(horizontal="center")
            start = j if band else None
        elif not start and band:
            start = j


def _row_formula(col: Column, r: int, cols: Mapping[str, int]) -> str:
    f = col.formula
    if isinstance(f, Linear):
        refs = [cell_ref(r, cols[k]) for k, _ in f.terms]
        expr = "".join(("+" if w > 0 else "-") + ref for (k, w), ref in zip(f.terms, refs)).lstrip("+")
        return f'=IF(COUNT({",".join(refs)})=0,"",{expr})'
    if isinstance(f, Ratio):
        n, d = cell_ref(r, cols[f.numerator]), cell_ref(r, cols[f.denominator])
        return f'=IF(AND(ISNUMBER({n}),ISNUMBER({d})),IF({d}<>0,{n}/{d},""),"")'
    raise ValueError(col.key)


def _total_formula(col: Column, rspec: RowSpec, r: int, cols: Mapping[str, int],
                   row_of: Mapping[str, int], data_rows: list[int]) -> str | None:
    j = cols[col.key]
    if col.total == "formula" and col.formula is not None:
        return _row_formula(col, r, cols)
    if col.total != "sum":
        return None
    items = [x for x in data_rows if x < r] if rspec.all_rows else [row_of[c] for c in rspec.items]
    if not items:
        return "=0"
    items = sorted(items)
    if items == list(range(items[0], items[-1] + 1)):
        return f"=SUM({cell_ref(items[0], j)}:{cell_ref(items[-1], j)})"
    return "=SUM(" + ",".join(cell_ref(x, j) for x in items) + ")"


def _validation_for(kind: Kind, choices: Sequence[str], title: str) -> DataValidation | None:
    if kind in (Kind.AMOUNT, Kind.NUMBER, Kind.PERCENT):
        return DataValidation(type="decimal", operator="between", formula1="-1E+12", formula2="1E+12",
                              allow_blank=True, showErrorMessage=True, errorTitle=title[:32],
                              error="Här ska ett tal stå, t.ex. −1 234. Förklaringar skrivs i Kommentarer.")
    if kind is Kind.COUNT:
        return DataValidation(type="whole", operator="between", formula1="-1000000000", formula2="1000000000",
                              allow_blank=True, showErrorMessage=True, errorTitle=title[:32],
                              error="Här ska ett heltal stå.")
    if kind is Kind.CHOICE and choices:
        return DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle=title[:32],
                              error="Välj ett värde i listan: " + ", ".join(choices))
    if kind is Kind.DATE:
        return DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                              showErrorMessage=True, errorTitle=title[:32],
                              error="Skriv ett datum ÅÅÅÅ-MM-DD.")
    return None


def _data_validations(ws, sec: Section, cols: Mapping[str, int], data_rows: list[int],
                      lists: str | None) -> None:
    if not data_rows:
        return
    for col in sec.columns:
        if col.computed or (sec.fixed_rows and col.key == sec.label_column):
            continue
        if col.key == "verksamhet" and lists:
            # A warning, not a stop: the nämnd's configuration may name verksamheter the
            # generic template does not list.
            dv = DataValidation(type="list", formula1=f"={lists}", allow_blank=True, showErrorMessage=True,
                                errorStyle="warning", errorTitle="Verksamhet",
                                error="Verksamheten finns inte i nämndens lista. Kontrollera stavningen.")
        else:
            dv = _validation_for(col.kind, col.choices, col.header)
        if dv is None:
            continue
        ws.add_data_validation(dv)
        j = col_letter(cols[col.key])
        for block in _runs(data_rows):
            dv.add(f"{j}{block[0]}:{j}{block[-1]}" if len(block) > 1 else f"{j}{block[0]}")


def _runs(rows: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for r in rows:
        if runs and runs[-1][-1] == r - 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


# --- saving -------------------------------------------------------------------------------

def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes with fixed zip timestamps: same content, same bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + FIXED_TIME.isoformat().encode() + b"Z", data)
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    with atomic_writer(path) as fh:
        fh.write(data)


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[BinaryIO]:
    """A file to write ``path``'s new content into, in place only when the block completes:
    a temporary file beside it, synced and renamed; on any error it is removed and ``path``
    is as it was. (For content too large to hold twice in memory.)"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); a report on a shared folder must keep the
        # replaced file's mode, or get the usual one a new file gets.
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def save_workbook(wb: Workbook, path: str | Path) -> None:
    atomic_write(path, workbook_bytes(wb))


TEMPLATE_FILES = {s.key: f"{s.key}.xlsx" for s in SPEC.sections}
COMBINED_TEMPLATE = "rapport.xlsx"


def write_templates(out_dir: str | Path, spec: ReportSpec = SPEC) -> list[Path]:
    """One workbook per section plus the combined one; returns the paths written."""
    out = Path(out_dir)
    written = []
    for sec in spec.sections:
        p = out / f"{sec.key}.xlsx"
        save_workbook(build_workbook([sec], spec=spec), p)
        written.append(p)
    p = out / COMBINED_TEMPLATE
    save_workbook(build_workbook(spec.sections, spec=spec), p)
    written.append(p)
    return written


__all__ = ["BookContent", "build_workbook", "write_templates", "save_workbook", "workbook_bytes",
           "atomic_write", "atomic_writer", "number_format", "print_setup", "wrapped_lines", "MANADER"]
