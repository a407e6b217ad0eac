"""Writing the findings back into the workbook: the Kontroll sheet, the marks, the status.

Invariant: what is written where is decided once, here (``write_back``), over the
``WriteBackTarget`` interface; ``FileTarget`` (openpyxl, ``validate --write-back``) and
``LiveTarget`` (xlwings, the Validera button, in live.py) only carry it out. Each run
replaces the previous one: the Kontroll sheet is rewritten, the previous run's marks are
taken off first, and a cell is only ever restored if it still carries exactly the mark
budgetbook put there (a cell the user re-coloured or re-noted since is left as it is; a
cell budgetbook never marked is never touched). What each mark replaced (fill, note) is
recorded in hidden columns of the Kontroll sheet, so the next run, from either target,
restores it. Text that came from the workbook is written as text, never as a formula.

A workbook that carries its own ``xlwings.conf`` sheet or a sheet whose name ends in
``.py`` is refused before anything is written (WriteBackError): such a sheet steers what
xlwings runs on the controller's machine.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, Sequence

from .. import __version__
from ..book import Book
from ..excel_refs import cell_pos, col_letter
from ..findings import Finding, Severity, count_by_severity, fmt_value, varningar
from ..seal import seal

KONTROLL_SHEET = "Kontroll"
KONTROLL_TITLE = "Kontroll – budgetbook"  # A1: how budgetbook knows the sheet is its own
STATUS_ROW, VERSION_ROW, SEAL_ROW = 2, 3, 4
HEADER_ROW = 6
FIRST_ROW = HEADER_ROW + 1
COLUMNS = ("Allvarlighet", "Kod", "Sektion", "Cell", "Meddelande", "Förväntat", "Hittat", "Åtgärd")
WIDTHS = (12, 10, 16, 16, 70, 14, 14, 60)
LINK_COL = COLUMNS.index("Cell") + 1
VALUE_COLS = (COLUMNS.index("Förväntat") + 1, COLUMNS.index("Hittat") + 1)
# The marks record, in hidden columns to the right of the findings.
RECORD_COL = len(COLUMNS) + 3
RECORD_COLUMNS = ("budgetbook-markering: blad", "cell", "ursprung", "markering")

SEVERITY_LABEL = {Severity.FEL: "Fel", Severity.VARNING: "Varning", Severity.INFO: "Info"}
# Fill per severity (RGB): Excel's "Bad" red, an orange apart from the yellow input cells, blue.
MARK_RGB = {Severity.FEL: "FFC7CE", Severity.VARNING: "F8CBAD", Severity.INFO: "BDD7EE"}
NOTE_LIMIT = 2000  # characters of a cell note; a long list of findings is cut with "…"


class WriteBackError(Exception):
    """The workbook must not or cannot be written back; the message says why, in Swedish."""


def refusal(sheet_names: Sequence[str]) -> str | None:
    """Why a workbook is refused (its own xlwings configuration or embedded code), or None."""
    bad = [n for n in sheet_names if n.strip().lower() == "xlwings.conf" or n.strip().lower().endswith(".py")]
    if not bad:
        return None
    return (f"Arbetsboken har bladet {', '.join(bad)}. Ett sådant blad styr vad Excel-tillägget kör på "
            f"din dator, och därför kontrolleras arbetsboken inte. Ta bort bladet (eller utgå från en ny "
            f"mall från budgetbook new) och försök igen.")


# --- the interface ------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    sheet: str
    cell: str
    rgb: str
    note: str

    def as_record(self) -> str:
        return json.dumps({"rgb": self.rgb, "note": self.note}, ensure_ascii=False)


@dataclass
class SheetContent:
    """A sheet's new content as blocks of values; where each block goes is decided here."""

    blocks: list[tuple[int, int, list[list[Any]]]] = field(default_factory=list)  # (row, col, values)
    bold: list[tuple[int, int, int]] = field(default_factory=list)  # (row, first col, last col)
    links: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, "'Sheet'!A1")
    fills: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, RGB)
    widths: dict[int, float] = field(default_factory=dict)
    hidden_cols: list[int] = field(default_factory=list)
    number_formats: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, Excel format code)


class WriteBackTarget(Protocol):
    """Where the write-back lands: a file (openpyxl) or the open workbook (xlwings)."""

    def sheet_names(self) -> list[str]: ...

    def read_values(self, sheet: str, row: int, col: int, nrows: int, ncols: int) -> list[list[Any]]:
        """Values of a block of cells, row by row (None for a blank cell)."""
        ...

    def defined_names(self) -> dict[str, tuple[str, str]]:
        """Workbook-scoped names: lower-cased name → (sheet, A1)."""
        ...

    def last_row(self, sheet: str) -> int: ...

    def replace_sheet(self, sheet: str, content: SheetContent) -> None:
        """Create the sheet (at the end) or clear it, then write ``content``."""
        ...

    def mark(self, mark: Mark) -> dict:
        """Colour a cell and give it a note; return what it replaced (its record)."""
        ...

    def unmark(self, mark: Mark, original: dict) -> bool:
        """Restore ``original`` if the cell still carries exactly ``mark``; True if restored."""
        ...

    def write_values(self, cells: dict[tuple[str, str], str]) -> None:
        """Write text into (sheet, A1) cells (the status), unprotecting where needed."""
        ...


# --- the logic, written once --------------------------------------------------------------

@dataclass
class WriteBackResult:
    rows: int  # Kontroll rows written
    marked: list[tuple[str, str]]
    unmarked: list[tuple[str, str]]
    status: str
    seal: str


def status_line(findings: Sequence[Finding], now: dt.datetime) -> str:
    n = count_by_severity(findings)
    parts = [f"{n[Severity.FEL]} fel",
             varningar(n[Severity.VARNING])]
    if n[Severity.INFO]:
        parts.append(f"{n[Severity.INFO]} info")
    return f"Validerad {now:%Y-%m-%d %H:%M} — " + ", ".join(parts)


def version_line(book: Book) -> str:
    return f"budgetbook {__version__}, regler {book.spec.version}"


def write_back(target: WriteBackTarget, book: Book, findings: Sequence[Finding],
               now: dt.datetime | None = None) -> WriteBackResult:
    now = now or dt.datetime.now()
    names = target.sheet_names()
    why = refusal(names)
    if why:
        raise WriteBackError(why)
    previous = _previous_record(target, names)
    unmarked = []
    for mark, original in previous:
        if mark.sheet in names and target.unmark(mark, original):
            unmarked.append((mark.sheet, mark.cell))
    marks = plan_marks(findings, [n for n in names if n != KONTROLL_SHEET])
    record = [(m, target.mark(m)) for m in marks]
    status = status_line(findings, now)
    sigill = seal(book)
    target.replace_sheet(KONTROLL_SHEET, kontroll_content(book, findings, record, status, sigill))
    status_cells = {}
    defined = target.defined_names()
    for name, text in zip(book.spec.status_names, (status, version_line(book), sigill)):
        where = defined.get(name.lower())
        if where is not None and where[0] in names:
            status_cells[where] = text
    target.write_values(status_cells)
    return WriteBackResult(rows=len(findings), marked=[(m.sheet, m.cell) for m in marks],
                           unmarked=unmarked, status=status, seal=sigill)


def _previous_record(target: WriteBackTarget, names: list[str]) -> list[tuple[Mark, dict]]:
    if KONTROLL_SHEET not in names:
        return []
    if target.read_values(KONTROLL_SHEET, 1, 1, 1, 1)[0][0] != KONTROLL_TITLE:
        raise WriteBackError(f"Arbetsboken har redan ett eget blad som heter {KONTROLL_SHEET}. Byt namn på det "
                             f"bladet, så skriver budgetbook sina resultat på ett nytt blad {KONTROLL_SHEET}.")
    last = target.last_row(KONTROLL_SHEET)
    if last < FIRST_ROW:
        return []
    rows = target.read_values(KONTROLL_SHEET, FIRST_ROW, RECORD_COL, last - FIRST_ROW + 1, len(RECORD_COLUMNS))
    out = []
    for sheet, cell, original, mark in rows:
        if not sheet:
            break
        try:
            m, o = json.loads(mark), json.loads(original)
        except (TypeError, ValueError):
            continue  # a damaged record row: leave that cell alone
        out.append((Mark(str(sheet), str(cell), m.get("rgb", ""), m.get("note", "")), o))
    return out


def plan_marks(findings: Sequence[Finding], sheets: Sequence[str]) -> list[Mark]:
    """One mark per offending cell: the most severe finding's colour, every message in the note."""
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        loc = f.location
        if not loc.cell or loc.sheet not in sheets:
            continue
        try:
            cell_pos(loc.cell)
        except ValueError:
            continue  # a range or anything but one cell is listed, not marked
        by_cell.setdefault((loc.sheet, loc.cell.replace("$", "").upper()), []).append(f)
    marks = []
    for (sheet, cell), fs in by_cell.items():
        worst = min(fs, key=lambda f: f.severity.rank)
        lines = [f"{SEVERITY_LABEL[f.severity]} {f.code}: {f.message}" + (f" {f.hint}" if f.hint else "")
                 for f in sorted(fs, key=lambda f: f.severity.rank)]
        note = "budgetbook\n" + "\n".join(lines)
        if len(note) > NOTE_LIMIT:
            note = note[:NOTE_LIMIT - 1] + "…"
        marks.append(Mark(sheet, cell, MARK_RGB[worst.severity], note))
    return marks


def _link(f: Finding) -> str | None:
    loc = f.location
    if not loc.sheet:
        return None
    return f"{quote_sheet_always(loc.sheet)}!{loc.cell.replace('$', '') if loc.cell else 'A1'}"


def quote_sheet_always(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def kontroll_content(book: Book, findings: Sequence[Finding], record: list[tuple[Mark, dict]],
                     status: str, sigill: str) -> SheetContent:
    c = SheetContent()
    c.blocks.append((1, 1, [[KONTROLL_TITLE], [status], [version_line(book)], [f"Sigill: {sigill}"]]))
    c.bold.append((1, 1, 1))
    titles = {s.key: s.title for s in book.spec.sections}
    rows = []
    for i, f in enumerate(findings):
        loc = f.location
        r = FIRST_ROW + i
        rows.append([SEVERITY_LABEL[f.severity], f.code, titles.get(loc.section, loc.section),
                     loc.a1, f.message, _shown(f.expected), _shown(f.actual), f.hint])
        shown_as = _number_format(book, f)
        if shown_as:  # Förväntat and Hittat read like the cell they are about: 2 400, not 2400
            c.number_formats += [(r, col, shown_as) for col, v in zip(VALUE_COLS, (f.expected, f.actual))
                                 if _is_number(v)]
        link = _link(f)
        if link:
            c.links.append((r, LINK_COL, link))
        c.fills.append((r, 1, MARK_RGB[f.severity]))
    if not rows:
        rows = [["", "", "", "", "Inga avvikelser hittades.", "", "", ""]]
    c.blocks.append((HEADER_ROW, 1, [list(COLUMNS)] + rows))
    c.bold.append((HEADER_ROW, 1, len(COLUMNS)))
    c.blocks.append((HEADER_ROW, RECORD_COL, [list(RECORD_COLUMNS)] +
                     [[m.sheet, m.cell, json.dumps(o, ensure_ascii=False), m.as_record()] for m, o in record]))
    c.widths = {i + 1: w for i, w in enumerate(WIDTHS)}
    c.hidden_cols = list(range(RECORD_COL, RECORD_COL + len(RECORD_COLUMNS)))
    return c


def _shown(v: Any) -> Any:
    """Numbers stay numbers; anything else (dates, text) as the text a person reads."""
    if v is None or _is_number(v):
        return v
    return fmt_value(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def _number_format(book: Book, f: Finding) -> str | None:
    """The number format of the column a finding is about (its kind, the workbook's belopp_i)."""
    from ..rules.lookup import unit
    from .template import number_format

    loc = f.location
    sec = book.section(loc.section) if loc.section else None
    if sec is None or loc.column not in sec.spec.column_keys:
        return None
    shown_as = number_format(sec.spec.column(loc.column).kind, unit(book))
    return None if shown_as in ("General", "@") else shown_as


# --- the file implementation (openpyxl) ---------------------------------------------------

class FileTarget:
    """Write-back into an openpyxl Workbook loaded with formulas (data_only=False)."""

    def __init__(self, wb):
        self.wb = wb

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def read_values(self, sheet: str, row: int, col: int, nrows: int, ncols: int) -> list[list[Any]]:
        ws = self.wb[sheet]
        return [[ws.cell(r, c).value for c in range(col, col + ncols)] for r in range(row, row + nrows)]

    def defined_names(self) -> dict[str, tuple[str, str]]:
        from .package import split_ref

        out = {}
        for name, dn in self.wb.defined_names.items():
            ref = split_ref(dn.attr_text or "")
            if ref:
                out[name.lower()] = ref
        return out

    def last_row(self, sheet: str) -> int:
        return self.wb[sheet].max_row

    def replace_sheet(self, sheet: str, content: SheetContent) -> None:
        from openpyxl.styles import Font, PatternFill
        from openpyxl.worksheet.hyperlink import Hyperlink

        from .cells import put

        if sheet in self.wb.sheetnames:  # a fresh sheet in the same place: nothing stale survives
            index = self.wb.sheetnames.index(sheet)
            self.wb.remove(self.wb[sheet])
            ws = self.wb.create_sheet(sheet, index)
        else:
            ws = self.wb.create_sheet(sheet)
        for r0, c0, values in content.blocks:
            for i, row in enumerate(values):
                for j, v in enumerate(row):
                    if v is not None and v != "":
                        put(ws.cell(r0 + i, c0 + j), v)
        for r, c1, c2 in content.bold:
            for c in range(c1, c2 + 1):
                ws.cell(r, c).font = Font(bold=True)
        for r, c, location in content.links:
            cell = ws.cell(r, c)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location, display=str(cell.value or ""))
            cell.font = Font(color="0563C1", underline="single")
        for r, c, rgb in content.fills:
            ws.cell(r, c).fill = PatternFill("solid", fgColor=rgb)
        for c, w in content.widths.items():
            ws.column_dimensions[col_letter(c)].width = w
        for c in content.hidden_cols:
            ws.column_dimensions[col_letter(c)].hidden = True
        for r, c, shown_as in content.number_formats:
            ws.cell(r, c).number_format = shown_as
        ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)

    def mark(self, mark: Mark) -> dict:
        from openpyxl.comments import Comment
        from openpyxl.styles import PatternFill

        cell = self.wb[mark.sheet][mark.cell]
        original = {"fill": _fill_xml(cell.fill), "rgb": _fill_rgb(cell.fill),
                    "note": cell.comment.text if cell.comment else None,
                    "author": cell.comment.author if cell.comment else None}
        cell.fill = PatternFill("solid", fgColor=mark.rgb)
        note = Comment(mark.note, "budgetbook")
        note.width, note.height = 360, 180
        cell.comment = note
        return original

    def unmark(self, mark: Mark, original: dict) -> bool:
        from openpyxl.comments import Comment
        from openpyxl.styles import PatternFill

        cell = self.wb[mark.sheet][mark.cell]
        fill = cell.fill
        ours_fill = fill.fill_type == "solid" and _fill_rgb(fill) == mark.rgb
        ours_note = cell.comment is not None and cell.comment.text == mark.note
        if ours_fill:
            if original.get("fill"):
                cell.fill = _fill_from_xml(original["fill"])
            elif original.get("rgb"):  # recorded by the live target: a solid colour
                cell.fill = PatternFill("solid", fgColor=original["rgb"])
            else:
                cell.fill = PatternFill(fill_type=None)
        if ours_note:
            text = original.get("note")
            cell.comment = Comment(text, original.get("author") or "") if text else None
        return ours_fill or ours_note

    def write_values(self, cells: dict[tuple[str, str], str]) -> None:
        from .cells import put

        for (sheet, ref), text in cells.items():
            put(self.wb[sheet][ref], text)


def _fill_rgb(fill) -> str | None:
    """The RGB of a solid fill given as RGB (not theme/indexed), else None."""
    color = getattr(fill, "fgColor", None)
    if getattr(fill, "fill_type", None) != "solid" or color is None or color.type != "rgb":
        return None
    return str(color.rgb)[-6:].upper()


def _fill_xml(fill) -> str:
    from openpyxl.xml.functions import tostring

    return tostring(fill.to_tree()).decode("utf-8")


def _fill_from_xml(text: str):
    from openpyxl.styles import PatternFill
    from openpyxl.styles.fills import Fill
    from openpyxl.xml.functions import fromstring

    return Fill.from_tree(fromstring(text.encode("utf-8"))) or PatternFill(fill_type=None)


# --- the file entry point -----------------------------------------------------------------

def backup_path(path: Path, now: dt.datetime | None = None, tag: str = "före-validering") -> Path:
    """Beside the original, timestamped; never an existing file (a counter is added).
    ``tag`` says what replaced the original (validering, konsolidering)."""
    now = now or dt.datetime.now()
    base = f"{path.stem}.{tag}-{now:%Y%m%d-%H%M%S}"
    candidate = path.with_name(base + path.suffix)
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{base}-{n}{path.suffix}")
        n += 1
    return candidate


def write_back_file(path: Path, book: Book, findings: list[Finding], now: dt.datetime | None = None) -> Path:
    """Write the findings, marks and status into the workbook file; return the backup's path.

    The original is copied beside it first (never over an older backup), then the new
    workbook replaces it atomically. Loaded with formulas (not values) and saved by
    openpyxl: values, formulas, styles, tables, data validations, defined names and
    protection survive; cached formula results do not (Excel recomputes them on open,
    and budgetbook computes them when it reads).
    Raises WriteBackError (with a Swedish message) when the file is refused or unreadable.
    """
    import io
    import warnings

    import openpyxl

    from .template import atomic_write

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WriteBackError(f"{path.name}: bara .xlsx-arbetsböcker kan få resultaten inskrivna.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, data_only=False, keep_vba=path.suffix.lower() == ".xlsm",
                                        keep_links=True)
    except Exception as exc:  # openpyxl raises many types on a damaged file
        raise WriteBackError(f"{path.name} kan inte öppnas för att skriva in resultaten: {exc}") from None
    write_back(FileTarget(wb), book, findings, now)
    buf = io.BytesIO()
    wb.save(buf)
    backup = backup_path(path, now)
    shutil.copy2(path, backup)
    atomic_write(path, buf.getvalue())
    return backup
