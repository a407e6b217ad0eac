"""The reader: round trip through the spec, addresses kept, both engines agree."""

from decimal import Decimal

import pytest

from budgetbook.excel import read_workbook
from budgetbook.spec import SPEC

from .helpers import HEADER, make_workbook, sample_value


def _section_rows(sec, n=3):
    rows = []
    for i in range(n):
        row = {}
        for j, col in enumerate(sec.input_columns):
            row[col.key] = sample_value(col.kind, i * 7 + j, col.choices)
        if sec.key == "statistik":  # a monthly series ends at the report month
            for m in ("sep", "okt", "nov", "dec"):
                row[m] = None
        rows.append(row)
    return rows


def _filled_workbook(tmp_path):
    rows, fixed = {}, {}
    for sec in SPEC.sections:
        if sec.fixed_rows:
            fixed[sec.key] = {
                r.code: {c.key: sample_value(c.kind, k + j) for j, c in enumerate(sec.input_columns)
                         if c.key != sec.label_column}
                for k, r in enumerate(sec.fixed_rows) if not r.is_total}
        else:
            rows[sec.key] = _section_rows(sec)
    return make_workbook(tmp_path / "filled.xlsx", rows=rows, fixed=fixed)


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_round_trip_every_section_same_values_same_addresses(tmp_path, engine):
    path, content = _filled_workbook(tmp_path)
    book = read_workbook(path, engine=engine)
    assert [f.code for f in book.findings] == []
    assert set(book.sections) == set(SPEC.section_keys)
    seen = 0
    for (key, row_id, col), address in content.placed.items():
        sec = book.sections[key]
        row = sec.row(row_id) if isinstance(row_id, str) else sec.rows[row_id]
        cell = row.cells[col]
        assert f"{sec.sheet}!{cell.ref}" == address
        written = (content.fixed[key][row_id] if isinstance(row_id, str) else content.rows[key][row_id])[col]
        if written is None:
            assert cell.blank
        elif isinstance(written, Decimal):
            assert cell.value == written, (key, address)
        else:
            assert cell.value == written, (key, address)
        seen += 1
    assert seen > 150
    for f in SPEC.header:
        assert book.header.get(f.key) is not None
    assert book.header.year == HEADER["ar"] and book.header.month == HEADER["manad"]


def test_fast_and_openpyxl_readers_agree(tmp_path):
    path, _ = _filled_workbook(tmp_path)
    a, b = read_workbook(path), read_workbook(path, engine="openpyxl")
    assert a.header.fields == b.header.fields
    for key in a.sections:
        sa, sb = a.sections[key], b.sections[key]
        assert (sa.sheet, sa.table_ref, sa.columns) == (sb.sheet, sb.table_ref, sb.columns)
        assert [(r.position, r.excel_row, r.label, r.code, r.cells) for r in sa.rows] == \
               [(r.position, r.excel_row, r.label, r.code, r.cells) for r in sb.rows]
    assert a.findings == b.findings


def test_computed_cells_without_cache_are_computed_never_zero(tmp_path):
    path, _ = make_workbook(tmp_path / "u.xlsx", rows={"ekonomi": [
        dict(verksamhet="Vuxna", utfall_intakter=3090, utfall_kostnader=-12867, budget_intakter=3090,
             budget_kostnader=-12867, arsbudget_netto=-58667, prognos_netto=-58000)]})
    row = read_workbook(path).sections["ekonomi"].rows[0]
    assert row.cells["utfall_netto"].formula and row.cells["utfall_netto"].filled
    assert row.number("utfall_netto") == Decimal(-9777)
    assert row.number("prognosavvikelse") == Decimal(667)
    empty = read_workbook(path).sections["ekonomi"].rows[1]
    assert empty.empty and empty.number("utfall_netto") is None  # "" in Excel, not 0


def test_swedish_text_numbers_and_errors(tmp_path):
    path, _ = make_workbook(tmp_path / "m.xlsx", rows={"ekonomi": [
        dict(verksamhet="A", utfall_intakter="1 234", utfall_kostnader="\u2212 12\u00a0345",
             budget_intakter="12,5", budget_kostnader="\u2013100", arsbudget_netto="1\u2009000",
             prognos_netto="#DIV/0!", bokslut_fg_ar="#DIVISION/0!"),
        dict(verksamhet="B", utfall_intakter="tolv", utfall_kostnader=True, arsbudget_netto=-1, prognos_netto=-1),
    ]})
    book = read_workbook(path)
    r0, r1 = book.sections["ekonomi"].rows[:2]
    assert r0.number("utfall_intakter") == 1234
    assert r0.number("utfall_kostnader") == -12345
    assert r0.number("budget_intakter") == Decimal("12.5")
    assert r0.number("budget_kostnader") == -100
    assert r0.number("arsbudget_netto") == 1000
    assert r0.cells["prognos_netto"].error == "#DIV/0!"
    assert r0.cells["bokslut_fg_ar"].error == "#DIV/0!"
    by_cell = {(f.code, f.location.cell) for f in book.findings}
    assert ("IN-001", "J5") in by_cell and ("IN-001", "L5") in by_cell
    assert ("IN-010", "B5") in by_cell  # number typed as text: Excel's own SUM skips it
    assert ("IN-002", "B6") in by_cell and ("IN-004", "C6") in by_cell
    assert all(f.location.sheet == "Ekonomi" for f in book.findings if f.code.startswith("IN-"))


def test_rows_added_inside_a_table_are_read(tmp_path):
    sec = SPEC.section("ekonomi")
    rows = [dict(verksamhet=f"V{i}", utfall_intakter=i, utfall_kostnader=-i, arsbudget_netto=-1,
                 prognos_netto=-1) for i in range(sec.blank_rows + 3)]
    book = read_workbook(make_workbook(tmp_path / "big.xlsx", rows={"ekonomi": rows})[0])
    data = book.sections["ekonomi"]
    assert len(data.data_rows()) == sec.blank_rows + 3
    total = data.grand_total()
    assert total.label == "Summa" and total.number("utfall_intakter") == sum(range(sec.blank_rows + 3))


def _ekonomi_rows():
    return [dict(verksamhet=f"V{i}", utfall_intakter=100 * i, utfall_kostnader=-1000 * i, budget_intakter=100 * i,
                 budget_kostnader=-900 * i, arsbudget_netto=-1200 * i, prognos_netto=-1200 * i) for i in (1, 2, 3)]


def test_a_row_inserted_above_summa_reads_as_excel_shows_it(tmp_path):
    """A user unprotects the sheet and inserts a row right above Summa: Excel keeps
    =SUM(B5:B12) (the new row 13 is outside it) and the new row has no netto formulas."""
    import openpyxl

    from budgetbook.engine import validate

    path, _ = make_workbook(tmp_path / "u.xlsx", rows={"ekonomi": _ekonomi_rows()}, sections=["ekonomi"])
    wb = openpyxl.load_workbook(path)
    ws = wb["Ekonomi"]
    summa_row = next(r for r in range(5, 30) if ws.cell(r, 1).value == "Summa")
    ws.insert_rows(summa_row)  # openpyxl, like Excel here, leaves the SUM ranges as they were
    ws.tables["Ekonomi"].ref = f"A4:L{summa_row + 1}"
    for col, v in zip("ABCEFIJ", ("Ny rad", 500, -700, 0, -600, -900, -900)):
        ws[f"{col}{summa_row}"] = v
    wb.save(path)
    book = read_workbook(path)
    eko = book.sections["ekonomi"]
    total = eko.grand_total()
    assert total.excel_row == summa_row + 1
    assert total.number("utfall_intakter") == 600  # =SUM(B5:B12): the new row's 500 is not in it
    found = {(f.code, f.location.cell) for f in validate(book)}
    assert ("IN-014", f"D{summa_row}") in found  # netto has no formula on the new row
    assert ("SUM-001", f"B{summa_row + 1}") in found


def test_errors_travel_like_excels_and_unsaved_formulas_are_unknown_not_blank(tmp_path):
    from budgetbook.engine import validate

    import openpyxl

    path, _ = make_workbook(tmp_path / "e.xlsx", rows={"ekonomi": _ekonomi_rows()}, sections=["ekonomi"])
    wb = openpyxl.load_workbook(path)
    ws = wb["Ekonomi"]
    ws["F6"] = "#REF!"  # openpyxl stores it as an Excel error value (t="e")
    ws["C7"] = "=1/0"  # formulas in inputs, saved without a result (as a script saves them)
    ws["I7"] = "=-200"
    wb.save(path)
    book = read_workbook(path)
    eko = book.sections["ekonomi"]
    r1, r2, total = eko.rows[1], eko.rows[2], eko.grand_total()
    assert r1.cells["budget_netto"].error == "#REF!" and r1.cells["budgetavvikelse"].error == "#REF!"
    assert total.cells["budget_kostnader"].error == "#REF!" and total.number("budget_kostnader") is None
    assert r2.cells["utfall_kostnader"].unknown and r2.number("utfall_netto") is None
    assert not r2.cells["utfall_netto"].blank and total.number("utfall_kostnader") is None
    found = {(f.code, f.location.cell) for f in validate(book)}
    assert ("IN-001", "F6") in found
    assert ("IN-015", "C7") in found and ("IN-015", "I7") in found
    assert not any(code == "IN-012" for code, _ in found)  # a formula is not a missing value
    assert not any(code == "IN-001" and cell != "F6" for code, cell in found)  # the error is reported once
