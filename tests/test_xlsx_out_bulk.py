"""The bulk rows (Spårbarhet) spliced into the sheet XML read back exactly as the same rows
written cell by cell through XlsxWriter: strings with XML, control characters and edge spaces, Decimals, ints, dates, blanks."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import python_calamine
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from budgetbook.excel import xlsx_out


def _spliceable(rows) -> bool:
    """Would the splice write every value of ``rows`` (the rule _rows_xml applies per value)?"""
    return all(xlsx_out._splice_ok(v) for row in rows for v in row)


ROWS = [
    ("Ekonomi", "B5", "A & B <c> \"d\"", " ledande", "efter ", "tab\tmitt", "ctl\x01x", "_x bokstavligt",
     Decimal("-1234.5"), Decimal("7109"), 3, ""),
    ("Statistik", "C9", "rad\nbruten", None, "", "åäö – ”citat”", "\ufffe", "x", dt.date(2022, 8, 31),
     2.25, Decimal("0.001"), "slut"),
]


def _book(rows, splice: bool = True, out=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Spårbarhet"
    for j, h in enumerate("ABCDEFGHIJKL", start=1):
        ws.cell(1, j, f"Rubrik {h}")
    ws.add_table(Table(displayName="Sparbarhet", ref=f"A1:L{len(rows) + 1}"))
    if out is None:
        return xlsx_out.transcribe(wb, {}, {"Spårbarhet": (2, rows)}, splice=splice)
    with open(out, "w+b") as fh:
        fh.write(b"x" * 100_000)  # what a reused file held before: none of it may remain
        fh.seek(0)
        assert xlsx_out.transcribe(wb, {}, {"Spårbarhet": (2, rows)}, splice=splice, out=fh) is None
    return out.read_bytes()


def _values(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return ([tuple(r) for r in wb["Spårbarhet"].iter_rows(values_only=True)], wb["Spårbarhet"].dimensions,
             cal.get_sheet_by_name("Spårbarhet").to_python())


def _sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_spliced_rows_read_back_as_xlsxwriter_writes_them(tmp_path):
    assert _spliceable(ROWS)
    spliced = _book(ROWS)
    assert _book(ROWS, out=tmp_path / "fil.xlsx") == spliced
    written = _book(ROWS, splice=False)
    assert _values(spliced) == _values(written)
    # spliced: rows without XlsxWriter's spans, texts appended to its shared strings
    assert b'<row r="2">' in _sheet_xml(spliced) and b'<row r="2">' not in _sheet_xml(written)
    assert b"inlineStr" not in _sheet_xml(spliced)
    table = [zipfile.ZipFile(io.BytesIO(d)).read("xl/tables/table1.xml") for d in (spliced, written)]
    assert table[0] == table[1] and b'ref="A1:L3"' in table[0]
    assert _book(ROWS, splice=False) == written and _book(ROWS) == spliced  # same input, same bytes


def test_rows_xlsxwriter_must_write_are_not_spliced(tmp_path):
    assert not _spliceable([("a", dt.datetime(2022, 8, 31, 12, 0))])
    assert not _spliceable([("a", True)])
    assert not _spliceable([("a", float("nan"))])
    assert not _spliceable([("x" * 20000,)])
    assert not _spliceable([("_x0041_ bokstavligt",)])
    data = _book([("a", dt.datetime(2022, 8, 31, 12, 0), True) + ("",) * 9])
    assert b'<row r="2">' not in _sheet_xml(data)  # met while streaming: the sheet goes through XlsxWriter
    late = [("a", 1) + ("",) * 10] * 3000 + [("b", dt.datetime(2022, 8, 31, 12, 0)) + ("",) * 10]
    assert _values(_book(late)) == _values(_book(late, splice=False))  # past the first streamed chunk
    assert _book(late, out=tmp_path / "sen.xlsx") == _book(late)  # streamed into a file, started over
    assert _values(data)[0][1][:3] == ("a", 44804.5, True)  # unstyled, as before


def test_a_workbook_without_shared_strings_gets_inline_strings():
    def book(splice: bool) -> bytes:
        wb = Workbook()
        ws = wb.active
        ws.title = "Spårbarhet"
        for j in range(1, 13):
            ws.cell(1, j, j)  # numbers only: XlsxWriter writes no shared strings
        return xlsx_out.transcribe(wb, {}, {"Spårbarhet": (2, ROWS)}, splice=splice)
    spliced, written = book(True), book(False)
    assert "xl/sharedStrings.xml" not in zipfile.ZipFile(io.BytesIO(spliced)).namelist()
    assert b"inlineStr" in _sheet_xml(spliced)
    assert _values(spliced) == _values(written)


def test_texts_shared_once_and_counted():
    rows = [("Ekonomi", "B5", "samma", "", "", "", "", "", "", 1, 2, "samma")] * 50
    data = _book(rows)
    sst = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml")
    assert sst.count(b"<t>samma</t>") == 1
    counts = re.compile(rb'count="\d+" uniqueCount="\d+"')
    by_xlsxwriter = zipfile.ZipFile(io.BytesIO(_book(rows, splice=False))).read("xl/sharedStrings.xml")
    assert counts.search(sst).group() == counts.search(by_xlsxwriter).group() == b'count="224" uniqueCount="15"'
    assert _values(data)[0][1:] == [tuple(r[:3]) + (None,) * 6 + r[9:] for r in rows]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12))
def test_any_text_spliced_reads_back_as_xlsxwriter_writes_it(texts):
    """Text with nothing to escape takes a fast path to its XML: it and every other text
    must read back as XlsxWriter's own writing of it does."""
    row = tuple(texts) + ("",) * (12 - len(texts))
    assume(_spliceable([row]))
    assert _values(_book([row])) == _values(_book([row], splice=False))


def _styled_book(rows, splice: bool) -> bytes:
    """A sheet with a header row and a styled template row 2 (bold amounts, a text column)."""
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Tabell"
    for j, h in enumerate(("Belopp", "Summa", "Text"), start=1):
        ws.cell(1, j, h)
        ws.cell(2, j).font = Font(bold=True)
        ws.cell(2, j).number_format = "#,##0"
    ws.add_table(Table(displayName="Tabell", ref=f"A1:C{len(rows) + 1}"))
    return xlsx_out.transcribe(wb, {}, {"Tabell": xlsx_out.Styled(2, [(2, r) for r in rows])}, splice=splice)


def _formulas(data: bytes):
    ws = openpyxl.load_workbook(io.BytesIO(data))["Tabell"]
    cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Tabell").to_python()
    return ([[(c.value, c.font.b, c.number_format, c.quotePrefix) for c in r] for r in ws.iter_rows()], cal,
            ws.tables["Tabell"].ref)


def test_styled_rows_spliced_read_back_as_xlsxwriter_writes_them():
    """Formulas with their computed values (a blank one as blank, never 0), styles from the
    template row, the quote prefix on text a spreadsheet would take for a formula."""
    C = xlsx_out.Computed
    rows = [(Decimal("1200"), C("=IF(COUNT(A2)=0,\"\",A2*2)", Decimal("2400")), "=HYPERLINK(\"x\")"),
            (None, C("=IF(COUNT(A3)=0,\"\",A3*2)", None), "vanlig"),
            (Decimal("0.5"), C("=IF(A4<>0,A4/3,\"\")", Decimal(1) / 3), None)]
    spliced, written = _styled_book(rows, True), _styled_book(rows, False)
    assert spliced != written and _formulas(spliced) == _formulas(written)
    values, cached, ref = _formulas(spliced)
    assert ref == "A1:C4" and cached[2][1] == "" and cached[1][2] == '=HYPERLINK("x")'
    assert values[1][2][3] and not values[2][2][3] and values[3][0][1:3] == (True, "#,##0")


def test_a_formula_xlsxwriter_rewrites_sends_the_styled_rows_through_it():
    C = xlsx_out.Computed
    rows = [(Decimal(1), C("=SUM(A2)", Decimal(1)), "a"), (Decimal(2), C("=XLOOKUP(1,A2:A3,A2:A3)", Decimal(1)), "b")]
    assert _styled_book(rows, True) == _styled_book(rows, False)
    assert b"_xlfn.XLOOKUP" in zipfile.ZipFile(io.BytesIO(_styled_book(rows, True))).read("xl/worksheets/sheet1.xml")


# --- review: numbers beyond a double, rows beyond Excel's last row ------------------------

def test_a_number_beyond_a_double_is_never_spliced_as_inf():
    """Decimal("1E+400") is finite as a Decimal but inf as a double: spliced it was
    <v>INF</v>, a file openpyxl and Excel reject, and 10**400 as a formula's value raised
    OverflowError instead of leaving the rows to XlsxWriter. Such values are not spliced:
    XlsxWriter refuses the constant (as it refuses inf), and writes the formula as it does."""
    C = xlsx_out.Computed
    for value in (Decimal("1E+400"), Decimal("-1E+400"), 10 ** 400):
        assert not _spliceable([("a", value)])
        for splice in (True, False):
            with pytest.raises((TypeError, OverflowError)):
                _styled_book([(value, None, "x")], splice)
        formula = [(Decimal(1), C("=SUM(A2)", value), "x")]
        assert _styled_book(formula, True) == _styled_book(formula, False)
    # an int a double holds is spliced, as XlsxWriter writes it
    big = [(10 ** 20, None, "x")]
    assert _styled_book(big, True) != _styled_book(big, False)
    assert _formulas(_styled_book(big, True)) == _formulas(_styled_book(big, False))


class _Many:
    """Rows that say there are more than a sheet holds (never iterated that far)."""

    def __init__(self, n: int, row):
        self.n, self.row = n, row

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return iter([self.row] * min(self.n, 3))


def test_rows_past_excels_last_row_are_refused_not_written():
    """Spliced, row 1 048 577 would make a file Excel cannot open; through XlsxWriter the
    rows past it would be dropped without a word. Either way: a clear error instead."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tabell"
    ws.cell(1, 1, "Rubrik")
    for splice in (True, False):
        with pytest.raises(xlsx_out.TooManyRows, match="1 048 576"):
            xlsx_out.transcribe(wb, {}, {"Tabell": (2, _Many(1_048_576, ("a",)))}, splice=splice)
        with pytest.raises(xlsx_out.TooManyRows, match="1 048 576"):
            xlsx_out.transcribe(wb, {}, {"Tabell": xlsx_out.Styled(2, _Many(1_048_576, (1, ("a",))))},
                                splice=splice)
    # the last row itself is fine
    assert xlsx_out._rows_fit(2, 1_048_575)


def test_plain_rows_give_text_a_spreadsheet_takes_for_a_formula_the_quote_prefix():
    """Spårbarhet carries the units' own texts ("=HYPERLINK(…)" in a kommentar): stored as
    text, and with Excel's quote prefix as every other unit text budgetbook writes
    (cells.put), so editing the cell or exporting the sheet does not make it a formula."""
    rows = [('=HYPERLINK("http://evil.example","x")', "+46 70", "-5 kr", "@SUM(A1)", "\tflik", "vanlig", "a=b",
             None, "", Decimal(3), "=", "slut")] * 3
    for splice in (True, False):
        ws = openpyxl.load_workbook(io.BytesIO(_book(rows, splice)))["Spårbarhet"]
        for r in (2, 4):
            assert [(c.data_type, c.quotePrefix) for c in ws[r]] == \
                [("s", True)] * 5 + [("s", False)] * 2 + [("n", False)] * 3 + [("s", True), ("s", False)]
    assert _values(_book(rows)) == _values(_book(rows, splice=False))
