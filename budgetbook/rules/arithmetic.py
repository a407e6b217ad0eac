"""SUM-001, CALC-001, SIGN-003: totals, computed cells and avvikelse signs, from the spec.

Invariant: the rules yield ``Violation``s, not findings; the engine folds them so that one
wrong cell is reported once, with every check it breaks. Each section's row equations and
totals form a pandera schema generated from the spec (``schema``), validated once per
run over a frame of every book's rows (``tables``): pandera's failure cases flag what may
fail, and the exact Decimal evaluation (``equations``) decides each flagged one. The
batching is what keeps pandera cheap: one call per section costs about a millisecond for
any number of books, where one call per book and table would cost ten times the rules.
"""

from __future__ import annotations

from typing import Sequence

from ..book import Book
from ..findings import Code, Severity
from ..rootcause import Violation
from .equations import row_violations, sum_violation
from .schema import suspects
from .tables import section_tables

FEL = Severity.FEL

CODES = (
    Code("SUM-001", FEL, "Summan stämmer inte med raderna",
         "{header} på raden ”{row_label}” är {act}, men {what} kräver {exp} "
         "(skillnad {diff}; avrundningen förklarar högst ±{tol}).",
         "Rätta {cell} eller raderna som summeras. Låt summaraden vara mallens formel i stället "
         "för ett inskrivet tal."),
    Code("CALC-001", FEL, "Beräknat värde stämmer inte",
         "{header} på raden ”{row_label}” är {act}, men {what} kräver {exp} "
         "(skillnad {diff}; avrundningen förklarar högst ±{tol}).",
         "Rätta {cell} eller beloppen den räknas från. En beräknad cell ska ha mallens formel, "
         "inte ett inskrivet tal."),
    Code("SIGN-003", FEL, "Avvikelsen har fel tecken",
         "{header} på raden ”{row_label}” är {act}, men {what} kräver {exp}: tecknet säger "
         "motsatsen till utfall och budget (positivt = bättre än budget).",
         "Skriv avvikelsen som {what}, här {exp}; eller låt mallens formel räkna ut den."),
)


def arithmetic(books: Sequence[Book], context) -> list[list[Violation]]:
    """Every row equation and every column sum of every book, batched per section."""
    out: list[list[Violation]] = [[] for _ in books]
    for section, table in section_tables(books, context):
        rows, sums = suspects(table)
        for i, check in rows:
            book_index, scope, row = table.where[i]
            v = row_violations(scope, row, check)
            if v is not None:
                out[book_index].append(v)
        for i, col in sums:
            book_index, scope, row = table.where[i]
            v = sum_violation(scope, row, col)
            if v is not None:
                out[book_index].append(v)
    return out


RULES = ()
BATCH_RULES = (arithmetic,)
# A wrong total or computed cell also differs from the other section's copy of it: the
# cross-section finding that names the same cell is folded into this one.
SUPPRESSES = {"SUM-001": ("XREF-001", "XREF-002"), "CALC-001": ("XREF-001", "XREF-002")}
