"""SIGN-001, SIGN-002 and fix-signs, on real workbooks from the templates."""

from decimal import Decimal

from budgetbook.commands.fix_signs import run as fix_signs
from budgetbook.convention import ledger_sections
from budgetbook.engine import Context
from budgetbook.excel import read_workbook
from budgetbook.settings import Settings

from .helpers import make_workbook
from .validation_cases import FAMILIES, EKONOMI_2020, codes_at, ekonomi_rows, errors, findings

KOSTNADSSLAG = {
    "forsaljning": dict(utfall=100, budget=90, arsbudget=150, prognos=160),
    "bidrag": dict(utfall=50, budget=60, arsbudget=90, prognos=80),
    "personalkostnader": dict(utfall=-900, budget=-950, arsbudget=-1400, prognos=-1380),
    "lokalkostnader": dict(utfall=-120, budget=-110, arsbudget=-170, prognos=-175),
}


def negated(rows):
    return [{k: (-v if isinstance(v, (int, Decimal)) else v) for k, v in r.items()} for r in rows]


def report_book(tmp_path, name="rapport.xlsx", ekonomi=None, kostnadsslag=None):
    ek = ekonomi if ekonomi is not None else ekonomi_rows(EKONOMI_2020, only_inputs=True)
    ks = kostnadsslag if kostnadsslag is not None else KOSTNADSSLAG
    path, _ = make_workbook(tmp_path / name, rows={"ekonomi": ek}, fixed={"kostnadsslag": ks},
                            sections=["ekonomi", "kostnadsslag"])
    return path


def test_correct_signs_are_silent(tmp_path):
    assert errors(report_book(tmp_path)) == []


def test_sign_001_kostnad_entered_positive(tmp_path):
    rows = ekonomi_rows(EKONOMI_2020, only_inputs=True)
    rows[1]["budget_kostnader"] = 12867
    found = errors(report_book(tmp_path, ekonomi=rows))
    assert codes_at(found) == [("SIGN-001", "Ekonomi!F6")]
    assert (found[0].expected, found[0].actual) == (-12867, 12867)


def test_sign_001_intakt_entered_negative_in_kostnadsslag_row(tmp_path):
    ks = dict(KOSTNADSSLAG, bidrag=dict(utfall=-50, budget=60, arsbudget=90, prognos=80),
              lokalkostnader=dict(utfall=-120, budget=-110, arsbudget=170, prognos=-175))
    found = errors(report_book(tmp_path, kostnadsslag=ks))
    assert sorted(codes_at(found)) == [("SIGN-001", "Kostnadsslag!B8"), ("SIGN-001", "Kostnadsslag!E14")]


def test_sign_001_with_a_typed_netto_folds_into_one_finding(tmp_path):
    table = [list(r) for r in EKONOMI_2020]
    table[2][2], table[2][3] = 88295, 93363  # kostnad typed positive, netto typed to match
    table[2][7] = 175091
    found = errors(report_book(tmp_path, ekonomi=ekonomi_rows(table)))
    assert codes_at(found) == [("SIGN-001", "Ekonomi!C7")]


def test_sign_002_one_section_in_ledger_convention_is_reported_once(tmp_path):
    path = report_book(tmp_path, ekonomi=negated(ekonomi_rows(EKONOMI_2020, only_inputs=True)))
    found = [f for f in findings(path) if f.code.split("-")[0] in FAMILIES]
    sign = [f for f in found if f.code.startswith("SIGN")]
    assert codes_at(sign) == [("SIGN-002", "Ekonomi")]
    assert sign[0].params["sections"] == ("ekonomi",)
    assert "18 av 18" in sign[0].message and "12 kostnader positiva, 6 intäkter negativa" in sign[0].message
    assert "budgetbook fix-signs" in sign[0].hint
    # Netto, avvikelse and Summa hold under either convention: nothing else is reported.
    assert [f.code for f in found if f.severity.value == "fel"] == ["SIGN-002"]


def test_sign_002_whole_workbook_is_one_finding(tmp_path):
    ks = {k: {c: -v for c, v in vals.items()} for k, vals in KOSTNADSSLAG.items()}
    path = report_book(tmp_path, ekonomi=negated(ekonomi_rows(EKONOMI_2020, only_inputs=True)), kostnadsslag=ks)
    found = errors(path)
    assert [(f.code, f.location.section) for f in found] == [("SIGN-002", "")]
    assert found[0].params["sections"] == ("ekonomi", "kostnadsslag")
    assert "Hela arbetsboken" in found[0].message


def test_a_few_wrong_signs_are_not_ledger_convention(tmp_path):
    rows = ekonomi_rows(EKONOMI_2020, only_inputs=True)
    for r in rows[:2]:
        r["utfall_kostnader"] = -r["utfall_kostnader"]
    found = errors(report_book(tmp_path, ekonomi=rows))
    assert sorted(codes_at(found)) == [("SIGN-001", "Ekonomi!C5"), ("SIGN-001", "Ekonomi!C6")]


def test_too_little_evidence_is_never_called_ledger(tmp_path):
    rows = [dict(verksamhet="Nämnd och nämndstöd", utfall_kostnader=361, budget_kostnader=375,
                 arsbudget_netto=2248, prognos_netto=2248)]
    ctx = Context(settings=Settings(ledger_min_amounts=Decimal(3)))
    assert sorted(f.code for f in errors(report_book(tmp_path, ekonomi=rows), ctx)) == ["SIGN-001", "SIGN-001"]


def test_fix_signs_writes_a_converted_copy_and_leaves_the_original(tmp_path, capsys):
    ks = {k: {c: -v for c, v in vals.items()} for k, vals in KOSTNADSSLAG.items()}
    src = report_book(tmp_path, ekonomi=negated(ekonomi_rows(EKONOMI_2020, only_inputs=True)), kostnadsslag=ks)
    before = src.read_bytes()
    out = tmp_path / "rapporttecken.xlsx"
    assert fix_signs(src, out) == 0
    assert src.read_bytes() == before
    # 30 non-zero ekonomi inputs and 16 kostnadsslag amounts
    assert "46 belopp bytte tecken på bladen Ekonomi, Kostnadsslag" in " ".join(capsys.readouterr().out.split())
    converted = read_workbook(out)
    assert errors(out) == []
    assert ledger_sections(findings(out)) == []
    orig = read_workbook(report_book(tmp_path, "korrekt.xlsx"))
    for key in ("ekonomi", "kostnadsslag"):
        for a, b in zip(orig.section(key).rows, converted.section(key).rows):
            assert {k: c.value for k, c in a.cells.items()} == {k: c.value for k, c in b.cells.items()}
            assert all(c.formula for k, c in b.cells.items() if orig.spec.section(key).column(k).computed)


def test_fix_signs_refuses_to_overwrite(tmp_path):
    src = report_book(tmp_path, ekonomi=negated(ekonomi_rows(EKONOMI_2020, only_inputs=True)))
    before = src.read_bytes()
    assert fix_signs(src, src) == 2
    assert fix_signs(src, tmp_path / "." / src.name) == 2
    other = tmp_path / "finns.xlsx"
    other.write_bytes(b"x")
    assert fix_signs(src, other) == 2 and other.read_bytes() == b"x"
    assert src.read_bytes() == before


def test_fix_signs_on_a_report_convention_workbook_writes_nothing(tmp_path):
    out = tmp_path / "kopia.xlsx"
    assert fix_signs(report_book(tmp_path), out) == 0
    assert not out.exists()
