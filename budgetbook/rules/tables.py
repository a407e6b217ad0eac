"""Row, total and sign checks of one section over many books at once, as arrays.

Invariant: one ``SectionTable`` per section holds the non-empty rows of every book being
validated (consolidation validates hundreds of workbooks), one float array per column, so
each check is a handful of whole-column operations, not a Python loop per cell nor a
library call per small table. Each table row remembers its book, scope and SectionRow, so
a flagged row maps back to its cells. The table's arrays (values, per-cell tolerances that
mirror ``Scope.uncertainty``, and on each total row what its rows add up to) are the
columns of the frame that the section's pandera schema (``schema``) validates in one lazy
call per run, however many books: ``linear_suspects``, ``ratio_suspects`` and
``sum_suspects`` are that schema's vectorised checks. ``sign_suspects`` runs on the arrays
directly, since the sign rules also count evidence per book. All of them are only a
filter: they flag every row whose equation, total or sign rule may fail, with a margin
for float noise that can only flag more; the exact Decimal evaluation (``equations``) then
decides and supplies the numbers, so every finding is the exact check's. numpy is
imported only when a check runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Iterable, Sequence

from ..book import Book, SectionRow
from ..spec import Kind, Linear, Section, Sign
from .equations import Scope, printed_rounding, total_items

# Float noise allowance, relative to the magnitude of what a check adds up, per term. The
# float error of a sum of n terms is at most n × 1.1e-16 × Σ|terms|, and a tolerance may
# itself add up the roundings of a whole nämnd's rows (a Summa of Summa rows): 1e-10 per
# term covers that with room to spare, and only ever sends more rows to the exact check.
NOISE = 1e-10
# A ratio's tolerance divides by |denominator| − its rounding: when that difference is tiny
# its float value is not trusted, and the row goes to the exact check.
THIN = 1e-6
# What each total's rows add up to in a column, on the total's row: the sum, the tolerance
# (the total's own rounding when typed, plus its rows'), Σ|value|, whether any of them is
# filled in, and whether a float lost any of them (or the total itself).
SUM_FACTS = ("items", "items_tol", "items_abs", "items_some", "items_lost")


@dataclass(frozen=True)
class SignRule:
    """Amounts that must have a sign: a column's sign on data rows, or a row's sign
    (kostnadsslag) on every amount column the unit types (not the computed ones)."""

    name: str  # "sign:<column>" or "rowsign:<column>"
    column: str
    sign: Sign | None  # None: the row's sign decides


def sign_rules(section: Section) -> tuple[SignRule, ...]:
    out = [SignRule(f"sign:{c.key}", c.key, c.sign) for c in section.columns if c.sign is not None]
    if any(r.sign is not None and not r.is_total for r in section.fixed_rows):
        out += [SignRule(f"rowsign:{c.key}", c.key, None) for c in section.input_columns
                if c.kind is Kind.AMOUNT and c.sign is None]
    return tuple(out)


def row_sign(row: SectionRow) -> Sign | None:
    return row.spec.sign if row.spec is not None and not row.is_total else None


def required_sign(rule: SignRule, row: SectionRow) -> Sign | None:
    """The sign ``rule`` demands of its column on ``row`` (None: no demand there)."""
    if row.is_total:
        return None
    return rule.sign if rule.sign is not None else row_sign(row)


@dataclass
class TotalRow:
    """A non-empty total row of the table and the table rows it adds up."""

    index: int  # in the table
    items: list[int]  # table indices of its non-empty items (total_items)
    any_items: bool  # total_items is not empty (an empty row still counts as an item)


@dataclass
class SectionTable:
    """The non-empty rows of one section in many books, column by column."""

    section: Section
    scopes: Sequence[tuple[int, Scope]]  # (book index, scope) of every book that has the section
    books: int  # how many books are being validated (book indices are below this)
    _arrays: dict = field(default_factory=dict, repr=False)
    _q: dict = field(default_factory=dict, repr=False)

    @property
    def where(self) -> list[tuple[int, Scope, SectionRow]]:
        """Per table row: its book index, scope and row."""
        return self._memo("_where", lambda: [(i, scope, row) for i, scope in self.scopes
                                             for row in scope.data.rows if not row.empty])

    def __len__(self) -> int:
        return len(self.where)

    # --- per-row facts ---------------------------------------------------------------------

    def _memo(self, key: str, make):
        if key not in self._arrays:
            self._arrays[key] = make()
        return self._arrays[key]

    @property
    def book(self):
        import numpy as np
        return self._memo("_book", lambda: np.array([b for b, _, _ in self.where], dtype=np.intp))

    @property
    def total(self):
        import numpy as np
        return self._memo("_total", lambda: np.array([r.is_total for _, _, r in self.where], dtype=bool))

    @property
    def rowsign(self):
        """+1 / −1 where the row's spec demands a sign of its amounts, else 0."""
        import numpy as np
        demand = {Sign.POSITIVE: 1, Sign.NEGATIVE: -1}
        return self._memo("_rowsign", lambda: np.array([demand.get(row_sign(r), 0) for _, _, r in self.where],
                                                       dtype=np.int8))

    @property
    def rounding(self):
        """Half a unit of an amount's last printed digit, per row (its book's unit)."""
        import numpy as np
        return self._memo("_rounding", lambda: np.array([float(s.rounding) for _, s, _ in self.where]))

    @property
    def totals(self) -> list[TotalRow]:
        """Every total row with its items (as ``equations.total_items``), in one pass."""
        def make() -> list[TotalRow]:
            where, out = self.where, []
            start = 0
            while start < len(where):  # one book's rows at a time
                book, scope, _ = where[start]
                end = start
                while end < len(where) and where[end][0] == book:
                    end += 1
                before: list[int] = []  # the book's non-empty data rows so far
                at = None
                for i in range(start, end):
                    row = where[i][2]
                    if not row.is_total:
                        before.append(i)
                    elif row.spec.all_rows:
                        inside = [j for j in before if where[j][2].position < row.position]
                        out.append(TotalRow(i, inside, bool(inside)))
                    else:
                        if at is None:
                            at = {where[j][2].position: j for j in range(start, end)}
                        items = total_items(scope.data, row)
                        out.append(TotalRow(i, [at[r.position] for r in items if r.position in at], bool(items)))
                start = end
            return out
        return self._memo("_totals", make)

    @property
    def total_items(self) -> Segments:
        """The items of every total row (``totals``), to add up columns over."""
        return self._memo("_total_items", lambda: Segments([t.items for t in self.totals]))

    @property
    def items_n(self):
        """How many non-empty rows each total adds up; nan on a row no sum check applies
        to (a data row, or a total with no items at all)."""
        def make():
            import numpy as np
            out = np.full(len(self), np.nan)
            for t, size in zip(self.totals, self.total_items.sizes):
                if t.any_items:
                    out[t.index] = size
            return out
        return self._memo("_items_n", make)

    # --- per-column arrays -------------------------------------------------------------------

    def _column(self, key: str):
        """(value, number, formula, nonblank) of column ``key``: float value (nan: no
        number), the Decimals, whether the cell holds a formula, whether it is not blank."""
        if key not in self._arrays:
            import numpy as np
            cells = [r.cells.get(key) for _, _, r in self.where]
            numbers = [c.value if c is not None and isinstance(c.value, Decimal) else None for c in cells]
            value = np.array([float(v) if v is not None else np.nan for v in numbers], dtype=float)
            formula = np.array([c is not None and c.formula for c in cells], dtype=bool)
            nonblank = np.array([c is not None and not c.blank for c in cells], dtype=bool)
            self._arrays[key] = (value, numbers, formula, nonblank)
        return self._arrays[key]

    def value(self, key: str):
        return self._column(key)[0]

    def formula(self, key: str):
        return self._column(key)[2]

    def nonblank(self, key: str):
        return self._column(key)[3]

    def lost(self, key: str):
        """Where the float cannot stand for the Decimal at all: a non-zero number too small
        for a float (text such as "0,000…1"), or too large. The exact check decides those."""
        name = "_lost:" + key
        if name not in self._arrays:
            import numpy as np
            value, numbers, _, _ = self._column(key)
            lost = np.isinf(value)
            for i in np.flatnonzero(value == 0):
                lost[i] = numbers[i] != 0
            self._arrays[name] = lost
        return self._arrays[name]

    def signum(self, key: str):
        """+1 / −1 / 0 per row as the Decimal's sign (0 also where there is no number)."""
        name = "_signum:" + key
        if name not in self._arrays:
            import numpy as np
            value, numbers, _, _ = self._column(key)
            s = np.sign(np.where(np.isnan(value), 0.0, value))
            for i in np.flatnonzero(self.lost(key) & (s == 0)):
                s[i] = 1 if numbers[i] > 0 else -1
            self._arrays[name] = s
        return self._arrays[name]

    def fact(self, fact: str, key: str | None = None):
        """One array by name: ``fact(key)`` of column ``key`` (a ``SUM_FACTS`` entry: from
        ``_sums``), or the per-row ``fact``."""
        if fact in SUM_FACTS:
            return self._sums(key)[SUM_FACTS.index(fact)]
        return getattr(self, fact)(key) if key is not None else getattr(self, fact)

    def _sums(self, key: str):
        """``SUM_FACTS`` of column ``key``, on each total's row (elsewhere nan or False)."""
        name = "_sums:" + key
        if name not in self._arrays:
            import numpy as np

            n, seg = len(self), self.total_items
            at = np.array([t.index for t in self.totals], dtype=np.intp)
            value, lost = _nan0(self.value(key)), self.lost(key)
            own = (np.where(self.formula(key)[at], 0.0, self.rounding[at])
                   if self.section.column(key).kind is Kind.AMOUNT else 0.0)
            out = tuple(np.full(n, np.nan) for _ in range(3)) + tuple(np.zeros(n, dtype=bool) for _ in range(2))
            if len(at):
                out[0][at] = seg.sums(value)
                out[1][at] = own + seg.sums(self.q(key))
                out[2][at] = seg.sums(np.abs(value))
                out[3][at] = seg.sums(self.nonblank(key).astype(float)) > 0
                out[4][at] = lost[at] | (seg.sums(lost.astype(float)) > 0)
            self._arrays[name] = out
        return self._arrays[name]

    def q(self, key: str):
        """Every row's ``Scope.uncertainty`` of column ``key``, as floats."""
        if key not in self._q:
            self._q[key] = self._uncertainty(key)
        return self._q[key]

    def _uncertainty(self, key: str):
        import numpy as np

        col = self.section.column(key)
        value, numbers, formula, _ = self._column(key)
        has = ~np.isnan(value)
        if col.kind is Kind.AMOUNT:
            out = np.where(has, self.rounding, 0.0)
        elif col.kind in (Kind.PERCENT, Kind.NUMBER):
            out = np.array([_printed_rounding(v, col.kind) if v is not None else 0.0 for v in numbers])
        else:
            out = np.zeros(len(self))
        summed = self.total & (col.total == "sum")
        if col.formula is not None:
            computed = has & formula & ~summed
            if computed.any():
                f = col.formula
                if isinstance(f, Linear):
                    fq = sum((self.q(k) for k in f.inputs), np.zeros(len(self)))
                else:
                    fq = ratio_q(self.value(f.numerator), self.value(f.denominator),
                                 self.q(f.numerator), self.q(f.denominator))
                out = np.where(computed, fq, out)
        if col.total == "sum" and self.totals:
            # A total adds up its rows' rounding (a typed total: at least its own); totals of
            # totals (kostnadsslag's nettoresultat) settle within one pass per nesting level.
            at = np.array([t.index for t in self.totals], dtype=np.intp)
            own = self.rounding[at] if col.kind is Kind.AMOUNT else np.zeros(len(at))
            typed = has[at] & ~formula[at]
            for _ in range(len(self.section.total_rows)):
                rows = self.total_items.sums(out)
                out[at] = np.where(has[at], np.where(typed, np.maximum(rows, own), rows), 0.0)
        return out


@lru_cache(maxsize=4096)  # equal Decimals give the same answer; figures repeat across rows and units
def _printed_rounding(v: Decimal, kind: Kind) -> float:
    """``Scope._uncertainty`` of a typed percent or number, as a float."""
    return float(printed_rounding(v, kind))


def ratio_q(n, d, q_n, q_d):
    """``equations.ratio_uncertainty`` over arrays (nan: a missing value)."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.abs(n / d)
        slack = np.abs(d) - q_d
        out = np.where(slack > 0, (q_n + r * q_d) / np.where(slack > 0, slack, 1.0), r)
    return np.where(np.isnan(n) | np.isnan(d) | (d == 0), 0.0, out)


class Segments:
    """Lists of table rows (each total's items), to add up any column over each at once."""

    def __init__(self, segments: Sequence[Sequence[int]]):
        import numpy as np

        sizes = np.array([len(s) for s in segments], dtype=np.intp)
        self.count = len(segments)
        self.full = sizes > 0  # np.add.reduceat cannot sum an empty segment: those are 0
        self.flat = np.array([i for s in segments for i in s], dtype=np.intp)
        self.starts = np.concatenate(([0], np.cumsum(sizes[self.full])[:-1])).astype(np.intp)
        self.sizes = sizes

    def sums(self, values):
        """Σ values[i] over each segment (0 for an empty one)."""
        import numpy as np

        out = np.zeros(self.count)
        if self.flat.size:
            out[self.full] = np.add.reduceat(values[self.flat], self.starts)
        return out


def _off(found, expected, tol, magnitude, terms):
    """Where |found − expected| may exceed ``tol``: beyond it by more than float noise could
    hide, or not a finite number at all (the exact check decides both). ``terms``: how many
    terms were added (a number, or one per row)."""
    import numpy as np

    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(found - expected)
        margin = magnitude * (NOISE * (terms + 2))
        return (diff > tol - margin) | ~np.isfinite(diff) | ~np.isfinite(tol) | ~np.isfinite(margin)


def _nan0(a):
    import numpy as np
    return np.where(np.isnan(a), 0.0, a)


# The suspects below read their arrays through ``col(fact, key)``: a ``SectionTable.fact``
# or the columns of the pandera frame built from it (``schema``), which are the same arrays.

def linear_suspects(col, target: str, terms: Sequence[tuple[str, int]]):
    """Rows where ``target = Σ weight × term`` may fail (``equations.linear_violation``)."""
    import numpy as np

    t = col("value", target)
    zero = np.zeros(len(t))
    vals = [_nan0(col("value", k)) for k, _ in terms]
    expected = sum((w * v for (_, w), v in zip(terms, vals)), zero)
    tol = col("q", target) + sum((col("q", k) for k, _ in terms), zero)
    some = np.zeros(len(t), dtype=bool)
    for k, _ in terms:
        some |= col("nonblank", k)
    magnitude = np.abs(_nan0(t)) + sum((np.abs(v) for v in vals), zero) + tol
    lost = col("lost", target)
    for k, _ in terms:
        lost = lost | col("lost", k)
    return ~np.isnan(t) & some & (_off(t, expected, tol, magnitude, len(terms)) | lost)


def ratio_suspects(col, target: str, numerator: str, denominator: str):
    """Rows where ``target = numerator / denominator`` may fail (``equations.ratio_violation``)."""
    import numpy as np

    t, n, d = col("value", target), col("value", numerator), col("value", denominator)
    q_d = col("q", denominator)
    tol = col("q", target) + ratio_q(n, d, col("q", numerator), q_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = n / np.where(d != 0, d, np.nan)
        slack = np.abs(d) - q_d
        thin = (slack > 0) & (slack < THIN * np.abs(d))
        magnitude = np.abs(t) + np.abs(r) + tol
        lost = col("lost", target) | col("lost", numerator) | col("lost", denominator)
        return ~np.isnan(t) & (~np.isnan(r) & (_off(t, r, tol, magnitude, 4) | thin) | lost & ~np.isnan(n) & ~np.isnan(d))


def sum_suspects(col, key: str):
    """Total rows whose ``key`` may differ from the sum of their rows
    (``equations.sum_violation``); False on every other row."""
    import numpy as np

    t, n = col("value", key), col("items_n")
    expected, tol, total_abs, some, lost = (col(fact, key) for fact in SUM_FACTS)
    magnitude = np.abs(_nan0(t)) + total_abs + tol
    with np.errstate(invalid="ignore"):
        bad = _off(t, expected, tol, magnitude, n) | lost
    return ~np.isnan(n) & ~np.isnan(t) & some & bad


def sign_suspects(table: SectionTable, rules: Sequence[SignRule]):
    """The amounts with the wrong sign, as (table row, rule, the sign demanded) by row then
    rule name; and per book the evidence: how many signed amounts are non-zero, how many
    intäkter are negative and how many kostnader positive."""
    import numpy as np

    n = table.books
    signed, intakter_negative, kostnader_positive = np.zeros(n, int), np.zeros(n, int), np.zeros(n, int)
    out = []
    for rule in rules:
        demand = (np.full(len(table), 1 if rule.sign is Sign.POSITIVE else -1, dtype=np.int8)
                  if rule.sign is not None else table.rowsign)
        demand = np.where(table.total, 0, demand)
        s = table.signum(rule.column)
        signed += np.bincount(table.book[(demand != 0) & (s != 0)], minlength=n)
        wrong = s * demand < 0
        intakter_negative += np.bincount(table.book[wrong & (demand > 0)], minlength=n)
        kostnader_positive += np.bincount(table.book[wrong & (demand < 0)], minlength=n)
        out += [(int(i), rule.name, rule, Sign.POSITIVE if demand[i] > 0 else Sign.NEGATIVE)
                for i in np.flatnonzero(wrong)]
    out.sort(key=lambda x: (x[0], x[1]))
    return [(i, rule, sign) for i, _, rule, sign in out], signed, intakter_negative, kostnader_positive


def scopes_by_section(books: Sequence[Book], settings) -> Iterable[tuple[Section, list[tuple[int, Scope]]]]:
    """Each section of the spec with the scopes of every book that has it."""
    if not books:
        return
    spec = books[0].spec
    for order, section in enumerate(spec.sections):
        scopes = []
        for i, book in enumerate(books):
            data = book.section(section.key)
            if data is None:
                continue
            unit = book.header.belopp_i if book.header is not None else "tkr"
            scopes.append((i, Scope(data=data, order=order, unit=unit, rounding=settings.rounding(unit))))
        if scopes:
            yield section, scopes


def section_tables(books: Sequence[Book], context) -> Iterable[tuple[Section, SectionTable]]:
    """Each section of the spec with its table over ``books``. Within one validation run the
    engine shares them (``Context.shared``): arithmetic and signs read the same cells once."""
    shared = getattr(context, "shared", None)
    ids = tuple(map(id, books))
    for section, scopes in scopes_by_section(books, context.settings):
        key = ("section_table", section.key, ids)
        table = shared.get(key) if shared is not None else None
        if table is None:
            table = SectionTable(section=section, scopes=scopes, books=len(books))
            if shared is not None:
                shared[key] = table
        yield section, table
