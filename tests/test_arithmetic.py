"""SUM-001, CALC-001, SIGN-003 and root-cause folding, on real workbooks from the templates."""

from decimal import Decimal

from budgetbook.engine import validate, validate_many
from budgetbook.excel import read_workbook

from .helpers import make_workbook
from .validation_cases import (
    D, EKONOMI_2020, EKONOMI_2020_SUMMA, EKONOMI_2022_MNKR, EKONOMI_2022_SUMMA, EKONOMI_KEYS, STATSBIDRAG_2022,
    STATSBIDRAG_TOTALT, codes_at, ekonomi_rows, errors, mnkr_header, total_ref, type_over,
)

ARITHMETIC = {"SUM-001", "CALC-001", "SIGN-001", "SIGN-002", "SIGN-003"}


def arithmetic(found):
    return [f for f in found if f.code in ARITHMETIC]


def ekonomi_book(tmp_path, table=EKONOMI_2020, name="ekonomi.xlsx", header=None, only_inputs=False):
    path, _ = make_workbook(tmp_path / name, rows={"ekonomi": ekonomi_rows(table, only_inputs)},
                            header=header, sections=["ekonomi"])
    return path


# --- correct reports are silent, rounding included ------------------------------------------

def test_reference_2020_ekonomi_as_printed_has_no_arithmetic_error(tmp_path):
    # Three cells are 1 tkr off their formula (−9 778, −1 500, 13): printed rounding.
    assert errors(ekonomi_book(tmp_path)) == []


def test_reference_2022_ekonomi_in_mnkr_with_typed_summa_has_no_error(tmp_path):
    path = ekonomi_book(tmp_path, EKONOMI_2022_MNKR, header=mnkr_header())
    type_over(path, {total_ref(path, "ekonomi", k): v for k, v in EKONOMI_2022_SUMMA.items()})
    # Gemensam socialtjänst: −2,1 − (−4,6) = 2,5 printed as 2,4: within ±0,15 mnkr.
    assert errors(path) == []


def test_statsbidrag_mnkr_totalt_15_6_against_rows_adding_to_15_65_is_silent(tmp_path):
    path, _ = make_workbook(tmp_path / "sb.xlsx", rows={"statsbidrag": STATSBIDRAG_2022}, header=mnkr_header(),
                            sections=["statsbidrag"])
    type_over(path, {total_ref(path, "statsbidrag", k): v for k, v in STATSBIDRAG_TOTALT.items()})
    assert errors(path) == []
    # A Totalt one whole mnkr off is not rounding.
    ref = total_ref(path, "statsbidrag", "sokt")
    type_over(path, {ref: D("16.6")})
    found = errors(path)
    assert codes_at(found) == [("SUM-001", ref)]
    f = found[0]
    assert (f.expected, f.actual, f.difference) == (D("15.65"), D("16.6"), D("0.95"))
    assert "15,65 mnkr" in f.message and "16,6 mnkr" in f.message and "+0,95 mnkr" in f.message


# --- SUM-001 ------------------------------------------------------------------------------

def test_sum_001_wrong_typed_total_in_investeringar(tmp_path):
    rows = [dict(projekt="A", inkomster=100, utgifter=-900, projektbudget=-5000, prognos_ar=-1200,
                 prognos_kommande=-3800),
            dict(projekt="B", inkomster=0, utgifter=-300, projektbudget=-2000, prognos_ar=-500, prognos_kommande=-1500)]
    path, _ = make_workbook(tmp_path / "inv.xlsx", rows={"investeringar": rows}, sections=["investeringar"])
    assert errors(path) == []
    ref = total_ref(path, "investeringar", "projektbudget")
    type_over(path, {ref: -6000})
    found = errors(path)
    assert codes_at(found) == [("SUM-001", ref)]
    assert (found[0].expected, found[0].actual, found[0].difference) == (-7000, -6000, 1000)


def test_kostnadsslag_wrong_subtotal_is_one_root_with_its_checks(tmp_path):
    fixed = {"kostnadsslag": {
        "forsaljning": dict(utfall=100, budget=90, arsbudget=150, prognos=160),
        "bidrag": dict(utfall=50, budget=60, arsbudget=90, prognos=80),
        "personalkostnader": dict(utfall=-900, budget=-950, arsbudget=-1400, prognos=-1380),
        "lokalkostnader": dict(utfall=-120, budget=-110, arsbudget=-170, prognos=-175),
    }}
    path, _ = make_workbook(tmp_path / "ks.xlsx", fixed=fixed, sections=["kostnadsslag"])
    assert errors(path) == []
    ref = total_ref(path, "kostnadsslag", "utfall", "verksamhetens_intakter")
    type_over(path, {ref: 250})
    found = errors(path)
    assert codes_at(found) == [("SUM-001", ref)]
    # It also breaks Nettoresultat's sum and its own row's avvikelse.
    assert len(found[0].related) == 2
    assert found[0].expected == 150


# --- CALC-001 -----------------------------------------------------------------------------

def test_calc_001_netto_typed_wrong(tmp_path):
    table = [list(r) for r in EKONOMI_2020]
    table[3][3] = -481  # Gemensam socialtjänst utfall netto: 0 + −381 printed as −481
    path = ekonomi_book(tmp_path, table)
    found = errors(path)
    assert codes_at(found) == [("CALC-001", "Ekonomi!D8")]
    f = found[0]
    assert (f.expected, f.actual, f.difference) == (-381, -481, -100)
    # The typed avvikelse 462 = −381 − (−843) and the Summa row agree with the true netto, so
    # the checks D8 breaks (its avvikelse, the Summa row) fold into this one finding.
    assert sorted(r.split(":")[0] for r in f.related) == ["CALC-001 Ekonomi!D13", "CALC-001 Ekonomi!H13",
                                                         "CALC-001 Ekonomi!H8"]
    assert "−381 tkr" in f.message and "−100 tkr" in f.message


def test_calc_001_investering_totalt_and_utfall_netto(tmp_path):
    rows = [dict(projekt="A", inkomster=100, utgifter=-900, utfall_netto=-700, projektbudget=-5000, prognos_ar=-1200,
                 prognos_kommande=-3800, totalt=-5000)]
    path, _ = make_workbook(tmp_path / "inv.xlsx", rows={"investeringar": rows}, sections=["investeringar"])
    found = errors(path)
    assert sorted(codes_at(found)) == [("CALC-001", "Investeringar!E5")]
    assert found[0].expected == -800


def test_calc_001_maluppfyllelse_within_printed_precision(tmp_path):
    rows = [dict(indikator="Kunskapsmål", utfall_fg_ar=D("0.76"), utfall=D("0.6"), mal=D("0.95"),
                 maluppfyllelse=D("0.63")),  # 60/95 = 63,16 %, printed 63 %
            dict(indikator="Skyddat boende", utfall_fg_ar=D("0.87"), utfall=D("0.74"), mal=D("0.85"),
                 maluppfyllelse=D("0.87")),
            dict(indikator="Eget boende", utfall_fg_ar=D("0.75"), utfall=D("1"), mal=D("0.75"),
                 maluppfyllelse=D("1.33"))]
    path, _ = make_workbook(tmp_path / "ind.xlsx", rows={"indikatorer": rows}, sections=["indikatorer"])
    assert errors(path) == []
    rows[1]["maluppfyllelse"] = D("0.78")  # 74/85 = 87 %, not 78 %
    path, _ = make_workbook(tmp_path / "ind2.xlsx", rows={"indikatorer": rows}, sections=["indikatorer"])
    found = errors(path)
    assert codes_at(found) == [("CALC-001", "Indikatorer!E6")]
    assert found[0].expected == D("0.870588") and "87,1 %" in found[0].message


def test_sjukfranvaro_total_is_kort_plus_lang_declared_in_the_spec(tmp_path):
    rows = [dict(ansvar="1001", benamning="Barn och familj", total=D("0.044"), kort=D("0.02"), lang=D("0.025")),
            dict(ansvar="1002", benamning="Omsorg", total=D("0.064"), kort=D("0.03"), lang=D("0.024"))]
    path, _ = make_workbook(tmp_path / "sj.xlsx", rows={"sjukfranvaro": rows}, sections=["sjukfranvaro"])
    found = errors(path)
    # 4,4 % against 2,0 + 2,5 is rounding; 6,4 % against 3,0 + 2,4 = 5,4 % is not.
    assert codes_at(found) == [("CALC-001", "Sjukfrånvaro!C6")]
    assert found[0].expected == D("0.054")


# --- SIGN-003 -----------------------------------------------------------------------------

def test_sign_003_kommunalt_bostadstillagg(tmp_path):
    # The reference report: utfall −5, budget −1 000, printed avvikelse −996 (should be +995).
    table = [("Kommunalt bostadstillägg", 0, -5, -5, 0, -1000, -1000, -996, -1500, -50, 1450),
             ("Riksfärdtjänst o turbundna resor", 0, -11426, -11426, 0, -10746, -10746, -680, -16119, -18369, -2250)]
    path = ekonomi_book(tmp_path, table)
    found = errors(path)
    assert codes_at(found) == [("SIGN-003", "Ekonomi!H5")]
    f = found[0]
    assert (f.expected, f.actual) == (995, -996)
    # The Summa avvikelse that adds it up is the same root, not a second finding.
    assert any("Ekonomi!H" in r for r in f.related)


# --- root cause -----------------------------------------------------------------------------

def test_wrong_summa_budget_netto_is_one_finding_with_related_checks(tmp_path):
    path = ekonomi_book(tmp_path, only_inputs=True)
    assert errors(path) == []
    ref = total_ref(path, "ekonomi", "budget_netto")
    type_over(path, {ref: -148593})  # −138 593 with a slipped digit
    found = errors(path)
    assert codes_at(found) == [("SUM-001", ref)]
    f = found[0]
    assert (f.expected, f.actual, f.difference) == (-138593, -148593, -10000)
    # Summa netto = intäkter + kostnader at the cell itself; Summa avvikelse = netto − budget.
    assert sorted(r.split(":")[0].split(" ")[1] for r in f.related) == [ref, ref.replace("!G", "!H")]


def printed_ekonomi(tmp_path, table=EKONOMI_2020, **typed_summa):
    """The ekonomi table as a printed report: every cell typed, Summa as printed in 2020."""
    path = ekonomi_book(tmp_path, table)
    return type_over(path, {total_ref(path, "ekonomi", k): typed_summa.get(k, v) for k, v in EKONOMI_2020_SUMMA.items()})


def test_wrong_summa_in_a_fully_typed_report_is_one_finding(tmp_path):
    path = printed_ekonomi(tmp_path, budget_netto=D(-128593))
    ref = total_ref(path, "ekonomi", "budget_netto")
    found = errors(path)
    assert codes_at(found) == [("SUM-001", ref)]
    assert len(found[0].related) == 2


def test_two_independent_errors_are_two_roots(tmp_path):
    table = [list(r) for r in EKONOMI_2020]
    table[0][1] = 2157  # utfall intäkter off by 1 000
    table[4][9] = -138028  # prognos netto off by 10 000
    found = errors(printed_ekonomi(tmp_path, table))
    assert sorted(codes_at(found)) == [("SUM-001", "Ekonomi!B5"), ("SUM-001", "Ekonomi!J9")]
    assert [f.expected for f in sorted(found, key=lambda f: f.location.cell)] == [1157, -128028]


# --- batching -----------------------------------------------------------------------------

def test_validate_many_equals_one_by_one(tmp_path):
    table = [list(r) for r in EKONOMI_2020]
    table[2][7] = 1500
    paths = [ekonomi_book(tmp_path, EKONOMI_2020, "a.xlsx"), ekonomi_book(tmp_path, table, "b.xlsx"),
             ekonomi_book(tmp_path, EKONOMI_2022_MNKR, "c.xlsx", header=mnkr_header())]
    books = [read_workbook(p) for p in paths]
    assert validate_many(books) == [validate(b) for b in books]
    assert [codes_at(arithmetic(f)) for f in validate_many(books)] == [[], [("SIGN-003", "Ekonomi!H7")], []]


def test_a_column_with_one_check_reports_at_its_total(tmp_path):
    # Bokslut föregående år takes part only in its Summa: a wrong row and a wrong Summa break
    # the same single equation, so the finding is at the Summa, whose value disagrees.
    table = [list(r) + [-100] for r in EKONOMI_2020]
    path, _ = make_workbook(tmp_path / "b.xlsx", rows={"ekonomi": [
        dict(zip(EKONOMI_KEYS + ("bokslut_fg_ar",), [r[0]] + [D(v) for v in r[1:]])) for r in table]},
        sections=["ekonomi"])
    ref = total_ref(path, "ekonomi", "bokslut_fg_ar")
    type_over(path, {ref: -1600})
    found = errors(path)
    assert codes_at(found) == [("SUM-001", ref)] and found[0].expected == -600


def test_unreadable_cells_are_the_readers_and_numbers_as_text_are_checked(tmp_path):
    rows = ekonomi_rows(EKONOMI_2020, only_inputs=True)
    rows[0]["utfall_intakter"] = "abc"  # IN-002: no arithmetic finding through the Summa
    rows[1]["utfall_intakter"] = "3 901"  # IN-010, read as 3 901: it takes part in the checks
    rows[1]["utfall_netto"] = D(-9745)  # typed: 2 901 − 12 646
    path, _ = make_workbook(tmp_path / "t.xlsx", rows={"ekonomi": rows}, sections=["ekonomi"])
    found = [f for f in validate(read_workbook(path)) if f.severity.value == "fel"]
    # One equation (the Summa row is computed from the unreadable B5): reported at its target.
    assert sorted(codes_at(found)) == [("CALC-001", "Ekonomi!D6"), ("IN-002", "Ekonomi!B5")]
    assert [f.expected for f in found if f.code == "CALC-001"] == [-8745]


def test_an_avvikelse_sign_check_whose_root_is_a_term_reads_as_the_equation():
    # The avvikelse is a formula the reader computed (never the root): the typed prognos netto
    # it is computed from is. The finding speaks of that cell, not of an avvikelse's sign.
    from budgetbook.catalogue import code
    from budgetbook.findings import Location
    from budgetbook.rootcause import CellFact, Violation, fold

    def fact(n, col, header, value, filled=False):
        return CellFact(key=(0, 6, n, "ekonomi", col), location=Location(sheet="Ekonomi", cell=f"{'JK'[n - 9]}6"),
                        value=Decimal(value), typed=not filled, filled=filled, header=header,
                        show=lambda v: f"{v} tkr")
    avvikelse = fact(10, "prognosavvikelse", "Prognosavvikelse", -2250, filled=True)
    prognos = fact(9, "prognos_netto", "Prognos netto", -14000)
    v = Violation("SIGN-003", (avvikelse, prognos), (Decimal(2119), Decimal(-18369)),
                  "Prognosavvikelse = Prognos netto − Årsbudget netto", Decimal("1.5"))
    [f] = fold([v], code)
    assert (f.code, f.location.cell, f.expected) == ("CALC-001", "J6", Decimal(-18369))
    assert f.message.startswith("Prognos netto") and "tecknet" not in f.message
