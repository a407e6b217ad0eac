"""The demo: deterministic data, correct units that pass, planted errors that are found."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from decimal import Decimal

import pytest

from budgetbook.catalogue import all_codes
from budgetbook.demo import (CONFIG_FILE, INBOX_DIR, MANADER, PLANTED, demo_config, demo_organisation,
                             demo_units, planted_found, split, write_demo)
from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.findings import Severity
from budgetbook.period import Period

PERIOD = Period(2022, 8)
TKR = re.compile(r"([−+]?\d{1,3}(?: \d{3})*) tkr")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo") / "out")


@pytest.fixture(scope="module")
def books(demo):
    return {kod: read_workbook(p) for kod, p in demo.workbooks.items()}


def _context():
    return Context(period=PERIOD, verksamheter=[v.namn for v in demo_organisation().verksamheter])


def _dump(book):
    return {key: [(r.excel_row, r.label, {k: (c.ref, c.value) for k, c in r.cells.items()}) for r in sec.rows]
            for key, sec in book.sections.items()}


def test_configuration_is_the_guides_format():
    data = tomllib.loads(demo_config())
    assert data["namnd"] == {"namn": "Socialnämnden", "ar": 2022, "belopp_i": "tkr"}
    verksamheter = [v["kod"] for v in data["verksamhet"]]
    assert [v["namn"] for v in data["verksamhet"]] == [
        "Barn och unga 0–20 år", "Vuxna 21–64 år", "Personer med funktionsnedsättning",
        "Gemensam socialtjänst", "Myndighet och huvudmannaskap", "Nämnd och nämndstöd"]
    enheter = data["enhet"]
    assert 8 <= len(enheter) <= 12
    assert len({e["kod"] for e in enheter}) == len(enheter)
    assert all(set(e) == {"kod", "namn", "kontakt", "verksamheter"} for e in enheter)
    reported = [k for e in enheter for k in e["verksamheter"]]
    assert set(reported) == set(verksamheter)  # every verksamhet has a unit, no unknown code
    assert any(len(e["verksamheter"]) == 2 for e in enheter)
    assert any(reported.count(k) > 1 for k in verksamheter)


def test_configuration_loads_with_the_config_module(demo):
    config = pytest.importorskip("budgetbook.config")
    cfg = config.load_config(demo.config)
    assert cfg.namnd == "Socialnämnden" and cfg.ar == 2022 and cfg.belopp_i == "tkr"
    assert [e.kod for e in cfg.enheter] == [e.kod for e in demo_organisation().enheter]
    assert cfg.enhet("1110").verksamheter == ["BOU", "MYN"]


def test_split_keeps_the_total_and_the_sign():
    assert split(-1000, (0.5, 0.3, 0.2)) == [-500, -300, -200]
    parts = split(-1001, (1, 1, 1))
    assert sum(parts) == -1001 and all(p <= 0 for p in parts)
    assert split(7, (0, 0)) == [7, 0]


def test_same_seed_gives_the_same_data_and_another_seed_other_data(tmp_path, books):
    again = write_demo(tmp_path / "again")
    for kod, path in again.workbooks.items():
        assert _dump(read_workbook(path)) == _dump(books[kod]), kod
    other = demo_units(seed=7)
    assert [u.rows["ekonomi"] for u in other] != [u.rows["ekonomi"] for u in demo_units()]


def test_amounts_are_of_the_reference_reports_order(demo):
    totals = defaultdict(lambda: defaultdict(int))
    for u in demo.units:
        for r in u.rows["ekonomi"]:
            for k, v in r.items():
                if k != "verksamhet":
                    totals[r["verksamhet"]][k] += v
    funk = totals["Personer med funktionsnedsättning"]
    assert -400_000 < funk["utfall_intakter"] + funk["utfall_kostnader"] < -340_000
    ack = sum(t["utfall_intakter"] + t["utfall_kostnader"] for t in totals.values())
    ar = sum(t["arsbudget_netto"] for t in totals.values())
    assert -650_000 < ack < -570_000 and -1_000_000 < ar < -920_000


def test_the_data_is_internally_consistent():
    """The generator's own arithmetic (the validators check the written workbooks below)."""
    for u in demo_units():
        if u.planted is not None:
            continue
        eko = u.rows["ekonomi"]
        kost = u.fixed["kostnadsslag"]
        for col, (ink, kst) in {"utfall": ("utfall_intakter", "utfall_kostnader"),
                                "budget": ("budget_intakter", "budget_kostnader")}.items():
            assert sum(r[col] for r in kost.values()) == sum(r[ink] + r[kst] for r in eko)
        assert sum(r["arsbudget"] for r in kost.values()) == sum(r["arsbudget_netto"] for r in eko)
        assert sum(r["prognos"] for r in kost.values()) == sum(r["prognos_netto"] for r in eko)
        for r in eko:
            orsaker = [o["belopp"] for o in u.rows["prognosorsaker"] if o["verksamhet"] == r["verksamhet"]]
            assert sum(orsaker) == r["prognos_netto"] - r["arsbudget_netto"]
            assert r["utfall_intakter"] >= 0 and r["utfall_kostnader"] <= 0
        for s in u.rows["statistik"]:
            if s["ar"] == PERIOD.year:
                assert not set(s) & set(MANADER[PERIOD.month:])
        for s in u.rows["sjukfranvaro"]:
            assert s["total"] == s["kort"] + s["lang"]
        assert [k["verksamhet"] for k in u.rows["kommentarer"]] == [r["verksamhet"] for r in eko]
        for k, r in zip(u.rows["kommentarer"], eko):
            utfall, budget = r["utfall_intakter"] + r["utfall_kostnader"], r["budget_intakter"] + r["budget_kostnader"]
            table = {utfall, budget, utfall - budget, r["prognos_netto"],
                     r["prognos_netto"] - r["arsbudget_netto"]}
            quoted = [int(q.replace(" ", "").replace("−", "-")) for q in TKR.findall(k["kommentar"])]
            assert len(quoted) == 5 and set(quoted) <= table, (k["kommentar"], table)


def test_files_written(demo):
    assert (demo.root / CONFIG_FILE).is_file()
    missing = {k for k, kind in PLANTED.items() if kind == "saknas"}
    assert set(demo.workbooks) == {e.kod for e in demo_organisation().enheter} - missing
    assert all(p.parent == demo.root / INBOX_DIR for p in demo.workbooks.values())
    assert len(demo.correct) > len(demo.workbooks) / 2  # most workbooks are correct


def test_correct_units_have_no_errors(demo, books):
    for kod in demo.correct:
        found = validate(books[kod], _context())
        assert [(f.code, f.location.a1) for f in found if f.severity is Severity.FEL] == [], kod
        # Nor any warning: a correct demo unit is a clean example.
        assert [(f.code, f.location.a1, f.message) for f in found] == [], kod
        # The reader itself finds nothing at all in a unit made by the template code.
        assert [f.code for f in books[kod].findings] == [], kod


def _cell(book, a1):
    sheet, _, ref = a1.partition("!")
    for sec in book.sections.values():
        if sec.sheet == sheet:
            for row in sec.rows:
                for c in row.cells.values():
                    if c.ref == ref:
                        return row, c
    raise AssertionError(a1)


def test_each_planted_error_is_in_its_workbook_and_found(demo, books):
    planted = {p.enhet: p for p in demo.planted}
    assert set(planted) == set(PLANTED)
    for kod, p in planted.items():
        if p.kind == "saknas":
            assert kod not in demo.workbooks
            continue
        book = books[kod]
        found = validate(book, _context())
        assert p.code in all_codes()
        assert planted_found(p, found), (kod, p.code, [(f.code, f.location.a1) for f in found])
        # Whatever the validators, the error itself must be in the file as described.
        if p.kind == "summa":
            row, cell = _cell(book, p.cell)
            eko = book.section("ekonomi")
            assert not cell.formula and "IN-011" in {f.code for f in book.findings}
            assert cell.value != sum(r.number("utfall_kostnader") for r in eko.data_rows())
        elif p.kind == "tecken":
            row, cell = _cell(book, p.cell)
            assert row.code == "lokalkostnader" and cell.value > 0
        elif p.kind == "huvudbok":
            kost = book.section("kostnadsslag")
            assert kost.row("personalkostnader").number("utfall") > 0
            assert kost.row("bidrag").number("utfall") < 0
        elif p.kind == "manad":
            row, cell = _cell(book, p.cell)
            assert row.number("ar") == PERIOD.year and cell.value is not None
        elif p.kind == "prognosorsaker":
            eko = {r.label: r for r in book.section("ekonomi").data_rows()}
            sums = defaultdict(Decimal)
            for r in book.section("prognosorsaker").data_rows():
                sums[r.label] += r.number("belopp")
            assert any(eko[v].number("prognosavvikelse") != s for v, s in sums.items())


def test_demo_command_runs_end_to_end(tmp_path):
    from typer.testing import CliRunner

    from budgetbook.cli import app

    out = tmp_path / "demo-out"
    result = CliRunner().invoke(app, ["demo", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / CONFIG_FILE).is_file()
    assert len(list((out / INBOX_DIR).glob("*.xlsx"))) == 11
    assert "Validering" in result.output and "Öppna sedan" in result.output
    # The units with findings, as the Validera button leaves them; the inbox is not touched by it.
    validated = {p.name[:4] for p in (out / "validerad").glob("*.xlsx")}
    assert validated == set(PLANTED) - {"1230"}  # every unit with a planted error, the missing one aside
    assert (out / "socialnamnden-2022-08.xlsx").is_file()  # the consolidated nämnd workbook
    assert "Demon gick som avsett" in result.output
    again = CliRunner().invoke(app, ["demo", str(out)])  # a rerun replaces its own demo
    assert again.exit_code == 0, again.output


def test_demo_refuses_a_folder_with_other_files(tmp_path):
    from typer.testing import CliRunner

    from budgetbook.cli import app

    (tmp_path / "mitt.xlsx").write_bytes(b"user data")
    result = CliRunner().invoke(app, ["demo", str(tmp_path)])
    assert result.exit_code == 2
    assert (tmp_path / "mitt.xlsx").read_bytes() == b"user data"
    assert not (tmp_path / CONFIG_FILE).exists()



def test_demo_fails_when_a_planted_error_is_missed_or_a_step_crashes(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import budgetbook.demo as demo_module
    from budgetbook.cli import app

    # Expect the wrong Summa under a code validation does not report for it (merged cells),
    # and let the consolidation crash: both are said, and the run ends with 1, no traceback.
    monkeypatch.setitem(demo_module.PLANTED_CODES, "summa", "READ-030")

    def crash(**kwargs):
        raise RuntimeError("disken är full")

    monkeypatch.setattr("budgetbook.commands.consolidate.run", crash)
    result = CliRunner().invoke(app, ["demo", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "hittades inte" in result.output and "READ-030" in result.output
    assert "disken är full" in result.output


def test_correct_units_arrive_validated_with_their_seal(demo):
    import openpyxl

    from budgetbook.seal import seal

    for kod, path in demo.workbooks.items():
        wb = openpyxl.load_workbook(path)
        sheet, ref = next(iter(wb.defined_names["valideringssigill"].destinations))
        stored = wb[sheet][ref.replace("$", "")].value
        if kod in demo.correct:
            assert "Kontroll" in wb.sheetnames and stored == seal(read_workbook(path)), (kod, stored)
        else:  # the units with an error did not press Validera
            assert "Kontroll" not in wb.sheetnames and not stored, kod
