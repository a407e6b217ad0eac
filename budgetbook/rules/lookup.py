"""What the period, prognos, cross-section, prose and hygiene rules share: where a value
sits, how names compare, and how much rounding a comparison tolerates.

Invariant: pure functions over a Book; no rule state. Amounts stay in the workbook's own
unit (``belopp_i``); ``tkr_factor`` converts when a rule needs tkr (thresholds, prose).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Iterable

from ..book import Book, SectionData, SectionRow
from ..findings import Location
from ..settings import Settings
from ..spec import MANADER

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_WS = re.compile(r"\s+")


def norm_name(text: object) -> str:
    """A name as compared across sections: case, dashes and spacing do not matter."""
    if text.__class__ is str:  # names repeat across rows and units: normalise each once
        return _norm_str(text)
    return "" if text is None else _norm(text)


def _norm(text: object) -> str:
    s = str(text or "").translate(_DASHES).replace("\u00a0", " ").casefold()
    s = _DASH_SPACES.sub("-", s)
    return _WS.sub(" ", s).strip()


_norm_str = lru_cache(maxsize=1 << 16)(_norm)  # a nämnd's book: every unit's names
_DASH_SPACES = re.compile(r"\s*-\s*")


def unit(book: Book) -> str:
    return book.header.belopp_i if book.header else "tkr"


def tkr_factor(book: Book) -> Decimal:
    """How many tkr one unit of the workbook's amounts is."""
    return Decimal(1000) if unit(book) == "mnkr" else Decimal(1)


def rounding(book: Book, settings: Settings) -> Decimal:
    """Half the last printed digit of one amount, in the workbook's unit."""
    return settings.rounding(unit(book))


def report_period(book: Book, context) -> tuple[int, int] | None:
    """The (year, month) the period-derived checks use: ``--period`` when given, else the header's.

    A user who names the period means it; a header that contradicts it is one finding
    (PER-001), not a cascade of checks run against a period nobody meant.
    """
    if context.period is not None:
        return context.period.year, context.period.month
    return header_period(book)


def header_period(book: Book) -> tuple[int, int] | None:
    """The (year, month) the header states, when both are there and valid."""
    h = book.header
    if h is None or h.year is None or h.month is None or not 1 <= h.month <= 12 or not 1 <= h.year <= 9999:
        return None
    return h.year, h.month


def where(sec: SectionData, row: SectionRow, key: str) -> Location:
    """The location of one cell of a section row (the engine adds the file)."""
    cell = row.cells.get(key)
    ref = cell.ref if cell is not None else (sec.cell_ref(row, key) if key in sec.columns else "")
    return Location(section=sec.key, sheet=sec.sheet, cell=ref, row_label=row.label, column=key)


def a1(sec: SectionData, row: SectionRow, key: str) -> str:
    return where(sec, row, key).a1


def header_location(book: Book, key: str) -> Location:
    h = book.header
    cell = h.fields.get(key) if h else None
    return Location(sheet=h.sheet if h else book.spec.header_sheet, cell=cell.ref if cell else "",
                    row_label=book.spec.header_field(key).label, column=key)


def rows_by_name(sec: SectionData | None, key: str) -> dict[str, list[SectionRow]]:
    """Data rows grouped by the normalised text in column ``key`` (blank names left out)."""
    out: dict[str, list[SectionRow]] = {}
    if sec is None:
        return out
    for row in sec.data_rows():
        name = norm_name(row.value(key))
        if name:
            out.setdefault(name, []).append(row)
    return out


def numbers(rows: Iterable[SectionRow], key: str) -> list[Decimal]:
    return [n for n in (r.number(key) for r in rows) if n is not None]


MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december")


def fmt_month(month: int) -> str:
    """The short month name the statistik columns use (jan … dec)."""
    return MANADER[month - 1] if 1 <= month <= 12 else str(month)
