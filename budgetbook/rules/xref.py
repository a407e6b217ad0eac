"""Cross-section consistency (XREF-*): a figure reported in two sections agrees.

Among the ten sections, ekonomi and kostnadsslag report the same year twice: ekonomi
split by verksamhet, kostnadsslag by kind of income and cost. Their totals must agree:
Nettoresultat = Summa netto (XREF-001), and Verksamhetens intäkter/kostnader = Summa
intäkter/kostnader (XREF-002). (Prognosorsaker against ekonomi is PROG-001; the other
sections report nothing that another section repeats.)

Invariant: the tolerance is the rounding of every term on both sides (half a unit per
term); a derived pair (avvikelse) is compared only when its inputs agree, so one wrong
total is reported once.
"""

from __future__ import annotations

from typing import Iterator

from ..book import Book, SectionData, SectionRow
from ..findings import Code, Finding, Severity, make_finding
from .lookup import a1, rounding, where

FEL, VARNING = Severity.FEL, Severity.VARNING

CODES = (
    Code("XREF-001", FEL, "Nettoresultat stämmer inte med Summa netto",
         "Kostnadsslag Nettoresultat ({what}) är {actual}, men Summa {what} på bladet Ekonomi "
         "({other_cell}) är {expected} (skillnad {difference}).",
         "Bladen Ekonomi och Kostnadsslag ska visa samma resultat; rätta det blad som har fel belopp."),
    Code("XREF-002", VARNING, "Intäkter eller kostnader skiljer mellan bladen",
         "Kostnadsslag {row_label} ({what}) är {actual}, men Summa {what_ekonomi} på bladet Ekonomi "
         "({other_cell}) är {expected} (skillnad {difference}).",
         "Intäkter och kostnader ska fördelas lika på båda bladen; kontrollera om en post redovisats "
         "netto på det ena bladet och brutto på det andra."),
)
_CODE = {c.code: c for c in CODES}

# (kostnadsslag column, ekonomi column, what), in order; avvikelse pairs come after the
# pairs they are derived from.
NETTO_PAIRS = (
    ("utfall", "utfall_netto", "ack utfall"),
    ("budget", "budget_netto", "ack budget"),
    ("avvikelse", "budgetavvikelse", "budgetavvikelse"),
    ("arsbudget", "arsbudget_netto", "årsbudget"),
    ("prognos", "prognos_netto", "prognos"),
    ("prognosavvikelse", "prognosavvikelse", "prognosavvikelse"),
)
DERIVED_FROM = {"avvikelse": ("utfall", "budget"), "prognosavvikelse": ("prognos", "arsbudget")}
# kostnadsslag row → (kostnadsslag column, ekonomi column, what, what in ekonomi)
SPLIT_PAIRS = {
    "verksamhetens_intakter": (("utfall", "utfall_intakter", "ack utfall", "utfall intäkter"),
                               ("budget", "budget_intakter", "ack budget", "budget intäkter")),
    "verksamhetens_kostnader": (("utfall", "utfall_kostnader", "ack utfall", "utfall kostnader"),
                                ("budget", "budget_kostnader", "ack budget", "budget kostnader")),
}


def _terms(sec: SectionData, row: SectionRow) -> int:
    """How many printed amounts a total rests on, subtotals and its own rounding included."""
    if row.spec is not None and row.spec.items:
        items = [sec.row(c) for c in row.spec.items]
        return 1 + sum(_terms(sec, i) if i.is_total else 1 for i in items if i is not None)
    return len(sec.data_rows()) + 1


def check_netto(book: Book, context) -> Iterator[Finding]:
    """XREF-001 and XREF-002: kostnadsslag totals against ekonomi's Summa row."""
    ekonomi, kostnadsslag = book.section("ekonomi"), book.section("kostnadsslag")
    if ekonomi is None or kostnadsslag is None:
        return
    summa, netto = ekonomi.grand_total(), kostnadsslag.row("nettoresultat")
    if summa is None or netto is None:
        return
    r = rounding(book, context.settings)
    ek_terms = _terms(ekonomi, summa)
    netto_terms = _terms(kostnadsslag, netto)
    disagree: set[str] = set()
    for ks_key, ek_key, what in NETTO_PAIRS:
        if any(k in disagree for k in DERIVED_FROM.get(ks_key, ())):
            continue
        mine, theirs = netto.number(ks_key), summa.number(ek_key)
        if mine is None or theirs is None:
            continue
        if abs(mine - theirs) > r * (ek_terms + netto_terms):
            disagree.add(ks_key)
            yield make_finding(_CODE["XREF-001"], where(kostnadsslag, netto, ks_key), expected=theirs,
                               actual=mine, difference=mine - theirs, what=what,
                               other_cell=a1(ekonomi, summa, ek_key), related=[a1(ekonomi, summa, ek_key)])
    for code, pairs in SPLIT_PAIRS.items():
        row = kostnadsslag.row(code)
        if row is None:
            continue
        row_terms = _terms(kostnadsslag, row)
        for ks_key, ek_key, what, what_ek in pairs:
            mine, theirs = row.number(ks_key), summa.number(ek_key)
            if mine is None or theirs is None:
                continue
            if abs(mine - theirs) > r * (ek_terms + row_terms):
                yield make_finding(_CODE["XREF-002"], where(kostnadsslag, row, ks_key), expected=theirs,
                                   actual=mine, difference=mine - theirs, what=what, what_ekonomi=what_ek,
                                   other_cell=a1(ekonomi, summa, ek_key), related=[a1(ekonomi, summa, ek_key)])


RULES = (check_netto,)
