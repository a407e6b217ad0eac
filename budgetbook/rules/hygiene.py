"""Input hygiene across rows (IN-02x): verksamheter the nämnd knows, and no row twice.

Cell-level input problems (Excel errors, text in number cells, formulas replaced by
constants, missing values) are the reader's findings IN-001..IN-013; a repeated or
misplaced fixed row (kostnadsslag) is the reader's READ-040/041.

Invariant: rows are identified by their key columns (ROW_KEYS), never by position alone
and never by a label that legitimately repeats; a duplicate is reported at its own cell,
naming the first occurrence.
"""

from __future__ import annotations

from typing import Iterator

from ..book import Book
from ..findings import Code, Finding, Severity, make_finding
from .lookup import a1, norm_name, where

FEL, VARNING = Severity.FEL, Severity.VARNING

CODES = (
    Code("IN-020", FEL, "Okänd verksamhet",
         "Verksamheten ”{actual}” finns inte i nämndens verksamhetslista ({expected}).",
         "Välj verksamheten i listan (cellens pil) eller rätta stavningen; en ny verksamhet läggs "
         "till i nämndens konfiguration."),
    Code("IN-021", FEL, "Dubblerad rad",
         "Raden ”{actual}” förekommer redan i {first_cell}; samma {what} två gånger räknas dubbelt.",
         "Ta bort den ena raden eller slå ihop dem."),
)
_CODE = {c.code: c for c in CODES}

# Which columns identify a row of a free-row section: the same key twice is a duplicate.
# kostnadsslag has fixed rows (the reader places them); kommentarer may have several
# paragraphs for one verksamhet.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "ekonomi": ("verksamhet",),
    "prognosorsaker": ("verksamhet", "orsak"),
    "investeringar": ("projektnummer", "projekt"),
    "atgardsplan": ("verksamhet", "atgard"),
    "statistik": ("nyckeltal", "ar"),
    "indikatorer": ("indikator",),
    "statsbidrag": ("bidrag",),
    "sjukfranvaro": ("ansvar",),
}
_WHAT = {
    "ekonomi": "verksamhet", "prognosorsaker": "orsak för samma verksamhet", "investeringar": "projekt",
    "atgardsplan": "åtgärd", "statistik": "nyckeltal för samma år", "indikatorer": "indikator",
    "statsbidrag": "statsbidrag", "sjukfranvaro": "ansvar",
}

# Kommentarer may carry a heading for the whole report instead of a verksamhet.
GENERAL_HEADINGS = frozenset(map(norm_name, (
    "Sammanfattning", "Övergripande", "Nämnden", "Hela nämnden", "Totalt", "Summa", "Enheten",
    "Ekonomiskt resultat", "Läget i korthet",
)))
# Sections whose verksamhet column names a verksamhet of the nämnd.
VERKSAMHET_SECTIONS = ("ekonomi", "prognosorsaker", "atgardsplan", "kommentarer")


def general_names(book: Book) -> set[str]:
    """Names that stand for the whole report: the headings above, the nämnd and the enhet."""
    names = set(GENERAL_HEADINGS)
    if book.header is not None:
        for key in ("namnd", "enhet_namn"):
            if book.header.get(key):
                names.add(norm_name(book.header.get(key)))
    return names


def check_known_verksamhet(book: Book, context) -> Iterator[Finding]:
    """IN-020: with a nämnd configuration, every verksamhet named is one of its verksamheter."""
    if not context.verksamheter:
        return
    known = {norm_name(v) for v in context.verksamheter}
    listed = ", ".join(context.verksamheter)
    general = general_names(book)
    for key in VERKSAMHET_SECTIONS:
        sec = book.section(key)
        if sec is None:
            continue
        for row in sec.data_rows():
            name = norm_name(row.value("verksamhet"))
            if not name or name in known or (key == "kommentarer" and name in general):
                continue
            yield make_finding(_CODE["IN-020"], where(sec, row, "verksamhet"),
                               expected=listed, actual=row.value("verksamhet"))


def check_duplicates(book: Book, context) -> Iterator[Finding]:
    """IN-021: the same key twice in one section."""
    for key, columns in ROW_KEYS.items():
        sec = book.section(key)
        if sec is None:
            continue
        first: dict[tuple, object] = {}
        for row in sec.data_rows():
            ident = _identity(row, key, columns)
            if ident is None:
                continue
            if ident in first:
                earlier = first[ident]
                label_key = sec.spec.label_column
                yield make_finding(_CODE["IN-021"], where(sec, row, label_key), actual=row.label,
                                   first_cell=a1(sec, earlier, label_key), what=_WHAT[key],
                                   related=[a1(sec, earlier, label_key)])
            else:
                first[ident] = row


def _identity(row, section: str, columns: tuple[str, ...]) -> tuple | None:
    if section == "investeringar":  # the project number when there is one, else the name
        code = norm_name(row.value("projektnummer"))
        return ("nr", code) if code else (("namn", norm_name(row.value("projekt"))) if row.value("projekt") else None)
    ident = tuple([norm_name(row.value(c)) for c in columns])
    return ident if ident[0] else None


RULES = (check_known_verksamhet, check_duplicates)
