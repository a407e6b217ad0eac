"""The in-memory unit workbook: values by (section, row, column), each with its cell.

Invariant: a Book never refers to openpyxl, calamine or xlwings. Every value keeps the A1
address it came from, so any rule can point at the cell. ``value`` is what the cell shows
(cached formula result or typed constant); where a formula was saved without a cached
result the reader fills in what the formula computes (``filled``), never 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

from .findings import Finding
from .spec import SPEC, Column, ReportSpec, RowSpec, Section


class CellValue:
    """One cell as read. Treated as immutable once made; equality and hash ignore ``raw``.

    A __slots__ class rather than a frozen dataclass: the reader makes one per cell and the
    rules read them millions of times at a few hundred units (issue 8), and a frozen
    dataclass's __init__ and a property per access cost several times more.
    """

    __slots__ = ("ref", "value", "raw", "formula", "filled", "error", "problem", "unknown", "number")

    def __init__(self, ref: str, value: Any = None, raw: Any = None, formula: bool = False,
                 filled: bool = False, error: str | None = None, problem: str | None = None,
                 unknown: bool = False):
        self.ref = ref  # A1 on the section's sheet
        self.value = value  # Decimal | str | date | None
        # As the source gave it (engines differ: 2022.0 vs 2022, datetime vs date); not compared.
        self.raw = raw
        self.formula = formula  # the cell holds a formula
        self.filled = filled  # value computed by the reader: a formula without cached result
        self.error = error  # Excel error value
        self.problem = problem  # reader code when the value could not be used
        # A formula whose result is not known: no cached result and not computable by the reader
        # (an input is unknown), so it is neither blank nor a number.
        self.unknown = unknown
        # The value when it is a number (Decimal), else None: read far more often than made.
        self.number: Decimal | None = value if value.__class__ is Decimal else None

    def _key(self) -> tuple:
        return (self.ref, self.value, self.formula, self.filled, self.error, self.problem, self.unknown)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CellValue):
            return NotImplemented
        return self._key() == other._key()  # type: ignore[union-attr]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"CellValue(ref={self.ref!r}, value={self.value!r}, raw={self.raw!r}, formula={self.formula!r}, "
                f"filled={self.filled!r}, error={self.error!r}, problem={self.problem!r}, unknown={self.unknown!r})")

    @property
    def blank(self) -> bool:
        return self.value is None and self.error is None and self.problem is None and not self.unknown


class _SharedBlank(CellValue):
    """A blank cell the reader shares between reads (one per address): it cannot change."""

    __slots__ = ()

    def __init__(self, ref: str):
        for name, value in (("ref", ref), ("value", None), ("raw", None), ("formula", False),
                            ("filled", False), ("error", None), ("problem", None), ("unknown", False),
                            ("number", None)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the blank cell {self.ref} is shared and cannot be changed")

    __delattr__ = __setattr__  # type: ignore[assignment]

    def __reduce__(self):
        return (_SharedBlank, (self.ref,))


def shared_blank(ref: str) -> CellValue:
    """A blank CellValue that may be shared: equal to CellValue(ref), and immutable."""
    return _SharedBlank(ref)


class _computed_once:
    """functools.cached_property without its lock (Python 3.11 takes one on every first
    access, which a few hundred thousand rows feel): the value lands in the instance's
    __dict__, where later reads find it without calling anything."""

    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass
class SectionRow:
    position: int  # 0-based position within the table body
    excel_row: int
    label: str
    spec: RowSpec | None  # a fixed or total row of the spec; None for a free data row
    cells: dict[str, CellValue]
    hidden: bool = False

    # What the row is never changes once it is read: worked out on first use, then a plain
    # attribute (the rules ask for these on every row, for every rule).
    @_computed_once
    def code(self) -> str | None:
        return self.spec.code if self.spec else None

    @_computed_once
    def is_total(self) -> bool:
        return bool(self.spec and self.spec.is_total)

    # Asked for by every rule on every row; computed once. The reader, the only code that
    # replaces cells after a row is made, calls changed() when it does.
    @_computed_once
    def empty(self) -> bool:
        return all(c.blank for c in self.cells.values())

    def changed(self) -> None:
        """Forget what was computed from the cells (after the reader fills in a cell)."""
        self.__dict__.pop("empty", None)

    def number(self, key: str) -> Decimal | None:
        c = self.cells.get(key)
        return c.number if c is not None else None

    def value(self, key: str) -> Any:
        c = self.cells.get(key)
        return c.value if c is not None else None


@dataclass
class SectionData:
    spec: Section
    sheet: str
    table_ref: str
    columns: dict[str, str]  # column key → column letter
    rows: list[SectionRow]

    @property
    def key(self) -> str:
        return self.spec.key

    # The row lists are computed once (the rules ask for them millions of times at a few
    # hundred units); rows are not added or emptied after reading. Each call returns a copy,
    # so a caller may change its list.
    @_computed_once
    def _data_rows(self) -> list[SectionRow]:
        return [r for r in self.rows if not r.is_total and not r.empty]

    @_computed_once
    def _total_rows(self) -> list[SectionRow]:
        return [r for r in self.rows if r.is_total]

    @_computed_once
    def _by_code(self) -> dict[str, SectionRow]:
        out: dict[str, SectionRow] = {}
        for r in self.rows:
            if r.spec is not None:
                out.setdefault(r.spec.code, r)
        return out

    def data_rows(self) -> list[SectionRow]:
        """Rows that carry data: not totals, not empty."""
        return self._data_rows.copy()

    def total_rows(self) -> list[SectionRow]:
        return self._total_rows.copy()

    def row(self, code: str) -> SectionRow | None:
        return self._by_code.get(code)

    def grand_total(self) -> SectionRow | None:
        totals = self._total_rows
        return totals[-1] if totals else None

    def cell_ref(self, row: SectionRow, key: str) -> str:
        return f"{self.columns[key]}{row.excel_row}"


@dataclass
class Header:
    sheet: str
    fields: dict[str, CellValue]

    def get(self, key: str) -> Any:
        c = self.fields.get(key)
        return c.value if c else None

    @property
    def year(self) -> int | None:
        v = self.get("ar")
        return int(v) if isinstance(v, Decimal) and v == v.to_integral_value() else None

    @property
    def month(self) -> int | None:
        v = self.get("manad")
        return int(v) if isinstance(v, Decimal) and v == v.to_integral_value() else None

    @property
    def belopp_i(self) -> str:
        v = self.get("belopp_i")
        return v if v in ("tkr", "mnkr") else "tkr"

    @property
    def enhet_kod(self) -> str:
        v = self.get("enhet_kod")
        return str(v) if v is not None else ""


@dataclass
class BookMeta:
    """What the file carries besides data: for warnings about code and configuration."""

    sheets: list[str] = field(default_factory=list)
    hidden_sheets: list[str] = field(default_factory=list)
    has_vba: bool = False
    external_links: int = 0
    connections: bool = False
    sha256: str = ""
    size: int = 0
    modified: dt.datetime | None = None


@dataclass
class Book:
    source: str  # the file path, or a description of the live workbook
    header: Header | None
    sections: dict[str, SectionData]
    findings: list[Finding] = field(default_factory=list)  # what reading found
    meta: BookMeta = field(default_factory=BookMeta)
    spec: ReportSpec = SPEC

    def section(self, key: str) -> SectionData | None:
        return self.sections.get(key)

    def iter_cells(self) -> Iterator[tuple[SectionData, SectionRow, Column, CellValue]]:
        for sec in self.sections.values():
            for row in sec.rows:
                for col in sec.spec.columns:
                    cell = row.cells.get(col.key)
                    if cell is not None:
                        yield sec, row, col, cell
