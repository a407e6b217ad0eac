"""Converting sections from ledger convention to report convention (pure).

Invariant: the decision which sections are in ledger convention (kostnader +, intäkter −)
is the SIGN-002 rule's, never a guess here; the conversion negates every amount the unit
typed in those sections (inputs, and typed constants where the template has a formula)
and leaves formula cells alone, since they recompute from the converted inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from .book import Book
from .findings import Finding
from .spec import Kind


@dataclass(frozen=True)
class Flip:
    sheet: str
    ref: str  # A1 on ``sheet``
    value: Decimal  # the new value: the old one negated


def ledger_sections(findings: Iterable[Finding]) -> list[str]:
    """The sections SIGN-002 found in ledger convention, in spec order of appearance."""
    out: list[str] = []
    for f in findings:
        if f.code == "SIGN-002":
            out += [s for s in f.params.get("sections", ()) if s not in out]
    return out


def sign_flips(book: Book, sections: Iterable[str]) -> list[Flip]:
    flips = []
    for key in sections:
        data = book.section(key)
        if data is None:
            continue
        for row in data.rows:
            for col in data.spec.columns:
                cell = row.cells.get(col.key)
                if col.kind is Kind.AMOUNT and cell is not None and not cell.formula and cell.number:
                    flips.append(Flip(data.sheet, cell.ref, -cell.number))
    return flips
