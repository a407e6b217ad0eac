"""The batched array checks against a straightforward reference, on random workbooks.

The arithmetic and sign rules test every section of every book at once as float arrays (the
arithmetic through one lazy pandera validation per section) and evaluate exactly (Decimal)
only what the arrays flag. Here the reference runs the exact
evaluation on every row, check and total of each book on its own, as the rules did before
batching; both must give the same violations, in the same order. The random workbooks are
near-consistent reports whose typed-over totals and computed cells are off by amounts at
and around the rounding tolerance (where a float comparison could tip either way), with
flipped signs, whole books in ledger convention, blanks and both units. Examples: 25 by default; BUDGETBOOK_HYPOTHESIS=long
runs 300.
"""

import os
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetbook.engine import Context, validate, validate_many
from budgetbook.excel import read_workbook
from budgetbook.rules.arithmetic import arithmetic
from budgetbook.rules.equations import row_checks, row_violations, sum_violation
from budgetbook.rules.schema import section_schema, suspects
from budgetbook.rules.signs import Evidence, _ledger_findings, _violation, is_ledger, signs
from budgetbook.rules.tables import required_sign, scopes_by_section, section_tables, sign_rules
from budgetbook.spec import SPEC, Sign

from .helpers import HEADER, make_workbook

settings.register_profile("batched-ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("batched-long", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = "batched-long" if os.environ.get("BUDGETBOOK_HYPOTHESIS") == "long" else "batched-ci"
SECTIONS = ["ekonomi", "kostnadsslag", "investeringar", "atgardsplan", "indikatorer", "statsbidrag",
            "sjukfranvaro"]
D = Decimal


# --- the reference: every check evaluated exactly, one book at a time ----------------------

def reference_arithmetic(book, context) -> list:
    out = []
    for section, [(_, scope)] in scopes_by_section([book], context.settings):
        for row in scope.data.rows:
            if row.empty:
                continue
            for check in sorted(row_checks(section), key=lambda c: c.name):
                out.append(row_violations(scope, row, check))
        for total in scope.data.total_rows():
            for col in section.columns:
                out.append(sum_violation(scope, total, col))
    return [v for v in out if v is not None]


def _signed_count(scope, rules) -> int:
    n = 0
    for row in scope.data.rows:
        for rule in rules:
            cell = row.cells.get(rule.column)
            if required_sign(rule, row) is not None and cell is not None and cell.number:
                n += 1
    return n


def reference_signs(book, context) -> list:
    evidence, cells = {}, {}
    for section, [(_, scope)] in scopes_by_section([book], context.settings):
        rules = sign_rules(section)
        if not rules:
            continue
        ev = evidence[section.key] = Evidence(signed=_signed_count(scope, rules))
        found = cells[section.key] = []
        for row in scope.data.rows:
            if row.empty:
                continue
            for rule in sorted(rules, key=lambda r: r.name):
                sign, n = required_sign(rule, row), row.number(rule.column)
                if sign is None or n is None or (n >= 0 if sign is Sign.POSITIVE else n <= 0):
                    continue
                if sign is Sign.POSITIVE:
                    ev.intakter_negative += 1
                else:
                    ev.kostnader_positive += 1
                found.append(_violation(scope, row, rule, sign))
    ledger = [k for k, ev in evidence.items() if is_ledger(ev, context.settings)]
    out = [v for k, vs in cells.items() if k not in ledger for v in vs]
    return out + _ledger_findings(book, ledger, evidence, context.settings)


# --- random near-consistent workbooks ------------------------------------------------------

# Off by nothing, by exactly a rounding tolerance (½ unit, per term), or by a little more.
DELTAS = [D(0)] * 8 + [D(n) / 2 for n in range(-9, 10) if n] + [D(7), D(-12)]


@st.composite
def amount(draw, mnkr: bool, sign: int = 0) -> Decimal:
    v = D(draw(st.integers(min_value=0, max_value=500_000)))
    if mnkr:
        v = v / 10
    if sign == 0:
        sign = draw(st.sampled_from([1, -1]))
    elif draw(st.integers(0, 9)) == 0:  # now and then the wrong sign
        sign = -sign
    return sign * v


@st.composite
def off(draw, exact: Decimal, mnkr: bool) -> Decimal:
    delta = draw(st.sampled_from(DELTAS))
    return exact + (delta / 10 if mnkr else delta)


@st.composite
def maybe_typed(draw, row: dict, key: str, exact: Decimal, mnkr: bool) -> None:
    """Leave the template's formula (often), or type a value near what it computes."""
    if draw(st.integers(0, 2)) == 0:
        row[key] = draw(off(exact, mnkr))


@st.composite
def ekonomi(draw, mnkr: bool):
    rows = []
    for i in range(draw(st.integers(0, 4))):
        r = {"verksamhet": f"Verksamhet {i}"}
        for key, sign in (("utfall_intakter", 1), ("utfall_kostnader", -1), ("budget_intakter", 1),
                          ("budget_kostnader", -1), ("arsbudget_netto", 0), ("prognos_netto", 0),
                          ("bokslut_fg_ar", 0)):
            if draw(st.integers(0, 7)):
                r[key] = draw(amount(mnkr, sign))
        n = lambda k: r.get(k, D(0))  # noqa: E731
        draw(maybe_typed(r, "utfall_netto", n("utfall_intakter") + n("utfall_kostnader"), mnkr))
        draw(maybe_typed(r, "budget_netto", n("budget_intakter") + n("budget_kostnader"), mnkr))
        draw(maybe_typed(r, "budgetavvikelse", n("utfall_netto") - n("budget_netto"), mnkr))
        draw(maybe_typed(r, "prognosavvikelse", n("prognos_netto") - n("arsbudget_netto"), mnkr))
        rows.append(r)
    summa: dict = {}
    for key in ("utfall_intakter", "utfall_netto", "budget_kostnader", "prognos_netto", "budgetavvikelse"):
        if rows and draw(st.integers(0, 3)) == 0:
            summa[key] = draw(off(sum((r.get(key, D(0)) for r in rows), D(0)), mnkr))
    return rows, summa


@st.composite
def kostnadsslag(draw, mnkr: bool):
    fixed = {}
    for code, sign in (("forsaljning", 1), ("bidrag", 1), ("personalkostnader", -1), ("lokalkostnader", -1)):
        if draw(st.booleans()):
            fixed[code] = {k: draw(amount(mnkr, sign)) for k in ("utfall", "budget", "prognos")}
    for total, items in (("verksamhetens_intakter", ("forsaljning", "bidrag")),
                         ("verksamhetens_kostnader", ("personalkostnader", "lokalkostnader")),
                         ("nettoresultat", ("verksamhetens_intakter", "verksamhetens_kostnader"))):
        for key in ("utfall", "budget"):
            if fixed and draw(st.integers(0, 2)) == 0:
                fixed.setdefault(total, {})[key] = draw(off(sum((fixed.get(c, {}).get(key, D(0)) for c in items),
                                                                D(0)), mnkr))
    return fixed


@st.composite
def free_amounts(draw, keys: tuple[tuple[str, int], ...], label: str, mnkr: bool):
    rows = []
    for i in range(draw(st.integers(0, 3))):
        r = {label: f"Rad {i}"}
        for key, sign in keys:
            if draw(st.integers(0, 5)):
                r[key] = draw(amount(mnkr, sign))
        rows.append(r)
    return rows


PERCENTS = [D(x) for x in ("0", "0.01", "0.044", "0.05", "0.1", "0.125", "0.5", "0.63", "1")]


@st.composite
def sjukfranvaro(draw):
    rows = []
    for i in range(draw(st.integers(0, 3))):
        kort, lang = draw(st.sampled_from(PERCENTS)), draw(st.sampled_from(PERCENTS))
        total = kort + lang + draw(st.sampled_from([D(0), D(0), D("0.005"), D("0.01"), D("-0.02")]))
        r = {"ansvar": f"A{i}", "benamning": f"Ansvar {i}", "total": total, "kort": kort, "lang": lang}
        if draw(st.booleans()) and total:
            r["lang_andel"] = (lang / total).quantize(D("0.001")) + draw(st.sampled_from([D(0), D("0.01")]))
        rows.append(r)
    return rows


@st.composite
def indikatorer(draw):
    rows = []
    for i in range(draw(st.integers(0, 3))):
        utfall = draw(st.sampled_from([D(12), D("0.76"), D("3.5"), D(0), D(250)]))
        mal = draw(st.sampled_from([D(10), D("0.8"), D(4), D(0), D(300)]))
        r = {"indikator": f"Indikator {i}", "utfall": utfall, "mal": mal}
        if draw(st.booleans()) and mal:
            r["maluppfyllelse"] = (utfall / mal).quantize(D("0.01")) + draw(st.sampled_from([D(0), D("0.02")]))
        rows.append(r)
    return rows


@st.composite
def workbook(draw):
    mnkr = draw(st.booleans())
    rows, summa = draw(ekonomi(mnkr))
    content = {
        "rows": {
            "ekonomi": rows,
            "investeringar": draw(free_amounts((("inkomster", 1), ("utgifter", -1), ("projektbudget", 0)),
                                               "projekt", mnkr)),
            "atgardsplan": draw(free_amounts((("belopp", 1), ("utfall", 0)), "atgard", mnkr)),
            "statsbidrag": draw(free_amounts((("sokt", 1), ("erhallet", 1)), "bidrag", mnkr)),
            "indikatorer": draw(indikatorer()),
            "sjukfranvaro": draw(sjukfranvaro()),
        },
        "fixed": {"kostnadsslag": draw(kostnadsslag(mnkr))},
        "totals": {"ekonomi": {"summa": summa}} if summa else {},
        "header": {**HEADER, "belopp_i": "mnkr" if mnkr else "tkr"},
    }
    if draw(st.integers(0, 3)) == 0:  # entered in ledger convention (SIGN-002): every amount negated
        for values in [*content["rows"]["ekonomi"], *content["rows"]["investeringar"],
                       *content["rows"]["atgardsplan"], *content["rows"]["statsbidrag"],
                       *content["fixed"]["kostnadsslag"].values(), summa]:
            values.update({k: -v for k, v in values.items() if isinstance(v, Decimal)})
    return content


def _books(contents: list[dict]):
    with tempfile.TemporaryDirectory() as tmp:
        return [read_workbook(make_workbook(Path(tmp) / f"unit{i}.xlsx", sections=SECTIONS, **c)[0])
                for i, c in enumerate(contents)]


@settings(settings.get_profile(PROFILE))
@given(st.lists(workbook(), min_size=1, max_size=3))
def test_batched_checks_equal_the_exact_reference(contents):
    books = _books(contents)
    context = Context()
    assert_uncertainties_mirror_the_exact_ones(books, context)
    assert_failure_cases_are_the_failing_rows(books, context)
    assert arithmetic(books, context) == [reference_arithmetic(b, context) for b in books]
    assert signs(books, context) == [reference_signs(b, context) for b in books]
    assert validate_many(books, context) == [validate(b, context) for b in books]


def assert_uncertainties_mirror_the_exact_ones(books, context):
    """The float tolerances the arrays use are ``Scope.uncertainty``, cell by cell."""
    for section, table in section_tables(books, context):
        for key in (c.key for c in section.columns if c.kind.numeric):
            q = table.q(key)
            for i, (_, scope, row) in enumerate(table.where):
                exact = float(scope.uncertainty(row, key))
                assert abs(q[i] - exact) <= 1e-12 * (1 + exact), (section.key, row.excel_row, key, q[i], exact)


def assert_failure_cases_are_the_failing_rows(books, context):
    """What ``suspects`` reads from pandera's failure cases is exactly where a check is False."""
    for section, table in section_tables(books, context):
        schema = section_schema(section)
        frame = schema.frame(table)
        failing = sorted((int(i), check.name) for check in schema.schema.checks
                         for i in frame.index[~check._check_fn(frame).to_numpy()])
        rows, sums = suspects(table)
        assert sorted([(i, c.name) for i, c in rows] + [(i, f"sum:{c.key}") for i, c in sums]) == failing


def test_each_section_schema_is_the_spec_s_arithmetic_built_once():
    for section in SPEC.sections:
        schema = section_schema(section)
        assert section_schema(section) is schema  # cached, not rebuilt per validation
        names = [c.name for c in schema.schema.checks]
        assert names == (sorted(c.name for c in row_checks(section))
                         + [f"sum:{c.key}" for c in section.columns if c.total == "sum"])
        assert not any(c.element_wise for c in schema.schema.checks)


def test_pandera_flags_a_wrong_total_and_a_wrong_netto_in_one_call():
    import pandera.pandas as pa
    import pytest

    rows = [{"verksamhet": "A", "utfall_intakter": D(10), "utfall_kostnader": D(-20), "utfall_netto": D(-10)},
            {"verksamhet": "B", "utfall_intakter": D(5), "utfall_kostnader": D(-5), "utfall_netto": D(3)}]
    books = _books([{"rows": {"ekonomi": rows[:1]}},
                    {"rows": {"ekonomi": rows}, "totals": {"ekonomi": {"summa": {"utfall_intakter": D(20)}}}}])
    context = Context()
    [(section, table)] = [(s, t) for s, t in section_tables(books, context) if s.key == "ekonomi"]
    schema = section_schema(section)
    with pytest.raises(pa.errors.SchemaErrors) as failed:
        schema.schema.validate(schema.frame(table), lazy=True)
    flagged = {(int(i), c) for i, c in zip(failed.value.failure_cases["index"], failed.value.failure_cases["check"])}
    at = {(b, r.label): i for i, (b, _, r) in enumerate(table.where)}
    summa = next(i for i, (b, _, r) in enumerate(table.where) if b == 1 and r.is_total)
    # B's netto 3 is not 5 − 5 (±1,5); the typed Summa 20 is not 10 + 5 (±1). The Summa's
    # own netto (−7 from its formula) is within the rounding of 20 − 25 (±3): not flagged.
    assert flagged == {(at[1, "B"], "calc:utfall_netto"), (summa, "sum:utfall_intakter")}
    found = arithmetic(books, context)
    assert found == [reference_arithmetic(b, context) for b in books]
    assert [(v.code, v.target.location.a1) for v in found[1]] == [("CALC-001", "Ekonomi!D6"),
                                                                  ("SUM-001", "Ekonomi!B13")]


def test_exact_where_floats_could_tip():
    """Cells off by exactly the tolerance hold and a hair more breaks, as the exact check says."""
    mnkr = {**HEADER, "belopp_i": "mnkr"}
    rows = [{"verksamhet": "A", "utfall_intakter": D(10), "utfall_kostnader": D(-20), "utfall_netto": D("-8.5"),
             "budget_intakter": D(5), "budget_kostnader": D(-5), "budget_netto": D(2)}]
    books = _books([
        {"rows": {"ekonomi": rows}, "totals": {"ekonomi": {"summa": {"utfall_intakter": D(11)}}}},
        {"rows": {"ekonomi": [{**r, "utfall_netto": D("-10.15")} for r in rows],
                  "sjukfranvaro": [{"ansvar": "1", "benamning": "B", "total": D("0.1"), "kort": D("0.05"),
                                    "lang": D("0.06")}, {"ansvar": "2", "benamning": "C", "total": D("0.1"),
                                                         "kort": D("0.05"), "lang": D("0.07")}]},
         "header": mnkr},
    ])
    context = Context()
    found = arithmetic(books, context)
    assert found == [reference_arithmetic(b, context) for b in books]
    # tkr: utfall netto −8,5 against −10 is exactly its ±1,5 (three typed terms × 0,5); budget
    # netto 2 against 0 is beyond, also on the Summa row; Summa 11 against 10 is exactly ±1.
    assert [(v.code, v.target.location.a1) for v in found[0]] == [("CALC-001", "Ekonomi!G5"),
                                                                  ("CALC-001", "Ekonomi!G13")]
    # mnkr: −10,15 against −10 is exactly 3 × 0,05. Sjukfrånvaro 0,1 against 0,05 + 0,06 is
    # within 3 × 0,005 (whole percent printed); against 0,05 + 0,07 it is not.
    assert [(v.code, v.target.location.a1) for v in found[1]] == [
        ("CALC-001", "Ekonomi!G5"), ("CALC-001", "Ekonomi!G13"), ("CALC-001", "Sjukfrånvaro!C6")]


def test_numbers_a_float_cannot_hold_go_to_the_exact_check():
    """Text such as "0,000…1" is read as an exact Decimal that a float holds as 0: the
    arrays cannot judge it, so the exact check does (here: 1e-401 ≠ 3e-401 + 1e-401)."""
    tiny = "0," + "0" * 400
    books = _books([{"rows": {
        "sjukfranvaro": [{"ansvar": "1", "benamning": "B", "total": tiny + "1", "kort": tiny + "3",
                          "lang": tiny + "1"}],
        "indikatorer": [{"indikator": "X", "utfall": D(1), "mal": tiny + "1"}],
        "statsbidrag": [{"bidrag": "A", "sokt": tiny + "1"}, {"bidrag": "B", "sokt": "-" + tiny + "1"}],
    }}])
    context = Context()
    found = arithmetic(books, context)
    assert found == [reference_arithmetic(b, context) for b in books]
    assert [(v.code, v.target.location.a1) for v in found[0]] == [("CALC-001", "Sjukfrånvaro!C5")]
    assert [(v.code, v.target.location.a1) for v in signs(books, context)[0]] == [("SIGN-001", "Statsbidrag!B6")]
