"""Templates: generated from the spec, committed, opening cleanly, computing as the reader does."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from budgetbook.excel import read_workbook
from budgetbook.excel.template import COMBINED_TEMPLATE, write_templates
from budgetbook.spec import SPEC

from .helpers import convert, lo_profile, make_workbook, soffice

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "workbook_templates"


def test_committed_templates_are_exactly_what_the_command_writes(tmp_path):
    written = write_templates(tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(p.name for p in COMMITTED.glob("*.xlsx")), \
        "workbook_templates/ has drifted: run `budgetbook templates --out workbook_templates`"
    for p in written:
        assert p.read_bytes() == (COMMITTED / p.name).read_bytes(), \
            f"{p.name} has drifted: run `budgetbook templates --out workbook_templates`"


def test_template_structure(tmp_path):
    write_templates(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / COMBINED_TEMPLATE)
    for f in SPEC.header:
        assert f.key in wb.defined_names, f.key
    for sec in SPEC.sections:
        ws = wb[sec.sheet]
        assert sec.table in ws.tables
        table = ws.tables[sec.table]
        first_row = openpyxl.utils.cell.range_boundaries(table.ref)[1]
        headers = [c.value for c in ws[first_row]][: len(sec.columns)]
        assert headers == [c.header for c in sec.columns]
        assert ws.protection.sheet
        assert ws.freeze_panes is not None
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        body = ws.iter_rows(min_row=first_row + 1, max_row=openpyxl.utils.cell.range_boundaries(table.ref)[3])
        for row in body:
            label = row[sec.column_keys.index(sec.label_column)].value
            for col, cell in zip(sec.columns, row):
                is_total = label in {r.label for r in sec.total_rows}
                if col.computed or (is_total and col.total):
                    assert isinstance(cell.value, str) and cell.value.startswith("="), (sec.key, cell.coordinate)
                    assert cell.protection.locked
                elif not is_total and not sec.fixed_rows or (sec.fixed_rows and col.key != sec.label_column
                                                               and not is_total):
                    assert not cell.protection.locked, (sec.key, cell.coordinate)
        amount_cols = [c for c in sec.input_columns if c.kind.value == "amount"]
        if amount_cols:
            assert any(dv.type == "decimal" for dv in ws.data_validations.dataValidation)
    assert wb["Anvisningar"]["A1"].value == "Anvisningar"
    # A generic template names no nämnd's verksamheter: no list to warn against.
    assert SPEC.lists_sheet not in wb.sheetnames and "lista_verksamhet" not in wb.defined_names


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_templates_open_in_libreoffice(tmp_path):
    paths = write_templates(tmp_path / "t")
    profile = lo_profile(tmp_path / "prof")
    for p in paths:
        res = convert(p, "pdf", tmp_path / "pdf", profile)
        pdf = tmp_path / "pdf" / (p.stem + ".pdf")
        assert res.returncode == 0 and pdf.exists() and pdf.stat().st_size > 1000, (p.name, res.stderr)
        assert "Error" not in res.stdout + res.stderr.replace("failed to launch javaldx", "")


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_template_formulas_compute_what_the_reader_computes(tmp_path):
    """LibreOffice recalculates the template's own formulas; the reader fills the same cells
    from the inputs (the file written by openpyxl has no cached values)."""
    rows = {
        "ekonomi": [
            dict(verksamhet="Barn och unga 0–20 år", utfall_intakter=6700, utfall_kostnader=-118100,
                 budget_intakter=5700, budget_kostnader=-120700, arsbudget_netto=-172500,
                 prognos_netto=-170300, bokslut_fg_ar=-159840),
            dict(verksamhet="Vuxna 21–64 år", utfall_intakter=10600, utfall_kostnader=-52200,
                 budget_intakter=13300, budget_kostnader=-59500, arsbudget_netto=-69300, prognos_netto=-65200),
            {},
            dict(verksamhet="Nämnd och nämndstöd", utfall_kostnader=-1700, budget_kostnader=-1600,
                 arsbudget_netto=-2400, prognos_netto=-2600),
        ],
        "investeringar": [dict(projekt="Gruppbostad", inkomster=100, utgifter=-900, projektbudget=-5000,
                               prognos_ar=-1200, prognos_kommande=-3800)],
        "indikatorer": [dict(indikator="Andel", utfall_fg_ar=Decimal("0.76"), utfall=Decimal("0.6"),
                             mal=Decimal("0.95")), dict(indikator="Noll mål", utfall=3, mal=0)],
        "sjukfranvaro": [dict(ansvar="1001", benamning="Barn", total=Decimal("0.044"), kort=Decimal("0.02"),
                              lang=Decimal("0.024"))],
        "statsbidrag": [dict(bidrag="A", sokt=3100, erhallet=2000, prognos=3100),
                        dict(bidrag="B", sokt=500, erhallet=300, prognos=500)],
        "prognosorsaker": [dict(verksamhet="Barn", orsak="Heldygnsvård", belopp=-5454)],
        "atgardsplan": [dict(atgard="Minska inhyrd personal", belopp=1200, varav_personal=800, utfall=400)],
    }
    fixed = {"kostnadsslag": {
        "forsaljning": dict(utfall=100, budget=90, arsbudget=150, prognos=160),
        "bidrag": dict(utfall=50, budget=60, arsbudget=90, prognos=80),
        "personalkostnader": dict(utfall=-900, budget=-950, arsbudget=-1400, prognos=-1380),
        "lokalkostnader": dict(utfall=-120, budget=-110, arsbudget=-170, prognos=-175),
    }}
    src, _ = make_workbook(tmp_path / "unit.xlsx", rows=rows, fixed=fixed)
    computed = read_workbook(src)
    res = convert(src, "xlsx", tmp_path / "lo", lo_profile(tmp_path / "prof"))
    assert res.returncode == 0, res.stderr
    recalculated = read_workbook(tmp_path / "lo" / "unit.xlsx")
    compared = 0
    for key, sec in computed.sections.items():
        other = recalculated.sections[key]
        for row, orow in zip(sec.rows, other.rows):
            assert row.excel_row == orow.excel_row
            for col in sec.spec.columns:
                a, b = row.cells[col.key], orow.cells[col.key]
                if a.filled or b.formula:
                    assert a.ref == b.ref
                    if a.value is None:
                        assert b.value is None, (key, a.ref, b.value)
                    else:
                        assert b.value is not None and abs(a.value - b.value) < Decimal("1e-9"), (key, a.ref, a.value, b.value)
                        compared += 1
    assert compared > 60
    assert not [f for f in recalculated.findings if f.code.startswith("IN-")]
