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
from budgetbook.excel_refs import cell_ref
from budgetbook.period import Period

from .test_consolidate import CONFIG, MYN, VUX, full_inbox, office, write_unit  # noqa: F401

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
    monkeypatch.setattr(xlsx_out, "_rows_xml", lambda *args: failing(*args, chunk=10))
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
