"""Nothing lost: a write into a unit's own workbook that fails midway (a full disk) leaves
the workbook exactly as it was, with no temporary file behind (issue 7, "Nothing lost")."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from budgetbook.engine import validate
from budgetbook.excel import read_workbook
from budgetbook.excel.writeback import write_back_file

NOW = dt.datetime(2022, 9, 5, 14, 3)


def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_write_back_failing_midway_leaves_the_workbook_intact(step, broken_corpus, tmp_path, monkeypatch):
    path = tmp_path / "enhet.xlsx"
    shutil.copy(broken_corpus["svenska_tal.xlsx"], path)  # a workbook with findings to write
    before = path.read_bytes()
    book = read_workbook(path)
    findings = validate(book)
    assert findings
    monkeypatch.setattr(os, step, _disk_full)  # the new bytes are written, then the disk is full
    with pytest.raises(OSError):
        write_back_file(path, book, findings, NOW)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert read_workbook(path).sections["ekonomi"].data_rows()
    backups = [p for p in tmp_path.iterdir() if p != path]
    assert all(p.read_bytes() == before for p in backups)  # any backup made is the original


def test_write_back_then_read_gives_the_same_values(broken_corpus, tmp_path):
    """After a successful write-back the backup is the original and the data reads the same."""
    path = tmp_path / "enhet.xlsx"
    shutil.copy(broken_corpus["svenska_tal.xlsx"], path)
    before = path.read_bytes()
    book = read_workbook(path)
    backup = write_back_file(path, book, validate(book), NOW)
    assert backup.read_bytes() == before
    again = read_workbook(path)
    for key, sec in book.sections.items():
        assert [(r.excel_row, {k: (c.ref, c.value) for k, c in r.cells.items()}) for r in sec.rows] == \
            [(r.excel_row, {k: (c.ref, c.value) for k, c in r.cells.items()}) for r in again.sections[key].rows]
