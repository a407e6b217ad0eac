"""Write-back into real workbooks made by the project's templates (FileTarget, openpyxl),
and the live path through xlwings where Excel is available (marked ``excel``)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from budgetbook.catalogue import code
from budgetbook.engine import validate
from budgetbook.excel import read_workbook
from budgetbook.excel.writeback import (FIRST_ROW, HEADER_ROW, KONTROLL_SHEET, KONTROLL_TITLE, MARK_RGB,
                                        RECORD_COL, WriteBackError, backup_path, write_back_file)
from budgetbook.findings import Location, Severity, make_finding
from budgetbook.seal import seal
from budgetbook.spec import SPEC

from .helpers import make_workbook

NOW = dt.datetime(2022, 9, 5, 14, 3)
OTHER = "Barn och unga 0–20 år"
GOOD_ROW = {"verksamhet": "Vuxna 21–64 år", "utfall_intakter": 190, "utfall_kostnader": -780,
            "budget_intakter": 200, "budget_kostnader": -800, "arsbudget_netto": -900, "prognos_netto": -880}


def _broken(tmp_path: Path, name: str = "enhet.xlsx") -> Path:
    """An ekonomi workbook with two input errors (text in number cells) and a typed-over netto."""
    bad = dict(GOOD_ROW, verksamhet=OTHER, utfall_intakter="abc", prognos_netto="ca 900", utfall_netto=77)
    path, _ = make_workbook(tmp_path / name, rows={"ekonomi": [bad, GOOD_ROW]}, sections=["ekonomi"])
    return path


def _run(path: Path, now: dt.datetime = NOW):
    book = read_workbook(path)
    findings = validate(book)
    backup = write_back_file(path, book, findings, now=now)
    return book, findings, backup


def _kontroll(wb) -> list[tuple]:
    ws = wb[KONTROLL_SHEET]
    return [tuple(c.value for c in row[:8]) for row in ws.iter_rows(min_row=FIRST_ROW, max_row=ws.max_row)]


def _fill(cell) -> tuple:
    f = cell.fill
    return (f.fill_type, f.fgColor.type, f.fgColor.rgb if f.fgColor.type == "rgb" else f.fgColor.value,
            f.fgColor.tint)


# --- what is written ------------------------------------------------------------------------

def test_kontroll_rows_links_marks_status_and_seal(tmp_path):
    path = _broken(tmp_path)
    book, findings, backup = _run(path)
    assert [f.code for f in findings] == ["IN-002", "IN-011", "IN-002"]  # B5, D5, J5
    wb = openpyxl.load_workbook(path)
    ws = wb[KONTROLL_SHEET]
    assert ws["A1"].value == KONTROLL_TITLE
    assert [c.value for c in ws[HEADER_ROW][:8]] == ["Allvarlighet", "Kod", "Sektion", "Cell", "Meddelande",
                                                   "Förväntat", "Hittat", "Åtgärd"]
    rows = _kontroll(wb)
    assert [(r[0], r[1], r[3]) for r in rows] == [("Fel", "IN-002", "Ekonomi!B5"), ("Varning", "IN-011", "Ekonomi!D5"),
                                                  ("Fel", "IN-002", "Ekonomi!J5")]
    assert rows[0][2] == SPEC.section("ekonomi").title
    assert rows[0][4] == findings[0].message and rows[0][7] == findings[0].hint
    assert rows[1][6] == 77  # found, as a number
    for i, ref in enumerate(("B5", "D5", "J5")):
        link = ws.cell(FIRST_ROW + i, 4).hyperlink
        assert link.location == f"'Ekonomi'!{ref}" and not link.target  # internal jump, no file link
    eko = wb["Ekonomi"]
    assert eko["B5"].fill.fgColor.rgb.endswith(MARK_RGB[Severity.FEL])
    assert eko["D5"].fill.fgColor.rgb.endswith(MARK_RGB[Severity.VARNING])
    assert "IN-002" in eko["B5"].comment.text and findings[0].message in eko["B5"].comment.text
    assert eko["C5"].comment is None and eko["C5"].fill.fgColor.rgb.endswith("FFF2CC")  # untouched input
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    status = [wb["Uppgifter"][names[n].split("!")[1].replace("$", "")].value for n in SPEC.status_names]
    assert status == ["Validerad 2022-09-05 14:03 — 2 fel, 1 varning", f"budgetbook 0.1.0, regler {SPEC.version}",
                      seal(book)]
    assert ws["A2"].value == status[0] and ws["A4"].value == f"Sigill: {seal(book)}"
    # The seal written is the seal of what the file now holds.
    assert seal(read_workbook(path)) == seal(book)
    assert backup.exists() and backup.parent == path.parent


def test_clean_workbook_says_no_findings(tmp_path):
    path, _ = make_workbook(tmp_path / "ok.xlsx", rows={"ekonomi": [GOOD_ROW]}, sections=["ekonomi"])
    _, findings, _ = _run(path)
    wb = openpyxl.load_workbook(path)
    assert findings == [] and _kontroll(wb)[0][4] == "Inga avvikelser hittades."
    assert wb[KONTROLL_SHEET]["A2"].value == "Validerad 2022-09-05 14:03 — 0 fel, 0 varningar"


def test_text_from_findings_is_written_as_text_never_as_formula(tmp_path):
    path, _ = make_workbook(tmp_path / "u.xlsx", rows={"ekonomi": [GOOD_ROW]}, sections=["ekonomi"])
    book = read_workbook(path)
    evil = "=HYPERLINK(\"http://x\",\"klicka\")"
    f = make_finding(code("IN-002"), Location(sheet="Ekonomi", cell="B5", section="ekonomi"), actual=evil,
                     expected="+46 8 123")
    write_back_file(path, book, [f], now=NOW)
    ws = openpyxl.load_workbook(path)[KONTROLL_SHEET]
    found, expected = ws.cell(FIRST_ROW, 7), ws.cell(FIRST_ROW, 6)
    assert found.value == evil and found.data_type == "s" and found.quotePrefix
    assert expected.value == "+46 8 123" and expected.data_type == "s"


# --- the next run ---------------------------------------------------------------------------

def test_next_run_clears_previous_marks_and_touches_nothing_else(tmp_path):
    path = _broken(tmp_path)
    original = openpyxl.load_workbook(path)
    # A cell the user coloured: never marked, must keep its own fill through every run.
    own = PatternFill("solid", fgColor="00B050")
    original["Ekonomi"]["E6"].fill = own
    original.save(path)
    _run(path)

    wb = openpyxl.load_workbook(path)
    eko = wb["Ekonomi"]
    # Between runs the user fixes B5 and D5, and re-colours J5 (a marked cell) by hand.
    eko["B5"].value = 100
    eko["D5"].value = "=IF(COUNT(B5,C5)=0,\"\",B5+C5)"
    eko["J5"].fill = PatternFill("solid", fgColor="7030A0")
    wb.save(path)
    book, findings, _ = _run(path, NOW + dt.timedelta(minutes=5))
    assert [(f.code, f.location.cell) for f in findings] == [("IN-002", "J5")]

    wb = openpyxl.load_workbook(path)
    eko = wb["Ekonomi"]
    first = openpyxl.load_workbook(sorted(path.parent.glob("enhet.före-validering-*"))[0])["Ekonomi"]
    assert _fill(eko["B5"]) == _fill(first["B5"]) and eko["B5"].comment is None  # restored exactly
    assert _fill(eko["D5"]) == _fill(first["D5"]) and eko["D5"].comment is None
    assert _fill(eko["E6"])[2].endswith("00B050")  # never marked, never touched
    # J5 is still wrong: marked again over the user's purple, which comes back once it is fixed.
    assert eko["J5"].fill.fgColor.rgb.endswith(MARK_RGB[Severity.FEL])
    record = wb[KONTROLL_SHEET].cell(FIRST_ROW, RECORD_COL + 2).value
    assert json.loads(record)["rgb"] == "7030A0"
    assert len(_kontroll(wb)) == 1  # the previous run's rows are gone

    eko["J5"].value = -880
    wb.save(path)
    _, findings, _ = _run(path, NOW + dt.timedelta(minutes=10))
    assert findings == []
    eko = openpyxl.load_workbook(path)["Ekonomi"]
    assert _fill(eko["J5"])[2].endswith("7030A0") and eko["J5"].comment is None


def test_a_mark_the_user_changed_is_left_alone(tmp_path):
    path = _broken(tmp_path)
    _run(path)
    wb = openpyxl.load_workbook(path)
    wb["Ekonomi"]["B5"].value = 100
    wb["Ekonomi"]["B5"].fill = PatternFill("solid", fgColor="FFFF00")  # the user's own colour now
    wb.save(path)
    _run(path, NOW + dt.timedelta(minutes=1))
    b5 = openpyxl.load_workbook(path)["Ekonomi"]["B5"]
    assert b5.fill.fgColor.rgb.endswith("FFFF00") and b5.comment is None


def test_existing_note_is_restored_after_the_mark(tmp_path):
    from openpyxl.comments import Comment

    path = _broken(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Ekonomi"]["B5"].comment = Comment("Enligt huvudboken", "Anna")
    wb.save(path)
    _run(path)
    wb = openpyxl.load_workbook(path)
    assert "IN-002" in wb["Ekonomi"]["B5"].comment.text
    wb["Ekonomi"]["B5"].value = 100
    wb.save(path)
    _run(path, NOW + dt.timedelta(minutes=1))
    note = openpyxl.load_workbook(path)["Ekonomi"]["B5"].comment
    assert note.text == "Enligt huvudboken" and note.author == "Anna"


# --- the round trip -------------------------------------------------------------------------

def _dump(wb, skip_sheets=(KONTROLL_SHEET,), skip_cells=()) -> dict:
    """Everything openpyxl sees of a workbook, cell by cell, as comparable values."""
    out: dict = {"sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets if ws.title not in skip_sheets],
                 "names": {n: d.attr_text for n, d in wb.defined_names.items()}}
    for ws in wb.worksheets:
        if ws.title in skip_sheets:
            continue
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if (ws.title, c.coordinate) in skip_cells:
                    continue
                # An empty cell has no type worth keeping (openpyxl saves an empty inline string as blank).
                cells[c.coordinate] = (c.value, c.data_type if c.value is not None else None, c.number_format, repr(c.font), repr(c.fill),
                                       repr(c.border), repr(c.alignment), repr(c.protection), c.quotePrefix,
                                       c.comment.text if c.comment else None, c.hyperlink.location if c.hyperlink else None)
        out[ws.title] = {
            "cells": cells,
            "tables": {t.name: (t.ref, t.displayName, t.tableStyleInfo.name, [col.name for col in t.tableColumns])
                       for t in ws.tables.values()},
            "validations": sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.error, dv.errorStyle,
                                   dv.allow_blank) for dv in ws.data_validations.dataValidation),
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "protection": (ws.protection.sheet, ws.protection.formatColumns, ws.protection.formatRows,
                           ws.protection.password),
            "freeze": ws.freeze_panes,
            "widths": {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()},
            "print": (ws.print_title_rows, ws.page_setup.orientation, ws.page_setup.paperSize),
        }
    return out


def test_round_trip_keeps_everything_else_cell_by_cell(tmp_path):
    # Every section of the combined template, with data, then a write-back with marks.
    bad = dict(GOOD_ROW, verksamhet=OTHER, utfall_intakter="abc", utfall_netto=77)
    path, _ = make_workbook(tmp_path / "rapport.xlsx", rows={"ekonomi": [bad, GOOD_ROW]})
    original = openpyxl.load_workbook(path)
    book, findings, backup = _run(path)
    assert findings, "the test needs marks"
    marked = {(f.location.sheet, f.location.cell) for f in findings if f.location.cell}
    status = {(d.attr_text.split("!")[0].strip("'"), d.attr_text.split("!")[1].replace("$", ""))
              for n, d in original.defined_names.items() if n in SPEC.status_names}
    assert len(status) == 3
    after = openpyxl.load_workbook(path)
    assert _dump(after, skip_cells=marked | status) == _dump(original, skip_cells=marked | status)
    assert after.sheetnames == original.sheetnames + [KONTROLL_SHEET]
    # Marked cells keep value, format and protection; only fill and note change. The status
    # cells only get their text.
    for sheet, ref in marked | status:
        a, o = after[sheet][ref], original[sheet][ref]
        assert (a.number_format, repr(a.font), repr(a.protection), repr(a.border)) == \
               (o.number_format, repr(o.font), repr(o.protection), repr(o.border))
        if (sheet, ref) in marked:
            assert a.value == o.value
    # The backup is the original, byte for byte.
    assert backup.read_bytes() != path.read_bytes()
    assert _dump(openpyxl.load_workbook(backup), skip_sheets=()) == _dump(original, skip_sheets=())
    # And the written workbook still reads as the same report.
    again = read_workbook(path)
    assert seal(again) == seal(book)
    assert [(f.code, f.location.cell) for f in validate(again)] == [(f.code, f.location.cell) for f in findings]


def test_backups_are_never_overwritten(tmp_path):
    path = _broken(tmp_path)
    first = path.read_bytes()
    _, _, b1 = _run(path)
    _, _, b2 = _run(path)  # same second: a second, numbered backup
    assert b1 != b2 and b1.read_bytes() == first and b2.exists()
    assert backup_path(path, NOW).name == "enhet.före-validering-20220905-140300-3.xlsx"


# --- refusals -------------------------------------------------------------------------------

def _with_sheet(tmp_path: Path, sheet: str, a1: str):
    """A broken workbook plus one extra sheet; its bytes and its Book."""
    path = _broken(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet(sheet)["A1"] = a1
    wb.save(path)
    return path, path.read_bytes(), read_workbook(path)


@pytest.mark.parametrize("sheet", ["xlwings.conf", "budgetbook.py", "XLWINGS.CONF"])
def test_workbook_steering_xlwings_is_refused_and_left_unchanged(tmp_path, sheet):
    path, before, book = _with_sheet(tmp_path, sheet, "INTERPRETER_WIN")
    assert any(f.code == "READ-050" for f in book.findings)
    with pytest.raises(WriteBackError, match=sheet.replace(".", r"\.")):
        write_back_file(path, book, validate(book), now=NOW)
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*före-validering*")) == []


def test_a_users_own_kontroll_sheet_is_not_overwritten(tmp_path):
    path, before, book = _with_sheet(tmp_path, KONTROLL_SHEET, "Mina egna anteckningar")
    with pytest.raises(WriteBackError, match="eget blad"):
        write_back_file(path, book, validate(book), now=NOW)
    assert path.read_bytes() == before


def test_the_button_never_raises_without_excel(tmp_path, monkeypatch):
    """On a machine without Excel the button's boundary catches, logs and returns."""
    import budgetbook
    from budgetbook.excel import button

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    if sys.platform in ("win32", "darwin"):
        pytest.skip("Excel may be present here; the live tests cover this machine")
    budgetbook.main()
    log = button.log_path().read_text(encoding="utf-8")
    assert "Book.caller()" in log and "kunde inte visa meddelandet" in log


# --- live Excel (xlwings) ---------------------------------------------------------------------

def _excel_app():
    if sys.platform not in ("win32", "darwin"):
        pytest.skip("Microsoft Excel runs only on Windows and macOS")
    xw = pytest.importorskip("xlwings")
    try:
        return xw.App(visible=False, add_book=False)
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Excel is not available: {exc}")


@pytest.mark.excel
def test_live_button_validates_unsaved_edits_and_clears_marks(tmp_path):
    import xlwings as xw

    from budgetbook.excel.button import validate_open_book
    from budgetbook.excel.live import LiveSource
    from budgetbook.reader import read_book

    path, _ = make_workbook(tmp_path / "enhet live.xlsx", rows={"ekonomi": [GOOD_ROW]}, sections=["ekonomi"])
    app = _excel_app()
    try:
        wb = app.books.open(str(path))
        # The live source reads what the file sources read.
        assert seal(read_book(LiveSource(wb))) == seal(read_workbook(path))
        eko = wb.sheets["Ekonomi"]
        before = eko["B5"].color
        eko["B5"].value = "abc"  # unsaved edit
        wb.set_mock_caller()
        result = validate_open_book(wb, now=NOW)
        assert ("Ekonomi", "B5") in result.marked
        kontroll = wb.sheets[KONTROLL_SHEET]
        assert kontroll["A1"].value == KONTROLL_TITLE
        assert kontroll.range((FIRST_ROW, 2)).value == "IN-002"
        assert eko["B5"].note is not None and "IN-002" in eko["B5"].note.text
        eko["B5"].value = 100
        result = validate_open_book(wb, now=NOW)
        assert ("Ekonomi", "B5") in result.unmarked and eko["B5"].color == before and eko["B5"].note is None
        assert wb.sheets["Uppgifter"].range(wb.names["valideringssigill"].refers_to_range.address).value == result.seal
        # Nothing was saved: the file on disk is as it was.
        assert read_workbook(path).section("ekonomi").rows[0].number("utfall_intakter") == Decimal(100)
        wb.close()
    finally:
        app.quit()


@pytest.mark.parametrize("belopp_i,shown_as", [("tkr", "#,##0"), ("mnkr", "#,##0.0")])
def test_expected_and_found_are_shown_in_the_amount_format(tmp_path, belopp_i, shown_as):
    from .helpers import HEADER

    typed = dict(GOOD_ROW, utfall_netto=2400)  # a typed netto that is not intäkter + kostnader
    path, _ = make_workbook(tmp_path / "enhet.xlsx", rows={"ekonomi": [typed]}, sections=["ekonomi"],
                            header=dict(HEADER, belopp_i=belopp_i))
    _, findings, _ = _run(path)
    row = FIRST_ROW + next(i for i, f in enumerate(findings) if f.code == "CALC-001")
    ws = openpyxl.load_workbook(path)[KONTROLL_SHEET]
    assert (ws.cell(row, 6).value, ws.cell(row, 7).value) == (-590, 2400)
    assert (ws.cell(row, 6).number_format, ws.cell(row, 7).number_format) == (shown_as, shown_as)
    assert ws.cell(row, 5).number_format == "General"  # the message stays text
