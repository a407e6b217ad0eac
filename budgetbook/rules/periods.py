"""Period consistency (PER-*): the workbook is for the period it says, and its figures
behave as figures of that period do.

Invariant: every check reads the report period from ``lookup.report_period`` (``--period``
when given, else the header's year and month) and its knobs from Settings. A header that
contradicts ``--period`` is one finding, PER-001, and every check of the figures runs
against the period the user named, never against the header's (the header's rapporttyp
and datum are checked against the header's own month). A check whose inputs are missing stays
silent (the reader already reports missing or invalid header values as READ-020/READ-021,
blank cells as IN-012).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Iterator

from ..book import Book
from ..findings import Code, Finding, Location, Severity, fmt_value, make_finding
from ..spec import MANADER, Sign, rapporttyp_for_month
from .lookup import (MONTH_NAMES, fmt_month, header_location, header_period, report_period, rounding,
                     tkr_factor, where)

FEL, VARNING = Severity.FEL, Severity.VARNING

CODES = (
    Code("PER-001", FEL, "Fel period",
         "Arbetsboken gäller {actual} men perioden som valideras är {expected}; övriga "
         "periodkontroller (månadsserier, ack budget, utfall mot årsbudget) görs mot {expected}.",
         "Kontrollera att det är rätt fil, eller rätta År och Månad på bladet Uppgifter."),
    Code("PER-002", VARNING, "Rapporttypen stämmer inte med månaden",
         "Rapporttypen är ”{actual}”, men för månad {month} förväntas ”{expected}”.",
         "Välj ”{expected}” i Rapporttyp på bladet Uppgifter, eller rätta månaden."),
    Code("PER-003", VARNING, "Bladnamn anger en annan period",
         "Bladet ”{sheet_name}” anger {actual}, men rapporten gäller {expected}.",
         "Ta bort blad från andra perioder eller byt namn på bladet; en arbetsbok ska gälla en period."),
    Code("PER-004", FEL, "Värde efter rapportmånaden",
         "Månadsserien ”{row_label}” ({year}) har {values_after} efter rapportmånaden {report_month}: {values}.",
         "Ta bort värden efter rapportmånaden; de hör till nästa rapport."),
    Code("PER-005", VARNING, "Lucka i månadsserien",
         "Månadsserien ”{row_label}” ({year}) saknar värden för {months}.",
         "Fyll i alla månader {span}; skriv 0 för en månad utan värde."),
    Code("PER-006", VARNING, "Ack budget avviker från årsbudget × månad/12",
         "Ack budget är {actual}, men årsbudget {arsbudget} × {month}/12 = {expected} "
         "(skillnad {difference}, mer än {band} %).",
         "Kontrollera att budgeten avser perioden januari–{month_name} och årsbudgeten helåret."),
    Code("PER-007", VARNING, "Ack utfall större än årsbudget",
         "Ack utfall {actual} är redan större än hela årsbudgeten {expected} (skillnad {difference}), "
         "före december.",
         "Kontrollera utfallet och årsbudgeten; förklara överskridandet i Kommentarer."),
    Code("PER-008", FEL, "Prognosen är lägre än redan förbrukat",
         "Prognosen {actual} är mindre i belopp än ack utfall {expected} (skillnad {difference}); "
         "året kan inte kosta mindre än det redan har kostat.",
         "Höj prognosen till minst ack utfall, eller rätta utfallet."),
    Code("PER-009", VARNING, "Bokslut föregående år orimligt mot prognosen",
         "Bokslut föregående år {actual} skiljer sig mer än {factor} gånger från årets prognos {expected}"
         "{and_budget}; en siffra kan ha fallit bort.",
         "Kontrollera bokslutet mot föregående års årsredovisning."),
    Code("PER-010", VARNING, "Datum utanför perioden",
         "Rapporten är daterad {actual}, före rapportperiodens början {expected}.",
         "Rätta Datum på bladet Uppgifter."),
    Code("PER-011", FEL, "Månadsserie för ett senare år",
         "Månadsserien ”{row_label}” gäller {year}, ett senare år än rapportåret {report_year}, "
         "men har värden: {values}.",
         "Rätta året i kolumnen År om raden gäller {report_year}; annars ta bort raden, den hör "
         "till en senare rapport."),
)
_CODE = {c.code: c for c in CODES}

_YEAR_MONTH = re.compile(r"(?<!\d)(20\d{2})[-/](0?[1-9]|1[0-2])(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def check_header(book: Book, context) -> Iterator[Finding]:
    """PER-001/002/010: the header's period against --period, the rapporttyp and the datum."""
    stated = header_period(book)
    want = context.period
    if want is not None and stated is not None and (want.year, want.month) != stated:
        yield make_finding(_CODE["PER-001"], header_location(book, "manad" if want.year == stated[0] else "ar"),
                           expected=str(want), actual=f"{stated[0]:04d}-{stated[1]:02d}")
    if stated is None:
        return
    # The header's own fields agree with the header's month; against --period, they are
    # part of the one PER-001 above.
    year, month = stated
    typ = book.header.get("rapporttyp")
    if isinstance(typ, str) and typ and typ != rapporttyp_for_month(month):
        yield make_finding(_CODE["PER-002"], header_location(book, "rapporttyp"),
                           expected=rapporttyp_for_month(month), actual=typ, month=month)
    datum = book.header.get("datum")
    first = dt.date(year, month, 1)
    if isinstance(datum, dt.date) and datum < first:
        yield make_finding(_CODE["PER-010"], header_location(book, "datum"),
                           expected=first.isoformat(), actual=datum.isoformat())


def check_sheet_names(book: Book, context) -> Iterator[Finding]:
    """PER-003: a sheet whose name names another period (a copied sheet from an old report).

    The Book carries one header; other header blocks cannot be read, but a workbook that
    mixes periods nearly always shows it in its sheet names ("Ekonomi 2021-12", "T1 2021").
    """
    period = report_period(book, context)
    if period is None:
        return
    year, month = period
    for name in book.meta.sheets:
        named = None
        ym = _YEAR_MONTH.search(name)
        if ym and (int(ym.group(1)), int(ym.group(2))) != (year, month):
            named = f"{int(ym.group(1)):04d}-{int(ym.group(2)):02d}"
        elif not ym:
            y = _YEAR.search(name)
            if y and int(y.group(1)) != year:
                named = y.group(1)
        if named:
            yield make_finding(_CODE["PER-003"], Location(sheet=name, cell="A1"),
                               expected=f"{year:04d}-{month:02d}", actual=named, sheet_name=name)


def check_monthly_series(book: Book, context) -> Iterator[Finding]:
    """PER-004/005/011: no values after the report month (one finding per row, listing them),
    none in a row for a later year, no gaps before the report month; last year complete."""
    period = report_period(book, context)
    if period is None:
        return
    year, month = period
    for sec in book.sections.values():
        if not sec.spec.monthly:
            continue
        for row in sec.data_rows():
            row_year = row.number("ar")
            if row_year is None or row_year != row_year.to_integral_value():
                continue
            ry = int(row_year)
            after = range(1, 13) if ry > year else range(month + 1, 13) if ry == year else range(0)
            filled = [(m, c) for m in after
                      if (c := row.cells.get(MANADER[m - 1])) is not None and not c.blank]
            if filled:
                first = filled[0][1]
                values = ", ".join(f"{fmt_month(m)} {fmt_value(c.value if c.value is not None else c.raw)}"
                                   for m, c in filled)
                shown = dict(actual=first.value if first.value is not None else first.raw, year=ry,
                             values=values, report_year=year, report_month=fmt_month(month))
                if ry > year:
                    yield make_finding(_CODE["PER-011"], where(sec, row, "ar"), **shown)
                else:
                    yield make_finding(_CODE["PER-004"], where(sec, row, MANADER[filled[0][0] - 1]),
                                       values_after="ett värde" if len(filled) == 1 else f"{len(filled)} värden",
                                       **shown)
            # The report month itself may lag (statistics arrive late: "Prel feb"); the
            # months before it and all of last year may not.
            last = month - 1 if ry == year else 12 if ry == year - 1 else 0
            missing = [m for m in range(1, last + 1)
                       if (c := row.cells.get(MANADER[m - 1])) is not None and c.blank]
            if missing:
                span = f"januari–{MONTH_NAMES[last - 1]}"
                yield make_finding(_CODE["PER-005"], where(sec, row, MANADER[missing[0] - 1]),
                                   actual=len(missing), year=ry, span=span,
                                   months=", ".join(fmt_month(m) for m in missing))


def check_ack_budget(book: Book, context) -> Iterator[Finding]:
    """PER-006: ack budget ≈ årsbudget × månad/12, within the configured band."""
    period = report_period(book, context)
    if period is None:
        return
    _, month = period
    s = context.settings
    r = rounding(book, s)
    pairs = (("ekonomi", "budget_netto", "arsbudget_netto"), ("kostnadsslag", "budget", "arsbudget"))
    for key, budget_key, year_key in pairs:
        sec = book.section(key)
        if sec is None:
            continue
        for row in sec.data_rows():
            budget, arsbudget = row.number(budget_key), row.number(year_key)
            if budget is None or not arsbudget:
                continue
            expected = arsbudget * month / 12
            diff = budget - expected
            if abs(diff) > s.ack_budget_band * abs(expected) + 2 * r:
                yield make_finding(_CODE["PER-006"], where(sec, row, budget_key),
                                   expected=_round_like(expected, book), actual=budget,
                                   difference=_round_like(diff, book), arsbudget=arsbudget, month=month,
                                   month_name=MONTH_NAMES[month - 1],
                                   band=(s.ack_budget_band * 100).normalize())


def _round_like(v: Decimal, book: Book) -> Decimal:
    q = Decimal("0.1") if tkr_factor(book) != 1 else Decimal(1)
    return v.quantize(q)


def _cost_rows(book: Book):
    sec = book.section("kostnadsslag")
    if sec is None:
        return None, []
    return sec, [row for row in sec.data_rows() if row.spec is not None and row.spec.sign is Sign.NEGATIVE]


def check_costs_against_year(book: Book, context) -> Iterator[Finding]:
    """PER-007 (utfall beyond the whole year's budget before december) and PER-008
    (prognos below what has already been spent), on kostnadsslag's kostnad rows."""
    period = report_period(book, context)
    if period is None:
        return
    _, month = period
    r = rounding(book, context.settings)
    sec, rows = _cost_rows(book)
    for row in rows:
        utfall, arsbudget, prognos = row.number("utfall"), row.number("arsbudget"), row.number("prognos")
        if utfall is None:
            continue
        if month < 12 and arsbudget is not None and abs(utfall) > abs(arsbudget) + r:
            yield make_finding(_CODE["PER-007"], where(sec, row, "utfall"), expected=arsbudget,
                               actual=utfall, difference=abs(utfall) - abs(arsbudget))
        if prognos is not None and abs(prognos) < abs(utfall) - 2 * r:
            yield make_finding(_CODE["PER-008"], where(sec, row, "prognos"), expected=utfall,
                               actual=prognos, difference=abs(utfall) - abs(prognos))


def check_bokslut(book: Book, context) -> Iterator[Finding]:
    """PER-009: last year's bokslut far from this year's prognos (and årsbudget).

    Both must disagree: a verksamhet that is winding down has a small prognos and a small
    budget, and its bokslut is legitimately larger.
    """
    sec = book.section("ekonomi")
    if sec is None:
        return
    s = context.settings
    factor = s.bokslut_factor
    to_tkr = tkr_factor(book)
    for row in sec.data_rows():
        bokslut, prognos, arsbudget = (row.number(k) for k in ("bokslut_fg_ar", "prognos_netto", "arsbudget_netto"))
        if not bokslut or not prognos:
            continue
        if max(abs(bokslut), abs(prognos)) * to_tkr < s.bokslut_min_tkr:
            continue
        if not _far(bokslut, prognos, factor):
            continue
        if arsbudget and not _far(bokslut, arsbudget, factor):
            continue
        yield make_finding(_CODE["PER-009"], where(sec, row, "bokslut_fg_ar"), expected=prognos,
                           actual=bokslut, difference=bokslut - prognos, factor=factor.normalize(),
                           and_budget=f" och årsbudgeten {fmt_value(arsbudget)}" if arsbudget else "")


def _far(a: Decimal, b: Decimal, factor: Decimal) -> bool:
    """One magnitude more than ``factor`` times the other."""
    return min(abs(a), abs(b)) * factor < max(abs(a), abs(b))


RULES = (check_header, check_sheet_names, check_monthly_series, check_ack_budget,
         check_costs_against_year, check_bokslut)
