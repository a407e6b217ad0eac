"""Period consistency (PER-*): one triggering workbook and the consistent one per code."""

import datetime as dt
from decimal import Decimal

from openpyxl import load_workbook

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.period import Period
from budgetbook.settings import Settings

from .consistent_report import BOU, cells, findings, of, report


def test_the_consistent_report_has_no_period_findings(tmp_path):
    assert of(findings(tmp_path), "PER-") == []


def test_period_option_must_match_the_header(tmp_path):
    found = findings(tmp_path, context=Context(period=Period(2022, 4)))
    assert cells(found, "PER-001") == [("PER-001", "Uppgifter!B7")]  # the month is what differs
    assert "2022-08" in of(found, "PER-001")[0].message and "2022-04" in of(found, "PER-001")[0].message
    found = findings(tmp_path, context=Context(period=Period(2021, 8)))
    assert cells(found, "PER-001") == [("PER-001", "Uppgifter!B6")]
    assert of(findings(tmp_path, context=Context()), "PER-001") == []  # no --period: nothing to compare


def test_rapporttyp_must_fit_the_month(tmp_path):
    def april_t2(rows, fixed, header):
        header.update(manad=4, rapporttyp="Delårsrapport T2")
        for r in rows["statistik"]:
            if r["ar"] == 2022:
                for m in ("maj", "jun", "jul", "aug"):
                    r.pop(m)
    found = findings(tmp_path, april_t2, context=Context())
    [f] = of(found, "PER-002")
    assert (f.location.a1, f.expected, f.actual) == ("Uppgifter!B8", "Tertialrapport 1", "Delårsrapport T2")
    found = findings(tmp_path, lambda r, f, h: h.update(rapporttyp="Månadsrapport"))
    assert [(f.expected, f.actual) for f in of(found, "PER-002")] == [("Delårsrapport T2", "Månadsrapport")]


def test_a_report_dated_before_its_period_is_flagged(tmp_path):
    found = findings(tmp_path, lambda r, f, h: h.update(datum=dt.date(2022, 7, 20)))
    assert cells(found, "PER-010") == [("PER-010", "Uppgifter!B11")]


def test_a_sheet_named_for_another_period(tmp_path):
    book, _ = report(tmp_path)
    path = tmp_path / "unit.xlsx"
    wb = load_workbook(path)
    wb.create_sheet("Ekonomi 2021-12")
    wb.create_sheet("T1 2022")  # the report year: fine
    wb.save(path)
    found = validate(read_workbook(path), Context())
    assert cells(found, "PER-003") == [("PER-003", "'Ekonomi 2021-12'!A1")]
    assert of(found, "PER-003")[0].actual == "2021-12"


def test_monthly_series_value_after_the_report_month(tmp_path):
    def september(rows, fixed, header):
        rows["statistik"][0]["sep"] = 60
    found = findings(tmp_path, september)
    [f] = of(found, "PER-004")
    assert f.location.column == "sep" and f.actual == 60 and f.location.a1.startswith("Statistik!")


def test_monthly_series_gaps_before_the_report_month_and_last_year(tmp_path):
    def gaps(rows, fixed, header):
        rows["statistik"][0].pop("mar")
        rows["statistik"][0].pop("jun")
        rows["statistik"][1].pop("dec")
    found = findings(tmp_path, gaps)
    got = sorted((f.location.column, f.params["months"]) for f in of(found, "PER-005"))
    assert got == [("dec", "dec"), ("mar", "mar, jun")]  # one finding per row, at the first gap


def test_ack_budget_outside_the_band(tmp_path):
    def twelve_months(rows, fixed, header):
        rows["ekonomi"][0]["budget_kostnader"] = -178200  # the whole year's budget as ack budget
        fixed["kostnadsslag"]["lokalkostnader"]["budget"] = -6000  # half of årsbudget × 8/12
    found = findings(tmp_path, twelve_months)
    got = {(f.location.section, f.location.row_label): f for f in of(found, "PER-006")}
    assert set(got) == {("ekonomi", BOU), ("kostnadsslag", "Lokalkostnader")}
    f = got[("ekonomi", BOU)]
    assert f.expected == Decimal(-115000) and f.actual == Decimal(-172500) and f.location.column == "budget_netto"
    # A wider band accepts both.
    wide = Context(settings=Settings(ack_budget_band=Decimal("0.6")))
    assert of(findings(tmp_path, twelve_months, context=wide), "PER-006") == []


def test_utfall_beyond_arsbudget_before_december(tmp_path):
    def overspent(rows, fixed, header):
        fixed["kostnadsslag"]["lokalkostnader"].update(utfall=-19000, prognos=-25000)
        fixed["kostnadsslag"]["personalkostnader"]["utfall"] = -93000  # keep the totals unchanged
    found = findings(tmp_path, overspent)
    [f] = of(found, "PER-007")
    assert f.location.row_label == "Lokalkostnader" and f.difference == Decimal(1000)
    # In december the whole year has been spent: the same figures are fine.
    found = findings(tmp_path, lambda r, f_, h: (overspent(r, f_, h), h.update(manad=12, rapporttyp="Årsbokslut"),
                                                   r["statistik"][0].update(sep=1, okt=1, nov=1, dec=1)),
                     context=Context())
    assert of(found, "PER-007") == []


def test_prognos_cost_below_what_is_already_spent(tmp_path):
    found = findings(tmp_path, lambda r, f, h: f["kostnadsslag"]["kop_av_verksamhet"].update(prognos=-55000))
    [f] = of(found, "PER-008")
    assert f.severity.value == "fel" and f.location.column == "prognos"
    assert (f.expected, f.actual, f.difference) == (Decimal(-60000), Decimal(-55000), Decimal(5000))


def test_bokslut_with_a_dropped_digit(tmp_path):
    # The T2 2022 report: LSS boende prognos −225 019, budget −234 369, bokslut −17 224 (−217 224).
    def dropped(rows, fixed, header):
        rows["ekonomi"][0]["bokslut_fg_ar"] = -15984
    found = findings(tmp_path, dropped)
    assert [(f.location.row_label, f.location.column) for f in of(found, "PER-009")] == [(BOU, "bokslut_fg_ar")]


def test_bokslut_of_a_verksamhet_winding_down_is_fine(tmp_path):
    # Ensamkommande barn (T2 2022): prognos −39 against bokslut −2 593, but budget −3 254.
    def winding_down(rows, fixed, header):
        rows["ekonomi"].append(dict(verksamhet="Ensamkommande barn och unga", utfall_kostnader=-1,
                                    budget_kostnader=-2169, arsbudget_netto=-3254, prognos_netto=-39,
                                    bokslut_fg_ar=-2593))
        rows["ekonomi"].append(dict(verksamhet="Kommunalt bostadstillägg", utfall_kostnader=-5,
                                    budget_kostnader=-1000, arsbudget_netto=-1500, prognos_netto=-50,
                                    bokslut_fg_ar=0))
    assert of(findings(tmp_path, winding_down), "PER-009") == []


def test_the_report_month_itself_may_lag(tmp_path):
    def lagging(rows, fixed, header):
        rows["statistik"][0].pop("aug")
    assert of(findings(tmp_path, lagging), "PER-005") == []


def test_a_header_for_another_period_is_one_finding_and_the_checks_use_the_period_named(tmp_path):
    # The unit copied last year's T1 header into its August report: one cause, one finding.
    def stale_header(rows, fixed, header):
        header.update(ar=2021, manad=4, rapporttyp="Tertialrapport 1", datum=dt.date(2021, 5, 3))
    found = findings(tmp_path, stale_header, context=Context(period=Period(2022, 8)))
    assert [(f.code, f.location.a1) for f in found] == [("PER-001", "Uppgifter!B6")]
    assert "periodkontroller" in found[0].message and found[0].message.count("2022-08") == 2
    # Without --period the header is all there is: its period is the one checked.
    found = findings(tmp_path, stale_header, context=Context())
    assert of(found, "PER-001") == [] and of(found, "PER-006") != []


def test_values_after_the_report_month_are_one_finding_per_row(tmp_path):
    def autumn(rows, fixed, header):
        rows["statistik"][0].update(sep=60, okt=61)
    [f] = of(findings(tmp_path, autumn), "PER-004")
    assert (f.location.column, f.actual) == ("sep", 60)
    assert "(2022) har 2 värden efter rapportmånaden aug: sep 60, okt 61." in f.message


def test_a_row_for_a_later_year_is_worded_as_a_later_year(tmp_path):
    def next_year(rows, fixed, header):
        rows["statistik"][0]["ar"] = 2023
        rows["statistik"][0].pop("aug")
    found = findings(tmp_path, next_year)
    assert of(found, "PER-004") == []
    [f] = of(found, "PER-011")
    assert f.location.column == "ar"
    assert "gäller 2023, ett senare år än rapportåret 2022" in f.message and "jan 57" in f.message
    assert "rapportmånaden" not in f.message


def test_years_and_months_in_messages_are_not_grouped_like_amounts(tmp_path):
    def gap(rows, fixed, header):
        rows["statistik"][1].pop("dec")
    [f] = of(findings(tmp_path, gap), "PER-005")
    assert "(2021)" in f.message and "2\u00a0021" not in f.message


def test_an_invalid_header_year_reads_as_written(tmp_path):
    [f] = of(findings(tmp_path, lambda r, f, h: h.update(ar=1999)), "READ-021")
    assert "har värdet 1999," in f.message
