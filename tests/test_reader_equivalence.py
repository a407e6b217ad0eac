"""The fast (calamine) and openpyxl sources give identical Books: every corpus workbook
readable through both has the same section data, addresses and findings."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from budgetbook.excel import read_workbook
from budgetbook.excel.template import workbook_bytes
from budgetbook.findings import fmt_value
from tests.data.make_broken import CASES, EKONOMI_SHEET, base_bytes, base_workbook, edit_part, rezip
from tests.reading import book_dump

FILES = [c.file for c in CASES] + ["bra.xlsx"]
_DATE = "beslutsdatum"


@pytest.mark.parametrize("name", FILES)
def test_both_engines_read_the_same(name, broken_corpus):
    fast = read_workbook(broken_corpus[name], engine="fast")
    slow = read_workbook(broken_corpus[name], engine="openpyxl")
    if not fast.sections and not slow.sections:  # unreadable: the same verdict
        assert [f.code for f in fast.findings] == [f.code for f in slow.findings]
        return
    assert book_dump(fast) == book_dump(slow)


@pytest.mark.parametrize("serial", [2_958_466, 3_000_000.5, 1e10])
def test_a_date_serial_past_9999_12_31_is_an_invalid_date_on_both_engines(serial, tmp_path):
    """Excel shows such a cell as ##### and keeps the number: not a valid date (IN-008),
    not the #VALUE! openpyxl makes of it."""
    wb = base_workbook(sections=("ekonomi", "atgardsplan"))
    ws = wb["Åtgärdsplan"]
    ws["A5"], ws["C5"], ws["C6"] = "Minska inhyrd personal", serial, 2_958_465  # C6: 9999-12-31
    ws["A6"] = "Färre konsulter"
    path = tmp_path / "datum.xlsx"
    path.write_bytes(workbook_bytes(wb))
    fast, slow = read_workbook(path, engine="fast"), read_workbook(path, engine="openpyxl")
    assert book_dump(fast) == book_dump(slow)
    for book in (fast, slow):
        assert [(f.code, f.location.cell) for f in book.findings] == [("IN-008", "C5")]
        assert fmt_value(serial) in book.findings[0].message  # the number the cell holds
        rows = book.sections["atgardsplan"].rows
        assert rows[1].cells[_DATE].value == dt.date(9999, 12, 31)
        assert rows[0].cells[_DATE].value is None and rows[0].cells[_DATE].error is None


@pytest.mark.parametrize("serial", [-1, -0.25, -45_000.5])
def test_a_negative_date_serial_is_an_invalid_date_holding_its_number_on_both_engines(serial, tmp_path):
    """Excel shows a negative number in a date cell as #####: no date (IN-008) on both
    engines, with the number the cell holds, though calamine gives a time of day for it
    (−1 as 00:00) and openpyxl a date before 1900. A serial from 0 to 1 stays a time of
    day (IN-008 too), as it is on both."""
    wb = base_workbook(sections=("ekonomi", "atgardsplan"))
    ws = wb["Åtgärdsplan"]
    ws["A5"], ws["C5"] = "Minska inhyrd personal", serial
    ws["A6"], ws["C6"] = "Färre konsulter", 0.5  # 12:00
    wb["Uppgifter"]["B11"] = serial  # the header's datum
    path = tmp_path / "negativt.xlsx"
    path.write_bytes(workbook_bytes(wb))
    fast, slow = read_workbook(path, engine="fast"), read_workbook(path, engine="openpyxl")
    assert book_dump(fast) == book_dump(slow)
    for book in (fast, slow):
        found = sorted((f.code, f.location.cell, f.message) for f in book.findings)
        assert [(code, cell) for code, cell, _ in found] == [("IN-008", "C5"), ("IN-008", "C6"), ("READ-021", "B11")]
        assert fmt_value(serial) in found[0][2] and "12:00" in found[1][2] and fmt_value(serial) in found[2][2]
        cell = book.sections["atgardsplan"].rows[0].cells[_DATE]
        assert (cell.value, cell.raw, cell.problem) == (None, serial, "IN-008")
        assert book.header.fields["datum"].raw == serial and book.header.get("datum") is None


def test_a_column_of_negative_date_serials_scans_the_sheet_once(tmp_path, monkeypatch):
    """Each cell calamine gives as a time of day asks for its stored number; the fast
    source finds them all in one pass over the sheet, not one search of the whole sheet per
    cell (a sheet of thousands of such cells took minutes)."""
    from budgetbook.excel import fast_source

    scans = []

    class Counting:
        def __init__(self, pattern):
            self.pattern = pattern

        def findall(self, xml):
            scans.append(len(xml))
            return self.pattern.findall(xml)
    monkeypatch.setattr(fast_source, "_STORED_NEGATIVE", Counting(fast_source._STORED_NEGATIVE))
    wb = base_workbook(sections=("ekonomi", "atgardsplan"))
    ws = wb["Åtgärdsplan"]
    serials = [-1 - i if i % 2 else 0.25 for i in range(8)]  # negative ones and times of day
    for i, serial in enumerate(serials):
        ws[f"A{5 + i}"], ws[f"C{5 + i}"] = f"Åtgärd {i}", serial
    path = tmp_path / "negativa.xlsx"
    path.write_bytes(workbook_bytes(wb))
    fast, slow = read_workbook(path, engine="fast"), read_workbook(path, engine="openpyxl")
    assert book_dump(fast) == book_dump(slow)
    rows = fast.sections["atgardsplan"].rows
    assert [rows[i].cells[_DATE].raw for i, s in enumerate(serials) if s < 0] == [s for s in serials if s < 0]
    assert len(scans) == 1  # the Åtgärdsplan sheet, once


def test_a_shared_formula_showing_an_error_reads_the_same_on_both_engines(tmp_path):
    """Excel writes a filled-down formula once (t="shared") and its followers as <f …/>
    without text; a follower showing an error once made the fast reader fail (READ-009)."""
    def shared(xml: bytes) -> bytes:
        for row, f in ((5, b'<f t="shared" ref="H5:H6" si="0">D5-G5</f>'), (6, b'<f t="shared" si="0"/>')):
            xml, n = re.subn(rb'<c r="H%d"([^>]*)><f>[^<]*</f><v */></c>' % row,
                             rb'<c r="H%d"\1 t="e">%s<v>#DIV/0!</v></c>' % (row, f), xml)
            assert n == 1
        return xml

    path = tmp_path / "delad.xlsx"
    path.write_bytes(rezip(base_bytes(), edit_part(EKONOMI_SHEET, shared)))
    fast, slow = read_workbook(path, engine="fast"), read_workbook(path, engine="openpyxl")
    assert book_dump(fast) == book_dump(slow)
    assert [(f.code, f.location.cell) for f in fast.findings] == [("IN-001", "H5"), ("IN-001", "H6")]


@pytest.mark.parametrize("name", FILES)
def test_columns_read_as_clean_get_the_findings_a_cell_by_cell_check_gives(name, broken_corpus, monkeypatch):
    """The reader skips the cell checks of the data rows in columns it made entirely of
    plain values or of formulas showing whole numbers; checking every cell finds the same."""
    _same_findings_cell_by_cell(broken_corpus[name], monkeypatch)


def _same_findings_cell_by_cell(path, monkeypatch) -> list:
    import budgetbook.reader as reader

    fast = read_workbook(path, engine="fast")
    every_cell = reader._cell_findings
    monkeypatch.setattr(reader, "_cell_findings", lambda data, ctx, unit, clean=frozenset(): every_cell(data, ctx, unit))
    assert book_dump(read_workbook(path, engine="fast")) == book_dump(fast)
    monkeypatch.undo()
    return fast.findings


def test_a_value_typed_in_a_computed_column_is_found_however_the_column_was_read(tmp_path, monkeypatch):
    """With formula results saved (as Excel saves them): a number typed over a formula in a
    column of formulas (D5), a computed column holding no formula at all (K) and a required
    cell left blank (A6) get their findings with the clean-column shortcut too."""
    from bench.generate import with_cached_values

    wb = base_workbook()
    ws = wb["Ekonomi"]
    ws["D5"], ws["A6"] = -111400, None
    for row in range(5, 13):
        ws[f"K{row}"] = {5: 2200, 6: 4100}.get(row)
    path = tmp_path / "skrivet_over.xlsx"
    path.write_bytes(with_cached_values(workbook_bytes(wb)))
    found = {(f.code, f.location.cell) for f in _same_findings_cell_by_cell(path, monkeypatch)}
    assert {("IN-011", "D5"), ("IN-011", "K5"), ("IN-011", "K6"), ("IN-012", "A6")} <= found
