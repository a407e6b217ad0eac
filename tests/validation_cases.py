"""Shared cases for the validator tests: the reference reports' tables as typed, and
helpers to type over a template's formulas as a user (or a printed report) does."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.findings import Finding, Severity

from . import reference_data as R
from .helpers import HEADER, make_workbook

D = Decimal

# The reference reports' tables as printed (tests/reference_data.py), as tuples in
# EKONOMI_KEYS order so a test can alter one printed figure by position.
EKONOMI_KEYS = ("verksamhet", *R.EKONOMI_KEYS)


def _tuples(rows: list[dict]) -> list[tuple]:
    return [tuple(r[k] for k in EKONOMI_KEYS) for r in rows]


# Månadsrapport februari 2020, 3.1 Ekonomisk tabell (tkr): three computed cells are 1 tkr off
# their formula (−9 778, −1 500, 13), and Summa budget netto −138 593 against rows adding
# to −138 594: printed rounding.
EKONOMI_2020 = _tuples(R.FEB20_EKONOMI[0])
EKONOMI_2020_SUMMA = R.FEB20_EKONOMI[1]
# Tertialrapport 2 2022, 3 Ekonomiskt resultat (mnkr), and its Summa row.
EKONOMI_2022_MNKR = _tuples(R.T2_EKONOMI[0])
EKONOMI_2022_SUMMA = R.T2_EKONOMI[1]
# 5 Redovisning riktade statsbidrag (mnkr): Sökt adds up to 15,65, printed Totalt 15,6.
STATSBIDRAG_2022, STATSBIDRAG_TOTALT = R.T2_STATSBIDRAG


INPUTS = ("verksamhet", "utfall_intakter", "utfall_kostnader", "budget_intakter", "budget_kostnader",
          "arsbudget_netto", "prognos_netto")


def ekonomi_rows(table, only_inputs: bool = False) -> list[dict]:
    """Rows for make_workbook: every column typed (as printed), or only the inputs."""
    keys = INPUTS if only_inputs else EKONOMI_KEYS
    return [{k: (v if k == "verksamhet" else D(v)) for k, v in zip(EKONOMI_KEYS, values) if k in keys}
            for values in table]


def mnkr_header() -> dict:
    return {**HEADER, "belopp_i": "mnkr"}


def type_over(path: Path, values: dict[str, object]) -> Path:
    """Type constants into cells ("Ekonomi!G13": -1), as a user overwriting formulas does."""
    wb = openpyxl.load_workbook(path)
    for ref, v in values.items():
        sheet, cell = ref.split("!")
        wb[sheet][cell].value = float(v) if isinstance(v, Decimal) else v
    wb.save(path)
    return path


def total_ref(path: Path, section: str, column: str, row_code: str | None = None) -> str:
    """Sheet!A1 of a total row's cell (the grand total, or the fixed row ``row_code``)."""
    sec = read_workbook(path).section(section)
    row = sec.row(row_code) if row_code else sec.grand_total()
    return f"{sec.sheet}!{sec.cell_ref(row, column)}"


def findings(path: Path, context: Context | None = None) -> list[Finding]:
    return validate(read_workbook(path), context)


# The rule families these tests are about; other families' rules (periods, cross-section)
# have their own tests and would see these minimal workbooks as incomplete.
FAMILIES = ("SUM", "CALC", "SIGN")


def errors(path: Path, context: Context | None = None) -> list[Finding]:
    """The arithmetic and sign errors of a workbook."""
    return [f for f in findings(path, context)
            if f.severity is Severity.FEL and f.code.split("-")[0] in FAMILIES]


def codes_at(found: list[Finding]) -> list[tuple[str, str]]:
    """(code, Sheet!A1) of each finding: tests compare codes and positions, not wording."""
    return [(f.code, f.location.a1) for f in found]
