import json
import subprocess
import sys

from budgetbook.spec import SPEC, Linear, Ratio, spec_as_dict


def test_ekonomi_columns_are_exactly_the_published_keys():
    assert SPEC.section("ekonomi").column_keys == (
        "verksamhet", "utfall_intakter", "utfall_kostnader", "utfall_netto", "budget_intakter",
        "budget_kostnader", "budget_netto", "budgetavvikelse", "arsbudget_netto", "prognos_netto",
        "prognosavvikelse", "bokslut_fg_ar")


def test_every_required_section_is_declared():
    assert set(SPEC.section_keys) >= {
        "ekonomi", "kostnadsslag", "prognosorsaker", "investeringar", "atgardsplan", "statistik",
        "indikatorer", "statsbidrag", "sjukfranvaro", "kommentarer"}


def test_spec_is_consistent():
    tables = [s.table for s in SPEC.sections]
    sheets = [s.sheet for s in SPEC.sections]
    assert len(set(t.lower() for t in tables)) == len(tables)
    assert len(set(sheets)) == len(sheets)
    for s in SPEC.sections:
        keys = s.column_keys
        assert len(set(keys)) == len(keys)
        assert len({c.header.casefold() for c in s.columns}) == len(keys), s.key
        assert s.label_column in keys
        for c in s.computed_columns:
            assert all(k in keys for k in c.formula.inputs), (s.key, c.key)
            # a computed column only uses columns declared before it (evaluation order)
            assert all(keys.index(k) < keys.index(c.key) for k in c.formula.inputs)
        codes = {r.code for r in s.fixed_rows}
        for r in s.fixed_rows:
            assert set(r.items) <= codes
        assert not any(name.lower().endswith(".py") for name in sheets)


def test_spec_json_via_cli_has_the_documented_shape():
    out = subprocess.run([sys.executable, "-m", "budgetbook", "spec", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    assert d == spec_as_dict(SPEC)
    assert [f["key"] for f in d["header"]][:7] == [
        "namnd", "enhet_kod", "enhet_namn", "ar", "manad", "rapporttyp", "belopp_i"]
    eko = next(s for s in d["sections"] if s["key"] == "ekonomi")
    assert eko["table"] == "Ekonomi" and eko["sheet"] == "Ekonomi" and eko["total_row"] == "Summa"
    netto = next(c for c in eko["columns"] if c["key"] == "utfall_netto")
    assert netto["computed"] is True and netto["input"] is False
    assert netto["formula"] == {"type": "sum", "terms": [
        {"column": "utfall_intakter", "weight": 1}, {"column": "utfall_kostnader", "weight": 1}]}
    ks = next(s for s in d["sections"] if s["key"] == "kostnadsslag")
    assert ks["total_row"] == "Nettoresultat"
    assert [r["label"] for r in ks["rows"]].count("Bidrag") == 1


def test_formulas_are_linear_or_ratio():
    for s in SPEC.sections:
        for c in s.computed_columns:
            assert isinstance(c.formula, (Linear, Ratio))
