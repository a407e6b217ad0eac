"""Counts in prose against Statistik and Indikatorer (TEXT-003): a number quoted for one
statistic is that row's value for the period; everything that may mean something else is left alone."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.findings import fmt_value
from budgetbook.rules.text import count_matches, read_count, stem

from . import reference_data as R
from .consistent_report import of
from .helpers import HEADER, make_workbook

MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug")
BOU = "Barn och unga 0-20 år"


def series(*values) -> dict:
    return dict(zip(MONTHS, values))


# The header's period is augusti 2022. Rows 5–9 of Statistik, row 5 of Indikatorer.
STATISTIK = [
    dict(nyckeltal="Antal placerade barn", ar=2022, summerbar="Ja", **series(40, 41, 42, 43, 44, 45, 44, 45)),
    dict(nyckeltal="Antal placerade barn", ar=2021, summerbar="Ja", **series(30, 31, 32, 33, 34, 35, 36, 38)),
    dict(nyckeltal="Antal hushåll med ekonomiskt bistånd", ar=2022, summerbar="Ja",
         **series(130, 131, 132, 133, 134, 135, 136, 138)),
    dict(nyckeltal="Antal vårddygn", ar=2022, summerbar="Ja", **series(1200, 1210, 1190, 1250, 1240, 1230, 1220, 1243)),
    dict(nyckeltal="Antal inhyrda socialsekreterare", ar=2022, summerbar="Ja", **series(6, 6, 6, 6, 5, 5, 5, 5)),
]
INDIKATORER = [
    dict(indikator="Antal barn med pågående heldygnsinsats", utfall_fg_ar=92, utfall=100, mal=90),
    dict(indikator="Andel utredningar där barn varit delaktiga", utfall_fg_ar=Decimal("0.63"),
         utfall=Decimal("0.58"), mal=Decimal("0.8")),
]


def count_findings(tmp_path, *sentences, statistik=STATISTIK, header=HEADER, name="counts.xlsx"):
    path, _ = make_workbook(tmp_path / name, header=header, rows={
        "statistik": statistik, "indikatorer": INDIKATORER,
        "kommentarer": [dict(verksamhet=BOU, kommentar=s) for s in sentences]},
        sections=["statistik", "indikatorer", "kommentarer"])
    return of(validate(read_workbook(path), Context()), "TEXT-")


@pytest.mark.parametrize("sentence, actual, expected, table_cell", [
    # The task's examples: the current value beside last year's, a count, a statistic's value.
    ("Antalet placerade barn har ökat till 47 jämfört med 38 samma period föregående år.", 47, 45, "Statistik!J5"),
    ("Antalet placerade barn har ökat från 38 till 47.", 47, 45, "Statistik!J5"),
    ("140 hushåll fick ekonomiskt bistånd.", 140, 138, "Statistik!J7"),
    ("Under augusti var antal vårddygn 1 234.", 1234, 1243, "Statistik!J8"),
    # A month named: that month's value; an average: the mean of the months.
    ("I juli fick 139 hushåll ekonomiskt bistånd.", 139, 136, "Statistik!I7"),
    ("I snitt har 44 barn per månad varit placerade.", 44, 43, "Statistik!C5:J5"),
    # A part after "varav" is not read; the whole is.
    ("Antalet placerade barn är 46, varav 17 i familjehem.", 46, 45, "Statistik!J5"),
    # In a short clause of its own; beside a date.
    ("Antalet placerade barn har ökat och är nu 47.", 47, 45, "Statistik!J5"),
    ("Den 31/8 var antalet placerade barn 47.", 47, 45, "Statistik!J5"),
    # An indikator: this year's utfall.
    ("Antalet barn med pågående heldygnsinsats är 98.", 98, 100, "Indikatorer!C5"),
])
def test_a_count_that_differs_from_its_row(tmp_path, sentence, actual, expected, table_cell):
    [f] = count_findings(tmp_path, sentence)
    assert (f.code, f.location.a1, f.actual, f.expected, f.related) == \
        ("TEXT-003", "Kommentarer!B5", actual, expected, (table_cell,))
    assert f.difference == actual - expected
    assert table_cell in f.message and f"anger ”{f.params['quote']}”" in f.message and f.hint


def test_the_finding_reads_in_swedish(tmp_path):
    [f] = count_findings(tmp_path, "140 hushåll fick ekonomiskt bistånd.")
    assert f.message == ("Kommentaren för ”Barn och unga 0-20 år” anger ”140” för ”Antal hushåll med ekonomiskt "
                         "bistånd” (”140 hushåll fick ekonomiskt bistånd.”), men tabellen visar 138 för augusti "
                         "2022 i Statistik!J7 (skillnad 2).")
    assert f.severity.value == "varning"


@pytest.mark.parametrize("sentence", [
    "Antalet placerade barn har ökat till 45 jämfört med 38 samma period föregående år.",
    "Antalet placerade barn har ökat från 38 till 45.",
    "138 hushåll fick ekonomiskt bistånd i augusti.",
    "Under augusti var antal vårddygn 1 243.",
    "I juli fick 136 hushåll ekonomiskt bistånd.",
    "I snitt har 43 barn per månad varit placerade.",
    "Antalet barn med pågående heldygnsinsats är 100.",
    "Antalet vårddygn var omkring 1 200.",  # an approximation
    "Antalet vårddygn var 1 200 i augusti.",  # rounded to hundreds: 1 150–1 250
    # No period named: the report month's value, or (a flow) the year so far, 9 783 vårddygn.
    "Antalet vårddygn är 9 783.",
])
def test_a_count_that_matches_is_silent(tmp_path, sentence):
    assert count_findings(tmp_path, sentence) == []


@pytest.mark.parametrize("sentence", [
    # A year is no count.
    "Antalet placerade barn har ökat kraftigt under 2022.",
    # Another year, the previous year, the other side of a comparison.
    "Föregående år var antalet placerade barn 38.",
    "Under 2021 var antalet placerade barn 36.",
    "Antalet placerade barn är högre än de 30 som var placerade samma period föregående år.",
    # Percentages, differences and amounts.
    "Antalet placerade barn har ökat med 12 procent.",
    "Antalet placerade barn har ökat med 12 % sedan i fjol.",
    "Antalet placerade barn har ökat med 3 jämfört med juli.",
    "Kostnaden för placerade barn är 1 234 tkr.",
    "Placerade barn kostar i genomsnitt 45 000 kronor per månad.",
    "Antalet placerade barn är 12 fler än budgeterat.",
    # A different statistic in the same sentence: whose number is which?
    "Antalet inhyrda socialsekreterare är 7 och antalet placerade barn 47.",
    # Two candidate numbers, a part of the statistic, a qualifier the label lacks, an age range.
    "Antalet placerade barn är 47 och 12 av dem är över 15.",
    "17 barn är placerade i familjehem.",
    "Inom familjehemsvården är 17 barn placerade.",
    "Antalet placerade barn 13–17 år är 20.",
    "Antalet placerade barn under 18 år är 40.",
    # A rate, an ordinal.
    "Antalet placerade barn är 4,5 per 1 000 invånare.",
    "Vart 4:e av de placerade barnen har fått ny skola.",
    "Av de placerade barnen är varav 11 placerade på SIS-institution.",
    # A number that counts something else, in another clause or before another noun.
    "Antalet placerade barn är oförändrat, men personalen har vuxit till 12.",
    "Antalet placerade barn är oförändrat och 12 familjehem har rekryterats.",
    "Antalet placerade barn har legat stilla sedan 12 nya familjehem rekryterades.",
    # A duration.
    "Antalet placerade barn som väntat 6 månader har minskat.",
    # An approximation, a target, a forecast, a plan.
    "Cirka 50 barn är placerade.",
    "Målet är att antalet placerade barn ska vara 30.",
    "Prognosen bygger på att 50 barn är placerade resten av året.",
    # A total over the period (unique persons): not in a monthly table.
    "Hittills i år har 72 barn varit placerade.",
    "Under januari till augusti har 72 unika barn varit placerade.",
    "Under första halvåret har i snitt 50 barn per månad varit placerade.",
    # A month after the report month; a month and a year that are not this period's.
    "I september väntas 50 barn vara placerade.",
    "I maj 2021 var 14 barn placerade.",
    # Only part of the label's key words: "barn" alone names no row.
    "Totalt 300 barn fick stöd från öppenvården.",
    # An andel is no count.
    "Andelen utredningar där barn varit delaktiga är 70.",
    # An indikator is the year's utfall: not a month's value, not a monthly mean.
    "I juli var antalet barn med pågående heldygnsinsats 98.",
    "I snitt har 98 barn per månad haft en pågående heldygnsinsats.",
    # The previous year's statistik row is not this period's value.
    "Antalet placerade barn samma period föregående år var 38.",
])
def test_numbers_that_are_not_the_periods_count_are_not_read(tmp_path, sentence):
    assert count_findings(tmp_path, sentence) == []


def test_a_label_that_repeats_names_no_single_row(tmp_path):
    """Two "Antal unika personer"-like rows (under different headings in the real report):
    the sentence cannot tell which one it quotes."""
    twice = [dict(nyckeltal="Antal placeringar", ar=2022, summerbar="Ja", **series(*[20] * 8)),
             dict(nyckeltal="Antal placeringar", ar=2022, summerbar="Ja", **series(*[9] * 8))]
    assert count_findings(tmp_path, "Antalet placeringar är 20.", statistik=twice) == []
    # One row, keyed by position: the same sentence against the second row alone is checked.
    [f] = count_findings(tmp_path, "Antalet placeringar är 20.", statistik=twice[1:], name="one.xlsx")
    assert f.related == ("Statistik!J5",) and f.expected == 9


def test_the_more_specific_row_is_the_one_named(tmp_path):
    rows = [dict(nyckeltal="Antal placeringar", ar=2022, summerbar="Ja", **series(*[114] * 8)),
            dict(nyckeltal="Antal placeringar i jourhem", ar=2022, summerbar="Ja", **series(*[37] * 8))]
    [f] = count_findings(tmp_path, "Antalet placeringar i jourhem är 41.", statistik=rows)
    assert (f.related, f.expected, f.actual) == (("Statistik!J6",), 37, 41)
    assert count_findings(tmp_path, "Antalet placeringar i jourhem är 37.", statistik=rows, name="b.xlsx") == []


def test_an_abbreviation_in_a_compound_is_part_of_the_name(tmp_path):
    """"HVB-placeringar" is not "placeringar"; "enl. LSS" after the name is a qualifier."""
    rows = [dict(nyckeltal="Antal HVB-placeringar", ar=2022, summerbar="Ja", **series(*[12] * 8))]
    assert count_findings(tmp_path, "Antalet placeringar är 20.", statistik=rows) == []
    [f] = count_findings(tmp_path, "Antalet HVB-placeringar är 20.", statistik=rows, name="b.xlsx")
    assert (f.expected, f.actual) == (12, 20)


def test_a_lagging_series_is_read_at_its_latest_month(tmp_path):
    """August not yet reported: the text can only quote July."""
    rows = [dict(nyckeltal="Antal placerade barn", ar=2022, summerbar="Ja", **series(40, 41, 42, 43, 44, 45, 44))]
    [f] = count_findings(tmp_path, "Antalet placerade barn är 45.", statistik=rows)
    assert f.related == ("Statistik!I5",) and "juli 2022" in f.message


def test_the_real_t2_sentence_about_personlig_assistans(tmp_path):
    """T2 2022: "Antal personer som har personlig assistans från kommunen har legat på en stabil
    nivå under 2022, 56 kunder" against "Personlig assistans enl. 9§ 2 LSS (beslut av kommunen),
    antal personer" (56 in augusti): the abbreviation is not needed to name the row."""
    sentence = ("Antal personer som har personlig assistans från kommunen har legat på en stabil nivå under 2022, "
                "56 kunder, vilket är lägre än tidigare år.")
    assert count_findings(tmp_path, sentence, statistik=R.T2_STATISTIK) == []
    changed = [dict(r, aug=58) if r["ar"] == 2022 else r for r in R.T2_STATISTIK]
    [f] = count_findings(tmp_path, sentence, statistik=changed, name="b.xlsx")
    assert (f.code, f.expected, f.actual, f.related) == ("TEXT-003", 58, 56, ("Statistik!J5",))
    # The same words about SoL, which the row is not about.
    assert count_findings(tmp_path, sentence.replace("från kommunen", "enligt SoL"), statistik=changed,
                          name="c.xlsx") == []


def test_without_a_report_period_a_sentence_with_a_year_is_not_read(tmp_path):
    """No År and Månad in the header: Statistik is not read at all (which row is this
    year's?), and an indikator sentence that names any year may be about another one."""
    header = dict(HEADER, ar=None, manad=None)
    assert count_findings(tmp_path, "Under 2021 var antalet barn med pågående heldygnsinsats 92.",
                          "Antalet placerade barn är 47.", header=header) == []
    [f] = count_findings(tmp_path, "Antalet barn med pågående heldygnsinsats är 98.", header=header, name="b.xlsx")
    assert f.related == ("Indikatorer!C5",)


def test_without_statistik_nothing_is_read(tmp_path):
    path, _ = make_workbook(tmp_path / "bare.xlsx", rows={"kommentarer": [
        dict(verksamhet=BOU, kommentar="Antalet placerade barn har ökat till 47.")]}, sections=["kommentarer"])
    assert of(validate(read_workbook(path), Context()), "TEXT-") == []


# --- the rounding of a quoted count -------------------------------------------------------

@pytest.mark.parametrize("digits, value, half", [
    ("45", 45, Decimal("0.5")), ("140", 140, Decimal("0.5")), ("1 234", 1234, Decimal("0.5")),
    ("82,2", Decimal("82.2"), Decimal("0.05")), ("1 200", 1200, 50), ("3 000", 3000, 500), ("100", 100, 50),
])
def test_reading_a_count_and_its_precision(digits, value, half):
    assert read_count(digits) == (value, half)


def sv(d: Decimal) -> str:
    """A number as a Swedish report prints it: 1 234,5."""
    return fmt_value(d).replace("\u00a0", " ")


@given(st.decimals(min_value=0, max_value=99_999, places=2), st.sampled_from([0, 1]))
def test_a_count_printed_at_any_precision_matches_its_table_value(table, places):
    """Rounding the table's value to whole numbers or one decimal, as a report prints it, is no error."""
    assert count_matches(sv(table.quantize(Decimal(1).scaleb(-places))), table)


@given(st.integers(min_value=0, max_value=99_999), st.integers(min_value=-50, max_value=50))
def test_an_exact_count_off_by_a_whole_number_is_caught(table, off):
    """A count is exact unless it is rounded to hundreds ("1 200"); then within its rounding."""
    quoted = abs(table + off)
    assume(quoted != table)
    text = sv(Decimal(quoted))
    rounded = quoted >= 100 and quoted % 100 == 0
    assert count_matches(text, Decimal(table)) == (rounded and abs(quoted - table) <= read_count(text)[1])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=1, max_value=9_999), st.integers(min_value=-9, max_value=9))
def test_one_wrong_count_one_finding_at_the_table_cell(tmp_path, value, off):
    """Consistent prose is silent; one wrong count is one finding, at the statistik cell
    (unless the wrong count is a round hundred within its own rounding: "1 200" for 1 203)."""
    rows = [dict(nyckeltal="Antal vårddygn", ar=2022, summerbar="Ja", **series(*[value] * 8))]
    quoted = max(0, value + off)
    found = count_findings(tmp_path, f"Antalet vårddygn i augusti var {sv(Decimal(quoted))}.", statistik=rows,
                           name=f"p{value}_{off}.xlsx")
    rounded = quoted >= 100 and quoted % 100 == 0 and abs(quoted - value) <= read_count(sv(Decimal(quoted)))[1]
    silent = quoted == value or rounded
    assert [(f.related, f.actual) for f in found] == ([] if silent else [(("Statistik!J5",), quoted)])


def test_stems_make_inflections_one_word():
    assert stem("barnen") == stem("barn") and stem("placerade") == stem("placerad") != stem("placeringar")
    assert stem("hushållen") == stem("hushåll") and stem("aktualiseringarna") == stem("aktualiseringar")


# --- review: odd text ---------------------------------------------------------------------

def test_a_month_or_unit_matched_only_by_unicode_case_rules_does_not_crash(tmp_path):
    """The patterns ignore case the Unicode way: 'ſ' (long s) matches 's' and 'İ' matches
    'i', so "auguſti" is a month and "tuſen kronor" a unit to the regex, but not to a
    lookup by .lower(): a KeyError stopped the whole validation."""
    from budgetbook.rules.text import read_amounts

    [f] = count_findings(tmp_path, "Antalet placerade barn i auguſti var 47.")  # casefolded: augusti
    assert (f.related, f.actual) == (("Statistik!J5",), 47)
    assert count_findings(tmp_path, "Antalet placerade barn i aprİl var 47.", name="b.xlsx") == []
    assert [a.value for a in read_amounts("Resultatet är 45 tuſen kronor bättre.")] == [45]
    assert read_amounts("Resultatet är 45 MİLJONER bättre.") == []


KUNDER = [dict(nyckeltal="Antal kunder", ar=2022, summerbar="Ja", **series(*[213] * 8))]


@pytest.mark.parametrize("sentence", [
    # T2 2022, about bostad med särskild service: a part of the kunder (the 213 of the row).
    "Av dessa bor 42 kunder utanför Nacka kommuns gränser, det innebär att 80 procent av kunderna har sitt "
    "boende i kommunen.",
    "42 kunder bor utanför kommunen.",
    "Bland dessa har 42 kunder fått ett nytt beslut.",
])
def test_a_part_of_the_rows_count_in_real_prose_is_not_read(tmp_path, sentence):
    assert count_findings(tmp_path, sentence, statistik=KUNDER) == []


@pytest.mark.parametrize("sentence", [
    # An approximation, a forecast, a change without "med", a threshold, the highest value.
    "Antalet placerade barn ligger på ett 40-tal.",
    "Antalet placerade barn väntas bli 50.",
    "Antalet placerade barn har ökat 12 st.",
    "Antalet placerade barn ökade 4 barn under augusti.",
    "Antalet placerade barn har 2 gånger överstigit 50.",
    "Antalet placerade barn har som mest varit 50.",
    "Som flest var 50 barn placerade.",
    "Antalet placerade barn toppade på 50.",
    # A mean per week or day is not the monthly mean.
    "I snitt har 12 barn per vecka varit placerade.",
    "I genomsnitt placeras 2 barn per dag.",
    # A part of the row: a qualifier, a relative clause, new ones.
    "Antalet placerade barn exkl. ensamkommande är 40.",
    "Antalet placerade barn inkl. ensamkommande är 50.",
    "Antalet placerade barn förutom ensamkommande är 40.",
    "Antalet placerade barn som är ensamkommande är 5.",
    "Antalet placerade barn som är flickor är 20.",
    "Antalet nya placerade barn är 3.",
    # Another time than the report month.
    "Antalet placerade barn ökade till 47 under sommaren.",
    "Antalet placerade barn var 47 under våren.",
    "Antalet placerade barn var 47 i början av året.",
    "Antalet placerade barn var 47 vid årsskiftet.",
    "Antalet placerade barn var 47 vid förra uppföljningen.",
    "Antalet placerade barn var 47 månaden innan.",
    "Antalet placerade barn låg på 47 under första kvartalet.",
    "Antalet placerade barn brukar vara 47.",
    "Antalet placerade barn har tidigare varit 47.",
])
def test_more_numbers_that_are_not_the_periods_count(tmp_path, sentence):
    assert count_findings(tmp_path, sentence) == []


@pytest.mark.parametrize("sentence", [
    "Just nu är 47 barn placerade.",
    "Antalet placerade barn har ökat till 47, högre än tidigare.",
    "Antalet placerade barn som i augusti var 47 har ökat.",
    "Antalet placerade barn har ökat med 2 till 47.",
    "Antalet placerade barn var på 47 i augusti.",
    "42 kunder har fått bostad med särskild service.",
])
def test_still_read_beside_those_words(tmp_path, sentence):
    [f] = count_findings(tmp_path, sentence, statistik=STATISTIK + KUNDER)
    assert f.actual in (47, 42)
