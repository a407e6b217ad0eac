"""The vocabulary of the report spec: sections, columns, rows, sums, signs.

Invariant: everything here is immutable data. Templates, the reader, the rules and the
consolidation all derive their behaviour from these values; none of them holds a cell
coordinate of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    """What a column holds; decides parsing, number format and data validation."""

    AMOUNT = "amount"  # belopp i tkr (or mnkr, per the header's belopp_i)
    PERCENT = "percent"  # stored as a fraction: 0.044 is shown as 4,4 %
    NUMBER = "number"  # an indicator value: a count or a fraction, as the indicator says
    COUNT = "count"  # whole number (statistik)
    TEXT = "text"
    DATE = "date"
    CODE = "code"  # an identifier kept as text (ansvar, projektnummer)
    MONTH = "month"  # "ÅÅÅÅ-MM" (full effekt)
    CHOICE = "choice"  # one of Column.choices

    @property
    def numeric(self) -> bool:
        return self in (Kind.AMOUNT, Kind.PERCENT, Kind.NUMBER, Kind.COUNT)


class Sign(str, Enum):
    """Report convention: intäkter +, kostnader −."""

    POSITIVE = "+"  # intäkter, inkomster: >= 0
    NEGATIVE = "-"  # kostnader, utgifter: <= 0


@dataclass(frozen=True)
class Linear:
    """A computed value as a weighted sum of other columns of the same row.

    ``terms`` are (column key, weight) with weight +1 or −1: netto = intäkter + kostnader,
    avvikelse = utfall − budget.
    """

    terms: tuple[tuple[str, int], ...]

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.terms)

    @property
    def is_difference(self) -> bool:
        """a − b: an avvikelse, whose sign says better (+) or worse (−) than budget."""
        return len(self.terms) == 2 and sorted(w for _, w in self.terms) == [-1, 1]


@dataclass(frozen=True)
class Ratio:
    """A computed value as numerator / denominator of the same row (måluppfyllelse)."""

    numerator: str
    denominator: str

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)


Formula = Linear | Ratio


@dataclass(frozen=True)
class Relation:
    """A row-level equality between input columns that no formula cell computes.

    Sjukfrånvaro: total = kort + lång, all three typed by the unit. The rules check it on
    every row like a computed column; the template keeps all three as inputs.
    """

    column: str
    formula: Formula


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind
    formula: Formula | None = None  # set: the column is computed (locked formula cell)
    sign: Sign | None = None  # sign rule for every data row of this column
    required: bool = False  # a data row must have a value here
    choices: tuple[str, ...] = ()
    band: str = ""  # group header printed above the table header (Ack utfall 2022 …)
    width: float = 16.0
    # How the total row treats this column: "sum" of the rows, "formula" (apply the
    # row formula to the totals, for ratios), or "" (left empty).
    total: str = ""
    help: str = ""  # one line for the Anvisningar sheet

    @property
    def computed(self) -> bool:
        return self.formula is not None


@dataclass(frozen=True)
class RowSpec:
    """A fixed row (kostnadsslag) or a subtotal/total row of a section.

    ``items`` names the rows a total adds up, each with weight +1; a total over
    "all data rows" leaves it empty and sets ``all_rows``.
    """

    code: str
    label: str
    sign: Sign | None = None  # the sign every amount of this row must have
    items: tuple[str, ...] = ()  # for a total: the codes it sums
    all_rows: bool = False  # for a total: the sum of every data row of the section

    @property
    def is_total(self) -> bool:
        return bool(self.items) or self.all_rows


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    sheet: str
    table: str  # the Excel Table name: how the reader finds the section
    columns: tuple[Column, ...]
    label_column: str  # the column whose cell names the row (Verksamhet, Kostnadsslag …)
    # Fixed rows (in order, totals included) or free rows followed by ``totals``.
    fixed_rows: tuple[RowSpec, ...] = ()
    totals: tuple[RowSpec, ...] = ()
    blank_rows: int = 8  # free rows offered by the template
    description: str = ""  # one paragraph for the Anvisningar sheet
    unit_note: str = ""  # printed under the title ("Belopp i tkr. Kostnader (−), intäkter (+)")
    monthly: bool = False  # the columns jan…dec form a monthly series (statistik)
    relations: tuple[Relation, ...] = ()  # row-level equalities between input columns

    @property
    def free_rows(self) -> bool:
        return not self.fixed_rows

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.key}: ingen kolumn {key!r}")

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.computed)

    @property
    def computed_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.computed)

    @property
    def total_rows(self) -> tuple[RowSpec, ...]:
        """Every total row, fixed (kostnadsslag's subtotals) or trailing (Summa)."""
        return tuple(r for r in self.fixed_rows if r.is_total) + self.totals

    @property
    def total_label(self) -> str | None:
        """The label of the section's grand total row (Summa, Totalt, Nettoresultat)."""
        totals = self.total_rows
        return totals[-1].label if totals else None

    def template_rows(self) -> tuple[RowSpec | None, ...]:
        """The rows a fresh template carries: fixed rows, or blank free rows then totals."""
        if self.fixed_rows:
            return self.fixed_rows
        return (None,) * self.blank_rows + self.totals


@dataclass(frozen=True)
class HeaderField:
    key: str  # also the Excel defined name
    label: str
    kind: Kind
    choices: tuple[str, ...] = ()
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class ReportSpec:
    version: str
    header: tuple[HeaderField, ...]
    sections: tuple[Section, ...]
    header_sheet: str = "Uppgifter"
    instructions_sheet: str = "Anvisningar"
    lists_sheet: str = "Listor"
    # Defined names the validation status is written to (button and --write-back).
    status_names: tuple[str, ...] = field(
        default=("valideringsstatus", "valideringsversion", "valideringssigill")
    )

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"okänd sektion {key!r}")

    def section_by_table(self, table: str) -> Section | None:
        for s in self.sections:
            if s.table.lower() == table.lower():
                return s
        return None

    @property
    def section_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)

    def header_field(self, key: str) -> HeaderField:
        for f in self.header:
            if f.key == key:
                return f
        raise KeyError(key)
