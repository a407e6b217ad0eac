"""BookContent.totals: a typed constant in a free-row section's total row (hand-typed Summa)."""

from decimal import Decimal

from budgetbook.excel import read_workbook

from .helpers import make_workbook
from budgetbook.excel.template import BookContent, build_workbook, save_workbook
from budgetbook.spec import SPEC


def test_a_typed_total_replaces_the_sum_formula_and_is_placed(tmp_path):
    rows = {"statsbidrag": [{"bidrag": "A", "sokt": 100, "erhallet": 50, "prognos": 80},
                            {"bidrag": "B", "sokt": 200, "erhallet": 70, "prognos": 90}]}
    content = BookContent(rows=rows, totals={"statsbidrag": {"totalt": {"sokt": 999}}})
    path = tmp_path / "typed.xlsx"
    save_workbook(build_workbook([SPEC.section("statsbidrag")], content), path)
    book = read_workbook(path)
    total = book.section("statsbidrag").grand_total()
    assert content.placed[("statsbidrag", "totalt", "sokt")] == f"Statsbidrag!{total.cells['sokt'].ref}"
    assert not total.cells["sokt"].formula and total.number("sokt") == Decimal(999)
    # The other columns keep their formulas, computed by the reader.
    assert total.cells["erhallet"].formula and total.number("erhallet") == Decimal(120)
    assert [(f.code, f.location.cell) for f in book.findings if f.location.section] == [
        ("IN-011", total.cells["sokt"].ref)]


def test_without_totals_the_total_row_stays_a_formula(tmp_path):
    path, _ = make_workbook(tmp_path / "plain.xlsx", rows={"statsbidrag": [{"bidrag": "A", "sokt": 100}]},
                            sections=["statsbidrag"])
    total = read_workbook(path).section("statsbidrag").grand_total()
    assert total.cells["sokt"].formula and total.number("sokt") == Decimal(100)
