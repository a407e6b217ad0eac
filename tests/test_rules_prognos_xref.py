"""Prognos totals (PROG-*) and cross-section consistency (XREF-*)."""

import copy
from decimal import Decimal

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.period import Period
from budgetbook.settings import Settings

from .consistent_report import BOU, FIXED, NAMND, ROWS, VUXNA, cells, findings, of
from .helpers import make_workbook


def test_the_consistent_report_is_silent(tmp_path):
    found = findings(tmp_path)
    assert of(found, "PROG-") == [] and of(found, "XREF-") == []


def test_orsaker_must_sum_to_the_prognosavvikelse_sign_included(tmp_path):
    def flipped(rows, fixed, header):
        rows["prognosorsaker"][2]["belopp"] = -4100  # Vuxna: a shortfall where ekonomi says +4 100
    [f] = of(findings(tmp_path, flipped), "PROG-001")
    assert f.location.a1 == "Prognosorsaker!C7" and f.params["verksamhet"] == VUXNA
    assert (f.expected, f.actual, f.difference) == (Decimal(4100), Decimal(-4100), Decimal(-8200))
    assert f.related[0] == "Ekonomi!K6"


def test_orsaker_within_rounding_are_fine(tmp_path):
    def rounded(rows, fixed, header):  # −5 454 + 7 655 = 2 201 against 2 200: one tkr over two terms
        rows["prognosorsaker"][1]["belopp"] = 7655
    assert of(findings(tmp_path, rounded), "PROG-") == []

    def off(rows, fixed, header):
        rows["prognosorsaker"][1]["belopp"] = 7656
    assert [f.code for f in of(findings(tmp_path, off), "PROG-")] == ["PROG-001"]


def test_names_match_across_sections_whatever_the_dash_and_case(tmp_path):
    def hyphen(rows, fixed, header):
        for r in rows["prognosorsaker"]:
            r["verksamhet"] = r["verksamhet"].replace("–", "-").upper()
    assert of(findings(tmp_path, hyphen), "PROG-") == []


def test_prognosavvikelse_without_orsak_and_orsak_without_verksamhet(tmp_path):
    def misspelt(rows, fixed, header):
        rows["prognosorsaker"][2]["verksamhet"] = "Vuxna 21-46 år"
    found = findings(tmp_path, misspelt)
    assert cells(found, "PROG-") == [("PROG-002", "Ekonomi!K6"), ("PROG-003", "Prognosorsaker!A7")]


def test_large_negative_prognosavvikelse_needs_a_kommentar_or_an_atgard(tmp_path):
    def unexplained(rows, fixed, header):
        rows["kommentarer"] = [k for k in rows["kommentarer"] if k["verksamhet"] != NAMND]
        rows["atgardsplan"] = []
    found = findings(tmp_path, unexplained)
    [f] = of(found, "PROG-004")
    assert (f.location.a1, f.actual) == ("Ekonomi!K7", Decimal(-200))  # 8,3 % of årsbudget −2 400

    def only_atgard(rows, fixed, header):
        rows["kommentarer"] = [k for k in rows["kommentarer"] if k["verksamhet"] != NAMND]
    assert of(findings(tmp_path, only_atgard), "PROG-004") == []
    # Thresholds are settings: 300 tkr and 10 % let −200 of −2 400 pass.
    lenient = Context(period=Period(2022, 8), settings=Settings(prognos_threshold_tkr=Decimal(300),
                                                                prognos_threshold_pct=Decimal("0.1")))
    assert of(findings(tmp_path, unexplained, context=lenient), "PROG-004") == []


def test_nettoresultat_must_equal_summa_netto(tmp_path):
    def moved(rows, fixed, header):  # 4 000 tkr of prognos personalkostnader lost in kostnadsslag
        fixed["kostnadsslag"]["personalkostnader"]["prognos"] = -151000
    found = findings(tmp_path, moved)
    [f] = of(found, "XREF-001")
    assert f.location.row_label == "Nettoresultat" and f.location.column == "prognos"
    assert (f.expected, f.actual, f.difference) == (Decimal(-238100), Decimal(-234100), Decimal(4000))
    assert f.related == ("Ekonomi!J13",)  # the Summa row under eight free rows
    # prognosavvikelse is derived from the same wrong prognos: reported once, not twice.
    assert [g.location.column for g in of(found, "XREF-")] == ["prognos"]


def test_nettoresultat_within_rounding_is_fine(tmp_path):
    def rounding(rows, fixed, header):  # each side printed from its own exact figures
        fixed["kostnadsslag"]["personalkostnader"]["utfall"] = -100003
        fixed["kostnadsslag"]["bidrag"]["utfall"] = 15003
    assert of(findings(tmp_path, rounding), "XREF-") == []


def test_intakter_and_kostnader_split_differently(tmp_path):
    def gross(rows, fixed, header):  # a revenue netted against costs in kostnadsslag only
        fixed["kostnadsslag"]["bidrag"]["utfall"] = 10000
        fixed["kostnadsslag"]["personalkostnader"]["utfall"] = -95000
    found = findings(tmp_path, gross)
    assert [(f.code, f.location.row_label, f.location.column) for f in of(found, "XREF-")] == [
        ("XREF-002", "Verksamhetens intäkter", "utfall"), ("XREF-002", "Verksamhetens kostnader", "utfall")]


def test_one_section_alone_is_not_compared(tmp_path):
    found = findings(tmp_path, lambda r, f, h: f["kostnadsslag"]["personalkostnader"].update(prognos=-1),
                     sections=["kostnadsslag"])
    assert of(found, "XREF-") == [] and of(found, "PROG-") == []


def test_mnkr_rounding(tmp_path):
    """The T2 2022 nämnd table in mnkr: Σ netto −610,0 against a kostnadsslag −610,1 is rounding."""
    def mnkr(rows, fixed, header):
        header["belopp_i"] = "mnkr"
        for r in rows["ekonomi"]:
            for k, v in list(r.items()):
                if isinstance(v, int):
                    r[k] = Decimal(v) / 1000
        for r in rows["prognosorsaker"] + rows["atgardsplan"]:
            r["belopp"] = Decimal(r["belopp"]) / 1000
        for values in fixed["kostnadsslag"].values():
            for k in values:
                values[k] = Decimal(values[k]) / 1000
        fixed["kostnadsslag"]["lokalkostnader"]["utfall"] = Decimal("-12.1")
        fixed["kostnadsslag"]["bidrag"]["utfall"] = Decimal("15.1")  # keeps the split, moves nothing else
        rows["prognosorsaker"][0]["belopp"] = Decimal("-5.5")
        rows["prognosorsaker"][1]["belopp"] = Decimal("7.7")  # −5,5 + 7,7 = 2,2
    found = findings(tmp_path, mnkr)
    assert of(found, "XREF-") == [] and of(found, "PROG-") == []


def test_kostnadsslag_in_ledger_convention_is_one_finding_with_the_cross_section_checks_it_breaks(tmp_path):
    def ledger(rows, fixed, header):  # pasted from the accounting system: kostnader +, intäkter −
        for values in fixed["kostnadsslag"].values():
            for k in values:
                values[k] = -values[k]
    found = findings(tmp_path, ledger)
    assert [(f.code, f.location.sheet) for f in found if f.severity.value == "fel"] == [("SIGN-002", "Kostnadsslag")]
    assert of(found, "XREF-") == []
    [sign] = of(found, "SIGN-002")
    assert "XREF-001 Kostnadsslag!B18" in sign.related and "XREF-002 Kostnadsslag!B10" in sign.related


def test_a_typed_wrong_summa_is_one_finding_not_also_a_cross_section_difference(tmp_path):
    rows, fixed = copy.deepcopy(ROWS), copy.deepcopy(FIXED)
    summa = {"utfall_kostnader": sum(r["utfall_kostnader"] for r in rows["ekonomi"]) - 27000}  # a typo
    path, _ = make_workbook(tmp_path / "unit.xlsx", rows=rows, fixed=fixed, totals={"ekonomi": {"summa": summa}})
    found = validate(read_workbook(path), Context(period=Period(2022, 8)))
    [root] = of(found, "SUM-001")
    assert root.location.a1 == "Ekonomi!C13"
    assert of(found, "XREF-") == []
    assert "XREF-002 Kostnadsslag!B17" in root.related


def test_large_negative_prognosavvikelse_without_arsbudget_reads_without_a_share(tmp_path):
    def no_budget(rows, fixed, header):
        rows["kommentarer"] = [k for k in rows["kommentarer"] if k["verksamhet"] != NAMND]
        rows["atgardsplan"] = []
        rows["ekonomi"][2].update(arsbudget_netto=None, prognos_netto=-3000)
    [f] = of(findings(tmp_path, no_budget), "PROG-004")
    assert "har prognosavvikelsen −3\u00a0000, mer än gränsen" in f.message and "?" not in f.message
