"""Prognos totals and explanations (PROG-*): each verksamhet's prognosavvikelse in ekonomi
is explained by its prognosorsaker, sign included, and a large negative one is commented.

Invariant: verksamheter are matched across sections by normalised name (case, dashes and
spacing do not matter); a difference within the rounding of the terms (half a unit per
term, Settings.rounding) is not a finding. Checks stay silent when a section they compare
is absent from the workbook.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from ..book import Book
from ..findings import Code, Finding, Severity, fmt_value, make_finding
from .lookup import a1, numbers, rounding, rows_by_name, tkr_factor, where
from .text import mentions

FEL, VARNING = Severity.FEL, Severity.VARNING

CODES = (
    Code("PROG-001", FEL, "Prognosorsakerna summerar inte till prognosavvikelsen",
         "Prognosorsakerna för ”{verksamhet}” summerar till {actual}, men prognosavvikelsen i "
         "{ekonomi_cell} är {expected} (skillnad {difference}).",
         "Justera orsakernas belopp eller lägg till den orsak som saknas; summan ska vara lika med "
         "prognosavvikelsen, med samma tecken (positivt = bättre än budget)."),
    Code("PROG-002", VARNING, "Prognosavvikelse utan orsak",
         "”{row_label}” har prognosavvikelsen {actual} men ingen rad på bladet Prognosorsaker.",
         "Lägg till en eller flera orsaker för verksamheten på bladet Prognosorsaker."),
    Code("PROG-003", FEL, "Orsak för en verksamhet som saknas i Ekonomi",
         "Prognosorsaken anges för ”{actual}”, som inte har någon rad på bladet Ekonomi.",
         "Skriv verksamhetens namn exakt som på bladet Ekonomi."),
    Code("PROG-004", VARNING, "Stor negativ prognosavvikelse utan förklaring",
         "”{row_label}” har prognosavvikelsen {actual}{of_budget}, mer än gränsen "
         "{expected}, men ingen kommentar tar upp verksamheten och åtgärdsplanen har ingen åtgärd för den.",
         "Förklara avvikelsen på bladet Kommentarer och ange åtgärder på bladet Åtgärdsplan."),
)
_CODE = {c.code: c for c in CODES}


def check_orsaker(book: Book, context) -> Iterator[Finding]:
    """PROG-001/002/003: prognosorsaker per verksamhet sum to its prognosavvikelse."""
    ekonomi, orsaker = book.section("ekonomi"), book.section("prognosorsaker")
    if ekonomi is None or orsaker is None:
        return
    r = rounding(book, context.settings)
    by_name = rows_by_name(orsaker, "verksamhet")
    seen = set()
    for name, rows in rows_by_name(ekonomi, "verksamhet").items():
        row = rows[0]  # a duplicated verksamhet is IN-021's finding
        seen.add(name)
        avvikelse = row.number("prognosavvikelse")
        if avvikelse is None:
            continue
        mine = by_name.get(name, [])
        amounts = numbers(mine, "belopp")
        if not mine:
            if abs(avvikelse) > r:
                yield make_finding(_CODE["PROG-002"], where(ekonomi, row, "prognosavvikelse"), actual=avvikelse)
            continue
        total = sum(amounts, Decimal(0))
        diff = total - avvikelse
        if abs(diff) > r * (len(amounts) + 1):
            yield make_finding(_CODE["PROG-001"], where(orsaker, mine[-1], "belopp"), expected=avvikelse,
                               actual=total, difference=diff, verksamhet=row.label or row.value("verksamhet"),
                               ekonomi_cell=a1(ekonomi, row, "prognosavvikelse"),
                               related=[a1(ekonomi, row, "prognosavvikelse")]
                               + [a1(orsaker, o, "belopp") for o in mine])
    for name, rows in by_name.items():
        if name not in seen:
            for row in rows:
                yield make_finding(_CODE["PROG-003"], where(orsaker, row, "verksamhet"), actual=row.value("verksamhet"))


def check_explained(book: Book, context) -> Iterator[Finding]:
    """PROG-004: a large negative prognosavvikelse has a kommentar or an åtgärd.

    A kommentar counts when it is filed under the verksamhet or names it in its text
    (a unit's overall kommentar that discusses "Heldygnsvården" explains that row).
    """
    ekonomi = book.section("ekonomi")
    if ekonomi is None:
        return
    s = context.settings
    to_tkr = tkr_factor(book)
    kommentarer = {n for n, rows in rows_by_name(book.section("kommentarer"), "verksamhet").items()
                   if any(str(r.value("kommentar") or "").strip() for r in rows)}
    texts = [str(r.value("kommentar") or "") for r in _rows(book.section("kommentarer"))]
    atgarder = set(rows_by_name(book.section("atgardsplan"), "verksamhet"))
    for name, rows in rows_by_name(ekonomi, "verksamhet").items():
        row = rows[0]
        avvikelse = row.number("prognosavvikelse")
        if avvikelse is None or avvikelse >= 0:
            continue
        arsbudget = row.number("arsbudget_netto")
        share = abs(avvikelse) / abs(arsbudget) if arsbudget else None
        big = abs(avvikelse) * to_tkr > s.prognos_threshold_tkr or (share is not None and share > s.prognos_threshold_pct)
        if not big or name in kommentarer or name in atgarder:
            continue
        # Last, as it reads every kommentar: one that discusses the row by name.
        if any(mentions(text, row.label) for text in texts):
            continue
        threshold = f"{fmt_value(s.prognos_threshold_tkr)} tkr eller {fmt_value(s.prognos_threshold_pct * 100)} %"
        yield make_finding(_CODE["PROG-004"], where(ekonomi, row, "prognosavvikelse"), actual=avvikelse,
                           expected=threshold,
                           of_budget=f" ({fmt_value((share * 100).quantize(Decimal('0.1')))} % av årsbudgeten)"
                           if share is not None else "")


def _rows(sec):
    return sec.data_rows() if sec is not None else []


RULES = (check_orsaker, check_explained)
