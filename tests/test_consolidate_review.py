"""Consolidation, second round: defects a reviewer found, each pinned by a test."""

from __future__ import annotations

import io

import openpyxl
from rich.console import Console

from budgetbook.commands import consolidate as cmd
from budgetbook.commands import history as history_cmd
from budgetbook.config import CONFIG_NAME
from budgetbook.excel import read_workbook

from .test_consolidate import (CONFIG, NAMES, UNITS, VUX, consolidate, full_inbox, office,  # noqa: F401
                               status_block, status_rows, write_unit)


def console(width: int = 80) -> Console:
    return Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)


def text_of(c: Console) -> str:
    return c.file.getvalue()


# --- 1: the nämnd's self-check is about the nämnd, and the summary counts honestly -----------

KOMMENTAR_1002 = ("Periodens utfall är −6 000 tkr mot en budget på −6 000 tkr. Prognosen för helåret är "
                  "−8 950 tkr, en prognosavvikelse på +50 tkr.")


def test_unit_prose_is_not_checked_against_namnd_sums(office):
    tmp, inbox = office
    full_inbox(inbox)
    # 1002 quotes its own figures: right in its workbook, never equal to the nämnd's VUX sums
    write_unit(inbox / "1002.xlsx", "1002", kommentarer=[dict(verksamhet=VUX, kommentar=KOMMENTAR_1002)])
    from budgetbook.engine import validate
    assert not [f for f in validate(read_workbook(inbox / "1002.xlsx")) if f.code.startswith("TEXT-")]
    out_console = console(200)
    rc, out = consolidate(tmp, inbox, console=out_console)
    assert rc == 0
    checks = status_block(out, "Kontroll av nämndens arbetsbok")
    assert checks[0][0].startswith("Inga avvikelser"), checks
    assert not [r for r in checks if str(r[0]).startswith("TEXT-")]
    assert "alla kontroller håller" in text_of(out_console)
    # the unit's kommentar is in the nämnd workbook, prefixed with the unit
    ws = openpyxl.load_workbook(out)["Kommentarer"]
    assert any(c.value == "Vuxenenheten: " + KOMMENTAR_1002 for row in ws.iter_rows() for c in row)


def test_summary_counts_namnd_warnings_instead_of_saying_all_hold(office):
    from budgetbook.findings import Location, make_finding

    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox, console=console())
    from budgetbook.consolidate import consolidate as build
    from budgetbook.config import load_config
    from budgetbook.period import Period
    result = build(load_config(tmp / CONFIG_NAME), Period(2022, 8), [])
    warning = make_finding(_a_warning_code(), Location(sheet="Ekonomi", cell="C5"))
    c = console(80)
    for line in cmd.summary(result, [warning], False, [], out, tmp / "h.sqlite", c.width):
        c.print(line)
    text = text_of(c)
    assert "alla kontroller håller" not in text
    assert "inga fel, 1 varningar" in text


def _codes():
    from budgetbook.catalogue import all_codes
    return all_codes()


def _a_warning_code():
    return next(c for c in _codes().values() if c.severity.value == "varning")


# --- 2: user text is never rich markup ---------------------------------------------------------

def test_bracketed_file_names_and_config_errors_are_printed_whole(office, capsys):
    tmp, inbox = office
    full_inbox(inbox)
    (inbox / "1003.xlsx").rename(inbox / "1003 [v2].xlsx")
    (inbox / "[anteckning].txt").write_text("x", encoding="utf-8")
    c = console(200)
    rc, out = consolidate(tmp, inbox, console=c)
    assert rc == 0
    text = text_of(c)
    assert "1003 [v2].xlsx" in text and "[anteckning].txt" in text

    bad = CONFIG.replace('namn = "Vuxenenheten"', 'namn = "Vuxenenheten"\nfarg = "blå"')
    (tmp / "bad.toml").write_text(bad, encoding="utf-8")
    capsys.readouterr()
    assert cmd.run(inbox=inbox, period="2022-08", output=tmp / "x.xlsx", config=tmp / "bad.toml",
                   include_failing=False, jobs=1, history=None) == 2
    err = capsys.readouterr().err
    assert "[[enhet]] nr 2" in err, err
    assert history_cmd.run(enhet="1002", config=tmp / "bad.toml", history=None) == 2
    assert "[[enhet]] nr 2" in capsys.readouterr().err


# --- 7: history of a code the configuration does not know ---------------------------------------

def test_history_of_an_unknown_unit_code_is_a_usage_error(office, capsys):
    tmp, inbox = office
    full_inbox(inbox)
    consolidate(tmp, inbox)
    capsys.readouterr()
    assert history_cmd.run(enhet="9999", config=tmp / CONFIG_NAME, history=None) == 2
    err = capsys.readouterr().err
    assert "9999" in err and "finns inte i konfigurationen" in err
    assert history_cmd.run(enhet="1002", config=tmp / CONFIG_NAME, history=None) == 0


# --- 8: the console tables read at 80 columns -----------------------------------------------------

def test_summary_and_history_tables_fit_80_columns(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, "etthundra", -3150, 150, -3150, -4500, -4480)])
    (inbox / "en mycket lång filnamnsbeskrivning av något som inte hör hemma här.txt").write_text("x")
    c = console(80)
    rc, out = consolidate(tmp, inbox, console=c)
    lines = text_of(c).splitlines()
    assert all(len(ln) <= 80 for ln in lines)
    header = next(ln for ln in lines if "Enhet" in ln and "Status" in ln)
    for word in ("Enhet", "Namn", "Status", "Fel", "Varn.", "Anmärkning"):
        assert word in header, header
    # one line per unit: nothing wraps a few letters a line
    for kod in UNITS:
        assert len([ln for ln in lines if f"│ {kod} " in ln]) == 1, kod
    stray = [ln for ln in lines if "KONS-004" in ln]
    assert len(stray) == 1 and "…" in stray[0]

    h = console(80)
    assert history_cmd.run(enhet="1003", config=tmp / CONFIG_NAME, history=None, console=h) == 0
    lines = text_of(h).splitlines()
    assert all(len(ln) <= 80 for ln in lines)
    header = next(ln for ln in lines if "Period" in ln)
    for word in ("Period", "Konsoliderad", "Fil", "Resultat", "Fel", "Varn.", "Sigill"):
        assert word in header, header
    assert len([ln for ln in lines if "2022-08" in ln]) == 1
