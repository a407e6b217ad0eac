"""Findings are data: one type for every rule, the reader included.

Invariant: a Finding is a frozen value carrying a stable code, a severity, where it is
(file, section, sheet, cell, row label, column key), the expected and found values and
the Swedish message and hint rendered from the code's catalogue entry. Renderers (rich,
JSON, the workbook write-back, consolidation) only read these fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from enum import Enum
from typing import Any, Iterable


class Severity(str, Enum):
    FEL = "fel"
    VARNING = "varning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"fel": 0, "varning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Code:
    """A catalogue entry: the stable code and how its findings read."""

    code: str
    severity: Severity
    title: str
    message: str  # str.format template over the finding's params
    hint: str = ""  # how to fix it, same template rules

    def render(self, params: dict[str, Any]) -> tuple[str, str]:
        shown = {k: fmt_plain(v) if k in PLAIN_PARAMS else fmt_value(v) for k, v in params.items()}
        return self.message.format_map(_Missing(shown)), self.hint.format_map(_Missing(shown))


class _Missing(dict):
    def __missing__(self, key: str) -> str:  # a template never raises on a missing param
        return "?"


# Parameters that name a year, a month, a row number or a header field's value (År, Månad,
# Enhet: never an amount) print as written (2022, rad 1048), never grouped like an amount
# ("2 022").
PLAIN_PARAMS = frozenset({"year", "report_year", "month", "row", "header_value"})


def fmt_plain(v: Any) -> str:
    """A whole number as written, without a thousands separator; anything else as fmt_value."""
    if isinstance(v, (int, Decimal, float)) and not isinstance(v, bool):
        d = v if isinstance(v, Decimal) else Decimal(str(v))
        if d == d.to_integral_value():
            return str(int(d)).replace("-", "−")
    return fmt_value(v)


def fmt_value(v: Any) -> str:
    """Swedish display of a value in a message: 1 234,5 with a real minus sign."""
    if isinstance(v, bool):
        return "SANT" if v else "FALSKT"
    if isinstance(v, (int, Decimal)) or isinstance(v, float):
        d = v if isinstance(v, Decimal) else Decimal(str(v))
        if not d.is_finite():  # a cell value that overflowed a double (1.8E+308)
            return "inte ett tal" if d.is_nan() else ("oändligt" if d > 0 else "−oändligt")
        if d == d.to_integral_value():
            s = f"{int(d):,}".replace(",", "\u00a0")
        else:
            s = f"{d.normalize():,f}".replace(",", "\u00a0").replace(".", ",")
        return s.replace("-", "−")
    if v is None:
        return "(tomt)"
    return str(v)


@dataclass(frozen=True)
class Location:
    file: str = ""
    section: str = ""
    sheet: str = ""
    cell: str = ""  # A1 reference on ``sheet``
    row_label: str = ""
    column: str = ""  # column key of the section spec

    @property
    def a1(self) -> str:
        """sheet!cell, with the sheet quoted as Excel does when it needs it."""
        if not self.cell:
            return self.sheet
        if not self.sheet:
            return self.cell
        return f"{quote_sheet(self.sheet)}!{self.cell}"


def quote_sheet(name: str) -> str:
    if name.replace("_", "").isalnum() and not name[0].isdigit():
        return name
    return "'" + name.replace("'", "''") + "'"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    location: Location
    message: str
    hint: str = ""
    expected: Any = None
    actual: Any = None
    difference: Any = None
    # Other checks this root cell breaks (root-cause folding) and other cells involved.
    related: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.file, loc.section, loc.sheet, _cell_order(loc.cell), self.severity.rank, self.code)

    def with_file(self, file: str) -> "Finding":
        return replace(self, location=replace(self.location, file=file))

    def to_dict(self) -> dict[str, Any]:
        d = {
            "code": self.code,
            "severity": self.severity.value,
            **asdict(self.location),
            "message": self.message,
            "hint": self.hint,
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            "difference": _jsonable(self.difference),
            "related": list(self.related),
        }
        return d


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if v is None or isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


def _cell_order(cell: str) -> tuple[int, int]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    col = 0
    for ch in letters.upper():
        col = col * 26 + (ord(ch) - 64)
    return (int(digits) if digits else 0, col)


def make_finding(code: Code, location: Location, *, expected: Any = None, actual: Any = None,
                 difference: Any = None, related: Iterable[str] = (),
                 severity: Severity | None = None, **params: Any) -> Finding:
    """Build a finding from its catalogue entry; the message is rendered once, here."""
    all_params = {"expected": expected, "actual": actual, "difference": difference,
                  "cell": location.a1, "row_label": location.row_label,
                  "column": location.column, **params}
    message, hint = code.render(all_params)
    return Finding(code=code.code, severity=severity or code.severity, location=location,
                   message=message, hint=hint, expected=expected, actual=actual,
                   difference=difference, related=tuple(related), params=params)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.sort_key)


def varningar(n: int) -> str:
    """'1 varning', '2 varningar' (fel and info do not change in the plural)."""
    return f"{n} varning" if n == 1 else f"{n} varningar"


def count_by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = {s: 0 for s in Severity}
    for f in findings:
        counts[f.severity] += 1
    return counts
