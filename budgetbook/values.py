"""Turning what a user typed into exact values.

Invariant: amounts become ``Decimal`` once, here; float noise from Excel's binary doubles
never reaches a rule. Nothing here raises on user data: a value that cannot be read comes
back as a ``Parsed`` with ``problem`` set to the reader code that explains it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .spec import Kind

# Excel error values, English (as stored in the file) and Swedish (as a Swedish Excel shows
# them, and as they arrive when someone pastes values as text).
EXCEL_ERRORS = {
    "#DIV/0!": "#DIV/0!", "#DIVISION/0!": "#DIV/0!",
    "#REF!": "#REF!", "#REFERENS!": "#REF!",
    "#VALUE!": "#VALUE!", "#VÄRDEFEL!": "#VALUE!",
    "#N/A": "#N/A", "#SAKNAS!": "#N/A",
    "#NAME?": "#NAME?", "#NAMN?": "#NAME?",
    "#NUM!": "#NUM!", "#OGILTIGT!": "#NUM!",
    "#NULL!": "#NULL!", "#SKÄRNING!": "#NULL!",
    "#SPILL!": "#SPILL!", "#CALC!": "#CALC!", "#BERÄKNING!": "#CALC!",
    "#GETTING_DATA": "#GETTING_DATA",
}

# A tkr amount beyond this is a typo (or kronor typed as tkr): 100 miljarder kronor.
AMOUNT_LIMIT = Decimal(100_000_000)
# Any other number beyond Excel's 15 significant digits is not a value anyone typed.
NUMBER_LIMIT = Decimal(10) ** 15

_SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009\u2007\u2008\u200a\u2002\u2003'"), None)
_MINUSES = {ord("\u2212"): "-", ord("\u2013"): "-", ord("\u2014"): "-", ord("\u2012"): "-"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_UNIT_SUFFIX = re.compile(r"(tkr|mnkr|kr|st)\.?$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Parsed:
    value: Any = None  # Decimal | str | date | None
    problem: str | None = None  # reader code (IN-0xx) when the value could not be used
    error: str | None = None  # the Excel error value, canonical English form
    note: str | None = None  # reader code for a value that was read but deserves a word


BLANK = Parsed()


def excel_error(raw: Any) -> str | None:
    if isinstance(raw, str):
        return EXCEL_ERRORS.get(raw.strip().upper())
    return None


def decimal_from_float(x: float) -> Decimal:
    """Exact decimal for a double read from a cell: 0.1 + 0.2 reads as 0.3."""
    if -1e15 < x < 1e15 and x.is_integer():  # the common case (tkr); same result, no string round trip
        return Decimal(int(x))
    text = repr(x)
    point = text.find(".")
    if point >= 0 and len(text) - point <= 10 and "e" not in text and -1e15 < x < 1e15:
        # At most 9 decimals and no trailing zero (repr writes none): what the quantize and
        # normalize below would give, without them.
        return Decimal(text)
    d = Decimal(text)
    q = d.quantize(_NANO) if -1e15 < x < 1e15 else d  # the same test as abs(d) < 1e15: d is x's repr
    return normalize(q)


_NANO = Decimal("1e-9")


def normalize(d: Decimal) -> Decimal:
    """Drop trailing zeros without exponent notation: 100.000 → 100, 0.300 → 0.3."""
    if d == d.to_integral_value():
        return Decimal(int(d))
    return d.normalize()


def parse_swedish_number(text: str) -> Decimal | None:
    """'1 234', '12,5', '−1 234', '(123)', '1.234,5', '4,4 %' (as 4.4) → Decimal, else None."""
    s = text.strip().translate(_MINUSES).translate(_SPACES)
    if not s:
        return None
    s = _UNIT_SUFFIX.sub("", s)
    s = s.rstrip("%")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if "," in s:
        if "." in s:  # 1.234,5: dots group thousands
            s = s.replace(".", "")
        if s.count(",") != 1:
            return None
        s = s.replace(",", ".")
    elif s.count(".") > 1:  # 1.234.567
        s = s.replace(".", "")
    if not _NUMBER.match(s):
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    return -d if negative else d


# What in a number typed as text keeps Excel from reading it as a number, and how to fix
# it, in Swedish (IN-010's message and hint): (pattern, what was found, the fix).
_TEXT_TRAITS = (
    (re.compile("\u2212"), "minustecknet är ett typografiskt tecken (−), inte Excels minus (-)",
     "skriv vanligt minus (-) i stället för −"),
    (re.compile("[\u2012\u2013\u2014]"), "minustecknet är ett tankstreck (–), inte Excels minus (-)",
     "skriv vanligt minus (-) i stället för –"),
    (re.compile(r"\d[\s\u00a0\u202f\u2009\u2007\u2008\u200a\u2002\u2003]+\d"),
     "texten har mellanslag mellan siffrorna", "ta bort mellanslagen"),
    (re.compile("'"), "texten har en apostrof", "ta bort apostrofen"),
    (re.compile(r"\("), "ett negativt tal står inom parentes", "skriv minus framför talet i stället för parentesen"),
    (_UNIT_SUFFIX, "enheten står i cellen", "skriv bara talet (enheten står i kolumnrubriken)"),
    (re.compile(r"\..*,"), "punkt skiljer tusentalen", "ta bort punkterna"),
)
_MINUS_TIP = " Sök och ersätt (Ctrl+H) byter minustecknet i hela bladet på en gång."


def text_number_traits(text: str) -> tuple[str, str]:
    """(what was found, how to fix it) for a number typed as text (IN-010), in Swedish."""
    s = text.strip()
    traits = [(what, fix) for pattern, what, fix in _TEXT_TRAITS if pattern.search(s)]
    if not traits:
        return ("cellen är formaterad som text",
                "ändra cellens format till Tal (Start → Talformat) och skriv talet igen.")
    fix = _and([f for _, f in traits]) + "."
    if any(ch in s for ch in "\u2212\u2012\u2013\u2014"):
        fix += _MINUS_TIP
    return _and([w for w, _ in traits]), fix


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " och " + parts[-1]


def parse_cell(raw: Any, kind: Kind, choices: tuple[str, ...] = ()) -> Parsed:
    """Read one cell's raw value (as calamine, openpyxl or xlwings give it) for a kind."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return BLANK
    err = excel_error(raw)
    if err:
        return Parsed(problem="IN-001", error=err)
    if isinstance(raw, bool):  # SANT/FALSKT is no value of any kind
        return Parsed(problem="IN-004")
    if kind.numeric:
        return _parse_numeric(raw, kind)
    if kind is Kind.DATE:
        return _parse_date(raw)
    if kind is Kind.MONTH:
        return _parse_month(raw)
    if isinstance(raw, bool):
        return Parsed(problem="IN-004")
    text = _as_text(raw)
    if kind is Kind.CHOICE and choices:
        for c in choices:
            if c.casefold() == text.casefold():
                return Parsed(value=c)
        return Parsed(value=text, problem="IN-006")
    return Parsed(value=text)


def _as_text(raw: Any) -> str:
    """A cell value as text; 4.0 (calamine) and 4 (openpyxl) are both "4"."""
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        return raw.isoformat()[:10]
    return str(raw).strip()


def _parse_numeric(raw: Any, kind: Kind) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(problem="IN-004")
    if isinstance(raw, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return Parsed(problem="IN-003")
    note = None
    if isinstance(raw, float):
        d, problem = number_from_float(raw, kind)
        return Parsed(value=d, problem=problem)
    if isinstance(raw, int):
        d = Decimal(raw)
    elif isinstance(raw, Decimal):
        d = raw
    else:
        text = str(raw)
        parsed = parse_swedish_number(text)
        if parsed is None:
            return Parsed(value=None, problem="IN-002")
        d = parsed
        if kind is Kind.PERCENT and "%" in text:
            d = d / 100
        d = normalize(d)
        note = "IN-010"  # a number typed as text: Excel's own sums skip it
    problem = _out_of_range(d, kind)
    if problem == "IN-005":  # unusable, as text is: no rule may compute with 1E+300
        return Parsed(problem=problem)
    return Parsed(value=d, problem=problem) if problem else Parsed(value=d, note=note)


def number_from_float(raw: float, kind: Kind) -> tuple[Decimal | None, str | None]:
    """A numeric cell's double as (value, problem code): the hot path of every file read."""
    if -1e15 < raw < 1e15 and raw.is_integer():  # whole tkr: no NaN, no fraction to check
        d = Decimal(int(raw))
    elif raw != raw or raw == _INF or raw == _NEG_INF:
        return None, "IN-005"
    else:
        d = decimal_from_float(raw)
    problem = _out_of_range(d, kind)
    return (None if problem == "IN-005" else d), problem  # an unusable number takes no part


def _out_of_range(d: Decimal, kind: Kind) -> str | None:
    if kind is _COUNT and d != d.to_integral_value():
        return "IN-007"
    if abs(d) > (AMOUNT_LIMIT if kind is _AMOUNT else NUMBER_LIMIT):
        return "IN-005"
    return None


_INF, _NEG_INF = float("inf"), float("-inf")
_COUNT, _AMOUNT = Kind.COUNT, Kind.AMOUNT  # module constants: an Enum member lookup is not free
NUMERIC_KINDS = frozenset(k for k in Kind if k.numeric)


def _parse_date(raw: Any) -> Parsed:
    if isinstance(raw, dt.datetime):
        return Parsed(value=raw.date())
    if isinstance(raw, dt.date):
        return Parsed(value=raw)
    if isinstance(raw, str):
        s = raw.strip()
        for fmt in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y"):
            try:
                return Parsed(value=dt.datetime.strptime(s, fmt).date())
            except ValueError:
                pass
    return Parsed(problem="IN-008")


def _parse_month(raw: Any) -> Parsed:
    if isinstance(raw, (dt.datetime, dt.date)):
        return Parsed(value=f"{raw.year:04d}-{raw.month:02d}")
    s = _as_text(raw)
    m = _MONTH.match(s)
    if m and 1 <= int(m.group(2)) <= 12:
        return Parsed(value=f"{int(m.group(1)):04d}-{int(m.group(2)):02d}")
    return Parsed(value=s, problem="IN-008")
