"""Prose against tables (TEXT-*): sentences from the reference reports against their tables."""

from decimal import Decimal

import pytest

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.rules.text import read_amounts

from . import reference_data as R
from .consistent_report import of
from .helpers import make_workbook

BOU, VUXNA, NAMND_ROW = "Barn och unga 0-20 år", "Vuxna 21-64 år", "Nämnd och nämndstöd"


def prose_findings(tmp_path, kommentarer, name="t2.xlsx"):
    """The T2 2022 nämnd table (mnkr, as printed) with the given kommentar rows."""
    ekonomi, summa = R.T2_EKONOMI
    path, _ = make_workbook(tmp_path / name, rows={"ekonomi": ekonomi, "kommentarer": kommentarer},
                            totals={"ekonomi": {"summa": summa}}, header=R.T2_HEADER,
                            sections=["ekonomi", "kommentarer"])
    return of(validate(read_workbook(path), Context()), "TEXT-")


@pytest.mark.parametrize("verksamhet, sentence", [
    ("Socialnämnden", "Periodens utfall januari till augusti (T2) är 610 miljoner kronor, vilket är 28,9 miljoner "
                      "bättre än periodens budget."),
    ("Socialnämnden", "Prognosen för helår är 943,6 miljoner kronor, vilket är 14,5 miljoner kronor bättre än "
                      "årsbudgeten."),
    ("Socialnämnden", "Den största delen av budgetöverskottet kommer från budgetraden Personer med "
                      "funktionsnedsättning som är +16,4 miljoner kronor mot budget."),
    (BOU, "Barn och Unga 0–20 år; periodens utfall +3,6 miljoner kronor, prognos +2,2 miljoner kronor"),
    (BOU, "Det ackumulerade resultatet är 111,4 miljoner kronor, vilket är 3,6 miljoner kronor bättre än den "
          "ackumulerade budgeten."),
    (BOU, "Årsresultatet förväntas visa ett överskott på drygt 2 miljoner kronor."),
    (BOU, "Den största delen kommer från Personer med funktionsnedsättning som är +16,4 miljoner kronor mot budget."),
    ("Myndighet och huvudmannaskap", "Myndighet och Huvudmannaskap; periodens utfall + 1,9 miljoner kronor, "
                                     "prognos +/- 0 miljoner kronor"),
    (NAMND_ROW, "Nämnd och nämndstöd; periodens utfall -0,13 miljoner kronor, prognos -0,2 miljoner kronor"),
    ("Personer med funktionsnedsättning", "Personer med funktionsnedsättning 0–64 år; periodens utfall +16,4 "
                                          "miljoner kronor, prognos +7 miljoner kronor"),
])
def test_quoted_results_that_match_the_table_are_silent(tmp_path, verksamhet, sentence):
    assert prose_findings(tmp_path, [dict(verksamhet=verksamhet, kommentar=sentence)]) == []


@pytest.mark.parametrize("verksamhet, sentence", [
    # Another period, an adjusted figure, a part, a cost item, a sub-item without a row, a count.
    ("Socialnämnden", "Budgetavvikelsen för perioden januari till augusti är 10,7 miljoner kronor bättre jämfört "
                      "med tertial ett då avvikelsen var +18,2 miljoner kronor."),
    (VUXNA, "Den positiva budgetavvikelsen för årets andra tertial är 2 miljoner kronor bättre jämfört med tertial ett."),
    ("Socialnämnden", "När man justerar för det så är periodens resultat för socialnämnden totalt 1,1 miljoner "
                      "bättre, det vill säga - 2,6 miljoner kronor i stället för -3,7 miljoner kronor."),
    ("Socialnämnden", "Utfallet för inhyrd personal är 1,6 miljoner kronor, - 1,3 miljoner kronor jämfört med "
                      "periodens budget."),
    (VUXNA, "Socialnämnden har hittills haft 0,8 miljoner kronor i kostnader för avhopparverksamhet och prognosen "
            "för helår är 1,9 miljoner kronor."),
    (BOU, "Heldygnsvården uppvisar ett underskott på -1,2 miljoner kronor."),
    (BOU, "Prognosen för heldygnsvården är negativ, 5,5 miljoner kronor, och bygger på det högre antalet placeringar."),
    ("Socialnämnden", "Bokslutet 2019 slutade med ett budgetöverskridande på sammanlagt -36,9 miljoner kronor "
                      "jämfört med budgeten."),
    ("Personer med funktionsnedsättning", "Personlig assistans uppvisar ett positivt resultat för perioden på 3,2 "
                                          "miljoner kronor varav 1,9 miljoner kronor beror på retroaktiva utbetalningar."),
    (BOU, "Första halvåret 2022 har 2 425 orosanmälningar inkommit, vilket är en ökning med 11 procent jämfört med "
          "samma period 2021 (2 119 anmälningar)."),
    (BOU, "Sedan starten våren 2020 har 72 bebisar varit aktuella; 96% procent av föräldrarna (170 stycken) är nöjda."),
])
def test_amounts_not_stated_as_this_periods_result_are_not_read(tmp_path, verksamhet, sentence):
    assert prose_findings(tmp_path, [dict(verksamhet=verksamhet, kommentar=sentence)]) == []


def test_a_prognos_that_matches_no_figure(tmp_path):
    """The februari 2020 report: "Prognosen för socialnämnden är 131,6 miljoner kronor" (table −831 556)."""
    [f] = prose_findings(tmp_path, [dict(verksamhet="Socialnämnden", kommentar=(
        "Prognosen för socialnämnden är 843,6 miljoner kronor, vilket är 14,5 miljoner kronor bättre än årsbudgeten."))])
    assert f.code == "TEXT-001" and f.location.a1 == "Kommentarer!B5"
    assert f.actual == "843,6 miljoner kronor" and f.expected == Decimal("-943.6")
    assert f.related == ("Ekonomi!J13",) and "Ekonomi!J13" in f.message and "843,6 miljoner kronor" in f.message
    assert f.difference == Decimal(-100000)


def test_a_verksamhet_quoting_another_figure(tmp_path):
    found = prose_findings(tmp_path, [dict(verksamhet=BOU, kommentar=(
        "Barn och Unga 0–20 år; periodens utfall +3,6 miljoner kronor, prognos +2,9 miljoner kronor"))])
    assert [(f.code, f.actual) for f in found] == [("TEXT-001", "+2,9 miljoner kronor")]
    assert found[0].related == ("Ekonomi!K5",)  # the verksamhet's prognosavvikelse 2,2


def test_a_result_quoted_with_the_wrong_sign(tmp_path):
    found = prose_findings(tmp_path, [dict(verksamhet=VUXNA, kommentar=(
        "Vuxna 21–64 år redovisar ett underskott på 4,7 miljoner kronor mot budget."))])
    assert [(f.code, f.related) for f in found] == [("TEXT-002", ("Ekonomi!H6",))]


@pytest.mark.parametrize("text, tkr_low, tkr_high, sign", [
    ("prognosen visar ett underskott om 3,2 mnkr", 3150, 3250, 0),
    ("ett överskott på 450 tkr", 445, 455, 0),
    ("−12,5 miljoner kronor", -12550, -12450, -1),
    ("+3,6 miljoner kronor", 3550, 3650, 1),
    ("ett underskott på -1 miljon kronor", -1500, -500, -1),
    ("drygt 2 miljoner kronor", 1000, 3000, 0),
    ("resultatet 1 234 tkr", Decimal("1233.5"), Decimal("1234.5"), 0),
])
def test_reading_amounts_and_their_precision(text, tkr_low, tkr_high, sign):
    [a] = read_amounts(text)
    assert (a.low, a.high, a.sign) == (tkr_low, tkr_high, sign)


def test_no_amount_without_a_money_unit():
    assert read_amounts("2 425 orosanmälningar, 11 procent, 15 juni 2020, 12 lägenheter") == []


def test_a_mnkr_quote_against_a_tkr_table_within_precision(tmp_path):
    """"3,2 mnkr" covers 3 150–3 249 tkr: 3 221 matches, 3 140 does not."""
    def book(avv, name):
        path, _ = make_workbook(tmp_path / name, header=dict(R.T2_HEADER, belopp_i="tkr"), rows={
            "ekonomi": [dict(verksamhet=BOU, utfall_kostnader=-60000, budget_kostnader=-60000 - avv,
                             arsbudget_netto=-90000, prognos_netto=-90000)],
            "kommentarer": [dict(verksamhet=BOU, kommentar="Periodens utfall visar ett överskott om 3,2 mnkr.")]},
            sections=["ekonomi", "kommentarer"])
        return of(validate(read_workbook(path), Context()), "TEXT-")
    assert book(3221, "a.xlsx") == []
    assert [f.code for f in book(3140, "b.xlsx")] == ["TEXT-001"]
