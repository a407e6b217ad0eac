"""SIGN-001 and SIGN-002: the report's sign convention (intäkter +, kostnader −).

Invariant: the sign rules come from the spec (column signs on data rows, row signs on the
amounts a unit types in kostnadsslag). A section where most signed amounts have the
opposite sign was entered in ledger convention (kostnader +, intäkter −, as accounting
exports are): it is reported once, with the evidence, as SIGN-002 (once for the whole
workbook when every signed section is so), and its cell-by-cell SIGN-001s are withheld,
since ``budgetbook fix-signs`` converts it. A section with a few wrong signs gets SIGN-001
per cell, folded with any arithmetic check the same cell breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from ..book import Book
from ..findings import Code, Finding, Location, Severity, make_finding
from ..rootcause import Violation
from ..spec import Sign
from .equations import Scope
from .tables import SignRule, section_tables, sign_rules, sign_suspects

FEL = Severity.FEL
FIX_COMMAND = "budgetbook fix-signs {file} -o {copy}"

CODES = (
    Code("SIGN-001", FEL, "Fel tecken",
         "{header} på raden ”{row_label}” är {act}, men {what}.",
         "Skriv intäkter som positiva och kostnader som negativa tal; här troligen {exp}."),
    Code("SIGN-002", FEL, "Bokföringens teckenkonvention",
         "{scope} har bokföringens tecken (kostnader +, intäkter −): {flipped} av {signed} "
         "belopp med teckenregel har omvänt tecken ({detail}). Rapporten använder intäkter + och "
         "kostnader −; enskilda teckenfel i {where} visas därför inte.",
         "Kör ”" + FIX_COMMAND + "”: den skriver en kopia där varje inmatat belopp i {where} har "
         "bytt tecken (formlerna räknar om), och originalet lämnas orört."),
)


@dataclass
class Evidence:
    """What the signs of one section say: how many signed amounts, how many reversed."""

    signed: int = 0  # non-zero amounts under a sign rule
    intakter_negative: int = 0
    kostnader_positive: int = 0

    @property
    def flipped(self) -> int:
        return self.intakter_negative + self.kostnader_positive


def is_ledger(ev: Evidence, settings) -> bool:
    """Most signed amounts reversed, on enough evidence: never a guess from one cell."""
    return ev.signed >= int(settings.ledger_min_amounts) and \
        Decimal(ev.flipped) > Decimal(ev.signed) * settings.ledger_share


def signs(books: Sequence[Book], context) -> list[list]:
    settings = context.settings
    out: list[list] = [[] for _ in books]
    evidence: list[dict[str, Evidence]] = [{} for _ in books]
    cells: list[dict[str, list[Violation]]] = [{} for _ in books]
    for section, table in section_tables(books, context):
        rules = sign_rules(section)
        if not rules:
            continue
        suspects, signed, intakter_negative, kostnader_positive = sign_suspects(table, rules)
        for book_index, _ in table.scopes:
            evidence[book_index][section.key] = Evidence(
                int(signed[book_index]), int(intakter_negative[book_index]), int(kostnader_positive[book_index]))
            cells[book_index][section.key] = []
        for i, rule, sign in suspects:
            book_index, scope, row = table.where[i]
            if not is_ledger(evidence[book_index][section.key], settings):  # else SIGN-002 says it once
                cells[book_index][section.key].append(_violation(scope, row, rule, sign))
    for i, book in enumerate(books):
        ledger = [k for k, ev in evidence[i].items() if is_ledger(ev, settings)]
        for vs in cells[i].values():  # a ledger section has none: SIGN-002 says it once
            out[i].extend(vs)
        out[i].extend(_ledger_findings(book, ledger, evidence[i], settings))
    return out


def _violation(scope: Scope, row, rule: SignRule, sign: Sign) -> Violation:
    fact = scope.fact(row, rule.column)
    what = ("intäkter ska vara positiva (≥ 0)" if sign is Sign.POSITIVE
            else "kostnader ska vara negativa (≤ 0)")
    return Violation(code="SIGN-001", cells=(fact,), solved=(-fact.value,), what=what, tolerance=Decimal(0),
                     params={"unit": scope.unit}, exact=False)


def _ledger_findings(book: Book, ledger: list[str], evidence: dict[str, Evidence], settings) -> list[Finding]:
    from ..catalogue import code

    if not ledger:
        return []
    signed_sections = [k for k, ev in evidence.items() if ev.signed >= int(settings.ledger_min_amounts)]
    sheets = {s.key: s.sheet for s in book.spec.sections}
    groups = ([ledger] if len(ledger) > 1 and set(ledger) == set(signed_sections)
              else [[k] for k in ledger])
    out = []
    for keys in groups:
        ev = Evidence(sum(evidence[k].signed for k in keys), sum(evidence[k].intakter_negative for k in keys),
                      sum(evidence[k].kostnader_positive for k in keys))
        names = ", ".join(sheets[k] for k in keys)
        whole = len(keys) > 1
        loc = Location() if whole else Location(section=keys[0], sheet=sheets[keys[0]])
        detail = (f"{ev.kostnader_positive} kostnader positiva, {ev.intakter_negative} intäkter negativa")
        out.append(make_finding(
            code("SIGN-002"), loc, expected="intäkter +, kostnader −", actual="kostnader +, intäkter −",
            scope=f"Hela arbetsboken ({names})" if whole else f"Bladet {names}",
            where=f"bladen {names}" if whole else f"bladet {names}",
            flipped=ev.flipped, signed=ev.signed, detail=detail, sections=tuple(keys),
            file=_file_name(book.source), copy=_copy_name(book.source)))
    return out


def _file_name(source: str) -> str:
    return source if " " not in source else f'"{source}"'


def _copy_name(source: str) -> str:
    stem = source[:-5] if source.lower().endswith(".xlsx") else source
    return _file_name(stem + "-rapporttecken.xlsx")


RULES = ()
BATCH_RULES = (signs,)
# A section in ledger convention also breaks every cross-section comparison it takes part
# in: the engine folds those into the one SIGN-002 (budgetbook.rootcause.explain).
SUPPRESSES = {"SIGN-002": ("XREF-001", "XREF-002")}
