"""Writing the nämnd workbook: the standard layout plus Status, Spårbarhet and Prognosförändring.

Invariant: the section sheets come from the same template code as the units' workbooks
(build_workbook), with computed cells and total rows left as formulas so the workbook stays
live; every value that came from a unit or a file name goes through ``cells.put`` (never a
formula); the file is written by ``atomic_write`` only. The writer is isolated here so a
faster engine (write-only openpyxl, XlsxWriter) can replace the bulk sheets later.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..book import Book
from ..consolidate import (CONFLICT, EXCLUDED, INCLUDED, INCLUDED_WITH_ERRORS, MISSING, Consolidation,
                           Trace)
from ..excel_refs import cell_ref, col_letter, parse_range
from ..findings import Finding, quote_sheet
from ..spec import SPEC
from .cells import put
from .template import BookContent, atomic_write, build_workbook, number_format, workbook_bytes

STATUS_SHEET = "Status"
TRACE_SHEET = "Spårbarhet"
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


def section_workbook(result: Consolidation) -> Workbook:
    """The nämnd's report sections in the units' standard layout."""
    content = BookContent(header=dict(result.header), rows=result.rows, fixed=result.fixed,
                          verksamheter=[v.namn for v in result.config.verksamheter])
    return build_workbook(SPEC.sections, content)


def draft_bytes(wb: Workbook) -> bytes:
    """The sections as .xlsx bytes, to validate before the report sheets are added."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def anchors(wb: Workbook) -> dict[str, tuple[str, int, dict[str, str]]]:
    """Section → (sheet, first body row, column key → letter), from the tables as written."""
    out = {}
    for sec in SPEC.sections:
        ws = wb[sec.sheet]
        r1, c1, _, _ = parse_range(ws.tables[sec.table].ref)
        out[sec.key] = (sec.sheet, r1 + 1, {col.key: col_letter(c1 + j) for j, col in enumerate(sec.columns)})
    return out


def target_cell(anchor: dict, trace: Trace) -> tuple[str, str]:
    sheet, first, letters = anchor[trace.section]
    return sheet, f"{letters[trace.column]}{first + trace.position}"


def add_report_sheets(wb: Workbook, result: Consolidation, namnd_findings: list[Finding], run: RunInfo) -> None:
    where = anchors(wb)
    _prognos_sheet(wb, result, where)
    _status_sheet(wb, result, namnd_findings, run)
    _trace_sheet(wb, result.traces, where, result.config.belopp_i)
    wb.active = wb.sheetnames.index(STATUS_SHEET)


def write(wb: Workbook, path: Path) -> None:
    atomic_write(path, workbook_bytes(wb))


# --- sheets -------------------------------------------------------------------------------

def _head(ws, row: int, headers: Sequence[str], widths: Sequence[float] | None = None) -> None:
    for j, h in enumerate(headers, start=1):
        c = ws.cell(row, j, h)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        if widths:
            ws.column_dimensions[col_letter(j)].width = widths[j - 1]


def _row(ws, row: int, values: Iterable[Any]) -> None:
    for j, v in enumerate(values, start=1):
        if v is not None and v != "":  # an empty cell costs nothing to leave out
            put(ws.cell(row, j), v)


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
        ws.cell(i, 1, k).font = BOLD
        put(ws.cell(i, 2), v)
    r = 3 + len(facts) + 1
    ws.cell(r, 1, "Enheter").font = BOLD
    r += 1
    headers = ("Enhet", "Namn", "Kontakt", "Fil", "SHA-256", "Uppgiftslämnare", "Datum", "Fil ändrad",
               "Fel", "Varningar", "Status", "Sigill", "Anmärkning")
    _head(ws, r, headers, (10, 30, 28, 30, 18, 22, 12, 17, 7, 10, 26, 26, 60))
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
                u.enhet.kod, u.enhet.namn, u.enhet.kontakt, f.file if f else "", f.sha256 if f else "",
                f.uppgiftslamnare if f else "", f.datum if f else None,
                f.mtime.strftime("%Y-%m-%d %H:%M") if f and f.mtime else "",
                u.errors if taken or fu is None else None, u.warnings if taken or fu is None else None,
                state, f.seal if f else "", note))
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
    for item in lost or [("(inga)", "", "")]:
        r += 1
        _row(ws, r, item)

    r += 2
    ws.cell(r, 1, "Fynd per enhet").font = BOLD
    r += 1
    _head(ws, r, ("Enhet", "Fil", "Kod", "Allvar", "Cell", "Meddelande", "Så rättar du"))
    any_finding = False
    for u in units:
        for f in u.findings:
            r += 1
            any_finding = True
            _row(ws, r, (u.enhet.kod, f.location.file, f.code, f.severity.value, f.location.a1, f.message, f.hint))
    if not any_finding:
        r += 1
        put(ws.cell(r, 1), "(inga)")

    r += 2
    ws.cell(r, 1, "Kontroll av nämndens arbetsbok").font = BOLD
    r += 1
    _head(ws, r, ("Kod", "Allvar", "Cell", "Meddelande", "Så rättar du"))
    for f in namnd_findings:
        r += 1
        _row(ws, r, (f.code, f.severity.value, f.location.a1, f.message, f.hint))
    if not namnd_findings:
        r += 1
        put(ws.cell(r, 1), "Inga avvikelser: alla kontroller håller på nämndens arbetsbok.")
    r += 1
    put(ws.cell(r, 1), "Kommentarernas belopp (TEXT-*) kontrolleras i varje enhets arbetsbok, mot enhetens "
                       "egna tabeller, inte mot nämndens summor.")


def namnd_verdict(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "alla kontroller håller"
    if not errors:
        return f"inga fel, {warnings} varningar, se nedan"
    return f"{errors} fel och {warnings} varningar, se nedan"


def _trace_sheet(wb: Workbook, traces: list[Trace], where: dict, belopp_i: str) -> None:
    ws = wb.create_sheet(TRACE_SHEET)
    headers = ("Nämndens blad", "Nämndens cell", "Rad", "Kolumn", "Enhet", "Enhetens namn", "Fil",
               "Enhetens blad", "Enhetens cell", "Värde", f"Värde i {belopp_i}", "Anmärkning")
    _head(ws, 1, headers, (14, 10, 36, 18, 8, 28, 30, 14, 10, 14, 14, 24))
    headers_of = {s.key: {c.key: c.header for c in s.columns} for s in SPEC.sections}
    r = 1
    for t in traces:
        r += 1
        sheet, cell = target_cell(where, t)
        value = t.value
        shown = value * t.factor if isinstance(value, Decimal) and t.factor != 1 else value
        _row(ws, r, (sheet, cell, t.label, headers_of[t.section][t.column], t.enhet_kod, t.enhet_namn,
                     t.file, t.sheet, t.cell, value, shown, t.note))
    if r > 1:
        table = Table(displayName="Sparbarhet", ref=f"A1:{col_letter(len(headers))}{r}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        ws.add_table(table)
    ws.freeze_panes = "A2"


def _prognos_sheet(wb: Workbook, result: Consolidation, where: dict) -> None:
    ws = wb.create_sheet(PROGNOS_SHEET)
    ws.cell(1, 1, "Förändring mot föregående prognos").font = TITLE
    prev, now = result.previous, result.period
    note = (f"Prognos netto per verksamhet ({result.config.belopp_i}) jämfört med konsolideringen för "
            f"{prev}, över de enheter som ingår i båda. Positivt = prognosen har förbättrats." if prev
            else "Ingen tidigare konsolidering för året finns i historiken; förändringen visas från nästa period.")
    ws.cell(2, 1, note)
    headers = ("Kod", "Verksamhet", f"Prognos netto {now}, hela nämnden",
               f"Prognos netto {prev}, jämförbara enheter" if prev else "Föregående prognos",
               f"Prognos netto {now}, jämförbara enheter", "Förändring")
    _head(ws, 4, headers, (10, 36, 18, 18, 18, 14))
    sheet, first, letters = where["ekonomi"]
    fmt = number_format(SPEC.section("ekonomi").column("prognos_netto").kind, result.config.belopp_i)
    r = 4
    for p in result.prognos:
        r += 1
        put(ws.cell(r, 1), p.kod)
        put(ws.cell(r, 2), p.namn)
        # Live: the current prognos is the Ekonomi sheet's cell, so an edit there shows here.
        ws.cell(r, 3).value = f"={quote_sheet(sheet)}!{letters['prognos_netto']}{first + p.position}"
        put(ws.cell(r, 4), p.previous)
        put(ws.cell(r, 5), p.current_comparable if prev else None)
        ws.cell(r, 6).value = f'=IF(AND(ISNUMBER({cell_ref(r, 5)}),ISNUMBER({cell_ref(r, 4)})),' \
                              f'{cell_ref(r, 5)}-{cell_ref(r, 4)},"")'
        for j in (3, 4, 5, 6):
            ws.cell(r, j).number_format = fmt
    if r > 4:
        r += 1
        ws.cell(r, 2, "Summa").font = BOLD
        for j in (3, 4, 5, 6):
            c = ws.cell(r, j, f"=SUM({cell_ref(5, j)}:{cell_ref(r - 1, j)})")
            c.font, c.number_format = BOLD, fmt
    r += 2
    for line in prognos_notes(result):
        put(ws.cell(r, 1), line)
        r += 1


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


def read_draft(data: bytes, label: str) -> Book:
    """Read the nämnd's sections back from bytes, as any unit workbook is read."""
    from ..reader import read_book
    from .fast_source import FastSource
    from .package import open_package

    return read_book(FastSource(open_package(label, data=data)), SPEC, file_label=label)
