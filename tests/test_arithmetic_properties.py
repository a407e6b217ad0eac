"""Property tests: a consistent printed report is silent; one wrong input is one root finding.

A random ekonomi table is built from exact values (tkr with decimals), then every cell is
printed rounded, as a report is: inputs, nettos, avvikelser and Summa, each rounded on its
own (to whole tkr, or to 0,1 mnkr). All of them are typed as constants, so every check sees
only printed figures. Examples: 30 by default; BUDGETBOOK_HYPOTHESIS=long runs 500.
"""

import os
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetbook.excel import read_workbook

from .helpers import HEADER, make_workbook
from .validation_cases import EKONOMI_KEYS, errors, type_over

settings.register_profile("ci", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = "long" if os.environ.get("BUDGETBOOK_HYPOTHESIS") == "long" else "ci"

TENTH = Decimal("0.1")
# Inputs that take part in two checks (their row's formula and their column's Summa): one
# wrong value there can be told apart from a wrong total. (A column with only a Summa check,
# like bokslut föregående år, is a single equation: its root is reported at the Summa cell.)
IDENTIFIABLE = ("utfall_intakter", "utfall_kostnader", "budget_intakter", "budget_kostnader",
                "arsbudget_netto", "prognos_netto")

amount = st.integers(min_value=0, max_value=2_000_000).map(lambda n: Decimal(n) / 10)  # up to 200 000,0 tkr


@st.composite
def true_rows(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    rows = []
    for i in range(n):
        r = {"utfall_intakter": draw(amount) / 4, "utfall_kostnader": -draw(amount),
             "budget_intakter": draw(amount) / 4, "budget_kostnader": -draw(amount),
             "arsbudget_netto": -draw(amount) * 2, "prognos_netto": -draw(amount) * 2,
             "bokslut_fg_ar": -draw(amount) * 2}
        r["utfall_netto"] = r["utfall_intakter"] + r["utfall_kostnader"]
        r["budget_netto"] = r["budget_intakter"] + r["budget_kostnader"]
        r["budgetavvikelse"] = r["utfall_netto"] - r["budget_netto"]
        r["prognosavvikelse"] = r["prognos_netto"] - r["arsbudget_netto"]
        rows.append(r)
    return rows


def printed(v: Decimal, unit: str) -> Decimal:
    if unit == "mnkr":
        return (v / 1000).quantize(TENTH, rounding=ROUND_HALF_UP)
    return v.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def printed_report(rows, unit: str, change: tuple[int, str, Decimal] | None = None) -> tuple[Path, str | None]:
    """Write the table as printed; ``change`` = (row, column, delta) alters one printed input."""
    keys = [k for k in EKONOMI_KEYS[1:]] + ["bokslut_fg_ar"]
    table = [{"verksamhet": f"Verksamhet {i + 1}", **{k: printed(r[k], unit) for k in keys}}
             for i, r in enumerate(rows)]
    if change is not None:
        i, k, delta = change
        table[i][k] += delta
    path = Path(tempfile.mkdtemp(prefix="bb-prop-")) / "rapport.xlsx"
    make_workbook(path, rows={"ekonomi": table}, header={**HEADER, "belopp_i": unit}, sections=["ekonomi"])
    sec = read_workbook(path).section("ekonomi")
    summa = sec.grand_total()
    type_over(path, {f"Ekonomi!{sec.cell_ref(summa, k)}": printed(sum(r[k] for r in rows), unit) for k in keys})
    changed = None
    if change is not None:
        changed = f"Ekonomi!{sec.cell_ref(sec.data_rows()[change[0]], change[1])}"
    return path, changed


units = st.sampled_from(["tkr", "mnkr"])


@settings(settings.get_profile(PROFILE))
@given(rows=true_rows(), unit=units)
def test_consistent_printed_report_has_no_error(rows, unit):
    path, _ = printed_report(rows, unit)
    assert errors(path) == []


@settings(settings.get_profile(PROFILE))
@given(rows=true_rows(), unit=units, data=st.data())
def test_one_wrong_input_is_one_root_finding_at_that_cell(rows, unit, data):
    i = data.draw(st.integers(min_value=0, max_value=len(rows) - 1), label="row")
    key = data.draw(st.sampled_from(IDENTIFIABLE), label="column")
    # More than twice any check's rounding (at most 6 rows + 1 half units in a Summa): the
    # printed figures may already be off by that much the other way (mnkr, 6 rows: Summa
    # −4,3 against rows adding to −4,1, and a change of −0,5 leaves the Summa within ±0,35).
    size = data.draw(st.integers(min_value=8, max_value=100_000), label="size")
    delta = Decimal(size) * (1 if unit == "tkr" else TENTH) * data.draw(st.sampled_from([1, -1]), label="sign")
    path, changed = printed_report(rows, unit, (i, key, delta))
    found = errors(path)
    assert [f.location.a1 for f in found] == [changed], [(f.code, f.location.a1, f.message) for f in found]
    assert found[0].code in ("SUM-001", "CALC-001", "SIGN-001", "SIGN-003")
    assert abs(found[0].difference - delta) <= (Decimal("0.5") if unit == "tkr" else Decimal("0.05")) * 8
