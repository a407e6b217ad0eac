"""Shared cases for the validator tests: the reference reports' tables as typed, and
helpers to type over a template's formulas as a user (or a printed report) does."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.findings import Finding, Severity

from .helpers import HEADER, make_workbook

D = Decimal

# Socialnämnden, månadsrapport februari 2020, 3.1 Ekonomisk tabell (tkr), as printed: the
# computed cells are typed constants; several differ from their formula by 1 tkr of rounding.
EKONOMI_2020 = [
    ("Barn och unga", 1157, -28720, -27563, 915, -25447, -24532, -3031, -147191, -147191, 0),
    ("Vuxna 21-64 år", 2901, -12646, -9745, 3090, -12867, -9778, 33, -58667, -58667, 0),
    ("Personer med funktionsnedsättning", 5068, -88295, -83227, 5378, -87106, -81728, -1500, -490366, -490366, 0),
    ("Gemensam socialtjänst", 0, -381, -381, 0, -843, -843, 462, -5056, -5056, 0),
    ("Myndighet och huvudmannaskap", 0, -20997, -20997, 0, -21338, -21338, 341, -128028, -128028, 0),
    ("Nämnd och nämndstöd", 0, -361, -361, 0, -375, -375, 13, -2248, -2248, 0),
]
EKONOMI_KEYS = ("verksamhet", "utfall_intakter", "utfall_kostnader", "utfall_netto", "budget_intakter",
                "budget_kostnader", "budget_netto", "budgetavvikelse", "arsbudget_netto", "prognos_netto",
                "prognosavvikelse")
# Tertialrapport 2 2022, 3 Ekonomiskt resultat (mnkr).
EKONOMI_2022_MNKR = [
    ("Barn och unga 0-20 år", "6.7", "-118.1", "-111.4", "5.7", "-120.7", "-115.0", "3.6", "-172.5", "-170.3", "2.2"),
    ("Vuxna 21-64 år", "10.6", "-52.2", "-41.6", "13.3", "-59.5", "-46.2", "4.7", "-69.3", "-65.2", "4.1"),
    ("Personer med funktionsnedsättning", "25.4", "-395.0", "-369.6", "20.9", "-406.9", "-386.0", "16.4", "-579",
     "-572.0", "7.0"),
    ("Gemensam socialtjänst", "0.0", "-2.1", "-2.1", "0.0", "-4.6", "-4.6", "2.4", "-6.7", "-5.3", "1.4"),
    ("Myndighet och huvudmannaskap", "0.0", "-83.6", "-83.6", "0.0", "-85.5", "-85.5", "1.9", "-128.2", "-128.2",
     "0.0"),
    ("Nämnd och nämndstöd", "0.0", "-1.7", "-1.7", "0.0", "-1.6", "-1.6", "-0.1", "-2.4", "-2.6", "-0.2"),
]
EKONOMI_2022_SUMMA = ("Summa", "42.7", "-652.7", "-610.0", "39.9", "-678.8", "-638.9", "28.9", "-958.1", "-943.6",
                      "14.5")
# 5 Redovisning riktade statsbidrag (mnkr): Sökt adds up to 15,65, printed Totalt 15,6.
STATSBIDRAG_2022 = [
    ("Stimulansmedel Psykisk hälsa 2022", "3.1", "2.0", "3.1"),
    ("Stimulansmedel stärkt samverkan för personer med samsjuklighet", "0.5", "0.3", "0.5"),
    ("Stimulansmedel stärkt brukarmedverkan", "0.05", "0", "0.05"),
    ("Stimulansmedel Suicidprevention", "0.9", "0.5", "0.9"),
    ("Statsbidrag Våld i nära relationer 2022", "1.2", "0.7", "1.2"),
    ("Statsbidrag subventioner av Familjehemsplaceringar 2022", "0.7", "0.4", "0.6"),
    ("Statsbidrag för sociala insatser för barn och unga i utsatta områden 2022", "6.0", "0.5", "4"),
    ("Stimulansmedel Ungdomsmottagningen", "0.8", "0.8", "0.8"),
    ("Statsbidrag för Habiliteringsersättning 2022", "2.4", "0.2", "2.4"),
]
STATSBIDRAG_TOTALT = ("15.6", "5.4", "13.6")


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
