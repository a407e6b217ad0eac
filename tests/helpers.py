"""Test helpers: real .xlsx files made by the project's own template code."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from budgetbook.excel.template import BookContent, build_workbook, save_workbook
from budgetbook.spec import SPEC, Kind

HEADER = {
    "namnd": "Socialnämnden", "enhet_kod": "1001", "enhet_namn": "Barn och familjeenheten",
    "ar": 2022, "manad": 8, "rapporttyp": "Delårsrapport T2", "belopp_i": "tkr",
    "uppgiftslamnare": "Anna Andersson", "datum": dt.date(2022, 9, 5),
}


def make_workbook(path: Path, rows: dict | None = None, fixed: dict | None = None,
                  header: dict | None = None, sections: list[str] | None = None,
                  verksamheter=None, totals: dict | None = None) -> tuple[Path, BookContent]:
    content = BookContent(header=dict(HEADER if header is None else header), rows=rows or {},
                          fixed=fixed or {}, totals=totals or {})
    if verksamheter is not None:
        content.verksamheter = verksamheter
    secs = [SPEC.section(s) for s in sections] if sections else None
    save_workbook(build_workbook(secs, content), path)
    return path, content


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def lo_profile(base: Path) -> Path:
    """A LibreOffice profile that recalculates every formula on load (no stale caches)."""
    user = base / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item>\n'
        '</oor:items>\n', encoding="utf-8")
    return base


def convert(path: Path, fmt: str, outdir: Path, profile: Path) -> subprocess.CompletedProcess:
    """Convert a throwaway copy with headless LibreOffice (it rewrites what it saves)."""
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(profile))
    return subprocess.run(
        [soffice(), "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
         "--convert-to", fmt, "--outdir", str(outdir), str(path)],
        capture_output=True, text=True, timeout=180, env=env)


def sample_value(kind: Kind, i: int, choices=()) -> Any:
    """A deterministic valid value for a column kind."""
    if kind is Kind.AMOUNT:
        return Decimal(1000 + 37 * i)
    if kind is Kind.PERCENT:
        return Decimal("0.0") + Decimal(i + 1) / 100
    if kind is Kind.NUMBER:
        return Decimal(10 + i)
    if kind is Kind.COUNT:
        return Decimal(2020 + i % 3)
    if kind is Kind.DATE:
        return dt.date(2022, 1 + i % 12, 1 + i % 28)
    if kind is Kind.MONTH:
        return f"2023-{1 + i % 12:02d}"
    if kind is Kind.CHOICE:
        return choices[i % len(choices)]
    if kind is Kind.CODE:
        return f"K{100 + i}"
    return f"Text {i} – åäö"
