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
    for line in cmd.summary(result, [warning], [], out, tmp / "h.sqlite", c.width):
        c.print(line)
    text = text_of(c)
    assert "alla kontroller håller" not in text
    assert "inga fel, 1 varning" in text


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


# --- 4: the previous OUT is kept ---------------------------------------------------------------

def test_a_second_run_keeps_the_previous_output_as_a_backup(office):
    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    first = out.read_bytes()
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, 150, -3150, 150, -3150, -4500, -4400)])
    c = console(200)
    rc, out = consolidate(tmp, inbox, console=c)
    backups = sorted(tmp.glob("namnd.före-konsolidering-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == first
    assert out.read_bytes() != first
    assert str(backups[0]) in text_of(c).replace("\n", "")
    consolidate(tmp, inbox)  # a third run in the same second never overwrites the first backup
    assert len(list(tmp.glob("namnd.före-konsolidering-*.xlsx"))) == 2
    assert backups[0].read_bytes() == first


# --- 3: förändring mot föregående prognos compares the same units --------------------------------

def test_prognos_change_compares_only_units_in_both_periods(office):
    import datetime as dt

    from budgetbook.excel.namnd_writer import PROGNOS_SHEET
    from .test_consolidate import BOU, MYN

    tmp, inbox = office
    july = tmp / "juli"
    july.mkdir()
    for kod in ("1001", "1002"):  # 1003 has not reported in July
        write_unit(july / f"{kod}.xlsx", kod, period=(2022, 7), datum=dt.date(2022, 8, 5))
    consolidate(tmp, july, period="2022-07", out="juli.xlsx")
    # August: 1001 is missing, 1003 is new; 1002 improves its VUX prognos by 50
    write_unit(inbox / "1002.xlsx", "1002", rows=[(VUX, 300, -6300, 300, -6300, -9000, -8900), UNITS["1002"][1]])
    write_unit(inbox / "1003.xlsx", "1003")
    rc, out = consolidate(tmp, inbox)
    ws = openpyxl.load_workbook(out)[PROGNOS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    table = {r[0]: r for r in rows[4:] if r[0] in ("BOU", "VUX", "MYN")}
    assert table["VUX"][3] == -8950 and table["VUX"][4] == -8900  # 1002 then and now, not 1003's −4 480
    assert table["MYN"][3] == -2250 and table["MYN"][4] == -2250  # 1002 only: 1001 has left
    assert table["BOU"][3] is None and table["BOU"][4] is None  # only 1001 reported on BOU
    text = " ".join(str(r[0]) for r in rows if r[0])
    assert "1003 Boendeenheten" in text and "1001 Barn och familjeenheten" in text
    assert "Ingår nu men inte 2022-07" in text and "Ingick 2022-07 men inte nu" in text
    from budgetbook.excel import read_workbook as rw
    assert rw(out).sections["ekonomi"].rows[1].number("prognos_netto") == -8900 - 4480  # the nämnd: everyone


# --- 9: units are validated in batches, with the same results as one at a time ---------------------

def test_units_are_validated_in_bounded_batches_with_one_by_one_results(office, monkeypatch):
    from budgetbook import engine
    from budgetbook.excel.intake import examine, examine_batch
    from budgetbook.period import Period
    from budgetbook.settings import Settings
    from .test_consolidate import BOU, MYN

    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, "etthundra", -3150, 150, -3150, -4500, -4480)])
    write_unit(inbox / "1001b.xlsx", "1001", datum=__import__("datetime").date(2022, 9, 6))
    (inbox / "trasig.xlsx").write_bytes(b"PK\x03\x04 inte en arbetsbok")
    files = sorted(inbox.iterdir())
    names = (BOU, VUX, MYN)
    args = (Period(2022, 8), Settings(), names)
    one_by_one = [examine(str(f), f.name, *args) for f in files]
    assert examine_batch([(str(f), f.name) for f in files], *args) == one_by_one
    assert any(f.findings for f in one_by_one)

    sizes = []
    real = engine.validate_many

    def spy(books, context=None):
        sizes.append(len(books))
        return real(books, context)
    monkeypatch.setattr(engine, "validate_many", spy)
    monkeypatch.setattr(cmd, "BATCH", 2)
    rc1, a = consolidate(tmp, inbox, out="a.xlsx", history=tmp / "a.sqlite")
    assert sizes[:3] == [2, 2, 1]  # five files in batches of at most two; then the nämnd's own book
    rc2, b = consolidate(tmp, inbox, out="b.xlsx", history=tmp / "b.sqlite", jobs=2)
    assert rc1 == rc2
    assert status_rows(a) == status_rows(b)


# --- 6: the nämnd workbook stores its figures, as results -------------------------------------------

def test_namnd_workbook_caches_every_computed_figure_and_marks_them_results(office):
    import python_calamine

    from budgetbook.consolidate import namnd_context
    from budgetbook.config import load_config
    from budgetbook.engine import validate
    from budgetbook.excel.template import INPUT_FILL
    from budgetbook.period import Period
    from .test_consolidate import EXPECTED_EKONOMI, BOU, MYN

    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    assert rc == 0
    # a reader that does not recalculate sees every computed figure
    book = read_workbook(out)
    formulas = [c for s in book.sections.values() for row in s.rows for c in row.cells.values() if c.formula]
    assert len(formulas) > 50 and not [c.ref for c in formulas if c.filled]
    ekonomi = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Ekonomi").to_python()
    rows = {r[0]: r for r in ekonomi[4:] if r[0]}
    for name, (ui, uk, bi, bk, ab, pn) in EXPECTED_EKONOMI.items():
        r = rows[name]
        assert (r[3], r[6], r[7], r[10]) == (ui + uk, bi + bk, ui + uk - bi - bk, pn - ab), name
    assert rows["Summa"][1] == sum(v[0] for v in EXPECTED_EKONOMI.values())
    assert rows["Summa"][9] == sum(v[5] for v in EXPECTED_EKONOMI.values())
    # … and every rule holds on the file as written
    cfg = load_config(tmp / CONFIG_NAME)
    assert [f for f in validate(book, namnd_context(cfg, Period(2022, 8))) if f.severity.value == "fel"] == []
    # results, not inputs: locked, not yellow; Anvisningar say what the workbook is
    wb = openpyxl.load_workbook(out)
    for sheet in ("Ekonomi", "Uppgifter", "Investeringar"):
        ws = wb[sheet]
        assert ws.protection.sheet
        cells = [c for row in ws.iter_rows(min_row=3) for c in row if c.value is not None]
        assert all(c.protection.locked for c in cells), sheet
        assert not [c.coordinate for c in cells if c.fill.fgColor.rgb == INPUT_FILL.fgColor.rgb], sheet
    text = " ".join(str(c.value) for row in wb["Anvisningar"].iter_rows() for c in row if c.value)
    assert "gula" not in text and "Fyll i" not in text and "Vad arbetsboken är" in text
    assert not wb["Ekonomi"].data_validations.dataValidation


def test_namnd_sheets_print_fitted_with_titles(office):
    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    wb = openpyxl.load_workbook(out)
    from budgetbook.excel.namnd_writer import PROGNOS_SHEET, STATUS_SHEET, TRACE_SHEET
    for name, orientation in ((STATUS_SHEET, "landscape"), (TRACE_SHEET, "landscape"), (PROGNOS_SHEET, "portrait")):
        ws = wb[name]
        assert ws.page_setup.orientation == orientation, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToWidth in (None, 1), name  # 1 is the default XlsxWriter leaves out
        assert ws.page_setup.fitToHeight == 0, name
    assert wb[TRACE_SHEET].print_title_rows == "$1:$1" or wb[TRACE_SHEET].print_title_rows == "1:1"
    assert wb[PROGNOS_SHEET].print_title_rows in ("$4:$4", "4:4")
    st = wb[STATUS_SHEET]
    # labels are not cut: a fact's label has the empty column beside it to run into
    label = next(r for r in range(1, 15) if st.cell(r, 1).value == "Enheter med fel tas med")
    assert st.cell(label, 2).value is None and st.cell(label, 3).value == "nej"
    assert all(st.cell(r, 13).alignment.wrap_text for r in range(1, st.max_row + 1) if st.cell(r, 13).value
               and r > 14)
