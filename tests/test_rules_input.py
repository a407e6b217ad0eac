"""Input hygiene: the reader's cell findings (IN-001..013) and the row rules IN-020/021."""

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.period import Period

from .consistent_report import BOU, NAMND, VUXNA, cells, findings, of, report

CONFIG = (BOU, VUXNA, NAMND)


@pytest.mark.parametrize("engine", ["fast", "openpyxl"])
def test_reader_reports_bad_cells_at_their_cell(tmp_path, engine):
    def bad(rows, fixed, header):
        e = rows["ekonomi"]
        e[0]["utfall_intakter"] = "sex tusen"  # IN-002 text where a number belongs
        e[0]["budget_intakter"] = "5 700"  # IN-010 a number typed as text: read, but warned
        e[1]["utfall_intakter"] = dt.date(2022, 3, 1)  # IN-003
        e[1]["bokslut_fg_ar"] = Decimal("-66003.4")  # IN-013 decimals in tkr
        e[2]["utfall_netto"] = -1700  # IN-011 a typed constant over the netto formula
        e[2]["prognos_netto"] = None  # IN-012 a required value missing
    book, _ = report(tmp_path, bad)
    path = tmp_path / "unit.xlsx"
    wb = load_workbook(path)
    wb["Ekonomi"]["E6"] = "#DIV/0!"  # IN-001 an Excel error value (budget intäkter, Vuxna)
    wb.save(path)
    found = validate(read_workbook(path, engine=engine), Context(period=Period(2022, 8)))
    assert cells(found, "IN-0") == [
        ("IN-001", "Ekonomi!E6"), ("IN-002", "Ekonomi!B5"), ("IN-003", "Ekonomi!B6"), ("IN-010", "Ekonomi!E5"),
        ("IN-011", "Ekonomi!D7"), ("IN-012", "Ekonomi!J7"), ("IN-013", "Ekonomi!L6")]


def test_the_consistent_report_has_no_input_findings(tmp_path):
    found = findings(tmp_path, context=Context(period=Period(2022, 8), verksamheter=CONFIG))
    assert of(found, "IN-") == [] and of(found, "READ-") == []


def test_unknown_verksamhet_against_the_configuration(tmp_path):
    def unknown(rows, fixed, header):
        rows["ekonomi"][1]["verksamhet"] = "Vuxna 21–64"  # misspelt
        rows["prognosorsaker"][2]["verksamhet"] = "Vuxna 21–64"
        rows["atgardsplan"][0]["verksamhet"] = "Nämnd och nämdstöd"
        rows["kommentarer"].append(dict(verksamhet="Sammanfattning", kommentar="Året går enligt plan."))
        rows["kommentarer"].append(dict(verksamhet="Socialnämnden", kommentar="Nämndens kommentar."))
    context = Context(period=Period(2022, 8), verksamheter=CONFIG)
    found = findings(tmp_path, unknown, context=context)
    assert cells(found, "IN-020") == [("IN-020", "Ekonomi!A6"), ("IN-020", "Prognosorsaker!A7"),
                                      ("IN-020", "Åtgärdsplan!B5")]
    # Dashes, case and spacing are not differences; without a configuration nothing is checked.
    def spelled_differently(rows, fixed, header):
        rows["ekonomi"][1]["verksamhet"] = "VUXNA 21 - 64 år"
    assert of(findings(tmp_path, spelled_differently, context=context), "IN-020") == []
    assert of(findings(tmp_path, unknown), "IN-020") == []


def test_duplicated_rows_are_reported_at_the_duplicate(tmp_path):
    def twice(rows, fixed, header):
        rows["ekonomi"].append(dict(rows["ekonomi"][2]))
        rows["prognosorsaker"].append(dict(verksamhet=BOU.replace("–", "-"), orsak="heldygnsvård", belopp=0))
        rows["statsbidrag"] = [dict(bidrag="Psykisk hälsa", sokt=3100), dict(bidrag="Suicidprevention", sokt=900),
                               dict(bidrag="Psykisk hälsa", sokt=3100)]
        rows["indikatorer"] = [dict(indikator="Andel nöjda", utfall=Decimal("0.9")),
                               dict(indikator="Andel nöjda", utfall=Decimal("0.8"))]
        rows["investeringar"] = [dict(projektnummer="P1", projekt="Gruppbostad"),
                                 dict(projektnummer="P2", projekt="Gruppbostad"),  # two stages, two numbers
                                 dict(projektnummer="P1", projekt="Gruppbostad etapp 2")]
        rows["statistik"].append(dict(rows["statistik"][1]))
        rows["sjukfranvaro"] = [dict(ansvar="1001", benamning="Barn"), dict(ansvar="1001", benamning="Vuxen")]
    found = findings(tmp_path, twice)
    assert cells(found, "IN-021") == [
        ("IN-021", "Ekonomi!A8"), ("IN-021", "Indikatorer!A6"), ("IN-021", "Investeringar!B7"),
        ("IN-021", "Prognosorsaker!A9"), ("IN-021", "Sjukfrånvaro!B6"), ("IN-021", "Statistik!A7"),
        ("IN-021", "Statsbidrag!A7")]
    dup = of(found, "IN-021")[0]
    assert dup.related == ("Ekonomi!A7",) and "Ekonomi!A7" in dup.message


def test_repeated_kostnadsslag_row_is_the_readers_finding(tmp_path):
    book, _ = report(tmp_path)
    path = tmp_path / "unit.xlsx"
    wb = load_workbook(path)
    ws = wb["Kostnadsslag"]
    ws["A6"] = "Försäljning"  # the second row (Taxor och avgifter) relabelled as the first
    wb.save(path)
    found = validate(read_workbook(path), Context())
    assert ("READ-040", "Kostnadsslag!A6") in cells(found, "READ-")


def test_a_number_typed_as_text_says_what_in_the_text_is_wrong_and_how_to_fix_it(tmp_path):
    def typed(rows, fixed, header):
        e = rows["ekonomi"]
        e[0]["budget_intakter"] = "5\u00a0700"  # pasted from a web page
        e[1]["utfall_kostnader"] = "\u221252\u00a0200"  # Unicode minus, as Word and web pages write it
        e[2]["utfall_kostnader"] = "\u20131700"  # an en dash typed as minus
        e[0]["budget_kostnader"] = "-115000"  # nothing but the cell's text format
    found = {f.location.a1: f for f in validate(report(tmp_path, typed)[0], Context(period=Period(2022, 8)))
             if f.code == "IN-010"}
    assert set(found) == {"Ekonomi!E5", "Ekonomi!C6", "Ekonomi!C7", "Ekonomi!F5"}
    minus = found["Ekonomi!C6"]
    assert "typografiskt tecken (−)" in minus.message and "mellanslag" in minus.message
    assert "skriv vanligt minus (-) i stället för −" in minus.hint and "ta bort mellanslagen" in minus.hint
    assert "Sök och ersätt" in minus.hint
    assert "tankstreck (–)" in found["Ekonomi!C7"].message and "i stället för –" in found["Ekonomi!C7"].hint
    assert "mellanslag" in found["Ekonomi!E5"].message and "minus" not in found["Ekonomi!E5"].message
    assert "formaterad som text" in found["Ekonomi!F5"].message and "Talformat" in found["Ekonomi!F5"].hint
