"""The shortcuts the fast read takes (issue 8) give what the general paths give."""

from __future__ import annotations

import io
import pickle
import zipfile
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetbook.book import CellValue, shared_blank
from budgetbook.excel import read_workbook
from budgetbook.excel.fast_source import _PLAIN, _formula_cells, _patterns
from budgetbook.excel.package import (PackageError, _inflate, _plain_prolog, _prolog, cut_after_row, open_package,
                                      parse_elements)
from budgetbook.values import decimal_from_float, normalize

from .helpers import make_workbook


def _slow_decimal(x: float) -> Decimal:
    """decimal_from_float as it was before its shortcuts: repr, quantize, normalize."""
    if -1e15 < x < 1e15 and x.is_integer():
        return Decimal(int(x))
    d = Decimal(repr(x))
    return normalize(d.quantize(Decimal("1e-9")) if abs(d) < Decimal("1e15") else d)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e17, max_value=1e17)
       | st.builds(lambda n, k: round(n / 10 ** k, k), st.integers(-10 ** 12, 10 ** 12), st.integers(0, 12)))
def test_decimal_from_float_shortcut_gives_the_same_decimal(x):
    fast, slow = decimal_from_float(x), _slow_decimal(x)
    assert fast == slow and str(fast) == str(slow)


def test_cell_value_equality_ignores_raw_and_hash_agrees():
    a = CellValue("B5", Decimal(3), 3.0)
    b = CellValue("B5", Decimal(3), 3)
    assert a == b and hash(a) == hash(b)
    assert a != CellValue("B5", Decimal(3), 3.0, formula=True)
    assert a.number == Decimal(3) and CellValue("A5", "text").number is None


def test_a_shared_blank_is_a_blank_cell_that_cannot_change():
    blank = shared_blank("C7")
    assert blank == CellValue("C7") and hash(blank) == hash(CellValue("C7")) and blank.blank
    with pytest.raises(AttributeError):
        blank.value = Decimal(1)
    copy = pickle.loads(pickle.dumps(blank))  # consolidate --jobs sends books between processes
    assert copy == blank


def test_row_lists_are_copies_and_computed_cells_are_filled_in_place(tmp_path):
    # Written by a script: no formula has a cached result, so the reader fills them in.
    path, _ = make_workbook(tmp_path / "b.xlsx", rows={"ekonomi": [{"verksamhet": "Barn och unga 0–20 år",
                                                                    "utfall_intakter": 10}]})
    sec = read_workbook(path).sections["ekonomi"]
    rows = sec.data_rows()
    rows.clear()
    (row,) = sec.data_rows()
    assert row.cells["utfall_netto"].filled and row.number("utfall_netto") == Decimal(10)
    assert not row.empty and all(r.empty for r in sec.rows if r is not row and not r.is_total)
    total = sec.grand_total()
    assert total is sec.total_rows()[-1] and sec.row(total.code) is total
    assert total.number("utfall_intakter") == Decimal(10)


def test_the_cut_stops_at_the_first_row_past_the_last_read_row_even_out_of_order():
    xml = (b'<worksheet><sheetData><row r="1"/><row r="900000"><c r="XFD900000"/></row><row r="3"/>'
           b'</sheetData></worksheet>')
    assert cut_after_row(xml, 10) == b'<worksheet><sheetData><row r="1"/></sheetData></worksheet>'
    assert cut_after_row(xml, 900000) == xml


def test_structure_parts_refuse_a_dtd_even_past_the_prolog_check():
    evil = b'<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>'
    with pytest.raises(PackageError) as exc:
        parse_elements(evil, "xl/workbook.xml", frozenset(["r"]))
    assert exc.value.code == "READ-006"
    with pytest.raises(PackageError) as exc:
        parse_elements(b"<r><unclosed></r>", "xl/workbook.xml", frozenset(["r"]))
    assert exc.value.code == "READ-004"


def test_members_read_straight_from_the_archive_or_through_zipfile(tmp_path):
    path, _ = make_workbook(tmp_path / "b.xlsx")
    data = path.read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        assert _inflate(data, info) == zf.read(info)
        assert _inflate(data, info, 100) == zf.read(info)[:100]
    # A member whose bytes do not match its CRC is not taken from the fast path: zipfile reads
    # it and says what is wrong, and the file is unreadable (READ-004), as before.
    info = zf.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = bytearray(data)
    broken[start + info.compress_size // 2] ^= 0xFF
    assert _inflate(bytes(broken), info) is None
    with pytest.raises(PackageError) as exc:
        open_package(str(path), data=bytes(broken))
    assert exc.value.code == "READ-004"


def test_what_calamine_opens_holds_every_part_of_the_file(tmp_path):
    """values_data writes the archive anew (parts inflated here stored, the rest copied
    compressed): every part reads back as in the file, names beyond ASCII included."""
    from tests.data.make_broken import base_bytes, rezip

    original = rezip(base_bytes(), add={"docProps/anteckning_åäö.xml": b"<?xml version='1.0'?><a>\xc3\xa5</a>"})
    path = tmp_path / "bok.xlsx"
    path.write_bytes(original)
    data = open_package(path).values_data()
    with zipfile.ZipFile(io.BytesIO(data)) as out, zipfile.ZipFile(io.BytesIO(original)) as orig:
        assert out.testzip() is None
        assert out.namelist() == orig.namelist()
        assert all(out.read(name) == orig.read(name) for name in orig.namelist())
        stored = {i.filename for i in out.infolist() if i.compress_type == zipfile.ZIP_STORED}
        assert "xl/workbook.xml" in stored and "xl/theme/theme1.xml" not in stored
    assert read_workbook(path).findings == []


# Pieces of sheet XML, well-formed or not, for the scans' shortcuts.
_SHEET_PIECES = st.sampled_from([
    b'<c r="B5" s="3">', b'<c r="C7" t="e">', b'<c s="1" r="AB12">', b'<c r="D9"/>', b"<c>", b"</c>",
    b"<f>", b"<f>SUM(B5:B9)", b"</f>", b'<f t="shared" si="0"/>', b"<f\n>", b"<f\x0b>", b"<f <f>", b"<formula1>",
    b"<v>12</v>", b"<is><t>x</t></is>", b" ", b">", b"/", b"<", b"f",
])


@given(st.lists(_SHEET_PIECES, max_size=14).map(b"".join), st.sampled_from([b"", b"x:"]))
def test_formula_cells_gives_what_the_formula_pattern_finds_everywhere(body, prefix):
    scans = _patterns(prefix) if prefix else _PLAIN
    xml = body.replace(b"<c", b"<" + prefix + b"c").replace(b"<f", b"<" + prefix + b"f") \
        .replace(b"</f", b"</" + prefix + b"f")
    assert _formula_cells(xml, scans) == scans.formula_cell.findall(xml)


@given(st.lists(st.sampled_from([b"<?xml version='1.0'?>", b"<?", b"?>", b" ", b"\n", b"\t", b"\r", b"\x0c",
                                 b"<!DOCTYPE x>", b"<!--", b"-->", b"<a", b"<_", b"<1", b"<", b"x",
                                 b"\xef\xbb\xbf", b"\xff\xfe", b"<!ENTITY"]), max_size=8).map(b"".join))
def test_a_plain_prolog_is_one_the_prolog_check_passes(head):
    if _plain_prolog(head):
        prolog, complete = _prolog(head)
        assert complete and "<!DOCTYPE" not in prolog and "<!ENTITY" not in prolog


def test_a_computed_cell_whose_inputs_are_all_blank_shows_nothing():
    """The reader fills such a cell without evaluating: what evaluate_cells would give."""
    from budgetbook.reader import evaluate_cells
    from budgetbook.spec import SPEC

    columns = [c for sec in SPEC.sections for c in sec.computed_columns]
    assert columns
    for col in columns:
        blanks = [shared_blank(f"A{i}") for i, _ in enumerate(col.formula.inputs, start=1)]
        assert evaluate_cells(col, blanks) == (None, None, False)
        assert evaluate_cells(col, [None] * len(blanks)) == (None, None, False)


def test_workbooks_of_one_template_share_their_mapping_but_not_its_lists(tmp_path):
    """The mapping of the structure parts is kept by their bytes: an equal workbook maps
    the same, a changed table maps anew, and no Package's lists are another's."""
    from tests.data.make_broken import base_bytes, rezip

    first, second = open_package("a.xlsx", base_bytes()), open_package("b.xlsx", base_bytes())
    assert (first.sheets, first.tables, first.defined_names, first.read_rows) == \
        (second.sheets, second.tables, second.defined_names, second.read_rows)
    assert first.tables is not second.tables and first.read_rows is not second.read_rows
    first.tables.clear()
    first.read_rows.clear()
    assert second.tables and second.read_rows
    table = next(n for n in zipfile.ZipFile(io.BytesIO(base_bytes())).namelist() if n.startswith("xl/tables/"))
    renamed = rezip(base_bytes(), lambda n, b: b.replace(b'displayName="', b'displayName="X') if n == table else b)
    names = {t.name for t in open_package("c.xlsx", renamed).tables}
    assert names != {t.name for t in second.tables} and any(n.startswith("X") for n in names)


def test_a_filled_sum_of_numbers_is_what_evaluate_cells_gives(tmp_path):
    """A computed cell without a cached result whose inputs are all numbers is summed in
    place; every other mix goes through evaluate_cells. Both must give what evaluate_cells
    gives, for numbers, fractions, numbers typed as text, text, errors and blanks."""
    from budgetbook.reader import evaluate_cells

    inputs = [10, -3.5, 0, "1 234", "abc", "#REF!", None, 2.25, -7]
    rows = [{"verksamhet": f"Rad {i}", "utfall_intakter": a, "utfall_kostnader": b,
             "budget_intakter": b, "budget_kostnader": a}
            for i, (a, b) in enumerate((a, b) for a in inputs for b in inputs)]
    path, _ = make_workbook(tmp_path / "b.xlsx", rows={"ekonomi": rows}, sections=["ekonomi"])
    sec = read_workbook(path).sections["ekonomi"]
    checked = 0
    for row in sec.data_rows():
        for col in sec.spec.computed_columns:
            cell = row.cells[col.key]
            assert cell.formula
            value, error, unknown = evaluate_cells(col, [row.cells.get(k) for k in col.formula.inputs])
            assert (cell.value, cell.error, cell.unknown, cell.filled) == \
                (value, error, unknown, value is not None or error is not None), (cell.ref, col.key)
            checked += cell.number is not None
    assert checked > 3 * len(inputs)  # the sums of numbers were among them


def test_the_kept_mappings_are_bounded_by_the_member_names_too():
    """A mapping is kept by the member names as well as the structure parts' bytes, so the
    names count against the bound: a file's names (tens of MiB within the file limit) are
    not kept for the next files."""
    from budgetbook.excel import package
    from tests.data.make_broken import base_bytes, rezip

    long_names = {f"xl/media/{i:04d}{'x' * 2000}.png": b"\x89PNG\r\n\x1a\n" for i in range(200)}
    open_package("långa-namn.xlsx", rezip(base_bytes(), add=long_names))
    for names, structure in package._STRUCTURES:
        kept = sum(len(n) for n in names) + sum(len(b) for _, b in structure)
        assert kept <= package._STRUCTURE_KEY_BYTES
