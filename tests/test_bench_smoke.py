"""The benchmark runner must not rot: a tiny run completes and prints its table (not timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_quick_bench_runs_and_prints_the_table(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--workbooks", "2", "--repeats", "1", "--warmup", "0",
         "--sizes", "2,3", "--data", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "| mål " in out and "| mätning " in out
    for row in ("python-calamine, alla blad", "budgetbook read_workbook", "openpyxl load_workbook",
                "read_workbook / calamine", "budgetbook --help", "läsa + validera 1 bok"):
        assert row in out, row
    assert "Maskin:" in out


def test_generated_workbooks_read_back_without_reader_findings(tmp_path):
    from bench.generate import write_inbox
    from budgetbook.excel import read_workbook

    paths, config = write_inbox(tmp_path / "inbox", 2)
    assert config.exists() and "[[enhet]]" in config.read_text(encoding="utf-8")
    for p in paths:
        book = read_workbook(p)
        assert book.findings == []
        assert set(book.sections) == {s.key for s in book.spec.sections}
        # Saved as Excel saves: every formula carries its cached result.
        assert not any(c.filled for *_, c in book.iter_cells())
    again, _ = write_inbox(tmp_path / "again", 2)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
