"""A small, internally consistent T2 report (tkr) for rule tests: every rule is silent on it.

Tests copy it, change one thing, write it with the project's own templates
(tests/helpers.make_workbook), read it back and validate it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

from budgetbook.engine import Context, validate
from budgetbook.excel import read_workbook
from budgetbook.findings import Finding
from budgetbook.period import Period

from .helpers import HEADER, make_workbook

BOU, VUXNA, NAMND = "Barn och unga 0–20 år", "Vuxna 21–64 år", "Nämnd och nämndstöd"

ROWS = {
    "ekonomi": [
        dict(verksamhet=BOU, utfall_intakter=6700, utfall_kostnader=-118100, budget_intakter=5700,
             budget_kostnader=-120700, arsbudget_netto=-172500, prognos_netto=-170300, bokslut_fg_ar=-159840),
        dict(verksamhet=VUXNA, utfall_intakter=10600, utfall_kostnader=-52200, budget_intakter=13300,
             budget_kostnader=-59500, arsbudget_netto=-69300, prognos_netto=-65200, bokslut_fg_ar=-66003),
        dict(verksamhet=NAMND, utfall_intakter=0, utfall_kostnader=-1700, budget_intakter=0,
             budget_kostnader=-1600, arsbudget_netto=-2400, prognos_netto=-2600, bokslut_fg_ar=-2300),
    ],
    "prognosorsaker": [
        dict(verksamhet=BOU, orsak="Heldygnsvård", belopp=-5454),
        dict(verksamhet=BOU, orsak="Öppenvård", belopp=7654),
        dict(verksamhet=VUXNA, orsak="Skyddat boende", belopp=4100),
        dict(verksamhet=NAMND, orsak="Höjda arvoden", belopp=-200),
    ],
    "kommentarer": [
        dict(verksamhet=BOU, kommentar="Barn och unga 0–20 år; periodens utfall +3,6 miljoner kronor, "
                                       "prognos +2,2 miljoner kronor. Heldygnsvården ökar."),
        dict(verksamhet=VUXNA, kommentar="Periodens ackumulerade resultat är 41,6 miljoner kronor, vilket är "
                                         "3,6 miljoner kronor bättre än vad som budgeterats."),
        dict(verksamhet=NAMND, kommentar="Kostnaderna överskrider budgeterad nivå som en följd av höjda arvoden."),
    ],
    "atgardsplan": [
        dict(atgard="Se över arvoden", verksamhet=NAMND, belopp=100, status="Pågår"),
    ],
    "statistik": [
        dict(nyckeltal="Personlig assistans, antal kunder", ar=2022,
             **dict(zip(("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug"), (57, 59, 56, 52, 54, 58, 54, 56)))),
        dict(nyckeltal="Personlig assistans, antal kunder", ar=2021,
             **dict(zip(("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
                        (54, 56, 60, 57, 57, 58, 54, 56, 55, 56, 54, 58)))),
    ],
}

# Kostnadsslag with the same totals as ekonomi's Summa row.
FIXED = {"kostnadsslag": {
    "forsaljning": dict(utfall=2300, budget=3000, arsbudget=4500, prognos=4000),
    "bidrag": dict(utfall=15000, budget=16000, arsbudget=24000, prognos=23000),
    "personalkostnader": dict(utfall=-100000, budget=-105800, arsbudget=-158700, prognos=-155000),
    "kop_av_verksamhet": dict(utfall=-60000, budget=-64000, arsbudget=-96000, prognos=-92100),
    "lokalkostnader": dict(utfall=-12000, budget=-12000, arsbudget=-18000, prognos=-18000),
}}

Change = Callable[[dict, dict, dict], None]  # (rows, fixed, header) edited in place


def report(tmp_path: Path, change: Change | None = None, name: str = "unit.xlsx",
           sections: list[str] | None = None):
    """Write the consistent report (after ``change``) and read it back as a Book."""
    rows, fixed, header = copy.deepcopy(ROWS), copy.deepcopy(FIXED), dict(HEADER)
    if change is not None:
        change(rows, fixed, header)
    path, content = make_workbook(tmp_path / name, rows=rows, fixed=fixed, header=header, sections=sections)
    return read_workbook(path), content


def findings(tmp_path: Path, change: Change | None = None, context: Context | None = None,
             sections: list[str] | None = None) -> list[Finding]:
    book, _ = report(tmp_path, change, sections=sections)
    return validate(book, context or Context(period=Period(2022, 8)))


def of(found: list[Finding], prefix: str) -> list[Finding]:
    """The findings whose code starts with ``prefix`` (a family or one code)."""
    return [f for f in found if f.code.startswith(prefix)]


def cells(found: list[Finding], prefix: str) -> list[tuple[str, str]]:
    """(code, sheet!cell) of the findings of a family, as tests compare them."""
    return sorted((f.code, f.location.a1) for f in of(found, prefix))
